/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <geos_c.h>
#include <ogr_api.h>

#include "qrt-types.h"
#include "qrt-bbox.h"
#include "qrt-rtree.h"

G_BEGIN_DECLS

typedef enum
{
  QRT_GEOMETRY_NONE,
  QRT_GEOMETRY_POINT,
  QRT_GEOMETRY_LINE,
  QRT_GEOMETRY_POLYGON,
} QrtGeometryKind;

typedef enum
{
  QRT_FIELD_INTEGER,
  QRT_FIELD_REAL,
  QRT_FIELD_STRING,
} QrtFieldType;

/* Every geometry is held twice: in the project's analysis CRS (metres, EPSG:25832 by default)
 * for measuring, and in Web Mercator (EPSG:3857) for drawing, as float offsets from an origin
 * (millimetres over a region). */
typedef enum
{
  QRT_COORDS_ANALYSIS,
  QRT_COORDS_MERCATOR,
} QrtCoords;

#define QRT_EPSG_DEFAULT_ANALYSIS 25832

/*
 * Geometry layout, the same for all kinds: feature f owns parts
 * [feature_offsets[f], feature_offsets[f+1]); part p owns rings [part_offsets[p],
 * part_offsets[p+1]); ring r owns points [ring_offsets[r], ring_offsets[r+1]). A polygon part
 * has its exterior ring first; a line part has one ring (the line string); a point part has
 * one ring of one point. Coordinates are interleaved x,y.
 */

/* The points of a layer in either coordinate set, read with qrt_points_get(): the analysis
 * coordinates are doubles, the display ones float offsets from an origin. */
typedef struct
{
  const double *xy;
  const float  *offsets;
  double        origin_x;
  double        origin_y;
} QrtPoints;

static inline void
qrt_points_get (const QrtPoints *points,
                gsize            i,
                double          *x,
                double          *y)
{
  if (points->xy != NULL)
    {
      *x = points->xy[2 * i];
      *y = points->xy[2 * i + 1];
    }
  else
    {
      *x = points->origin_x + points->offsets[2 * i];
      *y = points->origin_y + points->offsets[2 * i + 1];
    }
}

#define QRT_TYPE_LAYER (qrt_layer_get_type ())
G_DECLARE_FINAL_TYPE (QrtLayer, qrt_layer, QRT, LAYER, GObject)

QrtGeometryKind  qrt_geometry_kind_from_ogr    (OGRwkbGeometryType  type);
QrtGeometryKind  qrt_ogr_layer_kind            (OGRLayerH    layer);

const char      *qrt_layer_get_name            (QrtLayer    *self);
QrtGeometryKind  qrt_layer_get_geometry_kind   (QrtLayer    *self);
int              qrt_layer_get_epsg            (QrtLayer    *self);
guint            qrt_layer_get_n_features      (QrtLayer    *self);
guint64          qrt_layer_get_serial          (QrtLayer    *self);
gint64           qrt_layer_get_fid             (QrtLayer    *self,
                                                guint        feature);
const QrtBBox   *qrt_layer_get_extent          (QrtLayer    *self,
                                                QrtCoords    coords);
const double    *qrt_layer_get_coords          (QrtLayer    *self,
                                                guint       *n_points);
const float     *qrt_layer_get_display_coords  (QrtLayer    *self,
                                                double      *origin_x,
                                                double      *origin_y);
void             qrt_layer_get_points          (QrtLayer    *self,
                                                QrtCoords    coords,
                                                QrtPoints   *points);
const guint32   *qrt_layer_get_ring_offsets    (QrtLayer    *self,
                                                guint       *n_rings);
const guint32   *qrt_layer_get_part_offsets    (QrtLayer    *self,
                                                guint       *n_parts);
const guint32   *qrt_layer_get_feature_offsets (QrtLayer    *self);
void             qrt_layer_get_feature_bbox    (QrtLayer    *self,
                                                QrtCoords    coords,
                                                guint        feature,
                                                QrtBBox     *box);
const QrtRTree  *qrt_layer_get_index           (QrtLayer    *self,
                                                QrtCoords    coords);
gsize            qrt_layer_get_memsize         (QrtLayer    *self);

guint            qrt_layer_get_n_fields        (QrtLayer    *self);
const char      *qrt_layer_get_field_name      (QrtLayer    *self,
                                                guint        field);
QrtFieldType     qrt_layer_get_field_type      (QrtLayer    *self,
                                                guint        field);
int              qrt_layer_find_field          (QrtLayer    *self,
                                                const char  *name);
gboolean         qrt_layer_is_null             (QrtLayer    *self,
                                                guint        field,
                                                guint        feature);
gint64           qrt_layer_get_int             (QrtLayer    *self,
                                                guint        field,
                                                guint        feature);
double           qrt_layer_get_real            (QrtLayer    *self,
                                                guint        field,
                                                guint        feature);
const char      *qrt_layer_get_string          (QrtLayer    *self,
                                                guint        field,
                                                guint        feature);

QrtLayer        *qrt_layer_with_column         (QrtLayer             *self,
                                                const char           *name,
                                                const double         *values);
GEOSGeometry    *qrt_layer_build_geos          (QrtLayer             *self,
                                                GEOSContextHandle_t   ctx,
                                                guint                 feature,
                                                QrtCoords             coords);

/* Building a layer: one thread owns a builder; finish() turns it into an immutable layer. */
QrtLayerBuilder *qrt_layer_builder_new          (const char      *name,
                                                 QrtGeometryKind  kind,
                                                 int              epsg);
guint            qrt_layer_builder_add_field    (QrtLayerBuilder *builder,
                                                 const char      *name,
                                                 QrtFieldType     type);
void             qrt_layer_builder_begin_feature (QrtLayerBuilder *builder);
void             qrt_layer_builder_begin_part   (QrtLayerBuilder *builder);
void             qrt_layer_builder_begin_ring   (QrtLayerBuilder *builder);
void             qrt_layer_builder_add_point    (QrtLayerBuilder *builder,
                                                 double           x,
                                                 double           y);
gboolean         qrt_layer_builder_add_ogr_geometry (QrtLayerBuilder *builder,
                                                 OGRGeometryH     geometry);
void             qrt_layer_builder_set_fid      (QrtLayerBuilder *builder,
                                                 gint64           fid);
void             qrt_layer_builder_set_int      (QrtLayerBuilder *builder,
                                                 guint            field,
                                                 gint64           value);
void             qrt_layer_builder_set_real     (QrtLayerBuilder *builder,
                                                 guint            field,
                                                 double           value);
void             qrt_layer_builder_set_string   (QrtLayerBuilder *builder,
                                                 guint            field,
                                                 const char      *value);
void             qrt_layer_builder_end_feature  (QrtLayerBuilder *builder);
void             qrt_layer_builder_discard_feature (QrtLayerBuilder *builder);
QrtLayer        *qrt_layer_builder_finish       (QrtLayerBuilder *builder,
                                                 GError         **error);
void             qrt_layer_builder_free         (QrtLayerBuilder *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtLayerBuilder, qrt_layer_builder_free)

G_END_DECLS
