//! net/ipv4/tcp_ulp.c: TCP upper-layer protocols (`tcp_register_ulp`,
//! `tcp_unregister_ulp`, `tcp_ulp_list`) and
//! `/proc/sys/net/ipv4/tcp_available_ulp`.
//!
//! Debian 6.1 builds MPTCP in (`CONFIG_MPTCP=y`), whose subflow ULP
//! "mptcp" is on the list from boot; TLS, SMC, espintcp are modules or
//! absent. Names are unique (-EEXIST); new ones go at the tail. ULPs are
//! attached to sockets by setsockopt(TCP_ULP) from user space, which the
//! host never receives.

use std::sync::Mutex;

use crate::layout::tcp_ulp_ops as l;
use crate::net::list;

const EEXIST: i32 = 17;
const NAME_MAX: usize = crate::layout::net_consts::TCP_ULP_NAME_MAX as usize;

#[derive(Clone, Copy, PartialEq)]
enum Ulp {
    Builtin(&'static str),
    Module(u64),
}

static LIST: Mutex<Option<Vec<Ulp>>> = Mutex::new(None);

fn name_of(u: &Ulp) -> Vec<u8> {
    match u {
        Ulp::Builtin(n) => n.as_bytes().to_vec(),
        Ulp::Module(p) => {
            // SAFETY: a registered tcp_ulp_ops: name is char[TCP_ULP_NAME_MAX].
            let raw = unsafe { std::slice::from_raw_parts((p + l::name) as *const u8, NAME_MAX) };
            raw[..raw.iter().position(|&c| c == 0).unwrap_or(NAME_MAX)].to_vec()
        }
    }
}

fn with<R>(f: impl FnOnce(&mut Vec<Ulp>) -> R) -> R {
    let mut g = LIST.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| vec![Ulp::Builtin("mptcp")]))
}

/// Boot: the view.
pub(crate) fn init() {
    crate::fs::kernfs::add_file("/proc/sys/net/ipv4/tcp_available_ulp", available);
}

/// `tcp_get_available_ulp` as the sysctl shows it.
fn available() -> Vec<u8> {
    with(|v| {
        let mut out = v
            .iter()
            .map(|u| String::from_utf8_lossy(&name_of(u)).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        out.push('\n');
        out.into_bytes()
    })
}

fn head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn relink(v: &[Ulp], start: u64, end: u64) {
    let m: Vec<u64> = v
        .iter()
        .filter_map(|u| match u {
            Ulp::Module(p) => Some(p + l::list),
            Ulp::Builtin(_) => None,
        })
        .collect();
    list::relink(head(), &m, start, end);
}

crate::kfn! {
    /// `tcp_register_ulp(ulp)`: 0, or -EEXIST for a name in use.
    fn tcp_register_ulp(ulp: u64) -> i32 {
        let name = name_of(&Ulp::Module(ulp));
        with(|v| {
            if v.iter().any(|u| name_of(u) == name) {
                return -EEXIST;
            }
            v.push(Ulp::Module(ulp));
            relink(v, 0, 0);
            0
        })
    }
}

crate::kfn! {
    /// `tcp_unregister_ulp(ulp)`: `list_del_rcu`, then waits for readers.
    fn tcp_unregister_ulp(ulp: u64) {
        with(|v| {
            v.retain(|u| *u != Ulp::Module(ulp));
            relink(v, 0, 0);
            // list_del_rcu poisons prev only
            // SAFETY: the module's tcp_ulp_ops.list.
            unsafe { crate::fs::hostobj::put64(ulp + l::list + 8, list::LIST_POISON2) };
        });
        crate::net::xfrm::synchronize_rcu();
    }
}

fn purge(start: u64, end: u64) {
    with(|v| {
        let before = v.len();
        v.retain(|u| !matches!(u, Ulp::Module(p) if *p >= start && *p < end));
        if v.len() != before {
            relink(v, start, end);
        }
    })
}
crate::purge_on_module_free!(purge);
