//! The reader against real kmod 30: the indexes depmod generated for the
//! Debian fixture tree, and the answers of the real `modprobe`/`modinfo`.
//!
//! Skipped with a note when the fixture tree or the tools are absent, unless
//! `MODHOST_REQUIRE_FIXTURES=1`, which turns the skip into a failure.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Rng;
use modindex::{IndexFile, ValueOrder};

struct Fixture {
    root: PathBuf,
    release: String,
    dir: PathBuf,
}

fn fixture() -> Option<Fixture> {
    let Some((root, release)) = common::amd64_fixture() else {
        return testkit::skip("no amd64 fixture tree (set AMD64_ROOT/RELEASE or run scripts/fixtures.sh)");
    };
    let dir = root.join("lib/modules").join(&release);
    Some(Fixture { root, release, dir })
}

fn tool(name: &str) -> Option<PathBuf> {
    testkit::require(common::kmod_tool(name), &format!("kmod's {name}"))
}

fn open(dir: &Path, name: &str) -> IndexFile {
    IndexFile::open(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `modprobe -d ROOT -S RELEASE -C /nonexistent ARGS...`: no configuration.
fn modprobe(fx: &Fixture, modprobe: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(modprobe)
        .arg("-d")
        .arg(&fx.root)
        .args(["-S", &fx.release, "-C", "/nonexistent"])
        .args(args)
        .output()
        .expect("run modprobe");
    (
        out.status.success(),
        String::from_utf8(out.stdout).expect("utf-8 output"),
    )
}

/// libkmod's alias normalisation: `-` becomes `_` outside `[...]`.
fn normalize(alias: &str) -> String {
    let mut out = String::new();
    let mut in_bracket = false;
    for c in alias.chars() {
        match c {
            '[' => in_bracket = true,
            ']' => in_bracket = false,
            '-' if !in_bracket => {
                out.push('_');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[test]
fn exact_lookup_of_every_module_in_modules_dep() {
    let Some(fx) = fixture() else { return };
    let dep = open(&fx.dir, "modules.dep.bin");
    let index = dep.index();
    let text = std::fs::read_to_string(fx.dir.join("modules.dep")).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let path = line.split(':').next().unwrap();
        let base = path.rsplit('/').next().unwrap();
        let name = base.split('.').next().unwrap().replace('-', "_");
        let got = index.lookup_exact(name.as_bytes()).unwrap();
        assert_eq!(got, Some(line.as_bytes()), "module {name}");
        let ordered = index
            .lookup_exact_ordered(name.as_bytes(), ValueOrder::Stdio)
            .unwrap();
        assert_eq!(
            ordered.map(|v| v.value),
            Some(line.as_bytes()),
            "module {name} (stdio)"
        );
        n += 1;
    }
    assert!(n > 1000, "only {n} modules in modules.dep");
    for missing in [
        "",
        "ext",
        "ext44",
        "ext4_",
        "kernel/fs/ext4/ext4.ko",
        "EXT4",
    ] {
        assert_eq!(
            index.lookup_exact(missing.as_bytes()).unwrap(),
            None,
            "{missing:?}"
        );
    }
    eprintln!("{n} modules looked up");
}

#[test]
fn exact_lookup_of_every_builtin_module() {
    let Some(fx) = fixture() else { return };
    let builtin = open(&fx.dir, "modules.builtin.bin");
    let index = builtin.index();
    let text = std::fs::read_to_string(fx.dir.join("modules.builtin")).unwrap();
    let mut keys = Vec::new();
    for line in text.lines() {
        let base = line.rsplit('/').next().unwrap();
        let name = base.split('.').next().unwrap().replace('-', "_");
        assert_eq!(
            index.lookup_exact(name.as_bytes()).unwrap(),
            Some(&b""[..]),
            "{name}"
        );
        keys.push(name);
    }
    // The dump holds exactly these keys, in byte order.
    keys.sort();
    keys.dedup();
    let mut dumped = Vec::new();
    index
        .dump(ValueOrder::Mmap, |k, v| {
            assert_eq!(
                v,
                modindex::Value {
                    priority: 0,
                    value: b""
                }
            );
            dumped.push(String::from_utf8(k.to_vec()).unwrap());
        })
        .unwrap();
    assert_eq!(dumped, keys);
}

#[test]
fn dump_matches_modprobe_c() {
    let Some(fx) = fixture() else { return };
    let Some(mp) = tool("modprobe") else { return };
    let (ok, out) = modprobe(&fx, &mp, &["-c"]);
    assert!(ok, "modprobe -c failed");
    // With no configuration, every `alias` line comes from the indexes:
    // modules.alias.bin first, then modules.symbols.bin.
    let real: Vec<&str> = out.lines().filter(|l| l.starts_with("alias ")).collect();

    let mut ours = Vec::new();
    for name in ["modules.alias.bin", "modules.symbols.bin"] {
        let file = open(&fx.dir, name);
        file.index()
            .dump(ValueOrder::Mmap, |k, v| {
                ours.push(format!(
                    "alias {} {}",
                    String::from_utf8_lossy(k),
                    String::from_utf8_lossy(v.value)
                ))
            })
            .unwrap();
    }
    assert_eq!(ours.len(), real.len(), "number of alias lines");
    for (i, (a, b)) in ours.iter().zip(&real).enumerate() {
        assert_eq!(a, b, "line {i} of the alias dump");
    }
    // The stdio order is the same here: no key has two values of equal priority.
    let mut stdio = Vec::new();
    for name in ["modules.alias.bin", "modules.symbols.bin"] {
        open(&fx.dir, name)
            .index()
            .dump(ValueOrder::Stdio, |k, v| {
                stdio.push(format!(
                    "alias {} {}",
                    String::from_utf8_lossy(k),
                    String::from_utf8_lossy(v.value)
                ))
            })
            .unwrap();
    }
    assert!(stdio == ours, "stdio-order dump differs");
    eprintln!("{} alias lines identical", ours.len());
}

/// Turn a stored alias pattern into a concrete string it matches.
fn concretize(pattern: &str, rng: &mut Rng) -> Option<String> {
    let p = pattern.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'*' => out.push_str(rng.pick(&["", "0", "AB", "x:y", "1F", "v"][..])),
            b'?' => out.push(rng.pick(&['0', '7', 'A', 'f', 'z'][..])),
            b'\\' => {
                i += 1;
                out.push(*p.get(i)? as char);
            }
            b'[' => {
                let end = i + 1 + p[i + 1..].iter().skip(1).position(|&c| c == b']')? + 1;
                let body = &p[i + 1..end];
                let (negate, body) = match body.first() {
                    Some(b'!') | Some(b'^') => (true, &body[1..]),
                    _ => (false, body),
                };
                let inside = |c: u8| {
                    let mut k = 0;
                    while k < body.len() {
                        if k + 2 < body.len() && body[k + 1] == b'-' {
                            if body[k] <= c && c <= body[k + 2] {
                                return true;
                            }
                            k += 3;
                        } else {
                            if body[k] == c {
                                return true;
                            }
                            k += 1;
                        }
                    }
                    false
                };
                let c = (b'0'..=b'z')
                    .filter(|&c| c.is_ascii_alphanumeric())
                    .find(|&c| inside(c) != negate)?;
                out.push(c as char);
                i = end;
            }
            c => out.push(c as char),
        }
        i += 1;
    }
    Some(out)
}

/// Run `modprobe -R` for each alias, a few processes at a time.
fn resolve_all(fx: &Fixture, mp: &Path, aliases: &[String]) -> Vec<(bool, String)> {
    let chunks: Vec<&[String]> = aliases.chunks(aliases.len().div_ceil(8).max(1)).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|a| modprobe(fx, mp, &["-R", a]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

#[test]
fn wildcard_lookup_matches_modprobe_resolve_alias() {
    let Some(fx) = fixture() else { return };
    let Some(mp) = tool("modprobe") else { return };
    let alias_file = open(&fx.dir, "modules.alias.bin");
    let symbols_file = open(&fx.dir, "modules.symbols.bin");
    let dep_file = open(&fx.dir, "modules.dep.bin");
    let (alias_idx, symbols_idx, dep_idx) =
        (alias_file.index(), symbols_file.index(), dep_file.index());

    let mut rng = Rng(0x5EED);
    let mut queries: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let aliases = std::fs::read_to_string(fx.dir.join("modules.alias")).unwrap();
    let patterns: Vec<&str> = aliases
        .lines()
        .filter_map(|l| l.strip_prefix("alias ")?.split(' ').next())
        .collect();
    for (n, pattern) in patterns.iter().enumerate() {
        if n % 67 != 0 && !pattern.contains('[') {
            continue;
        }
        for _ in 0..2 {
            let Some(q) = concretize(pattern, &mut rng) else {
                continue;
            };
            // Keep to what only the alias index answers: not a module name,
            // nothing alias normalisation would reject.
            let norm = normalize(&q);
            if q.contains(['[', ']', ' ']) || q.starts_with("symbol:") {
                continue;
            }
            if dep_idx.lookup_exact(norm.as_bytes()).unwrap().is_some() {
                continue;
            }
            if seen.insert(q.clone()) {
                queries.push(q);
            }
        }
    }
    let symbol_count = queries.len() / 4;
    let symbols = std::fs::read_to_string(fx.dir.join("modules.symbols")).unwrap();
    for line in symbols
        .lines()
        .filter(|l| l.starts_with("alias "))
        .step_by(131)
        .take(symbol_count)
    {
        queries.push(line.split(' ').nth(1).unwrap().to_string());
    }
    queries.push("symbol:no_such_symbol_anywhere".into());
    queries.push("pci:v0000FFFFd0000FFFFsvXsdYbcZZ".into());

    let results = resolve_all(&fx, &mp, &queries);
    let mut compared = 0;
    let mut nonempty = 0;
    let mut multi = 0;
    for (q, (ok, out)) in queries.iter().zip(results) {
        let norm = normalize(q);
        let idx = if q.starts_with("symbol:") {
            symbols_idx
        } else {
            alias_idx
        };
        let ours: Vec<String> = idx
            .lookup_wildcard(norm.as_bytes(), ValueOrder::Mmap)
            .unwrap()
            .iter()
            .map(|v| String::from_utf8(v.value.to_vec()).unwrap())
            .collect();
        let real: Vec<String> = out.lines().map(str::to_string).collect();
        if !ok {
            // Nothing found anywhere; then the index must have nothing either.
            assert!(
                ours.is_empty(),
                "{q}: modprobe found nothing, we found {ours:?}"
            );
        } else {
            assert_eq!(ours, real, "modprobe -R {q}");
            nonempty += 1;
            multi += usize::from(ours.len() > 1);
        }
        compared += 1;
    }
    assert!(nonempty > 200, "only {nonempty} aliases resolved");
    assert!(
        multi > 10,
        "only {multi} aliases resolved to several modules"
    );
    eprintln!("{compared} aliases compared with modprobe -R ({nonempty} resolved, {multi} to several modules)");
}

/// A tiny tree made with the real depmod: two built-in modules share an alias
/// with equal priority, so the mmap reader (modprobe) and the stdio reader
/// (modinfo) disagree on their order (spec §2.4, "Reader quirk").
#[test]
fn equal_priorities_in_builtin_alias_match_modprobe_and_modinfo() {
    let (Some(depmod), Some(mp), Some(modinfo)) =
        (tool("depmod"), tool("modprobe"), tool("modinfo"))
    else {
        return;
    };
    let root = std::env::temp_dir().join(format!("modindex-builtin-{}", std::process::id()));
    let release = "9.9.9-test";
    let dir = root.join("lib/modules").join(release);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("modules.builtin"),
        "kernel/ask.ko\nkernel/on.ko\nkernel/ate.ko\nkernel/zed.ko\n",
    )
    .unwrap();
    std::fs::write(dir.join("modules.order"), "").unwrap();
    std::fs::write(
        dir.join("modules.builtin.modinfo"),
        b"ask.alias=x-1\0on.alias=x-1\0ate.alias=x*1\0zed.alias=x-1\0ask.alias=y?\0on.alias=y[0-9]\0" as &[u8],
    )
    .unwrap();
    let st = Command::new(&depmod)
        .arg("-b")
        .arg(&root)
        .arg(release)
        .status()
        .unwrap();
    assert!(st.success(), "depmod failed");
    let file = open(&dir, "modules.builtin.alias.bin");
    let index = file.index();
    let fx = Fixture {
        root: root.clone(),
        release: release.into(),
        dir: dir.clone(),
    };

    for q in ["x-1", "y1", "yz", "x-11", "x1"] {
        let (_, out) = modprobe(&fx, &mp, &["-R", q]);
        let real: Vec<&str> = out.lines().collect();
        let ours: Vec<String> = index
            .lookup_wildcard(normalize(q).as_bytes(), ValueOrder::Mmap)
            .unwrap()
            .iter()
            .map(|v| String::from_utf8(v.value.to_vec()).unwrap())
            .collect();
        assert_eq!(ours, real, "modprobe -R {q}");

        // modinfo prints one record per module, in stdio-reader order.
        let out = Command::new(&modinfo)
            .arg("-b")
            .arg(&root)
            .args(["-k", release, "-F", "name", q])
            .output()
            .unwrap();
        let real = String::from_utf8(out.stdout).unwrap();
        let real: Vec<&str> = real.lines().collect();
        let ours: Vec<String> = index
            .lookup_wildcard(normalize(q).as_bytes(), ValueOrder::Stdio)
            .unwrap()
            .iter()
            .map(|v| String::from_utf8(v.value.to_vec()).unwrap())
            .collect();
        assert_eq!(ours, real, "modinfo {q}");
        if q == "x-1" {
            assert_eq!(real, ["zed", "on", "ask", "ate"], "modinfo x-1");
        }
    }
    let order = |o| -> Vec<String> {
        index
            .lookup_wildcard(b"x_1", o)
            .unwrap()
            .iter()
            .map(|v| String::from_utf8(v.value.to_vec()).unwrap())
            .collect()
    };
    assert_ne!(
        order(ValueOrder::Mmap),
        order(ValueOrder::Stdio),
        "the two orders differ here"
    );
    std::fs::remove_dir_all(&root).unwrap();
}
