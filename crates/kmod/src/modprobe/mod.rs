//! modprobe: resolving, loading and unloading modules with their dependencies (kmod 30).
