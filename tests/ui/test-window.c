/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>

#include "qrt-core.h"
#include "qrt-ui.h"
#include "qrt-window-private.h"

/* Generous: the machine running the tests may be slow and software-rendered. */
#define TIMEOUT_SECONDS 120

/* One demo for all cases, generated before they run. */
static char *demo_dir;
static char *demo_path;

typedef gboolean (*Condition) (QrtWindow *window);

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @condition holds; fails the test after TIMEOUT_SECONDS. */
static void
wait_for (QrtWindow  *window,
          Condition   condition,
          const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, &timed_out);

  while (!condition (window) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("Timed out waiting for %s (page %s, last error %s)", what,
             _qrt_window_get_page (window),
             _qrt_window_get_last_error (window));

  g_source_remove (id);
}

/* What the window had shown before the step a test waits for. */
static guint paints_before;
static guint errors_before;

static void
remember (QrtWindow *window)
{
  paints_before = _qrt_window_get_n_map_paints (window);
  errors_before = _qrt_window_get_n_errors (window);
}

static gboolean
painted_or_failed (QrtWindow *window)
{
  return _qrt_window_get_n_map_paints (window) > paints_before ||
         _qrt_window_get_n_errors (window) > errors_before;
}

static gboolean
failed (QrtWindow *window)
{
  return _qrt_window_get_n_errors (window) > errors_before;
}

static gboolean
painted (QrtWindow *window)
{
  return _qrt_window_get_n_map_paints (window) > paints_before;
}

static QrtWindow *
create_window (void)
{
  QrtWindow *window = qrt_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

/* What the map widget shows, as cairo ARGB32 words. */
typedef struct
{
  int      width;
  int      height;
  guint32 *pixels;
} Pixels;

static void
pixels_free (Pixels *pixels)
{
  g_free (pixels->pixels);
  g_free (pixels);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pixels, pixels_free)

static Pixels *
grab_map (QrtWindow *window)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  Pixels *pixels;

  texture = qrt_ui_render_widget (_qrt_window_get_map_widget (window), &error);
  g_assert_no_error (error);
  g_assert_nonnull (texture);

  pixels = g_new0 (Pixels, 1);
  pixels->width = gdk_texture_get_width (texture);
  pixels->height = gdk_texture_get_height (texture);
  pixels->pixels = g_new (guint32, (gsize) pixels->width * pixels->height);
  gdk_texture_download (texture, (guchar *) pixels->pixels, pixels->width * 4);

  return pixels;
}

static guint32
background_pixel (void)
{
  const double rgb[] = { QRT_BACKGROUND_RGB };

  return 0xff000000u |
         (guint32) lround (rgb[0] * 255) << 16 |
         (guint32) lround (rgb[1] * 255) << 8 |
         (guint32) lround (rgb[2] * 255);
}

static gboolean
is_near (guint32 a,
         guint32 b)
{
  for (int shift = 0; shift < 32; shift += 8)
    {
      int ca = (a >> shift) & 0xff;
      int cb = (b >> shift) & 0xff;

      if (ABS (ca - cb) > 3)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  double background_share;
  guint  n_colours;
} Analysis;

/* Looks at the middle of the map only: the zoom buttons, scale and licence text sit at the
 * edges, and the project is centred. */
static void
analyse (const Pixels *pixels,
         Analysis     *analysis)
{
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  guint32 background = background_pixel ();
  guint n = 0;
  guint n_background = 0;

  for (int y = pixels->height / 5; y < pixels->height * 4 / 5; y++)
    for (int x = pixels->width / 5; x < pixels->width * 4 / 5; x++)
      {
        guint32 p = pixels->pixels[y * pixels->width + x];

        n++;
        if (is_near (p, background))
          n_background++;
        /* Quantised, so that anti-aliasing does not count as colours of their own. */
        g_hash_table_add (colours, GUINT_TO_POINTER ((p & 0xf0f0f0) + 1));
      }

  analysis->background_share = (double) n_background / n;
  analysis->n_colours = g_hash_table_size (colours);
}

static void
test_open_demo (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (demo_path);
  g_autoptr(Pixels) pixels = NULL;
  QrtWindow *window = create_window ();
  g_autoptr(QrtProjectLayer) top = NULL;
  g_autoptr(QrtProjectLayer) last = NULL;
  ShumateSimpleMap *map;
  ShumateViewport *viewport;
  GListModel *layers;
  QrtProject *project;
  QrtBBox extent;
  Analysis analysis;
  double latitude;
  double x;
  double y;

  g_assert_cmpstr (_qrt_window_get_page (window), ==, "welcome");

  remember (window);
  qrt_window_open_file (window, file);
  /* The file is read in a worker: the window answers at once, showing progress. */
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "loading");

  wait_for (window, painted_or_failed, "the map to be painted");
  g_assert_null (_qrt_window_get_last_error (window));
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "map");
  g_assert_false (_qrt_window_get_map_busy (window));

  project = qrt_window_get_project (window);
  g_assert_true (QRT_IS_PROJECT (project));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), >, 2);

  /* The view shows the municipality: centred on its extent, zoomed in on it. */
  map = SHUMATE_SIMPLE_MAP (_qrt_window_get_map_widget (window));
  viewport = shumate_simple_map_get_viewport (map);
  qrt_project_get_extent (project, QRT_COORDS_MERCATOR, &extent);
  latitude = shumate_location_get_latitude (SHUMATE_LOCATION (viewport));
  x = shumate_location_get_longitude (SHUMATE_LOCATION (viewport)) / 180.0;
  x *= QRT_MERCATOR_HALF_WORLD;
  y = log (tan ((90.0 + latitude) * G_PI / 360.0)) / G_PI * QRT_MERCATOR_HALF_WORLD;
  g_assert_cmpfloat (x, >, extent.min_x);
  g_assert_cmpfloat (x, <, extent.max_x);
  g_assert_cmpfloat (y, >, extent.min_y);
  g_assert_cmpfloat (y, <, extent.max_y);
  g_assert_cmpfloat (shumate_viewport_get_zoom_level (viewport), >=, 9);

  /* The demo says it is made up, on the map itself. */
  g_assert_cmpstr (shumate_map_source_get_license (shumate_simple_map_get_map_source (map)), ==,
                   "Musterstadt – synthetic demo data");

  /* The sidebar lists every layer, the one drawn on top first. */
  layers = G_LIST_MODEL (gtk_list_view_get_model (window->layer_list));
  g_assert_cmpuint (g_list_model_get_n_items (layers), ==,
                    g_list_model_get_n_items (G_LIST_MODEL (project)));
  top = g_list_model_get_item (layers, 0);
  last = g_list_model_get_item (G_LIST_MODEL (project),
                                g_list_model_get_n_items (G_LIST_MODEL (project)) - 1);
  g_assert_true (top == last);

  pixels = grab_map (window);
  g_assert_cmpint (pixels->width, >, 200);
  g_assert_cmpint (pixels->height, >, 200);
  analyse (pixels, &analysis);
  g_test_message ("map with layers: %.1f %% background, %u colours",
                  analysis.background_share * 100, analysis.n_colours);
  /* Districts, land cover, water, buildings and streets in several colours, covering most of
   * the middle of the map. */
  g_assert_cmpuint (analysis.n_colours, >=, 5);
  g_assert_cmpfloat (analysis.background_share, <, 0.8);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_hide_layers (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (demo_path);
  g_autoptr(Pixels) pixels = NULL;
  QrtWindow *window = create_window ();
  QrtProject *project;
  Analysis analysis;

  remember (window);
  qrt_window_open_file (window, file);
  wait_for (window, painted_or_failed, "the map to be painted");
  g_assert_null (_qrt_window_get_last_error (window));

  /* Hiding every layer leaves the bare background: the map really redraws from the layers. */
  project = qrt_window_get_project (window);
  remember (window);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (project)); i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (project), i);

      qrt_project_layer_set_visible (layer, FALSE);
    }
  wait_for (window, painted, "the map to be painted again");
  g_assert_cmpuint (_qrt_window_get_n_errors (window), ==, 0);

  pixels = grab_map (window);
  analyse (pixels, &analysis);
  g_test_message ("map without layers: %.1f %% background, %u colours",
                  analysis.background_share * 100, analysis.n_colours);
  g_assert_cmpfloat (analysis.background_share, >, 0.99);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_open_not_geopackage (void)
{
  static const char contents[] = "Bezirk;Einwohner\nAltstadt;4200\nNordviertel;3100\n";
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "bezirke.gpkg", NULL);
  g_autofree char *after = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) demo = g_file_new_for_path (demo_path);
  g_autoptr(GError) error = NULL;
  QrtWindow *window;
  gsize length = 0;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);

  /* Nothing open yet: the error shows and the welcome page stays. */
  window = create_window ();
  remember (window);
  qrt_window_open_file (window, file);
  wait_for (window, failed, "an error");
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "welcome");
  g_assert_null (qrt_window_get_project (window));
  g_assert_nonnull (strstr (_qrt_window_get_last_error (window), "bezirke.gpkg"));

  g_file_get_contents (path, &after, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (after, length, contents, sizeof contents - 1);

  /* The window is still usable: the demo opens in it. */
  g_clear_pointer (&after, g_free);
  remember (window);
  qrt_window_open_file (window, demo);
  wait_for (window, painted_or_failed, "the demo to open");
  g_assert_cmpuint (_qrt_window_get_n_errors (window), ==, errors_before);
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "map");

  /* A failed open keeps the open project on screen. */
  remember (window);
  qrt_window_open_file (window, file);
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "loading");
  wait_for (window, failed, "an error");
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "map");
  g_assert_nonnull (qrt_window_get_project (window));
  g_assert_cmpstr (qrt_project_get_path (qrt_window_get_project (window)), ==, demo_path);

  g_file_get_contents (path, &after, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (after, length, contents, sizeof contents - 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_open_missing (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "gibt-es-nicht.gpkg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.quartier.Quartier");
  const char *recent[] = { "/srv/gis/anderes.gpkg", path, NULL };
  g_auto(GStrv) after = NULL;
  QrtWindow *window;

  /* The missing file was opened before: it is on the welcome page's list. */
  g_settings_set_strv (settings, "recent-projects", recent);
  window = create_window ();
  g_assert_true (gtk_widget_get_visible (window->recent_box));
  g_assert_nonnull (gtk_list_box_get_row_at_index (window->recent_list, 1));

  remember (window);
  qrt_window_open_file (window, file);
  wait_for (window, failed, "an error");
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "welcome");
  g_assert_nonnull (strstr (_qrt_window_get_last_error (window), "gibt-es-nicht.gpkg"));
  /* Opening must not create the file. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* … and it leaves the list of recent projects. */
  after = g_settings_get_strv (settings, "recent-projects");
  g_assert_cmpuint (g_strv_length (after), ==, 1);
  g_assert_cmpstr (after[0], ==, recent[0]);
  g_assert_null (gtk_list_box_get_row_at_index (window->recent_list, 1));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_cancel (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (demo_path);
  QrtWindow *window = create_window ();

  remember (window);
  qrt_window_open_file (window, file);
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "loading");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-open", NULL));
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "welcome");
  g_assert_true (qrt_window_is_empty (window));

  /* The cancelled read still finishes in its worker; its result must not show up, neither as
   * an error nor as a project, while a second open goes through. */
  qrt_window_open_file (window, file);
  wait_for (window, painted_or_failed, "the map to be painted");
  g_assert_cmpuint (_qrt_window_get_n_errors (window), ==, errors_before);
  g_assert_cmpuint (_qrt_window_get_n_map_paints (window), ==, 1);
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "map");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_recent (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (demo_path);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.quartier.Quartier");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) after = NULL;
  QrtWindow *window;

  /* A full list, with the demo somewhere in the middle. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *path = g_strdup_printf ("/srv/gis/projekt-%u.gpkg", i);

      g_strv_builder_add (builder, i == 4 ? demo_path : path);
    }
  before = g_strv_builder_end (builder);
  g_settings_set_strv (settings, "recent-projects", (const char * const *) before);

  window = create_window ();
  remember (window);
  qrt_window_open_file (window, file);
  wait_for (window, painted_or_failed, "the map to be painted");
  g_assert_cmpuint (_qrt_window_get_n_errors (window), ==, 0);

  /* Newest first, no duplicates, at most ten. */
  after = g_settings_get_strv (settings, "recent-projects");
  g_assert_cmpuint (g_strv_length (after), ==, 10);
  g_assert_cmpstr (after[0], ==, demo_path);
  g_assert_cmpstr (after[1], ==, before[0]);
  g_assert_cmpstr (after[4], ==, before[3]);
  g_assert_cmpstr (after[5], ==, before[5]);
  g_assert_cmpstr (after[9], ==, before[9]);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  /* The GeoPackage may have left -wal and -shm files beside it. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  setlocale (LC_ALL, "");
  /* The isolated XDG dirs would hide the system's MIME database and icon themes, and GTK then
   * fails to recognise SVG icons; both are looked up once, here, before isolation. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  gtk_init ();
  adw_init ();
  gtk_icon_theme_get_for_display (gdk_display_get_default ());
  qrt_core_init ();

  demo_dir = g_dir_make_tmp ("quartier-test-ui-XXXXXX", &error);
  g_assert_no_error (error);
  demo_path = g_build_filename (demo_dir, "musterstadt.gpkg", NULL);
  qrt_demo_write (demo_path, QRT_DEMO_DEFAULT_SEED, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window/open-demo", test_open_demo);
  g_test_add_func ("/window/hide-layers", test_hide_layers);
  g_test_add_func ("/window/open-not-geopackage", test_open_not_geopackage);
  g_test_add_func ("/window/open-missing", test_open_missing);
  g_test_add_func ("/window/recent", test_recent);
  g_test_add_func ("/window/cancel", test_cancel);

  ret = g_test_run ();

  remove_dir (demo_dir);
  g_free (demo_path);
  g_free (demo_dir);

  return ret;
}
