/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "qrt-core.h"

G_BEGIN_DECLS

typedef struct _QrtMapTileCache QrtMapTileCache;

#define QRT_TYPE_MAP_TILE_CACHE (qrt_map_tile_cache_get_type ())
GType            qrt_map_tile_cache_get_type  (void) G_GNUC_CONST;
QrtMapTileCache *qrt_map_tile_cache_new       (gsize            max_bytes);
QrtMapTileCache *qrt_map_tile_cache_ref       (QrtMapTileCache *self);
void             qrt_map_tile_cache_unref     (QrtMapTileCache *self);
QrtTileCache    *qrt_map_tile_cache_get_cache (QrtMapTileCache *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtMapTileCache, qrt_map_tile_cache_unref)

#define QRT_TYPE_MAP_SOURCE (qrt_map_source_get_type ())
G_DECLARE_FINAL_TYPE (QrtMapSource, qrt_map_source, QRT, MAP_SOURCE, ShumateMapSource)

QrtMapSource  *qrt_map_source_new             (QrtTileRender   *renderer,
                                               int              scale_factor,
                                               QrtMapTileCache *cache);
QrtTileRender *qrt_map_source_get_renderer    (QrtMapSource  *self);
int            qrt_map_source_get_scale_factor (QrtMapSource *self);
gboolean       qrt_map_source_get_busy        (QrtMapSource  *self);
guint          qrt_map_source_get_n_requested (QrtMapSource  *self);
guint          qrt_map_source_get_n_rendered  (QrtMapSource  *self);
guint          qrt_map_source_get_n_cache_hits (QrtMapSource *self);

G_END_DECLS
