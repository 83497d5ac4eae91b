//! crypto/algapi.c: registering and unregistering algorithms
//! (`crypto_register_alg` with `crypto_check_alg`'s checks), templates,
//! the crypto notifier chain, request queues, `crypto_inc` and `__crypto_xor`.
//!
//! Self-tests: Debian builds with CONFIG_CRYPTO_MANAGER=y and the tests
//! enabled, so Linux gives each new algorithm a test larval and has
//! cryptomgr run testmgr's `alg_test` on it before `crypto_register_alg`
//! returns; a passed test sets CRYPTO_ALG_TESTED (`/proc/crypto`:
//! `selftest : passed`). The host runs the tests it has
//! ([`super::testmgr`]: the CRC hashes so far) the same way, synchronously
//! in the registering call; an algorithm it has no test for is not tested
//! and stays without CRYPTO_ALG_TESTED — `selftest : unknown`, the state
//! Linux leaves an algorithm in whose test did not pass — and a lookup
//! that wants a tested algorithm does not take it (see
//! [`super::api::Found::Unknown`]). Linux passes an algorithm testmgr has
//! no entry for ("alg: No test for ..."); the host does not know that
//! list yet, so those stay untested too.

use crate::drivers::base::{kfree, kzalloc, rd32, rd64, wr32, wr64, wr8};
use crate::layout::{crypto_alg as ca, crypto_consts as cc, crypto_template as ct};

use super::api::*;

/// BUG() raised in this file: the report's first lines, then the module
/// call ends as an "invalid opcode" oops at the call site in module code,
/// as Linux ends the task. `caller` is the return address into module code
/// and the module's stack pointer (None outside a module call: the report
/// only).
pub(crate) fn bug(file: &str, line: u32, caller: Option<(u64, u64)>) {
    crate::log::kernel_msg(4, crate::kernel::printk::CUT_HERE);
    crate::log::kernel_msg(2, &format!("kernel BUG at {file}:{line}!"));
    if let Some((ret, rsp)) = caller {
        crate::fault::abandon(
            crate::fault::FaultKind::Signal {
                signo: libc::SIGILL,
                code: 2,
                addr: ret,
                err: 0,
            },
            ret,
            rsp,
        );
    }
}

/// WARN(cond, msg) in host code: the report (cut line, message, the
/// WARNING line naming the function), then execution goes on.
pub(crate) fn warn(file: &str, line: u32, func: &str, msg: &str) {
    crate::log::kernel_msg(4, crate::kernel::printk::CUT_HERE);
    if !msg.is_empty() {
        crate::log::kernel_msg(4, msg);
    }
    let cpu = crate::vmlinux::Vmlinux::current_cpu().unwrap_or(0);
    crate::log::kernel_msg(
        4,
        &format!(
            "WARNING: CPU: {cpu} PID: {} at {file}:{line} {func}",
            std::process::id()
        ),
    );
    crate::log::kernel_msg(4, "---[ end trace 0000000000000000 ]---");
}

/// The module call's return address and stack pointer, from the varargs
/// trampoline's `stack` argument.
pub(crate) fn caller(stack: *const u64) -> (u64, u64) {
    // SAFETY: the trampoline's frame: the word below the caller's stack
    // arguments is the return address into module code.
    let ret = unsafe { *stack.sub(1) };
    (ret, stack as u64)
}

/// `crypto_check_alg(alg)`: names present, alignmask a power of two less
/// one and within bounds, block size within bounds (tighter for a bare
/// cipher), priority not negative; sets `cra_refcnt` to 1. (fips_enabled
/// is 0 on this machine: no module-signature check.)
pub(crate) fn check_alg(alg: u64) -> i32 {
    if rd8(alg + ca::cra_name) == 0 || rd8(alg + ca::cra_driver_name) == 0 {
        return EINVAL;
    }
    let alignmask = rd32(alg + ca::cra_alignmask);
    if alignmask & alignmask.wrapping_add(1) != 0 {
        return EINVAL;
    }
    if alignmask as u64 > cc::MAX_ALGAPI_ALIGNMASK {
        return EINVAL;
    }
    let blocksize = rd32(alg + ca::cra_blocksize);
    if blocksize as u64 > cc::MAX_ALGAPI_BLOCKSIZE {
        return EINVAL;
    }
    if cra_type(alg) == 0 && flags(alg) & CRYPTO_ALG_TYPE_MASK == CRYPTO_ALG_TYPE_CIPHER {
        if alignmask as u64 > cc::MAX_CIPHER_ALIGNMASK {
            return EINVAL;
        }
        if blocksize as u64 > cc::MAX_CIPHER_BLOCKSIZE {
            return EINVAL;
        }
    }
    if priority(alg) < 0 {
        return EINVAL;
    }
    refcount_set(alg, 1);
    0
}

fn rd8(addr: u64) -> u8 {
    crate::drivers::base::rd8(addr)
}

/// `__crypto_register_alg(alg)` with `crypto_alg_sem` held: -EAGAIN for a
/// dead algorithm; -EEXIST when it is already listed, when a test larval
/// has its driver name, or when a listed algorithm's driver name is its
/// name or its driver name a listed algorithm's name. Adds it at the head
/// of the list without CRYPTO_ALG_TESTED.
fn register_locked(alg: u64) -> i32 {
    if is_dead(alg) {
        return -11; // -EAGAIN
    }
    list_init(alg + ca::cra_users);
    set_flags(alg, flags(alg) & !CRYPTO_ALG_TESTED);
    let (n, d) = (name(alg), driver_name(alg));
    for q in algs() {
        if q == alg {
            return EEXIST;
        }
        if is_moribund(q) {
            continue;
        }
        if is_larval(q) {
            if driver_name(q) == d {
                return EEXIST;
            }
            continue;
        }
        if driver_name(q) == n || name(q) == d {
            return EEXIST;
        }
    }
    list_add(alg + ca::cra_list, alg_list());
    0
}

/// What tests a new algorithm: testmgr's `alg_test(driver, name, type,
/// CRYPTO_ALG_TESTED)` run by cryptomgr. None: the host has no test for
/// it yet (issue 10), the test does not run.
fn run_selftest(alg: u64) -> Option<i32> {
    super::testmgr::alg_test(alg)
}

/// `crypto_alg_tested(driver, err)` for a test that ran: a passed test
/// (0) marks the algorithm tested; -ECANCELED (a FIPS-internal algorithm)
/// too; any other error leaves it untested.
fn alg_tested(alg: u64, err: i32) {
    const ECANCELED: i32 = -125;
    const FIPS_INTERNAL: u32 = 0x0002_0000;
    let _g = alg_sem();
    if list_empty(alg + ca::cra_list) {
        return;
    }
    let f = flags(alg);
    let f = match err {
        ECANCELED => f | FIPS_INTERNAL,
        0 => f & !FIPS_INTERNAL,
        _ => {
            note_test_failed(alg);
            return;
        }
    };
    set_flags(alg, f | CRYPTO_ALG_TESTED);
}

/// `crypto_wait_for_test(larval)` for a newly registered algorithm: the
/// test (see [`run_selftest`]), then, the wait being over,
/// CRYPTO_MSG_ALG_LOADED on the crypto chain with the test larval (a
/// `struct crypto_larval` whose `alg` carries the algorithm's names,
/// priority and flags, LARVAL and TESTED set, and whose `adult` is the
/// algorithm); the larval is then dropped.
fn wait_for_test(alg: u64) {
    if let Some(err) = run_selftest(alg) {
        alg_tested(alg, err);
    }
    // struct crypto_larval { struct crypto_alg alg; struct crypto_alg
    // *adult; struct completion completion; u32 mask; bool test_started; }
    let larval_size = ca::SIZE + 8 + crate::layout::completion::SIZE + 8;
    let larval = kzalloc(larval_size);
    if larval == 0 {
        return;
    }
    let max = cc::CRYPTO_MAX_ALG_NAME as usize;
    // SAFETY: both are char[CRYPTO_MAX_ALG_NAME] arrays: the module's
    // algorithm's and the fresh larval's.
    unsafe {
        std::ptr::copy_nonoverlapping(
            (alg + ca::cra_name) as *const u8,
            (larval + ca::cra_name) as *mut u8,
            max,
        );
        std::ptr::copy_nonoverlapping(
            (alg + ca::cra_driver_name) as *const u8,
            (larval + ca::cra_driver_name) as *mut u8,
            max,
        );
    }
    wr8(larval + ca::cra_name + max as u64 - 1, 0);
    set_flags(larval, CRYPTO_ALG_LARVAL | flags(alg) | CRYPTO_ALG_TESTED);
    wr32(larval + ca::cra_priority, priority(alg) as u32);
    refcount_set(larval, 1);
    wr64(larval + ca::SIZE, alg);
    crypto_notify(CRYPTO_MSG_ALG_LOADED, larval);
    kfree(larval);
}

/// `crypto_register_alg(alg)`.
pub(crate) fn register_alg(alg: u64) -> i32 {
    set_flags(alg, flags(alg) & !CRYPTO_ALG_DEAD);
    let err = check_alg(alg);
    if err != 0 {
        return err;
    }
    let r = {
        let _g = alg_sem();
        register_locked(alg)
    };
    if r != 0 {
        return r;
    }
    wait_for_test(alg);
    0
}

/// `crypto_remove_alg(alg, list)`: -ENOENT when not listed; else marks it
/// dead and unlinks it (its users: [`remove_spawns_locked`]).
fn remove_alg_locked(alg: u64) -> i32 {
    if list_empty(alg + ca::cra_list) || rd64(alg + ca::cra_list) == 0 {
        return ENOENT;
    }
    set_flags(alg, flags(alg) | CRYPTO_ALG_DEAD);
    list_del_init(alg + ca::cra_list);
    0
}

/// `crypto_remove_spawns(alg, list, NULL)` and `crypto_remove_instance`:
/// every spawn on the going algorithm is dead (off its users list, so
/// `crypto_drop_spawn` leaves it); each registered instance built on one
/// is taken down too — dead, unlisted, off its template — and so on for
/// the instances built on those. The instances are returned, to be freed
/// once the lock is dropped (`crypto_remove_final`).
fn remove_spawns_locked(alg: u64, out: &mut Vec<u64>) {
    use crate::layout::{crypto_instance as ci, crypto_spawn as sp};
    let mut work = vec![alg];
    while let Some(a) = work.pop() {
        for s in list_entries(a + ca::cra_users) {
            let spawn = s - sp::list;
            list_del_init(spawn + sp::list);
            wr8(spawn + sp::dead, 1);
            if crate::drivers::base::rd8(spawn + sp::registered) == 0 {
                continue;
            }
            let inst = rd64(spawn + sp::inst);
            if inst == 0 || is_dead(inst) || out.contains(&inst) {
                continue;
            }
            set_flags(inst, flags(inst) | CRYPTO_ALG_DEAD);
            if !list_empty(inst + ca::cra_list) && rd64(inst + ca::cra_list) != 0 {
                list_del_init(inst + ca::cra_list);
            }
            // hlist_del(&inst->list)
            let n = inst + ci::list;
            let (next, pprev) = (rd64(n), rd64(n + 8));
            if pprev != 0 {
                wr64(pprev, next);
                if next != 0 {
                    wr64(next + 8, pprev);
                }
                wr64(n, 0);
                wr64(n + 8, 0);
            }
            out.push(inst);
            work.push(inst);
        }
    }
}

/// Frees instances taken down (a template's, or those
/// [`remove_spawns_locked`] found): those no transform uses any more (one
/// reference, the registration's) through their type; one still in use is
/// kept (Linux frees it with its last reference, cra_destroy).
fn free_removed(insts: Vec<u64>) {
    for inst in insts {
        if refcount_read(inst) == 1 {
            free_instance(inst);
        } else {
            crate::log::kernel_msg(
                4,
                &format!("crypto: instance {} still in use, kept", String::from_utf8_lossy(&driver_name(inst))),
            );
        }
    }
}

/// `crypto_unregister_alg(alg)`: WARNs when the algorithm is not
/// registered; BUG()s when a reference other than the registration's is
/// left; calls `cra_destroy`.
pub(crate) fn unregister_alg(alg: u64, caller: Option<(u64, u64)>) {
    let mut dependents = Vec::new();
    let ret = {
        let _g = alg_sem();
        let r = remove_alg_locked(alg);
        if r == 0 {
            remove_spawns_locked(alg, &mut dependents);
        }
        r
    };
    free_removed(dependents);
    if ret != 0 {
        let d = String::from_utf8_lossy(&driver_name(alg)).into_owned();
        warn(
            "crypto/algapi.c",
            472,
            "crypto_unregister_alg",
            &format!("Algorithm {d} is not registered"),
        );
        return;
    }
    if refcount_read(alg) != 1 {
        bug("crypto/algapi.c", 475, caller);
        return;
    }
    let destroy = rd64(alg + ca::cra_destroy);
    if destroy != 0 {
        crate::fault::call_module(destroy, [alg, 0, 0, 0, 0, 0]);
    }
}

crate::kfn! {
    /// `crypto_register_alg(alg)`: 0, or -EINVAL (crypto_check_alg),
    /// -EEXIST (a name clash) or -EAGAIN.
    fn crypto_register_alg(alg: u64) -> i32 {
        register_alg(alg)
    }
}

extern "C" fn crypto_unregister_alg_v(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    unregister_alg(a.arg(0), Some(caller(stack)));
}
crate::export_variadic!("crypto_unregister_alg" => crypto_unregister_alg_v);

/// The `crypto_register_<type>s(algs, count)` pattern: registers each of
/// `count` structures of `size` bytes with `reg`; on an error unregisters
/// those done (last first) and returns it.
pub(crate) fn register_array(
    algs: u64,
    count: i32,
    size: u64,
    reg: impl Fn(u64) -> i32,
    unreg: impl Fn(u64),
) -> i32 {
    for i in 0..count.max(0) as u64 {
        let r = reg(algs + i * size);
        if r != 0 {
            for j in (0..i).rev() {
                unreg(algs + j * size);
            }
            return r;
        }
    }
    0
}

crate::kfn! {
    /// `crypto_register_algs(algs, count)`.
    fn crypto_register_algs(algs: u64, count: i32) -> i32 {
        register_array(algs, count, ca::SIZE, register_alg, |a| unregister_alg(a, None))
    }
}

extern "C" fn crypto_unregister_algs_v(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let (algs, count) = (a.arg(0), a.arg(1) as i32);
    // crypto_unregister_algs goes first to last (the typed variants go
    // last to first).
    for i in 0..count.max(0) as u64 {
        unregister_alg(algs + i * ca::SIZE, Some(caller(stack)));
    }
}
crate::export_variadic!("crypto_unregister_algs" => crypto_unregister_algs_v);

// ---- templates ---------------------------------------------------------------

/// `crypto_template_list`: a list_head owned by the host.
fn template_list() -> u64 {
    static L: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *L.get_or_init(|| {
        let h = kzalloc(crate::layout::list_head::SIZE);
        if h != 0 {
            list_init(h);
        }
        h
    })
}

/// The registered templates (`struct crypto_template` addresses).
pub(crate) fn templates() -> Vec<u64> {
    let h = template_list();
    if h == 0 {
        return Vec::new();
    }
    list_entries(h).into_iter().map(|e| e - ct::list).collect()
}

fn register_template(tmpl: u64) -> i32 {
    let _g = alg_sem();
    let h = template_list();
    if h == 0 {
        return ENOMEM;
    }
    if templates().contains(&tmpl) {
        return EEXIST;
    }
    list_add(tmpl + ct::list, h);
    0
}

/// `crypto_unregister_template(tmpl)`: BUG()s when it is not registered.
/// Its instances (none: the host does not create instances yet) would be
/// unregistered with it.
fn unregister_template(tmpl: u64, caller: Option<(u64, u64)>) {
    let g = alg_sem();
    if list_empty(tmpl + ct::list) || rd64(tmpl + ct::list) == 0 {
        drop(g);
        bug("crypto/algapi.c", 561, caller);
        return;
    }
    list_del_init(tmpl + ct::list);
    // The instances: off the algorithm list (dead), then freed through
    // their type (crypto_remove_final's crypto_free_instance).
    let mut insts = Vec::new();
    let mut dependents = Vec::new();
    let mut n = rd64(tmpl + ct::instances);
    while n != 0 {
        let inst = n - crate::layout::crypto_instance::list;
        n = rd64(n);
        if remove_alg_locked(inst) == 0 {
            insts.push(inst);
        }
    }
    wr64(tmpl + ct::instances, 0);
    for &inst in &insts {
        remove_spawns_locked(inst, &mut dependents);
    }
    dependents.retain(|d| !insts.contains(d));
    drop(g);
    free_removed(dependents);
    free_removed(insts);
}

/// `crypto_free_instance(inst)`: the type's `free` (the instance's own
/// `free` for skcipher and AEAD instances).
fn free_instance(inst: u64) {
    use super::types::Type;
    let f = match Type::of(cra_type(inst)) {
        Some(Type::Skcipher) => {
            let i = inst - crate::layout::skcipher_alg::base - crate::layout::skcipher_instance::alg;
            Some((rd64(i + crate::layout::skcipher_instance::free), i))
        }
        Some(Type::Aead) => {
            let i = inst - crate::layout::aead_alg::base - crate::layout::aead_instance::alg;
            Some((rd64(i + crate::layout::aead_instance::free), i))
        }
        Some(Type::Shash) => {
            let i = inst - crate::layout::shash_alg::base - super::shash::INSTANCE_ALG;
            Some((rd64(i), i))
        }
        Some(Type::Ahash) => {
            let i = inst - crate::layout::ahash_alg::base - super::ahash::INSTANCE_ALG;
            Some((rd64(i), i))
        }
        Some(Type::Akcipher) => Some(super::akcipher::instance_free(inst)),
        _ => None,
    };
    match f {
        Some((free, i)) if free != 0 => {
            crate::fault::call_module(free, [i, 0, 0, 0, 0, 0]);
        }
        _ => crate::log::kernel_msg(
            3,
            &format!(
                "crypto: instance {} of a type the host cannot free",
                String::from_utf8_lossy(&driver_name(inst))
            ),
        ),
    }
}

crate::kfn! {
    /// `crypto_register_template(tmpl)`: -EEXIST if it is already registered.
    fn crypto_register_template(tmpl: u64) -> i32 {
        register_template(tmpl)
    }
}

crate::kfn! {
    /// `crypto_register_templates(tmpls, count)`.
    fn crypto_register_templates(tmpls: u64, count: i32) -> i32 {
        register_array(tmpls, count, ct::SIZE, register_template, |t| unregister_template(t, None))
    }
}

extern "C" fn crypto_unregister_template_v(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    unregister_template(a.arg(0), Some(caller(stack)));
}
crate::export_variadic!("crypto_unregister_template" => crypto_unregister_template_v);

extern "C" fn crypto_unregister_templates_v(regs: *const u64, stack: *const u64) {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let (tmpls, count) = (a.arg(0), a.arg(1) as i32);
    for i in (0..count.max(0) as u64).rev() {
        unregister_template(tmpls + i * ct::SIZE, Some(caller(stack)));
    }
}
crate::export_variadic!("crypto_unregister_templates" => crypto_unregister_templates_v);

/// `__crypto_lookup_template(name)`: the registered template of that name
/// whose module can be referenced (`crypto_tmpl_get`), or 0.
fn lookup_template(want: &[u8]) -> u64 {
    let _g = alg_sem();
    for t in templates() {
        // SAFETY: the template's char name[CRYPTO_MAX_ALG_NAME].
        let n = unsafe { crate::abi::c_str(t + ct::name, cc::CRYPTO_MAX_ALG_NAME as usize) };
        if n != want {
            continue;
        }
        if !crate::kernel::module::try_module_get(rd64(t + ct::module)) {
            continue;
        }
        return t;
    }
    0
}

crate::kfn! {
    /// `crypto_lookup_template(name)`: the template with a reference on its
    /// module, loading `crypto-<name>` if it is not registered; NULL if
    /// there is none.
    fn crypto_lookup_template(name: u64) -> u64 {
        // SAFETY: the caller's NUL-terminated template name.
        let want = unsafe { crate::abi::c_str(name, 4096) }.to_vec();
        let t = lookup_template(&want);
        if t != 0 {
            return t;
        }
        let m = format!("crypto-{}", String::from_utf8_lossy(&want));
        if m.len() < 56 {
            if let Some(h) = crate::request_module_handler() {
                h(&m, true);
            }
        }
        lookup_template(&want)
    }
}

// ---- the notifier chain ------------------------------------------------------

crate::kfn! {
    /// `crypto_register_notifier(nb)`: joins `crypto_chain`.
    fn crypto_register_notifier(nb: u64) -> i32 {
        crate::kernel::notifier::kernel_chain("crypto_chain", crate::layout::blocking_notifier_head::head, |h| {
            crate::kernel::notifier::blocking_notifier_chain_register(h, nb)
        })
    }
}

crate::kfn! {
    /// `crypto_unregister_notifier(nb)`: 0 or -ENOENT.
    fn crypto_unregister_notifier(nb: u64) -> i32 {
        crate::kernel::notifier::kernel_chain("crypto_chain", crate::layout::blocking_notifier_head::head, |h| {
            crate::kernel::notifier::blocking_notifier_chain_unregister(h, nb)
        })
    }
}

// ---- request queues ----------------------------------------------------------

const CRYPTO_TFM_REQ_MAY_BACKLOG: u32 = 0x400;
const EINPROGRESS: i32 = -115;
const ENOSPC: i32 = -28;
const EBUSY: i32 = -16;

crate::kfn! {
    /// `crypto_init_queue(queue, max_qlen)`.
    fn crypto_init_queue(queue: u64, max_qlen: u32) {
        use crate::layout::crypto_queue as q;
        list_init(queue + q::list);
        wr64(queue + q::backlog, queue + q::list);
        wr32(queue + q::qlen, 0);
        wr32(queue + q::max_qlen, max_qlen);
    }
}

crate::kfn! {
    /// `crypto_enqueue_request(queue, request)`: -EINPROGRESS; a full
    /// queue takes the request as backlog (-EBUSY) if it may backlog,
    /// else refuses it (-ENOSPC).
    fn crypto_enqueue_request(queue: u64, request: u64) -> i32 {
        use crate::layout::{crypto_async_request as r, crypto_queue as q};
        let mut err = EINPROGRESS;
        let qlen = rd32(queue + q::qlen);
        if qlen >= rd32(queue + q::max_qlen) {
            if rd32(request + r::flags) & CRYPTO_TFM_REQ_MAY_BACKLOG == 0 {
                return ENOSPC;
            }
            err = EBUSY;
            if rd64(queue + q::backlog) == queue + q::list {
                wr64(queue + q::backlog, request + r::list);
            }
        }
        wr32(queue + q::qlen, qlen.wrapping_add(1));
        list_add_tail(request + r::list, queue + q::list);
        err
    }
}

crate::kfn! {
    /// `crypto_enqueue_request_head(queue, request)`.
    fn crypto_enqueue_request_head(queue: u64, request: u64) {
        use crate::layout::{crypto_async_request as r, crypto_queue as q};
        wr32(queue + q::qlen, rd32(queue + q::qlen).wrapping_add(1));
        list_add(request + r::list, queue + q::list);
    }
}

crate::kfn! {
    /// `crypto_dequeue_request(queue)`: the oldest request, or NULL; the
    /// backlog mark moves on by one.
    fn crypto_dequeue_request(queue: u64) -> u64 {
        use crate::layout::{crypto_async_request as r, crypto_queue as q, list_head};
        let qlen = rd32(queue + q::qlen);
        if qlen == 0 {
            return 0;
        }
        wr32(queue + q::qlen, qlen - 1);
        let backlog = rd64(queue + q::backlog);
        if backlog != queue + q::list {
            wr64(queue + q::backlog, rd64(backlog + list_head::next));
        }
        let req = rd64(queue + q::list + list_head::next);
        // list_del: unlink and poison
        let next = rd64(req + list_head::next);
        let prev = rd64(req + list_head::prev);
        wr64(next + list_head::prev, prev);
        wr64(prev + list_head::next, next);
        wr64(req + list_head::next, 0xdead000000000100);
        wr64(req + list_head::prev, 0xdead000000000122);
        req - r::list
    }
}

crate::kfn! {
    /// `crypto_inc(a, size)`: increments the big-endian number of `size`
    /// bytes at `a`.
    fn crypto_inc(a: u64, size: u32) {
        let mut i = size as u64;
        while i > 0 {
            i -= 1;
            let p = a + i;
            let c = crate::drivers::base::rd8(p).wrapping_add(1);
            wr8(p, c);
            if c != 0 {
                break;
            }
        }
    }
}

crate::kfn! {
    /// `__crypto_xor(dst, src1, src2, len)`: `dst[i] = src1[i] ^ src2[i]`
    /// for `len` bytes, any alignment; `dst` may be `src1` (crypto_xor) or
    /// overlap it exactly.
    fn __crypto_xor(dst: *mut u8, src1: *const u8, src2: *const u8, len: u32) {
        for i in 0..len as usize {
            // SAFETY: the caller's three buffers of `len` bytes; byte-wise,
            // so an exact overlap of dst and a source reads before writing.
            unsafe { dst.add(i).write(src1.add(i).read() ^ src2.add(i).read()) };
        }
    }
}

// ---- module memory going away ------------------------------------------------

fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    let _g = alg_sem();
    for alg in algs() {
        if inside(alg) || inside(module(alg)) {
            list_del_init(alg + ca::cra_list);
        }
    }
    for t in templates() {
        if inside(t) || inside(rd64(t + ct::module)) {
            list_del_init(t + ct::list);
        }
    }
}
crate::purge_on_module_free!(purge);

// ---- instances and spawns ------------------------------------------------------

fn wr16(addr: u64, v: u16) {
    // SAFETY: a 2-byte field of the host's own attribute block.
    unsafe { (addr as *mut u16).write_unaligned(v) }
}

const CRYPTOA_ALG: u16 = 1;
const CRYPTOA_TYPE: u16 = 2;
const CRYPTO_MAX_ATTRS: usize = 32;
const CRYPTO_ALG_INSTANCE: u32 = 0x800;
pub(crate) const CRYPTO_ALG_INHERITED_FLAGS: u32 = 0x80 | 0x100 | 0x0001_0000;
const ENAMETOOLONG: i32 = -36;
const RTA_HDR: u64 = 4;

fn err_ptr(e: i32) -> u64 {
    e as i64 as u64
}

/// `crypto_get_attr_type(tb)`: the CRYPTOA_TYPE attribute in `tb[0]`.
fn get_attr_type(tb: u64) -> Result<u64, i32> {
    use crate::layout::{crypto_attr_type as at, rtattr as ra};
    let rta = rd64(tb);
    if rta == 0 {
        return Err(ENOENT);
    }
    let len = crate::drivers::base::rd16(rta + ra::rta_len) as u64;
    if len < RTA_HDR + at::SIZE {
        return Err(EINVAL);
    }
    if crate::drivers::base::rd16(rta + ra::rta_type) != CRYPTOA_TYPE {
        return Err(EINVAL);
    }
    Ok(rta + RTA_HDR)
}

crate::kfn! {
    /// `crypto_get_attr_type(tb)`.
    fn crypto_get_attr_type(tb: u64) -> u64 {
        get_attr_type(tb).unwrap_or_else(err_ptr)
    }
}

crate::kfn! {
    /// `crypto_check_attr_type(tb, type, mask_ret)`: -EINVAL when the
    /// requested type is another; the inherited flags the caller must
    /// require off.
    fn crypto_check_attr_type(tb: u64, ty: u32, mask_ret: u64) -> i32 {
        use crate::layout::crypto_attr_type as at;
        let algt = match get_attr_type(tb) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let (t, m) = (rd32(algt + at::r#type), rd32(algt + at::mask));
        if (t ^ ty) & m & CRYPTO_ALG_TYPE_MASK != 0 {
            return EINVAL;
        }
        let off = CRYPTO_ALG_INHERITED_FLAGS;
        wr32(mask_ret, (t ^ off) & m & off);
        0
    }
}

crate::kfn! {
    /// `crypto_attr_alg_name(rta)`: the name of a CRYPTOA_ALG attribute
    /// (-ENOENT for none, -EINVAL for another kind).
    fn crypto_attr_alg_name(rta: u64) -> u64 {
        use crate::layout::rtattr as ra;
        if rta == 0 {
            return err_ptr(ENOENT);
        }
        let max = cc::CRYPTO_MAX_ALG_NAME;
        if (crate::drivers::base::rd16(rta + ra::rta_len) as u64) < RTA_HDR + max {
            return err_ptr(EINVAL);
        }
        if crate::drivers::base::rd16(rta + ra::rta_type) != CRYPTOA_ALG {
            return err_ptr(EINVAL);
        }
        wr8(rta + RTA_HDR + max - 1, 0);
        rta + RTA_HDR
    }
}

pub(crate) fn write_name(dst: u64, s: &[u8]) -> bool {
    let max = cc::CRYPTO_MAX_ALG_NAME as usize;
    if s.len() >= max {
        return false;
    }
    for (i, b) in s.iter().chain(std::iter::once(&0u8)).enumerate() {
        wr8(dst + i as u64, *b);
    }
    true
}

crate::kfn! {
    /// `crypto_inst_setname(inst, name, alg)`: "name(alg)" for both the
    /// algorithm and the driver name; -ENAMETOOLONG past the limit.
    fn crypto_inst_setname(inst: u64, name: u64, alg: u64) -> i32 {
        // SAFETY: the template's NUL-terminated name.
        let n = unsafe { crate::abi::c_str(name, cc::CRYPTO_MAX_ALG_NAME as usize) }.to_vec();
        let mk = |inner: Vec<u8>| [n.clone(), b"(".to_vec(), inner, b")".to_vec()].concat();
        if !write_name(inst + ca::cra_name, &mk(super::api::name(alg))) {
            return ENAMETOOLONG;
        }
        if !write_name(inst + ca::cra_driver_name, &mk(driver_name(alg))) {
            return ENAMETOOLONG;
        }
        0
    }
}

/// The tfm frontend a spawn's `frontend` (a `struct crypto_type *`)
/// stands for: None for NULL (single-block ciphers), Err for a type the
/// host does not allocate yet.
fn spawn_frontend(fe: u64) -> Result<Option<Frontend>, ()> {
    use super::types::Type;
    if fe == 0 {
        return Ok(None);
    }
    match Type::of(fe) {
        Some(Type::Skcipher) => Ok(Some(super::skcipher::frontend())),
        Some(Type::Aead) => Ok(Some(super::aead::frontend())),
        Some(Type::Shash) => Ok(Some(super::shash::frontend())),
        Some(Type::Ahash) => Ok(Some(super::ahash::frontend())),
        Some(Type::Akcipher) => Ok(Some(super::akcipher::frontend())),
        _ => Err(()),
    }
}

/// `crypto_grab_spawn(spawn, inst, name, type, mask)`: looks the algorithm
/// up for the spawn's frontend and links the spawn to the instance (not
/// yet registered) and the algorithm's users.
pub(crate) fn grab_spawn(spawn: u64, inst: u64, name: u64, ty: u32, mask: u32, caller: (u64, u64)) -> i32 {
    use crate::layout::{crypto_instance as ci, crypto_spawn as sp};
    if inst == 0 {
        warn("crypto/algapi.c", 700, "crypto_grab_spawn", "");
        return EINVAL;
    }
    if crate::drivers::base::is_err_or_null(name) {
        return if name == 0 { EINVAL } else { name as i64 as i32 };
    }
    // SAFETY: the caller's NUL-terminated algorithm name.
    let n = unsafe { crate::abi::c_str(name, 4096) }.to_vec();
    let found = match spawn_frontend(rd64(spawn + sp::frontend)) {
        Ok(Some(fe)) => find_alg(&n, &fe, ty | CRYPTO_ALG_FIPS_INTERNAL, mask),
        Ok(None) => alg_mod_lookup(&n, ty | CRYPTO_ALG_FIPS_INTERNAL, mask),
        Err(()) => Found::Unknown,
    };
    let alg = match found {
        Found::Alg(a) => a,
        Found::Err(e) => return e,
        Found::Unknown => {
            super::api::cannot_answer(caller);
            return ENOENT;
        }
    };
    let g = alg_sem();
    if is_moribund(alg) {
        drop(g);
        crypto_mod_put(alg);
        return -11;
    }
    list_add(spawn + sp::list, alg + ca::cra_users);
    wr64(spawn + sp::alg, alg);
    wr32(spawn + sp::mask, mask);
    wr64(spawn + sp::inst, rd64(inst + ci::spawns));
    wr64(inst + ci::spawns, spawn);
    0
}

extern "C" fn crypto_grab_spawn_v(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 5) };
    grab_spawn(a.arg(0), a.arg(1), a.arg(2), a.arg(3) as u32, a.arg(4) as u32, caller(stack))
}
crate::export_variadic!("crypto_grab_spawn" => crypto_grab_spawn_v);

macro_rules! grab_typed {
    ($sym:literal, $f:ident, $ty:expr) => {
        extern "C" fn $f(regs: *const u64, stack: *const u64) -> i32 {
            // SAFETY: called through the varargs trampoline.
            let a = unsafe { crate::abi::RegArgs::new(regs, stack, 5) };
            let spawn = a.arg(0);
            wr64(spawn + crate::layout::crypto_spawn::frontend, $ty.addr());
            grab_spawn(spawn, a.arg(1), a.arg(2), a.arg(3) as u32, a.arg(4) as u32, caller(stack))
        }
        crate::export_variadic!($sym => $f);
    };
}
grab_typed!("crypto_grab_skcipher", crypto_grab_skcipher_v, super::types::Type::Skcipher);
grab_typed!("crypto_grab_aead", crypto_grab_aead_v, super::types::Type::Aead);
grab_typed!("crypto_grab_shash", crypto_grab_shash_v, super::types::Type::Shash);
grab_typed!("crypto_grab_ahash", crypto_grab_ahash_v, super::types::Type::Ahash);

crate::kfn! {
    /// `crypto_drop_spawn(spawn)`: off the algorithm's users; the
    /// reference a spawn of an unregistered instance holds is dropped.
    fn crypto_drop_spawn(spawn: u64) {
        use crate::layout::crypto_spawn as sp;
        let alg = rd64(spawn + sp::alg);
        if alg == 0 {
            return;
        }
        let g = alg_sem();
        if crate::drivers::base::rd8(spawn + sp::dead) == 0 {
            list_del_init(spawn + sp::list);
        }
        drop(g);
        if crate::drivers::base::rd8(spawn + sp::registered) == 0 {
            crypto_mod_put(alg);
        }
    }
}

/// `crypto_spawn_alg(spawn)`: the spawn's algorithm with a reference, or
/// -EAGAIN when it is dead or its module going.
fn spawn_alg(spawn: u64) -> Result<u64, i32> {
    use crate::layout::crypto_spawn as sp;
    let g = alg_sem();
    if crate::drivers::base::rd8(spawn + sp::dead) != 0 {
        return Err(-11);
    }
    let alg = rd64(spawn + sp::alg);
    drop(g);
    if crypto_mod_get(alg) == 0 {
        crypto_shoot_alg(alg);
        return Err(-11);
    }
    Ok(alg)
}

crate::kfn! {
    /// `crypto_spawn_tfm(spawn, type, mask)`: a bare tfm (single-block
    /// cipher) of the spawn's algorithm; -EINVAL for another type.
    fn crypto_spawn_tfm(spawn: u64, ty: u32, mask: u32) -> u64 {
        let alg = match spawn_alg(spawn) {
            Ok(a) => a,
            Err(e) => return err_ptr(e),
        };
        if (flags(alg) ^ ty) & mask != 0 || cra_type(alg) != 0 {
            crypto_mod_put(alg);
            return err_ptr(EINVAL);
        }
        match create_tfm(alg, &super::cipher::frontend(), -1) {
            Ok(t) => t,
            Err(e) => {
                crypto_mod_put(alg);
                err_ptr(e)
            }
        }
    }
}

extern "C" fn crypto_spawn_tfm2_v(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    match spawn_tfm2(a.arg(0)) {
        Some(t) => t,
        None => {
            super::api::cannot_answer(caller(stack));
            err_ptr(ENOENT)
        }
    }
}
crate::export_variadic!("crypto_spawn_tfm2" => crypto_spawn_tfm2_v);

/// `crypto_spawn_tfm2(spawn)`: a transform of the spawn's algorithm for
/// its frontend (an ERR_PTR on failure); None when the host cannot set
/// one up (the caller ends as an unanswered lookup).
pub(crate) fn spawn_tfm2(spawn: u64) -> Option<u64> {
    let fe = match spawn_frontend(rd64(spawn + crate::layout::crypto_spawn::frontend)) {
        Ok(Some(fe)) => fe,
        _ => return None,
    };
    let alg = match spawn_alg(spawn) {
        Ok(a) => a,
        Err(e) => return Some(err_ptr(e)),
    };
    if !(fe.host_answers)(alg) {
        crypto_mod_put(alg);
        return None;
    }
    Some(match create_tfm(alg, &fe, -1) {
        Ok(t) => t,
        Err(e) => {
            crypto_mod_put(alg);
            err_ptr(e)
        }
    })
}

/// `crypto_register_instance(tmpl, inst)`: the instance's algorithm
/// checked, owned by the template's module and marked an instance; its
/// spawns registered (their lookup references dropped); listed, added to
/// the template's instances and self-tested like any algorithm.
pub(crate) fn register_instance(tmpl: u64, inst: u64) -> i32 {
    use crate::layout::{crypto_instance as ci, crypto_spawn as sp};
    let err = check_alg(inst);
    if err != 0 {
        return err;
    }
    wr64(inst + ca::cra_module, rd64(tmpl + ct::module));
    set_flags(inst, flags(inst) | CRYPTO_ALG_INSTANCE);
    let g = alg_sem();
    let mut fips = 0;
    let mut s = rd64(inst + ci::spawns);
    let mut puts = Vec::new();
    while s != 0 {
        if crate::drivers::base::rd8(s + sp::dead) != 0 {
            return -11;
        }
        let next = rd64(s + sp::inst);
        wr64(s + sp::inst, inst);
        wr8(s + sp::registered, 1);
        let a = rd64(s + sp::alg);
        fips |= flags(a);
        puts.push(a);
        s = next;
    }
    set_flags(inst, flags(inst) | (fips & CRYPTO_ALG_FIPS_INTERNAL));
    let r = register_locked(inst);
    if r == 0 {
        // hlist_add_head(&inst->list, &tmpl->instances)
        let n = inst + ci::list;
        let head = tmpl + ct::instances;
        let first = rd64(head);
        wr64(n, first);
        if first != 0 {
            wr64(first + 8, n);
        }
        wr64(head, n);
        wr64(n + 8, head);
        wr64(inst + ci::tmpl, tmpl);
    }
    drop(g);
    for a in puts {
        crypto_mod_put(a);
    }
    if r != 0 {
        return r;
    }
    wait_for_test(inst);
    0
}

crate::kfn! {
    /// `crypto_register_instance(tmpl, inst)`.
    fn crypto_register_instance(tmpl: u64, inst: u64) -> i32 {
        register_instance(tmpl, inst)
    }
}

/// cryptomgr's probe for `name` of the form `tmpl(arg, ...)`: the
/// template looked up (loading `crypto-<tmpl>`), its `create` called with
/// Linux's attributes (CRYPTOA_TYPE with the lookup's type and mask, one
/// CRYPTOA_ALG per argument). None when the name is no template's;
/// Some(Err) when the template is missing or `create` failed.
pub(crate) fn probe(name: &[u8], ty: u32, mask: u32) -> Option<Result<(), i32>> {
    use crate::layout::{crypto_attr_type as at, rtattr as ra};
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    let tlen = name.iter().take_while(|&&c| word(c)).count();
    if tlen == 0 || name.get(tlen) != Some(&b'(') {
        return None;
    }
    let tname = &name[..tlen];
    let mut args: Vec<&[u8]> = Vec::new();
    let mut p = tlen;
    loop {
        p += 1;
        let start = p;
        while name.get(p).is_some_and(|&c| word(c)) {
            p += 1;
        }
        if name.get(p) == Some(&b'(') {
            let mut depth = 0;
            loop {
                p += 1;
                match name.get(p) {
                    None => return None,
                    Some(b'(') => depth += 1,
                    Some(b')') if depth == 0 => break,
                    Some(b')') => depth -= 1,
                    _ => {}
                }
            }
            p += 1;
        }
        if p == start {
            return None;
        }
        args.push(&name[start..p]);
        if args.len() >= CRYPTO_MAX_ATTRS {
            return None;
        }
        match name.get(p) {
            Some(b')') => break,
            Some(b',') => continue,
            _ => return None,
        }
    }
    let tn = [tname, b"\0"].concat();
    let tmpl = crypto_lookup_template(tn.as_ptr() as u64);
    if tmpl == 0 {
        return Some(Err(ENOENT));
    }
    let max = cc::CRYPTO_MAX_ALG_NAME;
    let tb_size = 8 * (CRYPTO_MAX_ATTRS as u64 + 2);
    let type_size = RTA_HDR + at::SIZE;
    let alg_size = RTA_HDR + max;
    let param = kzalloc(tb_size + type_size.next_multiple_of(8) + alg_size * args.len() as u64);
    if param == 0 {
        crate::kernel::module::module_put(rd64(tmpl + ct::module));
        return Some(Err(ENOMEM));
    }
    let t = param + tb_size;
    wr16(t + ra::rta_len, type_size as u16);
    wr16(t + ra::rta_type, CRYPTOA_TYPE);
    wr32(t + RTA_HDR + at::r#type, (ty | CRYPTO_ALG_LARVAL) & !CRYPTO_ALG_TESTED);
    wr32(t + RTA_HDR + at::mask, mask & !CRYPTO_ALG_TESTED);
    wr64(param, t);
    for (i, a) in args.iter().enumerate() {
        let r = t + type_size.next_multiple_of(8) + alg_size * i as u64;
        wr16(r + ra::rta_len, alg_size as u16);
        wr16(r + ra::rta_type, CRYPTOA_ALG);
        for (j, b) in a.iter().take(max as usize - 1).enumerate() {
            wr8(r + RTA_HDR + j as u64, *b);
        }
        wr64(param + 8 * (i as u64 + 1), r);
    }
    let create = rd64(tmpl + ct::create);
    let mut err;
    loop {
        err = crate::fault::call_module(create, [tmpl, param, 0, 0, 0, 0]).map_or(-14, |r| r as i32);
        if err != -11 {
            break;
        }
    }
    crate::kernel::module::module_put(rd64(tmpl + ct::module));
    kfree(param);
    Some(if err == 0 { Ok(()) } else { Err(err) })
}
