/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "qrt-style.h"

static QrtStyle *
style_copy (const QrtStyle *style)
{
  return g_memdup2 (style, sizeof *style);
}

G_DEFINE_BOXED_TYPE (QrtStyle, qrt_style, style_copy, g_free)

/* Calm, muted colours that stay readable over each other; picked by layer index for
 * projects that bring no style of their own. */
static const char * const palette[] = {
  "#7fa8c9", "#c9a27f", "#8fbf8a", "#b58fc9", "#c98f8f", "#c9c27f", "#7fc9bd", "#9a9a9a",
};

/**
 * qrt_style_init_default:
 * @kind: geometry kind of the layer
 * @index: the layer's position, to vary colours between layers
 *
 * Fills @style with Quartier's default look for a layer that has none saved.
 */
void
qrt_style_init_default (QrtStyle        *style,
                        QrtGeometryKind  kind,
                        guint            index)
{
  QrtColor base;

  g_return_if_fail (style != NULL);

  qrt_color_parse (&base, palette[index % G_N_ELEMENTS (palette)]);

  *style = (QrtStyle) {
    .fill = base,
    .stroke = base,
    .stroke_width = 1.0,
    .point_radius = 3.0,
    .opacity = 1.0,
    .visible = TRUE,
    .min_zoom = 0,
  };

  switch (kind)
    {
    case QRT_GEOMETRY_POLYGON:
      style->fill.alpha = 0.45;
      style->stroke.red *= 0.7;
      style->stroke.green *= 0.7;
      style->stroke.blue *= 0.7;
      style->stroke_width = 0.8;
      break;
    case QRT_GEOMETRY_LINE:
      style->fill.alpha = 0;
      style->stroke_width = 1.5;
      break;
    case QRT_GEOMETRY_POINT:
      style->stroke = (QrtColor) { 1, 1, 1, 0.9 };
      style->stroke_width = 1.0;
      break;
    case QRT_GEOMETRY_NONE:
    default:
      break;
    }
}

static gboolean
parse_hex (const char *text,
           guint       len,
           double     *out)
{
  guint value = 0;

  for (guint i = 0; i < len; i++)
    {
      int digit = g_ascii_xdigit_value (text[i]);

      if (digit < 0)
        return FALSE;
      value = value * 16 + (guint) digit;
    }
  *out = value / (len == 1 ? 15.0 : 255.0);
  return TRUE;
}

/**
 * qrt_color_parse:
 * @text: "#rrggbb" or "#rrggbbaa"
 *
 * Returns: %TRUE if @text was a colour; @color is unchanged otherwise.
 */
gboolean
qrt_color_parse (QrtColor   *color,
                 const char *text)
{
  QrtColor c = { 0, 0, 0, 1 };
  gsize len;

  g_return_val_if_fail (color != NULL, FALSE);

  if (text == NULL || text[0] != '#')
    return FALSE;
  len = strlen (text + 1);
  if (len != 6 && len != 8)
    return FALSE;
  if (!parse_hex (text + 1, 2, &c.red) || !parse_hex (text + 3, 2, &c.green) ||
      !parse_hex (text + 5, 2, &c.blue) || (len == 8 && !parse_hex (text + 7, 2, &c.alpha)))
    return FALSE;

  *color = c;
  return TRUE;
}

char *
qrt_color_to_string (const QrtColor *color)
{
  g_return_val_if_fail (color != NULL, NULL);

  return g_strdup_printf ("#%02x%02x%02x%02x",
                          (guint) lround (CLAMP (color->red, 0, 1) * 255),
                          (guint) lround (CLAMP (color->green, 0, 1) * 255),
                          (guint) lround (CLAMP (color->blue, 0, 1) * 255),
                          (guint) lround (CLAMP (color->alpha, 0, 1) * 255));
}

/**
 * qrt_style_class_set_label:
 * @label: (nullable): the class's name in the legend; %NULL, empty or only blanks for none
 *
 * Keeps the first %QRT_STYLE_LABEL_CHARS characters of @label, without surrounding blanks;
 * bytes that are not UTF-8 end it.
 */
void
qrt_style_class_set_label (QrtStyleClass *klass,
                           const char    *label)
{
  g_autofree char *text = g_strstrip (g_strdup (label != NULL ? label : ""));
  const char *end;

  g_return_if_fail (klass != NULL);

  g_utf8_validate (text, -1, &end);
  if (g_utf8_strlen (text, end - text) > QRT_STYLE_LABEL_CHARS)
    end = g_utf8_offset_to_pointer (text, QRT_STYLE_LABEL_CHARS);
  /* Four bytes at most a character: it fits. */
  memcpy (klass->label, text, end - text);
  klass->label[end - text] = '\0';
  g_strchomp (klass->label);
}

/**
 * qrt_style_to_json:
 *
 * Returns: (transfer full): the style as the JSON object stored in `qrt_styles`.
 */
char *
qrt_style_to_json (const QrtStyle *style)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *fill = NULL;
  g_autofree char *stroke = NULL;

  g_return_val_if_fail (style != NULL, NULL);

  fill = qrt_color_to_string (&style->fill);
  stroke = qrt_color_to_string (&style->stroke);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "fill");
  json_builder_add_string_value (builder, fill);
  json_builder_set_member_name (builder, "stroke");
  json_builder_add_string_value (builder, stroke);
  json_builder_set_member_name (builder, "stroke-width");
  json_builder_add_double_value (builder, style->stroke_width);
  json_builder_set_member_name (builder, "point-radius");
  json_builder_add_double_value (builder, style->point_radius);
  json_builder_set_member_name (builder, "opacity");
  json_builder_add_double_value (builder, style->opacity);
  json_builder_set_member_name (builder, "visible");
  json_builder_add_boolean_value (builder, style->visible);
  json_builder_set_member_name (builder, "min-zoom");
  json_builder_add_int_value (builder, style->min_zoom);
  if (style->label_field[0] != '\0')
    {
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, style->label_field);
    }
  if (style->mode != QRT_STYLE_SINGLE)
    {
      json_builder_set_member_name (builder, "mode");
      json_builder_add_string_value (builder, style->mode == QRT_STYLE_GRADUATED ? "graduated"
                                                                               : "categorized");
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, style->field);
      json_builder_set_member_name (builder, "classes");
      json_builder_begin_array (builder);
      for (guint i = 0; i < style->n_classes; i++)
        {
          g_autofree char *colour = qrt_color_to_string (&style->classes[i].colour);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "colour");
          json_builder_add_string_value (builder, colour);
          json_builder_set_member_name (builder, style->mode == QRT_STYLE_GRADUATED ? "upper"
                                                                                   : "value");
          if (style->mode == QRT_STYLE_GRADUATED)
            json_builder_add_double_value (builder, style->classes[i].upper);
          else
            json_builder_add_string_value (builder, style->classes[i].value);
          if (style->classes[i].label[0] != '\0')
            {
              json_builder_set_member_name (builder, "label");
              json_builder_add_string_value (builder, style->classes[i].label);
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static double
member_double (JsonObject *object,
               const char *name,
               double      fallback,
               double      min,
               double      max)
{
  JsonNode *node = json_object_get_member (object, name);
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) == G_TYPE_STRING)
    return fallback;
  value = json_node_get_double (node);
  return isfinite (value) ? CLAMP (value, min, max) : fallback;
}

static gboolean
read_classes (QrtStyle    *style,
              JsonObject  *object,
              GError     **error)
{
  const char *mode = json_object_get_string_member_with_default (object, "mode", "single");
  JsonNode *node = json_object_get_member (object, "classes");
  JsonArray *classes;

  if (g_str_equal (mode, "single"))
    {
      style->mode = QRT_STYLE_SINGLE;
      style->n_classes = 0;
      return TRUE;
    }
  if (!g_str_equal (mode, "graduated") && !g_str_equal (mode, "categorized"))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                   _("A layer style has the unknown mode “%s”."), mode);
      return FALSE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           _("A classified layer style has no list of classes."));
      return FALSE;
    }

  style->mode = g_str_equal (mode, "graduated") ? QRT_STYLE_GRADUATED : QRT_STYLE_CATEGORIZED;
  g_strlcpy (style->field, json_object_get_string_member_with_default (object, "field", ""),
             sizeof style->field);
  classes = json_node_get_array (node);
  style->n_classes = MIN (json_array_get_length (classes), QRT_STYLE_MAX_CLASSES);
  for (guint i = 0; i < style->n_classes; i++)
    {
      JsonNode *item = json_array_get_element (classes, i);
      JsonObject *klass = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;

      memset (&style->classes[i], 0, sizeof style->classes[i]);
      if (klass == NULL)
        continue;
      qrt_color_parse (&style->classes[i].colour,
                       json_object_get_string_member_with_default (klass, "colour", ""));
      style->classes[i].upper = member_double (klass, "upper", 0, -G_MAXDOUBLE, G_MAXDOUBLE);
      g_strlcpy (style->classes[i].value,
                 json_object_get_string_member_with_default (klass, "value", ""),
                 sizeof style->classes[i].value);
      qrt_style_class_set_label (&style->classes[i],
                                 json_object_get_string_member_with_default (klass, "label", ""));
    }
  return TRUE;
}

/**
 * qrt_style_from_json:
 * @style: (inout): a style whose fields are kept where @json says nothing
 *
 * Returns: %FALSE with @error set if @json is not a JSON object.
 */
gboolean
qrt_style_from_json (QrtStyle    *style,
                     const char  *json,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonNode *root;

  g_return_val_if_fail (style != NULL, FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           _("A layer style is not a JSON object."));
      return FALSE;
    }
  object = json_node_get_object (root);

  qrt_color_parse (&style->fill, json_object_get_string_member_with_default (object, "fill", ""));
  qrt_color_parse (&style->stroke,
                   json_object_get_string_member_with_default (object, "stroke", ""));
  style->stroke_width = member_double (object, "stroke-width", style->stroke_width, 0, 50);
  style->point_radius = member_double (object, "point-radius", style->point_radius, 0, 50);
  style->opacity = member_double (object, "opacity", style->opacity, 0, 1);
  style->visible = json_object_get_boolean_member_with_default (object, "visible", style->visible);
  style->min_zoom = (int) member_double (object, "min-zoom", style->min_zoom, 0, 24);
  g_strlcpy (style->label_field,
             json_object_get_string_member_with_default (object, "label", style->label_field),
             sizeof style->label_field);

  return read_classes (style, object, error);
}
