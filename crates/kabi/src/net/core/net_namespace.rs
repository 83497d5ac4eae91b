//! net/core/net_namespace.c: `init_net`, `net_namespace_list` and the
//! pernet operations (`register_pernet_subsys`, `register_pernet_device`
//! and their unregister functions).
//!
//! The host has one network namespace, `init_net` (no process ever makes
//! another). It is a `struct net` of Debian's layout holding what the
//! core sets up: `passive` and `ns.count` 1, `ns.inum` 4026531840 (what
//! Debian 6.1 shows as `net:[4026531840]` under QEMU), `list` in
//! `net_namespace_list`, empty `exit_list`, `dev_base_head` (no net
//! devices: see net/core/dev.rs) and `rules_ops`, `proc_net` (the host's
//! `/proc/net` entry), `user_ns` (`&init_user_ns`) and `gen`, the
//! `net_generic` array that `net_generic(net, id)` indexes. Fields that
//! Linux's built-in pernet subsystems fill (ipv4/ipv6 sysctls, tables, ...)
//! are zero: the host runs none of them.
//!
//! Registration follows Linux: an id (`ops->id`) is allocated from
//! `MIN_PERNET_OPS_ID` up; then for init_net a zeroed block of `ops->size`
//! bytes becomes `net_generic(net, id)` and `ops->init(net)` runs; a failing
//! init frees the block, clears the slot, frees the id and its error is
//! returned. Unregistering runs `pre_exit(net)`, `exit_batch_rtnl(list,
//! kill_list)` under RTNL, `exit(net)`, `exit_batch(list)`, then frees the
//! block and the id. Subsystems precede devices in the list, as Linux
//! keeps `first_device`. No Rust lock is held while module callbacks run
//! (a fault there abandons the frames); Linux's `pernet_ops_rwsem`, which
//! serializes registrations, is not modelled.

use std::sync::{Mutex, OnceLock};

use crate::fs::hostobj::{get64, put64, zalloc};
use crate::layout::{net as n_l, net_generic as g_l, pernet_operations as o_l};
use crate::net::list;

/// Slots of the host's net_generic array (ids up to this bound).
const GEN_SLOTS: u64 = 4096;

const ENOSPC: i32 = 28;

/// `MIN_PERNET_OPS_ID`: the slots before it overlap `s.len` and `s.rcu`.
fn min_id() -> u64 {
    g_l::SIZE.div_ceil(8)
}

/// The `ns.inum` of Debian 6.1's init_net.
pub const INIT_NET_INUM: u32 = 4026531840;

static INIT_NET: OnceLock<u64> = OnceLock::new();

/// `init_net`'s address (after boot).
pub fn init_net() -> u64 {
    *INIT_NET.get().expect("init_net is set up at boot")
}

fn setup_init_net(net: u64, b: &crate::vmlinux::Builder) {
    let gen = zalloc(8 * GEN_SLOTS);
    // SAFETY: net is the freshly placed `init_net` object (struct net's
    // size), gen a host block of GEN_SLOTS pointers.
    unsafe {
        (gen as *mut u32).write(GEN_SLOTS as u32);
        (net.wrapping_add(n_l::passive) as *mut u32).write(1);
        (net.wrapping_add(n_l::ns_count) as *mut u32).write(1);
        (net.wrapping_add(n_l::ns_inum) as *mut u32).write(INIT_NET_INUM);
        list::init_head(net + n_l::exit_list);
        list::init_head(net + n_l::dev_base_head);
        list::init_head(net + n_l::rules_ops);
        put64(net + n_l::gen, gen);
        put64(net + n_l::proc_net, crate::fs::proc::proc_net());
    }
    let _ = b;
    // The boot of the registries whose views exist from the start
    // (/proc/filesystems, /proc/net/ptype, debugfs's built-in entries):
    // init_net's set-up is the one boot-time hook of fs/ and net/.
    crate::fs::filesystems::init();
    crate::fs::debugfs::init();
    crate::net::core::dev::init();
    crate::net::connector::init();
    crate::net::netlink::af_netlink::init(net);
    crate::net::ipv4::tcp_cong::init();
    crate::net::ipv4::tcp_ulp::init();
    crate::net::netfilter::nf_log::init();
    crate::block::genhd::init();
    let _ = INIT_NET.set(net);
}
crate::export_data!("init_net", size crate::layout::net::SIZE, align 64, init = setup_init_net);

fn setup_ns_list(head: u64, b: &crate::vmlinux::Builder) {
    let net = b.symbol("init_net").expect("init_net");
    list::relink(head, &[net + n_l::list], 0, 0);
}
crate::export_data!("net_namespace_list", size 16, align 8, init = setup_ns_list);

struct Ops {
    ops: u64,
    device: bool,
    id: Option<u64>,
}

#[derive(Default)]
struct State {
    list: Vec<Ops>,
    ids: Vec<u64>,
}

static STATE: Mutex<State> = Mutex::new(State {
    list: Vec::new(),
    ids: Vec::new(),
});

fn pernet_head() -> u64 {
    static H: OnceLock<u64> = OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn relink(s: &State, skip_start: u64, skip_end: u64) {
    let members: Vec<u64> = s.list.iter().map(|o| o.ops + o_l::list).collect();
    list::relink(pernet_head(), &members, skip_start, skip_end);
}

fn gen_slot(id: u64) -> Option<u64> {
    // SAFETY: init_net's gen field.
    let gen = unsafe { get64(init_net() + n_l::gen) };
    (id < GEN_SLOTS).then(|| gen + 8 * id)
}

/// `net_generic(&init_net, id)` (tests).
pub fn generic(id: u64) -> u64 {
    // SAFETY: a slot of the host's array.
    gen_slot(id).map(|s| unsafe { get64(s) }).unwrap_or(0)
}

fn zalloc_block(size: u64) -> u64 {
    // SAFETY: calloc; the block is what kzalloc would give (modules free
    // nothing of it: the core does, with free_block).
    unsafe { libc::calloc(1, size as usize) as u64 }
}

fn free_block(p: u64) {
    // SAFETY: a block from zalloc_block (or NULL).
    unsafe { libc::free(p as *mut libc::c_void) }
}

/// `init_net.user_ns = &init_user_ns`, once the image is booted (the
/// object is placed after the data initializers run).
fn fill_user_ns() {
    let net = init_net();
    // SAFETY: init_net's user_ns field.
    if unsafe { get64(net + n_l::user_ns) } == 0 {
        if let Some(u) = crate::vmlinux::get().and_then(|v| v.symbol("init_user_ns")) {
            // SAFETY: as above.
            unsafe { put64(net + n_l::user_ns, u) };
        }
    }
}

fn fn_at(ops: u64, off: u64) -> u64 {
    // SAFETY: the module's struct pernet_operations.
    unsafe { get64(ops + off) }
}

fn call(f: u64, a0: u64, a1: u64) -> u64 {
    crate::fault::call_module(f, [a0, a1, 0, 0, 0, 0]).unwrap_or(0)
}

/// `ops_init` for init_net: 0 or the init's error.
fn ops_init(ops: u64, id: Option<u64>) -> i32 {
    let net = init_net();
    let size = fn_at(ops, o_l::size);
    let mut data = 0;
    if let (Some(id), true) = (id, size != 0) {
        data = zalloc_block(size);
        if data == 0 {
            return -12;
        }
        let Some(slot) = gen_slot(id) else { return -ENOSPC };
        // SAFETY: a slot of the host's net_generic array.
        unsafe { put64(slot, data) };
    }
    let init = fn_at(ops, o_l::init);
    let err = if init != 0 { call(init, net, 0) as i32 } else { 0 };
    if err != 0 && data != 0 {
        if let Some(slot) = id.and_then(gen_slot) {
            // SAFETY: as above.
            unsafe { put64(slot, 0) };
        }
        free_block(data);
    }
    err
}

/// pre_exit, exit_batch_rtnl (under RTNL), exit, exit_batch, free.
fn ops_exit(ops: u64, id: Option<u64>) {
    let net = init_net();
    let exit_list = net + n_l::exit_list;
    let head = list::new_head();
    list::relink(head, &[exit_list], 0, 0);
    let pre = fn_at(ops, o_l::pre_exit);
    if pre != 0 {
        call(pre, net, 0);
    }
    let rtnl = fn_at(ops, o_l::exit_batch_rtnl);
    if rtnl != 0 {
        let kill = list::new_head();
        super::rtnetlink::rtnl_lock();
        call(rtnl, head, kill);
        // SAFETY: the host's kill list head.
        if unsafe { get64(kill) } != kill {
            crate::log::kernel_msg(3, "modhost: exit_batch_rtnl queued net devices, which the host does not model");
        }
        super::rtnetlink::rtnl_unlock();
    }
    let exit = fn_at(ops, o_l::exit);
    if exit != 0 {
        call(exit, net, 0);
    }
    let batch = fn_at(ops, o_l::exit_batch);
    if batch != 0 {
        call(batch, head, 0);
    }
    list::init_head(exit_list);
    if let (Some(id), true) = (id, fn_at(ops, o_l::size) != 0) {
        let data = generic(id);
        free_block(data);
    }
}

fn register(ops: u64, device: bool) -> i32 {
    fill_user_ns();
    let idp = fn_at(ops, o_l::id);
    let id = {
        let mut s = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let id = if idp != 0 {
            let mut id = min_id();
            while s.ids.contains(&id) {
                id += 1;
            }
            if id >= GEN_SLOTS {
                return -ENOSPC;
            }
            s.ids.push(id);
            // SAFETY: ops->id points at the module's unsigned int.
            unsafe { (idp as *mut u32).write_unaligned(id as u32) };
            Some(id)
        } else {
            None
        };
        // subsystems go before the first device
        let at = if device {
            s.list.len()
        } else {
            s.list.iter().position(|o| o.device).unwrap_or(s.list.len())
        };
        s.list.insert(at, Ops { ops, device, id });
        relink(&s, 0, 0);
        id
    };
    let needs = fn_at(ops, o_l::init) != 0 || (id.is_some() && fn_at(ops, o_l::size) != 0);
    let err = if needs { ops_init(ops, id) } else { 0 };
    if err != 0 {
        let mut s = STATE.lock().unwrap_or_else(|e| e.into_inner());
        s.list.retain(|o| o.ops != ops);
        list::poison(ops + o_l::list);
        relink(&s, 0, 0);
        if let Some(id) = id {
            s.ids.retain(|&x| x != id);
        }
    }
    err
}

fn unregister(ops: u64) {
    let id = {
        let mut s = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let Some(i) = s.list.iter().position(|o| o.ops == ops) else {
            return;
        };
        let o = s.list.remove(i);
        list::poison(ops + o_l::list);
        relink(&s, 0, 0);
        o.id
    };
    ops_exit(ops, id);
    if let Some(id) = id {
        STATE.lock().unwrap_or_else(|e| e.into_inner()).ids.retain(|&x| x != id);
    }
}

crate::kfn! {
    /// `register_pernet_subsys(ops)`: 0 or the error of `ops->init`.
    fn register_pernet_subsys(ops: u64) -> i32 {
        register(ops, false)
    }
}
crate::kfn! {
    /// `register_pernet_device(ops)`.
    fn register_pernet_device(ops: u64) -> i32 {
        register(ops, true)
    }
}
crate::kfn! {
    /// `unregister_pernet_subsys(ops)`.
    fn unregister_pernet_subsys(ops: u64) {
        unregister(ops)
    }
}
crate::export_fn!("unregister_pernet_device" => unregister_pernet_subsys);

fn purge(start: u64, end: u64) {
    let mut s = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let gone: Vec<Option<u64>> = s.list.iter().filter(|o| o.ops >= start && o.ops < end).map(|o| o.id).collect();
    if gone.is_empty() {
        return;
    }
    s.list.retain(|o| !(o.ops >= start && o.ops < end));
    for id in gone.into_iter().flatten() {
        s.ids.retain(|&x| x != id);
        if let Some(slot) = gen_slot(id) {
            // SAFETY: a slot of the host's array (the block leaks, as the
            // module never ran its exit).
            unsafe { put64(slot, 0) };
        }
    }
    relink(&s, start, end);
}
crate::purge_on_module_free!(purge);

// `pernet_ops_rwsem`: held for writing while pernet operations register or
// unregister (modules like dummy take it around their link registration).
// An unlocked rw_semaphore: count and owner 0, an empty wait list.
crate::export_data!("pernet_ops_rwsem", size crate::layout::rw_semaphore::SIZE, align 8, init = init_pernet_ops_rwsem);

fn init_pernet_ops_rwsem(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh zeroed rw_semaphore in the vmlinux data area.
    unsafe { crate::kernel::sched::list_init(addr + crate::layout::rw_semaphore::wait_list) };
}
