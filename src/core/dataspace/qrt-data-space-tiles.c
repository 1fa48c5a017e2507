/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "qrt-data-space-private.h"

/* Tiles asked for at once during an area download. */
#define IN_FLIGHT 4

static const QrtTileSet basemap_de = {
  .id = "basemap.de",
  .title = N_("basemap.de (colour)"),
  .url_template = "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/"
                  "de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png",
  .attribution = "© basemap.de / BKG",
  .licence = "CC BY 4.0",
  .min_zoom = 0,
  .max_zoom = 18,
  .tile_size = 256,
  .allow_bulk = TRUE,
};

/* https://operations.osmfoundation.org/policies/tiles/ forbids bulk downloading. */
static const QrtTileSet openstreetmap = {
  .id = "openstreetmap",
  .title = N_("OpenStreetMap"),
  .url_template = "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  .attribution = "© OpenStreetMap contributors",
  .licence = "ODbL 1.0",
  .min_zoom = 0,
  .max_zoom = 19,
  .tile_size = 256,
  .allow_bulk = FALSE,
};

static GMutex registry_lock;
static GPtrArray *registry;

static void
ensure_registry (void)
{
  if (registry != NULL)
    return;
  registry = g_ptr_array_new ();
  g_ptr_array_add (registry, (gpointer) &basemap_de);
  g_ptr_array_add (registry, (gpointer) &openstreetmap);
}

/**
 * qrt_tile_set_get_builtin:
 *
 * Returns: (transfer none): the base maps Quartier offers, %NULL-terminated.
 */
const QrtTileSet *const *
qrt_tile_set_get_builtin (void)
{
  static const QrtTileSet *const builtin[] = { &basemap_de, &openstreetmap, NULL };

  return builtin;
}

/**
 * qrt_tile_set_register:
 * @set: a tile set; copied
 *
 * Makes a further XYZ tile service known under its id (a user's own template, a test server).
 */
void
qrt_tile_set_register (const QrtTileSet *set)
{
  QrtTileSet *copy;

  g_return_if_fail (set != NULL && set->id != NULL && set->url_template != NULL);

  copy = g_new0 (QrtTileSet, 1);
  *copy = *set;
  /* Registered sets live as long as the process, like the built-in ones. */
  copy->id = g_intern_string (set->id);
  copy->title = g_intern_string (set->title ? set->title : set->id);
  copy->url_template = g_intern_string (set->url_template);
  copy->attribution = g_intern_string (set->attribution ? set->attribution : "");
  copy->licence = set->licence ? g_intern_string (set->licence) : NULL;
  if (copy->tile_size == 0)
    copy->tile_size = 256;
  if (copy->max_zoom == 0)
    copy->max_zoom = 19;

  g_mutex_lock (&registry_lock);
  ensure_registry ();
  g_ptr_array_add (registry, copy);
  g_mutex_unlock (&registry_lock);
}

const QrtTileSet *
qrt_tile_set_lookup (const char *id)
{
  const QrtTileSet *found = NULL;

  g_return_val_if_fail (id != NULL, NULL);

  g_mutex_lock (&registry_lock);
  ensure_registry ();
  /* The newest registration wins, so a test can replace a set. */
  for (guint i = registry->len; i > 0 && found == NULL; i--)
    if (g_str_equal (((QrtTileSet *) registry->pdata[i - 1])->id, id))
      found = registry->pdata[i - 1];
  g_mutex_unlock (&registry_lock);
  return found;
}

char *
qrt_tile_set_expand_url (const QrtTileSet *set,
                         int               z,
                         int               x,
                         int               y)
{
  GString *url;

  g_return_val_if_fail (set != NULL, NULL);

  url = g_string_new (NULL);
  for (const char *p = set->url_template; *p; p++)
    {
      if (g_str_has_prefix (p, "{z}"))
        g_string_append_printf (url, "%d", z), p += 2;
      else if (g_str_has_prefix (p, "{x}"))
        g_string_append_printf (url, "%d", x), p += 2;
      else if (g_str_has_prefix (p, "{y}"))
        g_string_append_printf (url, "%d", y), p += 2;
      else if (g_str_has_prefix (p, "{-y}"))
        g_string_append_printf (url, "%d", (1 << z) - 1 - y), p += 3;
      else
        g_string_append_c (url, *p);
    }
  return g_string_free (url, FALSE);
}

/* ---- One tile ---- */

typedef struct
{
  const QrtTileSet *set;
  int               z, x, y;
  GBytes           *bytes;
} Tile;

static void
tile_free (Tile *tile)
{
  g_clear_pointer (&tile->bytes, g_bytes_unref);
  g_free (tile);
}

static void
put_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Tile *tile = task_data;
  GError *error = NULL;

  if (!qrt_cache_put_tile (qrt_data_space_get_cache (source_object), tile->set->id, tile->z,
                           tile->x, tile->y, tile->bytes, &error))
    {
      /* The tile is still shown; only the offline copy is missing. */
      g_debug ("Cannot keep tile %d/%d/%d: %s", tile->z, tile->x, tile->y, error->message);
      g_error_free (error);
    }
  g_task_return_pointer (task, g_bytes_ref (tile->bytes), (GDestroyNotify) g_bytes_unref);
}

static void
tile_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;
  Tile *tile = g_task_get_task_data (task);
  GError *error = NULL;

  tile->bytes = qrt_data_space_fetch_body_finish (result, &error);
  if (tile->bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, put_worker);
}

static void
lookup_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Tile *tile = task_data;

  tile->bytes = qrt_cache_get_tile (qrt_data_space_get_cache (source_object), tile->set->id,
                                    tile->z, tile->x, tile->y);
  g_task_return_boolean (task, TRUE);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  QrtDataSpace *self = QRT_DATA_SPACE (source);
  Tile *tile = g_task_get_task_data (task);
  g_autofree char *url = NULL;
  GCancellable *cancellable;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (tile->bytes != NULL)
    {
      g_task_return_pointer (task, g_bytes_ref (tile->bytes), (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (qrt_data_space_get_offline (self))
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_OFFLINE,
                               _("Quartier is offline and this part of the base map is not in "
                                 "the cache."));
      return;
    }
  url = qrt_tile_set_expand_url (tile->set, tile->z, tile->x, tile->y);
  cancellable = g_task_get_cancellable (task);
  qrt_data_space_fetch_body_async (self, url, QRT_BODY_TILE, cancellable, tile_fetched_cb,
                                   g_steal_pointer (&task));
}

void
qrt_data_space_get_tile_async (QrtDataSpace        *self,
                               const QrtTileSet    *tile_set,
                               int                  z,
                               int                  x,
                               int                  y,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Tile *tile;

  g_return_if_fail (QRT_IS_DATA_SPACE (self));
  g_return_if_fail (tile_set != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_data_space_get_tile_async);

  if (z < 0 || z > 30 || x < 0 || y < 0 || x >= (1 << z) || y >= (1 << z))
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                               _("There is no tile %d/%d/%d."), z, x, y);
      return;
    }

  tile = g_new0 (Tile, 1);
  tile->set = tile_set;
  tile->z = z;
  tile->x = x;
  tile->y = y;
  g_task_set_task_data (task, tile, (GDestroyNotify) tile_free);

  /* The cache is SQLite: read in a worker, like every other database access. */
  qrt_data_space_run_step (self, task, lookup_worker, tile, NULL, looked_up_cb);
}

/**
 * qrt_data_space_get_tile_finish:
 *
 * Returns: (transfer full): the encoded tile (PNG or JPEG), or %NULL with @error set.
 */
GBytes *
qrt_data_space_get_tile_finish (QrtDataSpace  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- An offline area ---- */

typedef struct
{
  gint64            area_id;
  QrtOfflineArea   *area;
  const QrtTileSet *set;
  int               z, x, y;         /* the next tile to consider */
  int               x0, x1, y1;      /* tile ranges at z */
  gint64            done;
  gint64            total;
  guint             in_flight;
  GError           *error;
  QrtProgressFunc   progress;
  gpointer          progress_data;
} Download;

static void
download_free (Download *download)
{
  g_clear_pointer (&download->area, qrt_offline_area_free);
  g_clear_error (&download->error);
  g_free (download);
}

static int
lon_to_x (double lon,
          int    z)
{
  int n = 1 << z;
  int x = (int) floor ((lon + 180.0) / 360.0 * n);

  return CLAMP (x, 0, n - 1);
}

static int
lat_to_y (double lat,
          int    z)
{
  int n = 1 << z;
  double rad = CLAMP (lat, -85.0511, 85.0511) * G_PI / 180.0;
  int y = (int) floor ((1.0 - asinh (tan (rad)) / G_PI) / 2.0 * n);

  return CLAMP (y, 0, n - 1);
}

static void
download_ranges (Download *download)
{
  const QrtOfflineArea *area = download->area;

  download->x0 = lon_to_x (area->west, download->z);
  download->x1 = lon_to_x (area->east, download->z);
  download->y = lat_to_y (area->north, download->z);
  download->y1 = lat_to_y (area->south, download->z);
  download->x = download->x0;
}

/* Moves to the next tile of the area; FALSE when all were visited. */
static gboolean
download_advance (Download *download)
{
  if (++download->x <= download->x1)
    return TRUE;
  download->x = download->x0;
  if (++download->y <= download->y1)
    return TRUE;
  if (++download->z > download->area->max_zoom)
    return FALSE;
  download_ranges (download);
  return TRUE;
}

static void download_pump (GTask *task);

static void
area_tile_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GTask *task = data;
  Download *download = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  download->in_flight--;
  bytes = qrt_data_space_get_tile_finish (QRT_DATA_SPACE (source), result, &error);
  if (bytes == NULL && download->error == NULL)
    download->error = error;
  else if (error != NULL)
    g_error_free (error);
  download->done++;
  if (download->progress != NULL && download->total > 0)
    download->progress ((double) download->done / download->total, download->progress_data);
  download_pump (task);
}

static void
download_pump (GTask *task)
{
  QrtDataSpace *self = g_task_get_source_object (task);
  Download *download = g_task_get_task_data (task);

  while (download->error == NULL && download->z <= download->area->max_zoom &&
         download->in_flight < IN_FLIGHT && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      int z = download->z, x = download->x, y = download->y;
      gboolean more = download_advance (download);

      /* Tiles already cached come back from the cache without a request: that is the resume. */
      download->in_flight++;
      qrt_data_space_get_tile_async (self, download->set, z, x, y,
                                     g_task_get_cancellable (task), area_tile_cb, task);
      if (!more)
        download->z = download->area->max_zoom + 1;
    }

  if (download->in_flight > 0)
    return;
  if (download->error != NULL)
    g_task_return_error (task, g_steal_pointer (&download->error));
  else if (!g_task_return_error_if_cancelled (task))
    {
      if (download->progress != NULL)
        download->progress (1.0, download->progress_data);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

static void
area_worker (GTask        *step,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  QrtDataSpace *self = source_object;
  Download *download = task_data;
  GError *error = NULL;

  download->area = qrt_cache_get_area (qrt_data_space_get_cache (self), download->area_id, &error);
  if (download->area != NULL)
    g_task_return_boolean (step, TRUE);
  else
    {
      if (error == NULL)
        error = g_error_new (QRT_CACHE_ERROR, QRT_CACHE_ERROR_NOT_FOUND,
                             _("This offline area no longer exists."));
      g_task_return_error (step, error);
    }
}

static void
area_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GTask *task = data;
  QrtDataSpace *self = QRT_DATA_SPACE (source);
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  download->set = qrt_tile_set_lookup (download->area->tileset);
  if (download->set == NULL)
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                               _("The base map “%s” of this area is unknown."),
                               download->area->tileset);
      g_object_unref (task);
      return;
    }
  if (!download->set->allow_bulk)
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_REFUSED,
                               _("The tile policy of %s forbids downloading whole areas. "
                                 "Choose basemap.de for offline areas."),
                               _(download->set->title));
      g_object_unref (task);
      return;
    }
  if (qrt_data_space_get_offline (self))
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_OFFLINE,
                               _("Quartier is offline; go online to download the area."));
      g_object_unref (task);
      return;
    }

  download->total = download->area->tile_count;
  download->z = MAX (download->area->min_zoom, download->set->min_zoom);
  download->area->max_zoom = MIN (download->area->max_zoom, download->set->max_zoom);
  download_ranges (download);
  download_pump (task);
}

void
qrt_data_space_download_area_async (QrtDataSpace        *self,
                                    gint64               area_id,
                                    QrtProgressFunc      progress,
                                    gpointer             progress_data,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  Download *download;

  g_return_if_fail (QRT_IS_DATA_SPACE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_data_space_download_area_async);
  download = g_new0 (Download, 1);
  download->progress = progress;
  download->progress_data = progress_data;
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);

  download->area_id = area_id;
  /* The area is read in a worker, like every other database access. */
  qrt_data_space_run_step (self, task, area_worker, download, NULL, area_read_cb);
  g_object_unref (task);
}

gboolean
qrt_data_space_download_area_finish (QrtDataSpace  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
