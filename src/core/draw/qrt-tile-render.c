/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qrt-classify.h"
#include "qrt-labels.h"
#include "qrt-tile-render.h"

/*
 * A QrtTileRender is an immutable snapshot of what to draw: layers (immutable themselves) and
 * copies of their styles. Any number of threads may paint with one renderer at once; a style
 * or visibility change makes a new renderer.
 */
struct _QrtTileRender
{
  GObject    parent_instance;

  QrtLayer **layers;
  QrtStyle  *styles;
  guint      n_layers;
  QrtLabels *labels;     /* thread-safe itself */
};

G_DEFINE_FINAL_TYPE (QrtTileRender, qrt_tile_render, G_TYPE_OBJECT)

/* Between cancellation checks; small enough to stop a tile within a millisecond or so. */
#define CANCEL_CHECK_INTERVAL 2048

static void
qrt_tile_render_finalize (GObject *object)
{
  QrtTileRender *self = QRT_TILE_RENDER (object);

  for (guint i = 0; i < self->n_layers; i++)
    g_object_unref (self->layers[i]);
  g_free (self->layers);
  g_free (self->styles);
  qrt_labels_free (self->labels);

  G_OBJECT_CLASS (qrt_tile_render_parent_class)->finalize (object);
}

static void
qrt_tile_render_class_init (QrtTileRenderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrt_tile_render_finalize;
}

static void
qrt_tile_render_init (QrtTileRender *self)
{
}

/**
 * qrt_tile_render_new:
 * @layers: (array length=n_layers): layers, bottom first
 * @styles: (array length=n_layers): their styles, copied
 *
 * Returns: (transfer full): a renderer holding references to @layers.
 */
QrtTileRender *
qrt_tile_render_new (QrtLayer *const *layers,
                     const QrtStyle  *styles,
                     guint            n_layers)
{
  QrtTileRender *self;

  g_return_val_if_fail (n_layers == 0 || (layers != NULL && styles != NULL), NULL);

  self = g_object_new (QRT_TYPE_TILE_RENDER, NULL);
  self->n_layers = n_layers;
  self->layers = g_new (QrtLayer *, MAX (1, n_layers));
  self->styles = g_new (QrtStyle, MAX (1, n_layers));
  self->labels = qrt_labels_new ();
  for (guint i = 0; i < n_layers; i++)
    {
      self->layers[i] = g_object_ref (layers[i]);
      self->styles[i] = styles[i];
    }
  return self;
}

guint
qrt_tile_render_get_n_layers (QrtTileRender *self)
{
  g_return_val_if_fail (QRT_IS_TILE_RENDER (self), 0);
  return self->n_layers;
}

/**
 * qrt_tile_bbox:
 *
 * The Web Mercator box of the XYZ tile @zoom/@x/@y (y counted from the north, as in OSM).
 */
void
qrt_tile_bbox (guint    zoom,
               guint    x,
               guint    y,
               QrtBBox *mercator_bbox)
{
  double size = 2 * QRT_MERCATOR_HALF_WORLD / (double) (1u << zoom);

  mercator_bbox->min_x = -QRT_MERCATOR_HALF_WORLD + x * size;
  mercator_bbox->max_x = mercator_bbox->min_x + size;
  mercator_bbox->max_y = QRT_MERCATOR_HALF_WORLD - y * size;
  mercator_bbox->min_y = mercator_bbox->max_y - size;
}

/**
 * qrt_zoom_for_resolution:
 * @metres_per_pixel: Web Mercator metres per CSS pixel
 *
 * Returns: the fractional XYZ zoom level of 256 px tiles with this resolution.
 */
double
qrt_zoom_for_resolution (double metres_per_pixel)
{
  return log2 (2 * QRT_MERCATOR_HALF_WORLD / (256.0 * metres_per_pixel));
}

/**
 * qrt_fit_view:
 * @wanted: the box that must be visible
 * @view: (out): @wanted grown on one axis to the aspect ratio of @width × @height, centred
 */
void
qrt_fit_view (const QrtBBox *wanted,
              int            width,
              int            height,
              QrtBBox       *view)
{
  double cx = (wanted->min_x + wanted->max_x) / 2;
  double cy = (wanted->min_y + wanted->max_y) / 2;
  double res = MAX ((wanted->max_x - wanted->min_x) / width,
                    (wanted->max_y - wanted->min_y) / height);

  view->min_x = cx - res * width / 2;
  view->max_x = cx + res * width / 2;
  view->min_y = cy - res * height / 2;
  view->max_y = cy + res * height / 2;
}

static void
set_source (cairo_t        *cr,
            const QrtColor *color)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
}

typedef struct
{
  cairo_t       *cr;
  const QrtBBox *view;
  double         px_per_m;     /* device pixels per mercator metre */
  double         scale;        /* device pixels per CSS pixel */
  GCancellable  *cancellable;
} Painter;

static inline double
to_x (const Painter *p,
      double         mx)
{
  return (mx - p->view->min_x) * p->px_per_m;
}

static inline double
to_y (const Painter *p,
      double         my)
{
  return (p->view->max_y - my) * p->px_per_m;
}

static void
path_ring (const Painter *p,
           const double  *xy,
           guint          n,
           gboolean       close)
{
  double last_x = 0, last_y = 0;

  for (guint i = 0; i < n; i++)
    {
      double x = to_x (p, xy[2 * i]);
      double y = to_y (p, xy[2 * i + 1]);

      /* Vertices closer than a tenth of a pixel add nothing visible but cost cairo time. */
      if (i == 0)
        cairo_move_to (p->cr, x, y);
      else if (fabs (x - last_x) + fabs (y - last_y) >= 0.1 || i == n - 1)
        cairo_line_to (p->cr, x, y);
      else
        continue;
      last_x = x;
      last_y = y;
    }
  if (close)
    cairo_close_path (p->cr);
}

/* Draws the features @hits of @layer in one batch: one path filled and stroked once. */
static gboolean
paint_batch (const Painter  *p,
             QrtLayer       *layer,
             GArray         *hits,
             const QrtStyle *style,
             const QrtColor *fill,
             const QrtColor *stroke)
{
  QrtGeometryKind kind = qrt_layer_get_geometry_kind (layer);
  const double *xy = qrt_layer_get_coords (layer, QRT_COORDS_MERCATOR, NULL);
  const guint32 *rings = qrt_layer_get_ring_offsets (layer, NULL);
  const guint32 *parts = qrt_layer_get_part_offsets (layer, NULL);
  const guint32 *features = qrt_layer_get_feature_offsets (layer);
  const QrtBBox *boxes = qrt_layer_get_feature_bboxes (layer, QRT_COORDS_MERCATOR);
  double stroke_px = style->stroke_width * p->scale;
  double radius_px = style->point_radius * p->scale;
  gboolean has_fill = (kind == QRT_GEOMETRY_POLYGON || kind == QRT_GEOMETRY_POINT) &&
                      fill->alpha > 0;
  gboolean has_stroke = stroke->alpha > 0 && stroke_px > 0;
  g_autoptr(GArray) dots = g_array_new (FALSE, FALSE, sizeof (double));

  cairo_new_path (p->cr);
  for (guint h = 0; h < hits->len; h++)
    {
      guint f = g_array_index (hits, guint, h);
      const QrtBBox *box = &boxes[f];

      if (h % CANCEL_CHECK_INTERVAL == 0 && g_cancellable_is_cancelled (p->cancellable))
        return FALSE;

      if (kind == QRT_GEOMETRY_POINT)
        {
          for (guint part = features[f]; part < features[f + 1]; part++)
            {
              const double *pt = xy + 2 * rings[parts[part]];

              cairo_new_sub_path (p->cr);
              cairo_arc (p->cr, to_x (p, pt[0]), to_y (p, pt[1]), radius_px, 0, 2 * G_PI);
            }
          continue;
        }

      /* A feature smaller than a pixel still shows where it is, as a dot: dense areas keep
       * their texture at low zoom without tracing thousands of invisible outlines. */
      if ((box->max_x - box->min_x) * p->px_per_m < 1 && (box->max_y - box->min_y) * p->px_per_m < 1)
        {
          double centre[2] = { to_x (p, (box->min_x + box->max_x) / 2),
                               to_y (p, (box->min_y + box->max_y) / 2) };

          g_array_append_vals (dots, centre, 2);
          continue;
        }

      for (guint part = features[f]; part < features[f + 1]; part++)
        for (guint r = parts[part]; r < parts[part + 1]; r++)
          path_ring (p, xy + 2 * rings[r], rings[r + 1] - rings[r], kind == QRT_GEOMETRY_POLYGON);
    }

  cairo_set_fill_rule (p->cr, CAIRO_FILL_RULE_WINDING);
  if (has_fill)
    {
      set_source (p->cr, fill);
      cairo_fill_preserve (p->cr);
    }
  if (has_stroke)
    {
      set_source (p->cr, stroke);
      cairo_set_line_width (p->cr, stroke_px);
      cairo_set_line_join (p->cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_cap (p->cr, CAIRO_LINE_CAP_ROUND);
      cairo_stroke (p->cr);
    }
  cairo_new_path (p->cr);

  if (dots->len > 0)
    {
      /* A dot takes the colour that carries the information: the class colour of a classified
       * area, else the outline, which is how small buildings read. */
      const QrtColor *dot_color = has_stroke && style->mode == QRT_STYLE_SINGLE ? stroke : fill;
      double d = MAX (1.0, p->scale);

      for (guint i = 0; i < dots->len; i += 2)
        cairo_rectangle (p->cr, g_array_index (dots, double, i) - d / 2,
                         g_array_index (dots, double, i + 1) - d / 2, d, d);
      set_source (p->cr, dot_color);
      cairo_fill (p->cr);
    }
  return TRUE;
}

static gboolean
paint_layer (const Painter  *p,
             QrtLayer       *layer,
             const QrtStyle *style)
{
  double margin = (style->stroke_width * p->scale + style->point_radius * p->scale + 1) /
                  p->px_per_m;
  QrtBBox query = {
    p->view->min_x - margin, p->view->min_y - margin,
    p->view->max_x + margin, p->view->max_y + margin,
  };
  g_autoptr(GArray) hits = qrt_rtree_query (qrt_layer_get_index (layer, QRT_COORDS_MERCATOR),
                                            &query);
  int field = style->mode != QRT_STYLE_SINGLE ? qrt_layer_find_field (layer, style->field) : -1;
  gboolean ok = TRUE;

  if (hits->len == 0)
    return TRUE;

  if (style->opacity < 1)
    cairo_push_group (p->cr);

  if (field < 0 || style->n_classes == 0)
    ok = paint_batch (p, layer, hits, style, &style->fill, &style->stroke);
  else
    {
      /* One batch per class, the unclassed ("other") features first, beneath. */
      gboolean lines = qrt_layer_get_geometry_kind (layer) == QRT_GEOMETRY_LINE;
      GArray *buckets[QRT_STYLE_MAX_CLASSES + 1];

      for (guint b = 0; b <= style->n_classes; b++)
        buckets[b] = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint h = 0; h < hits->len; h++)
        {
          guint f = g_array_index (hits, guint, h);
          int klass = qrt_style_class_of (style, layer, field, f);

          g_array_append_val (buckets[klass < 0 ? 0 : klass + 1], f);
        }
      for (guint b = 0; b <= style->n_classes && ok; b++)
        {
          const QrtColor *colour = b == 0 ? (lines ? &style->stroke : &style->fill)
                                          : &style->classes[b - 1].colour;

          if (buckets[b]->len > 0)
            ok = paint_batch (p, layer, buckets[b], style, lines ? &style->fill : colour,
                              lines ? colour : &style->stroke);
        }
      for (guint b = 0; b <= style->n_classes; b++)
        g_array_unref (buckets[b]);
    }

  if (style->opacity < 1)
    {
      cairo_pop_group_to_source (p->cr);
      if (ok)
        cairo_paint_with_alpha (p->cr, style->opacity);
    }
  return ok;
}

/**
 * qrt_tile_render_paint:
 * @cr: the target; its current transformation maps the view to (0,0)–(@width,@height)
 * @mercator_view: the Web Mercator box shown; its aspect ratio should match the size
 * @width: target width in device pixels
 * @height: target height in device pixels
 * @scale: device pixels per CSS pixel (2 on HiDPI), scales line widths and point sizes
 *
 * Paints the background and every visible layer. Stops early when @cancellable fires.
 */
void
qrt_tile_render_paint (QrtTileRender *self,
                       cairo_t       *cr,
                       const QrtBBox *mercator_view,
                       int            width,
                       int            height,
                       double         scale,
                       GCancellable  *cancellable)
{
  Painter p;
  double zoom;

  g_return_if_fail (QRT_IS_TILE_RENDER (self));
  g_return_if_fail (cr != NULL && mercator_view != NULL);
  g_return_if_fail (width > 0 && height > 0 && scale > 0);

  p.cr = cr;
  p.view = mercator_view;
  p.px_per_m = width / (mercator_view->max_x - mercator_view->min_x);
  p.scale = scale;
  p.cancellable = cancellable;
  zoom = qrt_zoom_for_resolution (scale / p.px_per_m);

  cairo_save (cr);
  cairo_set_source_rgb (cr, QRT_BACKGROUND_RGB);
  cairo_paint (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_GOOD);

  for (guint i = 0; i < self->n_layers; i++)
    {
      const QrtStyle *style = &self->styles[i];

      if (!style->visible || zoom + 1e-9 < style->min_zoom)
        continue;
      if (!paint_layer (&p, self->layers[i], style))
        break;
    }

  /* Labels last, above every layer, in layer order. */
  for (guint i = 0; i < self->n_layers && !g_cancellable_is_cancelled (cancellable); i++)
    {
      const QrtStyle *style = &self->styles[i];

      if (style->visible && zoom + 1e-9 >= style->min_zoom && style->label_field[0] != '\0')
        qrt_labels_paint (self->labels, cr, i, self->layers[i], style, mercator_view, p.px_per_m,
                          scale);
    }

  cairo_restore (cr);
}

/**
 * qrt_tile_render_tile:
 * @size: edge length in device pixels: 256, or 512 for a HiDPI tile of the same area
 * @stride: (out): bytes per row of the result
 *
 * Returns: (transfer full) (nullable): the tile as cairo ARGB32 pixels (premultiplied, native
 *   endian: B8G8R8A8 on little-endian machines), or %NULL if @cancellable fired.
 */
GBytes *
qrt_tile_render_tile (QrtTileRender *self,
                      guint          zoom,
                      guint          x,
                      guint          y,
                      guint          size,
                      GCancellable  *cancellable,
                      gsize         *stride)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  QrtBBox view;

  g_return_val_if_fail (QRT_IS_TILE_RENDER (self), NULL);
  g_return_val_if_fail (zoom < 31 && x < (1u << zoom) && y < (1u << zoom), NULL);
  g_return_val_if_fail (size > 0 && size <= 4096, NULL);
  g_return_val_if_fail (stride != NULL, NULL);

  qrt_tile_bbox (zoom, x, y, &view);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) size, (int) size);
  cr = cairo_create (surface);
  qrt_tile_render_paint (self, cr, &view, (int) size, (int) size, size / 256.0, cancellable);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  if (g_cancellable_is_cancelled (cancellable))
    {
      cairo_surface_destroy (surface);
      return NULL;
    }

  *stride = (gsize) cairo_image_surface_get_stride (surface);
  /* The bytes stay owned by the surface; no copy between renderer and texture. */
  return g_bytes_new_with_free_func (cairo_image_surface_get_data (surface),
                                     *stride * size,
                                     (GDestroyNotify) cairo_surface_destroy,
                                     surface);
}

typedef struct
{
  QrtTileRender   *renderer;
  cairo_surface_t *target;
  QrtBBox          view;
  int              width;
  int              y0;
  int              y1;
  double           scale;
  GCancellable    *cancellable;
} Band;

static void
band_worker (gpointer data,
             gpointer user_data)
{
  Band *band = data;
  int height = band->y1 - band->y0;
  double m_per_px = (band->view.max_x - band->view.min_x) / band->width;
  QrtBBox view = band->view;
  cairo_surface_t *sub;
  cairo_t *cr;

  /* The band's own slice of the view, drawn into its own rows of the shared surface: bands
   * never overlap, so the threads never write the same pixels. */
  view.max_y = band->view.max_y - band->y0 * m_per_px;
  view.min_y = view.max_y - height * m_per_px;
  sub = cairo_surface_create_for_rectangle (band->target, 0, band->y0, band->width, height);
  cr = cairo_create (sub);
  qrt_tile_render_paint (band->renderer, cr, &view, band->width, height, band->scale,
                         band->cancellable);
  cairo_destroy (cr);
  cairo_surface_destroy (sub);
}

/**
 * qrt_tile_render_paint_image:
 * @target: an image surface of @width × @height device pixels
 * @n_threads: bands painted at once; 0 for one per processor
 *
 * Paints @mercator_view into @target like qrt_tile_render_paint(), split into horizontal
 * bands that are drawn in parallel. Used for large images (the CLI's `render`, reports).
 */
void
qrt_tile_render_paint_image (QrtTileRender   *self,
                             cairo_surface_t *target,
                             const QrtBBox   *mercator_view,
                             int              width,
                             int              height,
                             double           scale,
                             guint            n_threads,
                             GCancellable    *cancellable)
{
  g_autofree Band *bands = NULL;
  GThreadPool *pool;
  guint n_bands;

  g_return_if_fail (QRT_IS_TILE_RENDER (self));
  g_return_if_fail (target != NULL && mercator_view != NULL);
  g_return_if_fail (width > 0 && height > 0);

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  /* More bands than threads balances dense and empty parts of the map. */
  n_bands = MIN ((guint) height, n_threads * 4);
  bands = g_new0 (Band, n_bands);
  pool = g_thread_pool_new (band_worker, NULL, (int) n_threads, FALSE, NULL);
  for (guint i = 0; i < n_bands; i++)
    {
      bands[i] = (Band) {
        self, target, *mercator_view, width,
        (int) ((gint64) height * i / n_bands), (int) ((gint64) height * (i + 1) / n_bands),
        scale, cancellable,
      };
      g_thread_pool_push (pool, &bands[i], NULL);
    }
  g_thread_pool_free (pool, FALSE, TRUE);
  cairo_surface_mark_dirty (target);
}

static guint64
mix (guint64 h,
     guint64 v)
{
  return (h ^ v) * 1099511628211u;
}

static guint64
hash_double (guint64 h,
             double  v)
{
  guint64 bits;

  memcpy (&bits, &v, sizeof bits);
  return mix (h, bits);
}

static guint64
hash_colour (guint64         h,
             const QrtColor *c)
{
  return hash_double (hash_double (hash_double (hash_double (h, c->red), c->green), c->blue),
                      c->alpha);
}

/* Over the fields that change the picture; padding bytes never take part. */
static guint64
hash_style (const QrtStyle *style)
{
  guint64 h = 14695981039346656037u;

  h = hash_colour (h, &style->fill);
  h = hash_colour (h, &style->stroke);
  h = hash_double (h, style->stroke_width);
  h = hash_double (h, style->point_radius);
  h = hash_double (h, style->opacity);
  h = mix (h, (guint64) style->mode);
  h = mix (h, g_str_hash (style->field));
  h = mix (h, g_str_hash (style->label_field));
  h = mix (h, style->n_classes);
  for (guint i = 0; i < style->n_classes; i++)
    {
      h = hash_colour (h, &style->classes[i].colour);
      h = hash_double (h, style->classes[i].upper);
      h = mix (h, g_str_hash (style->classes[i].value));
    }
  return h;
}

/**
 * qrt_tile_render_signature:
 *
 * Returns: a hash of what tile @zoom/@x/@y shows with this renderer: the layers that draw on
 *   it and their styles, in order. Two renderers give the same signature for a tile exactly
 *   when a change between them does not touch it (barring hash collisions), which makes it
 *   the key of a tile cache that survives style changes elsewhere.
 */
guint64
qrt_tile_render_signature (QrtTileRender *self,
                           guint          zoom,
                           guint          x,
                           guint          y)
{
  guint64 h = 1469598103934665603u;
  QrtBBox tile;

  g_return_val_if_fail (QRT_IS_TILE_RENDER (self), 0);

  qrt_tile_bbox (zoom, x, y, &tile);
  for (guint i = 0; i < self->n_layers; i++)
    {
      const QrtStyle *style = &self->styles[i];
      double reach = style->stroke_width + style->point_radius + 1 +
                     (style->label_field[0] ? QRT_LABEL_MAX_REACH : 0);
      double margin = reach * (tile.max_x - tile.min_x) / 256;
      QrtBBox near = { tile.min_x - margin, tile.min_y - margin, tile.max_x + margin,
                       tile.max_y + margin };

      if (!style->visible || zoom < (guint) MAX (0, style->min_zoom) ||
          !qrt_bbox_intersects (qrt_layer_get_extent (self->layers[i], QRT_COORDS_MERCATOR), &near))
        continue;
      h = mix (h, qrt_layer_get_serial (self->layers[i]));
      h = mix (h, hash_style (style));
    }
  return h;
}
