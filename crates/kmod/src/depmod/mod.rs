//! depmod: building a module directory's indexes (kmod 30).
//!
//! [`run`] does what kmod 30's `depmod` does after option parsing, in the
//! same order and with the same messages:
//!
//! 1. `-A`: stop early when no module file is newer than `modules.dep`;
//! 2. libkmod's context: `<dir>/modules.softdep` and the kernel command
//!    line are read as configuration (their errors printed by libkmod's
//!    default logger), then depmod's verbosity takes over;
//! 3. vmlinux symbols from `-E` Module.symvers or `-F` System.map;
//! 4. the modules: the whole tree ([`search`], with depmod.d's `search`,
//!    `override`, `external` and `exclude`) or the module files given;
//! 5. the module array: kmod's hash-table order, then `modules.order`;
//! 6. every module read ([`elf`]) — in parallel, results used in array
//!    order — its exports entered in the symbol table;
//! 7. dependencies from the imported symbols, the topological order, and
//!    the cycle report ([`graph`]) which ends the run with status 1;
//! 8. the ten output files ([`output`]), each written to a temporary file
//!    and renamed into place, or the text ones on stdout with `-n`.
//!
//! Byte identity with kmod 30 covers the ten files, stdout and stderr
//! (except for pointer values in `-vv` messages and for kmod's `-vvv`
//! debug output); the deliberate differences are listed in
//! `docs/compat-depmod.md`.

pub mod cache;
pub mod dir;
pub mod elf;
pub mod graph;
pub mod hash;
pub mod log;
pub mod output;
pub mod search;
pub mod text;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::io::Write;
use std::path::Path;

use modconf::depmod_d::{DepmodConfig, DEFAULT_PATHS};

pub use log::{prio, Fatal, Log};

use self::log::{cat, strerror};
use self::text::{c_str, fgets_chunks, strtok};

/// What depmod was asked to do (its command line, parsed).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-b`: the root (made absolute against the working directory here).
    pub basedir: Option<Vec<u8>>,
    /// The kernel version (the first operand, or `uname -r`).
    pub kversion: Vec<u8>,
    /// `-C` paths, in order (`None`: depmod.d's defaults).
    pub config_paths: Option<Vec<Vec<u8>>>,
    /// `-E`: Module.symvers (enables CRC checking).
    pub symvers: Option<Vec<u8>>,
    /// `-F`: System.map (ignored with `-E`).
    pub system_map: Option<Vec<u8>>,
    /// `-e`: report unknown symbols and CRC mismatches.
    pub errsyms: bool,
    /// `-n`: text outputs on stdout, no files.
    pub dry_run: bool,
    /// `-P`: the symbol prefix character (0: none).
    pub sym_prefix: u8,
    /// `-w`: warn about duplicate index values.
    pub warn_dups: bool,
    /// The log threshold: [`log::DEFAULT_VERBOSE`] plus one per `-v`.
    pub verbose: i32,
    /// `-A`.
    pub quick: bool,
    /// `-a`, or no module file operands.
    pub all: bool,
    /// Module file operands (used when not `all`).
    pub module_files: Vec<Vec<u8>>,
}

/// The symbol table's hasher: the index writer's short-key hasher.
pub(crate) use modindex::write::KeyHasher as Fx;

pub(crate) type FxBuild = BuildHasherDefault<Fx>;

/// depmod's settings for one run.
pub(crate) struct Cfg {
    /// `<root>/lib/modules/<version>`.
    pub dirname: Vec<u8>,
    pub sym_prefix: u8,
    pub check_symvers: bool,
    pub print_unknown: bool,
    pub warn_dups: bool,
    pub conf: DepmodConfig,
}

/// One module.
pub(crate) struct Mod {
    /// Absolute path (as libkmod stores it: not normalised).
    pub path: Vec<u8>,
    /// Where the path relative to the module directory starts (`None` for
    /// modules outside it).
    pub rel: Option<usize>,
    /// The relative path with the extension cut to `.ko`.
    pub uncrel: Option<Vec<u8>>,
    /// Index of the last `/` of `path`.
    pub baselen: usize,
    /// Normalised module name.
    pub name: Vec<u8>,
    /// `modules.order` key.
    pub sort_idx: i64,
    /// Index in the module array (the `.bin` priority).
    pub idx: usize,
    /// The file size seen when the module was found.
    pub size: Option<u64>,
    /// What was read from the file, in arena `arena` of [`Depmod`].
    pub loaded: elf::Loaded,
    pub arena: u32,
    /// Modules this one uses, in discovery order.
    pub deps: Vec<usize>,
    pub users: u32,
    /// Topological number (users before the modules they use).
    pub topo: usize,
}

impl Mod {
    fn new(path: Vec<u8>, rel: Option<usize>, uncrel: Option<Vec<u8>>, baselen: usize, name: Vec<u8>) -> Mod {
        Mod {
            path,
            rel,
            uncrel,
            baselen,
            name,
            sort_idx: 1,
            idx: 0,
            size: None,
            loaded: elf::Loaded { exports: Err(crate::errno::ENOENT), info: (0, 0), deps: (0, 0) },
            arena: 0,
            deps: Vec::new(),
            users: 0,
            topo: usize::MAX,
        }
    }

    /// The path written in modules.dep: relative when inside the module
    /// directory.
    pub fn out_path(&self) -> &[u8] {
        match self.rel {
            Some(r) => &self.path[r..],
            None => &self.path,
        }
    }
}

/// A symbol-table entry.
pub(crate) struct Sym {
    pub owner: Option<usize>,
    pub crc: u64,
}

/// The state of one run.
pub struct Depmod {
    cfg: Cfg,
    /// Modules during discovery (replaced ones become `None`).
    slab: Vec<Option<Mod>>,
    by_name: HashMap<Vec<u8>, usize, FxBuild>,
    by_uncrel: HashMap<Vec<u8>, usize, FxBuild>,
    /// The module array.
    mods: Vec<Mod>,
    symbols: HashMap<Box<[u8]>, Sym, FxBuild>,
    /// What the reading threads stored (see [`elf::Arena`]).
    arenas: Vec<elf::Arena>,
    /// `errno` as the C library would have left it when a symvers line is
    /// reported (`%m`): from opening `modules.softdep` in `kmod_new()`,
    /// then from `strtoull` overflows.
    errno_hint: i32,
    /// Whether this run writes the incremental cache (a full run, not `-n`).
    cache_write: bool,
    /// The thread writing the cache.
    cache_thread: Option<std::thread::JoinHandle<()>>,
}

/// glibc `regcomp(REG_EXTENDED|REG_NOSUB)` + `regexec` (unanchored);
/// a pattern that does not compile matches nothing.
fn regex_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (Ok(p), Ok(t)) = (std::ffi::CString::new(pattern), std::ffi::CString::new(text)) else { return false };
    // SAFETY: regex_t is plain data filled by regcomp; freed once.
    unsafe {
        let mut re: libc::regex_t = std::mem::zeroed();
        if libc::regcomp(&mut re, p.as_ptr(), libc::REG_EXTENDED | libc::REG_NOSUB) != 0 {
            return false;
        }
        let r = libc::regexec(&re, t.as_ptr(), 0, std::ptr::null_mut(), 0);
        libc::regfree(&mut re);
        r == 0
    }
}

/// How many threads read modules: the CPUs available
/// (`MODHOST_DEPMOD_THREADS` overrides, for measurements).
fn thread_count(jobs: usize) -> usize {
    let n = std::env::var("MODHOST_DEPMOD_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    n.clamp(1, jobs.max(1))
}

impl Depmod {
    fn new(cfg: Cfg) -> Depmod {
        Depmod { cfg, slab: Vec::new(), by_name: HashMap::default(), by_uncrel: HashMap::default(), mods: Vec::new(), symbols: HashMap::default(), arenas: vec![elf::Arena::default()], errno_hint: 0, cache_write: false, cache_thread: None }
    }

    /// `depmod_symbol_add`.
    fn symbol_add(&mut self, name: &[u8], prefix_skipped: bool, crc: u64, owner: Option<usize>) {
        let name = if !prefix_skipped && !name.is_empty() && name[0] == self.cfg.sym_prefix { &name[1..] } else { name };
        match self.symbols.get_mut(name) {
            Some(s) => *s = Sym { owner, crc },
            None => {
                self.symbols.insert(name.into(), Sym { owner, crc });
            }
        }
    }

    /// `depmod_symbol_find`: the stored name and the entry.
    fn symbol_find(&self, name: &[u8]) -> Option<(&[u8], &Sym)> {
        let mut n = name;
        if n.first() == Some(&b'.') {
            n = &n[1..];
        }
        if !n.is_empty() && n[0] == self.cfg.sym_prefix {
            n = &n[1..];
        }
        self.symbols.get_key_value(n).map(|(k, v)| (&**k, v))
    }

    fn add_fake_syms(&mut self) {
        self.symbol_add(b"__this_module", true, 0, None);
        self.symbol_add(b"_GLOBAL_OFFSET_TABLE_", true, 0, None);
        if self.symbol_find(b"TOC.").is_none() {
            self.symbol_add(b"TOC.", true, 0, None);
        }
    }

    /// `depmod_load_symvers`.
    fn load_symvers(&mut self, file: &[u8], log: &mut Log<'_>) -> Result<(), i32> {
        let data = std::fs::read(path_of(file)).map_err(|e| log::errno_of(&e))?;
        for (n, chunk) in fgets_chunks(&data, 10240).enumerate() {
            let line = c_str(chunk);
            let mut t = strtok(line, b" \t");
            let (Some(ver), Some(sym), Some(where_)) = (t.next(), t.next(), t.next()) else { continue };
            if where_ != b"vmlinux" {
                continue;
            }
            let (crc, used, erange) = text::strtoull_erange(ver, 16);
            if erange {
                self.errno_hint = libc::ERANGE;
            }
            if used != ver.len() {
                // %m: errno as the C library left it (strtoull does not set it).
                log.err(&cat(&[file, format!(":{} Invalid symbol version ", n + 1).as_bytes(), ver, b": ", strerror(self.errno_hint).as_bytes(), b"\n"]));
                continue;
            }
            self.symbol_add(sym, false, crc, None);
        }
        self.add_fake_syms();
        Ok(())
    }

    /// `depmod_load_system_map`.
    fn load_system_map(&mut self, file: &[u8], log: &mut Log<'_>) -> Result<(), i32> {
        let data = std::fs::read(path_of(file)).map_err(|e| log::errno_of(&e))?;
        for (n, chunk) in fgets_chunks(&data, 10240).enumerate() {
            let line = c_str(chunk);
            let p = line.iter().position(|&b| b == b' ').and_then(|i| {
                let rest = &line[i + 1..];
                rest.iter().position(|&b| b == b' ').map(|j| &rest[j + 1..])
            });
            let Some(mut p) = p else {
                log.err(&cat(&[file, format!(":{}: invalid line: ", n + 1).as_bytes(), line, b"\n"]));
                continue;
            };
            if !p.is_empty() && p[0] == self.cfg.sym_prefix {
                p = &p[1..];
            }
            let Some(sym) = p.strip_prefix(b"__ksymtab_") else { continue };
            let sym = match sym.iter().position(|&b| b == b'\n') {
                Some(i) => &sym[..i],
                None => sym,
            };
            self.symbol_add(sym, true, 0, None);
        }
        self.add_fake_syms();
        Ok(())
    }

    /// A module file operand (`kmod_module_new_from_path` +
    /// `depmod_module_add`; failures are FATAL).
    fn add_file_arg(&mut self, path: &[u8], log: &mut Log<'_>) -> Result<(), Fatal> {
        if path.first() != Some(&b'/') {
            return Err(log.fatal(&cat(&[path, b": not absolute path.\n"])));
        }
        let create_failed = |e: i32, log: &mut Log<'_>| log.fatal(&cat(&[b"could not create module ", path, b": ", strerror(e).as_bytes(), b"\n"]));
        let size = match dir::exists(path) {
            Ok(s) => s,
            Err(e) => return Err(create_failed(e, log)),
        };
        let base = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        if base.is_empty() {
            return Err(create_failed(libc::ENOENT, log));
        }
        let name = output::modname_normalize(base);
        // libkmod's module pool: one object per name.
        if let Some(&id) = self.by_name.get(&name) {
            let old = self.slab[id].as_ref().map(|m| m.path.clone()).unwrap_or_default();
            if old != path {
                log.libkmod(
                    prio::ERR,
                    "libkmod-module.c",
                    428,
                    "kmod_module_new_from_path",
                    &cat(&[b"kmod_module '", &name, b"' already exists with different path: new-path='", path, b"' old-path='", &old, b"'\n"]),
                );
                return Err(create_failed(libc::EEXIST, log));
            }
        }
        if let Err(e) = self.add_module(path.to_vec(), name, size, log) {
            return Err(log.fatal(&cat(&[b"could not add module ", path, b": ", strerror(e).as_bytes(), b"\n"])));
        }
        Ok(())
    }

    /// `depmod_modules_build_array` + `depmod_modules_sort`.
    fn build_array(&mut self, log: &mut Log<'_>) {
        let mut mods: Vec<Mod> = self.slab.drain(..).flatten().collect();
        hash::sort_in_table_order(&mut mods, 512, |m| &m.name);
        self.by_name.clear();
        self.by_uncrel.clear();
        let order = match output::read_in_dir(&self.cfg.dirname, "modules.order") {
            Ok(d) => Some(d),
            Err(msg) => {
                log.warn(&msg);
                None
            }
        };
        if let Some(data) = order {
            let chunks: Vec<&[u8]> = fgets_chunks(&data, 4096).map(c_str).collect();
            let corrupted = chunks.iter().enumerate().find(|(_, l)| !l.is_empty() && l.last() != Some(&b'\n'));
            if let Some((i, _)) = corrupted {
                let mut m = self.cfg.dirname.clone();
                m.extend_from_slice(format!("/modules.order:{} corrupted line misses '\\n'\n", i + 1).as_bytes());
                log.err(&m);
            } else {
                let total = chunks.len() as i64 + 1;
                let by_uncrel: HashMap<&[u8], usize, FxBuild> = mods.iter().enumerate().filter_map(|(i, m)| m.uncrel.as_deref().map(|u| (u, i))).collect();
                let mut keys: Vec<(usize, i64)> = Vec::new();
                for (i, l) in chunks.iter().enumerate() {
                    if l.is_empty() {
                        continue;
                    }
                    if let Some(&m) = by_uncrel.get(&l[..l.len() - 1]) {
                        keys.push((m, i as i64 + 1 - total));
                    }
                }
                for (m, k) in keys {
                    mods[m].sort_idx = k;
                }
                mods.sort_by_key(|m| m.sort_idx);
            }
        }
        for (i, m) in mods.iter_mut().enumerate() {
            m.idx = i;
        }
        self.mods = mods;
    }

    /// `depmod_load_modules`: reads every module (on all CPUs, each thread
    /// taking the next module) and enters their exports in the symbol
    /// table in array order.
    fn load_modules(&mut self, log: &mut Log<'_>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let jobs: Vec<(&Path, Option<u64>)> = self.mods.iter().map(|m| (path_of(&m.path), m.size)).collect();
        // The incremental cache (see [`cache`]), unless disabled.
        let cache_file = cache::dir().map(|d| cache::file_for(&d, &self.cfg.dirname));
        let old = match &cache_file {
            Some(f) => cache::Cache::load(f, &self.cfg.dirname),
            None => cache::Cache::default(),
        };
        let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128);
        let cache_use = cache_file.as_ref().map(|_| elf::CacheUse { cache: &old, start, write: self.cache_write });
        let next = AtomicUsize::new(0);
        let work = || {
            let mut w = elf::Worker::default();
            let mut mine = Vec::new();
            let (mut entries, mut count) = (Vec::new(), 0usize);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(p, size)) = jobs.get(i) else { break };
                let l = match &cache_use {
                    Some(c) => w.load_cached(p, c, &mut entries, &mut count),
                    None => w.load(p, size),
                };
                mine.push((i, l));
            }
            (w, mine, (entries, count))
        };
        let threads = thread_count(jobs.len());
        let results: Vec<(elf::Worker, Vec<(usize, elf::Loaded)>, (Vec<u8>, usize))> = if threads == 1 {
            vec![work()]
        } else {
            std::thread::scope(|s| {
                let hs: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
                hs.into_iter().map(|h| h.join().expect("reader thread")).collect()
            })
        };
        drop(old);
        // For tests: how the cache served (MODHOST_DEPMOD_CACHE_STATS=FILE).
        if let Some(f) = std::env::var_os("MODHOST_DEPMOD_CACHE_STATS") {
            let mut t = [0usize; 3];
            for (w, _, _) in &results {
                for k in 0..3 {
                    t[k] += w.stats[k];
                }
            }
            let _ = std::fs::write(f, format!("hit {}\nverified {}\nread {}\n", t[0], t[1], t[2]));
        }
        let results: Vec<(elf::Worker, Vec<(usize, elf::Loaded)>)> = match (&cache_file, self.cache_write) {
            (Some(file), true) => {
                let mut chunks = Vec::with_capacity(results.len());
                let mut count = 0;
                let rest = results
                    .into_iter()
                    .map(|(w, mine, (entries, n))| {
                        chunks.push(entries);
                        count += n;
                        (w, mine)
                    })
                    .collect();
                // Written while the outputs are computed; failures ignored
                // (the cache is an optimisation only).
                let (file, dirname) = (file.clone(), self.cfg.dirname.clone());
                self.cache_thread = Some(std::thread::spawn(move || {
                    let _ = cache::write(&file, &dirname, count, &chunks);
                }));
                rest
            }
            _ => results.into_iter().map(|(w, mine, _)| (w, mine)).collect(),
        };
        let mut placed: Vec<(u32, Option<elf::Loaded>)> = vec![(0, None); jobs.len()];
        self.arenas.clear();
        for (k, (w, mine)) in results.into_iter().enumerate() {
            self.arenas.push(w.arena);
            for (i, l) in mine {
                placed[i] = (k as u32, Some(l));
            }
        }
        drop(jobs);
        for (i, (k, l)) in placed.into_iter().enumerate() {
            let Some(l) = l else { continue };
            match l.exports {
                Err(e) if e == crate::errno::ENOENT => {}
                Err(e) => log.err(&cat(&[b"failed to load symbols from ", &self.mods[i].path, b": ", strerror(e).as_bytes(), b"\n"])),
                Ok((lo, hi)) => {
                    for j in lo..hi {
                        let a = &self.arenas[k as usize];
                        let (span, crc) = a.exports[j as usize];
                        let name: Box<[u8]> = a.get(span).into();
                        self.symbol_add(&name, false, crc, Some(i));
                    }
                }
            }
            self.mods[i].loaded = l;
            self.mods[i].arena = k;
        }
    }

    /// The `alias=` (`alias` true) or `softdep=` values of `m`, in order.
    pub(crate) fn infos<'s>(&'s self, m: &'s Mod, alias: bool) -> impl Iterator<Item = &'s [u8]> + 's {
        let a = &self.arenas[m.arena as usize];
        let (lo, hi) = m.loaded.info;
        a.info[lo as usize..hi as usize].iter().filter(move |i| i.0 == alias).map(move |i| a.get(i.1))
    }

    /// `depmod_load_dependencies`.
    fn load_dependencies(&mut self, log: &mut Log<'_>, out: &mut dyn Write) -> std::io::Result<()> {
        let show = log.enabled(prio::NOTICE);
        for i in 0..self.mods.len() {
            let arenas = std::mem::take(&mut self.arenas);
            let a = &arenas[self.mods[i].arena as usize];
            let (lo, hi) = self.mods[i].loaded.deps;
            for &(span, crc, weak) in &a.deps[lo as usize..hi as usize] {
                let name = a.get(span);
                let Some((stored, sym)) = self.symbol_find(name) else {
                    if self.cfg.print_unknown && !weak {
                        log.warn(&cat(&[&self.mods[i].path, b" needs unknown symbol ", name, b"\n"]));
                    }
                    continue;
                };
                if self.cfg.check_symvers && sym.crc != crc && !weak && self.cfg.print_unknown {
                    log.warn(&cat(&[&self.mods[i].path, b" disagrees about version of symbol ", name, b"\n"]));
                }
                let Some(owner) = sym.owner else { continue };
                if self.mods[i].deps.contains(&owner) {
                    continue;
                }
                let line = show.then(|| cat(&[&self.mods[i].path, b" needs \"", stored, b"\": ", &self.mods[owner].path, b"\n"]));
                self.mods[i].deps.push(owner);
                self.mods[owner].users += 1;
                if let Some(line) = line {
                    if let Err(e) = out.write_all(&line).and_then(|_| out.flush()) {
                        self.arenas = arenas;
                        return Err(e);
                    }
                }
            }
            self.arenas = arenas;
        }
        Ok(())
    }

    /// `depmod_calculate_dependencies`: false on a cycle (reported).
    fn calculate_dependencies(&mut self, log: &mut Log<'_>) -> bool {
        let deps: Vec<Vec<usize>> = self.mods.iter().map(|m| m.deps.clone()).collect();
        let users: Vec<u32> = self.mods.iter().map(|m| m.users).collect();
        match graph::topo_sort(&deps, &users) {
            Ok(topo) => {
                for (m, t) in self.mods.iter_mut().zip(topo) {
                    m.topo = t;
                }
                true
            }
            Err(left) => {
                let names: Vec<&[u8]> = self.mods.iter().map(|m| &m.name[..]).collect();
                for line in graph::report_cycles(&deps, &left, &names) {
                    log.err(&line);
                }
                false
            }
        }
    }
}

use std::os::unix::ffi::OsStrExt;

fn path_of(b: &[u8]) -> &Path {
    Path::new(std::ffi::OsStr::from_bytes(b))
}

/// What libkmod's `kmod_new()` prints on its own (default) logger while it
/// reads its configuration: with no configuration paths, that is
/// `<dir>/modules.softdep` and the kernel command line.
fn kmod_new_messages(dirname: &[u8], log: &mut Log<'_>) {
    let level = match std::env::var("KMOD_LOG") {
        Ok(v) => modconf::diag::kmod_log_priority(&v),
        Err(_) => prio::ERR,
    };
    let mut diags = Vec::new();
    let cmdline = modconf::cmdline::default_path();
    let _ = modconf::Config::load(path_of(dirname), Some(&[]), Some(&cmdline), &mut diags);
    for d in diags {
        if d.prio <= level {
            log.raw(&d.default_format());
        }
    }
}

/// An address to print where kmod prints a pointer (`%p`).
fn pointer(x: *const ()) -> String {
    format!("{x:p}")
}

/// Runs depmod; returns the exit status. `out` is standard output (the
/// `-v` dependency lines and the `-n` text).
pub fn run(opts: &Options, log: &mut Log<'_>, out: &mut dyn Write) -> std::io::Result<i32> {
    let mut dirname = opts.basedir.as_deref().map(dir::make_absolute).unwrap_or_default();
    dirname.extend_from_slice(b"/lib/modules/");
    dirname.extend_from_slice(&opts.kversion);
    let mut all = opts.all;
    if opts.quick {
        if opts.dry_run {
            return Ok(0);
        }
        if search::up_to_date(&dirname, log) == Some(true) {
            return Ok(0);
        }
        all = true;
    }

    kmod_new_messages(&dirname, log);
    log.set_threshold(opts.verbose);
    let ctx_ptr = pointer(&dirname as *const Vec<u8> as *const ());
    log.libkmod(prio::INFO, "libkmod.c", 367, "kmod_set_log_fn", format!("custom logging function {} registered\n", pointer(run as *const ())).as_bytes());

    let mut print_unknown = opts.errsyms;
    let cfg = Cfg { dirname, sym_prefix: opts.sym_prefix, check_symvers: opts.symvers.is_some(), print_unknown: false, warn_dups: opts.warn_dups, conf: DepmodConfig::default() };
    let mut d = Depmod::new(cfg);
    d.cache_write = all && !opts.dry_run;
    d.errno_hint = match std::fs::File::open(path_of(&d.cfg.dirname).join("modules.softdep")) {
        Ok(_) => 0,
        Err(e) => log::errno_of(&e),
    };

    let result = (|| -> Result<Result<bool, ()>, Fatal> {
        if let Some(f) = &opts.symvers {
            if let Err(e) = d.load_symvers(f, log) {
                return Err(log.fatal(&cat(&[b"could not load ", f, b": ", strerror(e).as_bytes(), b"\n"])));
            }
        } else if let Some(f) = &opts.system_map {
            if let Err(e) = d.load_system_map(f, log) {
                return Err(log.fatal(&cat(&[b"could not load ", f, b": ", strerror(e).as_bytes(), b"\n"])));
            }
        } else if print_unknown {
            log.warn(b"-e needs -E or -F\n");
            print_unknown = false;
        }
        d.cfg.print_unknown = print_unknown;

        if all {
            let defaults: Vec<Vec<u8>> = DEFAULT_PATHS.iter().map(|p| p.as_bytes().to_vec()).collect();
            let paths = opts.config_paths.as_ref().unwrap_or(&defaults);
            let paths: Vec<&[u8]> = paths.iter().map(|p| &p[..]).collect();
            let kver = opts.kversion.clone();
            let matches = move |pat: &[u8]| regex_matches(pat, &kver);
            d.cfg.conf = DepmodConfig::load(&paths, &matches, &mut |p, t| log.msg(p, t));
            if let Err(e) = d.search(log) {
                return Err(log.fatal(format!("could not search modules: {}\n", strerror(e)).as_bytes()));
            }
        } else {
            for f in &opts.module_files {
                d.add_file_arg(f, log)?;
            }
        }
        d.build_array(log);
        d.load_modules(log);
        if d.load_dependencies(log, out).is_err() {
            return Ok(Err(()));
        }
        if !d.calculate_dependencies(log) {
            return Ok(Err(()));
        }
        if opts.dry_run {
            if d.output_stdout(out, log).is_err() {
                return Ok(Err(()));
            }
            return Ok(Ok(true));
        }
        Ok(Ok(d.output_files(log)?))
    })();

    if let Some(t) = d.cache_thread.take() {
        let _ = t.join();
    }
    // Everything is freed by the end of the process.
    std::mem::forget(d);
    let code = match result {
        Err(Fatal) => return Ok(1),
        Ok(Err(())) => 1,
        Ok(Ok(true)) => 0,
        Ok(Ok(false)) => 1,
    };
    log.libkmod(prio::INFO, "libkmod.c", 334, "kmod_unref", format!("context {ctx_ptr} released\n").as_bytes());
    Ok(code)
}
