//! Directory walking the way depmod does it, on the C library's `opendir`/
//! `readdir`/`openat`/`fdopendir`/`fstatat`: raw `readdir` order, entry type
//! from `d_type` (else `fstatat`, following symbolic links), and the same
//! file descriptors, which depmod prints in some messages.

use std::ffi::{CStr, CString};

/// An open directory stream.
pub struct Dir {
    dir: *mut libc::DIR,
}

/// One directory entry.
pub struct Entry {
    pub name: Vec<u8>,
    pub d_type: u8,
}

pub const DT_DIR: u8 = libc::DT_DIR;
pub const DT_REG: u8 = libc::DT_REG;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

fn cstring(b: &[u8]) -> CString {
    // Paths cannot hold NUL bytes; cut at the first one as C would.
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    CString::new(&b[..end]).expect("no NUL")
}

impl Dir {
    /// `opendir(path)`.
    pub fn open(path: &[u8]) -> Result<Dir, i32> {
        let c = cstring(path);
        // SAFETY: `c` is a valid NUL-terminated string.
        let dir = unsafe { libc::opendir(c.as_ptr()) };
        if dir.is_null() {
            Err(errno())
        } else {
            Ok(Dir { dir })
        }
    }

    /// `openat(parent, name, O_RDONLY)` then `fdopendir`; the error says
    /// which step failed (`Err((true, errno))` for `openat`, with the fd
    /// for `fdopendir`).
    pub fn open_at(&self, name: &[u8]) -> Result<Dir, OpenAtError> {
        let c = cstring(name);
        // SAFETY: valid fd and string.
        let fd = unsafe { libc::openat(self.fd(), c.as_ptr(), libc::O_RDONLY) };
        if fd < 0 {
            return Err(OpenAtError::OpenAt(errno()));
        }
        // SAFETY: `fd` is an open descriptor we own.
        let dir = unsafe { libc::fdopendir(fd) };
        if dir.is_null() {
            let e = errno();
            // SAFETY: closing the descriptor we opened.
            unsafe { libc::close(fd) };
            return Err(OpenAtError::FdOpenDir(fd, e));
        }
        Ok(Dir { dir })
    }

    /// The stream's file descriptor (`dirfd`).
    pub fn fd(&self) -> i32 {
        // SAFETY: `self.dir` is a valid open stream.
        unsafe { libc::dirfd(self.dir) }
    }

    /// `fstatat(dirfd, name, &st, 0)`: `(st_mode, st_mtime)`.
    pub fn stat_at(&self, name: &[u8]) -> Result<(u32, i64), i32> {
        let c = cstring(name);
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: valid fd, string and out-pointer.
        let r = unsafe { libc::fstatat(self.fd(), c.as_ptr(), &mut st, 0) };
        if r < 0 {
            Err(errno())
        } else {
            Ok((st.st_mode, st.st_mtime))
        }
    }
}

/// Why [`Dir::open_at`] failed.
pub enum OpenAtError {
    OpenAt(i32),
    FdOpenDir(i32, i32),
}

impl Iterator for Dir {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        // SAFETY: `self.dir` is a valid open stream; the entry is copied
        // before the next call.
        unsafe {
            let de = libc::readdir(self.dir);
            if de.is_null() {
                return None;
            }
            let name = CStr::from_ptr((*de).d_name.as_ptr()).to_bytes().to_vec();
            Some(Entry { name, d_type: (*de).d_type })
        }
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: closing the stream we opened, once.
        unsafe { libc::closedir(self.dir) };
    }
}

pub const S_IFMT: u32 = libc::S_IFMT;
pub const S_IFDIR: u32 = libc::S_IFDIR;
pub const S_IFREG: u32 = libc::S_IFREG;

/// `get_current_dir_name()`: `$PWD` when it names the working directory,
/// else `getcwd`.
pub fn current_dir_name() -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    if let Some(pwd) = std::env::var_os("PWD") {
        if pwd.as_bytes().first() == Some(&b'/') {
            if let (Ok(a), Ok(b)) = (std::fs::metadata(&pwd), std::fs::metadata(".")) {
                if a.dev() == b.dev() && a.ino() == b.ino() {
                    return Some(pwd.as_bytes().to_vec());
                }
            }
        }
    }
    std::env::current_dir().ok().map(|p| p.as_os_str().as_bytes().to_vec())
}

/// kmod's `path_make_absolute_cwd`: an absolute path as is, else
/// `cwd + "/" + path` (not normalised).
pub fn make_absolute(p: &[u8]) -> Vec<u8> {
    if p.first() == Some(&b'/') {
        return p.to_vec();
    }
    let mut cwd = current_dir_name().unwrap_or_default();
    cwd.push(b'/');
    cwd.extend_from_slice(p);
    cwd
}

/// `stat(path)`: the file's size when it succeeds.
pub fn exists(path: &[u8]) -> Result<u64, i32> {
    let c = cstring(path);
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid string and out-pointer.
    if unsafe { libc::stat(c.as_ptr(), &mut st) } < 0 {
        Err(errno())
    } else {
        Ok(st.st_size as u64)
    }
}

/// `uname().release`.
pub fn uname_release() -> Option<Vec<u8>> {
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: valid out-pointer.
    if unsafe { libc::uname(&mut u) } < 0 {
        return None;
    }
    // SAFETY: the kernel NUL-terminates the field.
    Some(unsafe { CStr::from_ptr(u.release.as_ptr()) }.to_bytes().to_vec())
}
