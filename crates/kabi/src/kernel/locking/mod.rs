//! kernel/locking: mutexes, spinlocks.

mod mutex;
