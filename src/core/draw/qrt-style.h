/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "qrt-types.h"
#include "model/qrt-layer.h"

G_BEGIN_DECLS

typedef struct
{
  double red;
  double green;
  double blue;
  double alpha;
} QrtColor;

/* A layer's look: a plain value (no pointers), so it is copied into render jobs. Widths and
 * sizes are in device-independent pixels, so a tile and a 1600 px render agree. */
struct _QrtStyle
{
  QrtColor fill;
  QrtColor stroke;
  double   stroke_width;
  double   point_radius;
  double   opacity;
  gboolean visible;
  int      min_zoom;
};

#define QRT_TYPE_STYLE (qrt_style_get_type ())
GType     qrt_style_get_type      (void) G_GNUC_CONST;

void      qrt_style_init_default  (QrtStyle        *style,
                                   QrtGeometryKind  kind,
                                   guint            index);
gboolean  qrt_color_parse         (QrtColor        *color,
                                   const char      *text);
char     *qrt_color_to_string     (const QrtColor  *color);
char     *qrt_style_to_json       (const QrtStyle  *style);
gboolean  qrt_style_from_json     (QrtStyle        *style,
                                   const char      *json,
                                   GError         **error);

G_END_DECLS
