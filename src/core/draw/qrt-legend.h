/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "qrt-types.h"
#include "draw/qrt-style.h"
#include "model/qrt-layer.h"

G_BEGIN_DECLS

typedef struct
{
  const char      *title;
  QrtGeometryKind  kind;
  const QrtStyle  *style;
} QrtLegendEntry;

void qrt_legend_paint (cairo_t              *cr,
                       const QrtLegendEntry *entries,
                       guint                 n_entries,
                       double                scale,
                       gboolean              measure_only,
                       double               *width,
                       double               *height);

char *qrt_legend_class_range (const QrtStyle *style,
                              guint           i);
char *qrt_legend_class_label (const QrtStyle *style,
                              guint           i);
char *qrt_legend_describe    (const QrtLegendEntry *entries,
                              guint                 n_entries);
guint qrt_legend_entry_rows  (const QrtLegendEntry *entry);

G_END_DECLS
