/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

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

void     qrt_bbox_init_empty  (QrtBBox       *box);
gboolean qrt_bbox_is_empty    (const QrtBBox *box);
void     qrt_bbox_extend      (QrtBBox       *box,
                               double         x,
                               double         y);
void     qrt_bbox_union       (QrtBBox       *box,
                               const QrtBBox *other);
gboolean qrt_bbox_intersects  (const QrtBBox *a,
                               const QrtBBox *b);
gboolean qrt_bbox_contains    (const QrtBBox *outer,
                               const QrtBBox *inner);
gboolean qrt_bbox_parse       (const char    *text,
                               QrtBBox       *box);

G_END_DECLS
