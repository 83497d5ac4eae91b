//! The host kernel on real modules: Debian's CRC library modules called
//! from Rust, and the C test modules built with Kbuild.

mod common;

use common::{kernel, log_since, test_module, tree_module};
use kernel::{Errno, Kernel, O_TRUNC};

fn load(k: &Kernel, image: &[u8], args: &str) -> Result<(), Errno> {
    k.finit_module(image, args, 0)
}

fn proc_line(k: &Kernel, name: &str) -> Option<String> {
    k.proc_modules().lines().find(|l| l.split(' ').next() == Some(name)).map(str::to_string)
}

fn unload_all(k: &Kernel) {
    for _ in 0..8 {
        for n in k.module_names() {
            let _ = k.delete_module(&n, 0);
        }
    }
    assert!(k.module_names().is_empty(), "left behind: {:?}", k.module_names());
}

#[test]
fn debian_crc_modules_link_and_compute() {
    let Some((k, _g)) = kernel() else { return };
    for f in ["crc7.ko", "crc-itu-t.ko", "crc16.ko", "crc8.ko", "crc64.ko"] {
        load(k, &tree_module(f), "").unwrap_or_else(|e| panic!("{f}: {e}; log: {:?}", log_since(0)));
    }
    // Signed by Debian's key, verified: no taint at all, as on Linux.
    let l = proc_line(k, "crc7").expect("crc7 listed");
    assert!(l.starts_with("crc7 16384 0 - Live 0x"), "{l}");
    assert!(!l.contains('('), "crc7 must not be tainted: {l}");

    let sym = |n: &str| k.lookup_symbol(n).unwrap_or_else(|| panic!("{n} exported"));
    // SAFETY: the addresses are the modules' exported functions with these C signatures.
    let crc7_be: extern "C" fn(u8, *const u8, usize) -> u8 = unsafe { std::mem::transmute(sym("crc7_be") as usize) };
    let crc_itu_t: extern "C" fn(u16, *const u8, usize) -> u16 = unsafe { std::mem::transmute(sym("crc_itu_t") as usize) };
    let crc16: extern "C" fn(u16, *const u8, usize) -> u16 = unsafe { std::mem::transmute(sym("crc16") as usize) };
    let crc8_populate_msb: extern "C" fn(*mut u8, u8) = unsafe { std::mem::transmute(sym("crc8_populate_msb") as usize) };
    let crc8: extern "C" fn(*const u8, *const u8, usize, u8) -> u8 = unsafe { std::mem::transmute(sym("crc8") as usize) };
    let crc64_be: extern "C" fn(u64, *const u8, usize) -> u64 = unsafe { std::mem::transmute(sym("crc64_be") as usize) };

    use crc::{Crc, CRC_16_ARC, CRC_16_XMODEM, CRC_64_ECMA_182, CRC_7_MMC, CRC_8_SMBUS};
    let mut table = [0u8; 256];
    crc8_populate_msb(table.as_mut_ptr(), 0x07);
    let mut rng = testkit::XorShift(0x1234_5678_9abc_def1);
    for _ in 0..500 {
        let len = (rng.next_u64() % 300) as usize;
        let d = rng.bytes(len);
        assert_eq!(crc7_be(0, d.as_ptr(), d.len()) >> 1, Crc::<u8>::new(&CRC_7_MMC).checksum(&d));
        assert_eq!(crc_itu_t(0, d.as_ptr(), d.len()), Crc::<u16>::new(&CRC_16_XMODEM).checksum(&d));
        assert_eq!(crc16(0, d.as_ptr(), d.len()), Crc::<u16>::new(&CRC_16_ARC).checksum(&d));
        assert_eq!(crc8(table.as_ptr(), d.as_ptr(), d.len(), 0), Crc::<u8>::new(&CRC_8_SMBUS).checksum(&d));
        assert_eq!(crc64_be(0, d.as_ptr(), d.len()), Crc::<u64>::new(&CRC_64_ECMA_182).checksum(&d));
    }
    unload_all(k);
}

#[test]
fn hello_module_says_hi_and_bye() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("hello") else { return };
    let seq = kabi::log::next_seq();
    load(k, &img, "").unwrap();
    assert_eq!(log_since(seq).iter().filter(|l| *l == "Hi module!").count(), 1, "{:?}", log_since(seq));
    let l = proc_line(k, "main").expect("main listed");
    // Built here: out of tree and unsigned.
    assert!(l.starts_with("main 16384 0 - Live 0x") && l.ends_with(" (OE)"), "{l}");
    let seq = kabi::log::next_seq();
    k.delete_module("main", 0).unwrap();
    assert!(log_since(seq).iter().any(|l| l == "Bye module!"), "{:?}", log_since(seq));
    assert!(proc_line(k, "main").is_none());
}

#[test]
fn crcuser_imports_debian_modules() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("crcuser") else { return };
    // Dependencies missing: the first unknown symbol is reported.
    let seq = kabi::log::next_seq();
    assert_eq!(load(k, &img, ""), Err(Errno::ENOENT));
    assert!(log_since(seq).iter().any(|l| l.starts_with("crcuser: Unknown symbol ")), "{:?}", log_since(seq));
    for f in ["crc7.ko", "crc-itu-t.ko", "crc16.ko", "crc8.ko", "crc64.ko"] {
        load(k, &tree_module(f), "").unwrap();
    }
    let seq = kabi::log::next_seq();
    load(k, &img, "").unwrap();
    let log = log_since(seq).join("\n");
    for want in ["0xea", "0x31c3", "0xbb3d", "0xf4", "0x6c40df5f0b497347"] {
        assert!(log.contains(want), "{want} not in {log}");
    }
    let l = proc_line(k, "crc7").unwrap();
    assert!(l.starts_with("crc7 16384 1 crcuser, Live"), "{l}");
    assert_eq!(k.delete_module("crc7", 0), Err(Errno::EWOULDBLOCK));
    unload_all(k);
}

#[test]
fn chain_users_and_removal_order() {
    let Some((k, _g)) = kernel() else { return };
    let (Some(a), Some(b)) = (test_module("chain_a"), test_module("chain_b")) else { return };
    load(k, &a, "").unwrap();
    load(k, &b, "").unwrap();
    let l = proc_line(k, "chain_a").unwrap();
    assert!(l.starts_with("chain_a 16384 1 chain_b, Live "), "{l}");
    assert_eq!(k.delete_module("chain_a", 0), Err(Errno::EWOULDBLOCK));
    assert_eq!(k.read_view("/sys/module/chain_a/refcnt").unwrap(), b"1\n");
    assert_eq!(k.list_view("/sys/module/chain_a/holders").unwrap(), vec!["chain_b".to_string()]);
    k.delete_module("chain_b", 0).unwrap();
    k.delete_module("chain_a", 0).unwrap();
    assert!(k.module_names().is_empty());
}

#[test]
fn failing_init_leaves_nothing() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("failinit") else { return };
    assert_eq!(load(k, &img, ""), Err(Errno(19)));
    assert!(proc_line(k, "failinit").is_none());
    assert!(k.lookup_symbol("failinit_sym").is_none());
    // and it can be tried again
    assert_eq!(load(k, &img, ""), Err(Errno(19)));
}

#[test]
fn missing_symbol_is_enoent_with_the_log_line() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("missingsym") else { return };
    let seq = kabi::log::next_seq();
    assert_eq!(load(k, &img, ""), Err(Errno::ENOENT));
    assert!(log_since(seq).iter().any(|l| l == "missingsym: Unknown symbol modhost_no_such_symbol (err -2)"), "{:?}", log_since(seq));
    assert!(k.module_names().is_empty());
}

#[test]
fn gpl_only_export_refused_to_proprietary_module() {
    let Some((k, _g)) = kernel() else { return };
    let (Some(a), Some(p)) = (test_module("chain_a"), test_module("proprietary_gpl")) else { return };
    load(k, &a, "").unwrap();
    let seq = kabi::log::next_seq();
    assert_eq!(load(k, &p, ""), Err(Errno::ENOENT));
    let log = log_since(seq);
    assert!(log.iter().any(|l| l == "proprietary_gpl: Unknown symbol chain_a_gpl (err -2)"), "{log:?}");
    unload_all(k);
}

#[test]
fn duplicate_name_and_duplicate_export() {
    let Some((k, _g)) = kernel() else { return };
    let (Some(d1), Some(d2), Some(a), Some(de)) = (test_module("dup1"), test_module("dup2"), test_module("chain_a"), test_module("dupexport")) else { return };
    load(k, &d1, "").unwrap();
    assert_eq!(load(k, &d2, ""), Err(Errno::EEXIST));
    load(k, &a, "").unwrap();
    let seq = kabi::log::next_seq();
    assert_eq!(load(k, &de, ""), Err(Errno::ENOEXEC));
    assert!(log_since(seq).iter().any(|l| l == "dupexport: exports duplicate symbol chain_a_value (owned by chain_a)"), "{:?}", log_since(seq));
    unload_all(k);
}

#[test]
fn init_without_exit_needs_force() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("noexit") else { return };
    load(k, &img, "").unwrap();
    let l = proc_line(k, "noexit").unwrap();
    assert!(l.contains(" [permanent], Live "), "{l}");
    assert_eq!(k.delete_module("noexit", 0), Err(Errno::EBUSY));
    k.delete_module("noexit", O_TRUNC).unwrap();
    assert!(k.taint() & (1 << kernel::taint::FORCED_RMMOD) != 0);
}

#[test]
fn percpu_data_and_stack_protector() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("percpu") else { return };
    let seq = kabi::log::next_seq();
    load(k, &img, "").unwrap_or_else(|e| panic!("{e}: {:?}", log_since(seq)));
    let log = log_since(seq);
    let line = log.iter().find(|l| l.starts_with("percpu: cpu=")).unwrap_or_else(|| panic!("{log:?}"));
    // per-CPU increments through %gs, per_cpu_ptr and this_cpu_ptr agree, the
    // initial per-CPU image reached every CPU, and the canary check passed.
    assert!(line.ends_with(" counter=42 via_ptr=42 init=42 init_cpu0=42 stack_sum=2080"), "{line}");
    let seq = kabi::log::next_seq();
    k.delete_module("percpu", 0).unwrap();
    // exit runs on the same host CPU (this thread) as init did
    assert!(log_since(seq).iter().any(|l| l == "percpu: unloaded, counter=42"), "{:?}", log_since(seq));
}

#[test]
fn bad_images_are_rejected_cleanly() {
    let Some((k, _g)) = kernel() else { return };
    assert_eq!(k.init_module(b"short", ""), Err(Errno::ENOEXEC));
    let mut img = tree_module("crc7.ko");
    let n = img.len();
    img[n / 3] ^= 0xff; // inside the signed ELF: the signature no longer verifies
    assert_eq!(load(k, &img, ""), Err(Errno::EKEYREJECTED));
    let elf_only = &tree_module("crc7.ko")[..64];
    assert_eq!(load(k, elf_only, ""), Err(Errno::ENOEXEC));
    assert!(k.module_names().is_empty());
}

#[test]
fn parameters_of_every_kind() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("params") else { return };
    let seq = kabi::log::next_seq();
    let args = "p_int=0x10 p_uint=7 p_long=-5 p_ulong=077 p_ullong=1 p_short=-2 p_ushort=3 p_byte=255 \
                p_hexint=0x1f p_bool=n p_invbool=n p_charp=\"hello world\" p_string=short \
                p_intarr=5,6,7 p_charparr=a,b p-bogus=1";
    load(k, &img, args).unwrap_or_else(|e| panic!("{e}: {:?}", log_since(seq)));
    let log = log_since(seq);
    for want in [
        "params: p_int=16", "params: p_uint=7", "params: p_long=-5", "params: p_ulong=63", "params: p_ullong=1",
        "params: p_short=-2", "params: p_ushort=3", "params: p_byte=255", "params: p_hexint=0x1f", "params: p_bool=N",
        "params: p_charp=hello world", "params: p_string=short", "params: p_intarr_num=3",
        "params: unknown parameter 'p-bogus' ignored",
    ] {
        assert!(log.iter().any(|l| l == want), "{want:?} not in {log:?}");
    }
    let read = |p: &str| String::from_utf8(k.read_view(&format!("/sys/module/params/parameters/{p}")).unwrap()).unwrap();
    assert_eq!(read("p_int"), "16\n");
    assert_eq!(read("p_hexint"), "0x00001f\n");
    assert_eq!(read("p_bool"), "N\n");
    assert_eq!(read("p_invbool"), "N\n"); // set to n: the variable is true
    assert_eq!(read("p_charp"), "hello world\n");
    assert_eq!(read("p_intarr"), "5,6,7\n");
    assert_eq!(read("p_charparr"), "a,b\n");
    // perm 0: no sysfs file
    assert!(k.read_view("/sys/module/params/parameters/p_ulong").is_err());
    assert!(!k.list_view("/sys/module/params/parameters").unwrap().contains(&"p_ulong".to_string()));
    // writable parameters can be written; read-only ones cannot
    k.write_view("/sys/module/params/parameters/p_int", "-7\n").unwrap();
    assert_eq!(read("p_int"), "-7\n");
    assert_eq!(k.write_view("/sys/module/params/parameters/p_uint", "1"), Err(Errno::EPERM));
    assert_eq!(k.write_view("/sys/module/params/parameters/p_int", "junk"), Err(Errno::EINVAL));
    k.delete_module("params", 0).unwrap();

    // Bad values fail the load with the kernel's messages; nothing stays.
    let seq = kabi::log::next_seq();
    assert_eq!(load(k, &img, "p_byte=256"), Err(Errno::ERANGE));
    assert_eq!(load(k, &img, "p_int=abc"), Err(Errno::EINVAL));
    assert_eq!(load(k, &img, "p_string=this-is-far-too-long-for-sixteen"), Err(Errno::ENOSPC));
    assert_eq!(load(k, &img, "p_intarr=1,2,3,4,5"), Err(Errno::EINVAL));
    let log = log_since(seq);
    for want in [
        "params: `256' invalid for parameter `p_byte'",
        "params: `abc' invalid for parameter `p_int'",
        "p_string: string doesn't fit in 15 chars.",
        "params: `this-is-far-too-long-for-sixteen' too large for parameter `p_string'",
        "p_intarr: can only take 4 arguments",
    ] {
        assert!(log.iter().any(|l| l == want), "{want:?} not in {log:?}");
    }
    assert!(k.module_names().is_empty());
}

#[test]
fn sig_enforce_rejects_unsigned_and_ignore_flags_skip_checks() {
    let Some((_k, _g)) = kernel() else { return };
    let Some(hello) = test_module("hello") else { return };
    let Some(p) = common::profile() else { return };
    let mut cfg = kernel::Config::from_profile(&p);
    cfg.sig_enforce = true;
    let k = Kernel::new(cfg).unwrap();
    let seq = kabi::log::next_seq();
    // unsigned: refused with Linux's errno and message
    assert_eq!(k.finit_module(&hello, "", 0), Err(Errno::EKEYREJECTED));
    assert!(log_since(seq).iter().any(|l| l == "Loading of unsigned module is rejected"), "{:?}", log_since(seq));
    // Debian's signed module still loads
    k.finit_module(&tree_module("crc7.ko"), "", 0).unwrap();
    assert!(proc_line(&k, "crc7").unwrap().starts_with("crc7 16384 0 - Live"));
    k.delete_module("crc7", 0).unwrap();
    // with an ignore flag the module counts as mangled: unsigned, rejected too
    assert_eq!(k.finit_module(&tree_module("crc7.ko"), "", kernel::MODULE_INIT_IGNORE_VERMAGIC), Err(Errno::EKEYREJECTED));
    // bad finit flags
    assert_eq!(k.finit_module(&hello, "", 8), Err(Errno::EINVAL));
    assert_eq!(k.finit_module(&hello, "", kernel::MODULE_INIT_COMPRESSED_FILE), Err(Errno::EOPNOTSUPP));
}

#[test]
fn kallsyms_and_sysfs_views() {
    let Some((k, _g)) = kernel() else { return };
    load(k, &tree_module("crc7.ko"), "").unwrap();
    let ks = k.proc_kallsyms();
    // exported (non-GPL) symbols are upper case, the rest lower case
    assert!(ks.lines().any(|l| l.ends_with(" T crc7_be\t[crc7]")), "{ks}");
    assert!(ks.lines().any(|l| l.ends_with(" R crc7_be_syndrome_table\t[crc7]")), "{ks}");
    assert!(ks.lines().any(|l| l.ends_with(" d __this_module\t[crc7]")), "{ks}");
    let base = k.with_module("crc7", |m| m.core_base()).unwrap();
    let text = String::from_utf8(k.read_view("/sys/module/crc7/sections/.text").unwrap()).unwrap();
    assert_eq!(text, format!("0x{base:016x}\n"));
    assert_eq!(k.read_view("/sys/module/crc7/coresize").unwrap(), b"16384\n");
    assert_eq!(k.read_view("/sys/module/crc7/initsize").unwrap(), b"0\n");
    assert_eq!(k.read_view("/sys/module/crc7/initstate").unwrap(), b"live\n");
    assert_eq!(k.read_view("/sys/module/crc7/taint").unwrap(), b"\n");
    assert!(k.list_view("/sys/module/crc7/notes").unwrap().contains(&".note.gnu.build-id".to_string()));
    k.delete_module("crc7", 0).unwrap();
    assert_eq!(k.read_view("/sys/module/crc7/refcnt"), Err(Errno::ENOENT));
}

static REQUESTS: std::sync::Mutex<Vec<(String, bool)>> = std::sync::Mutex::new(Vec::new());

fn record_request(name: &str, wait: bool) -> i32 {
    REQUESTS.lock().unwrap().push((name.to_string(), wait));
    // the kernel returns modprobe's wait status: exit code 1 << 8
    if name == "no-such-module" { 256 } else { 0 }
}

#[test]
fn request_module_reaches_the_host_modprobe() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("requester") else { return };
    let seq = kabi::log::next_seq();
    // No handler installed yet in this process: -ENOENT, as with no modprobe.
    if kabi::request_module_handler().is_none() {
        load(k, &img, "").unwrap();
        assert!(log_since(seq).iter().any(|l| l == "requester: request_module(crc7) = -2"), "{:?}", log_since(seq));
        k.delete_module("requester", 0).unwrap();
    }
    kabi::set_request_module_handler(record_request);
    let seq = kabi::log::next_seq();
    load(k, &img, "want=no-such-module").unwrap();
    assert!(log_since(seq).iter().any(|l| l == "requester: request_module(no-such-module) = 256"), "{:?}", log_since(seq));
    assert!(REQUESTS.lock().unwrap().contains(&("no-such-module".to_string(), true)));
    k.delete_module("requester", 0).unwrap();
}
