//! net/xfrm/ (`CONFIG_XFRM=y`; xfrm_user, af_key, the transforms and
//! tunnels are modules).

pub mod xfrm_input;
pub mod xfrm_state;

fn vm(name: &str) -> u64 {
    crate::vmlinux::get()
        .and_then(|v| v.symbol(name))
        .unwrap_or(0)
}

/// `synchronize_rcu()` through the host's export.
pub(crate) fn synchronize_rcu() {
    let f = vm("synchronize_rcu");
    if f != 0 {
        // SAFETY: the vmlinux stub of the host's synchronize_rcu (implemented).
        let f: extern "C" fn() = unsafe { std::mem::transmute::<u64, extern "C" fn()>(f) };
        f();
    }
}

/// Linux's `WARN_ON(cond)` in a host function: the report's headline.
pub(crate) fn warn_on(file: &str, line: u32, func: &str) {
    crate::log::kernel_msg(4, &format!("WARNING: at {file}:{line} {func}"));
}
