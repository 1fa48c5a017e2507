/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "qrt-legend-view.h"

/* The map's legend, painted by the core's qrt_legend_paint() — the same drawing as in
 * `quartier-cli render --legend` — through a cairo node. It keeps its own copies of the
 * titles and styles, so the layers may change underneath until the window hands over new
 * entries. */

typedef struct
{
  char            *title;
  QrtGeometryKind  kind;
  QrtStyle         style;
} Entry;

struct _QrtLegendView
{
  GtkWidget  parent_instance;

  GArray    *entries;      /* Entry */
  char      *description;  /* the legend in words */
  double     width;        /* of the legend box, in CSS pixels */
  double     height;
};

G_DEFINE_FINAL_TYPE (QrtLegendView, qrt_legend_view, GTK_TYPE_WIDGET)

static void
entry_clear (Entry *entry)
{
  g_free (entry->title);
}

/* qrt_legend_paint() wants what it paints as an array of pointers into our copies. */
static QrtLegendEntry *
legend_entries (QrtLegendView *self)
{
  QrtLegendEntry *out = g_new0 (QrtLegendEntry, MAX (1, self->entries->len));

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = &g_array_index (self->entries, Entry, i);

      out[i] = (QrtLegendEntry) { entry->title, entry->kind, &entry->style };
    }
  return out;
}

static void
measure_legend (QrtLegendView *self)
{
  g_autofree QrtLegendEntry *entries = legend_entries (self);
  cairo_surface_t *surface;
  cairo_t *cr;

  self->width = self->height = 0;
  if (self->entries->len == 0)
    return;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  qrt_legend_paint (cr, entries, self->entries->len, 1.0, TRUE, &self->width, &self->height);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
qrt_legend_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  QrtLegendView *self = QRT_LEGEND_VIEW (widget);
  double size = orientation == GTK_ORIENTATION_HORIZONTAL ? self->width : self->height;

  *minimum = *natural = (int) ceil (size);
}

static void
qrt_legend_view_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  QrtLegendView *self = QRT_LEGEND_VIEW (widget);
  g_autofree QrtLegendEntry *entries = NULL;
  double width, height;
  cairo_t *cr;

  if (self->entries->len == 0)
    return;

  entries = legend_entries (self);
  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (0, 0, ceil (self->width),
                                                       ceil (self->height)));
  qrt_legend_paint (cr, entries, self->entries->len, 1.0, FALSE, &width, &height);
  cairo_destroy (cr);
}

static void
qrt_legend_view_finalize (GObject *object)
{
  QrtLegendView *self = QRT_LEGEND_VIEW (object);

  g_array_unref (self->entries);
  g_free (self->description);

  G_OBJECT_CLASS (qrt_legend_view_parent_class)->finalize (object);
}

static void
qrt_legend_view_class_init (QrtLegendViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = qrt_legend_view_finalize;

  widget_class->measure = qrt_legend_view_measure;
  widget_class->snapshot = qrt_legend_view_snapshot;

  gtk_widget_class_set_css_name (widget_class, "qrtlegend");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
qrt_legend_view_init (QrtLegendView *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, (GDestroyNotify) entry_clear);
}

GtkWidget *
qrt_legend_view_new (void)
{
  return g_object_new (QRT_TYPE_LEGEND_VIEW, NULL);
}

/**
 * qrt_legend_view_set_entries:
 * @entries: (array length=n_entries): the layers to explain, top first; copied
 */
void
qrt_legend_view_set_entries (QrtLegendView        *self,
                             const QrtLegendEntry *entries,
                             guint                 n_entries)
{
  g_return_if_fail (QRT_IS_LEGEND_VIEW (self));
  g_return_if_fail (entries != NULL || n_entries == 0);

  g_array_set_size (self->entries, 0);
  for (guint i = 0; i < n_entries; i++)
    {
      Entry entry = { g_strdup (entries[i].title), entries[i].kind, *entries[i].style };

      g_array_append_val (self->entries, entry);
    }

  /* Screen readers get the layers and their classes by name; the swatches speak only to the
   * eye. */
  g_free (self->description);
  self->description = qrt_legend_describe (entries, n_entries);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->description, -1);

  measure_legend (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/**
 * qrt_legend_view_get_description:
 *
 * Returns: what the legend shows, in words (its accessible description)
 */
const char *
qrt_legend_view_get_description (QrtLegendView *self)
{
  g_return_val_if_fail (QRT_IS_LEGEND_VIEW (self), NULL);

  return self->description != NULL ? self->description : "";
}

/**
 * qrt_legend_view_get_n_rows:
 *
 * Returns: how many rows the legend shows: one per visible layer and one per class
 */
guint
qrt_legend_view_get_n_rows (QrtLegendView *self)
{
  g_autofree QrtLegendEntry *entries = NULL;
  guint n = 0;

  g_return_val_if_fail (QRT_IS_LEGEND_VIEW (self), 0);

  entries = legend_entries (self);
  for (guint i = 0; i < self->entries->len; i++)
    n += qrt_legend_entry_rows (&entries[i]);
  return n;
}
