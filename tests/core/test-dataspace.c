/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "qrt-core.h"
#include "qrt-test-util.h"

/*
 * The data-space client against a fault-injecting SoupServer on 127.0.0.1: an OGC API
 * Features service whose collections each misbehave in one way, plus endpoints that stall,
 * fail, cut off or flood. Real servers (MapServer, QGIS Server) are in test-ogc-server.
 */

#define N_BUILDINGS 250
#define SERVER_PAGE 100

static char *work_dir;
static SoupServer *server;
static char *base;          /* http://127.0.0.1:PORT */
static GHashTable *hits;    /* path → number of requests */
static int extra;           /* buildings the "buildings" collection has gained since */

/* ---- the server ---- */

static void
count_hit (const char *path)
{
  g_hash_table_replace (hits, g_strdup (path),
                        GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (hits, path)) + 1));
}

static int
hits_of (const char *path)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (hits, path));
}

static void
reply (SoupServerMessage *msg,
       guint              status,
       const char        *type,
       const char        *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, body, strlen (body));
}

/* Building i: a 10 m square at E 430000 + 20 i, N 5700000 (EPSG:25832), residents i % 7. */
static void
append_building (GString *out,
                 int      i,
                 gboolean first)
{
  double x = 430000 + 20.0 * (i % 50), y = 5700000 + 20.0 * (i / 50);

  g_string_append_printf (out,
                          "%s{\"type\":\"Feature\",\"id\":\"b%d\",\"properties\":{\"name\":"
                          "\"Haus %d\",\"residents\":%d},\"geometry\":{\"type\":\"Polygon\","
                          "\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                          "[%.1f,%.1f]]]}}",
                          first ? "" : ",", i, i, i % 7, x, y, x + 10, y, x + 10, y + 10, x,
                          y + 10, x, y);
}

static gboolean
in_bbox (int         i,
         const char *bbox)
{
  /* The bbox query is in lon/lat; the server decides on a fixed rule: the first 50. */
  return bbox == NULL || i < 50;
}

static void
items (SoupServerMessage *msg,
       const char        *collection,
       GHashTable        *query)
{
  const char *offset_text = query ? g_hash_table_lookup (query, "offset") : NULL;
  const char *bbox = query ? g_hash_table_lookup (query, "bbox") : NULL;
  const char *crs = query ? g_hash_table_lookup (query, "crs") : NULL;
  int offset = offset_text ? atoi (offset_text) : 0;
  g_autoptr(GString) out = g_string_new ("{\"type\":\"FeatureCollection\",");
  g_autoptr(GString) next = g_string_new (NULL);
  gboolean first = TRUE, loop = g_str_equal (collection, "loop");
  gboolean dupes = g_str_equal (collection, "dupes");
  gboolean lossy = g_str_equal (collection, "lossy");
  int matched = 0, n = 0, start;
  int total = N_BUILDINGS + (g_str_equal (collection, "buildings") ? extra : 0);

  /* Only EPSG:25832 coordinates are served; a client that does not ask gets an error. */
  if (crs == NULL || !g_str_has_suffix (crs, "/25832"))
    {
      reply (msg, 400, "application/json", "{\"code\":\"InvalidParameterValue\"}");
      return;
    }

  /* "lossy" forgets the bbox on later pages even when it is given. */
  if (lossy && offset > 0)
    bbox = NULL;
  for (int i = 0; i < total; i++)
    matched += in_bbox (i, bbox);

  g_string_append (out, "\"features\":[");
  /* "dupes" starts every later page 10 features early. */
  start = loop ? 0 : dupes && offset > 0 ? offset - 10 : offset;
  for (int i = start, seen = 0; i < total && n < SERVER_PAGE; i++)
    {
      if (!in_bbox (i, bbox))
        continue;
      if (seen++ < 0)
        continue;
      append_building (out, i, first);
      first = FALSE;
      n++;
    }
  g_string_append (out, "],");
  if (!loop)
    g_string_append_printf (out, "\"numberMatched\":%d,", matched);
  g_string_append_printf (out, "\"numberReturned\":%d,\"links\":[", n);
  if (loop || offset + SERVER_PAGE < matched)
    /* Like MapServer 8.0: the next link keeps only f, limit and offset. */
    g_string_append_printf (out, "{\"rel\":\"next\",\"type\":\"application/geo+json\","
                            "\"href\":\"%s/oapi/collections/%s/items?f=json&limit=%d&offset=%d\"}",
                            base, collection, SERVER_PAGE, loop ? 0 : offset + SERVER_PAGE);
  g_string_append (out, "]}");
  reply (msg, 200, "application/geo+json", out->str);
}

static const char *collection_ids[] = { "buildings", "dupes", "loop", "lossy" };

static void
collections (SoupServerMessage *msg)
{
  g_autoptr(GString) out = g_string_new ("{\"collections\":[");

  for (guint i = 0; i < G_N_ELEMENTS (collection_ids); i++)
    g_string_append_printf (out,
                            "%s{\"id\":\"%s\",\"title\":\"Gebäude %s\",\"description\":\"Test\","
                            "\"extent\":{\"spatial\":{\"bbox\":[[7.9,51.4,8.0,51.5]]}},"
                            "\"crs\":[\"http://www.opengis.net/def/crs/OGC/1.3/CRS84\","
                            "\"http://www.opengis.net/def/crs/EPSG/0/25832\"],"
                            "\"links\":[{\"rel\":\"license\",\"href\":"
                            "\"https://www.govdata.de/dl-de/by-2-0\",\"title\":\"dl-de/by-2-0\"},"
                            "{\"rel\":\"items\",\"type\":\"application/geo+json\",\"href\":"
                            "\"%s/oapi/collections/%s/items\"}]}",
                            i ? "," : "", collection_ids[i], collection_ids[i], base,
                            collection_ids[i]);
  g_string_append (out, "],\"links\":[]}");
  reply (msg, 200, "application/json", out->str);
}

static void
write_raw (SoupServerMessage *msg,
           const char        *raw)
{
  GIOStream *stream = soup_server_message_steal_connection (msg);

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), raw, strlen (raw), NULL, NULL,
                             NULL);
  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
}

static void
handler (SoupServer        *srv,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  count_hit (path);

  if (g_str_equal (path, "/oapi") || g_str_equal (path, "/oapi/"))
    {
      g_autofree char *landing = g_strdup_printf (
        "{\"title\":\"Testraum\",\"links\":[{\"rel\":\"data\",\"type\":\"application/json\","
        "\"href\":\"%s/oapi/collections\"}]}", base);
      reply (msg, 200, "application/json", landing);
    }
  else if (g_str_equal (path, "/oapi/collections"))
    collections (msg);
  else if (g_str_has_prefix (path, "/oapi/collections/") && g_str_has_suffix (path, "/items"))
    {
      g_autofree char *id = g_strndup (path + strlen ("/oapi/collections/"),
                                       strlen (path) - strlen ("/oapi/collections/") - 6);
      items (msg, id, query);
    }
  else if (g_str_equal (path, "/ckan/api/3/action/package_search"))
    {
      g_autofree char *body = g_strdup_printf (
        "{\"success\":true,\"result\":{\"count\":1,\"results\":[{\"title\":\"Grünflächen\","
        "\"license_title\":\"dl-de/by-2-0\",\"license_url\":\"https://www.govdata.de/dl-de/by-2-0\","
        "\"organization\":{\"title\":\"Stadt Musterstadt\"},\"resources\":["
        "{\"id\":\"parks\",\"name\":\"Parks\",\"format\":\"GeoJSON\",\"url\":\"%s/files/parks.geojson\"},"
        "{\"id\":\"report\",\"name\":\"Bericht\",\"format\":\"PDF\",\"url\":\"%s/files/report.pdf\"}"
        "]}]}}", base, base);
      const char *q = query ? g_hash_table_lookup (query, "q") : NULL;

      count_hit (q && *q ? "/ckan:query" : "/ckan:all");
      reply (msg, 200, "application/json", body);
    }
  else if (g_str_equal (path, "/files/parks.geojson"))
    reply (msg, 200, "application/geo+json",
           "{\"type\":\"FeatureCollection\",\"features\":["
           "{\"type\":\"Feature\",\"properties\":{\"name\":\"Kurpark\"},\"geometry\":{\"type\":"
           "\"Point\",\"coordinates\":[8.05,51.40]}},"
           "{\"type\":\"Feature\",\"properties\":{\"name\":\"Stadtgarten\"},\"geometry\":{\"type\":"
           "\"Point\",\"coordinates\":[8.06,51.41]}},"
           "{\"type\":\"Feature\",\"properties\":{\"name\":\"Schlosspark\"},\"geometry\":{\"type\":"
           "\"Point\",\"coordinates\":[8.07,51.42]}}]}");
  else if (g_str_equal (path, "/flaky"))
    {
      if (hits_of (path) <= 2)
        reply (msg, 503, "text/plain", "busy");
      else
        reply (msg, 200, "application/json", "{\"ok\":true}");
    }
  else if (g_str_has_prefix (path, "/broken"))
    reply (msg, 500, "text/plain", "internal error");
  else if (g_str_equal (path, "/truncated"))
    write_raw (msg, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n"
               "Connection: close\r\n\r\n{\"type\":\"FeatureCollection\",\"features\":[");
  else if (g_str_equal (path, "/stalled"))
    {
      /* Headers and a first piece, then nothing: the client's timeout must end it. */
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                               1000);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             "application/json", NULL);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                                "{\"a\":", 5);
    }
  else if (g_str_equal (path, "/huge"))
    {
      gsize size = 3 * 1024 * 1024;
      char *body = g_malloc (size);

      memset (body, ' ', size);
      body[0] = '{';
      body[size - 1] = '}';
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, size);
    }
  else if (g_str_equal (path, "/html"))
    reply (msg, 200, "text/html", "<html><body>Login</body></html>");
  else if (g_str_equal (path, "/invalid"))
    reply (msg, 200, "application/json", "{\"type\": \"FeatureCollection\", \"features\": [");
  else if (g_str_equal (path, "/deep"))
    {
      GString *deep = g_string_new (NULL);

      for (int i = 0; i < 100000; i++)
        g_string_append_c (deep, '[');
      for (int i = 0; i < 100000; i++)
        g_string_append_c (deep, ']');
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                        deep->str, deep->len);
      g_string_free (deep, FALSE);
    }
  else if (g_str_equal (path, "/redirect-a") || g_str_equal (path, "/redirect-b"))
    {
      soup_server_message_set_redirect (msg, 302, path[10] == 'a' ? "/redirect-b" : "/redirect-a");
    }
  else if (g_str_equal (path, "/to-http"))
    {
      const char *target = query ? g_hash_table_lookup (query, "target") : NULL;

      soup_server_message_set_redirect (msg, 302, target ? target : "http://127.0.0.1:9/");
    }
  else if (g_str_equal (path, "/etag"))
    {
      const char *match = soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), "If-None-Match");
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_message_headers_replace (headers, "ETag", "\"v1\"");
      soup_message_headers_replace (headers, "Cache-Control", "max-age=0");
      if (g_strcmp0 (match, "\"v1\"") == 0)
        {
          count_hit ("/etag:304");
          soup_server_message_set_status (msg, 304, NULL);
        }
      else
        reply (msg, 200, "application/json", "{\"version\":1}");
    }
  else
    reply (msg, 404, "text/plain", "not found");
}

/* ---- helpers ---- */

static char *
url (const char *path)
{
  return g_strconcat (base, path, NULL);
}

static QrtDataSpace *
new_space (const char *cache_name)
{
  g_autofree char *path = g_build_filename (work_dir, cache_name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtCache) cache = qrt_cache_open (path, &error);
  QrtDataSpace *space;

  g_assert_no_error (error);
  space = qrt_data_space_new (cache);
  /* Short timeouts and a small document limit keep the fault tests quick. */
  qrt_data_space_set_limits (space, 2, 1024 * 1024);
  return space;
}

static QrtCacheEntry *
get (QrtDataSpace *space,
     const char   *path,
     GError      **error)
{
  g_autofree char *u = url (path);
  QrtTestWait wait = { NULL, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  qrt_data_space_get_async (space, u, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  return qrt_data_space_get_finish (space, result, error);
}

static QrtCatalog *
browse (QrtDataSpace *space,
        GError      **error)
{
  g_autofree char *u = url ("/oapi");
  QrtTestWait wait = { NULL, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  qrt_data_space_catalog_async (space, u, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  return qrt_data_space_catalog_finish (space, result, error);
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
  return NULL;
}

static gboolean
fetch (QrtDataSpace          *space,
       const char            *collection_id,
       const char            *project,
       const QrtFetchOptions *options,
       QrtFetchResult        *out,
       GError               **error)
{
  g_autoptr(QrtCatalog) catalog = browse (space, error);
  g_autoptr(QrtCollection) collection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  QrtTestWait wait = { NULL, NULL };

  g_assert_nonnull (catalog);
  collection = find_collection (catalog, collection_id);
  g_assert_nonnull (collection);
  qrt_data_space_fetch_async (space, collection, project, options, NULL, NULL, NULL, qrt_test_wait_cb,
                              &wait);
  result = qrt_test_wait_for (&wait);
  return qrt_data_space_fetch_finish (space, result, out, error);
}

/* Feature count and residents sum of @layer in the GeoPackage at @project. */
static void
project_layer_stats (const char *project,
                     const char *layer,
                     gint64     *count,
                     gint64     *residents)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) opened = qrt_project_open (project, NULL, &error);
  QrtProjectLayer *pl;
  QrtLayer *l;
  int column;

  g_assert_no_error (error);
  pl = qrt_project_find_layer (opened, layer);
  g_assert_nonnull (pl);
  l = qrt_project_layer_get_layer (pl);
  *count = qrt_layer_get_n_features (l);
  column = qrt_layer_find_field (l, "residents");
  g_assert_cmpint (column, >=, 0);
  *residents = 0;
  for (gint64 i = 0; i < *count; i++)
    *residents += qrt_layer_get_int (l, (guint) column, (guint) i);
}

static gint64
expected_residents (int n)
{
  gint64 sum = 0;

  for (int i = 0; i < n; i++)
    sum += i % 7;
  return sum;
}

static void
assert_cache_intact (QrtDataSpace *space)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qrt_cache_check (qrt_data_space_get_cache (space), &error));
  g_assert_no_error (error);
}

/* ---- tests ---- */

static void
test_catalog (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("catalog.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtCatalog) catalog = browse (space, &error);
  g_autoptr(QrtCollection) buildings = NULL;
  QrtBBox extent;

  g_assert_no_error (error);
  g_assert_cmpint (qrt_catalog_get_service (catalog), ==, QRT_SERVICE_OGC_API_FEATURES);
  g_assert_cmpstr (qrt_catalog_get_title (catalog), ==, "Testraum");
  g_assert_cmpuint (g_list_model_get_n_items (qrt_catalog_get_collections (catalog)), ==,
                    G_N_ELEMENTS (collection_ids));
  buildings = find_collection (catalog, "buildings");
  g_assert_cmpstr (qrt_collection_get_title (buildings), ==, "Gebäude buildings");
  g_assert_nonnull (strstr (qrt_collection_get_licence (buildings), "dl-de/by-2-0"));
  g_assert_true (qrt_collection_get_extent (buildings, &extent));
  g_assert_cmpfloat (extent.min_x, ==, 7.9);
  g_assert_cmpfloat (extent.max_y, ==, 51.5);
  assert_cache_intact (space);
}

static void
test_fetch_pages (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("pages.sqlite");
  g_autofree char *project = g_build_filename (work_dir, "pages.gpkg", NULL);
  g_autoptr(GError) error = NULL;
  QrtFetchResult result = { 0 };
  gint64 count, residents;

  g_assert_true (fetch (space, "buildings", project, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (result.layer_name, ==, "buildings");
  g_assert_cmpint (result.feature_count, ==, N_BUILDINGS);
  g_assert_cmpint (result.page_count, ==, 3);
  g_assert_false (result.from_cache);
  qrt_fetch_result_clear (&result);

  project_layer_stats (project, "buildings", &count, &residents);
  g_assert_cmpint (count, ==, N_BUILDINGS);
  g_assert_cmpint (residents, ==, expected_residents (N_BUILDINGS));
  assert_cache_intact (space);
}

static void
test_fetch_duplicates (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("dupes.sqlite");
  g_autofree char *project = g_build_filename (work_dir, "dupes.gpkg", NULL);
  g_autoptr(GError) error = NULL;
  QrtFetchResult result = { 0 };
  gint64 count, residents;

  g_assert_true (fetch (space, "dupes", project, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, N_BUILDINGS);
  g_assert_cmpint (result.duplicate_count, >=, 10);
  qrt_fetch_result_clear (&result);
  project_layer_stats (project, "dupes", &count, &residents);
  g_assert_cmpint (residents, ==, expected_residents (N_BUILDINGS));
}

static void
test_fetch_loop (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("loop.sqlite");
  g_autofree char *project = g_build_filename (work_dir, "loop.gpkg", NULL);
  g_autoptr(GError) error = NULL;
  QrtFetchResult result = { 0 };

  /* The next link points at the first page forever, without numberMatched. */
  g_assert_true (fetch (space, "loop", project, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, SERVER_PAGE);
  g_assert_cmpint (result.page_count, <=, 2);
  qrt_fetch_result_clear (&result);
}

static void
test_fetch_bbox_kept (gconstpointer data)
{
  const char *collection = data;
  g_autoptr(QrtDataSpace) space = new_space ("bbox.sqlite");
  g_autofree char *name = g_strdup_printf ("bbox-%s.gpkg", collection);
  g_autofree char *project = g_build_filename (work_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  QrtFetchOptions options = { .have_bbox = TRUE, .bbox = { 7.5, 51.0, 8.5, 52.0 } };
  QrtFetchResult result = { 0 };

  /* "buildings" drops the bbox from its next links (as MapServer 8.0 does), "lossy" ignores
   * it on later pages: either way only the 50 features in the box may arrive. The box lies
   * where the features do (E 430000 N 5700000 is about 8.0 °E 51.4 °N). */
  fetch (space, collection, project, &options, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, 50);
  qrt_fetch_result_clear (&result);
}

static void
test_fetch_offline (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("offline.sqlite");
  g_autofree char *online = g_build_filename (work_dir, "online.gpkg", NULL);
  g_autofree char *offline = g_build_filename (work_dir, "offline.gpkg", NULL);
  g_autoptr(GError) error = NULL;
  QrtFetchResult result = { 0 };
  int before;

  g_assert_true (fetch (space, "buildings", online, NULL, &result, &error));
  qrt_fetch_result_clear (&result);

  /* Offline, the same collection comes from the cache alone: no request reaches the server. */
  before = hits_of ("/oapi/collections/buildings/items");
  qrt_data_space_set_offline (space, TRUE);
  g_assert_true (fetch (space, "buildings", offline, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.feature_count, ==, N_BUILDINGS);
  g_assert_true (result.from_cache);
  g_assert_cmpint (hits_of ("/oapi/collections/buildings/items"), ==, before);
  qrt_fetch_result_clear (&result);

  /* Something never fetched is a clear error, not a hang. */
  g_assert_null (get (space, "/never-seen", &error));
  g_assert_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_OFFLINE);
}

static void
test_ckan (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("ckan.sqlite");
  g_autofree char *u = url ("/ckan");
  g_autofree char *project = g_build_filename (work_dir, "ckan.gpkg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(QrtCatalog) catalog = NULL;
  g_autoptr(QrtCollection) parks = NULL;
  g_autoptr(QrtProject) opened = NULL;
  QrtFetchResult fetched = { 0 };
  QrtTestWait wait = { NULL, NULL };

  qrt_data_space_catalog_async (space, u, "grün", NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  catalog = qrt_data_space_catalog_finish (space, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qrt_catalog_get_service (catalog), ==, QRT_SERVICE_CKAN);
  g_assert_cmpint (hits_of ("/ckan:query"), ==, 1);
  /* The PDF is not something Quartier reads: one resource is left. */
  g_assert_cmpuint (g_list_model_get_n_items (qrt_catalog_get_collections (catalog)), ==, 1);
  parks = g_list_model_get_item (qrt_catalog_get_collections (catalog), 0);
  g_assert_cmpint (qrt_collection_get_service (parks), ==, QRT_SERVICE_FILE);
  g_assert_cmpstr (qrt_collection_get_format (parks), ==, "GeoJSON");
  g_assert_cmpstr (qrt_collection_get_attribution (parks), ==, "Stadt Musterstadt");
  g_assert_nonnull (strstr (qrt_collection_get_licence (parks), "dl-de/by-2-0"));

  g_clear_object (&result);
  qrt_data_space_fetch_async (space, parks, project, NULL, NULL, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  g_assert_true (qrt_data_space_fetch_finish (space, result, &fetched, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fetched.feature_count, ==, 3);
  g_assert_cmpstr (fetched.layer_name, ==, "parks");
  qrt_fetch_result_clear (&fetched);

  opened = qrt_project_open (project, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (qrt_project_find_layer (opened, "parks"));
  assert_cache_intact (space);
}

/* A fetched layer fetched again: the new features, the same name, place and style. */
static void
test_refresh (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("refresh.sqlite");
  g_autofree char *project = g_build_filename (work_dir, "refresh.gpkg", NULL);
  g_autofree char *parks = g_build_filename (work_dir, "parks.geojson", NULL);
  g_autofree char *key = qrt_data_space_fetch_key ("buildings");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(QrtProject) opened = NULL;
  QrtFetchResult fetched = { 0 };
  QrtImportResult imported = { 0 };
  QrtStyle style;
  QrtTestWait wait = { NULL, NULL };
  gint64 count, residents;
  guint position = 0;

  g_assert_true (fetch (space, "buildings", project, NULL, &fetched, &error));
  qrt_fetch_result_clear (&fetched);
  /* A second layer on top, from a file: it has no origin and stays above. */
  g_assert_true (g_file_set_contents (parks, "{\"type\":\"FeatureCollection\",\"features\":["
                                      "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                                      "{\"type\":\"Point\",\"coordinates\":[8.0,51.4]}}]}", -1,
                                      NULL));
  g_assert_true (qrt_import_file (parks, project, NULL, NULL, NULL, NULL, &imported, &error));
  qrt_import_result_clear (&imported);

  /* The planner's own colour for the layer. */
  opened = qrt_project_open (project, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (qrt_project_get_metadata (opened, key));
  style = *qrt_project_layer_get_style (qrt_project_find_layer (opened, "buildings"));
  style.fill = (QrtColor) { 0.1, 0.2, 0.3, 1.0 };
  qrt_project_layer_set_style (qrt_project_find_layer (opened, "buildings"), &style);
  qrt_project_save_async (opened, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  g_assert_true (qrt_project_save_finish (opened, result, &error));
  g_clear_object (&result);
  g_clear_object (&opened);
  extra = 30;
  qrt_data_space_refresh_async (space, project, "buildings", NULL, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  g_assert_true (qrt_data_space_refresh_finish (space, result, &fetched, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fetched.layer_name, ==, "buildings");
  g_assert_cmpint (fetched.feature_count, ==, N_BUILDINGS + 30);
  qrt_fetch_result_clear (&fetched);
  g_clear_object (&result);

  project_layer_stats (project, "buildings", &count, &residents);
  g_assert_cmpint (count, ==, N_BUILDINGS + 30);
  g_assert_cmpint (residents, ==, expected_residents (N_BUILDINGS + 30));
  opened = qrt_project_open (project, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (opened)), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(QrtProjectLayer) item = g_list_model_get_item (G_LIST_MODEL (opened), i);

      if (g_str_equal (qrt_project_layer_get_name (item), "buildings"))
        position = i;
    }
  g_assert_cmpuint (position, ==, 0);
  /* Colours are kept as #RRGGBB: 0.3 comes back as 77/255. */
  g_assert_cmpfloat_with_epsilon (qrt_project_layer_get_style (qrt_project_find_layer (opened,
                                                                                        "buildings"))->fill.blue,
                                  0.3, 1.0 / 255);
  g_assert_nonnull (qrt_project_get_metadata (opened, key));
  extra = 0;

  /* A layer from a file has nothing to be refreshed from. */
  qrt_data_space_refresh_async (space, project, "parks", NULL, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  g_assert_false (qrt_data_space_refresh_finish (space, result, NULL, &error));
  g_assert_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED);
}

static void
test_retry_then_success (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("flaky.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtCacheEntry) entry = get (space, "/flaky", &error);

  g_assert_no_error (error);
  g_assert_nonnull (entry);
  g_assert_cmpint (hits_of ("/flaky"), ==, 3);
  g_assert_cmpmem (g_bytes_get_data (entry->body, NULL), g_bytes_get_size (entry->body),
                   "{\"ok\":true}", 11);
}

typedef struct
{
  const char *path;
  int         code;
} Fault;

static const Fault faults[] = {
  { "/broken", QRT_DATA_SPACE_ERROR_SERVER },
  { "/truncated", QRT_DATA_SPACE_ERROR_TRUNCATED },
  { "/stalled", QRT_DATA_SPACE_ERROR_NETWORK },
  { "/huge", QRT_DATA_SPACE_ERROR_TOO_LARGE },
  { "/html", QRT_DATA_SPACE_ERROR_BAD_RESPONSE },
  { "/invalid", QRT_DATA_SPACE_ERROR_BAD_RESPONSE },
  { "/deep", QRT_DATA_SPACE_ERROR_BAD_RESPONSE },
  { "/redirect-a", QRT_DATA_SPACE_ERROR_REDIRECT },
  { "/missing", QRT_DATA_SPACE_ERROR_UNSUPPORTED },
};

/* Each fault, asked for as a catalog: a clear error, nothing in the cache, nothing half done. */
static void
test_fault (gconstpointer data)
{
  const Fault *fault = data;
  g_autoptr(QrtDataSpace) space = new_space ("faults.sqlite");
  g_autofree char *u = url (fault->path);
  g_autofree char *items = g_strconcat (u, ".geojson", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(QrtCatalog) catalog = NULL;
  g_autoptr(QrtCacheEntry) cached = NULL;
  QrtTestWait wait = { NULL, NULL };
  QrtCache *cache = qrt_data_space_get_cache (space);

  /* Through the JSON path that catalogs and pages use: qrt_data_space_catalog_async. */
  qrt_data_space_catalog_async (space, u, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  catalog = qrt_data_space_catalog_finish (space, result, &error);
  g_assert_null (catalog);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", fault->path, error->message);
  g_assert_true (error->domain == QRT_DATA_SPACE_ERROR);
  g_assert_cmpint (error->code, ==, fault->code);
  g_assert_cmpstr (error->message, !=, "");

  cached = qrt_cache_lookup (cache, u, NULL);
  if (fault->code != QRT_DATA_SPACE_ERROR_BAD_RESPONSE)
    g_assert_null (cached);
  assert_cache_intact (space);
}

static void
test_fetch_failure_leaves_project (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("fail.sqlite");
  g_autofree char *project = g_build_filename (work_dir, "fail.gpkg", NULL);
  g_autofree char *u = url ("/broken.geojson");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(QrtCatalog) catalog = NULL;
  g_autoptr(QrtCollection) collection = NULL;
  QrtTestWait wait = { NULL, NULL };

  /* A plain file URL that answers 404: no project file may appear. */
  qrt_data_space_catalog_async (space, u, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  catalog = qrt_data_space_catalog_finish (space, result, &error);
  g_assert_no_error (error);
  collection = g_list_model_get_item (qrt_catalog_get_collections (catalog), 0);
  g_clear_object (&result);
  qrt_data_space_fetch_async (space, collection, project, NULL, NULL, NULL, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  g_assert_false (qrt_data_space_fetch_finish (space, result, NULL, &error));
  g_assert_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_SERVER);
  g_assert_false (g_file_test (project, G_FILE_TEST_EXISTS));
}

static void
test_revalidate (void)
{
  g_autoptr(QrtDataSpace) space = new_space ("etag.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtCacheEntry) first = get (space, "/etag", &error);
  g_autoptr(QrtCacheEntry) second = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (first->etag, ==, "\"v1\"");
  /* max-age=0: the second get asks again, with If-None-Match, and keeps the body on 304. */
  second = get (space, "/etag", &error);
  g_assert_no_error (error);
  g_assert_cmpint (hits_of ("/etag"), ==, 2);
  g_assert_cmpint (hits_of ("/etag:304"), ==, 1);
  g_assert_cmpmem (g_bytes_get_data (second->body, NULL), g_bytes_get_size (second->body),
                   "{\"version\":1}", 13);
}

/* A server whose certificate nothing vouches for: refused, never fetched unverified. */
static void
test_tls_verified (void)
{
  g_autofree char *cert = g_build_filename (work_dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (work_dir, "key.pem", NULL);
  g_autofree char *subject = NULL;
  g_autofree char *https = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupServer) tls_server = NULL;
  g_autoptr(QrtDataSpace) space = new_space ("tls.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(QrtCacheEntry) entry = NULL;
  g_autoslist(GUri) uris = NULL;
  QrtTestWait wait = { NULL, NULL };
  const char *argv[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                         key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                         "subjectAltName=IP:127.0.0.1", NULL };
  int status = 1;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) || status != 0)
    {
      g_test_skip ("openssl cannot make a test certificate here");
      return;
    }
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  tls_server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (tls_server, NULL, handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (tls_server, 0,
                                           SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (tls_server);
  https = g_strdup_printf ("https://127.0.0.1:%d/flaky", g_uri_get_port (uris->data));

  qrt_data_space_get_async (space, https, NULL, qrt_test_wait_cb, &wait);
  result = qrt_test_wait_for (&wait);
  entry = qrt_data_space_get_finish (space, result, &error);
  g_assert_null (entry);
  g_assert_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_NETWORK);
  g_test_message ("%s", error->message);
  g_assert_null (qrt_cache_lookup (qrt_data_space_get_cache (space), https, NULL));
  g_clear_error (&error);

  /* Trusting that certificate, the same server answers; and a redirect from it to plain
   * HTTP is refused, with nothing fetched from the insecure address. */
  {
    g_autoptr(GTlsDatabase) trusted = g_tls_file_database_new (cert, &error);
    g_autofree char *secure_file = g_strdup_printf ("https://127.0.0.1:%d/files/parks.geojson",
                                                    g_uri_get_port (uris->data));
    g_autofree char *downgrade = g_strdup_printf ("https://127.0.0.1:%d/to-http?target=%s/html",
                                                  g_uri_get_port (uris->data), base);
    int html_before = hits_of ("/html");

    g_assert_no_error (error);
    qrt_data_space_set_tls_database (space, trusted);
    g_clear_object (&result);
    qrt_data_space_get_async (space, secure_file, NULL, qrt_test_wait_cb, &wait);
    result = qrt_test_wait_for (&wait);
    entry = qrt_data_space_get_finish (space, result, &error);
    g_assert_no_error (error);
    g_assert_nonnull (entry);
    g_clear_pointer (&entry, qrt_cache_entry_free);

    g_clear_object (&result);
    qrt_data_space_get_async (space, downgrade, NULL, qrt_test_wait_cb, &wait);
    result = qrt_test_wait_for (&wait);
    entry = qrt_data_space_get_finish (space, result, &error);
    g_assert_null (entry);
    g_assert_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_REDIRECT);
    g_assert_cmpint (hits_of ("/to-http"), ==, 1);
    g_assert_cmpint (hits_of ("/html"), ==, html_before);
  }
  soup_server_disconnect (tls_server);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  qrt_core_init ();

  work_dir = g_dir_make_tmp ("quartier-test-dataspace-XXXXXX", &error);
  g_assert_no_error (error);
  hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));

  g_test_add_func ("/dataspace/catalog", test_catalog);
  g_test_add_func ("/dataspace/fetch/pages", test_fetch_pages);
  g_test_add_func ("/dataspace/fetch/duplicates", test_fetch_duplicates);
  g_test_add_func ("/dataspace/fetch/endless-next", test_fetch_loop);
  g_test_add_data_func ("/dataspace/fetch/bbox-dropped-from-next", "buildings",
                        test_fetch_bbox_kept);
  g_test_add_data_func ("/dataspace/fetch/bbox-ignored-later", "lossy", test_fetch_bbox_kept);
  g_test_add_func ("/dataspace/fetch/offline", test_fetch_offline);
  g_test_add_func ("/dataspace/fetch/failure-leaves-project", test_fetch_failure_leaves_project);
  g_test_add_func ("/dataspace/ckan", test_ckan);
  g_test_add_func ("/dataspace/refresh", test_refresh);
  g_test_add_func ("/dataspace/tls-verified", test_tls_verified);
  g_test_add_func ("/dataspace/retry", test_retry_then_success);
  g_test_add_func ("/dataspace/revalidate", test_revalidate);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree char *name = g_strdup_printf ("/dataspace/fault%s", faults[i].path);
      g_test_add_data_func (name, &faults[i], test_fault);
    }

  status = g_test_run ();
  soup_server_disconnect (server);
  g_object_unref (server);
  qrt_test_remove_tree (work_dir);
  g_free (work_dir);
  return status;
}
