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

// ---- decompression (lib/zstd/decompress, =y in Debian's vmlinux) -----------------
//
// zstd.ko's decompression path: `zstd_dctx_workspace_bound()`,
// `zstd_init_dctx(workspace, size)`, `zstd_decompress_dctx(dctx, dst,
// capacity, src, size)`, `zstd_is_error(code)`. The decoding is libzstd's
// (the `zstd` crate, the reference implementation Linux's lib/zstd is
// imported from); its context lives in the host, so the caller's
// workspace only has to be there. The workspace bound is the host's
// figure (a decompression context with its 128 KiB block buffer), not
// the exact sizeof Linux computes.

/// `ZSTD_error_maxCode` (zstd 1.5).
const ZSTD_ERROR_MAX_CODE: usize = 120;
/// `ZSTD_error_memory_allocation`.
const ZSTD_ERROR_MEMORY: usize = 64;
const DCTX_WORKSPACE: usize = 160 * 1024;

crate::kfn! {
    /// `size_t zstd_dctx_workspace_bound(void)`.
    fn zstd_dctx_workspace_bound() -> usize {
        DCTX_WORKSPACE
    }
}

crate::kfn! {
    /// `zstd_dctx *zstd_init_dctx(workspace, workspace_size)`: NULL for no
    /// workspace or one below the bound.
    fn zstd_init_dctx(workspace: u64, size: usize) -> u64 {
        if workspace == 0 || size < DCTX_WORKSPACE {
            0
        } else {
            workspace
        }
    }
}

crate::kfn! {
    /// `size_t zstd_decompress_dctx(dctx, dst, capacity, src, size)`: the
    /// decoded size, or an error code (`zstd_is_error`).
    fn zstd_decompress_dctx(dctx: u64, dst: u64, cap: usize, src: u64, size: usize) -> usize {
        if dctx == 0 {
            return ZSTD_ERROR_MEMORY.wrapping_neg();
        }
        let s: &[u8] = if size == 0 {
            &[]
        } else {
            // SAFETY: the caller's compressed frame of `size` bytes.
            unsafe { std::slice::from_raw_parts(src as *const u8, size) }
        };
        let d: &mut [u8] = if cap == 0 {
            &mut []
        } else {
            // SAFETY: the caller's output buffer of `cap` bytes.
            unsafe { std::slice::from_raw_parts_mut(dst as *mut u8, cap) }
        };
        match zstd::zstd_safe::decompress(d, s) {
            Ok(n) => n,
            Err(code) => code,
        }
    }
}

crate::kfn! {
    /// `unsigned int zstd_is_error(code)`.
    fn zstd_is_error(code: usize) -> u32 {
        (code > ZSTD_ERROR_MAX_CODE.wrapping_neg()) as u32
    }
}
