//! fs/: the pseudo file systems' views ([`kernfs`]).

pub mod char_dev;
pub mod debugfs;
pub mod filesystems;
mod hostobj;
pub mod kernfs;
pub mod nls;
pub mod proc;
