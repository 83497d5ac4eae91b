//! Prints crates/kabi/src/layout.rs for the kabi_layout module built by
//! scripts/build-modules.sh (or the .ko given as the argument).

fn main() {
    let idx = testkit::test_modules().expect("the C test modules (bash scripts/build-modules.sh)");
    let path = std::env::args().nth(1).map(std::path::PathBuf::from).unwrap_or_else(|| idx.get("kabi_layout").expect("kabi_layout built").into());
    let _ = &idx;
    let image = std::fs::read(&path).expect("read kabi_layout.ko");
    let release = testkit::fixtures().and_then(|f| f.release().map(str::to_string)).unwrap_or_else(|| "unknown".into());
    match kabi::layout_gen::generate(&image, &release) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("gen-layout: {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}
