//! lib/textsearch.c: the registry of text search algorithms (ts_bm,
//! ts_kmp, ts_fsm register theirs), preparing a search with one of them
//! (`textsearch_prepare`: the algorithm by name, loaded as `ts_<name>` on
//! TS_AUTOLOAD, its module held while the configuration lives), searching
//! one linear buffer (`textsearch_find_continuous`: the host's
//! `get_linear_data` feeds the algorithm the buffer) and `textsearch_destroy`.

crate::export_fn!("textsearch_register" => textsearch_register);
crate::export_fn!("textsearch_unregister" => textsearch_unregister);

/// Registered textsearch algorithms (`struct ts_ops *`).
static TS_OPS: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());

extern "C" fn textsearch_register(ops: u64) -> i32 {
    let mut v = TS_OPS.lock().unwrap_or_else(|e| e.into_inner());
    if v.contains(&ops) {
        return -17; // -EEXIST
    }
    v.push(ops);
    0
}

extern "C" fn textsearch_unregister(ops: u64) -> i32 {
    let mut v = TS_OPS.lock().unwrap_or_else(|e| e.into_inner());
    match v.iter().position(|&o| o == ops) {
        Some(i) => {
            v.remove(i);
            0
        }
        None => -2, // -ENOENT
    }
}

use crate::layout::{ts, ts_config as tc, ts_ops as to, ts_state as tst};

fn rd64(a: u64) -> u64 {
    // SAFETY: a field of a module's textsearch structure.
    unsafe { (a as *const u64).read_unaligned() }
}

fn wr64(a: u64, v: u64) {
    // SAFETY: a field of a module's textsearch structure.
    unsafe { (a as *mut u64).write_unaligned(v) }
}

fn c_name(p: u64) -> Vec<u8> {
    if p == 0 {
        return Vec::new();
    }
    // SAFETY: a NUL-terminated name of the module or the caller.
    unsafe { crate::abi::c_str(p, 64) }.to_vec()
}

/// `lookup_ts_algo(name)`: a registered algorithm whose module can be held.
fn lookup(name: &[u8]) -> Option<u64> {
    let v = TS_OPS.lock().unwrap_or_else(|e| e.into_inner());
    let ops = *v.iter().find(|&&o| c_name(rd64(o + to::name)) == name)?;
    drop(v);
    crate::kernel::module::try_module_get(rd64(ops + to::owner)).then_some(ops)
}

const EINVAL: i64 = 22;
const ENOENT: i64 = 2;

crate::kfn! {
    /// `struct ts_config *textsearch_prepare(algo, pattern, len, gfp, flags)`:
    /// ERR_PTR(-EINVAL) for an empty pattern, ERR_PTR(-ENOENT) for an
    /// unknown algorithm, the algorithm's own error from its init.
    fn textsearch_prepare(algo: u64, pattern: u64, len: u32, gfp: u32, flags: i32) -> u64 {
        if len == 0 {
            return (-EINVAL) as u64;
        }
        let name = c_name(algo);
        let mut ops = lookup(&name);
        if ops.is_none() && (flags as u64) & ts::TS_AUTOLOAD != 0 {
            let m = format!("ts_{}", String::from_utf8_lossy(&name));
            if m.len() < 56 {
                if let Some(h) = crate::request_module_handler() {
                    h(&m, true);
                }
            }
            ops = lookup(&name);
        }
        let Some(ops) = ops else {
            return (-ENOENT) as u64;
        };
        let init = rd64(ops + to::init);
        let conf = crate::fault::call_module(init, [pattern, u64::from(len), u64::from(gfp), flags as i64 as u64, 0, 0]).unwrap_or((-ENOENT) as u64);
        if conf >= (-4095i64) as u64 {
            crate::kernel::module::module_put(rd64(ops + to::owner));
            return conf;
        }
        wr64(conf + tc::ops, ops);
        conf
    }
}

/// `get_linear_data(consumed, dst, conf, state)`: the rest of the one
/// buffer (`struct ts_linear_state { len; data; }` in state->cb).
extern "C" fn get_linear_data(consumed: u32, dst: u64, _conf: u64, state: u64) -> u32 {
    // SAFETY: the state's control buffer, set by textsearch_find_continuous.
    let len = unsafe { ((state + tst::cb) as *const u32).read_unaligned() };
    let data = rd64(state + tst::cb + 8);
    if consumed < len {
        wr64(dst, data + u64::from(consumed));
        len - consumed
    } else {
        0
    }
}

crate::kfn! {
    /// `unsigned int textsearch_find_continuous(conf, state, data, len)`:
    /// the first match's offset from `state->offset` on (0 to start), or
    /// UINT_MAX; the state remembers where to go on.
    fn textsearch_find_continuous(conf: u64, state: u64, data: u64, len: u32) -> u32 {
        wr64(conf + tc::get_next_block, get_linear_data as *const () as u64);
        // SAFETY: the caller's struct ts_state (cb holds the linear state).
        unsafe { ((state + tst::cb) as *mut u32).write_unaligned(len) };
        wr64(state + tst::cb + 8, data);
        // textsearch_find: from the start of this text
        // SAFETY: as above.
        unsafe { ((state + tst::offset) as *mut u32).write_unaligned(0) };
        let ops = rd64(conf + tc::ops);
        let r = crate::fault::call_module(rd64(ops + to::find), [conf, state, 0, 0, 0, 0]).map_or(u32::MAX, |r| r as u32);
        let finish = rd64(conf + tc::finish);
        if finish != 0 {
            crate::fault::call_module(finish, [conf, state, 0, 0, 0, 0]);
        }
        r
    }
}

crate::kfn! {
    /// `textsearch_destroy(conf)`: the algorithm's destroy, its module
    /// released, the configuration freed.
    fn textsearch_destroy(conf: u64) {
        let ops = rd64(conf + tc::ops);
        if ops != 0 {
            let destroy = rd64(ops + to::destroy);
            if destroy != 0 {
                crate::fault::call_module(destroy, [conf, 0, 0, 0, 0, 0]);
            }
            crate::kernel::module::module_put(rd64(ops + to::owner));
        }
        crate::mm::slab::kfree_addr(conf);
    }
}
