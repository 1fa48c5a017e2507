/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qrt-application.h"
#include "qrt-layer-row.h"
#include "qrt-ui.h"
#include "qrt-window-private.h"
#include "map/qrt-mercator.h"

#define N_RECENT_MAX 10

/* Rendered tiles kept for the whole window: about 1000 HiDPI tiles, several screens' worth
 * of every zoom level the user went through. */
#define TILE_CACHE_BYTES (256 * 1024 * 1024)

/* Room left around the project when the view is fitted to it, in pixels. */
#define FIT_MARGIN 24

/* Marks a map source that has drawn every tile the map asked of it. */
#define DRAWN_KEY "qrt-window-drawn"

G_DEFINE_FINAL_TYPE (QrtWindow, qrt_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SHOW_LEGEND,
  PROP_SELECT_RECTANGLE,
  PROP_BASE_MAP,
  PROP_WORK_OFFLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One open (of a file or the demo) in flight. The worker's result is applied only if this is
 * still the window's current open; the window's dispose cancels it. */
typedef struct
{
  QrtWindow    *self;
  GCancellable *cancellable;
  char         *path;
  char         *display_name;
  gint64        begin_time;
} Open;

static void
open_free (Open *open)
{
  g_clear_object (&open->self);
  g_clear_object (&open->cancellable);
  g_clear_pointer (&open->path, g_free);
  g_clear_pointer (&open->display_name, g_free);
  g_free (open);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Open, open_free)

static GSettings *
create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "io.github.quartier.Quartier", TRUE);

  if (schema == NULL)
    {
      g_warning ("The GSettings schema io.github.quartier.Quartier is not installed; "
                 "window state and recent projects will not be remembered");
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static gboolean
is_current_open (QrtWindow *self,
                 Open      *open)
{
  return self->open_cancellable != NULL &&
         self->open_cancellable == open->cancellable &&
         !g_cancellable_is_cancelled (open->cancellable);
}

static void
show_page (QrtWindow  *self,
           const char *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
}

void
_qrt_window_show_toast (QrtWindow *self,
                        AdwToast  *toast)
{
  g_assert (QRT_IS_WINDOW (self));

  g_free (self->last_message);
  self->last_message = g_strdup (adw_toast_get_title (toast));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
_qrt_window_show_error (QrtWindow  *self,
                        const char *message)
{
  g_autofree char *markup = g_markup_escape_text (message, -1);
  AdwToast *toast;

  g_debug ("%s", message);
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  self->n_errors++;

  toast = adw_toast_new (markup);
  adw_toast_set_timeout (toast, 10);
  _qrt_window_show_toast (self, toast);
}

static Open *
begin_open (QrtWindow  *self,
            const char *path,
            const char *display_name,
            const char *loading_title)
{
  Open *open;
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  /* A newer open replaces the one in progress. */
  if (self->open_cancellable != NULL)
    g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  self->open_cancellable = g_cancellable_new ();

  if (g_strcmp0 (page, "loading") != 0)
    self->previous_page = g_strcmp0 (page, "map") == 0 ? "map" : "welcome";

  adw_status_page_set_title (self->loading_page, loading_title);
  gtk_spinner_start (self->loading_spinner);
  show_page (self, "loading");
  _qrt_window_update_actions (self);

  open = g_new0 (Open, 1);
  open->self = g_object_ref (self);
  open->cancellable = g_object_ref (self->open_cancellable);
  open->path = g_strdup (path);
  open->display_name = g_strdup (display_name);
  open->begin_time = g_get_monotonic_time ();

  return open;
}

static void
end_open (QrtWindow *self)
{
  g_clear_object (&self->open_cancellable);
  gtk_spinner_stop (self->loading_spinner);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") == 0)
    show_page (self, self->project != NULL ? self->previous_page : "welcome");

  _qrt_window_update_actions (self);
}

static char *
display_folder (const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  if (home_len > 1 &&
      g_str_has_prefix (folder, home) &&
      (folder[home_len] == '\0' || folder[home_len] == G_DIR_SEPARATOR))
    return g_strconcat ("~", folder + home_len, NULL);

  return g_steal_pointer (&folder);
}

static GtkWidget *
create_recent_row (gpointer item,
                   gpointer user_data)
{
  const char *path = gtk_string_object_get_string (GTK_STRING_OBJECT (item));
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *folder = display_folder (path);
  GtkWidget *row;

  row = adw_action_row_new ();
  /* File names may contain '&' or '<'. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), folder);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (row, path);
  g_object_set_data_full (G_OBJECT (row), "path", g_strdup (path), g_free);

  return row;
}

static void
reload_recent (QrtWindow *self)
{
  g_auto(GStrv) paths = NULL;
  guint n_old;

  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->recent_model));

  if (self->settings != NULL)
    paths = g_settings_get_strv (self->settings, "recent-projects");

  gtk_string_list_splice (self->recent_model, 0, n_old, (const char * const *) paths);
  gtk_widget_set_visible (self->recent_box,
                          g_list_model_get_n_items (G_LIST_MODEL (self->recent_model)) > 0);
}

void
_qrt_window_add_recent (QrtWindow  *self,
                        const char *path)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) old = NULL;
  g_auto(GStrv) paths = NULL;
  guint n = 1;

  if (self->settings == NULL || path == NULL)
    return;

  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, path);

  old = g_settings_get_strv (self->settings, "recent-projects");
  for (guint i = 0; old[i] != NULL && n < N_RECENT_MAX; i++)
    {
      if (g_strcmp0 (old[i], path) != 0)
        {
          g_strv_builder_add (builder, old[i]);
          n++;
        }
    }

  paths = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-projects", (const char * const *) paths);
}

static void
remove_recent (QrtWindow  *self,
               const char *path)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) old = NULL;
  g_auto(GStrv) paths = NULL;

  if (self->settings == NULL || path == NULL)
    return;

  builder = g_strv_builder_new ();
  old = g_settings_get_strv (self->settings, "recent-projects");
  if (!g_strv_contains ((const char * const *) old, path))
    return;

  for (guint i = 0; old[i] != NULL; i++)
    if (g_strcmp0 (old[i], path) != 0)
      g_strv_builder_add (builder, old[i]);

  paths = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-projects", (const char * const *) paths);
}

static char *
build_license (QrtWindow  *self,
               QrtProject *project)
{
  g_autoptr(GPtrArray) parts = NULL;
  guint n_layers;

  /* Only the demo generator marks a project synthetic, and its town is always Musterstadt. */
  if (qrt_project_get_synthetic (project))
    return g_strdup (_("Musterstadt – synthetic demo data"));

  parts = g_ptr_array_new ();
  n_layers = g_list_model_get_n_items (G_LIST_MODEL (project));

  for (guint i = 0; i < n_layers; i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (project), i);
      const char *text = qrt_project_layer_get_attribution (layer);
      gboolean seen = FALSE;

      if (_qrt_window_is_removed (self, layer))
        continue;
      if (text == NULL || *text == '\0')
        text = qrt_project_layer_get_licence (layer);
      if (text == NULL || *text == '\0')
        continue;

      for (guint j = 0; j < parts->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (parts, j), text);
      if (!seen)
        g_ptr_array_add (parts, (gpointer) text);
    }

  if (parts->len == 0)
    return NULL;

  g_ptr_array_add (parts, NULL);
  return g_strjoinv ("; ", (char **) parts->pdata);
}

/**
 * _qrt_window_fit_extent:
 * @extent: a box in mercator metres
 * @animate: fly there instead of jumping
 *
 * Centres the map on @extent at the (fractional) zoom level that just fits it into the map
 * widget with a margin: libshumate scales the tiles of the zoom level below.
 */
void
_qrt_window_fit_extent (QrtWindow     *self,
                        const QrtBBox *extent,
                        gboolean       animate)
{
  ShumateViewport *viewport = shumate_simple_map_get_viewport (self->map);
  int width = gtk_widget_get_width (GTK_WIDGET (self->map));
  int height = gtk_widget_get_height (GTK_WIDGET (self->map));
  double span_x, span_y, metres_per_pixel, zoom, latitude, longitude;

  if (qrt_bbox_is_empty (extent) || width <= 0 || height <= 0)
    return;

  span_x = MAX (extent->max_x - extent->min_x, 1.0);
  span_y = MAX (extent->max_y - extent->min_y, 1.0);
  metres_per_pixel = MAX (span_x / MAX (width - 2 * FIT_MARGIN, 1),
                          span_y / MAX (height - 2 * FIT_MARGIN, 1));
  /* A single point or a tiny layer: a street's scale, not the tiles' limit. */
  zoom = CLAMP (log2 (2.0 * QRT_MERCATOR_HALF_WORLD / (256.0 * metres_per_pixel)), 0.0, 18.0);

  qrt_mercator_to_lat_lon ((extent->min_x + extent->max_x) / 2.0,
                           (extent->min_y + extent->max_y) / 2.0,
                           &latitude, &longitude);

  if (animate)
    {
      shumate_map_go_to_full_with_duration (shumate_simple_map_get_map (self->map),
                                            latitude, longitude, zoom, 400);
      return;
    }

  shumate_viewport_set_zoom_level (viewport, zoom);
  shumate_location_set_location (SHUMATE_LOCATION (viewport), latitude, longitude);
}

static void
quit_after_first_paint (QrtWindow *self)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL)
    g_application_quit (app);
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
screenshot_tick_cb (GtkWidget     *widget,
                    GdkFrameClock *clock,
                    gpointer       user_data)
{
  QrtWindow *self = QRT_WINDOW (user_data);
  const char *screenshot = g_getenv ("QUARTIER_SCREENSHOT");
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  /* The welcome page is still fading out: the picture would show both. */
  if (gtk_stack_get_transition_running (self->stack))
    return G_SOURCE_CONTINUE;

  texture = qrt_ui_render_widget (GTK_WIDGET (self), &error);
  if (texture == NULL || !gdk_texture_save_to_png (texture, screenshot))
    g_warning ("Could not save the screenshot to %s: %s", screenshot,
               error != NULL ? error->message : "write failed");

  quit_after_first_paint (self);
  return G_SOURCE_REMOVE;
}

static void
report_first_paint (QrtWindow *self)
{
  GApplication *app = g_application_get_default ();
  const char *screenshot = g_getenv ("QUARTIER_SCREENSHOT");
  gint64 start_time = 0;

  if (QRT_IS_APPLICATION (app))
    start_time = qrt_application_get_start_time (QRT_APPLICATION (app));

  g_print ("first-map-paint-ms: %" G_GINT64_FORMAT "\n",
           (g_get_monotonic_time () - start_time) / G_TIME_SPAN_MILLISECOND);
  fflush (stdout);

  if (screenshot != NULL && *screenshot != '\0')
    gtk_widget_add_tick_callback (GTK_WIDGET (self), screenshot_tick_cb, self, NULL);
  else
    quit_after_first_paint (self);
}

static void
stop_waiting_for_paint (QrtWindow *self)
{
  /* A window destroyed while waiting: unrealizing it disposed of the frame clock, and of
   * the handler with it. */
  if (self->paint_clock != NULL &&
      g_signal_handler_is_connected (self->paint_clock, self->after_paint_handler))
    g_signal_handler_disconnect (self->paint_clock, self->after_paint_handler);
  self->after_paint_handler = 0;
  g_clear_object (&self->paint_clock);
}

static void
map_painted (QrtWindow *self)
{
  self->settle_pending = FALSE;
  self->n_map_paints++;

  g_debug ("Map painted %" G_GINT64_FORMAT " ms after the project was opened, %u tiles",
           (g_get_monotonic_time () - self->open_time) / G_TIME_SPAN_MILLISECOND,
           qrt_map_source_get_n_rendered (self->map_source));

  if (self->n_map_paints == 1 &&
      g_strcmp0 (g_getenv ("QUARTIER_EXIT_AFTER_FIRST_PAINT"), "1") == 0)
    report_first_paint (self);
}

static gboolean
map_is_settled (QrtWindow *self)
{
  return self->settle_pending &&
         self->fitted &&
         self->map_source != NULL &&
         !qrt_map_source_get_busy (self->map_source) &&
         qrt_map_source_get_n_requested (self->map_source) > self->settle_baseline;
}

static void
after_paint_cb (QrtWindow     *self,
                GdkFrameClock *clock)
{
  stop_waiting_for_paint (self);

  /* If the map asked for more tiles meanwhile, the source's next "not busy" brings us back. */
  if (map_is_settled (self))
    map_painted (self);
}

static void
check_settled (QrtWindow *self)
{
  GdkFrameClock *clock;

  if (!map_is_settled (self) || self->paint_clock != NULL)
    return;

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->map));
  if (clock == NULL)
    return;

  /* Every tile is in; count the view as shown once the frame drawing them is painted. */
  self->paint_clock = g_object_ref (clock);
  self->after_paint_handler =
    g_signal_connect_object (clock, "after-paint",
                             G_CALLBACK (after_paint_cb), self,
                             G_CONNECT_SWAPPED);
  gtk_widget_queue_draw (GTK_WIDGET (self->map));
}

static ShumateMapSource *
layer_source (ShumateMapLayer *layer)
{
  g_autoptr(ShumateMapSource) source = NULL;

  g_object_get (layer, "map-source", &source, NULL);
  return source;
}

static void
remove_map_layer (QrtWindow *self,
                  guint      index)
{
  ShumateMap *map = shumate_simple_map_get_map (self->map);
  ShumateLayer *layer = g_ptr_array_index (self->map_layers, index);

  shumate_map_remove_layer (map, layer);
  g_ptr_array_remove_index (self->map_layers, index);
}

/* Once the newest look has drawn the view, the looks under it are hidden: drop them. */
void
_qrt_window_prune_map_layers (QrtWindow *self)
{
  while (self->map_layers->len > 1)
    remove_map_layer (self, 0);
}

static void
map_source_notify_busy_cb (QrtWindow    *self,
                           GParamSpec   *pspec,
                           QrtMapSource *source)
{
  if (source != self->map_source)
    return;

  if (!qrt_map_source_get_busy (source) && qrt_map_source_get_n_requested (source) > 0)
    {
      g_object_set_data (G_OBJECT (source), DRAWN_KEY, GINT_TO_POINTER (TRUE));
      _qrt_window_prune_map_layers (self);
    }

  check_settled (self);
}

/**
 * _qrt_window_install_map_source:
 * @replace: drop the map's current look at once (another project, another place) instead of
 *   keeping it under the new one until that has drawn the view
 *
 * Shows the project as it is now: a new renderer, a new source, a new map layer. Tiles the
 * change did not touch come from the tile cache.
 */
void
_qrt_window_install_map_source (QrtWindow *self,
                                gboolean   replace)
{
  ShumateMap *map = shumate_simple_map_get_map (self->map);
  ShumateViewport *viewport = shumate_simple_map_get_viewport (self->map);
  ShumateLicense *license = shumate_simple_map_get_license (self->map);
  g_autoptr(QrtTileRender) renderer = NULL;
  g_autoptr(QrtMapSource) source = NULL;
  ShumateMapLayer *layer;

  g_assert (QRT_IS_PROJECT (self->project));

  renderer = _qrt_window_create_renderer (self);
  source = qrt_map_source_new (renderer, gtk_widget_get_scale_factor (GTK_WIDGET (self)),
                               self->tile_cache);
  shumate_map_source_set_license (SHUMATE_MAP_SOURCE (source), self->license);

  if (self->map_source != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->map_source, map_source_notify_busy_cb, self);
      shumate_license_remove_map_source (license, SHUMATE_MAP_SOURCE (self->map_source));
    }
  g_set_object (&self->map_source, source);
  g_signal_connect_object (source, "notify::busy",
                           G_CALLBACK (map_source_notify_busy_cb), self,
                           G_CONNECT_SWAPPED);
  shumate_license_append_map_source (license, SHUMATE_MAP_SOURCE (source));

  /* The viewport's reference: projection, tile size and zoom limits, the same for every
   * look; taking the newest lets the older sources go. */
  shumate_map_set_map_source (map, SHUMATE_MAP_SOURCE (source));

  if (replace)
    {
      while (self->map_layers->len > 0)
        remove_map_layer (self, 0);
    }
  else
    {
      /* Keep only the newest look that was drawn completely (or, if none was, the oldest,
       * which is what the screen shows); the ones between would only be drawn in vain. */
      int keep = -1;

      for (guint i = self->map_layers->len; i-- > 0 && keep < 0;)
        {
          ShumateMapSource *old = layer_source (g_ptr_array_index (self->map_layers, i));

          if (g_object_get_data (G_OBJECT (old), DRAWN_KEY) != NULL)
            keep = (int) i;
        }
      if (keep < 0)
        keep = 0;
      for (guint i = self->map_layers->len; i-- > 0;)
        if ((int) i != keep)
          remove_map_layer (self, i);
    }

  layer = shumate_map_layer_new (SHUMATE_MAP_SOURCE (source), viewport);
  shumate_map_insert_layer_behind (map, SHUMATE_LAYER (layer),
                                   SHUMATE_LAYER (self->selection_layer));
  g_ptr_array_add (self->map_layers, layer);

  self->settle_pending = TRUE;
  self->settle_baseline = 0;
  stop_waiting_for_paint (self);
  check_settled (self);
}

static gboolean
fit_tick_cb (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  QrtWindow *self = QRT_WINDOW (user_data);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  /* The map page was hidden until now: wait for the first allocation to know the size. */
  if (width <= 0 || height <= 0 || self->project == NULL)
    return G_SOURCE_CONTINUE;

  self->fit_tick_id = 0;
  /* Shown anew after an import, the view stays: the tiles asked for so far are its own. */
  if (!self->fitted)
    {
      QrtBBox extent;

      qrt_project_get_extent (self->project, QRT_COORDS_MERCATOR, &extent);
      _qrt_window_fit_extent (self, &extent, FALSE);
      self->settle_baseline = qrt_map_source_get_n_requested (self->map_source);
    }

  self->fitted = TRUE;
  self->settle_pending = TRUE;
  check_settled (self);

  return G_SOURCE_REMOVE;
}

/* The indicators cost a zonal evaluation: computed when the panel is shown, not whenever a
 * project opens. A hidden panel lets go of a project it was given before. */
static void
sync_indicator_panel (QrtWindow *self)
{
  gboolean shown = gtk_toggle_button_get_active (self->indicators_button);

  if (!shown && self->indicator_project != NULL && self->indicator_project != self->project)
    {
      g_clear_object (&self->indicator_project);
      qrt_indicator_panel_set_project (self->indicator_panel, NULL, self->selection);
    }
  if (shown && self->project != NULL && self->indicator_project != self->project)
    {
      g_set_object (&self->indicator_project, self->project);
      qrt_indicator_panel_set_project (self->indicator_panel, self->project, self->selection);
    }
}

/**
 * _qrt_window_set_project:
 * @keep_view: the same project again (read anew after an import): keep the viewport, the
 *   selection and the active layer
 *
 * Shows @project: sidebar, legend and map.
 */
void
_qrt_window_set_project (QrtWindow  *self,
                         QrtProject *project,
                         gboolean    keep_view)
{
  g_autofree char *file_name = NULL;
  const char *title;

  g_assert (QRT_IS_PROJECT (project));

  /* An offline area being drawn was for the map as it was: back to its dialog. */
  if (self->project != project)
    _qrt_window_end_draw_area (self, NULL);

  /* What the user did to the previous project reaches its file before it goes. */
  if (self->project != NULL && self->project != project)
    {
      _qrt_window_commit_removals (self);
      _qrt_window_flush_save (self);
    }
  _qrt_window_close_dialogs (self);
  _qrt_window_unbind_layers (self);

  g_set_object (&self->project, project);
  g_clear_handle_id (&self->refresh_idle_id, g_source_remove);

  file_name = g_path_get_basename (qrt_project_get_path (project));
  title = qrt_project_get_title (project);
  if (title == NULL || *title == '\0')
    title = file_name;

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, file_name);
  gtk_window_set_title (GTK_WINDOW (self), title);

  /* Another project: nothing of the last one stays active or selected. */
  if (!keep_view)
    gtk_single_selection_set_selected (self->layer_selection, GTK_INVALID_LIST_POSITION);
  _qrt_window_bind_layers (self);
  if (!keep_view)
    qrt_selection_clear (self->selection);
  _qrt_window_update_selection (self);

  g_free (self->license);
  self->license = build_license (self, project);

  if (!keep_view)
    g_clear_object (&self->indicator_layer);
  sync_indicator_panel (self);
  gtk_widget_set_visible (GTK_WIDGET (self->indicators_button), TRUE);

  self->fitted = self->fitted && keep_view;
  _qrt_window_install_map_source (self, TRUE);

  show_page (self, "map");
  _qrt_window_update_actions (self);

  if (self->fit_tick_id == 0)
    self->fit_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->map),
                                                      fit_tick_cb, self, NULL);
}

/**
 * _qrt_window_update_license:
 *
 * The layers' attributions or licences changed: the map's credit line follows.
 */
void
_qrt_window_update_license (QrtWindow *self)
{
  ShumateLicense *license = shumate_simple_map_get_license (self->map);

  if (self->project == NULL)
    return;

  g_free (self->license);
  self->license = build_license (self, self->project);
  if (self->map_source != NULL)
    {
      /* ShumateLicense reads a source's text when the source is added. */
      shumate_map_source_set_license (SHUMATE_MAP_SOURCE (self->map_source), self->license);
      shumate_license_remove_map_source (license, SHUMATE_MAP_SOURCE (self->map_source));
      shumate_license_append_map_source (license, SHUMATE_MAP_SOURCE (self->map_source));
    }
}

static void
project_opened_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Open) open = user_data;
  QrtWindow *self = open->self;
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(GError) error = NULL;

  project = qrt_project_open_finish (result, &error);

  /* Cancelled, superseded by a newer open or the window is gone: whoever cancelled has
   * already put the window in its next state. */
  if (!is_current_open (self, open) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  end_open (self);

  if (project == NULL)
    {
      g_autofree char *message = NULL;

      /* The core's messages mostly name the file already; say it only once. */
      if (strstr (error->message, open->display_name) != NULL)
        message = g_strdup (error->message);
      else
        /* Translators: the first %s is a file name, the second the reason */
        message = g_strdup_printf (_("Could not open “%s”: %s"),
                                   open->display_name, error->message);
      _qrt_window_show_error (self, message);

      /* A project that was moved or deleted should not stay on the welcome page. */
      if (g_error_matches (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_NOT_FOUND))
        remove_recent (self, open->path);
      return;
    }

  g_debug ("Opened %s in %" G_GINT64_FORMAT " ms", open->path,
           (g_get_monotonic_time () - open->begin_time) / G_TIME_SPAN_MILLISECOND);
  self->open_time = g_get_monotonic_time ();

  _qrt_window_set_project (self, project, FALSE);
  _qrt_window_add_recent (self, qrt_project_get_path (project));
}

void
_qrt_window_open_path (QrtWindow  *self,
                       const char *path,
                       const char *display_name)
{
  g_autofree char *title = NULL;
  Open *open;

  /* Translators: %s is a file name */
  title = g_strdup_printf (_("Opening “%s”…"), display_name);
  open = begin_open (self, path, display_name, title);
  qrt_project_open_async (path, open->cancellable, project_opened_cb, open);
}

static void
ensure_demo_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  char *path;

  path = qrt_demo_ensure_default (cancellable, &error);
  if (path == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, path, g_free);
}

static void
demo_ready_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Open) open = user_data;
  QrtWindow *self = open->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *title = NULL;

  path = g_task_propagate_pointer (G_TASK (result), &error);

  if (!is_current_open (self, open) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (path == NULL)
    {
      g_autofree char *message = NULL;

      end_open (self);
      /* Translators: %s is the reason */
      message = g_strdup_printf (_("Could not create the demo municipality: %s"),
                                 error->message);
      _qrt_window_show_error (self, message);
      return;
    }

  /* Same open, next step: keep the cancellable so that Cancel still stops it. */
  adw_status_page_set_title (self->loading_page, _("Opening the demo municipality…"));
  g_free (open->path);
  open->path = g_steal_pointer (&path);
  qrt_project_open_async (open->path, open->cancellable, project_opened_cb, open);
  open = NULL;
}

static void
recent_changed_cb (QrtWindow  *self,
                   const char *key,
                   GSettings  *settings)
{
  reload_recent (self);
}

static void
recent_list_row_activated_cb (QrtWindow     *self,
                              GtkListBoxRow *row,
                              GtkListBox    *list)
{
  const char *path = g_object_get_data (G_OBJECT (row), "path");
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    return;

  file = g_file_new_for_path (path);
  qrt_window_open_file (self, file);
}

static void
stack_notify_visible_child_cb (QrtWindow  *self,
                               GParamSpec *pspec,
                               GtkStack   *stack)
{
  gboolean on_map = g_strcmp0 (gtk_stack_get_visible_child_name (stack), "map") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), on_map);
  gtk_widget_set_visible (self->import_button, on_map);
  gtk_widget_set_visible (self->legend_button, on_map);
  gtk_widget_set_visible (self->select_button, on_map);
  gtk_widget_set_visible (GTK_WIDGET (self->basemap_button), on_map);

  if (!on_map && self->project == NULL)
    {
      adw_window_title_set_title (self->window_title, "Quartier");
      adw_window_title_set_subtitle (self->window_title, NULL);
    }
}

static void
scale_factor_changed_cb (QrtWindow  *self,
                         GParamSpec *pspec,
                         gpointer    user_data)
{
  /* Tiles must be drawn again with the new number of device pixels. */
  if (self->project != NULL)
    _qrt_window_queue_refresh_map (self);
}

static gboolean
qrt_window_close_request (GtkWindow *window)
{
  QrtWindow *self = QRT_WINDOW (window);

  /* Removals still waiting for their toast, and changes still waiting for the coalescing
   * delay, are saved now; the save holds the application until it is written. */
  _qrt_window_commit_removals (self);
  _qrt_window_flush_save (self);
  _qrt_window_cancel_import (self);

  if (self->settings != NULL)
    {
      gboolean maximized = gtk_window_is_maximized (window);
      int width;
      int height;

      g_settings_delay (self->settings);
      g_settings_set_boolean (self->settings, "window-maximized", maximized);
      if (!maximized)
        {
          gtk_window_get_default_size (window, &width, &height);
          if (width > 0 && height > 0)
            {
              g_settings_set_int (self->settings, "window-width", width);
              g_settings_set_int (self->settings, "window-height", height);
            }
        }
      /* A folded flap hides itself; that is not the user's choice. */
      if (self->project != NULL && !adw_flap_get_folded (self->flap))
        g_settings_set_boolean (self->settings, "sidebar-visible",
                                adw_flap_get_reveal_flap (self->flap));
      g_settings_apply (self->settings);
    }

  return GTK_WINDOW_CLASS (qrt_window_parent_class)->close_request (window);
}

static void
clear_indicator_colours_cb (QrtWindow *self)
{
  if (self->indicator_layer == NULL)
    return;
  g_clear_object (&self->indicator_layer);
  _qrt_window_queue_refresh_map (self);
  _qrt_window_update_legend (self);
}

/* "Show on Map": the districts coloured by the indicator go above the project's layers until
 * the toast's button takes them off again or another project opens. */
static void
indicator_show_on_map_cb (QrtWindow      *self,
                          QrtLayer       *layer,
                          const QrtStyle *style,
                          const char     *title)
{
  AdwToast *toast;

  g_set_object (&self->indicator_layer, layer);
  self->indicator_style = *style;
  g_free (self->indicator_title);
  self->indicator_title = g_strdup (title);
  _qrt_window_queue_refresh_map (self);
  _qrt_window_update_legend (self);

  toast = adw_toast_new (_("The districts are coloured by the indicator"));
  adw_toast_set_button_label (toast, _("_Remove Colours"));
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (clear_indicator_colours_cb), self,
                           G_CONNECT_SWAPPED);
  _qrt_window_show_toast (self, toast);
}

static void
indicator_error_cb (QrtWindow  *self,
                    const char *message)
{
  _qrt_window_show_toast (self, adw_toast_new (message));
}

static void
qrt_window_dispose (GObject *object)
{
  QrtWindow *self = QRT_WINDOW (object);

  /* First: it saves what waits and stops listening to the project, which may otherwise
   * queue work on a window in destruction. */
  _qrt_window_dispose_import (self);
  _qrt_window_dispose_layers (self);

  if (self->open_cancellable != NULL)
    g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);

  stop_waiting_for_paint (self);
  if (self->fit_tick_id != 0 && self->map != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->map), self->fit_tick_id);
  self->fit_tick_id = 0;
  g_clear_handle_id (&self->refresh_idle_id, g_source_remove);

  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->file_chooser));
  g_clear_object (&self->file_chooser);

  if (self->map_source != NULL)
    g_signal_handlers_disconnect_by_func (self->map_source, map_source_notify_busy_cb, self);

  _qrt_window_dispose_map (self);
  _qrt_window_dispose_data_space (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), QRT_TYPE_WINDOW);

  g_clear_object (&self->map_source);
  g_clear_object (&self->indicator_layer);
  g_clear_pointer (&self->indicator_title, g_free);
  g_clear_object (&self->indicator_project);
  g_clear_pointer (&self->map_layers, g_ptr_array_unref);
  g_clear_pointer (&self->tile_cache, qrt_map_tile_cache_unref);
  g_clear_object (&self->project);
  g_clear_object (&self->recent_model);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (qrt_window_parent_class)->dispose (object);
}

static void
qrt_window_finalize (GObject *object)
{
  QrtWindow *self = QRT_WINDOW (object);

  g_clear_pointer (&self->license, g_free);
  g_clear_pointer (&self->base_map, g_free);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->last_message, g_free);

  G_OBJECT_CLASS (qrt_window_parent_class)->finalize (object);
}

static void
qrt_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  QrtWindow *self = QRT_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_LEGEND:
      g_value_set_boolean (value, self->show_legend);
      break;

    case PROP_SELECT_RECTANGLE:
      g_value_set_boolean (value, self->select_rectangle);
      break;

    case PROP_BASE_MAP:
      g_value_set_string (value, self->base_map);
      break;

    case PROP_WORK_OFFLINE:
      g_value_set_boolean (value, self->work_offline);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  QrtWindow *self = QRT_WINDOW (object);
  gboolean enabled;

  switch (prop_id)
    {
    case PROP_BASE_MAP:
      _qrt_window_set_base_map (self, g_value_get_string (value));
      break;

    case PROP_WORK_OFFLINE:
      _qrt_window_set_work_offline (self, g_value_get_boolean (value));
      break;

    case PROP_SHOW_LEGEND:
      enabled = g_value_get_boolean (value);
      if (self->show_legend != enabled)
        {
          self->show_legend = enabled;
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_SELECT_RECTANGLE:
      enabled = g_value_get_boolean (value);
      if (self->select_rectangle != enabled)
        {
          self->select_rectangle = enabled;
          /* A crosshair says that dragging draws a rectangle instead of moving the map. */
          gtk_widget_set_cursor_from_name (GTK_WIDGET (shumate_simple_map_get_map (self->map)),
                                           enabled ? "crosshair" : NULL);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_window_class_init (QrtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = qrt_window_dispose;
  object_class->finalize = qrt_window_finalize;
  object_class->get_property = qrt_window_get_property;
  object_class->set_property = qrt_window_set_property;

  /* Toggled by the header's buttons and the main menu, as stateful win.* actions. */
  properties[PROP_SHOW_LEGEND] =
    g_param_spec_boolean ("show-legend", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECT_RECTANGLE] =
    g_param_spec_boolean ("select-rectangle", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Both bound to GSettings, so that every window follows a change in one. */
  properties[PROP_BASE_MAP] =
    g_param_spec_string ("base-map", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WORK_OFFLINE] =
    g_param_spec_boolean ("work-offline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  window_class->close_request = qrt_window_close_request;

  qrt_ui_ensure_resources ();
  g_type_ensure (SHUMATE_TYPE_SIMPLE_MAP);
  g_type_ensure (QRT_TYPE_LAYER_ROW);
  g_type_ensure (QRT_TYPE_LEGEND_VIEW);
  g_type_ensure (QRT_TYPE_INDICATOR_PANEL);
  g_type_ensure (QRT_TYPE_OFFLINE_BAR);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/qrt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, import_button);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, legend_button);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, select_button);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, basemap_button);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, offline_bar);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, import_revealer);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, import_label);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, import_progress);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, recent_box);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, layer_list);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, map_overlay);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, map);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, legend_revealer);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, legend_view);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, indicators_button);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, map_paned);
  gtk_widget_class_bind_template_child (widget_class, QrtWindow, indicator_panel);
  gtk_widget_class_bind_template_callback (widget_class, recent_list_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, stack_notify_visible_child_cb);

  _qrt_window_class_add_actions (widget_class);
  _qrt_window_class_add_layer_actions (widget_class);
  _qrt_window_class_add_data_space_actions (widget_class);
}

static void
ensure_icon_path (GtkWidget *widget)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (widget));
  g_auto(GStrv) paths = gtk_icon_theme_get_resource_path (theme);

  /* GtkApplication adds our icons' path itself; a window without one (the UI tests) must
   * find the layer icons too. */
  if (paths == NULL || !g_strv_contains ((const char * const *) paths, RESOURCE_BASE "/icons"))
    gtk_icon_theme_add_resource_path (theme, RESOURCE_BASE "/icons");
}

static void
qrt_window_init (QrtWindow *self)
{
  GtkIconTheme *theme;

  ensure_icon_path (GTK_WIDGET (self));
  gtk_widget_init_template (GTK_WIDGET (self));

  self->previous_page = "welcome";
  self->show_legend = TRUE;
  self->tile_cache = qrt_map_tile_cache_new (TILE_CACHE_BYTES);
  self->map_layers = g_ptr_array_new ();
  self->selection = qrt_selection_new ();

  g_object_bind_property (self, "show-legend", self->legend_revealer, "reveal-child",
                          G_BINDING_SYNC_CREATE);
  /* The indicator panel shares the map's space below it, shown on demand. */
  g_object_bind_property (self->indicators_button, "active", self->indicator_panel, "visible",
                          G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->indicators_button, "notify::active",
                           G_CALLBACK (sync_indicator_panel), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->indicator_panel, "show-on-map",
                           G_CALLBACK (indicator_show_on_map_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->indicator_panel, "error",
                           G_CALLBACK (indicator_error_cb), self, G_CONNECT_SWAPPED);

  _qrt_window_init_map (self);
  _qrt_window_init_layers (self);
  _qrt_window_init_import (self);

  /* An uninstalled development build has only the release icon (from the resources). */
  theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  if (gtk_icon_theme_has_icon (theme, APP_ID))
    adw_status_page_set_icon_name (self->welcome_page, APP_ID);
  else
    adw_status_page_set_icon_name (self->welcome_page, "io.github.quartier.Quartier");

  self->recent_model = gtk_string_list_new (NULL);
  gtk_list_box_bind_model (self->recent_list, G_LIST_MODEL (self->recent_model),
                           create_recent_row, NULL, NULL);

  self->settings = create_settings ();
  if (self->settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      adw_flap_set_reveal_flap (self->flap,
                                g_settings_get_boolean (self->settings, "sidebar-visible"));

      g_signal_connect_object (self->settings, "changed::recent-projects",
                               G_CALLBACK (recent_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }

  reload_recent (self);
  /* After the settings: base map and offline state come from there. */
  _qrt_window_init_data_space (self);

  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (scale_factor_changed_cb), NULL);

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  _qrt_window_update_actions (self);
}

/**
 * qrt_window_new:
 * @application: (nullable): the application, or %NULL (tests)
 *
 * Returns: (transfer full): a new window showing the welcome page
 */
QrtWindow *
qrt_window_new (GtkApplication *application)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);

  return g_object_new (QRT_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * qrt_window_open_file:
 * @self: a #QrtWindow
 * @file: a project GeoPackage
 *
 * Starts reading @file in a worker thread and shows it once read. On failure the window
 * keeps what it showed and reports the reason in a toast.
 */
void
qrt_window_open_file (QrtWindow *self,
                      GFile     *file)
{
  g_autofree char *path = NULL;
  g_autofree char *display_name = NULL;

  g_return_if_fail (QRT_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  display_name = g_file_get_basename (file);
  path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Could not open “%s”: %s"), display_name,
                                 _("Only files on this computer can be opened"));
      _qrt_window_show_error (self, message);
      return;
    }

  _qrt_window_open_path (self, path, display_name);
}

/**
 * qrt_window_open_demo:
 * @self: a #QrtWindow
 *
 * Opens the demo municipality, generating it in the user's data folder first if needed
 * (in a worker thread; the window shows a cancellable progress page meanwhile).
 */
void
qrt_window_open_demo (QrtWindow *self)
{
  g_autoptr(GTask) task = NULL;
  Open *open;

  g_return_if_fail (QRT_IS_WINDOW (self));

  open = begin_open (self, NULL, _("the demo municipality"),
                     _("Preparing the demo municipality…"));

  task = g_task_new (NULL, open->cancellable, demo_ready_cb, open);
  g_task_set_source_tag (task, qrt_window_open_demo);
  g_task_run_in_thread (task, ensure_demo_worker);
}

/**
 * qrt_window_get_project:
 * @self: a #QrtWindow
 *
 * Returns: (transfer none) (nullable): the project shown
 */
QrtProject *
qrt_window_get_project (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return self->project;
}

/**
 * qrt_window_is_empty:
 * @self: a #QrtWindow
 *
 * Returns: %TRUE if the window shows no project and is not opening one, so that it can take
 * the next file the application is asked to open
 */
gboolean
qrt_window_is_empty (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), FALSE);

  return self->project == NULL && self->open_cancellable == NULL;
}

void
_qrt_window_cancel_open (QrtWindow *self)
{
  g_assert (QRT_IS_WINDOW (self));

  if (self->open_cancellable == NULL)
    return;

  g_cancellable_cancel (self->open_cancellable);
  end_open (self);
}

static gboolean
refresh_map_idle_cb (gpointer user_data)
{
  QrtWindow *self = QRT_WINDOW (user_data);

  self->refresh_idle_id = 0;
  if (self->project != NULL)
    _qrt_window_install_map_source (self, FALSE);

  return G_SOURCE_REMOVE;
}

void
_qrt_window_queue_refresh_map (QrtWindow *self)
{
  g_assert (QRT_IS_WINDOW (self));

  /* Several check buttons toggled in a row, or an opacity slider dragged, make one new
   * source per main loop turn. */
  if (self->refresh_idle_id == 0)
    self->refresh_idle_id = g_idle_add (refresh_map_idle_cb, self);
}

const char *
_qrt_window_get_last_error (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return self->last_error;
}

const char *
_qrt_window_get_page (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

GtkWidget *
_qrt_window_get_map_widget (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->map);
}

guint
_qrt_window_get_n_map_paints (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), 0);

  return self->n_map_paints;
}

guint
_qrt_window_get_n_errors (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), 0);

  return self->n_errors;
}

gboolean
_qrt_window_get_map_busy (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), FALSE);

  return self->map_source != NULL && qrt_map_source_get_busy (self->map_source);
}

const char *
_qrt_window_get_last_message (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return self->last_message;
}

QrtSelection *
_qrt_window_get_selection (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return self->selection;
}

GtkPopover *
_qrt_window_get_inspect_popover (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return qrt_selection_layer_get_popover (self->selection_layer);
}

guint
_qrt_window_get_n_saves (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), 0);

  return self->n_saves;
}

guint
_qrt_window_get_n_imports (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), 0);

  return self->n_imports;
}

GListModel *
_qrt_window_get_sidebar_model (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->layer_selection);
}
