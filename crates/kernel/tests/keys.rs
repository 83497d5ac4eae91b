//! security/keys from Debian's cfg80211: at init it makes a keyring
//! (keyring_alloc) and loads the X.509 certificates compiled into it
//! (key_create_or_update, type "asymmetric"), printing each key's
//! description, which the X.509 parser makes from the subject and the key
//! identifier (or serial). The lines must be Linux's own (taken from
//! Debian's kernel under QEMU: census linux-logs/cfg80211.log).

mod common;

use common::{kernel, log_since, tree_module};

#[test]
fn cfg80211_loads_its_regdb_certificates_as_linux_names_them() {
    let Some((k, _g)) = kernel() else { return };
    let seq = kabi::log::next_seq();
    for f in ["rfkill.ko", "cfg80211.ko"] {
        k.finit_module(&tree_module(f), "", 0).unwrap_or_else(|e| panic!("{f}: {e}; {:#?}", log_since(seq)));
    }
    let log = log_since(seq);
    let certs: Vec<&str> = log.iter().map(String::as_str).filter(|l| l.starts_with("cfg80211: Load")).collect();
    assert_eq!(
        certs,
        [
            "cfg80211: Loading compiled-in X.509 certificates for regulatory database",
            "cfg80211: Loaded X.509 cert 'benh@debian.org: 577e021cb980e0e820821ba7b54b4961b8b4fadf'",
            "cfg80211: Loaded X.509 cert 'romain.perier@gmail.com: 3abbc6ec146e09d1b6016ab9d6cf71dd233f0328'",
            "cfg80211: Loaded X.509 cert 'sforshee: 00b28ddf47aef9cea7'",
            "cfg80211: Loaded X.509 cert 'wens: 61c038651aabdcf94bd0ac7ff06c7248db18c600'",
        ],
        "{log:#?}"
    );
    assert!(!log.iter().any(|l| l.contains("Problem loading")), "{log:#?}");
    // The regulatory work requests regulatory.db (request_firmware_nowait),
    // holding a reference on cfg80211 until its callback has run: as on
    // Linux, rmmod says EAGAIN until then.
    kabi::drivers::base::firmware_loader::wait_idle();
    for m in ["cfg80211", "rfkill"] {
        k.delete_module(m, 0).unwrap_or_else(|e| panic!("rmmod {m}: {e}; {:#?}", log_since(seq)));
    }
}
