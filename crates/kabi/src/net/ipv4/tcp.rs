//! net/ipv4/tcp.c: what modules use of TCP's core.
//!
//! `tcp_have_smc` (CONFIG_SMC): a static key, off at boot, that the smc
//! module turns on (`static_branch_enable`) when it loads so that TCP's
//! SYN options carry the SMC experimental option; kernel/jump_label.rs
//! keeps its count like any other key. vmlinux's own branches on it are
//! not patched: no TCP traffic passes through the host.

/// `sizeof(struct static_key_false)` (a `struct static_key`: the
/// `enabled` count and the entries word).
const STATIC_KEY_SIZE: u64 = 16;

crate::export_data!("tcp_have_smc", size STATIC_KEY_SIZE, align 8);
