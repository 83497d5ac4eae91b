//! The ABI profile and module signature verification against Debian's real
//! artefacts (fixtures from /var/cache/modhost/fixtures/current/env and the
//! linux-headers package's Module.symvers).
//!
//! Without fixtures the tests that need them print a skip note, or fail when
//! MODHOST_REQUIRE_FIXTURES=1.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use kabi::profile::signing::{EBADMSG, EKEYREJECTED, ENODATA, ENOKEY, ENOPKG};
use kabi::profile::vmlinuz::{decompress, find_payload, Compressor};
use kabi::profile::{
    verify_module_signature, KernelExport, PercpuLayout, PercpuSymbol, Profile, ProfileError, SigErrorKind, SymbolSource,
};

const ENV_FILE: &str = "/var/cache/modhost/fixtures/current/env";
/// The release the spec's numbers were measured on.
const SPEC_RELEASE: &str = "6.1.0-56-amd64";

struct Fixtures {
    release: String,
    root: PathBuf,
    symvers: PathBuf,
}

fn skip_or_fail(why: &str) -> Option<Fixtures> {
    if std::env::var("MODHOST_REQUIRE_FIXTURES").as_deref() == Ok("1") {
        panic!("fixtures required (MODHOST_REQUIRE_FIXTURES=1): {why}");
    }
    eprintln!("skipping: {why}");
    None
}

fn fixtures() -> Option<&'static Fixtures> {
    static F: OnceLock<Option<Fixtures>> = OnceLock::new();
    F.get_or_init(|| {
        let Ok(text) = std::fs::read_to_string(ENV_FILE) else {
            return skip_or_fail(&format!("{ENV_FILE} missing"));
        };
        let vars: HashMap<&str, &str> = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim().trim_matches('"').trim_matches('\'')))
            .collect();
        let (Some(release), Some(root)) = (vars.get("RELEASE"), vars.get("AMD64_ROOT")) else {
            return skip_or_fail("RELEASE/AMD64_ROOT not set in the fixture env");
        };
        let symvers = PathBuf::from(format!("/usr/src/linux-headers-{release}/Module.symvers"));
        if !symvers.exists() {
            return skip_or_fail(&format!("{} missing (apt-get install linux-headers-{release})", symvers.display()));
        }
        Some(Fixtures { release: release.to_string(), root: PathBuf::from(root), symvers })
    })
    .as_ref()
}

fn profile() -> Option<&'static Profile> {
    static P: OnceLock<Option<Profile>> = OnceLock::new();
    P.get_or_init(|| {
        let f = fixtures()?;
        let t = Instant::now();
        let (p, prov) = Profile::from_debian_with_provenance(&f.root, &f.release, &f.symvers).expect("profile from Debian data");
        eprintln!("profile built in {:?}: {prov:#?}", t.elapsed());
        Some(p)
    })
    .as_ref()
}

fn modules_dir(f: &Fixtures) -> PathBuf {
    f.root.join("lib/modules").join(&f.release).join("kernel")
}

fn all_modules(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("read modules dir").map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            all_modules(&p, out);
        } else if p.extension().is_some_and(|e| e == "ko") {
            out.push(p);
        }
    }
}

fn crc7(f: &Fixtures) -> Vec<u8> {
    std::fs::read(modules_dir(f).join("lib/crc7.ko")).expect("crc7.ko")
}

#[test]
fn profile_builds_from_debian_data() {
    let (Some(f), Some(p)) = (fixtures(), profile()) else { return };
    assert_eq!(p.release, f.release);

    // vermagic: read from a module; composing it from the config agrees
    let config = std::fs::read_to_string(f.root.join(format!("boot/config-{}", f.release))).expect("config");
    let composed = kabi::profile::vermagic_from_config(&f.release, &config).expect("compose vermagic");
    assert_eq!(p.vermagic, composed);
    assert_eq!(p.vermagic, format!("{} SMP preempt mod_unload modversions ", f.release));

    // exports: exactly the vmlinux lines of Module.symvers
    let text = std::fs::read_to_string(&f.symvers).expect("symvers");
    let vmlinux_lines: Vec<Vec<&str>> =
        text.lines().map(|l| l.split('\t').collect::<Vec<_>>()).filter(|c| c.get(2) == Some(&"vmlinux")).collect();
    assert_eq!(p.exports.len(), vmlinux_lines.len());
    if f.release == SPEC_RELEASE {
        assert_eq!(p.exports.len(), 10_503);
        // (spec §8.0 says 4 985 / 5 518; Module.symvers and the image's own
        // __ksymtab (59 724 bytes = 4 977 entries) / __ksymtab_gpl (5 526) agree on:)
        assert_eq!(p.exports.iter().filter(|e| e.gpl).count(), 5_526);
        assert_eq!(p.exports.iter().filter(|e| !e.gpl).count(), 4_977);
    }
    for (e, cols) in p.exports.iter().zip(&vmlinux_lines) {
        assert_eq!(format!("0x{:08x}", e.crc), cols[0]);
        assert_eq!(e.name, cols[1]);
        assert_eq!(e.gpl, cols[3] == "EXPORT_SYMBOL_GPL");
        assert_eq!(e.namespace, cols.get(4).copied().unwrap_or(""));
    }
    assert!(p.exports.iter().any(|e| e.namespace == "CXL"), "namespaced exports are kept");

    // module_layout: derived, equal to its symvers line (and the spec's value)
    let line = vmlinux_lines.iter().find(|c| c[1] == "module_layout").expect("module_layout line");
    assert_eq!(format!("0x{:08x}", p.module_layout_crc), line[0]);
    if f.release == SPEC_RELEASE {
        assert_eq!(p.module_layout_crc, 0x9060_323f);
    }

    // the builtin signing certificate
    let build_key = p
        .signing_certs
        .iter()
        .find(|c| c.subject_cn == "Build time autogenerated kernel key")
        .expect("Build time autogenerated kernel key certificate");
    assert_eq!(build_key.key_bits(), 4096);
    assert!(!build_key.serial.is_empty());
    for c in &p.signing_certs {
        eprintln!("cert: CN={:?} {} bits, {} bytes DER, serial {}", c.subject_cn, c.key_bits(), c.der.len(), hex(&c.serial));
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn provenance_names_xz_and_kallsyms() {
    let Some(f) = fixtures() else { return };
    let (_, prov) = Profile::from_debian_with_provenance(&f.root, &f.release, &f.symvers).expect("profile");
    // Debian 6.1 amd64: CONFIG_KERNEL_XZ, payload located by the setup header
    let config = std::fs::read_to_string(f.root.join(format!("boot/config-{}", f.release))).expect("config");
    if config.lines().any(|l| l == "CONFIG_KERNEL_XZ=y") {
        assert_eq!(prov.compressor, Compressor::Xz);
    }
    assert!(prov.payload_from_header);
    // the symvers exports were checked against the image's own __ksymtab tables
    assert_eq!(prov.image_exports_checked, std::fs::read_to_string(&f.symvers).expect("symvers").lines().filter(|l| l.split('\t').nth(2) == Some("vmlinux")).count());
    assert!(prov.cert_list_vaddr.is_some(), "certificate list located by symbol");
    // Debian's System.map in linux-image is a stub: the symbols come from the image
    let map = std::fs::read_to_string(f.root.join(format!("boot/System.map-{}", f.release))).unwrap_or_default();
    if !map.contains("__per_cpu_start") {
        assert!(matches!(prov.symbols, SymbolSource::Kallsyms(_) | SymbolSource::ElfSymtab));
    }
}

#[test]
fn crc7_versions_match_the_profile() {
    let (Some(f), Some(p)) = (fixtures(), profile()) else { return };
    let image = crc7(f);
    let m = kofile::Module::parse(&image).expect("parse crc7");
    let versions = m.modversions().expect("__versions");
    let map = p.export_map();
    let crc_of = |n: &str| versions.iter().find(|v| v.name == n.as_bytes()).map(|v| v.crc as u32);
    assert_eq!(crc_of("module_layout"), Some(p.module_layout_crc));
    assert_eq!(crc_of("__x86_return_thunk"), Some(map["__x86_return_thunk"].crc));
    for v in &versions {
        let name = std::str::from_utf8(v.name).expect("name");
        assert_eq!(Some(v.crc as u32), map.get(name).map(|e| e.crc), "{name}");
    }
    assert_eq!(m.modinfo_get("vermagic"), Some(p.vermagic.as_bytes()));
}

#[test]
fn percpu_offsets() {
    let (Some(f), Some(p)) = (fixtures(), profile()) else { return };
    let pc = &p.percpu;
    assert_eq!(pc.offset_of("fixed_percpu_data"), Some(0));
    for s in ["this_cpu_off", "cpu_number", "__preempt_count", "current_task"] {
        let o = pc.offset_of(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(o < pc.static_size, "{s} at {o:#x}");
    }
    assert!(kabi::profile::STACK_CANARY_OFFSET + 8 <= pc.static_size);
    assert!(pc.symbols.windows(2).all(|w| w[0].offset <= w[1].offset));
    if f.release == SPEC_RELEASE {
        // spec §8.2: the 39 per-CPU exports and the static area size
        let expect: [(&str, u64); 39] = [
            ("fixed_percpu_data", 0x0),
            ("cpu_tss_rw", 0x6000),
            ("gdt_page", 0xb000),
            ("cpu_die_map", 0x198a0),
            ("cpu_core_map", 0x198a8),
            ("cpu_sibling_map", 0x198b0),
            ("cpu_info", 0x198c0),
            ("cpu_number", 0x199e0),
            ("this_cpu_off", 0x199e8),
            ("x86_bios_cpu_apicid", 0x199f0),
            ("x86_cpu_to_acpiid", 0x199f4),
            ("x86_cpu_to_apicid", 0x199f8),
            ("xen_vcpu_id", 0x1e0d8),
            ("cpu_dr7", 0x1fae0),
            ("__tss_limit_invalid", 0x1fb08),
            ("__preempt_count", 0x1fb40),
            ("current_task", 0x1fb80),
            ("x86_spec_ctrl_current", 0x1fb88),
            ("x86_ibpb_exit_to_user", 0x1fb90),
            ("injectm", 0x1fcc0),
            ("hv_clock_per_cpu", 0x1ff30),
            ("x86_cpu_to_node_map", 0x20078),
            ("kernel_cpustat", 0x201c0),
            ("kstat", 0x20220),
            ("context_tracking", 0x2dbe0),
            ("vm_event_states", 0x2dfa0),
            ("numa_node", 0x2e580),
            ("int_active_memcg", 0x2e820),
            ("processors", 0x2ef88),
            ("bpf_redirect_info", 0x30d80),
            ("nf_skb_duplicated", 0x30fd0),
            ("tcp_memory_per_cpu_fw_alloc", 0x31010),
            ("tcp_orphan_count", 0x31014),
            ("udp_memory_per_cpu_fw_alloc", 0x31060),
            ("__irq_regs", 0x313a8),
            ("radix_tree_preloads", 0x313b0),
            ("irq_stat", 0x31400),
            ("cpu_tlbstate_shared", 0x31600),
            ("softnet_data", 0x32e40),
        ];
        for (n, o) in expect {
            assert_eq!(pc.offset_of(n), Some(o), "{n}");
            assert!(p.exports.iter().any(|e| e.name == n), "{n} is exported");
        }
        assert_eq!(pc.static_size, 0x35000);
        assert_eq!(pc.offset_of("pcpu_hot"), None, "6.1 has no pcpu_hot");
    }
}

#[test]
fn save_load_round_trip() {
    let Some(p) = profile() else { return };
    let dir = std::env::temp_dir().join(format!("kabi-profile-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("profile.txt");
    p.save(&path).expect("save");
    let t = Instant::now();
    let q = Profile::load(&path).expect("load");
    eprintln!("profile loaded in {:?} ({} bytes)", t.elapsed(), std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0));
    assert_eq!(&q, p);
    assert_eq!(q.to_text(), p.to_text());
    // saving again over the file is atomic and leaves no temporary behind
    q.save(&path).expect("save again");
    let names: Vec<_> = std::fs::read_dir(&dir).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(&format!("vermagic \"{}\"\n", p.vermagic)));
    assert!(p.uts_version.starts_with("#1 SMP PREEMPT_DYNAMIC Debian "), "{}", p.uts_version);
    std::fs::remove_dir_all(&dir).ok();
}

/// A small profile that needs no fixtures.
fn synthetic() -> Profile {
    Profile {
        release: "6.1.0-0-test".into(),
        vermagic: "6.1.0-0-test SMP preempt mod_unload modversions ".into(),
        exports: vec![
            KernelExport { name: "module_layout".into(), crc: 0x9060_323f, gpl: false, namespace: String::new() },
            KernelExport { name: "cxl_thing".into(), crc: 0x1, gpl: true, namespace: "CXL".into() },
        ],
        percpu: PercpuLayout {
            symbols: vec![
                PercpuSymbol { name: "fixed_percpu_data".into(), offset: 0, kind: 'A' },
                PercpuSymbol { name: "this_cpu_off".into(), offset: 0x199e8, kind: 'D' },
            ],
            static_size: 0x35000,
        },
        module_layout_crc: 0x9060_323f,
        signing_certs: Vec::new(),
        uts_version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-0 (2026-01-01)".into(),
    }
}

#[test]
fn synthetic_round_trip() {
    let p = synthetic();
    let text = p.to_text();
    assert_eq!(Profile::from_text(text.as_bytes()).expect("parse"), p);
    // odd bytes in vermagic survive the quoting
    let mut q = p.clone();
    q.vermagic = "a \"b\" \\c\td\u{7f} ".into();
    assert_eq!(Profile::from_text(q.to_text().as_bytes()).expect("parse"), q);
}

#[test]
fn malformed_profiles_are_rejected() {
    let good = synthetic().to_text();
    let lines: Vec<&str> = good.lines().collect();
    let with = |f: &dyn Fn(&str) -> Option<String>| -> String {
        lines.iter().filter_map(|l| f(l)).map(|l| l + "\n").collect()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not a profile", b"hello\n".to_vec()),
        ("old version", good.replacen("modhost-kabi-profile 2", "modhost-kabi-profile 1", 1).into_bytes()),
        ("missing uts_version", with(&|l| (!l.starts_with("uts_version")).then(|| l.to_string())).into_bytes()),
        ("truncated (no end)", with(&|l| (!l.starts_with("end ")).then(|| l.to_string())).into_bytes()),
        ("truncated mid-line", good.as_bytes()[..good.len() - 3].to_vec()),
        ("bad crc", good.replace("export 0x00000001", "export 0xzz").into_bytes()),
        ("crc too long", good.replace("export 0x00000001", "export 0x123456789").into_bytes()),
        ("bad gpl flag", good.replace(" G cxl_thing", " X cxl_thing").into_bytes()),
        ("extra field", good.replace("cxl_thing CXL", "cxl_thing CXL more").into_bytes()),
        ("count mismatch", good.replace("exports=2", "exports=3").into_bytes()),
        ("duplicate release", good.replacen("release ", "release x\nrelease ", 1).into_bytes()),
        ("missing vermagic", with(&|l| (!l.starts_with("vermagic")).then(|| l.to_string())).into_bytes()),
        ("unquoted vermagic", good.replace("vermagic \"", "vermagic ").into_bytes()),
        ("bad escape", good.replace("modversions \"", "modversions \\q\"").into_bytes()),
        ("unknown record", good.replace("percpu_size", "percpu_sighs").into_bytes()),
        ("record after end", format!("{good}release again\n").into_bytes()),
        ("percpu outside area", good.replace("percpu 0x199e8", "percpu 0x99999").into_bytes()),
        ("percpu bad kind", good.replace("0x199e8 D", "0x199e8 DD").into_bytes()),
        ("module_layout crc differs", good.replace("module_layout_crc 0x9060323f", "module_layout_crc 0x9060323e").into_bytes()),
        ("cert not hex", good.replacen("end ", "cert 30zz\nend ", 1).into_bytes()),
        ("cert not a certificate", good.replacen("end ", "cert 3003020101\nend ", 1).into_bytes()),
        ("control byte in release", good.replacen("release ", "release \u{fffd}", 1).replace('\u{fffd}', "\x00").into_bytes()),
        ("invalid utf-8", {
            let mut b = good.clone().into_bytes();
            b[30] = 0xff;
            b
        }),
    ];
    let dir = std::env::temp_dir().join(format!("kabi-profile-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    for (what, bytes) in cases {
        let path = dir.join("p");
        std::fs::File::create(&path).and_then(|mut f| f.write_all(&bytes)).expect("write");
        match Profile::load(&path) {
            Err(ProfileError::Format { line, message, .. }) => eprintln!("{what}: line {line}: {message}"),
            other => panic!("{what}: expected a format error, got {other:?}"),
        }
    }
    assert!(matches!(Profile::load(&dir.join("absent")), Err(ProfileError::Io { .. })));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_module_verifies() {
    let (Some(f), Some(p)) = (fixtures(), profile()) else { return };
    let mut mods = Vec::new();
    all_modules(&modules_dir(f), &mut mods);
    assert!(!mods.is_empty());
    if f.release == SPEC_RELEASE {
        assert_eq!(mods.len(), 4023);
    }
    if cfg!(debug_assertions) {
        // unoptimised big-number code is ~50× slower: the full run is for --release
        eprintln!("debug build: verifying every 16th module only (run with --release for all)");
        mods = mods.into_iter().step_by(16).collect();
    }
    let t = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
    let chunk = mods.len().div_ceil(threads);
    let (bytes, failures): (u64, Vec<String>) = std::thread::scope(|s| {
        let handles: Vec<_> = mods
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut bytes = 0u64;
                    let mut bad = Vec::new();
                    for m in part {
                        let image = std::fs::read(m).expect("read module");
                        bytes += image.len() as u64;
                        match p.verify_module_signature(&image) {
                            Ok(ok) => {
                                assert_eq!(ok.hash, "sha256");
                                assert!(ok.elf_len + ok.sig_len + 12 + 28 == image.len());
                                assert_eq!(&image[..4], b"\x7fELF");
                            }
                            Err(e) => bad.push(format!("{}: {e}", m.display())),
                        }
                    }
                    (bytes, bad)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).fold((0, Vec::new()), |(b, mut v), (b2, v2)| {
            v.extend(v2);
            (b + b2, v)
        })
    });
    let dt = t.elapsed();
    eprintln!(
        "verified {} modules ({:.1} MiB) in {dt:?} on {threads} threads ({:?}/module/thread)",
        mods.len(),
        bytes as f64 / (1024.0 * 1024.0),
        dt * threads as u32 / mods.len() as u32
    );
    assert!(failures.is_empty(), "{} failures: {:#?}", failures.len(), &failures[..failures.len().min(10)]);
}

#[test]
fn tampered_modules_fail_with_the_kernels_errors() {
    let (Some(f), Some(p)) = (fixtures(), profile()) else { return };
    let image = crc7(f);
    let ok = p.verify_module_signature(&image).expect("crc7 verifies");
    if f.release == SPEC_RELEASE {
        assert_eq!((image.len(), ok.sig_len, ok.elf_len), (5857, 681, 5136));
    }
    let certs = &p.signing_certs;
    let errno = |img: &[u8]| verify_module_signature(img, certs).map(|_| 0).unwrap_or_else(|e| e.errno);

    // a flipped byte anywhere in the ELF part: the digest differs
    for at in [0, 100, ok.elf_len / 2, ok.elf_len - 1] {
        let mut bad = image.clone();
        bad[at] ^= 0x01;
        let e = verify_module_signature(&bad, certs).expect_err("tampered");
        assert_eq!(e.errno, EKEYREJECTED, "flip at {at}: {e}");
        assert_eq!(e.kind, SigErrorKind::BadSignature);
        assert!(!e.is_soft());
    }
    // a flipped bit in the RSA signature value (its last byte sits just before the trailer)
    let mut bad = image.clone();
    bad[ok.elf_len + ok.sig_len - 1] ^= 0x80;
    assert_eq!(errno(&bad), EKEYREJECTED);

    // signature stripped: unsigned
    let e = verify_module_signature(&image[..ok.elf_len], certs).expect_err("unsigned");
    assert_eq!((e.errno, e.kind, e.reason()), (ENODATA, SigErrorKind::Unsigned, Some("unsigned module")));
    assert!(e.is_soft());
    // only the marker, or marker with a too-short body
    assert_eq!(errno(kofile::signature::MAGIC), ENODATA);
    let mut short = vec![0u8; 12];
    short.extend_from_slice(kofile::signature::MAGIC);
    assert_eq!(errno(&short), EBADMSG);

    let trailer = image.len() - 28 - 12;
    // bad trailer: sig_len larger than what precedes the trailer
    let mut bad = image.clone();
    bad[trailer + 8..trailer + 12].copy_from_slice(&(trailer as u32).to_be_bytes());
    assert_eq!(errno(&bad), EBADMSG);
    // bad trailer: non-zero algo / hash / signer_len / key_id_len / pad
    for at in [0, 1, 3, 4, 5, 6, 7] {
        let mut bad = image.clone();
        bad[trailer + at] = 1;
        let e = verify_module_signature(&bad, certs).expect_err("non-zero param");
        assert_eq!(e.errno, EBADMSG, "trailer byte {at}");
        assert_eq!(e.message, Some("module: PKCS#7 signature info has unexpected non-zero params"));
    }
    // id_type not PKCS#7
    let mut bad = image.clone();
    bad[trailer + 2] = 1;
    let e = verify_module_signature(&bad, certs).expect_err("not pkcs7");
    assert_eq!((e.errno, e.message), (ENOPKG, Some("module: not signed with expected PKCS#7 message")));
    // a shorter sig_len: the PKCS#7 no longer parses
    let mut bad = image.clone();
    bad[trailer + 8..trailer + 12].copy_from_slice(&(ok.sig_len as u32 - 1).to_be_bytes());
    assert_eq!(errno(&bad), EBADMSG);
    // garbage instead of the PKCS#7 message
    let mut bad = image.clone();
    bad[ok.elf_len..ok.elf_len + 4].copy_from_slice(b"junk");
    assert_eq!(errno(&bad), EBADMSG);

    // no trusted key: unknown signer
    let e = verify_module_signature(&image, &[]).expect_err("no key");
    assert_eq!((e.errno, e.reason()), (ENOKEY, Some("module with unavailable key")));
}

fn bzimage(compressor: Compressor, vmlinux: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let payload = match compressor {
        Compressor::Xz => {
            let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
            e.write_all(vmlinux).expect("xz");
            e.finish().expect("xz")
        }
        Compressor::Zstd => zstd::stream::encode_all(vmlinux, 3).expect("zstd"),
        Compressor::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(vmlinux).expect("gzip");
            e.finish().expect("gzip")
        }
        other => panic!("{other}"),
    };
    let mut payload = payload;
    payload.extend_from_slice(&(vmlinux.len() as u32).to_le_bytes());
    let setup_sects = 3u8;
    let pm = (usize::from(setup_sects) + 1) * 512;
    let mut bz = vec![0u8; pm + 0x40];
    bz[0x1f1] = setup_sects;
    bz[0x202..0x206].copy_from_slice(b"HdrS");
    bz[0x206..0x208].copy_from_slice(&0x020fu16.to_le_bytes());
    bz[0x248..0x24c].copy_from_slice(&0x40u32.to_le_bytes());
    bz[0x24c..0x250].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    bz.extend_from_slice(&payload);
    bz.extend_from_slice(&[0u8; 100]);
    bz
}

#[test]
fn bzimage_payloads_decompress() {
    let vmlinux: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
    for c in [Compressor::Xz, Compressor::Zstd, Compressor::Gzip] {
        let bz = bzimage(c, &vmlinux);
        let p = find_payload(&bz).expect("payload");
        assert_eq!((p.compressor, p.offset, p.from_header), (c, 4 * 512 + 0x40, true), "{c}");
        assert_eq!(decompress(&bz, &p).expect("decompress"), vmlinux, "{c}");
        // without the header fields: found by scanning for the magic
        let mut old = bz.clone();
        old[0x206..0x208].copy_from_slice(&0x0207u16.to_le_bytes());
        let p = find_payload(&old).expect("scanned payload");
        assert_eq!((p.compressor, p.from_header), (c, false), "{c}");
        assert_eq!(decompress(&old, &p).expect("decompress"), vmlinux, "{c}");
    }
    assert!(find_payload(&[0u8; 4096]).is_err());
}

#[test]
fn real_vmlinuz_payload() {
    let Some(f) = fixtures() else { return };
    let bz = std::fs::read(f.root.join(format!("boot/vmlinuz-{}", f.release))).expect("vmlinuz");
    let p = find_payload(&bz).expect("payload");
    let t = Instant::now();
    let vmlinux = decompress(&bz, &p).expect("decompress");
    eprintln!("vmlinuz: {} payload at {:#x}, {} bytes → vmlinux {} bytes in {:?}", p.compressor, p.offset, p.len, vmlinux.len(), t.elapsed());
    assert_eq!(&vmlinux[..4], b"\x7fELF");
    // the 4 bytes after the compressed stream give the decompressed size
    let size = u32::from_le_bytes(bz[p.offset + p.len - 4..p.offset + p.len].try_into().expect("4 bytes"));
    assert_eq!(size as usize, vmlinux.len());
}

#[test]
fn image_tables_agree_and_system_map_path() {
    let (Some(f), Some(p)) = (fixtures(), profile()) else { return };
    let bz = std::fs::read(f.root.join(format!("boot/vmlinuz-{}", f.release))).expect("vmlinuz");
    let vmlinux = decompress(&bz, &find_payload(&bz).expect("payload")).expect("decompress");
    let vm = kabi::profile::vmlinuz::Vmlinux::parse(&vmlinux).expect("ELF");

    // the fallback certificate scan finds the same certificates as the symbol-located list
    let t = Instant::now();
    let scanned: Vec<_> = vm.scan_certificates().into_iter().map(|(_, c)| c).collect();
    eprintln!("certificate scan of {} bytes: {:?}, {} found", vmlinux.len(), t.elapsed(), scanned.len());
    assert_eq!(scanned, p.signing_certs);

    // kallsyms' per-CPU offsets agree with the values in the image's own __ksymtab
    let (syms, _) = vm.kallsyms().expect("kallsyms");
    let exports = vm.ksymtab().expect("ksymtab");
    let percpu_exports: Vec<_> = exports.iter().filter(|e| e.value < p.percpu.static_size).collect();
    for e in &percpu_exports {
        assert_eq!(p.percpu.offset_of(&e.name), Some(e.value), "{}", e.name);
    }
    if f.release == SPEC_RELEASE {
        assert_eq!(percpu_exports.len(), 39);
    }
    // and every exported function's kallsyms address equals its __ksymtab value
    // (names are not unique in kallsyms: static symbols share names)
    let mut addr: HashMap<&str, Vec<u64>> = HashMap::new();
    for s in &syms {
        addr.entry(s.name.as_str()).or_default().push(s.value);
    }
    let mut checked = 0;
    for e in &exports {
        if let Some(a) = addr.get(e.name.as_str()) {
            assert!(a.contains(&e.value), "{}: {:#x} not in {a:x?}", e.name, e.value);
            checked += 1;
        }
    }
    assert!(checked * 10 > exports.len() * 9, "{checked} of {}", exports.len());

    // a real System.map (here: written from kallsyms) is preferred and gives the same profile
    let dir = std::env::temp_dir().join(format!("kabi-sysmap-{}", std::process::id()));
    let boot = dir.join("boot");
    std::fs::create_dir_all(&boot).expect("boot dir");
    for n in ["vmlinuz", "config"] {
        let name = format!("{n}-{}", f.release);
        std::os::unix::fs::symlink(f.root.join("boot").join(&name), boot.join(&name)).expect("symlink");
    }
    std::os::unix::fs::symlink(f.root.join("lib"), dir.join("lib")).expect("symlink lib");
    let mut map = String::new();
    for s in &syms {
        map.push_str(&format!("{:016x} {} {}\n", s.value, s.kind, s.name));
    }
    std::fs::write(boot.join(format!("System.map-{}", f.release)), map).expect("System.map");
    let (q, prov) = Profile::from_debian_with_provenance(&dir, &f.release, &f.symvers).expect("profile via System.map");
    assert_eq!(prov.symbols, SymbolSource::SystemMap);
    assert_eq!(&q, p);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn system_map_and_symvers_parsers() {
    let m = kabi::profile::parse_system_map(b"0000000000000000 A fixed_percpu_data\nffffffff81000000 T _text\n").expect("map");
    assert_eq!(m.len(), 2);
    assert_eq!((m[1].value, m[1].kind, m[1].name.as_str()), (0xffffffff81000000, 'T', "_text"));
    assert!(kabi::profile::parse_system_map(b"zz T x\n").is_err());
    assert!(kabi::profile::parse_system_map(b"0 TT x\n").is_err());
    assert!(kabi::profile::parse_system_map(b"0\n").is_err());

    let s = kabi::profile::parse_symvers(
        b"0x9060323f\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n0x00000001\tx\tdrivers/foo\tEXPORT_SYMBOL_GPL\tNS\n",
    )
    .expect("symvers");
    assert_eq!(s[0].export, KernelExport { name: "module_layout".into(), crc: 0x9060323f, gpl: false, namespace: String::new() });
    assert_eq!((s[1].module.as_str(), s[1].export.gpl, s[1].export.namespace.as_str()), ("drivers/foo", true, "NS"));
    for bad in [
        &b"0x1\tx\tvmlinux\tEXPORT_SYMBOL_GPL_FUTURE\t\n"[..],
        b"1\tx\tvmlinux\tEXPORT_SYMBOL\t\n",
        b"0x1\tx\tvmlinux\n",
        b"0x1\t\tvmlinux\tEXPORT_SYMBOL\t\n",
    ] {
        assert!(kabi::profile::parse_symvers(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}
