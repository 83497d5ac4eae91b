//! X.509 certificates of the builtin trusted keyring.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPublicKey;

const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// A certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa(RsaPublicKey),
    /// A key this host cannot verify with (its algorithm OID, dotted).
    Unsupported { algorithm: String },
}

/// One X.509 certificate, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate as embedded (DER).
    pub der: Vec<u8>,
    /// The subject's commonName ("" if none).
    pub subject_cn: String,
    /// DER of the issuer Name (what a PKCS#7 signer's issuerAndSerialNumber carries).
    pub issuer_der: Vec<u8>,
    /// The serial number's INTEGER content bytes, as encoded.
    pub serial: Vec<u8>,
    /// The subjectKeyIdentifier extension's key id, if present.
    pub subject_key_id: Option<Vec<u8>>,
    pub public_key: PublicKey,
}

/// Why bytes are not a usable certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("X.509 certificate: {0}")]
pub struct CertError(pub String);

impl Certificate {
    /// Parses a DER certificate (the whole slice must be the certificate).
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let c = x509_cert::Certificate::from_der(der).map_err(|e| CertError(e.to_string()))?;
        let tbs = &c.tbs_certificate;
        let subject_cn = tbs
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == OID_COMMON_NAME)
            .map(|atv| String::from_utf8_lossy(atv.value.value()).into_owned())
            .unwrap_or_default();
        let issuer_der = tbs.issuer.to_der().map_err(|e| CertError(e.to_string()))?;
        let serial = tbs.serial_number.as_bytes().to_vec();
        let subject_key_id = tbs.extensions.as_ref().and_then(|exts| {
            let e = exts.iter().find(|e| e.extn_id == OID_SUBJECT_KEY_ID)?;
            let ski = x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok()?;
            Some(ski.0.as_bytes().to_vec())
        });
        let spki = &tbs.subject_public_key_info;
        let public_key = if spki.algorithm.oid == OID_RSA_ENCRYPTION {
            let bits = spki.subject_public_key.as_bytes().ok_or_else(|| CertError("public key bit string has unused bits".into()))?;
            PublicKey::Rsa(RsaPublicKey::from_pkcs1_der(bits).map_err(|e| CertError(format!("RSA public key: {e}")))?)
        } else {
            PublicKey::Unsupported { algorithm: spki.algorithm.oid.to_string() }
        };
        Ok(Certificate { der: der.to_vec(), subject_cn, issuer_der, serial, subject_key_id, public_key })
    }

    /// The key size in bits (RSA modulus), 0 for an unsupported key.
    pub fn key_bits(&self) -> usize {
        match &self.public_key {
            PublicKey::Rsa(k) => k.n().bits(),
            PublicKey::Unsupported { .. } => 0,
        }
    }
}
