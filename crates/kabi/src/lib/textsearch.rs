//! lib/textsearch.c: the registry of text search algorithms.

crate::export_fn!("textsearch_register" => textsearch_register);
crate::export_fn!("textsearch_unregister" => textsearch_unregister);

/// Registered textsearch algorithms (`struct ts_ops *`).
static TS_OPS: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());

extern "C" fn textsearch_register(ops: u64) -> i32 {
    let mut v = TS_OPS.lock().unwrap_or_else(|e| e.into_inner());
    if v.contains(&ops) {
        return -17; // -EEXIST
    }
    v.push(ops);
    0
}

extern "C" fn textsearch_unregister(ops: u64) -> i32 {
    let mut v = TS_OPS.lock().unwrap_or_else(|e| e.into_inner());
    match v.iter().position(|&o| o == ops) {
        Some(i) => {
            v.remove(i);
            0
        }
        None => -2, // -ENOENT
    }
}
