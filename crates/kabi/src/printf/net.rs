//! Network address extensions: `%pM %pm` (MAC), `%pI %pi` (IPv4, IPv6,
//! sockaddr).

use super::{check_pointer_msg, error_string, number, string_nocheck, Ctx, Sink, Spec, EFAULT};

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_byte(out: &mut Vec<u8>, b: u8) {
    out.push(HEX[(b >> 4) as usize]);
    out.push(HEX[(b & 15) as usize]);
}

/// `%pM` `00:01:02:03:04:05`, `%pMR` reversed, `%pMF` with dashes, `%pm`
/// `000102030405`, `%pmR` reversed.
pub(crate) fn mac_address(ctx: &mut Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let Some(mac) = ctx.read(addr, 6) else {
        return error_string(sink, EFAULT, spec);
    };
    let e1 = ext.get(1).copied().unwrap_or(0);
    let separator = if e1 == b'F' { b'-' } else { b':' };
    let reversed = e1 == b'R';
    let mut out = Vec::with_capacity(17);
    for i in 0..6 {
        hex_byte(&mut out, if reversed { mac[5 - i] } else { mac[i] });
        if ext[0] == b'M' && i != 5 {
            out.push(separator);
        }
    }
    string_nocheck(sink, &out, spec);
}

/// Dotted quad; `leading_zeros` for `%pi4`; `order` is the `h`/`l`/`n`/`b`
/// byte-order letter (`h` and `l`: little-endian host order, reversed).
fn ip4(out: &mut Vec<u8>, addr: &[u8], leading_zeros: bool, order: u8) {
    let reversed = matches!(order, b'h' | b'l');
    for i in 0..4 {
        let b = if reversed { addr[3 - i] } else { addr[i] };
        let digits = b.to_string();
        if leading_zeros {
            for _ in digits.len()..3 {
                out.push(b'0');
            }
        }
        out.extend_from_slice(digits.as_bytes());
        if i < 3 {
            out.push(b'.');
        }
    }
}

/// `%pI6` (colons) / `%pi6` (none): 8 groups of 4 hex digits.
fn ip6_full(out: &mut Vec<u8>, addr: &[u8], colons: bool) {
    for i in 0..8 {
        hex_byte(out, addr[2 * i]);
        hex_byte(out, addr[2 * i + 1]);
        if colons && i != 7 {
            out.push(b':');
        }
    }
}

/// `%pI6c`: RFC 5952 style: groups without leading zeros, the first longest
/// run of two or more zero groups as `::`, an IPv4-mapped or ISATAP
/// address with a dotted-quad tail.
fn ip6_compressed(out: &mut Vec<u8>, addr: &[u8]) {
    let word = |i: usize| u16::from_be_bytes([addr[2 * i], addr[2 * i + 1]]);
    let v4mapped = addr[..10].iter().all(|&b| b == 0) && addr[10] == 0xff && addr[11] == 0xff;
    let isatap = (addr[8] | 0x02) == 0x02 && addr[9] == 0 && addr[10] == 0x5e && addr[11] == 0xfe;
    let use_ipv4 = v4mapped || isatap;
    let range = if use_ipv4 { 6 } else { 8 };

    let mut longest = 1;
    let mut colonpos = None;
    for i in 0..range {
        let run = (i..range).take_while(|&j| word(j) == 0).count();
        if run > longest {
            longest = run;
            colonpos = Some(i);
        }
    }

    let mut needcolon = false;
    let mut i = 0;
    while i < range {
        if colonpos == Some(i) {
            if needcolon || i == 0 {
                out.push(b':');
            }
            out.push(b':');
            needcolon = false;
            i += longest;
            continue;
        }
        if needcolon {
            out.push(b':');
        }
        out.extend_from_slice(format!("{:x}", word(i)).as_bytes());
        needcolon = true;
        i += 1;
    }
    if use_ipv4 {
        if needcolon {
            out.push(b':');
        }
        ip4(out, &addr[12..16], false, 0);
    }
}

/// The user's spec used for a port/flowinfo/scope number inside a sockaddr
/// string, into a buffer holding at most `cap` bytes (as the kernel bounds it).
fn bounded_number(out: &mut Vec<u8>, num: u64, spec: Spec, cap: usize) {
    let mut tmp = Sink::new(cap.saturating_sub(out.len()));
    number(&mut tmp, num, spec);
    out.extend_from_slice(&tmp.buf);
}

/// `%pI4 %pi4 %pI6 %pi6 %pI6c %pIS... %piS...`.
pub(crate) fn ip_addr(ctx: &mut Ctx, sink: &mut Sink, ext: &[u8], addr: u64, spec: Spec) {
    if let Some(msg) = check_pointer_msg(addr) {
        return error_string(sink, msg, spec);
    }
    let e = |k: usize| ext.get(k).copied().unwrap_or(0);
    let leading_zeros = ext[0] == b'i';
    let mut out = Vec::new();
    match e(1) {
        b'4' => {
            let Some(a) = ctx.read(addr, 4) else {
                return error_string(sink, EFAULT, spec);
            };
            ip4(&mut out, &a, leading_zeros, e(2));
        }
        b'6' => {
            let Some(a) = ctx.read(addr, 16) else {
                return error_string(sink, EFAULT, spec);
            };
            if ext[0] == b'I' && e(2) == b'c' {
                ip6_compressed(&mut out, &a);
            } else {
                ip6_full(&mut out, &a, ext[0] == b'I');
            }
        }
        b'S' => {
            let Some(fam) = ctx.read(addr, 2) else {
                return error_string(sink, EFAULT, spec);
            };
            // Letters after "IS" (the kernel stops at the first non-letter).
            let letters: Vec<u8> = ext[2..]
                .iter()
                .copied()
                .take_while(|&c| super::k_isalpha(c))
                .collect();
            match u16::from_le_bytes([fam[0], fam[1]]) {
                AF_INET => {
                    let Some(sa) = ctx.read(addr, 16) else {
                        return error_string(sink, EFAULT, spec);
                    };
                    let mut order = 0;
                    let mut have_p = false;
                    for &c in &letters {
                        match c {
                            b'p' => have_p = true,
                            b'h' | b'l' | b'n' | b'b' => order = c,
                            _ => {}
                        }
                    }
                    ip4(&mut out, &sa[4..8], leading_zeros, order);
                    if have_p {
                        out.push(b':');
                        let port = u16::from_be_bytes([sa[2], sa[3]]) as u64;
                        // sizeof("255.255.255.255") + sizeof(":12345")
                        bounded_number(&mut out, port, spec, 22);
                    }
                }
                AF_INET6 => {
                    let Some(sa) = ctx.read(addr, 28) else {
                        return error_string(sink, EFAULT, spec);
                    };
                    let (mut have_p, mut have_s, mut have_f, mut have_c) =
                        (false, false, false, false);
                    for &c in &letters {
                        match c {
                            b'p' => have_p = true,
                            b'f' => have_f = true,
                            b's' => have_s = true,
                            b'c' => have_c = true,
                            _ => {}
                        }
                    }
                    let bracket = have_p || have_s || have_f;
                    if bracket {
                        out.push(b'[');
                    }
                    if ext[0] == b'I' && have_c {
                        ip6_compressed(&mut out, &sa[8..24]);
                    } else {
                        ip6_full(&mut out, &sa[8..24], ext[0] == b'I');
                    }
                    if bracket {
                        out.push(b']');
                    }
                    // sizeof("[xxxx:...:255.255.255.255]") + sizeof(":12345")
                    // + sizeof("/123456789") + sizeof("%1234567890"), less the NUL.
                    const CAP: usize = 48 + 7 + 11 + 12 - 1;
                    if have_p {
                        out.push(b':');
                        let port = u16::from_be_bytes([sa[2], sa[3]]) as u64;
                        bounded_number(&mut out, port, spec, CAP);
                    }
                    if have_f {
                        out.push(b'/');
                        let flow = u32::from_be_bytes(sa[4..8].try_into().unwrap()) & 0x0fff_ffff;
                        bounded_number(&mut out, flow as u64, spec, CAP);
                    }
                    if have_s {
                        out.push(b'%');
                        let scope = u32::from_le_bytes(sa[24..28].try_into().unwrap());
                        bounded_number(&mut out, scope as u64, spec, CAP);
                    }
                }
                _ => return error_string(sink, b"(einval)", spec),
            }
        }
        _ => {
            let msg: &[u8] = if leading_zeros { b"(%pi?)" } else { b"(%pI?)" };
            return error_string(sink, msg, spec);
        }
    }
    string_nocheck(sink, &out, spec);
}

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
