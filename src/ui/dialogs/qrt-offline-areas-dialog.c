/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-offline-areas-dialog.h"
#include "qrt-ui.h"

/*
 * Offline areas: rectangles of base-map tiles the cache keeps for working without a network.
 * The dialog lists them, deletes them after asking, exports and imports them as MBTiles, all
 * in worker threads (the cache's lock may be held by a download storing tiles, and a commit
 * waits for the disk), and makes a new one from the map's view, the selected districts or a rectangle drawn on the map, with the
 * number of tiles and an estimated size shown before anything is downloaded. For drawing, the
 * dialog emits "draw-area" and the window hides it until the rectangle comes back through
 * qrt_offline_areas_dialog_set_drawn_area(). One download at a time; running it again on an
 * area fetches only what is missing, which is how an interrupted download resumes.
 */

/* What an average raster tile of basemap.de or OpenStreetMap weighs: for the estimate only. */
#define BYTES_PER_TILE (15 * 1024)
/* More would take hours and gigabytes; the user is asked to choose a smaller area. */
#define MAX_TILES 250000

#define AREA_ID_KEY "qrt-area-id"

/* The choices of extent_row, in its order. */
enum
{
  EXTENT_VIEW,
  EXTENT_SELECTION,
  EXTENT_DRAWN,
};

struct _QrtOfflineAreasDialog
{
  AdwWindow        parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkListBox      *area_list;
  AdwPreferencesGroup *new_group;
  AdwEntryRow     *name_row;
  AdwComboRow     *tile_set_row;
  AdwComboRow     *extent_row;
  AdwActionRow    *drawn_row;
  GtkSpinButton   *min_zoom_spin;
  GtkSpinButton   *max_zoom_spin;
  AdwActionRow    *estimate_row;
  GtkWidget       *download_button;
  GtkWidget       *draw_button;
  GtkLabel        *note_label;
  GtkRevealer     *progress_revealer;
  GtkLabel        *progress_label;
  GtkProgressBar  *progress_bar;

  QrtDataSpace    *data_space;
  GPtrArray       *areas;             /* QrtOfflineArea, as listed */
  GPtrArray       *tile_sets;         /* const QrtTileSet *, as in tile_set_row */

  gboolean         have_view;
  QrtBBox          view;
  gboolean         have_selection;
  QrtBBox          selection;
  gboolean         have_drawn;
  QrtBBox          drawn;
  gint64           estimate;          /* tiles of the new area; -1 when it cannot be made */

  /* The download in progress: one at a time. */
  GCancellable    *cancellable;
  guint            serial;

  /* Cache jobs in workers (see run_area_job()). */
  guint            list_serial;       /* of the latest listing asked for */
  gboolean         listing;
  gboolean         adding;
  gboolean         removing;

  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (QrtOfflineAreasDialog, qrt_offline_areas_dialog, ADW_TYPE_WINDOW)

enum {
  DRAW_AREA,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  QrtOfflineAreasDialog *self;
  guint                  serial;
  char                  *name;
} Download;

static void
download_free (Download *download)
{
  g_clear_object (&download->self);
  g_free (download->name);
  g_free (download);
}

typedef struct
{
  QrtOfflineAreasDialog *self;
  guint                  serial;
  double                 fraction;
} Progress;

static void
progress_free (Progress *progress)
{
  g_clear_object (&progress->self);
  g_free (progress);
}

/* A worker's job on the cache: list, add, remove, export or import. */
typedef struct
{
  QrtCache *cache;
  gint64    area_id;     /* remove, export */
  char     *path;        /* export, import */
  char     *tile_set;    /* add, import */
  char     *name;        /* add */
  QrtBBox   box;         /* add, WGS 84 */
  int       min_zoom;    /* add */
  int       max_zoom;
  guint     serial;      /* list */
} AreaJob;

static void
area_job_free (AreaJob *job)
{
  g_clear_object (&job->cache);
  g_free (job->path);
  g_free (job->tile_set);
  g_free (job->name);
  g_free (job);
}

static QrtCache *
get_cache (QrtOfflineAreasDialog *self)
{
  return qrt_data_space_get_cache (self->data_space);
}

static void
show_toast (QrtOfflineAreasDialog *self,
            const char            *message)
{
  g_autofree char *markup = g_markup_escape_text (message, -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

static const QrtOfflineArea *
find_area (QrtOfflineAreasDialog *self,
           gint64                 id)
{
  for (guint i = 0; self->areas != NULL && i < self->areas->len; i++)
    {
      const QrtOfflineArea *area = g_ptr_array_index (self->areas, i);

      if (area->id == id)
        return area;
    }
  return NULL;
}

static const QrtTileSet *
selected_tile_set (QrtOfflineAreasDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->tile_set_row);

  if (self->tile_sets == NULL || selected >= self->tile_sets->len)
    return NULL;
  return g_ptr_array_index (self->tile_sets, selected);
}

static const char *
tile_set_title (const char *id)
{
  const QrtTileSet *set = qrt_tile_set_lookup (id);

  return set != NULL ? set->title : id;
}

static char *
format_count (gint64 n)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, n);
}

static char *
describe_area (const QrtOfflineArea *area)
{
  g_autofree char *stored = format_count (area->stored_count);
  g_autofree char *needed = format_count (area->tile_count);
  g_autofree char *size = g_format_size (area->stored_bytes);
  g_autofree char *zoom = NULL;
  g_autofree char *tiles = NULL;

  /* Translators: a range of zoom levels, e.g. "Zoom 10–16" */
  zoom = g_strdup_printf (_("Zoom %d–%d"), area->min_zoom, area->max_zoom);
  if (area->stored_count >= area->tile_count)
    /* Translators: %s is a number of map tiles */
    tiles = g_strdup_printf (ngettext ("%s tile", "%s tiles", (gulong) area->tile_count),
                             needed);
  else
    /* Translators: map tiles stored so far, e.g. "1.200 of 1.500 tiles" */
    tiles = g_strdup_printf (ngettext ("%s of %s tile", "%s of %s tiles",
                                       (gulong) area->tile_count), stored, needed);

  return g_strjoin (" · ", tile_set_title (area->tileset), zoom, tiles, size, NULL);
}

static GtkWidget *
suffix_button (const char *icon_name,
               const char *tooltip,
               const char *action_name,
               gint64      id)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int64 (id));
  gtk_widget_add_css_class (button, "flat");

  return button;
}

static GtkWidget *
create_area_row (QrtOfflineAreasDialog *self,
                 const QrtOfflineArea  *area)
{
  const QrtTileSet *set = qrt_tile_set_lookup (area->tileset);
  g_autofree char *subtitle = describe_area (area);
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), area->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  /* Incomplete (interrupted, or made from an import) and allowed: offer the rest. */
  if (area->stored_count < area->tile_count && set != NULL && set->allow_bulk)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                               suffix_button ("folder-download-symbolic",
                                              _("Download Missing Tiles"), "areas.download",
                                              area->id));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             suffix_button ("document-send-symbolic", _("Export as MBTiles"),
                                            "areas.export", area->id));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             suffix_button ("user-trash-symbolic", _("Delete"), "areas.delete",
                                            area->id));
  return row;
}

static void run_area_job (QrtOfflineAreasDialog *self,
                          AreaJob               *job,
                          GTaskThreadFunc        worker,
                          GAsyncReadyCallback    done);

static void
fill_list (QrtOfflineAreasDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->area_list))) != NULL)
    gtk_list_box_remove (self->area_list, child);

  if (self->areas == NULL || self->areas->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No offline areas yet"));
      gtk_widget_add_css_class (row, "dim-label");
      gtk_list_box_append (self->area_list, row);
      return;
    }

  for (guint i = 0; i < self->areas->len; i++)
    gtk_list_box_append (self->area_list,
                         create_area_row (self, g_ptr_array_index (self->areas, i)));
}

/* A worker's answer: @result, or @error when there is none. */
static void
return_result (GTask          *task,
               gpointer        result,
               GDestroyNotify  result_free,
               GError         *error)
{
  if (result != NULL)
    g_task_return_pointer (task, result, result_free);
  else
    g_task_return_error (task, error);
}

static void
list_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  AreaJob *job = task_data;
  GError *error = NULL;
  GPtrArray *areas = qrt_cache_list_areas (job->cache, &error);

  return_result (task, areas, (GDestroyNotify) g_ptr_array_unref, error);
}

static void
list_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (object);
  AreaJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GError) error = NULL;

  areas = g_task_propagate_pointer (G_TASK (result), &error);
  /* Closed meanwhile, or a later listing is on its way. */
  if (self->data_space == NULL || job->serial != self->list_serial)
    return;

  self->listing = FALSE;
  if (areas == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("Could not list the offline areas: %s"), error->message);
      show_toast (self, message);
    }
  g_clear_pointer (&self->areas, g_ptr_array_unref);
  self->areas = g_steal_pointer (&areas);
  fill_list (self);
}

/**
 * qrt_offline_areas_dialog_reload:
 *
 * Lists the cache's offline areas anew (in a worker; the list follows when it is read).
 */
void
qrt_offline_areas_dialog_reload (QrtOfflineAreasDialog *self)
{
  AreaJob *job;

  g_return_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self));

  job = g_new0 (AreaJob, 1);
  job->cache = g_object_ref (get_cache (self));
  job->serial = ++self->list_serial;
  self->listing = TRUE;
  run_area_job (self, job, list_worker, list_done_cb);
}

/* The box of extent choice @extent, or NULL if there is none yet. */
static const QrtBBox *
get_extent (QrtOfflineAreasDialog *self,
            guint                  extent)
{
  switch (extent)
    {
    case EXTENT_SELECTION:
      return self->have_selection ? &self->selection : NULL;
    case EXTENT_DRAWN:
      return self->have_drawn ? &self->drawn : NULL;
    case EXTENT_VIEW:
    default:
      return self->have_view ? &self->view : NULL;
    }
}

/* "8.01°–8.07° E": a range of longitudes or latitudes, with the side of the world. */
static char *
format_range (double      from,
              double      to,
              const char *positive,
              const char *negative)
{
  if (from >= 0)
    /* Translators: a range of degrees on one side of the world, e.g. "8.01°–8.07° E" */
    return g_strdup_printf (_("%.2f°–%.2f° %s"), from, to, positive);
  if (to <= 0)
    return g_strdup_printf (_("%.2f°–%.2f° %s"), -to, -from, negative);
  /* Translators: a range of degrees across the equator or the prime meridian,
   * e.g. "0.52° W–1.20° E" */
  return g_strdup_printf (_("%.2f° %s–%.2f° %s"), -from, negative, to, positive);
}

/**
 * qrt_offline_areas_describe_box:
 * @wgs84: west, south, east, north in degrees
 *
 * Returns: (transfer full): the box as a person reads it, e.g.
 *   "8.01°–8.07° E, 51.38°–51.42° N"
 */
char *
qrt_offline_areas_describe_box (const QrtBBox *wgs84)
{
  /* Translators: the sides of the world after a longitude or latitude */
  g_autofree char *lon = format_range (wgs84->min_x, wgs84->max_x, C_("compass", "E"),
                                       C_("compass", "W"));
  g_autofree char *lat = format_range (wgs84->min_y, wgs84->max_y, C_("compass", "N"),
                                       C_("compass", "S"));

  /* Translators: an area on the map: the longitudes, then the latitudes */
  return g_strdup_printf (_("%s, %s"), lon, lat);
}

static void
update_drawn_row (QrtOfflineAreasDialog *self,
                  guint                  extent)
{
  gtk_widget_set_visible (GTK_WIDGET (self->drawn_row), extent == EXTENT_DRAWN);
  if (self->have_drawn)
    {
      g_autofree char *box = qrt_offline_areas_describe_box (&self->drawn);

      adw_action_row_set_subtitle (self->drawn_row, box);
      gtk_button_set_label (GTK_BUTTON (self->draw_button), _("Dra_w Again…"));
    }
  else
    {
      adw_action_row_set_subtitle (self->drawn_row,
                                   self->have_view ? _("Not drawn yet")
                                                   : _("Open a project to draw on its map"));
      gtk_button_set_label (GTK_BUTTON (self->draw_button), _("Dra_w…"));
    }
}

static void
update_estimate (QrtOfflineAreasDialog *self)
{
  const QrtTileSet *set = selected_tile_set (self);
  guint extent = adw_combo_row_get_selected (self->extent_row);
  const QrtBBox *box = get_extent (self, extent);
  int min_zoom = gtk_spin_button_get_value_as_int (self->min_zoom_spin);
  int max_zoom = gtk_spin_button_get_value_as_int (self->max_zoom_spin);
  const char *note = NULL;
  g_autofree char *subtitle = NULL;
  gboolean busy = self->cancellable != NULL;

  self->estimate = -1;

  update_drawn_row (self, extent);

  if (box == NULL)
    {
      if (extent == EXTENT_SELECTION)
        subtitle = g_strdup (_("Select districts on the map first"));
      else if (extent == EXTENT_DRAWN && self->have_view)
        subtitle = g_strdup (_("Draw a rectangle on the map first"));
      else
        subtitle = g_strdup (_("Open a project to choose an area on its map"));
    }
  else if (min_zoom > max_zoom)
    {
      subtitle = g_strdup (_("The lowest zoom level is above the highest"));
    }
  else
    {
      g_autofree char *count = NULL;
      g_autofree char *size = NULL;

      self->estimate = qrt_tile_count_for_area (box->min_x, box->min_y, box->max_x, box->max_y,
                                                min_zoom, max_zoom);
      count = format_count (self->estimate);
      size = g_format_size ((guint64) self->estimate * BYTES_PER_TILE);
      /* Translators: the first %s is a number of tiles, the second a size like "18.5 MB" */
      subtitle = g_strdup_printf (ngettext ("%s tile, about %s (estimated)",
                                            "%s tiles, about %s (estimated)",
                                            (gulong) self->estimate), count, size);
      if (self->estimate > MAX_TILES)
        note = _("That many tiles would take hours to download. Choose a smaller area or "
                 "a lower highest zoom level.");
    }

  if (set != NULL && !set->allow_bulk)
    note = _("OpenStreetMap’s tile policy forbids downloading areas. Choose basemap.de.");

  adw_action_row_set_subtitle (self->estimate_row, subtitle);
  gtk_label_set_label (self->note_label, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), note != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "areas.new",
                                 !busy && set != NULL && set->allow_bulk &&
                                 self->estimate > 0 && self->estimate <= MAX_TILES);
  /* Drawing needs a map to draw on. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "areas.draw", !busy && self->have_view);
}

static void
set_busy (QrtOfflineAreasDialog *self,
          const char            *label)
{
  gboolean busy = label != NULL;

  if (busy)
    {
      gtk_label_set_label (self->progress_label, label);
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
    }
  gtk_revealer_set_reveal_child (self->progress_revealer, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "areas.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "areas.download", !busy);
  update_estimate (self);
}

static gboolean
progress_idle_cb (gpointer user_data)
{
  Progress *progress = user_data;
  QrtOfflineAreasDialog *self = progress->self;

  if (self->cancellable != NULL && self->serial == progress->serial)
    gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (progress->fraction, 0, 1));

  return G_SOURCE_REMOVE;
}

/* Called by the download's worker, in whatever thread it runs. */
static void
download_progress_cb (double   fraction,
                      gpointer user_data)
{
  Download *download = user_data;
  Progress *progress = g_new0 (Progress, 1);

  progress->self = g_object_ref (download->self);
  progress->serial = download->serial;
  progress->fraction = fraction;
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, progress_idle_cb, progress,
                              (GDestroyNotify) progress_free);
}

static void
download_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Download *download = user_data;
  QrtOfflineAreasDialog *self = download->self;
  g_autoptr(GError) error = NULL;
  gboolean current = self->serial == download->serial;

  if (!qrt_data_space_download_area_finish (QRT_DATA_SPACE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && current)
    {
      g_autofree char *message = NULL;

      /* Translators: the first %s is an area's name, the second the reason */
      message = g_strdup_printf (_("Could not download “%s”: %s"), download->name,
                                 error->message);
      show_toast (self, message);
    }
  else if (error == NULL && current)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is an area's name */
      message = g_strdup_printf (_("“%s” is ready for offline use"), download->name);
      show_toast (self, message);
    }

  if (current)
    {
      g_clear_object (&self->cancellable);
      set_busy (self, NULL);
      qrt_offline_areas_dialog_reload (self);
    }
  download_free (download);
}

static void
start_download (QrtOfflineAreasDialog *self,
                gint64                 id,
                const char            *name)
{
  g_autofree char *label = NULL;
  Download *download;

  g_assert (self->cancellable == NULL);

  self->cancellable = g_cancellable_new ();
  self->serial++;

  download = g_new0 (Download, 1);
  download->self = g_object_ref (self);
  download->serial = self->serial;
  download->name = g_strdup (name);

  /* Translators: %s is an area's name */
  label = g_strdup_printf (_("Downloading “%s”…"), name);
  set_busy (self, label);

  qrt_data_space_download_area_async (self->data_space, id, download_progress_cb, download,
                                      self->cancellable, download_done_cb, download);
}

static void
add_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  AreaJob *job = task_data;
  GError *error = NULL;
  QrtOfflineArea *area;

  area = qrt_cache_add_area (job->cache, job->name, job->tile_set, job->box.min_x,
                             job->box.min_y, job->box.max_x, job->box.max_y, job->min_zoom,
                             job->max_zoom, &error);
  return_result (task, area, (GDestroyNotify) qrt_offline_area_free, error);
}

static void
add_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (object);
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autoptr(GError) error = NULL;

  area = g_task_propagate_pointer (G_TASK (result), &error);
  if (self->data_space == NULL)
    return;

  self->adding = FALSE;
  if (area == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("Could not add the offline area: %s"), error->message);
      show_toast (self, message);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), "");
  qrt_offline_areas_dialog_reload (self);
  if (self->cancellable == NULL)
    start_download (self, area->id, area->name);
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (widget);
  const QrtTileSet *set = selected_tile_set (self);
  guint extent = adw_combo_row_get_selected (self->extent_row);
  const QrtBBox *box = get_extent (self, extent);
  g_autofree char *name = NULL;
  AreaJob *job;

  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  if (set == NULL || box == NULL || self->estimate <= 0 || self->cancellable != NULL ||
      self->adding)
    return;

  if (*name == '\0')
    {
      g_free (name);
      name = g_strdup (extent == EXTENT_SELECTION ? _("Selected districts")
                       : extent == EXTENT_DRAWN ? _("Drawn area")
                       : _("Map view"));
    }

  job = g_new0 (AreaJob, 1);
  job->cache = g_object_ref (get_cache (self));
  job->name = g_steal_pointer (&name);
  job->tile_set = g_strdup (set->id);
  job->box = *box;
  job->min_zoom = gtk_spin_button_get_value_as_int (self->min_zoom_spin);
  job->max_zoom = gtk_spin_button_get_value_as_int (self->max_zoom_spin);
  self->adding = TRUE;
  run_area_job (self, job, add_worker, add_done_cb);
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (widget);
  const QrtOfflineArea *area = find_area (self, g_variant_get_int64 (param));

  if (area == NULL || self->cancellable != NULL)
    return;

  start_download (self, area->id, area->name);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (widget);

  /* What arrived stays in the cache: Download Missing Tiles goes on from there. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
remove_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AreaJob *job = task_data;
  GError *error = NULL;

  if (qrt_cache_remove_area (job->cache, job->area_id, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
remove_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (object);
  g_autoptr(GError) error = NULL;

  self->removing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error) && self->data_space != NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("Could not delete the offline area: %s"), error->message);
      show_toast (self, message);
    }
  if (self->data_space != NULL)
    qrt_offline_areas_dialog_reload (self);
}

static void
delete_response_cb (AdwMessageDialog      *dialog,
                    const char            *response,
                    QrtOfflineAreasDialog *self)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (dialog), AREA_ID_KEY);
  AreaJob *job;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  job = g_new0 (AreaJob, 1);
  job->cache = g_object_ref (get_cache (self));
  job->area_id = id;
  self->removing = TRUE;
  run_area_job (self, job, remove_worker, remove_done_cb);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (widget);
  const QrtOfflineArea *area = find_area (self, g_variant_get_int64 (param));
  g_autofree char *heading = NULL;
  gint64 *id;
  GtkWidget *dialog;

  if (area == NULL)
    return;

  /* Translators: %s is an area's name */
  heading = g_strdup_printf (_("Delete “%s”?"), area->name);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Its map tiles will no longer be kept for working offline "
                                     "and may be removed from this computer."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  id = g_new (gint64, 1);
  *id = area->id;
  g_object_set_data_full (G_OBJECT (dialog), AREA_ID_KEY, id, g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
export_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AreaJob *job = task_data;
  GError *error = NULL;

  if (qrt_cache_export_area (job->cache, job->area_id, job->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
import_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AreaJob *job = task_data;
  QrtOfflineArea *area;
  GError *error = NULL;

  area = qrt_cache_import_mbtiles (job->cache, job->path, job->tile_set, &error);
  return_result (task, area, (GDestroyNotify) qrt_offline_area_free, error);
}

static void
file_job_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (object);
  AreaJob *job = g_task_get_task_data (G_TASK (result));
  g_autofree char *name = g_path_get_basename (job->path);
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  gboolean import = g_task_get_source_tag (G_TASK (result)) == import_worker;

  /* Closed meanwhile: the file is written or read all the same, nobody is left to tell. */
  if (self->data_space == NULL)
    return;

  if (import)
    {
      g_autoptr(QrtOfflineArea) area = g_task_propagate_pointer (G_TASK (result), &error);

      if (area != NULL)
        /* Translators: %s is an area's name */
        message = g_strdup_printf (_("Imported “%s”"), area->name);
    }
  else if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* Translators: %s is a file name */
      message = g_strdup_printf (_("Exported to “%s”"), name);
    }

  if (error != NULL)
    message = import
      /* Translators: the first %s is a file name, the second the reason */
      ? g_strdup_printf (_("Could not import “%s”: %s"), name, error->message)
      /* Translators: the first %s is a file name, the second the reason */
      : g_strdup_printf (_("Could not export to “%s”: %s"), name, error->message);

  show_toast (self, message);
  if (import)
    qrt_offline_areas_dialog_reload (self);
}

/* Runs @worker on @job in a thread, then @done in the dialog's (which it keeps alive; a
 * dialog closed meanwhile has no data space left). */
static void
run_area_job (QrtOfflineAreasDialog *self,
              AreaJob               *job,
              GTaskThreadFunc        worker,
              GAsyncReadyCallback    done)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, done, NULL);

  g_task_set_source_tag (task, worker);
  g_task_set_task_data (task, job, (GDestroyNotify) area_job_free);
  g_task_run_in_thread (task, worker);
}

static void
chooser_response_cb (QrtOfflineAreasDialog *self,
                     int                    response,
                     GtkFileChooserNative  *chooser)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (chooser), AREA_ID_KEY));
  gboolean save = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) ==
                  GTK_FILE_CHOOSER_ACTION_SAVE;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          AreaJob *job = g_new0 (AreaJob, 1);
          const QrtTileSet *set = selected_tile_set (self);

          job->cache = g_object_ref (get_cache (self));
          job->area_id = id;
          job->path = g_steal_pointer (&path);
          job->tile_set = g_strdup (set != NULL ? set->id : NULL);
          run_area_job (self, job, save ? export_worker : import_worker, file_job_done_cb);
        }
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  if (self->chooser == chooser)
    g_clear_object (&self->chooser);
}

static void
show_chooser (QrtOfflineAreasDialog *self,
              GtkFileChooserNative  *chooser,
              gint64                 id)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("MBTiles Files"));
  gtk_file_filter_add_suffix (filter, "mbtiles");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), AREA_ID_KEY, GSIZE_TO_POINTER ((gsize) id));
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = chooser;
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (widget);
  const QrtOfflineArea *area = find_area (self, g_variant_get_int64 (param));
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  if (area == NULL)
    return;

  /* GTK 4.8 has no GtkFileDialog. */
  chooser = gtk_file_chooser_native_new (_("Export Offline Area"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                         _("_Cancel"));
  name = g_strconcat (area->name, ".mbtiles", NULL);
  g_strdelimit (name, G_DIR_SEPARATOR_S, '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  show_chooser (self, chooser, area->id);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Import Offline Area"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
                                         _("_Cancel"));
  show_chooser (self, chooser, 0);
}

static void
draw_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (widget);

  if (!self->have_view || self->cancellable != NULL)
    return;

  g_signal_emit (self, signals[DRAW_AREA], 0);
}

static void
new_area_changed_cb (QrtOfflineAreasDialog *self)
{
  update_estimate (self);
}

/* Choosing "Drawn rectangle" before anything is drawn goes straight to the map. */
static void
extent_changed_cb (QrtOfflineAreasDialog *self)
{
  update_estimate (self);
  if (adw_combo_row_get_selected (self->extent_row) == EXTENT_DRAWN && !self->have_drawn &&
      gtk_widget_get_visible (GTK_WIDGET (self)))
    gtk_widget_activate_action (GTK_WIDGET (self), "areas.draw", NULL);
}

static void
qrt_offline_areas_dialog_dispose (GObject *object)
{
  QrtOfflineAreasDialog *self = QRT_OFFLINE_AREAS_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* A download still reporting back finds itself no longer current. */
  self->serial++;
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  gtk_widget_dispose_template (GTK_WIDGET (self), QRT_TYPE_OFFLINE_AREAS_DIALOG);

  g_clear_pointer (&self->areas, g_ptr_array_unref);
  g_clear_pointer (&self->tile_sets, g_ptr_array_unref);
  g_clear_object (&self->data_space);

  G_OBJECT_CLASS (qrt_offline_areas_dialog_parent_class)->dispose (object);
}

static void
qrt_offline_areas_dialog_class_init (QrtOfflineAreasDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrt_offline_areas_dialog_dispose;

  qrt_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-offline-areas-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, area_list);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, new_group);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, tile_set_row);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, extent_row);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, drawn_row);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, draw_button);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, min_zoom_spin);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, max_zoom_spin);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, estimate_row);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, download_button);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, note_label);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineAreasDialog, progress_bar);

  /**
   * QrtOfflineAreasDialog::draw-area:
   *
   * The user wants to draw the new area on the map. The handler lets them (hiding the
   * dialog meanwhile) and hands the rectangle back with
   * qrt_offline_areas_dialog_set_drawn_area().
   */
  signals[DRAW_AREA] = g_signal_new ("draw-area",
                                     G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "areas.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "areas.draw", NULL, draw_action);
  gtk_widget_class_install_action (widget_class, "areas.download", "x", download_action);
  gtk_widget_class_install_action (widget_class, "areas.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "areas.delete", "x", delete_action);
  gtk_widget_class_install_action (widget_class, "areas.export", "x", export_action);
  gtk_widget_class_install_action (widget_class, "areas.import", NULL, import_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
qrt_offline_areas_dialog_init (QrtOfflineAreasDialog *self)
{
  const QrtTileSet *const *sets = qrt_tile_set_get_builtin ();
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->estimate = -1;
  self->tile_sets = g_ptr_array_new ();
  for (guint i = 0; sets != NULL && sets[i] != NULL; i++)
    {
      g_ptr_array_add (self->tile_sets, (gpointer) sets[i]);
      gtk_string_list_append (titles, sets[i]->title);
    }
  adw_combo_row_set_model (self->tile_set_row, G_LIST_MODEL (titles));

  g_signal_connect_swapped (self->tile_set_row, "notify::selected",
                            G_CALLBACK (new_area_changed_cb), self);
  g_signal_connect_swapped (self->extent_row, "notify::selected",
                            G_CALLBACK (extent_changed_cb), self);
  g_signal_connect_swapped (self->min_zoom_spin, "value-changed",
                            G_CALLBACK (new_area_changed_cb), self);
  g_signal_connect_swapped (self->max_zoom_spin, "value-changed",
                            G_CALLBACK (new_area_changed_cb), self);

  set_busy (self, NULL);
}

/**
 * qrt_offline_areas_dialog_new:
 * @parent: the window the dialog belongs to
 * @data_space: the client whose cache keeps the areas and that downloads them
 *
 * Returns: (transfer none): the dialog, owned by GTK until it is closed
 */
QrtOfflineAreasDialog *
qrt_offline_areas_dialog_new (GtkWindow    *parent,
                              QrtDataSpace *data_space)
{
  QrtOfflineAreasDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (QRT_IS_DATA_SPACE (data_space), NULL);

  self = g_object_new (QRT_TYPE_OFFLINE_AREAS_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->data_space = g_object_ref (data_space);
  qrt_offline_areas_dialog_reload (self);
  update_estimate (self);

  return self;
}

/**
 * qrt_offline_areas_dialog_set_extents:
 * @view: (nullable): the map's view, WGS 84 degrees
 * @selection: (nullable): the box around the selected districts, WGS 84 degrees
 * @zoom: the map's zoom level, to propose a zoom range around it
 *
 * What a new area can cover.
 */
void
qrt_offline_areas_dialog_set_extents (QrtOfflineAreasDialog *self,
                                      const QrtBBox         *view,
                                      const QrtBBox         *selection,
                                      double                 zoom)
{
  g_return_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self));

  self->have_view = view != NULL;
  if (view != NULL)
    self->view = *view;
  self->have_selection = selection != NULL;
  if (selection != NULL)
    self->selection = *selection;

  /* From the view as it is to three levels closer: streets and house numbers. */
  if (view != NULL)
    {
      int from = CLAMP ((int) zoom, 0, 16);

      gtk_spin_button_set_value (self->min_zoom_spin, from);
      gtk_spin_button_set_value (self->max_zoom_spin, MIN (from + 4, 17));
    }
  if (selection != NULL)
    adw_combo_row_set_selected (self->extent_row, EXTENT_SELECTION);

  update_estimate (self);
}

/**
 * qrt_offline_areas_dialog_set_drawn_area:
 * @wgs84: (nullable): the rectangle drawn on the map, west/south/east/north in degrees;
 *   %NULL to forget it
 *
 * Makes the drawn rectangle the new area's extent and estimates its tiles.
 */
void
qrt_offline_areas_dialog_set_drawn_area (QrtOfflineAreasDialog *self,
                                         const QrtBBox         *wgs84)
{
  g_return_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self));

  self->have_drawn = wgs84 != NULL;
  if (wgs84 != NULL)
    {
      self->drawn = *wgs84;
      /* Set first: with a rectangle there, choosing it does not start drawing again. */
      adw_combo_row_set_selected (self->extent_row, EXTENT_DRAWN);
    }
  update_estimate (self);
}

/**
 * qrt_offline_areas_dialog_get_drawn_area:
 * @wgs84: (out): the rectangle drawn on the map, in degrees
 *
 * Returns: %FALSE if none was drawn
 */
gboolean
qrt_offline_areas_dialog_get_drawn_area (QrtOfflineAreasDialog *self,
                                         QrtBBox               *wgs84)
{
  g_return_val_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self), FALSE);

  if (self->have_drawn)
    *wgs84 = self->drawn;
  return self->have_drawn;
}

void
qrt_offline_areas_dialog_set_tile_set (QrtOfflineAreasDialog *self,
                                       const char            *tile_set_id)
{
  g_return_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self));

  for (guint i = 0; i < self->tile_sets->len; i++)
    {
      const QrtTileSet *set = g_ptr_array_index (self->tile_sets, i);

      if (g_strcmp0 (set->id, tile_set_id) == 0)
        adw_combo_row_set_selected (self->tile_set_row, i);
    }
}

guint
qrt_offline_areas_dialog_get_n_areas (QrtOfflineAreasDialog *self)
{
  g_return_val_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self), 0);

  return self->areas != NULL ? self->areas->len : 0;
}

/**
 * qrt_offline_areas_dialog_get_busy:
 *
 * Returns: %TRUE while the areas are being listed, or one is being added or deleted
 */
gboolean
qrt_offline_areas_dialog_get_busy (QrtOfflineAreasDialog *self)
{
  g_return_val_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self), FALSE);

  return self->listing || self->adding || self->removing;
}

/**
 * qrt_offline_areas_dialog_get_estimate:
 *
 * Returns: the number of tiles the new area would need, or -1 if it cannot be made as set
 */
gint64
qrt_offline_areas_dialog_get_estimate (QrtOfflineAreasDialog *self)
{
  g_return_val_if_fail (QRT_IS_OFFLINE_AREAS_DIALOG (self), -1);

  return self->estimate;
}
