//! block/genhd.c: block majors (`__register_blkdev`, `unregister_blkdev`)
//! and the "Block devices:" half of `/proc/devices` (fs/char_dev.rs shows
//! the character half and calls [`block_devices_show`]).
//!
//! Debian 6.1 registers `259 blkext` at boot (the QEMU capture's
//! /proc/devices). Majors hash into 255 chains (`major % 255`); a dynamic
//! major is the highest index whose chain is empty, as in Linux.

use std::sync::Mutex;

use crate::fs::hostobj::cbytes;

const EBUSY: i32 = 16;
const EINVAL: i32 = 22;
const HASH: u32 = 255;
const BLKDEV_MAJOR_MAX: u32 = 512;

struct Major {
    major: u32,
    name: String,
    /// The module's probe function (0: none or built-in).
    probe: u64,
}

static MAJORS: Mutex<Option<Vec<Vec<Major>>>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Vec<Vec<Major>>) -> R) -> R {
    let mut g = MAJORS.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| {
        let mut t: Vec<Vec<Major>> = (0..HASH).map(|_| Vec::new()).collect();
        t[(259 % HASH) as usize].push(Major {
            major: 259,
            name: "blkext".into(),
            probe: 0,
        });
        t
    }))
}

/// "Block devices:" and one `%3d %s` line per major, by major number
/// (Linux's `blkdev_show` is called for each major from 0 to 511).
pub fn block_devices_show() -> String {
    with(|t| {
        let mut all: Vec<&Major> = t.iter().flatten().collect();
        all.sort_by_key(|m| m.major);
        let mut out = String::from("Block devices:\n");
        for m in all {
            out.push_str(&format!("{:3} {}\n", m.major, m.name));
        }
        out
    })
}

/// Installs the block half of /proc/devices (boot).
pub fn init() {
    crate::fs::char_dev::set_block_devices_show(block_devices_show);
}

crate::kfn! {
    /// `__register_blkdev(major, name, probe)`: 0 (or the dynamic major
    /// for 0), -EBUSY, -EINVAL for a major ≥ 512.
    fn __register_blkdev(major: u32, name: u64, probe: u64) -> i32 {
        let mut n = cbytes(name);
        n.truncate(15);
        let n = String::from_utf8_lossy(&n).into_owned();
        with(|t| {
            let mut major = major;
            let mut ret = 0i32;
            if major == 0 {
                match (1..HASH).rev().find(|&i| t[i as usize].is_empty()) {
                    Some(i) => {
                        major = i;
                        ret = i as i32;
                    }
                    None => {
                        crate::log::kernel_msg(4, &format!("__register_blkdev: failed to get major for {n}"));
                        return -EBUSY;
                    }
                }
            }
            if major >= BLKDEV_MAJOR_MAX {
                crate::log::kernel_msg(
                    3,
                    &format!("__register_blkdev: major requested ({major}) is greater than the maximum ({}) for {n}", BLKDEV_MAJOR_MAX - 1),
                );
                return -EINVAL;
            }
            let chain = &mut t[(major % HASH) as usize];
            if chain.iter().any(|m| m.major == major) {
                crate::log::kernel_msg(4, &format!("register_blkdev: cannot get major {major} for {n}"));
                return -EBUSY;
            }
            chain.push(Major { major, name: n, probe });
            ret
        })
    }
}

crate::kfn! {
    /// `unregister_blkdev(major, name)`: removes the major when the name
    /// matches (Linux WARNs otherwise; the host logs it).
    fn unregister_blkdev(major: u32, name: u64) {
        let n = String::from_utf8_lossy(&cbytes(name)).into_owned();
        let ok = with(|t| {
            let chain = &mut t[(major % HASH) as usize];
            match chain.iter().position(|m| m.major == major) {
                Some(i) if chain[i].name == n => {
                    chain.remove(i);
                    true
                }
                _ => false,
            }
        });
        if !ok {
            crate::log::kernel_msg(4, &format!("WARNING: unregister_blkdev({major}, {n}): no such major"));
        }
    }
}

fn purge(start: u64, end: u64) {
    let mut g = MAJORS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = g.as_mut() {
        for chain in t.iter_mut() {
            chain.retain(|m| !(m.probe >= start && m.probe < end));
        }
    }
}
crate::purge_on_module_free!(purge);
