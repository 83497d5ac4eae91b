//! depmod: building a module directory's indexes (kmod 30).
