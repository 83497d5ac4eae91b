//! The kernel's `string_escape_mem()` for the flag classes `%pE` can ask
//! for (no `only` dictionary).

use super::k_isprint;

pub(crate) const ESCAPE_SPACE: u32 = 1 << 0;
pub(crate) const ESCAPE_SPECIAL: u32 = 1 << 1;
pub(crate) const ESCAPE_NULL: u32 = 1 << 2;
pub(crate) const ESCAPE_OCTAL: u32 = 1 << 3;
pub(crate) const ESCAPE_ANY: u32 = ESCAPE_SPACE | ESCAPE_OCTAL | ESCAPE_SPECIAL | ESCAPE_NULL;
pub(crate) const ESCAPE_NP: u32 = 1 << 4;
pub(crate) const ESCAPE_ANY_NP: u32 = ESCAPE_ANY | ESCAPE_NP;
pub(crate) const ESCAPE_HEX: u32 = 1 << 5;
pub(crate) const ESCAPE_NA: u32 = 1 << 6;
pub(crate) const ESCAPE_NAP: u32 = 1 << 7;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Escape `src` by `flags`. Rules apply in order: pass-through classes
/// (printable ASCII with NAP, printable with NP, ASCII with NA), then the
/// escape classes SPACE (`\f \n \r \t \v`), SPECIAL (`\\ \a \e \"`), NULL
/// (`\0`), OCTAL (`\ooo`), HEX (`\xhh`); anything else passes through.
pub(crate) fn escape_mem(src: &[u8], flags: u32, out: &mut Vec<u8>) {
    for &c in src {
        let pass = (flags & ESCAPE_NAP != 0 && c.is_ascii() && k_isprint(c))
            || (flags & ESCAPE_NP != 0 && k_isprint(c))
            || (flags & ESCAPE_NA != 0 && c.is_ascii());
        if pass {
            out.push(c);
            continue;
        }
        if flags & ESCAPE_SPACE != 0 {
            let to = match c {
                b'\n' => Some(b'n'),
                b'\r' => Some(b'r'),
                b'\t' => Some(b't'),
                0x0b => Some(b'v'),
                0x0c => Some(b'f'),
                _ => None,
            };
            if let Some(to) = to {
                out.extend_from_slice(&[b'\\', to]);
                continue;
            }
        }
        if flags & ESCAPE_SPECIAL != 0 {
            let to = match c {
                b'\\' => Some(b'\\'),
                0x07 => Some(b'a'),
                0x1b => Some(b'e'),
                b'"' => Some(b'"'),
                _ => None,
            };
            if let Some(to) = to {
                out.extend_from_slice(&[b'\\', to]);
                continue;
            }
        }
        if flags & ESCAPE_NULL != 0 && c == 0 {
            out.extend_from_slice(b"\\0");
            continue;
        }
        if flags & ESCAPE_OCTAL != 0 {
            out.extend_from_slice(&[
                b'\\',
                b'0' + (c >> 6),
                b'0' + ((c >> 3) & 7),
                b'0' + (c & 7),
            ]);
            continue;
        }
        if flags & ESCAPE_HEX != 0 {
            out.extend_from_slice(&[b'\\', b'x', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            continue;
        }
        out.push(c);
    }
}
