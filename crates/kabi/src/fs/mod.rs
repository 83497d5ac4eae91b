//! fs/: the pseudo file systems' views ([`kernfs`]).

pub mod char_dev;
pub mod debugfs;
pub mod filesystems;
pub(crate) mod hostobj;
pub mod kernfs;
mod nfs_common;
pub mod nls;
pub mod proc;
mod proc_net;
mod proc_sysctl;
pub(crate) mod sysfs;
