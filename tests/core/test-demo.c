/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <geos_c.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <string.h>

#include "qrt-core.h"

/*
 * Tests of the Musterstadt generator. Everything is read back through GDAL and measured with
 * GEOS, independently of the generator's own bookkeeping. Each seed is generated once and
 * shared by all cases (generation takes seconds).
 */

typedef struct
{
  char   *dir;
  char   *path[3];         /* seed 1, seed 1 again, seed 2 */
  double  seconds[3];
  GArray *fractions;       /* progress reported while generating path[0] */
} Fixture;

static Fixture fixture;

static const guint64 seeds[3] = { 1, 1, 2 };

static void
record_progress (double   fraction,
                 gpointer user_data)
{
  GArray *fractions = user_data;

  g_array_append_val (fractions, fraction);
}

static const char *
generated (guint which)
{
  g_autoptr(GError) error = NULL;
  gint64 started;

  g_assert_cmpuint (which, <, G_N_ELEMENTS (fixture.path));

  if (fixture.path[which] != NULL)
    return fixture.path[which];

  if (fixture.dir == NULL)
    {
      fixture.dir = g_dir_make_tmp ("quartier-demo-XXXXXX", &error);
      g_assert_no_error (error);
      fixture.fractions = g_array_new (FALSE, FALSE, sizeof (double));
    }

  fixture.path[which] = g_strdup_printf ("%s/demo-%u.gpkg", fixture.dir, which);
  started = g_get_monotonic_time ();
  qrt_demo_write (fixture.path[which], seeds[which],
                  which == 0 ? record_progress : NULL,
                  which == 0 ? fixture.fractions : NULL,
                  NULL, &error);
  g_assert_no_error (error);
  fixture.seconds[which] = (g_get_monotonic_time () - started) / 1e6;
  g_test_message ("generating seed %" G_GUINT64_FORMAT " took %.2f s",
                  seeds[which], fixture.seconds[which]);

  return fixture.path[which];
}

/* --- reading back ------------------------------------------------------------------------ */

static GDALDatasetH
open_gpkg (const char *path)
{
  const char *const drivers[] = { "GPKG", NULL };
  GDALDatasetH dataset = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);

  g_assert_nonnull (dataset);
  return dataset;
}

static OGRLayerH
get_layer (GDALDatasetH  dataset,
           const char   *name)
{
  OGRLayerH layer = GDALDatasetGetLayerByName (dataset, name);

  if (layer == NULL)
    g_error ("layer %s is missing", name);
  OGR_L_ResetReading (layer);
  return layer;
}

static GEOSGeometry *
to_geos (GEOSContextHandle_t ctx,
         OGRGeometryH        geometry)
{
  int size = OGR_G_WkbSize (geometry);
  g_autofree unsigned char *wkb = g_malloc (size);

  g_assert_cmpint (OGR_G_ExportToWkb (geometry, wkbNDR, wkb), ==, OGRERR_NONE);
  return GEOSGeomFromWKB_buf_r (ctx, wkb, size);
}

/* All geometries of a layer as GEOS geometries (and their features, if @features). */
static GPtrArray *
read_geometries (GEOSContextHandle_t  ctx,
                 GDALDatasetH         dataset,
                 const char          *name,
                 GPtrArray           *features)
{
  OGRLayerH layer = get_layer (dataset, name);
  GPtrArray *out = g_ptr_array_new ();
  OGRFeatureH feature;

  while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
    {
      OGRGeometryH g = OGR_F_GetGeometryRef (feature);

      g_assert_nonnull (g);
      g_ptr_array_add (out, to_geos (ctx, g));
      if (features != NULL)
        g_ptr_array_add (features, feature);
      else
        OGR_F_Destroy (feature);
    }

  return out;
}

static void
free_geometries (GEOSContextHandle_t  ctx,
                 GPtrArray           *geometries)
{
  for (guint i = 0; i < geometries->len; i++)
    GEOSGeom_destroy_r (ctx, g_ptr_array_index (geometries, i));
  g_ptr_array_unref (geometries);
}

static double
area_of (GEOSContextHandle_t  ctx,
         const GEOSGeometry  *g)
{
  double area = 0;

  g_assert_true (GEOSArea_r (ctx, g, &area));
  return area;
}

static GEOSGeometry *
union_all (GEOSContextHandle_t  ctx,
           GPtrArray           *geometries)
{
  GEOSGeometry **clones = g_new (GEOSGeometry *, geometries->len);
  GEOSGeometry *collection, *result;

  for (guint i = 0; i < geometries->len; i++)
    clones[i] = GEOSGeom_clone_r (ctx, g_ptr_array_index (geometries, i));
  collection = GEOSGeom_createCollection_r (ctx, GEOS_GEOMETRYCOLLECTION, clones, geometries->len);
  g_free (clones);
  result = GEOSUnaryUnion_r (ctx, collection);
  GEOSGeom_destroy_r (ctx, collection);
  g_assert_nonnull (result);

  return result;
}

static int
field_int (OGRFeatureH  feature,
           const char  *name)
{
  int index = OGR_F_GetFieldIndex (feature, name);

  g_assert_cmpint (index, >=, 0);
  return OGR_F_GetFieldAsInteger (feature, index);
}

static const char *
field_str (OGRFeatureH  feature,
           const char  *name)
{
  int index = OGR_F_GetFieldIndex (feature, name);

  g_assert_cmpint (index, >=, 0);
  return OGR_F_GetFieldAsString (feature, index);
}

static double
field_real (OGRFeatureH  feature,
            const char  *name)
{
  int index = OGR_F_GetFieldIndex (feature, name);

  g_assert_cmpint (index, >=, 0);
  return OGR_F_GetFieldAsDouble (feature, index);
}

static char *
hash_features (const char *path)
{
  GDALDatasetH dataset = open_gpkg (path);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *result = NULL;

  for (int i = 0; i < GDALDatasetGetLayerCount (dataset); i++)
    {
      OGRLayerH layer = GDALDatasetGetLayer (dataset, i);
      OGRFeatureDefnH defn = OGR_L_GetLayerDefn (layer);
      OGRFeatureH feature;

      /* The qrt_* tables hold provenance such as the import time, not features. */
      if (g_str_has_prefix (OGR_L_GetName (layer), "qrt_"))
        continue;

      g_checksum_update (checksum, (const guchar *) OGR_L_GetName (layer), -1);
      OGR_L_ResetReading (layer);
      while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
        {
          OGRGeometryH g = OGR_F_GetGeometryRef (feature);
          gint64 fid = OGR_F_GetFID (feature);

          g_checksum_update (checksum, (const guchar *) &fid, sizeof fid);
          if (g != NULL)
            {
              int size = OGR_G_WkbSize (g);
              g_autofree unsigned char *wkb = g_malloc (size);

              OGR_G_ExportToWkb (g, wkbNDR, wkb);
              g_checksum_update (checksum, wkb, size);
            }
          for (int f = 0; f < OGR_FD_GetFieldCount (defn); f++)
            {
              const char *value = OGR_F_IsFieldSetAndNotNull (feature, f)
                                  ? OGR_F_GetFieldAsString (feature, f) : "<null>";

              g_checksum_update (checksum, (const guchar *) value, strlen (value) + 1);
            }
          OGR_F_Destroy (feature);
        }
    }

  GDALClose (dataset);
  result = g_strdup (g_checksum_get_string (checksum));
  return g_steal_pointer (&result);
}

/* --- cases ------------------------------------------------------------------------------ */

static void
test_default_path (void)
{
  g_autofree char *path = qrt_demo_get_default_path ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "quartier",
                                                "musterstadt-demo.gpkg", NULL);

  g_assert_cmpstr (path, ==, expected);
}

static void
test_gpkg (void)
{
  static const char * const layers[] = {
    "town", "districts", "district_population", "water", "waterways", "flood_hq100",
    "heavy_rain", "streets", "buildings", "landcover", "parks", "trees", "schools", "daycare",
  };
  GDALDatasetH dataset = open_gpkg (generated (0));
  OGRLayerH layer;
  OGRFeatureH feature;
  g_autoptr(GHashTable) metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpstr (GDALGetDriverShortName (GDALGetDatasetDriver (dataset)), ==, "GPKG");

  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      OGRSpatialReferenceH srs;

      layer = get_layer (dataset, layers[i]);
      g_assert_cmpint (OGR_L_GetFeatureCount (layer, TRUE), >, 0);
      if (OGR_L_GetGeomType (layer) == wkbNone)
        continue;
      srs = OGR_L_GetSpatialRef (layer);
      g_assert_nonnull (srs);
      g_assert_cmpstr (OSRGetAuthorityCode (srs, NULL), ==, "25832");
    }

  /* The project tables, as qrt-project-schema.h describes them. */
  layer = get_layer (dataset, "qrt_project");
  while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
    {
      g_hash_table_insert (metadata, g_strdup (field_str (feature, "key")),
                           g_strdup (field_str (feature, "value")));
      OGR_F_Destroy (feature);
    }
  g_assert_cmpstr (g_hash_table_lookup (metadata, "synthetic"), ==, "true");
  g_assert_cmpstr (g_hash_table_lookup (metadata, "crs"), ==, "EPSG:25832");
  g_assert_cmpstr (g_hash_table_lookup (metadata, "seed"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (metadata, "generator"), ==, "quartier-demo 1");
  g_assert_cmpstr (g_hash_table_lookup (metadata, "licence"), ==, "CC0-1.0");
  g_assert_nonnull (g_hash_table_lookup (metadata, "title"));
  g_assert_nonnull (g_hash_table_lookup (metadata, "description"));

  layer = get_layer (dataset, "qrt_layer_sources");
  while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
    {
      /* Stored one up, so that position 0 is not NULL. */
      g_hash_table_insert (positions, g_strdup (field_str (feature, "layer_name")),
                           GINT_TO_POINTER (field_int (feature, "position") + 1));
      g_assert_cmpstr (field_str (feature, "licence"), ==, "CC0-1.0");
      OGR_F_Destroy (feature);
    }
  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
    g_assert_true (g_hash_table_contains (positions, layers[i]));
  /* Drawing order: land cover at the bottom, buildings above streets, Kitas on top. */
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (positions, "landcover")), <,
                   GPOINTER_TO_INT (g_hash_table_lookup (positions, "parks")));
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (positions, "streets")), <,
                   GPOINTER_TO_INT (g_hash_table_lookup (positions, "buildings")));
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (positions, "schools")), <,
                   GPOINTER_TO_INT (g_hash_table_lookup (positions, "daycare")));

  layer = get_layer (dataset, "qrt_styles");
  g_assert_cmpint (OGR_L_GetFeatureCount (layer, TRUE), >=, 12);

  GDALClose (dataset);
}

static void
test_progress (void)
{
  GArray *fractions;

  generated (0);
  fractions = fixture.fractions;

  g_assert_cmpuint (fractions->len, >, 5);
  for (guint i = 1; i < fractions->len; i++)
    g_assert_cmpfloat (g_array_index (fractions, double, i), >=,
                       g_array_index (fractions, double, i - 1));
  g_assert_cmpfloat (g_array_index (fractions, double, fractions->len - 1), ==, 1.0);
}

static void
test_deterministic (void)
{
  g_autofree char *a = hash_features (generated (0));
  g_autofree char *b = hash_features (generated (1));
  g_autofree char *c = hash_features (generated (2));

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

static void
test_valid (void)
{
  GEOSContextHandle_t ctx = GEOS_init_r ();
  GDALDatasetH dataset = open_gpkg (generated (0));

  for (int i = 0; i < GDALDatasetGetLayerCount (dataset); i++)
    {
      OGRLayerH layer = GDALDatasetGetLayer (dataset, i);
      OGRFeatureH feature;
      guint n = 0;

      if (OGR_L_GetGeomType (layer) == wkbNone)
        continue;

      OGR_L_ResetReading (layer);
      while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
        {
          OGRGeometryH g = OGR_F_GetGeometryRef (feature);
          GEOSGeometry *geos;

          g_assert_nonnull (g);
          geos = to_geos (ctx, g);
          g_assert_nonnull (geos);
          if (GEOSisEmpty_r (ctx, geos) || GEOSisValid_r (ctx, geos) != 1)
            {
              char *reason = GEOSisValidReason_r (ctx, geos);

              g_error ("%s feature %" G_GINT64_FORMAT " is empty or invalid: %s",
                       OGR_L_GetName (layer), (gint64) OGR_F_GetFID (feature), reason);
            }
          GEOSGeom_destroy_r (ctx, geos);
          OGR_F_Destroy (feature);
          n++;
        }
      g_assert_cmpuint (n, >, 0);
    }

  GDALClose (dataset);
  GEOS_finish_r (ctx);
}

static void
test_districts_tile (void)
{
  GEOSContextHandle_t ctx = GEOS_init_r ();
  GDALDatasetH dataset = open_gpkg (generated (0));
  GPtrArray *town = read_geometries (ctx, dataset, "town", NULL);
  GPtrArray *districts = read_geometries (ctx, dataset, "districts", NULL);
  GEOSGeometry *merged = union_all (ctx, districts);
  double town_area, union_area, sum = 0.0, worst_overlap = 0.0;

  g_assert_cmpuint (town->len, ==, 1);
  town_area = area_of (ctx, g_ptr_array_index (town, 0));
  union_area = area_of (ctx, merged);
  for (guint i = 0; i < districts->len; i++)
    sum += area_of (ctx, g_ptr_array_index (districts, i));

  g_test_message ("town %.3f km², union of districts %.3f km², sum %.3f km²",
                  town_area / 1e6, union_area / 1e6, sum / 1e6);
  g_assert_cmpfloat (fabs (union_area - town_area) / town_area, <, 1e-6);
  g_assert_cmpfloat (fabs (sum - union_area) / union_area, <, 1e-6);

  /* And directly: neighbours touch but never overlap. */
  for (guint i = 0; i < districts->len; i++)
    for (guint j = i + 1; j < districts->len; j++)
      {
        const GEOSGeometry *a = g_ptr_array_index (districts, i);
        const GEOSGeometry *b = g_ptr_array_index (districts, j);
        GEOSGeometry *overlap;

        if (!GEOSIntersects_r (ctx, a, b))
          continue;
        overlap = GEOSIntersection_r (ctx, a, b);
        g_assert_nonnull (overlap);
        worst_overlap = MAX (worst_overlap, area_of (ctx, overlap));
        GEOSGeom_destroy_r (ctx, overlap);
      }
  g_assert_cmpfloat (worst_overlap, <, 1e-3);

  /* The union is the town: their symmetric difference is (numerically) nothing. */
  {
    GEOSGeometry *diff = GEOSSymDifference_r (ctx, merged, g_ptr_array_index (town, 0));

    g_assert_nonnull (diff);
    g_assert_cmpfloat (area_of (ctx, diff) / town_area, <, 1e-6);
    GEOSGeom_destroy_r (ctx, diff);
  }

  GEOSGeom_destroy_r (ctx, merged);
  free_geometries (ctx, town);
  free_geometries (ctx, districts);
  GDALClose (dataset);
  GEOS_finish_r (ctx);
}

typedef struct
{
  GEOSContextHandle_t  ctx;
  GPtrArray           *geometries;
  GPtrArray           *features;
  GEOSSTRtree         *tree;
} Indexed;

static void
indexed_read (Indexed             *ix,
              GEOSContextHandle_t  ctx,
              GDALDatasetH         dataset,
              const char          *name)
{
  ix->ctx = ctx;
  ix->features = g_ptr_array_new_with_free_func ((GDestroyNotify) OGR_F_Destroy);
  ix->geometries = read_geometries (ctx, dataset, name, ix->features);
  ix->tree = GEOSSTRtree_create_r (ctx, 10);
  for (guint i = 0; i < ix->geometries->len; i++)
    GEOSSTRtree_insert_r (ctx, ix->tree, g_ptr_array_index (ix->geometries, i),
                          GUINT_TO_POINTER (i + 1));
}

static void
indexed_clear (Indexed *ix)
{
  GEOSSTRtree_destroy_r (ix->ctx, ix->tree);
  free_geometries (ix->ctx, ix->geometries);
  g_ptr_array_unref (ix->features);
}

static const GEOSGeometry *
geometry_at (Indexed *ix,
             GArray  *hits,
             guint    k)
{
  return g_ptr_array_index (ix->geometries, g_array_index (hits, guint, k));
}

static void
collect_cb (void *item,
            void *user_data)
{
  GArray *hits = user_data;
  guint index = GPOINTER_TO_UINT (item) - 1;

  g_array_append_val (hits, index);
}

static GArray *
query (Indexed            *ix,
       const GEOSGeometry *geometry)
{
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (guint));

  GEOSSTRtree_query_r (ix->ctx, ix->tree, geometry, collect_cb, hits);
  return hits;
}

static void
test_magnitudes (void)
{
  GEOSContextHandle_t ctx = GEOS_init_r ();
  GDALDatasetH dataset = open_gpkg (generated (0));
  Indexed districts, buildings;
  g_autofree gint64 *residents = NULL;
  gint64 total_residents = 0, total_dwellings = 0;
  double town_area = 0.0;
  guint n_districts, n_buildings;
  g_autoptr(GHashTable) uses = g_hash_table_new (g_str_hash, g_str_equal);

  indexed_read (&districts, ctx, dataset, "districts");
  indexed_read (&buildings, ctx, dataset, "buildings");
  n_districts = districts.geometries->len;
  n_buildings = buildings.geometries->len;
  residents = g_new0 (gint64, n_districts);

  g_test_message ("%u districts, %u buildings", n_districts, n_buildings);
  g_assert_cmpuint (n_districts, >=, 25);
  g_assert_cmpuint (n_districts, <=, 40);
  g_assert_cmpuint (n_buildings, >=, 40000);

  for (guint d = 0; d < n_districts; d++)
    town_area += area_of (ctx, g_ptr_array_index (districts.geometries, d));
  g_assert_cmpfloat (town_area, >=, 80e6);
  g_assert_cmpfloat (town_area, <=, 140e6);

  /* Residents per district, by the buildings' centroids. */
  for (guint i = 0; i < n_buildings; i++)
    {
      OGRFeatureH feature = g_ptr_array_index (buildings.features, i);
      const char *use = field_str (feature, "use");
      int r = field_int (feature, "residents");
      GEOSGeometry *centroid = GEOSGetCentroid_r (ctx, g_ptr_array_index (buildings.geometries, i));
      g_autoptr(GArray) hits = query (&districts, centroid);
      int owner = -1;

      g_hash_table_add (uses, (gpointer) g_intern_string (use));
      if (g_strcmp0 (use, "residential") != 0 && g_strcmp0 (use, "mixed") != 0)
        {
          g_assert_cmpint (r, ==, 0);
          g_assert_cmpint (field_int (feature, "dwellings"), ==, 0);
        }
      g_assert_cmpint (field_int (feature, "floors"), >=, 1);
      g_assert_cmpint (field_int (feature, "year_built"), >=, 1800);
      g_assert_cmpint (field_int (feature, "year_built"), <=, 2025);

      for (guint k = 0; k < hits->len && owner < 0; k++)
        if (GEOSIntersects_r (ctx, geometry_at (&districts, hits, k), centroid))
          owner = (int) g_array_index (hits, guint, k);
      g_assert_cmpint (owner, >=, 0);
      g_assert_cmpint (field_int (feature, "district_id"), ==,
                       field_int (g_ptr_array_index (districts.features, owner), "district_id"));
      residents[owner] += r;
      total_residents += r;
      total_dwellings += field_int (feature, "dwellings");
      GEOSGeom_destroy_r (ctx, centroid);
    }

  g_test_message ("%" G_GINT64_FORMAT " residents in %" G_GINT64_FORMAT " dwellings "
                  "(%.3f per dwelling)", total_residents, total_dwellings,
                  (double) total_residents / total_dwellings);
  g_assert_cmpint (total_residents, >=, 60000);
  g_assert_cmpint (total_residents, <=, 90000);
  g_assert_cmpfloat ((double) total_residents / total_dwellings, >=, 1.7);
  g_assert_cmpfloat ((double) total_residents / total_dwellings, <=, 2.1);
  g_assert_cmpuint (g_hash_table_size (uses), ==, 6);

  for (guint d = 0; d < n_districts; d++)
    {
      OGRFeatureH feature = g_ptr_array_index (districts.features, d);
      double km2 = area_of (ctx, g_ptr_array_index (districts.geometries, d)) / 1e6;
      double density = residents[d] / km2;

      g_assert_cmpfloat (fabs (field_real (feature, "area_km2") - km2), <, 1e-6);
      g_assert_cmpint (field_int (feature, "pop_2025"), ==, residents[d]);
      if (density < 300 || density > 9000)
        g_error ("district %s: %.0f inhabitants per km²", field_str (feature, "name"), density);
    }

  indexed_clear (&districts);
  indexed_clear (&buildings);
  GDALClose (dataset);
  GEOS_finish_r (ctx);
}

static void
test_sealing (void)
{
  GEOSContextHandle_t ctx = GEOS_init_r ();
  GDALDatasetH dataset = open_gpkg (generated (0));
  Indexed districts, landcover;
  GPtrArray *town = read_geometries (ctx, dataset, "town", NULL);
  double town_area = area_of (ctx, g_ptr_array_index (town, 0));
  double covered = 0.0;
  static const char * const classes[] = {
    "sealed", "public_green", "private_green", "forest", "water", "agriculture",
  };
  double by_class[G_N_ELEMENTS (classes)] = { 0, };

  indexed_read (&districts, ctx, dataset, "districts");
  indexed_read (&landcover, ctx, dataset, "landcover");

  for (guint i = 0; i < landcover.geometries->len; i++)
    {
      const char *klass = field_str (g_ptr_array_index (landcover.features, i), "class");
      double area = area_of (ctx, g_ptr_array_index (landcover.geometries, i));
      gboolean known = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (classes); k++)
        if (g_strcmp0 (klass, classes[k]) == 0)
          {
            by_class[k] += area;
            known = TRUE;
          }
      g_assert_true (known);
      covered += area;
    }

  for (guint k = 0; k < G_N_ELEMENTS (classes); k++)
    {
      g_test_message ("%s: %.1f %%", classes[k], 100 * by_class[k] / town_area);
      g_assert_cmpfloat (by_class[k], >, 0.0);
    }
  /* Land cover covers the town without overlaps: the areas add up to the town's. */
  g_assert_cmpfloat (fabs (covered - town_area) / town_area, <, 1e-6);
  /* The parks are the public green. */
  {
    GPtrArray *parks = read_geometries (ctx, dataset, "parks", NULL);
    double park_area = 0.0;

    for (guint i = 0; i < parks->len; i++)
      park_area += area_of (ctx, g_ptr_array_index (parks, i));
    g_assert_cmpfloat (fabs (park_area - by_class[1]) / park_area, <, 1e-9);
    free_geometries (ctx, parks);
  }
  /* Sauerland: the forest is the largest single class. */
  g_assert_cmpfloat (by_class[3], >, by_class[0]);

  for (guint d = 0; d < districts.geometries->len; d++)
    {
      const GEOSGeometry *district = g_ptr_array_index (districts.geometries, d);
      g_autoptr(GArray) hits = query (&landcover, district);
      double sealed = 0.0;
      double share;

      for (guint k = 0; k < hits->len; k++)
        {
          guint i = g_array_index (hits, guint, k);
          GEOSGeometry *part;
          OGRFeatureH feature = g_ptr_array_index (landcover.features, i);

          if (g_strcmp0 (field_str (feature, "class"), "sealed") != 0)
            continue;
          part = GEOSIntersection_r (ctx, g_ptr_array_index (landcover.geometries, i), district);
          g_assert_nonnull (part);
          sealed += area_of (ctx, part);
          GEOSGeom_destroy_r (ctx, part);
        }

      share = sealed / area_of (ctx, district);
      g_test_message ("district %s sealed %.1f %%",
                      field_str (g_ptr_array_index (districts.features, d), "name"), 100 * share);
      g_assert_cmpfloat (share, >=, 0.15);
      g_assert_cmpfloat (share, <=, 0.75);
    }

  free_geometries (ctx, town);
  indexed_clear (&districts);
  indexed_clear (&landcover);
  GDALClose (dataset);
  GEOS_finish_r (ctx);
}

static void
test_buildings_apart (void)
{
  GEOSContextHandle_t ctx = GEOS_init_r ();
  GDALDatasetH dataset = open_gpkg (generated (0));
  Indexed buildings, streets, water;

  indexed_read (&buildings, ctx, dataset, "buildings");
  indexed_read (&streets, ctx, dataset, "streets");
  indexed_read (&water, ctx, dataset, "water");

  for (guint i = 0; i < buildings.geometries->len; i++)
    {
      const GEOSGeometry *b = g_ptr_array_index (buildings.geometries, i);
      g_autoptr(GArray) near_buildings = query (&buildings, b);
      g_autoptr(GArray) near_streets = query (&streets, b);
      g_autoptr(GArray) near_water = query (&water, b);

      for (guint k = 0; k < near_buildings->len; k++)
        {
          guint j = g_array_index (near_buildings, guint, k);

          if (j != i && GEOSIntersects_r (ctx, b, g_ptr_array_index (buildings.geometries, j)))
            g_error ("buildings %u and %u overlap", i, j);
        }
      for (guint k = 0; k < near_streets->len; k++)
        if (GEOSIntersects_r (ctx, b, geometry_at (&streets, near_streets, k)))
          g_error ("building %u stands on a street", i);
      for (guint k = 0; k < near_water->len; k++)
        if (GEOSIntersects_r (ctx, b, geometry_at (&water, near_water, k)))
          g_error ("building %u stands in the river", i);
    }

  indexed_clear (&buildings);
  indexed_clear (&streets);
  indexed_clear (&water);
  GDALClose (dataset);
  GEOS_finish_r (ctx);
}

static void
test_population_table (void)
{
  GDALDatasetH dataset = open_gpkg (generated (0));
  OGRLayerH districts = get_layer (dataset, "districts");
  OGRLayerH table = get_layer (dataset, "district_population");
  g_autoptr(GHashTable) pop_2025 = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  OGRFeatureH feature;
  gint64 old_2015 = 0, all_2015 = 0, old_2040 = 0, all_2040 = 0;
  guint n_districts = 0, n_rows = 0;

  while ((feature = OGR_L_GetNextFeature (districts)) != NULL)
    {
      int id = field_int (feature, "district_id");

      g_hash_table_insert (pop_2025, GINT_TO_POINTER (id),
                           GINT_TO_POINTER (field_int (feature, "pop_2025")));
      n_districts++;
      OGR_F_Destroy (feature);
    }

  while ((feature = OGR_L_GetNextFeature (table)) != NULL)
    {
      int id = field_int (feature, "district_id");
      int year = field_int (feature, "year");
      const char *group = field_str (feature, "age_group");
      int residents = field_int (feature, "residents");
      g_autofree char *key = g_strdup_printf ("%d/%d", id, year);
      int so_far = GPOINTER_TO_INT (g_hash_table_lookup (sums, key));

      g_assert_true (g_hash_table_contains (pop_2025, GINT_TO_POINTER (id)));
      g_assert_cmpint (year, >=, 2015);
      g_assert_cmpint (year, <=, 2040);
      g_assert_cmpint (residents, >=, 0);
      g_assert_cmpstr (field_str (feature, "kind"), ==, year <= 2025 ? "history" : "forecast");
      g_hash_table_insert (sums, g_steal_pointer (&key), GINT_TO_POINTER (so_far + residents));

      if (year == 2015 || year == 2040)
        {
          gboolean old = g_strcmp0 (group, "65-79") == 0 || g_strcmp0 (group, "80+") == 0;

          *(year == 2015 ? &all_2015 : &all_2040) += residents;
          if (old)
            *(year == 2015 ? &old_2015 : &old_2040) += residents;
        }
      n_rows++;
      OGR_F_Destroy (feature);
    }

  /* 26 years × 7 age groups for every district, and 2025 sums to the buildings' residents
   * (test_magnitudes ties pop_2025 to the buildings). */
  g_assert_cmpuint (n_rows, ==, n_districts * 26 * 7);
  g_assert_cmpuint (g_hash_table_size (sums), ==, n_districts * 26);
  {
    GHashTableIter iter;
    gpointer id, value;

    g_hash_table_iter_init (&iter, pop_2025);
    while (g_hash_table_iter_next (&iter, &id, &value))
      {
        g_autofree char *key = g_strdup_printf ("%d/2025", GPOINTER_TO_INT (id));

        g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (sums, key)), ==,
                         GPOINTER_TO_INT (value));
      }
  }

  /* An ageing town. */
  g_test_message ("65+: %.1f %% in 2015, %.1f %% in 2040",
                  100.0 * old_2015 / all_2015, 100.0 * old_2040 / all_2040);
  g_assert_cmpfloat ((double) old_2040 / all_2040, >, (double) old_2015 / all_2015);

  GDALClose (dataset);
}

static void
test_heavy_rain (void)
{
  GEOSContextHandle_t ctx = GEOS_init_r ();
  GDALDatasetH dataset = open_gpkg (generated (0));
  const char * const depth_classes[] = {
    "0.10-0.30 m", "0.30-0.50 m", "0.50-1.00 m", "> 1.00 m", NULL
  };
  Indexed rain, buildings;
  guint wet = 0;

  indexed_read (&rain, ctx, dataset, "heavy_rain");
  indexed_read (&buildings, ctx, dataset, "buildings");

  for (guint i = 0; i < rain.geometries->len; i++)
    {
      OGRFeatureH feature = g_ptr_array_index (rain.features, i);
      double min_depth = field_real (feature, "min_depth_m");
      g_autoptr(GArray) hits = NULL;

      g_assert_true (g_strv_contains (depth_classes, field_str (feature, "depth_class")));
      if (min_depth < 0.30)
        continue;

      hits = query (&buildings, g_ptr_array_index (rain.geometries, i));
      for (guint k = 0; k < hits->len; k++)
        if (GEOSIntersects_r (ctx, g_ptr_array_index (rain.geometries, i),
                              geometry_at (&buildings, hits, k)))
          wet++;
    }

  g_test_message ("%u buildings in water deeper than 0.30 m", wet);
  g_assert_cmpuint (wet, >, 0);

  indexed_clear (&rain);
  indexed_clear (&buildings);
  GDALClose (dataset);
  GEOS_finish_r (ctx);
}

typedef struct
{
  GCancellable *cancellable;
  double        at;
} CancelAt;

static void
cancel_at_cb (double   fraction,
              gpointer user_data)
{
  CancelAt *c = user_data;

  if (fraction >= c->at)
    g_cancellable_cancel (c->cancellable);
}

static void
assert_cancel_leaves_file (double at)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quartier-demo-cancel-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "demo.gpkg", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CancelAt c = { cancellable, at };
  GDir *listing;
  const char *name;
  guint n_files = 0;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "the previous demo", -1, &error));
  g_assert_no_error (error);

  if (at <= 0.0)
    g_cancellable_cancel (cancellable);
  g_assert_false (qrt_demo_write (path, 7, cancel_at_cb, &c, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "the previous demo");

  /* And no temporary file stays behind. */
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_assert_cmpstr (name, ==, "demo.gpkg");
      n_files++;
    }
  g_dir_close (listing);
  g_assert_cmpuint (n_files, ==, 1);

  g_remove (path);
  g_rmdir (dir);
}

static void
test_cancel (void)
{
  assert_cancel_leaves_file (0.0);    /* before it starts */
  assert_cancel_leaves_file (0.3);    /* while computing */
  assert_cancel_leaves_file (0.8);    /* while writing the file */
}

static void
test_ensure_default (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = qrt_demo_get_default_path ();
  g_autofree char *dir = g_path_get_dirname (expected);
  g_autofree char *path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GFile) source = g_file_new_for_path (generated (2));
  g_autoptr(GFile) target = g_file_new_for_path (expected);
  gsize len_before, len_after;

  /* An existing demo is kept as it is. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_copy (source, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (expected, &before, &len_before, NULL));

  path = qrt_demo_ensure_default (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected);
  g_assert_true (g_file_get_contents (expected, &after, &len_after, NULL));
  g_assert_cmpmem (before, len_before, after, len_after);
  g_clear_pointer (&path, g_free);

  /* A missing one is generated with the default seed: the same town as seed 1. */
  g_remove (expected);
  path = qrt_demo_ensure_default (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected);
  {
    g_autofree char *a = hash_features (path);
    g_autofree char *b = hash_features (generated (0));

    g_assert_cmpstr (a, ==, b);
  }
}

static void
cleanup (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture.path); i++)
    if (fixture.path[i] != NULL)
      {
        g_remove (fixture.path[i]);
        g_free (fixture.path[i]);
      }
  if (fixture.dir != NULL)
    g_rmdir (fixture.dir);
  g_free (fixture.dir);
  g_clear_pointer (&fixture.fractions, g_array_unref);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  qrt_core_init ();

  g_test_add_func ("/demo/default-path", test_default_path);
  g_test_add_func ("/demo/gpkg", test_gpkg);
  g_test_add_func ("/demo/progress", test_progress);
  g_test_add_func ("/demo/deterministic", test_deterministic);
  g_test_add_func ("/demo/valid", test_valid);
  g_test_add_func ("/demo/districts/tile", test_districts_tile);
  g_test_add_func ("/demo/magnitudes", test_magnitudes);
  g_test_add_func ("/demo/landcover/sealing", test_sealing);
  g_test_add_func ("/demo/buildings/apart", test_buildings_apart);
  g_test_add_func ("/demo/population-table", test_population_table);
  g_test_add_func ("/demo/heavy-rain", test_heavy_rain);
  g_test_add_func ("/demo/cancel", test_cancel);
  g_test_add_func ("/demo/ensure-default", test_ensure_default);

  status = g_test_run ();
  cleanup ();

  return status;
}
