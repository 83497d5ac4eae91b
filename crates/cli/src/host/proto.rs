//! The daemon's wire protocol: each message is a big-endian u32 length and
//! a JSON document, then a big-endian u32 length and raw bytes (the module
//! image for `Insmod`, file contents in replies; empty otherwise).

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

/// Largest JSON header or payload accepted (module images are a few MiB).
pub const MAX_FRAME: u32 = 256 << 20;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Ping,
    /// `init_module`/`finit_module`: the image travels as the payload.
    Insmod { args: String, flags: u32 },
    Rmmod { name: String, flags: u32 },
    /// A view file (`/proc/modules`, `/sys/module/...`).
    Read { path: String },
    List { path: String },
    Write { path: String, value: String },
    /// Kernel log records with sequence number ≥ `since`.
    Log { since: u64 },
    /// `modhost crypto`: one operation of the crypto API on the payload.
    Crypto(CryptoRequest),
}

/// What `modhost crypto` asks the host kernel's crypto API to do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CryptoRequest {
    pub operation: CryptoOp,
    /// The algorithm or driver name (`gcm(aes)`, `sha256-avx2`).
    pub alg: String,
    pub key: Option<Vec<u8>>,
    pub iv: Option<Vec<u8>>,
    pub aad: Option<Vec<u8>>,
    /// The AEAD tag length (default: the algorithm's largest).
    pub taglen: Option<u32>,
    /// `rng`: how many random bytes; `compress`/`decompress`: the most
    /// output bytes (`--size`).
    #[serde(default)]
    pub len: Option<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CryptoOp {
    Digest,
    Encrypt,
    Decrypt,
    /// `len` random bytes from an rng (`stdrng`: the default rng).
    Rng,
    /// `crypto_comp_compress` (the output at most `len` bytes if given).
    Compress,
    /// `crypto_comp_decompress` (the output at most `len` bytes if given).
    Decompress,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LogRecord {
    pub seq: u64,
    pub ts_nsec: u64,
    pub level: u8,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reply {
    Ok,
    /// A positive errno.
    Err { errno: i32 },
    Names { names: Vec<String> },
    Log { records: Vec<LogRecord> },
    Pong { pid: u32, release: String },
    /// A crypto operation that failed: the errno and what failed.
    CryptoErr { errno: i32, message: String },
}

fn read_frame(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len);
    if len > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("frame of {len} bytes is too large")));
    }
    let mut buf = vec![0u8; len as usize];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

fn write_frame(w: &mut impl Write, b: &[u8]) -> io::Result<()> {
    let len = u32::try_from(b.len()).ok().filter(|&l| l <= MAX_FRAME).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(b)
}

/// Sends a message (header + payload).
pub fn send<T: Serialize>(w: &mut impl Write, msg: &T, payload: &[u8]) -> io::Result<()> {
    let json = serde_json::to_vec(msg).map_err(io::Error::other)?;
    write_frame(w, &json)?;
    write_frame(w, payload)?;
    w.flush()
}

/// Receives a message; a malformed one is an `InvalidData` error.
pub fn recv<T: for<'de> Deserialize<'de>>(r: &mut impl Read) -> io::Result<(T, Vec<u8>)> {
    let json = read_frame(r)?;
    let msg = serde_json::from_slice(&json).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let payload = read_frame(r)?;
    Ok((msg, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypto_request_roundtrip() {
        // the request's own fields must not clash with the enum's "op" tag
        let r = Request::Crypto(CryptoRequest { operation: CryptoOp::Encrypt, alg: "gcm(aes)".into(), key: Some(vec![1, 2]), iv: None, aad: Some(vec![]), taglen: Some(12), len: None });
        let mut buf = Vec::new();
        send(&mut buf, &r, b"data").unwrap();
        let (back, p): (Request, Vec<u8>) = recv(&mut &buf[..]).unwrap();
        assert_eq!((back, p), (r, b"data".to_vec()));
    }

    #[test]
    fn roundtrip_and_limits() {
        let mut buf = Vec::new();
        send(&mut buf, &Request::Insmod { args: "a=1".into(), flags: 0 }, b"IMAGE").unwrap();
        let (r, p): (Request, Vec<u8>) = recv(&mut &buf[..]).unwrap();
        assert_eq!(r, Request::Insmod { args: "a=1".into(), flags: 0 });
        assert_eq!(p, b"IMAGE");
        // truncated, oversized and garbage frames are errors, not panics
        assert!(recv::<Request>(&mut &buf[..buf.len() - 1]).is_err());
        assert!(recv::<Request>(&mut &[0xff, 0xff, 0xff, 0xff][..]).is_err());
        let mut bad = Vec::new();
        write_frame(&mut bad, b"{not json").unwrap();
        write_frame(&mut bad, b"").unwrap();
        assert!(recv::<Request>(&mut &bad[..]).is_err());
    }
}
