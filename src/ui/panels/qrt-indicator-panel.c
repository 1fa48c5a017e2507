/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "qrt-indicator-panel.h"
#include "qrt-ui.h"
#include "charts/qrt-chart-view.h"

/* The districts layer of a project, and the fields the zonal engine reads from it. */
#define DISTRICTS_LAYER "districts"
#define DISTRICT_ID_FIELD "district_id"
#define DISTRICT_NAME_FIELD "name"

/* The line chart's indicator and the profile's axes; missing ones are left out. */
#define SERIES_INDICATOR "population"
static const char *const profile_indicators[] = {
  "sealed_share", "green_per_resident", "share_65plus", "density", "trees_per_1000",
  "heat_vulnerability",
};

#define TOTAL_ROW G_MAXUINT

/* One row of the table: a district (its index in the QrtIndicatorTable) or the town total. */
#define QRT_TYPE_INDICATOR_ROW (qrt_indicator_row_get_type ())
G_DECLARE_FINAL_TYPE (QrtIndicatorRow, qrt_indicator_row, QRT, INDICATOR_ROW, GObject)

struct _QrtIndicatorRow
{
  GObject parent_instance;
  guint   district;
};

G_DEFINE_FINAL_TYPE (QrtIndicatorRow, qrt_indicator_row, G_TYPE_OBJECT)

static void
qrt_indicator_row_class_init (QrtIndicatorRowClass *klass)
{
}

static void
qrt_indicator_row_init (QrtIndicatorRow *self)
{
}

static QrtIndicatorRow *
qrt_indicator_row_new (guint district)
{
  QrtIndicatorRow *row = g_object_new (QRT_TYPE_INDICATOR_ROW, NULL);

  row->district = district;
  /* The type is private; code outside (the UI tests) reads the district from here. */
  g_object_set_data (G_OBJECT (row), "qrt-district", GUINT_TO_POINTER (district));
  return row;
}

/* What a table column shows; -1 for the district names. Owned by the column's factory. */
typedef struct
{
  QrtIndicatorPanel *panel;   /* unowned: the panel outlives its columns */
  int                indicator;
  int                decimals;
} Column;

struct _QrtIndicatorPanel
{
  AdwBin              parent_instance;

  /* Template children */
  GtkStack           *state_stack;
  GtkSpinner         *spinner;
  AdwStatusPage      *error_page;
  GtkDropDown        *indicator_dropdown;
  GtkLabel           *info_title;
  GtkLabel           *info_description;
  GtkLabel           *info_reference;
  GtkLabel           *info_source;
  GtkLabel           *info_date;
  GtkDropDown        *method_dropdown;
  GtkColumnView      *column_view;
  GtkStack           *chart_stack;
  QrtChartView       *bar_view;
  QrtChartView       *series_view;
  GtkStack           *profile_stack;
  QrtChartView       *radar_view;
  GtkDropDown        *x_dropdown;
  GtkDropDown        *y_dropdown;
  GtkLabel           *r_label;
  QrtChartView       *scatter_view;

  QrtProject         *project;
  QrtSelection       *selection;
  gulong              selection_changed_id;
  GCancellable       *cancellable;     /* the running evaluation */
  QrtIndicatorTable  *table;           /* NULL until evaluated */

  GListStore         *rows;            /* QrtIndicatorRow, districts then the total */
  GtkMultiSelection  *row_selection;   /* over the sorted rows */
  GArray             *choosable;       /* indicator indices offered in the drop-downs */
  GHashTable         *feature_to_district;
  gboolean            syncing;         /* a selection change we make ourselves */
};

G_DEFINE_FINAL_TYPE (QrtIndicatorPanel, qrt_indicator_panel, ADW_TYPE_BIN)

enum
{
  SHOW_ON_MAP,
  ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers */

static int
indicator_decimals (QrtIndicatorTable *table,
                    guint              indicator)
{
  guint n = qrt_indicator_table_get_n_districts (table);
  double max = 0;

  for (guint d = 0; d < n; d++)
    {
      double v = qrt_indicator_table_get_value (table, indicator, d);

      if (isfinite (v))
        max = MAX (max, fabs (v));
    }

  return qrt_chart_decimals_for (max);
}

static char *
column_title (const QrtIndicator *indicator)
{
  if (indicator->unit != NULL && indicator->unit[0] != '\0')
    return g_strdup_printf ("%s (%s)", indicator->title, indicator->unit);

  return g_strdup (indicator->title);
}

static gboolean
district_selected (QrtIndicatorPanel *self,
                   guint              district)
{
  if (self->selection == NULL || self->table == NULL)
    return FALSE;

  return qrt_selection_contains (self->selection, DISTRICTS_LAYER,
                                 qrt_indicator_table_get_district_feature (self->table, district));
}

/* The table's indices of the selected districts, in feature order. */
static GArray *
selected_districts (QrtIndicatorPanel *self)
{
  GArray *districts = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) features = NULL;

  if (self->selection == NULL || self->table == NULL ||
      g_strcmp0 (qrt_selection_get_layer_name (self->selection), DISTRICTS_LAYER) != 0)
    return districts;

  features = qrt_selection_get_features (self->selection);
  for (guint i = 0; i < features->len; i++)
    {
      gpointer district;

      if (g_hash_table_lookup_extended (self->feature_to_district,
                                        GUINT_TO_POINTER (g_array_index (features, guint, i)),
                                        NULL, &district))
        {
          guint d = GPOINTER_TO_UINT (district);

          g_array_append_val (districts, d);
        }
    }

  return districts;
}

static int
chosen_indicator (QrtIndicatorPanel *self,
                  GtkDropDown       *dropdown)
{
  guint position = gtk_drop_down_get_selected (dropdown);

  if (self->choosable == NULL || position >= self->choosable->len)
    return -1;

  return g_array_index (self->choosable, guint, position);
}

static const char **
district_names (QrtIndicatorTable *table)
{
  guint n = qrt_indicator_table_get_n_districts (table);
  const char **names = g_new0 (const char *, n + 1);

  for (guint d = 0; d < n; d++)
    names[d] = qrt_indicator_table_get_district_name (table, d);

  return names;
}

static char *
data_date (QrtIndicatorPanel *self)
{
  g_autoptr(GDateTime) when = NULL;
  QrtProjectLayer *layer = qrt_project_find_layer (self->project, DISTRICTS_LAYER);
  const char *imported_at = layer != NULL ? qrt_project_layer_get_imported_at (layer) : NULL;

  if (imported_at != NULL && imported_at[0] != '\0')
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

      when = g_date_time_new_from_iso8601 (imported_at, utc);
    }

  /* Layers created by Quartier itself (the demo) have no import date: the file's is next best. */
  if (when == NULL && qrt_project_get_path (self->project) != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (qrt_project_get_path (self->project));
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED,
                                                     G_FILE_QUERY_INFO_NONE, NULL, NULL);

      if (info != NULL)
        when = g_file_info_get_modification_date_time (info);
    }

  if (when == NULL)
    return NULL;

  {
    g_autoptr(GDateTime) local = g_date_time_to_local (when);

    /* Translators: a date as in "Data as of 22.11.2026", in strftime() format */
    return g_date_time_format (local, _("%d.%m.%Y"));
  }
}

/* Charts */

static void
update_bar_chart (QrtIndicatorPanel *self)
{
  g_autoptr(QrtChart) chart = NULL;
  g_autoptr(GArray) selected = NULL;
  g_autofree const char **names = NULL;
  g_autofree double *values = NULL;
  const QrtIndicator *indicator;
  int index = chosen_indicator (self, self->indicator_dropdown);
  guint n;

  if (index < 0)
    return;

  indicator = qrt_indicator_table_get_indicator (self->table, index);
  n = qrt_indicator_table_get_n_districts (self->table);
  names = district_names (self->table);
  values = g_new (double, n);
  for (guint d = 0; d < n; d++)
    values[d] = qrt_indicator_table_get_value (self->table, index, d);
  selected = selected_districts (self);

  chart = qrt_chart_new_bar (indicator->title, indicator->unit, names, values, n,
                             (const guint *) selected->data, selected->len,
                             indicator->reference, indicator->reference_label);
  qrt_chart_view_set_chart (self->bar_view, chart);
}

static void
update_series_chart (QrtIndicatorPanel *self)
{
  g_autoptr(QrtChart) chart = NULL;
  g_autoptr(GArray) selected = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree int *years = NULL;
  g_autofree double *values = NULL;
  const QrtIndicator *indicator;
  int index = qrt_indicator_table_find_indicator (self->table, SERIES_INDICATOR);
  guint n_years;
  guint n_series;

  if (index < 0 || qrt_indicator_table_get_n_years (self->table, index) == 0)
    {
      qrt_chart_view_set_chart (self->series_view, NULL);
      return;
    }

  indicator = qrt_indicator_table_get_indicator (self->table, index);
  n_years = qrt_indicator_table_get_n_years (self->table, index);
  years = g_new (int, n_years);
  for (guint y = 0; y < n_years; y++)
    years[y] = qrt_indicator_table_get_year (self->table, index, y);

  /* One line per selected district, or the whole town when none is selected. */
  selected = selected_districts (self);
  n_series = MAX (selected->len, 1);
  values = g_new (double, n_series * n_years);

  if (selected->len == 0)
    {
      guint n = qrt_indicator_table_get_n_districts (self->table);

      g_ptr_array_add (names, (gpointer) _("Whole town"));
      for (guint y = 0; y < n_years; y++)
        {
          double sum = 0;
          guint counted = 0;

          for (guint d = 0; d < n; d++)
            {
              double v = qrt_indicator_table_get_series_value (self->table, index, d, y);

              if (isfinite (v))
                {
                  sum += v;
                  counted++;
                }
            }
          values[y] = counted > 0 ? sum : NAN;
        }
    }
  else
    {
      for (guint s = 0; s < selected->len; s++)
        {
          guint d = g_array_index (selected, guint, s);

          const char *name = qrt_indicator_table_get_district_name (self->table, d);

          g_ptr_array_add (names, (gpointer) name);
          for (guint y = 0; y < n_years; y++)
            values[s * n_years + y] =
              qrt_indicator_table_get_series_value (self->table, index, d, y);
        }
    }

  /* The definition names the first forecast year, the chart the last observed one. */
  chart = qrt_chart_new_series (indicator->title, indicator->unit, years, n_years,
                                (const char *const *) names->pdata, values, n_series,
                                NULL, 0,
                                indicator->forecast_from > 0 ? indicator->forecast_from - 1 : 0);
  qrt_chart_view_set_chart (self->series_view, chart);
}

static void
update_radar_chart (QrtIndicatorPanel *self)
{
  g_autoptr(QrtChart) chart = NULL;
  g_autoptr(GArray) selected = selected_districts (self);
  const char *axes[G_N_ELEMENTS (profile_indicators)];
  const char *units[G_N_ELEMENTS (profile_indicators)];
  double values[G_N_ELEMENTS (profile_indicators)];
  double mean[G_N_ELEMENTS (profile_indicators)];
  double min[G_N_ELEMENTS (profile_indicators)];
  double max[G_N_ELEMENTS (profile_indicators)];
  guint n_districts = qrt_indicator_table_get_n_districts (self->table);
  guint n_axes = 0;
  guint district;

  if (selected->len == 0)
    {
      gtk_stack_set_visible_child_name (self->profile_stack, "hint");
      qrt_chart_view_set_chart (self->radar_view, NULL);
      return;
    }

  district = g_array_index (selected, guint, 0);

  for (guint i = 0; i < G_N_ELEMENTS (profile_indicators); i++)
    {
      int index = qrt_indicator_table_find_indicator (self->table, profile_indicators[i]);
      const QrtIndicator *indicator;
      double sum = 0;
      guint counted = 0;

      if (index < 0 || qrt_indicator_table_get_unavailable (self->table, index) != NULL)
        continue;

      indicator = qrt_indicator_table_get_indicator (self->table, index);
      axes[n_axes] = indicator->title;
      units[n_axes] = indicator->unit;
      values[n_axes] = qrt_indicator_table_get_value (self->table, index, district);
      min[n_axes] = INFINITY;
      max[n_axes] = -INFINITY;

      /* The town average as the mean of the districts, so that every axis has one. */
      for (guint d = 0; d < n_districts; d++)
        {
          double v = qrt_indicator_table_get_value (self->table, index, d);

          if (!isfinite (v))
            continue;
          sum += v;
          counted++;
          min[n_axes] = MIN (min[n_axes], v);
          max[n_axes] = MAX (max[n_axes], v);
        }

      if (counted == 0)
        continue;

      mean[n_axes] = sum / counted;
      n_axes++;
    }

  if (n_axes < 3)
    {
      gtk_stack_set_visible_child_name (self->profile_stack, "hint");
      qrt_chart_view_set_chart (self->radar_view, NULL);
      return;
    }

  chart = qrt_chart_new_radar (_("Profile"),
                               qrt_indicator_table_get_district_name (self->table, district),
                               axes, units, values, mean, _("Town average"), min, max, n_axes);
  qrt_chart_view_set_chart (self->radar_view, chart);
  gtk_stack_set_visible_child_name (self->profile_stack, "chart");
}

static void
update_scatter_chart (QrtIndicatorPanel *self)
{
  g_autoptr(QrtChart) chart = NULL;
  g_autoptr(GArray) selected = NULL;
  g_autofree const char **names = NULL;
  g_autofree double *xs = NULL;
  g_autofree double *ys = NULL;
  const QrtIndicator *x_indicator;
  const QrtIndicator *y_indicator;
  int x = chosen_indicator (self, self->x_dropdown);
  int y = chosen_indicator (self, self->y_dropdown);
  double r;
  guint n;

  if (x < 0 || y < 0)
    return;

  x_indicator = qrt_indicator_table_get_indicator (self->table, x);
  y_indicator = qrt_indicator_table_get_indicator (self->table, y);
  n = qrt_indicator_table_get_n_districts (self->table);
  names = district_names (self->table);
  xs = g_new (double, n);
  ys = g_new (double, n);
  for (guint d = 0; d < n; d++)
    {
      xs[d] = qrt_indicator_table_get_value (self->table, x, d);
      ys[d] = qrt_indicator_table_get_value (self->table, y, d);
    }
  selected = selected_districts (self);

  chart = qrt_chart_new_scatter (NULL,
                                 x_indicator->title, x_indicator->unit,
                                 y_indicator->title, y_indicator->unit,
                                 names, xs, ys, n,
                                 (const guint *) selected->data, selected->len);
  qrt_chart_view_set_chart (self->scatter_view, chart);

  if (qrt_chart_get_regression (chart, &r, NULL, NULL))
    {
      g_autofree char *number = qrt_format_number (r, 2);
      g_autofree char *text = NULL;

      /* Translators: Pearson's correlation coefficient, e.g. "Correlation r = 0,82" */
      text = g_strdup_printf (_("Correlation r = %s"), number);
      gtk_label_set_label (self->r_label, text);
    }
  else
    {
      gtk_label_set_label (self->r_label, "");
    }
}

static void
update_info (QrtIndicatorPanel *self)
{
  g_autofree char *source = NULL;
  g_autofree char *date = NULL;
  g_autofree char *date_text = NULL;
  g_autofree char *reference = NULL;
  const QrtIndicator *indicator;
  const char *unavailable;
  int index = chosen_indicator (self, self->indicator_dropdown);

  if (index < 0)
    return;

  indicator = qrt_indicator_table_get_indicator (self->table, index);
  unavailable = qrt_indicator_table_get_unavailable (self->table, index);

  gtk_label_set_label (self->info_title, indicator->title);
  gtk_label_set_label (self->info_description,
                       unavailable != NULL ? unavailable
                       : indicator->description != NULL ? indicator->description : "");

  if (isfinite (indicator->reference))
    {
      /* "6 m²", not "6.0 m²": guide values are mostly whole numbers. */
      int decimals = indicator->reference == round (indicator->reference)
                     ? 0 : qrt_chart_decimals_for (fabs (indicator->reference));
      g_autofree char *value = qrt_format_number (indicator->reference, decimals);

      const char *label = indicator->reference_label;

      /* Translators: a guide value, e.g. "Guide value: 6 m² (GALK)" */
      reference = g_strdup_printf (_("Guide value: %s %s%s%s%s"), value,
                                   indicator->unit != NULL ? indicator->unit : "",
                                   label != NULL ? " (" : "",
                                   label != NULL ? label : "",
                                   label != NULL ? ")" : "");
    }
  gtk_label_set_label (self->info_reference, reference != NULL ? reference : "");
  gtk_widget_set_visible (GTK_WIDGET (self->info_reference), reference != NULL);

  if (indicator->source != NULL && indicator->source[0] != '\0')
    /* Translators: where the data of an indicator come from */
    source = g_strdup_printf (_("Source: %s"), indicator->source);
  gtk_label_set_label (self->info_source, source != NULL ? source : "");
  gtk_widget_set_visible (GTK_WIDGET (self->info_source), source != NULL);

  date = data_date (self);
  if (date != NULL)
    /* Translators: the date of the data, e.g. "Data as of 22.11.2026" */
    date_text = g_strdup_printf (_("Data as of %s"), date);
  gtk_label_set_label (self->info_date, date_text != NULL ? date_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->info_date), date_text != NULL);
}

/* Whatever follows the selection: all charts but the one that only follows its drop-downs. */
static void
update_selection_charts (QrtIndicatorPanel *self)
{
  if (self->table == NULL)
    return;

  update_bar_chart (self);
  update_series_chart (self);
  update_radar_chart (self);
  update_scatter_chart (self);
}

/* Table */

static const char *
cell_text (Column          *column,
           QrtIndicatorRow *row,
           char           **owned)
{
  QrtIndicatorTable *table = column->panel->table;
  double value;

  if (table == NULL)
    return "";

  if (column->indicator < 0)
    return row->district == TOTAL_ROW
           ? _("Whole town")
           : qrt_indicator_table_get_district_name (table, row->district);

  if (row->district == TOTAL_ROW)
    {
      gboolean is_sum = FALSE;

      /* Ratios have no total: a sum of shares means nothing, so the cell stays empty. */
      value = qrt_indicator_table_get_total (table, column->indicator, &is_sum);
      if (!isfinite (value))
        return "";
    }
  else
    {
      value = qrt_indicator_table_get_value (table, column->indicator, row->district);
    }

  *owned = qrt_format_number (value, column->decimals);
  return *owned;
}

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               Column                   *column)
{
  GtkWidget *label = gtk_label_new (NULL);

  if (column->indicator >= 0)
    {
      const QrtIndicator *indicator =
        qrt_indicator_table_get_indicator (column->panel->table, column->indicator);

      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "numeric");
      /* Lets the tests find a column's cells. */
      gtk_widget_set_name (label, indicator->id);
    }
  else
    {
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_name (label, "district-name");
    }

  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              Column                   *column)
{
  QrtIndicatorRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *owned = NULL;

  gtk_label_set_label (GTK_LABEL (label), cell_text (column, row, &owned));
  g_object_set_data (G_OBJECT (label), "qrt-district", GUINT_TO_POINTER (row->district));

  if (row->district == TOTAL_ROW)
    gtk_widget_add_css_class (label, "heading");
  else
    gtk_widget_remove_css_class (label, "heading");
}

static int
compare_values (double a,
                double b)
{
  /* Districts without a value sort after those with one. */
  if (isnan (a) || isnan (b))
    return isnan (a) - isnan (b);

  return (a > b) - (a < b);
}

static int
column_compare_cb (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  const QrtIndicatorRow *row_a = a;
  const QrtIndicatorRow *row_b = b;
  Column *column = user_data;
  QrtIndicatorTable *table = column->panel->table;

  if (table == NULL || row_a->district == TOTAL_ROW || row_b->district == TOTAL_ROW)
    return GTK_ORDERING_EQUAL;

  if (column->indicator < 0)
    return g_utf8_collate (qrt_indicator_table_get_district_name (table, row_a->district),
                           qrt_indicator_table_get_district_name (table, row_b->district));

  return compare_values (qrt_indicator_table_get_value (table, column->indicator, row_a->district),
                         qrt_indicator_table_get_value (table, column->indicator, row_b->district));
}

/* Ahead of the columns' sorter, whichever direction that sorts in: the total stays last. */
static int
total_last_cb (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const QrtIndicatorRow *row_a = a;
  const QrtIndicatorRow *row_b = b;

  return (row_a->district == TOTAL_ROW) - (row_b->district == TOTAL_ROW);
}

static GtkColumnViewColumn *
make_column (QrtIndicatorPanel *self,
             int                indicator)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkSorter) sorter = NULL;
  g_autofree char *title = NULL;
  GtkColumnViewColumn *column;
  Column *data = g_new0 (Column, 1);

  data->panel = self;
  data->indicator = indicator;
  data->decimals = indicator >= 0 ? indicator_decimals (self->table, indicator) : 0;

  g_signal_connect_data (factory, "setup", G_CALLBACK (cell_setup_cb), data,
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), data);

  if (indicator >= 0)
    title = column_title (qrt_indicator_table_get_indicator (self->table, indicator));
  else
    title = g_strdup (C_("column", "District"));

  column = gtk_column_view_column_new (title, factory);
  sorter = GTK_SORTER (gtk_custom_sorter_new (column_compare_cb, data, NULL));
  gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  /* Wide enough for most titles; longer ones are ellipsized and have the header's tooltip. */
  gtk_column_view_column_set_fixed_width (column,
                                          indicator >= 0
                                          ? CLAMP ((int) g_utf8_strlen (title, -1) * 8 + 24,
                                                   110, 240)
                                          : 170);

  return column;
}

/* GtkColumnView 4.8 has no API for a header's tooltip: its title widgets are the children of
 * the header row, one per visible column, in order. */
static void
set_header_tooltips (QrtIndicatorPanel *self)
{
  GtkWidget *header = NULL;
  GtkWidget *title;
  guint position = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_css_name (child), "header") == 0)
      header = child;

  if (header == NULL)
    return;

  for (title = gtk_widget_get_first_child (header);
       title != NULL;
       title = gtk_widget_get_next_sibling (title), position++)
    {
      g_autofree char *tooltip = NULL;
      const QrtIndicator *indicator;
      const char *unavailable;
      int index;

      if (position == 0)
        {
          gtk_widget_set_tooltip_text (title, NULL);
          continue;
        }

      index = position - 1;
      if ((guint) index >= qrt_indicator_table_get_n_indicators (self->table))
        break;

      indicator = qrt_indicator_table_get_indicator (self->table, index);
      unavailable = qrt_indicator_table_get_unavailable (self->table, index);
      if (unavailable != NULL)
        /* Translators: tooltip of a table column whose indicator could not be computed */
        tooltip = g_strdup_printf (_("%s\nNot available: %s"), indicator->title, unavailable);
      else if (indicator->description != NULL)
        tooltip = g_strdup_printf ("%s\n%s", indicator->title, indicator->description);
      else
        tooltip = g_strdup (indicator->title);

      gtk_widget_set_tooltip_text (title, tooltip);
    }
}

static void
clear_columns (QrtIndicatorPanel *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->column_view, column);
    }
}

static GtkStringList *
choosable_model (QrtIndicatorPanel *self)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < self->choosable->len; i++)
    {
      const QrtIndicator *indicator =
        qrt_indicator_table_get_indicator (self->table, g_array_index (self->choosable, guint, i));

      gtk_string_list_append (list, indicator->title);
    }

  return list;
}

static guint
choosable_position (QrtIndicatorPanel *self,
                    const char        *id,
                    guint              fallback)
{
  int index = qrt_indicator_table_find_indicator (self->table, id);

  for (guint i = 0; index >= 0 && i < self->choosable->len; i++)
    if (g_array_index (self->choosable, guint, i) == (guint) index)
      return i;

  return MIN (fallback, self->choosable->len > 0 ? self->choosable->len - 1 : 0);
}

static void
sync_rows_from_selection (QrtIndicatorPanel *self)
{
  GListModel *model = G_LIST_MODEL (self->row_selection);
  g_autoptr(GtkBitset) selected = gtk_bitset_new_empty ();
  g_autoptr(GtkBitset) mask = gtk_bitset_new_empty ();
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtIndicatorRow) row = g_list_model_get_item (model, i);

      if (row->district != TOTAL_ROW && district_selected (self, row->district))
        gtk_bitset_add (selected, i);
    }

  gtk_bitset_add_range (mask, 0, n);
  self->syncing = TRUE;
  gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->row_selection), selected, mask);
  self->syncing = FALSE;
}

static void
set_actions_enabled (QrtIndicatorPanel *self,
                     gboolean           enabled)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "indicators.show-on-map", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "indicators.export-csv", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "indicators.export-chart", enabled);
}

static void
show_table (QrtIndicatorPanel *self)
{
  g_autoptr(GtkStringList) titles = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_indicators = qrt_indicator_table_get_n_indicators (self->table);
  guint n_districts = qrt_indicator_table_get_n_districts (self->table);

  /* Rows first: the old ones may name districts the new table does not have. */
  g_list_store_remove_all (self->rows);
  g_hash_table_remove_all (self->feature_to_district);
  for (guint d = 0; d < n_districts; d++)
    {
      guint feature = qrt_indicator_table_get_district_feature (self->table, d);

      g_hash_table_insert (self->feature_to_district, GUINT_TO_POINTER (feature),
                           GUINT_TO_POINTER (d));
    }

  clear_columns (self);
  {
    g_autoptr(GtkColumnViewColumn) name = make_column (self, -1);

    gtk_column_view_append_column (self->column_view, name);
  }

  g_array_set_size (self->choosable, 0);
  for (guint i = 0; i < n_indicators; i++)
    {
      const QrtIndicator *indicator = qrt_indicator_table_get_indicator (self->table, i);
      g_autoptr(GtkColumnViewColumn) column = make_column (self, i);

      gtk_column_view_append_column (self->column_view, column);

      /* A series has a value per year; its column shows the current year, its chart the rest. */
      if (indicator->kind != QRT_KIND_SERIES)
        g_array_append_val (self->choosable, i);
    }

  for (guint d = 0; d < n_districts; d++)
    g_ptr_array_add (rows, qrt_indicator_row_new (d));
  g_ptr_array_add (rows, qrt_indicator_row_new (TOTAL_ROW));
  g_list_store_splice (self->rows, 0, 0, rows->pdata, rows->len);

  /* The drop-downs change the charts through their notify handlers; block them while all
   * three get new models, and draw once afterwards. */
  self->syncing = TRUE;
  titles = choosable_model (self);
  gtk_drop_down_set_model (self->indicator_dropdown, G_LIST_MODEL (titles));
  gtk_drop_down_set_model (self->x_dropdown, G_LIST_MODEL (titles));
  gtk_drop_down_set_model (self->y_dropdown, G_LIST_MODEL (titles));
  gtk_drop_down_set_selected (self->indicator_dropdown,
                              choosable_position (self, "green_per_resident", 0));
  gtk_drop_down_set_selected (self->x_dropdown, choosable_position (self, "sealed_share", 0));
  gtk_drop_down_set_selected (self->y_dropdown,
                              choosable_position (self, "heat_vulnerability", 1));
  self->syncing = FALSE;

  sync_rows_from_selection (self);
  update_info (self);
  update_selection_charts (self);
  set_header_tooltips (self);

  set_actions_enabled (self, TRUE);
  gtk_spinner_stop (self->spinner);
  gtk_stack_set_visible_child_name (self->state_stack, "content");
}

static void
show_error (QrtIndicatorPanel *self,
            const char        *message)
{
  gtk_spinner_stop (self->spinner);
  adw_status_page_set_description (self->error_page, message);
  gtk_stack_set_visible_child_name (self->state_stack, "error");
  g_signal_emit (self, signals[ERROR], 0, message);
}

/* Evaluation */

static void
evaluate_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QrtIndicatorPanel) self = user_data;
  g_autoptr(QrtIndicatorTable) table = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  table = qrt_zonal_evaluate_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (table == NULL)
    {
      g_warning ("Evaluating indicators: %s", error->message);
      message = g_strdup_printf (_("The indicators could not be computed: %s"), error->message);
      show_error (self, message);
      return;
    }

  g_clear_pointer (&self->table, qrt_indicator_table_unref);
  self->table = g_steal_pointer (&table);
  show_table (self);
}

static void
evaluate (QrtIndicatorPanel *self)
{
  g_autoptr(QrtIndicatorSet) set = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *set_path = NULL;
  QrtZonalInput *input;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_actions_enabled (self, FALSE);

  /* The columns' cells read the table: they go first. */
  g_list_store_remove_all (self->rows);
  clear_columns (self);
  g_array_set_size (self->choosable, 0);
  g_clear_pointer (&self->table, qrt_indicator_table_unref);

  if (self->project == NULL)
    {
      gtk_spinner_stop (self->spinner);
      gtk_stack_set_visible_child_name (self->state_stack, "empty");
      return;
    }

  if (qrt_project_find_layer (self->project, DISTRICTS_LAYER) == NULL)
    {
      g_autofree char *message =
        /* Translators: %s is a layer's name; do not translate it */
        g_strdup_printf (_("The project has no layer “%s”: "
                           "indicators are computed per district."),
                         DISTRICTS_LAYER);

      show_error (self, message);
      return;
    }

  set_path = qrt_indicator_default_path ();
  set = qrt_indicator_set_load_file (set_path, &error);
  if (set == NULL)
    {
      g_autofree char *message = NULL;

      g_warning ("Loading indicator definitions %s: %s", set_path, error->message);
      message = g_strdup_printf (_("The indicator definitions could not be read: %s"),
                                 error->message);
      show_error (self, message);
      return;
    }

  input = qrt_zonal_input_from_project (self->project, DISTRICTS_LAYER, DISTRICT_ID_FIELD,
                                        DISTRICT_NAME_FIELD);
  self->cancellable = g_cancellable_new ();

  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->state_stack, "loading");
  qrt_zonal_evaluate_async (input, set, self->cancellable, evaluate_cb, g_object_ref (self));
}

/* Callbacks */

static void
row_selection_changed_cb (GtkSelectionModel *model,
                          guint              position,
                          guint              n_items,
                          QrtIndicatorPanel *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GArray) features = NULL;
  GtkBitsetIter iter;
  guint i;

  if (self->syncing || self->selection == NULL || self->table == NULL)
    return;

  features = g_array_new (FALSE, FALSE, sizeof (guint));
  selected = gtk_selection_model_get_selection (model);
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &i);
       ok;
       ok = gtk_bitset_iter_next (&iter, &i))
    {
      g_autoptr(QrtIndicatorRow) row = g_list_model_get_item (G_LIST_MODEL (model), i);
      guint feature;

      if (row->district == TOTAL_ROW)
        continue;

      feature = qrt_indicator_table_get_district_feature (self->table, row->district);
      g_array_append_val (features, feature);
    }

  self->syncing = TRUE;
  if (features->len > 0)
    qrt_selection_select (self->selection, DISTRICTS_LAYER, (const guint *) features->data,
                          features->len, FALSE);
  else if (g_strcmp0 (qrt_selection_get_layer_name (self->selection), DISTRICTS_LAYER) == 0)
    qrt_selection_clear (self->selection);
  self->syncing = FALSE;
}

static void
selection_changed_cb (QrtSelection      *selection,
                      QrtIndicatorPanel *self)
{
  if (self->table == NULL)
    return;

  if (!self->syncing)
    sync_rows_from_selection (self);

  update_selection_charts (self);
}

static void
indicator_selected_cb (QrtIndicatorPanel *self)
{
  if (self->syncing || self->table == NULL)
    return;

  update_info (self);
  update_bar_chart (self);
}

static void
axis_selected_cb (QrtIndicatorPanel *self)
{
  if (self->syncing || self->table == NULL)
    return;

  update_scatter_chart (self);
}

/* A click on a bar or point selects that district alone, as a click on the map does. */
static void
district_activated_cb (QrtChartView      *view,
                       int                district,
                       QrtIndicatorPanel *self)
{
  guint feature;

  if (self->table == NULL || self->selection == NULL ||
      district < 0 || (guint) district >= qrt_indicator_table_get_n_districts (self->table))
    return;

  feature = qrt_indicator_table_get_district_feature (self->table, district);
  qrt_selection_select (self->selection, DISTRICTS_LAYER, &feature, 1, FALSE);
}

static void
chart_error_cb (QrtChartView      *view,
                const char        *message,
                QrtIndicatorPanel *self)
{
  g_signal_emit (self, signals[ERROR], 0, message);
}

/* Actions */

static void
show_on_map_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  QrtIndicatorPanel *self = QRT_INDICATOR_PANEL (widget);
  static const QrtClassifyMethod methods[] = {
    QRT_CLASSIFY_QUANTILE, QRT_CLASSIFY_EQUAL_INTERVAL, QRT_CLASSIFY_JENKS,
  };
  g_autoptr(QrtLayer) coloured = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *values = NULL;
  const QrtIndicator *indicator;
  QrtProjectLayer *project_layer;
  QrtLayer *districts;
  QrtStyle style;
  guint method = gtk_drop_down_get_selected (self->method_dropdown);
  int index = chosen_indicator (self, self->indicator_dropdown);
  guint n_features;

  if (index < 0 || self->project == NULL || self->table == NULL)
    return;

  project_layer = qrt_project_find_layer (self->project, DISTRICTS_LAYER);
  if (project_layer == NULL)
    return;

  districts = qrt_project_layer_get_layer (project_layer);
  indicator = qrt_indicator_table_get_indicator (self->table, index);
  n_features = qrt_layer_get_n_features (districts);
  values = g_new (double, n_features);
  for (guint f = 0; f < n_features; f++)
    values[f] = NAN;
  for (guint d = 0; d < qrt_indicator_table_get_n_districts (self->table); d++)
    {
      guint feature = qrt_indicator_table_get_district_feature (self->table, d);

      if (feature < n_features)
        values[feature] = qrt_indicator_table_get_value (self->table, index, d);
    }

  coloured = qrt_layer_with_column (districts, "indicator", values);
  qrt_style_init_default (&style, qrt_layer_get_geometry_kind (coloured), 0);
  style.opacity = 0.8;

  /* Composite indices are standardised around the town's mean: two-sided colours. */
  if (!qrt_style_make_graduated (&style, coloured, "indicator",
                                 methods[MIN (method, G_N_ELEMENTS (methods) - 1)], 5, NULL,
                                 indicator->kind == QRT_KIND_COMPOSITE
                                 ? QRT_RAMP_DIVERGING : QRT_RAMP_SEQUENTIAL,
                                 &error))
    {
      g_autofree char *message = NULL;

      g_warning ("Classifying %s: %s", indicator->id, error->message);
      message = g_strdup_printf (_("“%s” cannot be shown on the map: %s"), indicator->title,
                                 error->message);
      g_signal_emit (self, signals[ERROR], 0, message);
      return;
    }

  {
    g_autofree char *title = indicator->unit != NULL && *indicator->unit
                             ? g_strdup_printf ("%s (%s)", indicator->title, indicator->unit)
                             : g_strdup (indicator->title);

    g_signal_emit (self, signals[SHOW_ON_MAP], 0, coloured, &style, title);
  }
}

static void
export_csv_response_cb (GtkNativeDialog   *dialog,
                        int                response,
                        QrtIndicatorPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      if (!qrt_indicator_panel_export_csv (self, file, &error))
        {
          g_autofree char *message = NULL;

          g_warning ("Writing CSV: %s", error->message);
          message = g_strdup_printf (_("The table could not be saved: %s"), error->message);
          g_signal_emit (self, signals[ERROR], 0, message);
        }
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
export_csv_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  QrtIndicatorPanel *self = QRT_INDICATOR_PANEL (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;
  GtkRoot *root = gtk_widget_get_root (widget);

  dialog = gtk_file_chooser_native_new (_("Save Table"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_filter_set_name (filter, _("CSV table"));
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);

  /* Translators: the file name suggested for the indicator table, without extension */
  name = g_strdup_printf ("%s.csv", _("indicators"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);

  g_signal_connect (dialog, "response", G_CALLBACK (export_csv_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_chart_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  QrtIndicatorPanel *self = QRT_INDICATOR_PANEL (widget);
  GtkWidget *view = qrt_indicator_panel_get_chart_view (self);

  if (view != NULL)
    qrt_chart_view_save_dialog (QRT_CHART_VIEW (view));
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  evaluate (QRT_INDICATOR_PANEL (widget));
}

/* Overrides */

static void
qrt_indicator_panel_dispose (GObject *object)
{
  QrtIndicatorPanel *self = QRT_INDICATOR_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->selection_changed_id, self->selection);
  g_clear_object (&self->selection);
  g_clear_object (&self->project);

  /* The columns' data point at the table: drop them before it. */
  if (self->column_view != NULL)
    {
      gtk_column_view_set_model (self->column_view, NULL);
      clear_columns (self);
    }

  /* AdwBin unparents the template's child, the stack, in its own dispose. */
  g_clear_object (&self->row_selection);
  g_clear_object (&self->rows);
  g_clear_pointer (&self->table, qrt_indicator_table_unref);

  G_OBJECT_CLASS (qrt_indicator_panel_parent_class)->dispose (object);
}

static void
qrt_indicator_panel_finalize (GObject *object)
{
  QrtIndicatorPanel *self = QRT_INDICATOR_PANEL (object);

  g_clear_pointer (&self->choosable, g_array_unref);
  g_clear_pointer (&self->feature_to_district, g_hash_table_unref);

  G_OBJECT_CLASS (qrt_indicator_panel_parent_class)->finalize (object);
}

static void
qrt_indicator_panel_class_init (QrtIndicatorPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrt_indicator_panel_dispose;
  object_class->finalize = qrt_indicator_panel_finalize;

  /**
   * QrtIndicatorPanel::show-on-map:
   * @layer: the districts with the chosen indicator in the column "indicator"
   * @style: a graduated style over that column
   * @title: the indicator's title and unit, for the legend
   *
   * The user asked to see the indicator as a choropleth map; the window adds @layer.
   */
  signals[SHOW_ON_MAP] =
    g_signal_new ("show-on-map",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  QRT_TYPE_LAYER,
                  QRT_TYPE_STYLE | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING);

  /**
   * QrtIndicatorPanel::error:
   * @message: translated, for a toast
   */
  signals[ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  qrt_ui_ensure_resources ();
  g_type_ensure (QRT_TYPE_CHART_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-indicator-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, state_stack);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, error_page);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, indicator_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, info_title);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, info_description);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, info_reference);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, info_source);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, info_date);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, column_view);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, chart_stack);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, bar_view);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, series_view);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, profile_stack);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, radar_view);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, x_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, y_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, r_label);
  gtk_widget_class_bind_template_child (widget_class, QrtIndicatorPanel, scatter_view);

  gtk_widget_class_install_action (widget_class, "indicators.show-on-map", NULL,
                                   show_on_map_action);
  gtk_widget_class_install_action (widget_class, "indicators.export-csv", NULL,
                                   export_csv_action);
  gtk_widget_class_install_action (widget_class, "indicators.export-chart", NULL,
                                   export_chart_action);
  gtk_widget_class_install_action (widget_class, "indicators.retry", NULL, retry_action);

  gtk_widget_class_set_css_name (widget_class, "qrtindicatorpanel");
}

static void
qrt_indicator_panel_init (QrtIndicatorPanel *self)
{
  g_autoptr(GtkMultiSorter) sorter = gtk_multi_sorter_new ();
  GtkSortListModel *sorted;
  QrtChartView *views[4];

  gtk_widget_init_template (GTK_WIDGET (self));

  self->choosable = g_array_new (FALSE, FALSE, sizeof (guint));
  self->feature_to_district = g_hash_table_new (NULL, NULL);
  self->rows = g_list_store_new (QRT_TYPE_INDICATOR_ROW);

  gtk_multi_sorter_append (sorter, GTK_SORTER (gtk_custom_sorter_new (total_last_cb, NULL, NULL)));
  gtk_multi_sorter_append (sorter, g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)),
                                    g_object_ref (GTK_SORTER (sorter)));
  self->row_selection = gtk_multi_selection_new (G_LIST_MODEL (sorted));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->row_selection));
  g_signal_connect (self->row_selection, "selection-changed",
                    G_CALLBACK (row_selection_changed_cb), self);

  g_signal_connect_swapped (self->indicator_dropdown, "notify::selected",
                            G_CALLBACK (indicator_selected_cb), self);
  g_signal_connect_swapped (self->x_dropdown, "notify::selected",
                            G_CALLBACK (axis_selected_cb), self);
  g_signal_connect_swapped (self->y_dropdown, "notify::selected",
                            G_CALLBACK (axis_selected_cb), self);

  views[0] = self->bar_view;
  views[1] = self->series_view;
  views[2] = self->radar_view;
  views[3] = self->scatter_view;
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    g_signal_connect (views[i], "error", G_CALLBACK (chart_error_cb), self);
  g_signal_connect (self->bar_view, "item-activated", G_CALLBACK (district_activated_cb), self);
  g_signal_connect (self->scatter_view, "item-activated",
                    G_CALLBACK (district_activated_cb), self);

  set_actions_enabled (self, FALSE);
  gtk_stack_set_visible_child_name (self->state_stack, "empty");
}

/* Public API */

GtkWidget *
qrt_indicator_panel_new (void)
{
  return g_object_new (QRT_TYPE_INDICATOR_PANEL, NULL);
}

/**
 * qrt_indicator_panel_set_project:
 * @project: (nullable): the open project
 * @selection: (nullable): the window's selection, shared with the map
 *
 * Evaluates the default indicators for @project's districts in a worker; a spinner shows
 * meanwhile, and a failure the error page and #QrtIndicatorPanel::error. A previous evaluation
 * is cancelled.
 */
void
qrt_indicator_panel_set_project (QrtIndicatorPanel *self,
                                 QrtProject        *project,
                                 QrtSelection      *selection)
{
  g_return_if_fail (QRT_IS_INDICATOR_PANEL (self));
  g_return_if_fail (project == NULL || QRT_IS_PROJECT (project));
  g_return_if_fail (selection == NULL || QRT_IS_SELECTION (selection));

  if (self->selection != selection)
    {
      g_clear_signal_handler (&self->selection_changed_id, self->selection);
      g_set_object (&self->selection, selection);
      if (selection != NULL)
        self->selection_changed_id =
          g_signal_connect (selection, "changed", G_CALLBACK (selection_changed_cb), self);
    }

  g_set_object (&self->project, project);
  evaluate (self);
}

/**
 * qrt_indicator_panel_get_table:
 *
 * Returns: (transfer none) (nullable): the values shown, %NULL while computing
 */
QrtIndicatorTable *
qrt_indicator_panel_get_table (QrtIndicatorPanel *self)
{
  g_return_val_if_fail (QRT_IS_INDICATOR_PANEL (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->state_stack), "content") != 0)
    return NULL;

  return self->table;
}

gboolean
qrt_indicator_panel_is_busy (QrtIndicatorPanel *self)
{
  g_return_val_if_fail (QRT_IS_INDICATOR_PANEL (self), FALSE);

  return g_strcmp0 (gtk_stack_get_visible_child_name (self->state_stack), "loading") == 0;
}

/**
 * qrt_indicator_panel_get_indicator:
 *
 * Returns: (nullable): the id of the indicator chosen for the ranking and the map
 */
const char *
qrt_indicator_panel_get_indicator (QrtIndicatorPanel *self)
{
  int index;

  g_return_val_if_fail (QRT_IS_INDICATOR_PANEL (self), NULL);

  index = chosen_indicator (self, self->indicator_dropdown);
  if (index < 0 || self->table == NULL)
    return NULL;

  return qrt_indicator_table_get_indicator (self->table, index)->id;
}

/**
 * qrt_indicator_panel_set_indicator:
 * @id: an indicator's id
 *
 * Returns: %FALSE if there is no such indicator to choose
 */
gboolean
qrt_indicator_panel_set_indicator (QrtIndicatorPanel *self,
                                   const char        *id)
{
  int index;

  g_return_val_if_fail (QRT_IS_INDICATOR_PANEL (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (self->table == NULL)
    return FALSE;

  index = qrt_indicator_table_find_indicator (self->table, id);
  for (guint i = 0; index >= 0 && i < self->choosable->len; i++)
    if (g_array_index (self->choosable, guint, i) == (guint) index)
      {
        gtk_drop_down_set_selected (self->indicator_dropdown, i);
        return TRUE;
      }

  return FALSE;
}

/**
 * qrt_indicator_panel_show_chart:
 * @name: "ranking", "series", "profile" or "scatter"
 */
void
qrt_indicator_panel_show_chart (QrtIndicatorPanel *self,
                                const char        *name)
{
  g_return_if_fail (QRT_IS_INDICATOR_PANEL (self));

  gtk_stack_set_visible_child_name (self->chart_stack, name);
}

/**
 * qrt_indicator_panel_get_chart_view:
 *
 * Returns: (transfer none) (nullable): the #QrtChartView of the chart tab shown, %NULL on the
 *   profile tab while no district is selected
 */
GtkWidget *
qrt_indicator_panel_get_chart_view (QrtIndicatorPanel *self)
{
  const char *name;

  g_return_val_if_fail (QRT_IS_INDICATOR_PANEL (self), NULL);

  name = gtk_stack_get_visible_child_name (self->chart_stack);
  if (g_strcmp0 (name, "series") == 0)
    return GTK_WIDGET (self->series_view);
  if (g_strcmp0 (name, "profile") == 0)
    return qrt_chart_view_get_chart (self->radar_view) != NULL ? GTK_WIDGET (self->radar_view)
                                                               : NULL;
  if (g_strcmp0 (name, "scatter") == 0)
    return GTK_WIDGET (self->scatter_view);

  return GTK_WIDGET (self->bar_view);
}

/**
 * qrt_indicator_panel_export_csv:
 * @file: where to write
 * @error: a #GError: no table yet, or why writing failed
 *
 * Writes the table as CSV (qrt_indicator_table_to_csv()). The file is replaced atomically:
 * a failed write leaves an older export intact.
 *
 * Returns: %TRUE on success
 */
gboolean
qrt_indicator_panel_export_csv (QrtIndicatorPanel  *self,
                                GFile              *file,
                                GError            **error)
{
  g_autofree char *csv = NULL;

  g_return_val_if_fail (QRT_IS_INDICATOR_PANEL (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->table == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("The indicators are not computed yet."));
      return FALSE;
    }

  csv = qrt_indicator_table_to_csv (self->table);
  return g_file_replace_contents (file, csv, strlen (csv), NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}
