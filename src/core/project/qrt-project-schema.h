/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdal.h>
#include <glib.h>

#include "qrt-types.h"
#include "draw/qrt-style.h"

G_BEGIN_DECLS

/*
 * Quartier's own tables inside the project GeoPackage, created through GDAL as attribute
 * tables (so gpkg_contents lists them with data_type 'attributes' and QGIS opens the file):
 *
 *   qrt_project        key TEXT, value TEXT        title, crs, created, synthetic, description…
 *   qrt_layer_sources  layer_name, title, position, source, licence, attribution,
 *                      imported_at, feature_count, repaired_count
 *   qrt_styles         layer_name, style (JSON, see qrt_style_to_json)
 *
 * Writers call these inside their own GDAL transaction on @dataset, so that a project change
 * is one SQLite transaction.
 */

#define QRT_SCHEMA_VERSION "1"

/* qrt_project key of a layer's origin: what a data-space fetch needs to fetch it again. */
#define QRT_ORIGIN_KEY_PREFIX "fetch:"

typedef struct
{
  const char *layer_name;
  const char *title;
  int         position;
  const char *source;
  const char *licence;
  const char *attribution;
  const char *imported_at;   /* ISO 8601, UTC */
  gint64      feature_count;
  gint64      repaired_count;
} QrtLayerSource;

gboolean qrt_project_schema_create        (GDALDatasetH           dataset,
                                           GError               **error);
gboolean qrt_project_schema_set_metadata  (GDALDatasetH           dataset,
                                           const char            *key,
                                           const char            *value,
                                           GError               **error);
gboolean qrt_project_schema_add_source    (GDALDatasetH           dataset,
                                           const QrtLayerSource  *source,
                                           GError               **error);
gboolean qrt_project_schema_set_style     (GDALDatasetH           dataset,
                                           const char            *layer_name,
                                           const QrtStyle        *style,
                                           GError               **error);

gboolean qrt_project_schema_update_layer  (GDALDatasetH           dataset,
                                           const char            *layer_name,
                                           const char            *title,
                                           int                    position,
                                           const char            *licence,
                                           const char            *attribution,
                                           GError               **error);
gboolean qrt_project_schema_remove_layer  (GDALDatasetH           dataset,
                                           const char            *layer_name,
                                           GError               **error);
gboolean qrt_project_schema_get_placement (GDALDatasetH           dataset,
                                           const char            *layer_name,
                                           int                   *position,
                                           QrtStyle              *style,
                                           gboolean              *has_style);

G_END_DECLS
