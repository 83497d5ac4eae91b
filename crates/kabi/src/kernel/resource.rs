//! kernel/resource.c: the trees of I/O port and memory resources
//! (`ioport_resource`, `iomem_resource`), `request_resource`,
//! `release_resource`, `insert_resource`, `remove_resource`,
//! `__request_region`, `__release_region`, and their views `/proc/ioports`
//! and `/proc/iomem`.
//!
//! The host's machine is a PC without the modules' hardware: at boot the
//! port tree holds what x86's `reserve_standard_io_resources()` claims on
//! every PC (dma1, pic1, timer0, timer1, keyboard, dma page reg, pic2, dma2,
//! fpu — busy, as Linux claims them); nothing else claims ports (no
//! PCI host bridge, no PnP/ACPI devices: the namespace has none). The memory
//! tree spans the CPU's physical address space (`iomem_resource.end` is
//! `(1 << x86_phys_bits) - 1`, as `setup_arch` sets it) and is empty: the
//! host models no firmware memory map (no e820 "System RAM", no ROMs) and no
//! memory-mapped devices.
//!
//! The nodes are `struct resource` objects linked through their own
//! `parent`/`sibling`/`child` pointers, as on Linux: modules walk them.

use std::collections::BTreeSet;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::drivers::base::{cstr, kfree, kstrdup, kzalloc, rd64, wr64};
use crate::fs::kernfs;
use crate::layout::resource;

pub(crate) const IORESOURCE_TYPE_BITS: u64 = 0x0000_1f00;
pub(crate) const IORESOURCE_IO: u64 = 0x0000_0100;
pub(crate) const IORESOURCE_MEM: u64 = 0x0000_0200;
pub(crate) const IORESOURCE_EXT_TYPE_BITS: u64 = 0x0100_0000;
pub(crate) const IORESOURCE_MUXED: u64 = 0x0040_0000;
pub(crate) const IORESOURCE_BUSY: u64 = 0x8000_0000;

const EBUSY: i32 = -16;
const EINVAL: i32 = -22;

/// `resource_lock`, and the set of nodes the kernel allocated
/// (`alloc_resource`), which `free_resource` frees; the boot-time nodes
/// are static on Linux and never freed.
struct Tree {
    allocated: BTreeSet<u64>,
}

static LOCK: Mutex<Tree> = Mutex::new(Tree {
    allocated: BTreeSet::new(),
});
/// `muxed_resource_wait`.
static MUXED: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Tree> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn start(r: u64) -> u64 {
    rd64(r + resource::start)
}
fn end(r: u64) -> u64 {
    rd64(r + resource::end)
}
fn flags(r: u64) -> u64 {
    rd64(r + resource::flags)
}
fn parent(r: u64) -> u64 {
    rd64(r + resource::parent)
}
fn sibling(r: u64) -> u64 {
    rd64(r + resource::sibling)
}
fn child(r: u64) -> u64 {
    rd64(r + resource::child)
}

/// `__request_resource(root, new)`: links `new` under `root`; NULL, or the
/// node it conflicts with (`root` itself when `new` is not inside it).
fn request_locked(root: u64, new: u64) -> u64 {
    let (s, e) = (start(new), end(new));
    if e < s || s < start(root) || e > end(root) {
        return root;
    }
    // p: the address of the link to follow (root->child, then ->sibling)
    let mut p = root + resource::child;
    loop {
        let tmp = rd64(p);
        if tmp == 0 || start(tmp) > e {
            wr64(new + resource::sibling, tmp);
            wr64(p, new);
            wr64(new + resource::parent, root);
            return 0;
        }
        p = tmp + resource::sibling;
        if end(tmp) < s {
            continue;
        }
        return tmp;
    }
}

/// `__release_resource(old, release_child)`: 0, or -EINVAL when `old` is
/// not in its parent's list.
fn release_locked(old: u64, release_child: bool) -> i32 {
    let par = parent(old);
    if par == 0 {
        return EINVAL;
    }
    let mut p = par + resource::child;
    loop {
        let tmp = rd64(p);
        if tmp == 0 {
            return EINVAL;
        }
        if tmp == old {
            if release_child || child(tmp) == 0 {
                wr64(p, sibling(tmp));
            } else {
                let mut chd = child(tmp);
                loop {
                    wr64(chd + resource::parent, parent(tmp));
                    if sibling(chd) == 0 {
                        break;
                    }
                    chd = sibling(chd);
                }
                wr64(p, child(tmp));
                wr64(chd + resource::sibling, sibling(tmp));
            }
            wr64(old + resource::parent, 0);
            return 0;
        }
        p = tmp + resource::sibling;
    }
}

/// `__insert_resource(parent, new)`: NULL or the conflicting node.
fn insert_locked(mut par: u64, new: u64) -> u64 {
    let first;
    loop {
        let f = request_locked(par, new);
        if f == 0 || f == par {
            return f;
        }
        if f == new {
            // WARN_ON(first == new): a duplicated insertion
            crate::log::kernel_msg(
                4,
                "WARNING: at kernel/resource.c __insert_resource: duplicated insertion",
            );
            return f;
        }
        if start(f) > start(new) || end(f) < end(new) {
            first = f;
            break;
        }
        if start(f) == start(new) && end(f) == end(new) {
            first = f;
            break;
        }
        par = f;
    }
    let mut next = first;
    loop {
        if start(next) < start(new) || end(next) > end(new) {
            return next;
        }
        let sib = sibling(next);
        if sib == 0 || start(sib) > end(new) {
            break;
        }
        next = sib;
    }
    wr64(new + resource::parent, par);
    wr64(new + resource::sibling, sibling(next));
    wr64(new + resource::child, first);
    wr64(next + resource::sibling, 0);
    let mut n = first;
    while n != 0 {
        wr64(n + resource::parent, new);
        n = sibling(n);
    }
    if child(par) == first {
        wr64(par + resource::child, new);
    } else {
        let mut n = child(par);
        while n != 0 && sibling(n) != first {
            n = sibling(n);
        }
        if n != 0 {
            wr64(n + resource::sibling, new);
        }
    }
    0
}

crate::kfn! {
    /// `request_resource(root, new)`: 0, or -EBUSY when `new` conflicts
    /// with a node of `root` (or does not fit in it).
    fn request_resource(root: u64, new: u64) -> i32 {
        let _g = lock();
        if request_locked(root, new) != 0 { EBUSY } else { 0 }
    }
}

crate::kfn! {
    /// `release_resource(old)`: unlinks `old` (its children stay with it);
    /// -EINVAL when it is not in the tree.
    fn release_resource(old: u64) -> i32 {
        let _g = lock();
        release_locked(old, true)
    }
}

crate::kfn! {
    /// `remove_resource(old)`: unlinks `old`, its children take its place.
    fn remove_resource(old: u64) -> i32 {
        let _g = lock();
        release_locked(old, false)
    }
}

crate::kfn! {
    /// `insert_resource(parent, new)`: links `new` into the tree, adopting
    /// the nodes it covers; -EBUSY on a partial overlap.
    fn insert_resource(par: u64, new: u64) -> i32 {
        let _g = lock();
        if insert_locked(par, new) != 0 { EBUSY } else { 0 }
    }
}

/// `__request_region_locked`: claims `[start, start+n)` under `parent`
/// (descending into non-busy nodes); muxed regions wait for the holder.
fn request_region_locked<'a>(
    mut g: MutexGuard<'a, Tree>,
    res: u64,
    mut par: u64,
    s: u64,
    n: u64,
    name: u64,
    fl: u64,
) -> (MutexGuard<'a, Tree>, i32) {
    wr64(res + resource::name, name);
    wr64(res + resource::start, s);
    wr64(res + resource::end, s.wrapping_add(n).wrapping_sub(1));
    loop {
        let pf = flags(par);
        wr64(
            res + resource::flags,
            (pf & IORESOURCE_TYPE_BITS) | (pf & IORESOURCE_EXT_TYPE_BITS) | IORESOURCE_BUSY | fl,
        );
        wr64(res + resource::desc, rd64(par + resource::desc));
        let conflict = request_locked(par, res);
        if conflict == 0 {
            return (g, 0);
        }
        if conflict != par && flags(conflict) & IORESOURCE_BUSY == 0 {
            par = conflict;
            continue;
        }
        if flags(conflict) & fl & IORESOURCE_MUXED != 0 {
            g = MUXED.wait(g).unwrap_or_else(|e| e.into_inner());
            continue;
        }
        return (g, EBUSY);
    }
}

crate::kfn! {
    /// `__request_region(parent, start, n, name, flags)`: a new busy node
    /// for the range, or NULL when the range is taken (or empty, or not
    /// inside `parent`).
    fn __request_region(par: u64, s: u64, n: u64, name: u64, fl: i32) -> u64 {
        let res = kzalloc(resource::SIZE);
        if res == 0 {
            return 0;
        }
        let g = lock();
        let (mut g, r) = request_region_locked(g, res, par, s, n, name, fl as i64 as u64);
        if r != 0 {
            drop(g);
            kfree(res);
            return 0;
        }
        g.allocated.insert(res);
        res
    }
}

crate::kfn! {
    /// `__release_region(parent, start, n)`: frees the busy node of exactly
    /// that range; otherwise Linux's "Trying to free nonexistent resource"
    /// warning.
    fn __release_region(par: u64, s: u64, n: u64) {
        let e = s.wrapping_add(n).wrapping_sub(1);
        let mut g = lock();
        let mut p = par + resource::child;
        loop {
            let res = rd64(p);
            if res == 0 {
                break;
            }
            if start(res) <= s && end(res) >= e {
                if flags(res) & IORESOURCE_BUSY == 0 {
                    p = res + resource::child;
                    continue;
                }
                if start(res) != s || end(res) != e {
                    break;
                }
                wr64(p, sibling(res));
                let allocated = g.allocated.remove(&res);
                drop(g);
                if flags(res) & IORESOURCE_MUXED != 0 {
                    MUXED.notify_all();
                }
                if allocated {
                    kfree(res);
                }
                return;
            }
            p = res + resource::sibling;
        }
        drop(g);
        crate::log::kernel_msg(4, &format!("Trying to free nonexistent resource <0x{s:016x}-0x{e:016x}>"));
    }
}

/// The next node of a pre-order walk of `root`'s tree (`next_resource`).
fn next_node(root: u64, p: u64) -> u64 {
    if child(p) != 0 {
        return child(p);
    }
    let mut p = p;
    while sibling(p) == 0 && parent(p) != 0 {
        p = parent(p);
        if p == root {
            return 0;
        }
    }
    sibling(p)
}

/// `/proc/ioports` or `/proc/iomem` (`r_show`), as root reads it: each
/// node indented two spaces per level (at most 5), its range in 4 (ports)
/// or 8 hex digits and its name.
fn show(root: u64) -> Vec<u8> {
    let _g = lock();
    let width = if end(root) < 0x10000 { 4 } else { 8 };
    let mut out = String::new();
    let mut r = child(root);
    let mut guard = 0u32;
    while r != 0 && guard < 1 << 20 {
        guard += 1;
        let mut depth = 0;
        let mut p = r;
        while depth < 5 {
            if parent(p) == root {
                break;
            }
            depth += 1;
            p = parent(p);
        }
        let name = cstr(rd64(r + resource::name)).unwrap_or_else(|| "<BAD>".into());
        out.push_str(&format!(
            "{:indent$}{:0w$x}-{:0w$x} : {name}\n",
            "",
            start(r),
            end(r),
            indent = depth * 2,
            w = width
        ));
        r = next_node(root, r);
    }
    out.into_bytes()
}

/// `standard_io_resources` of arch/x86/kernel/setup.c.
const STANDARD_IO: [(u64, u64, &std::ffi::CStr); 10] = [
    (0x00, 0x1f, c"dma1"),
    (0x20, 0x21, c"pic1"),
    (0x40, 0x43, c"timer0"),
    (0x50, 0x53, c"timer1"),
    (0x60, 0x60, c"keyboard"),
    (0x64, 0x64, c"keyboard"),
    (0x80, 0x8f, c"dma page reg"),
    (0xa0, 0xa1, c"pic2"),
    (0xc0, 0xdf, c"dma2"),
    (0xf0, 0xff, c"fpu"),
];

crate::export_data!("ioport_resource", size resource::SIZE, align 64, init = init_ioport);
crate::export_data!("iomem_resource", size resource::SIZE, align 64, init = init_iomem);

fn init_ioport(addr: u64, _b: &crate::vmlinux::Builder) {
    wr64(addr + resource::start, 0);
    wr64(addr + resource::end, 0xffff);
    wr64(addr + resource::name, c"PCI IO".as_ptr() as u64);
    wr64(addr + resource::flags, IORESOURCE_IO);
    // reserve_standard_io_resources()
    for (s, e, name) in STANDARD_IO {
        let r = kzalloc(resource::SIZE);
        if r == 0 {
            continue;
        }
        wr64(r + resource::start, s);
        wr64(r + resource::end, e);
        wr64(r + resource::name, name.as_ptr() as u64);
        wr64(r + resource::flags, IORESOURCE_BUSY | IORESOURCE_IO);
        request_locked(addr, r);
    }
    kernfs::add_file("/proc/ioports", move || show(addr));
}

fn init_iomem(addr: u64, _b: &crate::vmlinux::Builder) {
    let bits = crate::arch::x86::cpu::identify().phys_bits.clamp(32, 63);
    wr64(addr + resource::start, 0);
    wr64(addr + resource::end, (1u64 << bits) - 1);
    wr64(addr + resource::name, c"PCI mem".as_ptr() as u64);
    wr64(addr + resource::flags, IORESOURCE_MEM);
    kernfs::add_file("/proc/iomem", move || show(addr));
}

fn roots() -> [u64; 2] {
    let v = crate::vmlinux::get();
    let s = |n| v.and_then(|v| v.symbol(n)).unwrap_or(0);
    [s("ioport_resource"), s("iomem_resource")]
}

/// A module's memory goes: its own `struct resource` nodes leave the trees
/// (with what hangs under them); regions the kernel allocated for it keep
/// their range busy, as on Linux, but get a kernel copy of their name.
fn purge(lo: u64, hi: u64) {
    let inside = |a: u64| a >= lo && a < hi;
    let mut g = lock();
    for root in roots() {
        if root == 0 {
            continue;
        }
        // collect first, then unlink (unlinking changes the walk)
        let mut gone = Vec::new();
        let mut renamed = Vec::new();
        let mut r = child(root);
        while r != 0 {
            if inside(r) {
                gone.push(r);
                // skip what hangs under it
                let mut p = r;
                while sibling(p) == 0 && parent(p) != 0 && parent(p) != root {
                    p = parent(p);
                }
                r = if parent(p) == 0 { 0 } else { sibling(p) };
                continue;
            }
            if inside(rd64(r + resource::name)) {
                renamed.push(r);
            }
            r = next_node(root, r);
        }
        for r in renamed {
            let name = cstr(rd64(r + resource::name)).unwrap_or_default();
            wr64(r + resource::name, kstrdup(&name));
        }
        for r in gone.into_iter().rev() {
            release_locked(r, true);
        }
    }
    g.allocated.retain(|&a| !inside(a));
}
crate::purge_on_module_free!(purge);

// ---------------------------------------------------------------------------
// Managed regions (`__devm_request_region`, `__devm_release_region`): the
// region is a device resource (drivers/base/devres), released with the
// device's other resources.

use crate::drivers::base::devres;

/// `struct region_devres { parent; start; n; }` (kernel/resource.c, private).
const REGION_DEVRES_SIZE: u64 = 24;

/// `devm_region_release(dev, res)`: releases the region.
extern "C" fn devm_region_release(_dev: u64, res: u64) {
    __release_region(rd64(res), rd64(res + 8), rd64(res + 16));
}

/// `devm_region_match(dev, res, match_data)`: same parent, start and size.
extern "C" fn devm_region_match(_dev: u64, res: u64, m: u64) -> i32 {
    (rd64(res) == rd64(m) && rd64(res + 8) == rd64(m + 8) && rd64(res + 16) == rd64(m + 16)) as i32
}

crate::kfn! {
    /// `__devm_request_region(dev, parent, start, n, name)`: as
    /// `__request_region` (flags 0), the region released when the device's
    /// resources are; NULL when the range is taken.
    fn __devm_request_region(dev: u64, par: u64, s: u64, n: u64, name: u64) -> u64 {
        let dr = devres::__devres_alloc_node(
            devm_region_release as *const () as u64,
            REGION_DEVRES_SIZE,
            0,
            -1,
            c"devm_region_release".as_ptr() as u64,
        );
        if dr == 0 {
            return 0;
        }
        wr64(dr, par);
        wr64(dr + 8, s);
        wr64(dr + 16, n);
        let res = __request_region(par, s, n, name, 0);
        if res != 0 {
            devres::devres_add(dev, dr);
        } else {
            devres::devres_free(dr);
        }
        res
    }
}

crate::kfn! {
    /// `__devm_release_region(dev, parent, start, n)`: releases the region
    /// and forgets its device resource (Linux warns when there is none).
    fn __devm_release_region(dev: u64, par: u64, s: u64, n: u64) {
        __release_region(par, s, n);
        let m = [par, s, n];
        let r = devres::devres_destroy(
            dev,
            devm_region_release as *const () as u64,
            devm_region_match as *const () as u64,
            m.as_ptr() as u64,
        );
        if r != 0 {
            crate::log::kernel_msg(4, "WARNING: at kernel/resource.c __devm_release_region: no managed region");
        }
    }
}
