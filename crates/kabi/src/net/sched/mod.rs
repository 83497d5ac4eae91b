//! net/sched (`CONFIG_NET_SCHED=y`).

pub mod sch_api;
