/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* TRUE when the JSON text nests objects and arrays no deeper than @max_depth. json-glib 1.6
 * recurses once per level and crashes on documents nested some 100,000 deep, so every text
 * from outside is checked before it is parsed. */
gboolean qrt_json_depth_ok (const char *text,
                            gsize       length,
                            guint       max_depth);

/* A member of @object of the given type, or %NULL when it is missing or of another type
 * (json-glib 1.6 warns on a missing member); @object may be %NULL. */
const char *qrt_json_string   (JsonObject *object,
                               const char *name);
JsonObject *qrt_json_object   (JsonObject *object,
                               const char *name);
JsonArray  *qrt_json_array    (JsonObject *object,
                               const char *name);

G_END_DECLS
