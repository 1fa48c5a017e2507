/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "qrt-types.h"
#include "draw/qrt-style.h"
#include "model/qrt-bbox.h"
#include "model/qrt-layer.h"

G_BEGIN_DECLS

/* Label placement for one renderer: computed once per layer and zoom level for the whole
 * world, so every tile draws the same labels, also those that cross its border. Thread-safe. */
typedef struct _QrtLabels QrtLabels;

QrtLabels *qrt_labels_new   (void);
void       qrt_labels_free  (QrtLabels      *labels);
void       qrt_labels_paint (QrtLabels      *labels,
                             cairo_t        *cr,
                             guint           layer_index,
                             QrtLayer       *layer,
                             const QrtStyle *style,
                             const QrtBBox  *view,
                             double          px_per_m,
                             double          scale);

/* How far beyond its anchor a label may reach, in CSS pixels. */
#define QRT_LABEL_MAX_REACH 200

G_END_DECLS
