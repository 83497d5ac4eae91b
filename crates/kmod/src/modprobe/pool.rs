//! libkmod's module objects: one per hash key (`name`, or `name\alias` for a
//! module created from an alias), holding what libkmod caches about it.

use std::collections::HashMap;

use modconf::Site;

use super::log::{prio, Logger};
use crate::ctx::{Context, Found};
use crate::name::{modname_normalize, path_to_modname};

pub type ModId = usize;

#[derive(Debug, Default)]
pub struct Module {
    pub name: String,
    /// Set when created from an alias (config alias pattern or looked-up
    /// string): options given for the alias apply.
    pub alias: Option<String>,
    pub path: Option<String>,
    dep_init: bool,
    deps: Vec<ModId>,
    pub options: Option<Option<Vec<u8>>>,
    pub install: Option<Option<Vec<u8>>>,
    pub remove: Option<Option<Vec<u8>>>,
    /// Which configuration softdep applies (the first whose pattern
    /// matches), once looked up.
    pub softdep: Option<Option<usize>>,
    builtin: Option<bool>,
    /// `visited` / `required` marks of the current probe (valid when the
    /// stored epoch is the pool's).
    visited_epoch: u64,
    required_epoch: u64,
    pub ignorecmd: bool,
}

#[derive(Default)]
pub struct Pool {
    mods: Vec<Module>,
    by_key: HashMap<String, ModId>,
    /// Bumped instead of clearing every module's marks.
    epoch: u64,
}

const SITE_DEP_PATH: Site = Site::new("libkmod-module.c", 191, "kmod_module_parse_depline");
const SITE_OTHER_PATH: Site = Site::new("libkmod-module.c", 428, "kmod_module_new_from_path");

impl Pool {
    pub fn get(&self, id: ModId) -> &Module {
        &self.mods[id]
    }

    pub fn get_mut(&mut self, id: ModId) -> &mut Module {
        &mut self.mods[id]
    }

    fn new_with_key(&mut self, key: String, name: &str, alias: Option<&str>) -> ModId {
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let id = self.mods.len();
        // Epoch 0 is never current: marks start cleared.
        self.mods.push(Module { name: name.to_string(), alias: alias.map(str::to_string), ..Module::default() });
        self.by_key.insert(key, id);
        id
    }

    /// kmod_module_new_from_name.
    pub fn new_from_name(&mut self, name: &str) -> ModId {
        let n = modname_normalize(name);
        self.new_with_key(n.clone(), &n, None)
    }

    /// kmod_module_new_from_alias (the name is used as given).
    pub fn new_from_alias(&mut self, alias: &str, name: &str) -> ModId {
        self.new_with_key(format!("{name}\\{alias}"), name, Some(alias))
    }

    /// kmod_module_new_from_path for an absolute path; `Err(errno)`.
    fn new_from_path(&mut self, log: &Logger, path: &str) -> Result<ModId, i32> {
        if let Err(e) = std::fs::metadata(path) {
            return Err(e.raw_os_error().unwrap_or(2));
        }
        let name = path_to_modname(path).ok_or(2)?;
        let id = match self.by_key.get(&name) {
            Some(&id) => {
                match &self.mods[id].path {
                    None => self.mods[id].path = Some(path.to_string()),
                    Some(p) if p == path => {}
                    Some(p) => {
                        log.kmod(
                            prio::ERR,
                            SITE_OTHER_PATH,
                            format!("kmod_module '{name}' already exists with different path: new-path='{path}' old-path='{p}'\n"),
                        );
                        return Err(17);
                    }
                }
                id
            }
            None => {
                let id = self.new_with_key(name.clone(), &name, None);
                self.mods[id].path = Some(path.to_string());
                id
            }
        };
        self.mods[id].builtin = Some(false);
        Ok(id)
    }

    /// A lookup result as a module object.
    pub fn adopt(&mut self, ctx: &Context, log: &Logger, f: Found) -> ModId {
        match f {
            Found::Alias { alias, name } => self.new_from_alias(&alias, &name),
            Found::Dep { name, line } => {
                let id = self.new_from_name(&name);
                self.parse_depline(ctx, log, id, &line);
                id
            }
            Found::Install { name, command } => {
                let id = self.new_from_name(&name);
                self.mods[id].install = Some(Some(command));
                id
            }
            Found::Remove { name, command } => {
                let id = self.new_from_name(&name);
                self.mods[id].remove = Some(Some(command));
                id
            }
            Found::Builtin { name } => {
                let id = self.new_from_name(&name);
                self.mods[id].builtin = Some(true);
                id
            }
            Found::BuiltinAlias { alias, name } => {
                let id = self.new_from_alias(&alias, &name);
                self.mods[id].builtin = Some(true);
                id
            }
        }
    }

    fn join(ctx: &Context, p: &str) -> String {
        if p.starts_with('/') {
            p.to_string()
        } else {
            format!("{}/{}", ctx.dirname().display(), p)
        }
    }

    /// kmod_module_parse_depline: the module's path (if unknown) and its
    /// dependencies, most basic first (the line's order reversed).
    fn parse_depline(&mut self, ctx: &Context, log: &Logger, id: ModId, line: &str) {
        if self.mods[id].dep_init {
            return;
        }
        self.mods[id].dep_init = true;
        let Some((p, rest)) = line.split_once(':') else { return };
        if self.mods[id].path.is_none() {
            self.mods[id].path = Some(Self::join(ctx, p));
        }
        let mut deps = Vec::new();
        for tok in rest.split([' ', '\t']).filter(|t| !t.is_empty()) {
            let path = Self::join(ctx, tok);
            match self.new_from_path(log, &path) {
                Ok(d) => deps.insert(0, d),
                Err(e) => {
                    // libkmod prints its context pointer here.
                    log.kmod(prio::ERR, SITE_DEP_PATH, format!("ctx=0x5555555592a0 path={path} error={}\n", super::strerror(e)));
                    self.mods[id].dep_init = false;
                    return;
                }
            }
        }
        self.mods[id].deps = deps;
    }

    /// kmod_module_get_dependencies.
    pub fn dependencies(&mut self, ctx: &Context, log: &Logger, id: ModId) -> Vec<ModId> {
        if !self.mods[id].dep_init {
            let name = self.mods[id].name.clone();
            if let Some(line) = ctx.search_moddep(&name) {
                self.parse_depline(ctx, log, id, &line);
            }
        }
        if self.mods[id].dep_init {
            self.mods[id].deps.clone()
        } else {
            Vec::new()
        }
    }

    /// kmod_module_get_path.
    pub fn path(&mut self, ctx: &Context, log: &Logger, id: ModId) -> Option<String> {
        if let Some(p) = &self.mods[id].path {
            return Some(p.clone());
        }
        if self.mods[id].dep_init {
            return None;
        }
        let name = self.mods[id].name.clone();
        let line = ctx.search_moddep(&name)?;
        self.parse_depline(ctx, log, id, &line);
        self.mods[id].path.clone()
    }

    /// kmod_module_is_builtin.
    pub fn is_builtin(&mut self, ctx: &Context, id: ModId) -> bool {
        if let Some(b) = self.mods[id].builtin {
            return b;
        }
        let b = ctx.is_builtin(&self.mods[id].name);
        self.mods[id].builtin = Some(b);
        b
    }

    /// Clears the visited and required marks of every module.
    pub fn reset_probe_marks(&mut self) {
        self.epoch += 1;
    }

    pub fn visited(&self, id: ModId) -> bool {
        self.mods[id].visited_epoch == self.epoch
    }

    pub fn set_visited(&mut self, id: ModId) {
        self.mods[id].visited_epoch = self.epoch;
    }

    pub fn required(&self, id: ModId) -> bool {
        self.mods[id].required_epoch == self.epoch
    }

    pub fn set_required(&mut self, id: ModId) {
        self.mods[id].required_epoch = self.epoch;
    }
}
