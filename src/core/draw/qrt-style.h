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

typedef enum
{
  QRT_STYLE_SINGLE,
  QRT_STYLE_CATEGORIZED,
  QRT_STYLE_GRADUATED,
} QrtStyleMode;

#define QRT_STYLE_MAX_CLASSES 16
#define QRT_STYLE_MAX_TEXT 64
/* A class's name: this many characters, in a buffer that holds them at four bytes each. */
#define QRT_STYLE_LABEL_CHARS 63
#define QRT_STYLE_MAX_LABEL (4 * QRT_STYLE_LABEL_CHARS + 1)

/* One class of a categorized (a value) or graduated (values up to an upper bound) style. */
typedef struct
{
  QrtColor colour;
  double   upper;                       /* graduated: values <= upper (the last takes the rest) */
  char     value[QRT_STYLE_MAX_TEXT];   /* categorized: the attribute value as text */
  /* What the legend calls the class ("Versiegelt" for the value "sealed"); "" for the value
   * or the range itself. */
  char     label[QRT_STYLE_MAX_LABEL];
} QrtStyleClass;

/* A layer's look: a plain value (no pointers, bounded arrays), so it is copied into render jobs
 * without any reference counting. Widths and sizes are in device-independent pixels, so a tile
 * and a 1600 px render agree. In categorized and graduated mode the classes replace the fill
 * colour (points and polygons) or the stroke colour (lines); features that match no class are
 * drawn with `fill`/`stroke`. */
struct _QrtStyle
{
  QrtColor      fill;
  QrtColor      stroke;
  double        stroke_width;
  double        point_radius;
  double        opacity;
  gboolean      visible;
  int           min_zoom;

  char          label_field[QRT_STYLE_MAX_TEXT];   /* "" for no labels */

  QrtStyleMode  mode;
  char          field[QRT_STYLE_MAX_TEXT];
  guint         n_classes;
  QrtStyleClass classes[QRT_STYLE_MAX_CLASSES];
  /* For a classified style: some features fall in no class (a value beyond the classes, or
   * none), so the legend explains their colour too. Not saved: worked out by classing, and
   * from the data when a project is opened (qrt_style_has_others()). */
  gboolean      others;
};

#define QRT_TYPE_STYLE (qrt_style_get_type ())
GType     qrt_style_get_type      (void) G_GNUC_CONST;

void      qrt_style_init_default  (QrtStyle        *style,
                                   QrtGeometryKind  kind,
                                   guint            index);
gboolean  qrt_color_parse         (QrtColor        *color,
                                   const char      *text);
char     *qrt_color_to_string     (const QrtColor  *color);
void      qrt_style_class_set_label (QrtStyleClass *klass,
                                     const char    *label);
char     *qrt_style_to_json       (const QrtStyle  *style);
gboolean  qrt_style_from_json     (QrtStyle        *style,
                                   const char      *json,
                                   GError         **error);

G_END_DECLS
