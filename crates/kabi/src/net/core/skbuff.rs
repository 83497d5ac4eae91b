//! net/core/skbuff.c: socket buffer queues. A `struct sk_buff_head` and the
//! `sk_buff`s on it form a circular list through their first two words
//! (next, prev), the head counting its buffers in `qlen`; the locked forms
//! take the head's spinlock. Freeing a buffer (`kfree_skb_reason`) is not
//! implemented yet: purging a non-empty queue ends at that export's trap.

use crate::layout::sk_buff_head as h;

fn rd(p: u64) -> u64 {
    // SAFETY: a next/prev word of the caller's queue head or one of its skbs.
    unsafe { (p as *const u64).read_volatile() }
}
fn wr(p: u64, v: u64) {
    // SAFETY: as above.
    unsafe { (p as *mut u64).write_volatile(v) }
}
fn qlen_add(list: u64, d: i32) {
    // SAFETY: the caller's queue head.
    unsafe {
        let q = (list + h::qlen) as *mut u32;
        q.write_volatile(q.read_volatile().wrapping_add_signed(d));
    }
}
fn locked<R>(list: u64, f: impl FnOnce() -> R) -> R {
    crate::kernel::locking::mutex::spin_lock(list + h::lock);
    let r = f();
    crate::kernel::locking::mutex::spin_unlock(list + h::lock);
    r
}

/// __skb_unlink.
fn unlink(skb: u64, list: u64) {
    qlen_add(list, -1);
    let (next, prev) = (rd(skb + h::next), rd(skb + h::prev));
    wr(skb + h::next, 0);
    wr(skb + h::prev, 0);
    wr(next + h::prev, prev);
    wr(prev + h::next, next);
}

/// __skb_insert between prev and next.
fn insert(newsk: u64, prev: u64, next: u64, list: u64) {
    wr(newsk + h::next, next);
    wr(newsk + h::prev, prev);
    wr(next + h::prev, newsk);
    wr(prev + h::next, newsk);
    qlen_add(list, 1);
}

/// __skb_dequeue (tail: __skb_dequeue_tail).
fn dequeue(list: u64, tail: bool) -> u64 {
    let skb = rd(list + if tail { h::prev } else { h::next });
    if skb == list || skb == 0 {
        return 0;
    }
    unlink(skb, list);
    skb
}

crate::kfn! {
    /// `struct sk_buff *skb_dequeue(list)`: the first buffer, or NULL.
    fn skb_dequeue(list: u64) -> u64 {
        locked(list, || dequeue(list, false))
    }
}
crate::kfn! {
    /// `struct sk_buff *skb_dequeue_tail(list)`: the last buffer, or NULL.
    fn skb_dequeue_tail(list: u64) -> u64 {
        locked(list, || dequeue(list, true))
    }
}
crate::kfn! {
    /// `void skb_queue_tail(list, newsk)`.
    fn skb_queue_tail(list: u64, newsk: u64) {
        locked(list, || insert(newsk, rd(list + h::prev), list, list))
    }
}
crate::kfn! {
    /// `void skb_queue_head(list, newsk)`.
    fn skb_queue_head(list: u64, newsk: u64) {
        locked(list, || insert(newsk, list, rd(list + h::next), list))
    }
}
crate::kfn! {
    /// `void skb_unlink(skb, list)`.
    fn skb_unlink(skb: u64, list: u64) {
        locked(list, || unlink(skb, list))
    }
}
crate::kfn! {
    /// `void skb_append(old, newsk, list)`: newsk after old.
    fn skb_append(old: u64, newsk: u64, list: u64) {
        locked(list, || insert(newsk, old, rd(old + h::next), list))
    }
}
crate::kfn! {
    /// `void skb_queue_purge(list)`: every buffer dequeued and freed with
    /// kfree_skb (kfree_skb_reason, NOT_SPECIFIED) — which the host does
    /// not implement yet, so a non-empty queue ends the call at its trap.
    fn skb_queue_purge(list: u64) {
        loop {
            let skb = skb_dequeue(list);
            if skb == 0 {
                return;
            }
            let Some(free) = crate::vmlinux::get().and_then(|v| v.symbol("kfree_skb_reason")) else { return };
            crate::fault::call_module(free, [skb, crate::layout::misc::SKB_DROP_REASON_NOT_SPECIFIED, 0, 0, 0, 0]);
        }
    }
}
