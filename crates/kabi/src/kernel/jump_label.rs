//! kernel/jump_label.c and arch/x86/kernel/jump_label.c: static keys.
//!
//! A module's `static_branch_likely/unlikely(&key)` is a 2- or 5-byte NOP
//! or JMP in its text, listed in its `__jump_table` (relative entries:
//! code, target, key with the branch bit 0 and the init bit 1). The loader
//! hands each module's table over when the module is COMING
//! ([`add_module`]); `static_key_enable`/`disable`/`slow_inc`/`slow_dec`
//! keep `key->enabled` as Linux does and rewrite every site of the key
//! (`text_poke`), so module code takes the branch the key says.
//!
//! The sites of a key nobody changed are left as compiled, which is the
//! key's initial value; keys changed through this API (in a module or in
//! the host's data) are tracked, so a module loaded later gets its sites
//! of such keys patched on arrival, as Linux's `jump_label_add_module`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

const JUMP_ENTRY_SIZE: u64 = 16;
const NOP2: [u8; 2] = [0x66, 0x90];
const NOP5: [u8; 5] = [0x0f, 0x1f, 0x44, 0x00, 0x00];

struct Site {
    code: u64,
    target: u64,
    key: u64,
    branch: bool,
}

#[derive(Default)]
struct State {
    sites: Vec<Site>,
    /// Keys whose `enabled` this API has changed.
    touched: HashSet<u64>,
}

/// jump_label_mutex.
static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(State::default))
}

fn enabled<'a>(key: u64) -> &'a AtomicI32 {
    // SAFETY: `enabled` (atomic_t) is the first field of struct static_key;
    // the key is the module's (or the host's) object.
    unsafe { &*(key as *const AtomicI32) }
}

/// `static_key_enabled`: a count of -1 (an enable in progress) counts.
fn key_on(key: u64) -> bool {
    enabled(key).load(Ordering::Acquire) != 0
}

fn read(addr: u64, n: usize) -> Vec<u8> {
    // SAFETY: module text at a site of its __jump_table (mapped, readable).
    (0..n).map(|i| unsafe { ((addr + i as u64) as *const u8).read_volatile() }).collect()
}

/// `__jump_label_patch`: the site to JMP (`jump`) or NOP.
fn patch(s: &Site, jump: bool) {
    let cur = read(s.code, 5);
    let size = match cur[0] {
        0xeb => 2,
        0xe9 => 5,
        _ if cur[..2] == NOP2 => 2,
        _ if cur[..] == NOP5 => 5,
        _ => {
            crate::log::kernel_msg(
                0,
                &format!(
                    "jump_label: Fatal kernel bug, unexpected op at {:#x} [{:#x}] ({:02x?}) type:{}",
                    s.code, s.code, cur, jump as u8
                ),
            );
            return;
        }
    };
    let rel = s.target.wrapping_sub(s.code.wrapping_add(size)) as i64;
    let code: Vec<u8> = match (size, jump) {
        (2, false) => NOP2.to_vec(),
        (_, false) => NOP5.to_vec(),
        (2, true) => match i8::try_from(rel) {
            Ok(r) => vec![0xeb, r as u8],
            Err(_) => return,
        },
        (_, true) => match i32::try_from(rel) {
            Ok(r) => {
                let mut v = vec![0xe9];
                v.extend_from_slice(&r.to_le_bytes());
                v
            }
            Err(_) => return,
        },
    };
    if cur[..code.len()] != code[..] {
        if let Err(e) = crate::lowmem::poke_text(s.code, &code) {
            crate::log::kernel_msg(3, &format!("jump_label: cannot patch {:#x}: {e}", s.code));
        }
    }
}

/// `jump_label_update(key)`: every site of the key follows it.
fn update(st: &mut State, key: u64) {
    st.touched.insert(key);
    let on = key_on(key);
    for s in st.sites.iter().filter(|s| s.key == key) {
        patch(s, on ^ s.branch);
    }
}

/// `jump_label_add_module`: the `__jump_table` of a COMING module, `n`
/// entries at `table`. Sites of keys changed before are patched now.
pub fn add_module(table: u64, n: usize) {
    with(|st| {
        for i in 0..n as u64 {
            let e = table + i * JUMP_ENTRY_SIZE;
            // SAFETY: the module's __jump_table, n entries of
            // { s32 code; s32 target; long key; } (relative to each field).
            let (code, target, key) = unsafe {
                (
                    (e as *const i32).read_unaligned(),
                    ((e + 4) as *const i32).read_unaligned(),
                    ((e + 8) as *const i64).read_unaligned(),
                )
            };
            let key_field = (e + 8).wrapping_add(key as u64);
            let s = Site {
                code: e.wrapping_add(code as i64 as u64),
                target: (e + 4).wrapping_add(target as i64 as u64),
                key: key_field & !3,
                branch: key_field & 1 != 0,
            };
            if st.touched.contains(&s.key) {
                patch(&s, key_on(s.key) ^ s.branch);
            }
            st.sites.push(s);
        }
    })
}

/// Module memory went away: its sites (and keys) with it.
fn purge(start: u64, end: u64) {
    with(|st| {
        st.sites.retain(|s| !(start..end).contains(&s.code));
        st.touched.retain(|k| !(start..end).contains(k));
    })
}
crate::purge_on_module_free!(purge);

crate::export_data!("static_key_initialized", size 1, align 1, init = init_true);

fn init_true(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: the host's bool, just allocated.
    unsafe { (addr as *mut u8).write(1) };
}

crate::kfn! {
    /// `void static_key_enable(key)`: count 0 → 1 with the sites patched
    /// (-1 while patching); an enabled key stays (WARN if its count is not 1).
    fn static_key_enable(key: u64) {
        if enabled(key).load(Ordering::Acquire) > 0 {
            if enabled(key).load(Ordering::Acquire) != 1 {
                crate::lib_::bug::warn_once("static_key_enable_cpuslocked", "atomic_read(&key->enabled) != 1");
            }
            return;
        }
        with(|st| {
            if enabled(key).load(Ordering::Acquire) == 0 {
                enabled(key).store(-1, Ordering::Release);
                update(st, key);
                enabled(key).store(1, Ordering::Release);
            }
        })
    }
}
crate::export_fn!("static_key_enable_cpuslocked" => static_key_enable);

crate::kfn! {
    /// `void static_key_disable(key)`: count 1 → 0 with the sites patched;
    /// a disabled key stays (WARN if its count is not 0).
    fn static_key_disable(key: u64) {
        if enabled(key).load(Ordering::Acquire) != 1 {
            if enabled(key).load(Ordering::Acquire) != 0 {
                crate::lib_::bug::warn_once("static_key_disable_cpuslocked", "atomic_read(&key->enabled) != 0");
            }
            return;
        }
        with(|st| {
            if enabled(key).compare_exchange(1, 0, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                update(st, key);
            }
        })
    }
}
crate::export_fn!("static_key_disable_cpuslocked" => static_key_disable);

crate::kfn! {
    /// `bool static_key_fast_inc_not_disabled(key)`: count+1 if it is
    /// already positive (and does not overflow).
    fn static_key_fast_inc_not_disabled(key: u64) -> bool {
        let e = enabled(key);
        let mut v = e.load(Ordering::Acquire);
        loop {
            if v <= 0 || v.checked_add(1).is_none() {
                return false;
            }
            match e.compare_exchange_weak(v, v + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(now) => v = now,
            }
        }
    }
}

crate::kfn! {
    /// `bool static_key_slow_inc(key)`: the first reference enables the key.
    fn static_key_slow_inc(key: u64) -> bool {
        if static_key_fast_inc_not_disabled(key) {
            return true;
        }
        with(|st| {
            if enabled(key).load(Ordering::Acquire) == 0 {
                enabled(key).store(-1, Ordering::Release);
                update(st, key);
                enabled(key).store(1, Ordering::Release);
                true
            } else if !static_key_fast_inc_not_disabled(key) {
                crate::lib_::bug::warn_once("static_key_slow_inc_cpuslocked", "!static_key_fast_inc_not_disabled(key)");
                false
            } else {
                true
            }
        })
    }
}

crate::kfn! {
    /// `void static_key_slow_dec(key)`: the last reference disables the
    /// key; "jump label: negative count!" for a key that was not enabled.
    fn static_key_slow_dec(key: u64) {
        let e = enabled(key);
        // atomic_fetch_add_unless(&key->enabled, -1, 1)
        let mut v = e.load(Ordering::Acquire);
        while v != 1 {
            match e.compare_exchange_weak(v, v - 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => v = now,
            }
        }
        if v != 1 {
            if v < 0 {
                crate::lib_::bug::warn_once("__static_key_slow_dec_cpuslocked", "jump label: negative count!");
            }
            return;
        }
        with(|st| {
            if e.fetch_sub(1, Ordering::AcqRel) == 1 {
                update(st, key);
            }
        })
    }
}
