/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "qrt-indicator.h"
#include "qrt-json.h"

G_DEFINE_QUARK (qrt-indicator-error-quark, qrt_indicator_error)

struct _QrtIndicatorSet
{
  gatomicrefcount  ref_count;
  GPtrArray       *indicators;   /* QrtIndicator* */
};

static const struct
{
  const char       *name;
  QrtIndicatorKind  kind;
} kinds[] = {
  { "area_share", QRT_KIND_AREA_SHARE },
  { "count", QRT_KIND_COUNT },
  { "sum", QRT_KIND_SUM },
  { "mean", QRT_KIND_MEAN },
  { "ratio", QRT_KIND_RATIO },
  { "within_distance_share", QRT_KIND_WITHIN_DISTANCE_SHARE },
  { "runoff", QRT_KIND_RUNOFF },
  { "exposure", QRT_KIND_EXPOSURE },
  { "composite", QRT_KIND_COMPOSITE },
  { "series", QRT_KIND_SERIES },
};

/* Guards before json-glib sees the text: json-glib 1.6 recurses per nesting level. */
#define MAX_JSON_BYTES (4 * 1024 * 1024)
#define MAX_JSON_DEPTH 64

static void
component_clear (QrtComponent *c)
{
  g_free (c->id);
}

static void
indicator_free (QrtIndicator *ind)
{
  g_free (ind->id);
  g_free (ind->title);
  g_free (ind->unit);
  g_free (ind->description);
  g_free (ind->source);
  g_free (ind->reference_label);
  g_free (ind->json);
  g_free (ind->layer);
  g_free (ind->where);
  g_free (ind->field);
  g_free (ind->numerator);
  g_free (ind->denominator);
  g_free (ind->population_layer);
  g_free (ind->class_field);
  g_clear_pointer (&ind->coefficients, g_hash_table_unref);
  g_free (ind->hazard_layer);
  g_clear_pointer (&ind->components, g_array_unref);
  g_free (ind->prefix);
  g_free (ind);
}

QrtIndicatorSet *
qrt_indicator_set_ref (QrtIndicatorSet *set)
{
  g_return_val_if_fail (set != NULL, NULL);
  g_atomic_ref_count_inc (&set->ref_count);
  return set;
}

void
qrt_indicator_set_unref (QrtIndicatorSet *set)
{
  if (set != NULL && g_atomic_ref_count_dec (&set->ref_count))
    {
      g_ptr_array_unref (set->indicators);
      g_free (set);
    }
}

guint
qrt_indicator_set_get_n (QrtIndicatorSet *set)
{
  g_return_val_if_fail (set != NULL, 0);
  return set->indicators->len;
}

const QrtIndicator *
qrt_indicator_set_get (QrtIndicatorSet *set,
                       guint            index)
{
  g_return_val_if_fail (set != NULL && index < set->indicators->len, NULL);
  return g_ptr_array_index (set->indicators, index);
}

/**
 * qrt_indicator_set_find:
 *
 * Returns: (nullable): the indicator with id @id.
 */
const QrtIndicator *
qrt_indicator_set_find (QrtIndicatorSet *set,
                        const char      *id)
{
  g_return_val_if_fail (set != NULL && id != NULL, NULL);

  for (guint i = 0; i < set->indicators->len; i++)
    {
      QrtIndicator *ind = g_ptr_array_index (set->indicators, i);

      if (g_str_equal (ind->id, id))
        return ind;
    }
  return NULL;
}

/* A text that may be given per language: "title": {"en": "Residents", "de": "Einwohner"}. */
static char *
localized (JsonObject *object,
           const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  const char * const *languages;
  JsonObject *texts;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  texts = json_node_get_object (node);
  languages = g_get_language_names ();
  for (guint i = 0; languages[i] != NULL; i++)
    if (json_object_has_member (texts, languages[i]))
      return g_strdup (json_object_get_string_member_with_default (texts, languages[i], ""));
  return json_object_has_member (texts, "en")
           ? g_strdup (json_object_get_string_member_with_default (texts, "en", ""))
           : NULL;
}

static char *
string_member (JsonObject *object,
               const char *member)
{
  return g_strdup (qrt_json_string (object, member));
}

static double
number_member (JsonObject *object,
               const char *member,
               double      fallback)
{
  JsonNode *node = json_object_get_member (object, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  type = json_node_get_value_type (node);
  if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
    return fallback;
  return json_node_get_double (node);
}

static gboolean
invalid (GError     **error,
         const char  *id,
         const char  *message)
{
  g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_INVALID,
               /* TRANSLATORS: an indicator's id, then what is wrong with its definition */
               _("Indicator “%s”: %s"), id, message);
  return FALSE;
}

static gboolean
require (QrtIndicator  *ind,
         const char    *value,
         const char    *member,
         GError       **error)
{
  if (value != NULL && *value != '\0')
    return TRUE;
  {
    g_autofree char *message = g_strdup_printf (_("the member “%s” is missing."), member);

    return invalid (error, ind->id, message);
  }
}

static QrtIndicator *
parse_indicator (JsonNode  *node,
                 GError   **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  QrtIndicator *ind;
  JsonObject *object;
  g_autofree char *kind = NULL;
  g_autofree char *better = NULL;
  g_autofree char *assign = NULL;
  gboolean known = FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_INVALID,
                   _("Every entry of “indicators” must be an object."));
      return NULL;
    }
  object = json_node_get_object (node);

  ind = g_new0 (QrtIndicator, 1);
  ind->id = string_member (object, "id");
  if (ind->id == NULL || *ind->id == '\0')
    {
      g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_INVALID,
                   _("An indicator has no “id”."));
      indicator_free (ind);
      return NULL;
    }
  json_generator_set_root (generator, node);
  ind->json = json_generator_to_data (generator, NULL);
  ind->title = localized (object, "title");
  if (ind->title == NULL)
    ind->title = g_strdup (ind->id);
  ind->unit = localized (object, "unit");
  if (ind->unit == NULL)
    ind->unit = g_strdup ("");
  ind->description = localized (object, "description");
  ind->source = localized (object, "source");
  ind->layer = string_member (object, "layer");
  ind->where = string_member (object, "where");
  ind->field = string_member (object, "field");
  ind->scale = number_member (object, "scale", 1);
  ind->absolute = json_object_get_boolean_member_with_default (object, "absolute", FALSE);
  ind->reference = number_member (object, "reference", NAN);
  ind->reference_label = localized (object, "reference_label");
  ind->factor = number_member (object, "factor", 1);
  ind->numerator = string_member (object, "numerator");
  ind->denominator = string_member (object, "denominator");
  ind->population_layer = string_member (object, "population_layer");
  ind->distance = number_member (object, "distance", NAN);
  ind->min_area = number_member (object, "min_area", 0);
  ind->class_field = string_member (object, "class_field");
  ind->rain_mm = number_member (object, "rain_mm", NAN);
  ind->hazard_layer = string_member (object, "hazard_layer");
  ind->prefix = string_member (object, "prefix");
  ind->year_from = (int) number_member (object, "from", 0);
  ind->year_to = (int) number_member (object, "to", 0);
  ind->forecast_from = (int) number_member (object, "forecast_from", G_MAXINT);

  better = string_member (object, "better");
  if (better == NULL || g_str_equal (better, "none"))
    ind->better = QRT_BETTER_NONE;
  else if (g_str_equal (better, "higher"))
    ind->better = QRT_BETTER_HIGHER;
  else if (g_str_equal (better, "lower"))
    ind->better = QRT_BETTER_LOWER;
  else
    {
      invalid (error, ind->id, _("“better” must be “higher”, “lower” or “none”."));
      goto fail;
    }

  assign = string_member (object, "assign");
  if (assign != NULL && !g_str_equal (assign, "centroid") && !g_str_equal (assign, "area_weighted"))
    {
      invalid (error, ind->id, _("“assign” must be “centroid” or “area_weighted”."));
      goto fail;
    }
  ind->area_weighted = assign != NULL && g_str_equal (assign, "area_weighted");

  kind = string_member (object, "kind");
  for (guint i = 0; kind != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kind, kinds[i].name))
      {
        ind->kind = kinds[i].kind;
        known = TRUE;
      }
  if (!known)
    {
      g_autofree char *message = g_strdup_printf (_("the kind “%s” is unknown."),
                                                  kind ? kind : "");

      invalid (error, ind->id, message);
      goto fail;
    }

  switch (ind->kind)
    {
    case QRT_KIND_AREA_SHARE:
    case QRT_KIND_COUNT:
      if (!require (ind, ind->layer, "layer", error))
        goto fail;
      break;
    case QRT_KIND_SUM:
    case QRT_KIND_MEAN:
      if (!require (ind, ind->layer, "layer", error) || !require (ind, ind->field, "field", error))
        goto fail;
      break;
    case QRT_KIND_RATIO:
      if (!require (ind, ind->numerator, "numerator", error) ||
          !require (ind, ind->denominator, "denominator", error))
        goto fail;
      break;
    case QRT_KIND_WITHIN_DISTANCE_SHARE:
      if (!require (ind, ind->layer, "layer", error) ||
          !require (ind, ind->population_layer, "population_layer", error) ||
          !require (ind, ind->field, "field", error))
        goto fail;
      if (!(ind->distance >= 0))
        {
          invalid (error, ind->id, _("“distance” must be a number of metres."));
          goto fail;
        }
      break;
    case QRT_KIND_RUNOFF:
      {
        JsonNode *coeffs = json_object_get_member (object, "coefficients");
        JsonObjectIter iter;
        const char *name;
        JsonNode *value;

        if (!require (ind, ind->layer, "layer", error) ||
            !require (ind, ind->class_field, "class_field", error))
          goto fail;
        if (!(ind->rain_mm > 0) || coeffs == NULL || !JSON_NODE_HOLDS_OBJECT (coeffs))
          {
            invalid (error, ind->id, _("a runoff needs “rain_mm” and “coefficients” per class."));
            goto fail;
          }
        ind->coefficients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
        json_object_iter_init (&iter, json_node_get_object (coeffs));
        while (json_object_iter_next (&iter, &name, &value))
          {
            double c = JSON_NODE_HOLDS_VALUE (value) &&
                       json_node_get_value_type (value) != G_TYPE_STRING
                         ? json_node_get_double (value) : NAN;

            if (!(c >= 0 && c <= 1))
              {
                invalid (error, ind->id, _("runoff coefficients must lie between 0 and 1."));
                goto fail;
              }
            g_hash_table_insert (ind->coefficients, g_strdup (name), g_memdup2 (&c, sizeof c));
          }
        break;
      }
    case QRT_KIND_EXPOSURE:
      if (!require (ind, ind->layer, "layer", error) ||
          !require (ind, ind->hazard_layer, "hazard_layer", error))
        goto fail;
      break;
    case QRT_KIND_COMPOSITE:
      {
        JsonNode *list = json_object_get_member (object, "components");
        JsonArray *array;

        if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list) ||
            json_array_get_length (array = json_node_get_array (list)) == 0)
          {
            invalid (error, ind->id, _("a composite needs a list of “components”."));
            goto fail;
          }
        ind->components = g_array_new (FALSE, TRUE, sizeof (QrtComponent));
        g_array_set_clear_func (ind->components, (GDestroyNotify) component_clear);
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            JsonNode *item = json_array_get_element (array, i);
            QrtComponent c = { 0 };

            if (!JSON_NODE_HOLDS_OBJECT (item) ||
                (c.id = string_member (json_node_get_object (item), "id")) == NULL)
              {
                invalid (error, ind->id, _("every component needs an “id”."));
                goto fail;
              }
            c.weight = number_member (json_node_get_object (item), "weight", 1);
            c.invert = json_object_get_boolean_member_with_default (json_node_get_object (item),
                                                                    "invert", FALSE);
            g_array_append_val (ind->components, c);
          }
        break;
      }
    case QRT_KIND_SERIES:
      if (!require (ind, ind->prefix, "prefix", error))
        goto fail;
      if (ind->year_from <= 0 || ind->year_to < ind->year_from || ind->year_to - ind->year_from > 200)
        {
          invalid (error, ind->id, _("a series needs the years “from” and “to”."));
          goto fail;
        }
      break;
    default:
      g_assert_not_reached ();
    }

  return ind;

fail:
  indicator_free (ind);
  return NULL;
}

/* Ratios and composites refer to indicators defined in the same set, and never to themselves
 * through a cycle. */
static gboolean
check_references (QrtIndicatorSet  *set,
                  GError          **error)
{
  for (guint i = 0; i < set->indicators->len; i++)
    {
      QrtIndicator *ind = g_ptr_array_index (set->indicators, i);
      const char *refs[32];
      guint n = 0;

      if (ind->kind == QRT_KIND_RATIO)
        {
          refs[n++] = ind->numerator;
          refs[n++] = ind->denominator;
        }
      else if (ind->kind == QRT_KIND_COMPOSITE)
        for (guint c = 0; c < ind->components->len && n < G_N_ELEMENTS (refs); c++)
          refs[n++] = g_array_index (ind->components, QrtComponent, c).id;

      for (guint r = 0; r < n; r++)
        {
          const QrtIndicator *target;

          if (g_str_equal (refs[r], "area_km2"))
            continue;
          target = qrt_indicator_set_find (set, refs[r]);
          if (target == NULL)
            {
              g_autofree char *message = g_strdup_printf (_("it refers to “%s”, which is not defined."),
                                                          refs[r]);

              return invalid (error, ind->id, message);
            }
          /* Definitions are evaluated in file order: a reference must come earlier, which also
           * rules out cycles. */
          for (guint k = i; k < set->indicators->len; k++)
            if (g_ptr_array_index (set->indicators, k) == target)
              {
                g_autofree char *message =
                  g_strdup_printf (_("it refers to “%s”, which must be defined before it."), refs[r]);

                return invalid (error, ind->id, message);
              }
        }
    }
  return TRUE;
}

/**
 * qrt_indicator_set_load_data:
 *
 * Parses definitions of the form `{"indicators": [ {...}, ... ]}` (see the README).
 *
 * Returns: (transfer full): the set, or %NULL with a translated @error naming the indicator
 *   and the problem.
 */
QrtIndicatorSet *
qrt_indicator_set_load_data (const char  *json,
                             gssize       length,
                             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  QrtIndicatorSet *set;
  JsonNode *root, *list;
  JsonArray *array;
  gsize len;

  g_return_val_if_fail (json != NULL, NULL);

  len = length < 0 ? strlen (json) : (gsize) length;
  if (len > MAX_JSON_BYTES)
    {
      g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_SYNTAX,
                   _("The indicator definitions are too large."));
      return NULL;
    }
  if (!qrt_json_depth_ok (json, len, MAX_JSON_DEPTH))
    {
      g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_SYNTAX,
                   _("The indicator definitions are nested too deeply."));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, json, (gssize) len, &local_error))
    {
      g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_SYNTAX,
                   _("The indicator definitions are not valid JSON: %s"), local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  list = root && JSON_NODE_HOLDS_OBJECT (root)
           ? json_object_get_member (json_node_get_object (root), "indicators") : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_SYNTAX,
                   _("The indicator definitions need a list “indicators”."));
      return NULL;
    }

  set = g_new0 (QrtIndicatorSet, 1);
  g_atomic_ref_count_init (&set->ref_count);
  set->indicators = g_ptr_array_new_with_free_func ((GDestroyNotify) indicator_free);
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      QrtIndicator *ind = parse_indicator (json_array_get_element (array, i), error);

      if (ind == NULL)
        {
          qrt_indicator_set_unref (set);
          return NULL;
        }
      if (qrt_indicator_set_find (set, ind->id) != NULL)
        {
          invalid (error, ind->id, _("the id is used twice."));
          indicator_free (ind);
          qrt_indicator_set_unref (set);
          return NULL;
        }
      g_ptr_array_add (set->indicators, ind);
    }

  if (!check_references (set, error))
    {
      qrt_indicator_set_unref (set);
      return NULL;
    }
  return set;
}

/**
 * qrt_indicator_set_load_file:
 *
 * Returns: (transfer full): the definitions in @path, or %NULL with @error set.
 */
QrtIndicatorSet *
qrt_indicator_set_load_file (const char  *path,
                             GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_str_has_prefix (path, "resource://"))
    {
      g_autoptr(GBytes) bytes = g_resources_lookup_data (path + strlen ("resource://"), 0,
                                                         &local_error);

      if (bytes == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      return qrt_indicator_set_load_data (g_bytes_get_data (bytes, NULL),
                                          (gssize) g_bytes_get_size (bytes), error);
    }

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_autofree char *name = g_filename_display_basename (path);

      g_set_error (error, QRT_INDICATOR_ERROR, QRT_INDICATOR_ERROR_SYNTAX,
                   _("The indicator definitions “%s” cannot be read: %s"), name,
                   local_error->message);
      return NULL;
    }
  return qrt_indicator_set_load_data (contents, (gssize) length, error);
}

/**
 * qrt_indicator_default_path:
 *
 * Returns: (transfer full): where the default indicator pack is: built into the core as a
 *   GResource.
 */
char *
qrt_indicator_default_path (void)
{
  return g_strdup ("resource://" RESOURCE_BASE "/indicators/default.json");
}
