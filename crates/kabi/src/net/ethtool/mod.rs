//! net/ethtool/common.c: `ethtool_set_ethtool_phy_ops` (phylib hands the
//! core its PHY operations; ethtool's netlink code, which the host does not
//! run, would use them).

use std::sync::atomic::{AtomicU64, Ordering};

static PHY_OPS: AtomicU64 = AtomicU64::new(0);

crate::kfn! {
    /// `ethtool_set_ethtool_phy_ops(ops)`: stores the pointer under RTNL.
    fn ethtool_set_ethtool_phy_ops(ops: u64) {
        crate::net::core::rtnetlink::rtnl_lock();
        PHY_OPS.store(ops, Ordering::Release);
        crate::net::core::rtnetlink::rtnl_unlock();
    }
}

/// The current `ethtool_phy_ops` (tests).
pub fn phy_ops() -> u64 {
    PHY_OPS.load(Ordering::Acquire)
}

fn purge(start: u64, end: u64) {
    let _ = PHY_OPS.fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| (p >= start && p < end).then_some(0));
}
crate::purge_on_module_free!(purge);
