/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "qrt-types.h"
#include "model/qrt-layer.h"
#include "draw/qrt-style.h"

G_BEGIN_DECLS

/* Half the Web Mercator world's width in metres. */
#define QRT_MERCATOR_HALF_WORLD 20037508.342789244

/* The look of the ground where no layer draws: Quartier's offline base map colour. */
#define QRT_BACKGROUND_RGB 0.953, 0.949, 0.933

#define QRT_TYPE_TILE_RENDER (qrt_tile_render_get_type ())
G_DECLARE_FINAL_TYPE (QrtTileRender, qrt_tile_render, QRT, TILE_RENDER, GObject)

QrtTileRender *qrt_tile_render_new          (QrtLayer *const *layers,
                                             const QrtStyle  *styles,
                                             guint            n_layers);
guint          qrt_tile_render_get_n_layers (QrtTileRender   *self);
void           qrt_tile_render_set_transparent (QrtTileRender *self,
                                                gboolean       transparent);
void           qrt_tile_render_paint        (QrtTileRender   *self,
                                             cairo_t         *cr,
                                             const QrtBBox   *mercator_view,
                                             int              width,
                                             int              height,
                                             double           scale,
                                             GCancellable    *cancellable);
void           qrt_tile_render_paint_image  (QrtTileRender   *self,
                                             cairo_surface_t *target,
                                             const QrtBBox   *mercator_view,
                                             int              width,
                                             int              height,
                                             double           scale,
                                             guint            n_threads,
                                             GCancellable    *cancellable);
GBytes        *qrt_tile_render_tile         (QrtTileRender   *self,
                                             guint            zoom,
                                             guint            x,
                                             guint            y,
                                             guint            size,
                                             GCancellable    *cancellable,
                                             gsize           *stride);
guint64        qrt_tile_render_signature    (QrtTileRender   *self,
                                             guint            zoom,
                                             guint            x,
                                             guint            y);
void           qrt_tile_bbox                (guint            zoom,
                                             guint            x,
                                             guint            y,
                                             QrtBBox         *mercator_bbox);
double         qrt_zoom_for_resolution      (double           metres_per_pixel);
void           qrt_fit_view                 (const QrtBBox   *wanted,
                                             int              width,
                                             int              height,
                                             QrtBBox         *view);

G_END_DECLS
