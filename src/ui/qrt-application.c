/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <shumate/shumate.h>

#include "qrt-application.h"
#include "qrt-ui.h"
#include "qrt-window.h"

struct _QrtApplication
{
  AdwApplication parent_instance;

  /* g_get_monotonic_time () at the top of main (), for the first-paint benchmark. */
  gint64         start_time;

  /* The offline cache and the data-space client every window shares, opened on first use
   * (most sessions never need a base map or a download), in a worker thread. */
  QrtCache      *cache;
  QrtDataSpace  *data_space;
  char          *cache_error;   /* why the cache could not be opened; not tried again */
  GPtrArray     *waiting;       /* GTask, while it is being opened */
};

G_DEFINE_FINAL_TYPE (QrtApplication, qrt_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_START_TIME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static QrtWindow *
get_empty_window (QrtApplication *self)
{
  for (const GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    {
      if (QRT_IS_WINDOW (l->data) && qrt_window_is_empty (l->data))
        return l->data;
    }

  return qrt_window_new (GTK_APPLICATION (self));
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  QrtApplication *self = QRT_APPLICATION (user_data);
  static const char *developers[] = { "Quartier developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", "Quartier",
                        "application-icon", APP_ID,
                        "developer-name", _("The Quartier developers"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("Maps and indicators of a municipality’s districts for "
                                      "urban planners"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Quartier developers",
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  QrtApplication *self = QRT_APPLICATION (user_data);
  g_autoptr(GList) windows = NULL;

  /* Closing (not destroying) each window lets it save its size and cancel its work. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static void
open_demo_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  QrtApplication *self = QRT_APPLICATION (user_data);
  QrtWindow *window = get_empty_window (self);

  gtk_window_present (GTK_WINDOW (window));
  qrt_window_open_demo (window);
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "quit", quit_action },
  { "open-demo", open_demo_action },
};

static void
qrt_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (qrt_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);

  gtk_window_set_default_icon_name (APP_ID);

  /* libshumate's own downloader is unused (base-map tiles come through QrtDataSpace, whose
   * session sends the same string), but nothing should go out under libshumate's name. */
  shumate_set_user_agent ("Quartier/" PACKAGE_VERSION);
}

static void
qrt_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (qrt_window_new (GTK_APPLICATION (app)));

  gtk_window_present (window);
}

static void
qrt_application_open (GApplication  *app,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  QrtApplication *self = QRT_APPLICATION (app);

  /* The first file goes to a window showing nothing yet; every further one to its own. */
  for (int i = 0; i < n_files; i++)
    {
      QrtWindow *window = get_empty_window (self);

      gtk_window_present (GTK_WINDOW (window));
      qrt_window_open_file (window, files[i]);
    }
}

static int
qrt_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  if (g_variant_dict_contains (options, "demo"))
    {
      g_autoptr(GError) error = NULL;

      /* Through an action, so that a running instance opens the demo in its own window. */
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }

      g_action_group_activate_action (G_ACTION_GROUP (app), "open-demo", NULL);
      if (g_application_get_is_remote (app))
        return 0;
    }

  return G_APPLICATION_CLASS (qrt_application_parent_class)->handle_local_options (app, options);
}

static void
qrt_application_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  QrtApplication *self = QRT_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_START_TIME:
      g_value_set_int64 (value, self->start_time);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_application_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  QrtApplication *self = QRT_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_START_TIME:
      self->start_time = g_value_get_int64 (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_application_dispose (GObject *object)
{
  QrtApplication *self = QRT_APPLICATION (object);

  g_clear_object (&self->data_space);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);

  G_OBJECT_CLASS (qrt_application_parent_class)->dispose (object);
}

static void
qrt_application_finalize (GObject *object)
{
  QrtApplication *self = QRT_APPLICATION (object);

  g_clear_pointer (&self->cache_error, g_free);

  G_OBJECT_CLASS (qrt_application_parent_class)->finalize (object);
}

static void
qrt_application_class_init (QrtApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = qrt_application_dispose;
  object_class->finalize = qrt_application_finalize;
  object_class->get_property = qrt_application_get_property;
  object_class->set_property = qrt_application_set_property;

  app_class->startup = qrt_application_startup;
  app_class->activate = qrt_application_activate;
  app_class->open = qrt_application_open;
  app_class->handle_local_options = qrt_application_handle_local_options;

  properties[PROP_START_TIME] =
    g_param_spec_int64 ("start-time", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrt_application_init (QrtApplication *self)
{
  static const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open the demo municipality (created on first use)"), NULL },
    { NULL }
  };

  /* GtkApplication loads gtk/help-overlay.ui and AdwApplication style.css from here. */
  qrt_ui_ensure_resources ();
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[FILE…]"));
}

/**
 * qrt_application_new:
 * @start_time: g_get_monotonic_time () when main () started
 *
 * Returns: (transfer full): the application
 */
QrtApplication *
qrt_application_new (gint64 start_time)
{
  return g_object_new (QRT_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       /* The same resources for the .Devel id as for the release one. */
                       "resource-base-path", RESOURCE_BASE,
                       "start-time", start_time,
                       NULL);
}

gint64
qrt_application_get_start_time (QrtApplication *self)
{
  g_return_val_if_fail (QRT_IS_APPLICATION (self), 0);

  return self->start_time;
}

static void
answer (QrtApplication *self,
        GTask          *task)
{
  if (self->data_space != NULL)
    g_task_return_pointer (task, g_object_ref (self->data_space), g_object_unref);
  else
    g_task_return_new_error (task, QRT_CACHE_ERROR, QRT_CACHE_ERROR_OPEN, "%s", self->cache_error);
}

static void
cache_opened_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(QrtApplication) self = user_data;
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);
  g_autoptr(GError) error = NULL;

  self->cache = qrt_cache_open_finish (result, &error);
  if (self->cache == NULL)
    {
      g_warning ("Could not open the offline cache: %s", error->message);
      self->cache_error = g_strdup (error->message);
    }
  else
    self->data_space = qrt_data_space_new (self->cache);

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    answer (self, g_ptr_array_index (waiting, i));
}

/**
 * qrt_application_open_data_space_async:
 * @self: a #QrtApplication
 *
 * The data-space client over the user's offline cache ($XDG_CACHE_HOME/quartier), opened in
 * a worker thread on the first call and shared by every window afterwards. A cache that
 * cannot be opened is not tried again in this session.
 */
void
qrt_application_open_data_space_async (QrtApplication      *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (QRT_IS_APPLICATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_application_open_data_space_async);
  if (self->data_space != NULL || self->cache_error != NULL)
    {
      answer (self, task);
      return;
    }
  if (self->waiting == NULL)
    {
      self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
      qrt_cache_open_async (NULL, NULL, cache_opened_cb, g_object_ref (self));
    }
  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
}

/**
 * qrt_application_open_data_space_finish:
 * @error: why the offline cache could not be opened
 *
 * Returns: (transfer full) (nullable): the client, or %NULL with @error set
 */
QrtDataSpace *
qrt_application_open_data_space_finish (QrtApplication  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          qrt_application_open_data_space_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
