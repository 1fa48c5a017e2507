/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "qrt-style-dialog-private.h"
#include "qrt-ui.h"

/*
 * How a layer is drawn: single colour, categorized by an attribute's values or graduated by
 * a numeric attribute (quantile, equal interval, Jenks or manual bounds, 2–12 classes, a
 * sequential or diverging ramp), plus colours, widths, opacity, minimum zoom and labels.
 *
 * The dialog edits a copy of the layer's style and shows it as the legend will (drawn by
 * qrt_legend_paint); Apply hands the copy to the layer. Classing reads every feature's value,
 * so it runs in a worker on the immutable QrtLayer.
 */

G_DEFINE_FINAL_TYPE (QrtStyleDialog, qrt_style_dialog, ADW_TYPE_WINDOW)

/* Positions in the template's string lists. */
enum { MODE_SINGLE, MODE_CATEGORIZED, MODE_GRADUATED };
enum { METHOD_QUANTILE, METHOD_EQUAL_INTERVAL, METHOD_JENKS, METHOD_MANUAL };
enum { RAMP_SEQUENTIAL, RAMP_DIVERGING };

/* The method and ramp are not part of a saved style; the dialog remembers them on the layer
 * for the session, so that reopening it shows what was chosen. */
#define METHOD_KEY "qrt-style-dialog-method"
#define RAMP_KEY "qrt-style-dialog-ramp"

#define CLASSIFY_DELAY_MS 120

typedef struct
{
  QrtLayer          *layer;
  QrtStyle           style;
  QrtStyleMode       mode;
  char              *field;
  QrtClassifyMethod  method;
  guint              n_classes;
  double             bounds[QRT_STYLE_MAX_CLASSES];
  QrtRamp            ramp;
  guint              serial;
} Classify;

static void
classify_free (Classify *classify)
{
  g_clear_object (&classify->layer);
  g_free (classify->field);
  g_free (classify);
}

static void
rgba_from_colour (GdkRGBA        *rgba,
                  const QrtColor *colour)
{
  rgba->red = colour->red;
  rgba->green = colour->green;
  rgba->blue = colour->blue;
  rgba->alpha = colour->alpha;
}

static void
colour_from_rgba (QrtColor      *colour,
                  const GdkRGBA *rgba)
{
  colour->red = rgba->red;
  colour->green = rgba->green;
  colour->blue = rgba->blue;
  colour->alpha = rgba->alpha;
}

static QrtGeometryKind
layer_kind (QrtStyleDialog *self)
{
  return qrt_layer_get_geometry_kind (qrt_project_layer_get_layer (self->layer));
}

static const char *
selected_string (AdwComboRow *row)
{
  GObject *item = adw_combo_row_get_selected_item (row);

  return GTK_IS_STRING_OBJECT (item) ? gtk_string_object_get_string (GTK_STRING_OBJECT (item))
                                     : NULL;
}

static guint
find_string (GtkStringList *list,
             const char    *text)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 0; text != NULL && i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (list, i), text) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static void
update_preview (QrtStyleDialog *self)
{
  QrtLegendEntry entry = { qrt_project_layer_get_title (self->layer), layer_kind (self),
                           &self->style };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);
  double width, height;
  QrtStyle shown = self->style;

  /* A hidden layer still gets a preview of its look. */
  shown.visible = TRUE;
  entry.style = &shown;
  qrt_legend_paint (cr, &entry, 1, 1.0, TRUE, &width, &height);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  gtk_drawing_area_set_content_width (self->preview, (int) ceil (width));
  gtk_drawing_area_set_content_height (self->preview, (int) ceil (height));
  gtk_widget_queue_draw (GTK_WIDGET (self->preview));
}

static void
preview_draw_cb (GtkDrawingArea *area,
                 cairo_t        *cr,
                 int             width,
                 int             height,
                 gpointer        user_data)
{
  QrtStyleDialog *self = QRT_STYLE_DIALOG (user_data);
  QrtStyle shown = self->style;
  QrtLegendEntry entry = { qrt_project_layer_get_title (self->layer), layer_kind (self),
                           &shown };
  double w, h;

  shown.visible = TRUE;
  qrt_legend_paint (cr, &entry, 1, 1.0, FALSE, &w, &h);
}

static void
update_sensitivity (QrtStyleDialog *self)
{
  gboolean busy = self->classify_timeout_id != 0 || self->classify_cancellable != NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), !busy && self->error == NULL);
  /* The rows name the classes shown, not those still being made or that failed. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->names_group), !busy && self->error == NULL);
  gtk_spinner_set_spinning (self->busy_spinner, busy);
  adw_preferences_group_set_description (self->preview_group, self->error);
}

static void
set_error (QrtStyleDialog *self,
           const char     *error)
{
  g_free (self->error);
  self->error = g_strdup (error);
  update_sensitivity (self);
}

static double
bound_value (QrtStyleDialog *self,
             guint           i)
{
  return gtk_spin_button_get_value (g_ptr_array_index (self->bound_spins, i));
}

static void classes_changed_cb (QrtStyleDialog *self);

/* One spin button per manual class, keeping the values typed so far. */
static void
rebuild_bounds (QrtStyleDialog *self,
                guint           n_classes)
{
  double values[QRT_STYLE_MAX_CLASSES];
  guint n_old = self->bound_spins->len;

  for (guint i = 0; i < n_classes; i++)
    {
      if (i < n_old)
        values[i] = bound_value (self, i);
      else if (n_old == 0 && self->style.mode == QRT_STYLE_GRADUATED && i < self->style.n_classes)
        values[i] = self->style.classes[i].upper;
      else if (i >= 2)
        values[i] = values[i - 1] + (values[i - 1] - values[i - 2]);
      else if (i == 1)
        values[i] = values[0] + 1;
      else
        values[i] = 0;
    }

  for (guint i = 0; i < n_old; i++)
    {
      GtkWidget *spin = g_ptr_array_index (self->bound_spins, i);

      adw_preferences_group_remove (self->bounds_group,
                                    gtk_widget_get_ancestor (spin, ADW_TYPE_ACTION_ROW));
    }
  g_ptr_array_set_size (self->bound_spins, 0);

  for (guint i = 0; i < n_classes; i++)
    {
      g_autofree char *title = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spin = gtk_spin_button_new_with_range (-1e15, 1e15, 1);

      /* Translators: a class of a graduated style, counted from 1 */
      title = g_strdup_printf (_("Class %u"), i + 1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), 2);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), values[i]);
      gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
      g_signal_connect_object (spin, "value-changed", G_CALLBACK (classes_changed_cb), self,
                               G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->bounds_group, row);
      g_ptr_array_add (self->bound_spins, spin);
    }
}

/* The names given so far, by mode and attribute, to name classes again that hold the same
 * values, also after a detour through another mode or attribute. */
static char *
names_key (const QrtStyle *style)
{
  return g_strdup_printf ("%d:%s", style->mode, style->field);
}

static void
remember_names (QrtStyleDialog *self)
{
  if (self->style.mode == QRT_STYLE_SINGLE)
    return;
  g_hash_table_replace (self->named, names_key (&self->style),
                        g_memdup2 (&self->style, sizeof self->style));
}

static void
name_changed_cb (GtkEditable    *row,
                 QrtStyleDialog *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "qrt-class"));

  if (self->loading || i >= self->style.n_classes)
    return;
  qrt_style_class_set_label (&self->style.classes[i], gtk_editable_get_text (row));
  remember_names (self);
  update_preview (self);
}

static char *
picked_key (const QrtStyle *style,
            guint           i)
{
  return g_strdup_printf ("%s\x1f%s", style->field, style->classes[i].value);
}

static void
class_colour_cb (GtkColorChooser *button,
                 QrtStyleDialog  *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "qrt-class"));
  GdkRGBA rgba;

  if (self->loading || i >= self->style.n_classes)
    return;
  gtk_color_chooser_get_rgba (button, &rgba);
  colour_from_rgba (&self->style.classes[i].colour, &rgba);
  /* A colour picked for a value stays with it when the classes are made again. */
  g_hash_table_replace (self->picked, picked_key (&self->style, i),
                        g_memdup2 (&self->style.classes[i].colour, sizeof (QrtColor)));
  update_preview (self);
}

/* The colours picked by hand for the values of a categorized style's attribute. */
static void
restore_picked (QrtStyleDialog *self)
{
  if (self->style.mode != QRT_STYLE_CATEGORIZED)
    return;
  for (guint i = 0; i < self->style.n_classes; i++)
    {
      g_autofree char *key = picked_key (&self->style, i);
      const QrtColor *colour = g_hash_table_lookup (self->picked, key);

      if (colour != NULL)
        self->style.classes[i].colour = *colour;
    }
}

/* One row per class: its name in the legend, and its colour, titled with what the class
 * holds. The rows stay when the number of classes does, so that one being typed in keeps its
 * focus. */
static void
update_names (QrtStyleDialog *self)
{
  guint n = self->style.mode != QRT_STYLE_SINGLE ? self->style.n_classes : 0;
  gboolean loading = self->loading;

  if (n != self->name_rows->len)
    {
      for (guint i = 0; i < self->name_rows->len; i++)
        adw_preferences_group_remove (self->names_group, g_ptr_array_index (self->name_rows, i));
      g_ptr_array_set_size (self->name_rows, 0);
      for (guint i = 0; i < n; i++)
        {
          GtkWidget *row = adw_entry_row_new ();
          GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (row));
          GtkWidget *button;

          /* Values are the data's, not markup ("Wohnen & Gewerbe"). */
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
          if (GTK_IS_TEXT (text))
            gtk_text_set_max_length (GTK_TEXT (text), QRT_STYLE_LABEL_CHARS);
          g_object_set_data (G_OBJECT (row), "qrt-class", GUINT_TO_POINTER (i));
          g_signal_connect_object (row, "changed", G_CALLBACK (name_changed_cb), self, 0);

          button = gtk_color_button_new ();
          gtk_color_chooser_set_use_alpha (GTK_COLOR_CHOOSER (button), TRUE);
          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          g_object_set_data (G_OBJECT (button), "qrt-class", GUINT_TO_POINTER (i));
          g_object_set_data (G_OBJECT (row), "qrt-colour", button);
          g_signal_connect_object (button, "color-set", G_CALLBACK (class_colour_cb), self, 0);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), button);

          adw_preferences_group_add (self->names_group, row);
          g_ptr_array_add (self->name_rows, row);
        }
    }

  self->loading = TRUE;
  for (guint i = 0; i < n; i++)
    {
      GtkEditable *row = g_ptr_array_index (self->name_rows, i);
      g_autofree char *range = qrt_legend_class_range (&self->style, i);
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "qrt-colour");
      g_autofree char *colour_of = NULL;
      GdkRGBA rgba;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), range);
      if (g_strcmp0 (gtk_editable_get_text (row), self->style.classes[i].label) != 0)
        gtk_editable_set_text (row, self->style.classes[i].label);
      rgba_from_colour (&rgba, &self->style.classes[i].colour);
      gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &rgba);
      /* Graduated classes take their colours from the ramp, whenever they are made again. */
      gtk_widget_set_visible (button, self->style.mode == QRT_STYLE_CATEGORIZED);
      /* TRANSLATORS: the colour of a class (its button, and its colour dialog's title); %s is
       * the class's value */
      colour_of = g_strdup_printf (_("Colour of “%s”"), range);
      gtk_color_button_set_title (GTK_COLOR_BUTTON (button), colour_of);
      /* The focus, and with it a screen reader, goes to the button inside. */
      for (GtkWidget *part = button; part != NULL; part = gtk_widget_get_first_child (part))
        {
          gtk_accessible_update_property (GTK_ACCESSIBLE (part), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          colour_of, -1);
          if (GTK_IS_BUTTON (part))
            break;
        }
    }
  self->loading = loading;
  gtk_widget_set_visible (GTK_WIDGET (self->names_group), n > 0);
}

static void
classify_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  QrtStyleDialog *self = QRT_STYLE_DIALOG (object);
  Classify *classify = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree QrtStyle *style = NULL;
  g_autofree char *key = NULL;
  const QrtStyle *named;

  style = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      classify->serial != self->classify_serial)
    return;

  g_clear_object (&self->classify_cancellable);

  if (style == NULL)
    {
      set_error (self, error->message);
      return;
    }

  /* Only the classes: colours, widths and names may have changed while the worker ran. */
  key = names_key (style);
  named = g_hash_table_lookup (self->named, key);
  if (named != NULL)
    qrt_style_keep_labels (style, named);
  self->style.mode = style->mode;
  memcpy (self->style.field, style->field, sizeof self->style.field);
  self->style.n_classes = style->n_classes;
  memcpy (self->style.classes, style->classes, sizeof self->style.classes);
  self->style.others = style->others;
  restore_picked (self);
  remember_names (self);
  set_error (self, NULL);
  update_names (self);
  update_preview (self);
}

static void
classify_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Classify *classify = task_data;
  g_autofree QrtStyle *style = g_memdup2 (&classify->style, sizeof classify->style);
  GError *error = NULL;
  gboolean ok;

  if (classify->mode == QRT_STYLE_GRADUATED)
    ok = qrt_style_make_graduated (style, classify->layer, classify->field, classify->method,
                                   classify->n_classes,
                                   classify->method == QRT_CLASSIFY_MANUAL ? classify->bounds
                                                                           : NULL,
                                   classify->ramp, &error);
  else
    ok = qrt_style_make_categorized (style, classify->layer, classify->field, &error);

  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&style), g_free);
}

static gboolean
classify_timeout_cb (gpointer user_data)
{
  QrtStyleDialog *self = QRT_STYLE_DIALOG (user_data);
  guint mode = adw_combo_row_get_selected (self->mode_row);
  const char *field = selected_string (self->field_row);
  g_autoptr(GTask) task = NULL;
  Classify *classify;

  self->classify_timeout_id = 0;

  if (field == NULL)
    {
      set_error (self, mode == MODE_GRADUATED
                         ? _("This layer has no numeric attributes to class.")
                         : _("This layer has no attributes to class."));
      return G_SOURCE_REMOVE;
    }

  classify = g_new0 (Classify, 1);
  classify->layer = g_object_ref (qrt_project_layer_get_layer (self->layer));
  classify->style = self->style;
  classify->mode = mode == MODE_GRADUATED ? QRT_STYLE_GRADUATED : QRT_STYLE_CATEGORIZED;
  classify->field = g_strdup (field);
  classify->method = (QrtClassifyMethod) adw_combo_row_get_selected (self->method_row);
  classify->n_classes = (guint) gtk_spin_button_get_value_as_int (self->n_classes_spin);
  classify->ramp = adw_combo_row_get_selected (self->ramp_row) == RAMP_DIVERGING
                     ? QRT_RAMP_DIVERGING : QRT_RAMP_SEQUENTIAL;
  for (guint i = 0; i < self->bound_spins->len && i < QRT_STYLE_MAX_CLASSES; i++)
    classify->bounds[i] = bound_value (self, i);
  classify->serial = ++self->classify_serial;

  if (self->classify_cancellable != NULL)
    g_cancellable_cancel (self->classify_cancellable);
  g_clear_object (&self->classify_cancellable);
  self->classify_cancellable = g_cancellable_new ();

  task = g_task_new (self, self->classify_cancellable, classify_done_cb, NULL);
  g_task_set_source_tag (task, classify_timeout_cb);
  g_task_set_task_data (task, classify, (GDestroyNotify) classify_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, classify_worker);

  update_sensitivity (self);
  return G_SOURCE_REMOVE;
}

static void
update_rows (QrtStyleDialog *self)
{
  guint mode = adw_combo_row_get_selected (self->mode_row);
  gboolean graduated = mode == MODE_GRADUATED;
  gboolean manual = adw_combo_row_get_selected (self->method_row) == METHOD_MANUAL;
  QrtGeometryKind kind = layer_kind (self);

  gtk_widget_set_visible (GTK_WIDGET (self->classes_group), mode != MODE_SINGLE);
  gtk_widget_set_visible (GTK_WIDGET (self->method_row), graduated);
  gtk_widget_set_visible (GTK_WIDGET (self->n_classes_row), graduated);
  gtk_widget_set_visible (GTK_WIDGET (self->ramp_row), graduated);
  gtk_widget_set_visible (GTK_WIDGET (self->bounds_group), graduated && manual);
  gtk_widget_set_visible (GTK_WIDGET (self->point_row), kind == QRT_GEOMETRY_POINT);
  /* Lines have no fill; classified areas and points take their class colours instead, and
   * the fill is left for features no class matches. */
  gtk_widget_set_visible (GTK_WIDGET (self->fill_row), kind != QRT_GEOMETRY_LINE);
  adw_action_row_set_subtitle (self->fill_row,
                               mode == MODE_SINGLE ? NULL : _("For features outside the classes"));
}

/* The attribute list follows the mode: graduated styles need numbers. */
static void
update_field_model (QrtStyleDialog *self)
{
  GtkStringList *model = adw_combo_row_get_selected (self->mode_row) == MODE_GRADUATED
                           ? self->numeric_fields : self->all_fields;
  g_autofree char *previous = g_strdup (selected_string (self->field_row));
  guint position;

  if (adw_combo_row_get_model (self->field_row) == G_LIST_MODEL (model))
    return;

  position = find_string (model, previous != NULL ? previous : self->style.field);
  adw_combo_row_set_model (self->field_row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (self->field_row,
                              position != GTK_INVALID_LIST_POSITION ? position : 0);
}

static void
classes_changed_cb (QrtStyleDialog *self)
{
  guint mode;

  if (self->loading)
    return;

  self->loading = TRUE;
  update_field_model (self);
  mode = adw_combo_row_get_selected (self->mode_row);
  if (mode == MODE_GRADUATED && adw_combo_row_get_selected (self->method_row) == METHOD_MANUAL)
    {
      guint n = (guint) gtk_spin_button_get_value_as_int (self->n_classes_spin);

      if (n != self->bound_spins->len)
        rebuild_bounds (self, n);
    }
  update_rows (self);
  self->loading = FALSE;

  g_clear_handle_id (&self->classify_timeout_id, g_source_remove);
  if (self->classify_cancellable != NULL)
    g_cancellable_cancel (self->classify_cancellable);
  g_clear_object (&self->classify_cancellable);
  self->classify_serial++;

  if (mode == MODE_SINGLE)
    {
      self->style.mode = QRT_STYLE_SINGLE;
      self->style.n_classes = 0;
      set_error (self, NULL);
      update_names (self);
      update_preview (self);
      return;
    }

  /* Typing a bound or spinning the class count fires often: class once it settles. */
  self->classify_timeout_id = g_timeout_add (CLASSIFY_DELAY_MS, classify_timeout_cb, self);
  update_sensitivity (self);
}

static void
symbol_changed_cb (QrtStyleDialog *self)
{
  GdkRGBA rgba;
  guint label;

  if (self->loading)
    return;

  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->fill_button), &rgba);
  colour_from_rgba (&self->style.fill, &rgba);
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (self->stroke_button), &rgba);
  colour_from_rgba (&self->style.stroke, &rgba);
  self->style.stroke_width = gtk_spin_button_get_value (self->stroke_width_spin);
  self->style.point_radius = gtk_spin_button_get_value (self->point_spin);
  self->style.opacity = gtk_range_get_value (GTK_RANGE (self->opacity_scale));
  self->style.min_zoom = gtk_spin_button_get_value_as_int (self->min_zoom_spin);

  label = adw_combo_row_get_selected (self->label_row);
  if (label == 0 || label == GTK_INVALID_LIST_POSITION)
    self->style.label_field[0] = '\0';
  else
    g_strlcpy (self->style.label_field, gtk_string_list_get_string (self->label_fields, label),
               sizeof self->style.label_field);

  update_preview (self);
}

static void
apply_button_clicked_cb (QrtStyleDialog *self)
{
  if (qrt_style_dialog_apply (self))
    gtk_window_close (GTK_WINDOW (self));
}

static char *
format_percent_cb (GtkScale *scale,
                   double    value,
                   gpointer  user_data)
{
  /* Translators: an opacity, e.g. "80 %" (German puts a space before the sign) */
  return g_strdup_printf (_("%.0f %%"), value * 100);
}

static QrtRamp
guess_ramp (const QrtStyle *style)
{
  QrtColor diverging;

  if (style->mode != QRT_STYLE_GRADUATED || style->n_classes == 0)
    return QRT_RAMP_SEQUENTIAL;

  qrt_ramp_colour (QRT_RAMP_DIVERGING, 0, &diverging);
  return fabs (style->classes[0].colour.red - diverging.red) < 0.02 &&
         fabs (style->classes[0].colour.green - diverging.green) < 0.02 &&
         fabs (style->classes[0].colour.blue - diverging.blue) < 0.02
           ? QRT_RAMP_DIVERGING : QRT_RAMP_SEQUENTIAL;
}

static void
load_fields (QrtStyleDialog *self)
{
  QrtLayer *layer = qrt_project_layer_get_layer (self->layer);

  self->all_fields = gtk_string_list_new (NULL);
  self->numeric_fields = gtk_string_list_new (NULL);
  self->label_fields = gtk_string_list_new (NULL);
  gtk_string_list_append (self->label_fields, C_("labels", "None"));

  for (guint i = 0; i < qrt_layer_get_n_fields (layer); i++)
    {
      const char *name = qrt_layer_get_field_name (layer, i);

      gtk_string_list_append (self->all_fields, name);
      if (qrt_layer_get_field_type (layer, i) == QRT_FIELD_STRING)
        gtk_string_list_append (self->label_fields, name);
      else
        gtk_string_list_append (self->numeric_fields, name);
    }
}

/* Puts the style into the widgets, without reacting to their change signals. */
static void
load_style (QrtStyleDialog *self)
{
  const QrtStyle *style = &self->style;
  gpointer method = g_object_get_data (G_OBJECT (self->layer), METHOD_KEY);
  gpointer ramp = g_object_get_data (G_OBJECT (self->layer), RAMP_KEY);
  GdkRGBA rgba;
  guint position;

  self->loading = TRUE;

  load_fields (self);

  rgba_from_colour (&rgba, &style->fill);
  gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (self->fill_button), &rgba);
  rgba_from_colour (&rgba, &style->stroke);
  gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (self->stroke_button), &rgba);
  gtk_spin_button_set_value (self->stroke_width_spin, style->stroke_width);
  gtk_spin_button_set_value (self->point_spin, style->point_radius);
  gtk_range_set_value (GTK_RANGE (self->opacity_scale), style->opacity);
  gtk_spin_button_set_value (self->min_zoom_spin, style->min_zoom);

  adw_combo_row_set_model (self->label_row, G_LIST_MODEL (self->label_fields));
  position = find_string (self->label_fields, style->label_field);
  adw_combo_row_set_selected (self->label_row,
                              style->label_field[0] && position != GTK_INVALID_LIST_POSITION
                                ? position : 0);

  adw_combo_row_set_selected (self->mode_row,
                              style->mode == QRT_STYLE_GRADUATED ? MODE_GRADUATED
                              : style->mode == QRT_STYLE_CATEGORIZED ? MODE_CATEGORIZED
                              : MODE_SINGLE);
  update_field_model (self);

  if (style->mode == QRT_STYLE_GRADUATED && style->n_classes >= 2)
    gtk_spin_button_set_value (self->n_classes_spin, MIN (style->n_classes, 12));

  /* A graduated style saved in an earlier session does not say how it was classed; its own
   * bounds, as manual ones, reproduce it exactly. */
  if (method != NULL)
    adw_combo_row_set_selected (self->method_row, GPOINTER_TO_UINT (method) - 1);
  else if (style->mode == QRT_STYLE_GRADUATED && style->n_classes > 0)
    adw_combo_row_set_selected (self->method_row, METHOD_MANUAL);
  else
    adw_combo_row_set_selected (self->method_row, METHOD_QUANTILE);
  adw_combo_row_set_selected (self->ramp_row,
                              ramp != NULL ? GPOINTER_TO_UINT (ramp) - 1
                              : guess_ramp (style) == QRT_RAMP_DIVERGING ? RAMP_DIVERGING
                              : RAMP_SEQUENTIAL);

  if (style->mode == QRT_STYLE_GRADUATED &&
      adw_combo_row_get_selected (self->method_row) == METHOD_MANUAL)
    rebuild_bounds (self, (guint) gtk_spin_button_get_value_as_int (self->n_classes_spin));
  update_names (self);

  update_rows (self);
  self->loading = FALSE;
}

static void
qrt_style_dialog_dispose (GObject *object)
{
  QrtStyleDialog *self = QRT_STYLE_DIALOG (object);

  if (self->classify_cancellable != NULL)
    g_cancellable_cancel (self->classify_cancellable);
  g_clear_object (&self->classify_cancellable);
  g_clear_handle_id (&self->classify_timeout_id, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), QRT_TYPE_STYLE_DIALOG);

  g_clear_object (&self->layer);
  g_clear_object (&self->all_fields);
  g_clear_object (&self->numeric_fields);
  g_clear_object (&self->label_fields);
  g_clear_pointer (&self->bound_spins, g_ptr_array_unref);
  g_clear_pointer (&self->name_rows, g_ptr_array_unref);
  g_clear_pointer (&self->named, g_hash_table_unref);
  g_clear_pointer (&self->picked, g_hash_table_unref);

  G_OBJECT_CLASS (qrt_style_dialog_parent_class)->dispose (object);
}

static void
qrt_style_dialog_finalize (GObject *object)
{
  QrtStyleDialog *self = QRT_STYLE_DIALOG (object);

  g_free (self->error);

  G_OBJECT_CLASS (qrt_style_dialog_parent_class)->finalize (object);
}

static void
qrt_style_dialog_class_init (QrtStyleDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrt_style_dialog_dispose;
  object_class->finalize = qrt_style_dialog_finalize;

  qrt_ui_ensure_resources ();

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-style-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, preview_group);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, preview);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, mode_row);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, fill_row);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, fill_button);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, stroke_button);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, stroke_width_spin);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, point_row);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, point_spin);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, classes_group);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, field_row);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, method_row);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, n_classes_row);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, n_classes_spin);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, ramp_row);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, bounds_group);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, names_group);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, min_zoom_spin);
  gtk_widget_class_bind_template_child (widget_class, QrtStyleDialog, label_row);
  gtk_widget_class_bind_template_callback (widget_class, apply_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, classes_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, symbol_changed_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
qrt_style_dialog_init (QrtStyleDialog *self)
{
  GtkExpression *expression;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->bound_spins = g_ptr_array_new ();
  self->name_rows = g_ptr_array_new ();
  self->named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->picked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  gtk_drawing_area_set_draw_func (self->preview, preview_draw_cb, self, NULL);
  gtk_scale_set_format_value_func (self->opacity_scale, format_percent_cb, NULL, NULL);

  expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  adw_combo_row_set_expression (self->field_row, expression);
  adw_combo_row_set_expression (self->label_row, expression);
  gtk_expression_unref (expression);
}

/**
 * qrt_style_dialog_new:
 * @parent: the window to stay above
 * @layer: the layer to style
 *
 * Returns: (transfer none): a new dialog showing @layer's style; not yet presented
 */
QrtStyleDialog *
qrt_style_dialog_new (GtkWindow       *parent,
                      QrtProjectLayer *layer)
{
  QrtStyleDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (layer), NULL);

  self = g_object_new (QRT_TYPE_STYLE_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->layer = g_object_ref (layer);
  self->style = *qrt_project_layer_get_style (layer);
  remember_names (self);

  /* Translators: the title of the style dialog; %s is a layer's title */
  title = g_strdup_printf (_("Style of “%s”"), qrt_project_layer_get_title (layer));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_subtitle (self->window_title, qrt_project_layer_get_title (layer));

  load_style (self);
  update_preview (self);
  update_sensitivity (self);

  return self;
}

QrtProjectLayer *
qrt_style_dialog_get_layer (QrtStyleDialog *self)
{
  g_return_val_if_fail (QRT_IS_STYLE_DIALOG (self), NULL);

  return self->layer;
}

/**
 * qrt_style_dialog_get_style:
 *
 * Returns: (transfer none): the style as edited so far
 */
const QrtStyle *
qrt_style_dialog_get_style (QrtStyleDialog *self)
{
  g_return_val_if_fail (QRT_IS_STYLE_DIALOG (self), NULL);

  return &self->style;
}

/**
 * qrt_style_dialog_get_busy:
 *
 * Returns: whether classes are being computed for the latest change
 */
gboolean
qrt_style_dialog_get_busy (QrtStyleDialog *self)
{
  g_return_val_if_fail (QRT_IS_STYLE_DIALOG (self), FALSE);

  return self->classify_timeout_id != 0 || self->classify_cancellable != NULL;
}

/**
 * qrt_style_dialog_apply:
 *
 * Gives the layer the edited style (the window then redraws and saves it).
 *
 * Returns: %FALSE if there is nothing valid to apply yet
 */
gboolean
qrt_style_dialog_apply (QrtStyleDialog *self)
{
  g_return_val_if_fail (QRT_IS_STYLE_DIALOG (self), FALSE);

  if (qrt_style_dialog_get_busy (self) || self->error != NULL)
    return FALSE;

  g_object_set_data (G_OBJECT (self->layer), METHOD_KEY,
                     GUINT_TO_POINTER (adw_combo_row_get_selected (self->method_row) + 1));
  g_object_set_data (G_OBJECT (self->layer), RAMP_KEY,
                     GUINT_TO_POINTER (adw_combo_row_get_selected (self->ramp_row) + 1));
  qrt_project_layer_set_style (self->layer, &self->style);
  return TRUE;
}
