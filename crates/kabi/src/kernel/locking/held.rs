//! Locks a host thread holds, for the end of an abandoned module call.
//!
//! A module call that ends at an unimplemented export (or a fault) does
//! not run the rest of its code, so a mutex or the RTNL it took before is
//! never released and every later user hangs: one trap would take the
//! whole host kernel down. Linux has no such case for a trap (the call
//! would have gone on); for a real oops it would leave the lock held. The
//! host kernel records the sleeping locks each thread takes (the module's
//! mutexes and the RTNL, with their owner word) and, when a guarded call is
//! abandoned, releases those taken during it that this thread still owns,
//! saying so in the log.

use std::cell::RefCell;

/// Which lock, at which address, and the owner word it holds while locked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Held {
    Mutex { addr: u64, owner: u64 },
    Rtnl { owner: u64 },
}

thread_local! {
    static HELD: RefCell<Vec<Held>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn taken(h: Held) {
    HELD.with(|v| v.borrow_mut().push(h));
}

pub(crate) fn released(pred: impl Fn(&Held) -> bool) {
    HELD.with(|v| {
        let mut v = v.borrow_mut();
        if let Some(i) = v.iter().rposition(pred) {
            v.remove(i);
        }
    });
}

/// How many locks this thread holds (a guarded call's starting mark).
pub fn depth() -> usize {
    HELD.with(|v| v.borrow().len())
}

/// The call that started at `mark` was abandoned: release what it took.
pub fn release_since(mark: usize, module_call: &str) {
    let taken: Vec<Held> = HELD.with(|v| {
        let mut v = v.borrow_mut();
        if v.len() <= mark {
            return Vec::new();
        }
        v.split_off(mark)
    });
    for h in taken.into_iter().rev() {
        let what = match h {
            Held::Mutex { addr, owner } => {
                if !super::mutex::force_unlock(addr, owner) {
                    continue;
                }
                let name = crate::symbolize(addr).map(|s| s.0).unwrap_or_else(|| format!("{addr:#x}"));
                format!("mutex {name}")
            }
            Held::Rtnl { owner } => {
                if !crate::net::core::rtnetlink::force_unlock(owner) {
                    continue;
                }
                "rtnl_mutex".to_string()
            }
        };
        crate::log::kernel_msg(4, &format!("modhost: {module_call} ended holding {what}; released"));
    }
}
