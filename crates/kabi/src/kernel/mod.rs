//! kernel/: printk, panics, modules and their parameters, locking, time,
//! the usermode helper, CPUs, sleeping and waking, workqueues.

pub mod cpu;
pub mod fork;
pub mod nsproxy;
pub mod notifier;
pub mod padata;
mod kmod;
pub mod async_;
pub mod jump_label;
pub mod static_call;
pub mod kthread;
pub mod locking;
pub mod module;
mod panic;
pub mod params;
pub mod printk;
pub mod rcu;
pub mod resource;
pub mod sched;
pub mod softirq;
pub mod srcu;
pub mod time;
pub mod user_namespace;
pub mod workqueue;
