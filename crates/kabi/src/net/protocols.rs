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
