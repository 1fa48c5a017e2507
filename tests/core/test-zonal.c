/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <glib/gstdio.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <string.h>

#include "qrt-core.h"
#include "qrt-test-util.h"

/*
 * Every kind of indicator on a fixture small enough to compute by hand. Coordinates are
 * metres from (X0, Y0) in EPSG:25832:
 *
 *   districts  A = [0,100]×[0,100], B = [100,200]×[0,100], C = [200,300]×[0,100] (empty)
 *   landcover  sealed [50,150]×[0,50]; green [10,40]×[60,90]; forest [150,200]×[50,100]
 *   buildings  a1 [10,20]² 10 residents, a2 [60,70]×[10,20] 20 residents, b1 [120,130]×[10,20]
 *              5 residents, s [90,120]×[80,90] 30 residents, centroid (105,85) in B, 1/3 in A
 *   trees      (50,50) in A, (150,50) in B, (100,50) on the A|B border: in neither
 *   parks      [10,40]×[60,90] (900 m²) and a tiny one [180,182]×[90,92] (4 m²)
 *   flood      [0,100]×[0,16] depth 0.5 (holds a1 and a2), [100,200]×[0,100] depth 0.1
 */

#define X0 433000.0
#define Y0 5694000.0

static char *work_dir;

static void
add_feature (OGRLayerH    layer,
             const char  *wkt,
             const char  *text_field,
             const char  *text,
             const char  *number_field,
             double       number)
{
  OGRFeatureH f = OGR_F_Create (OGR_L_GetLayerDefn (layer));
  OGRGeometryH g = NULL;
  char *copy = g_strdup (wkt), *cursor = copy;

  g_assert_cmpint (OGR_G_CreateFromWkt (&cursor, NULL, &g), ==, OGRERR_NONE);
  OGR_F_SetGeometryDirectly (f, g);
  if (text_field)
    OGR_F_SetFieldString (f, OGR_F_GetFieldIndex (f, text_field), text);
  if (number_field)
    OGR_F_SetFieldDouble (f, OGR_F_GetFieldIndex (f, number_field), number);
  g_assert_cmpint (OGR_L_CreateFeature (layer, f), ==, OGRERR_NONE);
  OGR_F_Destroy (f);
  g_free (copy);
}

static char *
box (double x0,
     double y0,
     double x1,
     double y1)
{
  return g_strdup_printf ("POLYGON ((%f %f,%f %f,%f %f,%f %f,%f %f))",
                          X0 + x0, Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1,
                          X0 + x0, Y0 + y0);
}

static OGRLayerH
layer_with (GDALDatasetH        ds,
            OGRSpatialReferenceH srs,
            const char          *name,
            OGRwkbGeometryType   type,
            const char          *text_field,
            const char          *number_field)
{
  OGRLayerH layer = GDALDatasetCreateLayer (ds, name, srs, type, NULL);

  if (text_field)
    {
      OGRFieldDefnH d = OGR_Fld_Create (text_field, OFTString);

      OGR_L_CreateField (layer, d, TRUE);
      OGR_Fld_Destroy (d);
    }
  if (number_field)
    {
      OGRFieldDefnH d = OGR_Fld_Create (number_field, OFTReal);

      OGR_L_CreateField (layer, d, TRUE);
      OGR_Fld_Destroy (d);
    }
  return layer;
}

static char *
make_fixture (void)
{
  char *path = g_build_filename (work_dir, "fixture.gpkg", NULL);
  GDALDatasetH ds = GDALCreate (GDALGetDriverByName ("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
  OGRSpatialReferenceH srs = OSRNewSpatialReference (NULL);
  OGRLayerH districts, landcover, buildings, trees, parks, flood;
  const char *pop[] = { "pop_2015", "pop_2016", "pop_2017" };
  char *w;

  OSRImportFromEPSG (srs, 25832);
  g_assert_nonnull (ds);

  districts = layer_with (ds, srs, "districts", wkbPolygon, "name", "residents_stat");
  for (guint k = 0; k < G_N_ELEMENTS (pop); k++)
    {
      OGRFieldDefnH d = OGR_Fld_Create (pop[k], OFTInteger);

      OGR_L_CreateField (districts, d, TRUE);
      OGR_Fld_Destroy (d);
    }
  for (int i = 0; i < 3; i++)
    {
      OGRFeatureH f = OGR_F_Create (OGR_L_GetLayerDefn (districts));
      char *wkt = box (100 * i, 0, 100 * i + 100, 100), *cursor = wkt;
      OGRGeometryH g = NULL;

      OGR_G_CreateFromWkt (&cursor, NULL, &g);
      OGR_F_SetGeometryDirectly (f, g);
      OGR_F_SetFieldString (f, 0, i == 0 ? "A" : i == 1 ? "B" : "C");
      OGR_F_SetFieldDouble (f, 1, i == 0 ? 30 : i == 1 ? 35 : 0);
      for (int k = 0; k < 3; k++)
        OGR_F_SetFieldInteger (f, 2 + k, 100 * (i + 1) + k);
      g_assert_cmpint (OGR_L_CreateFeature (districts, f), ==, OGRERR_NONE);
      OGR_F_Destroy (f);
      g_free (wkt);
    }

  landcover = layer_with (ds, srs, "landcover", wkbPolygon, "class", NULL);
  add_feature (landcover, w = box (50, 0, 150, 50), "class", "sealed", NULL, 0), g_free (w);
  add_feature (landcover, w = box (10, 60, 40, 90), "class", "green", NULL, 0), g_free (w);
  add_feature (landcover, w = box (150, 50, 200, 100), "class", "forest", NULL, 0), g_free (w);

  buildings = layer_with (ds, srs, "buildings", wkbPolygon, "use", "residents");
  add_feature (buildings, w = box (10, 10, 20, 20), "use", "home", "residents", 10), g_free (w);
  add_feature (buildings, w = box (60, 10, 70, 20), "use", "home", "residents", 20), g_free (w);
  add_feature (buildings, w = box (120, 10, 130, 20), "use", "shop", "residents", 5), g_free (w);
  add_feature (buildings, w = box (90, 80, 120, 90), "use", "home", "residents", 30), g_free (w);

  trees = layer_with (ds, srs, "trees", wkbPoint, NULL, NULL);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *p = g_strdup_printf ("POINT (%f %f)", X0 + 50 + 50 * i, Y0 + 50);

      add_feature (trees, p, NULL, NULL, NULL, 0);
    }

  parks = layer_with (ds, srs, "parks", wkbPolygon, NULL, NULL);
  add_feature (parks, w = box (10, 60, 40, 90), NULL, NULL, NULL, 0), g_free (w);
  add_feature (parks, w = box (180, 90, 182, 92), NULL, NULL, NULL, 0), g_free (w);

  flood = layer_with (ds, srs, "flood", wkbPolygon, NULL, "depth");
  add_feature (flood, w = box (0, 0, 100, 16), NULL, NULL, "depth", 0.5), g_free (w);
  add_feature (flood, w = box (100, 0, 200, 100), NULL, NULL, "depth", 0.1), g_free (w);

  GDALClose (ds);
  OSRDestroySpatialReference (srs);
  return path;
}

static const char definitions[] =
  "{\"indicators\": ["
  " {\"id\": \"sealed\", \"kind\": \"area_share\", \"layer\": \"landcover\","
  "  \"where\": \"class = 'sealed'\", \"scale\": 100},"
  " {\"id\": \"sealed_m2\", \"kind\": \"area_share\", \"layer\": \"landcover\","
  "  \"where\": \"class = 'sealed'\", \"absolute\": true},"
  " {\"id\": \"buildings\", \"kind\": \"count\", \"layer\": \"buildings\"},"
  " {\"id\": \"residents\", \"kind\": \"sum\", \"layer\": \"buildings\", \"field\": \"residents\"},"
  " {\"id\": \"homes\", \"kind\": \"count\", \"layer\": \"buildings\", \"where\": \"use = 'home'\"},"
  " {\"id\": \"mean_res\", \"kind\": \"mean\", \"layer\": \"buildings\", \"field\": \"residents\"},"
  " {\"id\": \"res_weighted\", \"kind\": \"sum\", \"layer\": \"buildings\", \"field\": \"residents\","
  "  \"assign\": \"area_weighted\"},"
  " {\"id\": \"trees\", \"kind\": \"count\", \"layer\": \"trees\"},"
  " {\"id\": \"density\", \"kind\": \"ratio\", \"numerator\": \"residents\","
  "  \"denominator\": \"area_km2\"},"
  " {\"id\": \"trees_per_res\", \"kind\": \"ratio\", \"numerator\": \"trees\","
  "  \"denominator\": \"residents\", \"factor\": 1000},"
  " {\"id\": \"green_access\", \"kind\": \"within_distance_share\", \"layer\": \"parks\","
  "  \"min_area\": 100, \"distance\": 50, \"population_layer\": \"buildings\","
  "  \"field\": \"residents\", \"scale\": 100},"
  " {\"id\": \"runoff\", \"kind\": \"runoff\", \"layer\": \"landcover\", \"class_field\": \"class\","
  "  \"rain_mm\": 50, \"coefficients\": {\"sealed\": 0.9, \"green\": 0.1}},"
  " {\"id\": \"flooded_res\", \"kind\": \"exposure\", \"layer\": \"buildings\","
  "  \"field\": \"residents\", \"hazard_layer\": \"flood\", \"where\": \"depth >= 0.3\"},"
  " {\"id\": \"flooded_bld\", \"kind\": \"exposure\", \"layer\": \"buildings\","
  "  \"hazard_layer\": \"flood\"},"
  " {\"id\": \"index\", \"kind\": \"composite\", \"components\": ["
  "   {\"id\": \"sealed\", \"weight\": 1}, {\"id\": \"trees\", \"weight\": 1, \"invert\": true}]},"
  " {\"id\": \"stat\", \"kind\": \"sum\", \"layer\": \"districts\", \"field\": \"residents_stat\"},"
  " {\"id\": \"pop\", \"kind\": \"series\", \"prefix\": \"pop_\", \"from\": 2015, \"to\": 2017,"
  "  \"forecast_from\": 2017},"
  " {\"id\": \"missing_layer\", \"kind\": \"count\", \"layer\": \"schools\"},"
  " {\"id\": \"missing_field\", \"kind\": \"sum\", \"layer\": \"buildings\", \"field\": \"floors\"}"
  "]}";

static QrtIndicatorTable *
evaluate_fixture (const char *json,
                  guint       threads,
                  GError    **error)
{
  g_autofree char *path = make_fixture ();
  g_autoptr(QrtProject) project = qrt_project_open (path, NULL, error);
  g_autoptr(QrtIndicatorSet) set = NULL;
  g_autoptr(QrtZonalInput) input = NULL;
  QrtIndicatorTable *table;

  g_assert_nonnull (project);
  set = qrt_indicator_set_load_data (json, -1, error);
  g_assert_nonnull (set);
  input = qrt_zonal_input_from_project (project, "districts", NULL, "name");
  table = qrt_zonal_evaluate (input, set, threads, NULL, error);
  g_unlink (path);
  return table;
}

static double
value (QrtIndicatorTable *table,
       const char        *id,
       guint              district)
{
  int j = qrt_indicator_table_find_indicator (table, id);

  g_assert_cmpint (j, >=, 0);
  return qrt_indicator_table_get_value (table, (guint) j, district);
}

static void
test_kinds (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtIndicatorTable) table = evaluate_fixture (definitions, 0, &error);
  enum { A, B, C };

  g_assert_no_error (error);
  g_assert_cmpuint (qrt_indicator_table_get_n_districts (table), ==, 3);
  g_assert_cmpstr (qrt_indicator_table_get_district_name (table, B), ==, "B");

  /* The sealed strip is 2500 m² in A and in B: a quarter of each. */
  g_assert_cmpfloat_with_epsilon (value (table, "sealed", A), 25, 1e-9);
  g_assert_cmpfloat_with_epsilon (value (table, "sealed", B), 25, 1e-9);
  g_assert_cmpfloat_with_epsilon (value (table, "sealed", C), 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (value (table, "sealed_m2", A), 2500, 1e-6);

  /* By centroid: a1, a2 in A; b1 and the straddling s (centroid x = 105) in B. */
  g_assert_cmpfloat (value (table, "buildings", A), ==, 2);
  g_assert_cmpfloat (value (table, "buildings", B), ==, 2);
  g_assert_cmpfloat (value (table, "residents", A), ==, 30);
  g_assert_cmpfloat (value (table, "residents", B), ==, 35);
  g_assert_cmpfloat (value (table, "homes", B), ==, 1);
  g_assert_cmpfloat_with_epsilon (value (table, "mean_res", A), 15, 1e-12);
  g_assert_true (isnan (value (table, "mean_res", C)));

  /* Area-weighted: s lies one third in A. */
  g_assert_cmpfloat_with_epsilon (value (table, "res_weighted", A), 30 + 10, 1e-9);
  g_assert_cmpfloat_with_epsilon (value (table, "res_weighted", B), 5 + 20, 1e-9);

  /* The tree on the A|B border counts in neither (contains, not intersects). */
  g_assert_cmpfloat (value (table, "trees", A), ==, 1);
  g_assert_cmpfloat (value (table, "trees", B), ==, 1);

  /* 30 residents on 0.01 km²; per resident in C, where nobody lives: no value, not inf. */
  g_assert_cmpfloat_with_epsilon (value (table, "density", A), 3000, 1e-6);
  g_assert_cmpfloat (value (table, "density", C), ==, 0);
  g_assert_true (isnan (value (table, "trees_per_res", C)));
  g_assert_cmpfloat_with_epsilon (value (table, "trees_per_res", B), 1000.0 / 35, 1e-9);

  /* Within 50 m of the 900 m² park ([10,40]×[60,90]): a1 (15,15) is 45 m below it, a2
   * (65,15) is 52 m away; the 4 m² park is too small. A: 10 of 30 residents; B: none. */
  g_assert_cmpfloat_with_epsilon (value (table, "green_access", A), 100.0 / 3, 1e-9);
  g_assert_cmpfloat_with_epsilon (value (table, "green_access", B), 0, 1e-9);

  /* Runoff in A: 2500 m² sealed × 0.9 + 900 m² green × 0.1, times 50 mm. */
  g_assert_cmpfloat_with_epsilon (value (table, "runoff", A), (2500 * 0.9 + 900 * 0.1) * 0.05,
                                  1e-6);

  /* Flood deeper than 0.3 m covers y < 16 in A: a1 and a2 (centroids at y = 15). */
  g_assert_cmpfloat (value (table, "flooded_res", A), ==, 30);
  g_assert_cmpfloat (value (table, "flooded_res", B), ==, 0);
  /* Any depth: B is all flood zone. */
  g_assert_cmpfloat (value (table, "flooded_bld", B), ==, 2);

  /* Composite: sealed (25, 25, 0 → 1, 1, 0) and inverted trees (1, 1, 0 → 0, 0, 1). */
  g_assert_cmpfloat_with_epsilon (value (table, "index", A), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (value (table, "index", C), 0.5, 1e-12);

  /* The district's own attribute, and the series. */
  g_assert_cmpfloat (value (table, "stat", B), ==, 35);
  g_assert_cmpuint (qrt_indicator_table_get_n_years (table, 16), ==, 3);
  g_assert_cmpint (qrt_indicator_table_get_year (table, 16, 2), ==, 2017);
  g_assert_cmpfloat (qrt_indicator_table_get_series_value (table, 16, C, 1), ==, 301);
  /* The value shown is the last year before the forecast. */
  g_assert_cmpfloat (value (table, "pop", A), ==, 101);

  /* Missing layer and field: no values, a reason, and the rest computed. */
  g_assert_nonnull (strstr (qrt_indicator_table_get_unavailable (table, 17), "schools"));
  g_assert_nonnull (strstr (qrt_indicator_table_get_unavailable (table, 18), "floors"));
  g_assert_true (isnan (value (table, "missing_field", A)));
  g_assert_null (qrt_indicator_table_get_unavailable (table, 0));
}

static void
test_cache (void)
{
  g_autofree char *path = make_fixture ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = qrt_project_open (path, NULL, &error);
  g_autoptr(QrtIndicatorSet) set = qrt_indicator_set_load_data (definitions, -1, &error);
  g_autoptr(QrtZonalInput) first_input = qrt_zonal_input_from_project (project, NULL, NULL, NULL);
  g_autoptr(QrtZonalInput) second_input = qrt_zonal_input_from_project (project, NULL, NULL, NULL);
  g_autoptr(QrtIndicatorTable) first = NULL;
  g_autoptr(QrtIndicatorTable) second = NULL;
  guint hits;

  g_assert_no_error (error);
  first = qrt_zonal_evaluate (first_input, set, 0, NULL, &error);
  hits = qrt_zonal_get_cache_hits ();
  /* The same layers and definitions again: the primitive indicators come from the cache,
   * with the same values. */
  second = qrt_zonal_evaluate (second_input, set, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (qrt_zonal_get_cache_hits () - hits, >=, 10);
  for (guint j = 0; j < qrt_indicator_table_get_n_indicators (first); j++)
    for (guint i = 0; i < 3; i++)
      {
        double a = qrt_indicator_table_get_value (first, j, i);
        double b = qrt_indicator_table_get_value (second, j, i);

        g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
      }
  g_unlink (path);
}

static void
test_threads_identical (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtIndicatorTable) one = evaluate_fixture (definitions, 1, &error);
  g_autoptr(QrtIndicatorTable) many = evaluate_fixture (definitions, 3, &error);

  for (guint j = 0; j < qrt_indicator_table_get_n_indicators (one); j++)
    for (guint i = 0; i < 3; i++)
      {
        double a = qrt_indicator_table_get_value (one, j, i);
        double b = qrt_indicator_table_get_value (many, j, i);

        g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
      }
}

static void
test_where_refused (void)
{
  const char *attempts[] = {
    "class = 'x'); DELETE FROM landcover; --",
    "class = 'x'); ATTACH DATABASE '/tmp/other.db' AS o; --",
    "class IN (SELECT load_extension('/tmp/evil'))",
  };

  for (guint k = 0; k < G_N_ELEMENTS (attempts); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped = g_strescape (attempts[k], NULL);
      g_autofree char *json = g_strdup_printf ("{\"indicators\": [{\"id\": \"bad\", \"kind\":"
                                               " \"area_share\", \"layer\": \"landcover\","
                                               " \"where\": \"%s\"}]}", escaped);
      QrtIndicatorTable *table = evaluate_fixture (json, 0, &error);

      g_assert_null (table);
      g_assert_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_REFUSED);
      g_assert_nonnull (strstr (error->message, "bad"));
    }
}

static void
test_bad_definitions (void)
{
  const struct { const char *json; const char *expect; } cases[] = {
    { "{\"indicators\": [", NULL },
    { "{\"indicators\": [{\"id\": \"x\", \"kind\": \"magic\"}]}", "x" },
    { "{\"indicators\": [{\"id\": \"y\", \"kind\": \"sum\", \"layer\": \"b\"}]}", "field" },
    { "{\"indicators\": [{\"id\": \"r\", \"kind\": \"ratio\", \"numerator\": \"q\","
      " \"denominator\": \"area_km2\"}]}", "q" },
    { "{\"indicators\": [{\"id\": \"d\", \"kind\": \"count\", \"layer\": \"b\"},"
      " {\"id\": \"d\", \"kind\": \"count\", \"layer\": \"b\"}]}", "d" },
    { "{\"nothing\": 1}", NULL },
  };
  GString *deep = g_string_new ("{\"indicators\": ");

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(GError) error = NULL;
      QrtIndicatorSet *set = qrt_indicator_set_load_data (cases[k].json, -1, &error);

      g_assert_null (set);
      g_assert_nonnull (error);
      g_assert_true (error->domain == QRT_INDICATOR_ERROR);
      if (cases[k].expect)
        g_assert_nonnull (strstr (error->message, cases[k].expect));
    }

  /* 100,000 levels of nesting are refused before json-glib sees them. */
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (qrt_indicator_set_load_data (deep->str, (gssize) deep->len, &error));
    g_assert_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_SYNTAX);
  }
  g_string_free (deep, TRUE);
}

static void
test_default_pack (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = qrt_indicator_default_path ();
  g_autoptr(QrtIndicatorSet) set = qrt_indicator_set_load_file (path, &error);
  const char *expected[] = { "residents", "density", "sealed_share", "green_per_resident",
                             "green_access", "trees_per_1000", "share_65plus",
                             "heat_vulnerability", "residents_hq100", "buildings_heavy_rain",
                             "runoff_50mm", "dwellings", "daycare_per_child", "population" };

  g_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (expected); k++)
    g_assert_nonnull (qrt_indicator_set_find (set, expected[k]));
  g_assert_cmpfloat (qrt_indicator_set_find (set, "green_per_resident")->reference, ==, 6);
}

static void
test_demo_pack (void)
{
  g_autofree char *path = g_build_filename (work_dir, "demo.gpkg", NULL);
  g_autofree char *pack = qrt_indicator_default_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtIndicatorSet) set = NULL;
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(QrtZonalInput) input = NULL;
  g_autoptr(QrtIndicatorTable) table = NULL;

  g_assert_true (qrt_demo_write (path, 3, NULL, NULL, NULL, &error));
  set = qrt_indicator_set_load_file (pack, &error);
  project = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  input = qrt_zonal_input_from_project (project, NULL, "district_id", "name");
  table = qrt_zonal_evaluate (input, set, 0, NULL, &error);
  g_assert_no_error (error);

  /* Every indicator of the pack is available on the demo, with plausible values. */
  for (guint j = 0; j < qrt_indicator_table_get_n_indicators (table); j++)
    g_assert_null (qrt_indicator_table_get_unavailable (table, j));
  for (guint i = 0; i < qrt_indicator_table_get_n_districts (table); i++)
    {
      double sealed = value (table, "sealed_share", i);
      double density = value (table, "density", i);

      g_assert_cmpfloat (sealed, >=, 15);
      g_assert_cmpfloat (sealed, <=, 75);
      g_assert_cmpfloat (density, >=, 300);
      g_assert_cmpfloat (density, <=, 9000);
      /* The buildings and the district statistics agree on the base year. */
      g_assert_cmpfloat (value (table, "residents", i), ==, value (table, "population_base", i));
      g_assert_cmpfloat (value (table, "heat_vulnerability", i), >=, 0);
      g_assert_cmpfloat (value (table, "heat_vulnerability", i), <=, 1);
    }
  g_unlink (path);
}

static void
test_koeln_density (void)
{
  g_autofree char *source = NULL;
  g_autofree char *path = g_build_filename (work_dir, "koeln.gpkg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(QrtIndicatorSet) set = NULL;
  g_autoptr(QrtZonalInput) input = NULL;
  g_autoptr(QrtIndicatorTable) table = NULL;
  QrtImportResult result;
  QrtLayer *layer;
  int people, area;

  if (!qrt_test_shared_file ("realdata/koeln_stadtteile_2012.geojson", &source))
    return;

  g_assert_true (qrt_import_file (source, path, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  qrt_import_result_clear (&result);
  project = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  set = qrt_indicator_set_load_data (
    "{\"indicators\": ["
    " {\"id\": \"people\", \"kind\": \"sum\", \"layer\": \"koeln_stadtteile_2012\","
    "  \"field\": \"einwohner_2012\"},"
    " {\"id\": \"density\", \"kind\": \"ratio\", \"numerator\": \"people\","
    "  \"denominator\": \"area_km2\"}]}", -1, &error);
  g_assert_no_error (error);
  input = qrt_zonal_input_from_project (project, "koeln_stadtteile_2012", "stt_nr", "stt_name");
  table = qrt_zonal_evaluate (input, set, 0, NULL, &error);
  g_assert_no_error (error);

  /* The file's own density: einwohner_2012 / area_km2, for all 86 Stadtteile. */
  layer = qrt_project_layer_get_layer (qrt_project_find_layer (project, "koeln_stadtteile_2012"));
  people = qrt_layer_find_field (layer, "einwohner_2012");
  area = qrt_layer_find_field (layer, "area_km2");
  g_assert_cmpuint (qrt_indicator_table_get_n_districts (table), ==, 86);
  for (guint i = 0; i < 86; i++)
    {
      guint f = qrt_indicator_table_get_district_feature (table, i);
      double expected = qrt_layer_get_real (layer, people, f) / qrt_layer_get_real (layer, area, f);
      double got = qrt_indicator_table_get_value (table, 1, i);

      g_assert_cmpfloat (fabs (got - expected) / expected, <, 0.005);
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  work_dir = g_dir_make_tmp ("quartier-zonal-XXXXXX", NULL);
  qrt_core_init ();

  g_test_add_func ("/zonal/kinds", test_kinds);
  g_test_add_func ("/zonal/threads-identical", test_threads_identical);
  g_test_add_func ("/zonal/cache", test_cache);
  g_test_add_func ("/zonal/where-refused", test_where_refused);
  g_test_add_func ("/zonal/bad-definitions", test_bad_definitions);
  g_test_add_func ("/zonal/default-pack", test_default_pack);
  g_test_add_func ("/zonal/demo-pack", test_demo_pack);
  g_test_add_func ("/zonal/koeln-density", test_koeln_density);

  status = g_test_run ();
  qrt_test_remove_tree (work_dir);
  g_free (work_dir);
  return status;
}
