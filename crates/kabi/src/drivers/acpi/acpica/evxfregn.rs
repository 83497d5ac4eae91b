//! drivers/acpi/acpica/evxfregn.c: address-space (operation region)
//! handlers — `acpi_install_address_space_handler`,
//! `acpi_remove_address_space_handler`.
//!
//! At boot the root holds ACPICA's default handlers (SystemMemory,
//! SystemIO, PCI_Config, DataTable) and Linux's PlatformCommChannel
//! (`acpi_init_pcc`, CONFIG_PCC) and PlatformRtMechanism (`init_prmt`,
//! CONFIG_ACPI_PRMT) handlers. The namespace declares no operation regions
//! and no `_REG` methods, so an installed handler is never called.

use std::sync::Mutex;

use super::{nodes, validate_handle, ACPI_TYPE_DEVICE, AE_BAD_PARAMETER, AE_OK};

const AE_NOT_EXIST: u32 = 0x0006;
const AE_ALREADY_EXISTS: u32 = 0x0007;
const AE_SAME_HANDLER: u32 = 0x0019;

/// The spaces with ACPICA default handlers (`acpi_gbl_default_address_spaces`).
const DEFAULT_SPACES: [u8; 4] = [0, 1, 2, 0x7e];
/// The host kernel's own handlers on the root: (space, handler). Default
/// and built-in handlers are kernel functions: 0 stands for them.
const BOOT: [(u8, u64); 6] = [(0, 0), (1, 0), (2, 0), (0x7e, 0), (0x0a, 0), (0x0b, 0)];

/// Installed handlers: (node index, space, handler, context). Boot
/// entries have handler 0 (the kernel's own functions).
static HANDLERS: Mutex<Vec<(usize, u8, u64, u64)>> = Mutex::new(Vec::new());

fn handlers() -> std::sync::MutexGuard<'static, Vec<(usize, u8, u64, u64)>> {
    let mut h = HANDLERS.lock().unwrap_or_else(|e| e.into_inner());
    if h.is_empty() {
        h.extend(BOOT.iter().map(|&(s, f)| (0, s, f, 0)));
    }
    h
}

/// A node that can own handlers: the root, a Device (Processor and
/// ThermalZone objects do not exist here).
fn handler_node(device: u64) -> Option<usize> {
    if device == 0 {
        return None;
    }
    let i = validate_handle(device)?;
    (i == 0 || nodes()[i].ty == ACPI_TYPE_DEVICE).then_some(i)
}

crate::kfn! {
    /// `acpi_install_address_space_handler(device, space_id, handler,
    /// setup, context)`: AE_OK; AE_ALREADY_EXISTS when the node has
    /// another handler for the space (AE_SAME_HANDLER for the same one);
    /// a NULL handler is the default one, only for the default spaces;
    /// AE_BAD_PARAMETER for a node that cannot own handlers.
    fn acpi_install_address_space_handler(device: u64, space_id: u8, handler: u64, _setup: u64, context: u64) -> u32 {
        let Some(node) = handler_node(device) else { return AE_BAD_PARAMETER };
        if handler == 0 && !DEFAULT_SPACES.contains(&space_id) {
            return AE_BAD_PARAMETER;
        }
        let mut h = handlers();
        if let Some(&(_, _, f, _)) = h.iter().find(|x| x.0 == node && x.1 == space_id) {
            return if f == handler { AE_SAME_HANDLER } else { AE_ALREADY_EXISTS };
        }
        h.push((node, space_id, handler, context));
        AE_OK
    }
}

crate::kfn! {
    /// `acpi_remove_address_space_handler(device, space_id, handler)`:
    /// AE_OK; AE_BAD_PARAMETER for another handler or a bad node;
    /// AE_NOT_EXIST when the space has no handler on the node.
    fn acpi_remove_address_space_handler(device: u64, space_id: u8, handler: u64) -> u32 {
        let Some(node) = handler_node(device) else { return AE_BAD_PARAMETER };
        let mut h = handlers();
        match h.iter().position(|x| x.0 == node && x.1 == space_id) {
            Some(i) if h[i].2 != handler => AE_BAD_PARAMETER,
            Some(i) => {
                h.remove(i);
                AE_OK
            }
            None => AE_NOT_EXIST,
        }
    }
}

fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    handlers().retain(|x| !(x.2 != 0 && inside(x.2)));
}
crate::purge_on_module_free!(purge);
