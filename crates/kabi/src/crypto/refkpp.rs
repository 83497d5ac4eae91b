//! Independent implementations of the key agreements the host tests at
//! registration (testmgr.rs): ECDH over NIST P-192/P-256/P-384
//! (RustCrypto's `p192`/`p256`/`p384`) and X25519 (`x25519-dalek`), in
//! Linux's formats — private keys and coordinates big-endian, a public
//! key `x || y`, an ECDH shared secret the x coordinate; X25519's keys
//! and secret as RFC 7748 bytes.

use elliptic_curve::sec1::{FromEncodedPoint, ModulusSize, ToEncodedPoint};
use elliptic_curve::{AffinePoint, CurveArithmetic, FieldBytesSize, PublicKey, SecretKey};

/// A NIST curve of ecdh_generic.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Curve {
    P192,
    P256,
    P384,
}

impl Curve {
    /// The curve of a kpp algorithm name (`ecdh-nist-p256`).
    pub fn of(name: &[u8]) -> Option<Curve> {
        match name {
            b"ecdh-nist-p192" => Some(Curve::P192),
            b"ecdh-nist-p256" => Some(Curve::P256),
            b"ecdh-nist-p384" => Some(Curve::P384),
            _ => None,
        }
    }
    /// Bytes of a scalar or coordinate.
    pub fn nbytes(self) -> usize {
        match self {
            Curve::P192 => 24,
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }
    /// The public key `x || y` of private key `d` (None: `d` is not in
    /// [1, n-1]).
    pub fn public(self, d: &[u8]) -> Option<Vec<u8>> {
        match self {
            Curve::P192 => public::<p192::NistP192>(d),
            Curve::P256 => public::<p256::NistP256>(d),
            Curve::P384 => public::<p384::NistP384>(d),
        }
    }
    /// The x coordinate of `d` times the point `x || y` (None: the point
    /// is not on the curve, or `d` is out of range).
    pub fn shared(self, d: &[u8], peer: &[u8]) -> Option<Vec<u8>> {
        match self {
            Curve::P192 => shared::<p192::NistP192>(d, peer),
            Curve::P256 => shared::<p256::NistP256>(d, peer),
            Curve::P384 => shared::<p384::NistP384>(d, peer),
        }
    }
}

fn public<C>(d: &[u8]) -> Option<Vec<u8>>
where
    C: CurveArithmetic,
    AffinePoint<C>: ToEncodedPoint<C> + FromEncodedPoint<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let sk = SecretKey::<C>::from_slice(d).ok()?;
    let p = sk.public_key().to_encoded_point(false);
    Some(p.as_bytes()[1..].to_vec())
}

fn shared<C>(d: &[u8], peer: &[u8]) -> Option<Vec<u8>>
where
    C: CurveArithmetic,
    AffinePoint<C>: ToEncodedPoint<C> + FromEncodedPoint<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let sk = SecretKey::<C>::from_slice(d).ok()?;
    let mut sec1 = Vec::with_capacity(peer.len() + 1);
    sec1.push(4);
    sec1.extend_from_slice(peer);
    let pk = PublicKey::<C>::from_sec1_bytes(&sec1).ok()?;
    let s: AffinePoint<C> = (pk.to_projective() * *sk.to_nonzero_scalar()).into();
    let e = s.to_encoded_point(false);
    e.x().map(|x| x.to_vec())
}

/// X25519(`k`, `u`) (RFC 7748; `u` None: the base point 9).
pub fn x25519(k: &[u8; 32], u: Option<&[u8; 32]>) -> [u8; 32] {
    let s = x25519_dalek::StaticSecret::from(*k);
    match u {
        None => *x25519_dalek::PublicKey::from(&s).as_bytes(),
        Some(u) => *s.diffie_hellman(&x25519_dalek::PublicKey::from(*u)).as_bytes(),
    }
}
