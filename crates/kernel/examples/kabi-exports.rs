//! Prints docs/kabi-exports.md: every export of the ABI profile and how the
//! host kernel provides it.

fn main() {
    let profile = kernel::boot::default_profile().unwrap_or_else(|e| {
        eprintln!("kabi-exports: {e}");
        std::process::exit(1)
    });
    let k = kernel::Kernel::new(kernel::Config::from_profile(&profile)).expect("boot the host kernel");
    print!("{}", kernel::exports_doc::render(&k));
}
