//! What modprobe asks of the running kernel, behind a small trait so the
//! same logic drives modhost's host kernel (through its daemon) or a real
//! Linux kernel (system calls, `/proc`, `/sys`).

use std::path::Path;

/// `finit_module` flags.
pub const MODULE_INIT_IGNORE_MODVERSIONS: u32 = 1;
pub const MODULE_INIT_IGNORE_VERMAGIC: u32 = 2;
/// `delete_module` flags (x86_64 values).
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_TRUNC: u32 = 0o1000;

/// The kernel as libkmod sees it. Errors are positive errno values.
pub trait Kernel {
    /// The contents of a file such as `/sys/module/<m>/initstate`,
    /// `/sys/module/<m>/refcnt` or `/proc/modules`.
    fn read(&mut self, path: &str) -> Result<Vec<u8>, i32>;
    /// Whether `path` (e.g. `/sys/module/<m>`) is a directory.
    fn is_dir(&mut self, path: &str) -> bool;
    /// The entries of a directory such as `/sys/module/<m>/holders`, in
    /// directory order, without `.` and `..`.
    fn list(&mut self, path: &str) -> Result<Vec<String>, i32>;
    /// `finit_module` on the (uncompressed) module file at `path`, whose
    /// bytes are `image`.
    fn finit_module(&mut self, path: &Path, image: &[u8], args: &str, flags: u32) -> Result<(), i32>;
    /// `init_module` with a module image in memory.
    fn init_module(&mut self, image: &[u8], args: &str) -> Result<(), i32>;
    /// `delete_module(name, flags)`.
    fn delete_module(&mut self, name: &str, flags: u32) -> Result<(), i32>;
}

// glibc's wrappers of the module system calls, which kmod 30 calls (and
// which programs wrapping kmod, such as its testsuite's traps, intercept).
// `finit_module` has no glibc wrapper: kmod calls `syscall(SYS_finit_module)`.
extern "C" {
    fn init_module(image: *const libc::c_void, len: libc::c_ulong, args: *const libc::c_char) -> libc::c_long;
    fn delete_module(name: *const libc::c_char, flags: libc::c_uint) -> libc::c_long;
}

/// A real Linux kernel: `/sys`, `/proc` and the module system calls,
/// entered through the C library exactly as kmod 30 enters them.
#[derive(Debug, Default)]
pub struct Linux;

fn errno_of(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

fn cstring(s: &str) -> Result<std::ffi::CString, i32> {
    std::ffi::CString::new(s).map_err(|_| libc::EINVAL)
}

impl Kernel for Linux {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, i32> {
        std::fs::read(path).map_err(|e| errno_of(&e))
    }

    fn is_dir(&mut self, path: &str) -> bool {
        std::fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false)
    }

    fn list(&mut self, path: &str) -> Result<Vec<String>, i32> {
        let rd = std::fs::read_dir(path).map_err(|e| errno_of(&e))?;
        Ok(rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
    }

    fn finit_module(&mut self, path: &Path, _image: &[u8], args: &str, flags: u32) -> Result<(), i32> {
        // kmod opens the file O_RDONLY|O_CLOEXEC (std adds O_CLOEXEC).
        let f = std::fs::File::open(path).map_err(|e| errno_of(&e))?;
        let args = cstring(args)?;
        use std::os::fd::AsRawFd;
        // SAFETY: valid descriptor and C string for the duration of the call.
        let r = unsafe { libc::syscall(libc::SYS_finit_module, f.as_raw_fd(), args.as_ptr(), flags as libc::c_int) };
        if r != 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn init_module(&mut self, image: &[u8], args: &str) -> Result<(), i32> {
        let args = cstring(args)?;
        // SAFETY: the image and the C string outlive the call.
        let r = unsafe { init_module(image.as_ptr().cast(), image.len() as libc::c_ulong, args.as_ptr()) };
        if r != 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn delete_module(&mut self, name: &str, flags: u32) -> Result<(), i32> {
        let name = cstring(name)?;
        // SAFETY: a valid C string.
        let r = unsafe { delete_module(name.as_ptr(), flags as libc::c_uint) };
        if r != 0 {
            return Err(last_errno());
        }
        Ok(())
    }
}
