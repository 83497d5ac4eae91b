//! Memory below 2 GiB.
//!
//! Modules are compiled with `-mcmodel=kernel`: every absolute reference must
//! fit a sign-extended 32-bit immediate and every RIP-relative one must reach
//! its target within ±2 GiB. Linux uses the top 2 GiB of the address space; a
//! process cannot, so the host puts module images, the stubs modules call
//! and the data they reference in `[LOW_START, LOW_END)`.
//!
//! This is one of the three places of the project with `unsafe` (with the
//! ABI functions and the calls into module code).

use std::collections::BTreeMap;
use std::sync::Mutex;

pub const PAGE_SIZE: u64 = 4096;
/// Lowest address handed out (well above mmap_min_addr and the executable's
/// usual placement of nothing).
pub const LOW_START: u64 = 0x1000_0000;
/// One past the highest address handed out (2 GiB).
pub const LOW_END: u64 = 0x8000_0000;

/// Whether `addr` lies in the low window (module images, stubs, host data
/// modules reference), as opposed to the host's own code and heap.
pub fn in_window(addr: u64) -> bool {
    (LOW_START..LOW_END).contains(&addr)
}

/// Page protections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prot {
    None,
    Read,
    ReadWrite,
    ReadExec,
}

impl Prot {
    fn bits(self) -> libc::c_int {
        match self {
            Prot::None => libc::PROT_NONE,
            Prot::Read => libc::PROT_READ,
            Prot::ReadWrite => libc::PROT_READ | libc::PROT_WRITE,
            Prot::ReadExec => libc::PROT_READ | libc::PROT_EXEC,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LowMemError {
    #[error("no room below 2 GiB for {0} bytes")]
    NoSpace(u64),
    #[error("mmap/mprotect failed: {0}")]
    Os(std::io::Error),
}

/// A page-aligned, zero-filled anonymous mapping below 2 GiB. Unmapped on drop.
#[derive(Debug)]
pub struct LowRegion {
    base: u64,
    len: u64,
}

impl LowRegion {
    pub fn base(&self) -> u64 {
        self.base
    }
    pub fn len(&self) -> u64 {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn contains(&self, addr: u64) -> bool {
        addr >= self.base && addr < self.base + self.len
    }

    /// Changes the protection of `[base+off, base+off+len)` (page aligned).
    pub fn protect(&self, off: u64, len: u64, prot: Prot) -> Result<(), LowMemError> {
        if len == 0 {
            return Ok(());
        }
        assert!(off % PAGE_SIZE == 0 && len % PAGE_SIZE == 0 && off + len <= self.len, "protect range must be page aligned and inside the region");
        // SAFETY: the range lies inside a mapping this region owns.
        let r = unsafe { libc::mprotect((self.base + off) as *mut libc::c_void, len as usize, prot.bits()) };
        if r != 0 {
            return Err(LowMemError::Os(std::io::Error::last_os_error()));
        }
        Ok(())
    }

    /// The region's bytes. Callers must hold the region writable.
    ///
    /// # Safety
    /// The caller must ensure no module code runs concurrently on these
    /// bytes and that `[off, off+len)` is currently mapped readable/writable.
    pub unsafe fn bytes_mut(&self, off: u64, len: u64) -> &mut [u8] {
        assert!(off + len <= self.len);
        // SAFETY: in bounds of the mapping; aliasing is the caller's contract.
        unsafe { std::slice::from_raw_parts_mut((self.base + off) as *mut u8, len as usize) }
    }
}

impl Drop for LowRegion {
    fn drop(&mut self) {
        // SAFETY: the mapping was created by `alloc` with exactly this range
        // and nothing refers to it any more (its owner is being dropped).
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.len as usize) };
        ALLOC.lock().unwrap_or_else(|e| e.into_inner()).release(self.base, self.len);
    }
}

/// Free ranges of the low window, first-fit.
struct Allocator {
    free: BTreeMap<u64, u64>, // start -> len
}

impl Allocator {
    const fn new() -> Self {
        Allocator { free: BTreeMap::new() }
    }

    fn init(&mut self) {
        if self.free.is_empty() {
            self.free.insert(LOW_START, LOW_END - LOW_START);
        }
    }

    fn take(&mut self, len: u64, from: u64) -> Option<u64> {
        self.init();
        let (&start, &flen) = self.free.iter().find(|(&s, &l)| s + l > from && s.max(from) + len <= s + l)?;
        let at = start.max(from);
        self.free.remove(&start);
        if at > start {
            self.free.insert(start, at - start);
        }
        if at + len < start + flen {
            self.free.insert(at + len, start + flen - at - len);
        }
        Some(at)
    }

    fn release(&mut self, base: u64, len: u64) {
        let mut start = base;
        let mut end = base + len;
        if let Some((&s, &l)) = self.free.range(..base).next_back() {
            if s + l == base {
                self.free.remove(&s);
                start = s;
            }
        }
        if let Some(&l) = self.free.get(&end) {
            self.free.remove(&end);
            end += l;
        }
        self.free.insert(start, end - start);
    }
}

static ALLOC: Mutex<Allocator> = Mutex::new(Allocator::new());

/// Maps `len` bytes (rounded up to pages) read-write below 2 GiB, at or
/// above `hint`.
pub fn alloc(len: u64, hint: u64) -> Result<LowRegion, LowMemError> {
    let len = len.max(1).div_ceil(PAGE_SIZE) * PAGE_SIZE;
    let mut a = ALLOC.lock().unwrap_or_else(|e| e.into_inner());
    let mut from = hint.max(LOW_START);
    loop {
        let at = a.take(len, from).ok_or(LowMemError::NoSpace(len))?;
        // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping: it
        // fails with EEXIST instead, and then we skip that range.
        let p = unsafe {
            libc::mmap(
                at as *mut libc::c_void,
                len as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EEXIST) {
                // Something (the executable, a library) lives there: skip a page.
                from = at + PAGE_SIZE;
                continue;
            }
            a.release(at, len);
            return Err(LowMemError::Os(e));
        }
        if p as u64 != at {
            // Old kernels ignore MAP_FIXED_NOREPLACE and treat it as a hint.
            // SAFETY: we just created this mapping and nobody knows it.
            unsafe { libc::munmap(p, len as usize) };
            from = at + PAGE_SIZE;
            continue;
        }
        return Ok(LowRegion { base: at, len });
    }
}

/// `text_poke`: writes `bytes` over module code at `addr` (inside the
/// window), which is mapped R-X. The page is made R-W-X for the write (so
/// other CPUs may keep executing it) and R-X again after. An instruction
/// that fits in one aligned 8-byte word is replaced with one atomic store,
/// so a CPU running the code sees the old or the new instruction.
pub fn poke_text(addr: u64, bytes: &[u8]) -> Result<(), LowMemError> {
    let len = bytes.len() as u64;
    if len == 0 || len > 8 || !in_window(addr) || !in_window(addr + len - 1) {
        return Err(LowMemError::Os(std::io::Error::from_raw_os_error(libc::EINVAL)));
    }
    let page = addr & !(PAGE_SIZE - 1);
    let span = ((addr + len + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)) - page;
    let rx = libc::PROT_READ | libc::PROT_EXEC;
    // SAFETY: the pages lie in the module window (module text, per the
    // caller); they are made writable for the store only.
    let r = unsafe { libc::mprotect(page as *mut libc::c_void, span as usize, rx | libc::PROT_WRITE) };
    if r != 0 {
        return Err(LowMemError::Os(std::io::Error::last_os_error()));
    }
    let word = addr & !7;
    if addr + len <= word + 8 {
        let sh = (addr - word) * 8;
        // SAFETY: an aligned word of the now writable page(s).
        let w = unsafe { &*(word as *const std::sync::atomic::AtomicU64) };
        let _ = w.fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |old| {
            let mut new = old;
            for (i, b) in bytes.iter().enumerate() {
                let s = sh + 8 * i as u64;
                new = (new & !(0xff << s)) | (u64::from(*b) << s);
            }
            Some(new)
        });
    } else {
        for (i, b) in bytes.iter().enumerate() {
            // SAFETY: inside the writable page(s) above.
            unsafe { ((addr + i as u64) as *mut u8).write_volatile(*b) };
        }
    }
    // SAFETY: as above; back to R-X.
    unsafe { libc::mprotect(page as *mut libc::c_void, span as usize, rx) };
    Ok(())
}
