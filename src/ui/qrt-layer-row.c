/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-layer-row.h"

/* One row of the layer sidebar: geometry icon, title, feature count, a visibility check
 * bound to the layer's "visible" property and a menu (opacity, zoom, order, rename, style,
 * properties, refresh from source, remove). Rows can be dragged onto each other to change the
 * drawing order.
 *
 * The row does nothing to the project itself: its menu items and drops activate the window's
 * `layer.*` actions with the layer's name, so that the keyboard, the menu and drag and drop
 * all go through the same code. Refresh from Source is layer.refresh — sensitive when the
 * window can refresh now — for a layer that came from a data space ("refreshable", set by the
 * window), and the row's own row.refresh-unavailable, never enabled, for any other. */

struct _QrtLayerRow
{
  GtkWidget        parent_instance;

  QrtProjectLayer *layer;
  gulong           title_handler;

  GtkImage        *icon;
  GtkLabel        *title;
  GtkLabel        *subtitle;
  GtkCheckButton  *visible_check;
  GtkMenuButton   *menu_button;

  gboolean         refreshable;

  GtkAdjustment   *opacity;
  GBinding        *visible_binding;
  GBinding        *opacity_binding;
};

G_DEFINE_FINAL_TYPE (QrtLayerRow, qrt_layer_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LAYER,
  PROP_REFRESHABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
append_item (GMenu      *menu,
             const char *label,
             const char *action,
             const char *name)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (name));
  g_menu_append_item (menu, item);
}

static GMenuModel *
build_menu (const char *name,
            gboolean    refreshable)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) opacity = g_menu_new ();
  g_autoptr(GMenu) view = g_menu_new ();
  g_autoptr(GMenu) edit = g_menu_new ();
  g_autoptr(GMenu) remove = g_menu_new ();
  g_autoptr(GMenuItem) slider = g_menu_item_new (NULL, NULL);

  g_menu_item_set_attribute (slider, "custom", "s", "opacity");
  g_menu_append_item (opacity, slider);

  append_item (view, _("_Zoom to Layer"), "layer.zoom-to", name);
  append_item (view, _("Move _Up"), "layer.move-up", name);
  append_item (view, _("Move _Down"), "layer.move-down", name);
  append_item (edit, _("_Rename…"), "layer.rename", name);
  append_item (edit, _("_Style…"), "layer.style", name);
  append_item (edit, _("_Properties…"), "layer.properties", name);
  if (refreshable)
    append_item (edit, _("Refresh from _Source"), "layer.refresh", name);
  else
    g_menu_append (edit, _("Refresh from _Source"), "row.refresh-unavailable");
  append_item (remove, _("Re_move"), "layer.remove", name);

  g_menu_append_section (menu, NULL, G_MENU_MODEL (opacity));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (view));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (edit));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (remove));

  return G_MENU_MODEL (menu);
}

static char *
format_percent_cb (GtkScale *scale,
                   double    value,
                   gpointer  user_data)
{
  /* Translators: an opacity, e.g. "80 %" (German puts a space before the sign) */
  return g_strdup_printf (_("%.0f %%"), value * 100);
}

static GtkWidget *
create_opacity_slider (QrtLayerRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new (_("Opacity"));
  GtkWidget *scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->opacity);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_scale_set_value_pos (GTK_SCALE (scale), GTK_POS_RIGHT);
  gtk_scale_set_format_value_func (GTK_SCALE (scale), format_percent_cb, NULL, NULL);
  gtk_widget_set_size_request (scale, 180, -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (scale),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  -1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), scale);

  return box;
}

static void
layer_notify_title_cb (QrtLayerRow     *self,
                       GParamSpec      *pspec,
                       QrtProjectLayer *layer)
{
  const char *title = qrt_project_layer_get_title (layer);

  gtk_label_set_label (self->title, title);
  /* The check has no label of its own; a screen reader should name the layer. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->visible_check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
}

static void
unbind (QrtLayerRow *self)
{
  g_clear_pointer (&self->visible_binding, g_binding_unbind);
  g_clear_pointer (&self->opacity_binding, g_binding_unbind);
  if (self->layer != NULL)
    g_clear_signal_handler (&self->title_handler, self->layer);
}

/* The menu's items carry the layer's name as their target, so it is built per layer. */
static void
update_menu (QrtLayerRow *self)
{
  g_autoptr(GMenuModel) menu = NULL;
  GtkWidget *popover;

  if (self->layer == NULL)
    {
      gtk_menu_button_set_popover (self->menu_button, NULL);
      return;
    }

  menu = build_menu (qrt_project_layer_get_name (self->layer), self->refreshable);
  popover = gtk_popover_menu_new_from_model (menu);
  gtk_popover_menu_add_child (GTK_POPOVER_MENU (popover), create_opacity_slider (self),
                              "opacity");
  gtk_menu_button_set_popover (self->menu_button, popover);
}

static void
update (QrtLayerRow *self)
{
  g_autofree char *count = NULL;
  QrtLayer *layer;
  guint n_features;

  if (self->layer == NULL)
    {
      gtk_image_clear (self->icon);
      gtk_label_set_label (self->title, "");
      gtk_label_set_label (self->subtitle, "");
      gtk_menu_button_set_popover (self->menu_button, NULL);
      return;
    }

  layer = qrt_project_layer_get_layer (self->layer);
  n_features = layer != NULL ? qrt_layer_get_n_features (layer) : 0;
  /* Translators: the number of features (buildings, streets, …) of a layer */
  count = g_strdup_printf (ngettext ("%u feature", "%u features", n_features), n_features);

  gtk_image_set_from_icon_name (self->icon, qrt_project_layer_get_icon_name (self->layer));
  gtk_label_set_label (self->subtitle, count);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), qrt_project_layer_get_name (self->layer));
  layer_notify_title_cb (self, NULL, self->layer);
  self->title_handler = g_signal_connect_object (self->layer, "notify::title",
                                                 G_CALLBACK (layer_notify_title_cb), self,
                                                 G_CONNECT_SWAPPED);

  self->visible_binding = g_object_bind_property (self->layer, "visible",
                                                  self->visible_check, "active",
                                                  G_BINDING_BIDIRECTIONAL |
                                                  G_BINDING_SYNC_CREATE);
  self->opacity_binding = g_object_bind_property (self->layer, "opacity",
                                                  self->opacity, "value",
                                                  G_BINDING_BIDIRECTIONAL |
                                                  G_BINDING_SYNC_CREATE);

  update_menu (self);
}

static void
activate_layer_action (QrtLayerRow *self,
                       const char  *action)
{
  if (self->layer != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), action, "s",
                                qrt_project_layer_get_name (self->layer));
}

static gboolean
move_shortcut_cb (GtkWidget *widget,
                  GVariant  *args,
                  gpointer   user_data)
{
  activate_layer_action (QRT_LAYER_ROW (widget), g_variant_get_string (args, NULL));
  return TRUE;
}

static void
secondary_click_pressed_cb (QrtLayerRow     *self,
                            int              n_press,
                            double           x,
                            double           y,
                            GtkGestureClick *gesture)
{
  if (self->layer == NULL)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_menu_button_popup (self->menu_button);
}

static GdkContentProvider *
drag_prepare_cb (QrtLayerRow   *self,
                 double         x,
                 double         y,
                 GtkDragSource *source)
{
  if (self->layer == NULL)
    return NULL;

  return gdk_content_provider_new_typed (QRT_TYPE_PROJECT_LAYER, self->layer);
}

static void
drag_begin_cb (QrtLayerRow   *self,
               GdkDrag       *drag,
               GtkDragSource *source)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (self));

  gtk_drag_source_set_icon (source, paintable, 0, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self), "dragged");
}

static void
drag_end_cb (QrtLayerRow   *self,
             GdkDrag       *drag,
             gboolean       delete_data,
             GtkDragSource *source)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self), "dragged");
}

static void
clear_drop_marks (QrtLayerRow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self), "drop-above");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "drop-below");
}

/* The upper half of a row puts the dropped layer above it, the lower half below. */
static gboolean
drop_above (QrtLayerRow *self,
            double       y)
{
  return y < gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
}

static GdkDragAction
drop_motion_cb (QrtLayerRow   *self,
                double         x,
                double         y,
                GtkDropTarget *target)
{
  gboolean above = drop_above (self, y);

  clear_drop_marks (self);
  gtk_widget_add_css_class (GTK_WIDGET (self), above ? "drop-above" : "drop-below");

  return GDK_ACTION_MOVE;
}

static void
drop_leave_cb (QrtLayerRow   *self,
               GtkDropTarget *target)
{
  clear_drop_marks (self);
}

static gboolean
drop_cb (QrtLayerRow   *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  QrtProjectLayer *dropped;

  clear_drop_marks (self);

  if (self->layer == NULL || !G_VALUE_HOLDS (value, QRT_TYPE_PROJECT_LAYER))
    return FALSE;

  dropped = g_value_get_object (value);
  if (dropped == NULL || dropped == self->layer)
    return FALSE;

  return gtk_widget_activate_action (GTK_WIDGET (self), "layer.drop", "(ssb)",
                                     qrt_project_layer_get_name (dropped),
                                     qrt_project_layer_get_name (self->layer),
                                     drop_above (self, y));
}

static void
refresh_unavailable_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  /* Never enabled. */
}

static void
qrt_layer_row_dispose (GObject *object)
{
  QrtLayerRow *self = QRT_LAYER_ROW (object);
  GtkWidget *child;

  unbind (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), QRT_TYPE_LAYER_ROW);
  /* dispose_template () leaves the template's unnamed children in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->layer);
  g_clear_object (&self->opacity);

  G_OBJECT_CLASS (qrt_layer_row_parent_class)->dispose (object);
}

static void
qrt_layer_row_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  QrtLayerRow *self = QRT_LAYER_ROW (object);

  switch (prop_id)
    {
    case PROP_LAYER:
      g_value_set_object (value, self->layer);
      break;

    case PROP_REFRESHABLE:
      g_value_set_boolean (value, self->refreshable);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_layer_row_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  QrtLayerRow *self = QRT_LAYER_ROW (object);

  switch (prop_id)
    {
    case PROP_LAYER:
      qrt_layer_row_set_layer (self, g_value_get_object (value));
      break;

    case PROP_REFRESHABLE:
      qrt_layer_row_set_refreshable (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_layer_row_class_init (QrtLayerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrt_layer_row_dispose;
  object_class->get_property = qrt_layer_row_get_property;
  object_class->set_property = qrt_layer_row_set_property;

  properties[PROP_LAYER] =
    g_param_spec_object ("layer", NULL, NULL,
                         QRT_TYPE_PROJECT_LAYER,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * QrtLayerRow:refreshable:
   *
   * Whether the layer came from a data space and can be fetched from there again.
   */
  properties[PROP_REFRESHABLE] =
    g_param_spec_boolean ("refreshable", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Stands for Refresh from Source on a layer that did not come from a data space: the item
   * is there, insensitive, so that the menu looks the same for every layer. */
  gtk_widget_class_install_action (widget_class, "row.refresh-unavailable", NULL,
                                   refresh_unavailable_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-layer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, icon);
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, title);
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, subtitle);
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, visible_check);
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, menu_button);

  /* While the focus is in the row (its check or menu button). */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Up, GDK_ALT_MASK,
                                move_shortcut_cb, "s", "layer.move-up");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Down, GDK_ALT_MASK,
                                move_shortcut_cb, "s", "layer.move-down");

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "qrtlayerrow");
}

static void
qrt_layer_row_init (QrtLayerRow *self)
{
  GtkDragSource *source;
  GtkDropTarget *target;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.refresh-unavailable", FALSE);

  self->opacity = g_object_ref_sink (gtk_adjustment_new (1, 0, 1, 0.05, 0.1, 0));

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect_swapped (source, "prepare", G_CALLBACK (drag_prepare_cb), self);
  g_signal_connect_swapped (source, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect_swapped (source, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (source));

  target = gtk_drop_target_new (QRT_TYPE_PROJECT_LAYER, GDK_ACTION_MOVE);
  g_signal_connect_swapped (target, "motion", G_CALLBACK (drop_motion_cb), self);
  g_signal_connect_swapped (target, "leave", G_CALLBACK (drop_leave_cb), self);
  g_signal_connect_swapped (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect_swapped (click, "pressed", G_CALLBACK (secondary_click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

/**
 * qrt_layer_row_get_layer:
 * @self: a #QrtLayerRow
 *
 * Returns: (transfer none) (nullable): the layer shown
 */
QrtProjectLayer *
qrt_layer_row_get_layer (QrtLayerRow *self)
{
  g_return_val_if_fail (QRT_IS_LAYER_ROW (self), NULL);

  return self->layer;
}

void
qrt_layer_row_set_layer (QrtLayerRow     *self,
                         QrtProjectLayer *layer)
{
  g_return_if_fail (QRT_IS_LAYER_ROW (self));
  g_return_if_fail (layer == NULL || QRT_IS_PROJECT_LAYER (layer));

  if (self->layer == layer)
    return;

  unbind (self);
  g_set_object (&self->layer, layer);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
}

gboolean
qrt_layer_row_get_refreshable (QrtLayerRow *self)
{
  g_return_val_if_fail (QRT_IS_LAYER_ROW (self), FALSE);

  return self->refreshable;
}

void
qrt_layer_row_set_refreshable (QrtLayerRow *self,
                               gboolean     refreshable)
{
  g_return_if_fail (QRT_IS_LAYER_ROW (self));

  refreshable = !!refreshable;
  if (self->refreshable == refreshable)
    return;

  self->refreshable = refreshable;
  update_menu (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFRESHABLE]);
}
