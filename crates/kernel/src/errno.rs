//! Linux errno values (x86_64) as the syscalls return them.

use std::fmt;

/// A positive errno value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $v:expr),* $(,)?) => {
        impl Errno { $(pub const $name: Errno = Errno($v);)* }
        fn errno_name(v: i32) -> Option<&'static str> {
            match v { $($v => Some(stringify!($name)),)* _ => None }
        }
    };
}

errnos! {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8,
    EBADF = 9, ECHILD = 10, EWOULDBLOCK = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14,
    ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21,
    EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28,
    ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34, EDEADLK = 35,
    ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENOMSG = 42,
    EIDRM = 43, ENODATA = 61, ETIME = 62, ENOPKG = 65, ENOLINK = 67, EPROTO = 71,
    EBADMSG = 74, EOVERFLOW = 75, EILSEQ = 84, ENOTSOCK = 88, EMSGSIZE = 90,
    EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EAFNOSUPPORT = 97, EADDRINUSE = 98,
    EADDRNOTAVAIL = 99, ENETDOWN = 100, ENOBUFS = 105, ETIMEDOUT = 110, EALREADY = 114,
    EINPROGRESS = 115, ENOMEDIUM = 123, ECANCELED = 125, ENOKEY = 126, EKEYREJECTED = 129,
    EHWPOISON = 133, ERESTARTSYS = 512, ENOIOCTLCMD = 515, EPROBE_DEFER = 517,
    ENOTSUPP = 524,
}

impl Errno {
    /// The symbolic name (`ENOENT`), if known.
    pub fn name(self) -> Option<&'static str> {
        errno_name(self.0)
    }
    /// The C library's message for it (`No such file or directory`).
    pub fn message(self) -> String {
        let s = std::io::Error::from_raw_os_error(self.0).to_string();
        match s.rfind(" (os error ") {
            Some(i) => s[..i].to_string(),
            None => s,
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (-{})", self.message(), self.0)
    }
}

impl std::error::Error for Errno {}

pub type KResult<T> = Result<T, Errno>;
