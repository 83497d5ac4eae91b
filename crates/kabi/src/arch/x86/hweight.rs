//! arch/x86/lib/hweight.S: `__sw_hweight32`/`__sw_hweight64`, reached from
//! the `ALTERNATIVE("call __sw_hweight32", "popcnt", X86_FEATURE_POPCNT)`
//! sites of module code that the host leaves unpatched. The callers pass
//! the word in rdi, take the count in rax and expect every other register
//! kept, so the stubs are raw code: the CPU's POPCNT and `ret`. (POPCNT is
//! in every x86-64-v2 CPU; on an older one the instruction faults and the
//! module call ends with an invalid-opcode oops naming the stub.)

crate::export_code!("__sw_hweight32" => &[0xf3, 0x0f, 0xb8, 0xc7, 0xc3]); // popcnt eax, edi; ret
crate::export_code!("__sw_hweight64" => &[0xf3, 0x48, 0x0f, 0xb8, 0xc7, 0xc3]); // popcnt rax, rdi; ret
