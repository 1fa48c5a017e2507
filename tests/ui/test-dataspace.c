/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <string.h>

#include "qrt-core.h"
#include "qrt-layer-row.h"
#include "qrt-window-private.h"
#include "dialogs/qrt-catalog-dialog.h"
#include "dialogs/qrt-offline-areas-dialog.h"
#include "map/qrt-basemap-source.h"
#include "cache/qrt-cache.h"
#include "qrt-ui.h"
#include "qrt-test-ui.h"

/*
 * The window's data-space parts: the offline bar and win.work-offline, the base-map chooser,
 * the offline areas dialog over a cache in the test's own XDG_CACHE_HOME (with an area drawn
 * on the map), the catalog dialog against an address where nothing listens and against the
 * small service below, and refreshing a fetched layer from there. Nothing here reaches the
 * internet: the window works offline whenever a base map is shown.
 */

#define TIMEOUT_SECONDS 60

static char *demo_dir;
static char *demo_path;

/* A small OGC API Features service on the loopback interface. */
static SoupServer *server;
static char *service_url;

static const char collections_json[] =
  "{\"title\":\"Geobasis Teststadt\",\"links\":[],\"collections\":["
  "{\"id\":\"flurstueck\",\"title\":\"Flurstücke\",\"description\":\"Parcels of the "
  "real estate cadastre, with their number and area.\",\"itemCount\":123456,"
  "\"links\":[{\"rel\":\"license\",\"href\":\"https://www.govdata.de/dl-de/zero-2-0\","
  "\"title\":\"Datenlizenz Deutschland – Zero – Version 2.0\"}],"
  "\"extent\":{\"spatial\":{\"bbox\":[[5.86,50.32,9.46,52.53]]}}},"
  "{\"id\":\"gebaeude\",\"title\":\"Gebäude und Bauwerke\",\"description\":\"Building "
  "footprints.\",\"itemCount\":2,\"attribution\":\"© Teststadt\","
  "\"extent\":{\"spatial\":{\"bbox\":[[7.0,51.0,8.0,52.0]]}}},"
  "{\"id\":\"nutzung\",\"title\":\"Tatsächliche Nutzung\"},"
  "{\"id\":\"katasterbezirk\",\"title\":\"Katasterbezirke\",\"itemCount\":3045}]}";

/* The items of every collection: two buildings, then as many more as extra_features says
 * (the refresh test adds some, as if the source had been updated). */
static guint extra_features;

static char *
build_items_json (void)
{
  GString *json = g_string_new (NULL);
  guint n = 2 + extra_features;

  g_string_append_printf (json, "{\"type\":\"FeatureCollection\",\"numberMatched\":%u,"
                          "\"numberReturned\":%u,\"features\":[", n, n);
  for (guint i = 0; i < n; i++)
    {
      double x = 7.50 + 0.01 * i, y = 51.50 + 0.01 * i;

      g_string_append_printf (json,
                              "%s{\"type\":\"Feature\",\"id\":\"g%u\","
                              "\"properties\":{\"name\":\"%s %u\"},"
                              "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
                              "[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}",
                              i > 0 ? "," : "", i + 1, i == 0 ? "Rathaus" : "Haus", i + 1,
                              x, y, x + 0.001, y, x + 0.001, y + 0.001, x, y + 0.001, x, y);
    }
  g_string_append (json, "]}");
  return g_string_free (json, FALSE);
}

static void
serve_cb (SoupServer        *soup_server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  char *body = NULL;
  const char *type = "application/json";

  if (g_str_equal (path, "/ogc") || g_str_equal (path, "/ogc/") ||
      g_str_equal (path, "/ogc/collections"))
    body = g_strdup (collections_json);
  else if (g_str_has_prefix (path, "/ogc/") && g_str_has_suffix (path, "/items"))
    {
      body = build_items_json ();
      type = "application/geo+json";
    }

  if (body == NULL)
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  /* Stale at once: a refresh must ask again, and gets what is there now. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "max-age=0");
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
start_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, serve_cb, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  service_url = g_strdup_printf ("http://127.0.0.1:%d/ogc", g_uri_get_port (uris->data));
}

static GSettings *
get_settings (void)
{
  return g_settings_new ("io.github.quartier.Quartier");
}

static QrtWindow *
create_window (void)
{
  QrtWindow *window = qrt_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static gboolean
project_shown (gpointer data)
{
  QrtWindow *window = data;

  return qrt_window_get_project (window) != NULL || _qrt_window_get_n_errors (window) > 0;
}

static gboolean
map_painted (gpointer data)
{
  QrtWindow *window = data;

  return _qrt_window_get_n_map_paints (window) > 0 || _qrt_window_get_n_errors (window) > 0;
}

static QrtWindow *
open_window_at (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  QrtWindow *window = create_window ();

  qrt_window_open_file (window, file);
  qrt_test_wait_until (project_shown, window, TIMEOUT_SECONDS, "the demo to open");
  g_assert_null (_qrt_window_get_last_error (window));
  return window;
}

static QrtWindow *
open_demo_window (void)
{
  return open_window_at (demo_path);
}

static gboolean
data_space_settled (gpointer data)
{
  QrtWindow *window = data;

  return window->data_space != NULL || window->data_space_failed;
}

/* The client is opened in a worker thread on first use: waits for it. */
static QrtDataSpace *
wait_for_data_space (QrtWindow *window)
{
  if (_qrt_window_get_data_space (window) == NULL)
    qrt_test_wait_until (data_space_settled, window, TIMEOUT_SECONDS,
                         "the offline cache to be opened");
  return window->data_space;
}

static gboolean
has_catalog_dialog (gpointer data)
{
  return _qrt_window_get_catalog_dialog (data) != NULL;
}

static gboolean
has_offline_areas_dialog (gpointer data)
{
  return _qrt_window_get_offline_areas_dialog (data) != NULL;
}

static gboolean
areas_listed (gpointer data)
{
  return !qrt_offline_areas_dialog_get_busy (data);
}

/* The dialog works on the cache in worker threads: waits for what it was asked to do. */
static void
wait_for_areas (QrtOfflineAreasDialog *dialog)
{
  qrt_test_wait_until (areas_listed, dialog, TIMEOUT_SECONDS, "the offline areas");
}

static gboolean
has_basemap_layer (gpointer data)
{
  return _qrt_window_get_basemap_layer (data) != NULL;
}

static gboolean
row_titled (GtkWidget     *widget,
            gconstpointer  title)
{
  return ADW_IS_PREFERENCES_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  return qrt_test_find (widget, row_titled, title);
}

static gboolean
layer_row_named (GtkWidget     *widget,
                 gconstpointer  name)
{
  QrtProjectLayer *layer = QRT_IS_LAYER_ROW (widget)
                             ? qrt_layer_row_get_layer (QRT_LAYER_ROW (widget)) : NULL;

  return layer != NULL && g_strcmp0 (qrt_project_layer_get_name (layer), name) == 0;
}

static QrtLayerRow *
find_layer_row (GtkWidget  *widget,
                const char *name)
{
  return (QrtLayerRow *) qrt_test_find (widget, layer_row_named, name);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  /* Transfer none: GTK's own list. */
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static void
test_offline_bar (void)
{
  g_autoptr(GSettings) settings = get_settings ();
  QrtWindow *window;
  QrtDataSpace *data_space;

  g_settings_set_boolean (settings, "work-offline", FALSE);
  window = create_window ();
  _qrt_window_set_network_available (window, TRUE);
  data_space = wait_for_data_space (window);
  g_assert_nonnull (data_space);

  g_assert_false (qrt_offline_bar_get_revealed (window->offline_bar));
  g_assert_false (qrt_data_space_get_offline (data_space));

  /* The main menu's Work Offline: the bar, with Go Online, and the client offline. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.work-offline", NULL));
  g_assert_true (window->work_offline);
  g_assert_true (qrt_offline_bar_get_revealed (window->offline_bar));
  g_assert_true (qrt_offline_bar_get_manual (window->offline_bar));
  g_assert_true (qrt_data_space_get_offline (data_space));
  g_assert_true (g_settings_get_boolean (settings, "work-offline"));
  qrt_test_screenshot (GTK_WIDGET (window), "offline-bar-welcome");

  /* Go Online. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.work-offline", NULL));
  g_assert_false (qrt_offline_bar_get_revealed (window->offline_bar));
  g_assert_false (qrt_data_space_get_offline (data_space));
  g_assert_false (g_settings_get_boolean (settings, "work-offline"));

  /* The network gone: the bar again, without a button to click. */
  _qrt_window_set_network_available (window, FALSE);
  g_assert_true (qrt_offline_bar_get_revealed (window->offline_bar));
  g_assert_false (qrt_offline_bar_get_manual (window->offline_bar));
  g_assert_true (qrt_data_space_get_offline (data_space));
  _qrt_window_set_network_available (window, TRUE);
  g_assert_false (qrt_offline_bar_get_revealed (window->offline_bar));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_base_map (void)
{
  g_autoptr(GSettings) settings = get_settings ();
  QrtWindow *window;
  ShumateMap *map;
  GtkWidget *first;

  g_settings_set_string (settings, "base-map", "");
  /* No tile request leaves the machine. */
  g_settings_set_boolean (settings, "work-offline", TRUE);
  window = open_demo_window ();
  map = shumate_simple_map_get_map (SHUMATE_SIMPLE_MAP (_qrt_window_get_map_widget (window)));
  g_assert_null (_qrt_window_get_basemap_layer (window));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.base-map", "s",
                                             "basemap.de"));
  g_assert_cmpstr (g_settings_get_string (settings, "base-map"), ==, "basemap.de");
  /* Shown once the offline cache is open (in a worker thread). */
  qrt_test_wait_until (has_basemap_layer, window, TIMEOUT_SECONDS, "the base map");
  /* Under the project's layers. */
  first = gtk_widget_get_first_child (GTK_WIDGET (map));
  g_assert_true (first == GTK_WIDGET (_qrt_window_get_basemap_layer (window)));
  g_assert_nonnull (gtk_widget_get_next_sibling (first));
  qrt_test_screenshot (GTK_WIDGET (window), "window-offline-basemap");

  /* The chooser in the header: a menu of the tile sets, the one shown checked. */
  gtk_menu_button_popup (window->basemap_button);
  qrt_test_screenshot (GTK_WIDGET (gtk_menu_button_get_popover (window->basemap_button)),
              "basemap-menu");
  gtk_menu_button_popdown (window->basemap_button);

  /* Refreshing offline fetches nothing and says why. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh-data", NULL));
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "offline"));

  /* Another tile set replaces it, and the key follows. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.base-map", "s",
                                             "openstreetmap"));
  g_assert_cmpstr (g_settings_get_string (settings, "base-map"), ==, "openstreetmap");
  g_assert_true (gtk_widget_get_first_child (GTK_WIDGET (map)) ==
                 GTK_WIDGET (_qrt_window_get_basemap_layer (window)));

  /* A change of the key from elsewhere (another window) reaches this one too. */
  g_settings_set_string (settings, "base-map", "");
  g_assert_null (_qrt_window_get_basemap_layer (window));
  g_assert_false (gtk_widget_get_first_child (GTK_WIDGET (map)) == first);

  g_settings_set_boolean (settings, "work-offline", FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
received_data_cb (ShumateDataSource *source,
                  int                x,
                  int                y,
                  int                zoom,
                  GBytes            *bytes,
                  guint             *n_received)
{
  g_assert_cmpint (x, ==, 4);
  g_assert_cmpint (y, ==, 5);
  g_assert_cmpint (zoom, ==, 6);
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);
  (*n_received)++;
}

static void
filled_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;

  /* FALSE with an error, or TRUE: either way the wait is over. */
  if (shumate_map_source_fill_tile_finish (SHUMATE_MAP_SOURCE (object), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "filled");
}

static gboolean
is_set (gpointer data)
{
  return *(GError **) data != NULL;
}

static void
test_basemap_source (void)
{
  g_autoptr(QrtCache) cache = NULL;
  g_autoptr(QrtDataSpace) data_space = NULL;
  g_autoptr(ShumateRasterRenderer) renderer = NULL;
  g_autoptr(ShumateDataSource) source = NULL;
  g_autoptr(ShumateTile) tile = NULL;
  g_autoptr(ShumateTile) missing = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  GError *result = NULL;
  const QrtTileSet *set = qrt_tile_set_lookup ("basemap.de");
  guint32 *red = g_new (guint32, 256 * 256);
  guint n_received = 0;

  /* One red tile in the cache; offline, nothing else can be had. */
  for (guint i = 0; i < 256 * 256; i++)
    red[i] = 0xffff0000;
  pixels = g_bytes_new_take (red, 256 * 256 * 4);
  texture = gdk_memory_texture_new (256, 256, GDK_MEMORY_DEFAULT, pixels, 256 * 4);
  png = gdk_texture_save_to_png_bytes (texture);
  cache = qrt_cache_open (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (qrt_cache_put_tile (cache, "basemap.de", 6, 4, 5, png, &error));
  g_assert_no_error (error);
  data_space = qrt_data_space_new (cache);
  qrt_data_space_set_offline (data_space, TRUE);

  g_assert_nonnull (set);
  renderer = qrt_basemap_renderer_new (data_space, set, 1);
  g_assert_cmpstr (shumate_map_source_get_license (SHUMATE_MAP_SOURCE (renderer)), ==,
                   set->attribution);
  g_object_get (renderer, "data-source", &source, NULL);
  g_signal_connect (source, "received-data", G_CALLBACK (received_data_cb), &n_received);

  /* The cached tile: "received-data" first (the renderer's picture comes from it), then
   * the tile is done and has a texture. */
  tile = shumate_tile_new_full (4, 5, 256, 6);
  g_object_ref_sink (tile);
  shumate_map_source_fill_tile_async (SHUMATE_MAP_SOURCE (renderer), tile, NULL, filled_cb,
                                      &result);
  qrt_test_wait_until (is_set, &result, TIMEOUT_SECONDS, "the cached tile");
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&result);
  g_assert_cmpuint (n_received, ==, 1);
  g_assert_nonnull (shumate_tile_get_paintable (tile));
  g_assert_cmpint (shumate_tile_get_state (tile), ==, SHUMATE_STATE_DONE);
  g_assert_cmpuint (qrt_basemap_source_get_n_loaded (QRT_BASEMAP_SOURCE (source)), ==, 1);

  /* Missing and offline: an error, no picture, no signal. */
  missing = shumate_tile_new_full (5, 5, 256, 6);
  g_object_ref_sink (missing);
  shumate_map_source_fill_tile_async (SHUMATE_MAP_SOURCE (renderer), missing, NULL, filled_cb,
                                      &result);
  qrt_test_wait_until (is_set, &result, TIMEOUT_SECONDS, "the missing tile");
  g_assert_error (result, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_OFFLINE);
  g_clear_error (&result);
  g_assert_cmpuint (n_received, ==, 1);
  g_assert_null (shumate_tile_get_paintable (missing));
  g_assert_cmpuint (qrt_basemap_source_get_n_failed (QRT_BASEMAP_SOURCE (source)), ==, 1);
}

static void
test_offline_areas (void)
{
  g_autoptr(GSettings) settings = get_settings ();
  g_autoptr(QrtCache) cache = NULL;
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_path = NULL;
  QrtOfflineAreasDialog *dialog;
  AdwMessageDialog *confirm;
  QrtWindow *window;
  QrtBBox view = { 7.60, 51.35, 7.75, 51.42 };

  g_settings_set_boolean (settings, "work-offline", TRUE);

  /* The isolated XDG_CACHE_HOME of this test: the window must use the same cache. */
  cache = qrt_cache_open (NULL, &error);
  g_assert_no_error (error);
  expected_path = g_build_filename (g_get_user_cache_dir (), "quartier", NULL);
  g_assert_true (g_str_has_prefix (qrt_cache_get_path (cache), expected_path));
  area = qrt_cache_add_area (cache, "Teststadt Mitte", "basemap.de", 7.6, 51.35, 7.7, 51.4,
                             10, 12, &error);
  g_assert_no_error (error);

  window = create_window ();
  /* The first use of the cache: the dialog comes once it is open, without asking again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.offline-areas", NULL));
  g_assert_null (_qrt_window_get_offline_areas_dialog (window));
  qrt_test_wait_until (has_offline_areas_dialog, window, TIMEOUT_SECONDS,
                       "the offline areas dialog");
  dialog = QRT_OFFLINE_AREAS_DIALOG (_qrt_window_get_offline_areas_dialog (window));
  wait_for_areas (dialog);
  g_assert_cmpuint (qrt_offline_areas_dialog_get_n_areas (dialog), ==, 1);
  g_assert_nonnull (find_row (GTK_WIDGET (dialog), "Teststadt Mitte"));

  /* Without a map there is no area to make; with a view, the count is the core's. */
  g_assert_cmpint (qrt_offline_areas_dialog_get_estimate (dialog), ==, -1);
  qrt_offline_areas_dialog_set_extents (dialog, &view, NULL, 11.0);
  g_assert_cmpint (qrt_offline_areas_dialog_get_estimate (dialog), ==,
                   qrt_tile_count_for_area (view.min_x, view.min_y, view.max_x, view.max_y,
                                            11, 15));
  qrt_test_screenshot (GTK_WIDGET (dialog), "offline-areas-dialog");

  /* OpenStreetMap forbids area downloads: the button does nothing, a note says why. */
  qrt_offline_areas_dialog_set_tile_set (dialog, "openstreetmap");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "areas.new", NULL);
  g_assert_false (qrt_offline_areas_dialog_get_busy (dialog));
  g_assert_cmpuint (qrt_offline_areas_dialog_get_n_areas (dialog), ==, 1);
  qrt_test_screenshot (GTK_WIDGET (dialog), "offline-areas-osm");
  qrt_offline_areas_dialog_set_tile_set (dialog, "basemap.de");

  /* Delete asks first; Cancel keeps the area. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "areas.delete", "x",
                                             area->id));
  confirm = find_message_dialog ();
  g_assert_nonnull (confirm);
  qrt_test_screenshot (GTK_WIDGET (confirm), "offline-areas-delete");
  adw_message_dialog_response (confirm, "cancel");
  g_assert_cmpuint (qrt_offline_areas_dialog_get_n_areas (dialog), ==, 1);
  qrt_test_settle (300);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "areas.delete", "x",
                                             area->id));
  confirm = find_message_dialog ();
  g_assert_nonnull (confirm);
  adw_message_dialog_response (confirm, "delete");
  g_assert_true (qrt_offline_areas_dialog_get_busy (dialog));
  wait_for_areas (dialog);
  g_assert_cmpuint (qrt_offline_areas_dialog_get_n_areas (dialog), ==, 0);
  g_assert_null (find_row (GTK_WIDGET (dialog), "Teststadt Mitte"));

  /* Gone from the cache itself, as another connection sees it. */
  areas = qrt_cache_list_areas (cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (areas->len, ==, 0);
  g_clear_pointer (&areas, g_ptr_array_unref);

  /* A new one is stored (in a worker), listed, and its download stops at once: offline. */
  g_assert_true (qrt_data_space_get_offline (wait_for_data_space (window)));
  gtk_editable_set_text (GTK_EDITABLE (qrt_test_find_type (GTK_WIDGET (dialog),
                                                            ADW_TYPE_ENTRY_ROW)),
                         "Neues Gebiet");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "areas.new", NULL));
  g_assert_true (qrt_offline_areas_dialog_get_busy (dialog));
  wait_for_areas (dialog);
  g_assert_cmpuint (qrt_offline_areas_dialog_get_n_areas (dialog), ==, 1);
  g_assert_nonnull (find_row (GTK_WIDGET (dialog), "Neues Gebiet"));
  areas = qrt_cache_list_areas (cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (areas->len, ==, 1);

  g_settings_set_boolean (settings, "work-offline", FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
catalog_done (gpointer data)
{
  return !qrt_catalog_dialog_get_busy (data);
}

static void
test_catalog_unreachable (void)
{
  g_autoptr(GSettings) settings = get_settings ();
  QrtCatalogDialog *dialog;
  QrtWindow *window;
  const char *message;

  g_settings_set_boolean (settings, "work-offline", FALSE);
  window = create_window ();
  _qrt_window_set_network_available (window, TRUE);

  /* Data is added to a project: without one, there is no catalog to open. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-from-data-space", NULL);
  g_assert_null (_qrt_window_get_catalog_dialog (window));
  gtk_window_destroy (GTK_WINDOW (window));

  window = open_demo_window ();
  _qrt_window_set_network_available (window, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-from-data-space",
                                             NULL));
  qrt_test_wait_until (has_catalog_dialog, window, TIMEOUT_SECONDS, "the catalog");
  dialog = QRT_CATALOG_DIALOG (_qrt_window_get_catalog_dialog (window));
  g_assert_nonnull (dialog);
  g_assert_null (qrt_catalog_dialog_get_error (dialog));

  /* Port 9 (discard): nothing listens there. */
  qrt_catalog_dialog_set_url (dialog, "http://127.0.0.1:9/");
  qrt_catalog_dialog_connect (dialog);
  g_assert_true (qrt_catalog_dialog_get_busy (dialog));
  qrt_test_wait_until (catalog_done, dialog, TIMEOUT_SECONDS, "the connection to fail");

  message = qrt_catalog_dialog_get_error (dialog);
  g_test_message ("error shown: %s", message);
  g_assert_nonnull (message);
  g_assert_cmpstr (message, !=, "");
  g_assert_cmpuint (g_list_model_get_n_items (qrt_catalog_dialog_get_collections (dialog)), ==, 0);
  /* The address is remembered for the next time. */
  g_assert_cmpstr (g_settings_get_string (settings, "data-space-url"), ==, "http://127.0.0.1:9/");
  qrt_test_screenshot (GTK_WIDGET (dialog), "catalog-dialog-error");

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
damaged_not_fatal_cb (const char     *log_domain,
                      GLogLevelFlags  log_level,
                      const char     *message,
                      gpointer        user_data)
{
  return !(g_strcmp0 (log_domain, "Quartier") == 0 && strstr (message, "damaged") != NULL);
}

static gboolean
n_imports_grew (gpointer data)
{
  QrtWindow *window = data;

  return _qrt_window_get_n_imports (window) > 0 || _qrt_window_get_n_errors (window) > 0;
}

static void
test_catalog_fetch (void)
{
  g_autoptr(GSettings) settings = get_settings ();
  g_autoptr(QrtCollection) collection = NULL;
  QrtCatalogDialog *dialog;
  QrtProjectLayer *layer;
  QrtWindow *window;
  GListModel *collections;
  GtkSearchEntry *search;

  g_settings_set_boolean (settings, "work-offline", FALSE);
  g_settings_set_string (settings, "base-map", "");
  window = open_demo_window ();
  _qrt_window_set_network_available (window, TRUE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-from-data-space",
                                             NULL));
  qrt_test_wait_until (has_catalog_dialog, window, TIMEOUT_SECONDS, "the catalog");
  dialog = QRT_CATALOG_DIALOG (_qrt_window_get_catalog_dialog (window));
  qrt_catalog_dialog_set_url (dialog, service_url);
  qrt_catalog_dialog_connect (dialog);
  qrt_test_wait_until (catalog_done, dialog, TIMEOUT_SECONDS, "the catalog");
  g_assert_null (qrt_catalog_dialog_get_error (dialog));

  collections = qrt_catalog_dialog_get_collections (dialog);
  g_assert_cmpuint (g_list_model_get_n_items (collections), ==, 4);
  qrt_test_screenshot (GTK_WIDGET (dialog), "catalog-dialog");

  /* The search narrows the list, on titles and ids alike. */
  search = GTK_SEARCH_ENTRY (qrt_test_find_type (GTK_WIDGET (dialog), GTK_TYPE_SEARCH_ENTRY));
  g_assert_nonnull (search);
  gtk_editable_set_text (GTK_EDITABLE (search), "gebäude");
  g_assert_cmpuint (g_list_model_get_n_items (collections), ==, 1);
  collection = g_list_model_get_item (collections, 0);
  g_assert_cmpstr (qrt_collection_get_id (collection), ==, "gebaeude");
  gtk_editable_set_text (GTK_EDITABLE (search), "kataster");
  g_assert_cmpuint (g_list_model_get_n_items (collections), ==, 1);
  gtk_editable_set_text (GTK_EDITABLE (search), "gebaeude");
  g_assert_cmpuint (g_list_model_get_n_items (collections), ==, 1);

  /* Nothing is selected on the map: "Selected districts" says so and adds nothing. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (qrt_test_find_type (GTK_WIDGET (dialog),
                                                                 ADW_TYPE_COMBO_ROW)),
                              QRT_CATALOG_AREA_SELECTION);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "catalog.add", NULL));
  g_assert_nonnull (qrt_catalog_dialog_get_error (dialog));
  g_assert_nonnull (strstr (qrt_catalog_dialog_get_error (dialog), "districts"));
  g_assert_true (_qrt_window_get_catalog_dialog (window) == GTK_WIDGET (dialog));
  g_assert_false (_qrt_window_get_importing (window));
  adw_combo_row_set_selected (ADW_COMBO_ROW (qrt_test_find_type (GTK_WIDGET (dialog),
                                                                 ADW_TYPE_COMBO_ROW)),
                              QRT_CATALOG_AREA_ALL);

  /* Add to Project: the whole collection, into the open project, read anew afterwards. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "catalog.add", NULL));
  g_assert_null (_qrt_window_get_catalog_dialog (window));
  qrt_test_wait_until (n_imports_grew, window, TIMEOUT_SECONDS, "the collection to be added");
  g_test_message ("error: %s", _qrt_window_get_last_error (window));
  g_assert_null (_qrt_window_get_last_error (window));
  g_test_message ("toast: %s", _qrt_window_get_last_message (window));
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "2"));

  layer = qrt_project_find_layer (qrt_window_get_project (window), "gebaeude");
  g_assert_nonnull (layer);
  g_assert_cmpuint (qrt_layer_get_n_features (qrt_project_layer_get_layer (layer)), ==, 2);
  /* The layer's properties name where it came from. */
  g_assert_nonnull (qrt_project_layer_get_source (layer));
  g_assert_nonnull (strstr (qrt_project_layer_get_source (layer), "gebaeude/items"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_offline_area_drawn (void)
{
  g_autoptr(GSettings) settings = get_settings ();
  QrtOfflineAreasDialog *dialog;
  ShumateSimpleMap *simple_map;
  ShumateViewport *viewport;
  GtkWidget *map;
  AdwComboRow *extent_row;
  QrtWindow *window;
  QrtBBox expected, drawn;
  const double corners[2][2] = { { 200, 150 }, { 520, 410 } };
  int from, to;

  g_settings_set_boolean (settings, "work-offline", TRUE);
  g_settings_set_string (settings, "base-map", "");
  window = open_demo_window ();
  /* Fitted to the town: the rectangle below lies on it. */
  qrt_test_wait_until (map_painted, window, TIMEOUT_SECONDS, "the map to be painted");
  simple_map = SHUMATE_SIMPLE_MAP (_qrt_window_get_map_widget (window));
  viewport = shumate_simple_map_get_viewport (simple_map);
  map = GTK_WIDGET (shumate_simple_map_get_map (simple_map));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.offline-areas", NULL));
  qrt_test_wait_until (has_offline_areas_dialog, window, TIMEOUT_SECONDS,
                       "the offline areas dialog");
  dialog = QRT_OFFLINE_AREAS_DIALOG (_qrt_window_get_offline_areas_dialog (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_false (qrt_offline_areas_dialog_get_drawn_area (dialog, &drawn));

  /* Choosing "Drawn rectangle" goes to the map at once: the dialog steps aside. */
  extent_row = ADW_COMBO_ROW (find_row (GTK_WIDGET (dialog), "Area"));
  g_assert_nonnull (extent_row);
  adw_combo_row_set_selected (extent_row, 2);
  g_assert_true (window->draw_area);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "rectangle"));

  /* Escape: back to the dialog, nothing drawn, nothing to download. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-selection", NULL));
  g_assert_false (window->draw_area);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_false (qrt_offline_areas_dialog_get_drawn_area (dialog, &drawn));
  g_assert_cmpint (qrt_offline_areas_dialog_get_estimate (dialog), ==, -1);
  qrt_test_screenshot (GTK_WIDGET (dialog), "offline-areas-not-drawn");

  /* Draw…: the drag's band is dashed while it lasts. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "areas.draw", NULL));
  g_assert_true (window->draw_area);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  qrt_selection_layer_set_band_dashed (window->selection_layer, TRUE);
  qrt_selection_layer_set_band (window->selection_layer,
                                &GRAPHENE_RECT_INIT (corners[0][0], corners[0][1],
                                                     corners[1][0] - corners[0][0],
                                                     corners[1][1] - corners[0][1]));
  qrt_test_screenshot (GTK_WIDGET (window), "offline-area-drawing");
  qrt_selection_layer_set_band (window->selection_layer, NULL);

  /* The release, through what the drag gesture calls: the rectangle in degrees. */
  qrt_bbox_init_empty (&expected);
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < 2; j++)
      {
        double latitude, longitude;

        shumate_viewport_widget_coords_to_location (viewport, map, corners[i][0], corners[j][1],
                                                    &latitude, &longitude);
        qrt_bbox_extend (&expected, longitude, latitude);
      }
  g_assert_true (_qrt_window_map_draw_rect (window, corners[0][0], corners[0][1],
                                            corners[1][0], corners[1][1]));
  g_assert_false (window->draw_area);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  /* Only once: another drag selects again. */
  g_assert_false (_qrt_window_map_draw_rect (window, 0, 0, 50, 50));

  g_assert_true (qrt_offline_areas_dialog_get_drawn_area (dialog, &drawn));
  g_assert_cmpfloat_with_epsilon (drawn.min_x, expected.min_x, 1e-9);
  g_assert_cmpfloat_with_epsilon (drawn.min_y, expected.min_y, 1e-9);
  g_assert_cmpfloat_with_epsilon (drawn.max_x, expected.max_x, 1e-9);
  g_assert_cmpfloat_with_epsilon (drawn.max_y, expected.max_y, 1e-9);
  g_assert_cmpuint (adw_combo_row_get_selected (extent_row), ==, 2);

  /* The zoom levels the dialog proposed for the view: from its zoom, four closer. */
  from = CLAMP ((int) shumate_viewport_get_zoom_level (viewport), 0, 16);
  to = MIN (from + 4, 17);
  g_assert_cmpint (qrt_offline_areas_dialog_get_estimate (dialog), ==,
                   qrt_tile_count_for_area (expected.min_x, expected.min_y,
                                            expected.max_x, expected.max_y, from, to));
  g_assert_nonnull (find_row (GTK_WIDGET (dialog), "Drawn Area"));
  {
    g_autofree char *described = qrt_offline_areas_describe_box (&drawn);

    g_test_message ("drawn: %s", described);
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row (GTK_WIDGET (dialog),
                                                                            "Drawn Area"))),
                     ==, described);
    g_assert_nonnull (strstr (described, "° E"));
    g_assert_nonnull (strstr (described, "° N"));
  }
  qrt_test_screenshot (GTK_WIDGET (dialog), "offline-areas-drawn");

  g_settings_set_boolean (settings, "work-offline", FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_describe_box (void)
{
  const QrtBBox east = { 8.011, 51.38, 8.07, 51.42 };
  const QrtBBox across = { -0.52, -1.5, 1.2, 2.25 };
  const QrtBBox west = { -74.1, 40.6, -73.9, 40.9 };
  g_autofree char *a = qrt_offline_areas_describe_box (&east);
  g_autofree char *b = qrt_offline_areas_describe_box (&across);
  g_autofree char *c = qrt_offline_areas_describe_box (&west);

  g_assert_cmpstr (a, ==, "8.01°–8.07° E, 51.38°–51.42° N");
  g_assert_cmpstr (b, ==, "0.52° W–1.20° E, 1.50° S–2.25° N");
  g_assert_cmpstr (c, ==, "73.90°–74.10° W, 40.60°–40.90° N");
}

static guint
layer_position (QrtProject *project,
                const char *name)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (project));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (project), i);

      if (g_strcmp0 (qrt_project_layer_get_name (layer), name) == 0)
        return i;
    }
  g_assert_not_reached ();
}

static gboolean
n_imports_reached (gpointer data)
{
  QrtWindow *window = data;
  guint wanted = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (window), "wanted-imports"));

  return _qrt_window_get_n_imports (window) >= wanted || _qrt_window_get_n_errors (window) > 0;
}

static void
wait_for_imports (QrtWindow  *window,
                  guint       n,
                  const char *what)
{
  g_object_set_data (G_OBJECT (window), "wanted-imports", GUINT_TO_POINTER (n));
  qrt_test_wait_until (n_imports_reached, window, TIMEOUT_SECONDS, what);
  g_test_message ("error: %s", _qrt_window_get_last_error (window));
  g_assert_null (_qrt_window_get_last_error (window));
  g_test_message ("toast: %s", _qrt_window_get_last_message (window));
}

/* The gebaeude layer, as the window shows it and, with @path, as the file has it. */
static void
check_gebaeude (QrtWindow      *window,
                const char     *path,
                guint           n_features,
                guint           position,
                const QrtColor *fill)
{
  g_autoptr(QrtProject) reopened = NULL;
  g_autoptr(GError) error = NULL;
  QrtProject *projects[2];

  projects[0] = qrt_window_get_project (window);
  if (path != NULL)
    {
      reopened = qrt_project_open (path, NULL, &error);
      g_assert_no_error (error);
    }
  projects[1] = reopened;

  for (guint i = 0; i < G_N_ELEMENTS (projects) && projects[i] != NULL; i++)
    {
      QrtProjectLayer *layer = qrt_project_find_layer (projects[i], "gebaeude");
      const QrtStyle *style;

      g_assert_nonnull (layer);
      g_assert_cmpuint (qrt_layer_get_n_features (qrt_project_layer_get_layer (layer)), ==,
                        n_features);
      g_assert_cmpuint (layer_position (projects[i], "gebaeude"), ==, position);
      style = qrt_project_layer_get_style (layer);
      g_assert_cmpfloat_with_epsilon (style->fill.red, fill->red, 0.01);
      g_assert_cmpfloat_with_epsilon (style->fill.green, fill->green, 0.01);
      g_assert_cmpfloat_with_epsilon (style->fill.blue, fill->blue, 0.01);
    }
}

static void
test_refresh_layer (void)
{
  g_autoptr(GSettings) settings = get_settings ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (demo_dir, "refresh.gpkg", NULL);
  const QrtColor fill = { 0.8, 0.1, 0.3, 1.0 };
  QrtCatalogDialog *dialog;
  QrtProjectLayer *layer;
  QrtLayerRow *row;
  QrtStyle style;
  QrtWindow *window;
  GListModel *collections;
  GtkMenuButton *menu_button;
  guint position;

  extra_features = 0;
  qrt_demo_write (path, QRT_DEMO_DEFAULT_SEED, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_settings_set_boolean (settings, "work-offline", FALSE);
  g_settings_set_string (settings, "base-map", "");
  window = open_window_at (path);
  _qrt_window_set_network_available (window, TRUE);

  /* Fetched from the service, as Add Data from Data Space does. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-from-data-space",
                                             NULL));
  qrt_test_wait_until (has_catalog_dialog, window, TIMEOUT_SECONDS, "the catalog");
  dialog = QRT_CATALOG_DIALOG (_qrt_window_get_catalog_dialog (window));
  qrt_catalog_dialog_set_url (dialog, service_url);
  qrt_catalog_dialog_connect (dialog);
  qrt_test_wait_until (catalog_done, dialog, TIMEOUT_SECONDS, "the catalog");
  collections = qrt_catalog_dialog_get_collections (dialog);
  gtk_editable_set_text (GTK_EDITABLE (qrt_test_find_type (GTK_WIDGET (dialog),
                                                           GTK_TYPE_SEARCH_ENTRY)),
                         "gebaeude");
  g_assert_cmpuint (g_list_model_get_n_items (collections), ==, 1);
  adw_combo_row_set_selected (ADW_COMBO_ROW (qrt_test_find_type (GTK_WIDGET (dialog),
                                                                 ADW_TYPE_COMBO_ROW)),
                              QRT_CATALOG_AREA_ALL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "catalog.add", NULL));
  wait_for_imports (window, 1, "the collection to be added");

  g_assert_true (_qrt_window_get_layer_refreshable (window, "gebaeude"));
  g_assert_false (_qrt_window_get_layer_refreshable (window, "districts"));

  /* A place and a look of the user's own: one down, and a fill colour. */
  layer = qrt_project_find_layer (qrt_window_get_project (window), "gebaeude");
  g_assert_nonnull (layer);
  position = layer_position (qrt_window_get_project (window), "gebaeude");
  g_assert_cmpuint (position, >, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.move-down", "s",
                                             "gebaeude"));
  position--;
  g_assert_cmpuint (layer_position (qrt_window_get_project (window), "gebaeude"), ==, position);
  style = *qrt_project_layer_get_style (layer);
  style.fill = fill;
  qrt_project_layer_set_style (layer, &style);
  /* Saved a moment later; the refresh writes it first all the same. */
  check_gebaeude (window, NULL, 2, position, &fill);

  /* The row's menu offers Refresh from Source for it, and not for the demo's own layers. */
  qrt_test_settle (300);
  row = find_layer_row (GTK_WIDGET (window), "gebaeude");
  g_assert_nonnull (row);
  g_assert_true (qrt_layer_row_get_refreshable (row));
  {
    QrtLayerRow *other = find_layer_row (GTK_WIDGET (window), "districts");

    g_assert_nonnull (other);
    g_assert_false (qrt_layer_row_get_refreshable (other));
    menu_button = GTK_MENU_BUTTON (qrt_test_find_type (GTK_WIDGET (other),
                                                       GTK_TYPE_MENU_BUTTON));
    gtk_menu_button_popup (menu_button);
    qrt_test_screenshot (GTK_WIDGET (gtk_menu_button_get_popover (menu_button)),
                "layer-row-menu-not-refreshable");
    gtk_menu_button_popdown (menu_button);
  }
  menu_button = GTK_MENU_BUTTON (qrt_test_find_type (GTK_WIDGET (row), GTK_TYPE_MENU_BUTTON));
  gtk_menu_button_popup (menu_button);
  qrt_test_screenshot (GTK_WIDGET (gtk_menu_button_get_popover (menu_button)), "layer-row-menu-refresh");
  gtk_menu_button_popdown (menu_button);

  /* The source has one building more now. */
  extra_features = 1;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.refresh", "s",
                                             "gebaeude"));
  g_assert_true (_qrt_window_get_importing (window));
  wait_for_imports (window, 2, "the layer to be refreshed");
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "refreshed"));
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "3 features"));
  check_gebaeude (window, path, 3, position, &fill);
  qrt_test_screenshot (GTK_WIDGET (window), "window-layer-refreshed");

  /* Ctrl+R offline: nothing yet, but said to come; going online does it. */
  extra_features = 2;
  _qrt_window_set_work_offline (window, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh-data", NULL));
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "when you go online"));
  g_assert_false (_qrt_window_get_importing (window));
  row = find_layer_row (GTK_WIDGET (window), "gebaeude");
  menu_button = GTK_MENU_BUTTON (qrt_test_find_type (GTK_WIDGET (row), GTK_TYPE_MENU_BUTTON));
  gtk_menu_button_popup (menu_button);
  qrt_test_screenshot (GTK_WIDGET (gtk_menu_button_get_popover (menu_button)),
              "layer-row-menu-offline");
  gtk_menu_button_popdown (menu_button);
  _qrt_window_set_work_offline (window, FALSE);
  g_assert_true (_qrt_window_get_importing (window));
  wait_for_imports (window, 3, "the layers to be refreshed");
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "1 layer refreshed"));
  check_gebaeude (window, path, 4, position, &fill);

  /* Ctrl+R online: at once. */
  extra_features = 3;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh-data", NULL));
  wait_for_imports (window, 4, "the layers to be refreshed again");
  check_gebaeude (window, path, 5, position, &fill);

  extra_features = 0;
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_cache_recovered (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "quartier", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  QrtWindow *window;
  const char *message;

  /* Not a database at all: the cache moves it aside and starts anew. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, "This is not an SQLite database, but it is long enough to be "
                       "mistaken for a damaged one by anybody who opens it.", -1, &error);
  g_assert_no_error (error);

  window = create_window ();
  /* The core logs the recovery (a warning, or a message): expected here, not fatal. */
  g_test_log_set_fatal_handler (damaged_not_fatal_cb, NULL);
  g_assert_nonnull (wait_for_data_space (window));
  g_test_log_set_fatal_handler (NULL, NULL);
  message = _qrt_window_get_last_message (window);
  g_test_message ("toast: %s", message);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "damaged"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The cache cannot be opened (a file where its folder should be): the action asked for
 * meanwhile does not come, the reason is said once, and a refresh stops saying why. */
static void
test_cache_unavailable (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "quartier", NULL);
  g_autoptr(GError) error = NULL;
  QrtWindow *window;
  const char *message;

  /* Each test has folders of its own. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_cache_dir (), 0700), ==, 0);
  g_file_set_contents (dir, "not a folder", -1, &error);
  g_assert_no_error (error);

  window = create_window ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.offline-areas", NULL));
  g_assert_null (wait_for_data_space (window));
  g_assert_true (window->data_space_failed);
  g_assert_null (_qrt_window_get_offline_areas_dialog (window));
  message = _qrt_window_get_last_error (window);
  g_test_message ("error: %s", message);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "offline cache"));
  /* Not tried again, not said again. */
  g_assert_false (_qrt_window_need_data_space (window, "win.offline-areas"));
  g_assert_cmpuint (_qrt_window_get_n_errors (window), ==, 1);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  qrt_test_ui_init (&argc, &argv);
  {
    /* AdwApplication loads it in the app; the windows here have none. */
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    qrt_ui_ensure_resources ();
    gtk_css_provider_load_from_resource (css, RESOURCE_BASE "/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  demo_dir = g_dir_make_tmp ("quartier-test-dataspace-XXXXXX", &error);
  g_assert_no_error (error);
  demo_path = g_build_filename (demo_dir, "musterstadt.gpkg", NULL);
  qrt_demo_write (demo_path, QRT_DEMO_DEFAULT_SEED, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  start_server ();

  g_test_add_func ("/dataspace/offline-bar", test_offline_bar);
  g_test_add_func ("/dataspace/base-map", test_base_map);
  g_test_add_func ("/dataspace/basemap-source", test_basemap_source);
  g_test_add_func ("/dataspace/offline-areas", test_offline_areas);
  g_test_add_func ("/dataspace/offline-area-drawn", test_offline_area_drawn);
  g_test_add_func ("/dataspace/describe-box", test_describe_box);
  g_test_add_func ("/dataspace/catalog-unreachable", test_catalog_unreachable);
  g_test_add_func ("/dataspace/catalog-fetch", test_catalog_fetch);
  g_test_add_func ("/dataspace/refresh-layer", test_refresh_layer);
  g_test_add_func ("/dataspace/cache-recovered", test_cache_recovered);
  g_test_add_func ("/dataspace/cache-unavailable", test_cache_unavailable);

  ret = g_test_run ();

  soup_server_disconnect (server);
  g_clear_object (&server);
  g_free (service_url);
  qrt_test_remove_tree (demo_dir);
  g_free (demo_path);
  g_free (demo_dir);

  return ret;
}
