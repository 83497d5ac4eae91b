//! The protocol-number tables shared by net/ipv4/protocol.c
//! (`inet_protos[]`) and net/ipv6/protocol.c (`inet6_protos[]`): 256 slots
//! set with a compare-and-exchange from NULL, cleared with one from the
//! registered handler.

use std::sync::Mutex;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Slot {
    Empty,
    Builtin,
    Module(u64),
}

pub(crate) struct Table {
    slots: Mutex<Option<[Slot; 256]>>,
    builtin: &'static [u8],
}

impl Table {
    pub(crate) const fn new(builtin: &'static [u8]) -> Self {
        Table {
            slots: Mutex::new(None),
            builtin,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut [Slot; 256]) -> R) -> R {
        let mut g = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let t = g.get_or_insert_with(|| {
            let mut t = [Slot::Empty; 256];
            for &b in self.builtin {
                t[b as usize] = Slot::Builtin;
            }
            t
        });
        f(t)
    }

    /// `cmpxchg(&protos[n], NULL, prot)`: 0 or -1.
    pub(crate) fn add(&self, prot: u64, n: u8) -> i32 {
        self.with(|t| {
            if t[n as usize] == Slot::Empty {
                t[n as usize] = Slot::Module(prot);
                0
            } else {
                -1
            }
        })
    }

    /// `cmpxchg(&protos[n], prot, NULL)`: 0 or -1.
    pub(crate) fn del(&self, prot: u64, n: u8) -> i32 {
        self.with(|t| {
            if t[n as usize] == Slot::Module(prot) {
                t[n as usize] = Slot::Empty;
                0
            } else {
                -1
            }
        })
    }

    pub(crate) fn get(&self, n: u8) -> Slot {
        self.with(|t| t[n as usize])
    }

    pub(crate) fn purge(&self, start: u64, end: u64) {
        self.with(|t| {
            for s in t.iter_mut() {
                if matches!(*s, Slot::Module(p) if p >= start && p < end) {
                    *s = Slot::Empty;
                }
            }
        })
    }
}

/// `inet_offloads[]`/`inet6_offloads[]`: arrays of 256 `struct
/// net_offload *` that are exported data (modules read them), set with
/// a compare-and-exchange from NULL. The built-in slots point at host
/// objects of `struct net_offload`'s size whose callbacks (vmlinux-internal
/// GSO/GRO functions) are NULL: no packet ever reaches them.
pub(crate) mod offloads {
    use std::sync::atomic::{AtomicU64, Ordering};

    fn slot(array: u64, n: u8) -> &'static AtomicU64 {
        // SAFETY: `array` is the 256-pointer data object of the export
        // (8-aligned), valid for the life of the process.
        unsafe { &*((array + 8 * u64::from(n)) as *const AtomicU64) }
    }

    /// Boot: the built-in protocols' slots.
    pub(crate) fn init(array: u64, builtin: &[u8]) {
        for &n in builtin {
            slot(array, n).store(
                crate::fs::hostobj::zalloc(crate::layout::net_offload::SIZE),
                Ordering::Relaxed,
            );
        }
    }

    /// `!cmpxchg(&offloads[n], NULL, prot) ? 0 : -1`.
    pub(crate) fn add(array: u64, prot: u64, n: u8) -> i32 {
        if slot(array, n)
            .compare_exchange(0, prot, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            0
        } else {
            -1
        }
    }

    /// `cmpxchg(&offloads[n], prot, NULL) == prot ? 0 : -1`, then waits for
    /// readers.
    pub(crate) fn del(array: u64, prot: u64, n: u8) -> i32 {
        let r = if slot(array, n)
            .compare_exchange(prot, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            0
        } else {
            -1
        };
        crate::net::xfrm::synchronize_rcu();
        r
    }

    pub(crate) fn get(array: u64, n: u8) -> u64 {
        slot(array, n).load(Ordering::Acquire)
    }

    pub(crate) fn purge(array: u64, start: u64, end: u64) {
        for n in 0..=255u8 {
            let p = get(array, n);
            if p >= start && p < end {
                let _ = slot(array, n).compare_exchange(p, 0, Ordering::AcqRel, Ordering::Acquire);
            }
        }
    }
}
