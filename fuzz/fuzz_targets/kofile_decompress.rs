//! Arbitrary bytes as a module *file*: ModuleImage::from_vec (xz / zstd
//! decompression by magic, as libkmod does), then every reader on the result.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/kofile/tests/common/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(exercise::exercise_image(data.to_vec()));
});
