//! net/: networking registration.

pub mod core;
pub mod ethtool;
pub(crate) mod list;
pub mod socket;
