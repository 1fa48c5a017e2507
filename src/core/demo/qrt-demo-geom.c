/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "qrt-demo-private.h"

/* --- star-shaped blobs ------------------------------------------------------------------------ */

/* Vertex coordinates relative to the centre, cached next to the radii. */
typedef struct
{
  QrtDemoBlob  blob;
  double      *vx;
  double      *vy;
} Blob;

static void
blob_update (Blob *self)
{
  QrtDemoBlob *blob = &self->blob;

  blob->r_max = 0.0;
  for (guint i = 0; i < blob->n; i++)
    {
      double angle = 2.0 * G_PI * i / blob->n;

      self->vx[i] = blob->r[i] * cos (angle);
      self->vy[i] = blob->r[i] * sin (angle);
      blob->r_max = MAX (blob->r_max, blob->r[i]);
    }
}

static Blob *
blob_alloc (double cx,
            double cy,
            guint  n)
{
  Blob *self = g_new0 (Blob, 1);

  self->blob.cx = cx;
  self->blob.cy = cy;
  self->blob.n = n;
  self->blob.r = g_new0 (double, n);
  self->vx = g_new0 (double, n);
  self->vy = g_new0 (double, n);
  return self;
}

/*
 * A random, irregular, star-shaped outline of the given area: an ellipse of the given aspect
 * ratio (area preserving) turned by @angle, its radius modulated by random harmonics whose
 * amplitude falls with the 1.5th power of their order (a roughly fractal spectrum, as of
 * natural boundaries), so the outline is lumpy and ragged but neither wavy nor spiky.
 * Because the radius is positive at every angle the polygon is always simple, hence valid.
 */
QrtDemoBlob *
_qrt_demo_blob_new (QrtDemoRng *rng,
                    double      cx,
                    double      cy,
                    double      area,
                    double      aspect,
                    double      angle,
                    double      roughness,
                    guint       n)
{
  Blob *self;
  guint n_harmonics = MAX (8, n / 6);
  g_autofree double *amplitude = g_new0 (double, n_harmonics + 1);
  g_autofree double *phase = g_new0 (double, n_harmonics + 1);
  double a = sqrt (aspect);
  double b = 1.0 / a;

  g_assert (n >= 8);

  self = blob_alloc (cx, cy, n);

  for (guint k = 2; k <= n_harmonics; k++)
    {
      amplitude[k] = roughness * _qrt_demo_rng_normal (rng) * pow (2.0 / k, 1.5);
      phase[k] = _qrt_demo_rng_range (rng, 0.0, 2.0 * G_PI);
    }

  for (guint i = 0; i < n; i++)
    {
      double theta = 2.0 * G_PI * i / n;
      double ct = cos (theta - angle) / a;
      double st = sin (theta - angle) / b;
      double h = 0.0;

      for (guint k = 2; k <= n_harmonics; k++)
        h += amplitude[k] * cos (k * theta + phase[k]);

      self->blob.r[i] = exp (h) / sqrt (ct * ct + st * st);
    }

  blob_update (self);
  _qrt_demo_blob_scale (&self->blob, sqrt (area / _qrt_demo_blob_area (&self->blob)));

  return &self->blob;
}

QrtDemoBlob *
_qrt_demo_blob_copy_scaled (const QrtDemoBlob *blob,
                            double             factor)
{
  Blob *self = blob_alloc (blob->cx, blob->cy, blob->n);

  for (guint i = 0; i < blob->n; i++)
    self->blob.r[i] = blob->r[i] * factor;
  blob_update (self);

  return &self->blob;
}

void
_qrt_demo_blob_free (QrtDemoBlob *blob)
{
  Blob *self = (Blob *) blob;

  if (blob == NULL)
    return;

  g_free (blob->r);
  g_free (self->vx);
  g_free (self->vy);
  g_free (self);
}

void
_qrt_demo_blob_scale (QrtDemoBlob *blob,
                      double       factor)
{
  for (guint i = 0; i < blob->n; i++)
    blob->r[i] *= factor;
  blob_update ((Blob *) blob);
}

double
_qrt_demo_blob_area (const QrtDemoBlob *blob)
{
  const Blob *self = (const Blob *) blob;
  double sum = 0.0;

  for (guint i = 0; i < blob->n; i++)
    {
      guint j = (i + 1) % blob->n;

      sum += self->vx[i] * self->vy[j] - self->vx[j] * self->vy[i];
    }

  return fabs (sum) / 2.0;
}

/* Exact point-in-polygon for a star-shaped outline: find the edge the ray from the centre
 * crosses, then test which side of that edge the point lies on. */
gboolean
_qrt_demo_blob_contains (const QrtDemoBlob *blob,
                         double             x,
                         double             y)
{
  const Blob *self = (const Blob *) blob;
  double dx = x - blob->cx;
  double dy = y - blob->cy;
  double theta;
  guint i, j;
  double ex, ey;

  if (dx * dx + dy * dy > blob->r_max * blob->r_max)
    return FALSE;

  theta = atan2 (dy, dx);
  if (theta < 0.0)
    theta += 2.0 * G_PI;

  i = (guint) (theta / (2.0 * G_PI) * blob->n) % blob->n;
  j = (i + 1) % blob->n;
  ex = self->vx[j] - self->vx[i];
  ey = self->vy[j] - self->vy[i];

  /* The centre is on the inner side of every edge (counter-clockwise order): the point is
   * inside when it is on the same side. */
  return ex * (dy - self->vy[i]) - ey * (dx - self->vx[i]) >= 0.0;
}

/* Distance from the centre to the outline along the ray at @angle. */
double
_qrt_demo_blob_boundary (const QrtDemoBlob *blob,
                         double             angle)
{
  const Blob *self = (const Blob *) blob;
  double theta = fmod (angle, 2.0 * G_PI);
  double dx, dy, ex, ey, denom;
  guint i, j;

  if (theta < 0.0)
    theta += 2.0 * G_PI;

  i = (guint) (theta / (2.0 * G_PI) * blob->n) % blob->n;
  j = (i + 1) % blob->n;
  dx = cos (theta);
  dy = sin (theta);
  ex = self->vx[j] - self->vx[i];
  ey = self->vy[j] - self->vy[i];
  denom = dx * ey - dy * ex;
  if (fabs (denom) < 1e-12)
    return blob->r[i];

  return (self->vx[i] * ey - self->vy[i] * ex) / denom;
}

GEOSGeometry *
_qrt_demo_blob_to_geos (GEOSContextHandle_t ctx,
                        const QrtDemoBlob  *blob)
{
  const Blob *self = (const Blob *) blob;
  GEOSCoordSequence *seq = GEOSCoordSeq_create_r (ctx, blob->n + 1, 2);
  GEOSGeometry *ring;

  for (guint i = 0; i <= blob->n; i++)
    {
      guint k = i % blob->n;

      GEOSCoordSeq_setXY_r (ctx, seq, i, blob->cx + self->vx[k], blob->cy + self->vy[k]);
    }

  ring = GEOSGeom_createLinearRing_r (ctx, seq);
  return GEOSGeom_createPolygon_r (ctx, ring, NULL, 0);
}

/* --- polylines -------------------------------------------------------------------------------- */

double
_qrt_demo_line_length (const GArray *line)
{
  double length = 0.0;

  for (guint i = 1; i < line->len; i++)
    {
      const QrtDemoXY *a = &g_array_index (line, QrtDemoXY, i - 1);
      const QrtDemoXY *b = &g_array_index (line, QrtDemoXY, i);

      length += hypot (b->x - a->x, b->y - a->y);
    }

  return length;
}

GEOSGeometry *
_qrt_demo_line_to_geos (GEOSContextHandle_t ctx,
                        const GArray       *line)
{
  GEOSCoordSequence *seq = GEOSCoordSeq_create_r (ctx, line->len, 2);

  for (guint i = 0; i < line->len; i++)
    {
      const QrtDemoXY *p = &g_array_index (line, QrtDemoXY, i);

      GEOSCoordSeq_setXY_r (ctx, seq, i, p->x, p->y);
    }

  return GEOSGeom_createLineString_r (ctx, seq);
}

/* Point and unit tangent at arc length @s (clamped to the line). */
void
_qrt_demo_line_point_at (const GArray *line,
                         double        s,
                         QrtDemoXY    *point,
                         QrtDemoXY    *tangent)
{
  double walked = 0.0;

  g_assert (line->len >= 2);

  for (guint i = 1; i < line->len; i++)
    {
      const QrtDemoXY *a = &g_array_index (line, QrtDemoXY, i - 1);
      const QrtDemoXY *b = &g_array_index (line, QrtDemoXY, i);
      double seg = hypot (b->x - a->x, b->y - a->y);

      if (seg <= 0.0)
        continue;

      if (walked + seg >= s || i == line->len - 1)
        {
          double t = CLAMP ((s - walked) / seg, 0.0, 1.0);

          if (point != NULL)
            {
              point->x = a->x + t * (b->x - a->x);
              point->y = a->y + t * (b->y - a->y);
            }
          if (tangent != NULL)
            {
              tangent->x = (b->x - a->x) / seg;
              tangent->y = (b->y - a->y) / seg;
            }
          return;
        }

      walked += seg;
    }

  /* Only zero-length segments: any direction will do. */
  if (point != NULL)
    *point = g_array_index (line, QrtDemoXY, 0);
  if (tangent != NULL)
    {
      tangent->x = 1.0;
      tangent->y = 0.0;
    }
}

GArray *
_qrt_demo_line_resample (const GArray *line,
                         double        step)
{
  double length = _qrt_demo_line_length (line);
  guint n = MAX (1, (guint) ceil (length / step));
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (QrtDemoXY), n + 1);

  for (guint i = 0; i <= n; i++)
    {
      QrtDemoXY p;

      _qrt_demo_line_point_at (line, length * i / n, &p, NULL);
      g_array_append_val (out, p);
    }

  return out;
}

double
_qrt_demo_segment_distance (double px,
                            double py,
                            double ax,
                            double ay,
                            double bx,
                            double by)
{
  double dx = bx - ax;
  double dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t = 0.0;

  if (len2 > 0.0)
    t = CLAMP (((px - ax) * dx + (py - ay) * dy) / len2, 0.0, 1.0);

  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

/* --- oriented boxes --------------------------------------------------------------------------- */

static inline double
box_radius (const QrtDemoBox *box,
            double            lx,
            double            ly)
{
  return box->hu * fabs (box->ux * lx + box->uy * ly)
       + box->hv * fabs (-box->uy * lx + box->ux * ly);
}

/* Separating axis test on the four edge normals. */
gboolean
_qrt_demo_box_overlap (const QrtDemoBox *a,
                       const QrtDemoBox *b)
{
  const double axes[4][2] = {
    { a->ux, a->uy }, { -a->uy, a->ux },
    { b->ux, b->uy }, { -b->uy, b->ux },
  };
  double tx = b->cx - a->cx;
  double ty = b->cy - a->cy;

  for (guint i = 0; i < 4; i++)
    {
      double lx = axes[i][0];
      double ly = axes[i][1];

      if (fabs (tx * lx + ty * ly) > box_radius (a, lx, ly) + box_radius (b, lx, ly))
        return FALSE;
    }

  return TRUE;
}

gboolean
_qrt_demo_box_contains (const QrtDemoBox *box,
                        double            x,
                        double            y,
                        double            margin)
{
  double dx = x - box->cx;
  double dy = y - box->cy;

  return fabs (dx * box->ux + dy * box->uy) <= box->hu + margin
      && fabs (-dx * box->uy + dy * box->ux) <= box->hv + margin;
}

void
_qrt_demo_box_extent (const QrtDemoBox *box,
                      double           *min_x,
                      double           *min_y,
                      double           *max_x,
                      double           *max_y)
{
  double ex = box->hu * fabs (box->ux) + box->hv * fabs (box->uy);
  double ey = box->hu * fabs (box->uy) + box->hv * fabs (box->ux);

  *min_x = box->cx - ex;
  *max_x = box->cx + ex;
  *min_y = box->cy - ey;
  *max_y = box->cy + ey;
}

/* --- uniform grid ----------------------------------------------------------------------------- */

typedef struct
{
  guint  id;
  gint32 next;
} GridEntry;

struct _QrtDemoGrid
{
  double  min_x;
  double  min_y;
  double  cell;
  int     nx;
  int     ny;
  gint32 *head;
  GArray *entries;   /* GridEntry */
  GArray *marks;     /* guint per id: the last query that returned it */
  guint   query;
};

QrtDemoGrid *
_qrt_demo_grid_new (double min_x,
                    double min_y,
                    double max_x,
                    double max_y,
                    double cell)
{
  QrtDemoGrid *grid = g_new0 (QrtDemoGrid, 1);

  grid->min_x = min_x;
  grid->min_y = min_y;
  grid->cell = cell;
  grid->nx = MAX (1, (int) ceil ((max_x - min_x) / cell));
  grid->ny = MAX (1, (int) ceil ((max_y - min_y) / cell));
  grid->head = g_new (gint32, (gsize) grid->nx * grid->ny);
  for (gsize i = 0; i < (gsize) grid->nx * grid->ny; i++)
    grid->head[i] = -1;
  grid->entries = g_array_new (FALSE, FALSE, sizeof (GridEntry));
  grid->marks = g_array_new (FALSE, TRUE, sizeof (guint));

  return grid;
}

void
_qrt_demo_grid_free (QrtDemoGrid *grid)
{
  if (grid == NULL)
    return;

  g_free (grid->head);
  g_array_unref (grid->entries);
  g_array_unref (grid->marks);
  g_free (grid);
}

static void
grid_cells (QrtDemoGrid *grid,
            double       min_x,
            double       min_y,
            double       max_x,
            double       max_y,
            int         *x0,
            int         *y0,
            int         *x1,
            int         *y1)
{
  *x0 = CLAMP ((int) floor ((min_x - grid->min_x) / grid->cell), 0, grid->nx - 1);
  *y0 = CLAMP ((int) floor ((min_y - grid->min_y) / grid->cell), 0, grid->ny - 1);
  *x1 = CLAMP ((int) floor ((max_x - grid->min_x) / grid->cell), 0, grid->nx - 1);
  *y1 = CLAMP ((int) floor ((max_y - grid->min_y) / grid->cell), 0, grid->ny - 1);
}

void
_qrt_demo_grid_insert (QrtDemoGrid *grid,
                       guint        id,
                       double       min_x,
                       double       min_y,
                       double       max_x,
                       double       max_y)
{
  int x0, y0, x1, y1;

  grid_cells (grid, min_x, min_y, max_x, max_y, &x0, &y0, &x1, &y1);
  for (int cy = y0; cy <= y1; cy++)
    for (int cx = x0; cx <= x1; cx++)
      {
        gsize cell = (gsize) cy * grid->nx + cx;
        GridEntry entry = { id, grid->head[cell] };

        grid->head[cell] = (gint32) grid->entries->len;
        g_array_append_val (grid->entries, entry);
      }

  if (id >= grid->marks->len)
    g_array_set_size (grid->marks, id + 1);
}

void
_qrt_demo_grid_query (QrtDemoGrid *grid,
                      double       min_x,
                      double       min_y,
                      double       max_x,
                      double       max_y,
                      GArray      *out)
{
  int x0, y0, x1, y1;
  guint *marks = (guint *) (gpointer) grid->marks->data;

  g_array_set_size (out, 0);
  grid->query++;
  grid_cells (grid, min_x, min_y, max_x, max_y, &x0, &y0, &x1, &y1);

  for (int cy = y0; cy <= y1; cy++)
    for (int cx = x0; cx <= x1; cx++)
      {
        gint32 e = grid->head[(gsize) cy * grid->nx + cx];

        while (e >= 0)
          {
            const GridEntry *entry = &g_array_index (grid->entries, GridEntry, e);

            if (marks[entry->id] != grid->query)
              {
                marks[entry->id] = grid->query;
                g_array_append_val (out, entry->id);
              }
            e = entry->next;
          }
      }
}

/* --- segment sets ----------------------------------------------------------------------------- */

QrtDemoSegments *
_qrt_demo_segments_new (double min_x,
                        double min_y,
                        double max_x,
                        double max_y,
                        double cell)
{
  QrtDemoSegments *segs = g_new0 (QrtDemoSegments, 1);

  segs->segments = g_array_new (FALSE, FALSE, sizeof (QrtDemoSegment));
  segs->grid = _qrt_demo_grid_new (min_x, min_y, max_x, max_y, cell);
  return segs;
}

void
_qrt_demo_segments_free (QrtDemoSegments *segs)
{
  if (segs == NULL)
    return;

  g_array_unref (segs->segments);
  _qrt_demo_grid_free (segs->grid);
  g_free (segs);
}

void
_qrt_demo_segments_add_line (QrtDemoSegments *segs,
                             const GArray    *line,
                             guint            line_id,
                             double           half_width)
{
  for (guint i = 1; i < line->len; i++)
    {
      const QrtDemoXY *a = &g_array_index (line, QrtDemoXY, i - 1);
      const QrtDemoXY *b = &g_array_index (line, QrtDemoXY, i);
      QrtDemoSegment seg = { a->x, a->y, b->x, b->y, line_id, (float) half_width };

      _qrt_demo_grid_insert (segs->grid, segs->segments->len,
                             MIN (a->x, b->x), MIN (a->y, b->y),
                             MAX (a->x, b->x), MAX (a->y, b->y));
      g_array_append_val (segs->segments, seg);
    }
}

double
_qrt_demo_segments_distance (QrtDemoSegments *segs,
                             double           x,
                             double           y,
                             double           limit,
                             guint           *segment_out,
                             GArray          *scratch)
{
  double best = limit;
  guint best_id = G_MAXUINT;

  _qrt_demo_grid_query (segs->grid, x - limit, y - limit, x + limit, y + limit, scratch);
  for (guint i = 0; i < scratch->len; i++)
    {
      guint id = g_array_index (scratch, guint, i);
      const QrtDemoSegment *s = &g_array_index (segs->segments, QrtDemoSegment, id);
      double d = _qrt_demo_segment_distance (x, y, s->ax, s->ay, s->bx, s->by);

      if (d < best)
        {
          best = d;
          best_id = id;
        }
    }

  if (segment_out != NULL)
    *segment_out = best_id;

  return best;
}

/* --- GEOS helpers ----------------------------------------------------------------------------- */

/* Wraps the geometries in a collection, taking them out of @geometries. */
GEOSGeometry *
_qrt_demo_geos_collect (GEOSContextHandle_t ctx,
                        GPtrArray          *geometries)
{
  GEOSGeometry *collection;

  collection = GEOSGeom_createCollection_r (ctx, GEOS_GEOMETRYCOLLECTION,
                                            (GEOSGeometry **) geometries->pdata,
                                            geometries->len);
  /* The collection owns the members now; drop the pointers without destroying them. */
  g_ptr_array_set_free_func (geometries, NULL);
  g_ptr_array_set_size (geometries, 0);

  return collection;
}

static void
collect_kind (GEOSContextHandle_t  ctx,
              const GEOSGeometry  *geometry,
              int                  kind,
              double               min_area,
              GPtrArray           *out)
{
  int type = GEOSGeomTypeId_r (ctx, geometry);

  if (type == GEOS_MULTIPOLYGON || type == GEOS_MULTILINESTRING
      || type == GEOS_GEOMETRYCOLLECTION)
    {
      int n = GEOSGetNumGeometries_r (ctx, geometry);

      for (int i = 0; i < n; i++)
        collect_kind (ctx, GEOSGetGeometryN_r (ctx, geometry, i), kind, min_area, out);
    }
  else if (type == kind && !GEOSisEmpty_r (ctx, geometry))
    {
      double area = 0.0;

      if (kind == GEOS_POLYGON)
        GEOSArea_r (ctx, geometry, &area);
      if (kind != GEOS_POLYGON || area >= min_area)
        g_ptr_array_add (out, GEOSGeom_clone_r (ctx, geometry));
    }
}

/* Clones every polygon part of at least @min_area m² into @out (which should free with
 * GEOSGeom_destroy_r or be handed on). */
void
_qrt_demo_geos_split_polygons (GEOSContextHandle_t  ctx,
                               const GEOSGeometry  *geometry,
                               double               min_area,
                               GPtrArray           *out)
{
  collect_kind (ctx, geometry, GEOS_POLYGON, min_area, out);
}

/* Keeps only the polygons (overlay results may carry stray lines or points) and returns a
 * MultiPolygon; consumes @geometry. */
GEOSGeometry *
_qrt_demo_geos_polygonal (GEOSContextHandle_t ctx,
                          GEOSGeometry       *geometry,
                          double              min_area)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  GEOSGeometry *result;

  collect_kind (ctx, geometry, GEOS_POLYGON, min_area, parts);
  GEOSGeom_destroy_r (ctx, geometry);

  result = GEOSGeom_createCollection_r (ctx, GEOS_MULTIPOLYGON,
                                        (GEOSGeometry **) parts->pdata, parts->len);
  return result;
}

/* Keeps only the line strings; consumes @geometry and returns a MultiLineString. */
GEOSGeometry *
_qrt_demo_geos_lines (GEOSContextHandle_t ctx,
                      GEOSGeometry       *geometry)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  collect_kind (ctx, geometry, GEOS_LINESTRING, 0.0, parts);
  GEOSGeom_destroy_r (ctx, geometry);

  return GEOSGeom_createCollection_r (ctx, GEOS_MULTILINESTRING,
                                      (GEOSGeometry **) parts->pdata, parts->len);
}
