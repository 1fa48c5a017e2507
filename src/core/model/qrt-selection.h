/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "qrt-types.h"

G_BEGIN_DECLS

/* The features the user selected, on one layer at a time (districts, mostly). Lives in the
 * core so that the map, the tables and the charts all follow the same selection. Main thread. */

#define QRT_TYPE_SELECTION (qrt_selection_get_type ())
G_DECLARE_FINAL_TYPE (QrtSelection, qrt_selection, QRT, SELECTION, GObject)

QrtSelection *qrt_selection_new            (void);
const char   *qrt_selection_get_layer_name (QrtSelection *self);
gboolean      qrt_selection_contains       (QrtSelection *self,
                                            const char   *layer_name,
                                            guint         feature);
guint         qrt_selection_get_n_features (QrtSelection *self);
GArray       *qrt_selection_get_features   (QrtSelection *self);
void          qrt_selection_select         (QrtSelection *self,
                                            const char   *layer_name,
                                            const guint  *features,
                                            guint         n_features,
                                            gboolean      extend);
void          qrt_selection_toggle         (QrtSelection *self,
                                            const char   *layer_name,
                                            guint         feature);
void          qrt_selection_clear          (QrtSelection *self);

G_END_DECLS
