//! crypto/: the kernel crypto API (issue 10).
