//! drivers/tty/tty_baudrate.c: the baud rate in a `struct ktermios` —
//! `tty_termios_baud_rate`, `tty_termios_input_baud_rate`,
//! `tty_termios_encode_baud_rate`.

use super::{rd32, wr32};
use crate::layout::{ktermios as kt, tty_std};

/// `baud_table` (x86): the speed of each Bxxx code, B0..B38400 then the
/// CBAUDEX codes B57600..B4000000.
const BAUD_TABLE: [u32; 31] = [
    0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600,
    115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000,
    3000000, 3500000, 4000000,
];

const CBAUD: u32 = tty_std::CBAUD as u32;
const CBAUDEX: u32 = tty_std::CBAUDEX as u32;
const BOTHER: u32 = tty_std::BOTHER as u32;
const IBSHIFT: u32 = tty_std::IBSHIFT as u32;
const B0: u32 = tty_std::B0 as u32;

/// `baud_bits[i]`: B0..B38400 are 0..15, B57600.. are CBAUDEX|1..15.
fn baud_bits(i: usize) -> u32 {
    if i < 16 {
        i as u32
    } else {
        CBAUDEX | (i as u32 - 15)
    }
}

fn speed_of(code: u32) -> u32 {
    let mut c = code;
    if c & CBAUDEX != 0 {
        c &= !CBAUDEX;
        c += 15;
    }
    BAUD_TABLE.get(c as usize).copied().unwrap_or(0)
}

crate::kfn! {
    /// `tty_termios_baud_rate(termios)`: the output speed its c_cflag
    /// encodes (`c_ospeed` for BOTHER, 0 for an unknown code).
    fn tty_termios_baud_rate(t: u64) -> u32 {
        let cbaud = rd32(t + kt::c_cflag) & CBAUD;
        if cbaud == BOTHER {
            return rd32(t + kt::c_ospeed);
        }
        speed_of(cbaud)
    }
}

crate::kfn! {
    /// `tty_termios_input_baud_rate(termios)`: the input speed (the
    /// output speed when CIBAUD is B0).
    fn tty_termios_input_baud_rate(t: u64) -> u32 {
        let cbaud = (rd32(t + kt::c_cflag) >> IBSHIFT) & CBAUD;
        if cbaud == B0 {
            return tty_termios_baud_rate(t);
        }
        if cbaud == BOTHER {
            return rd32(t + kt::c_ispeed);
        }
        speed_of(cbaud)
    }
}

crate::kfn! {
    /// `tty_termios_encode_baud_rate(termios, ibaud, obaud)`: stores the
    /// speeds and encodes them in c_cflag — a standard Bxxx code within
    /// 2% (exact for BOTHER requests), else BOTHER; input bits only when
    /// they differ or were asked for.
    fn tty_termios_encode_baud_rate(t: u64, ibaud: u32, obaud: u32) {
        let mut ibaud = ibaud;
        let (mut ifound, mut ofound): (i32, i32) = (-1, -1);
        let mut iclose = ibaud / 50;
        let mut oclose = obaud / 50;
        if obaud == 0 {
            ibaud = 0;
        }
        wr32(t + kt::c_ispeed, ibaud);
        wr32(t + kt::c_ospeed, obaud);
        let mut cflag = rd32(t + kt::c_cflag);
        let ibinput = ((cflag >> IBSHIFT) & CBAUD) != B0;
        if cflag & CBAUD == BOTHER {
            oclose = 0;
            if !ibinput {
                iclose = 0;
            }
        }
        if (cflag >> IBSHIFT) & CBAUD == BOTHER {
            iclose = 0;
        }
        cflag &= !CBAUD;
        cflag &= !(CBAUD << IBSHIFT);
        for (i, &b) in BAUD_TABLE.iter().enumerate() {
            // speed_t arithmetic is unsigned and wraps, as Linux's
            if obaud.wrapping_sub(oclose) <= b && obaud.wrapping_add(oclose) >= b {
                cflag |= baud_bits(i);
                ofound = i as i32;
            }
            if ibaud.wrapping_sub(iclose) <= b && ibaud.wrapping_add(iclose) >= b {
                ifound = i as i32;
                if !(ofound == i as i32 && !ibinput) {
                    cflag |= baud_bits(i) << IBSHIFT;
                }
            }
        }
        if ofound == -1 {
            cflag |= BOTHER;
        }
        if ifound == -1 && (ibaud != obaud || ibinput) {
            cflag |= BOTHER << IBSHIFT;
        }
        wr32(t + kt::c_cflag, cflag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baud_bits_match_the_header() {
        assert_eq!(baud_bits(15), tty_std::B38400 as u32);
        assert_eq!(baud_bits(16), tty_std::B57600 as u32);
        assert_eq!(baud_bits(30), tty_std::B4000000 as u32);
    }

    #[test]
    fn encode_and_decode() {
        let mut t = [0u8; kt::SIZE as usize];
        let p = t.as_mut_ptr() as u64;
        wr32(p + kt::c_cflag, tty_std::c_cflag as u32);
        tty_termios_encode_baud_rate(p, 115200, 115200);
        let cflag = rd32(p + kt::c_cflag);
        assert_eq!(cflag & CBAUD, 0x1002);
        assert_eq!((cflag >> IBSHIFT) & CBAUD, 0);
        assert_eq!(tty_termios_baud_rate(p), 115200);
        assert_eq!(tty_termios_input_baud_rate(p), 115200);
        // a speed no code is close to: BOTHER with the exact value
        tty_termios_encode_baud_rate(p, 12345, 12345);
        assert_eq!(rd32(p + kt::c_cflag) & CBAUD, BOTHER);
        assert_eq!(tty_termios_baud_rate(p), 12345);
        // after a BOTHER request, speeds stay exact
        tty_termios_encode_baud_rate(p, 9600, 9700);
        assert_eq!(rd32(p + kt::c_cflag) & CBAUD, BOTHER);
        assert_eq!(tty_termios_baud_rate(p), 9700);
        // from a Bxxx code, within 2%: the standard code
        wr32(p + kt::c_cflag, tty_std::c_cflag as u32);
        tty_termios_encode_baud_rate(p, 9600, 9700);
        assert_eq!(tty_termios_baud_rate(p), 9600);
        assert_eq!(tty_termios_input_baud_rate(p), 9600);
        assert_eq!(
            rd32(p + kt::c_cflag) & !(CBAUD | (CBAUD << IBSHIFT)),
            tty_std::c_cflag as u32 & !CBAUD
        );
        drop(t);
    }
}
