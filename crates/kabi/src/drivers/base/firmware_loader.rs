//! drivers/base/firmware_loader/main.c, with Debian's logging patches:
//! `request_firmware` and its variants read `<name>` (then `<name>.xz`,
//! CONFIG_FW_LOADER_COMPRESS_XZ) from the firmware search path of the
//! host's root — `/lib/firmware/updates/<release>`, `/lib/firmware/updates`,
//! `/lib/firmware/<release>`, `/lib/firmware` under the root whose
//! `lib/modules/<release>` the host loads modules from ([`set_search`]).
//! No user-mode helper fallback runs (Debian builds without
//! CONFIG_FW_LOADER_USER_HELPER_FALLBACK, and uevent requests never use it).
//!
//! The log is Debian's: each search that finds nothing logs
//! "<dev>: firmware: failed to load <name> (-2)" (the first one also
//! "firmware_class: See https://wiki.debian.org/Firmware for information
//! about missing firmware"), a load logs "firmware: direct-loading
//! firmware <name>", and a request without FW_OPT_NO_WARN that fails ends
//! with "Direct firmware load for <name> failed with error -2".

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::layout::firmware as fwl;

const ENOENT: i32 = -2;
const ENOMEM: i32 = -12;
const EFAULT: i32 = -14;
const EINVAL: i32 = -22;

/// The root and release of the firmware search path (none: nothing found).
static SEARCH: Mutex<Option<(PathBuf, String)>> = Mutex::new(None);
static SEE_WIKI: AtomicBool = AtomicBool::new(false);
/// Requests of request_firmware_nowait not yet answered.
static PENDING: Mutex<u32> = Mutex::new(0);
static ANSWERED: std::sync::Condvar = std::sync::Condvar::new();

/// Waits until every request_firmware_nowait has called its callback.
pub fn wait_idle() {
    crate::vmlinux::Vmlinux::off_cpu(|| {
        let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        while *p > 0 {
            p = ANSWERED.wait(p).unwrap_or_else(|e| e.into_inner());
        }
    })
}

/// Where firmware comes from: `root`/lib/firmware... for `release`.
pub fn set_search(root: PathBuf, release: String) {
    *SEARCH.lock().unwrap_or_else(|e| e.into_inner()) = Some((root, release));
}

/// `dev_printk` prefix: "<driver or bus or class> <name>: ".
fn prefix(dev: u64) -> String {
    if dev == 0 {
        return "(NULL device *): ".to_string();
    }
    format!("{} {}: ", super::core::driver_string(dev), super::core::dev_name(dev))
}

fn dev_log(level: u8, dev: u64, msg: &str) {
    crate::log::kernel_msg(level, &format!("{}{msg}", prefix(dev)));
}

/// fw_get_filesystem_firmware for one suffix: the file's bytes, or None.
fn search(name: &str, suffix: &str) -> Option<Vec<u8>> {
    let (root, release) = SEARCH.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
    // A name with ".." components would leave the firmware directory:
    // Linux reads it as a path, and so does the host (within the root).
    let fw = root.join("lib/firmware");
    for dir in [fw.join("updates").join(&release), fw.join("updates"), fw.join(&release), fw.clone()] {
        let path = dir.join(format!("{name}{suffix}"));
        let Ok(bytes) = std::fs::read(&path) else { continue };
        if suffix == ".xz" {
            let mut out = Vec::new();
            if xz2::read::XzDecoder::new(&bytes[..]).read_to_end(&mut out).is_ok() {
                return Some(out);
            }
            continue;
        }
        return Some(bytes);
    }
    None
}

/// `_request_firmware`: the image, or the errno (with Debian's log).
fn load(name: &str, dev: u64, nowarn: bool) -> Result<Vec<u8>, i32> {
    if name.is_empty() {
        return Err(EINVAL);
    }
    for suffix in ["", ".xz"] {
        if let Some(data) = search(name, suffix) {
            dev_log(6, dev, &format!("firmware: direct-loading firmware {name}"));
            return Ok(data);
        }
        dev_log(3, dev, &format!("firmware: failed to load {name} ({ENOENT})"));
        if !SEE_WIKI.swap(true, Ordering::SeqCst) {
            crate::log::kernel_msg(3, "firmware_class: See https://wiki.debian.org/Firmware for information about missing firmware");
        }
    }
    if !nowarn {
        dev_log(4, dev, &format!("Direct firmware load for {name} failed with error {ENOENT}"));
    }
    Err(ENOENT)
}

/// A `struct firmware` holding the image (vmalloc'd data, as Linux's paged
/// buffer is), or 0.
fn make(data: &[u8]) -> u64 {
    let fw = crate::mm::slab::kmalloc_bytes(fwl::SIZE as usize, 0);
    let buf = crate::mm::vmalloc::vmalloc_bytes(data.len().max(1) as u64);
    if fw == 0 || buf == 0 {
        crate::mm::slab::kfree_addr(fw);
        return 0;
    }
    // SAFETY: the fresh struct firmware and a buffer of data.len() bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), buf as *mut u8, data.len());
        std::ptr::write_bytes(fw as *mut u8, 0, fwl::SIZE as usize);
        ((fw + fwl::size) as *mut u64).write(data.len() as u64);
        ((fw + fwl::data) as *mut u64).write(buf);
    }
    fw
}

fn request(fwp: *mut u64, name: u64, dev: u64, nowarn: bool) -> i32 {
    if fwp.is_null() {
        return EINVAL;
    }
    // SAFETY: the caller's out pointer.
    unsafe { fwp.write(0) };
    if name == 0 {
        return EINVAL;
    }
    let n = crate::fs::hostobj::cstr(name);
    match load(&n, dev, nowarn) {
        Ok(data) => {
            let fw = make(&data);
            if fw == 0 {
                return ENOMEM;
            }
            // SAFETY: as above.
            unsafe { fwp.write(fw) };
            0
        }
        Err(e) => e,
    }
}

crate::kfn! {
    /// `int request_firmware(const struct firmware **fw, name, device)`.
    fn request_firmware(fwp: *mut u64, name: u64, dev: u64) -> i32 {
        request(fwp, name, dev, false)
    }
}
crate::kfn! {
    /// `int firmware_request_nowarn(fw, name, device)`: no "Direct
    /// firmware load" warning.
    fn firmware_request_nowarn(fwp: *mut u64, name: u64, dev: u64) -> i32 {
        request(fwp, name, dev, true)
    }
}
crate::kfn! {
    /// `int request_firmware_direct(fw, name, device)`: no warning, no
    /// user-mode helper.
    fn request_firmware_direct(fwp: *mut u64, name: u64, dev: u64) -> i32 {
        request(fwp, name, dev, true)
    }
}

crate::kfn! {
    /// `void release_firmware(fw)`: NULL is fine.
    fn release_firmware(fw: u64) {
        if fw == 0 {
            return;
        }
        // SAFETY: a struct firmware from make().
        let data = unsafe { ((fw + fwl::data) as *const u64).read() };
        crate::mm::vmalloc::vfree(data);
        crate::mm::slab::kfree_addr(fw);
    }
}

/// `int request_firmware_nowait(module, uevent, name, device, gfp,
/// context, cont)`: 0, with `cont(fw or NULL, context)` called later on a
/// worker that holds a reference on the module and on the device;
/// -EFAULT when the module is going away, -ENOMEM. Seven arguments: cont
/// is on the stack.
extern "C" fn request_firmware_nowait(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 7) };
    let (module, name, dev, context, cont) = (a.arg(0), a.arg(2), a.arg(3), a.arg(5), a.arg(6));
    if name == 0 {
        return EINVAL;
    }
    let n = crate::fs::hostobj::cstr(name);
    if !crate::kernel::module::try_module_get(module) {
        return EFAULT;
    }
    super::core::get_device(dev);
    *PENDING.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    let done = || {
        let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        *p = p.saturating_sub(1);
        ANSWERED.notify_all();
    };
    let spawned = std::thread::Builder::new().name("kworker/fw".into()).spawn(move || {
        let fw = match load(&n, dev, false) {
            Ok(data) => make(&data),
            Err(_) => 0,
        };
        crate::fault::call_module(cont, [fw, context, 0, 0, 0, 0]);
        super::core::put_device(dev);
        crate::kernel::module::module_put(module);
        done();
    });
    if spawned.is_err() {
        super::core::put_device(dev);
        crate::kernel::module::module_put(module);
        done();
        return ENOMEM;
    }
    0
}
crate::export_variadic!("request_firmware_nowait" => request_firmware_nowait);
