/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-layer-row.h"

/* One row of the layer sidebar: geometry icon, title, feature count and a visibility check
 * bound to the layer's "visible" property; the window redraws the map when that changes. */

struct _QrtLayerRow
{
  GtkWidget        parent_instance;

  QrtProjectLayer *layer;

  GtkImage        *icon;
  GtkLabel        *title;
  GtkLabel        *subtitle;
  GtkCheckButton  *visible_check;

  GBinding        *visible_binding;
};

G_DEFINE_FINAL_TYPE (QrtLayerRow, qrt_layer_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LAYER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (QrtLayerRow *self)
{
  QrtLayer *layer;
  g_autofree char *count = NULL;
  guint n_features;

  g_clear_pointer (&self->visible_binding, g_binding_unbind);

  if (self->layer == NULL)
    {
      gtk_image_clear (self->icon);
      gtk_label_set_label (self->title, "");
      gtk_label_set_label (self->subtitle, "");
      return;
    }

  layer = qrt_project_layer_get_layer (self->layer);
  n_features = layer != NULL ? qrt_layer_get_n_features (layer) : 0;
  /* Translators: the number of features (buildings, streets, …) of a layer */
  count = g_strdup_printf (ngettext ("%u feature", "%u features", n_features), n_features);

  gtk_image_set_from_icon_name (self->icon, qrt_project_layer_get_icon_name (self->layer));
  gtk_label_set_label (self->title, qrt_project_layer_get_title (self->layer));
  gtk_label_set_label (self->subtitle, count);
  /* The check has no label of its own; a screen reader should name the layer. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->visible_check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  qrt_project_layer_get_title (self->layer),
                                  -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), qrt_project_layer_get_name (self->layer));

  self->visible_binding = g_object_bind_property (self->layer, "visible",
                                                  self->visible_check, "active",
                                                  G_BINDING_BIDIRECTIONAL |
                                                  G_BINDING_SYNC_CREATE);
}

static void
qrt_layer_row_dispose (GObject *object)
{
  QrtLayerRow *self = QRT_LAYER_ROW (object);
  GtkWidget *child;

  g_clear_pointer (&self->visible_binding, g_binding_unbind);
  gtk_widget_dispose_template (GTK_WIDGET (self), QRT_TYPE_LAYER_ROW);
  /* dispose_template () leaves the template's unnamed children in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->layer);

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

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-layer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, icon);
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, title);
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, subtitle);
  gtk_widget_class_bind_template_child (widget_class, QrtLayerRow, visible_check);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "qrtlayerrow");
}

static void
qrt_layer_row_init (QrtLayerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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

  if (!g_set_object (&self->layer, layer))
    return;

  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
}
