/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-basemap-source.h"

/*
 * The base map under the project: a ShumateDataSource whose tiles come from QrtDataSpace,
 * which answers from the offline cache first and stores what it downloads. libshumate 1.0's
 * ShumateRasterRenderer sets a tile's picture only from the "received-data" signal, so the
 * source emits it before completing; a tile that cannot be had (offline and not cached, a
 * server error) fails with the core's GError and simply stays empty.
 *
 * Main thread only; the tile set is one of the core's static descriptions.
 */

struct _QrtBasemapSource
{
  ShumateDataSource  parent_instance;

  QrtDataSpace      *data_space;
  const QrtTileSet  *tile_set;

  guint              n_loaded;
  guint              n_failed;
};

G_DEFINE_FINAL_TYPE (QrtBasemapSource, qrt_basemap_source, SHUMATE_TYPE_DATA_SOURCE)

typedef struct
{
  int x;
  int y;
  int zoom;
} Request;

static void
tile_ready_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QrtBasemapSource *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = qrt_data_space_get_tile_finish (QRT_DATA_SPACE (object), result, &error);

  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Offline, a whole screen of tiles fails at once: say it once per source, quietly. */
          if (self->n_failed++ == 0)
            g_message ("Base map %s: tile %d/%d/%d not available: %s", self->tile_set->id,
                       request->zoom, request->x, request->y, error->message);
          else
            g_debug ("Base map %s: tile %d/%d/%d not available: %s", self->tile_set->id,
                     request->zoom, request->x, request->y, error->message);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->n_loaded++;
  g_signal_emit_by_name (self, "received-data", request->x, request->y, request->zoom, bytes);
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
qrt_basemap_source_get_tile_data_async (ShumateDataSource   *source,
                                        int                  x,
                                        int                  y,
                                        int                  zoom,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  QrtBasemapSource *self = QRT_BASEMAP_SOURCE (source);
  g_autoptr(GTask) task = NULL;
  Request *request;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_basemap_source_get_tile_data_async);

  request = g_new (Request, 1);
  request->x = x;
  request->y = y;
  request->zoom = zoom;
  g_task_set_task_data (task, request, g_free);

  qrt_data_space_get_tile_async (self->data_space, self->tile_set, zoom, x, y, cancellable,
                                 tile_ready_cb, g_steal_pointer (&task));
}

static GBytes *
qrt_basemap_source_get_tile_data_finish (ShumateDataSource  *source,
                                         GAsyncResult       *result,
                                         GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
qrt_basemap_source_dispose (GObject *object)
{
  QrtBasemapSource *self = QRT_BASEMAP_SOURCE (object);

  g_clear_object (&self->data_space);

  G_OBJECT_CLASS (qrt_basemap_source_parent_class)->dispose (object);
}

static void
qrt_basemap_source_class_init (QrtBasemapSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->dispose = qrt_basemap_source_dispose;

  source_class->get_tile_data_async = qrt_basemap_source_get_tile_data_async;
  source_class->get_tile_data_finish = qrt_basemap_source_get_tile_data_finish;
}

static void
qrt_basemap_source_init (QrtBasemapSource *self)
{
}

/**
 * qrt_basemap_source_new:
 * @data_space: the client that fetches and caches the tiles
 * @tile_set: (transfer none): a static tile set description from the core
 *
 * Returns: (transfer full): a data source of @tile_set's tiles
 */
QrtBasemapSource *
qrt_basemap_source_new (QrtDataSpace     *data_space,
                        const QrtTileSet *tile_set)
{
  QrtBasemapSource *self;

  g_return_val_if_fail (QRT_IS_DATA_SPACE (data_space), NULL);
  g_return_val_if_fail (tile_set != NULL, NULL);

  self = g_object_new (QRT_TYPE_BASEMAP_SOURCE, NULL);
  self->data_space = g_object_ref (data_space);
  self->tile_set = tile_set;

  return self;
}

const QrtTileSet *
qrt_basemap_source_get_tile_set (QrtBasemapSource *self)
{
  g_return_val_if_fail (QRT_IS_BASEMAP_SOURCE (self), NULL);

  return self->tile_set;
}

guint
qrt_basemap_source_get_n_loaded (QrtBasemapSource *self)
{
  g_return_val_if_fail (QRT_IS_BASEMAP_SOURCE (self), 0);

  return self->n_loaded;
}

guint
qrt_basemap_source_get_n_failed (QrtBasemapSource *self)
{
  g_return_val_if_fail (QRT_IS_BASEMAP_SOURCE (self), 0);

  return self->n_failed;
}

/**
 * qrt_basemap_renderer_new:
 * @generation: a number that changes when the tiles must be fetched again: ShumateMapLayer
 *   keeps tiles it has drawn by the source's id
 *
 * Returns: (transfer full): a raster map source drawing @tile_set, with its attribution
 */
ShumateRasterRenderer *
qrt_basemap_renderer_new (QrtDataSpace     *data_space,
                          const QrtTileSet *tile_set,
                          guint             generation)
{
  g_autoptr(QrtBasemapSource) source = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (QRT_IS_DATA_SPACE (data_space), NULL);
  g_return_val_if_fail (tile_set != NULL, NULL);

  source = qrt_basemap_source_new (data_space, tile_set);
  id = g_strdup_printf ("quartier-basemap-%s-%u", tile_set->id, generation);

  return shumate_raster_renderer_new_full (id, tile_set->title,
                                           tile_set->attribution, NULL,
                                           tile_set->min_zoom, tile_set->max_zoom,
                                           tile_set->tile_size > 0 ? tile_set->tile_size : 256,
                                           SHUMATE_MAP_PROJECTION_MERCATOR,
                                           SHUMATE_DATA_SOURCE (source));
}
