//! The description Linux gives an X.509 certificate loaded as an
//! asymmetric key (crypto/asymmetric_keys/x509_cert_parser.c and
//! x509_public_key.c): "<subject>: <hex of the subject key identifier, or
//! of the serial number's DER content>". The subject is the CN, or "O: CN"
//! when the CN does not begin with the O (nor share its first 7 bytes),
//! or the O, or the e-mail address; the last of each attribute counts.

use der::{Decode, Encode};
use x509_cert::Certificate;

const EBADMSG: i32 = -74;
const ENOPKG: i32 = -65;

const OID_CN: &str = "2.5.4.3";
const OID_O: &str = "2.5.4.10";
const OID_EMAIL: &str = "1.2.840.113549.1.9.1";
const OID_SKID: &str = "2.5.29.14";
/// Public key algorithms the kernel's X.509 parser accepts (rsaEncryption,
/// id-ecPublicKey, SM2, ed25519 is not in 6.1).
const KEY_ALGS: [&str; 2] = ["1.2.840.113549.1.1.1", "1.2.840.10045.2.1"];

/// The key description, or -EBADMSG for what does not parse and -ENOPKG
/// for a public key algorithm the kernel has no parser for.
pub fn key_description(data: &[u8]) -> Result<String, i32> {
    let cert = Certificate::from_der(data).map_err(|_| EBADMSG)?;
    let tbs = &cert.tbs_certificate;
    let alg = tbs.subject_public_key_info.algorithm.oid.to_string();
    if !KEY_ALGS.contains(&alg.as_str()) {
        return Err(ENOPKG);
    }
    let (mut cn, mut o, mut email): (Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>) =
        (None, None, None);
    for rdn in tbs.subject.0.iter() {
        for atv in rdn.0.iter() {
            let v = atv.value.value().to_vec();
            match atv.oid.to_string().as_str() {
                OID_CN => cn = Some(v),
                OID_O => o = Some(v),
                OID_EMAIL => email = Some(v),
                _ => {}
            }
        }
    }
    let subject: Vec<u8> = match (cn, o, email) {
        (Some(cn), Some(o), _) => {
            if (cn.len() >= o.len() && cn[..o.len()] == o[..])
                || (cn.len() >= 7 && o.len() >= 7 && cn[..7] == o[..7])
            {
                cn
            } else {
                let mut b = o;
                b.extend_from_slice(b": ");
                b.extend_from_slice(&cn);
                b
            }
        }
        (Some(cn), None, _) => cn,
        (None, Some(o), _) => o,
        (None, None, Some(e)) => e,
        (None, None, None) => Vec::new(),
    };
    let skid = tbs
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id.to_string() == OID_SKID)
        .map(|e| {
            // The extension's OCTET STRING holds a DER OCTET STRING: the key id.
            der::asn1::OctetString::from_der(e.extn_value.as_bytes()).map(|o| o.as_bytes().to_vec())
        });
    let id = match skid {
        Some(Ok(id)) => id,
        Some(Err(_)) => return Err(EBADMSG),
        None => {
            // The serial number's DER content octets (with a leading 0 if any).
            let der = tbs.serial_number.to_der().map_err(|_| EBADMSG)?;
            let hdr = if der.get(1).is_some_and(|&l| l & 0x80 != 0) {
                2 + (der[1] & 0x7f) as usize
            } else {
                2
            };
            der.get(hdr..).ok_or(EBADMSG)?.to_vec()
        }
    };
    let mut d = String::from_utf8_lossy(&subject).into_owned();
    d.push_str(": ");
    for b in id {
        d.push_str(&format!("{b:02x}"));
    }
    Ok(d)
}
