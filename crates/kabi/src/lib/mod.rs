//! lib/: strings, character classes, text search, and the kernel's other
//! library routines.

mod bitmap;
pub(crate) mod bug;
mod ctype;
pub(crate) mod asn1_decoder;
pub(crate) mod oid_registry;
mod find_bit;
pub(crate) mod hexdump;
pub(crate) mod kobject;
mod kstrtox;
mod list_debug;
mod sort;
pub mod string;
mod string_helpers;
mod textsearch;
pub(crate) mod scatterlist;
mod idr;
mod xarray;
mod ratelimit;
mod bucket_locks;
mod vsscanf;
pub(crate) mod crypto;
mod percpu_counter;
mod crc32;
mod math;
mod once;
pub(crate) mod random;
mod rbtree;
mod uuid;
mod xxhash;
pub mod lzo;
pub(crate) mod lz4;
mod zstd;
