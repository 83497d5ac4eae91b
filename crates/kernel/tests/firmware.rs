//! Platform firmware facts, I/O resources and backing devices on the host's
//! machine (tests/modules/fwres and Debian's mtd): the port and memory
//! resource trees and their /proc views, DMI without an SMBIOS table, the
//! efi object of a BIOS boot, the ACPI namespace of predefined names only,
//! drivers on the acpi and pnp buses, backing_dev_info and the bdi class,
//! EDAC state. Everything a module registers is gone after it unloads.

mod common;

use common::{kernel, log_since, test_module, tree_module};

fn text(k: &kernel::Kernel, path: &str) -> String {
    String::from_utf8(
        k.read_view(path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}")),
    )
    .unwrap()
}

/// What x86's `reserve_standard_io_resources()` claims on every PC.
const STANDARD_PORTS: &str = "0000-001f : dma1\n0020-0021 : pic1\n0040-0043 : timer0\n0050-0053 : timer1\n\
0060-0060 : keyboard\n0064-0064 : keyboard\n0080-008f : dma page reg\n00a0-00a1 : pic2\n00c0-00df : dma2\n\
00f0-00ff : fpu\n";

#[test]
fn firmware_facts_resources_and_bdi() {
    let Some((k, _g)) = kernel() else { return };
    let Some(img) = test_module("fwres") else {
        return;
    };
    // boot state: the standard ports, an empty memory tree, the acpi and
    // pnp buses, an empty bdi class
    assert_eq!(text(k, "/proc/ioports"), STANDARD_PORTS);
    assert_eq!(text(k, "/proc/iomem"), "");
    for bus in ["acpi", "pnp"] {
        assert!(
            k.list_view(&format!("/sys/bus/{bus}"))
                .unwrap()
                .contains(&"drivers".to_string()),
            "{bus}"
        );
    }
    assert_eq!(k.list_view("/sys/class/bdi").unwrap(), Vec::<String>::new());

    let seq = kabi::log::next_seq();
    k.finit_module(&img, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    let log = log_since(seq);
    let has = |line: &str| assert!(log.iter().any(|l| l == line), "missing {line:?}: {log:#?}");
    // ports: a muxed region is busy|muxed; a taken, a standard and an
    // empty range cannot be had; freeing what nobody holds warns
    has("fwres: muxed=1 again=0 timer=0 held=1 empty=0 flags=80400100");
    has("Trying to free nonexistent resource <0x00000000000002f0-0x00000000000002f3>");
    // managed regions: released by __devm_release_region or with the
    // device's resources (at exit)
    has("fwres: devm=1 again=0 kept=1");
    has("fwres: ioport end=ffff iomem start=0 phys_bits_ok=1");
    // a region inside a module's (non-busy) resource nests under it; a
    // second request of the same resource conflicts
    has("fwres: parent=0 child=1 child_parent_ok=1 dup=-16");
    // insert_resource adopts the resources the new one covers
    has("fwres: mem=0 cover=0 adopted=1");
    // DMI: nothing matches (no callback), no strings, dmi_match(f, NULL)
    has("fwres: dmi check=0 calls=0 first=0 info=0 match_null=1 match_qemu=0 vendors=0");
    has("fwres: dmi date=0 y=0 m=0 d=0 bios_year=-61 walk=-6 available=0 dev=0");
    // efi: a BIOS boot, no runtime services, invalid table addresses
    has("fwres: efi boot=0 rt=0 setvar=0 smbios=ffffffffffffffff mask=0");
    // ACPI: no device with a HID; \_SB_ and \_TZ_ are the namespace's
    // Devices, nine predefined names in all; callbacks stop walks
    has("fwres: acpi disabled=0 get_devices(PNP0C09)=0 n=0");
    has("fwres: acpi get_devices(NULL)=0 n=2 nofn=4097");
    has("fwres: acpi walk any=0 n=9");
    has("fwres: acpi walk device=0 levels=2");
    has("fwres: acpi walk stop=0 n=1");
    has("fwres: acpi walk err=1 n=1 bad=4097,4097,4097");
    has("fwres: acpi win8=0 sybus=1 ec=-38 enforced=1 region=0 quirk=0");
    has("fwres: acpi_drv=0 pnp_drv=0");
    // address-space handlers on the root: IPMI is free, SystemIO has
    // ACPICA's default handler
    has("fwres: acpi space install=0 same=25 other=7 io=7 remove_other=4097 remove=0 again=6");
    has("fwres: efivars kobj=0 writes=0");
    // backing devices: Linux's defaults, registered once under its name
    has("fwres: bdi ra=32 io=32 caps=3 min=0 max=100 name=(unknown)");
    has("fwres: bdi register=0 again=0 name=fwres-0 dev=1");
    has("fwres: edac op_state=-1 owner=0");

    assert_eq!(
        text(k, "/proc/ioports"),
        format!("{STANDARD_PORTS}0300-0307 : fwres\n0310-031f : fwres-parent\n  0312-0313 : fwres-child\n0338-033b : fwres-devm3\n")
    );
    assert_eq!(
        text(k, "/proc/iomem"),
        "000c0000-000dffff : fwres-cover\n  000d0000-000d0fff : fwres-mem\n"
    );
    let acpi_drv = k.list_view("/sys/bus/acpi/drivers/fwres_acpi").unwrap();
    assert!(
        acpi_drv.contains(&"module".to_string()) && acpi_drv.contains(&"bind".to_string()),
        "{acpi_drv:?}"
    );
    let pnp_drv = k.list_view("/sys/bus/pnp/drivers/fwres_pnp").unwrap();
    // pnp drivers have no owner: no module link
    assert!(
        !pnp_drv.contains(&"module".to_string()) && pnp_drv.contains(&"bind".to_string()),
        "{pnp_drv:?}"
    );
    assert_eq!(
        k.list_view("/sys/class/bdi").unwrap(),
        vec!["fwres-0".to_string()]
    );
    assert_eq!(
        String::from_utf8(k.read_view("/sys/class/bdi/fwres-0").unwrap()).unwrap(),
        "../../devices/virtual/bdi/fwres-0"
    );
    assert_eq!(
        text(k, "/sys/devices/virtual/bdi/fwres-0/read_ahead_kb"),
        "256\n"
    );
    assert_eq!(
        text(k, "/sys/devices/virtual/bdi/fwres-0/max_ratio"),
        "100\n"
    );
    assert_eq!(text(k, "/sys/devices/virtual/bdi/fwres-0/min_ratio"), "0\n");
    assert_eq!(
        text(k, "/sys/devices/virtual/bdi/fwres-0/stable_pages_required"),
        "0\n"
    );

    let seq = kabi::log::next_seq();
    k.delete_module("fwres", 0).unwrap();
    assert!(log_since(seq).contains(&"fwres: exit".to_string()));
    assert_eq!(text(k, "/proc/ioports"), STANDARD_PORTS);
    assert_eq!(text(k, "/proc/iomem"), "");
    assert!(k.read_view("/sys/bus/acpi/drivers/fwres_acpi").is_err());
    assert!(k.list_view("/sys/bus/acpi/drivers/fwres_acpi").is_err());
    assert!(k.list_view("/sys/bus/pnp/drivers/fwres_pnp").is_err());
    assert_eq!(k.list_view("/sys/class/bdi").unwrap(), Vec::<String>::new());
    assert!(k.list_view("/sys/devices/virtual/bdi/fwres-0").is_err());

    // Debian's mtd: its bdi "mtd-0" (no readahead) lives as long as it does
    let mtd = tree_module("mtd.ko");
    let seq = kabi::log::next_seq();
    k.finit_module(&mtd, "", 0)
        .unwrap_or_else(|e| panic!("{e:?}: {:#?}", log_since(seq)));
    assert_eq!(
        k.list_view("/sys/class/bdi").unwrap(),
        vec!["mtd-0".to_string()]
    );
    assert_eq!(
        text(k, "/sys/devices/virtual/bdi/mtd-0/read_ahead_kb"),
        "0\n"
    );
    k.delete_module("mtd", 0).unwrap();
    assert_eq!(k.list_view("/sys/class/bdi").unwrap(), Vec::<String>::new());
}
