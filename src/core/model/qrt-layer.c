/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ogr_srs_api.h>

#include "qrt-layer.h"
#include "qrt-layer-private.h"

/*
 * QrtLayer is immutable once qrt_layer_builder_finish() returns it: every field below is
 * written by the builder's thread only, before the object is published. Afterwards any
 * thread may read it without locks; reference counting is GObject's (atomic).
 */

/* Attributes are stored as narrow as their values allow: integers in 32 bits when they all
 * fit, strings as offsets into one buffer of the layer's distinct texts, no NULL flags for a
 * column without NULLs. */
typedef struct
{
  char         *name;
  QrtFieldType  type;
  gboolean      wide;     /* integers: 64 bits, else 32 */
  gpointer      values;   /* n_features of gint32/gint64, double or guint32 (offset in text) */
  guint8       *nulls;    /* n_features flags, 1 = NULL; %NULL when there is none */
} Column;

typedef struct _Display Display;

/* A growing array of elements whose size the user knows. */
typedef struct
{
  gpointer data;
  gsize    len;
  gsize    cap;
} Vec;

/* While building: values as narrow as they have been so far (integers 32 bits until one does
 * not fit, text offsets 32 bits, reals 64), flags for all. */
typedef struct
{
  char         *name;
  QrtFieldType  type;
  gboolean      wide;     /* integers: 64 bits */
  Vec           values;
  Vec           nulls;    /* guint8, 1 = NULL */
} BuildColumn;

static inline gsize
build_width (const BuildColumn *column)
{
  return column->type == QRT_FIELD_REAL || column->wide ? 8 : 4;
}

/* The distinct texts of a layer, each once, NUL-terminated, found again by an open-addressing
 * hash of offsets into the buffer (no allocation per value). */
typedef struct
{
  GByteArray *bytes;
  guint32    *slots;      /* offset + 1, 0 = free */
  guint       n_slots;    /* a power of two */
  guint       n_used;
} Texts;

struct _QrtLayer
{
  GObject          parent_instance;

  char            *name;
  QrtGeometryKind  kind;
  int              epsg;
  guint            n_features;
  guint64          serial;           /* unique per layer in this process */
  gint64          *fids;             /* the source's feature ids, n_features; %NULL when they
                                      * run on from fid_base */
  gint64           fid_base;

  double          *coords;           /* analysis CRS, interleaved x,y */
  float           *display;          /* Web Mercator, offsets from origin[QRT_COORDS_MERCATOR]:
                                      * millimetres over a region, plenty for drawing */
  guint            n_points;
  guint32         *ring_offsets;     /* n_rings + 1 */
  guint            n_rings;
  guint32         *part_offsets;     /* n_parts + 1 */
  guint            n_parts;
  guint32         *feature_offsets;  /* n_features + 1 */
  QrtBoxF         *boxes[2];         /* per feature, offsets from origin */
  double           origin[2][2];
  QrtBBox          extent[2];
  QrtRTree        *index[2];

  Column          *columns;
  guint            n_columns;
  guint8          *text;             /* the distinct texts */
  gsize            text_size;
};

G_DEFINE_FINAL_TYPE (QrtLayer, qrt_layer, G_TYPE_OBJECT)

static int next_serial;

struct _QrtLayerBuilder
{
  char            *name;
  QrtGeometryKind  kind;
  int              epsg;
  Vec              coords;           /* double, interleaved */
  Vec              ring_offsets;     /* guint32 start of each ring */
  Vec              part_offsets;     /* guint32 start of each part */
  Vec              feature_offsets;  /* guint32 start of each feature */
  Vec              fids;             /* gint64, only once they stop running on from fid_base */
  gboolean         fids_stored;
  gboolean         fid_set;          /* the current feature was given one */
  gint64           fid_base;
  GArray          *columns;          /* BuildColumn */
  Texts            texts;
  gboolean         in_feature;

  /* Done batch by batch by a bulk reader (_qrt_layer_builder_seal()). */
  guint            sealed;           /* features oriented and boxed so far */
  Vec              boxes;            /* QrtBoxF, analysis CRS, one per sealed feature */
  double           origin[2];
  gboolean         origin_fixed;     /* by the expected extent, else the first point's */
  QrtBBox          extent;
  Display         *display;          /* makes the Web Mercator copy as features are sealed */
  QrtCurveFrame    frame;            /* for the index's curve keys, when the extent is known */
  gboolean         has_frame;
  Vec              keys;             /* guint64 curve key << 32 | feature, one per sealed one */
};

static void display_free (Display *display);
static void display_reserve (Display *display,
                             guint    n_features,
                             guint    n_points);

static void
build_column_clear (BuildColumn *column)
{
  g_free (column->name);
  g_clear_pointer (&column->values.data, g_free);
  g_clear_pointer (&column->nulls.data, g_free);
}

static gsize
column_width (const Column *column)
{
  switch (column->type)
    {
    case QRT_FIELD_INTEGER:
      return column->wide ? sizeof (gint64) : sizeof (gint32);
    case QRT_FIELD_STRING:
      return sizeof (guint32);
    case QRT_FIELD_REAL:
    default:
      return sizeof (double);
    }
}

static void
column_clear (Column *column)
{
  g_free (column->name);
  g_free (column->values);
  g_free (column->nulls);
}

static guint32
text_hash (const char *text,
           gsize       len)
{
  guint32 h = 2166136261u;   /* FNV-1a */

  for (gsize i = 0; i < len; i++)
    h = (h ^ (guint8) text[i]) * 16777619u;
  return h;
}

static void
texts_init (Texts *t)
{
  t->bytes = g_byte_array_new ();
  t->n_slots = 256;
  t->slots = g_new0 (guint32, t->n_slots);
  t->n_used = 0;
}

static void
texts_clear (Texts *t)
{
  g_clear_pointer (&t->bytes, g_byte_array_unref);
  g_clear_pointer (&t->slots, g_free);
}

static void
texts_grow (Texts *t)
{
  guint n = t->n_slots * 2;
  guint32 *slots = g_new0 (guint32, n);

  for (guint i = 0; i < t->n_slots; i++)
    if (t->slots[i])
      {
        const char *text = (const char *) t->bytes->data + t->slots[i] - 1;
        guint j = text_hash (text, strlen (text)) & (n - 1);

        while (slots[j])
          j = (j + 1) & (n - 1);
        slots[j] = t->slots[i];
      }
  g_free (t->slots);
  t->slots = slots;
  t->n_slots = n;
}

/* The offset of @text (@len bytes, no NUL inside) in the buffer, adding it when new. */
static guint32
texts_intern (Texts      *t,
              const char *text,
              gsize       len)
{
  guint j = text_hash (text, len) & (t->n_slots - 1);
  guint32 offset;
  static const guint8 nul = 0;

  for (; t->slots[j]; j = (j + 1) & (t->n_slots - 1))
    {
      gsize at = t->slots[j] - 1;
      const char *have = (const char *) t->bytes->data + at;

      /* A shorter text at the end of the buffer must not be read past it. */
      if (at + len < t->bytes->len && memcmp (have, text, len) == 0 && have[len] == '\0')
        return (guint32) at;
    }

  offset = t->bytes->len;
  g_byte_array_append (t->bytes, (const guint8 *) text, (guint) len);
  g_byte_array_append (t->bytes, &nul, 1);
  t->slots[j] = offset + 1;
  if (++t->n_used * 2 > t->n_slots)
    texts_grow (t);
  return offset;
}

static void
qrt_layer_finalize (GObject *object)
{
  QrtLayer *self = QRT_LAYER (object);

  g_free (self->name);
  g_free (self->coords);
  g_free (self->display);
  for (guint i = 0; i < 2; i++)
    {
      g_free (self->boxes[i]);
      g_clear_pointer (&self->index[i], qrt_rtree_free);
    }
  g_free (self->ring_offsets);
  g_free (self->part_offsets);
  g_free (self->feature_offsets);
  g_free (self->fids);
  for (guint i = 0; i < self->n_columns; i++)
    column_clear (&self->columns[i]);
  g_free (self->columns);
  g_free (self->text);

  G_OBJECT_CLASS (qrt_layer_parent_class)->finalize (object);
}

static void
qrt_layer_class_init (QrtLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrt_layer_finalize;
}

static void
qrt_layer_init (QrtLayer *self)
{
}

const char *
qrt_layer_get_name (QrtLayer *self)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  return self->name;
}

QrtGeometryKind
qrt_layer_get_geometry_kind (QrtLayer *self)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), QRT_GEOMETRY_NONE);
  return self->kind;
}

int
qrt_layer_get_epsg (QrtLayer *self)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), 0);
  return self->epsg;
}

/**
 * qrt_layer_get_serial:
 *
 * Returns: a number no other layer of this process has: a layer's identity for caches (a
 *   pointer could be reused once the layer is freed).
 */
guint64
qrt_layer_get_serial (QrtLayer *self)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), 0);
  return self->serial;
}

/**
 * qrt_layer_get_fid:
 *
 * Returns: the source's id of @feature (the GeoPackage fid).
 */
gint64
qrt_layer_get_fid (QrtLayer *self,
                   guint     feature)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), 0);
  g_return_val_if_fail (feature < self->n_features, 0);
  return self->fids ? self->fids[feature] : self->fid_base + feature;
}

guint
qrt_layer_get_n_features (QrtLayer *self)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), 0);
  return self->n_features;
}

/**
 * qrt_layer_get_extent:
 *
 * Returns: (transfer none): the bounding box of all features; empty for an empty layer.
 */
const QrtBBox *
qrt_layer_get_extent (QrtLayer  *self,
                      QrtCoords  coords)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  return &self->extent[coords];
}

/**
 * qrt_layer_get_coords:
 * @n_points: (out) (optional): the number of points
 *
 * Returns: (array): the coordinates in the analysis CRS, interleaved x,y.
 */
const double *
qrt_layer_get_coords (QrtLayer *self,
                      guint    *n_points)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  if (n_points)
    *n_points = self->n_points;
  return self->coords;
}

/**
 * qrt_layer_get_display_coords:
 * @origin_x: (out): what the offsets are counted from
 * @origin_y: (out):
 *
 * Returns: (array): the Web Mercator coordinates as float offsets from the origin,
 *   interleaved x,y (point i is origin + offsets[2i], origin + offsets[2i+1]).
 */
const float *
qrt_layer_get_display_coords (QrtLayer *self,
                              double   *origin_x,
                              double   *origin_y)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  *origin_x = self->origin[QRT_COORDS_MERCATOR][0];
  *origin_y = self->origin[QRT_COORDS_MERCATOR][1];
  return self->display;
}

/**
 * qrt_layer_get_points:
 * @points: (out): a view of the points in @coords, read with qrt_points_get()
 */
void
qrt_layer_get_points (QrtLayer      *self,
                      QrtCoords      coords,
                      QrtPoints     *points)
{
  g_return_if_fail (QRT_IS_LAYER (self));
  if (coords == QRT_COORDS_ANALYSIS)
    *points = (QrtPoints) { self->coords, NULL, 0, 0 };
  else
    *points = (QrtPoints) { NULL, self->display, self->origin[QRT_COORDS_MERCATOR][0],
                            self->origin[QRT_COORDS_MERCATOR][1] };
}

const guint32 *
qrt_layer_get_ring_offsets (QrtLayer *self,
                            guint    *n_rings)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  if (n_rings)
    *n_rings = self->n_rings;
  return self->ring_offsets;
}

const guint32 *
qrt_layer_get_part_offsets (QrtLayer *self,
                            guint    *n_parts)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  if (n_parts)
    *n_parts = self->n_parts;
  return self->part_offsets;
}

const guint32 *
qrt_layer_get_feature_offsets (QrtLayer *self)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  return self->feature_offsets;
}

/**
 * qrt_layer_get_feature_bbox:
 * @box: (out): the box of @feature in @coords
 *
 * The box may be larger than the feature by a float step (millimetres; see #QrtBoxF): fine
 * for culling and for deciding which exact tests to run, not a measurement.
 */
void
qrt_layer_get_feature_bbox (QrtLayer  *self,
                            QrtCoords  coords,
                            guint      feature,
                            QrtBBox   *box)
{
  g_return_if_fail (QRT_IS_LAYER (self));
  g_return_if_fail (feature < self->n_features);
  qrt_boxf_get (&self->boxes[coords][feature], self->origin[coords][0], self->origin[coords][1],
                box);
}

const QrtRTree *
qrt_layer_get_index (QrtLayer  *self,
                     QrtCoords  coords)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  return self->index[coords];
}

/**
 * qrt_layer_get_memsize:
 *
 * Returns: bytes held by the layer's arrays, indexes and attributes (for benchmarks).
 */
gsize
qrt_layer_get_memsize (QrtLayer *self)
{
  gsize size;

  g_return_val_if_fail (QRT_IS_LAYER (self), 0);

  size = sizeof *self;
  size += self->n_points * 2 * (sizeof (double) + sizeof (float));
  size += (self->n_rings + self->n_parts + self->n_features + 3) * sizeof (guint32);
  if (self->fids)
    size += self->n_features * sizeof (gint64);
  size += 2 * self->n_features * sizeof (QrtBoxF);
  for (guint i = 0; i < 2; i++)
    size += qrt_rtree_get_memsize (self->index[i]);
  size += self->n_columns * sizeof (Column) + self->text_size;
  for (guint i = 0; i < self->n_columns; i++)
    size += self->n_features * (column_width (&self->columns[i]) +
                                (self->columns[i].nulls ? 1 : 0));
  return size;
}

guint
qrt_layer_get_n_fields (QrtLayer *self)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), 0);
  return self->n_columns;
}

const char *
qrt_layer_get_field_name (QrtLayer *self,
                          guint     field)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  g_return_val_if_fail (field < self->n_columns, NULL);
  return self->columns[field].name;
}

QrtFieldType
qrt_layer_get_field_type (QrtLayer *self,
                          guint     field)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), QRT_FIELD_STRING);
  g_return_val_if_fail (field < self->n_columns, QRT_FIELD_STRING);
  return self->columns[field].type;
}

/**
 * qrt_layer_find_field:
 *
 * Returns: the index of the field called @name, or -1.
 */
int
qrt_layer_find_field (QrtLayer   *self,
                      const char *name)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < self->n_columns; i++)
    if (g_ascii_strcasecmp (self->columns[i].name, name) == 0)
      return (int) i;
  return -1;
}

static inline gboolean
column_is_null (const Column *column,
                guint         feature)
{
  return column->nulls != NULL && column->nulls[feature];
}

static inline gint64
column_int (const Column *column,
            guint         feature)
{
  return column->wide ? ((const gint64 *) column->values)[feature]
                      : ((const gint32 *) column->values)[feature];
}

static inline const char *
column_text (QrtLayer     *self,
             const Column *column,
             guint         feature)
{
  return (const char *) self->text + ((const guint32 *) column->values)[feature];
}

gboolean
qrt_layer_is_null (QrtLayer *self,
                   guint     field,
                   guint     feature)
{
  g_return_val_if_fail (QRT_IS_LAYER (self), TRUE);
  g_return_val_if_fail (field < self->n_columns && feature < self->n_features, TRUE);
  return column_is_null (&self->columns[field], feature);
}

/**
 * qrt_layer_get_int:
 *
 * Returns: the value as an integer (a real is truncated, a string parsed); 0 for NULL.
 */
gint64
qrt_layer_get_int (QrtLayer *self,
                   guint     field,
                   guint     feature)
{
  const Column *column;

  g_return_val_if_fail (QRT_IS_LAYER (self), 0);
  g_return_val_if_fail (field < self->n_columns && feature < self->n_features, 0);

  column = &self->columns[field];
  if (column_is_null (column, feature))
    return 0;
  switch (column->type)
    {
    case QRT_FIELD_INTEGER:
      return column_int (column, feature);
    case QRT_FIELD_REAL:
      return (gint64) ((const double *) column->values)[feature];
    case QRT_FIELD_STRING:
      return g_ascii_strtoll (column_text (self, column, feature), NULL, 10);
    default:
      g_assert_not_reached ();
    }
}

/**
 * qrt_layer_get_real:
 *
 * Returns: the value as a double; NAN for NULL or a string that is not a number.
 */
double
qrt_layer_get_real (QrtLayer *self,
                    guint     field,
                    guint     feature)
{
  const Column *column;

  g_return_val_if_fail (QRT_IS_LAYER (self), NAN);
  g_return_val_if_fail (field < self->n_columns && feature < self->n_features, NAN);

  column = &self->columns[field];
  if (column_is_null (column, feature))
    return NAN;
  switch (column->type)
    {
    case QRT_FIELD_INTEGER:
      return (double) column_int (column, feature);
    case QRT_FIELD_REAL:
      return ((const double *) column->values)[feature];
    case QRT_FIELD_STRING:
      {
        const char *text = column_text (self, column, feature);
        char *end = NULL;
        double v = g_ascii_strtod (text, &end);

        return (end != text && *end == '\0') ? v : NAN;
      }
    default:
      g_assert_not_reached ();
    }
}

/**
 * qrt_layer_get_string:
 *
 * Returns: (nullable) (transfer none): the string value, or %NULL for NULL and for fields
 *   that are not strings.
 */
const char *
qrt_layer_get_string (QrtLayer *self,
                      guint     field,
                      guint     feature)
{
  const Column *column;

  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  g_return_val_if_fail (field < self->n_columns && feature < self->n_features, NULL);

  column = &self->columns[field];
  if (column_is_null (column, feature) || column->type != QRT_FIELD_STRING)
    return NULL;
  return column_text (self, column, feature);
}

static GEOSCoordSequence *
ring_sequence (QrtLayer            *self,
               GEOSContextHandle_t  ctx,
               guint                ring,
               QrtCoords            coords)
{
  guint start = self->ring_offsets[ring];
  guint end = self->ring_offsets[ring + 1];
  g_autofree double *xy = NULL;

  if (coords == QRT_COORDS_ANALYSIS)
    return GEOSCoordSeq_copyFromBuffer_r (ctx, self->coords + 2 * start, end - start, FALSE,
                                          FALSE);
  xy = g_new (double, 2 * MAX (1, end - start));
  for (guint i = 0; i < 2 * (end - start); i += 2)
    {
      xy[i] = self->origin[coords][0] + self->display[2 * start + i];
      xy[i + 1] = self->origin[coords][1] + self->display[2 * start + i + 1];
    }
  return GEOSCoordSeq_copyFromBuffer_r (ctx, xy, end - start, FALSE, FALSE);
}

static GEOSGeometry *
build_part (QrtLayer            *self,
            GEOSContextHandle_t  ctx,
            guint                part,
            QrtCoords            coords)
{
  guint first = self->part_offsets[part];
  guint last = self->part_offsets[part + 1];

  switch (self->kind)
    {
    case QRT_GEOMETRY_POINT:
      return GEOSGeom_createPoint_r (ctx, ring_sequence (self, ctx, first, coords));

    case QRT_GEOMETRY_LINE:
      return GEOSGeom_createLineString_r (ctx, ring_sequence (self, ctx, first, coords));

    case QRT_GEOMETRY_POLYGON:
      {
        GEOSGeometry *shell = GEOSGeom_createLinearRing_r (ctx, ring_sequence (self, ctx, first,
                                                                               coords));
        g_autofree GEOSGeometry **holes = g_new (GEOSGeometry *, MAX (1, last - first - 1));

        for (guint r = first + 1; r < last; r++)
          holes[r - first - 1] = GEOSGeom_createLinearRing_r (ctx, ring_sequence (self, ctx, r,
                                                                                  coords));
        return GEOSGeom_createPolygon_r (ctx, shell, holes, last - first - 1);
      }

    case QRT_GEOMETRY_NONE:
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * qrt_layer_build_geos:
 * @ctx: the calling thread's GEOS context
 *
 * Returns: (transfer full): a new GEOS geometry for @feature (single or multi by its part
 *   count), owned by @ctx's caller.
 */
GEOSGeometry *
qrt_layer_build_geos (QrtLayer            *self,
                      GEOSContextHandle_t  ctx,
                      guint                feature,
                      QrtCoords            coords)
{
  guint first, last;
  g_autofree GEOSGeometry **parts = NULL;
  int multi_type;

  g_return_val_if_fail (QRT_IS_LAYER (self), NULL);
  g_return_val_if_fail (feature < self->n_features, NULL);

  first = self->feature_offsets[feature];
  last = self->feature_offsets[feature + 1];

  if (last - first == 1)
    return build_part (self, ctx, first, coords);

  parts = g_new (GEOSGeometry *, MAX (1, last - first));
  for (guint p = first; p < last; p++)
    parts[p - first] = build_part (self, ctx, p, coords);

  switch (self->kind)
    {
    case QRT_GEOMETRY_POINT:
      multi_type = GEOS_MULTIPOINT;
      break;
    case QRT_GEOMETRY_LINE:
      multi_type = GEOS_MULTILINESTRING;
      break;
    case QRT_GEOMETRY_POLYGON:
      multi_type = GEOS_MULTIPOLYGON;
      break;
    case QRT_GEOMETRY_NONE:
    default:
      g_return_val_if_reached (NULL);
    }

  return GEOSGeom_createCollection_r (ctx, multi_type, parts, last - first);
}

/* Builder */

/* Arrays of megabytes are asked for in transparent huge pages where the kernel offers them
 * (Debian's default is to offer them on request): a 16 MiB array then costs 8 page faults
 * instead of 4,096, which was a fifth of reading a layer of 200,000 buildings. Freed with
 * g_free() like any other block. */
#define HUGE_PAGE (2u << 20)

static gpointer
big_alloc_full (gsize    size,
                gboolean may_fail)
{
#ifdef MADV_HUGEPAGE
  if (size >= HUGE_PAGE)
    {
      gpointer p = NULL;

      if (posix_memalign (&p, HUGE_PAGE, size) == 0)
        {
          madvise (p, size, MADV_HUGEPAGE);
          return p;
        }
    }
#endif
  return may_fail ? g_try_malloc (size) : g_malloc (size);
}

static gpointer
big_alloc (gsize size)
{
  return big_alloc_full (size, FALSE);
}

/* The builder's growing arrays: appends are inline (a bulk reader makes tens of millions),
 * growth doubles, and finish() trims each to its length, so the memory a layer reports is
 * the memory it holds. */
/* FALSE (the vector as it was) only if @may_fail and there is not that much memory. */
static gboolean
vec_grow_full (Vec      *v,
               gsize     elem,
               gsize     need,
               gboolean  may_fail)
{
  gsize cap = MAX (MAX (v->cap * 2, need), 64);
  gpointer data;

  if (cap > G_MAXSIZE / elem)
    {
      if (may_fail)
        return FALSE;
      g_error ("Layer arrays of %" G_GSIZE_FORMAT " elements do not fit in memory", cap);
    }
  if (cap * elem >= HUGE_PAGE)
    {
      if ((data = big_alloc_full (cap * elem, may_fail)) == NULL)
        return FALSE;
      if (v->len > 0)
        memcpy (data, v->data, v->len * elem);
      g_free (v->data);
    }
  else if (may_fail)
    {
      if ((data = g_try_realloc_n (v->data, cap, elem)) == NULL)
        return FALSE;
    }
  else
    data = g_realloc_n (v->data, cap, elem);
  v->data = data;
  v->cap = cap;
  return TRUE;
}

static void
vec_grow (Vec   *v,
          gsize  elem,
          gsize  need)
{
  vec_grow_full (v, elem, need, FALSE);
}

static inline void
vec_reserve (Vec   *v,
             gsize  elem,
             gsize  more)
{
  if (v->len + more > v->cap)
    vec_grow (v, elem, v->len + more);
}

/* Room asked for on a guess (a count a file declares): not having it is no error. */
static inline void
vec_try_reserve (Vec   *v,
                 gsize  elem,
                 gsize  more)
{
  if (v->len + more > v->cap)
    vec_grow_full (v, elem, v->len + more, TRUE);
}

static inline gpointer
vec_push (Vec   *v,
          gsize  elem)
{
  if (G_UNLIKELY (v->len == v->cap))
    vec_grow (v, elem, v->len + 1);
  return (guint8 *) v->data + elem * v->len++;
}

#define VEC_PUSH(v, type, value) (*(type *) vec_push ((v), sizeof (type)) = (value))
#define VEC_AT(v, type, i) (((type *) (v)->data)[i])
#define VEC_LAST(v, type) VEC_AT (v, type, (v)->len - 1)

/* The array, trimmed, with @extra more elements of room; the vector is left empty. */
static gpointer
vec_steal (Vec   *v,
           gsize  elem,
           gsize  extra)
{
  gpointer data = g_realloc_n (v->data, MAX (1, v->len + extra), elem);

  v->data = NULL;
  v->len = v->cap = 0;
  return data;
}

static void
vec_clear (Vec *v)
{
  g_clear_pointer (&v->data, g_free);
  v->len = v->cap = 0;
}

/**
 * qrt_layer_builder_new:
 * @name: the layer's name
 * @kind: the geometry kind every feature will have
 * @epsg: the EPSG code of the coordinates that will be added (the analysis CRS)
 *
 * Returns: (transfer full): a builder, to be used from one thread.
 */
QrtLayerBuilder *
qrt_layer_builder_new (const char      *name,
                       QrtGeometryKind  kind,
                       int              epsg)
{
  QrtLayerBuilder *builder;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (kind != QRT_GEOMETRY_NONE, NULL);

  builder = g_new0 (QrtLayerBuilder, 1);
  builder->name = g_strdup (name);
  builder->kind = kind;
  builder->epsg = epsg;
  builder->columns = g_array_new (FALSE, TRUE, sizeof (BuildColumn));
  g_array_set_clear_func (builder->columns, (GDestroyNotify) build_column_clear);
  texts_init (&builder->texts);
  qrt_bbox_init_empty (&builder->extent);

  return builder;
}

void
qrt_layer_builder_free (QrtLayerBuilder *builder)
{
  if (builder == NULL)
    return;

  g_clear_pointer (&builder->display, display_free);
  g_free (builder->name);
  vec_clear (&builder->boxes);
  vec_clear (&builder->keys);
  vec_clear (&builder->coords);
  vec_clear (&builder->ring_offsets);
  vec_clear (&builder->part_offsets);
  vec_clear (&builder->feature_offsets);
  vec_clear (&builder->fids);
  g_clear_pointer (&builder->columns, g_array_unref);
  texts_clear (&builder->texts);
  g_free (builder);
}

guint
qrt_layer_builder_add_field (QrtLayerBuilder *builder,
                             const char      *name,
                             QrtFieldType     type)
{
  BuildColumn column = { 0 };

  g_return_val_if_fail (builder != NULL, 0);
  g_return_val_if_fail (builder->feature_offsets.len == 0, 0);
  g_return_val_if_fail (type <= QRT_FIELD_STRING, 0);

  column.name = g_strdup (name);
  column.type = type;
  g_array_append_val (builder->columns, column);

  return builder->columns->len - 1;
}

void
qrt_layer_builder_begin_feature (QrtLayerBuilder *builder)
{
  guint n;

  g_return_if_fail (builder != NULL);
  g_return_if_fail (!builder->in_feature);

  n = builder->feature_offsets.len;
  VEC_PUSH (&builder->feature_offsets, guint32, builder->part_offsets.len);
  builder->fid_set = FALSE;
  if (builder->fids_stored)
    VEC_PUSH (&builder->fids, gint64, n);
  for (guint i = 0; i < builder->columns->len; i++)
    {
      BuildColumn *column = &g_array_index (builder->columns, BuildColumn, i);

      if (build_width (column) == 8)
        VEC_PUSH (&column->values, gint64, 0);
      else
        VEC_PUSH (&column->values, gint32, 0);
      VEC_PUSH (&column->nulls, guint8, 1);
    }
  builder->in_feature = TRUE;
}

void
qrt_layer_builder_begin_part (QrtLayerBuilder *builder)
{
  g_return_if_fail (builder != NULL && builder->in_feature);

  VEC_PUSH (&builder->part_offsets, guint32, builder->ring_offsets.len);
  /* Lines and points have exactly one ring per part, so open it right away. */
  if (builder->kind != QRT_GEOMETRY_POLYGON)
    VEC_PUSH (&builder->ring_offsets, guint32, builder->coords.len / 2);
}

void
qrt_layer_builder_begin_ring (QrtLayerBuilder *builder)
{
  g_return_if_fail (builder != NULL && builder->in_feature);

  VEC_PUSH (&builder->ring_offsets, guint32, builder->coords.len / 2);
}

void
qrt_layer_builder_add_point (QrtLayerBuilder *builder,
                             double           x,
                             double           y)
{
  g_return_if_fail (builder != NULL && builder->in_feature);

  vec_reserve (&builder->coords, sizeof (double), 2);
  VEC_PUSH (&builder->coords, double, x);
  VEC_PUSH (&builder->coords, double, y);
}

static gboolean
add_ogr_part (QrtLayerBuilder *builder,
              OGRGeometryH     geometry)
{
  OGRwkbGeometryType type = wkbFlatten (OGR_G_GetGeometryType (geometry));

  switch (type)
    {
    case wkbPoint:
      if (builder->kind != QRT_GEOMETRY_POINT || OGR_G_IsEmpty (geometry))
        return FALSE;
      qrt_layer_builder_begin_part (builder);
      qrt_layer_builder_add_point (builder, OGR_G_GetX (geometry, 0), OGR_G_GetY (geometry, 0));
      return TRUE;

    case wkbLineString:
    case wkbLinearRing:
      {
        int n = OGR_G_GetPointCount (geometry);

        if (builder->kind != QRT_GEOMETRY_LINE || n < 2)
          return FALSE;
        qrt_layer_builder_begin_part (builder);
        for (int i = 0; i < n; i++)
          qrt_layer_builder_add_point (builder, OGR_G_GetX (geometry, i), OGR_G_GetY (geometry, i));
        return TRUE;
      }

    case wkbPolygon:
      {
        int n_rings = OGR_G_GetGeometryCount (geometry);

        if (builder->kind != QRT_GEOMETRY_POLYGON || n_rings < 1)
          return FALSE;
        qrt_layer_builder_begin_part (builder);
        for (int r = 0; r < n_rings; r++)
          {
            OGRGeometryH ring = OGR_G_GetGeometryRef (geometry, r);
            int n = OGR_G_GetPointCount (ring);

            qrt_layer_builder_begin_ring (builder);
            for (int i = 0; i < n; i++)
              qrt_layer_builder_add_point (builder, OGR_G_GetX (ring, i), OGR_G_GetY (ring, i));
          }
        return TRUE;
      }

    case wkbMultiPoint:
    case wkbMultiLineString:
    case wkbMultiPolygon:
    case wkbGeometryCollection:
      {
        gboolean any = FALSE;

        for (int i = 0; i < OGR_G_GetGeometryCount (geometry); i++)
          any |= add_ogr_part (builder, OGR_G_GetGeometryRef (geometry, i));
        return any;
      }

    default:
      if (OGR_G_HasCurveGeometry (geometry, TRUE))
        {
          OGRGeometryH linear = OGR_G_GetLinearGeometry (geometry, 0, NULL);
          gboolean any = linear != NULL && add_ogr_part (builder, linear);

          OGR_G_DestroyGeometry (linear);
          return any;
        }
      return FALSE;
    }
}

/**
 * qrt_layer_builder_add_ogr_geometry:
 * @geometry: an OGR geometry already in the builder's CRS
 *
 * Adds the parts of @geometry that match the builder's kind to the current feature
 * (Z and M are dropped, curves linearised).
 *
 * Returns: %TRUE if at least one part was added.
 */
gboolean
qrt_layer_builder_add_ogr_geometry (QrtLayerBuilder *builder,
                                    OGRGeometryH     geometry)
{
  g_return_val_if_fail (builder != NULL && builder->in_feature, FALSE);

  if (geometry == NULL)
    return FALSE;
  return add_ogr_part (builder, geometry);
}

/* Writes out the ids that ran on from fid_base so far, the current feature's included. */
static void
store_fids (QrtLayerBuilder *builder)
{
  guint n = builder->feature_offsets.len;

  vec_reserve (&builder->fids, sizeof (gint64), n);
  for (guint f = 0; f < n; f++)
    VEC_PUSH (&builder->fids, gint64, builder->fid_base + f);
  builder->fids_stored = TRUE;
}

/**
 * qrt_layer_builder_set_fid:
 *
 * Records the source's id of the current feature (by default its position).
 */
void
qrt_layer_builder_set_fid (QrtLayerBuilder *builder,
                           gint64           fid)
{
  guint f;

  g_return_if_fail (builder != NULL && builder->in_feature);

  f = builder->feature_offsets.len - 1;
  builder->fid_set = TRUE;
  if (builder->fids_stored)
    VEC_LAST (&builder->fids, gint64) = fid;
  else if (f == 0)
    builder->fid_base = fid;
  else if (fid != builder->fid_base + f)
    {
      store_fids (builder);
      VEC_LAST (&builder->fids, gint64) = fid;
    }
}

double *
_qrt_layer_builder_peek_coords (QrtLayerBuilder *builder,
                                guint           *n_points)
{
  *n_points = builder->coords.len / 2;
  return builder->coords.data;
}

/* Room for @n_features more single-part, single-ring features and @n_points more points, so
 * a bulk reader's appends do not move the arrays again and again. The numbers are a guess
 * (a count the file declares): where there is not that much memory, less room is made. */
void
_qrt_layer_builder_reserve (QrtLayerBuilder *builder,
                            guint            n_features,
                            guint            n_points)
{
  vec_try_reserve (&builder->coords, sizeof (double), 2 * (gsize) n_points);
  vec_try_reserve (&builder->ring_offsets, sizeof (guint32), n_features);
  vec_try_reserve (&builder->part_offsets, sizeof (guint32), n_features);
  vec_try_reserve (&builder->feature_offsets, sizeof (guint32), n_features);
  if (builder->fids_stored)
    vec_try_reserve (&builder->fids, sizeof (gint64), n_features);
  vec_try_reserve (&builder->boxes, sizeof (QrtBoxF), n_features);
  if (builder->has_frame)
    vec_try_reserve (&builder->keys, sizeof (guint64), n_features);
  if (builder->display != NULL)
    display_reserve (builder->display, n_features, n_points);
  for (guint i = 0; i < builder->columns->len; i++)
    {
      BuildColumn *column = &g_array_index (builder->columns, BuildColumn, i);

      vec_try_reserve (&column->values, build_width (column), n_features);
      vec_try_reserve (&column->nulls, 1, n_features);
    }
}

/* @n points, interleaved x,y doubles (not necessarily aligned), appended to the current ring
 * at once. */
void
_qrt_layer_builder_add_points (QrtLayerBuilder *builder,
                               gconstpointer    xy,
                               guint            n)
{
  if (n == 0)
    return;
  vec_reserve (&builder->coords, sizeof (double), 2 * (gsize) n);
  memcpy ((double *) builder->coords.data + builder->coords.len, xy, sizeof (double) * 2 * n);
  builder->coords.len += 2 * (gsize) n;
}

/* Column @field, its current feature marked as not NULL. */
static inline BuildColumn *
current_column (QrtLayerBuilder *builder,
                guint            field,
                QrtFieldType     type)
{
  BuildColumn *column;

  g_return_val_if_fail (builder != NULL && builder->in_feature, NULL);
  g_return_val_if_fail (field < builder->columns->len, NULL);

  column = &g_array_index (builder->columns, BuildColumn, field);
  g_return_val_if_fail (column->type == type, NULL);
  VEC_LAST (&column->nulls, guint8) = 0;
  return column;
}

/* The first integer that does not fit in 32 bits: the column goes to 64. */
static void
widen (BuildColumn *column)
{
  Vec wide = { 0 };

  vec_reserve (&wide, sizeof (gint64), MAX (column->values.cap, 1));
  for (gsize i = 0; i < column->values.len; i++)
    VEC_PUSH (&wide, gint64, VEC_AT (&column->values, gint32, i));
  vec_clear (&column->values);
  column->values = wide;
  column->wide = TRUE;
}

void
qrt_layer_builder_set_int (QrtLayerBuilder *builder,
                           guint            field,
                           gint64           value)
{
  BuildColumn *column = current_column (builder, field, QRT_FIELD_INTEGER);

  if (column == NULL)
    return;
  if (!column->wide && (value < G_MININT32 || value > G_MAXINT32))
    widen (column);
  if (column->wide)
    VEC_LAST (&column->values, gint64) = value;
  else
    VEC_LAST (&column->values, gint32) = (gint32) value;
}

void
qrt_layer_builder_set_real (QrtLayerBuilder *builder,
                            guint            field,
                            double           value)
{
  BuildColumn *column = current_column (builder, field, QRT_FIELD_REAL);

  if (column)
    VEC_LAST (&column->values, double) = value;
}

/* The text offset of @len bytes of @text (up to a NUL inside), for a string slot. */
static guint32
builder_intern (QrtLayerBuilder *builder,
                const char      *text,
                gsize            len)
{
  const char *nul = memchr (text, '\0', len);

  return texts_intern (&builder->texts, text, nul ? (gsize) (nul - text) : len);
}

void
qrt_layer_builder_set_string (QrtLayerBuilder *builder,
                              guint            field,
                              const char      *value)
{
  BuildColumn *column;

  if (value == NULL)
    return;
  column = current_column (builder, field, QRT_FIELD_STRING);
  if (column)
    VEC_LAST (&column->values, guint32) = builder_intern (builder, value, strlen (value));
}

guint
_qrt_layer_builder_get_n_features (QrtLayerBuilder *builder)
{
  return builder->feature_offsets.len;
}

/* Sets string @field of the current feature to @len bytes of @text (up to a NUL inside). */
void
_qrt_layer_builder_set_text (QrtLayerBuilder *builder,
                             guint            field,
                             const char      *text,
                             gsize            len)
{
  BuildColumn *column = current_column (builder, field, QRT_FIELD_STRING);

  if (column)
    VEC_LAST (&column->values, guint32) = builder_intern (builder, text, len);
}



static void
truncate_to_feature_start (QrtLayerBuilder *builder)
{
  guint32 first_part = VEC_LAST (&builder->feature_offsets, guint32);

  if (first_part < builder->part_offsets.len)
    {
      guint32 first_ring = VEC_AT (&builder->part_offsets, guint32, first_part);

      if (first_ring < builder->ring_offsets.len)
        builder->coords.len = 2 * (gsize) VEC_AT (&builder->ring_offsets, guint32, first_ring);
      builder->ring_offsets.len = first_ring;
      builder->part_offsets.len = first_part;
    }
  builder->feature_offsets.len--;
  if (builder->fids_stored)
    builder->fids.len--;
  for (guint i = 0; i < builder->columns->len; i++)
    {
      BuildColumn *column = &g_array_index (builder->columns, BuildColumn, i);

      column->values.len--;
      column->nulls.len--;
    }
}

/**
 * qrt_layer_builder_end_feature:
 *
 * Completes the current feature. A feature without any part is dropped (empty geometry).
 */
void
qrt_layer_builder_end_feature (QrtLayerBuilder *builder)
{
  g_return_if_fail (builder != NULL && builder->in_feature);

  if (VEC_LAST (&builder->feature_offsets, guint32) == builder->part_offsets.len)
    truncate_to_feature_start (builder);
  else if (!builder->fid_set && !builder->fids_stored && builder->fid_base != 0)
    {
      /* No id given: its position, which runs on from 0, not from fid_base. */
      guint f = builder->feature_offsets.len - 1;

      store_fids (builder);
      VEC_LAST (&builder->fids, gint64) = f;
    }
  builder->in_feature = FALSE;
}

void
qrt_layer_builder_discard_feature (QrtLayerBuilder *builder)
{
  g_return_if_fail (builder != NULL && builder->in_feature);

  truncate_to_feature_start (builder);
  builder->in_feature = FALSE;
}

static void
reverse_ring (double *xy,
              guint   n)
{
  for (guint i = 0, j = n - 1; i < j; i++, j--)
    {
      double tx = xy[2 * i], ty = xy[2 * i + 1];

      xy[2 * i] = xy[2 * j];
      xy[2 * i + 1] = xy[2 * j + 1];
      xy[2 * j] = tx;
      xy[2 * j + 1] = ty;
    }
}

/* Display coordinates need not come from PROJ point by point: over a municipality the map
 * from a metric CRS to Web Mercator is so smooth that interpolation in a grid of exactly
 * transformed points is off by far less than a millimetre. Each cell holds the biquadratic
 * polynomial through nine of them (its corners, edge midpoints and centre): its error shrinks
 * with the cube of the cell size, where a bilinear cell's shrinks with the square, so a few
 * hundred PROJ calls make a grid that a bilinear one needs tens of thousands for (and its
 * table stays in the cache). The grid is checked against exact transforms at four points in
 * every cell and refined, or given up for point-by-point PROJ, when it is not within
 * GRID_TOLERANCE. Analysis coordinates are never touched. */
#define GRID_TOLERANCE 0.001  /* metres, in Web Mercator */
#define GRID_MAX_CELLS 256
/* A cell: nine coefficients for x, nine for y (of u^i v^j at 3 j + i), a bound on the
 * second derivatives (display_feature()). */
#define GRID_CELL 19

typedef struct
{
  double  min_x, min_y, cell_w, cell_h, inv_w, inv_h;
  guint   nx, ny;            /* cells */
  double *node_x, *node_y;   /* (2 nx + 1) * (2 ny + 1) nodes, half a cell apart */
  double *coef;              /* GRID_CELL a cell */
} Grid;

static void
grid_clear (Grid *grid)
{
  g_clear_pointer (&grid->node_x, g_free);
  g_clear_pointer (&grid->node_y, g_free);
  g_clear_pointer (&grid->coef, g_free);
}

/* One axis of a cell's polynomial at (@u, @v), by Horner's rule in both. */
G_ALWAYS_INLINE static inline double
cell_eval (const double *a,
           double        u,
           double        v)
{
  return (a[0] + u * (a[1] + u * a[2])) +
         v * ((a[3] + u * (a[4] + u * a[5])) + v * (a[6] + u * (a[7] + u * a[8])));
}

/* The cell of (@x, @y) and the point's place in it, 0 to 1 across. Points lie within the grid
 * (it is built over their extent), so truncating is flooring. */
G_ALWAYS_INLINE static inline const double *
grid_cell (const Grid *g,
           double      x,
           double      y,
           double     *u,
           double     *v)
{
  double fx = CLAMP ((x - g->min_x) * g->inv_w, 0, g->nx), fy = CLAMP ((y - g->min_y) * g->inv_h, 0, g->ny);
  guint cx = MIN ((guint) fx, g->nx - 1), cy = MIN ((guint) fy, g->ny - 1);

  *u = fx - cx;
  *v = fy - cy;
  return g->coef + GRID_CELL * (cy * g->nx + cx);
}

/* Every display point off the fast path goes through here: forced inline into its loops. */
G_ALWAYS_INLINE static inline void
grid_apply (const Grid *g,
            double      x,
            double      y,
            double     *ox,
            double     *oy)
{
  double u, v;
  const double *k = grid_cell (g, x, y, &u, &v);

  *ox = cell_eval (k, u, v);
  *oy = cell_eval (k + 9, u, v);
}

/* The quadratic through values at 0, ½ and 1 is f0 + (-3 f0 + 4 f½ - f1) u + (2 f0 - 4 f½ +
 * 2 f1) u²: these rows make its coefficients, in u and then in v. */
static const double QUADRATIC[3][3] = { { 1, 0, 0 }, { -3, 4, -1 }, { 2, -4, 2 } };

static void
grid_set_coefficients (Grid *g)
{
  guint stride = 2 * g->nx + 1;

  g->coef = g_new0 (double, GRID_CELL * g->nx * g->ny);
  for (guint cy = 0; cy < g->ny; cy++)
    for (guint cx = 0; cx < g->nx; cx++)
      {
        double *k = g->coef + GRID_CELL * (cy * g->nx + cx);
        const double *nodes[2] = { g->node_x, g->node_y };
        double bound = 0;

        for (guint axis = 0; axis < 2; axis++)
          {
            double f[3][3], t[3][3];   /* f[b][a]: the node at u = a/2, v = b/2 */
            double *a = k + 9 * axis;

            for (guint b = 0; b < 3; b++)
              for (guint c = 0; c < 3; c++)
                f[b][c] = nodes[axis][(2 * cy + b) * stride + 2 * cx + c];
            for (guint b = 0; b < 3; b++)
              for (guint i = 0; i < 3; i++)
                t[b][i] = QUADRATIC[i][0] * f[b][0] + QUADRATIC[i][1] * f[b][1] +
                          QUADRATIC[i][2] * f[b][2];
            for (guint j = 0; j < 3; j++)
              for (guint i = 0; i < 3; i++)
                a[3 * j + i] = QUADRATIC[j][0] * t[0][i] + QUADRATIC[j][1] * t[1][i] +
                               QUADRATIC[j][2] * t[2][i];

            /* The second derivatives anywhere within the cell (0 <= u, v <= 1). */
            bound = MAX (bound, 2 * (fabs (a[2]) + fabs (a[5]) + fabs (a[8])));
            bound = MAX (bound, 2 * (fabs (a[6]) + fabs (a[7]) + fabs (a[8])));
            bound = MAX (bound, fabs (a[4]) + 2 * (fabs (a[5]) + fabs (a[7])) + 4 * fabs (a[8]));
          }
        k[18] = bound;
      }
}

static gboolean
grid_build (Grid                         *g,
            const QrtBBox                *extent,
            guint                         n,
            OGRCoordinateTransformationH  ct)
{
  guint stride = 2 * n + 1, n_nodes = stride * stride, n_checks = 4 * n * n;
  g_autofree double *cx = g_new (double, n_checks);
  g_autofree double *cy = g_new (double, n_checks);
  g_autofree double *ex = NULL;
  g_autofree double *ey = NULL;
  double w = MAX (extent->max_x - extent->min_x, 1e-6);
  double h = MAX (extent->max_y - extent->min_y, 1e-6);

  g->min_x = extent->min_x;
  g->min_y = extent->min_y;
  g->nx = g->ny = n;
  g->cell_w = w / n;
  g->cell_h = h / n;
  g->inv_w = n / w;
  g->inv_h = n / h;
  g->node_x = g_new (double, n_nodes);
  g->node_y = g_new (double, n_nodes);
  for (guint j = 0; j < stride; j++)
    for (guint i = 0; i < stride; i++)
      {
        g->node_x[j * stride + i] = g->min_x + i * g->cell_w / 2;
        g->node_y[j * stride + i] = g->min_y + j * g->cell_h / 2;
      }
  if (!OCTTransform (ct, (int) n_nodes, g->node_x, g->node_y, NULL))
    return FALSE;
  grid_set_coefficients (g);

  /* The nodes are exact; between them, a quarter of a cell from them, the error is largest. */
  for (guint j = 0; j < 2 * n; j++)
    for (guint i = 0; i < 2 * n; i++)
      {
        cx[j * 2 * n + i] = g->min_x + (i + 0.5) * g->cell_w / 2;
        cy[j * 2 * n + i] = g->min_y + (j + 0.5) * g->cell_h / 2;
      }
  ex = g_memdup2 (cx, sizeof (double) * n_checks);
  ey = g_memdup2 (cy, sizeof (double) * n_checks);
  if (!OCTTransform (ct, (int) n_checks, ex, ey, NULL))
    return FALSE;
  for (guint k = 0; k < n_checks; k++)
    {
      double ax, ay;

      grid_apply (g, cx[k], cy[k], &ax, &ay);
      if (fabs (ax - ex[k]) > GRID_TOLERANCE || fabs (ay - ey[k]) > GRID_TOLERANCE)
        return FALSE;
    }
  return TRUE;
}

/* Transforms the analysis CRS @epsg to Web Mercator, or %NULL. */
static OGRCoordinateTransformationH
display_transform (int epsg)
{
  OGRSpatialReferenceH src = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH dst = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH ct = NULL;

  OSRSetAxisMappingStrategy (src, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy (dst, OAMS_TRADITIONAL_GIS_ORDER);
  if (OSRImportFromEPSG (src, epsg) == OGRERR_NONE && OSRImportFromEPSG (dst, 3857) == OGRERR_NONE)
    ct = OCTNewCoordinateTransformation (src, dst);
  OSRDestroySpatialReference (src);
  OSRDestroySpatialReference (dst);
  return ct;
}

/* Stores Web Mercator point @i as offsets from the layer's display origin, which the first
 * point sets. */
static inline void
store_display (QrtLayer *self,
               gsize     i,
               double    mx,
               double    my)
{
  if (i == 0)
    {
      self->origin[QRT_COORDS_MERCATOR][0] = round (mx);
      self->origin[QRT_COORDS_MERCATOR][1] = round (my);
    }
  self->display[2 * i] = (float) (mx - self->origin[QRT_COORDS_MERCATOR][0]);
  self->display[2 * i + 1] = (float) (my - self->origin[QRT_COORDS_MERCATOR][1]);
}

static gboolean
to_mercator (QrtLayer  *self,
             GError   **error)
{
  OGRCoordinateTransformationH ct = display_transform (self->epsg);
  const double *in = self->coords;
  gboolean success = FALSE;
  QrtBBox extent;
  Grid grid = { 0 };
  const guint chunk = 65536;

  if (ct == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The coordinate system EPSG:%d cannot be converted for display."),
                   self->epsg);
      return FALSE;
    }

  qrt_bbox_init_empty (&extent);
  for (guint i = 0; i < self->n_points; i++)
    qrt_bbox_extend (&extent, in[2 * i], in[2 * i + 1]);

  /* Worth it from a few thousand points on; try finer grids until one is exact enough. */
  if (self->n_points > 4096 && !qrt_bbox_is_empty (&extent))
    for (guint n = 16; n <= GRID_MAX_CELLS; n *= 4)
      {
        if (grid_build (&grid, &extent, n, ct))
          {
            for (guint i = 0; i < self->n_points; i++)
              {
                double mx, my;

                grid_apply (&grid, in[2 * i], in[2 * i + 1], &mx, &my);
                store_display (self, i, mx, my);
              }
            success = TRUE;
            goto out;
          }
        grid_clear (&grid);
      }

  {
    g_autofree double *xs = g_new (double, chunk);
    g_autofree double *ys = g_new (double, chunk);
    g_autofree int *ok = g_new (int, chunk);

    for (guint start = 0; start < self->n_points; start += chunk)
      {
        guint n = MIN (chunk, self->n_points - start);

        for (guint i = 0; i < n; i++)
          {
            xs[i] = in[2 * (start + i)];
            ys[i] = in[2 * (start + i) + 1];
          }
        if (!OCTTransformEx (ct, n, xs, ys, NULL, ok))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         _("Layer “%s” has coordinates outside the area a map can show."),
                         self->name);
            goto out;
          }
        for (guint i = 0; i < n; i++)
          store_display (self, start + i, xs[i], ys[i]);
      }
  }
  success = TRUE;

out:
  grid_clear (&grid);
  OCTDestroyCoordinateTransformation (ct);
  return success;
}

/* Batch by batch: a bulk reader seals what it has added while its coordinates are in the
 * cache, in the thread that added them. */

/* Web Mercator for the features sealed so far, made by the seal itself from a grid over the
 * area the source declared (a GeoPackage keeps its layers' extents) while the coordinates are
 * still in the cache. A feature outside that area (a stale extent) stops it: finish() then
 * makes the copy as for any other layer. */
struct _Display
{
  Grid      grid;
  QrtBBox   area;
  Vec       out;         /* float offsets from origin, interleaved */
  Vec       boxes;       /* QrtBoxF, one per sealed feature */
  double    origin[2];
  QrtBBox   extent;
  gboolean  failed;
};

static void
display_free (Display *display)
{
  grid_clear (&display->grid);
  vec_clear (&display->out);
  vec_clear (&display->boxes);
  g_free (display);
}

static void
display_reserve (Display *display,
                 guint    n_features,
                 guint    n_points)
{
  vec_try_reserve (&display->out, sizeof (float), 2 * (gsize) n_points);
  vec_try_reserve (&display->boxes, sizeof (QrtBoxF), n_features);
}

/**
 * _qrt_layer_builder_set_expected_extent:
 * @area: where the layer's points will lie, in the builder's CRS (a declared extent)
 *
 * Lets the Web Mercator copy and the index's curve keys be made while the layer is still
 * being read. Call before the first _qrt_layer_builder_seal() (and best before
 * _qrt_layer_builder_reserve(), which then makes room for the display copy too), for large
 * layers only.
 *
 * Returns: whether chunks of the builder can be sealed apart now (their origin is fixed),
 *   which is not so for an extent that is no finite area
 */
gboolean
_qrt_layer_builder_set_expected_extent (QrtLayerBuilder *builder,
                                        const QrtBBox   *area)
{
  OGRCoordinateTransformationH ct;
  Display *display;
  double pad_x, pad_y;

  g_return_val_if_fail (builder->display == NULL && builder->sealed == 0, FALSE);
  /* The extent comes from the file: one that is not a finite area is no help. */
  if (qrt_bbox_is_empty (area) || !isfinite (area->max_x - area->min_x) ||
      !isfinite (area->max_y - area->min_y))
    return FALSE;
  qrt_curve_frame_init (&builder->frame, area);
  builder->has_frame = TRUE;
  /* Boxes and display points are offsets from the middle of the area rather than from the
   * first point: the same for every chunk of a layer read apart, and never more than half
   * the area away. */
  builder->origin[0] = round (area->min_x + (area->max_x - area->min_x) / 2);
  builder->origin[1] = round (area->min_y + (area->max_y - area->min_y) / 2);
  builder->origin_fixed = TRUE;
  if ((ct = display_transform (builder->epsg)) == NULL)
    return TRUE;

  display = g_new0 (Display, 1);
  /* A little room for a declared extent rounded inwards. */
  pad_x = (area->max_x - area->min_x) * 0.01 + 1;
  pad_y = (area->max_y - area->min_y) * 0.01 + 1;
  display->area = (QrtBBox) { area->min_x - pad_x, area->min_y - pad_y,
                              area->max_x + pad_x, area->max_y + pad_y };
  for (guint n = 16; n <= GRID_MAX_CELLS; n *= 4)
    {
      if (grid_build (&display->grid, &display->area, n, ct))
        {
          g_debug ("Display grid of %u×%u cells while reading", n, n);
          break;
        }
      grid_clear (&display->grid);
    }
  OCTDestroyCoordinateTransformation (ct);
  if (display->grid.node_x == NULL)
    {
      g_free (display);
      return TRUE;
    }
  {
    double mx, my;

    grid_apply (&display->grid, builder->origin[0], builder->origin[1], &mx, &my);
    display->origin[0] = round (mx);
    display->origin[1] = round (my);
  }
  qrt_bbox_init_empty (&display->extent);
  builder->display = display;
  return TRUE;
}

/* Extends @box by the @n points of @xy. Plain MIN/MAX compile to branch-free min/max
 * instructions. */
static inline void
box_points (const double *xy,
            gsize         n,
            QrtBBox      *box)
{
  for (gsize i = 0; i < n; i++)
    {
      box->min_x = MIN (box->min_x, xy[2 * i]);
      box->max_x = MAX (box->max_x, xy[2 * i]);
      box->min_y = MIN (box->min_y, xy[2 * i + 1]);
      box->max_y = MAX (box->max_y, xy[2 * i + 1]);
    }
}

/* Exterior rings counter-clockwise, holes clockwise: the renderer can then fill a whole layer
 * as one path with the non-zero rule and overlapping features stay filled. The ring's points
 * also extend @box, in the same pass (the seal's largest cost was passes over the points). */
static void
orient_ring (double   *xy,
             guint     n,
             gboolean  exterior,
             QrtBBox  *box)
{
  double twice_area = 0;

  for (guint i = 0; i + 1 < n; i++)
    {
      double x = xy[2 * i], y = xy[2 * i + 1];

      twice_area += x * xy[2 * i + 3] - xy[2 * i + 2] * y;
      box->min_x = MIN (box->min_x, x);
      box->max_x = MAX (box->max_x, x);
      box->min_y = MIN (box->min_y, y);
      box->max_y = MAX (box->max_y, y);
    }
  if (n > 0)
    box_points (xy + 2 * (n - 1), 1, box);
  if ((exterior && twice_area < 0) || (!exterior && twice_area > 0))
    reverse_ring (xy, n);
}

/* The box of @n display points (float offsets, so the box is exact). Plain MIN/MAX compile to
 * branch-free min/max instructions. */
static QrtBoxF
display_box (const float *xy,
             gsize        n)
{
  QrtBoxF box = { INFINITY, INFINITY, -INFINITY, -INFINITY };

  for (gsize i = 0; i < n; i++)
    {
      box.min_x = MIN (box.min_x, xy[2 * i]);
      box.max_x = MAX (box.max_x, xy[2 * i]);
      box.min_y = MIN (box.min_y, xy[2 * i + 1]);
      box.max_y = MAX (box.max_y, xy[2 * i + 1]);
    }
  return box;
}

/* The display copy of points [@first, @last) of one feature whose analysis box is @box, and
 * its display box. Most features (a building, a tree) lie within one grid cell; over a
 * feature that small the cell's polynomial is as good as its tangent plane at the first point
 * (the Taylor remainder is bounded by the cell's second derivatives, and must stay under a
 * millimetre), which costs two multiply-adds a coordinate instead of a cell lookup. */
static void
display_feature (Display       *d,
                 const double  *xy,
                 gsize          first,
                 gsize          last,
                 const QrtBBox *box)
{
  const Grid *g = &d->grid;
  float *out;
  QrtBoxF fbox = { INFINITY, INFINITY, -INFINITY, -INFINITY };
  double u0, v0, w, h;
  const double *k;
  QrtBBox whole;

  if (!qrt_bbox_contains (&d->area, box))
    {
      d->failed = TRUE;
      return;
    }
  vec_reserve (&d->out, sizeof (float), 2 * (last - first));
  out = (float *) d->out.data + d->out.len;

  k = grid_cell (g, xy[2 * first], xy[2 * first + 1], &u0, &v0);
  w = (box->max_x - box->min_x) * g->inv_w;
  h = (box->max_y - box->min_y) * g->inv_h;

  /* The box within the cell: the polynomial was checked there only, and outside it drifts
   * from the true map faster than the bound says. The first point is in the box, so no point
   * is farther from it than w and h. */
  if (u0 - (xy[2 * first] - box->min_x) * g->inv_w >= 0 &&
      u0 + (box->max_x - xy[2 * first]) * g->inv_w <= 1 &&
      v0 - (xy[2 * first + 1] - box->min_y) * g->inv_h >= 0 &&
      v0 + (box->max_y - xy[2 * first + 1]) * g->inv_h <= 1 &&
      0.5 * k[18] * (w + h) * (w + h) <= 1e-3)
    {
      const double *ky = k + 9;
      double mx0 = cell_eval (k, u0, v0) - d->origin[0];
      double my0 = cell_eval (ky, u0, v0) - d->origin[1];
      /* The partial derivatives at (u0, v0), per metre. */
      double xx = ((k[1] + 2 * u0 * k[2]) + v0 * ((k[4] + 2 * u0 * k[5]) +
                                                  v0 * (k[7] + 2 * u0 * k[8]))) * g->inv_w;
      double xy_ = ((k[3] + u0 * (k[4] + u0 * k[5])) +
                    2 * v0 * (k[6] + u0 * (k[7] + u0 * k[8]))) * g->inv_h;
      double yx = ((ky[1] + 2 * u0 * ky[2]) + v0 * ((ky[4] + 2 * u0 * ky[5]) +
                                                    v0 * (ky[7] + 2 * u0 * ky[8]))) * g->inv_w;
      double yy = ((ky[3] + u0 * (ky[4] + u0 * ky[5])) +
                   2 * v0 * (ky[6] + u0 * (ky[7] + u0 * ky[8]))) * g->inv_h;
      double x0 = xy[2 * first], y0 = xy[2 * first + 1];

      for (gsize i = first; i < last; i++)
        {
          double dx = xy[2 * i] - x0, dy = xy[2 * i + 1] - y0;
          float fx = (float) (mx0 + xx * dx + xy_ * dy), fy = (float) (my0 + yx * dx + yy * dy);

          *out++ = fx;
          *out++ = fy;
          fbox.min_x = MIN (fbox.min_x, fx);
          fbox.max_x = MAX (fbox.max_x, fx);
          fbox.min_y = MIN (fbox.min_y, fy);
          fbox.max_y = MAX (fbox.max_y, fy);
        }
    }
  else
    {
      for (gsize i = first; i < last; i++)
        {
          double mx, my;

          grid_apply (g, xy[2 * i], xy[2 * i + 1], &mx, &my);
          *out++ = (float) (mx - d->origin[0]);
          *out++ = (float) (my - d->origin[1]);
        }
      fbox = display_box ((const float *) d->out.data + d->out.len, last - first);
    }
  d->out.len += 2 * (last - first);
  VEC_PUSH (&d->boxes, QrtBoxF, fbox);
  qrt_boxf_get (&fbox, d->origin[0], d->origin[1], &whole);
  qrt_bbox_union (&d->extent, &whole);
}

/**
 * _qrt_layer_builder_seal:
 *
 * Finishes the features added since the last call as far as they can be on their own while
 * their coordinates are still in the cache: orients polygon rings, boxes the features and,
 * when a display area was set, makes their display copy. Features once sealed must not
 * change.
 */
void
_qrt_layer_builder_seal (QrtLayerBuilder *builder)
{
  guint n_features = builder->feature_offsets.len;
  guint n_parts = builder->part_offsets.len;
  guint n_rings = builder->ring_offsets.len;
  gsize n_points = builder->coords.len / 2;
  const guint32 *features = builder->feature_offsets.data;
  const guint32 *parts = builder->part_offsets.data;
  const guint32 *rings = builder->ring_offsets.data;
  double *xy = builder->coords.data;

  g_return_if_fail (!builder->in_feature);

  if (builder->sealed == n_features)
    return;
  if (builder->sealed == 0 && n_points > 0 && !builder->origin_fixed)
    {
      builder->origin[0] = round (xy[0]);
      builder->origin[1] = round (xy[1]);
    }
  vec_reserve (&builder->boxes, sizeof (QrtBoxF), n_features - builder->sealed);

  for (guint f = builder->sealed; f < n_features; f++)
    {
      guint part_end = f + 1 < n_features ? features[f + 1] : n_parts;
      guint ring_first = parts[features[f]];
      guint ring_end = part_end < n_parts ? parts[part_end] : n_rings;
      gsize first = rings[ring_first];
      gsize last = ring_end < n_rings ? rings[ring_end] : n_points;
      QrtBBox box = { INFINITY, INFINITY, -INFINITY, -INFINITY };

      if (builder->kind == QRT_GEOMETRY_POLYGON)
        for (guint p = features[f]; p < part_end; p++)
          {
            guint r_end = p + 1 < n_parts ? parts[p + 1] : n_rings;

            for (guint r = parts[p]; r < r_end; r++)
              {
                gsize start = rings[r], end = r + 1 < n_rings ? rings[r + 1] : n_points;

                orient_ring (xy + 2 * start, end - start, r == parts[p], &box);
              }
          }
      else
        box_points (xy + 2 * first, last - first, &box);
      qrt_boxf_set (vec_push (&builder->boxes, sizeof (QrtBoxF)), &box,
                    builder->origin[0], builder->origin[1]);
      qrt_bbox_union (&builder->extent, &box);
      if (builder->has_frame)
        VEC_PUSH (&builder->keys, guint64,
                  (guint64) qrt_curve_key (&builder->frame, (box.min_x + box.max_x) / 2,
                                           (box.min_y + box.max_y) / 2) << 32 | f);
      if (builder->display && !builder->display->failed)
        display_feature (builder->display, xy, first, last, &box);
    }
  builder->sealed = n_features;
}

/*
 * Chunks: a bulk reader may build parts of a layer in other threads, each in a builder made
 * like the layer's (_qrt_layer_builder_new_chunk()), seal them there and append them here in
 * order. With an expected extent the chunks share the layer's origins, curve frame and
 * display grid, so their sealed boxes, keys and display points are copied as they are.
 */

/**
 * _qrt_layer_builder_new_chunk:
 * @builder: the layer's builder, its fields added
 *
 * Returns: (transfer full): an empty builder for features to be appended to @builder, usable
 *   in another thread; it seals like @builder once it has taken @builder's expected extent
 *   (here, or later with _qrt_layer_builder_expect_like()).
 */
QrtLayerBuilder *
_qrt_layer_builder_new_chunk (const QrtLayerBuilder *builder)
{
  QrtLayerBuilder *chunk = qrt_layer_builder_new (builder->name, builder->kind, builder->epsg);

  for (guint i = 0; i < builder->columns->len; i++)
    {
      const BuildColumn *column = &g_array_index (builder->columns, BuildColumn, i);

      qrt_layer_builder_add_field (chunk, column->name, column->type);
    }
  _qrt_layer_builder_expect_like (chunk, builder);
  return chunk;
}

/**
 * _qrt_layer_builder_expect_like:
 * @chunk: a chunk of @builder, not sealed yet
 *
 * Gives @chunk the origins, curve frame and display grid of @builder's expected extent, if it
 * has one and @chunk has not yet.
 */
void
_qrt_layer_builder_expect_like (QrtLayerBuilder       *chunk,
                                const QrtLayerBuilder *builder)
{
  if (chunk->origin_fixed || !builder->origin_fixed)
    return;
  g_return_if_fail (chunk->sealed == 0 && chunk->display == NULL);

  chunk->origin[0] = builder->origin[0];
  chunk->origin[1] = builder->origin[1];
  chunk->origin_fixed = TRUE;
  chunk->frame = builder->frame;
  chunk->has_frame = builder->has_frame;
  if (builder->display != NULL)
    {
      const Grid *grid = &builder->display->grid;
      Display *display = g_new0 (Display, 1);

      /* Only the coefficients are applied; the nodes were for building the grid. */
      display->grid = *grid;
      display->grid.node_x = display->grid.node_y = NULL;
      display->grid.coef = g_memdup2 (grid->coef,
                                      sizeof (double) * GRID_CELL * grid->nx * grid->ny);
      display->area = builder->display->area;
      display->origin[0] = builder->display->origin[0];
      display->origin[1] = builder->display->origin[1];
      qrt_bbox_init_empty (&display->extent);
      chunk->display = display;
    }
}

/**
 * _qrt_layer_builder_clear:
 *
 * Drops the features of a chunk once appended, keeping its room for the next.
 */
void
_qrt_layer_builder_clear (QrtLayerBuilder *chunk)
{
  g_return_if_fail (!chunk->in_feature);

  chunk->coords.len = 0;
  chunk->ring_offsets.len = 0;
  chunk->part_offsets.len = 0;
  chunk->feature_offsets.len = 0;
  chunk->fids.len = 0;
  chunk->fids_stored = FALSE;
  chunk->fid_base = 0;
  for (guint i = 0; i < chunk->columns->len; i++)
    {
      BuildColumn *column = &g_array_index (chunk->columns, BuildColumn, i);

      column->values.len = 0;
      column->nulls.len = 0;
    }
  g_byte_array_set_size (chunk->texts.bytes, 0);
  memset (chunk->texts.slots, 0, sizeof (guint32) * chunk->texts.n_slots);
  chunk->texts.n_used = 0;
  chunk->sealed = 0;
  chunk->boxes.len = 0;
  chunk->keys.len = 0;
  qrt_bbox_init_empty (&chunk->extent);
  if (chunk->display != NULL)
    {
      chunk->display->out.len = 0;
      chunk->display->boxes.len = 0;
      chunk->display->failed = FALSE;
      qrt_bbox_init_empty (&chunk->display->extent);
    }
}

static void
vec_append (Vec           *to,
            gsize          elem,
            const Vec     *from)
{
  if (from->len == 0)
    return;
  vec_reserve (to, elem, from->len);
  memcpy ((guint8 *) to->data + elem * to->len, from->data, elem * from->len);
  to->len += from->len;
}

static void
append_offsets (Vec       *to,
                const Vec *from,
                guint32    base)
{
  guint32 *out;

  vec_reserve (to, sizeof (guint32), from->len);
  out = (guint32 *) to->data + to->len;
  for (gsize i = 0; i < from->len; i++)
    out[i] = VEC_AT (from, guint32, i) + base;
  to->len += from->len;
}

/* The chunk's feature ids after the builder's. */
static void
append_fids (QrtLayerBuilder       *builder,
             const QrtLayerBuilder *chunk)
{
  guint base = builder->feature_offsets.len, n = chunk->feature_offsets.len;
  gint64 first = chunk->fids_stored ? VEC_AT (&chunk->fids, gint64, 0) : chunk->fid_base;

  if (!chunk->fids_stored && !builder->fids_stored &&
      (base == 0 || first == builder->fid_base + base))
    {
      if (base == 0)
        builder->fid_base = first;
      return;
    }
  if (!builder->fids_stored)
    store_fids (builder);
  if (chunk->fids_stored)
    vec_append (&builder->fids, sizeof (gint64), &chunk->fids);
  else
    for (guint f = 0; f < n; f++)
      VEC_PUSH (&builder->fids, gint64, chunk->fid_base + f);
}

static void
append_column (BuildColumn       *to,
               const BuildColumn *from,
               const guint32     *text_map)
{
  gsize n = from->values.len;

  vec_append (&to->nulls, 1, &from->nulls);
  if (from->wide && !to->wide)
    widen (to);
  if (to->type == QRT_FIELD_STRING)
    {
      guint32 *out;

      vec_reserve (&to->values, sizeof (guint32), n);
      out = (guint32 *) to->values.data + to->values.len;
      /* A NULL's slot holds 0, which is any text's offset or none at all. */
      for (gsize i = 0; i < n; i++)
        out[i] = text_map != NULL ? text_map[VEC_AT (&from->values, guint32, i)] : 0;
      to->values.len += n;
    }
  else if (to->wide && !from->wide)
    {
      vec_reserve (&to->values, sizeof (gint64), n);
      for (gsize i = 0; i < n; i++)
        VEC_PUSH (&to->values, gint64, VEC_AT (&from->values, gint32, i));
    }
  else
    vec_append (&to->values, build_width (to), &from->values);
}

/* The builder's offset of each text of the chunk, by the chunk's offset; %NULL if it has none. */
static guint32 *
map_texts (QrtLayerBuilder       *builder,
           const QrtLayerBuilder *chunk)
{
  const Texts *t = &chunk->texts;
  guint32 *map;

  if (t->n_used == 0)
    return NULL;
  map = g_new0 (guint32, t->bytes->len);
  for (guint i = 0; i < t->n_slots; i++)
    if (t->slots[i])
      {
        const char *text = (const char *) t->bytes->data + t->slots[i] - 1;

        map[t->slots[i] - 1] = texts_intern (&builder->texts, text, strlen (text));
      }
  return map;
}

/**
 * _qrt_layer_builder_append:
 * @chunk: features built apart, from _qrt_layer_builder_new_chunk() on @builder; all of them
 *   sealed there (then so must be all of @builder's), or none
 *
 * Appends the features of @chunk to @builder, as if they had been added there.
 */
void
_qrt_layer_builder_append (QrtLayerBuilder       *builder,
                           const QrtLayerBuilder *chunk)
{
  guint n = chunk->feature_offsets.len, base = builder->feature_offsets.len;
  gboolean sealed = n > 0 && chunk->sealed == n;
  g_autofree guint32 *text_map = NULL;

  g_return_if_fail (!builder->in_feature && !chunk->in_feature);
  g_return_if_fail (chunk->columns->len == builder->columns->len);
  g_return_if_fail (!sealed || (builder->sealed == base && chunk->origin_fixed &&
                                builder->origin[0] == chunk->origin[0] &&
                                builder->origin[1] == chunk->origin[1]));

  if (n == 0)
    return;

  append_fids (builder, chunk);
  append_offsets (&builder->feature_offsets, &chunk->feature_offsets, builder->part_offsets.len);
  append_offsets (&builder->part_offsets, &chunk->part_offsets, builder->ring_offsets.len);
  append_offsets (&builder->ring_offsets, &chunk->ring_offsets, builder->coords.len / 2);
  vec_append (&builder->coords, sizeof (double), &chunk->coords);

  text_map = map_texts (builder, chunk);
  for (guint i = 0; i < builder->columns->len; i++)
    append_column (&g_array_index (builder->columns, BuildColumn, i),
                   &g_array_index (chunk->columns, BuildColumn, i), text_map);

  if (!sealed)
    return;
  vec_append (&builder->boxes, sizeof (QrtBoxF), &chunk->boxes);
  qrt_bbox_union (&builder->extent, &chunk->extent);
  if (builder->has_frame)
    {
      guint64 *keys;

      vec_reserve (&builder->keys, sizeof (guint64), n);
      keys = (guint64 *) builder->keys.data + builder->keys.len;
      /* The feature in the low half moves on by the features before the chunk. */
      for (guint f = 0; f < n; f++)
        keys[f] = VEC_AT (&chunk->keys, guint64, f) + base;
      builder->keys.len += n;
    }
  if (builder->display != NULL && !builder->display->failed)
    {
      Display *to = builder->display;
      const Display *from = chunk->display;

      if (from == NULL || from->failed)
        to->failed = TRUE;
      else
        {
          vec_append (&to->out, sizeof (float), &from->out);
          vec_append (&to->boxes, sizeof (QrtBoxF), &from->boxes);
          qrt_bbox_union (&to->extent, &from->extent);
        }
    }
  builder->sealed = base + n;
}

/* Moves the display copy, its boxes, origin and extent into @self, if the seal made all of
 * it. */
static gboolean
display_take (Display  *display,
              QrtLayer *self)
{
  if (display->failed || display->boxes.len != self->n_features)
    {
      g_debug ("Display copy made at the end: %s", display->failed ? "a feature outside the declared extent"
                                                                   : "not all features sealed");
      return FALSE;
    }
  self->display = vec_steal (&display->out, sizeof (float), 0);
  self->boxes[QRT_COORDS_MERCATOR] = vec_steal (&display->boxes, sizeof (QrtBoxF), 0);
  self->origin[QRT_COORDS_MERCATOR][0] = display->origin[0];
  self->origin[QRT_COORDS_MERCATOR][1] = display->origin[1];
  self->extent[QRT_COORDS_MERCATOR] = display->extent;
  return TRUE;
}

/* Each feature's display box and the display extent. The display coordinates are already
 * floats from the display origin, so their boxes are exact. */
static void
compute_display_boxes (QrtLayer *self)
{
  const float *xy = self->display;
  double ox = self->origin[QRT_COORDS_MERCATOR][0], oy = self->origin[QRT_COORDS_MERCATOR][1];
  QrtBBox *extent = &self->extent[QRT_COORDS_MERCATOR];

  qrt_bbox_init_empty (extent);
  self->boxes[QRT_COORDS_MERCATOR] = big_alloc (sizeof (QrtBoxF) * MAX (1, self->n_features));
  for (guint f = 0; f < self->n_features; f++)
    {
      guint first = self->ring_offsets[self->part_offsets[self->feature_offsets[f]]];
      guint last = self->ring_offsets[self->part_offsets[self->feature_offsets[f + 1]]];
      QrtBoxF box = display_box (xy + 2 * first, last - first);
      QrtBBox whole;

      self->boxes[QRT_COORDS_MERCATOR][f] = box;
      qrt_boxf_get (&box, ox, oy, &whole);
      qrt_bbox_union (extent, &whole);
    }
}

static QrtBoxes
index_items (QrtLayer  *self,
             QrtCoords  which)
{
  return (QrtBoxes) {
    self->boxes[which], self->n_features, self->origin[which][0], self->origin[which][1],
  };
}

/* @keys: (nullable): curve keys made while reading, sorted here (see qrt_rtree_new_from_keys) */
static void
build_index (QrtLayer  *self,
             QrtCoords  which,
             QrtRTree  *same_order,
             guint64   *keys)
{
  QrtBoxes items = index_items (self, which);

  self->index[which] = keys ? qrt_rtree_new_from_keys (&items, keys, NULL, NULL)
                            : qrt_rtree_new (&items, same_order);
}

static gpointer
mercator_thread (gpointer data)
{
  QrtLayer *self = data;
  GError *error = NULL;

  self->display = big_alloc (sizeof (float) * MAX (1, 2 * self->n_points));
  if (!to_mercator (self, &error))
    return error;
  compute_display_boxes (self);
  return NULL;
}

/* Narrows the build columns into the layer's. */
static void
freeze_columns (QrtLayer        *self,
                QrtLayerBuilder *builder)
{
  self->n_columns = builder->columns->len;
  self->columns = g_new0 (Column, MAX (1, self->n_columns));
  for (guint i = 0; i < self->n_columns; i++)
    {
      BuildColumn *from = &g_array_index (builder->columns, BuildColumn, i);
      Column *to = &self->columns[i];
      guint n = self->n_features;

      to->name = g_steal_pointer (&from->name);
      to->type = from->type;
      to->wide = from->wide;
      if (n > 0 && memchr (from->nulls.data, 1, n) != NULL)
        to->nulls = vec_steal (&from->nulls, 1, 0);
      to->values = vec_steal (&from->values, build_width (from), 0);
    }

  self->text_size = builder->texts.bytes->len;
  self->text = g_byte_array_free (g_steal_pointer (&builder->texts.bytes), FALSE);
}

/* Keeps the source's feature ids only when they are not simply consecutive. */
static void
freeze_fids (QrtLayer        *self,
             QrtLayerBuilder *builder)
{
  const gint64 *fids = builder->fids.data;
  guint f;

  if (!builder->fids_stored)
    {
      self->fid_base = builder->fid_base;
      return;
    }
  /* Dropped features may have closed the gap that made them stored. */
  self->fid_base = self->n_features > 0 ? fids[0] : 0;
  for (f = 0; f < self->n_features; f++)
    if (fids[f] != self->fid_base + f)
      break;
  if (f < self->n_features)
    self->fids = vec_steal (&builder->fids, sizeof (gint64), 0);
}

/* An offsets array, trimmed, with the end of the last element appended. */
static guint32 *
steal_offsets (Vec     *v,
               guint32  end)
{
  guint n = v->len;
  guint32 *offsets = vec_steal (v, sizeof (guint32), 1);

  offsets[n] = end;
  return offsets;
}

/**
 * qrt_layer_builder_finish:
 * @builder: (transfer full): the builder, freed by this call
 *
 * Freezes the features into an immutable layer, computing the Web Mercator copy, the
 * per-feature boxes and the spatial indexes.
 *
 * Returns: (transfer full): the layer, or %NULL with @error set if the coordinates cannot be
 *   shown on a Web Mercator map.
 */
QrtLayer *
qrt_layer_builder_finish (QrtLayerBuilder  *builder,
                          GError          **error)
{
  g_autoptr(QrtLayer) self = NULL;
  GError *mercator_error = NULL;
  gboolean made_display;
  g_autofree guint64 *keys = NULL;

  g_return_val_if_fail (builder != NULL, NULL);
  g_return_val_if_fail (!builder->in_feature, NULL);

  /* Whatever a bulk reader left (or all, for one that never sealed). */
  _qrt_layer_builder_seal (builder);

  self = g_object_new (QRT_TYPE_LAYER, NULL);
  self->serial = (guint64) g_atomic_int_add (&next_serial, 1) + 1;
  self->name = g_steal_pointer (&builder->name);
  self->kind = builder->kind;
  self->epsg = builder->epsg;
  self->n_features = builder->feature_offsets.len;
  self->n_parts = builder->part_offsets.len;
  self->n_rings = builder->ring_offsets.len;
  self->n_points = builder->coords.len / 2;
  self->feature_offsets = steal_offsets (&builder->feature_offsets, self->n_parts);
  self->part_offsets = steal_offsets (&builder->part_offsets, self->n_rings);
  self->ring_offsets = steal_offsets (&builder->ring_offsets, self->n_points);
  self->coords = vec_steal (&builder->coords, sizeof (double), 0);
  self->boxes[QRT_COORDS_ANALYSIS] = vec_steal (&builder->boxes, sizeof (QrtBoxF), 0);
  self->origin[QRT_COORDS_ANALYSIS][0] = builder->origin[0];
  self->origin[QRT_COORDS_ANALYSIS][1] = builder->origin[1];
  self->extent[QRT_COORDS_ANALYSIS] = builder->extent;
  freeze_fids (self, builder);
  freeze_columns (self, builder);
  made_display = builder->display != NULL && display_take (builder->display, self);
  if (builder->has_frame && builder->keys.len == self->n_features)
    keys = vec_steal (&builder->keys, sizeof (guint64), 0);
  qrt_layer_builder_free (builder);

  if (made_display)
    {
      QrtBoxes analysis = index_items (self, QRT_COORDS_ANALYSIS);
      QrtBoxes mercator = index_items (self, QRT_COORDS_MERCATOR);

      /* Both trees at once, in one curve order (that of the keys the reader made). */
      self->index[QRT_COORDS_ANALYSIS] =
        qrt_rtree_new_from_keys (&analysis, keys, &mercator, &self->index[QRT_COORDS_MERCATOR]);
      return g_steal_pointer (&self);
    }

  /* The display copy and its boxes beside the analysis tree's curve order, which both trees
   * then share. */
  if (self->n_features > 10000)
    {
      GThread *thread = g_thread_new ("qrt-mercator", mercator_thread, self);

      build_index (self, QRT_COORDS_ANALYSIS, NULL, keys);
      mercator_error = g_thread_join (thread);
    }
  else
    {
      build_index (self, QRT_COORDS_ANALYSIS, NULL, keys);
      mercator_error = mercator_thread (self);
    }
  if (mercator_error != NULL)
    {
      g_propagate_error (error, mercator_error);
      return NULL;
    }
  build_index (self, QRT_COORDS_MERCATOR, self->index[QRT_COORDS_ANALYSIS], NULL);

  return g_steal_pointer (&self);
}

/**
 * qrt_layer_with_column:
 * @values: (array): one value per feature (NAN for none)
 *
 * Copy-on-write: a new layer with the geometry and attributes of @self plus a real column
 * @name (replacing one of that name). Used to colour districts by an indicator.
 *
 * Returns: (transfer full): the new layer.
 */
QrtLayer *
qrt_layer_with_column (QrtLayer     *self,
                       const char   *name,
                       const double *values)
{
  QrtLayer *copy;
  int existing;
  guint n_columns;

  g_return_val_if_fail (QRT_IS_LAYER (self) && name != NULL && values != NULL, NULL);

  existing = qrt_layer_find_field (self, name);
  n_columns = self->n_columns + (existing < 0 ? 1 : 0);

  copy = g_object_new (QRT_TYPE_LAYER, NULL);
  copy->serial = (guint64) g_atomic_int_add (&next_serial, 1) + 1;
  copy->name = g_strdup (self->name);
  copy->kind = self->kind;
  copy->epsg = self->epsg;
  copy->n_features = self->n_features;
  copy->n_points = self->n_points;
  copy->n_rings = self->n_rings;
  copy->n_parts = self->n_parts;
  for (guint c = 0; c < 2; c++)
    {
      QrtBoxes items;

      copy->boxes[c] = g_memdup2 (self->boxes[c], sizeof (QrtBoxF) * MAX (1, self->n_features));
      copy->origin[c][0] = self->origin[c][0];
      copy->origin[c][1] = self->origin[c][1];
      copy->extent[c] = self->extent[c];
      items = index_items (copy, c);
      /* Same boxes, same curve: the order is shared rather than sorted again. */
      copy->index[c] = qrt_rtree_new (&items, self->index[QRT_COORDS_ANALYSIS]);
    }
  copy->coords = g_memdup2 (self->coords, sizeof (double) * MAX (1, 2 * self->n_points));
  copy->display = g_memdup2 (self->display, sizeof (float) * MAX (1, 2 * self->n_points));
  copy->ring_offsets = g_memdup2 (self->ring_offsets, sizeof (guint32) * (self->n_rings + 1));
  copy->part_offsets = g_memdup2 (self->part_offsets, sizeof (guint32) * (self->n_parts + 1));
  copy->feature_offsets = g_memdup2 (self->feature_offsets,
                                     sizeof (guint32) * (self->n_features + 1));
  copy->fid_base = self->fid_base;
  if (self->fids)
    copy->fids = (gint64 *) g_memdup2 (self->fids, sizeof (gint64) * MAX (1, self->n_features));
  copy->text = g_memdup2 (self->text, MAX (1, self->text_size));
  copy->text_size = self->text_size;

  copy->n_columns = n_columns;
  copy->columns = g_new0 (Column, n_columns);
  for (guint i = 0; i < n_columns; i++)
    {
      Column *to = &copy->columns[i];
      gboolean is_new = (int) i == existing || i == self->n_columns;

      if (is_new)
        {
          double *v = g_memdup2 (values, sizeof (double) * MAX (1, self->n_features));
          gboolean any_null = FALSE;

          to->name = g_strdup (name);
          to->type = QRT_FIELD_REAL;
          to->values = v;
          for (guint f = 0; f < self->n_features; f++)
            any_null |= !isfinite (v[f]);
          if (any_null)
            {
              to->nulls = g_new (guint8, self->n_features);
              for (guint f = 0; f < self->n_features; f++)
                to->nulls[f] = !isfinite (v[f]);
            }
          continue;
        }
      *to = self->columns[i];
      to->name = g_strdup (self->columns[i].name);
      to->values = g_memdup2 (self->columns[i].values,
                              column_width (to) * MAX (1, self->n_features));
      if (self->columns[i].nulls)
        to->nulls = g_memdup2 (self->columns[i].nulls, self->n_features);
    }
  return copy;
}

/**
 * qrt_geometry_kind_from_ogr:
 *
 * Returns: the kind of layer a GDAL geometry type belongs in (curves count as lines and
 *   areas), or %QRT_GEOMETRY_NONE.
 */
QrtGeometryKind
qrt_geometry_kind_from_ogr (OGRwkbGeometryType type)
{
  switch (wkbFlatten (type))
    {
    case wkbPoint:
    case wkbMultiPoint:
      return QRT_GEOMETRY_POINT;
    case wkbLineString:
    case wkbMultiLineString:
    case wkbCircularString:
    case wkbCompoundCurve:
    case wkbMultiCurve:
      return QRT_GEOMETRY_LINE;
    case wkbPolygon:
    case wkbMultiPolygon:
    case wkbCurvePolygon:
    case wkbMultiSurface:
      return QRT_GEOMETRY_POLYGON;
    default:
      return QRT_GEOMETRY_NONE;
    }
}

/**
 * qrt_ogr_layer_kind:
 *
 * Returns: the kind of a GDAL layer; for one declared "Geometry" (mixed), that of its first
 *   feature with a geometry (also inside a collection). Resets the layer's reading.
 */
QrtGeometryKind
qrt_ogr_layer_kind (OGRLayerH layer)
{
  QrtGeometryKind kind = qrt_geometry_kind_from_ogr (OGR_L_GetGeomType (layer));
  OGRFeatureH feature;

  if (kind != QRT_GEOMETRY_NONE || OGR_L_GetGeomType (layer) == wkbNone)
    return kind;

  OGR_L_ResetReading (layer);
  for (int i = 0; i < 1000 && kind == QRT_GEOMETRY_NONE &&
                  (feature = OGR_L_GetNextFeature (layer)) != NULL; i++)
    {
      OGRGeometryH geometry = OGR_F_GetGeometryRef (feature);

      if (geometry != NULL)
        {
          kind = qrt_geometry_kind_from_ogr (OGR_G_GetGeometryType (geometry));
          /* A collection holds its kind in its members. */
          for (int k = 0; kind == QRT_GEOMETRY_NONE && k < OGR_G_GetGeometryCount (geometry); k++)
            kind = qrt_geometry_kind_from_ogr (OGR_G_GetGeometryType (OGR_G_GetGeometryRef (geometry, k)));
        }
      OGR_F_Destroy (feature);
    }
  OGR_L_ResetReading (layer);
  return kind;
}

