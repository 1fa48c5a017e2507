/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "qrt-types.h"
#include "cache/qrt-cache.h"
#include "model/qrt-bbox.h"

G_BEGIN_DECLS

#define QRT_DATA_SPACE_ERROR (qrt_data_space_error_quark ())

typedef enum
{
  QRT_DATA_SPACE_ERROR_OFFLINE,       /* offline and not in the cache */
  QRT_DATA_SPACE_ERROR_NETWORK,       /* connection failed, timed out */
  QRT_DATA_SPACE_ERROR_HTTP,          /* an error status from the server */
  QRT_DATA_SPACE_ERROR_TOO_LARGE,     /* body over the limit for its kind */
  QRT_DATA_SPACE_ERROR_BAD_RESPONSE,  /* wrong content type, invalid or too deeply nested JSON, truncated */
  QRT_DATA_SPACE_ERROR_REDIRECT,      /* loop, too many, or https → http */
  QRT_DATA_SPACE_ERROR_UNSUPPORTED,   /* not a service or format Quartier reads */
  QRT_DATA_SPACE_ERROR_REFUSED,       /* e.g. area download from OpenStreetMap's tile servers */
  QRT_DATA_SPACE_ERROR_SERVER,        /* 5xx, still after the retries */
  QRT_DATA_SPACE_ERROR_TRUNCATED,     /* the body broke off before its end */
} QrtDataSpaceError;

GQuark qrt_data_space_error_quark (void);

typedef enum
{
  QRT_SERVICE_UNKNOWN,
  QRT_SERVICE_OGC_API_FEATURES,
  QRT_SERVICE_WFS,
  QRT_SERVICE_CKAN,
  QRT_SERVICE_FILE,     /* a plain URL of a GeoJSON, GeoPackage, zipped shapefile or CSV */
} QrtServiceKind;

/* A raster tile service (XYZ template with {z} {x} {y}). */
typedef struct
{
  const char *id;            /* the tile set's key in the cache */
  const char *title;         /* translatable, already translated by qrt_tile_set_get_builtin() */
  const char *url_template;
  const char *attribution;
  const char *licence;
  int         min_zoom;
  int         max_zoom;
  int         tile_size;
  gboolean    allow_bulk;    /* FALSE: the operator forbids area downloads (OpenStreetMap) */
} QrtTileSet;

/* basemap.de (raster, colour) and OpenStreetMap; NULL-terminated, static. */
const QrtTileSet *const *qrt_tile_set_get_builtin (void);
const QrtTileSet       *qrt_tile_set_lookup      (const char *id);
void                    qrt_tile_set_register    (const QrtTileSet *set);
char                   *qrt_tile_set_expand_url  (const QrtTileSet *set,
                                                  int z, int x, int y);

/* One collection (OGC API), feature type (WFS), resource (CKAN) or file. Immutable. */
#define QRT_TYPE_COLLECTION (qrt_collection_get_type ())
G_DECLARE_FINAL_TYPE (QrtCollection, qrt_collection, QRT, COLLECTION, GObject)

QrtServiceKind qrt_collection_get_service     (QrtCollection *self);
const char    *qrt_collection_get_id          (QrtCollection *self);
const char    *qrt_collection_get_title       (QrtCollection *self);
const char    *qrt_collection_get_description (QrtCollection *self);
const char    *qrt_collection_get_licence     (QrtCollection *self);  /* name or URL, or NULL */
const char    *qrt_collection_get_attribution (QrtCollection *self);
const char    *qrt_collection_get_format      (QrtCollection *self);  /* "GeoJSON", "GML", "Shapefile"... */
const char    *qrt_collection_get_url         (QrtCollection *self);  /* items / GetFeature / download */
gint64         qrt_collection_get_count       (QrtCollection *self);  /* -1: unknown */
gint64         qrt_collection_get_size        (QrtCollection *self);  /* bytes, -1: unknown */
/* WGS 84 extent; FALSE when the service gives none. */
gboolean       qrt_collection_get_extent      (QrtCollection *self,
                                               QrtBBox       *extent);

/* What a URL offers: a title and its collections (GListModel of QrtCollection). */
#define QRT_TYPE_CATALOG (qrt_catalog_get_type ())
G_DECLARE_FINAL_TYPE (QrtCatalog, qrt_catalog, QRT, CATALOG, GObject)

QrtServiceKind qrt_catalog_get_service (QrtCatalog *self);
const char    *qrt_catalog_get_url     (QrtCatalog *self);
const char    *qrt_catalog_get_title   (QrtCatalog *self);
GListModel    *qrt_catalog_get_collections (QrtCatalog *self);

typedef struct
{
  gboolean       have_bbox;
  QrtBBox        bbox;          /* WGS 84 (west, south, east, north) when have_bbox */
  const char    *target_name;   /* NULL: the collection id */
  gboolean       replace;       /* replace the layer target_name, keeping its place and style */
} QrtFetchOptions;

typedef struct
{
  char   *layer_name;
  gint64  feature_count;
  gint64  page_count;
  gint64  duplicate_count;       /* features seen twice across pages and dropped */
  gboolean from_cache;           /* everything came from the cache (offline) */
} QrtFetchResult;

void qrt_fetch_result_clear (QrtFetchResult *result);

/* The client: one SoupSession, every body through the QrtCache. Use it from one thread; its
 * progress callbacks run there too, in that thread's default main context. */
#define QRT_TYPE_DATA_SPACE (qrt_data_space_get_type ())
G_DECLARE_FINAL_TYPE (QrtDataSpace, qrt_data_space, QRT, DATA_SPACE, GObject)

QrtDataSpace  *qrt_data_space_new          (QrtCache       *cache);
QrtCache      *qrt_data_space_get_cache    (QrtDataSpace   *self);
gboolean       qrt_data_space_get_offline  (QrtDataSpace   *self);
void           qrt_data_space_set_offline  (QrtDataSpace   *self,
                                            gboolean        offline);
/* I/O timeout in seconds (default 30) and the largest JSON or XML body accepted (default
 * 64 MiB); files may be 8 times larger. Tests and slow servers change them. */
void           qrt_data_space_set_limits   (QrtDataSpace   *self,
                                            guint           timeout_seconds,
                                            gint64          max_document_bytes);
/* The certificates to trust instead of the system's (a municipality's own CA; tests). */
void           qrt_data_space_set_tls_database (QrtDataSpace *self,
                                                GTlsDatabase *database);

/* A body through the cache: fresh cache hit → no request; stale → revalidated; offline →
 * the cached body whatever its age, or QRT_DATA_SPACE_ERROR_OFFLINE. */
void           qrt_data_space_get_async    (QrtDataSpace   *self,
                                            const char     *url,
                                            GCancellable   *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer        user_data);
QrtCacheEntry *qrt_data_space_get_finish   (QrtDataSpace   *self,
                                            GAsyncResult   *result,
                                            GError        **error);

/* One base-map tile: from the cache; when missing, from the server, then stored.
 * Offline and missing → QRT_DATA_SPACE_ERROR_OFFLINE. */
void           qrt_data_space_get_tile_async  (QrtDataSpace     *self,
                                               const QrtTileSet *tile_set,
                                               int z, int x, int y,
                                               GCancellable     *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer          user_data);
GBytes        *qrt_data_space_get_tile_finish (QrtDataSpace     *self,
                                               GAsyncResult     *result,
                                               GError          **error);

/* Downloads the tiles of an offline area that the cache lacks (so it also resumes).
 * Refused with QRT_DATA_SPACE_ERROR_REFUSED for a tile set that forbids bulk downloads. */
void           qrt_data_space_download_area_async  (QrtDataSpace    *self,
                                                    gint64           area_id,
                                                    QrtProgressFunc  progress,
                                                    gpointer         progress_data,
                                                    GCancellable    *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer         user_data);
gboolean       qrt_data_space_download_area_finish (QrtDataSpace    *self,
                                                    GAsyncResult    *result,
                                                    GError         **error);

/* Detects the kind of service at @url and lists what it offers. @query filters CKAN datasets. */
void           qrt_data_space_catalog_async  (QrtDataSpace   *self,
                                              const char     *url,
                                              const char     *query,
                                              GCancellable   *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer        user_data);
QrtCatalog    *qrt_data_space_catalog_finish (QrtDataSpace   *self,
                                              GAsyncResult   *result,
                                              GError        **error);

/* Downloads @collection (all pages) and imports it into the GeoPackage at @project_path
 * (created when missing). Nothing reaches the project unless every page arrived. */
void           qrt_data_space_fetch_async  (QrtDataSpace          *self,
                                            QrtCollection         *collection,
                                            const char            *project_path,
                                            const QrtFetchOptions *options,
                                            QrtProgressFunc        progress,
                                            gpointer               progress_data,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
gboolean       qrt_data_space_fetch_finish (QrtDataSpace          *self,
                                            GAsyncResult          *result,
                                            QrtFetchResult        *out_result,
                                            GError               **error);

/* The key in the project's qrt_project metadata under which a fetched layer keeps what is
 * needed to fetch it again (service, address, collection, area) as JSON. */
char          *qrt_data_space_fetch_key    (const char            *layer_name);

/* Fetches a layer that came from the data space again — revalidating what the cache holds —
 * and replaces it in the project in one transaction, keeping its name, place and style.
 * QRT_DATA_SPACE_ERROR_UNSUPPORTED when the layer did not come from a data space. */
void           qrt_data_space_refresh_async  (QrtDataSpace          *self,
                                              const char            *project_path,
                                              const char            *layer_name,
                                              QrtProgressFunc        progress,
                                              gpointer               progress_data,
                                              GCancellable          *cancellable,
                                              GAsyncReadyCallback    callback,
                                              gpointer               user_data);
gboolean       qrt_data_space_refresh_finish (QrtDataSpace          *self,
                                              GAsyncResult          *result,
                                              QrtFetchResult        *out_result,
                                              GError               **error);

G_END_DECLS
