//! net/ipv4/xfrm4_protocol.c: IPsec protocol handlers
//! (`xfrm4_protocol_register`, `xfrm4_protocol_deregister`), and the
//! logic net/ipv6/xfrm6_protocol.c shares.
//!
//! ESP, AH and IPComp each have a handler list, highest `priority` first,
//! linked through the handlers' `next` members (two handlers of one
//! priority: -EEXIST); any other protocol is -EINVAL. The first handler of
//! a protocol adds the family's own protocol object (`esp4_protocol`, ...)
//! to `inet_protos` with `inet_add_protocol`, the last one removes it
//! (-EAGAIN and "can't add/remove protocol" when that fails). Those
//! objects are vmlinux-internal: the host's are blocks of the structure's
//! size whose handler pointers (af_inet's non-exported receive functions)
//! are NULL — no packet ever arrives to call them. Deregistering waits for
//! readers (`synchronize_net`).

use std::sync::Mutex;

use crate::fs::hostobj::{put64, zalloc};

const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const ENOENT: i32 = 2;
const EAGAIN: i32 = 11;
/// IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP.
const PROTOS: [u8; 3] = [50, 51, 108];

/// One family's handler lists.
pub(crate) struct Handlers {
    lists: Mutex<[Vec<u64>; 3]>,
    netprotos: std::sync::OnceLock<[u64; 3]>,
    /// `next` and `priority` offsets in the family's handler struct.
    next: u64,
    priority: u64,
    /// The size of the family's protocol object (net_protocol or inet6_protocol).
    netproto_size: u64,
    add: extern "C" fn(u64, u8) -> i32,
    del: extern "C" fn(u64, u8) -> i32,
    register: &'static str,
    deregister: &'static str,
}

impl Handlers {
    pub(crate) const fn new(
        next: u64,
        priority: u64,
        netproto_size: u64,
        add: extern "C" fn(u64, u8) -> i32,
        del: extern "C" fn(u64, u8) -> i32,
        names: (&'static str, &'static str),
    ) -> Self {
        Handlers {
            lists: Mutex::new([Vec::new(), Vec::new(), Vec::new()]),
            netprotos: std::sync::OnceLock::new(),
            next,
            priority,
            netproto_size,
            add,
            del,
            register: names.0,
            deregister: names.1,
        }
    }

    fn netproto(&self, i: usize) -> u64 {
        self.netprotos.get_or_init(|| {
            [
                zalloc(self.netproto_size),
                zalloc(self.netproto_size),
                zalloc(self.netproto_size),
            ]
        })[i]
    }

    fn prio(&self, h: u64) -> i32 {
        // SAFETY: an int member of the module's handler struct.
        unsafe { ((h + self.priority) as *const i32).read_unaligned() }
    }

    /// Writes the `next` links of a list.
    fn link(&self, v: &[u64]) {
        for (i, &h) in v.iter().enumerate() {
            // SAFETY: the `next` member of a registered handler.
            unsafe { put64(h + self.next, v.get(i + 1).copied().unwrap_or(0)) };
        }
    }

    pub(crate) fn register(&self, handler: u64, protocol: u8) -> i32 {
        let Some(i) = PROTOS.iter().position(|&p| p == protocol) else {
            return -EINVAL;
        };
        let prio = self.prio(handler);
        let (ret, add_netproto) = {
            let mut g = self.lists.lock().unwrap_or_else(|e| e.into_inner());
            let v = &mut g[i];
            let add_netproto = v.is_empty();
            let at = v
                .iter()
                .position(|&t| self.prio(t) <= prio)
                .unwrap_or(v.len());
            if v.get(at).is_some_and(|&t| self.prio(t) == prio) {
                (-EEXIST, add_netproto)
            } else {
                v.insert(at, handler);
                self.link(v);
                (0, add_netproto)
            }
        };
        if add_netproto && (self.add)(self.netproto(i), protocol) != 0 {
            crate::log::kernel_msg(3, &format!("{}: can't add protocol", self.register));
            return -EAGAIN;
        }
        ret
    }

    pub(crate) fn deregister(&self, handler: u64, protocol: u8) -> i32 {
        let Some(i) = PROTOS.iter().position(|&p| p == protocol) else {
            return -EINVAL;
        };
        let mut ret = -ENOENT;
        let empty = {
            let mut g = self.lists.lock().unwrap_or_else(|e| e.into_inner());
            let v = &mut g[i];
            if let Some(at) = v.iter().position(|&t| t == handler) {
                v.remove(at);
                self.link(v);
                ret = 0;
            }
            v.is_empty()
        };
        if empty && (self.del)(self.netproto(i), protocol) < 0 {
            crate::log::kernel_msg(3, &format!("{}: can't remove protocol", self.deregister));
            ret = -EAGAIN;
        }
        super::super::xfrm::synchronize_rcu();
        ret
    }

    /// The handlers of a protocol, in list order (tests).
    pub(crate) fn handlers(&self, protocol: u8) -> Vec<u64> {
        let g = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        PROTOS
            .iter()
            .position(|&p| p == protocol)
            .map(|i| g[i].clone())
            .unwrap_or_default()
    }

    pub(crate) fn purge(&self, start: u64, end: u64) {
        let mut gone = Vec::new();
        {
            let mut g = self.lists.lock().unwrap_or_else(|e| e.into_inner());
            for (i, v) in g.iter_mut().enumerate() {
                let before = v.len();
                v.retain(|&h| !(h >= start && h < end));
                if v.len() != before {
                    self.link(v);
                    if v.is_empty() {
                        gone.push(i);
                    }
                }
            }
        }
        for i in gone {
            (self.del)(self.netproto(i), PROTOS[i]);
        }
    }
}

use crate::layout::{net_protocol as np_l, xfrm4_protocol as x_l};

static XFRM4: Handlers = Handlers::new(
    x_l::next,
    x_l::priority,
    np_l::SIZE,
    super::protocol::inet_add_protocol,
    super::protocol::inet_del_protocol,
    ("xfrm4_protocol_register", "xfrm4_protocol_deregister"),
);

crate::kfn! {
    /// `xfrm4_protocol_register(handler, protocol)`: 0, -EINVAL, -EEXIST
    /// or -EAGAIN.
    fn xfrm4_protocol_register(handler: u64, protocol: u8) -> i32 {
        XFRM4.register(handler, protocol)
    }
}

crate::kfn! {
    /// `xfrm4_protocol_deregister(handler, protocol)`: 0, -EINVAL, -ENOENT
    /// or -EAGAIN.
    fn xfrm4_protocol_deregister(handler: u64, protocol: u8) -> i32 {
        XFRM4.deregister(handler, protocol)
    }
}

/// The IPv4 handlers of a protocol (tests).
pub fn xfrm4_handlers(protocol: u8) -> Vec<u64> {
    XFRM4.handlers(protocol)
}

fn purge(start: u64, end: u64) {
    XFRM4.purge(start, end);
}
crate::purge_on_module_free!(purge);
