// SPDX-License-Identifier: GPL-2.0
/* net/core: namespaces, links, protocols. */
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <linux/net.h>
#include "layout.h"

S(pernet_operations)
F(pernet_operations, list)
F(pernet_operations, init)
F(pernet_operations, exit)
F(pernet_operations, id)
F(pernet_operations, size)
S(rtnl_link_ops)
F(rtnl_link_ops, list)
F(rtnl_link_ops, kind)
S(proto)
F(proto, name)
F(proto, obj_size)
S(net_proto_family)
F(net_proto_family, family)
F(net_proto_family, create)
S(net)
S(net_device)
F(net_device, name)
