/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>

#include "qrt-core.h"
#include "qrt-style-dialog-private.h"
#include "qrt-ui.h"
#include "qrt-test-ui.h"
#include "qrt-window-private.h"
#include "map/qrt-mercator.h"

/* Generous: the machine running the tests may be slow and software-rendered. */
#define TIMEOUT_SECONDS 120

/* One demo for all cases, generated before they run. */
static char *demo_dir;
static char *demo_path;

typedef gboolean (*Condition) (QrtWindow *window);

typedef struct
{
  Condition  condition;
  QrtWindow *window;
} Check;

static gboolean
check_cb (gpointer data)
{
  Check *check = data;

  return check->condition (check->window);
}

/* Runs the main loop until @condition holds; fails the test after TIMEOUT_SECONDS, saying
 * what the window shows. */
static void
wait_for (QrtWindow  *window,
          Condition   condition,
          const char *what)
{
  Check check = { condition, window };

  if (!qrt_test_wait (check_cb, &check, TIMEOUT_SECONDS))
    g_error ("Timed out waiting for %s (page %s, last error %s)", what,
             _qrt_window_get_page (window),
             _qrt_window_get_last_error (window));
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

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

/* Waits for the next frame: a widget that was changed has no picture until it is drawn. */
static void
wait_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
}

/* What @widget shows once drawn: a widget changed since the last frame (a progress bar, a
 * hover outline) has no picture until the next one. */
static GdkTexture *
render (GtkWidget *widget)
{
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_autoptr(GError) error = NULL;
      GdkTexture *texture;

      wait_frame (widget);
      texture = qrt_ui_render_widget (widget, &error);
      if (texture != NULL)
        return texture;
      g_assert_true (error->domain == G_IO_ERROR);
    }
  g_assert_not_reached ();
}

static Pixels *
grab_map (QrtWindow *window)
{
  g_autoptr(GdkTexture) texture = render (_qrt_window_get_map_widget (window));
  Pixels *pixels;

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


/* A copy of the demo for a test that changes the project: the window saves every change. */
static char *
copy_demo (const char *name)
{
  g_autoptr(GFile) source = g_file_new_for_path (demo_path);
  g_autofree char *path = g_build_filename (demo_dir, name, NULL);
  g_autoptr(GFile) target = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_file_copy (source, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static QrtWindow *
open_window (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  QrtWindow *window = create_window ();

  remember (window);
  qrt_window_open_file (window, file);
  wait_for (window, painted_or_failed, "the map to be painted");
  g_assert_null (_qrt_window_get_last_error (window));
  return window;
}

static guint saves_before;
static guint imports_before;

static gboolean
saved (QrtWindow *window)
{
  return _qrt_window_get_n_saves (window) > saves_before &&
         !_qrt_window_get_save_pending (window);
}

static gboolean
imported_or_failed (QrtWindow *window)
{
  return _qrt_window_get_n_imports (window) > imports_before ||
         _qrt_window_get_n_errors (window) > errors_before;
}

static gboolean
not_importing (QrtWindow *window)
{
  return !_qrt_window_get_importing (window);
}

static gboolean
style_dialog_ready (QrtWindow *window)
{
  QrtStyleDialog *dialog = g_ptr_array_index (window->dialogs, window->dialogs->len - 1);

  return !qrt_style_dialog_get_busy (dialog);
}

static void
collect_labels (GtkWidget *widget,
                GString   *text)
{
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, text);
}

static guint
count_changed (const Pixels *a,
               const Pixels *b)
{
  guint n = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (int i = 0; i < a->width * a->height; i++)
    if (!is_near (a->pixels[i], b->pixels[i]))
      n++;
  return n;
}

static guint32
pixel_at (const Pixels *pixels,
          double        x,
          double        y)
{
  int px = CLAMP ((int) x, 0, pixels->width - 1);
  int py = CLAMP ((int) y, 0, pixels->height - 1);

  return pixels->pixels[py * pixels->width + px];
}

static char **
layer_names (QrtProject *project)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (project));
  char **names = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (project), i);

      names[i] = g_strdup (qrt_project_layer_get_name (layer));
    }
  return names;
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

  /* … and fitted: the whole extent is in view and fills it on one axis, up to the margin. */
  {
    double x1, y1, x2, y2;
    int width = gtk_widget_get_width (GTK_WIDGET (map));
    int height = gtk_widget_get_height (GTK_WIDGET (map));

    g_assert_true (qrt_selection_layer_mercator_to_widget (window->selection_layer,
                                                           extent.min_x, extent.min_y,
                                                           &x1, &y1));
    g_assert_true (qrt_selection_layer_mercator_to_widget (window->selection_layer,
                                                           extent.max_x, extent.max_y,
                                                           &x2, &y2));
    g_test_message ("extent on screen: %.0f,%.0f – %.0f,%.0f of %d×%d", x1, y2, x2, y1,
                    width, height);
    g_assert_cmpfloat (x1, >=, 0);
    g_assert_cmpfloat (y2, >=, 0);
    g_assert_cmpfloat (x2, <=, width);
    g_assert_cmpfloat (y1, <=, height);
    g_assert_cmpfloat (MAX ((x2 - x1) / width, (y1 - y2) / height), >=, 0.9);
  }

  /* The demo says it is made up, on the map itself. */
  g_assert_cmpstr (shumate_map_source_get_license (SHUMATE_MAP_SOURCE (window->map_source)), ==,
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

  /* The legend explains the visible layers. */
  g_assert_cmpuint (qrt_legend_view_get_n_rows (window->legend_view), >=, 5);
  g_assert_true (gtk_revealer_get_reveal_child (window->legend_revealer));
  qrt_test_screenshot (GTK_WIDGET (window), "window");

  /* Each row has a menu with an opacity slider. */
  if (g_getenv ("QUARTIER_TEST_SCREENSHOTS") != NULL)
    {
      GtkWidget *button = qrt_test_find_type (GTK_WIDGET (window->layer_list), GTK_TYPE_MENU_BUTTON);

      gtk_menu_button_popup (GTK_MENU_BUTTON (button));
      qrt_test_screenshot (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button))),
                  "row-menu");
      gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_hide_layers (void)
{
  g_autofree char *path = copy_demo ("hide-layers.gpkg");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(Pixels) pixels = NULL;
  g_autofree gboolean *visible = NULL;
  QrtWindow *window = create_window ();
  QrtProject *project;
  Analysis analysis;

  remember (window);
  qrt_window_open_file (window, file);
  wait_for (window, painted_or_failed, "the map to be painted");
  g_assert_null (_qrt_window_get_last_error (window));

  /* Hiding every layer leaves the bare background: the map really redraws from the layers. */
  project = qrt_window_get_project (window);
  visible = g_new0 (gboolean, g_list_model_get_n_items (G_LIST_MODEL (project)));
  remember (window);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (project)); i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (project), i);

      visible[i] = qrt_project_layer_get_visible (layer);
      qrt_project_layer_set_visible (layer, FALSE);
    }
  wait_for (window, painted, "the map to be painted again");
  g_assert_cmpuint (_qrt_window_get_n_errors (window), ==, 0);

  pixels = grab_map (window);
  analyse (pixels, &analysis);
  g_test_message ("map without layers: %.1f %% background, %u colours",
                  analysis.background_share * 100, analysis.n_colours);
  g_assert_cmpfloat (analysis.background_share, >, 0.99);

  /* Shown again as before, the map looks as at first: every tile comes from the cache. */
  remember (window);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (project)); i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (project), i);

      qrt_project_layer_set_visible (layer, visible[i]);
    }
  wait_for (window, painted, "the map to be painted again");
  g_test_message ("%u of %u tiles from the cache",
                  qrt_map_source_get_n_cache_hits (window->map_source),
                  qrt_map_source_get_n_rendered (window->map_source));
  g_assert_cmpuint (qrt_map_source_get_n_rendered (window->map_source), >, 0);
  g_assert_cmpuint (qrt_map_source_get_n_cache_hits (window->map_source), ==,
                    qrt_map_source_get_n_rendered (window->map_source));

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
  qrt_test_screenshot (GTK_WIDGET (window), "welcome");

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
test_style_graduated (void)
{
  g_autofree char *path = copy_demo ("style.gpkg");
  QrtWindow *window = open_window (path);
  g_autoptr(Pixels) before = grab_map (window);
  g_autoptr(Pixels) after = NULL;
  g_autoptr(QrtProject) reread = NULL;
  g_autoptr(GError) error = NULL;
  QrtProjectLayer *districts;
  QrtStyleDialog *dialog;
  const QrtStyle *style;
  guint rows_before = qrt_legend_view_get_n_rows (window->legend_view);
  guint field, changed;

  /* Through the row menu's action, as a user would. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.style", "s",
                                             "districts"));
  g_assert_cmpuint (window->dialogs->len, ==, 1);
  dialog = g_ptr_array_index (window->dialogs, 0);
  g_assert_true (QRT_IS_STYLE_DIALOG (dialog));

  /* Categorized by the district's name: any attribute, a class per value. */
  adw_combo_row_set_selected (dialog->mode_row, 1);
  g_assert_true (adw_combo_row_get_model (dialog->field_row) == G_LIST_MODEL (dialog->all_fields));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (dialog->all_fields)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (dialog->all_fields, i), "name") == 0)
      adw_combo_row_set_selected (dialog->field_row, i);
  wait_for (window, style_dialog_ready, "the categories");
  style = qrt_style_dialog_get_style (dialog);
  g_assert_cmpint (style->mode, ==, QRT_STYLE_CATEGORIZED);
  g_assert_cmpstr (style->field, ==, "name");
  g_assert_cmpuint (style->n_classes, >=, 2);

  adw_combo_row_set_selected (dialog->mode_row, 2);   /* Graduated */
  field = G_MAXUINT;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (dialog->numeric_fields)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (dialog->numeric_fields, i), "pop_2025") == 0)
      field = i;
  g_assert_cmpuint (field, !=, G_MAXUINT);
  /* Only numbers can be graduated: the text field "name" is not offered. */
  g_assert_true (adw_combo_row_get_model (dialog->field_row) ==
                 G_LIST_MODEL (dialog->numeric_fields));
  adw_combo_row_set_selected (dialog->field_row, field);
  adw_combo_row_set_selected (dialog->method_row, 2);   /* Jenks */
  gtk_spin_button_set_value (dialog->n_classes_spin, 5);
  wait_for (window, style_dialog_ready, "the classes");

  style = qrt_style_dialog_get_style (dialog);
  g_assert_cmpint (style->mode, ==, QRT_STYLE_GRADUATED);
  g_assert_cmpstr (style->field, ==, "pop_2025");
  g_assert_cmpuint (style->n_classes, ==, 5);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (dialog->apply_button)));
  qrt_test_screenshot (GTK_WIDGET (dialog), "style-dialog");

  /* Manual bounds: one spin button per class, seeded from the classes so far. */
  adw_combo_row_set_selected (dialog->method_row, 3);
  g_assert_cmpuint (dialog->bound_spins->len, ==, 5);
  wait_for (window, style_dialog_ready, "the manual classes");
  g_assert_cmpuint (qrt_style_dialog_get_style (dialog)->n_classes, ==, 5);
  if (g_getenv ("QUARTIER_TEST_SCREENSHOTS") != NULL)
    {
      GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (qrt_test_find_type (GTK_WIDGET (dialog),
                                                                     GTK_TYPE_SCROLLED_WINDOW));
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);

      qrt_test_settle (200);
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
      qrt_test_screenshot (GTK_WIDGET (dialog), "style-dialog-manual");
    }
  adw_combo_row_set_selected (dialog->method_row, 0);   /* back to quantiles */
  wait_for (window, style_dialog_ready, "the classes");

  remember (window);
  saves_before = _qrt_window_get_n_saves (window);
  g_signal_emit_by_name (dialog->apply_button, "clicked");
  g_assert_cmpuint (window->dialogs->len, ==, 0);

  districts = qrt_project_find_layer (qrt_window_get_project (window), "districts");
  g_assert_cmpint (qrt_project_layer_get_style (districts)->mode, ==, QRT_STYLE_GRADUATED);

  wait_for (window, painted, "the map to be painted with the new style");
  after = grab_map (window);
  changed = count_changed (before, after);
  g_test_message ("%u of %d pixels changed", changed, after->width * after->height);
  g_assert_cmpuint (changed, >, (guint) (after->width * after->height / 20));
  g_assert_cmpuint (qrt_legend_view_get_n_rows (window->legend_view), ==, rows_before + 5);
  qrt_test_screenshot (GTK_WIDGET (window), "window-graduated");

  /* Saved: the file says so too. */
  wait_for (window, saved, "the project to be saved");
  reread = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  style = qrt_project_layer_get_style (qrt_project_find_layer (reread, "districts"));
  g_assert_cmpint (style->mode, ==, QRT_STYLE_GRADUATED);
  g_assert_cmpuint (style->n_classes, ==, 5);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A district whose box's centre lies inside it, and where that is on screen. */
static gboolean
clickable_at (QrtWindow *window,
              QrtLayer  *layer,
              guint      f,
              double    *x,
              double    *y)
{
  GtkWidget *map = _qrt_window_get_map_widget (window);
  QrtBBox box;
  double cx, cy;

  qrt_layer_get_feature_bbox (layer, QRT_COORDS_MERCATOR, f, &box);
  cx = (box.min_x + box.max_x) / 2;
  cy = (box.min_y + box.max_y) / 2;
  if (qrt_layer_pick (layer, QRT_COORDS_MERCATOR, cx, cy, 0) != (int) f)
    return FALSE;
  g_assert_true (qrt_selection_layer_mercator_to_widget (window->selection_layer, cx, cy, x, y));
  return *x > 40 && *y > 40 && *x < gtk_widget_get_width (map) - 40 &&
         *y < gtk_widget_get_height (map) - 40;
}

static guint
find_district (QrtWindow *window,
               QrtLayer  *layer,
               guint      skip,
               double    *x,
               double    *y)
{
  for (guint f = 0; f < qrt_layer_get_n_features (layer); f++)
    if (f != skip && clickable_at (window, layer, f, x, y))
      return f;
  g_assert_not_reached ();
}

/* Sets the style dialog to @mode (a position in its list) by @field, as a user would pick them. */
static void
select_field (QrtStyleDialog *dialog,
              guint           mode,
              const char     *field)
{
  GListModel *fields;

  adw_combo_row_set_selected (dialog->mode_row, mode);
  fields = adw_combo_row_get_model (dialog->field_row);
  for (guint i = 0; i < g_list_model_get_n_items (fields); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (fields), i), field) == 0)
      {
        adw_combo_row_set_selected (dialog->field_row, i);
        return;
      }
  g_error ("The style dialog offers no attribute “%s”", field);
}

/* Names for the legend: one entry per class, kept when classing again, saved with the style. */
static void
test_style_names (void)
{
  g_autofree char *path = copy_demo ("names.gpkg");
  QrtWindow *window = open_window (path);
  g_autoptr(QrtProject) reread = NULL;
  g_autoptr(GError) error = NULL;
  QrtStyleDialog *dialog;
  const QrtStyle *style;
  const GdkRGBA picked = { 0.1, 0.45, 0.2, 1.0 };
  GtkEditable *forest = NULL, *sealed = NULL, *district;
  g_autofree char *first = NULL;
  QrtLayer *districts;
  guint n_classes, found = 0;
  int name_field;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.style", "s",
                                             "landcover"));
  dialog = g_ptr_array_index (window->dialogs, window->dialogs->len - 1);
  style = qrt_style_dialog_get_style (dialog);
  g_assert_cmpint (style->mode, ==, QRT_STYLE_CATEGORIZED);
  n_classes = style->n_classes;
  g_assert_cmpuint (n_classes, >=, 2);

  /* The demo's names, under the value each class holds. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog->names_group)));
  g_assert_cmpuint (dialog->name_rows->len, ==, n_classes);
  for (guint i = 0; i < n_classes; i++)
    {
      GtkEditable *row = g_ptr_array_index (dialog->name_rows, i);

      g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                       style->classes[i].value);
      g_assert_cmpstr (gtk_editable_get_text (row), ==, style->classes[i].label);
      g_assert_cmpstr (style->classes[i].label, !=, "");
      if (g_str_equal (style->classes[i].value, "forest"))
        forest = row;
      else if (g_str_equal (style->classes[i].value, "sealed"))
        sealed = row;
    }
  g_assert_nonnull (forest);
  g_assert_nonnull (sealed);

  /* Typed: the style (and its preview) take it at once; emptied, the value is the name. */
  gtk_editable_set_text (forest, "Wald und Gehölz");
  gtk_editable_set_text (sealed, "");
  /* A colour picked for a class, as the colour dialog would set it. */
  {
    GtkWidget *button = g_object_get_data (G_OBJECT (forest), "qrt-colour");

    g_assert_true (GTK_IS_COLOR_CHOOSER (button));
    gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &picked);
    g_signal_emit_by_name (button, "color-set");
  }
  if (g_getenv ("QUARTIER_TEST_SCREENSHOTS") != NULL)
    {
      GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (qrt_test_find_type (GTK_WIDGET (dialog),
                                                                     GTK_TYPE_SCROLLED_WINDOW));
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);
      graphene_point_t top;

      qrt_test_settle (200);
      g_assert_true (gtk_widget_compute_point (GTK_WIDGET (dialog->names_group),
                                               gtk_scrolled_window_get_child (scroller),
                                               &GRAPHENE_POINT_INIT (0, 0), &top));
      gtk_adjustment_set_value (adjustment, top.y - 200);
      qrt_test_screenshot (GTK_WIDGET (dialog), "style-dialog-names");
    }

  /* Classing again by the same attribute keeps the names. */
  adw_combo_row_set_selected (dialog->mode_row, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog->names_group)));
  adw_combo_row_set_selected (dialog->mode_row, 1);
  wait_for (window, style_dialog_ready, "the categories");
  style = qrt_style_dialog_get_style (dialog);
  g_assert_cmpuint (dialog->name_rows->len, ==, style->n_classes);
  g_assert_cmpstr (style->field, ==, "class");
  for (guint i = 0; i < style->n_classes; i++)
    if (g_str_equal (style->classes[i].value, "forest"))
      {
        GtkWidget *button = g_object_get_data (g_ptr_array_index (dialog->name_rows, i),
                                               "qrt-colour");
        GdkRGBA shown;

        /* The colour picked comes back with its value, in the style and on its button. */
        g_assert_cmpfloat (style->classes[i].colour.green, ==, picked.green);
        g_assert_cmpfloat (style->classes[i].colour.red, ==, picked.red);
        gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &shown);
        g_assert_true (gdk_rgba_equal (&shown, &picked));
        g_assert_true (gtk_widget_get_visible (button));
        found++;
      }
  g_assert_cmpuint (found, ==, 1);
  found = 0;

  remember (window);
  saves_before = _qrt_window_get_n_saves (window);
  g_signal_emit_by_name (dialog->apply_button, "clicked");
  g_assert_cmpuint (window->dialogs->len, ==, 0);
  wait_for (window, saved, "the project to be saved");
  /* The legend says the new name, also to a screen reader. */
  g_assert_nonnull (strstr (qrt_legend_view_get_description (window->legend_view),
                            "Wald und Gehölz"));

  reread = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  style = qrt_project_layer_get_style (qrt_project_find_layer (reread, "landcover"));
  for (guint i = 0; i < style->n_classes; i++)
    if (g_str_equal (style->classes[i].value, "forest"))
      {
        g_assert_cmpstr (style->classes[i].label, ==, "Wald und Gehölz");
        g_assert_cmpfloat_with_epsilon (style->classes[i].colour.green, picked.green, 0.5 / 255);
        found++;
      }
    else if (g_str_equal (style->classes[i].value, "sealed"))
      {
        g_assert_cmpstr (style->classes[i].label, ==, "");
        found++;
      }
  g_assert_cmpuint (found, ==, 2);

  /* A detour through another mode and attribute keeps the names too; a value that reads like
   * markup is shown as it is. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.style", "s",
                                             "districts"));
  dialog = g_ptr_array_index (window->dialogs, window->dialogs->len - 1);
  select_field (dialog, 1, "name");
  wait_for (window, style_dialog_ready, "the districts by name");
  district = g_ptr_array_index (dialog->name_rows, 0);
  first = g_strdup (qrt_style_dialog_get_style (dialog)->classes[0].value);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (district)), ==, first);
  g_assert_false (adw_preferences_row_get_use_markup (ADW_PREFERENCES_ROW (district)));
  gtk_editable_set_text (district, "Ortskern <alt> & neu");
  select_field (dialog, 2, "pop_2025");
  wait_for (window, style_dialog_ready, "the districts by population");
  g_assert_cmpstr (gtk_editable_get_text (g_ptr_array_index (dialog->name_rows, 0)), ==, "");
  /* Graduated classes take the ramp's colours: no button to pick one. */
  g_assert_false (gtk_widget_get_visible (g_object_get_data (g_ptr_array_index (dialog->name_rows,
                                                                                0),
                                                             "qrt-colour")));
  select_field (dialog, 1, "name");
  wait_for (window, style_dialog_ready, "the districts by name again");
  style = qrt_style_dialog_get_style (dialog);
  g_assert_cmpstr (style->classes[0].value, ==, first);
  g_assert_cmpstr (style->classes[0].label, ==, "Ortskern <alt> & neu");
  g_assert_cmpstr (gtk_editable_get_text (g_ptr_array_index (dialog->name_rows, 0)), ==,
                   "Ortskern <alt> & neu");

  /* Clicked on the map, the district shows its class's name beside its own. */
  remember (window);
  g_signal_emit_by_name (dialog->apply_button, "clicked");
  wait_for (window, painted, "the map to be painted with the districts by name");
  /* More districts than classes: the legend has a row for the rest. */
  g_assert_true (qrt_project_layer_get_style (qrt_project_find_layer (
                   qrt_window_get_project (window), "districts"))->others);
  g_assert_nonnull (strstr (qrt_legend_view_get_description (window->legend_view),
                            "Other values"));
  districts = qrt_project_layer_get_layer (qrt_project_find_layer (qrt_window_get_project (window),
                                                                   "districts"));
  name_field = qrt_layer_find_field (districts, "name");
  for (guint f = 0; f < qrt_layer_get_n_features (districts); f++)
    if (g_str_equal (qrt_layer_get_string (districts, (guint) name_field, f), first))
      {
        g_autoptr(GString) text = g_string_new (NULL);
        g_autofree char *shown = g_strdup_printf ("Ortskern <alt> & neu (%s)", first);
        double x, y;

        g_assert_true (clickable_at (window, districts, f, &x, &y));
        _qrt_window_set_active_layer (window, "districts");
        g_assert_true (_qrt_window_map_click (window, x, y, 0));
        collect_labels (GTK_WIDGET (_qrt_window_get_inspect_popover (window)), text);
        g_test_message ("popover: %s", text->str);
        g_assert_nonnull (strstr (text->str, shown));
        found++;
      }
  g_assert_cmpuint (found, ==, 3);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_select (void)
{
  QrtWindow *window = open_window (demo_path);
  QrtLayer *districts;
  QrtSelection *selection = _qrt_window_get_selection (window);
  GtkPopover *popover = _qrt_window_get_inspect_popover (window);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(Pixels) before = NULL;
  g_autoptr(Pixels) after = NULL;
  const char *name;
  double x, y, x2, y2;
  guint f, g, n;
  int name_field;

  districts = qrt_project_layer_get_layer (qrt_project_find_layer (qrt_window_get_project (window),
                                                                   "districts"));
  name_field = qrt_layer_find_field (districts, "name");
  g_assert_cmpint (name_field, >=, 0);

  /* The districts are the active layer, as if their row was clicked in the sidebar. */
  _qrt_window_set_active_layer (window, "districts");
  g_assert_cmpuint (gtk_single_selection_get_selected (window->layer_selection), !=,
                    GTK_INVALID_LIST_POSITION);

  f = find_district (window, districts, G_MAXUINT, &x, &y);
  g = find_district (window, districts, f, &x2, &y2);
  name = qrt_layer_get_string (districts, (guint) name_field, f);

  /* Hovering outlines the district. */
  _qrt_window_map_hover (window, x, y);
  g_assert_cmpint (qrt_selection_layer_get_hover (window->selection_layer), ==, (int) f);

  before = grab_map (window);
  g_assert_true (_qrt_window_map_click (window, x, y, 0));
  g_assert_cmpstr (qrt_selection_get_layer_name (selection), ==, "districts");
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 1);
  g_assert_true (qrt_selection_contains (selection, "districts", f));

  /* The popover names the district and lists its attributes. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  collect_labels (GTK_WIDGET (popover), text);
  g_test_message ("popover: %s", text->str);
  g_assert_nonnull (strstr (text->str, name));
  g_assert_nonnull (strstr (text->str, "pop_2025"));
  qrt_test_screenshot (GTK_WIDGET (popover), "inspect-popover");

  /* Selected, it is drawn highlighted. */
  after = grab_map (window);
  g_assert_false (is_near (pixel_at (before, x, y), pixel_at (after, x, y)) &&
                  count_changed (before, after) < 100);
  qrt_test_screenshot (GTK_WIDGET (window), "window-selection");

  /* Shift adds a second one. */
  g_assert_true (_qrt_window_map_click (window, x2, y2, GDK_SHIFT_MASK));
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 2);
  g_assert_true (qrt_selection_contains (selection, "districts", g));

  /* Escape clears it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-selection", NULL));
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (popover)));

  /* A rectangle over both selects them and whatever lies between. */
  n = _qrt_window_map_select_rect (window, MIN (x, x2), MIN (y, y2), MAX (x, x2), MAX (y, y2),
                                   FALSE);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, n);
  g_assert_true (qrt_selection_contains (selection, "districts", f));
  g_assert_true (qrt_selection_contains (selection, "districts", g));

  /* Nothing under the pointer: a click clears the selection. */
  _qrt_window_set_active_layer (window, NULL);
  g_assert_false (_qrt_window_map_click (window, 2, 2, 0));
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_remove_undo (void)
{
  g_autofree char *path = copy_demo ("remove.gpkg");
  QrtWindow *window = open_window (path);
  QrtProject *project = qrt_window_get_project (window);
  GListModel *sidebar = _qrt_window_get_sidebar_model (window);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (project));
  g_autoptr(QrtProject) reread = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (sidebar), ==, n);

  /* Removed: gone from the sidebar and the map, still in the project until the toast goes. */
  remember (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.remove", "s", "parks"));
  g_assert_cmpuint (g_list_model_get_n_items (sidebar), ==, n - 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), ==, n);
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "Parks"));
  wait_for (window, painted, "the map without the parks");
  qrt_test_screenshot (GTK_WIDGET (window), "window-removed");

  /* Undo brings it back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.undo-remove", "s",
                                             "parks"));
  g_assert_cmpuint (g_list_model_get_n_items (sidebar), ==, n);

  /* Another removal becomes final when its toast goes away, and is saved then. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.remove", "s", "water"));
  g_assert_cmpuint (g_list_model_get_n_items (sidebar), ==, n - 1);
  saves_before = _qrt_window_get_n_saves (window);
  _qrt_window_commit_removals (window);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), ==, n - 1);
  g_assert_cmpuint (g_list_model_get_n_items (sidebar), ==, n - 1);
  wait_for (window, saved, "the project to be saved");

  reread = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reread)), ==, n - 1);
  g_assert_null (qrt_project_find_layer (reread, "water"));
  g_assert_nonnull (qrt_project_find_layer (reread, "parks"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_reorder (void)
{
  g_autofree char *path = copy_demo ("reorder.gpkg");
  QrtWindow *window = open_window (path);
  QrtProject *project = qrt_window_get_project (window);
  g_auto(GStrv) order = layer_names (project);
  g_auto(GStrv) after = NULL;
  g_auto(GStrv) on_disk = NULL;
  g_autoptr(QrtProject) reread = NULL;
  g_autoptr(QrtProjectLayer) top = NULL;
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length (order);
  guint parks = G_MAXUINT;

  for (guint i = 0; i < n; i++)
    if (g_str_equal (order[i], "parks"))
      parks = i;
  g_assert_cmpuint (parks, <, n - 1);

  saves_before = _qrt_window_get_n_saves (window);
  remember (window);

  /* Up by one: drawn above its neighbour. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.move-up", "s", "parks"));
  after = layer_names (project);
  g_assert_cmpstr (after[parks + 1], ==, "parks");
  g_assert_cmpstr (after[parks], ==, order[parks + 1]);
  g_clear_pointer (&after, g_strfreev);

  /* A row dropped on the upper half of the top row goes on top. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.drop", "(ssb)",
                                             order[0], order[n - 1], TRUE));
  after = layer_names (project);
  g_assert_cmpstr (after[n - 1], ==, order[0]);
  top = g_list_model_get_item (_qrt_window_get_sidebar_model (window), 0);
  g_assert_cmpstr (qrt_project_layer_get_name (top), ==, order[0]);

  /* Renamed in a dialog; the title is saved with the order. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.rename", "s", "parks"));
  {
    AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (g_ptr_array_index (window->dialogs, 0));
    GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));

    g_assert_cmpstr (gtk_editable_get_text (entry), ==, "Parks");
    gtk_editable_set_text (entry, "  Grünflächen ");
    qrt_test_screenshot (GTK_WIDGET (dialog), "rename-dialog");
    adw_message_dialog_response (dialog, "rename");
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  g_assert_cmpstr (qrt_project_layer_get_title (qrt_project_find_layer (project, "parks")), ==,
                   "Grünflächen");

  /* The map follows, and the order is saved. */
  wait_for (window, painted, "the map to be painted in the new order");
  wait_for (window, saved, "the project to be saved");
  reread = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  on_disk = layer_names (reread);
  g_assert_cmpstrv (on_disk, after);
  g_assert_cmpstr (qrt_project_layer_get_title (qrt_project_find_layer (reread, "parks")), ==,
                   "Grünflächen");

  gtk_window_destroy (GTK_WINDOW (window));
}

static char *
write_file (const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (demo_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
test_import (void)
{
  /* A new development area in the middle of Musterstadt, in longitude and latitude. */
  static const char geojson[] =
    "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", "
    "\"properties\": {\"name\": \"Neubaugebiet Am Hang\", \"wohneinheiten\": 120}, "
    "\"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[8.05, 51.41], [8.07, 51.41], "
    "[8.07, 51.42], [8.05, 51.42], [8.05, 51.41]]]}}]}";
  g_autofree char *path = copy_demo ("import.gpkg");
  g_autofree char *source = write_file ("neubaugebiet.geojson", geojson);
  g_autoptr(GFile) file = g_file_new_for_path (source);
  QrtWindow *window = open_window (path);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (qrt_window_get_project (window)));
  ShumateViewport *viewport = shumate_simple_map_get_viewport (window->map);
  double zoom = shumate_viewport_get_zoom_level (viewport);
  g_autoptr(Pixels) before = grab_map (window);
  g_autoptr(Pixels) after = NULL;
  g_autoptr(QrtProjectLayer) top = NULL;
  QrtProject *project;
  double mx, my, x, y;

  qrt_lat_lon_to_mercator (51.415, 8.06, &mx, &my);
  g_assert_true (qrt_selection_layer_mercator_to_widget (window->selection_layer, mx, my, &x, &y));

  /* Cancelled at once: the project stays as it was. */
  _qrt_window_import_file (window, file);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-import", NULL));
  wait_for (window, not_importing, "the cancelled import to end");
  g_assert_null (_qrt_window_get_last_error (window));
  g_assert_false (gtk_revealer_get_reveal_child (window->import_revealer));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(QrtProject) reread = qrt_project_open (path, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reread)), ==, n);
  }

  remember (window);
  imports_before = _qrt_window_get_n_imports (window);
  _qrt_window_import_file (window, file);
  /* Progress shows at once, under the header bar; the work is in a worker. */
  g_assert_true (gtk_revealer_get_reveal_child (window->import_revealer));
  g_assert_true (_qrt_window_get_importing (window));
  qrt_test_screenshot (GTK_WIDGET (window), "window-importing");

  wait_for (window, imported_or_failed, "the import");
  g_assert_null (_qrt_window_get_last_error (window));
  g_assert_false (_qrt_window_get_importing (window));
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "Imported 1 feature"));
  g_assert_nonnull (strstr (_qrt_window_get_last_message (window), "neubaugebiet.geojson"));

  /* The project was read anew with one more layer, on top, where the view stayed. */
  project = qrt_window_get_project (window);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (project)), ==, n + 1);
  g_assert_nonnull (qrt_project_find_layer (project, "neubaugebiet"));
  top = g_list_model_get_item (_qrt_window_get_sidebar_model (window), 0);
  g_assert_cmpstr (qrt_project_layer_get_name (top), ==, "neubaugebiet");
  g_assert_cmpfloat (shumate_viewport_get_zoom_level (viewport), ==, zoom);

  /* … and on the map. */
  remember (window);
  wait_for (window, painted, "the map with the new layer");
  after = grab_map (window);
  g_test_message ("at %.0f,%.0f: %08x before, %08x after", x, y, pixel_at (before, x, y),
                  pixel_at (after, x, y));
  g_assert_false (is_near (pixel_at (before, x, y), pixel_at (after, x, y)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
crs_dialog_shown (QrtWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return TRUE;
    }
  return imported_or_failed (window);
}

static void
test_import_no_crs (void)
{
  /* A CSV with a WKT column says nothing about its coordinates: they are UTM 32. */
  static const char csv[] =
    "name,WKT\n"
    "Baufeld Nord,\"POLYGON((433000 5694000,434000 5694000,434000 5695000,433000 5695000,"
    "433000 5694000))\"\n";
  g_autofree char *source = write_file ("baufelder.csv", csv);
  g_autofree char *path = g_build_filename (demo_dir, "neu.gpkg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (source);
  GListModel *toplevels;
  AdwMessageDialog *dialog = NULL;
  QrtWindow *window = create_window ();
  QrtProject *project;

  /* On the welcome page the layer starts a new project: the user is asked where it goes,
   * with a name taken from the file. */
  remember (window);
  imports_before = _qrt_window_get_n_imports (window);
  _qrt_window_import_file (window, file);
  g_assert_nonnull (window->import_chooser);
  {
    GtkFileChooser *chooser = GTK_FILE_CHOOSER (window->import_chooser);
    g_autofree char *name = gtk_file_chooser_get_current_name (chooser);

    g_assert_cmpstr (name, ==, "baufelder.gpkg");
  }
  /* Cancelled, nothing happens; the same file, given a place, is imported. */
  g_signal_emit_by_name (window->import_chooser, "response", GTK_RESPONSE_CANCEL);
  g_assert_null (window->import_chooser);
  g_assert_false (_qrt_window_get_importing (window));
  _qrt_window_import_into (window, file, path);
  wait_for (window, crs_dialog_shown, "the question for the coordinate system");
  g_assert_cmpuint (_qrt_window_get_n_imports (window), ==, imports_before);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        dialog = ADW_MESSAGE_DIALOG (toplevel);
    }
  g_assert_nonnull (dialog);
  qrt_test_screenshot (GTK_WIDGET (dialog), "crs-dialog");
  /* The first choice is ETRS89 / UTM 32N. */
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (
                      adw_message_dialog_get_extra_child (dialog))), ==, 0);
  adw_message_dialog_response (dialog, "import");
  gtk_window_destroy (GTK_WINDOW (dialog));

  wait_for (window, imported_or_failed, "the import");
  g_assert_null (_qrt_window_get_last_error (window));
  g_assert_cmpstr (_qrt_window_get_page (window), ==, "map");
  project = qrt_window_get_project (window);
  g_assert_cmpstr (qrt_project_get_path (project), ==, path);
  g_assert_nonnull (qrt_project_find_layer (project, "baufelder"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_properties (void)
{
  g_autofree char *path = copy_demo ("properties.gpkg");
  QrtWindow *window = open_window (path);
  g_autoptr(QrtProject) reread = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  QrtProjectLayer *layer;
  GtkWidget *dialog;
  GtkWidget *licence;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "layer.properties", "s",
                                             "districts"));
  dialog = g_ptr_array_index (window->dialogs, 0);
  collect_labels (dialog, text);
  g_test_message ("properties: %s", text->str);
  g_assert_nonnull (strstr (text->str, "EPSG:25832"));
  g_assert_nonnull (strstr (text->str, "32"));
  qrt_test_screenshot (dialog, "properties-dialog");

  /* The licence is edited, and saved when the dialog closes. */
  /* The first of the two entries. */
  licence = qrt_test_find_type (dialog, ADW_TYPE_ENTRY_ROW);
  g_assert_nonnull (licence);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (licence)), ==, "_Licence");
  gtk_editable_set_text (GTK_EDITABLE (licence), "dl-de/by-2-0");
  saves_before = _qrt_window_get_n_saves (window);
  gtk_window_close (GTK_WINDOW (dialog));

  layer = qrt_project_find_layer (qrt_window_get_project (window), "districts");
  g_assert_cmpstr (qrt_project_layer_get_licence (layer), ==, "dl-de/by-2-0");
  wait_for (window, saved, "the project to be saved");
  reread = qrt_project_open (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qrt_project_layer_get_licence (qrt_project_find_layer (reread, "districts")),
                   ==, "dl-de/by-2-0");

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
indicators_ready (QrtWindow *window)
{
  return qrt_indicator_panel_get_table (window->indicator_panel) != NULL;
}

static void
test_indicators (void)
{
  g_autofree char *path = copy_demo ("indicators.gpkg");
  QrtWindow *window = open_window (path);
  g_autoptr(Pixels) before = NULL;
  g_autoptr(Pixels) after = NULL;
  guint changed, legend_rows_before;

  /* F10's action shows the panel under the map; the indicators come from a worker. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->indicator_panel)));
  /* Nothing computed while the panel is hidden: opening a project costs no evaluation. */
  g_assert_null (qrt_indicator_panel_get_table (window->indicator_panel));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-indicators", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->indicator_panel)));
  wait_for (window, indicators_ready, "the indicators");
  g_assert_cmpuint (qrt_indicator_table_get_n_districts (
                      qrt_indicator_panel_get_table (window->indicator_panel)), >=, 25);

  /* "Show on Map" colours the districts: a new look of the map, clearly different. */
  qrt_test_settle (500);
  legend_rows_before = qrt_legend_view_get_n_rows (window->legend_view);
  before = grab_map (window);
  remember (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window->indicator_panel),
                                             "indicators.show-on-map", NULL));
  g_assert_nonnull (window->indicator_layer);
  g_assert_cmpint (qrt_layer_find_field (window->indicator_layer, "indicator"), >=, 0);
  /* Explained in the legend, on top: a title row and one row per class. */
  g_assert_nonnull (window->indicator_title);
  g_assert_cmpuint (qrt_legend_view_get_n_rows (window->legend_view), >, legend_rows_before);
  wait_for (window, painted, "the map coloured by the indicator");
  after = grab_map (window);
  changed = count_changed (before, after);
  g_test_message ("%u of %d pixels changed", changed, after->width * after->height);
  g_assert_cmpuint (changed, >, (guint) (after->width * after->height / 10));
  qrt_test_screenshot (GTK_WIDGET (window), "window-indicators");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  qrt_test_ui_init (&argc, &argv);

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
  g_test_add_func ("/window/style-graduated", test_style_graduated);
  g_test_add_func ("/window/style-names", test_style_names);
  g_test_add_func ("/window/select", test_select);
  g_test_add_func ("/window/remove-undo", test_remove_undo);
  g_test_add_func ("/window/reorder", test_reorder);
  g_test_add_func ("/window/import", test_import);
  g_test_add_func ("/window/import-no-crs", test_import_no_crs);
  g_test_add_func ("/window/properties", test_properties);
  g_test_add_func ("/window/indicators", test_indicators);

  ret = g_test_run ();

  qrt_test_remove_tree (demo_dir);
  g_free (demo_path);
  g_free (demo_dir);

  return ret;
}
