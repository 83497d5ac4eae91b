// SPDX-License-Identifier: GPL-2.0
/* mm/ and lib/: pages, slabs, per-CPU, library structures. */
#include <linux/mm_types.h>
#include "layout.h"

#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/page-flags.h>
#include <linux/mmzone.h>
#include <linux/percpu.h>
#include <linux/mm.h>

F(page, compound_head)
F(page, mapping)
F(page, index)
F(page, private)
F(page, _mapcount)
F(page, _refcount)
F(page, compound_dtor)
F(page, compound_order)
F(page, compound_mapcount)
F(page, compound_pincount)
F(page, compound_nr)
V(mm, PG_head, PG_head)
V(mm, PG_slab, PG_slab)
V(mm, PG_reserved, PG_reserved)
V(mm, ZONES_PGSHIFT, ZONES_PGSHIFT)
V(mm, ZONE_NORMAL, ZONE_NORMAL)
V(mm, NODES_PGSHIFT, NODES_PGSHIFT)
V(mm, MAX_ORDER, MAX_ORDER)
V(mm, COMPOUND_PAGE_DTOR, COMPOUND_PAGE_DTOR)
V(mm, KMALLOC_MAX_CACHE_SIZE, KMALLOC_MAX_CACHE_SIZE)
V(mm, KMALLOC_MAX_SIZE, KMALLOC_MAX_SIZE)
V(mm, KMALLOC_SHIFT_HIGH, KMALLOC_SHIFT_HIGH)
V(mm, NR_KMALLOC_TYPES, NR_KMALLOC_TYPES)
V(mm, ARCH_KMALLOC_MINALIGN, ARCH_KMALLOC_MINALIGN)
V(mm, SLAB_HWCACHE_ALIGN, (unsigned long)SLAB_HWCACHE_ALIGN)
V(mm, SLAB_PANIC, (unsigned long)SLAB_PANIC)
V(mm, SLAB_TYPESAFE_BY_RCU, (unsigned long)SLAB_TYPESAFE_BY_RCU)
V(mm, L1_CACHE_BYTES, L1_CACHE_BYTES)
V(gfp, ZERO, (unsigned long)__GFP_ZERO)
V(gfp, COMP, (unsigned long)__GFP_COMP)
V(gfp, NOWARN, (unsigned long)__GFP_NOWARN)
V(gfp, DMA, (unsigned long)__GFP_DMA)
V(gfp, DMA32, (unsigned long)__GFP_DMA32)
V(gfp, HIGHMEM, (unsigned long)__GFP_HIGHMEM)
V(mm, PCPU_MIN_UNIT_SIZE, PCPU_MIN_UNIT_SIZE)
#include <linux/scatterlist.h>

F(scatterlist, page_link)
F(scatterlist, offset)
F(scatterlist, length)
F(scatterlist, dma_address)
F(scatterlist, dma_length)
S(scatterlist)
F(sg_table, sgl)
F(sg_table, nents)
F(sg_table, orig_nents)
S(sg_table)
V(mm, SG_CHAIN, SG_CHAIN)
V(mm, SG_END, SG_END)
V(mm, SG_MAX_SINGLE_ALLOC, SG_MAX_SINGLE_ALLOC)
#include <linux/idr.h>
#include <linux/rbtree.h>

F(idr, idr_rt)
F(idr, idr_base)
F(idr, idr_next)
F(ida, xa)
F(xarray, xa_flags)
F(xarray, xa_head)
V(mm, IDR_RT_MARKER, (unsigned long)IDR_RT_MARKER)
V(mm, IDA_FLAGS, (unsigned long)IDA_INIT_FLAGS)
F(rb_node, __rb_parent_color)
F(rb_node, rb_right)
F(rb_node, rb_left)
S(rb_node)
F(rb_root_cached, rb_root)
F(rb_root_cached, rb_leftmost)
V(mm, ROOT_TAG_SHIFT, ROOT_TAG_SHIFT)
#include <linux/mempool.h>

F(mempool_s, lock)
F(mempool_s, min_nr)
F(mempool_s, curr_nr)
F(mempool_s, elements)
F(mempool_s, pool_data)
F(mempool_s, alloc)
F(mempool_s, free)
F(mempool_s, wait)
S(mempool_s)
#include <linux/shrinker.h>

F(shrinker, flags)
F(shrinker, list)
F(shrinker, id)
F(shrinker, nr_deferred)
S(shrinker)
V(mm, SHRINKER_REGISTERED, SHRINKER_REGISTERED)
V(mm, SHRINKER_NUMA_AWARE, SHRINKER_NUMA_AWARE)
V(mm, SHRINKER_MEMCG_AWARE, SHRINKER_MEMCG_AWARE)
