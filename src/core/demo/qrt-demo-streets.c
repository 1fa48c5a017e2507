/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qrt-demo-private.h"

/*
 * Musterstadt's streets and buildings (see qrt-demo-town.c for the plan): each district
 * gets a warped street grid cut to its settlement, and the streets are lined with houses,
 * lot by lot, checked against every street, the water and each other with oriented boxes.
 */

#define MIN_BUILDING_GAP   1.0     /* metres between any two buildings */
#define STREET_CLEARANCE   0.3     /* metres between a building and a street's edge */
#define DISTRICT_MARGIN    1.0     /* a building's centroid stays this far from a district edge */
#define SAMPLE_STEP        12.0    /* metres between street vertices */

/* --- step: streets ---------------------------------------------------------------------------- */

/* Street names: every district draws from its own shuffled list of some 370 names, so names
 * rarely repeat within a district but recur between villages, as they do in towns that
 * merged with their villages in the 1970s. The first eight of a district's list name the
 * streets along its borders, the rest its grid. */
typedef struct
{
  GPtrArray *all;
  guint     *order;
  guint      next;
} NamePool;

static void
name_pool_init (NamePool   *pool,
                GPtrArray  *all,
                guint64     seed,
                guint       district)
{
  QrtDemoRng rng;

  _qrt_demo_rng_init_indexed (&rng, seed, "street-names", district);
  pool->all = all;
  pool->order = g_new (guint, all->len);
  for (guint i = 0; i < all->len; i++)
    pool->order[i] = i;
  _qrt_demo_rng_shuffle (&rng, pool->order, all->len);
  pool->next = 0;
}

static const char *
name_pool_take (NamePool *pool)
{
  const char *name = g_ptr_array_index (pool->all, pool->order[pool->next % pool->all->len]);

  pool->next++;
  return name;
}

static GPtrArray *
all_street_names (void)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_free);

  for (guint r = 0; _qrt_demo_street_roots[r] != NULL; r++)
    for (guint s = 0; _qrt_demo_street_suffixes[s] != NULL; s++)
      g_ptr_array_add (all, g_strconcat (_qrt_demo_street_roots[r], _qrt_demo_street_suffixes[s],
                                         NULL));
  for (guint p = 0; _qrt_demo_street_phrases[p] != NULL; p++)
    g_ptr_array_add (all, g_strdup (_qrt_demo_street_phrases[p]));

  return all;
}

/* One straight line of a district's street grid, before warping. */
typedef struct
{
  QrtDemoTown *town;
  int          district;      /* -1 for district-boundary streets */
  QrtDemoXY    origin;
  QrtDemoXY    dir;           /* unit direction of the line */
  gboolean     warp;
  gboolean     thin;          /* dropped in industrial estates: larger blocks there */
  GArray      *scratch;
} GridLine;

#define WARP_AMPLITUDE  50.0
#define WARP_WAVELENGTH 800.0

static void
grid_line_point (GridLine  *gl,
                 double     t,
                 QrtDemoXY *p)
{
  p->x = gl->origin.x + gl->dir.x * t;
  p->y = gl->origin.y + gl->dir.y * t;

  if (gl->warp)
    {
      /* A smooth displacement field, the same for every line, bends the grid into curved
       * streets. Its slope stays below about 0.5, so the map is one-to-one and grid lines
       * never cross. */
      guint64 seed = _qrt_demo_hash_stream (gl->town->seed, "warp");
      double wx = p->x / WARP_WAVELENGTH;
      double wy = p->y / WARP_WAVELENGTH;
      double dx = WARP_AMPLITUDE * (2.0 * _qrt_demo_fbm2 (seed, wx, wy, 2) - 1.0);
      double dy = WARP_AMPLITUDE * (2.0 * _qrt_demo_fbm2 (seed + 101, wx, wy, 2) - 1.0);

      p->x += dx;
      p->y += dy;
    }
}

/* Would a street here run alongside a road already there (closer than @reach, nearly
 * parallel)? Such stretches are dropped instead of doubling the road. */
static gboolean
runs_alongside (GridLine        *gl,
                const QrtDemoXY *p,
                double           reach)
{
  QrtDemoSegments *segs = gl->town->street_segs;

  _qrt_demo_grid_query (segs->grid, p->x - reach, p->y - reach, p->x + reach, p->y + reach,
                        gl->scratch);
  for (guint i = 0; i < gl->scratch->len; i++)
    {
      const QrtDemoSegment *s = &g_array_index (segs->segments, QrtDemoSegment,
                                                g_array_index (gl->scratch, guint, i));
      double len = _qrt_demo_distance (s->ax, s->ay, s->bx, s->by);
      double cosine;

      if (len <= 0.0)
        continue;
      if (_qrt_demo_segment_distance (p->x, p->y, s->ax, s->ay, s->bx, s->by) > reach)
        continue;
      cosine = ((s->bx - s->ax) * gl->dir.x + (s->by - s->ay) * gl->dir.y) / len;
      if (fabs (cosine) > 0.8)
        return TRUE;
    }

  return FALSE;
}

static gboolean
grid_line_ok (GridLine        *gl,
              const QrtDemoXY *p)
{
  QrtDemoTown *town = gl->town;
  QrtDemoZone zone;

  if (!_qrt_demo_in_town (town, p->x, p->y))
    return FALSE;
  if (gl->district >= 0 && _qrt_demo_nearest_district (town, p->x, p->y, NULL) != gl->district)
    return FALSE;

  zone = _qrt_demo_zone_at (town, p->x, p->y);
  if (zone == QRT_DEMO_ZONE_NONE || (gl->thin && zone == QRT_DEMO_ZONE_INDUSTRIAL))
    return FALSE;
  if (_qrt_demo_in_park (town, p->x, p->y))
    return FALSE;
  if (!_qrt_demo_water_clear (town, p->x, p->y, 12.0, gl->scratch))
    return FALSE;
  if (runs_alongside (gl, p, gl->district >= 0 ? 40.0 : 30.0))
    return FALSE;

  return TRUE;
}

/* Walks the line over [t0, t1] in small steps and emits the runs where grid_line_ok()
 * holds, each as a polyline; a run's ends are found by bisection, so streets stop within
 * centimetres of a district edge, a park or the river bank. */
static void
trace_grid_line (GridLine  *gl,
                 double     t0,
                 double     t1,
                 GPtrArray *runs)
{
  guint n = MAX (1, (guint) ceil ((t1 - t0) / SAMPLE_STEP));
  GArray *run = NULL;
  double prev_t = t0;
  gboolean prev_ok = FALSE;

  for (guint i = 0; i <= n; i++)
    {
      double t = t0 + (t1 - t0) * i / n;
      QrtDemoXY p;
      gboolean ok;

      grid_line_point (gl, t, &p);
      ok = grid_line_ok (gl, &p);

      if (ok != prev_ok && i > 0)
        {
          /* Bisect between prev_t and t for the edge. */
          double lo = prev_t, hi = t;
          QrtDemoXY edge;

          for (guint k = 0; k < 14; k++)
            {
              double mid = (lo + hi) / 2.0;
              QrtDemoXY q;

              grid_line_point (gl, mid, &q);
              if (grid_line_ok (gl, &q) == prev_ok)
                lo = mid;
              else
                hi = mid;
            }

          grid_line_point (gl, prev_ok ? lo : hi, &edge);
          if (prev_ok)
            {
              g_array_append_val (run, edge);
              g_ptr_array_add (runs, run);
              run = NULL;
            }
          else
            {
              run = g_array_new (FALSE, FALSE, sizeof (QrtDemoXY));
              g_array_append_val (run, edge);
            }
        }
      else if (ok && i == 0)
        run = g_array_new (FALSE, FALSE, sizeof (QrtDemoXY));

      if (ok)
        g_array_append_val (run, p);

      prev_ok = ok;
      prev_t = t;
    }

  if (run != NULL)
    g_ptr_array_add (runs, run);
}

/* Keeps the runs that are long enough to be streets and adds them under one name. */
static void
add_runs (QrtDemoTown        *town,
          GPtrArray          *runs,
          QrtDemoStreetClass  klass,
          const char         *name,
          int                 district,
          GPtrArray          *out)
{
  for (guint i = 0; i < runs->len; i++)
    {
      GArray *run = g_ptr_array_index (runs, i);
      guint index;

      if (run->len < 2 || _qrt_demo_line_length (run) < 45.0)
        {
          g_array_unref (run);
          continue;
        }
      index = _qrt_demo_add_street (town, run, klass, name, district);
      g_ptr_array_add (out, GUINT_TO_POINTER (index));
    }
  g_ptr_array_set_size (runs, 0);
}

static void
district_extent (QrtDemoTown     *town,
                 QrtDemoDistrict *district,
                 const QrtDemoXY *u,
                 const QrtDemoXY *v,
                 double          *u_min,
                 double          *u_max,
                 double          *v_min,
                 double          *v_max)
{
  double x0, y0, x1, y1;
  const double corners[4][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 } };

  GEOSGeom_getXMin_r (town->ctx, district->geometry, &x0);
  GEOSGeom_getYMin_r (town->ctx, district->geometry, &y0);
  GEOSGeom_getXMax_r (town->ctx, district->geometry, &x1);
  GEOSGeom_getYMax_r (town->ctx, district->geometry, &y1);

  *u_min = *v_min = G_MAXDOUBLE;
  *u_max = *v_max = -G_MAXDOUBLE;
  for (guint i = 0; i < 4; i++)
    {
      double x = (corners[i][0] > 0 ? x1 : x0) - district->seed.x;
      double y = (corners[i][1] > 0 ? y1 : y0) - district->seed.y;
      double pu = x * u->x + y * u->y;
      double pv = x * v->x + y * v->y;

      *u_min = MIN (*u_min, pu);
      *u_max = MAX (*u_max, pu);
      *v_min = MIN (*v_min, pv);
      *v_max = MAX (*v_max, pv);
    }

  /* The warp moves points up to WARP_AMPLITUDE; cover that as well. */
  *u_min -= 2 * WARP_AMPLITUDE;
  *v_min -= 2 * WARP_AMPLITUDE;
  *u_max += 2 * WARP_AMPLITUDE;
  *v_max += 2 * WARP_AMPLITUDE;
}

/* A district's street grid: two families of parallel lines, jittered, warped, cut to the
 * district's settlement; some blocks are merged by leaving out a stretch of street. */
static void
grid_streets (QrtDemoTown *town,
              guint        index,
              GPtrArray   *names_all,
              GArray      *scratch,
              GPtrArray   *new_streets)
{
  QrtDemoDistrict *district = _qrt_demo_district_at (town, index);
  QrtDemoRng rng;
  NamePool pool;
  QrtDemoXY u, v;
  double spacing[2];
  double drop[2];
  double u_min, u_max, v_min, v_max;
  double lo[2], hi[2];
  int first[2], last[2];
  double *offsets[2] = { NULL, NULL };
  g_autoptr(GPtrArray) runs = g_ptr_array_new ();

  _qrt_demo_rng_init_indexed (&rng, town->seed, "grid", index);
  name_pool_init (&pool, names_all, town->seed, index);
  /* Boundary streets took the first names of this district's pool. */
  pool.next = 8;

  u.x = cos (district->grid_angle);
  u.y = sin (district->grid_angle);
  v.x = -u.y;
  v.y = u.x;

  if (district->rural)
    {
      spacing[0] = _qrt_demo_rng_range (&rng, 100.0, 115.0);   /* between lines along u */
      spacing[1] = _qrt_demo_rng_range (&rng, 140.0, 165.0);   /* between lines along v */
      drop[0] = 0.10;
      drop[1] = 0.30;
    }
  else
    {
      spacing[0] = _qrt_demo_rng_range (&rng, 92.0, 104.0);
      spacing[1] = _qrt_demo_rng_range (&rng, 135.0, 155.0);
      drop[0] = 0.04;
      drop[1] = 0.12;
    }

  district_extent (town, district, &u, &v, &u_min, &u_max, &v_min, &v_max);
  lo[0] = v_min;
  hi[0] = v_max;
  lo[1] = u_min;
  hi[1] = u_max;

  /* Family 0 runs along u, its lines spaced along v; family 1 the other way. */
  for (guint f = 0; f < 2; f++)
    {
      first[f] = (int) floor (lo[f] / spacing[f]);
      last[f] = (int) ceil (hi[f] / spacing[f]);
      offsets[f] = g_new (double, last[f] - first[f] + 1);
      for (int j = first[f]; j <= last[f]; j++)
        offsets[f][j - first[f]] = j * spacing[f]
                                 + _qrt_demo_rng_range (&rng, -0.18, 0.18) * spacing[f];
    }

  for (guint f = 0; f < 2; f++)
    {
      guint other = 1 - f;
      const QrtDemoXY *along = f == 0 ? &u : &v;
      const QrtDemoXY *across = f == 0 ? &v : &u;

      for (int j = first[f]; j <= last[f]; j++)
        {
          double offset = offsets[f][j - first[f]];
          GridLine gl = {
            town, (int) index,
            { district->seed.x + across->x * offset, district->seed.y + across->y * offset },
            *along, TRUE, f == 0 && (j & 1) != 0, scratch,
          };
          const char *name = name_pool_take (&pool);

          /* Between consecutive crossing lines of the other family: a block's side. The
           * crossings are exact vertices, so both streets share them. */
          for (int k = first[other]; k < last[other]; k++)
            {
              double t0 = offsets[other][k - first[other]];
              double t1 = offsets[other][k + 1 - first[other]];

              if (_qrt_demo_rng_chance (&rng, drop[f]))
                continue;
              trace_grid_line (&gl, t0, t1, runs);
            }

          /* Join runs that meet at a crossing into one street. */
          for (guint r = 1; r < runs->len; r++)
            {
              GArray *a = g_ptr_array_index (runs, r - 1);
              GArray *b = g_ptr_array_index (runs, r);
              const QrtDemoXY *a_end = &g_array_index (a, QrtDemoXY, a->len - 1);
              const QrtDemoXY *b_start = &g_array_index (b, QrtDemoXY, 0);

              if (a_end->x == b_start->x && a_end->y == b_start->y)
                {
                  g_array_append_vals (a, b->data + sizeof (QrtDemoXY), b->len - 1);
                  g_array_unref (b);
                  g_ptr_array_remove_index (runs, r);
                  r--;
                }
            }

          add_runs (town, runs, QRT_DEMO_STREET_RESIDENTIAL, name, (int) index, new_streets);
        }
    }

  g_free (offsets[0]);
  g_free (offsets[1]);
  g_free (pool.order);
}

gboolean
_qrt_demo_step_streets (QrtDemoTown *town,
                        GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GPtrArray) names_all = all_street_names ();
  g_autoptr(GPtrArray) edges = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) runs = g_ptr_array_new ();
  g_autoptr(GPtrArray) new_streets = g_ptr_array_new ();
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree guint *boundary_names = g_new0 (guint, town->districts->len);

  /* District borders inside settlements become streets, as they so often are: they join
   * the grids of neighbouring districts, which end exactly on them. */
  _qrt_demo_geos_to_lines (ctx, town->voronoi_edges, edges);
  for (guint e = 0; e < edges->len; e++)
    {
      GArray *edge = g_ptr_array_index (edges, e);
      const QrtDemoXY *a = &g_array_index (edge, QrtDemoXY, 0);
      const QrtDemoXY *b = &g_array_index (edge, QrtDemoXY, edge->len - 1);
      double length = _qrt_demo_distance (a->x, a->y, b->x, b->y);
      double mx = (a->x + b->x) / 2, my = (a->y + b->y) / 2;
      GridLine gl = { town, -1, *a, { 0, 0 }, FALSE, FALSE, scratch };
      QrtDemoZone zone = _qrt_demo_zone_at (town, mx, my);
      int owner;
      NamePool pool;

      if (length < 45.0)
        continue;
      gl.dir.x = (b->x - a->x) / length;
      gl.dir.y = (b->y - a->y) / length;
      trace_grid_line (&gl, 0.0, length, runs);
      if (runs->len == 0)
        continue;

      owner = _qrt_demo_nearest_district (town, mx, my, NULL);
      name_pool_init (&pool, names_all, town->seed, owner);
      pool.next = boundary_names[owner]++ % 8;
      add_runs (town, runs,
                zone == QRT_DEMO_ZONE_URBAN || zone == QRT_DEMO_ZONE_CORE
                ? QRT_DEMO_STREET_SECONDARY : QRT_DEMO_STREET_RESIDENTIAL,
                name_pool_take (&pool), -1, new_streets);
      g_free (pool.order);
    }

  /* Boundary streets join the index now: the grids must not run alongside them. */
  for (guint i = 0; i < new_streets->len; i++)
    {
      guint s = GPOINTER_TO_UINT (g_ptr_array_index (new_streets, i));

      _qrt_demo_segments_add_line (town->street_segs, _qrt_demo_street_at (town, s)->points, s,
                                   _qrt_demo_street_at (town, s)->half_width);
    }
  g_ptr_array_set_size (new_streets, 0);

  for (guint i = 0; i < town->districts->len; i++)
    {
      grid_streets (town, i, names_all, scratch, new_streets);
      if (!_qrt_demo_check_cancelled (town, error))
        return FALSE;
    }

  /* The grids join the index only now, so one district's grid never sees another's and the
   * result does not depend on the order of districts. */
  for (guint i = 0; i < new_streets->len; i++)
    {
      guint s = GPOINTER_TO_UINT (g_ptr_array_index (new_streets, i));

      _qrt_demo_segments_add_line (town->street_segs, _qrt_demo_street_at (town, s)->points, s,
                                   _qrt_demo_street_at (town, s)->half_width);
    }

  return TRUE;
}

/* --- step: buildings -------------------------------------------------------------------------- */

typedef struct
{
  double w_min, w_max;        /* along the street */
  double d_min, d_max;        /* away from the street */
  int    floors_min, floors_max;
  double front_min, front_max;
  double gap_min, gap_max;    /* to the next building along the street */
} Shape;

static QrtDemoUse
pick_use (QrtDemoRng         *rng,
          QrtDemoZone         zone,
          QrtDemoStreetClass  klass)
{
  /* residential, mixed, commercial, industrial, public, agricultural */
  static const double core[] = { 0.44, 0.32, 0.15, 0.0, 0.09, 0.0 };
  static const double urban[] = { 0.85, 0.04, 0.05, 0.01, 0.05, 0.0 };
  static const double urban_main[] = { 0.62, 0.16, 0.15, 0.01, 0.06, 0.0 };
  static const double village[] = { 0.72, 0.02, 0.04, 0.01, 0.03, 0.18 };
  static const double industrial[] = { 0.0, 0.0, 0.40, 0.56, 0.04, 0.0 };
  const double *weights;

  switch (zone)
    {
    case QRT_DEMO_ZONE_CORE:
      weights = core;
      break;
    case QRT_DEMO_ZONE_URBAN:
      weights = klass == QRT_DEMO_STREET_RESIDENTIAL ? urban : urban_main;
      break;
    case QRT_DEMO_ZONE_INDUSTRIAL:
      weights = industrial;
      break;
    case QRT_DEMO_ZONE_VILLAGE:
    case QRT_DEMO_ZONE_NONE:
    default:
      weights = village;
      break;
    }

  return (QrtDemoUse) _qrt_demo_rng_pick (rng, weights, QRT_DEMO_N_USES);
}

static void
pick_shape (QrtDemoRng  *rng,
            QrtDemoUse   use,
            QrtDemoZone  zone,
            double       centrality,
            Shape       *shape)
{
  static const Shape house = { 8.0, 12.5, 8.5, 12.0, 1, 2, 3.0, 7.0, 3.5, 9.0 };
  static const Shape village_house = { 8.0, 13.0, 8.5, 12.0, 1, 2, 3.0, 8.0, 4.5, 11.0 };
  static const Shape apartments = { 14.0, 26.0, 10.5, 13.5, 3, 5, 2.0, 5.0, 4.0, 10.0 };
  static const Shape core_block = { 11.0, 20.0, 10.5, 13.5, 3, 4, 0.5, 2.0, 1.0, 3.5 };
  static const Shape mixed = { 11.0, 20.0, 11.0, 13.5, 2, 4, 0.5, 3.0, 2.0, 6.0 };
  static const Shape shop = { 12.0, 26.0, 11.0, 14.0, 1, 3, 1.0, 5.0, 4.0, 10.0 };
  static const Shape hall = { 25.0, 70.0, 16.0, 22.0, 1, 2, 4.0, 8.0, 8.0, 20.0 };
  static const Shape factory = { 35.0, 90.0, 18.0, 22.0, 1, 2, 4.0, 8.0, 10.0, 25.0 };
  static const Shape workshop = { 16.0, 30.0, 11.0, 14.0, 1, 2, 3.0, 6.0, 6.0, 14.0 };
  static const Shape civic = { 22.0, 50.0, 12.0, 14.5, 2, 3, 3.0, 5.0, 8.0, 16.0 };
  static const Shape village_civic = { 14.0, 26.0, 10.0, 13.0, 1, 2, 3.0, 6.0, 8.0, 16.0 };
  static const Shape barn = { 14.0, 30.0, 10.0, 16.0, 1, 1, 10.0, 24.0, 8.0, 18.0 };

  switch (use)
    {
    case QRT_DEMO_USE_RESIDENTIAL:
      if (zone == QRT_DEMO_ZONE_CORE)
        *shape = core_block;
      else if (zone == QRT_DEMO_ZONE_URBAN
               && _qrt_demo_rng_chance (rng, 0.12 + 0.33 * centrality))
        *shape = apartments;
      else if (zone == QRT_DEMO_ZONE_URBAN)
        *shape = house;
      else
        *shape = village_house;
      break;
    case QRT_DEMO_USE_MIXED:
      *shape = mixed;
      if (zone == QRT_DEMO_ZONE_CORE)
        shape->floors_min = 3;
      if (zone == QRT_DEMO_ZONE_VILLAGE)
        shape->floors_max = 3;
      break;
    case QRT_DEMO_USE_COMMERCIAL:
      *shape = zone == QRT_DEMO_ZONE_INDUSTRIAL ? hall : shop;
      break;
    case QRT_DEMO_USE_INDUSTRIAL:
      *shape = zone == QRT_DEMO_ZONE_INDUSTRIAL ? factory : workshop;
      break;
    case QRT_DEMO_USE_PUBLIC:
      *shape = zone == QRT_DEMO_ZONE_VILLAGE ? village_civic : civic;
      break;
    case QRT_DEMO_USE_AGRICULTURAL:
    case QRT_DEMO_N_USES:
    default:
      *shape = barn;
      break;
    }
}

static int
pick_year (QrtDemoRng  *rng,
           QrtDemoZone  zone,
           QrtDemoUse   use,
           double       centrality)
{
  static const int eras[][2] = {
    { 1870, 1918 }, { 1919, 1948 }, { 1949, 1970 }, { 1971, 2000 }, { 2001, 2024 },
  };
  static const double core_weights[] = { 0.25, 0.15, 0.40, 0.12, 0.08 };
  double year;

  switch (zone)
    {
    case QRT_DEMO_ZONE_CORE:
      {
        guint era = _qrt_demo_rng_pick (rng, core_weights, G_N_ELEMENTS (core_weights));

        return _qrt_demo_rng_int (rng, eras[era][0], eras[era][1]);
      }
    case QRT_DEMO_ZONE_INDUSTRIAL:
      return _qrt_demo_rng_int (rng, 1955, 2022);
    case QRT_DEMO_ZONE_URBAN:
      /* Older near the centre, newer towards the edge of town. */
      year = 2010.0 - 85.0 * centrality + 16.0 * _qrt_demo_rng_normal (rng);
      break;
    case QRT_DEMO_ZONE_VILLAGE:
    case QRT_DEMO_ZONE_NONE:
    default:
      year = 2012.0 - 100.0 * centrality + 20.0 * _qrt_demo_rng_normal (rng);
      break;
    }

  if (use == QRT_DEMO_USE_AGRICULTURAL)
    year -= 10.0;

  return (int) CLAMP (round (year), 1850.0, 2024.0);
}

/* How central a point is within its settlement: 1 at the centre, 0 at the edge. */
static double
centrality (QrtDemoTown *town,
            QrtDemoZone  zone,
            int          district,
            double       x,
            double       y)
{
  const QrtDemoBlob *blob;
  double dx, dy;

  if (zone == QRT_DEMO_ZONE_VILLAGE)
    {
      blob = district >= 0 ? _qrt_demo_district_at (town, district)->village : NULL;
      if (blob == NULL)
        return 0.3;
    }
  else
    blob = town->main_town;

  dx = x - blob->cx;
  dy = y - blob->cy;
  return CLAMP (1.0 - hypot (dx, dy) / _qrt_demo_blob_boundary (blob, atan2 (dy, dx)), 0.0, 1.0);
}

typedef struct
{
  QrtDemoTown *town;
  GArray      *scratch;
  QrtDemoRng   rng;
  double       gap_scale;   /* < 1 packs houses closer */
} Placer;

static gboolean
point_buildable (Placer *pl,
                 double  x,
                 double  y)
{
  QrtDemoTown *town = pl->town;

  return _qrt_demo_in_town (town, x, y)
      && _qrt_demo_zone_at (town, x, y) != QRT_DEMO_ZONE_NONE
      && !_qrt_demo_in_park (town, x, y)
      && _qrt_demo_water_clear (town, x, y, 5.0, pl->scratch);
}

static gboolean
clear_of_streets (Placer                *pl,
                  const QrtDemoBuilding *b,
                  double                 min_x,
                  double                 min_y,
                  double                 max_x,
                  double                 max_y)
{
  QrtDemoSegments *segs = pl->town->street_segs;
  const double reach = 8.0;

  _qrt_demo_grid_query (segs->grid, min_x - reach, min_y - reach, max_x + reach, max_y + reach,
                        pl->scratch);
  for (guint i = 0; i < pl->scratch->len; i++)
    {
      const QrtDemoSegment *s = &g_array_index (segs->segments, QrtDemoSegment,
                                                g_array_index (pl->scratch, guint, i));
      double len = _qrt_demo_distance (s->ax, s->ay, s->bx, s->by);
      QrtDemoBox road;

      if (len <= 0.0)
        continue;
      road.cx = (s->ax + s->bx) / 2;
      road.cy = (s->ay + s->by) / 2;
      road.ux = (s->bx - s->ax) / len;
      road.uy = (s->by - s->ay) / len;
      road.hu = len / 2 + s->half_width;
      road.hv = s->half_width + STREET_CLEARANCE;

      for (guint k = 0; k < b->n_boxes; k++)
        if (_qrt_demo_box_overlap (&road, &b->boxes[k]))
          return FALSE;
    }

  return TRUE;
}

static gboolean
clear_of_buildings (Placer                *pl,
                    const QrtDemoBuilding *b,
                    double                 min_x,
                    double                 min_y,
                    double                 max_x,
                    double                 max_y)
{
  QrtDemoTown *town = pl->town;
  QrtDemoBox grown[2];

  for (guint k = 0; k < b->n_boxes; k++)
    {
      grown[k] = b->boxes[k];
      grown[k].hu += MIN_BUILDING_GAP;
      grown[k].hv += MIN_BUILDING_GAP;
    }

  _qrt_demo_grid_query (town->building_grid, min_x - 2, min_y - 2, max_x + 2, max_y + 2,
                        pl->scratch);
  for (guint i = 0; i < pl->scratch->len; i++)
    {
      const QrtDemoBuilding *other = &g_array_index (town->buildings, QrtDemoBuilding,
                                                     g_array_index (pl->scratch, guint, i));

      for (guint k = 0; k < b->n_boxes; k++)
        for (guint m = 0; m < other->n_boxes; m++)
          if (_qrt_demo_box_overlap (&grown[k], &other->boxes[m]))
            return FALSE;
    }

  return TRUE;
}

/*
 * Tries to put a building with its front on the street at @p, on the side @normal points
 * to. The outline is a rectangle, or an L whose wing reaches back; it is accepted only
 * if it stays in a settlement, off parks, water and every street, and 1 m from every other
 * building. Returns whether it was placed.
 */
static gboolean
place_building (Placer              *pl,
                const QrtDemoStreet *street,
                const QrtDemoXY     *p,
                const QrtDemoXY     *tangent,
                const QrtDemoXY     *normal,
                QrtDemoUse           use,
                QrtDemoZone          zone,
                double               width,
                double               depth,
                double               front,
                int                  floors)
{
  QrtDemoTown *town = pl->town;
  QrtDemoBuilding b = { { 0, }, };
  double y0 = street->half_width + front;
  double lx[6], ly[6];
  double wing_w = 0.0, wing_d = 0.0, wing_x = 0.0;
  double min_x = G_MAXDOUBLE, min_y = G_MAXDOUBLE, max_x = -G_MAXDOUBLE, max_y = -G_MAXDOUBLE;
  double area_main, area_wing, cx_local, cy_local, margin;
  gboolean ccw;
  int district;

  /* An L: a wing at one end reaches further back, still within the sealed strip. */
  if ((use == QRT_DEMO_USE_RESIDENTIAL || use == QRT_DEMO_USE_MIXED || use == QRT_DEMO_USE_PUBLIC)
      && _qrt_demo_rng_chance (&pl->rng, 0.25))
    {
      wing_w = width * _qrt_demo_rng_range (&pl->rng, 0.35, 0.5);
      wing_d = _qrt_demo_rng_range (&pl->rng, 3.0, 6.0);
      if (y0 + depth + wing_d > street->band - 0.5)
        wing_d = 0.0;
    }

  if (wing_d > 0.0)
    {
      gboolean left = _qrt_demo_rng_chance (&pl->rng, 0.5);

      if (left)
        {
          const double xs[6] = { -width / 2, width / 2, width / 2, -width / 2 + wing_w,
                                 -width / 2 + wing_w, -width / 2 };
          const double ys[6] = { y0, y0, y0 + depth, y0 + depth, y0 + depth + wing_d,
                                 y0 + depth + wing_d };

          memcpy (lx, xs, sizeof xs);
          memcpy (ly, ys, sizeof ys);
          wing_x = -width / 2 + wing_w / 2;
        }
      else
        {
          const double xs[6] = { -width / 2, width / 2, width / 2, width / 2 - wing_w,
                                 width / 2 - wing_w, -width / 2 };
          const double ys[6] = { y0, y0, y0 + depth + wing_d, y0 + depth + wing_d,
                                 y0 + depth, y0 + depth };

          memcpy (lx, xs, sizeof xs);
          memcpy (ly, ys, sizeof ys);
          wing_x = width / 2 - wing_w / 2;
        }
      b.n_points = 6;
    }
  else
    {
      const double xs[4] = { -width / 2, width / 2, width / 2, -width / 2 };
      const double ys[4] = { y0, y0, y0 + depth, y0 + depth };

      memcpy (lx, xs, sizeof xs);
      memcpy (ly, ys, sizeof ys);
      b.n_points = 4;
    }

  /* Local (x along the street, y away from it) to map coordinates, counter-clockwise. */
  ccw = tangent->x * normal->y - tangent->y * normal->x > 0;
  for (guint i = 0; i < b.n_points; i++)
    {
      guint k = ccw ? i : b.n_points - 1 - i;

      b.x[i] = p->x + tangent->x * lx[k] + normal->x * ly[k];
      b.y[i] = p->y + tangent->y * lx[k] + normal->y * ly[k];
      min_x = MIN (min_x, b.x[i]);
      min_y = MIN (min_y, b.y[i]);
      max_x = MAX (max_x, b.x[i]);
      max_y = MAX (max_y, b.y[i]);
    }

  b.n_boxes = wing_d > 0.0 ? 2 : 1;
  b.boxes[0].cx = p->x + normal->x * (y0 + depth / 2);
  b.boxes[0].cy = p->y + normal->y * (y0 + depth / 2);
  b.boxes[0].ux = tangent->x;
  b.boxes[0].uy = tangent->y;
  b.boxes[0].hu = width / 2;
  b.boxes[0].hv = depth / 2;
  if (wing_d > 0.0)
    {
      b.boxes[1].cx = p->x + tangent->x * wing_x + normal->x * (y0 + depth + wing_d / 2);
      b.boxes[1].cy = p->y + tangent->y * wing_x + normal->y * (y0 + depth + wing_d / 2);
      b.boxes[1].ux = tangent->x;
      b.boxes[1].uy = tangent->y;
      b.boxes[1].hu = wing_w / 2;
      b.boxes[1].hv = wing_d / 2;
    }

  area_main = width * depth;
  area_wing = wing_w * wing_d;
  b.footprint = area_main + area_wing;
  cx_local = area_wing * wing_x / b.footprint;
  cy_local = (area_main * (y0 + depth / 2) + area_wing * (y0 + depth + wing_d / 2)) / b.footprint;
  b.centroid_x = p->x + tangent->x * cx_local + normal->x * cy_local;
  b.centroid_y = p->y + tangent->y * cx_local + normal->y * cy_local;

  for (guint i = 0; i < b.n_points; i++)
    if (!point_buildable (pl, b.x[i], b.y[i]))
      return FALSE;
  if (!point_buildable (pl, b.centroid_x, b.centroid_y))
    return FALSE;

  /* Districts are assigned by centroid; keep clear of the edge so that no rounding in a
   * reader's point-in-polygon test can move a building to the neighbour. */
  district = _qrt_demo_nearest_district (town, b.centroid_x, b.centroid_y, &margin);
  if (margin < DISTRICT_MARGIN)
    return FALSE;

  if (!clear_of_streets (pl, &b, min_x, min_y, max_x, max_y)
      || !clear_of_buildings (pl, &b, min_x, min_y, max_x, max_y))
    return FALSE;

  b.use = use;
  b.zone = zone;
  b.floors = floors;
  b.district = district;
  b.year_built = pick_year (&pl->rng, zone, use,
                            centrality (town, zone, district, b.centroid_x, b.centroid_y));

  for (guint k = 0; k < b.n_boxes; k++)
    {
      double x0, y0b, x1, y1;

      _qrt_demo_box_extent (&b.boxes[k], &x0, &y0b, &x1, &y1);
      _qrt_demo_grid_insert (town->building_grid, town->buildings->len, x0, y0b, x1, y1);
    }
  g_array_append_val (town->buildings, b);

  return TRUE;
}

/* Lines the street with buildings on both sides, lot by lot. */
static void
line_street (Placer              *pl,
             const QrtDemoStreet *street)
{
  QrtDemoTown *town = pl->town;
  double length = _qrt_demo_line_length (street->points);

  for (int side = -1; side <= 1; side += 2)
    {
      double s = _qrt_demo_rng_range (&pl->rng, 2.0, 10.0);

      while (s < length - 4.0)
        {
          QrtDemoXY p, t, n, probe;
          QrtDemoZone zone;
          QrtDemoUse use;
          Shape shape;
          double width, depth, front, max_depth, gap;
          int floors, district;

          _qrt_demo_line_point_at (street->points, s, &p, &t);
          _qrt_demo_unit_normal (&t, &n);
          n.x *= side;
          n.y *= side;

          probe.x = p.x + n.x * (street->half_width + 10.0);
          probe.y = p.y + n.y * (street->half_width + 10.0);
          zone = _qrt_demo_zone_at (town, probe.x, probe.y);
          if (zone == QRT_DEMO_ZONE_NONE)
            {
              s += 15.0;
              continue;
            }

          use = pick_use (&pl->rng, zone, street->klass);
          district = _qrt_demo_nearest_district (town, probe.x, probe.y, NULL);
          pick_shape (&pl->rng, use, zone, centrality (town, zone, district, probe.x, probe.y),
                      &shape);
          width = _qrt_demo_rng_range (&pl->rng, shape.w_min, shape.w_max);
          depth = _qrt_demo_rng_range (&pl->rng, shape.d_min, shape.d_max);
          front = _qrt_demo_rng_range (&pl->rng, shape.front_min, shape.front_max);
          floors = _qrt_demo_rng_int (&pl->rng, shape.floors_min, shape.floors_max);
          gap = _qrt_demo_rng_range (&pl->rng, shape.gap_min, shape.gap_max) * pl->gap_scale;

          /* Houses stay within the sealed strip along the street; barns stand in the yard
           * behind. */
          if (use != QRT_DEMO_USE_AGRICULTURAL)
            {
              max_depth = street->band - 0.5 - street->half_width - front;
              if (max_depth < shape.d_min)
                {
                  front = shape.front_min;
                  max_depth = street->band - 0.5 - street->half_width - front;
                }
              depth = MIN (depth, max_depth);
            }

          if (depth >= 6.0 && s + width < length)
            {
              QrtDemoXY centre;

              _qrt_demo_line_point_at (street->points, s + width / 2, &centre, &t);
              _qrt_demo_unit_normal (&t, &n);
              n.x *= side;
              n.y *= side;

              if (place_building (pl, street, &centre, &t, &n, use, zone, width, depth, front,
                                  floors))
                {
                  s += width + gap;
                  continue;
                }
            }

          s += MAX (width / 2, 4.0);
        }
    }
}

/* The town should have at least this many buildings (the brief asks for 40,000). */
#define MIN_BUILDINGS 43000

gboolean
_qrt_demo_step_buildings (QrtDemoTown *town,
                          GError     **error)
{
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint));
  Placer pl = { town, scratch, { { 0, } }, 0.85 };

  /* A small town (the area varies with the seed) may come out short: then build again with
   * the houses closer together. Placing is quick, so this costs little. */
  for (guint attempt = 0; attempt < 4; attempt++)
    {
      _qrt_demo_rng_init_indexed (&pl.rng, town->seed, "buildings", attempt);
      g_array_set_size (town->buildings, 0);
      g_clear_pointer (&town->building_grid, _qrt_demo_grid_free);
      town->building_grid = _qrt_demo_grid_new (town->min_x, town->min_y,
                                                town->max_x, town->max_y, 40.0);

      /* Main roads first: the old houses stand along them. */
      for (guint i = 0; i < town->streets->len; i++)
        {
          line_street (&pl, _qrt_demo_street_at (town, i));
          if (i % 200 == 0 && !_qrt_demo_check_cancelled (town, error))
            return FALSE;
        }

      if (town->buildings->len >= MIN_BUILDINGS)
        break;
      g_debug ("demo: %u buildings, packing closer", town->buildings->len);
      pl.gap_scale *= 0.7;
    }

  return TRUE;
}
