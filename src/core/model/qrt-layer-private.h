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
/* @n points, interleaved x,y, appended to the current ring at once. */
void    _qrt_layer_builder_add_points     (QrtLayerBuilder *builder,
                                           const double    *xy,
                                           guint            n);

guint   _qrt_layer_builder_get_n_features (QrtLayerBuilder *builder);
gpointer _qrt_layer_builder_column_slots  (QrtLayerBuilder  *builder,
                                           guint             field,
                                           guint             first_feature,
                                           guint8          **nulls,
                                           gboolean         *wide);
void    _qrt_layer_builder_widen_column   (QrtLayerBuilder *builder,
                                           guint            field);
guint32 _qrt_layer_builder_intern         (QrtLayerBuilder *builder,
                                           const char      *text,
                                           gsize            len);
void    _qrt_layer_builder_set_expected_extent (QrtLayerBuilder *builder,
                                                const QrtBBox   *area);
void    _qrt_layer_builder_seal             (QrtLayerBuilder *builder);

G_END_DECLS
