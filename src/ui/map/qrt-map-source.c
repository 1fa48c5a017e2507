/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#ifdef __linux__
# include <sys/resource.h>
# include <unistd.h>
#endif

#include "qrt-map-source.h"

/*
 * A ShumateMapSource that draws its tiles itself: each tile is painted by the core's
 * QrtTileRender in a GTask worker, turned into a GdkMemoryTexture there, and handed to the
 * ShumateTile on the main thread. The renderer is immutable, so any number of workers share it.
 *
 * A source stands for one look of the map: when the look changes (a layer shown or hidden),
 * the window makes a new source with a new id, because ShumateMapLayer caches tiles by id.
 * Sources share the window's tile cache, keyed by what each tile shows
 * (qrt_tile_render_signature), so a new source re-renders only the tiles the change touched.
 */

/* The window's QrtTileCache, reference counted: a worker still drawing a tile for a window
 * that was closed meanwhile keeps the cache alive until it is done. */
struct _QrtMapTileCache
{
  QrtTileCache *cache;
};

struct _QrtMapSource
{
  ShumateMapSource  parent_instance;

  QrtTileRender    *renderer;
  QrtMapTileCache  *cache;
  int               scale_factor;

  /* Main thread only: tiles handed to a worker and not completed yet, and totals since
   * construction, so that a caller can tell when a view it asked for has been drawn. */
  guint             n_pending;
  guint             n_requested;
  guint             n_rendered;
  guint             n_cache_hits;
};

G_DEFINE_FINAL_TYPE (QrtMapSource, qrt_map_source, SHUMATE_TYPE_MAP_SOURCE)

enum {
  PROP_0,
  PROP_RENDERER,
  PROP_CACHE,
  PROP_SCALE_FACTOR,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What a worker needs to paint one tile: copied out of the ShumateTile, which stays on the
 * main thread. */
typedef struct
{
  QrtTileRender   *renderer;
  QrtMapTileCache *cache;
  guint            x;
  guint            y;
  guint            zoom;
  guint            size;
} Render;

/* What a worker hands back: the texture, and whether it came from the cache. */
typedef struct
{
  GdkTexture *texture;
  gboolean    cached;
} Rendered;

static void
render_free (Render *render)
{
  g_clear_object (&render->renderer);
  g_clear_pointer (&render->cache, qrt_map_tile_cache_unref);
  g_free (render);
}

static void
rendered_free (Rendered *rendered)
{
  g_clear_object (&rendered->texture);
  g_free (rendered);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Rendered, rendered_free)

static void
set_n_pending (QrtMapSource *self,
               guint         n_pending)
{
  gboolean was_busy = self->n_pending > 0;

  self->n_pending = n_pending;

  if (was_busy != (n_pending > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
render_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Render *render = task_data;
  g_autoptr(GBytes) pixels = NULL;
  Rendered *rendered;
  QrtTileKey key;
  gsize stride = 0;

  if (g_task_return_error_if_cancelled (task))
    return;

  /* The lookup happens here too, not on the main thread: hashing the layers and styles that
   * touch the tile costs a walk over the layers. */
  key = (QrtTileKey) {
    .zoom = render->zoom,
    .x = render->x,
    .y = render->y,
    .size = render->size,
    .signature = qrt_tile_render_signature (render->renderer, render->zoom,
                                            render->x, render->y),
  };
  if (render->cache != NULL)
    pixels = qrt_tile_cache_lookup (render->cache->cache, &key, &stride);

  rendered = g_new0 (Rendered, 1);
  rendered->cached = pixels != NULL;

  if (pixels == NULL)
    {
      pixels = qrt_tile_render_tile (render->renderer,
                                     render->zoom, render->x, render->y,
                                     render->size,
                                     cancellable,
                                     &stride);

      if (g_task_return_error_if_cancelled (task))
        {
          rendered_free (rendered);
          return;
        }

      if (pixels == NULL || stride == 0)
        {
          rendered_free (rendered);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                   "Could not render tile %u/%u/%u",
                                   render->zoom, render->x, render->y);
          return;
        }

      if (render->cache != NULL)
        qrt_tile_cache_insert (render->cache->cache, &key, pixels, stride);
    }

  /* cairo's ARGB32 is premultiplied native-endian 32-bit words, which is exactly what
   * GDK_MEMORY_DEFAULT means on either byte order. The texture shares the cached bytes. */
  rendered->texture = gdk_memory_texture_new (render->size, render->size,
                                              GDK_MEMORY_DEFAULT,
                                              pixels, stride);
  g_task_return_pointer (task, rendered, (GDestroyNotify) rendered_free);
}

static void
render_pool_func (gpointer data,
                  gpointer user_data)
{
  g_autoptr(GTask) task = data;
#ifdef __linux__
  static _Thread_local gboolean reniced;

  /* Below the GTK thread: with every core busy drawing tiles, the main thread would otherwise
   * get a share of a core too small to keep panning and zooming smooth. */
  if (!reniced)
    {
      reniced = TRUE;
      if (setpriority (PRIO_PROCESS, (id_t) gettid (), 10) != 0)
        g_debug ("Could not lower the priority of a tile thread");
    }
#endif

  render_worker (task,
                 g_task_get_source_object (task),
                 g_task_get_task_data (task),
                 g_task_get_cancellable (task));
}

/* One pool for the process, one thread per core: GTask's shared pool would start up to ten
 * threads for a screenful of tiles, more than the cores, and leave GTK waiting for CPU.
 * Exclusive, so that its lowered priority never passes on to other GLib workers. */
static GThreadPool *
get_render_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      g_autoptr(GError) error = NULL;
      int n_threads = (int) MAX (1, g_get_num_processors ());
      GThreadPool *new_pool;

      new_pool = g_thread_pool_new (render_pool_func, NULL, n_threads, TRUE, &error);
      if (new_pool == NULL)
        {
          /* Threads started on demand instead: that cannot fail here. */
          g_warning ("Could not start the tile rendering threads: %s", error->message);
          new_pool = g_thread_pool_new (render_pool_func, NULL, n_threads, FALSE, NULL);
        }
      g_once_init_leave (&pool, new_pool);
    }

  return pool;
}

static void
render_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  QrtMapSource *self = QRT_MAP_SOURCE (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(Rendered) rendered = NULL;
  g_autoptr(GError) error = NULL;
  ShumateTile *tile = g_task_get_task_data (task);

  rendered = g_task_propagate_pointer (G_TASK (result), &error);

  if (rendered == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("%s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else if (!g_task_return_error_if_cancelled (task))
    {
      shumate_tile_set_paintable (tile, GDK_PAINTABLE (rendered->texture));
      /* A tile from the cache looks exactly as before the change: no fade. */
      shumate_tile_set_fade_in (tile, !rendered->cached);
      shumate_tile_set_state (tile, SHUMATE_STATE_DONE);
      self->n_rendered++;
      if (rendered->cached)
        self->n_cache_hits++;
      g_task_return_boolean (task, TRUE);
    }

  /* Only now: the map layer, called back above, asks for the next tiles right away when the
   * view moved, so "not busy" is not announced between two batches. */
  set_n_pending (self, self->n_pending - 1);
}

static void
qrt_map_source_fill_tile_async (ShumateMapSource    *source,
                                ShumateTile         *tile,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  QrtMapSource *self = QRT_MAP_SOURCE (source);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) render_task = NULL;
  Render *render;

  g_assert (SHUMATE_IS_TILE (tile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_map_source_fill_tile_async);
  g_task_set_task_data (task, g_object_ref (tile), g_object_unref);

  if (g_task_return_error_if_cancelled (task))
    return;

  render = g_new0 (Render, 1);
  render->renderer = g_object_ref (self->renderer);
  render->cache = self->cache != NULL ? qrt_map_tile_cache_ref (self->cache) : NULL;
  render->x = shumate_tile_get_x (tile);
  render->y = shumate_tile_get_y (tile);
  render->zoom = shumate_tile_get_zoom_level (tile);
  render->size = shumate_tile_get_size (tile) * MAX (1, self->scale_factor);

  shumate_tile_set_state (tile, SHUMATE_STATE_LOADING);

  self->n_requested++;
  set_n_pending (self, self->n_pending + 1);

  /* The inner task does the work in a thread; the outer one is completed on the main thread
   * once the tile holds its texture, exactly once on every path. */
  render_task = g_task_new (self, cancellable, render_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (render_task, render_worker);
  g_task_set_task_data (render_task, render, (GDestroyNotify) render_free);
  g_thread_pool_push (get_render_pool (), g_steal_pointer (&render_task), NULL);
}

static gboolean
qrt_map_source_fill_tile_finish (ShumateMapSource  *source,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
qrt_map_source_constructed (GObject *object)
{
  QrtMapSource *self = QRT_MAP_SOURCE (object);
  ShumateMapSource *source = SHUMATE_MAP_SOURCE (object);
  static guint last_serial;
  g_autofree char *id = NULL;

  G_OBJECT_CLASS (qrt_map_source_parent_class)->constructed (object);

  g_assert (QRT_IS_TILE_RENDER (self->renderer));

  /* Unique per instance: the map layer's tile cache is keyed by source id. */
  id = g_strdup_printf ("quartier-%u", g_atomic_int_add (&last_serial, 1) + 1);
  shumate_map_source_set_id (source, id);
  shumate_map_source_set_name (source, _("Project Layers"));
  shumate_map_source_set_min_zoom_level (source, 0);
  shumate_map_source_set_max_zoom_level (source, 20);
  shumate_map_source_set_tile_size (source, 256);
  shumate_map_source_set_projection (source, SHUMATE_MAP_PROJECTION_MERCATOR);
}

static void
qrt_map_source_finalize (GObject *object)
{
  QrtMapSource *self = QRT_MAP_SOURCE (object);

  g_clear_object (&self->renderer);
  g_clear_pointer (&self->cache, qrt_map_tile_cache_unref);

  G_OBJECT_CLASS (qrt_map_source_parent_class)->finalize (object);
}

static void
qrt_map_source_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QrtMapSource *self = QRT_MAP_SOURCE (object);

  switch (prop_id)
    {
    case PROP_RENDERER:
      g_value_set_object (value, self->renderer);
      break;

    case PROP_CACHE:
      g_value_set_boxed (value, self->cache);
      break;

    case PROP_SCALE_FACTOR:
      g_value_set_int (value, self->scale_factor);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, qrt_map_source_get_busy (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_map_source_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  QrtMapSource *self = QRT_MAP_SOURCE (object);

  switch (prop_id)
    {
    case PROP_RENDERER:
      self->renderer = g_value_dup_object (value);
      break;

    case PROP_CACHE:
      self->cache = g_value_dup_boxed (value);
      break;

    case PROP_SCALE_FACTOR:
      self->scale_factor = g_value_get_int (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_map_source_class_init (QrtMapSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateMapSourceClass *source_class = SHUMATE_MAP_SOURCE_CLASS (klass);

  object_class->constructed = qrt_map_source_constructed;
  object_class->finalize = qrt_map_source_finalize;
  object_class->get_property = qrt_map_source_get_property;
  object_class->set_property = qrt_map_source_set_property;

  source_class->fill_tile_async = qrt_map_source_fill_tile_async;
  source_class->fill_tile_finish = qrt_map_source_fill_tile_finish;

  properties[PROP_RENDERER] =
    g_param_spec_object ("renderer", NULL, NULL,
                         QRT_TYPE_TILE_RENDER,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_CACHE] =
    g_param_spec_boxed ("cache", NULL, NULL,
                        QRT_TYPE_MAP_TILE_CACHE,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /* Device pixels per logical pixel: a tile of 256 is painted with 512 pixels on HiDPI. */
  properties[PROP_SCALE_FACTOR] =
    g_param_spec_int ("scale-factor", NULL, NULL,
                      1, 4, 1,
                      (G_PARAM_READWRITE |
                       G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_STATIC_STRINGS));

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrt_map_source_init (QrtMapSource *self)
{
  self->scale_factor = 1;
}

/**
 * qrt_map_source_new:
 * @renderer: the tile renderer to draw with
 * @scale_factor: device pixels per logical pixel, 1 to 4
 * @cache: (nullable): rendered tiles shared with other sources, or %NULL for none
 *
 * Returns: (transfer full): a new map source with a unique id
 */
QrtMapSource *
qrt_map_source_new (QrtTileRender   *renderer,
                    int              scale_factor,
                    QrtMapTileCache *cache)
{
  g_return_val_if_fail (QRT_IS_TILE_RENDER (renderer), NULL);

  return g_object_new (QRT_TYPE_MAP_SOURCE,
                       "renderer", renderer,
                       "scale-factor", CLAMP (scale_factor, 1, 4),
                       "cache", cache,
                       NULL);
}

/**
 * qrt_map_source_get_renderer:
 * @self: a #QrtMapSource
 *
 * Returns: (transfer none): the renderer the tiles are drawn with
 */
QrtTileRender *
qrt_map_source_get_renderer (QrtMapSource *self)
{
  g_return_val_if_fail (QRT_IS_MAP_SOURCE (self), NULL);

  return self->renderer;
}

int
qrt_map_source_get_scale_factor (QrtMapSource *self)
{
  g_return_val_if_fail (QRT_IS_MAP_SOURCE (self), 1);

  return self->scale_factor;
}

/**
 * qrt_map_source_get_busy:
 * @self: a #QrtMapSource
 *
 * Returns: whether a tile is being rendered right now
 */
gboolean
qrt_map_source_get_busy (QrtMapSource *self)
{
  g_return_val_if_fail (QRT_IS_MAP_SOURCE (self), FALSE);

  return self->n_pending > 0;
}

/**
 * qrt_map_source_get_n_requested:
 * @self: a #QrtMapSource
 *
 * Returns: how many tiles the map asked for since the source was made
 */
guint
qrt_map_source_get_n_requested (QrtMapSource *self)
{
  g_return_val_if_fail (QRT_IS_MAP_SOURCE (self), 0);

  return self->n_requested;
}

/**
 * qrt_map_source_get_n_rendered:
 * @self: a #QrtMapSource
 *
 * Returns: how many tiles were rendered and handed to the map
 */
guint
qrt_map_source_get_n_rendered (QrtMapSource *self)
{
  g_return_val_if_fail (QRT_IS_MAP_SOURCE (self), 0);

  return self->n_rendered;
}

/**
 * qrt_map_source_get_n_cache_hits:
 * @self: a #QrtMapSource
 *
 * Returns: how many of the tiles handed to the map came from the tile cache
 */
guint
qrt_map_source_get_n_cache_hits (QrtMapSource *self)
{
  g_return_val_if_fail (QRT_IS_MAP_SOURCE (self), 0);

  return self->n_cache_hits;
}

G_DEFINE_BOXED_TYPE (QrtMapTileCache, qrt_map_tile_cache,
                     qrt_map_tile_cache_ref, qrt_map_tile_cache_unref)

static void
map_tile_cache_clear (gpointer data)
{
  QrtMapTileCache *self = data;

  g_clear_pointer (&self->cache, qrt_tile_cache_free);
}

/**
 * qrt_map_tile_cache_new:
 * @max_bytes: how many bytes of pixels to keep at most
 *
 * Returns: (transfer full): an empty cache of rendered tiles, for any number of sources
 */
QrtMapTileCache *
qrt_map_tile_cache_new (gsize max_bytes)
{
  QrtMapTileCache *self = g_atomic_rc_box_new0 (QrtMapTileCache);

  self->cache = qrt_tile_cache_new (max_bytes);
  return self;
}

QrtMapTileCache *
qrt_map_tile_cache_ref (QrtMapTileCache *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
qrt_map_tile_cache_unref (QrtMapTileCache *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, map_tile_cache_clear);
}

/**
 * qrt_map_tile_cache_get_cache:
 *
 * Returns: (transfer none): the core's cache; thread-safe
 */
QrtTileCache *
qrt_map_tile_cache_get_cache (QrtMapTileCache *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->cache;
}
