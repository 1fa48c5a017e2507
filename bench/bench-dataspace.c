/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>

#include "qrt-bench.h"
#include "qrt-core.h"

/*
 * bench-dataspace: paging N features from a loopback MapServer through Quartier vs GDAL's own
 * OAPIF driver (ogr2ogr) on the same URL in the same run, and the prefetch throughput of an
 * offline area from a loopback tile server.
 *
 *   _build/bench/bench-dataspace [--count 50000] [--runs 3] [--script tests/dataspace/ogc-server.py]
 */

static char *work_dir;

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Wait *wait = data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  g_main_loop_run (wait->loop);
  g_main_loop_unref (wait->loop);
  return wait->result;
}

static char *
run_capture (const char *const *argv,
             double            *seconds)
{
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;
  int status;
  gint64 start = g_get_monotonic_time ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error) || !g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s", argv[0], error->message, err ? err : "");
  if (seconds != NULL)
    *seconds = (g_get_monotonic_time () - start) / 1e6;
  return out;
}

static double
quartier_fetch (const char *url,
                int         run,
                gint64     *count)
{
  g_autofree char *cache_name = g_strdup_printf ("cache-%d.sqlite", run);
  g_autofree char *cache_path = g_build_filename (work_dir, cache_name, NULL);
  g_autofree char *project_name = g_strdup_printf ("quartier-%d.gpkg", run);
  g_autofree char *project = g_build_filename (work_dir, project_name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtCache) cache = qrt_cache_open (cache_path, &error);
  g_autoptr(QrtDataSpace) space = NULL;
  g_autoptr(QrtCatalog) catalog = NULL;
  g_autoptr(QrtCollection) collection = NULL;
  g_autoptr(GAsyncResult) browsed = NULL;
  g_autoptr(GAsyncResult) fetched = NULL;
  QrtFetchResult result = { 0 };
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  gint64 start = g_get_monotonic_time ();
  double seconds;

  g_assert_no_error (error);
  space = qrt_data_space_new (cache);
  qrt_data_space_catalog_async (space, url, NULL, NULL, wait_cb, &wait);
  browsed = wait_for (&wait);
  catalog = qrt_data_space_catalog_finish (space, browsed, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (qrt_catalog_get_collections (catalog)); i++)
    {
      g_autoptr(QrtCollection) c = g_list_model_get_item (qrt_catalog_get_collections (catalog), i);

      if (g_str_equal (qrt_collection_get_id (c), "buildings"))
        collection = g_steal_pointer (&c);
    }
  g_assert_nonnull (collection);

  wait.loop = g_main_loop_new (NULL, FALSE);
  qrt_data_space_fetch_async (space, collection, project, NULL, NULL, NULL, NULL, wait_cb, &wait);
  fetched = wait_for (&wait);
  if (!qrt_data_space_fetch_finish (space, fetched, &result, &error))
    g_error ("fetch: %s", error->message);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  *count = result.feature_count;
  qrt_fetch_result_clear (&result);
  return seconds;
}

static double
gdal_fetch (const char *url,
            int         run,
            const char *page_size)
{
  g_autofree char *name = g_strdup_printf ("gdal-%d-%s.gpkg", run, page_size);
  g_autofree char *out_path = g_build_filename (work_dir, name, NULL);
  g_autofree char *source = g_strconcat ("OAPIF:", url, NULL);
  g_autofree char *option = g_strconcat ("PAGE_SIZE=", page_size, NULL);
  g_autofree char *out = NULL;
  double seconds;
  const char *argv[] = { "ogr2ogr", "-f", "GPKG", out_path, source, "buildings", "-oo", option,
                         NULL };

  out = run_capture (argv, &seconds);
  return seconds;
}

/* ---- tiles ---- */

static GBytes *tile_png;

static cairo_status_t
append_png (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
tile_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           data)
{
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (tile_png, NULL), g_bytes_get_size (tile_png));
}

static gpointer
tile_server_thread (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  SoupServer *server;
  g_autoptr(GError) error = NULL;
  GSList *uris;
  int *port = data;

  g_main_context_push_thread_default (context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/tiles", tile_handler, NULL, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("%s", error->message);
  uris = soup_server_get_uris (server);
  g_atomic_int_set (port, g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (loop);
  return NULL;
}

static void
bench_prefetch (void)
{
  static int port;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 256, 256);
  cairo_t *cr = cairo_create (surface);
  GByteArray *png = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *cache_path = g_build_filename (work_dir, "tiles.sqlite", NULL);
  g_autoptr(QrtCache) cache = NULL;
  g_autoptr(QrtDataSpace) space = NULL;
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *template = NULL;
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  QrtTileSet set = { .id = "bench", .title = "bench", .max_zoom = 18, .tile_size = 256,
                     .allow_bulk = TRUE };
  gint64 start;
  double seconds;

  /* A noisy tile compresses like a real one (some 20 KB), not like a flat colour. */
  for (int i = 0; i < 4000; i++)
    {
      cairo_set_source_rgb (cr, g_random_double (), g_random_double (), g_random_double ());
      cairo_rectangle (cr, g_random_int_range (0, 256), g_random_int_range (0, 256), 6, 6);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
  cairo_surface_write_to_png_stream (surface, append_png, png);
  cairo_surface_destroy (surface);
  tile_png = g_byte_array_free_to_bytes (png);

  g_thread_unref (g_thread_new ("tile-server", tile_server_thread, &port));
  while (g_atomic_int_get (&port) == 0)
    g_usleep (1000);
  template = g_strdup_printf ("http://127.0.0.1:%d/tiles/{z}/{x}/{y}.png", port);
  set.url_template = template;
  qrt_tile_set_register (&set);

  cache = qrt_cache_open (cache_path, &error);
  g_assert_no_error (error);
  space = qrt_data_space_new (cache);
  area = qrt_cache_add_area (cache, "bench", "bench", 8.00, 51.38, 8.10, 51.44, 10, 17, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  qrt_data_space_download_area_async (space, area->id, NULL, NULL, NULL, wait_cb, &wait);
  result = wait_for (&wait);
  if (!qrt_data_space_download_area_finish (space, result, &error))
    g_error ("prefetch: %s", error->message);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_print ("prefetch: %" G_GINT64_FORMAT " tiles of %zu bytes from a loopback server in %.2f s: "
           "%.0f tiles/s, %.1f MB/s\n",
           area->tile_count, g_bytes_get_size (tile_png), seconds, area->tile_count / seconds,
           area->tile_count * g_bytes_get_size (tile_png) / seconds / 1e6);
}

int
main (int    argc,
      char **argv)
{
  gint64 count = 50000;
  int runs = 3;
  g_autofree char *script = NULL;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT64, &count, "Features to page", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Runs per measurement", "N" },
    { "script", 0, 0, G_OPTION_ARG_FILENAME, &script, "tests/dataspace/ogc-server.py", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— data-space benchmarks");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) gdal = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) gdal_paged = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *gpkg = NULL;
  g_autofree char *count_text = NULL;
  g_autofree char *server_dir = NULL;
  g_autofree char *line = NULL;
  g_autofree char *made = NULL;
  const char *url;
  double seconds;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (script == NULL)
    script = g_build_filename (SOURCE_ROOT, "tests", "dataspace", "ogc-server.py", NULL);
  qrt_core_init ();

  work_dir = g_dir_make_tmp ("quartier-bench-dataspace-XXXXXX", &error);
  g_assert_no_error (error);
  gpkg = g_build_filename (work_dir, "source.gpkg", NULL);
  server_dir = g_build_filename (work_dir, "mapserver", NULL);
  count_text = g_strdup_printf ("%" G_GINT64_FORMAT, count);

  {
    const char *make[] = { "/usr/bin/python3", script, "make-gpkg", "--out", gpkg, "--count",
                           count_text, NULL };
    const char *start[] = { "/usr/bin/python3", script, "start", "--kind", "mapserver", "--gpkg",
                            gpkg, "--workdir", server_dir, NULL };

    made = run_capture (make, NULL);
    line = run_capture (start, NULL);
  }
  g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  url = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "url");
  g_print ("MapServer 8 (lighttpd, CGI) on %s, %" G_GINT64_FORMAT " buildings\n", url, count);

  for (int run = 0; run < runs; run++)
    {
      gint64 got = 0;

      seconds = quartier_fetch (url, run, &got);
      if (got != count)
        g_error ("Quartier fetched %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, got, count);
      g_array_append_val (ours, seconds);
      seconds = gdal_fetch (url, run, "5000");
      g_array_append_val (gdal, seconds);
      seconds = gdal_fetch (url, run, "1000");
      g_array_append_val (gdal_paged, seconds);
      g_print ("run %d: Quartier %.2f s, ogr2ogr PAGE_SIZE=5000 %.2f s, PAGE_SIZE=1000 %.2f s\n",
               run, g_array_index (ours, double, run), g_array_index (gdal, double, run),
               g_array_index (gdal_paged, double, run));
    }
  {
    double q = qrt_bench_median (ours), g = qrt_bench_median (gdal),
           gp = qrt_bench_median (gdal_paged);

    /* GDAL's default page is 10 features: 5,000 requests to a CGI server, minutes; it is
     * left out, and GDAL gets Quartier's page size (5000) and a middle one. */
    g_print ("paging %" G_GINT64_FORMAT " features, median of %d: Quartier %.2f s (catalog, pages, "
             "cache, import into a project); ogr2ogr OAPIF → GPKG with PAGE_SIZE=5000 %.2f s "
             "(%.2f× Quartier's time), PAGE_SIZE=1000 %.2f s (%.2f×)\n",
             count, runs, q, g, g / q, gp, gp / q);
  }

  {
    const char *stop[] = { "/usr/bin/python3", script, "stop", "--workdir", server_dir, NULL };
    g_free (run_capture (stop, NULL));
  }

  bench_prefetch ();

  {
    const char *rm[] = { "rm", "-rf", work_dir, NULL };
    g_free (run_capture (rm, NULL));
  }
  return 0;
}
