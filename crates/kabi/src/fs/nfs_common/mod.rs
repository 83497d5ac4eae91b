//! fs/nfs_common/: what NFS client and server share in vmlinux.

mod nfs_ssc;
