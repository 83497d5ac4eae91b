//! fs/sysfs: files, groups, links and mount points on kobjects, and
//! `sysfs_emit`. A file reads through its kobject's `sysfs_ops->show`
//! (or the kobj_attribute/device_attribute show the kernel's own ops
//! call) with a page-aligned page, as sysfs reads it. The file appears in
//! the kobject's directory of the views (`crate::lib_::kobject`).

use std::sync::Mutex;

use crate::drivers::base::{cstr, kfree, rd16, rd64};
use crate::fs::kernfs;
use crate::layout::{attribute, attribute_group, bin_attribute, kobj_type, kobject, sysfs_ops};
use crate::lib_::kobject as ko;

const PAGE_SIZE: u64 = 4096;
const EINVAL: i32 = -22;
const ENOENT: i32 = -2;
const EEXIST: i32 = -17;
const ENOMEM: i32 = -12;
/// `SYSFS_PREALLOC`: a mode bit sysfs keeps.
const SYSFS_PREALLOC: u16 = 0o10000;

/// A page-aligned, zeroed page (what sysfs hands to `show`).
pub(crate) fn page_alloc() -> u64 {
    // SAFETY: plain aligned allocation, freed with free() (kfree).
    let p = unsafe { libc::aligned_alloc(PAGE_SIZE as usize, PAGE_SIZE as usize) } as u64;
    if p != 0 {
        // SAFETY: a fresh page we own.
        unsafe { std::ptr::write_bytes(p as *mut u8, 0, PAGE_SIZE as usize) };
    }
    p
}

/// Runs `f(buf)` with a page and returns what it wrote (`f` gives the length).
pub(crate) fn with_page(f: impl FnOnce(u64) -> i64) -> Vec<u8> {
    let buf = page_alloc();
    if buf == 0 {
        return Vec::new();
    }
    let n = f(buf);
    let out = if n > 0 {
        // SAFETY: our page; show wrote at most a page.
        unsafe { std::slice::from_raw_parts(buf as *const u8, n.min(PAGE_SIZE as i64) as usize) }
            .to_vec()
    } else {
        Vec::new()
    };
    kfree(buf);
    out
}

/// Files made for kobjects: (path, kobject, attribute), so that a module's
/// attribute in a directory that stays (kernel_kobj's) goes with the module.
static FILES: Mutex<Vec<(String, u64, u64)>> = Mutex::new(Vec::new());

fn files() -> std::sync::MutexGuard<'static, Vec<(String, u64, u64)>> {
    FILES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Forgets the files under a directory that went away.
pub(crate) fn forget_under(dir: &str) {
    let prefix = format!("{dir}/");
    files().retain(|(p, _, _)| !p.starts_with(&prefix));
}

/// Reads attribute `attr` of `kobj` through the kobject's sysfs_ops.
fn show(kobj: u64, attr: u64) -> Vec<u8> {
    let t = rd64(kobj + kobject::ktype);
    let ops = if t != 0 {
        rd64(t + kobj_type::sysfs_ops)
    } else {
        0
    };
    with_page(|buf| {
        if t != 0 && t == ko::host_ktypes().device {
            return crate::drivers::base::core::dev_attr_show(kobj, attr, buf);
        }
        let k = ko::host_ktypes();
        if (ops != 0 && ops == ko::kobj_sysfs_ops_addr())
            || t == k.dynamic
            || t == k.kset
            || t == k.glue
        {
            let s = rd64(attr + crate::layout::kobj_attribute::show);
            if s == 0 {
                return -5;
            }
            return crate::fault::call_module(s, [kobj, attr, buf, 0, 0, 0])
                .map(|r| r as i64)
                .unwrap_or(-14);
        }
        let s = if ops != 0 {
            rd64(ops + sysfs_ops::show)
        } else {
            0
        };
        if s == 0 {
            return -5; // -EIO
        }
        crate::fault::call_module(s, [kobj, attr, buf, 0, 0, 0])
            .map(|r| r as i64)
            .unwrap_or(-14)
    })
}

/// Reads a binary attribute (at most its size, or a page).
fn bin_read(kobj: u64, attr: u64) -> Vec<u8> {
    let read = rd64(attr + bin_attribute::read);
    if read == 0 {
        return Vec::new();
    }
    let size = rd64(attr + bin_attribute::size);
    let want = if size == 0 {
        PAGE_SIZE
    } else {
        size.min(1 << 20)
    };
    let mut out = Vec::new();
    let mut off = 0;
    while off < want {
        let count = (want - off).min(PAGE_SIZE);
        let chunk = with_page(|buf| {
            crate::fault::call_module(read, [0, kobj, attr, buf, off, count])
                .map(|r| r as i64)
                .unwrap_or(-14)
        });
        if chunk.is_empty() {
            break;
        }
        off += chunk.len() as u64;
        out.extend_from_slice(&chunk);
        if size == 0 {
            break;
        }
    }
    out
}

fn dup(path: &str) {
    crate::log::kernel_msg(
        4,
        &format!(
            "sysfs: cannot create duplicate filename '{}'",
            path.strip_prefix("/sys").unwrap_or(path)
        ),
    );
}

/// `sysfs_add_file_mode_ns` in directory `dir`: -EEXIST for a taken name.
fn add_file(dir: &str, kobj: u64, attr: u64, bin: bool) -> i32 {
    let Some(name) = cstr(rd64(attr + attribute::name)) else {
        return EINVAL;
    };
    let path = format!("{dir}/{name}");
    if kernfs::exists(&path) {
        dup(&path);
        return EEXIST;
    }
    if bin {
        kernfs::add_file(&path, move || bin_read(kobj, attr));
    } else {
        kernfs::add_file(&path, move || show(kobj, attr));
    }
    files().push((path, kobj, attr));
    0
}

fn remove_path(path: &str) {
    kernfs::remove(path);
    let prefix = format!("{path}/");
    files().retain(|(p, _, _)| p != path && !p.starts_with(&prefix));
}

fn remove_file(dir: &str, attr: u64) {
    if let Some(name) = cstr(rd64(attr + attribute::name)) {
        remove_path(&format!("{dir}/{name}"));
    }
}

/// A kobject's directory (`kobj->sd`), or -EINVAL.
fn dir_of(kobj: u64) -> Result<String, i32> {
    if kobj == 0 {
        return Err(EINVAL);
    }
    ko::path_of(kobj).ok_or(EINVAL)
}

crate::kfn! {
    /// `sysfs_create_file_ns(kobj, attr, ns)`: -EINVAL without a kobject
    /// in sysfs or an attribute, -EEXIST for a taken name.
    fn sysfs_create_file_ns(kobj: u64, attr: u64, _ns: u64) -> i32 {
        if attr == 0 {
            return EINVAL;
        }
        match dir_of(kobj) {
            Ok(d) => add_file(&d, kobj, attr, false),
            Err(e) => e,
        }
    }
}

crate::kfn! {
    /// `sysfs_remove_file_ns(kobj, attr, ns)`.
    fn sysfs_remove_file_ns(kobj: u64, attr: u64, _ns: u64) {
        if let (Ok(d), true) = (dir_of(kobj), attr != 0) {
            remove_file(&d, attr);
        }
    }
}

crate::kfn! {
    /// `sysfs_create_files(kobj, attrs)`: each file of the NULL-terminated
    /// array; on an error the ones made are removed again.
    fn sysfs_create_files(kobj: u64, ptr: u64) -> i32 {
        let Ok(d) = dir_of(kobj) else { return EINVAL };
        let mut i = 0;
        while rd64(ptr + i * 8) != 0 {
            let e = add_file(&d, kobj, rd64(ptr + i * 8), false);
            if e != 0 {
                for j in 0..i {
                    remove_file(&d, rd64(ptr + j * 8));
                }
                return e;
            }
            i += 1;
        }
        0
    }
}

crate::kfn! {
    /// `sysfs_remove_files(kobj, attrs)`.
    fn sysfs_remove_files(kobj: u64, ptr: u64) {
        let Ok(d) = dir_of(kobj) else { return };
        let mut i = 0;
        while rd64(ptr + i * 8) != 0 {
            remove_file(&d, rd64(ptr + i * 8));
            i += 1;
        }
    }
}

crate::kfn! {
    /// `sysfs_create_bin_file(kobj, attr)`.
    fn sysfs_create_bin_file(kobj: u64, attr: u64) -> i32 {
        if attr == 0 {
            return EINVAL;
        }
        match dir_of(kobj) {
            Ok(d) => add_file(&d, kobj, attr, true),
            Err(e) => e,
        }
    }
}

crate::kfn! {
    /// `sysfs_remove_bin_file(kobj, attr)`.
    fn sysfs_remove_bin_file(kobj: u64, attr: u64) {
        if let Ok(d) = dir_of(kobj) {
            remove_file(&d, attr);
        }
    }
}

/// The files of a group (`create_files`): each attribute whose mode
/// (or `is_visible`'s answer) is not 0; on an error the group's files are
/// removed again.
fn create_files(dir: &str, kobj: u64, grp: u64, update: bool) -> i32 {
    let attrs = rd64(grp + attribute_group::attrs);
    let bins = rd64(grp + attribute_group::bin_attrs);
    let mut made: Vec<u64> = Vec::new();
    let mut err = 0;
    for (list, bin, vis_off) in [
        (attrs, false, attribute_group::is_visible),
        (bins, true, attribute_group::is_bin_visible),
    ] {
        if list == 0 || err != 0 {
            continue;
        }
        let mut i = 0u64;
        loop {
            let a = rd64(list + i * 8);
            if a == 0 {
                break;
            }
            let attr_at = a + if bin { bin_attribute::attr } else { 0 };
            if update {
                remove_file(dir, attr_at);
            }
            let mut mode = rd16(attr_at + attribute::mode);
            let vis = rd64(grp + vis_off);
            if vis != 0 {
                mode = crate::fault::call_module(vis, [kobj, a, i, 0, 0, 0]).unwrap_or(0) as u16;
                if mode == 0 {
                    i += 1;
                    continue;
                }
            }
            if mode & !(SYSFS_PREALLOC | 0o664) != 0 {
                let n = cstr(rd64(attr_at + attribute::name)).unwrap_or_default();
                ko::warn(&format!(
                    "Attribute {n}: {}Invalid permissions 0{:o}",
                    if bin { "" } else { "" },
                    mode
                ));
            }
            let e = add_file(dir, kobj, a, bin);
            if e != 0 {
                err = e;
                break;
            }
            made.push(attr_at);
            i += 1;
        }
    }
    if err != 0 {
        for a in made {
            remove_file(dir, a);
        }
    }
    err
}

/// `internal_create_group`.
pub(crate) fn create_group_at(kobj: u64, grp: u64, update: bool) -> i32 {
    let Ok(base) = dir_of(kobj) else {
        return EINVAL;
    };
    if grp == 0 {
        return EINVAL;
    }
    let gname = cstr(rd64(grp + attribute_group::name));
    if rd64(grp + attribute_group::attrs) == 0 && rd64(grp + attribute_group::bin_attrs) == 0 {
        ko::warn(&format!(
            "sysfs: (bin_)attrs not set by subsystem for group: {}/{}",
            ko::name_of(kobj).unwrap_or_default(),
            gname.clone().unwrap_or_default()
        ));
        return EINVAL;
    }
    let dir = match &gname {
        Some(n) => {
            let d = format!("{base}/{n}");
            if update {
                if !kernfs::is_dir(&d) {
                    ko::warn(&format!(
                        "sysfs group '{n}' not found for kobject '{}'",
                        ko::name_of(kobj).unwrap_or_default()
                    ));
                    return EINVAL;
                }
            } else {
                if kernfs::exists(&d) {
                    dup(&d);
                    return EEXIST;
                }
                kernfs::add_dir(&d);
            }
            d
        }
        None => base,
    };
    let e = create_files(&dir, kobj, grp, update);
    if e != 0 && gname.is_some() && !update {
        remove_path(&dir);
    }
    e
}

crate::kfn! {
    /// `sysfs_create_group(kobj, grp)`.
    fn sysfs_create_group(kobj: u64, grp: u64) -> i32 {
        create_group_at(kobj, grp, false)
    }
}

crate::kfn! {
    /// `sysfs_update_group(kobj, grp)`: the group's files made again
    /// (visibility asked anew).
    fn sysfs_update_group(kobj: u64, grp: u64) -> i32 {
        create_group_at(kobj, grp, true)
    }
}

/// `sysfs_create_groups` / `sysfs_update_groups`.
pub(crate) fn create_groups_at(kobj: u64, groups: u64, update: bool) -> i32 {
    if groups == 0 {
        return 0;
    }
    let mut i = 0;
    while rd64(groups + i * 8) != 0 {
        let e = create_group_at(kobj, rd64(groups + i * 8), update);
        if e != 0 {
            for j in (0..i).rev() {
                remove_group(kobj, rd64(groups + j * 8));
            }
            return e;
        }
        i += 1;
    }
    0
}

pub(crate) fn create_groups(kobj: u64, groups: u64) -> i32 {
    create_groups_at(kobj, groups, false)
}

crate::kfn! {
    /// `sysfs_create_groups(kobj, groups)`.
    fn sysfs_create_groups(kobj: u64, groups: u64) -> i32 {
        create_groups(kobj, groups)
    }
}

crate::kfn! {
    /// `sysfs_update_groups(kobj, groups)`.
    fn sysfs_update_groups(kobj: u64, groups: u64) -> i32 {
        create_groups_at(kobj, groups, true)
    }
}

/// `sysfs_remove_group`.
pub(crate) fn remove_group(kobj: u64, grp: u64) {
    let Ok(base) = dir_of(kobj) else { return };
    if grp == 0 {
        return;
    }
    match cstr(rd64(grp + attribute_group::name)) {
        Some(n) => {
            let d = format!("{base}/{n}");
            if !kernfs::is_dir(&d) {
                ko::warn(&format!(
                    "sysfs group '{n}' not found for kobject '{}'",
                    ko::name_of(kobj).unwrap_or_default()
                ));
                return;
            }
            remove_path(&d);
        }
        None => {
            for (list, bin) in [
                (rd64(grp + attribute_group::attrs), false),
                (rd64(grp + attribute_group::bin_attrs), true),
            ] {
                if list == 0 {
                    continue;
                }
                let mut i = 0;
                while rd64(list + i * 8) != 0 {
                    let a = rd64(list + i * 8) + if bin { bin_attribute::attr } else { 0 };
                    remove_file(&base, a);
                    i += 1;
                }
            }
        }
    }
}

pub(crate) fn remove_groups(kobj: u64, groups: u64) {
    if groups == 0 {
        return;
    }
    let mut i = 0;
    while rd64(groups + i * 8) != 0 {
        remove_group(kobj, rd64(groups + i * 8));
        i += 1;
    }
}

crate::kfn! {
    /// `sysfs_remove_group(kobj, grp)`.
    fn sysfs_remove_group(kobj: u64, grp: u64) {
        remove_group(kobj, grp)
    }
}

crate::kfn! {
    /// `sysfs_remove_groups(kobj, groups)`.
    fn sysfs_remove_groups(kobj: u64, groups: u64) {
        remove_groups(kobj, groups)
    }
}

crate::kfn! {
    /// `sysfs_merge_group(kobj, grp)`: the group's attributes join the
    /// existing directory of that name; -ENOENT without it.
    fn sysfs_merge_group(kobj: u64, grp: u64) -> i32 {
        let Ok(base) = dir_of(kobj) else { return ENOENT };
        let Some(n) = cstr(rd64(grp + attribute_group::name)) else { return ENOENT };
        let d = format!("{base}/{n}");
        if !kernfs::is_dir(&d) {
            return ENOENT;
        }
        let attrs = rd64(grp + attribute_group::attrs);
        let mut i = 0;
        while attrs != 0 && rd64(attrs + i * 8) != 0 {
            let e = add_file(&d, kobj, rd64(attrs + i * 8), false);
            if e != 0 {
                for j in 0..i {
                    remove_file(&d, rd64(attrs + j * 8));
                }
                return e;
            }
            i += 1;
        }
        0
    }
}

crate::kfn! {
    /// `sysfs_unmerge_group(kobj, grp)`.
    fn sysfs_unmerge_group(kobj: u64, grp: u64) {
        let Ok(base) = dir_of(kobj) else { return };
        let Some(n) = cstr(rd64(grp + attribute_group::name)) else { return };
        let d = format!("{base}/{n}");
        let attrs = rd64(grp + attribute_group::attrs);
        let mut i = 0;
        while attrs != 0 && rd64(attrs + i * 8) != 0 {
            remove_file(&d, rd64(attrs + i * 8));
            i += 1;
        }
    }
}

/// The relative link from directory `from` to `to` (both absolute).
pub(crate) fn relative(from: &str, to: &str) -> String {
    let f: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; f.len() - common];
    parts.extend_from_slice(&t[common..]);
    parts.join("/")
}

/// A link `name` in directory `dir` to directory `target`: -EEXIST (with
/// sysfs's message) when the name is taken.
pub(crate) fn link(dir: &str, name: &str, target: &str) -> i32 {
    let path = format!("{dir}/{name}");
    if kernfs::exists(&path) {
        dup(&path);
        return EEXIST;
    }
    kernfs::add_link(&path, &relative(dir, target));
    0
}

crate::kfn! {
    /// `sysfs_create_link(kobj, target, name)`: in `kobj`'s directory (or
    /// `/sys` for NULL) to `target`'s; -ENOENT when either has none.
    fn sysfs_create_link(kobj: u64, target: u64, name: u64) -> i32 {
        let dir = if kobj == 0 { Some("/sys".to_string()) } else { ko::path_of(kobj) };
        let (Some(dir), Some(t)) = (dir, ko::path_of(target)) else { return ENOENT };
        let Some(name) = cstr(name) else { return EINVAL };
        link(&dir, &name, &t)
    }
}

crate::kfn! {
    /// `sysfs_create_link_nowarn(kobj, target, name)`: as sysfs_create_link
    /// without the duplicate message.
    fn sysfs_create_link_nowarn(kobj: u64, target: u64, name: u64) -> i32 {
        let dir = if kobj == 0 { Some("/sys".to_string()) } else { ko::path_of(kobj) };
        let (Some(dir), Some(t)) = (dir, ko::path_of(target)) else { return ENOENT };
        let Some(name) = cstr(name) else { return EINVAL };
        let path = format!("{dir}/{name}");
        if kernfs::exists(&path) {
            return EEXIST;
        }
        kernfs::add_link(&path, &relative(&dir, &t));
        0
    }
}

crate::kfn! {
    /// `sysfs_remove_link(kobj, name)`.
    fn sysfs_remove_link(kobj: u64, name: u64) {
        let dir = if kobj == 0 { Some("/sys".to_string()) } else { ko::path_of(kobj) };
        if let (Some(d), Some(n)) = (dir, cstr(name)) {
            remove_path(&format!("{d}/{n}"));
        }
    }
}

crate::kfn! {
    /// `sysfs_create_mount_point(parent, name)`: an empty directory (where
    /// a filesystem such as configfs is mounted); -EEXIST when taken.
    fn sysfs_create_mount_point(parent: u64, name: u64) -> i32 {
        let Some(base) = ko::path_of(parent) else { return ENOENT };
        let Some(name) = cstr(name) else { return EINVAL };
        let d = format!("{base}/{name}");
        if kernfs::exists(&d) {
            dup(&d);
            return EEXIST;
        }
        kernfs::add_dir(&d);
        MOUNT_POINTS.lock().unwrap_or_else(|e| e.into_inner()).push(d);
        0
    }
}

static MOUNT_POINTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

crate::kfn! {
    /// `sysfs_remove_mount_point(parent, name)`.
    fn sysfs_remove_mount_point(parent: u64, name: u64) {
        if let (Some(base), Some(name)) = (ko::path_of(parent), cstr(name)) {
            let d = format!("{base}/{name}");
            MOUNT_POINTS.lock().unwrap_or_else(|e| e.into_inner()).retain(|p| *p != d);
            remove_path(&d);
        }
    }
}

crate::kfn! {
    /// `sysfs_notify(kobj, dir, attr)`: wakes pollers of the file — the
    /// host has none.
    fn sysfs_notify(_kobj: u64, _dir: u64, _attr: u64) {}
}

/// `sysfs_emit(buf, fmt, ...)`: formats into the page at `buf`; 0 (with
/// Linux's warning) when `buf` is not the start of a page.
extern "C" fn sysfs_emit(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 2) };
    let buf = args.arg(0);
    if buf == 0 || buf % PAGE_SIZE != 0 {
        ko::warn(&format!("invalid sysfs_emit: buf:{}", ko::ptr_str(buf)));
        return 0;
    }
    emit(buf, PAGE_SIZE, args.arg(1), &mut args)
}
crate::export_variadic!("sysfs_emit" => sysfs_emit);

/// `sysfs_emit_at(buf, at, fmt, ...)`.
extern "C" fn sysfs_emit_at(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { crate::abi::RegArgs::new(regs, stack, 3) };
    let (buf, at) = (args.arg(0), args.arg(1) as i32);
    if buf == 0 || buf % PAGE_SIZE != 0 || at < 0 || at as u64 >= PAGE_SIZE {
        ko::warn(&format!(
            "invalid sysfs_emit_at: buf:{} at:{at}",
            ko::ptr_str(buf)
        ));
        return 0;
    }
    emit(
        buf + at as u64,
        PAGE_SIZE - at as u64,
        args.arg(2),
        &mut args,
    )
}
crate::export_variadic!("sysfs_emit_at" => sysfs_emit_at);

fn emit(at: u64, room: u64, fmt: u64, args: &mut crate::abi::RegArgs) -> i32 {
    if fmt == 0 {
        return 0;
    }
    // SAFETY: the module's format string.
    let f = unsafe { crate::abi::c_str(fmt, 1 << 12) };
    // SAFETY: `at` is inside the caller's page with `room` bytes left.
    let out = unsafe { std::slice::from_raw_parts_mut(at as *mut u8, room as usize) };
    crate::printf::vscnprintf(out, f, args, &crate::kernel::printk::ModuleMemory) as i32
}

/// Forgets files whose kobject or attribute lived in freed module memory.
fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    let gone: Vec<String> = {
        let mut f = files();
        let g = f
            .iter()
            .filter(|(_, k, a)| inside(*k) || inside(*a))
            .map(|(p, _, _)| p.clone())
            .collect();
        f.retain(|(_, k, a)| !(inside(*k) || inside(*a)));
        g
    };
    for p in gone {
        kernfs::remove(&p);
    }
}
crate::purge_on_module_free!(purge);

#[allow(dead_code)]
const _: i32 = ENOMEM;
