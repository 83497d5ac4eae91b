//! Reading Debian's `vmlinuz`: the bzImage container, its compressed payload
//! (the stripped `vmlinux` ELF), the kernel's own symbol table (`kallsyms`,
//! present because Debian builds with `CONFIG_KALLSYMS_ALL`), and the
//! builtin trusted certificate list.
//!
//! Facts used (x86 boot protocol and Linux 6.1 `scripts/kallsyms` output,
//! described, not copied):
//! - bzImage setup header: `setup_sects` (u8 @0x1f1, 0 means 4), the magic
//!   `HdrS` @0x202, the protocol version (u16 @0x206); from 2.08 on,
//!   `payload_offset` (u32 @0x248, relative to the protected-mode code that
//!   starts at `(setup_sects + 1) * 512`) and `payload_length` (u32 @0x24c).
//!   The payload is the compressed `vmlinux` followed by its 4-byte
//!   little-endian uncompressed size.
//! - kallsyms (base-relative, 6.1): `kallsyms_offsets` (i32 per symbol),
//!   `kallsyms_relative_base` (u64), `kallsyms_num_syms` (u32),
//!   `kallsyms_names` (per symbol: a length byte — two bytes, low 7 bits
//!   first, when its top bit is set — then that many token indices; the
//!   expansion's first character is the `nm` type letter),
//!   `kallsyms_markers` (u32 offset into the names of every 256th symbol),
//!   `kallsyms_token_table` (256 NUL-terminated strings) and
//!   `kallsyms_token_index` (256 u16 offsets into the token table). Tables
//!   are 8-byte aligned. With absolute per-CPU symbols (x86_64) a non-negative
//!   offset is the value itself and a negative one means
//!   `relative_base - 1 - offset`.
//!   The tables are located by their shapes, not by a fixed order (Debian's
//!   6.1 stable kernel has an extra `kallsyms_seqs_of_names` table between
//!   the markers and the token table).
//! - the certificate list: the bytes from the symbol `system_certificate_list`
//!   on, their length in the u64 at `system_certificate_list_size`; a
//!   sequence of DER X.509 certificates (`30 82 len16`).

use std::io::Read;

use object::{Object, ObjectSection, ObjectSymbol, SectionKind};

use super::cert::Certificate;

/// The compressors the x86 bzImage can use, by payload magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compressor {
    Gzip,
    Bzip2,
    Lzma,
    Xz,
    Lzo,
    Lz4,
    Zstd,
}

impl Compressor {
    pub fn name(self) -> &'static str {
        match self {
            Compressor::Gzip => "gzip",
            Compressor::Bzip2 => "bzip2",
            Compressor::Lzma => "lzma",
            Compressor::Xz => "xz",
            Compressor::Lzo => "lzo",
            Compressor::Lz4 => "lz4",
            Compressor::Zstd => "zstd",
        }
    }

    /// Recognises a payload by its first bytes.
    pub fn detect(head: &[u8]) -> Option<Compressor> {
        const MAGICS: [(&[u8], Compressor); 7] = [
            (b"\xfd7zXZ\x00", Compressor::Xz),
            (b"\x28\xb5\x2f\xfd", Compressor::Zstd),
            (b"\x1f\x8b", Compressor::Gzip),
            (b"\x02\x21\x4c\x18", Compressor::Lz4),
            (b"BZh", Compressor::Bzip2),
            (b"\x89LZO\x00\r\n\x1a\n", Compressor::Lzo),
            (b"\x5d\x00\x00", Compressor::Lzma),
        ];
        MAGICS.iter().find(|(m, _)| head.starts_with(m)).map(|&(_, c)| c)
    }

    /// Whether [`decompress`] can expand this format.
    pub fn supported(self) -> bool {
        matches!(self, Compressor::Gzip | Compressor::Xz | Compressor::Zstd)
    }
}

impl std::fmt::Display for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the compressed kernel sits inside the bzImage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    pub compressor: Compressor,
    /// File offset of the compressed data.
    pub offset: usize,
    /// Length in bytes (as the setup header gives it, including the trailing
    /// 4-byte size when found that way).
    pub len: usize,
    /// Whether the location came from the setup header (else: a magic scan).
    pub from_header: bool,
}

/// Largest `vmlinux` accepted (a bound against decompression bombs).
pub const MAX_VMLINUX: u64 = 1 << 30;

/// Locates the compressed payload: from the setup header when the boot
/// protocol has the fields (≥ 2.08), else by scanning for a compressor magic.
pub fn find_payload(bz: &[u8]) -> Result<Payload, String> {
    if bz.len() >= 0x250 && &bz[0x202..0x206] == b"HdrS" {
        let version = u16::from_le_bytes([bz[0x206], bz[0x207]]);
        if version >= 0x208 {
            let sects = match bz[0x1f1] {
                0 => 4,
                n => usize::from(n),
            };
            let pm = (sects + 1) * 512;
            let off = u32::from_le_bytes(bz[0x248..0x24c].try_into().unwrap_or_default()) as usize;
            let len = u32::from_le_bytes(bz[0x24c..0x250].try_into().unwrap_or_default()) as usize;
            let at = pm.checked_add(off).ok_or("payload offset overflows")?;
            if let Some(end) = at.checked_add(len).filter(|&e| e <= bz.len() && len > 0) {
                if let Some(c) = Compressor::detect(&bz[at..end]) {
                    return Ok(Payload { compressor: c, offset: at, len, from_header: true });
                }
            }
        }
    }
    // Fallback: the first xz, zstd or gzip stream after the real-mode setup.
    let start = match bz.get(0x1f1) {
        Some(0) => 5 * 512,
        Some(&n) => (usize::from(n) + 1) * 512,
        None => 0,
    };
    for i in start.min(bz.len())..bz.len() {
        let head = &bz[i..];
        if let Some(c @ (Compressor::Xz | Compressor::Zstd | Compressor::Gzip)) = Compressor::detect(head) {
            if c != Compressor::Gzip || head.get(2) == Some(&8) {
                return Ok(Payload { compressor: c, offset: i, len: bz.len() - i, from_header: false });
            }
        }
    }
    Err("no compressed kernel payload found (no setup header payload fields, no xz/zstd/gzip magic)".into())
}

/// Decompresses the payload to the `vmlinux` ELF image.
pub fn decompress(bz: &[u8], p: &Payload) -> Result<Vec<u8>, String> {
    let data = &bz[p.offset..p.offset + p.len];
    let mut out = Vec::new();
    let res = match p.compressor {
        Compressor::Xz => xz_single_stream(data, &mut out),
        Compressor::Zstd => match zstd::stream::read::Decoder::with_buffer(data) {
            Ok(d) => d.single_frame().take(MAX_VMLINUX + 1).read_to_end(&mut out),
            Err(e) => Err(e),
        },
        Compressor::Gzip => flate2::read::GzDecoder::new(data).take(MAX_VMLINUX + 1).read_to_end(&mut out),
        other => return Err(format!("{other} compressed kernels are not supported (gzip, xz and zstd are)")),
    };
    res.map_err(|e| format!("{} payload at {:#x}: {e}", p.compressor, p.offset))?;
    if out.len() as u64 > MAX_VMLINUX {
        return Err(format!("decompressed kernel larger than {MAX_VMLINUX} bytes"));
    }
    Ok(out)
}

/// One kernel symbol (as in `System.map`: value, `nm` type letter, name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelSymbol {
    pub value: u64,
    pub kind: char,
    pub name: String,
}

/// One entry of the image's own export tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageExport {
    pub name: String,
    /// The symbol's address (per-CPU symbols: their 0-based offset).
    pub value: u64,
    pub gpl: bool,
    pub namespace: String,
    /// From the parallel CRC table, if the image has one.
    pub crc: Option<u32>,
}

/// How the kallsyms tables were found (file offsets into `vmlinux`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KallsymsLayout {
    pub num_syms: usize,
    pub offsets: usize,
    pub relative_base: u64,
    pub names: usize,
    pub markers: usize,
    pub token_table: usize,
    pub token_index: usize,
    pub absolute_percpu: bool,
}

/// The parsed `vmlinux`.
pub struct Vmlinux<'a> {
    data: &'a [u8],
    file: object::File<'a>,
}

impl<'a> Vmlinux<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, String> {
        let file = object::File::parse(data).map_err(|e| format!("decompressed kernel is not an ELF file: {e}"))?;
        Ok(Vmlinux { data, file })
    }

    pub fn is_64(&self) -> bool {
        self.file.is_64()
    }

    /// The ELF symbol table, if the image kept one (Debian's does not).
    pub fn elf_symbols(&self) -> Vec<KernelSymbol> {
        let mut out = Vec::new();
        for s in self.file.symbols() {
            let Ok(name) = s.name() else { continue };
            if name.is_empty() || s.is_undefined() {
                continue;
            }
            let sec = s.section_index().and_then(|i| self.file.section_by_index(i).ok());
            let kind = match sec.as_ref().map(|s| (s.name().unwrap_or(""), s.kind())) {
                None => 'A',
                Some((_, SectionKind::Text)) => 'T',
                Some((_, SectionKind::UninitializedData)) => 'B',
                Some((_, SectionKind::ReadOnlyData | SectionKind::ReadOnlyString)) => 'R',
                Some(_) => 'D',
            };
            let kind = if s.is_global() { kind } else { kind.to_ascii_lowercase() };
            out.push(KernelSymbol { value: s.address(), kind, name: name.to_string() });
        }
        out
    }

    /// File offset and available length of the bytes at virtual address `va`.
    pub fn va_to_file(&self, va: u64) -> Option<(usize, usize)> {
        for s in self.file.sections() {
            let Some((off, size)) = s.file_range() else { continue };
            let a = s.address();
            if va >= a && va - a < size {
                let d = va - a;
                return Some(((off + d) as usize, (size - d) as usize));
            }
        }
        None
    }

    pub fn bytes_at(&self, va: u64, len: usize) -> Option<&'a [u8]> {
        let (off, avail) = self.va_to_file(va)?;
        if len > avail {
            return None;
        }
        self.data.get(off..off + len)
    }

    /// Address range of the `.data..percpu` section, if present.
    pub fn percpu_section(&self) -> Option<(u64, u64)> {
        let s = self.file.section_by_name(".data..percpu")?;
        Some((s.address(), s.address() + s.size()))
    }

    /// The kernel's own export tables: `__ksymtab` and `__ksymtab_gpl`
    /// (x86_64 layout with PREL32 references: `struct kernel_symbol` is three
    /// i32 offsets — value, name, namespace — each relative to its own
    /// field; the namespace string is empty for none) and the parallel u32
    /// CRC tables `__kcrctab`/`__kcrctab_gpl`. Empty when the image has no
    /// `__ksymtab` section.
    pub fn ksymtab(&self) -> Result<Vec<ImageExport>, String> {
        if !self.is_64() {
            return Err("export tables are only decoded for 64-bit images".into());
        }
        let mut out = Vec::new();
        for (tab, crcs, gpl) in [("__ksymtab", "__kcrctab", false), ("__ksymtab_gpl", "__kcrctab_gpl", true)] {
            let Some(sec) = self.file.section_by_name(tab) else { continue };
            let data = sec.data().map_err(|e| format!("{tab}: {e}"))?;
            if data.len() % 12 != 0 {
                return Err(format!("{tab}: size {} is not a multiple of 12", data.len()));
            }
            let crc_data = match self.file.section_by_name(crcs) {
                Some(c) => Some(c.data().map_err(|e| format!("{crcs}: {e}"))?),
                None => None,
            };
            let base = sec.address();
            let string_at = |field: u64, rel: i32| -> Result<String, String> {
                let va = field.wrapping_add(rel as i64 as u64);
                let (off, avail) = self.va_to_file(va).ok_or_else(|| format!("{tab}: string at {va:#x} outside the image"))?;
                let bytes = &self.data[off..off + avail];
                let n = bytes.iter().position(|&b| b == 0).ok_or_else(|| format!("{tab}: unterminated string at {va:#x}"))?;
                String::from_utf8(bytes[..n].to_vec()).map_err(|_| format!("{tab}: name at {va:#x} is not UTF-8"))
            };
            for (i, e) in data.chunks_exact(12).enumerate() {
                let f = |k: usize| i32::from_le_bytes([e[4 * k], e[4 * k + 1], e[4 * k + 2], e[4 * k + 3]]);
                let at = base + 12 * i as u64;
                let crc = crc_data.and_then(|c| u32_at(c, 4 * i));
                out.push(ImageExport {
                    value: at.wrapping_add(f(0) as i64 as u64),
                    name: string_at(at + 4, f(1))?,
                    namespace: string_at(at + 8, f(2))?,
                    gpl,
                    crc,
                });
            }
        }
        Ok(out)
    }

    /// Decodes the kernel's kallsyms tables.
    pub fn kallsyms(&self) -> Result<(Vec<KernelSymbol>, KallsymsLayout), String> {
        let sections: Vec<(u64, u64)> = self
            .file
            .sections()
            .filter(|s| s.kind() != SectionKind::Metadata)
            .filter_map(|s| s.file_range())
            .collect();
        let text_ranges: Vec<(u64, u64)> =
            self.file.sections().filter(|s| s.address() != 0 && s.size() != 0).map(|s| (s.address(), s.address() + s.size())).collect();
        for (off, size) in sections {
            let Some(sec) = self.data.get(off as usize..(off + size) as usize) else { continue };
            if let Some((syms, mut layout)) = kallsyms_in(sec, self.file.is_64(), &text_ranges) {
                let base = off as usize;
                layout.offsets += base;
                layout.names += base;
                layout.markers += base;
                layout.token_table += base;
                layout.token_index += base;
                return Ok((syms, layout));
            }
        }
        Err("kallsyms tables not found in the decompressed kernel".into())
    }

    /// The builtin certificate list: (virtual address, file offset, bytes).
    pub fn certificate_list(&self, syms: &[KernelSymbol]) -> Option<(u64, usize, &'a [u8])> {
        let find = |n: &str| syms.iter().find(|s| s.name == n).map(|s| s.value);
        let list = find("system_certificate_list")?;
        let size_sym = find("system_certificate_list_size")?;
        let w = if self.is_64() { 8 } else { 4 };
        let size_bytes = self.bytes_at(size_sym, w)?;
        let size = if w == 8 {
            u64::from_le_bytes(size_bytes.try_into().ok()?)
        } else {
            u64::from(u32::from_le_bytes(size_bytes.try_into().ok()?))
        };
        // The list never extends past its size variable when that follows it.
        let size = if size_sym > list { size.min(size_sym - list) } else { size };
        let (off, _) = self.va_to_file(list)?;
        Some((list, off, self.bytes_at(list, usize::try_from(size).ok()?)?))
    }

    /// Fallback when no symbols locate the list: every DER `SEQUENCE` with a
    /// two-byte length that parses as an X.509 certificate, in image order.
    pub fn scan_certificates(&self) -> Vec<(usize, Certificate)> {
        let d = self.data;
        let mut out: Vec<(usize, Certificate)> = Vec::new();
        let mut i = 0;
        while i + 8 <= d.len() {
            if d[i] == 0x30 && d[i + 1] == 0x82 && d[i + 4] == 0x30 && d[i + 5] == 0x82 {
                let len = 4 + usize::from(u16::from_be_bytes([d[i + 2], d[i + 3]]));
                if let Some(bytes) = d.get(i..i + len) {
                    if let Ok(c) = Certificate::from_der(bytes) {
                        if !out.iter().any(|(_, o)| o.der == c.der) {
                            out.push((i, c));
                        }
                        i += len;
                        continue;
                    }
                }
            }
            i += 1;
        }
        out
    }
}

/// Parses a certificate list as the kernel does at boot: consecutive DER
/// certificates `30 82 hi lo`; parsing stops at the first entry that is not
/// one (zero padding of a reserved area, for instance).
pub fn parse_certificate_list(mut list: &[u8]) -> Result<Vec<Certificate>, String> {
    let mut out = Vec::new();
    while list.len() >= 4 && list[0] == 0x30 && list[1] == 0x82 {
        let len = 4 + usize::from(u16::from_be_bytes([list[2], list[3]]));
        let Some(der) = list.get(..len) else {
            return Err(format!("certificate of {len} bytes overruns the list"));
        };
        out.push(Certificate::from_der(der).map_err(|e| e.to_string())?);
        list = &list[len..];
    }
    Ok(out)
}

/// Decodes one xz stream and ignores what follows it (the bzImage appends
/// the uncompressed size, which a concatenated-stream reader rejects).
fn xz_single_stream(data: &[u8], out: &mut Vec<u8>) -> std::io::Result<usize> {
    use xz2::stream::{Action, Status, Stream};
    let mut s = Stream::new_stream_decoder(u64::MAX, 0).map_err(std::io::Error::other)?;
    out.reserve(data.len().saturating_mul(4).min(MAX_VMLINUX as usize));
    loop {
        if out.capacity() - out.len() < 1 << 20 {
            out.reserve(out.len().max(1 << 20));
        }
        let consumed = s.total_in() as usize;
        let before = out.len();
        let status = s.process_vec(&data[consumed..], out, Action::Run).map_err(std::io::Error::other)?;
        if status == Status::StreamEnd {
            return Ok(out.len());
        }
        if out.len() as u64 > MAX_VMLINUX {
            return Ok(out.len());
        }
        if out.len() == before && s.total_in() as usize == consumed {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "truncated xz stream"));
        }
    }
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}
fn align_up(x: usize, a: usize) -> usize {
    x.div_ceil(a) * a
}

/// The token table: (start, end, token_index start, tokens).
fn find_token_table(d: &[u8]) -> Option<(usize, usize, usize, Vec<&[u8]>)> {
    // Characters that occur in symbol names stand for themselves, so the
    // entries for '0'..'9' are "0\0" .. "9\0", 48 entries into the table.
    let mut pat = Vec::new();
    for c in b'0'..=b'9' {
        pat.extend_from_slice(&[c, 0]);
    }
    let mut from = 0;
    while let Some(rel) = find(&d[from..], &pat) {
        let hit = from + rel;
        from = hit + 1;
        // walk back 48 non-empty strings
        let mut p = hit;
        let mut ok = true;
        for _ in 0..48 {
            if p < 2 || d[p - 1] != 0 || d[p - 2] == 0 {
                ok = false;
                break;
            }
            p = d[..p - 1].iter().rposition(|&b| b == 0).map_or(0, |z| z + 1);
        }
        if !ok {
            continue;
        }
        let start = p;
        let mut tokens = Vec::with_capacity(256);
        let mut q = start;
        for _ in 0..256 {
            let Some(z) = d[q..].iter().position(|&b| b == 0) else { break };
            if z == 0 {
                break;
            }
            tokens.push(&d[q..q + z]);
            q += z + 1;
        }
        if tokens.len() != 256 {
            continue;
        }
        let end = q;
        // token_index: u16 offsets of each token, right after (aligned)
        for ti in [align_up(end, 8), align_up(end, 4), align_up(end, 2)] {
            let mut off = 0usize;
            let good = tokens.iter().enumerate().all(|(i, t)| {
                let r = u16_at(d, ti + 2 * i) == Some(off as u16);
                off += t.len() + 1;
                r
            });
            if good {
                return Some((start, end, ti, tokens));
            }
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..hay.len() - needle.len() + 1].iter().position(|&b| b == first) {
            None => return None,
            Some(p) => {
                i += p;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

/// Longest run of u32 markers (0, then strictly increasing by a plausible
/// amount per 256 symbols) before `limit`: (start, values).
fn find_markers(d: &[u8], limit: usize) -> Option<(usize, Vec<u32>)> {
    let plausible = |a: u32, b: u32| b > a && (512..=256 * 600).contains(&(b - a));
    let mut best: Option<(usize, Vec<u32>)> = None;
    let mut at = 0;
    while at + 8 <= limit {
        if u32_at(d, at) == Some(0) {
            if let Some(v1) = u32_at(d, at + 4) {
                if plausible(0, v1) {
                    let mut vals = vec![0u32, v1];
                    let mut p = at + 8;
                    while p + 4 <= limit {
                        let Some(v) = u32_at(d, p) else { break };
                        if !plausible(*vals.last().unwrap_or(&0), v) {
                            break;
                        }
                        vals.push(v);
                        p += 4;
                    }
                    let longer = match &best {
                        Some((_, b)) => vals.len() > b.len(),
                        None => true,
                    };
                    if longer {
                        best = Some((at, vals));
                    }
                    at = p;
                    continue;
                }
            }
        }
        at += 4;
    }
    best.filter(|(_, v)| v.len() >= 2)
}

/// Decodes `n` names from `at`, checking every 256th against the markers.
/// Returns the names and the end offset.
fn decode_names(d: &[u8], at: usize, n: usize, markers: &[u32], tokens: &[&[u8]], limit: usize) -> Option<(Vec<String>, usize)> {
    let mut p = at;
    let mut names = Vec::with_capacity(n);
    for i in 0..n {
        if i % 256 == 0 && markers.get(i / 256).map(|&m| m as usize) != Some(p - at) {
            return None;
        }
        let mut len = usize::from(*d.get(p)?);
        p += 1;
        if len & 0x80 != 0 {
            len = (len & 0x7f) | (usize::from(*d.get(p)?) << 7);
            p += 1;
        }
        if len == 0 || p + len > limit {
            return None;
        }
        let mut s = Vec::with_capacity(len * 3);
        for &t in &d[p..p + len] {
            s.extend_from_slice(tokens[usize::from(t)]);
        }
        p += len;
        names.push(String::from_utf8_lossy(&s).into_owned());
    }
    Some((names, p))
}

fn kallsyms_in(d: &[u8], is64: bool, ranges: &[(u64, u64)]) -> Option<(Vec<KernelSymbol>, KallsymsLayout)> {
    let (tt, _tt_end, ti, tokens) = find_token_table(d)?;
    let (mk, markers) = find_markers(d, tt)?;
    let nm = markers.len();
    let lo = (nm - 1) * 256 + 1;
    let hi = nm * 256;
    // kallsyms_num_syms precedes the names: scan back from the markers
    let mut c = mk.saturating_sub(4) & !3;
    let (num, names_at, names) = loop {
        if let Some(v) = u32_at(d, c) {
            let v = v as usize;
            if (lo..=hi).contains(&v) {
                let names_at = [align_up(c + 4, 8), c + 4].into_iter().find_map(|na| {
                    decode_names(d, na, v, &markers, &tokens, mk).filter(|(_, end)| mk - end < 16).map(|(n, _)| (na, n))
                });
                if let Some((na, names)) = names_at {
                    break (v, na, names);
                }
            }
        }
        if c < 4 {
            return None;
        }
        c -= 4;
    };
    let num_syms_at = c;
    // offsets + relative base: 6.1 puts them right before kallsyms_num_syms;
    // newer kernels after the token index. Try both.
    let ti_end = ti + 512;
    let mut layouts = Vec::new();
    if num_syms_at >= 8 {
        let rb = num_syms_at - 8;
        if let Some(off) = rb.checked_sub(align_up(4 * num, 8)) {
            layouts.push((off, rb));
        }
    }
    let off = align_up(ti_end, 8);
    layouts.push((off, align_up(off + 4 * num, 8)));
    for (off_at, rb_at) in layouts {
        let Some(base) = u64_at(d, rb_at) else { continue };
        let base = if is64 { base } else { base & 0xffff_ffff };
        let Some(raw) = d.get(off_at..off_at + 4 * num) else { continue };
        let offs: Vec<i32> = raw.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        for absolute_percpu in [true, false] {
            let vals: Vec<u64> = offs
                .iter()
                .map(|&o| {
                    if absolute_percpu {
                        if o >= 0 {
                            o as u64
                        } else {
                            base.wrapping_sub(1).wrapping_sub(o as i64 as u64)
                        }
                    } else {
                        base.wrapping_add(u64::from(o as u32))
                    }
                })
                .collect();
            let sorted = vals.windows(2).all(|w| w[0] <= w[1]);
            let in_image = vals.iter().filter(|&&v| ranges.iter().any(|&(a, b)| v >= a && v <= b)).count();
            if sorted && in_image * 2 > num {
                let syms = names
                    .iter()
                    .zip(&vals)
                    .map(|(n, &v)| {
                        let mut ch = n.chars();
                        let kind = ch.next().unwrap_or('?');
                        KernelSymbol { value: v, kind, name: ch.as_str().to_string() }
                    })
                    .collect();
                let layout = KallsymsLayout {
                    num_syms: num,
                    offsets: off_at,
                    relative_base: base,
                    names: names_at,
                    markers: mk,
                    token_table: tt,
                    token_index: ti,
                    absolute_percpu,
                };
                return Some((syms, layout));
            }
        }
    }
    None
}
