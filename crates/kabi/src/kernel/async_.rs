//! kernel/async.c: asynchronous function calls (`async_schedule*`) and
//! the waits on them (`async_synchronize_*`).
//!
//! Each call gets the next cookie (from 1) and runs on a thread of its own
//! (Linux queues it on `system_unbound_wq`); the synchronize calls wait
//! until nothing with a lower cookie is pending in the domain (or, for
//! NULL, in any registered domain: `async_dfl_domain` is). The host
//! kernel runs `async_synchronize_full` after each module init, as
//! do_init_module does.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};


/// ASYNC_COOKIE_MAX.
const COOKIE_MAX: u64 = u64::MAX;

struct Entry {
    cookie: u64,
    func: u64,
    data: u64,
}

#[derive(Default)]
struct State {
    next_cookie: u64,
    /// Pending cookies → (domain, registered).
    pending: BTreeMap<u64, (u64, bool)>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);
static DONE: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Option<State>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

fn state(g: &mut Option<State>) -> &mut State {
    g.get_or_insert_with(|| State { next_cookie: 1, ..Default::default() })
}

/// `struct async_domain { struct list_head pending; unsigned registered:1; }`:
/// the registered bit (bit 0 of the word after the list head).
fn registered(domain: u64) -> bool {
    if domain == 0 {
        return false;
    }
    // SAFETY: the caller's struct async_domain (or the host's default one).
    unsafe { ((domain + REGISTERED) as *const u8).read_volatile() & 1 != 0 }
}

/// The bit field `registered` follows the list head.
const REGISTERED: u64 = crate::layout::async_domain::pending + crate::layout::list_head::SIZE;

crate::export_data!("async_dfl_domain", size crate::layout::async_domain::SIZE, align 8, init = init_domain);

fn init_domain(addr: u64, _b: &crate::vmlinux::Builder) {
    // ASYNC_DOMAIN(async_dfl_domain): an empty list, registered.
    // SAFETY: the host's fresh 24-byte object.
    unsafe {
        crate::kernel::sched::list_init(addr + crate::layout::async_domain::pending);
        ((addr + REGISTERED) as *mut u8).write(1);
    }
}

fn dfl_domain() -> u64 {
    crate::vmlinux::get().and_then(|v| v.symbol("async_dfl_domain")).unwrap_or(0)
}

/// async_run_entry_fn: runs the call on a thread of its own (a host CPU
/// once one is free), so that a fault or an unimplemented call in it ends
/// that call only; the entry then leaves the pending list.
fn run_entry(e: Entry) {
    crate::fault::call_module(e.func, [e.data, e.cookie, 0, 0, 0, 0]);
    let mut g = lock();
    state(&mut g).pending.remove(&e.cookie);
    drop(g);
    DONE.notify_all();
}

crate::kfn! {
    /// `async_cookie_t async_schedule_node_domain(func, data, node, domain)`.
    fn async_schedule_node_domain(func: u64, data: u64, _node: i32, domain: u64) -> u64 {
        let mut g = lock();
        let st = state(&mut g);
        let cookie = st.next_cookie;
        st.next_cookie += 1;
        st.pending.insert(cookie, (domain, registered(domain)));
        drop(g);
        let e = Entry { cookie, func, data };
        if let Err(err) = std::thread::Builder::new().name("kworker/u:async".into()).spawn(move || run_entry(e)) {
            // No thread: run synchronously, as Linux does when it cannot
            // allocate the entry.
            crate::log::kernel_msg(4, &format!("async: no thread ({err}); running synchronously"));
            crate::fault::call_module(func, [data, cookie, 0, 0, 0, 0]);
            let mut g = lock();
            state(&mut g).pending.remove(&cookie);
            drop(g);
            DONE.notify_all();
        }
        cookie
    }
}

crate::kfn! {
    /// `async_cookie_t async_schedule_node(func, data, node)`: in the
    /// default domain.
    fn async_schedule_node(func: u64, data: u64, node: i32) -> u64 {
        async_schedule_node_domain(func, data, node, dfl_domain())
    }
}

/// Waits until nothing before `cookie` is pending in `domain` (0: every
/// registered domain).
fn synchronize(cookie: u64, domain: u64) {
    crate::vmlinux::Vmlinux::off_cpu(|| synchronize_off(cookie, domain))
}

fn synchronize_off(cookie: u64, domain: u64) {
    let mut g = lock();
    loop {
        let st = state(&mut g);
        let busy = st
            .pending
            .range(..cookie)
            .any(|(_, &(d, reg))| if domain == 0 { reg } else { d == domain });
        if !busy {
            return;
        }
        g = DONE.wait(g).unwrap_or_else(|e| e.into_inner());
    }
}

/// After a module's init (do_init_module): its async work is done first.
pub fn synchronize_full() {
    synchronize(COOKIE_MAX, 0)
}

crate::kfn! {
    /// `void async_synchronize_full(void)`.
    fn async_synchronize_full() {
        synchronize(COOKIE_MAX, 0)
    }
}
crate::kfn! {
    /// `void async_synchronize_full_domain(domain)`.
    fn async_synchronize_full_domain(domain: u64) {
        synchronize(COOKIE_MAX, domain)
    }
}
crate::kfn! {
    /// `void async_synchronize_cookie(cookie)`: everything queued before it.
    fn async_synchronize_cookie(cookie: u64) {
        synchronize(cookie, 0)
    }
}
crate::kfn! {
    /// `void async_synchronize_cookie_domain(cookie, domain)`.
    fn async_synchronize_cookie_domain(cookie: u64, domain: u64) {
        synchronize(cookie, domain)
    }
}
