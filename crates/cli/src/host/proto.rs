//! The daemon's wire protocol: each message is a big-endian u32 length and
//! a JSON document, then a big-endian u32 length and raw bytes (the module
//! image for `Insmod`, file contents in replies; empty otherwise).
//!
//! Limits (checked before anything is allocated; frames are read as they
//! arrive, so a slow peer holds only what it has sent): a request's JSON
//! header at most [`MAX_HEADER`]; its payload at most [`MAX_IMAGE`] for
//! `Insmod` (the module image) and `Crypto` (the input), none for the
//! others; a reply's frames at most [`MAX_REPLY`].

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

/// The largest JSON header of a request (module parameters, a sysfs value,
/// crypto keys are all far smaller).
pub const MAX_HEADER: u32 = 1 << 20;
/// The largest payload of a request: a module image for `Insmod` (Linux's
/// `finit_module` reads at most INT_MAX bytes, answering EFBIG beyond;
/// Debian's largest module is under 16 MiB) or the input of `Crypto`.
pub const MAX_IMAGE: u32 = 256 << 20;
/// The largest frame of a reply (a view file, crypto output).
pub const MAX_REPLY: u32 = 256 << 20;

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
    /// The daemon refuses the connection or a malformed request (an
    /// unauthorized peer, too many connections, an oversized, garbled or
    /// late request), then closes the connection.
    Refused { errno: i32, message: String },
}

impl Request {
    /// The largest payload this request may carry.
    pub fn max_payload(&self) -> u32 {
        match self {
            Request::Insmod { .. } | Request::Crypto(_) => MAX_IMAGE,
            _ => 0,
        }
    }

    /// The operation's name, as it travels in the header.
    pub fn op(&self) -> &'static str {
        match self {
            Request::Ping => "ping",
            Request::Insmod { .. } => "insmod",
            Request::Rmmod { .. } => "rmmod",
            Request::Read { .. } => "read",
            Request::List { .. } => "list",
            Request::Write { .. } => "write",
            Request::Log { .. } => "log",
            Request::Crypto(_) => "crypto",
        }
    }
}

/// Reads exactly `buf.len()` bytes; Ok(false) if the stream ended before
/// the first one (a clean end between messages).
fn read_exact_or_eof(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn read_len(r: &mut impl Read) -> io::Result<u32> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    Ok(u32::from_be_bytes(len))
}

/// `len` bytes, as they arrive: the buffer grows with what was received,
/// never to `len` up front.
fn read_body(r: &mut impl Read, len: u32) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity((len as usize).min(64 << 10));
    r.take(u64::from(len)).read_to_end(&mut buf)?;
    if buf.len() != len as usize {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(buf)
}

fn read_frame(r: &mut impl Read, max: u32) -> io::Result<Vec<u8>> {
    let len = read_len(r)?;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("frame of {len} bytes is too large")));
    }
    read_body(r, len)
}

fn write_frame(w: &mut impl Write, b: &[u8]) -> io::Result<()> {
    let len = u32::try_from(b.len()).ok().filter(|&l| l <= MAX_REPLY.max(MAX_IMAGE)).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
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

/// Receives a reply (or any message with frames of at most [`MAX_REPLY`]);
/// a malformed one is an `InvalidData` error.
pub fn recv<T: for<'de> Deserialize<'de>>(r: &mut impl Read) -> io::Result<(T, Vec<u8>)> {
    let json = read_frame(r, MAX_REPLY)?;
    let msg = serde_json::from_slice(&json).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let payload = read_frame(r, MAX_REPLY)?;
    Ok((msg, payload))
}

/// Why no request could be read.
#[derive(Debug)]
pub enum RecvError {
    /// The peer ended the connection between requests.
    Closed,
    /// Reading failed (a timeout, the peer gone mid-request).
    Io(io::Error),
    /// The request is malformed or over a limit: answered with
    /// `Reply::Refused` (this errno and message), then the connection ends.
    Bad { errno: i32, message: String },
    /// An `Insmod` image over [`MAX_IMAGE`]: answered EFBIG as Linux's
    /// `finit_module` answers a file over its limit.
    TooLarge,
}

/// File too large: an `Insmod` image over [`MAX_IMAGE`].
pub const EFBIG: i32 = 27;
const EMSGSIZE: i32 = 90;
const EPROTO: i32 = 71;

/// Receives a request, checking each length against its limit before
/// reading what it announces.
pub fn recv_request(r: &mut impl Read) -> Result<(Request, Vec<u8>), RecvError> {
    let mut len = [0u8; 4];
    if !read_exact_or_eof(r, &mut len).map_err(RecvError::Io)? {
        return Err(RecvError::Closed);
    }
    let len = u32::from_be_bytes(len);
    if len > MAX_HEADER {
        return Err(RecvError::Bad { errno: EMSGSIZE, message: format!("request header of {len} bytes is over the limit of {MAX_HEADER}") });
    }
    let json = read_body(r, len).map_err(RecvError::Io)?;
    let req: Request = serde_json::from_slice(&json).map_err(|e| {
        let mut why = e.to_string();
        why.truncate(200);
        RecvError::Bad { errno: EPROTO, message: format!("malformed request: {why}") }
    })?;
    let plen = read_len(r).map_err(RecvError::Io)?;
    if plen > req.max_payload() {
        if matches!(req, Request::Insmod { .. }) {
            return Err(RecvError::TooLarge);
        }
        let message = match req.max_payload() {
            0 => format!("a {} request carries no payload ({plen} bytes sent)", req.op()),
            max => format!("payload of {plen} bytes is over the {} limit of {max}", req.op()),
        };
        return Err(RecvError::Bad { errno: EMSGSIZE, message });
    }
    let payload = read_body(r, plen).map_err(RecvError::Io)?;
    Ok((req, payload))
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

    fn frame(header: &[u8], plen: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = (header.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(header);
        v.extend_from_slice(&plen.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    fn bad(input: &[u8]) -> (i32, String) {
        match recv_request(&mut &input[..]) {
            Err(RecvError::Bad { errno, message }) => (errno, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_limits() {
        let ok = frame(br#"{"op":"insmod","args":"","flags":0}"#, 3, b"ELF");
        assert_eq!(recv_request(&mut &ok[..]).unwrap(), (Request::Insmod { args: String::new(), flags: 0 }, b"ELF".to_vec()));
        // nothing, or a request cut anywhere
        assert!(matches!(recv_request(&mut &[][..]), Err(RecvError::Closed)));
        for cut in 1..ok.len() {
            assert!(matches!(recv_request(&mut &ok[..cut]), Err(RecvError::Io(_))), "{cut}");
        }
        // a huge header is refused without reading (or allocating) it
        assert_eq!(bad(&[0xff; 4]), (EMSGSIZE, "request header of 4294967295 bytes is over the limit of 1048576".into()));
        assert_eq!(bad(&frame(b"\x00garbage", 0, b"")).0, EPROTO);
        assert_eq!(bad(&frame(br#"{"op":"reboot"}"#, 0, b"")).0, EPROTO);
        assert_eq!(bad(&frame(br#"{"op":"ping"}"#, 1, b"x")), (EMSGSIZE, "a ping request carries no payload (1 bytes sent)".into()));
        assert_eq!(bad(&frame(br#"{"op":"read","path":"/proc/modules"}"#, u32::MAX, b"")).0, EMSGSIZE);
        let c = br#"{"op":"crypto","operation":"digest","alg":"sha256","key":null,"iv":null,"aad":null,"taglen":null}"#;
        assert_eq!(bad(&frame(c, MAX_IMAGE + 1, b"")), (EMSGSIZE, format!("payload of {} bytes is over the crypto limit of {MAX_IMAGE}", MAX_IMAGE + 1)));
        // an image over the limit: EFBIG, as Linux answers a file too large
        let big = frame(br#"{"op":"insmod","args":"","flags":0}"#, MAX_IMAGE + 1, b"");
        assert!(matches!(recv_request(&mut &big[..]), Err(RecvError::TooLarge)));
        // a payload announced at the limit but not sent: an I/O error, no 256 MiB buffer
        let short = frame(br#"{"op":"insmod","args":"","flags":0}"#, MAX_IMAGE, b"ELF");
        assert!(matches!(recv_request(&mut &short[..]), Err(RecvError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof));
    }
}
