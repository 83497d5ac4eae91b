//! lib/list_debug.c (CONFIG_DEBUG_LIST=y): the list corruption checks.
//!
//! Debian also sets CONFIG_BUG_ON_DATA_CORRUPTION=y, so a failed check
//! prints its message at KERN_ERR and then BUG()s (the module call ends as
//! an oops); the line numbers are those of Debian's build (its
//! `__bug_table`).

crate::export_variadic!("__list_add_valid" => list_add_valid);
crate::export_variadic!("__list_del_entry_valid" => list_del_entry_valid);

/// LIST_POISON1/2 on x86_64 (POISON_POINTER_DELTA = 0xdead000000000000).
const LIST_POISON1: u64 = 0xdead000000000100;
const LIST_POISON2: u64 = 0xdead000000000122;

fn read(p: u64) -> u64 {
    // SAFETY: a list_head pointer the module passed (as Linux, a wild one
    // faults here and the module call ends in an oops).
    unsafe { (p as *const u64).read() }
}

/// CHECK_DATA_CORRUPTION: pr_err(msg) then BUG() at `line`.
fn corrupt(msg: String, line: u32, stack: *const u64) -> u64 {
    crate::log::kernel_msg(3, &msg);
    // SAFETY: `stack` is the trampoline's argument.
    let (ret, rsp) = unsafe { super::bug::caller(stack) };
    super::bug::host_bug("lib/list_debug.c", line, ret, rsp);
    0
}

/// `bool __list_add_valid(new, prev, next)`.
extern "C" fn list_add_valid(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 3) };
    let (new, prev, next) = (a.arg(0), a.arg(1), a.arg(2));
    if prev == 0 {
        return corrupt("list_add corruption. prev is NULL.".into(), 23, stack);
    }
    if next == 0 {
        return corrupt("list_add corruption. next is NULL.".into(), 25, stack);
    }
    // list_head: next @0, prev @8
    let next_prev = read(next + 8);
    if next_prev != prev {
        return corrupt(
            format!("list_add corruption. next->prev should be prev ({prev:016x}), but was {next_prev:016x}. (next={next:016x})."),
            27,
            stack,
        );
    }
    let prev_next = read(prev);
    if prev_next != next {
        return corrupt(
            format!("list_add corruption. prev->next should be next ({next:016x}), but was {prev_next:016x}. (prev={prev:016x})."),
            30,
            stack,
        );
    }
    if new == prev || new == next {
        return corrupt(format!("list_add double add: new={new:016x}, prev={prev:016x}, next={next:016x}."), 33, stack);
    }
    1
}

/// `bool __list_del_entry_valid(entry)`.
extern "C" fn list_del_entry_valid(regs: *const u64, stack: *const u64) -> u64 {
    // SAFETY: called through the varargs trampoline.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 1) };
    let entry = a.arg(0);
    let prev = read(entry + 8);
    let next = read(entry);
    if next == 0 {
        return corrupt(format!("list_del corruption, {entry:016x}->next is NULL"), 49, stack);
    }
    if prev == 0 {
        return corrupt(format!("list_del corruption, {entry:016x}->prev is NULL"), 51, stack);
    }
    if next == LIST_POISON1 {
        return corrupt(format!("list_del corruption, {entry:016x}->next is LIST_POISON1 ({LIST_POISON1:016x})"), 53, stack);
    }
    if prev == LIST_POISON2 {
        return corrupt(format!("list_del corruption, {entry:016x}->prev is LIST_POISON2 ({LIST_POISON2:016x})"), 56, stack);
    }
    let prev_next = read(prev);
    if prev_next != entry {
        return corrupt(
            format!("list_del corruption. prev->next should be {entry:016x}, but was {prev_next:016x}. (prev={prev:016x})"),
            59,
            stack,
        );
    }
    let next_prev = read(next + 8);
    if next_prev != entry {
        return corrupt(
            format!("list_del corruption. next->prev should be {entry:016x}, but was {next_prev:016x}. (next={next:016x})"),
            62,
            stack,
        );
    }
    1
}
