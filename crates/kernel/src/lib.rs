//! `kernel` — modhost's host kernel: Linux 6.1's module subsystem in a process.
//!
//! It loads real x86_64 `.ko` files into its own memory (below 2 GiB, as
//! `-mcmodel=kernel` code requires), links them exactly as Linux 6.1 does,
//! runs their init and exit functions against the ABI of the `kabi` crate,
//! and keeps Linux's bookkeeping: states, taints, exports, who uses whom,
//! reference counts. One file per concern, following `kernel/module/`:
//!
//! | file | Linux |
//! |---|---|
//! | [`load`] | `load_module` and its unwinding |
//! | [`signing`] | `module_sig_check` |
//! | [`check`] | `check_modinfo`, `same_magic`, `check_version` |
//! | [`layout`] | `layout_sections`, `layout_symtab` |
//! | [`symbols`] | `simplify_symbols`, `resolve_symbol`, `find_symbol` |
//! | `arch/x86_64` | `apply_relocate_add` |
//! | [`params`] | `parse_args` |
//! | [`unload`] | `delete_module`, `free_module` |
//! | [`views`] | `/proc/modules`, `/proc/kallsyms`, `/sys/module` |
//! | [`cpu`] | calling into module code on a host "CPU" |

pub mod arch;
pub mod boot;
pub mod bug;
pub mod check;
pub mod cpu;
pub mod errno;
pub mod exports_doc;
pub mod layout;
pub mod load;
pub mod module;
pub mod oops;
pub mod params;
pub mod signing;
pub mod symbols;
pub mod taint;
pub mod unload;
pub mod views;

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

pub use errno::{Errno, KResult};
pub use module::{Module, ModuleState};

/// Offsets in Debian 6.1's `struct module` (896 bytes).
pub const STRUCT_MODULE_SIZE: u64 = 896;
pub const STRUCT_MODULE_NAME: u64 = 24;
pub const STRUCT_MODULE_INIT: u64 = 312;
pub const STRUCT_MODULE_EXIT: u64 = 848;
pub const STRUCT_MODULE_REFCNT: u64 = 856;
/// MODULE_NAME_LEN.
pub const MODULE_NAME_LEN: usize = 56;

/// `finit_module` flags.
pub const MODULE_INIT_IGNORE_MODVERSIONS: u32 = 1;
pub const MODULE_INIT_IGNORE_VERMAGIC: u32 = 2;
pub const MODULE_INIT_COMPRESSED_FILE: u32 = 4;

/// `delete_module` flags.
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_TRUNC: u32 = 0o1000;

/// One symbol the kernel exports (a `Module.symvers` line for vmlinux).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportDecl {
    pub name: String,
    pub crc: u32,
    pub gpl: bool,
    pub namespace: String,
    /// Code rather than data (the image's symbol type).
    pub text: bool,
    /// The object's extent in the image (0: unknown).
    pub size: u64,
}

/// Checks a module's appended signature (the keyring side of `mod_verify_sig`).
pub trait SignatureVerifier: Send + Sync {
    /// Verifies a signed image (marker included). Ok: the signature is good.
    /// Err: the errno `mod_verify_sig` returns and the kernel's log message.
    fn verify(&self, image: &[u8]) -> Result<(), (Errno, String)>;
}

/// What the host kernel is: its release, vermagic, exports and policies.
pub struct Config {
    pub release: String,
    /// e.g. `6.1.0-56-amd64 SMP preempt mod_unload modversions ` (trailing space).
    pub vermagic: String,
    /// The vmlinux exports (from the ABI profile). Only those the host
    /// implements (`kabi` has a stub or object for) are actually exported.
    pub exports: Vec<ExportDecl>,
    pub percpu: kabi::vmlinux::PercpuSpec,
    pub verifier: Option<Box<dyn SignatureVerifier>>,
    /// `init_utsname()->version` (its first word appears in oops reports).
    pub uts_version: String,
    /// `module.sig_enforce`.
    pub sig_enforce: bool,
    /// `module_blacklist=`.
    pub blacklist: Vec<String>,
}

/// An export of the kernel itself.
#[derive(Debug, Clone)]
pub struct KernelSymbol {
    pub value: u64,
    pub gpl: bool,
    pub namespace: String,
    pub crc: u32,
}

/// The mutable part: the module list (newest first) and the kernel's taint.
pub(crate) struct State {
    pub modules: Vec<Module>,
    pub taint: u64,
    pub last_unloaded: Option<String>,
    /// The once-per-boot unsigned-module notice was printed.
    pub sig_notice_done: bool,
    /// Linux's `debug_locks` (true until an unreliable taint).
    pub debug_locks: bool,
}

/// The host kernel.
pub struct Kernel {
    pub(crate) config: Config,
    pub(crate) vmlinux: &'static kabi::vmlinux::Vmlinux,
    pub(crate) ksyms: HashMap<String, KernelSymbol>,
    /// CRC of `module_layout` (checked on every load).
    pub(crate) module_layout_crc: Option<u32>,
    pub(crate) state: Mutex<State>,
    /// Signalled whenever a module leaves COMING/UNFORMED (module_wq).
    pub(crate) module_wq: Condvar,
}

impl Kernel {
    /// Boots a host kernel: builds (or reuses) the process's vmlinux image
    /// and the kernel export table.
    pub fn new(config: Config) -> KResult<Kernel> {
        let specs: Vec<kabi::vmlinux::ExportSpec<'_>> =
            config.exports.iter().map(|e| kabi::vmlinux::ExportSpec { name: &e.name, text: e.text, size: e.size }).collect();
        let vmlinux = kabi::vmlinux::boot(&config.percpu, &specs).map_err(|_| Errno::ENOMEM)?;
        kabi::kernel::nsproxy::set_utsname(&config.release, &config.uts_version);
        // vmlinux's crypto algorithms and templates (its initcalls).
        kabi::crypto::boot::init();
        let mut ksyms = HashMap::new();
        for e in &config.exports {
            if let Some(value) = vmlinux.symbol(&e.name) {
                ksyms.insert(e.name.clone(), KernelSymbol { value, gpl: e.gpl, namespace: e.namespace.clone(), crc: e.crc });
            }
        }
        kabi::set_symbolizer(views::symbolize_global);
        kabi::fault::set_trap_hook(bug::trap);
        let module_layout_crc = config.exports.iter().find(|e| e.name == "module_layout").map(|e| e.crc);
        Ok(Kernel {
            module_layout_crc,
            config,
            vmlinux,
            ksyms,
            state: Mutex::new(State { modules: Vec::new(), taint: 0, last_unloaded: None, sig_notice_done: false, debug_locks: true }),
            module_wq: Condvar::new(),
        })
    }

    /// Makes this kernel the one that reports faults in module code run on
    /// host threads (work items, timers) — the process's kernel. The
    /// daemon, the census and the tests each have one.
    pub fn make_current(&'static self) {
        CURRENT.get_or_init(|| self as *const Kernel as usize);
        kabi::fault::set_fault_reporter(report_on_current);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `init_module(2)`: load a module image with parameters.
    pub fn init_module(&self, image: &[u8], args: &str) -> KResult<()> {
        if image.len() < 64 {
            return Err(Errno::ENOEXEC);
        }
        load::load_module(self, image, args, 0)
    }

    /// `finit_module(2)` on the bytes of a file (the caller read it).
    pub fn finit_module(&self, file: &[u8], args: &str, flags: u32) -> KResult<()> {
        if flags & !(MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC | MODULE_INIT_COMPRESSED_FILE) != 0 {
            return Err(Errno::EINVAL);
        }
        if file.is_empty() {
            return Err(Errno::EINVAL);
        }
        if flags & MODULE_INIT_COMPRESSED_FILE != 0 {
            // Debian's kernel has no in-kernel decompression.
            return Err(Errno::EOPNOTSUPP);
        }
        load::load_module(self, file, args, flags)
    }

    /// Links a module without running it: every load stage up to complete
    /// formation, then the module is freed again (its init never runs). With
    /// `placeholders`, symbols nobody exports resolve to a placeholder
    /// address. For benchmarks and robustness tests.
    pub fn link_only(&self, image: &[u8], flags: u32, placeholders: bool) -> KResult<load::LinkReport> {
        load::link_only(self, image, flags, load::LinkOnly { placeholders })
    }

    /// Calls an exported function (up to two integer arguments) under the
    /// fault guard: a fault becomes an oops in the log, the kernel is tainted
    /// D and the call returns `EFAULT`; the module stays loaded.
    pub fn call_export(&self, name: &str, a0: u64, a1: u64) -> KResult<u64> {
        let addr = self.lookup_symbol(name).ok_or(Errno::ENOENT)?;
        match cpu::call_function(self, addr, a0, a1)? {
            Ok(v) => Ok(v),
            Err(fault) => {
                oops::report(self, &fault);
                Err(Errno::EFAULT)
            }
        }
    }

    /// `delete_module(2)`.
    pub fn delete_module(&self, name: &str, flags: u32) -> KResult<()> {
        unload::delete_module(self, name, flags)
    }

    /// The kernel's taint mask.
    pub fn taint(&self) -> u64 {
        self.lock().taint
    }

    /// Looks a symbol up as `find_symbol` does (kernel, then modules newest
    /// first); returns its address.
    pub fn lookup_symbol(&self, name: &str) -> Option<u64> {
        let st = self.lock();
        symbols::find_symbol(self, &st, name, true).map(|f| f.value)
    }

    /// Names of the loaded (formed) modules, newest first.
    pub fn module_names(&self) -> Vec<String> {
        self.lock().modules.iter().filter(|m| m.state != ModuleState::Unformed).map(|m| m.name.clone()).collect()
    }

    /// Runs `f` with a module's record, if it is loaded.
    pub fn with_module<R>(&self, name: &str, f: impl FnOnce(&Module) -> R) -> Option<R> {
        let st = self.lock();
        st.modules.iter().find(|m| m.name == name && m.state != ModuleState::Unformed).map(f)
    }

    /// The kernel log, as records.
    pub fn log(&self) -> Vec<kabi::log::Record> {
        kabi::log::records()
    }
}

static CURRENT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// The process's kernel (see [`Kernel::make_current`]).
pub fn current() -> Option<&'static Kernel> {
    // SAFETY: only a `&'static Kernel` is ever stored.
    CURRENT.get().map(|&p| unsafe { &*(p as *const Kernel) })
}

fn report_on_current(f: &kabi::fault::Fault) {
    match current() {
        Some(k) => oops::report(k, f),
        None => pr(KERN_ALERT, format!("fault in module code at {:#x}", f.regs.rip)),
    }
}

pub(crate) fn pr(level: u8, msg: String) {
    kabi::log::kernel_msg(level, &msg);
}

/// Log levels.
pub(crate) const KERN_EMERG: u8 = 0;
pub(crate) const KERN_ALERT: u8 = 1;
pub(crate) const KERN_CRIT: u8 = 2;
pub(crate) const KERN_ERR: u8 = 3;
/// `KERN_DEFAULT` records get the default message level (4).
pub(crate) const KERN_DEFAULT: u8 = 4;
pub(crate) const KERN_WARNING: u8 = 4;
pub(crate) const KERN_NOTICE: u8 = 5;
