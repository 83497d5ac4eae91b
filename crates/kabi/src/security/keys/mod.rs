//! security/keys/: the kernel's key retention service, as modules use it
//! to keep keys of their own: `keyring_alloc` (a keyring not linked
//! anywhere), `key_create_or_update` into it, `key_put`, `key_revoke`,
//! `key_invalidate`. `struct key` is a real object laid out as Debian's
//! headers say (modules read `key->description`, `key->serial`,
//! `key->payload` and take `key->sem`); the host keeps each key's links
//! and type beside it.
//!
//! Key types: `keyring` and `asymmetric` (X.509 certificates, parsed as
//! crypto/asymmetric_keys/x509_cert_parser.c does to name the key). A
//! type the host does not provide fails the call with -ENODEV, as an
//! unregistered type does on Linux.

mod x509;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use crate::layout::key as kl;

const ENOMEM: i64 = -12;
const ENODEV: i64 = -19;
const EINVAL: i64 = -22;
const ENOTDIR: i64 = -20;
const EKEYREVOKED: i64 = -128;

const KEY_FLAG_REVOKED: u64 = 1;
const KEY_FLAG_IN_QUOTA: u64 = 2;
const KEY_FLAG_INVALIDATED: u64 = 5;
const KEY_FLAG_BUILTIN: u64 = 6;
const KEY_FLAG_KEEP: u64 = 8;
const KEY_ALLOC_NOT_IN_QUOTA: u64 = 0x2;
const KEY_ALLOC_BUILT_IN: u64 = 0x4;
const KEY_ALLOC_SET_KEEP: u64 = 0x20;
/// KEY_IS_POSITIVE.
const KEY_IS_POSITIVE: i16 = 1;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Type {
    Keyring,
    Asymmetric,
}

impl Type {
    fn symbol(self) -> &'static str {
        match self {
            Type::Keyring => "key_type_keyring",
            Type::Asymmetric => "key_type_asymmetric",
        }
    }
}

struct Key {
    ty: Type,
    description: String,
    /// A keyring's links (keys it holds a reference on).
    links: Vec<u64>,
}

/// Every live key: address → what the host keeps for it.
static KEYS: Mutex<Option<HashMap<u64, Key>>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut HashMap<u64, Key>) -> R) -> R {
    let mut g = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(HashMap::new))
}

fn usage<'a>(key: u64) -> &'a AtomicI32 {
    // SAFETY: refcount_t usage of one of the host's struct keys.
    unsafe { &*((key + kl::usage) as *const AtomicI32) }
}
fn wr<T>(p: u64, v: T) {
    // SAFETY: a field of one of the host's struct keys.
    unsafe { (p as *mut T).write_unaligned(v) }
}
fn rd64(p: u64) -> u64 {
    // SAFETY: a field of one of the host's struct keys.
    unsafe { (p as *const u64).read_volatile() }
}
fn set_flag(key: u64, bit: u64) {
    // SAFETY: unsigned long flags of one of the host's keys (atomic bitops).
    let f = unsafe { &*((key + kl::flags) as *const std::sync::atomic::AtomicU64) };
    f.fetch_or(1 << bit, Ordering::SeqCst);
}

// The `struct key_type` of each type: the host's data object of that name.
crate::export_data!("key_type_keyring", size crate::layout::key_type::SIZE, align 8, init = init_type_keyring);
crate::export_data!("key_type_asymmetric", size crate::layout::key_type::SIZE, align 8, init = init_type_asymmetric);

fn init_type(addr: u64, name: &'static [u8]) {
    // SAFETY: the host's fresh struct key_type; `name` points at static bytes.
    unsafe { ((addr + crate::layout::key_type::name) as *mut u64).write(name.as_ptr() as u64) };
}
fn init_type_keyring(addr: u64, _b: &crate::vmlinux::Builder) {
    init_type(addr, b"keyring\0")
}
fn init_type_asymmetric(addr: u64, _b: &crate::vmlinux::Builder) {
    init_type(addr, b"asymmetric\0")
}

fn type_addr(t: Type) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(t.symbol()))
        .unwrap_or(0)
}

/// key_alloc_serial: a random serial number ≥ 3, unique.
fn new_serial(keys: &HashMap<u64, Key>) -> i32 {
    loop {
        let s = (crate::lib_::random::get_random_u32() >> 1) as i32;
        // SAFETY: serial field of live host keys.
        if s >= 3
            && !keys
                .keys()
                .any(|&k| unsafe { ((k + kl::serial) as *const i32).read() } == s)
        {
            return s;
        }
    }
}

/// key_alloc + instantiation: a new positive key with one reference.
fn alloc(ty: Type, desc: &str, uid: u32, gid: u32, perm: u32, flags: u64) -> i64 {
    let k = crate::mm::slab::kmalloc_bytes(kl::SIZE as usize, 0);
    let d = crate::mm::slab::kmalloc_bytes(desc.len() + 1, 0);
    if k == 0 || d == 0 {
        crate::mm::slab::kfree_addr(k);
        crate::mm::slab::kfree_addr(d);
        return ENOMEM;
    }
    // SAFETY: the fresh allocations, of these sizes.
    unsafe {
        std::ptr::write_bytes(k as *mut u8, 0, kl::SIZE as usize);
        std::ptr::copy_nonoverlapping(desc.as_ptr(), d as *mut u8, desc.len());
        ((d + desc.len() as u64) as *mut u8).write(0);
    }
    crate::kernel::locking::rwsem::__init_rwsem(k + kl::sem, 0, 0);
    usage(k).store(1, Ordering::SeqCst);
    wr(k + kl::uid, uid);
    wr(k + kl::gid, gid);
    wr(k + kl::perm, perm);
    wr(k + kl::state, KEY_IS_POSITIVE);
    wr(k + kl::r#type, type_addr(ty));
    wr(k + kl::description, d);
    if flags & KEY_ALLOC_NOT_IN_QUOTA == 0 {
        set_flag(k, KEY_FLAG_IN_QUOTA);
    }
    if flags & KEY_ALLOC_BUILT_IN != 0 {
        set_flag(k, KEY_FLAG_BUILTIN);
    }
    if flags & KEY_ALLOC_SET_KEEP != 0 {
        set_flag(k, KEY_FLAG_KEEP);
    }
    with(|keys| {
        let s = new_serial(keys);
        wr(k + kl::serial, s);
        keys.insert(
            k,
            Key {
                ty,
                description: desc.to_string(),
                links: Vec::new(),
            },
        );
    });
    k as i64
}

/// The last reference went: the key and, for a keyring, its links.
fn destroy(key: u64) {
    let Some(k) = with(|keys| keys.remove(&key)) else {
        return;
    };
    for l in k.links {
        key_put(l);
    }
    crate::mm::slab::kfree_addr(rd64(key + kl::description));
    crate::mm::slab::kfree_addr(key);
}

crate::kfn! {
    /// `void key_put(key)`: drops a reference; the last one destroys the key
    /// (Linux's garbage collector does it a moment later).
    fn key_put(key: u64) {
        if key == 0 || !with(|keys| keys.contains_key(&key)) {
            return;
        }
        if usage(key).fetch_sub(1, Ordering::SeqCst) == 1 {
            destroy(key);
        }
    }
}

/// `struct key *keyring_alloc(description, uid, gid, cred, perm, flags,
/// restrict_link, dest)`: a new empty keyring (linked into `dest` if
/// given), or ERR_PTR. Eight arguments: the last two on the stack.
extern "C" fn keyring_alloc(regs: *const u64, stack: *const u64) -> i64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 8) };
    let (desc, uid, gid, perm, flags, dest) = (
        a.arg(0),
        a.arg(1) as u32,
        a.arg(2) as u32,
        a.arg(4) as u32,
        a.arg(5),
        a.arg(7),
    );
    let d = if desc == 0 {
        String::new()
    } else {
        crate::fs::hostobj::cstr(desc)
    };
    let k = alloc(Type::Keyring, &d, uid, gid, perm, flags);
    if k > 0 && dest != 0 {
        let r = link(dest, k as u64);
        if r < 0 {
            key_put(k as u64);
            return r;
        }
    }
    k
}
crate::export_variadic!("keyring_alloc" => keyring_alloc);

/// __key_link: the keyring takes a reference on the key, replacing a key
/// of the same type and description.
fn link(keyring: u64, key: u64) -> i64 {
    let old = with(|keys| {
        let (ty, desc) = match keys.get(&key) {
            Some(k) => (k.ty, k.description.clone()),
            None => return Err(EINVAL),
        };
        let same: Vec<u64> = match keys.get(&keyring) {
            Some(r) if r.ty == Type::Keyring => r
                .links
                .iter()
                .copied()
                .filter(|l| {
                    keys.get(l)
                        .is_some_and(|x| x.ty == ty && x.description == desc)
                })
                .collect(),
            Some(_) => return Err(ENOTDIR),
            None => return Err(EINVAL),
        };
        let r = keys.get_mut(&keyring).ok_or(EINVAL)?;
        r.links.retain(|l| !same.contains(l));
        r.links.push(key);
        Ok(same)
    });
    match old {
        Ok(old) => {
            usage(key).fetch_add(1, Ordering::SeqCst);
            for o in old {
                key_put(o);
            }
            0
        }
        Err(e) => e,
    }
}

/// `key_ref_t key_create_or_update(keyring_ref, type, description,
/// payload, plen, perm, flags)`: a new key of the type from the payload,
/// linked into the keyring (replacing one of the same description); the
/// key with the possession bit of the keyring reference, or ERR_PTR
/// (-ENODEV for a type the host does not provide, -EBADMSG/-ENOPKG for a
/// certificate it cannot parse, -ENOTDIR when the target is not a
/// keyring, -EKEYREVOKED). Seven arguments: flags on the stack.
extern "C" fn key_create_or_update_va(regs: *const u64, stack: *const u64) -> i64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 7) };
    key_create_or_update(
        a.arg(0),
        a.arg(1),
        a.arg(2),
        a.arg(3),
        a.arg(4) as usize,
        a.arg(5) as u32,
        a.arg(6),
    )
}
crate::export_variadic!("key_create_or_update" => key_create_or_update_va);

fn key_create_or_update(
    keyring_ref: u64,
    ty: u64,
    desc: u64,
    payload: u64,
    plen: usize,
    perm: u32,
    flags: u64,
) -> i64 {
    let keyring = keyring_ref & !1;
    let t = crate::fs::hostobj::cstr(ty);
    let kind = match t.as_str() {
        "asymmetric" => Type::Asymmetric,
        "keyring" => Type::Keyring,
        _ => return ENODEV,
    };
    match with(|keys| keys.get(&keyring).map(|k| k.ty)) {
        Some(Type::Keyring) => {}
        Some(_) => return ENOTDIR,
        None => return EINVAL,
    }
    // SAFETY: flags of the live keyring.
    if rd64(keyring + kl::flags) & (1 << KEY_FLAG_REVOKED) != 0 {
        return EKEYREVOKED;
    }
    let description = match kind {
        Type::Asymmetric => {
            if payload == 0 || plen == 0 {
                return EINVAL;
            }
            // SAFETY: the caller's payload of plen bytes.
            let data = unsafe { std::slice::from_raw_parts(payload as *const u8, plen) };
            match x509::key_description(data) {
                Ok(d) => {
                    if desc != 0 {
                        crate::fs::hostobj::cstr(desc)
                    } else {
                        d
                    }
                }
                Err(e) => return e as i64,
            }
        }
        Type::Keyring => {
            if desc == 0 {
                return EINVAL;
            }
            crate::fs::hostobj::cstr(desc)
        }
    };
    // SAFETY: uid/gid of the live keyring (a new key is owned as the caller's
    // credentials say; the host's tasks are root).
    let k = alloc(kind, &description, 0, 0, perm, flags);
    if k < 0 {
        return k;
    }
    let r = link(keyring, k as u64);
    if r < 0 {
        key_put(k as u64);
        return r;
    }
    k | (keyring_ref & 1) as i64
}

crate::kfn! {
    /// `void key_revoke(key)`: marks the key revoked.
    fn key_revoke(key: u64) {
        if with(|keys| keys.contains_key(&key)) {
            set_flag(key, KEY_FLAG_REVOKED);
        }
    }
}

crate::kfn! {
    /// `void key_invalidate(key)`: marks the key invalidated.
    fn key_invalidate(key: u64) {
        if with(|keys| keys.contains_key(&key)) {
            set_flag(key, KEY_FLAG_INVALIDATED);
        }
    }
}

/// The keys of a keyring, by description (for tests and views).
pub fn keyring_descriptions(keyring: u64) -> Vec<String> {
    with(|keys| {
        keys.get(&keyring)
            .map(|r| {
                r.links
                    .iter()
                    .filter_map(|l| keys.get(l).map(|k| k.description.clone()))
                    .collect()
            })
            .unwrap_or_default()
    })
}
