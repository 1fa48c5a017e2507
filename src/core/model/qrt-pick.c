/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "qrt-pick.h"

/* Hit tests on a layer's own arrays: a click must answer at once, without building GEOS
 * geometries. */

static double
segment_distance2 (double px,
                   double py,
                   double ax,
                   double ay,
                   double bx,
                   double by)
{
  double dx = bx - ax, dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? CLAMP (((px - ax) * dx + (py - ay) * dy) / len2, 0, 1) : 0;
  double cx = ax + t * dx - px, cy = ay + t * dy - py;

  return cx * cx + cy * cy;
}

/* Even-odd over all rings of the feature: holes count as outside. */
static gboolean
polygon_contains (const QrtPoints *pts,
                  const guint32 *rings,
                  guint          first_ring,
                  guint          last_ring,
                  double         x,
                  double         y)
{
  gboolean inside = FALSE;

  for (guint r = first_ring; r < last_ring; r++)
    for (guint i = rings[r], j = rings[r + 1] - 1; i < rings[r + 1]; j = i++)
      {
        double xi, yi, xj, yj;

        qrt_points_get (pts, i, &xi, &yi);
        qrt_points_get (pts, j, &xj, &yj);

        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
          inside = !inside;
      }
  return inside;
}

static double
feature_distance (QrtLayer  *layer,
                  QrtCoords  coords,
                  guint      f,
                  double     x,
                  double     y)
{
  const guint32 *rings = qrt_layer_get_ring_offsets (layer, NULL);
  const guint32 *parts = qrt_layer_get_part_offsets (layer, NULL);
  const guint32 *features = qrt_layer_get_feature_offsets (layer);
  QrtGeometryKind kind = qrt_layer_get_geometry_kind (layer);
  double best = INFINITY;
  QrtPoints pts;

  qrt_layer_get_points (layer, coords, &pts);
  if (kind == QRT_GEOMETRY_POLYGON &&
      polygon_contains (&pts, rings, parts[features[f]], parts[features[f + 1]], x, y))
    return 0;

  for (guint p = features[f]; p < features[f + 1]; p++)
    for (guint r = parts[p]; r < parts[p + 1]; r++)
      {
        guint start = rings[r], end = rings[r + 1];

        double ax, ay, bx, by;

        qrt_points_get (&pts, start, &ax, &ay);
        if (end - start == 1)
          {
            best = MIN (best, (ax - x) * (ax - x) + (ay - y) * (ay - y));
            continue;
          }
        for (guint i = start; i + 1 < end; i++, ax = bx, ay = by)
          {
            qrt_points_get (&pts, i + 1, &bx, &by);
            best = MIN (best, segment_distance2 (x, y, ax, ay, bx, by));
          }
      }
  return sqrt (best);
}

/**
 * qrt_layer_pick:
 * @x: position in @coords
 * @y: position in @coords
 * @tolerance: how far from a line or point a click still hits it, in @coords units
 *
 * Returns: the feature under (@x, @y): a polygon containing it, else the nearest line or
 *   point within @tolerance; the topmost (last drawn) one when several qualify; -1 for none.
 */
int
qrt_layer_pick (QrtLayer  *layer,
                QrtCoords  coords,
                double     x,
                double     y,
                double     tolerance)
{
  QrtBBox query = { x - tolerance, y - tolerance, x + tolerance, y + tolerance };
  g_autoptr(GArray) hits = NULL;
  double best = INFINITY;
  int found = -1;

  g_return_val_if_fail (QRT_IS_LAYER (layer), -1);

  hits = qrt_rtree_query (qrt_layer_get_index (layer, coords), &query);
  /* Later features are drawn on top: walk backwards and keep the first of equal distance. */
  for (guint h = hits->len; h-- > 0;)
    {
      guint f = g_array_index (hits, guint, h);
      double d = feature_distance (layer, coords, f, x, y);

      if (d <= tolerance && d < best)
        {
          best = d;
          found = (int) f;
          if (d == 0)
            break;
        }
    }
  return found;
}

static gboolean
segment_hits_rect (double         ax,
                   double         ay,
                   double         bx,
                   double         by,
                   const QrtBBox *r)
{
  /* Liang–Barsky clipping: does any part of the segment lie in the rectangle? */
  double t0 = 0, t1 = 1, dx = bx - ax, dy = by - ay;
  double p[4] = { -dx, dx, -dy, dy };
  double q[4] = { ax - r->min_x, r->max_x - ax, ay - r->min_y, r->max_y - ay };

  for (int i = 0; i < 4; i++)
    {
      if (p[i] == 0)
        {
          if (q[i] < 0)
            return FALSE;
          continue;
        }
      {
        double t = q[i] / p[i];

        if (p[i] < 0)
          t0 = MAX (t0, t);
        else
          t1 = MIN (t1, t);
      }
      if (t0 > t1)
        return FALSE;
    }
  return TRUE;
}

/**
 * qrt_layer_query_rect:
 * @rect: a box in @coords
 *
 * Returns: (transfer full) (element-type guint): the features whose geometry touches @rect
 *   (not only their bounding box), ascending.
 */
GArray *
qrt_layer_query_rect (QrtLayer      *layer,
                      QrtCoords      coords,
                      const QrtBBox *rect)
{
  GArray *hits;
  QrtPoints pts;
  const guint32 *rings, *parts, *features;
  guint kept = 0;

  g_return_val_if_fail (QRT_IS_LAYER (layer) && rect != NULL, NULL);

  hits = qrt_rtree_query (qrt_layer_get_index (layer, coords), rect);
  qrt_layer_get_points (layer, coords, &pts);
  rings = qrt_layer_get_ring_offsets (layer, NULL);
  parts = qrt_layer_get_part_offsets (layer, NULL);
  features = qrt_layer_get_feature_offsets (layer);

  for (guint h = 0; h < hits->len; h++)
    {
      guint f = g_array_index (hits, guint, h);
      QrtBBox box;
      gboolean touches;
      double cx = (rect->min_x + rect->max_x) / 2, cy = (rect->min_y + rect->max_y) / 2;

      qrt_layer_get_feature_bbox (layer, coords, f, &box);
      touches = qrt_bbox_contains (rect, &box);
      /* The rectangle inside a polygon, or an edge crossing it. */
      if (!touches && qrt_layer_get_geometry_kind (layer) == QRT_GEOMETRY_POLYGON)
        touches = polygon_contains (&pts, rings, parts[features[f]], parts[features[f + 1]], cx, cy);
      for (guint p = features[f]; !touches && p < features[f + 1]; p++)
        for (guint r = parts[p]; !touches && r < parts[p + 1]; r++)
          {
            guint start = rings[r], end = rings[r + 1];
            double ax, ay, bx, by;

            qrt_points_get (&pts, start, &ax, &ay);
            if (end - start == 1)
              touches = ax >= rect->min_x && ax <= rect->max_x &&
                        ay >= rect->min_y && ay <= rect->max_y;
            for (guint i = start; !touches && i + 1 < end; i++, ax = bx, ay = by)
              {
                qrt_points_get (&pts, i + 1, &bx, &by);
                touches = segment_hits_rect (ax, ay, bx, by, rect);
              }
          }
      if (touches)
        g_array_index (hits, guint, kept++) = f;
    }
  g_array_set_size (hits, kept);
  return hits;
}
