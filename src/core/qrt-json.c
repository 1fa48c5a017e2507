/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-json.h"

gboolean
qrt_json_depth_ok (const char *text,
                   gsize       length,
                   guint       max_depth)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* Members of a given type, or NULL: json-glib 1.6 warns on a missing member. */
const char *
qrt_json_string (JsonObject *object,
                 const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
qrt_json_object (JsonObject *object,
                 const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

JsonArray *
qrt_json_array (JsonObject *object,
                const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}
