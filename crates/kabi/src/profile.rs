//! The ABI profile: what the host kernel presents itself as, derived from
//! Debian's own packages so that real Debian modules pass the loader's
//! modversion, vermagic and signature checks.
//!
//! Sources ([`Profile::from_debian`]):
//! - **exports** and **`module_layout`'s CRC**: `Module.symvers` (from
//!   `linux-headers-REL`), the lines whose module column is `vmlinux`.
//!   Format (checked on Debian's file): `0xCRC\tname\tmodule\texport_type\tnamespace`,
//!   export type `EXPORT_SYMBOL` or `EXPORT_SYMBOL_GPL`, namespace possibly empty.
//! - **vermagic**: the `.modinfo` `vermagic=` of the first module (in sorted
//!   path order) under `lib/modules/REL/kernel`; when the tree has no module,
//!   composed from `boot/config-REL` the way `<linux/vermagic.h>` does for
//!   x86_64: `REL␠` + `SMP␠` (CONFIG_SMP) + `preempt␠` (CONFIG_PREEMPT_BUILD)
//!   or `preempt_rt␠` (CONFIG_PREEMPT_RT) + `mod_unload␠` (CONFIG_MODULE_UNLOAD)
//!   + `modversions␠` (CONFIG_MODVERSIONS); the arch part is empty on x86_64.
//! - **per-CPU layout** and the symbols that locate the certificate list:
//!   `boot/System.map-REL` when it is a real map; Debian ships a one-line
//!   stub there (the real one is in the huge `-dbg` package), so then the
//!   kernel's own symbol table is used: the ELF symtab of the decompressed
//!   `vmlinux` if it has one, else its kallsyms tables (see [`vmlinuz`]).
//!   Per-CPU symbols are those of type `D`/`d`/`A`/`a` whose value lies in
//!   `[__per_cpu_start, __per_cpu_end)` (0-based on x86_64; kallsyms reports
//!   them as `A`); the static size is `__per_cpu_end - __per_cpu_start`.
//! - **signing certificates**: the DER certificates of
//!   `system_certificate_list` inside `vmlinux`, decompressed from
//!   `boot/vmlinuz-REL` (bzImage; gzip, xz and zstd payloads are supported,
//!   Debian 6.1 amd64 uses xz). Without symbols the image is scanned for
//!   DER certificates instead.
//!
//! [`Profile::save`] / [`Profile::load`] keep the result in a line-based text
//! file (format in [`Profile::save`]) so the host kernel starts without
//! decompressing `vmlinuz`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub mod cert;
pub mod signing;
pub mod vmlinuz;

pub use cert::{CertError, Certificate, PublicKey};
pub use signing::{verify_module_signature, SigError, SigErrorKind, SigOk};
pub use vmlinuz::{Compressor, ImageExport, KallsymsLayout, KernelSymbol};

/// The stack protector canary's offset in the per-CPU area
/// (`fixed_percpu_data.stack_canary`, read as `%gs:0x28`).
pub const STACK_CANARY_OFFSET: u64 = 0x28;

/// The ABI profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The kernel release, e.g. `6.1.0-56-amd64`.
    pub release: String,
    /// The vermagic string, with its trailing space.
    pub vermagic: String,
    /// Every vmlinux export of `Module.symvers`, in file order.
    pub exports: Vec<KernelExport>,
    pub percpu: PercpuLayout,
    /// CRC of `module_layout`.
    pub module_layout_crc: u32,
    /// The builtin trusted certificates (from `system_certificate_list`).
    pub signing_certs: Vec<Certificate>,
    /// `init_utsname()->version`, from the image's `linux_banner`, e.g.
    /// `#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)` (oops and
    /// WARN reports print its first word).
    pub uts_version: String,
}

/// One vmlinux export.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KernelExport {
    pub name: String,
    pub crc: u32,
    /// `EXPORT_SYMBOL_GPL`.
    pub gpl: bool,
    /// The symbol namespace, `""` if none.
    pub namespace: String,
    /// What the symbol is in the image: its `nm` type letter from the
    /// image's symbol table (`T`/`t` text, `D`/`d` data, `B`/`b` bss,
    /// `R`/`r` read-only data, `A` absolute), `?` when unknown (an entry
    /// parsed from `Module.symvers` alone).
    pub kind: char,
    /// The symbol's extent: the distance to the next symbol address in the
    /// image (kallsyms has no sizes; this is what `find_kallsyms_symbol`
    /// uses too), 0 when unknown.
    pub size: u64,
}

impl KernelExport {
    /// An export as `Module.symvers` describes it (kind and size unknown).
    pub fn new(name: &str, crc: u32, gpl: bool, namespace: &str) -> KernelExport {
        KernelExport { name: name.into(), crc, gpl, namespace: namespace.into(), kind: '?', size: 0 }
    }

    /// Whether the symbol is code (a function modules call).
    pub fn is_text(&self) -> bool {
        matches!(self.kind, 'T' | 't' | 'W' | 'w')
    }
}

/// The kernel's static per-CPU area.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PercpuLayout {
    /// Per-CPU symbols with their offsets, in address order (the
    /// `__per_cpu_start`/`__per_cpu_end` labels are not included).
    pub symbols: Vec<PercpuSymbol>,
    /// `__per_cpu_end - __per_cpu_start`: the static per-CPU size.
    pub static_size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercpuSymbol {
    pub name: String,
    /// Offset from the start of the per-CPU area.
    pub offset: u64,
    /// The `nm` type letter from the source (`D`, `d`, `A`, …).
    pub kind: char,
}

impl PercpuLayout {
    /// The offset of a per-CPU symbol (the first one of that name).
    pub fn offset_of(&self, name: &str) -> Option<u64> {
        self.symbols.iter().find(|s| s.name == name).map(|s| s.offset)
    }
}

/// Where the pieces of a profile came from (for logs and reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub compressor: Compressor,
    /// File offset and length of the compressed payload in vmlinuz.
    pub payload_offset: usize,
    pub payload_len: usize,
    /// Whether the payload was located by the setup header (else by magic scan).
    pub payload_from_header: bool,
    pub vmlinux_len: usize,
    pub symbols: SymbolSource,
    /// Virtual address (when located by symbol), file offset in vmlinux and
    /// length of the certificate list.
    pub cert_list_vaddr: Option<u64>,
    pub cert_list_offset: usize,
    pub cert_list_len: usize,
    /// The module whose vermagic was used (None: composed from the config).
    pub vermagic_module: Option<PathBuf>,
    /// Entries of the image's `__ksymtab`/`__ksymtab_gpl` that the
    /// `Module.symvers` exports were checked against (0: the image has none).
    pub image_exports_checked: usize,
}

/// Which symbol table the per-CPU layout and certificate list came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolSource {
    SystemMap,
    ElfSymtab,
    Kallsyms(KallsymsLayout),
}

/// Why a profile could not be built, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: {message}", path.display())]
    Symvers { path: PathBuf, line: usize, message: String },
    #[error("{}:{line}: {message}", path.display())]
    SystemMap { path: PathBuf, line: usize, message: String },
    #[error("{}: {message}", path.display())]
    Vmlinuz { path: PathBuf, message: String },
    #[error("symbol {0} not found")]
    MissingSymbol(String),
    #[error("no signing certificate found in {}", .0.display())]
    NoCertificates(PathBuf),
    #[error("vermagic: {0}")]
    Vermagic(String),
    #[error("{}:{line}: {message}", path.display())]
    Format { path: PathBuf, line: usize, message: String },
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// `Module.symvers` does not describe the kernel image (wrong headers?).
    #[error("Module.symvers does not match the kernel image: {0}")]
    Mismatch(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ProfileError + '_ {
    move |source| ProfileError::Io { path: path.to_path_buf(), source }
}

impl Profile {
    /// Builds the profile from a Debian root (`boot/vmlinuz-REL`,
    /// `boot/System.map-REL`, `boot/config-REL`, `lib/modules/REL/kernel`)
    /// and a `Module.symvers`.
    pub fn from_debian(root: &Path, release: &str, symvers: &Path) -> Result<Profile, ProfileError> {
        Self::from_debian_with_provenance(root, release, symvers).map(|(p, _)| p)
    }

    /// [`from_debian`](Self::from_debian), also telling where things were found.
    pub fn from_debian_with_provenance(root: &Path, release: &str, symvers: &Path) -> Result<(Profile, Provenance), ProfileError> {
        let boot = root.join("boot");
        let text = std::fs::read(symvers).map_err(io_err(symvers))?;
        let all = parse_symvers(&text).map_err(|(line, message)| ProfileError::Symvers { path: symvers.into(), line, message })?;
        let exports: Vec<KernelExport> = all.into_iter().filter(|e| e.module == "vmlinux").map(|e| e.export).collect();
        let module_layout_crc = exports
            .iter()
            .find(|e| e.name == "module_layout")
            .map(|e| e.crc)
            .ok_or_else(|| ProfileError::MissingSymbol("module_layout (in Module.symvers)".into()))?;

        // vmlinuz → vmlinux
        let vz_path = boot.join(format!("vmlinuz-{release}"));
        let bz = std::fs::read(&vz_path).map_err(io_err(&vz_path))?;
        let vz_err = |message: String| ProfileError::Vmlinuz { path: vz_path.clone(), message };
        let payload = vmlinuz::find_payload(&bz).map_err(vz_err)?;
        let vmlinux = vmlinuz::decompress(&bz, &payload).map_err(vz_err)?;
        drop(bz);
        let vm = vmlinuz::Vmlinux::parse(&vmlinux).map_err(vz_err)?;
        let image_exports = vm.ksymtab().map_err(vz_err)?;
        let uts_version = uts_version_from_banner(&vmlinux, release).ok_or_else(|| vz_err(format!("no `Linux version {release} ...` banner")))?;
        check_exports_against_image(&exports, &image_exports)?;

        // symbols: System.map if real, else the image's own
        let map_path = boot.join(format!("System.map-{release}"));
        let map = match std::fs::read(&map_path) {
            Ok(t) => Some(parse_system_map(&t).map_err(|(line, message)| ProfileError::SystemMap { path: map_path.clone(), line, message })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(ProfileError::Io { path: map_path, source: e }),
        };
        let is_real = |s: &[KernelSymbol]| s.iter().any(|s| s.name == "__per_cpu_start") && s.iter().any(|s| s.name == "__per_cpu_end");
        let (symbols, source) = match map {
            Some(m) if is_real(&m) => (m, SymbolSource::SystemMap),
            _ => {
                let elf = vm.elf_symbols();
                if is_real(&elf) {
                    (elf, SymbolSource::ElfSymtab)
                } else {
                    let (k, layout) = vm.kallsyms().map_err(vz_err)?;
                    (k, SymbolSource::Kallsyms(layout))
                }
            }
        };
        let percpu = percpu_layout(&symbols)?;
        let mut exports = exports;
        classify_exports(&mut exports, &symbols);

        // certificates
        let (signing_certs, cert_list_vaddr, cert_list_offset, cert_list_len) = match vm.certificate_list(&symbols) {
            Some((va, off, bytes)) => {
                let certs = vmlinuz::parse_certificate_list(bytes).map_err(|m| vz_err(format!("system_certificate_list: {m}")))?;
                (certs, Some(va), off, bytes.len())
            }
            None => {
                let found = vm.scan_certificates();
                let off = found.first().map_or(0, |(o, _)| *o);
                let len = found.iter().map(|(_, c)| c.der.len()).sum();
                (found.into_iter().map(|(_, c)| c).collect(), None, off, len)
            }
        };
        if signing_certs.is_empty() {
            return Err(ProfileError::NoCertificates(vz_path));
        }

        let (vermagic, vermagic_module) = derive_vermagic(root, release)?;
        let prov = Provenance {
            compressor: payload.compressor,
            payload_offset: payload.offset,
            payload_len: payload.len,
            payload_from_header: payload.from_header,
            vmlinux_len: vmlinux.len(),
            symbols: source,
            cert_list_vaddr,
            cert_list_offset,
            cert_list_len,
            vermagic_module,
            image_exports_checked: image_exports.len(),
        };
        let profile = Profile { release: release.to_string(), vermagic, exports, percpu, module_layout_crc, signing_certs, uts_version };
        Ok((profile, prov))
    }

    /// A name → export map (build once; the kernel looks symbols up by name).
    pub fn export_map(&self) -> HashMap<&str, &KernelExport> {
        self.exports.iter().map(|e| (e.name.as_str(), e)).collect()
    }

    /// Verifies a module's signature against this profile's certificates.
    pub fn verify_module_signature(&self, image: &[u8]) -> Result<SigOk, SigError> {
        verify_module_signature(image, &self.signing_certs)
    }

    /// Writes the profile atomically (a temporary file in the same
    /// directory, synced, then renamed over `path`).
    ///
    /// Format: UTF-8 text, one record per `\n`-terminated line, fields
    /// separated by single spaces; blank lines and lines starting with `#`
    /// are ignored.
    /// ```text
    /// modhost-kabi-profile 3                     first record, exactly
    /// release 6.1.0-56-amd64
    /// uts_version "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)"
    /// vermagic "6.1.0-56-amd64 SMP preempt mod_unload modversions "
    /// module_layout_crc 0x9060323f
    /// percpu_size 0x35000                        static per-CPU size
    /// percpu 0x199e8 A this_cpu_off              offset, type letter, name (repeated)
    /// export 0x4c9d28b0 - D 0x8 phys_base        CRC, `-` or `G` (GPL), type letter, extent, name, [namespace] (repeated)
    /// cert 3082052830820310…                     DER in lowercase hex (repeated)
    /// end exports=10503 percpu=383 certs=1       last record: counts, guards against truncation
    /// ```
    /// The vermagic is quoted; inside the quotes `\\`, `\"` and `\xHH`
    /// escapes stand for a backslash, a quote and any byte. Names and
    /// namespaces are non-empty and contain no whitespace or control bytes.
    pub fn save(&self, path: &Path) -> Result<(), ProfileError> {
        let text = self.to_text();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "profile".into());
        let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            ProfileError::Io { path: path.to_path_buf(), source: e }
        })
    }

    /// The text [`save`](Self::save) writes.
    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(64 * self.exports.len() + 4096);
        s.push_str("modhost-kabi-profile 3\n");
        s.push_str("# kernel ABI profile derived from Debian's vmlinuz, System.map/kallsyms and Module.symvers\n");
        let _ = writeln!(s, "release {}", self.release);
        let _ = writeln!(s, "uts_version {}", quote(&self.uts_version));
        let _ = writeln!(s, "vermagic {}", quote(&self.vermagic));
        let _ = writeln!(s, "module_layout_crc {:#010x}", self.module_layout_crc);
        let _ = writeln!(s, "percpu_size {:#x}", self.percpu.static_size);
        for p in &self.percpu.symbols {
            let _ = writeln!(s, "percpu {:#x} {} {}", p.offset, p.kind, p.name);
        }
        for e in &self.exports {
            let _ = write!(s, "export {:#010x} {} {} {:#x} {}", e.crc, if e.gpl { 'G' } else { '-' }, e.kind, e.size, e.name);
            if !e.namespace.is_empty() {
                let _ = write!(s, " {}", e.namespace);
            }
            s.push('\n');
        }
        for c in &self.signing_certs {
            s.push_str("cert ");
            for b in &c.der {
                let _ = write!(s, "{b:02x}");
            }
            s.push('\n');
        }
        let _ = writeln!(s, "end exports={} percpu={} certs={}", self.exports.len(), self.percpu.symbols.len(), self.signing_certs.len());
        s
    }

    /// Reads a profile written by [`save`](Self::save).
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let bytes = std::fs::read(path).map_err(io_err(path))?;
        Self::from_text(&bytes).map_err(|(line, message)| ProfileError::Format { path: path.to_path_buf(), line, message })
    }

    /// Parses the text format; errors are (1-based line, message).
    pub fn from_text(bytes: &[u8]) -> Result<Profile, (usize, String)> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            (line, "not UTF-8".to_string())
        })?;
        if !text.is_empty() && !text.ends_with('\n') {
            return Err((text.lines().count(), "last line not terminated (truncated file?)".into()));
        }
        let mut release = None;
        let mut vermagic = None;
        let mut uts_version = None;
        let mut crc = None;
        let mut percpu_size = None;
        let mut percpu = Vec::new();
        let mut exports = Vec::new();
        let mut certs = Vec::new();
        let mut header = false;
        let mut ended = false;
        for (i, line) in text.split_terminator('\n').enumerate() {
            let n = i + 1;
            let err = |m: String| (n, m);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if ended {
                return Err(err("record after `end`".into()));
            }
            let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
            if !header {
                if line != "modhost-kabi-profile 3" {
                    return Err(err("not a modhost kabi profile (expected `modhost-kabi-profile 3`)".into()));
                }
                header = true;
                continue;
            }
            fn once<T>(slot: &Option<T>, key: &str, n: usize) -> Result<(), (usize, String)> {
                if slot.is_some() {
                    Err((n, format!("duplicate `{key}`")))
                } else {
                    Ok(())
                }
            }
            match key {
                "release" => {
                    once(&release, key, n)?;
                    check_name(rest).map_err(|m| err(format!("release: {m}")))?;
                    release = Some(rest.to_string());
                }
                "vermagic" => {
                    once(&vermagic, key, n)?;
                    vermagic = Some(unquote(rest).map_err(|m| err(format!("vermagic: {m}")))?);
                }
                "uts_version" => {
                    once(&uts_version, key, n)?;
                    uts_version = Some(unquote(rest).map_err(|m| err(format!("uts_version: {m}")))?);
                }
                "module_layout_crc" => {
                    once(&crc, key, n)?;
                    crc = Some(parse_crc(rest).map_err(err)?);
                }
                "percpu_size" => {
                    once(&percpu_size, key, n)?;
                    percpu_size = Some(parse_hex_u64(rest).map_err(err)?);
                }
                "percpu" => {
                    let f: Vec<&str> = rest.split(' ').collect();
                    let [off, kind, name] = f[..] else {
                        return Err(err("percpu: expected `OFFSET TYPE NAME`".into()));
                    };
                    let mut kc = kind.chars();
                    let (Some(k), None) = (kc.next(), kc.next()) else {
                        return Err(err(format!("percpu: bad type letter `{kind}`")));
                    };
                    if !k.is_ascii_alphabetic() {
                        return Err(err(format!("percpu: bad type letter `{kind}`")));
                    }
                    check_name(name).map_err(|m| err(format!("percpu: {m}")))?;
                    percpu.push(PercpuSymbol { name: name.into(), offset: parse_hex_u64(off).map_err(err)?, kind: k });
                }
                "export" => {
                    let f: Vec<&str> = rest.split(' ').collect();
                    let (c, g, kind, size, name, ns) = match f[..] {
                        [c, g, k, sz, name] => (c, g, k, sz, name, ""),
                        [c, g, k, sz, name, ns] => {
                            check_name(ns).map_err(|m| err(format!("export namespace: {m}")))?;
                            (c, g, k, sz, name, ns)
                        }
                        _ => return Err(err("export: expected `CRC G|- TYPE SIZE NAME [NAMESPACE]`".into())),
                    };
                    let mut kc = kind.chars();
                    let kind = match (kc.next(), kc.next()) {
                        (Some(k), None) if k.is_ascii_alphabetic() || k == '?' => k,
                        _ => return Err(err(format!("export: bad type letter `{kind}`"))),
                    };
                    let size = parse_hex_u64(size).map_err(err)?;
                    let gpl = match g {
                        "G" => true,
                        "-" => false,
                        _ => return Err(err(format!("export: GPL flag must be `G` or `-`, not `{g}`"))),
                    };
                    check_name(name).map_err(|m| err(format!("export: {m}")))?;
                    exports.push(KernelExport { name: name.into(), crc: parse_crc(c).map_err(err)?, gpl, namespace: ns.into(), kind, size });
                }
                "cert" => {
                    let der = unhex(rest).map_err(|m| err(format!("cert: {m}")))?;
                    certs.push(Certificate::from_der(&der).map_err(|e| err(format!("cert: {e}")))?);
                }
                "end" => {
                    let want = format!("exports={} percpu={} certs={}", exports.len(), percpu.len(), certs.len());
                    if rest != want {
                        return Err(err(format!("counts `{rest}` do not match the records read (`{want}`)")));
                    }
                    ended = true;
                }
                _ => return Err(err(format!("unknown record `{key}`"))),
            }
        }
        let last = text.lines().count();
        if !header {
            return Err((1, "empty file".into()));
        }
        if !ended {
            return Err((last, "missing `end` record (truncated file?)".into()));
        }
        let missing = |what: &str| (last, format!("missing `{what}` record"));
        let release = release.ok_or_else(|| missing("release"))?;
        let vermagic = vermagic.ok_or_else(|| missing("vermagic"))?;
        let uts_version = uts_version.ok_or_else(|| missing("uts_version"))?;
        let module_layout_crc = crc.ok_or_else(|| missing("module_layout_crc"))?;
        let static_size = percpu_size.ok_or_else(|| missing("percpu_size"))?;
        match exports.iter().find(|e| e.name == "module_layout") {
            Some(e) if e.crc == module_layout_crc => {}
            Some(e) => return Err((last, format!("module_layout_crc {module_layout_crc:#010x} differs from the export's {:#010x}", e.crc))),
            None => return Err((last, "no `module_layout` export".into())),
        }
        if let Some(p) = percpu.iter().find(|p| p.offset >= static_size) {
            return Err((last, format!("per-CPU symbol {} at {:#x} lies outside the static area ({static_size:#x})", p.name, p.offset)));
        }
        Ok(Profile {
            release,
            vermagic,
            exports,
            percpu: PercpuLayout { symbols: percpu, static_size },
            module_layout_crc,
            signing_certs: certs,
            uts_version,
        })
    }
}

/// `init_utsname()->version` from the decompressed image's `linux_banner`
/// ("Linux version <release> (<builder>) (<compiler>) <version>\n"): the
/// text after the last " #" of that line. Debian's image holds two such
/// lines, a placeholder (`# SMP ...`, from before the build number is
/// known) and the real one (`#1 SMP ...`): the one with a number wins.
fn uts_version_from_banner(vmlinux: &[u8], release: &str) -> Option<String> {
    let needle = format!("Linux version {release} (");
    let mut found: Option<String> = None;
    let mut from = 0;
    while let Some(at) = vmlinux[from..].windows(needle.len()).position(|w| w == needle.as_bytes()).map(|p| p + from) {
        from = at + needle.len();
        let rest = &vmlinux[at..];
        let Some(end) = rest.iter().take(1024).position(|&b| b == b'\n' || b == 0) else { continue };
        let Ok(line) = std::str::from_utf8(&rest[..end]) else { continue };
        let Some(p) = line.rfind(" #") else { continue };
        let v = &line[p + 1..];
        if v.as_bytes().get(1).is_some_and(u8::is_ascii_digit) {
            return Some(v.to_string());
        }
        found.get_or_insert_with(|| v.to_string());
    }
    found
}

fn check_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("empty name".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("name {s:?} contains {c:?}"));
    }
    Ok(())
}

fn parse_crc(s: &str) -> Result<u32, String> {
    let h = s.strip_prefix("0x").ok_or_else(|| format!("CRC `{s}` lacks 0x"))?;
    if h.is_empty() || h.len() > 8 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("bad CRC `{s}`"));
    }
    u32::from_str_radix(h, 16).map_err(|e| format!("bad CRC `{s}`: {e}"))
}

fn parse_hex_u64(s: &str) -> Result<u64, String> {
    let h = s.strip_prefix("0x").ok_or_else(|| format!("number `{s}` lacks 0x"))?;
    if h.is_empty() || h.len() > 16 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("bad number `{s}`"));
    }
    u64::from_str_radix(h, 16).map_err(|e| format!("bad number `{s}`: {e}"))
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if s.is_empty() || s.len() & 1 == 1 {
        return Err("hex string of odd or zero length".into());
    }
    let v = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(format!("not a hex digit: {:?}", c as char)),
    };
    s.as_bytes().chunks_exact(2).map(|p| Ok(v(p[0])? << 4 | v(p[1])?)).collect()
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for &b in s.as_bytes() {
        match b {
            b'"' => q.push_str("\\\""),
            b'\\' => q.push_str("\\\\"),
            0x20..=0x7e => q.push(b as char),
            _ => {
                let _ = write!(q, "\\x{b:02x}");
            }
        }
    }
    q.push('"');
    q
}

fn unquote(s: &str) -> Result<String, String> {
    let inner = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')).ok_or("expected a quoted string")?;
    let b = inner.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                match b.get(i + 1) {
                    Some(b'\\') => out.push(b'\\'),
                    Some(b'"') => out.push(b'"'),
                    Some(b'x') => {
                        let h = inner.get(i + 2..i + 4).ok_or("short \\x escape")?;
                        out.push(u8::from_str_radix(h, 16).map_err(|_| format!("bad \\x escape `{h}`"))?);
                        i += 2;
                    }
                    _ => return Err("bad escape".into()),
                }
                i += 2;
            }
            b'"' => return Err("unescaped quote".into()),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8".into())
}

/// One `Module.symvers` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymversEntry {
    pub export: KernelExport,
    /// `vmlinux` or the module's path without `.ko`.
    pub module: String,
}

/// Parses `Module.symvers` (6.1 format: `0xCRC\tname\tmodule\texport_type\tnamespace`;
/// a line with only four fields has no namespace). Errors are (line, message).
pub fn parse_symvers(text: &[u8]) -> Result<Vec<SymversEntry>, (usize, String)> {
    let text = std::str::from_utf8(text).map_err(|_| (0, "not UTF-8".to_string()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let (crc, name, module, ty, ns) = match f[..] {
            [c, n, m, t] => (c, n, m, t, ""),
            [c, n, m, t, ns] => (c, n, m, t, ns),
            _ => return Err((n, format!("expected 5 tab-separated fields, found {}", f.len()))),
        };
        let crc = parse_crc(crc).map_err(|m| (n, m))?;
        let gpl = match ty {
            "EXPORT_SYMBOL" => false,
            "EXPORT_SYMBOL_GPL" => true,
            _ => return Err((n, format!("unknown export type `{ty}`"))),
        };
        check_name(name).map_err(|m| (n, m))?;
        check_name(module).map_err(|m| (n, format!("module: {m}")))?;
        if !ns.is_empty() {
            check_name(ns).map_err(|m| (n, format!("namespace: {m}")))?;
        }
        out.push(SymversEntry { export: KernelExport::new(name, crc, gpl, ns), module: module.into() });
    }
    Ok(out)
}

/// Parses a `System.map` (`ADDRESS TYPE NAME` per line). Errors are (line, message).
pub fn parse_system_map(text: &[u8]) -> Result<Vec<KernelSymbol>, (usize, String)> {
    let text = std::str::from_utf8(text).map_err(|_| (0, "not UTF-8".to_string()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut f = line.splitn(3, ' ');
        let (Some(a), Some(t), Some(name)) = (f.next(), f.next(), f.next()) else {
            return Err((i + 1, "expected `ADDRESS TYPE NAME`".into()));
        };
        let value = u64::from_str_radix(a, 16).map_err(|_| (i + 1, format!("bad address `{a}`")))?;
        let mut tc = t.chars();
        let (Some(kind), None) = (tc.next(), tc.next()) else {
            return Err((i + 1, format!("bad type `{t}`")));
        };
        out.push(KernelSymbol { value, kind, name: name.to_string() });
    }
    Ok(out)
}

/// Checks the `Module.symvers` vmlinux exports against the image's own
/// export tables: same names, GPL flags, namespaces and CRCs. Nothing to
/// check when the image has no tables.
pub fn check_exports_against_image(exports: &[KernelExport], image: &[ImageExport]) -> Result<(), ProfileError> {
    if image.is_empty() {
        return Ok(());
    }
    let by_name: HashMap<&str, &ImageExport> = image.iter().map(|e| (e.name.as_str(), e)).collect();
    if by_name.len() != exports.len() || image.len() != exports.len() {
        return Err(ProfileError::Mismatch(format!("{} vmlinux exports in Module.symvers, {} in the image", exports.len(), image.len())));
    }
    for e in exports {
        let Some(i) = by_name.get(e.name.as_str()) else {
            return Err(ProfileError::Mismatch(format!("{} is not exported by the image", e.name)));
        };
        if i.gpl != e.gpl || i.namespace != e.namespace || i.crc.is_some_and(|c| c != e.crc) {
            return Err(ProfileError::Mismatch(format!(
                "{}: Module.symvers says crc {:#010x} gpl {} namespace {:?}, the image crc {:?} gpl {} namespace {:?}",
                e.name, e.crc, e.gpl, e.namespace, i.crc, i.gpl, i.namespace
            )));
        }
    }
    Ok(())
}

/// Gives every export its type letter and extent from the image's symbol
/// table (the first global symbol of that name; the extent runs to the
/// next higher symbol address, capped at 16 MiB).
pub fn classify_exports(exports: &mut [KernelExport], symbols: &[KernelSymbol]) {
    let mut addrs: Vec<u64> = symbols.iter().map(|s| s.value).collect();
    addrs.sort_unstable();
    addrs.dedup();
    let mut by_name: HashMap<&str, &KernelSymbol> = HashMap::new();
    for s in symbols {
        let e = by_name.entry(s.name.as_str()).or_insert(s);
        if e.kind.is_ascii_lowercase() && s.kind.is_ascii_uppercase() {
            *e = s;
        }
    }
    for e in exports {
        let Some(s) = by_name.get(e.name.as_str()) else { continue };
        e.kind = s.kind;
        let next = match addrs.binary_search(&s.value) {
            Ok(i) => addrs.get(i + 1),
            Err(i) => addrs.get(i),
        };
        e.size = next.map_or(0, |n| (n - s.value).min(16 << 20));
    }
}

/// The per-CPU layout from a symbol table.
pub fn percpu_layout(symbols: &[KernelSymbol]) -> Result<PercpuLayout, ProfileError> {
    let find = |n: &str| symbols.iter().find(|s| s.name == n).map(|s| s.value).ok_or_else(|| ProfileError::MissingSymbol(n.into()));
    let start = find("__per_cpu_start")?;
    let end = find("__per_cpu_end")?;
    if end < start {
        return Err(ProfileError::MissingSymbol("__per_cpu_end (before __per_cpu_start)".into()));
    }
    let mut syms: Vec<PercpuSymbol> = symbols
        .iter()
        .filter(|s| matches!(s.kind, 'D' | 'd' | 'A' | 'a'))
        .filter(|s| s.value >= start && s.value < end)
        .filter(|s| s.name != "__per_cpu_start" && s.name != "__per_cpu_end")
        .map(|s| PercpuSymbol { name: s.name.clone(), offset: s.value - start, kind: s.kind })
        .collect();
    syms.sort_by_key(|s| s.offset);
    Ok(PercpuLayout { symbols: syms, static_size: end - start })
}

/// The vermagic: from the first module found (sorted walk of
/// `lib/modules/REL/kernel`), else composed from `boot/config-REL`.
fn derive_vermagic(root: &Path, release: &str) -> Result<(String, Option<PathBuf>), ProfileError> {
    let dir = root.join("lib/modules").join(release).join("kernel");
    if let Some(m) = first_module(&dir) {
        let image = kofile::ModuleImage::open(&m).map_err(|e| ProfileError::Vermagic(format!("{}: {e}", m.display())))?;
        let module = kofile::Module::parse(&image).map_err(|e| ProfileError::Vermagic(format!("{}: {e}", m.display())))?;
        let v = module.modinfo_get("vermagic").ok_or_else(|| ProfileError::Vermagic(format!("{}: no vermagic", m.display())))?;
        let v = String::from_utf8(v.to_vec()).map_err(|_| ProfileError::Vermagic(format!("{}: vermagic not UTF-8", m.display())))?;
        if !v.starts_with(&format!("{release} ")) {
            return Err(ProfileError::Vermagic(format!("{}: vermagic {v:?} is not for {release}", m.display())));
        }
        return Ok((v, Some(m)));
    }
    let cfg = root.join("boot").join(format!("config-{release}"));
    let text = std::fs::read_to_string(&cfg).map_err(io_err(&cfg))?;
    Ok((vermagic_from_config(release, &text)?, None))
}

/// Composes the x86_64 vermagic from a kernel `.config`.
pub fn vermagic_from_config(release: &str, config: &str) -> Result<String, ProfileError> {
    let on = |k: &str| config.lines().any(|l| l.strip_prefix(k).is_some_and(|r| r == "=y"));
    if !on("CONFIG_X86_64") {
        return Err(ProfileError::Vermagic("composing vermagic is only implemented for x86_64 configs".into()));
    }
    if on("CONFIG_RANDSTRUCT_FULL") || on("CONFIG_RANDSTRUCT_PERFORMANCE") {
        return Err(ProfileError::Vermagic("randstruct kernels carry a seed hash in vermagic; read it from a module".into()));
    }
    let mut v = format!("{release} ");
    if on("CONFIG_SMP") {
        v.push_str("SMP ");
    }
    if on("CONFIG_PREEMPT_BUILD") {
        v.push_str("preempt ");
    } else if on("CONFIG_PREEMPT_RT") {
        v.push_str("preempt_rt ");
    }
    if on("CONFIG_MODULE_UNLOAD") {
        v.push_str("mod_unload ");
    }
    if on("CONFIG_MODVERSIONS") {
        v.push_str("modversions ");
    }
    Ok(v)
}

fn first_module(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name()?.to_string_lossy().into_owned();
        if p.is_dir() {
            if let Some(m) = first_module(&p) {
                return Some(m);
            }
        } else if name.ends_with(".ko") || name.ends_with(".ko.xz") || name.ends_with(".ko.zst") {
            return Some(p);
        }
    }
    None
}
