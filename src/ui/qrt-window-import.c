/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "qrt-window-private.h"

/*
 * Importing data files: chosen with File → Import… or dropped on the window. With a project
 * open the layer goes into it; on the welcome page the user first says where the new project
 * goes. The core imports in a worker (qrt_import_file_async) and leaves the file as it was on
 * failure or cancel; on success the window reads the project anew, keeping its view.
 *
 * A collection from a data space (Add Data from Data Space) is fetched the same way, with
 * qrt_data_space_fetch_async in place of the file import, and shares the progress bar, the
 * Cancel button and the reading anew. So does refreshing layers that came from a data space
 * (qrt_data_space_refresh_async), one after another in a single job.
 *
 * One import at a time: files dropped meanwhile wait in a queue. Before an import writes to
 * the open project, the window's own pending changes are written, so that the two never write
 * the file at once.
 */

struct _QrtImportJob
{
  QrtWindow    *self;
  GCancellable *cancellable;
  char         *source;
  char         *display_name;
  char         *project_path;
  int           source_epsg;
  gboolean      running;       /* in the core's worker or reading the project anew */
  GtkWidget    *crs_dialog;    /* weak; open while the user chooses a CRS */
  char         *summary;       /* the toast, once imported */

  /* A fetch from the data space instead of a file: */
  QrtCollection *collection;
  gboolean      have_bbox;
  QrtBBox       bbox;          /* WGS 84 */

  /* Refreshing layers from their data space instead: */
  GStrv         refresh_names; /* NULL-terminated, in the order they are refreshed */
  GStrv         refresh_titles;
  guint         refresh_index; /* the one in progress */
  guint         n_refreshed;
  gboolean      refresh_all;   /* win.refresh-data: the toast counts the layers */
};

/* The CRS choices offered when a file declares none: the ones data in Südwestfalen comes in. */
static const struct
{
  int         epsg;
  const char *label;
} crs_choices[] = {
  { 25832, N_("ETRS89 / UTM zone 32N (EPSG:25832)") },
  { 25833, N_("ETRS89 / UTM zone 33N (EPSG:25833)") },
  { 31466, N_("DHDN / Gauss-Krüger zone 2 (EPSG:31466)") },
  { 31467, N_("DHDN / Gauss-Krüger zone 3 (EPSG:31467)") },
  { 4326, N_("WGS 84, longitude and latitude (EPSG:4326)") },
  { 3857, N_("WGS 84 / Pseudo-Mercator (EPSG:3857)") },
};

static void
import_job_free (QrtImportJob *job)
{
  if (job->crs_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (job->crs_dialog), (gpointer *) &job->crs_dialog);
      gtk_window_destroy (GTK_WINDOW (job->crs_dialog));
    }
  g_clear_object (&job->self);
  g_clear_object (&job->cancellable);
  g_free (job->source);
  g_free (job->display_name);
  g_free (job->project_path);
  g_free (job->summary);
  g_clear_object (&job->collection);
  g_strfreev (job->refresh_names);
  g_strfreev (job->refresh_titles);
  g_free (job);
}

static void start_next (QrtWindow *self);

static void
update_actions (QrtWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-import", self->import != NULL);
  _qrt_window_update_refresh_actions (self);
}

/* The job is over, whichever way: hide the progress, go on with the queue. */
static void
finish_job (QrtWindow    *self,
            QrtImportJob *job)
{
  if (self->import != job)
    return;

  self->import = NULL;
  import_job_free (job);
  gtk_revealer_set_reveal_child (self->import_revealer, FALSE);
  update_actions (self);
  start_next (self);
}

/* A job whose window was closed while it ran is left behind: it only frees itself. */
static gboolean
job_abandoned (QrtWindow    *self,
               QrtImportJob *job)
{
  if (self->import == job)
    return FALSE;
  import_job_free (job);
  return TRUE;
}

static char *
format_count (gint64 n)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, n);
}

static char *
summarize (QrtImportJob          *job,
           const QrtImportResult *result)
{
  g_autofree char *file = g_markup_escape_text (job->display_name, -1);
  g_autofree char *count = format_count (result->feature_count);
  g_autofree char *summary = NULL;
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  gint64 skipped = result->empty_count + result->unusable_count;

  /* Translators: a toast; the first %s is a number, the second a file name */
  summary = g_strdup_printf (ngettext ("Imported %s feature from “%s”",
                                       "Imported %s features from “%s”",
                                       (gulong) result->feature_count),
                             count, file);

  if (result->repaired_count > 0)
    {
      g_autofree char *n = format_count (result->repaired_count);

      /* Translators: part of the import toast; %s is a number */
      g_ptr_array_add (notes, g_strdup_printf (ngettext ("%s geometry repaired",
                                                         "%s geometries repaired",
                                                         (gulong) result->repaired_count), n));
    }
  if (skipped > 0)
    {
      g_autofree char *n = format_count (skipped);

      /* Translators: part of the import toast; %s is a number */
      g_ptr_array_add (notes, g_strdup_printf (ngettext ("%s feature without usable geometry "
                                                         "skipped",
                                                         "%s features without usable geometry "
                                                         "skipped",
                                                         (gulong) skipped), n));
    }
  if (notes->len == 0)
    return g_steal_pointer (&summary);

  g_ptr_array_add (notes, NULL);
  {
    g_autofree char *joined = g_strjoinv (", ", (char **) notes->pdata);

    /* Translators: the import toast: the summary, then what was repaired or skipped */
    return g_strdup_printf (_("%s; %s"), summary, joined);
  }
}

static void
project_reopened_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  QrtImportJob *job = user_data;
  QrtWindow *self = job->self;
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(GError) error = NULL;
  AdwToast *toast;
  gboolean same;

  project = qrt_project_open_finish (result, &error);
  job->running = FALSE;

  if (job_abandoned (self, job))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish_job (self, job);
      return;
    }

  if (project == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason */
      message = g_strdup_printf (_("The data was imported, but the project could not be read "
                                   "again: %s"), error->message);
      _qrt_window_show_error (self, message);
      finish_job (self, job);
      return;
    }

  /* The same project with one more layer: the user keeps looking where they were. */
  same = self->project != NULL &&
         g_strcmp0 (qrt_project_get_path (self->project), job->project_path) == 0;
  _qrt_window_set_project (self, project, same);
  _qrt_window_add_recent (self, job->project_path);
  self->n_imports++;

  toast = adw_toast_new (job->summary);
  adw_toast_set_timeout (toast, 6);
  _qrt_window_show_toast (self, toast);

  finish_job (self, job);
}

/* The job wrote the project file: read it anew, then the toast says job->summary. */
static void
reopen_project (QrtWindow    *self,
                QrtImportJob *job)
{
  job->running = TRUE;
  gtk_label_set_label (self->import_label, _("Opening the project…"));
  gtk_progress_bar_set_fraction (self->import_progress, 1.0);
  qrt_project_open_async (job->project_path, job->cancellable, project_reopened_cb, job);
}

static void run_job (QrtWindow    *self,
                     QrtImportJob *job);

static void
crs_response_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 QrtWindow        *self)
{
  QrtImportJob *job = g_object_get_data (G_OBJECT (dialog), "job");
  GtkDropDown *choice = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));

  /* Only compared: a job cancelled meanwhile is gone. */
  if (self->import != job)
    return;

  /* The dialog closes itself after answering. */
  g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &job->crs_dialog);
  job->crs_dialog = NULL;

  if (g_strcmp0 (response, "import") != 0)
    {
      finish_job (self, job);
      return;
    }

  job->source_epsg = crs_choices[gtk_drop_down_get_selected (choice)].epsg;
  run_job (self, job);
}

static void
ask_crs (QrtWindow    *self,
         QrtImportJob *job,
         const char   *reason)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkWidget *dialog;
  GtkWidget *choice;

  for (guint i = 0; i < G_N_ELEMENTS (crs_choices); i++)
    gtk_string_list_append (labels, _(crs_choices[i].label));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Which Coordinate System?"), reason);
  choice = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&labels)), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (choice), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Coordinate system"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), choice);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "import", _("_Import"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "import",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "import");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "job", job);
  g_signal_connect_object (dialog, "response", G_CALLBACK (crs_response_cb), self, 0);

  job->crs_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &job->crs_dialog);

  gtk_label_set_label (self->import_label, _("Waiting for the coordinate system…"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
import_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  QrtImportJob *job = user_data;
  QrtWindow *self = job->self;
  QrtImportResult counts = { 0 };
  g_autoptr(GError) error = NULL;

  job->running = FALSE;

  if (!qrt_import_file_finish (result, &counts, &error))
    {
      if (job_abandoned (self, job))
        return;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          finish_job (self, job);
          return;
        }

      if (g_error_matches (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_NO_CRS) ||
          (g_error_matches (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_BAD_CRS) &&
           job->source_epsg == 0))
        {
          ask_crs (self, job, error->message);
          return;
        }

      {
        g_autofree char *message = NULL;

        /* The core's messages mostly name the file already; say it only once. */
        if (strstr (error->message, job->display_name) != NULL)
          message = g_strdup (error->message);
        else
          /* Translators: the first %s is a file name, the second the reason */
          message = g_strdup_printf (_("Could not import “%s”: %s"), job->display_name,
                                     error->message);
        _qrt_window_show_error (self, message);
      }
      finish_job (self, job);
      return;
    }

  if (!job_abandoned (self, job))
    {
      job->summary = summarize (job, &counts);
      reopen_project (self, job);
    }
  qrt_import_result_clear (&counts);
}

static char *
summarize_fetch (QrtImportJob         *job,
                 const QrtFetchResult *result)
{
  g_autofree char *title = g_markup_escape_text (job->display_name, -1);
  g_autofree char *count = format_count (result->feature_count);
  g_autofree char *summary = NULL;

  /* Translators: a toast; the first %s is a number, the second a collection's title */
  summary = g_strdup_printf (ngettext ("Added %s feature from “%s”",
                                       "Added %s features from “%s”",
                                       (gulong) result->feature_count),
                             count, title);
  if (!result->from_cache)
    return g_steal_pointer (&summary);

  /* Translators: the fetch toast when offline: the summary, then where the data came from */
  return g_strdup_printf (_("%s (from the offline cache)"), summary);
}

static void
fetch_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  QrtImportJob *job = user_data;
  QrtWindow *self = job->self;
  QrtFetchResult counts = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  job->running = FALSE;
  ok = qrt_data_space_fetch_finish (QRT_DATA_SPACE (object), result, &counts, &error);
  if (job_abandoned (self, job))
    ;
  else if (ok)
    {
      job->summary = summarize_fetch (job, &counts);
      reopen_project (self, job);
    }
  else
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = NULL;

          /* Translators: the first %s is a collection's title, the second the reason */
          message = g_strdup_printf (_("Could not add “%s”: %s"), job->display_name,
                                     error->message);
          _qrt_window_show_error (self, message);
        }
      finish_job (self, job);
    }
  qrt_fetch_result_clear (&counts);
}

/* The data space reports on the main context, between its own steps. */
static void
fetch_progress_cb (double   fraction,
                   gpointer user_data)
{
  QrtImportJob *job = user_data;
  QrtWindow *self = job->self;

  if (self->import != job || !job->running)
    return;
  /* Refreshing several layers: one bar for all of them. */
  if (job->refresh_names != NULL)
    fraction = (job->refresh_index + CLAMP (fraction, 0, 1)) / g_strv_length (job->refresh_names);
  gtk_progress_bar_set_fraction (self->import_progress, CLAMP (fraction, 0, 1));
}

static void
run_fetch (QrtWindow    *self,
           QrtImportJob *job)
{
  QrtDataSpace *data_space = _qrt_window_get_data_space (self);
  QrtFetchOptions options = { 0 };
  g_autofree char *label = NULL;

  /* The window had a client when the fetch was asked for; it keeps it. */
  g_assert (data_space != NULL);

  options.have_bbox = job->have_bbox;
  options.bbox = job->bbox;

  /* Translators: %s is the title of a collection from a data space */
  label = g_strdup_printf (_("Downloading “%s”…"), job->display_name);
  gtk_label_set_label (self->import_label, label);
  gtk_progress_bar_set_fraction (self->import_progress, 0);

  job->running = TRUE;
  qrt_data_space_fetch_async (data_space, job->collection, job->project_path, &options,
                              fetch_progress_cb, job, job->cancellable, fetch_done_cb, job);
}

static void run_refresh (QrtWindow    *self,
                         QrtImportJob *job);

static void
refresh_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  QrtImportJob *job = user_data;
  QrtWindow *self = job->self;
  const char *title = job->refresh_titles[job->refresh_index];
  QrtFetchResult counts = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean single = !job->refresh_all;
  gboolean ok;

  job->running = FALSE;
  ok = qrt_data_space_refresh_finish (QRT_DATA_SPACE (object), result, &counts, &error);
  if (job_abandoned (self, job))
    {
      qrt_fetch_result_clear (&counts);
      return;
    }

  if (!ok)
    {
      qrt_fetch_result_clear (&counts);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Cancelled after some layers were replaced: the window must still show the file
           * as it is now, so it is read anew all the same. */
          if (job->n_refreshed == 0)
            {
              finish_job (self, job);
              return;
            }
          g_clear_object (&job->cancellable);
          job->cancellable = g_cancellable_new ();
          job->refresh_index = g_strv_length (job->refresh_names) - 1;
        }
      else
        {
          g_autofree char *message = NULL;

          /* Translators: the first %s is a layer's title, the second the reason */
          message = g_strdup_printf (_("Could not refresh “%s”: %s"), title, error->message);
          _qrt_window_show_error (self, message);
        }
    }
  else
    {
      job->n_refreshed++;
      if (single)
        {
          g_autofree char *escaped = g_markup_escape_text (title, -1);
          g_autofree char *number = format_count (counts.feature_count);
          g_autofree char *features = NULL;

          /* Translators: part of "“Buildings” refreshed: 1,234 features"; %s is a number */
          features = g_strdup_printf (ngettext ("%s feature", "%s features",
                                                (gulong) counts.feature_count), number);
          g_free (job->summary);
          /* Translators: a toast; the first %s is a layer's title, the second a number of
           * features, e.g. "“Buildings” refreshed: 1,234 features" */
          job->summary = g_strdup_printf (_("“%s” refreshed: %s"), escaped, features);
        }
      qrt_fetch_result_clear (&counts);
    }

  /* The next layer, or the project read anew once all are done. */
  if (job->refresh_names[++job->refresh_index] != NULL)
    {
      run_refresh (self, job);
      return;
    }

  if (job->n_refreshed == 0)
    {
      finish_job (self, job);
      return;
    }
  if (!single)
    {
      g_free (job->summary);
      /* Translators: a toast after refreshing the layers that came from data spaces */
      job->summary = g_strdup_printf (ngettext ("%u layer refreshed", "%u layers refreshed",
                                                job->n_refreshed), job->n_refreshed);
    }

  reopen_project (self, job);
}

static void
run_refresh (QrtWindow    *self,
             QrtImportJob *job)
{
  QrtDataSpace *data_space = _qrt_window_get_data_space (self);
  guint n = g_strv_length (job->refresh_names);
  g_autofree char *label = NULL;

  /* The window had a client when the refresh was asked for; it keeps it. */
  g_assert (data_space != NULL);

  /* Translators: %s is a layer's title */
  label = g_strdup_printf (_("Refreshing “%s”…"), job->refresh_titles[job->refresh_index]);
  gtk_label_set_label (self->import_label, label);
  gtk_progress_bar_set_fraction (self->import_progress, (double) job->refresh_index / n);

  job->running = TRUE;
  qrt_data_space_refresh_async (data_space, job->project_path,
                                job->refresh_names[job->refresh_index],
                                fetch_progress_cb, job, job->cancellable, refresh_done_cb, job);
}

/* Called on the window's main context by the import worker. */
static void
import_progress_cb (double   fraction,
                    gpointer user_data)
{
  QrtImportJob *job = user_data;

  if (job->self->import == job && job->running)
    gtk_progress_bar_set_fraction (job->self->import_progress, CLAMP (fraction, 0, 1));
}

static void
run_job (QrtWindow    *self,
         QrtImportJob *job)
{
  QrtImportOptions options = { 0 };
  g_autofree char *label = NULL;

  if (job->collection != NULL)
    {
      run_fetch (self, job);
      return;
    }
  if (job->refresh_names != NULL)
    {
      run_refresh (self, job);
      return;
    }

  options.source_epsg = job->source_epsg;

  /* Translators: %s is a file name */
  label = g_strdup_printf (_("Importing “%s”…"), job->display_name);
  gtk_label_set_label (self->import_label, label);
  gtk_progress_bar_set_fraction (self->import_progress, 0);

  job->running = TRUE;
  qrt_import_file_async (job->source, job->project_path, &options,
                         import_progress_cb, job, job->cancellable,
                         import_done_cb, job);
}

/* Starts the import that waits, once nothing else writes the project file. */
void
_qrt_window_resume_import (QrtWindow *self)
{
  QrtImportJob *job = self->import;

  /* Not while the user is asked for the coordinate system: the answer starts it. */
  if (job == NULL || job->running || job->crs_dialog != NULL ||
      _qrt_window_get_save_pending (self))
    return;

  /* A fetch or a refresh waits for the data-space client while it is opened; opening it
   * resumes the job. */
  if ((job->collection != NULL || job->refresh_names != NULL) &&
      _qrt_window_get_data_space (self) == NULL)
    {
      if (self->data_space_failed)
        {
          _qrt_window_show_error (self, _("The offline cache could not be opened"));
          finish_job (self, job);
        }
      return;
    }

  run_job (self, job);
}

/**
 * _qrt_window_import_into:
 * @file: a data file on this computer
 * @project_path: the project to add the layer to; created if it does not exist
 *
 * Imports @file now, or after the import in progress.
 */
void
_qrt_window_import_into (QrtWindow  *self,
                         GFile      *file,
                         const char *project_path)
{
  g_autofree char *source = g_file_get_path (file);
  QrtImportJob *job;

  g_return_if_fail (QRT_IS_WINDOW (self));
  g_return_if_fail (project_path != NULL);

  if (source == NULL)
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Could not import “%s”: %s"), name,
                                 _("Only files on this computer can be imported"));
      _qrt_window_show_error (self, message);
      return;
    }

  if (self->import != NULL)
    {
      g_queue_push_tail (&self->import_queue, g_object_ref (file));
      return;
    }

  job = g_new0 (QrtImportJob, 1);
  job->self = g_object_ref (self);
  job->cancellable = g_cancellable_new ();
  job->source = g_steal_pointer (&source);
  job->display_name = g_file_get_basename (file);
  job->project_path = g_strdup (project_path);
  self->import = job;

  {
    g_autofree char *label = NULL;

    /* Translators: %s is a file name */
    label = g_strdup_printf (_("Importing “%s”…"), job->display_name);
    gtk_label_set_label (self->import_label, label);
  }
  gtk_progress_bar_set_fraction (self->import_progress, 0);
  gtk_revealer_set_reveal_child (self->import_revealer, TRUE);
  update_actions (self);

  /* The project is read anew after the import: what only the window knows so far — removed
   * layers, styles, order — must be in the file first. */
  if (self->project != NULL &&
      g_strcmp0 (qrt_project_get_path (self->project), project_path) == 0)
    {
      _qrt_window_commit_removals (self);
      _qrt_window_flush_save (self);
    }

  _qrt_window_resume_import (self);
}

static void
save_chooser_response_cb (QrtWindow            *self,
                          int                   response,
                          GtkFileChooserNative *chooser)
{
  GFile *file = g_object_get_data (G_OBJECT (chooser), "source");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) project = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = project != NULL ? g_file_get_path (project) : NULL;

      if (path != NULL && !g_str_has_suffix (path, ".gpkg") && !g_str_has_suffix (path, ".GPKG"))
        {
          char *with_suffix = g_strconcat (path, ".gpkg", NULL);

          g_free (path);
          path = with_suffix;
        }
      if (path != NULL)
        _qrt_window_import_into (self, file, path);
    }
  else
    {
      /* Without a project the other dropped files have nowhere to go either. */
      g_queue_clear_full (&self->import_queue, g_object_unref);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  if (self->import_chooser == chooser)
    g_clear_object (&self->import_chooser);
}

/* No project open: the imported layer starts a new one, saved where the user says. */
static void
ask_project_path (QrtWindow *self,
                  GFile     *file)
{
  g_autofree char *basename = g_file_get_basename (file);
  g_autofree char *name = NULL;
  g_autoptr(GFile) folder = g_file_get_parent (file);
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;
  char *dot;

  /* "bezirke.shp.zip" becomes "bezirke.gpkg". */
  name = g_strdup (basename);
  while ((dot = strrchr (name, '.')) != NULL && dot != name)
    *dot = '\0';

  if (self->import_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->import_chooser));
  g_clear_object (&self->import_chooser);

  chooser = gtk_file_chooser_native_new (_("Save the New Project"),
                                         GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Create"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  {
    g_autofree char *project_name = g_strconcat (name, ".gpkg", NULL);

    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), project_name);
  }
  if (folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("GeoPackage Projects"));
  gtk_file_filter_add_suffix (filter, "gpkg");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);

  g_object_set_data_full (G_OBJECT (chooser), "source", g_object_ref (file), g_object_unref);
  g_signal_connect_object (chooser, "response", G_CALLBACK (save_chooser_response_cb), self,
                           G_CONNECT_SWAPPED);

  self->import_chooser = chooser;
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/**
 * _qrt_window_import_file:
 *
 * Imports @file into the open project, or into a new one the user chooses.
 */
void
_qrt_window_import_file (QrtWindow *self,
                         GFile     *file)
{
  g_return_if_fail (QRT_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->import != NULL || self->import_chooser != NULL)
    {
      g_queue_push_tail (&self->import_queue, g_object_ref (file));
      return;
    }

  if (self->project != NULL && g_strcmp0 (_qrt_window_get_page (self), "map") == 0)
    _qrt_window_import_into (self, file, qrt_project_get_path (self->project));
  else
    ask_project_path (self, file);
}

static void
start_next (QrtWindow *self)
{
  g_autoptr(GFile) next = g_queue_pop_head (&self->import_queue);

  if (next != NULL)
    _qrt_window_import_file (self, next);
}

void
_qrt_window_cancel_import (QrtWindow *self)
{
  QrtImportJob *job = self->import;

  g_queue_clear_full (&self->import_queue, g_object_unref);
  if (job == NULL)
    return;

  g_cancellable_cancel (job->cancellable);
  /* Waiting for a save or a CRS: nothing in flight will report back. */
  if (!job->running)
    finish_job (self, job);
}

gboolean
_qrt_window_get_importing (QrtWindow *self)
{
  return self->import != NULL;
}

static void
import_chooser_response_cb (QrtWindow            *self,
                            int                   response,
                            GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          _qrt_window_import_file (self, file);
        }
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
}

static void
add_filter (GtkFileChooser *chooser,
            GtkFileFilter  *all,
            const char     *name,
            const char     *suffixes)
{
  g_auto(GStrv) list = g_strsplit (suffixes, " ", -1);
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; list[i] != NULL; i++)
    {
      /* Case-insensitive: shapefiles from older systems are often called BEZIRKE.SHP. */
      gtk_file_filter_add_suffix (filter, list[i]);
      gtk_file_filter_add_suffix (all, list[i]);
    }
  gtk_file_chooser_add_filter (chooser, filter);
  g_object_unref (filter);
}

/* File → Import… */
void
_qrt_window_choose_import (QrtWindow *self)
{
  GtkFileChooserNative *native;
  GtkFileChooser *chooser;
  GtkFileFilter *all;
  GtkFileFilter *any;

  native = gtk_file_chooser_native_new (_("Import Data"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Import"),
                                        _("_Cancel"));
  chooser = GTK_FILE_CHOOSER (native);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_select_multiple (chooser, TRUE);

  all = gtk_file_filter_new ();
  gtk_file_filter_set_name (all, _("All Supported Files"));
  gtk_file_chooser_add_filter (chooser, all);
  add_filter (chooser, all, _("GeoPackage"), "gpkg");
  add_filter (chooser, all, _("GeoJSON"), "geojson json");
  add_filter (chooser, all, _("Shapefile (also zipped)"), "shp zip");
  add_filter (chooser, all, _("CSV with coordinates or WKT"), "csv");
  add_filter (chooser, all, _("FlatGeobuf"), "fgb");
  add_filter (chooser, all, _("KML"), "kml");
  add_filter (chooser, all, _("GML"), "gml");
  g_object_unref (all);

  any = gtk_file_filter_new ();
  gtk_file_filter_set_name (any, _("All Files"));
  gtk_file_filter_add_pattern (any, "*");
  gtk_file_chooser_add_filter (chooser, any);
  g_object_unref (any);

  g_signal_connect_object (native, "response", G_CALLBACK (import_chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static gboolean
drop_cb (QrtWindow     *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;

  /* A single GeoPackage dropped on the welcome page is a project to open. */
  if (self->project == NULL && files->next == NULL)
    {
      g_autofree char *name = g_file_get_basename (files->data);

      if (name != NULL && (g_str_has_suffix (name, ".gpkg") || g_str_has_suffix (name, ".GPKG")))
        {
          qrt_window_open_file (self, files->data);
          g_slist_free (files);
          return TRUE;
        }
    }

  for (GSList *l = files; l != NULL; l = l->next)
    _qrt_window_import_file (self, l->data);
  g_slist_free (files);

  return TRUE;
}

void
_qrt_window_init_import (QrtWindow *self)
{
  GtkDropTarget *target;

  g_queue_init (&self->import_queue);

  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_swapped (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->toast_overlay), GTK_EVENT_CONTROLLER (target));

  update_actions (self);
}

void
_qrt_window_dispose_import (QrtWindow *self)
{
  if (self->import != NULL)
    {
      QrtImportJob *job = self->import;

      /* The worker still reports back; it finds the job no longer the window's. */
      g_cancellable_cancel (job->cancellable);
      self->import = NULL;
      if (!job->running)
        import_job_free (job);
    }
  g_queue_clear_full (&self->import_queue, g_object_unref);

  if (self->import_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->import_chooser));
  g_clear_object (&self->import_chooser);
}

/**
 * _qrt_window_fetch_collection:
 * @collection: a collection of a data space's catalog
 * @wgs84: (nullable): only the features in this box (degrees), or all of them
 *
 * Downloads @collection into the open project, as a new layer, with the import's progress
 * bar; the project is read anew afterwards, keeping the view.
 *
 * Returns: %FALSE with @error set, translated, if the fetch cannot start now
 */
gboolean
_qrt_window_fetch_collection (QrtWindow      *self,
                              QrtCollection  *collection,
                              const QrtBBox  *wgs84,
                              GError        **error)
{
  QrtImportJob *job;
  const char *title;

  g_return_val_if_fail (QRT_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (QRT_IS_COLLECTION (collection), FALSE);

  if (self->project == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Open or create a project to add the data to first"));
      return FALSE;
    }
  if (self->import != NULL || self->import_chooser != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("Another import is in progress. Try again when it has finished."));
      return FALSE;
    }
  if (_qrt_window_get_data_space (self) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The offline cache could not be opened"));
      return FALSE;
    }

  title = qrt_collection_get_title (collection);
  if (title == NULL || *title == '\0')
    title = qrt_collection_get_id (collection);

  job = g_new0 (QrtImportJob, 1);
  job->self = g_object_ref (self);
  job->cancellable = g_cancellable_new ();
  job->collection = g_object_ref (collection);
  job->display_name = g_strdup (title);
  job->project_path = g_strdup (qrt_project_get_path (self->project));
  job->have_bbox = wgs84 != NULL;
  if (wgs84 != NULL)
    job->bbox = *wgs84;
  self->import = job;

  {
    g_autofree char *label = NULL;

    /* Translators: %s is the title of a collection from a data space */
    label = g_strdup_printf (_("Downloading “%s”…"), job->display_name);
    gtk_label_set_label (self->import_label, label);
  }
  gtk_progress_bar_set_fraction (self->import_progress, 0);
  gtk_revealer_set_reveal_child (self->import_revealer, TRUE);
  update_actions (self);

  /* As for an import: what only the window knows goes to the file before it is written. */
  _qrt_window_commit_removals (self);
  _qrt_window_flush_save (self);
  _qrt_window_resume_import (self);

  return TRUE;
}

/**
 * _qrt_window_refresh_layers:
 * @names: the layers of the open project to fetch again from their data space, in order
 * @all: @names are all the project's layers from data spaces (win.refresh-data): the toast
 *   at the end says how many were refreshed rather than how many features one has now
 *
 * Fetches @names again — one job, with the import's progress bar and Cancel — each
 * replacing its layer in the project file (same name, place and style); the project is
 * read anew afterwards, keeping the view, and a toast says how it went.
 *
 * Returns: %FALSE with @error set, translated, if the refresh cannot start now
 */
gboolean
_qrt_window_refresh_layers (QrtWindow          *self,
                            const char * const *names,
                            gboolean            all,
                            GError            **error)
{
  g_autoptr(GStrvBuilder) titles = g_strv_builder_new ();
  QrtImportJob *job;

  g_return_val_if_fail (QRT_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (names != NULL && names[0] != NULL, FALSE);

  if (self->project == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Open a project to refresh its layers first"));
      return FALSE;
    }
  if (self->import != NULL || self->import_chooser != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("Another import is in progress. Try again when it has finished."));
      return FALSE;
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      QrtProjectLayer *layer = qrt_project_find_layer (self->project, names[i]);

      if (layer == NULL || !_qrt_window_get_layer_refreshable (self, names[i]))
        {
          /* Translators: %s is a layer's title or name */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("“%s” did not come from a data space and cannot be refreshed"),
                       layer != NULL ? qrt_project_layer_get_title (layer) : names[i]);
          return FALSE;
        }
      g_strv_builder_add (titles, qrt_project_layer_get_title (layer));
    }
  /* Still being opened is fine: the job waits for it. */
  if (self->data_space_failed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The offline cache could not be opened"));
      return FALSE;
    }

  job = g_new0 (QrtImportJob, 1);
  job->self = g_object_ref (self);
  job->cancellable = g_cancellable_new ();
  job->refresh_names = g_strdupv ((char **) names);
  job->refresh_titles = g_strv_builder_end (titles);
  job->refresh_all = all;
  job->display_name = g_strdup (job->refresh_titles[0]);
  job->project_path = g_strdup (qrt_project_get_path (self->project));
  self->import = job;

  {
    g_autofree char *label = NULL;

    /* Translators: %s is a layer's title */
    label = g_strdup_printf (_("Refreshing “%s”…"), job->display_name);
    gtk_label_set_label (self->import_label, label);
  }
  gtk_progress_bar_set_fraction (self->import_progress, 0);
  gtk_revealer_set_reveal_child (self->import_revealer, TRUE);
  update_actions (self);

  /* The core rewrites the file: the window's own changes (a new fill colour, say) go there
   * first, so that the refreshed layer keeps them. */
  _qrt_window_commit_removals (self);
  _qrt_window_flush_save (self);
  _qrt_window_resume_import (self);

  return TRUE;
}
