//! crypto/deflate.c (CONFIG_CRYPTO_DEFLATE=y in Debian's vmlinux): raw
//! deflate (RFC 1951) as IPComp uses it — `deflate` (driver
//! `deflate-generic`, the legacy compression type) and the scomp
//! algorithms `deflate` (`deflate-scomp`) and `zlib-deflate`
//! (`zlib-deflate-scomp`, the zlib format, RFC 1950). Linux's settings:
//! raw streams with a window of 2^11 bytes at the default level (6),
//! memLevel 8; zlib streams at level 3 with the full 2^15 window. The
//! work is zlib-rs's (through flate2), each call on a fresh stream as
//! Linux resets its stream per call; decompression takes what Linux's
//! zlib produces (and refuses distances beyond the 2 KiB window, as
//! Linux's inflate with windowBits -11 does).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::drivers::base::{rd32, wr32, wr64};
use crate::layout::{crypto_alg as ca, scomp_alg as s};

use super::api::*;
use super::host::{self, Base};

const DEFLATE_DEF_WINBITS: u8 = 11;

/// Raw deflate (`format` 0) or zlib (1).
fn compress(format: u32, src: &[u8], dst: &mut [u8]) -> Result<usize, i32> {
    let mut c = if format == 0 {
        Compress::new_with_window_bits(Compression::default(), false, DEFLATE_DEF_WINBITS)
    } else {
        Compress::new_with_window_bits(Compression::new(3), true, 15)
    };
    match c.compress(src, dst, FlushCompress::Finish) {
        Ok(Status::StreamEnd) => Ok(c.total_out() as usize),
        _ => Err(EINVAL),
    }
}

fn decompress(format: u32, src: &[u8], dst: &mut [u8]) -> Result<usize, i32> {
    let mut d = if format == 0 {
        Decompress::new_with_window_bits(false, DEFLATE_DEF_WINBITS)
    } else {
        Decompress::new_with_window_bits(true, 15)
    };
    let mut r = d.decompress(src, dst, FlushDecompress::Sync);
    // Linux's workaround for zlib wanting one more byte in raw mode: all
    // input taken, room left, not at the end: feed a zero byte and finish.
    if matches!(r, Ok(Status::Ok)) && d.total_in() as usize == src.len() && (d.total_out() as usize) < dst.len() {
        let done = d.total_out() as usize;
        r = d.decompress(&[0], &mut dst[done..], FlushDecompress::Finish);
    }
    match r {
        Ok(Status::StreamEnd) => Ok(d.total_out() as usize),
        _ => Err(EINVAL),
    }
}

fn run(format: u32, comp: bool, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
    let room = rd32(dlen) as usize;
    let s = host::bytes(src, slen as usize);
    let d: &mut [u8] = if room == 0 {
        &mut []
    } else {
        // SAFETY: the caller's output buffer of *dlen bytes.
        unsafe { std::slice::from_raw_parts_mut(dst as *mut u8, room) }
    };
    let r = if comp { compress(format, s, d) } else { decompress(format, s, d) };
    match r {
        Ok(n) => {
            wr32(dlen, n as u32);
            0
        }
        Err(e) => e,
    }
}

crate::kfn! {
    /// `deflate_compress(tfm, src, slen, dst, dlen)`.
    fn deflate_compress(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
        run(0, true, src, slen, dst, dlen)
    }
}

crate::kfn! {
    /// `deflate_decompress(tfm, src, slen, dst, dlen)`.
    fn deflate_decompress(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
        run(0, false, src, slen, dst, dlen)
    }
}

/// The scomp context: the stream format (the host's streams live only
/// for a call).
fn alloc_ctx(format: u32) -> u64 {
    let ctx = crate::drivers::base::kzalloc(8);
    if ctx == 0 {
        return ENOMEM as i64 as u64;
    }
    wr32(ctx, format);
    ctx
}

crate::kfn! {
    /// `deflate_alloc_ctx(tfm)`.
    fn deflate_alloc_ctx(_tfm: u64) -> u64 {
        alloc_ctx(0)
    }
}

crate::kfn! {
    /// `zlib_deflate_alloc_ctx(tfm)`.
    fn zlib_deflate_alloc_ctx(_tfm: u64) -> u64 {
        alloc_ctx(1)
    }
}

crate::kfn! {
    /// `deflate_free_ctx(tfm, ctx)`.
    fn deflate_free_ctx(_tfm: u64, ctx: u64) {
        crate::drivers::base::kfree(ctx);
    }
}

crate::kfn! {
    /// `deflate_scompress(tfm, src, slen, dst, dlen, ctx)`.
    fn deflate_scompress(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64, ctx: u64) -> i32 {
        run(rd32(ctx), true, src, slen, dst, dlen)
    }
}

crate::kfn! {
    /// `deflate_sdecompress(tfm, src, slen, dst, dlen, ctx)`.
    fn deflate_sdecompress(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64, ctx: u64) -> i32 {
        run(rd32(ctx), false, src, slen, dst, dlen)
    }
}

/// A compression algorithm of vmlinux: the legacy one (`scomp` false:
/// a bare `crypto_alg`) or an scomp one, with its four operations.
pub(crate) fn comp_alg(name: &str, driver: &str, scomp: bool, ops: [&str; 4]) -> u64 {
    let (size, base) = if scomp { (s::SIZE, s::base) } else { (ca::SIZE, 0) };
    let flags = if scomp { 0 } else { CRYPTO_ALG_TYPE_COMPRESS };
    let a = host::alg(size, base, &Base { name, driver, priority: 0, blocksize: 0, ctxsize: 0, flags });
    if a == 0 {
        return 0;
    }
    if scomp {
        wr64(a + s::alloc_ctx, host::func(ops[0]));
        wr64(a + s::free_ctx, host::func(ops[1]));
        wr64(a + s::compress, host::func(ops[2]));
        wr64(a + s::decompress, host::func(ops[3]));
    } else {
        wr64(a + ca::coa_compress, host::func(ops[2]));
        wr64(a + ca::coa_decompress, host::func(ops[3]));
    }
    a
}

/// `deflate_mod_init`: the legacy `deflate`, then the scomp `deflate`
/// and `zlib-deflate`.
pub(crate) fn init() -> i32 {
    let alg = comp_alg("deflate", "deflate-generic", false, ["", "", "deflate_compress", "deflate_decompress"]);
    let sc = comp_alg("deflate", "deflate-scomp", true, ["deflate_alloc_ctx", "deflate_free_ctx", "deflate_scompress", "deflate_sdecompress"]);
    let zl = comp_alg(
        "zlib-deflate",
        "zlib-deflate-scomp",
        true,
        ["zlib_deflate_alloc_ctx", "deflate_free_ctx", "deflate_scompress", "deflate_sdecompress"],
    );
    if alg == 0 || sc == 0 || zl == 0 {
        return ENOMEM;
    }
    let e = super::algapi::register_alg(alg);
    if e != 0 {
        return e;
    }
    for a in [sc, zl] {
        let e = super::scompress::scomp::register(a);
        if e != 0 {
            return e;
        }
    }
    0
}
