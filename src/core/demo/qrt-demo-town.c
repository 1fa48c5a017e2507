/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "qrt-demo.h"
#include "qrt-demo-private.h"

/*
 * Musterstadt, a fictional town in the Sauerland, built in steps:
 *
 *   outline → river and brooks → main settlement, industry, parks → districts (Voronoi) and
 *   their villages → roads between settlements → streets → buildings → population →
 *   land cover → heavy-rain hazard → trees → schools and day care.
 *
 * Two constraints shape the plan more than anything else: every district must be 15–75 %
 * sealed and have 300–9,000 inhabitants per km². So the districts are cut first, and each
 * rural district's village is then sized to cover a set share of its district. Sealed land
 * is the strip along each street that holds the houses and their drives; the gardens behind
 * are private green. Street spacing therefore fixes the sealed share of a settlement.
 *
 * Point tests (is this in the village, in a park, near the river?) are done on our own
 * star-shaped outlines and segment grids, which is what keeps 40,000 buildings fast; GEOS
 * (one context, owned by the town) builds the polygons that are written out.
 */

/* The town centre, 51.40 N 8.05 E. */
#define CENTRE_X 433914.0
#define CENTRE_Y 5694736.0

#define MIN_BUILDING_GAP   1.0     /* metres between any two buildings */
#define STREET_CLEARANCE   0.3     /* metres between a building and a street's edge */
#define DISTRICT_MARGIN    1.0     /* a building's centroid stays this far from a district edge */
#define SAMPLE_STEP        12.0    /* metres between street vertices */

const char * const _qrt_demo_age_groups[QRT_DEMO_N_AGE_GROUPS] = {
  "0-5", "6-17", "18-29", "30-44", "45-64", "65-79", "80+"
};

const char * const _qrt_demo_use_names[QRT_DEMO_N_USES] = {
  "residential", "mixed", "commercial", "industrial", "public", "agricultural"
};

const char * const _qrt_demo_street_class_names[3] = {
  "primary", "secondary", "residential"
};

const char * const _qrt_demo_landcover_names[QRT_DEMO_N_LANDCOVER] = {
  "sealed", "public_green", "private_green", "forest", "water", "agriculture"
};

/* --- small helpers ----------------------------------------------------------------------------- */

static gboolean
geos_failed (QrtDemoTown *town,
             const char  *step,
             GError     **error)
{
  g_set_error (error, QRT_DEMO_ERROR, QRT_DEMO_ERROR_FAILED,
               /* Translators: %s are a technical step name and GEOS's message */
               _("The demo town could not be built (step “%s”): %s"),
               step, town->geos_error->len > 0 ? town->geos_error->str : "GEOS");
  return FALSE;
}

static gboolean
check_cancelled (QrtDemoTown *town,
                 GError     **error)
{
  return !g_cancellable_set_error_if_cancelled (town->cancellable, error);
}

static inline QrtDemoDistrict *
district_at (QrtDemoTown *town,
             guint        index)
{
  return &g_array_index (town->districts, QrtDemoDistrict, index);
}

static inline QrtDemoStreet *
street_at (QrtDemoTown *town,
           guint        index)
{
  return &g_array_index (town->streets, QrtDemoStreet, index);
}

static inline double
distance (double ax,
          double ay,
          double bx,
          double by)
{
  return hypot (bx - ax, by - ay);
}

static gboolean
in_town (QrtDemoTown *town,
         double       x,
         double       y)
{
  return _qrt_demo_blob_contains (town->town_blob, x, y);
}

/* Inside the town and at least @margin metres inside its outline, measured along the ray
 * from the centre (good enough for keeping things off the edge). */
static gboolean
well_inside_town (QrtDemoTown *town,
                  double       x,
                  double       y,
                  double       factor)
{
  double dx = x - CENTRE_X;
  double dy = y - CENTRE_Y;

  return hypot (dx, dy) < factor * _qrt_demo_blob_boundary (town->town_blob, atan2 (dy, dx));
}

static double
radial_excess (const QrtDemoBlob *blob,
               double             x,
               double             y)
{
  double dx = x - blob->cx;
  double dy = y - blob->cy;

  return hypot (dx, dy) - _qrt_demo_blob_boundary (blob, atan2 (dy, dx));
}

static QrtDemoZone
zone_at (QrtDemoTown *town,
         double       x,
         double       y)
{
  for (guint i = 0; i < town->industrial->len; i++)
    if (_qrt_demo_blob_contains (g_ptr_array_index (town->industrial, i), x, y))
      return QRT_DEMO_ZONE_INDUSTRIAL;

  if (_qrt_demo_blob_contains (town->main_town, x, y))
    {
      double dx = x - CENTRE_X;
      double dy = y - CENTRE_Y;

      if (dx * dx + dy * dy < town->core_radius * town->core_radius)
        return QRT_DEMO_ZONE_CORE;
      return QRT_DEMO_ZONE_URBAN;
    }

  for (guint i = 0; i < town->villages->len; i++)
    if (_qrt_demo_blob_contains (g_ptr_array_index (town->villages, i), x, y))
      return QRT_DEMO_ZONE_VILLAGE;

  return QRT_DEMO_ZONE_NONE;
}

static gboolean
in_park (QrtDemoTown *town,
         double       x,
         double       y)
{
  for (guint i = 0; i < town->park_blobs->len; i++)
    if (_qrt_demo_blob_contains (g_ptr_array_index (town->park_blobs, i), x, y))
      return TRUE;

  return FALSE;
}

/* Whether (x, y) keeps @clearance metres from the river's and the brooks' banks. */
static gboolean
water_clear (QrtDemoTown *town,
             double       x,
             double       y,
             double       clearance,
             GArray      *scratch)
{
  double reach = town->river_half_width + clearance;

  _qrt_demo_grid_query (town->water_segs->grid, x - reach, y - reach, x + reach, y + reach,
                        scratch);
  for (guint i = 0; i < scratch->len; i++)
    {
      const QrtDemoSegment *s = &g_array_index (town->water_segs->segments, QrtDemoSegment,
                                                g_array_index (scratch, guint, i));

      if (_qrt_demo_segment_distance (x, y, s->ax, s->ay, s->bx, s->by)
          < s->half_width + clearance)
        return FALSE;
    }

  return TRUE;
}

/* The district whose seed is nearest, i.e. the Voronoi cell (x, y) lies in. With @margin,
 * also the distance to the nearest cell edge. */
static int
nearest_district (QrtDemoTown *town,
                  double       x,
                  double       y,
                  double      *margin)
{
  guint n = town->districts->len;
  double best_d2 = G_MAXDOUBLE;
  int best = -1;

  for (guint i = 0; i < n; i++)
    {
      const QrtDemoXY *s = &district_at (town, i)->seed;
      double d2 = (x - s->x) * (x - s->x) + (y - s->y) * (y - s->y);

      if (d2 < best_d2)
        {
          best_d2 = d2;
          best = (int) i;
        }
    }

  if (margin != NULL)
    {
      const QrtDemoXY *a = &district_at (town, best)->seed;

      *margin = G_MAXDOUBLE;
      for (guint i = 0; i < n; i++)
        {
          const QrtDemoXY *b = &district_at (town, i)->seed;
          double d2 = (x - b->x) * (x - b->x) + (y - b->y) * (y - b->y);

          if ((int) i == best)
            continue;
          /* Distance to the perpendicular bisector of the two seeds. */
          *margin = MIN (*margin, (d2 - best_d2) / (2.0 * distance (a->x, a->y, b->x, b->y)));
        }
    }

  return best;
}

static void
unit_normal (const QrtDemoXY *tangent,
             QrtDemoXY       *normal)
{
  normal->x = -tangent->y;
  normal->y = tangent->x;
}

/* Splits any lineal GEOS geometry into GArrays of points appended to @out. */
static void
geos_to_lines (GEOSContextHandle_t  ctx,
               const GEOSGeometry  *geometry,
               GPtrArray           *out)
{
  int type = GEOSGeomTypeId_r (ctx, geometry);

  if (type == GEOS_LINESTRING)
    {
      const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r (ctx, geometry);
      unsigned int n = 0;
      GArray *line;

      GEOSCoordSeq_getSize_r (ctx, seq, &n);
      if (n < 2)
        return;

      line = g_array_sized_new (FALSE, FALSE, sizeof (QrtDemoXY), n);
      for (unsigned int i = 0; i < n; i++)
        {
          QrtDemoXY p;

          GEOSCoordSeq_getXY_r (ctx, seq, i, &p.x, &p.y);
          g_array_append_val (line, p);
        }
      g_ptr_array_add (out, line);
    }
  else if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION)
    {
      int n = GEOSGetNumGeometries_r (ctx, geometry);

      for (int i = 0; i < n; i++)
        geos_to_lines (ctx, GEOSGetGeometryN_r (ctx, geometry, i), out);
    }
}

static double
geos_area (GEOSContextHandle_t  ctx,
           const GEOSGeometry  *geometry)
{
  double area = 0.0;

  if (geometry != NULL)
    GEOSArea_r (ctx, geometry, &area);

  return area;
}

/* --- the town object ------------------------------------------------------------------------- */

static void
geos_message_cb (const char *message,
                 void       *user_data)
{
  QrtDemoTown *town = user_data;

  g_debug ("GEOS: %s", message);
  g_string_assign (town->geos_error, message);
}

static void
geos_notice_cb (const char *message,
                void       *user_data)
{
  g_debug ("GEOS notice: %s", message);
}

static void
district_clear (gpointer data)
{
  QrtDemoDistrict *district = data;

  g_free (district->name);
  g_free (district->code);
}

static void
street_clear (gpointer data)
{
  QrtDemoStreet *street = data;

  g_clear_pointer (&street->points, g_array_unref);
  g_free (street->name);
}

static void
facility_clear (gpointer data)
{
  QrtDemoFacility *facility = data;

  g_free (facility->name);
  g_free (facility->type);
}

QrtDemoTown *
_qrt_demo_town_new (guint64 seed)
{
  QrtDemoTown *town = g_new0 (QrtDemoTown, 1);

  town->seed = seed;
  town->ctx = GEOS_init_r ();
  town->geos_error = g_string_new (NULL);
  GEOSContext_setErrorMessageHandler_r (town->ctx, geos_message_cb, town);
  GEOSContext_setNoticeMessageHandler_r (town->ctx, geos_notice_cb, town);

  town->brooks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  town->waterways = g_ptr_array_new ();
  town->industrial = g_ptr_array_new_with_free_func ((GDestroyNotify) _qrt_demo_blob_free);
  town->park_blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) _qrt_demo_blob_free);
  town->park_names = g_ptr_array_new_with_free_func (g_free);
  town->parks = g_ptr_array_new ();
  town->villages = g_ptr_array_new_with_free_func ((GDestroyNotify) _qrt_demo_blob_free);
  town->districts = g_array_new (FALSE, TRUE, sizeof (QrtDemoDistrict));
  g_array_set_clear_func (town->districts, district_clear);
  town->streets = g_array_new (FALSE, TRUE, sizeof (QrtDemoStreet));
  g_array_set_clear_func (town->streets, street_clear);
  town->buildings = g_array_new (FALSE, TRUE, sizeof (QrtDemoBuilding));
  town->trees = g_array_new (FALSE, TRUE, sizeof (QrtDemoTree));
  town->schools = g_array_new (FALSE, TRUE, sizeof (QrtDemoFacility));
  g_array_set_clear_func (town->schools, facility_clear);
  town->daycare = g_array_new (FALSE, TRUE, sizeof (QrtDemoFacility));
  g_array_set_clear_func (town->daycare, facility_clear);

  return town;
}

static void
destroy_geometry (QrtDemoTown   *town,
                  GEOSGeometry **geometry)
{
  if (*geometry != NULL)
    GEOSGeom_destroy_r (town->ctx, *geometry);
  *geometry = NULL;
}

static void
free_named (QrtDemoTown *town,
            GPtrArray   *items)
{
  /* QrtDemoNamedArea and QrtDemoNamedLine share their layout: name, geometry. */
  for (guint i = 0; i < items->len; i++)
    {
      QrtDemoNamedArea *item = g_ptr_array_index (items, i);

      g_free (item->name);
      destroy_geometry (town, &item->geometry);
      g_free (item);
    }
  g_ptr_array_unref (items);
}

void
_qrt_demo_town_free (QrtDemoTown *town)
{
  if (town == NULL)
    return;

  for (guint i = 0; town->districts != NULL && i < town->districts->len; i++)
    destroy_geometry (town, &district_at (town, i)->geometry);
  for (guint i = 0; i < QRT_DEMO_N_LANDCOVER; i++)
    destroy_geometry (town, &town->landcover[i]);
  for (guint i = 0; i < QRT_DEMO_N_RAIN_CLASSES; i++)
    destroy_geometry (town, &town->rain[i]);

  destroy_geometry (town, &town->town);
  destroy_geometry (town, &town->town_boundary);
  destroy_geometry (town, &town->water);
  destroy_geometry (town, &town->flood);
  destroy_geometry (town, &town->parks_union);
  destroy_geometry (town, &town->voronoi_edges);
  free_named (town, town->waterways);
  free_named (town, town->parks);

  g_clear_pointer (&town->town_blob, _qrt_demo_blob_free);
  g_clear_pointer (&town->main_town, _qrt_demo_blob_free);
  g_clear_pointer (&town->river_base, g_array_unref);
  g_clear_pointer (&town->river, g_array_unref);
  g_clear_pointer (&town->water_segs, _qrt_demo_segments_free);
  g_clear_pointer (&town->street_segs, _qrt_demo_segments_free);
  g_clear_pointer (&town->building_grid, _qrt_demo_grid_free);
  g_ptr_array_unref (town->brooks);
  g_ptr_array_unref (town->industrial);
  g_ptr_array_unref (town->park_blobs);
  g_ptr_array_unref (town->park_names);
  g_ptr_array_unref (town->villages);
  g_array_unref (town->districts);
  g_array_unref (town->streets);
  g_array_unref (town->buildings);
  g_array_unref (town->trees);
  g_array_unref (town->schools);
  g_array_unref (town->daycare);

  GEOS_finish_r (town->ctx);
  g_string_free (town->geos_error, TRUE);
  g_free (town);
}

/* --- step: outline ------------------------------------------------------------------------------ */

static gboolean
step_outline (QrtDemoTown *town,
              GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  QrtDemoRng rng;
  double area, aspect, angle, reach;

  _qrt_demo_rng_init (&rng, town->seed, "outline");
  area = _qrt_demo_rng_range (&rng, 88e6, 106e6);
  aspect = _qrt_demo_rng_range (&rng, 1.1, 1.45);
  angle = _qrt_demo_rng_range (&rng, 0.0, G_PI);

  town->town_blob = _qrt_demo_blob_new (&rng, CENTRE_X, CENTRE_Y, area, aspect, angle, 0.11, 360);
  town->town = _qrt_demo_blob_to_geos (ctx, town->town_blob);
  if (town->town == NULL)
    return geos_failed (town, "outline", error);
  town->town_boundary = GEOSBoundary_r (ctx, town->town);
  if (town->town_boundary == NULL)
    return geos_failed (town, "outline", error);

  /* Room for the river and the roads that start beyond the boundary. */
  reach = town->town_blob->r_max + 2500.0;
  town->min_x = CENTRE_X - reach;
  town->min_y = CENTRE_Y - reach;
  town->max_x = CENTRE_X + reach;
  town->max_y = CENTRE_Y + reach;

  return TRUE;
}

/* --- step: water ------------------------------------------------------------------------------ */

static GArray *
quadratic_curve (const QrtDemoXY *p0,
                 const QrtDemoXY *control,
                 const QrtDemoXY *p2,
                 double           step)
{
  g_autoptr(GArray) dense = g_array_new (FALSE, FALSE, sizeof (QrtDemoXY));

  for (guint i = 0; i <= 2000; i++)
    {
      double t = i / 2000.0;
      double a = (1 - t) * (1 - t);
      double b = 2 * t * (1 - t);
      double c = t * t;
      QrtDemoXY p = {
        a * p0->x + b * control->x + c * p2->x,
        a * p0->y + b * control->y + c * p2->y,
      };

      g_array_append_val (dense, p);
    }

  return _qrt_demo_line_resample (dense, step);
}

/* Local unit tangent of a densely sampled polyline at vertex @i. */
static void
line_tangent (const GArray *line,
              guint         i,
              QrtDemoXY    *tangent)
{
  const QrtDemoXY *a = &g_array_index (line, QrtDemoXY, i > 0 ? i - 1 : 0);
  const QrtDemoXY *b = &g_array_index (line, QrtDemoXY, MIN (i + 1, line->len - 1));
  double len = distance (a->x, a->y, b->x, b->y);

  tangent->x = len > 0 ? (b->x - a->x) / len : 1.0;
  tangent->y = len > 0 ? (b->y - a->y) / len : 0.0;
}

static guint
nearest_vertex (const GArray *line,
                double        x,
                double        y)
{
  double best = G_MAXDOUBLE;
  guint best_i = 0;

  for (guint i = 0; i < line->len; i++)
    {
      const QrtDemoXY *p = &g_array_index (line, QrtDemoXY, i);
      double d = distance (p->x, p->y, x, y);

      if (d < best)
        {
          best = d;
          best_i = i;
        }
    }

  return best_i;
}

/* A zone of varying width along a line: the union of the convex hulls of consecutive
 * circles, whose radius comes from @radius_func. */
static GEOSGeometry *
tapered_buffer (GEOSContextHandle_t ctx,
                const GArray       *line,
                guint               first,
                guint               last,
                guint               stride,
                double (*radius_func) (gpointer data, guint index),
                gpointer            data)
{
  g_autoptr(GPtrArray) hulls = g_ptr_array_new ();
  GEOSGeometry *collection, *result;
  const guint n_circle = 20;
  guint prev = first;

  for (guint i = first + stride; prev < last; i += stride)
    {
      guint cur = MIN (i, last);
      GEOSGeometry *points[2 * 20];
      GEOSGeometry *multi, *hull;
      guint n = 0;

      for (guint k = 0; k < 2; k++)
        {
          guint v = k == 0 ? prev : cur;
          const QrtDemoXY *p = &g_array_index (line, QrtDemoXY, v);
          double r = radius_func (data, v);

          for (guint j = 0; j < n_circle; j++)
            {
              double a = 2.0 * G_PI * j / n_circle;

              points[n++] = GEOSGeom_createPointFromXY_r (ctx, p->x + r * cos (a), p->y + r * sin (a));
            }
        }

      multi = GEOSGeom_createCollection_r (ctx, GEOS_MULTIPOINT, points, n);
      hull = GEOSConvexHull_r (ctx, multi);
      GEOSGeom_destroy_r (ctx, multi);
      if (hull == NULL)
        return NULL;
      g_ptr_array_add (hulls, hull);
      prev = cur;
    }

  collection = _qrt_demo_geos_collect (ctx, hulls);
  result = GEOSUnaryUnion_r (ctx, collection);
  GEOSGeom_destroy_r (ctx, collection);

  return result;
}

typedef struct
{
  QrtDemoTown *town;
  const GArray *line;
  guint64      noise_seed;
  double       base;
  double       spread;
  double       wavelength;
  double       step;
} FloodWidth;

static double
flood_radius (gpointer data,
              guint    index)
{
  FloodWidth *fw = data;

  return fw->base + fw->spread * _qrt_demo_noise1 (fw->noise_seed, index * fw->step / fw->wavelength);
}

static gboolean
step_water (QrtDemoTown *town,
            GError     **error)
{
  static const char * const brook_names[] = {
    "Mühlbach", "Sieperbach", "Ellerbach", "Schlehbach", "Hasselbach", NULL
  };
  GEOSContextHandle_t ctx = town->ctx;
  QrtDemoRng rng;
  QrtDemoXY p0, p1, p2, control;
  double alpha_in, alpha_out, valley_dx, valley_dy, step;
  guint64 meander_seed;
  guint n_brooks;
  guint brook_order[5] = { 0, 1, 2, 3, 4 };
  int first_side;
  g_autoptr(GPtrArray) floods = g_ptr_array_new ();
  GEOSGeometry *river_line, *buffer, *clipped, *collection, *flood_union;

  _qrt_demo_rng_init (&rng, town->seed, "river");

  /* The river enters on one side and leaves on the other, through the town centre. */
  alpha_in = _qrt_demo_rng_range (&rng, 0.0, 2.0 * G_PI);
  alpha_out = alpha_in + G_PI + _qrt_demo_rng_range (&rng, -0.35, 0.35);
  p0.x = CENTRE_X + cos (alpha_in) * (_qrt_demo_blob_boundary (town->town_blob, alpha_in) + 1500.0);
  p0.y = CENTRE_Y + sin (alpha_in) * (_qrt_demo_blob_boundary (town->town_blob, alpha_in) + 1500.0);
  p2.x = CENTRE_X + cos (alpha_out) * (_qrt_demo_blob_boundary (town->town_blob, alpha_out) + 1500.0);
  p2.y = CENTRE_Y + sin (alpha_out) * (_qrt_demo_blob_boundary (town->town_blob, alpha_out) + 1500.0);
  p1.x = CENTRE_X + _qrt_demo_rng_range (&rng, -100.0, 100.0);
  p1.y = CENTRE_Y + _qrt_demo_rng_range (&rng, -100.0, 100.0);
  control.x = 2.0 * p1.x - (p0.x + p2.x) / 2.0;
  control.y = 2.0 * p1.y - (p0.y + p2.y) / 2.0;

  valley_dx = (p2.x - p0.x) / distance (p0.x, p0.y, p2.x, p2.y);
  valley_dy = (p2.y - p0.y) / distance (p0.x, p0.y, p2.x, p2.y);
  town->valley_angle = atan2 (valley_dy, valley_dx);

  town->river_base = quadratic_curve (&p0, &control, &p2, 20.0);
  step = _qrt_demo_line_length (town->river_base) / (town->river_base->len - 1);

  /* Meanders: a smooth sideways displacement of the valley axis. Its slope stays well below
   * one, so the river never crosses itself. */
  meander_seed = _qrt_demo_hash_stream (town->seed, "meander");
  town->river = g_array_sized_new (FALSE, FALSE, sizeof (QrtDemoXY), town->river_base->len);
  for (guint i = 0; i < town->river_base->len; i++)
    {
      const QrtDemoXY *b = &g_array_index (town->river_base, QrtDemoXY, i);
      QrtDemoXY t, n, p;
      double s = i * step;
      double offset = 120.0 * (2.0 * _qrt_demo_noise1 (meander_seed, s / 1100.0) - 1.0)
                    + 35.0 * (2.0 * _qrt_demo_noise1 (meander_seed + 1, s / 330.0) - 1.0);

      line_tangent (town->river_base, i, &t);
      unit_normal (&t, &n);
      p.x = b->x + n.x * offset;
      p.y = b->y + n.y * offset;
      g_array_append_val (town->river, p);
      town->meander_max = MAX (town->meander_max, fabs (offset));
    }
  town->river_half_width = _qrt_demo_rng_range (&rng, 12.0, 16.0);

  /* One or two brooks come down from the hills on either side and join the river. */
  n_brooks = _qrt_demo_rng_chance (&rng, 0.7) ? 2 : 1;
  _qrt_demo_rng_shuffle (&rng, brook_order, 5);
  first_side = _qrt_demo_rng_chance (&rng, 0.5) ? 1 : -1;
  for (guint k = 0; k < n_brooks; k++)
    {
      double along = (k == 0 ? -1.0 : 1.0) * _qrt_demo_rng_range (&rng, 900.0, 2400.0);
      int side = k == 0 ? first_side : -first_side;
      double phi = _qrt_demo_rng_range (&rng, -0.45, 0.45);
      double length = _qrt_demo_rng_range (&rng, 2800.0, 4200.0);
      guint64 brook_seed = _qrt_demo_hash_stream (town->seed, brook_names[brook_order[k]]);
      const QrtDemoXY *confluence;
      double dir_x, dir_y, nx, ny, px, py;
      QrtDemoXY source;
      GArray *brook;
      guint n;

      confluence = &g_array_index (town->river, QrtDemoXY,
                                   nearest_vertex (town->river,
                                                   CENTRE_X + valley_dx * along,
                                                   CENTRE_Y + valley_dy * along));
      nx = -valley_dy * side;
      ny = valley_dx * side;
      dir_x = nx * cos (phi) - ny * sin (phi);
      dir_y = nx * sin (phi) + ny * cos (phi);

      do
        {
          source.x = confluence->x + dir_x * length;
          source.y = confluence->y + dir_y * length;
          length *= 0.9;
        }
      while (!well_inside_town (town, source.x, source.y, 0.85) && length > 900.0);

      length = distance (source.x, source.y, confluence->x, confluence->y);
      n = MAX (2, (guint) ceil (length / 20.0));
      px = -(confluence->y - source.y) / length;
      py = (confluence->x - source.x) / length;
      brook = g_array_sized_new (FALSE, FALSE, sizeof (QrtDemoXY), n + 1);
      for (guint i = 0; i <= n; i++)
        {
          double t = (double) i / n;
          double lateral = 45.0 * (2.0 * _qrt_demo_noise1 (brook_seed, t * length / 450.0) - 1.0)
                         * sin (G_PI * t);
          QrtDemoXY p = {
            source.x + (confluence->x - source.x) * t + px * lateral,
            source.y + (confluence->y - source.y) * t + py * lateral,
          };

          g_array_append_val (brook, p);
        }
      g_ptr_array_add (town->brooks, brook);
    }

  town->water_segs = _qrt_demo_segments_new (town->min_x, town->min_y, town->max_x, town->max_y, 100.0);
  _qrt_demo_segments_add_line (town->water_segs, town->river, 0, town->river_half_width);
  for (guint k = 0; k < town->brooks->len; k++)
    _qrt_demo_segments_add_line (town->water_segs, g_ptr_array_index (town->brooks, k), k + 1, 1.5);

  /* The river's water surface and the waterway lines, cut to the town. */
  river_line = _qrt_demo_line_to_geos (ctx, town->river);
  buffer = GEOSBuffer_r (ctx, river_line, town->river_half_width, 8);
  if (buffer == NULL)
    {
      GEOSGeom_destroy_r (ctx, river_line);
      return geos_failed (town, "water", error);
    }
  town->water = _qrt_demo_geos_polygonal (ctx, GEOSIntersection_r (ctx, buffer, town->town), 0.0);
  GEOSGeom_destroy_r (ctx, buffer);

  clipped = GEOSIntersection_r (ctx, river_line, town->town);
  GEOSGeom_destroy_r (ctx, river_line);
  if (clipped == NULL || town->water == NULL)
    return geos_failed (town, "water", error);
  {
    QrtDemoNamedLine *waterway = g_new0 (QrtDemoNamedLine, 1);

    waterway->name = g_strdup ("Muster");
    waterway->geometry = _qrt_demo_geos_lines (ctx, clipped);
    g_ptr_array_add (town->waterways, waterway);
  }

  for (guint k = 0; k < town->brooks->len; k++)
    {
      GEOSGeometry *line = _qrt_demo_line_to_geos (ctx, g_ptr_array_index (town->brooks, k));
      QrtDemoNamedLine *waterway = g_new0 (QrtDemoNamedLine, 1);

      clipped = GEOSIntersection_r (ctx, line, town->town);
      GEOSGeom_destroy_r (ctx, line);
      if (clipped == NULL)
        {
          g_free (waterway);
          return geos_failed (town, "water", error);
        }
      waterway->name = g_strdup (brook_names[brook_order[k]]);
      waterway->geometry = _qrt_demo_geos_lines (ctx, clipped);
      g_ptr_array_add (town->waterways, waterway);
    }

  /* HQ100: the river's flood plain, 50 to 300 m wide, and the lower reaches of the brooks. */
  {
    FloodWidth fw = {
      town, town->river, _qrt_demo_hash_stream (town->seed, "flood"),
      town->river_half_width + 18.0, 110.0, 800.0, step,
    };
    GEOSGeometry *zone = tapered_buffer (ctx, town->river, 0, town->river->len - 1, 2,
                                         flood_radius, &fw);

    if (zone == NULL)
      return geos_failed (town, "flood", error);
    g_ptr_array_add (floods, zone);
  }
  for (guint k = 0; k < town->brooks->len; k++)
    {
      GArray *brook = g_ptr_array_index (town->brooks, k);
      FloodWidth fw = {
        town, brook, _qrt_demo_hash_stream (town->seed, "brook-flood") + k,
        12.0, 25.0, 500.0, 20.0,
      };
      GEOSGeometry *zone = tapered_buffer (ctx, brook, brook->len * 2 / 5, brook->len - 1, 2,
                                           flood_radius, &fw);

      if (zone == NULL)
        return geos_failed (town, "flood", error);
      g_ptr_array_add (floods, zone);
    }
  collection = _qrt_demo_geos_collect (ctx, floods);
  flood_union = GEOSUnaryUnion_r (ctx, collection);
  GEOSGeom_destroy_r (ctx, collection);
  if (flood_union == NULL)
    return geos_failed (town, "flood", error);
  town->flood = _qrt_demo_geos_polygonal (ctx, GEOSIntersection_r (ctx, flood_union, town->town), 1.0);
  GEOSGeom_destroy_r (ctx, flood_union);

  return TRUE;
}

/* --- step: settlements ------------------------------------------------------------------------ */

static gboolean
park_fits (QrtDemoTown       *town,
           const QrtDemoBlob *blob)
{
  for (guint i = 0; i < town->park_blobs->len; i++)
    {
      const QrtDemoBlob *other = g_ptr_array_index (town->park_blobs, i);

      if (distance (blob->cx, blob->cy, other->cx, other->cy) < blob->r_max + other->r_max + 40.0)
        return FALSE;
    }

  return TRUE;
}

static gboolean
step_settlements (QrtDemoTown *town,
                  GError     **error)
{
  QrtDemoRng rng;
  guint n_industrial, n_parks;
  int first_sign;
  double valley_dx = cos (town->valley_angle);
  double valley_dy = sin (town->valley_angle);

  _qrt_demo_rng_init (&rng, town->seed, "settlements");

  /* The main settlement stretches along the valley. */
  town->main_town = _qrt_demo_blob_new (&rng, CENTRE_X, CENTRE_Y,
                                        _qrt_demo_rng_range (&rng, 11.5e6, 13.5e6),
                                        _qrt_demo_rng_range (&rng, 1.7, 2.2),
                                        town->valley_angle, 0.15, 180);
  town->core_radius = _qrt_demo_rng_range (&rng, 550.0, 680.0);

  /* Industry at the ends of the main settlement, down in the valley. */
  n_industrial = _qrt_demo_rng_chance (&rng, 0.6) ? 2 : 1;
  first_sign = _qrt_demo_rng_chance (&rng, 0.5) ? 1 : -1;
  for (guint k = 0; k < n_industrial; k++)
    {
      double angle = town->valley_angle + (k == 0 ? 0.0 : G_PI) * first_sign
                   + _qrt_demo_rng_range (&rng, -0.25, 0.25);
      double reach = _qrt_demo_blob_boundary (town->main_town, angle)
                   * _qrt_demo_rng_range (&rng, 0.8, 0.92);

      g_ptr_array_add (town->industrial,
                       _qrt_demo_blob_new (&rng,
                                           CENTRE_X + cos (angle) * reach,
                                           CENTRE_Y + sin (angle) * reach,
                                           _qrt_demo_rng_range (&rng, 0.35e6, 0.55e6),
                                           1.6, town->valley_angle, 0.1, 64));
    }

  /* The Stadtpark lies on the river near the centre; three or four more parks in town. */
  {
    double along = _qrt_demo_rng_range (&rng, -400.0, 400.0);
    guint v = nearest_vertex (town->river, CENTRE_X + valley_dx * along, CENTRE_Y + valley_dy * along);
    const QrtDemoXY *p = &g_array_index (town->river, QrtDemoXY, v);
    QrtDemoXY t;

    line_tangent (town->river, v, &t);
    g_ptr_array_add (town->park_blobs,
                     _qrt_demo_blob_new (&rng, p->x, p->y, _qrt_demo_rng_range (&rng, 0.08e6, 0.13e6),
                                         2.2, atan2 (t.y, t.x), 0.12, 48));
    g_ptr_array_add (town->park_names, g_strdup (_qrt_demo_park_names[0]));
  }

  n_parks = (guint) _qrt_demo_rng_int (&rng, 3, 4);
  for (guint attempt = 0, k = 1; attempt < 400 && k <= n_parks; attempt++)
    {
      double x = _qrt_demo_rng_range (&rng, CENTRE_X - town->main_town->r_max, CENTRE_X + town->main_town->r_max);
      double y = _qrt_demo_rng_range (&rng, CENTRE_Y - town->main_town->r_max, CENTRE_Y + town->main_town->r_max);
      double area = _qrt_demo_rng_range (&rng, 0.025e6, 0.07e6);
      double r = distance (x, y, CENTRE_X, CENTRE_Y);
      g_autoptr(QrtDemoBlob) blob = NULL;
      gboolean near_industry = FALSE;

      if (r < 600.0 || radial_excess (town->main_town, x, y) > -0.2 * r)
        continue;
      for (guint i = 0; i < town->industrial->len; i++)
        {
          const QrtDemoBlob *ind = g_ptr_array_index (town->industrial, i);

          near_industry |= distance (x, y, ind->cx, ind->cy) < ind->r_max + 200.0;
        }
      if (near_industry)
        continue;

      blob = _qrt_demo_blob_new (&rng, x, y, area, _qrt_demo_rng_range (&rng, 1.0, 1.8),
                                 _qrt_demo_rng_range (&rng, 0.0, G_PI), 0.12, 40);
      if (!park_fits (town, blob))
        continue;

      g_ptr_array_add (town->park_blobs, g_steal_pointer (&blob));
      g_ptr_array_add (town->park_names, g_strdup (_qrt_demo_park_names[k]));
      k++;
    }

  return check_cancelled (town, error);
}

/* --- step: districts ------------------------------------------------------------------------------ */

static GEOSGeometry *
seeds_to_geos (GEOSContextHandle_t ctx,
               const QrtDemoXY    *seeds,
               guint               n)
{
  GEOSGeometry **points = g_new (GEOSGeometry *, n);
  GEOSGeometry *multi;

  for (guint i = 0; i < n; i++)
    points[i] = GEOSGeom_createPointFromXY_r (ctx, seeds[i].x, seeds[i].y);
  multi = GEOSGeom_createCollection_r (ctx, GEOS_MULTIPOINT, points, n);
  g_free (points);

  return multi;
}

static guint
nearest_seed (const QrtDemoXY *seeds,
              guint            n,
              double           x,
              double           y)
{
  double best = G_MAXDOUBLE;
  guint best_i = 0;

  for (guint i = 0; i < n; i++)
    {
      double d = distance (seeds[i].x, seeds[i].y, x, y);

      if (d < best)
        {
          best = d;
          best_i = i;
        }
    }

  return best_i;
}

static GEOSGeometry *
envelope (QrtDemoTown *town)
{
  return GEOSGeom_createRectangle_r (town->ctx, town->min_x, town->min_y, town->max_x, town->max_y);
}

/* Best-candidate sampling (Mitchell): of @n_candidates random points that pass @accept,
 * take the one farthest from all seeds so far. Gives evenly spread, exactly counted seeds. */
static gboolean
place_seed (QrtDemoTown     *town,
            QrtDemoRng      *rng,
            GArray          *seeds,
            guint            n_candidates,
            gboolean         urban)
{
  QrtDemoXY best = { 0, 0 };
  double best_score = -1.0;
  const QrtDemoBlob *area = urban ? town->main_town : town->town_blob;

  for (guint c = 0, tries = 0; c < n_candidates && tries < 10000; tries++)
    {
      double x = _qrt_demo_rng_range (rng, area->cx - area->r_max, area->cx + area->r_max);
      double y = _qrt_demo_rng_range (rng, area->cy - area->r_max, area->cy + area->r_max);
      double score = G_MAXDOUBLE;

      if (urban)
        {
          if (radial_excess (town->main_town, x, y) > -0.15 * _qrt_demo_blob_boundary (town->main_town, atan2 (y - CENTRE_Y, x - CENTRE_X)))
            continue;
        }
      else if (!well_inside_town (town, x, y, 0.86) || radial_excess (town->main_town, x, y) < 1100.0)
        continue;

      c++;
      for (guint i = 0; i < seeds->len; i++)
        {
          const QrtDemoXY *s = &g_array_index (seeds, QrtDemoXY, i);

          score = MIN (score, distance (s->x, s->y, x, y));
        }
      if (score > best_score)
        {
          best_score = score;
          best.x = x;
          best.y = y;
        }
    }

  if (best_score < 0.0)
    return FALSE;

  g_array_append_val (seeds, best);
  return TRUE;
}

typedef struct
{
  QrtDemoXY seed;
  gboolean  rural;
  double    sort_key;
  guint     input;
} SeedOrder;

static int
seed_order_compare (gconstpointer a,
                    gconstpointer b)
{
  const SeedOrder *sa = a;
  const SeedOrder *sb = b;

  if (sa->rural != sb->rural)
    return sa->rural ? 1 : -1;
  if (sa->sort_key != sb->sort_key)
    return sa->sort_key < sb->sort_key ? -1 : 1;
  return (int) sa->input - (int) sb->input;
}

/* Lloyd relaxation: moves each seed to the centroid of its cell (urban seeds: of the part of
 * the cell in the main settlement), which evens out the district sizes. The centre stays. */
static gboolean
relax_seeds (QrtDemoTown *town,
             GArray      *seeds,
             guint        n_urban,
             GEOSGeometry *main_geos)
{
  GEOSContextHandle_t ctx = town->ctx;
  QrtDemoXY *s = (QrtDemoXY *) (gpointer) seeds->data;
  GEOSGeometry *points = seeds_to_geos (ctx, s, seeds->len);
  GEOSGeometry *env = envelope (town);
  GEOSGeometry *cells = GEOSVoronoiDiagram_r (ctx, points, env, 0.0, 0);
  int n_cells;

  GEOSGeom_destroy_r (ctx, points);
  GEOSGeom_destroy_r (ctx, env);
  if (cells == NULL)
    return FALSE;

  n_cells = GEOSGetNumGeometries_r (ctx, cells);
  for (int c = 0; c < n_cells; c++)
    {
      const GEOSGeometry *cell = GEOSGetGeometryN_r (ctx, cells, c);
      GEOSGeometry *centroid = GEOSGetCentroid_r (ctx, cell);
      GEOSGeometry *clipped, *moved;
      double cx, cy;
      guint owner;

      if (centroid == NULL)
        continue;
      GEOSGeomGetX_r (ctx, centroid, &cx);
      GEOSGeomGetY_r (ctx, centroid, &cy);
      GEOSGeom_destroy_r (ctx, centroid);

      /* A Voronoi cell is convex, so its centroid lies in it and the nearest seed owns it. */
      owner = nearest_seed (s, seeds->len, cx, cy);
      if (owner == 0)
        continue;

      clipped = GEOSIntersection_r (ctx, cell, owner < n_urban ? main_geos : town->town);
      if (clipped == NULL)
        continue;
      if (!GEOSisEmpty_r (ctx, clipped) && (moved = GEOSGetCentroid_r (ctx, clipped)) != NULL)
        {
          double mx, my;

          GEOSGeomGetX_r (ctx, moved, &mx);
          GEOSGeomGetY_r (ctx, moved, &my);
          GEOSGeom_destroy_r (ctx, moved);

          if (owner < n_urban || radial_excess (town->main_town, mx, my) > 900.0)
            {
              s[owner].x = mx;
              s[owner].y = my;
            }
        }
      GEOSGeom_destroy_r (ctx, clipped);
    }

  GEOSGeom_destroy_r (ctx, cells);
  return TRUE;
}

/* Cuts the town into the seeds' Voronoi cells so that the pieces tile it exactly: the cell
 * edges and the town's outline are noded together and polygonised, so neighbours share the
 * very same vertices and there is neither gap nor overlap. */
static gboolean
cut_districts (QrtDemoTown      *town,
               const SeedOrder  *order,
               guint             n)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autofree QrtDemoXY *seeds = g_new (QrtDemoXY, n);
  g_autoptr(GPtrArray) faces_of = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GEOSGeometry *points, *env, *edges, *noded, *faces;
  const GEOSGeometry *noded_const;
  int n_faces;

  for (guint i = 0; i < n; i++)
    {
      seeds[i] = order[i].seed;
      g_ptr_array_add (faces_of, g_ptr_array_new ());
    }

  points = seeds_to_geos (ctx, seeds, n);
  env = envelope (town);
  edges = GEOSVoronoiDiagram_r (ctx, points, env, 0.0, 1);
  GEOSGeom_destroy_r (ctx, points);
  GEOSGeom_destroy_r (ctx, env);
  if (edges == NULL)
    return FALSE;

  noded = GEOSUnion_r (ctx, edges, town->town_boundary);
  town->voronoi_edges = _qrt_demo_geos_lines (ctx, GEOSIntersection_r (ctx, edges, town->town));
  GEOSGeom_destroy_r (ctx, edges);
  if (noded == NULL || town->voronoi_edges == NULL)
    return FALSE;

  noded_const = noded;
  faces = GEOSPolygonize_r (ctx, &noded_const, 1);
  GEOSGeom_destroy_r (ctx, noded);
  if (faces == NULL)
    return FALSE;

  n_faces = GEOSGetNumGeometries_r (ctx, faces);
  for (int f = 0; f < n_faces; f++)
    {
      const GEOSGeometry *face = GEOSGetGeometryN_r (ctx, faces, f);
      GEOSGeometry *inner = GEOSPointOnSurface_r (ctx, face);
      double x, y;

      if (inner == NULL)
        continue;
      GEOSGeomGetX_r (ctx, inner, &x);
      GEOSGeomGetY_r (ctx, inner, &y);
      GEOSGeom_destroy_r (ctx, inner);

      /* Faces between the outline and the far Voronoi edges lie outside the town. */
      if (!in_town (town, x, y))
        continue;

      g_ptr_array_add (g_ptr_array_index (faces_of, nearest_seed (seeds, n, x, y)),
                       GEOSGeom_clone_r (ctx, face));
    }
  GEOSGeom_destroy_r (ctx, faces);

  for (guint i = 0; i < n; i++)
    {
      GPtrArray *parts = g_ptr_array_index (faces_of, i);
      QrtDemoDistrict *district = district_at (town, i);

      if (parts->len == 0)
        return FALSE;

      /* The faces of one cell never share an edge (the cell is convex, only the outline
       * separates them), so a MultiPolygon of them is valid as it is. */
      district->geometry = GEOSGeom_createCollection_r (ctx, GEOS_MULTIPOLYGON,
                                                        (GEOSGeometry **) parts->pdata, parts->len);
      g_ptr_array_set_size (parts, 0);
      district->area = geos_area (ctx, district->geometry);
    }

  return TRUE;
}

/* Sizes each village so that settlement covers a set share of its district. */
static gboolean
size_villages (QrtDemoTown  *town,
               GEOSGeometry *main_geos)
{
  GEOSContextHandle_t ctx = town->ctx;

  for (guint i = town->n_urban; i < town->districts->len; i++)
    {
      QrtDemoDistrict *district = district_at (town, i);
      QrtDemoRng rng;
      double share, target, to_centre;
      QrtDemoBlob *village;

      _qrt_demo_rng_init_indexed (&rng, town->seed, "village", i);
      share = _qrt_demo_rng_range (&rng, 0.36, 0.42);
      target = share * district->area;
      to_centre = atan2 (CENTRE_Y - district->seed.y, CENTRE_X - district->seed.x);

      village = _qrt_demo_blob_new (&rng, district->seed.x, district->seed.y, target,
                                    _qrt_demo_rng_range (&rng, 1.0, 1.6),
                                    to_centre + _qrt_demo_rng_range (&rng, -0.3, 0.3), 0.14, 96);
      g_ptr_array_add (town->villages, village);
      district->village = village;

      for (guint iteration = 0; iteration < 4; iteration++)
        {
          GEOSGeometry *shape = _qrt_demo_blob_to_geos (ctx, village);
          GEOSGeometry *settled = GEOSUnion_r (ctx, shape, main_geos);
          GEOSGeometry *inside = settled ? GEOSIntersection_r (ctx, settled, district->geometry) : NULL;
          double got = geos_area (ctx, inside);
          double factor;

          GEOSGeom_destroy_r (ctx, shape);
          if (settled != NULL)
            GEOSGeom_destroy_r (ctx, settled);
          if (inside == NULL)
            return FALSE;
          GEOSGeom_destroy_r (ctx, inside);

          factor = CLAMP (sqrt (target / MAX (got, 1.0)), 0.75, 1.35);
          if (fabs (factor - 1.0) < 0.01)
            break;
          _qrt_demo_blob_scale (village, factor);
          if (village->r_max < 200.0)
            _qrt_demo_blob_scale (village, 200.0 / village->r_max);
        }

      district->grid_angle = to_centre + _qrt_demo_rng_range (&rng, -0.1, 0.1);
    }

  return TRUE;
}

static gboolean
step_districts (QrtDemoTown *town,
                GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  QrtDemoRng rng;
  guint n_total, n_urban;
  g_autoptr(GArray) seeds = g_array_new (FALSE, FALSE, sizeof (QrtDemoXY));
  g_autofree SeedOrder *order = NULL;
  g_autofree guint *urban_names = NULL;
  g_autofree guint *village_names = NULL;
  guint n_urban_names = _qrt_demo_names_count (_qrt_demo_urban_names);
  guint n_village_names = _qrt_demo_names_count (_qrt_demo_village_names);
  GEOSGeometry *main_geos;
  gboolean ok;

  _qrt_demo_rng_init (&rng, town->seed, "districts");
  n_total = (guint) _qrt_demo_rng_int (&rng, 30, 36);
  n_urban = (guint) _qrt_demo_rng_int (&rng, 11, 14);
  town->n_urban = n_urban;

  /* The Altstadt's seed is the centre itself. */
  {
    QrtDemoXY centre = { CENTRE_X, CENTRE_Y };

    g_array_append_val (seeds, centre);
  }
  while (seeds->len < n_urban)
    if (!place_seed (town, &rng, seeds, 30, TRUE))
      break;
  while (seeds->len < n_total)
    if (!place_seed (town, &rng, seeds, 40, FALSE))
      break;

  if (seeds->len < 25 || n_urban_names < n_urban || n_village_names < seeds->len - n_urban)
    {
      g_set_error (error, QRT_DEMO_ERROR, QRT_DEMO_ERROR_FAILED,
                   _("The demo town could not be divided into districts"));
      return FALSE;
    }

  main_geos = _qrt_demo_blob_to_geos (ctx, town->main_town);
  for (guint iteration = 0; iteration < 3; iteration++)
    if (!relax_seeds (town, seeds, n_urban, main_geos))
      {
        GEOSGeom_destroy_r (ctx, main_geos);
        return geos_failed (town, "districts", error);
      }

  /* Numbering: the town's quarters from the centre outwards, then the villages clockwise
   * from the north, as statistical offices tend to do it. */
  order = g_new0 (SeedOrder, seeds->len);
  for (guint i = 0; i < seeds->len; i++)
    {
      const QrtDemoXY *s = &g_array_index (seeds, QrtDemoXY, i);
      double bearing = atan2 (s->x - CENTRE_X, s->y - CENTRE_Y);

      order[i].seed = *s;
      order[i].rural = i >= n_urban;
      order[i].input = i;
      order[i].sort_key = order[i].rural ? (bearing < 0 ? bearing + 2 * G_PI : bearing)
                                         : distance (s->x, s->y, CENTRE_X, CENTRE_Y);
    }
  qsort (order, seeds->len, sizeof (SeedOrder), seed_order_compare);

  urban_names = g_new (guint, n_urban_names);
  for (guint i = 0; i < n_urban_names; i++)
    urban_names[i] = i;
  _qrt_demo_rng_shuffle (&rng, urban_names + 1, n_urban_names - 1);
  village_names = g_new (guint, n_village_names);
  for (guint i = 0; i < n_village_names; i++)
    village_names[i] = i;
  _qrt_demo_rng_shuffle (&rng, village_names, n_village_names);

  g_array_set_size (town->districts, seeds->len);
  for (guint i = 0; i < seeds->len; i++)
    {
      QrtDemoDistrict *district = district_at (town, i);

      district->id = i + 1;
      district->code = g_strdup_printf ("%02u", i + 1);
      district->seed = order[i].seed;
      district->rural = order[i].rural;
      district->name = g_strdup (district->rural
                                 ? _qrt_demo_village_names[village_names[i - n_urban]]
                                 : _qrt_demo_urban_names[urban_names[i]]);
      if (!district->rural)
        {
          /* Quarters follow the valley, give or take. */
          QrtDemoXY t;

          line_tangent (town->river, nearest_vertex (town->river, district->seed.x, district->seed.y), &t);
          district->grid_angle = atan2 (t.y, t.x) + _qrt_demo_rng_range (&rng, -0.35, 0.35);
        }
    }

  ok = cut_districts (town, order, seeds->len) && size_villages (town, main_geos);
  GEOSGeom_destroy_r (ctx, main_geos);
  if (!ok)
    return geos_failed (town, "districts", error);

  return check_cancelled (town, error);
}

/* --- step: green spaces ------------------------------------------------------------------------- */

static gboolean
step_parks (QrtDemoTown *town,
            GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GEOSGeometry *collection;

  /* About half of the villages have a green in the middle. */
  for (guint i = town->n_urban; i < town->districts->len; i++)
    {
      QrtDemoDistrict *district = district_at (town, i);
      QrtDemoRng rng;
      double angle, offset;
      g_autoptr(QrtDemoBlob) blob = NULL;

      _qrt_demo_rng_init_indexed (&rng, town->seed, "village-green", i);
      if (!_qrt_demo_rng_chance (&rng, 0.5))
        continue;

      /* Beside the village's through road, not on it. */
      angle = district->grid_angle + (_qrt_demo_rng_chance (&rng, 0.5) ? 1 : -1) * G_PI / 2;
      offset = _qrt_demo_rng_range (&rng, 90.0, 150.0);
      blob = _qrt_demo_blob_new (&rng, district->seed.x + cos (angle) * offset,
                                 district->seed.y + sin (angle) * offset,
                                 _qrt_demo_rng_range (&rng, 3000.0, 7000.0), 1.3,
                                 district->grid_angle, 0.1, 32);
      if (!park_fits (town, blob))
        continue;

      g_ptr_array_add (town->park_blobs, g_steal_pointer (&blob));
      g_ptr_array_add (town->park_names, g_strdup_printf ("Dorfanger %s", district->name));
    }

  for (guint i = 0; i < town->park_blobs->len; i++)
    {
      GEOSGeometry *shape = _qrt_demo_blob_to_geos (ctx, g_ptr_array_index (town->park_blobs, i));
      GEOSGeometry *inside = GEOSIntersection_r (ctx, shape, town->town);
      GEOSGeometry *dry = inside ? GEOSDifference_r (ctx, inside, town->water) : NULL;
      g_autoptr(GPtrArray) pieces = g_ptr_array_new ();

      GEOSGeom_destroy_r (ctx, shape);
      if (inside != NULL)
        GEOSGeom_destroy_r (ctx, inside);
      if (dry == NULL)
        return geos_failed (town, "parks", error);

      /* The river may cut the Stadtpark in two; both banks keep the name. */
      _qrt_demo_geos_split_polygons (ctx, dry, 1.0, pieces);
      GEOSGeom_destroy_r (ctx, dry);
      for (guint k = 0; k < pieces->len; k++)
        {
          QrtDemoNamedArea *park = g_new0 (QrtDemoNamedArea, 1);

          park->name = g_strdup (g_ptr_array_index (town->park_names, i));
          park->geometry = g_ptr_array_index (pieces, k);
          g_ptr_array_add (town->parks, park);
          g_ptr_array_add (all, GEOSGeom_clone_r (ctx, park->geometry));
        }
    }

  collection = _qrt_demo_geos_collect (ctx, all);
  town->parks_union = GEOSUnaryUnion_r (ctx, collection);
  GEOSGeom_destroy_r (ctx, collection);
  if (town->parks_union == NULL)
    return geos_failed (town, "parks", error);

  return TRUE;
}

/* --- step: roads between settlements ------------------------------------------------------------ */

static guint
add_street (QrtDemoTown        *town,
            GArray             *points,
            QrtDemoStreetClass  klass,
            const char         *name,
            int                 district)
{
  QrtDemoStreet street = { 0, };
  const QrtDemoXY *mid;

  street.points = points;
  street.klass = klass;
  street.name = g_strdup (name);
  street.district = district;
  switch (klass)
    {
    case QRT_DEMO_STREET_PRIMARY:
      street.half_width = 6.5;
      street.band = 22.0;
      break;
    case QRT_DEMO_STREET_SECONDARY:
      street.half_width = 5.0;
      street.band = 22.0;
      break;
    case QRT_DEMO_STREET_RESIDENTIAL:
    default:
      street.half_width = 3.5;
      street.band = 20.0;
      break;
    }

  /* In an industrial estate the lots are deeper, and so is the sealed strip. */
  mid = &g_array_index (points, QrtDemoXY, points->len / 2);
  if (zone_at (town, mid->x, mid->y) == QRT_DEMO_ZONE_INDUSTRIAL)
    street.band = 40.0;

  g_array_append_val (town->streets, street);
  return town->streets->len - 1;
}

/* Adds the parts of @line inside the town as streets. */
static gboolean
add_clipped_road (QrtDemoTown        *town,
                  GArray             *line,
                  QrtDemoStreetClass  klass,
                  const char         *name)
{
  GEOSContextHandle_t ctx = town->ctx;
  GEOSGeometry *geometry = _qrt_demo_line_to_geos (ctx, line);
  GEOSGeometry *clipped = GEOSIntersection_r (ctx, geometry, town->town);
  g_autoptr(GPtrArray) pieces = g_ptr_array_new ();

  GEOSGeom_destroy_r (ctx, geometry);
  if (clipped == NULL)
    return FALSE;

  geos_to_lines (ctx, clipped, pieces);
  GEOSGeom_destroy_r (ctx, clipped);
  for (guint i = 0; i < pieces->len; i++)
    {
      GArray *piece = g_ptr_array_index (pieces, i);

      if (_qrt_demo_line_length (piece) < 30.0)
        {
          g_array_unref (piece);
          continue;
        }
      add_street (town, piece, klass, name, -1);
    }

  return TRUE;
}

/* A country road from @a to @b that swings gently from side to side. */
static GArray *
country_road (guint64          noise_seed,
              const QrtDemoXY *a,
              const QrtDemoXY *b)
{
  double length = distance (a->x, a->y, b->x, b->y);
  guint n = MAX (2, (guint) ceil (length / 20.0));
  double px = -(b->y - a->y) / length;
  double py = (b->x - a->x) / length;
  GArray *line = g_array_sized_new (FALSE, FALSE, sizeof (QrtDemoXY), n + 1);

  for (guint i = 0; i <= n; i++)
    {
      double t = (double) i / n;
      double swing = MIN (0.06 * length, 220.0)
                   * (2.0 * _qrt_demo_noise1 (noise_seed, t * length / 900.0) - 1.0)
                   * sin (G_PI * t);
      QrtDemoXY p = {
        a->x + (b->x - a->x) * t + px * swing,
        a->y + (b->y - a->y) * t + py * swing,
      };

      g_array_append_val (line, p);
    }

  return line;
}

static gboolean
step_roads (QrtDemoTown *town,
            GError     **error)
{
  static const char * const outbound_names[] = { "Sauerlandstraße", "Höhenstraße" };
  QrtDemoRng rng;
  guint n_nodes = 1 + town->districts->len - town->n_urban;
  g_autofree QrtDemoXY *nodes = g_new (QrtDemoXY, n_nodes);
  g_autofree int *parent = g_new (int, n_nodes);
  g_autofree gboolean *in_tree = g_new0 (gboolean, n_nodes);
  g_autofree double *cost = g_new (double, n_nodes);
  g_autoptr(GArray) valley = NULL;
  int side;

  _qrt_demo_rng_init (&rng, town->seed, "roads");

  /* The valley road runs beside the river, just beyond the widest meander, so the two
   * never cross. */
  side = _qrt_demo_rng_chance (&rng, 0.5) ? 1 : -1;
  valley = g_array_sized_new (FALSE, FALSE, sizeof (QrtDemoXY), town->river_base->len);
  for (guint i = 0; i < town->river_base->len; i++)
    {
      const QrtDemoXY *b = &g_array_index (town->river_base, QrtDemoXY, i);
      double offset = side * (town->meander_max + town->river_half_width + 70.0);
      QrtDemoXY t, n, p;

      line_tangent (town->river_base, i, &t);
      unit_normal (&t, &n);
      p.x = b->x + n.x * offset;
      p.y = b->y + n.y * offset;
      g_array_append_val (valley, p);
    }
  if (!add_clipped_road (town, valley, QRT_DEMO_STREET_PRIMARY, "Talstraße"))
    return geos_failed (town, "roads", error);

  /* Country roads: a minimum spanning tree (Prim) over the centre and the villages. */
  nodes[0].x = CENTRE_X;
  nodes[0].y = CENTRE_Y;
  for (guint i = town->n_urban; i < town->districts->len; i++)
    nodes[1 + i - town->n_urban] = district_at (town, i)->seed;
  for (guint i = 0; i < n_nodes; i++)
    {
      cost[i] = distance (nodes[i].x, nodes[i].y, nodes[0].x, nodes[0].y);
      parent[i] = 0;
    }
  in_tree[0] = TRUE;
  for (guint round = 1; round < n_nodes; round++)
    {
      guint next = 0;
      double best = G_MAXDOUBLE;
      g_autofree char *adjective = NULL;
      g_autofree char *name = NULL;
      QrtDemoDistrict *village;

      for (guint i = 0; i < n_nodes; i++)
        if (!in_tree[i] && cost[i] < best)
          {
            best = cost[i];
            next = i;
          }

      in_tree[next] = TRUE;
      for (guint i = 0; i < n_nodes; i++)
        {
          double d = distance (nodes[i].x, nodes[i].y, nodes[next].x, nodes[next].y);

          if (!in_tree[i] && d < cost[i])
            {
              cost[i] = d;
              parent[i] = (int) next;
            }
        }

      /* The road is named after the village it leads to: "Birkenhagener Straße". */
      village = district_at (town, town->n_urban + next - 1);
      adjective = _qrt_demo_adjective (village->name);
      name = g_strdup_printf ("%s Straße", adjective);
      {
        g_autoptr(GArray) road = country_road (_qrt_demo_hash_stream (town->seed, name),
                                               &nodes[parent[next]], &nodes[next]);

        if (!add_clipped_road (town, road, QRT_DEMO_STREET_SECONDARY, name))
          return geos_failed (town, "roads", error);
      }

      /* Grids of the village follow its road. */
      village->grid_angle = atan2 (nodes[parent[next]].y - nodes[next].y,
                                   nodes[parent[next]].x - nodes[next].x)
                          + _qrt_demo_rng_range (&rng, -0.1, 0.1);
    }

  /* Two main roads leave the town across the valley's flanks. */
  for (guint k = 0; k < 2; k++)
    {
      double angle = town->valley_angle + (k == 0 ? 1 : -1) * G_PI / 2
                   + _qrt_demo_rng_range (&rng, -0.35, 0.35);
      QrtDemoXY end = {
        CENTRE_X + cos (angle) * (_qrt_demo_blob_boundary (town->town_blob, angle) + 800.0),
        CENTRE_Y + sin (angle) * (_qrt_demo_blob_boundary (town->town_blob, angle) + 800.0),
      };
      guint from = 0;
      double best = G_MAXDOUBLE;
      g_autoptr(GArray) road = NULL;

      for (guint i = 0; i < n_nodes; i++)
        {
          double d = distance (nodes[i].x, nodes[i].y, end.x, end.y);

          if (d < best)
            {
              best = d;
              from = i;
            }
        }

      road = country_road (_qrt_demo_hash_stream (town->seed, outbound_names[k]), &nodes[from], &end);
      if (!add_clipped_road (town, road, QRT_DEMO_STREET_PRIMARY, outbound_names[k]))
        return geos_failed (town, "roads", error);
    }

  town->n_main_roads = town->streets->len;
  town->street_segs = _qrt_demo_segments_new (town->min_x, town->min_y, town->max_x, town->max_y, 60.0);
  for (guint i = 0; i < town->streets->len; i++)
    _qrt_demo_segments_add_line (town->street_segs, street_at (town, i)->points, i,
                                 street_at (town, i)->half_width);

  return check_cancelled (town, error);
}

/* --- step: streets ----------------------------------------------------------------------------- */

/* Street names: every district draws from its own shuffled list, so a name is unique within
 * a district (as the post requires) but may recur in another village, as it does in towns
 * that merged with their villages in the 1970s. */
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
      g_ptr_array_add (all, g_strconcat (_qrt_demo_street_roots[r], _qrt_demo_street_suffixes[s], NULL));
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
  gboolean     thin;          /* dropped in industrial estates (every other line there) */
  GArray      *scratch;
} GridLine;

#define WARP_AMPLITUDE  28.0
#define WARP_WAVELENGTH 650.0

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
       * streets; its slope is well below one, so grid lines never cross. */
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
      double len = distance (s->ax, s->ay, s->bx, s->by);
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

  if (!in_town (town, p->x, p->y))
    return FALSE;
  if (gl->district >= 0 && nearest_district (town, p->x, p->y, NULL) != gl->district)
    return FALSE;

  zone = zone_at (town, p->x, p->y);
  if (zone == QRT_DEMO_ZONE_NONE || (gl->thin && zone == QRT_DEMO_ZONE_INDUSTRIAL))
    return FALSE;
  if (in_park (town, p->x, p->y))
    return FALSE;
  if (!water_clear (town, p->x, p->y, 12.0, gl->scratch))
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

      if (run->len < 2 || _qrt_demo_line_length (run) < 45.0)
        {
          g_array_unref (run);
          continue;
        }
      g_ptr_array_add (out, GUINT_TO_POINTER (add_street (town, run, klass, name, district)));
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
  QrtDemoDistrict *district = district_at (town, index);
  QrtDemoRng rng;
  NamePool pool;
  QrtDemoXY u, v;
  double spacing[2];
  double drop[2];
  double u_min, u_max, v_min, v_max;
  double lo[2], hi[2];
  int first[2], last[2];
  g_autofree double *offsets[2] = { NULL, NULL };
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
      spacing[0] = _qrt_demo_rng_range (&rng, 105.0, 120.0);   /* between lines along u */
      spacing[1] = _qrt_demo_rng_range (&rng, 150.0, 175.0);   /* between lines along v */
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
                                 + _qrt_demo_rng_range (&rng, -0.12, 0.12) * spacing[f];
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
            *along, TRUE, (j & 1) != 0, scratch,
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

  g_free (pool.order);
}

static gboolean
step_streets (QrtDemoTown *town,
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
  geos_to_lines (ctx, town->voronoi_edges, edges);
  for (guint e = 0; e < edges->len; e++)
    {
      GArray *edge = g_ptr_array_index (edges, e);
      const QrtDemoXY *a = &g_array_index (edge, QrtDemoXY, 0);
      const QrtDemoXY *b = &g_array_index (edge, QrtDemoXY, edge->len - 1);
      double length = distance (a->x, a->y, b->x, b->y);
      double mx = (a->x + b->x) / 2, my = (a->y + b->y) / 2;
      GridLine gl = { town, -1, *a, { 0, 0 }, FALSE, FALSE, scratch };
      QrtDemoZone zone = zone_at (town, mx, my);
      int owner;
      NamePool pool;

      if (length < 45.0)
        continue;
      gl.dir.x = (b->x - a->x) / length;
      gl.dir.y = (b->y - a->y) / length;
      trace_grid_line (&gl, 0.0, length, runs);
      if (runs->len == 0)
        continue;

      owner = nearest_district (town, mx, my, NULL);
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

      _qrt_demo_segments_add_line (town->street_segs, street_at (town, s)->points, s,
                                   street_at (town, s)->half_width);
    }
  g_ptr_array_set_size (new_streets, 0);

  for (guint i = 0; i < town->districts->len; i++)
    {
      grid_streets (town, i, names_all, scratch, new_streets);
      if (!check_cancelled (town, error))
        return FALSE;
    }

  /* The grids join the index only now, so one district's grid never sees another's and the
   * result does not depend on the order of districts. */
  for (guint i = 0; i < new_streets->len; i++)
    {
      guint s = GPOINTER_TO_UINT (g_ptr_array_index (new_streets, i));

      _qrt_demo_segments_add_line (town->street_segs, street_at (town, s)->points, s,
                                   street_at (town, s)->half_width);
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
  static const Shape house = { 8.0, 12.5, 8.5, 12.0, 1, 2, 3.0, 7.0, 5.0, 12.0 };
  static const Shape village_house = { 8.0, 13.0, 8.5, 12.0, 1, 2, 3.0, 8.0, 7.0, 16.0 };
  static const Shape apartments = { 14.0, 26.0, 10.5, 13.5, 3, 5, 2.0, 5.0, 4.0, 10.0 };
  static const Shape core_block = { 11.0, 20.0, 10.5, 13.5, 3, 4, 0.5, 2.0, 1.0, 3.5 };
  static const Shape mixed = { 11.0, 20.0, 11.0, 13.5, 2, 4, 0.5, 3.0, 2.0, 6.0 };
  static const Shape shop = { 12.0, 26.0, 11.0, 14.0, 1, 3, 1.0, 5.0, 4.0, 10.0 };
  static const Shape hall = { 25.0, 70.0, 18.0, 26.0, 1, 2, 6.0, 9.0, 8.0, 20.0 };
  static const Shape factory = { 35.0, 90.0, 20.0, 26.0, 1, 2, 6.0, 9.0, 10.0, 25.0 };
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
      blob = district >= 0 ? district_at (town, district)->village : NULL;
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
} Placer;

static gboolean
point_buildable (Placer *pl,
                 double  x,
                 double  y)
{
  QrtDemoTown *town = pl->town;

  return in_town (town, x, y)
      && zone_at (town, x, y) != QRT_DEMO_ZONE_NONE
      && !in_park (town, x, y)
      && water_clear (town, x, y, 5.0, pl->scratch);
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
      double len = distance (s->ax, s->ay, s->bx, s->by);
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
  district = nearest_district (town, b.centroid_x, b.centroid_y, &margin);
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
          int floors;

          _qrt_demo_line_point_at (street->points, s, &p, &t);
          unit_normal (&t, &n);
          n.x *= side;
          n.y *= side;

          probe.x = p.x + n.x * (street->half_width + 10.0);
          probe.y = p.y + n.y * (street->half_width + 10.0);
          zone = zone_at (town, probe.x, probe.y);
          if (zone == QRT_DEMO_ZONE_NONE)
            {
              s += 15.0;
              continue;
            }

          use = pick_use (&pl->rng, zone, street->klass);
          pick_shape (&pl->rng, use, zone,
                      centrality (town, zone, nearest_district (town, probe.x, probe.y, NULL),
                                  probe.x, probe.y),
                      &shape);
          width = _qrt_demo_rng_range (&pl->rng, shape.w_min, shape.w_max);
          depth = _qrt_demo_rng_range (&pl->rng, shape.d_min, shape.d_max);
          front = _qrt_demo_rng_range (&pl->rng, shape.front_min, shape.front_max);
          floors = _qrt_demo_rng_int (&pl->rng, shape.floors_min, shape.floors_max);
          gap = _qrt_demo_rng_range (&pl->rng, shape.gap_min, shape.gap_max);

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
              unit_normal (&t, &n);
              n.x *= side;
              n.y *= side;

              if (place_building (pl, street, &centre, &t, &n, use, zone, width, depth, front, floors))
                {
                  s += width + gap;
                  continue;
                }
            }

          s += MAX (width / 2, 4.0);
        }
    }
}

static gboolean
step_buildings (QrtDemoTown *town,
                GError     **error)
{
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint));
  Placer pl = { town, scratch, { { 0, } } };

  _qrt_demo_rng_init (&pl.rng, town->seed, "buildings");
  town->building_grid = _qrt_demo_grid_new (town->min_x, town->min_y, town->max_x, town->max_y, 40.0);

  /* Main roads first: the old houses stand along them. */
  for (guint i = 0; i < town->streets->len; i++)
    {
      line_street (&pl, street_at (town, i));
      if (i % 200 == 0 && !check_cancelled (town, error))
        return FALSE;
    }

  return TRUE;
}

/* --- step: population ---------------------------------------------------------------------- */

/* Dwellings a building could hold: one floor's share of footprint per 70 m² flat. */
static int
dwelling_capacity (const QrtDemoBuilding *b)
{
  int per_floor = MAX (1, (int) floor (b->footprint * 0.78 / 70.0));

  switch (b->use)
    {
    case QRT_DEMO_USE_RESIDENTIAL:
      if (b->floors <= 2 && b->footprint < 180.0)
        return 2;            /* a house, perhaps with a granny flat */
      return MAX (2, per_floor * b->floors);
    case QRT_DEMO_USE_MIXED:
      return MAX (1, per_floor * (b->floors - 1));   /* shops on the ground floor */
    case QRT_DEMO_USE_COMMERCIAL:
    case QRT_DEMO_USE_INDUSTRIAL:
    case QRT_DEMO_USE_PUBLIC:
    case QRT_DEMO_USE_AGRICULTURAL:
    case QRT_DEMO_N_USES:
    default:
      return 0;
    }
}

/* Household sizes roughly as in a German small town (1.9 persons per household). */
static int
household_size (QrtDemoRng *rng)
{
  static const double weights[] = { 0.43, 0.35, 0.11, 0.08, 0.03 };

  return 1 + (int) _qrt_demo_rng_pick (rng, weights, G_N_ELEMENTS (weights));
}

static void
split_by_shares (gint64        total,
                 const double *shares,
                 guint         n,
                 gint64       *out)
{
  /* Largest remainder: integer parts that add up to @total exactly. */
  double sum = 0.0;
  gint64 assigned = 0;
  double remainders[16];

  g_assert (n <= G_N_ELEMENTS (remainders));

  for (guint i = 0; i < n; i++)
    sum += shares[i];
  for (guint i = 0; i < n; i++)
    {
      double exact = total * shares[i] / sum;

      out[i] = (gint64) floor (exact);
      remainders[i] = exact - out[i];
      assigned += out[i];
    }
  while (assigned < total)
    {
      guint best = 0;

      for (guint i = 1; i < n; i++)
        if (remainders[i] > remainders[best])
          best = i;
      out[best]++;
      remainders[best] = -1.0;
      assigned++;
    }
}

static gboolean
step_population (QrtDemoTown *town,
                 GError     **error)
{
  /* Age structure of 2025, and how it shifts per year (percentage points): fewer children
   * and people of working age, more over 65 — the Sauerland is ageing. */
  static const double base_shares[QRT_DEMO_N_AGE_GROUPS] = { 5.2, 10.8, 12.3, 17.0, 28.7, 17.0, 9.0 };
  static const double yearly_shift[QRT_DEMO_N_AGE_GROUPS] = { -0.015, -0.035, -0.04, -0.02, -0.08, 0.11, 0.08 };
  GArray *buildings = town->buildings;
  guint n_districts = town->districts->len;
  QrtDemoRng rng;
  double target_residents;
  gint64 target_dwellings, dwellings = 0, spare_total = 0;
  g_autofree gint64 *district_dwellings = g_new0 (gint64, n_districts);

  _qrt_demo_rng_init (&rng, town->seed, "population");
  target_residents = _qrt_demo_rng_range (&rng, 72000.0, 80000.0);
  target_dwellings = (gint64) (target_residents / 1.93);

  /* Every home has one dwelling; the rest of the town's dwellings go to the larger blocks
   * in proportion to their room, by largest remainder. */
  for (guint i = 0; i < buildings->len; i++)
    {
      QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);
      int capacity = dwelling_capacity (b);

      b->dwellings = capacity > 0 ? 1 : 0;
      dwellings += b->dwellings;
      spare_total += MAX (0, capacity - b->dwellings);
    }

  if (target_dwellings > dwellings && spare_total > 0)
    {
      double ratio = MIN (1.0, (double) (target_dwellings - dwellings) / spare_total);

      for (guint i = 0; i < buildings->len; i++)
        {
          QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);
          int spare = MAX (0, dwelling_capacity (b) - b->dwellings);
          double extra = spare * ratio;
          int whole = (int) floor (extra);

          /* The fraction is settled by a draw, which keeps the expected total exact. */
          if (_qrt_demo_rng_uniform (&rng) < extra - whole)
            whole++;
          b->dwellings += MIN (whole, spare);
        }
    }

  /* Keep every district's density in 300–9,000 inhabitants per km² with room to spare. */
  for (guint i = 0; i < buildings->len; i++)
    {
      QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);

      district_dwellings[b->district] += b->dwellings;
    }
  for (guint d = 0; d < n_districts; d++)
    {
      QrtDemoDistrict *district = district_at (town, d);
      double km2 = district->area / 1e6;
      gint64 low = (gint64) ceil (420.0 * km2 / 1.93);
      gint64 high = (gint64) floor (8000.0 * km2 / 1.93);
      gboolean changed = TRUE;

      while (changed && (district_dwellings[d] < low || district_dwellings[d] > high))
        {
          changed = FALSE;
          for (guint i = 0; i < buildings->len; i++)
            {
              QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);

              if (b->district != (int) d)
                continue;
              if (district_dwellings[d] < low && b->use == QRT_DEMO_USE_RESIDENTIAL)
                {
                  /* Raise a floor rather than exceed a house's room. */
                  if (b->dwellings >= dwelling_capacity (b))
                    b->floors++;
                  b->dwellings++;
                  district_dwellings[d]++;
                  changed = TRUE;
                }
              else if (district_dwellings[d] > high && b->dwellings > 1)
                {
                  b->dwellings--;
                  district_dwellings[d]--;
                  changed = TRUE;
                }
              if (district_dwellings[d] >= low && district_dwellings[d] <= high)
                break;
            }
        }
    }

  for (guint i = 0; i < buildings->len; i++)
    {
      QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);
      QrtDemoDistrict *district = district_at (town, b->district);

      b->residents = 0;
      for (int k = 0; k < b->dwellings; k++)
        b->residents += household_size (&rng);
      district->population[QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR] += b->residents;
    }

  /* Each district's history and forecast: a trend of its own (the villages shrink faster),
   * a little noise in the past, and an age structure that shifts towards the old. */
  for (guint d = 0; d < n_districts; d++)
    {
      QrtDemoDistrict *district = district_at (town, d);
      gint64 base = district->population[QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR];
      double shares[QRT_DEMO_N_AGE_GROUPS];
      double growth;

      _qrt_demo_rng_init_indexed (&rng, town->seed, "district-population", d);
      growth = district->rural ? _qrt_demo_rng_range (&rng, -0.009, -0.002)
                               : _qrt_demo_rng_range (&rng, -0.005, 0.004);
      for (guint g = 0; g < QRT_DEMO_N_AGE_GROUPS; g++)
        shares[g] = base_shares[g] * exp (0.08 * _qrt_demo_rng_normal (&rng));
      if (district->rural)
        {
          shares[5] *= 1.08;
          shares[6] *= 1.08;
        }

      for (int year = QRT_DEMO_FIRST_YEAR; year <= QRT_DEMO_LAST_YEAR; year++)
        {
          guint y = year - QRT_DEMO_FIRST_YEAR;
          double year_shares[QRT_DEMO_N_AGE_GROUPS];
          double noise = year < QRT_DEMO_BASE_YEAR ? 1.0 + 0.004 * _qrt_demo_rng_normal (&rng) : 1.0;

          if (year != QRT_DEMO_BASE_YEAR)
            district->population[y] = (gint64) round (base * pow (1.0 + growth, year - QRT_DEMO_BASE_YEAR) * noise);

          for (guint g = 0; g < QRT_DEMO_N_AGE_GROUPS; g++)
            year_shares[g] = MAX (0.5, shares[g] + yearly_shift[g] * (year - QRT_DEMO_BASE_YEAR));
          split_by_shares (district->population[y], year_shares, QRT_DEMO_N_AGE_GROUPS,
                           district->by_age[y]);
        }
    }

  return check_cancelled (town, error);
}

/* --- step: land cover --------------------------------------------------------------------- */

static GEOSGeometry *
union_of (GEOSContextHandle_t ctx,
          GPtrArray          *parts)
{
  GEOSGeometry *collection = _qrt_demo_geos_collect (ctx, parts);
  GEOSGeometry *result = GEOSUnaryUnion_r (ctx, collection);

  GEOSGeom_destroy_r (ctx, collection);
  return result;
}

/* The streets of one kind as a MultiLineString, buffered by @distance. */
static GEOSGeometry *
buffer_streets (QrtDemoTown *town,
                guint        first,
                guint        last,
                double       band,
                gboolean     surface)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GPtrArray) buffers = g_ptr_array_new ();
  double widths[4];
  guint n_widths = 0;

  /* Group by width: one buffer per group is far cheaper than one per street. */
  for (guint i = first; i < last; i++)
    {
      double w = surface ? street_at (town, i)->half_width : street_at (town, i)->band;
      gboolean known = FALSE;

      if (band > 0 && w != band)
        continue;
      for (guint k = 0; k < n_widths; k++)
        known |= widths[k] == w;
      if (!known && n_widths < G_N_ELEMENTS (widths))
        widths[n_widths++] = w;
    }

  for (guint k = 0; k < n_widths; k++)
    {
      g_autoptr(GPtrArray) lines = g_ptr_array_new ();
      GEOSGeometry *multi, *buffer;

      for (guint i = first; i < last; i++)
        {
          QrtDemoStreet *street = street_at (town, i);

          if ((surface ? street->half_width : street->band) == widths[k])
            g_ptr_array_add (lines, _qrt_demo_line_to_geos (ctx, street->points));
        }
      multi = GEOSGeom_createCollection_r (ctx, GEOS_MULTILINESTRING,
                                           (GEOSGeometry **) lines->pdata, lines->len);
      g_ptr_array_set_size (lines, 0);
      buffer = GEOSBuffer_r (ctx, multi, widths[k], 3);
      GEOSGeom_destroy_r (ctx, multi);
      if (buffer == NULL)
        {
          for (guint b = 0; b < buffers->len; b++)
            GEOSGeom_destroy_r (ctx, g_ptr_array_index (buffers, b));
          return NULL;
        }
      g_ptr_array_add (buffers, buffer);
    }

  return union_of (ctx, buffers);
}

static gboolean
forest_site_ok (QrtDemoTown *town,
                double       x,
                double       y)
{
  const QrtDemoXY *axis;

  if (!in_town (town, x, y) || radial_excess (town->main_town, x, y) < 300.0)
    return FALSE;

  /* Forest grows on the hills, away from the valley floor and the villages. */
  axis = &g_array_index (town->river_base, QrtDemoXY, nearest_vertex (town->river_base, x, y));
  if (distance (axis->x, axis->y, x, y) < 700.0)
    return FALSE;
  for (guint i = 0; i < town->villages->len; i++)
    {
      const QrtDemoBlob *village = g_ptr_array_index (town->villages, i);

      if (distance (village->cx, village->cy, x, y) < 450.0)
        return FALSE;
    }

  return TRUE;
}

static GEOSGeometry *
make_forest (QrtDemoTown *town,
             double       target)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GPtrArray) blobs = g_ptr_array_new ();
  g_autoptr(GArray) centres = g_array_new (FALSE, FALSE, sizeof (QrtDemoXY));
  QrtDemoRng rng;
  double total = 0.0;
  const QrtDemoBlob *t = town->town_blob;

  _qrt_demo_rng_init (&rng, town->seed, "forest");
  for (guint round = 0; total < target && round < 200; round++)
    {
      QrtDemoXY best = { 0, 0 };
      double best_score = -1.0;
      double area;
      QrtDemoBlob *blob;

      for (guint c = 0, tries = 0; c < 15 && tries < 2000; tries++)
        {
          double x = _qrt_demo_rng_range (&rng, t->cx - t->r_max, t->cx + t->r_max);
          double y = _qrt_demo_rng_range (&rng, t->cy - t->r_max, t->cy + t->r_max);
          double score = G_MAXDOUBLE;

          if (!forest_site_ok (town, x, y))
            continue;
          c++;
          for (guint i = 0; i < centres->len; i++)
            {
              const QrtDemoXY *o = &g_array_index (centres, QrtDemoXY, i);

              score = MIN (score, distance (o->x, o->y, x, y));
            }
          if (score > best_score)
            {
              best_score = score;
              best.x = x;
              best.y = y;
            }
        }
      if (best_score < 0.0)
        break;

      g_array_append_val (centres, best);
      area = _qrt_demo_rng_range (&rng, 0.8e6, 2.6e6);
      blob = _qrt_demo_blob_new (&rng, best.x, best.y, area, _qrt_demo_rng_range (&rng, 1.0, 2.0),
                                 _qrt_demo_rng_range (&rng, 0.0, G_PI), 0.22, 96);
      g_ptr_array_add (blobs, _qrt_demo_blob_to_geos (ctx, blob));
      _qrt_demo_blob_free (blob);
      total += area;
    }

  return union_of (ctx, blobs);
}

static gboolean
step_landcover (QrtDemoTown *town,
                GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  GEOSGeometry *settled_all, *settlement, *bands, *strips, *roads, *road_surface;
  GEOSGeometry *water_parks, *sealed_all, *occupied, *forest_all, *forest_in, *not_open;
  GEOSGeometry **lc = town->landcover;
  double open_area;

  /* Settlement: the main town, the industrial estates and the villages. */
  g_ptr_array_add (parts, _qrt_demo_blob_to_geos (ctx, town->main_town));
  for (guint i = 0; i < town->industrial->len; i++)
    g_ptr_array_add (parts, _qrt_demo_blob_to_geos (ctx, g_ptr_array_index (town->industrial, i)));
  for (guint i = 0; i < town->villages->len; i++)
    g_ptr_array_add (parts, _qrt_demo_blob_to_geos (ctx, g_ptr_array_index (town->villages, i)));
  settled_all = union_of (ctx, parts);
  if (settled_all == NULL)
    return geos_failed (town, "landcover", error);
  settlement = GEOSIntersection_r (ctx, settled_all, town->town);
  GEOSGeom_destroy_r (ctx, settled_all);
  if (settlement == NULL)
    return geos_failed (town, "landcover", error);

  /* Sealed: the strip along every street in a settlement (road, pavement, houses, drives)
   * and the carriageways of the roads between settlements. */
  bands = buffer_streets (town, 0, town->streets->len, 0.0, FALSE);
  roads = buffer_streets (town, 0, town->n_main_roads, 0.0, TRUE);
  if (bands == NULL || roads == NULL)
    return geos_failed (town, "landcover", error);
  strips = GEOSIntersection_r (ctx, bands, settlement);
  road_surface = GEOSIntersection_r (ctx, roads, town->town);
  GEOSGeom_destroy_r (ctx, bands);
  GEOSGeom_destroy_r (ctx, roads);
  if (strips == NULL || road_surface == NULL)
    return geos_failed (town, "landcover", error);

  water_parks = GEOSUnion_r (ctx, town->water, town->parks_union);
  sealed_all = GEOSUnion_r (ctx, strips, road_surface);
  GEOSGeom_destroy_r (ctx, strips);
  if (water_parks == NULL || sealed_all == NULL)
    return geos_failed (town, "landcover", error);

  lc[QRT_DEMO_LC_WATER] = GEOSGeom_clone_r (ctx, town->water);
  lc[QRT_DEMO_LC_PUBLIC_GREEN] = GEOSGeom_clone_r (ctx, town->parks_union);
  lc[QRT_DEMO_LC_SEALED] = _qrt_demo_geos_polygonal (ctx, GEOSDifference_r (ctx, sealed_all, water_parks), 0.0);
  GEOSGeom_destroy_r (ctx, sealed_all);

  /* Private green: the rest of the settlement, gardens and yards. */
  {
    GEOSGeometry *taken = GEOSUnion_r (ctx, water_parks, lc[QRT_DEMO_LC_SEALED]);

    lc[QRT_DEMO_LC_PRIVATE_GREEN] = _qrt_demo_geos_polygonal (ctx, GEOSDifference_r (ctx, settlement, taken), 0.0);
    GEOSGeom_destroy_r (ctx, taken);
  }

  /* Everything not open country; forest on the hills, farmland for the rest. */
  g_ptr_array_add (parts, water_parks);
  g_ptr_array_add (parts, settlement);
  g_ptr_array_add (parts, road_surface);
  occupied = union_of (ctx, parts);
  if (occupied == NULL)
    return geos_failed (town, "landcover", error);

  open_area = geos_area (ctx, town->town) - geos_area (ctx, occupied);
  forest_all = make_forest (town, 1.0 * open_area);
  if (forest_all == NULL)
    return geos_failed (town, "landcover", error);
  forest_in = GEOSIntersection_r (ctx, forest_all, town->town);
  GEOSGeom_destroy_r (ctx, forest_all);
  if (forest_in == NULL)
    return geos_failed (town, "landcover", error);
  lc[QRT_DEMO_LC_FOREST] = _qrt_demo_geos_polygonal (ctx, GEOSDifference_r (ctx, forest_in, occupied), 0.0);
  not_open = GEOSUnion_r (ctx, occupied, forest_in);
  GEOSGeom_destroy_r (ctx, forest_in);
  GEOSGeom_destroy_r (ctx, occupied);
  if (not_open == NULL)
    return geos_failed (town, "landcover", error);
  lc[QRT_DEMO_LC_AGRICULTURE] = _qrt_demo_geos_polygonal (ctx, GEOSDifference_r (ctx, town->town, not_open), 0.0);
  GEOSGeom_destroy_r (ctx, not_open);

  for (guint i = 0; i < QRT_DEMO_N_LANDCOVER; i++)
    if (lc[i] == NULL)
      return geos_failed (town, "landcover", error);

  return check_cancelled (town, error);
}

/* --- step: heavy rain ------------------------------------------------------------------------ */

typedef struct
{
  QrtDemoBlob *blob;
  guint        level;    /* 1–4: the deepest class reached at the hotspot's core */
} Hotspot;

static void
add_hotspot (GArray     *hotspots,
             QrtDemoRng *rng,
             double      x,
             double      y,
             double      radius,
             double      aspect,
             double      angle,
             guint       level)
{
  Hotspot h = {
    _qrt_demo_blob_new (rng, x, y, G_PI * radius * radius, aspect, angle, 0.2, 40),
    level,
  };

  g_array_append_val (hotspots, h);
}

static void
hotspot_clear (gpointer data)
{
  Hotspot *h = data;

  _qrt_demo_blob_free (h->blob);
}

static gboolean
step_rain (QrtDemoTown *town,
           GError     **error)
{
  /* Each class is a ring of a hotspot: deeper water towards its core. */
  static const double scale[QRT_DEMO_N_RAIN_CLASSES] = { 1.0, 0.62, 0.38, 0.2 };
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GArray) hotspots = g_array_new (FALSE, FALSE, sizeof (Hotspot));
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) chosen = g_array_new (FALSE, FALSE, sizeof (QrtDemoXY));
  GEOSGeometry *levels[QRT_DEMO_N_RAIN_CLASSES] = { NULL, };
  const QrtDemoBlob *m = town->main_town;
  QrtDemoRng rng;
  gboolean ok = TRUE;

  g_array_set_clear_func (hotspots, hotspot_clear);
  _qrt_demo_rng_init (&rng, town->seed, "heavy-rain");

  /* Along the brooks, where the water comes off the hills. */
  for (guint k = 0; k < town->brooks->len; k++)
    {
      GArray *brook = g_ptr_array_index (town->brooks, k);

      for (guint i = 8; i < brook->len; i += 18)
        {
          const QrtDemoXY *p = &g_array_index (brook, QrtDemoXY, i);
          QrtDemoXY t;

          if (!_qrt_demo_rng_chance (&rng, 0.65) || !in_town (town, p->x, p->y))
            continue;
          line_tangent (brook, i, &t);
          add_hotspot (hotspots, &rng, p->x, p->y, _qrt_demo_rng_range (&rng, 40.0, 90.0), 2.5,
                       atan2 (t.y, t.x), (guint) _qrt_demo_rng_int (&rng, 1, 3));
        }
    }

  /* Hollows on the valley floor in town. */
  for (guint attempt = 0, n = 0; n < 12 && attempt < 4000; attempt++)
    {
      double x = _qrt_demo_rng_range (&rng, m->cx - m->r_max, m->cx + m->r_max);
      double y = _qrt_demo_rng_range (&rng, m->cy - m->r_max, m->cy + m->r_max);
      double d;
      QrtDemoZone zone = zone_at (town, x, y);

      if (zone != QRT_DEMO_ZONE_URBAN && zone != QRT_DEMO_ZONE_CORE)
        continue;
      d = _qrt_demo_segments_distance (town->water_segs, x, y, 450.0, NULL, scratch);
      if (d < town->river_half_width + 60.0 || d >= 450.0)
        continue;

      add_hotspot (hotspots, &rng, x, y, _qrt_demo_rng_range (&rng, 50.0, 130.0), 1.5,
                   town->valley_angle, (guint) _qrt_demo_rng_int (&rng, 1, 3));
      n++;
    }

  /* Densely built, sealed blocks where the drains overflow: centred on buildings, so some
   * houses are sure to stand in water deeper than 0.30 m. */
  for (guint attempt = 0; chosen->len < 16 && attempt < 20000 && town->buildings->len > 0; attempt++)
    {
      guint i = (guint) _qrt_demo_rng_int (&rng, 0, (int) town->buildings->len - 1);
      const QrtDemoBuilding *b = &g_array_index (town->buildings, QrtDemoBuilding, i);
      QrtDemoXY c = { b->centroid_x, b->centroid_y };
      gboolean crowded = FALSE;

      if ((b->zone != QRT_DEMO_ZONE_CORE && b->zone != QRT_DEMO_ZONE_URBAN)
          || (b->use != QRT_DEMO_USE_RESIDENTIAL && b->use != QRT_DEMO_USE_MIXED))
        continue;
      for (guint k = 0; k < chosen->len; k++)
        {
          const QrtDemoXY *o = &g_array_index (chosen, QrtDemoXY, k);

          crowded |= distance (o->x, o->y, c.x, c.y) < 300.0;
        }
      if (crowded)
        continue;

      g_array_append_val (chosen, c);
      add_hotspot (hotspots, &rng, c.x, c.y, _qrt_demo_rng_range (&rng, 40.0, 80.0), 1.3,
                   _qrt_demo_rng_range (&rng, 0.0, G_PI), (guint) _qrt_demo_rng_int (&rng, 2, 4));
    }

  for (guint k = 0; k < QRT_DEMO_N_RAIN_CLASSES && ok; k++)
    {
      g_autoptr(GPtrArray) parts = g_ptr_array_new ();

      for (guint i = 0; i < hotspots->len; i++)
        {
          const Hotspot *h = &g_array_index (hotspots, Hotspot, i);
          QrtDemoBlob *scaled;

          if (h->level <= k)
            continue;
          scaled = _qrt_demo_blob_copy_scaled (h->blob, scale[k]);
          g_ptr_array_add (parts, _qrt_demo_blob_to_geos (ctx, scaled));
          _qrt_demo_blob_free (scaled);
        }
      levels[k] = parts->len > 0 ? union_of (ctx, parts) : GEOSGeom_createEmptyPolygon_r (ctx);
      ok = levels[k] != NULL;
    }

  /* Class k is what reaches level k but not k + 1, inside the town and off the river. */
  for (guint k = 0; k < QRT_DEMO_N_RAIN_CLASSES && ok; k++)
    {
      GEOSGeometry *ring = k + 1 < QRT_DEMO_N_RAIN_CLASSES
                           ? GEOSDifference_r (ctx, levels[k], levels[k + 1])
                           : GEOSGeom_clone_r (ctx, levels[k]);
      GEOSGeometry *inside = ring ? GEOSIntersection_r (ctx, ring, town->town) : NULL;
      GEOSGeometry *dry = inside ? GEOSDifference_r (ctx, inside, town->water) : NULL;

      if (ring != NULL)
        GEOSGeom_destroy_r (ctx, ring);
      if (inside != NULL)
        GEOSGeom_destroy_r (ctx, inside);
      ok = dry != NULL;
      if (ok)
        town->rain[k] = _qrt_demo_geos_polygonal (ctx, dry, 1.0);
    }

  for (guint k = 0; k < QRT_DEMO_N_RAIN_CLASSES; k++)
    if (levels[k] != NULL)
      GEOSGeom_destroy_r (ctx, levels[k]);

  if (!ok)
    return geos_failed (town, "heavy-rain", error);

  return check_cancelled (town, error);
}

/* --- step: trees -------------------------------------------------------------------------- */

static const char * const street_species[] = {
  "Linde", "Ahorn", "Platane", "Hainbuche", "Rotdorn", "Eberesche", "Eiche", "Baumhasel",
  "Gleditschie", "Robinie", "Zierkirsche", "Kugelahorn",
};
static const double street_species_weights[] = {
  22, 20, 8, 8, 6, 6, 6, 5, 4, 4, 3, 8,
};
static const char * const park_species[] = {
  "Eiche", "Buche", "Kastanie", "Linde", "Birke", "Ahorn", "Esche", "Kiefer", "Eibe",
  "Walnuss", "Blutbuche", "Weide", "Erle",
};
static const double park_species_weights[] = {
  16, 14, 10, 10, 9, 12, 5, 5, 4, 3, 3, 5, 4,
};

static gboolean
tree_site_ok (QrtDemoTown *town,
              double       x,
              double       y,
              double       street_clearance,
              GArray      *scratch)
{
  QrtDemoSegments *segs = town->street_segs;
  const double reach = 8.0;

  if (!in_town (town, x, y) || !water_clear (town, x, y, 3.0, scratch))
    return FALSE;

  _qrt_demo_grid_query (segs->grid, x - reach, y - reach, x + reach, y + reach, scratch);
  for (guint i = 0; i < scratch->len; i++)
    {
      const QrtDemoSegment *s = &g_array_index (segs->segments, QrtDemoSegment,
                                                g_array_index (scratch, guint, i));

      if (_qrt_demo_segment_distance (x, y, s->ax, s->ay, s->bx, s->by) < s->half_width + street_clearance)
        return FALSE;
    }

  _qrt_demo_grid_query (town->building_grid, x - 2, y - 2, x + 2, y + 2, scratch);
  for (guint i = 0; i < scratch->len; i++)
    {
      const QrtDemoBuilding *b = &g_array_index (town->buildings, QrtDemoBuilding,
                                                 g_array_index (scratch, guint, i));

      for (guint k = 0; k < b->n_boxes; k++)
        if (_qrt_demo_box_contains (&b->boxes[k], x, y, 1.5))
          return FALSE;
    }

  return TRUE;
}

static gboolean
step_trees (QrtDemoTown *town,
            GError     **error)
{
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint));
  QrtDemoRng rng;

  _qrt_demo_rng_init (&rng, town->seed, "trees");

  /* Avenues: a street's trees are one species, planted in one go. */
  for (guint i = 0; i < town->streets->len; i++)
    {
      const QrtDemoStreet *street = street_at (town, i);
      const QrtDemoXY *mid = &g_array_index (street->points, QrtDemoXY, street->points->len / 2);
      QrtDemoZone zone = zone_at (town, mid->x, mid->y);
      double chance, spacing, length;
      const char *species;
      int planted;

      switch (zone)
        {
        case QRT_DEMO_ZONE_CORE:
        case QRT_DEMO_ZONE_URBAN:
          chance = street->klass == QRT_DEMO_STREET_RESIDENTIAL ? 0.3 : 0.6;
          break;
        case QRT_DEMO_ZONE_VILLAGE:
          chance = street->klass == QRT_DEMO_STREET_RESIDENTIAL ? 0.12 : 0.4;
          break;
        case QRT_DEMO_ZONE_INDUSTRIAL:
        case QRT_DEMO_ZONE_NONE:
        default:
          chance = 0.0;
          break;
        }
      if (!_qrt_demo_rng_chance (&rng, chance))
        continue;

      species = street_species[_qrt_demo_rng_pick (&rng, street_species_weights,
                                                   G_N_ELEMENTS (street_species_weights))];
      planted = _qrt_demo_rng_int (&rng, 1955, 2020);
      spacing = _qrt_demo_rng_range (&rng, 12.0, 20.0);
      length = _qrt_demo_line_length (street->points);

      for (int side = -1; side <= 1; side += 2)
        for (double s = spacing / 2; s < length; s += spacing)
          {
            QrtDemoXY p, t;
            QrtDemoTree tree;

            _qrt_demo_line_point_at (street->points, s, &p, &t);
            tree.x = p.x - t.y * side * (street->half_width + 1.5);
            tree.y = p.y + t.x * side * (street->half_width + 1.5);
            if (zone_at (town, tree.x, tree.y) == QRT_DEMO_ZONE_NONE
                || in_park (town, tree.x, tree.y)
                || !tree_site_ok (town, tree.x, tree.y, 0.8, scratch))
              continue;

            tree.species = species;
            /* Gaps get replanted over the years. */
            tree.planted = _qrt_demo_rng_chance (&rng, 0.12) ? _qrt_demo_rng_int (&rng, planted, 2023) : planted;
            g_array_append_val (town->trees, tree);
          }
    }

  /* Park trees, scattered but never closer than 7 m. */
  for (guint i = 0; i < town->park_blobs->len; i++)
    {
      const QrtDemoBlob *park = g_ptr_array_index (town->park_blobs, i);
      guint first = town->trees->len;
      guint wanted = (guint) (_qrt_demo_blob_area (park) / 320.0);

      for (guint attempt = 0; attempt < wanted * 6 && town->trees->len - first < wanted; attempt++)
        {
          QrtDemoTree tree;
          gboolean crowded = FALSE;

          tree.x = _qrt_demo_rng_range (&rng, park->cx - park->r_max, park->cx + park->r_max);
          tree.y = _qrt_demo_rng_range (&rng, park->cy - park->r_max, park->cy + park->r_max);
          if (!_qrt_demo_blob_contains (park, tree.x, tree.y)
              || !tree_site_ok (town, tree.x, tree.y, 1.0, scratch))
            continue;
          for (guint k = first; k < town->trees->len && !crowded; k++)
            {
              const QrtDemoTree *o = &g_array_index (town->trees, QrtDemoTree, k);

              crowded = distance (o->x, o->y, tree.x, tree.y) < 7.0;
            }
          if (crowded)
            continue;

          tree.species = park_species[_qrt_demo_rng_pick (&rng, park_species_weights,
                                                          G_N_ELEMENTS (park_species_weights))];
          tree.planted = _qrt_demo_rng_chance (&rng, 0.4) ? _qrt_demo_rng_int (&rng, 1890, 1950)
                                                          : _qrt_demo_rng_int (&rng, 1951, 2023);
          g_array_append_val (town->trees, tree);
        }
    }

  return check_cancelled (town, error);
}

/* --- step: schools and day care ------------------------------------------------------------ */

/* The largest public building of the district that no school or Kita uses yet, or -1. */
static int
free_public_building (QrtDemoTown *town,
                      int          district,
                      gboolean    *used,
                      gboolean     any_use)
{
  int best = -1;
  double best_area = 0.0;

  for (guint i = 0; i < town->buildings->len; i++)
    {
      const QrtDemoBuilding *b = &g_array_index (town->buildings, QrtDemoBuilding, i);

      if (used[i] || (district >= 0 && b->district != district))
        continue;
      if (any_use ? b->use == QRT_DEMO_USE_INDUSTRIAL || b->use == QRT_DEMO_USE_AGRICULTURAL
                  : b->use != QRT_DEMO_USE_PUBLIC)
        continue;
      if (b->footprint > best_area)
        {
          best_area = b->footprint;
          best = (int) i;
        }
    }

  return best;
}

static gboolean
add_facility (QrtDemoTown *town,
              GArray      *facilities,
              int          district,
              gboolean    *used,
              char        *name,
              const char  *type,
              int          capacity)
{
  int b = free_public_building (town, district, used, FALSE);
  QrtDemoFacility facility;

  if (b < 0)
    b = free_public_building (town, district, used, TRUE);
  if (b < 0)
    {
      g_free (name);
      return FALSE;
    }

  used[b] = TRUE;
  facility.x = g_array_index (town->buildings, QrtDemoBuilding, b).centroid_x;
  facility.y = g_array_index (town->buildings, QrtDemoBuilding, b).centroid_y;
  facility.name = name;
  facility.type = g_strdup (type);
  facility.capacity = capacity;
  g_array_append_val (facilities, facility);

  return TRUE;
}

static gboolean
step_facilities (QrtDemoTown *town,
                 GError     **error)
{
  static const char * const kita_carriers[] = {
    "Kita", "Städtische Kita", "Ev. Kita", "AWO-Kita", "Familienzentrum",
  };
  g_autofree gboolean *used = g_new0 (gboolean, town->buildings->len);
  g_autofree guint *persons = NULL;
  g_autofree guint *kitas = NULL;
  guint n_persons = _qrt_demo_names_count (_qrt_demo_person_names);
  guint n_kitas = _qrt_demo_names_count (_qrt_demo_kita_names);
  guint next_person = 0, next_kita = 0;
  guint base = QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR;
  int largest_village = -1;
  QrtDemoRng rng;

  _qrt_demo_rng_init (&rng, town->seed, "facilities");
  persons = g_new (guint, n_persons);
  for (guint i = 0; i < n_persons; i++)
    persons[i] = i;
  _qrt_demo_rng_shuffle (&rng, persons, n_persons);
  kitas = g_new (guint, n_kitas);
  for (guint i = 0; i < n_kitas; i++)
    kitas[i] = i;
  _qrt_demo_rng_shuffle (&rng, kitas, n_kitas);

  /* Secondary schools in town; the Altstadt gets the Gymnasium. */
  add_facility (town, town->schools, 0, used, g_strdup ("Städtisches Gymnasium Musterstadt"),
                "Gymnasium", _qrt_demo_rng_int (&rng, 38, 55) * 20);
  add_facility (town, town->schools, 1 % town->n_urban, used,
                g_strdup_printf ("%s-Gymnasium", _qrt_demo_person_names[persons[next_person++ % n_persons]]),
                "Gymnasium", _qrt_demo_rng_int (&rng, 35, 50) * 20);
  add_facility (town, town->schools, 2 % town->n_urban, used, g_strdup ("Gesamtschule Musterstadt"),
                "Gesamtschule", _qrt_demo_rng_int (&rng, 50, 65) * 20);
  add_facility (town, town->schools, 3 % town->n_urban, used,
                g_strdup_printf ("Realschule %s", district_at (town, 3 % town->n_urban)->name),
                "Realschule", _qrt_demo_rng_int (&rng, 25, 35) * 20);
  add_facility (town, town->schools, 4 % town->n_urban, used,
                g_strdup_printf ("%s-Schule", _qrt_demo_person_names[persons[next_person++ % n_persons]]),
                "Förderschule", _qrt_demo_rng_int (&rng, 6, 10) * 20);
  add_facility (town, town->schools, 5 % town->n_urban, used, g_strdup ("Berufskolleg Musterstadt"),
                "Berufskolleg", _qrt_demo_rng_int (&rng, 15, 25) * 100);

  for (guint d = town->n_urban; d < town->districts->len; d++)
    if (largest_village < 0
        || district_at (town, d)->population[base] > district_at (town, largest_village)->population[base])
      largest_village = (int) d;
  if (largest_village >= 0)
    add_facility (town, town->schools, largest_village, used,
                  g_strdup_printf ("Sekundarschule %s", district_at (town, largest_village)->name),
                  "Sekundarschule", _qrt_demo_rng_int (&rng, 20, 30) * 20);

  /* A primary school for every quarter and every larger village, sized to its children. */
  for (guint d = 0; d < town->districts->len; d++)
    {
      QrtDemoDistrict *district = district_at (town, d);
      gint64 pupils = district->population[base] * 36 / 1000;
      char *name;

      if (district->rural && district->population[base] < 1800)
        continue;
      if (_qrt_demo_rng_chance (&rng, 0.3))
        name = g_strdup_printf ("%s-Grundschule", _qrt_demo_person_names[persons[next_person++ % n_persons]]);
      else
        name = g_strdup_printf ("Grundschule %s", district->name);
      add_facility (town, town->schools, (int) d, used, name, "Grundschule",
                    (int) CLAMP ((pupils / 25 + 1) * 25, 75, 400));
    }

  /* Kitas: about one place for nine in ten children under six, 20 to 25 per group. */
  for (guint d = 0; d < town->districts->len; d++)
    {
      QrtDemoDistrict *district = district_at (town, d);
      gint64 children = district->by_age[base][0];
      int places = (int) (children * 0.9);
      int n = MAX (1, (int) round (places / 75.0));

      for (int k = 0; k < n; k++)
        {
          int capacity = MAX (20, (int) round ((double) places / n / 5.0) * 5);
          const char *theme = _qrt_demo_kita_names[kitas[next_kita % n_kitas]];
          char *name;

          if (next_kita < n_kitas && g_str_has_prefix (theme, "St. "))
            name = g_strdup_printf ("Kath. Kita %s", theme);
          else if (next_kita < n_kitas)
            name = g_strdup_printf ("%s %s", kita_carriers[_qrt_demo_rng_int (&rng, 0, G_N_ELEMENTS (kita_carriers) - 1)], theme);
          else
            name = g_strdup_printf ("Kita %s %d", district->name, k + 1);
          next_kita++;

          add_facility (town, town->daycare, (int) d, used, name, NULL, MIN (capacity, 150));
        }
    }

  return check_cancelled (town, error);
}

/* --- the plan ------------------------------------------------------------------------------- */

static const QrtDemoStep steps[] = {
  { "outline",     step_outline,     0.01 },
  { "water",       step_water,       0.03 },
  { "settlements", step_settlements, 0.01 },
  { "districts",   step_districts,   0.03 },
  { "parks",       step_parks,       0.01 },
  { "roads",       step_roads,       0.02 },
  { "streets",     step_streets,     0.08 },
  { "buildings",   step_buildings,   0.12 },
  { "population",  step_population,  0.02 },
  { "landcover",   step_landcover,   0.25 },
  { "heavy-rain",  step_rain,        0.04 },
  { "trees",       step_trees,       0.02 },
  { "facilities",  step_facilities,  0.01 },
};

const QrtDemoStep *
_qrt_demo_town_get_steps (guint *n_steps)
{
  *n_steps = G_N_ELEMENTS (steps);
  return steps;
}
