//! crypto/lzo.c and crypto/lzo-rle.c (CONFIG_CRYPTO_LZO=y in Debian's
//! vmlinux): `lzo` (`lzo-generic`, legacy compression; `lzo-scomp`) and
//! `lzo-rle` (`lzo-rle-generic`; `lzo-rle-scomp`) over the host's
//! lib/lzo ([`crate::lib_::lzo`]). As Debian's 6.1 does, compression is
//! the `_safe` variant bounded by `*dlen`; any LZO error is -EINVAL.

use crate::drivers::base::{rd32, wr32};

use super::api::*;
use super::deflate::comp_alg;
use super::host;
use crate::lib_::lzo as l;

/// LZO1X_MEM_COMPRESS: the work memory a context holds.
const LZO1X_MEM_COMPRESS: u64 = 8192 * 2;

fn run(rle: bool, comp: bool, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
    let room = rd32(dlen) as usize;
    let s = host::bytes(src, slen as usize);
    let d: &mut [u8] = if room == 0 {
        &mut []
    } else {
        // SAFETY: the caller's output buffer of *dlen bytes.
        unsafe { std::slice::from_raw_parts_mut(dst as *mut u8, room) }
    };
    let (rc, n) = if comp {
        let c = l::compress(s, rle);
        if c.len() > room {
            (l::LZO_E_OUTPUT_OVERRUN, 0)
        } else {
            d[..c.len()].copy_from_slice(&c);
            (l::LZO_E_OK, c.len())
        }
    } else {
        l::decompress(s, d)
    };
    if rc != l::LZO_E_OK {
        return EINVAL;
    }
    wr32(dlen, n as u32);
    0
}

macro_rules! lzo_ops {
    ($rle:expr, $c:ident, $d:ident, $sc:ident, $sd:ident, $alloc:ident, $free:ident) => {
        crate::kfn! {
            /// `*_compress(tfm, src, slen, dst, dlen)`.
            fn $c(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
                run($rle, true, src, slen, dst, dlen)
            }
        }
        crate::kfn! {
            /// `*_decompress(tfm, src, slen, dst, dlen)`.
            fn $d(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64) -> i32 {
                run($rle, false, src, slen, dst, dlen)
            }
        }
        crate::kfn! {
            /// `*_scompress(tfm, src, slen, dst, dlen, ctx)`.
            fn $sc(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64, _ctx: u64) -> i32 {
                run($rle, true, src, slen, dst, dlen)
            }
        }
        crate::kfn! {
            /// `*_sdecompress(tfm, src, slen, dst, dlen, ctx)`.
            fn $sd(_tfm: u64, src: u64, slen: u32, dst: u64, dlen: u64, _ctx: u64) -> i32 {
                run($rle, false, src, slen, dst, dlen)
            }
        }
        crate::kfn! {
            /// `*_alloc_ctx(tfm)`: the compressor's work memory.
            fn $alloc(_tfm: u64) -> u64 {
                match crate::drivers::base::kzalloc(LZO1X_MEM_COMPRESS) {
                    0 => ENOMEM as i64 as u64,
                    p => p,
                }
            }
        }
        crate::kfn! {
            /// `*_free_ctx(tfm, ctx)`.
            fn $free(_tfm: u64, ctx: u64) {
                crate::drivers::base::kfree(ctx);
            }
        }
    };
}

lzo_ops!(false, lzo_compress, lzo_decompress, lzo_scompress, lzo_sdecompress, lzo_alloc_ctx, lzo_free_ctx);
lzo_ops!(true, lzorle_compress, lzorle_decompress, lzorle_scompress, lzorle_sdecompress, lzorle_alloc_ctx, lzorle_free_ctx);

fn init_one(name: &str, p: &str) -> i32 {
    let f = |s: &str| format!("{p}_{s}");
    let (c, d, sc, sd, al, fr) = (f("compress"), f("decompress"), f("scompress"), f("sdecompress"), f("alloc_ctx"), f("free_ctx"));
    let alg = comp_alg(name, &format!("{name}-generic"), false, ["", "", &c, &d]);
    let scomp = comp_alg(name, &format!("{name}-scomp"), true, [&al, &fr, &sc, &sd]);
    if alg == 0 || scomp == 0 {
        return ENOMEM;
    }
    let e = super::algapi::register_alg(alg);
    if e != 0 {
        return e;
    }
    super::scompress::scomp::register(scomp)
}

/// `lzo_mod_init`.
pub(crate) fn init() -> i32 {
    init_one("lzo", "lzo")
}

/// `lzorle_mod_init`.
pub(crate) fn init_rle() -> i32 {
    init_one("lzo-rle", "lzorle")
}
