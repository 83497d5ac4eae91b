//! `modinfo`: show information about a Linux kernel module (kmod 30).
//!
//! Thin by design: options are parsed here and output is formatted here; what
//! a module is and what its information says comes from the `kmod` crate.

use std::io::{self, Write};
use std::path::PathBuf;

use kmod::errno::{strerror, ENOENT};
use kmod::{module_info, Context, Info, ModuleRef};
use modindex::ValueOrder;

use crate::getopt::{self, Event, HasArg, LongOpt, Spec};
use crate::stdout::StdioOut;
use crate::Tool;

pub(crate) const SPEC: Spec = Spec {
    short: "adlpn0mF:k:b:Vh",
    long: &[
        LongOpt { name: "author", has_arg: HasArg::No, val: 'a' },
        LongOpt { name: "description", has_arg: HasArg::No, val: 'd' },
        LongOpt { name: "license", has_arg: HasArg::No, val: 'l' },
        LongOpt { name: "parameters", has_arg: HasArg::No, val: 'p' },
        LongOpt { name: "filename", has_arg: HasArg::No, val: 'n' },
        LongOpt { name: "null", has_arg: HasArg::No, val: '0' },
        LongOpt { name: "modname", has_arg: HasArg::No, val: 'm' },
        LongOpt { name: "field", has_arg: HasArg::Required, val: 'F' },
        LongOpt { name: "set-version", has_arg: HasArg::Required, val: 'k' },
        LongOpt { name: "basedir", has_arg: HasArg::Required, val: 'b' },
        LongOpt { name: "version", has_arg: HasArg::No, val: 'V' },
        LongOpt { name: "help", has_arg: HasArg::No, val: 'h' },
    ],
};

fn help(prog: &str) -> String {
    format!(
        "Usage:\n\
         \t{prog} [options] <modulename|filename> [args]\n\
         Options:\n\
         \t-a, --author                Print only 'author'\n\
         \t-d, --description           Print only 'description'\n\
         \t-l, --license               Print only 'license'\n\
         \t-p, --parameters            Print only 'parm'\n\
         \t-n, --filename              Print only 'filename'\n\
         \t-0, --null                  Use \\0 instead of \\n\n\
         \t-m, --modname               Handle argument as module name instead of alias or filename\n\
         \t-F, --field=FIELD           Print only provided FIELD\n\
         \t-k, --set-version=VERSION   Use VERSION instead of `uname -r`\n\
         \t-b, --basedir=DIR           Use DIR as filesystem root for /lib/modules\n\
         \t-V, --version               Show version\n\
         \t-h, --help                  Show this help\n"
    )
}

/// What to print and how.
struct Printer<'a, W: Write> {
    out: W,
    tool: &'a Tool,
    field: Option<String>,
    sep: u8,
}

/// A parameter's merged `parm` (description) and `parmtype`.
struct Param {
    name: Vec<u8>,
    desc: Option<Vec<u8>>,
    ty: Option<Vec<u8>>,
}

impl<W: Write> Printer<'_, W> {
    /// Adds one `parm`/`parmtype` item to the list (newest names first, as
    /// kmod prepends them). An item without `:` is reported and skipped.
    fn add_param(&self, params: &mut Vec<Param>, info: &Info) {
        let Some(colon) = info.value.iter().position(|&b| b == b':') else {
            self.tool.error(&format!(
                "Found invalid \"{}={}\": missing ':'",
                String::from_utf8_lossy(&info.key),
                String::from_utf8_lossy(&info.value)
            ));
            return;
        };
        let (name, text) = (&info.value[..colon], &info.value[colon + 1..]);
        let idx = match params.iter().position(|p| p.name == name) {
            Some(i) => i,
            None => {
                params.insert(0, Param { name: name.to_vec(), desc: None, ty: None });
                0
            }
        };
        if info.key == b"parm" {
            params[idx].desc = Some(text.to_vec());
        } else {
            params[idx].ty = Some(text.to_vec());
        }
    }

    fn put(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        for p in parts {
            self.out.write_all(p)?;
        }
        self.out.write_all(&[self.sep])
    }

    fn params(&mut self, params: &[Param], label: bool) -> io::Result<()> {
        let lead: &[u8] = if label { b"parm:           " } else { b"" };
        for p in params {
            match (&p.desc, &p.ty) {
                (None, ty) if !label => self.put(&[lead, &p.name, b": (", ty.as_deref().unwrap_or(b""), b")"])?,
                (None, ty) => self.put(&[lead, &p.name, b":", ty.as_deref().unwrap_or(b"")])?,
                (Some(d), Some(t)) => self.put(&[lead, &p.name, b":", d, b" (", t, b")"])?,
                (Some(d), None) => self.put(&[lead, &p.name, b":", d])?,
            }
        }
        Ok(())
    }

    /// Prints one module; `Err(errno)` when its information cannot be read.
    /// A module with a file takes its information list from `file_infos`
    /// (the next one of the prefetched lists, see [`run`]).
    fn module(&mut self, ctx: &Context, m: &ModuleRef, file_infos: &mut dyn FnMut() -> Result<Vec<Info>, kmod::InfoError>) -> io::Result<Result<(), i32>> {
        let field = self.field.clone();
        let field = field.as_deref();
        let builtin = m.path.is_none();
        let filename: Vec<u8> = match &m.path {
            Some(p) => p.as_os_str().as_encoded_bytes().to_vec(),
            None => b"(builtin)".to_vec(),
        };
        if builtin {
            match field {
                None => self.put(&[b"name:           ", m.name.as_bytes()])?,
                Some("name") => self.put(&[m.name.as_bytes()])?,
                _ => {}
            }
        }
        match field {
            Some("filename") => {
                self.put(&[&filename])?;
                return Ok(Ok(()));
            }
            None => self.put(&[b"filename:       ", &filename])?,
            _ => {}
        }
        let list = match if m.path.is_some() { file_infos() } else { module_info(ctx, m) } {
            Ok(l) => l,
            // An old kernel without modules.builtin.modinfo: nothing more to say.
            Err(e) if builtin && e.errno == ENOENT => return Ok(Ok(())),
            Err(e) => {
                self.tool.error(&format!("could not get modinfo from '{}': {}", m.name, strerror(e.errno)));
                return Ok(Err(e.errno));
            }
        };
        let mut params = Vec::new();
        if field == Some("parm") {
            for i in list.iter().filter(|i| i.key == b"parm" || i.key == b"parmtype") {
                self.add_param(&mut params, i);
            }
            self.params(&params, false)?;
            return Ok(Ok(()));
        }
        for i in &list {
            if let Some(f) = field {
                if i.key == f.as_bytes() {
                    self.put(&[&i.value])?;
                }
                continue;
            }
            if i.key == b"parm" || i.key == b"parmtype" {
                self.add_param(&mut params, i);
                continue;
            }
            if self.sep == 0 {
                self.put(&[&i.key, b"=", &i.value])?;
                continue;
            }
            // printf("%s:%-*s%s", key, 15 - len, "", value): a negative width
            // left-justifies, so the pad is |15 - len| spaces.
            let pad = vec![b' '; (15 - i.key.len() as i64).unsigned_abs() as usize];
            self.put(&[&i.key, b":", &pad, &i.value])?;
        }
        if field.is_none() {
            self.params(&params, true)?;
        }
        Ok(Ok(()))
    }
}

/// Runs modinfo; returns the exit status.
pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    let parsed = SPEC.parse(&tool.argv0, args);
    let mut p = Printer { out: StdioOut::new(), tool, field: None, sep: b'\n' };
    let (mut modname, mut release, mut root) = (false, None, None);
    for ev in parsed.events {
        match ev {
            Event::Opt('a', _) => p.field = Some("author".into()),
            Event::Opt('d', _) => p.field = Some("description".into()),
            Event::Opt('l', _) => p.field = Some("license".into()),
            Event::Opt('p', _) => p.field = Some("parm".into()),
            Event::Opt('n', _) => p.field = Some("filename".into()),
            Event::Opt('0', _) => p.sep = 0,
            Event::Opt('m', _) => modname = true,
            Event::Opt('F', v) => p.field = v,
            Event::Opt('k', v) => release = v,
            Event::Opt('b', v) => root = v,
            ev => return getopt::common_option(tool, ev, help),
        }
    }
    if parsed.operands.is_empty() {
        tool.error("missing module or filename.");
        return Ok(1);
    }
    let dir = if root.is_some() || release.is_some() {
        Context::module_dir(Some(root.as_deref().unwrap_or("")), release.as_deref())
    } else {
        Context::module_dir(None, None)
    };
    let ctx = Context::new(dir, ValueOrder::Stdio);
    // First what each operand names (lookups only; messages kept for their
    // turn), then the module files' information read on every CPU while the
    // output is written here in operand order, as kmod writes it.
    let mut steps: Vec<Step> = Vec::new();
    for arg in &parsed.operands {
        if modname {
            match ctx.lookup_name(arg) {
                Some(mut m) => {
                    ctx.resolve(&mut m);
                    steps.push(Step::Module(m));
                }
                None => steps.push(Step::Error(format!("Module name {arg} not found."))),
            }
        } else if is_module_filename(arg) {
            match module_from_path(arg) {
                Some(m) => steps.push(Step::Module(m)),
                None => steps.push(Step::Error(format!("Module file {arg} not found."))),
            }
        } else {
            match ctx.lookup(arg) {
                Err(_) => steps.push(Step::Error(format!("Module alias {arg} not found."))),
                Ok(list) if list.is_empty() => steps.push(Step::Error(format!("Module {arg} not found."))),
                Ok(list) => {
                    for mut m in list {
                        ctx.resolve(&mut m);
                        steps.push(Step::Module(m));
                    }
                }
            }
        }
        steps.push(Step::End);
    }
    // `-n`/`-F filename` print the path only: nothing to read.
    let files: Vec<PathBuf> = if p.field.as_deref() == Some("filename") {
        Vec::new()
    } else {
        steps.iter().filter_map(|s| if let Step::Module(m) = s { m.path.clone() } else { None }).collect()
    };
    let failed = kmod::with_file_infos(&files, |next| -> io::Result<bool> {
        let (mut failed, mut ok) = (false, true);
        for step in &steps {
            match step {
                Step::Error(msg) => {
                    tool.error(msg);
                    ok = false;
                }
                Step::Module(m) => ok &= p.module(&ctx, m, next)?.is_ok(),
                Step::End => {
                    failed |= !ok;
                    ok = true;
                }
            }
        }
        Ok(failed)
    })?;
    p.out.flush()?;
    Ok(i32::from(failed))
}

/// What an operand comes to, in output order.
enum Step {
    /// An error message (the operand fails).
    Error(String),
    /// A module to print.
    Module(ModuleRef),
    /// The end of an operand.
    End,
}

/// An argument names a module file when it is an existing regular file with
/// a module extension.
fn is_module_filename(arg: &str) -> bool {
    std::fs::metadata(arg).is_ok_and(|m| m.is_file()) && kmod::name::has_module_ext(arg)
}

/// kmod_module_new_from_path: the path made absolute against the working
/// directory (not normalised), the name from its basename.
fn module_from_path(arg: &str) -> Option<ModuleRef> {
    let abs = if arg.starts_with('/') {
        PathBuf::from(arg)
    } else {
        let cwd = std::env::current_dir().ok()?;
        PathBuf::from(format!("{}/{}", cwd.display(), arg))
    };
    std::fs::metadata(&abs).ok()?;
    let name = kmod::name::path_to_modname(arg)?;
    Some(ModuleRef { name, path: Some(abs), builtin: Some(false) })
}
