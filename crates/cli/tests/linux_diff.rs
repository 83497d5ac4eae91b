//! The differential harness against Linux itself (issue 5, part 1).
//!
//! Every scenario of `tests/diff/scenarios/*.scn` (see `tests/diff/README.md`) is run
//! twice, step by step: once in Debian's own kernel (its `vmlinuz`, booted in QEMU
//! with an initramfs holding busybox, the real kmod 30 `insmod`/`rmmod` and the
//! scenario's modules), once in the host kernel through `modhost insmod`/`rmmod`.
//! After every step both sides report the tool's exit status, stdout and stderr
//! (so the errno, through kmod's wording), `/proc/modules` (addresses masked),
//! `/proc/sys/kernel/tainted`, `/sys/module/<m>/{initstate,refcnt,taint,coresize,
//! initsize,holders,parameters/*}` and the kernel log lines the step produced
//! (timestamps removed). Any difference fails the test with a readable diff, unless
//! `tests/diff/allowed` names it with a reason written in `docs/compat-diff.md`.
//!
//! The scenarios of one boot group (`@boot`, default "main") run in one Linux boot
//! and one host daemon, in file-name order, with a `reset` (unload everything) after
//! each scenario; kernel-wide state that cannot be reset (the taint mask,
//! once-per-boot messages) evolves identically on both sides. The boots run in
//! QEMU in the background (two at a time) while the host side runs.
//!
//! Environment: `MODHOST_DIFF_SCENARIOS=a,b` runs only the scenarios whose file name
//! contains one of the words; `MODHOST_DIFF_KEEP=1` keeps the work directory
//! `$MODHOST_CACHE/diff/run-<pid>` (kept anyway when something differs; the report is
//! always copied to `$MODHOST_CACHE/diff/last-report.txt`); `MODHOST_DIFF_TIMEOUT`
//! (seconds per boot, default 900), `MODHOST_DIFF_TOTAL_TIMEOUT` (all boots, default
//! 1200), `MODHOST_DIFF_JOBS` (boots at a time, default 2). Without QEMU (and no way to
//! install it) the test is skipped with a note unless `MODHOST_REQUIRE_FIXTURES=1`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GUEST_INIT: &str = include_str!("../../../tests/diff/guest-init.sh");

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn require() -> bool {
    std::env::var("MODHOST_REQUIRE_FIXTURES").as_deref() == Ok("1")
}

macro_rules! skip {
    ($($t:tt)*) => {{
        let msg = format!($($t)*);
        if require() {
            panic!("{msg} (MODHOST_REQUIRE_FIXTURES=1)");
        }
        eprintln!("note: {msg}; skipping the Linux differential test");
        return;
    }};
}

// ------------------------------------------------------------------------------------------
// Environment: fixtures, test modules, QEMU
// ------------------------------------------------------------------------------------------

struct Env {
    release: String,
    root: PathBuf,
    vmlinuz: PathBuf,
    test_modules: HashMap<String, PathBuf>,
}

fn read_kv(path: &Path) -> Option<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect())
}

fn load_env(cache: &Path) -> Result<Env, String> {
    let fx = std::env::var_os("MODHOST_FIXTURES").map(PathBuf::from).unwrap_or_else(|| cache.join("fixtures/current/env"));
    let kv = read_kv(&fx).ok_or_else(|| format!("fixtures missing ({})", fx.display()))?;
    let release = kv.get("RELEASE").cloned().ok_or("no RELEASE in the fixtures env")?;
    let root = PathBuf::from(kv.get("AMD64_ROOT").ok_or("no AMD64_ROOT in the fixtures env")?);
    let vmlinuz = root.join(format!("boot/vmlinuz-{release}"));
    if !vmlinuz.is_file() {
        return Err(format!("{} missing", vmlinuz.display()));
    }
    let idx = cache.join(format!("modules/{release}/index.env"));
    let kv = read_kv(&idx).ok_or_else(|| format!("test modules missing ({}; run scripts/build-modules.sh)", idx.display()))?;
    let test_modules = kv.into_iter().filter_map(|(k, v)| Some((k.strip_prefix("MOD_")?.to_string(), PathBuf::from(v)))).collect();
    Ok(Env { release, root, vmlinuz, test_modules })
}

fn have(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn is_static_busybox() -> bool {
    // Debian's busybox-static installs a static /bin/busybox; a dynamic one would need its libs.
    let Ok(out) = Command::new("ldd").arg("/bin/busybox").output() else { return false };
    let t = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    t.contains("not a dynamic executable") || t.contains("statically linked")
}

/// QEMU, busybox-static and the real kmod; installed with apt-get when missing (as root).
fn ensure_tools() -> Result<(), String> {
    let ok = || have("qemu-system-x86_64") && is_static_busybox() && Path::new("/bin/kmod").is_file();
    if ok() {
        return Ok(());
    }
    if rustix::process::geteuid().is_root() && have("apt-get") {
        let pk = ["qemu-system-x86", "busybox-static", "kmod"];
        let install = || Command::new("apt-get").args(["install", "-y", "-q"]).args(pk).env("DEBIAN_FRONTEND", "noninteractive").stdout(Stdio::null()).status();
        if !install().is_ok_and(|s| s.success()) {
            let _ = Command::new("apt-get").args(["update", "-q"]).stdout(Stdio::null()).status();
            let _ = install();
        }
    }
    if ok() {
        Ok(())
    } else {
        Err("qemu-system-x86_64, a static /bin/busybox or /bin/kmod is missing and could not be installed".into())
    }
}

// ------------------------------------------------------------------------------------------
// Scenarios and module references
// ------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Cmd {
    /// insmod options, module reference, module arguments.
    Insmod(Vec<String>, String, Vec<String>),
    /// rmmod arguments (options and names).
    Rmmod(Vec<String>),
    Reset,
    /// A view: a directory's entries or a file's contents, optionally only
    /// the lines holding a word (`view /proc/filesystems minix`).
    View(Vec<String>),
}

#[derive(Clone, Debug)]
struct Step {
    scenario: String,
    /// The boot (QEMU run and host daemon) it belongs to.
    boot: String,
    /// The scenario line (or "reset (end of scenario)").
    text: String,
    /// The command line both sides run (module references replaced by paths).
    argv: Vec<String>,
    is_reset: bool,
    /// What was done to a generated module file.
    note: Option<String>,
}

/// The steps of a scenario file and the boot it runs in (`@boot <name>`; default "main").
fn parse_scenario(name: &str, text: &str) -> Result<(String, Vec<(String, Cmd)>), String> {
    let mut out = Vec::new();
    let mut boot = "main".to_string();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        let w: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        if w[0] == "@boot" {
            if w.len() != 2 || !out.is_empty() {
                return Err(format!("{name}:{}: `@boot <name>` must come before the steps", n + 1));
            }
            boot = w[1].clone();
            continue;
        }
        let cmd = match w[0].as_str() {
            "insmod" => {
                let Some(r) = w[1..].iter().position(|a| !a.starts_with('-')) else {
                    return Err(format!("{name}:{}: insmod without a module", n + 1));
                };
                Cmd::Insmod(w[1..1 + r].to_vec(), w[1 + r].clone(), w[2 + r..].to_vec())
            }
            "rmmod" => Cmd::Rmmod(w[1..].to_vec()),
            "reset" if w.len() == 1 => Cmd::Reset,
            "view" if (2..=3).contains(&w.len()) => Cmd::View(w[1..].to_vec()),
            // the blocks of /proc/crypto (or any file of blank-line-separated
            // `field : value` blocks) holding the line FIELD : VALUE
            "blocks" if w.len() == 4 => Cmd::View(std::iter::once("--blocks".to_string()).chain(w[1..].iter().cloned()).collect()),
            _ => return Err(format!("{name}:{}: unknown step {line:?}", n + 1)),
        };
        out.push((line.to_string(), cmd));
    }
    Ok((boot, out))
}

/// A module file made from a reference: its bytes (None: a path that does not exist),
/// the file name to give it, and notes on what was done to it.
struct Made {
    bytes: Option<Vec<u8>>,
    basename: String,
    notes: Vec<String>,
}

fn resolve(env: &Env, r: &str) -> Result<Made, String> {
    let (kind, rest) = r.split_once(':').ok_or_else(|| format!("bad module reference {r:?}"))?;
    let file = |p: PathBuf| -> Result<Made, String> {
        let bytes = std::fs::read(&p).map_err(|e| format!("{r}: {}: {e}", p.display()))?;
        Ok(Made { bytes: Some(bytes), basename: p.file_name().unwrap().to_string_lossy().into_owned(), notes: vec![] })
    };
    match kind {
        "test" => file(env.test_modules.get(rest).ok_or_else(|| format!("{r}: no MOD_{rest} in index.env"))?.clone()),
        "tree" => file(env.root.join("lib/modules").join(&env.release).join("kernel").join(rest)),
        "none" => Ok(Made { bytes: None, basename: "missing.ko".into(), notes: vec![] }),
        "empty" => Ok(Made { bytes: Some(vec![]), basename: "empty.ko".into(), notes: vec![] }),
        "bytes" => Ok(Made { bytes: Some(rest.as_bytes().to_vec()), basename: "text.ko".into(), notes: vec![] }),
        "mutated" => {
            let (seed, inner) = rest.split_once(':').ok_or_else(|| format!("bad reference {r:?}"))?;
            let seed: u64 = seed.parse().map_err(|_| format!("{r}: bad seed"))?;
            let mut m = resolve(env, inner)?;
            let b = m.bytes.take().ok_or_else(|| format!("{r}: nothing to mutate"))?;
            let (b, note) = mutate(seed, &b);
            m.bytes = Some(b);
            m.notes.push(format!("mutation {seed}: {note}"));
            Ok(m)
        }
        "patch" => {
            let (op, inner) = rest.split_once(':').ok_or_else(|| format!("bad reference {r:?}"))?;
            let mut m = resolve(env, inner)?;
            let b = m.bytes.take().ok_or_else(|| format!("{r}: nothing to patch"))?;
            let (b, note) = patch(op, &b).map_err(|e| format!("{r}: {e}"))?;
            m.bytes = Some(b);
            m.notes.push(note);
            Ok(m)
        }
        _ => Err(format!("unknown module reference kind in {r:?}")),
    }
}

// ------------------------------------------------------------------------------------------
// ELF helpers, patches and mutations (ELF64 LSB only: x86_64 modules)
// ------------------------------------------------------------------------------------------

const SIG_MAGIC: &[u8] = b"~Module signature appended~\n";

fn rd(d: &[u8], at: usize, n: usize) -> Option<u64> {
    let s = d.get(at..at.checked_add(n)?)?;
    Some(s.iter().rev().fold(0u64, |a, &b| a << 8 | u64::from(b)))
}

#[derive(Debug, Clone)]
struct Sec {
    name: String,
    ty: u32,
    off: usize,
    size: usize,
    /// Offset of this section header in the file.
    hdr: usize,
}

fn sections(d: &[u8]) -> Option<Vec<Sec>> {
    if d.len() < 64 || &d[..4] != b"\x7fELF" || d[4] != 2 || d[5] != 1 {
        return None;
    }
    let shoff = rd(d, 0x28, 8)? as usize;
    let shnum = rd(d, 0x3c, 2)? as usize;
    let shstrndx = rd(d, 0x3e, 2)? as usize;
    let hdr = |i: usize| shoff + i * 64;
    let stroff = rd(d, hdr(shstrndx) + 24, 8)? as usize;
    let mut v = Vec::new();
    for i in 0..shnum {
        let h = hdr(i);
        let name_off = stroff + rd(d, h, 4)? as usize;
        let name = d.get(name_off..)?.split(|&b| b == 0).next()?;
        v.push(Sec {
            name: String::from_utf8_lossy(name).into_owned(),
            ty: rd(d, h + 4, 4)? as u32,
            off: rd(d, h + 24, 8)? as usize,
            size: rd(d, h + 32, 8)? as usize,
            hdr: h,
        });
    }
    Some(v)
}

fn section<'a>(secs: &'a [Sec], name: &str) -> Result<&'a Sec, String> {
    secs.iter().find(|s| s.name == name).ok_or_else(|| format!("no {name} section"))
}

/// A signed module's layout: content, PKCS#7 blob, `struct module_signature` (12
/// bytes, big-endian blob length last), magic. Returns (blob start = content length,
/// blob length).
fn sig_parts(d: &[u8]) -> Option<(usize, usize)> {
    let n = d.len().checked_sub(SIG_MAGIC.len() + 12)?;
    if &d[n + 12..] != SIG_MAGIC {
        return None;
    }
    let sig_len = u32::from_be_bytes(d[n + 8..n + 12].try_into().unwrap()) as usize;
    Some((n.checked_sub(sig_len)?, sig_len))
}

fn strip_sig(d: &[u8]) -> Vec<u8> {
    match sig_parts(d) {
        Some((len, _)) => d[..len].to_vec(),
        None => d.to_vec(),
    }
}

/// Offset and length of the `vermagic=` string inside `.modinfo`.
fn vermagic(d: &[u8]) -> Result<(usize, usize), String> {
    let secs = sections(d).ok_or("not an ELF64 LSB file")?;
    let mi = section(&secs, ".modinfo")?;
    let data = &d[mi.off..mi.off + mi.size];
    let p = data.windows(9).position(|w| w == b"vermagic=").ok_or("no vermagic")?;
    let len = data[p..].iter().position(|&b| b == 0).unwrap_or(data.len() - p);
    Ok((mi.off + p, len))
}

fn patch(op: &str, d: &[u8]) -> Result<(Vec<u8>, String), String> {
    let mut v = d.to_vec();
    let note;
    if let Some(sym) = op.strip_prefix("crc=") {
        let secs = sections(d).ok_or("not an ELF64 LSB file")?;
        let vs = section(&secs, "__versions")?;
        let at = (vs.off..vs.off + vs.size)
            .step_by(64)
            .find(|&e| d[e + 8..e + 64].split(|&b| b == 0).next() == Some(sym.as_bytes()))
            .ok_or_else(|| format!("no __versions entry for {sym}"))?;
        v[at] ^= 1;
        note = format!("CRC of {sym} in __versions: {:#x} -> {:#x}", rd(d, at, 8).unwrap(), rd(&v, at, 8).unwrap());
    } else if let Some(key) = op.strip_prefix("nonascii=") {
        // the last byte of the first `<key>=` value of .modinfo becomes 0xa0
        let secs = sections(d).ok_or("not an ELF64 LSB file")?;
        let mi = section(&secs, ".modinfo")?;
        let data = &d[mi.off..mi.off + mi.size];
        let tag = format!("{key}=");
        let p = data.split(|&b| b == 0).scan(0usize, |at, e| {
            let here = *at;
            *at += e.len() + 1;
            Some((here, e))
        });
        let (at, e) = p
            .filter(|(_, e)| e.starts_with(tag.as_bytes()) && e.len() > tag.len())
            .map(|(a, e)| (a, e.len()))
            .next()
            .ok_or_else(|| format!("no {key}= value"))?;
        let i = mi.off + at + e - 1;
        v[i] = 0xa0;
        note = format!("{key}= value {:?} -> last byte 0xa0", String::from_utf8_lossy(&d[mi.off + at + tag.len()..mi.off + at + e]));
    } else if let Some(n) = op.strip_prefix("truncate=") {
        let n: usize = n.parse().map_err(|_| "bad length")?;
        v.truncate(n);
        note = format!("truncated to {n} of {} bytes", d.len());
    } else {
        match op {
            "vermagic-release" | "vermagic-flags" => {
                let (at, len) = vermagic(d)?;
                let s = &d[at + 9..at + len];
                let sp = s.iter().position(|&b| b == b' ').ok_or("vermagic without flags")?;
                let i = at + 9 + if op == "vermagic-release" { sp - 1 } else { sp + 1 };
                v[i] = if v[i].is_ascii_digit() { b'0' + (v[i] - b'0' + 1) % 10 } else { v[i] ^ 0x20 };
                note = format!("vermagic {:?} -> {:?}", String::from_utf8_lossy(s), String::from_utf8_lossy(&v[at + 9..at + len]));
            }
            "no-vermagic" => {
                let (at, len) = vermagic(d)?;
                v[at..at + len].fill(0);
                note = "vermagic= entry zeroed".into();
            }
            "no-versions" => {
                let secs = sections(d).ok_or("not an ELF64 LSB file")?;
                let vs = section(&secs, "__versions")?;
                v[vs.hdr + 8] &= !2; // SHF_ALLOC: find_sec only sees allocated sections
                note = "SHF_ALLOC cleared on __versions".into();
            }
            "strip-sig" => {
                v = strip_sig(d);
                note = format!("signature stripped ({} -> {} bytes)", d.len(), v.len());
            }
            "flip-content" => {
                sig_parts(d).ok_or("not signed")?;
                let secs = sections(d).ok_or("not an ELF64 LSB file")?;
                let t = section(&secs, ".text")?;
                v[t.off] ^= 0x10;
                note = format!("signed content: bit 4 of the first .text byte flipped (offset {})", t.off);
            }
            "flip-sig" => {
                let (start, len) = sig_parts(d).ok_or("not signed")?;
                let i = start + len - 7;
                v[i] ^= 1;
                note = format!("signature blob: bit 0 of byte {} of {len} flipped", len - 7);
            }
            _ => return Err(format!("unknown patch {op:?}")),
        }
    }
    Ok((v, note))
}

/// splitmix64: a tiny deterministic generator, so a seed names one mutation forever.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// The mutation named by `seed`; its kind is `seed % MUTATION_KINDS` (tests/diff/README.md).
const MUTATION_KINDS: u64 = 12;

fn mutate(seed: u64, d: &[u8]) -> (Vec<u8>, String) {
    let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x006d_6f64_686f_7374);
    let kind = seed % MUTATION_KINDS;
    let plain = strip_sig(d);
    let secs = sections(&plain).unwrap_or_default();
    let mut v = plain.clone();
    let flip_in = |v: &mut Vec<u8>, rng: &mut Rng, lo: usize, len: usize, what: &str| -> String {
        if len == 0 || lo + len > v.len() {
            return format!("{what}: nothing to flip");
        }
        let i = lo + rng.below(len);
        let bit = rng.below(8);
        v[i] ^= 1 << bit;
        format!("{what}: bit {bit} of byte {} flipped ({:#04x} -> {:#04x})", i, v[i] ^ (1 << bit), v[i])
    };
    let sec_flip = |v: &mut Vec<u8>, rng: &mut Rng, name: &str| -> String {
        match secs.iter().find(|s| s.name == name) {
            Some(s) => flip_in(v, rng, s.off, s.size, &format!("unsigned, {name}")),
            None => format!("no {name}"),
        }
    };
    let note = match kind {
        0 => flip_in(&mut v, &mut rng, 0, 64, "unsigned, ELF header"),
        1 => {
            let shoff = rd(&v, 0x28, 8).unwrap_or(0) as usize;
            let shnum = rd(&v, 0x3c, 2).unwrap_or(0) as usize;
            // Only the fields Linux checks: name, type, flags, offset, size, link, info.
            let i = rng.below(shnum.max(1));
            let fields =
                [(0, 4, "sh_name"), (4, 4, "sh_type"), (8, 8, "sh_flags"), (24, 8, "sh_offset"), (32, 8, "sh_size"), (40, 4, "sh_link"), (44, 4, "sh_info")];
            let (fo, fl, fname) = fields[rng.below(fields.len())];
            let name = secs.get(i).map_or("?", |s| s.name.as_str());
            flip_in(&mut v, &mut rng, shoff + i * 64 + fo, fl, &format!("unsigned, {fname} of section {i} ({name})"))
        }
        2 => {
            let n = rng.below(v.len());
            v.truncate(n);
            format!("unsigned, truncated to {n} of {} bytes", plain.len())
        }
        3 => sec_flip(&mut v, &mut rng, ".modinfo"),
        4 => sec_flip(&mut v, &mut rng, ".symtab"),
        5 => {
            // Relocations Linux only applies (never interprets): the export table's, and
            // .text's except those against the thunks and __fentry__, whose sites Linux
            // checks when it patches code (apply_returns, ftrace) and the host does not
            // (docs/compat.md, "Code patching is left undone").
            let sym_name = |idx: usize| -> String {
                let Some(st) = secs.iter().find(|s| s.ty == 2) else { return String::new() };
                let Some(link) = rd(&plain, st.hdr + 40, 4) else { return String::new() };
                let Some(strs) = secs.get(link as usize) else { return String::new() };
                let Some(off) = rd(&plain, st.off + idx * 24, 4) else { return String::new() };
                plain
                    .get(strs.off + off as usize..)
                    .and_then(|t| t.split(|&b| b == 0).next())
                    .map(|t| String::from_utf8_lossy(t).into_owned())
                    .unwrap_or_default()
            };
            let mut cands = Vec::new();
            for sec in secs.iter().filter(|s| s.ty == 4 && (s.name.starts_with(".rela__ksymtab") || s.name.starts_with(".rela.text"))) {
                for e in (sec.off..sec.off + sec.size / 24 * 24).step_by(24) {
                    let name = sym_name(rd(&plain, e + 12, 4).unwrap_or(0) as usize);
                    if sec.name.starts_with(".rela.text") && (name.starts_with("__x86_") || name == "__fentry__") {
                        continue;
                    }
                    cands.push((sec.name.clone(), (e - sec.off) / 24, e, name));
                }
            }
            if cands.is_empty() {
                "no relocations".into()
            } else {
                let (sname, k, e, sym) = cands[rng.below(cands.len())].clone();
                if rng.below(2) == 0 {
                    flip_in(&mut v, &mut rng, e + 8, 1, &format!("unsigned, {sname} entry {k} (against {sym}) r_info type"))
                } else {
                    flip_in(&mut v, &mut rng, e + 16, 2, &format!("unsigned, {sname} entry {k} (against {sym}) r_addend"))
                }
            }
        }
        6 => {
            v = d.to_vec();
            match sig_parts(d) {
                Some((len, _)) => flip_in(&mut v, &mut rng, 0, len, "signed, content"),
                None => "not signed".into(),
            }
        }
        7 => {
            v = d.to_vec();
            match sig_parts(d) {
                Some((start, len)) => flip_in(&mut v, &mut rng, start, len, "signed, signature blob"),
                None => "not signed".into(),
            }
        }
        8 => sec_flip(&mut v, &mut rng, "__versions"),
        10 => sec_flip(&mut v, &mut rng, ".strtab"),
        11 => match secs.iter().find(|s| s.name == ".gnu.linkonce.this_module") {
            // struct module's name[56] at offset 24: a byte of the name or its NUL
            Some(s) if s.size >= 80 => {
                let len = v[s.off + 24..s.off + 80].iter().position(|&b| b == 0).unwrap_or(55);
                flip_in(&mut v, &mut rng, s.off + 24, len + 1, "unsigned, struct module name")
            }
            _ => "no .gnu.linkonce.this_module".into(),
        },
        9 => {
            let n = 1 + rng.below(4);
            let mut at = Vec::new();
            for _ in 0..n {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
                at.push(i.to_string());
            }
            format!("unsigned, {n} random bytes at {}", at.join(","))
        }
        _ => unreachable!("kind < MUTATION_KINDS"),
    };
    (v, note)
}

// ------------------------------------------------------------------------------------------
// What a side reports for one step
// ------------------------------------------------------------------------------------------

#[derive(Default, Debug, Clone)]
struct Obs {
    /// (host) a daemon of this boot group died at an earlier step.
    after_restart: bool,
    rc: String,
    out: String,
    err: String,
    proc: String,
    taint: String,
    sys: String,
    log: String,
}

const FIELDS: [&str; 7] = ["rc", "stdout", "stderr", "proc", "taint", "sys", "log"];

impl Obs {
    fn field(&self, f: &str) -> &str {
        match f {
            "rc" => &self.rc,
            "stdout" => &self.out,
            "stderr" => &self.err,
            "proc" => &self.proc,
            "taint" => &self.taint,
            "sys" => &self.sys,
            "log" => &self.log,
            _ => unreachable!(),
        }
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `/proc/modules` with the address field masked.
fn mask_proc(t: &str) -> String {
    t.lines()
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            if w.len() >= 6 && w[5].starts_with("0x") {
                let mut w = w.clone();
                w[5] = "0x*";
                w.join(" ")
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// A kernel log line without its `[ seconds.micros] ` prefix.
fn strip_ts(l: &str) -> &str {
    if let Some(rest) = l.strip_prefix('[') {
        if let Some(p) = rest.find("] ") {
            if rest[..p].trim().chars().all(|c| c.is_ascii_digit() || c == '.') {
                return &rest[p + 2..];
            }
        }
    }
    l
}

/// The holders list of a sysfs line sorted (kernfs order is not Linux's contract; see
/// docs/compat.md "Holders order").
fn norm_sys(t: &str) -> String {
    t.lines()
        .map(|l| match l.split_once(" holders=") {
            Some((a, h)) => {
                let mut v: Vec<&str> = h.split(',').filter(|s| !s.is_empty()).collect();
                v.sort();
                let h: String = v.iter().map(|s| format!("{s},")).collect();
                format!("{a} holders={h}\n")
            }
            None => format!("{l}\n"),
        })
        .collect()
}

fn b64decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(x) = val(c) else { continue };
        acc = acc << 6 | x;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Linux's log as read with syslog(2) holds the records' raw bytes; show them the way
/// /dev/kmsg and util-linux dmesg do (`\xNN` for control bytes and bytes >= 0x7f), the
/// form of the host's log (docs/compat-diff.md, [log-escapes]).
fn kmsg_escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        if c == b'\n' || (0x20..0x7f).contains(&c) {
            s.push(c as char);
        } else {
            let _ = write!(s, "\\x{c:02x}");
        }
    }
    s
}

/// The guest's report: boot line, the steps it completed, whether it got to the end.
struct GuestRun {
    boot: Option<String>,
    steps: BTreeMap<usize, Obs>,
    done: bool,
}

fn parse_guest(text: &str) -> GuestRun {
    let mut run = GuestRun { boot: None, steps: BTreeMap::new(), done: false };
    let mut cur: Option<(usize, Obs)> = None;
    let mut blob: Option<(String, String)> = None;
    let finish_blob = |cur: &mut Option<(usize, Obs)>, blob: &mut Option<(String, String)>| {
        if let (Some((_, o)), Some((name, data))) = (cur.as_mut(), blob.take()) {
            let raw = b64decode(&data);
            let t = if name == "LOG" { kmsg_escape(&raw) } else { lossy(&raw) };
            match name.as_str() {
                "OUT" => o.out = t,
                "ERR" => o.err = t,
                "PROC" => o.proc = t,
                "SYS" => o.sys = t,
                "LOG" => o.log = t,
                _ => {}
            }
        }
    };
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(tag) = line.strip_prefix("@@") {
            finish_blob(&mut cur, &mut blob);
            let (k, v) = tag.split_once(' ').unwrap_or((tag, ""));
            match k {
                "BOOT" => run.boot = Some(v.to_string()),
                "STEP" => cur = v.parse().ok().map(|n| (n, Obs::default())),
                "RC" => {
                    if let Some((_, o)) = cur.as_mut() {
                        o.rc = v.to_string();
                    }
                }
                "TAINT" => {
                    if let Some((_, o)) = cur.as_mut() {
                        o.taint = v.to_string();
                    }
                }
                "END" => {
                    if let Some((n, o)) = cur.take() {
                        run.steps.insert(n, o);
                    }
                }
                "DONE" => run.done = true,
                _ => blob = Some((k.to_string(), String::new())),
            }
        } else if let Some((_, data)) = blob.as_mut() {
            data.push_str(line);
        }
    }
    run
}

// ------------------------------------------------------------------------------------------
// The initramfs (newc cpio, uncompressed) and the QEMU run
// ------------------------------------------------------------------------------------------

#[derive(Default)]
struct Cpio {
    buf: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, data: &[u8], rdev: (u32, u32)) {
        self.ino += 1;
        let name = name.trim_start_matches('/');
        let hdr = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            self.ino,
            mode,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() + 1,
            0
        );
        self.buf.extend_from_slice(hdr.as_bytes());
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(0);
        self.pad();
        self.buf.extend_from_slice(data);
        self.pad();
    }
    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }
    fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, &[], (0, 0));
    }
    fn file(&mut self, name: &str, data: &[u8], exec: bool) {
        self.entry(name, if exec { 0o100755 } else { 0o100644 }, data, (0, 0));
    }
    fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, 0o120777, target.as_bytes(), (0, 0));
    }
    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, &[], (0, 0));
        while !self.buf.len().is_multiple_of(512) {
            self.buf.push(0);
        }
        self.buf
    }
}

/// The shared libraries of a dynamic executable, as ldd lists them.
fn ldd(exe: &str) -> Vec<String> {
    let out = Command::new("ldd").arg(exe).output().expect("run ldd");
    lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let p = match l.split_once("=> ") {
                Some((_, r)) => r.split(" (").next()?.trim(),
                None => l.split(" (").next()?.trim(),
            };
            p.starts_with('/').then(|| p.to_string())
        })
        .collect()
}

fn build_initramfs(plan: &str, files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut c = Cpio::default();
    let mut dirs = std::collections::BTreeSet::new();
    let mut mkdirs = |c: &mut Cpio, p: &str| {
        let mut acc = String::new();
        for part in p.trim_start_matches('/').split('/').collect::<Vec<_>>().split_last().map(|x| x.1).unwrap_or(&[]) {
            acc.push('/');
            acc.push_str(part);
            if dirs.insert(acc.clone()) {
                c.dir(&acc);
            }
        }
    };
    for d in ["/proc", "/sys", "/dev", "/tmp", "/m", "/bin", "/sbin"] {
        mkdirs(&mut c, &format!("{d}/x"));
    }
    c.entry("dev/console", 0o020600, &[], (5, 1));
    c.file("bin/busybox", &std::fs::read("/bin/busybox").unwrap(), true);
    // the applets the init script uses (kmod's tools are in /sbin, called by full path)
    for a in ["sh", "mount", "stty", "cat", "ls", "tr", "dmesg", "base64", "uname", "poweroff", "grep", "cp"] {
        c.symlink(&format!("bin/{a}"), "busybox");
    }
    c.file("bin/kmod", &std::fs::read("/bin/kmod").unwrap(), true);
    for t in ["insmod", "rmmod", "lsmod"] {
        c.symlink(&format!("sbin/{t}"), "../bin/kmod");
    }
    for lib in ldd("/bin/kmod") {
        mkdirs(&mut c, &lib);
        c.file(&lib, &std::fs::read(&lib).unwrap(), true);
    }
    c.file("init", GUEST_INIT.as_bytes(), true);
    c.file("plan", plan.as_bytes(), false);
    for (path, bytes) in files {
        mkdirs(&mut c, path);
        c.file(path, bytes, false);
    }
    c.finish()
}

struct Qemu {
    child: std::process::Child,
    out: PathBuf,
    console: PathBuf,
    started: Instant,
    killed: bool,
}

fn start_qemu(env: &Env, work: &Path, initrd: &Path) -> Qemu {
    let out = work.join("guest-out.txt");
    let console = work.join("guest-console.txt");
    let child = Command::new("qemu-system-x86_64")
        .args(["-machine", "accel=tcg", "-m", "512", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot"])
        .arg("-kernel")
        .arg(&env.vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", "console=ttyS0 quiet loglevel=1 panic=-1 oops=panic"])
        .arg("-serial")
        .arg(format!("file:{}", console.display()))
        .arg("-serial")
        .arg(format!("file:{}", out.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(work.join("qemu-stderr.txt")).unwrap())
        .spawn()
        .expect("start qemu-system-x86_64");
    Qemu { child, out, console, started: Instant::now(), killed: false }
}

/// What one boot reported.
struct GuestResult {
    run: GuestRun,
    console: String,
    time: Duration,
    timed_out: bool,
}

impl Qemu {
    /// True once the guest has powered off (or was killed after `limit`).
    fn finished(&mut self, limit: Duration) -> bool {
        if self.child.try_wait().unwrap().is_some() {
            return true;
        }
        if self.started.elapsed() > limit {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.killed = true;
            return true;
        }
        false
    }

    fn result(self) -> GuestResult {
        let text = lossy(&std::fs::read(&self.out).unwrap_or_default());
        let mut console = lossy(&std::fs::read(&self.console).unwrap_or_default());
        if let Ok(e) = std::fs::read(self.out.with_file_name("qemu-stderr.txt")) {
            console.push_str(&lossy(&e));
        }
        let time = self.started.elapsed();
        GuestResult { run: parse_guest(&text), console, time, timed_out: self.killed }
    }
}

/// Boots every (directory, initrd) with at most `jobs` QEMUs at a time; results in order.
/// Each boot may take `limit`; all of them together `total` (boots not started by
/// then are reported as missing).
fn run_guests(env: &Env, boots: Vec<(PathBuf, PathBuf)>, jobs: usize, limit: Duration, total: Duration) -> Vec<GuestResult> {
    let t0 = Instant::now();
    let mut results: Vec<Option<GuestResult>> = boots.iter().map(|_| None).collect();
    let mut running: Vec<(usize, Qemu)> = Vec::new();
    let mut next = 0;
    while next < boots.len() || !running.is_empty() {
        while next < boots.len() && running.len() < jobs.max(1) && t0.elapsed() < total {
            running.push((next, start_qemu(env, &boots[next].0, &boots[next].1)));
            next += 1;
        }
        if next < boots.len() && running.is_empty() {
            break;
        }
        let mut i = 0;
        while i < running.len() {
            let left = total.saturating_sub(t0.elapsed());
            let this_limit = limit.min(running[i].1.started.elapsed() + left);
            if running[i].1.finished(this_limit) {
                let (k, q) = running.remove(i);
                results[k] = Some(q.result());
            } else {
                i += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or(GuestResult {
                run: GuestRun { boot: None, steps: BTreeMap::new(), done: false },
                console: "(not started: the time for all boots was used up)".into(),
                time: Duration::ZERO,
                timed_out: true,
            })
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// The host side
// ------------------------------------------------------------------------------------------

struct Host {
    bin: PathBuf,
    work: PathBuf,
    rundir: PathBuf,
    log_seen: usize,
    /// The daemon's pid (`serve.pid`), to notice when a step kills it.
    pid: Option<i32>,
    /// A daemon died in this boot group: later differences may be its consequences.
    restarted: bool,
}

impl Host {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o = Command::new(&self.bin)
            .args(args)
            .current_dir(&self.work)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("MODHOST_RUNTIME_DIR", &self.rundir)
            .stdin(Stdio::null())
            .output()
            .expect("run modhost");
        (o.status.code().unwrap_or(128 + std::os::unix::process::ExitStatusExt::signal(&o.status).unwrap_or(0)), lossy(&o.stdout), lossy(&o.stderr))
    }

    fn cat(&self, path: &str) -> Option<String> {
        let (rc, out, _) = self.run(&["cat", path]);
        (rc == 0).then_some(out)
    }

    fn log_lines(&self) -> Vec<String> {
        self.run(&["dmesg"]).1.lines().map(str::to_string).collect()
    }

    fn start(&mut self) -> Result<(), String> {
        let (rc, out, err) = self.run(&["cat", "/proc/sys/kernel/tainted"]);
        if rc != 0 {
            return Err(format!("modhost did not start: {out}{err}"));
        }
        self.log_seen = self.log_lines().len();
        self.pid = self.daemon_pid();
        Ok(())
    }

    fn daemon_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.rundir.join("serve.pid")).ok()?.trim().parse().ok()
    }

    /// After a step: if the daemon died during it (its `serve.pid` changed: the first
    /// command after the crash started a new one, with a fresh kernel), say so.
    fn check_restart(&mut self, err: &mut String) -> bool {
        let now = self.daemon_pid();
        if now == self.pid {
            return false;
        }
        err.push_str("[harness] the host kernel daemon (modhost serve) died during this step; a new one was started\n");
        self.pid = now;
        self.restarted = true;
        true
    }

    fn sysinfo(&self, proc: &str) -> String {
        let mut s = String::new();
        for l in proc.lines() {
            let name = l.split(' ').next().unwrap_or("");
            let d = format!("/sys/module/{name}");
            let get = |a: &str| {
                let (_, out, err) = self.run(&["cat", &format!("{d}/{a}")]);
                (out + &err).trim_end_matches('\n').to_string()
            };
            let holders = match self.run(&["ls", &format!("{d}/holders")]) {
                (0, out, _) => out.lines().map(|h| format!("{h},")).collect::<String>(),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "{name} initstate={} refcnt={} taint={} coresize={} initsize={} holders={holders}",
                get("initstate"),
                get("refcnt"),
                get("taint"),
                get("coresize"),
                get("initsize")
            );
            if let (0, out, _) = self.run(&["ls", &format!("{d}/parameters")]) {
                let mut ps: Vec<&str> = out.lines().collect();
                ps.sort();
                for p in ps {
                    let _ = writeln!(s, "{name} param {p}={}", get(&format!("parameters/{p}")));
                }
            }
        }
        s
    }

    fn observe(&mut self, rc: i32, out: String, mut err: String) -> Obs {
        let proc = self.cat("/proc/modules").unwrap_or_else(|| "<modhost cat /proc/modules failed>\n".into());
        let restarted = self.check_restart(&mut err);
        let sys = self.sysinfo(&proc);
        let taint = self.cat("/proc/sys/kernel/tainted").unwrap_or_default().trim().to_string();
        let lines = self.log_lines();
        // after a restart: the new daemon's log, without its start-up line
        let from = if restarted { 0 } else { self.log_seen };
        let new = lines
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .filter(|l| !(restarted && strip_ts(l).starts_with("modhost: host kernel ")))
            .map(|l| format!("{l}\n"))
            .collect();
        self.log_seen = lines.len();
        Obs { after_restart: false, rc: rc.to_string(), out, err, proc, taint, sys, log: new }
    }

    fn step(&mut self, s: &Step) -> Obs {
        if !s.is_reset {
            let argv: Vec<&str> = s.argv.iter().map(String::as_str).collect();
            let (rc, out, err) = self.run(&argv);
            return self.observe(rc, out, err);
        }
        // the guest's do_reset, step for step
        let (mut out, mut err) = (String::new(), String::new());
        for _ in 0..3 {
            let pm = self.cat("/proc/modules").unwrap_or_default();
            if pm.is_empty() {
                break;
            }
            for l in pm.lines() {
                let w: Vec<&str> = l.split(' ').collect();
                let name = w[0];
                let force = w.get(3).is_some_and(|u| u.contains("[permanent]"));
                let args: Vec<&str> = if force { vec!["rmmod", "-f", name] } else { vec!["rmmod", name] };
                out.push_str(&args.join(" "));
                out.push('\n');
                let (_, o, e) = self.run(&args);
                out.push_str(&o);
                err.push_str(&e);
            }
        }
        let rc = i32::from(!self.cat("/proc/modules").unwrap_or_default().is_empty());
        self.observe(rc, out, err)
    }

    fn stop(&self) {
        if let Ok(pid) = std::fs::read_to_string(self.rundir.join("serve.pid")) {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Normalisation, allowed differences, comparison
// ------------------------------------------------------------------------------------------

fn glob(p: &str, s: &str) -> bool {
    let (p, s) = (p.as_bytes(), s.as_bytes());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// `tests/diff/allowed`: `<scenario-glob> <field> <line-glob> -- <reason>`; the reason
/// must be a `[reason]` heading of docs/compat-diff.md. A line of that field matching
/// the glob is dropped on both sides before comparing.
struct Allowed {
    scenario: String,
    field: String,
    line: String,
}

/// The rules of one of the `tests/diff/` files: one per line (blank lines and `#`
/// comments skipped), each ending in ` -- <reason>`, where the reason must be the
/// `[tag]` of a heading in docs/compat-diff.md. Returns (file:line, rule).
fn load_rules(root: &Path, file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root.join("tests/diff").join(file)).unwrap_or_default();
    let mut v = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let l = l.trim_end();
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let at = format!("tests/diff/{file}:{}", n + 1);
        let (rule, reason) = l.rsplit_once(" -- ").unwrap_or_else(|| panic!("{at}: no ` -- <reason>`"));
        check_reason(root, reason.trim(), &at);
        v.push((at, rule.to_string()));
    }
    v
}

fn load_allowed(root: &Path) -> Vec<Allowed> {
    load_rules(root, "allowed")
        .into_iter()
        .map(|(at, rule)| {
            let mut w = rule.splitn(3, ' ');
            let (Some(s), Some(f), Some(g)) = (w.next(), w.next(), w.next()) else { panic!("{at}: bad rule") };
            assert!(FIELDS.contains(&f), "{at}: unknown field {f}");
            // the line glob keeps its leading spaces (" *": call-trace entries)
            Allowed { scenario: s.into(), field: f.into(), line: g.trim_end().into() }
        })
        .collect()
}

/// Log lines Linux writes for reasons that have nothing to do with the step (one glob
/// per line in tests/diff/linux-log-ignore).
fn load_log_ignore(root: &Path) -> Vec<String> {
    load_rules(root, "linux-log-ignore").into_iter().map(|(_, g)| g.trim().to_string()).collect()
}

/// `tests/diff/log-masks`: one prefix per line; in every log line of both sides, the
/// word after each occurrence of a prefix becomes `*`.
fn load_log_masks(root: &Path) -> Vec<String> {
    load_rules(root, "log-masks")
        .into_iter()
        .map(|(at, p)| {
            assert!(!p.trim().is_empty(), "{at}: empty prefix");
            p.trim().to_string()
        })
        .collect()
}

/// Replaces the word after every occurrence of each prefix with `*`.
fn mask_words(line: &str, masks: &[String]) -> String {
    let mut out = line.to_string();
    for p in masks {
        let mut from = 0;
        while let Some(at) = out[from..].find(p.as_str()).map(|i| i + from) {
            let mut start = at + p.len();
            start += out[start..].len() - out[start..].trim_start_matches(' ').len();
            let end = out[start..].find(' ').map_or(out.len(), |e| start + e);
            out.replace_range(start..end, "*");
            from = start + 1;
        }
    }
    out
}

/// A reason tag must be the `[tag]` of a heading of docs/compat-diff.md.
fn check_reason(root: &Path, reason: &str, at: &str) {
    let doc = std::fs::read_to_string(root.join("docs/compat-diff.md")).unwrap_or_default();
    assert!(doc.lines().any(|h| h.starts_with('#') && h.contains(&format!("[{reason}]"))), "{at}: reason [{reason}] has no heading in docs/compat-diff.md");
}

fn normalise(o: &Obs, linux: bool, ignore: &[String], masks: &[String]) -> Obs {
    let log = o
        .log
        .lines()
        .map(strip_ts)
        .filter(|l| !(linux && ignore.iter().any(|g| glob(g, l))))
        .map(|l| format!("{}\n", mask_words(l, masks)))
        .collect();
    Obs {
        after_restart: o.after_restart,
        rc: o.rc.clone(),
        out: o.out.clone(),
        err: o.err.clone(),
        proc: mask_proc(&o.proc),
        taint: o.taint.clone(),
        sys: norm_sys(&o.sys),
        log,
    }
}

fn drop_allowed(text: &str, scenario: &str, field: &str, allowed: &[Allowed]) -> String {
    text.lines().filter(|l| !allowed.iter().any(|a| a.field == field && glob(&a.scenario, scenario) && glob(&a.line, l))).map(|l| format!("{l}\n")).collect()
}

/// A line diff (LCS): "  same", "- Linux only", "+ host only".
fn diff(a: &str, b: &str) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] { t[i + 1][j + 1] + 1 } else { t[i + 1][j].max(t[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut s) = (0, 0, String::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            let _ = writeln!(s, "      {}", a[i]);
            i += 1;
            j += 1;
        } else if j < m && (i == n || t[i][j + 1] >= t[i + 1][j]) {
            let _ = writeln!(s, "    + {}", b[j]);
            j += 1;
        } else {
            let _ = writeln!(s, "    - {}", a[i]);
            i += 1;
        }
    }
    s
}

/// What kmod's message says the syscall returned (for the report).
fn outcome(o: &Obs) -> String {
    if o.rc == "0" {
        return "ok".into();
    }
    let msg = o.err.lines().last().unwrap_or("");
    if msg.contains(" is in use by:") || msg.ends_with(" is in use") {
        return "refused by rmmod (in use)".into();
    }
    if msg.contains("is not currently loaded") {
        return "refused by rmmod (not loaded)".into();
    }
    let text = msg.rsplit(": ").next().unwrap_or("");
    let special = [(8, "Invalid module format"), (2, "Unknown symbol in module"), (3, "Module has wrong symbol version"), (22, "Invalid parameters")];
    let errno = special.iter().find(|(_, s)| *s == text).map(|(e, _)| *e).or_else(|| {
        (1..134).find(|&e| {
            let s = std::io::Error::from_raw_os_error(e).to_string();
            s.split(" (os error").next() == Some(text)
        })
    });
    match errno {
        Some(e) => format!("{} ({e})", errno_name(e)),
        None => format!("rc {} ({text})", o.rc),
    }
}

fn errno_name(e: i32) -> &'static str {
    match e {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        5 => "EIO",
        8 => "ENOEXEC",
        11 => "EAGAIN",
        12 => "ENOMEM",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        28 => "ENOSPC",
        30 => "EROFS",
        34 => "ERANGE",
        61 => "ENODATA",
        65 => "ENOPKG",
        74 => "EBADMSG",
        95 => "EOPNOTSUPP",
        126 => "ENOKEY",
        129 => "EKEYREJECTED",
        _ => "errno",
    }
}

// ------------------------------------------------------------------------------------------
// The test
// ------------------------------------------------------------------------------------------

/// Runs every step in the host kernel: one daemon per boot group.
fn host_side(steps: &[Step], boots: &[String], work: &Path) -> (Vec<Obs>, Duration) {
    let th = Instant::now();
    let mut obs: Vec<Obs> = vec![Obs::default(); steps.len()];
    for b in boots {
        let rundir = work.join(format!("boot-{b}/run"));
        let mut host = Host { bin: PathBuf::from(env!("CARGO_BIN_EXE_modhost")), work: work.to_path_buf(), rundir, log_seen: 0, pid: None, restarted: false };
        if let Err(e) = host.start() {
            host.stop();
            panic!("{e}");
        }
        for (i, s) in steps.iter().enumerate().filter(|(_, s)| &s.boot == b) {
            let after_restart = host.restarted;
            obs[i] = host.step(s);
            // a step that itself killed the daemon is no consequence of an earlier one
            obs[i].after_restart = after_restart && !obs[i].err.contains("[harness] the host kernel daemon");
        }
        host.stop();
    }
    (obs, th.elapsed())
}

#[test]
fn host_kernel_matches_linux() {
    let t0 = Instant::now();
    let root = repo_root();
    let cache = PathBuf::from(std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into()));
    let env = match load_env(&cache) {
        Ok(e) => e,
        Err(e) => skip!("{e}"),
    };
    if let Err(e) = ensure_tools() {
        skip!("{e}");
    }

    // scenarios
    let only: Vec<String> =
        std::env::var("MODHOST_DIFF_SCENARIOS").map(|s| s.split(',').map(str::to_string).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/diff/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "scn"))
        .collect();
    files.sort();
    files.retain(|p| {
        let n = p.file_stem().unwrap().to_string_lossy();
        only.is_empty() || only.iter().any(|o| n.contains(o.as_str()))
    });
    assert!(!files.is_empty(), "no scenarios selected");

    // work directory
    let diffdir = cache.join("diff");
    // work directories kept by earlier runs whose process is gone
    for e in std::fs::read_dir(&diffdir).into_iter().flatten().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = n.strip_prefix("run-") {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let work = diffdir.join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("m")).unwrap();

    // resolve every step; each module reference becomes m/<k>/<name>
    let mut steps: Vec<Step> = Vec::new();
    let mut made: HashMap<String, String> = HashMap::new();
    let mut file_bytes: HashMap<String, Vec<u8>> = HashMap::new();
    let mut notes: BTreeMap<String, String> = BTreeMap::new();
    let mut boots: Vec<String> = Vec::new();
    for f in &files {
        let scen = f.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(f).unwrap();
        let (boot, cmds) = parse_scenario(&scen, &text).unwrap_or_else(|e| panic!("{e}"));
        if !boots.contains(&boot) {
            boots.push(boot.clone());
        }
        for (line, cmd) in cmds.into_iter().chain(std::iter::once(("reset (end of scenario)".to_string(), Cmd::Reset))) {
            let (argv, is_reset, note) = match &cmd {
                Cmd::Insmod(opts, r, args) => {
                    if !made.contains_key(r) {
                        let m = resolve(&env, r).unwrap_or_else(|e| panic!("{scen}: {e}"));
                        let p = format!("m/{}/{}", made.len(), m.basename);
                        if let Some(b) = m.bytes {
                            std::fs::create_dir_all(work.join(&p).parent().unwrap()).unwrap();
                            std::fs::write(work.join(&p), &b).unwrap();
                            file_bytes.insert(p.clone(), b);
                        }
                        if !m.notes.is_empty() {
                            notes.insert(r.clone(), m.notes.join("; "));
                        }
                        made.insert(r.clone(), p);
                    }
                    let mut v = vec!["insmod".to_string()];
                    v.extend(opts.iter().cloned());
                    v.push(made[r].clone());
                    v.extend(args.iter().cloned());
                    (v, false, notes.get(r).cloned())
                }
                Cmd::Rmmod(a) => (std::iter::once("rmmod".to_string()).chain(a.iter().cloned()).collect(), false, None),
                Cmd::Reset => (vec!["reset".to_string()], true, None),
                Cmd::View(a) => (std::iter::once("view".to_string()).chain(a.iter().cloned()).collect(), false, None),
            };
            steps.push(Step { scenario: scen.clone(), boot: boot.clone(), text: line, argv, is_reset, note });
        }
    }

    // Linux: one QEMU boot per boot group, all started now (they run in the background)
    let secs = |var: &str, default: u64| Duration::from_secs(std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or(default));
    let limit = secs("MODHOST_DIFF_TIMEOUT", 900);
    let total_limit = secs("MODHOST_DIFF_TOTAL_TIMEOUT", 1200);
    let mut guest_boots = Vec::new();
    for b in &boots {
        let dir = work.join(format!("boot-{b}"));
        std::fs::create_dir_all(&dir).unwrap();
        let plan: String = steps.iter().enumerate().filter(|(_, s)| &s.boot == b).map(|(i, s)| format!("{i} {}\n", s.argv.join(" "))).collect();
        std::fs::write(dir.join("plan"), &plan).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for s in steps.iter().filter(|s| &s.boot == b) {
            for a in &s.argv {
                if let Some(bytes) = file_bytes.get(a) {
                    if !files.iter().any(|(p, _)| p == a) {
                        files.push((a.clone(), bytes.clone()));
                    }
                }
            }
        }
        let initrd = dir.join("initrd.cpio");
        std::fs::write(&initrd, build_initramfs(&plan, &files)).unwrap();
        guest_boots.push((dir, initrd));
    }
    // two at a time by default: the first (largest) boot is the critical path
    let jobs = std::env::var("MODHOST_DIFF_JOBS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let (guests, (host_obs, host_time)) = std::thread::scope(|sc| {
        let env = &env;
        let h = sc.spawn(move || run_guests(env, guest_boots, jobs, limit, total_limit));
        // the host kernel meanwhile
        let host = host_side(&steps, &boots, &work);
        (h.join().unwrap(), host)
    });

    let mut guest_steps: BTreeMap<usize, Obs> = BTreeMap::new();
    let mut guest_problems = String::new();
    let mut guest_time = Duration::ZERO;
    let mut boot_lines = Vec::new();
    for (b, g) in boots.iter().zip(guests) {
        let GuestResult { run, console, time: t, timed_out } = g;
        guest_time = guest_time.max(t);
        boot_lines.push(format!(
            "{b}: {} in {:.1}s",
            run.boot.as_deref().map_or("did not boot".to_string(), |x| format!("Linux {x} (release, taint at start)")),
            t.as_secs_f64()
        ));
        if !run.done {
            let tail: Vec<&str> = console.lines().rev().take(40).collect();
            let _ = writeln!(
                guest_problems,
                "\nThe Linux guest of boot {b} did not finish its plan{}. Last console lines:\n{}",
                if timed_out { " (timed out)" } else { "" },
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        guest_steps.extend(run.steps);
    }

    // compare
    let ignore = load_log_ignore(&root);
    let masks = load_log_masks(&root);
    let allowed = load_allowed(&root);
    let mut report = String::new();
    let mut summary = String::new();
    let mut bad_steps = 0;
    let mut per_scenario: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, s) in steps.iter().enumerate() {
        let e = per_scenario.entry(&s.scenario).or_default();
        e.0 += 1;
        let h = normalise(&host_obs[i], false, &ignore, &masks);
        let Some(l) = guest_steps.get(&i) else {
            e.1 += 1;
            bad_steps += 1;
            let _ = writeln!(summary, "! {:<22} {:>3} {:<58} Linux: (no report)  host: {}", s.scenario, i, s.text, outcome(&h));
            let _ =
                writeln!(report, "\n[{}] step {i}: {}\n  Linux: no report (the guest stopped before this step)\n  host: {}", s.scenario, s.text, outcome(&h));
            continue;
        };
        let l = normalise(l, true, &ignore, &masks);
        let mut fields = String::new();
        for f in FIELDS {
            let (a, b) = (drop_allowed(l.field(f), &s.scenario, f, &allowed), drop_allowed(h.field(f), &s.scenario, f, &allowed));
            if a != b {
                let _ = write!(fields, "  {f} (- Linux, + host):\n{}", diff(&a, &b));
            }
        }
        let mut line = format!("{:<22} {:>3} {:<58} Linux: {:<26} host: {}", s.scenario, i, s.text, outcome(&l), outcome(&h));
        if h.after_restart && !fields.is_empty() {
            line.push_str("   (after a host daemon crash: may be a consequence)");
        }
        let _ = writeln!(summary, "{}{}", if fields.is_empty() { "  " } else { "! " }, line.trim_end());
        if !fields.is_empty() {
            e.1 += 1;
            bad_steps += 1;
            let _ = writeln!(report, "\n[{}] step {i}: {}\n  command: {}", s.scenario, s.text, s.argv.join(" "));
            if let Some(n) = &s.note {
                let _ = writeln!(report, "  module: {n}");
            }
            if h.after_restart {
                let _ = writeln!(report, "  note: the host daemon of this boot crashed at an earlier step; this may be a consequence");
            }
            let _ = writeln!(report, "  Linux: {}   host: {}\n{fields}", outcome(&l), outcome(&h));
        }
    }
    let mut head = String::new();
    let _ = writeln!(
        head,
        "Linux differential test: {} scenarios, {} steps, {} boots; Linux {:.1}s, host {:.1}s, total {:.1}s",
        per_scenario.len(),
        steps.len(),
        boots.len(),
        guest_time.as_secs_f64(),
        host_time.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    for b in &boot_lines {
        let _ = writeln!(head, "  boot {b}");
    }
    for (sc, (n, bad)) in &per_scenario {
        let _ = writeln!(head, "  {:<24} {}", sc, if *bad == 0 { format!("agree ({n} steps)") } else { format!("DIFFER in {bad} of {n} steps") });
    }
    let notes_text: String = notes.iter().map(|(r, n)| format!("  {r}: {n}\n")).collect();
    let full = format!(
        "{head}\nSteps (! = differs):\n{summary}\nGenerated modules:\n{notes_text}\nDifferences:{}{report}{guest_problems}\n",
        if bad_steps == 0 { " none\n" } else { "\n" }
    );
    std::fs::write(work.join("report.txt"), &full).unwrap();
    let _ = std::fs::write(diffdir.join("last-report.txt"), &full);
    let _ = std::io::stderr().write_all(full.as_bytes());
    let keep = std::env::var("MODHOST_DIFF_KEEP").as_deref() == Ok("1") || bad_steps != 0 || !guest_problems.is_empty();
    if keep {
        eprintln!("work directory kept: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    assert!(guest_problems.is_empty(), "a Linux guest did not complete its plan (see {})", work.display());
    assert_eq!(bad_steps, 0, "{bad_steps} steps differ between Linux and the host kernel (report above; {})", diffdir.join("last-report.txt").display());
}
