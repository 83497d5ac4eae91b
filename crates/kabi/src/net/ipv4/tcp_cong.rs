//! net/ipv4/tcp_cong.c: `tcp_register_congestion_control`,
//! `tcp_unregister_congestion_control` and
//! `/proc/sys/net/ipv4/tcp_available_congestion_control`.
//!
//! Debian 6.1 has reno and cubic built in (the QEMU capture shows
//! "reno cubic"); modules' algorithms follow in registration order. The key
//! is Linux's: `jhash(ca->name, TCP_CA_NAME_MAX, strlen(ca->name))`.

use std::sync::Mutex;

use crate::fs::hostobj::get64;
use crate::layout::tcp_congestion_ops as l;
use crate::net::list;

const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const NAME_MAX: usize = crate::layout::net_consts::TCP_CA_NAME_MAX as usize;

/// include/linux/jhash.h's `jhash`.
pub fn jhash(key: &[u8], initval: u32) -> u32 {
    let rol = |x: u32, r: u32| x.rotate_left(r);
    let mut len = key.len();
    let (mut a, mut b, mut c);
    a = 0xdead_beefu32.wrapping_add(len as u32).wrapping_add(initval);
    b = a;
    c = a;
    let mut k = key;
    let w = |s: &[u8], i: usize| u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]]);
    while len > 12 {
        a = a.wrapping_add(w(k, 0));
        b = b.wrapping_add(w(k, 4));
        c = c.wrapping_add(w(k, 8));
        a = a.wrapping_sub(c);
        a ^= rol(c, 4);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= rol(a, 6);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= rol(b, 8);
        b = b.wrapping_add(a);
        a = a.wrapping_sub(c);
        a ^= rol(c, 16);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= rol(a, 19);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= rol(b, 4);
        b = b.wrapping_add(a);
        len -= 12;
        k = &k[12..];
    }
    if len == 0 {
        return c;
    }
    let byte = |i: usize| if i < len { k[i] as u32 } else { 0 };
    c = c.wrapping_add(byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24);
    b = b.wrapping_add(byte(4) | byte(5) << 8 | byte(6) << 16 | byte(7) << 24);
    a = a.wrapping_add(byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24);
    c ^= b;
    c = c.wrapping_sub(rol(b, 14));
    a ^= c;
    a = a.wrapping_sub(rol(c, 11));
    b ^= a;
    b = b.wrapping_sub(rol(a, 25));
    c ^= b;
    c = c.wrapping_sub(rol(b, 16));
    a ^= c;
    a = a.wrapping_sub(rol(c, 4));
    b ^= a;
    b = b.wrapping_sub(rol(a, 14));
    c ^= b;
    c = c.wrapping_sub(rol(b, 24));
    c
}

/// `ca->key` for a name.
pub fn ca_key(name: &[u8]) -> u32 {
    let mut buf = [0u8; NAME_MAX];
    let n = name.len().min(NAME_MAX);
    buf[..n].copy_from_slice(&name[..n]);
    let len = buf.iter().position(|&c| c == 0).unwrap_or(NAME_MAX);
    jhash(&buf, len as u32)
}

enum Ca {
    Builtin(&'static str),
    Module(u64),
}

static LIST: Mutex<Option<Vec<Ca>>> = Mutex::new(None);

fn name_of(ca: &Ca) -> Vec<u8> {
    match ca {
        Ca::Builtin(n) => n.as_bytes().to_vec(),
        Ca::Module(p) => {
            // SAFETY: a registered tcp_congestion_ops: name is char[16].
            let raw = unsafe { std::slice::from_raw_parts((p + l::name) as *const u8, NAME_MAX) };
            raw[..raw.iter().position(|&c| c == 0).unwrap_or(NAME_MAX)].to_vec()
        }
    }
}

fn with<R>(f: impl FnOnce(&mut Vec<Ca>) -> R) -> R {
    let mut g = LIST.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(|| {
        crate::fs::kernfs::add_file("/proc/sys/net/ipv4/tcp_available_congestion_control", available);
        vec![Ca::Builtin("reno"), Ca::Builtin("cubic")]
    }))
}

fn available() -> Vec<u8> {
    with(|v| {
        let mut out = v
            .iter()
            .map(|c| String::from_utf8_lossy(&name_of(c)).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        out.push('\n');
        out.into_bytes()
    })
}

fn head() -> u64 {
    static H: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *H.get_or_init(list::new_head)
}

fn relink(v: &[Ca], start: u64, end: u64) {
    let m: Vec<u64> = v
        .iter()
        .filter_map(|c| if let Ca::Module(p) = c { Some(p + l::list) } else { None })
        .collect();
    list::relink(head(), &m, start, end);
}

/// Makes the view exist (boot).
pub fn init() {
    with(|_| ());
}

crate::kfn! {
    /// `tcp_register_congestion_control(ca)`: 0; -EINVAL when a required
    /// op is missing; -EEXIST for a taken name/key.
    fn tcp_register_congestion_control(ca: u64) -> i32 {
        let name = name_of(&Ca::Module(ca));
        let shown = String::from_utf8_lossy(&name).into_owned();
        // SAFETY: the module's struct tcp_congestion_ops.
        let (ss, undo, avoid, control) =
            unsafe { (get64(ca + l::ssthresh), get64(ca + l::undo_cwnd), get64(ca + l::cong_avoid), get64(ca + l::cong_control)) };
        if ss == 0 || undo == 0 || (avoid == 0 && control == 0) {
            crate::log::kernel_msg(3, &format!("{shown} does not implement required ops"));
            return -EINVAL;
        }
        let key = ca_key(&name);
        // SAFETY: as above; key is a u32.
        unsafe { ((ca + l::key) as *mut u32).write_unaligned(key) };
        with(|v| {
            if key == 0 || v.iter().any(|c| ca_key(&name_of(c)) == key) {
                crate::log::kernel_msg(5, &format!("{shown} already registered or non-unique key"));
                return -EEXIST;
            }
            v.push(Ca::Module(ca));
            relink(v, 0, 0);
            0
        })
    }
}

crate::kfn! {
    /// `tcp_unregister_congestion_control(ca)`.
    fn tcp_unregister_congestion_control(ca: u64) {
        with(|v| {
            if let Some(i) = v.iter().position(|c| matches!(c, Ca::Module(p) if *p == ca)) {
                v.remove(i);
                list::poison(ca + l::list);
                relink(v, 0, 0);
            }
        })
    }
}

fn purge(start: u64, end: u64) {
    let mut g = LIST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = g.as_mut() {
        v.retain(|c| !matches!(c, Ca::Module(p) if *p >= start && *p < end));
        relink(v, start, end);
    }
}
crate::purge_on_module_free!(purge);

#[cfg(test)]
mod tests {
    #[test]
    fn jhash_matches_the_reference() {
        // lookup3's hashlittle("", 0) and ("Four score and seven years ago", 0)
        assert_eq!(super::jhash(b"", 0), 0xdeadbeef);
        assert_eq!(super::jhash(b"Four score and seven years ago", 0), 0x17770551);
        assert_eq!(super::jhash(b"Four score and seven years ago", 1), 0xcd628161);
    }
}
