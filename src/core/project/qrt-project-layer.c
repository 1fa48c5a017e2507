/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-project-layer.h"

struct _QrtProjectLayer
{
  GObject   parent_instance;

  QrtLayer *layer;
  char     *title;
  QrtStyle  style;
  char     *source;
  char     *licence;
  char     *attribution;
  char     *imported_at;
};

G_DEFINE_FINAL_TYPE (QrtProjectLayer, qrt_project_layer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LAYER,
  PROP_NAME,
  PROP_TITLE,
  PROP_VISIBLE,
  PROP_ICON_NAME,
  PROP_OPACITY,
  N_PROPS
};

enum {
  STYLE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
qrt_project_layer_finalize (GObject *object)
{
  QrtProjectLayer *self = QRT_PROJECT_LAYER (object);

  g_clear_object (&self->layer);
  g_free (self->title);
  g_free (self->source);
  g_free (self->licence);
  g_free (self->attribution);
  g_free (self->imported_at);

  G_OBJECT_CLASS (qrt_project_layer_parent_class)->finalize (object);
}

static void
qrt_project_layer_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  QrtProjectLayer *self = QRT_PROJECT_LAYER (object);

  switch (prop_id)
    {
    case PROP_LAYER:
      g_value_set_object (value, self->layer);
      break;
    case PROP_NAME:
      g_value_set_string (value, qrt_project_layer_get_name (self));
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_VISIBLE:
      g_value_set_boolean (value, self->style.visible);
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, qrt_project_layer_get_icon_name (self));
      break;
    case PROP_OPACITY:
      g_value_set_double (value, self->style.opacity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_project_layer_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  QrtProjectLayer *self = QRT_PROJECT_LAYER (object);

  switch (prop_id)
    {
    case PROP_VISIBLE:
      qrt_project_layer_set_visible (self, g_value_get_boolean (value));
      break;
    case PROP_TITLE:
      qrt_project_layer_set_title (self, g_value_get_string (value));
      break;
    case PROP_OPACITY:
      qrt_project_layer_set_opacity (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_project_layer_class_init (QrtProjectLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrt_project_layer_finalize;
  object_class->get_property = qrt_project_layer_get_property;
  object_class->set_property = qrt_project_layer_set_property;

  properties[PROP_LAYER] =
    g_param_spec_object ("layer", NULL, NULL, QRT_TYPE_LAYER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VISIBLE] =
    g_param_spec_boolean ("visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  properties[PROP_OPACITY] =
    g_param_spec_double ("opacity", NULL, NULL, 0, 1, 1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrtProjectLayer::style-changed:
   *
   * Emitted when anything that changes how the layer is drawn changed (style, visibility,
   * opacity): the map renews its renderer.
   */
  signals[STYLE_CHANGED] =
    g_signal_new ("style-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
qrt_project_layer_init (QrtProjectLayer *self)
{
}

/**
 * qrt_project_layer_new:
 * @title: (nullable): the title shown to the user; the layer name if %NULL
 *
 * Returns: (transfer full): a new entry holding a reference to @layer and a copy of @style.
 */
QrtProjectLayer *
qrt_project_layer_new (QrtLayer       *layer,
                       const char     *title,
                       const QrtStyle *style)
{
  QrtProjectLayer *self;

  g_return_val_if_fail (QRT_IS_LAYER (layer), NULL);
  g_return_val_if_fail (style != NULL, NULL);

  self = g_object_new (QRT_TYPE_PROJECT_LAYER, NULL);
  self->layer = g_object_ref (layer);
  self->title = g_strdup (title != NULL && *title ? title : qrt_layer_get_name (layer));
  self->style = *style;
  return self;
}

/**
 * qrt_project_layer_get_layer:
 *
 * Returns: (transfer none): the immutable layer data, safe to hand to worker threads.
 */
QrtLayer *
qrt_project_layer_get_layer (QrtProjectLayer *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (self), NULL);
  return self->layer;
}

const char *
qrt_project_layer_get_name (QrtProjectLayer *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (self), NULL);
  return qrt_layer_get_name (self->layer);
}

const char *
qrt_project_layer_get_title (QrtProjectLayer *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (self), NULL);
  return self->title;
}

const QrtStyle *
qrt_project_layer_get_style (QrtProjectLayer *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (self), NULL);
  return &self->style;
}

gboolean
qrt_project_layer_get_visible (QrtProjectLayer *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (self), FALSE);
  return self->style.visible;
}

void
qrt_project_layer_set_visible (QrtProjectLayer *self,
                               gboolean         visible)
{
  g_return_if_fail (QRT_IS_PROJECT_LAYER (self));

  visible = !!visible;
  if (self->style.visible == visible)
    return;
  self->style.visible = visible;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE]);
  g_signal_emit (self, signals[STYLE_CHANGED], 0);
}

void
qrt_project_layer_set_title (QrtProjectLayer *self,
                             const char      *title)
{
  g_return_if_fail (QRT_IS_PROJECT_LAYER (self));

  if (title == NULL || *title == '\0' || g_strcmp0 (self->title, title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

void
qrt_project_layer_set_opacity (QrtProjectLayer *self,
                               double           opacity)
{
  g_return_if_fail (QRT_IS_PROJECT_LAYER (self));

  opacity = CLAMP (opacity, 0, 1);
  if (self->style.opacity == opacity)
    return;
  self->style.opacity = opacity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
  g_signal_emit (self, signals[STYLE_CHANGED], 0);
}

/**
 * qrt_project_layer_set_style:
 *
 * Replaces the whole style (a copy of @style is kept).
 */
void
qrt_project_layer_set_style (QrtProjectLayer *self,
                             const QrtStyle  *style)
{
  gboolean visible_changed, opacity_changed;

  g_return_if_fail (QRT_IS_PROJECT_LAYER (self));
  g_return_if_fail (style != NULL);

  visible_changed = self->style.visible != style->visible;
  opacity_changed = self->style.opacity != style->opacity;
  self->style = *style;
  if (visible_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE]);
  if (opacity_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
  g_signal_emit (self, signals[STYLE_CHANGED], 0);
}

#define DEFINE_STRING_ACCESSORS(field)                                         \
const char *                                                                   \
qrt_project_layer_get_##field (QrtProjectLayer *self)                          \
{                                                                              \
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (self), NULL);                    \
  return self->field;                                                          \
}                                                                              \
                                                                               \
void                                                                           \
qrt_project_layer_set_##field (QrtProjectLayer *self,                          \
                               const char      *value)                         \
{                                                                              \
  g_return_if_fail (QRT_IS_PROJECT_LAYER (self));                              \
  g_free (self->field);                                                        \
  self->field = g_strdup (value);                                              \
}

DEFINE_STRING_ACCESSORS (source)
DEFINE_STRING_ACCESSORS (licence)
DEFINE_STRING_ACCESSORS (attribution)
DEFINE_STRING_ACCESSORS (imported_at)

/**
 * qrt_project_layer_get_icon_name:
 *
 * Returns: the name of one of Quartier's symbolic layer icons (shipped in the UI's GResource)
 *   for the layer's geometry kind.
 */
const char *
qrt_project_layer_get_icon_name (QrtProjectLayer *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT_LAYER (self), NULL);

  switch (qrt_layer_get_geometry_kind (self->layer))
    {
    case QRT_GEOMETRY_POINT:
      return "qrt-layer-point-symbolic";
    case QRT_GEOMETRY_LINE:
      return "qrt-layer-line-symbolic";
    case QRT_GEOMETRY_POLYGON:
      return "qrt-layer-polygon-symbolic";
    case QRT_GEOMETRY_NONE:
    default:
      return "qrt-layer-table-symbolic";
    }
}
