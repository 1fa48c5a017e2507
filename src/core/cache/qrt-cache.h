/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRT_CACHE_ERROR (qrt_cache_error_quark ())

typedef enum
{
  QRT_CACHE_ERROR_OPEN,       /* the cache file cannot be opened or created */
  QRT_CACHE_ERROR_IO,         /* a read or write failed (disk full, permissions) */
  QRT_CACHE_ERROR_NOT_FOUND,  /* no such offline area */
  QRT_CACHE_ERROR_INVALID,    /* an .mbtiles file that is not one */
} QrtCacheError;

GQuark qrt_cache_error_quark (void);

/* One HTTP resource as the cache keeps it. */
typedef struct
{
  char   *url;            /* normalised, see qrt_cache_normalize_url() */
  char   *etag;           /* NULL when the server sent none */
  char   *last_modified;  /* the Last-Modified header as sent, or NULL */
  char   *content_type;   /* or NULL */
  gint64  fetched_at;     /* Unix seconds of the last fetch or revalidation */
  gint64  max_age;        /* seconds from Cache-Control max-age; -1: none given */
  gboolean no_cache;      /* Cache-Control no-cache / no-store: always revalidate */
  GBytes *body;           /* the body: the mapped body file */
  char   *body_path;      /* a file holding exactly the body, readable by GDAL; every body is
                           * one (tiles live in the database), valid until the entry is
                           * stored again, removed or evicted */
} QrtCacheEntry;

void           qrt_cache_entry_free       (QrtCacheEntry *entry);
gboolean       qrt_cache_entry_is_fresh   (const QrtCacheEntry *entry,
                                           gint64               now);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtCacheEntry, qrt_cache_entry_free)

/* A rectangle of tiles kept for offline use: never evicted while it exists. */
typedef struct
{
  gint64  id;
  char   *name;
  char   *tileset;        /* the tile set (base map) id, e.g. "basemap.de" */
  double  west, south, east, north;  /* WGS 84 degrees */
  int     min_zoom, max_zoom;
  gint64  tile_count;     /* tiles the area needs */
  gint64  stored_count;   /* of those, tiles in the cache now */
  gint64  stored_bytes;
  gint64  created_at;     /* Unix seconds */
} QrtOfflineArea;

void           qrt_offline_area_free      (QrtOfflineArea *area);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtOfflineArea, qrt_offline_area_free)

/* Tiles a WGS 84 rectangle covers over a zoom range (XYZ, Web Mercator). */
gint64         qrt_tile_count_for_area    (double west, double south, double east, double north,
                                           int min_zoom, int max_zoom);

char          *qrt_cache_normalize_url    (const char *url);

/* The cache: one SQLite database (WAL) per user plus a folder of large bodies.
 * Thread safe: every function may be called from any thread. */
#define QRT_TYPE_CACHE (qrt_cache_get_type ())
G_DECLARE_FINAL_TYPE (QrtCache, qrt_cache, QRT, CACHE, GObject)

/* @path NULL: $XDG_CACHE_HOME/quartier/cache.sqlite. A corrupt database is moved aside and
 * a new one created; qrt_cache_get_recovered_from() then names the file it was moved to. */
QrtCache      *qrt_cache_open              (const char     *path,
                                            GError        **error);
void           qrt_cache_open_async        (const char          *path,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
QrtCache      *qrt_cache_open_finish       (GAsyncResult   *result,
                                            GError        **error);
const char    *qrt_cache_get_path          (QrtCache       *self);
const char    *qrt_cache_get_recovered_from (QrtCache      *self);

/* HTTP resources. lookup returns NULL without an error on a miss. */
QrtCacheEntry *qrt_cache_lookup            (QrtCache       *self,
                                            const char     *url,
                                            GError        **error);
/* Stores @entry (its url is normalised again); the body goes to a temporary file first and is
 * swapped in, so a crash leaves the previous entry or the new one, never half of one. */
gboolean       qrt_cache_store             (QrtCache       *self,
                                            const QrtCacheEntry *entry,
                                            GError        **error);
/* A 304 answer: the stored body is still right; updates fetched_at (and max_age). */
gboolean       qrt_cache_revalidated       (QrtCache       *self,
                                            const char     *url,
                                            gint64          fetched_at,
                                            gint64          max_age,
                                            GError        **error);
gboolean       qrt_cache_remove            (QrtCache       *self,
                                            const char     *url,
                                            GError        **error);

/* Raster tiles, XYZ addressing (stored in MBTiles' TMS rows). */
gboolean       qrt_cache_put_tile          (QrtCache       *self,
                                            const char     *tileset,
                                            int z, int x, int y,
                                            GBytes         *data,
                                            GError        **error);
GBytes        *qrt_cache_get_tile          (QrtCache       *self,
                                            const char     *tileset,
                                            int z, int x, int y);
gboolean       qrt_cache_has_tile          (QrtCache       *self,
                                            const char     *tileset,
                                            int z, int x, int y);
/* Many tiles of one set in one transaction (an offline area download): several times the
 * throughput of qrt_cache_put_tile() per tile. All or none are stored. */
typedef struct
{
  int     z, x, y;
  GBytes *data;
} QrtCacheTile;

gboolean       qrt_cache_put_tiles         (QrtCache       *self,
                                            const char     *tileset,
                                            const QrtCacheTile *tiles,
                                            guint           n_tiles,
                                            GError        **error);

/* Size accounting and LRU eviction of what no offline area pins. */
gint64         qrt_cache_get_size          (QrtCache       *self);
gint64         qrt_cache_get_max_size      (QrtCache       *self);
void           qrt_cache_set_max_size      (QrtCache       *self,
                                            gint64          bytes);
gboolean       qrt_cache_evict             (QrtCache       *self,
                                            gint64          target_bytes,
                                            GError        **error);
gboolean       qrt_cache_purge             (QrtCache       *self,
                                            gboolean        include_pinned,
                                            GError        **error);
gboolean       qrt_cache_check             (QrtCache       *self,
                                            GError        **error);

/* Offline areas. */
QrtOfflineArea *qrt_cache_add_area         (QrtCache       *self,
                                            const char     *name,
                                            const char     *tileset,
                                            double west, double south, double east, double north,
                                            int min_zoom, int max_zoom,
                                            GError        **error);
GPtrArray     *qrt_cache_list_areas        (QrtCache       *self,
                                            GError        **error);
QrtOfflineArea *qrt_cache_get_area         (QrtCache       *self,
                                            gint64          id,
                                            GError        **error);
gboolean       qrt_cache_remove_area       (QrtCache       *self,
                                            gint64          id,
                                            GError        **error);
gboolean       qrt_cache_export_area       (QrtCache       *self,
                                            gint64          id,
                                            const char     *mbtiles_path,
                                            GError        **error);
QrtOfflineArea *qrt_cache_import_mbtiles   (QrtCache       *self,
                                            const char     *mbtiles_path,
                                            const char     *tileset,
                                            GError        **error);

G_END_DECLS
