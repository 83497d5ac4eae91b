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
#include <net/netns/generic.h>
F(pernet_operations, pre_exit)
F(pernet_operations, exit_batch)
F(pernet_operations, exit_batch_rtnl)
F(net, passive)
F(net, ifindex)
F(net, list)
F(net, exit_list)
F(net, user_ns)
F(net, ns)
FN(net, ns_inum, ns.inum)
FN(net, ns_count, ns.count)
F(net, dev_base_head)
F(net, proc_net)
F(net, rules_ops)
F(net, gen)
S(net_generic)
FN(net_generic, ptr, ptr)
F(proto, node)
F(proto, slab)
F(proto, memory_allocated)
F(proto, sysctl_mem)
F(proto, per_cpu_fw_alloc)
F(net_proto_family, owner)
V(net_consts, NPROTO, NPROTO)
