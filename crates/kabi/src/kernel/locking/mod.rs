//! kernel/locking: mutexes, spinlocks, rwlocks, rw-semaphores, semaphores.

pub(crate) mod mutex;
mod rwlock;
pub(crate) mod rwsem;
