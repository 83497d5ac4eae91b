//! `delete_module` and `free_module`.

use crate::errno::{Errno, KResult};
use crate::module::ModuleState;
use crate::{cpu, params, taint, Kernel, State, O_TRUNC};

/// `delete_module(name, flags)`: Linux 6.1's checks, in order.
pub fn delete_module(k: &Kernel, name: &str, flags: u32) -> KResult<()> {
    if name.is_empty() || name.len() >= crate::MODULE_NAME_LEN {
        return Err(Errno::ENOENT);
    }
    let mut st = k.lock();
    let i = st.modules.iter().position(|m| m.name == name && m.state != ModuleState::Unformed).ok_or(Errno::ENOENT)?;
    let forced = flags & O_TRUNC != 0;
    if !st.modules[i].users.is_empty() {
        return Err(Errno::EWOULDBLOCK);
    }
    if st.modules[i].state != ModuleState::Live {
        return Err(Errno::EBUSY);
    }
    if st.modules[i].permanent() {
        if !forced {
            return Err(Errno::EBUSY);
        }
        add_forced_rmmod(&mut st, name);
    }
    // try_stop_module: only the base reference may be left.
    let m = &st.modules[i];
    if m.refcnt_raw() != 1 {
        if !forced {
            return Err(Errno::EWOULDBLOCK);
        }
        add_forced_rmmod(&mut st, name);
    }
    let m = &mut st.modules[i];
    m.set_refcnt(0);
    m.set_state(ModuleState::Going);
    let exit_fn = m.exit_fn;
    let this_module = m.this_module;
    drop(st);
    if exit_fn != 0 {
        if let Err(fault) = cpu::call_exit(k, exit_fn)? {
            // An oops in exit: the module stays listed, GOING, as on Linux.
            crate::oops::report(k, &fault);
            return Err(Errno::EFAULT);
        }
    }
    let mut st = k.lock();
    if let Some(m) = st.modules.iter().find(|m| m.this_module == this_module) {
        let letters = taint::module_letters(m.taints);
        // last_unloaded_module: the name and module_flags(mod, buf, false)
        st.last_unloaded = Some(if letters.is_empty() { name.to_string() } else { format!("{name}({letters})") });
    }
    release(k, st, this_module);
    Ok(())
}

/// Taint R, added with LOCKDEP_NOW_UNRELIABLE.
fn add_forced_rmmod(st: &mut State, _name: &str) {
    st.taint |= 1 << taint::FORCED_RMMOD;
    crate::check::lockdep_unreliable(&mut st.debug_locks);
}

/// `free_module` (and the unwinding of a failed load): takes the module off
/// the list, drops its references on the modules it used, frees its
/// parameters' resources, its per-CPU area and its memory.
pub(crate) fn release(k: &Kernel, mut st: std::sync::MutexGuard<'_, State>, this_module: u64) {
    let Some(i) = st.modules.iter().position(|m| m.this_module == this_module) else { return };
    let m = st.modules.remove(i);
    crate::views::publish_symbols(&st);
    for (target, addr) in &m.uses {
        kabi::abi::module_put(*addr);
        if let Some(t) = st.modules.iter_mut().find(|t| &t.name == target) {
            t.users.retain(|u| *u != m.name);
        }
    }
    drop(st);
    // module_destroy_params: call ops->free for parameters that have one
    // (charp frees its string) — only for a module that got that far.
    if matches!(m.state, ModuleState::Going | ModuleState::Live) {
        for p in &m.params {
            // SAFETY: ops belongs to the module or the host ABI and is still mapped.
            let free = unsafe { cpu::read_u64(p.ops + params::OPS_FREE) };
            if free != 0 {
                // SAFETY: kernel_param.arg @32.
                let arg = unsafe { cpu::read_u64(p.kp + 32) };
                if let Ok(Err(fault)) = cpu::call_param_free(k, free, arg) {
                    crate::oops::report(k, &fault);
                }
            }
        }
    }
    if let Some((off, _)) = m.percpu {
        k.vmlinux.percpu_free(off);
    }
    // Registries of the host forget what lives in the module's memory —
    // while it is still mapped, so they may read the objects they drop.
    for r in [Some(&m.core), m.init.as_ref()].into_iter().flatten() {
        kabi::module_memory_freed(r.base(), r.len());
    }
    drop(m);
    k.module_wq.notify_all();
}
