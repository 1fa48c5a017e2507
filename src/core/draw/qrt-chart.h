/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <glib-object.h>

#include "qrt-types.h"

G_BEGIN_DECLS

typedef enum
{
  QRT_CHART_BAR,
  QRT_CHART_SERIES,
  QRT_CHART_RADAR,
  QRT_CHART_SCATTER,
} QrtChartKind;

/* GNOME blue: what the selected districts are drawn in, as in the map's selection. */
#define QRT_CHART_ACCENT_RGB 0x35, 0x84, 0xe4

#define QRT_TYPE_CHART (qrt_chart_get_type ())
G_DECLARE_FINAL_TYPE (QrtChart, qrt_chart, QRT, CHART, GObject)

typedef struct _QrtChartLayout QrtChartLayout;

#define QRT_TYPE_CHART_LAYOUT (qrt_chart_layout_get_type ())
GType            qrt_chart_layout_get_type      (void) G_GNUC_CONST;

QrtChart        *qrt_chart_new_bar              (const char         *title,
                                                 const char         *unit,
                                                 const char *const  *labels,
                                                 const double       *values,
                                                 guint               n,
                                                 const guint        *selected,
                                                 guint               n_selected,
                                                 double              reference,
                                                 const char         *reference_label);
QrtChart        *qrt_chart_new_series           (const char         *title,
                                                 const char         *unit,
                                                 const int          *years,
                                                 guint               n_years,
                                                 const char *const  *names,
                                                 const double       *values,
                                                 guint               n_series,
                                                 const guint        *selected,
                                                 guint               n_selected,
                                                 int                 forecast_from);
QrtChart        *qrt_chart_new_radar            (const char         *title,
                                                 const char         *name,
                                                 const char *const  *axes,
                                                 const char *const  *units,
                                                 const double       *values,
                                                 const double       *reference,
                                                 const char         *reference_label,
                                                 const double       *min,
                                                 const double       *max,
                                                 guint               n_axes);
QrtChart        *qrt_chart_new_scatter          (const char         *title,
                                                 const char         *x_title,
                                                 const char         *x_unit,
                                                 const char         *y_title,
                                                 const char         *y_unit,
                                                 const char *const  *labels,
                                                 const double       *xs,
                                                 const double       *ys,
                                                 guint               n,
                                                 const guint        *selected,
                                                 guint               n_selected);

QrtChartKind     qrt_chart_get_kind             (QrtChart           *self);
const char      *qrt_chart_get_title            (QrtChart           *self);
const guint     *qrt_chart_get_order            (QrtChart           *self,
                                                 guint              *n);
gboolean         qrt_chart_get_regression       (QrtChart           *self,
                                                 double             *r,
                                                 double             *slope,
                                                 double             *intercept);
gboolean         qrt_chart_write                (QrtChart           *self,
                                                 const char         *path,
                                                 double              width,
                                                 double              height,
                                                 GError            **error);

QrtChartLayout  *qrt_chart_layout_new           (QrtChart           *chart,
                                                 double              width,
                                                 double              height,
                                                 double              scale);
QrtChartLayout  *qrt_chart_layout_ref           (QrtChartLayout     *layout);
void             qrt_chart_layout_unref         (QrtChartLayout     *layout);
QrtChart        *qrt_chart_layout_get_chart     (QrtChartLayout     *layout);
void             qrt_chart_layout_paint         (QrtChartLayout     *layout,
                                                 cairo_t            *cr);
int              qrt_chart_layout_hit           (QrtChartLayout     *layout,
                                                 double              x,
                                                 double              y,
                                                 char              **tooltip);
gboolean         qrt_chart_layout_get_item_rect (QrtChartLayout     *layout,
                                                 guint               index,
                                                 double             *x,
                                                 double             *y,
                                                 double             *width,
                                                 double             *height);
void             qrt_chart_layout_get_plot_area (QrtChartLayout     *layout,
                                                 double             *x,
                                                 double             *y,
                                                 double             *width,
                                                 double             *height);
gboolean         qrt_chart_layout_map           (QrtChartLayout     *layout,
                                                 double              u,
                                                 double              v,
                                                 double             *x,
                                                 double             *y);

/* Helpers the charts are built on; public so that tables and reports format alike. */
guint            qrt_chart_nice_ticks           (double              lo,
                                                 double              hi,
                                                 guint               max_ticks,
                                                 double             *first,
                                                 double             *step);
gboolean         qrt_chart_pearson              (const double       *xs,
                                                 const double       *ys,
                                                 guint               n,
                                                 double             *r,
                                                 double             *slope,
                                                 double             *intercept);
int              qrt_chart_decimals_for         (double              magnitude);
char            *qrt_chart_format_number        (double              value,
                                                 int                 decimals);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtChartLayout, qrt_chart_layout_unref)

G_END_DECLS
