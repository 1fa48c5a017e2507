/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_LEGEND_VIEW (qrt_legend_view_get_type ())
G_DECLARE_FINAL_TYPE (QrtLegendView, qrt_legend_view, QRT, LEGEND_VIEW, GtkWidget)

GtkWidget  *qrt_legend_view_new             (void);
void        qrt_legend_view_set_entries     (QrtLegendView        *self,
                                             const QrtLegendEntry *entries,
                                             guint                 n_entries);
guint       qrt_legend_view_get_n_rows      (QrtLegendView        *self);
const char *qrt_legend_view_get_description (QrtLegendView        *self);

G_END_DECLS
