/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-offline-bar.h"
#include "qrt-ui.h"

/*
 * The bar under the header that says the window works offline, in the manner of
 * libadwaita's later AdwBanner (not in 1.2). When the user chose Work Offline it offers
 * "Go Online" (win.work-offline); when the network is gone there is nothing to click.
 */

struct _QrtOfflineBar
{
  GtkWidget    parent_instance;

  GtkRevealer *revealer;
  GtkLabel    *label;
  GtkWidget   *button;

  gboolean     manual;
};

G_DEFINE_FINAL_TYPE (QrtOfflineBar, qrt_offline_bar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_REVEALED,
  PROP_MANUAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_label (QrtOfflineBar *self)
{
  gtk_label_set_label (self->label,
                       self->manual
                         ? _("Working offline — showing cached data")
                         : _("No network connection — showing cached data"));
  gtk_widget_set_visible (self->button, self->manual);
}

static void
qrt_offline_bar_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), QRT_TYPE_OFFLINE_BAR);

  G_OBJECT_CLASS (qrt_offline_bar_parent_class)->dispose (object);
}

static void
qrt_offline_bar_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  QrtOfflineBar *self = QRT_OFFLINE_BAR (object);

  switch (prop_id)
    {
    case PROP_REVEALED:
      g_value_set_boolean (value, qrt_offline_bar_get_revealed (self));
      break;

    case PROP_MANUAL:
      g_value_set_boolean (value, self->manual);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_offline_bar_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  QrtOfflineBar *self = QRT_OFFLINE_BAR (object);

  switch (prop_id)
    {
    case PROP_REVEALED:
      qrt_offline_bar_set_revealed (self, g_value_get_boolean (value));
      break;

    case PROP_MANUAL:
      qrt_offline_bar_set_manual (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_offline_bar_class_init (QrtOfflineBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrt_offline_bar_dispose;
  object_class->get_property = qrt_offline_bar_get_property;
  object_class->set_property = qrt_offline_bar_set_property;

  properties[PROP_REVEALED] =
    g_param_spec_boolean ("revealed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MANUAL] =
    g_param_spec_boolean ("manual", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  qrt_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-offline-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineBar, revealer);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineBar, label);
  gtk_widget_class_bind_template_child (widget_class, QrtOfflineBar, button);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "qrtofflinebar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
qrt_offline_bar_init (QrtOfflineBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_label (self);
}

GtkWidget *
qrt_offline_bar_new (void)
{
  return g_object_new (QRT_TYPE_OFFLINE_BAR, NULL);
}

gboolean
qrt_offline_bar_get_revealed (QrtOfflineBar *self)
{
  g_return_val_if_fail (QRT_IS_OFFLINE_BAR (self), FALSE);

  return gtk_revealer_get_reveal_child (self->revealer);
}

void
qrt_offline_bar_set_revealed (QrtOfflineBar *self,
                              gboolean       revealed)
{
  g_return_if_fail (QRT_IS_OFFLINE_BAR (self));

  revealed = !!revealed;
  if (gtk_revealer_get_reveal_child (self->revealer) == revealed)
    return;

  gtk_revealer_set_reveal_child (self->revealer, revealed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALED]);
}

gboolean
qrt_offline_bar_get_manual (QrtOfflineBar *self)
{
  g_return_val_if_fail (QRT_IS_OFFLINE_BAR (self), FALSE);

  return self->manual;
}

/**
 * qrt_offline_bar_set_manual:
 * @manual: the user chose to work offline (rather than the network being gone)
 */
void
qrt_offline_bar_set_manual (QrtOfflineBar *self,
                            gboolean       manual)
{
  g_return_if_fail (QRT_IS_OFFLINE_BAR (self));

  manual = !!manual;
  if (self->manual == manual)
    return;

  self->manual = manual;
  update_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MANUAL]);
}
