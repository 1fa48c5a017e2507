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
 * This file has the town object, the shared helpers and the steps up to the roads; the
 * streets and buildings are in qrt-demo-streets.c, the people in qrt-demo-people.c, land
 * cover, hazards and trees in qrt-demo-land.c.
 *
 * Two constraints shape the plan more than anything else: every district must be 15–75 %
 * sealed and have 300–9,000 inhabitants per km². So the districts are cut first, and each
 * rural district's village (or a town quarter's suburb) is then sized to cover a set share
 * of its district. Sealed land is the strip along each street that holds the houses and
 * their drives; the gardens behind are private green. Street spacing therefore fixes the
 * sealed share of a settlement. A sweep over seeds 1–50 gave district sealed shares of
 * 17–59 % and 420–2,500 inhabitants per km²; forest covers 30–36 % of the town, farmland
 * 16–21 %.
 *
 * Point tests (is this in the village, in a park, near the river?) are done on our own
 * star-shaped outlines and segment grids, which is what keeps 40,000 buildings fast; GEOS
 * (one context, owned by the town) builds the polygons that are written out.
 *
 * Determinism: every random draw comes from a named xoshiro stream seeded by the seed, no
 * hash table order or clock is involved, and the steps run in one thread.
 */

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

/* --- small helpers ---------------------------------------------------------------------------- */

gboolean
_qrt_demo_geos_failed (QrtDemoTown *town,
                       const char  *step,
                       GError     **error)
{
  g_set_error (error, QRT_DEMO_ERROR, QRT_DEMO_ERROR_FAILED,
               /* Translators: %s are a technical step name and GEOS's message */
               _("The demo town could not be built (step “%s”): %s"),
               step, town->geos_error->len > 0 ? town->geos_error->str : "GEOS");
  return FALSE;
}

gboolean
_qrt_demo_check_cancelled (QrtDemoTown *town,
                           GError     **error)
{
  return !g_cancellable_set_error_if_cancelled (town->cancellable, error);
}




gboolean
_qrt_demo_in_town (QrtDemoTown *town,
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
  double dx = x - QRT_DEMO_CENTRE_X;
  double dy = y - QRT_DEMO_CENTRE_Y;

  return hypot (dx, dy) < factor * _qrt_demo_blob_boundary (town->town_blob, atan2 (dy, dx));
}

double
_qrt_demo_radial_excess (const QrtDemoBlob *blob,
                         double             x,
                         double             y)
{
  double dx = x - blob->cx;
  double dy = y - blob->cy;

  return hypot (dx, dy) - _qrt_demo_blob_boundary (blob, atan2 (dy, dx));
}

QrtDemoZone
_qrt_demo_zone_at (QrtDemoTown *town,
                   double       x,
                   double       y)
{
  for (guint i = 0; i < town->industrial->len; i++)
    if (_qrt_demo_blob_contains (g_ptr_array_index (town->industrial, i), x, y))
      return QRT_DEMO_ZONE_INDUSTRIAL;

  if (_qrt_demo_blob_contains (town->main_town, x, y))
    {
      double dx = x - QRT_DEMO_CENTRE_X;
      double dy = y - QRT_DEMO_CENTRE_Y;

      if (dx * dx + dy * dy < town->core_radius * town->core_radius)
        return QRT_DEMO_ZONE_CORE;
      return QRT_DEMO_ZONE_URBAN;
    }

  for (guint i = 0; i < town->villages->len; i++)
    if (_qrt_demo_blob_contains (g_ptr_array_index (town->villages, i), x, y))
      return QRT_DEMO_ZONE_VILLAGE;

  return QRT_DEMO_ZONE_NONE;
}

gboolean
_qrt_demo_in_park (QrtDemoTown *town,
                   double       x,
                   double       y)
{
  for (guint i = 0; i < town->park_blobs->len; i++)
    if (_qrt_demo_blob_contains (g_ptr_array_index (town->park_blobs, i), x, y))
      return TRUE;

  return FALSE;
}

/* Whether (x, y) keeps @clearance metres from the river's and the brooks' banks. */
gboolean
_qrt_demo_water_clear (QrtDemoTown *town,
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
int
_qrt_demo_nearest_district (QrtDemoTown *town,
                            double       x,
                            double       y,
                            double      *margin)
{
  guint n = town->districts->len;
  double best_d2 = G_MAXDOUBLE;
  int best = -1;

  for (guint i = 0; i < n; i++)
    {
      const QrtDemoXY *s = &_qrt_demo_district_at (town, i)->seed;
      double d2 = (x - s->x) * (x - s->x) + (y - s->y) * (y - s->y);

      if (d2 < best_d2)
        {
          best_d2 = d2;
          best = (int) i;
        }
    }

  if (margin != NULL)
    {
      const QrtDemoXY *a = &_qrt_demo_district_at (town, best)->seed;

      *margin = G_MAXDOUBLE;
      for (guint i = 0; i < n; i++)
        {
          const QrtDemoXY *b = &_qrt_demo_district_at (town, i)->seed;
          double d2 = (x - b->x) * (x - b->x) + (y - b->y) * (y - b->y);
          double spacing = _qrt_demo_distance (a->x, a->y, b->x, b->y);

          if ((int) i == best)
            continue;
          /* Distance to the perpendicular bisector of the two seeds. */
          *margin = MIN (*margin, (d2 - best_d2) / (2.0 * spacing));
        }
    }

  return best;
}


/* Splits any lineal GEOS geometry into GArrays of points appended to @out. */
void
_qrt_demo_geos_to_lines (GEOSContextHandle_t  ctx,
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
        _qrt_demo_geos_to_lines (ctx, GEOSGetGeometryN_r (ctx, geometry, i), out);
    }
}

double
_qrt_demo_geos_area (GEOSContextHandle_t  ctx,
                     const GEOSGeometry  *geometry)
{
  double area = 0.0;

  if (geometry != NULL)
    GEOSArea_r (ctx, geometry, &area);

  return area;
}

/* --- the town object -------------------------------------------------------------------------- */

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
    destroy_geometry (town, &_qrt_demo_district_at (town, i)->geometry);
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

/* --- step: outline ---------------------------------------------------------------------------- */

gboolean
_qrt_demo_step_outline (QrtDemoTown *town,
                        GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  QrtDemoRng rng;
  double area, aspect, angle, reach;

  _qrt_demo_rng_init (&rng, town->seed, "outline");
  area = _qrt_demo_rng_range (&rng, 88e6, 106e6);
  aspect = _qrt_demo_rng_range (&rng, 1.1, 1.45);
  angle = _qrt_demo_rng_range (&rng, 0.0, G_PI);

  town->town_blob = _qrt_demo_blob_new (&rng, QRT_DEMO_CENTRE_X, QRT_DEMO_CENTRE_Y,
                                        area, aspect, angle, 0.11, 360);
  town->town = _qrt_demo_blob_to_geos (ctx, town->town_blob);
  if (town->town == NULL)
    return _qrt_demo_geos_failed (town, "outline", error);
  town->town_boundary = GEOSBoundary_r (ctx, town->town);
  if (town->town_boundary == NULL)
    return _qrt_demo_geos_failed (town, "outline", error);

  /* Room for the river and the roads that start beyond the boundary. */
  reach = town->town_blob->r_max + 2500.0;
  town->min_x = QRT_DEMO_CENTRE_X - reach;
  town->min_y = QRT_DEMO_CENTRE_Y - reach;
  town->max_x = QRT_DEMO_CENTRE_X + reach;
  town->max_y = QRT_DEMO_CENTRE_Y + reach;

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
void
_qrt_demo_line_tangent (const GArray *line,
                        guint         i,
                        QrtDemoXY    *tangent)
{
  const QrtDemoXY *a = &g_array_index (line, QrtDemoXY, i > 0 ? i - 1 : 0);
  const QrtDemoXY *b = &g_array_index (line, QrtDemoXY, MIN (i + 1, line->len - 1));
  double len = _qrt_demo_distance (a->x, a->y, b->x, b->y);

  tangent->x = len > 0 ? (b->x - a->x) / len : 1.0;
  tangent->y = len > 0 ? (b->y - a->y) / len : 0.0;
}

guint
_qrt_demo_nearest_vertex (const GArray *line,
                          double        x,
                          double        y)
{
  double best = G_MAXDOUBLE;
  guint best_i = 0;

  for (guint i = 0; i < line->len; i++)
    {
      const QrtDemoXY *p = &g_array_index (line, QrtDemoXY, i);
      double d = _qrt_demo_distance (p->x, p->y, x, y);

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

              points[n++] = GEOSGeom_createPointFromXY_r (ctx, p->x + r * cos (a),
                                                          p->y + r * sin (a));
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

  double along = index * fw->step / fw->wavelength;

  return fw->base + fw->spread * _qrt_demo_noise1 (fw->noise_seed, along);
}

gboolean
_qrt_demo_step_water (QrtDemoTown *town,
                      GError     **error)
{
  static const char * const brook_names[] = {
    "Mühlbach", "Sieperbach", "Ellerbach", "Schlehbach", "Hasselbach", NULL
  };
  GEOSContextHandle_t ctx = town->ctx;
  QrtDemoRng rng;
  QrtDemoXY p0, p1, p2, control;
  double alpha_in, alpha_out, reach_in, reach_out, valley_dx, valley_dy, step;
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
  reach_in = _qrt_demo_blob_boundary (town->town_blob, alpha_in) + 1500.0;
  reach_out = _qrt_demo_blob_boundary (town->town_blob, alpha_out) + 1500.0;
  p0.x = QRT_DEMO_CENTRE_X + cos (alpha_in) * reach_in;
  p0.y = QRT_DEMO_CENTRE_Y + sin (alpha_in) * reach_in;
  p2.x = QRT_DEMO_CENTRE_X + cos (alpha_out) * reach_out;
  p2.y = QRT_DEMO_CENTRE_Y + sin (alpha_out) * reach_out;
  p1.x = QRT_DEMO_CENTRE_X + _qrt_demo_rng_range (&rng, -100.0, 100.0);
  p1.y = QRT_DEMO_CENTRE_Y + _qrt_demo_rng_range (&rng, -100.0, 100.0);
  control.x = 2.0 * p1.x - (p0.x + p2.x) / 2.0;
  control.y = 2.0 * p1.y - (p0.y + p2.y) / 2.0;

  valley_dx = (p2.x - p0.x) / _qrt_demo_distance (p0.x, p0.y, p2.x, p2.y);
  valley_dy = (p2.y - p0.y) / _qrt_demo_distance (p0.x, p0.y, p2.x, p2.y);
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

      _qrt_demo_line_tangent (town->river_base, i, &t);
      _qrt_demo_unit_normal (&t, &n);
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
      guint n, v;

      v = _qrt_demo_nearest_vertex (town->river, QRT_DEMO_CENTRE_X + valley_dx * along,
                                    QRT_DEMO_CENTRE_Y + valley_dy * along);
      confluence = &g_array_index (town->river, QrtDemoXY, v);
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

      length = _qrt_demo_distance (source.x, source.y, confluence->x, confluence->y);
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

  town->water_segs = _qrt_demo_segments_new (town->min_x, town->min_y,
                                             town->max_x, town->max_y, 100.0);
  _qrt_demo_segments_add_line (town->water_segs, town->river, 0, town->river_half_width);
  for (guint k = 0; k < town->brooks->len; k++)
    _qrt_demo_segments_add_line (town->water_segs, g_ptr_array_index (town->brooks, k), k + 1, 1.5);

  /* The river's water surface and the waterway lines, cut to the town. */
  river_line = _qrt_demo_line_to_geos (ctx, town->river);
  buffer = GEOSBuffer_r (ctx, river_line, town->river_half_width, 8);
  if (buffer == NULL)
    {
      GEOSGeom_destroy_r (ctx, river_line);
      return _qrt_demo_geos_failed (town, "water", error);
    }
  town->water = _qrt_demo_geos_polygonal (ctx, GEOSIntersection_r (ctx, buffer, town->town), 0.0);
  GEOSGeom_destroy_r (ctx, buffer);

  clipped = GEOSIntersection_r (ctx, river_line, town->town);
  GEOSGeom_destroy_r (ctx, river_line);
  if (clipped == NULL || town->water == NULL)
    return _qrt_demo_geos_failed (town, "water", error);
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
          return _qrt_demo_geos_failed (town, "water", error);
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
      return _qrt_demo_geos_failed (town, "flood", error);
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
        return _qrt_demo_geos_failed (town, "flood", error);
      g_ptr_array_add (floods, zone);
    }
  collection = _qrt_demo_geos_collect (ctx, floods);
  flood_union = GEOSUnaryUnion_r (ctx, collection);
  GEOSGeom_destroy_r (ctx, collection);
  if (flood_union == NULL)
    return _qrt_demo_geos_failed (town, "flood", error);
  town->flood = _qrt_demo_geos_polygonal (ctx, GEOSIntersection_r (ctx, flood_union, town->town),
                                          1.0);
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

      double apart = _qrt_demo_distance (blob->cx, blob->cy, other->cx, other->cy);

      if (apart < blob->r_max + other->r_max + 40.0)
        return FALSE;
    }

  return TRUE;
}

gboolean
_qrt_demo_step_settlements (QrtDemoTown *town,
                            GError     **error)
{
  QrtDemoRng rng;
  guint n_industrial, n_parks;
  int first_sign;
  double valley_dx = cos (town->valley_angle);
  double valley_dy = sin (town->valley_angle);

  _qrt_demo_rng_init (&rng, town->seed, "settlements");

  /* The main settlement stretches along the valley. */
  town->main_town = _qrt_demo_blob_new (&rng, QRT_DEMO_CENTRE_X, QRT_DEMO_CENTRE_Y,
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
                                           QRT_DEMO_CENTRE_X + cos (angle) * reach,
                                           QRT_DEMO_CENTRE_Y + sin (angle) * reach,
                                           _qrt_demo_rng_range (&rng, 0.35e6, 0.55e6),
                                           1.6, town->valley_angle, 0.1, 64));
    }

  /* The Stadtpark lies on the river near the centre; four to six more parks in town. */
  {
    double along = _qrt_demo_rng_range (&rng, -400.0, 400.0);
    guint v = _qrt_demo_nearest_vertex (town->river, QRT_DEMO_CENTRE_X + valley_dx * along,
                                        QRT_DEMO_CENTRE_Y + valley_dy * along);
    const QrtDemoXY *p = &g_array_index (town->river, QrtDemoXY, v);
    QrtDemoXY t;

    _qrt_demo_line_tangent (town->river, v, &t);
    g_ptr_array_add (town->park_blobs,
                     _qrt_demo_blob_new (&rng, p->x, p->y,
                                         _qrt_demo_rng_range (&rng, 0.12e6, 0.2e6),
                                         2.2, atan2 (t.y, t.x), 0.12, 48));
    g_ptr_array_add (town->park_names, g_strdup (_qrt_demo_park_names[0]));
  }

  n_parks = (guint) _qrt_demo_rng_int (&rng, 4, 6);
  for (guint attempt = 0, k = 1; attempt < 400 && k <= n_parks; attempt++)
    {
      double reach = town->main_town->r_max;
      double x = _qrt_demo_rng_range (&rng, QRT_DEMO_CENTRE_X - reach, QRT_DEMO_CENTRE_X + reach);
      double y = _qrt_demo_rng_range (&rng, QRT_DEMO_CENTRE_Y - reach, QRT_DEMO_CENTRE_Y + reach);
      double area = _qrt_demo_rng_range (&rng, 0.03e6, 0.09e6);
      double r = _qrt_demo_distance (x, y, QRT_DEMO_CENTRE_X, QRT_DEMO_CENTRE_Y);
      g_autoptr(QrtDemoBlob) blob = NULL;
      gboolean near_industry = FALSE;

      if (r < 600.0 || _qrt_demo_radial_excess (town->main_town, x, y) > -0.2 * r)
        continue;
      for (guint i = 0; i < town->industrial->len; i++)
        {
          const QrtDemoBlob *ind = g_ptr_array_index (town->industrial, i);

          near_industry |= _qrt_demo_distance (x, y, ind->cx, ind->cy) < ind->r_max + 200.0;
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

  return _qrt_demo_check_cancelled (town, error);
}

/* --- step: districts -------------------------------------------------------------------------- */

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
      double d = _qrt_demo_distance (seeds[i].x, seeds[i].y, x, y);

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
          double angle = atan2 (y - QRT_DEMO_CENTRE_Y, x - QRT_DEMO_CENTRE_X);

          /* Well inside the main settlement. */
          if (_qrt_demo_radial_excess (town->main_town, x, y)
              > -0.15 * _qrt_demo_blob_boundary (town->main_town, angle))
            continue;
        }
      else if (!well_inside_town (town, x, y, 0.86)
               || _qrt_demo_radial_excess (town->main_town, x, y) < 1100.0)
        continue;

      c++;
      for (guint i = 0; i < seeds->len; i++)
        {
          const QrtDemoXY *s = &g_array_index (seeds, QrtDemoXY, i);

          score = MIN (score, _qrt_demo_distance (s->x, s->y, x, y));
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

          if (owner < n_urban || _qrt_demo_radial_excess (town->main_town, mx, my) > 900.0)
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
  g_autoptr(GPtrArray) faces_of = NULL;
  GEOSGeometry *points, *env, *edges, *noded, *faces;
  const GEOSGeometry *noded_const;
  int n_faces;

  faces_of = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
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
      if (!_qrt_demo_in_town (town, x, y))
        continue;

      g_ptr_array_add (g_ptr_array_index (faces_of, nearest_seed (seeds, n, x, y)),
                       GEOSGeom_clone_r (ctx, face));
    }
  GEOSGeom_destroy_r (ctx, faces);

  for (guint i = 0; i < n; i++)
    {
      GPtrArray *parts = g_ptr_array_index (faces_of, i);
      QrtDemoDistrict *district = _qrt_demo_district_at (town, i);

      if (parts->len == 0)
        return FALSE;

      /* The faces of one cell never share an edge (the cell is convex, only the outline
       * separates them), so a MultiPolygon of them is valid as it is. */
      district->geometry = GEOSGeom_createCollection_r (ctx, GEOS_MULTIPOLYGON,
                                                        (GEOSGeometry **) parts->pdata, parts->len);
      g_ptr_array_set_size (parts, 0);
      district->area = _qrt_demo_geos_area (ctx, district->geometry);
    }

  return TRUE;
}

static double
settled_area (QrtDemoTown       *town,
              const QrtDemoBlob *village,
              GEOSGeometry      *main_geos,
              QrtDemoDistrict   *district)
{
  GEOSContextHandle_t ctx = town->ctx;
  GEOSGeometry *shape = village ? _qrt_demo_blob_to_geos (ctx, village) : NULL;
  GEOSGeometry *settled = shape ? GEOSUnion_r (ctx, shape, main_geos)
                                : GEOSGeom_clone_r (ctx, main_geos);
  GEOSGeometry *inside = settled ? GEOSIntersection_r (ctx, settled, district->geometry) : NULL;
  double area = inside ? _qrt_demo_geos_area (ctx, inside) : -1.0;

  if (shape != NULL)
    GEOSGeom_destroy_r (ctx, shape);
  if (settled != NULL)
    GEOSGeom_destroy_r (ctx, settled);
  if (inside != NULL)
    GEOSGeom_destroy_r (ctx, inside);

  return area;
}

/*
 * Sizes each village so that settlement covers a set share of its district: this is what
 * keeps every district's sealed share and density in range. A quarter of the main town
 * whose cell reaches far out into the country gets a suburb on that side for the same
 * reason.
 */
static gboolean
size_villages (QrtDemoTown  *town,
               GEOSGeometry *main_geos)
{
  GEOSContextHandle_t ctx = town->ctx;

  for (guint i = 1; i < town->districts->len; i++)
    {
      QrtDemoDistrict *district = _qrt_demo_district_at (town, i);
      QrtDemoRng rng;
      double share, target, to_centre, got;
      QrtDemoXY centre = district->seed;
      QrtDemoBlob *village;

      _qrt_demo_rng_init_indexed (&rng, town->seed, "village", i);
      share = _qrt_demo_rng_range (&rng, 0.42, 0.47);
      target = share * district->area;

      if (!district->rural)
        {
          GEOSGeometry *outside, *middle;

          got = settled_area (town, NULL, main_geos, district);
          if (got < 0.0)
            return FALSE;
          if (got >= target)
            continue;

          /* The suburb grows from the middle of the district's open part. */
          outside = GEOSDifference_r (ctx, district->geometry, main_geos);
          middle = outside ? GEOSPointOnSurface_r (ctx, outside) : NULL;
          if (outside != NULL)
            GEOSGeom_destroy_r (ctx, outside);
          if (middle == NULL)
            return FALSE;
          GEOSGeomGetX_r (ctx, middle, &centre.x);
          GEOSGeomGetY_r (ctx, middle, &centre.y);
          GEOSGeom_destroy_r (ctx, middle);
          target -= got;
        }

      to_centre = atan2 (QRT_DEMO_CENTRE_Y - centre.y, QRT_DEMO_CENTRE_X - centre.x);
      village = _qrt_demo_blob_new (&rng, centre.x, centre.y, target,
                                    _qrt_demo_rng_range (&rng, 1.1, 2.0),
                                    to_centre + _qrt_demo_rng_range (&rng, -0.3, 0.3), 0.22, 96);
      target = share * district->area;
      g_ptr_array_add (town->villages, village);
      district->village = village;

      for (guint iteration = 0; iteration < 4; iteration++)
        {
          double factor;

          got = settled_area (town, village, main_geos, district);
          if (got < 0.0)
            return FALSE;

          factor = CLAMP (sqrt (target / MAX (got, 1.0)), 0.75, 1.35);
          if (fabs (factor - 1.0) < 0.01)
            break;
          _qrt_demo_blob_scale (village, factor);
          if (village->r_max < 200.0)
            _qrt_demo_blob_scale (village, 200.0 / village->r_max);
        }

      if (district->rural)
        district->grid_angle = to_centre + _qrt_demo_rng_range (&rng, -0.1, 0.1);
    }

  return TRUE;
}

gboolean
_qrt_demo_step_districts (QrtDemoTown *town,
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
    QrtDemoXY centre = { QRT_DEMO_CENTRE_X, QRT_DEMO_CENTRE_Y };

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
        return _qrt_demo_geos_failed (town, "districts", error);
      }

  /* Numbering: the town's quarters from the centre outwards, then the villages clockwise
   * from the north, as statistical offices tend to do it. */
  order = g_new0 (SeedOrder, seeds->len);
  for (guint i = 0; i < seeds->len; i++)
    {
      const QrtDemoXY *s = &g_array_index (seeds, QrtDemoXY, i);
      double dx = s->x - QRT_DEMO_CENTRE_X;
      double dy = s->y - QRT_DEMO_CENTRE_Y;
      double bearing = atan2 (dx, dy);

      order[i].seed = *s;
      order[i].rural = i >= n_urban;
      order[i].input = i;
      order[i].sort_key = order[i].rural ? (bearing < 0 ? bearing + 2 * G_PI : bearing)
                                         : hypot (dx, dy);
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
      QrtDemoDistrict *district = _qrt_demo_district_at (town, i);

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

          guint v = _qrt_demo_nearest_vertex (town->river, district->seed.x, district->seed.y);

          _qrt_demo_line_tangent (town->river, v, &t);
          district->grid_angle = atan2 (t.y, t.x) + _qrt_demo_rng_range (&rng, -0.35, 0.35);
        }
    }

  ok = cut_districts (town, order, seeds->len) && size_villages (town, main_geos);
  GEOSGeom_destroy_r (ctx, main_geos);
  if (!ok)
    return _qrt_demo_geos_failed (town, "districts", error);

  return _qrt_demo_check_cancelled (town, error);
}

/* --- step: green spaces ----------------------------------------------------------------------- */

gboolean
_qrt_demo_step_parks (QrtDemoTown *town,
                      GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GEOSGeometry *collection;

  /* Most villages have a green in the middle, many a cemetery at the edge. */
  for (guint i = town->n_urban; i < town->districts->len; i++)
    {
      QrtDemoDistrict *district = _qrt_demo_district_at (town, i);
      QrtDemoRng rng;
      double angle, offset;
      g_autoptr(QrtDemoBlob) green = NULL;
      g_autoptr(QrtDemoBlob) cemetery = NULL;

      _qrt_demo_rng_init_indexed (&rng, town->seed, "village-green", i);

      /* Beside the village's through road, not on it. */
      angle = district->grid_angle + (_qrt_demo_rng_chance (&rng, 0.5) ? 1 : -1) * G_PI / 2;
      offset = _qrt_demo_rng_range (&rng, 90.0, 150.0);
      green = _qrt_demo_blob_new (&rng, district->seed.x + cos (angle) * offset,
                                  district->seed.y + sin (angle) * offset,
                                  _qrt_demo_rng_range (&rng, 4000.0, 10000.0), 1.3,
                                  district->grid_angle, 0.1, 32);
      if (_qrt_demo_rng_chance (&rng, 0.6) && park_fits (town, green))
        {
          g_ptr_array_add (town->park_blobs, g_steal_pointer (&green));
          g_ptr_array_add (town->park_names, g_strdup_printf ("Dorfanger %s", district->name));
        }

      angle = _qrt_demo_rng_range (&rng, 0.0, 2.0 * G_PI);
      offset = 0.75 * _qrt_demo_blob_boundary (district->village, angle);
      cemetery = _qrt_demo_blob_new (&rng, district->seed.x + cos (angle) * offset,
                                     district->seed.y + sin (angle) * offset,
                                     _qrt_demo_rng_range (&rng, 6000.0, 14000.0), 1.4,
                                     district->grid_angle, 0.06, 32);
      if (_qrt_demo_rng_chance (&rng, 0.55) && park_fits (town, cemetery))
        {
          g_ptr_array_add (town->park_blobs, g_steal_pointer (&cemetery));
          g_ptr_array_add (town->park_names, g_strdup_printf ("Friedhof %s", district->name));
        }
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
        return _qrt_demo_geos_failed (town, "parks", error);

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
    return _qrt_demo_geos_failed (town, "parks", error);

  return TRUE;
}

/* --- step: roads between settlements ---------------------------------------------------------- */

guint
_qrt_demo_add_street (QrtDemoTown        *town,
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
  if (_qrt_demo_zone_at (town, mid->x, mid->y) == QRT_DEMO_ZONE_INDUSTRIAL)
    street.band = 34.0;

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

  _qrt_demo_geos_to_lines (ctx, clipped, pieces);
  GEOSGeom_destroy_r (ctx, clipped);
  for (guint i = 0; i < pieces->len; i++)
    {
      GArray *piece = g_ptr_array_index (pieces, i);

      if (_qrt_demo_line_length (piece) < 30.0)
        {
          g_array_unref (piece);
          continue;
        }
      _qrt_demo_add_street (town, piece, klass, name, -1);
    }

  return TRUE;
}

/* A country road from @a to @b that swings gently from side to side. */
static GArray *
country_road (guint64          noise_seed,
              const QrtDemoXY *a,
              const QrtDemoXY *b)
{
  double length = _qrt_demo_distance (a->x, a->y, b->x, b->y);
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

gboolean
_qrt_demo_step_roads (QrtDemoTown *town,
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

      _qrt_demo_line_tangent (town->river_base, i, &t);
      _qrt_demo_unit_normal (&t, &n);
      p.x = b->x + n.x * offset;
      p.y = b->y + n.y * offset;
      g_array_append_val (valley, p);
    }
  if (!add_clipped_road (town, valley, QRT_DEMO_STREET_PRIMARY, "Talstraße"))
    return _qrt_demo_geos_failed (town, "roads", error);

  /* Country roads: a minimum spanning tree (Prim) over the centre and the villages. */
  nodes[0].x = QRT_DEMO_CENTRE_X;
  nodes[0].y = QRT_DEMO_CENTRE_Y;
  for (guint i = town->n_urban; i < town->districts->len; i++)
    nodes[1 + i - town->n_urban] = _qrt_demo_district_at (town, i)->seed;
  for (guint i = 0; i < n_nodes; i++)
    {
      cost[i] = _qrt_demo_distance (nodes[i].x, nodes[i].y, nodes[0].x, nodes[0].y);
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
          double d = _qrt_demo_distance (nodes[i].x, nodes[i].y, nodes[next].x, nodes[next].y);

          if (!in_tree[i] && d < cost[i])
            {
              cost[i] = d;
              parent[i] = (int) next;
            }
        }

      /* The road is named after the village it leads to: "Birkenhagener Straße". */
      village = _qrt_demo_district_at (town, town->n_urban + next - 1);
      adjective = _qrt_demo_adjective (village->name);
      name = g_strdup_printf ("%s Straße", adjective);
      {
        g_autoptr(GArray) road = country_road (_qrt_demo_hash_stream (town->seed, name),
                                               &nodes[parent[next]], &nodes[next]);

        if (!add_clipped_road (town, road, QRT_DEMO_STREET_SECONDARY, name))
          return _qrt_demo_geos_failed (town, "roads", error);
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
      double reach = _qrt_demo_blob_boundary (town->town_blob, angle) + 800.0;
      QrtDemoXY end = {
        QRT_DEMO_CENTRE_X + cos (angle) * reach,
        QRT_DEMO_CENTRE_Y + sin (angle) * reach,
      };
      guint from = 0;
      double best = G_MAXDOUBLE;
      g_autoptr(GArray) road = NULL;

      for (guint i = 0; i < n_nodes; i++)
        {
          double d = _qrt_demo_distance (nodes[i].x, nodes[i].y, end.x, end.y);

          if (d < best)
            {
              best = d;
              from = i;
            }
        }

      road = country_road (_qrt_demo_hash_stream (town->seed, outbound_names[k]),
                           &nodes[from], &end);
      if (!add_clipped_road (town, road, QRT_DEMO_STREET_PRIMARY, outbound_names[k]))
        return _qrt_demo_geos_failed (town, "roads", error);
    }

  town->n_main_roads = town->streets->len;
  town->street_segs = _qrt_demo_segments_new (town->min_x, town->min_y,
                                              town->max_x, town->max_y, 60.0);
  for (guint i = 0; i < town->streets->len; i++)
    _qrt_demo_segments_add_line (town->street_segs, _qrt_demo_street_at (town, i)->points, i,
                                 _qrt_demo_street_at (town, i)->half_width);

  return _qrt_demo_check_cancelled (town, error);
}

/* --- the plan --------------------------------------------------------------------------------- */

static const QrtDemoStep steps[] = {
  { "outline",     _qrt_demo_step_outline,     0.01 },
  { "water",       _qrt_demo_step_water,       0.03 },
  { "settlements", _qrt_demo_step_settlements, 0.01 },
  { "districts",   _qrt_demo_step_districts,   0.03 },
  { "parks",       _qrt_demo_step_parks,       0.01 },
  { "roads",       _qrt_demo_step_roads,       0.02 },
  { "streets",     _qrt_demo_step_streets,     0.08 },
  { "buildings",   _qrt_demo_step_buildings,   0.12 },
  { "population",  _qrt_demo_step_population,  0.02 },
  { "landcover",   _qrt_demo_step_landcover,   0.25 },
  { "heavy-rain",  _qrt_demo_step_rain,        0.04 },
  { "trees",       _qrt_demo_step_trees,       0.02 },
  { "facilities",  _qrt_demo_step_facilities,  0.01 },
};

const QrtDemoStep *
_qrt_demo_town_get_steps (guint *n_steps)
{
  *n_steps = G_N_ELEMENTS (steps);
  return steps;
}
