/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qrt-core.h"
#include "quartier-cli.h"

/* The data-space and cache commands: catalog, fetch, cache. */

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

static void
wait_run (Wait *wait)
{
  g_main_loop_run (wait->loop);
}

static void
wait_clear (Wait *wait)
{
  g_clear_pointer (&wait->loop, g_main_loop_unref);
  g_clear_object (&wait->result);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Wait, wait_clear)

static void
wait_init (Wait *wait)
{
  wait->loop = g_main_loop_new (NULL, FALSE);
  wait->result = NULL;
}

static QrtDataSpace *
open_data_space (const char  *cache_path,
                 gboolean     offline,
                 GError     **error)
{
  g_autoptr(QrtCache) cache = qrt_cache_open (cache_path, error);
  QrtDataSpace *space;

  if (cache == NULL)
    return NULL;
  if (qrt_cache_get_recovered_from (cache) != NULL)
    cli_complain (_("The cache was damaged; it was moved to “%s” and started anew."),
                  qrt_cache_get_recovered_from (cache));
  space = qrt_data_space_new (cache);
  qrt_data_space_set_offline (space, offline);
  return space;
}

static QrtCatalog *
browse (QrtDataSpace  *space,
        const char    *url,
        const char    *query,
        GError       **error)
{
  g_auto(Wait) wait = { NULL, NULL };

  wait_init (&wait);
  qrt_data_space_catalog_async (space, url, query, NULL, wait_cb, &wait);
  wait_run (&wait);
  return qrt_data_space_catalog_finish (space, wait.result, error);
}

static gboolean
parse_wgs84_bbox (const char *text,
                  QrtBBox    *bbox)
{
  if (!qrt_bbox_parse (text, bbox))
    return FALSE;
  return bbox->min_x >= -180 && bbox->max_x <= 180 && bbox->min_y >= -90 && bbox->max_y <= 90;
}

int
cli_command_catalog (int    argc,
                     char **argv)
{
  g_autofree char *query = NULL;
  g_autofree char *cache_path = NULL;
  gboolean offline = FALSE;
  GOptionEntry entries[] = {
    { "query", 'q', 0, G_OPTION_ARG_STRING, &query, N_("Search words (CKAN portals)"),
      N_("WORDS") },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, N_("Use only what the cache holds"), NULL },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_path, N_("Cache file (default: the user’s)"),
      N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("URL — list the collections or datasets of a data-space service"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtDataSpace) space = NULL;
  g_autoptr(QrtCatalog) catalog = NULL;
  GListModel *collections;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name one web address of a service."));

  if ((space = open_data_space (cache_path, offline, &error)) == NULL ||
      (catalog = browse (space, argv[1], query, &error)) == NULL)
    return cli_fail (error);

  collections = qrt_catalog_get_collections (catalog);
  for (guint i = 0; i < g_list_model_get_n_items (collections); i++)
    {
      g_autoptr(QrtCollection) collection = g_list_model_get_item (collections, i);
      gint64 count = qrt_collection_get_count (collection);

      if (count >= 0)
        g_print ("%s\t%s\t%" G_GINT64_FORMAT "\n", qrt_collection_get_id (collection),
                 qrt_collection_get_title (collection), count);
      else
        g_print ("%s\t%s\t\n", qrt_collection_get_id (collection),
                 qrt_collection_get_title (collection));
    }
  return 0;
}

int
cli_command_fetch (int    argc,
                   char **argv)
{
  g_autofree char *collection_id = NULL;
  g_autofree char *into = NULL;
  g_autofree char *bbox_text = NULL;
  g_autofree char *name = NULL;
  g_autofree char *cache_path = NULL;
  gboolean offline = FALSE;
  GOptionEntry entries[] = {
    { "collection", 'c', 0, G_OPTION_ARG_STRING, &collection_id,
      N_("Collection, feature type or resource to fetch"), N_("ID") },
    { "into", 'i', 0, G_OPTION_ARG_FILENAME, &into,
      N_("Project GeoPackage (created when missing)"), N_("FILE") },
    { "bbox", 'b', 0, G_OPTION_ARG_STRING, &bbox_text,
      N_("Only features in this box, WGS 84 degrees"), N_("WEST,SOUTH,EAST,NORTH") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Name of the new layer (default: the collection id)"),
      N_("NAME") },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, N_("Use only what the cache holds"), NULL },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_path, N_("Cache file (default: the user’s)"),
      N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("URL — download a collection into a project"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtDataSpace) space = NULL;
  g_autoptr(QrtCatalog) catalog = NULL;
  g_autoptr(QrtCollection) collection = NULL;
  QrtFetchOptions options = { 0 };
  QrtFetchResult result = { 0 };
  GListModel *collections;
  g_auto(Wait) wait = { NULL, NULL };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name one web address of a service."));
  if (into == NULL)
    return cli_fail_usage (context, _("Say which project to fetch into with --into FILE.gpkg."));
  if (bbox_text != NULL)
    {
      if (!parse_wgs84_bbox (bbox_text, &options.bbox))
        return cli_fail_usage (context, _("--bbox takes WEST,SOUTH,EAST,NORTH in degrees."));
      options.have_bbox = TRUE;
    }
  options.target_name = name;

  if ((space = open_data_space (cache_path, offline, &error)) == NULL ||
      (catalog = browse (space, argv[1], NULL, &error)) == NULL)
    return cli_fail (error);

  collections = qrt_catalog_get_collections (catalog);
  for (guint i = 0; i < g_list_model_get_n_items (collections) && collection == NULL; i++)
    {
      g_autoptr(QrtCollection) candidate = g_list_model_get_item (collections, i);

      if (collection_id == NULL ? g_list_model_get_n_items (collections) == 1
                                : g_strcmp0 (qrt_collection_get_id (candidate), collection_id) == 0)
        collection = g_steal_pointer (&candidate);
    }
  if (collection == NULL)
    {
      if (collection_id == NULL)
        return cli_fail_usage (context, _("The service offers several collections; choose one "
                                          "with --collection ID (see “quartier-cli catalog”)."));
      cli_complain (_("The service has no collection “%s”."), collection_id);
      return 1;
    }

  wait_init (&wait);
  qrt_data_space_fetch_async (space, collection, into, &options, cli_print_progress, NULL, NULL,
                              wait_cb, &wait);
  wait_run (&wait);
  if (isatty (fileno (stderr)))
    g_printerr ("\r");
  if (!qrt_data_space_fetch_finish (space, wait.result, &result, &error))
    return cli_fail (error);

  {
    g_autofree char *features = g_strdup_printf (
      /* TRANSLATORS: the number of features fetched */
      g_dngettext (GETTEXT_PACKAGE, "%lld feature", "%lld features",
                   (unsigned long) result.feature_count),
      (long long) result.feature_count);

    if (result.from_cache)
      /* TRANSLATORS: layer name: number of features */
      g_print (_("%s: %s, from the cache\n"), result.layer_name, features);
    else
      /* TRANSLATORS: layer name: number of features */
      g_print (_("%s: %s\n"), result.layer_name, features);
  }
  qrt_fetch_result_clear (&result);
  return 0;
}

/* ---- cache ---- */

static void
print_area (const QrtOfflineArea *area)
{
  g_autofree char *size = g_format_size (area->stored_bytes);

  g_print ("%" G_GINT64_FORMAT "\t%s\t%s\t%.5f,%.5f,%.5f,%.5f\t%d-%d\t%" G_GINT64_FORMAT "/%"
           G_GINT64_FORMAT "\t%s\n",
           area->id, area->name, area->tileset, area->west, area->south, area->east, area->north,
           area->min_zoom, area->max_zoom, area->stored_count, area->tile_count, size);
}

static gboolean
parse_zoom_range (const char *text,
                  int        *min_zoom,
                  int        *max_zoom)
{
  g_auto(GStrv) parts = g_strsplit (text, "-", 2);
  guint64 a, b;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 22, &a, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 22, &b, NULL) || a > b)
    return FALSE;
  *min_zoom = (int) a;
  *max_zoom = (int) b;
  return TRUE;
}

int
cli_command_cache (int    argc,
                   char **argv)
{
  g_autofree char *cache_path = NULL;
  g_autofree char *tileset = NULL;
  g_autofree char *bbox_text = NULL;
  g_autofree char *zoom = NULL;
  g_autofree char *name = NULL;
  g_autofree char *out = NULL;
  gint64 area_id = 0;
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_path, N_("Cache file (default: the user’s)"),
      N_("FILE") },
    { "tileset", 't', 0, G_OPTION_ARG_STRING, &tileset,
      N_("Base map: basemap.de (default) or another tile set id"), N_("ID") },
    { "bbox", 'b', 0, G_OPTION_ARG_STRING, &bbox_text, N_("Area to prefetch, WGS 84 degrees"),
      N_("WEST,SOUTH,EAST,NORTH") },
    { "zoom", 'z', 0, G_OPTION_ARG_STRING, &zoom, N_("Zoom levels to prefetch (default 10-16)"),
      N_("MIN-MAX") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Name of the offline area"), N_("NAME") },
    { "area", 'a', 0, G_OPTION_ARG_INT64, &area_id, N_("Offline area to export"), N_("ID") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("MBTiles file to write"), N_("FILE") },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Purge offline areas too"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("info|prefetch|export|import|purge — the offline cache"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtCache) cache = NULL;
  const char *verb;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc < 2)
    return cli_fail_usage (context, _("Say what to do: info, prefetch, export, import or purge."));
  verb = argv[1];

  if ((cache = qrt_cache_open (cache_path, &error)) == NULL)
    return cli_fail (error);
  if (qrt_cache_get_recovered_from (cache) != NULL)
    cli_complain (_("The cache was damaged; it was moved to “%s” and started anew."),
                  qrt_cache_get_recovered_from (cache));

  if (g_str_equal (verb, "info"))
    {
      g_autofree char *size = g_format_size (qrt_cache_get_size (cache));
      g_autofree char *max = g_format_size (qrt_cache_get_max_size (cache));
      g_autoptr(GPtrArray) areas = qrt_cache_list_areas (cache, &error);

      if (areas == NULL)
        return cli_fail (error);
      g_print (_("Cache: %s\n"), qrt_cache_get_path (cache));
      g_print (_("Size: %s of at most %s\n"), size, max);
      g_print (_("Offline areas: %u\n"), areas->len);
      for (guint i = 0; i < areas->len; i++)
        print_area (areas->pdata[i]);
      return 0;
    }

  if (g_str_equal (verb, "prefetch"))
    {
      g_autoptr(QrtDataSpace) space = qrt_data_space_new (cache);
      g_autoptr(QrtOfflineArea) area = NULL;
      const QrtTileSet *set;
      QrtBBox bbox;
      int min_zoom = 10, max_zoom = 16;
      g_auto(Wait) wait = { NULL, NULL };

      if (bbox_text == NULL || !parse_wgs84_bbox (bbox_text, &bbox))
        return cli_fail_usage (context, _("prefetch needs --bbox WEST,SOUTH,EAST,NORTH in degrees."));
      if (zoom != NULL && !parse_zoom_range (zoom, &min_zoom, &max_zoom))
        return cli_fail_usage (context, _("--zoom takes MIN-MAX, e.g. 10-16."));
      if ((set = qrt_tile_set_lookup (tileset ? tileset : "basemap.de")) == NULL)
        {
          cli_complain (_("There is no base map “%s”."), tileset);
          return 1;
        }
      if (!set->allow_bulk)
        {
          cli_complain (_("The tile policy of %s forbids downloading whole areas. "
                          "Choose basemap.de for offline areas."), _(set->title));
          return 1;
        }
      area = qrt_cache_add_area (cache, name ? name : _("Offline area"), set->id, bbox.min_x,
                                 bbox.min_y, bbox.max_x, bbox.max_y, min_zoom, max_zoom, &error);
      if (area == NULL)
        return cli_fail (error);

      wait_init (&wait);
      qrt_data_space_download_area_async (space, area->id, cli_print_progress, NULL, NULL,
                                          wait_cb, &wait);
      wait_run (&wait);
      if (isatty (fileno (stderr)))
        g_printerr ("\r");
      if (!qrt_data_space_download_area_finish (space, wait.result, &error))
        return cli_fail (error);
      {
        g_autoptr(QrtOfflineArea) done = qrt_cache_get_area (cache, area->id, &error);

        if (done == NULL)
          return cli_fail (error);
        print_area (done);
      }
      return 0;
    }

  if (g_str_equal (verb, "export"))
    {
      if (area_id <= 0 || out == NULL)
        return cli_fail_usage (context, _("export needs --area ID and --out FILE.mbtiles."));
      if (!qrt_cache_export_area (cache, area_id, out, &error))
        return cli_fail (error);
      g_print ("%s\n", out);
      return 0;
    }

  if (g_str_equal (verb, "import"))
    {
      g_autoptr(QrtOfflineArea) area = NULL;

      if (argc != 3)
        return cli_fail_usage (context, _("import takes one .mbtiles file."));
      area = qrt_cache_import_mbtiles (cache, argv[2], tileset ? tileset : "basemap.de", &error);
      if (area == NULL)
        return cli_fail (error);
      print_area (area);
      return 0;
    }

  if (g_str_equal (verb, "purge"))
    {
      if (!qrt_cache_purge (cache, all, &error))
        return cli_fail (error);
      return 0;
    }

  return cli_fail_usage (context, _("Say what to do: info, prefetch, export, import or purge."));
}
