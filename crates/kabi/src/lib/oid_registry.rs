//! lib/oid_registry.c: the OIDs Linux 6.1 knows (include/linux/
//! oid_registry.h's `enum OID`, in its order — modules compile the
//! values in: ecrdsa compares `look_up_OID`'s answers with OID_gost*),
//! `look_up_OID` (the enum value of an OID's DER content, OID__NR for
//! one not in the table), `parse_OID`, `sprint_oid` and `sprint_OID`.

const EBADMSG: i32 = -74;
const ENOBUFS: i32 = -105;

/// 6.1's `enum OID`, each with its dotted form.
pub(crate) const OIDS: [(&str, &str); 98] = [
    ("id_dsa_with_sha1", "1.2.840.10030.4.3"),
    ("id_dsa", "1.2.840.10040.4.1"),
    ("id_ecPublicKey", "1.2.840.10045.2.1"),
    ("id_prime192v1", "1.2.840.10045.3.1.1"),
    ("id_prime256v1", "1.2.840.10045.3.1.7"),
    ("id_ecdsa_with_sha1", "1.2.840.10045.4.1"),
    ("id_ecdsa_with_sha224", "1.2.840.10045.4.3.1"),
    ("id_ecdsa_with_sha256", "1.2.840.10045.4.3.2"),
    ("id_ecdsa_with_sha384", "1.2.840.10045.4.3.3"),
    ("id_ecdsa_with_sha512", "1.2.840.10045.4.3.4"),
    ("rsaEncryption", "1.2.840.113549.1.1.1"),
    ("md2WithRSAEncryption", "1.2.840.113549.1.1.2"),
    ("md3WithRSAEncryption", "1.2.840.113549.1.1.3"),
    ("md4WithRSAEncryption", "1.2.840.113549.1.1.4"),
    ("sha1WithRSAEncryption", "1.2.840.113549.1.1.5"),
    ("sha256WithRSAEncryption", "1.2.840.113549.1.1.11"),
    ("sha384WithRSAEncryption", "1.2.840.113549.1.1.12"),
    ("sha512WithRSAEncryption", "1.2.840.113549.1.1.13"),
    ("sha224WithRSAEncryption", "1.2.840.113549.1.1.14"),
    ("data", "1.2.840.113549.1.7.1"),
    ("signed_data", "1.2.840.113549.1.7.2"),
    ("email_address", "1.2.840.113549.1.9.1"),
    ("contentType", "1.2.840.113549.1.9.3"),
    ("messageDigest", "1.2.840.113549.1.9.4"),
    ("signingTime", "1.2.840.113549.1.9.5"),
    ("smimeCapabilites", "1.2.840.113549.1.9.15"),
    ("smimeAuthenticatedAttrs", "1.2.840.113549.1.9.16.2.11"),
    ("md2", "1.2.840.113549.2.2"),
    ("md4", "1.2.840.113549.2.4"),
    ("md5", "1.2.840.113549.2.5"),
    ("mskrb5", "1.2.840.48018.1.2.2"),
    ("krb5", "1.2.840.113554.1.2.2"),
    ("krb5u2u", "1.2.840.113554.1.2.2.3"),
    ("msIndirectData", "1.3.6.1.4.1.311.2.1.4"),
    ("msStatementType", "1.3.6.1.4.1.311.2.1.11"),
    ("msSpOpusInfo", "1.3.6.1.4.1.311.2.1.12"),
    ("msPeImageDataObjId", "1.3.6.1.4.1.311.2.1.15"),
    ("msIndividualSPKeyPurpose", "1.3.6.1.4.1.311.2.1.21"),
    ("msOutlookExpress", "1.3.6.1.4.1.311.16.4"),
    ("ntlmssp", "1.3.6.1.4.1.311.2.2.10"),
    ("spnego", "1.3.6.1.5.5.2"),
    ("IAKerb", "1.3.6.1.5.2.5"),
    ("PKU2U", "1.3.5.1.5.2.7"),
    ("Scram", "1.3.6.1.5.5.14"),
    ("certAuthInfoAccess", "1.3.6.1.5.5.7.1.1"),
    ("sha1", "1.3.14.3.2.26"),
    ("id_ansip384r1", "1.3.132.0.34"),
    ("sha256", "2.16.840.1.101.3.4.2.1"),
    ("sha384", "2.16.840.1.101.3.4.2.2"),
    ("sha512", "2.16.840.1.101.3.4.2.3"),
    ("sha224", "2.16.840.1.101.3.4.2.4"),
    ("commonName", "2.5.4.3"),
    ("surname", "2.5.4.4"),
    ("countryName", "2.5.4.6"),
    ("locality", "2.5.4.7"),
    ("stateOrProvinceName", "2.5.4.8"),
    ("organizationName", "2.5.4.10"),
    ("organizationUnitName", "2.5.4.11"),
    ("title", "2.5.4.12"),
    ("description", "2.5.4.13"),
    ("name", "2.5.4.41"),
    ("givenName", "2.5.4.42"),
    ("initials", "2.5.4.43"),
    ("generationalQualifier", "2.5.4.44"),
    ("subjectKeyIdentifier", "2.5.29.14"),
    ("keyUsage", "2.5.29.15"),
    ("subjectAltName", "2.5.29.17"),
    ("issuerAltName", "2.5.29.18"),
    ("basicConstraints", "2.5.29.19"),
    ("crlDistributionPoints", "2.5.29.31"),
    ("certPolicies", "2.5.29.32"),
    ("authorityKeyIdentifier", "2.5.29.35"),
    ("extKeyUsage", "2.5.29.37"),
    ("NetlogonMechanism", "1.2.752.43.14.2"),
    ("appleLocalKdcSupported", "1.2.752.43.14.3"),
    ("gostCPSignA", "1.2.643.2.2.35.1"),
    ("gostCPSignB", "1.2.643.2.2.35.2"),
    ("gostCPSignC", "1.2.643.2.2.35.3"),
    ("gost2012PKey256", "1.2.643.7.1.1.1.1"),
    ("gost2012PKey512", "1.2.643.7.1.1.1.2"),
    ("gost2012Digest256", "1.2.643.7.1.1.2.2"),
    ("gost2012Digest512", "1.2.643.7.1.1.2.3"),
    ("gost2012Signature256", "1.2.643.7.1.1.3.2"),
    ("gost2012Signature512", "1.2.643.7.1.1.3.3"),
    ("gostTC26Sign256A", "1.2.643.7.1.2.1.1.1"),
    ("gostTC26Sign256B", "1.2.643.7.1.2.1.1.2"),
    ("gostTC26Sign256C", "1.2.643.7.1.2.1.1.3"),
    ("gostTC26Sign256D", "1.2.643.7.1.2.1.1.4"),
    ("gostTC26Sign512A", "1.2.643.7.1.2.1.2.1"),
    ("gostTC26Sign512B", "1.2.643.7.1.2.1.2.2"),
    ("gostTC26Sign512C", "1.2.643.7.1.2.1.2.3"),
    ("sm2", "1.2.156.10197.1.301"),
    ("sm3", "1.2.156.10197.1.401"),
    ("SM2_with_SM3", "1.2.156.10197.1.501"),
    ("sm3WithRSAEncryption", "1.2.156.10197.1.504"),
    ("TPMLoadableKey", "2.23.133.10.1.3"),
    ("TPMImportableKey", "2.23.133.10.1.4"),
    ("TPMSealedData", "2.23.133.10.1.5"),
];

/// `OID__NR`.
pub(crate) const OID_NR: u32 = OIDS.len() as u32;

/// The DER content of a dotted OID (first two arcs in one byte, as
/// build_OID_registry does).
pub(crate) fn encode(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut out = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut groups = vec![(a & 0x7f) as u8];
        let mut v = a >> 7;
        while v != 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    out
}

fn table() -> &'static [Vec<u8>] {
    static T: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    T.get_or_init(|| OIDS.iter().map(|(_, d)| encode(d)).collect())
}

/// `look_up_OID(data, datasize)`.
pub(crate) fn look_up(data: &[u8]) -> u32 {
    table().iter().position(|t| t[..] == *data).map_or(OID_NR, |i| i as u32)
}

/// `sprint_oid`'s text of an OID's DER content; Err for a bad encoding
/// (Linux writes "(bad)").
pub(crate) fn sprint(data: &[u8]) -> Result<String, ()> {
    let (&first, mut rest) = data.split_first().ok_or(())?;
    let mut s = format!("{}.{}", first / 40, first % 40);
    while let Some((&n, r)) = rest.split_first() {
        rest = r;
        let mut num = (n & 0x7f) as u64;
        if n & 0x80 != 0 {
            loop {
                let (&b, r) = rest.split_first().ok_or(())?;
                rest = r;
                num = (num << 7) | (b & 0x7f) as u64;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        s.push_str(&format!(".{num}"));
    }
    Ok(s)
}

fn data<'a>(p: u64, n: u64) -> &'a [u8] {
    if n == 0 {
        return &[];
    }
    // SAFETY: the caller's buffer of `n` bytes.
    unsafe { std::slice::from_raw_parts(p as *const u8, n as usize) }
}

/// snprintf of `s` into the caller's buffer: the length it would have.
fn put(buf: u64, bufsize: u64, s: &str) -> usize {
    if bufsize > 0 {
        let n = s.len().min(bufsize as usize - 1);
        // SAFETY: the caller's buffer of `bufsize` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), buf as *mut u8, n);
            *((buf + n as u64) as *mut u8) = 0;
        }
    }
    s.len()
}

/// `sprint_oid(data, datasize, buffer, bufsize)`: the text's length,
/// -ENOBUFS when a piece does not fit, -EBADMSG (with "(bad)") for a bad
/// encoding.
fn sprint_to(d: &[u8], buf: u64, bufsize: u64) -> i32 {
    let Ok(s) = sprint(d) else {
        put(buf, bufsize, "(bad)");
        return EBADMSG;
    };
    // Linux writes piece by piece and stops at the first that does not fit
    let mut written = 0u64;
    for (i, piece) in s.split('.').enumerate() {
        let text = match i {
            0 => continue,
            1 => format!("{}.{}", s.split('.').next().unwrap_or(""), piece),
            _ => format!(".{piece}"),
        };
        let c = put(buf + written, bufsize - written, &text) as u64;
        if c >= bufsize - written {
            return ENOBUFS;
        }
        written += c;
    }
    written as i32
}

crate::kfn! {
    /// `enum OID look_up_OID(data, datasize)`.
    fn look_up_OID(p: u64, n: u64) -> u32 {
        look_up(data(p, n))
    }
}

crate::kfn! {
    /// `int parse_OID(data, datasize, oid)`: a whole DER OID (tag 06, a
    /// one-byte length covering the rest, at least one byte): -EBADMSG
    /// otherwise.
    fn parse_OID(p: u64, n: u64, oid: u64) -> i32 {
        let d = data(p, n);
        if n < 3 || d[0] != 6 || d[1] as u64 != n - 2 {
            return EBADMSG;
        }
        crate::drivers::base::wr32(oid, look_up(&d[2..]));
        0
    }
}

crate::kfn! {
    /// `int sprint_oid(data, datasize, buffer, bufsize)`.
    fn sprint_oid(p: u64, n: u64, buf: u64, bufsize: u64) -> i32 {
        sprint_to(data(p, n), buf, bufsize)
    }
}

/// `int sprint_OID(oid, buffer, bufsize)`: an OID of the table (one
/// beyond it is Linux's BUG(), ending the caller).
extern "C" fn sprint_oid_enum(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 3) };
    let (oid, buf, bufsize) = (a.arg(0) as u32, a.arg(1), a.arg(2));
    if oid >= OID_NR {
        crate::crypto::algapi::bug("lib/oid_registry.c", 170, Some(crate::crypto::algapi::caller(stack)));
        return EBADMSG;
    }
    sprint_to(&table()[oid as usize], buf, bufsize)
}
crate::export_variadic!("sprint_OID" => sprint_oid_enum);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips() {
        for (i, (_, d)) in OIDS.iter().enumerate() {
            assert_eq!(look_up(&encode(d)), i as u32);
            assert_eq!(sprint(&encode(d)).unwrap(), *d);
        }
        assert_eq!(OIDS[75].0, "gostCPSignA");
        assert_eq!(look_up(&[0x2a, 0x03]), OID_NR);
        assert!(sprint(&[0x2a, 0x86]).is_err());
    }
}
