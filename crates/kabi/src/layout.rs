//! Structure layouts of Debian's Linux 6.1.0-57-amd64 (x86_64), as its headers
//! lay them out: offsets of members and sizes, in bytes.
//!
//! GENERATED from tests/modules/kabi_layout by
//! `cargo run -p kabi --example gen-layout > crates/kabi/src/layout.rs`;
//! do not edit. `cargo test -p kabi --test layout` fails when it is stale.

#![allow(non_upper_case_globals, dead_code)]

pub mod acomp_alg {
    pub const SIZE: u64 = 0x1b0;
    pub const base: u64 = 0x30;
    pub const compress: u64 = 0x0;
    pub const decompress: u64 = 0x8;
    pub const dst_free: u64 = 0x10;
    pub const exit: u64 = 0x20;
    pub const init: u64 = 0x18;
    pub const reqsize: u64 = 0x28;
}

pub mod acomp_req {
    pub const SIZE: u64 = 0x50;
    pub const __ctx: u64 = 0x50;
    pub const base: u64 = 0x0;
    pub const dlen: u64 = 0x44;
    pub const dst: u64 = 0x38;
    pub const flags: u64 = 0x48;
    pub const slen: u64 = 0x40;
    pub const src: u64 = 0x30;
}

pub mod acpi_buffer {
    pub const SIZE: u64 = 0x10;
    pub const length: u64 = 0x0;
    pub const pointer: u64 = 0x8;
}

pub mod acpi_bus_type {
    pub const SIZE: u64 = 0x30;
    pub const find_companion: u64 = 0x20;
    pub const list: u64 = 0x0;
    pub const r#match: u64 = 0x18;
    pub const name: u64 = 0x10;
}

pub mod acpi_driver {
    pub const SIZE: u64 = 0x160;
    pub const class: u64 = 0x50;
    pub const drv: u64 = 0xc8;
    pub const flags: u64 = 0xa8;
    pub const ids: u64 = 0xa0;
    pub const name: u64 = 0x0;
    pub const ops: u64 = 0xb0;
    pub const owner: u64 = 0x158;
}

pub mod aead_alg {
    pub const SIZE: u64 = 0x1c0;
    pub const base: u64 = 0x40;
    pub const chunksize: u64 = 0x38;
    pub const decrypt: u64 = 0x18;
    pub const encrypt: u64 = 0x10;
    pub const exit: u64 = 0x28;
    pub const init: u64 = 0x20;
    pub const ivsize: u64 = 0x30;
    pub const maxauthsize: u64 = 0x34;
    pub const setauthsize: u64 = 0x8;
    pub const setkey: u64 = 0x0;
}

pub mod aead_instance {
    pub const SIZE: u64 = 0x200;
    pub const alg: u64 = 0x8;
    pub const free: u64 = 0x0;
}

pub mod aead_request {
    pub const SIZE: u64 = 0x50;
    pub const __ctx: u64 = 0x50;
    pub const assoclen: u64 = 0x30;
    pub const base: u64 = 0x0;
    pub const cryptlen: u64 = 0x34;
    pub const dst: u64 = 0x48;
    pub const iv: u64 = 0x38;
    pub const src: u64 = 0x40;
}

pub mod ahash_alg {
    pub const SIZE: u64 = 0x1d8;
    pub const base: u64 = 0x58;
    pub const digest: u64 = 0x20;
    pub const digestsize: u64 = 0x50;
    pub const exit_tfm: u64 = 0x48;
    pub const export: u64 = 0x28;
    pub const r#final: u64 = 0x10;
    pub const finup: u64 = 0x18;
    pub const halg: u64 = 0x50;
    pub const import: u64 = 0x30;
    pub const init: u64 = 0x0;
    pub const init_tfm: u64 = 0x40;
    pub const setkey: u64 = 0x38;
    pub const statesize: u64 = 0x54;
    pub const update: u64 = 0x8;
}

pub mod ahash_request {
    pub const SIZE: u64 = 0x50;
    pub const __ctx: u64 = 0x50;
    pub const base: u64 = 0x0;
    pub const nbytes: u64 = 0x30;
    pub const r#priv: u64 = 0x48;
    pub const result: u64 = 0x40;
    pub const src: u64 = 0x38;
}

pub mod akcipher_alg {
    pub const SIZE: u64 = 0x1d0;
    pub const base: u64 = 0x50;
    pub const decrypt: u64 = 0x18;
    pub const encrypt: u64 = 0x10;
    pub const exit: u64 = 0x40;
    pub const init: u64 = 0x38;
    pub const max_size: u64 = 0x30;
    pub const reqsize: u64 = 0x48;
    pub const set_priv_key: u64 = 0x28;
    pub const set_pub_key: u64 = 0x20;
    pub const sign: u64 = 0x0;
    pub const verify: u64 = 0x8;
}

pub mod akcipher_instance {
    pub const SIZE: u64 = 0x210;
    pub const alg: u64 = 0x8;
    pub const free: u64 = 0x0;
}

pub mod akcipher_request {
    pub const SIZE: u64 = 0x48;
    pub const __ctx: u64 = 0x48;
    pub const base: u64 = 0x0;
    pub const dst: u64 = 0x38;
    pub const dst_len: u64 = 0x44;
    pub const src: u64 = 0x30;
    pub const src_len: u64 = 0x40;
}

pub mod anon_transport_class {
    pub const container: u64 = 0x90;
    pub const tclass: u64 = 0x0;
}

pub mod async_domain {
    pub const SIZE: u64 = 0x18;
    pub const pending: u64 = 0x0;
}

pub mod atomic_notifier_head {
    pub const SIZE: u64 = 0x10;
    pub const head: u64 = 0x8;
}

pub mod attribute {
    pub const SIZE: u64 = 0x10;
    pub const mode: u64 = 0x8;
    pub const name: u64 = 0x0;
}

pub mod attribute_container {
    pub const SIZE: u64 = 0x60;
    pub const class: u64 = 0x38;
    pub const containers: u64 = 0x10;
    pub const flags: u64 = 0x58;
    pub const node: u64 = 0x0;
}

pub mod attribute_group {
    pub const SIZE: u64 = 0x28;
    pub const attrs: u64 = 0x18;
    pub const bin_attrs: u64 = 0x20;
    pub const is_bin_visible: u64 = 0x10;
    pub const is_visible: u64 = 0x8;
    pub const name: u64 = 0x0;
}

pub mod auxiliary_driver {
    pub const driver: u64 = 0x30;
    pub const id_table: u64 = 0xc0;
    pub const name: u64 = 0x28;
    pub const probe: u64 = 0x0;
}

pub mod backing_dev_info {
    pub const SIZE: u64 = 0x488;
    pub const bdi_list: u64 = 0x20;
    pub const capabilities: u64 = 0x44;
    pub const cgwb_release_mutex: u64 = 0x3a8;
    pub const cgwb_tree: u64 = 0x398;
    pub const debug_dir: u64 = 0x480;
    pub const dev: u64 = 0x408;
    pub const dev_name: u64 = 0x410;
    pub const id: u64 = 0x0;
    pub const io_pages: u64 = 0x38;
    pub const laptop_mode_wb_timer: u64 = 0x458;
    pub const max_prop_frac: u64 = 0x50;
    pub const max_ratio: u64 = 0x4c;
    pub const min_ratio: u64 = 0x48;
    pub const owner: u64 = 0x450;
    pub const ra_pages: u64 = 0x30;
    pub const rb_node: u64 = 0x8;
    pub const refcnt: u64 = 0x40;
    pub const tot_write_bandwidth: u64 = 0x58;
    pub const wb: u64 = 0x60;
    pub const wb_list: u64 = 0x388;
    pub const wb_switch_rwsem: u64 = 0x3c8;
    pub const wb_waitq: u64 = 0x3f0;
}

pub mod bdi_consts {
    pub const BDI_CAP_WRITEBACK: u64 = 0x1;
    pub const BDI_CAP_WRITEBACK_ACCT: u64 = 0x2;
    pub const FPROP_FRAC_BASE: u64 = 0x400;
    pub const GFP_ATOMIC: u64 = 0xa20;
    pub const NR_WB_STAT_ITEMS: u64 = 0x4;
    pub const TIMER_IRQSAFE: u64 = 0x200000;
    pub const VM_READAHEAD_PAGES: u64 = 0x20;
    pub const WB_registered: u64 = 0x0;
}

pub mod bdi_writeback {
    pub const SIZE: u64 = 0x328;
    pub const avg_write_bandwidth: u64 = 0x120;
    pub const b_attached: u64 = 0x2c0;
    pub const b_dirty: u64 = 0x18;
    pub const b_dirty_time: u64 = 0x48;
    pub const b_io: u64 = 0x28;
    pub const b_more_io: u64 = 0x38;
    pub const balanced_dirty_ratelimit: u64 = 0x130;
    pub const bdi: u64 = 0x0;
    pub const bdi_node: u64 = 0x240;
    pub const blkcg_css: u64 = 0x298;
    pub const blkcg_node: u64 = 0x2b0;
    pub const bw_dwork: u64 = 0x1e0;
    pub const bw_time_stamp: u64 = 0x100;
    pub const completions: u64 = 0x138;
    pub const dirtied_stamp: u64 = 0x108;
    pub const dirty_exceeded: u64 = 0x168;
    pub const dirty_ratelimit: u64 = 0x128;
    pub const dirty_sleep: u64 = 0x238;
    pub const dwork: u64 = 0x188;
    pub const last_old_flush: u64 = 0x10;
    pub const list_lock: u64 = 0x58;
    pub const memcg_completions: u64 = 0x260;
    pub const memcg_css: u64 = 0x290;
    pub const memcg_node: u64 = 0x2a0;
    pub const offline_node: u64 = 0x2d0;
    pub const refcnt: u64 = 0x250;
    pub const start_all_reason: u64 = 0x16c;
    pub const stat: u64 = 0x60;
    pub const state: u64 = 0x8;
    pub const switch_wbs_ctxs: u64 = 0x300;
    pub const switch_work: u64 = 0x2e0;
    pub const work_list: u64 = 0x178;
    pub const work_lock: u64 = 0x170;
    pub const write_bandwidth: u64 = 0x118;
    pub const writeback_inodes: u64 = 0x5c;
    pub const written_stamp: u64 = 0x110;
}

pub mod bin_attribute {
    pub const SIZE: u64 = 0x40;
    pub const attr: u64 = 0x0;
    pub const read: u64 = 0x28;
    pub const size: u64 = 0x10;
    pub const write: u64 = 0x30;
}

pub mod blocking_notifier_head {
    pub const SIZE: u64 = 0x30;
    pub const head: u64 = 0x28;
}

pub mod bus_attribute {
    pub const show: u64 = 0x10;
    pub const store: u64 = 0x18;
}

pub mod bus_type {
    pub const SIZE: u64 = 0xb8;
    pub const dev_groups: u64 = 0x20;
    pub const dev_name: u64 = 0x8;
    pub const dev_root: u64 = 0x10;
    pub const drv_groups: u64 = 0x28;
    pub const r#match: u64 = 0x30;
    pub const name: u64 = 0x0;
    pub const p: u64 = 0xa8;
    pub const probe: u64 = 0x40;
    pub const remove: u64 = 0x50;
    pub const shutdown: u64 = 0x58;
    pub const sync_state: u64 = 0x48;
    pub const uevent: u64 = 0x38;
}

pub mod cb_id {
    pub const idx: u64 = 0x0;
    pub const val: u64 = 0x4;
}

pub mod cdev {
    pub const SIZE: u64 = 0x68;
    pub const count: u64 = 0x64;
    pub const dev: u64 = 0x60;
    pub const kobj: u64 = 0x0;
    pub const list: u64 = 0x50;
    pub const ops: u64 = 0x48;
    pub const owner: u64 = 0x40;
}

pub mod class {
    pub const SIZE: u64 = 0x78;
    pub const class_release: u64 = 0x38;
    pub const dev_groups: u64 = 0x18;
    pub const dev_kobj: u64 = 0x20;
    pub const dev_release: u64 = 0x40;
    pub const dev_uevent: u64 = 0x28;
    pub const devnode: u64 = 0x30;
    pub const name: u64 = 0x0;
    pub const ns_type: u64 = 0x50;
    pub const owner: u64 = 0x8;
    pub const p: u64 = 0x70;
}

pub mod class_attribute {
    pub const show: u64 = 0x10;
    pub const store: u64 = 0x18;
}

pub mod class_interface {
    pub const SIZE: u64 = 0x28;
    pub const add_dev: u64 = 0x18;
    pub const class: u64 = 0x10;
    pub const node: u64 = 0x0;
    pub const remove_dev: u64 = 0x20;
}

pub mod completion {
    pub const SIZE: u64 = 0x20;
    pub const done: u64 = 0x0;
    pub const wait: u64 = 0x8;
}

pub mod consts {
    pub const CPUHP_AP_OFFLINE: u64 = 0x5d;
    pub const CPUHP_AP_ONLINE_DYN: u64 = 0xc9;
    pub const CPUHP_BP_PREPARE_DYN: u64 = 0x46;
    pub const CPUHP_ONLINE: u64 = 0xec;
    pub const NCAPINTS: u64 = 0x16;
    pub const NR_CPUS: u64 = 0x2000;
    pub const PAGE_OFFSET_BASE_DEFAULT: u64 = 0xffff888000000000;
    pub const STRUCT_PAGE_MAX_SHIFT: u64 = 0x6;
    pub const TASK_INTERRUPTIBLE: u64 = 0x1;
    pub const TASK_NORMAL: u64 = 0x3;
    pub const TASK_UNINTERRUPTIBLE: u64 = 0x2;
    pub const TIMER_DEFERRABLE: u64 = 0x80000;
    pub const TIMER_IRQSAFE: u64 = 0x200000;
    pub const WORK_OFFQ_FLAG_BASE: u64 = 0x4;
    pub const WORK_STRUCT_INACTIVE_BIT: u64 = 0x1;
    pub const WORK_STRUCT_NO_POOL: u64 = 0xfffffffe0;
    pub const WORK_STRUCT_PENDING_BIT: u64 = 0x0;
    pub const WQ_FLAG_EXCLUSIVE: u64 = 0x1;
    pub const WQ_FLAG_WOKEN: u64 = 0x2;
    pub const WQ_FREEZABLE: u64 = 0x4;
    pub const WQ_HIGHPRI: u64 = 0x10;
    pub const WQ_MEM_RECLAIM: u64 = 0x8;
    pub const WQ_UNBOUND: u64 = 0x2;
    pub const __WQ_ORDERED: u64 = 0x20000;
}

pub mod cpufreq_governor {
    pub const SIZE: u64 = 0x68;
    pub const governor_list: u64 = 0x48;
    pub const name: u64 = 0x0;
    pub const owner: u64 = 0x58;
}

pub mod cpuinfo_x86 {
    pub const SIZE: u64 = 0x120;
    pub const booted_cores: u64 = 0x108;
    pub const cpuid_level: u64 = 0x24;
    pub const extended_cpuid_level: u64 = 0x20;
    pub const loops_per_jiffy: u64 = 0xf0;
    pub const x86: u64 = 0x0;
    pub const x86_cache_alignment: u64 = 0xdc;
    pub const x86_cache_bits: u64 = 0x11c;
    pub const x86_cache_size: u64 = 0xd8;
    pub const x86_capability: u64 = 0x28;
    pub const x86_clflush_size: u64 = 0x106;
    pub const x86_max_cores: u64 = 0x100;
    pub const x86_model: u64 = 0x2;
    pub const x86_model_id: u64 = 0x98;
    pub const x86_phys_bits: u64 = 0x1d;
    pub const x86_power: u64 = 0xec;
    pub const x86_stepping: u64 = 0x3;
    pub const x86_tlbsize: u64 = 0x4;
    pub const x86_vendor: u64 = 0x1;
    pub const x86_vendor_id: u64 = 0x88;
    pub const x86_virt_bits: u64 = 0x1c;
}

pub mod cpumask {
    pub const SIZE: u64 = 0x400;
}

pub mod crypto_acomp {
    pub const SIZE: u64 = 0x40;
    pub const base: u64 = 0x20;
    pub const compress: u64 = 0x0;
    pub const decompress: u64 = 0x8;
    pub const dst_free: u64 = 0x10;
    pub const reqsize: u64 = 0x18;
}

pub mod crypto_aead {
    pub const SIZE: u64 = 0x28;
    pub const authsize: u64 = 0x0;
    pub const base: u64 = 0x8;
    pub const reqsize: u64 = 0x4;
}

pub mod crypto_aead_spawn {
    pub const SIZE: u64 = 0x30;
}

pub mod crypto_aes_ctx {
    pub const SIZE: u64 = 0x1e4;
    pub const key_dec: u64 = 0xf0;
    pub const key_enc: u64 = 0x0;
    pub const key_length: u64 = 0x1e0;
}

pub mod crypto_ahash {
    pub const SIZE: u64 = 0x68;
    pub const base: u64 = 0x48;
    pub const digest: u64 = 0x20;
    pub const export: u64 = 0x28;
    pub const r#final: u64 = 0x10;
    pub const finup: u64 = 0x18;
    pub const import: u64 = 0x30;
    pub const init: u64 = 0x0;
    pub const reqsize: u64 = 0x40;
    pub const setkey: u64 = 0x38;
    pub const update: u64 = 0x8;
}

pub mod crypto_ahash_spawn {
    pub const SIZE: u64 = 0x30;
}

pub mod crypto_akcipher {
    pub const SIZE: u64 = 0x20;
    pub const base: u64 = 0x0;
}

pub mod crypto_akcipher_spawn {
    pub const SIZE: u64 = 0x30;
}

pub mod crypto_alg {
    pub const SIZE: u64 = 0x180;
    pub const cia_decrypt: u64 = 0x158;
    pub const cia_encrypt: u64 = 0x150;
    pub const cia_max_keysize: u64 = 0x144;
    pub const cia_min_keysize: u64 = 0x140;
    pub const cia_setkey: u64 = 0x148;
    pub const coa_compress: u64 = 0x140;
    pub const coa_decompress: u64 = 0x148;
    pub const cra_alignmask: u64 = 0x2c;
    pub const cra_blocksize: u64 = 0x24;
    pub const cra_ctxsize: u64 = 0x28;
    pub const cra_destroy: u64 = 0x170;
    pub const cra_driver_name: u64 = 0xb8;
    pub const cra_exit: u64 = 0x168;
    pub const cra_flags: u64 = 0x20;
    pub const cra_init: u64 = 0x160;
    pub const cra_list: u64 = 0x0;
    pub const cra_module: u64 = 0x178;
    pub const cra_name: u64 = 0x38;
    pub const cra_priority: u64 = 0x30;
    pub const cra_refcnt: u64 = 0x34;
    pub const cra_type: u64 = 0x138;
    pub const cra_u: u64 = 0x140;
    pub const cra_users: u64 = 0x10;
}

pub mod crypto_async_request {
    pub const SIZE: u64 = 0x30;
    pub const complete: u64 = 0x10;
    pub const data: u64 = 0x18;
    pub const flags: u64 = 0x28;
    pub const list: u64 = 0x0;
    pub const tfm: u64 = 0x20;
}

pub mod crypto_attr_alg {
    pub const SIZE: u64 = 0x80;
}

pub mod crypto_attr_type {
    pub const SIZE: u64 = 0x8;
    pub const mask: u64 = 0x4;
    pub const r#type: u64 = 0x0;
}

pub mod crypto_cipher {
    pub const SIZE: u64 = 0x20;
    pub const base: u64 = 0x0;
}

pub mod crypto_cipher_spawn {
    pub const SIZE: u64 = 0x30;
}

pub mod crypto_consts {
    pub const CRYPTO_ACOMP_ALLOC_OUTPUT: u64 = 0x1;
    pub const CRYPTO_MAX_ALG_NAME: u64 = 0x80;
    pub const CRYPTO_TFM_CTX_ALIGNMENT: u64 = 0x8;
    pub const HASH_MAX_DESCSIZE: u64 = 0x170;
    pub const HASH_MAX_DIGESTSIZE: u64 = 0x40;
    pub const HASH_MAX_STATESIZE: u64 = 0x200;
    pub const MAX_ALGAPI_ALIGNMASK: u64 = 0x3f;
    pub const MAX_ALGAPI_BLOCKSIZE: u64 = 0xa0;
    pub const MAX_CIPHER_ALIGNMASK: u64 = 0xf;
    pub const MAX_CIPHER_BLOCKSIZE: u64 = 0x10;
    pub const SCOMP_SCRATCH_SIZE: u64 = 0x20000;
}

pub mod crypto_instance {
    pub const SIZE: u64 = 0x1b8;
    pub const alg: u64 = 0x0;
    pub const list: u64 = 0x188;
    pub const spawns: u64 = 0x188;
    pub const tmpl: u64 = 0x180;
}

pub mod crypto_kpp {
    pub const SIZE: u64 = 0x20;
    pub const base: u64 = 0x0;
}

pub mod crypto_kpp_spawn {
    pub const SIZE: u64 = 0x30;
}

pub mod crypto_queue {
    pub const SIZE: u64 = 0x20;
    pub const backlog: u64 = 0x10;
    pub const list: u64 = 0x0;
    pub const max_qlen: u64 = 0x1c;
    pub const qlen: u64 = 0x18;
}

pub mod crypto_scomp {
    pub const SIZE: u64 = 0x20;
    pub const base: u64 = 0x0;
}

pub mod crypto_shash {
    pub const SIZE: u64 = 0x28;
    pub const base: u64 = 0x8;
    pub const descsize: u64 = 0x0;
}

pub mod crypto_skcipher {
    pub const SIZE: u64 = 0x28;
    pub const base: u64 = 0x8;
    pub const reqsize: u64 = 0x0;
}

pub mod crypto_skcipher_spawn {
    pub const SIZE: u64 = 0x30;
}

pub mod crypto_spawn {
    pub const SIZE: u64 = 0x30;
    pub const alg: u64 = 0x10;
    pub const dead: u64 = 0x2c;
    pub const frontend: u64 = 0x20;
    pub const inst: u64 = 0x18;
    pub const list: u64 = 0x0;
    pub const mask: u64 = 0x28;
    pub const registered: u64 = 0x2d;
}

pub mod crypto_template {
    pub const SIZE: u64 = 0xa8;
    pub const create: u64 = 0x20;
    pub const instances: u64 = 0x10;
    pub const list: u64 = 0x0;
    pub const module: u64 = 0x18;
    pub const name: u64 = 0x28;
}

pub mod crypto_tfm {
    pub const SIZE: u64 = 0x20;
    pub const __crt_alg: u64 = 0x18;
    pub const __crt_ctx: u64 = 0x20;
    pub const crt_flags: u64 = 0x4;
    pub const exit: u64 = 0x10;
    pub const node: u64 = 0x8;
    pub const refcnt: u64 = 0x0;
}

pub mod crypto_type {
    pub const SIZE: u64 = 0x48;
    pub const ctxsize: u64 = 0x0;
    pub const extsize: u64 = 0x8;
    pub const free: u64 = 0x30;
    pub const init: u64 = 0x10;
    pub const init_tfm: u64 = 0x18;
    pub const maskclear: u64 = 0x3c;
    pub const maskset: u64 = 0x40;
    pub const report: u64 = 0x28;
    pub const show: u64 = 0x20;
    pub const tfmsize: u64 = 0x44;
    pub const r#type: u64 = 0x38;
}

pub mod ctl_table {
    pub const SIZE: u64 = 0x40;
    pub const child: u64 = 0x18;
    pub const data: u64 = 0x8;
    pub const extra1: u64 = 0x30;
    pub const extra2: u64 = 0x38;
    pub const maxlen: u64 = 0x10;
    pub const mode: u64 = 0x14;
    pub const proc_handler: u64 = 0x20;
    pub const procname: u64 = 0x0;
}

pub mod debugfs_blob_wrapper {
    pub const SIZE: u64 = 0x10;
    pub const data: u64 = 0x0;
    pub const size: u64 = 0x8;
}

pub mod debugfs_u32_array {
    pub const SIZE: u64 = 0x10;
    pub const array: u64 = 0x0;
    pub const n_elements: u64 = 0x8;
}

pub mod delayed_work {
    pub const SIZE: u64 = 0x58;
    pub const cpu: u64 = 0x50;
    pub const timer: u64 = 0x20;
    pub const work: u64 = 0x0;
    pub const wq: u64 = 0x48;
}

pub mod dentry {
    pub const SIZE: u64 = 0xc0;
    pub const d_inode: u64 = 0x30;
    pub const d_name: u64 = 0x20;
    pub const d_parent: u64 = 0x18;
}

pub mod dev_links_info {
    pub const consumers: u64 = 0x10;
    pub const defer_sync: u64 = 0x20;
    pub const status: u64 = 0x30;
    pub const suppliers: u64 = 0x0;
}

pub mod device {
    pub const SIZE: u64 = 0x2f0;
    pub const bus: u64 = 0x60;
    pub const class: u64 = 0x2b0;
    pub const coherent_dma_mask: u64 = 0x248;
    pub const devres_head: u64 = 0x2a0;
    pub const devres_lock: u64 = 0x29c;
    pub const devt: u64 = 0x294;
    pub const dma_mask: u64 = 0x240;
    pub const dma_pools: u64 = 0x268;
    pub const driver: u64 = 0x68;
    pub const driver_data: u64 = 0x78;
    pub const fwnode: u64 = 0x288;
    pub const groups: u64 = 0x2b8;
    pub const id: u64 = 0x298;
    pub const init_name: u64 = 0x50;
    pub const kobj: u64 = 0x0;
    pub const links: u64 = 0xa0;
    pub const mutex: u64 = 0x80;
    pub const numa_node: u64 = 0x290;
    pub const of_node: u64 = 0x280;
    pub const p: u64 = 0x48;
    pub const parent: u64 = 0x40;
    pub const platform_data: u64 = 0x70;
    pub const power_entry: u64 = 0xe8;
    pub const power_lock: u64 = 0xe4;
    pub const power_runtime_status: u64 = 0x1c4;
    pub const release: u64 = 0x2c0;
    pub const removable: u64 = 0x2e0;
    pub const r#type: u64 = 0x58;
}

pub mod device_attribute {
    pub const attr: u64 = 0x0;
    pub const show: u64 = 0x10;
    pub const store: u64 = 0x18;
}

pub mod device_driver {
    pub const SIZE: u64 = 0x90;
    pub const acpi_match_table: u64 = 0x30;
    pub const bus: u64 = 0x8;
    pub const dev_groups: u64 = 0x70;
    pub const groups: u64 = 0x68;
    pub const mod_name: u64 = 0x18;
    pub const name: u64 = 0x0;
    pub const of_match_table: u64 = 0x28;
    pub const owner: u64 = 0x10;
    pub const p: u64 = 0x88;
    pub const probe: u64 = 0x38;
    pub const probe_type: u64 = 0x24;
    pub const remove: u64 = 0x48;
    pub const shutdown: u64 = 0x50;
    pub const suppress_bind_attrs: u64 = 0x20;
}

pub mod device_type {
    pub const SIZE: u64 = 0x30;
    pub const devnode: u64 = 0x18;
    pub const groups: u64 = 0x8;
    pub const name: u64 = 0x0;
    pub const release: u64 = 0x20;
    pub const uevent: u64 = 0x10;
}

pub mod dh {
    pub const SIZE: u64 = 0x28;
    pub const g: u64 = 0x10;
    pub const g_size: u64 = 0x20;
    pub const key: u64 = 0x0;
    pub const key_size: u64 = 0x18;
    pub const p: u64 = 0x8;
    pub const p_size: u64 = 0x1c;
}

pub mod dmi_device {
    pub const SIZE: u64 = 0x28;
    pub const list: u64 = 0x0;
    pub const name: u64 = 0x18;
    pub const r#type: u64 = 0x10;
}

pub mod dmi_strmatch {
    pub const SIZE: u64 = 0x50;
    pub const substr: u64 = 0x1;
}

pub mod dmi_system_id {
    pub const SIZE: u64 = 0x158;
    pub const callback: u64 = 0x0;
    pub const driver_data: u64 = 0x150;
    pub const ident: u64 = 0x8;
    pub const matches: u64 = 0x10;
}

pub mod driver_attribute {
    pub const show: u64 = 0x10;
    pub const store: u64 = 0x18;
}

pub mod ecdh {
    pub const SIZE: u64 = 0x10;
    pub const key: u64 = 0x0;
    pub const key_size: u64 = 0x8;
}

pub mod efi {
    pub const SIZE: u64 = 0x108;
    pub const acpi: u64 = 0x10;
    pub const acpi20: u64 = 0x18;
    pub const coco_secret: u64 = 0x50;
    pub const esrt: u64 = 0x30;
    pub const flags: u64 = 0x100;
    pub const memmap: u64 = 0xc8;
    pub const mokvar_table: u64 = 0x48;
    pub const runtime: u64 = 0x0;
    pub const runtime_supported_mask: u64 = 0xc;
    pub const runtime_version: u64 = 0x8;
    pub const smbios: u64 = 0x20;
    pub const smbios3: u64 = 0x28;
    pub const tpm_final_log: u64 = 0x40;
    pub const tpm_log: u64 = 0x38;
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

pub mod firmware {
    pub const SIZE: u64 = 0x18;
    pub const data: u64 = 0x8;
    pub const r#priv: u64 = 0x10;
    pub const size: u64 = 0x0;
}

pub mod fprop_local_percpu {
    pub const SIZE: u64 = 0x30;
    pub const events: u64 = 0x0;
    pub const lock: u64 = 0x2c;
    pub const period: u64 = 0x28;
}

pub mod fs_consts {
    pub const FS_REQUIRES_DEV: u64 = 0x1;
}

pub mod genl_family {
    pub const SIZE: u64 = 0x68;
    pub const hdrsize: u64 = 0x4;
    pub const id: u64 = 0x0;
    pub const maxattr: u64 = 0x1c;
    pub const mcgrp_offset: u64 = 0x20;
    pub const mcgrps: u64 = 0x58;
    pub const module: u64 = 0x60;
    pub const n_mcgrps: u64 = 0x27;
    pub const n_ops: u64 = 0x25;
    pub const n_small_ops: u64 = 0x26;
    pub const name: u64 = 0x8;
    pub const ops: u64 = 0x48;
    pub const resv_start_op: u64 = 0x28;
    pub const small_ops: u64 = 0x50;
    pub const version: u64 = 0x18;
}

pub mod genl_multicast_group {
    pub const SIZE: u64 = 0x11;
    pub const name: u64 = 0x0;
}

pub mod genl_ops {
    pub const SIZE: u64 = 0x30;
    pub const cmd: u64 = 0x2c;
    pub const doit: u64 = 0x0;
    pub const dumpit: u64 = 0x10;
    pub const validate: u64 = 0x2f;
}

pub mod genl_small_ops {
    pub const SIZE: u64 = 0x18;
    pub const cmd: u64 = 0x10;
    pub const doit: u64 = 0x0;
    pub const dumpit: u64 = 0x8;
    pub const validate: u64 = 0x13;
}

pub mod gfp {
    pub const COMP: u64 = 0x40000;
    pub const DMA: u64 = 0x1;
    pub const DMA32: u64 = 0x4;
    pub const HIGHMEM: u64 = 0x2;
    pub const NOWARN: u64 = 0x2000;
    pub const ZERO: u64 = 0x100;
}

pub mod hash_alg_common {
    pub const SIZE: u64 = 0x188;
    pub const base: u64 = 0x8;
    pub const digestsize: u64 = 0x0;
    pub const statesize: u64 = 0x4;
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
    pub const is_hard: u64 = 0x3b;
    pub const is_rel: u64 = 0x39;
    pub const is_soft: u64 = 0x3a;
    pub const node: u64 = 0x0;
    pub const node_expires: u64 = 0x18;
    pub const state: u64 = 0x38;
}

pub mod hrtimer_clock_base {
    pub const SIZE: u64 = 0x40;
    pub const clockid: u64 = 0xc;
    pub const get_time: u64 = 0x30;
    pub const index: u64 = 0x8;
    pub const offset: u64 = 0x38;
    pub const running: u64 = 0x18;
}

pub mod i2c_driver {
    pub const SIZE: u64 = 0xf8;
    pub const clients: u64 = 0xe0;
    pub const driver: u64 = 0x38;
}

pub mod ida {
    pub const SIZE: u64 = 0x10;
    pub const xa: u64 = 0x0;
}

pub mod idr {
    pub const SIZE: u64 = 0x18;
    pub const idr_base: u64 = 0x10;
    pub const idr_next: u64 = 0x14;
    pub const idr_rt: u64 = 0x0;
}

pub mod inet6_protocol {
    pub const SIZE: u64 = 0x18;
}

pub mod inode {
    pub const SIZE: u64 = 0x278;
    pub const i_mode: u64 = 0x0;
    pub const i_private: u64 = 0x270;
}

pub mod input_handler {
    pub const SIZE: u64 = 0x78;
    pub const filter: u64 = 0x18;
    pub const h_list: u64 = 0x58;
    pub const legacy_minors: u64 = 0x40;
    pub const minor: u64 = 0x44;
    pub const name: u64 = 0x48;
    pub const node: u64 = 0x68;
}

pub mod kernel_param {
    pub const SIZE: u64 = 0x28;
    pub const arg: u64 = 0x20;
    pub const r#mod: u64 = 0x8;
    pub const name: u64 = 0x0;
    pub const ops: u64 = 0x10;
    pub const perm: u64 = 0x18;
}

pub mod key {
    pub const SIZE: u64 = 0xe8;
    pub const datalen: u64 = 0x76;
    pub const description: u64 = 0xa8;
    pub const flags: u64 = 0x80;
    pub const gid: u64 = 0x6c;
    pub const keys: u64 = 0xd0;
    pub const payload: u64 = 0xc0;
    pub const perm: u64 = 0x70;
    pub const sem: u64 = 0x20;
    pub const serial: u64 = 0x4;
    pub const state: u64 = 0x78;
    pub const r#type: u64 = 0x98;
    pub const uid: u64 = 0x68;
    pub const usage: u64 = 0x0;
}

pub mod key_type {
    pub const SIZE: u64 = 0xb0;
    pub const name: u64 = 0x0;
}

pub mod klist {
    pub const get: u64 = 0x18;
    pub const k_list: u64 = 0x8;
    pub const k_lock: u64 = 0x0;
    pub const put: u64 = 0x20;
}

pub mod kobj_attribute {
    pub const attr: u64 = 0x0;
    pub const show: u64 = 0x10;
    pub const store: u64 = 0x18;
}

pub mod kobj_type {
    pub const SIZE: u64 = 0x30;
    pub const child_ns_type: u64 = 0x18;
    pub const default_groups: u64 = 0x10;
    pub const namespace: u64 = 0x20;
    pub const release: u64 = 0x0;
    pub const sysfs_ops: u64 = 0x8;
}

pub mod kobj_uevent_env {
    pub const BUFFER_SIZE: u64 = 0x800;
    pub const NUM_ENVP: u64 = 0x40;
    pub const SIZE: u64 = 0xa20;
    pub const argv: u64 = 0x0;
    pub const buf: u64 = 0x21c;
    pub const buflen: u64 = 0xa1c;
    pub const envp: u64 = 0x18;
    pub const envp_idx: u64 = 0x218;
}

pub mod kobject {
    pub const SIZE: u64 = 0x40;
    pub const entry: u64 = 0x8;
    pub const kref: u64 = 0x38;
    pub const kset: u64 = 0x20;
    pub const ktype: u64 = 0x28;
    pub const name: u64 = 0x0;
    pub const parent: u64 = 0x18;
    pub const sd: u64 = 0x30;
    pub const state: u64 = 0x3c;
}

pub mod kpp_alg {
    pub const SIZE: u64 = 0x1b8;
    pub const base: u64 = 0x38;
    pub const compute_shared_secret: u64 = 0x10;
    pub const exit: u64 = 0x28;
    pub const generate_public_key: u64 = 0x8;
    pub const init: u64 = 0x20;
    pub const max_size: u64 = 0x18;
    pub const reqsize: u64 = 0x30;
    pub const set_secret: u64 = 0x0;
}

pub mod kpp_instance {
    pub const SIZE: u64 = 0x1f8;
    pub const alg: u64 = 0x8;
    pub const free: u64 = 0x0;
}

pub mod kpp_request {
    pub const SIZE: u64 = 0x48;
    pub const __ctx: u64 = 0x48;
    pub const base: u64 = 0x0;
    pub const dst: u64 = 0x38;
    pub const dst_len: u64 = 0x44;
    pub const src: u64 = 0x30;
    pub const src_len: u64 = 0x40;
}

pub mod kpp_secret {
    pub const SIZE: u64 = 0x4;
    pub const len: u64 = 0x2;
    pub const r#type: u64 = 0x0;
}

pub mod kref {
    pub const SIZE: u64 = 0x4;
}

pub mod kset {
    pub const SIZE: u64 = 0x60;
    pub const kobj: u64 = 0x18;
    pub const list: u64 = 0x0;
    pub const list_lock: u64 = 0x10;
    pub const uevent_ops: u64 = 0x58;
}

pub mod kset_uevent_ops {
    pub const filter: u64 = 0x0;
    pub const name: u64 = 0x8;
    pub const uevent: u64 = 0x10;
}

pub mod ktermios {
    pub const SIZE: u64 = 0x2c;
    pub const c_cc: u64 = 0x11;
    pub const c_cflag: u64 = 0x8;
    pub const c_iflag: u64 = 0x0;
    pub const c_ispeed: u64 = 0x24;
    pub const c_lflag: u64 = 0xc;
    pub const c_line: u64 = 0x10;
    pub const c_oflag: u64 = 0x4;
    pub const c_ospeed: u64 = 0x28;
}

pub mod kthread_delayed_work {
    pub const SIZE: u64 = 0x50;
    pub const timer: u64 = 0x28;
}

pub mod kthread_work {
    pub const SIZE: u64 = 0x28;
    pub const canceling: u64 = 0x20;
    pub const func: u64 = 0x10;
    pub const node: u64 = 0x0;
    pub const worker: u64 = 0x18;
}

pub mod kthread_worker {
    pub const SIZE: u64 = 0x38;
    pub const current_work: u64 = 0x30;
    pub const delayed_work_list: u64 = 0x18;
    pub const flags: u64 = 0x0;
    pub const lock: u64 = 0x4;
    pub const task: u64 = 0x28;
    pub const work_list: u64 = 0x8;
}

pub mod led_trigger {
    pub const SIZE: u64 = 0x58;
    pub const led_cdevs: u64 = 0x30;
    pub const leddev_list_lock: u64 = 0x28;
    pub const name: u64 = 0x0;
    pub const next_trig: u64 = 0x40;
    pub const trigger_type: u64 = 0x20;
}

pub mod list_head {
    pub const SIZE: u64 = 0x10;
    pub const next: u64 = 0x0;
    pub const prev: u64 = 0x8;
}

pub mod mempool_s {
    pub const SIZE: u64 = 0x48;
    pub const alloc: u64 = 0x20;
    pub const curr_nr: u64 = 0x8;
    pub const elements: u64 = 0x10;
    pub const free: u64 = 0x28;
    pub const lock: u64 = 0x0;
    pub const min_nr: u64 = 0x4;
    pub const pool_data: u64 = 0x18;
    pub const wait: u64 = 0x30;
}

pub mod misc {
    pub const CPUFREQ_NAME_LEN: u64 = 0x10;
    pub const PADATA_INIT: u64 = 0x1;
    pub const PADATA_INVALID: u64 = 0x4;
    pub const PADATA_RESET: u64 = 0x2;
    pub const PROC_UTS_INIT_INO: u64 = 0xeffffffe;
    pub const RATELIMIT_MSG_ON_RELEASE: u64 = 0x1;
    pub const SKB_DROP_REASON_NOT_SPECIFIED: u64 = 0x1;
}

pub mod miscdevice {
    pub const SIZE: u64 = 0x50;
    pub const fops: u64 = 0x10;
    pub const groups: u64 = 0x38;
    pub const list: u64 = 0x18;
    pub const minor: u64 = 0x0;
    pub const mode: u64 = 0x48;
    pub const name: u64 = 0x8;
    pub const nodename: u64 = 0x40;
    pub const parent: u64 = 0x28;
    pub const this_device: u64 = 0x30;
}

pub mod mm {
    pub const ARCH_KMALLOC_MINALIGN: u64 = 0x8;
    pub const COMPOUND_PAGE_DTOR: u64 = 0x1;
    pub const IDA_FLAGS: u64 = 0x8000005;
    pub const IDR_RT_MARKER: u64 = 0x8000004;
    pub const KMALLOC_MAX_CACHE_SIZE: u64 = 0x2000;
    pub const KMALLOC_MAX_SIZE: u64 = 0x400000;
    pub const KMALLOC_SHIFT_HIGH: u64 = 0xd;
    pub const L1_CACHE_BYTES: u64 = 0x40;
    pub const MAX_ORDER: u64 = 0xb;
    pub const NODES_PGSHIFT: u64 = 0x36;
    pub const NR_KMALLOC_TYPES: u64 = 0x4;
    pub const PCPU_MIN_UNIT_SIZE: u64 = 0x8000;
    pub const PG_head: u64 = 0x10;
    pub const PG_reserved: u64 = 0xc;
    pub const PG_slab: u64 = 0x9;
    pub const ROOT_TAG_SHIFT: u64 = 0x1b;
    pub const SG_CHAIN: u64 = 0x1;
    pub const SG_END: u64 = 0x2;
    pub const SG_MAX_SINGLE_ALLOC: u64 = 0x80;
    pub const SG_MITER_ATOMIC: u64 = 0x1;
    pub const SG_MITER_FROM_SG: u64 = 0x4;
    pub const SG_MITER_TO_SG: u64 = 0x2;
    pub const SHRINKER_MEMCG_AWARE: u64 = 0x4;
    pub const SHRINKER_NUMA_AWARE: u64 = 0x2;
    pub const SHRINKER_REGISTERED: u64 = 0x1;
    pub const SLAB_HWCACHE_ALIGN: u64 = 0x2000;
    pub const SLAB_PANIC: u64 = 0x40000;
    pub const SLAB_TYPESAFE_BY_RCU: u64 = 0x80000;
    pub const ZONES_PGSHIFT: u64 = 0x33;
    pub const ZONE_NORMAL: u64 = 0x2;
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
    pub const dev_base_head: u64 = 0x98;
    pub const diag_nlsk: u64 = 0x1108;
    pub const exit_list: u64 = 0x30;
    pub const gen: u64 = 0xc48;
    pub const genl_sock: u64 = 0x120;
    pub const ifindex: u64 = 0x10;
    pub const list: u64 = 0x20;
    pub const nf_loggers: u64 = 0xa40;
    pub const ns: u64 = 0x80;
    pub const ns_count: u64 = 0x94;
    pub const ns_inum: u64 = 0x90;
    pub const passive: u64 = 0x0;
    pub const proc_net: u64 = 0xa8;
    pub const rtnl: u64 = 0x118;
    pub const rules_ops: u64 = 0x158;
    pub const user_ns: u64 = 0x58;
}

pub mod net_consts {
    pub const AF_MAX: u64 = 0x2e;
    pub const MAX_IPTUN_ENCAP_OPS: u64 = 0x8;
    pub const MAX_LINKS: u64 = 0x20;
    pub const NFPROTO_NUMPROTO: u64 = 0xb;
    pub const NPROTO: u64 = 0x2e;
    pub const PROTO_INUSE_NR: u64 = 0x40;
    pub const RTM_NR_MSGTYPES: u64 = 0x6c;
    pub const TCP_CA_NAME_MAX: u64 = 0x10;
    pub const TCP_ULP_NAME_MAX: u64 = 0x10;
}

pub mod net_device {
    pub const SIZE: u64 = 0x980;
    pub const name: u64 = 0x0;
}

pub mod net_generic {
    pub const SIZE: u64 = 0x18;
    pub const ptr: u64 = 0x0;
}

pub mod net_offload {
    pub const SIZE: u64 = 0x20;
}

pub mod net_proto_family {
    pub const SIZE: u64 = 0x18;
    pub const create: u64 = 0x8;
    pub const family: u64 = 0x0;
    pub const owner: u64 = 0x10;
}

pub mod net_protocol {
    pub const SIZE: u64 = 0x18;
}

pub mod netlink_kernel_cfg {
    pub const SIZE: u64 = 0x30;
    pub const bind: u64 = 0x18;
    pub const cb_mutex: u64 = 0x10;
    pub const compare: u64 = 0x28;
    pub const flags: u64 = 0x4;
    pub const groups: u64 = 0x0;
    pub const input: u64 = 0x8;
    pub const unbind: u64 = 0x20;
}

pub mod new_utsname {
    pub const SIZE: u64 = 0x186;
    pub const domainname: u64 = 0x145;
    pub const machine: u64 = 0x104;
    pub const nodename: u64 = 0x41;
    pub const release: u64 = 0x82;
    pub const sysname: u64 = 0x0;
    pub const version: u64 = 0xc3;
}

pub mod nf_logger {
    pub const name: u64 = 0x0;
    pub const r#type: u64 = 0x8;
}

pub mod nf_sockopt_ops {
    pub const get_optmax: u64 = 0x2c;
    pub const get_optmin: u64 = 0x28;
    pub const list: u64 = 0x0;
    pub const pf: u64 = 0x10;
    pub const set_optmax: u64 = 0x18;
    pub const set_optmin: u64 = 0x14;
}

pub mod nfs_ssc_client_ops_tbl {
    pub const SIZE: u64 = 0x10;
    pub const ssc_nfs4_ops: u64 = 0x0;
    pub const ssc_nfs_ops: u64 = 0x8;
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

pub mod ns_common {
    pub const count: u64 = 0x14;
    pub const inum: u64 = 0x10;
}

pub mod nsproxy {
    pub const SIZE: u64 = 0x48;
    pub const cgroup_ns: u64 = 0x40;
    pub const count: u64 = 0x0;
    pub const ipc_ns: u64 = 0x10;
    pub const mnt_ns: u64 = 0x18;
    pub const net_ns: u64 = 0x28;
    pub const pid_ns_for_children: u64 = 0x20;
    pub const time_ns: u64 = 0x30;
    pub const time_ns_for_children: u64 = 0x38;
    pub const uts_ns: u64 = 0x8;
}

pub mod of_device_id {
    pub const SIZE: u64 = 0xc8;
    pub const compatible: u64 = 0x40;
}

pub mod packet_type {
    pub const SIZE: u64 = 0x48;
    pub const dev: u64 = 0x8;
    pub const func: u64 = 0x10;
    pub const list: u64 = 0x38;
    pub const r#type: u64 = 0x0;
}

pub mod padata_cpumask {
    pub const SIZE: u64 = 0x10;
    pub const cbcpu: u64 = 0x8;
    pub const pcpu: u64 = 0x0;
}

pub mod padata_instance {
    pub const SIZE: u64 = 0xb0;
    pub const cpumask: u64 = 0x30;
    pub const flags: u64 = 0xa8;
    pub const kobj: u64 = 0x48;
    pub const lock: u64 = 0x88;
    pub const parallel_wq: u64 = 0x10;
    pub const pslist: u64 = 0x20;
    pub const serial_wq: u64 = 0x18;
}

pub mod padata_priv {
    pub const SIZE: u64 = 0x38;
    pub const cb_cpu: u64 = 0x18;
    pub const info: u64 = 0x20;
    pub const list: u64 = 0x0;
    pub const parallel: u64 = 0x28;
    pub const pd: u64 = 0x10;
    pub const seq_nr: u64 = 0x1c;
    pub const serial: u64 = 0x30;
}

pub mod padata_shell {
    pub const SIZE: u64 = 0x28;
    pub const list: u64 = 0x18;
    pub const opd: u64 = 0x10;
    pub const pd: u64 = 0x8;
    pub const pinst: u64 = 0x0;
}

pub mod page {
    pub const SIZE: u64 = 0x40;
    pub const _mapcount: u64 = 0x30;
    pub const _refcount: u64 = 0x34;
    pub const compound_dtor: u64 = 0x10;
    pub const compound_head: u64 = 0x8;
    pub const compound_mapcount: u64 = 0x14;
    pub const compound_nr: u64 = 0x1c;
    pub const compound_order: u64 = 0x11;
    pub const compound_pincount: u64 = 0x18;
    pub const flags: u64 = 0x0;
    pub const index: u64 = 0x20;
    pub const mapping: u64 = 0x18;
    pub const private: u64 = 0x28;
}

pub mod pci_driver {
    pub const SIZE: u64 = 0x128;
    pub const dev_groups: u64 = 0x70;
    pub const driver: u64 = 0x78;
    pub const dynids: u64 = 0x108;
    pub const groups: u64 = 0x68;
    pub const id_table: u64 = 0x18;
    pub const name: u64 = 0x10;
}

pub mod pci_dynids {
    pub const SIZE: u64 = 0x18;
    pub const list: u64 = 0x8;
    pub const lock: u64 = 0x0;
}

pub mod percpu_counter {
    pub const SIZE: u64 = 0x28;
    pub const count: u64 = 0x8;
    pub const counters: u64 = 0x20;
    pub const list: u64 = 0x10;
    pub const lock: u64 = 0x0;
}

pub mod pernet_operations {
    pub const SIZE: u64 = 0x48;
    pub const exit: u64 = 0x20;
    pub const exit_batch: u64 = 0x28;
    pub const exit_batch_rtnl: u64 = 0x30;
    pub const id: u64 = 0x38;
    pub const init: u64 = 0x10;
    pub const list: u64 = 0x0;
    pub const pre_exit: u64 = 0x18;
    pub const size: u64 = 0x40;
}

pub mod platform_device {
    pub const SIZE: u64 = 0x340;
    pub const dev: u64 = 0x10;
    pub const dma_parms: u64 = 0x308;
    pub const driver_override: u64 = 0x330;
    pub const id: u64 = 0x8;
    pub const id_auto: u64 = 0xc;
    pub const id_entry: u64 = 0x328;
    pub const mfd_cell: u64 = 0x338;
    pub const name: u64 = 0x0;
    pub const num_resources: u64 = 0x318;
    pub const platform_dma_mask: u64 = 0x300;
    pub const resource: u64 = 0x320;
}

pub mod platform_device_id {
    pub const NAME_SIZE: u64 = 0x14;
    pub const SIZE: u64 = 0x20;
    pub const driver_data: u64 = 0x18;
    pub const name: u64 = 0x0;
}

pub mod platform_device_info {
    pub const SIZE: u64 = 0x58;
    pub const data: u64 = 0x38;
    pub const dma_mask: u64 = 0x48;
    pub const fwnode: u64 = 0x8;
    pub const id: u64 = 0x20;
    pub const name: u64 = 0x18;
    pub const num_res: u64 = 0x30;
    pub const of_node_reused: u64 = 0x10;
    pub const parent: u64 = 0x0;
    pub const properties: u64 = 0x50;
    pub const res: u64 = 0x28;
    pub const size_data: u64 = 0x40;
}

pub mod platform_driver {
    pub const SIZE: u64 = 0xd0;
    pub const driver: u64 = 0x30;
    pub const id_table: u64 = 0xc0;
    pub const prevent_deferred_probe: u64 = 0xc8;
    pub const probe: u64 = 0x0;
    pub const remove: u64 = 0x8;
    pub const shutdown: u64 = 0x18;
}

pub mod pnp_driver {
    pub const SIZE: u64 = 0xd0;
    pub const driver: u64 = 0x40;
    pub const flags: u64 = 0x10;
    pub const id_table: u64 = 0x8;
    pub const name: u64 = 0x0;
    pub const probe: u64 = 0x18;
    pub const remove: u64 = 0x20;
    pub const resume: u64 = 0x38;
    pub const shutdown: u64 = 0x28;
    pub const suspend: u64 = 0x30;
}

pub mod proto {
    pub const SIZE: u64 = 0x1d0;
    pub const inuse_idx: u64 = 0xe0;
    pub const memory_allocated: u64 = 0x110;
    pub const name: u64 = 0x198;
    pub const node: u64 = 0x1b8;
    pub const obj_size: u64 = 0x160;
    pub const per_cpu_fw_alloc: u64 = 0x118;
    pub const rsk_prot: u64 = 0x178;
    pub const slab: u64 = 0x158;
    pub const slab_flags: u64 = 0x164;
    pub const sysctl_mem: u64 = 0x130;
    pub const twsk_prot: u64 = 0x180;
    pub const useroffset: u64 = 0x168;
    pub const usersize: u64 = 0x16c;
}

pub mod qdisc_class_ops {
    pub const bind_tcf: u64 = 0x50;
    pub const find: u64 = 0x28;
    pub const leaf: u64 = 0x18;
    pub const tcf_block: u64 = 0x48;
    pub const unbind_tcf: u64 = 0x58;
    pub const walk: u64 = 0x40;
}

pub mod qdisc_ops {
    pub const SIZE: u64 = 0xb0;
    pub const cl_ops: u64 = 0x8;
    pub const dequeue: u64 = 0x30;
    pub const enqueue: u64 = 0x28;
    pub const id: u64 = 0x10;
    pub const next: u64 = 0x0;
    pub const peek: u64 = 0x38;
}

pub mod qstr {
    pub const SIZE: u64 = 0x10;
    pub const hash_len: u64 = 0x0;
    pub const name: u64 = 0x8;
}

pub mod ratelimit_state {
    pub const SIZE: u64 = 0x28;
    pub const begin: u64 = 0x18;
    pub const burst: u64 = 0x8;
    pub const flags: u64 = 0x20;
    pub const interval: u64 = 0x4;
    pub const lock: u64 = 0x0;
    pub const missed: u64 = 0x10;
    pub const printed: u64 = 0xc;
}

pub mod raw_notifier_head {
    pub const SIZE: u64 = 0x8;
    pub const head: u64 = 0x0;
}

pub mod rb_node {
    pub const SIZE: u64 = 0x18;
    pub const __rb_parent_color: u64 = 0x0;
    pub const rb_left: u64 = 0x10;
    pub const rb_right: u64 = 0x8;
}

pub mod rb_root_cached {
    pub const rb_leftmost: u64 = 0x8;
    pub const rb_root: u64 = 0x0;
}

pub mod rcu_head {
    pub const SIZE: u64 = 0x10;
    pub const func: u64 = 0x8;
    pub const next: u64 = 0x0;
}

pub mod request_sock_ops {
    pub const obj_size: u64 = 0x4;
    pub const slab: u64 = 0x8;
    pub const slab_name: u64 = 0x10;
}

pub mod resource {
    pub const SIZE: u64 = 0x40;
    pub const child: u64 = 0x38;
    pub const desc: u64 = 0x20;
    pub const end: u64 = 0x8;
    pub const flags: u64 = 0x18;
    pub const name: u64 = 0x10;
    pub const parent: u64 = 0x28;
    pub const sibling: u64 = 0x30;
    pub const start: u64 = 0x0;
}

pub mod rng_alg {
    pub const SIZE: u64 = 0x1a0;
    pub const base: u64 = 0x20;
    pub const seedsize: u64 = 0x18;
}

pub mod rsa_key {
    pub const SIZE: u64 = 0x80;
    pub const d: u64 = 0x10;
    pub const d_sz: u64 = 0x50;
    pub const dp: u64 = 0x28;
    pub const dp_sz: u64 = 0x68;
    pub const dq: u64 = 0x30;
    pub const dq_sz: u64 = 0x70;
    pub const e: u64 = 0x8;
    pub const e_sz: u64 = 0x48;
    pub const n: u64 = 0x0;
    pub const n_sz: u64 = 0x40;
    pub const p: u64 = 0x18;
    pub const p_sz: u64 = 0x58;
    pub const q: u64 = 0x20;
    pub const q_sz: u64 = 0x60;
    pub const qinv: u64 = 0x38;
    pub const qinv_sz: u64 = 0x78;
}

pub mod rtattr {
    pub const SIZE: u64 = 0x4;
    pub const rta_len: u64 = 0x0;
    pub const rta_type: u64 = 0x2;
}

pub mod rtnl_af_ops {
    pub const list: u64 = 0x0;
}

pub mod rtnl_link_ops {
    pub const SIZE: u64 = 0xd0;
    pub const alloc: u64 = 0x20;
    pub const dellink: u64 = 0x58;
    pub const kind: u64 = 0x10;
    pub const list: u64 = 0x0;
    pub const maxtype: u64 = 0x34;
    pub const setup: u64 = 0x28;
    pub const slave_maxtype: u64 = 0x90;
}

pub mod rw_semaphore {
    pub const SIZE: u64 = 0x28;
    pub const count: u64 = 0x0;
    pub const owner: u64 = 0x8;
    pub const wait_list: u64 = 0x18;
    pub const wait_lock: u64 = 0x14;
}

pub mod scatter_walk {
    pub const SIZE: u64 = 0x10;
    pub const offset: u64 = 0x8;
    pub const sg: u64 = 0x0;
}

pub mod scatterlist {
    pub const SIZE: u64 = 0x20;
    pub const dma_address: u64 = 0x10;
    pub const dma_length: u64 = 0x18;
    pub const length: u64 = 0xc;
    pub const offset: u64 = 0x8;
    pub const page_link: u64 = 0x0;
}

pub mod scomp_alg {
    pub const SIZE: u64 = 0x1a0;
    pub const alloc_ctx: u64 = 0x0;
    pub const base: u64 = 0x20;
    pub const compress: u64 = 0x10;
    pub const decompress: u64 = 0x18;
    pub const free_ctx: u64 = 0x8;
}

pub mod seq_file {
    pub const tty_private: u64 = 0x70;
}

pub mod serdev_device_driver {
    pub const SIZE: u64 = 0xa0;
    pub const driver: u64 = 0x0;
    pub const probe: u64 = 0x90;
    pub const remove: u64 = 0x98;
}

pub mod serio_driver {
    pub const SIZE: u64 = 0xe0;
    pub const description: u64 = 0x0;
    pub const driver: u64 = 0x50;
    pub const manual_bind: u64 = 0x10;
}

pub mod sg_mapping_iter {
    pub const SIZE: u64 = 0x48;
    pub const addr: u64 = 0x8;
    pub const consumed: u64 = 0x18;
    pub const flags: u64 = 0x40;
    pub const length: u64 = 0x10;
    pub const offset_: u64 = 0x38;
    pub const page: u64 = 0x0;
    pub const piter_nents: u64 = 0x2c;
    pub const piter_pg_advance: u64 = 0x30;
    pub const piter_sg: u64 = 0x20;
    pub const piter_sg_pgoffset: u64 = 0x28;
    pub const remaining: u64 = 0x3c;
}

pub mod sg_table {
    pub const SIZE: u64 = 0x10;
    pub const nents: u64 = 0x8;
    pub const orig_nents: u64 = 0xc;
    pub const sgl: u64 = 0x0;
}

pub mod sha1_state {
    pub const SIZE: u64 = 0x60;
    pub const buffer: u64 = 0x20;
    pub const count: u64 = 0x18;
    pub const state: u64 = 0x0;
}

pub mod sha256_state {
    pub const SIZE: u64 = 0x68;
    pub const buf: u64 = 0x28;
    pub const count: u64 = 0x20;
    pub const state: u64 = 0x0;
}

pub mod shash_alg {
    pub const SIZE: u64 = 0x1e0;
    pub const base: u64 = 0x60;
    pub const descsize: u64 = 0x50;
    pub const digest: u64 = 0x20;
    pub const digestsize: u64 = 0x58;
    pub const exit_tfm: u64 = 0x48;
    pub const export: u64 = 0x28;
    pub const r#final: u64 = 0x10;
    pub const finup: u64 = 0x18;
    pub const import: u64 = 0x30;
    pub const init: u64 = 0x0;
    pub const init_tfm: u64 = 0x40;
    pub const setkey: u64 = 0x38;
    pub const statesize: u64 = 0x5c;
    pub const update: u64 = 0x8;
}

pub mod shash_desc {
    pub const SIZE: u64 = 0x8;
    pub const __ctx: u64 = 0x8;
    pub const tfm: u64 = 0x0;
}

pub mod shrinker {
    pub const SIZE: u64 = 0x40;
    pub const flags: u64 = 0x1c;
    pub const id: u64 = 0x30;
    pub const list: u64 = 0x20;
    pub const nr_deferred: u64 = 0x38;
}

pub mod sk_buff_head {
    pub const SIZE: u64 = 0x18;
    pub const lock: u64 = 0x14;
    pub const next: u64 = 0x0;
    pub const prev: u64 = 0x8;
    pub const qlen: u64 = 0x10;
}

pub mod skcipher_alg {
    pub const SIZE: u64 = 0x1c0;
    pub const base: u64 = 0x40;
    pub const chunksize: u64 = 0x34;
    pub const decrypt: u64 = 0x10;
    pub const encrypt: u64 = 0x8;
    pub const exit: u64 = 0x20;
    pub const init: u64 = 0x18;
    pub const ivsize: u64 = 0x30;
    pub const max_keysize: u64 = 0x2c;
    pub const min_keysize: u64 = 0x28;
    pub const setkey: u64 = 0x0;
    pub const walksize: u64 = 0x38;
}

pub mod skcipher_instance {
    pub const SIZE: u64 = 0x200;
    pub const alg: u64 = 0x8;
    pub const free: u64 = 0x0;
}

pub mod skcipher_request {
    pub const SIZE: u64 = 0x50;
    pub const __ctx: u64 = 0x50;
    pub const base: u64 = 0x20;
    pub const cryptlen: u64 = 0x0;
    pub const dst: u64 = 0x18;
    pub const iv: u64 = 0x8;
    pub const src: u64 = 0x10;
}

pub mod skcipher_walk {
    pub const SIZE: u64 = 0x98;
    pub const alignmask: u64 = 0x90;
    pub const blocksize: u64 = 0x88;
    pub const buffer: u64 = 0x68;
    pub const buffers: u64 = 0x50;
    pub const dst_virt: u64 = 0x18;
    pub const flags: u64 = 0x84;
    pub const r#in: u64 = 0x20;
    pub const iv: u64 = 0x78;
    pub const ivsize: u64 = 0x80;
    pub const nbytes: u64 = 0x30;
    pub const oiv: u64 = 0x70;
    pub const out: u64 = 0x38;
    pub const page: u64 = 0x60;
    pub const src_virt: u64 = 0x8;
    pub const stride: u64 = 0x8c;
    pub const total: u64 = 0x48;
}

pub mod sock {
    pub const SIZE: u64 = 0x308;
    pub const sk_allocation: u64 = 0x1f8;
    pub const sk_error_queue: u64 = 0xc0;
    pub const sk_family: u64 = 0x10;
    pub const sk_net: u64 = 0x30;
    pub const sk_protocol: u64 = 0x204;
    pub const sk_rcvbuf: u64 = 0x118;
    pub const sk_rcvlowat: u64 = 0xbc;
    pub const sk_rcvtimeo: u64 = 0x250;
    pub const sk_receive_queue: u64 = 0xd8;
    pub const sk_refcnt: u64 = 0x80;
    pub const sk_sndbuf: u64 = 0x14c;
    pub const sk_sndtimeo: u64 = 0x190;
    pub const sk_socket: u64 = 0x270;
    pub const sk_state: u64 = 0x12;
    pub const sk_type: u64 = 0x202;
    pub const sk_wq: u64 = 0x128;
    pub const sk_write_queue: u64 = 0x168;
}

pub mod sock_diag_handler {
    pub const family: u64 = 0x8;
}

pub mod socket {
    pub const SIZE: u64 = 0x80;
    pub const ops: u64 = 0x20;
    pub const sk: u64 = 0x18;
    pub const state: u64 = 0x0;
    pub const r#type: u64 = 0x4;
    pub const wq: u64 = 0x40;
}

pub mod spi_device_id {
    pub const SIZE: u64 = 0x28;
    pub const name: u64 = 0x0;
}

pub mod spi_driver {
    pub const SIZE: u64 = 0xb0;
    pub const driver: u64 = 0x20;
    pub const id_table: u64 = 0x0;
}

pub mod spinlock {
    pub const SIZE: u64 = 0x4;
}

pub mod srcu_notifier_head {
    pub const SIZE: u64 = 0x1b0;
    pub const head: u64 = 0x1a8;
    pub const mutex: u64 = 0x0;
    pub const srcu: u64 = 0x20;
}

pub mod swait_queue {
    pub const SIZE: u64 = 0x18;
    pub const task: u64 = 0x0;
    pub const task_list: u64 = 0x8;
}

pub mod swait_queue_head {
    pub const SIZE: u64 = 0x18;
    pub const lock: u64 = 0x0;
    pub const task_list: u64 = 0x8;
}

pub mod sysfs_ops {
    pub const SIZE: u64 = 0x10;
    pub const show: u64 = 0x0;
    pub const store: u64 = 0x8;
}

pub mod sysinfo {
    pub const SIZE: u64 = 0x70;
    pub const bufferram: u64 = 0x38;
    pub const freehigh: u64 = 0x60;
    pub const freeram: u64 = 0x28;
    pub const mem_unit: u64 = 0x68;
    pub const sharedram: u64 = 0x30;
    pub const totalhigh: u64 = 0x58;
    pub const totalram: u64 = 0x20;
}

pub mod task_struct {
    pub const SIZE: u64 = 0x2640;
    pub const __state: u64 = 0x18;
    pub const comm: u64 = 0xba0;
    pub const normal_prio: u64 = 0x74;
    pub const nsproxy: u64 = 0xbf8;
    pub const pid: u64 = 0x970;
    pub const prio: u64 = 0x6c;
    pub const rcu_read_lock_nesting: u64 = 0x7f4;
    pub const rcu_read_unlock_special: u64 = 0x7f8;
    pub const static_prio: u64 = 0x70;
    pub const tgid: u64 = 0x974;
}

pub mod tc_action_ops {
    pub const act: u64 = 0x38;
    pub const dump: u64 = 0x40;
    pub const head: u64 = 0x0;
    pub const id: u64 = 0x20;
    pub const init: u64 = 0x58;
    pub const kind: u64 = 0x10;
}

pub mod tcf_ematch_ops {
    pub const kind: u64 = 0x0;
    pub const link: u64 = 0x30;
    pub const r#match: u64 = 0x10;
}

pub mod tcf_idrinfo {
    pub const action_idr: u64 = 0x20;
}

pub mod tcf_proto_ops {
    pub const head: u64 = 0x0;
    pub const kind: u64 = 0x10;
}

pub mod tcp_congestion_ops {
    pub const SIZE: u64 = 0xc0;
    pub const cong_avoid: u64 = 0x8;
    pub const cong_control: u64 = 0x38;
    pub const flags: u64 = 0x84;
    pub const key: u64 = 0x80;
    pub const list: u64 = 0x70;
    pub const name: u64 = 0x58;
    pub const ssthresh: u64 = 0x0;
    pub const undo_cwnd: u64 = 0x40;
}

pub mod tcp_ulp_ops {
    pub const list: u64 = 0x0;
    pub const name: u64 = 0x40;
}

pub mod timer_list {
    pub const SIZE: u64 = 0x28;
    pub const entry: u64 = 0x0;
    pub const expires: u64 = 0x10;
    pub const flags: u64 = 0x20;
    pub const function: u64 = 0x18;
}

pub mod timewait_sock_ops {
    pub const twsk_obj_size: u64 = 0x10;
    pub const twsk_slab: u64 = 0x0;
    pub const twsk_slab_name: u64 = 0x8;
}

pub mod transport_class {
    pub const class: u64 = 0x0;
    pub const configure: u64 = 0x80;
    pub const remove: u64 = 0x88;
    pub const setup: u64 = 0x78;
}

pub mod ts {
    pub const TS_AUTOLOAD: u64 = 0x1;
    pub const TS_IGNORECASE: u64 = 0x2;
}

pub mod ts_config {
    pub const SIZE: u64 = 0x20;
    pub const finish: u64 = 0x18;
    pub const flags: u64 = 0x8;
    pub const get_next_block: u64 = 0x10;
    pub const ops: u64 = 0x0;
}

pub mod ts_ops {
    pub const destroy: u64 = 0x18;
    pub const find: u64 = 0x10;
    pub const init: u64 = 0x8;
    pub const name: u64 = 0x0;
    pub const owner: u64 = 0x30;
}

pub mod ts_state {
    pub const cb: u64 = 0x4;
    pub const offset: u64 = 0x0;
}

pub mod tty_buffer {
    pub const SIZE: u64 = 0x20;
    pub const next: u64 = 0x0;
    pub const size: u64 = 0xc;
}

pub mod tty_bufhead {
    pub const SIZE: u64 = 0x88;
    pub const free: u64 = 0x70;
    pub const head: u64 = 0x0;
    pub const lock: u64 = 0x28;
    pub const mem_limit: u64 = 0x7c;
    pub const mem_used: u64 = 0x78;
    pub const priority: u64 = 0x48;
    pub const sentinel: u64 = 0x50;
    pub const tail: u64 = 0x80;
    pub const work: u64 = 0x8;
}

pub mod tty_consts {
    pub const NR_LDISCS: u64 = 0x1f;
    pub const N_TTY: u64 = 0x0;
    pub const PROBE_PREFER_ASYNCHRONOUS: u64 = 0x1;
}

pub mod tty_driver {
    pub const SIZE: u64 = 0xb8;
    pub const cdevs: u64 = 0x8;
    pub const driver_name: u64 = 0x18;
    pub const driver_state: u64 = 0x98;
    pub const flags: u64 = 0x68;
    pub const init_termios: u64 = 0x3c;
    pub const kref: u64 = 0x0;
    pub const major: u64 = 0x2c;
    pub const minor_start: u64 = 0x30;
    pub const name: u64 = 0x20;
    pub const name_base: u64 = 0x28;
    pub const num: u64 = 0x34;
    pub const ops: u64 = 0xa0;
    pub const other: u64 = 0x78;
    pub const owner: u64 = 0x10;
    pub const ports: u64 = 0x88;
    pub const proc_entry: u64 = 0x70;
    pub const subtype: u64 = 0x3a;
    pub const termios: u64 = 0x90;
    pub const tty_drivers: u64 = 0xa8;
    pub const ttys: u64 = 0x80;
    pub const r#type: u64 = 0x38;
}

pub mod tty_ldisc_ops {
    pub const SIZE: u64 = 0x90;
    pub const close: u64 = 0x18;
    pub const flush_buffer: u64 = 0x20;
    pub const ioctl: u64 = 0x38;
    pub const lookahead_buf: u64 = 0x80;
    pub const name: u64 = 0x0;
    pub const num: u64 = 0x8;
    pub const open: u64 = 0x10;
    pub const owner: u64 = 0x88;
    pub const poll: u64 = 0x50;
    pub const read: u64 = 0x28;
    pub const receive_buf: u64 = 0x60;
    pub const receive_buf2: u64 = 0x78;
    pub const set_termios: u64 = 0x48;
    pub const write: u64 = 0x30;
    pub const write_wakeup: u64 = 0x68;
}

pub mod tty_operations {
    pub const SIZE: u64 = 0x110;
    pub const proc_show: u64 = 0x108;
}

pub mod tty_port {
    pub const SIZE: u64 = 0x178;
    pub const buf: u64 = 0x0;
    pub const buf_mutex: u64 = 0x120;
    pub const client_data: u64 = 0x170;
    pub const client_ops: u64 = 0xa0;
    pub const close_delay: u64 = 0x160;
    pub const closing_wait: u64 = 0x164;
    pub const delta_msr_wait: u64 = 0xd0;
    pub const flags: u64 = 0xe8;
    pub const itty: u64 = 0x90;
    pub const kref: u64 = 0x16c;
    pub const lock: u64 = 0xa8;
    pub const mutex: u64 = 0x100;
    pub const open_wait: u64 = 0xb8;
    pub const ops: u64 = 0x98;
    pub const tty: u64 = 0x88;
    pub const xmit_buf: u64 = 0x140;
    pub const xmit_fifo: u64 = 0x148;
}

pub mod tty_port_client_operations {
    pub const SIZE: u64 = 0x18;
    pub const lookahead_buf: u64 = 0x8;
    pub const receive_buf: u64 = 0x0;
    pub const write_wakeup: u64 = 0x10;
}

pub mod tty_port_operations {
    pub const SIZE: u64 = 0x28;
    pub const destruct: u64 = 0x20;
}

pub mod tty_std {
    pub const B0: u64 = 0x0;
    pub const B38400: u64 = 0xf;
    pub const B4000000: u64 = 0x100f;
    pub const B57600: u64 = 0x1001;
    pub const B9600: u64 = 0xd;
    pub const BOTHER: u64 = 0x1000;
    pub const CBAUD: u64 = 0x100f;
    pub const CBAUDEX: u64 = 0x1000;
    pub const CLOCAL: u64 = 0x800;
    pub const IBSHIFT: u64 = 0x10;
    pub const NCCS: u64 = 0x13;
    pub const VDISCARD: u64 = 0xd;
    pub const VEOF: u64 = 0x4;
    pub const VERASE: u64 = 0x2;
    pub const VINTR: u64 = 0x0;
    pub const VKILL: u64 = 0x3;
    pub const VLNEXT: u64 = 0xf;
    pub const VMIN: u64 = 0x6;
    pub const VQUIT: u64 = 0x1;
    pub const VREPRINT: u64 = 0xc;
    pub const VSTART: u64 = 0x8;
    pub const VSTOP: u64 = 0x9;
    pub const VSUSP: u64 = 0xa;
    pub const VWERASE: u64 = 0xe;
    pub const c_cflag: u64 = 0x4bf;
    pub const c_iflag: u64 = 0x500;
    pub const c_lflag: u64 = 0x8a3b;
    pub const c_oflag: u64 = 0x5;
    pub const speed: u64 = 0x9600;
}

pub mod tty_struct {
    pub const SIZE: u64 = 0x2d0;
    pub const kref: u64 = 0x0;
    pub const name: u64 = 0x160;
}

pub mod uart_driver {
    pub const SIZE: u64 = 0x40;
    pub const cons: u64 = 0x28;
    pub const dev_name: u64 = 0x10;
    pub const driver_name: u64 = 0x8;
    pub const major: u64 = 0x18;
    pub const minor: u64 = 0x1c;
    pub const nr: u64 = 0x20;
    pub const owner: u64 = 0x0;
    pub const state: u64 = 0x30;
    pub const tty_driver: u64 = 0x38;
}

pub mod uart_state {
    pub const SIZE: u64 = 0x1b8;
    pub const port: u64 = 0x0;
    pub const uart_port: u64 = 0x1b0;
}

pub mod usb_driver {
    pub const SIZE: u64 = 0x100;
    pub const driver: u64 = 0x68;
    pub const name: u64 = 0x0;
}

pub mod uts_namespace {
    pub const SIZE: u64 = 0x1b0;
    pub const name: u64 = 0x0;
    pub const ns: u64 = 0x198;
    pub const ucounts: u64 = 0x190;
    pub const user_ns: u64 = 0x188;
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
    pub const xa_flags: u64 = 0x4;
    pub const xa_head: u64 = 0x8;
}

pub mod xfrm4_protocol {
    pub const next: u64 = 0x20;
    pub const priority: u64 = 0x28;
}

pub mod xfrm6_protocol {
    pub const next: u64 = 0x20;
    pub const priority: u64 = 0x28;
}

pub mod xfrm_input_afinfo {
    pub const family: u64 = 0x0;
    pub const is_ipip: u64 = 0x1;
}

pub mod xfrm_mgr {
    pub const list: u64 = 0x0;
}

pub mod xfrm_type {
    pub const proto: u64 = 0x8;
}

pub mod xfrm_type_offload {
    pub const proto: u64 = 0x8;
}

pub mod zpool_driver {
    pub const SIZE: u64 = 0x78;
    pub const list: u64 = 0x18;
    pub const owner: u64 = 0x8;
    pub const refcount: u64 = 0x10;
    pub const r#type: u64 = 0x0;
}
