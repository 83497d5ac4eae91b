//! kernel/time: jiffies, timers, delays.

pub mod jiffies;
