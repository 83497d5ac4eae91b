//! kernel/time: jiffies, timers, delays, the clocks.

pub mod hrtimer;
pub mod jiffies;
pub mod time;
pub mod timekeeping;
pub mod timer;
