/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "qrt-cache.h"

/*
 * Layout on disk, for a cache at DIR/cache.sqlite:
 *
 *   DIR/cache.sqlite         SQLite, WAL: resources (metadata only), tiles (MBTiles columns,
 *                            tile data inline), tilesets, offline areas, a size counter
 *   DIR/bodies/<sha256(url)>-<8 hex>
 *                            every HTTP resource body, one file each
 *
 * Bodies are always files, small ones included: the entry promises a path that GDAL can open
 * (WFS answers, GeoJSON, zipped shapefiles all go to the importer by path), and tiles, the only
 * small and hot objects, live in the database anyway. A body file gets a new name on every
 * store; the row is switched to it in one transaction and the old file is unlinked after the
 * commit, so a crash at any point leaves the old entry or the new one (plus at worst an orphan
 * file, which the next open removes). Hence one cache per directory.
 *
 * Threads: one writing connection behind `lock`; reads (tiles and resource lookups) take a
 * connection from a pool of readers, so that lookups from several threads run in parallel
 * under WAL; each reader keeps its own map of tile set ids, so a tile lookup takes no lock but
 * the pool's. Lock order: lock, then touch_lock; pool_lock is never held while another one is
 * taken.
 */

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000
#define DEFAULT_MAX_SIZE ((gint64) 2 << 30)
#define MAX_ZOOM 30
#define MAX_LATITUDE 85.0511
/* last_used moves in steps of this many seconds: LRU needs no finer clock, and most reads
 * then write nothing. */
#define TOUCH_GRANULARITY 60
#define TOUCH_FLUSH 256
#define TOUCH_MAX_PENDING 65536
#define EVICT_BATCH 256

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A tile lies in an offline area of its set: never evicted. area_ranges hold TMS rows. */
#define PINNED_SQL \
  "EXISTS (SELECT 1 FROM area_ranges r WHERE r.tileset_id = tiles.tileset_id" \
  " AND r.zoom = tiles.zoom_level AND tiles.tile_column BETWEEN r.x0 AND r.x1" \
  " AND tiles.tile_row BETWEEN r.y0 AND r.y1)"

static const char schema_sql[] =
  "CREATE TABLE usage (id INTEGER PRIMARY KEY CHECK (id = 0), bytes INTEGER NOT NULL);"
  "INSERT INTO usage VALUES (0, 0);"
  "CREATE TABLE resources (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,"
  " content_type TEXT, fetched_at INTEGER NOT NULL, max_age INTEGER NOT NULL,"
  " no_cache INTEGER NOT NULL, size INTEGER NOT NULL, last_used INTEGER NOT NULL,"
  " body_file TEXT NOT NULL);"
  "CREATE INDEX resources_lru ON resources (last_used);"
  "CREATE TABLE tilesets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
  "CREATE TABLE tileset_metadata (tileset_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT,"
  " PRIMARY KEY (tileset_id, name));"
  /* MBTiles columns; tile_data last so that the small columns stay on the b-tree page. */
  "CREATE TABLE tiles (id INTEGER PRIMARY KEY, tileset_id INTEGER NOT NULL,"
  " zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL,"
  " last_used INTEGER NOT NULL, size INTEGER NOT NULL, tile_data BLOB NOT NULL);"
  "CREATE UNIQUE INDEX tiles_key ON tiles (tileset_id, zoom_level, tile_column, tile_row);"
  "CREATE INDEX tiles_lru ON tiles (last_used);"
  "CREATE TABLE areas (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tileset_id INTEGER NOT NULL,"
  " west REAL NOT NULL, south REAL NOT NULL, east REAL NOT NULL, north REAL NOT NULL,"
  " min_zoom INTEGER NOT NULL, max_zoom INTEGER NOT NULL, created_at INTEGER NOT NULL);"
  /* The tile ranges of each area and zoom, TMS rows, two when the area crosses 180°. */
  "CREATE TABLE area_ranges (area_id INTEGER NOT NULL, tileset_id INTEGER NOT NULL,"
  " zoom INTEGER NOT NULL, x0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y0 INTEGER NOT NULL,"
  " y1 INTEGER NOT NULL);"
  "CREATE INDEX area_ranges_tile ON area_ranges (tileset_id, zoom);"
  "CREATE INDEX area_ranges_area ON area_ranges (area_id);"
  /* The size counter moves in the same transaction as the rows. UPSERTs fire the UPDATE
   * triggers (REPLACE would not fire the DELETE ones). */
  "CREATE TRIGGER tiles_insert AFTER INSERT ON tiles"
  " BEGIN UPDATE usage SET bytes = bytes + NEW.size; END;"
  "CREATE TRIGGER tiles_delete AFTER DELETE ON tiles"
  " BEGIN UPDATE usage SET bytes = bytes - OLD.size; END;"
  "CREATE TRIGGER tiles_update AFTER UPDATE OF size ON tiles"
  " BEGIN UPDATE usage SET bytes = bytes - OLD.size + NEW.size; END;"
  "CREATE TRIGGER resources_insert AFTER INSERT ON resources"
  " BEGIN UPDATE usage SET bytes = bytes + NEW.size; END;"
  "CREATE TRIGGER resources_delete AFTER DELETE ON resources"
  " BEGIN UPDATE usage SET bytes = bytes - OLD.size; END;"
  "CREATE TRIGGER resources_update AFTER UPDATE OF size ON resources"
  " BEGIN UPDATE usage SET bytes = bytes - OLD.size + NEW.size; END;";

typedef enum
{
  W_PUT_TILE,
  W_USAGE,
  W_TILESET_INSERT,
  W_TILESET_SELECT,
  W_TOUCH_TILE,
  W_TOUCH_RESOURCE,
  N_WRITER_STMTS
} WriterStmt;

static const char * const writer_sql[N_WRITER_STMTS] = {
  [W_PUT_TILE] =
    "INSERT INTO tiles (tileset_id, zoom_level, tile_column, tile_row, last_used, size,"
    " tile_data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (tileset_id, zoom_level, tile_column, tile_row) DO UPDATE SET"
    " last_used = excluded.last_used, size = excluded.size, tile_data = excluded.tile_data",
  [W_USAGE] = "SELECT bytes FROM usage",
  [W_TILESET_INSERT] = "INSERT OR IGNORE INTO tilesets (name) VALUES (?1)",
  [W_TILESET_SELECT] = "SELECT id FROM tilesets WHERE name = ?1",
  [W_TOUCH_TILE] = "UPDATE tiles SET last_used = ?2 WHERE id = ?1 AND last_used < ?2",
  [W_TOUCH_RESOURCE] = "UPDATE resources SET last_used = ?2 WHERE rowid = ?1 AND last_used < ?2",
};

typedef enum
{
  R_GET_TILE,
  R_HAS_TILE,
  R_LOOKUP,
  R_TILESET,
  N_READER_STMTS
} ReaderStmt;

static const char * const reader_sql[N_READER_STMTS] = {
  [R_GET_TILE] =
    "SELECT id, last_used, tile_data FROM tiles"
    " WHERE tileset_id = ?1 AND zoom_level = ?2 AND tile_column = ?3 AND tile_row = ?4",
  [R_HAS_TILE] =
    "SELECT 1 FROM tiles"
    " WHERE tileset_id = ?1 AND zoom_level = ?2 AND tile_column = ?3 AND tile_row = ?4",
  [R_LOOKUP] =
    "SELECT rowid, etag, last_modified, content_type, fetched_at, max_age, no_cache, size,"
    " last_used, body_file FROM resources WHERE url = ?1",
  [R_TILESET] = "SELECT id FROM tilesets WHERE name = ?1",
};

/* A reading connection; used by one thread at a time, between acquire and release. */
typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *stmts[N_READER_STMTS];
  GHashTable   *tilesets;   /* name -> gint64 id; ids never change */
} Reader;

typedef enum
{
  TOUCH_TILE,
  TOUCH_RESOURCE,
} TouchKind;

typedef struct
{
  TouchKind kind;
  gint64    id;
} Touch;

typedef struct
{
  gint64 x0, x1, y0, y1;   /* XYZ columns and rows, inclusive */
} TileRange;

struct _QrtCache
{
  GObject       parent_instance;

  /* Set in qrt_cache_open(), then immutable. */
  char         *path;
  char         *bodies_dir;
  char         *recovered_from;

  GMutex        lock;      /* guards db, stmts, max_size */
  sqlite3      *db;        /* the only connection that writes, except import's own */
  sqlite3_stmt *stmts[N_WRITER_STMTS];
  gint64        max_size;

  GMutex        pool_lock; /* guards readers */
  GPtrArray    *readers;   /* idle Reader */

  GHashTable   *tilesets;  /* the writer's name -> gint64 id, guarded by lock */

  GMutex        touch_lock;     /* guards touched */
  GArray       *touched;        /* Touch: rows read whose last_used is out of date */
};

G_DEFINE_FINAL_TYPE (QrtCache, qrt_cache, G_TYPE_OBJECT)

G_DEFINE_QUARK (qrt-cache-error-quark, qrt_cache_error)

/* Helpers */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static int
db_exec (sqlite3    *db,
         const char *sql)
{
  return sqlite3_exec (db, sql, NULL, NULL, NULL);
}

static void
set_write_error (GError  **error,
                 sqlite3  *db,
                 int       rc)
{
  if ((rc & 0xff) == SQLITE_FULL)
    g_set_error_literal (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
                         _("The offline cache could not be written: the disk is full."));
  else
    g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
                 _("The offline cache could not be written: %s"),
                 db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

static void
set_read_error (GError  **error,
                sqlite3  *db,
                int       rc)
{
  g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
               _("The offline cache could not be read: %s"),
               db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

static void
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize len = 0;
  const void *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  /* A NULL pointer would bind SQL NULL; an empty tile is an empty blob. */
  sqlite3_bind_blob64 (stmt, index, data ? data : "", len, SQLITE_STATIC);
}

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           column)
{
  const void *data = sqlite3_column_blob (stmt, column);
  int len = sqlite3_column_bytes (stmt, column);

  return g_bytes_new (data, len);
}

static char *
column_strdup (sqlite3_stmt *stmt,
               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gint64
tms_row (int z,
         int y)
{
  return (((gint64) 1 << z) - 1) - y;
}

static gboolean
tile_args_valid (int z,
                 int x,
                 int y)
{
  return z >= 0 && z <= MAX_ZOOM && x >= 0 && y >= 0 &&
         (gint64) x < ((gint64) 1 << z) && (gint64) y < ((gint64) 1 << z);
}

/* Tiles */

static gint64
lon_to_x (double lon,
          int    z)
{
  gint64 n = (gint64) 1 << z;
  gint64 x = (gint64) floor ((CLAMP (lon, -180.0, 180.0) + 180.0) / 360.0 * n);

  return CLAMP (x, 0, n - 1);
}

static gint64
lat_to_y (double lat,
          int    z)
{
  gint64 n = (gint64) 1 << z;
  double rad = CLAMP (lat, -MAX_LATITUDE, MAX_LATITUDE) * G_PI / 180.0;
  gint64 y = (gint64) floor ((1.0 - asinh (tan (rad)) / G_PI) / 2.0 * n);

  return CLAMP (y, 0, n - 1);
}

static double
x_to_lon (gint64 x,
          int    z)
{
  return (double) x / (double) ((gint64) 1 << z) * 360.0 - 180.0;
}

static double
y_to_lat (gint64 y,
          int    z)
{
  double n = (double) ((gint64) 1 << z);

  return atan (sinh (G_PI * (1.0 - 2.0 * (double) y / n))) * 180.0 / G_PI;
}

/* The tiles a rectangle covers at @z: one range, or two when it crosses the antimeridian
 * (west > east). Returns the number of ranges. */
static guint
tile_ranges (double    west,
             double    south,
             double    east,
             double    north,
             int       z,
             TileRange out[2])
{
  gint64 n = (gint64) 1 << z;
  gint64 x0 = lon_to_x (west, z), x1 = lon_to_x (east, z);
  gint64 y0 = lat_to_y (MAX (north, south), z), y1 = lat_to_y (MIN (north, south), z);

  out[0] = (TileRange) { x0, x1, y0, y1 };
  if (west <= east)
    return 1;
  if (x0 <= x1)
    {
      out[0].x0 = 0;
      out[0].x1 = n - 1;
      return 1;
    }
  out[0].x1 = n - 1;
  out[1] = (TileRange) { 0, x1, y0, y1 };
  return 2;
}

static gboolean
bbox_valid (double west,
            double south,
            double east,
            double north)
{
  return isfinite (west) && isfinite (south) && isfinite (east) && isfinite (north);
}

/**
 * qrt_tile_count_for_area:
 *
 * Counts the XYZ tiles that cover a WGS 84 rectangle at each zoom from @min_zoom to @max_zoom
 * (Web Mercator, latitudes clamped to ±85.0511°). A rectangle with @west > @east crosses the
 * antimeridian.
 *
 * Returns: the number of tiles, 0 for an empty zoom range or a rectangle that is not finite.
 */
gint64
qrt_tile_count_for_area (double west,
                         double south,
                         double east,
                         double north,
                         int    min_zoom,
                         int    max_zoom)
{
  gint64 total = 0;

  if (!bbox_valid (west, south, east, north))
    return 0;
  for (int z = MAX (min_zoom, 0); z <= MIN (max_zoom, MAX_ZOOM); z++)
    {
      TileRange ranges[2];
      guint n = tile_ranges (west, south, east, north, z, ranges);

      for (guint i = 0; i < n; i++)
        total += (ranges[i].x1 - ranges[i].x0 + 1) * (ranges[i].y1 - ranges[i].y0 + 1);
    }
  return total;
}

/* URLs */

typedef struct
{
  const char *param;
  gsize       name_len;
  guint       index;
} QueryParam;

static int
compare_params (gconstpointer a,
                gconstpointer b)
{
  const QueryParam *p = a, *q = b;
  int cmp = strncmp (p->param, q->param, MIN (p->name_len, q->name_len));

  if (cmp == 0 && p->name_len != q->name_len)
    cmp = p->name_len < q->name_len ? -1 : 1;
  if (cmp == 0)
    cmp = p->index < q->index ? -1 : p->index > q->index;
  return cmp;
}

static char *
sort_query (const char *query)
{
  g_auto(GStrv) params = g_strsplit (query, "&", -1);
  g_autoptr(GArray) sorted = g_array_new (FALSE, FALSE, sizeof (QueryParam));
  GString *out = g_string_new (NULL);

  for (guint i = 0; params[i] != NULL; i++)
    {
      QueryParam param = { params[i], strcspn (params[i], "="), i };

      if (params[i][0] != '\0')
        g_array_append_val (sorted, param);
    }
  g_array_sort (sorted, compare_params);
  for (guint i = 0; i < sorted->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, '&');
      g_string_append (out, g_array_index (sorted, QueryParam, i).param);
    }
  return g_string_free (out, FALSE);
}

/**
 * qrt_cache_normalize_url:
 * @url: an absolute URL
 *
 * The cache key of @url: scheme and host in lower case, no default port (80 for http, 443 for
 * https), no fragment, query parameters sorted by name (parameters of the same name keep their
 * order), percent-encoding left exactly as it was. A string that is not an absolute URL is
 * returned unchanged.
 *
 * Returns: (transfer full): the normalised URL
 */
char *
qrt_cache_normalize_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *query = NULL;
  const char *path;
  int port;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return g_strdup (url);

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = g_uri_get_host (uri) ? g_ascii_strdown (g_uri_get_host (uri), -1) : NULL;
  port = g_uri_get_port (uri);
  if ((port == 80 && strcmp (scheme, "http") == 0) ||
      (port == 443 && strcmp (scheme, "https") == 0))
    port = -1;
  path = g_uri_get_path (uri);
  if (host != NULL && *path == '\0')
    path = "/";
  if (g_uri_get_query (uri) != NULL)
    query = sort_query (g_uri_get_query (uri));
  if (query != NULL && *query == '\0')
    g_clear_pointer (&query, g_free);

  return g_uri_join (G_URI_FLAGS_ENCODED, scheme, g_uri_get_userinfo (uri), host, port, path,
                     query, NULL);
}

/* Entries and areas */

void
qrt_cache_entry_free (QrtCacheEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->url);
  g_free (entry->etag);
  g_free (entry->last_modified);
  g_free (entry->content_type);
  g_clear_pointer (&entry->body, g_bytes_unref);
  g_free (entry->body_path);
  g_free (entry);
}

/**
 * qrt_cache_entry_is_fresh:
 * @now: Unix seconds
 *
 * Returns: %TRUE when @entry may be used without asking the server: not no-cache and younger
 *   than its max-age. An entry without max-age is never fresh.
 */
gboolean
qrt_cache_entry_is_fresh (const QrtCacheEntry *entry,
                          gint64               now)
{
  g_return_val_if_fail (entry != NULL, FALSE);

  if (entry->no_cache)
    return FALSE;
  return entry->max_age >= 0 && now - entry->fetched_at < entry->max_age;
}

void
qrt_offline_area_free (QrtOfflineArea *area)
{
  if (area == NULL)
    return;
  g_free (area->name);
  g_free (area->tileset);
  g_free (area);
}

/* Connections */

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      set_read_error (error, db, rc);
      return NULL;
    }
  return stmt;
}

/* The writer's statements are prepared on first use and kept. Called with lock held. */
static sqlite3_stmt *
writer_stmt (QrtCache    *self,
             WriterStmt   which,
             GError     **error)
{
  if (self->stmts[which] == NULL)
    {
      int rc = sqlite3_prepare_v3 (self->db, writer_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                   &self->stmts[which], NULL);

      if (rc != SQLITE_OK)
        {
          set_read_error (error, self->db, rc);
          return NULL;
        }
    }
  return self->stmts[which];
}

static void
reader_free (Reader *reader)
{
  for (guint i = 0; i < N_READER_STMTS; i++)
    sqlite3_finalize (reader->stmts[i]);
  sqlite3_close (reader->db);
  g_hash_table_unref (reader->tilesets);
  g_free (reader);
}

static Reader *
reader_acquire (QrtCache  *self,
                GError   **error)
{
  Reader *reader = NULL;
  int rc;

  g_mutex_lock (&self->pool_lock);
  if (self->readers->len > 0)
    reader = g_ptr_array_steal_index_fast (self->readers, self->readers->len - 1);
  g_mutex_unlock (&self->pool_lock);
  if (reader != NULL)
    return reader;

  reader = g_new0 (Reader, 1);
  reader->tilesets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  rc = sqlite3_open_v2 (self->path, &reader->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (reader->db, BUSY_TIMEOUT_MS);
      db_exec (reader->db, "PRAGMA query_only = 1");
      db_exec (reader->db, "PRAGMA mmap_size = 268435456");
    }
  for (guint i = 0; rc == SQLITE_OK && i < N_READER_STMTS; i++)
    rc = sqlite3_prepare_v3 (reader->db, reader_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                             &reader->stmts[i], NULL);
  if (rc != SQLITE_OK)
    {
      set_read_error (error, reader->db, rc);
      reader_free (reader);
      return NULL;
    }
  return reader;
}

static void
reader_release (QrtCache *self,
                Reader   *reader)
{
  g_mutex_lock (&self->pool_lock);
  g_ptr_array_add (self->readers, reader);
  g_mutex_unlock (&self->pool_lock);
}

/* The id of a tile set; 0 when it does not exist. Through @reader, or with @reader NULL
 * through the writer, creating it (lock held). */
static gint64
tileset_id (QrtCache    *self,
            Reader      *reader,
            const char  *name,
            GError     **error)
{
  GHashTable *ids = reader ? reader->tilesets : self->tilesets;
  gint64 *known = g_hash_table_lookup (ids, name);
  sqlite3_stmt *stmt;
  gint64 id = 0;
  int rc;

  if (known != NULL)
    return *known;

  if (reader == NULL)
    {
      stmt = writer_stmt (self, W_TILESET_INSERT, error);
      if (stmt == NULL)
        return 0;
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      if (rc != SQLITE_DONE)
        {
          set_write_error (error, self->db, rc);
          return 0;
        }
      stmt = writer_stmt (self, W_TILESET_SELECT, error);
      if (stmt == NULL)
        return 0;
    }
  else
    stmt = reader->stmts[R_TILESET];

  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    set_read_error (error, sqlite3_db_handle (stmt), rc);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  /* Tile sets are never deleted: an id, once seen, stays right. */
  if (id != 0)
    g_hash_table_insert (ids, g_strdup (name), g_memdup2 (&id, sizeof id));
  return id;
}

/* Same for a connection other than the writer (import), without the in-memory map. */
static gint64
tileset_id_on (sqlite3     *db,
               const char  *name,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) insert = prepare (db, writer_sql[W_TILESET_INSERT], error);
  g_autoptr(sqlite3_stmt) select = NULL;
  int rc;

  if (insert == NULL)
    return 0;
  sqlite3_bind_text (insert, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (insert);
  if (rc != SQLITE_DONE)
    {
      set_write_error (error, db, rc);
      return 0;
    }
  select = prepare (db, writer_sql[W_TILESET_SELECT], error);
  if (select == NULL)
    return 0;
  sqlite3_bind_text (select, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (select) != SQLITE_ROW)
    {
      set_write_error (error, db, rc);
      return 0;
    }
  return sqlite3_column_int64 (select, 0);
}

/* LRU bookkeeping: readers only note rows whose last_used is stale; the writer applies the
 * notes in one transaction, so that lookups never wait for a write. */
static void
note_touch (QrtCache  *self,
            TouchKind  kind,
            gint64     id,
            gint64     last_used,
            gint64     now)
{
  Touch touch = { kind, id };

  if (now - last_used < TOUCH_GRANULARITY)
    return;
  g_mutex_lock (&self->touch_lock);
  /* While the writer is busy for long (an import) notes pile up; past this they are lost. */
  if (self->touched->len < TOUCH_MAX_PENDING)
    g_array_append_val (self->touched, touch);
  g_mutex_unlock (&self->touch_lock);
}

/* Called with lock held. Touches that fail are dropped: LRU order is a hint. */
static void
flush_touches_locked (QrtCache *self)
{
  g_autoptr(GArray) touched = NULL;
  gint64 now = now_seconds ();
  sqlite3_stmt *stmts[2];

  g_mutex_lock (&self->touch_lock);
  if (self->touched->len > 0)
    {
      touched = g_steal_pointer (&self->touched);
      self->touched = g_array_new (FALSE, FALSE, sizeof (Touch));
    }
  g_mutex_unlock (&self->touch_lock);
  if (touched == NULL)
    return;

  stmts[TOUCH_TILE] = writer_stmt (self, W_TOUCH_TILE, NULL);
  stmts[TOUCH_RESOURCE] = writer_stmt (self, W_TOUCH_RESOURCE, NULL);
  if (stmts[0] == NULL || stmts[1] == NULL || db_exec (self->db, "BEGIN IMMEDIATE") != SQLITE_OK)
    return;
  for (guint i = 0; i < touched->len; i++)
    {
      const Touch *touch = &g_array_index (touched, Touch, i);
      sqlite3_stmt *stmt = stmts[touch->kind];

      sqlite3_bind_int64 (stmt, 1, touch->id);
      sqlite3_bind_int64 (stmt, 2, now);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
    }
  if (db_exec (self->db, "COMMIT") != SQLITE_OK)
    db_exec (self->db, "ROLLBACK");
}

static void
maybe_flush_touches (QrtCache *self)
{
  gboolean due;

  g_mutex_lock (&self->touch_lock);
  due = self->touched->len >= TOUCH_FLUSH;
  g_mutex_unlock (&self->touch_lock);
  if (due && g_mutex_trylock (&self->lock))
    {
      flush_touches_locked (self);
      g_mutex_unlock (&self->lock);
    }
}

/* Opening and recovery */

typedef enum
{
  OPEN_OK,
  OPEN_DAMAGED,
  OPEN_FAILED,
} OpenStatus;

static gboolean
rc_is_damage (int rc)
{
  return (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT ||
         rc == SQLITE_IOERR_SHORT_READ;
}

static OpenStatus
open_status (int rc)
{
  return rc_is_damage (rc) ? OPEN_DAMAGED : OPEN_FAILED;
}

static OpenStatus
open_writer (const char  *path,
             sqlite3    **out,
             GError     **error)
{
  g_autofree char *name = g_filename_display_name (path);
  g_autoptr(sqlite3_stmt) check = NULL;
  sqlite3 *db = NULL;
  OpenStatus status = OPEN_OK;
  const char *problem = NULL;
  gint64 version = -1;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (db, 1);
      sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
      /* Only takes effect on a new file; lets purge give space back. */
      rc = db_exec (db, "PRAGMA auto_vacuum = INCREMENTAL");
    }
  if (rc == SQLITE_OK)
    rc = db_exec (db, "PRAGMA journal_mode = WAL");
  if (rc == SQLITE_OK)
    rc = db_exec (db, "PRAGMA synchronous = NORMAL");
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check(1)", -1, &check, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (check);
      if (rc == SQLITE_ROW)
        {
          problem = (const char *) sqlite3_column_text (check, 0);
          if (problem == NULL || strcmp (problem, "ok") != 0)
            {
              g_debug ("Cache %s fails quick_check: %s", path, problem);
              status = OPEN_DAMAGED;
            }
          rc = SQLITE_OK;
        }
      g_clear_pointer (&check, sqlite3_finalize);
    }
  if (rc == SQLITE_OK && status == OPEN_OK)
    rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &check, NULL);
  if (rc == SQLITE_OK && status == OPEN_OK)
    {
      if (sqlite3_step (check) == SQLITE_ROW)
        version = sqlite3_column_int64 (check, 0);
      g_clear_pointer (&check, sqlite3_finalize);
    }
  if (rc == SQLITE_OK && status == OPEN_OK && version == 0)
    {
      rc = db_exec (db, "BEGIN IMMEDIATE");
      if (rc == SQLITE_OK)
        rc = db_exec (db, schema_sql);
      if (rc == SQLITE_OK)
        rc = db_exec (db, "PRAGMA user_version = " G_STRINGIFY (SCHEMA_VERSION));
      if (rc == SQLITE_OK)
        rc = db_exec (db, "COMMIT");
      /* Tables of ours already there without a version: not a cache we wrote. */
      if (rc == SQLITE_ERROR)
        status = OPEN_DAMAGED;
      if (rc != SQLITE_OK)
        db_exec (db, "ROLLBACK");
    }
  else if (rc == SQLITE_OK && status == OPEN_OK && version != SCHEMA_VERSION)
    {
      /* Written by a newer Quartier (or not by Quartier): a cache may be thrown away. */
      g_debug ("Cache %s has schema version %" G_GINT64_FORMAT, path, version);
      status = OPEN_DAMAGED;
    }

  if (rc != SQLITE_OK && status == OPEN_OK)
    status = open_status (rc);
  if (status == OPEN_FAILED)
    g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_OPEN,
                 _("The offline cache “%s” cannot be opened: %s"), name,
                 db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  if (status != OPEN_OK)
    {
      sqlite3_close (db);
      return status;
    }
  *out = db;
  return OPEN_OK;
}

/* Moves a damaged database and its WAL files aside. Returns the new name, or NULL when the
 * file could only be deleted. */
static char *
move_aside (const char  *path,
            GError     **error)
{
  static const char * const suffixes[] = { "-wal", "-shm" };
  gint64 now = now_seconds ();
  char *aside = g_strdup_printf ("%s.corrupt-%" G_GINT64_FORMAT, path, now);

  for (int i = 1; g_file_test (aside, G_FILE_TEST_EXISTS); i++)
    {
      g_free (aside);
      aside = g_strdup_printf ("%s.corrupt-%" G_GINT64_FORMAT "-%d", path, now, i);
    }

  if (g_rename (path, aside) != 0)
    {
      int saved = errno;

      g_clear_pointer (&aside, g_free);
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          g_autofree char *name = g_filename_display_name (path);

          g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_OPEN,
                       _("The offline cache “%s” is damaged and cannot be replaced: %s"), name,
                       g_strerror (saved));
          return NULL;
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = aside ? g_strconcat (aside, suffixes[i], NULL) : NULL;

      if (to == NULL || g_rename (from, to) != 0)
        g_unlink (from);
    }
  if (aside == NULL)
    g_message ("Damaged cache %s deleted: it could not be renamed", path);
  return aside;
}

static gboolean
is_body_file_name (const char *name)
{
  gsize len = strlen (name);

  if (g_str_has_prefix (name, ".tmp-"))
    return TRUE;
  if (len != 64 + 1 + 8 || name[64] != '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (i != 64 && !g_ascii_isxdigit (name[i]))
      return FALSE;
  return TRUE;
}

/* After a crash or a damaged database: body files no row names, and rows whose file is
 * gone. Called at open, before any other thread can see the cache. */
static void
sweep_bodies (QrtCache *self)
{
  g_autoptr(GHashTable) referenced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            NULL);
  g_autoptr(GArray) missing = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(sqlite3_stmt) stmt = prepare (self->db, "SELECT rowid, body_file FROM resources",
                                          NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *file = (const char *) sqlite3_column_text (stmt, 1);
      g_autofree char *path = g_build_filename (self->bodies_dir, file, NULL);
      gint64 rowid = sqlite3_column_int64 (stmt, 0);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_hash_table_add (referenced, g_strdup (file));
      else
        g_array_append_val (missing, rowid);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (missing->len > 0)
    {
      stmt = prepare (self->db, "DELETE FROM resources WHERE rowid = ?1", NULL);
      for (guint i = 0; stmt != NULL && i < missing->len; i++)
        {
          sqlite3_bind_int64 (stmt, 1, g_array_index (missing, gint64, i));
          sqlite3_step (stmt);
          sqlite3_reset (stmt);
        }
      g_debug ("Cache: %u entries without a body file dropped", missing->len);
    }

  dir = g_dir_open (self->bodies_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (is_body_file_name (name) && !g_hash_table_contains (referenced, name))
      {
        g_autofree char *path = g_build_filename (self->bodies_dir, name, NULL);

        g_unlink (path);
      }
}

/* GObject */

static void
qrt_cache_finalize (GObject *object)
{
  QrtCache *self = QRT_CACHE (object);

  if (self->db != NULL)
    {
      g_mutex_lock (&self->lock);
      flush_touches_locked (self);
      g_mutex_unlock (&self->lock);
    }
  for (guint i = 0; i < N_WRITER_STMTS; i++)
    sqlite3_finalize (self->stmts[i]);
  g_clear_pointer (&self->readers, g_ptr_array_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_clear_pointer (&self->tilesets, g_hash_table_unref);
  g_clear_pointer (&self->touched, g_array_unref);
  g_free (self->path);
  g_free (self->bodies_dir);
  g_free (self->recovered_from);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->pool_lock);
  g_mutex_clear (&self->touch_lock);

  G_OBJECT_CLASS (qrt_cache_parent_class)->finalize (object);
}

static void
qrt_cache_class_init (QrtCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrt_cache_finalize;
}

static void
qrt_cache_init (QrtCache *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->pool_lock);
  g_mutex_init (&self->touch_lock);
  self->readers = g_ptr_array_new_with_free_func ((GDestroyNotify) reader_free);
  self->tilesets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->touched = g_array_new (FALSE, FALSE, sizeof (Touch));
  self->max_size = DEFAULT_MAX_SIZE;
}

/* Public API */

/**
 * qrt_cache_open:
 * @path: (nullable): the database file, or %NULL for the user's cache
 *
 * Opens the cache, creating it when needed. Blocks (a quick check of the database): call it
 * from a worker thread at startup. A damaged database is moved aside and replaced by an empty
 * one; qrt_cache_get_recovered_from() then says where the old file went.
 *
 * Returns: (transfer full): the cache, or %NULL with QRT_CACHE_ERROR_OPEN when the folder
 *   cannot be written.
 */
QrtCache *
qrt_cache_open (const char  *path,
                GError     **error)
{
  g_autoptr(QrtCache) self = g_object_new (QRT_TYPE_CACHE, NULL);
  g_autofree char *dir = NULL;
  OpenStatus status;

  if (path != NULL)
    self->path = g_strdup (path);
  else
    self->path = g_build_filename (g_get_user_cache_dir (), "quartier", "cache.sqlite", NULL);
  dir = g_path_get_dirname (self->path);
  self->bodies_dir = g_build_filename (dir, "bodies", NULL);

  if (g_mkdir_with_parents (self->bodies_dir, 0700) != 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_name (self->bodies_dir);

      g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_OPEN,
                   _("The offline cache folder “%s” cannot be created: %s"), name,
                   g_strerror (saved));
      return NULL;
    }

  status = open_writer (self->path, &self->db, error);
  if (status == OPEN_DAMAGED)
    {
      g_autoptr(GError) local = NULL;

      g_message ("Offline cache %s is damaged, starting a new one", self->path);
      self->recovered_from = move_aside (self->path, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      status = open_writer (self->path, &self->db, error);
      if (status == OPEN_DAMAGED)
        {
          g_autofree char *name = g_filename_display_name (dir);

          g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_OPEN,
                       _("A new offline cache cannot be created in “%s”."), name);
        }
    }
  if (status != OPEN_OK)
    return NULL;

  sweep_bodies (self);
  return g_steal_pointer (&self);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  QrtCache *cache = qrt_cache_open (task_data, &error);

  if (cache == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, cache, g_object_unref);
}

/**
 * qrt_cache_open_async:
 * @path: (nullable): as for qrt_cache_open()
 *
 * Opens the cache in a worker thread (its quick check reads the whole database).
 */
void
qrt_cache_open_async (const char          *path,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, qrt_cache_open_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
}

/**
 * qrt_cache_open_finish:
 *
 * Returns: (transfer full): the cache, or %NULL with @error set.
 */
QrtCache *
qrt_cache_open_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qrt_cache_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
qrt_cache_get_path (QrtCache *self)
{
  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  return self->path;
}

/**
 * qrt_cache_get_recovered_from:
 *
 * Returns: (nullable): where a damaged database was moved when this cache was opened, or
 *   %NULL when it opened cleanly
 */
const char *
qrt_cache_get_recovered_from (QrtCache *self)
{
  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  return self->recovered_from;
}

/* Size and eviction */

/* Called with lock held. */
static gint64
usage_locked (QrtCache *self)
{
  sqlite3_stmt *stmt = writer_stmt (self, W_USAGE, NULL);
  gint64 bytes = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    bytes = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return bytes;
}

typedef struct
{
  gint64  id;
  gint64  last_used;
  gint64  size;
  char   *file;      /* resources only */
} Victim;

static void
victim_clear (gpointer data)
{
  g_free (((Victim *) data)->file);
}

/* Least recently used rows of one table, read in batches, in (last_used, id) order. */
typedef struct
{
  sqlite3_stmt *stmt;
  GArray       *batch;
  guint         pos;
  gboolean      done;
  gint64        after_used;
  gint64        after_id;
} VictimStream;

static gboolean
victim_stream_peek (VictimStream  *stream,
                    Victim       **out,
                    GError       **error)
{
  sqlite3 *db = sqlite3_db_handle (stream->stmt);
  int rc;

  *out = NULL;
  if (stream->pos < stream->batch->len)
    {
      *out = &g_array_index (stream->batch, Victim, stream->pos);
      return TRUE;
    }
  if (stream->done)
    return TRUE;

  g_array_set_size (stream->batch, 0);
  stream->pos = 0;
  sqlite3_bind_int64 (stream->stmt, 1, stream->after_used);
  sqlite3_bind_int64 (stream->stmt, 2, stream->after_id);
  while ((rc = sqlite3_step (stream->stmt)) == SQLITE_ROW)
    {
      Victim victim = {
        sqlite3_column_int64 (stream->stmt, 0),
        sqlite3_column_int64 (stream->stmt, 1),
        sqlite3_column_int64 (stream->stmt, 2),
        sqlite3_column_count (stream->stmt) > 3 ? column_strdup (stream->stmt, 3) : NULL,
      };

      g_array_append_val (stream->batch, victim);
      stream->after_id = victim.id;
      stream->after_used = victim.last_used;
    }
  sqlite3_reset (stream->stmt);
  if (rc != SQLITE_DONE)
    {
      set_read_error (error, db, rc);
      return FALSE;
    }
  stream->done = stream->batch->len < EVICT_BATCH;
  if (stream->batch->len > 0)
    *out = &g_array_index (stream->batch, Victim, 0);
  return TRUE;
}

static void
unlink_bodies (QrtCache  *self,
               GPtrArray *files)
{
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (self->bodies_dir,
                                                (const char *) g_ptr_array_index (files, i),
                                                NULL);

      g_unlink (path);
    }
}

/* Called with lock held. */
static gboolean
evict_locked (QrtCache  *self,
              gint64     target,
              GError   **error)
{
  g_autoptr(sqlite3_stmt) tiles_stmt = NULL;
  g_autoptr(sqlite3_stmt) resources_stmt = NULL;
  g_autoptr(sqlite3_stmt) delete_tile = NULL;
  g_autoptr(sqlite3_stmt) delete_resource = NULL;
  g_autoptr(GArray) tile_batch = g_array_new (FALSE, FALSE, sizeof (Victim));
  g_autoptr(GArray) resource_batch = g_array_new (FALSE, FALSE, sizeof (Victim));
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  VictimStream streams[2];
  gint64 size;
  int rc;

  flush_touches_locked (self);
  size = usage_locked (self);
  if (size <= target)
    return TRUE;

  g_array_set_clear_func (tile_batch, victim_clear);
  g_array_set_clear_func (resource_batch, victim_clear);
  tiles_stmt = prepare (self->db,
                        "SELECT id, last_used, size FROM tiles"
                        " WHERE (last_used, id) > (?1, ?2) AND NOT " PINNED_SQL
                        " ORDER BY last_used, id LIMIT " G_STRINGIFY (EVICT_BATCH), error);
  resources_stmt = prepare (self->db,
                            "SELECT rowid, last_used, size, body_file FROM resources"
                            " WHERE (last_used, rowid) > (?1, ?2)"
                            " ORDER BY last_used, rowid LIMIT " G_STRINGIFY (EVICT_BATCH),
                            error);
  delete_tile = prepare (self->db, "DELETE FROM tiles WHERE id = ?1", error);
  delete_resource = prepare (self->db, "DELETE FROM resources WHERE rowid = ?1", error);
  if (tiles_stmt == NULL || resources_stmt == NULL || delete_tile == NULL ||
      delete_resource == NULL)
    return FALSE;
  streams[0] = (VictimStream) { tiles_stmt, tile_batch, 0, FALSE, G_MININT64, G_MININT64 };
  streams[1] = (VictimStream) { resources_stmt, resource_batch, 0, FALSE, G_MININT64,
                                G_MININT64 };

  rc = db_exec (self->db, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK)
    {
      set_write_error (error, self->db, rc);
      return FALSE;
    }
  while (size > target)
    {
      Victim *tile, *resource, *victim;
      sqlite3_stmt *delete;

      if (!victim_stream_peek (&streams[0], &tile, error) ||
          !victim_stream_peek (&streams[1], &resource, error))
        goto fail;
      if (tile == NULL && resource == NULL)
        break;   /* the rest is pinned */
      if (resource == NULL || (tile != NULL && tile->last_used <= resource->last_used))
        {
          victim = tile;
          delete = delete_tile;
          streams[0].pos++;
        }
      else
        {
          victim = resource;
          delete = delete_resource;
          streams[1].pos++;
          g_ptr_array_add (files, g_steal_pointer (&victim->file));
        }
      sqlite3_bind_int64 (delete, 1, victim->id);
      rc = sqlite3_step (delete);
      sqlite3_reset (delete);
      if (rc != SQLITE_DONE)
        {
          set_write_error (error, self->db, rc);
          goto fail;
        }
      size -= victim->size;
    }
  rc = db_exec (self->db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      set_write_error (error, self->db, rc);
      goto fail;
    }
  unlink_bodies (self, files);
  return TRUE;

fail:
  db_exec (self->db, "ROLLBACK");
  return FALSE;
}

/* After a write, with lock held: over the limit, evict down to 15/16 of it so that the next
 * writes do not each evict a little. A failed eviction does not fail the write. */
static void
evict_if_over_locked (QrtCache *self)
{
  g_autoptr(GError) error = NULL;

  if (usage_locked (self) <= self->max_size)
    return;
  if (!evict_locked (self, self->max_size - self->max_size / 16, &error))
    g_debug ("Cache eviction failed: %s", error->message);
}

gint64
qrt_cache_get_size (QrtCache *self)
{
  gint64 size;

  g_return_val_if_fail (QRT_IS_CACHE (self), 0);

  g_mutex_lock (&self->lock);
  size = usage_locked (self);
  g_mutex_unlock (&self->lock);
  return size;
}

gint64
qrt_cache_get_max_size (QrtCache *self)
{
  gint64 size;

  g_return_val_if_fail (QRT_IS_CACHE (self), 0);

  g_mutex_lock (&self->lock);
  size = self->max_size;
  g_mutex_unlock (&self->lock);
  return size;
}

/**
 * qrt_cache_set_max_size:
 * @bytes: the limit; 2 GiB by default
 *
 * Takes effect with the next write, which evicts when the cache is larger. Call
 * qrt_cache_evict() from a worker to shrink it at once.
 */
void
qrt_cache_set_max_size (QrtCache *self,
                        gint64    bytes)
{
  g_return_if_fail (QRT_IS_CACHE (self));
  g_return_if_fail (bytes >= 0);

  g_mutex_lock (&self->lock);
  self->max_size = bytes;
  g_mutex_unlock (&self->lock);
}

/**
 * qrt_cache_evict:
 * @target_bytes: the size to reach
 *
 * Removes least recently used resources and tiles that no offline area pins until the cache
 * holds at most @target_bytes (or only pinned tiles are left).
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_IO when the database cannot be written
 */
gboolean
qrt_cache_evict (QrtCache  *self,
                 gint64     target_bytes,
                 GError   **error)
{
  gboolean ok;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  ok = evict_locked (self, MAX (target_bytes, 0), error);
  g_mutex_unlock (&self->lock);
  return ok;
}

/**
 * qrt_cache_purge:
 * @include_pinned: also remove the tiles of offline areas
 *
 * Empties the cache and gives the space back to the file system. The offline areas stay
 * defined (with nothing stored when @include_pinned), so that they can be downloaded again.
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_IO when the database cannot be written
 */
gboolean
qrt_cache_purge (QrtCache  *self,
                 gboolean   include_pinned,
                 GError   **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  g_mutex_lock (&self->touch_lock);
  g_array_set_size (self->touched, 0);
  g_mutex_unlock (&self->touch_lock);

  rc = db_exec (self->db, "BEGIN IMMEDIATE");
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (self->db, "SELECT body_file FROM resources", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (files, column_strdup (stmt, 0));
      rc = SQLITE_OK;
    }
  if (rc == SQLITE_DONE)
    rc = db_exec (self->db, "DELETE FROM resources");
  if (rc == SQLITE_OK)
    rc = db_exec (self->db, include_pinned ? "DELETE FROM tiles"
                                           : "DELETE FROM tiles WHERE NOT " PINNED_SQL);
  if (rc == SQLITE_OK)
    rc = db_exec (self->db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      set_write_error (error, self->db, rc);
      db_exec (self->db, "ROLLBACK");
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  unlink_bodies (self, files);
  db_exec (self->db, "PRAGMA incremental_vacuum");
  db_exec (self->db, "PRAGMA wal_checkpoint(TRUNCATE)");
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/**
 * qrt_cache_check:
 *
 * Runs SQLite's full integrity check and checks the size accounting. Slow on a large cache.
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_IO naming the first problem found
 */
gboolean
qrt_cache_check (QrtCache  *self,
                 GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *problem = NULL;
  int rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  flush_touches_locked (self);
  rc = sqlite3_prepare_v2 (self->db, "PRAGMA integrity_check(1)", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *result = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (result, "ok") != 0)
        problem = g_strdup (result);
      rc = SQLITE_OK;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc == SQLITE_OK && problem == NULL)
    rc = sqlite3_prepare_v2 (self->db,
                             "SELECT (SELECT bytes FROM usage),"
                             " (SELECT total(size) FROM tiles)"
                             " + (SELECT total(size) FROM resources),"
                             " (SELECT count(*) FROM tiles WHERE size != length(tile_data))",
                             -1, &stmt, NULL);
  if (rc == SQLITE_OK && problem == NULL && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 counted = sqlite3_column_int64 (stmt, 0);
      gint64 summed = (gint64) sqlite3_column_double (stmt, 1);
      gint64 bad_tiles = sqlite3_column_int64 (stmt, 2);

      if (counted != summed)
        problem = g_strdup_printf ("size counter %" G_GINT64_FORMAT " != %" G_GINT64_FORMAT
                                   " bytes stored", counted, summed);
      else if (bad_tiles > 0)
        problem = g_strdup_printf ("%" G_GINT64_FORMAT " tiles with a wrong size", bad_tiles);
      rc = SQLITE_OK;
    }
  if (rc != SQLITE_OK && problem == NULL)
    problem = g_strdup (sqlite3_errmsg (self->db));
  g_mutex_unlock (&self->lock);

  if (problem != NULL)
    {
      g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
                   _("The offline cache is damaged: %s"), problem);
      return FALSE;
    }
  return TRUE;
}

/* HTTP resources */

/**
 * qrt_cache_lookup:
 * @url: the URL as requested; it is normalised
 *
 * The entry's body is the mapped body file and body_path names that file. The file stays
 * valid (and the mapping usable) until the entry is stored again, removed or evicted; open it
 * promptly or copy it.
 *
 * Returns: (transfer full) (nullable): the entry, or %NULL on a miss (no error) or with
 *   QRT_CACHE_ERROR_IO
 */
QrtCacheEntry *
qrt_cache_lookup (QrtCache    *self,
                  const char  *url,
                  GError     **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  key = qrt_cache_normalize_url (url);
  /* A concurrent store may replace the body file between the row and the open: read again. */
  for (int attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(QrtCacheEntry) entry = NULL;
      g_autoptr(GMappedFile) mapped = NULL;
      g_autoptr(GError) local = NULL;
      Reader *reader = reader_acquire (self, error);
      sqlite3_stmt *stmt;
      gint64 rowid = 0, size = 0, last_used = 0;
      int rc;

      if (reader == NULL)
        return NULL;
      stmt = reader->stmts[R_LOOKUP];
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          entry = g_new0 (QrtCacheEntry, 1);
          entry->url = g_strdup (key);
          rowid = sqlite3_column_int64 (stmt, 0);
          entry->etag = column_strdup (stmt, 1);
          entry->last_modified = column_strdup (stmt, 2);
          entry->content_type = column_strdup (stmt, 3);
          entry->fetched_at = sqlite3_column_int64 (stmt, 4);
          entry->max_age = sqlite3_column_int64 (stmt, 5);
          entry->no_cache = sqlite3_column_int (stmt, 6) != 0;
          size = sqlite3_column_int64 (stmt, 7);
          last_used = sqlite3_column_int64 (stmt, 8);
          entry->body_path = g_build_filename (self->bodies_dir,
                                               (const char *) sqlite3_column_text (stmt, 9),
                                               NULL);
        }
      else if (rc != SQLITE_DONE)
        set_read_error (error, reader->db, rc);
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      reader_release (self, reader);
      if (entry == NULL)
        return NULL;

      mapped = g_mapped_file_new (entry->body_path, FALSE, &local);
      if (mapped == NULL)
        {
          if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            continue;
          g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
                       _("The offline cache could not be read: %s"), local->message);
          return NULL;
        }
      if ((gint64) g_mapped_file_get_length (mapped) != size)
        {
          g_debug ("Cache body %s has %zu bytes, not %" G_GINT64_FORMAT ": a miss",
                   entry->body_path, g_mapped_file_get_length (mapped), size);
          return NULL;
        }
      entry->body = g_mapped_file_get_bytes (mapped);
      note_touch (self, TOUCH_RESOURCE, rowid, last_used, now_seconds ());
      maybe_flush_touches (self);
      return g_steal_pointer (&entry);
    }
  return NULL;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      gssize written = write (fd, data, len);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return FALSE;
      data += written;
      len -= written;
    }
  return TRUE;
}

static void
sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* Writes @body to a new file in the bodies folder: a temporary file, fsync'd, renamed.
 * Returns the file's name (not path). */
static char *
write_body (QrtCache    *self,
            const char  *key,
            GBytes      *body,
            GError     **error)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  g_autofree char *tmp = g_build_filename (self->bodies_dir, ".tmp-XXXXXX", NULL);
  g_autofree char *name = g_strdup_printf ("%s-%08x", hash, g_random_int ());
  g_autofree char *path = g_build_filename (self->bodies_dir, name, NULL);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (body, &len);
  int fd, saved = 0;

  g_mkdir_with_parents (self->bodies_dir, 0700);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    saved = errno;
  else
    {
      if (!write_all (fd, data, len) || fsync (fd) != 0)
        saved = errno ? errno : EIO;
      if (close (fd) != 0 && saved == 0)
        saved = errno;
      if (saved == 0 && g_rename (tmp, path) != 0)
        saved = errno;
      if (saved != 0)
        g_unlink (tmp);
    }
  if (saved != 0)
    {
      g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
                   _("%s could not be saved in the offline cache: %s"), key, g_strerror (saved));
      return NULL;
    }
  sync_dir (self->bodies_dir);
  return g_steal_pointer (&name);
}

/**
 * qrt_cache_store:
 * @entry: the entry; its body may be %NULL (an empty body); body_path is ignored
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_IO when the body or the row cannot be written; the
 *   previous entry for the URL is then unchanged
 */
gboolean
qrt_cache_store (QrtCache             *self,
                 const QrtCacheEntry  *entry,
                 GError              **error)
{
  g_autofree char *key = NULL;
  g_autofree char *name = NULL;
  g_autofree char *old = NULL;
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) upsert = NULL;
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  GBytes *body;
  int rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (entry != NULL && entry->url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = qrt_cache_normalize_url (entry->url);
  body = entry->body ? entry->body : empty;
  /* The slow part, outside the lock: nothing else knows this file yet. */
  name = write_body (self, key, body, error);
  if (name == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  rc = db_exec (self->db, "BEGIN IMMEDIATE");
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (self->db, "SELECT body_file FROM resources WHERE url = ?1", -1,
                             &select, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (select, 1, key, -1, SQLITE_STATIC);
      rc = sqlite3_step (select);
      if (rc == SQLITE_ROW)
        old = column_strdup (select, 0);
      rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (self->db,
                             "INSERT INTO resources (url, etag, last_modified, content_type,"
                             " fetched_at, max_age, no_cache, size, last_used, body_file)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                             " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                             " last_modified = excluded.last_modified,"
                             " content_type = excluded.content_type,"
                             " fetched_at = excluded.fetched_at, max_age = excluded.max_age,"
                             " no_cache = excluded.no_cache, size = excluded.size,"
                             " last_used = excluded.last_used, body_file = excluded.body_file",
                             -1, &upsert, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (upsert, 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_text (upsert, 2, entry->etag, -1, SQLITE_STATIC);
      sqlite3_bind_text (upsert, 3, entry->last_modified, -1, SQLITE_STATIC);
      sqlite3_bind_text (upsert, 4, entry->content_type, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (upsert, 5, entry->fetched_at);
      sqlite3_bind_int64 (upsert, 6, entry->max_age);
      sqlite3_bind_int (upsert, 7, entry->no_cache ? 1 : 0);
      sqlite3_bind_int64 (upsert, 8, g_bytes_get_size (body));
      sqlite3_bind_int64 (upsert, 9, now_seconds ());
      sqlite3_bind_text (upsert, 10, name, -1, SQLITE_STATIC);
      rc = sqlite3_step (upsert);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  if (rc == SQLITE_OK)
    rc = db_exec (self->db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      g_autofree char *path = g_build_filename (self->bodies_dir, name, NULL);

      set_write_error (error, self->db, rc);
      db_exec (self->db, "ROLLBACK");
      g_mutex_unlock (&self->lock);
      g_unlink (path);
      return FALSE;
    }
  if (old != NULL)
    {
      g_autofree char *path = g_build_filename (self->bodies_dir, old, NULL);

      g_unlink (path);
    }
  evict_if_over_locked (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/**
 * qrt_cache_revalidated:
 * @max_age: the new max-age, or -1 to keep the stored one (the 304 answer sent none)
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_NOT_FOUND when the entry is gone (evicted meanwhile:
 *   fetch it again) or QRT_CACHE_ERROR_IO
 */
gboolean
qrt_cache_revalidated (QrtCache    *self,
                       const char  *url,
                       gint64       fetched_at,
                       gint64       max_age,
                       GError     **error)
{
  g_autofree char *key = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc, changes = 0;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = qrt_cache_normalize_url (url);
  g_mutex_lock (&self->lock);
  rc = sqlite3_prepare_v2 (self->db,
                           "UPDATE resources SET fetched_at = ?2,"
                           " max_age = CASE WHEN ?3 >= 0 THEN ?3 ELSE max_age END,"
                           " last_used = ?4 WHERE url = ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, fetched_at);
      sqlite3_bind_int64 (stmt, 3, max_age);
      sqlite3_bind_int64 (stmt, 4, now_seconds ());
      rc = sqlite3_step (stmt);
      changes = sqlite3_changes (self->db);
    }
  if (rc != SQLITE_DONE)
    set_write_error (error, self->db, rc);
  g_mutex_unlock (&self->lock);

  if (rc != SQLITE_DONE)
    return FALSE;
  if (changes == 0)
    {
      g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND,
                   _("%s is no longer in the offline cache."), key);
      return FALSE;
    }
  return TRUE;
}

/**
 * qrt_cache_remove:
 *
 * Removes the entry for @url, if there is one.
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_IO
 */
gboolean
qrt_cache_remove (QrtCache    *self,
                  const char  *url,
                  GError     **error)
{
  g_autofree char *key = NULL;
  g_autofree char *file = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = qrt_cache_normalize_url (url);
  g_mutex_lock (&self->lock);
  rc = sqlite3_prepare_v2 (self->db, "DELETE FROM resources WHERE url = ?1 RETURNING body_file",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        file = column_strdup (stmt, 0);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    {
      set_write_error (error, self->db, rc);
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  g_mutex_unlock (&self->lock);

  if (file != NULL)
    {
      g_autofree char *path = g_build_filename (self->bodies_dir, file, NULL);

      g_unlink (path);
    }
  return TRUE;
}

/* Tiles */

/* Called with lock held; one statement commits by itself, more get a transaction. */
static gboolean
put_tiles_locked (QrtCache            *self,
                  const char          *tileset,
                  const QrtCacheTile  *tiles,
                  guint                n_tiles,
                  GError             **error)
{
  gint64 now = now_seconds ();
  sqlite3_stmt *stmt;
  gint64 id;
  int rc = SQLITE_OK;

  id = tileset_id (self, NULL, tileset, error);
  stmt = id != 0 ? writer_stmt (self, W_PUT_TILE, error) : NULL;
  if (stmt == NULL)
    return FALSE;
  if (n_tiles > 1)
    rc = db_exec (self->db, "BEGIN IMMEDIATE");
  for (guint i = 0; rc == SQLITE_OK && i < n_tiles; i++)
    {
      const QrtCacheTile *tile = &tiles[i];

      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int (stmt, 2, tile->z);
      sqlite3_bind_int (stmt, 3, tile->x);
      sqlite3_bind_int64 (stmt, 4, tms_row (tile->z, tile->y));
      sqlite3_bind_int64 (stmt, 5, now);
      sqlite3_bind_int64 (stmt, 6, g_bytes_get_size (tile->data));
      bind_bytes (stmt, 7, tile->data);
      rc = sqlite3_step (stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  if (rc == SQLITE_OK && n_tiles > 1)
    rc = db_exec (self->db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      set_write_error (error, self->db, rc);
      if (n_tiles > 1)
        db_exec (self->db, "ROLLBACK");
      return FALSE;
    }
  evict_if_over_locked (self);
  return TRUE;
}

/**
 * qrt_cache_put_tile:
 * @data: the encoded tile (PNG, JPEG, ...)
 *
 * Stores a tile, replacing the one at z/x/y of @tileset; evicts when the cache is over its
 * limit.
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_IO
 */
gboolean
qrt_cache_put_tile (QrtCache    *self,
                    const char  *tileset,
                    int          z,
                    int          x,
                    int          y,
                    GBytes      *data,
                    GError     **error)
{
  QrtCacheTile tile = { z, x, y, data };
  gboolean ok;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (tileset != NULL, FALSE);
  g_return_val_if_fail (tile_args_valid (z, x, y), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  ok = put_tiles_locked (self, tileset, &tile, 1, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

/**
 * qrt_cache_put_tiles:
 * @tiles: (array length=n_tiles): the tiles, XYZ addressed
 *
 * Stores many tiles of @tileset in one transaction: all of them or, on an error, none.
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_IO
 */
gboolean
qrt_cache_put_tiles (QrtCache            *self,
                     const char          *tileset,
                     const QrtCacheTile  *tiles,
                     guint                n_tiles,
                     GError             **error)
{
  gboolean ok;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (tileset != NULL, FALSE);
  g_return_val_if_fail (tiles != NULL || n_tiles == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  for (guint i = 0; i < n_tiles; i++)
    {
      g_return_val_if_fail (tile_args_valid (tiles[i].z, tiles[i].x, tiles[i].y), FALSE);
      g_return_val_if_fail (tiles[i].data != NULL, FALSE);
    }

  if (n_tiles == 0)
    return TRUE;
  g_mutex_lock (&self->lock);
  ok = put_tiles_locked (self, tileset, tiles, n_tiles, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Runs a tile query on a reader; @which is R_GET_TILE or R_HAS_TILE. */
static GBytes *
query_tile (QrtCache   *self,
            ReaderStmt  which,
            const char *tileset,
            int         z,
            int         x,
            int         y,
            gboolean   *found)
{
  g_autoptr(GError) error = NULL;
  Reader *reader = reader_acquire (self, &error);
  GBytes *bytes = NULL;
  sqlite3_stmt *stmt;
  gint64 id, row = 0, last_used = 0;
  int rc;

  *found = FALSE;
  if (reader == NULL)
    {
      g_debug ("Cache: no reader: %s", error->message);
      return NULL;
    }
  id = tileset_id (self, reader, tileset, &error);
  if (id == 0)
    {
      reader_release (self, reader);
      return NULL;
    }
  stmt = reader->stmts[which];
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, z);
  sqlite3_bind_int (stmt, 3, x);
  sqlite3_bind_int64 (stmt, 4, tms_row (z, y));
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *found = TRUE;
      if (which == R_GET_TILE)
        {
          row = sqlite3_column_int64 (stmt, 0);
          last_used = sqlite3_column_int64 (stmt, 1);
          bytes = column_bytes (stmt, 2);
        }
    }
  else if (rc != SQLITE_DONE)
    g_debug ("Cache: reading tile %d/%d/%d failed: %s", z, x, y, sqlite3_errmsg (reader->db));
  sqlite3_reset (stmt);
  reader_release (self, reader);

  if (bytes != NULL)
    {
      note_touch (self, TOUCH_TILE, row, last_used, now_seconds ());
      maybe_flush_touches (self);
    }
  return bytes;
}

/**
 * qrt_cache_get_tile:
 *
 * Returns: (transfer full) (nullable): the tile's bytes, or %NULL when it is not cached
 */
GBytes *
qrt_cache_get_tile (QrtCache   *self,
                    const char *tileset,
                    int         z,
                    int         x,
                    int         y)
{
  gboolean found;

  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  g_return_val_if_fail (tileset != NULL, NULL);

  if (!tile_args_valid (z, x, y))
    return NULL;
  return query_tile (self, R_GET_TILE, tileset, z, x, y, &found);
}

gboolean
qrt_cache_has_tile (QrtCache   *self,
                    const char *tileset,
                    int         z,
                    int         x,
                    int         y)
{
  gboolean found;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (tileset != NULL, FALSE);

  if (!tile_args_valid (z, x, y))
    return FALSE;
  query_tile (self, R_HAS_TILE, tileset, z, x, y, &found);
  return found;
}

/* Offline areas */

/* Inserts an area and its tile ranges; inside the caller's transaction on @db. */
static gint64
insert_area (sqlite3     *db,
             gint64       tileset,
             const char  *name,
             double       west,
             double       south,
             double       east,
             double       north,
             int          min_zoom,
             int          max_zoom,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) area = NULL;
  g_autoptr(sqlite3_stmt) range = NULL;
  gint64 id;
  int rc;

  area = prepare (db,
                  "INSERT INTO areas (name, tileset_id, west, south, east, north, min_zoom,"
                  " max_zoom, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", error);
  range = prepare (db,
                   "INSERT INTO area_ranges (area_id, tileset_id, zoom, x0, x1, y0, y1)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (area == NULL || range == NULL)
    return 0;
  sqlite3_bind_text (area, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (area, 2, tileset);
  sqlite3_bind_double (area, 3, west);
  sqlite3_bind_double (area, 4, south);
  sqlite3_bind_double (area, 5, east);
  sqlite3_bind_double (area, 6, north);
  sqlite3_bind_int (area, 7, min_zoom);
  sqlite3_bind_int (area, 8, max_zoom);
  sqlite3_bind_int64 (area, 9, now_seconds ());
  rc = sqlite3_step (area);
  if (rc != SQLITE_DONE)
    {
      set_write_error (error, db, rc);
      return 0;
    }
  id = sqlite3_last_insert_rowid (db);

  for (int z = min_zoom; z <= max_zoom; z++)
    {
      TileRange ranges[2];
      guint n = tile_ranges (west, south, east, north, z, ranges);

      for (guint i = 0; i < n; i++)
        {
          sqlite3_bind_int64 (range, 1, id);
          sqlite3_bind_int64 (range, 2, tileset);
          sqlite3_bind_int (range, 3, z);
          sqlite3_bind_int64 (range, 4, ranges[i].x0);
          sqlite3_bind_int64 (range, 5, ranges[i].x1);
          /* XYZ rows y0 <= y1 become TMS rows the other way round. */
          sqlite3_bind_int64 (range, 6, tms_row (z, ranges[i].y1));
          sqlite3_bind_int64 (range, 7, tms_row (z, ranges[i].y0));
          rc = sqlite3_step (range);
          sqlite3_reset (range);
          if (rc != SQLITE_DONE)
            {
              set_write_error (error, db, rc);
              return 0;
            }
        }
    }
  return id;
}

static void
set_area_not_found (GError **error)
{
  g_set_error_literal (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND,
                       _("The offline area no longer exists."));
}

/* Called with lock held. */
static QrtOfflineArea *
get_area_locked (QrtCache  *self,
                 gint64     id,
                 GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(QrtOfflineArea) area = NULL;
  int rc;

  stmt = prepare (self->db,
                  "SELECT a.name, s.name, a.west, a.south, a.east, a.north, a.min_zoom,"
                  " a.max_zoom, a.created_at FROM areas a JOIN tilesets s ON s.id = a.tileset_id"
                  " WHERE a.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        set_area_not_found (error);
      else
        set_read_error (error, self->db, rc);
      return NULL;
    }
  area = g_new0 (QrtOfflineArea, 1);
  area->id = id;
  area->name = column_strdup (stmt, 0);
  area->tileset = column_strdup (stmt, 1);
  area->west = sqlite3_column_double (stmt, 2);
  area->south = sqlite3_column_double (stmt, 3);
  area->east = sqlite3_column_double (stmt, 4);
  area->north = sqlite3_column_double (stmt, 5);
  area->min_zoom = sqlite3_column_int (stmt, 6);
  area->max_zoom = sqlite3_column_int (stmt, 7);
  area->created_at = sqlite3_column_int64 (stmt, 8);
  area->tile_count = qrt_tile_count_for_area (area->west, area->south, area->east, area->north,
                                              area->min_zoom, area->max_zoom);
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = prepare (self->db,
                  "SELECT count(*), total(t.size) FROM area_ranges r JOIN tiles t"
                  " ON t.tileset_id = r.tileset_id AND t.zoom_level = r.zoom"
                  " AND t.tile_column BETWEEN r.x0 AND r.x1 AND t.tile_row BETWEEN r.y0 AND r.y1"
                  " WHERE r.area_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_read_error (error, self->db, rc);
      return NULL;
    }
  area->stored_count = sqlite3_column_int64 (stmt, 0);
  area->stored_bytes = (gint64) sqlite3_column_double (stmt, 1);
  return g_steal_pointer (&area);
}

/**
 * qrt_cache_add_area:
 * @west: (and the other sides) WGS 84 degrees; @west > @east crosses the antimeridian
 *
 * Pins the tiles of @tileset in the rectangle at zooms @min_zoom to @max_zoom: they are not
 * evicted while the area exists. Downloading them is the caller's job (qrt_cache_put_tile()).
 *
 * Returns: (transfer full): the new area, or %NULL with QRT_CACHE_ERROR_IO
 */
QrtOfflineArea *
qrt_cache_add_area (QrtCache    *self,
                    const char  *name,
                    const char  *tileset,
                    double       west,
                    double       south,
                    double       east,
                    double       north,
                    int          min_zoom,
                    int          max_zoom,
                    GError     **error)
{
  QrtOfflineArea *area = NULL;
  gint64 set, id = 0;
  int rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  g_return_val_if_fail (name != NULL && tileset != NULL, NULL);
  g_return_val_if_fail (bbox_valid (west, south, east, north), NULL);
  g_return_val_if_fail (0 <= min_zoom && min_zoom <= max_zoom && max_zoom <= MAX_ZOOM, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->lock);
  set = tileset_id (self, NULL, tileset, error);
  if (set != 0)
    {
      rc = db_exec (self->db, "BEGIN IMMEDIATE");
      if (rc != SQLITE_OK)
        set_write_error (error, self->db, rc);
      else
        {
          id = insert_area (self->db, set, name, west, south, east, north, min_zoom, max_zoom,
                            error);
          rc = id != 0 ? db_exec (self->db, "COMMIT") : SQLITE_ERROR;
          if (id != 0 && rc != SQLITE_OK)
            set_write_error (error, self->db, rc);
          if (rc != SQLITE_OK)
            {
              db_exec (self->db, "ROLLBACK");
              id = 0;
            }
        }
    }
  if (id != 0)
    area = get_area_locked (self, id, error);
  g_mutex_unlock (&self->lock);
  return area;
}

/**
 * qrt_cache_list_areas:
 *
 * Returns: (transfer full) (element-type QrtOfflineArea): the areas, oldest first, with
 *   their stored counts, or %NULL with QRT_CACHE_ERROR_IO
 */
GPtrArray *
qrt_cache_list_areas (QrtCache  *self,
                      GError   **error)
{
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  areas = g_ptr_array_new_with_free_func ((GDestroyNotify) qrt_offline_area_free);
  g_mutex_lock (&self->lock);
  stmt = prepare (self->db, "SELECT id FROM areas ORDER BY id", error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      set_read_error (error, self->db, rc);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      QrtOfflineArea *area = get_area_locked (self, g_array_index (ids, gint64, i), error);

      if (area == NULL)
        {
          g_mutex_unlock (&self->lock);
          return NULL;
        }
      g_ptr_array_add (areas, area);
    }
  g_mutex_unlock (&self->lock);
  return g_steal_pointer (&areas);
}

/**
 * qrt_cache_get_area:
 *
 * Returns: (transfer full): the area with its stored counts, or %NULL with
 *   QRT_CACHE_ERROR_NOT_FOUND or QRT_CACHE_ERROR_IO
 */
QrtOfflineArea *
qrt_cache_get_area (QrtCache  *self,
                    gint64     id,
                    GError   **error)
{
  QrtOfflineArea *area;

  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->lock);
  area = get_area_locked (self, id, error);
  g_mutex_unlock (&self->lock);
  return area;
}

/**
 * qrt_cache_remove_area:
 *
 * Removes the area; its tiles stay in the cache but may now be evicted.
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_NOT_FOUND or QRT_CACHE_ERROR_IO
 */
gboolean
qrt_cache_remove_area (QrtCache  *self,
                       gint64     id,
                       GError   **error)
{
  g_autoptr(sqlite3_stmt) ranges = NULL;
  g_autoptr(sqlite3_stmt) area = NULL;
  int rc, changes = 0;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  rc = db_exec (self->db, "BEGIN IMMEDIATE");
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (self->db, "DELETE FROM area_ranges WHERE area_id = ?1", -1,
                             &ranges, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (self->db, "DELETE FROM areas WHERE id = ?1", -1, &area, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (ranges, 1, id);
      sqlite3_bind_int64 (area, 1, id);
      rc = sqlite3_step (ranges);
      if (rc == SQLITE_DONE)
        rc = sqlite3_step (area);
      changes = sqlite3_changes (self->db);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  if (rc == SQLITE_OK)
    rc = db_exec (self->db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      set_write_error (error, self->db, rc);
      db_exec (self->db, "ROLLBACK");
    }
  g_mutex_unlock (&self->lock);

  if (rc != SQLITE_OK)
    return FALSE;
  if (changes == 0)
    {
      set_area_not_found (error);
      return FALSE;
    }
  return TRUE;
}

/* MBTiles export and import run on a connection of their own, so that a large copy does not
 * hold lock (tile reads go on; writes wait on SQLite's lock, up to the busy timeout). */
static sqlite3 *
open_side_connection (QrtCache  *self,
                      GError   **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);

  if (rc != SQLITE_OK)
    {
      set_read_error (error, db, rc);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  db_exec (db, "PRAGMA synchronous = NORMAL");
  return db;
}

static const char *
sniff_format (const guint8 *data,
              gsize         len)
{
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return "jpg";
  if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return "webp";
  return "png";
}

/* The shortest decimal that reads back as the same double, as people write bounds. */
static void
format_coordinate (char   *buffer,
                   gsize   size,
                   double  value)
{
  g_ascii_formatd (buffer, size, "%.15g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_dtostr (buffer, size, value);
}

static gboolean
export_fail (GError     **error,
             const char  *path,
             const char  *reason)
{
  g_autofree char *name = g_filename_display_basename (path);

  g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
               _("The offline area could not be saved as “%s”: %s"), name, reason);
  return FALSE;
}

/**
 * qrt_cache_export_area:
 * @mbtiles_path: the file to write; replaced if it exists
 *
 * Writes the stored tiles of the area as an MBTiles 1.3 file (metadata name, format, bounds,
 * minzoom, maxzoom, type). The file appears complete or not at all.
 *
 * Returns: %FALSE with QRT_CACHE_ERROR_NOT_FOUND or QRT_CACHE_ERROR_IO
 */
gboolean
qrt_cache_export_area (QrtCache    *self,
                       gint64       id,
                       const char  *mbtiles_path,
                       GError     **error)
{
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *journal = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  char west[G_ASCII_DTOSTR_BUF_SIZE], south[G_ASCII_DTOSTR_BUF_SIZE];
  char east[G_ASCII_DTOSTR_BUF_SIZE], north[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *bounds = NULL;
  g_autofree char *minzoom = NULL;
  g_autofree char *maxzoom = NULL;
  const char *format = "png";
  sqlite3 *db;
  int fd, rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), FALSE);
  g_return_val_if_fail (mbtiles_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  area = qrt_cache_get_area (self, id, error);
  if (area == NULL)
    return FALSE;

  tmp = g_strconcat (mbtiles_path, ".tmp-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    return export_fail (error, mbtiles_path, g_strerror (errno));
  close (fd);
  journal = g_strconcat (tmp, "-journal", NULL);

  db = open_side_connection (self, error);
  if (db == NULL)
    {
      g_unlink (tmp);
      return FALSE;
    }
  rc = sqlite3_prepare_v2 (db, "ATTACH ?1 AS out", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, tmp, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc == SQLITE_OK)
    rc = db_exec (db,
                  "BEGIN;"
                  "CREATE TABLE out.metadata (name TEXT, value TEXT);"
                  "CREATE TABLE out.tiles (zoom_level INTEGER, tile_column INTEGER,"
                  " tile_row INTEGER, tile_data BLOB);"
                  "CREATE UNIQUE INDEX out.tile_index ON tiles (zoom_level, tile_column,"
                  " tile_row);"
                  "CREATE UNIQUE INDEX out.name ON metadata (name);");
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "INSERT OR IGNORE INTO out.tiles"
                             " SELECT t.zoom_level, t.tile_column, t.tile_row, t.tile_data"
                             " FROM main.area_ranges r JOIN main.tiles t"
                             " ON t.tileset_id = r.tileset_id AND t.zoom_level = r.zoom"
                             " AND t.tile_column BETWEEN r.x0 AND r.x1"
                             " AND t.tile_row BETWEEN r.y0 AND r.y1"
                             " WHERE r.area_id = ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "SELECT tile_data FROM out.tiles LIMIT 1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          const guint8 *data = sqlite3_column_blob (stmt, 0);

          format = sniff_format (data, sqlite3_column_bytes (stmt, 0));
        }
      rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  format_coordinate (west, sizeof west, area->west);
  format_coordinate (south, sizeof south, area->south);
  format_coordinate (east, sizeof east, area->east);
  format_coordinate (north, sizeof north, area->north);
  bounds = g_strjoin (",", west, south, east, north, NULL);
  minzoom = g_strdup_printf ("%d", area->min_zoom);
  maxzoom = g_strdup_printf ("%d", area->max_zoom);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "INSERT INTO out.metadata VALUES (?1, ?2)", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      const char *pairs[][2] = {
        { "name", area->name }, { "format", format }, { "bounds", bounds },
        { "minzoom", minzoom }, { "maxzoom", maxzoom }, { "type", "baselayer" },
        { "version", "1.0" }, { "description", area->tileset },
      };

      for (guint i = 0; rc == SQLITE_OK && i < G_N_ELEMENTS (pairs); i++)
        {
          sqlite3_bind_text (stmt, 1, pairs[i][0], -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, pairs[i][1], -1, SQLITE_STATIC);
          rc = sqlite3_step (stmt);
          rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
          sqlite3_reset (stmt);
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* The attached file uses a rollback journal and synchronous=FULL: COMMIT syncs it. */
  if (rc == SQLITE_OK)
    rc = db_exec (db, "COMMIT");
  if (rc == SQLITE_OK)
    rc = db_exec (db, "DETACH out");
  if (rc != SQLITE_OK)
    {
      g_autofree char *reason = g_strdup ((rc & 0xff) == SQLITE_FULL ? _("the disk is full")
                                                                      : sqlite3_errmsg (db));

      db_exec (db, "ROLLBACK");
      sqlite3_close (db);
      g_unlink (tmp);
      g_unlink (journal);
      return export_fail (error, mbtiles_path, reason);
    }
  sqlite3_close (db);
  if (g_rename (tmp, mbtiles_path) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      return export_fail (error, mbtiles_path, g_strerror (saved));
    }
  return TRUE;
}

static gboolean
parse_bounds (const char *text,
              double      out[4])
{
  g_auto(GStrv) parts = text ? g_strsplit (text, ",", -1) : NULL;

  if (parts == NULL || g_strv_length (parts) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      char *end = NULL;

      g_strstrip (parts[i]);
      out[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (out[i]))
        return FALSE;
    }
  return out[0] >= -180 && out[2] <= 180 && out[1] >= -90 && out[3] <= 90 && out[1] < out[3];
}

static gboolean
parse_zoom (const char *text,
            int        *zoom)
{
  gint64 value;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, MAX_ZOOM, &value, NULL))
    return FALSE;
  *zoom = (int) value;
  return TRUE;
}

static gboolean
not_mbtiles (GError     **error,
             const char  *path)
{
  g_autofree char *name = g_filename_display_basename (path);

  g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_INVALID,
               _("“%s” is not an MBTiles file."), name);
  return FALSE;
}

typedef struct
{
  char   *name;
  double  bounds[4];
  int     min_zoom, max_zoom;
} MbtilesInfo;

/* Checks that @path is an MBTiles file and reads its extent: from the metadata, or from the
 * tiles themselves when the metadata lacks it. */
static gboolean
read_mbtiles_info (const char   *path,
                   MbtilesInfo  *info,
                   GError      **error)
{
  g_autoptr(GHashTable) metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          g_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  sqlite3 *db = NULL;
  gboolean have_bounds, have_zooms;
  int rc, tile_min = -1, tile_max = -1;
  char header[16] = { 0 };
  FILE *file;

  file = g_fopen (path, "rb");
  if (file == NULL)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_basename (path);

      g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
                   _("The file “%s” cannot be read: %s"), name, g_strerror (saved));
      return FALSE;
    }
  if (fread (header, 1, sizeof header, file) != sizeof header ||
      memcmp (header, "SQLite format 3", 16) != 0)
    {
      fclose (file);
      return not_mbtiles (error, path);
    }
  fclose (file);

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "SELECT name, value FROM metadata", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (stmt, 0);

      if (key != NULL)
        g_hash_table_replace (metadata, g_strdup (key), column_strdup (stmt, 1));
      rc = SQLITE_OK;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc == SQLITE_DONE)
    rc = sqlite3_prepare_v2 (db,
                             "SELECT min(zoom_level), max(zoom_level), count(*) FROM"
                             " (SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles)",
                             -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (sqlite3_column_int64 (stmt, 2) > 0)
        {
          tile_min = sqlite3_column_int (stmt, 0);
          tile_max = sqlite3_column_int (stmt, 1);
        }
      rc = SQLITE_OK;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc == SQLITE_OK && tile_min < 0)
    {
      g_autofree char *name = g_filename_display_basename (path);

      sqlite3_close (db);
      g_set_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_INVALID,
                   _("“%s” contains no map tiles."), name);
      return FALSE;
    }
  if (rc != SQLITE_OK || tile_max > MAX_ZOOM)
    {
      sqlite3_close (db);
      return not_mbtiles (error, path);
    }

  info->name = g_strdup (g_hash_table_lookup (metadata, "name"));
  have_bounds = parse_bounds (g_hash_table_lookup (metadata, "bounds"), info->bounds);
  have_zooms = parse_zoom (g_hash_table_lookup (metadata, "minzoom"), &info->min_zoom) &&
               parse_zoom (g_hash_table_lookup (metadata, "maxzoom"), &info->max_zoom) &&
               info->min_zoom <= info->max_zoom;
  if (!have_zooms)
    {
      info->min_zoom = tile_min;
      info->max_zoom = tile_max;
    }
  if (!have_bounds)
    {
      /* The union of the tiles' extents, pulled in a hair so that neighbours stay out. */
      info->bounds[0] = info->bounds[1] = G_MAXDOUBLE;
      info->bounds[2] = info->bounds[3] = -G_MAXDOUBLE;
      rc = sqlite3_prepare_v2 (db,
                               "SELECT zoom_level, min(tile_column), max(tile_column),"
                               " min(tile_row), max(tile_row) FROM tiles GROUP BY zoom_level",
                               -1, &stmt, NULL);
      while (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        {
          int z = sqlite3_column_int (stmt, 0);
          gint64 n = (gint64) 1 << z;
          gint64 x0 = sqlite3_column_int64 (stmt, 1), x1 = sqlite3_column_int64 (stmt, 2);
          gint64 top = n - 1 - sqlite3_column_int64 (stmt, 4);
          gint64 bottom = n - 1 - sqlite3_column_int64 (stmt, 3);

          info->bounds[0] = MIN (info->bounds[0], x_to_lon (x0, z) + 1e-9);
          info->bounds[2] = MAX (info->bounds[2], x_to_lon (x1 + 1, z) - 1e-9);
          info->bounds[3] = MAX (info->bounds[3], y_to_lat (top, z) - 1e-9);
          info->bounds[1] = MIN (info->bounds[1], y_to_lat (bottom + 1, z) + 1e-9);
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  sqlite3_close (db);
  return TRUE;
}

/**
 * qrt_cache_import_mbtiles:
 * @tileset: the tile set the tiles belong to
 *
 * Copies every tile of an MBTiles file into the cache and creates an offline area from its
 * bounds, minzoom and maxzoom (or from the tiles when the metadata lacks them). All or nothing:
 * one transaction.
 *
 * Returns: (transfer full): the new area, or %NULL with QRT_CACHE_ERROR_INVALID (not an
 *   MBTiles file) or QRT_CACHE_ERROR_IO
 */
QrtOfflineArea *
qrt_cache_import_mbtiles (QrtCache    *self,
                          const char  *mbtiles_path,
                          const char  *tileset,
                          GError     **error)
{
  MbtilesInfo info = { 0 };
  g_autofree char *area_name = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local = NULL;
  QrtOfflineArea *area = NULL;
  sqlite3 *db;
  gint64 set = 0, id = 0;
  int rc;

  g_return_val_if_fail (QRT_IS_CACHE (self), NULL);
  g_return_val_if_fail (mbtiles_path != NULL && tileset != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_mbtiles_info (mbtiles_path, &info, error))
    return NULL;
  area_name = info.name ? g_steal_pointer (&info.name)
                        : g_filename_display_basename (mbtiles_path);

  db = open_side_connection (self, error);
  if (db == NULL)
    return NULL;
  rc = sqlite3_prepare_v2 (db, "ATTACH ?1 AS src", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, mbtiles_path, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc == SQLITE_OK)
    rc = db_exec (db, "BEGIN IMMEDIATE");
  if (rc == SQLITE_OK)
    {
      set = tileset_id_on (db, tileset, &local);
      if (set != 0)
        id = insert_area (db, set, area_name, info.bounds[0], info.bounds[1], info.bounds[2],
                          info.bounds[3], info.min_zoom, info.max_zoom, &local);
      if (id == 0)
        rc = SQLITE_ERROR;
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "INSERT INTO main.tiles (tileset_id, zoom_level, tile_column,"
                             " tile_row, last_used, size, tile_data)"
                             " SELECT ?1, zoom_level, tile_column, tile_row, ?2,"
                             " length(CAST(tile_data AS BLOB)), CAST(tile_data AS BLOB)"
                             " FROM src.tiles WHERE tile_data IS NOT NULL"
                             " AND zoom_level BETWEEN 0 AND " G_STRINGIFY (MAX_ZOOM)
                             " ON CONFLICT (tileset_id, zoom_level, tile_column, tile_row)"
                             " DO UPDATE SET last_used = excluded.last_used,"
                             " size = excluded.size, tile_data = excluded.tile_data",
                             -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, set);
      sqlite3_bind_int64 (stmt, 2, now_seconds ());
      rc = sqlite3_step (stmt);
      rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc == SQLITE_OK)
    rc = db_exec (db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        set_write_error (error, db, rc);
      db_exec (db, "ROLLBACK");
    }
  db_exec (db, "DETACH src");
  sqlite3_close (db);
  if (rc != SQLITE_OK)
    return NULL;

  g_mutex_lock (&self->lock);
  evict_if_over_locked (self);
  area = get_area_locked (self, id, error);
  g_mutex_unlock (&self->lock);
  return area;
}
