/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "draw/qrt-style.h"
#include "model/qrt-layer.h"
#include "project/qrt-gdal-private.h"
#include "project/qrt-project-schema.h"
#include "qrt-import.h"

#include <cpl_string.h>
#include <cpl_vsi.h>

G_DEFINE_QUARK (qrt-import-error-quark, qrt_import_error)

/* Formats planners get handed, and nothing else: GDAL has drivers for far more, some of which
 * reach out to the network or run external programs. */
static const char * const allowed_drivers[] = {
  "GPKG", "GeoJSON", "GeoJSONSeq", "ESRI Shapefile", "CSV", "FlatGeobuf", "KML", "LIBKML", "GML",
  NULL
};

/* Coordinates beyond this many metres or degrees are garbage, not geography. */
#define MAX_COORDINATE 1e8

void
qrt_import_result_clear (QrtImportResult *result)
{
  g_clear_pointer (&result->layer_name, g_free);
  memset (result, 0, sizeof *result);
}

/* A zip is read in place through GDAL's zip file system. Portals often put the data in a
 * folder inside the zip, where GDAL does not look by itself: take the first file of a format
 * Quartier reads, shapefiles first. */
static char *
source_open_path (const char *source)
{
  static const char * const preferred[] = {
    ".shp", ".gpkg", ".geojson", ".json", ".fgb", ".kml", ".gml", ".csv",
  };
  g_autofree char *root = NULL;
  char **entries;
  char *found = NULL;

  if (!g_str_has_suffix (source, ".zip") && !g_str_has_suffix (source, ".ZIP"))
    return g_strdup (source);

  root = g_strconcat ("/vsizip/", source, NULL);
  entries = VSIReadDirRecursive (root);
  for (guint p = 0; found == NULL && p < G_N_ELEMENTS (preferred); p++)
    for (int i = 0; found == NULL && entries != NULL && entries[i] != NULL; i++)
      {
        g_autofree char *lower = g_ascii_strdown (entries[i], -1);

        if (g_str_has_suffix (lower, preferred[p]) && !strstr (lower, "__macosx"))
          found = g_strconcat (root, "/", entries[i], NULL);
      }
  CSLDestroy (entries);
  return found != NULL ? found : g_steal_pointer (&root);
}

static gboolean
has_sibling (const char *source,
             const char *ext)
{
  g_autofree char *stem = g_strndup (source, strlen (source) - 4);
  g_autofree char *lower = g_strconcat (stem, ".", ext, NULL);
  g_autofree char *upper_ext = g_ascii_strup (ext, -1);
  g_autofree char *upper = g_strconcat (stem, ".", upper_ext, NULL);

  return g_file_test (lower, G_FILE_TEST_EXISTS) || g_file_test (upper, G_FILE_TEST_EXISTS);
}

/* A shapefile is three files at least. GDAL would read one without its .dbf (losing every
 * attribute) or rebuild a missing .shx on request; a planner should hear about both. */
static gboolean
check_shapefile_parts (const char  *source,
                       const char  *name,
                       GError     **error)
{
  if (!g_str_has_suffix (source, ".shp") && !g_str_has_suffix (source, ".SHP"))
    return TRUE;

  if (!has_sibling (source, "shx"))
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_UNSUPPORTED,
                   _("The shapefile “%s” is incomplete: its .shx file is missing."), name);
      return FALSE;
    }
  if (!has_sibling (source, "dbf"))
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_UNSUPPORTED,
                   _("The shapefile “%s” is incomplete: its .dbf file with the attributes is "
                     "missing."), name);
      return FALSE;
    }
  return TRUE;
}

static GDALDatasetH
open_source (const char  *source,
             GError     **error)
{
  g_autofree char *name = g_filename_display_basename (source);
  g_autofree char *path = NULL;
  const char *csv_options[] = {
    "GEOM_POSSIBLE_NAMES=wkt,geom,geometry,the_geom,geometrie",
    "X_POSSIBLE_NAMES=x,lon,lng,long,longitude,laenge,rechtswert,easting,ostwert",
    "Y_POSSIBLE_NAMES=y,lat,latitude,breite,hochwert,northing,nordwert",
    "KEEP_GEOM_COLUMNS=NO",
    "AUTODETECT_TYPE=YES",
    NULL
  };
  GDALDatasetH dataset;
  GStatBuf st;

  if (g_stat (source, &st) != 0)
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_NOT_FOUND,
                   _("The file “%s” does not exist."), name);
      return NULL;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_UNSUPPORTED,
                   _("The file “%s” is empty."), name);
      return NULL;
    }

  if (!check_shapefile_parts (source, name, error))
    return NULL;

  path = source_open_path (source);
  CPLErrorReset ();
  dataset = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY,
                        (const char * const *) allowed_drivers,
                        g_str_has_suffix (source, ".csv") || g_str_has_suffix (source, ".CSV")
                          ? csv_options : NULL,
                        NULL);
  if (dataset == NULL)
    {
      g_debug ("GDAL cannot open %s: %s", source, qrt_gdal_last_error ());
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_UNSUPPORTED,
                   _("“%s” is not a vector data file Quartier can read (GeoPackage, GeoJSON, "
                     "Shapefile, CSV, FlatGeobuf, KML or GML), or it is damaged."),
                   name);
    }
  return dataset;
}

static OGRLayerH
pick_layer (GDALDatasetH   dataset,
            const char    *wanted,
            const char    *display,
            GError       **error)
{
  int n = GDALDatasetGetLayerCount (dataset);

  if (wanted != NULL)
    {
      OGRLayerH layer = GDALDatasetGetLayerByName (dataset, wanted);

      if (layer == NULL || qrt_ogr_layer_kind (layer) == QRT_GEOMETRY_NONE)
        {
          g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_NO_LAYER,
                       _("“%s” has no map layer called “%s”."), display, wanted);
          return NULL;
        }
      return layer;
    }

  for (int i = 0; i < n; i++)
    {
      OGRLayerH layer = GDALDatasetGetLayer (dataset, i);

      if (layer != NULL && !g_str_has_prefix (OGR_L_GetName (layer), "qrt_") &&
          qrt_ogr_layer_kind (layer) != QRT_GEOMETRY_NONE)
        return layer;
    }

  g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_NO_LAYER,
               _("“%s” contains no features with geometries."), display);
  return NULL;
}

/* A table name SQLite and QGIS take without quoting: lower-case ASCII, digits, underscores. */
static char *
sanitize_name (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");
  GString *out = g_string_new (NULL);

  for (const char *c = ascii; *c; c++)
    {
      if (g_ascii_isalnum (*c))
        g_string_append_c (out, g_ascii_tolower (*c));
      else if (out->len > 0 && out->str[out->len - 1] != '_')
        g_string_append_c (out, '_');
    }
  while (out->len > 0 && out->str[out->len - 1] == '_')
    g_string_truncate (out, out->len - 1);
  if (out->len == 0 || g_ascii_isdigit (out->str[0]))
    g_string_prepend (out, "layer_");
  if (g_str_has_prefix (out->str, "qrt_") || g_str_has_prefix (out->str, "gpkg_") ||
      g_str_has_prefix (out->str, "rtree_") || g_str_has_prefix (out->str, "sqlite_"))
    g_string_prepend (out, "l_");
  return g_string_free (out, FALSE);
}

static char *
unique_name (GDALDatasetH  project,
             const char   *base)
{
  char *name = g_strdup (base);

  for (int i = 2; GDALDatasetGetLayerByName (project, name) != NULL; i++)
    {
      g_free (name);
      name = g_strdup_printf ("%s_%d", base, i);
    }
  return name;
}

static gboolean
envelope_is_sane (OGRGeometryH geometry)
{
  OGREnvelope env;

  OGR_G_GetEnvelope (geometry, &env);
  return isfinite (env.MinX) && isfinite (env.MaxX) && isfinite (env.MinY) &&
         isfinite (env.MaxY) && fabs (env.MinX) < MAX_COORDINATE &&
         fabs (env.MaxX) < MAX_COORDINATE && fabs (env.MinY) < MAX_COORDINATE &&
         fabs (env.MaxY) < MAX_COORDINATE;
}

/* The parts of @geometry of @kind, as one multi geometry (or NULL if there are none). MakeValid
 * can turn a bow-tie polygon into polygons plus stray lines; the layer keeps its kind. */
static OGRGeometryH
extract_kind (OGRGeometryH    geometry,
              QrtGeometryKind kind)
{
  OGRwkbGeometryType multi = kind == QRT_GEOMETRY_POINT ? wkbMultiPoint
                             : kind == QRT_GEOMETRY_LINE ? wkbMultiLineString
                             : wkbMultiPolygon;
  OGRwkbGeometryType type = wkbFlatten (OGR_G_GetGeometryType (geometry));
  OGRGeometryH out;

  if (OGR_G_HasCurveGeometry (geometry, TRUE))
    {
      OGRGeometryH linear = OGR_G_GetLinearGeometry (geometry, 0, NULL);
      OGRGeometryH result = linear ? extract_kind (linear, kind) : NULL;

      OGR_G_DestroyGeometry (linear);
      return result;
    }

  if (type == wkbGeometryCollection || type == wkbMultiPoint || type == wkbMultiLineString ||
      type == wkbMultiPolygon)
    {
      out = OGR_G_CreateGeometry (multi);
      for (int i = 0; i < OGR_G_GetGeometryCount (geometry); i++)
        {
          OGRGeometryH part = extract_kind (OGR_G_GetGeometryRef (geometry, i), kind);

          if (part == NULL)
            continue;
          for (int k = 0; k < OGR_G_GetGeometryCount (part); k++)
            OGR_G_AddGeometry (out, OGR_G_GetGeometryRef (part, k));
          OGR_G_DestroyGeometry (part);
        }
    }
  else if (qrt_geometry_kind_from_ogr (type) == kind)
    {
      out = OGR_G_CreateGeometry (multi);
      OGR_G_AddGeometry (out, geometry);
    }
  else
    return NULL;

  if (OGR_G_IsEmpty (out))
    {
      OGR_G_DestroyGeometry (out);
      return NULL;
    }
  return out;
}

typedef enum
{
  GEOMETRY_OK,
  GEOMETRY_REPAIRED,
  GEOMETRY_EMPTY,
  GEOMETRY_UNUSABLE,
} GeometryOutcome;

/* Turns the feature's geometry into a valid 2D multi geometry of @kind in the target CRS. */
static GeometryOutcome
prepare_geometry (OGRFeatureH                   feature,
                  QrtGeometryKind               kind,
                  OGRCoordinateTransformationH  ct,
                  OGRGeometryH                 *out)
{
  OGRGeometryH geometry = OGR_F_GetGeometryRef (feature);
  OGRGeometryH result;
  gboolean repaired = FALSE;

  *out = NULL;
  if (geometry == NULL || OGR_G_IsEmpty (geometry))
    return GEOMETRY_EMPTY;
  OGR_G_FlattenTo2D (geometry);
  if (!envelope_is_sane (geometry))
    return GEOMETRY_UNUSABLE;
  if (ct != NULL && OGR_G_Transform (geometry, ct) != OGRERR_NONE)
    return GEOMETRY_UNUSABLE;
  if (!envelope_is_sane (geometry))
    return GEOMETRY_UNUSABLE;

  result = extract_kind (geometry, kind);
  if (result == NULL)
    return GEOMETRY_EMPTY;

  if (kind != QRT_GEOMETRY_POINT && !OGR_G_IsValid (result))
    {
      OGRGeometryH valid = OGR_G_MakeValid (result);
      OGRGeometryH kept = valid ? extract_kind (valid, kind) : NULL;

      OGR_G_DestroyGeometry (valid);
      OGR_G_DestroyGeometry (result);
      if (kept == NULL || !OGR_G_IsValid (kept))
        {
          OGR_G_DestroyGeometry (kept);
          return GEOMETRY_UNUSABLE;
        }
      result = kept;
      repaired = TRUE;
    }

  *out = result;
  return repaired ? GEOMETRY_REPAIRED : GEOMETRY_OK;
}

static void
capture_crs_errors (CPLErr      level,
                    CPLErrorNum num,
                    const char *msg)
{
  gboolean *crs_unknown = CPLGetErrorHandlerUserData ();

  if (level >= CE_Failure && msg != NULL && strstr (msg, "PROJ") != NULL)
    *crs_unknown = TRUE;
  g_debug ("GDAL error %d while opening: %s", num, msg);
}

static OGRCoordinateTransformationH
make_transform (OGRLayerH        layer,
                gboolean         crs_unknown,
                int              source_epsg,
                int              target_epsg,
                const char      *display,
                GError         **error)
{
  g_auto(QrtOsrSrs) source = NULL;
  g_auto(QrtOsrSrs) target = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH ct;

  if (source_epsg > 0)
    {
      source = OSRNewSpatialReference (NULL);
      if (OSRImportFromEPSG (source, source_epsg) != OGRERR_NONE)
        {
          g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_BAD_CRS,
                       _("EPSG:%d is not a coordinate system Quartier knows."), source_epsg);
          return NULL;
        }
    }
  else if (OGR_L_GetSpatialRef (layer) != NULL && !crs_unknown)
    source = OSRClone (OGR_L_GetSpatialRef (layer));
  else
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_NO_CRS,
                   crs_unknown ? _("The coordinate system “%s” declares is unknown; choose one.")
                               : _("“%s” does not say which coordinate system it uses; choose one."),
                   display);
      return NULL;
    }

  OSRSetAxisMappingStrategy (source, OAMS_TRADITIONAL_GIS_ORDER);
  OSRImportFromEPSG (target, target_epsg);
  OSRSetAxisMappingStrategy (target, OAMS_TRADITIONAL_GIS_ORDER);
  CPLErrorReset ();
  ct = OCTNewCoordinateTransformation (source, target);
  if (ct == NULL)
    {
      g_debug ("No transformation for %s: %s", display, qrt_gdal_last_error ());
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_BAD_CRS,
                   _("The coordinate system of “%s” cannot be converted to EPSG:%d."),
                   display, target_epsg);
    }
  return ct;
}

static int
project_epsg (GDALDatasetH project)
{
  OGRLayerH table = GDALDatasetGetLayerByName (project, "qrt_project");
  OGRFeatureH feature;
  int epsg = QRT_EPSG_DEFAULT_ANALYSIS;

  if (table == NULL)
    return epsg;
  OGR_L_SetAttributeFilter (table, "key = 'crs'");
  OGR_L_ResetReading (table);
  feature = OGR_L_GetNextFeature (table);
  OGR_L_SetAttributeFilter (table, NULL);
  if (feature != NULL)
    {
      const char *crs = OGR_F_GetFieldAsString (feature, OGR_F_GetFieldIndex (feature, "value"));

      if (g_str_has_prefix (crs, "EPSG:") && atoi (crs + 5) > 0)
        epsg = atoi (crs + 5);
      OGR_F_Destroy (feature);
    }
  return epsg;
}

static int
next_position (GDALDatasetH project)
{
  OGRLayerH table = GDALDatasetGetLayerByName (project, "qrt_layer_sources");
  OGRFeatureH feature;
  int position = 0;

  if (table == NULL)
    return GDALDatasetGetLayerCount (project);
  OGR_L_ResetReading (table);
  while ((feature = OGR_L_GetNextFeature (table)) != NULL)
    {
      int i = OGR_F_GetFieldIndex (feature, "position");

      if (i >= 0 && OGR_F_IsFieldSetAndNotNull (feature, i))
        position = MAX (position, OGR_F_GetFieldAsInteger (feature, i) + 1);
      OGR_F_Destroy (feature);
    }
  return position;
}

static GDALDatasetH
open_project (const char  *path,
              gboolean    *created,
              GError     **error)
{
  const char *drivers[] = { "GPKG", NULL };
  g_autofree char *display = g_filename_display_basename (path);
  GDALDatasetH project;

  *created = FALSE;
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      CPLErrorReset ();
      project = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, NULL, NULL);
      if (project == NULL)
        g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_WRITE,
                     _("The project “%s” cannot be opened for writing: it is not a GeoPackage "
                       "or it is damaged."), display);
      return project;
    }

  CPLErrorReset ();
  project = GDALCreate (GDALGetDriverByName ("GPKG"), path, 0, 0, 0, GDT_Unknown, NULL);
  if (project == NULL)
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_WRITE,
                   _("Cannot create the project “%s”: %s"), display, qrt_gdal_last_error ());
      return NULL;
    }
  *created = TRUE;
  return project;
}

static gboolean
copy_fields (OGRLayerH   source,
             OGRLayerH   target,
             GError    **error)
{
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn (source);

  for (int i = 0; i < OGR_FD_GetFieldCount (defn); i++)
    if (OGR_L_CreateField (target, OGR_FD_GetFieldDefn (defn, i), TRUE) != OGRERR_NONE)
      {
        g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_WRITE,
                     _("Cannot create the attribute “%s”: %s"),
                     OGR_Fld_GetNameRef (OGR_FD_GetFieldDefn (defn, i)), qrt_gdal_last_error ());
        return FALSE;
      }
  return TRUE;
}

/* Copies attributes by position; strings that are not UTF-8 are read as Windows-1252, the
 * code page of most German shapefiles that lack a .cpg. */
static void
copy_attributes (OGRFeatureH  from,
                 OGRFeatureH  to,
                 const int   *field_map,
                 gint64      *recoded)
{
  int n = OGR_F_GetFieldCount (from);

  for (int i = 0; i < n; i++)
    {
      OGRFieldType type;
      int t = field_map[i];

      if (t < 0 || !OGR_F_IsFieldSetAndNotNull (from, i))
        continue;
      type = OGR_Fld_GetType (OGR_F_GetFieldDefnRef (from, i));
      if (type == OFTString)
        {
          const char *text = OGR_F_GetFieldAsString (from, i);

          if (!g_utf8_validate (text, -1, NULL))
            {
              g_autofree char *fixed = g_convert (text, -1, "UTF-8", "WINDOWS-1252", NULL, NULL,
                                                  NULL);

              if (fixed == NULL)
                fixed = g_utf8_make_valid (text, -1);
              OGR_F_SetFieldString (to, t, fixed);
              (*recoded)++;
              continue;
            }
        }
      OGR_F_SetFieldRaw (to, t, OGR_F_GetRawFieldRef (from, i));
    }
}

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * qrt_import_file:
 * @source: a vector file (GeoPackage, GeoJSON, Shapefile (also zipped), CSV, FlatGeobuf, KML,
 *   GML)
 * @project_path: the project GeoPackage; created if it does not exist
 * @options: (nullable): what to take and how
 * @result: (out caller-allocates): counts of what happened, cleared first
 *
 * Copies one layer of @source into the project, reprojected to the project's analysis CRS,
 * with 2D multi geometries, invalid ones repaired with MakeValid, empty ones skipped, and its
 * provenance and a default style recorded. Everything is one SQLite transaction: on error or
 * cancellation the project is left as it was (a project this call created is removed).
 * Blocks; run it in a worker thread.
 *
 * Returns: %TRUE on success.
 */
gboolean
qrt_import_file (const char              *source,
                 const char              *project_path,
                 const QrtImportOptions  *options,
                 QrtProgressFunc          progress,
                 gpointer                 progress_data,
                 GCancellable            *cancellable,
                 QrtImportResult         *result,
                 GError                 **error)
{
  static const QrtImportOptions defaults = { 0 };
  g_autofree char *display = NULL;
  g_autofree char *base = NULL;
  g_autofree char *target_name = NULL;
  g_autofree char *imported_at = NULL;
  g_auto(QrtGdalDataset) input = NULL;
  GDALDatasetH project = NULL;
  g_auto(QrtOctTransform) ct = NULL;
  g_auto(QrtOsrSrs) target_srs = OSRNewSpatialReference (NULL);
  OGRLayerH layer, target;
  QrtGeometryKind kind;
  QrtStyle style;
  QrtLayerSource provenance = { 0 };
  QrtStyle old_style;
  g_autofree char *origin_key = NULL;
  gboolean replacing = FALSE, has_old_style = FALSE;
  int old_position = 0;
  OGRFeatureH feature;
  gboolean created = FALSE, in_transaction = FALSE, ok = FALSE, crs_unknown = FALSE;
  g_autofree int *field_map = NULL;
  gint64 total, seen = 0;
  int epsg, n_fields;
  const char *create_options[] = { "GEOMETRY_NAME=geom", "FID=fid", NULL };

  g_return_val_if_fail (source != NULL && project_path != NULL && result != NULL, FALSE);

  memset (result, 0, sizeof *result);
  if (options == NULL)
    options = &defaults;
  display = g_filename_display_basename (source);

  /* GDAL falls back to WGS 84 when PROJ does not know a declared CRS and only reports it
   * through its error handler; importing then would move the data without a word. */
  CPLPushErrorHandlerEx (capture_crs_errors, &crs_unknown);
  input = open_source (source, error);
  layer = input ? pick_layer (input, options->layer, display, error) : NULL;
  if (layer != NULL)
    OGR_L_GetSpatialRef (layer);
  CPLPopErrorHandler ();
  if (layer == NULL)
    return FALSE;
  kind = qrt_ogr_layer_kind (layer);

  if ((project = open_project (project_path, &created, error)) == NULL)
    return FALSE;

  epsg = project_epsg (project);
  if ((ct = make_transform (layer, crs_unknown, options->source_epsg, epsg, display, error)) == NULL)
    goto out;
  OSRImportFromEPSG (target_srs, epsg);

  if (GDALDatasetStartTransaction (project, FALSE) != OGRERR_NONE)
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_WRITE,
                   _("Cannot write to the project: %s"), qrt_gdal_last_error ());
      goto out;
    }
  in_transaction = TRUE;

  if (created)
    {
      g_autofree char *crs = g_strdup_printf ("EPSG:%d", epsg);
      g_autofree char *title = g_filename_display_basename (project_path);
      char *dot = strrchr (title, '.');

      if (dot != NULL && dot != title)
        *dot = '\0';
      if (!qrt_project_schema_create (project, error) ||
          !qrt_project_schema_set_metadata (project, "crs", crs, error) ||
          !qrt_project_schema_set_metadata (project, "title", title, error))
        goto out;
    }
  else if (!qrt_project_schema_create (project, error))
    goto out;

  base = sanitize_name (options->target_name ? options->target_name : OGR_L_GetName (layer));
  if (options->replace &&
      qrt_project_schema_get_placement (project, base, &old_position, &old_style, &has_old_style))
    {
      /* Within the same transaction: a failure below brings the old layer back. */
      if (!qrt_project_schema_remove_layer (project, base, error))
        goto out;
      replacing = TRUE;
      target_name = g_strdup (base);
    }
  else
    target_name = unique_name (project, base);
  target = GDALDatasetCreateLayer (project, target_name, target_srs,
                                   kind == QRT_GEOMETRY_POINT ? wkbMultiPoint
                                   : kind == QRT_GEOMETRY_LINE ? wkbMultiLineString
                                   : wkbMultiPolygon,
                                   (char **) create_options);
  if (target == NULL)
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_WRITE,
                   _("Cannot create the layer “%s” in the project: %s"), target_name,
                   qrt_gdal_last_error ());
      goto out;
    }
  if (!copy_fields (layer, target, error))
    goto out;
  /* GeoPackage may rename a field (one called "fid", say); match them by name once. */
  n_fields = OGR_FD_GetFieldCount (OGR_L_GetLayerDefn (layer));
  field_map = g_new (int, MAX (1, n_fields));
  for (int i = 0; i < n_fields; i++)
    field_map[i] = OGR_FD_GetFieldIndex (OGR_L_GetLayerDefn (target),
                                         OGR_Fld_GetNameRef (OGR_FD_GetFieldDefn (
                                           OGR_L_GetLayerDefn (layer), i)));

  total = OGR_L_TestCapability (layer, OLCFastFeatureCount) ? OGR_L_GetFeatureCount (layer, TRUE)
                                                             : -1;
  CPLErrorReset ();
  OGR_L_ResetReading (layer);
  while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
    {
      g_auto(QrtOgrFeature) out_feature = NULL;
      OGRGeometryH geometry = NULL;

      seen++;
      if ((seen & 1023) == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              OGR_F_Destroy (feature);
              goto out;
            }
          if (progress != NULL && total > 0)
            progress (MIN (1.0, (double) seen / total), progress_data);
        }

      switch (prepare_geometry (feature, kind, ct, &geometry))
        {
        case GEOMETRY_EMPTY:
          result->empty_count++;
          OGR_F_Destroy (feature);
          continue;
        case GEOMETRY_UNUSABLE:
          result->unusable_count++;
          OGR_F_Destroy (feature);
          continue;
        case GEOMETRY_REPAIRED:
          result->repaired_count++;
          break;
        case GEOMETRY_OK:
        default:
          break;
        }

      out_feature = OGR_F_Create (OGR_L_GetLayerDefn (target));
      copy_attributes (feature, out_feature, field_map, &result->recoded_count);
      OGR_F_SetGeometryDirectly (out_feature, geometry);
      OGR_F_Destroy (feature);
      if (OGR_L_CreateFeature (target, out_feature) != OGRERR_NONE)
        {
          g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_WRITE,
                       _("Cannot write to the project: %s"), qrt_gdal_last_error ());
          goto out;
        }
      result->feature_count++;
    }

  if (CPLGetLastErrorType () >= CE_Failure)
    {
      g_debug ("Reading %s failed: %s", source, qrt_gdal_last_error ());
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_READ,
                   _("“%s” could not be read to the end; it is damaged or not valid."), display);
      goto out;
    }
  if (result->feature_count == 0)
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_NO_FEATURES,
                   _("“%s” contains no features with usable geometries."), display);
      goto out;
    }

  imported_at = now_iso8601 ();
  provenance.layer_name = target_name;
  provenance.title = options->title ? options->title : OGR_L_GetName (layer);
  provenance.position = replacing ? old_position : next_position (project);
  provenance.source = options->source_label ? options->source_label : source;
  provenance.licence = options->licence;
  provenance.attribution = options->attribution;
  provenance.imported_at = imported_at;
  provenance.feature_count = result->feature_count;
  provenance.repaired_count = result->repaired_count;
  if (has_old_style)
    style = old_style;
  else
    qrt_style_init_default (&style, kind, (guint) provenance.position);
  origin_key = g_strconcat (QRT_ORIGIN_KEY_PREFIX, target_name, NULL);
  if (!qrt_project_schema_add_source (project, &provenance, error) ||
      !qrt_project_schema_set_style (project, target_name, &style, error) ||
      !qrt_project_schema_set_metadata (project, origin_key, options->origin, error))
    goto out;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;
  if (GDALDatasetCommitTransaction (project) != OGRERR_NONE)
    {
      g_set_error (error, QRT_IMPORT_ERROR, QRT_IMPORT_ERROR_WRITE,
                   _("Cannot write to the project: %s"), qrt_gdal_last_error ());
      goto out;
    }
  in_transaction = FALSE;
  if (progress != NULL)
    progress (1.0, progress_data);
  result->layer_name = g_steal_pointer (&target_name);
  ok = TRUE;

out:
  if (in_transaction)
    GDALDatasetRollbackTransaction (project);
  if (project != NULL)
    GDALClose (project);
  if (!ok && created)
    g_unlink (project_path);
  return ok;
}

typedef struct
{
  char            *source;
  char            *project_path;
  char            *layer;
  char            *target_name;
  char            *licence;
  char            *attribution;
  char            *source_label;
  char            *title;
  char            *origin;
  gboolean         replace;
  int              source_epsg;
  QrtProgressFunc  progress;
  gpointer         progress_data;
  GMainContext    *context;
  QrtImportResult  result;
} Import;

typedef struct
{
  Import *import;
  double  fraction;
} Progress;

static void
import_free (Import *import)
{
  g_free (import->source);
  g_free (import->project_path);
  g_free (import->layer);
  g_free (import->target_name);
  g_free (import->licence);
  g_free (import->source_label);
  g_free (import->title);
  g_free (import->origin);
  g_free (import->attribution);
  g_main_context_unref (import->context);
  qrt_import_result_clear (&import->result);
  g_free (import);
}

static gboolean
progress_idle (gpointer data)
{
  Progress *p = data;

  p->import->progress (p->fraction, p->import->progress_data);
  return G_SOURCE_REMOVE;
}

/* Worker side: hop to the caller's main context, where the callback may touch widgets. */
static void
progress_in_worker (double   fraction,
                    gpointer user_data)
{
  Import *import = user_data;
  Progress *p = g_new (Progress, 1);

  p->import = import;
  p->fraction = fraction;
  g_main_context_invoke_full (import->context, G_PRIORITY_DEFAULT, progress_idle, p, g_free);
}

static void
import_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Import *import = task_data;
  QrtImportOptions options = {
    import->layer, import->target_name, import->source_epsg, import->licence, import->attribution,
    import->source_label, import->title, import->origin, import->replace,
  };
  GError *error = NULL;

  if (qrt_import_file (import->source, import->project_path, &options,
                       import->progress ? progress_in_worker : NULL, import, cancellable,
                       &import->result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * qrt_import_file_async:
 * @progress: (nullable): called in the thread-default main context of the caller
 *
 * Runs qrt_import_file() in a worker thread. @progress_data must stay alive until @callback
 * has run.
 */
void
qrt_import_file_async (const char             *source,
                       const char             *project_path,
                       const QrtImportOptions *options,
                       QrtProgressFunc         progress,
                       gpointer                progress_data,
                       GCancellable           *cancellable,
                       GAsyncReadyCallback     callback,
                       gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  Import *import;

  g_return_if_fail (source != NULL && project_path != NULL);

  import = g_new0 (Import, 1);
  import->source = g_strdup (source);
  import->project_path = g_strdup (project_path);
  if (options != NULL)
    {
      import->layer = g_strdup (options->layer);
      import->target_name = g_strdup (options->target_name);
      import->licence = g_strdup (options->licence);
      import->attribution = g_strdup (options->attribution);
      import->source_epsg = options->source_epsg;
      import->source_label = g_strdup (options->source_label);
      import->title = g_strdup (options->title);
      import->origin = g_strdup (options->origin);
      import->replace = options->replace;
    }
  import->progress = progress;
  import->progress_data = progress_data;
  import->context = g_main_context_ref_thread_default ();

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_import_file_async);
  g_task_set_task_data (task, import, (GDestroyNotify) import_free);
  g_task_run_in_thread (task, import_worker);
}

/**
 * qrt_import_file_finish:
 * @out_result: (out caller-allocates) (optional): the counts; clear it with
 *   qrt_import_result_clear()
 */
gboolean
qrt_import_file_finish (GAsyncResult     *result,
                        QrtImportResult  *out_result,
                        GError          **error)
{
  Import *import;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  import = g_task_get_task_data (G_TASK (result));
  if (out_result != NULL)
    {
      *out_result = import->result;
      memset (&import->result, 0, sizeof import->result);
    }
  return TRUE;
}
