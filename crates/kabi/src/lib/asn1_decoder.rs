//! lib/asn1_decoder.c: `asn1_ber_decoder`, the machine that runs the
//! decoders scripts/asn1_compiler makes of an ASN.1 grammar (the bytecode
//! of include/linux/asn1_ber_bytecode.h) over BER/DER/CER data, calling
//! the grammar's actions on the elements they mark — with Linux's limits
//! (data of at most 65535 bytes, -EMSGSIZE beyond; lengths of at most two
//! bytes; constructed types and jumps 10 deep) and its answers: -EBADMSG
//! for anything malformed or unexpected, an action's negative return as
//! is. The host runs it for its own grammars (rsa_helper's keys) and for
//! the compiled decoders modules carry (ecrdsa's parameters and key).

const EBADMSG: i32 = -74;
const EMSGSIZE: i32 = -90;

// include/linux/asn1_ber_bytecode.h's opcodes.
pub(crate) const OP_MATCH: u8 = 0x00;
pub(crate) const OP_MATCH_OR_SKIP: u8 = 0x01;
pub(crate) const OP_MATCH_ACT: u8 = 0x02;
pub(crate) const OP_MATCH_ACT_OR_SKIP: u8 = 0x03;
pub(crate) const OP_MATCH_JUMP: u8 = 0x04;
pub(crate) const OP_MATCH_JUMP_OR_SKIP: u8 = 0x05;
pub(crate) const OP_MATCH_ANY: u8 = 0x08;
pub(crate) const OP_MATCH_ANY_OR_SKIP: u8 = 0x09;
pub(crate) const OP_MATCH_ANY_ACT: u8 = 0x0a;
pub(crate) const OP_MATCH_ANY_ACT_OR_SKIP: u8 = 0x0b;
pub(crate) const OP_COND_MATCH_OR_SKIP: u8 = 0x11;
pub(crate) const OP_COND_MATCH_ACT_OR_SKIP: u8 = 0x13;
pub(crate) const OP_COND_MATCH_JUMP_OR_SKIP: u8 = 0x15;
pub(crate) const OP_COND_MATCH_ANY: u8 = 0x18;
pub(crate) const OP_COND_MATCH_ANY_OR_SKIP: u8 = 0x19;
pub(crate) const OP_COND_MATCH_ANY_ACT: u8 = 0x1a;
pub(crate) const OP_COND_MATCH_ANY_ACT_OR_SKIP: u8 = 0x1b;
pub(crate) const OP_COND_FAIL: u8 = 0x1c;
pub(crate) const OP_COMPLETE: u8 = 0x1d;
pub(crate) const OP_ACT: u8 = 0x1e;
pub(crate) const OP_MAYBE_ACT: u8 = 0x1f;
pub(crate) const OP_END_SEQ: u8 = 0x20;
pub(crate) const OP_END_SET: u8 = 0x21;
pub(crate) const OP_END_SEQ_OF: u8 = 0x22;
pub(crate) const OP_END_SET_OF: u8 = 0x23;
pub(crate) const OP_END_SEQ_ACT: u8 = 0x24;
pub(crate) const OP_END_SET_ACT: u8 = 0x25;
pub(crate) const OP_END_SEQ_OF_ACT: u8 = 0x26;
pub(crate) const OP_END_SET_OF_ACT: u8 = 0x27;
pub(crate) const OP_RETURN: u8 = 0x28;

const MATCH_SKIP: u8 = 0x01;
const MATCH_ACT: u8 = 0x02;
const MATCH_ANY: u8 = 0x08;
const MATCH_COND: u8 = 0x10;
const MATCHES_TAG: u8 = OP_COND_MATCH_ANY_ACT_OR_SKIP;
const END_OF: u8 = 0x02;
const END_ACT: u8 = 0x04;

/// The tag octet of (class, constructed, number), as `_tag()` builds it.
pub(crate) const fn tag(class: u8, cons: bool, num: u8) -> u8 {
    (class << 6) | ((cons as u8) << 5) | num
}
pub(crate) const UNIV: u8 = 0;
pub(crate) const INT: u8 = 2;
pub(crate) const SEQ: u8 = 16;

const LONG_TAG: u8 = 0x1f;
const INDEFINITE_LENGTH: usize = 0x80;
const CONS_BIT: u8 = 0x20;

const FLAG_INDEFINITE_LENGTH: u8 = 0x01;
const FLAG_MATCHED: u8 = 0x02;
const FLAG_LAST_MATCHED: u8 = 0x04;
const FLAG_CONS: u8 = 0x20;

const NR_CONS_STACK: usize = 10;
const NR_JUMP_STACK: usize = 10;

/// `asn1_op_lengths`: the bytes of each opcode (0: reserved).
fn op_len(op: u8) -> usize {
    match op {
        OP_MATCH | OP_MATCH_OR_SKIP => 2,
        OP_MATCH_ACT | OP_MATCH_ACT_OR_SKIP => 3,
        OP_MATCH_JUMP | OP_MATCH_JUMP_OR_SKIP => 3,
        OP_MATCH_ANY | OP_MATCH_ANY_OR_SKIP => 1,
        OP_MATCH_ANY_ACT | OP_MATCH_ANY_ACT_OR_SKIP => 2,
        OP_COND_MATCH_OR_SKIP => 2,
        OP_COND_MATCH_ACT_OR_SKIP | OP_COND_MATCH_JUMP_OR_SKIP => 3,
        OP_COND_MATCH_ANY | OP_COND_MATCH_ANY_OR_SKIP => 1,
        OP_COND_MATCH_ANY_ACT | OP_COND_MATCH_ANY_ACT_OR_SKIP => 2,
        OP_COND_FAIL | OP_COMPLETE => 1,
        OP_ACT | OP_MAYBE_ACT => 2,
        OP_RETURN => 1,
        OP_END_SEQ | OP_END_SET => 1,
        OP_END_SEQ_OF | OP_END_SET_OF => 2,
        OP_END_SEQ_ACT | OP_END_SET_ACT => 2,
        OP_END_SEQ_OF_ACT | OP_END_SET_OF_ACT => 3,
        _ => 0,
    }
}

/// `asn1_find_indefinite_length(data, datalen, &dp, &len)`: the length up
/// to and including the matching end-of-contents, from `dp`; Err with
/// Linux's message.
fn find_indefinite_length(data: &[u8], datalen: usize, dp0: usize) -> Result<usize, &'static str> {
    let mut dp = dp0;
    let mut level = 1;
    loop {
        if datalen.wrapping_sub(dp) < 2 {
            return Err(if datalen == dp { "Missing EOC in indefinite len cons" } else { "Data overrun error" });
        }
        let t = data[dp];
        dp += 1;
        if t == 0 {
            if data[dp] != 0 {
                return Err("Invalid length EOC");
            }
            dp += 1;
            level -= 1;
            if level <= 0 {
                return Ok(dp - dp0);
            }
            continue;
        }
        if t & 0x1f == LONG_TAG {
            loop {
                if datalen.wrapping_sub(dp) < 2 {
                    return Err("Data overrun error");
                }
                let b = data[dp];
                dp += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let mut len = data[dp] as usize;
        dp += 1;
        if len > 0x7f {
            if len == INDEFINITE_LENGTH {
                if t & CONS_BIT == 0 {
                    return Err("Indefinite len primitive not permitted");
                }
                level += 1;
                continue;
            }
            let n = len - 0x80;
            if n > 7 {
                return Err("Unsupported length");
            }
            if n > datalen.wrapping_sub(dp) {
                return Err("Data overrun error");
            }
            len = 0;
            for _ in 0..n {
                len = (len << 8) | data[dp] as usize;
                dp += 1;
            }
        }
        if len > datalen.wrapping_sub(dp) {
            return Err("Data overrun error");
        }
        dp += len;
    }
}

/// One action call: (action number, header length, tag, offset of the
/// value in the data, value length) -> the action's return.
pub(crate) type Action<'a> = dyn FnMut(u8, usize, u8, usize, usize) -> i32 + 'a;

/// `asn1_ber_decoder(decoder, context, data, datalen)` over `machine`,
/// the actions called through `act`.
pub(crate) fn decode(machine: &[u8], data: &[u8], act: &mut Action<'_>) -> i32 {
    let machlen = machine.len();
    let mut datalen = data.len();
    if datalen > 65535 {
        return EMSGSIZE;
    }
    let (mut tag, mut csp, mut jsp, mut hdr) = (0u8, 0usize, 0usize, 0usize);
    let (mut pc, mut dp, mut tdp, mut len) = (0usize, 0usize, 0usize, 0usize);
    let mut flags = 0u8;
    let mut cons_dp = [0u16; NR_CONS_STACK];
    let mut cons_datalen = [0u16; NR_CONS_STACK];
    let mut cons_hdr = [0u8; NR_CONS_STACK];
    let mut jumps = [0u8; NR_JUMP_STACK];
    let err = |msg: &str| -> i32 {
        let _ = msg;
        EBADMSG
    };
    loop {
        if pc >= machlen {
            return err("Machine overrun error");
        }
        let op = machine[pc];
        if pc + op_len(op) > machlen {
            return err("Machine overrun error");
        }
        if op <= MATCHES_TAG {
            if (op & MATCH_COND != 0 && flags & FLAG_MATCHED != 0) || (op & MATCH_SKIP != 0 && dp == datalen) {
                flags &= !FLAG_LAST_MATCHED;
                pc += op_len(op);
                continue;
            }
            flags = 0;
            hdr = 2;
            if datalen.wrapping_sub(dp) < 2 {
                return err("Data overrun error");
            }
            tag = data[dp];
            dp += 1;
            if tag & 0x1f == LONG_TAG {
                return err("Long tag not supported");
            }
            if op & MATCH_ANY == 0 {
                // CONS in the op: either form in the data; otherwise PRIM
                // (a reserved opcode here reads past Linux's op: 0 assumed)
                let optag = machine.get(pc + 1).copied().unwrap_or(0);
                flags |= optag & FLAG_CONS;
                let tmp = (optag ^ tag) & !(optag & CONS_BIT);
                if tmp != 0 {
                    if op & MATCH_SKIP != 0 {
                        pc += op_len(op);
                        dp -= 1;
                        continue;
                    }
                    return err("Unexpected tag");
                }
            }
            flags |= FLAG_MATCHED;
            len = data[dp] as usize;
            dp += 1;
            if len > 0x7f {
                if len == INDEFINITE_LENGTH {
                    if tag & CONS_BIT == 0 {
                        return err("Indefinite len primitive not permitted");
                    }
                    flags |= FLAG_INDEFINITE_LENGTH;
                    if 2 > datalen.wrapping_sub(dp) {
                        return err("Data overrun error");
                    }
                } else {
                    let n = len - 0x80;
                    if n > 2 {
                        return err("Unsupported length");
                    }
                    if n > datalen.wrapping_sub(dp) {
                        return err("Data overrun error");
                    }
                    hdr += n;
                    len = 0;
                    for _ in 0..n {
                        len = (len << 8) | data[dp] as usize;
                        dp += 1;
                    }
                    if len > datalen.wrapping_sub(dp) {
                        return err("Data overrun error");
                    }
                }
            } else if len > datalen.wrapping_sub(dp) {
                return err("Data overrun error");
            }
            if flags & FLAG_CONS != 0 {
                if csp >= NR_CONS_STACK {
                    return err("Cons stack overflow");
                }
                cons_dp[csp] = dp as u16;
                cons_hdr[csp] = hdr as u8;
                if flags & FLAG_INDEFINITE_LENGTH == 0 {
                    cons_datalen[csp] = datalen as u16;
                    datalen = dp + len;
                } else {
                    cons_datalen[csp] = 0;
                }
                csp += 1;
            }
            tdp = dp;
        }
        match op {
            OP_MATCH | OP_MATCH_OR_SKIP | OP_MATCH_ACT | OP_MATCH_ACT_OR_SKIP | OP_MATCH_ANY
            | OP_MATCH_ANY_OR_SKIP | OP_MATCH_ANY_ACT | OP_MATCH_ANY_ACT_OR_SKIP | OP_COND_MATCH_OR_SKIP
            | OP_COND_MATCH_ACT_OR_SKIP | OP_COND_MATCH_ANY | OP_COND_MATCH_ANY_OR_SKIP
            | OP_COND_MATCH_ANY_ACT | OP_COND_MATCH_ANY_ACT_OR_SKIP => {
                if flags & FLAG_CONS == 0 && flags & FLAG_INDEFINITE_LENGTH != 0 {
                    match find_indefinite_length(data, datalen, dp) {
                        Ok(l) => len = l,
                        Err(m) => return err(m),
                    }
                }
                if op & MATCH_ACT != 0 {
                    let a = if op & MATCH_ANY != 0 { machine[pc + 1] } else { machine[pc + 2] };
                    let r = act(a, hdr, tag, dp, len);
                    if r < 0 {
                        return r;
                    }
                }
                if flags & FLAG_CONS == 0 {
                    dp += len;
                }
                pc += op_len(op);
            }
            OP_MATCH_JUMP | OP_MATCH_JUMP_OR_SKIP | OP_COND_MATCH_JUMP_OR_SKIP => {
                if jsp == NR_JUMP_STACK {
                    return err("Jump stack overflow");
                }
                jumps[jsp] = (pc + op_len(op)) as u8;
                jsp += 1;
                pc = machine[pc + 2] as usize;
            }
            OP_COND_FAIL => {
                if flags & FLAG_MATCHED == 0 {
                    return err("Unexpected tag");
                }
                pc += op_len(op);
            }
            OP_COMPLETE => {
                if jsp != 0 || csp != 0 {
                    crate::log::kernel_msg(
                        3,
                        &format!("ASN.1 decoder error: Stacks not empty at completion ({jsp}, {csp})"),
                    );
                    return EBADMSG;
                }
                return 0;
            }
            OP_END_SEQ | OP_END_SET | OP_END_SEQ_OF | OP_END_SET_OF | OP_END_SEQ_ACT | OP_END_SET_ACT
            | OP_END_SEQ_OF_ACT | OP_END_SET_OF_ACT => {
                if matches!(op, OP_END_SET | OP_END_SET_ACT) && flags & FLAG_MATCHED == 0 {
                    return err("Unexpected tag");
                }
                if csp == 0 {
                    return err("Cons stack underflow");
                }
                csp -= 1;
                tdp = cons_dp[csp] as usize;
                hdr = cons_hdr[csp] as usize;
                len = datalen;
                datalen = cons_datalen[csp] as usize;
                if datalen == 0 {
                    // indefinite length: the end-of-contents
                    datalen = len;
                    if datalen.wrapping_sub(dp) < 2 {
                        return err("Data overrun error");
                    }
                    let b = data[dp];
                    dp += 1;
                    if b != 0 {
                        if op & END_OF != 0 {
                            dp -= 1;
                            csp += 1;
                            pc = machine[pc + 1] as usize;
                            continue;
                        }
                        return err("Missing EOC in indefinite len cons");
                    }
                    let b = data[dp];
                    dp += 1;
                    if b != 0 {
                        return err("Invalid length EOC");
                    }
                    len = dp - tdp - 2;
                } else {
                    if dp < len && op & END_OF != 0 {
                        datalen = len;
                        csp += 1;
                        pc = machine[pc + 1] as usize;
                        continue;
                    }
                    if dp != len {
                        return err("Cons length error");
                    }
                    len -= tdp;
                }
                if op & END_ACT != 0 {
                    let a = if op & END_OF != 0 { machine[pc + 2] } else { machine[pc + 1] };
                    let r = act(a, hdr, 0, tdp, len);
                    if r < 0 {
                        return r;
                    }
                }
                pc += op_len(op);
            }
            OP_MAYBE_ACT | OP_ACT => {
                if op == OP_MAYBE_ACT && flags & FLAG_LAST_MATCHED == 0 {
                    pc += op_len(op);
                    continue;
                }
                let r = act(machine[pc + 1], hdr, tag, tdp, len);
                if r < 0 {
                    return r;
                }
                pc += op_len(op);
            }
            OP_RETURN => {
                if jsp == 0 {
                    return err("Jump stack underflow");
                }
                jsp -= 1;
                pc = jumps[jsp] as usize;
                flags |= FLAG_MATCHED | FLAG_LAST_MATCHED;
            }
            _ => {
                crate::log::kernel_msg(3, &format!("ASN.1 decoder error: Found reserved opcode ({op}) pc={pc}"));
                return EBADMSG;
            }
        }
    }
}

crate::kfn! {
    /// `asn1_ber_decoder(decoder, context, data, datalen)`: the module's
    /// compiled decoder (`struct asn1_decoder`: machine, machlen,
    /// actions) run over its data, the actions called with `context`.
    fn asn1_ber_decoder(decoder: u64, context: u64, data: u64, datalen: u64) -> i32 {
        use crate::drivers::base::rd64;
        if datalen > 65535 {
            return EMSGSIZE;
        }
        let (machine, machlen, actions) = (rd64(decoder), rd64(decoder + 8), rd64(decoder + 16));
        // SAFETY: the decoder's machine of `machlen` bytes and the
        // caller's data of `datalen` bytes, as asn1_ber_decoder's caller
        // provides them (the machine is the module's static array).
        let m = unsafe { std::slice::from_raw_parts(machine as *const u8, machlen as usize) };
        let d = if datalen == 0 {
            &[][..]
        } else {
            // SAFETY: as above.
            unsafe { std::slice::from_raw_parts(data as *const u8, datalen as usize) }
        };
        decode(m, d, &mut |a, hdr, tag, off, len| {
            let f = rd64(actions + 8 * a as u64);
            crate::fault::call_module(f, [context, hdr as u64, tag as u64, data + off as u64, len as u64, 0])
                .map_or(-14, |r| r as i32)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEQUENCE: u8 = tag(UNIV, true, SEQ);
    const INTEGER: u8 = tag(UNIV, false, INT);
    const OCTET_STRING: u8 = tag(UNIV, false, 4);
    const OBJECT_ID: u8 = tag(UNIV, false, 6);

    /// Runs `m` over `d`, recording the actions (number, tag, value).
    fn run(m: &[u8], d: &[u8]) -> (i32, Vec<(u8, u8, Vec<u8>)>) {
        let mut seen = Vec::new();
        let r = decode(m, d, &mut |a, _hdr, t, off, len| {
            seen.push((a, t, d[off..off + len].to_vec()));
            0
        });
        (r, seen)
    }

    /// `SEQUENCE { a INTEGER ({0}), b OCTET STRING OPTIONAL ({1}) }`.
    const M: [u8; 10] = [
        OP_MATCH, SEQUENCE,
        OP_MATCH_ACT, INTEGER, 0,
        OP_MATCH_ACT_OR_SKIP, OCTET_STRING, 1,
        OP_END_SEQ,
        OP_COMPLETE,
    ];

    #[test]
    fn sequence_with_optional() {
        let (r, s) = run(&M, &[0x30, 0x07, 0x02, 0x01, 0x05, 0x04, 0x02, 0xaa, 0xbb]);
        assert_eq!(r, 0);
        assert_eq!(s, vec![(0, 2, vec![5]), (1, 4, vec![0xaa, 0xbb])]);
        // the optional element absent
        let (r, s) = run(&M, &[0x30, 0x03, 0x02, 0x01, 0x05]);
        assert_eq!((r, s.len()), (0, 1));
        // long-form lengths (one and two bytes, not minimal: BER)
        let (r, s) = run(&M, &[0x30, 0x81, 0x05, 0x02, 0x82, 0x00, 0x01, 0x07]);
        assert_eq!((r, s), (0, vec![(0, 2, vec![7])]));
        // indefinite-length SEQUENCE with its end-of-contents
        let (r, _) = run(&M, &[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]);
        assert_eq!(r, 0);
        // a constructed SEQUENCE tag is mandatory in the op, the primitive
        // form of it is accepted too; a constructed INTEGER is not
        assert_eq!(run(&M, &[0x10, 0x03, 0x02, 0x01, 0x05]).0, 0);
        assert_eq!(run(&M, &[0x30, 0x03, 0x22, 0x01, 0x05]).0, EBADMSG);
    }

    #[test]
    fn errors() {
        for d in [
            &[][..],                                    // no data
            &[0x30],                                    // data overrun
            &[0x31, 0x03, 0x02, 0x01, 0x05],            // unexpected tag
            &[0x30, 0x04, 0x02, 0x01, 0x05],            // overrun of the SEQUENCE
            &[0x30, 0x04, 0x02, 0x01, 0x05, 0x05],      // cons length error
            &[0x30, 0x83, 0, 0, 3, 2, 1, 5],            // three length bytes
            &[0x3f, 0x03, 0x02, 0x01, 0x05],            // long tag
            &[0x30, 0x03, 0x02, 0x80, 0x05],            // indefinite primitive
            &[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x01], // bad EOC
            &[0x30, 0x80, 0x02, 0x01, 0x05],            // missing EOC
        ] {
            assert_eq!(run(&M, d).0, EBADMSG, "{d:02x?}");
        }
        assert_eq!(run(&M, &vec![0u8; 65536]).0, EMSGSIZE);
        // an action's error is returned as is
        let r = decode(&M, &[0x30, 0x03, 0x02, 0x01, 0x05], &mut |_, _, _, _, _| -22);
        assert_eq!(r, -22);
        // machine errors: overrun, reserved opcode, unbalanced stacks
        assert_eq!(run(&M[..9], &[0x30, 0x03, 0x02, 0x01, 0x05]).0, EBADMSG);
        assert_eq!(run(&[0x06], &[0x30, 0x00]).0, EBADMSG);
        assert_eq!(run(&[OP_MATCH, SEQUENCE, OP_COMPLETE], &[0x30, 0x00]).0, EBADMSG);
    }

    /// `SEQUENCE { OID ({0}), OID OPTIONAL ({1}) }` (ecrdsa_params.asn1's
    /// shape), SEQUENCE OF with jumps, ANY and END_SEQ_ACT.
    #[test]
    fn opcodes() {
        let m = [
            OP_MATCH, SEQUENCE,
            OP_MATCH_ACT, OBJECT_ID, 0,
            OP_MATCH_ACT_OR_SKIP, OBJECT_ID, 1,
            OP_END_SEQ_ACT, 2,
            OP_COMPLETE,
        ];
        let d = [0x30, 0x06, 0x06, 0x01, 0x2a, 0x06, 0x01, 0x2b];
        let (r, s) = run(&m, &d);
        assert_eq!(r, 0);
        assert_eq!(s[2], (2, 0, d[2..].to_vec()));
        // SEQUENCE OF SEQUENCE { INTEGER ({0}) }, the element a subroutine
        let m = [
            OP_MATCH, SEQUENCE,            // 0
            OP_MATCH_JUMP, SEQUENCE, 8,    // 2
            OP_END_SEQ_OF, 2,              // 5
            OP_COMPLETE,                   // 7
            OP_MATCH_ACT, INTEGER, 0,      // 8
            OP_END_SEQ,                    // 11
            OP_RETURN,                     // 12
        ];
        let d = [0x30, 0x0a, 0x30, 0x03, 0x02, 0x01, 0x01, 0x30, 0x03, 0x02, 0x01, 0x02];
        let (r, s) = run(&m, &d);
        assert_eq!(r, 0);
        assert_eq!(s.iter().map(|x| x.2.clone()).collect::<Vec<_>>(), vec![vec![1], vec![2]]);
        // ANY with an action
        let (r, s) = run(&[OP_MATCH_ANY_ACT, 3, OP_COMPLETE], &[0x13, 0x01, 0x41]);
        assert_eq!((r, s), (0, vec![(3, 0x13, vec![0x41])]));
    }
}
