/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when the JSON text nests objects and arrays no deeper than @max_depth. json-glib 1.6
 * recurses once per level and crashes on documents nested some 100,000 deep, so every text
 * from outside is checked before it is parsed. */
gboolean qrt_json_depth_ok (const char *text,
                            gsize       length,
                            guint       max_depth);

G_END_DECLS
