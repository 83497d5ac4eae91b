//! The one way to define what the host kernel exports to modules.
//!
//! Each export is declared next to its implementation, in the file of
//! `crates/kabi/src` that mirrors where Linux defines it (`lib/kstrtox.rs`
//! for `kstrtoull`, `drivers/base/bus.rs` for `bus_register`, ...), with one
//! of these macros; a declaration registers itself in [`EXPORTS`] (a
//! link-time collected table) and the boot of the host's vmlinux installs
//! every entry:
//!
//! | macro | what |
//! |---|---|
//! | [`kfn!`](crate::kfn) | defines an `extern "C"` function (at most six integer arguments) and exports it under its own name |
//! | [`export_fn!`](crate::export_fn) | exports an existing function under a name (`"vfree" => kvfree`) |
//! | [`export_variadic!`](crate::export_variadic) | a variadic function, called as `f(regs, stack)` with the argument words |
//! | [`export_code!`](crate::export_code) | machine code copied as is (thunks that must preserve every register) |
//! | [`export_data!`](crate::export_data) | a data object of the given size and alignment, with an initializer that may look up other exports |
//! | [`export_alias!`](crate::export_alias) | a second name for another export's address |
//!
//! Pointers from modules are raw addresses in this process; implementations
//! trust them exactly as Linux trusts a module's pointers.

pub use linkme;

use crate::vmlinux::{Builder, Stub};

/// How an export is defined.
pub enum Def {
    /// An `extern "C"` function with at most six integer arguments.
    Call(*const ()),
    /// A variadic function: `extern "C" fn(regs: *const u64, stack: *const u64) -> u64`.
    Variadic(*const ()),
    /// Machine code.
    Code(&'static [u8]),
    /// A zero-filled data object; `init` runs once at boot with its address
    /// (and the builder, to find the addresses of other exports).
    Data { size: u64, align: u64, init: Option<fn(u64, &Builder)> },
    /// Another export's address under a second name.
    Alias(&'static str),
}

/// One export: its name, where it is defined, and how.
pub struct Export {
    pub name: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub def: Def,
}

// SAFETY: the raw pointers are addresses of functions, immutable and valid
// for the whole process.
unsafe impl Sync for Export {}

/// Every export the host implements, collected at link time.
#[linkme::distributed_slice]
pub static EXPORTS: [Export];

impl Export {
    /// `function`, `variadic`, `code`, `data` or `alias`.
    pub fn kind(&self) -> &'static str {
        match self.def {
            Def::Call(_) => "function",
            Def::Variadic(_) => "variadic",
            Def::Code(_) => "code",
            Def::Data { .. } => "data",
            Def::Alias(_) => "alias",
        }
    }
}

/// Installs every export: functions and code first, then data objects
/// (whose initializers may refer to functions), then aliases.
pub(crate) fn install(b: &mut Builder) {
    let mut seen = std::collections::HashSet::new();
    for e in EXPORTS.iter() {
        assert!(seen.insert(e.name), "export {} defined twice (second at {}:{})", e.name, e.file, e.line);
    }
    for e in EXPORTS.iter() {
        match e.def {
            Def::Call(f) => {
                b.func(e.name, Stub::Call(f as usize));
            }
            Def::Variadic(f) => {
                b.func(e.name, Stub::Variadic(f as usize));
            }
            Def::Code(c) => {
                b.func(e.name, Stub::Code(c));
            }
            Def::Data { .. } | Def::Alias(_) => {}
        }
    }
    let mut inits = Vec::new();
    for e in EXPORTS.iter() {
        if let Def::Data { size, align, init } = e.def {
            let addr = b.data(e.name, size, align);
            if let Some(f) = init {
                inits.push((f, addr));
            }
        }
    }
    for (f, addr) in inits {
        f(addr, b);
    }
    for e in EXPORTS.iter() {
        if let Def::Alias(target) = e.def {
            let addr = b.symbol(target).unwrap_or_else(|| panic!("alias {} of unknown export {target}", e.name));
            b.alias(e.name, addr);
        }
    }
}

/// Defines an `extern "C"` function and exports it under its own name.
///
/// ```ignore
/// kfn! {
///     /// `kstrtoull`: ...
///     fn kstrtoull(s: u64, base: u32, res: *mut u64) -> i32 { ... }
/// }
/// ```
#[macro_export]
macro_rules! kfn {
    ($(#[$m:meta])* fn $name:ident($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)? $body:block) => {
        $(#[$m])*
        #[allow(non_snake_case, clippy::missing_safety_doc)]
        pub extern "C" fn $name($($a: $t),*) $(-> $r)? $body
        $crate::export_fn!(stringify!($name) => $name);
    };
}

/// Exports an existing `extern "C"` function under a name.
#[macro_export]
macro_rules! export_fn {
    ($sym:expr => $f:path) => {
        const _: () = {
            #[$crate::export::linkme::distributed_slice($crate::export::EXPORTS)]
            #[linkme(crate = $crate::export::linkme)]
            static E: $crate::export::Export =
                $crate::export::Export { name: $sym, file: file!(), line: line!(), def: $crate::export::Def::Call($f as *const ()) };
        };
    };
}

/// Exports a variadic function (`extern "C" fn(regs: *const u64, stack: *const u64) -> R`).
#[macro_export]
macro_rules! export_variadic {
    ($sym:expr => $f:path) => {
        const _: () = {
            #[$crate::export::linkme::distributed_slice($crate::export::EXPORTS)]
            #[linkme(crate = $crate::export::linkme)]
            static E: $crate::export::Export =
                $crate::export::Export { name: $sym, file: file!(), line: line!(), def: $crate::export::Def::Variadic($f as *const ()) };
        };
    };
}

/// Exports machine code copied as is.
#[macro_export]
macro_rules! export_code {
    ($sym:expr => $code:expr) => {
        const _: () = {
            #[$crate::export::linkme::distributed_slice($crate::export::EXPORTS)]
            #[linkme(crate = $crate::export::linkme)]
            static E: $crate::export::Export =
                $crate::export::Export { name: $sym, file: file!(), line: line!(), def: $crate::export::Def::Code($code) };
        };
    };
}

/// Exports a data object: `export_data!("jiffies_64", size 8, align 64)` or
/// with an initializer `..., init = f` (`fn(addr: u64, b: &Builder)`).
#[macro_export]
macro_rules! export_data {
    ($sym:expr, size $size:expr, align $align:expr $(, init = $init:path)?) => {
        const _: () = {
            #[$crate::export::linkme::distributed_slice($crate::export::EXPORTS)]
            #[linkme(crate = $crate::export::linkme)]
            static E: $crate::export::Export = $crate::export::Export {
                name: $sym,
                file: file!(),
                line: line!(),
                def: $crate::export::Def::Data { size: $size, align: $align, init: $crate::export_data!(@init $($init)?) },
            };
        };
    };
    (@init) => { None };
    (@init $init:path) => { Some($init) };
}

/// Exports a second name for another export's address.
#[macro_export]
macro_rules! export_alias {
    ($sym:expr => $target:expr) => {
        const _: () = {
            #[$crate::export::linkme::distributed_slice($crate::export::EXPORTS)]
            #[linkme(crate = $crate::export::linkme)]
            static E: $crate::export::Export =
                $crate::export::Export { name: $sym, file: file!(), line: line!(), def: $crate::export::Def::Alias($target) };
        };
    };
}
