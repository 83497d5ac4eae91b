/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records for crates/kabi/src/layout.rs: each becomes
 * `pub mod <group> { pub const <name>: u64 = <value>; }`.
 *   F(s, f)        offset of member f of struct s   -> s::f
 *   FN(s, n, path) offset of a nested member path   -> s::n
 *   S(s)           sizeof(struct s)                 -> s::SIZE
 *   V(g, n, v)     any constant                     -> g::n
 */
#include <linux/stddef.h>
#define F(s, f) const unsigned long kabi__##s##__##f = offsetof(struct s, f);
#define FN(s, n, path) const unsigned long kabi__##s##__##n = offsetof(struct s, path);
#define S(s) const unsigned long kabi__##s##__SIZE = sizeof(struct s);
#define V(g, n, v) const unsigned long kabi__##g##__##n = (v);
