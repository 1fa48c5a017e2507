/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_SELECTION_LAYER (qrt_selection_layer_get_type ())
G_DECLARE_FINAL_TYPE (QrtSelectionLayer, qrt_selection_layer, QRT, SELECTION_LAYER, ShumateLayer)

QrtSelectionLayer *qrt_selection_layer_new                (ShumateViewport         *viewport);
void               qrt_selection_layer_set_selection      (QrtSelectionLayer       *self,
                                                           QrtLayer                *layer,
                                                           GArray                  *features,
                                                           double                   point_radius);
void               qrt_selection_layer_set_hover          (QrtSelectionLayer       *self,
                                                           QrtLayer                *layer,
                                                           int                      feature,
                                                           double                   point_radius);
int                qrt_selection_layer_get_hover          (QrtSelectionLayer       *self);
void               qrt_selection_layer_set_band           (QrtSelectionLayer       *self,
                                                           const graphene_rect_t   *band);
void               qrt_selection_layer_set_band_dashed    (QrtSelectionLayer       *self,
                                                           gboolean                 dashed);
GtkPopover        *qrt_selection_layer_get_popover        (QrtSelectionLayer       *self);
gboolean           qrt_selection_layer_widget_to_mercator (QrtSelectionLayer       *self,
                                                           double                   x,
                                                           double                   y,
                                                           double                  *mercator_x,
                                                           double                  *mercator_y);
gboolean           qrt_selection_layer_mercator_to_widget (QrtSelectionLayer       *self,
                                                           double                   mercator_x,
                                                           double                   mercator_y,
                                                           double                  *x,
                                                           double                  *y);
double             qrt_selection_layer_get_resolution     (QrtSelectionLayer       *self);

G_END_DECLS
