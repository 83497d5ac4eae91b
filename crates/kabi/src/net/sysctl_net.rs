//! net/sysctl_net.c: `register_net_sysctl`, `unregister_net_sysctl_table`.
//!
//! A namespace's sysctls are a set of their own (`net->sysctls`) that
//! /proc/sys/net shows to the namespace's processes; the host has one
//! namespace, `init_net`, whose set is what /proc/sys shows, so a
//! registration is fs/proc/proc_sysctl.rs's `register_sysctl(path,
//! table)` (the same `__register_sysctl_table`: a path, a table of files).
//! `ensure_safe_net_sysctl`, which Linux runs for other namespaces only,
//! has nothing to check.

fn vm(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

crate::kfn! {
    /// `register_net_sysctl(net, path, table)`: the table's files under
    /// /proc/sys/`path` for `net`; a header, or NULL (a duplicate entry, or
    /// a namespace that is not the host's).
    fn register_net_sysctl(net: u64, path: u64, table: u64) -> u64 {
        if net != crate::net::core::net_namespace::init_net() {
            crate::log::kernel_msg(3, &format!("register_net_sysctl: {net:#x} is not a network namespace of the host"));
            return 0;
        }
        let f = vm("register_sysctl");
        if f == 0 {
            return 0;
        }
        type F = extern "C" fn(u64, u64) -> u64;
        // SAFETY: the vmlinux stub of the host's register_sysctl (path, table).
        let f: F = unsafe { std::mem::transmute::<u64, F>(f) };
        f(path, table)
    }
}

crate::kfn! {
    /// `unregister_net_sysctl_table(header)`: `unregister_sysctl_table`.
    fn unregister_net_sysctl_table(header: u64) {
        let f = vm("unregister_sysctl_table");
        if f != 0 {
            type F = extern "C" fn(u64);
            // SAFETY: the vmlinux stub of the host's unregister_sysctl_table.
            let f: F = unsafe { std::mem::transmute::<u64, F>(f) };
            f(header);
        }
    }
}
