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
                .map(|e| ExportDecl {
                    name: e.name.clone(),
                    crc: e.crc,
                    gpl: e.gpl,
                    namespace: e.namespace.clone(),
                    // an export of unknown type gets a trap stub, which is
                    // harmless if it is data nobody calls
                    text: e.is_text() || e.kind == '?',
                    size: e.size,
                })
                .collect(),
            percpu: PercpuSpec {
                symbols: profile.percpu.symbols.iter().map(|s| (s.name.clone(), s.offset)).collect(),
                static_size: profile.percpu.static_size,
            },
            verifier: Some(Box::new(Keyring { certs: profile.signing_certs.clone() })),
            uts_version: profile.uts_version.clone(),
            sig_enforce: false,
            blacklist: Vec::new(),
        }
    }
}

/// Where a host finds its ABI profile when none is given: the cache file
/// `${MODHOST_CACHE:-/var/cache/modhost}/profile/<release>.profile` of the
/// fixture kernel (scripts/fixtures.sh), built from Debian's packages on
/// first use (the image's vmlinuz and System.map, the headers'
/// Module.symvers) and cached.
pub fn default_profile() -> Result<Profile, String> {
    let cache = std::env::var("MODHOST_CACHE").unwrap_or_else(|_| "/var/cache/modhost".into());
    let env_path = std::env::var("MODHOST_FIXTURES").unwrap_or_else(|_| format!("{cache}/fixtures/current/env"));
    let text = std::fs::read_to_string(&env_path).map_err(|e| format!("{env_path}: {e} (run scripts/fixtures.sh)"))?;
    let get = |k: &str| text.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).map(str::to_string);
    let release = get("RELEASE").ok_or_else(|| format!("{env_path}: no RELEASE"))?;
    let cached = std::path::PathBuf::from(format!("{cache}/profile/{release}.profile"));
    if let Ok(p) = Profile::load(&cached) {
        return Ok(p);
    }
    let root = get("AMD64_ROOT").ok_or_else(|| format!("{env_path}: no AMD64_ROOT"))?;
    let symvers = std::path::PathBuf::from(format!("/usr/src/linux-headers-{release}/Module.symvers"));
    let p = Profile::from_debian(std::path::Path::new(&root), &release, &symvers).map_err(|e| e.to_string())?;
    if let Some(dir) = cached.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = p.save(&cached);
    Ok(p)
}
