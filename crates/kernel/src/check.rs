//! `check_modinfo`, `same_magic`, `check_version`: what a module says about
//! itself, checked against the kernel.

use crate::errno::{Errno, KResult};
use crate::taint;
use crate::{pr, KERN_ERR, KERN_WARNING};

/// Licenses Linux treats as GPL-compatible (exact, case-sensitive).
pub const GPL_COMPATIBLE: [&str; 6] = ["GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"];

pub fn license_is_gpl_compatible(license: &[u8]) -> bool {
    GPL_COMPATIBLE.iter().any(|l| l.as_bytes() == license)
}

/// `same_magic`: with modversions, the release (text before the first
/// space) is ignored in both strings.
pub fn same_magic(module: &[u8], kernel: &[u8], has_crcs: bool) -> bool {
    if has_crcs {
        let after = |s: &'_ [u8]| -> Vec<u8> { s.iter().position(|&b| b == b' ').map_or(Vec::new(), |i| s[i + 1..].to_vec()) };
        return after(module) == after(kernel);
    }
    module == kernel
}

/// Taints set on the module and the kernel while checking it.
pub struct Taints<'a> {
    pub module: &'a mut u64,
    pub kernel: &'a mut u64,
    /// Linux's `debug_locks`: cleared by the first taint that makes lock
    /// debugging unreliable (P, F, R), with a one-time message.
    pub debug_locks: &'a mut bool,
}

impl Taints<'_> {
    /// Sets a taint; returns whether the kernel did not have it yet.
    pub fn add(&mut self, flag: u32) -> bool {
        let bit = 1u64 << flag;
        *self.module |= bit;
        let first = *self.kernel & bit == 0;
        *self.kernel |= bit;
        first
    }

    /// A taint added with LOCKDEP_NOW_UNRELIABLE: the first one per boot
    /// turns lock debugging off and says so.
    pub fn lockdep_unreliable(&mut self) {
        lockdep_unreliable(self.debug_locks);
    }

    /// `try_to_force_load`: Debian has MODULE_FORCE_LOAD, so this taints F.
    pub fn force_load(&mut self, name: &str, reason: &str) {
        if *self.kernel & (1 << taint::FORCED_MODULE) == 0 {
            pr(KERN_WARNING, format!("{name}: {reason}: kernel tainted."));
        }
        self.add(taint::FORCED_MODULE);
        self.lockdep_unreliable();
    }
}

/// The values `check_modinfo` reads.
pub struct Modinfo<'a> {
    pub vermagic: Option<&'a [u8]>,
    pub intree: bool,
    pub retpoline: bool,
    pub staging: bool,
    pub livepatch: bool,
    pub license: Option<&'a [u8]>,
    pub test: bool,
}

/// `check_modinfo`, in Linux's order.
pub fn check_modinfo(name: &str, mi: &Modinfo<'_>, kernel_vermagic: &str, has_crcs: bool, t: &mut Taints<'_>) -> KResult<()> {
    match mi.vermagic {
        None => t.force_load(name, "bad vermagic"),
        Some(v) if !same_magic(v, kernel_vermagic.as_bytes(), has_crcs) => {
            let msg = [format!("{name}: version magic '").as_bytes(), v, format!("' should be '{kernel_vermagic}'").as_bytes()].concat();
            kabi::log::kernel_msg_bytes(KERN_ERR, &msg);
            return Err(Errno::ENOEXEC);
        }
        Some(_) => {}
    }
    if !mi.intree && t.add(taint::OOT_MODULE) {
        pr(KERN_WARNING, format!("{name}: loading out-of-tree module taints kernel."));
    }
    // retpoline=: the host runs no spectre mitigation of its own, so a
    // module without it is accepted silently (mitigation "none").
    let _ = mi.retpoline;
    if mi.staging {
        t.add(taint::CRAP);
        pr(KERN_WARNING, format!("{name}: module is from the staging directory, the quality is unknown, you have been warned."));
    }
    if mi.livepatch {
        if t.add(taint::LIVEPATCH) {
            pr(crate::KERN_NOTICE, format!("{name}: loading livepatch module."));
        }
    }
    let license = mi.license.unwrap_or(b"unspecified");
    if !license_is_gpl_compatible(license) {
        if t.add(taint::PROPRIETARY_MODULE) {
            let msg = [format!("{name}: module license '").as_bytes(), license, b"' taints kernel."].concat();
            kabi::log::kernel_msg_bytes(KERN_WARNING, &msg);
        }
        t.lockdep_unreliable();
    }
    if mi.test && t.add(taint::TEST) {
        pr(KERN_WARNING, format!("{name}: loading test module taints kernel."));
    }
    Ok(())
}

/// Clears `debug_locks`, printing Linux's message the first time.
pub fn lockdep_unreliable(debug_locks: &mut bool) {
    if *debug_locks {
        *debug_locks = false;
        pr(KERN_WARNING, "Disabling lock debugging due to kernel taint".to_string());
    }
}

/// One `__versions` entry.
#[derive(Debug, Clone)]
pub struct Version {
    pub name: String,
    /// The whole `unsigned long` of the entry: Linux compares it with the
    /// exporter's zero-extended 32-bit CRC, so stray high bits mismatch.
    pub crc: u64,
}

/// `check_version`: whether the module's expectation of `symname`'s CRC
/// agrees with the exporter's. `versions` is `None` when the module has no
/// `__versions` section (or it is ignored).
pub fn check_version(name: &str, versions: Option<&[Version]>, symname: &str, crc: Option<u32>, t: &mut Taints<'_>) -> bool {
    let Some(crc) = crc else { return true };
    let Some(versions) = versions else {
        t.force_load(name, symname);
        return true;
    };
    match versions.iter().find(|v| v.name == symname) {
        Some(v) if v.crc == u64::from(crc) => true,
        Some(_) => {
            pr(KERN_WARNING, format!("{name}: disagrees about version of symbol {symname}"));
            false
        }
        None => {
            pr(KERN_WARNING, format!("{name}: no symbol version for {symname}"));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic() {
        let k = "6.1.0-56-amd64 SMP preempt mod_unload modversions ";
        let k = k.as_bytes();
        assert!(same_magic(b"6.1.0-99-amd64 SMP preempt mod_unload modversions ", k, true));
        assert!(!same_magic(b"6.1.0-99-amd64 SMP preempt mod_unload modversions ", k, false));
        assert!(!same_magic(b"6.1.0-56-amd64 SMP mod_unload modversions ", k, true));
    }

    #[test]
    fn licenses() {
        assert!(license_is_gpl_compatible(b"GPL"));
        assert!(license_is_gpl_compatible(b"Dual MIT/GPL"));
        assert!(!license_is_gpl_compatible(b"gpl"));
        assert!(!license_is_gpl_compatible(b"GP\xa0"));
    }
}
