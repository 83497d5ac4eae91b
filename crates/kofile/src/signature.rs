//! The signature appended to a module file.
//!
//! ```text
//! [ ELF image ][ signer ][ key id ][ signature ][ struct module_signature (12) ][ "~Module signature appended~\n" ]
//! ```
//! For PKCS#7 (id type 2, what every modern kernel uses) signer and key id are
//! empty and the signature is a DER PKCS#7 SignedData; the signer, key id and
//! hash are read from its first SignerInfo with the RustCrypto `cms` crate.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::{Encode, Reader, SliceReader};

/// The marker that ends a signed module.
pub const MAGIC: &[u8] = b"~Module signature appended~\n";
/// Size of `struct module_signature`.
pub const TRAILER_LEN: usize = 12;

/// Public-key algorithm names by `module_signature.algo`.
pub const ALGO_NAMES: [&str; 2] = ["DSA", "RSA"];
/// Hash names by `module_signature.hash`.
pub const HASH_NAMES: [&str; 9] = ["md4", "md5", "sha1", "rmd160", "sha256", "sha384", "sha512", "sha224", "sm3"];
/// Key identifier types by `module_signature.id_type`.
pub const ID_TYPE_NAMES: [&str; 3] = ["PGP", "X509", "PKCS#7"];
pub const ID_PKCS7: u8 = 2;

/// `struct module_signature`, as stored (lengths already decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    pub algo: u8,
    pub hash: u8,
    pub id_type: u8,
    pub signer_len: u8,
    pub key_id_len: u8,
    pub pad: [u8; 3],
    /// Big-endian on disk.
    pub sig_len: u32,
}

impl Trailer {
    pub fn parse(b: &[u8; TRAILER_LEN]) -> Self {
        Trailer {
            algo: b[0],
            hash: b[1],
            id_type: b[2],
            signer_len: b[3],
            key_id_len: b[4],
            pad: [b[5], b[6], b[7]],
            sig_len: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        }
    }
}

/// Splits a signed image into (bytes before the marker, trailer), if the image
/// ends with the marker and has room for the trailer.
pub fn split_trailer(image: &[u8]) -> Option<(&[u8], Trailer)> {
    let body = image.strip_suffix(MAGIC)?;
    let at = body.len().checked_sub(TRAILER_LEN)?;
    let t: &[u8; TRAILER_LEN] = body[at..].try_into().ok()?;
    Some((&body[..at], Trailer::parse(t)))
}

/// What modinfo reports about a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInfo<'a> {
    /// `PGP`, `X509` or `PKCS#7`.
    pub id_type: &'static str,
    /// The signer's name (for PKCS#7: the issuer's common name).
    pub signer: Vec<u8>,
    /// The key identifier (for PKCS#7: the issuer's serial number, minimal big-endian bytes).
    pub key_id: Vec<u8>,
    /// The hash algorithm name.
    pub hash_algo: &'static str,
    /// The public-key algorithm name (from the trailer).
    pub algo: &'static str,
    /// The raw signature bytes (for PKCS#7: the SignerInfo's signature value).
    pub signature: std::borrow::Cow<'a, [u8]>,
    /// The DER PKCS#7 message, for id type PKCS#7.
    pub pkcs7: Option<&'a [u8]>,
}

/// Reads the appended signature as kmod 30 (Debian, with OpenSSL) does.
///
/// `None` when the image is not signed, the trailer is out of range
/// (algo ≥ 2, hash ≥ 9, id type ≥ 3, zero length, lengths past the start), or
/// a PKCS#7 message cannot be parsed or uses an unknown digest.
pub fn info(image: &[u8]) -> Option<SignatureInfo<'_>> {
    let (body, t) = split_trailer(image)?;
    if usize::from(t.algo) >= ALGO_NAMES.len()
        || usize::from(t.hash) >= HASH_NAMES.len()
        || usize::from(t.id_type) >= ID_TYPE_NAMES.len()
    {
        return None;
    }
    let sig_len = t.sig_len as usize;
    let need = usize::from(t.signer_len) + usize::from(t.key_id_len) + sig_len;
    if sig_len == 0 || body.len() < need {
        return None;
    }
    let sig_at = body.len() - sig_len;
    let sig = &body[sig_at..];
    let id_type = ID_TYPE_NAMES[usize::from(t.id_type)];
    if t.id_type == ID_PKCS7 {
        let p = parse_pkcs7(sig)?;
        return Some(SignatureInfo {
            id_type,
            signer: p.signer,
            key_id: p.key_id,
            hash_algo: p.hash_algo,
            algo: ALGO_NAMES[usize::from(t.algo)],
            signature: p.signature.into(),
            pkcs7: Some(sig),
        });
    }
    let key_at = sig_at - usize::from(t.key_id_len);
    let signer_at = key_at - usize::from(t.signer_len);
    Some(SignatureInfo {
        id_type,
        signer: body[signer_at..key_at].to_vec(),
        key_id: body[key_at..sig_at].to_vec(),
        hash_algo: HASH_NAMES[usize::from(t.hash)],
        algo: ALGO_NAMES[usize::from(t.algo)],
        signature: sig.into(),
        pkcs7: None,
    })
}

/// The fields of the first SignerInfo of a PKCS#7 SignedData message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs7Signer {
    pub signer: Vec<u8>,
    pub key_id: Vec<u8>,
    pub hash_algo: &'static str,
    pub digest_oid: ObjectIdentifier,
    pub signature: Vec<u8>,
    /// DER of the issuer Name and the serial's content bytes, to find the certificate.
    pub issuer_der: Vec<u8>,
    pub serial: Vec<u8>,
}

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// The digest algorithms OpenSSL maps onto kmod's hash names.
pub fn digest_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    Some(match oid.to_string().as_str() {
        "1.2.840.113549.2.4" => "md4",
        "1.2.840.113549.2.5" => "md5",
        "1.3.14.3.2.26" => "sha1",
        "1.3.36.3.2.1" => "rmd160",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "2.16.840.1.101.3.4.2.3" => "sha512",
        "2.16.840.1.101.3.4.2.4" => "sha224",
        "1.2.156.10197.1.401" => "sm3",
        _ => return None,
    })
}

/// Parses a DER PKCS#7 SignedData (trailing bytes after it are ignored, as
/// OpenSSL's `d2i_PKCS7` does) and returns its first signer.
pub fn parse_pkcs7(der_bytes: &[u8]) -> Option<Pkcs7Signer> {
    let mut reader = SliceReader::new(der_bytes).ok()?;
    let ci: ContentInfo = reader.decode().ok()?;
    if ci.content_type != OID_SIGNED_DATA {
        return None;
    }
    let sd: SignedData = ci.content.decode_as().ok()?;
    let si = sd.signer_infos.0.iter().next()?;
    let SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
        return None;
    };
    let hash_algo = digest_name(&si.digest_alg.oid)?;
    // OpenSSL's walk: stop at the first commonName; with none, the last
    // attribute seen is used; an empty name gives no signer.
    let mut chosen = None;
    for atv in ias.issuer.0.iter().flat_map(|rdn| rdn.0.iter()) {
        chosen = Some(atv);
        if atv.oid == OID_COMMON_NAME {
            break;
        }
    }
    let signer = chosen.map(|atv| {
        let v = atv.value.value();
        // printed with %s by kmod: the name ends at the first NUL
        v.iter().take_while(|&&b| b != 0).copied().collect()
    });
    let serial = ias.serial_number.as_bytes().to_vec();
    Some(Pkcs7Signer {
        signer: signer.unwrap_or_default(),
        key_id: integer_magnitude(&serial),
        hash_algo,
        digest_oid: si.digest_alg.oid,
        signature: si.signature.as_bytes().to_vec(),
        issuer_der: ias.issuer.to_der().ok()?,
        serial,
    })
}

/// The magnitude of a DER INTEGER's two's-complement content bytes as
/// minimal big-endian bytes (what OpenSSL's BN_bn2bin gives; zero is empty).
pub fn integer_magnitude(twos: &[u8]) -> Vec<u8> {
    let negative = twos.first().is_some_and(|&b| b & 0x80 != 0);
    let mut mag: Vec<u8> = if negative {
        // negate: invert and add one
        let mut v: Vec<u8> = twos.iter().map(|b| !b).collect();
        for b in v.iter_mut().rev() {
            let (n, carry) = b.overflowing_add(1);
            *b = n;
            if !carry {
                break;
            }
        }
        v
    } else {
        twos.to_vec()
    };
    let lead = mag.iter().take_while(|&&b| b == 0).count();
    mag.drain(..lead);
    mag
}

/// Formats bytes as kmod does: `%02X` joined by `:`, and after every 20th
/// byte (when more follow) the separator is `:\n\t\t`.
pub fn hex_folded(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = Vec::with_capacity(bytes.len() * 3 + bytes.len() / 20 * 3);
    for (i, &b) in bytes.iter().enumerate() {
        s.push(DIGITS[usize::from(b >> 4)]);
        s.push(DIGITS[usize::from(b & 0xf)]);
        if i + 1 < bytes.len() {
            s.push(b':');
            if (i + 1) % 20 == 0 {
                s.extend_from_slice(b"\n\t\t");
            }
        }
    }
    // only ASCII hex digits and separators were pushed
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitude() {
        assert_eq!(integer_magnitude(&[0x00, 0x80, 0x01]), vec![0x80, 0x01]);
        assert_eq!(integer_magnitude(&[0x00]), Vec::<u8>::new());
        assert_eq!(integer_magnitude(&[0xff]), vec![0x01]);
        assert_eq!(integer_magnitude(&[0x7f, 0x00]), vec![0x7f, 0x00]);
    }

    #[test]
    fn hex() {
        assert_eq!(hex_folded(&[]), "");
        assert_eq!(hex_folded(&[1, 0xab]), "01:AB");
        let b: Vec<u8> = (0..21).collect();
        let h = hex_folded(&b);
        assert!(h.contains(":13:\n\t\t14"), "{h}");
        let b: Vec<u8> = (0..20).collect();
        assert!(!hex_folded(&b).contains('\n'));
    }

    #[test]
    fn trailer_checks() {
        let mut img = b"ELFDATA".to_vec();
        img.extend_from_slice(b"SIG");
        img.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
        img.extend_from_slice(MAGIC);
        let i = info(&img).unwrap();
        assert_eq!(i.id_type, "PGP");
        assert_eq!(&*i.signature, b"SIG");
        assert_eq!(i.hash_algo, "md4");
        // zero length, bad algo, bad hash, bad id type, too long
        for (pos, val) in [(11usize, 0u8), (0, 2), (1, 9), (2, 3), (11, 200)] {
            let mut bad = img.clone();
            let base = 10;
            bad[base + pos] = val;
            assert!(info(&bad).is_none(), "pos {pos} val {val}");
        }
        // unsigned
        assert!(info(b"plain").is_none());
        // PKCS#7 with garbage: no info
        let mut p = b"ELF".to_vec();
        p.extend_from_slice(b"\x30\x03\x02\x01\x01");
        p.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        p.extend_from_slice(MAGIC);
        assert!(info(&p).is_none());
    }
}
