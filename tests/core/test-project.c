/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <glib/gstdio.h>
#include <string.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>

#include "qrt-core.h"
#include "project/qrt-gpkg-read.h"
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

typedef struct
{
  GCancellable *cancellable;
  guint         ms;
} CancelLater;

static gpointer
cancel_later (gpointer data)
{
  CancelLater *later = data;

  g_usleep (later->ms * 1000);
  g_cancellable_cancel (later->cancellable);
  return NULL;
}

/* A layer large enough for the threaded reader (workers reading ranges side by side, sealing
 * chunks and making the display copy as they go): 42,000 squares in WGS 84, with every fifth
 * feature deleted (ids with gaps), three kinds of land use (and none in every seventh), and
 * integers beyond 32 bits in a few rows, the first of them after thousands that fit.
 * @stale: the extent the GeoPackage declares covers only a corner, so the workers meet points
 * outside it and finish() must make the display copy itself. */
static void
test_large_layer (gconstpointer data)
{
  gboolean stale = GPOINTER_TO_INT (data);
  g_autofree char *path = g_build_filename (work_dir, stale ? "stale.gpkg" : "large.gpkg", NULL);
  GDALDatasetH ds = GDALCreate (GDALGetDriverByName ("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
  OGRSpatialReferenceH wgs = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH utm = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH merc = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH to_utm, to_merc;
  const char *uses[] = { "Wohnen", "Gewerbe", "Grün" };
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  const guint n = 42000;
  QrtLayer *layer;
  OGRLayerH blocks;
  guint kept = 0;

  OSRImportFromEPSG (wgs, 4326);
  OSRImportFromEPSG (utm, 25832);
  OSRImportFromEPSG (merc, 3857);
  OSRSetAxisMappingStrategy (wgs, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy (utm, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy (merc, OAMS_TRADITIONAL_GIS_ORDER);
  blocks = GDALDatasetCreateLayer (ds, "blocks", wgs, wkbPolygon, NULL);
  for (guint i = 0; i < 2; i++)
    {
      OGRFieldDefnH field = OGR_Fld_Create (i == 0 ? "use" : "big", i == 0 ? OFTString : OFTInteger64);

      OGR_L_CreateField (blocks, field, TRUE);
      OGR_Fld_Destroy (field);
    }
  GDALDatasetStartTransaction (ds, FALSE);
  for (guint i = 0; i < n; i++)
    {
      OGRFeatureH f = OGR_F_Create (OGR_L_GetLayerDefn (blocks));
      OGRGeometryH ring = OGR_G_CreateGeometry (wkbLinearRing);
      OGRGeometryH polygon = OGR_G_CreateGeometry (wkbPolygon);
      double x = 7.9 + (i % 200) * 0.0015, y = 51.3 + (i / 200) * 0.001;
      /* About 20 m across, like a house; every thousandth 500 m, over several grid cells. */
      double size = i % 1000 == 1 ? 25 : 1;

      OGR_G_AddPoint_2D (ring, x, y);
      OGR_G_AddPoint_2D (ring, x + 0.0003 * size, y);
      OGR_G_AddPoint_2D (ring, x + 0.0003 * size, y + 0.0002 * size);
      OGR_G_AddPoint_2D (ring, x, y + 0.0002 * size);
      OGR_G_AddPoint_2D (ring, x, y);
      OGR_G_AddGeometryDirectly (polygon, ring);
      OGR_F_SetGeometryDirectly (f, polygon);
      if (i % 7 != 6)
        OGR_F_SetFieldString (f, 0, uses[i % 3]);
      OGR_F_SetFieldInteger64 (f, 1, i % 1000 == 3 ? (GIntBig) i << 33 : (GIntBig) i);
      g_assert_cmpint (OGR_L_CreateFeature (blocks, f), ==, OGRERR_NONE);
      OGR_F_Destroy (f);
    }
  for (guint i = 0; i < n; i += 5)
    g_assert_cmpint (OGR_L_DeleteFeature (blocks, i + 1), ==, OGRERR_NONE);
  GDALDatasetCommitTransaction (ds);
  GDALClose (ds);
  if (stale)
    {
      ds = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
      GDALDatasetReleaseResultSet (ds, GDALDatasetExecuteSQL (ds,
        "UPDATE gpkg_contents SET max_x = min_x + 0.01, max_y = min_y + 0.01 "
        "WHERE table_name = 'blocks'", NULL, NULL));
      GDALClose (ds);
    }

  project = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  layer = qrt_project_layer_get_layer (qrt_project_find_layer (project, "blocks"));
  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, n - n / 5);

  to_utm = OCTNewCoordinateTransformation (wgs, utm);
  to_merc = OCTNewCoordinateTransformation (wgs, merc);
  for (guint i = 0; i < n; i++)
    {
      guint f;
      double ux, uy, mx, my, x, y;
      const double *xy = qrt_layer_get_coords (layer, NULL);
      const guint32 *rings = qrt_layer_get_ring_offsets (layer, NULL);
      QrtPoints display;
      guint32 first;

      if (i % 5 == 0)
        continue;
      f = kept++;
      g_assert_cmpint (qrt_layer_get_fid (layer, f), ==, i + 1);
      g_assert_cmpstr (qrt_layer_get_string (layer, 0, f), ==, i % 7 == 6 ? NULL : uses[i % 3]);
      g_assert_cmpint (qrt_layer_is_null (layer, 0, f), ==, i % 7 == 6);
      g_assert_cmpint (qrt_layer_get_int (layer, 1, f), ==,
                       i % 1000 == 3 ? (gint64) i << 33 : (gint64) i);
      if (f % 7 != 0 && i % 1000 != 1)
        continue;

      /* The first point of the exterior ring (the square is counter-clockwise already). */
      first = rings[qrt_layer_get_part_offsets (layer, NULL)[qrt_layer_get_feature_offsets (layer)[f]]];
      x = ux = mx = 7.9 + (i % 200) * 0.0015;
      y = uy = my = 51.3 + (i / 200) * 0.001;
      g_assert_true (OCTTransform (to_utm, 1, &ux, &uy, NULL));
      g_assert_true (OCTTransform (to_merc, 1, &mx, &my, NULL));
      g_assert_cmpfloat_with_epsilon (xy[2 * first], ux, 1e-6);
      g_assert_cmpfloat_with_epsilon (xy[2 * first + 1], uy, 1e-6);
      qrt_layer_get_points (layer, QRT_COORDS_MERCATOR, &display);
      qrt_points_get (&display, first, &x, &y);
      g_assert_cmpfloat_with_epsilon (x, mx, 0.01);
      g_assert_cmpfloat_with_epsilon (y, my, 0.01);
      /* The far corner too: the display copy of a small feature is the grid's tangent plane
       * at its first point, that of a large one the grid point by point. */
      mx = 7.9 + (i % 200) * 0.0015 + 0.0003 * (i % 1000 == 1 ? 25 : 1);
      my = 51.3 + (i / 200) * 0.001 + 0.0002 * (i % 1000 == 1 ? 25 : 1);
      g_assert_true (OCTTransform (to_merc, 1, &mx, &my, NULL));
      qrt_points_get (&display, first + 2, &x, &y);
      g_assert_cmpfloat_with_epsilon (x, mx, 0.01);
      g_assert_cmpfloat_with_epsilon (y, my, 0.01);
    }
  /* Both trees (their curve keys were made while reading) find what a scan finds. */
  for (QrtCoords c = QRT_COORDS_ANALYSIS; c <= QRT_COORDS_MERCATOR; c++)
    for (guint q = 0; q < 20; q++)
      {
        const QrtBBox *extent = qrt_layer_get_extent (layer, c);
        double w = extent->max_x - extent->min_x, h = extent->max_y - extent->min_y;
        QrtBBox query = { extent->min_x + w * q / 23.0, extent->min_y + h * q / 29.0,
                          extent->min_x + w * q / 23.0 + w / 17, extent->min_y + h * q / 29.0 + h / 13 };
        g_autoptr(GArray) hits = qrt_rtree_query (qrt_layer_get_index (layer, c), &query);
        guint expected = 0;

        for (guint f = 0; f < qrt_layer_get_n_features (layer); f++)
          {
            QrtBBox box;

            qrt_layer_get_feature_bbox (layer, c, f, &box);
            expected += qrt_bbox_intersects (&box, &query);
          }
        /* The tree may add one whose box misses by less than a float step. */
        g_assert_cmpuint (expected, >, 0);
        g_assert_cmpuint (hits->len, >=, expected);
        g_assert_cmpuint (hits->len, <=, expected + 3);
      }

  OCTDestroyCoordinateTransformation (to_utm);
  OCTDestroyCoordinateTransformation (to_merc);
  OSRDestroySpatialReference (wgs);
  OSRDestroySpatialReference (utm);
  OSRDestroySpatialReference (merc);

  /* Cancelled while the workers run, at a few moments: either too late (a whole
   * layer) or an error and no project; nothing left running, nothing leaked (the sanitizer
   * build runs this too). */
  for (guint delay = 0; delay < 40; delay += 8)
    {
      CancelLater later = { g_cancellable_new (), delay };
      g_autoptr(GError) cancel_error = NULL;
      g_autoptr(QrtProject) cancelled = NULL;
      GThread *canceller = g_thread_new ("cancel", cancel_later, &later);

      cancelled = qrt_project_open (path, later.cancellable, &cancel_error);
      g_thread_join (canceller);
      g_test_message ("cancelled after %u ms: %s", delay, cancelled ? "too late" : "stopped");
      if (cancelled == NULL)
        g_assert_error (cancel_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      else
        g_assert_cmpuint (qrt_layer_get_n_features (qrt_project_layer_get_layer (
                            qrt_project_find_layer (cancelled, "blocks"))), ==, n - n / 5);
      g_object_unref (later.cancellable);
    }
}

/*
 * 60,000 points, one deleted in the middle, and the count GeoPackage keeps left stale
 * (60,000, as the largest id: what a writer that forgot the count leaves). GDAL 3.6's own
 * GeoPackage Arrow stream hands out 60,000 features here. Either reader (the SQLite scan, or
 * GDAL's feature by feature for a table with a date column) must give each feature once, in
 * id order, with its own values.
 */
static void
test_stale_count (gconstpointer data)
{
  gboolean with_date = GPOINTER_TO_INT (data);
  g_autofree char *name = g_strdup_printf ("stale-count-%d.gpkg", with_date);
  g_autofree char *path = g_build_filename (work_dir, name, NULL);
  GDALDatasetH ds = GDALCreate (GDALGetDriverByName ("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
  OGRSpatialReferenceH utm = OSRNewSpatialReference (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  const guint n = 60000, gone = 30001;
  sqlite3 *writer = NULL;
  QrtLayer *layer;
  OGRLayerH points;
  int value_field, text_field;
  const double *coords;
  guint n_points;

  OSRImportFromEPSG (utm, 25832);
  points = GDALDatasetCreateLayer (ds, "points", utm, wkbPoint, NULL);
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "value", "label", "day" };
      OGRFieldType types[] = { OFTInteger, OFTString, OFTDate };
      OGRFieldDefnH field;

      if (i == 2 && !with_date)
        break;
      field = OGR_Fld_Create (names[i], types[i]);
      OGR_L_CreateField (points, field, TRUE);
      OGR_Fld_Destroy (field);
    }
  GDALDatasetStartTransaction (ds, FALSE);
  for (guint i = 1; i <= n; i++)
    {
      OGRFeatureH f = OGR_F_Create (OGR_L_GetLayerDefn (points));
      OGRGeometryH point = OGR_G_CreateGeometry (wkbPoint);
      g_autofree char *label = g_strdup_printf ("Punkt %u", i % 100);

      OGR_G_SetPoint_2D (point, 0, 430000 + (i % 300) * 10.0, 5700000 + (i / 300) * 10.0);
      OGR_F_SetGeometryDirectly (f, point);
      OGR_F_SetFieldInteger (f, 0, (int) i * 3);
      if (i % 11 != 0)
        OGR_F_SetFieldString (f, 1, label);
      if (with_date)
        OGR_F_SetFieldDateTime (f, 2, 2026, 1 + i % 12, 1 + i % 28, 0, 0, 0, 0);
      g_assert_cmpint (OGR_L_CreateFeature (points, f), ==, OGRERR_NONE);
      OGR_F_Destroy (f);
    }
  GDALDatasetCommitTransaction (ds);
  GDALClose (ds);
  OSRDestroySpatialReference (utm);

  g_assert_cmpint (sqlite3_open (path, &writer), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (writer,
                                 "DROP TRIGGER IF EXISTS trigger_delete_feature_count_points;"
                                 "DELETE FROM points WHERE fid = 30001;"
                                 "UPDATE gpkg_ogr_contents SET feature_count = 60000 "
                                 "WHERE table_name = 'points'", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (writer);

  project = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  layer = qrt_project_layer_get_layer (qrt_project_find_layer (project, "points"));
  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, n - 1);
  coords = qrt_layer_get_coords (layer, &n_points);
  g_assert_cmpuint (n_points, ==, n - 1);
  value_field = qrt_layer_find_field (layer, "value");
  text_field = qrt_layer_find_field (layer, "label");
  g_assert_cmpint (value_field, >=, 0);
  g_assert_cmpint (text_field, >=, 0);
  for (guint f = 0; f < n - 1; f++)
    {
      gint64 fid = qrt_layer_get_fid (layer, f);
      g_autofree char *label = g_strdup_printf ("Punkt %u", (guint) (fid % 100));

      g_assert_cmpint (fid, ==, f < gone - 1 ? f + 1 : f + 2);
      g_assert_cmpint (qrt_layer_get_int (layer, value_field, f), ==, fid * 3);
      if (fid % 11 == 0)
        g_assert_true (qrt_layer_is_null (layer, text_field, f));
      else
        g_assert_cmpstr (qrt_layer_get_string (layer, text_field, f), ==, label);
      /* One point each, in feature order. */
      g_assert_cmpfloat (coords[2 * f], ==, 430000 + (fid % 300) * 10.0);
      g_assert_cmpfloat (coords[2 * f + 1], ==, 5700000 + (fid / 300) * 10.0);
    }
}

/* The ids of a sparse table's features, 1 to @n: -7, then a thousand apart, then nearly the
 * largest SQLite allows. */
static gint64
sparse_fid (guint i,
            guint n)
{
  return i == 1 ? -7 : i == n ? G_MAXINT64 - 3 : (gint64) i * 1000;
}

/* A GeoPackage of one table "points" with @n points on a grid, written with GDAL, and an
 * integer column "value": feature i (from 1) has the value i, and the id i or, if @sparse,
 * sparse_fid(i). */
static void
write_points (const char *path,
              guint       n,
              gboolean    sparse)
{
  GDALDatasetH ds = GDALCreate (GDALGetDriverByName ("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
  OGRSpatialReferenceH utm = OSRNewSpatialReference (NULL);
  OGRLayerH points;
  OGRFieldDefnH field;

  g_assert_nonnull (ds);
  OSRImportFromEPSG (utm, 25832);
  points = GDALDatasetCreateLayer (ds, "points", utm, wkbPoint, NULL);
  field = OGR_Fld_Create ("value", OFTInteger);
  OGR_L_CreateField (points, field, TRUE);
  OGR_Fld_Destroy (field);
  GDALDatasetStartTransaction (ds, FALSE);
  for (guint i = 1; i <= n; i++)
    {
      OGRFeatureH f = OGR_F_Create (OGR_L_GetLayerDefn (points));
      OGRGeometryH point = OGR_G_CreateGeometry (wkbPoint);

      OGR_G_SetPoint_2D (point, 0, 430000 + (i % 200) * 10.0, 5700000 + (i / 200) * 10.0);
      OGR_F_SetGeometryDirectly (f, point);
      if (sparse)
        OGR_F_SetFID (f, sparse_fid (i, n));
      OGR_F_SetFieldInteger (f, 0, (int) i);
      g_assert_cmpint (OGR_L_CreateFeature (points, f), ==, OGRERR_NONE);
      OGR_F_Destroy (f);
    }
  GDALDatasetCommitTransaction (ds);
  GDALClose (ds);
  OSRDestroySpatialReference (utm);
}

/* @layer is what write_points() wrote: each of the @n points once, in id order, with its id,
 * position and value. */
static void
assert_written_points (QrtLayer *layer,
                       guint     n,
                       gboolean  sparse)
{
  const double *xy;
  guint n_points;

  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, n);
  xy = qrt_layer_get_coords (layer, &n_points);
  g_assert_cmpuint (n_points, ==, n);
  for (guint f = 0; f < n; f++)
    {
      guint i = f + 1;

      g_assert_cmpint (qrt_layer_get_fid (layer, f), ==, sparse ? sparse_fid (i, n) : i);
      g_assert_cmpint (qrt_layer_get_int (layer, 0, f), ==, i);
      g_assert_cmpfloat (xy[2 * f], ==, 430000 + (i % 200) * 10.0);
      g_assert_cmpfloat (xy[2 * f + 1], ==, 5700000 + (i / 200) * 10.0);
    }
}

/* Feature ids far apart, down to a negative one and up to nearly the largest SQLite allows:
 * read in ranges all the same, each feature once, in id order.
 * @hostile: the file also declares a count of a trillion features and an extent as wide as a
 * double goes, and has a generated column; it is read as it is all the same. */
static void
test_sparse_ids (gconstpointer data)
{
  gboolean hostile = GPOINTER_TO_INT (data);
  g_autofree char *path = g_build_filename (work_dir, hostile ? "hostile.gpkg" : "sparse.gpkg",
                                            NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  const guint n = 40000;
  QrtLayer *layer;

  write_points (path, n, TRUE);
  if (hostile)
    {
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db,
                                     "UPDATE gpkg_ogr_contents SET feature_count = 1000000000000;"
                                     "UPDATE gpkg_contents SET min_x = -1e308, max_x = 1e308;"
                                     "ALTER TABLE points ADD COLUMN twice INTEGER "
                                     "GENERATED ALWAYS AS (value * 2) VIRTUAL",
                                     NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }

  project = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  layer = qrt_project_layer_get_layer (qrt_project_find_layer (project, "points"));
  assert_written_points (layer, n, TRUE);
  g_assert_cmpint (qrt_layer_find_field (layer, "twice"), ==, hostile ? 1 : -1);
  for (guint f = 0; hostile && f < n; f++)
    g_assert_cmpint (qrt_layer_get_int (layer, 1, f), ==, 2 * (f + 1));
}

/* The same table read by one to four reader threads, whatever the machine's cores: each
 * feature once, in id order, with its point and value. Four workers have as many builders in
 * flight as the reader has slots for finished chunks; sparse ids make most ranges empty, so
 * chunks come faster than they are appended. */
static void
test_read_workers (gconstpointer data)
{
  gboolean sparse = GPOINTER_TO_INT (data);
  g_autofree char *path = g_build_filename (work_dir, sparse ? "workers-sparse.gpkg"
                                                             : "workers.gpkg", NULL);
  const char *drivers[] = { "GPKG", NULL };
  const guint n = 40000;
  GDALDatasetH ds;
  OGRLayerH points;

  write_points (path, n, sparse);
  ds = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
  g_assert_nonnull (ds);
  points = GDALDatasetGetLayerByName (ds, "points");
  g_assert_nonnull (points);

  for (guint workers = 1; workers <= 4; workers++)
    for (guint round = 0; round < 3; round++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(QrtLayer) layer = NULL;
        gboolean unsupported = TRUE;

        layer = qrt_gpkg_read_layer (points, path, qrt_ogr_layer_kind (points), NULL,
                                     QRT_EPSG_DEFAULT_ANALYSIS, workers, NULL, &unsupported,
                                     &error);
        g_assert_no_error (error);
        g_assert_false (unsupported);
        g_assert_nonnull (layer);
        assert_written_points (layer, n, sparse);
      }
  GDALClose (ds);
}

/*
 * A project opened while another program is writing to it sees what was committed, all of
 * it and nothing else, although the table is read by several connections side by side:
 * 40,000 points, and a writer in the middle of a transaction that deletes and changes some.
 * @wal: the file keeps a write-ahead log (readers do not hold writers off there).
 */
static void
test_open_while_written (gconstpointer data)
{
  gboolean wal = GPOINTER_TO_INT (data);
  g_autofree char *path = g_build_filename (work_dir, wal ? "written-wal.gpkg" : "written.gpkg",
                                            NULL);
  const guint n = 40000;
  GDALDatasetH writer;
  sqlite3 *db = NULL;
  OGRLayerH points;

  write_points (path, n, FALSE);
  if (wal)
    {
      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), ==,
                       SQLITE_OK);
      sqlite3_close (db);
    }
  /* GDAL as the writer (as QGIS would be), a few rows, so that it keeps its changes to
   * itself until it commits. */
  writer = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
  g_assert_nonnull (writer);
  points = GDALDatasetGetLayerByName (writer, "points");
  g_assert_cmpint (GDALDatasetStartTransaction (writer, FALSE), ==, OGRERR_NONE);
  for (guint i = 0; i < 3; i++)
    {
      const GIntBig deleted[] = { 2, 20000, 39999 }, changed[] = { 1, 16385, 32769 };
      OGRFeatureH f = OGR_L_GetFeature (points, changed[i]);

      g_assert_cmpint (OGR_L_DeleteFeature (points, deleted[i]), ==, OGRERR_NONE);
      OGR_F_SetFieldInteger (f, 0, -1);
      g_assert_cmpint (OGR_L_SetFeature (points, f), ==, OGRERR_NONE);
      OGR_F_Destroy (f);
    }

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrtProject) project = qrt_project_open (path, NULL, &error);
      QrtLayer *layer;
      gint64 expected = 1;

      g_assert_no_error (error);
      layer = qrt_project_layer_get_layer (qrt_project_find_layer (project, "points"));
      g_assert_cmpuint (qrt_layer_get_n_features (layer), ==, pass == 0 ? n : n - 3);
      for (guint f = 0; f < qrt_layer_get_n_features (layer); f++, expected++)
        {
          gint64 fid = qrt_layer_get_fid (layer, f);
          gboolean changed = pass == 1 && (fid == 1 || fid == 16385 || fid == 32769);

          while (pass == 1 && (expected == 2 || expected == 20000 || expected == 39999))
            expected++;
          g_assert_cmpint (fid, ==, expected);
          g_assert_cmpint (qrt_layer_get_int (layer, 0, f), ==, changed ? -1 : fid);
        }
      /* Now the writer is done: the next open sees its changes. */
      if (pass == 0)
        g_assert_cmpint (GDALDatasetCommitTransaction (writer), ==, OGRERR_NONE);
    }
  GDALClose (writer);
}

typedef struct
{
  const char *path;
  int         stop;
  guint       commits;
} Appender;

/* Appends 1,000 rows a transaction, as fast as it can, until told to stop. */
static gpointer
append_rows (gpointer data)
{
  Appender *appender = data;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (appender->path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  while (!g_atomic_int_get (&appender->stop))
    {
      /* Copies of the first thousand rows, with new ids at the end of the table. */
      if (sqlite3_exec (db, "BEGIN IMMEDIATE;"
                            "INSERT INTO points (geom, value) "
                            "SELECT geom, value FROM points WHERE fid <= 1000 ORDER BY fid;"
                            "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        appender->commits++;
      else
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      g_usleep (2000);
    }
  sqlite3_close (db);
  return NULL;
}

/* A project opened again and again while another program appends rows a thousand at a
 * commit: the workers' ranges cover what their snapshots hold, so every open gives whole
 * commits, each row once. */
static void
test_open_while_appended (void)
{
  g_autofree char *path = g_build_filename (work_dir, "appended.gpkg", NULL);
  Appender appender = { path, 0, 0 };
  const guint n = 40000;
  GThread *thread;
  sqlite3 *db = NULL;

  write_points (path, n, FALSE);
  /* The spatial index's triggers call functions only GDAL registers. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER rtree_points_geom_insert", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  thread = g_thread_new ("appender", append_rows, &appender);
  for (guint pass = 0; pass < 12; pass++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QrtProject) project = qrt_project_open (path, NULL, &error);
      QrtLayer *layer;
      guint n_features;

      g_assert_no_error (error);
      layer = qrt_project_layer_get_layer (qrt_project_find_layer (project, "points"));
      n_features = qrt_layer_get_n_features (layer);
      g_assert_cmpuint (n_features % 1000, ==, 0);
      for (guint f = 0; f < n_features; f++)
        g_assert_cmpint (qrt_layer_get_fid (layer, f), ==, f + 1);
      g_assert_cmpint (qrt_layer_get_int (layer, 0, n_features - 1), ==,
                       n_features <= n ? n_features : (n_features - 1) % 1000 + 1);
      g_usleep (1000);
    }
  g_atomic_int_set (&appender.stop, 1);
  g_thread_join (thread);
  g_test_message ("%u commits while the project was opened", appender.commits);
  g_assert_cmpuint (appender.commits, >, 0);
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
  g_test_add_data_func ("/project/large-layer", GINT_TO_POINTER (FALSE), test_large_layer);
  g_test_add_data_func ("/project/large-layer/stale-extent", GINT_TO_POINTER (TRUE),
                        test_large_layer);
  g_test_add_data_func ("/project/stale-count", GINT_TO_POINTER (FALSE), test_stale_count);
  g_test_add_data_func ("/project/sparse-ids", GINT_TO_POINTER (FALSE), test_sparse_ids);
  g_test_add_data_func ("/project/sparse-ids/hostile-header", GINT_TO_POINTER (TRUE),
                        test_sparse_ids);
  g_test_add_data_func ("/project/open-while-written", GINT_TO_POINTER (FALSE),
                        test_open_while_written);
  g_test_add_func ("/project/open-while-appended", test_open_while_appended);
  g_test_add_data_func ("/project/read-workers", GINT_TO_POINTER (FALSE), test_read_workers);
  g_test_add_data_func ("/project/read-workers/sparse-ids", GINT_TO_POINTER (TRUE),
                        test_read_workers);
  g_test_add_data_func ("/project/open-while-written/wal", GINT_TO_POINTER (TRUE),
                        test_open_while_written);
  g_test_add_data_func ("/project/stale-count/date-column", GINT_TO_POINTER (TRUE),
                        test_stale_count);

  status = g_test_run ();
  qrt_test_remove_tree (work_dir);
  g_free (work_dir);
  return status;
}
