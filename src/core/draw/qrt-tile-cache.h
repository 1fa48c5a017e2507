/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "qrt-types.h"

G_BEGIN_DECLS

typedef struct
{
  guint   zoom;
  guint   x;
  guint   y;
  guint   size;
  guint64 signature;   /* qrt_tile_render_signature(): what the tile shows */
} QrtTileKey;

typedef struct _QrtTileCache QrtTileCache;

QrtTileCache *qrt_tile_cache_new        (gsize              max_bytes);
void          qrt_tile_cache_free       (QrtTileCache      *cache);
GBytes       *qrt_tile_cache_lookup     (QrtTileCache      *cache,
                                         const QrtTileKey  *key,
                                         gsize             *stride);
void          qrt_tile_cache_insert     (QrtTileCache      *cache,
                                         const QrtTileKey  *key,
                                         GBytes            *pixels,
                                         gsize              stride);
gsize         qrt_tile_cache_get_size   (QrtTileCache      *cache);
guint         qrt_tile_cache_get_n_tiles (QrtTileCache     *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtTileCache, qrt_tile_cache_free)

G_END_DECLS
