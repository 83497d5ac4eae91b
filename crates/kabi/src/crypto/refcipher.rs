//! Independent implementations (RustCrypto crates) of the ciphers the
//! host's self-tests check algorithms against, by Linux's algorithm
//! names: single-block ciphers, their ECB and CBC modes, AES in CTR and
//! XTS, the ChaCha family (Linux's IV layouts) and AES-GCM (plain and
//! RFC 4106).

use cipher::{BlockDecrypt, BlockEncrypt, KeyInit, KeyIvInit, StreamCipher, StreamCipherSeek};

/// A block cipher by Linux's `cra_name`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Block {
    Aes,
    Blowfish,
    Camellia,
    Cast5,
    Cast6,
    Serpent,
    Twofish,
    Des,
    Des3,
}

impl Block {
    pub(crate) fn of(name: &[u8]) -> Option<Block> {
        Some(match name {
            b"aes" => Block::Aes,
            b"blowfish" => Block::Blowfish,
            b"camellia" => Block::Camellia,
            b"cast5" => Block::Cast5,
            b"cast6" => Block::Cast6,
            b"serpent" => Block::Serpent,
            b"twofish" => Block::Twofish,
            b"des" => Block::Des,
            b"des3_ede" => Block::Des3,
            _ => return None,
        })
    }
    pub(crate) fn blocksize(self) -> usize {
        match self {
            Block::Blowfish | Block::Cast5 | Block::Des | Block::Des3 => 8,
            _ => 16,
        }
    }
    /// Key sizes the self-test uses (all valid in Linux and the crate).
    pub(crate) fn keys(self) -> &'static [usize] {
        match self {
            Block::Aes | Block::Camellia | Block::Serpent | Block::Twofish => &[16, 24, 32],
            Block::Blowfish => &[4, 16, 56],
            Block::Cast5 => &[5, 16],
            Block::Cast6 => &[16, 32],
            Block::Des => &[8],
            Block::Des3 => &[24],
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    Ecb,
    Cbc,
}

fn modes<C: KeyInit + BlockEncrypt + BlockDecrypt>(key: &[u8], mode: Mode, iv: &[u8], data: &mut [u8], enc: bool) -> Option<()> {
    let c = C::new_from_slice(key).ok()?;
    let bs = C::block_size();
    if data.len() % bs != 0 {
        return None;
    }
    let mut chain = iv.to_vec();
    for blk in data.chunks_mut(bs) {
        let b = cipher::generic_array::GenericArray::from_mut_slice(blk);
        match (mode, enc) {
            (Mode::Ecb, true) => c.encrypt_block(b),
            (Mode::Ecb, false) => c.decrypt_block(b),
            (Mode::Cbc, true) => {
                for (x, y) in b.iter_mut().zip(&chain) {
                    *x ^= y;
                }
                c.encrypt_block(b);
                chain.copy_from_slice(b);
            }
            (Mode::Cbc, false) => {
                let ct = b.to_vec();
                c.decrypt_block(b);
                for (x, y) in b.iter_mut().zip(&chain) {
                    *x ^= y;
                }
                chain = ct;
            }
        }
    }
    Some(())
}

/// ECB or CBC of whole blocks, in place; None for a key or length the
/// reference does not take.
pub(crate) fn block_mode(b: Block, key: &[u8], mode: Mode, iv: &[u8], data: &mut [u8], enc: bool) -> Option<()> {
    match b {
        Block::Aes => match key.len() {
            16 => modes::<aes::Aes128>(key, mode, iv, data, enc),
            24 => modes::<aes::Aes192>(key, mode, iv, data, enc),
            32 => modes::<aes::Aes256>(key, mode, iv, data, enc),
            _ => None,
        },
        Block::Camellia => match key.len() {
            16 => modes::<camellia::Camellia128>(key, mode, iv, data, enc),
            24 => modes::<camellia::Camellia192>(key, mode, iv, data, enc),
            32 => modes::<camellia::Camellia256>(key, mode, iv, data, enc),
            _ => None,
        },
        Block::Blowfish => modes::<blowfish::Blowfish>(key, mode, iv, data, enc),
        Block::Cast5 => modes::<cast5::Cast5>(key, mode, iv, data, enc),
        Block::Cast6 => modes::<cast6::Cast6>(key, mode, iv, data, enc),
        Block::Serpent => modes::<serpent::Serpent>(key, mode, iv, data, enc),
        Block::Twofish => modes::<twofish::Twofish>(key, mode, iv, data, enc),
        Block::Des => modes::<des::Des>(key, mode, iv, data, enc),
        Block::Des3 => modes::<des::TdesEde3>(key, mode, iv, data, enc),
    }
}

/// AES-CTR with a 128-bit big-endian counter block, in place.
pub(crate) fn aes_ctr(key: &[u8], iv: &[u8], data: &mut [u8]) -> Option<()> {
    match key.len() {
        16 => ctr::Ctr128BE::<aes::Aes128>::new_from_slices(key, iv).ok()?.apply_keystream(data),
        24 => ctr::Ctr128BE::<aes::Aes192>::new_from_slices(key, iv).ok()?.apply_keystream(data),
        32 => ctr::Ctr128BE::<aes::Aes256>::new_from_slices(key, iv).ok()?.apply_keystream(data),
        _ => return None,
    }
    Some(())
}

fn xts_with<C>(key: &[u8], iv: &[u8], data: &mut [u8], enc: bool) -> Option<()>
where
    C: KeyInit + BlockEncrypt + BlockDecrypt + cipher::BlockCipher + cipher::BlockSizeUser<BlockSize = cipher::consts::U16>,
{
    let h = key.len() / 2;
    let x = xts_mode::Xts128::new(C::new_from_slice(&key[..h]).ok()?, C::new_from_slice(&key[h..]).ok()?);
    let tweak: [u8; 16] = iv.try_into().ok()?;
    if data.len() < 16 {
        return None;
    }
    if enc {
        x.encrypt_sector(data, tweak);
    } else {
        x.decrypt_sector(data, tweak);
    }
    Some(())
}

/// AES-XTS (IEEE 1619, ciphertext stealing), in place.
pub(crate) fn aes_xts(key: &[u8], iv: &[u8], data: &mut [u8], enc: bool) -> Option<()> {
    match key.len() {
        32 => xts_with::<aes::Aes128>(key, iv, data, enc),
        48 => xts_with::<aes::Aes192>(key, iv, data, enc),
        64 => xts_with::<aes::Aes256>(key, iv, data, enc),
        _ => None,
    }
}

/// ChaCha20 with Linux's 16-byte IV: the 32-bit little-endian block
/// counter, then the 96-bit nonce.
pub(crate) fn chacha20(key: &[u8], iv: &[u8], data: &mut [u8]) -> Option<()> {
    let mut c = chacha20::ChaCha20::new_from_slices(key, iv.get(4..16)?).ok()?;
    let ctr = u32::from_le_bytes(iv.get(..4)?.try_into().ok()?) as u64;
    c.try_seek(ctr * 64).ok()?;
    c.try_apply_keystream(data).ok()
}

/// XChaCha20/12 with Linux's 32-byte IV whose stream position (bytes
/// 24..32) is zero.
pub(crate) fn xchacha(rounds: u32, key: &[u8], iv: &[u8], data: &mut [u8]) -> Option<()> {
    if iv.get(24..32)? != [0u8; 8] {
        return None;
    }
    let n = iv.get(..24)?;
    match rounds {
        20 => chacha20::XChaCha20::new_from_slices(key, n).ok()?.try_apply_keystream(data).ok(),
        12 => chacha20::XChaCha12::new_from_slices(key, n).ok()?.try_apply_keystream(data).ok(),
        _ => None,
    }
}

/// AES-GCM with a 12-byte nonce and a 16-byte tag: ciphertext || tag.
pub(crate) fn aes_gcm(key: &[u8], nonce: &[u8], aad: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, Payload};
    let p = Payload { msg: data, aad };
    let n = aes_gcm::Nonce::from_slice(nonce.get(..12)?);
    match key.len() {
        16 => aes_gcm::Aes128Gcm::new_from_slice(key).ok()?.encrypt(n, p).ok(),
        24 => aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(key).ok()?.encrypt(n, p).ok(),
        32 => aes_gcm::Aes256Gcm::new_from_slice(key).ok()?.encrypt(n, p).ok(),
        _ => None,
    }
}
