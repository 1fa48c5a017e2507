/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_CHART_VIEW (qrt_chart_view_get_type ())
G_DECLARE_FINAL_TYPE (QrtChartView, qrt_chart_view, QRT, CHART_VIEW, GtkWidget)

GtkWidget *qrt_chart_view_new          (void);
QrtChart  *qrt_chart_view_get_chart    (QrtChartView *self);
void       qrt_chart_view_set_chart    (QrtChartView *self,
                                        QrtChart     *chart);
gboolean   qrt_chart_view_is_ready     (QrtChartView *self);
void       qrt_chart_view_save_dialog  (QrtChartView *self);

G_END_DECLS
