//! Structure layouts of Debian's Linux 6.1.0-57-amd64 (x86_64), as its headers
//! lay them out: offsets of members and sizes, in bytes.
//!
//! GENERATED from tests/modules/kabi_layout by
//! `cargo run -p kabi --example gen-layout > crates/kabi/src/layout.rs`;
//! do not edit. `cargo test -p kabi --test layout` fails when it is stale.

#![allow(non_upper_case_globals, dead_code)]

pub mod atomic_notifier_head {
    pub const SIZE: u64 = 0x10;
    pub const head: u64 = 0x8;
}

pub mod blocking_notifier_head {
    pub const SIZE: u64 = 0x30;
    pub const head: u64 = 0x28;
}

pub mod bus_type {
    pub const SIZE: u64 = 0xb8;
    pub const dev_name: u64 = 0x8;
    pub const r#match: u64 = 0x30;
    pub const name: u64 = 0x0;
    pub const p: u64 = 0xa8;
    pub const probe: u64 = 0x40;
}

pub mod cdev {
    pub const SIZE: u64 = 0x68;
}

pub mod class {
    pub const SIZE: u64 = 0x78;
    pub const name: u64 = 0x0;
    pub const owner: u64 = 0x8;
    pub const p: u64 = 0x70;
}

pub mod completion {
    pub const SIZE: u64 = 0x20;
    pub const done: u64 = 0x0;
    pub const wait: u64 = 0x8;
}

pub mod consts {
    pub const NCAPINTS: u64 = 0x16;
    pub const NR_CPUS: u64 = 0x2000;
    pub const PAGE_OFFSET_BASE_DEFAULT: u64 = 0xffff888000000000;
    pub const STRUCT_PAGE_MAX_SHIFT: u64 = 0x6;
}

pub mod cpuinfo_x86 {
    pub const SIZE: u64 = 0x120;
    pub const cpuid_level: u64 = 0x24;
    pub const loops_per_jiffy: u64 = 0xf0;
    pub const x86: u64 = 0x0;
    pub const x86_cache_alignment: u64 = 0xdc;
    pub const x86_cache_size: u64 = 0xd8;
    pub const x86_capability: u64 = 0x28;
    pub const x86_clflush_size: u64 = 0x106;
    pub const x86_max_cores: u64 = 0x100;
    pub const x86_model: u64 = 0x2;
    pub const x86_model_id: u64 = 0x98;
    pub const x86_phys_bits: u64 = 0x1d;
    pub const x86_stepping: u64 = 0x3;
    pub const x86_vendor: u64 = 0x1;
    pub const x86_vendor_id: u64 = 0x88;
    pub const x86_virt_bits: u64 = 0x1c;
}

pub mod delayed_work {
    pub const SIZE: u64 = 0x58;
    pub const cpu: u64 = 0x50;
    pub const timer: u64 = 0x20;
    pub const work: u64 = 0x0;
    pub const wq: u64 = 0x48;
}

pub mod device {
    pub const SIZE: u64 = 0x2f0;
    pub const bus: u64 = 0x60;
    pub const class: u64 = 0x2b0;
    pub const devt: u64 = 0x294;
    pub const driver: u64 = 0x68;
    pub const driver_data: u64 = 0x78;
    pub const init_name: u64 = 0x50;
    pub const kobj: u64 = 0x0;
    pub const parent: u64 = 0x40;
    pub const platform_data: u64 = 0x70;
    pub const release: u64 = 0x2c0;
    pub const r#type: u64 = 0x58;
}

pub mod device_driver {
    pub const SIZE: u64 = 0x90;
    pub const bus: u64 = 0x8;
    pub const mod_name: u64 = 0x18;
    pub const name: u64 = 0x0;
    pub const owner: u64 = 0x10;
    pub const p: u64 = 0x88;
    pub const probe: u64 = 0x38;
    pub const remove: u64 = 0x48;
}

pub mod file_operations {
    pub const SIZE: u64 = 0x118;
    pub const owner: u64 = 0x0;
}

pub mod file_system_type {
    pub const SIZE: u64 = 0x48;
    pub const fs_flags: u64 = 0x8;
    pub const name: u64 = 0x0;
    pub const next: u64 = 0x38;
    pub const owner: u64 = 0x30;
}

pub mod hid_driver {
    pub const SIZE: u64 = 0x138;
    pub const driver: u64 = 0xa8;
    pub const name: u64 = 0x0;
}

pub mod hlist_head {
    pub const SIZE: u64 = 0x8;
}

pub mod hlist_node {
    pub const SIZE: u64 = 0x10;
}

pub mod hrtimer {
    pub const SIZE: u64 = 0x40;
    pub const _softexpires: u64 = 0x20;
    pub const base: u64 = 0x30;
    pub const function: u64 = 0x28;
    pub const state: u64 = 0x38;
}

pub mod i2c_driver {
    pub const SIZE: u64 = 0xf8;
    pub const driver: u64 = 0x38;
}

pub mod ida {
    pub const SIZE: u64 = 0x10;
}

pub mod idr {
    pub const SIZE: u64 = 0x18;
}

pub mod input_handler {
    pub const SIZE: u64 = 0x78;
    pub const name: u64 = 0x48;
}

pub mod kernel_param {
    pub const SIZE: u64 = 0x28;
    pub const arg: u64 = 0x20;
    pub const r#mod: u64 = 0x8;
    pub const name: u64 = 0x0;
    pub const ops: u64 = 0x10;
    pub const perm: u64 = 0x18;
}

pub mod kobj_type {
    pub const SIZE: u64 = 0x30;
}

pub mod kobject {
    pub const SIZE: u64 = 0x40;
    pub const entry: u64 = 0x8;
    pub const kref: u64 = 0x38;
    pub const kset: u64 = 0x20;
    pub const ktype: u64 = 0x28;
    pub const name: u64 = 0x0;
    pub const parent: u64 = 0x18;
}

pub mod kref {
    pub const SIZE: u64 = 0x4;
}

pub mod kset {
    pub const SIZE: u64 = 0x60;
}

pub mod list_head {
    pub const SIZE: u64 = 0x10;
    pub const next: u64 = 0x0;
    pub const prev: u64 = 0x8;
}

pub mod miscdevice {
    pub const SIZE: u64 = 0x50;
    pub const fops: u64 = 0x10;
    pub const list: u64 = 0x18;
    pub const minor: u64 = 0x0;
    pub const name: u64 = 0x8;
    pub const this_device: u64 = 0x30;
}

pub mod module {
    pub const SIZE: u64 = 0x380;
    pub const exit: u64 = 0x350;
    pub const init: u64 = 0x138;
    pub const name: u64 = 0x18;
    pub const refcnt: u64 = 0x358;
    pub const state: u64 = 0x0;
}

pub mod mutex {
    pub const SIZE: u64 = 0x20;
    pub const owner: u64 = 0x0;
    pub const wait_list: u64 = 0x10;
}

pub mod net {
    pub const SIZE: u64 = 0x1180;
}

pub mod net_device {
    pub const SIZE: u64 = 0x980;
    pub const name: u64 = 0x0;
}

pub mod net_proto_family {
    pub const SIZE: u64 = 0x18;
    pub const create: u64 = 0x8;
    pub const family: u64 = 0x0;
}

pub mod nls_table {
    pub const SIZE: u64 = 0x40;
    pub const charset: u64 = 0x0;
    pub const next: u64 = 0x38;
    pub const owner: u64 = 0x30;
}

pub mod notifier_block {
    pub const SIZE: u64 = 0x18;
    pub const next: u64 = 0x8;
    pub const notifier_call: u64 = 0x0;
    pub const priority: u64 = 0x10;
}

pub mod page {
    pub const SIZE: u64 = 0x40;
    pub const flags: u64 = 0x0;
}

pub mod pci_driver {
    pub const SIZE: u64 = 0x128;
    pub const driver: u64 = 0x78;
    pub const id_table: u64 = 0x18;
    pub const name: u64 = 0x10;
}

pub mod pernet_operations {
    pub const SIZE: u64 = 0x48;
    pub const exit: u64 = 0x20;
    pub const id: u64 = 0x38;
    pub const init: u64 = 0x10;
    pub const list: u64 = 0x0;
    pub const size: u64 = 0x40;
}

pub mod platform_device {
    pub const SIZE: u64 = 0x340;
    pub const dev: u64 = 0x10;
    pub const id: u64 = 0x8;
    pub const name: u64 = 0x0;
}

pub mod platform_driver {
    pub const SIZE: u64 = 0xd0;
    pub const driver: u64 = 0x30;
    pub const probe: u64 = 0x0;
}

pub mod proto {
    pub const SIZE: u64 = 0x1d0;
    pub const name: u64 = 0x198;
    pub const obj_size: u64 = 0x160;
}

pub mod raw_notifier_head {
    pub const SIZE: u64 = 0x8;
}

pub mod rtnl_link_ops {
    pub const SIZE: u64 = 0xd0;
    pub const kind: u64 = 0x10;
    pub const list: u64 = 0x0;
}

pub mod rw_semaphore {
    pub const SIZE: u64 = 0x28;
    pub const count: u64 = 0x0;
    pub const owner: u64 = 0x8;
}

pub mod serio_driver {
    pub const SIZE: u64 = 0xe0;
    pub const driver: u64 = 0x50;
}

pub mod spi_driver {
    pub const SIZE: u64 = 0xb0;
    pub const driver: u64 = 0x20;
}

pub mod spinlock {
    pub const SIZE: u64 = 0x4;
}

pub mod srcu_notifier_head {
    pub const SIZE: u64 = 0x1b0;
    pub const head: u64 = 0x1a8;
}

pub mod swait_queue_head {
    pub const SIZE: u64 = 0x18;
}

pub mod task_struct {
    pub const SIZE: u64 = 0x2640;
    pub const __state: u64 = 0x18;
    pub const comm: u64 = 0xba0;
    pub const pid: u64 = 0x970;
}

pub mod timer_list {
    pub const SIZE: u64 = 0x28;
    pub const entry: u64 = 0x0;
    pub const expires: u64 = 0x10;
    pub const flags: u64 = 0x20;
    pub const function: u64 = 0x18;
}

pub mod usb_driver {
    pub const SIZE: u64 = 0x100;
    pub const driver: u64 = 0x68;
    pub const name: u64 = 0x0;
}

pub mod wait_queue_entry {
    pub const SIZE: u64 = 0x28;
    pub const entry: u64 = 0x18;
    pub const flags: u64 = 0x0;
    pub const func: u64 = 0x10;
    pub const private: u64 = 0x8;
}

pub mod wait_queue_head {
    pub const SIZE: u64 = 0x18;
    pub const head: u64 = 0x8;
    pub const lock: u64 = 0x0;
}

pub mod work_struct {
    pub const SIZE: u64 = 0x20;
    pub const data: u64 = 0x0;
    pub const entry: u64 = 0x8;
    pub const func: u64 = 0x18;
}

pub mod x86_cpu_id {
    pub const SIZE: u64 = 0x18;
    pub const driver_data: u64 = 0x10;
    pub const family: u64 = 0x2;
    pub const feature: u64 = 0x8;
    pub const model: u64 = 0x4;
    pub const steppings: u64 = 0x6;
    pub const vendor: u64 = 0x0;
}

pub mod xarray {
    pub const SIZE: u64 = 0x10;
}
