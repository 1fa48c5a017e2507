/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "qrt-window.h"
#include "map/qrt-map-source.h"

G_BEGIN_DECLS

/* All fields belong to the main thread. */
struct _QrtWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwHeaderBar         *header_bar;
  AdwWindowTitle       *window_title;
  GtkToggleButton      *sidebar_button;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwStatusPage        *welcome_page;
  GtkWidget            *recent_box;
  GtkListBox           *recent_list;
  AdwStatusPage        *loading_page;
  GtkSpinner           *loading_spinner;
  AdwFlap              *flap;
  GtkListView          *layer_list;
  ShumateSimpleMap     *map;

  /* NULL when the schema is not installed (an uninstalled run without the build's schemas). */
  GSettings            *settings;
  GtkStringList        *recent_model;

  QrtProject           *project;
  char                 *license;
  QrtMapSource         *map_source;
  GtkFileChooserNative *file_chooser;

  /* The open or demo generation in progress; replaced by a newer one, which cancels it. */
  GCancellable         *open_cancellable;
  /* The page to go back to when the open in progress fails or is cancelled. */
  const char           *previous_page;

  guint                 refresh_idle_id;
  guint                 fit_tick_id;

  /* Waiting for the map to show a complete view after an open or a re-render: set when the
   * view is fitted, cleared once every tile the map asked for was painted. */
  gboolean              fitted;
  gboolean              settle_pending;
  guint                 settle_baseline;
  GdkFrameClock        *paint_clock;
  gulong                after_paint_handler;
  guint                 n_map_paints;
  gint64                open_time;

  char                 *last_error;
  guint                 n_errors;
};

void        _qrt_window_class_add_actions  (GtkWidgetClass *widget_class);
void        _qrt_window_update_actions     (QrtWindow      *self);
void        _qrt_window_cancel_open        (QrtWindow      *self);
void        _qrt_window_queue_refresh_map  (QrtWindow      *self);

/* For the UI tests. */
const char *_qrt_window_get_last_error     (QrtWindow      *self);
const char *_qrt_window_get_page           (QrtWindow      *self);
GtkWidget  *_qrt_window_get_map_widget     (QrtWindow      *self);
guint       _qrt_window_get_n_map_paints   (QrtWindow      *self);
guint       _qrt_window_get_n_errors       (QrtWindow      *self);
gboolean    _qrt_window_get_map_busy       (QrtWindow      *self);

G_END_DECLS
