//! `module_sig_check`: the appended signature.
//!
//! Finds the marker, hands the signed image to the keyring's verifier, and
//! triages the result as Linux 6.1 does: no signature (`-ENODATA`), an
//! unsupported one (`-ENOPKG`) or an unknown key (`-ENOKEY`) are soft
//! failures — the module loads unsigned (taint E) unless `sig_enforce` is
//! set; anything else (`-EBADMSG`, `-EKEYREJECTED`, ...) refuses the load.
//! With either "ignore" flag the module counts as mangled: not checked.

use kofile::signature::{split_trailer, MAGIC};

use crate::errno::{Errno, KResult};
use crate::{pr, Kernel, KERN_ERR, MODULE_INIT_IGNORE_MODVERSIONS, MODULE_INIT_IGNORE_VERMAGIC};

const ENODATA: i32 = 61;

/// Returns (the image length later stages may use, whether it verified).
pub fn module_sig_check(k: &Kernel, image: &[u8], flags: u32) -> KResult<(usize, bool)> {
    let mangled = flags & (MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC) != 0;
    // (errno, message, the length Linux's info->len has after the failure)
    let failure: (i32, Option<String>, usize) = if mangled || !(image.len() > MAGIC.len() && image.ends_with(MAGIC)) {
        (ENODATA, None, image.len())
    } else {
        match trailer_len(image) {
            Err((e, m)) => (e, m, image.len() - MAGIC.len()),
            Ok(elf_len) => match &k.config.verifier {
                Some(v) => match v.verify(image) {
                    Ok(()) => return Ok((elf_len, true)),
                    Err((e, m)) => (e.0, Some(m).filter(|m| !m.is_empty()), elf_len),
                },
                None => (Errno::ENOKEY.0, None, elf_len),
            },
        }
    };
    let (e, msg, len) = failure;
    if let Some(m) = msg {
        pr(KERN_ERR, m);
    }
    let soft = match e {
        ENODATA => Some("unsigned module"),
        x if x == Errno::ENOPKG.0 => Some("module with unsupported crypto"),
        x if x == Errno::ENOKEY.0 => Some("module with unavailable key"),
        _ => None,
    };
    match soft {
        Some(reason) if k.config.sig_enforce => {
            pr(KERN_ERR, format!("Loading of {reason} is rejected"));
            Err(Errno::EKEYREJECTED)
        }
        Some(_) => Ok((len, false)),
        None => Err(Errno(e)),
    }
}

/// The ELF length of a signed image, with the kernel's trailer checks.
fn trailer_len(image: &[u8]) -> Result<usize, (i32, Option<String>)> {
    let body = image.len() - MAGIC.len();
    if body <= 12 {
        return Err((Errno::EBADMSG.0, None));
    }
    let (_, t) = split_trailer(image).ok_or((Errno::EBADMSG.0, None))?;
    if t.sig_len as usize >= body - 12 {
        return Err((Errno::EBADMSG.0, None));
    }
    if t.id_type != kofile::signature::ID_PKCS7 {
        return Err((Errno::ENOPKG.0, Some("module: not signed with expected PKCS#7 message".into())));
    }
    if t.algo != 0 || t.hash != 0 || t.signer_len != 0 || t.key_id_len != 0 || t.pad != [0, 0, 0] {
        return Err((Errno::EBADMSG.0, Some("module: PKCS#7 signature info has unexpected non-zero params".into())));
    }
    Ok(body - 12 - t.sig_len as usize)
}
