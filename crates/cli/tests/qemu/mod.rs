//! What the QEMU harnesses share (`linux_diff.rs`, the loader against Linux, and
//! `qemu_tools.rs`, kmod's tools against modhost's inside Linux): the fixture
//! environment, module references and the files they make (patches, mutations), the
//! initramfs writer, QEMU boots, the log and `/proc/modules` normalisation, rule files
//! and the report's line diff.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn require() -> bool {
    std::env::var("MODHOST_REQUIRE_FIXTURES").as_deref() == Ok("1")
}

// ------------------------------------------------------------------------------------------
// Environment: fixtures, test modules, QEMU
// ------------------------------------------------------------------------------------------

pub struct Env {
    pub release: String,
    pub root: PathBuf,
    pub vmlinuz: PathBuf,
    pub test_modules: HashMap<String, PathBuf>,
}

pub fn read_kv(path: &Path) -> Option<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect())
}

pub fn load_env(cache: &Path) -> Result<Env, String> {
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

pub fn have(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

pub fn is_static_busybox() -> bool {
    // Debian's busybox-static installs a static /bin/busybox; a dynamic one would need its libs.
    let Ok(out) = Command::new("ldd").arg("/bin/busybox").output() else { return false };
    let t = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    t.contains("not a dynamic executable") || t.contains("statically linked")
}

/// QEMU, busybox-static and the real kmod; installed with apt-get when missing (as root).
pub fn ensure_tools() -> Result<(), String> {
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


/// A module file made from a reference: its bytes (None: a path that does not exist),
/// the file name to give it, and notes on what was done to it.
pub struct Made {
    pub bytes: Option<Vec<u8>>,
    pub basename: String,
    pub notes: Vec<String>,
}

pub fn resolve(env: &Env, r: &str) -> Result<Made, String> {
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

pub const SIG_MAGIC: &[u8] = b"~Module signature appended~\n";

pub fn rd(d: &[u8], at: usize, n: usize) -> Option<u64> {
    let s = d.get(at..at.checked_add(n)?)?;
    Some(s.iter().rev().fold(0u64, |a, &b| a << 8 | u64::from(b)))
}

#[derive(Debug, Clone)]
pub struct Sec {
    pub name: String,
    pub ty: u32,
    pub off: usize,
    pub size: usize,
    /// Offset of this section header in the file.
    pub hdr: usize,
}

pub fn sections(d: &[u8]) -> Option<Vec<Sec>> {
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

pub fn section<'a>(secs: &'a [Sec], name: &str) -> Result<&'a Sec, String> {
    secs.iter().find(|s| s.name == name).ok_or_else(|| format!("no {name} section"))
}

/// A signed module's layout: content, PKCS#7 blob, `struct module_signature` (12
/// bytes, big-endian blob length last), magic. Returns (blob start = content length,
/// blob length).
pub fn sig_parts(d: &[u8]) -> Option<(usize, usize)> {
    let n = d.len().checked_sub(SIG_MAGIC.len() + 12)?;
    if &d[n + 12..] != SIG_MAGIC {
        return None;
    }
    let sig_len = u32::from_be_bytes(d[n + 8..n + 12].try_into().unwrap()) as usize;
    Some((n.checked_sub(sig_len)?, sig_len))
}

pub fn strip_sig(d: &[u8]) -> Vec<u8> {
    match sig_parts(d) {
        Some((len, _)) => d[..len].to_vec(),
        None => d.to_vec(),
    }
}

/// Offset and length of the `vermagic=` string inside `.modinfo`.
pub fn vermagic(d: &[u8]) -> Result<(usize, usize), String> {
    let secs = sections(d).ok_or("not an ELF64 LSB file")?;
    let mi = section(&secs, ".modinfo")?;
    let data = &d[mi.off..mi.off + mi.size];
    let p = data.windows(9).position(|w| w == b"vermagic=").ok_or("no vermagic")?;
    let len = data[p..].iter().position(|&b| b == 0).unwrap_or(data.len() - p);
    Ok((mi.off + p, len))
}

pub fn patch(op: &str, d: &[u8]) -> Result<(Vec<u8>, String), String> {
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
pub struct Rng(u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// The mutation named by `seed`; its kind is `seed % MUTATION_KINDS` (tests/diff/README.md).
pub const MUTATION_KINDS: u64 = 12;

pub fn mutate(seed: u64, d: &[u8]) -> (Vec<u8>, String) {
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


pub fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `/proc/modules` with the address field masked.
pub fn mask_proc(t: &str) -> String {
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
pub fn strip_ts(l: &str) -> &str {
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
pub fn norm_sys(t: &str) -> String {
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

pub fn b64decode(s: &str) -> Vec<u8> {
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
pub fn kmsg_escape(b: &[u8]) -> String {
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


// ------------------------------------------------------------------------------------------
// The initramfs (newc cpio, uncompressed) and the QEMU run
// ------------------------------------------------------------------------------------------

#[derive(Default)]
pub struct Cpio {
    buf: Vec<u8>,
    ino: u32,
}

impl Cpio {
    pub fn entry(&mut self, name: &str, mode: u32, data: &[u8], rdev: (u32, u32)) {
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
    pub fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }
    pub fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, &[], (0, 0));
    }
    pub fn file(&mut self, name: &str, data: &[u8], exec: bool) {
        self.entry(name, if exec { 0o100755 } else { 0o100644 }, data, (0, 0));
    }
    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, 0o120777, target.as_bytes(), (0, 0));
    }
    /// The bytes written so far (always 4-aligned), handed out to be streamed to a
    /// file; the archive goes on after them.
    pub fn drain(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, &[], (0, 0));
        while !self.buf.len().is_multiple_of(512) {
            self.buf.push(0);
        }
        self.buf
    }
}

/// `$cache/tools/<release>/tree.cpio`: the fixture's `lib/modules/<release>` as a newc
/// archive, built once (temp file and rename).
pub fn tree_cpio(env: &Env, cache: &Path) -> PathBuf {
    let dir = cache.join("tools").join(&env.release);
    let out = dir.join("tree.cpio");
    let src = env.root.join("lib/modules").join(&env.release);
    let stamp = std::fs::metadata(src.join("modules.dep")).map(|m| m.len()).unwrap_or(0);
    let key = dir.join("tree.key");
    if out.is_file() && std::fs::read_to_string(&key).ok().as_deref() == Some(&format!("{stamp}\n")) {
        return out;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let tmp = dir.join(format!("tree.cpio.tmp{}", std::process::id()));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap());
    let mut c = Cpio::default();
    c.dir("lib");
    c.dir("lib/modules");
    fn walk(c: &mut Cpio, f: &mut impl std::io::Write, host: &Path, guest: &str) {
        c.dir(guest);
        let mut ents: Vec<_> = std::fs::read_dir(host).unwrap().map(|e| e.unwrap()).collect();
        ents.sort_by_key(|e| e.file_name());
        for e in ents {
            let name = format!("{guest}/{}", e.file_name().to_string_lossy());
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                walk(c, f, &e.path(), &name);
            } else if ft.is_symlink() {
                c.symlink(&name, &std::fs::read_link(e.path()).unwrap().to_string_lossy());
            } else if ft.is_file() {
                c.file(&name, &std::fs::read(e.path()).unwrap(), false);
            }
            f.write_all(&c.drain()).unwrap();
        }
    }
    walk(&mut c, &mut f, &src, &format!("lib/modules/{}", env.release));
    f.write_all(&c.finish()).unwrap();
    f.into_inner().unwrap().sync_all().unwrap();
    std::fs::rename(&tmp, &out).unwrap();
    std::fs::write(&key, format!("{stamp}\n")).unwrap();
    out
}

/// The shared libraries of a dynamic executable, as ldd lists them.
pub fn ldd(exe: &str) -> Vec<String> {
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

/// How a guest is booted: memory (MiB), extra kernel command line words, extra
/// QEMU arguments (devices).
#[derive(Clone, Debug)]
pub struct QemuOpts {
    pub mem_mb: u32,
    pub append: String,
    pub extra: Vec<String>,
}

impl Default for QemuOpts {
    fn default() -> Self {
        QemuOpts { mem_mb: 512, append: String::new(), extra: Vec::new() }
    }
}

pub struct Qemu {
    child: std::process::Child,
    out: PathBuf,
    console: PathBuf,
    started: Instant,
    killed: bool,
}

/// Boots `env`'s kernel with `initrd`; the console goes to `work/guest-console.txt`,
/// the second serial port (the harness's report) to `work/guest-out.txt`.
pub fn start_qemu(env: &Env, work: &Path, initrd: &Path, opts: &QemuOpts) -> Qemu {
    let out = work.join("guest-out.txt");
    let console = work.join("guest-console.txt");
    let mem = opts.mem_mb.to_string();
    let append = format!("console=ttyS0 quiet loglevel=1 panic=-1 oops=panic {}", opts.append).trim_end().to_string();
    let child = Command::new("qemu-system-x86_64")
        .args(["-machine", "accel=tcg", "-m", &mem, "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot"])
        .arg("-kernel")
        .arg(&env.vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", &append])
        .args(&opts.extra)
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

/// What one boot wrote: the report port's text, the console (and QEMU's stderr).
pub struct GuestResult {
    pub text: String,
    pub console: String,
    pub time: Duration,
    pub timed_out: bool,
}

impl Qemu {
    /// True once the guest has powered off (or was killed after `limit`).
    pub fn finished(&mut self, limit: Duration) -> bool {
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

    pub fn result(self) -> GuestResult {
        let text = lossy(&std::fs::read(&self.out).unwrap_or_default());
        let mut console = lossy(&std::fs::read(&self.console).unwrap_or_default());
        if let Ok(e) = std::fs::read(self.out.with_file_name("qemu-stderr.txt")) {
            console.push_str(&lossy(&e));
        }
        let time = self.started.elapsed();
        GuestResult { text, console, time, timed_out: self.killed }
    }
}

/// Boots every (directory, initrd) with at most `jobs` QEMUs at a time; results in order.
/// Each boot may take `limit`; all of them together `total` (boots not started by
/// then are reported as missing).
pub fn run_guests(env: &Env, boots: Vec<(PathBuf, PathBuf)>, opts: &QemuOpts, jobs: usize, limit: Duration, total: Duration) -> Vec<GuestResult> {
    let t0 = Instant::now();
    let mut results: Vec<Option<GuestResult>> = boots.iter().map(|_| None).collect();
    let mut running: Vec<(usize, Qemu)> = Vec::new();
    let mut next = 0;
    while next < boots.len() || !running.is_empty() {
        while next < boots.len() && running.len() < jobs.max(1) && t0.elapsed() < total {
            running.push((next, start_qemu(env, &boots[next].0, &boots[next].1, opts)));
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
                text: String::new(),
                console: "(not started: the time for all boots was used up)".into(),
                time: Duration::ZERO,
                timed_out: true,
            })
        })
        .collect()
}

pub fn glob(p: &str, s: &str) -> bool {
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


/// The rules of a file of `dir` (`tests/diff`, `tests/tools`): one per line (blank
/// lines and `#` comments skipped), each ending in ` -- <reason>`, where the reason
/// must be the `[tag]` of a heading in docs/compat-diff.md. Returns (file:line, rule).
pub fn load_rules(root: &Path, dir: &str, file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root.join(dir).join(file)).unwrap_or_default();
    let mut v = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let l = l.trim_end();
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let at = format!("{dir}/{file}:{}", n + 1);
        let (rule, reason) = l.rsplit_once(" -- ").unwrap_or_else(|| panic!("{at}: no ` -- <reason>`"));
        check_reason(root, reason.trim(), &at);
        v.push((at, rule.to_string()));
    }
    v
}

/// Replaces the word after every occurrence of each prefix with `*`.
pub fn mask_words(line: &str, masks: &[String]) -> String {
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
pub fn check_reason(root: &Path, reason: &str, at: &str) {
    let doc = std::fs::read_to_string(root.join("docs/compat-diff.md")).unwrap_or_default();
    assert!(doc.lines().any(|h| h.starts_with('#') && h.contains(&format!("[{reason}]"))), "{at}: reason [{reason}] has no heading in docs/compat-diff.md");
}

/// A line diff (LCS): "  same", "- Linux only", "+ host only".
pub fn diff(a: &str, b: &str) -> String {
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


pub fn errno_name(e: i32) -> &'static str {
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
