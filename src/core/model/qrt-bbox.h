/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <float.h>
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

/*
 * QrtBoxF: a box kept in half the space, as float offsets from an origin (a layer keeps one
 * per feature and CRS). Each bound is rounded outwards, so a QrtBoxF always contains the box
 * it was made from and is larger by at most two and a half float steps: about 1 cm 50 km from
 * the origin, 15 cm 1,000 km from it. Tests against it are therefore conservative: they may let a feature
 * through that misses by less than that, never drop one that hits.
 */
typedef struct
{
  float min_x;
  float min_y;
  float max_x;
  float max_y;
} QrtBoxF;

/* A float below (above) @v, at most two and a half steps away: a step past whatever the
 * conversion rounded to, without asking which way it went (boxes are made by the hundred
 * thousand; a branch there is a coin toss the predictor loses). |f| × FLT_EPSILON is at least
 * a step of f; FLT_TRUE_MIN makes it one for zero and subnormals too. */
static inline float
qrt_float_below (double v)
{
  float f = (float) v;

  return isfinite (f) ? f - (fabsf (f) * FLT_EPSILON + FLT_TRUE_MIN) : f;
}

static inline float
qrt_float_above (double v)
{
  float f = (float) v;

  return isfinite (f) ? f + (fabsf (f) * FLT_EPSILON + FLT_TRUE_MIN) : f;
}

static inline void
qrt_boxf_set (QrtBoxF       *out,
              const QrtBBox *box,
              double         origin_x,
              double         origin_y)
{
  out->min_x = qrt_float_below (box->min_x - origin_x);
  out->min_y = qrt_float_below (box->min_y - origin_y);
  out->max_x = qrt_float_above (box->max_x - origin_x);
  out->max_y = qrt_float_above (box->max_y - origin_y);
}

static inline void
qrt_boxf_get (const QrtBoxF *box,
              double         origin_x,
              double         origin_y,
              QrtBBox       *out)
{
  out->min_x = origin_x + box->min_x;
  out->min_y = origin_y + box->min_y;
  out->max_x = origin_x + box->max_x;
  out->max_y = origin_y + box->max_y;
}

G_END_DECLS
