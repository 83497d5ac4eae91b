//! drivers/connector/connector.c (`CONFIG_CONNECTOR=y`): `cn_add_callback`,
//! `cn_del_callback` and `/proc/net/connector`. (It lives under net/ here
//! because the connector is netlink plumbing owned with the rest of the
//! networking registrations.)
//!
//! At boot Debian 6.1's connector holds cn_proc's callback (`CONFIG_PROC_EVENTS=y`,
//! id 1:1); the QEMU capture lists /proc/net/connector.

use std::sync::Mutex;

use crate::fs::hostobj::cbytes;
use crate::layout::cb_id as l;

const EINVAL: i32 = 22;
/// `CN_CBQ_NAMELEN`.
const NAMELEN: usize = 32;

struct Cb {
    name: Vec<u8>,
    idx: u32,
    val: u32,
    /// The module's callback (0 for the built-in one).
    callback: u64,
}

static QUEUE: Mutex<Option<Vec<Cb>>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Vec<Cb>) -> R) -> R {
    let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    f(q.get_or_insert_with(|| {
        vec![Cb {
            name: b"cn_proc".to_vec(),
            idx: 1,
            val: 1,
            callback: 0,
        }]
    }))
}

fn proc_connector() -> Vec<u8> {
    with(|q| {
        let mut out = String::from("Name            ID\n");
        for c in q.iter() {
            out.push_str(&format!("{:<15} {}:{}\n", String::from_utf8_lossy(&c.name), c.idx, c.val));
        }
        out.into_bytes()
    })
}

/// Makes `/proc/net/connector` exist (boot).
pub fn init() {
    with(|_| ());
    crate::fs::kernfs::add_file("/proc/net/connector", proc_connector);
}

fn id_of(id: u64) -> (u32, u32) {
    // SAFETY: the module's struct cb_id.
    unsafe {
        (
            ((id + l::idx) as *const u32).read_unaligned(),
            ((id + l::val) as *const u32).read_unaligned(),
        )
    }
}

crate::kfn! {
    /// `cn_add_callback(id, name, callback)`: 0, or -EINVAL when the id is
    /// taken.
    fn cn_add_callback(id: u64, name: u64, callback: u64) -> i32 {
        let (idx, val) = id_of(id);
        let mut n = cbytes(name);
        n.truncate(NAMELEN - 1);
        with(|q| {
            if q.iter().any(|c| c.idx == idx && c.val == val) {
                return -EINVAL;
            }
            q.push(Cb { name: n, idx, val, callback });
            0
        })
    }
}

crate::kfn! {
    /// `cn_del_callback(id)`.
    fn cn_del_callback(id: u64) {
        let (idx, val) = id_of(id);
        with(|q| q.retain(|c| !(c.idx == idx && c.val == val)));
    }
}

fn purge(start: u64, end: u64) {
    if let Some(q) = QUEUE.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        q.retain(|c| !(c.callback >= start && c.callback < end));
    }
}
crate::purge_on_module_free!(purge);
