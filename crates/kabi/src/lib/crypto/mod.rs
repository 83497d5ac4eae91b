//! lib/crypto/: the crypto library functions vmlinux carries.

pub(crate) mod aes;
mod chacha;
