/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_LAYER_ROW (qrt_layer_row_get_type ())
G_DECLARE_FINAL_TYPE (QrtLayerRow, qrt_layer_row, QRT, LAYER_ROW, GtkWidget)

QrtProjectLayer *qrt_layer_row_get_layer (QrtLayerRow     *self);
void             qrt_layer_row_set_layer (QrtLayerRow     *self,
                                          QrtProjectLayer *layer);
gboolean         qrt_layer_row_get_refreshable (QrtLayerRow     *self);
void             qrt_layer_row_set_refreshable (QrtLayerRow     *self,
                                                gboolean         refreshable);

G_END_DECLS
