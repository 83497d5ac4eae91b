//! net/core/sock.c: `proto_register`, `proto_unregister`.
//!
//! With `alloc_slab`, the sock, request_sock and timewait caches are made
//! through the host's `kmem_cache_create_usercopy`/`kmem_cache_create`
//! exports (mm/), named as Linux names them (`request_sock_<name>`,
//! `tw_sock_<name>`). Each protocol gets the first free `inuse_idx` of
//! `PROTO_INUSE_NR` and goes first in `proto_list`; Debian 6.1's 17 built-in protocols (the QEMU capture's
//! /proc/net/protocols) hold the first 17. /proc/net/protocols itself is
//! not modelled.

use std::sync::Mutex;

use crate::fs::hostobj::{cbytes, get64, put64};
use crate::layout::{proto as l, request_sock_ops as r_l, timewait_sock_ops as t_l};

const EINVAL: i32 = 22;
const ENOBUFS: i32 = 105;
const ENOSPC: i32 = 28;
const NR: u32 = crate::layout::net_consts::PROTO_INUSE_NR as u32;
const BUILTIN_PROTOS: u32 = 17;
const SLAB_HWCACHE_ALIGN: u64 = 0x2000;
const SLAB_ACCOUNT: u64 = 0x0400_0000;

static PROTOS: Mutex<Vec<(u64, u32)>> = Mutex::new(Vec::new());

fn vm(name: &str) -> u64 {
    crate::vmlinux::get().and_then(|v| v.symbol(name)).unwrap_or(0)
}

fn cache_create(name: u64, size: u32, flags: u64) -> u64 {
    type F = extern "C" fn(u64, u32, u32, u64, u64) -> u64;
    let f = vm("kmem_cache_create");
    // SAFETY: the vmlinux stub of kmem_cache_create (name, size, align,
    // flags, ctor).
    let f: F = unsafe { std::mem::transmute::<u64, F>(f) };
    f(name, size, 0, flags, 0)
}

fn cache_create_usercopy(name: u64, size: u32, flags: u64, uoff: u32, usize_: u32) -> u64 {
    type F = extern "C" fn(u64, u32, u32, u64, u32, u32, u64) -> u64;
    let f = vm("kmem_cache_create_usercopy");
    // SAFETY: the vmlinux stub of kmem_cache_create_usercopy (seven
    // arguments, the last on the stack).
    let f: F = unsafe { std::mem::transmute::<u64, F>(f) };
    f(name, size, 0, flags, uoff, usize_, 0)
}

fn cache_destroy(c: u64) {
    if c == 0 {
        return;
    }
    type F = extern "C" fn(u64);
    // SAFETY: the vmlinux stub of kmem_cache_destroy.
    let f: F = unsafe { std::mem::transmute::<u64, F>(vm("kmem_cache_destroy")) };
    f(c)
}

/// `kasprintf`-like: a C string from the C allocator (kfree-able).
fn kstr(s: &str) -> u64 {
    // SAFETY: malloc of len + 1 bytes, filled below.
    let p = unsafe { libc::malloc(s.len() + 1) } as u64;
    if p != 0 {
        // SAFETY: p has s.len() + 1 bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), p as *mut u8, s.len());
            *((p + s.len() as u64) as *mut u8) = 0;
        }
    }
    p
}

fn kfree(p: u64) {
    // SAFETY: a kstr string (or NULL).
    unsafe { libc::free(p as *mut libc::c_void) }
}

fn u32_at(a: u64) -> u32 {
    // SAFETY: a u32 field of a module object.
    unsafe { (a as *const u32).read_unaligned() }
}

crate::kfn! {
    /// `proto_register(prot, alloc_slab)`: 0, -EINVAL (memory accounting
    /// without sysctl_mem/per_cpu_fw_alloc), -ENOBUFS (a cache could not be
    /// made) or -ENOSPC (no inuse index).
    fn proto_register(prot: u64, alloc_slab: i32) -> i32 {
        // SAFETY: the module's struct proto (and the ops it points at).
        unsafe {
            // name is char[32], inline
            let name = String::from_utf8_lossy(&cbytes(prot + l::name)).into_owned();
            if get64(prot + l::memory_allocated) != 0 && get64(prot + l::sysctl_mem) == 0 {
                crate::log::kernel_msg(3, &format!("{name}: missing sysctl_mem"));
                return -EINVAL;
            }
            if get64(prot + l::memory_allocated) != 0 && get64(prot + l::per_cpu_fw_alloc) == 0 {
                crate::log::kernel_msg(3, &format!("{name}: missing per_cpu_fw_alloc"));
                return -EINVAL;
            }
            let sflags = u64::from(u32_at(prot + l::slab_flags));
            let mut made: Vec<u64> = Vec::new();
            if alloc_slab != 0 {
                let slab = cache_create_usercopy(
                    prot + l::name,
                    u32_at(prot + l::obj_size),
                    SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT | sflags,
                    u32_at(prot + l::useroffset),
                    u32_at(prot + l::usersize),
                );
                put64(prot + l::slab, slab);
                if slab == 0 {
                    crate::log::kernel_msg(2, &format!("{name}: Can't create sock SLAB cache!"));
                    return -ENOBUFS;
                }
                let rsk = get64(prot + l::rsk_prot);
                if rsk != 0 {
                    let n = kstr(&format!("request_sock_{name}"));
                    put64(rsk + r_l::slab_name, n);
                    let c = cache_create(n, u32_at(rsk + r_l::obj_size), SLAB_ACCOUNT | sflags);
                    put64(rsk + r_l::slab, c);
                    if c == 0 {
                        crate::log::kernel_msg(2, &format!("{name}: Can't create request sock SLAB cache!"));
                        kfree(n);
                        put64(rsk + r_l::slab_name, 0);
                        cache_destroy(slab);
                        put64(prot + l::slab, 0);
                        return -ENOBUFS;
                    }
                    made.push(c);
                }
                let tw = get64(prot + l::twsk_prot);
                if tw != 0 {
                    let n = kstr(&format!("tw_sock_{name}"));
                    put64(tw + t_l::twsk_slab_name, n);
                    let c = cache_create(n, u32_at(tw + t_l::twsk_obj_size), SLAB_ACCOUNT | sflags);
                    put64(tw + t_l::twsk_slab, c);
                    if c == 0 {
                        kfree(n);
                        for m in made {
                            cache_destroy(m);
                        }
                        cache_destroy(slab);
                        put64(prot + l::slab, 0);
                        return -ENOBUFS;
                    }
                }
            }
            let mut v = PROTOS.lock().unwrap_or_else(|e| e.into_inner());
            let idx = (BUILTIN_PROTOS..NR).find(|i| !v.iter().any(|&(_, x)| x == *i)).unwrap_or(NR - 1);
            ((prot + l::inuse_idx) as *mut u32).write_unaligned(idx);
            if idx == NR - 1 {
                crate::log::kernel_msg(3, "PROTO_INUSE_NR exhausted");
                drop(v);
                proto_unregister_caches(prot);
                return -ENOSPC;
            }
            v.push((prot, idx));
            relink(&v, 0, 0);
            0
        }
    }
}

/// `proto_list`: `list_add` puts each new protocol first.
fn relink(v: &[(u64, u32)], start: u64, end: u64) {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let head = *H.get_or_init(crate::net::list::new_head);
    let m: Vec<u64> = v.iter().rev().map(|&(p, _)| p + l::node).collect();
    crate::net::list::relink(head, &m, start, end);
}

fn proto_unregister_caches(prot: u64) {
    // SAFETY: the module's struct proto and its ops.
    unsafe {
        cache_destroy(get64(prot + l::slab));
        put64(prot + l::slab, 0);
        let rsk = get64(prot + l::rsk_prot);
        if rsk != 0 {
            kfree(get64(rsk + r_l::slab_name));
            put64(rsk + r_l::slab_name, 0);
            cache_destroy(get64(rsk + r_l::slab));
            put64(rsk + r_l::slab, 0);
        }
        let tw = get64(prot + l::twsk_prot);
        if tw != 0 && get64(tw + t_l::twsk_slab) != 0 {
            cache_destroy(get64(tw + t_l::twsk_slab));
            kfree(get64(tw + t_l::twsk_slab_name));
            put64(tw + t_l::twsk_slab, 0);
        }
    }
}

crate::kfn! {
    /// `proto_unregister(prot)`: releases the index and the caches.
    fn proto_unregister(prot: u64) {
        {
            let mut v = PROTOS.lock().unwrap_or_else(|e| e.into_inner());
            if v.iter().any(|&(p, _)| p == prot) {
                v.retain(|&(p, _)| p != prot);
                crate::net::list::poison(prot + l::node);
                relink(&v, 0, 0);
            }
        }
        proto_unregister_caches(prot);
    }
}

fn purge(start: u64, end: u64) {
    let mut v = PROTOS.lock().unwrap_or_else(|e| e.into_inner());
    v.retain(|&(p, _)| !(p >= start && p < end));
    relink(&v, start, end);
}
crate::purge_on_module_free!(purge);
