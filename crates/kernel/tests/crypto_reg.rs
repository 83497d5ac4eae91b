//! The crypto API's registry (crypto/api.c, algapi.c and the per-type
//! registration of shash.c, skcipher.c, kpp.c): crypto_check_alg's and the
//! types' checks with Linux's errno values, name clashes, the defaults
//! registration fills in, templates, the notifier chain, request queues,
//! `/proc/crypto` in Linux's format, and unregistration at exit — from the
//! cryptoreg test module and from Debian's own algorithm modules.

mod common;

use common::{kernel, log_since, test_module, tree_module, proc_crypto, crypto_block as block};

fn field<'a>(log: &'a [String], key: &str) -> &'a str {
    let l = log
        .iter()
        .find(|l| l.contains(key))
        .unwrap_or_else(|| panic!("no {key} in {log:#?}"));
    l.split(key)
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .trim()
}

fn num(log: &[String], key: &str) -> i64 {
    let v = field(log, key);
    v.parse().unwrap_or_else(|_| panic!("{key}{v}"))
}


/// The drivers of the algorithms modules registered (vmlinux's, "module
/// : kernel", are there from boot).
fn module_drivers(proc_crypto: &str) -> Vec<String> {
    proc_crypto
        .split("\n\n")
        .filter(|b| !b.trim().is_empty() && !b.lines().any(|l| l == "module       : kernel"))
        .filter_map(|b| b.lines().find_map(|l| l.strip_prefix("driver       : ")).map(str::to_string))
        .collect()
}


#[test]
fn cryptoreg_registry() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("cryptoreg") else {
        return;
    };
    let seq = kabi::log::next_seq();
    k.finit_module(&image, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    assert_eq!(num(&log, "notifier="), 0);
    assert_eq!(num(&log, "shash="), 0);
    // crypto_check_alg sets the refcount to 1; the type bits are SHASH
    // (0xe); no self-test ran (issue 10), so the algorithm is not TESTED.
    assert_eq!(num(&log, "refcnt="), 1);
    assert_eq!(num(&log, "type="), 0xe);
    assert_eq!(num(&log, "tested="), 0);
    // shash_prepare_alg: statesize = descsize with the default export.
    assert_eq!(num(&log, "statesize="), 8);
    assert_eq!(field(&log, "defaults="), "11111");
    assert_eq!(num(&log, "has_setkey="), 0);
    // The same struct again, a name equal to a registered driver name and
    // a driver name equal to a registered name: -EEXIST.
    assert_eq!(num(&log, "again="), -17);
    assert_eq!(num(&log, "clash_name="), -17);
    assert_eq!(num(&log, "clash_driver="), -17);
    // Another implementation of the name, and (once the first one's test
    // larval is gone) even a second algorithm with its driver name, as in
    // Linux 6.1's __crypto_register_alg.
    assert_eq!(num(&log, "fast="), 0);
    assert_eq!(num(&log, "dup_driver="), 0);
    for key in [
        "bad_digest=",
        "bad_desc=",
        "bad_export=",
        "no_driver=",
        "bad_align=",
        "big_align=",
        "big_block=",
        "neg_prio=",
        "skcipher_bad=",
        "cipher_big=",
    ] {
        assert_eq!(num(&log, key), -22, "{key} {log:#?}");
    }
    // crypto_register_shashes: the second clashes, the first is undone.
    assert_eq!(num(&log, "pair="), -17);
    assert_eq!(num(&log, "pair0_listed="), 0);
    // skcipher_prepare_alg: chunksize = blocksize, walksize = chunksize.
    assert_eq!(num(&log, "skcipher="), 0);
    assert_eq!(num(&log, "chunksize="), 1);
    assert_eq!(num(&log, "walksize="), 1);
    assert_eq!(num(&log, "kpp="), 0);
    assert_eq!(num(&log, "cipher="), 0);
    assert_eq!(num(&log, "template="), 0);
    assert_eq!(num(&log, "template_again="), -17);
    assert_eq!(num(&log, "lookup="), 1);
    // CRYPTO_MSG_ALG_LOADED for each registration after the notifier joined.
    assert_eq!(num(&log, "loaded="), 7, "{log:#?}");
    assert_eq!(
        field(&log, "names="),
        "modhost-sum-generic,modhost-sum-fast,modhost-sum-generic,modhost-pair-a,modhost-ctr-generic,modhost-dh-generic,modhost-block-generic,"
    );
    // Queue of two: two in, a third refused, a fourth (may backlog) taken
    // as backlog; dequeued in order.
    assert_eq!(num(&log, "enq0="), -115);
    assert_eq!(num(&log, "enq1="), -115);
    assert_eq!(num(&log, "enq2="), -28);
    assert_eq!(num(&log, "enq3="), -16);
    assert_eq!(num(&log, "qlen="), 3);
    assert_eq!(num(&log, "backlog_is_r3="), 1);
    assert_eq!(num(&log, "deq0="), 0);
    assert_eq!(num(&log, "backlog_after="), 1);
    assert_eq!(num(&log, "deq1="), 1);
    assert_eq!(num(&log, "deq2="), 3);
    assert_eq!(num(&log, "deq3="), -1);
    assert_eq!(num(&log, "qlen_end="), 0);
    assert_eq!(field(&log, "inc="), "010000");

    let p = proc_crypto(k);
    assert_eq!(
        block(&p, "modhost-sum-fast").as_deref(),
        Some(
            "name         : modhost-sum\n\
             driver       : modhost-sum-fast\n\
             module       : cryptoreg\n\
             priority     : 200\n\
             refcnt       : 1\n\
             selftest     : unknown\n\
             internal     : no\n\
             type         : shash\n\
             blocksize    : 1\n\
             digestsize   : 4\n"
        ),
        "{p}"
    );
    assert_eq!(
        block(&p, "modhost-ctr-generic").as_deref(),
        Some(
            "name         : modhost-ctr\n\
             driver       : modhost-ctr-generic\n\
             module       : cryptoreg\n\
             priority     : 150\n\
             refcnt       : 1\n\
             selftest     : unknown\n\
             internal     : no\n\
             type         : skcipher\n\
             async        : yes\n\
             blocksize    : 1\n\
             min keysize  : 16\n\
             max keysize  : 32\n\
             ivsize       : 16\n\
             chunksize    : 1\n\
             walksize     : 1\n"
        ),
        "{p}"
    );
    assert!(
        block(&p, "modhost-dh-generic")
            .unwrap()
            .ends_with("type         : kpp\n"),
        "{p}"
    );
    assert!(
        block(&p, "modhost-block-generic").unwrap().ends_with(
            "type         : cipher\nblocksize    : 16\nmin keysize  : 16\nmax keysize  : 32\n"
        ),
        "{p}"
    );
    // Most recent first, as list_add leaves crypto_alg_list.
    let order: Vec<&str> = p
        .lines()
        .filter_map(|l| l.strip_prefix("driver       : "))
        .filter(|d| d.starts_with("modhost-"))
        .collect();
    assert_eq!(
        order,
        [
            "modhost-block-generic",
            "modhost-dh-generic",
            "modhost-ctr-generic",
            "modhost-sum-generic",
            "modhost-sum-fast",
            "modhost-sum-generic"
        ]
    );

    let seq = kabi::log::next_seq();
    k.delete_module("cryptoreg", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    assert_eq!(num(&log, "sum_dead="), 1);
    assert_eq!(num(&log, "listed="), 0);
    // The second crypto_unregister_shash WARNs.
    assert!(
        log.iter()
            .any(|l| l == "Algorithm modhost-sum-generic is not registered"),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("WARNING: ") && l.contains("crypto/algapi.c:472")),
        "{log:#?}"
    );
    assert_eq!(num(&log, "notifier_unreg="), 0);
    assert_eq!(num(&log, "notifier_unreg_again="), -2);
    assert_eq!(module_drivers(&proc_crypto(k)), Vec::<String>::new());
}

#[test]
fn debian_algorithm_modules() {
    let Some((k, _g)) = kernel() else { return };
    // crc32c_generic: one shash; sha512_generic: two
    // (crypto_register_shashes); both self-tested by the host.
    for file in ["crc32c_generic.ko", "sha512_generic.ko"] {
        let seq = kabi::log::next_seq();
        k.finit_module(&tree_module(file), "", 0)
            .unwrap_or_else(|e| panic!("{file}: {e:?}: {:#?}", log_since(seq)));
        let log = log_since(seq);
        assert!(!log.iter().any(|l| l.starts_with("alg: ")), "{log:#?}");
    }
    let crc32c = |refcnt: u32| {
        format!(
            "name         : crc32c\n\
             driver       : crc32c-generic\n\
             module       : crc32c_generic\n\
             priority     : 100\n\
             refcnt       : {refcnt}\n\
             selftest     : passed\n\
             internal     : no\n\
             type         : shash\n\
             blocksize    : 1\n\
             digestsize   : 4\n"
        )
    };
    let p = proc_crypto(k);
    assert_eq!(block(&p, "crc32c-generic"), Some(crc32c(1)), "{p}");
    let b = block(&p, "sha384-generic").expect("sha384-generic");
    assert!(
        b.contains("module       : sha512_generic\n")
            && b.contains("selftest     : passed\n")
            && b.ends_with("blocksize    : 128\ndigestsize   : 48\n"),
        "{b}"
    );
    assert!(block(&p, "sha512-generic").is_some(), "{p}");

    // libcrc32c's init allocates a "crc32c" shash: the tested
    // crc32c-generic, whose refcount the transform holds until exit.
    let seq = kabi::log::next_seq();
    k.finit_module(&tree_module("libcrc32c.ko"), "", 0)
        .unwrap_or_else(|e| panic!("libcrc32c: {e:?}: {:#?}", log_since(seq)));
    assert_eq!(block(&proc_crypto(k), "crc32c-generic"), Some(crc32c(2)));
    // crc32c_generic is in use (the transform's module reference).
    assert!(k.delete_module("crc32c_generic", 0).is_err());
    k.delete_module("libcrc32c", 0)
        .unwrap_or_else(|e| panic!("libcrc32c: {e:?}: {:#?}", log_since(seq)));
    assert_eq!(block(&proc_crypto(k), "crc32c-generic"), Some(crc32c(1)));

    for name in ["sha512_generic", "crc32c_generic"] {
        k.delete_module(name, 0)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    assert_eq!(module_drivers(&proc_crypto(k)), Vec::<String>::new());
}

#[test]
fn hash_selftests_of_debian_modules() {
    let Some((k, _g)) = kernel() else { return };
    // The accelerated and generic implementations of the CRCs, SHA-1,
    // SHA-2 and SHA-3 pass the host's self-tests (the accelerated ones
    // through kernel_fpu_begin for long inputs).
    let mods = [
        ("crc32c-intel.ko", "crc32c_intel", Some("crc32c-intel")),
        ("crct10dif_common.ko", "crct10dif_common", None),
        (
            "crct10dif_generic.ko",
            "crct10dif_generic",
            Some("crct10dif-generic"),
        ),
        (
            "crct10dif-pclmul.ko",
            "crct10dif_pclmul",
            Some("crct10dif-pclmul"),
        ),
        ("crc64.ko", "crc64", None),
        (
            "crc64_rocksoft_generic.ko",
            "crc64_rocksoft_generic",
            Some("crc64-rocksoft-generic"),
        ),
        // short inputs go to vmlinux's crypto_sha1_update/crypto_sha256_update
        ("sha1-ssse3.ko", "sha1_ssse3", Some("sha1-ssse3")),
        ("sha256-ssse3.ko", "sha256_ssse3", Some("sha256-ssse3")),
        (
            "sha512_generic.ko",
            "sha512_generic",
            Some("sha512-generic"),
        ),
        ("sha512-ssse3.ko", "sha512_ssse3", Some("sha384-ssse3")),
        ("sha3_generic.ko", "sha3_generic", Some("sha3-256-generic")),
        // its init allocates "sha3-256-generic": the tested one above
        ("jitterentropy_rng.ko", "jitterentropy_rng", None),
    ];
    let mut loaded = Vec::new();
    for (file, name, driver) in mods {
        let seq = kabi::log::next_seq();
        let r = k.finit_module(&tree_module(file), "", 0);
        let log = log_since(seq);
        if r.is_ok() {
            loaded.push(name);
        }
        // An accelerated one may refuse a CPU without its instructions.
        if r.is_err() && file.contains("-") {
            eprintln!("{file}: {r:?} {log:#?}");
            continue;
        }
        assert!(r.is_ok(), "{file}: {r:?}: {log:#?}");
        assert!(!log.iter().any(|l| l.starts_with("alg: ")), "{log:#?}");
        if let Some(driver) = driver {
            let p = proc_crypto(k);
            let b = block(&p, driver).unwrap_or_else(|| panic!("{driver}: {p}"));
            assert!(b.contains("selftest     : passed\n"), "{b}");
        }
    }
    for name in loaded.iter().rev() {
        k.delete_module(name, 0)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    assert_eq!(module_drivers(&proc_crypto(k)), Vec::<String>::new());
}
