/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_MAP_SOURCE (qrt_map_source_get_type ())
G_DECLARE_FINAL_TYPE (QrtMapSource, qrt_map_source, QRT, MAP_SOURCE, ShumateMapSource)

QrtMapSource  *qrt_map_source_new             (QrtTileRender *renderer,
                                               int            scale_factor);
QrtTileRender *qrt_map_source_get_renderer    (QrtMapSource  *self);
int            qrt_map_source_get_scale_factor (QrtMapSource *self);
gboolean       qrt_map_source_get_busy        (QrtMapSource  *self);
guint          qrt_map_source_get_n_requested (QrtMapSource  *self);
guint          qrt_map_source_get_n_rendered  (QrtMapSource  *self);

G_END_DECLS
