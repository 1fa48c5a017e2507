/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "qrt-gdal-private.h"
#include "qrt-project-schema.h"

typedef struct
{
  const char   *name;
  OGRFieldType  type;
} FieldSpec;

static const FieldSpec project_fields[] = {
  { "key", OFTString },
  { "value", OFTString },
};

static const FieldSpec source_fields[] = {
  { "layer_name", OFTString },
  { "title", OFTString },
  { "position", OFTInteger },
  { "source", OFTString },
  { "licence", OFTString },
  { "attribution", OFTString },
  { "imported_at", OFTString },
  { "feature_count", OFTInteger64 },
  { "repaired_count", OFTInteger64 },
};

static const FieldSpec style_fields[] = {
  { "layer_name", OFTString },
  { "style", OFTString },
};

static gboolean
schema_error (GError     **error,
              const char  *table)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not write Quartier’s table “%s” into the project: %s"),
               table, qrt_gdal_last_error ());
  return FALSE;
}

static OGRLayerH
create_table (GDALDatasetH      dataset,
              const char       *name,
              const FieldSpec  *fields,
              guint             n_fields,
              GError          **error)
{
  /* An attribute table: GDAL registers it in gpkg_contents with data_type 'attributes', so
   * the file stays a valid GeoPackage that QGIS opens. */
  const char *options[] = { "ASPATIAL_VARIANT=GPKG_ATTRIBUTES", NULL };
  OGRLayerH layer = GDALDatasetGetLayerByName (dataset, name);

  if (layer != NULL)
    return layer;

  layer = GDALDatasetCreateLayer (dataset, name, NULL, wkbNone, (char **) options);
  if (layer == NULL)
    {
      schema_error (error, name);
      return NULL;
    }

  for (guint i = 0; i < n_fields; i++)
    {
      g_auto(QrtOgrFieldDefn) defn = OGR_Fld_Create (fields[i].name, fields[i].type);

      if (OGR_L_CreateField (layer, defn, TRUE) != OGRERR_NONE)
        {
          schema_error (error, name);
          return NULL;
        }
    }
  return layer;
}

/**
 * qrt_project_schema_create:
 * @dataset: a GeoPackage opened for update, inside the caller's transaction
 *
 * Creates Quartier's tables if they are missing and records the schema version.
 */
gboolean
qrt_project_schema_create (GDALDatasetH   dataset,
                           GError       **error)
{
  g_return_val_if_fail (dataset != NULL, FALSE);

  if (!create_table (dataset, "qrt_project", project_fields, G_N_ELEMENTS (project_fields), error) ||
      !create_table (dataset, "qrt_layer_sources", source_fields, G_N_ELEMENTS (source_fields),
                     error) ||
      !create_table (dataset, "qrt_styles", style_fields, G_N_ELEMENTS (style_fields), error))
    return FALSE;

  return qrt_project_schema_set_metadata (dataset, "schema_version", QRT_SCHEMA_VERSION, error);
}

/* The feature of @table whose @key_field equals @key, or a new one not yet written. */
static OGRFeatureH
find_or_new (OGRLayerH   layer,
             const char *key_field,
             const char *key,
             gboolean   *exists)
{
  g_autoptr(GString) filter = g_string_new (NULL);
  OGRFeatureH feature;

  /* OGR SQL string literal: single quotes doubled. */
  g_string_append_printf (filter, "%s = '", key_field);
  for (const char *c = key; *c; c++)
    {
      if (*c == '\'')
        g_string_append_c (filter, '\'');
      g_string_append_c (filter, *c);
    }
  g_string_append_c (filter, '\'');

  OGR_L_SetAttributeFilter (layer, filter->str);
  OGR_L_ResetReading (layer);
  feature = OGR_L_GetNextFeature (layer);
  OGR_L_SetAttributeFilter (layer, NULL);

  *exists = feature != NULL;
  if (feature == NULL)
    {
      feature = OGR_F_Create (OGR_L_GetLayerDefn (layer));
      OGR_F_SetFieldString (feature, OGR_F_GetFieldIndex (feature, key_field), key);
    }
  return feature;
}

static gboolean
store (OGRLayerH     layer,
       OGRFeatureH   feature,
       gboolean      exists,
       const char   *table,
       GError      **error)
{
  OGRErr err = exists ? OGR_L_SetFeature (layer, feature) : OGR_L_CreateFeature (layer, feature);

  if (err != OGRERR_NONE)
    return schema_error (error, table);
  return TRUE;
}

static OGRLayerH
require_table (GDALDatasetH   dataset,
               const char    *table,
               GError       **error)
{
  OGRLayerH layer = GDALDatasetGetLayerByName (dataset, table);

  if (layer == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("The project has no table “%s”; it was not created by Quartier."), table);
  return layer;
}

gboolean
qrt_project_schema_set_metadata (GDALDatasetH   dataset,
                                 const char    *key,
                                 const char    *value,
                                 GError       **error)
{
  OGRLayerH layer;
  g_auto(QrtOgrFeature) feature = NULL;
  gboolean exists;

  g_return_val_if_fail (dataset != NULL && key != NULL, FALSE);

  if ((layer = require_table (dataset, "qrt_project", error)) == NULL)
    return FALSE;

  feature = find_or_new (layer, "key", key, &exists);
  if (value != NULL)
    OGR_F_SetFieldString (feature, OGR_F_GetFieldIndex (feature, "value"), value);
  else
    OGR_F_SetFieldNull (feature, OGR_F_GetFieldIndex (feature, "value"));
  return store (layer, feature, exists, "qrt_project", error);
}

static void
set_string (OGRFeatureH  feature,
            const char  *field,
            const char  *value)
{
  int index = OGR_F_GetFieldIndex (feature, field);

  if (value != NULL)
    OGR_F_SetFieldString (feature, index, value);
  else
    OGR_F_SetFieldNull (feature, index);
}

gboolean
qrt_project_schema_add_source (GDALDatasetH           dataset,
                               const QrtLayerSource  *source,
                               GError               **error)
{
  OGRLayerH layer;
  g_auto(QrtOgrFeature) feature = NULL;
  gboolean exists;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (source != NULL && source->layer_name != NULL, FALSE);

  if ((layer = require_table (dataset, "qrt_layer_sources", error)) == NULL)
    return FALSE;

  feature = find_or_new (layer, "layer_name", source->layer_name, &exists);
  set_string (feature, "title", source->title);
  OGR_F_SetFieldInteger (feature, OGR_F_GetFieldIndex (feature, "position"), source->position);
  set_string (feature, "source", source->source);
  set_string (feature, "licence", source->licence);
  set_string (feature, "attribution", source->attribution);
  set_string (feature, "imported_at", source->imported_at);
  OGR_F_SetFieldInteger64 (feature, OGR_F_GetFieldIndex (feature, "feature_count"),
                           source->feature_count);
  OGR_F_SetFieldInteger64 (feature, OGR_F_GetFieldIndex (feature, "repaired_count"),
                           source->repaired_count);
  return store (layer, feature, exists, "qrt_layer_sources", error);
}

gboolean
qrt_project_schema_set_style (GDALDatasetH     dataset,
                              const char      *layer_name,
                              const QrtStyle  *style,
                              GError         **error)
{
  OGRLayerH layer;
  g_auto(QrtOgrFeature) feature = NULL;
  g_autofree char *json = NULL;
  gboolean exists;

  g_return_val_if_fail (dataset != NULL && layer_name != NULL && style != NULL, FALSE);

  if ((layer = require_table (dataset, "qrt_styles", error)) == NULL)
    return FALSE;

  json = qrt_style_to_json (style);
  feature = find_or_new (layer, "layer_name", layer_name, &exists);
  OGR_F_SetFieldString (feature, OGR_F_GetFieldIndex (feature, "style"), json);
  return store (layer, feature, exists, "qrt_styles", error);
}

/**
 * qrt_project_schema_update_layer:
 *
 * Updates what the user can change about a layer (title, position, licence, attribution),
 * keeping its provenance (source, import time, counts). Creates the row for a layer that has
 * none (one that came from another program).
 */
gboolean
qrt_project_schema_update_layer (GDALDatasetH   dataset,
                                 const char    *layer_name,
                                 const char    *title,
                                 int            position,
                                 const char    *licence,
                                 const char    *attribution,
                                 GError       **error)
{
  OGRLayerH layer;
  g_auto(QrtOgrFeature) feature = NULL;
  gboolean exists;

  g_return_val_if_fail (dataset != NULL && layer_name != NULL, FALSE);

  if ((layer = require_table (dataset, "qrt_layer_sources", error)) == NULL)
    return FALSE;

  feature = find_or_new (layer, "layer_name", layer_name, &exists);
  set_string (feature, "title", title);
  OGR_F_SetFieldInteger (feature, OGR_F_GetFieldIndex (feature, "position"), position);
  set_string (feature, "licence", licence);
  set_string (feature, "attribution", attribution);
  return store (layer, feature, exists, "qrt_layer_sources", error);
}

static gboolean
delete_rows (GDALDatasetH   dataset,
             const char    *table,
             const char    *layer_name,
             GError       **error)
{
  OGRLayerH layer = GDALDatasetGetLayerByName (dataset, table);
  OGRFeatureH feature;
  gboolean exists;

  if (layer == NULL)
    return TRUE;
  while ((feature = find_or_new (layer, "layer_name", layer_name, &exists)) != NULL && exists)
    {
      OGRErr err = OGR_L_DeleteFeature (layer, OGR_F_GetFID (feature));

      OGR_F_Destroy (feature);
      if (err != OGRERR_NONE)
        return schema_error (error, table);
    }
  if (feature != NULL)
    OGR_F_Destroy (feature);
  return TRUE;
}

/**
 * qrt_project_schema_remove_layer:
 *
 * Drops the layer's table and its rows in Quartier's tables.
 */
gboolean
qrt_project_schema_remove_layer (GDALDatasetH   dataset,
                                 const char    *layer_name,
                                 GError       **error)
{
  int n = GDALDatasetGetLayerCount (dataset);

  g_return_val_if_fail (dataset != NULL && layer_name != NULL, FALSE);
  g_return_val_if_fail (!g_str_has_prefix (layer_name, "qrt_"), FALSE);

  for (int i = 0; i < n; i++)
    {
      OGRLayerH layer = GDALDatasetGetLayer (dataset, i);

      if (layer != NULL && g_strcmp0 (OGR_L_GetName (layer), layer_name) == 0)
        {
          if (GDALDatasetDeleteLayer (dataset, i) != OGRERR_NONE)
            return schema_error (error, layer_name);
          break;
        }
    }
  {
    /* A layer removed forgets where it came from: a later one of that name did not. */
    g_autofree char *origin_key = g_strconcat (QRT_ORIGIN_KEY_PREFIX, layer_name, NULL);

    return delete_rows (dataset, "qrt_layer_sources", layer_name, error) &&
           delete_rows (dataset, "qrt_styles", layer_name, error) &&
           (GDALDatasetGetLayerByName (dataset, "qrt_project") == NULL ||
            qrt_project_schema_set_metadata (dataset, origin_key, NULL, error));
  }
}

/**
 * qrt_project_schema_get_placement:
 * @position: (out): the layer's drawing position
 * @style: (out): its style
 *
 * Returns: %FALSE when the project has no such layer in its tables.
 */
gboolean
qrt_project_schema_get_placement (GDALDatasetH  dataset,
                                  const char   *layer_name,
                                  int          *position,
                                  QrtStyle     *style,
                                  gboolean     *has_style)
{
  OGRLayerH sources = GDALDatasetGetLayerByName (dataset, "qrt_layer_sources");
  OGRLayerH styles = GDALDatasetGetLayerByName (dataset, "qrt_styles");
  g_auto(QrtOgrFeature) source = NULL;
  g_auto(QrtOgrFeature) styled = NULL;
  gboolean exists = FALSE;

  *has_style = FALSE;
  /* The stored JSON has every member; nothing of the caller's memory may show through. */
  memset (style, 0, sizeof *style);
  if (sources == NULL)
    return FALSE;
  source = find_or_new (sources, "layer_name", layer_name, &exists);
  if (!exists)
    return FALSE;
  *position = OGR_F_GetFieldAsInteger (source, OGR_F_GetFieldIndex (source, "position"));
  if (styles != NULL)
    {
      styled = find_or_new (styles, "layer_name", layer_name, &exists);
      if (exists)
        *has_style = qrt_style_from_json (style,
                                          OGR_F_GetFieldAsString (styled,
                                                                  OGR_F_GetFieldIndex (styled,
                                                                                       "style")),
                                          NULL);
    }
  return TRUE;
}
