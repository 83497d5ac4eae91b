//! lib/rbtree.c: red-black trees over the module's `struct rb_node`s
//! (`__rb_parent_color` = parent pointer | colour bit, 0 red, 1 black).
//! The module links a new node itself (rb_link_node: red, under its
//! parent) and calls `rb_insert_color`; lookups walk the tree inline.

use crate::layout::rb_node as l;

const BLACK: u64 = 1;

fn get(a: u64) -> u64 {
    // SAFETY: a field of one of the module's rb_nodes (or the root).
    unsafe { (a as *const u64).read() }
}
fn put(a: u64, v: u64) {
    // SAFETY: a field of one of the module's rb_nodes (or the root).
    unsafe { (a as *mut u64).write(v) }
}
fn parent(n: u64) -> u64 {
    get(n + l::__rb_parent_color) & !3
}
fn left(n: u64) -> u64 {
    get(n + l::rb_left)
}
fn right(n: u64) -> u64 {
    get(n + l::rb_right)
}
fn set_left(n: u64, v: u64) {
    put(n + l::rb_left, v)
}
fn set_right(n: u64, v: u64) {
    put(n + l::rb_right, v)
}
fn is_red(n: u64) -> bool {
    n != 0 && get(n + l::__rb_parent_color) & 1 == 0
}
fn color(n: u64) -> u64 {
    get(n + l::__rb_parent_color) & 1
}
fn set_parent(n: u64, p: u64) {
    let pc = get(n + l::__rb_parent_color);
    put(n + l::__rb_parent_color, p | (pc & 3));
}
fn set_color(n: u64, c: u64) {
    if n != 0 {
        let pc = get(n + l::__rb_parent_color);
        put(n + l::__rb_parent_color, (pc & !1) | c);
    }
}
/// root: `struct rb_root *` (its first word is rb_node).
fn replace_child(root: u64, p: u64, old: u64, new: u64) {
    if p == 0 {
        put(root, new);
    } else if left(p) == old {
        set_left(p, new);
    } else {
        set_right(p, new);
    }
}
fn rotate_left(root: u64, x: u64) {
    let y = right(x);
    let yl = left(y);
    set_right(x, yl);
    if yl != 0 {
        set_parent(yl, x);
    }
    let p = parent(x);
    set_parent(y, p);
    replace_child(root, p, x, y);
    set_left(y, x);
    set_parent(x, y);
}
fn rotate_right(root: u64, x: u64) {
    let y = left(x);
    let yr = right(y);
    set_left(x, yr);
    if yr != 0 {
        set_parent(yr, x);
    }
    let p = parent(x);
    set_parent(y, p);
    replace_child(root, p, x, y);
    set_right(y, x);
    set_parent(x, y);
}

crate::kfn! {
    /// `void rb_insert_color(node, root)`: rebalances after the module linked `node`.
    fn rb_insert_color(node: u64, root: u64) {
        let mut z = node;
        loop {
            let p = parent(z);
            if p == 0 || !is_red(p) {
                break;
            }
            let g = parent(p);
            if g == 0 {
                break;
            }
            if p == left(g) {
                let u = right(g);
                if is_red(u) {
                    set_color(p, BLACK);
                    set_color(u, BLACK);
                    set_color(g, 0);
                    z = g;
                    continue;
                }
                let mut p = p;
                if z == right(p) {
                    rotate_left(root, p);
                    z = p;
                    p = parent(z);
                }
                set_color(p, BLACK);
                set_color(g, 0);
                rotate_right(root, g);
            } else {
                let u = left(g);
                if is_red(u) {
                    set_color(p, BLACK);
                    set_color(u, BLACK);
                    set_color(g, 0);
                    z = g;
                    continue;
                }
                let mut p = p;
                if z == left(p) {
                    rotate_right(root, p);
                    z = p;
                    p = parent(z);
                }
                set_color(p, BLACK);
                set_color(g, 0);
                rotate_left(root, g);
            }
            break;
        }
        set_color(get(root), BLACK);
    }
}

fn transplant(root: u64, u: u64, v: u64) {
    let p = parent(u);
    replace_child(root, p, u, v);
    if v != 0 {
        set_parent(v, p);
    }
}

crate::kfn! {
    /// `void rb_erase(node, root)`.
    fn rb_erase(z: u64, root: u64) {
        let (x, xp, removed_black);
        if left(z) == 0 {
            x = right(z);
            xp = parent(z);
            removed_black = color(z) == BLACK;
            transplant(root, z, x);
        } else if right(z) == 0 {
            x = left(z);
            xp = parent(z);
            removed_black = color(z) == BLACK;
            transplant(root, z, x);
        } else {
            let mut y = right(z);
            while left(y) != 0 {
                y = left(y);
            }
            removed_black = color(y) == BLACK;
            x = right(y);
            if parent(y) == z {
                xp = y;
            } else {
                xp = parent(y);
                transplant(root, y, x);
                set_right(y, right(z));
                set_parent(right(y), y);
            }
            transplant(root, z, y);
            set_left(y, left(z));
            set_parent(left(y), y);
            set_color(y, color(z));
        }
        if removed_black {
            erase_fixup(root, x, xp);
        }
    }
}

fn erase_fixup(root: u64, mut x: u64, mut xp: u64) {
    while x != get(root) && !is_red(x) && xp != 0 {
        if x == left(xp) {
            let mut w = right(xp);
            if is_red(w) {
                set_color(w, BLACK);
                set_color(xp, 0);
                rotate_left(root, xp);
                w = right(xp);
            }
            if w == 0 {
                x = xp;
                xp = parent(x);
                continue;
            }
            if !is_red(left(w)) && !is_red(right(w)) {
                set_color(w, 0);
                x = xp;
                xp = parent(x);
            } else {
                if !is_red(right(w)) {
                    set_color(left(w), BLACK);
                    set_color(w, 0);
                    rotate_right(root, w);
                    w = right(xp);
                }
                set_color(w, color(xp));
                set_color(xp, BLACK);
                set_color(right(w), BLACK);
                rotate_left(root, xp);
                x = get(root);
                break;
            }
        } else {
            let mut w = left(xp);
            if is_red(w) {
                set_color(w, BLACK);
                set_color(xp, 0);
                rotate_right(root, xp);
                w = left(xp);
            }
            if w == 0 {
                x = xp;
                xp = parent(x);
                continue;
            }
            if !is_red(left(w)) && !is_red(right(w)) {
                set_color(w, 0);
                x = xp;
                xp = parent(x);
            } else {
                if !is_red(left(w)) {
                    set_color(right(w), BLACK);
                    set_color(w, 0);
                    rotate_left(root, w);
                    w = left(xp);
                }
                set_color(w, color(xp));
                set_color(xp, BLACK);
                set_color(left(w), BLACK);
                rotate_right(root, xp);
                x = get(root);
                break;
            }
        }
    }
    set_color(x, BLACK);
}

/// RB_EMPTY_NODE: a node whose parent pointer is itself.
fn empty(n: u64) -> bool {
    get(n + l::__rb_parent_color) == n
}

crate::kfn! {
    /// `struct rb_node *rb_next(node)`: in order.
    fn rb_next(node: u64) -> u64 {
        if empty(node) {
            return 0;
        }
        let mut n = node;
        if right(n) != 0 {
            n = right(n);
            while left(n) != 0 {
                n = left(n);
            }
            return n;
        }
        let mut p = parent(n);
        while p != 0 && n == right(p) {
            n = p;
            p = parent(n);
        }
        p
    }
}

crate::kfn! {
    /// `struct rb_node *rb_prev(node)`.
    fn rb_prev(node: u64) -> u64 {
        if empty(node) {
            return 0;
        }
        let mut n = node;
        if left(n) != 0 {
            n = left(n);
            while right(n) != 0 {
                n = right(n);
            }
            return n;
        }
        let mut p = parent(n);
        while p != 0 && n == left(p) {
            n = p;
            p = parent(n);
        }
        p
    }
}

crate::kfn! {
    /// `struct rb_node *rb_first(root)`.
    fn rb_first(root: u64) -> u64 {
        let mut n = get(root);
        if n == 0 {
            return 0;
        }
        while left(n) != 0 {
            n = left(n);
        }
        n
    }
}

crate::kfn! {
    /// `struct rb_node *rb_last(root)`.
    fn rb_last(root: u64) -> u64 {
        let mut n = get(root);
        if n == 0 {
            return 0;
        }
        while right(n) != 0 {
            n = right(n);
        }
        n
    }
}

crate::kfn! {
    /// `void rb_replace_node(victim, new, root)`: `new` takes victim's place.
    fn rb_replace_node(victim: u64, new: u64, root: u64) {
        let p = parent(victim);
        put(new + l::__rb_parent_color, get(victim + l::__rb_parent_color));
        set_left(new, left(victim));
        set_right(new, right(victim));
        if left(victim) != 0 {
            set_parent(left(victim), new);
        }
        if right(victim) != 0 {
            set_parent(right(victim), new);
        }
        replace_child(root, p, victim, new);
    }
}

fn left_deepest(mut n: u64) -> u64 {
    loop {
        if left(n) != 0 {
            n = left(n);
        } else if right(n) != 0 {
            n = right(n);
        } else {
            return n;
        }
    }
}

crate::kfn! {
    /// `struct rb_node *rb_first_postorder(root)`.
    fn rb_first_postorder(root: u64) -> u64 {
        let n = get(root);
        if n == 0 {
            0
        } else {
            left_deepest(n)
        }
    }
}

crate::kfn! {
    /// `struct rb_node *rb_next_postorder(node)`.
    fn rb_next_postorder(node: u64) -> u64 {
        if node == 0 {
            return 0;
        }
        let p = parent(node);
        if p != 0 && node == left(p) && right(p) != 0 {
            left_deepest(right(p))
        } else {
            p
        }
    }
}
