//! drivers/dma/: the DMA engine core.

mod dmaengine;
