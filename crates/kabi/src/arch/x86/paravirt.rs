//! arch/x86/kernel/paravirt.c.
//!
//! `pv_ops` (struct paravirt_patch_template, 672 bytes): modules built with
//! PARAVIRT_XXL call `*pv_ops+off` for privileged operations (the
//! `.parainstructions` sites are left unpatched). Every slot gets a
//! register-preserving stub that returns 0; the ones modules reach:
//! irq save_fl (240) reports "interrupts enabled" (IF, 0x200) — callers pair
//! it with irq_disable/irq_enable (248/256), which, like safe_halt/halt,
//! just return; mmu.read_cr2 (336) is 0; the page-table value converters
//! (496–520, 536–560, 576–584) are the identity; lock.queued_spin_unlock
//! (640) stores 0 into the lock byte; lock.vcpu_is_preempted (664) is false.
use crate::vmlinux::Builder;

crate::export_code!("__modhost_pv_ret0" => &[0x31, 0xc0, 0xc3]);
crate::export_code!("__modhost_pv_ret" => &[0xc3]);
crate::export_code!("__modhost_pv_save_fl" => &[0xb8, 0x00, 0x02, 0x00, 0x00, 0xc3]);
crate::export_code!("__modhost_pv_ident" => &[0x48, 0x89, 0xf8, 0xc3]);
crate::export_code!("__modhost_pv_spin_unlock" => &[0xc6, 0x07, 0x00, 0xc3]);
crate::export_data!("pv_ops", size SIZE, align 64, init = init_pv_ops);

const SIZE: u64 = 672;

fn init_pv_ops(pv: u64, b: &Builder) {
    let f = |n: &str| b.symbol(n).expect("pv stub");
    let (ret0, ret, save_fl, ident, unlock) =
        (f("__modhost_pv_ret0"), f("__modhost_pv_ret"), f("__modhost_pv_save_fl"), f("__modhost_pv_ident"), f("__modhost_pv_spin_unlock"));
    let mut slots = vec![ret0; (SIZE / 8) as usize];
    let mut set = |off: u64, f: u64| slots[(off / 8) as usize] = f;
    set(240, save_fl);
    for off in [248, 256, 264, 272] {
        set(off, ret);
    }
    for off in [496, 504, 512, 520, 536, 544, 552, 560, 576, 584] {
        set(off, ident);
    }
    set(640, unlock);
    for (i, f) in slots.iter().enumerate() {
        // SAFETY: a fresh 672-byte object in the read-write data area.
        unsafe { ((pv + i as u64 * 8) as *mut u64).write(*f) };
    }
}

