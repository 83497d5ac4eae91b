//! printk's log-level prefixes (Linux 6.1 `printk_get_level()` and
//! `printk_parse_prefix()`).
//!
//! A message may start with any number of `KERN_SOH` (`"\x01"`) + level
//! pairs; the level characters are `'0'..='7'` and `'c'` (`KERN_CONT`). All
//! such pairs are stripped; the first digit gives the level, a `c` marks a
//! continuation. In 6.1 `KERN_DEFAULT` is the empty string, so `"\x01d"` is
//! *not* a prefix (kernels before 5.x used it; 6.1 leaves it in the text).
//! The prefix is parsed on the *formatted* text, as the kernel does.
//!
//! A message without a level is logged at the default message level,
//! `CONFIG_MESSAGE_LOGLEVEL_DEFAULT`, which is 4 (KERN_WARNING) in Debian's
//! 6.1 kernel (`/boot/config-6.1.0-*-amd64`); the console shows levels below
//! `CONFIG_CONSOLE_LOGLEVEL_DEFAULT` = 7.

/// `KERN_SOH`, the byte that introduces a level.
pub const KERN_SOH: u8 = 0x01;
/// The level character of `KERN_CONT`.
pub const KERN_CONT: u8 = b'c';
/// `CONFIG_MESSAGE_LOGLEVEL_DEFAULT` of Debian's 6.1 kernels (KERN_WARNING).
pub const MESSAGE_LOGLEVEL_DEFAULT: u8 = 4;
/// `CONFIG_CONSOLE_LOGLEVEL_DEFAULT` of Debian's 6.1 kernels.
pub const CONSOLE_LOGLEVEL_DEFAULT: u8 = 7;

/// The parsed prefix of a printk message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintkPrefix<'a> {
    /// The first level given (0..=7), if any.
    pub level: Option<u8>,
    /// Whether a `KERN_CONT` was given.
    pub cont: bool,
    /// The message after all prefixes.
    pub text: &'a [u8],
}

impl PrintkPrefix<'_> {
    /// The level the record gets: the given one or the default (4). (A
    /// continuation merged into the previous line keeps that line's level.)
    pub fn effective_level(&self) -> u8 {
        self.level.unwrap_or(MESSAGE_LOGLEVEL_DEFAULT)
    }
}

/// Parse all `KERN_SOH` prefixes of `msg`.
pub fn parse_printk_prefix(msg: &[u8]) -> PrintkPrefix<'_> {
    let mut prefix = PrintkPrefix {
        level: None,
        cont: false,
        text: msg,
    };
    while let [KERN_SOH, c, rest @ ..] = prefix.text {
        match *c {
            b'0'..=b'7' => {
                if prefix.level.is_none() {
                    prefix.level = Some(c - b'0');
                }
            }
            KERN_CONT => prefix.cont = true,
            _ => break,
        }
        prefix.text = rest;
    }
    prefix
}

/// The level prefix of `msg` and the rest: `Some(0..=7)` for the first
/// level given, else `Some(b'c')` if only `KERN_CONT` was given, else None
/// (the caller applies [`MESSAGE_LOGLEVEL_DEFAULT`]). All prefixes are
/// stripped from the returned text. Use [`parse_printk_prefix`] to learn
/// about a `KERN_CONT` given together with a level.
pub fn printk_level(msg: &[u8]) -> (Option<u8>, &[u8]) {
    let p = parse_printk_prefix(msg);
    let level = p.level.or(if p.cont { Some(KERN_CONT) } else { None });
    (level, p.text)
}
