//! net/core/sock_diag.c: the socket-diagnostics handler table
//! (`sock_diag_register`/`sock_diag_unregister`, one handler per address
//! family) and the inet compatibility hook
//! (`sock_diag_register_inet_compat`/`sock_diag_unregister_inet_compat`).
//!
//! Debian 6.1 builds every handler as a module (inet_diag, unix_diag,
//! af_packet_diag, netlink_diag, vsock_diag, ...), so the table starts
//! empty. The handlers are called for NETLINK_SOCK_DIAG requests, which
//! only user space sends: the host, having no user-space sockets, never
//! calls them. Linux shows the table nowhere.

use std::sync::Mutex;

use crate::layout::sock_diag_handler as l;

const EINVAL: i32 = 22;
const EBUSY: i32 = 16;
/// `AF_MAX`.
const AF_MAX: u8 = crate::layout::net_consts::AF_MAX as u8;

struct Diag {
    handlers: [u64; AF_MAX as usize],
    inet_compat: u64,
}

static TABLE: Mutex<Diag> = Mutex::new(Diag {
    handlers: [0; AF_MAX as usize],
    inet_compat: 0,
});

fn family(h: u64) -> u8 {
    // SAFETY: the module's struct sock_diag_handler.
    unsafe { *((h + l::family) as *const u8) }
}

crate::kfn! {
    /// `sock_diag_register(hndl)`: 0, -EINVAL for a family at or above
    /// AF_MAX, -EBUSY when the family has a handler.
    fn sock_diag_register(h: u64) -> i32 {
        let f = family(h);
        if f >= AF_MAX {
            return -EINVAL;
        }
        let mut t = TABLE.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut t.handlers[f as usize];
        if *slot != 0 {
            return -EBUSY;
        }
        *slot = h;
        0
    }
}

crate::kfn! {
    /// `sock_diag_unregister(hnld)`: empties the family's slot. Linux
    /// BUG()s when the slot holds another handler; the host logs it and
    /// leaves the slot.
    fn sock_diag_unregister(h: u64) {
        let f = family(h);
        if f >= AF_MAX {
            return;
        }
        let mut t = TABLE.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut t.handlers[f as usize];
        if *slot != h {
            drop(t);
            crate::log::kernel_msg(0, &format!("kernel BUG: sock_diag_unregister: family {f} has another handler"));
            return;
        }
        *slot = 0;
    }
}

crate::kfn! {
    /// `sock_diag_register_inet_compat(ptr)`: the TCPDIAG/DCCPDIAG handler
    /// (Debian's 6.1.192 passes a `struct sock_diag_inet_compat`).
    fn sock_diag_register_inet_compat(f: u64) {
        TABLE.lock().unwrap_or_else(|e| e.into_inner()).inet_compat = f;
    }
}

crate::kfn! {
    /// `sock_diag_unregister_inet_compat(ptr)`: clears it (whatever `ptr` is).
    fn sock_diag_unregister_inet_compat(f: u64) {
        let _ = f;
        TABLE.lock().unwrap_or_else(|e| e.into_inner()).inet_compat = 0;
    }
}

/// The registered handlers' families (tests).
pub fn families() -> Vec<u8> {
    let t = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    (0..AF_MAX)
        .filter(|&f| t.handlers[f as usize] != 0)
        .collect()
}

fn purge(start: u64, end: u64) {
    let mut t = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    for h in t.handlers.iter_mut() {
        if *h >= start && *h < end {
            *h = 0;
        }
    }
    if t.inet_compat >= start && t.inet_compat < end {
        t.inet_compat = 0;
    }
}
crate::purge_on_module_free!(purge);
