/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-chart-view.h"

/* Shows one QrtChart. Measuring text and placing bars is done by qrt_chart_layout_new() in a
 * worker thread; snapshot() only paints the finished, immutable layout. Everything in the
 * struct belongs to the main thread; a worker sees only the Relayout it was given. */
struct _QrtChartView
{
  GtkWidget       parent_instance;

  QrtChart       *chart;
  QrtChartLayout *layout;      /* the last layout finished for the current chart */
  int             laid_width;  /* the size it was made for */
  int             laid_height;
  GCancellable   *cancellable;
  guint           relayout_id; /* idle that coalesces size and chart changes */
  gboolean        in_flight;   /* a worker is laying out right now */
  gboolean        pending;     /* and another layout was asked for meanwhile */
  int             hover;
};

G_DEFINE_FINAL_TYPE (QrtChartView, qrt_chart_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CHART,
  N_PROPS
};

enum
{
  ITEM_ACTIVATED,
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  QrtChart *chart;
  double    width;
  double    height;
} Relayout;

static void
relayout_free (Relayout *relayout)
{
  g_clear_object (&relayout->chart);
  g_free (relayout);
}

static void start_relayout (QrtChartView *self);

static void
relayout_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Relayout *relayout = task_data;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_pointer (task,
                         qrt_chart_layout_new (relayout->chart, relayout->width,
                                               relayout->height, 1),
                         (GDestroyNotify) qrt_chart_layout_unref);
}

static void
relayout_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  QrtChartView *self = QRT_CHART_VIEW (object);
  g_autoptr(QrtChartLayout) layout = NULL;

  layout = g_task_propagate_pointer (G_TASK (result), NULL);
  if (layout == NULL)
    return;   /* cancelled: the view is being disposed */

  self->in_flight = FALSE;

  /* A layout for a chart that was replaced meanwhile is of no use; one for an older size is
   * better than nothing while the next is computed. */
  if (qrt_chart_layout_get_chart (layout) == self->chart)
    {
      Relayout *relayout = g_task_get_task_data (G_TASK (result));

      self->laid_width = relayout->width;
      self->laid_height = relayout->height;
      g_clear_pointer (&self->layout, qrt_chart_layout_unref);
      self->layout = g_steal_pointer (&layout);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }

  if (self->pending)
    start_relayout (self);
}

static void
start_relayout (QrtChartView *self)
{
  g_autoptr(GTask) task = NULL;
  Relayout *relayout;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->in_flight)
    {
      self->pending = TRUE;
      return;
    }

  self->pending = FALSE;
  if (self->chart == NULL || width <= 0 || height <= 0)
    return;

  relayout = g_new0 (Relayout, 1);
  relayout->chart = g_object_ref (self->chart);
  relayout->width = width;
  relayout->height = height;

  task = g_task_new (self, self->cancellable, relayout_cb, NULL);
  g_task_set_source_tag (task, start_relayout);
  g_task_set_task_data (task, relayout, (GDestroyNotify) relayout_free);
  self->in_flight = TRUE;
  g_task_run_in_thread (task, relayout_worker);
}

static gboolean
relayout_idle_cb (gpointer user_data)
{
  QrtChartView *self = user_data;

  self->relayout_id = 0;
  start_relayout (self);
  return G_SOURCE_REMOVE;
}

static void
queue_relayout (QrtChartView *self)
{
  if (self->relayout_id == 0)
    self->relayout_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, relayout_idle_cb, self, NULL);
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           QrtChartView             *self)
{
  int hit = self->layout != NULL ? qrt_chart_layout_hit (self->layout, x, y, NULL) : -1;

  if (hit != self->hover)
    {
      self->hover = hit;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), hit >= 0 ? "pointer" : NULL);
      gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *motion,
          QrtChartView             *self)
{
  self->hover = -1;
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
click_released_cb (GtkGestureClick *click,
                   int              n_press,
                   double           x,
                   double           y,
                   QrtChartView    *self)
{
  int hit;

  if (self->layout == NULL)
    return;

  hit = qrt_chart_layout_hit (self->layout, x, y, NULL);
  if (hit >= 0)
    g_signal_emit (self, signals[ITEM_ACTIVATED], 0, hit);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  QrtChartView    *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GtkFileFilter *filter;
  int width;
  int height;

  if (response != GTK_RESPONSE_ACCEPT || self->chart == NULL)
    goto out;

  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  path = g_file_get_path (file);

  /* The chosen filter decides the format when the name has no known extension. */
  filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
  if (!g_str_has_suffix (path, ".png") && !g_str_has_suffix (path, ".svg"))
    {
      const char *ext = filter != NULL &&
                        g_strcmp0 (g_object_get_data (G_OBJECT (filter), "ext"), "svg") == 0
                        ? ".svg" : ".png";
      char *with_ext = g_strconcat (path, ext, NULL);

      g_free (path);
      path = with_ext;
    }

  /* Large enough for a slide or a report page, whatever the widget's size. */
  width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1200);
  height = width * 2 / 3;
  if (!qrt_chart_write (self->chart, path, width, height, &error))
    {
      g_autofree char *message = NULL;

      g_warning ("Writing chart to %s: %s", path, error->message);
      message = g_strdup_printf (_("The chart could not be saved: %s"), error->message);
      g_signal_emit (self, signals[ERROR], 0, message);
    }

out:
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static GtkFileFilter *
make_filter (const char *name,
             const char *mime,
             const char *ext)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_mime_type (filter, mime);
  g_object_set_data_full (G_OBJECT (filter), "ext", g_strdup (ext), g_free);
  return filter;
}

static void
qrt_chart_view_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 560;
    }
  else
    {
      *minimum = 180;
      *natural = 360;
    }
}

static void
qrt_chart_view_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  QrtChartView *self = QRT_CHART_VIEW (widget);

  /* Allocations come often (a tooltip, a sibling's resize); a new layout only for a new size. */
  if (qrt_chart_view_is_ready (self) &&
      width == self->laid_width && height == self->laid_height)
    return;

  queue_relayout (self);
}

static void
qrt_chart_view_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  QrtChartView *self = QRT_CHART_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->layout == NULL || width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  qrt_chart_layout_paint (self->layout, cr);
  cairo_destroy (cr);
}

static gboolean
qrt_chart_view_query_tooltip (GtkWidget  *widget,
                              int         x,
                              int         y,
                              gboolean    keyboard_mode,
                              GtkTooltip *tooltip)
{
  QrtChartView *self = QRT_CHART_VIEW (widget);
  g_autofree char *text = NULL;

  if (self->layout == NULL || keyboard_mode)
    return FALSE;

  if (qrt_chart_layout_hit (self->layout, x, y, &text) < 0 || text == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
qrt_chart_view_dispose (GObject *object)
{
  QrtChartView *self = QRT_CHART_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->relayout_id, g_source_remove);
  g_clear_object (&self->chart);
  g_clear_pointer (&self->layout, qrt_chart_layout_unref);

  G_OBJECT_CLASS (qrt_chart_view_parent_class)->dispose (object);
}

static void
qrt_chart_view_finalize (GObject *object)
{
  QrtChartView *self = QRT_CHART_VIEW (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (qrt_chart_view_parent_class)->finalize (object);
}

static void
qrt_chart_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QrtChartView *self = QRT_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHART:
      g_value_set_object (value, self->chart);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_chart_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  QrtChartView *self = QRT_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHART:
      qrt_chart_view_set_chart (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_chart_view_class_init (QrtChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrt_chart_view_dispose;
  object_class->finalize = qrt_chart_view_finalize;
  object_class->get_property = qrt_chart_view_get_property;
  object_class->set_property = qrt_chart_view_set_property;

  widget_class->measure = qrt_chart_view_measure;
  widget_class->size_allocate = qrt_chart_view_size_allocate;
  widget_class->snapshot = qrt_chart_view_snapshot;
  widget_class->query_tooltip = qrt_chart_view_query_tooltip;

  properties[PROP_CHART] =
    g_param_spec_object ("chart", NULL, NULL,
                         QRT_TYPE_CHART,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrtChartView::item-activated:
   * @index: the district (bar, scatter), series or radar axis clicked
   */
  signals[ITEM_ACTIVATED] =
    g_signal_new ("item-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT);

  /**
   * QrtChartView::error:
   * @message: a translated message for a toast
   */
  signals[ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "qrtchartview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qrt_chart_view_init (QrtChartView *self)
{
  GtkEventController *motion;
  GtkGesture *click;

  self->cancellable = g_cancellable_new ();
  self->hover = -1;

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
qrt_chart_view_new (void)
{
  return g_object_new (QRT_TYPE_CHART_VIEW, NULL);
}

/**
 * qrt_chart_view_get_chart:
 *
 * Returns: (transfer none) (nullable): the chart shown
 */
QrtChart *
qrt_chart_view_get_chart (QrtChartView *self)
{
  g_return_val_if_fail (QRT_IS_CHART_VIEW (self), NULL);

  return self->chart;
}

/**
 * qrt_chart_view_set_chart:
 * @chart: (nullable): the chart to show
 *
 * Shows @chart once it is laid out; until then the previous chart stays, so that a changed
 * selection does not flash an empty widget.
 */
void
qrt_chart_view_set_chart (QrtChartView *self,
                          QrtChart     *chart)
{
  g_return_if_fail (QRT_IS_CHART_VIEW (self));
  g_return_if_fail (chart == NULL || QRT_IS_CHART (chart));

  if (!g_set_object (&self->chart, chart))
    return;

  if (chart == NULL)
    {
      g_clear_pointer (&self->layout, qrt_chart_layout_unref);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    {
      queue_relayout (self);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  chart != NULL ? qrt_chart_get_title (chart) : "",
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHART]);
}

/**
 * qrt_chart_view_is_ready:
 *
 * Returns: %TRUE when the current chart is laid out and will be painted
 */
gboolean
qrt_chart_view_is_ready (QrtChartView *self)
{
  g_return_val_if_fail (QRT_IS_CHART_VIEW (self), FALSE);

  return self->layout != NULL && qrt_chart_layout_get_chart (self->layout) == self->chart;
}

/**
 * qrt_chart_view_save_dialog:
 *
 * Asks for a file name and writes the chart as PNG or SVG; failures are reported through
 * #QrtChartView::error.
 */
void
qrt_chart_view_save_dialog (QrtChartView *self)
{
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) png = NULL;
  g_autoptr(GtkFileFilter) svg = NULL;
  g_autofree char *name = NULL;
  GtkRoot *root;

  g_return_if_fail (QRT_IS_CHART_VIEW (self));

  if (self->chart == NULL)
    return;

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = gtk_file_chooser_native_new (_("Save Chart"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);

  png = make_filter (_("PNG image"), "image/png", "png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), png);
  svg = make_filter (_("SVG image"), "image/svg+xml", "svg");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), svg);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (dialog), png);

  /* Translators: the file name suggested for a chart, without extension */
  name = g_strdup_printf ("%s.png", _("chart"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);

  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}
