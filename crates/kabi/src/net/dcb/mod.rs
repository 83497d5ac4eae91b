//! net/dcb/ (`CONFIG_DCB=y`).

pub mod dcbevent;
