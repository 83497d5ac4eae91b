//! kernel/padata.c: parallel work with serialized completion (pcrypt's
//! engine).
//!
//! A `struct padata_instance` is kernel memory laid out as Debian's
//! headers say (pcrypt adds its embedded kobject to its own kset), with the
//! parallel and serial cpumasks (`cpumask_var_t`s) filled in, `flags` =
//! PADATA_INIT and its shells on `pslist`. The rest lives here: each
//! instance has one parallel worker and one serial worker per CPU, host
//! threads bound to that CPU (they hold it only while they run module
//! code), as Linux's parallel workqueue is limited to the parallel cpumask
//! and `queue_work_on(cb_cpu, serial_wq, ..)` runs serial work on the
//! callback CPU.
//!
//! `padata_do_parallel` numbers each object in its shell's parallel_data
//! (`seq_nr`, from 0) and hands it to the parallel worker of the CPU its
//! number hashes to (the n-th CPU of the parallel mask, n = seq_nr mod the
//! mask's weight, as `padata_cpu_hash`), taking one of the global
//! `num_possible_cpus()` padata works; with none free the parallel
//! function runs in the caller, as Linux does. `padata_do_serial` puts the
//! object in its pd's reorder list and moves every object whose turn has
//! come (strictly in seq_nr order) to the serial queue of its callback
//! CPU, whose worker calls `->serial` in that order. The pd is freed after
//! its last object's `->serial` and its shell's `padata_free_shell`.
//!
//! Errors as 6.1 returns them: -EINVAL for an instance not started or
//! invalid, or an empty callback cpumask (a callback CPU outside the mask
//! is replaced by the mask's `cb_cpu % weight`-th CPU and written back);
//! -EBUSY while the instance is being reset (PADATA_RESET: never set here,
//! as the host's CPUs never go away and its sysfs has no write path for
//! the cpumask files). `/sys/kernel/pcrypt/<name>/{parallel,serial}_cpumask`
//! show the masks as `cpumap_print_to_pagebuf` does.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

use crate::drivers::base::{kfree, kzalloc, rd32, rd64, wr32, wr64};
use crate::layout::{
    attribute, attribute_group, kobj_type, misc, list_head, mutex as mx, padata_cpumask as pcm,
    padata_instance as pi, padata_priv as pp, padata_shell as ps, sysfs_ops,
};
use crate::vmlinux::NR_POSSIBLE_CPUS;

const EINVAL: i32 = -22;
const EBUSY: i32 = -16;
const PADATA_INIT: u8 = misc::PADATA_INIT as u8;
const PADATA_RESET: u8 = misc::PADATA_RESET as u8;
const PADATA_INVALID: u8 = misc::PADATA_INVALID as u8;
/// Bytes of a `cpumask_var_t` (cpumask_size() with CPUMASK_OFFSTACK).
const MASK_BYTES: u64 = 8;

/// A `struct parallel_data`: the objects of one shell between the masks'
/// changes.
struct Pd {
    pinst: u64,
    pcpu: u64,
    /// Next seq_nr to hand out.
    seq_nr: u32,
    /// seq_nr of the next object to serialize.
    processed: u32,
    /// Objects done with their parallel part, by seq_nr.
    reorder: BTreeMap<u32, u64>,
    /// Objects between padata_do_parallel and their `->serial`, plus one
    /// while a shell holds the pd.
    refcnt: u64,
}

struct Inst {
    name: String,
    /// Parallel queue of each CPU: padata objects.
    par: Vec<VecDeque<u64>>,
    /// Serial queue of each CPU: (padata, pd).
    ser: Vec<VecDeque<(u64, u64)>>,
    stop: bool,
    threads: Vec<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct State {
    insts: HashMap<u64, Inst>,
    pds: HashMap<u64, Pd>,
    /// shell -> its pd.
    shells: HashMap<u64, u64>,
    /// Free padata works (padata_init: one per possible CPU).
    free_works: usize,
    next_pd: u64,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);
static CV: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Option<State>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

fn state(g: &mut Option<State>) -> &mut State {
    g.get_or_insert_with(|| State { free_works: NR_POSSIBLE_CPUS, next_pd: 1, ..Default::default() })
}

fn rd8(a: u64) -> u8 {
    // SAFETY: a byte of a padata_instance the host allocated.
    unsafe { (a as *const u8).read_volatile() }
}
fn wr8(a: u64, v: u8) {
    // SAFETY: as rd8.
    unsafe { (a as *mut u8).write_volatile(v) }
}

fn list_init(h: u64) {
    wr64(h + list_head::next, h);
    wr64(h + list_head::prev, h);
}
fn list_add_tail(new: u64, head: u64) {
    let prev = rd64(head + list_head::prev);
    wr64(new + list_head::next, head);
    wr64(new + list_head::prev, prev);
    wr64(prev + list_head::next, new);
    wr64(head + list_head::prev, new);
}
fn list_del(e: u64) {
    let (n, p) = (rd64(e + list_head::next), rd64(e + list_head::prev));
    if n == 0 || p == 0 {
        return;
    }
    wr64(p + list_head::next, n);
    wr64(n + list_head::prev, p);
    list_init(e);
}

/// The bits of a cpumask_var_t (the host has at most 64 CPUs).
fn mask_bits(m: u64) -> u64 {
    if m == 0 {
        return 0;
    }
    rd64(m) & all_cpus()
}
fn all_cpus() -> u64 {
    (1u64 << NR_POSSIBLE_CPUS) - 1
}
fn pcpu_of(pinst: u64) -> u64 {
    mask_bits(rd64(pinst + pi::cpumask + pcm::pcpu))
}
fn cbcpu_of(pinst: u64) -> u64 {
    mask_bits(rd64(pinst + pi::cpumask + pcm::cbcpu))
}
/// The n-th set bit of `m` (`cpumask_nth`), m != 0.
fn nth(m: u64, n: u32) -> usize {
    let mut left = n;
    for c in 0..64 {
        if m & (1 << c) != 0 {
            if left == 0 {
                return c;
            }
            left -= 1;
        }
    }
    0
}

// ---------------------------------------------------------------------------
// Workers

fn spawn_workers(pinst: u64) -> Vec<std::thread::JoinHandle<()>> {
    let mut v = Vec::new();
    for cpu in 0..NR_POSSIBLE_CPUS {
        for serial in [false, true] {
            let name = format!("padata{}/{cpu}", if serial { "_s" } else { "_p" });
            if let Ok(h) = std::thread::Builder::new().name(name).spawn(move || worker(pinst, cpu, serial)) {
                v.push(h);
            }
        }
    }
    v
}

/// A worker of `pinst` bound to `cpu`: the parallel (or serial) queue of
/// that CPU, in order.
fn worker(pinst: u64, cpu: usize, serial: bool) {
    let task = crate::kernel::fork::current_task();
    crate::kernel::fork::bind(task, cpu);
    let mut g = lock();
    loop {
        let st = state(&mut g);
        let Some(inst) = st.insts.get_mut(&pinst) else {
            return;
        };
        let job = if serial {
            inst.ser[cpu].pop_front().map(|(p, pd)| (p, pd))
        } else {
            inst.par[cpu].pop_front().map(|p| (p, 0))
        };
        let Some((padata, pd)) = job else {
            if inst.stop {
                return;
            }
            g = CV.wait(g).unwrap_or_else(|e| e.into_inner());
            continue;
        };
        drop(g);
        if serial {
            // padata_serial_worker: ->serial, then the object's reference
            // on its pd (the object may be gone after ->serial).
            crate::fault::call_module(rd64(padata + pp::serial), [padata, 0, 0, 0, 0, 0]);
            g = lock();
            put_pd(state(&mut g), pd, 1);
        } else {
            // padata_parallel_worker: ->parallel, then the work is free.
            crate::fault::call_module(rd64(padata + pp::parallel), [padata, 0, 0, 0, 0, 0]);
            g = lock();
            state(&mut g).free_works += 1;
        }
        CV.notify_all();
    }
}

fn put_pd(st: &mut State, pd: u64, n: u64) {
    let gone = match st.pds.get_mut(&pd) {
        Some(p) => {
            p.refcnt = p.refcnt.saturating_sub(n);
            p.refcnt == 0
        }
        None => false,
    };
    if gone {
        st.pds.remove(&pd);
    }
}

/// A new pd for `pinst` with its current masks (padata_alloc_pd).
fn alloc_pd(st: &mut State, pinst: u64) -> u64 {
    let id = st.next_pd;
    st.next_pd += 1;
    st.pds.insert(
        id,
        Pd { pinst, pcpu: pcpu_of(pinst), seq_nr: 0, processed: 0, reorder: BTreeMap::new(), refcnt: 1 },
    );
    id
}

// ---------------------------------------------------------------------------
// sysfs: padata_attr_type

struct Ktype {
    ktype: u64,
    parallel: u64,
    serial: u64,
}

/// `padata_attr_type` with its default group (serial_cpumask and
/// parallel_cpumask, 0644) and sysfs_ops.
fn ktype() -> &'static Ktype {
    static K: OnceLock<Ktype> = OnceLock::new();
    K.get_or_init(|| {
        let attr = |name: &'static std::ffi::CStr| {
            let a = kzalloc(attribute::SIZE);
            if a != 0 {
                wr64(a + attribute::name, name.as_ptr() as u64);
                // SAFETY: the fresh attribute's 16-bit mode.
                unsafe { ((a + attribute::mode) as *mut u16).write(0o644) };
            }
            a
        };
        let serial = attr(c"serial_cpumask");
        let parallel = attr(c"parallel_cpumask");
        let attrs = kzalloc(3 * 8);
        let grp = kzalloc(attribute_group::SIZE);
        let groups = kzalloc(2 * 8);
        let ops = kzalloc(sysfs_ops::SIZE);
        let t = kzalloc(kobj_type::SIZE);
        if [attrs, grp, groups, ops, t].contains(&0) {
            return Ktype { ktype: t, parallel, serial };
        }
        wr64(attrs, serial);
        wr64(attrs + 8, parallel);
        wr64(grp + attribute_group::attrs, attrs);
        wr64(groups, grp);
        wr64(ops + sysfs_ops::show, padata_sysfs_show as *const () as u64);
        wr64(t + kobj_type::sysfs_ops, ops);
        wr64(t + kobj_type::default_groups, groups);
        wr64(t + kobj_type::release, padata_sysfs_release as *const () as u64);
        Ktype { ktype: t, parallel, serial }
    })
}

/// `show_cpumask`: the mask as `cpumap_print_to_pagebuf(false, ..)` prints
/// it (`%*pb`: hex, 32-bit groups separated by commas, nr_cpu_ids bits).
extern "C" fn padata_sysfs_show(kobj: u64, attr: u64, buf: u64) -> i64 {
    let pinst = kobj - pi::kobj;
    let k = ktype();
    let m = if attr == k.serial {
        cbcpu_of(pinst)
    } else if attr == k.parallel {
        pcpu_of(pinst)
    } else {
        return -5; // -EIO: no show
    };
    let s = format!("{}\n", print_mask(m, NR_POSSIBLE_CPUS as u32));
    // SAFETY: sysfs's page; the text is far shorter.
    unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), buf as *mut u8, s.len()) };
    s.len() as i64
}

/// `bitmap_string`: `nbits` bits as hex, most significant 32-bit chunk
/// first, chunks after the first zero-padded to 8 digits.
fn print_mask(m: u64, nbits: u32) -> String {
    let chunks = nbits.div_ceil(32).max(1);
    let mut out = String::new();
    for c in (0..chunks).rev() {
        let width = if c == chunks - 1 {
            let bits = nbits - c * 32;
            bits.div_ceil(4) as usize
        } else {
            8
        };
        let v = if c < 2 { (m >> (c * 32)) & 0xffff_ffff } else { 0 };
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&format!("{v:0width$x}"));
    }
    out
}

/// `padata_sysfs_release` → `__padata_free`: the workers are stopped (they
/// finish their queues first, as destroy_workqueue drains), the masks and
/// the instance freed.
extern "C" fn padata_sysfs_release(kobj: u64) {
    let pinst = kobj - pi::kobj;
    let threads = {
        let mut g = lock();
        let st = state(&mut g);
        match st.insts.get_mut(&pinst) {
            Some(i) => {
                i.stop = true;
                std::mem::take(&mut i.threads)
            }
            None => Vec::new(),
        }
    };
    CV.notify_all();
    crate::vmlinux::Vmlinux::off_cpu(|| {
        for t in threads {
            let _ = t.join();
        }
    });
    {
        let mut g = lock();
        let st = state(&mut g);
        if let Some(i) = st.insts.remove(&pinst) {
            crate::log::kernel_msg(7, &format!("padata: instance {} freed", i.name));
        }
    }
    let h = pinst + pi::pslist;
    if rd64(h + list_head::next) != h {
        crate::log::kernel_msg(4, "WARNING: padata_free: an instance freed with shells left (pslist not empty)");
    }
    kfree(rd64(pinst + pi::cpumask + pcm::pcpu));
    kfree(rd64(pinst + pi::cpumask + pcm::cbcpu));
    kfree(pinst);
}

// ---------------------------------------------------------------------------
// Exports

crate::kfn! {
    /// `padata_alloc(name)`: a started instance over every online CPU
    /// (NULL without memory).
    fn padata_alloc(name: u64) -> u64 {
        let name = crate::drivers::base::cstr(name).unwrap_or_default();
        let k = ktype();
        if k.ktype == 0 {
            return 0;
        }
        let pinst = kzalloc(pi::SIZE);
        let pcpu = kzalloc(MASK_BYTES);
        let cbcpu = kzalloc(MASK_BYTES);
        if pinst == 0 || pcpu == 0 || cbcpu == 0 {
            kfree(pinst);
            kfree(pcpu);
            kfree(cbcpu);
            return 0;
        }
        // cpu_possible_mask for both; the pd uses them & cpu_online_mask
        // (the same here).
        wr64(pcpu, all_cpus());
        wr64(cbcpu, all_cpus());
        wr64(pinst + pi::cpumask + pcm::pcpu, pcpu);
        wr64(pinst + pi::cpumask + pcm::cbcpu, cbcpu);
        list_init(pinst + pi::pslist);
        list_init(pinst + pi::lock + mx::wait_list);
        wr8(pinst + pi::flags, PADATA_INIT);
        crate::lib_::kobject::init(pinst + pi::kobj, k.ktype);
        {
            let mut g = lock();
            state(&mut g).insts.insert(
                pinst,
                Inst {
                    name,
                    par: vec![VecDeque::new(); NR_POSSIBLE_CPUS],
                    ser: vec![VecDeque::new(); NR_POSSIBLE_CPUS],
                    stop: false,
                    threads: Vec::new(),
                },
            );
        }
        let threads = spawn_workers(pinst);
        let mut g = lock();
        if let Some(i) = state(&mut g).insts.get_mut(&pinst) {
            i.threads = threads;
        }
        pinst
    }
}

crate::kfn! {
    /// `padata_free(pinst)`: drops the instance's kobject reference; its
    /// release frees it.
    fn padata_free(pinst: u64) {
        if pinst != 0 {
            crate::lib_::kobject::put(pinst + pi::kobj);
        }
    }
}

crate::kfn! {
    /// `padata_alloc_shell(pinst)`: a shell with a pd of its own (NULL
    /// without memory).
    fn padata_alloc_shell(pinst: u64) -> u64 {
        let shell = kzalloc(ps::SIZE);
        if shell == 0 {
            return 0;
        }
        let mut g = lock();
        let st = state(&mut g);
        let pd = alloc_pd(st, pinst);
        st.shells.insert(shell, pd);
        wr64(shell + ps::pinst, pinst);
        wr64(shell + ps::pd, pd);
        list_add_tail(shell + ps::list, pinst + pi::pslist);
        shell
    }
}

crate::kfn! {
    /// `padata_free_shell(ps)`: unlinks the shell and drops its pd
    /// reference (the pd goes when its last object is serialized).
    fn padata_free_shell(shell: u64) {
        if shell == 0 {
            return;
        }
        {
            let mut g = lock();
            let st = state(&mut g);
            if let Some(pd) = st.shells.remove(&shell) {
                put_pd(st, pd, 1);
            }
            list_del(shell + ps::list);
        }
        kfree(shell);
    }
}

crate::kfn! {
    /// `padata_do_parallel(ps, padata, cb_cpu)`: 0 when the object was
    /// accepted (its ->parallel runs on a parallel worker, or here when no
    /// padata work is free); -EINVAL / -EBUSY as Linux.
    fn padata_do_parallel(shell: u64, padata: u64, cb_cpu: u64) -> i32 {
        let pinst = rd64(shell + ps::pinst);
        let mut g = lock();
        let st = state(&mut g);
        let Some(&pd) = st.shells.get(&shell) else {
            return EINVAL;
        };
        let flags = rd8(pinst + pi::flags);
        if flags & PADATA_INIT == 0 || flags & PADATA_INVALID != 0 {
            return EINVAL;
        }
        let cbmask = cbcpu_of(pinst);
        let mut cb = rd32(cb_cpu) as i32;
        if cb < 0 || cb >= 64 || cbmask & (1 << cb) == 0 {
            if cbmask == 0 {
                return EINVAL;
            }
            let idx = (cb as u32) % cbmask.count_ones();
            cb = nth(cbmask, idx) as i32;
            wr32(cb_cpu, cb as u32);
        }
        if flags & PADATA_RESET != 0 {
            return EBUSY;
        }
        let Some(p) = st.pds.get_mut(&pd) else {
            return EINVAL;
        };
        p.refcnt += 1;
        let seq = p.seq_nr;
        p.seq_nr = p.seq_nr.wrapping_add(1);
        let pcpu = if p.pcpu != 0 { p.pcpu } else { all_cpus() };
        wr64(padata + pp::pd, pd);
        wr32(padata + pp::cb_cpu, cb as u32);
        wr32(padata + pp::seq_nr, seq);
        if st.free_works == 0 {
            // Every padata work is taken: ->parallel runs in the caller.
            drop(g);
            crate::fault::call_module(rd64(padata + pp::parallel), [padata, 0, 0, 0, 0, 0]);
            return 0;
        }
        st.free_works -= 1;
        let cpu = nth(pcpu, seq % pcpu.count_ones());
        if let Some(i) = st.insts.get_mut(&pinst) {
            i.par[cpu].push_back(padata);
        }
        drop(g);
        CV.notify_all();
        0
    }
}

crate::kfn! {
    /// `padata_do_serial(padata)`: the object's parallel part is done; it
    /// is serialized (->serial on its callback CPU) after every object its
    /// pd numbered before it.
    fn padata_do_serial(padata: u64) {
        let pd = rd64(padata + pp::pd);
        let seq = rd32(padata + pp::seq_nr);
        let mut g = lock();
        let st = state(&mut g);
        let Some(p) = st.pds.get_mut(&pd) else {
            crate::log::kernel_msg(3, "padata_do_serial: object of no parallel_data");
            return;
        };
        if seq != p.processed {
            OUT_OF_ORDER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        p.reorder.insert(seq, padata);
        let pinst = p.pinst;
        let mut ready = Vec::new();
        while let Some(o) = p.reorder.remove(&p.processed) {
            p.processed = p.processed.wrapping_add(1);
            ready.push(o);
        }
        if let Some(i) = st.insts.get_mut(&pinst) {
            for o in ready {
                let cb = (rd32(o + pp::cb_cpu) as usize).min(NR_POSSIBLE_CPUS - 1);
                i.ser[cb].push_back((o, pd));
            }
        }
        drop(g);
        CV.notify_all();
    }
}

/// Objects whose parallel part finished before an earlier object's (they
/// waited in a reorder list).
static OUT_OF_ORDER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many objects finished their parallel part out of order so far.
pub fn out_of_order() -> u64 {
    OUT_OF_ORDER.load(std::sync::atomic::Ordering::Relaxed)
}

/// Instances alive (name, parallel mask, serial mask), for tests.
pub fn instances() -> Vec<(String, u64, u64)> {
    let mut g = lock();
    let st = state(&mut g);
    st.insts.iter().map(|(&p, i)| (i.name.clone(), pcpu_of(p), cbcpu_of(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::print_mask;
    #[test]
    fn masks_print_as_pb() {
        assert_eq!(print_mask(0xf, 4), "f");
        assert_eq!(print_mask(0x5, 8), "05");
        assert_eq!(print_mask(0x1_0000_0001, 40), "01,00000001");
    }
}
