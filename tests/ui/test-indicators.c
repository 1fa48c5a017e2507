/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "qrt-core.h"
#include "qrt-ui.h"
#include "qrt-test-ui.h"
#include "charts/qrt-chart-view.h"
#include "panels/qrt-indicator-panel.h"

/* Generous: the machine running the tests may be slow and software-rendered. */
#define TIMEOUT_SECONDS 120

/* One demo, one project and one panel for all cases; they run in order and build on each
 * other's state (a district selected in one is used by the next). */
static char *demo_dir;
static char *demo_path;
static QrtProject *project;
static QrtSelection *selection;
static GtkWindow *window;
static QrtIndicatorPanel *panel;
static guint n_errors;

/* Lets queued idles and frames run without waiting for anything in particular. */
static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
}

static gboolean
table_ready (gpointer data)
{
  return qrt_indicator_panel_get_table (panel) != NULL;
}

static gboolean
chart_ready (gpointer data)
{
  return qrt_chart_view_is_ready (QRT_CHART_VIEW (data));
}

/* The table's cell labels carry their indicator's id as widget name. */
static void
collect_labels (GtkWidget  *root,
                const char *name,
                GPtrArray  *labels)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_widget_get_name (root), name) == 0 &&
      gtk_widget_get_mapped (root))
    g_ptr_array_add (labels, root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, name, labels);
}

static GtkColumnView *
column_view (void)
{
  GtkWidget *view = qrt_test_find_type (GTK_WIDGET (panel), GTK_TYPE_COLUMN_VIEW);

  g_assert_nonnull (view);
  return GTK_COLUMN_VIEW (view);
}

static QrtLayer *
districts_layer (void)
{
  QrtProjectLayer *layer = qrt_project_find_layer (project, "districts");

  g_assert_nonnull (layer);
  return qrt_project_layer_get_layer (layer);
}

/* The district a row of the (sorted) table shows; G_MAXUINT for the total. */
static guint
row_district (GtkSelectionModel *model,
              guint              position)
{
  g_autoptr(GObject) row = g_list_model_get_item (G_LIST_MODEL (model), position);

  g_assert_nonnull (row);
  return GPOINTER_TO_UINT (g_object_get_data (row, "qrt-district"));
}

static int
decimals_of (QrtIndicatorTable *table,
             guint              indicator)
{
  double max = 0;

  for (guint d = 0; d < qrt_indicator_table_get_n_districts (table); d++)
    {
      double v = qrt_indicator_table_get_value (table, indicator, d);

      if (isfinite (v))
        max = MAX (max, fabs (v));
    }

  return qrt_chart_decimals_for (max);
}

static void
error_cb (QrtIndicatorPanel *p,
          const char        *message)
{
  g_test_message ("panel error: %s", message);
  n_errors++;
}

static void
test_table (void)
{
  QrtIndicatorTable *table;
  GtkSelectionModel *model;
  guint n_districts;

  qrt_indicator_panel_set_project (panel, project, selection);
  g_assert_true (qrt_indicator_panel_is_busy (panel));
  qrt_test_wait_until (table_ready, NULL, TIMEOUT_SECONDS, "the indicator table");
  g_assert_cmpuint (n_errors, ==, 0);

  table = qrt_indicator_panel_get_table (panel);
  n_districts = qrt_indicator_table_get_n_districts (table);
  g_assert_cmpuint (n_districts, ==, qrt_layer_get_n_features (districts_layer ()));
  g_assert_cmpuint (n_districts, >, 3);

  /* A row per district, and the town total last. */
  model = gtk_column_view_get_model (column_view ());
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n_districts + 1);
  g_assert_cmpuint (row_district (model, n_districts), ==, G_MAXUINT);

  /* Name column and one per indicator. */
  g_assert_cmpuint (g_list_model_get_n_items (gtk_column_view_get_columns (column_view ())), ==,
                    qrt_indicator_table_get_n_indicators (table) + 1);
}

static void
test_values (void)
{
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  int residents = qrt_indicator_table_find_indicator (table, "residents");
  int decimals;
  guint checked = 0;

  g_assert_cmpint (residents, >=, 0);
  decimals = decimals_of (table, residents);
  settle ();

  collect_labels (GTK_WIDGET (panel), "residents", labels);
  for (guint i = 0; i < labels->len; i++)
    {
      GtkLabel *label = labels->pdata[i];
      guint district = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (label), "qrt-district"));
      g_autofree char *expected = NULL;

      if (district == G_MAXUINT)
        {
          gboolean is_sum;
          double total = qrt_indicator_table_get_total (table, residents, &is_sum);

          g_assert_true (is_sum);
          expected = qrt_format_number (total, decimals);
        }
      else
        {
          expected = qrt_format_number (qrt_indicator_table_get_value (table, residents, district),
                                        decimals);
        }

      g_assert_cmpstr (gtk_label_get_label (label), ==, expected);
      checked++;
    }

  g_test_message ("checked %u cells", checked);
  g_assert_cmpuint (checked, >=, 3);
}

static void
test_footer (void)
{
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (column_view ()),
                                                 GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) shares = g_ptr_array_new ();
  int share = qrt_indicator_table_find_indicator (table, "share_65plus");
  gboolean found = FALSE;

  /* The total is the last row: scroll down to it. */
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  settle ();

  collect_labels (GTK_WIDGET (panel), "district-name", names);
  for (guint i = 0; i < names->len; i++)
    if (GPOINTER_TO_UINT (g_object_get_data (names->pdata[i], "qrt-district")) == G_MAXUINT)
      {
        g_assert_true (gtk_widget_has_css_class (names->pdata[i], "heading"));
        found = TRUE;
      }
  g_assert_true (found);

  /* A ratio has no total: its footer cell stays empty. */
  g_assert_cmpint (share, >=, 0);
  g_assert_true (isnan (qrt_indicator_table_get_total (table, share, NULL)));
  collect_labels (GTK_WIDGET (panel), "share_65plus", shares);
  for (guint i = 0; i < shares->len; i++)
    if (GPOINTER_TO_UINT (g_object_get_data (shares->pdata[i], "qrt-district")) == G_MAXUINT)
      g_assert_cmpstr (gtk_label_get_label (shares->pdata[i]), ==, "");

  gtk_adjustment_set_value (adjustment, 0);
}

/* The header's tooltips tell what a column is, or why it is empty. */
static void
test_header_tooltips (void)
{
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  GtkWidget *header = NULL;
  guint n_titles = 0;
  guint n_tooltips = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (column_view ()));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_css_name (child), "header") == 0)
      header = child;
  g_assert_nonnull (header);

  for (GtkWidget *title = gtk_widget_get_first_child (header);
       title != NULL;
       title = gtk_widget_get_next_sibling (title))
    {
      const char *tooltip = gtk_widget_get_tooltip_text (title);

      if (n_titles > 0)
        {
          const QrtIndicator *indicator = qrt_indicator_table_get_indicator (table, n_titles - 1);

          g_assert_nonnull (tooltip);
          g_assert_true (g_str_has_prefix (tooltip, indicator->title));
          n_tooltips++;
        }
      n_titles++;
    }

  g_assert_cmpuint (n_tooltips, ==, qrt_indicator_table_get_n_indicators (table));
}

static void
test_sort (void)
{
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  GtkColumnView *view = column_view ();
  GtkSelectionModel *model = gtk_column_view_get_model (view);
  int residents = qrt_indicator_table_find_indicator (table, "residents");
  g_autoptr(GtkColumnViewColumn) column =
    g_list_model_get_item (gtk_column_view_get_columns (view), residents + 1);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  double previous = INFINITY;

  gtk_column_view_sort_by_column (view, column, GTK_SORT_DESCENDING);

  for (guint i = 0; i + 1 < n; i++)
    {
      double v = qrt_indicator_table_get_value (table, residents, row_district (model, i));

      g_assert_cmpfloat (v, <=, previous);
      previous = v;
    }

  /* Whichever way the districts are sorted, the total stays last. */
  g_assert_cmpuint (row_district (model, n - 1), ==, G_MAXUINT);

  gtk_column_view_sort_by_column (view, NULL, GTK_SORT_ASCENDING);
  g_assert_cmpuint (row_district (model, 0), ==, 0);
}

static void
test_selection (void)
{
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  GtkSelectionModel *model = gtk_column_view_get_model (column_view ());
  guint district = row_district (model, 1);
  guint feature = qrt_indicator_table_get_district_feature (table, district);
  guint other;

  /* Table to selection. */
  gtk_selection_model_select_item (model, 1, TRUE);
  g_assert_cmpstr (qrt_selection_get_layer_name (selection), ==, "districts");
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 1);
  g_assert_true (qrt_selection_contains (selection, "districts", feature));

  /* Selection (the map, say) to table. */
  other = qrt_indicator_table_get_district_feature (table, row_district (model, 3));
  qrt_selection_select (selection, "districts", &other, 1, FALSE);
  g_assert_true (gtk_selection_model_is_selected (model, 3));
  g_assert_false (gtk_selection_model_is_selected (model, 1));

  qrt_selection_clear (selection);
  g_assert_false (gtk_selection_model_is_selected (model, 3));

  /* Leave one selected for the profile chart. */
  gtk_selection_model_select_item (model, 2, TRUE);
  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 1);
}

static void
show_on_map_cb (QrtIndicatorPanel *p,
                QrtLayer          *layer,
                const QrtStyle    *style,
                const char        *title,
                gpointer           user_data)
{
  gpointer *out = user_data;

  out[0] = g_object_ref (layer);
  out[1] = g_memdup2 (style, sizeof *style);
  out[2] = g_strdup (title);
}

static void
test_show_on_map (void)
{
  gpointer out[3] = { NULL, NULL, NULL };
  g_autoptr(QrtLayer) layer = NULL;
  g_autofree QrtStyle *style = NULL;
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  gulong id;
  int field = -1;
  int sealed;

  g_assert_true (qrt_indicator_panel_set_indicator (panel, "sealed_share"));
  g_assert_cmpstr (qrt_indicator_panel_get_indicator (panel), ==, "sealed_share");

  id = g_signal_connect (panel, "show-on-map", G_CALLBACK (show_on_map_cb), out);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "indicators.show-on-map", NULL));
  g_signal_handler_disconnect (panel, id);

  layer = out[0];
  style = out[1];
  g_assert_nonnull (layer);
  g_assert_nonnull (style);
  /* The legend's line: the indicator's title and unit. */
  g_assert_nonnull (out[2]);
  g_assert_nonnull (strstr (out[2], "%"));
  g_free (out[2]);
  g_assert_cmpuint (qrt_layer_get_n_features (layer), ==,
                    qrt_layer_get_n_features (districts_layer ()));

  for (guint f = 0; f < qrt_layer_get_n_fields (layer); f++)
    if (g_strcmp0 (qrt_layer_get_field_name (layer, f), "indicator") == 0)
      field = f;
  g_assert_cmpint (field, >=, 0);

  /* The new column holds the table's values at the districts' features. */
  sealed = qrt_indicator_table_find_indicator (table, "sealed_share");
  for (guint d = 0; d < qrt_indicator_table_get_n_districts (table); d++)
    {
      guint feature = qrt_indicator_table_get_district_feature (table, d);

      g_assert_cmpfloat_with_epsilon (qrt_layer_get_real (layer, field, feature),
                                      qrt_indicator_table_get_value (table, sealed, d), 1e-9);
    }

  g_assert_cmpint (style->mode, ==, QRT_STYLE_GRADUATED);
  g_assert_cmpstr (style->field, ==, "indicator");
  g_assert_cmpuint (style->n_classes, >=, 2);
}

/* Distinct colours among a texture's pixels: a blank or one-colour widget has one or two. */
static guint
count_colours (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guchar *pixels = g_malloc ((gsize) width * height * 4);
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, pixels, width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      guint32 pixel;

      memcpy (&pixel, pixels + i * 4, 4);
      g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
    }

  return g_hash_table_size (colours);
}

static void
check_chart (const char *tab)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *view;
  guint colours;

  qrt_indicator_panel_show_chart (panel, tab);
  view = qrt_indicator_panel_get_chart_view (panel);
  g_assert_nonnull (view);
  settle ();
  qrt_test_wait_until (chart_ready, view, TIMEOUT_SECONDS, tab);
  settle ();   /* a frame, so that the widget has drawn the new layout */
  g_assert_nonnull (qrt_chart_view_get_chart (QRT_CHART_VIEW (view)));

  texture = qrt_ui_render_widget (view, &error);
  g_assert_no_error (error);
  colours = count_colours (texture);
  g_test_message ("%s: %u colours in %d×%d", tab, colours,
                  gdk_texture_get_width (texture), gdk_texture_get_height (texture));
  g_assert_cmpuint (colours, >=, 8);
}

static void
test_charts (void)
{
  check_chart ("ranking");
  check_chart ("series");
  check_chart ("profile");
  check_chart ("scatter");
  qrt_indicator_panel_show_chart (panel, "ranking");
}

/* A click on a bar selects its district alone. */
static void
test_chart_click (void)
{
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  GtkWidget *view;
  guint feature = qrt_indicator_table_get_district_feature (table, 4);

  qrt_indicator_panel_show_chart (panel, "ranking");
  view = qrt_indicator_panel_get_chart_view (panel);
  g_signal_emit_by_name (view, "item-activated", 4);

  g_assert_cmpuint (qrt_selection_get_n_features (selection), ==, 1);
  g_assert_true (qrt_selection_contains (selection, "districts", feature));
}

static void
test_export_csv (void)
{
  QrtIndicatorTable *table = qrt_indicator_panel_get_table (panel);
  g_autofree char *path = g_build_filename (demo_dir, "indikatoren.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (qrt_indicator_panel_export_csv (panel, file, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, qrt_indicator_table_get_district_name (table, 0)));
  lines = g_strsplit (g_strchomp (contents), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, qrt_indicator_table_get_n_districts (table) + 1);

  /* Overwriting an earlier export works as well. */
  g_assert_true (qrt_indicator_panel_export_csv (panel, file, &error));
  g_assert_no_error (error);
  g_unlink (path);
}

static void
test_no_project (void)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/x.csv");
  g_autoptr(GError) error = NULL;

  /* Closing the project while a new evaluation runs cancels it quietly. */
  qrt_indicator_panel_set_project (panel, project, selection);
  g_assert_true (qrt_indicator_panel_is_busy (panel));
  qrt_indicator_panel_set_project (panel, NULL, selection);
  settle ();

  g_assert_false (qrt_indicator_panel_is_busy (panel));
  g_assert_null (qrt_indicator_panel_get_table (panel));
  g_assert_cmpuint (n_errors, ==, 0);
  g_assert_false (qrt_indicator_panel_export_csv (panel, file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
}

/* QUARTIER_INDICATORS_PNG=/tmp/indicators.png saves the panel as it looks, to check by eye. */
static void
test_screenshot (void)
{
  const char *path = g_getenv ("QUARTIER_INDICATORS_PNG");
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    {
      g_test_skip ("QUARTIER_INDICATORS_PNG not set");
      return;
    }

  qrt_indicator_panel_set_indicator (panel, "green_per_resident");
  if (g_getenv ("QUARTIER_INDICATORS_TAB") != NULL)
    qrt_indicator_panel_show_chart (panel, g_getenv ("QUARTIER_INDICATORS_TAB"));
  settle ();
  if (qrt_indicator_panel_get_chart_view (panel) != NULL)
    qrt_test_wait_until (chart_ready, qrt_indicator_panel_get_chart_view (panel), TIMEOUT_SECONDS, "the chart");
  settle ();

  texture = qrt_ui_render_widget (GTK_WIDGET (window), &error);
  g_assert_no_error (error);
  g_assert_true (gdk_texture_save_to_png (texture, path));

  /* The info popover is a surface of its own: a second picture beside the first. */
  {
    GtkMenuButton *info = GTK_MENU_BUTTON (qrt_test_find_type (GTK_WIDGET (panel), GTK_TYPE_MENU_BUTTON));
    g_autoptr(GdkTexture) popover_texture = NULL;
    g_autofree char *popover_path = g_strconcat (path, ".info.png", NULL);

    gtk_menu_button_popup (info);
    settle ();
    popover_texture = qrt_ui_render_widget (GTK_WIDGET (gtk_menu_button_get_popover (info)),
                                            &error);
    g_assert_no_error (error);
    g_assert_true (gdk_texture_save_to_png (popover_texture, popover_path));
    gtk_menu_button_popdown (info);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  qrt_test_ui_init (&argc, &argv);

  demo_dir = g_dir_make_tmp ("quartier-test-indicators-XXXXXX", &error);
  g_assert_no_error (error);
  demo_path = g_build_filename (demo_dir, "musterstadt.gpkg", NULL);
  qrt_demo_write (demo_path, QRT_DEMO_DEFAULT_SEED, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  project = qrt_project_open (demo_path, NULL, &error);
  g_assert_no_error (error);
  selection = qrt_selection_new ();

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1200, 800);
  panel = QRT_INDICATOR_PANEL (qrt_indicator_panel_new ());
  g_signal_connect (panel, "error", G_CALLBACK (error_cb), NULL);
  gtk_window_set_child (window, GTK_WIDGET (panel));
  gtk_window_present (window);

  g_test_add_func ("/indicators/table", test_table);
  g_test_add_func ("/indicators/values", test_values);
  g_test_add_func ("/indicators/footer", test_footer);
  g_test_add_func ("/indicators/header-tooltips", test_header_tooltips);
  g_test_add_func ("/indicators/sort", test_sort);
  g_test_add_func ("/indicators/selection", test_selection);
  g_test_add_func ("/indicators/show-on-map", test_show_on_map);
  g_test_add_func ("/indicators/charts", test_charts);
  g_test_add_func ("/indicators/chart-click", test_chart_click);
  g_test_add_func ("/indicators/export-csv", test_export_csv);
  g_test_add_func ("/indicators/screenshot", test_screenshot);
  g_test_add_func ("/indicators/no-project", test_no_project);

  ret = g_test_run ();

  gtk_window_destroy (window);
  g_clear_object (&selection);
  g_clear_object (&project);
  qrt_test_remove_tree (demo_dir);
  g_free (demo_path);
  g_free (demo_dir);

  return ret;
}
