//! kernel/nsproxy.c and kernel/utsname.c: the host's namespaces.
//!
//! The host has one namespace of each kind, as a Linux system where no
//! process ever unshared: `init_nsproxy` (not exported; every host task's
//! `nsproxy` points at it) names `init_uts_ns`, `init_net` and
//! `init_pid_ns`; the IPC, mount, time and cgroup namespaces are not
//! modelled (NULL, so a module that follows one faults there and the
//! report names the address).
//!
//! `init_uts_ns.name` is what `uname` shows on Linux: "Linux", this
//! machine's node name, the host kernel's release and version, "x86_64",
//! and "(none)" as domain name until someone sets one.

use std::sync::OnceLock;

use crate::layout::{new_utsname as un, ns_common as nc, nsproxy as np, uts_namespace as uts};

fn put_str(at: u64, field_len: u64, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(field_len as usize - 1);
    // SAFETY: a char[field_len] field of init_uts_ns.name (vmlinux data).
    unsafe {
        std::ptr::copy_nonoverlapping(b.as_ptr(), at as *mut u8, n);
        (at as *mut u8).add(n).write(0);
    }
}

/// `__NEW_UTS_LEN + 1`.
const UTS_FIELD: u64 = 65;

fn node_name() -> String {
    // SAFETY: utsname is plain data; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: a valid out-pointer.
    if unsafe { libc::uname(&mut u) } != 0 {
        return "(none)".into();
    }
    // SAFETY: uname NUL-terminates nodename.
    unsafe { std::ffi::CStr::from_ptr(u.nodename.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

fn setup_init_uts_ns(ns: u64, b: &crate::vmlinux::Builder) {
    let name = ns + uts::name;
    put_str(name + un::sysname, UTS_FIELD, "Linux");
    put_str(name + un::nodename, UTS_FIELD, &node_name());
    put_str(name + un::machine, UTS_FIELD, "x86_64");
    put_str(name + un::domainname, UTS_FIELD, "(none)");
    // SAFETY: fields of init_uts_ns (vmlinux data, being set up).
    unsafe {
        if let Some(u) = b.symbol("init_user_ns") {
            ((ns + uts::user_ns) as *mut u64).write(u);
        }
        ((ns + uts::ns + nc::inum) as *mut u32).write(crate::layout::misc::PROC_UTS_INIT_INO as u32);
        // REFCOUNT_INIT(2), as kernel/utsname.c's init_uts_ns.
        ((ns + uts::ns + nc::count) as *mut u32).write(2);
    }
}
crate::export_data!("init_uts_ns", size uts::SIZE, align 64, init = setup_init_uts_ns);

/// Sets the release and version `uname` reports (the host kernel's, from
/// its ABI profile): called when a host kernel boots.
pub fn set_utsname(release: &str, version: &str) {
    let Some(ns) = crate::vmlinux::get().and_then(|v| v.symbol("init_uts_ns")) else {
        return;
    };
    put_str(ns + uts::name + un::release, UTS_FIELD, release);
    put_str(ns + uts::name + un::version, UTS_FIELD, version);
}

/// `&init_nsproxy` (0 before the image is booted).
pub fn init_nsproxy() -> u64 {
    static NSPROXY: OnceLock<u64> = OnceLock::new();
    let Some(v) = crate::vmlinux::get() else {
        return 0;
    };
    *NSPROXY.get_or_init(|| {
        let obj: &'static mut [u64] = Box::leak(vec![0u64; (np::SIZE as usize).div_ceil(8)].into_boxed_slice());
        let p = obj.as_mut_ptr() as u64;
        let sym = |n: &str| v.symbol(n).unwrap_or(0);
        // SAFETY: the fresh nsproxy object above.
        unsafe {
            // refcount_t count = 1
            ((p + np::count) as *mut u32).write(1);
            ((p + np::uts_ns) as *mut u64).write(sym("init_uts_ns"));
            ((p + np::pid_ns_for_children) as *mut u64).write(sym("init_pid_ns"));
            ((p + np::net_ns) as *mut u64).write(sym("init_net"));
        }
        p
    })
}
