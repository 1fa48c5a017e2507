/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "qrt-types.h"

G_BEGIN_DECLS

#define QRT_INDICATOR_ERROR (qrt_indicator_error_quark ())

typedef enum
{
  QRT_INDICATOR_ERROR_SYNTAX,
  QRT_INDICATOR_ERROR_INVALID,
  QRT_INDICATOR_ERROR_UNAVAILABLE,
  QRT_INDICATOR_ERROR_REFUSED,
} QrtIndicatorError;

GQuark qrt_indicator_error_quark (void);

typedef enum
{
  QRT_BETTER_NONE,
  QRT_BETTER_HIGHER,
  QRT_BETTER_LOWER,
} QrtBetter;

typedef enum
{
  QRT_KIND_AREA_SHARE,
  QRT_KIND_COUNT,
  QRT_KIND_SUM,
  QRT_KIND_MEAN,
  QRT_KIND_RATIO,
  QRT_KIND_WITHIN_DISTANCE_SHARE,
  QRT_KIND_RUNOFF,
  QRT_KIND_EXPOSURE,
  QRT_KIND_COMPOSITE,
  QRT_KIND_SERIES,
} QrtIndicatorKind;

typedef struct
{
  char     *id;
  double    weight;
  gboolean  invert;
} QrtComponent;

/* One indicator definition, as read from JSON; immutable once its set is loaded. */
typedef struct
{
  char             *id;
  char             *title;         /* in the user's language where the file offers it */
  char             *unit;
  char             *description;
  char             *source;        /* free text: where the data come from */
  QrtBetter         better;
  QrtIndicatorKind  kind;
  char             *json;          /* the definition as written: the cache key */

  char             *layer;         /* features measured */
  char             *where;         /* SQL over the layer's attributes, NULL for all */
  char             *field;         /* sum, mean, exposure, within_distance_share */
  gboolean          area_weighted; /* assign: area_weighted instead of centroid */
  double            scale;         /* area_share, within_distance_share: 100 for % */
  gboolean          absolute;      /* area_share: the area in m² (× scale), not a share */
  double            reference;     /* a guide value to compare with (GALK), NAN for none */
  char             *reference_label;

  char             *numerator;     /* ratio: indicator ids or "area_km2" */
  char             *denominator;
  double            factor;

  char             *population_layer; /* within_distance_share */
  double            distance;
  double            min_area;

  char             *class_field;   /* runoff */
  GHashTable       *coefficients;  /* class -> double*, runoff */
  double            rain_mm;

  char             *hazard_layer;  /* exposure: features of `layer` inside `hazard_layer` */

  GArray           *components;    /* QrtComponent, composite */

  char             *prefix;        /* series: attribute name before the year */
  int               year_from;
  int               year_to;
  int               forecast_from;
} QrtIndicator;

typedef struct _QrtIndicatorSet QrtIndicatorSet;

QrtIndicatorSet    *qrt_indicator_set_load_data (const char       *json,
                                                 gssize            length,
                                                 GError          **error);
QrtIndicatorSet    *qrt_indicator_set_load_file (const char       *path,
                                                 GError          **error);
QrtIndicatorSet    *qrt_indicator_set_ref       (QrtIndicatorSet  *set);
void                qrt_indicator_set_unref     (QrtIndicatorSet  *set);
guint               qrt_indicator_set_get_n     (QrtIndicatorSet  *set);
const QrtIndicator *qrt_indicator_set_get       (QrtIndicatorSet  *set,
                                                 guint             index);
const QrtIndicator *qrt_indicator_set_find      (QrtIndicatorSet  *set,
                                                 const char       *id);
char               *qrt_indicator_default_path  (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtIndicatorSet, qrt_indicator_set_unref)

G_END_DECLS
