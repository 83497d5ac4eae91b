//! lib/crypto/: the crypto library functions vmlinux carries.

mod aes;
mod chacha;
