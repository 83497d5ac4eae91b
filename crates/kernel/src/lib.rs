//! host kernel
