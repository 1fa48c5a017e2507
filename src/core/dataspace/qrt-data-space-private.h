/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "qrt-data-space.h"
#include "qrt-json.h"

G_BEGIN_DECLS

/* What a body is for decides its size limit and the content types accepted. */
typedef enum
{
  QRT_BODY_JSON,
  QRT_BODY_XML,
  QRT_BODY_FILE,
  QRT_BODY_TILE,
} QrtBodyKind;

/* Deeper than any GeoJSON needs; json-glib 1.6 recurses once per level and crashes on
 * documents nested some 100,000 deep, so the text is checked before it is parsed. */
#define QRT_JSON_MAX_DEPTH 128

/* Everything a collection knows; the public object wraps it. */
typedef struct
{
  QrtServiceKind service;
  char    *id;
  char    *title;
  char    *description;
  char    *licence;
  char    *attribution;
  char    *format;
  char    *url;           /* OGC API items, WFS GetFeature base, file download */
  gint64   count;
  gint64   size;
  gboolean have_extent;
  QrtBBox  extent;
  char   **crs;           /* OGC API: the CRS URIs the server offers */
  char    *type_name;     /* WFS feature type */
  char    *wfs_version;
  char    *wfs_format;    /* the GeoJSON output format name, or NULL: GML */
  gboolean wfs_paging;
} QrtCollectionInfo;

QrtCollection *qrt_collection_new_take       (QrtCollectionInfo *info);
const QrtCollectionInfo *qrt_collection_get_info (QrtCollection *self);
void           qrt_collection_info_clear     (QrtCollectionInfo *info);

char          *qrt_collection_info_to_json   (const QrtCollectionInfo *info,
                                              const QrtBBox     *bbox);
gboolean       qrt_collection_info_from_json (QrtCollectionInfo *info,
                                              JsonObject        *object);

QrtCatalog    *qrt_catalog_new               (QrtServiceKind     service,
                                              const char        *url,
                                              const char        *title,
                                              GPtrArray         *collections);

/* A step of @outer that touches SQLite or files: @worker runs in a thread with @data, then
 * @done on the calling context with @outer as its user data (a reference of its own). */
void           qrt_data_space_run_step          (QrtDataSpace   *self,
                                                 GTask          *outer,
                                                 GTaskThreadFunc worker,
                                                 gpointer        data,
                                                 GDestroyNotify  data_free,
                                                 GAsyncReadyCallback done);

/* The HTTP layer: redirects, retries, limits, content types; no cache. */
void           qrt_data_space_fetch_body_async  (QrtDataSpace   *self,
                                                 const char     *url,
                                                 QrtBodyKind     kind,
                                                 GCancellable   *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer        user_data);
GBytes        *qrt_data_space_fetch_body_finish (GAsyncResult   *result,
                                                 GError        **error);
/* The same through the cache (what qrt_data_space_get_async does for QRT_BODY_FILE). */
void           qrt_data_space_get_kind_async    (QrtDataSpace   *self,
                                                 const char     *url,
                                                 QrtBodyKind     kind,
                                                 GCancellable   *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer        user_data);
void           qrt_data_space_get_full_async    (QrtDataSpace   *self,
                                                 const char     *url,
                                                 QrtBodyKind     kind,
                                                 gboolean        revalidate,
                                                 GCancellable   *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer        user_data);
/* qrt_data_space_get_finish() ends both. */
gboolean       qrt_data_space_result_from_cache (GAsyncResult   *result);

JsonNode      *qrt_json_parse_bytes          (GBytes       *bytes,
                                              const char   *url,
                                              GError      **error);
char          *qrt_url_with_query            (const char   *url,
                                              const char   *name,
                                              const char   *value);
char          *qrt_url_get_query             (const char   *url,
                                              const char   *name);

G_END_DECLS
