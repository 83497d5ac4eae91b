//! `modhost crypto`: the host kernel's crypto API from the shell, in the
//! manner of libkcapi's tools. Each operation runs in the daemon's kernel,
//! which loads the modules an algorithm needs through its modprobe as
//! Linux's `request_module("crypto-<name>")` does.
//!
//! ```text
//! modhost crypto list
//! modhost crypto digest ALG [FILE] [--key HEX]
//! modhost crypto encrypt ALG --key HEX [--iv HEX] [--aad HEX] [--taglen N]
//! modhost crypto decrypt ALG --key HEX [--iv HEX] [--aad HEX] [--taglen N]
//! modhost crypto rng ALG N [--hex]
//! modhost crypto compress|decompress ALG [FILE] [--size N]
//! ```
//!
//! `digest` prints the digest in lowercase hex and a newline (of FILE, or
//! of standard input). `encrypt`/`decrypt` read standard input and write
//! the raw result to standard output: for an AEAD the ciphertext followed
//! by the tag (and a decryption takes the same); a message whose tag does
//! not verify fails with EBADMSG and writes nothing. `rng` writes N bytes
//! of the random number generator ALG raw to standard output (as
//! libkcapi's `kcapi-rng -b N`; `--hex`: lowercase hex and a newline),
//! seeded as a kernel user seeds it (`crypto_rng_reset(tfm, NULL,
//! seedsize)`); `stdrng` is the kernel's default rng
//! (`crypto_get_default_rng`).

use std::io::{self, Read, Write};

use crate::host::client::Client;
use crate::host::proto::{CryptoOp, CryptoRequest, Reply, Request};
use crate::Tool;

const USAGE: &str = "Usage: modhost crypto list
       modhost crypto digest ALG [FILE] [--key HEX]
       modhost crypto encrypt ALG --key HEX [--iv HEX] [--aad HEX] [--taglen N]
       modhost crypto decrypt ALG --key HEX [--iv HEX] [--aad HEX] [--taglen N]
       modhost crypto rng ALG N [--hex]
       modhost crypto compress|decompress ALG [FILE] [--size N]
The host kernel's crypto API: ALG is an algorithm or driver name as the
kernel's crypto_alloc_* takes it (sha256, hmac(sha256), gcm(aes),
cbc(aes-generic), drbg_nopr_hmac_sha256, jitterentropy_rng); its modules are
loaded on demand. digest prints lowercase hex; encrypt and decrypt go from
standard input to standard output (an AEAD's output is the ciphertext and then
the tag). rng writes N random bytes of ALG to standard output, raw (--hex:
lowercase hex and a newline), the generator seeded as the kernel seeds it;
stdrng is the kernel's default rng. compress and decompress run the
compressor ALG (deflate, lz4, lzo, zstd ...) once over FILE or standard input,
the raw result to standard output (--size N: at most N bytes of output).
";

/// The most `rng` writes in one run.
const RNG_MAX: u64 = 64 << 20;

fn hex(s: &str, what: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{what}: not an even number of hex digits: '{s}'"));
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("{what}: {e}"))).collect()
}

struct Args {
    op: String,
    alg: String,
    file: Option<String>,
    key: Option<Vec<u8>>,
    iv: Option<Vec<u8>>,
    aad: Option<Vec<u8>>,
    taglen: Option<u32>,
    len: Option<u64>,
    hex_out: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut it = args.iter();
    let op = it.next().ok_or("no operation")?.clone();
    let mut a = Args { op, alg: String::new(), file: None, key: None, iv: None, aad: None, taglen: None, len: None, hex_out: false };
    let mut positional = Vec::new();
    while let Some(w) = it.next() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (w.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{name} needs a value"))
        };
        match flag {
            "--key" => a.key = Some(hex(&value("--key")?, "--key")?),
            "--iv" => a.iv = Some(hex(&value("--iv")?, "--iv")?),
            "--aad" => a.aad = Some(hex(&value("--aad")?, "--aad")?),
            "--taglen" => {
                let v = value("--taglen")?;
                a.taglen = Some(v.parse().map_err(|_| format!("--taglen: not a number: '{v}'"))?);
            }
            "--hex" if a.op == "rng" && inline.is_none() => a.hex_out = true,
            "--size" if a.op == "compress" || a.op == "decompress" => {
                let v = value("--size")?;
                let n: u64 = v.parse().map_err(|_| format!("--size: not a number: '{v}'"))?;
                if n == 0 || n > u32::MAX as u64 {
                    return Err(format!("--size must be 1 to {} bytes", u32::MAX));
                }
                a.len = Some(n);
            }
            f if f.starts_with("--") => return Err(format!("unknown option '{f}'")),
            _ => positional.push(w.clone()),
        }
    }
    let mut p = positional.into_iter();
    a.alg = p.next().ok_or("no algorithm")?;
    if a.op == "digest" || a.op == "compress" || a.op == "decompress" {
        a.file = p.next();
        if a.op != "digest" && (a.key.is_some() || a.iv.is_some() || a.aad.is_some() || a.taglen.is_some()) {
            return Err(format!("{} takes no --key, --iv, --aad or --taglen", a.op));
        }
    }
    if a.op == "rng" {
        let n = p.next().ok_or("rng: how many bytes (N)?")?;
        let n: u64 = n.parse().map_err(|_| format!("rng: N is not a number: '{n}'"))?;
        if n == 0 || n > RNG_MAX {
            return Err(format!("rng: N must be 1 to {RNG_MAX} bytes"));
        }
        a.len = Some(n);
        if a.key.is_some() || a.iv.is_some() || a.aad.is_some() || a.taglen.is_some() {
            return Err("rng takes no --key, --iv, --aad or --taglen".into());
        }
    }
    if let Some(extra) = p.next() {
        return Err(format!("unexpected argument '{extra}'"));
    }
    Ok(a)
}

/// `modhost crypto ...`
pub fn run(tool: &Tool, args: &[String]) -> io::Result<i32> {
    match args.first().map(String::as_str) {
        None | Some("-h") | Some("--help") => {
            print!("{USAGE}");
            return Ok(if args.is_empty() { 1 } else { 0 });
        }
        Some("list") if args.len() == 1 => return list(tool),
        _ => {}
    }
    let a = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{}: {e}\n{USAGE}", tool.name);
            return Ok(1);
        }
    };
    let op = match a.op.as_str() {
        "digest" => CryptoOp::Digest,
        "encrypt" => CryptoOp::Encrypt,
        "decrypt" => CryptoOp::Decrypt,
        "rng" => CryptoOp::Rng,
        "compress" => CryptoOp::Compress,
        "decompress" => CryptoOp::Decompress,
        other => {
            eprintln!("{}: unknown operation '{other}'\n{USAGE}", tool.name);
            return Ok(1);
        }
    };
    if matches!(op, CryptoOp::Encrypt | CryptoOp::Decrypt) && a.key.is_none() {
        eprintln!("{}: {} needs --key", tool.name, a.op);
        return Ok(1);
    }
    let input = match &a.file {
        None if op == CryptoOp::Rng => Vec::new(),
        Some(f) => match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {f}: {e}", tool.name);
                return Ok(1);
            }
        },
        None => {
            let mut b = Vec::new();
            io::stdin().lock().read_to_end(&mut b)?;
            b
        }
    };
    let req = CryptoRequest { operation: op, alg: a.alg, key: a.key, iv: a.iv, aad: a.aad, taglen: a.taglen, len: a.len };
    let mut c = Client::connect()?;
    match c.call(&Request::Crypto(req), &input)? {
        (Reply::Ok, out) => {
            let mut o = io::stdout().lock();
            if op == CryptoOp::Digest || (op == CryptoOp::Rng && a.hex_out) {
                let h: String = out.iter().map(|b| format!("{b:02x}")).collect();
                writeln!(o, "{h}")?;
            } else {
                o.write_all(&out)?;
            }
            o.flush()?;
            Ok(0)
        }
        (Reply::CryptoErr { errno, message }, _) => {
            eprintln!("{}: {message}: {}", tool.name, kmod::modprobe::strerror(errno));
            Ok(1)
        }
        (Reply::Err { errno }, _) => {
            eprintln!("{}: {}", tool.name, kmod::modprobe::strerror(errno));
            Ok(1)
        }
        (other, _) => Err(io::Error::other(format!("unexpected reply {other:?}"))),
    }
}

/// `modhost crypto list`: every algorithm of `/proc/crypto`, one line
/// each: driver, name, type, priority, module, self-test.
fn list(tool: &Tool) -> io::Result<i32> {
    let mut c = Client::connect()?;
    let text = match c.read("/proc/crypto")? {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("{}: /proc/crypto: {}", tool.name, kmod::modprobe::strerror(e));
            return Ok(1);
        }
    };
    let mut rows = vec![["DRIVER", "NAME", "TYPE", "PRIORITY", "MODULE", "SELFTEST"].map(String::from)];
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let get = |k: &str| {
            block.lines().find_map(|l| l.split_once(':').filter(|(f, _)| f.trim_end() == k).map(|(_, v)| v.trim().to_string())).unwrap_or_default()
        };
        rows.push([get("driver"), get("name"), get("type"), get("priority"), get("module"), get("selftest")]);
    }
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0)).collect();
    let mut o = io::stdout().lock();
    for r in &rows {
        let line: Vec<String> = r.iter().zip(&widths).map(|(v, w)| format!("{v:<w$}")).collect();
        writeln!(o, "{}", line.join("  ").trim_end())?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn arguments() {
        let a = super::parse(&["encrypt", "gcm(aes)", "--key", "00ff", "--iv=0102", "--taglen", "12"].map(String::from)).unwrap();
        assert_eq!((a.alg.as_str(), a.key, a.iv, a.taglen), ("gcm(aes)", Some(vec![0, 0xff]), Some(vec![1, 2]), Some(12)));
        let d = super::parse(&["digest", "sha256", "file"].map(String::from)).unwrap();
        assert_eq!(d.file.as_deref(), Some("file"));
        assert!(super::parse(&["digest", "sha256", "--key", "abc"].map(String::from)).is_err());
        assert!(super::parse(&["encrypt", "x", "--bogus"].map(String::from)).is_err());
        assert!(super::parse(&["encrypt", "x", "y"].map(String::from)).is_err());
        let r = super::parse(&["rng", "stdrng", "32", "--hex"].map(String::from)).unwrap();
        assert_eq!((r.alg.as_str(), r.len, r.hex_out), ("stdrng", Some(32), true));
        assert!(super::parse(&["rng", "stdrng"].map(String::from)).is_err());
        assert!(super::parse(&["rng", "stdrng", "0"].map(String::from)).is_err());
        assert!(super::parse(&["rng", "stdrng", "x"].map(String::from)).is_err());
        assert!(super::parse(&["digest", "sha256", "--hex"].map(String::from)).is_err());
        let c = super::parse(&["decompress", "lz4", "f", "--size", "100"].map(String::from)).unwrap();
        assert_eq!((c.alg.as_str(), c.file.as_deref(), c.len), ("lz4", Some("f"), Some(100)));
        assert!(super::parse(&["compress", "lz4", "--size", "0"].map(String::from)).is_err());
        assert!(super::parse(&["compress", "lz4", "--key", "00"].map(String::from)).is_err());
        assert!(super::parse(&["digest", "sha256", "--size", "4"].map(String::from)).is_err());
    }
}
