//! The host's own use of the crypto API, for Rust callers (tests, the
//! `modhost crypto` tool): a transform allocated by algorithm or driver
//! name through the same lookup module code gets, a key, and requests
//! whose data travels in scatterlists over direct-map memory, exactly as
//! a kernel user of `crypto_alloc_skcipher`/`crypto_alloc_aead`/
//! `crypto_alloc_cipher`/`crypto_alloc_shash` drives the algorithm.
//!
//! Each call into module code is a guarded call on a host CPU: a fault or
//! a trap in the algorithm is reported by the host kernel and comes back
//! here as [`CryptoError::Failed`]. A request an asynchronous algorithm
//! answers with -EINPROGRESS/-EBUSY is waited for as a kernel user waits
//! (`crypto_req_done`, `crypto_wait_req`); one that does not complete in
//! 60 s is reported as [`CryptoError::Async`].

use crate::drivers::base::{is_err_or_null, rd32, rd64, wr32, wr64};
use crate::layout::{
    aead_request as ar, crypto_aead as cae, crypto_alg as ca, crypto_async_request as creq,
    crypto_shash as csh, crypto_skcipher as cs, crypto_tfm as t, scatterlist as sl,
    shash_desc as sd, skcipher_request as sr,
};

use super::scatterwalk::{sg_init_table, sg_set_buf};

const EINPROGRESS: i32 = -115;
const EBUSY: i32 = -16;

/// What a crypto operation can end in.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The lookup has no answer the host can give (no such algorithm
    /// registered, and the host could not instantiate it).
    #[error("{0}: no algorithm the host can allocate")]
    NotFound(String),
    /// A negative errno, as Linux returns it.
    #[error("{op}: errno {errno}")]
    Errno { op: &'static str, errno: i32 },
    /// The module code faulted or trapped (see the kernel log).
    #[error("{0}: the algorithm's code did not return")]
    Failed(&'static str),
    /// The asynchronous request did not complete in time.
    #[error("{op}: asynchronous completion ({errno})")]
    Async { op: &'static str, errno: i32 },
    #[error("out of memory")]
    NoMem,
}

impl CryptoError {
    /// The errno Linux would give the caller (EBADMSG for a bad tag ...).
    pub fn errno(&self) -> Option<i32> {
        match self {
            CryptoError::Errno { errno, .. } | CryptoError::Async { errno, .. } => Some(*errno),
            CryptoError::NotFound(_) => Some(-2),
            CryptoError::NoMem => Some(-12),
            CryptoError::Failed(_) => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, CryptoError>;

/// A request's completion as a kernel user waits for it (`struct
/// crypto_wait { struct completion completion; int err; }` with
/// `crypto_req_done` as the request's callback, `crypto_wait_req`).
struct Wait {
    w: Kbuf,
}

const CRYPTO_TFM_REQ_MAY_BACKLOG: u32 = 0x400;
const CRYPTO_TFM_REQ_MAY_SLEEP: u32 = 0x200;
/// How long a request may take before the host gives up on it (jiffies,
/// HZ = 250): 60 s.
const WAIT_JIFFIES: u64 = 60 * 250;

impl Wait {
    fn new() -> Result<Wait> {
        use crate::layout::{completion as cmp, swait_queue_head as sqh};
        let w = Kbuf::new(cmp::SIZE as usize + 8)?;
        super::api::list_init(w.addr + cmp::wait + sqh::task_list);
        Ok(Wait { w })
    }

    /// Sets up the request's callback (`crypto_init_wait` and
    /// `*_request_set_callback(req, MAY_BACKLOG | MAY_SLEEP,
    /// crypto_req_done, &wait)`).
    fn arm(&self, base: u64) {
        wr32(base + creq::flags, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP);
        wr64(base + creq::complete, super::skcipher::stub("crypto_req_done"));
        wr64(base + creq::data, self.w.addr);
    }

    /// `crypto_wait_req(err, wait)`: an operation in progress (or
    /// backlogged) is waited for and its result taken from the callback.
    /// A request that does not complete within [`WAIT_JIFFIES`] is
    /// abandoned: its memory (and the buffers `keep` holds) is leaked, as
    /// the algorithm may still write to it.
    fn wait<T>(self, op: &'static str, r: i32, keep: T) -> Result<T> {
        if r != EINPROGRESS && r != EBUSY {
            return check(op, r).map(|()| keep);
        }
        let left = crate::kernel::sched::wait_for_completion_timeout(self.w.addr, WAIT_JIFFIES);
        if left == 0 {
            crate::log::kernel_msg(3, &format!("crypto: {op} did not complete in 60 s; abandoned"));
            std::mem::forget(self);
            std::mem::forget(keep);
            return Err(CryptoError::Async { op, errno: r });
        }
        let err = crate::drivers::base::rd32(self.w.addr + crate::layout::completion::SIZE) as i32;
        check(op, err).map(|()| keep)
    }
}

fn check(op: &'static str, r: i32) -> Result<()> {
    match r {
        0 => Ok(()),
        super::skcipher::EFAULT => Err(CryptoError::Failed(op)),
        EINPROGRESS | EBUSY => Err(CryptoError::Async { op, errno: r }),
        e => Err(CryptoError::Errno { op, errno: e }),
    }
}

/// Memory of the direct map (kmalloc), freed on drop.
struct Kbuf {
    addr: u64,
    len: usize,
}

impl Kbuf {
    fn new(len: usize) -> Result<Kbuf> {
        let addr = crate::mm::slab::kmalloc_bytes(len.max(1), crate::mm::slab::GFP_ZERO);
        if addr <= 16 {
            return Err(CryptoError::NoMem);
        }
        Ok(Kbuf { addr, len })
    }
    fn from(data: &[u8], extra: usize) -> Result<Kbuf> {
        let b = Kbuf::new(data.len() + extra)?;
        b.bytes_mut()[..data.len()].copy_from_slice(data);
        Ok(b)
    }
    fn bytes_mut(&self) -> &mut [u8] {
        // SAFETY: our own allocation of at least `len` bytes (len 0: the
        // one byte allocated).
        unsafe { std::slice::from_raw_parts_mut(self.addr as *mut u8, self.len) }
    }
    fn bytes(&self) -> Vec<u8> {
        self.bytes_mut().to_vec()
    }
}

impl Drop for Kbuf {
    fn drop(&mut self) {
        self.bytes_mut().fill(0);
        crate::mm::slab::kfree_addr(self.addr);
    }
}

/// A scatterlist over a buffer, split into entries at `splits` (offsets
/// into the buffer; empty: one entry).
struct Sg {
    table: Kbuf,
}

impl Sg {
    fn new(base: u64, len: usize, splits: &[usize]) -> Result<Sg> {
        let mut cuts: Vec<usize> = splits.iter().copied().filter(|&c| c > 0 && c < len).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let n = cuts.len() + 1;
        let table = Kbuf::new(n * sl::SIZE as usize)?;
        sg_init_table(table.addr, n as u64);
        let mut start = 0;
        for (i, end) in cuts.into_iter().chain(std::iter::once(len)).enumerate() {
            sg_set_buf(table.addr + i as u64 * sl::SIZE, base + start as u64, (end - start) as u32);
            start = end;
        }
        Ok(Sg { table })
    }
}

/// A transform allocated through the host's lookup, freed with
/// `crypto_free_*` (crypto_destroy_tfm) on drop.
struct Tfm {
    mem: u64,
    tfm: u64,
}

impl Tfm {
    fn alloc(name: &str, r: Option<u64>, tfmsize: u64) -> Result<Tfm> {
        match r {
            None => Err(CryptoError::NotFound(name.to_string())),
            Some(r) if is_err_or_null(r) => Err(CryptoError::Errno { op: "alloc", errno: r as i64 as i32 }),
            Some(mem) => Ok(Tfm { mem, tfm: mem + tfmsize }),
        }
    }
    fn alg(&self) -> u64 {
        rd64(self.tfm + t::__crt_alg)
    }
    fn driver(&self) -> String {
        String::from_utf8_lossy(&super::api::driver_name(self.alg())).into_owned()
    }
    fn module_name(&self) -> Option<String> {
        crate::drivers::base::module_name(super::api::module(self.alg()))
    }
}

impl Drop for Tfm {
    fn drop(&mut self) {
        super::api::crypto_destroy_tfm(self.mem, self.tfm);
    }
}

/// Which transform type a name is looked up as: `ty`/`mask` as Linux's
/// callers pass them (e.g. CRYPTO_ALG_INTERNAL in both for the `__`
/// algorithms only SIMD wrappers use).
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    pub ty: u32,
    pub mask: u32,
}

impl Flags {
    /// As testmgr allocates an algorithm to test it: whether or not it
    /// passed a self-test (`type` with CRYPTO_ALG_TESTED set, the bit not
    /// in the mask). Without this, a lookup only takes algorithms whose
    /// self-test passed, as Linux's.
    pub fn under_test(self) -> Flags {
        Flags { ty: self.ty | CRYPTO_ALG_TESTED, mask: self.mask & !CRYPTO_ALG_TESTED }
    }
}

/// `CRYPTO_ALG_TESTED`.
pub const CRYPTO_ALG_TESTED: u32 = super::api::CRYPTO_ALG_TESTED;
/// `CRYPTO_ALG_INTERNAL`.
pub const CRYPTO_ALG_INTERNAL: u32 = super::api::CRYPTO_ALG_INTERNAL;
/// `CRYPTO_ALG_ASYNC`.
pub const CRYPTO_ALG_ASYNC: u32 = super::api::CRYPTO_ALG_ASYNC;

/// A symmetric key cipher (`struct crypto_skcipher`).
pub struct Skcipher {
    t: Tfm,
}

/// How a request's data is laid out: entries of the scatterlists split at
/// these offsets, the buffer starting `offset` bytes into its allocation,
/// in place or into a separate destination.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub src_splits: Vec<usize>,
    pub dst_splits: Vec<usize>,
    pub offset: usize,
    pub in_place: bool,
}

impl Skcipher {
    pub fn new(name: &str) -> Result<Skcipher> {
        Skcipher::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Skcipher> {
        let r = super::skcipher::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Skcipher { t: Tfm::alloc(name, r, cs::base)? })
    }
    fn sk(&self) -> u64 {
        self.t.mem
    }
    fn salg(&self) -> u64 {
        self.t.alg() - crate::layout::skcipher_alg::base
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    pub fn ivsize(&self) -> usize {
        rd32(self.salg() + crate::layout::skcipher_alg::ivsize) as usize
    }
    pub fn blocksize(&self) -> usize {
        rd32(self.t.alg() + ca::cra_blocksize) as usize
    }
    pub fn min_keysize(&self) -> usize {
        rd32(self.salg() + crate::layout::skcipher_alg::min_keysize) as usize
    }
    pub fn max_keysize(&self) -> usize {
        rd32(self.salg() + crate::layout::skcipher_alg::max_keysize) as usize
    }
    pub fn setkey(&self, key: &[u8]) -> Result<()> {
        let k = Kbuf::from(key, 0)?;
        check("setkey", super::skcipher::setkey(self.sk(), k.addr, key.len() as u32))
    }
    pub fn encrypt(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        self.crypt(true, iv, data, &Layout::default()).map(|(d, _)| d)
    }
    pub fn decrypt(&self, iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        self.crypt(false, iv, data, &Layout::default()).map(|(d, _)| d)
    }
    /// One request over `data` laid out as `l`: the output and the IV the
    /// request leaves behind.
    pub fn crypt(&self, enc: bool, iv: &[u8], data: &[u8], l: &Layout) -> Result<(Vec<u8>, Vec<u8>)> {
        let reqsize = rd32(self.sk() + cs::reqsize) as usize;
        let req = Kbuf::new(sr::SIZE as usize + reqsize)?;
        let ivb = Kbuf::from(iv, 0)?;
        let src = Kbuf::new(l.offset + data.len())?;
        src.bytes_mut()[l.offset..].copy_from_slice(data);
        let dst = Kbuf::new(l.offset + data.len())?;
        let off = l.offset as u64;
        let src_sg = Sg::new(src.addr + off, data.len(), &l.src_splits)?;
        let dst_sg = if l.in_place { None } else { Some(Sg::new(dst.addr + off, data.len(), &l.dst_splits)?) };
        let r = req.addr;
        wr64(r + sr::base + creq::tfm, self.t.tfm);
        let wait = Wait::new()?;
        wait.arm(r + sr::base);
        wr32(r + sr::cryptlen, data.len() as u32);
        wr64(r + sr::iv, if iv.is_empty() { 0 } else { ivb.addr });
        wr64(r + sr::src, src_sg.table.addr);
        wr64(r + sr::dst, dst_sg.as_ref().map_or(src_sg.table.addr, |d| d.table.addr));
        let op = if enc { "encrypt" } else { "decrypt" };
        let rc = super::skcipher::crypt(r, enc);
        let (req, ivb, src, dst, src_sg, dst_sg) = wait.wait(op, rc, (req, ivb, src, dst, src_sg, dst_sg))?;
        drop((req, src_sg, dst_sg));
        let out = if l.in_place { &src } else { &dst };
        let bytes = out.bytes()[l.offset..].to_vec();
        Ok((bytes, ivb.bytes()[..iv.len()].to_vec()))
    }
}

/// An AEAD (`struct crypto_aead`).
pub struct Aead {
    t: Tfm,
}

impl Aead {
    pub fn new(name: &str) -> Result<Aead> {
        Aead::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Aead> {
        let r = super::aead::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Aead { t: Tfm::alloc(name, r, cae::base)? })
    }
    fn a(&self) -> u64 {
        self.t.mem
    }
    fn aalg(&self) -> u64 {
        self.t.alg() - crate::layout::aead_alg::base
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    pub fn ivsize(&self) -> usize {
        rd32(self.aalg() + crate::layout::aead_alg::ivsize) as usize
    }
    pub fn maxauthsize(&self) -> usize {
        rd32(self.aalg() + crate::layout::aead_alg::maxauthsize) as usize
    }
    pub fn authsize(&self) -> usize {
        rd32(self.a() + cae::authsize) as usize
    }
    pub fn setkey(&self, key: &[u8]) -> Result<()> {
        let k = Kbuf::from(key, 0)?;
        check("setkey", super::aead::setkey(self.a(), k.addr, key.len() as u32))
    }
    pub fn setauthsize(&self, n: usize) -> Result<()> {
        check("setauthsize", super::aead::setauthsize(self.a(), n as u32))
    }
    /// Encrypts: `aad || data` in, `aad || ciphertext || tag` out; returns
    /// ciphertext || tag.
    pub fn encrypt(&self, iv: &[u8], aad: &[u8], data: &[u8], l: &Layout) -> Result<Vec<u8>> {
        self.crypt(true, iv, aad, data, l)
    }
    /// Decrypts ciphertext || tag; a wrong tag is -EBADMSG.
    pub fn decrypt(&self, iv: &[u8], aad: &[u8], data: &[u8], l: &Layout) -> Result<Vec<u8>> {
        self.crypt(false, iv, aad, data, l)
    }
    fn crypt(&self, enc: bool, iv: &[u8], aad: &[u8], data: &[u8], l: &Layout) -> Result<Vec<u8>> {
        let tag = self.authsize();
        let out_len = if enc { data.len() + tag } else { data.len().saturating_sub(tag) };
        let total_in = aad.len() + data.len();
        let total_out = aad.len() + out_len.max(data.len());
        let reqsize = rd32(self.a() + cae::reqsize) as usize;
        let req = Kbuf::new(ar::SIZE as usize + reqsize)?;
        let ivb = Kbuf::from(iv, 0)?;
        let room = total_in.max(total_out);
        let src = Kbuf::new(l.offset + room)?;
        src.bytes_mut()[l.offset..l.offset + aad.len()].copy_from_slice(aad);
        src.bytes_mut()[l.offset + aad.len()..l.offset + total_in].copy_from_slice(data);
        let dst = Kbuf::new(l.offset + room)?;
        dst.bytes_mut()[l.offset..l.offset + aad.len()].copy_from_slice(aad);
        let off = l.offset as u64;
        let src_len = if l.in_place { room } else { total_in };
        let src_sg = Sg::new(src.addr + off, src_len, &l.src_splits)?;
        let dst_sg = if l.in_place { None } else { Some(Sg::new(dst.addr + off, aad.len() + out_len, &l.dst_splits)?) };
        let r = req.addr;
        wr64(r + ar::base + creq::tfm, self.t.tfm);
        let wait = Wait::new()?;
        wait.arm(r + ar::base);
        wr32(r + ar::assoclen, aad.len() as u32);
        wr32(r + ar::cryptlen, data.len() as u32);
        wr64(r + ar::iv, ivb.addr);
        wr64(r + ar::src, src_sg.table.addr);
        wr64(r + ar::dst, dst_sg.as_ref().map_or(src_sg.table.addr, |d| d.table.addr));
        let op = if enc { "encrypt" } else { "decrypt" };
        let rc = super::aead::crypt(r, enc);
        let (req, ivb, src, dst, src_sg, dst_sg) = wait.wait(op, rc, (req, ivb, src, dst, src_sg, dst_sg))?;
        drop((req, ivb, src_sg, dst_sg));
        let out = if l.in_place { &src } else { &dst };
        let o = l.offset + aad.len();
        Ok(out.bytes()[o..o + out_len].to_vec())
    }
}

/// A single-block cipher (`struct crypto_cipher`).
pub struct Cipher {
    t: Tfm,
}

impl Cipher {
    pub fn new(name: &str) -> Result<Cipher> {
        Cipher::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Cipher> {
        let r = super::cipher::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Cipher { t: Tfm::alloc(name, r, 0)? })
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    pub fn blocksize(&self) -> usize {
        rd32(self.t.alg() + ca::cra_blocksize) as usize
    }
    pub fn setkey(&self, key: &[u8]) -> Result<()> {
        let k = Kbuf::from(key, 0)?;
        check("setkey", super::cipher::setkey(self.t.tfm, k.addr, key.len() as u32))
    }
    /// Encrypts (or decrypts) whole blocks one by one, in place.
    pub fn crypt_blocks(&self, enc: bool, data: &mut [u8]) -> Result<()> {
        let bs = self.blocksize();
        if bs == 0 || data.len() % bs != 0 {
            return Err(CryptoError::Errno { op: "crypt", errno: super::api::EINVAL });
        }
        // One byte past alignment, so misaligned blocks are exercised too.
        let b = Kbuf::new(bs * 2 + 1)?;
        for blk in data.chunks_mut(bs) {
            let src = b.addr + 1;
            let dst = b.addr + 1 + bs as u64;
            b.bytes_mut()[1..1 + bs].copy_from_slice(blk);
            if !super::cipher::crypt_one(self.t.tfm, dst, src, enc) {
                return Err(CryptoError::Failed(if enc { "encrypt" } else { "decrypt" }));
            }
            blk.copy_from_slice(&b.bytes_mut()[1 + bs..1 + 2 * bs]);
        }
        Ok(())
    }
}

/// A synchronous hash (`struct crypto_shash`).
pub struct Hash {
    t: Tfm,
}

impl Hash {
    pub fn new(name: &str) -> Result<Hash> {
        Hash::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Hash> {
        let r = super::api::alloc_tfm(name.as_bytes(), &super::shash::frontend(), f.ty, f.mask, -1);
        Ok(Hash { t: Tfm::alloc(name, r, csh::base)? })
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    pub fn digestsize(&self) -> usize {
        rd32(self.t.alg() - crate::layout::shash_alg::base + crate::layout::shash_alg::digestsize) as usize
    }
    pub fn setkey(&self, key: &[u8]) -> Result<()> {
        let k = Kbuf::from(key, 0)?;
        check("setkey", super::shash::setkey(self.t.mem, k.addr, key.len() as u32))
    }
    /// `crypto_shash_digest` of `data` (split into updates at `splits`
    /// when given: init, update..., final).
    pub fn digest(&self, data: &[u8], splits: &[usize]) -> Result<Vec<u8>> {
        let descsize = rd32(self.t.mem + csh::descsize) as usize;
        let desc = Kbuf::new(sd::SIZE as usize + descsize)?;
        wr64(desc.addr + sd::tfm, self.t.mem);
        let d = Kbuf::from(data, 0)?;
        let out = Kbuf::new(self.digestsize().max(1))?;
        if splits.is_empty() {
            check("digest", super::shash::digest(desc.addr, d.addr, data.len() as u32, out.addr))?;
        } else {
            check("init", super::shash::init(desc.addr))?;
            let mut start = 0;
            let mut cuts: Vec<usize> = splits.iter().copied().filter(|&c| c <= data.len()).collect();
            cuts.sort_unstable();
            for end in cuts.into_iter().chain(std::iter::once(data.len())) {
                if end < start {
                    continue;
                }
                check("update", super::shash::update(desc.addr, d.addr + start as u64, (end - start) as u32))?;
                start = end;
            }
            check("final", super::shash::final_(desc.addr, out.addr))?;
        }
        Ok(out.bytes()[..self.digestsize()].to_vec())
    }
}

/// A key-agreement transform (`struct crypto_kpp`): the packed secret of
/// the algorithm's kind (`crypto_ecdh_encode_key`/`crypto_dh_encode_key`
/// format, see [`ecdh_secret`] and [`super::dh_helper::encode`]; for
/// curve25519 the raw 32 bytes), then requests whose input and output
/// travel in scatterlists.
pub struct Kpp {
    t: Tfm,
}

/// `crypto_ecdh_encode_key`'s packing of an ECDH private key (`struct
/// kpp_secret` {CRYPTO_KPP_SECRET_TYPE_ECDH, len}, u16 key_size, key):
/// ecdh_generic's own helper, done by the host for its callers.
pub fn ecdh_secret(key: &[u8]) -> Vec<u8> {
    let len = 4 + 2 + key.len();
    let mut v = Vec::with_capacity(len);
    v.extend_from_slice(&2u16.to_ne_bytes());
    v.extend_from_slice(&(len as u16).to_ne_bytes());
    v.extend_from_slice(&(key.len() as u16).to_ne_bytes());
    v.extend_from_slice(key);
    v
}

impl Kpp {
    pub fn new(name: &str) -> Result<Kpp> {
        Kpp::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Kpp> {
        let r = super::kpp::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Kpp { t: Tfm::alloc(name, r, crate::layout::crypto_kpp::base)? })
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    /// `crypto_kpp_set_secret(tfm, secret, len)`.
    pub fn set_secret(&self, secret: &[u8]) -> Result<()> {
        let k = Kbuf::from(secret, 0)?;
        check("set_secret", super::kpp::set_secret(self.t.mem, if secret.is_empty() { 0 } else { k.addr }, secret.len() as u32))
    }
    /// `crypto_kpp_maxsize(tfm)`: the size of a public key or shared
    /// secret (valid once a secret is set).
    pub fn max_size(&self) -> Result<usize> {
        super::kpp::max_size(self.t.mem).map(|n| n as usize).ok_or(CryptoError::Failed("max_size"))
    }
    /// `crypto_kpp_generate_public_key` into a buffer of `max_size` bytes.
    pub fn public_key(&self) -> Result<Vec<u8>> {
        let n = self.max_size()?;
        self.request(None, n, &Layout::default())
    }
    /// `crypto_kpp_compute_shared_secret` with the peer's public key into
    /// a buffer of `len` bytes (the secret's size: ECDH's is half its
    /// `max_size`, a coordinate; DH's and X25519's all of it).
    pub fn shared_secret(&self, peer: &[u8], len: usize) -> Result<Vec<u8>> {
        self.request(Some(peer), len, &Layout::default())
    }
    /// One request: no input generates the public key, an input computes
    /// the shared secret with it; the output scatterlist has `out_len`
    /// bytes; returns the output up to the request's `dst_len` after the
    /// operation. Source and destination are split at `l`'s offsets and
    /// start `l.offset` bytes into their buffers (`in_place` is ignored).
    pub fn request(&self, input: Option<&[u8]>, out_len: usize, l: &Layout) -> Result<Vec<u8>> {
        use crate::layout::kpp_request as kr;
        let reqsize = super::kpp::reqsize(self.t.mem) as usize;
        let req = Kbuf::new(kr::SIZE as usize + reqsize)?;
        let off = l.offset as u64;
        let inp = input.unwrap_or(&[]);
        let src = Kbuf::new(l.offset + inp.len())?;
        src.bytes_mut()[l.offset..].copy_from_slice(inp);
        let dst = Kbuf::new(l.offset + out_len)?;
        let src_sg = match input {
            Some(i) => Some(Sg::new(src.addr + off, i.len(), &l.src_splits)?),
            None => None,
        };
        let dst_sg = Sg::new(dst.addr + off, out_len, &l.dst_splits)?;
        let r = req.addr;
        wr64(r + kr::base + creq::tfm, self.t.tfm);
        let wait = Wait::new()?;
        wait.arm(r + kr::base);
        wr64(r + kr::src, src_sg.as_ref().map_or(0, |s| s.table.addr));
        wr32(r + kr::src_len, inp.len() as u32);
        wr64(r + kr::dst, dst_sg.table.addr);
        wr32(r + kr::dst_len, out_len as u32);
        let (op, rc) = if input.is_some() {
            ("compute_shared_secret", super::kpp::compute_shared_secret(r))
        } else {
            ("generate_public_key", super::kpp::generate_public_key(r))
        };
        let (req, src, dst, src_sg, dst_sg) = wait.wait(op, rc, (req, src, dst, src_sg, dst_sg))?;
        let n = (rd32(req.addr + kr::dst_len) as usize).min(out_len);
        drop((req, src, src_sg, dst_sg));
        Ok(dst.bytes()[l.offset..l.offset + n].to_vec())
    }
}
