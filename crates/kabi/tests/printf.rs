//! Tests of `kabi::printf`, the kernel's vsnprintf.
//!
//! The integer, character and string conversions are compared with the C
//! library's `snprintf` over large generated sets, leaving out the cases
//! where Linux and glibc are known to differ (those are tested by hand, see
//! `kernel_vs_glibc_differences`); the `%p` extensions have hand-written
//! expectations. Every test lives in the `printf` module so that
//! `cargo test -p kabi printf` selects them.

#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

mod printf {
    use kabi::printf::*;
    use std::ffi::{c_char, c_int, CString};
    // A small deterministic generator.
    use testkit::XorShift as Rng;

    // -----------------------------------------------------------------------
    // Test memory: regions of bytes at addresses, and a symbol table.

    #[derive(Default)]
    struct TestMem {
        regions: Vec<(u64, Vec<u8>)>,
        symbols: Vec<(u64, u64, String, Option<String>)>,
    }

    impl TestMem {
        fn new() -> Self {
            Self::default()
        }

        fn map(&mut self, addr: u64, bytes: &[u8]) -> u64 {
            self.regions.push((addr, bytes.to_vec()));
            addr
        }

        fn map_words(&mut self, addr: u64, words: &[u64]) -> u64 {
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            self.map(addr, &bytes)
        }

        /// Register a real C string of this process (for snprintf comparisons).
        fn map_cstring(&mut self, s: &CString) -> u64 {
            let addr = s.as_ptr() as u64;
            self.map(addr, s.as_bytes_with_nul())
        }

        fn sym(&mut self, start: u64, size: u64, name: &str, module: Option<&str>) {
            self.symbols
                .push((start, size, name.to_string(), module.map(str::to_string)));
        }

        fn region(&self, addr: u64) -> Option<&[u8]> {
            self.regions.iter().find_map(|(base, bytes)| {
                (addr >= *base && addr < base + bytes.len() as u64)
                    .then(|| &bytes[(addr - base) as usize..])
            })
        }
    }

    impl Memory for TestMem {
        fn c_str(&self, addr: u64, max: usize) -> Option<Vec<u8>> {
            let bytes = self.region(addr)?;
            let n = bytes.iter().take(max).position(|&b| b == 0);
            match n {
                Some(n) => Some(bytes[..n].to_vec()),
                None if bytes.len() >= max => Some(bytes[..max].to_vec()),
                None => None,
            }
        }

        fn bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
            let bytes = self.region(addr)?;
            (bytes.len() >= len).then(|| bytes[..len].to_vec())
        }

        fn symbol(&self, addr: u64) -> Option<(String, u64, u64, Option<String>)> {
            self.symbols.iter().find_map(|(start, size, name, module)| {
                (addr >= *start && addr < start + size)
                    .then(|| (name.clone(), addr - start, *size, module.clone()))
            })
        }
    }

    const KEY: [u64; 2] = [0x0706050403020100, 0x0f0e0d0c0b0a0908];

    fn opts() -> Options {
        Options {
            ptr_key: KEY,
            no_hash_pointers: false,
            kptr_restrict: 0,
        }
    }

    fn fmt_mem(mem: &TestMem, fmt: &str, args: &[u64]) -> String {
        let out = format_with(fmt.as_bytes(), &mut ArgList::new(args), mem, &opts());
        String::from_utf8_lossy(&out.text).into_owned()
    }

    fn fmt(fmt: &str, args: &[u64]) -> String {
        fmt_mem(&TestMem::new(), fmt, args)
    }

    fn fmt_bytes(mem: &TestMem, fmt: &[u8], args: &[u64]) -> Vec<u8> {
        format_with(fmt, &mut ArgList::new(args), mem, &opts()).text
    }

    /// The `%p` identifier computed independently with std's SipHash-2-4.
    fn expected_hash(ptr: u64) -> String {
        #[allow(deprecated)]
        let mut h = std::hash::SipHasher::new_with_keys(KEY[0], KEY[1]);
        std::hash::Hasher::write(&mut h, &ptr.to_le_bytes());
        format!("{:016x}", std::hash::Hasher::finish(&h) & 0xffff_ffff)
    }

    fn err_ptr(errno: i64) -> u64 {
        (-errno) as u64
    }

    // -----------------------------------------------------------------------
    // The C library.

    extern "C" {
        fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int;
    }

    /// glibc's snprintf with up to 8 word arguments. On x86-64 every
    /// integer-class variadic argument takes a 64-bit slot and an `int` is
    /// read from its low half, so passing words is what a module's call does.
    fn c_snprintf(size: usize, fmt: &[u8], args: &[u64]) -> (i32, Vec<u8>) {
        let mut a = [0u64; 8];
        a[..args.len()].copy_from_slice(args);
        let cfmt = CString::new(fmt).unwrap();
        let mut buf = vec![0xaau8; size.max(1)];
        let n = unsafe {
            snprintf(
                buf.as_mut_ptr() as *mut c_char,
                size,
                cfmt.as_ptr(),
                a[0],
                a[1],
                a[2],
                a[3],
                a[4],
                a[5],
                a[6],
                a[7],
            )
        };
        (n, buf)
    }

    fn c_format(fmt: &[u8], args: &[u64]) -> Vec<u8> {
        let (n, mut buf) = c_snprintf(4096, fmt, args);
        assert!(
            n >= 0,
            "snprintf failed for {:?}",
            String::from_utf8_lossy(fmt)
        );
        if n as usize >= 4096 {
            let (m, b) = c_snprintf(n as usize + 1, fmt, args);
            assert_eq!(m, n);
            buf = b;
        }
        buf.truncate(n as usize);
        buf
    }

    const VALUES: &[u64] = &[
        0,
        1,
        7,
        8,
        9,
        10,
        15,
        16,
        42,
        100,
        127,
        128,
        255,
        256,
        1000,
        32767,
        32768,
        65535,
        65536,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1_0000_0000,
        0x1_0000_0080,
        0xdead_beef,
        0x1234_5678_9abc_def0,
        i64::MAX as u64,
        1 << 63,
        u64::MAX,
        u64::MAX - 41,
        0xffff_ffff_ffff_ff80,
    ];

    /// The value a conversion sees after its length modifier.
    fn truncated(len: &str, signed: bool, v: u64) -> u64 {
        match (len, signed) {
            ("l" | "ll" | "L" | "z" | "t", _) => v,
            ("hh", true) => v as i8 as i64 as u64,
            ("hh", false) => v as u8 as u64,
            ("h", true) => v as i16 as i64 as u64,
            ("h", false) => v as u16 as u64,
            (_, true) => v as i32 as i64 as u64,
            (_, false) => v as u32 as u64,
        }
    }

    /// One integer conversion: (format, args, comparable with glibc).
    #[derive(Clone, Copy)]
    enum Star {
        None,
        Digits(&'static str),
        Arg(i32),
    }

    fn int_conversion(
        flags: &str,
        width: Star,
        prec: Star,
        len: &str,
        conv: char,
        v: u64,
    ) -> (String, Vec<u64>, bool) {
        let mut f = format!("%{flags}");
        let mut args = Vec::new();
        match width {
            Star::None => {}
            Star::Digits(d) => f += d,
            Star::Arg(w) => {
                f.push('*');
                args.push(w as i64 as u64);
            }
        }
        let precision: Option<i32> = match prec {
            Star::None => None,
            Star::Digits(d) => {
                f.push('.');
                f += d;
                Some(d.parse().unwrap())
            }
            Star::Arg(p) => {
                f += ".*";
                args.push(p as i64 as u64);
                Some(p)
            }
        };
        f += len;
        f.push(conv);
        args.push(v);
        let signed = matches!(conv, 'd' | 'i');
        let value = truncated(len, signed, v);
        let zero = flags.contains('0');
        let minus = flags.contains('-') || matches!(width, Star::Arg(w) if w < 0);
        let hash = flags.contains('#');
        // Where Linux and glibc differ (see kernel_vs_glibc_differences).
        let has_width = !matches!(width, Star::None | Star::Arg(0));
        let differs = (precision.is_some() && zero && !minus && has_width)
            || (precision == Some(0) && value == 0)
            || (hash && matches!(conv, 'x' | 'X') && value == 0)
            || (hash && conv == 'o' && precision.is_some())
            || matches!(precision, Some(p) if p < 0);
        (f, args, !differs)
    }

    fn flag_sets() -> Vec<String> {
        let all = ['-', '+', ' ', '#', '0'];
        (0..32u32)
            .map(|m| {
                all.iter()
                    .enumerate()
                    .filter(|(i, _)| m & (1 << i) != 0)
                    .map(|(_, c)| *c)
                    .collect()
            })
            .collect()
    }

    // -----------------------------------------------------------------------
    // Comparisons with glibc.

    #[test]
    fn integers_match_glibc() {
        let mem = TestMem::new();
        let o = opts();
        let widths = [
            Star::None,
            Star::Digits("1"),
            Star::Digits("7"),
            Star::Digits("20"),
            Star::Arg(-9),
            Star::Arg(0),
            Star::Arg(5),
            Star::Arg(30),
        ];
        let precs = [
            Star::None,
            Star::Digits("0"),
            Star::Digits("1"),
            Star::Digits("5"),
            Star::Digits("25"),
            Star::Arg(0),
            Star::Arg(3),
            Star::Arg(12),
        ];
        let lens = ["", "hh", "h", "l", "ll", "L", "z", "t"];
        let convs = ['d', 'i', 'u', 'x', 'X', 'o'];
        let (mut compared, mut skipped) = (0usize, 0usize);
        let mut failures = Vec::new();
        for flags in flag_sets() {
            for &width in &widths {
                for &prec in &precs {
                    for len in lens {
                        for conv in convs {
                            for &v in VALUES {
                                let (f, args, comparable) =
                                    int_conversion(&flags, width, prec, len, conv, v);
                                if !comparable {
                                    skipped += 1;
                                    continue;
                                }
                                compared += 1;
                                let ours =
                                    format_with(f.as_bytes(), &mut ArgList::new(&args), &mem, &o);
                                let theirs = c_format(f.as_bytes(), &args);
                                if ours.text != theirs && failures.len() < 20 {
                                    failures.push(format!(
                                        "{f:?} {args:x?}: kernel {:?} glibc {:?}",
                                        String::from_utf8_lossy(&ours.text),
                                        String::from_utf8_lossy(&theirs)
                                    ));
                                }
                                assert!(ours.warnings.is_empty(), "{f}: {:?}", ours.warnings);
                            }
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} mismatches, first:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(
            compared > 2_000_000,
            "compared {compared}, skipped {skipped}"
        );
        eprintln!("integer conversions: {compared} compared with glibc, {skipped} known differences skipped");
    }

    #[test]
    fn chars_match_glibc() {
        let mem = TestMem::new();
        let mut compared = 0;
        for flags in flag_sets() {
            for width in ["", "1", "2", "6", "*"] {
                for v in (0u64..=255).chain([0x141, 0xffff_ff41, u64::MAX]) {
                    for wv in if width == "*" {
                        vec![-4i64, 0, 3]
                    } else {
                        vec![0]
                    } {
                        let f = format!("<%{flags}{width}c>");
                        let args: Vec<u64> = if width == "*" {
                            vec![wv as u64, v]
                        } else {
                            vec![v]
                        };
                        let ours = fmt_bytes(&mem, f.as_bytes(), &args);
                        let theirs = c_format(f.as_bytes(), &args);
                        assert_eq!(ours, theirs, "{f} {args:x?}");
                        compared += 1;
                    }
                }
            }
        }
        // %lc is a plain %c in the kernel.
        assert_eq!(fmt("%lc", &[b'A' as u64]), "A");
        eprintln!("char conversions: {compared} compared with glibc");
    }

    #[test]
    fn strings_match_glibc() {
        let owned: Vec<CString> = [
            &b""[..],
            b"a",
            b"hello",
            b"with space",
            b"\xff\xe9\x80 high bytes",
            b"0123456789012345678901234567890123456789",
            b"%s %d not a format",
        ]
        .iter()
        .map(|s| CString::new(*s).unwrap())
        .collect();
        let mut mem = TestMem::new();
        let mut ptrs: Vec<u64> = owned.iter().map(|s| mem.map_cstring(s)).collect();
        ptrs.push(0); // NULL
        let mut compared = 0;
        for flags in ["", "-", "0", "-0", "#", "+ "] {
            for width in ["", "0", "3", "10", "*"] {
                for prec in ["", ".0", ".2", ".6", ".10", ".*"] {
                    for &p in &ptrs {
                        let wvals: &[i64] = if width == "*" { &[-12, 0, 7] } else { &[0] };
                        let pvals: &[i64] = if prec == ".*" { &[0, 4, 9] } else { &[0] };
                        for &wv in wvals {
                            for &pv in pvals {
                                let precision = match prec {
                                    "" => None,
                                    ".*" => Some(pv),
                                    d => Some(d[1..].parse().unwrap()),
                                };
                                // glibc prints "" for a NULL cut below 6 bytes; Linux cuts "(null)".
                                if p == 0 && matches!(precision, Some(n) if n < 6) {
                                    continue;
                                }
                                let f = format!("[%{flags}{width}{prec}s]");
                                let mut args = Vec::new();
                                if width == "*" {
                                    args.push(wv as u64);
                                }
                                if prec == ".*" {
                                    args.push(pv as u64);
                                }
                                args.push(p);
                                let ours = fmt_bytes(&mem, f.as_bytes(), &args);
                                let theirs = c_format(f.as_bytes(), &args);
                                assert_eq!(
                                    String::from_utf8_lossy(&ours),
                                    String::from_utf8_lossy(&theirs),
                                    "{f} {args:x?}"
                                );
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
        eprintln!("string conversions: {compared} compared with glibc");
    }

    #[test]
    fn percent_and_literals_match_glibc() {
        let mem = TestMem::new();
        for f in [
            "%%",
            "%5%",
            "%-5%",
            "a%%b%%%%c",
            "100%% sure",
            "no conversions at all",
            "",
        ] {
            assert_eq!(
                fmt_bytes(&mem, f.as_bytes(), &[]),
                c_format(f.as_bytes(), &[]),
                "{f}"
            );
        }
    }

    /// Random formats mixing text and several conversions, to check the
    /// order in which arguments are consumed.
    #[test]
    fn mixed_formats_match_glibc() {
        let owned: Vec<CString> = ["x", "kernel", "", "a longer string value"]
            .iter()
            .map(|s| CString::new(*s).unwrap())
            .collect();
        let mut mem = TestMem::new();
        let strs: Vec<u64> = owned.iter().map(|s| mem.map_cstring(s)).collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let flags = flag_sets();
        let texts = ["", " ", "abc", ": ", "=", "\t", "[x]"];
        for _ in 0..100_000 {
            let mut f = String::new();
            let mut args = Vec::new();
            let mut comparable = true;
            while args.len() < 5 {
                f += texts[rng.below(texts.len())];
                match rng.below(10) {
                    0 => {
                        f += "%s";
                        args.push(strs[rng.below(strs.len())]);
                    }
                    1 => {
                        let w = ["", "-8", "5"][rng.below(3)];
                        f += &format!("%{w}c");
                        args.push(32 + rng.below(90) as u64);
                    }
                    2 => f += "%%",
                    _ => {
                        let width = [
                            Star::None,
                            Star::Digits("4"),
                            Star::Digits("12"),
                            Star::Arg(-6),
                            Star::Arg(9),
                        ][rng.below(5)];
                        let prec =
                            [Star::None, Star::None, Star::Digits("3"), Star::Arg(2)][rng.below(4)];
                        let len = ["", "hh", "h", "l", "ll", "z", "t"][rng.below(7)];
                        let conv = ['d', 'i', 'u', 'x', 'X', 'o'][rng.below(6)];
                        let v = if rng.below(2) == 0 {
                            VALUES[rng.below(VALUES.len())]
                        } else {
                            rng.next_u64()
                        };
                        let (c, a, ok) =
                            int_conversion(&flags[rng.below(32)], width, prec, len, conv, v);
                        f += &c;
                        args.extend(a);
                        comparable &= ok;
                    }
                }
            }
            if args.len() > 8 || !comparable {
                continue;
            }
            let ours = fmt_bytes(&mem, f.as_bytes(), &args);
            let theirs = c_format(f.as_bytes(), &args);
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{f:?} {args:x?}"
            );
        }
    }

    /// vsnprintf's truncation and return value, against glibc's snprintf.
    #[test]
    fn vsnprintf_truncation_matches_glibc() {
        let s = CString::new("truncate me").unwrap();
        let mut mem = TestMem::new();
        let sp = mem.map_cstring(&s);
        let cases: Vec<(&str, Vec<u64>)> = vec![
            ("%-14s|%5d|%#x", vec![sp, (-42i64) as u64, 0xbeef]),
            ("%08lx %c%c", vec![0x1234, b'o' as u64, b'k' as u64]),
            ("plain text only", vec![]),
            ("%*d", vec![40, 7]),
        ];
        for (f, args) in &cases {
            let full = c_format(f.as_bytes(), args).len();
            for size in 0..full + 3 {
                let mut ours = vec![0xaau8; size];
                let n = vsnprintf(&mut ours, f.as_bytes(), &mut ArgList::new(args), &mem);
                let (m, theirs) = c_snprintf(size, f.as_bytes(), args);
                assert_eq!(n, m as usize, "{f} size {size}");
                assert_eq!(ours[..], theirs[..size], "{f} size {size}");
                let mut buf = vec![0u8; size];
                let written = vscnprintf(&mut buf, f.as_bytes(), &mut ArgList::new(args), &mem);
                assert_eq!(
                    written,
                    if size == 0 { 0 } else { full.min(size - 1) },
                    "{f} size {size}"
                );
            }
        }
    }

    // -----------------------------------------------------------------------
    // Where the kernel and glibc part ways.

    #[test]
    fn kernel_vs_glibc_differences() {
        let s = CString::new("abcdef").unwrap();
        let mut mem = TestMem::new();
        let sp = mem.map_cstring(&s);
        // (format, args, Linux 6.1, glibc)
        let cases: &[(&str, Vec<u64>, &str, &str)] = &[
            ("[%.0d]", vec![0], "[0]", "[]"),
            ("[%.d]", vec![0], "[0]", "[]"),
            ("[%.0x]", vec![0], "[0]", "[]"),
            ("[%#x]", vec![0], "[0x0]", "[0]"),
            ("[%#5x]", vec![0], "[  0x0]", "[    0]"),
            ("[%#.0x]", vec![0], "[0x0]", "[]"),
            ("[%#.3o]", vec![8], "[0010]", "[010]"),
            ("[%08.3d]", vec![5], "[00000005]", "[     005]"),
            ("[%06.2x]", vec![0xa], "[00000a]", "[    0a]"),
            ("[%.s]", vec![sp], "[abcdef]", "[]"),
            ("[%.*s]", vec![(-1i64) as u64, sp], "[]", "[abcdef]"),
            ("[%.*d]", vec![(-1i64) as u64, 0], "[0]", "[0]"),
            ("[%.3s]", vec![0], "[(nu]", "[]"),
            ("[%p]", vec![0], "[0000000000000000]", "[(nil)]"),
        ];
        for (f, args, linux, glibc) in cases {
            assert_eq!(fmt_mem(&mem, f, args), *linux, "{f}");
            assert_eq!(
                String::from_utf8_lossy(&c_format(f.as_bytes(), args)),
                *glibc,
                "glibc {f}"
            );
        }
    }

    #[test]
    fn unsupported_conversions_stop_output() {
        let mem = TestMem::new();
        for (f, expect, conv) in [
            ("a%nb%d", "a", b'n'),
            ("x=%jd rest", "x=", b'j'),
            ("x=%qd rest", "x=", b'q'),
            ("x=%Zd rest", "x=", b'Z'),
            ("%d %f %d", "1 ", b'f'),
            ("%d %LLd", "1 ", b'L'),
            ("%d %lld %", "1 2 ", 0),
            ("%d %5", "1 ", 0),
            ("%d %**d", "1 ", b'*'),
            ("%'d", "", b'\''),
        ] {
            let out = format_with(f.as_bytes(), &mut ArgList::new(&[1, 2, 3]), &mem, &opts());
            assert_eq!(String::from_utf8_lossy(&out.text), expect, "{f}");
            assert!(
                matches!(out.warnings[..], [Warning::UnsupportedConversion { conversion, .. }] if conversion == conv),
                "{f}: {:?}",
                out.warnings
            );
        }
        // Nothing is consumed for the unsupported conversion.
        let mut args = ArgList::new(&[1, 2, 3]);
        format(b"%d%n%d", &mut args, &mem);
        assert_eq!(args.consumed(), 1);
    }

    #[test]
    fn width_and_precision_limits() {
        let mem = TestMem::new();
        // A digit width is truncated to the kernel's 24-bit bitfield:
        // 99999999 becomes negative, i.e. no width.
        assert_eq!(fmt("[%99999999d]", &[5]), "[5]");
        assert_eq!(fmt("[%16777221d]", &[5]), "[    5]");
        // A digit precision is truncated to 16 bits; negative becomes 0.
        assert_eq!(fmt("[%.65539d]", &[5]), "[005]");
        assert_eq!(fmt("[%.40000d]", &[5]), "[5]");
        // A `*` width is clamped to 2^23-1.
        let mut buf = [0u8; 8];
        let out = vsnprintf_with(
            &mut buf,
            b"%*d",
            &mut ArgList::new(&[0x7fff_ffff, 5]),
            &mem,
            &opts(),
        );
        assert_eq!(out.len, (1 << 23) - 1);
        assert_eq!(out.warnings, vec![Warning::FieldWidthTooLarge(0x7fff_ffff)]);
        assert_eq!(&buf, b"       \0");
        let out = vsnprintf_with(
            &mut buf,
            b"%*d",
            &mut ArgList::new(&[(-20_000_000i64) as u64, 5]),
            &mem,
            &opts(),
        );
        assert_eq!(out.len, (1 << 23) - 1);
        assert_eq!(&buf, b"5      \0");
        // A `*` precision is clamped to 0..=32767.
        let out = vsnprintf_with(
            &mut buf,
            b"%.*d",
            &mut ArgList::new(&[40000, 5]),
            &mem,
            &opts(),
        );
        assert_eq!(out.len, 32767);
        assert_eq!(out.warnings, vec![Warning::PrecisionTooLarge(40000)]);
        // The kernel refuses sizes above INT_MAX (not tested with a real
        // 2 GiB buffer); size 0 writes nothing but counts.
        let mut empty = [0u8; 0];
        assert_eq!(
            vsnprintf(&mut empty, b"hello %d", &mut ArgList::new(&[42]), &mem),
            8
        );
        assert_eq!(
            vscnprintf(&mut empty, b"hello %d", &mut ArgList::new(&[42]), &mem),
            0
        );
    }

    #[test]
    fn integer_details() {
        assert_eq!(fmt("%d %i", &[0xffff_ffff, 0x1_0000_0005]), "-1 5");
        assert_eq!(
            fmt("%u %x %X %o", &[u64::MAX, u64::MAX, 0xabc, 8]),
            "4294967295 ffffffff ABC 10"
        );
        assert_eq!(
            fmt("%ld %lu %lx", &[u64::MAX, u64::MAX, u64::MAX]),
            "-1 18446744073709551615 ffffffffffffffff"
        );
        assert_eq!(
            fmt(
                "%lld %Lu %zd %zu %td %tx",
                &[u64::MAX, 5, u64::MAX, 6, u64::MAX, 255]
            ),
            "-1 5 -1 6 -1 ff"
        );
        assert_eq!(
            fmt(
                "%hhd %hhu %hhx %hd %hu %hx",
                &[0x180, 0x1ff, 0x1234, 0x18000, 0x1ffff, 0x12345]
            ),
            "-128 255 34 -32768 65535 2345"
        );
        assert_eq!(fmt("%lld", &[1 << 63]), "-9223372036854775808");
        assert_eq!(
            fmt("[%+d] [% d] [%+ d] [%+u]", &[5, 5, 5, 5]),
            "[+5] [ 5] [+5] [5]"
        );
        assert_eq!(
            fmt("[%-+6d] [%06d] [%-06d] [%+06d]", &[5, (-5i64) as u64, 5, 5]),
            "[+5    ] [-00005] [5     ] [+00005]"
        );
        assert_eq!(
            fmt("[%#o] [%#o] [%#x] [%#X] [%#010x]", &[0, 8, 255, 255, 255]),
            "[0] [010] [0xff] [0XFF] [0x000000ff]"
        );
        assert_eq!(
            fmt("[%.5d] [%8.3x] [%-8.3o|]", &[42, 10, 8]),
            "[00042] [     00a] [010     |]"
        );
        assert_eq!(fmt("[%c]", &[0]).as_bytes(), b"[\0]");
    }

    #[test]
    fn strings_and_bad_pointers() {
        let mut mem = TestMem::new();
        let s = mem.map(0x1000_0000, b"bytes \xff\xfe not utf-8\0");
        let unterminated = mem.map(0x1100_0000, b"abc");
        assert_eq!(fmt_bytes(&mem, b"%s", &[s]), b"bytes \xff\xfe not utf-8");
        assert_eq!(
            fmt_mem(&mem, "[%.5s] [%8.2s] [%-8.2s]", &[s, s, s]),
            "[bytes] [      by] [by      ]"
        );
        assert_eq!(
            fmt_mem(&mem, "[%s] [%10s] [%-8s] [%.3s]", &[0, 0, 0, 0]),
            "[(null)] [    (null)] [(null)  ] [(nu]"
        );
        for bad in [0x10, 0xfff, err_ptr(12), 0x5000_0000, u64::MAX] {
            assert_eq!(
                fmt_mem(&mem, "[%s] [%9s]", &[bad, bad]),
                "[(efault)] [ (efault)]",
                "{bad:#x}"
            );
        }
        // A precision bounds the read: no NUL is needed within it.
        assert_eq!(fmt_mem(&mem, "[%.3s]", &[unterminated]), "[abc]");
        assert_eq!(fmt_mem(&mem, "[%s]", &[unterminated]), "[(efault)]");
        // Precision 0 reads nothing, so even an unreadable pointer prints "".
        assert_eq!(fmt_mem(&mem, "[%.0s]", &[0x5000_0000]), "[]");
        assert_eq!(
            fmt_mem(&mem, "[%ls]", &[s]),
            "[bytes \u{fffd}\u{fffd} not utf-8]"
        );
        // The format itself ends at a NUL.
        assert_eq!(fmt_bytes(&mem, b"ab\0%d", &[1]), b"ab");
    }

    // -----------------------------------------------------------------------
    // %p and its extensions.

    #[test]
    fn plain_pointers() {
        let mem = TestMem::new();
        let p = 0xffff_8880_1234_5678u64;
        assert_eq!(fmt("%p", &[p]), expected_hash(p));
        assert!(fmt("%p", &[p]).starts_with("00000000"));
        assert_eq!(fmt("%p %p", &[p, p + 8]).len(), 33);
        assert_ne!(fmt("%p", &[p]), fmt("%p", &[p + 8]));
        // NULL and ERR_PTR are not hashed.
        assert_eq!(fmt("%p", &[0]), "0000000000000000");
        assert_eq!(fmt("%p", &[err_ptr(12)]), "fffffffffffffff4");
        // Width and flags apply to the (hashed) number.
        assert_eq!(fmt("[%20p]", &[0]), "[                   0]");
        assert_eq!(fmt("[%-20p]", &[0]), "[0                   ]");
        assert_eq!(fmt("[%-p]", &[0x1234]).len(), 18);
        assert_eq!(fmt("[%#p]", &[0]), "[0x00000000000000]");
        // %px: raw.
        assert_eq!(fmt("%px", &[p]), "ffff888012345678");
        assert_eq!(fmt("%px", &[0]), "0000000000000000");
        assert_eq!(fmt("[%8px]", &[0x1234]), "[    1234]");
        // %pK: kptr_restrict.
        assert_eq!(fmt("%pK", &[p]), expected_hash(p));
        for restrict in [1, 2] {
            let o = Options {
                kptr_restrict: restrict,
                ..opts()
            };
            let out = format_with(b"%pK", &mut ArgList::new(&[p]), &mem, &o);
            assert_eq!(out.text, b"0000000000000000");
        }
        // no_hash_pointers.
        let o = Options {
            no_hash_pointers: true,
            ..opts()
        };
        assert_eq!(
            format_with(b"%p", &mut ArgList::new(&[p]), &mem, &o).text,
            b"ffff888012345678"
        );
        // Removed or unknown extensions print like %p; all letters and
        // digits after %p belong to the extension.
        assert_eq!(fmt("%pF", &[p]), expected_hash(p));
        assert_eq!(fmt("%pzebra9!", &[p]), expected_hash(p) + "!");
        assert_eq!(fmt("%p-x", &[p]), expected_hash(p) + "-x");
        // The kernel's isalnum is Latin-1: the first byte of a UTF-8 "é"
        // (0xc3) is a letter, the second (0xa9) is not.
        let mut expect = expected_hash(p).into_bytes();
        expect.extend_from_slice(b"\xa9t\xc3\xa9");
        assert_eq!(fmt_bytes(&mem, "%p\u{e9}t\u{e9}".as_bytes(), &[p]), expect);
        // The default key is this host's random one.
        assert_eq!(Options::default().ptr_key, host_ptr_key());
        assert_eq!(
            format(b"%p", &mut ArgList::new(&[p]), &mem),
            format!("{:016x}", hash_pointer(p, &host_ptr_key())).into_bytes()
        );
    }

    #[test]
    fn siphash_matches_std() {
        let mut rng = Rng(42);
        for _ in 0..1000 {
            let key = [rng.next_u64(), rng.next_u64()];
            let m = rng.next_u64();
            #[allow(deprecated)]
            let mut h = std::hash::SipHasher::new_with_keys(key[0], key[1]);
            std::hash::Hasher::write(&mut h, &m.to_le_bytes());
            assert_eq!(siphash_1u64(m, &key), std::hash::Hasher::finish(&h));
        }
        // The reference implementation's vector for the message 00..07
        // under the key 00..0f.
        assert_eq!(siphash_1u64(0x0706050403020100, &KEY), 0x93f5f5799a932462);
    }

    #[test]
    fn symbols() {
        let mut mem = TestMem::new();
        mem.sym(0xffff_ffff_c000_1000, 0x80, "my_func", Some("mymod"));
        mem.sym(0xffff_ffff_8100_0000, 0x40, "_printk", None);
        let f = 0xffff_ffff_c000_1000u64;
        assert_eq!(
            fmt_mem(&mem, "%pS", &[f + 0x10]),
            "my_func+0x10/0x80 [mymod]"
        );
        assert_eq!(
            fmt_mem(&mem, "%pSR", &[f + 0x10]),
            "my_func+0x10/0x80 [mymod]"
        );
        assert_eq!(fmt_mem(&mem, "%pSb", &[f]), "my_func+0x0/0x80 [mymod]");
        assert_eq!(fmt_mem(&mem, "%ps", &[f + 0x10]), "my_func [mymod]");
        assert_eq!(
            fmt_mem(&mem, "%pS", &[0xffff_ffff_8100_0000]),
            "_printk+0x0/0x40"
        );
        assert_eq!(fmt_mem(&mem, "%ps", &[0xffff_ffff_8100_0004]), "_printk");
        // %pB looks up addr-1 (a return address may be past the end).
        assert_eq!(
            fmt_mem(&mem, "%pB", &[f + 0x80]),
            "my_func+0x80/0x80 [mymod]"
        );
        assert_eq!(fmt_mem(&mem, "%pS", &[f + 0x80]), "0xffffffffc0001080");
        assert_eq!(
            fmt_mem(&mem, "%pS %ps %pB", &[0, 0xdead, 0x1000]),
            "0x0 0xdead 0x1000"
        );
        assert_eq!(
            fmt_mem(
                &mem,
                "[%-10ps] [%10.3ps]",
                &[0xffff_ffff_8100_0000, 0xffff_ffff_8100_0000]
            ),
            "[_printk   ] [       _pr]"
        );
    }

    #[test]
    fn mac_addresses() {
        let mut mem = TestMem::new();
        let a = mem.map(0x2000_0000, &[0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
        assert_eq!(fmt_mem(&mem, "%pM", &[a]), "00:1a:2b:3c:4d:5e");
        assert_eq!(fmt_mem(&mem, "%pMR", &[a]), "5e:4d:3c:2b:1a:00");
        assert_eq!(fmt_mem(&mem, "%pMF", &[a]), "00-1a-2b-3c-4d-5e");
        assert_eq!(fmt_mem(&mem, "%pm", &[a]), "001a2b3c4d5e");
        assert_eq!(fmt_mem(&mem, "%pmR", &[a]), "5e4d3c2b1a00");
        assert_eq!(fmt_mem(&mem, "[%20pM]", &[a]), "[   00:1a:2b:3c:4d:5e]");
        assert_eq!(
            fmt_mem(&mem, "[%pM] [%10pM] [%-10pM] [%.3pM]", &[0, 0, 0, 0]),
            "[(null)] [    (null)] [(null)    ] [(nu]"
        );
        assert_eq!(
            fmt_mem(&mem, "[%pM] [%pM]", &[0x5000_0000, err_ptr(22)]),
            "[(efault)] [(efault)]"
        );
    }

    #[test]
    fn ip_addresses() {
        let mut mem = TestMem::new();
        let v4 = mem.map(0x2000_0000, &[192, 168, 1, 10]);
        assert_eq!(fmt_mem(&mem, "%pI4", &[v4]), "192.168.1.10");
        assert_eq!(fmt_mem(&mem, "%pi4", &[v4]), "192.168.001.010");
        assert_eq!(
            fmt_mem(&mem, "%pI4n %pI4b", &[v4, v4]),
            "192.168.1.10 192.168.1.10"
        );
        assert_eq!(
            fmt_mem(&mem, "%pI4h %pI4l", &[v4, v4]),
            "10.1.168.192 10.1.168.192"
        );
        assert_eq!(fmt_mem(&mem, "[%16pI4]", &[v4]), "[    192.168.1.10]");

        let mut addr6 = [0u8; 16];
        addr6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        addr6[15] = 1;
        let v6 = mem.map(0x2000_1000, &addr6);
        assert_eq!(
            fmt_mem(&mem, "%pI6", &[v6]),
            "2001:0db8:0000:0000:0000:0000:0000:0001"
        );
        assert_eq!(
            fmt_mem(&mem, "%pi6", &[v6]),
            "20010db8000000000000000000000001"
        );
        assert_eq!(fmt_mem(&mem, "%pI6c", &[v6]), "2001:db8::1");
        let words = |w: [u16; 8]| -> Vec<u8> { w.iter().flat_map(|x| x.to_be_bytes()).collect() };
        for (i, (w, expect)) in [
            ([0u16; 8], "::"),
            ([1, 0, 0, 0, 0, 0, 0, 0], "1::"),
            ([0, 0, 0, 0, 0, 0, 0, 1], "::1"),
            ([1, 0, 1, 0, 0, 1, 0, 0], "1:0:1::1:0:0"),
            ([1, 2, 3, 4, 5, 6, 7, 8], "1:2:3:4:5:6:7:8"),
            ([1, 0, 2, 0, 3, 0, 4, 0], "1:0:2:0:3:0:4:0"),
            (
                [0xfe80, 0, 0, 0, 0x0a0b, 0x00ab, 0x000c, 0x1000],
                "fe80::a0b:ab:c:1000",
            ),
            ([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], "::ffff:192.0.2.1"),
            (
                [0xfe80, 0, 0, 0, 0, 0x5efe, 0xc000, 0x0201],
                "fe80::5efe:192.0.2.1",
            ),
            (
                [0xfe80, 0, 0, 0, 0x0200, 0x5efe, 0xc000, 0x0201],
                "fe80::200:5efe:192.0.2.1",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let a = mem.map(0x2100_0000 + 0x100 * i as u64, &words(w));
            assert_eq!(fmt_mem(&mem, "%pI6c", &[a]), expect, "{w:x?}");
        }

        // struct sockaddr_in / sockaddr_in6
        let mut sin = vec![2, 0, 0x1f, 0x90, 10, 0, 0, 1];
        sin.resize(16, 0);
        let sin = mem.map(0x2200_0000, &sin);
        assert_eq!(fmt_mem(&mem, "%pIS", &[sin]), "10.0.0.1");
        assert_eq!(fmt_mem(&mem, "%pISp", &[sin]), "10.0.0.1:8080");
        assert_eq!(fmt_mem(&mem, "%piSp", &[sin]), "010.000.000.001:8080");
        let mut sin6 = vec![10, 0, 0x01, 0xbb, 0x00, 0x01, 0x23, 0x45];
        sin6.extend_from_slice(&addr6);
        sin6.extend_from_slice(&3u32.to_le_bytes());
        let sin6 = mem.map(0x2200_1000, &sin6);
        assert_eq!(fmt_mem(&mem, "%pISc", &[sin6]), "2001:db8::1");
        assert_eq!(fmt_mem(&mem, "%pISpc", &[sin6]), "[2001:db8::1]:443");
        assert_eq!(
            fmt_mem(&mem, "%pISpfsc", &[sin6]),
            "[2001:db8::1]:443/74565%3"
        );
        assert_eq!(
            fmt_mem(&mem, "%pIS", &[sin6]),
            "2001:0db8:0000:0000:0000:0000:0000:0001"
        );
        let unix = mem.map(0x2200_2000, &[1, 0, 0, 0]);
        assert_eq!(fmt_mem(&mem, "%pIS", &[unix]), "(einval)");
        assert_eq!(
            fmt_mem(&mem, "%pI %pi %pI5", &[v4, v4, v4]),
            "(%pI?) (%pi?) (%pI?)"
        );
        assert_eq!(
            fmt_mem(&mem, "%pI4 %pI6c", &[0, 0x5000_0000]),
            "(null) (efault)"
        );
    }

    #[test]
    fn uuids() {
        let mut mem = TestMem::new();
        let u: Vec<u8> = (0..16).collect();
        let u = mem.map(0x2000_0000, &u);
        assert_eq!(
            fmt_mem(&mem, "%pU", &[u]),
            "00010203-0405-0607-0809-0a0b0c0d0e0f"
        );
        assert_eq!(
            fmt_mem(&mem, "%pUb", &[u]),
            "00010203-0405-0607-0809-0a0b0c0d0e0f"
        );
        assert_eq!(
            fmt_mem(&mem, "%pUB", &[u]),
            "00010203-0405-0607-0809-0A0B0C0D0E0F"
        );
        assert_eq!(
            fmt_mem(&mem, "%pUl", &[u]),
            "03020100-0504-0706-0809-0a0b0c0d0e0f"
        );
        assert_eq!(
            fmt_mem(&mem, "%pUL", &[u]),
            "03020100-0504-0706-0809-0A0B0C0D0E0F"
        );
        assert_eq!(fmt_mem(&mem, "%pU", &[0]), "(null)");
    }

    #[test]
    fn hex_dumps() {
        let mut mem = TestMem::new();
        let bytes: Vec<u8> = (0..100u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(0xde))
            .collect();
        let b = mem.map(0x2000_0000, &bytes);
        assert_eq!(fmt_mem(&mem, "%ph", &[b]), "de");
        assert_eq!(fmt_mem(&mem, "%4ph", &[b]), "de 03 28 4d");
        assert_eq!(fmt_mem(&mem, "%4phC", &[b]), "de:03:28:4d");
        assert_eq!(fmt_mem(&mem, "%4phD", &[b]), "de-03-28-4d");
        assert_eq!(fmt_mem(&mem, "%4phN", &[b]), "de03284d");
        assert_eq!(fmt_mem(&mem, "%*ph|", &[3, b]), "de 03 28|");
        assert_eq!(fmt_mem(&mem, "%*ph|", &[(-2i64) as u64, b]), "de 03|");
        assert_eq!(fmt_mem(&mem, "[%*ph]", &[0, b]), "[]");
        // "0" is a flag, not a width: one byte.
        assert_eq!(fmt_mem(&mem, "[%0ph]", &[b]), "[de]");
        // At most 64 bytes.
        let all = fmt_mem(&mem, "%*phN", &[100, b]);
        assert_eq!(all.len(), 128);
        let expect: String = bytes[..64].iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(all, expect);
        // The pointer check uses the width as a field width.
        assert_eq!(fmt_mem(&mem, "[%*ph]", &[8, 0]), "[  (null)]");
        assert_eq!(fmt_mem(&mem, "[%*ph]", &[4, 0x5000_0000]), "[(efault)]");
    }

    #[test]
    fn escaped_buffers() {
        let mut mem = TestMem::new();
        let raw = b"a\nb\x01\\\"\xff\xa0\x00\x7f\x1b\x07 \t";
        let b = mem.map(0x2000_0000, raw);
        let n = raw.len() as u64;
        let e = |f: &str| fmt_bytes(&mem, f.as_bytes(), &[n, b]);
        // Default flags: ANY | NP; printable (Latin-1 too) passes.
        assert_eq!(e("%*pE"), b"a\\nb\\001\\\"\xff\xa0\\0\\177\\e\\a \\t");
        assert_eq!(
            e("%*pEa"),
            b"\\141\\n\\142\\001\\\\\\\"\\377\\240\\0\\177\\e\\a\\040\\t"
        );
        assert_eq!(
            e("%*pEh"),
            b"\\x61\\x0a\\x62\\x01\\x5c\\x22\\xff\\xa0\\x00\\x7f\\x1b\\x07\\x20\\x09"
        );
        assert_eq!(
            e("%*pEhp"),
            b"a\\x0ab\\x01\\\"\xff\xa0\\x00\\x7f\\x1b\\x07 \\x09"
        );
        assert_eq!(e("%*pEs"), b"a\\nb\x01\\\"\xff\xa0\x00\x7f\x1b\x07 \\t");
        assert_eq!(e("%*pEc"), b"a\nb\x01\\\\\\\"\xff\xa0\x00\x7f\\e\\a \t");
        assert_eq!(e("%*pEn"), b"a\nb\x01\\\"\xff\xa0\\0\x7f\x1b\x07 \t");
        assert_eq!(
            e("%*pEo"),
            b"\\141\\012\\142\\001\\134\\042\\377\\240\\000\\177\\033\\007\\040\\011"
        );
        assert_eq!(e("%*pEsp"), b"a\\nb\x01\\\"\xff\xa0\x00\x7f\x1b\x07 \\t");
        // Without a width: one byte.
        assert_eq!(fmt_bytes(&mem, b"%pE|", &[b]), b"a|");
        assert_eq!(fmt_mem(&mem, "%pE", &[0]), "(null)");
    }

    #[test]
    fn phys_and_dma_addresses() {
        let mut mem = TestMem::new();
        let a = mem.map_words(0x2000_0000, &[0x1234_abcd]);
        assert_eq!(fmt_mem(&mem, "%pa", &[a]), "0x000000001234abcd");
        assert_eq!(fmt_mem(&mem, "%pap", &[a]), "0x000000001234abcd");
        assert_eq!(fmt_mem(&mem, "%pad", &[a]), "0x000000001234abcd");
        // The user's width does not apply.
        assert_eq!(fmt_mem(&mem, "[%30pa]", &[a]), "[0x000000001234abcd]");
        assert_eq!(
            fmt_mem(&mem, "%pa %pad", &[0, 0x5000_0000]),
            "(null) (efault)"
        );
        assert_eq!(fmt_mem(&mem, "%pNF", &[a]), "0x000000001234abcd");
        assert_eq!(fmt_mem(&mem, "%pN", &[a]), "(%pN?)");
    }

    #[test]
    fn error_pointers() {
        let mem = TestMem::new();
        assert_eq!(fmt("%pe", &[err_ptr(12)]), "-ENOMEM");
        assert_eq!(fmt("%pe", &[err_ptr(11)]), "-EAGAIN");
        assert_eq!(fmt("%pe", &[err_ptr(35)]), "-EDEADLK");
        assert_eq!(fmt("%pe", &[err_ptr(95)]), "-EOPNOTSUPP");
        assert_eq!(fmt("%pe", &[err_ptr(133)]), "-EHWPOISON");
        assert_eq!(fmt("%pe", &[err_ptr(517)]), "-EPROBE_DEFER");
        assert_eq!(fmt("%pe", &[err_ptr(524)]), "-ENOTSUPP");
        assert_eq!(fmt("%pe", &[err_ptr(530)]), "-ERECALLCONFLICT");
        // Unnamed: decimal, with the user's spec.
        assert_eq!(fmt("%pe", &[err_ptr(41)]), "-41");
        assert_eq!(fmt("%pe", &[err_ptr(531)]), "-531");
        assert_eq!(fmt("%pe", &[err_ptr(4095)]), "-4095");
        assert_eq!(fmt("[%8pe]", &[err_ptr(1234)]), "[   -1234]");
        assert_eq!(
            fmt("[%10pe] [%-10pe]", &[err_ptr(12), err_ptr(12)]),
            "[   -ENOMEM] [-ENOMEM   ]"
        );
        // Not an error pointer: plain %p.
        assert_eq!(fmt("%pe", &[0]), "0000000000000000");
        assert_eq!(
            fmt("%pe", &[0xffff_8880_0000_1000]),
            expected_hash(0xffff_8880_0000_1000)
        );
        assert_eq!(errname(-2).as_deref(), Some("-ENOENT"));
        assert_eq!(errname(2).as_deref(), Some("ENOENT"));
        assert_eq!(errname(0), None);
        assert_eq!(errname(58), None);
        let _ = mem;
    }

    /// A dentry tree with the 6.1 x86-64 layout (d_parent at 24, d_name.name
    /// at 40) and a struct file (f_path.dentry at 24).
    fn dentries(mem: &mut TestMem) -> (u64, u64, u64, u64, u64) {
        let mk = |mem: &mut TestMem, addr: u64, parent: u64, name: &str| {
            let name_addr = addr + 0x100;
            let mut d = vec![0u8; 64];
            d[24..32].copy_from_slice(&parent.to_le_bytes());
            d[40..48].copy_from_slice(&name_addr.to_le_bytes());
            mem.map(addr, &d);
            mem.map(name_addr, format!("{name}\0").as_bytes());
            addr
        };
        let root = mk(mem, 0x3000_0000, 0x3000_0000, "/");
        let usr = mk(mem, 0x3000_1000, root, "usr");
        let lib = mk(mem, 0x3000_2000, usr, "lib");
        let modules = mk(mem, 0x3000_3000, lib, "modules");
        let mut file = vec![0u8; 32];
        file[24..32].copy_from_slice(&modules.to_le_bytes());
        let file = mem.map(0x3000_4000, &file);
        (root, usr, lib, modules, file)
    }

    #[test]
    fn dentry_and_file_names() {
        let mut mem = TestMem::new();
        let (root, usr, _lib, modules, file) = dentries(&mut mem);
        assert_eq!(fmt_mem(&mem, "%pd", &[modules]), "modules");
        assert_eq!(fmt_mem(&mem, "%pd2", &[modules]), "lib/modules");
        assert_eq!(fmt_mem(&mem, "%pd3", &[modules]), "usr/lib/modules");
        assert_eq!(fmt_mem(&mem, "%pd4", &[modules]), "/usr/lib/modules");
        assert_eq!(fmt_mem(&mem, "%pd", &[root]), "/");
        assert_eq!(fmt_mem(&mem, "%pd4", &[root]), "/");
        assert_eq!(fmt_mem(&mem, "%pd2", &[usr]), "/usr");
        assert_eq!(fmt_mem(&mem, "%pD", &[file]), "modules");
        assert_eq!(fmt_mem(&mem, "%pD3", &[file]), "usr/lib/modules");
        assert_eq!(
            fmt_mem(&mem, "[%12pd2] [%-12.6pd2]", &[modules, modules]),
            "[ lib/modules] [lib/mo      ]"
        );
        assert_eq!(
            fmt_mem(&mem, "%pd %pD %pd", &[0, 0, 0x5000_0000]),
            "(null) (null) (efault)"
        );
    }

    #[test]
    fn resources() {
        let mut mem = TestMem::new();
        let res = |mem: &mut TestMem, addr: u64, start: u64, end: u64, flags: u64| {
            mem.map_words(addr, &[start, end, 0, flags])
        };
        let m = res(
            &mut mem,
            0x4000_0000,
            0xfe00_0000,
            0xfe0f_ffff,
            0x200 | 0x0010_0000 | 0x2000,
        );
        assert_eq!(
            fmt_mem(&mem, "%pR", &[m]),
            "[mem 0xfe000000-0xfe0fffff 64bit pref]"
        );
        assert_eq!(
            fmt_mem(&mem, "%pr", &[m]),
            "[mem 0xfe000000-0xfe0fffff flags 0x102200]"
        );
        let io = res(&mut mem, 0x4000_1000, 0xcf8, 0xcff, 0x100);
        assert_eq!(fmt_mem(&mem, "%pR", &[io]), "[io  0x0cf8-0x0cff]");
        let irq = res(&mut mem, 0x4000_2000, 9, 9, 0x400);
        assert_eq!(fmt_mem(&mem, "%pR", &[irq]), "[irq 9]");
        let unset = res(&mut mem, 0x4000_3000, 0, 0xfff, 0x200 | 0x2000_0000);
        assert_eq!(fmt_mem(&mem, "%pR", &[unset]), "[mem size 0x00001000]");
        let big = res(
            &mut mem,
            0x4000_4000,
            0x3800_0000_0000,
            0x3800_0fff_ffff,
            0x200 | 0x0020_0000 | 0x1000_0000,
        );
        assert_eq!(
            fmt_mem(&mem, "%pR", &[big]),
            "[mem 0x380000000000-0x38000fffffff window disabled]"
        );
        let bus = res(&mut mem, 0x4000_5000, 0, 0xff, 0x1000);
        assert_eq!(fmt_mem(&mem, "%pR", &[bus]), "[bus 00-ff]");
        let dma = res(&mut mem, 0x4000_6000, 3, 3, 0x800);
        assert_eq!(fmt_mem(&mem, "%pR", &[dma]), "[dma 3]");
        let unknown = res(&mut mem, 0x4000_7000, 0x10, 0x20, 0);
        assert_eq!(
            fmt_mem(&mem, "%pR", &[unknown]),
            "[??? 0x00000010-0x00000020 flags 0x0]"
        );
        assert_eq!(fmt_mem(&mem, "%pR", &[0]), "(null)");
    }

    #[test]
    fn bitmaps() {
        let mut mem = TestMem::new();
        let b = mem.map_words(0x2000_0000, &[0x8000_0000_0000_030f, 0x5]);
        assert_eq!(fmt_mem(&mem, "%*pb", &[64, b]), "80000000,0000030f");
        assert_eq!(fmt_mem(&mem, "%*pbl", &[64, b]), "0-3,8-9,63");
        assert_eq!(fmt_mem(&mem, "%*pb", &[10, b]), "30f");
        assert_eq!(fmt_mem(&mem, "%*pbl", &[10, b]), "0-3,8-9");
        assert_eq!(fmt_mem(&mem, "%*pb", &[70, b]), "05,80000000,0000030f");
        assert_eq!(fmt_mem(&mem, "%*pbl", &[70, b]), "0-3,8-9,63-64,66");
        assert_eq!(fmt_mem(&mem, "[%pb] [%pbl]", &[b, b]), "[] []");
        assert_eq!(fmt_mem(&mem, "%*pb", &[8, 0]), "  (null)");
    }

    #[test]
    fn fourcc_codes() {
        let mut mem = TestMem::new();
        let nv12 = mem.map(0x2000_0000, b"NV12");
        let be = mem.map(0x2000_1000, &[b'A', b'B', 0x01, 0x80]);
        assert_eq!(
            fmt_mem(&mem, "%p4cc", &[nv12]),
            "NV12 little-endian (0x3231564e)"
        );
        assert_eq!(
            fmt_mem(&mem, "%p4cc", &[be]),
            "AB.. big-endian (0x80014241)"
        );
        assert_eq!(fmt_mem(&mem, "%p4", &[nv12]), "(%p4?)");
        assert_eq!(fmt_mem(&mem, "%p4cc", &[0]), "(null)");
    }

    #[test]
    fn times() {
        let mut mem = TestMem::new();
        let t = mem.map_words(0x2000_0000, &[1_700_000_000]);
        assert_eq!(fmt_mem(&mem, "%ptT", &[t]), "2023-11-14T22:13:20");
        assert_eq!(fmt_mem(&mem, "%ptTs", &[t]), "2023-11-14 22:13:20");
        assert_eq!(fmt_mem(&mem, "%ptTd", &[t]), "2023-11-14");
        assert_eq!(fmt_mem(&mem, "%ptTt", &[t]), "22:13:20");
        for (secs, expect) in [
            (0i64, "1970-01-01T00:00:00"),
            (-1, "1969-12-31T23:59:59"),
            (951_782_400, "2000-02-29T00:00:00"),
            (4_107_542_400, "2100-03-01T00:00:00"),
            (253_402_300_799, "9999-12-31T23:59:59"),
            (-62_135_596_800, "0001-01-01T00:00:00"),
        ] {
            let a = mem.map_words(0x2100_0000 + (secs as u64 & 0xfff0), &[secs as u64]);
            assert_eq!(fmt_mem(&mem, "%ptT", &[a]), expect, "{secs}");
            mem.regions.pop();
        }
        let rtc: Vec<u8> = [5i32, 4, 3, 2, 0, 124, 0, 0, 0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let r = mem.map(0x2000_1000, &rtc);
        assert_eq!(fmt_mem(&mem, "%ptR", &[r]), "2024-01-02T03:04:05");
        assert_eq!(fmt_mem(&mem, "%ptRr", &[r]), "0124-00-02T03:04:05");
        assert_eq!(fmt_mem(&mem, "%ptRdr", &[r]), "0124-00-02");
        assert_eq!(fmt_mem(&mem, "%ptRts", &[r]), "03:04:05");
        assert_eq!(fmt_mem(&mem, "%pt %ptX", &[r, r]), "(%pt?) (%pt?)");
        assert_eq!(fmt_mem(&mem, "%ptR", &[0]), "(null)");
    }

    #[test]
    fn other_extensions() {
        let mut mem = TestMem::new();
        let s = mem.map(0x2000_0000, b"kstring\0");
        let flags = mem.map_words(0x2000_1000, &[0xcc0]);
        let zero = mem.map_words(0x2000_2000, &[0]);
        let p = 0xffff_8880_0000_2000u64;
        assert_eq!(
            fmt_mem(&mem, "%pks %pus [%-9pks]", &[s, s, s]),
            "kstring kstring [kstring  ]"
        );
        assert_eq!(fmt_mem(&mem, "%pk %pu", &[s, s]), "(einval) (einval)");
        assert_eq!(
            fmt_mem(&mem, "%pGg %pGv %pGp", &[flags, flags, flags]),
            "0xcc0 0xcc0 0xcc0"
        );
        assert_eq!(
            fmt_mem(&mem, "[%pGg] [%pGp] [%pG]", &[zero, zero, zero]),
            "[] [0x0] [(%pG?)]"
        );
        assert_eq!(
            fmt_mem(&mem, "%pC %pCn %pg", &[p, p, p]),
            "(%pC?) (%pC?) (%pg?)"
        );
        assert_eq!(fmt_mem(&mem, "%pC %pg", &[0, 0]), "(null) (null)");
        assert_eq!(
            fmt_mem(&mem, "%pOF %pOFn %pO", &[p, p, p]),
            "(%pOF?) (%pOF?) (%pO?)"
        );
        assert_eq!(
            fmt_mem(&mem, "%pf %pfwf %pfwP", &[p, p, p]),
            "(%pf?) (%pfw?) (%pfw?)"
        );
        let out = format_with(b"%pA.", &mut ArgList::new(&[p]), &mem, &opts());
        assert_eq!(out.text, b"(%pA?).");
        assert_eq!(out.warnings, vec![Warning::RustPointerFormat]);
    }

    /// Random formats and arguments (pointers into and outside mapped
    /// memory) never panic, and vsnprintf agrees with format.
    #[test]
    fn random_formats_never_panic() {
        let mut mem = TestMem::new();
        let junk: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let base = mem.map(0x7000_0000, &junk);
        let (_, _, _, modules, file) = dentries(&mut mem);
        let inner = mem.map(0x7100_0000, b"%d%s%pV%*ph\0");
        let va = va_list(&mut mem, 0x7200_0000, &[1, base, 0x7300_0000, 5, base]);
        let vaf = mem.map_words(0x7300_0000, &[inner, va]);
        let alphabet = b"%%%%%-+ #0123456789*.*hlLztjqZncsdiuxXop%SsBRrhbMmIiEUVKN4adtCDgGOfAxeuk64cCDNRFlLbBhpsw.";
        let pointers = [
            0,
            1,
            0xfff,
            base,
            base + 4000,
            modules,
            file,
            vaf,
            u64::MAX,
            err_ptr(12),
            0xdead_0000,
        ];
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..200_000 {
            let len = 1 + rng.below(24);
            let f: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let args: Vec<u64> = (0..12)
                .map(|_| match rng.below(3) {
                    0 => pointers[rng.below(pointers.len())],
                    1 => rng.below(80) as u64,
                    _ => rng.next_u64(),
                })
                .collect();
            let full = format_with(&f, &mut ArgList::new(&args), &mem, &opts());
            assert_eq!(full.len, full.text.len());
            let mut buf = [0u8; 16];
            let n = vsnprintf_with(&mut buf, &f, &mut ArgList::new(&args), &mem, &opts());
            assert_eq!(n.len, full.len, "{:?}", String::from_utf8_lossy(&f));
            let kept = full.len.min(15);
            assert_eq!(&buf[..kept], &full.text[..kept]);
            assert_eq!(buf[kept], 0);
        }
    }

    // -----------------------------------------------------------------------
    // va_list and %pV.

    /// A SysV va_list after two named register arguments: 4 words left in
    /// the register save area, the rest on the stack.
    fn va_list(mem: &mut TestMem, base: u64, args: &[u64]) -> u64 {
        let reg_save = base + 0x100;
        let overflow = base + 0x1000;
        let mut regs = vec![0xbad0_0000u64, 0xbad0_0001];
        regs.extend(args.iter().take(4));
        regs.resize(6, 0xbad0_00ff);
        mem.map_words(reg_save, &regs);
        let stack: Vec<u64> = args.iter().skip(4).copied().collect();
        mem.map_words(overflow, &stack);
        let mut tag = Vec::new();
        tag.extend_from_slice(&16u32.to_le_bytes());
        tag.extend_from_slice(&48u32.to_le_bytes());
        tag.extend_from_slice(&overflow.to_le_bytes());
        tag.extend_from_slice(&reg_save.to_le_bytes());
        mem.map(base, &tag)
    }

    #[test]
    fn va_list_args() {
        let mut mem = TestMem::new();
        let words: Vec<u64> = (1..=9).map(|i| i * 0x1111).collect();
        let va = va_list(&mut mem, 0x5000_0000, &words);
        let mut args = VaListArgs::new(&mem, va).unwrap();
        let got: Vec<u64> = (0..9).map(|_| args.next_u64()).collect();
        assert_eq!(got, words);
        assert!(!args.faulted());
        assert_eq!(args.state(), (48, 48, 0x5000_1000 + 5 * 8, 0x5000_0100));
        // Past the stack area: unreadable.
        assert_eq!(args.next_u64(), 0);
        assert!(args.faulted());
        assert!(VaListArgs::new(&mem, 0x6000_0000).is_none());

        // A module's vsnprintf(buf, size, fmt, ap).
        let s = mem.map(0x5100_0000, b"str\0");
        let va = va_list(
            &mut mem,
            0x5200_0000,
            &[(-3i64) as u64, s, 0xabc, b'z' as u64, 7, u64::MAX],
        );
        let mut buf = [0u8; 64];
        let mut args = VaListArgs::new(&mem, va).unwrap();
        let n = vsnprintf(&mut buf, b"%d %s %lx %c %u %ld", &mut args, &mem);
        assert_eq!(&buf[..n + 1], b"-3 str abc z 7 -1\0");
    }

    #[test]
    fn va_format_nesting() {
        let mut mem = TestMem::new();
        let s = mem.map(0x5100_0000, b"xyz\0");
        let inner_fmt = mem.map(0x5100_1000, b"inner %d/%s\0");
        let va = va_list(&mut mem, 0x5200_0000, &[1, s]);
        let vaf = mem.map_words(0x5300_0000, &[inner_fmt, va]);
        assert_eq!(
            fmt_mem(&mem, "outer [%pV] %d", &[vaf, 7]),
            "outer [inner 1/xyz] 7"
        );
        // dev_err style: "%s %s: %pV"
        let dev = mem.map(0x5100_2000, b"0000:00:1f.2\0");
        let drv = mem.map(0x5100_3000, b"ahci\0");
        assert_eq!(
            fmt_mem(&mem, "%s %s: %pV", &[drv, dev, vaf]),
            "ahci 0000:00:1f.2: inner 1/xyz"
        );
        // Width does not apply to %pV; truncation counts the nested output.
        assert_eq!(fmt_mem(&mem, "[%30pV]", &[vaf]), "[inner 1/xyz]");
        let mut buf = [0u8; 10];
        let n = vsnprintf(&mut buf, b"<%pV>", &mut ArgList::new(&[vaf]), &mem);
        assert_eq!(n, 13);
        assert_eq!(&buf, b"<inner 1/\0");
        // An unsupported conversion inside stops only the nested output.
        let bad_fmt = mem.map(0x5100_4000, b"a%nb\0");
        let vaf2 = mem.map_words(0x5300_1000, &[bad_fmt, va]);
        assert_eq!(fmt_mem(&mem, "[%pV] %d", &[vaf2, 5]), "[a] 5");
        // A va_format whose format nests itself: bounded.
        let self_fmt = mem.map(0x5100_5000, b"<%pV>\0");
        let self_va = va_list(&mut mem, 0x5400_0000, &[0x5300_2000; 12]);
        mem.map_words(0x5300_2000, &[self_fmt, self_va]);
        let out = format_with(b"%pV", &mut ArgList::new(&[0x5300_2000]), &mem, &opts());
        let depth = MAX_PV_DEPTH as usize;
        assert_eq!(
            out.text,
            format!("{}(%pV?){}", "<".repeat(depth), ">".repeat(depth)).into_bytes()
        );
        assert_eq!(out.warnings, vec![Warning::NestingTooDeep]);
        assert_eq!(
            fmt_mem(&mem, "%pV %pV", &[0, 0x5000_0000]),
            "(null) (efault)"
        );
    }

    // -----------------------------------------------------------------------
    // printk levels.

    #[test]
    fn printk_levels() {
        assert_eq!(printk_level(b"\x013hello"), (Some(3), &b"hello"[..]));
        assert_eq!(printk_level(b"\x010x"), (Some(0), &b"x"[..]));
        assert_eq!(printk_level(b"\x017x"), (Some(7), &b"x"[..]));
        assert_eq!(printk_level(b"\x01chello"), (Some(b'c'), &b"hello"[..]));
        assert_eq!(printk_level(b"plain"), (None, &b"plain"[..]));
        assert_eq!(printk_level(b""), (None, &b""[..]));
        // All prefixes are stripped; the first level wins.
        assert_eq!(printk_level(b"\x016\x013x"), (Some(6), &b"x"[..]));
        assert_eq!(printk_level(b"\x01c\x016x"), (Some(6), &b"x"[..]));
        let p = parse_printk_prefix(b"\x01c\x016x");
        assert_eq!((p.level, p.cont, p.text), (Some(6), true, &b"x"[..]));
        // KERN_DEFAULT is "" in 6.1: "\x01d" is not a prefix; nor is '8' or a lone SOH.
        assert_eq!(printk_level(b"\x01dhello"), (None, &b"\x01dhello"[..]));
        assert_eq!(printk_level(b"\x018x"), (None, &b"\x018x"[..]));
        assert_eq!(printk_level(b"\x01"), (None, &b"\x01"[..]));
        assert_eq!(printk_level(b"\x014\x01"), (Some(4), &b"\x01"[..]));
        assert_eq!(parse_printk_prefix(b"x").effective_level(), 4);
        assert_eq!(parse_printk_prefix(b"\x012x").effective_level(), 2);
        // Levels are parsed on the formatted text.
        let mem = TestMem::new();
        let mut m = TestMem::new();
        let lvl = m.map(0x1000_0000, b"\x013\0");
        let text = fmt_bytes(&m, b"%sdisk error %d\n", &[lvl, 5]);
        assert_eq!(printk_level(&text), (Some(3), &b"disk error 5\n"[..]));
        let _ = mem;
    }

    #[test]
    fn printk_default_level_matches_debian_config() {
        assert_eq!(MESSAGE_LOGLEVEL_DEFAULT, 4);
        assert_eq!(CONSOLE_LOGLEVEL_DEFAULT, 7);
        // Cross-check with the fixture kernel's config when it is present.
        let Some((root, _)) = testkit::fixtures().and_then(|f| f.tree("amd64")) else {
            return;
        };
        let Ok(dir) = std::fs::read_dir(root.join("boot")) else {
            return;
        };
        for entry in dir.flatten() {
            if !entry.file_name().to_string_lossy().starts_with("config-") {
                continue;
            }
            let config = std::fs::read_to_string(entry.path()).unwrap();
            assert!(config
                .lines()
                .any(|l| l == "CONFIG_MESSAGE_LOGLEVEL_DEFAULT=4"));
            assert!(config
                .lines()
                .any(|l| l == "CONFIG_CONSOLE_LOGLEVEL_DEFAULT=7"));
        }
    }

    #[test]
    fn c_int_is_32_bits() {
        // The comparisons above pass words for `int` arguments.
        assert_eq!(std::mem::size_of::<c_int>(), 4);
    }
}
