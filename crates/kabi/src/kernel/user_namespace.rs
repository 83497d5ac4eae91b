//! kernel/user_namespace.c: id mapping. The host has one user namespace,
//! init_user_ns, whose uid/gid/projid maps are the identity over
//! [0, 4294967295): every id maps to itself and (u32)-1 is the invalid id.
//! The `_munged` forms give the overflow id (65534) for an unmappable one.

const INVALID: u32 = u32::MAX;
const OVERFLOW_ID: u32 = 65534;

extern "C" fn make_id(_ns: u64, id: u32) -> u32 {
    id
}
extern "C" fn from_id(_ns: u64, kid: u32) -> u32 {
    kid
}
extern "C" fn from_id_munged(_ns: u64, kid: u32) -> u32 {
    if kid == INVALID {
        OVERFLOW_ID
    } else {
        kid
    }
}

crate::export_fn!("make_kuid" => make_id);
crate::export_fn!("make_kgid" => make_id);
crate::export_fn!("make_kprojid" => make_id);
crate::export_fn!("from_kuid" => from_id);
crate::export_fn!("from_kgid" => from_id);
crate::export_fn!("from_kprojid" => from_id);
crate::export_fn!("from_kuid_munged" => from_id_munged);
crate::export_fn!("from_kgid_munged" => from_id_munged);
crate::export_fn!("from_kprojid_munged" => from_id_munged);
