//! Arbitrary bytes as an (already decompressed) module image, through every
//! public reader of kofile: Module::parse and all its tables, the symbol
//! table, relocations of every section, the signature, and Linux's
//! elf_validity_check. The routine is shared with crates/kofile/tests/mutations.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/kofile/tests/common/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(exercise::exercise(data));
});
