//! arch/x86/kernel/cpu/{common,match,hypervisor}.c: what the boot CPU is.
//!
//! `boot_cpu_data` is filled at boot from this machine's own `cpuid`, the
//! way Linux 6.1's `identify_boot_cpu` does: vendor, family/model/stepping
//! (extended family and model folded in), the brand string with trailing
//! blanks cut, CLFLUSH size, address sizes, and the capability words that
//! map straight from a cpuid leaf/register, in `cpufeatures.h`'s word order:
//!
//! | word | leaf | word | leaf |
//! |---|---|---|---|
//! | 0 | 1.EDX | 12 | 7.1 EAX |
//! | 1 | 0x80000001 EDX | 13 | 0x80000008 EBX |
//! | 4 | 1.ECX | 14 | 6 EAX |
//! | 5 | 0xC0000001 EDX (Centaur/Zhaoxin) | 15 | 0x8000000A EDX |
//! | 6 | 0x80000001 ECX | 16 | 7.0 ECX |
//! | 9 | 7.0 EBX | 17 | 0x80000007 EBX |
//! | 10 | 0xD.1 EAX | 18 | 7.0 EDX |
//! | | | 19 | 0x8000001F EAX |
//! | | | 20 | 0x80000021 EAX |
//!
//! Of the Linux-defined words (2, 3, 7, 8, 11, 21) only bits Linux derives
//! unconditionally or from one cpuid bit are set: `X86_FEATURE_CPUID`,
//! `X86_FEATURE_ALWAYS`, and `CONSTANT_TSC`/`NONSTOP_TSC` from the invariant
//! TSC bit (0x80000007 EDX bit 8), as `early_init_intel`/`early_init_amd`
//! do. The other synthetic and scattered bits stay clear.
//!
//! `x86_hyper_type` is what the hypervisor leaf (0x40000000) names when
//! cpuid reports a hypervisor (KVM, Hyper-V, VMware, Xen HVM), else native.

use crate::layout::cpuinfo_x86 as ci;
use crate::layout::x86_cpu_id as id;
use core::arch::x86_64::__cpuid_count;

crate::export_data!("boot_cpu_data", size ci::SIZE, align 64, init = init_boot_cpu_data);
crate::export_data!("x86_hyper_type", size 4, align 4, init = init_hyper_type);

const NCAPINTS: usize = crate::layout::consts::NCAPINTS as usize;

pub const X86_VENDOR_INTEL: u8 = 0;
pub const X86_VENDOR_AMD: u8 = 2;
pub const X86_VENDOR_UNKNOWN: u8 = 0xff;

fn cpuid(leaf: u32, sub: u32) -> [u32; 4] {
    let r = __cpuid_count(leaf, sub);
    [r.eax, r.ebx, r.ecx, r.edx]
}

/// The facts `identify_boot_cpu` gathers, computed from cpuid.
#[derive(Debug, Clone)]
pub struct CpuFacts {
    pub vendor: u8,
    pub vendor_id: [u8; 12],
    pub family: u8,
    pub model: u8,
    pub stepping: u8,
    pub cpuid_level: u32,
    pub extended_cpuid_level: u32,
    pub caps: [u32; NCAPINTS],
    pub model_id: Vec<u8>,
    pub clflush_size: u16,
    pub phys_bits: u8,
    pub virt_bits: u8,
    pub cache_size_kb: u32,
    pub x86_power: u32,
}

fn vendor_of(id: &[u8; 12]) -> u8 {
    match id {
        b"GenuineIntel" => 0,
        b"CyrixInstead" => 1,
        b"AuthenticAMD" | b"AMDisbetter!" => 2,
        b"UMC UMC UMC " => 3,
        b"CentaurHauls" => 5,
        b"GenuineTMx86" | b"TransmetaCPU" => 7,
        b"Geode by NSC" => 8,
        b"HygonGenuine" => 9,
        b"  Shanghai  " => 10,
        b"Vortex86 SoC" => 11,
        _ => X86_VENDOR_UNKNOWN,
    }
}

/// Word numbers (cpufeatures.h).
const W_1_EDX: usize = 0;
const W_8001_EDX: usize = 1;
const W_LNX_3: usize = 3;
const W_1_ECX: usize = 4;
const W_C001_EDX: usize = 5;
const W_8001_ECX: usize = 6;
const W_7_0_EBX: usize = 9;
const W_D_1_EAX: usize = 10;
const W_7_1_EAX: usize = 12;
const W_8008_EBX: usize = 13;
const W_6_EAX: usize = 14;
const W_800A_EDX: usize = 15;
const W_7_0_ECX: usize = 16;
const W_8007_EBX: usize = 17;
const W_7_0_EDX: usize = 18;
const W_801F_EAX: usize = 19;
const W_8021_EAX: usize = 20;

pub const X86_FEATURE_CONSTANT_TSC: u32 = 3 * 32 + 8;
pub const X86_FEATURE_ALWAYS: u32 = 3 * 32 + 21;
pub const X86_FEATURE_NONSTOP_TSC: u32 = 3 * 32 + 24;
pub const X86_FEATURE_CPUID: u32 = 3 * 32 + 25;
pub const X86_FEATURE_HYPERVISOR: u32 = 4 * 32 + 31;

/// Reads this CPU's facts as Linux's `identify_cpu` does.
pub fn identify() -> CpuFacts {
    let l0 = cpuid(0, 0);
    let mut vendor_id = [0u8; 12];
    vendor_id[0..4].copy_from_slice(&l0[1].to_le_bytes());
    vendor_id[4..8].copy_from_slice(&l0[3].to_le_bytes());
    vendor_id[8..12].copy_from_slice(&l0[2].to_le_bytes());
    let cpuid_level = l0[0];
    let vendor = vendor_of(&vendor_id);
    let mut caps = [0u32; NCAPINTS];
    let (mut family, mut model, mut stepping, mut clflush_size) = (4u8, 0u8, 0u8, 0u16);
    if cpuid_level >= 1 {
        let l1 = cpuid(1, 0);
        let tfms = l1[0];
        let mut fam = (tfms >> 8) & 0xf;
        let mut m = (tfms >> 4) & 0xf;
        if fam == 0xf {
            fam += (tfms >> 20) & 0xff;
        }
        if fam >= 6 {
            m += ((tfms >> 16) & 0xf) << 4;
        }
        family = fam as u8;
        model = m as u8;
        stepping = (tfms & 0xf) as u8;
        if l1[3] & (1 << 19) != 0 {
            clflush_size = (((l1[1] >> 8) & 0xff) * 8) as u16;
        }
        caps[W_1_ECX] = l1[2];
        caps[W_1_EDX] = l1[3];
    }
    if cpuid_level >= 6 {
        caps[W_6_EAX] = cpuid(6, 0)[0];
    }
    if cpuid_level >= 7 {
        let l7 = cpuid(7, 0);
        caps[W_7_0_EBX] = l7[1];
        caps[W_7_0_ECX] = l7[2];
        caps[W_7_0_EDX] = l7[3];
        if l7[0] >= 1 {
            caps[W_7_1_EAX] = cpuid(7, 1)[0];
        }
    }
    if cpuid_level >= 0xd {
        caps[W_D_1_EAX] = cpuid(0xd, 1)[0];
    }
    let mut ext = cpuid(0x8000_0000, 0)[0];
    if ext & 0xffff_0000 != 0x8000_0000 {
        ext = 0;
    }
    let mut x86_power = 0;
    if ext >= 0x8000_0001 {
        let e1 = cpuid(0x8000_0001, 0);
        caps[W_8001_ECX] = e1[2];
        caps[W_8001_EDX] = e1[3];
    }
    let mut model_id = Vec::new();
    if ext >= 0x8000_0004 {
        for leaf in 0x8000_0002..=0x8000_0004u32 {
            for r in cpuid(leaf, 0) {
                model_id.extend_from_slice(&r.to_le_bytes());
            }
        }
        if let Some(n) = model_id.iter().position(|&b| b == 0) {
            model_id.truncate(n);
        }
        while model_id.last() == Some(&b' ') {
            model_id.pop();
        }
    }
    if ext >= 0x8000_0007 {
        let e7 = cpuid(0x8000_0007, 0);
        caps[W_8007_EBX] = e7[1];
        x86_power = e7[3];
        if e7[3] & (1 << 8) != 0 && matches!(vendor, 0 | 2 | 9 | 5 | 10) {
            set(&mut caps, X86_FEATURE_CONSTANT_TSC);
            set(&mut caps, X86_FEATURE_NONSTOP_TSC);
        }
    }
    let (mut phys_bits, mut virt_bits) = (36u8, 48u8);
    if ext >= 0x8000_0008 {
        let e8 = cpuid(0x8000_0008, 0);
        virt_bits = ((e8[0] >> 8) & 0xff) as u8;
        phys_bits = (e8[0] & 0xff) as u8;
        caps[W_8008_EBX] = e8[1];
    }
    if ext >= 0x8000_000a {
        caps[W_800A_EDX] = cpuid(0x8000_000a, 0)[3];
    }
    if ext >= 0x8000_001f {
        caps[W_801F_EAX] = cpuid(0x8000_001f, 0)[0];
    }
    if ext >= 0x8000_0021 {
        caps[W_8021_EAX] = cpuid(0x8000_0021, 0)[0];
    }
    if matches!(vendor, 5 | 10) {
        let c = cpuid(0xc000_0000, 0)[0];
        if c >= 0xc000_0001 {
            caps[W_C001_EDX] = cpuid(0xc000_0001, 0)[3];
        }
    }
    set(&mut caps, X86_FEATURE_CPUID);
    set(&mut caps, X86_FEATURE_ALWAYS);
    let _ = W_LNX_3;
    CpuFacts {
        vendor,
        vendor_id,
        family,
        model,
        stepping,
        cpuid_level,
        extended_cpuid_level: ext,
        caps,
        model_id,
        clflush_size,
        phys_bits,
        virt_bits,
        cache_size_kb: cache_size_kb(vendor, cpuid_level, ext),
        x86_power,
    }
}

/// `x86_cache_size` (/proc/cpuinfo "cache size"): Intel's
/// `init_intel_cacheinfo` takes L3, else L2, from the deterministic cache
/// leaf 4; AMD/Hygon's `cpu_detect_cache_sizes` takes L2 from 0x80000006.
fn cache_size_kb(vendor: u8, level: u32, ext: u32) -> u32 {
    if vendor == X86_VENDOR_INTEL && level >= 4 {
        let (mut l2, mut l3) = (0u32, 0u32);
        for i in 0..16 {
            let [a, b, c, _] = cpuid(4, i);
            let ty = a & 0x1f;
            if ty == 0 {
                break;
            }
            let lvl = (a >> 5) & 7;
            let ways = ((b >> 22) & 0x3ff) + 1;
            let parts = ((b >> 12) & 0x3ff) + 1;
            let line = (b & 0xfff) + 1;
            let sets = c.wrapping_add(1);
            let kb = (ways as u64 * parts as u64 * line as u64 * sets as u64 / 1024) as u32;
            match lvl {
                2 => l2 = kb,
                3 => l3 = kb,
                _ => {}
            }
        }
        return if l3 != 0 { l3 } else { l2 };
    }
    if ext >= 0x8000_0006 {
        return cpuid(0x8000_0006, 0)[2] >> 16;
    }
    0
}

fn set(caps: &mut [u32; NCAPINTS], bit: u32) {
    caps[(bit / 32) as usize] |= 1 << (bit % 32);
}

/// `cpu_has(&boot_cpu_data, bit)`.
pub fn boot_cpu_has(bit: u32) -> bool {
    let Some(v) = crate::vmlinux::get() else {
        return false;
    };
    let Some(base) = v.symbol("boot_cpu_data") else {
        return false;
    };
    has_at(base, bit)
}

fn has_at(base: u64, bit: u32) -> bool {
    if bit as usize >= (NCAPINTS + 2) * 32 {
        return false;
    }
    // SAFETY: boot_cpu_data is a live vmlinux object; the word is in bounds.
    let w = unsafe {
        ((base + ci::x86_capability + (bit / 32) as u64 * 4) as *const u32).read_volatile()
    };
    w & (1 << (bit % 32)) != 0
}

fn init_boot_cpu_data(addr: u64, _b: &crate::vmlinux::Builder) {
    let f = identify();
    // SAFETY: a fresh, zeroed cpuinfo_x86 in the vmlinux data area; every
    // offset comes from Debian's headers.
    unsafe {
        let w8 = |off: u64, v: u8| ((addr + off) as *mut u8).write(v);
        let w16 = |off: u64, v: u16| ((addr + off) as *mut u16).write_unaligned(v);
        let w32 = |off: u64, v: u32| ((addr + off) as *mut u32).write_unaligned(v);
        w8(ci::x86, f.family);
        w8(ci::x86_vendor, f.vendor);
        w8(ci::x86_model, f.model);
        w8(ci::x86_stepping, f.stepping);
        w8(ci::x86_virt_bits, f.virt_bits);
        w8(ci::x86_phys_bits, f.phys_bits);
        w8(ci::x86_cache_bits, f.phys_bits);
        w32(ci::cpuid_level, f.cpuid_level);
        w32(ci::extended_cpuid_level, f.extended_cpuid_level);
        for (i, c) in f.caps.iter().enumerate() {
            w32(ci::x86_capability + 4 * i as u64, *c);
        }
        std::ptr::copy_nonoverlapping(
            f.vendor_id.as_ptr(),
            (addr + ci::x86_vendor_id) as *mut u8,
            12,
        );
        let n = f.model_id.len().min(63);
        std::ptr::copy_nonoverlapping(f.model_id.as_ptr(), (addr + ci::x86_model_id) as *mut u8, n);
        w32(ci::x86_cache_size, f.cache_size_kb);
        w32(ci::x86_cache_alignment, f.clflush_size as u32);
        w16(ci::x86_clflush_size, f.clflush_size);
        w32(ci::x86_power, f.x86_power);
    }
}

/// The hypervisor type `init_hypervisor_platform` settles on.
pub fn hyper_type() -> u32 {
    let l1 = cpuid(1, 0);
    if l1[2] & (1 << 31) == 0 {
        return 0; // X86_HYPER_NATIVE
    }
    let h = cpuid(0x4000_0000, 0);
    let mut sig = [0u8; 12];
    sig[0..4].copy_from_slice(&h[1].to_le_bytes());
    sig[4..8].copy_from_slice(&h[2].to_le_bytes());
    sig[8..12].copy_from_slice(&h[3].to_le_bytes());
    match &sig {
        b"VMwareVMware" => 1,
        b"Microsoft Hv" => 2,
        b"XenVMMXenVMM" => 4,
        b"KVMKVMKVM\0\0\0" => 5,
        b"Jailhouse\0\0\0" => 6,
        b"ACRNACRNACRN" => 7,
        _ => 0,
    }
}

fn init_hyper_type(addr: u64, _b: &crate::vmlinux::Builder) {
    // SAFETY: a fresh 4-byte object in the vmlinux data area.
    unsafe { (addr as *mut u32).write(hyper_type()) };
}

const X86_VENDOR_ANY: u16 = 0xffff;

crate::kfn! {
    /// `x86_match_cpu(match)`: arch/x86/kernel/cpu/match.c. The first entry
    /// of the table (ended by an entry whose vendor, family, model,
    /// steppings and feature are all 0) that matches boot_cpu_data, or NULL.
    fn x86_match_cpu(table: u64) -> u64 {
        let Some(base) = crate::vmlinux::get().and_then(|v| v.symbol("boot_cpu_data")) else { return 0 };
        // SAFETY: boot_cpu_data is a live vmlinux object.
        let (fam, vendor, model, stepping) = unsafe {
            let r = |o: u64| ((base + o) as *const u8).read();
            (r(ci::x86), r(ci::x86_vendor), r(ci::x86_model), r(ci::x86_stepping))
        };
        let mut m = table;
        loop {
            // SAFETY: the module's x86_cpu_id table, ended by an empty entry.
            let (v, f, md, st, ft) = unsafe {
                let r = |o: u64| ((m + o) as *const u16).read_unaligned();
                (r(id::vendor), r(id::family), r(id::model), r(id::steppings), r(id::feature))
            };
            if v | f | md | st | ft == 0 {
                return 0;
            }
            let ok = (v == X86_VENDOR_ANY || v == vendor as u16)
                && (f == 0 || f == fam as u16)
                && (md == 0 || md == model as u16)
                && (st == 0 || (1u32 << (stepping & 31)) as u16 & st != 0 && stepping < 16)
                && (ft == 0 || has_at(base, ft as u32));
            if ok {
                return m;
            }
            m += id::SIZE;
        }
    }
}

// arch/x86/xen/enlighten.c: enum xen_domain_type { XEN_NATIVE, XEN_PV_DOMAIN,
// XEN_HVM_DOMAIN }: an HVM guest when the hypervisor leaf says Xen.
crate::export_data!("xen_domain_type", size 4, align 4, init = init_xen_domain_type);

fn init_xen_domain_type(addr: u64, _b: &crate::vmlinux::Builder) {
    let t = if hyper_type() == 4 { 2 } else { 0 };
    // SAFETY: a fresh 4-byte object in the vmlinux data area.
    unsafe { (addr as *mut u32).write(t) };
}

// arch/x86/kernel/cpu/bugs.c: `bool itlb_multihit_kvm_mitigation`, false
// until KVM turns its mitigation on.
crate::export_data!("itlb_multihit_kvm_mitigation", size 1, align 1);
