/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "qrt-offline-bar.h"
#include "qrt-window.h"
#include "dataspace/qrt-data-space.h"
#include "panels/qrt-indicator-panel.h"
#include "map/qrt-legend-view.h"
#include "map/qrt-map-source.h"
#include "map/qrt-selection-layer.h"

G_BEGIN_DECLS

typedef struct _QrtImportJob QrtImportJob;

/* All fields belong to the main thread. */
struct _QrtWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwHeaderBar         *header_bar;
  AdwWindowTitle       *window_title;
  GtkToggleButton      *sidebar_button;
  GtkWidget            *import_button;
  GtkWidget            *legend_button;
  GtkWidget            *select_button;
  GtkMenuButton        *basemap_button;
  QrtOfflineBar        *offline_bar;
  GtkRevealer          *import_revealer;
  GtkLabel             *import_label;
  GtkProgressBar       *import_progress;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwStatusPage        *welcome_page;
  GtkWidget            *recent_box;
  GtkListBox           *recent_list;
  AdwStatusPage        *loading_page;
  GtkSpinner           *loading_spinner;
  AdwFlap              *flap;
  GtkListView          *layer_list;
  GtkOverlay           *map_overlay;
  ShumateSimpleMap     *map;
  GtkRevealer          *legend_revealer;
  QrtLegendView        *legend_view;
  GtkToggleButton      *indicators_button;
  GtkPaned             *map_paned;
  QrtIndicatorPanel    *indicator_panel;
  QrtProject           *indicator_project; /* what the panel was given; computed only when shown */

  /* Districts coloured by an indicator ("Show on Map"), drawn above the project's layers. */
  QrtLayer             *indicator_layer;
  QrtStyle              indicator_style;
  char                 *indicator_title;   /* for the legend */

  /* NULL when the schema is not installed (an uninstalled run without the build's schemas). */
  GSettings            *settings;
  GtkStringList        *recent_model;

  QrtProject           *project;
  char                 *license;
  GtkFileChooserNative *file_chooser;

  /* The map. Every look of the project is a QrtMapSource drawn by its own ShumateMapLayer;
   * a new one goes on top of the old, which stays until the new one has drawn the view, so
   * that a change never flashes the empty ground. All sources share the tile cache. */
  QrtMapTileCache      *tile_cache;
  QrtMapSource         *map_source;       /* the newest look, drawn by the last map layer */
  GPtrArray            *map_layers;       /* ShumateMapLayer in the map, oldest first */
  QrtSelectionLayer    *selection_layer;  /* always on top */

  /* The sidebar: the project's layers, top first, without those removed but not yet saved
   * (their toast still offers Undo). Its selected row is the active layer for picking. */
  GtkFilter            *layer_filter;
  GtkSingleSelection   *layer_selection;
  GPtrArray            *removal_toasts;   /* AdwToast, each with its QrtProjectLayer */
  GPtrArray            *dialogs;          /* style and properties dialogs open on this project */

  QrtSelection         *selection;
  gboolean              show_legend;
  gboolean              select_rectangle;
  gboolean              band_active;
  double                band_x;
  double                band_y;
  GtkGesture           *band_gesture;     /* the map's drag gesture; the map owns it */

  /* Drawing an offline area: the next rectangle dragged on the map goes to the offline
   * areas dialog, hidden meanwhile, instead of selecting. */
  gboolean              draw_area;
  GtkWidget            *draw_hint;        /* on the map: says how, with Cancel */

  /* Saving: bursts of changes make one save, 500 ms after the last; one save at a time. */
  guint                 save_timeout_id;
  gboolean              saving;
  gboolean              save_again;
  guint                 n_saves;

  /* Importing: one file at a time, the others wait. */
  QrtImportJob         *import;
  GQueue                import_queue;     /* GFile */
  guint                 n_imports;
  GtkFileChooserNative *import_chooser;

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

  /* The data space (qrt-window-dataspace.c): the application's client, or with no
   * application (the UI tests) the window's own; NULL until first needed and opened. */
  QrtDataSpace         *data_space;
  gboolean              data_space_failed;
  GCancellable         *data_space_opening;  /* while the cache is opened */
  char                 *data_space_action;   /* asked for meanwhile, run once it is open */
  char                 *base_map;          /* a tile set id, "" for none */
  gboolean              work_offline;      /* the user's choice */
  gboolean              network_available;
  GNetworkMonitor      *network_monitor;
  ShumateMapLayer      *basemap_layer;     /* under the project's layers, or NULL */
  ShumateMapSource     *basemap_renderer;
  guint                 basemap_generation;
  GtkWidget            *offline_areas_dialog;  /* until destroyed */
  GtkWidget            *catalog_dialog;        /* until destroyed */
  gboolean              refresh_pending;       /* win.refresh-data asked for while offline */

  char                 *last_error;
  guint                 n_errors;
  char                 *last_message;
};

/* qrt-window.c */
void             _qrt_window_update_actions      (QrtWindow       *self);
void             _qrt_window_cancel_open         (QrtWindow       *self);
void             _qrt_window_queue_refresh_map   (QrtWindow       *self);
void             _qrt_window_show_error          (QrtWindow       *self,
                                                  const char      *message);
void             _qrt_window_show_toast          (QrtWindow       *self,
                                                  AdwToast        *toast);
void             _qrt_window_set_project         (QrtWindow       *self,
                                                  QrtProject      *project,
                                                  gboolean         keep_view);
void             _qrt_window_open_path           (QrtWindow       *self,
                                                  const char      *path,
                                                  const char      *display_name);
void             _qrt_window_add_recent          (QrtWindow       *self,
                                                  const char      *path);
void             _qrt_window_update_license      (QrtWindow       *self);
void             _qrt_window_fit_extent          (QrtWindow       *self,
                                                  const QrtBBox   *extent,
                                                  gboolean         animate);
void             _qrt_window_install_map_source  (QrtWindow       *self,
                                                  gboolean         replace);
void             _qrt_window_prune_map_layers    (QrtWindow       *self);

/* qrt-window-actions.c */
void             _qrt_window_class_add_actions   (GtkWidgetClass  *widget_class);

/* qrt-window-layers.c */
void             _qrt_window_class_add_layer_actions (GtkWidgetClass *widget_class);
void             _qrt_window_init_layers         (QrtWindow       *self);
void             _qrt_window_bind_layers         (QrtWindow       *self);
void             _qrt_window_unbind_layers       (QrtWindow       *self);
void             _qrt_window_dispose_layers      (QrtWindow       *self);
gboolean         _qrt_window_is_removed          (QrtWindow       *self,
                                                  QrtProjectLayer *layer);
QrtTileRender   *_qrt_window_create_renderer     (QrtWindow       *self);
void             _qrt_window_update_legend       (QrtWindow       *self);
QrtProjectLayer *_qrt_window_get_active_layer    (QrtWindow       *self);
void             _qrt_window_set_active_layer    (QrtWindow       *self,
                                                  const char      *name);
void             _qrt_window_queue_save          (QrtWindow       *self);
void             _qrt_window_flush_save          (QrtWindow       *self);
gboolean         _qrt_window_get_save_pending    (QrtWindow       *self);
void             _qrt_window_commit_removals     (QrtWindow       *self);
void             _qrt_window_close_dialogs       (QrtWindow       *self);

/* qrt-window-map.c */
void             _qrt_window_init_map            (QrtWindow       *self);
void             _qrt_window_dispose_map         (QrtWindow       *self);
void             _qrt_window_update_selection    (QrtWindow       *self);
gboolean         _qrt_window_map_click           (QrtWindow       *self,
                                                  double           x,
                                                  double           y,
                                                  GdkModifierType  state);
void             _qrt_window_map_hover           (QrtWindow       *self,
                                                  double           x,
                                                  double           y);
guint            _qrt_window_map_select_rect     (QrtWindow       *self,
                                                  double           x1,
                                                  double           y1,
                                                  double           x2,
                                                  double           y2,
                                                  gboolean         extend);
gboolean         _qrt_window_map_draw_rect       (QrtWindow       *self,
                                                  double           x1,
                                                  double           y1,
                                                  double           x2,
                                                  double           y2);
void             _qrt_window_map_cancel_band     (QrtWindow       *self);
void             _qrt_window_clear_selection     (QrtWindow       *self);

/* qrt-window-import.c */
void             _qrt_window_init_import         (QrtWindow       *self);
void             _qrt_window_dispose_import      (QrtWindow       *self);
void             _qrt_window_import_file         (QrtWindow       *self,
                                                  GFile           *file);
void             _qrt_window_import_into         (QrtWindow       *self,
                                                  GFile           *file,
                                                  const char      *project_path);
void             _qrt_window_choose_import       (QrtWindow       *self);
void             _qrt_window_cancel_import       (QrtWindow       *self);
void             _qrt_window_resume_import       (QrtWindow       *self);
gboolean         _qrt_window_get_importing       (QrtWindow       *self);

/* qrt-window-dataspace.c */
void             _qrt_window_class_add_data_space_actions (GtkWidgetClass *widget_class);
void             _qrt_window_init_data_space     (QrtWindow       *self);
void             _qrt_window_dispose_data_space  (QrtWindow       *self);
QrtDataSpace    *_qrt_window_get_data_space      (QrtWindow       *self);
gboolean         _qrt_window_need_data_space     (QrtWindow       *self,
                                                  const char      *action_name);
void             _qrt_window_set_base_map        (QrtWindow       *self,
                                                  const char      *tile_set_id);
void             _qrt_window_set_work_offline    (QrtWindow       *self,
                                                  gboolean         work_offline);
void             _qrt_window_set_network_available (QrtWindow     *self,
                                                  gboolean         available);
gboolean         _qrt_window_get_view_extent     (QrtWindow       *self,
                                                  QrtBBox         *wgs84);
gboolean         _qrt_window_get_selection_extent (QrtWindow      *self,
                                                  QrtBBox         *wgs84);
ShumateMapLayer *_qrt_window_get_basemap_layer   (QrtWindow       *self);
GtkWidget       *_qrt_window_get_offline_areas_dialog (QrtWindow  *self);
GtkWidget       *_qrt_window_get_catalog_dialog  (QrtWindow       *self);
void             _qrt_window_begin_draw_area     (QrtWindow       *self);
void             _qrt_window_end_draw_area       (QrtWindow       *self,
                                                  const QrtBBox   *wgs84);
gboolean         _qrt_window_get_layer_refreshable (QrtWindow     *self,
                                                  const char      *name);
void             _qrt_window_update_refresh_actions (QrtWindow    *self);

/* qrt-window-import.c, for the data space */
gboolean         _qrt_window_fetch_collection    (QrtWindow       *self,
                                                  QrtCollection   *collection,
                                                  const QrtBBox   *wgs84,
                                                  GError         **error);
gboolean         _qrt_window_refresh_layers      (QrtWindow       *self,
                                                  const char * const *names,
                                                  gboolean         all,
                                                  GError         **error);

/* For the UI tests. */
const char      *_qrt_window_get_last_error      (QrtWindow       *self);
const char      *_qrt_window_get_last_message    (QrtWindow       *self);
const char      *_qrt_window_get_page            (QrtWindow       *self);
GtkWidget       *_qrt_window_get_map_widget      (QrtWindow       *self);
guint            _qrt_window_get_n_map_paints    (QrtWindow       *self);
guint            _qrt_window_get_n_errors        (QrtWindow       *self);
gboolean         _qrt_window_get_map_busy        (QrtWindow       *self);
QrtSelection    *_qrt_window_get_selection       (QrtWindow       *self);
GtkPopover      *_qrt_window_get_inspect_popover (QrtWindow       *self);
guint            _qrt_window_get_n_saves         (QrtWindow       *self);
guint            _qrt_window_get_n_imports       (QrtWindow       *self);
GListModel      *_qrt_window_get_sidebar_model   (QrtWindow       *self);

G_END_DECLS
