//! fs/: the pseudo file systems' views ([`kernfs`]).

pub mod kernfs;
