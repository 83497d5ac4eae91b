//! modprobe.d / depmod.d configuration and the kernel command line (kmod 30 rules).
