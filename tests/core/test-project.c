/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <glib/gstdio.h>
#include <string.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "qrt-core.h"
#include "qrt-test-util.h"

static char *work_dir;

/* A small project written with GDAL the way Quartier writes them: two map layers in different
 * CRSs, Quartier's tables with titles, positions and a style. */
static char *
write_project (gboolean with_layers)
{
  g_autofree char *path = g_build_filename (work_dir, with_layers ? "p.gpkg" : "empty.gpkg",
                                            NULL);
  GDALDriverH driver = GDALGetDriverByName ("GPKG");
  GDALDatasetH ds = GDALCreate (driver, path, 0, 0, 0, GDT_Unknown, NULL);
  OGRSpatialReferenceH utm = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH wgs = OSRNewSpatialReference (NULL);
  QrtStyle style;
  QrtLayerSource source = { 0 };

  g_assert_nonnull (ds);
  OSRImportFromEPSG (utm, 25832);
  OSRImportFromEPSG (wgs, 4326);
  g_assert_cmpint (GDALDatasetStartTransaction (ds, FALSE), ==, OGRERR_NONE);

  if (with_layers)
    {
      OGRLayerH zones = GDALDatasetCreateLayer (ds, "zones", utm, wkbPolygon, NULL);
      OGRLayerH places = GDALDatasetCreateLayer (ds, "places", wgs, wkbPoint, NULL);
      OGRFieldDefnH name = OGR_Fld_Create ("name", OFTString);
      OGRFieldDefnH pop = OGR_Fld_Create ("pop", OFTInteger64);
      OGRFeatureH f;
      OGRGeometryH g = NULL;
      char wkt_text[] = "POLYGON ((433000 5694000,434000 5694000,434000 5695000,433000 5695000,"
                        "433000 5694000))";
      char pt_text[] = "POINT (8.05 51.40)";
      char *wkt = wkt_text;
      char *pt = pt_text;

      OGR_L_CreateField (zones, name, TRUE);
      OGR_L_CreateField (zones, pop, TRUE);
      f = OGR_F_Create (OGR_L_GetLayerDefn (zones));
      OGR_G_CreateFromWkt (&wkt, utm, &g);
      OGR_F_SetGeometryDirectly (f, g);
      OGR_F_SetFieldString (f, 0, "Mühlenberg");
      OGR_F_SetFieldInteger64 (f, 1, 1234);
      g_assert_cmpint (OGR_L_CreateFeature (zones, f), ==, OGRERR_NONE);
      OGR_F_Destroy (f);

      /* GeoPackage stores longitude first, whatever the CRS's axis order. */
      f = OGR_F_Create (OGR_L_GetLayerDefn (places));
      g = NULL;
      OGR_G_CreateFromWkt (&pt, wgs, &g);
      OGR_F_SetGeometryDirectly (f, g);
      g_assert_cmpint (OGR_L_CreateFeature (places, f), ==, OGRERR_NONE);
      OGR_F_Destroy (f);
      OGR_Fld_Destroy (name);
      OGR_Fld_Destroy (pop);
    }

  g_assert_true (qrt_project_schema_create (ds, NULL));
  g_assert_true (qrt_project_schema_set_metadata (ds, "title", "Testprojekt", NULL));
  g_assert_true (qrt_project_schema_set_metadata (ds, "crs", "EPSG:25832", NULL));
  /* Setting a key twice replaces it. */
  g_assert_true (qrt_project_schema_set_metadata (ds, "title", "Teststadt", NULL));
  if (with_layers)
    {
      /* Positions put the points below the polygons, against the default order. */
      source.layer_name = "places";
      source.title = "Orte";
      source.position = 0;
      source.licence = "dl-de/by-2-0";
      g_assert_true (qrt_project_schema_add_source (ds, &source, NULL));
      source.layer_name = "zones";
      source.title = "Bezirke";
      source.position = 1;
      source.licence = "CC0-1.0";
      g_assert_true (qrt_project_schema_add_source (ds, &source, NULL));
      qrt_style_init_default (&style, QRT_GEOMETRY_POLYGON, 0);
      g_assert_true (qrt_color_parse (&style.fill, "#123456"));
      style.min_zoom = 12;
      g_assert_true (qrt_project_schema_set_style (ds, "zones", &style, NULL));
    }

  g_assert_cmpint (GDALDatasetCommitTransaction (ds), ==, OGRERR_NONE);
  GDALClose (ds);
  OSRDestroySpatialReference (utm);
  OSRDestroySpatialReference (wgs);
  return g_steal_pointer (&path);
}

static void
test_open (void)
{
  g_autofree char *path = write_project (TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = qrt_project_open (path, NULL, &error);
  g_autoptr(QrtProjectLayer) first = NULL;
  g_autoptr(QrtProjectLayer) second = NULL;
  QrtProjectLayer *zones;
  QrtLayer *places;
  const double *xy;
  QrtBBox extent;
  QrtColor expected;

  g_assert_no_error (error);
  g_assert_cmpstr (qrt_project_get_title (project), ==, "Teststadt");
  g_assert_cmpint (qrt_project_get_epsg (project), ==, 25832);
  g_assert_false (qrt_project_get_synthetic (project));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), ==, 2);

  first = g_list_model_get_item (G_LIST_MODEL (project), 0);
  second = g_list_model_get_item (G_LIST_MODEL (project), 1);
  g_assert_cmpstr (qrt_project_layer_get_name (first), ==, "places");
  g_assert_cmpstr (qrt_project_layer_get_title (first), ==, "Orte");
  g_assert_cmpstr (qrt_project_layer_get_licence (first), ==, "dl-de/by-2-0");
  g_assert_cmpstr (qrt_project_layer_get_name (second), ==, "zones");

  zones = qrt_project_find_layer (project, "zones");
  g_assert_true (zones == second);
  qrt_color_parse (&expected, "#123456");
  g_assert_cmpfloat_with_epsilon (qrt_project_layer_get_style (zones)->fill.blue, expected.blue, 1e-9);
  g_assert_cmpint (qrt_project_layer_get_style (zones)->min_zoom, ==, 12);
  g_assert_cmpstr (qrt_layer_get_string (qrt_project_layer_get_layer (zones), 0, 0), ==, "Mühlenberg");
  g_assert_cmpint (qrt_layer_get_int (qrt_project_layer_get_layer (zones), 1, 0), ==, 1234);
  /* The GeoPackage fid (1 for the first row), not the position. */
  g_assert_cmpint (qrt_layer_get_fid (qrt_project_layer_get_layer (zones), 0), ==, 1);

  /* The WGS 84 point arrives in the analysis CRS, EPSG:25832. */
  places = qrt_project_layer_get_layer (first);
  xy = qrt_layer_get_coords (places, NULL);
  g_assert_cmpfloat_with_epsilon (xy[0], 433914.35, 0.05);
  g_assert_cmpfloat_with_epsilon (xy[1], 5694736.12, 0.05);

  qrt_project_get_extent (project, QRT_COORDS_ANALYSIS, &extent);
  g_assert_cmpfloat_with_epsilon (extent.min_x, 433000, 1e-6);
  g_assert_cmpfloat_with_epsilon (extent.max_y, 5695000, 1e-6);

  qrt_project_layer_set_visible (zones, FALSE);
  {
    g_autoptr(QrtTileRender) renderer = qrt_project_create_renderer (project);

    g_assert_cmpuint (qrt_tile_render_get_n_layers (renderer), ==, 2);
  }
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  QrtProject **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = qrt_project_open_finish (result, &error);
  g_assert_no_error (error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out waiting for the project to open");
  return G_SOURCE_REMOVE;
}

static void
test_open_async (void)
{
  g_autofree char *path = write_project (TRUE);
  QrtProject *project = NULL;
  guint timeout = g_timeout_add_seconds (30, timeout_cb, NULL);

  qrt_project_open_async (path, NULL, open_cb, &project);
  while (project == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), ==, 2);
  g_object_unref (project);
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (qrt_project_save_finish (QRT_PROJECT (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_save (void)
{
  g_autofree char *path = write_project (TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = qrt_project_open (path, NULL, &error);
  g_autoptr(QrtProject) again = NULL;
  g_autoptr(QrtProjectLayer) top = NULL;
  QrtProjectLayer *zones = qrt_project_find_layer (project, "zones");
  QrtStyle style = *qrt_project_layer_get_style (zones);
  gboolean done = FALSE;
  guint timeout = g_timeout_add_seconds (30, timeout_cb, NULL);

  g_assert_no_error (error);
  /* Points on top again, a new title, a graduated style, half opacity. */
  qrt_project_move_layer (project, 1, 0);
  qrt_project_layer_set_title (zones, "Stadtbezirke");
  g_assert_true (qrt_style_make_graduated (&style, qrt_project_layer_get_layer (zones), "pop",
                                           QRT_CLASSIFY_EQUAL_INTERVAL, 3, NULL,
                                           QRT_RAMP_SEQUENTIAL, NULL));
  qrt_project_layer_set_style (zones, &style);
  qrt_project_layer_set_opacity (zones, 0.5);
  qrt_project_save_async (project, NULL, save_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  again = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  top = g_list_model_get_item (G_LIST_MODEL (again), 1);
  g_assert_cmpstr (qrt_project_layer_get_name (top), ==, "places");
  zones = qrt_project_find_layer (again, "zones");
  g_assert_cmpstr (qrt_project_layer_get_title (zones), ==, "Stadtbezirke");
  g_assert_cmpint (qrt_project_layer_get_style (zones)->mode, ==, QRT_STYLE_GRADUATED);
  g_assert_cmpfloat (qrt_project_layer_get_style (zones)->opacity, ==, 0.5);
  g_assert_cmpstr (qrt_project_layer_get_licence (zones), ==, "CC0-1.0");

  /* Removing a layer drops its table. */
  qrt_project_remove_layer (again, 1);
  done = FALSE;
  qrt_project_save_async (again, NULL, save_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&project);
  project = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), ==, 1);
  g_assert_null (qrt_project_find_layer (project, "places"));
  g_source_remove (timeout);
}

static void
assert_fails_unchanged (const char      *path,
                        QrtProjectError  code)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len = 0, after_len = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  g_autofree char *name = g_path_get_basename (path);

  g_file_get_contents (path, &before, &before_len, NULL);
  project = qrt_project_open (path, NULL, &error);
  g_assert_null (project);
  g_assert_error (error, QRT_PROJECT_ERROR, (int) code);
  /* The message names the file and is one line. */
  g_assert_nonnull (strstr (error->message, name));
  g_assert_null (strchr (error->message, '\n'));
  g_file_get_contents (path, &after, &after_len, NULL);
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_bad_input (void)
{
  g_autofree char *valid = write_project (TRUE);
  g_autofree char *empty = write_project (FALSE);
  g_autofree char *missing = g_build_filename (work_dir, "missing.gpkg", NULL);
  g_autofree char *png = g_build_filename (work_dir, "picture.gpkg", NULL);
  g_autofree char *text = g_build_filename (work_dir, "notes.gpkg", NULL);
  g_autofree char *truncated = g_build_filename (work_dir, "truncated.gpkg", NULL);
  g_autofree char *plain_sqlite = g_build_filename (work_dir, "plain.sqlite", NULL);
  static const guint8 png_bytes[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                      'I', 'H', 'D', 'R' };
  g_autofree char *contents = NULL;
  g_autofree char *header = NULL;
  gsize len;

  assert_fails_unchanged (missing, QRT_PROJECT_ERROR_NOT_FOUND);

  g_assert_true (g_file_set_contents (png, (const char *) png_bytes, sizeof png_bytes, NULL));
  assert_fails_unchanged (png, QRT_PROJECT_ERROR_NOT_GEOPACKAGE);

  g_assert_true (g_file_set_contents (text, "Das ist keine GeoPackage-Datei.\n", -1, NULL));
  assert_fails_unchanged (text, QRT_PROJECT_ERROR_NOT_GEOPACKAGE);

  g_assert_true (g_file_get_contents (valid, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, len / 2, NULL));
  assert_fails_unchanged (truncated, QRT_PROJECT_ERROR_CORRUPT);

  /* An SQLite database that is not a GeoPackage (application id 0). */
  header = g_memdup2 (contents, len);
  memset (header + 68, 0, 4);
  g_assert_true (g_file_set_contents (plain_sqlite, header, len, NULL));
  assert_fails_unchanged (plain_sqlite, QRT_PROJECT_ERROR_NOT_GEOPACKAGE);

  assert_fails_unchanged (empty, QRT_PROJECT_ERROR_NO_LAYERS);
}

static void
test_cancelled (void)
{
  g_autofree char *path = write_project (TRUE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;

  g_cancellable_cancel (cancellable);
  project = qrt_project_open (path, cancellable, &error);
  g_assert_null (project);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Each run its own directory: test programs run in parallel with each other. */
  work_dir = g_dir_make_tmp ("quartier-test-XXXXXX", NULL);
  g_assert_nonnull (work_dir);
  qrt_core_init ();

  g_test_add_func ("/project/open", test_open);
  g_test_add_func ("/project/open-async", test_open_async);
  g_test_add_func ("/project/save", test_save);
  g_test_add_func ("/project/bad-input", test_bad_input);
  g_test_add_func ("/project/cancelled", test_cancelled);

  status = g_test_run ();
  qrt_test_remove_tree (work_dir);
  g_free (work_dir);
  return status;
}
