//! net/sched (`CONFIG_NET_SCHED=y`, `CONFIG_NET_CLS_ACT=y`).

pub mod act_api;
pub mod cls_api;
pub mod ematch;
pub mod sch_api;
