//! Taint flags (Linux 6.1 numbering) and their letters.

/// (bit, letter, per-module flag).
pub const FLAGS: [(u32, char, bool); 19] = [
    (0, 'P', true),
    (1, 'F', true),
    (2, 'S', false),
    (3, 'R', false),
    (4, 'M', false),
    (5, 'B', false),
    (6, 'U', false),
    (7, 'D', false),
    (8, 'A', false),
    (9, 'W', false),
    (10, 'C', true),
    (11, 'I', false),
    (12, 'O', true),
    (13, 'E', true),
    (14, 'L', false),
    (15, 'K', true),
    (16, 'X', true),
    (17, 'T', true),
    (18, 'N', true),
];

pub const PROPRIETARY_MODULE: u32 = 0;
pub const FORCED_MODULE: u32 = 1;
pub const FORCED_RMMOD: u32 = 3;
pub const USER: u32 = 6;
pub const DIE: u32 = 7;
pub const CRAP: u32 = 10;
pub const OOT_MODULE: u32 = 12;
pub const UNSIGNED_MODULE: u32 = 13;
pub const LIVEPATCH: u32 = 15;
pub const TEST: u32 = 18;

pub const WARN: u32 = 9;

/// Linux's `print_tainted()`: `Not tainted`, or `Tainted: ` and one column
/// per flag (its letter when set; `G` for an unset P, a space otherwise).
pub fn print_tainted(mask: u64) -> String {
    if mask == 0 {
        return "Not tainted".to_string();
    }
    let cols: String = FLAGS
        .iter()
        .map(|(b, c, _)| match (mask & (1 << b) != 0, *b) {
            (true, _) => *c,
            (false, 0) => 'G',
            (false, _) => ' ',
        })
        .collect();
    format!("Tainted: {cols}")
}

/// The letters of the module taint flags set in `mask`, in bit order.
pub fn module_letters(mask: u64) -> String {
    FLAGS.iter().filter(|(b, _, m)| *m && mask & (1 << b) != 0).map(|(_, c, _)| *c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_tainted_columns() {
        assert_eq!(print_tainted(0), "Not tainted");
        // O and E: the columns of Linux's "Tainted: G           OE     "
        assert_eq!(print_tainted(1 << OOT_MODULE | 1 << UNSIGNED_MODULE), "Tainted: G           OE     ");
        assert_eq!(print_tainted(1 << PROPRIETARY_MODULE | 1 << DIE | 1 << WARN), "Tainted: P      D W         ");
    }
}
