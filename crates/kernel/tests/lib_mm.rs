//! lib/ and mm/ of the host kernel on a real C module (tests/modules/libmm):
//! kstrto* results and errno values, string helpers, sort, bitmaps, list
//! debugging (Linux's corruption message and BUG), fortify_panic, kmalloc
//! and kmem_cache (with a constructor) in the direct map so that the
//! module's inline virt_to_page()/page_address() work, pages, vmalloc and
//! dynamic per-CPU memory.

mod common;

use common::{kernel, log_since, test_module};
use kernel::Errno;

fn run(mode: u32) -> (Result<(), Errno>, Vec<String>) {
    let (k, _g) = kernel().expect("kernel");
    let img = test_module("libmm").expect("libmm module");
    let seq = kabi::log::next_seq();
    let r = k.finit_module(&img, &format!("mode={mode}"), 0);
    let log = log_since(seq);
    if r.is_ok() {
        k.delete_module("libmm", 0).unwrap();
    }
    (r, log)
}

fn line<'a>(log: &'a [String], prefix: &str) -> &'a str {
    log.iter().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{prefix} not in {log:#?}"))
}

fn ready() -> bool {
    testkit::require(testkit::test_modules(), "test modules").is_some() && kernel().is_some()
}

#[test]
fn kstrto_values_and_errno() {
    if !ready() {
        return;
    }
    let (r, log) = run(0);
    assert_eq!(r, Ok(()), "{log:#?}");
    // (input) ull ll uint int(base 10): 0, -EINVAL (-22), -ERANGE (-34)
    let want = [
        "libmm: kstrto 0 ull=0:31 ll=0:31 uint=0:31 int=-22:0",                     // "0x1f"
        "libmm: kstrto 1 ull=0:15 ll=0:15 uint=0:15 int=0:17",                      // "017"
        "libmm: kstrto 2 ull=0:42 ll=0:42 uint=0:42 int=0:42",                      // "42\n"
        "libmm: kstrto 3 ull=0:7 ll=0:7 uint=0:7 int=0:7",                          // "+7"
        "libmm: kstrto 4 ull=-22:0 ll=0:-5 uint=-22:0 int=0:-5",                    // "-5"
        "libmm: kstrto 5 ull=0:18446744073709551615 ll=-34:0 uint=-34:0 int=-34:0", // 2^64-1
        "libmm: kstrto 6 ull=-34:0 ll=-34:0 uint=-34:0 int=-34:0",                  // 2^64
        "libmm: kstrto 7 ull=-22:0 ll=-22:0 uint=-22:0 int=-22:0",                  // "12a"
        "libmm: kstrto 8 ull=-22:0 ll=-22:0 uint=-22:0 int=-22:0",                  // ""
        "libmm: kstrto 9 ull=-22:0 ll=-22:0 uint=-22:0 int=-22:0",                  // "0x"
        "libmm: kstrto 10 ull=0:4294967296 ll=0:4294967296 uint=-34:0 int=-34:0",   // 2^32
        "libmm: kstrto 11 ull=-22:0 ll=0:-2147483648 uint=-22:0 int=0:-2147483648",
    ];
    for w in want {
        let idx = w.split(' ').nth(2).unwrap();
        assert_eq!(line(&log, &format!("libmm: kstrto {idx} ")), w);
    }
    assert_eq!(line(&log, "libmm: small "), "libmm: small u8=0:255,-34 s8=0:-128,-34 bool=0:1,0:0,-22 simple=16:zz,-63");
}

#[test]
fn strings_sort_bitmaps_lists() {
    if !ready() {
        return;
    }
    let (r, log) = run(0);
    assert_eq!(r, Ok(()), "{log:#?}");
    assert_eq!(line(&log, "libmm: list "), "libmm: list ok=1");
    assert_eq!(line(&log, "libmm: strlcpy "), "libmm: strlcpy 18 'hello, world, l'");
    assert_eq!(line(&log, "libmm: strlcat "), "libmm: strlcat 21 'abcdefghijklmno'");
    assert_eq!(line(&log, "libmm: strim "), "libmm: strim 'padded text' skip 'x'");
    assert_eq!(line(&log, "libmm: streq "), "libmm: streq 1 0 0 match 1 -22 sysfs 2");
    assert_eq!(line(&log, "libmm: hex "), "libmm: hex 0 deadbeef -22 12");
    assert_eq!(line(&log, "libmm: sort "), "libmm: sort -7 -3 0 1 2 5 5 9");
    assert_eq!(line(&log, "libmm: bitmap "), "libmm: bitmap weight=8 first=3 next=130 zero=0 last=199 subset=1");
}

#[test]
fn memory_in_the_direct_map() {
    if !ready() {
        return;
    }
    let (r, log) = run(0);
    assert_eq!(r, Ok(()), "{log:#?}");
    // kmem_cache_create(40, SLAB_HWCACHE_ALIGN, ctor): 64-aligned objects, ctor-initialised (0x5a)
    assert_eq!(line(&log, "libmm: cache "), "libmm: cache size=40 ctor_ran=1 first=5a aligned=1 distinct=1");
    assert_eq!(line(&log, "libmm: kmalloc "), "libmm: kmalloc virt_to_page ok=1 sg=1 pow2_aligned=1 zeroed=1");
    assert_eq!(line(&log, "libmm: pages "), "libmm: pages alloc=1 aligned=1 refcount=1 gfp=1 zero=1 phys_ok=1");
    assert_eq!(line(&log, "libmm: vmalloc "), "libmm: vmalloc ok=1 page=1");
    let p = line(&log, "libmm: percpu ");
    assert!(p.starts_with("libmm: percpu ok=1 this="), "{p}");
    // this_cpu_read sees the value written for this CPU through per_cpu_ptr
    let this: i32 = p.split("this=").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let cpu: i32 = p.split("cpu=").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert_eq!(this, 100 + cpu, "{p}");
    assert!(p.ends_with("distinct=1"), "{p}");
}

#[test]
fn list_corruption_is_reported_and_bugs() {
    if !ready() {
        return;
    }
    let (r, log) = run(1);
    assert_eq!(r, Err(Errno::EFAULT), "{log:#?}");
    let at = log
        .iter()
        .position(|l| l.starts_with("list_add corruption. next->prev should be prev ("))
        .unwrap_or_else(|| panic!("corruption message not in {log:#?}"));
    let m = &log[at];
    // prev (head), was (b), next (a): 16 hex digits each, as %px prints
    let hexes: Vec<&str> = m.split(|c: char| !c.is_ascii_hexdigit()).filter(|s| s.len() == 16).collect();
    assert_eq!(hexes.len(), 3, "{m}");
    assert!(m.contains(". (next="), "{m}");
    assert_eq!(log[at + 1], "------------[ cut here ]------------");
    assert_eq!(log[at + 2], "kernel BUG at lib/list_debug.c:27!");
    assert!(log[at + 3].starts_with("invalid opcode: 0000 [#"), "{log:#?}");
    assert!(!log.iter().any(|l| l == "libmm: list_add returned"), "the module call must end");
}

#[test]
fn fortified_overflows_end_the_call() {
    if !ready() {
        return;
    }
    for (mode, func) in [(2, "memcpy"), (3, "strscpy")] {
        let (r, log) = run(mode);
        assert_eq!(r, Err(Errno::EFAULT), "{log:#?}");
        let at = log
            .iter()
            .position(|l| l == &format!("detected buffer overflow in {func}"))
            .unwrap_or_else(|| panic!("overflow report for {func} not in {log:#?}"));
        assert_eq!(log[at + 1], "------------[ cut here ]------------");
        assert_eq!(log[at + 2], "kernel BUG at lib/string_helpers.c:1027!");
        assert!(log[at + 3].starts_with("invalid opcode: 0000 [#"), "{log:#?}");
        assert!(!log.iter().any(|l| l.starts_with("libmm: memcpy returned") || l.starts_with("libmm: strscpy returned")));
    }
}

#[test]
fn idr_ida_once_random_crc() {
    if !ready() {
        return;
    }
    let (r, log) = run(0);
    assert_eq!(r, Ok(()), "{log:#?}");
    // idr_alloc: lowest free id; -ENOSPC when [5,6) is taken; -EINVAL for start < 0;
    // idr_for_each sums 0+5; idr_get_next from 1 finds 5; cyclic from cursor 0 takes 1, cursor 2;
    // idr_is_empty (inline, reads the struct) false then true.
    assert_eq!(
        line(&log, "libmm: idr "),
        "libmm: idr a=0 b=5 c=-28 d=-22 find=2000 sum=5 next=5:2000 cyclic=1 cursor=2 remove=1000 empty=0,1"
    );
    assert_eq!(line(&log, "libmm: ida "), "libmm: ida 0 3 -28 0 empty=0,1");
    // XArray: xa_insert on a used index -EBUSY, a NULL insert reserves (loads NULL, skipped by
    // xa_for_each and xa_extract); an internal entry is refused with -EINVAL (and a WARNING);
    // marks show in xa_marked (inline, the root's flag bits) and go with the entry.
    assert_eq!(
        line(&log, "libmm: xa "),
        "libmm: xa old=30 ins=-16,0 busy=0 bad=-22 sum=110 n=2 marked=1,0 found=7 cmpxchg=30 extract=2:33,70 empty=0,1"
    );
    assert!(log.iter().any(|l| l == "WARNING: __xa_store: xa_is_advanced(entry)"), "{log:#?}");
    // XA_FLAGS_ALLOC1: index 0 is busy; a NULL entry reserves; a full range -EBUSY; cyclic from next.
    assert_eq!(line(&log, "libmm: xa_alloc "), "libmm: xa_alloc 0:1 0:2 -16 0:5 next=6 load=0");
    // DO_ONCE ran once; CRC check values of "123456789": CRC-32, CRC-32C, CRC-32/BZIP2
    assert_eq!(
        line(&log, "libmm: misc "),
        "libmm: misc once=1 random_differ=1 crc32=cbf43926 crc32c=e3069283 crc32be=fc891918 sqrt=1000,9 gcd=6"
    );
}

#[test]
fn rbtree_insert_erase_iterate() {
    if !ready() {
        return;
    }
    let (r, log) = run(0);
    assert_eq!(r, Ok(()), "{log:#?}");
    // 200 keys inserted, every other erased: red-black invariants hold after
    // both (checked by the module on the raw nodes), 100 nodes in order both ways.
    assert_eq!(line(&log, "libmm: rbtree "), "libmm: rbtree valid=1,1 count=100 sorted=1 back=100 post=100");
}

#[test]
fn mempool_and_uuid() {
    if !ready() {
        return;
    }
    let (r, log) = run(0);
    assert_eq!(r, Ok(()), "{log:#?}");
    // reserve of 2 filled at creation, kept full (fresh allocations first, frees refill it)
    assert_eq!(line(&log, "libmm: mempool "), "libmm: mempool curr=2,2 min=2 all=1 saturated=1");
    // guid_parse stores the first three fields little-endian, uuid_parse as written; '_' is -EINVAL;
    // uuid_gen makes a version 4, variant 10 UUID
    assert_eq!(line(&log, "libmm: uuid "), "libmm: uuid 0 28732ac1 0 c12a7328 -22 v4 var2");
}

#[test]
fn shrinker_registry() {
    if !ready() {
        return;
    }
    let (r, log) = run(0);
    assert_eq!(r, Ok(()), "{log:#?}");
    // registered: flag set, nr_deferred allocated, linked into shrinker_list; unregistered: both undone
    assert_eq!(line(&log, "libmm: shrinker "), "libmm: shrinker r=0 registered=1 deferred=1 linked=1 after=0,0");
}
