/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "qrt-demo-private.h"

/*
 * Musterstadt's land cover, heavy-rain hazard zones and trees (see qrt-demo-town.c for the
 * plan).
 */
/* --- step: land cover ------------------------------------------------------------------------- */

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
      const QrtDemoStreet *street = _qrt_demo_street_at (town, i);
      double w = surface ? street->half_width : street->band;
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
          QrtDemoStreet *street = _qrt_demo_street_at (town, i);

          if ((surface ? street->half_width : street->band) == widths[k])
            g_ptr_array_add (lines, _qrt_demo_line_to_geos (ctx, street->points));
        }
      multi = GEOSGeom_createCollection_r (ctx, GEOS_MULTILINESTRING,
                                           (GEOSGeometry **) lines->pdata, lines->len);
      g_ptr_array_set_size (lines, 0);
      /* Flat ends: a cul-de-sac's strip stops where the street does. */
      buffer = GEOSBufferWithStyle_r (ctx, multi, widths[k], 3, GEOSBUF_CAP_FLAT,
                                      GEOSBUF_JOIN_ROUND, 5.0);
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

  if (!_qrt_demo_in_town (town, x, y) || _qrt_demo_radial_excess (town->main_town, x, y) < 300.0)
    return FALSE;

  /* Forest grows on the hills, away from the valley floor and the villages. */
  axis = &g_array_index (town->river_base, QrtDemoXY,
                         _qrt_demo_nearest_vertex (town->river_base, x, y));
  if (_qrt_demo_distance (axis->x, axis->y, x, y) < 700.0)
    return FALSE;
  for (guint i = 0; i < town->villages->len; i++)
    {
      const QrtDemoBlob *village = g_ptr_array_index (town->villages, i);

      if (_qrt_demo_distance (village->cx, village->cy, x, y) < 450.0)
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

              score = MIN (score, _qrt_demo_distance (o->x, o->y, x, y));
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

/* Consumes @a (and nothing else); NULL if GEOS failed. */
static GEOSGeometry *
consume (GEOSContextHandle_t  ctx,
         GEOSGeometry        *a,
         GEOSGeometry        *result)
{
  if (a != NULL)
    GEOSGeom_destroy_r (ctx, a);
  return result;
}

/*
 * Land cover partitions the town. Every overlay below takes two inputs whose edges are
 * independent of each other (a street buffer against a settlement outline, say). Chains such
 * as "settlement minus (water, parks and sealed)" would meet almost coincident edges from
 * earlier overlays, where GEOS falls back to slow snapping: one seed took ten seconds.
 * Neighbouring polygons of one class are not merged; they only touch.
 */
gboolean
_qrt_demo_step_landcover (QrtDemoTown *town,
                          GError     **error)
{
  GEOSContextHandle_t ctx = town->ctx;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  GEOSGeometry *settlement, *bands, *roads, *water_parks, *settled_dry, *open_land;
  GEOSGeometry *built, *forest_all, *forest_in;
  GEOSGeometry **lc = town->landcover;
  g_autoptr(GPtrArray) sealed = g_ptr_array_new ();
  double open_area;

  /* Settlement: the main town, the industrial estates and the villages (and suburbs). */
  g_ptr_array_add (parts, _qrt_demo_blob_to_geos (ctx, town->main_town));
  for (guint i = 0; i < town->industrial->len; i++)
    g_ptr_array_add (parts, _qrt_demo_blob_to_geos (ctx, g_ptr_array_index (town->industrial, i)));
  for (guint i = 0; i < town->villages->len; i++)
    g_ptr_array_add (parts, _qrt_demo_blob_to_geos (ctx, g_ptr_array_index (town->villages, i)));
  settlement = union_of (ctx, parts);
  if (settlement != NULL)
    settlement = consume (ctx, settlement, GEOSIntersection_r (ctx, settlement, town->town));

  water_parks = GEOSUnion_r (ctx, town->water, town->parks_union);
  if (settlement == NULL || water_parks == NULL)
    return _qrt_demo_geos_failed (town, "landcover", error);
  settled_dry = GEOSDifference_r (ctx, settlement, water_parks);

  /* Sealed: the strip along every street in a settlement (road, pavement, houses, drives);
   * private green: the gardens and yards behind. The roads between settlements are
   * sealed too. */
  bands = buffer_streets (town, 0, town->streets->len, 0.0, FALSE);
  roads = buffer_streets (town, 0, town->n_main_roads, 0.0, TRUE);
  if (settled_dry == NULL || bands == NULL || roads == NULL)
    return _qrt_demo_geos_failed (town, "landcover", error);

  g_ptr_array_add (sealed, GEOSIntersection_r (ctx, settled_dry, bands));
  lc[QRT_DEMO_LC_PRIVATE_GREEN] =
    _qrt_demo_geos_polygonal (ctx, GEOSDifference_r (ctx, settled_dry, bands), 0.0);
  GEOSGeom_destroy_r (ctx, bands);
  GEOSGeom_destroy_r (ctx, settled_dry);

  /* Everything that is not open country. */
  built = GEOSUnion_r (ctx, settlement, water_parks);
  GEOSGeom_destroy_r (ctx, settlement);
  GEOSGeom_destroy_r (ctx, water_parks);
  if (built == NULL)
    {
      GEOSGeom_destroy_r (ctx, roads);
      return _qrt_demo_geos_failed (town, "landcover", error);
    }
  roads = consume (ctx, roads, GEOSIntersection_r (ctx, roads, town->town));
  g_ptr_array_add (sealed, roads ? GEOSDifference_r (ctx, roads, built) : NULL);
  built = consume (ctx, built, roads ? GEOSUnion_r (ctx, built, roads) : NULL);
  if (roads != NULL)
    GEOSGeom_destroy_r (ctx, roads);
  if (built == NULL)
    return _qrt_demo_geos_failed (town, "landcover", error);

  open_land = GEOSDifference_r (ctx, town->town, built);
  GEOSGeom_destroy_r (ctx, built);
  if (open_land == NULL)
    return _qrt_demo_geos_failed (town, "landcover", error);

  /* Forest on the hills, farmland for the rest of the open country. */
  open_area = _qrt_demo_geos_area (ctx, open_land);
  forest_all = make_forest (town, 1.35 * open_area);
  forest_in = forest_all ? GEOSIntersection_r (ctx, forest_all, open_land) : NULL;
  if (forest_all != NULL)
    GEOSGeom_destroy_r (ctx, forest_all);
  if (forest_in == NULL)
    {
      GEOSGeom_destroy_r (ctx, open_land);
      return _qrt_demo_geos_failed (town, "landcover", error);
    }
  lc[QRT_DEMO_LC_AGRICULTURE] =
    _qrt_demo_geos_polygonal (ctx, GEOSDifference_r (ctx, open_land, forest_in), 0.0);
  lc[QRT_DEMO_LC_FOREST] = _qrt_demo_geos_polygonal (ctx, forest_in, 0.0);
  GEOSGeom_destroy_r (ctx, open_land);

  lc[QRT_DEMO_LC_WATER] = GEOSGeom_clone_r (ctx, town->water);
  lc[QRT_DEMO_LC_PUBLIC_GREEN] = GEOSGeom_clone_r (ctx, town->parks_union);
  for (guint i = 0; i < sealed->len; i++)
    if (g_ptr_array_index (sealed, i) == NULL)
      return _qrt_demo_geos_failed (town, "landcover", error);
  lc[QRT_DEMO_LC_SEALED] = _qrt_demo_geos_collect (ctx, sealed);

  for (guint i = 0; i < QRT_DEMO_N_LANDCOVER; i++)
    if (lc[i] == NULL)
      return _qrt_demo_geos_failed (town, "landcover", error);

  return _qrt_demo_check_cancelled (town, error);
}

/* --- step: heavy rain ------------------------------------------------------------------------- */

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

gboolean
_qrt_demo_step_rain (QrtDemoTown *town,
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

          if (!_qrt_demo_rng_chance (&rng, 0.65) || !_qrt_demo_in_town (town, p->x, p->y))
            continue;
          _qrt_demo_line_tangent (brook, i, &t);
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
      QrtDemoZone zone = _qrt_demo_zone_at (town, x, y);

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
  for (guint attempt = 0;
       chosen->len < 16 && attempt < 20000 && town->buildings->len > 0;
       attempt++)
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

          crowded |= _qrt_demo_distance (o->x, o->y, c.x, c.y) < 300.0;
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
    return _qrt_demo_geos_failed (town, "heavy-rain", error);

  return _qrt_demo_check_cancelled (town, error);
}

/* --- step: trees ------------------------------------------------------------------------------ */

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

  if (!_qrt_demo_in_town (town, x, y) || !_qrt_demo_water_clear (town, x, y, 3.0, scratch))
    return FALSE;

  _qrt_demo_grid_query (segs->grid, x - reach, y - reach, x + reach, y + reach, scratch);
  for (guint i = 0; i < scratch->len; i++)
    {
      const QrtDemoSegment *s = &g_array_index (segs->segments, QrtDemoSegment,
                                                g_array_index (scratch, guint, i));

      double d = _qrt_demo_segment_distance (x, y, s->ax, s->ay, s->bx, s->by);

      if (d < s->half_width + street_clearance)
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

gboolean
_qrt_demo_step_trees (QrtDemoTown *town,
                      GError     **error)
{
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint));
  QrtDemoRng rng;

  _qrt_demo_rng_init (&rng, town->seed, "trees");

  /* Avenues: a street's trees are one species, planted in one go. */
  for (guint i = 0; i < town->streets->len; i++)
    {
      const QrtDemoStreet *street = _qrt_demo_street_at (town, i);
      const QrtDemoXY *mid = &g_array_index (street->points, QrtDemoXY, street->points->len / 2);
      QrtDemoZone zone = _qrt_demo_zone_at (town, mid->x, mid->y);
      double chance, spacing, length;
      const char *species;
      int planted;

      switch (zone)
        {
        case QRT_DEMO_ZONE_CORE:
        case QRT_DEMO_ZONE_URBAN:
          chance = street->klass == QRT_DEMO_STREET_RESIDENTIAL ? 0.2 : 0.45;
          break;
        case QRT_DEMO_ZONE_VILLAGE:
          chance = street->klass == QRT_DEMO_STREET_RESIDENTIAL ? 0.07 : 0.3;
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
            if (_qrt_demo_zone_at (town, tree.x, tree.y) == QRT_DEMO_ZONE_NONE
                || _qrt_demo_in_park (town, tree.x, tree.y)
                || !tree_site_ok (town, tree.x, tree.y, 0.8, scratch))
              continue;

            tree.species = species;
            /* Gaps get replanted over the years. */
            tree.planted = planted;
            if (_qrt_demo_rng_chance (&rng, 0.12))
              tree.planted = _qrt_demo_rng_int (&rng, planted, 2023);
            g_array_append_val (town->trees, tree);
          }
    }

  /* Park trees, scattered but never closer than 7 m. */
  for (guint i = 0; i < town->park_blobs->len; i++)
    {
      const QrtDemoBlob *park = g_ptr_array_index (town->park_blobs, i);
      guint first = town->trees->len;
      guint wanted = (guint) (_qrt_demo_blob_area (park) / 450.0);

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

              crowded = _qrt_demo_distance (o->x, o->y, tree.x, tree.y) < 7.0;
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

  return _qrt_demo_check_cancelled (town, error);
}
