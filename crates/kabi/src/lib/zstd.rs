//! lib/zstd/common/zstd_common.c (built into Debian's vmlinux): the custom
//! allocator helpers zstd_compress calls. `ZSTD_customMem` (customAlloc,
//! customFree, opaque: 24 bytes) is passed by value, so it arrives on the
//! stack. Without a custom allocator the kernel's zstd has no heap:
//! `ZSTD_malloc`/`ZSTD_calloc` are NULL and `ZSTD_free` does nothing
//! (lib/zstd/common/zstd_deps.h); the kernel wrappers always work in a
//! caller's workspace. (FSE_readNCount and HUF_readStats, needed only for
//! dictionaries, are not implemented.)

/// The by-value `ZSTD_customMem` after `fixed` register arguments.
fn custom_mem(stack: *const u64) -> (u64, u64, u64) {
    // SAFETY: the struct's three words are the caller's first stack
    // arguments (an aggregate over 16 bytes is passed in memory).
    unsafe { (stack.read(), stack.add(1).read(), stack.add(2).read()) }
}

extern "C" fn zstd_custom_malloc(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    let (alloc, _free, opaque) = custom_mem(stack);
    if alloc == 0 {
        return 0;
    }
    crate::fault::call_module(alloc, [opaque, a.arg(0), 0, 0, 0, 0]).unwrap_or(0)
}
crate::export_variadic!("ZSTD_customMalloc" => zstd_custom_malloc);

extern "C" fn zstd_custom_calloc(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    let (alloc, _free, opaque) = custom_mem(stack);
    if alloc == 0 {
        return 0;
    }
    let size = a.arg(0);
    let p = crate::fault::call_module(alloc, [opaque, size, 0, 0, 0, 0]).unwrap_or(0);
    // zstd's calloc as malloc + memset (on whatever the allocator returned,
    // as zstd does; a NULL is left alone here).
    if p != 0 && size != 0 {
        // SAFETY: the custom allocator's object of `size` bytes.
        unsafe { std::ptr::write_bytes(p as *mut u8, 0, size as usize) };
    }
    p
}
crate::export_variadic!("ZSTD_customCalloc" => zstd_custom_calloc);

extern "C" fn zstd_custom_free(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    let (_alloc, free, opaque) = custom_mem(stack);
    let ptr = a.arg(0);
    if ptr != 0 && free != 0 {
        crate::fault::call_module(free, [opaque, ptr, 0, 0, 0, 0]);
    }
    0
}
crate::export_variadic!("ZSTD_customFree" => zstd_custom_free);
