/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "qrt-layer.h"

G_BEGIN_DECLS

/* For bulk readers in the core: the coordinates added so far (interleaved x,y), so a batch
 * can be reprojected in place after it was appended. */
double *_qrt_layer_builder_peek_coords (QrtLayerBuilder *builder,
                                        guint           *n_points);

G_END_DECLS
