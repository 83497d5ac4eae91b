//! kernel/locking: mutexes, spinlocks, rwlocks, rw-semaphores, semaphores.

pub mod held;
pub(crate) mod mutex;
mod rwlock;
pub(crate) mod rwsem;
