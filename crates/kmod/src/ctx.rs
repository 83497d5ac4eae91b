//! A module directory and the lookups over its indexes.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use modindex::ValueOrder;

use crate::name::{alias_normalize, modname_normalize};

/// An index file mapped into memory, as libkmod's mmap reader uses it:
/// only the pages a lookup touches are read.
pub struct MappedIndex {
    map: memmap2::Mmap,
}

impl MappedIndex {
    /// Maps the file and checks its header.
    pub fn open(path: impl AsRef<Path>) -> Result<MappedIndex, modindex::Error> {
        let path = path.as_ref();
        let io = |source: std::io::Error| modindex::Error::Io { path: path.to_owned(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < modindex::HEADER_LEN as u64 {
            return Err(modindex::Error::TooShort { len: len as usize });
        }
        // SAFETY: a private read-only map; index files are replaced (renamed
        // over) by depmod, not rewritten in place, as libkmod also assumes.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        modindex::Index::new(&map)?;
        Ok(MappedIndex { map })
    }

    /// A view for lookups.
    pub fn index(&self) -> modindex::Index<'_> {
        modindex::Index::new(&self.map).expect("header checked when opened")
    }
}

/// The index files of a module directory (`<name>.bin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Dep,
    Alias,
    Symbols,
    BuiltinAlias,
    Builtin,
}

impl IndexKind {
    pub const ALL: [IndexKind; 5] = [IndexKind::Dep, IndexKind::Alias, IndexKind::Symbols, IndexKind::BuiltinAlias, IndexKind::Builtin];

    /// The file's base name, without `.bin`.
    pub fn file_stem(self) -> &'static str {
        match self {
            IndexKind::Dep => "modules.dep",
            IndexKind::Alias => "modules.alias",
            IndexKind::Symbols => "modules.symbols",
            IndexKind::BuiltinAlias => "modules.builtin.alias",
            IndexKind::Builtin => "modules.builtin",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// A module as the tools see it: a name, and where its file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRef {
    /// The normalised module name.
    pub name: String,
    /// The file, when known (`None` for built-in modules and for names whose
    /// file is not in `modules.dep`).
    pub path: Option<PathBuf>,
    /// `Some(true)` when the lookup that found it said it is built in.
    pub builtin: Option<bool>,
}

/// A module directory, with its indexes opened on first use.
///
/// `order` is the equal-priority ordering of index values the caller's
/// kmod tool sees (modinfo: [`ValueOrder::Stdio`]; modprobe with all
/// indexes loaded: [`ValueOrder::Mmap`]).
pub struct Context {
    dirname: PathBuf,
    order: ValueOrder,
    indexes: [OnceCell<Option<MappedIndex>>; 5],
}

impl Context {
    /// A context for `dirname` (e.g. `/lib/modules/6.1.0-56-amd64`). A
    /// relative directory is made absolute against the working directory
    /// without normalising it, as libkmod does (`./x//lib/...` stays so).
    pub fn new(dirname: impl Into<PathBuf>, order: ValueOrder) -> Self {
        let mut dirname: PathBuf = dirname.into();
        if dirname.is_relative() {
            if let Ok(cwd) = std::env::current_dir() {
                dirname = PathBuf::from(format!("{}/{}", cwd.display(), dirname.display()));
            }
        }
        Context { dirname, order, indexes: Default::default() }
    }

    /// The directory kmod uses when given a root and/or a release: with
    /// neither, `/lib/modules/$(uname -r)`; otherwise `<root>/lib/modules/<release>`
    /// with root defaulting to "" and release to the running kernel's.
    pub fn module_dir(root: Option<&str>, release: Option<&str>) -> PathBuf {
        let release = release.map(str::to_string).unwrap_or_else(running_release);
        PathBuf::from(format!("{}/lib/modules/{}", root.unwrap_or(""), release))
    }

    pub fn dirname(&self) -> &Path {
        &self.dirname
    }

    /// The index of this kind, or `None` when it is missing or unreadable
    /// (libkmod then skips that source).
    pub fn index(&self, kind: IndexKind) -> Option<&MappedIndex> {
        self.indexes[kind.slot()]
            .get_or_init(|| MappedIndex::open(self.dirname.join(format!("{}.bin", kind.file_stem()))).ok())
            .as_ref()
    }

    /// The `modules.dep` line of a module: `path: dep dep ...`.
    pub fn search_moddep(&self, name: &str) -> Option<String> {
        let idx = self.index(IndexKind::Dep)?;
        let v = idx.index().lookup_exact_ordered(name.as_bytes(), self.order).ok()??;
        Some(String::from_utf8_lossy(v.value).into_owned())
    }

    /// The path of a module from its `modules.dep` line: relative paths are
    /// under the module directory.
    pub fn path_from_depline(&self, line: &str) -> Option<PathBuf> {
        let (p, _) = line.split_once(':')?;
        Some(if p.starts_with('/') { PathBuf::from(p) } else { PathBuf::from(format!("{}/{}", self.dirname.display(), p)) })
    }

    /// A module's file according to `modules.dep` (kmod_module_get_path).
    pub fn module_path(&self, name: &str) -> Option<PathBuf> {
        self.path_from_depline(&self.search_moddep(name)?)
    }

    /// Whether `modules.builtin.bin` lists the module.
    pub fn is_builtin(&self, name: &str) -> bool {
        self.index(IndexKind::Builtin)
            .and_then(|i| i.index().lookup_exact_ordered(name.as_bytes(), self.order).ok().flatten())
            .is_some()
    }

    /// Fills in `path` and `builtin` the way libkmod resolves them lazily.
    pub fn resolve(&self, m: &mut ModuleRef) {
        if m.path.is_none() {
            m.path = self.module_path(&m.name);
        }
    }

    fn from_moddep(&self, name: &str) -> Vec<ModuleRef> {
        if name.contains(':') {
            return Vec::new();
        }
        match self.search_moddep(name) {
            Some(line) => vec![ModuleRef { name: name.to_string(), path: self.path_from_depline(&line), builtin: None }],
            None => Vec::new(),
        }
    }

    fn from_wildcard(&self, kind: IndexKind, key: &str, builtin: Option<bool>) -> Vec<ModuleRef> {
        let Some(idx) = self.index(kind) else { return Vec::new() };
        let Ok(values) = idx.index().lookup_wildcard(key.as_bytes(), self.order) else { return Vec::new() };
        values
            .iter()
            .map(|v| ModuleRef { name: String::from_utf8_lossy(v.value).into_owned(), path: None, builtin })
            .collect()
    }

    fn from_builtin(&self, name: &str) -> Vec<ModuleRef> {
        if self.is_builtin(name) {
            vec![ModuleRef { name: name.to_string(), path: None, builtin: Some(true) }]
        } else {
            Vec::new()
        }
    }

    /// kmod_module_new_from_lookup without configuration: the first source
    /// that yields modules wins — `modules.dep` (names without `:`),
    /// `modules.symbols` (for `symbol:` names), `modules.alias` (wildcards),
    /// `modules.builtin`, `modules.builtin.alias`. A missing index is skipped.
    ///
    /// Errors only when the alias cannot be normalised.
    pub fn lookup(&self, alias: &str) -> Result<Vec<ModuleRef>, crate::name::AliasError> {
        let alias = alias_normalize(alias)?;
        let chain: [&dyn Fn(&str) -> Vec<ModuleRef>; 5] = [
            &|a| self.from_moddep(a),
            &|a| if a.starts_with("symbol:") { self.from_wildcard(IndexKind::Symbols, a, None) } else { Vec::new() },
            &|a| self.from_wildcard(IndexKind::Alias, a, None),
            &|a| self.from_builtin(a),
            &|a| self.from_wildcard(IndexKind::BuiltinAlias, a, Some(true)),
        ];
        Ok(chain.iter().map(|f| f(&alias)).find(|v| !v.is_empty()).unwrap_or_default())
    }

    /// kmod_module_new_from_name_lookup: the normalised name in
    /// `modules.dep`, then `modules.builtin`, then `modules.builtin.alias`;
    /// the first module found.
    pub fn lookup_name(&self, name: &str) -> Option<ModuleRef> {
        let name = modname_normalize(name);
        let mut found = self.from_moddep(&name);
        if found.is_empty() {
            found = self.from_builtin(&name);
        }
        if found.is_empty() {
            found = self.from_wildcard(IndexKind::BuiltinAlias, &name, Some(true));
        }
        found.into_iter().next()
    }
}

/// The running kernel's release, from `uname()` as kmod takes it (so that
/// `setarch --uname-2.6` and wrappers of `uname` apply).
pub fn running_release() -> String {
    // SAFETY: `uname` fills the zeroed structure it is given.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return String::new();
    }
    let bytes: Vec<u8> = u.release.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One module found by [`Context::lookup_config`], with what the source
/// that found it says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A module reached through an alias: a configuration alias (the alias is
    /// its normalised pattern), `modules.symbols` or `modules.alias` (the
    /// alias is the looked-up string).
    Alias { alias: String, name: String },
    /// `modules.dep` has the name; its line (`path: deps...`).
    Dep { name: String, line: String },
    /// A configuration `install` (or `remove`) command named exactly so.
    Install { name: String, command: Vec<u8> },
    Remove { name: String, command: Vec<u8> },
    /// `modules.builtin` has the name.
    Builtin { name: String },
    /// `modules.builtin.alias` maps the alias to a built-in module.
    BuiltinAlias { alias: String, name: String },
}

/// Why [`Context::load_resources`] fell back to per-lookup reading.
#[derive(Debug)]
pub struct LoadError {
    pub kind: IndexKind,
    pub path: PathBuf,
    pub error: modindex::Error,
}

impl Context {
    /// The equal-priority value order lookups use.
    pub fn order(&self) -> ValueOrder {
        self.order
    }

    /// kmod_load_resources: opens the indexes in libkmod's order (dep,
    /// alias, symbols, builtin.alias, builtin). All opened (a missing
    /// `modules.builtin.alias.bin` is allowed): lookups use the mmap
    /// reader's order. Otherwise the first failure is returned, later
    /// indexes are not tried by libkmod, and lookups use the stdio reader's
    /// order (each index still being read when a lookup needs it).
    pub fn load_resources(&mut self) -> Result<(), LoadError> {
        for kind in IndexKind::ALL {
            let path = self.dirname.join(format!("{}.bin", kind.file_stem()));
            let cell = &self.indexes[kind.slot()];
            let res = match cell.get() {
                Some(Some(_)) => continue,
                Some(None) => MappedIndex::open(&path).map(|_| ()),
                None => match MappedIndex::open(&path) {
                    Ok(f) => {
                        let _ = cell.set(Some(f));
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
            };
            if let Err(error) = res {
                if kind == IndexKind::BuiltinAlias {
                    continue;
                }
                self.order = ValueOrder::Stdio;
                return Err(LoadError { kind, path, error });
            }
        }
        self.order = ValueOrder::Mmap;
        Ok(())
    }

    /// The values a wildcard index gives for `key` (empty when the index is
    /// missing or unreadable).
    pub fn wildcard(&self, kind: IndexKind, key: &str) -> Vec<String> {
        self.from_wildcard(kind, key, None).into_iter().map(|m| m.name).collect()
    }

    /// kmod_module_new_from_lookup with modprobe.d configuration: the first
    /// source that yields modules wins — configuration aliases (every
    /// pattern that fnmatches), `modules.dep` (names without `:`),
    /// `modules.symbols` (`symbol:` names), install then remove commands
    /// (exact name, first), `modules.alias`, `modules.builtin`,
    /// `modules.builtin.alias`.
    ///
    /// Errors only when the alias cannot be normalised.
    pub fn lookup_config(&self, alias: &str, config: &modconf::Config) -> Result<Vec<Found>, crate::name::AliasError> {
        let alias = alias_normalize(alias)?;
        let a = alias.as_bytes();
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let from_config: Vec<Found> = config
            .aliases
            .iter()
            .filter(|x| modindex::fnmatch(&x.pattern, a))
            .map(|x| Found::Alias { alias: lossy(&x.pattern), name: lossy(&x.modname) })
            .collect();
        if !from_config.is_empty() {
            return Ok(from_config);
        }
        if !alias.contains(':') {
            if let Some(line) = self.search_moddep(&alias) {
                return Ok(vec![Found::Dep { name: modname_normalize(&alias), line }]);
            }
        }
        let alias_of = |names: Vec<String>| names.into_iter().map(|name| Found::Alias { alias: alias.clone(), name }).collect::<Vec<_>>();
        if alias.starts_with("symbol:") {
            let v = alias_of(self.wildcard(IndexKind::Symbols, &alias));
            if !v.is_empty() {
                return Ok(v);
            }
        }
        if let Some(c) = config.install.iter().find(|c| c.modname == a) {
            return Ok(vec![Found::Install { name: modname_normalize(&lossy(&c.modname)), command: c.command.clone() }]);
        }
        if let Some(c) = config.remove.iter().find(|c| c.modname == a) {
            return Ok(vec![Found::Remove { name: modname_normalize(&lossy(&c.modname)), command: c.command.clone() }]);
        }
        let v = alias_of(self.wildcard(IndexKind::Alias, &alias));
        if !v.is_empty() {
            return Ok(v);
        }
        if self.is_builtin(&alias) {
            return Ok(vec![Found::Builtin { name: modname_normalize(&alias) }]);
        }
        Ok(self
            .wildcard(IndexKind::BuiltinAlias, &alias)
            .into_iter()
            .map(|name| Found::BuiltinAlias { alias: alias.clone(), name })
            .collect())
    }
}
