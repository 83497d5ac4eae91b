//! net/ipv6/xfrm6_protocol.c: IPv6 IPsec protocol handlers
//! (`xfrm6_protocol_register`, `xfrm6_protocol_deregister`): the logic of
//! net/ipv4/xfrm4_protocol.rs on `inet6_protos`.

use crate::layout::{inet6_protocol as np_l, xfrm6_protocol as x_l};
use crate::net::ipv4::xfrm4_protocol::Handlers;

static XFRM6: Handlers = Handlers::new(
    x_l::next,
    x_l::priority,
    np_l::SIZE,
    super::protocol::inet6_add_protocol,
    super::protocol::inet6_del_protocol,
    ("xfrm6_protocol_register", "xfrm6_protocol_deregister"),
);

crate::kfn! {
    /// `xfrm6_protocol_register(handler, protocol)`: 0, -EINVAL, -EEXIST
    /// or -EAGAIN.
    fn xfrm6_protocol_register(handler: u64, protocol: u8) -> i32 {
        XFRM6.register(handler, protocol)
    }
}

crate::kfn! {
    /// `xfrm6_protocol_deregister(handler, protocol)`: 0, -EINVAL, -ENOENT
    /// or -EAGAIN.
    fn xfrm6_protocol_deregister(handler: u64, protocol: u8) -> i32 {
        XFRM6.deregister(handler, protocol)
    }
}

/// The IPv6 handlers of a protocol (tests).
pub fn xfrm6_handlers(protocol: u8) -> Vec<u64> {
    XFRM6.handlers(protocol)
}

fn purge(start: u64, end: u64) {
    XFRM6.purge(start, end);
}
crate::purge_on_module_free!(purge);
