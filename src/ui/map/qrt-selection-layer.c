/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-mercator.h"
#include "qrt-selection-layer.h"

/*
 * An overlay on the map for the few features the user points at: the one under the pointer
 * (an outline) and the selected ones (highlighted), plus the rubber band of a rectangle
 * selection. Everything else stays in the tiles. Like ShumatePathLayer it redraws whenever
 * the viewport changes and projects with shumate_viewport_location_to_widget_coords(); since
 * Web Mercator metres map linearly to the widget, three projected points give the affine
 * transform for every vertex.
 *
 * It also carries the map's inspection popover, which needs a parent that presents it.
 * Main thread only.
 */

struct _QrtSelectionLayer
{
  ShumateLayer     parent_instance;

  QrtLayer        *layer;            /* of the selection */
  GArray          *features;         /* guint, selected on @layer */
  double           point_radius;

  QrtLayer        *hover_layer;
  int              hover_feature;
  double           hover_radius;

  gboolean         has_band;
  gboolean         band_dashed;
  graphene_rect_t  band;

  GtkPopover      *popover;
};

G_DEFINE_FINAL_TYPE (QrtSelectionLayer, qrt_selection_layer, SHUMATE_TYPE_LAYER)

/* Widget coordinates = origin + (mx - cx) * ex + (my - cy) * ey */
typedef struct
{
  double cx, cy;
  double ox, oy;
  double ex_x, ex_y;
  double ey_x, ey_y;
} Transform;

static gboolean
get_transform (QrtSelectionLayer *self,
               Transform         *t)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  GtkWidget *widget = GTK_WIDGET (self);
  double latitude, longitude, step, x, y;

  if (shumate_viewport_get_reference_map_source (viewport) == NULL)
    return FALSE;

  latitude = shumate_location_get_latitude (SHUMATE_LOCATION (viewport));
  longitude = shumate_location_get_longitude (SHUMATE_LOCATION (viewport));
  qrt_lat_lon_to_mercator (latitude, longitude, &t->cx, &t->cy);
  /* A hundred pixels: far enough for precision, near enough to stay on the world. */
  step = 100 * qrt_mercator_metres_per_pixel (shumate_viewport_get_zoom_level (viewport));

  shumate_viewport_location_to_widget_coords (viewport, widget, latitude, longitude,
                                              &t->ox, &t->oy);

  qrt_mercator_to_lat_lon (t->cx + step, t->cy, &latitude, &longitude);
  shumate_viewport_location_to_widget_coords (viewport, widget, latitude, longitude, &x, &y);
  t->ex_x = (x - t->ox) / step;
  t->ex_y = (y - t->oy) / step;

  qrt_mercator_to_lat_lon (t->cx, t->cy + step, &latitude, &longitude);
  shumate_viewport_location_to_widget_coords (viewport, widget, latitude, longitude, &x, &y);
  t->ey_x = (x - t->ox) / step;
  t->ey_y = (y - t->oy) / step;

  return TRUE;
}

static inline void
apply (const Transform *t,
       double           mx,
       double           my,
       double          *x,
       double          *y)
{
  *x = t->ox + (mx - t->cx) * t->ex_x + (my - t->cy) * t->ey_x;
  *y = t->oy + (mx - t->cx) * t->ex_y + (my - t->cy) * t->ey_y;
}

/* The part of the world in view, in mercator metres, to skip features outside it. */
static void
visible_box (QrtSelectionLayer *self,
             QrtBBox           *box)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  const double corners[4][2] = { { 0, 0 }, { width, 0 }, { 0, height }, { width, height } };

  qrt_bbox_init_empty (box);
  for (guint i = 0; i < G_N_ELEMENTS (corners); i++)
    {
      double mx, my;

      if (qrt_selection_layer_widget_to_mercator (self, corners[i][0], corners[i][1], &mx, &my))
        qrt_bbox_extend (box, mx, my);
    }
}

static void
feature_path (cairo_t         *cr,
              QrtLayer        *layer,
              guint            feature,
              const Transform *t,
              double           point_radius)
{
  QrtPoints pts;
  const guint32 *rings = qrt_layer_get_ring_offsets (layer, NULL);
  const guint32 *parts = qrt_layer_get_part_offsets (layer, NULL);
  const guint32 *features = qrt_layer_get_feature_offsets (layer);
  QrtGeometryKind kind = qrt_layer_get_geometry_kind (layer);

  qrt_layer_get_points (layer, QRT_COORDS_MERCATOR, &pts);
  for (guint p = features[feature]; p < features[feature + 1]; p++)
    for (guint r = parts[p]; r < parts[p + 1]; r++)
      {
        guint start = rings[r], end = rings[r + 1];
        double x, y, mx, my;

        if (end <= start)
          continue;

        if (kind == QRT_GEOMETRY_POINT || end - start == 1)
          {
            qrt_points_get (&pts, start, &mx, &my);
            apply (t, mx, my, &x, &y);
            cairo_new_sub_path (cr);
            cairo_arc (cr, x, y, point_radius, 0, 2 * G_PI);
            continue;
          }

        qrt_points_get (&pts, start, &mx, &my);
        apply (t, mx, my, &x, &y);
        cairo_move_to (cr, x, y);
        for (guint i = start + 1; i < end; i++)
          {
            qrt_points_get (&pts, i, &mx, &my);
            apply (t, mx, my, &x, &y);
            cairo_line_to (cr, x, y);
          }
        if (kind == QRT_GEOMETRY_POLYGON)
          cairo_close_path (cr);
      }
}

static void
paint_selection (QrtSelectionLayer *self,
                 cairo_t           *cr,
                 const Transform   *t,
                 const QrtBBox     *view)
{
  QrtGeometryKind kind = qrt_layer_get_geometry_kind (self->layer);
  double radius = self->point_radius + 3;

  cairo_new_path (cr);
  for (guint i = 0; i < self->features->len; i++)
    {
      guint f = g_array_index (self->features, guint, i);
      QrtBBox box;

      if (f >= qrt_layer_get_n_features (self->layer))
        continue;
      qrt_layer_get_feature_bbox (self->layer, QRT_COORDS_MERCATOR, f, &box);
      if (qrt_bbox_intersects (&box, view))
        feature_path (cr, self->layer, f, t, radius);
    }

  /* A yellow that stands out on the viridis and blue–orange ramps, with a dark edge so it
   * also reads on light ground. */
  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  if (kind != QRT_GEOMETRY_LINE)
    {
      cairo_set_source_rgba (cr, 0.973, 0.894, 0.361, kind == QRT_GEOMETRY_POINT ? 0.9 : 0.45);
      cairo_fill_preserve (cr);
    }
  cairo_set_source_rgba (cr, 0.15, 0.13, 0.05, 0.9);
  cairo_set_line_width (cr, kind == QRT_GEOMETRY_LINE ? 6 : 3.5);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 0.965, 0.827, 0.176);
  cairo_set_line_width (cr, kind == QRT_GEOMETRY_LINE ? 4 : 2);
  cairo_stroke (cr);
}

static void
paint_hover (QrtSelectionLayer *self,
             cairo_t           *cr,
             const Transform   *t)
{
  cairo_new_path (cr);
  feature_path (cr, self->hover_layer, (guint) self->hover_feature, t, self->hover_radius + 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
  cairo_set_line_width (cr, 4);
  cairo_stroke_preserve (cr);
  /* The accent blue of GNOME. */
  cairo_set_source_rgb (cr, 0.208, 0.518, 0.894);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static void
qrt_selection_layer_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  QrtSelectionLayer *self = QRT_SELECTION_LAYER (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gboolean has_selection = self->layer != NULL && self->features->len > 0;
  gboolean has_hover = self->hover_layer != NULL && self->hover_feature >= 0;
  cairo_t *cr;
  Transform t;

  if (width <= 0 || height <= 0 || !(has_selection || has_hover || self->has_band))
    goto children;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (get_transform (self, &t))
    {
      QrtBBox view;

      visible_box (self, &view);
      if (has_selection)
        paint_selection (self, cr, &t, &view);
      if (has_hover)
        paint_hover (self, cr, &t);
    }
  if (self->has_band)
    {
      cairo_rectangle (cr, self->band.origin.x + 0.5, self->band.origin.y + 0.5,
                       self->band.size.width, self->band.size.height);
      cairo_set_source_rgba (cr, 0.208, 0.518, 0.894, 0.15);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.208, 0.518, 0.894, 0.9);
      if (self->band_dashed)
        {
          static const double dashes[] = { 6, 4 };

          cairo_set_line_width (cr, 2);
          cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
        }
      else
        {
          cairo_set_line_width (cr, 1);
        }
      cairo_stroke (cr);
    }
  cairo_destroy (cr);

children:
  GTK_WIDGET_CLASS (qrt_selection_layer_parent_class)->snapshot (widget, snapshot);
}

static void
qrt_selection_layer_size_allocate (GtkWidget *widget,
                                   int        width,
                                   int        height,
                                   int        baseline)
{
  QrtSelectionLayer *self = QRT_SELECTION_LAYER (widget);

  if (self->popover != NULL)
    gtk_popover_present (self->popover);
}

static void
viewport_notify_cb (QrtSelectionLayer *self,
                    GParamSpec        *pspec,
                    ShumateViewport   *viewport)
{
  const char *name = g_param_spec_get_name (pspec);
  gboolean moved = g_str_equal (name, "latitude") || g_str_equal (name, "longitude") ||
                   g_str_equal (name, "zoom-level") || g_str_equal (name, "rotation");

  /* The popover points at where the user clicked; once the map moved it points elsewhere. */
  if (moved && self->popover != NULL && gtk_widget_get_visible (GTK_WIDGET (self->popover)))
    gtk_popover_popdown (self->popover);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
qrt_selection_layer_constructed (GObject *object)
{
  QrtSelectionLayer *self = QRT_SELECTION_LAYER (object);
  ShumateViewport *viewport;

  G_OBJECT_CLASS (qrt_selection_layer_parent_class)->constructed (object);

  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  g_signal_connect_object (viewport, "notify", G_CALLBACK (viewport_notify_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
qrt_selection_layer_dispose (GObject *object)
{
  QrtSelectionLayer *self = QRT_SELECTION_LAYER (object);

  g_clear_pointer ((GtkWidget **) &self->popover, gtk_widget_unparent);
  g_clear_object (&self->layer);
  g_clear_object (&self->hover_layer);

  G_OBJECT_CLASS (qrt_selection_layer_parent_class)->dispose (object);
}

static void
qrt_selection_layer_finalize (GObject *object)
{
  QrtSelectionLayer *self = QRT_SELECTION_LAYER (object);

  g_array_unref (self->features);

  G_OBJECT_CLASS (qrt_selection_layer_parent_class)->finalize (object);
}

static void
qrt_selection_layer_class_init (QrtSelectionLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = qrt_selection_layer_constructed;
  object_class->dispose = qrt_selection_layer_dispose;
  object_class->finalize = qrt_selection_layer_finalize;

  widget_class->snapshot = qrt_selection_layer_snapshot;
  widget_class->size_allocate = qrt_selection_layer_size_allocate;
}

static void
qrt_selection_layer_init (QrtSelectionLayer *self)
{
  self->features = g_array_new (FALSE, FALSE, sizeof (guint));
  self->hover_feature = -1;

  self->popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_position (self->popover, GTK_POS_TOP);
  gtk_widget_add_css_class (GTK_WIDGET (self->popover), "qrt-inspect");
  gtk_widget_set_parent (GTK_WIDGET (self->popover), GTK_WIDGET (self));
}

/**
 * qrt_selection_layer_new:
 * @viewport: the map's viewport
 *
 * Returns: (transfer floating): a new, empty overlay
 */
QrtSelectionLayer *
qrt_selection_layer_new (ShumateViewport *viewport)
{
  g_return_val_if_fail (SHUMATE_IS_VIEWPORT (viewport), NULL);

  return g_object_new (QRT_TYPE_SELECTION_LAYER, "viewport", viewport, NULL);
}

/**
 * qrt_selection_layer_set_selection:
 * @layer: (nullable): the layer the features belong to
 * @features: (nullable) (element-type guint): the selected features, copied
 * @point_radius: the radius points are drawn with on @layer, in pixels
 */
void
qrt_selection_layer_set_selection (QrtSelectionLayer *self,
                                   QrtLayer          *layer,
                                   GArray            *features,
                                   double             point_radius)
{
  g_return_if_fail (QRT_IS_SELECTION_LAYER (self));
  g_return_if_fail (layer == NULL || QRT_IS_LAYER (layer));

  g_set_object (&self->layer, layer);
  g_array_set_size (self->features, 0);
  if (layer != NULL && features != NULL)
    g_array_append_vals (self->features, features->data, features->len);
  self->point_radius = point_radius;

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * qrt_selection_layer_set_hover:
 * @layer: (nullable): the layer of the feature under the pointer
 * @feature: the feature, or -1 for none
 */
void
qrt_selection_layer_set_hover (QrtSelectionLayer *self,
                               QrtLayer          *layer,
                               int                feature,
                               double             point_radius)
{
  g_return_if_fail (QRT_IS_SELECTION_LAYER (self));
  g_return_if_fail (layer == NULL || QRT_IS_LAYER (layer));

  if (layer == NULL || feature < 0 || (guint) feature >= qrt_layer_get_n_features (layer))
    {
      layer = NULL;
      feature = -1;
    }
  if (self->hover_layer == layer && self->hover_feature == feature)
    return;

  g_set_object (&self->hover_layer, layer);
  self->hover_feature = feature;
  self->hover_radius = point_radius;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
qrt_selection_layer_get_hover (QrtSelectionLayer *self)
{
  g_return_val_if_fail (QRT_IS_SELECTION_LAYER (self), -1);

  return self->hover_feature;
}

/**
 * qrt_selection_layer_set_band:
 * @band: (nullable): the rectangle being dragged, in widget coordinates; %NULL for none
 */
void
qrt_selection_layer_set_band (QrtSelectionLayer     *self,
                              const graphene_rect_t *band)
{
  g_return_if_fail (QRT_IS_SELECTION_LAYER (self));

  self->has_band = band != NULL;
  if (band != NULL)
    graphene_rect_normalize_r (band, &self->band);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * qrt_selection_layer_set_band_dashed:
 * @dashed: draw the band's outline dashed (a boundary being drawn) instead of solid
 */
void
qrt_selection_layer_set_band_dashed (QrtSelectionLayer *self,
                                     gboolean           dashed)
{
  g_return_if_fail (QRT_IS_SELECTION_LAYER (self));

  dashed = !!dashed;
  if (self->band_dashed == dashed)
    return;
  self->band_dashed = dashed;
  if (self->has_band)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * qrt_selection_layer_get_popover:
 *
 * Returns: (transfer none): the popover that shows a feature's attributes
 */
GtkPopover *
qrt_selection_layer_get_popover (QrtSelectionLayer *self)
{
  g_return_val_if_fail (QRT_IS_SELECTION_LAYER (self), NULL);

  return self->popover;
}

/**
 * qrt_selection_layer_widget_to_mercator:
 *
 * Returns: %FALSE if the map has no map source yet, so no projection
 */
gboolean
qrt_selection_layer_widget_to_mercator (QrtSelectionLayer *self,
                                        double             x,
                                        double             y,
                                        double            *mercator_x,
                                        double            *mercator_y)
{
  ShumateViewport *viewport;
  double latitude, longitude;

  g_return_val_if_fail (QRT_IS_SELECTION_LAYER (self), FALSE);

  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  if (shumate_viewport_get_reference_map_source (viewport) == NULL)
    return FALSE;

  shumate_viewport_widget_coords_to_location (viewport, GTK_WIDGET (self), x, y,
                                              &latitude, &longitude);
  qrt_lat_lon_to_mercator (latitude, longitude, mercator_x, mercator_y);
  return TRUE;
}

gboolean
qrt_selection_layer_mercator_to_widget (QrtSelectionLayer *self,
                                        double             mercator_x,
                                        double             mercator_y,
                                        double            *x,
                                        double            *y)
{
  Transform t;

  g_return_val_if_fail (QRT_IS_SELECTION_LAYER (self), FALSE);

  if (!get_transform (self, &t))
    return FALSE;
  apply (&t, mercator_x, mercator_y, x, y);
  return TRUE;
}

/**
 * qrt_selection_layer_get_resolution:
 *
 * Returns: mercator metres per CSS pixel at the current zoom level
 */
double
qrt_selection_layer_get_resolution (QrtSelectionLayer *self)
{
  ShumateViewport *viewport;

  g_return_val_if_fail (QRT_IS_SELECTION_LAYER (self), 1);

  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  return qrt_mercator_metres_per_pixel (shumate_viewport_get_zoom_level (viewport));
}
