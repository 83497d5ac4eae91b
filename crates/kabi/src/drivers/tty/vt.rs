//! drivers/tty/vt/vt.c: the virtual terminals' state modules read.
//! `fg_console` is the foreground console's index: 0 (tty1) on a machine
//! booted without a console switch.

crate::export_data!("fg_console", size 4, align 4);
