//! drivers/acpi/acpica/nsxfeval.c: `acpi_walk_namespace`, `acpi_get_devices`
//! over the host's namespace (the predefined names only; see `super`).

use super::*;

/// `acpi_ns_walk_namespace`: calls `descending(handle, level, context,
/// return_value)` on entering, and `ascending` on leaving, each node of
/// `ty` below `start` down to `max_depth`.
fn walk(
    ty: u32,
    start: usize,
    max_depth: u32,
    descending: u64,
    ascending: u64,
    context: u64,
    retval: u64,
) -> u32 {
    fn visit(i: usize, level: u32, a: &(u32, u32, u64, u64, u64, u64)) -> Result<(), u32> {
        let (ty, max_depth, descending, ascending, context, retval) = *a;
        let n = &nodes()[i];
        let mut descend = true;
        if ty == ACPI_TYPE_ANY || n.ty == ty {
            let mut status = AE_OK;
            if descending != 0 {
                status = crate::fault::call_module(
                    descending,
                    [n.handle, level as u64, context, retval, 0, 0],
                )
                .unwrap_or(0) as u32;
            }
            match status {
                AE_OK => {}
                AE_CTRL_DEPTH => descend = false,
                AE_CTRL_TERMINATE => return Err(AE_OK),
                s => return Err(s),
            }
        }
        if descend && level < max_depth {
            for c in children(i) {
                visit(c, level + 1, a)?;
            }
        }
        if (ty == ACPI_TYPE_ANY || n.ty == ty) && ascending != 0 {
            let s = crate::fault::call_module(
                ascending,
                [n.handle, level as u64, context, retval, 0, 0],
            )
            .unwrap_or(0) as u32;
            match s {
                AE_OK | AE_CTRL_DEPTH => {}
                AE_CTRL_TERMINATE => return Err(AE_OK),
                s => return Err(s),
            }
        }
        Ok(())
    }
    let a = (ty, max_depth, descending, ascending, context, retval);
    for c in children(start) {
        if let Err(s) = visit(c, 1, &a) {
            return s;
        }
    }
    AE_OK
}

/// `acpi_walk_namespace(type, start_object, max_depth, descending,
/// ascending, context, return_value)`: AE_BAD_PARAMETER for a bad type,
/// depth 0, no callback or a handle that is not a node; otherwise the
/// walk's status (AE_OK, or what a callback returned to stop it). Seven
/// arguments: the last comes on the stack (through the varargs trampoline).
extern "C" fn acpi_walk_namespace(regs: *const u64, stack: *const u64) -> u32 {
    // SAFETY: called through the varargs trampoline with seven arguments.
    let a = unsafe { crate::abi::RegArgs::new(regs, stack, 7) };
    walk_namespace(
        a.arg(0) as u32,
        a.arg(1),
        a.arg(2) as u32,
        a.arg(3),
        a.arg(4),
        a.arg(5),
        a.arg(6),
    )
}
crate::export_variadic!("acpi_walk_namespace" => acpi_walk_namespace);

fn walk_namespace(
    ty: u32,
    start: u64,
    max_depth: u32,
    descending: u64,
    ascending: u64,
    context: u64,
    retval: u64,
) -> u32 {
    if ty > ACPI_TYPE_LOCAL_MAX || max_depth == 0 || (descending == 0 && ascending == 0) {
        return AE_BAD_PARAMETER;
    }
    let Some(s) = validate_handle(start) else {
        return AE_BAD_PARAMETER;
    };
    walk(ty, s, max_depth, descending, ascending, context, retval)
}

crate::kfn! {
    /// `acpi_get_devices(HID, user_function, context, return_value)`: calls
    /// `user_function` for each present Device whose _HID or _CID is `HID`
    /// (each Device for a NULL `HID`). The namespace's Devices are `\_SB_`
    /// and `\_TZ_`, with no _HID, _CID or _STA (present): for any `HID`
    /// nothing is called; for NULL both are. AE_BAD_PARAMETER without a
    /// function.
    fn acpi_get_devices(hid: u64, f: u64, context: u64, retval: u64) -> u32 {
        if f == 0 {
            return AE_BAD_PARAMETER;
        }
        // acpi_ns_get_device_callback: with a HID, a device without _HID
        // is skipped (AE_OK, children still walked); without one, _STA is
        // absent, i.e. present and functioning: the function is called
        walk_devices(f, context, retval, &|_| hid == 0)
    }
}

/// The device walk of `acpi_get_devices`: like [`walk`] over the Devices,
/// calling `f` for those `filter` accepts.
fn walk_devices(f: u64, context: u64, retval: u64, filter: &dyn Fn(usize) -> bool) -> u32 {
    fn visit(
        i: usize,
        level: u32,
        f: u64,
        context: u64,
        retval: u64,
        filter: &dyn Fn(usize) -> bool,
    ) -> Result<(), u32> {
        let n = &nodes()[i];
        let mut descend = true;
        if n.ty == ACPI_TYPE_DEVICE && filter(i) {
            let s = crate::fault::call_module(f, [n.handle, level as u64, context, retval, 0, 0])
                .unwrap_or(0) as u32;
            match s {
                AE_OK => {}
                AE_CTRL_DEPTH => descend = false,
                AE_CTRL_TERMINATE => return Err(AE_OK),
                s => return Err(s),
            }
        }
        if descend {
            for c in children(i) {
                visit(c, level + 1, f, context, retval, filter)?;
            }
        }
        Ok(())
    }
    for c in children(0) {
        if let Err(s) = visit(c, 1, f, context, retval, filter) {
            return s;
        }
    }
    AE_OK
}
