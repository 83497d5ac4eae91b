//! The loader on the whole Debian tree and on corrupted images, without
//! running module code (`Kernel::link_only`).

mod common;

use common::kernel;
use kernel::Errno;
use testkit::fixtures;

fn tree_files() -> Vec<std::path::PathBuf> {
    let dir = fixtures().expect("fixtures").moddir("amd64").expect("the amd64 tree");
    testkit::ko_files(&dir.join("kernel"))
}

#[test]
fn every_debian_module_links() {
    let Some((k, _g)) = kernel() else { return };
    let files = tree_files();
    assert!(files.len() > 4000, "{}", files.len());
    let mut failed = Vec::new();
    let mut relocs = 0u64;
    let (mut returns, mut mcount) = ((0, 0), (0, 0)); // (patched, sites)
    let mut unpatched = Vec::new();
    for f in &files {
        let img = std::fs::read(f).unwrap();
        let elf = kofile::elf::Elf::parse(&img).unwrap();
        let sites = |name: &str, size: u64| elf.find_section(name).map_or(0, |(_, d)| d.len() as u64 / size) as usize;
        let (rs, ms) = (sites(".return_sites", 4), sites("__mcount_loc", 8));
        match k.link_only(&img, 0, true) {
            Ok(r) => {
                relocs += r.relocations;
                returns = (returns.0 + r.patched_returns, returns.1 + rs);
                mcount = (mcount.0 + r.patched_mcount, mcount.1 + ms);
                if (r.patched_returns, r.patched_mcount) != (rs, ms) {
                    unpatched.push(format!("{}: returns {}/{rs}, mcount {}/{ms}", f.display(), r.patched_returns, r.patched_mcount));
                }
            }
            Err(e) => failed.push(format!("{}: {e}", f.display())),
        }
        assert!(k.module_names().is_empty(), "{} left behind", f.display());
    }
    eprintln!("linked {} modules, {relocs} relocations", files.len() - failed.len());
    eprintln!("patched {}/{} return sites, {}/{} mcount sites", returns.0, returns.1, mcount.0, mcount.1);
    assert!(failed.is_empty(), "{} failed:\n{}", failed.len(), failed[..failed.len().min(20)].join("\n"));
    // Every site holds the instruction Linux expects there, aimed at the
    // expected target, once relocated: all are patched.
    assert!(returns.1 > 100_000 && mcount.1 > 100_000, "{returns:?} {mcount:?}");
    assert!(unpatched.is_empty(), "{} modules with unpatched sites:\n{}", unpatched.len(), unpatched[..unpatched.len().min(20)].join("\n"));
}

#[test]
fn mutated_images_never_break_the_loader() {
    let Some((k, _g)) = kernel() else { return };
    let files = tree_files();
    let mut rng = testkit::XorShift(0x9e37_79b9_7f4a_7c15);
    let mut rnd = move || rng.next_u64();
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for n in 0..60 {
        let f = &files[(rnd() as usize) % files.len()];
        let orig = std::fs::read(f).unwrap();
        let (elf_len, _) = kofile::signature::split_trailer(&orig).map(|(b, t)| (b.len() - t.sig_len as usize, t)).unwrap();
        for m in 0..40 {
            let mut img = orig[..elf_len].to_vec();
            match (n + m) % 4 {
                // bit flips anywhere
                0 => {
                    for _ in 0..1 + rnd() % 8 {
                        let at = (rnd() as usize) % img.len();
                        img[at] ^= 1 << (rnd() % 8);
                    }
                }
                // the header and section table
                1 => {
                    let shoff = u64::from_le_bytes(img[40..48].try_into().unwrap()) as usize;
                    let at = if rnd() % 2 == 0 { (rnd() as usize) % 64 } else { shoff + (rnd() as usize) % (img.len() - shoff).max(1) };
                    if at < img.len() {
                        img[at] = rnd() as u8;
                    }
                }
                // truncation
                2 => img.truncate((rnd() as usize) % img.len()),
                // a section size or offset set to something huge
                _ => {
                    let shoff = u64::from_le_bytes(img[40..48].try_into().unwrap()) as usize;
                    let shnum = u16::from_le_bytes(img[60..62].try_into().unwrap()) as usize;
                    let i = 1 + (rnd() as usize) % shnum.saturating_sub(1).max(1);
                    let field = [24usize, 32, 48][(rnd() % 3) as usize];
                    let at = shoff + i * 64 + field;
                    if at + 8 <= img.len() {
                        img[at..at + 8].copy_from_slice(&(rnd() >> (rnd() % 64)).to_le_bytes());
                    }
                }
            }
            // unsigned now: ignore-vermagic marks it mangled, so loading goes on
            let r = k.link_only(&img, kernel::MODULE_INIT_IGNORE_VERMAGIC, false);
            let key = match r {
                Ok(_) => "linked".to_string(),
                Err(e) => format!("{:?}", e),
            };
            *outcomes.entry(key).or_default() += 1;
            assert!(k.module_names().is_empty());
        }
    }
    eprintln!("outcomes: {outcomes:?}");
    assert!(outcomes.get(&format!("{:?}", Errno::ENOEXEC)).copied().unwrap_or(0) > 0);
}
