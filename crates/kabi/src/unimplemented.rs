//! What the host kernel does not implement, named when it is used.
//!
//! Every export of the ABI profile resolves, as on Linux. An exported
//! function the host has no implementation for gets its own trap stub: a
//! call from module code logs `<module>: called <symbol>(), which the host
//! kernel does not implement` and ends the guarded call like a fault
//! (init unwinds). An exported data object the host does not model is a
//! range of inaccessible memory of the object's extent: the first access
//! faults, and the report names the object. Nothing returns a made-up value.

use std::sync::OnceLock;

/// The exports behind trap stubs, by index (the stub passes its index).
static FUNCS: OnceLock<Vec<String>> = OnceLock::new();
/// The unmodelled data objects: (start, extent, name), sorted by start.
static DATA: OnceLock<Vec<(u64, u64, String)>> = OnceLock::new();

pub(crate) fn set_tables(funcs: Vec<String>, mut data: Vec<(u64, u64, String)>) {
    data.sort_by_key(|d| d.0);
    let _ = FUNCS.set(funcs);
    let _ = DATA.set(data);
}

/// The name of trapped function `index`.
pub fn function_name(index: u32) -> Option<&'static str> {
    FUNCS.get()?.get(index as usize).map(String::as_str)
}

/// How many exported functions are behind trap stubs.
pub fn function_count() -> usize {
    FUNCS.get().map_or(0, Vec::len)
}

/// The trapped function names.
pub fn functions() -> &'static [String] {
    FUNCS.get().map_or(&[], Vec::as_slice)
}

/// The unmodelled data objects: (address, extent, name).
pub fn data_objects() -> &'static [(u64, u64, String)] {
    DATA.get().map_or(&[], Vec::as_slice)
}

/// The unmodelled data object an address falls in: (name, offset).
pub fn data_at(addr: u64) -> Option<(&'static str, u64)> {
    let d = DATA.get()?;
    let i = d.partition_point(|(s, _, _)| *s <= addr);
    let (s, len, name) = d.get(i.checked_sub(1)?)?;
    // The reservation is page-rounded: an offset past the extent still
    // belongs to this object (module code addressed a field beyond what
    // the symbol table's spacing says).
    let reserved = len.max(&1).next_multiple_of(crate::lowmem::PAGE_SIZE);
    (addr < s + reserved).then(|| (name.as_str(), addr - s))
}

/// The machine code of a trap stub for function `index`: hands the index,
/// the caller's return address and stack pointer to [`trap`] on an aligned
/// stack; never returns.
pub(crate) fn stub_code(index: u32) -> Vec<u8> {
    let mut v = vec![
        0x48, 0x8b, 0x34, 0x24, // mov rsi, [rsp]        return address (call site)
        0x48, 0x8d, 0x54, 0x24, 0x08, // lea rdx, [rsp+8]   the caller's stack pointer
        0xbf, // mov edi, imm32
    ];
    v.extend_from_slice(&index.to_le_bytes());
    v.extend_from_slice(&[
        0x48, 0x83, 0xe4, 0xf0, // and rsp, -16
        0xff, 0x15, 0x02, 0x00, 0x00, 0x00, // call [rip+2]
        0xcc, 0xcc, // int3 (never reached)
    ]);
    v.extend_from_slice(&(trap as *const () as u64).to_le_bytes());
    v
}

/// Module code called trapped function `index`. Ends the active guarded
/// call as faulted ([`crate::fault::FaultKind::Unimplemented`]); the host
/// kernel's oops path writes the report. Outside a guarded call (no module
/// call to end) the process cannot continue safely: it says so and aborts.
extern "C" fn trap(index: u32, ret: u64, rsp: u64) -> ! {
    crate::fault::abandon(crate::fault::FaultKind::Unimplemented { index }, ret, rsp);
    let name = function_name(index).unwrap_or("?");
    crate::log::kernel_msg(0, &format!("called {name}(), which the host kernel does not implement, outside any module call"));
    std::process::abort();
}
