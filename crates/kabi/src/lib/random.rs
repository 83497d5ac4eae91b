//! drivers/char/random.c's interface for modules: `get_random_bytes` and
//! `get_random_u8/u16/u32/u64`, from this machine's random source
//! (getrandom(2), the kernel's own CRNG).

/// Fills `buf` with random bytes.
fn fill(buf: &mut [u8]) {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: writes at most the remaining bytes of `buf`.
        let n = unsafe { libc::getrandom(buf[done..].as_mut_ptr() as *mut libc::c_void, buf.len() - done, 0) };
        if n > 0 {
            done += n as usize;
        } else if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // getrandom cannot fail on a booted machine once the CRNG is ready;
            // the file is the same source.
            let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf[done..]));
            return;
        }
    }
}

crate::kfn! {
    /// `void get_random_bytes(buf, len)`.
    fn get_random_bytes(buf: *mut u8, len: usize) {
        if len == 0 || buf.is_null() {
            return;
        }
        // SAFETY: the module's buffer of len bytes.
        fill(unsafe { std::slice::from_raw_parts_mut(buf, len) });
    }
}

fn word<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    fill(&mut b);
    b
}

crate::kfn! {
    fn get_random_u8() -> u8 {
        word::<1>()[0]
    }
}
crate::kfn! {
    fn get_random_u16() -> u16 {
        u16::from_le_bytes(word())
    }
}
crate::kfn! {
    fn get_random_u32() -> u32 {
        u32::from_le_bytes(word())
    }
}
crate::kfn! {
    fn get_random_u64() -> u64 {
        u64::from_le_bytes(word())
    }
}

crate::kfn! {
    /// `bool rng_is_initialized(void)`: whether the CRNG is seeded — the
    /// host's source is this machine's CRNG, which getrandom(2) only
    /// answers from once it is ready: true.
    fn rng_is_initialized() -> bool {
        true
    }
}

crate::kfn! {
    /// `int wait_for_random_bytes(void)`: 0 once the CRNG is ready — which
    /// the host's source (getrandom(2) on a booted machine) always is.
    fn wait_for_random_bytes() -> i32 {
        0
    }
}
