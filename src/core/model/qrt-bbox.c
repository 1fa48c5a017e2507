/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qrt-bbox.h"

static QrtBBox *
bbox_copy (const QrtBBox *box)
{
  return g_memdup2 (box, sizeof *box);
}

G_DEFINE_BOXED_TYPE (QrtBBox, qrt_bbox, bbox_copy, g_free)

void
qrt_bbox_init_empty (QrtBBox *box)
{
  g_return_if_fail (box != NULL);

  box->min_x = box->min_y = INFINITY;
  box->max_x = box->max_y = -INFINITY;
}

gboolean
qrt_bbox_is_empty (const QrtBBox *box)
{
  g_return_val_if_fail (box != NULL, TRUE);

  return !(box->min_x <= box->max_x && box->min_y <= box->max_y);
}

void
qrt_bbox_extend (QrtBBox *box,
                 double   x,
                 double   y)
{
  if (x < box->min_x) box->min_x = x;
  if (y < box->min_y) box->min_y = y;
  if (x > box->max_x) box->max_x = x;
  if (y > box->max_y) box->max_y = y;
}

void
qrt_bbox_union (QrtBBox       *box,
                const QrtBBox *other)
{
  if (qrt_bbox_is_empty (other))
    return;
  qrt_bbox_extend (box, other->min_x, other->min_y);
  qrt_bbox_extend (box, other->max_x, other->max_y);
}

gboolean
qrt_bbox_intersects (const QrtBBox *a,
                     const QrtBBox *b)
{
  return a->min_x <= b->max_x && b->min_x <= a->max_x &&
         a->min_y <= b->max_y && b->min_y <= a->max_y;
}

gboolean
qrt_bbox_contains (const QrtBBox *outer,
                   const QrtBBox *inner)
{
  return outer->min_x <= inner->min_x && inner->max_x <= outer->max_x &&
         outer->min_y <= inner->min_y && inner->max_y <= outer->max_y;
}

/**
 * qrt_bbox_parse:
 * @text: "minx,miny,maxx,maxy"
 * @box: (out): the parsed box
 *
 * Returns: %TRUE if @text held four finite numbers with min < max on both axes.
 */
gboolean
qrt_bbox_parse (const char *text,
                QrtBBox    *box)
{
  g_auto(GStrv) parts = NULL;
  double v[4];

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (box != NULL, FALSE);

  parts = g_strsplit (text, ",", -1);
  if (g_strv_length (parts) != 4)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      char *end = NULL;

      g_strstrip (parts[i]);
      v[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (v[i]))
        return FALSE;
    }

  if (!(v[0] < v[2] && v[1] < v[3]))
    return FALSE;

  box->min_x = v[0];
  box->min_y = v[1];
  box->max_x = v[2];
  box->max_y = v[3];
  return TRUE;
}
