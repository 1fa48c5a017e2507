/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "qrt-types.h"
#include "draw/qrt-style.h"
#include "model/qrt-layer.h"

G_BEGIN_DECLS

typedef enum
{
  QRT_CLASSIFY_QUANTILE,
  QRT_CLASSIFY_EQUAL_INTERVAL,
  QRT_CLASSIFY_JENKS,
  QRT_CLASSIFY_MANUAL,
} QrtClassifyMethod;

/* Colour-blind safe ramps: viridis (sequential), and a blue–orange diverging ramp. */
typedef enum
{
  QRT_RAMP_SEQUENTIAL,
  QRT_RAMP_DIVERGING,
} QrtRamp;

guint    qrt_classify_breaks       (const double      *values,
                                    guint              n_values,
                                    QrtClassifyMethod  method,
                                    guint              n_classes,
                                    double            *upper_bounds);
void     qrt_ramp_colour           (QrtRamp            ramp,
                                    double             t,
                                    QrtColor          *colour);
gboolean qrt_style_make_graduated  (QrtStyle          *style,
                                    QrtLayer          *layer,
                                    const char        *field,
                                    QrtClassifyMethod  method,
                                    guint              n_classes,
                                    const double      *manual_bounds,
                                    QrtRamp            ramp,
                                    GError           **error);
gboolean qrt_style_make_categorized (QrtStyle         *style,
                                    QrtLayer          *layer,
                                    const char        *field,
                                    GError           **error);
int      qrt_style_class_of        (const QrtStyle    *style,
                                    QrtLayer          *layer,
                                    int                field_index,
                                    guint              feature);

void     qrt_style_keep_labels     (QrtStyle          *style,
                                    const QrtStyle    *before);
gboolean qrt_style_has_others      (const QrtStyle    *style,
                                    QrtLayer          *layer);

G_END_DECLS
