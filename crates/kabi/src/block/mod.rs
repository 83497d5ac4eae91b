//! block/: block device registration.
