/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-properties-dialog.h"
#include "qrt-ui.h"

/* What a layer is and where it came from: source, date of the data, table, geometry, number
 * of features, coordinate system, extent, and its licence and attribution, which the user can
 * correct. An edit is given to the layer and announced with ::changed; the window saves it. */

struct _QrtPropertiesDialog
{
  AdwWindow        parent_instance;

  AdwWindowTitle  *window_title;
  AdwActionRow    *source_row;
  AdwActionRow    *date_row;
  AdwActionRow    *table_row;
  AdwActionRow    *kind_row;
  AdwActionRow    *count_row;
  AdwActionRow    *crs_row;
  AdwActionRow    *extent_row;
  AdwEntryRow     *licence_row;
  AdwEntryRow     *attribution_row;

  QrtProjectLayer *layer;
};

G_DEFINE_FINAL_TYPE (QrtPropertiesDialog, qrt_properties_dialog, ADW_TYPE_WINDOW)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
kind_name (QrtGeometryKind kind)
{
  switch (kind)
    {
    case QRT_GEOMETRY_POINT:
      return _("Points");
    case QRT_GEOMETRY_LINE:
      return _("Lines");
    case QRT_GEOMETRY_POLYGON:
      return _("Areas");
    case QRT_GEOMETRY_NONE:
    default:
      return _("None (a table)");
    }
}

static char *
format_metres (double value)
{
  /* Grouped by the locale: 428.271 m in German. */
  return g_strdup_printf ("%'.0f", value);
}

/* Empty text means "not known": stored as NULL. */
static gboolean
store_text (const char  *current,
            const char  *text,
            char       **out)
{
  *out = text != NULL && *text != '\0' ? g_strstrip (g_strdup (text)) : NULL;
  if (*out != NULL && **out == '\0')
    g_clear_pointer (out, g_free);
  return g_strcmp0 (current, *out) != 0;
}

static void
save_entries (QrtPropertiesDialog *self)
{
  g_autofree char *licence = NULL;
  g_autofree char *attribution = NULL;
  gboolean changed = FALSE;

  if (store_text (qrt_project_layer_get_licence (self->layer),
                  gtk_editable_get_text (GTK_EDITABLE (self->licence_row)), &licence))
    {
      qrt_project_layer_set_licence (self->layer, licence);
      changed = TRUE;
    }
  if (store_text (qrt_project_layer_get_attribution (self->layer),
                  gtk_editable_get_text (GTK_EDITABLE (self->attribution_row)), &attribution))
    {
      qrt_project_layer_set_attribution (self->layer, attribution);
      changed = TRUE;
    }

  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
entry_apply_cb (QrtPropertiesDialog *self,
                AdwEntryRow         *row)
{
  save_entries (self);
}

static gboolean
qrt_properties_dialog_close_request (GtkWindow *window)
{
  QrtPropertiesDialog *self = QRT_PROPERTIES_DIALOG (window);

  /* Typed but not confirmed with the apply button: closing keeps it too. */
  if (self->layer != NULL)
    save_entries (self);

  return GTK_WINDOW_CLASS (qrt_properties_dialog_parent_class)->close_request (window);
}

static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  adw_action_row_set_subtitle (row, text != NULL && *text != '\0' ? text : _("Unknown"));
}

static void
load (QrtPropertiesDialog *self)
{
  QrtLayer *layer = qrt_project_layer_get_layer (self->layer);
  const QrtBBox *extent = qrt_layer_get_extent (layer, QRT_COORDS_ANALYSIS);
  const char *source = qrt_project_layer_get_source (self->layer);
  g_autofree char *date = qrt_format_imported_at (qrt_project_layer_get_imported_at (self->layer));
  g_autofree char *count = NULL;
  g_autofree char *crs = NULL;
  g_autofree char *extent_text = NULL;
  guint n_features = qrt_layer_get_n_features (layer);

  adw_window_title_set_subtitle (self->window_title, qrt_project_layer_get_title (self->layer));

  set_subtitle (self->source_row, source);
  set_subtitle (self->date_row, date);
  set_subtitle (self->table_row, qrt_project_layer_get_name (self->layer));
  set_subtitle (self->kind_row, kind_name (qrt_layer_get_geometry_kind (layer)));
  count = g_strdup_printf ("%'u", n_features);
  set_subtitle (self->count_row, count);
  crs = g_strdup_printf ("EPSG:%d", qrt_layer_get_epsg (layer));
  set_subtitle (self->crs_row, crs);

  if (!qrt_bbox_is_empty (extent))
    {
      g_autofree char *min_x = format_metres (extent->min_x);
      g_autofree char *min_y = format_metres (extent->min_y);
      g_autofree char *max_x = format_metres (extent->max_x);
      g_autofree char *max_y = format_metres (extent->max_y);

      /* Translators: a layer's extent: east and north of the south-west corner, then of the
       * north-east corner, in metres */
      extent_text = g_strdup_printf (_("%s, %s – %s, %s m"), min_x, min_y, max_x, max_y);
    }
  set_subtitle (self->extent_row, extent_text);

  gtk_editable_set_text (GTK_EDITABLE (self->licence_row),
                         qrt_project_layer_get_licence (self->layer) != NULL
                           ? qrt_project_layer_get_licence (self->layer) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->attribution_row),
                         qrt_project_layer_get_attribution (self->layer) != NULL
                           ? qrt_project_layer_get_attribution (self->layer) : "");
}

static void
qrt_properties_dialog_dispose (GObject *object)
{
  QrtPropertiesDialog *self = QRT_PROPERTIES_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), QRT_TYPE_PROPERTIES_DIALOG);
  g_clear_object (&self->layer);

  G_OBJECT_CLASS (qrt_properties_dialog_parent_class)->dispose (object);
}

static void
qrt_properties_dialog_class_init (QrtPropertiesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = qrt_properties_dialog_dispose;
  window_class->close_request = qrt_properties_dialog_close_request;

  /**
   * QrtPropertiesDialog::changed:
   *
   * The layer's licence or attribution was changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);

  qrt_ui_ensure_resources ();

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-properties-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, source_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, date_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, table_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, count_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, crs_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, extent_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, licence_row);
  gtk_widget_class_bind_template_child (widget_class, QrtPropertiesDialog, attribution_row);
  gtk_widget_class_bind_template_callback (widget_class, entry_apply_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
qrt_properties_dialog_init (QrtPropertiesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * qrt_properties_dialog_new:
 * @parent: the window to stay above
 * @layer: the layer to describe
 *
 * Returns: (transfer none): a new dialog; not yet presented
 */
QrtPropertiesDialog *
qrt_properties_dialog_new (GtkWindow       *parent,
                           QrtProjectLayer *layer)
{
  QrtPropertiesDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (layer), NULL);

  self = g_object_new (QRT_TYPE_PROPERTIES_DIALOG, "transient-for", parent, NULL);
  self->layer = g_object_ref (layer);

  /* Translators: the title of the properties dialog; %s is a layer's title */
  title = g_strdup_printf (_("Properties of “%s”"), qrt_project_layer_get_title (layer));
  gtk_window_set_title (GTK_WINDOW (self), title);
  load (self);

  return self;
}

QrtProjectLayer *
qrt_properties_dialog_get_layer (QrtPropertiesDialog *self)
{
  g_return_val_if_fail (QRT_IS_PROPERTIES_DIALOG (self), NULL);

  return self->layer;
}

/**
 * qrt_format_imported_at:
 * @iso8601: (nullable): a time as the project stores it
 *
 * Returns: (transfer full) (nullable): the time in the user's time zone, written the way the
 *   locale writes dates; %NULL if there is none; @iso8601 itself if it cannot be parsed
 */
char *
qrt_format_imported_at (const char *iso8601)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso8601 == NULL || *iso8601 == '\0')
    return NULL;

  /* A time without a zone is UTC, as the import writes it. */
  utc = g_time_zone_new_utc ();
  time = g_date_time_new_from_iso8601 (iso8601, utc);
  if (time == NULL)
    return g_strdup (iso8601);

  local = g_date_time_to_local (time);
  /* Translators: how the date and time of imported data are shown; see g_date_time_format()
   * ("%x" is the locale's date, e.g. 07.03.2026 in German) */
  return g_date_time_format (local, _("%x, %H:%M"));
}
