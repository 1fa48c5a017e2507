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

/* The frame of the tree's space-filling curve, for keys made before the tree. */
typedef struct
{
  double min_x;
  double min_y;
  double sx;
  double sy;
} QrtCurveFrame;

void      qrt_curve_frame_init  (QrtCurveFrame       *frame,
                                 const QrtBBox       *area);
guint32   qrt_curve_key         (const QrtCurveFrame *frame,
                                 double               x,
                                 double               y);

/* A static packed R-tree over an array of boxes. Built once, then read-only: any number of
 * threads may query it at the same time without locks. */

QrtRTree *qrt_rtree_new         (const QrtBoxes *items,
                                 const QrtRTree *same_order);
QrtRTree *qrt_rtree_new_from_keys (const QrtBoxes  *items,
                                   guint64         *pairs,
                                   const QrtBoxes  *twin_items,
                                   QrtRTree       **twin);
void      qrt_rtree_free        (QrtRTree       *tree);
GArray   *qrt_rtree_query       (const QrtRTree *tree,
                                 const QrtBBox  *query);
gsize     qrt_rtree_get_memsize (const QrtRTree *tree);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtRTree, qrt_rtree_free)

G_END_DECLS
