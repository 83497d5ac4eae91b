//! Booting a host kernel from an ABI profile.

use kabi::profile::{Certificate, Profile};
use kabi::vmlinux::PercpuSpec;

use crate::{Config, Errno, ExportDecl, SignatureVerifier};

/// The builtin trusted keys: verifies with the profile's certificates.
pub struct Keyring {
    certs: Vec<Certificate>,
}

impl SignatureVerifier for Keyring {
    fn verify(&self, image: &[u8]) -> Result<(), (Errno, String)> {
        kabi::profile::verify_module_signature(image, &self.certs)
            .map(|_| ())
            .map_err(|e| (Errno(e.errno), e.message.map(str::to_string).unwrap_or_default()))
    }
}

impl Config {
    /// The configuration of a host that presents itself as `profile`'s
    /// kernel: its release, vermagic, exports with CRCs, per-CPU layout and
    /// signing keys. `sig_enforce` and the blacklist start off.
    pub fn from_profile(profile: &Profile) -> Config {
        Config {
            release: profile.release.clone(),
            vermagic: profile.vermagic.clone(),
            exports: profile
                .exports
                .iter()
                .map(|e| ExportDecl { name: e.name.clone(), crc: e.crc, gpl: e.gpl, namespace: e.namespace.clone() })
                .collect(),
            percpu: PercpuSpec {
                symbols: profile.percpu.symbols.iter().map(|s| (s.name.clone(), s.offset)).collect(),
                static_size: profile.percpu.static_size,
            },
            verifier: Some(Box::new(Keyring { certs: profile.signing_certs.clone() })),
            sig_enforce: false,
            blacklist: Vec::new(),
        }
    }
}
