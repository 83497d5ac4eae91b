//! lib/crypto/: the crypto library functions vmlinux carries.

mod chacha;
