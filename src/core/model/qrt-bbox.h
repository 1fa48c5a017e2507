/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <math.h>

#include "qrt-types.h"

G_BEGIN_DECLS

/* An axis-aligned box; a plain value, copied freely between threads. */
struct _QrtBBox
{
  double min_x;
  double min_y;
  double max_x;
  double max_y;
};

#define QRT_TYPE_BBOX (qrt_bbox_get_type ())
GType    qrt_bbox_get_type    (void) G_GNUC_CONST;

/* The small operations are inline: R-tree builds, tile rendering and the zonal engine call
 * them per point and per feature, where a call costs more than the comparison. */
static inline void
qrt_bbox_init_empty (QrtBBox *box)
{
  box->min_x = box->min_y = INFINITY;
  box->max_x = box->max_y = -INFINITY;
}

static inline gboolean
qrt_bbox_is_empty (const QrtBBox *box)
{
  return !(box->min_x <= box->max_x && box->min_y <= box->max_y);
}

static inline void
qrt_bbox_extend (QrtBBox *box,
                 double   x,
                 double   y)
{
  if (x < box->min_x) box->min_x = x;
  if (y < box->min_y) box->min_y = y;
  if (x > box->max_x) box->max_x = x;
  if (y > box->max_y) box->max_y = y;
}

static inline void
qrt_bbox_union (QrtBBox       *box,
                const QrtBBox *other)
{
  if (qrt_bbox_is_empty (other))
    return;
  qrt_bbox_extend (box, other->min_x, other->min_y);
  qrt_bbox_extend (box, other->max_x, other->max_y);
}

static inline gboolean
qrt_bbox_intersects (const QrtBBox *a,
                     const QrtBBox *b)
{
  return a->min_x <= b->max_x && b->min_x <= a->max_x &&
         a->min_y <= b->max_y && b->min_y <= a->max_y;
}

static inline gboolean
qrt_bbox_contains (const QrtBBox *outer,
                   const QrtBBox *inner)
{
  return outer->min_x <= inner->min_x && inner->max_x <= outer->max_x &&
         outer->min_y <= inner->min_y && inner->max_y <= outer->max_y;
}

gboolean qrt_bbox_parse       (const char    *text,
                               QrtBBox       *box);

G_END_DECLS
