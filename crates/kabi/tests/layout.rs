//! crates/kabi/src/layout.rs is what Debian's headers say: regenerated from
//! the kabi_layout module built against the fixture release's headers.

#[test]
fn committed_layout_matches_the_headers() {
    let Some(idx) = testkit::require(testkit::test_modules(), "the C test modules") else { return };
    let path = idx.get("kabi_layout").expect("kabi_layout built by scripts/build-modules.sh");
    let image = std::fs::read(path).expect("read kabi_layout.ko");
    let release = testkit::fixtures().and_then(|f| f.release().map(str::to_string)).expect("release");
    let want = kabi::layout_gen::generate(&image, &release).expect("generate");
    let have = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/layout.rs")).expect("read layout.rs");
    // the release named in the header may move on; the layouts must not
    let body = |s: &str| s.lines().filter(|l| !l.starts_with("//!")).collect::<Vec<_>>().join("\n");
    assert!(body(&have) == body(&want), "crates/kabi/src/layout.rs is stale: run `cargo run -p kabi --example gen-layout > crates/kabi/src/layout.rs`");
}

#[test]
fn layouts_used_by_the_host_agree_with_its_constants() {
    use kabi::layout::*;
    assert_eq!(module::SIZE, 896);
    assert_eq!(module::refcnt, kabi::kernel::module::MODULE_REFCNT_OFFSET);
    assert_eq!(module::name, kabi::kernel::module::MODULE_NAME_OFFSET);
    assert_eq!(list_head::SIZE, 16);
}
