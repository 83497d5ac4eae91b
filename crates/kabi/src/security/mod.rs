//! security/: what modules call of the LSM framework.
//!
//! security/security.c keeps `blocking_lsm_notifier_chain`, a blocking
//! notifier chain on which modules (ib_core, ...) wait for policy-change
//! events (`LSM_POLICY_CHANGE`, sent when an LSM such as SELinux loads a
//! new policy). The host loads no policy, so the chain is called only when
//! a module calls `call_blocking_lsm_notifier` itself.

pub mod keys;

use crate::kernel::notifier::{
    blocking_notifier_call_chain, blocking_notifier_chain_register, blocking_notifier_chain_unregister, init_blocking_head,
    kernel_chain,
};
use crate::layout::blocking_notifier_head as bnh;

crate::export_data!("__modhost_blocking_lsm_chain", size bnh::SIZE, align 64, init = init_blocking_head);

crate::kfn! {
    /// `int register_blocking_lsm_notifier(nb)`: 0 (-EEXIST for a block
    /// already on the chain, as notifier_chain_register answers).
    fn register_blocking_lsm_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_blocking_lsm_chain", bnh::head, |h| blocking_notifier_chain_register(h, n))
    }
}
crate::kfn! {
    /// `int unregister_blocking_lsm_notifier(nb)`: 0 or -ENOENT.
    fn unregister_blocking_lsm_notifier(n: u64) -> i32 {
        kernel_chain("__modhost_blocking_lsm_chain", bnh::head, |h| blocking_notifier_chain_unregister(h, n))
    }
}
crate::kfn! {
    /// `int call_blocking_lsm_notifier(event, data)`: runs the chain.
    fn call_blocking_lsm_notifier(event: u64, data: u64) -> i32 {
        kernel_chain("__modhost_blocking_lsm_chain", bnh::head, |h| blocking_notifier_call_chain(h, event, data))
    }
}
