//! kmod library
