/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-window-private.h"

static void
file_chooser_response_cb (QrtWindow            *self,
                          int                   response,
                          GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        qrt_window_open_file (self, file);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  if (self->file_chooser == chooser)
    g_clear_object (&self->file_chooser);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;

  if (self->file_chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->file_chooser));
      return;
    }

  /* GTK 4.8 has no GtkFileDialog; the native chooser uses the portal when sandboxed. */
  chooser = gtk_file_chooser_native_new (_("Open Project"),
                                         GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("GeoPackage Projects"));
  gtk_file_filter_add_pattern (filter, "*.gpkg");
  gtk_file_filter_add_pattern (filter, "*.GPKG");
  gtk_file_filter_add_mime_type (filter, "application/geopackage+sqlite3");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("All Files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);

  g_signal_connect_object (chooser, "response",
                           G_CALLBACK (file_chooser_response_cb), self,
                           G_CONNECT_SWAPPED);

  self->file_chooser = chooser;
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_demo_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  qrt_window_open_demo (QRT_WINDOW (widget));
}

static void
cancel_open_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  _qrt_window_cancel_open (QRT_WINDOW (widget));
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  _qrt_window_choose_import (QRT_WINDOW (widget));
}

static void
cancel_import_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  _qrt_window_cancel_import (QRT_WINDOW (widget));
}

static void
clear_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);

  /* Escape first stops drawing an offline area (back to its dialog, as it was), then leaves
   * the rectangle tool, then clears the selection, then lets go of the active layer, so
   * that clicks pick from every layer again. */
  if (self->draw_area)
    _qrt_window_end_draw_area (self, NULL);
  else if (self->select_rectangle)
    g_object_set (self, "select-rectangle", FALSE, NULL);
  else if (qrt_selection_get_n_features (self->selection) > 0)
    _qrt_window_clear_selection (self);
  else
    _qrt_window_set_active_layer (self, NULL);
}

static void
toggle_sidebar_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  QrtWindow *self = QRT_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
toggle_indicators_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  QrtWindow *self = QRT_WINDOW (widget);

  gtk_toggle_button_set_active (self->indicators_button,
                                !gtk_toggle_button_get_active (self->indicators_button));
}

void
_qrt_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-demo", NULL, open_demo_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-open", NULL, cancel_open_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL,
                                   toggle_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-indicators", NULL,
                                   toggle_indicators_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-import", NULL,
                                   cancel_import_action);
  gtk_widget_class_install_action (widget_class, "win.clear-selection", NULL,
                                   clear_selection_action);
  gtk_widget_class_install_property_action (widget_class, "win.show-legend", "show-legend");
  gtk_widget_class_install_property_action (widget_class, "win.select-rectangle",
                                            "select-rectangle");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0,
                                       "win.toggle-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK,
                                       "win.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, 0,
                                       "win.toggle-indicators", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.show-legend", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "win.clear-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

void
_qrt_window_update_actions (QrtWindow *self)
{
  gboolean has_project = self->project != NULL;
  gboolean opening = self->open_cancellable != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-open", opening);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-sidebar",
                                 has_project && !opening);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import", !opening);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-indicators",
                                 has_project && !opening);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-selection", has_project);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-legend", has_project);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.select-rectangle", has_project);
  /* The catalog adds to the open project; browsing it without one leads nowhere. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-from-data-space",
                                 has_project && !opening);
  _qrt_window_update_refresh_actions (self);
}
