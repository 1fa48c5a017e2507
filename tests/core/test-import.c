/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <glib/gstdio.h>
#include <ogr_api.h>
#include <math.h>
#include <string.h>

#include "qrt-core.h"
#include "qrt-test-util.h"

static char *work_dir;

static char *
work_file (const char *name)
{
  return g_build_filename (work_dir, name, NULL);
}

static void
write_file (const char *name,
            const char *contents,
            gssize      len)
{
  g_autofree char *path = work_file (name);

  g_assert_true (g_file_set_contents (path, contents, len, NULL));
}

/* A project with one imported layer, to check that failures leave it exactly as it was. */
static char *
make_project (const char *name)
{
  g_autofree char *project = work_file (name);
  g_autoptr(GError) error = NULL;
  QrtImportResult result;

  write_file ("base.geojson",
              "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
              "\"properties\":{\"name\":\"A\"},\"geometry\":{\"type\":\"Point\","
              "\"coordinates\":[8.05,51.4]}}]}", -1);
  {
    g_autofree char *src = work_file ("base.geojson");

    g_assert_true (qrt_import_file (src, project, NULL, NULL, NULL, NULL, &result, &error));
  }
  g_assert_no_error (error);
  qrt_import_result_clear (&result);
  return g_steal_pointer (&project);
}

static void
assert_import_fails (const char     *source_name,
                     QrtImportError  code)
{
  g_autofree char *project = make_project ("unchanged.gpkg");
  g_autofree char *source = work_file (source_name);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *display = g_path_get_basename (source_name);
  gsize before_len, after_len;
  g_autoptr(GError) error = NULL;
  QrtImportResult result;

  g_assert_true (g_file_get_contents (project, &before, &before_len, NULL));
  g_assert_false (qrt_import_file (source, project, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_error (error, QRT_IMPORT_ERROR, (int) code);
  g_assert_null (strchr (error->message, '\n'));
  if (code != QRT_IMPORT_ERROR_BAD_CRS)
    g_assert_nonnull (strstr (error->message, display));
  g_assert_true (g_file_get_contents (project, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_assert_null (result.layer_name);
  g_unlink (project);
}

static QrtLayer *
load_layer (const char *project_path,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = qrt_project_open (project_path, NULL, &error);
  QrtProjectLayer *item;

  g_assert_no_error (error);
  item = qrt_project_find_layer (project, name);
  g_assert_nonnull (item);
  return g_object_ref (qrt_project_layer_get_layer (item));
}

static void
test_geojson_new_project (void)
{
  g_autofree char *project = work_file ("new.gpkg");
  g_autoptr(QrtLayer) layer = NULL;
  const double *xy;

  g_unlink (project);
  g_free (make_project ("new.gpkg"));
  layer = load_layer (project, "base");
  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, 1);
  xy = qrt_layer_get_coords (layer, NULL);
  g_assert_cmpfloat_with_epsilon (xy[0], 433914.35, 0.05);
  g_assert_cmpstr (qrt_layer_get_string (layer, qrt_layer_find_field (layer, "name"), 0), ==, "A");
}

static void
test_csv (void)
{
  g_autofree char *project = work_file ("csv.gpkg");
  g_autofree char *wkt = work_file ("schulen.csv");
  g_autofree char *lonlat = work_file ("kitas.csv");
  g_autoptr(GError) error = NULL;
  QrtImportOptions options = { 0 };
  QrtImportResult result;
  g_autoptr(QrtLayer) a = NULL;
  g_autoptr(QrtLayer) b = NULL;

  g_unlink (project);
  write_file ("schulen.csv", "name,plaetze,wkt\n"
              "Grundschule Am Bach,220,POINT (433900 5694700)\n"
              "Gymnasium,900,\"POINT (434100 5694900)\"\n", -1);
  write_file ("kitas.csv", "name;lon;lat\nKita Sonnenschein;8.05;51.40\nKita Regenbogen;8.06;51.41\n",
              -1);

  /* WKT without a CRS in the file: refused until the user names one. */
  g_assert_false (qrt_import_file (wkt, project, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_NO_CRS);
  g_assert_false (g_file_test (project, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  options.source_epsg = 25832;
  g_assert_true (qrt_import_file (wkt, project, &options, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, 2);
  qrt_import_result_clear (&result);

  options.source_epsg = 4326;
  g_assert_true (qrt_import_file (lonlat, project, &options, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, 2);
  qrt_import_result_clear (&result);

  a = load_layer (project, "schulen");
  b = load_layer (project, "kitas");
  g_assert_cmpfloat_with_epsilon (qrt_layer_get_coords (a, NULL)[0], 433900,
                                  1e-6);
  g_assert_cmpfloat_with_epsilon (qrt_layer_get_coords (b, NULL)[1],
                                  5694736.12, 0.05);
  g_assert_cmpint (qrt_layer_get_int (a, qrt_layer_find_field (a, "plaetze"), 1), ==, 900);
}

static void
test_repair_and_skip (void)
{
  g_autofree char *project = work_file ("repair.gpkg");
  g_autofree char *source = work_file ("bowtie.geojson");
  g_autoptr(GError) error = NULL;
  QrtImportResult result;
  g_autoptr(QrtLayer) layer = NULL;
  GEOSContextHandle_t ctx;

  g_unlink (project);
  /* A bow tie (self-intersecting), a valid square, a feature without geometry, one with a
   * huge coordinate, and one whose name is not UTF-8. */
  write_file ("bowtie.geojson",
              "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
              "{\"name\":\"urn:ogc:def:crs:EPSG::25832\"}},\"features\":["
              "{\"type\":\"Feature\",\"properties\":{\"n\":\"bow\"},\"geometry\":{\"type\":\"Polygon\","
              "\"coordinates\":[[[433000,5694000],[434000,5695000],[434000,5694000],"
              "[433000,5695000],[433000,5694000]]]}},"
              "{\"type\":\"Feature\",\"properties\":{\"n\":\"ok\"},\"geometry\":{\"type\":\"Polygon\","
              "\"coordinates\":[[[435000,5694000],[436000,5694000],[436000,5695000],"
              "[435000,5695000],[435000,5694000]]]}},"
              "{\"type\":\"Feature\",\"properties\":{\"n\":\"none\"},\"geometry\":null},"
              "{\"type\":\"Feature\",\"properties\":{\"n\":\"huge\"},\"geometry\":{\"type\":\"Polygon\","
              "\"coordinates\":[[[1e300,5694000],[436000,5694000],[436000,5695000],"
              "[1e300,5694000]]]}}]}", -1);

  g_assert_true (qrt_import_file (source, project, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, 2);
  g_assert_cmpint (result.repaired_count, ==, 1);
  g_assert_cmpint (result.empty_count, ==, 1);
  g_assert_cmpint (result.unusable_count, ==, 1);
  qrt_import_result_clear (&result);

  layer = load_layer (project, "bowtie");
  ctx = GEOS_init_r ();
  for (guint f = 0; f < qrt_layer_get_n_features (layer); f++)
    {
      GEOSGeometry *g = qrt_layer_build_geos (layer, ctx, f, QRT_COORDS_ANALYSIS);
      double area;

      g_assert_true (GEOSisValid_r (ctx, g));
      GEOSArea_r (ctx, g, &area);
      /* The bow tie becomes two triangles of a quarter square each. */
      g_assert_cmpfloat_with_epsilon (area, f == 0 ? 500000 : 1000000, 1e-3);
      GEOSGeom_destroy_r (ctx, g);
    }
  GEOS_finish_r (ctx);
}

static void
test_bad_input (void)
{
  g_autofree char *deep = NULL;
  GString *nested = g_string_new ("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
                                  "\"Feature\",\"properties\":{\"a\":");
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',
                                'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
  g_autofree char *valid = make_project ("source.gpkg");
  g_autofree char *contents = NULL;
  gsize len;

  write_file ("empty.geojson", "", 0);
  assert_import_fails ("empty.geojson", QRT_IMPORT_ERROR_UNSUPPORTED);

  write_file ("broken.geojson", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":", -1);
  assert_import_fails ("broken.geojson", QRT_IMPORT_ERROR_UNSUPPORTED);

  for (int i = 0; i < 100000; i++)
    g_string_append_c (nested, '[');
  deep = g_string_free (nested, FALSE);
  write_file ("deep.geojson", deep, -1);
  assert_import_fails ("deep.geojson", QRT_IMPORT_ERROR_UNSUPPORTED);

  write_file ("picture.geojson", (const char *) png, sizeof png);
  assert_import_fails ("picture.geojson", QRT_IMPORT_ERROR_UNSUPPORTED);

  write_file ("zero.geojson", "{\"type\":\"FeatureCollection\",\"features\":[]}", -1);
  assert_import_fails ("zero.geojson", QRT_IMPORT_ERROR_NO_LAYER);

  write_file ("nullgeom.geojson", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
              "\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
              "[NaN, 1]}}]}", -1);
  assert_import_fails ("nullgeom.geojson", QRT_IMPORT_ERROR_NO_FEATURES);

  write_file ("unknown-crs.geojson", "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
              "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::999999\"}},\"features\":[{\"type\":"
              "\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}]}",
              -1);
  assert_import_fails ("unknown-crs.geojson", QRT_IMPORT_ERROR_NO_CRS);

  g_assert_true (g_file_get_contents (valid, &contents, &len, NULL));
  write_file ("truncated.gpkg", contents, len / 2);
  assert_import_fails ("truncated.gpkg", QRT_IMPORT_ERROR_UNSUPPORTED);

  assert_import_fails ("does-not-exist.shp", QRT_IMPORT_ERROR_NOT_FOUND);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (to, contents, len, NULL));
}

static void
test_shapefile_parts (void)
{
  g_autofree char *shp = NULL;
  const char *exts[] = { "shp", "shx", "dbf", "prj" };

  if (!qrt_test_shared_file ("realdata/koeln-raw/Stadtteil.shp", &shp))
    return;

  /* Copies without their .shx and without their .dbf. */
  for (guint skip = 1; skip <= 2; skip++)
    {
      g_autofree char *name = g_strdup_printf ("part%u.shp", skip);

      for (guint i = 0; i < G_N_ELEMENTS (exts); i++)
        {
          g_autofree char *from = g_strdup_printf ("%.*s%s", (int) strlen (shp) - 3, shp, exts[i]);
          g_autofree char *base = g_strdup_printf ("part%u.%s", skip, exts[i]);
          g_autofree char *to = work_file (base);

          if (i != skip)
            copy_file (from, to);
        }
      assert_import_fails (name, QRT_IMPORT_ERROR_UNSUPPORTED);
    }
}

static void
test_koeln (void)
{
  g_autofree char *shp = NULL;
  g_autofree char *project = work_file ("koeln.gpkg");
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtLayer) layer = NULL;
  QrtImportResult result;
  GEOSContextHandle_t ctx;
  int area_field, name_field;
  gboolean saw_umlaut = FALSE;

  if (!qrt_test_shared_file ("realdata/koeln-raw/Stadtteil.shp", &shp))
    return;

  g_unlink (project);
  g_assert_true (qrt_import_file (shp, project, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, 86);
  g_assert_cmpint (result.repaired_count, ==, 1);   /* 202 Marienburg */
  qrt_import_result_clear (&result);

  layer = load_layer (project, "stadtteil");
  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, 86);
  area_field = qrt_layer_find_field (layer, "SHAPE_AREA");
  name_field = qrt_layer_find_field (layer, "STT_NAME");
  g_assert_cmpint (area_field, >=, 0);
  ctx = GEOS_init_r ();
  for (guint f = 0; f < 86; f++)
    {
      GEOSGeometry *g = qrt_layer_build_geos (layer, ctx, f, QRT_COORDS_ANALYSIS);
      double area, expected = qrt_layer_get_real (layer, area_field, f);

      GEOSArea_r (ctx, g, &area);
      g_assert_cmpfloat (fabs (area - expected) / expected, <, 0.005);
      GEOSGeom_destroy_r (ctx, g);
      saw_umlaut |= strstr (qrt_layer_get_string (layer, name_field, f), "ü") != NULL;
    }
  GEOS_finish_r (ctx);
  /* cp1252 names decoded: "Neustadt/Süd" and friends. */
  g_assert_true (saw_umlaut);
}

static void
test_not_utf8 (void)
{
  g_autofree char *project = work_file ("latin1.gpkg");
  g_autofree char *source = work_file ("latin1.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtLayer) layer = NULL;
  QrtImportOptions options = { .source_epsg = 25832 };
  QrtImportResult result;

  /* "Mühlenberg" and "Süd" in Windows-1252, as old statistics exports are. */
  write_file ("latin1.csv", "name,wkt\nM\xfchlenberg,POINT (433000 5694000)\n"
              "S\xfc" "d,POINT (433100 5694000)\nNord,POINT (433200 5694000)\n", -1);
  g_unlink (project);
  g_assert_true (qrt_import_file (source, project, &options, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.recoded_count, ==, 2);
  qrt_import_result_clear (&result);

  layer = load_layer (project, "latin1");
  g_assert_cmpstr (qrt_layer_get_string (layer, qrt_layer_find_field (layer, "name"), 0), ==,
                   "Mühlenberg");
  g_assert_cmpstr (qrt_layer_get_string (layer, qrt_layer_find_field (layer, "name"), 2), ==,
                   "Nord");
}

static void
test_zipped_shapefile (void)
{
  g_autofree char *shp = NULL;
  g_autofree char *zip = work_file ("stadtteile.zip");
  g_autofree char *project = work_file ("zip.gpkg");
  g_autofree char *stem = NULL;
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;
  QrtImportResult result;
  int status = -1;
  const char *argv[] = { "/usr/bin/python3", "-c", NULL, NULL };

  if (!qrt_test_shared_file ("realdata/koeln-raw/Stadtteil.shp", &shp))
    return;
  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("/usr/bin/python3 is needed to build the zip");
      return;
    }

  /* A zip as open-data portals hand them out: the shapefile's parts in a folder inside. */
  stem = g_strndup (shp, strlen (shp) - 4);
  script = g_strdup_printf ("import zipfile\n"
                            "z = zipfile.ZipFile('%s', 'w')\n"
                            "for e in ('shp', 'shx', 'dbf', 'prj'):\n"
                            "    z.write('%s.' + e, 'stadtteile/Stadtteil.' + e)\n", zip, stem);
  argv[2] = script;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, NULL));
  g_assert_cmpint (status, ==, 0);

  g_unlink (project);
  g_assert_true (qrt_import_file (zip, project, NULL, NULL, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, 86);
  qrt_import_result_clear (&result);
}

static void
cancel_at_half (double   fraction,
                gpointer user_data)
{
  if (fraction >= 0.5)
    g_cancellable_cancel (user_data);
}

static void
test_cancel_keeps_project (void)
{
  g_autofree char *project = make_project ("cancel.gpkg");
  g_autofree char *source = work_file ("many.geojson");
  g_autoptr(GString) json = g_string_new ("{\"type\":\"FeatureCollection\",\"features\":[");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;
  QrtImportResult result;

  for (int i = 0; i < 20000; i++)
    g_string_append_printf (json, "%s{\"type\":\"Feature\",\"properties\":{\"i\":%d},\"geometry\":"
                            "{\"type\":\"Point\",\"coordinates\":[8.%05d,51.4]}}",
                            i ? "," : "", i, i);
  g_string_append (json, "]}");
  g_assert_true (g_file_set_contents (source, json->str, json->len, NULL));

  g_assert_true (g_file_get_contents (project, &before, &before_len, NULL));
  g_assert_false (qrt_import_file (source, project, NULL, cancel_at_half, cancellable, cancellable,
                                   &result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_file_get_contents (project, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
}

typedef struct
{
  GThread        *main_thread;
  guint           progress_calls;
  gboolean        done;
  QrtImportResult result;
} AsyncImport;

static void
async_progress (double   fraction,
                gpointer user_data)
{
  AsyncImport *state = user_data;

  /* Progress arrives in the caller's thread, where widgets may be touched. */
  g_assert_true (g_thread_self () == state->main_thread);
  g_assert_cmpfloat (fraction, >=, 0);
  g_assert_cmpfloat (fraction, <=, 1);
  state->progress_calls++;
}

static void
async_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncImport *state = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (qrt_import_file_finish (result, &state->result, &error));
  g_assert_no_error (error);
  state->done = TRUE;
}

static void
test_async (void)
{
  g_autofree char *project = work_file ("async.gpkg");
  g_autofree char *source = work_file ("points.geojson");
  g_autoptr(GString) json = g_string_new ("{\"type\":\"FeatureCollection\",\"features\":[");
  AsyncImport state = { g_thread_self () };
  QrtImportOptions options = { .licence = "dl-de/by-2-0" };

  for (int i = 0; i < 3000; i++)
    g_string_append_printf (json, "%s{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                            "{\"type\":\"Point\",\"coordinates\":[8.%04d,51.4]}}",
                            i ? "," : "", i);
  g_string_append (json, "]}");
  g_assert_true (g_file_set_contents (source, json->str, json->len, NULL));

  qrt_import_file_async (source, project, &options, async_progress, &state, NULL, async_done,
                         &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  /* Progress events still queued when the task finished are delivered too. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);

  g_assert_cmpint (state.result.feature_count, ==, 3000);
  g_assert_cmpstr (state.result.layer_name, ==, "points");
  g_assert_cmpuint (state.progress_calls, >=, 2);
  qrt_import_result_clear (&state.result);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  work_dir = g_dir_make_tmp ("quartier-import-XXXXXX", NULL);
  qrt_core_init ();

  g_test_add_func ("/import/geojson-new-project", test_geojson_new_project);
  g_test_add_func ("/import/csv", test_csv);
  g_test_add_func ("/import/repair-and-skip", test_repair_and_skip);
  g_test_add_func ("/import/bad-input", test_bad_input);
  g_test_add_func ("/import/shapefile-parts", test_shapefile_parts);
  g_test_add_func ("/import/koeln", test_koeln);
  g_test_add_func ("/import/not-utf8", test_not_utf8);
  g_test_add_func ("/import/zipped-shapefile", test_zipped_shapefile);
  g_test_add_func ("/import/cancel-keeps-project", test_cancel_keeps_project);
  g_test_add_func ("/import/async", test_async);

  status = g_test_run ();
  qrt_test_remove_tree (work_dir);
  g_free (work_dir);
  return status;
}
