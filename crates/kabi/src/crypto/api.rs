//! crypto/api.c: the algorithm list (`crypto_alg_list`, guarded by
//! `crypto_alg_sem`), the crypto notifier chain, algorithm references
//! (`crypto_mod_get`/`crypto_mod_put`) and the name lookup that issue 10's
//! `crypto_alloc_*` will build on.
//!
//! The list is Linux's: a `list_head` in the vmlinux data area threading
//! the `cra_list` member of every registered `struct crypto_alg` (most
//! recent first, as `list_add` leaves it), so module code that walks it
//! sees what Linux's would. The host serialises its own changes with
//! [`alg_sem`] (the role of `crypto_alg_sem`, which is exported as an
//! unlocked rw_semaphore for modules that take it themselves).

use std::sync::{Mutex, MutexGuard};

use crate::drivers::base::{rd32, rd64, wr32, wr64};
use crate::layout::{crypto_alg as ca, list_head};

pub(crate) const CRYPTO_ALG_TYPE_MASK: u32 = 0x0000_000f;
pub(crate) const CRYPTO_ALG_TYPE_CIPHER: u32 = 0x1;
pub(crate) const CRYPTO_ALG_TYPE_COMPRESS: u32 = 0x2;
pub(crate) const CRYPTO_ALG_TYPE_AEAD: u32 = 0x3;
pub(crate) const CRYPTO_ALG_TYPE_SKCIPHER: u32 = 0x5;
pub(crate) const CRYPTO_ALG_TYPE_KPP: u32 = 0x8;
pub(crate) const CRYPTO_ALG_TYPE_ACOMPRESS: u32 = 0xa;
pub(crate) const CRYPTO_ALG_TYPE_SCOMPRESS: u32 = 0xb;
pub(crate) const CRYPTO_ALG_TYPE_RNG: u32 = 0xc;
pub(crate) const CRYPTO_ALG_TYPE_AKCIPHER: u32 = 0xd;
pub(crate) const CRYPTO_ALG_TYPE_SHASH: u32 = 0xe;
pub(crate) const CRYPTO_ALG_TYPE_AHASH: u32 = 0xf;
pub(crate) const CRYPTO_ALG_TYPE_AHASH_MASK: u32 = 0xe;
pub(crate) const CRYPTO_ALG_TYPE_ACOMPRESS_MASK: u32 = 0xe;
pub(crate) const CRYPTO_ALG_LARVAL: u32 = 0x10;
pub(crate) const CRYPTO_ALG_DEAD: u32 = 0x20;
pub(crate) const CRYPTO_ALG_DYING: u32 = 0x40;
pub(crate) const CRYPTO_ALG_ASYNC: u32 = 0x80;
pub(crate) const CRYPTO_ALG_TESTED: u32 = 0x400;
pub(crate) const CRYPTO_ALG_INTERNAL: u32 = 0x2000;

/// `CRYPTO_MSG_ALG_LOADED` (include/crypto/algapi.h).
pub(crate) const CRYPTO_MSG_ALG_LOADED: u64 = 2;

pub(crate) const EINVAL: i32 = -22;
pub(crate) const EEXIST: i32 = -17;
pub(crate) const ENOENT: i32 = -2;
pub(crate) const ENOMEM: i32 = -12;
pub(crate) const ENOSYS: i32 = -38;

static ALG_SEM: Mutex<()> = Mutex::new(());

/// The host's `crypto_alg_sem`: held across every change of the algorithm
/// and template lists and every walk of them. Never held across a call
/// into module code.
pub(crate) fn alg_sem() -> MutexGuard<'static, ()> {
    ALG_SEM.lock().unwrap_or_else(|e| e.into_inner())
}

// ---- list_head on raw addresses ----------------------------------------------

pub(crate) fn list_init(h: u64) {
    wr64(h + list_head::next, h);
    wr64(h + list_head::prev, h);
}

pub(crate) fn list_empty(h: u64) -> bool {
    rd64(h + list_head::next) == h
}

/// `list_add(new, head)`: after `head`.
pub(crate) fn list_add(new: u64, head: u64) {
    let next = rd64(head + list_head::next);
    wr64(next + list_head::prev, new);
    wr64(new + list_head::next, next);
    wr64(new + list_head::prev, head);
    wr64(head + list_head::next, new);
}

/// `list_add_tail(new, head)`: before `head`.
pub(crate) fn list_add_tail(new: u64, head: u64) {
    let prev = rd64(head + list_head::prev);
    list_add(new, prev);
}

/// `list_del_init(entry)`.
pub(crate) fn list_del_init(e: u64) {
    let next = rd64(e + list_head::next);
    let prev = rd64(e + list_head::prev);
    wr64(next + list_head::prev, prev);
    wr64(prev + list_head::next, next);
    list_init(e);
}

/// The entries of a list (the addresses of their list_heads), in order.
/// Stops at a NULL link or after a million entries (a corrupted list).
pub(crate) fn list_entries(h: u64) -> Vec<u64> {
    let mut v = Vec::new();
    let mut p = rd64(h + list_head::next);
    while p != h && p != 0 && v.len() < 1_000_000 {
        v.push(p);
        p = rd64(p + list_head::next);
    }
    v
}

// ---- the algorithm list ------------------------------------------------------

crate::export_data!("crypto_alg_list", size list_head::SIZE, align 8, init = init_alg_list);
crate::export_data!("crypto_alg_sem", size crate::layout::rw_semaphore::SIZE, align 8, init = init_alg_sem);
crate::export_data!("crypto_chain", size crate::layout::blocking_notifier_head::SIZE, align 8, init = crate::kernel::notifier::init_blocking_head);

fn init_alg_list(addr: u64, _b: &crate::vmlinux::Builder) {
    list_init(addr);
    super::proc::init();
}

fn init_alg_sem(addr: u64, _b: &crate::vmlinux::Builder) {
    // An unlocked rw_semaphore: count and owner 0, an empty wait list.
    list_init(addr + crate::layout::rw_semaphore::wait_list);
}

fn symbol(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

/// The address of `crypto_alg_list` (0 before boot).
pub(crate) fn alg_list() -> u64 {
    static L: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let v = *L.get_or_init(|| symbol("crypto_alg_list"));
    v
}

/// The registered algorithms (`struct crypto_alg` addresses), in list
/// order. The caller holds [`alg_sem`].
pub(crate) fn algs() -> Vec<u64> {
    let h = alg_list();
    if h == 0 {
        return Vec::new();
    }
    list_entries(h)
        .into_iter()
        .map(|e| e - ca::cra_list)
        .collect()
}

// ---- fields ------------------------------------------------------------------

pub(crate) fn flags(alg: u64) -> u32 {
    rd32(alg + ca::cra_flags)
}
pub(crate) fn set_flags(alg: u64, f: u32) {
    wr32(alg + ca::cra_flags, f);
}
pub(crate) fn priority(alg: u64) -> i32 {
    rd32(alg + ca::cra_priority) as i32
}
pub(crate) fn module(alg: u64) -> u64 {
    rd64(alg + ca::cra_module)
}
pub(crate) fn cra_type(alg: u64) -> u64 {
    rd64(alg + ca::cra_type)
}

/// A `char[CRYPTO_MAX_ALG_NAME]` member as bytes (up to its NUL).
fn name_field(p: u64) -> Vec<u8> {
    let max = crate::layout::crypto_consts::CRYPTO_MAX_ALG_NAME as usize;
    // SAFETY: a char array of CRYPTO_MAX_ALG_NAME bytes in the module's
    // crypto_alg; reading stops at the array's end even without a NUL.
    unsafe { crate::abi::c_str(p, max) }.to_vec()
}
pub(crate) fn name(alg: u64) -> Vec<u8> {
    name_field(alg + ca::cra_name)
}
pub(crate) fn driver_name(alg: u64) -> Vec<u8> {
    name_field(alg + ca::cra_driver_name)
}

pub(crate) fn is_larval(alg: u64) -> bool {
    flags(alg) & CRYPTO_ALG_LARVAL != 0
}
pub(crate) fn is_dead(alg: u64) -> bool {
    flags(alg) & CRYPTO_ALG_DEAD != 0
}
pub(crate) fn is_moribund(alg: u64) -> bool {
    flags(alg) & (CRYPTO_ALG_DEAD | CRYPTO_ALG_DYING) != 0
}

// ---- refcount_t cra_refcnt ---------------------------------------------------

fn refcnt<'a>(alg: u64) -> &'a std::sync::atomic::AtomicU32 {
    // SAFETY: cra_refcnt is the aligned refcount_t (an atomic_t) of the
    // module's crypto_alg.
    unsafe { &*((alg + ca::cra_refcnt) as *const std::sync::atomic::AtomicU32) }
}
pub(crate) fn refcount_read(alg: u64) -> u32 {
    refcnt(alg).load(std::sync::atomic::Ordering::Acquire)
}
pub(crate) fn refcount_set(alg: u64, v: u32) {
    refcnt(alg).store(v, std::sync::atomic::Ordering::Release);
}

/// `crypto_alg_get(alg)`.
pub(crate) fn alg_get(alg: u64) -> u64 {
    refcnt(alg).fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    alg
}

/// `crypto_alg_put(alg)`: the last reference calls `cra_destroy`.
pub(crate) fn alg_put(alg: u64) {
    let prev = refcnt(alg)
        .fetch_update(
            std::sync::atomic::Ordering::AcqRel,
            std::sync::atomic::Ordering::Acquire,
            |c| (c != 0).then(|| c - 1),
        )
        .unwrap_or(0);
    if prev == 1 {
        let destroy = rd64(alg + ca::cra_destroy);
        if destroy != 0 {
            crate::fault::call_module(destroy, [alg, 0, 0, 0, 0, 0]);
        }
    }
}

crate::kfn! {
    /// `crypto_mod_get(alg)`: a reference on the algorithm and its module;
    /// NULL when the module is going away.
    fn crypto_mod_get(alg: u64) -> u64 {
        if crate::kernel::module::try_module_get(module(alg)) {
            alg_get(alg)
        } else {
            0
        }
    }
}

crate::kfn! {
    /// `crypto_mod_put(alg)`: drops what `crypto_mod_get` took.
    fn crypto_mod_put(alg: u64) {
        let m = module(alg);
        alg_put(alg);
        crate::kernel::module::module_put(m);
    }
}

/// `__crypto_alg_lookup(name, type, mask)` over the list: the algorithm
/// whose driver name is `name`, else the highest-priority one whose name
/// is `name`, among those whose flags match `type` under `mask`; takes a
/// `crypto_mod_get` reference on the result. The caller holds [`alg_sem`].
/// (Issue 10's `crypto_alloc_*` builds on this.)
#[allow(dead_code)]
pub(crate) fn alg_lookup_locked(name: &[u8], ty: u32, mask: u32) -> Option<u64> {
    let mut best = -2i32;
    let mut found: Option<u64> = None;
    for q in algs() {
        if is_moribund(q) {
            continue;
        }
        if (flags(q) ^ ty) & mask != 0 {
            continue;
        }
        let exact = driver_name(q) == name;
        let fuzzy = self::name(q) == name;
        if !exact && !(fuzzy && priority(q) > best) {
            continue;
        }
        if crypto_mod_get(q) == 0 {
            continue;
        }
        best = priority(q);
        if let Some(old) = found.replace(q) {
            crypto_mod_put(old);
        }
        if exact {
            break;
        }
    }
    found
}

crate::kfn! {
    /// `crypto_shoot_alg(alg)`: marks the algorithm as dying.
    fn crypto_shoot_alg(alg: u64) {
        let _g = alg_sem();
        set_flags(alg, flags(alg) | CRYPTO_ALG_DYING);
    }
}

/// `crypto_notify(val, v)`: the crypto notifier chain (modules' blocks;
/// the host's cryptomgr is not a block on it).
pub(crate) fn crypto_notify(val: u64, v: u64) {
    let h = symbol("crypto_chain");
    if h != 0 {
        crate::kernel::notifier::blocking_notifier_call_chain(h, val, v);
    }
}

// ---- looking algorithms up -------------------------------------------------

pub(crate) const CRYPTO_ALG_NEED_FALLBACK: u32 = 0x100;
pub(crate) const CRYPTO_ALG_FIPS_INTERNAL: u32 = 0x0002_0000;
pub(crate) const CRYPTO_NOLOAD: u32 = 0x0000_8000;
const ELIBBAD: i32 = -80;

/// What a lookup found.
pub(crate) enum Found {
    /// An algorithm, with a `crypto_mod_get` reference.
    Alg(u64),
    /// A negative errno Linux returns here.
    Err(i32),
    /// What the host cannot answer: no registered algorithm fits (Linux
    /// would also try the algorithms and templates vmlinux provides, and
    /// cryptomgr's template instantiation), or one fits whose self-test
    /// the host could not run.
    Unknown,
}

/// Algorithms whose self-test ran in the host and failed (a lookup that
/// wants a tested one gets -ELIBBAD, as Linux's).
static TEST_FAILED: Mutex<Vec<u64>> = Mutex::new(Vec::new());

pub(crate) fn note_test_failed(alg: u64) {
    TEST_FAILED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(alg);
}

fn test_failed(alg: u64) -> bool {
    TEST_FAILED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&alg)
}

fn forget_test_failed(start: u64, end: u64) {
    TEST_FAILED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&a| !(a >= start && a < end));
}
crate::purge_on_module_free!(forget_test_failed);

/// `crypto_alg_lookup(name, type, mask)`: unless the caller asks about
/// CRYPTO_ALG_TESTED itself, only tested algorithms qualify; a FIPS-
/// internal one only if asked for; an untested one that failed its test
/// is -ELIBBAD.
fn alg_lookup(name: &[u8], ty: u32, mask: u32) -> Option<Found> {
    let fips = CRYPTO_ALG_FIPS_INTERNAL;
    let test = if (ty | mask) & CRYPTO_ALG_TESTED == 0 {
        CRYPTO_ALG_TESTED
    } else {
        0
    };
    let _g = alg_sem();
    if let Some(alg) = alg_lookup_locked(name, (ty | test) & !fips, (mask | test) & !fips) {
        let mut m = mask;
        if ((ty | m) ^ fips) & fips != 0 {
            m |= fips;
        }
        m &= fips;
        if !is_larval(alg) && (ty ^ flags(alg)) & m != 0 {
            drop(_g);
            crypto_mod_put(alg);
            return Some(Found::Err(ENOENT));
        }
        return Some(Found::Alg(alg));
    }
    if test != 0 {
        if let Some(alg) = alg_lookup_locked(name, ty, mask) {
            drop(_g);
            let failed = test_failed(alg);
            crypto_mod_put(alg);
            return Some(if failed {
                Found::Err(ELIBBAD)
            } else {
                Found::Unknown
            });
        }
    }
    None
}

/// `crypto_alg_mod_lookup(name, type, mask)` as far as the host can take
/// it: an internal algorithm only if asked for; the registered algorithms,
/// then after `request_module("crypto-<name>")` (and "crypto-<name>-all"
/// unless a fallback-needing one is excluded) again.
pub(crate) fn alg_mod_lookup(name: &[u8], ty: u32, mut mask: u32) -> Found {
    if (ty | mask) & CRYPTO_ALG_INTERNAL == 0 {
        mask |= CRYPTO_ALG_INTERNAL;
    }
    let ty = ty & !(CRYPTO_ALG_LARVAL | CRYPTO_ALG_DEAD);
    let mask = mask & !(CRYPTO_ALG_LARVAL | CRYPTO_ALG_DEAD);
    if let Some(f) = alg_lookup(name, ty, mask) {
        return f;
    }
    if mask & CRYPTO_NOLOAD == 0 {
        let n = String::from_utf8_lossy(name).into_owned();
        request_module(&format!("crypto-{n}"));
        if (ty ^ CRYPTO_ALG_NEED_FALLBACK) & mask & CRYPTO_ALG_NEED_FALLBACK == 0 {
            request_module(&format!("crypto-{n}-all"));
        }
        if let Some(f) = alg_lookup(name, ty, mask) {
            return f;
        }
    }
    // cryptomgr: a name of the form tmpl(args) is instantiated from its
    // template (loaded through crypto-<tmpl>), except for a vmlinux
    // template the host does not provide yet (VMLINUX_TEMPLATES).
    let tmpl_name: Vec<u8> = name.iter().copied().take_while(|&c| c != b'(').collect();
    if tmpl_name.len() < name.len() && !VMLINUX_TEMPLATES.contains(&tmpl_name.as_slice()) {
        match super::algapi::probe(name, ty, mask) {
            None => return Found::Err(ENOENT),
            // The template's create did not return (a trap or fault in
            // it, reported): the host has no answer.
            Some(Err(-14)) => return Found::Unknown,
            Some(Err(e)) if e != ENOENT => {
                crate::log::kernel_msg(
                    7,
                    &format!("crypto: instantiating {} failed ({e})", String::from_utf8_lossy(name)),
                );
                return Found::Err(ENOENT);
            }
            Some(Err(_)) => return Found::Err(ENOENT),
            Some(Ok(())) => {
                return alg_lookup(name, ty, mask).unwrap_or(Found::Err(ENOENT));
            }
        }
    }
    if MODULAR_ONLY.iter().any(|n| n.as_bytes() == name)
        || name.starts_with(b"drbg_pr_")
        || name.starts_with(b"drbg_nopr_")
    {
        // Neither vmlinux nor cryptomgr (no template in a plain name) has
        // one: Linux's larval gets no answer and the lookup is -ENOENT.
        return Found::Err(ENOENT);
    }
    if tmpl_name.len() == name.len() {
        // A plain name: only vmlinux's own algorithms could answer it.
        match vmlinux_alg_type(name) {
            // vmlinux has it, as another type than asked for: -ENOENT.
            Some(ts) if ts.iter().all(|t| (t ^ ty) & mask & CRYPTO_ALG_TYPE_MASK != 0) => {
                return Found::Err(ENOENT)
            }
            // vmlinux has it; the host does not provide it yet.
            Some(_) => return Found::Unknown,
            // Nobody has it.
            None => return Found::Err(ENOENT),
        }
    }
    Found::Unknown
}

/// The type of an algorithm vmlinux registers in Debian's build, by
/// algorithm or driver name (CONFIG_CRYPTO_AES, _MD5, _SHA1, _SHA256,
/// _RSA, _DH, _DEFLATE, _LZO, _NULL2 are =y; _DRBG is =m).
fn vmlinux_alg_type(name: &[u8]) -> Option<&'static [u32]> {
    let n = std::str::from_utf8(name).ok()?;
    let t: &[u32] = match n {
        "aes" | "aes-generic" | "cipher_null" | "cipher_null-generic" => &[CRYPTO_ALG_TYPE_CIPHER],
        "md5" | "md5-generic" | "sha1" | "sha1-generic" | "sha224" | "sha224-generic" | "sha256"
        | "sha256-generic" | "digest_null" | "digest_null-generic" => &[CRYPTO_ALG_TYPE_SHASH],
        "ecb-cipher_null" => &[CRYPTO_ALG_TYPE_SKCIPHER],
        "rsa" | "rsa-generic" => &[CRYPTO_ALG_TYPE_AKCIPHER],
        "dh" | "dh-generic" => &[CRYPTO_ALG_TYPE_KPP],
        // deflate and lzo are registered both as compressors and scomp.
        "deflate" | "lzo" => &[CRYPTO_ALG_TYPE_COMPRESS, CRYPTO_ALG_TYPE_SCOMPRESS],
        "deflate-generic" | "lzo-generic" | "compress_null" | "compress_null-generic" => &[CRYPTO_ALG_TYPE_COMPRESS],
        "deflate-scomp" | "lzo-scomp" => &[CRYPTO_ALG_TYPE_SCOMPRESS],
        _ => return None,
    };
    Some(t)
}

/// The templates vmlinux has in Debian's build that the host does not
/// provide yet: none (cbc, hmac and pkcs1pad are registered at boot:
/// [`super::boot`]).
const VMLINUX_TEMPLATES: &[&[u8]] = &[];

/// Algorithm and driver names that only modules provide in Debian's
/// build (CONFIG_CRYPTO_CRC32C, _CRC32C_INTEL, _CRC32, _CRC32_PCLMUL,
/// _CRCT10DIF, _CRCT10DIF_PCLMUL, _CRC64_ROCKSOFT, _SHA3, the rngs of
/// _DRBG (stdrng, drbg_*), _JITTERENTROPY and _ANSI_CPRNG are all =m):
/// when none is registered after the module requests, Linux answers
/// -ENOENT.
const MODULAR_ONLY: &[&str] = &[
    "crc32c",
    "crc32c-generic",
    "crc32c-intel",
    "crc32",
    "crc32-generic",
    "crc32-pclmul",
    "crct10dif",
    "crct10dif-generic",
    "crct10dif-pclmul",
    "crc64-rocksoft",
    "crc64-rocksoft-generic",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "sha3-224-generic",
    "sha3-256-generic",
    "sha3-384-generic",
    "sha3-512-generic",
    "stdrng",
    "jitterentropy_rng",
    "ansi_cprng",
    "fips_ansi_cprng",
    "fips(ansi_cprng)",
];

/// `request_module(name)` (waiting), as `__request_module` does it.
fn request_module(name: &str) {
    if name.len() < 56 {
        if let Some(h) = crate::request_module_handler() {
            h(name, true);
        }
    }
}

/// A frontend (`struct crypto_type`) as tfm allocation uses it.
pub(crate) struct Frontend {
    /// `.type`, `.maskclear`, `.maskset`.
    pub ty: u32,
    pub maskclear: u32,
    pub maskset: u32,
    /// `.tfmsize`: the bytes before the embedded `struct crypto_tfm`.
    pub tfmsize: u64,
    /// `.extsize(alg)`.
    pub extsize: fn(u64) -> u64,
    /// `.init_tfm(tfm)`.
    pub init_tfm: fn(u64) -> i32,
    /// Whether the host can set up a tfm of this algorithm for the
    /// frontend (false: the lookup has no answer from the host).
    pub host_answers: fn(u64) -> bool,
}

/// `crypto_find_alg(name, frontend, type, mask)`.
pub(crate) fn find_alg(name: &[u8], fe: &Frontend, ty: u32, mask: u32) -> Found {
    let ty = (ty & fe.maskclear) | fe.ty;
    let mask = (mask & fe.maskclear) | fe.maskset;
    alg_mod_lookup(name, ty, mask)
}

/// `crypto_alg_extsize(alg)`: the context size plus the part of the
/// alignment mask the tfm's own alignment does not give.
pub(crate) fn alg_extsize(alg: u64) -> u64 {
    let align = crate::layout::crypto_consts::CRYPTO_TFM_CTX_ALIGNMENT;
    rd32(alg + ca::cra_ctxsize) as u64 + (rd32(alg + ca::cra_alignmask) as u64 & !(align - 1))
}

crate::kfn! {
    /// `crypto_alg_extsize(alg)`.
    fn crypto_alg_extsize(alg: u64) -> u32 {
        alg_extsize(alg) as u32
    }
}

/// `crypto_create_tfm_node(alg, frontend, node)`: the frontend's object
/// with the `crypto_tfm` inside (refcount 1), the frontend's `init_tfm`,
/// then the algorithm's `cra_init` unless the frontend set an `exit`.
/// Returns the object or a negative errno; on failure the caller still
/// holds its reference on `alg`.
pub(crate) fn create_tfm(alg: u64, fe: &Frontend, node: i32) -> Result<u64, i32> {
    use crate::layout::crypto_tfm as t;
    let total = fe.tfmsize + t::SIZE + (fe.extsize)(alg);
    let mem = crate::drivers::base::kzalloc(total);
    if mem == 0 {
        return Err(ENOMEM);
    }
    let tfm = mem + fe.tfmsize;
    wr64(tfm + t::__crt_alg, alg);
    wr32(tfm + t::node, node as u32);
    wr32(tfm + t::refcnt, 1);
    let mut err = (fe.init_tfm)(tfm);
    if err == 0 {
        let init = rd64(alg + ca::cra_init);
        if rd64(tfm + t::exit) == 0 && init != 0 {
            err = crate::fault::call_module(init, [tfm, 0, 0, 0, 0, 0]).unwrap_or(0) as i32;
            if err != 0 {
                exit_ops(tfm);
            }
        }
    }
    if err != 0 {
        if err == -11 {
            crypto_shoot_alg(alg);
        }
        crate::drivers::base::kfree(mem);
        return Err(err);
    }
    Ok(mem)
}

/// `crypto_exit_ops(tfm)`: the frontend's `exit`, if it set one.
fn exit_ops(tfm: u64) {
    use crate::layout::crypto_tfm as t;
    let alg = rd64(tfm + t::__crt_alg);
    let exit = rd64(tfm + t::exit);
    if cra_type(alg) != 0 && exit != 0 {
        crate::fault::call_module(exit, [tfm, 0, 0, 0, 0, 0]);
    }
}

/// `crypto_alloc_tfm_node(name, frontend, type, mask, node)` for the
/// cases the host answers; None when it cannot (see [`Found::Unknown`]).
pub(crate) fn alloc_tfm(name: &[u8], fe: &Frontend, ty: u32, mask: u32, node: i32) -> Option<u64> {
    loop {
        let err = match find_alg(name, fe, ty, mask) {
            Found::Unknown => return None,
            Found::Err(e) => e,
            Found::Alg(alg) if !(fe.host_answers)(alg) => {
                crypto_mod_put(alg);
                return None;
            }
            Found::Alg(alg) => match create_tfm(alg, fe, node) {
                Ok(mem) => return Some(mem),
                Err(e) => {
                    crypto_mod_put(alg);
                    e
                }
            },
        };
        // -EAGAIN: the algorithm was shot; look again (no signal is ever
        // pending in the host).
        if err != -11 {
            return Some(err as i64 as u64);
        }
    }
}

crate::kfn! {
    /// `crypto_destroy_tfm(mem, tfm)`: drops a reference on the tfm; the
    /// last one runs the algorithm's `cra_exit` (or the frontend's exit),
    /// drops the algorithm and frees the object (zeroed first).
    fn crypto_destroy_tfm(mem: u64, tfm: u64) {
        use crate::layout::crypto_tfm as t;
        if crate::drivers::base::is_err_or_null(mem) {
            return;
        }
        // SAFETY: the tfm's refcount_t (an aligned atomic_t).
        let rc = unsafe { &*((tfm + t::refcnt) as *const std::sync::atomic::AtomicU32) };
        if rc.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) != 1 {
            return;
        }
        let alg = rd64(tfm + t::__crt_alg);
        let cra_exit = rd64(alg + ca::cra_exit);
        if rd64(tfm + t::exit) == 0 && cra_exit != 0 {
            crate::fault::call_module(cra_exit, [tfm, 0, 0, 0, 0, 0]);
        }
        exit_ops(tfm);
        crypto_mod_put(alg);
        // kfree_sensitive: the object (calloc'd by create_tfm) is zeroed,
        // then freed.
        // SAFETY: `mem` came from the C allocator; its usable size is ours.
        unsafe {
            let n = libc::malloc_usable_size(mem as *mut libc::c_void);
            std::ptr::write_bytes(mem as *mut u8, 0, n);
        }
        crate::drivers::base::kfree(mem);
    }
}

/// Ends the current module call as a call of `crypto_alg_mod_lookup`, the
/// (unimplemented) export behind every `crypto_alloc_*`, for what the host
/// cannot answer: the report names it, as for any unimplemented export.
/// (Should `crypto_alg_mod_lookup` ever be implemented, this still ends
/// the call — as a panic report — rather than answer for Linux.)
pub(crate) fn cannot_answer(caller: (u64, u64)) {
    match crate::unimplemented::functions()
        .iter()
        .position(|f| f == "crypto_alg_mod_lookup")
    {
        Some(index) => crate::fault::abandon(
            crate::fault::FaultKind::Unimplemented {
                index: index as u32,
            },
            caller.0,
            caller.1,
        ),
        None => {
            crate::log::kernel_msg(
                0,
                "crypto: a lookup the host cannot answer (crypto_alg_mod_lookup)",
            );
            crate::fault::abandon(crate::fault::FaultKind::Panic, caller.0, caller.1);
        }
    }
}

crate::kfn! {
    /// `crypto_req_done(req, err)`: the callback of a request a kernel user
    /// waits for (`req->data` is its `struct crypto_wait`): -EINPROGRESS (a
    /// backlogged request now being processed) is no completion; otherwise
    /// the result is stored and the waiter woken.
    fn crypto_req_done(req: u64, err: i32) {
        use crate::layout::{completion as cmp, crypto_async_request as creq};
        if err == -115 {
            return;
        }
        let wait = rd64(req + creq::data);
        crate::drivers::base::wr32(wait + cmp::SIZE, err as u32);
        crate::kernel::sched::complete(wait);
    }
}
