//! kernel/time/time.c: `sys_tz`, the kernel's time zone — minutes west of
//! Greenwich and the DST kind, set only by settimeofday(2) with a zone,
//! which no process of the host does: {0, 0}, as after boot.

crate::export_data!("sys_tz", size 8, align 4);
