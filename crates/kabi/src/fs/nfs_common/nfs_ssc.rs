//! fs/nfs_common/nfs_ssc.c: the table through which nfsd reaches the NFS
//! client for server-to-server copy (`nfs_ssc_client_tbl`, read inline by
//! nfs42_ssc_open/close): the client modules fill it at init.

use crate::layout::nfs_ssc_client_ops_tbl as tbl;

crate::export_data!("nfs_ssc_client_tbl", size 0x20, align 32);

fn slot(off: u64) -> Option<*mut u64> {
    crate::vmlinux::get().and_then(|v| v.symbol("nfs_ssc_client_tbl")).map(|a| (a + off) as *mut u64)
}

fn set(off: u64, ops: u64) {
    if let Some(p) = slot(off) {
        // SAFETY: a pointer field of the host's nfs_ssc_client_tbl.
        unsafe { p.write_volatile(ops) };
    }
}

/// Clears the slot if it still holds `ops` (an unregister of other ops is ignored).
fn clear(off: u64, ops: u64) {
    if let Some(p) = slot(off) {
        // SAFETY: as above.
        unsafe {
            if p.read_volatile() == ops {
                p.write_volatile(0);
            }
        }
    }
}

crate::kfn! {
    /// `void nfs42_ssc_register(const struct nfs4_ssc_client_ops *ops)`.
    fn nfs42_ssc_register(ops: u64) {
        set(tbl::ssc_nfs4_ops, ops)
    }
}
crate::kfn! {
    /// `void nfs42_ssc_unregister(ops)`.
    fn nfs42_ssc_unregister(ops: u64) {
        clear(tbl::ssc_nfs4_ops, ops)
    }
}
crate::kfn! {
    /// `void nfs_ssc_register(const struct nfs_ssc_client_ops *ops)`.
    fn nfs_ssc_register(ops: u64) {
        set(tbl::ssc_nfs_ops, ops)
    }
}
crate::kfn! {
    /// `void nfs_ssc_unregister(ops)`.
    fn nfs_ssc_unregister(ops: u64) {
        clear(tbl::ssc_nfs_ops, ops)
    }
}

/// Module memory went away: ops that lived in it leave the table.
fn purge(start: u64, end: u64) {
    for off in [tbl::ssc_nfs4_ops, tbl::ssc_nfs_ops] {
        if let Some(p) = slot(off) {
            // SAFETY: as above.
            unsafe {
                if (start..end).contains(&p.read_volatile()) {
                    p.write_volatile(0);
                }
            }
        }
    }
}
crate::purge_on_module_free!(purge);
