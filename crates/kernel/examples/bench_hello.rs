//! insmod→rmmod of the hello module in the host kernel, in-process, against
//! dlopen→(call init)→(call exit)→dlclose of a shared object with the same
//! code (scripts/bench-host.sh builds it). Median of 5 runs of N cycles.
//!
//! usage: bench_hello <main.ko> <hello.so> [cycles]

use std::ffi::CString;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (ko, so) = (&args[1], &args[2]);
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(500);
    let image = std::fs::read(ko).unwrap();
    let profile = kernel::boot::default_profile().expect("profile");
    let k = kernel::Kernel::new(kernel::Config::from_profile(&profile)).unwrap();
    let name = CString::new(so.as_str()).unwrap();
    let mut host = Vec::new();
    let mut dl = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n {
            k.finit_module(&image, "", 0).unwrap();
            k.delete_module("main", 0).unwrap();
        }
        host.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        for _ in 0..n {
            // SAFETY: our own shared object with these two C functions.
            unsafe {
                let h = libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
                assert!(!h.is_null(), "dlopen {so}");
                let init: extern "C" fn() -> i32 = std::mem::transmute(libc::dlsym(h, c"hello_init".as_ptr()));
                let exit: extern "C" fn() = std::mem::transmute(libc::dlsym(h, c"hello_exit".as_ptr()));
                init();
                exit();
                libc::dlclose(h);
            }
        }
        dl.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    let (h, d) = (median(host), median(dl));
    println!("hello insmod+rmmod, in-process host kernel: {h:8.1} µs/cycle");
    println!("hello dlopen+init+exit+dlclose:            {d:8.1} µs/cycle");
    println!("ratio host/dlopen: {:.2}", h / d);
}
