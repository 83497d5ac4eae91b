//! lib/kobject.c: `kobject_set_name`.

use std::collections::HashSet;
use std::sync::Mutex;

use super::{kfree, kstrdup, rd64, wr64};
use crate::abi::RegArgs;
use crate::layout::kobject;

/// Names the kernel allocated (freed when replaced, as `kfree_const`
/// frees them); a name pointing into a module is never freed.
static OWNED: Mutex<Option<HashSet<u64>>> = Mutex::new(None);

/// `kobject_set_name(kobj, fmt, ...)`: the formatted name replaces the
/// old one. 0, or -ENOMEM.
extern "C" fn kobject_set_name(regs: *const u64, stack: *const u64) -> i32 {
    // SAFETY: called through the varargs trampoline.
    let mut args = unsafe { RegArgs::new(regs, stack, 2) };
    let kobj = args.arg(0);
    // SAFETY: the module's format string.
    let fmt = unsafe { crate::abi::c_str(args.arg(1), 1 << 12) };
    let name = crate::printf::format(fmt, &mut args, &crate::kernel::printk::ModuleMemory);
    // kobject names never contain '/': Linux replaces it with '!'
    let name: String = String::from_utf8_lossy(&name).replace('/', "!");
    let p = kstrdup(&name);
    if p == 0 {
        return super::ENOMEM;
    }
    let old = rd64(kobj + kobject::name);
    wr64(kobj + kobject::name, p);
    let mut owned = OWNED.lock().unwrap_or_else(|e| e.into_inner());
    let set = owned.get_or_insert_with(HashSet::new);
    if set.remove(&old) {
        kfree(old);
    }
    set.insert(p);
    0
}
crate::export_variadic!("kobject_set_name" => kobject_set_name);
