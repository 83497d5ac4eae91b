//! kernel/notifier.c: notifier chains, and the kernel's own chains that
//! modules join (reboot, die, panic).
//!
//! A chain is Linux's singly linked list of `struct notifier_block`s in
//! module memory, sorted by descending priority (a new block goes after
//! those of equal priority), hanging off the head's `head` pointer: atomic
//! heads are guarded by their spinlock, blocking heads by their rwsem (read
//! for calls, write for changes), raw heads by the caller. The kernel's
//! own chain heads (`reboot_notifier_list`, the die chain) live in the
//! vmlinux data area with the same layout. Blocks inside freed module
//! memory are unlinked from the kernel's chains.

use crate::kernel::locking::mutex::{spin_lock, spin_unlock};
use crate::layout::{
    atomic_notifier_head as anh, blocking_notifier_head as bnh, notifier_block as nb,
};

const NOTIFY_DONE: i32 = 0;
const NOTIFY_STOP_MASK: i32 = 0x8000;
const EEXIST: i32 = 17;
const EBUSY: i32 = 16;
const ENOENT: i32 = 2;

fn rd64(p: u64) -> u64 {
    // SAFETY: a pointer field of a chain head or notifier_block.
    unsafe { (p as *const u64).read_volatile() }
}
fn wr64(p: u64, v: u64) {
    // SAFETY: as rd64.
    unsafe { (p as *mut u64).write_volatile(v) }
}
fn prio(n: u64) -> i32 {
    // SAFETY: the module's notifier_block.
    unsafe { ((n + nb::priority) as *const i32).read_volatile() }
}

/// `notifier_chain_register(nl, n, unique_priority)`; `nl` is the address
/// of the head pointer.
pub(crate) fn chain_register(mut nl: u64, n: u64, unique: bool) -> i32 {
    loop {
        let cur = rd64(nl);
        if cur == 0 {
            break;
        }
        if cur == n {
            let f = rd64(n + nb::notifier_call);
            let name = crate::symbolize(f)
                .map(|(s, o, _, _)| format!("{s}+{o:#x}"))
                .unwrap_or_else(|| format!("{f:#x}"));
            crate::log::kernel_msg(4, &format!("notifier callback {name} already registered"));
            return -EEXIST;
        }
        if prio(n) > prio(cur) {
            break;
        }
        if unique && prio(n) == prio(cur) {
            return -EBUSY;
        }
        nl = cur + nb::next;
    }
    wr64(n + nb::next, rd64(nl));
    std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
    wr64(nl, n);
    0
}

/// `notifier_chain_unregister(nl, n)`: 0 or -ENOENT.
pub(crate) fn chain_unregister(mut nl: u64, n: u64) -> i32 {
    loop {
        let cur = rd64(nl);
        if cur == 0 {
            return -ENOENT;
        }
        if cur == n {
            wr64(nl, rd64(n + nb::next));
            return 0;
        }
        nl = cur + nb::next;
    }
}

/// `notifier_call_chain(nl, val, v, nr_to_call, nr_calls)`: the last
/// callback's return value (NOTIFY_DONE for an empty chain); stops at a
/// value with NOTIFY_STOP_MASK.
pub(crate) fn call_chain(
    nl: u64,
    val: u64,
    v: u64,
    mut nr_to_call: i32,
    nr_calls: Option<&mut i32>,
) -> i32 {
    let mut ret = NOTIFY_DONE;
    let mut calls = 0;
    let mut n = rd64(nl);
    while n != 0 && nr_to_call != 0 {
        let next = rd64(n + nb::next);
        let f = rd64(n + nb::notifier_call);
        ret = crate::fault::call_module(f, [n, val, v, 0, 0, 0]).unwrap_or(0) as i32;
        calls += 1;
        if ret & NOTIFY_STOP_MASK != 0 {
            break;
        }
        n = next;
        nr_to_call -= 1;
    }
    if let Some(c) = nr_calls {
        *c += calls;
    }
    ret
}

fn call_chain_robust(nl: u64, up: u64, down: u64, v: u64) -> i32 {
    let mut nr = 0;
    let ret = call_chain(nl, up, v, -1, Some(&mut nr));
    if ret & NOTIFY_STOP_MASK != 0 {
        call_chain(nl, down, v, nr - 1, None);
    }
    ret
}

fn export(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}
fn call1(f: &str, a: u64) {
    let p = export(f);
    if p != 0 {
        // SAFETY: the host's own export stub of that name, taking one pointer.
        let f: extern "C" fn(u64) = unsafe { std::mem::transmute(p) };
        f(a);
    }
}

// ---- atomic chains -----------------------------------------------------------

crate::kfn! {
    fn atomic_notifier_chain_register(nh: u64, n: u64) -> i32 {
        spin_lock(nh);
        let r = chain_register(nh + anh::head, n, false);
        spin_unlock(nh);
        if nh == head("panic_notifier_list") {
            refresh(nh + anh::head);
        }
        r
    }
}
crate::kfn! {
    fn atomic_notifier_chain_register_unique_prio(nh: u64, n: u64) -> i32 {
        spin_lock(nh);
        let r = chain_register(nh + anh::head, n, true);
        spin_unlock(nh);
        if nh == head("panic_notifier_list") {
            refresh(nh + anh::head);
        }
        r
    }
}
crate::kfn! {
    fn atomic_notifier_chain_unregister(nh: u64, n: u64) -> i32 {
        spin_lock(nh);
        let r = chain_unregister(nh + anh::head, n);
        spin_unlock(nh);
        if nh == head("panic_notifier_list") {
            refresh(nh + anh::head);
        }
        r
    }
}
crate::kfn! {
    fn atomic_notifier_call_chain(nh: u64, val: u64, v: u64) -> i32 {
        call_chain(nh + anh::head, val, v, -1, None)
    }
}

// ---- blocking chains -------------------------------------------------------------

crate::kfn! {
    fn blocking_notifier_chain_register(nh: u64, n: u64) -> i32 {
        call1("down_write", nh);
        let r = chain_register(nh + bnh::head, n, false);
        call1("up_write", nh);
        r
    }
}
crate::kfn! {
    fn blocking_notifier_chain_register_unique_prio(nh: u64, n: u64) -> i32 {
        call1("down_write", nh);
        let r = chain_register(nh + bnh::head, n, true);
        call1("up_write", nh);
        r
    }
}
crate::kfn! {
    fn blocking_notifier_chain_unregister(nh: u64, n: u64) -> i32 {
        call1("down_write", nh);
        let r = chain_unregister(nh + bnh::head, n);
        call1("up_write", nh);
        r
    }
}
crate::kfn! {
    fn blocking_notifier_call_chain(nh: u64, val: u64, v: u64) -> i32 {
        if rd64(nh + bnh::head) == 0 {
            return NOTIFY_DONE;
        }
        call1("down_read", nh);
        let r = call_chain(nh + bnh::head, val, v, -1, None);
        call1("up_read", nh);
        r
    }
}
crate::kfn! {
    fn blocking_notifier_call_chain_robust(nh: u64, up: u64, down: u64, v: u64) -> i32 {
        if rd64(nh + bnh::head) == 0 {
            return NOTIFY_DONE;
        }
        call1("down_read", nh);
        let r = call_chain_robust(nh + bnh::head, up, down, v);
        call1("up_read", nh);
        r
    }
}

// ---- raw chains ------------------------------------------------------------------

crate::kfn! {
    fn raw_notifier_chain_register(nh: u64, n: u64) -> i32 {
        chain_register(nh, n, false)
    }
}
crate::kfn! {
    fn raw_notifier_chain_unregister(nh: u64, n: u64) -> i32 {
        chain_unregister(nh, n)
    }
}
crate::kfn! {
    fn raw_notifier_call_chain(nh: u64, val: u64, v: u64) -> i32 {
        call_chain(nh, val, v, -1, None)
    }
}
crate::kfn! {
    fn raw_notifier_call_chain_robust(nh: u64, up: u64, down: u64, v: u64) -> i32 {
        call_chain_robust(nh, up, down, v)
    }
}

// ---- the kernel's chains -------------------------------------------------------------

/// The kernel's own chain heads (kernel/reboot.c's blocking
/// `reboot_notifier_list`, arch/x86's atomic die chain, kernel/panic.c's
/// atomic `panic_notifier_list`): addresses in the vmlinux data area.
fn head(name: &str) -> u64 {
    export(name)
}

crate::export_data!("__modhost_reboot_chain", size bnh::SIZE, align 64, init = init_blocking_head);
crate::export_data!("__modhost_die_chain", size anh::SIZE, align 64);
crate::export_data!("panic_notifier_list", size anh::SIZE, align 64);
crate::export_data!("__modhost_pm_chain", size bnh::SIZE, align 64, init = init_blocking_head);

crate::kfn! {
    /// `register_pm_notifier(nb)`: kernel/power/main.c's blocking
    /// pm_chain_head (the host never suspends, so it is never called).
    fn register_pm_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_pm_chain", bnh::head, |h| blocking_notifier_chain_register(h, n))
    }
}
crate::kfn! {
    fn unregister_pm_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_pm_chain", bnh::head, |h| blocking_notifier_chain_unregister(h, n))
    }
}

/// Runs a change on one of the kernel's chains and refreshes its shadow.
pub(crate) fn kernel_chain(name: &str, off: u64, f: impl FnOnce(u64) -> i32) -> i32 {
    let h = head(name);
    if h == 0 {
        return -ENOENT;
    }
    let r = f(h);
    refresh(h + off);
    r
}

pub(crate) fn init_blocking_head(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh, zeroed blocking_notifier_head: an unlocked rwsem
    // with an empty wait list, and no blocks.
    unsafe { crate::kernel::sched::list_init(addr + crate::layout::rw_semaphore::wait_list) };
}

crate::kfn! {
    fn register_reboot_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_reboot_chain", bnh::head, |h| blocking_notifier_chain_register(h, n))
    }
}
crate::kfn! {
    fn unregister_reboot_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_reboot_chain", bnh::head, |h| blocking_notifier_chain_unregister(h, n))
    }
}
crate::kfn! {
    fn register_die_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_die_chain", anh::head, |h| atomic_notifier_chain_register(h, n))
    }
}
crate::kfn! {
    fn unregister_die_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_die_chain", anh::head, |h| atomic_notifier_chain_unregister(h, n))
    }
}

/// The members of the kernel's chains, in chain order, refreshed after
/// every change (the purge cannot read blocks whose memory is already gone).
static SHADOW: std::sync::Mutex<Vec<(u64, Vec<u64>)>> = std::sync::Mutex::new(Vec::new());

fn refresh(list: u64) {
    let mut members = Vec::new();
    let mut n = rd64(list);
    while n != 0 && members.len() < 100_000 {
        members.push(n);
        n = rd64(n + nb::next);
    }
    let mut g = SHADOW.lock().unwrap_or_else(|e| e.into_inner());
    g.retain(|(l, _)| *l != list);
    g.push((list, members));
}

/// Unlinks every block inside `[start, end)` from the kernel's chains,
/// relinking the survivors from the shadow lists.
fn purge(start: u64, end: u64) {
    let mut g = SHADOW.lock().unwrap_or_else(|e| e.into_inner());
    for (list, members) in g.iter_mut() {
        if !members.iter().any(|m| (start..end).contains(m)) {
            continue;
        }
        members.retain(|m| !(start..end).contains(m));
        let mut nl = *list;
        for &m in members.iter() {
            wr64(nl, m);
            nl = m + nb::next;
        }
        wr64(nl, 0);
    }
}
crate::purge_on_module_free!(purge);
