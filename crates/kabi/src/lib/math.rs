//! lib/math/: `int_sqrt`, `gcd`.

crate::kfn! {
    /// `unsigned long int_sqrt(x)`: floor(sqrt(x)).
    fn int_sqrt(x: u64) -> u64 {
        if x <= 1 {
            return x;
        }
        // Newton's method on integers, then correct.
        let mut r = (x as f64).sqrt() as u64;
        while r.checked_mul(r).is_none_or(|v| v > x) {
            r -= 1;
        }
        while (r + 1).checked_mul(r + 1).is_some_and(|v| v <= x) {
            r += 1;
        }
        r
    }
}

crate::kfn! {
    /// `unsigned long gcd(a, b)`: gcd(0, b) = b.
    fn gcd(a: u64, b: u64) -> u64 {
        let (mut a, mut b) = (a, b);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }
}
