/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrt-bench.h"
#include "qrt-core.h"

/*
 * The offline cache's tile path against the MBTiles read limit, in one run: N random tiles
 * (4–20 KB) go into a QrtCache in a temporary folder and, with the same bytes, into a plain
 * MBTiles file (standard schema, one transaction). Then N lookups in random order through
 * qrt_cache_get_tile() and through a prepared SELECT on the MBTiles file (each copying the
 * bytes into a GBytes), with one thread and with two (two connections for the reference,
 * opened once and kept, with and without mmap like the cache's pooled readers).
 * Prints the medians of RUNS runs and the ratios.
 *
 *   bench-cache [N] [RUNS]
 */

#define ZOOM 14
#define BASE_X 8500
#define BASE_Y 5400
#define GRID 200

typedef struct
{
  int x, y;
} Key;

typedef struct
{
  QrtCache     *cache;
  sqlite3_stmt *stmt;     /* the reference: a prepared SELECT on its own connection */
  const Key    *keys;
  guint         n_keys;
  guint         offset;
  gint64        bytes;
  guint         misses;
} Reading;

static gpointer
cache_reader (gpointer data)
{
  Reading *reading = data;

  for (guint i = 0; i < reading->n_keys; i++)
    {
      const Key *key = &reading->keys[(i + reading->offset) % reading->n_keys];
      g_autoptr(GBytes) tile = qrt_cache_get_tile (reading->cache, "bench", ZOOM, key->x,
                                                   key->y);

      if (tile == NULL)
        reading->misses++;
      else
        reading->bytes += g_bytes_get_size (tile);
    }
  return NULL;
}

static gpointer
mbtiles_reader (gpointer data)
{
  Reading *reading = data;
  sqlite3_stmt *stmt = reading->stmt;

  for (guint i = 0; i < reading->n_keys; i++)
    {
      const Key *key = &reading->keys[(i + reading->offset) % reading->n_keys];

      sqlite3_bind_int (stmt, 1, ZOOM);
      sqlite3_bind_int (stmt, 2, key->x);
      sqlite3_bind_int (stmt, 3, (1 << ZOOM) - 1 - key->y);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const void *blob = sqlite3_column_blob (stmt, 0);
          g_autoptr(GBytes) tile = g_bytes_new (blob, sqlite3_column_bytes (stmt, 0));

          reading->bytes += g_bytes_get_size (tile);
        }
      else
        reading->misses++;
      sqlite3_reset (stmt);
    }
  return NULL;
}

/* A connection to the reference file, kept over all runs like the cache's readers. */
static sqlite3_stmt *
open_reference (const char *mbtiles,
                gboolean    mmap)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_open_v2 (mbtiles, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)
      != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT tile_data FROM tiles WHERE zoom_level = ?1"
                          " AND tile_column = ?2 AND tile_row = ?3", -1, &stmt, NULL)
      != SQLITE_OK)
    g_error ("MBTiles reference: %s", sqlite3_errmsg (db));
  if (mmap)
    sqlite3_exec (db, "PRAGMA mmap_size = 268435456", NULL, NULL, NULL);
  return stmt;
}

static void
close_reference (sqlite3_stmt *stmt)
{
  sqlite3 *db = sqlite3_db_handle (stmt);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* One timed run of @n_threads readers; returns lookups per second. */
static double
run_readers (GThreadFunc    func,
             QrtCache      *cache,
             sqlite3_stmt **reference,
             const Key   *keys,
             guint        n_keys,
             guint        n_threads,
             gint64       expected_bytes)
{
  Reading readings[2];
  GThread *threads[2];
  double t0, t;

  g_assert (n_threads <= 2);
  for (guint i = 0; i < n_threads; i++)
    readings[i] = (Reading) { cache, reference ? reference[i] : NULL, keys, n_keys,
                               i * (n_keys / 2), 0, 0 };
  t0 = qrt_bench_now ();
  for (guint i = 0; i < n_threads; i++)
    threads[i] = g_thread_new ("bench-reader", func, &readings[i]);
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  t = qrt_bench_now () - t0;
  for (guint i = 0; i < n_threads; i++)
    if (readings[i].misses > 0 || readings[i].bytes != expected_bytes)
      g_error ("reader %u: %u misses, %" G_GINT64_FORMAT " bytes instead of %" G_GINT64_FORMAT,
               i, readings[i].misses, readings[i].bytes, expected_bytes);
  return n_threads * n_keys / t;
}

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *cache_path = NULL;
  g_autofree char *mbtiles = NULL;
  g_autoptr(QrtCache) cache = NULL;
  g_autoptr(GPtrArray) tiles = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree Key *keys = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const char *labels[6] = {
    "QrtCache, 1 thread", "QrtCache, 2 threads", "MBTiles SELECT, 1 thread",
    "MBTiles SELECT, 2 threads", "MBTiles SELECT+mmap, 1 thread",
    "MBTiles SELECT+mmap, 2 threads",
  };
  GArray *rates[6];
  sqlite3_stmt *plain[2], *mapped[2];
  g_autofree char *batch_path = NULL;
  g_autoptr(QrtCache) batched = NULL;
  double t_batch;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 total_bytes = 0;
  double t0, t_put, t_ref;
  guint n, runs;

  n = argc > 1 ? (guint) atoi (argv[1]) : 20000;
  runs = argc > 2 ? (guint) atoi (argv[2]) : 5;
  if (n == 0 || n > GRID * GRID || runs == 0)
    {
      g_printerr ("usage: bench-cache [N ≤ %d] [RUNS]\n", GRID * GRID);
      return 2;
    }
  qrt_core_init ();
  dir = g_dir_make_tmp ("bench-cache-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  cache_path = g_build_filename (dir, "cache.sqlite", NULL);
  mbtiles = g_build_filename (dir, "reference.mbtiles", NULL);
  batch_path = g_build_filename (dir, "batched", "cache.sqlite", NULL);

  keys = g_new (Key, n);
  for (guint i = 0; i < n; i++)
    {
      gsize size = g_rand_int_range (rand, 4096, 20 * 1024 + 1);
      guint8 *data = g_malloc (size);

      for (gsize j = 0; j < size; j++)
        data[j] = (guint8) g_rand_int (rand);
      g_ptr_array_add (tiles, g_bytes_new_take (data, size));
      keys[i] = (Key) { BASE_X + i % GRID, BASE_Y + i / GRID };
      total_bytes += size;
    }

  /* Writing: the cache commits each tile (WAL, synchronous=NORMAL). */
  cache = qrt_cache_open (cache_path, &error);
  if (cache == NULL)
    g_error ("%s", error->message);
  t0 = qrt_bench_now ();
  for (guint i = 0; i < n; i++)
    if (!qrt_cache_put_tile (cache, "bench", ZOOM, keys[i].x, keys[i].y,
                             g_ptr_array_index (tiles, i), &error))
      g_error ("%s", error->message);
  t_put = qrt_bench_now () - t0;
  if (qrt_cache_get_size (cache) != total_bytes)
    g_error ("cache holds %" G_GINT64_FORMAT " bytes, not %" G_GINT64_FORMAT,
             qrt_cache_get_size (cache), total_bytes);

  /* The same through qrt_cache_put_tiles(), 256 tiles per transaction, into a second cache. */
  batched = qrt_cache_open (batch_path, &error);
  if (batched == NULL)
    g_error ("%s", error->message);
  t0 = qrt_bench_now ();
  for (guint i = 0; i < n; i += 256)
    {
      QrtCacheTile batch[256];
      guint m = MIN (256, n - i);

      for (guint j = 0; j < m; j++)
        batch[j] = (QrtCacheTile) { ZOOM, keys[i + j].x, keys[i + j].y,
                                    g_ptr_array_index (tiles, i + j) };
      if (!qrt_cache_put_tiles (batched, "bench", batch, m, &error))
        g_error ("%s", error->message);
    }
  t_batch = qrt_bench_now () - t0;
  if (qrt_cache_get_size (batched) != total_bytes)
    g_error ("batched cache holds %" G_GINT64_FORMAT " bytes", qrt_cache_get_size (batched));
  g_clear_object (&batched);

  /* The reference: the standard MBTiles schema, all tiles in one transaction. */
  t0 = qrt_bench_now ();
  if (sqlite3_open (mbtiles, &db) != SQLITE_OK)
    g_error ("%s", sqlite3_errmsg (db));
  exec_or_die (db, "CREATE TABLE metadata (name TEXT, value TEXT);"
                   "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
                   " tile_row INTEGER, tile_data BLOB);"
                   "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
                   "BEGIN");
  if (sqlite3_prepare_v2 (db, "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)", -1, &stmt, NULL)
      != SQLITE_OK)
    g_error ("%s", sqlite3_errmsg (db));
  for (guint i = 0; i < n; i++)
    {
      GBytes *tile = g_ptr_array_index (tiles, i);

      sqlite3_bind_int (stmt, 1, ZOOM);
      sqlite3_bind_int (stmt, 2, keys[i].x);
      sqlite3_bind_int (stmt, 3, (1 << ZOOM) - 1 - keys[i].y);
      sqlite3_bind_blob (stmt, 4, g_bytes_get_data (tile, NULL), g_bytes_get_size (tile),
                         SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        g_error ("%s", sqlite3_errmsg (db));
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  exec_or_die (db, "COMMIT");
  sqlite3_close (db);
  t_ref = qrt_bench_now () - t0;

  /* Reading in a random order. */
  for (guint i = n - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      Key swap = keys[i];

      keys[i] = keys[j];
      keys[j] = swap;
    }
  for (guint k = 0; k < 6; k++)
    rates[k] = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < 2; i++)
    {
      plain[i] = open_reference (mbtiles, FALSE);
      mapped[i] = open_reference (mbtiles, TRUE);
    }
  for (guint r = 0; r < runs; r++)
    {
      for (guint k = 0; k < 6; k++)
        {
          double rate = run_readers (k < 2 ? cache_reader : mbtiles_reader,
                                     k < 2 ? cache : NULL,
                                     k < 2 ? NULL : k < 4 ? plain : mapped,
                                     keys, n, k % 2 + 1, total_bytes);

          g_array_append_val (rates[k], rate);
        }
    }

  printf ("offline cache, %u tiles of 4–20 KB (%.1f MB), lookups in random order, median of %u\n",
          n, total_bytes / 1e6, runs);
  for (guint k = 0; k < 6; k++)
    printf ("  %-32s %9.0f lookups/s\n", labels[k], qrt_bench_median (rates[k]));
  printf ("  QrtCache / MBTiles, 1 thread:        %.2f\n",
          qrt_bench_median (rates[0]) / qrt_bench_median (rates[2]));
  printf ("  QrtCache / MBTiles, 2 threads:       %.2f\n",
          qrt_bench_median (rates[1]) / qrt_bench_median (rates[3]));
  printf ("  QrtCache / MBTiles+mmap, 1 thread:   %.2f\n",
          qrt_bench_median (rates[0]) / qrt_bench_median (rates[4]));
  printf ("  QrtCache / MBTiles+mmap, 2 threads:  %.2f\n",
          qrt_bench_median (rates[1]) / qrt_bench_median (rates[5]));
  printf ("  QrtCache 2 threads / 1 thread: %.2f\n",
          qrt_bench_median (rates[1]) / qrt_bench_median (rates[0]));
  printf ("writing\n");
  printf ("  QrtCache put, a commit per tile (WAL): %9.0f tiles/s\n", n / t_put);
  printf ("  QrtCache put_tiles, 256 per commit:     %9.0f tiles/s\n", n / t_batch);
  printf ("  MBTiles INSERT, one transaction:       %9.0f tiles/s\n", n / t_ref);

  for (guint k = 0; k < 6; k++)
    g_array_unref (rates[k]);
  for (guint i = 0; i < 2; i++)
    {
      close_reference (plain[i]);
      close_reference (mapped[i]);
    }
  g_clear_object (&cache);
  {
    const char *argv_rm[] = { "rm", "-rf", dir, NULL };

    g_spawn_sync (NULL, (char **) argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  NULL, NULL);
  }
  return 0;
}
