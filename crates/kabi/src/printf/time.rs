//! Seconds since the epoch to a broken-down UTC date (the kernel's
//! `time64_to_tm(t, 0, &tm)`), for `%ptT`.

/// Broken-down time with the `struct tm` / `struct rtc_time` conventions:
/// `year` counts from 1900, `mon` from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tm {
    pub sec: i32,
    pub min: i32,
    pub hour: i32,
    pub mday: i32,
    pub mon: i32,
    pub year: i64,
}

pub(crate) fn time64_to_tm(t: i64) -> Tm {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400) as i32;
    // Civil date from a day count, with years starting on March 1st so
    // that the leap day falls at the end of a year.
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of the 400-year era
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153; // month from March = 0
    let mday = (doy - (153 * mp + 2) / 5 + 1) as i32;
    let mon = if mp < 10 { mp + 2 } else { mp - 10 } as i32;
    let year = yoe + era * 400 + if mon < 2 { 1 } else { 0 };
    Tm {
        sec: secs % 60,
        min: secs / 60 % 60,
        hour: secs / 3600,
        mday,
        mon,
        year: year - 1900,
    }
}
