/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <ogr_srs_api.h>

#include "qrt-core.h"

static void
add_ring (QrtLayerBuilder *builder,
          double           x0,
          double           y0,
          double           size,
          gboolean         clockwise)
{
  double xs[5] = { x0, x0 + size, x0 + size, x0, x0 };
  double ys[5] = { y0, y0, y0 + size, y0 + size, y0 };

  qrt_layer_builder_begin_ring (builder);
  for (int i = 0; i < 5; i++)
    {
      int k = clockwise ? 4 - i : i;

      qrt_layer_builder_add_point (builder, xs[k], ys[k]);
    }
}

static QrtLayer *
build_polygons (void)
{
  g_autoptr(QrtLayerBuilder) builder =
    qrt_layer_builder_new ("zones", QRT_GEOMETRY_POLYGON, QRT_EPSG_DEFAULT_ANALYSIS);
  guint name = qrt_layer_builder_add_field (builder, "name", QRT_FIELD_STRING);
  guint count = qrt_layer_builder_add_field (builder, "count", QRT_FIELD_INTEGER);
  guint share = qrt_layer_builder_add_field (builder, "share", QRT_FIELD_REAL);
  g_autoptr(QrtLayer) layer = NULL;

  /* 0: a 100 m square with a 20 m hole, given clockwise (the builder must fix orientation). */
  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  add_ring (builder, 433900, 5694700, 100, TRUE);
  add_ring (builder, 433940, 5694740, 20, FALSE);
  qrt_layer_builder_set_string (builder, name, "Altstadt");
  qrt_layer_builder_set_int (builder, count, 42);
  qrt_layer_builder_set_real (builder, share, 0.25);
  qrt_layer_builder_end_feature (builder);

  /* An empty feature is dropped. */
  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_set_string (builder, name, "leer");
  qrt_layer_builder_end_feature (builder);

  /* A discarded feature leaves nothing behind. */
  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  add_ring (builder, 0, 0, 1, FALSE);
  qrt_layer_builder_discard_feature (builder);

  /* 1: two parts, attributes left NULL. */
  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  add_ring (builder, 434100, 5694700, 50, FALSE);
  qrt_layer_builder_begin_part (builder);
  add_ring (builder, 434200, 5694700, 50, FALSE);
  qrt_layer_builder_end_feature (builder);

  layer = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
  g_assert_nonnull (layer);
  return g_steal_pointer (&layer);
}

static void
test_builder (void)
{
  g_autoptr(QrtLayer) layer = build_polygons ();
  guint n_points, n_rings, n_parts;

  g_assert_cmpstr (qrt_layer_get_name (layer), ==, "zones");
  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, 2);
  g_assert_cmpint (qrt_layer_get_epsg (layer), ==, QRT_EPSG_DEFAULT_ANALYSIS);
  qrt_layer_get_coords (layer, QRT_COORDS_ANALYSIS, &n_points);
  qrt_layer_get_ring_offsets (layer, &n_rings);
  qrt_layer_get_part_offsets (layer, &n_parts);
  g_assert_cmpuint (n_points, ==, 20);
  g_assert_cmpuint (n_rings, ==, 4);
  g_assert_cmpuint (n_parts, ==, 3);

  g_assert_cmpint (qrt_layer_find_field (layer, "NAME"), ==, 0);
  g_assert_cmpint (qrt_layer_find_field (layer, "missing"), ==, -1);
  g_assert_cmpstr (qrt_layer_get_string (layer, 0, 0), ==, "Altstadt");
  g_assert_cmpint (qrt_layer_get_int (layer, 1, 0), ==, 42);
  g_assert_cmpfloat (qrt_layer_get_real (layer, 2, 0), ==, 0.25);
  g_assert_cmpfloat (qrt_layer_get_real (layer, 1, 0), ==, 42.0);
  g_assert_true (qrt_layer_is_null (layer, 0, 1));
  g_assert_null (qrt_layer_get_string (layer, 0, 1));
  g_assert_true (isnan (qrt_layer_get_real (layer, 2, 1)));
}

static void
test_geos (void)
{
  g_autoptr(QrtLayer) layer = build_polygons ();
  GEOSContextHandle_t ctx = GEOS_init_r ();
  GEOSGeometry *first = qrt_layer_build_geos (layer, ctx, 0, QRT_COORDS_ANALYSIS);
  GEOSGeometry *second = qrt_layer_build_geos (layer, ctx, 1, QRT_COORDS_ANALYSIS);
  double area = 0;
  const double *xy;
  const guint32 *rings;

  g_assert_true (GEOSisValid_r (ctx, first));
  GEOSArea_r (ctx, first, &area);
  g_assert_cmpfloat_with_epsilon (area, 100 * 100 - 20 * 20, 1e-6);
  g_assert_cmpint (GEOSGeomTypeId_r (ctx, second), ==, GEOS_MULTIPOLYGON);
  GEOSArea_r (ctx, second, &area);
  g_assert_cmpfloat_with_epsilon (area, 2 * 50 * 50, 1e-6);

  /* The exterior ring was turned counter-clockwise, the hole clockwise. */
  xy = qrt_layer_get_coords (layer, QRT_COORDS_ANALYSIS, NULL);
  rings = qrt_layer_get_ring_offsets (layer, NULL);
  for (guint r = 0; r < 2; r++)
    {
      double sum = 0;

      for (guint i = rings[r]; i + 1 < rings[r + 1]; i++)
        sum += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
      g_assert_true (r == 0 ? sum > 0 : sum < 0);
    }

  GEOSGeom_destroy_r (ctx, first);
  GEOSGeom_destroy_r (ctx, second);
  GEOS_finish_r (ctx);
}

static void
test_mercator (void)
{
  g_autoptr(QrtLayerBuilder) builder =
    qrt_layer_builder_new ("p", QRT_GEOMETRY_POINT, QRT_EPSG_DEFAULT_ANALYSIS);
  g_autoptr(QrtLayer) layer = NULL;
  const double *m;
  double lon, lat;

  /* 51.40 N, 8.05 E in EPSG:25832. */
  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  qrt_layer_builder_add_point (builder, 433914.354, 5694736.119);
  qrt_layer_builder_end_feature (builder);
  layer = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);

  m = qrt_layer_get_coords (layer, QRT_COORDS_MERCATOR, NULL);
  lon = m[0] / QRT_MERCATOR_HALF_WORLD * 180;
  lat = atan (sinh (m[1] / QRT_MERCATOR_HALF_WORLD * G_PI)) * 180 / G_PI;
  g_assert_cmpfloat_with_epsilon (lon, 8.05, 1e-6);
  g_assert_cmpfloat_with_epsilon (lat, 51.40, 1e-6);
}

static void
test_mercator_grid (void)
{
  /* Enough points for the interpolated path; every one must match PROJ within 1 cm. */
  g_autoptr(QrtLayerBuilder) builder =
    qrt_layer_builder_new ("many", QRT_GEOMETRY_POINT, QRT_EPSG_DEFAULT_ANALYSIS);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(QrtLayer) layer = NULL;
  const guint n = 20000;
  g_autofree double *xs = g_new (double, n);
  g_autofree double *ys = g_new (double, n);
  OGRSpatialReferenceH utm = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH merc = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH ct;
  const double *m;

  for (guint i = 0; i < n; i++)
    {
      xs[i] = g_rand_double_range (rand, 420000, 450000);
      ys[i] = g_rand_double_range (rand, 5680000, 5710000);
      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_begin_part (builder);
      qrt_layer_builder_add_point (builder, xs[i], ys[i]);
      qrt_layer_builder_end_feature (builder);
    }
  layer = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);

  OSRImportFromEPSG (utm, QRT_EPSG_DEFAULT_ANALYSIS);
  OSRImportFromEPSG (merc, 3857);
  OSRSetAxisMappingStrategy (utm, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy (merc, OAMS_TRADITIONAL_GIS_ORDER);
  ct = OCTNewCoordinateTransformation (utm, merc);
  g_assert_true (OCTTransform (ct, n, xs, ys, NULL));
  m = qrt_layer_get_coords (layer, QRT_COORDS_MERCATOR, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat_with_epsilon (m[2 * i], xs[i], 0.01);
      g_assert_cmpfloat_with_epsilon (m[2 * i + 1], ys[i], 0.01);
    }
  OCTDestroyCoordinateTransformation (ct);
  OSRDestroySpatialReference (utm);
  OSRDestroySpatialReference (merc);
}

static void
test_with_column (void)
{
  g_autoptr(QrtLayer) layer = build_polygons ();
  const double values[] = { 12.5, NAN };
  g_autoptr(QrtLayer) copy = qrt_layer_with_column (layer, "indicator", values);
  int field = qrt_layer_find_field (copy, "indicator");

  /* The original is untouched; the copy has everything plus the new column. */
  g_assert_cmpint (qrt_layer_find_field (layer, "indicator"), ==, -1);
  g_assert_cmpint (field, ==, 3);
  g_assert_cmpfloat (qrt_layer_get_real (copy, field, 0), ==, 12.5);
  g_assert_true (qrt_layer_is_null (copy, field, 1));
  g_assert_cmpstr (qrt_layer_get_string (copy, 0, 0), ==, "Altstadt");
  g_assert_cmpuint (qrt_layer_get_n_features (copy), ==, 2);
  g_assert_cmpuint (qrt_layer_get_serial (copy), !=, qrt_layer_get_serial (layer));
  g_assert_cmpfloat (qrt_layer_get_extent (copy, QRT_COORDS_MERCATOR)->min_x, ==,
                     qrt_layer_get_extent (layer, QRT_COORDS_MERCATOR)->min_x);
}

static void
test_rtree (void)
{
  const guint n = 20000;
  g_autofree QrtBBox *boxes = g_new (QrtBBox, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(QrtRTree) tree = NULL;

  for (guint i = 0; i < n; i++)
    {
      double x = g_rand_double_range (rand, 0, 1000);
      double y = g_rand_double_range (rand, 0, 1000);

      boxes[i] = (QrtBBox) { x, y, x + g_rand_double_range (rand, 0, 20),
                             y + g_rand_double_range (rand, 0, 20) };
    }
  tree = qrt_rtree_new (boxes, n);

  for (guint q = 0; q < 200; q++)
    {
      double x = g_rand_double_range (rand, -50, 1000);
      double y = g_rand_double_range (rand, -50, 1000);
      QrtBBox query = { x, y, x + g_rand_double_range (rand, 0, 100),
                        y + g_rand_double_range (rand, 0, 100) };
      g_autoptr(GArray) hits = qrt_rtree_query (tree, &query);
      guint expected = 0, h = 0;

      for (guint i = 0; i < n; i++)
        if (qrt_bbox_intersects (&boxes[i], &query))
          {
            /* Hits come back in ascending index order, exactly the brute-force set. */
            g_assert_cmpuint (h, <, hits->len);
            g_assert_cmpuint (g_array_index (hits, guint, h), ==, i);
            h++;
            expected++;
          }
      g_assert_cmpuint (hits->len, ==, expected);
    }
}

static void
test_rtree_empty (void)
{
  g_autoptr(QrtRTree) tree = qrt_rtree_new (NULL, 0);
  QrtBBox query = { 0, 0, 1, 1 };
  g_autoptr(GArray) hits = qrt_rtree_query (tree, &query);

  g_assert_cmpuint (hits->len, ==, 0);
}

static void
test_pick (void)
{
  g_autoptr(QrtLayer) layer = build_polygons ();
  g_autoptr(GArray) in_rect = NULL;
  QrtBBox rect = { 433950, 5694790, 434150, 5694810 };
  QrtBBox hole = { 433945, 5694745, 433955, 5694755 };

  /* Inside the square, inside its hole, inside the second feature's second part, outside. */
  g_assert_cmpint (qrt_layer_pick (layer, QRT_COORDS_ANALYSIS, 433910, 5694710, 0), ==, 0);
  g_assert_cmpint (qrt_layer_pick (layer, QRT_COORDS_ANALYSIS, 433950, 5694750, 0), ==, -1);
  g_assert_cmpint (qrt_layer_pick (layer, QRT_COORDS_ANALYSIS, 434220, 5694720, 0), ==, 1);
  g_assert_cmpint (qrt_layer_pick (layer, QRT_COORDS_ANALYSIS, 434050, 5694720, 0), ==, -1);
  /* Near an edge, within the tolerance. */
  g_assert_cmpint (qrt_layer_pick (layer, QRT_COORDS_ANALYSIS, 434003, 5694720, 5), ==, 0);

  /* The rectangle touches feature 0's edge and part one of feature 1 (x 434100..434150). */
  in_rect = qrt_layer_query_rect (layer, QRT_COORDS_ANALYSIS, &rect);
  g_assert_cmpuint (in_rect->len, ==, 1);
  g_assert_cmpuint (g_array_index (in_rect, guint, 0), ==, 0);
  g_array_unref (in_rect);
  rect.max_y = 5694760;
  rect.min_y = 5694720;
  rect.max_x = 434120;
  in_rect = qrt_layer_query_rect (layer, QRT_COORDS_ANALYSIS, &rect);
  g_assert_cmpuint (in_rect->len, ==, 2);
  g_array_unref (in_rect);
  /* A box inside the hole touches nothing, though it lies within the square's bbox. */
  in_rect = qrt_layer_query_rect (layer, QRT_COORDS_ANALYSIS, &hole);
  g_assert_cmpuint (in_rect->len, ==, 0);
}

static void
count_changed (QrtSelection *selection,
               guint        *count)
{
  (*count)++;
}

static void
test_selection (void)
{
  g_autoptr(QrtSelection) selection = qrt_selection_new ();
  g_autoptr(GArray) features = NULL;
  guint changed = 0;
  const guint some[] = { 4, 2 };

  g_signal_connect (selection, "changed", G_CALLBACK (count_changed), &changed);
  qrt_selection_select (selection, "districts", some, 2, FALSE);
  g_assert_true (qrt_selection_contains (selection, "districts", 2));
  g_assert_false (qrt_selection_contains (selection, "buildings", 2));
  qrt_selection_toggle (selection, "districts", 2);
  qrt_selection_toggle (selection, "districts", 7);
  features = qrt_selection_get_features (selection);
  g_assert_cmpuint (features->len, ==, 2);
  g_assert_cmpuint (g_array_index (features, guint, 0), ==, 4);
  g_assert_cmpuint (g_array_index (features, guint, 1), ==, 7);
  /* Another layer starts over. */
  qrt_selection_select (selection, "buildings", some, 1, TRUE);
  g_assert_cmpstr (qrt_selection_get_layer_name (selection), ==, "buildings");
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 1);
  qrt_selection_clear (selection);
  qrt_selection_clear (selection);
  g_assert_null (qrt_selection_get_layer_name (selection));
  g_assert_cmpuint (changed, ==, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  qrt_core_init ();

  g_test_add_func ("/layer/builder", test_builder);
  g_test_add_func ("/layer/geos", test_geos);
  g_test_add_func ("/layer/mercator", test_mercator);
  g_test_add_func ("/layer/mercator-grid", test_mercator_grid);
  g_test_add_func ("/layer/with-column", test_with_column);
  g_test_add_func ("/layer/rtree", test_rtree);
  g_test_add_func ("/layer/rtree-empty", test_rtree_empty);
  g_test_add_func ("/layer/pick", test_pick);
  g_test_add_func ("/layer/selection", test_selection);

  return g_test_run ();
}
