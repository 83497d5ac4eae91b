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
    EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENOEXEC = 8, EBADF = 9, EWOULDBLOCK = 11,
    ENOMEM = 12, EFAULT = 14, EBUSY = 16, EEXIST = 17, EINVAL = 22, ETXTBSY = 26, EFBIG = 27,
    ENOSPC = 28, EROFS = 30, ERANGE = 34, ENAMETOOLONG = 36, ETIME = 62, ENOPKG = 65,
    EBADMSG = 74, EOPNOTSUPP = 95, ENOKEY = 126, EKEYREJECTED = 129,
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
