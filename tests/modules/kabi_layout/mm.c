// SPDX-License-Identifier: GPL-2.0
/* mm/ and lib/: pages, slabs, per-CPU, library structures. */
#include <linux/mm_types.h>
#include "layout.h"

