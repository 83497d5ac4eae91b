//! Module signature verification: the kernel's `mod_verify_sig` step
//! (spec §2.1), with the kernel's error codes.
//!
//! ```text
//! [ ELF (elf_len) ][ PKCS#7 DER (sig_len) ][ struct module_signature (12) ][ "~Module signature appended~\n" (28) ]
//! ```
//!
//! Order of checks (each as Linux 6.1 does it):
//! 1. no marker (or the image is not longer than the marker) → `-ENODATA`
//!    ("unsigned module");
//! 2. marker stripped; remaining length ≤ 12 → `-EBADMSG`;
//! 3. trailer: `sig_len >= len - 12` → `-EBADMSG`; `id_type != 2` →
//!    `-ENOPKG`; any other trailer byte non-zero → `-EBADMSG`;
//! 4. PKCS#7 parse (DER `ContentInfo` of type signedData, SignedData version
//!    1 or 3, SignerInfo version consistent with its signer identifier) →
//!    `-EBADMSG` on failure; an unknown digest or signature algorithm →
//!    `-ENOPKG`;
//! 5. content present in the message (not detached) → `-EBADMSG`;
//! 6. content type not `data` → `-EKEYREJECTED`; authenticated attributes
//!    on any signer → `-EKEYREJECTED`;
//! 7. per signer: the trusted certificate with the signer's issuer and
//!    serial (or subject key id) — none → skipped (`-ENOKEY` if no signer is
//!    trusted); found → PKCS#1 v1.5 verification of the digest of
//!    `[0, elf_len)`; any verification failure → `-EKEYREJECTED`.
//!
//! Not modelled: certificates carried inside the message (Debian's carry
//! none; the signer is always looked up among the trusted certificates),
//! the platform keyring retry, and Debian's module-hash blacklist (no
//! blacklist exists in the host). The caller applies the triage of §2.1
//! step 3 (soft vs. fatal errors), see [`SigError::is_soft`].

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use rsa::Pkcs1v15Sign;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::cert::{Certificate, PublicKey};

pub use kofile::signature::MAGIC;

/// Errno values (x86_64) used by signature checking.
pub const ENODATA: i32 = 61;
pub const ENOPKG: i32 = 65;
pub const EBADMSG: i32 = 74;
pub const ENOKEY: i32 = 126;
pub const EKEYREJECTED: i32 = 129;

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");

/// What was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigErrorKind {
    /// No signature marker: unsigned.
    Unsigned,
    /// Marker present but nothing (or ≤ 12 bytes) before it.
    Truncated,
    /// `sig_len` does not fit before the trailer.
    BadLength,
    /// `id_type` is not PKCS#7.
    NotPkcs7,
    /// A trailer field that must be zero is not.
    NonZeroParams,
    /// The PKCS#7 message does not parse.
    Malformed,
    /// A digest or public-key algorithm the kernel does not know.
    UnsupportedAlgorithm,
    /// The message carries its content (not detached).
    NotDetached,
    /// The content type is not `data`.
    NotData,
    /// A signer has authenticated attributes.
    AuthAttributes,
    /// No signer's key is among the trusted certificates.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
}

/// A failed verification: the (positive) errno and the kernel's log line
/// where it prints one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} (errno {errno}{})", self.describe(), self.message.map(|m| format!(": {m}")).unwrap_or_default())]
pub struct SigError {
    pub errno: i32,
    pub kind: SigErrorKind,
    /// The message the kernel logs at this point, if any.
    pub message: Option<&'static str>,
    /// Detail for people (not a kernel message).
    pub detail: String,
}

impl SigError {
    fn new(errno: i32, kind: SigErrorKind, message: Option<&'static str>, detail: impl Into<String>) -> Self {
        SigError { errno, kind, message, detail: detail.into() }
    }

    /// Soft errors (`-ENODATA`, `-ENOPKG`, `-ENOKEY`) let an unenforced load
    /// go on without `sig_ok`; every other error is fatal.
    pub fn is_soft(&self) -> bool {
        matches!(self.errno, ENODATA | ENOPKG | ENOKEY)
    }

    /// The reason `module_sig_check` names for soft errors ("Loading of %s is
    /// rejected" / the lockdown message follow it).
    pub fn reason(&self) -> Option<&'static str> {
        match self.errno {
            ENODATA => Some("unsigned module"),
            ENOPKG => Some("module with unsupported crypto"),
            ENOKEY => Some("module with unavailable key"),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        let name = match self.errno {
            ENODATA => "ENODATA",
            ENOPKG => "ENOPKG",
            EBADMSG => "EBADMSG",
            ENOKEY => "ENOKEY",
            EKEYREJECTED => "EKEYREJECTED",
            _ => "E?",
        };
        if self.detail.is_empty() {
            format!("-{name}")
        } else {
            format!("-{name}: {}", self.detail)
        }
    }
}

/// A verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigOk {
    /// Length of the ELF image (the file without signature, trailer, marker).
    pub elf_len: usize,
    /// Length of the PKCS#7 message.
    pub sig_len: usize,
    /// Index into the certificate slice of the key that verified it.
    pub signer: usize,
    /// The digest algorithm ("sha256", …).
    pub hash: &'static str,
}

#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(oid: &ObjectIdentifier) -> Option<Hash> {
        Some(match oid.to_string().as_str() {
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "sha1",
            Hash::Sha224 => "sha224",
            Hash::Sha256 => "sha256",
            Hash::Sha384 => "sha384",
            Hash::Sha512 => "sha512",
        }
    }
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha224 => Sha224::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
    fn scheme(self) -> Pkcs1v15Sign {
        match self {
            Hash::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
            Hash::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
            Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }
}

/// Signature algorithms accepted for RSA signers: rsaEncryption and the
/// shaNWithRSAEncryption family.
fn rsa_sig_algo(oid: &ObjectIdentifier) -> bool {
    matches!(
        oid.to_string().as_str(),
        "1.2.840.113549.1.1.1"
            | "1.2.840.113549.1.1.5"
            | "1.2.840.113549.1.1.11"
            | "1.2.840.113549.1.1.12"
            | "1.2.840.113549.1.1.13"
            | "1.2.840.113549.1.1.14"
    )
}

/// Verifies an appended module signature against trusted certificates, as
/// the kernel's `mod_verify_sig` does. On success returns the ELF length.
pub fn verify_module_signature(image: &[u8], certs: &[Certificate]) -> Result<SigOk, SigError> {
    use SigErrorKind::*;
    let marker = MAGIC.len();
    if image.len() <= marker || !image.ends_with(MAGIC) {
        return Err(SigError::new(ENODATA, Unsigned, None, "no signature marker"));
    }
    let mut len = image.len() - marker;
    if len <= 12 {
        return Err(SigError::new(EBADMSG, Truncated, None, "no room for the signature trailer"));
    }
    let t = &image[len - 12..len];
    let sig_len = u32::from_be_bytes([t[8], t[9], t[10], t[11]]) as usize;
    if sig_len >= len - 12 {
        return Err(SigError::new(EBADMSG, BadLength, None, format!("sig_len {sig_len} does not fit in {} bytes", len - 12)));
    }
    if t[2] != kofile::signature::ID_PKCS7 {
        return Err(SigError::new(
            ENOPKG,
            NotPkcs7,
            Some("module: not signed with expected PKCS#7 message"),
            format!("id_type {}", t[2]),
        ));
    }
    if t[0] != 0 || t[1] != 0 || t[3] != 0 || t[4] != 0 || t[5..8] != [0, 0, 0] {
        return Err(SigError::new(
            EBADMSG,
            NonZeroParams,
            Some("module: PKCS#7 signature info has unexpected non-zero params"),
            "",
        ));
    }
    len -= sig_len + 12;
    let elf = &image[..len];
    let pkcs7 = &image[len..len + sig_len];
    let signer = verify_pkcs7_detached(pkcs7, elf, certs)?;
    Ok(SigOk { elf_len: len, sig_len, signer: signer.0, hash: signer.1 })
}

/// PKCS#7 SignedData verification of detached `data` against `certs`
/// (steps 4–7 above). Returns the trusted signer's index and digest name.
pub fn verify_pkcs7_detached(pkcs7: &[u8], data: &[u8], certs: &[Certificate]) -> Result<(usize, &'static str), SigError> {
    use SigErrorKind::*;
    let bad = |d: String| SigError::new(EBADMSG, Malformed, None, d);
    let ci = ContentInfo::from_der(pkcs7).map_err(|e| bad(format!("PKCS#7: {e}")))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err(bad(format!("PKCS#7 content type {} is not signedData", ci.content_type)));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| bad(format!("PKCS#7 SignedData: {e}")))?;
    let v = sd.version as u8;
    if v != 1 && v != 3 {
        return Err(bad(format!("SignedData version {v}")));
    }
    struct Signer<'m> {
        hash: Hash,
        sid: &'m SignerIdentifier,
        signature: &'m [u8],
        authattrs: bool,
    }
    let mut signers = Vec::new();
    for si in sd.signer_infos.0.iter() {
        let sv = si.version as u8;
        match (&si.sid, sv) {
            (SignerIdentifier::IssuerAndSerialNumber(_), 1) | (SignerIdentifier::SubjectKeyIdentifier(_), 3) => {}
            _ => return Err(bad(format!("SignerInfo version {sv} does not match its signer identifier"))),
        }
        let Some(hash) = Hash::from_oid(&si.digest_alg.oid) else {
            return Err(SigError::new(ENOPKG, UnsupportedAlgorithm, None, format!("digest algorithm {}", si.digest_alg.oid)));
        };
        if !rsa_sig_algo(&si.signature_algorithm.oid) {
            return Err(SigError::new(
                ENOPKG,
                UnsupportedAlgorithm,
                None,
                format!("signature algorithm {}", si.signature_algorithm.oid),
            ));
        }
        signers.push(Signer { hash, sid: &si.sid, signature: si.signature.as_bytes(), authattrs: si.signed_attrs.is_some() });
    }
    if sd.encap_content_info.econtent.is_some() {
        return Err(SigError::new(EBADMSG, NotDetached, Some("PKCS#7 signature with non-detached data"), ""));
    }
    if sd.encap_content_info.econtent_type != OID_DATA {
        return Err(SigError::new(
            EKEYREJECTED,
            NotData,
            Some("Invalid module sig (not pkcs7-data)"),
            format!("content type {}", sd.encap_content_info.econtent_type),
        ));
    }
    if signers.iter().any(|s| s.authattrs) {
        return Err(SigError::new(EKEYREJECTED, AuthAttributes, Some("Invalid module sig (has authattrs)"), ""));
    }
    let mut trusted = None;
    for s in &signers {
        let found = match s.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                let issuer = ias.issuer.to_der().map_err(|e| bad(e.to_string()))?;
                let serial = ias.serial_number.as_bytes();
                certs.iter().position(|c| c.issuer_der == issuer && c.serial == serial)
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                let id = ski.0.as_bytes();
                certs.iter().position(|c| c.subject_key_id.as_deref() == Some(id))
            }
        };
        let Some(idx) = found else { continue };
        let digest = s.hash.digest(data);
        let ok = match &certs[idx].public_key {
            PublicKey::Rsa(key) => key.verify(s.hash.scheme(), &digest, s.signature).is_ok(),
            PublicKey::Unsupported { .. } => false,
        };
        if !ok {
            return Err(SigError::new(EKEYREJECTED, BadSignature, None, format!("signature by certificate {idx} does not verify")));
        }
        trusted.get_or_insert((idx, s.hash.name()));
    }
    trusted.ok_or_else(|| SigError::new(ENOKEY, UnknownKey, None, "signer not among the trusted certificates"))
}
