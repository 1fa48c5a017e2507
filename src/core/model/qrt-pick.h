/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "qrt-types.h"
#include "model/qrt-layer.h"

G_BEGIN_DECLS

int     qrt_layer_pick       (QrtLayer      *layer,
                              QrtCoords      coords,
                              double         x,
                              double         y,
                              double         tolerance);
GArray *qrt_layer_query_rect (QrtLayer      *layer,
                              QrtCoords      coords,
                              const QrtBBox *rect);

G_END_DECLS
