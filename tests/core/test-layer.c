/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <ogr_srs_api.h>

#include "qrt-core.h"
#include "model/qrt-layer-private.h"

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
  qrt_layer_get_coords (layer, &n_points);
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
  xy = qrt_layer_get_coords (layer, NULL);
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
  QrtPoints m;
  double mx, my, lon, lat;

  /* 51.40 N, 8.05 E in EPSG:25832. */
  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_begin_part (builder);
  qrt_layer_builder_add_point (builder, 433914.354, 5694736.119);
  qrt_layer_builder_end_feature (builder);
  layer = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);

  qrt_layer_get_points (layer, QRT_COORDS_MERCATOR, &m);
  qrt_points_get (&m, 0, &mx, &my);
  lon = mx / QRT_MERCATOR_HALF_WORLD * 180;
  lat = atan (sinh (my / QRT_MERCATOR_HALF_WORLD * G_PI)) * 180 / G_PI;
  g_assert_cmpfloat_with_epsilon (lon, 8.05, 1e-6);
  g_assert_cmpfloat_with_epsilon (lat, 51.40, 1e-6);
}

/* @n analysis points (EPSG:25832) moved to Web Mercator by PROJ itself, in place. */
static void
proj_to_mercator (double *xs,
                  double *ys,
                  guint   n)
{
  OGRSpatialReferenceH utm = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH merc = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH ct;

  OSRImportFromEPSG (utm, QRT_EPSG_DEFAULT_ANALYSIS);
  OSRImportFromEPSG (merc, 3857);
  OSRSetAxisMappingStrategy (utm, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy (merc, OAMS_TRADITIONAL_GIS_ORDER);
  ct = OCTNewCoordinateTransformation (utm, merc);
  g_assert_true (OCTTransform (ct, (int) n, xs, ys, NULL));
  OCTDestroyCoordinateTransformation (ct);
  OSRDestroySpatialReference (utm);
  OSRDestroySpatialReference (merc);
}

typedef enum
{
  DISPLAY_AT_FINISH,     /* the copy made by finish() */
  DISPLAY_WHILE_READING, /* made batch by batch as features are sealed */
  DISPLAY_STALE_AREA,    /* a declared extent that misses points: finish() must take over */
} DisplayMode;

static void
test_mercator_grid (gconstpointer data)
{
  /* Enough points for the interpolated path; every one must match PROJ within 3 mm. */
  DisplayMode mode = GPOINTER_TO_INT (data);
  g_autoptr(QrtLayerBuilder) builder =
    qrt_layer_builder_new ("many", QRT_GEOMETRY_POINT, QRT_EPSG_DEFAULT_ANALYSIS);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(QrtLayer) layer = NULL;
  const guint n = 20000;
  g_autofree double *xs = g_new (double, n);
  g_autofree double *ys = g_new (double, n);
  QrtPoints m;
  QrtBBox area = { 420000, 5680000, 450000, 5710000 };

  if (mode == DISPLAY_STALE_AREA)
    area.max_x = 430000;
  if (mode != DISPLAY_AT_FINISH)
    _qrt_layer_builder_set_expected_extent (builder, &area);
  for (guint i = 0; i < n; i++)
    {
      xs[i] = g_rand_double_range (rand, 420000, 450000);
      ys[i] = g_rand_double_range (rand, 5680000, 5710000);
      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_begin_part (builder);
      qrt_layer_builder_add_point (builder, xs[i], ys[i]);
      qrt_layer_builder_end_feature (builder);
      /* Batches of uneven size. */
      if (mode != DISPLAY_AT_FINISH && i % 777 == 776)
        _qrt_layer_builder_seal (builder);
    }
  layer = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);

  proj_to_mercator (xs, ys, n);
  qrt_layer_get_points (layer, QRT_COORDS_MERCATOR, &m);
  for (guint i = 0; i < n; i++)
    {
      QrtBBox box;
      double mx, my;

      /* Within 3 mm of PROJ: float offsets round by up to 2 mm out here, the grid by far less. */
      qrt_points_get (&m, i, &mx, &my);
      g_assert_cmpfloat_with_epsilon (mx, xs[i], 0.003);
      g_assert_cmpfloat_with_epsilon (my, ys[i], 0.003);
      /* The display boxes come from the display copy, whoever made it. */
      qrt_layer_get_feature_bbox (layer, QRT_COORDS_MERCATOR, i, &box);
      g_assert_cmpfloat (box.min_x, ==, mx);
      g_assert_cmpfloat (box.max_y, ==, my);
    }
}

/* Exterior rings counter-clockwise, holes clockwise. */
static void
assert_orientation (QrtLayer *layer)
{
  const double *xy = qrt_layer_get_coords (layer, NULL);
  const guint32 *rings = qrt_layer_get_ring_offsets (layer, NULL);
  guint n_parts;
  const guint32 *parts = qrt_layer_get_part_offsets (layer, &n_parts);

  for (guint p = 0; p < n_parts; p++)
    for (guint r = parts[p]; r < parts[p + 1]; r++)
      {
        double area2 = 0;

        for (guint i = rings[r]; i + 1 < rings[r + 1]; i++)
          area2 += xy[2 * i] * xy[2 * i + 3] - xy[2 * i + 2] * xy[2 * i + 1];
        g_assert_cmpint (area2 > 0, ==, r == parts[p]);
      }
}

/* Polygons from a building's size to a district's: a small one is moved to Web Mercator by
 * its cell's tangent plane, a large one point by point through the grid's polynomials. Every
 * vertex within 3 mm of PROJ (float offsets round by up to 2 mm out here): a derivative off by
 * one part in 10,000 misses that on a building, which single points never show (the first
 * point of a feature is exact). */
static void
test_mercator_grid_polygons (void)
{
  g_autoptr(QrtLayerBuilder) builder =
    qrt_layer_builder_new ("blocks", QRT_GEOMETRY_POLYGON, QRT_EPSG_DEFAULT_ANALYSIS);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(QrtLayer) layer = NULL;
  const guint n_features = 3000, n_sides = 7;
  g_autofree double *xs = g_new (double, n_features * (n_sides + 1));
  g_autofree double *ys = g_new (double, n_features * (n_sides + 1));
  QrtPoints m;
  QrtBBox area = { 417000, 5677000, 453000, 5713000 };
  guint n = 0;

  /* As a reader that knows the extent makes it: feature by feature while sealing batches. */
  _qrt_layer_builder_set_expected_extent (builder, &area);
  for (guint f = 0; f < n_features; f++)
    {
      double cx = g_rand_double_range (rand, 420000, 450000);
      double cy = g_rand_double_range (rand, 5680000, 5710000);
      double radius = f % 10 == 0 ? g_rand_double_range (rand, 500, 3000)
                                  : g_rand_double_range (rand, 10, 150);
      double turn = g_rand_double_range (rand, 0, 2 * G_PI);

      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_begin_part (builder);
      qrt_layer_builder_begin_ring (builder);
      /* Counter-clockwise, closed, so the builder keeps the order. */
      for (guint i = 0; i <= n_sides; i++)
        {
          double a = turn + 2 * G_PI * (i % n_sides) / n_sides;

          xs[n] = cx + radius * cos (a);
          ys[n] = cy + radius * sin (a);
          qrt_layer_builder_add_point (builder, xs[n], ys[n]);
          n++;
        }
      qrt_layer_builder_end_feature (builder);
      if (f % 500 == 499)
        _qrt_layer_builder_seal (builder);
    }
  layer = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
  g_assert_nonnull (layer);
  assert_orientation (layer);

  proj_to_mercator (xs, ys, n);
  qrt_layer_get_points (layer, QRT_COORDS_MERCATOR, &m);
  {
    guint n_points;

    qrt_layer_get_coords (layer, &n_points);
    g_assert_cmpuint (n_points, ==, n);
  }
  for (guint i = 0; i < n; i++)
    {
      double mx, my;

      qrt_points_get (&m, i, &mx, &my);
      g_assert_cmpfloat_with_epsilon (mx, xs[i], 0.003);
      g_assert_cmpfloat_with_epsilon (my, ys[i], 0.003);
    }
}

/* Sealing batch by batch gives the same layer as finishing at once: rings oriented, the same
 * boxes and extent. */
static void
test_seal_batches (void)
{
  g_autoptr(QrtLayer) whole = NULL;
  g_autoptr(QrtLayer) sealed = NULL;

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(QrtLayerBuilder) builder =
        qrt_layer_builder_new ("blocks", QRT_GEOMETRY_POLYGON, QRT_EPSG_DEFAULT_ANALYSIS);

      for (guint f = 0; f < 3000; f++)
        {
          double x = 433000 + (f % 60) * 40, y = 5694000 + (f / 60) * 40;

          qrt_layer_builder_begin_feature (builder);
          qrt_layer_builder_begin_part (builder);
          add_ring (builder, x, y, 30, f % 2 == 0);
          add_ring (builder, x + 10, y + 10, 5, f % 3 == 0);
          if (f % 5 == 0)
            {
              qrt_layer_builder_begin_part (builder);
              add_ring (builder, x + 31, y + 31, 4, TRUE);
            }
          qrt_layer_builder_end_feature (builder);
          if (pass == 1 && f % 250 == 249)
            _qrt_layer_builder_seal (builder);
        }
      if (pass == 0)
        whole = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
      else
        sealed = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
    }

  {
    guint n_points;
    const double *a = qrt_layer_get_coords (whole, &n_points);
    const double *b = qrt_layer_get_coords (sealed, NULL);

    g_assert_cmpmem (a, n_points * 2 * sizeof (double), b, n_points * 2 * sizeof (double));
    assert_orientation (sealed);
    for (guint f = 0; f < qrt_layer_get_n_features (whole); f++)
      for (QrtCoords c = QRT_COORDS_ANALYSIS; c <= QRT_COORDS_MERCATOR; c++)
        {
          QrtBBox x, y;

          qrt_layer_get_feature_bbox (whole, c, f, &x);
          qrt_layer_get_feature_bbox (sealed, c, f, &y);
          g_assert_cmpmem (&x, sizeof x, &y, sizeof y);
        }
    g_assert_cmpmem (qrt_layer_get_extent (whole, QRT_COORDS_ANALYSIS), sizeof (QrtBBox),
                     qrt_layer_get_extent (sealed, QRT_COORDS_ANALYSIS), sizeof (QrtBBox));
  }
}

/* Feature @f of the chunk test: squares, some with a hole or a second part, a few empty late
 * on; feature ids that jump at 3001 (where a chunk starts); texts, integers (one beyond 32 bits late on, after
 * chunks that fit) and reals, each NULL now and then. */
static void
add_test_feature (QrtLayerBuilder *builder,
                  guint            f)
{
  const char *uses[] = { "Wohnen", "Gewerbe", "Grün", "Verkehr", "Wald" };
  double x = 433000 + (f % 70) * 40, y = 5694000 + (f / 70) * 40;

  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_set_fid (builder, f < 3001 ? f + 7 : f + 1007);
  if (f < 4000 || f % 97 != 5)
    {
      qrt_layer_builder_begin_part (builder);
      add_ring (builder, x, y, 30, f % 2 == 0);
      if (f % 3 == 0)
        add_ring (builder, x + 10, y + 10, 5, f % 4 == 0);
      if (f % 5 == 0)
        {
          qrt_layer_builder_begin_part (builder);
          add_ring (builder, x + 31, y + 31, 4, TRUE);
        }
    }
  if (f % 7 != 0)
    qrt_layer_builder_set_string (builder, 0, uses[f % 5]);
  qrt_layer_builder_set_int (builder, 1, f == 4321 ? (gint64) 1 << 40 : (gint64) f - 100);
  if (f % 11 != 0)
    qrt_layer_builder_set_real (builder, 2, f * 0.5);
  qrt_layer_builder_end_feature (builder);
}

/* Chunks built apart (as the GeoPackage reader's workers do), sealed there or not, and
 * appended in order give the layer that adding every feature to one builder gives. */
static void
test_chunks (gconstpointer data)
{
  gboolean sealed_apart = GPOINTER_TO_INT (data);
  const guint n = 5000;
  /* Uneven chunks, one of them empty. */
  const guint ends[] = { 700, 700, 2999, 3001, 4000, 4500, n };
  const QrtBBox area = { 432900, 5693900, 436000, 5697000 };
  g_autoptr(QrtLayer) whole = NULL;
  g_autoptr(QrtLayer) joined = NULL;

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(QrtLayerBuilder) builder =
        qrt_layer_builder_new ("blocks", QRT_GEOMETRY_POLYGON, QRT_EPSG_DEFAULT_ANALYSIS);
      g_autoptr(QrtLayerBuilder) chunk = NULL;
      guint f = 0;

      qrt_layer_builder_add_field (builder, "use", QRT_FIELD_STRING);
      qrt_layer_builder_add_field (builder, "count", QRT_FIELD_INTEGER);
      qrt_layer_builder_add_field (builder, "share", QRT_FIELD_REAL);
      if (sealed_apart)
        _qrt_layer_builder_set_expected_extent (builder, &area);
      if (pass == 0)
        {
          for (; f < n; f++)
            add_test_feature (builder, f);
          whole = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
          continue;
        }

      chunk = _qrt_layer_builder_new_chunk (builder);
      for (guint c = 0; c < G_N_ELEMENTS (ends); c++)
        {
          for (; f < ends[c]; f++)
            add_test_feature (chunk, f);
          if (sealed_apart)
            _qrt_layer_builder_seal (chunk);
          _qrt_layer_builder_append (builder, chunk);
          _qrt_layer_builder_clear (chunk);
          _qrt_layer_builder_seal (builder);
        }
      joined = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
    }

  {
    guint n_features = qrt_layer_get_n_features (whole), n_points, n_rings, n_parts;
    const double *a = qrt_layer_get_coords (whole, &n_points);
    const double *b = qrt_layer_get_coords (joined, NULL);
    const guint32 *rings = qrt_layer_get_ring_offsets (joined, &n_rings);
    const guint32 *parts = qrt_layer_get_part_offsets (joined, &n_parts);
    QrtPoints pa, pb;

    g_assert_cmpuint (n_features, ==, n - (n + 91) / 97 + (4000 + 91) / 97);
    g_assert_cmpuint (qrt_layer_get_n_features (joined), ==, n_features);
    g_assert_cmpmem (a, n_points * 2 * sizeof (double), b, n_points * 2 * sizeof (double));
    g_assert_cmpmem (qrt_layer_get_ring_offsets (whole, NULL), (n_rings + 1) * sizeof (guint32),
                     rings, (n_rings + 1) * sizeof (guint32));
    g_assert_cmpmem (qrt_layer_get_part_offsets (whole, NULL), (n_parts + 1) * sizeof (guint32),
                     parts, (n_parts + 1) * sizeof (guint32));
    g_assert_cmpmem (qrt_layer_get_feature_offsets (whole), (n_features + 1) * sizeof (guint32),
                     qrt_layer_get_feature_offsets (joined), (n_features + 1) * sizeof (guint32));
    /* Whoever sealed them. */
    assert_orientation (joined);
    qrt_layer_get_points (whole, QRT_COORDS_MERCATOR, &pa);
    qrt_layer_get_points (joined, QRT_COORDS_MERCATOR, &pb);
    for (guint i = 0; i < n_points; i++)
      {
        double xa, ya, xb, yb;

        qrt_points_get (&pa, i, &xa, &ya);
        qrt_points_get (&pb, i, &xb, &yb);
        g_assert_cmpfloat (xa, ==, xb);
        g_assert_cmpfloat (ya, ==, yb);
      }
    for (guint f = 0; f < n_features; f++)
      {
        g_assert_cmpint (qrt_layer_get_fid (joined, f), ==, qrt_layer_get_fid (whole, f));
        g_assert_cmpstr (qrt_layer_get_string (joined, 0, f), ==, qrt_layer_get_string (whole, 0, f));
        for (guint c = 0; c < 3; c++)
          g_assert_cmpint (qrt_layer_is_null (joined, c, f), ==, qrt_layer_is_null (whole, c, f));
        g_assert_cmpint (qrt_layer_get_int (joined, 1, f), ==, qrt_layer_get_int (whole, 1, f));
        if (!qrt_layer_is_null (whole, 2, f))
          g_assert_cmpfloat (qrt_layer_get_real (joined, 2, f), ==, qrt_layer_get_real (whole, 2, f));
        for (QrtCoords c = QRT_COORDS_ANALYSIS; c <= QRT_COORDS_MERCATOR; c++)
          {
            QrtBBox x, y;

            qrt_layer_get_feature_bbox (whole, c, f, &x);
            qrt_layer_get_feature_bbox (joined, c, f, &y);
            g_assert_cmpmem (&x, sizeof x, &y, sizeof y);
          }
      }
    /* The gap in the ids and the wide integer came in later chunks. */
    g_assert_cmpint (qrt_layer_get_fid (joined, 3000), ==, 3007);
    g_assert_cmpint (qrt_layer_get_fid (joined, 3001), ==, 4008);
    g_assert_cmpint (qrt_layer_get_int (joined, 1, 4321 - (4321 + 91) / 97 + (4000 + 91) / 97), ==,
                     (gint64) 1 << 40);
    for (QrtCoords c = QRT_COORDS_ANALYSIS; c <= QRT_COORDS_MERCATOR; c++)
      {
        const QrtBBox *extent = qrt_layer_get_extent (joined, c);
        QrtBBox query = { extent->min_x, extent->min_y, (extent->min_x + extent->max_x) / 2,
                          extent->min_y + (extent->max_y - extent->min_y) / 3 };
        g_autoptr(GArray) ha = qrt_rtree_query (qrt_layer_get_index (whole, c), &query);
        g_autoptr(GArray) hb = qrt_rtree_query (qrt_layer_get_index (joined, c), &query);

        g_assert_cmpmem (qrt_layer_get_extent (whole, c), sizeof (QrtBBox), extent, sizeof (QrtBBox));
        g_assert_cmpuint (ha->len, >, 100);
        g_assert_cmpuint (ha->len, ==, hb->len);
      }
  }
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
  g_autofree QrtBoxF *compact = g_new (QrtBoxF, n);
  /* The same items shifted, as a layer's second coordinate set: it shares the first order. */
  g_autofree QrtBoxF *shifted = g_new (QrtBoxF, n);
  QrtBoxes items = { compact, n, 500, 500 };
  QrtBoxes shifted_items = { shifted, n, 5000500, 500 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(QrtRTree) tree = NULL;
  g_autoptr(QrtRTree) twin = NULL;

  for (guint i = 0; i < n; i++)
    {
      double x = g_rand_double_range (rand, 0, 1000);
      double y = g_rand_double_range (rand, 0, 1000);
      QrtBBox far;

      boxes[i] = (QrtBBox) { x, y, x + g_rand_double_range (rand, 0, 20),
                             y + g_rand_double_range (rand, 0, 20) };
      qrt_boxf_set (&compact[i], &boxes[i], items.origin_x, items.origin_y);
      far = (QrtBBox) { boxes[i].min_x + 5e6, boxes[i].min_y, boxes[i].max_x + 5e6, boxes[i].max_y };
      qrt_boxf_set (&shifted[i], &far, shifted_items.origin_x, shifted_items.origin_y);
      /* A compact box holds the exact one and is barely larger. */
      g_assert_cmpfloat (items.origin_x + compact[i].min_x, <=, boxes[i].min_x);
      g_assert_cmpfloat (items.origin_y + compact[i].max_y, >=, boxes[i].max_y);
      g_assert_cmpfloat (boxes[i].min_x - (items.origin_x + compact[i].min_x), <, 2e-4);
    }
  tree = qrt_rtree_new (&items, NULL);
  twin = qrt_rtree_new (&shifted_items, tree);
  /* The twin does not count the order it borrowed. */
  g_assert_cmpuint (qrt_rtree_get_memsize (twin) + n * sizeof (guint32), <=,
                    qrt_rtree_get_memsize (tree));

  for (guint q = 0; q < 200; q++)
    {
      double x = g_rand_double_range (rand, -50, 1000);
      double y = g_rand_double_range (rand, -50, 1000);
      QrtBBox query = { x, y, x + g_rand_double_range (rand, 0, 100),
                        y + g_rand_double_range (rand, 0, 100) };
      QrtBBox far_query = { query.min_x + 5e6, query.min_y, query.max_x + 5e6, query.max_y };
      g_autoptr(GArray) hits = qrt_rtree_query (tree, &query);
      g_autoptr(GArray) far_hits = qrt_rtree_query (twin, &far_query);
      QrtBBox grown = { query.min_x - 1e-3, query.min_y - 1e-3,
                        query.max_x + 1e-3, query.max_y + 1e-3 };
      guint h = 0;

      /* Every box that intersects is found, in ascending order; anything more misses by less
       * than a millimetre. */
      for (guint i = 0; i < n; i++)
        {
          gboolean found = h < hits->len && g_array_index (hits, guint, h) == i;

          if (qrt_bbox_intersects (&boxes[i], &query))
            g_assert_true (found);
          else if (found)
            g_assert_true (qrt_bbox_intersects (&boxes[i], &grown));
          h += found;
        }
      g_assert_cmpuint (h, ==, hits->len);
      for (guint k = 0; k < far_hits->len; k++)
        {
          guint i = g_array_index (far_hits, guint, k);

          g_assert_true (qrt_bbox_intersects (&boxes[i], &(QrtBBox) { query.min_x - 0.2, query.min_y - 0.2,
                                                                    query.max_x + 0.2, query.max_y + 0.2 }));
        }
      for (guint k = 0; k < hits->len; k++)
        if (qrt_bbox_intersects (&boxes[g_array_index (hits, guint, k)], &query))
          {
            gboolean in_far = FALSE;

            for (guint m = 0; m < far_hits->len && !in_far; m++)
              in_far = g_array_index (far_hits, guint, m) == g_array_index (hits, guint, k);
            g_assert_true (in_far);
          }
    }
}

static void
test_rtree_empty (void)
{
  QrtBoxes none = { NULL, 0, 0, 0 };
  g_autoptr(QrtRTree) tree = qrt_rtree_new (&none, NULL);
  QrtBBox query = { 0, 0, 1, 1 };
  g_autoptr(GArray) hits = qrt_rtree_query (tree, &query);

  g_assert_cmpuint (hits->len, ==, 0);
}

/* Two trees from one sort of curve keys (or, without keys, of the boxes' centres), the
 * second built beside the first (on a thread of its own for the larger size): each finds what
 * a tree over its boxes made alone finds. */
static void
test_rtree_twins (void)
{
  const guint sizes[] = { 300, 20000 };

  for (guint run = 0; run < 2 * G_N_ELEMENTS (sizes); run++)
    {
      guint n = sizes[run / 2];
      gboolean with_keys = run % 2 == 0;
      g_autoptr(GRand) rand = g_rand_new_with_seed (n);
      g_autofree QrtBoxF *near = g_new (QrtBoxF, n);
      g_autofree QrtBoxF *far = g_new (QrtBoxF, n);
      g_autofree guint64 *pairs = g_new (guint64, n);
      QrtBoxes near_items = { near, n, 0, 0 };
      /* The second set as a display copy would be: elsewhere and at another scale. */
      QrtBoxes far_items = { far, n, 4e6, 6e6 };
      QrtBBox area = { 0, 0, 1000, 1000 };
      QrtCurveFrame frame;
      g_autoptr(QrtRTree) tree = NULL;
      g_autoptr(QrtRTree) twin = NULL;
      g_autoptr(QrtRTree) alone = NULL;
      g_autoptr(QrtRTree) far_alone = NULL;

      qrt_curve_frame_init (&frame, &area);
      for (guint i = 0; i < n; i++)
        {
          double x = g_rand_double_range (rand, 0, 990), y = g_rand_double_range (rand, 0, 990);
          QrtBBox box = { x, y, x + g_rand_double_range (rand, 0, 10),
                          y + g_rand_double_range (rand, 0, 10) };
          QrtBBox scaled = { box.min_x * 1.5, box.min_y * 1.5, box.max_x * 1.5, box.max_y * 1.5 };

          qrt_boxf_set (&near[i], &box, 0, 0);
          qrt_boxf_set (&far[i], &scaled, 0, 0);
          pairs[i] = (guint64) qrt_curve_key (&frame, (box.min_x + box.max_x) / 2,
                                              (box.min_y + box.max_y) / 2) << 32 | i;
        }
      tree = qrt_rtree_new_from_keys (&near_items, with_keys ? pairs : NULL, &far_items, &twin);
      g_assert_nonnull (tree);
      g_assert_nonnull (twin);
      alone = qrt_rtree_new (&near_items, NULL);
      far_alone = qrt_rtree_new (&far_items, NULL);
      /* The twin borrows the order. */
      g_assert_cmpuint (qrt_rtree_get_memsize (twin) + n * sizeof (guint32), <=,
                        qrt_rtree_get_memsize (tree));

      for (guint q = 0; q < 300; q++)
        {
          double x = g_rand_double_range (rand, -20, 1000), y = g_rand_double_range (rand, -20, 1000);
          double w = g_rand_double_range (rand, 0, q < 150 ? 30 : 400);
          QrtBBox query = { x, y, x + w, y + w };
          QrtBBox far_query = { 4e6 + x * 1.5, 6e6 + y * 1.5, 4e6 + (x + w) * 1.5,
                                6e6 + (y + w) * 1.5 };
          g_autoptr(GArray) hits = qrt_rtree_query (tree, &query);
          g_autoptr(GArray) expected = qrt_rtree_query (alone, &query);
          g_autoptr(GArray) far_hits = qrt_rtree_query (twin, &far_query);
          g_autoptr(GArray) far_expected = qrt_rtree_query (far_alone, &far_query);

          g_assert_cmpuint (hits->len, ==, expected->len);
          g_assert_cmpmem (hits->data, hits->len * sizeof (guint),
                           expected->data, expected->len * sizeof (guint));
          g_assert_cmpuint (far_hits->len, ==, far_expected->len);
          g_assert_cmpmem (far_hits->data, far_hits->len * sizeof (guint),
                           far_expected->data, far_expected->len * sizeof (guint));
        }
    }
}

/* The curve keys are sorted in place: by their top 16 bits at least (the tree needs no finer
 * order than a node's), ties in index order, each item once. Sizes that take one, two and
 * three digits; 600,000 two of the widest (11 bits). */
static void
test_rtree_keys (void)
{
  const guint sizes[] = { 1, 300, 5000, 200000, 600000, 3000000 };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint n = sizes[s];
      g_autoptr(GRand) rand = g_rand_new_with_seed (n);
      g_autofree QrtBoxF *boxes = g_new0 (QrtBoxF, n);
      g_autofree guint64 *pairs = g_new (guint64, n);
      g_autofree guint8 *seen = g_new0 (guint8, n);
      QrtBoxes items = { boxes, n, 0, 0 };
      g_autoptr(QrtRTree) tree = NULL;

      for (guint i = 0; i < n; i++)
        /* Few distinct keys among the small sizes, so that ties are many. */
        pairs[i] = (guint64) (g_rand_int (rand) & (n < 10000 ? 0xff000000u : 0xffffffffu)) << 32 | i;
      tree = qrt_rtree_new_from_keys (&items, pairs, NULL, NULL);
      g_assert_nonnull (tree);
      for (guint i = 0; i < n; i++)
        {
          guint index = (guint32) pairs[i];

          g_assert_cmpuint (index, <, n);
          g_assert_false (seen[index]);
          seen[index] = TRUE;
          if (i > 0)
            {
              guint a = pairs[i - 1] >> 48, b = pairs[i] >> 48;

              g_assert_cmpuint (a, <=, b);
              if (a == b && n < 10000)
                g_assert_cmpuint ((guint32) pairs[i - 1], <, index);
            }
        }
    }
}

/* Attributes are stored narrow where they can be; the values must not notice. */
static void
test_storage (void)
{
  g_autoptr(QrtLayerBuilder) builder =
    qrt_layer_builder_new ("places", QRT_GEOMETRY_POINT, QRT_EPSG_DEFAULT_ANALYSIS);
  guint small = qrt_layer_builder_add_field (builder, "small", QRT_FIELD_INTEGER);
  guint big = qrt_layer_builder_add_field (builder, "big", QRT_FIELD_INTEGER);
  guint kind = qrt_layer_builder_add_field (builder, "kind", QRT_FIELD_STRING);
  guint full = qrt_layer_builder_add_field (builder, "full", QRT_FIELD_REAL);
  const char *kinds[] = { "Baum", "Straßenbaum", "", "Baum" };
  g_autoptr(QrtLayer) layer = NULL;
  g_autoptr(QrtLayer) renumbered = NULL;
  gsize narrow_size;

  for (guint f = 0; f < 4000; f++)
    {
      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_set_fid (builder, 10 + f);
      qrt_layer_builder_begin_part (builder);
      qrt_layer_builder_add_point (builder, 433900 + f, 5694700 - f);
      qrt_layer_builder_set_int (builder, small, (gint64) f - 2000);
      if (f % 3 != 0)
        qrt_layer_builder_set_int (builder, big, f == 1 ? G_MAXINT64 : (gint64) G_MININT32 - f);
      qrt_layer_builder_set_string (builder, kind, kinds[f % 4]);
      qrt_layer_builder_set_real (builder, full, f / 8.0);
      qrt_layer_builder_end_feature (builder);
    }
  layer = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);

  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, 4000);
  for (guint f = 0; f < 4000; f++)
    {
      g_assert_cmpint (qrt_layer_get_fid (layer, f), ==, 10 + f);
      g_assert_cmpint (qrt_layer_get_int (layer, small, f), ==, (gint64) f - 2000);
      g_assert_false (qrt_layer_is_null (layer, small, f));
      g_assert_cmpint (qrt_layer_is_null (layer, big, f), ==, f % 3 == 0);
      if (f % 3 != 0)
        g_assert_cmpint (qrt_layer_get_int (layer, big, f), ==,
                         f == 1 ? G_MAXINT64 : (gint64) G_MININT32 - f);
      g_assert_cmpstr (qrt_layer_get_string (layer, kind, f), ==, kinds[f % 4]);
      g_assert_cmpfloat (qrt_layer_get_real (layer, full, f), ==, f / 8.0);
    }

  /* Sizes: 32-bit small integers, 32-bit string offsets, no NULL flags where none is NULL, no
   * stored ids when they run on: 4 + 8 + 1 + 4 + 8 bytes of attributes per feature. */
  narrow_size = qrt_layer_get_memsize (layer);

  /* Ids with a gap are kept one by one, and cost their 8 bytes. */
  builder = qrt_layer_builder_new ("places", QRT_GEOMETRY_POINT, QRT_EPSG_DEFAULT_ANALYSIS);
  for (guint f = 0; f < 4000; f++)
    {
      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_set_fid (builder, f < 2000 ? f + 1 : f + 7);
      qrt_layer_builder_begin_part (builder);
      qrt_layer_builder_add_point (builder, 433900 + f, 5694700 - f);
      qrt_layer_builder_end_feature (builder);
    }
  renumbered = qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
  g_assert_cmpint (qrt_layer_get_fid (renumbered, 1999), ==, 2000);
  g_assert_cmpint (qrt_layer_get_fid (renumbered, 2000), ==, 2007);

  /* A feature given no id has its position, also after one that was given one. */
  {
    g_autoptr(QrtLayerBuilder) mixed =
      qrt_layer_builder_new ("mixed", QRT_GEOMETRY_POINT, QRT_EPSG_DEFAULT_ANALYSIS);
    g_autoptr(QrtLayer) layer2 = NULL;

    for (guint f = 0; f < 3; f++)
      {
        qrt_layer_builder_begin_feature (mixed);
        if (f == 0)
          qrt_layer_builder_set_fid (mixed, 100);
        qrt_layer_builder_begin_part (mixed);
        qrt_layer_builder_add_point (mixed, 433900 + f, 5694700);
        qrt_layer_builder_end_feature (mixed);
      }
    layer2 = qrt_layer_builder_finish (g_steal_pointer (&mixed), NULL);
    g_assert_cmpint (qrt_layer_get_fid (layer2, 0), ==, 100);
    g_assert_cmpint (qrt_layer_get_fid (layer2, 1), ==, 1);
    g_assert_cmpint (qrt_layer_get_fid (layer2, 2), ==, 2);
  }
  /* The first layer's attributes (25 bytes a feature, plus a few hundred for four columns and
   * their two distinct texts) less the second's stored ids (8 a feature). Stored wide, with
   * flags, the difference would be 4000 × 28. */
  g_assert_cmpuint (narrow_size - qrt_layer_get_memsize (renumbered), >=, 4000 * (25 - 8));
  g_assert_cmpuint (narrow_size - qrt_layer_get_memsize (renumbered), <=, 4000 * (25 - 8) + 512);
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
  g_test_add_data_func ("/layer/mercator-grid", GINT_TO_POINTER (DISPLAY_AT_FINISH),
                        test_mercator_grid);
  g_test_add_data_func ("/layer/mercator-grid/while-reading",
                        GINT_TO_POINTER (DISPLAY_WHILE_READING), test_mercator_grid);
  g_test_add_data_func ("/layer/mercator-grid/stale-area", GINT_TO_POINTER (DISPLAY_STALE_AREA),
                        test_mercator_grid);
  g_test_add_func ("/layer/mercator-grid/polygons", test_mercator_grid_polygons);
  g_test_add_func ("/layer/seal-batches", test_seal_batches);
  g_test_add_data_func ("/layer/chunks", GINT_TO_POINTER (FALSE), test_chunks);
  g_test_add_data_func ("/layer/chunks/sealed-apart", GINT_TO_POINTER (TRUE), test_chunks);
  g_test_add_func ("/layer/with-column", test_with_column);
  g_test_add_func ("/layer/rtree", test_rtree);
  g_test_add_func ("/layer/rtree-empty", test_rtree_empty);
  g_test_add_func ("/layer/rtree-keys", test_rtree_keys);
  g_test_add_func ("/layer/rtree-twins", test_rtree_twins);
  g_test_add_func ("/layer/storage", test_storage);
  g_test_add_func ("/layer/pick", test_pick);
  g_test_add_func ("/layer/selection", test_selection);

  return g_test_run ();
}
