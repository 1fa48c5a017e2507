/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <geos_c.h>
#include <math.h>
#include <pango/pangocairo.h>

#include "qrt-labels.h"

#define FONT "Cantarell, Sans Bold"
#define FONT_PX 12.0
#define PADDING 4.0
#define GRID 128.0
/* Layers with more labelled features keep only this many, largest first. */
#define MAX_CANDIDATES 5000

typedef struct
{
  guint       feature;
  double      mx;       /* anchor, Web Mercator */
  double      my;
  double      width;    /* text size in CSS pixels */
  double      height;
  double      extent;   /* feature width in metres, for priority and the fit test */
  const char *text;     /* owned by the layer */
} Candidate;

typedef struct
{
  GArray *candidates;   /* Candidate, by priority */
} LayerLabels;

struct _QrtLabels
{
  GMutex      lock;
  GHashTable *layers;   /* layer index -> LayerLabels */
  GHashTable *placed;   /* (layer index, level) -> GArray of candidate indices */
};

static void
layer_labels_free (LayerLabels *ll)
{
  g_array_unref (ll->candidates);
  g_free (ll);
}

QrtLabels *
qrt_labels_new (void)
{
  QrtLabels *labels = g_new0 (QrtLabels, 1);

  g_mutex_init (&labels->lock);
  labels->layers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) layer_labels_free);
  labels->placed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  return labels;
}

void
qrt_labels_free (QrtLabels *labels)
{
  if (labels == NULL)
    return;
  g_hash_table_unref (labels->layers);
  g_hash_table_unref (labels->placed);
  g_mutex_clear (&labels->lock);
  g_free (labels);
}

static PangoLayout *
make_layout (cairo_t *cr,
             double   scale)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (FONT);

  pango_font_description_set_absolute_size (font, FONT_PX * scale * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  return layout;
}

static void
anchor_of (QrtLayer            *layer,
           GEOSContextHandle_t  ctx,
           Candidate           *c)
{
  QrtBBox box;

  qrt_layer_get_feature_bbox (layer, QRT_COORDS_MERCATOR, c->feature, &box);
  c->mx = (box.min_x + box.max_x) / 2;
  c->my = (box.min_y + box.max_y) / 2;
  if (qrt_layer_get_geometry_kind (layer) == QRT_GEOMETRY_POLYGON)
    {
      /* A point surely inside: the centre of a U-shaped district may lie outside it. */
      GEOSGeometry *g = qrt_layer_build_geos (layer, ctx, c->feature, QRT_COORDS_MERCATOR);
      GEOSGeometry *p = g ? GEOSPointOnSurface_r (ctx, g) : NULL;

      if (p != NULL)
        {
          GEOSGeomGetX_r (ctx, p, &c->mx);
          GEOSGeomGetY_r (ctx, p, &c->my);
          GEOSGeom_destroy_r (ctx, p);
        }
      if (g != NULL)
        GEOSGeom_destroy_r (ctx, g);
    }
}

static int
compare_extent (gconstpointer a,
                gconstpointer b)
{
  const Candidate *ca = a, *cb = b;

  if (ca->extent != cb->extent)
    return ca->extent < cb->extent ? 1 : -1;
  return (ca->feature > cb->feature) - (ca->feature < cb->feature);
}

/* The labelled features of @layer, largest first, with anchors and text sizes. */
static LayerLabels *
collect (QrtLayer       *layer,
         const QrtStyle *style)
{
  LayerLabels *ll = g_new0 (LayerLabels, 1);
  int field = qrt_layer_find_field (layer, style->label_field);
  cairo_surface_t *surface;
  cairo_t *cr;
  PangoLayout *layout;
  GEOSContextHandle_t ctx;

  ll->candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));
  if (field < 0 || qrt_layer_get_field_type (layer, field) != QRT_FIELD_STRING)
    return ll;

  for (guint f = 0; f < qrt_layer_get_n_features (layer); f++)
    {
      const char *text = qrt_layer_get_string (layer, field, f);
      Candidate c = { 0 };
      QrtBBox box;

      if (text == NULL || *text == '\0')
        continue;
      qrt_layer_get_feature_bbox (layer, QRT_COORDS_MERCATOR, f, &box);
      c.feature = f;
      c.text = text;
      c.extent = box.max_x - box.min_x;
      g_array_append_val (ll->candidates, c);
    }
  g_array_sort (ll->candidates, compare_extent);
  g_array_set_size (ll->candidates, MIN (ll->candidates->len, MAX_CANDIDATES));

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  layout = make_layout (cr, 1);
  ctx = GEOS_init_r ();
  for (guint i = 0; i < ll->candidates->len; i++)
    {
      Candidate *c = &g_array_index (ll->candidates, Candidate, i);
      int w, h;

      anchor_of (layer, ctx, c);
      pango_layout_set_text (layout, c->text, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      c->width = w;
      c->height = h;
    }
  GEOS_finish_r (ctx);
  g_object_unref (layout);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return ll;
}

typedef struct
{
  double x0, y0, x1, y1;
} Box;

static gboolean
overlaps_any (GHashTable *grid,
              const Box  *box)
{
  for (int gx = (int) floor (box->x0 / GRID); gx <= (int) floor (box->x1 / GRID); gx++)
    for (int gy = (int) floor (box->y0 / GRID); gy <= (int) floor (box->y1 / GRID); gy++)
      {
        gint64 key = ((gint64) gx << 32) ^ (guint32) gy;
        GArray *cell = g_hash_table_lookup (grid, &key);

        for (guint i = 0; cell != NULL && i < cell->len; i++)
          {
            const Box *o = &g_array_index (cell, Box, i);

            if (box->x0 < o->x1 && o->x0 < box->x1 && box->y0 < o->y1 && o->y0 < box->y1)
              return TRUE;
          }
      }
  return FALSE;
}

static void
grid_add (GHashTable *grid,
          const Box  *box)
{
  for (int gx = (int) floor (box->x0 / GRID); gx <= (int) floor (box->x1 / GRID); gx++)
    for (int gy = (int) floor (box->y0 / GRID); gy <= (int) floor (box->y1 / GRID); gy++)
      {
        gint64 key = ((gint64) gx << 32) ^ (guint32) gy;
        GArray *cell = g_hash_table_lookup (grid, &key);

        if (cell == NULL)
          {
            cell = g_array_new (FALSE, FALSE, sizeof (Box));
            g_hash_table_insert (grid, g_memdup2 (&key, sizeof key), cell);
          }
        g_array_append_val (cell, *box);
      }
}

/* Greedy placement in priority order at @m_per_px: a label is kept when it fits its feature
 * and overlaps no label kept before. The same input gives the same set in every thread. */
static GArray *
place (const LayerLabels *ll,
       double             m_per_px)
{
  GArray *kept = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) grid = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                      (GDestroyNotify) g_array_unref);

  for (guint i = 0; i < ll->candidates->len; i++)
    {
      const Candidate *c = &g_array_index (ll->candidates, Candidate, i);
      double px = c->mx / m_per_px, py = -c->my / m_per_px;
      Box box = { px - c->width / 2 - PADDING, py - c->height / 2 - PADDING,
                  px + c->width / 2 + PADDING, py + c->height / 2 + PADDING };

      /* A name much wider than its district would cover the neighbours. */
      if (c->extent / m_per_px < c->width * 0.6)
        continue;
      if (overlaps_any (grid, &box))
        continue;
      grid_add (grid, &box);
      g_array_append_val (kept, i);
    }
  return kept;
}

/**
 * qrt_labels_paint:
 * @view: the Web Mercator box drawn
 * @px_per_m: device pixels per Mercator metre
 * @scale: device pixels per CSS pixel
 *
 * Draws the labels of @layer that reach into @view, dark text with a light halo.
 */
void
qrt_labels_paint (QrtLabels      *labels,
                  cairo_t        *cr,
                  guint           layer_index,
                  QrtLayer       *layer,
                  const QrtStyle *style,
                  const QrtBBox  *view,
                  double          px_per_m,
                  double          scale)
{
  double m_per_css_px = scale / px_per_m;
  /* Placement is per zoom quarter-level, so a continuous render (the CLI) and the tiles of
   * the nearest level agree on what is labelled. */
  gint64 level = llround (log2 (m_per_css_px) * 4);
  gint64 key = ((gint64) layer_index << 32) ^ (guint32) level;
  LayerLabels *ll;
  GArray *kept;
  PangoLayout *layout;

  g_return_if_fail (labels != NULL && cr != NULL && style != NULL);

  if (style->label_field[0] == '\0')
    return;

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&labels->lock);

    ll = g_hash_table_lookup (labels->layers, GUINT_TO_POINTER (layer_index));
    if (ll == NULL)
      {
        ll = collect (layer, style);
        g_hash_table_insert (labels->layers, GUINT_TO_POINTER (layer_index), ll);
      }
    kept = g_hash_table_lookup (labels->placed, &key);
    if (kept == NULL)
      {
        kept = place (ll, exp2 (level / 4.0));
        g_hash_table_insert (labels->placed, g_memdup2 (&key, sizeof key), kept);
      }
  }

  layout = make_layout (cr, scale);
  cairo_save (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < kept->len; i++)
    {
      const Candidate *c = &g_array_index (ll->candidates, Candidate,
                                           g_array_index (kept, guint, i));
      double x = (c->mx - view->min_x) * px_per_m;
      double y = (view->max_y - c->my) * px_per_m;
      double w = c->width * scale, h = c->height * scale;

      if (x + w < 0 || y + h < 0 || x - w > (view->max_x - view->min_x) * px_per_m ||
          y - h > (view->max_y - view->min_y) * px_per_m)
        continue;

      pango_layout_set_text (layout, c->text, -1);
      cairo_move_to (cr, round (x - w / 2), round (y - h / 2));
      pango_cairo_layout_path (cr, layout);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
      cairo_set_line_width (cr, 3 * scale);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgb (cr, 0.18, 0.20, 0.21);
      cairo_fill (cr);
    }
  cairo_restore (cr);
  g_object_unref (layout);
}
