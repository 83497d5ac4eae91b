//! kernel/locking: mutexes, spinlocks, rw-semaphores, semaphores.

pub(crate) mod mutex;
mod rwsem;
