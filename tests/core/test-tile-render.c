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
  px = pixel_at (tile, stride, 128, 127) & 0xffffff;
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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  qrt_core_init ();

  g_test_add_func ("/tile-render/tile-bbox", test_tile_bbox);
  g_test_add_func ("/tile-render/polygon-and-line", test_polygon_and_line);
  g_test_add_func ("/tile-render/hidpi", test_hidpi);
  g_test_add_func ("/tile-render/hidden-and-min-zoom", test_hidden_and_min_zoom);
  g_test_add_func ("/tile-render/subpixel-dot", test_subpixel_dot);
  g_test_add_func ("/tile-render/cancelled", test_cancelled);

  return g_test_run ();
}
