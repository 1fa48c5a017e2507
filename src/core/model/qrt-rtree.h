/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "qrt-bbox.h"
#include "qrt-types.h"

G_BEGIN_DECLS

/* The items of a tree: one compact box per item, offsets from an origin. */
typedef struct
{
  const QrtBoxF *boxes;
  guint          n;
  double         origin_x;
  double         origin_y;
} QrtBoxes;

/* A static packed R-tree over an array of boxes. Built once, then read-only: any number of
 * threads may query it at the same time without locks. */

QrtRTree *qrt_rtree_new         (const QrtBoxes *items,
                                 const QrtRTree *same_order);
void      qrt_rtree_free        (QrtRTree       *tree);
GArray   *qrt_rtree_query       (const QrtRTree *tree,
                                 const QrtBBox  *query);
gsize     qrt_rtree_get_memsize (const QrtRTree *tree);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtRTree, qrt_rtree_free)

G_END_DECLS
