//! `__bug_table`: WARN() and BUG() in module code (Linux's `lib/bug.c`
//! and the x86 `#UD` handler, `handle_bug`).
//!
//! Both compile to `ud2` with a 12-byte `struct bug_entry` in the module's
//! `__bug_table` (Debian's 6.1 has relative pointers and verbose entries):
//! `s32 bug_addr_disp` @0 and `s32 file_disp` @4 (self-relative), `u16 line`
//! @8, `u16 flags` @10 (WARNING 1, ONCE 2, DONE 4, NO_CUT_HERE 8, taint << 8).
//! The `ud2` raises SIGILL; the fault layer hands it to [`trap`] in normal
//! context. A WARNING is reported and the module resumes after the `ud2`
//! (taint W, or the entry's own taint); a BUG — or a `ud2` without an
//! entry — becomes an oops (see [`crate::oops`]), which prints the
//! "kernel BUG at file:line!" line found here.

use kabi::fault::{Regs, TrapAction};

use crate::module::Module;
use crate::{oops, pr, State, KERN_WARNING};

pub const BUG_ENTRY_SIZE: usize = 12;
const BUGFLAG_WARNING: u16 = 1 << 0;
const BUGFLAG_ONCE: u16 = 1 << 1;
const BUGFLAG_DONE: u16 = 1 << 2;
const BUGFLAG_NO_CUT_HERE: u16 = 1 << 3;

/// One decoded `struct bug_entry`.
#[derive(Debug, Clone)]
pub struct BugEntry {
    /// Where the entry itself lives (its flags are updated in place).
    pub entry: u64,
    /// The address of the `ud2`.
    pub bug_addr: u64,
    /// The source file, when the string lies inside the module.
    pub file: Option<String>,
    pub line: u16,
    pub flags: u16,
}

impl BugEntry {
    pub fn is_warning(&self) -> bool {
        self.flags & BUGFLAG_WARNING != 0
    }
    /// Whether the trap prints the "cut here" line (WARN() printed its own).
    pub fn cuts_here(&self) -> bool {
        self.flags & BUGFLAG_NO_CUT_HERE == 0
    }
    /// `BUG_GET_TAINT`: the taint flag a WARNING adds.
    pub fn taint(&self) -> u32 {
        u32::from(self.flags >> 8)
    }
}

/// Reads a NUL-terminated string that must lie inside `m`'s images.
fn module_cstr(m: &Module, at: u64) -> Option<String> {
    let mut v = Vec::new();
    for a in at..at + 4096 {
        if !m.contains(a) {
            return None;
        }
        // SAFETY: `a` is inside the module's mapped core or init image.
        let b = unsafe { (a as *const u8).read() };
        if b == 0 {
            return Some(String::from_utf8_lossy(&v).into_owned());
        }
        v.push(b);
    }
    None
}

/// `find_bug` among the modules: the entry of `m`'s `__bug_table` whose
/// `ud2` is at `addr`. Entries (and the table) must lie in the module.
fn find_in(m: &Module, addr: u64) -> Option<BugEntry> {
    let (table, n) = m.bug_table?;
    let end = table.checked_add((n * BUG_ENTRY_SIZE) as u64)?;
    if !m.contains(table) || !m.contains(end - 1) {
        return None;
    }
    (0..n).map(|i| table + (i * BUG_ENTRY_SIZE) as u64).find_map(|e| {
        // SAFETY: the whole table lies inside the module's mapped image.
        let (disp, file_disp, line, flags) = unsafe {
            (
                (e as *const i32).read_unaligned(),
                ((e + 4) as *const i32).read_unaligned(),
                ((e + 8) as *const u16).read_unaligned(),
                ((e + 10) as *const u16).read_unaligned(),
            )
        };
        let bug_addr = e.wrapping_add_signed(i64::from(disp));
        (bug_addr == addr).then(|| BugEntry {
            entry: e,
            bug_addr,
            file: module_cstr(m, (e + 4).wrapping_add_signed(i64::from(file_disp))),
            line,
            flags,
        })
    })
}

/// The bug entry for a `ud2` at `addr`, in whichever module holds it, and
/// whether the entry can be written (its table lies in writable memory).
pub(crate) fn find_bug_in(st: &State, addr: u64) -> Option<(BugEntry, bool)> {
    st.modules.iter().filter(|m| m.contains(addr)).find_map(|m| find_in(m, addr).map(|b| {
        let w = m.is_writable(b.entry, BUG_ENTRY_SIZE as u64);
        (b, w)
    }))
}

/// The bug entry for a `ud2` at `addr`, in whichever module holds it.
pub(crate) fn find_bug(st: &State, addr: u64) -> Option<BugEntry> {
    find_bug_in(st, addr).map(|(b, _)| b)
}

/// The trap hook: decides about a `ud2` at `regs.rip` in module code.
pub fn trap(regs: &Regs, stack: &[u64]) -> TrapAction {
    crate::cpu::with_current_kernel(|k| {
        let mut st = k.lock();
        let Some((bug, writable)) = find_bug_in(&st, regs.rip) else { return TrapAction::Oops };
        if !bug.is_warning() {
            return TrapAction::Oops;
        }
        if bug.flags & BUGFLAG_ONCE != 0 {
            if bug.flags & BUGFLAG_DONE != 0 {
                return TrapAction::Resume;
            }
            // A fault here would abandon this frame with the kernel lock
            // held: a table in read-only memory (a crafted module; Linux's
            // is in an "aw" section) is not marked, so it warns every time.
            if writable {
                // SAFETY: the entry lies in the module's writable memory.
                unsafe { ((bug.entry + 10) as *mut u16).write_unaligned(bug.flags | BUGFLAG_DONE) };
            }
        }
        if bug.cuts_here() {
            pr(crate::KERN_DEFAULT, kabi::abi::printk::CUT_HERE.to_string());
        }
        // __warn()
        let cpu = kabi::vmlinux::Vmlinux::current_cpu().unwrap_or(0);
        let at = match &bug.file {
            Some(f) => format!("{f}:{} ", bug.line),
            None => String::new(),
        };
        pr(KERN_WARNING, format!("WARNING: CPU: {cpu} PID: {} at {at}{}", std::process::id(), oops::sym(bug.bug_addr)));
        pr(crate::KERN_DEFAULT, oops::print_modules(&st));
        for l in oops::show_regs(k, &st, st.taint, regs, stack) {
            pr(crate::KERN_DEFAULT, l);
        }
        pr(KERN_WARNING, oops::END_TRACE.to_string());
        // add_taint(BUG_GET_TAINT(bug), LOCKDEP_STILL_OK)
        if bug.taint() < 64 {
            st.taint |= 1 << bug.taint();
        }
        TrapAction::Resume
    })
    .unwrap_or(TrapAction::Oops)
}
