//! drivers/base/regmap/regmap.c: `dev_get_regmap`. A regmap is attached to
//! its device as a managed resource by `__regmap_init`/`__devm_regmap_init`;
//! the host implements neither (they are trapped), so no device carries a
//! regmap and the lookup finds none, as on Linux for a device without one.

use std::sync::Mutex;

use super::cstr;

/// Regmaps attached to devices: (device, regmap, name). Filled by the
/// regmap constructors once the host has them.
static REGMAPS: Mutex<Vec<(u64, u64, Option<String>)>> = Mutex::new(Vec::new());

crate::kfn! {
    /// `dev_get_regmap(dev, name)`: the device's regmap of that name (any,
    /// for NULL), or NULL.
    fn dev_get_regmap(dev: u64, name: u64) -> u64 {
        if dev == 0 {
            return 0;
        }
        let want = cstr(name);
        REGMAPS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(d, _, n)| *d == dev && (want.is_none() || *n == want))
            .map(|(_, r, _)| *r)
            .unwrap_or(0)
    }
}

fn purge(start: u64, end: u64) {
    let inside = |a: u64| a >= start && a < end;
    REGMAPS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(d, r, _)| !inside(*d) && !inside(*r));
}
crate::purge_on_module_free!(purge);

/// Attaches a regmap to its device (for the regmap constructors).
#[allow(dead_code)]
pub(crate) fn attach(dev: u64, map: u64, name: Option<String>) {
    REGMAPS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((dev, map, name));
}
