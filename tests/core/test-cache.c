/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "qrt-core.h"
#include "qrt-test-util.h"

static char *work_dir;

/* A fresh folder per test: a cache owns its folder (the bodies live beside it). */
static char *
new_cache_path (void)
{
  static int counter;
  g_autofree char *name = g_strdup_printf ("cache-%d", ++counter);
  g_autofree char *dir = g_build_filename (work_dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return g_build_filename (dir, "cache.sqlite", NULL);
}

static QrtCache *
open_cache (const char *path)
{
  g_autoptr(GError) error = NULL;
  QrtCache *cache = qrt_cache_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cache);
  return cache;
}

/* Direct SQL on a cache or MBTiles file, to see what is really stored. */
static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
raw_exec (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static gint64
raw_int (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
raw_text (sqlite3    *db,
          const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* A tile's content follows from its key, so any thread can check what it reads. */
static GBytes *
tile_bytes (int    z,
            int    x,
            int    y,
            gsize  size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 31 + z * 7 + x * 13 + y * 17);
  if (size >= 4)
    memcpy (data, "\x89PNG", 4);
  return g_bytes_new_take (data, size);
}

static void
assert_tile (QrtCache   *cache,
             const char *tileset,
             int         z,
             int         x,
             int         y,
             gsize       size)
{
  g_autoptr(GBytes) got = qrt_cache_get_tile (cache, tileset, z, x, y);
  g_autoptr(GBytes) expected = tile_bytes (z, x, y, size);

  g_assert_nonnull (got);
  g_assert_true (g_bytes_equal (got, expected));
}

static void
put_tile (QrtCache   *cache,
          const char *tileset,
          int         z,
          int         x,
          int         y,
          gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = tile_bytes (z, x, y, size);

  g_assert_true (qrt_cache_put_tile (cache, tileset, z, x, y, data, &error));
  g_assert_no_error (error);
}

static void
assert_check (QrtCache *cache)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qrt_cache_check (cache, &error));
  g_assert_no_error (error);
}

static void
test_normalize_url (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "HTTP://Example.COM:80/a/b?z=1&a=2&a=1#frag", "http://example.com/a/b?a=2&a=1&z=1" },
    { "https://example.com:443/", "https://example.com/" },
    { "https://example.com:8443/x", "https://example.com:8443/x" },
    { "http://example.com:443/x", "http://example.com:443/x" },
    { "http://example.com/a%2Fb?q=%C3%A4&p", "http://example.com/a%2Fb?p&q=%C3%A4" },
    { "http://example.com", "http://example.com/" },
    { "http://example.com/?", "http://example.com/" },
    { "http://x.org/CamelCase?B=1&a=2", "http://x.org/CamelCase?B=1&a=2" },
    { "http://x.org/p?ab=1&a=2&a", "http://x.org/p?a=2&a&ab=1" },
    { "https://user@Host.example/p#", "https://user@host.example/p" },
    { "not a url", "not a url" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = qrt_cache_normalize_url (cases[i].in);

      g_assert_cmpstr (got, ==, cases[i].out);
    }
}

static void
test_is_fresh (void)
{
  QrtCacheEntry entry = { .fetched_at = 1000, .max_age = 60 };

  g_assert_true (qrt_cache_entry_is_fresh (&entry, 1000));
  g_assert_true (qrt_cache_entry_is_fresh (&entry, 1059));
  g_assert_false (qrt_cache_entry_is_fresh (&entry, 1060));
  entry.no_cache = TRUE;
  g_assert_false (qrt_cache_entry_is_fresh (&entry, 1001));
  entry.no_cache = FALSE;
  entry.max_age = -1;
  g_assert_false (qrt_cache_entry_is_fresh (&entry, 1000));
  entry.max_age = 0;
  g_assert_false (qrt_cache_entry_is_fresh (&entry, 1000));
}

static GBytes *
pattern_bytes (gsize size,
               guint seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) ((i * 2654435761u + seed) >> 13);
  return g_bytes_new_take (data, size);
}

static void
assert_body_file (const QrtCacheEntry *entry)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_nonnull (entry->body_path);
  g_assert_true (g_file_get_contents (entry->body_path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (entry->body, NULL),
                   g_bytes_get_size (entry->body));
}

static void
test_resource_round_trip (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) small = g_bytes_new_static ("{\"a\":1}", 7);
  g_autoptr(GBytes) large = pattern_bytes (600 * 1024, 1);
  g_autoptr(GBytes) replaced = pattern_bytes (300 * 1024, 2);
  g_autoptr(QrtCacheEntry) got = NULL;
  g_autofree char *old_body_path = NULL;
  QrtCacheEntry entry = {
    .url = (char *) "HTTP://Example.COM:80/wfs?typeName=x&service=WFS#top",
    .etag = (char *) "\"abc\"",
    .last_modified = (char *) "Sun, 22 Nov 2026 04:00:00 GMT",
    .content_type = (char *) "application/json",
    .fetched_at = 1700000000,
    .max_age = 3600,
    .body = small,
  };

  g_assert_true (qrt_cache_store (cache, &entry, &error));
  g_assert_no_error (error);

  got = qrt_cache_lookup (cache, "http://example.com/wfs?service=WFS&typeName=x", &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_cmpstr (got->url, ==, "http://example.com/wfs?service=WFS&typeName=x");
  g_assert_cmpstr (got->etag, ==, entry.etag);
  g_assert_cmpstr (got->last_modified, ==, entry.last_modified);
  g_assert_cmpstr (got->content_type, ==, entry.content_type);
  g_assert_cmpint (got->fetched_at, ==, entry.fetched_at);
  g_assert_cmpint (got->max_age, ==, 3600);
  g_assert_false (got->no_cache);
  g_assert_true (g_bytes_equal (got->body, small));
  assert_body_file (got);
  g_assert_true (qrt_cache_entry_is_fresh (got, entry.fetched_at + 10));
  g_assert_false (qrt_cache_entry_is_fresh (got, entry.fetched_at + 3600));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 7);
  g_clear_pointer (&got, qrt_cache_entry_free);

  /* A large body under another URL; a miss has no error. */
  entry.url = (char *) "https://example.com/big.zip";
  entry.etag = NULL;
  entry.no_cache = TRUE;
  entry.body = large;
  g_assert_true (qrt_cache_store (cache, &entry, &error));
  got = qrt_cache_lookup (cache, "https://example.com:443/big.zip", &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_null (got->etag);
  g_assert_true (got->no_cache);
  g_assert_false (qrt_cache_entry_is_fresh (got, entry.fetched_at));
  g_assert_true (g_bytes_equal (got->body, large));
  assert_body_file (got);
  old_body_path = g_strdup (got->body_path);
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 7 + 600 * 1024);
  g_clear_pointer (&got, qrt_cache_entry_free);
  g_assert_null (qrt_cache_lookup (cache, "https://example.com/other", &error));
  g_assert_no_error (error);

  /* A 304: fetched_at moves, max-age stays unless given. */
  g_assert_true (qrt_cache_revalidated (cache, "https://example.com/big.zip", 1700005000, -1,
                                        &error));
  got = qrt_cache_lookup (cache, "https://example.com/big.zip", &error);
  g_assert_cmpint (got->fetched_at, ==, 1700005000);
  g_assert_cmpint (got->max_age, ==, 3600);
  g_clear_pointer (&got, qrt_cache_entry_free);
  g_assert_true (qrt_cache_revalidated (cache, "https://example.com/big.zip", 1700006000, 60,
                                        &error));
  got = qrt_cache_lookup (cache, "https://example.com/big.zip", &error);
  g_assert_cmpint (got->max_age, ==, 60);
  g_assert_true (g_bytes_equal (got->body, large));
  g_clear_pointer (&got, qrt_cache_entry_free);
  g_assert_false (qrt_cache_revalidated (cache, "https://example.com/gone", 1, 1, &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Replacing swaps the body file; the old one goes. */
  entry.body = replaced;
  g_assert_true (qrt_cache_store (cache, &entry, &error));
  got = qrt_cache_lookup (cache, "https://example.com/big.zip", &error);
  g_assert_true (g_bytes_equal (got->body, replaced));
  g_assert_cmpstr (got->body_path, !=, old_body_path);
  g_assert_false (g_file_test (old_body_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 7 + 300 * 1024);
  g_free (old_body_path);
  old_body_path = g_strdup (got->body_path);
  g_clear_pointer (&got, qrt_cache_entry_free);

  g_assert_true (qrt_cache_remove (cache, "https://example.com/big.zip", &error));
  g_assert_no_error (error);
  g_assert_null (qrt_cache_lookup (cache, "https://example.com/big.zip", &error));
  g_assert_false (g_file_test (old_body_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 7);
  g_assert_true (qrt_cache_remove (cache, "https://example.com/big.zip", &error));

  /* An empty body (a 200 with nothing in it) is a file too. */
  entry.url = (char *) "https://example.com/empty";
  entry.body = NULL;
  g_assert_true (qrt_cache_store (cache, &entry, &error));
  got = qrt_cache_lookup (cache, entry.url, &error);
  g_assert_nonnull (got);
  g_assert_cmpuint (g_bytes_get_size (got->body), ==, 0);
  g_assert_true (g_file_test (got->body_path, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&got, qrt_cache_entry_free);
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 7);

  /* And it is all still there after reopening. */
  g_clear_object (&cache);
  cache = open_cache (path);
  g_assert_null (qrt_cache_get_recovered_from (cache));
  got = qrt_cache_lookup (cache, "http://example.com/wfs?typeName=x&service=WFS", &error);
  g_assert_nonnull (got);
  g_assert_true (g_bytes_equal (got->body, small));
  assert_check (cache);
}

static void
test_tiles (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  g_assert_null (qrt_cache_get_tile (cache, "osm", 3, 2, 1));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 3, 2, 1));
  put_tile (cache, "osm", 3, 2, 1, 5000);
  put_tile (cache, "osm", 0, 0, 0, 100);
  put_tile (cache, "topo", 3, 2, 6, 200);
  assert_tile (cache, "osm", 3, 2, 1, 5000);
  assert_tile (cache, "osm", 0, 0, 0, 100);
  assert_tile (cache, "topo", 3, 2, 6, 200);
  g_assert_true (qrt_cache_has_tile (cache, "osm", 3, 2, 1));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 3, 2, 6));
  g_assert_false (qrt_cache_has_tile (cache, "topo", 3, 2, 1));
  g_assert_false (qrt_cache_has_tile (cache, "nothing", 3, 2, 1));
  g_assert_null (qrt_cache_get_tile (cache, "osm", 3, 9, 1));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 5300);

  /* Replacing a tile replaces its size too. */
  put_tile (cache, "osm", 3, 2, 1, 700);
  assert_tile (cache, "osm", 3, 2, 1, 700);
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 1000);
  g_assert_true (qrt_cache_put_tile (cache, "osm", 1, 1, 1, empty, &error));
  got = qrt_cache_get_tile (cache, "osm", 1, 1, 1);
  g_assert_nonnull (got);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 0);

  /* MBTiles rows count from the south: XYZ y=1 at z=3 is TMS row 6. */
  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "SELECT tile_row FROM tiles t JOIN tilesets s"
                                " ON s.id = t.tileset_id WHERE s.name = 'osm'"
                                " AND zoom_level = 3 AND tile_column = 2"), ==, 6);
  g_assert_cmpint (raw_int (db, "SELECT tile_row FROM tiles t JOIN tilesets s"
                                " ON s.id = t.tileset_id WHERE s.name = 'topo'"
                                " AND zoom_level = 3 AND tile_column = 2"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT length(tile_data) FROM tiles t JOIN tilesets s"
                                " ON s.id = t.tileset_id WHERE s.name = 'osm'"
                                " AND zoom_level = 3"), ==, 700);
  sqlite3_close (db);
  assert_check (cache);
}

static void
test_put_tiles (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(GPtrArray) data = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  QrtCacheTile tiles[50];
  gint64 total = 0;

  put_tile (cache, "osm", 7, 0, 0, 99);   /* replaced by the batch */
  for (int i = 0; i < 50; i++)
    {
      gsize size = 100 + i;

      g_ptr_array_add (data, tile_bytes (7, i, i / 3, size));
      tiles[i] = (QrtCacheTile) { 7, i, i / 3, data->pdata[i] };
      total += size;
    }
  g_assert_true (qrt_cache_put_tiles (cache, "osm", tiles, 50, &error));
  g_assert_no_error (error);
  g_assert_true (qrt_cache_put_tiles (cache, "osm", tiles, 0, &error));
  for (int i = 0; i < 50; i++)
    assert_tile (cache, "osm", 7, i, i / 3, 100 + i);
  g_assert_cmpint (qrt_cache_get_size (cache), ==, total);
  assert_check (cache);
}

static void
set_last_used (const char *path,
               const char *table,
               const char *where,
               gint64      when)
{
  sqlite3 *db = raw_open (path);
  g_autofree char *sql = g_strdup_printf ("UPDATE %s SET last_used = %" G_GINT64_FORMAT " %s",
                                          table, when, where);

  raw_exec (db, sql);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

static void
set_tile_last_used (const char *path,
                    int         x,
                    gint64      when)
{
  g_autofree char *where = g_strdup_printf ("WHERE zoom_level = 5 AND tile_column = %d", x);

  set_last_used (path, "tiles", where, when);
}

static void
test_evict_lru (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = pattern_bytes (1000, 3);
  g_autoptr(QrtCacheEntry) got = NULL;
  g_autoptr(GBytes) touched = NULL;
  g_autofree char *body_path = NULL;
  QrtCacheEntry entry = { .url = (char *) "https://example.com/r", .max_age = -1, .body = body };

  for (int x = 1; x <= 4; x++)
    put_tile (cache, "osm", 5, x, 0, 1000);
  g_assert_true (qrt_cache_store (cache, &entry, &error));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 5000);
  set_tile_last_used (path, 1, 100);
  set_tile_last_used (path, 2, 400);
  set_tile_last_used (path, 3, 200);
  set_tile_last_used (path, 4, 300);
  set_last_used (path, "resources", "", 250);
  got = qrt_cache_lookup (cache, entry.url, &error);
  body_path = g_strdup (got->body_path);
  g_clear_pointer (&got, qrt_cache_entry_free);

  /* The lookup just now made the resource the newest; age it again. */
  set_last_used (path, "resources", "", 250);
  g_assert_true (qrt_cache_evict (cache, 3000, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 3000);
  g_assert_false (qrt_cache_has_tile (cache, "osm", 5, 1, 0));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 5, 3, 0));
  g_assert_true (qrt_cache_has_tile (cache, "osm", 5, 2, 0));
  g_assert_true (qrt_cache_has_tile (cache, "osm", 5, 4, 0));
  got = qrt_cache_lookup (cache, entry.url, &error);
  g_assert_nonnull (got);
  g_clear_pointer (&got, qrt_cache_entry_free);

  set_last_used (path, "resources", "", 250);
  g_assert_true (qrt_cache_evict (cache, 2000, &error));
  g_assert_null (qrt_cache_lookup (cache, entry.url, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (body_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 2000);

  /* Reading tile 2, made older than tile 4, makes it the newest. */
  set_tile_last_used (path, 2, 150);
  touched = qrt_cache_get_tile (cache, "osm", 5, 2, 0);
  g_assert_nonnull (touched);
  g_assert_true (qrt_cache_evict (cache, 1000, &error));
  g_assert_true (qrt_cache_has_tile (cache, "osm", 5, 2, 0));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 5, 4, 0));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 1000);
  assert_check (cache);
}

static void
test_max_size (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);

  g_assert_cmpint (qrt_cache_get_max_size (cache), ==, (gint64) 2 << 30);
  qrt_cache_set_max_size (cache, 10000);
  g_assert_cmpint (qrt_cache_get_max_size (cache), ==, 10000);
  for (int x = 0; x < 30; x++)
    {
      put_tile (cache, "osm", 6, x, 0, 1000);
      g_assert_cmpint (qrt_cache_get_size (cache), <=, 10000);
      g_assert_true (qrt_cache_has_tile (cache, "osm", 6, x, 0));
    }
  g_assert_false (qrt_cache_has_tile (cache, "osm", 6, 0, 0));
  g_assert_cmpint (qrt_cache_get_size (cache), >=, 8000);
  assert_check (cache);
}

#define KOELN 6.9, 50.9, 7.0, 51.0

static void
test_tile_count (void)
{
  g_assert_cmpint (qrt_tile_count_for_area (-180, -90, 180, 90, 0, 0), ==, 1);
  g_assert_cmpint (qrt_tile_count_for_area (-180, -90, 180, 90, 0, 2), ==, 1 + 4 + 16);
  g_assert_cmpint (qrt_tile_count_for_area (-180, -85.0511, 180, 85.0511, 3, 3), ==, 64);
  /* Köln: 10/531/342-343, 11: 2, 12: 2126-2127 × 1371-1373, 13: 15, 14: 45. */
  g_assert_cmpint (qrt_tile_count_for_area (KOELN, 10, 10), ==, 2);
  g_assert_cmpint (qrt_tile_count_for_area (KOELN, 12, 12), ==, 6);
  g_assert_cmpint (qrt_tile_count_for_area (KOELN, 10, 14), ==, 70);
  /* Across the antimeridian: at z2 columns 3 and 0, one row band on each side. */
  g_assert_cmpint (qrt_tile_count_for_area (170, -10, -170, 10, 2, 2), ==, 4);
  g_assert_cmpint (qrt_tile_count_for_area (170, -10, -170, 10, 0, 0), ==, 1);
  g_assert_cmpint (qrt_tile_count_for_area (KOELN, 5, 4), ==, 0);
}

static void
test_pinned (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autoptr(QrtOfflineArea) again = NULL;
  g_autoptr(GPtrArray) areas = NULL;

  area = qrt_cache_add_area (cache, "Köln", "osm", KOELN, 10, 12, &error);
  g_assert_no_error (error);
  g_assert_nonnull (area);
  g_assert_cmpstr (area->name, ==, "Köln");
  g_assert_cmpstr (area->tileset, ==, "osm");
  g_assert_cmpint (area->tile_count, ==, 10);
  g_assert_cmpint (area->stored_count, ==, 0);
  g_assert_cmpint (area->min_zoom, ==, 10);
  g_assert_cmpint (area->max_zoom, ==, 12);
  g_assert_cmpfloat (area->west, ==, 6.9);
  g_assert_cmpfloat (area->north, ==, 51.0);
  g_assert_cmpint (ABS (area->created_at - g_get_real_time () / G_USEC_PER_SEC), <=, 5);

  put_tile (cache, "osm", 10, 531, 342, 1000);   /* inside */
  put_tile (cache, "osm", 12, 2127, 1373, 500);  /* inside */
  put_tile (cache, "osm", 10, 530, 342, 1000);   /* west of it */
  put_tile (cache, "osm", 13, 4253, 2743, 1000); /* inside, but deeper than the area */
  put_tile (cache, "topo", 10, 531, 342, 1000);  /* another tile set */
  again = qrt_cache_get_area (cache, area->id, &error);
  g_assert_cmpint (again->stored_count, ==, 2);
  g_assert_cmpint (again->stored_bytes, ==, 1500);
  g_clear_pointer (&again, qrt_offline_area_free);

  g_assert_true (qrt_cache_evict (cache, 0, &error));
  g_assert_no_error (error);
  g_assert_true (qrt_cache_has_tile (cache, "osm", 10, 531, 342));
  g_assert_true (qrt_cache_has_tile (cache, "osm", 12, 2127, 1373));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 10, 530, 342));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 13, 4253, 2743));
  g_assert_false (qrt_cache_has_tile (cache, "topo", 10, 531, 342));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 1500);

  put_tile (cache, "osm", 10, 530, 342, 1000);
  g_assert_true (qrt_cache_purge (cache, FALSE, &error));
  g_assert_true (qrt_cache_has_tile (cache, "osm", 10, 531, 342));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 10, 530, 342));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 1500);

  areas = qrt_cache_list_areas (cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (areas->len, ==, 1);
  g_assert_cmpint (((QrtOfflineArea *) areas->pdata[0])->stored_count, ==, 2);
  g_clear_pointer (&areas, g_ptr_array_unref);

  g_assert_true (qrt_cache_purge (cache, TRUE, &error));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 10, 531, 342));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 0);
  again = qrt_cache_get_area (cache, area->id, &error);
  g_assert_nonnull (again);
  g_assert_cmpint (again->stored_count, ==, 0);

  /* Without the area its tiles are fair game. */
  put_tile (cache, "osm", 10, 531, 342, 1000);
  g_assert_true (qrt_cache_remove_area (cache, area->id, &error));
  g_assert_null (qrt_cache_get_area (cache, area->id, &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (qrt_cache_remove_area (cache, area->id, &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (qrt_cache_evict (cache, 0, &error));
  g_assert_false (qrt_cache_has_tile (cache, "osm", 10, 531, 342));
  areas = qrt_cache_list_areas (cache, &error);
  g_assert_cmpuint (areas->len, ==, 0);
  assert_check (cache);
}

static void
test_export_import (void)
{
  g_autofree char *path_a = new_cache_path ();
  g_autofree char *path_b = new_cache_path ();
  g_autofree char *mbtiles = g_build_filename (work_dir, "koeln.mbtiles", NULL);
  g_autoptr(QrtCache) a = open_cache (path_a);
  g_autoptr(QrtCache) b = open_cache (path_b);
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autoptr(QrtOfflineArea) imported = NULL;
  g_autofree char *text = NULL;
  sqlite3 *db;
  static const int tiles[][3] = {
    { 10, 531, 342 }, { 10, 531, 343 }, { 11, 1063, 685 }, { 11, 1063, 686 },
  };

  area = qrt_cache_add_area (a, "Köln", "osm", KOELN, 10, 11, &error);
  g_assert_no_error (error);
  g_assert_cmpint (area->tile_count, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (tiles); i++)
    put_tile (a, "osm", tiles[i][0], tiles[i][1], tiles[i][2], 3000 + i * 100);
  put_tile (a, "osm", 10, 100, 100, 999);   /* not in the area */
  put_tile (a, "topo", 10, 531, 342, 999);  /* not in its tile set */
  g_clear_pointer (&area, qrt_offline_area_free);
  area = qrt_cache_get_area (a, 1, &error);
  g_assert_cmpint (area->stored_count, ==, 4);

  g_assert_false (qrt_cache_export_area (a, 99, mbtiles, &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (qrt_cache_export_area (a, area->id, mbtiles, &error));
  g_assert_no_error (error);

  /* A plain MBTiles file. */
  db = raw_open (mbtiles);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM tiles"), ==, 4);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM tiles WHERE zoom_level = 10"
                                " AND tile_column = 531 AND tile_row = 1023 - 342"), ==, 1);
  text = raw_text (db, "SELECT value FROM metadata WHERE name = 'format'");
  g_assert_cmpstr (text, ==, "png");
  g_free (text);
  text = raw_text (db, "SELECT value FROM metadata WHERE name = 'name'");
  g_assert_cmpstr (text, ==, "Köln");
  g_free (text);
  text = raw_text (db, "SELECT value FROM metadata WHERE name = 'bounds'");
  g_assert_cmpstr (text, ==, "6.9,50.9,7,51");
  g_free (text);
  text = raw_text (db, "SELECT value FROM metadata WHERE name = 'type'");
  g_assert_cmpstr (text, ==, "baselayer");
  g_assert_cmpint (raw_int (db, "SELECT value FROM metadata WHERE name = 'minzoom'"), ==, 10);
  g_assert_cmpint (raw_int (db, "SELECT value FROM metadata WHERE name = 'maxzoom'"), ==, 11);
  sqlite3_close (db);
  {
    g_autoptr(GDir) dir = g_dir_open (work_dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      g_assert_false (g_str_has_prefix (name, "koeln.mbtiles."));
  }

  imported = qrt_cache_import_mbtiles (b, mbtiles, "offline", &error);
  g_assert_no_error (error);
  g_assert_nonnull (imported);
  g_assert_cmpstr (imported->name, ==, "Köln");
  g_assert_cmpstr (imported->tileset, ==, "offline");
  g_assert_cmpfloat (imported->west, ==, area->west);
  g_assert_cmpfloat (imported->south, ==, area->south);
  g_assert_cmpfloat (imported->east, ==, area->east);
  g_assert_cmpfloat (imported->north, ==, area->north);
  g_assert_cmpint (imported->min_zoom, ==, 10);
  g_assert_cmpint (imported->max_zoom, ==, 11);
  g_assert_cmpint (imported->tile_count, ==, 4);
  g_assert_cmpint (imported->stored_count, ==, 4);
  g_assert_cmpint (imported->stored_bytes, ==, area->stored_bytes);
  for (guint i = 0; i < G_N_ELEMENTS (tiles); i++)
    {
      g_autoptr(GBytes) from = qrt_cache_get_tile (a, "osm", tiles[i][0], tiles[i][1],
                                                   tiles[i][2]);
      g_autoptr(GBytes) to = qrt_cache_get_tile (b, "offline", tiles[i][0], tiles[i][1],
                                                 tiles[i][2]);

      g_assert_nonnull (to);
      g_assert_true (g_bytes_equal (from, to));
    }
  g_assert_false (qrt_cache_has_tile (b, "offline", 10, 100, 100));
  g_assert_cmpint (qrt_cache_get_size (b), ==, area->stored_bytes);

  /* The import is pinned. */
  g_assert_true (qrt_cache_evict (b, 0, &error));
  g_assert_cmpint (qrt_cache_get_size (b), ==, area->stored_bytes);
  assert_check (a);
  assert_check (b);
}

static void
test_import_without_metadata (void)
{
  g_autofree char *path = new_cache_path ();
  g_autofree char *mbtiles = g_build_filename (work_dir, "bare.mbtiles", NULL);
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(QrtOfflineArea) area = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  g_unlink (mbtiles);
  db = raw_open (mbtiles);
  raw_exec (db, "CREATE TABLE metadata (name TEXT, value TEXT);"
                "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
                " tile_data BLOB);"
                /* 12/2126/1371 and 12/2127/1372 in XYZ */
                "INSERT INTO tiles VALUES (12, 2126, 4095 - 1371, x'89504e47aa');"
                "INSERT INTO tiles VALUES (12, 2127, 4095 - 1372, x'89504e47bbcc');");
  sqlite3_close (db);

  area = qrt_cache_import_mbtiles (cache, mbtiles, "osm", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (area->name, ==, "bare.mbtiles");
  g_assert_cmpint (area->min_zoom, ==, 12);
  g_assert_cmpint (area->max_zoom, ==, 12);
  g_assert_cmpint (area->tile_count, ==, 4);   /* the 2 × 2 block the two tiles span */
  g_assert_cmpint (area->stored_count, ==, 2);
  g_assert_cmpint (area->stored_bytes, ==, 11);
  g_assert_true (qrt_cache_has_tile (cache, "osm", 12, 2127, 1372));
  g_assert_true (qrt_cache_evict (cache, 0, &error));
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 11);
}

static void
assert_not_mbtiles (QrtCache   *cache,
                    const char *name)
{
  g_autofree char *file = g_build_filename (work_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (qrt_cache_import_mbtiles (cache, file, "osm", &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, name));
}

static void
test_import_invalid (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autofree char *text = g_build_filename (work_dir, "hello.txt", NULL);
  g_autofree char *other = g_build_filename (work_dir, "other.sqlite", NULL);
  g_autofree char *empty = g_build_filename (work_dir, "empty.mbtiles", NULL);
  g_autofree char *missing = g_build_filename (work_dir, "missing.mbtiles", NULL);
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  g_assert_true (g_file_set_contents (text, "hello, world\n", -1, NULL));
  assert_not_mbtiles (cache, "hello.txt");

  db = raw_open (other);
  raw_exec (db, "CREATE TABLE things (a, b); INSERT INTO things VALUES (1, 2);");
  sqlite3_close (db);
  assert_not_mbtiles (cache, "other.sqlite");

  db = raw_open (empty);
  raw_exec (db, "CREATE TABLE metadata (name TEXT, value TEXT);"
                "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
                " tile_data BLOB);");
  sqlite3_close (db);
  assert_not_mbtiles (cache, "empty.mbtiles");

  g_assert_null (qrt_cache_import_mbtiles (cache, missing, "osm", &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO);

  areas = qrt_cache_list_areas (cache, NULL);
  g_assert_cmpuint (areas->len, ==, 0);
  g_assert_cmpint (qrt_cache_get_size (cache), ==, 0);
}

static void
assert_recovered (const char   *path,
                  const guint8 *damaged,
                  gsize         damaged_len)
{
  g_autoptr(QrtCache) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *aside = NULL;
  gsize aside_len;
  const char *recovered;

  cache = qrt_cache_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cache);
  recovered = qrt_cache_get_recovered_from (cache);
  g_assert_nonnull (recovered);
  g_assert_true (g_str_has_prefix (recovered, path));
  g_assert_nonnull (strstr (recovered, ".corrupt-"));
  g_assert_true (g_file_get_contents (recovered, &aside, &aside_len, NULL));
  g_assert_cmpmem (aside, aside_len, damaged, damaged_len);

  /* The new cache works. */
  put_tile (cache, "osm", 4, 3, 2, 1234);
  assert_tile (cache, "osm", 4, 3, 2, 1234);
  assert_check (cache);
  g_clear_object (&cache);

  cache = open_cache (path);
  g_assert_null (qrt_cache_get_recovered_from (cache));
  assert_tile (cache, "osm", 4, 3, 2, 1234);
}

static void
test_recover_garbage (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(GBytes) garbage = pattern_bytes (8192, 7);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (garbage, NULL), 8192, NULL));
  assert_recovered (path, g_bytes_get_data (garbage, NULL), 8192);
}

static void
test_recover_truncated (void)
{
  g_autofree char *path = new_cache_path ();
  g_autofree char *contents = NULL;
  gsize len;

  {
    g_autoptr(QrtCache) cache = open_cache (path);

    for (int x = 0; x < 300; x++)
      put_tile (cache, "osm", 9, x, 7, 4000);
  }
  /* Closing checkpointed the WAL into the file; cut it in the middle of the tiles. */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 1000000);
  len = len * 3 / 5;
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  assert_recovered (path, (const guint8 *) contents, len);
}

static void
test_check_detects (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  put_tile (cache, "osm", 2, 1, 1, 100);
  assert_check (cache);
  db = raw_open (path);
  raw_exec (db, "UPDATE usage SET bytes = bytes + 1");
  sqlite3_close (db);
  g_assert_false (qrt_cache_check (cache, &error));
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO);
}

typedef struct
{
  QrtCache *cache;
  guint     seed;
  gint      wrong;
  gint      hits;
} Worker;

static gpointer
tiles_worker (gpointer data)
{
  Worker *worker = data;
  GRand *rand = g_rand_new_with_seed (worker->seed);

  for (int i = 0; i < 1500; i++)
    {
      int x = g_rand_int_range (rand, 0, 40), y = g_rand_int_range (rand, 0, 40);
      gsize size = 500 + (x * 40 + y) % 700;

      if (g_rand_boolean (rand))
        {
          g_autoptr(GBytes) data_ = tile_bytes (8, x, y, size);

          if (!qrt_cache_put_tile (worker->cache, "osm", 8, x, y, data_, NULL))
            g_atomic_int_inc (&worker->wrong);
        }
      else
        {
          g_autoptr(GBytes) got = qrt_cache_get_tile (worker->cache, "osm", 8, x, y);
          g_autoptr(GBytes) expected = tile_bytes (8, x, y, size);

          if (got != NULL)
            {
              worker->hits++;
              if (!g_bytes_equal (got, expected))
                g_atomic_int_inc (&worker->wrong);
            }
        }
    }
  g_rand_free (rand);
  return NULL;
}

static void
test_concurrency (void)
{
  g_autofree char *path = new_cache_path ();
  g_autoptr(QrtCache) cache = open_cache (path);
  Worker workers[4];
  GThread *threads[4];
  gint64 expected_size = 0;
  int hits = 0;

  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      workers[i] = (Worker) { cache, 17 + i, 0, 0 };
      threads[i] = g_thread_new ("cache-test", tiles_worker, &workers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpint (workers[i].wrong, ==, 0);
      hits += workers[i].hits;
    }
  g_assert_cmpint (hits, >, 0);
  for (int x = 0; x < 40; x++)
    for (int y = 0; y < 40; y++)
      if (qrt_cache_has_tile (cache, "osm", 8, x, y))
        expected_size += 500 + (x * 40 + y) % 700;
  g_assert_cmpint (qrt_cache_get_size (cache), ==, expected_size);
  assert_check (cache);
}

static void
assert_no_temp_files (const char *cache_path)
{
  g_autofree char *dir_path = g_path_get_dirname (cache_path);
  g_autofree char *bodies = g_build_filename (dir_path, "bodies", NULL);
  g_autoptr(GDir) dir = g_dir_open (bodies, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_false (g_str_has_prefix (name, ".tmp-"));
      n++;
    }
  g_assert_cmpuint (n, ==, 1);
}

static void
test_failed_store_keeps_old (void)
{
  g_autofree char *path = new_cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *bodies = g_build_filename (dir, "bodies", NULL);
  g_autofree char *tmp_left = g_build_filename (bodies, ".tmp-abc123", NULL);
  g_autofree char *orphan = g_build_filename (bodies, "0123456789abcdef0123456789abcdef"
                                              "0123456789abcdef0123456789abcdef-deadbeef",
                                              NULL);
  g_autoptr(QrtCache) cache = open_cache (path);
  g_autoptr(GBytes) old_body = pattern_bytes (1 << 20, 11);
  g_autoptr(GBytes) new_body = pattern_bytes (1 << 20, 12);
  g_autoptr(QrtCacheEntry) got = NULL;
  g_autoptr(GError) error = NULL;
  QrtCacheEntry entry = {
    .url = (char *) "https://example.com/district.gpkg",
    .etag = (char *) "\"v1\"",
    .max_age = -1,
    .body = old_body,
  };
  struct rlimit saved, tiny;

  g_assert_true (qrt_cache_store (cache, &entry, &error));
  g_assert_no_error (error);

  /* "Disk full": a file size limit makes the body write fail half way (EFBIG). */
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  tiny = saved;
  tiny.rlim_cur = 64 * 1024;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &tiny), ==, 0);
  entry.etag = (char *) "\"v2\"";
  entry.body = new_body;
  g_assert_false (qrt_cache_store (cache, &entry, &error));
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO);
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  got = qrt_cache_lookup (cache, entry.url, &error);
  g_assert_nonnull (got);
  g_assert_cmpstr (got->etag, ==, "\"v1\"");
  g_assert_true (g_bytes_equal (got->body, old_body));
  assert_body_file (got);
  g_clear_pointer (&got, qrt_cache_entry_free);
  assert_no_temp_files (path);

  /* The database itself cannot grow: a tile write fails, the previous tile stays. */
  put_tile (cache, "osm", 3, 1, 1, 1000);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autoptr(GBytes) big = pattern_bytes (256 * 1024, 13);
    GStatBuf st;

    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    tiny.rlim_cur = st.st_size + 32 * 1024;
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &tiny), ==, 0);
    g_assert_false (qrt_cache_put_tile (cache, "osm", 3, 1, 1, big, &error));
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
    g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO);
    g_clear_error (&error);
  }
  assert_tile (cache, "osm", 3, 1, 1, 1000);
  assert_check (cache);

  /* An unwritable bodies folder (root writes anyway: then only the above is tested). */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (bodies, 0500), ==, 0);
      g_assert_false (qrt_cache_store (cache, &entry, &error));
      g_assert_cmpint (g_chmod (bodies, 0700), ==, 0);
      g_assert_error (error, QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO);
      g_clear_error (&error);
      got = qrt_cache_lookup (cache, entry.url, &error);
      g_assert_true (g_bytes_equal (got->body, old_body));
      g_clear_pointer (&got, qrt_cache_entry_free);
    }
  else
    g_test_message ("running as root: the read-only folder case is not tested");

  /* What a crash mid-store leaves: a temporary file, a body no row names. Both go at open. */
  g_clear_object (&cache);
  g_assert_true (g_file_set_contents (tmp_left, "half", -1, NULL));
  g_assert_true (g_file_set_contents (orphan, "orphan", -1, NULL));
  cache = open_cache (path);
  g_assert_false (g_file_test (tmp_left, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (orphan, G_FILE_TEST_EXISTS));
  got = qrt_cache_lookup (cache, entry.url, &error);
  g_assert_nonnull (got);
  g_assert_true (g_bytes_equal (got->body, old_body));
  g_clear_pointer (&got, qrt_cache_entry_free);

  /* And the store works again once there is room. */
  g_assert_true (qrt_cache_store (cache, &entry, &error));
  got = qrt_cache_lookup (cache, entry.url, &error);
  g_assert_true (g_bytes_equal (got->body, new_body));
  assert_no_temp_files (path);
  assert_check (cache);
}

static void
test_default_path (void)
{
  g_autoptr(QrtCache) cache = open_cache (NULL);
  g_autofree char *expected = g_build_filename (g_get_user_cache_dir (), "quartier",
                                                "cache.sqlite", NULL);
  sqlite3 *db;
  g_autofree char *mode = NULL;

  g_assert_cmpstr (qrt_cache_get_path (cache), ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
  db = raw_open (expected);
  mode = raw_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 1);
  sqlite3_close (db);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  work_dir = g_dir_make_tmp ("quartier-cache-XXXXXX", NULL);
  qrt_core_init ();

  g_test_add_func ("/cache/url/normalize", test_normalize_url);
  g_test_add_func ("/cache/resource/is-fresh", test_is_fresh);
  g_test_add_func ("/cache/resource/round-trip", test_resource_round_trip);
  g_test_add_func ("/cache/resource/failed-store-keeps-old", test_failed_store_keeps_old);
  g_test_add_func ("/cache/tile/put-get", test_tiles);
  g_test_add_func ("/cache/tile/put-many", test_put_tiles);
  g_test_add_func ("/cache/evict/lru", test_evict_lru);
  g_test_add_func ("/cache/evict/max-size", test_max_size);
  g_test_add_func ("/cache/evict/pinned", test_pinned);
  g_test_add_func ("/cache/area/tile-count", test_tile_count);
  g_test_add_func ("/cache/area/export-import", test_export_import);
  g_test_add_func ("/cache/area/import-without-metadata", test_import_without_metadata);
  g_test_add_func ("/cache/area/import-invalid", test_import_invalid);
  g_test_add_func ("/cache/recover/garbage", test_recover_garbage);
  g_test_add_func ("/cache/recover/truncated", test_recover_truncated);
  g_test_add_func ("/cache/check/detects", test_check_detects);
  g_test_add_func ("/cache/concurrency", test_concurrency);
  g_test_add_func ("/cache/default-path", test_default_path);

  status = g_test_run ();
  qrt_test_remove_tree (work_dir);
  g_free (work_dir);
  return status;
}
