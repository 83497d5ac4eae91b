//! arch/x86/lib/retpoline.S, entry/thunk_64.S and the static-call
//! trampolines: compiler-generated calls that must preserve every register.

const RET: &[u8] = &[0xc3];
const RET0: &[u8] = &[0x31, 0xc0, 0xc3]; // xor eax, eax; ret

crate::export_code!("__fentry__" => RET);
crate::export_code!("__x86_return_thunk" => RET);
// `jmp *%reg` for each register a retpoline thunk can name.
crate::export_code!("__x86_indirect_thunk_rax" => &[0xff, 0xe0]);
crate::export_code!("__x86_indirect_thunk_rcx" => &[0xff, 0xe1]);
crate::export_code!("__x86_indirect_thunk_rdx" => &[0xff, 0xe2]);
crate::export_code!("__x86_indirect_thunk_rbx" => &[0xff, 0xe3]);
crate::export_code!("__x86_indirect_thunk_rbp" => &[0xff, 0xe5]);
crate::export_code!("__x86_indirect_thunk_rsi" => &[0xff, 0xe6]);
crate::export_code!("__x86_indirect_thunk_rdi" => &[0xff, 0xe7]);
crate::export_code!("__x86_indirect_thunk_r8" => &[0x41, 0xff, 0xe0]);
crate::export_code!("__x86_indirect_thunk_r9" => &[0x41, 0xff, 0xe1]);
crate::export_code!("__x86_indirect_thunk_r10" => &[0x41, 0xff, 0xe2]);
crate::export_code!("__x86_indirect_thunk_r11" => &[0x41, 0xff, 0xe3]);
crate::export_code!("__x86_indirect_thunk_r12" => &[0x41, 0xff, 0xe4]);
crate::export_code!("__x86_indirect_thunk_r13" => &[0x41, 0xff, 0xe5]);
crate::export_code!("__x86_indirect_thunk_r14" => &[0x41, 0xff, 0xe6]);
crate::export_code!("__x86_indirect_thunk_r15" => &[0x41, 0xff, 0xe7]);
// Static-call trampolines (`call __SCT__x`): the preemption hooks are
// called from inline asm that declares no clobbers, so they only return;
// the might_resched/cond_resched ones return 0 ("did not reschedule").
crate::export_code!("__SCT__preempt_schedule" => RET);
crate::export_code!("__SCT__preempt_schedule_notrace" => RET);
crate::export_code!("__SCT__might_resched" => RET0);
crate::export_code!("__SCT__cond_resched" => RET0);
