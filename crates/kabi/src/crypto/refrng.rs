//! Independent reference implementations of the random number generators
//! Debian's modules provide, written from their specifications on
//! RustCrypto's primitives (`hmac`, `sha1`, `sha2`, `aes`): NIST SP 800-90A
//! HMAC_DRBG, Hash_DRBG and CTR_DRBG (with the derivation function, as
//! drbg.c uses it), and ANSI X9.31 Appendix A.2.4 with AES-128
//! (ansi_cprng.c). The self-tests ([`super::testmgr`]) and the tests
//! compare the modules' output with these; the unit tests below check
//! them against NIST's published CAVP vectors.

use aes::cipher::{BlockEncrypt, KeyInit};

/// The hash a Hash_DRBG or HMAC_DRBG is built on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HashKind {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashKind {
    fn outlen(self) -> usize {
        match self {
            HashKind::Sha1 => 20,
            HashKind::Sha256 => 32,
            HashKind::Sha384 => 48,
            HashKind::Sha512 => 64,
        }
    }

    /// Hash_DRBG's seedlen (SP 800-90A table 2): 440 bits up to SHA-256,
    /// 888 bits for SHA-384 and SHA-512.
    fn seedlen(self) -> usize {
        match self {
            HashKind::Sha1 | HashKind::Sha256 => 55,
            HashKind::Sha384 | HashKind::Sha512 => 111,
        }
    }

    fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        macro_rules! h {
            ($d:ty) => {{
                use sha2::Digest;
                let mut d = <$d>::new();
                for p in parts {
                    d.update(p);
                }
                d.finalize().to_vec()
            }};
        }
        match self {
            HashKind::Sha1 => h!(sha1::Sha1),
            HashKind::Sha256 => h!(sha2::Sha256),
            HashKind::Sha384 => h!(sha2::Sha384),
            HashKind::Sha512 => h!(sha2::Sha512),
        }
    }

    fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        use hmac::{Hmac, Mac};
        macro_rules! m {
            ($d:ty) => {{
                let mut m = <Hmac<$d> as Mac>::new_from_slice(key).expect("HMAC takes any key");
                for p in parts {
                    m.update(p);
                }
                m.finalize().into_bytes().to_vec()
            }};
        }
        match self {
            HashKind::Sha1 => m!(sha1::Sha1),
            HashKind::Sha256 => m!(sha2::Sha256),
            HashKind::Sha384 => m!(sha2::Sha384),
            HashKind::Sha512 => m!(sha2::Sha512),
        }
    }
}

/// A DRBG mechanism.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mech {
    Hmac(HashKind),
    Hash(HashKind),
    /// CTR_DRBG with AES and the derivation function; the key length in
    /// bytes (16, 24, 32).
    Ctr(usize),
}

impl Mech {
    /// The mechanism and prediction resistance of a drbg.c driver name
    /// (`drbg_pr_hmac_sha256`, `drbg_nopr_ctr_aes128`, ...).
    pub fn of_driver(driver: &str) -> Option<(Mech, bool)> {
        let (pr, rest) = if let Some(r) = driver.strip_prefix("drbg_pr_") {
            (true, r)
        } else {
            (false, driver.strip_prefix("drbg_nopr_")?)
        };
        let hash = |n: &str| match n {
            "sha1" => Some(HashKind::Sha1),
            "sha256" => Some(HashKind::Sha256),
            "sha384" => Some(HashKind::Sha384),
            "sha512" => Some(HashKind::Sha512),
            _ => None,
        };
        let m = if let Some(h) = rest.strip_prefix("hmac_") {
            Mech::Hmac(hash(h)?)
        } else if let Some(a) = rest.strip_prefix("ctr_aes") {
            match a {
                "128" => Mech::Ctr(16),
                "192" => Mech::Ctr(24),
                "256" => Mech::Ctr(32),
                _ => return None,
            }
        } else {
            Mech::Hash(hash(rest)?)
        };
        Some((m, pr))
    }
}

/// One DRBG instance: the working state of SP 800-90A's mechanism.
#[derive(Clone, Debug)]
pub struct Drbg {
    mech: Mech,
    /// HMAC_DRBG's Key, CTR_DRBG's Key; Hash_DRBG's C.
    k: Vec<u8>,
    v: Vec<u8>,
    reseed_counter: u64,
}

/// `a = (a + b) mod 2^(8 * a.len())`, both big-endian (b no longer).
fn add_be(a: &mut [u8], b: &[u8]) {
    let mut carry = 0u16;
    let off = a.len() - b.len();
    for i in (0..a.len()).rev() {
        let s = a[i] as u16 + if i >= off { b[i - off] as u16 } else { 0 } + carry;
        a[i] = s as u8;
        carry = s >> 8;
    }
}

fn aes_encrypt(key: &[u8], block: &[u8]) -> [u8; 16] {
    let mut b = aes::Block::clone_from_slice(block);
    match key.len() {
        16 => aes::Aes128::new_from_slice(key).expect("AES-128 key").encrypt_block(&mut b),
        24 => aes::Aes192::new_from_slice(key).expect("AES-192 key").encrypt_block(&mut b),
        _ => aes::Aes256::new_from_slice(key).expect("AES-256 key").encrypt_block(&mut b),
    }
    b.into()
}

impl Drbg {
    /// Instantiate with `seed` = entropy input || nonce || personalization
    /// string (drbg.c's instantiation input, the test entropy holding the
    /// nonce).
    pub fn instantiate(mech: Mech, seed: &[u8]) -> Drbg {
        let mut d = Drbg { mech, k: Vec::new(), v: Vec::new(), reseed_counter: 1 };
        match mech {
            Mech::Hmac(h) => {
                d.k = vec![0; h.outlen()];
                d.v = vec![1; h.outlen()];
                d.hmac_update(seed);
            }
            Mech::Hash(h) => {
                d.v = hash_df(h, &[seed], h.seedlen());
                d.k = hash_df(h, &[&[0], &d.v], h.seedlen());
            }
            Mech::Ctr(kl) => {
                d.k = vec![0; kl];
                d.v = vec![0; 16];
                let sm = ctr_df(kl, seed, kl + 16);
                d.ctr_update(&sm);
            }
        }
        d
    }

    /// Reseed with an entropy input and additional input.
    pub fn reseed(&mut self, entropy: &[u8], addtl: &[u8]) {
        match self.mech {
            Mech::Hmac(_) => self.hmac_update(&[entropy, addtl].concat()),
            Mech::Hash(h) => {
                self.v = hash_df(h, &[&[1], &self.v, entropy, addtl], h.seedlen());
                self.k = hash_df(h, &[&[0], &self.v], h.seedlen());
            }
            Mech::Ctr(kl) => {
                let sm = ctr_df(kl, &[entropy, addtl].concat(), kl + 16);
                self.ctr_update(&sm);
            }
        }
        self.reseed_counter = 1;
    }

    /// Generate `n` bytes with an additional input (empty: none).
    pub fn generate(&mut self, n: usize, addtl: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        match self.mech {
            Mech::Hmac(h) => {
                if !addtl.is_empty() {
                    self.hmac_update(addtl);
                }
                while out.len() < n {
                    self.v = h.hmac(&self.k, &[&self.v]);
                    out.extend_from_slice(&self.v);
                }
                self.hmac_update(addtl);
            }
            Mech::Hash(h) => {
                if !addtl.is_empty() {
                    let w = h.hash(&[&[2], &self.v, addtl]);
                    add_be(&mut self.v, &w);
                }
                let mut data = self.v.clone();
                while out.len() < n {
                    out.extend_from_slice(&h.hash(&[&data]));
                    add_be(&mut data, &[1]);
                }
                let hh = h.hash(&[&[3], &self.v]);
                let c = self.k.clone();
                add_be(&mut self.v, &hh);
                add_be(&mut self.v, &c);
                add_be(&mut self.v, &self.reseed_counter.to_be_bytes());
            }
            Mech::Ctr(kl) => {
                let a = if addtl.is_empty() {
                    vec![0; kl + 16]
                } else {
                    ctr_df(kl, addtl, kl + 16)
                };
                if !addtl.is_empty() {
                    self.ctr_update(&a);
                }
                while out.len() < n {
                    add_be(&mut self.v, &[1]);
                    out.extend_from_slice(&aes_encrypt(&self.k, &self.v));
                }
                self.ctr_update(&a);
            }
        }
        self.reseed_counter += 1;
        out.truncate(n);
        out
    }

    /// HMAC_DRBG_Update.
    fn hmac_update(&mut self, provided: &[u8]) {
        let Mech::Hmac(h) = self.mech else { return };
        self.k = h.hmac(&self.k, &[&self.v, &[0], provided]);
        self.v = h.hmac(&self.k, &[&self.v]);
        if provided.is_empty() {
            return;
        }
        self.k = h.hmac(&self.k, &[&self.v, &[1], provided]);
        self.v = h.hmac(&self.k, &[&self.v]);
    }

    /// CTR_DRBG_Update with seedlen bytes of provided data.
    fn ctr_update(&mut self, provided: &[u8]) {
        let kl = self.k.len();
        let mut temp = Vec::with_capacity(kl + 32);
        while temp.len() < kl + 16 {
            add_be(&mut self.v, &[1]);
            temp.extend_from_slice(&aes_encrypt(&self.k, &self.v));
        }
        temp.truncate(kl + 16);
        for (t, p) in temp.iter_mut().zip(provided) {
            *t ^= p;
        }
        self.k = temp[..kl].to_vec();
        self.v = temp[kl..].to_vec();
    }
}

/// Hash_df (SP 800-90A 10.3.1) of the concatenated `parts`.
fn hash_df(h: HashKind, parts: &[&[u8]], nbytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(nbytes + 64);
    let bits = ((nbytes * 8) as u32).to_be_bytes();
    let mut counter = 1u8;
    while out.len() < nbytes {
        let mut all: Vec<&[u8]> = vec![std::slice::from_ref(&counter), &bits];
        all.extend_from_slice(parts);
        out.extend_from_slice(&h.hash(&all));
        counter = counter.wrapping_add(1);
    }
    out.truncate(nbytes);
    out
}

/// Block_Cipher_df (SP 800-90A 10.3.2) with AES of a `kl`-byte key.
fn ctr_df(kl: usize, input: &[u8], nbytes: usize) -> Vec<u8> {
    let mut s = Vec::with_capacity(input.len() + 25);
    s.extend_from_slice(&(input.len() as u32).to_be_bytes());
    s.extend_from_slice(&(nbytes as u32).to_be_bytes());
    s.extend_from_slice(input);
    s.push(0x80);
    while s.len() % 16 != 0 {
        s.push(0);
    }
    let key: Vec<u8> = (0..kl as u8).collect();
    let mut temp = Vec::with_capacity(kl + 32);
    let mut i = 0u32;
    while temp.len() < kl + 16 {
        // BCC(key, IV || S), IV = i || 0^96.
        let mut iv = [0u8; 16];
        iv[..4].copy_from_slice(&i.to_be_bytes());
        let mut chain = aes_encrypt(&key, &iv);
        for blk in s.chunks(16) {
            let mut x = [0u8; 16];
            for j in 0..16 {
                x[j] = chain[j] ^ blk[j];
            }
            chain = aes_encrypt(&key, &x);
        }
        temp.extend_from_slice(&chain);
        i += 1;
    }
    let k = temp[..kl].to_vec();
    let mut x: [u8; 16] = temp[kl..kl + 16].try_into().expect("a block");
    let mut out = Vec::with_capacity(nbytes + 16);
    while out.len() < nbytes {
        x = aes_encrypt(&k, &x);
        out.extend_from_slice(&x);
    }
    out.truncate(nbytes);
    out
}

/// ANSI X9.31 Appendix A.2.4 with AES-128, as a byte stream: each block
/// is I = E(DT), R = E(I ^ V), V = E(R ^ I), then DT incremented as a
/// big-endian counter; a request takes the next bytes of the stream
/// (ansi_cprng keeps the unread part of a block for the next request).
#[derive(Clone, Debug)]
pub struct X931 {
    key: [u8; 16],
    v: [u8; 16],
    dt: [u8; 16],
    buf: [u8; 16],
    used: usize,
}

impl X931 {
    /// From ansi_cprng's seed layout: V || key || DT.
    pub fn new(v: &[u8], key: &[u8], dt: &[u8]) -> X931 {
        X931 {
            key: key.try_into().expect("16-byte key"),
            v: v.try_into().expect("16-byte V"),
            dt: dt.try_into().expect("16-byte DT"),
            buf: [0; 16],
            used: 16,
        }
    }

    fn block(&mut self) -> [u8; 16] {
        let i = aes_encrypt(&self.key, &self.dt);
        let mut x = [0u8; 16];
        for j in 0..16 {
            x[j] = i[j] ^ self.v[j];
        }
        let r = aes_encrypt(&self.key, &x);
        for j in 0..16 {
            x[j] = r[j] ^ i[j];
        }
        self.v = aes_encrypt(&self.key, &x);
        add_be(&mut self.dt, &[1]);
        r
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if self.used == 16 {
                self.buf = self.block();
                self.used = 0;
            }
            let take = (n - out.len()).min(16 - self.used);
            out.extend_from_slice(&self.buf[self.used..self.used + take]);
            self.used += take;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// CAVP drbgvectors_no_reseed HMAC_DRBG.rsp, [SHA-256], COUNT = 0:
    /// instantiate, generate 1024 bits twice, the second returned.
    #[test]
    fn hmac_drbg_sha256_cavp() {
        let seed = hex("ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488659ba96c601dc69fc902940805ec0ca8");
        let mut d = Drbg::instantiate(Mech::Hmac(HashKind::Sha256), &seed);
        d.generate(128, &[]);
        assert_eq!(
            d.generate(128, &[]),
            hex("e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8")
        );
    }

    /// CAVP drbgvectors_no_reseed Hash_DRBG.rsp, [SHA-256], COUNT = 0.
    #[test]
    fn hash_drbg_sha256_cavp() {
        let seed = hex("a65ad0f345db4e0effe875c3a2e71f42c7129d620ff5c119a9ef55f05185e0fb8581f9317517276e06e9607ddbcbcc2e");
        let mut d = Drbg::instantiate(Mech::Hash(HashKind::Sha256), &seed);
        d.generate(128, &[]);
        assert_eq!(
            d.generate(128, &[]),
            hex("d3e160c35b99f340b2628264d1751060e0045da383ff57a57d73a673d2b8d80daaf6a6c35a91bb4579d73fd0c8fed111b0391306828adfed528f018121b3febdc343e797b87dbb63db1333ded9d1ece177cfa6b71fe8ab1da46624ed6415e51ccde2c7ca86e283990eeaeb91120415528b2295910281b02dd431f4c9f70427df")
        );
    }

    /// CAVP CTR_DRBG.rsp, [AES-128 use df], PredictionResistance = False,
    /// with personalization string, reseed and additional inputs: the
    /// internal state after each step and the returned bits.
    #[test]
    fn ctr_drbg_aes128_df_cavp() {
        let seed = [hex("e14ed7064a97814dd326b9a05bc44543"), hex("876240c1f7de3dba"), hex("26ccf56848a048721d0aad87d6fc65f0")].concat();
        let mut d = Drbg::instantiate(Mech::Ctr(16), &seed);
        assert_eq!(d.k, hex("c5f6207dddce79208d4c8630923fb9c1"));
        assert_eq!(d.v, hex("033b9f1df720c2677abbea63f5c425fa"));
        d.reseed(&hex("7ec4ac660fa0bbfa66ac3802e511901f"), &hex("8835d28e7f85a4e95087bdd1bb7ad57e"));
        assert_eq!(d.k, hex("9161985f966d7f675e783f39f39b3bc8"));
        assert_eq!(d.v, hex("373f52ce22f3690c351ad65ca0424303"));
        d.generate(64, &hex("2a9bd50bbb20fefe24649f5f80eede66"));
        assert_eq!(d.k, hex("14e9256df61235c867233af47107739f"));
        assert_eq!(d.v, hex("f60e23434fd8f63712553a23ce4ff918"));
        assert_eq!(
            d.generate(64, &hex("f7ce3d5c6c381e56b25410c6909c1074")),
            hex("d2f3130d309bed1da65545b9d793e035fd2564303d1fdcfb6c7fee019500d9f5d434fab2d3c8d15e39a25f965aaa804c7141407e90c4a86a6c8d303ce83bfb34")
        );
        assert_eq!(d.k, hex("e68df737b3c0edfb66a9e357121c85ae"));
        assert_eq!(d.v, hex("d81e79df9064de25368697716c01b7fa"));
    }

    /// NIST RNGVS (X9.31, AES-128) variable seed test, the first vector.
    #[test]
    fn x931_aes128_rngvs() {
        let mut x = X931::new(
            &hex("80000000000000000000000000000000"),
            &hex("f3b1666d13607242ed061cabb8d46202"),
            &hex("e6b3be782a23fa62d71d4afbb0e922f9"),
        );
        assert_eq!(x.bytes(16), hex("59531ed13bb0c05584796685c12f7641"));
        // The stream does not depend on how it is requested.
        let mut a = X931::new(&[7; 16], &[9; 16], &[0xff; 16]);
        let mut b = a.clone();
        let whole = a.bytes(53);
        let parts = [b.bytes(5), b.bytes(16), b.bytes(1), b.bytes(31)].concat();
        assert_eq!(whole, parts);
    }

    #[test]
    fn driver_names() {
        assert_eq!(Mech::of_driver("drbg_pr_hmac_sha384"), Some((Mech::Hmac(HashKind::Sha384), true)));
        assert_eq!(Mech::of_driver("drbg_nopr_ctr_aes192"), Some((Mech::Ctr(24), false)));
        assert_eq!(Mech::of_driver("drbg_nopr_sha1"), Some((Mech::Hash(HashKind::Sha1), false)));
        assert_eq!(Mech::of_driver("ansi_cprng"), None);
    }
}
