//! drivers/acpi/acpica: the ACPI namespace as ACPICA holds it on the host's
//! machine, whose DSDT defines no objects (no devices, no operation
//! regions, no methods): only the names ACPICA predefines at
//! `acpi_ns_root_initialize` exist under the root — `\_GPE`, `\_PR_`,
//! `\_SB_` (a Device), `\_SI_`, `\_TZ_` (a Device), `\_REV`, `\_OS_`,
//! `\_GL_` and `\_OSI`, in that order.
//!
//! A handle (`acpi_handle`) is the address of a node; modules treat it as
//! opaque, so the host's nodes are opaque blocks it recognises by address.

pub mod evxfregn;
pub mod nsxfeval;
pub mod utaddress;

use std::sync::OnceLock;

/// `acpi_status` values (include/acpi/acexcep.h).
pub(crate) const AE_OK: u32 = 0;
pub(crate) const AE_BAD_PARAMETER: u32 = 0x1001;
pub(crate) const AE_CTRL_TERMINATE: u32 = 0x4003;
pub(crate) const AE_CTRL_DEPTH: u32 = 0x4006;

/// `ACPI_TYPE_*` (include/acpi/actypes.h).
pub(crate) const ACPI_TYPE_ANY: u32 = 0x00;
pub(crate) const ACPI_TYPE_DEVICE: u32 = 0x06;
pub(crate) const ACPI_TYPE_LOCAL_MAX: u32 = 0x1d;
/// `ACPI_ROOT_OBJECT`.
pub(crate) const ACPI_ROOT_OBJECT: u64 = u64::MAX;

/// A namespace node: its handle, name, type and parent (an index into the
/// node table; the root has none).
pub(crate) struct Node {
    pub handle: u64,
    /// The 4-character name (what `acpi_get_name` would give).
    #[allow(dead_code)]
    pub name: [u8; 4],
    pub ty: u32,
    pub parent: Option<usize>,
}

/// ACPICA's predefined names (`acpi_gbl_pre_defined_names`): name, type.
const PREDEFINED: [(&[u8; 4], u32); 9] = [
    (b"_GPE", 0x1b), // ACPI_TYPE_LOCAL_SCOPE
    (b"_PR_", 0x1b),
    (b"_SB_", 0x06), // ACPI_TYPE_DEVICE
    (b"_SI_", 0x1b),
    (b"_TZ_", 0x06),
    (b"_REV", 0x01), // ACPI_TYPE_INTEGER
    (b"_OS_", 0x02), // ACPI_TYPE_STRING
    (b"_GL_", 0x09), // ACPI_TYPE_MUTEX
    (b"_OSI", 0x08), // ACPI_TYPE_METHOD
];

/// The namespace: node 0 is the root `\`, then its children in order.
pub(crate) fn nodes() -> &'static [Node] {
    static N: OnceLock<Vec<Node>> = OnceLock::new();
    N.get_or_init(|| {
        // The size of ACPICA's `struct acpi_namespace_node` on x86_64 (an
        // allocation handles point to; its contents are ACPICA's own).
        const NODE_SIZE: u64 = 0x30;
        let mut v = vec![Node {
            handle: crate::drivers::base::kzalloc(NODE_SIZE),
            name: *b"\\___",
            ty: ACPI_TYPE_DEVICE,
            parent: None,
        }];
        for (name, ty) in PREDEFINED {
            v.push(Node {
                handle: crate::drivers::base::kzalloc(NODE_SIZE),
                name: *name,
                ty,
                parent: Some(0),
            });
        }
        v
    })
}

/// `acpi_ns_validate_handle(handle)`: the node of a handle (NULL and
/// ACPI_ROOT_OBJECT are the root), or None for what is not a node.
pub(crate) fn validate_handle(h: u64) -> Option<usize> {
    if h == 0 || h == ACPI_ROOT_OBJECT {
        return Some(0);
    }
    nodes().iter().position(|n| n.handle == h)
}

/// The children of a node, in namespace order.
pub(crate) fn children(i: usize) -> Vec<usize> {
    nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.parent == Some(i))
        .map(|(j, _)| j)
        .collect()
}
