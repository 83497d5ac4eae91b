//! `load_module`: the stages of loading, in Linux 6.1's order.
//!
//! 1. signature (`signing`) → 2. ELF validity (`kofile::linux`) →
//! 3. load info → 4. blacklist → 5. section header rewrite →
//! 6. `module_layout` CRC → 7. modinfo checks, W|X check, layout, allocation
//! (below 2 GiB) → 9. unique name, UNFORMED → 10. taint E → 11. per-CPU →
//! 12. refcount 2 → 14–16. sections, license/versions, version strings →
//! 17. `simplify_symbols` → 18. relocations → 19. per-CPU copy, kallsyms →
//! 24. duplicate exports, page protections, COMING → 27. parameters →
//! 31. init: LIVE, or GOING and freed.
//!
//! Unwinding: until the module is on the list, everything it holds is owned
//! by locals and freed when they drop; once on the list, a failure takes it
//! off again with [`crate::unload::release`], which drops its references on
//! other modules, its per-CPU area and its memory. Nothing of a failed load
//! stays listed or exported.

use kabi::lowmem::{self, LowRegion, Prot};
use kofile::elf::{SectionHeader, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_REL, SHT_RELA};
use kofile::{Elf, SymbolTable};

use crate::arch::x86_64::reloc;
use crate::check::{self, Modinfo, Taints, Version};
use crate::errno::{Errno, KResult};
use crate::layout::{self, Layout, Place, SHF_RO_AFTER_INIT};
use crate::module::{KSym, ModExport, Module, ModuleState, ParamRef};
use crate::symbols::{self, Importer};
use crate::{cpu, params, pr, signing, taint, unload, Kernel, KERN_ERR, KERN_NOTICE, KERN_WARNING};
use crate::{MODULE_INIT_IGNORE_MODVERSIONS, MODULE_INIT_IGNORE_VERMAGIC, MODULE_NAME_LEN, STRUCT_MODULE_EXIT, STRUCT_MODULE_INIT, STRUCT_MODULE_SIZE};

/// Where module images are placed (below 2 GiB, above the host's vmlinux).
const MODULES_HINT: u64 = 0x2000_0000;
const SHF_RELA_LIVEPATCH: u64 = 0x0010_0000;
const SHN_LIVEPATCH: u16 = 0xff20;

/// A symbol-table entry as the loader needs it.
#[derive(Debug, Clone)]
pub struct RawSym<'a> {
    pub name: &'a str,
    pub name_off: u32,
    pub value: u64,
    pub size: u64,
    pub info: u8,
    pub shndx: u16,
}

/// Linux's `struct load_info`: the image and what the stages learned.
pub struct LoadInfo<'a> {
    pub image: &'a [u8],
    pub elf: Elf<'a>,
    /// Section headers, flags as adjusted by the stages.
    pub sections: Vec<SectionHeader>,
    pub secnames: Vec<&'a str>,
    pub symtab: SymbolTable<'a>,
    pub strtab_index: usize,
    pub raw_symbols: Vec<RawSym<'a>>,
    pub modinfo: &'a [u8],
    pub name: String,
    pub mod_index: usize,
    pub vers_index: usize,
    pub percpu_index: Option<usize>,
    pub flags: u32,
}

impl<'a> LoadInfo<'a> {
    pub fn is_init_section(&self, i: usize) -> bool {
        self.secnames[i].starts_with(".init")
    }

    /// Linux's `find_sec`: first allocated section with that name, or 0.
    pub fn find_sec(&self, name: &str) -> usize {
        (1..self.sections.len()).find(|&i| self.sections[i].flags & SHF_ALLOC != 0 && self.secnames[i] == name).unwrap_or(0)
    }

    fn modinfo_get(&self, tag: &str) -> Option<&'a [u8]> {
        kofile::modinfo::get(self.modinfo, tag)
    }

    fn modinfo_str(&self, tag: &str) -> Option<String> {
        self.modinfo_get(tag).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn modinfo_all(&self, tag: &str) -> Vec<String> {
        kofile::modinfo::entries(self.modinfo).filter(|e| e.key == tag.as_bytes()).map(|e| String::from_utf8_lossy(e.value).into_owned()).collect()
    }
}

/// How far a load goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkOnly {
    /// Resolve symbols the kernel does not export to a placeholder address
    /// instead of failing ("Unknown symbol").
    pub placeholders: bool,
}

/// What a link-only load did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkReport {
    pub relocations: u64,
    /// Time spent applying the relocations.
    pub reloc_nanos: u64,
    pub placeholders: u64,
    pub core_size: u64,
    pub init_size: u64,
    /// `jmp __x86_return_thunk` sites rewritten to `ret` (`.return_sites`).
    pub patched_returns: usize,
    /// `call __fentry__` sites rewritten to NOPs (`__mcount_loc`).
    pub patched_mcount: usize,
}

/// Address placeholders resolve to (inside the host's low window, never mapped
/// executable for modules: a call would fault, which link-only never does).
const PLACEHOLDER: u64 = 0x0fff_f000;

/// Loads a module image (what `init_module`/`finit_module` do after the
/// syscall checks).
pub fn load_module(k: &Kernel, image: &[u8], args: &str, flags: u32) -> KResult<()> {
    load_module_inner(k, image, args, flags, None).map(|_| ())
}

/// Runs every stage up to complete formation (relocated, exports checked,
/// protections applied), then takes the module away again without running
/// anything of it.
pub fn link_only(k: &Kernel, image: &[u8], flags: u32, opts: LinkOnly) -> KResult<LinkReport> {
    load_module_inner(k, image, "", flags, Some(opts))
}

fn load_module_inner(k: &Kernel, image: &[u8], args: &str, flags: u32, link_only: Option<LinkOnly>) -> KResult<LinkReport> {
    let mut report = LinkReport::default();
    // 1. signature
    let (len, sig_ok) = signing::module_sig_check(k, image, flags)?;
    let image = &image[..len];
    // 2. ELF validity
    let sections = kofile::linux::elf_validity_check(image).map_err(|e| {
        pr(KERN_ERR, e.to_string());
        Errno::ENOEXEC
    })?;
    // Linux reads any header as ELF64 LSB; normalise the identification
    // bytes it never checks so the reader agrees.
    let owned;
    let image: &[u8] = if image[4] != 2 || image[5] != 1 {
        let mut v = image.to_vec();
        v[4] = 2;
        v[5] = 1;
        owned = v;
        &owned
    } else {
        image
    };
    // 3. load info
    let mut info = setup_load_info(image, sections, flags)?;
    // 4. blacklist
    if k.config.blacklist.iter().any(|b| *b == info.name) {
        pr(KERN_ERR, format!("Module {} is blacklisted", info.name));
        return Err(Errno::EPERM);
    }
    // 5. rewrite_section_headers: __versions and .modinfo are not loaded
    let vi = info.vers_index;
    info.sections[vi].flags &= !SHF_ALLOC;
    if let Some(mi) = (1..info.sections.len()).find(|&i| info.secnames[i] == ".modinfo" && info.sections[i].flags & SHF_ALLOC != 0) {
        info.sections[mi].flags &= !SHF_ALLOC;
    }
    let versions = read_versions(&info);
    let mut mod_taints: u64 = 0;
    // 6. check_modstruct_version
    {
        let mut st = k.lock();
        let crate::State { taint, debug_locks, .. } = &mut *st;
        let mut t = Taints { module: &mut mod_taints, kernel: taint, debug_locks };
        if !check::check_version(&info.name, versions.as_deref(), "module_layout", k.module_layout_crc, &mut t) {
            return Err(Errno::ENOEXEC);
        }
    }
    // 7. layout_and_allocate
    let ignore_vermagic = flags & MODULE_INIT_IGNORE_VERMAGIC != 0;
    let mi = Modinfo {
        vermagic: if ignore_vermagic { None } else { info.modinfo_get("vermagic") },
        intree: info.modinfo_get("intree").is_some(),
        retpoline: info.modinfo_get("retpoline").is_some(),
        staging: info.modinfo_get("staging").is_some(),
        livepatch: info.modinfo_get("livepatch").is_some(),
        license: info.modinfo_get("license"),
        test: info.modinfo_get("test").is_some(),
    };
    {
        let mut st = k.lock();
        let crate::State { taint, debug_locks, .. } = &mut *st;
        let mut t = Taints { module: &mut mod_taints, kernel: taint, debug_locks };
        check::check_modinfo(&info.name, &mi, &k.config.vermagic, info.vers_index != 0, &mut t)?;
    }
    for i in 0..info.sections.len() {
        let s = &info.sections[i];
        if s.flags & SHF_WRITE != 0 && s.flags & SHF_EXECINSTR != 0 {
            pr(KERN_ERR, format!("{}: section {} (index {}) has invalid WRITE|EXEC flags", info.name, info.secnames[i], i));
            return Err(Errno::ENOEXEC);
        }
    }
    if let Some(p) = info.percpu_index {
        info.sections[p].flags &= !SHF_ALLOC;
    }
    for name in [".data..ro_after_init", "__jump_table"] {
        let i = info.find_sec(name);
        if i != 0 {
            info.sections[i].flags |= SHF_RO_AFTER_INIT;
        }
    }
    // The host's checks where Linux trusts the file, before any allocation.
    host_checks(&info)?;
    let lay = layout::layout(&info);
    let (core, init) = move_module(&info, &lay)?;
    let (core_base, init_base) = (core.base(), init.as_ref().map_or(0, |r| r.base()));
    let addr_of = |i: usize| -> u64 {
        match lay.place[i] {
            Some(Place::Core(o)) => core_base + o,
            Some(Place::Init(o)) => init_base + o,
            None => image.as_ptr() as u64 + info.sections[i].offset,
        }
    };
    let this_module = addr_of(info.mod_index);
    let mod_name = {
        // SAFETY: the section was copied into core and is ≥ 896 bytes (checked).
        let field = unsafe { std::slice::from_raw_parts((this_module + crate::STRUCT_MODULE_NAME) as *const u8, MODULE_NAME_LEN) };
        let n = field.iter().position(|&b| b == 0).unwrap_or(MODULE_NAME_LEN);
        String::from_utf8_lossy(&field[..n]).into_owned()
    };
    let module = Module {
        name: mod_name.clone(),
        state: ModuleState::Unformed,
        core,
        init,
        core_layout: lay.core,
        init_layout: lay.init,
        taints: mod_taints,
        this_module,
        init_fn: 0,
        exit_fn: 0,
        syms: Vec::new(),
        gpl_syms: Vec::new(),
        uses: Vec::new(),
        users: Vec::new(),
        percpu: None,
        args: String::new(),
        params: Vec::new(),
        kallsyms: Default::default(),
        core_kallsyms: Default::default(),
        version: info.modinfo_str("version"),
        srcversion: info.modinfo_str("srcversion"),
        sections: Vec::new(),
        notes: Vec::new(),
        sig_ok,
        using_gplonly_symbols: false,
        import_ns: info.modinfo_all("import_ns"),
        bug_table: None,
    };
    // 9. add_unformed_module
    let mut st = add_unformed_module(k, module)?;
    let fail = |k: &Kernel, st: std::sync::MutexGuard<'_, crate::State>, e: Errno| -> Errno {
        unload::release(k, st, this_module);
        e
    };
    let me = |st: &crate::State| st.modules.iter().position(|m| m.this_module == this_module).expect("the loading module stays listed until released");
    // 10. unsigned: taint E
    if !sig_ok {
        if !st.sig_notice_done {
            st.sig_notice_done = true;
            pr(KERN_NOTICE, format!("{mod_name}: module verification failed: signature and/or required key missing - tainting kernel"));
        }
        let i = me(&st);
        st.modules[i].taints |= 1 << taint::UNSIGNED_MODULE;
        st.taint |= 1 << taint::UNSIGNED_MODULE;
    }
    // 11. percpu_modalloc
    if let Some(p) = info.percpu_index {
        let s = info.sections[p];
        if s.size > 0 {
            // percpu_modalloc clamps to a page (with a warning); pcpu_alloc
            // raises it to 4 and refuses one that is not a power of two.
            let mut align = s.addralign;
            if align > 4096 {
                pr(KERN_WARNING, format!("{mod_name}: per-cpu alignment {} > 4096", align as i64));
                align = 4096;
            }
            let align = align.max(4);
            match Some(align).filter(|a| a.is_power_of_two()).and_then(|a| k.vmlinux.percpu_alloc(s.size, a)) {
                Some(off) => {
                    let i = me(&st);
                    st.modules[i].percpu = Some((off, s.size));
                }
                None => {
                    pr(KERN_WARNING, format!("{mod_name}: Could not allocate {} bytes percpu data", s.size));
                    return Err(fail(k, st, Errno::ENOMEM));
                }
            }
        }
    }
    // 12. module_unload_init
    st.modules[me(&st)].set_refcnt(2);
    // 15. check_module_license_and_versions
    let has = |n: &str| info.find_sec(n) != 0;
    if (has("__ksymtab") && !has("__kcrctab")) || (has("__ksymtab_gpl") && !has("__kcrctab_gpl")) {
        let State { modules, taint: kt, debug_locks, .. } = &mut *st;
        let i = modules.iter().position(|m| m.this_module == this_module).unwrap_or(0);
        Taints { module: &mut modules[i].taints, kernel: kt, debug_locks }.force_load(&mod_name, "no versions for exported symbols");
    }
    // 17. simplify_symbols
    let percpu_base = st.modules[me(&st)].percpu.map_or(0, |p| p.0);
    let import_ns = st.modules[me(&st)].import_ns.clone();
    let imp = Importer { name: &mod_name, this_module, versions: versions.as_deref(), import_ns: &import_ns };
    let mut values: Vec<u64> = info.raw_symbols.iter().map(|s| s.value).collect();
    let mut err: Option<Errno> = None;
    for i in 1..info.raw_symbols.len() {
        let s = info.raw_symbols[i].clone();
        match s.shndx {
            kofile::elf::SHN_COMMON => {
                if !s.name.starts_with("__gnu_lto") {
                    pr(KERN_WARNING, format!("{mod_name}: please compile with -fno-common"));
                    err = Some(Errno::ENOEXEC);
                }
            }
            kofile::elf::SHN_ABS | SHN_LIVEPATCH => {}
            0 => {
                let (g, r) = symbols::resolve_symbol_wait(k, st, &imp, s.name);
                st = g;
                match r {
                    Ok(v) => values[i] = v,
                    Err(Errno::ENOENT) if link_only.is_some_and(|o| o.placeholders) => {
                        values[i] = PLACEHOLDER;
                        report.placeholders += 1;
                    }
                    Err(e) => {
                        const STB_WEAK: u8 = 2;
                        if s.info >> 4 == STB_WEAK || s.name == "_GLOBAL_OFFSET_TABLE_" {
                            continue;
                        }
                        pr(KERN_WARNING, format!("{mod_name}: Unknown symbol {} (err -{})", s.name, e.0));
                        err = Some(e);
                    }
                }
            }
            x if usize::from(x) >= info.sections.len() => {
                pr(KERN_ERR, format!("{mod_name}: Symbol {} has an invalid section index {} (max {})", s.name, x, info.sections.len() - 1));
                err = Some(Errno::ENOEXEC);
            }
            x => {
                let base = if Some(usize::from(x)) == info.percpu_index { percpu_base } else { addr_of(usize::from(x)) };
                values[i] = values[i].wrapping_add(base);
            }
        }
    }
    if let Some(e) = err {
        return Err(fail(k, st, e));
    }
    // 18. apply_relocations
    let t0 = std::time::Instant::now();
    let relocated = apply_relocations(&info, &lay, &values, &addr_of, &mod_name, &st.modules[me(&st)]);
    report.reloc_nanos = t0.elapsed().as_nanos() as u64;
    match relocated {
        Ok(n) => report.relocations = n,
        Err(e) => return Err(fail(k, st, e)),
    }
    // 19. post_relocation: per-CPU image, kallsyms
    if let (Some(p), Some((off, _))) = (info.percpu_index, st.modules[me(&st)].percpu) {
        if let Some(bytes) = info.elf.section_data(&info.sections[p]) {
            k.vmlinux.percpu_copy(off, bytes);
        }
    }
    let (full, core_syms) = kallsyms(&info, &lay, &values);
    // find_module_sections and the struct module fields the host mirrors
    let bounds = {
        let m = &st.modules[me(&st)];
        let mut b = vec![(m.core.base(), m.core.base() + m.core.len())];
        if let Some(i) = &m.init {
            b.push((i.base(), i.base() + i.len()));
        }
        b
    };
    // module_finalize's return-thunk pass and ftrace_module_init
    {
        let inside = |a: u64, n: u64| bounds.iter().any(|&(lo, hi)| a >= lo && a.checked_add(n).is_some_and(|e| e <= hi));
        let text = crate::arch::x86_64::patch::Text { inside: &inside };
        let sec = |name: &str| {
            (1..info.sections.len())
                .find(|&i| info.secnames[i] == name && info.sections[i].flags & SHF_ALLOC != 0)
                .map(|i| (addr_of(i), info.sections[i].size))
        };
        let target = |name: &str| k.ksyms.get(name).map(|s| s.value);
        if let (Some((at, len)), Some(thunk)) = (sec(".return_sites"), target("__x86_return_thunk")) {
            report.patched_returns = crate::arch::x86_64::patch::apply_returns(&text, at, len, thunk);
        }
        if let (Some((at, len)), Some(fentry)) = (sec("__mcount_loc"), target("__fentry__")) {
            report.patched_mcount = crate::arch::x86_64::patch::nop_mcount(&text, at, len, fentry);
        }
    }
    let exports = read_exports(&info, &addr_of, &bounds);
    let ops_ok = |ops: u64| {
        let in_module = st.modules.iter().any(|m| {
            let mut r = vec![(m.core.base(), m.core.len())];
            r.extend(m.init.as_ref().map(|i| (i.base(), i.len())));
            r.iter().any(|&(lo, len)| ops >= lo && ops.checked_add(PARAM_OPS_SIZE).is_some_and(|e| e <= lo + len))
        });
        in_module || k.ksyms.iter().any(|(n, s)| s.value == ops && (n.starts_with("param_ops_") || n == "param_array_ops"))
    };
    let params = match read_params(&info, &addr_of, &bounds, &ops_ok, &mod_name) {
        Ok(p) => p,
        Err(e) => return Err(fail(k, st, e)),
    };
    let sections: Vec<(String, u64)> = (1..info.sections.len())
        .filter(|&i| info.sections[i].flags & SHF_ALLOC != 0 && info.sections[i].size != 0)
        .map(|i| (info.secnames[i].to_string(), addr_of(i)))
        .collect();
    let notes: Vec<(String, Vec<u8>)> = (1..info.sections.len())
        .filter(|&i| info.sections[i].sh_type == 7 && info.sections[i].flags & SHF_ALLOC != 0 && info.sections[i].size != 0)
        .filter_map(|i| Some((info.secnames[i].to_string(), info.elf.section_data(&info.sections[i])?.to_vec())))
        .collect();
    {
        let i = me(&st);
        let m = &mut st.modules[i];
        // SAFETY: init/exit pointers are fields of our struct module copy.
        unsafe {
            m.init_fn = cpu::read_u64(this_module + STRUCT_MODULE_INIT);
            m.exit_fn = cpu::read_u64(this_module + STRUCT_MODULE_EXIT);
        }
        m.kallsyms = std::sync::Arc::new(full);
        m.core_kallsyms = std::sync::Arc::new(core_syms);
        m.syms = exports.iter().filter(|e| !e.gpl).cloned().collect();
        m.gpl_syms = exports.iter().filter(|e| e.gpl).cloned().collect();
        m.params = params;
        // module_bug_finalize: the table WARN()/BUG() traps are looked up in
        m.bug_table = (1..info.sections.len())
            .find(|&i| info.secnames[i] == "__bug_table" && info.sections[i].flags & SHF_ALLOC != 0)
            .map(|i| (addr_of(i), (info.sections[i].size / crate::bug::BUG_ENTRY_SIZE as u64) as usize))
            .filter(|&(_, n)| n > 0);
        m.sections = sections;
        m.notes = notes;
        m.args = args.to_string();
    }
    // 24. complete_formation: duplicate exports, protections, COMING
    for e in &exports {
        let owner = symbols::find_symbol(k, &st, &e.name, true).map(|f| f.owner.unwrap_or_else(|| "kernel".into()));
        if let Some(owner) = owner {
            pr(KERN_ERR, format!("{mod_name}: exports duplicate symbol {} (owned by {})", e.name, owner));
            return Err(fail(k, st, Errno::ENOEXEC));
        }
    }
    if let Err(e) = protect(&st.modules[me(&st)], false) {
        return Err(fail(k, st, e));
    }
    crate::views::publish_symbols(&st);
    let i = me(&st);
    if link_only.is_some() {
        report.core_size = lay.core.size;
        report.init_size = lay.init.size;
        unload::release(k, st, this_module);
        return Ok(report);
    }
    st.modules[i].set_state(ModuleState::Coming);
    // The module notifiers of COMING: jump_label_add_module.
    if let Some(j) = (1..info.sections.len()).find(|&j| info.secnames[j] == "__jump_table" && info.sections[j].flags & SHF_ALLOC != 0) {
        kabi::kernel::jump_label::add_module(addr_of(j), (info.sections[j].size / 16) as usize);
    }
    let params = st.modules[i].params.clone();
    drop(st);
    // 27. parse_args (module code may run: no lock held)
    if let Err(e) = params::parse_args(k, &mod_name, args, &params) {
        return Err(going_and_free(k, this_module, e));
    }
    // 31. do_init_module
    do_init_module(k, this_module, &mod_name).map(|_| report)
}

/// Marks a COMING module GOING and frees it (failed parameters or init).
fn going_and_free(k: &Kernel, this_module: u64, e: Errno) -> Errno {
    let mut st = k.lock();
    if let Some(i) = st.modules.iter().position(|m| m.this_module == this_module) {
        st.modules[i].set_state(ModuleState::Going);
        let mref = st.modules[i].this_module;
        kabi::abi::module_put(mref);
    }
    unload::release(k, st, this_module);
    e
}

fn do_init_module(k: &Kernel, this_module: u64, name: &str) -> KResult<()> {
    let init_fn = k.lock().modules.iter().find(|m| m.this_module == this_module).map_or(0, |m| m.init_fn);
    let ret = if init_fn != 0 {
        match cpu::call_init(k, init_fn)? {
            Ok(r) => r,
            Err(fault) => {
                // An oops in init: report it, then take the module back out
                // (Linux would leave it "Loading" forever and kill insmod).
                crate::oops::report(k, &fault);
                return Err(going_and_free(k, this_module, Errno::EFAULT));
            }
        }
    } else {
        0
    };
    // Async work the init queued finishes before the module is live
    // (do_init_module's async_synchronize_full).
    kabi::kernel::async_::synchronize_full();
    if ret < 0 {
        return Err(going_and_free(k, this_module, Errno(-ret)));
    }
    if ret > 0 {
        pr(KERN_WARNING, format!("do_init_module: '{name}'->init suspiciously returned {ret}, it should follow 0/-E convention"));
        pr(KERN_WARNING, "do_init_module: loading module anyway...".to_string());
    }
    let mut st = k.lock();
    let Some(i) = st.modules.iter().position(|m| m.this_module == this_module) else { return Err(Errno::ENOENT) };
    let m = &mut st.modules[i];
    m.set_state(ModuleState::Live);
    kabi::abi::module_put(m.this_module);
    m.kallsyms = std::mem::take(&mut m.core_kallsyms);
    // ro_after_init becomes read-only; the init region goes away.
    let l = m.core_layout;
    let _ = m.core.protect(l.ro_size, l.ro_after_init_size - l.ro_size, Prot::Read);
    // do_free_init: registries forget what lived in the init image
    // (jump_label_invalidate_init, ...) before it is unmapped.
    if let Some(r) = m.init.take() {
        kabi::module_memory_freed(r.base(), r.len());
    }
    m.init_layout = Default::default();
    crate::views::publish_symbols(&st);
    drop(st);
    k.module_wq.notify_all();
    Ok(())
}

/// Page protections of `complete_formation`: text R-X, rodata R--,
/// ro_after_init and data RW- (ro_after_init becomes R-- after init).
fn protect(m: &Module, _after_init: bool) -> KResult<()> {
    let prot = |r: &LowRegion, l: &layout::RegionLayout| -> Result<(), lowmem::LowMemError> {
        r.protect(0, l.text_size, Prot::ReadExec)?;
        r.protect(l.text_size, l.ro_size - l.text_size, Prot::Read)?;
        Ok(())
    };
    prot(&m.core, &m.core_layout).map_err(|_| Errno::ENOMEM)?;
    if let Some(init) = &m.init {
        prot(init, &m.init_layout).map_err(|_| Errno::ENOMEM)?;
    }
    Ok(())
}

use crate::State;

/// Adds the module at the head of the list in state UNFORMED, unless a
/// module of that name exists: a LIVE one → EEXIST; one still loading →
/// wait for it, then EEXIST if it went live, EBUSY otherwise.
fn add_unformed_module(k: &Kernel, module: Module) -> KResult<std::sync::MutexGuard<'_, State>> {
    let mut st = k.lock();
    let mut waited = false;
    loop {
        let twin = st.modules.iter().find(|m| m.name == module.name).map(|m| m.state);
        match twin {
            None if !waited => break,
            None => return Err(Errno::EBUSY),
            Some(ModuleState::Coming) | Some(ModuleState::Unformed) => {
                waited = true;
                st = k.module_wq.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            Some(ModuleState::Live) => return Err(Errno::EEXIST),
            Some(ModuleState::Going) => return Err(Errno::EBUSY),
        }
    }
    st.modules.insert(0, module);
    Ok(st)
}

fn setup_load_info(image: &[u8], sections: Vec<SectionHeader>, flags: u32) -> KResult<LoadInfo<'_>> {
    let elf = Elf::parse(image).map_err(|_| Errno::ENOEXEC)?;
    let secnames: Vec<&str> = sections.iter().map(|s| elf.section_name(s).and_then(|n| std::str::from_utf8(n).ok()).unwrap_or("")).collect();
    let find = |name: &str| (1..sections.len()).find(|&i| sections[i].flags & SHF_ALLOC != 0 && secnames[i] == name).unwrap_or(0);
    let info_i = find(".modinfo");
    let modinfo: &[u8] = if info_i != 0 { elf.section_data(&sections[info_i]).unwrap_or(&[]) } else { &[] };
    let early_name = kofile::modinfo::get(modinfo, "name").map(|v| String::from_utf8_lossy(v).into_owned());
    let label = early_name.clone().unwrap_or_else(|| "(missing .modinfo section or name field)".into());
    let Ok(symtab) = SymbolTable::new(&elf) else {
        pr(KERN_WARNING, format!("{label}: module has no symbols (stripped?)"));
        return Err(Errno::ENOEXEC);
    };
    let strtab_index = sections[symtab.section].link as usize;
    let mod_index = find(".gnu.linkonce.this_module");
    if mod_index == 0 {
        pr(KERN_WARNING, format!("{label}: No module found in object"));
        return Err(Errno::ENOEXEC);
    }
    // Linux does not check this; a smaller section would make it read and
    // write past it. The host refuses such a file.
    if sections[mod_index].size < STRUCT_MODULE_SIZE || sections[mod_index].sh_type == SHT_NOBITS {
        pr(KERN_WARNING, format!("{label}: .gnu.linkonce.this_module is smaller than struct module"));
        return Err(Errno::ENOEXEC);
    }
    let name = match early_name {
        Some(n) => n,
        None => {
            let d = elf.section_data(&sections[mod_index]).unwrap_or(&[]);
            let f = d.get(24..24 + MODULE_NAME_LEN).unwrap_or(&[]);
            let n = f.iter().position(|&b| b == 0).unwrap_or(f.len());
            String::from_utf8_lossy(&f[..n]).into_owned()
        }
    };
    let vers_index = if flags & MODULE_INIT_IGNORE_MODVERSIONS != 0 { 0 } else { find("__versions") };
    let percpu_index = Some(find(".data..percpu")).filter(|&i| i != 0);
    let raw_symbols = symtab
        .iter()
        .map(|s| {
            let name_off = symtab_name_off(&elf, &symtab, s.index);
            RawSym { name: std::str::from_utf8(s.name).unwrap_or(""), name_off, value: s.value, size: s.size, info: s.info, shndx: s.shndx }
        })
        .collect();
    Ok(LoadInfo { image, elf, sections, secnames, symtab, strtab_index, raw_symbols, modinfo, name, mod_index, vers_index, percpu_index, flags })
}

fn symtab_name_off(elf: &Elf<'_>, symtab: &SymbolTable<'_>, index: usize) -> u32 {
    let sh = elf.sections()[symtab.section];
    elf.section_data(&sh).and_then(|d| elf.read_uint(d, index as u64 * 24, 4)).unwrap_or(0) as u32
}

fn read_versions(info: &LoadInfo<'_>) -> Option<Vec<Version>> {
    if info.vers_index == 0 {
        return None;
    }
    let d = info.elf.section_data(&info.sections[info.vers_index]).unwrap_or(&[]);
    Some(
        d.chunks_exact(64)
            .map(|e| {
                let crc = u64::from_le_bytes(e[..8].try_into().unwrap_or([0; 8]));
                let n = e[8..].iter().position(|&b| b == 0).unwrap_or(56);
                Version { name: String::from_utf8_lossy(&e[8..8 + n]).into_owned(), crc }
            })
            .collect(),
    )
}

/// The host's checks of what Linux 6.1 trusts in the file (the table in
/// [`kofile::linux`]), run after Linux's own checks of the stages before
/// layout and before anything is allocated or listed: a failure is
/// `-ENOEXEC` and one line `<name>: <what>`.
fn host_checks(info: &LoadInfo<'_>) -> KResult<()> {
    use kofile::linux as l;
    let run = || -> Result<(), kofile::HostElfError> {
        l::check_strtab(info.symtab.strings(), info.strtab_index)?;
        l::check_symbol_names(&info.symtab)?;
        // What layout places (the per-CPU section is Linux's percpu
        // allocator's business: it refuses a bad alignment itself).
        for i in 1..info.sections.len() {
            if info.sections[i].flags & SHF_ALLOC != 0 || i == info.symtab.section || i == info.strtab_index {
                l::check_alignment(&info.sections[i], info.secnames[i], i)?;
            }
        }
        l::check_modinfo(info.modinfo)?;
        if info.vers_index != 0 {
            l::check_versions(info.elf.section_data(&info.sections[info.vers_index]).unwrap_or(&[]))?;
        }
        l::check_module_name(info.elf.section_data(&info.sections[info.mod_index]).unwrap_or(&[]))?;
        for (sym, crc) in [("__ksymtab", "__kcrctab"), ("__ksymtab_gpl", "__kcrctab_gpl")] {
            let (si, ci) = (info.find_sec(sym), info.find_sec(crc));
            if si != 0 && ci != 0 {
                l::check_crc_table(sym, info.sections[si].size, crc, info.sections[ci].size)?;
            }
        }
        Ok(())
    };
    run().map_err(|e| {
        pr(KERN_ERR, format!("{}: {e}", info.name));
        Errno::ENOEXEC
    })
}

/// `move_module`: allocates core and init below 2 GiB and copies sections.
fn move_module(info: &LoadInfo<'_>, lay: &Layout) -> KResult<(LowRegion, Option<LowRegion>)> {
    // Sizes that wrapped or exceed the module area cannot be allocated
    // (Linux's module_alloc fails the same way, with -ENOMEM).
    const MODULES_LEN: u64 = 1 << 30;
    let sane = |r: &layout::RegionLayout| {
        r.size <= MODULES_LEN && r.text_size <= r.ro_size && r.ro_size <= r.ro_after_init_size && r.ro_after_init_size <= r.size
    };
    if !sane(&lay.core) || !sane(&lay.init) {
        return Err(Errno::ENOMEM);
    }
    for (i, p) in lay.place.iter().enumerate() {
        let (Some(p), s) = (p, &info.sections[i]) else { continue };
        let (off, limit) = match p {
            Place::Core(o) => (*o, lay.core.size),
            Place::Init(o) => (*o, lay.init.size),
        };
        if off.checked_add(s.size).map_or(true, |end| end > limit) {
            return Err(Errno::ENOMEM);
        }
    }
    let core = lowmem::alloc(lay.core.size, MODULES_HINT).map_err(|_| Errno::ENOMEM)?;
    let init = if lay.init.size > 0 { Some(lowmem::alloc(lay.init.size, MODULES_HINT).map_err(|_| Errno::ENOMEM)?) } else { None };
    for (i, p) in lay.place.iter().enumerate() {
        let Some(p) = p else { continue };
        let s = &info.sections[i];
        if s.sh_type == SHT_NOBITS || s.size == 0 {
            continue;
        }
        let data = info.elf.section_data(s).ok_or(Errno::ENOEXEC)?;
        let (region, off) = match p {
            Place::Core(o) => (&core, *o),
            Place::Init(o) => (init.as_ref().ok_or(Errno::ENOEXEC)?, *o),
        };
        // SAFETY: freshly mapped read-write region, in bounds by layout.
        unsafe { region.bytes_mut(off, s.size) }.copy_from_slice(data);
    }
    Ok((core, init))
}

fn apply_relocations(info: &LoadInfo<'_>, lay: &Layout, values: &[u64], addr_of: &dyn Fn(usize) -> u64, name: &str, m: &Module) -> KResult<u64> {
    let mut count = 0u64;
    for i in 1..info.sections.len() {
        let s = &info.sections[i];
        let t = s.info as usize;
        if t >= info.sections.len() || info.sections[t].flags & SHF_ALLOC == 0 {
            continue;
        }
        if s.flags & SHF_RELA_LIVEPATCH != 0 {
            continue;
        }
        if s.sh_type == SHT_REL {
            pr(KERN_ERR, format!("module {name}: REL relocation unsupported"));
            return Err(Errno::ENOEXEC);
        }
        if s.sh_type != SHT_RELA {
            continue;
        }
        let data = info.elf.section_data(s).ok_or(Errno::ENOEXEC)?;
        let target = info.sections[t];
        let (region, base_off) = match lay.place[t] {
            Some(Place::Core(o)) => (&m.core, o),
            Some(Place::Init(o)) => (m.init.as_ref().ok_or(Errno::ENOEXEC)?, o),
            None => continue,
        };
        let tbase = addr_of(t);
        if base_off.checked_add(target.size).is_none_or(|end| end > region.len()) {
            return Err(Errno::ENOEXEC);
        }
        // The target section inside our region (checked just above).
        let tptr = (region.base() + base_off) as *mut u8;
        for r in data.chunks_exact(24) {
            let word = |i: usize| u64::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3], r[i + 4], r[i + 5], r[i + 6], r[i + 7]]);
            let (off, rinfo, addend) = (word(0), word(8), word(16) as i64);
            let (sym, rtype) = ((rinfo >> 32) as usize, rinfo as u32);
            let Some(&sv) = values.get(sym) else {
                pr(KERN_ERR, format!("{name}: relocation {} of section {} names symbol {sym}, beyond the symbol table ({} symbols)", count_in(r, data), info.secnames[i], values.len()));
                return Err(Errno::ENOEXEC);
            };
            // The place: `width` bytes at `off` inside the target section
            // (NONE writes nothing; an unknown type is Linux's error below).
            let width = reloc::width(rtype);
            if width.is_some_and(|w| w > 0 && (target.sh_type == SHT_NOBITS || off.checked_add(w).is_none_or(|end| end > target.size))) {
                pr(KERN_ERR, format!("{name}: relocation offset {off:#x} (type {rtype}) outside section {} ({} bytes)", info.secnames[t], if target.sh_type == SHT_NOBITS { 0 } else { target.size }));
                return Err(Errno::ENOEXEC);
            }
            if width == Some(0) {
                count += 1;
                continue;
            }
            // SAFETY: `off + width <= target.size` for every type that writes
            // (unknown ones write nothing), and the section lies inside the
            // region, which is mapped read-write until protections are
            // applied after relocation; `avail` bounds the write.
            let res = unsafe { reloc::apply_raw(tptr.add(off.min(target.size) as usize), target.size.saturating_sub(off), tbase.wrapping_add(off), rtype, sv, addend) };
            if let Err(e) = res {
                for msg in e.messages(name) {
                    pr(KERN_ERR, msg);
                }
                return Err(e.errno());
            }
            count += 1;
        }
    }
    Ok(count)
}

/// The index of relocation entry `r` (a 24-byte chunk of `data`).
fn count_in(r: &[u8], data: &[u8]) -> usize {
    (r.as_ptr() as usize - data.as_ptr() as usize) / 24
}

fn kallsyms(info: &LoadInfo<'_>, lay: &Layout, values: &[u64]) -> (Vec<KSym>, Vec<KSym>) {
    let exported: Vec<&str> = Vec::new();
    let _ = exported;
    let mut full = Vec::new();
    let mut core = Vec::new();
    for (i, s) in info.raw_symbols.iter().enumerate() {
        let sec = info.sections.get(usize::from(s.shndx)).map(|h| (h, info.secnames[usize::from(s.shndx)]));
        let kind = symbols::elf_type(s.info >> 4, s.info & 0xf, s.shndx, info.percpu_index, sec);
        let k = KSym { name: s.name.to_string(), value: values[i], kind, size: s.size, shndx: s.shndx };
        if i == 0 || layout::is_core_symbol(info, lay, s.shndx, s.name_off) {
            core.push(k.clone());
        }
        full.push(k);
    }
    (full, core)
}

/// Reads `__ksymtab`/`__ksymtab_gpl` (PREL32) and their CRCs from the
/// relocated image.
fn read_exports(info: &LoadInfo<'_>, addr_of: &dyn Fn(usize) -> u64, bounds: &[(u64, u64)]) -> Vec<ModExport> {
    let mut out = Vec::new();
    for (sec, crcsec, gpl) in [("__ksymtab", "__kcrctab", false), ("__ksymtab_gpl", "__kcrctab_gpl", true)] {
        let i = info.find_sec(sec);
        if i == 0 {
            continue;
        }
        let base = addr_of(i);
        let n = info.sections[i].size / 12;
        let ci = info.find_sec(crcsec);
        for j in 0..n {
            let e = base + j * 12;
            // SAFETY: the table was copied into our image and relocated;
            // each field is a self-relative offset to a string or object
            // inside the module (or the kernel for the value).
            unsafe {
                let rel = |f: u64| f.wrapping_add(((f as *const i32).read_unaligned()) as i64 as u64);
                let value = rel(e);
                // Names and namespaces must lie in the module's own image;
                // Linux would read wherever they point (and only reads a
                // namespace when the symbol is imported), so an unreadable
                // namespace becomes one no module can import.
                let name = bounded_cstr(rel(e + 4), bounds).unwrap_or_default();
                let ns = bounded_cstr(rel(e + 8), bounds).unwrap_or_else(|| "\u{0}unreadable".to_string());
                let crc = (ci != 0).then(|| ((addr_of(ci) + j * 4) as *const u32).read_unaligned());
                out.push(ModExport { name, value, gpl, namespace: ns, crc });
            }
        }
    }
    out
}

/// The NUL-terminated string at `p` if it lies entirely inside one of
/// `bounds` (the module's own regions).
fn bounded_cstr(p: u64, bounds: &[(u64, u64)]) -> Option<String> {
    let &(_, hi) = bounds.iter().find(|(lo, hi)| p >= *lo && p < *hi)?;
    // SAFETY: [p, hi) lies inside a region the module owns and is mapped.
    let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, (hi - p) as usize) };
    let n = bytes.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&bytes[..n]).into_owned())
}

/// Reads `__param` (40-byte `struct kernel_param`) from the relocated image.
/// Linux trusts the pointers; the host requires each name to be a string
/// inside the module and each `ops` to be a `struct kernel_param_ops` inside
/// a module image (`ops_ok`) or one of the kernel's `param_ops_*`/
/// `param_array_ops` (else `-ENOEXEC` and a log line naming the entry).
fn read_params(info: &LoadInfo<'_>, addr_of: &dyn Fn(usize) -> u64, bounds: &[(u64, u64)], ops_ok: &dyn Fn(u64) -> bool, mod_name: &str) -> KResult<Vec<ParamRef>> {
    let i = info.find_sec("__param");
    if i == 0 {
        return Ok(Vec::new());
    }
    let base = addr_of(i);
    let mut out = Vec::new();
    for j in 0..info.sections[i].size / 40 {
        let kp = base + j * 40;
        // SAFETY: the relocated kernel_param array in our image (j * 40 + 40
        // <= the section's size).
        let (name_p, ops, perm) = unsafe { (cpu::read_u64(kp), cpu::read_u64(kp + 16), ((kp + 24) as *const u16).read_unaligned()) };
        let Some(name) = bounded_cstr(name_p, bounds) else {
            pr(KERN_ERR, format!("{mod_name}: parameter {j} has its name at {name_p:#x}, outside the module"));
            return Err(Errno::ENOEXEC);
        };
        if !ops_ok(ops) {
            pr(KERN_ERR, format!("{mod_name}: parameter {name} has its ops at {ops:#x}, not a kernel_param_ops"));
            return Err(Errno::ENOEXEC);
        }
        out.push(ParamRef { name, ops, perm, kp });
    }
    Ok(out)
}

/// Size of `struct kernel_param_ops` (flags, set, get, free).
const PARAM_OPS_SIZE: u64 = 32;
