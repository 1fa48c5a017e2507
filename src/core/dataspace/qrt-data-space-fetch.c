/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>

#include "import/qrt-import.h"
#include "project/qrt-project-schema.h"
#include "qrt-data-space-private.h"

/* Features asked for per page; servers may send fewer. */
#define PAGE_SIZE 5000
/* A server whose paging never ends is stopped here. */
#define MAX_PAGES 100000
#define DEFAULT_EPSG 25832

typedef struct
{
  QrtCollection   *collection;
  char            *project_path;
  char            *target_name;
  gboolean         have_bbox;
  QrtBBox          bbox;            /* WGS 84 */
  QrtBBox          filter;          /* the bbox in the CRS of the answers */
  QrtProgressFunc  progress;
  gpointer         progress_data;

  char            *tmpdir;
  char            *features_path;   /* features, one JSON text each, comma separated */
  FILE            *features;
  int              epsg;            /* CRS of the answers; 0: CRS84 */
  char            *crs_uri;         /* the one asked for (OGC API) */
  GHashTable      *seen;            /* feature keys */
  GHashTable      *visited;         /* page URLs */
  char            *page_url;
  gint64           matched;         /* -1: the server did not say */
  gboolean         replace;         /* a refresh: replace the layer, ask the server again */
  gint64           start_index;     /* WFS paging */
  GPtrArray       *ahead;           /* Ahead: pages asked for while earlier ones are read */
  gboolean         all_cached;
  QrtFetchResult   result;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->collection);
  g_free (fetch->project_path);
  g_free (fetch->target_name);
  if (fetch->features != NULL)
    fclose (fetch->features);
  if (fetch->tmpdir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (fetch->tmpdir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (fetch->tmpdir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (fetch->tmpdir);
      g_free (fetch->tmpdir);
    }
  g_free (fetch->features_path);
  g_free (fetch->crs_uri);
  g_clear_pointer (&fetch->seen, g_hash_table_unref);
  g_clear_pointer (&fetch->visited, g_hash_table_unref);
  g_free (fetch->page_url);
  g_clear_pointer (&fetch->ahead, g_ptr_array_unref);
  qrt_fetch_result_clear (&fetch->result);
  g_free (fetch);
}

void
qrt_fetch_result_clear (QrtFetchResult *result)
{
  g_clear_pointer (&result->layer_name, g_free);
  memset (result, 0, sizeof *result);
}

/* For messages: the server's host name, not the whole address. */
static char *
collection_host (Fetch *fetch)
{
  g_autoptr(GUri) uri = g_uri_parse (qrt_collection_get_url (fetch->collection), G_URI_FLAGS_NONE,
                                     NULL);

  return g_strdup (uri != NULL && g_uri_get_host (uri) != NULL
                   ? g_uri_get_host (uri) : qrt_collection_get_url (fetch->collection));
}

static void
report (Fetch  *fetch,
        double  fraction)
{
  if (fetch->progress != NULL)
    fetch->progress (CLAMP (fraction, 0.0, 1.0), fetch->progress_data);
}

/* ---- The bbox of the answers' CRS ---- */

static gboolean
transform_bbox (const QrtBBox *wgs84,
                int            epsg,
                QrtBBox       *out)
{
  OGRSpatialReferenceH from = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH to = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH ct = NULL;
  gboolean ok = FALSE;

  OSRImportFromEPSG (from, 4326);
  OSRSetAxisMappingStrategy (from, OAMS_TRADITIONAL_GIS_ORDER);
  if (OSRImportFromEPSG (to, epsg) == OGRERR_NONE)
    {
      OSRSetAxisMappingStrategy (to, OAMS_TRADITIONAL_GIS_ORDER);
      ct = OCTNewCoordinateTransformation (from, to);
    }
  if (ct != NULL)
    {
      /* Edges sampled, not only corners: a UTM box of a lon/lat box bulges. */
      qrt_bbox_init_empty (out);
      ok = TRUE;
      for (int i = 0; i <= 8 && ok; i++)
        for (int j = 0; j <= 8 && ok; j++)
          {
            double x = wgs84->min_x + (wgs84->max_x - wgs84->min_x) * i / 8.0;
            double y = wgs84->min_y + (wgs84->max_y - wgs84->min_y) * j / 8.0;

            if (i != 0 && i != 8 && j != 0 && j != 8)
              continue;
            ok = OCTTransform (ct, 1, &x, &y, NULL);
            if (ok)
              qrt_bbox_extend (out, x, y);
          }
      OCTDestroyCoordinateTransformation (ct);
    }
  OSRDestroySpatialReference (from);
  OSRDestroySpatialReference (to);
  return ok;
}

/* The requested box in the CRS of the answers, to drop what a server sends outside it. */
static void
set_filter (Fetch *fetch)
{
  if (!fetch->have_bbox)
    return;
  if (fetch->epsg == 0)
    fetch->filter = fetch->bbox;
  else if (!transform_bbox (&fetch->bbox, fetch->epsg, &fetch->filter))
    fetch->have_bbox = FALSE;
}

static void
extend_by_coordinates (JsonNode *node,
                       QrtBBox  *box)
{
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n >= 2 && JSON_NODE_TYPE (json_array_get_element (array, 0)) == JSON_NODE_VALUE)
    {
      qrt_bbox_extend (box, json_array_get_double_element (array, 0),
                       json_array_get_double_element (array, 1));
      return;
    }
  for (guint i = 0; i < n; i++)
    extend_by_coordinates (json_array_get_element (array, i), box);
}

static gboolean
geometry_bbox (JsonObject *geometry,
               QrtBBox    *box)
{
  JsonArray *parts;

  qrt_bbox_init_empty (box);
  if (geometry == NULL)
    return FALSE;
  if (json_object_has_member (geometry, "coordinates"))
    extend_by_coordinates (json_object_get_member (geometry, "coordinates"), box);
  else if ((parts = qrt_json_array (geometry, "geometries")) != NULL)
    for (guint i = 0; i < json_array_get_length (parts); i++)
      {
        QrtBBox part;

        if (geometry_bbox (json_array_get_object_element (parts, i), &part))
          qrt_bbox_union (box, &part);
      }
  return !qrt_bbox_is_empty (box);
}

/* ---- Writing the merged features ---- */

static gboolean
write_feature (Fetch       *fetch,
               const char  *text,
               GError     **error)
{
  int saved;

  if ((fetch->result.feature_count > 0 && fputs (",\n", fetch->features) < 0) ||
      fputs (text, fetch->features) < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("The download cannot be stored: %s"), g_strerror (saved));
      return FALSE;
    }
  fetch->result.feature_count++;
  return TRUE;
}

/* Adds the new features of @features (a JSON array) that lie in the area asked for; returns
 * how many were new, written or not. */
static gint64
add_json_features (Fetch      *fetch,
                   JsonArray  *features,
                   GError    **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gint64 fresh = 0;

  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonNode *node = json_array_get_element (features, i);
      JsonObject *feature;
      JsonNode *id;
      g_autofree char *text = NULL;
      g_autofree char *key = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      feature = json_node_get_object (node);
      json_generator_set_root (generator, node);
      text = json_generator_to_data (generator, NULL);

      id = json_object_get_member (feature, "id");
      if (id != NULL && JSON_NODE_TYPE (id) == JSON_NODE_VALUE)
        {
          if (json_node_get_value_type (id) == G_TYPE_STRING)
            key = g_strconcat ("i:", json_node_get_string (id), NULL);
          else
            key = g_strdup_printf ("i:%" G_GINT64_FORMAT, json_node_get_int (id));
        }
      else
        key = g_compute_checksum_for_string (G_CHECKSUM_SHA1, text, -1);

      if (g_hash_table_contains (fetch->seen, key))
        {
          fetch->result.duplicate_count++;
          continue;
        }
      g_hash_table_add (fetch->seen, g_steal_pointer (&key));
      fresh++;

      if (fetch->have_bbox)
        {
          QrtBBox box;
          JsonNode *geometry = json_object_get_member (feature, "geometry");

          /* Some servers forget the bbox on later pages; what lies outside is not wanted. */
          if (geometry != NULL && JSON_NODE_HOLDS_OBJECT (geometry) &&
              geometry_bbox (json_node_get_object (geometry), &box) &&
              !qrt_bbox_intersects (&box, &fetch->filter))
            continue;
        }

      if (!write_feature (fetch, text, error))
        return -1;
    }
  return fresh;
}

/* A GeoJSON feature of an OGR feature: GDAL's C API has no such export for features. */
static char *
feature_to_json (OGRFeatureH feature)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) properties = NULL;
  g_autofree char *props = NULL;
  OGRFeatureDefnH defn = OGR_F_GetDefnRef (feature);
  OGRGeometryH geometry = OGR_F_GetGeometryRef (feature);
  char *geojson;
  char *text;

  json_builder_begin_object (builder);
  for (int i = 0; i < OGR_FD_GetFieldCount (defn); i++)
    {
      OGRFieldDefnH field = OGR_FD_GetFieldDefn (defn, i);

      json_builder_set_member_name (builder, OGR_Fld_GetNameRef (field));
      if (!OGR_F_IsFieldSetAndNotNull (feature, i))
        json_builder_add_null_value (builder);
      else if (OGR_Fld_GetType (field) == OFTInteger || OGR_Fld_GetType (field) == OFTInteger64)
        json_builder_add_int_value (builder, OGR_F_GetFieldAsInteger64 (feature, i));
      else if (OGR_Fld_GetType (field) == OFTReal)
        json_builder_add_double_value (builder, OGR_F_GetFieldAsDouble (feature, i));
      else
        json_builder_add_string_value (builder, OGR_F_GetFieldAsString (feature, i));
    }
  json_builder_end_object (builder);
  properties = json_builder_get_root (builder);
  json_generator_set_root (generator, properties);
  props = json_generator_to_data (generator, NULL);

  geojson = geometry ? OGR_G_ExportToJson (geometry) : NULL;
  text = g_strdup_printf ("{\"type\":\"Feature\",\"properties\":%s,\"geometry\":%s}", props,
                          geojson ? geojson : "null");
  CPLFree (geojson);
  return text;
}

static gint64
add_gml_features (Fetch       *fetch,
                  const char  *body_path,
                  gint64      *received,
                  GError     **error)
{
  static const char *const drivers[] = { "GML", NULL };
  g_autofree char *name = g_strdup_printf ("page-%" G_GINT64_FORMAT ".gml", fetch->result.page_count);
  g_autofree char *path = g_build_filename (fetch->tmpdir, name, NULL);
  GDALDatasetH dataset;
  OGRLayerH layer;
  OGRFeatureH feature;
  gint64 fresh = 0;

  /* GDAL writes a .gfs schema beside the file it reads: never into the cache. */
  if (symlink (body_path, path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("The download cannot be stored: %s"), g_strerror (saved));
      return -1;
    }
  dataset = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
  if (dataset == NULL || GDALDatasetGetLayerCount (dataset) == 0)
    {
      g_autofree char *host = collection_host (fetch);

      if (dataset != NULL)
        GDALClose (dataset);
      g_set_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                   _("The features sent by %s cannot be read."), host);
      return -1;
    }
  layer = GDALDatasetGetLayer (dataset, 0);
  if (fetch->epsg == 0 && OGR_L_GetSpatialRef (layer) != NULL)
    {
      OGRSpatialReferenceH srs = OGR_L_GetSpatialRef (layer);
      const char *code;

      if (OSRAutoIdentifyEPSG (srs) == OGRERR_NONE || OSRGetAuthorityCode (srs, NULL) != NULL)
        if ((code = OSRGetAuthorityCode (srs, NULL)) != NULL)
          fetch->epsg = atoi (code);
    }

  OGR_L_ResetReading (layer);
  while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
    {
      int id_field = OGR_F_GetFieldIndex (feature, "gml_id");
      g_autofree char *key = NULL;
      char *text;

      (*received)++;
      key = id_field >= 0 ? g_strconcat ("i:", OGR_F_GetFieldAsString (feature, id_field), NULL)
                          : g_strdup_printf ("f:%" G_GINT64_FORMAT, fetch->start_index + *received);
      if (g_hash_table_contains (fetch->seen, key))
        {
          fetch->result.duplicate_count++;
          OGR_F_Destroy (feature);
          continue;
        }
      g_hash_table_add (fetch->seen, g_steal_pointer (&key));
      text = feature_to_json (feature);
      OGR_F_Destroy (feature);
      if (!write_feature (fetch, text, error))
        {
          g_free (text);
          GDALClose (dataset);
          return -1;
        }
      g_free (text);
      fresh++;
    }
  GDALClose (dataset);
  return fresh;
}

/* A WFS may answer GeoJSON in the CRS asked for or in lon/lat whatever was asked (QGIS
 * Server 3.22): the legacy "crs" member decides, else the size of the first coordinates. */
static void
detect_crs (Fetch      *fetch,
            JsonObject *collection,
            JsonArray  *features)
{
  JsonObject *crs = qrt_json_object (collection, "crs");
  JsonObject *properties = qrt_json_object (crs, "properties");
  const char *name = qrt_json_string (properties, "name");
  const char *code;
  QrtBBox box;

  if (name != NULL && (code = strrchr (name, ':')) != NULL && atoi (code + 1) > 0)
    fetch->epsg = g_str_has_suffix (name, "CRS84") || atoi (code + 1) == 4326 ? 0
                                                                               : atoi (code + 1);
  else if (json_array_get_length (features) > 0 &&
           geometry_bbox (qrt_json_object (json_array_get_object_element (features, 0), "geometry"),
                          &box))
    fetch->epsg = fabs (box.max_x) <= 180 && fabs (box.max_y) <= 90 ? 0 : fetch->epsg;

  set_filter (fetch);
}

/* ---- Pages ---- */

static char *
page_query (Fetch      *fetch,
            const char *url)
{
  const QrtCollectionInfo *info = qrt_collection_get_info (fetch->collection);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  if (info->service == QRT_SERVICE_WFS)
    {
      gboolean v2 = g_str_has_prefix (info->wfs_version ? info->wfs_version : "2", "2");
      g_autofree char *count = g_strdup_printf ("%d", PAGE_SIZE);
      g_autofree char *start = g_strdup_printf ("%" G_GINT64_FORMAT, fetch->start_index);
      g_autofree char *srs = g_strdup_printf ("urn:ogc:def:crs:EPSG::%d", DEFAULT_EPSG);
      g_autofree char *d = NULL;
      g_autofree char *e = NULL;
      g_autofree char *f = NULL;

      a = qrt_url_with_query (url, "service", "WFS");
      b = qrt_url_with_query (a, "version", info->wfs_version ? info->wfs_version : "2.0.0");
      c = qrt_url_with_query (b, "request", "GetFeature");
      d = qrt_url_with_query (c, v2 ? "typeNames" : "typeName", info->type_name);
      e = qrt_url_with_query (d, "srsName", srs);
      f = info->wfs_format ? qrt_url_with_query (e, "outputFormat", info->wfs_format)
                           : g_strdup (e);
      if (fetch->have_bbox)
        {
          /* EPSG:4326 in URN form is latitude first. */
          g_autofree char *bbox =
            g_strdup_printf ("%.7f,%.7f,%.7f,%.7f,urn:ogc:def:crs:EPSG::4326", fetch->bbox.min_y,
                             fetch->bbox.min_x, fetch->bbox.max_y, fetch->bbox.max_x);
          char *g = qrt_url_with_query (f, "bbox", bbox);

          g_free (f);
          f = g;
        }
      if (info->wfs_paging)
        {
          g_autofree char *g = qrt_url_with_query (f, v2 ? "count" : "maxFeatures", count);
          return qrt_url_with_query (g, "startIndex", start);
        }
      return g_steal_pointer (&f);
    }

  /* OGC API: the query is put again on every page, `next` links from some servers lose it. */
  {
    g_autofree char *limit = g_strdup_printf ("%d", PAGE_SIZE);

    a = qrt_url_with_query (url, "f", "json");
    b = qrt_url_get_query (url, "limit") ? g_strdup (a) : qrt_url_with_query (a, "limit", limit);
    c = fetch->crs_uri ? qrt_url_with_query (b, "crs", fetch->crs_uri) : g_strdup (b);
    if (fetch->have_bbox)
      {
        g_autofree char *bbox = g_strdup_printf ("%.7f,%.7f,%.7f,%.7f", fetch->bbox.min_x,
                                                 fetch->bbox.min_y, fetch->bbox.max_x,
                                                 fetch->bbox.max_y);
        return qrt_url_with_query (c, "bbox", bbox);
      }
    return g_steal_pointer (&c);
  }
}

typedef struct
{
  Fetch         *fetch;
  QrtCacheEntry *entry;
  char          *next;       /* out: the next page, or NULL when done */
} Page;

static void
page_free (Page *page)
{
  g_clear_pointer (&page->entry, qrt_cache_entry_free);
  g_free (page->next);
  g_free (page);
}

static void
page_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Page *page = task_data;
  Fetch *fetch = page->fetch;
  const QrtCollectionInfo *info = qrt_collection_get_info (fetch->collection);
  GError *error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object = NULL;
  JsonArray *features = NULL;
  gint64 fresh, received = 0;
  gint64 started = g_get_monotonic_time ();

  if (info->service == QRT_SERVICE_WFS && info->wfs_format == NULL)
    {
      if (page->entry->body_path == NULL)
        {
          g_autofree char *host = collection_host (fetch);

          g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                                   _("The features sent by %s cannot be read."), host);
          return;
        }
      fresh = add_gml_features (fetch, page->entry->body_path, &received, &error);
    }
  else
    {
      if ((root = qrt_json_parse_bytes (page->entry->body, fetch->page_url, &error)) == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
      features = qrt_json_array (object, "features");
      if (features == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""),
                     "FeatureCollection") != 0)
        {
          g_autofree char *host = collection_host (fetch);

          g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                                   _("%s did not send features."), host);
          return;
        }
      if (info->service == QRT_SERVICE_WFS && fetch->result.page_count == 0)
        detect_crs (fetch, object, features);
      if (fetch->matched < 0 && json_object_has_member (object, "numberMatched"))
        fetch->matched = json_object_get_int_member (object, "numberMatched");
      received = json_array_get_length (features);
      fresh = add_json_features (fetch, features, &error);
    }
  if (fresh < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  fetch->result.page_count++;

  /* Stop when the server says all is there, when a page brought nothing new (servers exist
   * that repeat the first page forever), or when there is no next page. */
  if (fresh == 0 || (fetch->matched >= 0 && (gint64) g_hash_table_size (fetch->seen) >= fetch->matched) ||
      fetch->result.page_count >= MAX_PAGES)
    page->next = NULL;
  else if (info->service == QRT_SERVICE_WFS)
    {
      if (info->wfs_paging && received >= PAGE_SIZE)
        {
          fetch->start_index += received;
          page->next = page_query (fetch, info->url);
        }
    }
  else if (object != NULL)
    {
      JsonArray *links = qrt_json_array (object, "links");

      for (guint i = 0; links != NULL && i < json_array_get_length (links); i++)
        {
          JsonObject *link = json_array_get_object_element (links, i);
          const char *rel = qrt_json_string (link, "rel");
          const char *href = qrt_json_string (link, "href");
          g_autofree char *resolved = NULL;

          if (href == NULL || g_strcmp0 (rel, "next") != 0)
            continue;
          resolved = g_uri_resolve_relative (fetch->page_url, href, G_URI_FLAGS_ENCODED, NULL);
          if (resolved != NULL)
            page->next = page_query (fetch, resolved);
          break;
        }
    }

  if (page->next != NULL && g_hash_table_contains (fetch->visited, page->next))
    g_clear_pointer (&page->next, g_free);
  g_debug ("Page %" G_GINT64_FORMAT " read in %.0f ms", fetch->result.page_count,
           (g_get_monotonic_time () - started) / 1e3);
  g_task_return_boolean (task, TRUE);
}

static void fetch_page (GTask *task);
static void fetch_import (GTask *task);
static void page_cb (GObject *source, GAsyncResult *result, gpointer data);

/* The href of the first link with rel "next" in raw JSON text, found without parsing: the
 * next page can then download while this one is parsed. A guess; the parsed page decides. */
static char *
sniff_next (GBytes *body)
{
  gsize size;
  const char *text = g_bytes_get_data (body, &size);
  static const char *const needles[] = { "\"rel\":\"next\"", "\"rel\": \"next\"" };

  for (guint n = 0; text != NULL && n < G_N_ELEMENTS (needles); n++)
    {
      const char *hit = g_strstr_len (text, size, needles[n]);
      const char *open, *close, *href, *end;
      GString *url;

      if (hit == NULL)
        continue;
      for (open = hit; open > text && *open != '{'; open--)
        ;
      close = memchr (hit, '}', size - (hit - text));
      if (close == NULL)
        return NULL;
      href = g_strstr_len (open, close - open, "\"href\"");
      if (href == NULL || (href = memchr (href + 6, '"', close - href - 6)) == NULL)
        return NULL;
      url = g_string_new (NULL);
      for (end = href + 1; end < close && *end != '"'; end++)
        {
          if (*end == '\\' && end + 1 < close)
            {
              end++;
              if (*end == 'u' && end + 4 < close && g_ascii_strncasecmp (end, "u0026", 5) == 0)
                {
                  g_string_append_c (url, '&');
                  end += 4;
                  continue;
                }
            }
          g_string_append_c (url, *end);
        }
      return g_string_free (url, FALSE);
    }
  return NULL;
}

/* Pages asked for ahead. A server that pages by `offset` gets the next two at once, which
 * keeps a slow server (MapServer as CGI takes half a second a page) busy on both cores while
 * Quartier reads; the page actually read decides which guess is used. */
#define MAX_AHEAD 2

typedef struct
{
  char         *key;         /* normalised URL */
  GAsyncResult *result;
  gboolean      waiting;     /* the paging waits for just this one */
} Ahead;

typedef struct
{
  GTask *task;
  char  *key;
} AheadCall;

static void
ahead_free (Ahead *ahead)
{
  g_free (ahead->key);
  g_clear_object (&ahead->result);
  g_free (ahead);
}

static Ahead *
find_ahead (Fetch      *fetch,
            const char *key,
            guint      *index)
{
  for (guint i = 0; key != NULL && i < fetch->ahead->len; i++)
    if (g_str_equal (((Ahead *) fetch->ahead->pdata[i])->key, key))
      {
        if (index != NULL)
          *index = i;
        return fetch->ahead->pdata[i];
      }
  return NULL;
}

static void
ahead_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  AheadCall *call = data;
  GTask *task = call->task;
  Fetch *fetch = g_task_get_task_data (task);
  guint index;
  Ahead *ahead = find_ahead (fetch, call->key, &index);

  /* A guess given up meanwhile is dropped. */
  if (ahead != NULL)
    {
      if (ahead->waiting)
        {
          g_ptr_array_remove_index (fetch->ahead, index);
          page_cb (source, result, task);
        }
      else
        g_set_object (&ahead->result, result);
    }
  g_object_unref (task);
  g_free (call->key);
  g_free (call);
}

static void
ask_ahead (GTask        *task,
           QrtDataSpace *self,
           const char   *url)
{
  Fetch *fetch = g_task_get_task_data (task);
  g_autofree char *key = qrt_cache_normalize_url (url);
  Ahead *ahead;
  AheadCall *call;

  if (key == NULL || fetch->ahead->len >= MAX_AHEAD || find_ahead (fetch, key, NULL) != NULL ||
      g_hash_table_contains (fetch->visited, url))
    return;
  g_debug ("Asking ahead for %s", url);
  ahead = g_new0 (Ahead, 1);
  ahead->key = g_strdup (key);
  g_ptr_array_add (fetch->ahead, ahead);
  call = g_new0 (AheadCall, 1);
  call->task = g_object_ref (task);
  call->key = g_steal_pointer (&key);
  qrt_data_space_get_full_async (self, url, QRT_BODY_JSON, fetch->replace,
                                 g_task_get_cancellable (task),
                                 ahead_cb, call);
}

static gint64
offset_of (const char *url)
{
  g_autofree char *offset = qrt_url_get_query (url, "offset");

  return offset ? g_ascii_strtoll (offset, NULL, 10) : 0;
}

static void
start_prefetch (GTask         *task,
                QrtDataSpace  *self,
                QrtCacheEntry *entry)
{
  Fetch *fetch = g_task_get_task_data (task);
  g_autofree char *href = NULL;
  g_autofree char *resolved = NULL;
  g_autofree char *next = NULL;
  g_autofree char *offset_text = NULL;
  gint64 step;

  if (qrt_collection_get_service (fetch->collection) != QRT_SERVICE_OGC_API_FEATURES ||
      (href = sniff_next (entry->body)) == NULL ||
      (resolved = g_uri_resolve_relative (fetch->page_url, href, G_URI_FLAGS_ENCODED,
                                          NULL)) == NULL)
    return;
  next = page_query (fetch, resolved);
  ask_ahead (task, self, next);

  /* The page after, when the server counts by offset and there are more. */
  offset_text = qrt_url_get_query (next, "offset");
  step = offset_of (next) - offset_of (fetch->page_url);
  if (offset_text != NULL && step > 0 &&
      (fetch->matched < 0 || offset_of (next) + step < fetch->matched))
    {
      g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, offset_of (next) + step);
      g_autofree char *after = qrt_url_with_query (next, "offset", value);

      ask_ahead (task, self, after);
    }
}

static void
page_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GTask *task = data;
  Fetch *fetch = g_task_get_task_data (task);
  Page *page = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (fetch->matched > 0)
    report (fetch, 0.9 * g_hash_table_size (fetch->seen) / (double) fetch->matched);

  if (page->next != NULL)
    {
      g_autofree char *key = qrt_cache_normalize_url (page->next);
      guint index;
      Ahead *ahead;

      g_free (fetch->page_url);
      fetch->page_url = g_steal_pointer (&page->next);
      if ((ahead = find_ahead (fetch, key, &index)) != NULL)
        {
          g_hash_table_add (fetch->visited, g_strdup (fetch->page_url));
          if (ahead->result != NULL)
            {
              g_autoptr(GAsyncResult) ready = g_steal_pointer (&ahead->result);

              g_ptr_array_remove_index (fetch->ahead, index);
              page_cb (source, ready, task);
            }
          else
            ahead->waiting = TRUE;
          return;
        }
      /* Wrong guesses: their answers, when they come, are dropped. */
      g_ptr_array_set_size (fetch->ahead, 0);
      fetch_page (task);
    }
  else
    {
      g_ptr_array_set_size (fetch->ahead, 0);
      fetch_import (task);
    }
}

static void
page_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  QrtCacheEntry *entry = qrt_data_space_get_finish (QRT_DATA_SPACE (source), result, &error);
  gboolean cached = qrt_data_space_result_from_cache (result);
  Page *page;

  if (entry == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!cached)
    fetch->all_cached = FALSE;
  start_prefetch (task, QRT_DATA_SPACE (source), entry);

  page = g_new0 (Page, 1);
  page->fetch = fetch;
  page->entry = entry;
  qrt_data_space_run_step (QRT_DATA_SPACE (source), task, page_worker, page,
                           (GDestroyNotify) page_free, page_done_cb);
  g_object_unref (task);
}

static void
fetch_page (GTask *task)
{
  QrtDataSpace *self = g_task_get_source_object (task);
  Fetch *fetch = g_task_get_task_data (task);
  const QrtCollectionInfo *info = qrt_collection_get_info (fetch->collection);

  g_hash_table_add (fetch->visited, g_strdup (fetch->page_url));
  qrt_data_space_get_full_async (self, fetch->page_url,
                                 info->service == QRT_SERVICE_WFS && info->wfs_format == NULL
                                 ? QRT_BODY_XML : QRT_BODY_JSON, fetch->replace,
                                 g_task_get_cancellable (task), page_cb, task);
}

/* ---- Import into the project ---- */

static void
import_progress (double   fraction,
                 gpointer data)
{
  report (data, 0.9 + 0.1 * fraction);
}

static void
import_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GTask *task = data;
  Fetch *fetch = g_task_get_task_data (task);
  QrtImportResult imported = { 0 };
  GError *error = NULL;

  if (!qrt_import_file_finish (result, &imported, &error))
    g_task_return_error (task, error);
  else
    {
      fetch->result.layer_name = g_steal_pointer (&imported.layer_name);
      fetch->result.feature_count = imported.feature_count;
      fetch->result.from_cache = fetch->all_cached;
      g_task_return_boolean (task, TRUE);
    }
  qrt_import_result_clear (&imported);
  g_object_unref (task);
}

static void
import_path (GTask      *task,
             const char *source)
{
  Fetch *fetch = g_task_get_task_data (task);
  QrtCollection *collection = fetch->collection;
  QrtImportOptions options = { 0 };
  g_autofree char *origin = NULL;

  options.target_name = fetch->target_name ? fetch->target_name : qrt_collection_get_id (collection);
  options.licence = qrt_collection_get_licence (collection);
  options.attribution = qrt_collection_get_attribution (collection);
  options.source_label = qrt_collection_get_url (collection);
  options.title = qrt_collection_get_title (collection);
  origin = qrt_collection_info_to_json (qrt_collection_get_info (collection),
                                        fetch->have_bbox ? &fetch->bbox : NULL);
  options.origin = origin;
  options.replace = fetch->replace;
  qrt_import_file_async (source, fetch->project_path, &options, import_progress, fetch,
                         g_task_get_cancellable (task), import_cb, task);
}

static void
fetch_import (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);
  g_autofree char *merged = g_build_filename (fetch->tmpdir, "features.geojson", NULL);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (merged);
  g_autoptr(GFile) part = g_file_new_for_path (fetch->features_path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GString) head = g_string_new ("{\"type\":\"FeatureCollection\",");
  GError *error = NULL;
  int saved;

  if (fflush (fetch->features) != 0)
    {
      saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("The download cannot be stored: %s"), g_strerror (saved));
      g_object_unref (task);
      return;
    }
  if (fetch->result.feature_count == 0)
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                               fetch->have_bbox
                               ? _("“%s” has no features in the chosen area.")
                               : _("“%s” has no features."),
                               qrt_collection_get_title (fetch->collection));
      g_object_unref (task);
      return;
    }

  /* The header names the CRS, known only once the first page was read (GML). A small copy
   * on the local disk; the pages themselves are in the cache already. */
  if (fetch->epsg > 0)
    g_string_append_printf (head, "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
                            "\"urn:ogc:def:crs:EPSG::%d\"}},", fetch->epsg);
  g_string_append (head, "\"features\":[\n");
  if ((out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, &error)) == NULL ||
      !g_output_stream_write_all (G_OUTPUT_STREAM (out), head->str, head->len, NULL, NULL, &error) ||
      (in = g_file_read (part, NULL, &error)) == NULL ||
      g_output_stream_splice (G_OUTPUT_STREAM (out), G_INPUT_STREAM (in),
                              G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, &error) < 0 ||
      !g_output_stream_write_all (G_OUTPUT_STREAM (out), "\n]}\n", 4, NULL, NULL, &error) ||
      !g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error))
    {
      g_task_return_new_error (task, G_IO_ERROR, error->code,
                               _("The download cannot be stored: %s"), error->message);
      g_error_free (error);
      g_object_unref (task);
      return;
    }
  import_path (task, merged);
}

/* ---- A plain file ---- */

static const char *
extension_for (const char *format)
{
  if (g_strcmp0 (format, "GeoPackage") == 0)
    return "gpkg";
  if (g_strcmp0 (format, "Shapefile") == 0)
    return "zip";
  if (g_strcmp0 (format, "CSV") == 0)
    return "csv";
  if (g_strcmp0 (format, "FlatGeobuf") == 0)
    return "fgb";
  if (g_strcmp0 (format, "KML") == 0)
    return "kml";
  if (g_strcmp0 (format, "GML") == 0)
    return "gml";
  return "geojson";
}

static void
file_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Fetch *fetch = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(QrtCacheEntry) entry = qrt_data_space_get_finish (QRT_DATA_SPACE (source), result,
                                                              &error);
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  if (entry == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  fetch->all_cached = qrt_data_space_result_from_cache (result);
  report (fetch, 0.9);

  /* GDAL picks the driver and /vsizip/ by the name: the cached body gets one. */
  name = g_strdup_printf ("%s.%s", qrt_collection_get_id (fetch->collection),
                          extension_for (qrt_collection_get_format (fetch->collection)));
  g_strdelimit (name, "/\\", '_');
  path = g_build_filename (fetch->tmpdir, name, NULL);
  if (entry->body_path == NULL || symlink (entry->body_path, path) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("The download cannot be stored: %s"), g_strerror (saved));
      g_object_unref (task);
      return;
    }
  import_path (task, path);
}

/* ---- Start ---- */

/* The server's own URI for EPSG:@epsg; its version part varies (QGIS Server says 9.6.2). */
static const char *
pick_crs (const QrtCollectionInfo *info,
          int                      epsg)
{
  g_autofree char *suffix = g_strdup_printf ("/%d", epsg);

  for (guint i = 0; info->crs != NULL && info->crs[i] != NULL; i++)
    if (g_str_has_prefix (info->crs[i], "http://www.opengis.net/def/crs/EPSG/") &&
        g_str_has_suffix (info->crs[i], suffix))
      return info->crs[i];
  return NULL;
}

void
qrt_data_space_fetch_async (QrtDataSpace          *self,
                            QrtCollection         *collection,
                            const char            *project_path,
                            const QrtFetchOptions *options,
                            QrtProgressFunc        progress,
                            gpointer               progress_data,
                            GCancellable          *cancellable,
                            GAsyncReadyCallback    callback,
                            gpointer               user_data)
{
  GTask *task;
  Fetch *fetch;
  const QrtCollectionInfo *info;
  g_autoptr(GError) error = NULL;
  int fd;

  g_return_if_fail (QRT_IS_DATA_SPACE (self));
  g_return_if_fail (QRT_IS_COLLECTION (collection));
  g_return_if_fail (project_path != NULL);

  info = qrt_collection_get_info (collection);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_data_space_fetch_async);
  fetch = g_new0 (Fetch, 1);
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);
  fetch->collection = g_object_ref (collection);
  fetch->project_path = g_strdup (project_path);
  fetch->progress = progress;
  fetch->progress_data = progress_data;
  fetch->matched = -1;
  fetch->all_cached = TRUE;
  fetch->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fetch->visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fetch->ahead = g_ptr_array_new_with_free_func ((GDestroyNotify) ahead_free);
  if (options != NULL)
    {
      fetch->target_name = g_strdup (options->target_name);
      fetch->replace = options->replace && options->target_name != NULL;
      fetch->have_bbox = options->have_bbox;
      fetch->bbox = options->bbox;
    }

  if ((fetch->tmpdir = g_dir_make_tmp ("quartier-fetch-XXXXXX", &error)) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, error->code,
                               _("The download cannot be stored: %s"), error->message);
      g_object_unref (task);
      return;
    }

  if (info->service == QRT_SERVICE_FILE)
    {
      qrt_data_space_get_full_async (self, info->url, QRT_BODY_FILE, fetch->replace, cancellable,
                                     file_cb, task);
      return;
    }

  fetch->features_path = g_build_filename (fetch->tmpdir, "features.part", NULL);
  fd = g_open (fetch->features_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || (fetch->features = fdopen (fd, "w")) == NULL)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("The download cannot be stored: %s"), g_strerror (saved));
      g_object_unref (task);
      return;
    }

  if (info->service == QRT_SERVICE_OGC_API_FEATURES)
    {
      const char *crs = pick_crs (info, DEFAULT_EPSG);

      if (crs != NULL)
        {
          fetch->crs_uri = g_strdup (crs);
          fetch->epsg = DEFAULT_EPSG;
        }
    }
  else if (info->service == QRT_SERVICE_WFS && info->wfs_format != NULL)
    fetch->epsg = DEFAULT_EPSG;

  set_filter (fetch);

  fetch->page_url = page_query (fetch, info->url);
  fetch_page (task);
}

gboolean
qrt_data_space_fetch_finish (QrtDataSpace    *self,
                             GAsyncResult    *result,
                             QrtFetchResult  *out_result,
                             GError         **error)
{
  Fetch *fetch;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  fetch = g_task_get_task_data (G_TASK (result));
  if (out_result != NULL)
    {
      *out_result = fetch->result;
      memset (&fetch->result, 0, sizeof fetch->result);
    }
  return TRUE;
}

/* ---- Refresh ---- */

typedef struct
{
  char            *project_path;
  char            *layer_name;
  char            *origin;
  QrtProgressFunc  progress;
  gpointer         progress_data;
  QrtFetchResult   result;
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_free (refresh->project_path);
  g_free (refresh->layer_name);
  g_free (refresh->origin);
  qrt_fetch_result_clear (&refresh->result);
  g_free (refresh);
}

char *
qrt_data_space_fetch_key (const char *layer_name)
{
  g_return_val_if_fail (layer_name != NULL, NULL);
  return g_strconcat (QRT_ORIGIN_KEY_PREFIX, layer_name, NULL);
}

static void
read_origin_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  static const char *const drivers[] = { "GPKG", NULL };
  Refresh *refresh = task_data;
  g_autofree char *key = qrt_data_space_fetch_key (refresh->layer_name);
  GDALDatasetH dataset = GDALOpenEx (refresh->project_path, GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                     drivers, NULL, NULL);
  OGRLayerH table = dataset ? GDALDatasetGetLayerByName (dataset, "qrt_project") : NULL;
  OGRFeatureH feature;

  if (table != NULL)
    {
      OGR_L_ResetReading (table);
      while ((feature = OGR_L_GetNextFeature (table)) != NULL && refresh->origin == NULL)
        {
          int value = OGR_F_GetFieldIndex (feature, "value");

          if (g_strcmp0 (OGR_F_GetFieldAsString (feature, OGR_F_GetFieldIndex (feature, "key")),
                         key) == 0 && OGR_F_IsFieldSetAndNotNull (feature, value))
            refresh->origin = g_strdup (OGR_F_GetFieldAsString (feature, value));
          OGR_F_Destroy (feature);
        }
    }
  if (dataset != NULL)
    GDALClose (dataset);

  if (refresh->origin == NULL)
    g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                             _("“%s” was not fetched from a data space, so it cannot be "
                               "refreshed from there."), refresh->layer_name);
  else
    g_task_return_boolean (task, TRUE);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  Refresh *refresh = g_task_get_task_data (task);
  GError *error = NULL;

  if (qrt_data_space_fetch_finish (QRT_DATA_SPACE (source), result, &refresh->result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
origin_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  Refresh *refresh = g_task_get_task_data (task);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(QrtCollection) collection = NULL;
  QrtCollectionInfo info;
  QrtFetchOptions options = { 0 };
  JsonObject *object;
  JsonArray *bbox;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!json_parser_load_from_data (parser, refresh->origin, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      !qrt_collection_info_from_json (&info,
                                      (object = json_node_get_object (json_parser_get_root (parser)))))
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                               _("The project does not say where “%s” came from in a form "
                                 "Quartier understands."), refresh->layer_name);
      return;
    }
  collection = qrt_collection_new_take (&info);

  if ((bbox = qrt_json_array (object, "bbox")) != NULL && json_array_get_length (bbox) == 4)
    {
      options.have_bbox = TRUE;
      options.bbox.min_x = json_array_get_double_element (bbox, 0);
      options.bbox.min_y = json_array_get_double_element (bbox, 1);
      options.bbox.max_x = json_array_get_double_element (bbox, 2);
      options.bbox.max_y = json_array_get_double_element (bbox, 3);
    }
  options.target_name = refresh->layer_name;
  options.replace = TRUE;
  qrt_data_space_fetch_async (QRT_DATA_SPACE (g_task_get_source_object (task)), collection,
                              refresh->project_path, &options, refresh->progress,
                              refresh->progress_data, g_task_get_cancellable (task), refreshed_cb,
                              g_object_ref (task));
}

void
qrt_data_space_refresh_async (QrtDataSpace        *self,
                              const char          *project_path,
                              const char          *layer_name,
                              QrtProgressFunc      progress,
                              gpointer             progress_data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Refresh *refresh;

  g_return_if_fail (QRT_IS_DATA_SPACE (self));
  g_return_if_fail (project_path != NULL && layer_name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_data_space_refresh_async);
  refresh = g_new0 (Refresh, 1);
  refresh->project_path = g_strdup (project_path);
  refresh->layer_name = g_strdup (layer_name);
  refresh->progress = progress;
  refresh->progress_data = progress_data;
  g_task_set_task_data (task, refresh, (GDestroyNotify) refresh_free);

  /* Reading the project is file work: a worker, like every GDAL call. */
  qrt_data_space_run_step (self, task, read_origin_worker, refresh, NULL, origin_read_cb);
}

gboolean
qrt_data_space_refresh_finish (QrtDataSpace    *self,
                               GAsyncResult    *result,
                               QrtFetchResult  *out_result,
                               GError         **error)
{
  Refresh *refresh;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  refresh = g_task_get_task_data (G_TASK (result));
  if (out_result != NULL)
    {
      *out_result = refresh->result;
      memset (&refresh->result, 0, sizeof refresh->result);
    }
  return TRUE;
}
