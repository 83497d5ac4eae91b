//! mm/page_alloc.c and the direct map: the host's "physical memory".
//!
//! Everything modules get from kmalloc, kmem_cache_alloc, alloc_pages and
//! vmalloc lies in one region of this process that plays Linux's direct
//! map: `page_offset_base` is the virtual address of physical address 0,
//! and `vmemmap_base` the `struct page` array (64 bytes a page), so the
//! inline `virt_to_page()`, `page_to_virt()`, `page_address()`,
//! `__pa()`/`__va()` and `sg_set_buf()` compiled into modules work as on
//! Linux (CONFIG_SPARSEMEM_VMEMMAP, CONFIG_DYNAMIC_MEMORY_LAYOUT):
//!
//! - virt_to_page(x) = vmemmap_base + ((x - page_offset_base) >> 12) * 64
//! - page_to_virt(p) = page_offset_base + ((p - vmemmap_base) / 64) << 12
//!
//! The region is reserved address space (MAP_NORESERVE); a page costs
//! memory once touched. Physical memory starts at 4 GiB (`PHYS_START`), so
//! every page is ZONE_NORMAL memory of node 0. Pages are handed out by a
//! buddy allocator of orders 0..MAX_ORDER-1, as Linux's.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use crate::layout::{gfp, mm as c, page as pg};

pub const PAGE_SHIFT: u64 = 12;
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// The physical address of the first page of the direct map.
const PHYS_START: u64 = 1 << 32;
/// How much "physical memory" the direct map spans (address space only).
const DMAP_PAGES: u64 = 1 << 20; // 4 GiB
const MAX_ORDER: u32 = c::MAX_ORDER as u32;

pub(crate) const GFP_ZERO: u32 = gfp::ZERO as u32;
pub(crate) const GFP_COMP: u32 = gfp::COMP as u32;

/// The direct map: its base, the page array, the buddy allocator.
pub struct DirectMap {
    /// Virtual address of the first page (physical PHYS_START).
    base: u64,
    /// Address of the first page's `struct page`.
    pages: u64,
    buddy: Mutex<Buddy>,
}

#[derive(Default)]
struct Buddy {
    /// Free blocks per order (page indexes).
    free: Vec<BTreeSet<u64>>,
    /// Pages below `top` have been handed out at least once.
    top: u64,
    /// Allocated blocks: first page index → order.
    used: HashMap<u64, u32>,
    /// Allocated runs larger than the biggest block: first page → pages.
    runs: HashMap<u64, u64>,
}

impl Buddy {
    fn add_free_range(&mut self, mut from: u64, to: u64) {
        while from < to {
            let mut order = (MAX_ORDER - 1).min(from.trailing_zeros());
            while from + (1u64 << order) > to {
                order -= 1;
            }
            self.free[order as usize].insert(from);
            from += 1 << order;
        }
    }

    fn alloc(&mut self, order: u32) -> Option<u64> {
        for k in order..MAX_ORDER {
            if let Some(&b) = self.free[k as usize].iter().next() {
                self.free[k as usize].remove(&b);
                for j in (order..k).rev() {
                    self.free[j as usize].insert(b + (1u64 << j));
                }
                self.used.insert(b, order);
                return Some(b);
            }
        }
        let at = self.top.next_multiple_of(1 << order);
        let end = at.checked_add(1 << order)?;
        if end > DMAP_PAGES {
            return None;
        }
        let top = self.top;
        self.add_free_range(top, at);
        self.top = end;
        self.used.insert(at, order);
        Some(at)
    }

    /// `n` contiguous pages (for vmalloc sizes beyond the largest block).
    fn alloc_run(&mut self, n: u64) -> Option<u64> {
        let at = self.top;
        let end = at.checked_add(n)?;
        if end > DMAP_PAGES {
            return None;
        }
        self.top = end;
        self.runs.insert(at, n);
        Some(at)
    }

    fn free(&mut self, idx: u64) -> Option<u32> {
        if let Some(n) = self.runs.remove(&idx) {
            self.add_free_range(idx, idx + n);
            return Some(MAX_ORDER);
        }
        let order = self.used.remove(&idx)?;
        let (mut b, mut o) = (idx, order);
        while o + 1 < MAX_ORDER {
            let buddy = b ^ (1u64 << o);
            if !self.free[o as usize].remove(&buddy) {
                break;
            }
            b = b.min(buddy);
            o += 1;
        }
        self.free[o as usize].insert(b);
        Some(order)
    }
}

static DMAP: OnceLock<Option<DirectMap>> = OnceLock::new();

fn reserve(len: u64) -> Option<u64> {
    // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    (p != libc::MAP_FAILED).then_some(p as u64)
}

/// The direct map (reserved on first use).
pub fn dmap() -> Option<&'static DirectMap> {
    DMAP.get_or_init(|| {
        let base = reserve(DMAP_PAGES * PAGE_SIZE)?;
        let pages = reserve(DMAP_PAGES * pg::SIZE)?;
        let buddy = Buddy { free: vec![BTreeSet::new(); MAX_ORDER as usize], ..Buddy::default() };
        Some(DirectMap { base, pages, buddy: Mutex::new(buddy) })
    })
    .as_ref()
}

impl DirectMap {
    /// `page_offset_base`: the virtual address of physical address 0.
    pub fn page_offset_base(&self) -> u64 {
        self.base.wrapping_sub(PHYS_START)
    }

    /// `vmemmap_base`: where pfn 0's `struct page` would be.
    pub fn vmemmap_base(&self) -> u64 {
        self.pages.wrapping_sub((PHYS_START >> PAGE_SHIFT) * pg::SIZE)
    }

    /// Whether `addr` lies in the direct map.
    pub fn contains(&self, addr: u64) -> bool {
        addr >= self.base && addr - self.base < DMAP_PAGES * PAGE_SIZE
    }

    /// The page index (from the start of the map) of an address in it.
    pub fn index_of(&self, addr: u64) -> Option<u64> {
        self.contains(addr).then(|| (addr - self.base) >> PAGE_SHIFT)
    }

    pub fn addr_of(&self, idx: u64) -> u64 {
        self.base + (idx << PAGE_SHIFT)
    }

    /// `struct page *` of page `idx`.
    pub fn page_of(&self, idx: u64) -> u64 {
        self.pages + idx * pg::SIZE
    }

    /// The page index of a `struct page *`, if it is one of ours.
    pub fn index_of_page(&self, page: u64) -> Option<u64> {
        let off = page.checked_sub(self.pages)?;
        (off % pg::SIZE == 0 && off / pg::SIZE < DMAP_PAGES).then_some(off / pg::SIZE)
    }

    /// Allocates 2^order pages; returns the first page index. The `struct
    /// page`s are set up as Linux's allocator leaves them: the first page's
    /// refcount 1, the others 0, mapcounts -1; with `__GFP_COMP` a compound
    /// page (head flag, tails pointing at the head, order and count in the
    /// first tail).
    pub fn alloc_pages(&self, gfp_flags: u32, order: u32) -> Option<u64> {
        if order >= MAX_ORDER {
            return None;
        }
        let idx = self.buddy.lock().unwrap_or_else(|e| e.into_inner()).alloc(order)?;
        let n = 1u64 << order;
        let addr = self.addr_of(idx);
        if gfp_flags & GFP_ZERO != 0 {
            // SAFETY: the block was just allocated: n pages in the map.
            unsafe { std::ptr::write_bytes(addr as *mut u8, 0, (n * PAGE_SIZE) as usize) };
        }
        let head = self.page_of(idx);
        let zone = c::ZONE_NORMAL << c::ZONES_PGSHIFT;
        for i in 0..n {
            let p = self.page_of(idx + i);
            // SAFETY: the struct pages of the block (reserved array, ours).
            unsafe {
                std::ptr::write_bytes(p as *mut u8, 0, pg::SIZE as usize);
                wr64(p + pg::flags, zone);
                wr32(p + pg::_mapcount, u32::MAX);
                wr32(p + pg::_refcount, u32::from(i == 0));
            }
        }
        if gfp_flags & GFP_COMP != 0 && order > 0 {
            let t = head + pg::SIZE;
            // SAFETY: as above (prep_compound_page's fields).
            unsafe {
                wr64(head + pg::flags, zone | 1 << c::PG_head);
                for i in 1..n {
                    wr64(head + i * pg::SIZE + pg::compound_head, head | 1);
                }
                *((t + pg::compound_dtor) as *mut u8) = c::COMPOUND_PAGE_DTOR as u8;
                *((t + pg::compound_order) as *mut u8) = order as u8;
                wr32(t + pg::compound_mapcount, u32::MAX);
                wr32(t + pg::compound_nr, n as u32);
            }
        }
        Some(idx)
    }

    /// Allocates `n` contiguous zeroed pages (vmalloc): a block when one is
    /// big enough, else a run. Returns the first page index.
    pub fn alloc_contig(&self, n: u64) -> Option<u64> {
        if n == 0 {
            return None;
        }
        let order = 64 - (n - 1).leading_zeros();
        if order < MAX_ORDER {
            return self.alloc_pages(GFP_ZERO, order);
        }
        let idx = self.buddy.lock().unwrap_or_else(|e| e.into_inner()).alloc_run(n)?;
        let zone = c::ZONE_NORMAL << c::ZONES_PGSHIFT;
        for i in 0..n {
            let p = self.page_of(idx + i);
            // SAFETY: the struct pages of the run (reserved array, ours).
            unsafe {
                std::ptr::write_bytes(p as *mut u8, 0, pg::SIZE as usize);
                wr64(p + pg::flags, zone);
                wr32(p + pg::_mapcount, u32::MAX);
                wr32(p + pg::_refcount, 1);
            }
        }
        Some(idx)
    }

    /// Frees the block that starts at page `idx` (its order as allocated).
    pub fn free_block(&self, idx: u64) -> bool {
        let order = self.buddy.lock().unwrap_or_else(|e| e.into_inner()).free(idx);
        if let Some(order) = order {
            if order >= 4 && order < MAX_ORDER {
                // Give large blocks' memory back (they read as zero again).
                // SAFETY: the block is free and ours.
                unsafe { libc::madvise(self.addr_of(idx) as *mut libc::c_void, (PAGE_SIZE << order) as usize, libc::MADV_DONTNEED) };
            }
        }
        order.is_some()
    }

    /// The order a block was allocated with, if `idx` starts one.
    pub fn block_order(&self, idx: u64) -> Option<u32> {
        self.buddy.lock().unwrap_or_else(|e| e.into_inner()).used.get(&idx).copied()
    }

    /// The size in bytes of the block or run that starts at page `idx`.
    pub fn block_bytes(&self, idx: u64) -> Option<u64> {
        let b = self.buddy.lock().unwrap_or_else(|e| e.into_inner());
        b.used.get(&idx).map(|o| PAGE_SIZE << o).or_else(|| b.runs.get(&idx).map(|n| n * PAGE_SIZE))
    }

    /// Pages handed out right now.
    pub fn used_pages(&self) -> u64 {
        self.buddy.lock().unwrap_or_else(|e| e.into_inner()).used.values().map(|o| 1u64 << o).sum()
    }
}

/// # Safety
/// `a` must be a writable, 8-byte aligned address.
unsafe fn wr64(a: u64, v: u64) {
    // SAFETY: per the contract.
    unsafe { (a as *mut u64).write(v) }
}

/// # Safety
/// `a` must be a writable, 4-byte aligned address.
unsafe fn wr32(a: u64, v: u32) {
    // SAFETY: per the contract.
    unsafe { (a as *mut u32).write(v) }
}

fn rd32(a: u64) -> u32 {
    // SAFETY: a field of one of our struct pages.
    unsafe { (a as *const u32).read() }
}

fn rd64(a: u64) -> u64 {
    // SAFETY: a field of one of our struct pages.
    unsafe { (a as *const u64).read() }
}

crate::export_data!("page_offset_base", size 8, align 8, init = init_page_offset_base);
crate::export_data!("vmemmap_base", size 8, align 8, init = init_vmemmap_base);
// No physical relocation of the kernel image (as with nokaslr): the image
// addresses modules see are not Linux's anyway.
crate::export_data!("phys_base", size 16, align 8);
crate::export_data!("_totalram_pages", size 8, align 8, init = init_totalram);

fn init_page_offset_base(a: u64, _b: &crate::vmlinux::Builder) {
    let v = dmap().map_or(0, DirectMap::page_offset_base);
    // SAFETY: a fresh 8-byte object in the data area.
    unsafe { wr64(a, v) };
}

fn init_vmemmap_base(a: u64, _b: &crate::vmlinux::Builder) {
    let v = dmap().map_or(0, DirectMap::vmemmap_base);
    // SAFETY: a fresh 8-byte object in the data area.
    unsafe { wr64(a, v) };
}

/// `_totalram_pages`: this machine's RAM in pages (as Linux counts it:
/// what the page allocator manages; sysinfo's total is the closest).
fn init_totalram(a: u64, _b: &crate::vmlinux::Builder) {
    let pages = host_meminfo().0;
    // SAFETY: a fresh 8-byte object in the data area.
    unsafe { wr64(a, pages) };
}

crate::kfn! {
    /// `struct page *alloc_pages(gfp, order)` (NUMA: any node).
    fn alloc_pages(gfp_mask: u32, order: u32) -> u64 {
        dmap().and_then(|d| d.alloc_pages(gfp_mask, order).map(|i| d.page_of(i))).unwrap_or(0)
    }
}

crate::kfn! {
    /// `struct page *__alloc_pages(gfp, order, preferred_nid, nodemask)`.
    fn __alloc_pages(gfp_mask: u32, order: u32, _nid: i32, _nodemask: u64) -> u64 {
        alloc_pages(gfp_mask, order)
    }
}

crate::kfn! {
    /// `unsigned long __get_free_pages(gfp, order)`: the address (never highmem).
    fn __get_free_pages(gfp_mask: u32, order: u32) -> u64 {
        dmap().and_then(|d| d.alloc_pages(gfp_mask & !(gfp::HIGHMEM as u32), order).map(|i| d.addr_of(i))).unwrap_or(0)
    }
}

crate::kfn! {
    /// `unsigned long get_zeroed_page(gfp)`.
    fn get_zeroed_page(gfp_mask: u32) -> u64 {
        __get_free_pages(gfp_mask | GFP_ZERO, 0)
    }
}

/// `put_page_testzero`: drops a reference; true when it was the last.
fn put_testzero(page: u64) -> bool {
    // SAFETY: _refcount of one of our struct pages, updated atomically as
    // module code does (atomic_t).
    let rc = unsafe { &*((page + pg::_refcount) as *const std::sync::atomic::AtomicI32) };
    rc.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1
}

crate::kfn! {
    /// `void __free_pages(page, order)`: drops the caller's reference; the
    /// last one frees the block. If others still hold the first page of a
    /// non-compound block, the rest of it is freed now (as Linux does).
    fn __free_pages(page: u64, order: u32) {
        let Some(d) = dmap() else { return };
        let Some(idx) = d.index_of_page(page) else { return };
        let head = rd64(page + pg::flags) & (1 << c::PG_head) != 0;
        if put_testzero(page) {
            d.free_block(idx);
        } else if !head {
            // Free the tail halves the allocator split off: the block was
            // one allocation, so give back [idx + 1, idx + 2^order) by
            // re-registering them as separate blocks and freeing those.
            let mut b = d.buddy.lock().unwrap_or_else(|e| e.into_inner());
            if b.used.get(&idx) == Some(&order) {
                b.used.insert(idx, 0);
                let mut o = order;
                while o > 0 {
                    o -= 1;
                    let t = idx + (1u64 << o);
                    b.used.insert(t, o);
                    b.free(t);
                }
            }
        }
    }
}

crate::kfn! {
    /// `void free_pages(addr, order)`.
    fn free_pages(addr: u64, order: u32) {
        if addr == 0 {
            return;
        }
        if let Some(d) = dmap() {
            if let Some(i) = d.index_of(addr) {
                __free_pages(d.page_of(i), order);
            }
        }
    }
}

crate::kfn! {
    /// `void __folio_put(folio)`: the last reference went (put_page()).
    fn __folio_put(folio: u64) {
        let Some(d) = dmap() else { return };
        if let Some(idx) = d.index_of_page(folio) {
            d.free_block(idx);
        }
    }
}

crate::kfn! {
    /// `void *alloc_pages_exact(size, gfp)`: whole pages, the tail beyond
    /// PAGE_ALIGN(size) given back.
    fn alloc_pages_exact(size: usize, gfp_mask: u32) -> u64 {
        let Some(d) = dmap() else { return 0 };
        let pages = (size as u64).div_ceil(PAGE_SIZE).max(1);
        let order = 64 - (pages - 1).leading_zeros().min(64);
        let Some(idx) = d.alloc_pages(gfp_mask & !GFP_COMP, order) else { return 0 };
        let mut b = d.buddy.lock().unwrap_or_else(|e| e.into_inner());
        // split into order-0 blocks, free the tail (split_page + free)
        b.used.remove(&idx);
        for i in 0..(1u64 << order) {
            b.used.insert(idx + i, 0);
        }
        drop(b);
        for i in pages..(1u64 << order) {
            // SAFETY: our struct page: split_page gives each page refcount 1.
            unsafe { wr32(d.page_of(idx + i) + pg::_refcount, 1) };
            d.free_block(idx + i);
        }
        for i in 0..pages {
            // SAFETY: as above.
            unsafe { wr32(d.page_of(idx + i) + pg::_refcount, 1) };
        }
        d.addr_of(idx)
    }
}

crate::kfn! {
    /// `void free_pages_exact(virt, size)`.
    fn free_pages_exact(virt: u64, size: usize) {
        let Some(d) = dmap() else { return };
        let Some(idx) = d.index_of(virt) else { return };
        for i in 0..(size as u64).div_ceil(PAGE_SIZE) {
            if put_testzero(d.page_of(idx + i)) {
                d.free_block(idx + i);
            }
        }
    }
}

/// The refcount of page `idx` (for tests and reports).
pub fn page_refcount(idx: u64) -> Option<u32> {
    dmap().map(|d| rd32(d.page_of(idx) + pg::_refcount))
}

// `node_states[NR_NODE_STATES]` (mm/page_alloc.c): nodemask_t (MAX_NUMNODES
// = 1024 bits) for N_POSSIBLE, N_ONLINE, N_NORMAL_MEMORY (= N_HIGH_MEMORY
// without HIGHMEM), N_MEMORY, N_CPU, N_GENERIC_INITIATOR. The host's
// machine is node 0 with memory and CPUs, no generic initiator; one node
// possible and online.
crate::export_data!("node_states", size 0x300, align 64, init = init_node_states);
crate::export_data!("nr_node_ids", size 4, align 4, init = init_one);
crate::export_data!("nr_online_nodes", size 4, align 4, init = init_one);

fn init_node_states(addr: u64, _b: &crate::vmlinux::Builder) {
    for state in 0..5u64 {
        // SAFETY: word 0 of nodemask `state` in the fresh array.
        unsafe { ((addr + state * 0x80) as *mut u64).write(1) };
    }
}
fn init_one(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh 4-byte vmlinux object.
    unsafe { (addr as *mut u32).write(1) };
}

/// The machine's memory now, in pages: (total, free, shared, buffers).
fn host_meminfo() -> (u64, u64, u64, u64) {
    // SAFETY: sysinfo fills the struct it is given.
    unsafe {
        let mut si: libc::sysinfo = std::mem::zeroed();
        if libc::sysinfo(&mut si) != 0 {
            return (0, 0, 0, 0);
        }
        let u = u64::from(si.mem_unit.max(1));
        let p = |v: libc::c_ulong| (v as u64).saturating_mul(u) / PAGE_SIZE;
        (p(si.totalram), p(si.freeram), p(si.sharedram), p(si.bufferram))
    }
}

crate::kfn! {
    /// `void si_meminfo(struct sysinfo *val)`: RAM in pages (mem_unit is
    /// PAGE_SIZE): total as `_totalram_pages`, free, shared and buffer
    /// pages as the machine has them now; no high memory on x86-64.
    fn si_meminfo(val: u64) {
        use crate::layout::sysinfo as si;
        let (_, free, shared, buffers) = host_meminfo();
        let total = crate::vmlinux::get()
            .and_then(|v| v.symbol("_totalram_pages"))
            // SAFETY: the host's _totalram_pages object.
            .map_or(0, |a| unsafe { (a as *const u64).read() });
        // SAFETY: the caller's struct sysinfo.
        unsafe {
            wr64(val + si::totalram, total);
            wr64(val + si::sharedram, shared);
            wr64(val + si::freeram, free);
            wr64(val + si::bufferram, buffers);
            wr64(val + si::totalhigh, 0);
            wr64(val + si::freehigh, 0);
            ((val + si::mem_unit) as *mut u32).write_unaligned(PAGE_SIZE as u32);
        }
    }
}

crate::kfn! {
    /// `unsigned long nr_free_buffer_pages(void)`: free pages in the zones
    /// buffers may use (DMA and Normal: all of a 64-bit machine's), taken
    /// from the machine's free memory now.
    fn nr_free_buffer_pages() -> u64 {
        host_meminfo().1
    }
}
