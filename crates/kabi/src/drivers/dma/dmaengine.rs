//! drivers/dma/dmaengine.c: clients of the DMA engine on a machine with
//! no DMA controller driver registered. `dmaengine_get`/`dmaengine_put`
//! keep `dmaengine_ref_count` (a client that wants every channel for
//! offload, such as async_tx); with no DMA devices there are no channels
//! to grab or rebalance, so `dma_find_channel` finds none for any
//! transaction type.

use std::sync::Mutex;

/// dma_list_mutex and dmaengine_ref_count.
static REF_COUNT: Mutex<i64> = Mutex::new(0);

crate::kfn! {
    /// `void dmaengine_get(void)`: one more client reference.
    fn dmaengine_get() {
        *REF_COUNT.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    }
}

crate::kfn! {
    /// `void dmaengine_put(void)`: BUG for a count going negative.
    fn dmaengine_put() {
        let mut n = REF_COUNT.lock().unwrap_or_else(|e| e.into_inner());
        *n -= 1;
        if *n < 0 {
            *n = 0;
            drop(n);
            crate::log::kernel_msg(0, "kernel BUG at drivers/dma/dmaengine.c: dmaengine_ref_count < 0 (dmaengine_put)");
        }
    }
}

crate::kfn! {
    /// `struct dma_chan *dma_find_channel(tx_type)`: this CPU's channel
    /// for the type from channel_table: none without DMA devices.
    fn dma_find_channel(_tx_type: u32) -> u64 {
        0
    }
}

crate::kfn! {
    /// `void dmaengine_unmap_put(unmap)`: drops a reference to unmap data.
    /// Only `dmaengine_get_unmap_data` (for a device's transfer) makes
    /// such data, and with no DMA devices there is none: async_tx's
    /// synchronous paths put the NULL they hold, which does nothing, as in
    /// Linux. Anything else was not handed out by this host: reported, left
    /// alone.
    fn dmaengine_unmap_put(unmap: u64) {
        if unmap != 0 {
            crate::log::kernel_msg(3, &format!("dmaengine_unmap_put: {unmap:#x} is no unmap data of this host (no DMA devices)"));
        }
    }
}
