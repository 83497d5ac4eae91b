//! Link-all benchmark: every module of the Debian tree through the loader in
//! memory (`Kernel::link_only`: symbols the host does not provide resolve to
//! placeholders, init is not run). Prints relocations/s of the relocation
//! stage, µs per module for the whole load path (signature check, ELF
//! validation, layout, allocation, symbol resolution, relocation, exports,
//! protections, teardown), and peak RSS. Median of 5 runs.
//!
//! cargo run --release -p kernel --example bench_link

use std::time::Instant;

fn main() {
    let f = testkit::Fixtures::load().expect("run scripts/fixtures.sh");
    let rel = f.var("RELEASE").to_string();
    let files = testkit::ko_files(&testkit::moddir(f.var("AMD64_ROOT"), &rel).join("kernel"));
    let images: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let profile = kernel::boot::default_profile().expect("profile");
    let k = kernel::Kernel::new(kernel::Config::from_profile(&profile)).unwrap();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let (mut relocs, mut reloc_ns, mut ok) = (0u64, 0u64, 0usize);
        let t = Instant::now();
        for img in &images {
            if let Ok(r) = k.link_only(img, 0, true) {
                relocs += r.relocations;
                reloc_ns += r.reloc_nanos;
                ok += 1;
            }
        }
        runs.push((t.elapsed().as_secs_f64(), relocs, reloc_ns, ok));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (secs, relocs, reloc_ns, ok) = runs[2];
    let rss = std::fs::read_to_string("/proc/self/status").unwrap().lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: ?").to_string();
    println!("link-all: {ok}/{} modules of {rel}, {relocs} relocations (median of 5)", images.len());
    println!("  relocation stage: {:.1} M relocations/s ({:.3} s)", relocs as f64 / (reloc_ns as f64 / 1e9) / 1e6, reloc_ns as f64 / 1e9);
    println!("  whole load path:  {:.1} µs/module ({:.3} s total)", secs * 1e6 / images.len() as f64, secs);
    println!("  peak RSS: {}", rss.trim_start_matches("VmHWM:").trim());
}
