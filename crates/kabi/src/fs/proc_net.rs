//! fs/proc/proc_net.c: per-namespace /proc/net files
//! (`proc_create_net_data`, `proc_create_net_single`,
//! `proc_create_net_single_write`; `proc_create_net_data_write` takes seven
//! arguments, which the host's export stubs do not pass).
//!
//! On Linux these are `proc_create_reg` entries whose open finds the
//! namespace through the parent directory's data (a namespace's
//! `proc_net`) and whose read runs the module's `seq_operations` (or
//! `single_show`) with a `seq_net_private`. The host has one namespace
//! (`init_net.proc_net` is /proc/net) and creates the entries as
//! fs/proc.rs's `proc_create_data` does, with the same checks and
//! -EEXIST-style refusal (NULL and the WARN's message) for a name in use;
//! like every /proc file of the host, reading one does not run the
//! module's seq_file code (fs/proc.rs's view says so).

use super::proc::create_reg;

crate::kfn! {
    /// `proc_create_net_data(name, mode, parent, seq_ops, state_size,
    /// data)`: the entry, or NULL.
    fn proc_create_net_data(name: u64, mode: u32, parent: u64, ops: u64, state_size: u32, data: u64) -> u64 {
        let _ = state_size;
        create_reg(name, mode, parent, data, ops)
    }
}

crate::kfn! {
    /// `proc_create_net_single(name, mode, parent, show, data)`: the
    /// entry, or NULL.
    fn proc_create_net_single(name: u64, mode: u32, parent: u64, show: u64, data: u64) -> u64 {
        create_reg(name, mode, parent, data, show)
    }
}

crate::kfn! {
    /// `proc_create_net_single_write(name, mode, parent, show, write,
    /// data)`: as `proc_create_net_single`, with a write method.
    fn proc_create_net_single_write(name: u64, mode: u32, parent: u64, show: u64, write: u64, data: u64) -> u64 {
        let _ = write;
        create_reg(name, mode, parent, data, show)
    }
}
