/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-application.h"
#include "qrt-window-private.h"
#include "dialogs/qrt-catalog-dialog.h"
#include "dialogs/qrt-offline-areas-dialog.h"
#include "map/qrt-basemap-source.h"
#include "map/qrt-mercator.h"

/*
 * The window's side of the data space: the base map under the project, working offline
 * (by choice, win.work-offline, or for want of a network), the offline areas and the catalog
 * of a data space.
 *
 * Layers fetched from a data space keep where they came from in the project (under
 * qrt_data_space_fetch_key()); layer.refresh fetches one of them again and win.refresh-data
 * all of them, as one job of qrt-window-import.c, besides loading the base map anew.
 *
 * The client and its cache belong to the application and are opened when first needed, in a
 * worker thread (the cache's check reads the whole file): a session that never shows a base
 * map never opens the cache. Meanwhile the base map waits, and so does an action or a fetch
 * that needs the client. The base map and the offline
 * choice are GSettings keys bound to the window's properties, so that every window follows.
 */

#define RECOVERY_SHOWN_KEY "qrt-window-recovery-shown"

static void
show_recovery (QrtWindow    *self,
               QrtDataSpace *data_space)
{
  QrtCache *cache = qrt_data_space_get_cache (data_space);
  const char *moved_to = qrt_cache_get_recovered_from (cache);
  g_autofree char *message = NULL;
  g_autofree char *markup = NULL;
  AdwToast *toast;

  /* One window says it, once per session. */
  if (moved_to == NULL || g_object_get_data (G_OBJECT (cache), RECOVERY_SHOWN_KEY) != NULL)
    return;
  g_object_set_data (G_OBJECT (cache), RECOVERY_SHOWN_KEY, GINT_TO_POINTER (TRUE));

  /* Translators: %s is a file path */
  message = g_strdup_printf (_("The offline cache was damaged. It was moved aside to “%s” "
                               "and rebuilt."), moved_to);
  markup = g_markup_escape_text (message, -1);
  toast = adw_toast_new (markup);
  adw_toast_set_timeout (toast, 0);
  _qrt_window_show_toast (self, toast);
}

static gboolean
is_offline (QrtWindow *self)
{
  return self->work_offline || !self->network_available;
}

static void load_basemap (QrtWindow *self);

static void
data_space_ready (QrtWindow    *self,
                  QrtDataSpace *data_space,
                  const GError *error)
{
  g_autofree char *action = g_steal_pointer (&self->data_space_action);

  g_clear_object (&self->data_space_opening);
  if (data_space == NULL)
    {
      g_autofree char *message = NULL;

      self->data_space_failed = TRUE;
      /* Translators: %s is the reason */
      message = g_strdup_printf (_("Could not open the offline cache: %s"), error->message);
      _qrt_window_show_error (self, message);
    }
  else
    {
      self->data_space = g_object_ref (data_space);
      qrt_data_space_set_offline (self->data_space, is_offline (self));
      show_recovery (self, self->data_space);
      load_basemap (self);
      if (action != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), action, NULL);
    }
  /* A fetch or refresh that waited for the client goes on, or says why it cannot. */
  _qrt_window_resume_import (self);
}

static void
application_data_space_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(QrtWindow) self = user_data;
  g_autoptr(QrtDataSpace) data_space = NULL;
  g_autoptr(GError) error = NULL;

  data_space = qrt_application_open_data_space_finish (QRT_APPLICATION (source), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    data_space_ready (self, data_space, error);
}

static void
own_cache_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(QrtWindow) self = user_data;
  g_autoptr(QrtCache) cache = NULL;
  g_autoptr(QrtDataSpace) data_space = NULL;
  g_autoptr(GError) error = NULL;

  cache = qrt_cache_open_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (cache != NULL)
    data_space = qrt_data_space_new (cache);
  data_space_ready (self, data_space, error);
}

/**
 * _qrt_window_get_data_space:
 *
 * The data-space client, when it is open. The first call starts opening it (the offline
 * cache is checked in a worker thread); once it is open the base map is shown and a waiting
 * fetch goes on. Said once in a toast when the cache cannot be opened.
 *
 * Returns: (transfer none) (nullable): the client, or %NULL while it is opened or when it
 *   cannot be
 */
QrtDataSpace *
_qrt_window_get_data_space (QrtWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  g_assert (QRT_IS_WINDOW (self));

  if (self->data_space != NULL || self->data_space_failed || self->data_space_opening != NULL)
    return self->data_space;

  self->data_space_opening = g_cancellable_new ();
  if (QRT_IS_APPLICATION (app))
    qrt_application_open_data_space_async (QRT_APPLICATION (app), self->data_space_opening,
                                           application_data_space_cb, g_object_ref (self));
  else
    /* A window of its own (the UI tests): its own client over the same cache file. */
    qrt_cache_open_async (NULL, self->data_space_opening, own_cache_cb, g_object_ref (self));
  return NULL;
}

/**
 * _qrt_window_need_data_space:
 * @action_name: (nullable): an action to activate once the client is open
 *
 * For an action that needs the client: %TRUE when it is open; else it is being opened and
 * @action_name runs when it is (a later action replaces an earlier one), or it cannot be.
 */
gboolean
_qrt_window_need_data_space (QrtWindow  *self,
                             const char *action_name)
{
  if (_qrt_window_get_data_space (self) != NULL)
    return TRUE;
  if (self->data_space_opening != NULL)
    {
      g_free (self->data_space_action);
      self->data_space_action = g_strdup (action_name);
    }
  return FALSE;
}

static void
remove_basemap (QrtWindow *self)
{
  ShumateMap *map;

  if (self->basemap_layer == NULL)
    return;

  map = shumate_simple_map_get_map (self->map);
  shumate_license_remove_map_source (shumate_simple_map_get_license (self->map),
                                     self->basemap_renderer);
  shumate_map_remove_layer (map, SHUMATE_LAYER (self->basemap_layer));
  g_clear_object (&self->basemap_layer);
  g_clear_object (&self->basemap_renderer);
}

/* Shows the chosen base map, with a new source id, so that tiles the map layer kept (empty
 * ones too, fetched offline) are asked for again. */
static void
load_basemap (QrtWindow *self)
{
  ShumateMap *map = shumate_simple_map_get_map (self->map);
  ShumateViewport *viewport = shumate_simple_map_get_viewport (self->map);
  const QrtTileSet *tile_set;
  QrtDataSpace *data_space;

  remove_basemap (self);

  if (self->base_map == NULL || *self->base_map == '\0')
    return;

  tile_set = qrt_tile_set_lookup (self->base_map);
  if (tile_set == NULL)
    {
      g_message ("Unknown base map “%s”; showing none", self->base_map);
      return;
    }

  /* Not open yet: shown once it is (data_space_ready()). */
  data_space = _qrt_window_get_data_space (self);
  if (data_space == NULL)
    return;

  self->basemap_renderer =
    SHUMATE_MAP_SOURCE (qrt_basemap_renderer_new (data_space, tile_set,
                                                  ++self->basemap_generation));
  self->basemap_layer = g_object_ref_sink (shumate_map_layer_new (self->basemap_renderer,
                                                                  viewport));
  /* Under everything the project draws. */
  shumate_map_insert_layer_above (map, SHUMATE_LAYER (self->basemap_layer), NULL);
  shumate_license_prepend_map_source (shumate_simple_map_get_license (self->map),
                                      self->basemap_renderer);
}

void
_qrt_window_set_base_map (QrtWindow  *self,
                          const char *tile_set_id)
{
  g_assert (QRT_IS_WINDOW (self));

  if (tile_set_id == NULL)
    tile_set_id = "";
  if (g_strcmp0 (self->base_map, tile_set_id) == 0)
    return;

  g_free (self->base_map);
  self->base_map = g_strdup (tile_set_id);
  load_basemap (self);
  /* The project's tiles leave their background out over a base map and paint it without. */
  if (self->project != NULL)
    _qrt_window_queue_refresh_map (self);
  g_object_notify (G_OBJECT (self), "base-map");
}

static guint refresh_layers (QrtWindow *self,
                             gboolean   quiet_if_none);

static void
sync_offline (QrtWindow *self,
              gboolean   was_offline)
{
  gboolean offline = is_offline (self);

  qrt_offline_bar_set_manual (self->offline_bar, self->work_offline);
  qrt_offline_bar_set_revealed (self->offline_bar, offline);

  if (self->data_space != NULL)
    qrt_data_space_set_offline (self->data_space, offline);

  /* Back online: tiles that were missing can come now, and what was asked to be
   * refreshed meanwhile is. */
  if (was_offline && !offline && self->basemap_layer != NULL)
    load_basemap (self);
  if (was_offline && !offline && self->refresh_pending)
    {
      self->refresh_pending = FALSE;
      refresh_layers (self, FALSE);
    }

  _qrt_window_update_refresh_actions (self);
}

void
_qrt_window_set_work_offline (QrtWindow *self,
                              gboolean   work_offline)
{
  gboolean was_offline = is_offline (self);

  g_assert (QRT_IS_WINDOW (self));

  work_offline = !!work_offline;
  if (self->work_offline == work_offline)
    return;

  self->work_offline = work_offline;
  sync_offline (self, was_offline);
  g_object_notify (G_OBJECT (self), "work-offline");
}

void
_qrt_window_set_network_available (QrtWindow *self,
                                   gboolean   available)
{
  gboolean was_offline = is_offline (self);

  g_assert (QRT_IS_WINDOW (self));

  available = !!available;
  if (self->network_available == available)
    return;

  g_debug ("Network %s", available ? "available" : "gone");
  self->network_available = available;
  sync_offline (self, was_offline);
}

static void
network_available_cb (QrtWindow       *self,
                      GParamSpec      *pspec,
                      GNetworkMonitor *monitor)
{
  _qrt_window_set_network_available (self, g_network_monitor_get_network_available (monitor));
}

static void
wgs84_extend (QrtBBox *box,
              double   latitude,
              double   longitude)
{
  qrt_bbox_extend (box, CLAMP (longitude, -180.0, 180.0), CLAMP (latitude, -85.0511, 85.0511));
}

/**
 * _qrt_window_get_view_extent:
 * @wgs84: (out): the map's view, west/south/east/north in degrees
 *
 * Returns: %FALSE when no map is shown
 */
gboolean
_qrt_window_get_view_extent (QrtWindow *self,
                             QrtBBox   *wgs84)
{
  ShumateViewport *viewport = shumate_simple_map_get_viewport (self->map);
  GtkWidget *map = GTK_WIDGET (shumate_simple_map_get_map (self->map));
  int width = gtk_widget_get_width (map);
  int height = gtk_widget_get_height (map);
  double latitude, longitude;

  qrt_bbox_init_empty (wgs84);
  if (self->project == NULL || width <= 0 || height <= 0)
    return FALSE;

  shumate_viewport_widget_coords_to_location (viewport, map, 0, 0, &latitude, &longitude);
  wgs84_extend (wgs84, latitude, longitude);
  shumate_viewport_widget_coords_to_location (viewport, map, width, height,
                                              &latitude, &longitude);
  wgs84_extend (wgs84, latitude, longitude);

  return !qrt_bbox_is_empty (wgs84);
}

/**
 * _qrt_window_get_selection_extent:
 * @wgs84: (out): the box around the selected features (districts, mostly), in degrees
 *
 * Returns: %FALSE when nothing is selected
 */
gboolean
_qrt_window_get_selection_extent (QrtWindow *self,
                                  QrtBBox   *wgs84)
{
  const char *layer_name = qrt_selection_get_layer_name (self->selection);
  QrtProjectLayer *item;
  QrtLayer *layer;
  GArray *features;

  qrt_bbox_init_empty (wgs84);
  if (self->project == NULL || layer_name == NULL ||
      qrt_selection_get_n_features (self->selection) == 0)
    return FALSE;

  item = qrt_project_find_layer (self->project, layer_name);
  if (item == NULL)
    return FALSE;

  /* Web Mercator boxes, turned to degrees corner by corner: the map's own projection. */
  layer = qrt_project_layer_get_layer (item);
  features = qrt_selection_get_features (self->selection);
  for (guint i = 0; i < features->len; i++)
    {
      QrtBBox box;
      double latitude, longitude;

      qrt_layer_get_feature_bbox (layer, QRT_COORDS_MERCATOR, g_array_index (features, guint, i),
                                  &box);
      if (qrt_bbox_is_empty (&box))
        continue;
      qrt_mercator_to_lat_lon (box.min_x, box.min_y, &latitude, &longitude);
      wgs84_extend (wgs84, latitude, longitude);
      qrt_mercator_to_lat_lon (box.max_x, box.max_y, &latitude, &longitude);
      wgs84_extend (wgs84, latitude, longitude);
    }

  return !qrt_bbox_is_empty (wgs84);
}

static GMenuModel *
build_basemap_menu (void)
{
  const QrtTileSet *const *sets = qrt_tile_set_get_builtin ();
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) choices = g_menu_new ();
  g_autoptr(GMenu) more = g_menu_new ();
  g_autoptr(GMenuItem) none = NULL;

  /* The project itself is the base map that always works offline. */
  none = g_menu_item_new (_("_No Base Map"), NULL);
  g_menu_item_set_action_and_target (none, "win.base-map", "s", "");
  g_menu_append_item (choices, none);

  for (guint i = 0; sets != NULL && sets[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (sets[i]->title, NULL);

      g_menu_item_set_action_and_target (item, "win.base-map", "s", sets[i]->id);
      g_menu_append_item (choices, item);
    }

  g_menu_append (more, _("_Refresh Map and Layers"), "win.refresh-data");
  g_menu_append (more, _("Offline _Areas…"), "win.offline-areas");

  g_menu_append_section (menu, NULL, G_MENU_MODEL (choices));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (more));

  return G_MENU_MODEL (g_steal_pointer (&menu));
}

/**
 * _qrt_window_get_layer_refreshable:
 *
 * Returns: whether the layer @name came from a data space, so that it can be fetched again
 */
gboolean
_qrt_window_get_layer_refreshable (QrtWindow  *self,
                                   const char *name)
{
  g_autofree char *key = NULL;

  g_assert (QRT_IS_WINDOW (self));

  if (self->project == NULL || name == NULL)
    return FALSE;
  key = qrt_data_space_fetch_key (name);
  return qrt_project_get_metadata (self->project, key) != NULL;
}

/* layer.refresh is there for one layer at a time, online, when no other job runs; the
 * sidebar's rows say for themselves whether their layer can be refreshed at all. */
void
_qrt_window_update_refresh_actions (QrtWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "layer.refresh",
                                 self->project != NULL && !is_offline (self) &&
                                 !_qrt_window_get_importing (self));
}

/* Starts one job that fetches every layer of the project that came from a data space again,
 * bottom first. Returns how many layers it is about to refresh (0: none to refresh). */
static guint
refresh_layers (QrtWindow *self,
                gboolean   quiet_if_none)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  guint n;

  if (self->project == NULL)
    return 0;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (self->project), i);
      const char *name = qrt_project_layer_get_name (layer);

      if (!_qrt_window_is_removed (self, layer) && _qrt_window_get_layer_refreshable (self, name))
        g_ptr_array_add (names, (gpointer) name);
    }
  if (names->len == 0)
    return 0;

  g_ptr_array_add (names, NULL);
  if (!_qrt_window_refresh_layers (self, (const char * const *) names->pdata, TRUE,
                                   &error))
    {
      if (!quiet_if_none)
        _qrt_window_show_error (self, error->message);
      return 0;
    }
  return names->len - 1;
}

static void
refresh_data_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  guint n_layers;

  if (is_offline (self))
    {
      /* Done by sync_offline () once the network is back. */
      self->refresh_pending = TRUE;
      _qrt_window_show_toast (self,
                              adw_toast_new (self->work_offline
                                               ? _("Working offline: the map and the layers "
                                                   "from data spaces will be refreshed when "
                                                   "you go online")
                                               : _("No network connection: the map and the "
                                                   "layers from data spaces will be refreshed "
                                                   "when it is back")));
      return;
    }

  if (self->basemap_layer != NULL)
    load_basemap (self);

  /* The job says when it is done ("%d layers refreshed"). */
  n_layers = refresh_layers (self, FALSE);
  if (n_layers > 0)
    return;

  if (self->basemap_layer != NULL)
    _qrt_window_show_toast (self, adw_toast_new (_("Loading the base map again")));
  else if (!_qrt_window_get_importing (self))
    _qrt_window_show_toast (self, adw_toast_new (_("Nothing to refresh: no base map is shown "
                                                   "and no layer came from a data space")));
}

static void
refresh_layer_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  const char *name = g_variant_get_string (param, NULL);
  const char * const names[] = { name, NULL };
  g_autoptr(GError) error = NULL;

  if (is_offline (self))
    {
      _qrt_window_show_toast (self, adw_toast_new (_("Go online to refresh the layer from "
                                                     "its source")));
      return;
    }

  if (!_qrt_window_refresh_layers (self, names, FALSE, &error))
    _qrt_window_show_error (self, error->message);
}

/* Drawing an offline area on the map */

static void
draw_area_cb (QrtWindow             *self,
              QrtOfflineAreasDialog *dialog)
{
  _qrt_window_begin_draw_area (self);
}

/**
 * _qrt_window_begin_draw_area:
 *
 * Hides the offline areas dialog and lets the next rectangle dragged on the map be its new
 * area; Escape or the toast's Cancel brings the dialog back as it was.
 */
void
_qrt_window_begin_draw_area (QrtWindow *self)
{
  GtkWidget *map = GTK_WIDGET (shumate_simple_map_get_map (self->map));
  g_assert (QRT_IS_WINDOW (self));

  if (self->draw_area || self->project == NULL ||
      g_strcmp0 (_qrt_window_get_page (self), "map") != 0)
    return;

  self->draw_area = TRUE;
  /* Hidden, not closed: it keeps the name and zoom levels typed so far, and its modality
   * would keep the map from being drawn on. */
  if (self->offline_areas_dialog != NULL)
    gtk_widget_set_visible (self->offline_areas_dialog, FALSE);
  gtk_widget_set_cursor_from_name (map, "crosshair");
  /* Not a toast: libadwaita 1.2 crashes when one is dismissed during its show animation,
   * which an Escape right away would do. */
  gtk_widget_set_visible (self->draw_hint, TRUE);
  g_free (self->last_message);
  self->last_message = g_strdup (_("Drag a rectangle on the map for the offline area"));
  gtk_widget_grab_focus (map);
}

/**
 * _qrt_window_end_draw_area:
 * @wgs84: (nullable): the rectangle drawn, in degrees; %NULL when cancelled
 *
 * Leaves the drawing and shows the offline areas dialog again, with the rectangle.
 */
void
_qrt_window_end_draw_area (QrtWindow     *self,
                           const QrtBBox *wgs84)
{
  g_assert (QRT_IS_WINDOW (self));

  if (!self->draw_area)
    return;

  self->draw_area = FALSE;
  _qrt_window_map_cancel_band (self);
  if (self->map != NULL)
    gtk_widget_set_cursor (GTK_WIDGET (shumate_simple_map_get_map (self->map)), NULL);
  if (self->draw_hint != NULL)
    gtk_widget_set_visible (self->draw_hint, FALSE);

  if (self->offline_areas_dialog != NULL)
    {
      if (wgs84 != NULL)
        qrt_offline_areas_dialog_set_drawn_area (
          QRT_OFFLINE_AREAS_DIALOG (self->offline_areas_dialog), wgs84);
      gtk_window_present (GTK_WINDOW (self->offline_areas_dialog));
    }
}

static void
cancel_draw_area_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  _qrt_window_end_draw_area (QRT_WINDOW (widget), NULL);
}

/* A closed dialog may live on a little (a download reporting back holds it): forget it when
 * it is destroyed, not when it is finalized. */
static void
dialog_destroy_cb (QrtWindow *self,
                   GtkWidget *dialog)
{
  if (self->offline_areas_dialog == dialog)
    self->offline_areas_dialog = NULL;
  if (self->catalog_dialog == dialog)
    self->catalog_dialog = NULL;
}

static void
offline_areas_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtDataSpace *data_space;
  QrtBBox view, selection;
  gboolean have_view, have_selection;
  const char *tile_set;
  GtkWidget *dialog;

  if (self->offline_areas_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->offline_areas_dialog));
      return;
    }

  if (!_qrt_window_need_data_space (self, action_name))
    return;
  data_space = self->data_space;

  have_view = _qrt_window_get_view_extent (self, &view);
  have_selection = _qrt_window_get_selection_extent (self, &selection);
  /* A new area is for the base map shown, or the one that allows it. */
  tile_set = self->base_map != NULL && *self->base_map != '\0' ? self->base_map : NULL;

  dialog = GTK_WIDGET (qrt_offline_areas_dialog_new (GTK_WINDOW (self), data_space));
  qrt_offline_areas_dialog_set_extents (QRT_OFFLINE_AREAS_DIALOG (dialog),
                                        have_view ? &view : NULL,
                                        have_selection ? &selection : NULL,
                                        shumate_viewport_get_zoom_level (
                                          shumate_simple_map_get_viewport (self->map)));
  if (tile_set != NULL)
    qrt_offline_areas_dialog_set_tile_set (QRT_OFFLINE_AREAS_DIALOG (dialog), tile_set);

  self->offline_areas_dialog = dialog;
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (dialog_destroy_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "draw-area", G_CALLBACK (draw_area_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
catalog_add_cb (QrtWindow        *self,
                QrtCollection    *collection,
                QrtCatalogArea    area,
                QrtCatalogDialog *dialog)
{
  g_autoptr(GError) error = NULL;
  QrtBBox box;
  gboolean have_box = FALSE;

  switch (area)
    {
    case QRT_CATALOG_AREA_VIEW:
      have_box = _qrt_window_get_view_extent (self, &box);
      break;

    case QRT_CATALOG_AREA_SELECTION:
      have_box = _qrt_window_get_selection_extent (self, &box);
      if (!have_box)
        {
          qrt_catalog_dialog_show_error (dialog, _("No districts are selected on the map"));
          return;
        }
      break;

    case QRT_CATALOG_AREA_ALL:
    default:
      break;
    }

  if (!_qrt_window_fetch_collection (self, collection, have_box ? &box : NULL, &error))
    {
      qrt_catalog_dialog_show_error (dialog, error->message);
      return;
    }

  /* The progress is shown under the window's header, with Cancel. */
  gtk_window_close (GTK_WINDOW (dialog));
}

static void
add_from_data_space_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtDataSpace *data_space;
  QrtBBox box;
  GtkWidget *dialog;

  if (self->catalog_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->catalog_dialog));
      return;
    }

  if (!_qrt_window_need_data_space (self, action_name))
    return;
  data_space = self->data_space;

  dialog = GTK_WIDGET (qrt_catalog_dialog_new (GTK_WINDOW (self), data_space));
  qrt_catalog_dialog_set_has_selection (QRT_CATALOG_DIALOG (dialog),
                                        _qrt_window_get_selection_extent (self, &box));
  if (self->settings != NULL)
    g_settings_bind (self->settings, "data-space-url", dialog, "url", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (dialog, "add-collection", G_CALLBACK (catalog_add_cb), self,
                           G_CONNECT_SWAPPED);

  self->catalog_dialog = dialog;
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (dialog_destroy_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_qrt_window_class_add_data_space_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_property_action (widget_class, "win.base-map", "base-map");
  gtk_widget_class_install_property_action (widget_class, "win.work-offline", "work-offline");
  gtk_widget_class_install_action (widget_class, "win.refresh-data", NULL, refresh_data_action);
  gtk_widget_class_install_action (widget_class, "layer.refresh", "s", refresh_layer_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-draw-area", NULL,
                                   cancel_draw_area_action);
  gtk_widget_class_install_action (widget_class, "win.offline-areas", NULL,
                                   offline_areas_action);
  gtk_widget_class_install_action (widget_class, "win.add-from-data-space", NULL,
                                   add_from_data_space_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.refresh-data", NULL);
  /* Not Ctrl+Shift+D: GTK keeps that (and Ctrl+Shift+I) for its inspector. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.add-from-data-space", NULL);
}

/* Over the top of the map while an offline area is drawn: what to do, and Cancel. */
static GtkWidget *
create_draw_hint (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (_("Drag a rectangle on the map for the offline area"));
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (box, GTK_ALIGN_START);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_add_css_class (box, "osd");
  gtk_widget_add_css_class (box, "toolbar");
  gtk_widget_add_css_class (box, "qrt-draw-hint");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (label, 6);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "win.cancel-draw-area");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), cancel);
  gtk_widget_set_visible (box, FALSE);

  return box;
}

void
_qrt_window_init_data_space (QrtWindow *self)
{
  g_autoptr(GMenuModel) menu = build_basemap_menu ();

  self->draw_hint = create_draw_hint ();
  gtk_overlay_add_overlay (self->map_overlay, self->draw_hint);

  self->base_map = g_strdup ("");
  gtk_menu_button_set_menu_model (self->basemap_button, menu);

  self->network_monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_available = g_network_monitor_get_network_available (self->network_monitor);
  g_signal_connect_object (self->network_monitor, "notify::network-available",
                           G_CALLBACK (network_available_cb), self, G_CONNECT_SWAPPED);

  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "base-map", self, "base-map", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "work-offline", self, "work-offline",
                       G_SETTINGS_BIND_DEFAULT);
    }

  sync_offline (self, FALSE);
}

void
_qrt_window_dispose_data_space (QrtWindow *self)
{
  self->draw_area = FALSE;
  self->draw_hint = NULL;
  if (self->offline_areas_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->offline_areas_dialog));
  if (self->catalog_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->catalog_dialog));

  if (self->settings != NULL)
    {
      g_settings_unbind (self, "base-map");
      g_settings_unbind (self, "work-offline");
    }

  if (self->map != NULL)
    remove_basemap (self);
  g_clear_object (&self->network_monitor);
  if (self->data_space_opening != NULL)
    g_cancellable_cancel (self->data_space_opening);
  g_clear_object (&self->data_space_opening);
  g_clear_pointer (&self->data_space_action, g_free);
  g_clear_object (&self->data_space);
}

ShumateMapLayer *
_qrt_window_get_basemap_layer (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return self->basemap_layer;
}

GtkWidget *
_qrt_window_get_offline_areas_dialog (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return self->offline_areas_dialog;
}

GtkWidget *
_qrt_window_get_catalog_dialog (QrtWindow *self)
{
  g_return_val_if_fail (QRT_IS_WINDOW (self), NULL);

  return self->catalog_dialog;
}
