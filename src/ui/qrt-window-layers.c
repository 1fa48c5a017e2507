/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-application.h"
#include "qrt-layer-row.h"
#include "qrt-properties-dialog.h"
#include "qrt-reversed-model.h"
#include "qrt-style-dialog.h"
#include "qrt-window-private.h"

/*
 * The window's side of the layer panel: the sidebar's model, the `layer.*` actions its rows
 * activate (zoom, order, rename, style, properties, remove with undo), and saving.
 *
 * Every change to the layers goes through the QrtProject and its QrtProjectLayers; the
 * window listens to them, renews the map and the legend, and saves 500 ms after the last
 * change of a burst. A removed layer first only disappears from view (sidebar, map, legend);
 * it leaves the project, and so the file, when its toast goes away without Undo.
 */

#define SAVE_DELAY_MS 500
#define LAYER_KEY "qrt-window-layer"
#define DISMISSED_KEY "qrt-window-dismissed"

static QrtProjectLayer *
find_layer (QrtWindow  *self,
            const char *name,
            guint      *position)
{
  guint n;

  if (self->project == NULL)
    return NULL;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  for (guint i = 0; i < n; i++)
    {
      QrtProjectLayer *layer = g_list_model_get_item (G_LIST_MODEL (self->project), i);

      /* Borrowed: the project keeps its layers alive. */
      g_object_unref (layer);
      if (g_strcmp0 (qrt_project_layer_get_name (layer), name) == 0)
        {
          if (position != NULL)
            *position = i;
          return layer;
        }
    }
  return NULL;
}

/* Which toast stands for the removal of @layer, if any. */
static AdwToast *
find_removal (QrtWindow       *self,
              QrtProjectLayer *layer)
{
  for (guint i = 0; i < self->removal_toasts->len; i++)
    {
      AdwToast *toast = g_ptr_array_index (self->removal_toasts, i);

      if (g_object_get_data (G_OBJECT (toast), LAYER_KEY) == layer)
        return toast;
    }
  return NULL;
}

gboolean
_qrt_window_is_removed (QrtWindow       *self,
                        QrtProjectLayer *layer)
{
  return find_removal (self, layer) != NULL;
}

static gboolean
layer_filter_func (gpointer item,
                   gpointer user_data)
{
  return !_qrt_window_is_removed (QRT_WINDOW (user_data), QRT_PROJECT_LAYER (item));
}

/**
 * _qrt_window_create_renderer:
 *
 * Returns: (transfer full): a renderer over the project's layers as they look now, without
 *   those waiting to be removed
 */
QrtTileRender *
_qrt_window_create_renderer (QrtWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  g_autofree QrtLayer **layers = g_new0 (QrtLayer *, n + 1);
  g_autofree QrtStyle *styles = g_new0 (QrtStyle, n + 1);
  QrtTileRender *renderer;
  guint n_shown = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) item = g_list_model_get_item (G_LIST_MODEL (self->project), i);

      if (_qrt_window_is_removed (self, item))
        continue;
      layers[n_shown] = qrt_project_layer_get_layer (item);
      styles[n_shown] = *qrt_project_layer_get_style (item);
      n_shown++;
    }
  if (self->indicator_layer != NULL)
    {
      layers[n_shown] = self->indicator_layer;
      styles[n_shown] = self->indicator_style;
      n_shown++;
    }

  renderer = qrt_tile_render_new (layers, styles, n_shown);
  qrt_tile_render_set_transparent (renderer, self->base_map != NULL && *self->base_map != '\0');
  return renderer;
}

void
_qrt_window_update_legend (QrtWindow *self)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (QrtLegendEntry));
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n;

  if (self->project == NULL)
    {
      qrt_legend_view_set_entries (self->legend_view, NULL, 0);
      return;
    }

  /* The districts coloured by an indicator lie on top of everything: first in the legend. */
  if (self->indicator_layer != NULL)
    {
      QrtLegendEntry entry = {
        self->indicator_title ? self->indicator_title : _("Indicator"),
        qrt_layer_get_geometry_kind (self->indicator_layer),
        &self->indicator_style,
      };

      g_array_append_val (entries, entry);
    }

  /* Top layer first, as in the sidebar. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  for (guint i = n; i-- > 0;)
    {
      QrtProjectLayer *item = g_list_model_get_item (G_LIST_MODEL (self->project), i);
      QrtLegendEntry entry;

      g_ptr_array_add (items, item);
      if (_qrt_window_is_removed (self, item) ||
          qrt_layer_get_geometry_kind (qrt_project_layer_get_layer (item)) == QRT_GEOMETRY_NONE)
        continue;

      entry.title = qrt_project_layer_get_title (item);
      entry.kind = qrt_layer_get_geometry_kind (qrt_project_layer_get_layer (item));
      entry.style = qrt_project_layer_get_style (item);
      g_array_append_val (entries, entry);
    }

  qrt_legend_view_set_entries (self->legend_view, (const QrtLegendEntry *) entries->data,
                               entries->len);
  /* Nothing visible, nothing to explain: no empty box on the map. */
  gtk_widget_set_visible (GTK_WIDGET (self->legend_revealer),
                          qrt_legend_view_get_n_rows (self->legend_view) > 0);
}

/* Saving */

static void start_save (QrtWindow *self);

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(QrtWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GApplication *app = g_application_get_default ();
  gboolean saved = qrt_project_save_finish (QRT_PROJECT (object), result, &error);

  self->saving = FALSE;
  self->n_saves++;
  if (app != NULL)
    g_application_release (app);

  /* The window was closed while the last changes were written. */
  if (self->toast_overlay == NULL)
    {
      if (!saved)
        g_warning ("Could not save the project: %s", error->message);
      return;
    }

  if (!saved)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("The changes to the layers could not be saved: %s"),
                                 error->message);
      _qrt_window_show_error (self, message);
    }

  if (self->save_again)
    {
      self->save_again = FALSE;
      start_save (self);
    }
  else
    {
      /* An import waits for the project file to be written. */
      _qrt_window_resume_import (self);
    }
}

static void
start_save (QrtWindow *self)
{
  GApplication *app = g_application_get_default ();

  g_clear_handle_id (&self->save_timeout_id, g_source_remove);

  if (self->project == NULL)
    return;

  /* One writer on the file at a time; the next save takes whatever changed meanwhile. */
  if (self->saving)
    {
      self->save_again = TRUE;
      return;
    }

  self->saving = TRUE;
  /* The application stays up until the file is written, even if the window closes. */
  if (app != NULL)
    g_application_hold (app);
  qrt_project_save_async (self->project, NULL, save_done_cb, g_object_ref (self));
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  QrtWindow *self = QRT_WINDOW (user_data);

  self->save_timeout_id = 0;
  start_save (self);

  return G_SOURCE_REMOVE;
}

void
_qrt_window_queue_save (QrtWindow *self)
{
  g_assert (QRT_IS_WINDOW (self));

  if (self->project == NULL)
    return;

  g_clear_handle_id (&self->save_timeout_id, g_source_remove);
  self->save_timeout_id = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
}

/* Saves now what waits for the coalescing delay. */
void
_qrt_window_flush_save (QrtWindow *self)
{
  g_assert (QRT_IS_WINDOW (self));

  if (self->save_timeout_id != 0)
    start_save (self);
}

gboolean
_qrt_window_get_save_pending (QrtWindow *self)
{
  return self->saving || self->save_timeout_id != 0;
}

/* Reacting to the layers */

static void
layers_changed (QrtWindow *self,
                gboolean   redraw)
{
  if (redraw)
    _qrt_window_queue_refresh_map (self);
  _qrt_window_update_legend (self);
  /* A hidden layer shows no selection either. */
  _qrt_window_update_selection (self);
  _qrt_window_queue_save (self);
}

static void
layer_style_changed_cb (QrtWindow       *self,
                        QrtProjectLayer *layer)
{
  layers_changed (self, TRUE);
}

static void
layer_notify_title_cb (QrtWindow       *self,
                       GParamSpec      *pspec,
                       QrtProjectLayer *layer)
{
  layers_changed (self, FALSE);
}

static void
project_items_changed_cb (QrtWindow  *self,
                          guint       position,
                          guint       removed,
                          guint       added,
                          GListModel *project)
{
  layers_changed (self, TRUE);
}

/* Stops following the project shown until now. */
void
_qrt_window_unbind_layers (QrtWindow *self)
{
  guint n;

  if (self->project == NULL)
    return;

  g_signal_handlers_disconnect_by_func (self->project, project_items_changed_cb, self);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (self->project), i);

      g_signal_handlers_disconnect_by_func (layer, layer_style_changed_cb, self);
      g_signal_handlers_disconnect_by_func (layer, layer_notify_title_cb, self);
    }
}

/**
 * _qrt_window_bind_layers:
 *
 * Shows the layers of the window's (new) project in the sidebar and the legend and follows
 * their changes.
 */
void
_qrt_window_bind_layers (QrtWindow *self)
{
  g_autoptr(QrtReversedModel) reversed = NULL;
  g_autoptr(GtkFilterListModel) filtered = NULL;
  g_autofree char *active = NULL;
  guint n;

  g_assert (QRT_IS_PROJECT (self->project));

  if (_qrt_window_get_active_layer (self) != NULL)
    active = g_strdup (qrt_project_layer_get_name (_qrt_window_get_active_layer (self)));

  /* Topmost layer first, as in other GIS. */
  reversed = qrt_reversed_model_new (G_LIST_MODEL (self->project));
  filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_steal_pointer (&reversed)),
                                        g_object_ref (self->layer_filter));
  gtk_single_selection_set_model (self->layer_selection, G_LIST_MODEL (filtered));
  gtk_single_selection_set_selected (self->layer_selection, GTK_INVALID_LIST_POSITION);
  if (active != NULL)
    _qrt_window_set_active_layer (self, active);

  g_signal_connect_object (self->project, "items-changed",
                           G_CALLBACK (project_items_changed_cb), self, G_CONNECT_SWAPPED);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (G_LIST_MODEL (self->project), i);

      /* Whoever changes a layer (the sidebar, a dialog, a test), the map follows. */
      g_signal_connect_object (layer, "style-changed",
                               G_CALLBACK (layer_style_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (layer, "notify::title",
                               G_CALLBACK (layer_notify_title_cb), self, G_CONNECT_SWAPPED);
    }

  _qrt_window_update_legend (self);
}

/**
 * _qrt_window_get_active_layer:
 *
 * Returns: (transfer none) (nullable): the layer selected in the sidebar; clicks on the map
 *   pick its features
 */
QrtProjectLayer *
_qrt_window_get_active_layer (QrtWindow *self)
{
  gpointer item = gtk_single_selection_get_selected_item (self->layer_selection);

  return QRT_IS_PROJECT_LAYER (item) ? item : NULL;
}

void
_qrt_window_set_active_layer (QrtWindow  *self,
                              const char *name)
{
  GListModel *model = G_LIST_MODEL (self->layer_selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) layer = g_list_model_get_item (model, i);

      if (g_strcmp0 (qrt_project_layer_get_name (layer), name) == 0)
        {
          gtk_single_selection_set_selected (self->layer_selection, i);
          return;
        }
    }
  gtk_single_selection_set_selected (self->layer_selection, GTK_INVALID_LIST_POSITION);
}

/* Dialogs */

static void
dialog_destroy_cb (GtkWidget *dialog,
                   QrtWindow *self)
{
  g_ptr_array_remove (self->dialogs, dialog);
}

static void
track_dialog (QrtWindow *self,
              GtkWidget *dialog)
{
  g_ptr_array_add (self->dialogs, dialog);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (dialog_destroy_cb), self, 0);
}

/* The dialogs edit layers of the project shown; when another (or the same, read anew) is
 * shown, they would edit layers nobody sees. */
void
_qrt_window_close_dialogs (QrtWindow *self)
{
  while (self->dialogs->len > 0)
    {
      GtkWidget *dialog = g_ptr_array_steal_index (self->dialogs, self->dialogs->len - 1);

      g_signal_handlers_disconnect_by_func (dialog, dialog_destroy_cb, self);
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
}

/* Removing, with undo */

static void
commit_removal (QrtWindow *self,
                AdwToast  *toast)
{
  QrtProjectLayer *layer = g_object_get_data (G_OBJECT (toast), LAYER_KEY);
  guint position;

  /* After the window's dispose the toast overlay dismisses what it still holds. */
  if (self->removal_toasts == NULL || !g_ptr_array_remove (self->removal_toasts, toast))
    return;

  /* Gone with the project it belonged to, when another was opened meanwhile. */
  if (find_layer (self, qrt_project_layer_get_name (layer), &position) == layer)
    {
      if (qrt_selection_get_layer_name (self->selection) != NULL &&
          g_strcmp0 (qrt_selection_get_layer_name (self->selection),
                     qrt_project_layer_get_name (layer)) == 0)
        qrt_selection_clear (self->selection);
      /* Saved by the change handler, like any other change. */
      qrt_project_remove_layer (self->project, position);
    }
}

static void
removal_toast_dismissed_cb (AdwToast  *toast,
                            QrtWindow *self)
{
  g_object_set_data (G_OBJECT (toast), DISMISSED_KEY, GINT_TO_POINTER (TRUE));
  /* Still in the list: no Undo came. */
  commit_removal (self, toast);
}

static void
dismiss (AdwToast *toast)
{
  if (g_object_get_data (G_OBJECT (toast), DISMISSED_KEY) == NULL)
    adw_toast_dismiss (toast);
}

/* The removals still offering Undo become final now, e.g. before the window closes. */
void
_qrt_window_commit_removals (QrtWindow *self)
{
  while (self->removal_toasts != NULL && self->removal_toasts->len > 0)
    {
      g_autoptr(AdwToast) toast = g_object_ref (g_ptr_array_index (self->removal_toasts, 0));

      commit_removal (self, toast);
      dismiss (toast);
    }
}

static gboolean
dismiss_idle_cb (gpointer user_data)
{
  dismiss (ADW_TOAST (user_data));
  return G_SOURCE_REMOVE;
}

static void
views_changed (QrtWindow *self)
{
  _qrt_window_queue_refresh_map (self);
  _qrt_window_update_legend (self);
  _qrt_window_update_license (self);
  _qrt_window_update_selection (self);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtProjectLayer *layer = find_layer (self, g_variant_get_string (param, NULL), NULL);
  g_autofree char *escaped = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (layer == NULL || _qrt_window_is_removed (self, layer))
    return;

  /* One removal waits for Undo at a time, as in Files: the previous one is final now. */
  _qrt_window_commit_removals (self);

  escaped = g_markup_escape_text (qrt_project_layer_get_title (layer), -1);
  /* Translators: a toast; %s is a layer's title */
  title = g_strdup_printf (_("“%s” removed"), escaped);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "layer.undo-remove");
  adw_toast_set_action_target_value (toast,
                                     g_variant_new_string (qrt_project_layer_get_name (layer)));
  g_object_set_data_full (G_OBJECT (toast), LAYER_KEY, g_object_ref (layer), g_object_unref);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (removal_toast_dismissed_cb), self, 0);
  g_ptr_array_add (self->removal_toasts, g_object_ref (toast));

  gtk_filter_changed (self->layer_filter, GTK_FILTER_CHANGE_MORE_STRICT);
  views_changed (self);
  _qrt_window_show_toast (self, toast);
}

static void
undo_remove_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtProjectLayer *layer = find_layer (self, g_variant_get_string (param, NULL), NULL);
  AdwToast *toast = layer != NULL ? find_removal (self, layer) : NULL;

  if (toast == NULL)
    return;

  /* Out of the list first, so that its dismissal commits nothing. Its own button dismisses
   * it; Undo from elsewhere (a shortcut, a test) leaves it to us, once that has settled. */
  g_idle_add_full (G_PRIORITY_DEFAULT, dismiss_idle_cb, g_object_ref (toast), g_object_unref);
  g_ptr_array_remove (self->removal_toasts, toast);

  gtk_filter_changed (self->layer_filter, GTK_FILTER_CHANGE_LESS_STRICT);
  views_changed (self);
}

/* Order */

/* Moves the layer at @from to the place of the next shown layer in @step's direction
 * (+1: up, drawn later), passing over removed ones. */
static void
move_layer (QrtWindow *self,
            const char *name,
            int         step)
{
  guint from, n;
  QrtProjectLayer *layer = find_layer (self, name, &from);

  if (layer == NULL)
    return;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  for (int to = (int) from + step; to >= 0 && to < (int) n; to += step)
    {
      g_autoptr(QrtProjectLayer) other = g_list_model_get_item (G_LIST_MODEL (self->project), to);

      if (_qrt_window_is_removed (self, other))
        continue;
      qrt_project_move_layer (self->project, from, (guint) to);
      _qrt_window_set_active_layer (self, name);
      return;
    }
}

static void
move_up_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  move_layer (QRT_WINDOW (widget), g_variant_get_string (param, NULL), +1);
}

static void
move_down_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  move_layer (QRT_WINDOW (widget), g_variant_get_string (param, NULL), -1);
}

/* A row dropped on another: above it (drawn on top of it) or below. */
static void
drop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  const char *dragged_name, *target_name;
  gboolean above;
  guint from, target, to;

  g_variant_get (param, "(&s&sb)", &dragged_name, &target_name, &above);
  if (find_layer (self, dragged_name, &from) == NULL ||
      find_layer (self, target_name, &target) == NULL ||
      from == target)
    return;

  /* Positions after taking the dragged layer out, bottom first. */
  if (from < target)
    target--;
  to = above ? target + 1 : target;
  if (to != from)
    qrt_project_move_layer (self->project, from, to);
  _qrt_window_set_active_layer (self, dragged_name);
}

/* Viewing and editing */

static void
zoom_to_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtProjectLayer *layer = find_layer (self, g_variant_get_string (param, NULL), NULL);

  if (layer != NULL)
    _qrt_window_fit_extent (self,
                            qrt_layer_get_extent (qrt_project_layer_get_layer (layer),
                                                  QRT_COORDS_MERCATOR),
                            TRUE);
}

static void
rename_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    QrtWindow        *self)
{
  QrtProjectLayer *layer = g_object_get_data (G_OBJECT (dialog), LAYER_KEY);
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "rename") == 0 && *title != '\0')
    qrt_project_layer_set_title (layer, title);
}

static void
rename_entry_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "rename", *title != '\0');
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtProjectLayer *layer = find_layer (self, g_variant_get_string (param, NULL), NULL);
  GtkWidget *dialog;
  GtkWidget *entry;

  if (layer == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Rename Layer"),
                                   _("The name shown in the layer list and the legend"));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), qrt_project_layer_get_title (layer));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Layer name"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), LAYER_KEY, g_object_ref (layer), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, 0);
  g_signal_connect_object (entry, "changed", G_CALLBACK (rename_entry_changed_cb), dialog, 0);

  track_dialog (self, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
style_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtProjectLayer *layer = find_layer (self, g_variant_get_string (param, NULL), NULL);
  QrtStyleDialog *dialog;

  if (layer == NULL)
    return;

  dialog = qrt_style_dialog_new (GTK_WINDOW (self), layer);
  track_dialog (self, GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
properties_changed_cb (QrtWindow           *self,
                       QrtPropertiesDialog *dialog)
{
  _qrt_window_update_license (self);
  _qrt_window_queue_save (self);
}

static void
properties_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  QrtProjectLayer *layer = find_layer (self, g_variant_get_string (param, NULL), NULL);
  QrtPropertiesDialog *dialog;

  if (layer == NULL)
    return;

  dialog = qrt_properties_dialog_new (GTK_WINDOW (self), layer);
  g_signal_connect_object (dialog, "changed", G_CALLBACK (properties_changed_cb), self,
                           G_CONNECT_SWAPPED);
  track_dialog (self, GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_qrt_window_class_add_layer_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "layer.zoom-to", "s", zoom_to_action);
  gtk_widget_class_install_action (widget_class, "layer.move-up", "s", move_up_action);
  gtk_widget_class_install_action (widget_class, "layer.move-down", "s", move_down_action);
  gtk_widget_class_install_action (widget_class, "layer.drop", "(ssb)", drop_action);
  gtk_widget_class_install_action (widget_class, "layer.rename", "s", rename_action);
  gtk_widget_class_install_action (widget_class, "layer.style", "s", style_action);
  gtk_widget_class_install_action (widget_class, "layer.properties", "s", properties_action);
  gtk_widget_class_install_action (widget_class, "layer.remove", "s", remove_action);
  gtk_widget_class_install_action (widget_class, "layer.undo-remove", "s", undo_remove_action);
}

static void
row_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              QrtWindow                *self)
{
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_child (item, g_object_new (QRT_TYPE_LAYER_ROW, NULL));
}

/* The row learns here, from the project, whether its layer can be refreshed from a data
 * space; a refresh reads the project anew, which binds every row again. */
static void
row_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             QrtWindow                *self)
{
  QrtLayerRow *row = QRT_LAYER_ROW (gtk_list_item_get_child (item));
  QrtProjectLayer *layer = gtk_list_item_get_item (item);

  qrt_layer_row_set_refreshable (row,
                                 _qrt_window_get_layer_refreshable (
                                   self, qrt_project_layer_get_name (layer)));
  qrt_layer_row_set_layer (row, layer);
}

static void
row_unbind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               QrtWindow                *self)
{
  qrt_layer_row_set_layer (QRT_LAYER_ROW (gtk_list_item_get_child (item)), NULL);
}

void
_qrt_window_init_layers (QrtWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->removal_toasts = g_ptr_array_new_with_free_func (g_object_unref);
  self->dialogs = g_ptr_array_new ();

  self->layer_filter = GTK_FILTER (gtk_custom_filter_new (layer_filter_func, self, NULL));
  self->layer_selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->layer_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->layer_selection, TRUE);
  gtk_list_view_set_model (self->layer_list, GTK_SELECTION_MODEL (self->layer_selection));

  g_signal_connect_object (factory, "setup", G_CALLBACK (row_setup_cb), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (row_bind_cb), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (row_unbind_cb), self, 0);
  gtk_list_view_set_factory (self->layer_list, factory);
}

void
_qrt_window_dispose_layers (QrtWindow *self)
{
  /* Destroyed without a close request (the tests do that): what waits is saved all the
   * same, before the project is let go. */
  _qrt_window_commit_removals (self);
  _qrt_window_flush_save (self);
  _qrt_window_unbind_layers (self);

  g_clear_pointer (&self->removal_toasts, g_ptr_array_unref);

  if (self->dialogs != NULL)
    _qrt_window_close_dialogs (self);
  g_clear_pointer (&self->dialogs, g_ptr_array_unref);

  g_clear_handle_id (&self->save_timeout_id, g_source_remove);
  g_clear_object (&self->layer_selection);
  g_clear_object (&self->layer_filter);
}
