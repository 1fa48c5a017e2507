/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "qrt-core.h"

/* Tile 10/530/340 lies over the Sauerland; the test draws in Web Mercator directly. */
#define Z 10
#define TX 530
#define TY 340

static guint32
pixel_at (GBytes *bytes,
          gsize   stride,
          int     x,
          int     y)
{
  const guint8 *data = g_bytes_get_data (bytes, NULL);

  return *(const guint32 *) (data + (gsize) y * stride + (gsize) x * 4);
}

static guint32
rgb_of (double r,
        double g,
        double b)
{
  return 0xff000000u | (guint32) lround (r * 255) << 16 | (guint32) lround (g * 255) << 8 |
         (guint32) lround (b * 255);
}

static void
assert_close (guint32 actual,
              guint32 expected)
{
  for (int shift = 0; shift < 32; shift += 8)
    {
      int a = (actual >> shift) & 0xff;
      int e = (expected >> shift) & 0xff;

      if (ABS (a - e) > 2)
        g_error ("pixel %08x differs from expected %08x", actual, expected);
    }
}

/* A point of the tile at fractions (fx, fy) from its top-left corner, in Mercator. */
static void
tile_point (double  fx,
            double  fy,
            double *mx,
            double *my)
{
  QrtBBox box;

  qrt_tile_bbox (Z, TX, TY, &box);
  *mx = box.min_x + fx * (box.max_x - box.min_x);
  *my = box.max_y - fy * (box.max_y - box.min_y);
}

static QrtLayer *
make_square (double from,
             double to)
{
  g_autoptr(QrtLayerBuilder) builder = qrt_layer_builder_new ("square", QRT_GEOMETRY_POLYGON, 3857);
  double corners[5][2] = { { from, from }, { to, from }, { to, to }, { from, to }, { from, from } };

  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  qrt_layer_builder_begin_ring (builder);
  for (int i = 0; i < 5; i++)
    {
      double mx, my;

      tile_point (corners[i][0], corners[i][1], &mx, &my);
      qrt_layer_builder_add_point (builder, mx, my);
    }
  qrt_layer_builder_end_feature (builder);
  return qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
}

static QrtLayer *
make_line (double fy)
{
  g_autoptr(QrtLayerBuilder) builder = qrt_layer_builder_new ("line", QRT_GEOMETRY_LINE, 3857);
  double mx, my;

  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  tile_point (-0.5, fy, &mx, &my);
  qrt_layer_builder_add_point (builder, mx, my);
  tile_point (1.5, fy, &mx, &my);
  qrt_layer_builder_add_point (builder, mx, my);
  qrt_layer_builder_end_feature (builder);
  return qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
}

static void
solid_style (QrtStyle   *style,
             const char *fill,
             const char *stroke,
             double      width)
{
  qrt_style_init_default (style, QRT_GEOMETRY_POLYGON, 0);
  g_assert_true (qrt_color_parse (&style->fill, fill));
  g_assert_true (qrt_color_parse (&style->stroke, stroke));
  style->stroke_width = width;
}

static void
test_polygon_and_line (void)
{
  g_autoptr(QrtLayer) square = make_square (0.25, 0.75);
  g_autoptr(QrtLayer) line = make_line (200.0 / 256);
  QrtLayer *layers[] = { square, line };
  QrtStyle styles[2];
  g_autoptr(QrtTileRender) renderer = NULL;
  g_autoptr(GBytes) tile = NULL;
  gsize stride = 0;

  solid_style (&styles[0], "#cc3300", "#cc3300", 1);
  solid_style (&styles[1], "#000000", "#0033cc", 4);
  renderer = qrt_tile_render_new (layers, styles, 2);

  tile = qrt_tile_render_tile (renderer, Z, TX, TY, 256, NULL, &stride);
  g_assert_nonnull (tile);
  g_assert_cmpuint (stride, >=, 256 * 4);
  g_assert_cmpuint (g_bytes_get_size (tile), ==, stride * 256);

  assert_close (pixel_at (tile, stride, 128, 128), rgb_of (0.8, 0.2, 0));
  assert_close (pixel_at (tile, stride, 80, 80), rgb_of (0.8, 0.2, 0));
  assert_close (pixel_at (tile, stride, 10, 10), rgb_of (QRT_BACKGROUND_RGB));
  assert_close (pixel_at (tile, stride, 250, 128), rgb_of (QRT_BACKGROUND_RGB));
  /* The line runs across the whole tile at y = 200. */
  assert_close (pixel_at (tile, stride, 5, 200), rgb_of (0, 0.2, 0.8));
  assert_close (pixel_at (tile, stride, 128, 200), rgb_of (0, 0.2, 0.8));
  assert_close (pixel_at (tile, stride, 230, 190), rgb_of (QRT_BACKGROUND_RGB));
}

/* Squares turned by @turns steps of 7°, side @side, spread over the tile; and a line from far
 * outside the tile to far outside on the other side (a long segment must be clipped, not
 * walked pixel by pixel). */
static QrtLayer *
make_outlines (QrtGeometryKind kind)
{
  g_autoptr(QrtLayerBuilder) builder = qrt_layer_builder_new ("outlines", kind, 3857);

  for (guint i = 0; i < 36; i++)
    {
      double cx = (i % 6 + 0.5) / 6, cy = (i / 6 + 0.5) / 6, side = 0.03 + 0.002 * i;
      double turn = i * 7 * G_PI / 180;

      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_begin_part (builder);
      if (kind == QRT_GEOMETRY_POLYGON)
        qrt_layer_builder_begin_ring (builder);
      for (int k = 0; k <= 4; k++)
        {
          double a = turn + (k % 4) * G_PI / 2 + G_PI / 4, mx, my;

          tile_point (cx + side * cos (a), cy + side * sin (a), &mx, &my);
          qrt_layer_builder_add_point (builder, mx, my);
        }
      qrt_layer_builder_end_feature (builder);
    }
  if (kind == QRT_GEOMETRY_LINE)
    {
      double mx, my;

      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_begin_part (builder);
      tile_point (-3000, -2000.3, &mx, &my);
      qrt_layer_builder_add_point (builder, mx, my);
      tile_point (4000, 3000.2, &mx, &my);
      qrt_layer_builder_add_point (builder, mx, my);
      qrt_layer_builder_end_feature (builder);
    }
  return qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
}

/* Paints @renderer's tile into an image of 256 × @scale px, through a group when
 * @through_cairo (where everything is drawn by cairo itself). */
static cairo_surface_t *
paint_tile (QrtTileRender *renderer,
            gboolean       through_cairo,
            int            scale)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 256 * scale,
                                                         256 * scale);
  cairo_t *cr = cairo_create (surface);
  QrtBBox box;

  qrt_tile_bbox (Z, TX, TY, &box);
  if (through_cairo)
    cairo_push_group (cr);
  qrt_tile_render_paint (renderer, cr, &box, 256 * scale, 256 * scale, scale, NULL);
  if (through_cairo)
    {
      cairo_pop_group_to_source (cr);
      cairo_paint (cr);
    }
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* How much darker than white @surface is, channel by channel (B, G, R in memory). */
static void
ink (cairo_surface_t *surface,
     double           sum[3])
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int size = cairo_image_surface_get_width (surface);

  sum[0] = sum[1] = sum[2] = 0;
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      for (int c = 0; c < 3; c++)
        sum[c] += 255 - data[y * stride + 4 * x + c];
}

/* Outlines up to a device pixel wide are drawn by the renderer itself: @layer's outlines in
 * @style at @scale device pixels a CSS pixel must carry as much ink as cairo's, in every
 * channel, and lie where cairo's lie, within the difference of two antialiasing methods.
 * @least: the ink cairo's outlines must have at least, so that the test cannot pass on a
 * blank tile. @tolerance: how far from cairo's the ink of each channel may be, a fraction. */
static void
assert_outlines_like_cairo (QrtLayer       *layer,
                            const QrtStyle *style,
                            int             scale,
                            double          least,
                            double          tolerance,
                            const char     *what)
{
  int size = 256 * scale;
  g_autoptr(QrtTileRender) renderer = qrt_tile_render_new (&layer, style, 1);
  g_autoptr(QrtTileRender) fill_only = NULL;
  cairo_surface_t *own, *reference, *fills;
  QrtStyle no_stroke = *style;
  const guint8 *a, *b;
  int stride, max_diff = 0;
  double ink_own[3], ink_reference[3], ink_fills[3], sum_diff = 0, total = 0;

  no_stroke.stroke.alpha = 0;
  fill_only = qrt_tile_render_new (&layer, &no_stroke, 1);
  own = paint_tile (renderer, FALSE, scale);
  reference = paint_tile (renderer, TRUE, scale);
  fills = paint_tile (fill_only, FALSE, scale);
  ink (own, ink_own);
  ink (reference, ink_reference);
  ink (fills, ink_fills);
  a = cairo_image_surface_get_data (own);
  b = cairo_image_surface_get_data (reference);
  stride = cairo_image_surface_get_stride (own);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      for (int c = 0; c < 3; c++)
        {
          int va = a[y * stride + 4 * x + c], vb = b[y * stride + 4 * x + c];

          sum_diff += ABS (va - vb);
          max_diff = MAX (max_diff, ABS (va - vb));
        }
  g_test_message ("%s: mean difference %.3f, largest %d, ink (B G R) %.0f %.0f %.0f against "
                  "%.0f %.0f %.0f", what, sum_diff / (size * size * 3), max_diff,
                  ink_own[0] - ink_fills[0], ink_own[1] - ink_fills[1], ink_own[2] - ink_fills[2],
                  ink_reference[0] - ink_fills[0], ink_reference[1] - ink_fills[1],
                  ink_reference[2] - ink_fills[2]);
  /* The outlines' own ink, over the fills, channel by channel. */
  for (int c = 0; c < 3; c++)
    {
      double mine = ink_own[c] - ink_fills[c], theirs = ink_reference[c] - ink_fills[c];

      total += theirs;
      g_assert_cmpfloat (fabs (mine - theirs), <, tolerance * fabs (theirs) + 256);
    }
  g_assert_cmpfloat (total, >, least);
  /* Cairo's fast antialiasing samples 4×4 points a pixel, this covers by area: a pixel may
   * differ by a quarter of the colour, more at a corner, none by a whole pixel's shift. */
  g_assert_cmpfloat (sum_diff / (size * size * 3), <, 4.0);
  g_assert_cmpint (max_diff, <, 192);
  cairo_surface_destroy (own);
  cairo_surface_destroy (reference);
  cairo_surface_destroy (fills);
}

static void
test_thin_outlines (void)
{
  const QrtGeometryKind kinds[] = { QRT_GEOMETRY_POLYGON, QRT_GEOMETRY_LINE };
  const double widths[] = { 0.38, 1.0 };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
      {
        g_autoptr(QrtLayer) layer = make_outlines (kinds[k]);
        g_autofree char *what = g_strdup_printf ("width %.2f, %s", widths[w],
                                                 k == 0 ? "polygons" : "lines");
        QrtStyle style;

        solid_style (&style, "#8a8a8a", "#202020", widths[w]);
        /* 36 squares of 30 px and more, apart: as much ink as cairo's within 5 %. */
        assert_outlines_like_cairo (layer, &style, 1, 36 * 30 * widths[w] * 3 * 50, 0.05, what);
      }
}

/* Two rows of five houses wall to wall, turned by 17°, each with a vertex repeated a
 * thousandth of a pixel off a corner (as surveyed data has them). */
static QrtLayer *
make_terrace (void)
{
  g_autoptr(QrtLayerBuilder) builder = qrt_layer_builder_new ("terrace", QRT_GEOMETRY_POLYGON, 3857);
  const double side = 24.0 / 256, turn = 17 * G_PI / 180;

  for (int row = 0; row < 2; row++)
    for (int col = 0; col < 5; col++)
      {
        const double corners[6][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 1 - 0.00004, 1 },
                                       { 0, 1 }, { 0, 0 } };

        qrt_layer_builder_begin_feature (builder);
        qrt_layer_builder_begin_part (builder);
        qrt_layer_builder_begin_ring (builder);
        for (int k = 0; k < 6; k++)
          {
            double u = (col - 2.5 + corners[k][0]) * side, v = (row - 1 + corners[k][1]) * side;
            double mx, my;

            tile_point (0.5 + u * cos (turn) - v * sin (turn), 0.5 + u * sin (turn) + v * cos (turn),
                        &mx, &my);
            qrt_layer_builder_add_point (builder, mx, my);
          }
        qrt_layer_builder_end_feature (builder);
      }
  return qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
}

/* Where houses share a wall, cairo strokes it once (the whole path at once); so must the
 * renderer, also with a translucent colour, where a wall drawn twice is darker. A colour
 * whose channels differ tells if one was taken for another. Also on a HiDPI screen, where
 * half a CSS pixel is a device pixel. */
static void
test_thin_shared_walls (void)
{
  g_autoptr(QrtLayer) layer = make_terrace ();
  const char *strokes[] = { "#c03020", "#c0302099", "#2040c0cc" };
  const double widths[] = { 0.5, 1.0 };

  for (guint s = 0; s < G_N_ELEMENTS (strokes); s++)
    for (int scale = 1; scale <= 2; scale++)
      for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
        {
          g_autofree char *what = NULL;
          double device = widths[w] * scale;
          QrtStyle style;

          if (device > 1)
            continue;
          what = g_strdup_printf ("terrace, %s, width %.1f, scale %d", strokes[s], widths[w], scale);
          solid_style (&style, "#e8e4d8", strokes[s], widths[w]);
          /* 27 walls of 24 CSS px, at least 0.6 of a dark colour. Where two outlines meet at
           * a corner the renderer takes the larger coverage, not the union of the two, and has
           * up to 6 % less ink than cairo at half a pixel's width: within 10 %. A wall drawn
           * twice gives 17–30 % more, a channel taken for another several times that. */
          assert_outlines_like_cairo (layer, &style, scale, 27 * 24 * scale * device * 0.6 * 200,
                                      0.1, what);
        }
}

/* A line a pixel wide across the tile at y = 100.3 covers 0.2 of row 99 and 0.8 of row 100
 * (by area), and nothing of rows 98 and 101. */
static void
test_thin_line_coverage (void)
{
  g_autoptr(QrtLayer) line = make_line (100.3 / 256);
  g_autoptr(QrtTileRender) renderer = NULL;
  g_autoptr(GBytes) tile = NULL;
  const double background[3] = { QRT_BACKGROUND_RGB };
  const double covered[] = { 0, 0.2, 0.8, 0 };
  QrtStyle style;
  gsize stride = 0;

  solid_style (&style, "#000000", "#000000", 1);
  renderer = qrt_tile_render_new (&line, &style, 1);
  tile = qrt_tile_render_tile (renderer, Z, TX, TY, 256, NULL, &stride);
  for (int row = 98; row <= 101; row++)
    for (int x = 10; x < 250; x += 60)
      {
        double k = covered[row - 98];

        assert_close (pixel_at (tile, stride, x, row),
                      rgb_of (background[0] * (1 - k), background[1] * (1 - k),
                              background[2] * (1 - k)));
      }
}

static void
test_hidpi (void)
{
  g_autoptr(QrtLayer) square = make_square (0.25, 0.75);
  QrtStyle style;
  g_autoptr(QrtTileRender) renderer = NULL;
  g_autoptr(GBytes) tile = NULL;
  gsize stride = 0;

  solid_style (&style, "#118833", "#118833", 1);
  renderer = qrt_tile_render_new (&square, &style, 1);
  tile = qrt_tile_render_tile (renderer, Z, TX, TY, 512, NULL, &stride);
  g_assert_cmpuint (stride, >=, 512 * 4);
  assert_close (pixel_at (tile, stride, 256, 256), rgb_of (0x11 / 255.0, 0x88 / 255.0, 0x33 / 255.0));
  assert_close (pixel_at (tile, stride, 120, 120), rgb_of (QRT_BACKGROUND_RGB));
  assert_close (pixel_at (tile, stride, 140, 140), rgb_of (0x11 / 255.0, 0x88 / 255.0, 0x33 / 255.0));
}

/* Over a base map the background stays clear; the tile's signature tells the two apart. */
static void
test_transparent (void)
{
  g_autoptr(QrtLayer) square = make_square (0.25, 0.75);
  g_autoptr(QrtTileRender) opaque = NULL;
  g_autoptr(QrtTileRender) clear = NULL;
  g_autoptr(GBytes) tile = NULL;
  QrtStyle style;
  gsize stride = 0;

  solid_style (&style, "#118833", "#118833", 1);
  opaque = qrt_tile_render_new (&square, &style, 1);
  clear = qrt_tile_render_new (&square, &style, 1);
  qrt_tile_render_set_transparent (clear, TRUE);
  tile = qrt_tile_render_tile (clear, Z, TX, TY, 256, NULL, &stride);
  g_assert_cmphex (pixel_at (tile, stride, 10, 10), ==, 0);
  assert_close (pixel_at (tile, stride, 128, 128), rgb_of (0x11 / 255.0, 0x88 / 255.0, 0x33 / 255.0));
  g_assert_cmpuint (qrt_tile_render_signature (opaque, Z, TX, TY), !=,
                    qrt_tile_render_signature (clear, Z, TX, TY));
}

static void
test_hidden_and_min_zoom (void)
{
  g_autoptr(QrtLayer) square = make_square (0.25, 0.75);
  QrtStyle style;
  g_autoptr(QrtTileRender) hidden = NULL;
  g_autoptr(QrtTileRender) zoomed = NULL;
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  gsize stride;

  solid_style (&style, "#cc3300", "#cc3300", 1);
  style.visible = FALSE;
  hidden = qrt_tile_render_new (&square, &style, 1);
  a = qrt_tile_render_tile (hidden, Z, TX, TY, 256, NULL, &stride);
  assert_close (pixel_at (a, stride, 128, 128), rgb_of (QRT_BACKGROUND_RGB));

  style.visible = TRUE;
  style.min_zoom = Z + 1;
  zoomed = qrt_tile_render_new (&square, &style, 1);
  b = qrt_tile_render_tile (zoomed, Z, TX, TY, 256, NULL, &stride);
  assert_close (pixel_at (b, stride, 128, 128), rgb_of (QRT_BACKGROUND_RGB));
}

static void
test_subpixel_dot (void)
{
  /* A square of a tenth of a pixel still leaves a visible dot. */
  g_autoptr(QrtLayer) speck = make_square (0.5, 0.5 + 0.1 / 256);
  QrtStyle style;
  g_autoptr(QrtTileRender) renderer = NULL;
  g_autoptr(GBytes) tile = NULL;
  gsize stride;
  guint32 px;

  solid_style (&style, "#000000", "#000000", 1);
  renderer = qrt_tile_render_new (&speck, &style, 1);
  tile = qrt_tile_render_tile (renderer, Z, TX, TY, 256, NULL, &stride);
  px = pixel_at (tile, stride, 128, 128) & 0xffffff;
  g_assert_cmpuint (px, !=, rgb_of (QRT_BACKGROUND_RGB) & 0xffffff);
}

static void
test_cancelled (void)
{
  g_autoptr(QrtLayer) square = make_square (0.25, 0.75);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  QrtStyle style;
  g_autoptr(QrtTileRender) renderer = NULL;
  gsize stride;

  solid_style (&style, "#cc3300", "#cc3300", 1);
  renderer = qrt_tile_render_new (&square, &style, 1);
  g_cancellable_cancel (cancellable);
  g_assert_null (qrt_tile_render_tile (renderer, Z, TX, TY, 256, cancellable, &stride));
}

static void
test_tile_bbox (void)
{
  QrtBBox box;

  qrt_tile_bbox (0, 0, 0, &box);
  g_assert_cmpfloat_with_epsilon (box.min_x, -QRT_MERCATOR_HALF_WORLD, 1e-6);
  g_assert_cmpfloat_with_epsilon (box.max_y, QRT_MERCATOR_HALF_WORLD, 1e-6);
  qrt_tile_bbox (1, 1, 1, &box);
  g_assert_cmpfloat_with_epsilon (box.min_x, 0, 1e-6);
  g_assert_cmpfloat_with_epsilon (box.max_y, 0, 1e-6);
  g_assert_cmpfloat_with_epsilon (qrt_zoom_for_resolution (2 * QRT_MERCATOR_HALF_WORLD / 256 / 8),
                                  3, 1e-9);
}

static void
test_signature (void)
{
  g_autoptr(QrtLayer) here = make_square (0.25, 0.75);
  g_autoptr(QrtLayer) elsewhere = NULL;
  g_autoptr(QrtLayerBuilder) builder = qrt_layer_builder_new ("far", QRT_GEOMETRY_POINT, 3857);
  QrtLayer *layers[2];
  QrtStyle styles[2];
  g_autoptr(QrtTileRender) a = NULL;
  g_autoptr(QrtTileRender) b = NULL;
  g_autoptr(QrtTileRender) c = NULL;
  g_autoptr(QrtTileRender) d = NULL;

  /* A point far away from tile 10/530/340. */
  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  qrt_layer_builder_add_point (builder, 0, 0);
  qrt_layer_builder_end_feature (builder);
  elsewhere = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);

  layers[0] = here;
  layers[1] = elsewhere;
  solid_style (&styles[0], "#cc3300", "#cc3300", 1);
  qrt_style_init_default (&styles[1], QRT_GEOMETRY_POINT, 1);
  a = qrt_tile_render_new (layers, styles, 2);
  b = qrt_tile_render_new (layers, styles, 2);
  g_assert_cmpuint (qrt_tile_render_signature (a, Z, TX, TY), ==,
                    qrt_tile_render_signature (b, Z, TX, TY));

  /* Restyling the far layer leaves this tile's signature alone ... */
  styles[1].point_radius = 9;
  c = qrt_tile_render_new (layers, styles, 2);
  g_assert_cmpuint (qrt_tile_render_signature (a, Z, TX, TY), ==,
                    qrt_tile_render_signature (c, Z, TX, TY));
  /* ... but not the one of the tile holding the point. */
  g_assert_cmpuint (qrt_tile_render_signature (a, 1, 1, 0), !=,
                    qrt_tile_render_signature (c, 1, 1, 0));

  /* Restyling the square changes this tile. */
  styles[0].fill.red = 0.1;
  d = qrt_tile_render_new (layers, styles, 2);
  g_assert_cmpuint (qrt_tile_render_signature (a, Z, TX, TY), !=,
                    qrt_tile_render_signature (d, Z, TX, TY));
}

static void
test_cache_lru (void)
{
  g_autoptr(QrtTileCache) cache = qrt_tile_cache_new (2 * 1024);
  QrtTileKey ka = { 1, 0, 0, 256, 7 }, kb = { 1, 1, 0, 256, 7 }, kc = { 1, 0, 1, 256, 7 };
  QrtTileKey other_signature = { 1, 0, 0, 256, 8 };
  g_autoptr(GBytes) pa = g_bytes_new_take (g_malloc0 (1024), 1024);
  g_autoptr(GBytes) pb = g_bytes_new_take (g_malloc0 (1024), 1024);
  g_autoptr(GBytes) pc = g_bytes_new_take (g_malloc0 (1024), 1024);
  g_autoptr(GBytes) hit = NULL;
  gsize stride = 0;

  qrt_tile_cache_insert (cache, &ka, pa, 32);
  qrt_tile_cache_insert (cache, &kb, pb, 32);
  g_assert_cmpuint (qrt_tile_cache_get_n_tiles (cache), ==, 2);
  g_assert_null (qrt_tile_cache_lookup (cache, &other_signature, &stride));

  /* Touch A, then C pushes out B, the least recently used. */
  hit = qrt_tile_cache_lookup (cache, &ka, &stride);
  g_assert_true (hit == pa);
  g_assert_cmpuint (stride, ==, 32);
  qrt_tile_cache_insert (cache, &kc, pc, 32);
  g_assert_cmpuint (qrt_tile_cache_get_size (cache), <=, 2 * 1024);
  g_assert_null (qrt_tile_cache_lookup (cache, &kb, &stride));
  g_bytes_unref (qrt_tile_cache_lookup (cache, &ka, &stride));
  g_bytes_unref (qrt_tile_cache_lookup (cache, &kc, &stride));
}

static void
test_paint_image_bands (void)
{
  g_autoptr(QrtLayer) square = make_square (0.1, 0.9);
  g_autoptr(QrtLayer) line = make_line (0.37);
  g_autoptr(QrtLayer) terrace = make_terrace ();
  QrtLayer *layers[] = { square, line, terrace };
  QrtStyle styles[3];
  g_autoptr(QrtTileRender) renderer = NULL;
  cairo_surface_t *one = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 300, 200);
  cairo_surface_t *many = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 300, 200);
  cairo_t *cr;
  QrtBBox view, wanted;

  solid_style (&styles[0], "#cc330080", "#331100", 2);
  solid_style (&styles[1], "#000000", "#0033cc", 3);
  /* Outlines the renderer draws itself, across the bands' edges. */
  solid_style (&styles[2], "#e8e4d8", "#c0302099", 0.8);
  renderer = qrt_tile_render_new (layers, styles, 3);
  qrt_tile_bbox (Z, TX, TY, &wanted);
  qrt_fit_view (&wanted, 300, 200, &view);

  cr = cairo_create (one);
  qrt_tile_render_paint (renderer, cr, &view, 300, 200, 1, NULL);
  cairo_destroy (cr);
  qrt_tile_render_paint_image (renderer, many, &view, 300, 200, 1, 3, NULL);
  cairo_surface_flush (one);
  cairo_surface_flush (many);

  /* Painting in parallel bands gives the same picture as one pass. */
  g_assert_cmpint (cairo_image_surface_get_stride (one), ==, cairo_image_surface_get_stride (many));
  g_assert_cmpmem (cairo_image_surface_get_data (one), 200 * cairo_image_surface_get_stride (one),
                   cairo_image_surface_get_data (many), 200 * cairo_image_surface_get_stride (many));
  cairo_surface_destroy (one);
  cairo_surface_destroy (many);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  qrt_core_init ();

  g_test_add_func ("/tile-render/tile-bbox", test_tile_bbox);
  g_test_add_func ("/tile-render/polygon-and-line", test_polygon_and_line);
  g_test_add_func ("/tile-render/hidpi", test_hidpi);
  g_test_add_func ("/tile-render/thin-outlines", test_thin_outlines);
  g_test_add_func ("/tile-render/thin-outlines/shared-walls", test_thin_shared_walls);
  g_test_add_func ("/tile-render/thin-line-coverage", test_thin_line_coverage);
  g_test_add_func ("/tile-render/transparent", test_transparent);
  g_test_add_func ("/tile-render/hidden-and-min-zoom", test_hidden_and_min_zoom);
  g_test_add_func ("/tile-render/subpixel-dot", test_subpixel_dot);
  g_test_add_func ("/tile-render/cancelled", test_cancelled);
  g_test_add_func ("/tile-render/signature", test_signature);
  g_test_add_func ("/tile-render/cache-lru", test_cache_lru);
  g_test_add_func ("/tile-render/paint-image-bands", test_paint_image_bands);

  return g_test_run ();
}
