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
  gboolean   transparent;
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

/* @xy: display coordinates, float offsets from (@ox, @oy) */
static void
path_ring (const Painter *p,
           const float   *xy,
           guint          n,
           gboolean       close,
           double         ox,
           double         oy)
{
  double last_x = 0, last_y = 0;

  for (guint i = 0; i < n; i++)
    {
      double x = to_x (p, ox + xy[2 * i]);
      double y = to_y (p, oy + xy[2 * i + 1]);

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

/* A small premultiplied ARGB32 picture copied onto the target for every point or dot:
 * cairo's general path machinery costs tens of microseconds per circle, a stamp a fraction of
 * one. Only used when the target is an image surface under an integer translation. */
typedef struct
{
  int      size;
  int      origin;     /* the stamp pixel that lands on the point */
  guint32 *pixels;
} Stamp;

typedef struct
{
  guint8 *data;
  int     stride;
  int     width;
  int     height;
  int     dx;          /* device offset of the painter's (0,0) on the surface */
  int     dy;
} Direct;

static void
stamp_clear (Stamp *stamp)
{
  g_clear_pointer (&stamp->pixels, g_free);
}

static void
stamp_init_circle (Stamp          *stamp,
                   double          radius,
                   const QrtColor *fill,
                   const QrtColor *stroke,
                   double          stroke_px)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  int size = (int) ceil (2 * radius + stroke_px + 2);

  stamp->size = size;
  stamp->origin = size / 2;
  stamp->pixels = g_new0 (guint32, size * size);
  surface = cairo_image_surface_create_for_data ((guint8 *) stamp->pixels, CAIRO_FORMAT_ARGB32,
                                                 size, size, size * 4);
  cr = cairo_create (surface);
  cairo_arc (cr, stamp->origin + 0.5, stamp->origin + 0.5, radius, 0, 2 * G_PI);
  if (fill != NULL)
    {
      set_source (cr, fill);
      cairo_fill_preserve (cr);
    }
  if (stroke != NULL)
    {
      set_source (cr, stroke);
      cairo_set_line_width (cr, stroke_px);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
stamp_init_dot (Stamp          *stamp,
                int             size,
                const QrtColor *colour)
{
  guint32 a = (guint32) lround (CLAMP (colour->alpha, 0, 1) * 255);
  guint32 px = a << 24 | (guint32) lround (colour->red * a) << 16 |
               (guint32) lround (colour->green * a) << 8 | (guint32) lround (colour->blue * a);

  stamp->size = MAX (1, size);
  stamp->origin = (stamp->size - 1) / 2;
  stamp->pixels = g_new (guint32, stamp->size * stamp->size);
  for (int i = 0; i < stamp->size * stamp->size; i++)
    stamp->pixels[i] = px;
}

/* Premultiplied ARGB32 @s OVER @dst. */
static inline guint32
over (guint32 s,
      guint32 dst)
{
  guint32 sa = s >> 24, inv = 255 - sa, out = 0;

  if (sa == 0)
    return dst;
  if (sa == 255)
    return s;
  for (int shift = 0; shift < 32; shift += 8)
    {
      guint32 c = ((s >> shift) & 0xff) + (((dst >> shift) & 0xff) * inv + 127) / 255;

      out |= MIN (c, 255u) << shift;
    }
  return out;
}

/* A stamp OVER the surface, clipped to it. */
static void
stamp_blit (const Direct *d,
            const Stamp  *stamp,
            double        x,
            double        y)
{
  int x0 = (int) floor (x) + d->dx - stamp->origin;
  int y0 = (int) floor (y) + d->dy - stamp->origin;

  for (int sy = MAX (0, -y0); sy < stamp->size && y0 + sy < d->height; sy++)
    {
      guint32 *row = (guint32 *) (d->data + (gsize) (y0 + sy) * d->stride);
      const guint32 *src = stamp->pixels + sy * stamp->size;

      for (int sx = MAX (0, -x0); sx < stamp->size && x0 + sx < d->width; sx++)
        row[x0 + sx] = over (src[sx], row[x0 + sx]);
    }
}

/* Direct access to the pixels of @cr's target, if it is an image under a pure integer
 * translation (tiles and bands always are). */
static gboolean
direct_access (cairo_t *cr,
               Direct  *d)
{
  cairo_surface_t *target = cairo_get_target (cr);
  cairo_matrix_t m;

  cairo_get_matrix (cr, &m);
  /* Inside cairo_push_group() (a translucent layer) the pixels go elsewhere: use cairo. */
  if (cairo_get_group_target (cr) != target ||
      cairo_surface_get_type (target) != CAIRO_SURFACE_TYPE_IMAGE ||
      cairo_image_surface_get_format (target) != CAIRO_FORMAT_ARGB32 ||
      m.xx != 1 || m.yy != 1 || m.xy != 0 || m.yx != 0 ||
      m.x0 != floor (m.x0) || m.y0 != floor (m.y0))
    return FALSE;

  cairo_surface_flush (target);
  d->data = cairo_image_surface_get_data (target);
  d->stride = cairo_image_surface_get_stride (target);
  d->width = cairo_image_surface_get_width (target);
  d->height = cairo_image_surface_get_height (target);
  d->dx = (int) m.x0;
  d->dy = (int) m.y0;
  return d->data != NULL;
}

/* Outlines no wider than a device pixel (a building's edge) are drawn here rather than by
 * cairo: cairo 1.16 has no hairline mode, and its stroker turns every segment into a polygon
 * of its own for the scan converter, which made the outlines of a town's buildings two
 * thirds of a close-up's time. Here a segment is walked along its major axis a pixel column
 * (or row) at a time; in each, the strip the line covers is spread over the pixels it
 * overlaps by area (cairo's fast antialiasing samples 4×4 points a pixel instead). */
#define THIN_OUTLINE 1.0   /* device pixels */

/* Coverage of thin outlines since the last flush, a byte per pixel of the target (indexed
 * like its pixels), combined by maximum and blended once at the flush: where two outlines
 * share a wall, or a segment meets the next at a corner, the pixel is not darkened twice,
 * as it is not when cairo strokes the whole path at once. Outlines are covered and blended
 * within one flush, so the mask is all zero outside one (a cancelled paint included), and
 * each thread keeps one from paint to paint (fresh pages cost more to map and clear than the
 * outlines of a close-up cost to draw). */
typedef struct
{
  guint8  *mask;
  gsize    mask_size;
  guint32 *touched;    /* pixel indices whose coverage is not 0; appended to inline, as a
                        * GArray's call per pixel showed in profiles */
  gsize    n_touched;
  gsize    touched_size;
} Coverage;

typedef struct
{
  guint32   colour[4];   /* premultiplied, 0..255, by shift 0, 8, 16, 24 */
  double    width;
  Coverage *coverage;
} Pen;

static void
coverage_free (gpointer data)
{
  Coverage *coverage = data;

  g_free (coverage->mask);
  g_free (coverage->touched);
  g_free (coverage);
}

static GPrivate coverage_key = G_PRIVATE_INIT (coverage_free);

/* This thread's coverage, ready for the pixels of @d. */
static Coverage *
coverage_get (const Direct *d)
{
  Coverage *coverage = g_private_get (&coverage_key);
  gsize size = (gsize) d->height * (gsize) (d->stride / 4);

  if (coverage == NULL)
    {
      coverage = g_new0 (Coverage, 1);
      g_private_set (&coverage_key, coverage);
    }
  if (coverage->mask_size < size)
    {
      g_free (coverage->mask);
      coverage->mask = g_malloc0 (size);
      coverage->mask_size = size;
    }
  return coverage;
}

static inline void
pen_cover (Pen    *pen,
           guint32 pixel,
           double  k)
{
  Coverage *cov = pen->coverage;
  guint8 k8 = (guint8) (MIN (k, 1.0) * 255 + 0.5), old = cov->mask[pixel];

  if (k8 <= old)
    return;
  if (old == 0)
    {
      if (G_UNLIKELY (cov->n_touched == cov->touched_size))
        {
          cov->touched_size = MAX (4096, 2 * cov->touched_size);
          cov->touched = g_renew (guint32, cov->touched, cov->touched_size);
        }
      cov->touched[cov->n_touched++] = pixel;
    }
  cov->mask[pixel] = k8;
}

/* The pen's colour OVER every pixel it covered, by its coverage, premultiplied. */
static void
pen_flush (Pen          *pen,
           const Direct *d)
{
  Coverage *cov = pen->coverage;
  guint32 *pixels = (guint32 *) (gpointer) d->data;

  for (gsize t = 0; t < cov->n_touched; t++)
    {
      guint32 i = cov->touched[t], k8 = cov->mask[i], s = 0;

      cov->mask[i] = 0;
      for (int c = 0; c < 4; c++)
        s |= (pen->colour[c] * k8 + 127) / 255 << (8 * c);
      pixels[i] = over (s, pixels[i]);
    }
  cov->n_touched = 0;
}

/* One segment in device pixels. Pixel columns whose centre lies between its ends on the
 * major axis are drawn, the first one and not the last, so a joint between two segments is
 * not drawn twice; @ext0 and @ext1 carry it on beyond its start and end (where the line
 * turns back, and at the ends of an open line), as cairo's joins and caps do. */
static void
thin_segment (const Direct *d,
              Pen          *pen,
              double        x0,
              double        y0,
              double        x1,
              double        y1,
              double        ext0,
              double        ext1)
{
  gboolean steep = fabs (y1 - y0) > fabs (x1 - x0);
  double a0, b0, a1, b1, slope, half, lo, hi;
  int first, end, n_across;

  /* (a, b): along and across the major axis. */
  a0 = steep ? y0 : x0;
  b0 = steep ? x0 : y0;
  a1 = steep ? y1 : x1;
  b1 = steep ? x1 : y1;
  if (a0 == a1)
    return;
  slope = (b1 - b0) / (a1 - a0);
  lo = a0 < a1 ? a0 - ext0 : a1 - ext1;
  hi = a0 < a1 ? a1 + ext1 : a0 + ext0;
  /* Only the part that can touch the surface is walked. */
  lo = MAX (lo, -2);
  hi = MIN (hi, (steep ? d->height : d->width) + 2);
  if (lo >= hi)
    return;
  /* Across the major axis, a line of width w covers w / cos θ of each column. */
  half = pen->width * sqrt (1 + slope * slope) / 2;
  first = MAX ((int) ceil (lo - 0.5), 0);
  end = MIN ((int) ceil (hi - 0.5), steep ? d->height : d->width);
  n_across = steep ? d->width : d->height;

  for (int a = first; a < end; a++)
    {
      double b = b0 + slope * (a + 0.5 - a0);
      double top = b - half, bottom = b + half;

      if (!(bottom >= 0 && top < n_across))
        continue;
      /* Clamped before the conversion: a steep slope puts them anywhere. */
      for (int i = top <= 0 ? 0 : (int) top, last = bottom >= n_across - 1 ? n_across - 1 : (int) bottom;
           i <= last; i++)
        {
          double k = MIN (i + 1, bottom) - MAX (i, top);
          int x = steep ? i : a, y = steep ? a : i;

          pen_cover (pen, (guint32) y * (guint32) (d->stride / 4) + (guint32) x, k);
        }
    }
}

/* Whether the line turns back along the major axis of segment (@dx, @dy) when it goes on by
 * (@nx, @ny): there the segment must reach past its end. At a right angle it need not: the
 * next segment's first row or column covers the corner. */
static inline gboolean
turns_back (double dx,
            double dy,
            double nx,
            double ny)
{
  return fabs (dy) > fabs (dx) ? dy * ny < 0 : dx * nx < 0;
}

/* Vertices nearer than this (in device pixels, |dx| + |dy|) to the last one kept are left
 * out: a jog of a thousandth of a pixel has no direction worth following, and would make
 * the segments around it turn back on each other. */
#define THIN_MIN_STEP 0.125

static inline gboolean
near_step (const double *a,
           const double *b)
{
  return fabs (a[0] - b[0]) + fabs (a[1] - b[1]) < THIN_MIN_STEP;
}

/* The outlines of @rings_drawn (indices into @layer's rings), closed for polygons. */
static void
thin_outlines (const Painter *p,
               const Direct  *d,
               Pen           *pen,
               QrtLayer      *layer,
               GArray        *rings_drawn,
               GArray        *points)
{
  double ox, oy;
  const float *xy = qrt_layer_get_display_coords (layer, &ox, &oy);
  const guint32 *rings = qrt_layer_get_ring_offsets (layer, NULL);
  gboolean closed = qrt_layer_get_geometry_kind (layer) == QRT_GEOMETRY_POLYGON;
  double ext = pen->width / 2;

  for (guint k = 0; k < rings_drawn->len; k++)
    {
      guint r = g_array_index (rings_drawn, guint, k);
      guint first = rings[r], n = 0;
      double *pt;

      /* Device points, without (near) repeats. An open line keeps its true end. */
      g_array_set_size (points, 2 * (rings[r + 1] - first + 1));
      pt = (double *) (gpointer) points->data;
      for (guint i = first; i < rings[r + 1]; i++)
        {
          double x = to_x (p, ox + xy[2 * i]) + d->dx, y = to_y (p, oy + xy[2 * i + 1]) + d->dy;

          if (n > 0 && near_step ((double[2]) { x, y }, pt + 2 * n - 2))
            {
              if (!closed && i + 1 == rings[r + 1] && n > 1)
                {
                  pt[2 * n - 2] = x;
                  pt[2 * n - 1] = y;
                }
              continue;
            }
          pt[2 * n] = x;
          pt[2 * n + 1] = y;
          n++;
        }
      if (closed && n > 2 && near_step (pt, pt + 2 * n - 2))
        n--;
      if (n < 2)
        continue;

      {
        guint n_segments = closed && n > 2 ? n : n - 1;

        for (guint s = 0; s < n_segments; s++)
          {
            guint i0 = s, i1 = (s + 1) % n;
            double dx = pt[2 * i1] - pt[2 * i0], dy = pt[2 * i1 + 1] - pt[2 * i0 + 1];
            gboolean has_prev = closed ? n > 2 : s > 0;
            gboolean has_next = closed ? n > 2 : s + 1 < n_segments;
            double e0 = ext, e1 = ext;

            if (has_prev)
              {
                guint ip = (s + n - 1) % n;

                e0 = turns_back (-dx, -dy, pt[2 * ip] - pt[2 * i0], pt[2 * ip + 1] - pt[2 * i0 + 1])
                       ? ext : 0;
              }
            if (has_next)
              {
                guint in = (s + 2) % n;

                e1 = turns_back (dx, dy, pt[2 * in] - pt[2 * i1], pt[2 * in + 1] - pt[2 * i1 + 1])
                       ? ext : 0;
              }
            thin_segment (d, pen, pt[2 * i0], pt[2 * i0 + 1], pt[2 * i1], pt[2 * i1 + 1], e0, e1);
          }
      }
    }
}

/* Draws the outlines gathered since the last flush over cairo's fills of them. */
static void
flush_outlines (const Painter *p,
                const Direct  *d,
                Pen           *pen,
                QrtLayer      *layer,
                GArray        *rings_drawn,
                GArray        *points)
{
  cairo_surface_t *target = cairo_get_target (p->cr);

  cairo_surface_flush (target);
  thin_outlines (p, d, pen, layer, rings_drawn, points);
  pen_flush (pen, d);
  cairo_surface_mark_dirty (target);
  g_array_set_size (rings_drawn, 0);
}

/* Fills and strokes the current path. Batches are flushed every PATH_CHUNK features: cairo's
 * rasteriser sorts all the edges of a path, and one path of a hundred thousand features costs
 * far more than a hundred paths of a thousand. */
#define PATH_CHUNK 1024

static void
flush_path (const Painter  *p,
            const QrtColor *fill,
            const QrtColor *stroke,
            double          stroke_px)
{
  cairo_set_fill_rule (p->cr, CAIRO_FILL_RULE_WINDING);
  if (fill != NULL)
    {
      set_source (p->cr, fill);
      if (stroke != NULL)
        cairo_fill_preserve (p->cr);
      else
        cairo_fill (p->cr);
    }
  if (stroke != NULL)
    {
      set_source (p->cr, stroke);
      cairo_set_line_width (p->cr, stroke_px);
      cairo_set_line_join (p->cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_cap (p->cr, CAIRO_LINE_CAP_ROUND);
      cairo_stroke (p->cr);
    }
  cairo_new_path (p->cr);
}

/* Draws the features @hits of @layer with one fill and one outline colour. */
static gboolean
paint_batch (const Painter  *p,
             QrtLayer       *layer,
             GArray         *hits,
             const QrtStyle *style,
             const QrtColor *fill,
             const QrtColor *stroke)
{
  QrtGeometryKind kind = qrt_layer_get_geometry_kind (layer);
  double ox, oy;
  const float *xy = qrt_layer_get_display_coords (layer, &ox, &oy);
  const guint32 *rings = qrt_layer_get_ring_offsets (layer, NULL);
  const guint32 *parts = qrt_layer_get_part_offsets (layer, NULL);
  const guint32 *features = qrt_layer_get_feature_offsets (layer);
  double stroke_px = style->stroke_width * p->scale;
  double radius_px = style->point_radius * p->scale;
  gboolean has_fill = (kind == QRT_GEOMETRY_POLYGON || kind == QRT_GEOMETRY_POINT) &&
                      fill->alpha > 0;
  gboolean has_stroke = stroke->alpha > 0 && stroke_px > 0;
  const QrtColor *fill_or_null = has_fill ? fill : NULL;
  const QrtColor *stroke_or_null = has_stroke ? stroke : NULL;
  /* A dot takes the colour that carries the information: the class colour of a classified
   * area, else the outline, which is how small buildings read. */
  const QrtColor *dot_colour = has_stroke && style->mode == QRT_STYLE_SINGLE ? stroke : fill;
  double dot_limit = 2 * p->scale;
  Stamp point = { 0 }, dot = { 0 };
  Direct direct = { 0 };
  g_autoptr(GArray) dots = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean use_stamps = direct_access (p->cr, &direct);
  /* Outlines a pixel wide or less, except around points (their stamps have them). */
  gboolean thin = use_stamps && has_stroke && stroke_px <= THIN_OUTLINE &&
                  kind != QRT_GEOMETRY_POINT;
  g_autoptr(GArray) outlined = thin ? g_array_new (FALSE, FALSE, sizeof (guint)) : NULL;
  g_autoptr(GArray) outline_points = thin ? g_array_new (FALSE, FALSE, sizeof (double)) : NULL;
  const QrtColor *path_stroke = thin ? NULL : stroke_or_null;
  Pen pen = { { 0 }, stroke_px, NULL };
  gboolean ok = TRUE;
  guint in_path = 0;

  if (thin)
    {
      const double rgba[4] = { stroke->blue, stroke->green, stroke->red, 1 };

      for (int c = 0; c < 4; c++)
        pen.colour[c] = (guint32) lround (CLAMP (rgba[c] * stroke->alpha, 0, 1) * 255);
      pen.coverage = coverage_get (&direct);
    }
  if (use_stamps)
    {
      stamp_init_dot (&dot, (int) lround (MAX (1.0, p->scale)), dot_colour);
      if (kind == QRT_GEOMETRY_POINT)
        stamp_init_circle (&point, radius_px, fill_or_null, stroke_or_null, stroke_px);
    }

  cairo_new_path (p->cr);
  for (guint h = 0; h < hits->len; h++)
    {
      guint f = g_array_index (hits, guint, h);
      QrtBBox box;
      gboolean tiny;

      qrt_layer_get_feature_bbox (layer, QRT_COORDS_MERCATOR, f, &box);
      tiny = (box.max_x - box.min_x) * p->px_per_m < dot_limit &&
             (box.max_y - box.min_y) * p->px_per_m < dot_limit;

      if (h % CANCEL_CHECK_INTERVAL == 0 && g_cancellable_is_cancelled (p->cancellable))
        {
          ok = FALSE;
          break;
        }

      if (kind == QRT_GEOMETRY_POINT)
        {
          for (guint part = features[f]; part < features[f + 1]; part++)
            {
              const float *pt = xy + 2 * rings[parts[part]];
              double px = to_x (p, ox + pt[0]), py = to_y (p, oy + pt[1]);

              if (use_stamps)
                {
                  stamp_blit (&direct, &point, px, py);
                  continue;
                }
              cairo_new_sub_path (p->cr);
              cairo_arc (p->cr, px, py, radius_px, 0, 2 * G_PI);
            }
        }
      else if (tiny)
        {
          /* A feature of a pixel or two still shows where it is, as a dot: dense areas keep
           * their texture at low zoom without tracing thousands of invisible outlines. */
          double cx = to_x (p, (box.min_x + box.max_x) / 2);
          double cy = to_y (p, (box.min_y + box.max_y) / 2);
          double d = MAX (1.0, p->scale);

          if (use_stamps)
            stamp_blit (&direct, &dot, cx, cy);
          else
            {
              /* Not into the current path: that holds the features of this chunk. */
              double rect[4] = { cx - d / 2, cy - d / 2, d, d };

              g_array_append_vals (dots, rect, 4);
            }
          continue;
        }
      else
        for (guint part = features[f]; part < features[f + 1]; part++)
          for (guint r = parts[part]; r < parts[part + 1]; r++)
            {
              /* With thin outlines, cairo's path is only for the fill. */
              if (!thin || fill_or_null != NULL)
                path_ring (p, xy + 2 * rings[r], rings[r + 1] - rings[r],
                           kind == QRT_GEOMETRY_POLYGON, ox, oy);
              if (thin)
                g_array_append_val (outlined, r);
            }

      if (++in_path == PATH_CHUNK)
        {
          flush_path (p, fill_or_null, path_stroke, stroke_px);
          if (thin)
            flush_outlines (p, &direct, &pen, layer, outlined, outline_points);
          in_path = 0;
        }
    }

  if (ok)
    {
      flush_path (p, fill_or_null, path_stroke, stroke_px);
      if (thin)
        flush_outlines (p, &direct, &pen, layer, outlined, outline_points);
    }
  cairo_new_path (p->cr);
  if (ok && dots->len > 0)
    {
      for (guint i = 0; i < dots->len; i += 4)
        cairo_rectangle (p->cr, g_array_index (dots, double, i), g_array_index (dots, double, i + 1),
                         g_array_index (dots, double, i + 2), g_array_index (dots, double, i + 3));
      set_source (p->cr, dot_colour);
      cairo_fill (p->cr);
    }
  if (use_stamps)
    cairo_surface_mark_dirty (cairo_get_target (p->cr));
  stamp_clear (&point);
  stamp_clear (&dot);
  return ok;
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
 * qrt_tile_render_set_transparent:
 *
 * Leaves the background unpainted, for layers drawn over a base map. Set it before the
 * renderer is handed to other threads; it is part of qrt_tile_render_signature().
 */
void
qrt_tile_render_set_transparent (QrtTileRender *self,
                                 gboolean       transparent)
{
  g_return_if_fail (QRT_IS_TILE_RENDER (self));
  self->transparent = !!transparent;
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
  if (!self->transparent)
    {
      cairo_set_source_rgb (cr, QRT_BACKGROUND_RGB);
      cairo_paint (cr);
    }
  /* cairo's fast rasteriser still antialiases; on map geometry it looks the same as "good"
   * (compared side by side on the demo) and fills and strokes a third to a half faster. Text
   * keeps its own font options. */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);

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
  cairo_surface_t *own;
  cairo_t *cr;
  const guint8 *from;
  guint8 *to;
  int from_stride, to_stride;

  /* Each band paints into an image of its own (so the stamp fast path applies) and copies its
   * rows into the target; bands never overlap, so threads never write the same pixels. */
  view.max_y = band->view.max_y - band->y0 * m_per_px;
  view.min_y = view.max_y - height * m_per_px;
  own = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, band->width, height);
  cr = cairo_create (own);
  qrt_tile_render_paint (band->renderer, cr, &view, band->width, height, band->scale,
                         band->cancellable);
  cairo_destroy (cr);
  cairo_surface_flush (own);

  from = cairo_image_surface_get_data (own);
  from_stride = cairo_image_surface_get_stride (own);
  to = cairo_image_surface_get_data (band->target);
  to_stride = cairo_image_surface_get_stride (band->target);
  for (int y = 0; y < height; y++)
    memcpy (to + (gsize) (band->y0 + y) * to_stride, from + (gsize) y * from_stride,
            (gsize) band->width * 4);
  cairo_surface_destroy (own);
}

/**
 * qrt_tile_render_paint_image:
 * @target: an ARGB32 image surface of @width × @height device pixels
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
  g_return_if_fail (cairo_image_surface_get_format (target) == CAIRO_FORMAT_ARGB32);

  cairo_surface_flush (target);
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
  h = mix (h, self->transparent);
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
