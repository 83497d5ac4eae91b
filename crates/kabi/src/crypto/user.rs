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
        let w = Kbuf::new(WAIT_SIZE)?;
        init_wait(w.addr);
        Ok(Wait { w })
    }

    /// Sets up the request's callback (`crypto_init_wait` and
    /// `*_request_set_callback(req, MAY_BACKLOG | MAY_SLEEP,
    /// crypto_req_done, &wait)`).
    fn arm(&self, base: u64) {
        arm_at(base, self.w.addr);
    }

    /// `crypto_wait_req(err, wait)`: an operation in progress (or
    /// backlogged) is waited for and its result taken from the callback.
    /// A request that does not complete within [`WAIT_JIFFIES`] is
    /// abandoned: its memory (and the buffers `keep` holds) is leaked, as
    /// the algorithm may still write to it.
    fn wait<T>(self, op: &'static str, r: i32, keep: T) -> Result<T> {
        match wait_at(self.w.addr, op, r) {
            Ok(()) => Ok(keep),
            Err(Abandon::No(e)) => Err(e),
            Err(Abandon::Yes(e)) => {
                std::mem::forget(self);
                std::mem::forget(keep);
                Err(e)
            }
        }
    }
}

/// Bytes of a `struct crypto_wait` (a completion and the error).
const WAIT_SIZE: usize = crate::layout::completion::SIZE as usize + 8;

/// `crypto_init_wait` on the `struct crypto_wait` at `w`.
fn init_wait(w: u64) {
    use crate::layout::{completion as cmp, swait_queue_head as sqh};
    // SAFETY: WAIT_SIZE bytes of request memory the caller owns.
    unsafe { std::ptr::write_bytes(w as *mut u8, 0, WAIT_SIZE) };
    super::api::list_init(w + cmp::wait + sqh::task_list);
}

/// `*_request_set_callback(req, MAY_BACKLOG | MAY_SLEEP, crypto_req_done,
/// w)` on the request whose `crypto_async_request` is at `base`.
fn arm_at(base: u64, w: u64) {
    wr32(base + creq::flags, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP);
    wr64(base + creq::complete, super::stub!("crypto_req_done"));
    wr64(base + creq::data, w);
}

/// How a wait failed: whether the request was abandoned (its memory must
/// be left to the algorithm).
enum Abandon {
    No(CryptoError),
    Yes(CryptoError),
}

/// `crypto_wait_req(r, w)` with the 60 s limit.
fn wait_at(w: u64, op: &'static str, r: i32) -> std::result::Result<(), Abandon> {
    if r != EINPROGRESS && r != EBUSY {
        return check(op, r).map_err(Abandon::No);
    }
    let left = crate::kernel::sched::wait_for_completion_timeout(w, WAIT_JIFFIES);
    if left == 0 {
        crate::log::kernel_msg(3, &format!("crypto: {op} did not complete in 60 s; abandoned"));
        return Err(Abandon::Yes(CryptoError::Async { op, errno: r }));
    }
    let err = crate::drivers::base::rd32(w + crate::layout::completion::SIZE) as i32;
    check(op, err).map_err(Abandon::No)
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
        let table = Kbuf::new((splits.len() + 1) * sl::SIZE as usize)?;
        sg_build(table.addr, base, len, splits);
        Ok(Sg { table })
    }
}

/// Builds at `table` (room for `splits.len() + 1` entries) a scatterlist
/// over `len` bytes at `base`, split into entries at `splits` (offsets
/// into the buffer; empty: one entry).
fn sg_build(table: u64, base: u64, len: usize, splits: &[usize]) {
    let mut cuts: Vec<usize> = splits.iter().copied().filter(|&c| c > 0 && c < len).collect();
    cuts.sort_unstable();
    cuts.dedup();
    sg_init_table(table, cuts.len() as u64 + 1);
    let mut start = 0;
    for (i, end) in cuts.into_iter().chain(std::iter::once(len)).enumerate() {
        sg_set_buf(table + i as u64 * sl::SIZE, base + start as u64, (end - start) as u32);
        start = end;
    }
}

/// The request memory a transform object keeps between requests, as a
/// kernel user keeps its request, scatterlists and bounce buffers (dm-crypt
/// allocates them once per CPU, not per sector): numbered slots of direct-
/// map memory that grow on demand and are reused; zeroed and freed with
/// the object (`kfree_sensitive`), or left to an algorithm that did not
/// complete a request.
#[derive(Default)]
struct Pool {
    slots: std::sync::Mutex<Vec<Option<Kbuf>>>,
}

/// The slots of a request: the request itself, its IV, the completion,
/// the source and destination scatterlists and bounce buffers, a hash's
/// descriptor and output.
const REQ: usize = 0;
const IV: usize = 1;
const WAITS: usize = 2;
const SG_SRC: usize = 3;
const SG_DST: usize = 4;
const SRC: usize = 5;
const DST: usize = 6;
const OUT: usize = 7;

struct Slots<'a>(std::sync::MutexGuard<'a, Vec<Option<Kbuf>>>);

impl Pool {
    fn lock(&self) -> Slots<'_> {
        Slots(self.slots.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Slots<'_> {
    /// Slot `i` with room for `len` bytes; its contents are what the last
    /// request left.
    fn get(&mut self, i: usize, len: usize) -> Result<u64> {
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        match &self.0[i] {
            Some(b) if b.len >= len => Ok(b.addr),
            _ => {
                self.0[i] = None;
                let b = Kbuf::new(len.max(64).next_power_of_two())?;
                let a = b.addr;
                self.0[i] = Some(b);
                Ok(a)
            }
        }
    }
    /// Slot `i` with `len` zeroed bytes (a request's fixed part and the
    /// driver's context, as `*_request_alloc` plus the setters leave no
    /// stale fields).
    fn zeroed(&mut self, i: usize, len: usize) -> Result<u64> {
        let a = self.get(i, len)?;
        // SAFETY: `len` bytes of slot `i`.
        unsafe { std::ptr::write_bytes(a as *mut u8, 0, len) };
        Ok(a)
    }
    /// A scatterlist in slot `i` over `len` bytes at `base`.
    fn sg(&mut self, i: usize, base: u64, len: usize, splits: &[usize]) -> Result<u64> {
        let t = self.get(i, (splits.len() + 1) * sl::SIZE as usize)?;
        sg_build(t, base, len, splits);
        Ok(t)
    }
    /// `crypto_wait_req` for the request just issued; an abandoned request
    /// keeps every slot (the algorithm may still write to them).
    fn wait(&mut self, w: u64, op: &'static str, r: i32) -> Result<()> {
        match wait_at(w, op, r) {
            Ok(()) => Ok(()),
            Err(Abandon::No(e)) => Err(e),
            Err(Abandon::Yes(e)) => {
                for b in self.0.drain(..) {
                    std::mem::forget(b);
                }
                Err(e)
            }
        }
    }
}

/// Copies `n` bytes at kernel address `a` out.
fn read(a: u64, n: usize) -> Vec<u8> {
    if n == 0 {
        return Vec::new();
    }
    // SAFETY: `n` bytes of a slot or kernel buffer the caller owns.
    unsafe { std::slice::from_raw_parts(a as *const u8, n) }.to_vec()
}

/// Copies `b` to kernel address `a`.
fn write(a: u64, b: &[u8]) {
    // SAFETY: room for `b` in a slot or kernel buffer the caller owns.
    unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), a as *mut u8, b.len()) };
}

/// Data in kernel memory (kmalloc'd: the direct map), as a kernel user
/// holds it — a page-cache page, a bio's buffer. Requests over it go to
/// the algorithm in place, without the copies in and out of the `&[u8]`
/// methods; zeroed when dropped.
pub struct KernelBuf {
    b: Kbuf,
    len: usize,
}

impl KernelBuf {
    /// `len` zeroed bytes.
    pub fn new(len: usize) -> Result<KernelBuf> {
        Ok(KernelBuf { b: Kbuf::new(len)?, len })
    }
    pub fn from_slice(data: &[u8]) -> Result<KernelBuf> {
        Ok(KernelBuf { b: Kbuf::from(data, 0)?, len: data.len() })
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn as_slice(&self) -> &[u8] {
        &self.b.bytes_mut()[..self.len]
    }
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.b.bytes_mut()[..self.len]
    }
    fn addr(&self) -> u64 {
        self.b.addr
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
    pool: Pool,
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
        Ok(Skcipher { t: Tfm::alloc(name, r, cs::base)?, pool: Pool::default() })
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
        let mut s = self.pool.lock();
        let (n, off) = (data.len(), l.offset as u64);
        let src = s.get(SRC, l.offset + n)?;
        write(src + off, data);
        let dst = if l.in_place { src } else { s.get(DST, l.offset + n)? };
        let mut iv = iv.to_vec();
        self.request(&mut s, enc, &mut iv, (src + off, dst + off), n, l)?;
        Ok((read(dst + off, n), iv))
    }

    /// Encrypts (or decrypts) data already in kernel memory, in place, as
    /// dm-crypt or fscrypt do; `iv` is updated as the algorithm leaves it.
    pub fn crypt_in_place(&self, enc: bool, iv: &mut [u8], buf: &mut KernelBuf) -> Result<()> {
        let mut s = self.pool.lock();
        let l = Layout { in_place: true, ..Layout::default() };
        self.request(&mut s, enc, iv, (buf.addr(), buf.addr()), buf.len(), &l)
    }

    /// `skcipher_request_set_crypt(req, src, dst, n, iv)`, the callback,
    /// `crypto_skcipher_{en,de}crypt` and `crypto_wait_req`.
    fn request(&self, s: &mut Slots, enc: bool, iv: &mut [u8], (src, dst): (u64, u64), n: usize, l: &Layout) -> Result<()> {
        let reqsize = rd32(self.sk() + cs::reqsize) as usize;
        let r = s.zeroed(REQ, sr::SIZE as usize + reqsize)?;
        let ivb = s.get(IV, iv.len())?;
        write(ivb, iv);
        let w = s.get(WAITS, WAIT_SIZE)?;
        init_wait(w);
        let src_sg = s.sg(SG_SRC, src, n, &l.src_splits)?;
        let dst_sg = if l.in_place { src_sg } else { s.sg(SG_DST, dst, n, &l.dst_splits)? };
        wr64(r + sr::base + creq::tfm, self.t.tfm);
        arm_at(r + sr::base, w);
        wr32(r + sr::cryptlen, n as u32);
        wr64(r + sr::iv, if iv.is_empty() { 0 } else { ivb });
        wr64(r + sr::src, src_sg);
        wr64(r + sr::dst, dst_sg);
        let op = if enc { "encrypt" } else { "decrypt" };
        let rc = super::skcipher::crypt(r, enc);
        s.wait(w, op, rc)?;
        iv.copy_from_slice(&read(ivb, iv.len()));
        Ok(())
    }
}

/// An AEAD (`struct crypto_aead`).
pub struct Aead {
    t: Tfm,
    pool: Pool,
}

impl Aead {
    pub fn new(name: &str) -> Result<Aead> {
        Aead::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Aead> {
        let r = super::aead::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Aead { t: Tfm::alloc(name, r, cae::base)?, pool: Pool::default() })
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
        let room = total_in.max(aad.len() + out_len);
        let mut s = self.pool.lock();
        let off = l.offset as u64;
        let src = s.get(SRC, l.offset + room)?;
        write(src + off, aad);
        write(src + off + aad.len() as u64, data);
        let dst = if l.in_place { src } else { s.get(DST, l.offset + room)? };
        if !l.in_place {
            write(dst + off, aad);
        }
        let src_len = if l.in_place { room } else { total_in };
        let lens = (aad.len(), data.len(), src_len, aad.len() + out_len);
        self.request(&mut s, enc, iv, (src + off, dst + off), lens, l)?;
        Ok(read(dst + off + aad.len() as u64, out_len))
    }

    /// Encrypts (or decrypts) in place data already in kernel memory, as
    /// IPsec or kTLS do: `buf` holds the associated data (`assoclen`
    /// bytes), then `cryptlen` bytes of plaintext (and room for the tag)
    /// or of ciphertext and tag. Returns the output's length after the
    /// associated data (a wrong tag: -EBADMSG).
    pub fn crypt_in_place(&self, enc: bool, iv: &[u8], assoclen: usize, cryptlen: usize, buf: &mut KernelBuf) -> Result<usize> {
        let tag = self.authsize();
        let out_len = if enc { cryptlen + tag } else { cryptlen.checked_sub(tag).ok_or(CryptoError::Errno { op: "decrypt", errno: super::api::EINVAL })? };
        let room = assoclen + cryptlen.max(out_len);
        if buf.len() < room {
            return Err(CryptoError::Errno { op: if enc { "encrypt" } else { "decrypt" }, errno: super::api::EINVAL });
        }
        let mut s = self.pool.lock();
        let l = Layout { in_place: true, ..Layout::default() };
        self.request(&mut s, enc, iv, (buf.addr(), buf.addr()), (assoclen, cryptlen, room, assoclen + out_len), &l)?;
        Ok(out_len)
    }

    /// `aead_request_set_ad`, `aead_request_set_crypt(req, src, dst,
    /// cryptlen, iv)`, the callback, `crypto_aead_{en,de}crypt` and
    /// `crypto_wait_req`; `lens` = (assoclen, cryptlen, source bytes,
    /// destination bytes).
    fn request(&self, s: &mut Slots, enc: bool, iv: &[u8], (src, dst): (u64, u64), lens: (usize, usize, usize, usize), l: &Layout) -> Result<()> {
        let (assoclen, cryptlen, src_len, dst_len) = lens;
        let reqsize = rd32(self.a() + cae::reqsize) as usize;
        let r = s.zeroed(REQ, ar::SIZE as usize + reqsize)?;
        let ivb = s.get(IV, iv.len())?;
        write(ivb, iv);
        let w = s.get(WAITS, WAIT_SIZE)?;
        init_wait(w);
        let src_sg = s.sg(SG_SRC, src, src_len, &l.src_splits)?;
        let dst_sg = if l.in_place { src_sg } else { s.sg(SG_DST, dst, dst_len, &l.dst_splits)? };
        wr64(r + ar::base + creq::tfm, self.t.tfm);
        arm_at(r + ar::base, w);
        wr32(r + ar::assoclen, assoclen as u32);
        wr32(r + ar::cryptlen, cryptlen as u32);
        wr64(r + ar::iv, ivb);
        wr64(r + ar::src, src_sg);
        wr64(r + ar::dst, dst_sg);
        let op = if enc { "encrypt" } else { "decrypt" };
        let rc = super::aead::crypt(r, enc);
        s.wait(w, op, rc)
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
    pool: Pool,
}

impl Hash {
    pub fn new(name: &str) -> Result<Hash> {
        Hash::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Hash> {
        let r = super::api::alloc_tfm(name.as_bytes(), &super::shash::frontend(), f.ty, f.mask, -1);
        Ok(Hash { t: Tfm::alloc(name, r, csh::base)?, pool: Pool::default() })
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
        let mut s = self.pool.lock();
        let d = s.get(SRC, data.len())?;
        write(d, data);
        self.digest_at(&mut s, d, data.len(), splits)
    }

    /// `crypto_shash_digest` of data already in kernel memory.
    pub fn digest_kernel(&self, buf: &KernelBuf) -> Result<Vec<u8>> {
        let mut s = self.pool.lock();
        self.digest_at(&mut s, buf.addr(), buf.len(), &[])
    }

    fn digest_at(&self, s: &mut Slots, d: u64, len: usize, splits: &[usize]) -> Result<Vec<u8>> {
        let descsize = rd32(self.t.mem + csh::descsize) as usize;
        let desc = s.zeroed(REQ, sd::SIZE as usize + descsize)?;
        wr64(desc + sd::tfm, self.t.mem);
        let ds = self.digestsize();
        let out = s.get(OUT, ds.max(1))?;
        if splits.is_empty() {
            check("digest", super::shash::digest(desc, d, len as u32, out))?;
        } else {
            check("init", super::shash::init(desc))?;
            let mut start = 0;
            let mut cuts: Vec<usize> = splits.iter().copied().filter(|&c| c <= len).collect();
            cuts.sort_unstable();
            for end in cuts.into_iter().chain(std::iter::once(len)) {
                if end < start {
                    continue;
                }
                check("update", super::shash::update(desc, d + start as u64, (end - start) as u32))?;
                start = end;
            }
            check("final", super::shash::final_(desc, out))?;
        }
        Ok(read(out, ds))
    }
}

/// An asynchronous hash (`struct crypto_ahash`): requests over
/// scatterlists, waited for as a kernel user waits (an shash algorithm is
/// driven through the shash_async_* operations, as on Linux).
pub struct Ahash {
    t: Tfm,
    pool: Pool,
}

impl Ahash {
    pub fn new(name: &str) -> Result<Ahash> {
        Ahash::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Ahash> {
        let r = super::api::alloc_tfm(name.as_bytes(), &super::ahash::frontend(), f.ty, f.mask, -1);
        Ok(Ahash { t: Tfm::alloc(name, r, crate::layout::crypto_ahash::base)?, pool: Pool::default() })
    }
    fn hash(&self) -> u64 {
        self.t.mem
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    pub fn digestsize(&self) -> usize {
        use crate::layout::hash_alg_common as h;
        rd32(self.t.alg() - h::base + h::digestsize) as usize
    }
    pub fn setkey(&self, key: &[u8]) -> Result<()> {
        let k = Kbuf::from(key, 0)?;
        check("setkey", super::ahash::setkey(self.hash(), k.addr, key.len() as u32))
    }
    /// `crypto_ahash_digest` over `data` in a scatterlist split at
    /// `l.src_splits`, `l.offset` bytes into its buffer; with `parts`,
    /// init, an update per part (the data cut at those offsets), final.
    pub fn digest(&self, data: &[u8], l: &Layout, parts: &[usize]) -> Result<Vec<u8>> {
        use crate::layout::{ahash_request as ar, crypto_ahash as ch};
        let mut s = self.pool.lock();
        let off = l.offset as u64;
        let d = s.get(SRC, l.offset + data.len())?;
        write(d + off, data);
        let reqsize = rd32(self.hash() + ch::reqsize) as usize;
        let ds = self.digestsize();
        let out = s.get(OUT, ds.max(1))?;
        let r = s.zeroed(REQ, ar::SIZE as usize + reqsize)?;
        let w = s.get(WAITS, WAIT_SIZE)?;
        wr64(r + ar::base + creq::tfm, self.t.tfm);
        wr64(r + ar::result, out);
        let run = |s: &mut Slots, op: u64, name: &'static str, from: usize, to: usize| -> Result<()> {
            init_wait(w);
            arm_at(r + ar::base, w);
            let splits: Vec<usize> = l.src_splits.iter().filter(|&&c| c > from && c < to).map(|c| c - from).collect();
            let sg = s.sg(SG_SRC, d + off + from as u64, to - from, &splits)?;
            wr32(r + ar::nbytes, (to - from) as u32);
            wr64(r + ar::src, sg);
            let rc = super::ahash::request_op(r, op);
            s.wait(w, name, rc)
        };
        if parts.is_empty() {
            run(&mut s, ch::digest, "digest", 0, data.len())?;
        } else {
            run(&mut s, ch::init, "init", 0, 0)?;
            let mut cuts: Vec<usize> = parts.iter().copied().filter(|&c| c <= data.len()).collect();
            cuts.sort_unstable();
            let mut start = 0;
            for end in cuts.into_iter().chain(std::iter::once(data.len())) {
                run(&mut s, ch::update, "update", start, end)?;
                start = end;
            }
            run(&mut s, ch::r#final, "final", 0, 0)?;
        }
        Ok(read(out, ds))
    }
}

/// A random number generator (`struct crypto_rng`).
pub struct Rng {
    t: Tfm,
    /// The entropy last given with [`Rng::set_ent`]: the algorithm keeps
    /// a pointer to it, so it lives as long as the transform (dropped
    /// after it).
    ent: Option<Kbuf>,
}

impl Rng {
    /// `crypto_alloc_rng(name, 0, 0)`.
    pub fn new(name: &str) -> Result<Rng> {
        Rng::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Rng> {
        let r = super::rng::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Rng { t: Tfm::alloc(name, r, 0)?, ent: None })
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    /// `crypto_rng_seedsize(tfm)`.
    pub fn seedsize(&self) -> usize {
        super::rng::seedsize(self.t.tfm) as usize
    }
    /// `crypto_rng_reset(tfm, seed, len)`; None: `crypto_rng_reset(tfm,
    /// NULL, seedsize)` (seeded from get_random_bytes, as kernel users
    /// seed).
    pub fn reset(&self, seed: Option<&[u8]>) -> Result<()> {
        match seed {
            None => check("reset", super::rng::reset(self.t.tfm, 0, self.seedsize() as u32)),
            Some(s) => {
                let b = Kbuf::from(s, 0)?;
                check("reset", super::rng::reset(self.t.tfm, b.addr, s.len() as u32))
            }
        }
    }
    /// `crypto_rng_get_bytes(tfm, buf, n)`.
    pub fn generate(&self, n: usize) -> Result<Vec<u8>> {
        self.generate_addtl(&[], n)
    }
    /// `crypto_rng_generate(tfm, addtl, len, buf, n)`: with an additional
    /// input (drbg's; empty: none).
    pub fn generate_addtl(&self, addtl: &[u8], n: usize) -> Result<Vec<u8>> {
        let a = Kbuf::from(addtl, 0)?;
        let out = Kbuf::new(n)?;
        let src = if addtl.is_empty() { 0 } else { a.addr };
        check("generate", super::rng::generate(self.t.tfm, src, addtl.len() as u32, out.addr, n as u32))?;
        Ok(out.bytes()[..n].to_vec())
    }
    /// The algorithm's `set_ent` (drbg's test interface, as
    /// `crypto_drbg_reset_test` uses it): the entropy its next seeding
    /// takes instead of get_random_bytes and the Jitter RNG. -ENOSYS
    /// for an algorithm without one.
    pub fn set_ent(&mut self, ent: &[u8]) -> Result<()> {
        let b = Kbuf::from(ent, 0)?;
        if !super::rng::set_ent(self.t.tfm, b.addr, ent.len() as u32) {
            return Err(CryptoError::Errno { op: "set_ent", errno: super::api::ENOSYS });
        }
        self.ent = Some(b);
        Ok(())
    }
}

/// `crypto_get_default_rng()`, then `crypto_rng_get_bytes(
/// crypto_default_rng, buf, n)` and `crypto_put_default_rng()`: n bytes
/// of the default "stdrng" (allocated and seeded on first use) and its
/// driver name.
pub fn default_rng_bytes(n: usize) -> Result<(String, Vec<u8>)> {
    match super::rng::get_default_rng() {
        Ok(()) => {}
        Err(None) => return Err(CryptoError::NotFound("stdrng".into())),
        Err(Some(e)) => return Err(CryptoError::Errno { op: "crypto_get_default_rng", errno: e }),
    }
    let rng = super::rng::default_rng();
    let r = (|| {
        let out = Kbuf::new(n)?;
        check("generate", super::rng::generate(rng, 0, 0, out.addr, n as u32))?;
        let driver = String::from_utf8_lossy(&super::api::driver_name(rd64(rng + t::__crt_alg))).into_owned();
        Ok((driver, out.bytes()[..n].to_vec()))
    })();
    super::rng::crypto_put_default_rng();
    r
}

/// The default rng's reference count (`crypto_default_rng_refcnt`) and
/// whether one is allocated.
pub fn default_rng_state() -> (i32, bool) {
    (super::rng::default_rng_refcnt(), super::rng::default_rng() != 0)
}

/// `crypto_del_default_rng()`: 0, or -EBUSY while referenced.
pub fn del_default_rng() -> i32 {
    super::rng::crypto_del_default_rng()
}

/// `crypto_get_default_rng()` (a reference the caller drops with
/// [`put_default_rng`]).
pub fn get_default_rng() -> Result<()> {
    match super::rng::get_default_rng() {
        Ok(()) => Ok(()),
        Err(None) => Err(CryptoError::NotFound("stdrng".into())),
        Err(Some(e)) => Err(CryptoError::Errno { op: "crypto_get_default_rng", errno: e }),
    }
}

/// `crypto_put_default_rng()`.
pub fn put_default_rng() {
    super::rng::crypto_put_default_rng()
}

/// A compressor of the legacy type (`struct crypto_comp`,
/// `crypto_alloc_comp`).
pub struct Comp {
    t: Tfm,
}

impl Comp {
    pub fn new(name: &str) -> Result<Comp> {
        Comp::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Comp> {
        let r = super::compress::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Comp { t: Tfm::alloc(name, r, 0)? })
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    /// `crypto_comp_compress` of `data` (placed `offset` bytes into its
    /// buffer) into an output buffer of `room` bytes.
    pub fn compress(&self, data: &[u8], room: usize, offset: usize) -> Result<Vec<u8>> {
        self.run(true, data, room, offset)
    }
    /// `crypto_comp_decompress`.
    pub fn decompress(&self, data: &[u8], room: usize, offset: usize) -> Result<Vec<u8>> {
        self.run(false, data, room, offset)
    }
    fn run(&self, comp: bool, data: &[u8], room: usize, offset: usize) -> Result<Vec<u8>> {
        let src = Kbuf::new(offset + data.len())?;
        src.bytes_mut()[offset..].copy_from_slice(data);
        let dst = Kbuf::new(offset + room)?;
        let dlen = Kbuf::new(4)?;
        wr32(dlen.addr, room as u32);
        let off = offset as u64;
        let (s, d, n) = (src.addr + off, dst.addr + off, data.len() as u32);
        let rc = if comp {
            super::compress::crypto_comp_compress(self.t.tfm, s, n, d, dlen.addr)
        } else {
            super::compress::crypto_comp_decompress(self.t.tfm, s, n, d, dlen.addr)
        };
        check(if comp { "compress" } else { "decompress" }, rc)?;
        let got = (rd32(dlen.addr) as usize).min(room);
        Ok(dst.bytes()[offset..offset + got].to_vec())
    }
}

/// How an acomp request's data is laid out: scatterlists split at these
/// offsets, buffers starting `offset` bytes into their allocations; no
/// destination at all (`alloc_dst`: the request's output is allocated by
/// the transform, CRYPTO_ACOMP_ALLOC_OUTPUT) or one of `room` bytes.
#[derive(Clone, Debug, Default)]
pub struct CompLayout {
    pub src_splits: Vec<usize>,
    pub dst_splits: Vec<usize>,
    pub offset: usize,
    pub alloc_dst: bool,
}

/// An asynchronous compressor (`struct crypto_acomp`), over an acomp or
/// an scomp algorithm.
pub struct Acomp {
    t: Tfm,
}

impl Acomp {
    pub fn new(name: &str) -> Result<Acomp> {
        Acomp::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Acomp> {
        let r = super::acompress::alloc(name.as_bytes(), f.ty, f.mask, -1);
        Ok(Acomp { t: Tfm::alloc(name, r, crate::layout::crypto_acomp::base)? })
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    /// `crypto_acomp_compress` of `data` into at most `room` bytes (with
    /// `l.alloc_dst`, `room` is the request's `dlen`, 0 for the default).
    pub fn compress(&self, data: &[u8], room: usize, l: &CompLayout) -> Result<Vec<u8>> {
        self.run(true, data, room, l)
    }
    /// `crypto_acomp_decompress`.
    pub fn decompress(&self, data: &[u8], room: usize, l: &CompLayout) -> Result<Vec<u8>> {
        self.run(false, data, room, l)
    }
    fn run(&self, comp: bool, data: &[u8], room: usize, l: &CompLayout) -> Result<Vec<u8>> {
        use crate::layout::{acomp_req as ar_, crypto_acomp as cac};
        let acomp = self.t.mem;
        let req = super::acompress::request_alloc(acomp);
        if req == 0 {
            return Err(CryptoError::NoMem);
        }
        let free = |req: u64| super::acompress::request_free(req);
        let off = l.offset as u64;
        let src = Kbuf::new(l.offset + data.len())?;
        src.bytes_mut()[l.offset..].copy_from_slice(data);
        let src_sg = Sg::new(src.addr + off, data.len(), &l.src_splits)?;
        let dst = Kbuf::new(l.offset + room)?;
        let dst_sg = if l.alloc_dst { None } else { Some(Sg::new(dst.addr + off, room, &l.dst_splits)?) };
        wr64(req + ar_::src, if data.is_empty() { 0 } else { src_sg.table.addr });
        wr32(req + ar_::slen, data.len() as u32);
        wr64(req + ar_::dst, dst_sg.as_ref().map_or(0, |d| d.table.addr));
        wr32(req + ar_::dlen, room as u32);
        if l.alloc_dst {
            let f = crate::layout::crypto_consts::CRYPTO_ACOMP_ALLOC_OUTPUT as u32;
            wr32(req + ar_::flags, f);
        }
        let wait = match Wait::new() {
            Ok(w) => w,
            Err(e) => {
                free(req);
                return Err(e);
            }
        };
        wait.arm(req + ar_::base);
        let f = rd64(acomp + if comp { cac::compress } else { cac::decompress });
        let op = if comp { "compress" } else { "decompress" };
        let rc = super::skcipher::call(f, [req, 0, 0, 0, 0, 0]);
        match wait.wait(op, rc, (src, src_sg, dst, dst_sg)) {
            Err(e @ CryptoError::Async { .. }) => Err(e),
            Err(e) => {
                free(req);
                Err(e)
            }
            Ok((_src, _src_sg, dst, _dst_sg)) => {
                let n = rd32(req + ar_::dlen) as usize;
                let out = if l.alloc_dst {
                    let mut v = vec![0u8; n];
                    let d = rd64(req + ar_::dst);
                    if n > 0 && d != 0 {
                        super::scatterwalk::map_and_copy(v.as_mut_ptr() as u64, d, 0, n as u32, 0);
                    }
                    v
                } else {
                    dst.bytes()[l.offset..l.offset + n.min(room)].to_vec()
                };
                free(req);
                Ok(out)
            }
        }
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

// ---------------------------------------------------------------------------
// Requests in flight

/// Completions of [`Pending`] requests so far: each takes the next number.
static COMPLETIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Bytes of a pending request's wait: `struct crypto_wait` and the
/// completion's number.
const PENDING_WAIT: usize = WAIT_SIZE + 8;

crate::kfn! {
    /// The callback of a [`Pending`] request: as `crypto_req_done`, and the
    /// completion is numbered (the order in which the algorithm completed
    /// its requests).
    fn modhost_req_done_ordered(req: u64, err: i32) {
        if err == EINPROGRESS {
            return;
        }
        let w = rd64(req + creq::data);
        let n = COMPLETIONS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        wr64(w + WAIT_SIZE as u64, n);
        wr32(w + crate::layout::completion::SIZE, err as u32);
        crate::kernel::sched::complete(w);
    }
}

/// A request issued and not waited for yet (several may be in flight on
/// one transform, as a kernel user with many requests has them): its
/// memory, the completion and where its output goes.
pub struct Pending {
    bufs: Vec<Kbuf>,
    w: u64,
    out: u64,
    out_len: usize,
    op: &'static str,
    rc: i32,
}

impl Pending {
    /// What the operation returned when issued (-EINPROGRESS: completes
    /// later through the callback).
    pub fn issued(&self) -> i32 {
        self.rc
    }

    /// Waits for the request (`crypto_wait_req`); returns its output and
    /// the number of its completion (0: it completed when issued).
    pub fn wait(self) -> Result<(Vec<u8>, u64)> {
        match wait_at(self.w, self.op, self.rc) {
            Ok(()) => {
                let n = if self.rc == EINPROGRESS || self.rc == EBUSY { rd64(self.w + WAIT_SIZE as u64) } else { 0 };
                Ok((read(self.out, self.out_len), n))
            }
            Err(Abandon::No(e)) => Err(e),
            Err(Abandon::Yes(e)) => {
                std::mem::forget(self.bufs);
                Err(e)
            }
        }
    }
}

/// Request memory for [`Pending`]: the request (zeroed), the IV, the
/// wait, and source and destination buffers with one-entry scatterlists.
fn pending_bufs(reqlen: usize, iv: &[u8], src: &[u8], dst_len: usize) -> Result<(Vec<Kbuf>, [u64; 6])> {
    let r = Kbuf::new(reqlen)?;
    let ivb = Kbuf::from(iv, 0)?;
    let w = Kbuf::new(PENDING_WAIT)?;
    init_wait(w.addr);
    let room = src.len().max(dst_len);
    let s = Kbuf::from(src, room - src.len())?;
    let d = Kbuf::new(room)?;
    let ssg = Sg::new(s.addr, src.len(), &[])?;
    let dsg = Sg::new(d.addr, dst_len, &[])?;
    let a = [r.addr, ivb.addr, w.addr, ssg.table.addr, dsg.table.addr, d.addr];
    Ok((vec![r, ivb, w, s, d, ssg.table, dsg.table], a))
}

fn arm_ordered(base: u64, w: u64) {
    wr32(base + creq::flags, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP);
    wr64(base + creq::complete, super::stub!("modhost_req_done_ordered"));
    wr64(base + creq::data, w);
}

impl Aead {
    /// Issues an encryption (`aad || data` → `aad || ciphertext || tag`)
    /// or decryption without waiting for it; [`Pending::wait`] gives the
    /// output after the associated data.
    pub fn submit(&self, enc: bool, iv: &[u8], aad: &[u8], data: &[u8]) -> Result<Pending> {
        let tag = self.authsize();
        let out_len = if enc { data.len() + tag } else { data.len().saturating_sub(tag) };
        let reqsize = rd32(self.a() + cae::reqsize) as usize;
        let mut src = aad.to_vec();
        src.extend_from_slice(data);
        let (bufs, [r, ivb, w, ssg, dsg, d]) = pending_bufs(ar::SIZE as usize + reqsize, iv, &src, aad.len() + out_len)?;
        wr64(r + ar::base + creq::tfm, self.t.tfm);
        arm_ordered(r + ar::base, w);
        wr32(r + ar::assoclen, aad.len() as u32);
        wr32(r + ar::cryptlen, data.len() as u32);
        wr64(r + ar::iv, ivb);
        wr64(r + ar::src, ssg);
        wr64(r + ar::dst, dsg);
        let rc = super::aead::crypt(r, enc);
        let op = if enc { "encrypt" } else { "decrypt" };
        Ok(Pending { bufs, w, out: d + aad.len() as u64, out_len, op, rc })
    }
}

impl Skcipher {
    /// Issues an encryption or decryption of `data` without waiting for
    /// it; [`Pending::wait`] gives the output.
    pub fn submit(&self, enc: bool, iv: &[u8], data: &[u8]) -> Result<Pending> {
        let reqsize = rd32(self.sk() + cs::reqsize) as usize;
        let (bufs, [r, ivb, w, ssg, dsg, d]) = pending_bufs(sr::SIZE as usize + reqsize, iv, data, data.len())?;
        wr64(r + sr::base + creq::tfm, self.t.tfm);
        arm_ordered(r + sr::base, w);
        wr32(r + sr::cryptlen, data.len() as u32);
        wr64(r + sr::iv, ivb);
        wr64(r + sr::src, ssg);
        wr64(r + sr::dst, dsg);
        let rc = super::skcipher::crypt(r, enc);
        let op = if enc { "encrypt" } else { "decrypt" };
        Ok(Pending { bufs, w, out: d, out_len: data.len(), op, rc })
    }
}

/// An asymmetric cipher (`struct crypto_akcipher`): a BER public or
/// private key (RSAPublicKey / RSAPrivateKey for rsa; the algorithm's own
/// format otherwise), then requests whose input and output travel in
/// scatterlists: encrypt, decrypt and sign into a buffer of the caller's
/// size (the output is what the request's `dst_len` says after the
/// operation), verify with the signature followed by the digest in the
/// source and no destination (6.1's API).
pub struct Akcipher {
    t: Tfm,
}

pub use super::akcipher::Op as AkcipherOp;

impl Akcipher {
    pub fn new(name: &str) -> Result<Akcipher> {
        Akcipher::with_flags(name, Flags::default())
    }
    pub fn with_flags(name: &str, f: Flags) -> Result<Akcipher> {
        let r = super::akcipher::alloc(name.as_bytes(), f.ty, f.mask);
        Ok(Akcipher { t: Tfm::alloc(name, r, crate::layout::crypto_akcipher::base)? })
    }
    pub fn driver(&self) -> String {
        self.t.driver()
    }
    pub fn module(&self) -> Option<String> {
        self.t.module_name()
    }
    fn key(&self, key: &[u8], private: bool) -> Result<()> {
        let k = Kbuf::from(key, 0)?;
        let a = if key.is_empty() { 0 } else { k.addr };
        if private {
            check("set_priv_key", super::akcipher::set_priv_key(self.t.mem, a, key.len() as u32))
        } else {
            check("set_pub_key", super::akcipher::set_pub_key(self.t.mem, a, key.len() as u32))
        }
    }
    /// `crypto_akcipher_set_pub_key(tfm, key, keylen)`.
    pub fn set_pub_key(&self, key: &[u8]) -> Result<()> {
        self.key(key, false)
    }
    /// `crypto_akcipher_set_priv_key(tfm, key, keylen)`.
    pub fn set_priv_key(&self, key: &[u8]) -> Result<()> {
        self.key(key, true)
    }
    /// `crypto_akcipher_set_pub_key` as crypto/asymmetric_keys/
    /// public_key.c calls it for ecrdsa and sm2: `keylen` covers the key
    /// only, followed in the buffer by the key algorithm's `enum OID`
    /// value (u32), the parameters' length (u32) and the BER parameters.
    pub fn set_pub_key_with_params(&self, key: &[u8], algo: u32, params: &[u8]) -> Result<()> {
        let mut b = key.to_vec();
        b.extend_from_slice(&algo.to_ne_bytes());
        b.extend_from_slice(&(params.len() as u32).to_ne_bytes());
        b.extend_from_slice(params);
        let k = Kbuf::from(&b, 0)?;
        check("set_pub_key", super::akcipher::set_pub_key(self.t.mem, k.addr, key.len() as u32))
    }
    /// `crypto_akcipher_maxsize(tfm)`: the size of an output (valid once
    /// a key is set).
    pub fn max_size(&self) -> Result<usize> {
        super::akcipher::max_size(self.t.mem).map(|n| n as usize).ok_or(CryptoError::Failed("max_size"))
    }
    /// `crypto_akcipher_encrypt` into `max_size` bytes.
    pub fn encrypt(&self, input: &[u8]) -> Result<Vec<u8>> {
        let n = self.max_size()?;
        self.request(AkcipherOp::Encrypt, input, n, &Layout::default()).map(|r| r.1)
    }
    /// `crypto_akcipher_decrypt` into `max_size` bytes.
    pub fn decrypt(&self, input: &[u8]) -> Result<Vec<u8>> {
        let n = self.max_size()?;
        self.request(AkcipherOp::Decrypt, input, n, &Layout::default()).map(|r| r.1)
    }
    /// `crypto_akcipher_sign` into `max_size` bytes.
    pub fn sign(&self, input: &[u8]) -> Result<Vec<u8>> {
        let n = self.max_size()?;
        self.request(AkcipherOp::Sign, input, n, &Layout::default()).map(|r| r.1)
    }
    /// `crypto_akcipher_verify` of `sig` over `digest`: Ok(()) when it
    /// holds (the algorithm's errno otherwise: -EKEYREJECTED, -EBADMSG...).
    pub fn verify(&self, sig: &[u8], digest: &[u8]) -> Result<()> {
        self.verify_with(sig, digest, &Layout::default())
    }
    /// `verify` with the source split at `l.src_splits`, `l.offset` bytes
    /// into its buffer.
    pub fn verify_with(&self, sig: &[u8], digest: &[u8], l: &Layout) -> Result<()> {
        let src = [sig, digest].concat();
        self.raw(AkcipherOp::Verify, &src, sig.len(), None, digest.len(), l).map(|_| ())
    }
    /// One request of `op` other than verify: `input` as the source, a
    /// destination of `out_len` bytes; returns the request's `dst_len`
    /// after the operation and the output up to it. Source and destination
    /// are split at `l`'s offsets and start `l.offset` bytes into their
    /// buffers (`in_place` is ignored).
    pub fn request(&self, op: AkcipherOp, input: &[u8], out_len: usize, l: &Layout) -> Result<(usize, Vec<u8>)> {
        self.raw(op, input, input.len(), Some(out_len), out_len, l)
    }
    fn raw(&self, op: AkcipherOp, src: &[u8], src_len: usize, dst: Option<usize>, dst_len: usize, l: &Layout) -> Result<(usize, Vec<u8>)> {
        use crate::layout::akcipher_request as ar;
        let reqsize = super::akcipher::reqsize(self.t.mem) as usize;
        let req = Kbuf::new(ar::SIZE as usize + reqsize)?;
        let off = l.offset as u64;
        let sbuf = Kbuf::new(l.offset + src.len())?;
        sbuf.bytes_mut()[l.offset..].copy_from_slice(src);
        let out_len = dst.unwrap_or(0);
        let dbuf = Kbuf::new(l.offset + out_len)?;
        let src_sg = Sg::new(sbuf.addr + off, src.len(), &l.src_splits)?;
        let dst_sg = match dst {
            Some(n) => Some(Sg::new(dbuf.addr + off, n, &l.dst_splits)?),
            None => None,
        };
        let r = req.addr;
        wr64(r + ar::base + creq::tfm, self.t.tfm);
        let wait = Wait::new()?;
        wait.arm(r + ar::base);
        wr64(r + ar::src, src_sg.table.addr);
        wr32(r + ar::src_len, src_len as u32);
        wr64(r + ar::dst, dst_sg.as_ref().map_or(0, |s| s.table.addr));
        wr32(r + ar::dst_len, dst_len as u32);
        let rc = super::akcipher::run(r, op);
        let (req, sbuf, dbuf, src_sg, dst_sg) = wait.wait(op.name(), rc, (req, sbuf, dbuf, src_sg, dst_sg))?;
        let n = rd32(req.addr + ar::dst_len) as usize;
        drop((req, sbuf, src_sg, dst_sg));
        Ok((n, dbuf.bytes()[l.offset..l.offset + n.min(out_len)].to_vec()))
    }
}
