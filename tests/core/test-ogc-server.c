/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <cairo.h>
#include <gdal.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <string.h>

#include "qrt-core.h"
#include "qrt-test-util.h"

/*
 * The data-space client against real OGC API Features / WFS servers from Debian, started on
 * 127.0.0.1 by tests/dataspace/ogc-server.py (MapServer 8 under lighttpd; QGIS Server when
 * installed), serving a GeoPackage this test generated. Then the offline test: the servers
 * are stopped and a new process gets the same layers and the offline area's tiles from the
 * cache alone.
 */

static char *work_dir;
static char *script;
static JsonObject *expected;     /* what make-gpkg says the data holds */
static char *gpkg;

typedef struct
{
  const char *kind;
  char       *dir;
  char       *url;
  char       *wfs_url;
  char       *skip;             /* why this server cannot run here */
} Server;

static Server servers[] = { { "mapserver" }, { "qgis" } };

/* ---- running the script ---- */

static int
run_script (const char *const *args,
            char             **out,
            char             **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "/usr/bin/python3");
  g_ptr_array_add (argv, script);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                     &status, &error))
    {
      *err = g_strdup (error->message);
      return 127;
    }
  return WIFEXITED (status) ? WEXITSTATUS (status) : 1;
}

static void
start_server (Server *server)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *line;
  int status;

  server->dir = g_build_filename (work_dir, server->kind, NULL);
  {
    const char *args[] = { "start", "--kind", server->kind, "--gpkg", gpkg, "--workdir",
                           server->dir, NULL };
    status = run_script (args, &out, &err);
  }
  if (status == 77)
    {
      server->skip = g_strdup_printf ("%s is not installed (see tests/dataspace/README.md): %s",
                                      server->kind, err);
      return;
    }
  if (status != 0)
    g_error ("Starting %s failed (%d): %s", server->kind, status, err);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  line = json_node_get_object (json_parser_get_root (parser));
  server->url = g_strdup (json_object_get_string_member (line, "url"));
  server->wfs_url = g_strdup (json_object_get_string_member (line, "wfs_url"));
}

static void
stop_server (Server *server)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "stop", "--workdir", server->dir, NULL };

  if (server->url == NULL)
    return;
  g_assert_cmpint (run_script (args, &out, &err), ==, 0);
  g_clear_pointer (&server->url, g_free);
}

/* ---- client helpers ---- */

static char *
cache_path (void)
{
  return g_build_filename (work_dir, "cache.sqlite", NULL);
}

static QrtDataSpace *
new_space (gboolean offline)
{
  g_autofree char *path = cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtCache) cache = qrt_cache_open (path, &error);
  QrtDataSpace *space;

  g_assert_no_error (error);
  space = qrt_data_space_new (cache);
  qrt_data_space_set_offline (space, offline);
  return space;
}

static QrtCatalog *
browse (QrtDataSpace *space,
        const char   *url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  QrtTestWait wait = { NULL, NULL };
  QrtCatalog *catalog;

  qrt_data_space_catalog_async (space, url, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  catalog = qrt_data_space_catalog_finish (space, result, &error);
  g_assert_no_error (error);
  return catalog;
}

static QrtCollection *
find_collection (QrtCatalog *catalog,
                 const char *id)
{
  GListModel *list = qrt_catalog_get_collections (catalog);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(QrtCollection) c = g_list_model_get_item (list, i);

      if (g_str_equal (qrt_collection_get_id (c), id))
        return g_steal_pointer (&c);
    }
  g_error ("No collection %s", id);
}

static void
fetch (QrtDataSpace          *space,
       const char            *url,
       const char            *collection_id,
       const char            *project,
       const char            *name,
       const QrtFetchOptions *base_options,
       QrtFetchResult        *out)
{
  g_autoptr(QrtCatalog) catalog = browse (space, url);
  g_autoptr(QrtCollection) collection = find_collection (catalog, collection_id);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  QrtFetchOptions options = { 0 };
  QrtTestWait wait = { NULL, NULL };

  if (base_options != NULL)
    options = *base_options;
  options.target_name = name;
  qrt_data_space_fetch_async (space, collection, project, &options, NULL, NULL, NULL, qrt_test_wait_cb,
                              &wait);
  result = qrt_test_wait_for (&wait);
  qrt_data_space_fetch_finish (space, result, out, &error);
  g_assert_no_error (error);
}

typedef struct
{
  gint64 count;
  gint64 floors;
  gint64 residents;
  double area;
  gint64 names_ok;
} Stats;

static void
layer_stats (const char *project,
             const char *layer,
             Stats      *stats)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) opened = qrt_project_open (project, NULL, &error);
  QrtLayer *l;
  int floors, residents, area, name;

  g_assert_no_error (error);
  g_assert_nonnull (qrt_project_find_layer (opened, layer));
  l = qrt_project_layer_get_layer (qrt_project_find_layer (opened, layer));
  floors = qrt_layer_find_field (l, "floors");
  residents = qrt_layer_find_field (l, "residents");
  area = qrt_layer_find_field (l, "area");
  name = qrt_layer_find_field (l, "name");
  g_assert_cmpint (floors, >=, 0);
  g_assert_cmpint (residents, >=, 0);
  g_assert_cmpint (area, >=, 0);
  g_assert_cmpint (name, >=, 0);

  memset (stats, 0, sizeof *stats);
  stats->count = qrt_layer_get_n_features (l);
  for (guint i = 0; i < qrt_layer_get_n_features (l); i++)
    {
      const char *text = qrt_layer_get_string (l, (guint) name, i);

      stats->floors += qrt_layer_get_int (l, (guint) floors, i);
      stats->residents += qrt_layer_get_int (l, (guint) residents, i);
      stats->area += qrt_layer_get_real (l, (guint) area, i);
      /* Umlauts arrive intact: every name is "<street> Nr. <id>" with a German street. */
      stats->names_ok += text != NULL && g_utf8_validate (text, -1, NULL) &&
                         (strstr (text, "straße") || strstr (text, "Straße") ||
                          strstr (text, "Königsallee"));
    }
}

static void
assert_all_buildings (const char *project,
                      const char *layer)
{
  JsonObject *b = json_object_get_object_member (expected, "buildings");
  Stats stats;

  layer_stats (project, layer, &stats);
  g_assert_cmpint (stats.count, ==, json_object_get_int_member (b, "count"));
  g_assert_cmpint (stats.floors, ==, json_object_get_int_member (b, "sum_floors"));
  g_assert_cmpint (stats.residents, ==, json_object_get_int_member (b, "sum_residents"));
  g_assert_cmpfloat_with_epsilon (stats.area, json_object_get_double_member (b, "sum_area"),
                                  1e-6 * json_object_get_double_member (b, "sum_area"));
  g_assert_cmpint (stats.names_ok, ==, stats.count);

  /* And in the right place: the extent in the project's CRS, to the centimetre the servers
   * keep in lon/lat (six decimals, some 10 cm). */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(QrtProject) opened = qrt_project_open (project, NULL, &error);
    QrtLayer *l = qrt_project_layer_get_layer (qrt_project_find_layer (opened, layer));
    const QrtBBox *extent = qrt_layer_get_extent (l, QRT_COORDS_ANALYSIS);
    JsonArray *bbox = json_object_get_array_member (b, "bbox");

    g_assert_cmpint (qrt_layer_get_epsg (l), ==, 25832);
    g_assert_cmpfloat (fabs (extent->min_x - json_array_get_double_element (bbox, 0)), <, 0.5);
    g_assert_cmpfloat (fabs (extent->min_y - json_array_get_double_element (bbox, 1)), <, 0.5);
    g_assert_cmpfloat (fabs (extent->max_x - json_array_get_double_element (bbox, 2)), <, 0.5);
    g_assert_cmpfloat (fabs (extent->max_y - json_array_get_double_element (bbox, 3)), <, 0.5);
  }
}

/* ---- tests ---- */

static void
test_catalog (gconstpointer data)
{
  Server *server = (Server *) data;
  g_autoptr(QrtDataSpace) space = NULL;
  g_autoptr(QrtCatalog) catalog = NULL;
  g_autoptr(QrtCollection) buildings = NULL;
  QrtBBox extent;

  if (server->skip)
    {
      g_test_skip (server->skip);
      return;
    }
  space = new_space (FALSE);
  catalog = browse (space, server->url);
  g_assert_cmpint (qrt_catalog_get_service (catalog), ==, QRT_SERVICE_OGC_API_FEATURES);
  g_assert_cmpuint (g_list_model_get_n_items (qrt_catalog_get_collections (catalog)), ==, 2);
  buildings = find_collection (catalog, "buildings");
  g_assert_true (qrt_collection_get_extent (buildings, &extent));
  /* The data lies near 11.55 °E 48.13 °N. */
  g_assert_cmpfloat (fabs (extent.min_x - 11.55), <, 0.1);
  g_assert_cmpfloat (fabs (extent.min_y - 48.13), <, 0.1);
}

/* The whole collection through @url (OGC API or WFS) into layer @layer of a new project. */
static void
fetch_whole (Server     *server,
             const char *url,
             const char *layer)
{
  g_autoptr(QrtDataSpace) space = NULL;
  g_autofree char *project = NULL;
  QrtFetchResult result = { 0 };

  if (server->skip)
    {
      g_test_skip (server->skip);
      return;
    }
  space = new_space (FALSE);
  project = g_strdup_printf ("%s/%s-%s.gpkg", work_dir, server->kind, layer);
  fetch (space, url, "buildings", project, layer, NULL, &result);
  g_assert_cmpint (result.feature_count, ==, 1234);
  qrt_fetch_result_clear (&result);
  assert_all_buildings (project, layer);
}

static void
test_fetch_all (gconstpointer data)
{
  Server *server = (Server *) data;

  fetch_whole (server, server->url, "buildings");
}

static void
test_fetch_wfs (gconstpointer data)
{
  Server *server = (Server *) data;

  fetch_whole (server, server->wfs_url, "wfs_buildings");
}

/* Buildings whose lon/lat outline lies wholly in @box (lower bound) and whose lon/lat
 * envelope touches it (upper bound): servers differ in how exactly they test. */
static void
count_in_box (const QrtBBox *box,
              gint64        *inside,
              gint64        *touching)
{
  GDALDatasetH dataset = GDALOpenEx (gpkg, GDAL_OF_VECTOR, NULL, NULL, NULL);
  OGRLayerH layer = GDALDatasetGetLayerByName (dataset, "buildings");
  OGRSpatialReferenceH wgs84 = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH ct;
  OGRFeatureH feature;

  OSRImportFromEPSG (wgs84, 4326);
  OSRSetAxisMappingStrategy (wgs84, OAMS_TRADITIONAL_GIS_ORDER);
  ct = OCTNewCoordinateTransformation (OGR_L_GetSpatialRef (layer), wgs84);
  *inside = *touching = 0;
  while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
    {
      OGRGeometryH g = OGR_G_Clone (OGR_F_GetGeometryRef (feature));
      OGREnvelope env;

      OGR_G_Transform (g, ct);
      OGR_G_GetEnvelope (g, &env);
      *inside += env.MinX >= box->min_x && env.MaxX <= box->max_x && env.MinY >= box->min_y &&
                 env.MaxY <= box->max_y;
      *touching += env.MaxX >= box->min_x && env.MinX <= box->max_x && env.MaxY >= box->min_y &&
                   env.MinY <= box->max_y;
      OGR_G_DestroyGeometry (g);
      OGR_F_Destroy (feature);
    }
  OCTDestroyCoordinateTransformation (ct);
  OSRDestroySpatialReference (wgs84);
  GDALClose (dataset);
}

static void
test_fetch_bbox (gconstpointer data)
{
  Server *server = (Server *) data;
  g_autoptr(QrtDataSpace) space = NULL;
  g_autofree char *project = NULL;
  /* The south-west part of the building grid. */
  QrtFetchOptions options = { .have_bbox = TRUE, .bbox = { 11.5, 48.1, 11.5555, 48.1335 } };
  QrtFetchResult result = { 0 };
  gint64 inside, touching;

  if (server->skip)
    {
      g_test_skip (server->skip);
      return;
    }
  count_in_box (&options.bbox, &inside, &touching);
  g_test_message ("%" G_GINT64_FORMAT " buildings inside, %" G_GINT64_FORMAT " touching",
                  inside, touching);
  g_assert_cmpint (inside, >, 0);
  g_assert_cmpint (touching, <, 1234);

  space = new_space (FALSE);
  project = g_strdup_printf ("%s/%s-bbox.gpkg", work_dir, server->kind);
  fetch (space, server->url, "buildings", project, "part", &options, &result);
  g_test_message ("%" G_GINT64_FORMAT " fetched in %" G_GINT64_FORMAT " pages",
                  result.feature_count, result.page_count);
  g_assert_cmpint (result.feature_count, >=, inside);
  g_assert_cmpint (result.feature_count, <=, touching);
  qrt_fetch_result_clear (&result);
}

/* ---- tiles from a loopback tile server, for the offline area ---- */

static SoupServer *tile_server;
static int tile_requests;

static cairo_status_t
append_png (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
tile_handler (SoupServer        *srv,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 256, 256);
  cairo_t *cr = cairo_create (surface);
  GByteArray *png = g_byte_array_new ();
  int z, x, y;

  tile_requests++;
  if (sscanf (path, "/tiles/%d/%d/%d.png", &z, &x, &y) != 3)
    {
      soup_server_message_set_status (msg, 404, NULL);
      cairo_destroy (cr);
      cairo_surface_destroy (surface);
      g_byte_array_unref (png);
      return;
    }
  cairo_set_source_rgb (cr, (x % 7) / 7.0, (y % 5) / 5.0, z / 20.0);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_write_to_png_stream (surface, append_png, png);
  cairo_surface_destroy (surface);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY, (const char *) png->data,
                                    png->len);
  g_byte_array_unref (png);
}

static const QrtBBox area_box = { 11.54, 48.12, 11.57, 48.14 };

static void
register_tiles (const char *base)
{
  g_autofree char *template = g_strconcat (base, "/tiles/{z}/{x}/{y}.png", NULL);
  QrtTileSet set = {
    .id = "loopback", .title = "Loopback", .url_template = template,
    .attribution = "test", .min_zoom = 0, .max_zoom = 18, .tile_size = 256, .allow_bulk = TRUE,
  };

  qrt_tile_set_register (&set);
}

static void
test_offline (void)
{
  Server *server = &servers[0];
  g_autoptr(QrtDataSpace) space = NULL;
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autoptr(QrtOfflineArea) gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *base = NULL;
  QrtFetchResult fetched = { 0 };
  QrtTestWait wait = { NULL, NULL };

  if (server->skip)
    {
      g_test_skip (server->skip);
      return;
    }

  /* Online: a layer and an offline area of tiles. */
  space = new_space (FALSE);
  {
    g_autofree char *project = g_build_filename (work_dir, "before.gpkg", NULL);

    fetch (space, server->url, "districts", project, "districts", NULL, &fetched);
    g_assert_cmpint (fetched.feature_count, ==, 4);
    qrt_fetch_result_clear (&fetched);
  }

  tile_server = soup_server_new (NULL, NULL);
  soup_server_add_handler (tile_server, "/tiles", tile_handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (tile_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (tile_server);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  register_tiles (base);
  g_setenv ("QRT_TEST_TILE_BASE", base, TRUE);

  area = qrt_cache_add_area (qrt_data_space_get_cache (space), "Baustelle", "loopback",
                             area_box.min_x, area_box.min_y, area_box.max_x, area_box.max_y,
                             12, 15, &error);
  g_assert_no_error (error);
  qrt_data_space_download_area_async (space, area->id, NULL, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  g_assert_true (qrt_data_space_download_area_finish (space, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tile_requests, ==, area->tile_count);
  g_assert_cmpint (tile_requests, ==, qrt_tile_count_for_area (area_box.min_x, area_box.min_y,
                                                                area_box.max_x, area_box.max_y,
                                                                12, 15));

  /* An area deleted meanwhile: said, nothing requested. */
  g_clear_object (&result);
  gone = qrt_cache_add_area (qrt_data_space_get_cache (space), "Weg", "loopback",
                             area_box.min_x, area_box.min_y, area_box.max_x, area_box.max_y,
                             12, 15, &error);
  g_assert_no_error (error);
  g_assert_true (qrt_cache_remove_area (qrt_data_space_get_cache (space), gone->id, &error));
  g_assert_no_error (error);
  qrt_data_space_download_area_async (space, gone->id, NULL, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  g_assert_false (qrt_data_space_download_area_finish (space, result, &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (tile_requests, ==, area->tile_count);
  g_clear_object (&space);

  /* Every server gone; a new process must manage with the cache alone. */
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    stop_server (&servers[i]);
  soup_server_disconnect (tile_server);
  g_clear_object (&tile_server);

  g_test_trap_subprocess ("/ogc-server/offline/child", 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*districts: 4 from the cache*");
  g_test_trap_assert_stdout ("*tiles: all from the cache*");
}

static char *offline_url;

static void
test_offline_child (void)
{
  g_autoptr(QrtDataSpace) space = NULL;
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *project = g_build_filename (work_dir, "after.gpkg", NULL);
  QrtFetchResult fetched = { 0 };
  QrtOfflineArea *area;
  gint64 tiles = 0;

  if (!g_test_subprocess ())
    return;

  register_tiles (g_getenv ("QRT_TEST_TILE_BASE"));
  space = new_space (TRUE);
  fetch (space, offline_url, "districts", project, "districts", NULL, &fetched);
  g_assert_true (fetched.from_cache);
  g_print ("districts: %" G_GINT64_FORMAT " from the cache\n", fetched.feature_count);
  qrt_fetch_result_clear (&fetched);

  areas = qrt_cache_list_areas (qrt_data_space_get_cache (space), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (areas->len, ==, 1);
  area = areas->pdata[0];
  g_assert_cmpint (area->stored_count, ==, area->tile_count);
  for (int z = area->min_zoom; z <= area->max_zoom; z++)
    {
      int n = 1 << z;
      int x0 = (int) floor ((area->west + 180) / 360 * n);
      int x1 = (int) floor ((area->east + 180) / 360 * n);
      int y0 = (int) floor ((1 - asinh (tan (area->north * G_PI / 180)) / G_PI) / 2 * n);
      int y1 = (int) floor ((1 - asinh (tan (area->south * G_PI / 180)) / G_PI) / 2 * n);

      for (int x = x0; x <= x1; x++)
        for (int y = y0; y <= y1; y++)
          {
            g_autoptr(GAsyncResult) result = NULL;
            g_autoptr(GBytes) bytes = NULL;
            QrtTestWait wait = { NULL, NULL };

            qrt_data_space_get_tile_async (space, qrt_tile_set_lookup ("loopback"), z, x, y, NULL,
                                           qrt_test_wait_cb, &wait);
            result = qrt_test_wait_for (&wait);
            bytes = qrt_data_space_get_tile_finish (space, result, &error);
            g_assert_no_error (error);
            g_assert_cmpuint (g_bytes_get_size (bytes), >, 8);
            g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 4, "\x89PNG", 4);
            tiles++;
          }
    }
  g_assert_cmpint (tiles, ==, area->tile_count);
  g_print ("tiles: all from the cache (%" G_GINT64_FORMAT ")\n", tiles);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  qrt_core_init ();

  script = g_test_build_filename (G_TEST_DIST, "dataspace", "ogc-server.py", NULL);

  if (g_test_subprocess ())
    {
      /* The child of the offline test: the parent's scratch dir and server address. */
      work_dir = g_strdup (g_getenv ("QRT_TEST_WORK_DIR"));
      offline_url = g_strdup (g_getenv ("QRT_TEST_OFFLINE_URL"));
      g_test_add_func ("/ogc-server/offline/child", test_offline_child);
      return g_test_run ();
    }

  work_dir = g_dir_make_tmp ("quartier-test-ogc-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("QRT_TEST_WORK_DIR", work_dir, TRUE);
  gpkg = g_build_filename (work_dir, "source.gpkg", NULL);
  {
    const char *args[] = { "make-gpkg", "--out", gpkg, NULL };

    status = run_script (args, &out, &err);
  }
  if (status != 0 && status != 77)
    g_error ("ogc-server.py make-gpkg failed (%d): %s", status, err);
  if (status == 77)
    {
      /* Without python3-gdal there is no test data; every server test says so. */
      for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
        servers[i].skip = g_strdup_printf ("cannot generate the test data: %s", err);
    }
  else
    {
      g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
      expected = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
      for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
        start_server (&servers[i]);
    }
  if (servers[0].url != NULL)
    g_setenv ("QRT_TEST_OFFLINE_URL", servers[0].url, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_autofree char *catalog = g_strdup_printf ("/ogc-server/%s/catalog", servers[i].kind);
      g_autofree char *all = g_strdup_printf ("/ogc-server/%s/fetch", servers[i].kind);
      g_autofree char *bbox = g_strdup_printf ("/ogc-server/%s/fetch-bbox", servers[i].kind);
      g_autofree char *wfs = g_strdup_printf ("/ogc-server/%s/wfs", servers[i].kind);

      g_test_add_data_func (catalog, &servers[i], test_catalog);
      g_test_add_data_func (all, &servers[i], test_fetch_all);
      g_test_add_data_func (bbox, &servers[i], test_fetch_bbox);
      g_test_add_data_func (wfs, &servers[i], test_fetch_wfs);
    }
  g_test_add_func ("/ogc-server/offline/run", test_offline);
  g_test_add_func ("/ogc-server/offline/child", test_offline_child);

  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    stop_server (&servers[i]);
  qrt_test_remove_tree (work_dir);
  return status;
}
