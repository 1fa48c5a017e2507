/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <ogr_recordbatch.h>
#include <string.h>

#include "model/qrt-layer-private.h"
#include "qrt-arrow-read.h"
#include "qrt-gdal-private.h"
#include "qrt-gpkg-stream.h"

/*
 * The fast way to read a project's layer: its GeoPackage table scanned with SQLite
 * (qrt-gpkg-stream.c), in Arrow record batches with the geometry as WKB and the attributes as
 * typed columns, without building an OGRFeature per row. The WKB is parsed straight into the
 * layer builder. Anything this reader does not know (a view, curves, dates) makes it step
 * aside: the caller then reads the layer feature by feature through GDAL.
 *
 * Why not GDAL's own Arrow stream (OGR_L_GetArrowStream): in GDAL 3.6 its GeoPackage
 * implementation splits the table between threads on the assumption that the ids run from 1
 * to the count gpkg_ogr_contents keeps; when that count is stale it hands out features twice,
 * only logging an error (fixed in GDAL 3.8.3), and its prefetch threads can crash on a
 * spurious wake-up (fixed in 3.11.4).
 */

typedef enum
{
  COLUMN_SKIP,
  COLUMN_INT64,
  COLUMN_DOUBLE,
  COLUMN_UTF8,
} ColumnKind;

typedef struct
{
  ColumnKind kind;
  guint      field;    /* builder field */
} Column;

typedef struct
{
  const guint8 *p;
  const guint8 *end;
} Wkb;

static gboolean
is_valid (const struct ArrowArray *array,
          gint64                   row)
{
  const guint8 *validity = array->buffers[0];
  gint64 i = row + array->offset;

  return validity == NULL || (validity[i >> 3] >> (i & 7)) & 1;
}

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
  /* The common case, plain x,y in this machine's order: one copy for the whole run. */
  if (!swap && dims == 2 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    {
      g_autofree double *aligned = NULL;
      const double *xy = (const double *) (gconstpointer) w->p;

      if ((guintptr) w->p % G_ALIGNOF (double) != 0)
        xy = aligned = g_memdup2 (w->p, (gsize) n * 16);
      _qrt_layer_builder_add_points (builder, xy, n);
      w->p += (gsize) n * 16;
      return TRUE;
    }
  for (guint32 i = 0; i < n; i++)
    if (!read_xy (w, swap, dims, builder))
      return FALSE;
  return TRUE;
}

/* Parses one WKB geometry into the builder's current feature. FALSE: malformed or a type the
 * fast path does not handle. */
static gboolean
read_geometry (Wkb             *w,
               QrtGeometryKind  kind,
               QrtLayerBuilder *builder)
{
  gboolean swap;
  guint32 type, base, dims = 2, n;

  if (w->p >= w->end)
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
        if (!read_geometry (w, kind, builder))
          return FALSE;
      return TRUE;

    default:  /* curves and surfaces: the slow path linearises them */
      return FALSE;
    }
}

static ColumnKind
column_kind (const char *format)
{
  if (g_str_equal (format, "l"))
    return COLUMN_INT64;
  if (g_str_equal (format, "g"))
    return COLUMN_DOUBLE;
  if (g_str_equal (format, "u"))
    return COLUMN_UTF8;
  return COLUMN_SKIP;
}

/* Column @column of the @n features this batch added, from @first on: feature first + k came
 * from row @rows[k]. A column at a time, straight into the builder's slots. */
static void
fill_column (QrtLayerBuilder         *builder,
             const Column            *column,
             const struct ArrowArray *array,
             guint                    first,
             const guint32           *rows,
             guint                    n)
{
  guint8 *nulls;
  gboolean wide;
  gpointer slots = _qrt_layer_builder_column_slots (builder, column->field, first, &nulls, &wide);

  for (guint k = 0; k < n; k++)
    {
      gint64 row = rows[k], i = row + array->offset;

      if (!is_valid (array, row))
        continue;
      nulls[k] = 0;
      switch (column->kind)
        {
        case COLUMN_DOUBLE:
          ((double *) slots)[k] = ((const double *) array->buffers[1])[i];
          break;
        case COLUMN_UTF8:
          {
            gint32 start = ((const gint32 *) array->buffers[1])[i];
            gint32 end = ((const gint32 *) array->buffers[1])[i + 1];

            ((guint32 *) slots)[k] =
              _qrt_layer_builder_intern (builder, (const char *) array->buffers[2] + start,
                                         end - start);
            break;
          }
        case COLUMN_INT64:
          {
            gint64 v = ((const gint64 *) array->buffers[1])[i];

            if (!wide && (v < G_MININT32 || v > G_MAXINT32))
              {
                _qrt_layer_builder_widen_column (builder, column->field);
                slots = _qrt_layer_builder_column_slots (builder, column->field, first, &nulls,
                                                         &wide);
              }
            if (wide)
              ((gint64 *) slots)[k] = v;
            else
              ((gint32 *) slots)[k] = (gint32) v;
            break;
          }
        case COLUMN_SKIP:
        default:
          break;
        }
    }
}

/*
 * A reader thread fills the next record batch while this one parses the last: on two cores
 * reading and parsing overlap instead of adding up. At most READ_AHEAD batches are in
 * flight, which bounds the memory this takes. The stream (its own SQLite connection) is used
 * only by the reader until it has been joined.
 */
#define READ_AHEAD 2
#define BATCH_ROWS 16384

typedef struct
{
  struct ArrowArray array;   /* release == NULL: the end (or an error, see status) */
  int               status;
  char             *message;
} Batch;

typedef struct
{
  struct ArrowArrayStream *stream;
  GAsyncQueue             *full;    /* Batch *, in order */
  GAsyncQueue             *room;    /* one token per batch the reader may fetch */
  int                      stop;
  GThread                 *thread;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;
  gboolean end = FALSE;

  while (!end)
    {
      Batch *batch = g_new0 (Batch, 1);

      g_async_queue_pop (r->room);
      if (!g_atomic_int_get (&r->stop))
        {
          batch->status = r->stream->get_next (r->stream, &batch->array);
          if (batch->status != 0)
            {
              const char *message = r->stream->get_last_error (r->stream);

              batch->message = g_strdup (message ? message : "?");
              batch->array.release = NULL;
            }
        }
      end = batch->array.release == NULL;
      g_async_queue_push (r->full, batch);
    }
  return NULL;
}

static void
batch_free (Batch *batch)
{
  if (batch->array.release != NULL)
    batch->array.release (&batch->array);
  g_free (batch->message);
  g_free (batch);
}

static void
reader_start (Reader                  *r,
              struct ArrowArrayStream *stream)
{
  r->stream = stream;
  r->full = g_async_queue_new ();
  r->room = g_async_queue_new ();
  for (int i = 0; i < READ_AHEAD; i++)
    g_async_queue_push (r->room, GINT_TO_POINTER (1));
  r->thread = g_thread_new ("qrt-read", reader_thread, r);
}

/* The next batch, to be given back with reader_done(). */
static Batch *
reader_next (Reader *r)
{
  return g_async_queue_pop (r->full);
}

static void
reader_done (Reader *r,
             Batch  *batch)
{
  batch_free (batch);
  g_async_queue_push (r->room, GINT_TO_POINTER (1));
}

/* Stops the reader early or after the end, dropping what it still fetched. */
static void
reader_stop (Reader *r)
{
  if (r->thread == NULL)
    return;
  g_atomic_int_set (&r->stop, 1);
  g_async_queue_push (r->room, GINT_TO_POINTER (1));
  g_thread_join (g_steal_pointer (&r->thread));
  while (g_async_queue_length (r->full) > 0)
    batch_free (g_async_queue_pop (r->full));
  g_async_queue_unref (r->full);
  g_async_queue_unref (r->room);
}

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

/**
 * qrt_read_layer_arrow:
 * @gpkg_path: the GeoPackage @layer is in, read with SQLite directly
 * @ct: (nullable): transformation to the analysis CRS
 * @unsupported: (out): set when the layer needs the feature-by-feature reader instead
 *
 * Returns: (transfer full) (nullable): the layer, or %NULL with @error set on a read error, or
 *   %NULL with *@unsupported set.
 */
QrtLayer *
qrt_read_layer_arrow (OGRLayerH                      layer,
                      const char                    *gpkg_path,
                      QrtGeometryKind                kind,
                      OGRCoordinateTransformationH   ct,
                      int                            epsg,
                      GCancellable                  *cancellable,
                      gboolean                      *unsupported,
                      GError                       **error)
{
  struct ArrowArrayStream stream = { 0 };
  struct ArrowSchema schema = { 0 };
  Reader reader = { 0 };
  gboolean first_batch = TRUE;
  g_autofree guint32 *rows = NULL;   /* batch row of each feature the batch added */
  guint first, n_rows;
  gint64 count;
  QrtBBox area;
  g_autoptr(QrtLayerBuilder) builder = NULL;
  g_autofree Column *columns = NULL;
  int geometry_index = -1;
  int fid_index = -1;
  const char *fid_name = OGR_L_GetFIDColumn (layer);
  gboolean ok = FALSE;

  *unsupported = FALSE;
  count = OGR_L_GetFeatureCount (layer, FALSE);
  declared_area (layer, ct, &area);
  if (!qrt_gpkg_stream_open (gpkg_path, OGR_L_GetName (layer), fid_name,
                             geometry_column_name (layer), BATCH_ROWS, &stream))
    {
      *unsupported = TRUE;
      return NULL;
    }
  if (stream.get_schema (&stream, &schema) != 0)
    {
      stream.release (&stream);
      *unsupported = TRUE;
      return NULL;
    }

  builder = qrt_layer_builder_new (OGR_L_GetName (layer), kind, epsg);
  columns = g_new0 (Column, MAX (1, schema.n_children));
  for (gint64 c = 0; c < schema.n_children; c++)
    {
      const struct ArrowSchema *child = schema.children[c];

      if (g_strcmp0 (child->name, geometry_column_name (layer)) == 0 &&
          g_str_equal (child->format, "z"))
        {
          geometry_index = (int) c;
          continue;
        }
      /* The feature id comes first, as a 64-bit integer named like the FID column. */
      if (fid_index < 0 && g_str_equal (child->format, "l") &&
          g_strcmp0 (child->name, fid_name) == 0)
        {
          fid_index = (int) c;
          continue;
        }
      columns[c].kind = column_kind (child->format);
      if (columns[c].kind == COLUMN_SKIP)
        {
          *unsupported = TRUE;
          goto out;
        }
      columns[c].field = qrt_layer_builder_add_field (builder, child->name,
                                                      columns[c].kind == COLUMN_DOUBLE
                                                        ? QRT_FIELD_REAL
                                                        : columns[c].kind == COLUMN_UTF8
                                                          ? QRT_FIELD_STRING
                                                          : QRT_FIELD_INTEGER);
    }
  if (geometry_index < 0)
    {
      *unsupported = TRUE;
      goto out;
    }

  reader_start (&reader, &stream);
  /* The display grid (a few milliseconds of PROJ) is built while the first batch is read. */
  if (count > 10000 && !qrt_bbox_is_empty (&area))
    _qrt_layer_builder_set_expected_extent (builder, &area);
  for (;;)
    {
      Batch *next = reader_next (&reader);
      struct ArrowArray batch;
      const struct ArrowArray *geometry;
      guint first_point, n_points;

      if (next->status != 0)
        {
          g_debug ("Arrow stream of %s failed: %s", OGR_L_GetName (layer), next->message);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Layer “%s” could not be read completely; the file is damaged."),
                       OGR_L_GetName (layer));
          reader_done (&reader, next);
          goto out;
        }
      if (next->array.release == NULL)
        {
          reader_done (&reader, next);
          break;
        }
      batch = next->array;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          reader_done (&reader, next);
          goto out;
        }

      _qrt_layer_builder_peek_coords (builder, &first_point);
      geometry = batch.children[geometry_index];
      if (first_batch)
        {
          /* Room for the whole layer at once, so no append copies what came before: the
           * count GeoPackage keeps, points as many per feature as in this first batch (a
           * WKB byte count over 16 bounds the points it holds). */
          const gint32 *offsets = geometry->buffers[1];
          double wkb_bytes = offsets[geometry->offset + batch.length] - offsets[geometry->offset];
          gint64 features = MAX (count, batch.length);

          _qrt_layer_builder_reserve (builder, (guint) MIN (features, G_MAXUINT32 / 2),
                                      (guint) MIN (wkb_bytes / 16 * features / MAX (1, batch.length),
                                                   G_MAXUINT32 / 4));
          first_batch = FALSE;
        }
      first = _qrt_layer_builder_get_n_features (builder);
      n_rows = 0;
      rows = g_renew (guint32, rows, MAX (1, batch.length));
      for (gint64 row = 0; row < batch.length; row++)
        {
          const gint32 *offsets = geometry->buffers[1];
          gint64 i = row + geometry->offset;
          Wkb w;

          if (!is_valid (geometry, row))
            continue;
          w.p = (const guint8 *) geometry->buffers[2] + offsets[i];
          w.end = (const guint8 *) geometry->buffers[2] + offsets[i + 1];

          qrt_layer_builder_begin_feature (builder);
          if (fid_index >= 0)
            {
              const struct ArrowArray *fids = batch.children[fid_index];

              qrt_layer_builder_set_fid (builder,
                                         ((const gint64 *) fids->buffers[1])[row + fids->offset]);
            }
          if (!read_geometry (&w, kind, builder))
            {
              qrt_layer_builder_discard_feature (builder);
              reader_done (&reader, next);
              *unsupported = TRUE;
              goto out;
            }
          qrt_layer_builder_end_feature (builder);
          /* An empty geometry drops the feature. */
          if (_qrt_layer_builder_get_n_features (builder) > first + n_rows)
            rows[n_rows++] = (guint32) row;
        }
      for (gint64 c = 0; c < schema.n_children; c++)
        if (c != geometry_index && c != fid_index)
          fill_column (builder, &columns[c], batch.children[c], first, rows, n_rows);
      reader_done (&reader, next);

      if (ct != NULL)
        {
          double *xy = _qrt_layer_builder_peek_coords (builder, &n_points);
          guint n = n_points - first_point;
          g_autofree double *xs = g_new (double, MAX (1, n));
          g_autofree double *ys = g_new (double, MAX (1, n));

          for (guint k = 0; k < n; k++)
            {
              xs[k] = xy[2 * (first_point + k)];
              ys[k] = xy[2 * (first_point + k) + 1];
            }
          if (n > 0 && !OCTTransform (ct, (int) n, xs, ys, NULL))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Layer “%s” has coordinates that cannot be converted."),
                           OGR_L_GetName (layer));
              goto out;
            }
          for (guint k = 0; k < n; k++)
            {
              xy[2 * (first_point + k)] = xs[k];
              xy[2 * (first_point + k) + 1] = ys[k];
            }
        }
      _qrt_layer_builder_seal (builder);
    }
  ok = TRUE;

out:
  reader_stop (&reader);
  if (schema.release)
    schema.release (&schema);
  stream.release (&stream);
  if (!ok)
    return NULL;
  return qrt_layer_builder_finish (g_steal_pointer (&builder), error);
}
