//! The host kernel's record of a loaded module.

use kabi::lowmem::LowRegion;

use crate::layout::RegionLayout;

/// `enum module_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleState {
    Live = 0,
    Coming = 1,
    Going = 2,
    Unformed = 3,
}

impl ModuleState {
    /// The word `/proc/modules` prints.
    pub fn proc_word(self) -> &'static str {
        match self {
            ModuleState::Live => "Live",
            ModuleState::Coming => "Loading",
            ModuleState::Going | ModuleState::Unformed => "Unloading",
        }
    }
    /// The `initstate` sysfs text.
    pub fn initstate(self) -> &'static str {
        match self {
            ModuleState::Live => "live",
            ModuleState::Coming => "coming",
            ModuleState::Going | ModuleState::Unformed => "going",
        }
    }
}

/// A symbol a module exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModExport {
    pub name: String,
    pub value: u64,
    pub gpl: bool,
    pub namespace: String,
    pub crc: Option<u32>,
}

/// A kallsyms entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KSym {
    pub name: String,
    pub value: u64,
    pub kind: char,
    pub size: u64,
    /// The ELF section index (0: undefined).
    pub shndx: u16,
}

/// A module parameter: where its `struct kernel_param` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamRef {
    pub name: String,
    pub perm: u16,
    /// Address of the `struct kernel_param`.
    pub kp: u64,
    /// Address of its `struct kernel_param_ops`.
    pub ops: u64,
}

/// One module.
pub struct Module {
    pub name: String,
    pub state: ModuleState,
    pub(crate) core: LowRegion,
    pub(crate) init: Option<LowRegion>,
    pub core_layout: RegionLayout,
    pub init_layout: RegionLayout,
    pub taints: u64,
    /// Address of the module's `struct module` (inside its core image).
    pub this_module: u64,
    pub init_fn: u64,
    pub exit_fn: u64,
    pub syms: Vec<ModExport>,
    pub gpl_syms: Vec<ModExport>,
    /// Modules this one uses (its target list): (name, their struct module).
    pub uses: Vec<(String, u64)>,
    /// Modules that use this one (its source list), most recent first.
    pub users: Vec<String>,
    pub percpu: Option<(u64, u64)>,
    pub args: String,
    pub params: Vec<ParamRef>,
    /// The module's symbol table as kallsyms sees it: all of the ELF
    /// symbols while it initialises, the core ones once it is live.
    pub kallsyms: std::sync::Arc<Vec<KSym>>,
    pub core_kallsyms: std::sync::Arc<Vec<KSym>>,
    pub version: Option<String>,
    pub srcversion: Option<String>,
    /// Allocated, non-empty sections and their load addresses (sysfs `sections/`).
    pub sections: Vec<(String, u64)>,
    pub notes: Vec<(String, Vec<u8>)>,
    pub sig_ok: bool,
    pub using_gplonly_symbols: bool,
    pub import_ns: Vec<String>,
    /// `__bug_table`: address and number of 12-byte `struct bug_entry`.
    pub bug_table: Option<(u64, usize)>,
}

impl Module {
    /// `module_refcount()`: the count shown to users (refcnt − 1).
    pub fn refcount(&self) -> i32 {
        self.refcnt_raw() - 1
    }

    pub(crate) fn refcnt_raw(&self) -> i32 {
        // SAFETY: this_module points into our own live core region.
        unsafe { ((self.this_module + crate::STRUCT_MODULE_REFCNT) as *const std::sync::atomic::AtomicI32).as_ref() }
            .map_or(0, |a| a.load(std::sync::atomic::Ordering::Acquire))
    }

    pub(crate) fn set_refcnt(&self, v: i32) {
        // SAFETY: as above.
        if let Some(a) = unsafe { ((self.this_module + crate::STRUCT_MODULE_REFCNT) as *const std::sync::atomic::AtomicI32).as_ref() } {
            a.store(v, std::sync::atomic::Ordering::Release);
        }
    }

    /// Changes the state here and in the module's own `struct module`.
    pub(crate) fn set_state(&mut self, s: ModuleState) {
        self.state = s;
        // SAFETY: as above; state is the first (4-byte) field.
        if let Some(a) = unsafe { (self.this_module as *const std::sync::atomic::AtomicU32).as_ref() } {
            a.store(s as u32, std::sync::atomic::Ordering::Release);
        }
    }

    pub fn core_base(&self) -> u64 {
        self.core.base()
    }

    pub fn init_base(&self) -> Option<u64> {
        self.init.as_ref().map(|r| r.base())
    }

    /// Whether `len` bytes at `addr` lie in writable module memory, as
    /// `protect` left it: core data past `ro_after_init` (past `ro` while
    /// the module is still initialising), init data past `ro`.
    pub fn is_writable(&self, addr: u64, len: u64) -> bool {
        let within = |r: &LowRegion, from: u64| {
            let lo = r.base() + from;
            addr >= lo && addr.checked_add(len).is_some_and(|end| end <= r.base() + r.len())
        };
        let core_from = match self.state {
            ModuleState::Live | ModuleState::Going => self.core_layout.ro_after_init_size,
            _ => self.core_layout.ro_size,
        };
        within(&self.core, core_from) || self.init.as_ref().is_some_and(|i| within(i, self.init_layout.ro_size))
    }

    /// Whether `addr` is inside this module's core or init image.
    pub fn contains(&self, addr: u64) -> bool {
        self.core.contains(addr) || self.init.as_ref().is_some_and(|r| r.contains(addr))
    }

    /// Has init but no exit: cannot be unloaded without force.
    pub fn permanent(&self) -> bool {
        self.init_fn != 0 && self.exit_fn == 0
    }
}
