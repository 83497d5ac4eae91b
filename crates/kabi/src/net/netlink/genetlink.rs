//! net/netlink/genetlink.c: `genl_register_family` and
//! `genl_unregister_family` (family ids, multicast group offsets, 6.1's
//! checks and errno). Message delivery is not modelled (the host has no
//! netlink sockets), so no `CTRL_CMD_NEWFAMILY` events are sent.
//!
//! Linux has no /proc or /sys file listing the families (userspace asks the
//! `nlctrl` family), so the registry has no view.
//!
//! Built-in families: Debian's 6.1 kernel registers several families at boot
//! from built-in code. Modelled here are the two whose ids are fixed by 6.1's
//! special cases: `nlctrl` (`GENL_ID_CTRL` 0x10, group "notify" at 0x10) and
//! `VFS_DQUOT` (`CONFIG_QUOTA_NETLINK_INTERFACE=y`, id 0x11, group "events"
//! at 0x11). NOT modelled: the other built-ins of Debian's config (=y:
//! e.g. acpi_event (ACPI), thermal (THERMAL_NETLINK), devlink (NET_DEVLINK),
//! ethtool (ETHTOOL_NETLINK), TASKSTATS, tcp_metrics, NLBL_* (NETLABEL),
//! SEG6/IOAM6 (IPv6), mptcp_pm (MPTCP)), whose boot order is not known here.
//! On Linux they take the ids from 0x13 upwards (and multicast groups from 2
//! upwards) before any module loads, so the ids and offsets this host assigns
//! to modules follow Linux's algorithm but are smaller than Linux's would be.

use std::sync::Mutex;

use crate::layout::{
    genl_family as f, genl_multicast_group as g, genl_ops as o, genl_small_ops as so,
};

const ENOENT: i32 = 2;
const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const ENOSPC: i32 = 28;

/// `GENL_NAMSIZ`.
const NAMSIZ: u64 = 16;
/// `GENL_ID_CTRL` (`NLMSG_MIN_TYPE`).
const ID_CTRL: u32 = 0x10;
/// `GENL_ID_VFS_DQUOT`.
const ID_VFS_DQUOT: u32 = 0x11;
/// `GENL_ID_PMCRAID`.
const ID_PMCRAID: u32 = 0x12;
/// `GENL_START_ALLOC`.
const START_ALLOC: u32 = 0x13;
/// `GENL_MAX_ID` (`NLMSG_MIN_TYPE + 1023`).
const MAX_ID: u32 = 0x10 + 1023;

struct Family {
    id: u32,
    name: Vec<u8>,
    /// The module's `struct genl_family` (0 for the built-ins).
    addr: u64,
    mcgrp_offset: u32,
    n_mcgrps: u32,
}

struct Genl {
    families: Vec<Family>,
    /// `genl_fam_idr`'s cyclic cursor (`idr_next`).
    idr_next: u32,
    /// `mc_groups`: multicast group ids in use.
    mc_groups: Vec<bool>,
}

static GENL: Mutex<Option<Genl>> = Mutex::new(None);

fn with<R>(func: impl FnOnce(&mut Genl) -> R) -> R {
    let mut s = GENL.lock().unwrap_or_else(|e| e.into_inner());
    func(s.get_or_insert_with(|| {
        // Bits 0, 1, GENL_ID_CTRL, GENL_ID_VFS_DQUOT and GENL_ID_PMCRAID are
        // reserved from the start (`mc_group_start`).
        let mut mc = vec![false; 64];
        for b in [0, 1, ID_CTRL, ID_VFS_DQUOT, ID_PMCRAID] {
            mc[b as usize] = true;
        }
        let builtin = |id, name: &[u8]| Family {
            id,
            name: name.to_vec(),
            addr: 0,
            mcgrp_offset: id,
            n_mcgrps: 1,
        };
        Genl {
            families: vec![
                builtin(ID_CTRL, b"nlctrl"),
                builtin(ID_VFS_DQUOT, b"VFS_DQUOT"),
            ],
            idr_next: ID_VFS_DQUOT + 1,
            mc_groups: mc,
        }
    }))
}

impl Genl {
    /// `idr_alloc_cyclic(&genl_fam_idr, family, start, end + 1)`.
    fn alloc_id(&mut self, start: u32, end: u32) -> Result<u32, i32> {
        let free =
            |s: &Self, from: u32| (from..=end).find(|id| !s.families.iter().any(|x| x.id == *id));
        let from = self.idr_next.max(start);
        let id = match free(self, from) {
            Some(id) => id,
            None if from > start => free(self, start).ok_or(-ENOSPC)?,
            None => return Err(-ENOSPC),
        };
        self.idr_next = id + 1;
        Ok(id)
    }

    /// `genl_allocate_reserve_groups`: the first run of `n` free group ids.
    fn reserve_groups(&mut self, n: u32) -> u32 {
        let n = n as usize;
        let mut id = 0;
        loop {
            while self.mc_groups.get(id).copied().unwrap_or(false) {
                id += 1;
            }
            if self.mc_groups.len() < id + n {
                self.mc_groups.resize(id + n, false);
            }
            match (id..id + n).find(|&i| self.mc_groups[i]) {
                Some(i) => id = i,
                None => break,
            }
        }
        for i in id..id + n {
            self.mc_groups[i] = true;
        }
        id as u32
    }

    fn release_groups(&mut self, offset: u32, n: u32) {
        for grp in offset..offset.saturating_add(n) {
            if grp != 1 {
                if let Some(b) = self.mc_groups.get_mut(grp as usize) {
                    *b = false;
                }
            }
        }
    }
}

// SAFETY (for the readers below): `fam` is the module's `struct genl_family`
// and its `ops`/`small_ops`/`mcgrps` arrays, as genl_register_family requires.
unsafe fn rd<T: Copy>(addr: u64) -> T {
    (addr as *const T).read_unaligned()
}

/// The NUL-terminated string in a `char[GENL_NAMSIZ]` (None without a NUL).
fn name_at(addr: u64) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    for i in 0..NAMSIZ {
        // SAFETY: a char[GENL_NAMSIZ] member of the module's struct.
        let c: u8 = unsafe { rd(addr + i) };
        if c == 0 {
            return Some(v);
        }
        v.push(c);
    }
    None
}

/// `genl_validate_ops`: ops then small_ops; each needs doit or dumpit, no
/// `validate` flags at or above `resv_start_op`, and a unique cmd.
fn validate_ops(fam: u64) -> i32 {
    // SAFETY: see `rd`.
    let (n_ops, n_small, ops, small, resv) = unsafe {
        (
            rd::<u8>(fam + f::n_ops) as u64,
            rd::<u8>(fam + f::n_small_ops) as u64,
            rd::<u64>(fam + f::ops),
            rd::<u64>(fam + f::small_ops),
            rd::<u8>(fam + f::resv_start_op),
        )
    };
    if (n_ops != 0 && ops == 0) || (n_small != 0 && small == 0) {
        return -EINVAL;
    }
    // (cmd, doit, dumpit, validate) of every op, as genl_get_cmd_by_index.
    let mut all = Vec::new();
    for i in 0..n_ops {
        let a = ops + i * o::SIZE;
        // SAFETY: see `rd`.
        all.push(unsafe {
            (
                rd::<u8>(a + o::cmd),
                rd::<u64>(a + o::doit),
                rd::<u64>(a + o::dumpit),
                rd::<u8>(a + o::validate),
            )
        });
    }
    for i in 0..n_small {
        let a = small + i * so::SIZE;
        // SAFETY: see `rd`.
        all.push(unsafe {
            (
                rd::<u8>(a + so::cmd),
                rd::<u64>(a + so::doit),
                rd::<u64>(a + so::dumpit),
                rd::<u8>(a + so::validate),
            )
        });
    }
    for (i, &(cmd, doit, dumpit, validate)) in all.iter().enumerate() {
        if doit == 0 && dumpit == 0 {
            return -EINVAL;
        }
        if cmd >= resv && validate != 0 {
            return -EINVAL;
        }
        if all[i + 1..].iter().any(|x| x.0 == cmd) {
            return -EINVAL;
        }
    }
    0
}

crate::kfn! {
    /// `genl_register_family(family)`: 0 with `family->id` and
    /// `family->mcgrp_offset` assigned; -EINVAL for bad ops or group names,
    /// -EEXIST for a name in use, -ENOSPC when no id is left.
    fn genl_register_family(fam: u64) -> i32 {
        let err = validate_ops(fam);
        if err != 0 {
            return err;
        }
        let name = name_at(fam + f::name).unwrap_or_else(|| {
            // SAFETY: Linux compares with strcmp past the array; take the 16 bytes.
            (0..NAMSIZ).map(|i| unsafe { rd::<u8>(fam + f::name + i) }).collect()
        });
        // SAFETY: see `rd`.
        let (n_grps, grps) = unsafe { (rd::<u8>(fam + f::n_mcgrps) as u32, rd::<u64>(fam + f::mcgrps)) };
        with(|s| {
            if s.families.iter().any(|x| x.name == name) {
                return -EEXIST;
            }
            let (start, end) = match &name[..] {
                b"pmcraid" => (ID_PMCRAID, ID_PMCRAID),
                b"VFS_DQUOT" => (ID_VFS_DQUOT, ID_VFS_DQUOT),
                _ => (START_ALLOC, MAX_ID),
            };
            let id = match s.alloc_id(start, end) {
                Ok(id) => id,
                Err(e) => {
                    // SAFETY: see `rd`; family->id = the error.
                    unsafe { ((fam + f::id) as *mut i32).write_unaligned(e) };
                    return e;
                }
            };
            // SAFETY: see `rd`.
            unsafe { ((fam + f::id) as *mut i32).write_unaligned(id as i32) };
            // genl_validate_assign_mc_groups.
            let mut offset = 0;
            if n_grps != 0 {
                for i in 0..n_grps as u64 {
                    let gname = grps + i * g::SIZE + g::name;
                    // SAFETY: see `rd`.
                    if unsafe { rd::<u8>(gname) } == 0 || name_at(gname).is_none() {
                        return -EINVAL; // the id goes back (errout_remove)
                    }
                }
                offset = if &name[..] == b"NET_DM" {
                    1
                } else if id == ID_VFS_DQUOT || id == ID_PMCRAID {
                    id
                } else {
                    s.reserve_groups(n_grps)
                };
                // SAFETY: see `rd`.
                unsafe { ((fam + f::mcgrp_offset) as *mut u32).write_unaligned(offset) };
            }
            s.families.push(Family { id, name, addr: fam, mcgrp_offset: offset, n_mcgrps: n_grps });
            0
        })
    }
}

crate::kfn! {
    /// `genl_unregister_family(family)`: 0, or -ENOENT when no family has
    /// `family->id`.
    fn genl_unregister_family(fam: u64) -> i32 {
        // SAFETY: see `rd`.
        let id: i32 = unsafe { rd(fam + f::id) };
        with(|s| {
            let Some(i) = s.families.iter().position(|x| x.id as i32 == id) else { return -ENOENT };
            let x = s.families.remove(i);
            s.release_groups(x.mcgrp_offset, x.n_mcgrps);
            0
        })
    }
}

/// A module freed without unregistering (a failed init): forget its families
/// and their groups.
fn purge(start: u64, end: u64) {
    if let Some(s) = GENL.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        let gone: Vec<(u32, u32)> = s
            .families
            .iter()
            .filter(|x| x.addr >= start && x.addr < end)
            .map(|x| (x.mcgrp_offset, x.n_mcgrps))
            .collect();
        s.families.retain(|x| !(x.addr >= start && x.addr < end));
        for (off, n) in gone {
            s.release_groups(off, n);
        }
    }
}
crate::purge_on_module_free!(purge);

/// `genl_mutex`: a word the holder sets (as the RTNL mutex in
/// net/core/rtnetlink.rs); waiting yields.
static GENL_MUTEX: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn genl_token() -> u64 {
    thread_local!(static T: u8 = const { 0 });
    T.with(|t| t as *const u8 as u64) | 1
}

crate::kfn! {
    /// `genl_lock()`: takes genl_mutex.
    fn genl_lock() {
        use std::sync::atomic::Ordering;
        while GENL_MUTEX.compare_exchange(0, genl_token(), Ordering::Acquire, Ordering::Relaxed).is_err() {
            std::thread::yield_now();
        }
    }
}

crate::kfn! {
    /// `genl_unlock()`: releases genl_mutex.
    fn genl_unlock() {
        GENL_MUTEX.store(0, std::sync::atomic::Ordering::Release);
    }
}
