/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "qrt-layer.h"

G_BEGIN_DECLS

/* For bulk readers in the core: the coordinates added so far (interleaved x,y), so a batch
 * can be reprojected in place after it was appended. */
double *_qrt_layer_builder_peek_coords (QrtLayerBuilder *builder,
                                        guint           *n_points);

void    _qrt_layer_builder_reserve        (QrtLayerBuilder *builder,
                                           guint            n_features,
                                           guint            n_points);
/* @n points, interleaved x,y doubles (not necessarily aligned), appended to the current ring
 * at once. */
void    _qrt_layer_builder_add_points     (QrtLayerBuilder *builder,
                                           gconstpointer    xy,
                                           guint            n);

guint   _qrt_layer_builder_get_n_features (QrtLayerBuilder *builder);
void    _qrt_layer_builder_set_text       (QrtLayerBuilder *builder,
                                           guint            field,
                                           const char      *text,
                                           gsize            len);
gboolean _qrt_layer_builder_set_expected_extent (QrtLayerBuilder *builder,
                                                 const QrtBBox   *area);
void    _qrt_layer_builder_seal             (QrtLayerBuilder *builder);

QrtLayerBuilder *_qrt_layer_builder_new_chunk (const QrtLayerBuilder *builder);
void    _qrt_layer_builder_expect_like      (QrtLayerBuilder       *chunk,
                                             const QrtLayerBuilder *builder);
void    _qrt_layer_builder_clear            (QrtLayerBuilder       *chunk);
void    _qrt_layer_builder_append           (QrtLayerBuilder       *builder,
                                             const QrtLayerBuilder *chunk);

G_END_DECLS
