/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "qrt-window-private.h"

/*
 * Pointing at the map: a click selects the topmost feature under the pointer (on the layer
 * active in the sidebar, or else the topmost visible layer that has one) and shows its
 * attributes in a popover; Shift adds to the selection or takes a feature out of it; a
 * rectangle — dragged with Ctrl, or with the header's rectangle tool — selects what touches
 * it; Escape clears. The feature under the pointer gets an outline.
 *
 * For a new offline area the map also lends itself to drawing once: the next rectangle
 * dragged (dashed, without Ctrl) goes to the offline areas dialog as WGS 84 degrees
 * (_qrt_window_begin_draw_area in qrt-window-dataspace.c) and selects nothing.
 *
 * The selection is the core's QrtSelection; the QrtSelectionLayer on top of the map draws it.
 * Picking works on the layers' own arrays (qrt_layer_pick), fast enough for every motion.
 */

/* How far from a line or point a click still hits it, in pixels. */
#define PICK_TOLERANCE 4
/* A drag shorter than this is a click. */
#define CLICK_SLOP 3

#define PENDING_CLICK_KEY "qrt-window-pending-click"

typedef struct
{
  QrtWindow       *self;
  double           x;
  double           y;
  GdkModifierType  state;
  guint            timeout_id;
} PendingClick;

static double
current_zoom (QrtWindow *self)
{
  return shumate_viewport_get_zoom_level (shumate_simple_map_get_viewport (self->map));
}

static gboolean
is_pickable (QrtWindow       *self,
             QrtProjectLayer *item)
{
  const QrtStyle *style = qrt_project_layer_get_style (item);

  return style->visible &&
         floor (current_zoom (self)) >= style->min_zoom &&
         !_qrt_window_is_removed (self, item) &&
         qrt_layer_get_geometry_kind (qrt_project_layer_get_layer (item)) != QRT_GEOMETRY_NONE;
}

static double
point_radius (QrtProjectLayer *item)
{
  return qrt_layer_get_geometry_kind (qrt_project_layer_get_layer (item)) == QRT_GEOMETRY_POINT
           ? qrt_project_layer_get_style (item)->point_radius : 0;
}

static int
pick_in (QrtWindow       *self,
         QrtProjectLayer *item,
         double           mx,
         double           my)
{
  double resolution = qrt_selection_layer_get_resolution (self->selection_layer);
  double tolerance = (PICK_TOLERANCE + point_radius (item)) * resolution;

  return qrt_layer_pick (qrt_project_layer_get_layer (item), QRT_COORDS_MERCATOR, mx, my,
                         tolerance);
}

/* The feature under widget position (@x, @y): on the active layer if there is one, else on
 * the topmost layer drawn there. */
static QrtProjectLayer *
pick (QrtWindow *self,
      double     x,
      double     y,
      int       *feature)
{
  QrtProjectLayer *active = _qrt_window_get_active_layer (self);
  double mx, my;
  guint n;

  *feature = -1;
  if (self->project == NULL ||
      !qrt_selection_layer_widget_to_mercator (self->selection_layer, x, y, &mx, &my))
    return NULL;

  if (active != NULL)
    {
      if (is_pickable (self, active) && (*feature = pick_in (self, active, mx, my)) >= 0)
        return active;
      return NULL;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->project));
  for (guint i = n; i-- > 0;)
    {
      QrtProjectLayer *item = g_list_model_get_item (G_LIST_MODEL (self->project), i);

      /* Borrowed: the project keeps its layers alive. */
      g_object_unref (item);
      if (is_pickable (self, item) && (*feature = pick_in (self, item, mx, my)) >= 0)
        return item;
    }
  return NULL;
}

static QrtProjectLayer *
find_shown_layer (QrtWindow  *self,
                  const char *name)
{
  QrtProjectLayer *item;

  if (self->project == NULL || name == NULL)
    return NULL;

  item = qrt_project_find_layer (self->project, name);
  return item != NULL && !_qrt_window_is_removed (self, item) &&
         qrt_project_layer_get_visible (item) ? item : NULL;
}

/* Attribute values as a planner reads them: numbers grouped the local way, but not years
 * and codes below 10 000. */
static char *
format_value (QrtLayer *layer,
              guint     field,
              guint     feature)
{
  if (qrt_layer_is_null (layer, field, feature))
    return NULL;

  switch (qrt_layer_get_field_type (layer, field))
    {
    case QRT_FIELD_INTEGER:
      {
        gint64 v = qrt_layer_get_int (layer, field, feature);

        return g_strdup_printf (ABS (v) >= 10000 ? "%'" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, v);
      }

    case QRT_FIELD_REAL:
      {
        double v = qrt_layer_get_real (layer, field, feature);

        if (!isfinite (v))
          return NULL;
        if (v == floor (v) && fabs (v) < 1e15)
          return g_strdup_printf (fabs (v) >= 10000 ? "%'.0f" : "%.0f", v);
        if (fabs (v) >= 1)
          return g_strdup_printf ("%'.2f", v);
        return g_strdup_printf ("%.3g", v);
      }

    case QRT_FIELD_STRING:
    default:
      return g_strdup (qrt_layer_get_string (layer, field, feature));
    }
}

/* What to call a feature: its name if it has one. */
static char *
feature_label (QrtLayer *layer,
               guint     feature)
{
  static const char * const names[] = { "name", "bezeichnung", "titel", "title", "label" };
  int first_text = -1;

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    for (guint i = 0; i < qrt_layer_get_n_fields (layer); i++)
      if (qrt_layer_get_field_type (layer, i) == QRT_FIELD_STRING &&
          g_ascii_strcasecmp (qrt_layer_get_field_name (layer, i), names[n]) == 0 &&
          !qrt_layer_is_null (layer, i, feature))
        return g_strdup (qrt_layer_get_string (layer, i, feature));

  for (guint i = 0; i < qrt_layer_get_n_fields (layer) && first_text < 0; i++)
    if (qrt_layer_get_field_type (layer, i) == QRT_FIELD_STRING &&
        !qrt_layer_is_null (layer, i, feature))
      first_text = (int) i;
  if (first_text >= 0)
    return g_strdup (qrt_layer_get_string (layer, (guint) first_text, feature));

  /* Translators: a feature without a name; %u is its number in the layer */
  return g_strdup_printf (_("Feature %u"), feature + 1);
}

/* @text, the value of @field, with the name the legend gives its class if the layer is
 * coloured by @field: what the map shows as "Wald" is "Wald (forest)" here. */
static char *
with_class_name (QrtProjectLayer *item,
                 guint            field,
                 guint            feature,
                 char            *text)
{
  const QrtStyle *style = qrt_project_layer_get_style (item);
  QrtLayer *layer = qrt_project_layer_get_layer (item);
  int klass;

  if (text == NULL || style->mode == QRT_STYLE_SINGLE ||
      g_strcmp0 (qrt_layer_get_field_name (layer, field), style->field) != 0)
    return text;
  klass = qrt_style_class_of (style, layer, (int) field, feature);
  if (klass < 0 || style->classes[klass].label[0] == '\0')
    return text;
  {
    g_autofree char *value = text;

    /* TRANSLATORS: an attribute's value in the map's popover: the name the legend gives its
     * class, then the value itself, e.g. "Wald (forest)" */
    return g_strdup_printf (C_("popover value", "%s (%s)"), style->classes[klass].label, value);
  }
}

static GtkWidget *
build_inspect (QrtProjectLayer *item,
               guint            feature)
{
  QrtLayer *layer = qrt_project_layer_get_layer (item);
  g_autofree char *label = feature_label (layer, feature);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *heading = gtk_label_new (label);
  GtkWidget *subtitle = gtk_label_new (qrt_project_layer_get_title (item));
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *grid = gtk_grid_new ();

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (heading), 36);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), subtitle);

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_widget_set_margin_top (grid, 8);
  for (guint i = 0; i < qrt_layer_get_n_fields (layer); i++)
    {
      g_autofree char *text = with_class_name (item, i, feature, format_value (layer, i, feature));
      GtkWidget *key = gtk_label_new (qrt_layer_get_field_name (layer, i));
      /* An em dash for a missing value, as in printed tables. */
      GtkWidget *value = gtk_label_new (text != NULL ? text : "—");

      gtk_label_set_xalign (GTK_LABEL (key), 0);
      gtk_widget_set_valign (key, GTK_ALIGN_START);
      gtk_widget_add_css_class (key, "dim-label");
      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_label_set_wrap (GTK_LABEL (value), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (value), 32);
      gtk_widget_set_hexpand (value, TRUE);
      if (text == NULL)
        gtk_widget_add_css_class (value, "dim-label");
      gtk_accessible_update_relation (GTK_ACCESSIBLE (value),
                                      GTK_ACCESSIBLE_RELATION_LABELLED_BY, key, NULL, -1);
      gtk_grid_attach (GTK_GRID (grid), key, 0, (int) i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), value, 1, (int) i, 1, 1);
    }

  /* Long attribute lists scroll; short ones take no more room than they need. */
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_propagate_natural_width (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), grid);
  gtk_box_append (GTK_BOX (box), scroller);

  return box;
}

static void
show_inspect (QrtWindow       *self,
              QrtProjectLayer *item,
              guint            feature,
              double           x,
              double           y)
{
  GtkPopover *popover = qrt_selection_layer_get_popover (self->selection_layer);

  gtk_popover_set_child (popover, build_inspect (item, feature));
  gtk_popover_set_pointing_to (popover, &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (popover);
}

static void
hide_inspect (QrtWindow *self)
{
  GtkPopover *popover = qrt_selection_layer_get_popover (self->selection_layer);

  if (gtk_widget_get_visible (GTK_WIDGET (popover)))
    gtk_popover_popdown (popover);
}

/**
 * _qrt_window_update_selection:
 *
 * Draws the selection as the core holds it now, if its layer is shown.
 */
void
_qrt_window_update_selection (QrtWindow *self)
{
  QrtProjectLayer *item = find_shown_layer (self, qrt_selection_get_layer_name (self->selection));
  g_autoptr(GArray) features = NULL;

  if (item == NULL)
    {
      qrt_selection_layer_set_selection (self->selection_layer, NULL, NULL, 0);
      qrt_selection_layer_set_hover (self->selection_layer, NULL, -1, 0);
      return;
    }

  features = qrt_selection_get_features (self->selection);
  qrt_selection_layer_set_selection (self->selection_layer, qrt_project_layer_get_layer (item),
                                     features, point_radius (item));
}

static void
selection_changed_cb (QrtWindow    *self,
                      QrtSelection *selection)
{
  if (qrt_selection_get_n_features (selection) == 0)
    hide_inspect (self);
  _qrt_window_update_selection (self);
}

/**
 * _qrt_window_map_click:
 * @x: widget coordinates on the map
 * @y: widget coordinates on the map
 * @state: the modifiers held; Shift adds to the selection
 *
 * Returns: whether a feature was hit
 */
gboolean
_qrt_window_map_click (QrtWindow       *self,
                       double           x,
                       double           y,
                       GdkModifierType  state)
{
  gboolean extend = (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0;
  QrtProjectLayer *item;
  const char *name;
  int feature;

  g_return_val_if_fail (QRT_IS_WINDOW (self), FALSE);

  hide_inspect (self);
  item = pick (self, x, y, &feature);
  if (item == NULL)
    {
      if (!extend)
        qrt_selection_clear (self->selection);
      return FALSE;
    }

  name = qrt_project_layer_get_name (item);
  if (extend)
    {
      qrt_selection_toggle (self->selection, name, (guint) feature);
    }
  else
    {
      guint f = (guint) feature;

      qrt_selection_select (self->selection, name, &f, 1, FALSE);
      show_inspect (self, item, f, x, y);
    }
  return TRUE;
}

/**
 * _qrt_window_map_select_rect:
 * @extend: add to the selection instead of replacing it
 *
 * Selects the features touching the rectangle between the widget positions (@x1, @y1) and
 * (@x2, @y2): on the active layer, else on the layer already selected from, else on the
 * topmost visible layer with features there.
 *
 * Returns: how many features the rectangle touched
 */
guint
_qrt_window_map_select_rect (QrtWindow *self,
                             double     x1,
                             double     y1,
                             double     x2,
                             double     y2,
                             gboolean   extend)
{
  const double corners[4][2] = { { x1, y1 }, { x2, y1 }, { x1, y2 }, { x2, y2 } };
  g_autoptr(GArray) hits = NULL;
  QrtProjectLayer *item = NULL;
  QrtProjectLayer *selected;
  QrtBBox rect;

  g_return_val_if_fail (QRT_IS_WINDOW (self), 0);

  hide_inspect (self);
  if (self->project == NULL)
    return 0;

  qrt_bbox_init_empty (&rect);
  for (guint i = 0; i < G_N_ELEMENTS (corners); i++)
    {
      double mx, my;

      if (!qrt_selection_layer_widget_to_mercator (self->selection_layer, corners[i][0],
                                                   corners[i][1], &mx, &my))
        return 0;
      qrt_bbox_extend (&rect, mx, my);
    }

  selected = find_shown_layer (self, qrt_selection_get_layer_name (self->selection));
  if (_qrt_window_get_active_layer (self) != NULL)
    item = _qrt_window_get_active_layer (self);
  else if (selected != NULL && is_pickable (self, selected))
    item = selected;

  if (item != NULL)
    {
      if (is_pickable (self, item))
        hits = qrt_layer_query_rect (qrt_project_layer_get_layer (item), QRT_COORDS_MERCATOR,
                                     &rect);
    }
  else
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->project));

      for (guint i = n; i-- > 0 && item == NULL;)
        {
          QrtProjectLayer *candidate = g_list_model_get_item (G_LIST_MODEL (self->project), i);

          /* Borrowed: the project keeps its layers alive. */
          g_object_unref (candidate);
          if (!is_pickable (self, candidate))
            continue;
          hits = qrt_layer_query_rect (qrt_project_layer_get_layer (candidate),
                                       QRT_COORDS_MERCATOR, &rect);
          if (hits->len > 0)
            item = candidate;
          else
            g_clear_pointer (&hits, g_array_unref);
        }
    }

  if (item == NULL || hits == NULL || hits->len == 0)
    {
      if (!extend)
        qrt_selection_clear (self->selection);
      return 0;
    }

  qrt_selection_select (self->selection, qrt_project_layer_get_name (item),
                        (const guint *) hits->data, hits->len, extend);
  return hits->len;
}

void
_qrt_window_map_hover (QrtWindow *self,
                       double     x,
                       double     y)
{
  QrtProjectLayer *item;
  int feature = -1;

  item = self->band_active || self->draw_area ? NULL : pick (self, x, y, &feature);
  qrt_selection_layer_set_hover (self->selection_layer,
                                 item != NULL ? qrt_project_layer_get_layer (item) : NULL,
                                 feature,
                                 item != NULL ? point_radius (item) : 0);
}

void
_qrt_window_clear_selection (QrtWindow *self)
{
  hide_inspect (self);
  qrt_selection_clear (self->selection);
}

static void
pending_click_free (PendingClick *click)
{
  g_clear_handle_id (&click->timeout_id, g_source_remove);
  g_free (click);
}

static gboolean
pending_click_cb (gpointer user_data)
{
  PendingClick *click = user_data;
  QrtWindow *self = click->self;

  click->timeout_id = 0;
  _qrt_window_map_click (self, click->x, click->y, click->state);
  g_object_set_data (G_OBJECT (self), PENDING_CLICK_KEY, NULL);

  return G_SOURCE_REMOVE;
}

static void
click_pressed_cb (QrtWindow       *self,
                  int              n_press,
                  double           x,
                  double           y,
                  GtkGestureClick *gesture)
{
  /* The second click of a double click zooms (ShumateMap's own gesture): the first one
   * must not select, nor open a popover that would take the second. */
  if (n_press > 1)
    g_object_set_data (G_OBJECT (self), PENDING_CLICK_KEY, NULL);
}

static void
click_released_cb (QrtWindow       *self,
                   int              n_press,
                   double           x,
                   double           y,
                   GtkGestureClick *gesture)
{
  PendingClick *click;
  int double_click_time = 400;

  /* Drawing an area: a click is not a rectangle, and selects nothing either. */
  if (n_press != 1 || self->draw_area)
    return;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)),
                "gtk-double-click-time", &double_click_time,
                NULL);

  click = g_new0 (PendingClick, 1);
  click->self = self;
  click->x = x;
  click->y = y;
  click->state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  click->timeout_id = g_timeout_add (double_click_time, pending_click_cb, click);
  g_object_set_data_full (G_OBJECT (self), PENDING_CLICK_KEY, click,
                          (GDestroyNotify) pending_click_free);
}

static void
drag_begin_cb (QrtWindow      *self,
               double          start_x,
               double          start_y,
               GtkGestureDrag *gesture)
{
  GdkModifierType state;

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  if (self->project == NULL ||
      !(self->draw_area || self->select_rectangle || (state & GDK_CONTROL_MASK)))
    {
      /* An ordinary drag moves the map. */
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  /* Claimed in the capture phase, before ShumateMap's own drag would move the map. */
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->band_active = TRUE;
  self->band_x = start_x;
  self->band_y = start_y;
  /* An offline area is drawn dashed: it is a boundary, not a selection. */
  qrt_selection_layer_set_band_dashed (self->selection_layer, self->draw_area);
  hide_inspect (self);
  qrt_selection_layer_set_hover (self->selection_layer, NULL, -1, 0);
}

static void
drag_update_cb (QrtWindow      *self,
                double          offset_x,
                double          offset_y,
                GtkGestureDrag *gesture)
{
  if (!self->band_active)
    return;

  qrt_selection_layer_set_band (self->selection_layer,
                                &GRAPHENE_RECT_INIT (self->band_x, self->band_y,
                                                     offset_x, offset_y));
}

static void
drag_end_cb (QrtWindow      *self,
             double          offset_x,
             double          offset_y,
             GtkGestureDrag *gesture)
{
  GdkModifierType state;

  if (!self->band_active)
    return;

  self->band_active = FALSE;
  qrt_selection_layer_set_band (self->selection_layer, NULL);

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  if (self->draw_area)
    {
      /* A click draws nothing: the map stays ready for the rectangle. */
      if (fabs (offset_x) >= CLICK_SLOP || fabs (offset_y) >= CLICK_SLOP)
        _qrt_window_map_draw_rect (self, self->band_x, self->band_y,
                                   self->band_x + offset_x, self->band_y + offset_y);
      return;
    }

  if (fabs (offset_x) < CLICK_SLOP && fabs (offset_y) < CLICK_SLOP)
    {
      /* Ctrl+click: like Shift+click, add or take out one feature. */
      _qrt_window_map_click (self, self->band_x, self->band_y,
                             state & GDK_CONTROL_MASK ? state | GDK_SHIFT_MASK : state);
      return;
    }

  _qrt_window_map_select_rect (self, self->band_x, self->band_y,
                               self->band_x + offset_x, self->band_y + offset_y,
                               (state & GDK_SHIFT_MASK) != 0);
}

/**
 * _qrt_window_map_draw_rect:
 *
 * Ends the drawing of an offline area with the rectangle between the widget positions
 * (@x1, @y1) and (@x2, @y2): its corners in WGS 84 go to the offline areas dialog.
 *
 * Returns: %FALSE when no area is being drawn or the rectangle is off the world
 */
gboolean
_qrt_window_map_draw_rect (QrtWindow *self,
                           double     x1,
                           double     y1,
                           double     x2,
                           double     y2)
{
  const double corners[4][2] = { { x1, y1 }, { x2, y1 }, { x1, y2 }, { x2, y2 } };
  ShumateViewport *viewport;
  GtkWidget *map;
  QrtBBox box;

  g_return_val_if_fail (QRT_IS_WINDOW (self), FALSE);

  if (!self->draw_area)
    return FALSE;

  viewport = shumate_simple_map_get_viewport (self->map);
  map = GTK_WIDGET (shumate_simple_map_get_map (self->map));
  qrt_bbox_init_empty (&box);
  for (guint i = 0; i < G_N_ELEMENTS (corners); i++)
    {
      double latitude, longitude;

      shumate_viewport_widget_coords_to_location (viewport, map, corners[i][0], corners[i][1],
                                                  &latitude, &longitude);
      /* Web Mercator ends at ±85.05°; tile numbers past it do not exist. */
      qrt_bbox_extend (&box, CLAMP (longitude, -180.0, 180.0),
                       CLAMP (latitude, -85.0511, 85.0511));
    }
  if (qrt_bbox_is_empty (&box) || box.min_x >= box.max_x || box.min_y >= box.max_y)
    return FALSE;

  _qrt_window_end_draw_area (self, &box);
  return TRUE;
}

/* Escape while dragging: the rectangle goes, the drag with it. */
void
_qrt_window_map_cancel_band (QrtWindow *self)
{
  if (!self->band_active)
    return;

  self->band_active = FALSE;
  qrt_selection_layer_set_band (self->selection_layer, NULL);
  if (self->band_gesture != NULL)
    gtk_event_controller_reset (GTK_EVENT_CONTROLLER (self->band_gesture));
}

static void
motion_cb (QrtWindow                *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *motion)
{
  _qrt_window_map_hover (self, x, y);
}

static void
leave_cb (QrtWindow                *self,
          GtkEventControllerMotion *motion)
{
  qrt_selection_layer_set_hover (self->selection_layer, NULL, -1, 0);
}

void
_qrt_window_init_map (QrtWindow *self)
{
  ShumateMap *map = shumate_simple_map_get_map (self->map);
  ShumateViewport *viewport = shumate_simple_map_get_viewport (self->map);
  GtkEventController *motion;
  GtkGesture *click;
  GtkGesture *drag;

  self->selection_layer = g_object_ref_sink (qrt_selection_layer_new (viewport));
  shumate_map_add_layer (map, SHUMATE_LAYER (self->selection_layer));

  /* On the map itself: libshumate's layers let pointer events through to it. */
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect_swapped (click, "pressed", G_CALLBACK (click_pressed_cb), self);
  g_signal_connect_swapped (click, "released", G_CALLBACK (click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (map), GTK_EVENT_CONTROLLER (click));

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drag), GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect_swapped (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (map), GTK_EVENT_CONTROLLER (drag));
  self->band_gesture = drag;

  motion = gtk_event_controller_motion_new ();
  g_signal_connect_swapped (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect_swapped (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (map), motion);

  g_signal_connect_object (self->selection, "changed", G_CALLBACK (selection_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

void
_qrt_window_dispose_map (QrtWindow *self)
{
  g_object_set_data (G_OBJECT (self), PENDING_CLICK_KEY, NULL);
  self->band_gesture = NULL;
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_func (self->selection, selection_changed_cb, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->selection_layer);
}
