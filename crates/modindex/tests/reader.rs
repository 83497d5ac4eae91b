//! Reader tests on hand-made and generated index files.

mod common;

use common::{Rng, Trie};
use modindex::{Error, Index, IndexFile, Value, ValueOrder};

/// Spec §2.3: `ask ate on once one`, each with value "" priority 0, as
/// written by the real depmod into modules.builtin.bin.
const WORKED_EXAMPLE: [u8; 151] = {
    let mut b = [0u8; 151];
    let head: [u8; 0x5F] = [
        0xB0, 0x07, 0xF4, 0x57, 0x00, 0x02, 0x00, 0x01, 0x20, 0x00, 0x00, 0x59, // header
        0x6B, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0x00, // 0x0C "k"
        0x65, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0x00, // 0x17 "e"
        0x73, 0x74, 0xC0, 0, 0, 0x0C, 0xC0, 0, 0, 0x17, // 0x22 children s..t
        0x65, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0x00, // 0x2C "e"
        0, 0, 0, 1, 0, 0, 0, 0, 0x00, // 0x37 value only
        0x6E, 0x00, 0x63, 0x65, 0xC0, 0, 0, 0x2C, 0, 0, 0, 0, 0x40, 0, 0, 0x37, 0, 0, 0, 1, 0, 0,
        0, 0, 0x00, // 0x40 "n", children c..e, value
        0x61, 0x6F, 0x20, 0, 0, 0x22, // 0x59 root: children a..o, 'a' first
    ];
    let mut i = 0;
    while i < head.len() {
        b[i] = head[i];
        i += 1;
    }
    // 13 empty slots for 'b'..'n', then 'o'.
    b[0x5F + 13 * 4] = 0xE0;
    b[0x5F + 13 * 4 + 3] = 0x40;
    b
};

fn collect_dump(index: &Index<'_>, order: ValueOrder) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    index
        .dump(order, |k, v| out.push((k.to_vec(), v.value.to_vec())))
        .unwrap();
    out
}

fn values(vs: &[Value<'_>]) -> Vec<(u32, Vec<u8>)> {
    vs.iter().map(|v| (v.priority, v.value.to_vec())).collect()
}

#[test]
fn worked_example_bytes_and_lookups() {
    let mut t = Trie::new();
    for k in ["ask", "ate", "on", "once", "one"] {
        t.insert(k.as_bytes(), b"", 0);
    }
    assert_eq!(
        t.to_bytes(),
        WORKED_EXAMPLE,
        "test builder reproduces spec §2.3"
    );

    let index = Index::new(&WORKED_EXAMPLE).unwrap();
    assert_eq!(index.version(), 0x0002_0001);
    for k in ["ask", "ate", "on", "once", "one"] {
        assert_eq!(
            index.lookup_exact(k.as_bytes()).unwrap(),
            Some(&b""[..]),
            "{k}"
        );
    }
    for k in [
        "", "a", "as", "asks", "o", "onc", "ones", "b", "x", "on\u{e9}", "\u{80}",
    ] {
        assert_eq!(index.lookup_exact(k.as_bytes()).unwrap(), None, "{k:?}");
    }
    // The key ends at a NUL, like a C string.
    assert_eq!(index.lookup_exact(b"one\0garbage").unwrap(), Some(&b""[..]));

    let keys: Vec<Vec<u8>> = collect_dump(&index, ValueOrder::Mmap)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, [&b"ask"[..], b"ate", b"on", b"once", b"one"]);

    assert_eq!(
        values(&index.lookup_wildcard(b"once", ValueOrder::Mmap).unwrap()),
        [(0, vec![])]
    );
    assert!(index
        .lookup_wildcard(b"onc", ValueOrder::Mmap)
        .unwrap()
        .is_empty());
}

#[test]
fn empty_index() {
    let bytes = [0xB0, 0x07, 0xF4, 0x57, 0, 2, 0, 1, 0, 0, 0, 12];
    assert_eq!(Trie::new().to_bytes(), bytes);
    let index = Index::new(&bytes).unwrap();
    assert_eq!(index.lookup_exact(b"x").unwrap(), None);
    assert_eq!(index.lookup_exact(b"").unwrap(), None);
    assert!(index
        .lookup_wildcard(b"x", ValueOrder::Stdio)
        .unwrap()
        .is_empty());
    assert!(collect_dump(&index, ValueOrder::Mmap).is_empty());
    // Root offset 0: no root node at all.
    let bytes = [0xB0, 0x07, 0xF4, 0x57, 0, 2, 0, 1, 0, 0, 0, 0];
    let index = Index::new(&bytes).unwrap();
    assert_eq!(index.lookup_exact(b"").unwrap(), None);
    assert!(collect_dump(&index, ValueOrder::Mmap).is_empty());
}

#[test]
fn header_errors() {
    assert!(matches!(
        Index::new(&WORKED_EXAMPLE[..11]),
        Err(Error::TooShort { len: 11 })
    ));
    let mut b = WORKED_EXAMPLE;
    b[3] = 0x58;
    assert!(matches!(
        Index::new(&b),
        Err(Error::BadMagic { found: 0xB007_F458 })
    ));
    let mut b = WORKED_EXAMPLE;
    b[5] = 3;
    assert!(matches!(
        Index::new(&b),
        Err(Error::BadVersion { found: 0x0003_0001 })
    ));
    // Any minor version is fine.
    let mut b = WORKED_EXAMPLE;
    b[6] = 0xFF;
    b[7] = 0x07;
    let index = Index::new(&b).unwrap();
    assert_eq!(index.version(), 0x0002_FF07);
    assert_eq!(index.lookup_exact(b"one").unwrap(), Some(&b""[..]));
}

fn with_root(body: &[u8], root: u32) -> Vec<u8> {
    let mut b = vec![0xB0, 0x07, 0xF4, 0x57, 0, 2, 0, 1];
    b.extend_from_slice(&root.to_be_bytes());
    b.extend_from_slice(body);
    b
}

#[test]
fn node_errors_name_offsets() {
    // Root points past the end.
    let b = with_root(&[], 0x4000_0100);
    let index = Index::new(&b).unwrap();
    let e = index.lookup_exact(b"a").unwrap_err();
    assert!(
        matches!(
            e,
            Error::NodeOutOfBounds {
                reference: 0x4000_0100,
                len: 12
            }
        ),
        "{e}"
    );

    // Unterminated prefix.
    let b = with_root(b"abc", 0x8000_000C);
    let e = Index::new(&b).unwrap().lookup_exact(b"abc").unwrap_err();
    assert!(matches!(e, Error::UnterminatedString { offset: 12 }), "{e}");

    // Child table cut short.
    let b = with_root(&[b'a', b'c', 0, 0, 0, 0], 0x2000_000C);
    let e = Index::new(&b).unwrap().lookup_exact(b"a").unwrap_err();
    assert!(
        matches!(e, Error::ChildTableOutOfBounds { offset: 12 }),
        "{e}"
    );
    let b = with_root(b"a", 0x2000_000C);
    let e = Index::new(&b)
        .unwrap()
        .dump(ValueOrder::Mmap, |_, _| {})
        .unwrap_err();
    assert!(
        matches!(e, Error::ChildTableOutOfBounds { offset: 12 }),
        "{e}"
    );

    // Inverted child range.
    let b = with_root(&[b'c', b'a', 0, 0, 0, 0], 0x2000_000C);
    let e = Index::new(&b).unwrap().lookup_exact(b"a").unwrap_err();
    assert!(
        matches!(
            e,
            Error::BadChildRange {
                offset: 12,
                first: b'c',
                last: b'a'
            }
        ),
        "{e}"
    );

    // Value count without values.
    let b = with_root(&[0, 0, 0, 2, 0, 0, 0, 0, b'x', 0], 0x4000_000C);
    let index = Index::new(&b).unwrap();
    assert_eq!(index.lookup_exact(b"").unwrap(), Some(&b"x"[..]));
    let e = index.lookup_wildcard(b"", ValueOrder::Mmap).unwrap_err();
    assert!(matches!(e, Error::ValuesOutOfBounds { offset: 22 }), "{e}");
    let b = with_root(&[0, 0, 0, 1, 0, 0, 0, 0, b'x'], 0x4000_000C);
    let e = Index::new(&b).unwrap().lookup_exact(b"").unwrap_err();
    assert!(matches!(e, Error::UnterminatedString { offset: 20 }), "{e}");
    let b = with_root(&[0, 0, 0], 0x4000_000C);
    let e = Index::new(&b).unwrap().lookup_exact(b"").unwrap_err();
    assert!(matches!(e, Error::ValuesOutOfBounds { offset: 12 }), "{e}");
}

#[test]
fn cycles_are_reported_not_followed_forever() {
    // Root at 12: children '*'..'*' pointing back at itself, plus a value.
    let mut body = vec![b'*', b'*'];
    body.extend_from_slice(&0x6000_000Cu32.to_be_bytes());
    body.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, b'm', 0]);
    let b = with_root(&body, 0x6000_000C);
    let index = Index::new(&b).unwrap();
    // Exact lookups consume a key byte per step, so they end.
    assert_eq!(index.lookup_exact(b"***").unwrap(), Some(&b"m"[..]));
    let e = index.dump(ValueOrder::Mmap, |_, _| {}).unwrap_err();
    assert!(matches!(e, Error::NotATree { offset: 12 }), "{e}");
    let e = index.lookup_wildcard(b"x", ValueOrder::Mmap).unwrap_err();
    assert!(matches!(e, Error::NotATree { .. }), "{e}");

    // A long prefix looping on itself hits the key length limit first.
    let mut body = b"*".repeat(60_000);
    body.push(0);
    body.extend_from_slice(b"aa");
    body.extend_from_slice(&0xA000_000Cu32.to_be_bytes());
    let b = with_root(&body, 0xA000_000C);
    let e = Index::new(&b)
        .unwrap()
        .dump(ValueOrder::Mmap, |_, _| {})
        .unwrap_err();
    assert!(matches!(e, Error::KeyTooLong { offset: 12, .. }), "{e}");
}

/// Values of equal priority come out differently from libkmod's two readers
/// (spec §2.4 "Reader quirk"): disk order [on, ask] for key x_1.
#[test]
fn equal_priority_orderings() {
    let mut t = Trie::new();
    t.insert(b"x_1", b"ask", 0);
    t.insert(b"x_1", b"on", 0);
    t.insert(b"x*", b"star", 0);
    t.insert(b"x_1", b"late", 5);
    t.insert(b"x_1", b"early", 0);
    assert_eq!(
        t.children[&b'x'].children[&b'_'].values,
        [
            (0, b"early".to_vec()),
            (0, b"on".to_vec()),
            (0, b"ask".to_vec()),
            (5, b"late".to_vec())
        ]
    );
    let bytes = t.to_bytes();
    let index = Index::new(&bytes).unwrap();

    let names = |order| -> Vec<String> {
        index
            .lookup_wildcard(b"x_1", order)
            .unwrap()
            .iter()
            .map(|v| String::from_utf8(v.value.to_vec()).unwrap())
            .collect()
    };
    // "star" is collected first (the '*' child), then the node's own values.
    assert_eq!(
        names(ValueOrder::Mmap),
        ["ask", "on", "early", "star", "late"]
    );
    assert_eq!(
        names(ValueOrder::Stdio),
        ["early", "on", "ask", "star", "late"]
    );

    assert_eq!(index.lookup_exact(b"x_1").unwrap(), Some(&b"early"[..]));
    let first = |order| index.lookup_exact_ordered(b"x_1", order).unwrap().unwrap();
    assert_eq!(
        first(ValueOrder::Mmap),
        Value {
            priority: 0,
            value: b"early"
        }
    );
    assert_eq!(
        first(ValueOrder::Stdio),
        Value {
            priority: 0,
            value: b"ask"
        }
    );

    let dump = |order| -> Vec<String> {
        collect_dump(&index, order)
            .into_iter()
            .map(|(k, v)| {
                format!(
                    "{} {}",
                    String::from_utf8(k).unwrap(),
                    String::from_utf8(v).unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        dump(ValueOrder::Mmap),
        ["x* star", "x_1 early", "x_1 on", "x_1 ask", "x_1 late"]
    );
    assert_eq!(
        dump(ValueOrder::Stdio),
        ["x* star", "x_1 ask", "x_1 on", "x_1 early", "x_1 late"]
    );
}

#[test]
fn index_file_open() {
    let dir = std::env::temp_dir().join(format!("modindex-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("modules.builtin.bin");
    std::fs::write(&path, WORKED_EXAMPLE).unwrap();
    let file = IndexFile::open(&path).unwrap();
    assert_eq!(file.index().lookup_exact(b"ate").unwrap(), Some(&b""[..]));
    let e = IndexFile::open(dir.join("missing.bin")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert!(e.to_string().contains("missing.bin"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

const KEY_BYTES: &[u8] = b"abcx_-:*?[]!0129AZ\\";

fn random_key(rng: &mut Rng, max: usize) -> Vec<u8> {
    (0..rng.below(max) + 1)
        .map(|_| rng.pick(KEY_BYTES))
        .collect()
}

/// A random trie of wildcard keys (sharing prefixes often), its bytes, and
/// some query keys.
fn random_case(seed: u64) -> (Trie, Vec<u8>, Vec<Vec<u8>>) {
    let mut rng = Rng(seed);
    let mut t = Trie::new();
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for n in 0..rng.below(40) + 1 {
        let key = if !keys.is_empty() && rng.below(2) == 0 {
            let base = keys[rng.below(keys.len())].clone();
            let cut = rng.below(base.len() + 1);
            let mut k = base[..cut].to_vec();
            k.extend(random_key(&mut rng, 4));
            k
        } else {
            random_key(&mut rng, 8)
        };
        let prio = rng.below(4) as u32;
        t.insert(&key, format!("v{n}").as_bytes(), prio);
        keys.push(key);
    }
    let mut queries: Vec<Vec<u8>> = keys
        .iter()
        .map(|k| {
            k.iter()
                .map(|&c| {
                    if b"*?[]\\".contains(&c) {
                        rng.pick(b"ab_x")
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect();
    queries.extend(keys.iter().cloned());
    for _ in 0..10 {
        queries.push(random_key(&mut rng, 10));
    }
    queries.push(Vec::new());
    let bytes = t.to_bytes();
    (t, bytes, queries)
}

#[test]
fn wildcard_and_dump_match_reference_on_random_tries() {
    for seed in 1..400u64 {
        let (t, bytes, queries) = random_case(seed);
        let index = Index::new(&bytes).unwrap();
        for order in [ValueOrder::Mmap, ValueOrder::Stdio] {
            for q in &queries {
                let got = values(&index.lookup_wildcard(q, order).unwrap());
                let want = t.ref_wildcard(q, order);
                assert_eq!(
                    got,
                    want,
                    "seed {seed} query {:?} {order:?}",
                    String::from_utf8_lossy(q)
                );
            }
            assert_eq!(
                collect_dump(&index, order),
                t.ref_dump(order),
                "seed {seed} {order:?}"
            );
        }
        for q in &queries {
            let want = t
                .ref_dump(ValueOrder::Mmap)
                .into_iter()
                .find(|(k, _)| k == q)
                .map(|(_, v)| v);
            assert_eq!(
                index.lookup_exact(q).unwrap().map(<[u8]>::to_vec),
                want,
                "seed {seed}"
            );
        }
    }
}

/// Bit flips, byte overwrites and truncations of valid files must give
/// results or errors, never panics or hangs.
fn mutate_and_exercise(name: &str, bytes: &[u8], queries: &[Vec<u8>], rounds: usize, seed: u64) {
    let mut rng = Rng(seed);
    let mut ok = 0usize;
    let mut errors = 0usize;
    for round in 0..rounds {
        let mut b = bytes.to_vec();
        match round % 4 {
            0 => {
                for _ in 0..rng.below(4) + 1 {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
            1 => {
                let i = rng.below(b.len());
                b[i] = rng.pick(&[0u8, 0xFF, 0x0C, 0x20, 0x40, 0x80, 0xE0, b'*', b'['][..]);
            }
            2 => {
                let n = rng.below(b.len());
                b.truncate(n.max(12));
                if rng.below(2) == 0 {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
            _ => {
                // Point a random 4-byte window somewhere else in the file.
                if b.len() >= 16 {
                    let i = 12 + rng.below(b.len() - 15);
                    let target = (rng.below(b.len()) as u32) | ((rng.below(8) as u32) << 29);
                    b[i..i + 4].copy_from_slice(&target.to_be_bytes());
                }
            }
        }
        let Ok(index) = Index::new(&b) else {
            errors += 1;
            continue;
        };
        let mut tally = |r: bool| if r { ok += 1 } else { errors += 1 };
        for q in queries.iter().take(6) {
            tally(index.lookup_exact(q).is_ok());
            tally(index.lookup_exact_ordered(q, ValueOrder::Stdio).is_ok());
            tally(index.lookup_wildcard(q, ValueOrder::Mmap).is_ok());
            tally(index.lookup_wildcard(q, ValueOrder::Stdio).is_ok());
        }
        let mut n = 0usize;
        tally(index.dump(ValueOrder::Mmap, |_, _| n += 1).is_ok());
        tally(index.dump(ValueOrder::Stdio, |_, _| n += 1).is_ok());
    }
    eprintln!("{name}: {rounds} mutants, {ok} operations ok, {errors} errors");
}

#[test]
fn mutated_files_never_panic() {
    let mut t = Trie::new();
    for k in ["ask", "ate", "on", "once", "one"] {
        t.insert(k.as_bytes(), b"", 0);
    }
    let queries: Vec<Vec<u8>> = ["ask", "ate", "on", "once", "one", "o"]
        .iter()
        .map(|q| q.as_bytes().to_vec())
        .collect();
    mutate_and_exercise("worked example", &t.to_bytes(), &queries, 6_000, 7);
    for seed in [3u64, 11, 19] {
        let (_, bytes, queries) = random_case(seed);
        mutate_and_exercise("random trie", &bytes, &queries, 2_000, seed);
    }
}

#[test]
fn mutated_real_files_never_panic() {
    let Some((root, release)) = common::amd64_fixture() else {
        testkit::skip::<()>(
            "no amd64 fixture tree (set AMD64_ROOT/RELEASE or run scripts/fixtures.sh)",
        );
        return;
    };
    let dir = root.join("lib/modules").join(release);
    for (file, queries, rounds) in [
        (
            "modules.builtin.alias.bin",
            &["crypto-crc32c", "fs-ext4", "devname:cpu/microcode", "x"][..],
            1000,
        ),
        (
            "modules.builtin.bin",
            &["ext4", "crc32c_generic", "zzz", "a"][..],
            600,
        ),
        (
            "modules.alias.bin",
            &[
                "pci:v00008086d00001234sv0sd0bc02sc00i00",
                "fs-ext4",
                "usb:v1",
            ][..],
            4,
        ),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let queries: Vec<Vec<u8>> = queries.iter().map(|q| q.as_bytes().to_vec()).collect();
        mutate_and_exercise(file, &bytes, &queries, rounds, 99);
    }
}
