/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "model/qrt-layer-private.h"
#include "qrt-gpkg-read.h"

/*
 * The fast way to read a project's layer: its GeoPackage table scanned with SQLite itself and
 * each row parsed straight into a layer builder (the geometry's WKB from SQLite's own copy of
 * the row), without an OGRFeature per row. Anything not plain (a view, a date or binary
 * column, a type this does not know, curves, an extended GeoPackage geometry) makes this
 * reader step aside: the caller then reads the layer feature by feature through GDAL.
 *
 * Why not GDAL's Arrow stream (OGR_L_GetArrowStream): in GDAL 3.6 its GeoPackage
 * implementation splits the table between threads on the assumption that the ids run from 1
 * to the count gpkg_ogr_contents keeps; when that count is stale it hands out features twice,
 * only logging an error (fixed in GDAL 3.8.3), and its prefetch threads can crash on a
 * spurious wake-up (fixed in 3.11.4).
 *
 * The work is done by worker threads, each with its own SQLite connection: several take ranges
 * of feature ids (a GeoPackage's feature id is the table's rowid), up to about BATCH_ROWS rows
 * each, one after the other as they come free, and all read the same snapshot of the file. A
 * worker parses a range into a chunk builder and, for a large layer whose extent the
 * GeoPackage declares, also seals it there (rings oriented, boxes, curve keys, display copy);
 * the calling thread appends the chunks in id order. SQLite's scan, the larger part of the
 * work, is thus shared by the cores too. A single worker (one core, or a file that cannot be
 * held still) leaves the sealing to the calling thread, so that reading and sealing still
 * overlap.
 */

#define BATCH_ROWS 16384
#define READ_AHEAD 2      /* chunks a worker may have filled before they are appended */
/* One a core, up to this. Measured on two cores only (bench/bench-layers.c), where four were
 * no slower than two. */
#define MAX_WORKERS 4
#define MAX_RANGES 64      /* a worker */

typedef enum
{
  FIELD_INT,
  FIELD_REAL,
  FIELD_TEXT,
} FieldKind;

typedef struct
{
  char      *name;
  FieldKind  kind;
} Field;

typedef enum
{
  CHUNK_ROWS,          /* a range read (maybe without a row) */
  CHUNK_END,           /* no range left */
  CHUNK_FAILED,        /* SQLite failed: message */
  CHUNK_BUSY,          /* the file stayed locked by a writer */
  CHUNK_BAD_COORDS,    /* a coordinate could not be transformed */
  CHUNK_UNSUPPORTED,   /* a row this reader does not parse */
} ChunkStatus;

typedef struct _Scan Scan;
typedef struct _Worker Worker;

typedef struct
{
  ChunkStatus      status;
  QrtLayerBuilder *builder;   /* borrowed from its owner; the rows, for CHUNK_ROWS */
  Worker          *owner;     /* to give the builder back to */
  char            *message;
} Chunk;

struct _Worker
{
  Scan                         *scan;
  sqlite3                      *db;
  sqlite3_stmt                 *stmt;
  OGRCoordinateTransformationH  ct;         /* the worker's own copy */
  QrtLayerBuilder              *builders[READ_AHEAD];
  GAsyncQueue                  *free;       /* QrtLayerBuilder *, or the scan to stop */
  GThread                      *thread;
  gboolean                      done;       /* over the whole table: at its end */
};

struct _Scan
{
  /* Set before the workers start, read-only for them. */
  char            *table;
  char            *fid_column;
  char            *geometry_column;
  Field           *fields;        /* the attribute columns, in table order */
  guint            n_fields;
  QrtGeometryKind  kind;
  gboolean         ranged;
  gint64           lo;            /* the lowest rowid, with ranged */
  guint64          ids;           /* the highest rowid less the lowest */
  guint64         *ends;          /* each range's last rowid less the lowest, with ranged */
  guint64          n_ranges;
  gboolean         seal;          /* the workers seal, once model is set */
  GCancellable    *cancellable;

  Worker           workers[MAX_WORKERS];
  guint            n_workers;

  GMutex           lock;
  GCond            model_set;
  QrtLayerBuilder *model;         /* the layer's expectation, for the chunks to take */
  gboolean         model_final;   /* model is set, or there will be none */
  int              stop;
  /* Chunks are numbered as the workers take them (over ranges: the range), and each is
   * left in its slot for the calling thread to append in that order. No more chunks are
   * read and not appended than there are builders, so a slot is free when it is filled. */
  guint64          next_chunk;
  GCond            chunk_done;
  Chunk           *slots[MAX_WORKERS * READ_AHEAD];
};

typedef struct
{
  const guint8 *p;
  const guint8 *end;
} Wkb;

static gboolean
read_u32 (Wkb     *w,
          gboolean swap,
          guint32 *out)
{
  guint32 v;

  if (w->end - w->p < 4)
    return FALSE;
  memcpy (&v, w->p, 4);
  w->p += 4;
  *out = swap ? GUINT32_SWAP_LE_BE (v) : v;
  return TRUE;
}

static gboolean
read_xy (Wkb             *w,
         gboolean         swap,
         guint            dims,
         QrtLayerBuilder *builder)
{
  guint64 v[2];
  double xy[2];

  if (w->end - w->p < (gssize) (8 * dims))
    return FALSE;
  memcpy (v, w->p, 16);
  w->p += 8 * dims;
  if (swap)
    {
      v[0] = GUINT64_SWAP_LE_BE (v[0]);
      v[1] = GUINT64_SWAP_LE_BE (v[1]);
    }
  memcpy (xy, v, 16);
  qrt_layer_builder_add_point (builder, xy[0], xy[1]);
  return TRUE;
}

static gboolean
read_points (Wkb             *w,
             gboolean         swap,
             guint            dims,
             QrtLayerBuilder *builder)
{
  guint32 n;

  if (!read_u32 (w, swap, &n) || (guint64) n * 8 * dims > (guint64) (w->end - w->p))
    return FALSE;
  /* The common case, plain x,y in this machine's order: one copy for the whole run (from
   * wherever in SQLite's page the WKB lies, aligned or not). */
  if (!swap && dims == 2 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    {
      _qrt_layer_builder_add_points (builder, w->p, n);
      w->p += (gsize) n * 16;
      return TRUE;
    }
  for (guint32 i = 0; i < n; i++)
    if (!read_xy (w, swap, dims, builder))
      return FALSE;
  return TRUE;
}

/* Collections within collections deeper than this are left to GDAL: a damaged or hostile
 * file must not run a worker out of stack. */
#define MAX_NESTING 16

/* Parses one WKB geometry into the builder's current feature. FALSE: malformed or a type the
 * fast path does not handle. */
static gboolean
read_geometry (Wkb             *w,
               QrtGeometryKind  kind,
               QrtLayerBuilder *builder,
               guint            depth)
{
  gboolean swap;
  guint32 type, base, dims = 2, n;

  if (w->p >= w->end || depth > MAX_NESTING)
    return FALSE;
  swap = (*w->p == 0) == (G_BYTE_ORDER == G_LITTLE_ENDIAN);
  w->p++;
  if (!read_u32 (w, swap, &type))
    return FALSE;

  /* EWKB flags, then ISO's thousands for Z, M and ZM. */
  if (type & 0x80000000u)
    dims++;
  if (type & 0x40000000u)
    dims++;
  if (type & 0x20000000u)
    {
      guint32 srid;

      if (!read_u32 (w, swap, &srid))
        return FALSE;
    }
  base = type & 0x0fffffffu;
  if (base >= 1000 && base < 4000)
    {
      dims += base / 1000 == 3 ? 2 : 1;
      base %= 1000;
    }

  switch (base)
    {
    case 1:   /* Point */
      {
        const guint8 *at = w->p;
        double x;

        if (kind != QRT_GEOMETRY_POINT || w->end - w->p < (gssize) (8 * dims))
          return FALSE;
        memcpy (&x, at, 8);
        if (swap)
          {
            guint64 bits;

            memcpy (&bits, at, 8);
            bits = GUINT64_SWAP_LE_BE (bits);
            memcpy (&x, &bits, 8);
          }
        if (isnan (x))   /* POINT EMPTY */
          {
            w->p += 8 * dims;
            return TRUE;
          }
        qrt_layer_builder_begin_part (builder);
        return read_xy (w, swap, dims, builder);
      }

    case 2:   /* LineString */
      if (kind != QRT_GEOMETRY_LINE)
        return FALSE;
      qrt_layer_builder_begin_part (builder);
      return read_points (w, swap, dims, builder);

    case 3:   /* Polygon */
      if (kind != QRT_GEOMETRY_POLYGON || !read_u32 (w, swap, &n))
        return FALSE;
      if (n == 0)
        return TRUE;
      qrt_layer_builder_begin_part (builder);
      for (guint32 r = 0; r < n; r++)
        {
          qrt_layer_builder_begin_ring (builder);
          if (!read_points (w, swap, dims, builder))
            return FALSE;
        }
      return TRUE;

    case 4:   /* MultiPoint */
    case 5:   /* MultiLineString */
    case 6:   /* MultiPolygon */
    case 7:   /* GeometryCollection */
      if (!read_u32 (w, swap, &n))
        return FALSE;
      for (guint32 i = 0; i < n; i++)
        if (!read_geometry (w, kind, builder, depth + 1))
          return FALSE;
      return TRUE;

    default:  /* curves and surfaces: the slow path linearises them */
      return FALSE;
    }
}

/* The kind of a column as GDAL's GeoPackage driver would read it, FALSE for one that GDAL
 * turns into something else (dates, binary). */
static gboolean
declared_kind (const char *declared,
               FieldKind  *kind)
{
  g_autofree char *type = g_ascii_strup (declared ? declared : "", -1);
  char *paren = strchr (type, '(');
  const char *ints[] = { "INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT", "BOOLEAN", NULL };
  const char *reals[] = { "REAL", "FLOAT", "DOUBLE", NULL };

  if (paren != NULL)
    *paren = '\0';
  g_strstrip (type);
  if (g_strv_contains (ints, type))
    *kind = FIELD_INT;
  else if (g_strv_contains (reals, type))
    *kind = FIELD_REAL;
  else if (g_str_equal (type, "TEXT"))
    *kind = FIELD_TEXT;
  else
    return FALSE;
  return TRUE;
}

/* The WKB inside a standard GeoPackage geometry blob (magic, version, flags, srs id, an
 * envelope of 0, 4, 6 or 8 doubles), or %FALSE. */
static gboolean
gpkg_wkb (const guint8  *blob,
          gsize          len,
          const guint8 **wkb,
          gsize         *wkb_len)
{
  static const guint8 envelope_doubles[5] = { 0, 4, 6, 6, 8 };
  guint envelope;
  gsize header;

  if (len < 8 || blob[0] != 'G' || blob[1] != 'P' || blob[2] != 0)
    return FALSE;
  envelope = (blob[3] >> 1) & 7;
  /* An extended (non-standard) geometry type, or an envelope the standard does not know. */
  if ((blob[3] & 0x20) || envelope >= G_N_ELEMENTS (envelope_doubles))
    return FALSE;
  header = 8 + 8 * (gsize) envelope_doubles[envelope];
  if (header > len)
    return FALSE;
  *wkb = blob + header;
  *wkb_len = len - header;
  return TRUE;
}

/* A read-only connection of its own: used by one thread at a time, so without SQLite's mutex
 * on every call (that was a third of a scan). */
static sqlite3 *
open_connection (const char *path)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  /* Pages read from the mapped file rather than copied out of the page cache: a quarter of
   * a scan. SQLite maps no more than the file holds; only a file cut short by something
   * other than SQLite while it is read could fault (the cache's readers map theirs too). */
  sqlite3_exec (db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
  return db;
}

/* The table's attribute columns and kinds; FALSE if it is not a plain table with the feature
 * id and geometry column GDAL named, or has a column of a kind not read here. */
static gboolean
read_fields (Scan    *scan,
             sqlite3 *db)
{
  char *sql = sqlite3_mprintf ("SELECT type = 'table' FROM sqlite_master WHERE name = %Q",
                               scan->table);
  sqlite3_stmt *stmt = NULL;
  GArray *fields = g_array_new (FALSE, FALSE, sizeof (Field));
  gboolean ok, has_fid = FALSE, has_geometry = FALSE;

  ok = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
       sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) == 1;
  sqlite3_finalize (stmt);
  sqlite3_free (sql);
  stmt = NULL;

  /* table_xinfo rather than table_info: generated columns are attributes too, as GDAL has
   * them. */
  sql = sqlite3_mprintf ("PRAGMA table_xinfo(\"%w\")", scan->table);
  if (ok && sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    ok = FALSE;
  sqlite3_free (sql);
  while (ok && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      const char *type = (const char *) sqlite3_column_text (stmt, 2);
      Field field = { NULL, FIELD_INT };

      /* Hidden 1 is a virtual table's hidden column: not a feature table GDAL wrote. */
      if (name == NULL || sqlite3_column_int (stmt, 6) == 1)
        ok = FALSE;
      else if (g_ascii_strcasecmp (name, scan->fid_column) == 0 && sqlite3_column_int (stmt, 5) == 1)
        has_fid = TRUE;
      else if (g_ascii_strcasecmp (name, scan->geometry_column) == 0)
        has_geometry = TRUE;
      else if (!declared_kind (type, &field.kind))
        ok = FALSE;
      else
        {
          field.name = g_strdup (name);
          g_array_append_val (fields, field);
        }
    }
  sqlite3_finalize (stmt);
  scan->n_fields = fields->len;
  scan->fields = (Field *) g_array_free (fields, FALSE);
  return ok && has_fid && has_geometry;
}

/* The scan's statement on @db: the feature id, the geometry, the attributes; of a range of
 * rowids when ranged (the feature id of a GeoPackage table is its rowid, so that is a range
 * of the b-tree). */
static sqlite3_stmt *
prepare_scan (Scan    *scan,
              sqlite3 *db)
{
  GString *sql = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  char *part;

  part = sqlite3_mprintf ("SELECT \"%w\", \"%w\"", scan->fid_column, scan->geometry_column);
  g_string_append (sql, part);
  sqlite3_free (part);
  for (guint i = 0; i < scan->n_fields; i++)
    {
      part = sqlite3_mprintf (", \"%w\"", scan->fields[i].name);
      g_string_append (sql, part);
      sqlite3_free (part);
    }
  /* In id order, as GDAL gives them: the table's own order, whatever index there is. */
  part = sqlite3_mprintf (" FROM \"%w\"%s ORDER BY rowid", scan->table,
                          scan->ranged ? " WHERE rowid >= ?1 AND rowid <= ?2" : "");
  g_string_append (sql, part);
  sqlite3_free (part);
  if (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_debug ("Table %s is read feature by feature: %s", scan->table, sqlite3_errmsg (db));
      stmt = NULL;
    }
  g_string_free (sql, TRUE);
  return stmt;
}

/* The lowest and highest rowid: two subqueries, each one step down the b-tree (min() and
 * max() together in one SELECT would scan the table). */
static gboolean
rowid_span (sqlite3    *db,
            const char *table,
            gint64     *lo,
            gint64     *hi)
{
  char *sql = sqlite3_mprintf ("SELECT (SELECT min(rowid) FROM \"%w\"), "
                               "(SELECT max(rowid) FROM \"%w\")", table, table);
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
       sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL;
  if (ok)
    {
      *lo = sqlite3_column_int64 (stmt, 0);
      *hi = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_finalize (stmt);
  sqlite3_free (sql);
  return ok;
}

/* Holds off writers of a write-ahead-logged file while the workers take their snapshots, so
 * that all see the same state: a write transaction begun and rolled back (it writes nothing).
 * %NULL when the file cannot be locked now (read-only, or somebody is writing). */
static sqlite3 *
lock_writers (const char *path)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 50);
      if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
        return db;
    }
  sqlite3_close (db);
  return NULL;
}

static gboolean
is_wal (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gboolean wal = FALSE;

  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
  sqlite3_finalize (stmt);
  return wal;
}

/* Starts a read transaction on every worker's connection, all of one state of the file. A
 * read in a transaction fixes the snapshot until the transaction ends. With a rollback
 * journal the first one's shared lock is enough: no writer can commit until it is released.
 * With a write-ahead log readers do not hold writers off, so they are held off meanwhile. */
static gboolean
begin_snapshots (Scan       *scan,
                 const char *path)
{
  sqlite3 *lock = NULL;
  gboolean held = TRUE;

  if (is_wal (scan->workers[0].db) && (lock = lock_writers (path)) == NULL)
    return FALSE;
  for (guint i = 0; i < scan->n_workers && held; i++)
    {
      sqlite3 *db = scan->workers[i].db;

      /* A writer waiting to commit keeps new readers out while the first one keeps it out:
       * the later ones give up soon and the table is read by one. */
      sqlite3_busy_timeout (db, i == 0 ? 5000 : 50);
      held = sqlite3_exec (db, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL,
                           NULL) == SQLITE_OK;
      sqlite3_busy_timeout (db, 5000);
    }
  if (lock != NULL)
    {
      sqlite3_exec (lock, "ROLLBACK", NULL, NULL, NULL);
      sqlite3_close (lock);
    }
  return held;
}

/* Cuts the ids into ranges of @span ids while at least two a worker are left; after that
 * each takes 1/(2 × workers) of what is left, down to a quarter of @span, so that the range a
 * worker takes last is short and the workers finish close together. (A table of fewer than
 * two ranges a worker is cut that way from the start.) A rest under a quarter joins the
 * range before it. */
static void
split_ranges (Scan    *scan,
              guint64  span)
{
  g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 first = 0;

  for (;;)
    {
      /* Offsets from the lowest rowid, so that nothing overflows near either end. */
      guint64 left = scan->ids - first;   /* one less than the ids left */
      guint64 least = MAX (span / 4, 1);
      guint64 width = CLAMP (left / (2 * scan->n_workers), least, span);
      guint64 last = left < width + least - 1 ? scan->ids : first + width - 1;

      g_array_append_val (ends, last);
      if (last == scan->ids)
        break;
      first = last + 1;
    }
  scan->n_ranges = ends->len;
  scan->ends = (guint64 *) g_array_free (g_steal_pointer (&ends), FALSE);
}

/* Opens the workers' connections: several over ranges where the table is large and all of
 * them can read the same state of the file; else one over the whole table. */
static gboolean
open_workers (Scan       *scan,
              const char *path,
              gint64      expected_rows,
              guint       n_wanted)
{
  sqlite3 *first = open_connection (path);
  gint64 lo, hi;

  if (first == NULL || !read_fields (scan, first))
    {
      g_debug ("Table %s of %s is read feature by feature: %s", scan->table, path,
               first == NULL ? "cannot open" : "a view, or a column of a type read otherwise");
      sqlite3_close (first);
      return FALSE;
    }
  scan->workers[0].db = first;
  scan->n_workers = 1;

  if (n_wanted > 1 && expected_rows >= (gint64) BATCH_ROWS * 2)
    {
      while (scan->n_workers < n_wanted &&
             (scan->workers[scan->n_workers].db = open_connection (path)) != NULL)
        scan->n_workers++;
      /* The ids are asked inside the snapshots: a row committed before would be outside
       * every range. */
      if (scan->n_workers > 1 && begin_snapshots (scan, path) &&
          rowid_span (first, scan->table, &lo, &hi))
        {
          guint64 ids = (guint64) hi - (guint64) lo;
          guint64 rows = MIN ((guint64) expected_rows, ids + 1);
          /* About BATCH_ROWS rows a range where the ids have gaps too, but not more than
           * about MAX_RANGES ranges a worker: each costs a step down the b-tree, even an
           * empty one. The count is the one GeoPackage keeps, which may be stale or wrong:
           * then the ranges are only less even. */
          guint64 span = MAX (BATCH_ROWS, ids / MAX (1, rows / BATCH_ROWS) + 1);

          span = MAX (span, ids / (MAX_RANGES * scan->n_workers) + 1);
          scan->ranged = TRUE;
          scan->lo = lo;
          scan->ids = ids;
          split_ranges (scan, span);
        }
      else
        {
          while (scan->n_workers > 1)
            g_clear_pointer (&scan->workers[--scan->n_workers].db, sqlite3_close);
          /* Whatever the first one began, it reads on its own now. */
          sqlite3_exec (first, "ROLLBACK", NULL, NULL, NULL);
        }
    }

  for (guint i = 0; i < scan->n_workers; i++)
    if ((scan->workers[i].stmt = prepare_scan (scan, scan->workers[i].db)) == NULL)
      return FALSE;
  g_debug ("Table %s of %s read by %u worker%s%s", scan->table, path, scan->n_workers,
           scan->n_workers > 1 ? "s" : "", scan->ranged ? " in ranges" : "");
  return TRUE;
}

/* Reads the row the worker's statement is on into @builder; FALSE if it cannot be parsed
 * here. A row without geometry gives no feature, nor does an empty one (the builder drops
 * it). */
static gboolean
read_row (Worker          *w,
          QrtLayerBuilder *builder)
{
  const Scan *scan = w->scan;
  sqlite3_value *geometry = sqlite3_column_value (w->stmt, 1);
  const guint8 *blob;
  Wkb wkb;
  gsize len;

  /* One sqlite3_column_*() call per value: each costs a call through the API's checks, the
   * sqlite3_value_*() calls on its result do not. */
  if (sqlite3_value_type (geometry) == SQLITE_NULL)
    return TRUE;
  blob = sqlite3_value_blob (geometry);
  if (blob == NULL || !gpkg_wkb (blob, (gsize) sqlite3_value_bytes (geometry), &wkb.p, &len))
    return FALSE;
  wkb.end = wkb.p + len;

  qrt_layer_builder_begin_feature (builder);
  qrt_layer_builder_set_fid (builder, sqlite3_value_int64 (sqlite3_column_value (w->stmt, 0)));
  if (!read_geometry (&wkb, scan->kind, builder, 0))
    {
      qrt_layer_builder_discard_feature (builder);
      return FALSE;
    }
  for (guint i = 0; i < scan->n_fields; i++)
    {
      sqlite3_value *value = sqlite3_column_value (w->stmt, (int) i + 2);

      if (sqlite3_value_type (value) == SQLITE_NULL)
        continue;
      switch (scan->fields[i].kind)
        {
        case FIELD_INT:
          qrt_layer_builder_set_int (builder, i, sqlite3_value_int64 (value));
          break;
        case FIELD_REAL:
          qrt_layer_builder_set_real (builder, i, sqlite3_value_double (value));
          break;
        case FIELD_TEXT:
        default:
          {
            const char *text = (const char *) sqlite3_value_text (value);

            _qrt_layer_builder_set_text (builder, i, text ? text : "",
                                         (gsize) sqlite3_value_bytes (value));
            break;
          }
        }
    }
  qrt_layer_builder_end_feature (builder);
  return TRUE;
}

/* Transforms the coordinates of @builder into the analysis CRS. */
static gboolean
transform (OGRCoordinateTransformationH  ct,
           QrtLayerBuilder              *builder)
{
  guint n;
  double *xy = _qrt_layer_builder_peek_coords (builder, &n);
  g_autofree double *xs = g_new (double, MAX (1, n));
  g_autofree double *ys = g_new (double, MAX (1, n));

  for (guint k = 0; k < n; k++)
    {
      xs[k] = xy[2 * k];
      ys[k] = xy[2 * k + 1];
    }
  if (n > 0 && !OCTTransform (ct, (int) n, xs, ys, NULL))
    return FALSE;
  for (guint k = 0; k < n; k++)
    {
      xy[2 * k] = xs[k];
      xy[2 * k + 1] = ys[k];
    }
  return TRUE;
}

/* The layer's expectation for the chunks to seal with, once the calling thread has made it
 * (its display grid is made while the workers read their first ranges). */
static const QrtLayerBuilder *
wait_for_model (Scan *scan)
{
  const QrtLayerBuilder *model;

  g_mutex_lock (&scan->lock);
  while (!scan->model_final)
    g_cond_wait (&scan->model_set, &scan->lock);
  model = scan->model;
  g_mutex_unlock (&scan->lock);
  return model;
}

/* Fills @builder with range @range (or, over the whole table, the next BATCH_ROWS rows). */
static ChunkStatus
read_chunk (Worker          *w,
            guint64          range,
            QrtLayerBuilder *builder,
            char           **message)
{
  Scan *scan = w->scan;
  int rc = SQLITE_DONE, rows = 0;

  if (!scan->ranged && w->done)
    return CHUNK_END;
  if (scan->ranged)
    {
      /* Offsets from the lowest rowid, so that nothing overflows near either end. */
      guint64 first = range == 0 ? 0 : scan->ends[range - 1] + 1;
      guint64 last = scan->ends[range];

      sqlite3_reset (w->stmt);
      sqlite3_bind_int64 (w->stmt, 1, (gint64) ((guint64) scan->lo + first));
      sqlite3_bind_int64 (w->stmt, 2, (gint64) ((guint64) scan->lo + last));
    }
  /* A range is read to its end, however many rows it has (all of them, where the count the
   * file declares is far too low): asked to stop, it stops on the way. */
  while ((scan->ranged || rows < BATCH_ROWS) && (rc = sqlite3_step (w->stmt)) == SQLITE_ROW)
    {
      if (!read_row (w, builder))
        return CHUNK_UNSUPPORTED;
      if ((++rows & 4095) == 0 &&
          (g_atomic_int_get (&scan->stop) || g_cancellable_is_cancelled (scan->cancellable)))
        return CHUNK_END;
    }
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    return CHUNK_BUSY;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      *message = g_strdup (sqlite3_errmsg (w->db));
      return CHUNK_FAILED;
    }
  /* Stepped again, a finished statement would start over. */
  w->done = rc == SQLITE_DONE;
  if (!scan->ranged && w->done && rows == 0)
    return CHUNK_END;
  if (w->ct != NULL && !transform (w->ct, builder))
    return CHUNK_BAD_COORDS;
  if (scan->seal)
    {
      const QrtLayerBuilder *model = wait_for_model (scan);

      if (model != NULL)
        {
          _qrt_layer_builder_expect_like (builder, model);
          _qrt_layer_builder_seal (builder);
        }
    }
  return CHUNK_ROWS;
}

/* Each worker takes the next range when it has a builder free, so a worker slowed down
 * (the calling thread shares its core) reads fewer ranges instead of finishing last. */
static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  Scan *scan = w->scan;
  ChunkStatus status = CHUNK_ROWS;

  while (status == CHUNK_ROWS)
    {
      gpointer next = g_async_queue_pop (w->free);
      guint64 range;
      Chunk *chunk;

      if (next == scan || g_atomic_int_get (&scan->stop))
        break;
      g_mutex_lock (&scan->lock);
      range = scan->next_chunk++;
      g_mutex_unlock (&scan->lock);

      chunk = g_new0 (Chunk, 1);
      chunk->builder = next;
      chunk->owner = w;
      _qrt_layer_builder_clear (chunk->builder);
      if (g_cancellable_is_cancelled (scan->cancellable) ||
          (scan->ranged && range >= scan->n_ranges))
        chunk->status = CHUNK_END;
      else
        chunk->status = read_chunk (w, range, chunk->builder, &chunk->message);
      status = chunk->status;

      g_mutex_lock (&scan->lock);
      g_assert (scan->slots[range % G_N_ELEMENTS (scan->slots)] == NULL);
      scan->slots[range % G_N_ELEMENTS (scan->slots)] = chunk;
      g_cond_broadcast (&scan->chunk_done);
      g_mutex_unlock (&scan->lock);
    }
  /* Closed here rather than by scan_free(): unmapping the file and freeing the page cache
   * take milliseconds that the calling thread, still appending and indexing, need not wait
   * for. */
  g_clear_pointer (&w->stmt, sqlite3_finalize);
  g_clear_pointer (&w->db, sqlite3_close);
  return NULL;
}

static void
chunk_free (Chunk *chunk)
{
  g_free (chunk->message);
  g_free (chunk);
}

/* Stops the workers and frees all they hold. */
static void
scan_free (Scan *scan)
{
  g_atomic_int_set (&scan->stop, 1);
  g_mutex_lock (&scan->lock);
  scan->model_final = TRUE;
  g_cond_broadcast (&scan->model_set);
  g_mutex_unlock (&scan->lock);
  for (guint i = 0; i < scan->n_workers; i++)
    {
      Worker *w = &scan->workers[i];

      if (w->thread != NULL)
        {
          g_async_queue_push (w->free, scan);
          g_thread_join (w->thread);
        }
      if (w->free != NULL)
        g_async_queue_unref (w->free);
      for (guint k = 0; k < READ_AHEAD; k++)
        g_clear_pointer (&w->builders[k], qrt_layer_builder_free);
      if (w->ct != NULL)
        OCTDestroyCoordinateTransformation (w->ct);
      sqlite3_finalize (w->stmt);
      sqlite3_close (w->db);
    }
  for (guint i = 0; i < G_N_ELEMENTS (scan->slots); i++)
    g_clear_pointer (&scan->slots[i], chunk_free);
  g_clear_pointer (&scan->model, qrt_layer_builder_free);
  for (guint i = 0; i < scan->n_fields; i++)
    g_free (scan->fields[i].name);
  g_free (scan->fields);
  g_free (scan->ends);
  g_free (scan->table);
  g_free (scan->fid_column);
  g_free (scan->geometry_column);
  g_mutex_clear (&scan->lock);
  g_cond_clear (&scan->model_set);
  g_cond_clear (&scan->chunk_done);
  g_free (scan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scan, scan_free)

/* The extent the source declares (a GeoPackage keeps one per layer), in the analysis CRS: it
 * lets the display copy be made while reading. Empty when there is none. */
static void
declared_area (OGRLayerH                     layer,
               OGRCoordinateTransformationH  ct,
               QrtBBox                      *area)
{
  OGREnvelope env;

  qrt_bbox_init_empty (area);
  if (OGR_L_GetExtent (layer, &env, FALSE) != OGRERR_NONE)
    return;
  if (ct == NULL)
    *area = (QrtBBox) { env.MinX, env.MinY, env.MaxX, env.MaxY };
  else if (!OCTTransformBounds (ct, env.MinX, env.MinY, env.MaxX, env.MaxY,
                                &area->min_x, &area->min_y, &area->max_x, &area->max_y, 21))
    qrt_bbox_init_empty (area);
}

static const char *
geometry_column_name (OGRLayerH layer)
{
  const char *name = OGR_L_GetGeometryColumn (layer);

  return name != NULL && *name ? name : "wkb_geometry";
}

/* FALSE if the transformation cannot be copied for each worker (PROJ's objects are not to
 * be shared between threads). */
static gboolean
start_workers (Scan                         *scan,
               QrtLayerBuilder              *builder,
               OGRCoordinateTransformationH  ct)
{
  for (guint i = 0; i < scan->n_workers; i++)
    if (ct != NULL && (scan->workers[i].ct = OCTClone (ct)) == NULL)
      return FALSE;
  for (guint i = 0; i < scan->n_workers; i++)
    {
      Worker *w = &scan->workers[i];

      w->scan = scan;
      w->free = g_async_queue_new ();
      for (guint k = 0; k < READ_AHEAD; k++)
        {
          w->builders[k] = _qrt_layer_builder_new_chunk (builder);
          g_async_queue_push (w->free, w->builders[k]);
        }
      w->thread = g_thread_new ("qrt-read", worker_run, w);
    }
  return TRUE;
}

/* Makes the layer's expectation (its display grid takes a few milliseconds of PROJ) while
 * the workers read, and hands it to them when they seal. */
static void
expect (Scan            *scan,
        QrtLayerBuilder *builder,
        const QrtBBox   *area)
{
  QrtLayerBuilder *model = NULL;

  /* The workers seal if the extent lets them; else the chunks are sealed as appended. */
  if (area != NULL && _qrt_layer_builder_set_expected_extent (builder, area) && scan->seal)
    model = _qrt_layer_builder_new_chunk (builder);
  g_mutex_lock (&scan->lock);
  scan->model = model;
  scan->model_final = TRUE;
  g_cond_broadcast (&scan->model_set);
  g_mutex_unlock (&scan->lock);
}

/**
 * qrt_gpkg_read_layer:
 * @layer: a feature table of the GeoPackage @gpkg_path, as GDAL has it open
 * @gpkg_path: the GeoPackage, read with SQLite directly
 * @kind: the layer's geometry kind
 * @ct: (nullable): transformation to the analysis CRS
 * @epsg: the analysis CRS
 * @max_workers: at most this many reader threads, or 0 for one a core; never more than
 *   MAX_WORKERS (tests ask for more than the machine has cores)
 * @unsupported: (out): set when the layer needs the feature-by-feature reader instead
 *
 * Returns: (transfer full) (nullable): the layer, or %NULL with @error set on a read error, or
 *   %NULL with *@unsupported set.
 */
QrtLayer *
qrt_gpkg_read_layer (OGRLayerH                      layer,
                     const char                    *gpkg_path,
                     QrtGeometryKind                kind,
                     OGRCoordinateTransformationH   ct,
                     int                            epsg,
                     guint                          max_workers,
                     GCancellable                  *cancellable,
                     gboolean                      *unsupported,
                     GError                       **error)
{
  g_autoptr(Scan) scan = g_new0 (Scan, 1);
  g_autoptr(QrtLayerBuilder) builder = NULL;
  const char *fid_column = OGR_L_GetFIDColumn (layer);
  gboolean reserved = FALSE, expected;
  gint64 count;
  double file_bytes = 0;
  GStatBuf st;
  QrtBBox area;

  *unsupported = FALSE;
  g_mutex_init (&scan->lock);
  g_cond_init (&scan->model_set);
  g_cond_init (&scan->chunk_done);
  if (fid_column == NULL || *fid_column == '\0')
    {
      *unsupported = TRUE;
      return NULL;
    }
  scan->table = g_strdup (OGR_L_GetName (layer));
  scan->fid_column = g_strdup (fid_column);
  scan->geometry_column = g_strdup (geometry_column_name (layer));
  scan->kind = kind;
  scan->cancellable = cancellable;
  count = OGR_L_GetFeatureCount (layer, FALSE);
  /* Rows not yet checkpointed are in the write-ahead log. */
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *file = g_strconcat (gpkg_path, i == 0 ? "" : "-wal", NULL);

      if (g_stat (file, &st) == 0)
        file_bytes += (double) st.st_size;
    }
  declared_area (layer, ct, &area);
  /* Small layers are sealed at the end, without a display grid to build first. */
  expected = count > 10000 && !qrt_bbox_is_empty (&area);

  if (max_workers == 0)
    max_workers = g_get_num_processors ();
  if (!open_workers (scan, gpkg_path, count, MIN (MAX_WORKERS, max_workers)))
    {
      *unsupported = TRUE;
      return NULL;
    }
  scan->seal = expected && scan->n_workers > 1;
  builder = qrt_layer_builder_new (OGR_L_GetName (layer), kind, epsg);
  for (guint i = 0; i < scan->n_fields; i++)
    qrt_layer_builder_add_field (builder, scan->fields[i].name,
                                 scan->fields[i].kind == FIELD_INT ? QRT_FIELD_INTEGER
                                 : scan->fields[i].kind == FIELD_REAL ? QRT_FIELD_REAL
                                 : QRT_FIELD_STRING);
  if (!start_workers (scan, builder, ct))
    {
      *unsupported = TRUE;
      return NULL;
    }
  expect (scan, builder, expected ? &area : NULL);

  for (guint64 next = 0;; next++)
    {
      Chunk **slot = &scan->slots[next % G_N_ELEMENTS (scan->slots)];
      Chunk *chunk;
      ChunkStatus status;

      g_mutex_lock (&scan->lock);
      while (*slot == NULL)
        g_cond_wait (&scan->chunk_done, &scan->lock);
      chunk = g_steal_pointer (slot);
      g_mutex_unlock (&scan->lock);
      status = chunk->status;

      switch (status)
        {
        case CHUNK_ROWS:
          break;
        case CHUNK_END:
          chunk_free (chunk);
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return NULL;
          return qrt_layer_builder_finish (g_steal_pointer (&builder), error);
        case CHUNK_FAILED:
          g_debug ("Reading %s failed: %s", OGR_L_GetName (layer), chunk->message);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Layer “%s” could not be read completely; the file is damaged."),
                       OGR_L_GetName (layer));
          chunk_free (chunk);
          return NULL;
        case CHUNK_BUSY:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       _("Layer “%s” could not be read: another program is writing to the "
                         "project. Try again when it has finished."),
                       OGR_L_GetName (layer));
          chunk_free (chunk);
          return NULL;
        case CHUNK_BAD_COORDS:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Layer “%s” has coordinates that cannot be converted."),
                       OGR_L_GetName (layer));
          chunk_free (chunk);
          return NULL;
        case CHUNK_UNSUPPORTED:
        default:
          *unsupported = TRUE;
          chunk_free (chunk);
          return NULL;
        }

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          chunk_free (chunk);
          return NULL;
        }
      if (!reserved && _qrt_layer_builder_get_n_features (chunk->builder) > 0)
        {
          /* Room for the whole layer at once, so no append copies what came before: the count
           * GeoPackage keeps, points as many per feature as in this first chunk. The count
           * may be anything: no more features than the file has room for (a geometry takes
           * at least a header and a point, 29 bytes), nor more than ids. */
          guint n_features = _qrt_layer_builder_get_n_features (chunk->builder), n_points;
          double features = MIN (count, file_bytes / 29), points;

          if (scan->ranged)
            features = MIN (features, (double) scan->ids + 1);
          features = MAX (features, n_features);
          _qrt_layer_builder_peek_coords (chunk->builder, &n_points);
          points = MIN ((double) n_points * features / n_features, file_bytes / 16);
          _qrt_layer_builder_reserve (builder, (guint) MIN (features, G_MAXUINT32 / 2),
                                      (guint) MIN (MAX (points, n_points), G_MAXUINT32 / 4));
          reserved = TRUE;
        }
      _qrt_layer_builder_append (builder, chunk->builder);
      g_async_queue_push (chunk->owner->free, chunk->builder);
      chunk_free (chunk);
      /* Chunks not sealed by the workers are sealed here, a chunk at a time while its
       * coordinates are in the cache. */
      _qrt_layer_builder_seal (builder);
    }
}
