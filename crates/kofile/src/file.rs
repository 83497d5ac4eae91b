//! Reading a module file from disk, with transparent decompression.
//!
//! As libkmod does, the file name's extension is ignored: the first six bytes
//! decide. zstd (`28 B5 2F FD`) and xz (`FD 37 7A 58 5A 00`, concatenated
//! streams allowed) are decompressed in memory; anything else is mapped as is.
//! gzip is deliberately *not* recognised: Debian's kmod 30 is built without
//! zlib, so a `.ko.gz` reaches the ELF reader compressed and is rejected there.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

use crate::error::{LogSite, OpenError};

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
const XZ_MAGIC: [u8; 6] = [0xFD, b'7', b'z', b'X', b'Z', 0];

/// How the bytes of a module file were stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Xz,
    Zstd,
}

/// The (decompressed) bytes of a module file.
pub struct ModuleImage {
    bytes: Bytes,
    compression: Compression,
}

enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Deref for ModuleImage {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

impl std::fmt::Debug for ModuleImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleImage")
            .field("len", &self.len())
            .field("compression", &self.compression)
            .finish()
    }
}

impl ModuleImage {
    /// Wraps bytes already in memory (decompressing them if they carry a
    /// zstd or xz magic).
    pub fn from_vec(bytes: Vec<u8>) -> Result<Self, OpenError> {
        let path = "<memory>";
        if bytes.len() < XZ_MAGIC.len() {
            return Err(OpenError::TooShort { path: path.into(), len: bytes.len() as u64 });
        }
        match detect(&bytes) {
            Compression::None => Ok(ModuleImage { bytes: Bytes::Owned(bytes), compression: Compression::None }),
            c => Ok(ModuleImage { bytes: Bytes::Owned(decompress(c, &bytes, path)?), compression: c }),
        }
    }

    /// Opens a module file, decompressing it if needed.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let name = || path.display().to_string();
        let io_err = |source: io::Error| OpenError::Io { path: name(), source };
        let mut file = File::open(path).map_err(io_err)?;
        let mut magic = [0u8; 6];
        let got = read_full(&mut file, &mut magic).map_err(io_err)?;
        if got < magic.len() {
            return Err(OpenError::TooShort { path: name(), len: got as u64 });
        }
        let compression = detect(&magic);
        if compression == Compression::None {
            // SAFETY: the map is private and read-only. Module files are not
            // expected to change while a tool reads them; if one is truncated
            // under us the process can take SIGBUS, exactly as libkmod (which
            // maps them the same way) would.
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io_err)?;
            return Ok(ModuleImage { bytes: Bytes::Mapped(map), compression });
        }
        let mut raw = Vec::new();
        raw.extend_from_slice(&magic);
        file.read_to_end(&mut raw).map_err(io_err)?;
        let bytes = decompress(compression, &raw, &name())?;
        Ok(ModuleImage { bytes: Bytes::Owned(bytes), compression })
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }
}

fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match f.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Which compression the first bytes announce.
pub fn detect(head: &[u8]) -> Compression {
    if head.starts_with(&ZSTD_MAGIC) {
        Compression::Zstd
    } else if head.starts_with(&XZ_MAGIC) {
        Compression::Xz
    } else {
        Compression::None
    }
}

fn decompress(c: Compression, raw: &[u8], path: &str) -> Result<Vec<u8>, OpenError> {
    match c {
        Compression::None => Ok(raw.to_vec()),
        Compression::Xz => unxz(raw).map_err(|(message, line)| OpenError::Decompress {
            path: path.into(),
            message,
            site: LogSite { file: "libkmod-file.c", line, func: "xz_uncompress_belch" },
        }),
        Compression::Zstd => unzstd(raw).map_err(|message| OpenError::Decompress {
            path: path.into(),
            message,
            site: LogSite { file: "libkmod-file.c", line: 136, func: "zstd_decompress_block" },
        }),
    }
}

/// Largest output buffer reserved up front from a size the compressed data
/// declares (a lying header must not make us reserve gigabytes; past this
/// the buffer grows as the decoder writes).
const MAX_DECLARED: u64 = 256 << 20;

/// Reads an xz variable-length integer (at most 9 bytes).
fn xz_varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// The uncompressed size an xz file declares in its last stream's index
/// (the sum of its records' uncompressed sizes), when the data ends with a
/// well-formed stream footer and index. Only a hint for sizing the output
/// buffer: the decoder still decides what the data holds.
fn xz_declared_size(raw: &[u8]) -> Option<u64> {
    let n = raw.len();
    if n < 12 + 12 + 8 {
        return None;
    }
    let footer = &raw[n - 12..];
    if &footer[10..12] != b"YZ" {
        return None;
    }
    let backward = (u64::from(u32::from_le_bytes(footer[4..8].try_into().ok()?)) + 1) * 4;
    let index_start = (n as u64 - 12).checked_sub(backward)? as usize;
    let index = &raw[index_start..n - 12];
    if index.first() != Some(&0) {
        return None;
    }
    let mut at = 1;
    let records = xz_varint(index, &mut at)?;
    if records > index.len() as u64 {
        return None;
    }
    let mut total = 0u64;
    for _ in 0..records {
        xz_varint(index, &mut at)?; // unpadded size
        total = total.checked_add(xz_varint(index, &mut at)?)?;
    }
    Some(total)
}

/// Decodes xz data (concatenated streams allowed) to its end. On failure,
/// returns libkmod's message and the line of libkmod v30 that prints it.
///
/// The output buffer is reserved at the size the index declares (usually
/// exact, so the decoder writes each byte once, with no reallocation).
fn unxz(raw: &[u8]) -> Result<Vec<u8>, (String, u32)> {
    use xz2::stream::{Action, Error, Status, Stream, CONCATENATED};
    let mut s = Stream::new_stream_decoder(u64::MAX, CONCATENATED)
        .map_err(|_| ("xz: Internal error (bug)".to_string(), 224))?;
    let guess = match xz_declared_size(raw) {
        Some(d) if d <= MAX_DECLARED => d as usize + 1,
        _ => raw.len().saturating_mul(4).min(1 << 28),
    };
    let mut out = Vec::with_capacity(guess);
    let mut input = raw;
    loop {
        if out.capacity() == out.len() {
            out.reserve((out.len() / 2).max(256 * 1024));
        }
        let before_in = s.total_in();
        let before_out = s.total_out();
        let res = s.process_vec(input, &mut out, Action::Finish);
        let consumed = (s.total_in() - before_in) as usize;
        input = &input[consumed..];
        match res {
            Ok(Status::StreamEnd) => return Ok(out),
            Ok(Status::Ok) | Ok(Status::GetCheck) => {}
            // The binding reports liblzma's LZMA_BUF_ERROR ("no progress
            // possible") as MemNeeded; with all input given that means
            // truncated data.
            Ok(Status::MemNeeded) => {
                if s.total_out() == before_out && consumed == 0 {
                    return Err(("xz: Unexpected end of input".into(), 221));
                }
            }
            Err(Error::Mem) | Err(Error::MemLimit) => return Err(("xz: Cannot allocate memory".into(), 209)),
            Err(Error::Format) => return Err(("xz: File format not recognized".into(), 212)),
            Err(Error::Options) => return Err(("xz: Unsupported compression options".into(), 215)),
            Err(Error::Data) => return Err(("xz: File is corrupt".into(), 218)),
            Err(_) => return Err(("xz: Internal error (bug)".into(), 224)),
        }
        if input.is_empty() && s.total_out() == before_out && consumed == 0 {
            return Err(("xz: Unexpected end of input".into(), 221));
        }
    }
}

/// Decodes zstd data as libkmod does: frame after frame until the input ends.
/// An incomplete last frame is not an error (libkmod stops at end of file and
/// keeps what it has); undecodable data is, with zstd's own error name.
///
/// The common case — one complete frame that declares its content size, as
/// `zstd` writes a module — is decoded in one call into a buffer of exactly
/// that size; anything else (or any failure there) takes the streaming path
/// below, which defines the result.
fn unzstd(raw: &[u8]) -> Result<Vec<u8>, String> {
    use zstd::zstd_safe::{find_frame_compressed_size, get_frame_content_size, get_error_name, DCtx, InBuffer, OutBuffer};
    let mut dctx = DCtx::create();
    if let (Ok(Some(n)), Ok(len)) = (get_frame_content_size(raw), find_frame_compressed_size(raw)) {
        if len == raw.len() && n <= MAX_DECLARED {
            let mut out: Vec<u8> = Vec::with_capacity(n as usize);
            if matches!(dctx.decompress(&mut out, raw), Ok(got) if got as u64 == n) {
                return Ok(out);
            }
            dctx = DCtx::create();
        }
    }
    let mut out: Vec<u8> = Vec::with_capacity(raw.len().saturating_mul(4).min(1 << 28));
    let mut input = InBuffer::around(raw);
    let chunk = DCtx::out_size();
    while input.pos() < raw.len() {
        if out.capacity() - out.len() < chunk {
            out.reserve(chunk.max(out.len() / 2));
        }
        let pos = out.len();
        let mut ob = OutBuffer::around_pos(&mut out, pos);
        let r = dctx.decompress_stream(&mut ob, &mut input);
        drop(ob); // the Vec's length now covers what was written
        if let Err(code) = r {
            return Err(format!("zstd: {}", get_error_name(code)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_magic() {
        assert_eq!(detect(&[0x28, 0xB5, 0x2F, 0xFD, 0, 0]), Compression::Zstd);
        assert_eq!(detect(&XZ_MAGIC), Compression::Xz);
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0, 0, 0]), Compression::None);
        assert_eq!(detect(b"\x7fELF\x02\x01"), Compression::None);
    }

    #[test]
    fn too_short() {
        assert!(matches!(ModuleImage::from_vec(vec![1, 2, 3]), Err(OpenError::TooShort { len: 3, .. })));
    }

    #[test]
    fn zstd_roundtrip_and_truncation() {
        let data: Vec<u8> = (0..100_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let z = zstd::bulk::compress(&data, 3).unwrap();
        let img = ModuleImage::from_vec(z.clone()).unwrap();
        assert_eq!(&*img, &data[..]);
        assert_eq!(img.compression(), Compression::Zstd);
        // truncated frame: libkmod keeps the partial output, no error
        let part = ModuleImage::from_vec(z[..z.len() / 2].to_vec()).unwrap();
        assert!(part.len() < data.len());
        // garbage after a frame is an error with zstd's wording
        let mut bad = z.clone();
        bad.extend_from_slice(b"garbage!");
        let e = ModuleImage::from_vec(bad).unwrap_err();
        assert!(e.to_string().contains("zstd: "), "{e}");
    }

    #[test]
    fn xz_roundtrip_concat_and_errors() {
        use std::io::Write;
        let data: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 241).to_le_bytes()).collect();
        let mut enc = xz2::write::XzEncoder::new(Vec::new(), 6);
        enc.write_all(&data).unwrap();
        let x = enc.finish().unwrap();
        assert_eq!(&*ModuleImage::from_vec(x.clone()).unwrap(), &data[..]);
        let mut two = x.clone();
        two.extend_from_slice(&x);
        assert_eq!(ModuleImage::from_vec(two).unwrap().len(), data.len() * 2);
        let e = ModuleImage::from_vec(x[..x.len() - 10].to_vec()).unwrap_err();
        match e {
            OpenError::Decompress { message, .. } => assert!(message.starts_with("xz: "), "{message}"),
            other => panic!("{other:?}"),
        }
        let mut corrupt = x.clone();
        let mid = corrupt.len() / 2;
        corrupt[mid] ^= 0xff;
        assert!(matches!(ModuleImage::from_vec(corrupt), Err(OpenError::Decompress { .. })));
    }
}
