/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-tile-cache.h"

/*
 * An LRU of rendered tiles, shared by the render threads (one mutex; lookups are a hash and
 * a list splice, nothing slow happens under the lock). The key includes a signature of the
 * layers and styles that draw on the tile, so after a style change only the tiles that layer
 * touches miss; the others are served from here.
 */

typedef struct
{
  QrtTileKey  key;
  GBytes     *pixels;
  gsize       stride;
  GList       link;    /* in lru, most recent first; data points to the entry */
} Entry;

struct _QrtTileCache
{
  GMutex      lock;
  GHashTable *entries;   /* QrtTileKey* -> Entry* (owned) */
  GQueue      lru;
  gsize       size;
  gsize       max_bytes;
};

static guint
key_hash (gconstpointer data)
{
  const QrtTileKey *key = data;
  guint64 h = key->signature;

  h = h * 1099511628211u ^ key->zoom;
  h = h * 1099511628211u ^ key->x;
  h = h * 1099511628211u ^ key->y;
  h = h * 1099511628211u ^ key->size;
  return (guint) (h ^ (h >> 32));
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  const QrtTileKey *ka = a, *kb = b;

  return ka->zoom == kb->zoom && ka->x == kb->x && ka->y == kb->y && ka->size == kb->size &&
         ka->signature == kb->signature;
}

static void
entry_free (Entry *entry)
{
  g_bytes_unref (entry->pixels);
  g_free (entry);
}

/**
 * qrt_tile_cache_new:
 * @max_bytes: pixel bytes to keep at most
 *
 * Returns: (transfer full): an empty cache.
 */
QrtTileCache *
qrt_tile_cache_new (gsize max_bytes)
{
  QrtTileCache *cache = g_new0 (QrtTileCache, 1);

  g_mutex_init (&cache->lock);
  cache->entries = g_hash_table_new_full (key_hash, key_equal, NULL, (GDestroyNotify) entry_free);
  g_queue_init (&cache->lru);
  cache->max_bytes = max_bytes;
  return cache;
}

void
qrt_tile_cache_free (QrtTileCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->entries);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

/**
 * qrt_tile_cache_lookup:
 * @stride: (out): bytes per row of the result
 *
 * Returns: (transfer full) (nullable): the tile's pixels, or %NULL on a miss.
 */
GBytes *
qrt_tile_cache_lookup (QrtTileCache     *cache,
                       const QrtTileKey *key,
                       gsize            *stride)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_val_if_fail (cache != NULL && key != NULL && stride != NULL, NULL);

  locker = g_mutex_locker_new (&cache->lock);
  entry = g_hash_table_lookup (cache->entries, key);
  if (entry == NULL)
    return NULL;
  g_queue_unlink (&cache->lru, &entry->link);
  g_queue_push_head_link (&cache->lru, &entry->link);
  *stride = entry->stride;
  return g_bytes_ref (entry->pixels);
}

void
qrt_tile_cache_insert (QrtTileCache     *cache,
                       const QrtTileKey *key,
                       GBytes           *pixels,
                       gsize             stride)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_if_fail (cache != NULL && key != NULL && pixels != NULL);

  locker = g_mutex_locker_new (&cache->lock);
  if (g_hash_table_contains (cache->entries, key))
    return;

  entry = g_new0 (Entry, 1);
  entry->key = *key;
  entry->pixels = g_bytes_ref (pixels);
  entry->stride = stride;
  entry->link.data = entry;
  g_queue_push_head_link (&cache->lru, &entry->link);
  g_hash_table_insert (cache->entries, &entry->key, entry);
  cache->size += g_bytes_get_size (pixels);

  while (cache->size > cache->max_bytes && cache->lru.length > 1)
    {
      GList *last = g_queue_pop_tail_link (&cache->lru);
      Entry *old = last->data;

      cache->size -= g_bytes_get_size (old->pixels);
      g_hash_table_remove (cache->entries, &old->key);
    }
}

gsize
qrt_tile_cache_get_size (QrtTileCache *cache)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&cache->lock);

  return cache->size;
}

guint
qrt_tile_cache_get_n_tiles (QrtTileCache *cache)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&cache->lock);

  return cache->lru.length;
}
