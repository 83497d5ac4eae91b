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

use crate::drivers::base::{cstr, kfree, kzalloc, rd32, rd64, wr32, wr64, wr8};
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
/// dead and unlinks it. (`crypto_remove_spawns`: the host creates no
/// instances yet, so no algorithm has users to take down with it.)
fn remove_alg_locked(alg: u64) -> i32 {
    if list_empty(alg + ca::cra_list) || rd64(alg + ca::cra_list) == 0 {
        return ENOENT;
    }
    set_flags(alg, flags(alg) | CRYPTO_ALG_DEAD);
    list_del_init(alg + ca::cra_list);
    0
}

/// `crypto_unregister_alg(alg)`: WARNs when the algorithm is not
/// registered; BUG()s when a reference other than the registration's is
/// left; calls `cra_destroy`.
pub(crate) fn unregister_alg(alg: u64, caller: Option<(u64, u64)>) {
    let ret = {
        let _g = alg_sem();
        remove_alg_locked(alg)
    };
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
    // hlist_head { struct hlist_node *first; }: its only member.
    let first = rd64(tmpl + ct::instances);
    drop(g);
    if first != 0 {
        crate::log::kernel_msg(
            3,
            &format!(
                "crypto: template {} has instances the host did not create",
                cstr(tmpl + ct::name).unwrap_or_default()
            ),
        );
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
