//! drivers/base/firmware_loader from a real module (tests/modules/fwload):
//! images found under <root>/lib/firmware (plain and .xz), a missing one
//! with Debian's log lines (and without the warning for the nowarn
//! variant), request_firmware_nowait's callback, an empty name.

mod common;

use common::{kernel, log_since, test_module};
use std::io::Write;

fn crc32(data: &[u8]) -> u32 {
    // CRC-32 (reflected, poly 0xedb88320) without the final xor and with
    // seed 0, as crc32_le(0, ...) computes it.
    let mut c = 0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 };
        }
    }
    c
}

#[test]
fn fwload_reads_images_from_the_roots_lib_firmware() {
    let Some((k, _g)) = kernel() else { return };
    let Some(image) = test_module("fwload") else { return };
    let root = std::env::temp_dir().join(format!("modhost-fw-{}", std::process::id()));
    let dir = root.join("lib/firmware/modhost");
    std::fs::create_dir_all(&dir).unwrap();
    let plain: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("plain.bin"), &plain).unwrap();
    let packed: Vec<u8> = (0..70000u32).map(|i| (i % 13) as u8).collect();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(&packed).unwrap();
    std::fs::write(dir.join("packed.bin.xz"), xz.finish().unwrap()).unwrap();
    kabi::drivers::base::firmware_loader::set_search(root.clone(), "6.1.0-test".into());

    let seq = kabi::log::next_seq();
    k.finit_module(&image, "", 0).unwrap_or_else(|e| panic!("fwload: {e}; {:#?}", log_since(seq)));
    k.delete_module("fwload", 0).unwrap();
    let log = log_since(seq);
    let _ = std::fs::remove_dir_all(&root);
    let line = |p: &str| log.iter().find(|l| l.starts_with(p)).unwrap_or_else(|| panic!("{p} in {log:#?}")).clone();
    assert_eq!(
        line("fwload: plain"),
        format!(
            "fwload: plain=0:5000:{:08x} packed=0:70000:{:08x} missing=-2:0000000000000000 quiet=-2:0000000000000000",
            crc32(&plain),
            crc32(&packed)
        )
    );
    assert_eq!(line("fwload: nowait"), "fwload: nowait=0 size=5000 empty_name=-22");
    // Debian's log: a success, two searches (plain, .xz) per missing image, the
    // wiki hint once (if no earlier failure in this kernel printed it), and the
    // warning only for request_firmware.
    assert!(log.iter().any(|l| l == "(NULL device *): firmware: direct-loading firmware modhost/plain.bin"), "{log:#?}");
    let failed = |n: &str| log.iter().filter(|l| **l == format!("(NULL device *): firmware: failed to load {n} (-2)")).count();
    assert_eq!(failed("modhost/missing.bin"), 2, "{log:#?}");
    assert_eq!(failed("modhost/quiet.bin"), 2, "{log:#?}");
    assert!(log.iter().any(|l| l == "(NULL device *): Direct firmware load for modhost/missing.bin failed with error -2"));
    assert!(!log.iter().any(|l| l.contains("Direct firmware load for modhost/quiet.bin")), "{log:#?}");
}
