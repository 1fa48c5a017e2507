/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "qrt-core.h"
#include "qrt-demo.h"
#include "qrt-demo-private.h"

/*
 * Writes Musterstadt (see qrt-demo-town.c) into a GeoPackage. The file is built in a
 * temporary directory next to the target and renamed over it at the end, so a reader never
 * sees half a file and a failed or cancelled run leaves the target as it was.
 *
 * Every layer, row, spatial index and qrt_* table is written inside one GDAL transaction
 * (one SQLite transaction). GDAL 3.6's GPKG driver accepts CreateLayer inside a transaction:
 * the tables, triggers and gpkg_contents rows become part of it. It defers each layer's
 * R-tree until the layer is synced or the file closed; closing would build them after the
 * commit, outside the transaction and with no way to report a failure, so every layer is
 * synced before the commit.
 */

G_DEFINE_QUARK (qrt-demo-error-quark, qrt_demo_error)

#define DEMO_GENERATOR "quartier-demo 1"
#define DEMO_LICENCE   "CC0-1.0"
#define DEMO_EPSG      25832

/* Share of the progress bar for computing the town; writing takes the rest. */
#define COMPUTE_SHARE 0.7

typedef struct
{
  QrtDemoTown         *town;
  GDALDatasetH         dataset;
  OGRSpatialReferenceH srs;
  GEOSWKBWriter       *wkb_writer;
  QrtProgressFunc      progress;
  gpointer             progress_data;
  GCancellable        *cancellable;
  const char          *path;      /* the temporary file */
  const char          *target;    /* where it goes in the end, for messages */
  double               done;      /* progress so far, 0–1 */
} Writer;

static void
report (Writer *w,
        double  fraction)
{
  w->done = CLAMP (fraction, w->done, 1.0);
  if (w->progress != NULL)
    w->progress (w->done, w->progress_data);
}

static gboolean
gdal_failed (Writer     *w,
             const char *what,
             GError    **error)
{
  const char *message = CPLGetLastErrorMsg ();

  g_set_error (error, QRT_DEMO_ERROR, QRT_DEMO_ERROR_FAILED,
               /* Translators: the first %s is a layer or table name, the second GDAL's message */
               _("Could not write “%s” to the demo file: %s"),
               what, message != NULL && *message != '\0' ? message : _("unknown error"));
  return FALSE;
}

static gboolean
dataset_failed (Writer  *w,
                GError **error)
{
  const char *message = CPLGetLastErrorMsg ();

  g_set_error (error, QRT_DEMO_ERROR, QRT_DEMO_ERROR_FAILED,
               /* Translators: the first %s is a file name, the second GDAL's message */
               _("Could not write the demo file “%s”: %s"),
               w->target, message != NULL && *message != '\0' ? message : _("unknown error"));
  return FALSE;
}

static OGRLayerH
create_layer (Writer              *w,
              const char          *name,
              OGRwkbGeometryType   type,
              GError             **error)
{
  OGRLayerH layer;

  CPLErrorReset ();
  layer = GDALDatasetCreateLayer (w->dataset, name, type == wkbNone ? NULL : w->srs, type, NULL);
  if (layer == NULL)
    gdal_failed (w, name, error);

  return layer;
}

static gboolean
add_fields (Writer      *w,
            OGRLayerH    layer,
            GError     **error,
            ...)
{
  va_list args;
  const char *name;
  gboolean ok = TRUE;

  va_start (args, error);
  while (ok && (name = va_arg (args, const char *)) != NULL)
    {
      /* An enum passes through "..." as an int. */
      OGRFieldType type = (OGRFieldType) va_arg (args, int);
      OGRFieldDefnH field = OGR_Fld_Create (name, type);

      ok = OGR_L_CreateField (layer, field, TRUE) == OGRERR_NONE;
      OGR_Fld_Destroy (field);
    }
  va_end (args);

  if (!ok)
    return gdal_failed (w, OGR_L_GetName (layer), error);
  return TRUE;
}

static OGRGeometryH
to_ogr (Writer             *w,
        const GEOSGeometry *geometry)
{
  GEOSContextHandle_t ctx = w->town->ctx;
  OGRGeometryH result = NULL;
  size_t size = 0;
  unsigned char *wkb = GEOSWKBWriter_write_r (ctx, w->wkb_writer, geometry, &size);

  if (wkb == NULL)
    return NULL;
  if (OGR_G_CreateFromWkb (wkb, NULL, &result, (int) size) != OGRERR_NONE)
    result = NULL;
  GEOSFree_r (ctx, wkb);

  return result;
}

/* Hands @geometry (may be NULL for attribute tables) to @feature and stores it. */
static gboolean
commit_feature (Writer       *w,
                OGRLayerH     layer,
                OGRFeatureH   feature,
                OGRGeometryH  geometry,
                GError      **error)
{
  OGRErr err;

  if (geometry != NULL)
    OGR_F_SetGeometryDirectly (feature, geometry);
  err = OGR_L_CreateFeature (layer, feature);
  OGR_F_Destroy (feature);

  if (err != OGRERR_NONE)
    return gdal_failed (w, OGR_L_GetName (layer), error);
  return TRUE;
}

static gboolean
cancelled (Writer  *w,
           GError **error)
{
  return g_cancellable_set_error_if_cancelled (w->cancellable, error);
}

/* Writes every polygon of @geometry as one feature, with one string attribute. */
static gboolean
write_polygons (Writer             *w,
                OGRLayerH           layer,
                const GEOSGeometry *geometry,
                int                 field,
                const char         *value,
                GError            **error)
{
  GEOSContextHandle_t ctx = w->town->ctx;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  gboolean ok = TRUE;

  _qrt_demo_geos_split_polygons (ctx, geometry, 0.0, parts);
  for (guint i = 0; i < parts->len; i++)
    {
      GEOSGeometry *part = g_ptr_array_index (parts, i);

      if (ok)
        {
          OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
          OGRGeometryH g = to_ogr (w, part);

          if (field >= 0)
            OGR_F_SetFieldString (feature, field, value);
          ok = g != NULL ? commit_feature (w, layer, feature, g, error)
                         : (OGR_F_Destroy (feature), gdal_failed (w, OGR_L_GetName (layer), error));
        }
      GEOSGeom_destroy_r (ctx, part);
    }

  return ok;
}

/* --- the layers ------------------------------------------------------------------------------- */

static gboolean
write_town (Writer  *w,
            GError **error)
{
  OGRLayerH layer = create_layer (w, "town", wkbMultiPolygon, error);
  OGRFeatureH feature;
  OGRGeometryH g;

  if (layer == NULL || !add_fields (w, layer, error, "name", OFTString, NULL))
    return FALSE;

  feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
  OGR_F_SetFieldString (feature, 0, "Musterstadt");
  g = to_ogr (w, w->town->town);
  if (g == NULL)
    {
      OGR_F_Destroy (feature);
      return gdal_failed (w, "town", error);
    }
  return commit_feature (w, layer, feature, OGR_G_ForceToMultiPolygon (g), error);
}

static gboolean
write_districts (Writer  *w,
                 GError **error)
{
  OGRLayerH layer = create_layer (w, "districts", wkbMultiPolygon, error);

  if (layer == NULL
      || !add_fields (w, layer, error, "district_id", OFTInteger, "name", OFTString,
                      "code", OFTString, "area_km2", OFTReal, NULL))
    return FALSE;

  for (int year = QRT_DEMO_FIRST_YEAR; year <= QRT_DEMO_LAST_YEAR; year++)
    {
      g_autofree char *name = g_strdup_printf ("pop_%d", year);

      if (!add_fields (w, layer, error, name, OFTInteger, NULL))
        return FALSE;
    }
  /* The age groups indicators ask about, for the base year, on the district itself (the long
   * table district_population has every group and year). */
  if (!add_fields (w, layer, error, "age_0_5", OFTInteger, "age_6_17", OFTInteger,
                   "age_65plus", OFTInteger, NULL))
    return FALSE;

  for (guint i = 0; i < w->town->districts->len; i++)
    {
      const QrtDemoDistrict *d = &g_array_index (w->town->districts, QrtDemoDistrict, i);
      OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      OGRGeometryH g = to_ogr (w, d->geometry);

      if (g == NULL)
        {
          OGR_F_Destroy (feature);
          return gdal_failed (w, "districts", error);
        }
      OGR_F_SetFieldInteger (feature, 0, (int) d->id);
      OGR_F_SetFieldString (feature, 1, d->name);
      OGR_F_SetFieldString (feature, 2, d->code);
      OGR_F_SetFieldDouble (feature, 3, d->area / 1e6);
      for (guint y = 0; y < QRT_DEMO_N_YEARS; y++)
        OGR_F_SetFieldInteger (feature, 4 + (int) y, (int) d->population[y]);
      {
        const gint64 *base = d->by_age[QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR];

        /* Groups 0-5, 6-17, …, 65-79, 80+ in _qrt_demo_age_groups order. */
        OGR_F_SetFieldInteger (feature, 4 + QRT_DEMO_N_YEARS, (int) base[0]);
        OGR_F_SetFieldInteger (feature, 5 + QRT_DEMO_N_YEARS, (int) base[1]);
        OGR_F_SetFieldInteger (feature, 6 + QRT_DEMO_N_YEARS, (int) (base[5] + base[6]));
      }
      if (!commit_feature (w, layer, feature, OGR_G_ForceToMultiPolygon (g), error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_district_population (Writer  *w,
                           GError **error)
{
  OGRLayerH layer = create_layer (w, "district_population", wkbNone, error);

  if (layer == NULL
      || !add_fields (w, layer, error, "district_id", OFTInteger, "year", OFTInteger,
                      "age_group", OFTString, "residents", OFTInteger, "kind", OFTString, NULL))
    return FALSE;

  for (guint i = 0; i < w->town->districts->len; i++)
    {
      const QrtDemoDistrict *d = &g_array_index (w->town->districts, QrtDemoDistrict, i);

      for (guint y = 0; y < QRT_DEMO_N_YEARS; y++)
        for (guint g = 0; g < QRT_DEMO_N_AGE_GROUPS; g++)
          {
            OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
            int year = QRT_DEMO_FIRST_YEAR + (int) y;

            OGR_F_SetFieldInteger (feature, 0, (int) d->id);
            OGR_F_SetFieldInteger (feature, 1, year);
            OGR_F_SetFieldString (feature, 2, _qrt_demo_age_groups[g]);
            OGR_F_SetFieldInteger (feature, 3, (int) d->by_age[y][g]);
            OGR_F_SetFieldString (feature, 4, year <= QRT_DEMO_BASE_YEAR ? "history" : "forecast");
            if (!commit_feature (w, layer, feature, NULL, error))
              return FALSE;
          }
    }

  return TRUE;
}

static gboolean
write_water (Writer  *w,
             GError **error)
{
  OGRLayerH layer = create_layer (w, "water", wkbPolygon, error);

  if (layer == NULL || !add_fields (w, layer, error, "name", OFTString, NULL))
    return FALSE;

  return write_polygons (w, layer, w->town->water, 0, "Muster", error);
}

static gboolean
write_waterways (Writer  *w,
                 GError **error)
{
  OGRLayerH layer = create_layer (w, "waterways", wkbMultiLineString, error);

  if (layer == NULL || !add_fields (w, layer, error, "name", OFTString, NULL))
    return FALSE;

  for (guint i = 0; i < w->town->waterways->len; i++)
    {
      const QrtDemoNamedLine *line = g_ptr_array_index (w->town->waterways, i);
      OGRFeatureH feature;
      OGRGeometryH g;

      if (GEOSisEmpty_r (w->town->ctx, line->geometry))
        continue;
      feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      g = to_ogr (w, line->geometry);
      if (g == NULL)
        {
          OGR_F_Destroy (feature);
          return gdal_failed (w, "waterways", error);
        }
      OGR_F_SetFieldString (feature, 0, line->name);
      if (!commit_feature (w, layer, feature, OGR_G_ForceToMultiLineString (g), error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_flood (Writer  *w,
             GError **error)
{
  OGRLayerH layer = create_layer (w, "flood_hq100", wkbPolygon, error);
  GEOSContextHandle_t ctx = w->town->ctx;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  gboolean ok = TRUE;

  if (layer == NULL || !add_fields (w, layer, error, "return_period", OFTInteger, NULL))
    return FALSE;

  _qrt_demo_geos_split_polygons (ctx, w->town->flood, 0.0, parts);
  for (guint i = 0; i < parts->len; i++)
    {
      if (ok)
        {
          OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
          OGRGeometryH g = to_ogr (w, g_ptr_array_index (parts, i));

          OGR_F_SetFieldInteger (feature, 0, 100);
          ok = g != NULL ? commit_feature (w, layer, feature, g, error)
                         : (OGR_F_Destroy (feature), gdal_failed (w, "flood_hq100", error));
        }
      GEOSGeom_destroy_r (ctx, g_ptr_array_index (parts, i));
    }

  return ok;
}

static gboolean
write_heavy_rain (Writer  *w,
                  GError **error)
{
  static const struct
  {
    const char *label;
    double      min;
    double      max;      /* < 0: open-ended */
  } classes[QRT_DEMO_N_RAIN_CLASSES] = {
    { "0.10-0.30 m", 0.10, 0.30 },
    { "0.30-0.50 m", 0.30, 0.50 },
    { "0.50-1.00 m", 0.50, 1.00 },
    { "> 1.00 m", 1.00, -1.0 },
  };
  OGRLayerH layer = create_layer (w, "heavy_rain", wkbPolygon, error);
  GEOSContextHandle_t ctx = w->town->ctx;

  if (layer == NULL
      || !add_fields (w, layer, error, "depth_class", OFTString, "min_depth_m", OFTReal,
                      "max_depth_m", OFTReal, NULL))
    return FALSE;

  for (guint k = 0; k < QRT_DEMO_N_RAIN_CLASSES; k++)
    {
      g_autoptr(GPtrArray) parts = g_ptr_array_new ();
      gboolean ok = TRUE;

      _qrt_demo_geos_split_polygons (ctx, w->town->rain[k], 0.0, parts);
      for (guint i = 0; i < parts->len; i++)
        {
          if (ok)
            {
              OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
              OGRGeometryH g = to_ogr (w, g_ptr_array_index (parts, i));

              OGR_F_SetFieldString (feature, 0, classes[k].label);
              OGR_F_SetFieldDouble (feature, 1, classes[k].min);
              /* The deepest class has no upper bound: NULL, not a made-up number. */
              if (classes[k].max >= 0)
                OGR_F_SetFieldDouble (feature, 2, classes[k].max);
              else
                OGR_F_SetFieldNull (feature, 2);
              ok = g != NULL ? commit_feature (w, layer, feature, g, error)
                             : (OGR_F_Destroy (feature), gdal_failed (w, "heavy_rain", error));
            }
          GEOSGeom_destroy_r (ctx, g_ptr_array_index (parts, i));
        }
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_streets (Writer  *w,
               GError **error)
{
  OGRLayerH layer = create_layer (w, "streets", wkbLineString, error);

  if (layer == NULL
      || !add_fields (w, layer, error, "name", OFTString, "class", OFTString, NULL))
    return FALSE;

  for (guint i = 0; i < w->town->streets->len; i++)
    {
      const QrtDemoStreet *street = &g_array_index (w->town->streets, QrtDemoStreet, i);
      OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      OGRGeometryH g = OGR_G_CreateGeometry (wkbLineString);

      for (guint k = 0; k < street->points->len; k++)
        {
          const QrtDemoXY *p = &g_array_index (street->points, QrtDemoXY, k);

          OGR_G_AddPoint_2D (g, p->x, p->y);
        }
      OGR_F_SetFieldString (feature, 0, street->name);
      OGR_F_SetFieldString (feature, 1, _qrt_demo_street_class_names[street->klass]);
      if (!commit_feature (w, layer, feature, g, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_buildings (Writer  *w,
                 GError **error)
{
  OGRLayerH layer = create_layer (w, "buildings", wkbPolygon, error);
  GArray *buildings = w->town->buildings;

  if (layer == NULL
      || !add_fields (w, layer, error, "building_id", OFTInteger, "use", OFTString,
                      "floors", OFTInteger, "dwellings", OFTInteger, "residents", OFTInteger,
                      "year_built", OFTInteger, "district_id", OFTInteger, NULL))
    return FALSE;

  for (guint i = 0; i < buildings->len; i++)
    {
      const QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);
      const QrtDemoDistrict *d = &g_array_index (w->town->districts, QrtDemoDistrict, b->district);
      OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      OGRGeometryH polygon = OGR_G_CreateGeometry (wkbPolygon);
      OGRGeometryH ring = OGR_G_CreateGeometry (wkbLinearRing);

      for (guint k = 0; k <= b->n_points; k++)
        OGR_G_AddPoint_2D (ring, b->x[k % b->n_points], b->y[k % b->n_points]);
      OGR_G_AddGeometryDirectly (polygon, ring);

      OGR_F_SetFieldInteger (feature, 0, (int) i + 1);
      OGR_F_SetFieldString (feature, 1, _qrt_demo_use_names[b->use]);
      OGR_F_SetFieldInteger (feature, 2, b->floors);
      OGR_F_SetFieldInteger (feature, 3, b->dwellings);
      OGR_F_SetFieldInteger (feature, 4, b->residents);
      OGR_F_SetFieldInteger (feature, 5, b->year_built);
      OGR_F_SetFieldInteger (feature, 6, (int) d->id);
      if (!commit_feature (w, layer, feature, polygon, error))
        return FALSE;

      if (i % 10000 == 9999 && cancelled (w, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_landcover (Writer  *w,
                 GError **error)
{
  OGRLayerH layer = create_layer (w, "landcover", wkbPolygon, error);

  if (layer == NULL || !add_fields (w, layer, error, "class", OFTString, NULL))
    return FALSE;

  for (guint k = 0; k < QRT_DEMO_N_LANDCOVER; k++)
    if (!write_polygons (w, layer, w->town->landcover[k], 0, _qrt_demo_landcover_names[k], error))
      return FALSE;

  return TRUE;
}

static gboolean
write_parks (Writer  *w,
             GError **error)
{
  OGRLayerH layer = create_layer (w, "parks", wkbPolygon, error);

  if (layer == NULL || !add_fields (w, layer, error, "name", OFTString, NULL))
    return FALSE;

  for (guint i = 0; i < w->town->parks->len; i++)
    {
      const QrtDemoNamedArea *park = g_ptr_array_index (w->town->parks, i);
      OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      OGRGeometryH g = to_ogr (w, park->geometry);

      if (g == NULL)
        {
          OGR_F_Destroy (feature);
          return gdal_failed (w, "parks", error);
        }
      OGR_F_SetFieldString (feature, 0, park->name);
      if (!commit_feature (w, layer, feature, g, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_trees (Writer  *w,
             GError **error)
{
  OGRLayerH layer = create_layer (w, "trees", wkbPoint, error);

  if (layer == NULL
      || !add_fields (w, layer, error, "species", OFTString, "planted", OFTInteger, NULL))
    return FALSE;

  for (guint i = 0; i < w->town->trees->len; i++)
    {
      const QrtDemoTree *tree = &g_array_index (w->town->trees, QrtDemoTree, i);
      OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      OGRGeometryH g = OGR_G_CreateGeometry (wkbPoint);

      OGR_G_SetPoint_2D (g, 0, tree->x, tree->y);
      OGR_F_SetFieldString (feature, 0, tree->species);
      OGR_F_SetFieldInteger (feature, 1, tree->planted);
      if (!commit_feature (w, layer, feature, g, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_facilities (Writer     *w,
                  const char *name,
                  GArray     *facilities,
                  gboolean    with_type,
                  GError    **error)
{
  OGRLayerH layer = create_layer (w, name, wkbPoint, error);
  gboolean ok;

  if (layer == NULL)
    return FALSE;
  ok = with_type
       ? add_fields (w, layer, error, "name", OFTString, "type", OFTString,
                     "capacity", OFTInteger, NULL)
       : add_fields (w, layer, error, "name", OFTString, "capacity", OFTInteger, NULL);
  if (!ok)
    return FALSE;

  for (guint i = 0; i < facilities->len; i++)
    {
      const QrtDemoFacility *f = &g_array_index (facilities, QrtDemoFacility, i);
      OGRFeatureH feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      OGRGeometryH g = OGR_G_CreateGeometry (wkbPoint);
      int field = 0;

      OGR_G_SetPoint_2D (g, 0, f->x, f->y);
      OGR_F_SetFieldString (feature, field++, f->name);
      if (with_type)
        OGR_F_SetFieldString (feature, field++, f->type);
      OGR_F_SetFieldInteger (feature, field, f->capacity);
      if (!commit_feature (w, layer, feature, g, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
write_schools (Writer  *w,
               GError **error)
{
  return write_facilities (w, "schools", w->town->schools, TRUE, error);
}

static gboolean
write_daycare (Writer  *w,
               GError **error)
{
  return write_facilities (w, "daycare", w->town->daycare, FALSE, error);
}

/* --- project tables --------------------------------------------------------------------------- */

static QrtColor
rgba (double r,
      double g,
      double b,
      double a)
{
  QrtColor color = { r, g, b, a };

  return color;
}

static void
add_class (QrtStyle   *style,
           const char *value,
           const char *label,
           QrtColor    colour)
{
  QrtStyleClass *klass = &style->classes[style->n_classes++];

  g_assert (style->n_classes <= QRT_STYLE_MAX_CLASSES);
  klass->colour = colour;
  g_strlcpy (klass->value, value, sizeof klass->value);
  qrt_style_class_set_label (klass, label);
}

/* A class of a demo style: the value, its name in the legend (to translate) and colour. */
typedef struct
{
  const char *value;
  const char *label;
  QrtColor    colour;
} DemoClass;

static const DemoClass land_cover[] = {
  /* TRANSLATORS: a class of land cover, as the map's legend names it */
  { "sealed", NC_("land cover", "Sealed"), { 0.86, 0.84, 0.81, 1.0 } },
  /* TRANSLATORS: a class of land cover, as the map's legend names it */
  { "public_green", NC_("land cover", "Public green space"), { 0.74, 0.86, 0.64, 1.0 } },
  /* TRANSLATORS: a class of land cover, as the map's legend names it */
  { "private_green", NC_("land cover", "Private green space"), { 0.88, 0.92, 0.80, 1.0 } },
  /* TRANSLATORS: a class of land cover, as the map's legend names it */
  { "forest", NC_("land cover", "Forest"), { 0.67, 0.79, 0.59, 1.0 } },
  /* TRANSLATORS: a class of land cover, as the map's legend names it */
  { "water", NC_("land cover", "Water"), { 0.67, 0.80, 0.91, 1.0 } },
  /* TRANSLATORS: a class of land cover, as the map's legend names it */
  { "agriculture", NC_("land cover", "Farmland"), { 0.95, 0.93, 0.80, 1.0 } },
};

static const DemoClass rain_depths[] = {
  /* TRANSLATORS: a class of water depth in a heavy rain, as the map's legend names it */
  { "0.10-0.30 m", N_("0.10 to 0.30 m deep"), { 0.62, 0.79, 0.93, 0.55 } },
  /* TRANSLATORS: a class of water depth in a heavy rain, as the map's legend names it */
  { "0.30-0.50 m", N_("0.30 to 0.50 m deep"), { 0.38, 0.62, 0.87, 0.60 } },
  /* TRANSLATORS: a class of water depth in a heavy rain, as the map's legend names it */
  { "0.50-1.00 m", N_("0.50 to 1.00 m deep"), { 0.20, 0.45, 0.78, 0.65 } },
  /* TRANSLATORS: a class of water depth in a heavy rain, as the map's legend names it */
  { "> 1.00 m", N_("More than 1.00 m deep"), { 0.10, 0.27, 0.60, 0.70 } },
};

/* Calm defaults a planner can present as they are: light land cover underneath, muted
 * colours, hazards hidden until asked for, small things only when zoomed in. */
static void
default_style (const char *layer,
               QrtStyle   *style)
{
  const QrtColor none = rgba (0, 0, 0, 0);
  const QrtColor white = rgba (1, 1, 1, 1);

  *style = (QrtStyle) {
    .fill = none,
    .stroke = none,
    .opacity = 1.0,
    .visible = TRUE,
  };

  if (g_str_equal (layer, "landcover"))
    {
      style->fill = rgba (0.91, 0.92, 0.85, 1.0);
      style->mode = QRT_STYLE_CATEGORIZED;
      g_strlcpy (style->field, "class", sizeof style->field);
      for (guint i = 0; i < G_N_ELEMENTS (land_cover); i++)
        add_class (style, land_cover[i].value,
                   g_dpgettext2 (GETTEXT_PACKAGE, "land cover", land_cover[i].label),
                   land_cover[i].colour);
    }
  else if (g_str_equal (layer, "parks"))
    {
      style->fill = rgba (0.74, 0.85, 0.64, 1.0);
      style->stroke = rgba (0.56, 0.73, 0.47, 1.0);
      style->stroke_width = 0.8;
    }
  else if (g_str_equal (layer, "water"))
    {
      style->fill = rgba (0.67, 0.80, 0.91, 1.0);
      style->stroke = rgba (0.50, 0.69, 0.85, 1.0);
      style->stroke_width = 0.8;
    }
  else if (g_str_equal (layer, "heavy_rain"))
    {
      style->fill = rgba (0.23, 0.48, 0.84, 0.35);
      style->stroke = rgba (0.17, 0.37, 0.66, 0.5);
      style->stroke_width = 0.5;
      style->visible = FALSE;
      style->mode = QRT_STYLE_CATEGORIZED;
      g_strlcpy (style->field, "depth_class", sizeof style->field);
      for (guint i = 0; i < G_N_ELEMENTS (rain_depths); i++)
        add_class (style, rain_depths[i].value, _(rain_depths[i].label), rain_depths[i].colour);
    }
  else if (g_str_equal (layer, "flood_hq100"))
    {
      style->fill = rgba (0.36, 0.56, 0.85, 0.25);
      style->stroke = rgba (0.24, 0.44, 0.72, 0.7);
      style->stroke_width = 1.0;
      style->visible = FALSE;
    }
  else if (g_str_equal (layer, "waterways"))
    {
      style->stroke = rgba (0.36, 0.61, 0.84, 1.0);
      style->stroke_width = 2.0;
    }
  else if (g_str_equal (layer, "streets"))
    {
      style->fill = rgba (0.72, 0.72, 0.72, 1.0);
      style->stroke = rgba (0.99, 0.99, 0.97, 1.0);
      style->stroke_width = 2.5;
      style->min_zoom = 11;
    }
  else if (g_str_equal (layer, "buildings"))
    {
      style->fill = rgba (0.79, 0.75, 0.70, 1.0);
      style->stroke = rgba (0.66, 0.62, 0.57, 1.0);
      style->stroke_width = 0.5;
      /* No minimum zoom: at town scale buildings become dots that show the settlement. */
      style->min_zoom = 0;
    }
  else if (g_str_equal (layer, "trees"))
    {
      style->fill = rgba (0.35, 0.60, 0.29, 0.9);
      style->stroke = rgba (0.25, 0.48, 0.21, 1.0);
      style->stroke_width = 0.5;
      style->point_radius = 2.5;
      style->min_zoom = 15;
    }
  else if (g_str_equal (layer, "districts"))
    {
      style->stroke = rgba (0.29, 0.25, 0.39, 1.0);
      style->stroke_width = 1.5;
      g_strlcpy (style->label_field, "name", sizeof style->label_field);
    }
  else if (g_str_equal (layer, "schools"))
    {
      style->fill = rgba (0.85, 0.51, 0.17, 1.0);
      style->stroke = white;
      style->stroke_width = 1.0;
      style->point_radius = 5.0;
      style->min_zoom = 11;
    }
  else if (g_str_equal (layer, "daycare"))
    {
      style->fill = rgba (0.71, 0.37, 0.62, 1.0);
      style->stroke = white;
      style->stroke_width = 1.0;
      style->point_radius = 4.0;
      style->min_zoom = 12;
    }
  else if (g_str_equal (layer, "town"))
    {
      /* The districts draw the outline already. */
      style->stroke = rgba (0.23, 0.20, 0.28, 1.0);
      style->stroke_width = 2.5;
      style->visible = FALSE;
    }
}

typedef struct
{
  const char *name;
  const char *title;
} LayerInfo;

/* Drawing order, bottom first. The outline and the population table come last: the first
 * is hidden (the districts show it), the second has no geometry and so no style. */
static const LayerInfo layer_infos[] = {
  { "landcover", N_("Land cover") },
  { "parks", N_("Parks") },
  { "water", N_("Water bodies") },
  { "heavy_rain", N_("Heavy rain hazard") },
  { "flood_hq100", N_("Flood zone HQ100") },
  { "waterways", N_("Rivers and brooks") },
  { "streets", N_("Streets") },
  { "buildings", N_("Buildings") },
  { "trees", N_("Trees") },
  { "districts", N_("Districts") },
  { "schools", N_("Schools") },
  { "daycare", N_("Day care centres") },
  { "town", N_("Municipal boundary") },
  { "district_population", N_("Population by district and age") },
};

static gboolean
write_project_tables (Writer  *w,
                      GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *imported_at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, w->town->seed);
  const struct
  {
    const char *key;
    const char *value;
  } metadata[] = {
    { "title", _("Musterstadt (Demo)") },
    { "synthetic", "true" },
    { "description", _("Synthetic demo data for trying out Quartier. Musterstadt is not a real "
                       "place; its districts, buildings, population and hazard zones are "
                       "generated and must not be used for planning.") },
    { "crs", "EPSG:25832" },
    { "seed", seed },
    { "generator", DEMO_GENERATOR },
    { "licence", DEMO_LICENCE },
  };

  if (!qrt_project_schema_create (w->dataset, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (metadata); i++)
    if (!qrt_project_schema_set_metadata (w->dataset, metadata[i].key, metadata[i].value, error))
      return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (layer_infos); i++)
    {
      const LayerInfo *info = &layer_infos[i];
      OGRLayerH layer = GDALDatasetGetLayerByName (w->dataset, info->name);
      QrtStyle style;
      QrtLayerSource source = {
        .layer_name = info->name,
        .title = _(info->title),
        .position = (int) i,
        .source = _("Quartier demo generator (synthetic)"),
        .licence = DEMO_LICENCE,
        .attribution = _("Synthetic demo data – not a real place"),
        .imported_at = imported_at,
        .feature_count = layer != NULL ? OGR_L_GetFeatureCount (layer, TRUE) : 0,
        .repaired_count = 0,
      };

      if (!qrt_project_schema_add_source (w->dataset, &source, error))
        return FALSE;
      if (layer == NULL || OGR_L_GetGeomType (layer) == wkbNone)
        continue;
      default_style (info->name, &style);
      if (!qrt_project_schema_set_style (w->dataset, info->name, &style, error))
        return FALSE;
    }

  return TRUE;
}

/* --- driving it ------------------------------------------------------------------------------- */

typedef gboolean (*LayerFunc) (Writer *w, GError **error);

static gboolean
write_all (Writer  *w,
           GError **error)
{
  static const LayerFunc layers[] = {
    write_town, write_districts, write_district_population, write_water, write_waterways,
    write_flood, write_heavy_rain, write_streets, write_buildings, write_landcover,
    write_parks, write_trees, write_schools, write_daycare,
  };
  GDALDriverH driver = GDALGetDriverByName ("GPKG");
  double start = w->done;

  if (driver == NULL)
    {
      g_set_error (error, QRT_DEMO_ERROR, QRT_DEMO_ERROR_FAILED,
                   _("GDAL has no GeoPackage driver; the demo cannot be written"));
      return FALSE;
    }

  CPLErrorReset ();
  w->dataset = GDALCreate (driver, w->path, 0, 0, 0, GDT_Unknown, NULL);
  if (w->dataset == NULL)
    return dataset_failed (w, error);

  if (GDALDatasetStartTransaction (w->dataset, FALSE) != OGRERR_NONE)
    return dataset_failed (w, error);

  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      if (cancelled (w, error) || !layers[i] (w, error))
        return FALSE;
      report (w, start + (0.97 - start) * (i + 1) / G_N_ELEMENTS (layers));
    }

  if (cancelled (w, error) || !write_project_tables (w, error))
    return FALSE;

  /* Builds the deferred spatial indexes now, inside the transaction (see the top). */
  for (int i = 0; i < GDALDatasetGetLayerCount (w->dataset); i++)
    {
      OGRLayerH layer = GDALDatasetGetLayer (w->dataset, i);

      CPLErrorReset ();
      if (OGR_L_SyncToDisk (layer) != OGRERR_NONE)
        return gdal_failed (w, OGR_L_GetName (layer), error);
    }

  CPLErrorReset ();
  if (GDALDatasetCommitTransaction (w->dataset) != OGRERR_NONE)
    return dataset_failed (w, error);

  return TRUE;
}

static void
remove_with_sidecars (const char *path)
{
  static const char * const suffixes[] = { "", "-journal", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

/**
 * qrt_demo_write:
 * @path: where to write the GeoPackage; replaced atomically if it exists
 * @seed: the town to build; the same seed gives the same features
 * @progress: (nullable): called from this thread with the fraction done
 * @progress_data: closure for @progress
 * @cancellable: (nullable): checked between steps
 * @error: return location for a #GError
 *
 * Generates Musterstadt, a fictional town in the Sauerland (EPSG:25832), and writes it as a
 * GeoPackage project. Blocks for a few seconds: call it from a worker thread. On error or
 * cancellation (%G_IO_ERROR_CANCELLED) @path is left untouched and no temporary file stays
 * behind.
 *
 * Returns: %TRUE on success
 */
gboolean
qrt_demo_write (const char      *path,
                guint64          seed,
                QrtProgressFunc  progress,
                gpointer         progress_data,
                GCancellable    *cancellable,
                GError         **error)
{
  g_autoptr(QrtDemoTown) town = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_dir = NULL;
  g_autofree char *tmp_path = NULL;
  Writer w = { NULL, };
  const QrtDemoStep *steps;
  guint n_steps;
  double total_weight = 0.0, weight_done = 0.0;
  gboolean ok = TRUE;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  qrt_core_init ();

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* Build in a private directory beside the target: on the same file system, so the final
   * rename is atomic, and ours alone (GDAL's GPKG driver will not create over an existing
   * file, so a reserved temporary file name would not do). */
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmp_dir = g_strdup_printf ("%s%c.%s-XXXXXX", dir, G_DIR_SEPARATOR, base);
  if (g_mkdtemp_full (tmp_dir, 0700) == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create a file in “%s”: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  tmp_path = g_build_filename (tmp_dir, base, NULL);

  town = _qrt_demo_town_new (seed);
  town->cancellable = cancellable;
  w.town = town;
  w.path = tmp_path;
  w.target = path;
  w.progress = progress;
  w.progress_data = progress_data;
  w.cancellable = cancellable;
  report (&w, 0.0);

  steps = _qrt_demo_town_get_steps (&n_steps);
  for (guint i = 0; i < n_steps; i++)
    total_weight += steps[i].weight;

  for (guint i = 0; ok && i < n_steps; i++)
    {
      gint64 started = g_get_monotonic_time ();

      ok = !g_cancellable_set_error_if_cancelled (cancellable, error)
           && steps[i].func (town, error);
      g_debug ("demo: %s took %.0f ms", steps[i].name,
               (g_get_monotonic_time () - started) / 1000.0);
      weight_done += steps[i].weight;
      report (&w, COMPUTE_SHARE * weight_done / total_weight);
    }

  if (ok)
    {
      gint64 started = g_get_monotonic_time ();

      w.srs = OSRNewSpatialReference (NULL);
      w.wkb_writer = GEOSWKBWriter_create_r (town->ctx);
      CPLErrorReset ();
      if (OSRImportFromEPSG (w.srs, DEMO_EPSG) != OGRERR_NONE)
        ok = dataset_failed (&w, error);
      else
        {
          OSRSetAxisMappingStrategy (w.srs, OAMS_TRADITIONAL_GIS_ORDER);
          ok = write_all (&w, error);
        }
      g_debug ("demo: writing took %.0f ms", (g_get_monotonic_time () - started) / 1000.0);
    }

  if (w.dataset != NULL)
    {
      /* A failed run: drop the transaction before closing; the file goes anyway. */
      if (!ok)
        GDALDatasetRollbackTransaction (w.dataset);
      GDALClose (w.dataset);
    }
  if (w.wkb_writer != NULL)
    GEOSWKBWriter_destroy_r (town->ctx, w.wkb_writer);
  if (w.srs != NULL)
    OSRDestroySpatialReference (w.srs);

  if (ok && g_rename (tmp_path, path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not move the demo file into place at “%s”: %s"),
                   path, g_strerror (saved));
      ok = FALSE;
    }

  remove_with_sidecars (tmp_path);
  g_rmdir (tmp_dir);
  if (!ok)
    return FALSE;

  report (&w, 1.0);
  return TRUE;
}

/**
 * qrt_demo_get_default_path:
 *
 * Returns: (transfer full): where the demo project lives,
 *   `$XDG_DATA_HOME/quartier/musterstadt-demo.gpkg`
 */
char *
qrt_demo_get_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "quartier", "musterstadt-demo.gpkg", NULL);
}

/* A demo file of ours that GDAL opens as a GeoPackage with districts in it. */
static gboolean
demo_file_usable (const char *path)
{
  const char *const drivers[] = { "GPKG", NULL };
  GDALDatasetH dataset;
  gboolean usable;

  dataset = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
  if (dataset == NULL)
    return FALSE;

  usable = GDALDatasetGetLayerByName (dataset, "districts") != NULL
        && GDALDatasetGetLayerByName (dataset, "buildings") != NULL;
  GDALClose (dataset);

  return usable;
}

/**
 * qrt_demo_ensure_default:
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns the default demo project's path, generating the file first (with
 * %QRT_DEMO_DEFAULT_SEED) if it is missing or not a usable GeoPackage. May block for a few
 * seconds: call it from a worker thread.
 *
 * Returns: (transfer full) (nullable): the path, or %NULL with @error set
 */
char *
qrt_demo_ensure_default (GCancellable  *cancellable,
                         GError       **error)
{
  g_autofree char *path = qrt_demo_get_default_path ();
  g_autofree char *dir = g_path_get_dirname (path);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  qrt_core_init ();

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && demo_file_usable (path))
    return g_steal_pointer (&path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the folder “%s”: %s"), dir, g_strerror (saved));
      return NULL;
    }

  if (!qrt_demo_write (path, QRT_DEMO_DEFAULT_SEED, NULL, NULL, cancellable, error))
    return NULL;

  return g_steal_pointer (&path);
}
