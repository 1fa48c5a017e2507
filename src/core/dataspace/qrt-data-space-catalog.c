/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "qrt-data-space-private.h"

/* What Quartier can read from a plain URL or a CKAN resource, by extension or format name. */
static const struct
{
  const char *name;      /* lower case */
  const char *format;
} file_formats[] = {
  { "geojson", "GeoJSON" },
  { "json", "GeoJSON" },
  { "gpkg", "GeoPackage" },
  { "geopackage", "GeoPackage" },
  { "zip", "Shapefile" },
  { "shp", "Shapefile" },
  { "shapefile", "Shapefile" },
  { "esri shapefile", "Shapefile" },
  { "csv", "CSV" },
  { "fgb", "FlatGeobuf" },
  { "flatgeobuf", "FlatGeobuf" },
  { "kml", "KML" },
  { "gml", "GML" },
};

static const char *
format_for_name (const char *name)
{
  g_autofree char *folded = NULL;

  if (name == NULL)
    return NULL;
  folded = g_ascii_strdown (name, -1);
  g_strstrip (folded);
  for (guint i = 0; i < G_N_ELEMENTS (file_formats); i++)
    if (g_str_equal (folded, file_formats[i].name))
      return file_formats[i].format;
  return NULL;
}

/* The format of a URL by the extension of its path, or NULL. */
static const char *
format_for_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *path, *dot, *slash;

  if (uri == NULL)
    return NULL;
  path = g_uri_get_path (uri);
  slash = strrchr (path, '/');
  dot = strrchr (path, '.');
  if (dot == NULL || (slash != NULL && dot < slash))
    return NULL;
  /* "json" alone is too vague for a path (/collections.json is a catalog). */
  if (g_ascii_strcasecmp (dot + 1, "json") == 0)
    return NULL;
  return format_for_name (dot + 1);
}

static char *
url_basename (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *base = NULL;
  char *dot;

  if (uri == NULL)
    return g_strdup ("download");
  base = g_path_get_basename (g_uri_get_path (uri));
  if ((dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  if (*base == '\0' || g_str_equal (base, "/") || g_str_equal (base, "."))
    return g_strdup ("download");
  return g_steal_pointer (&base);
}

static char *
strip_query (const char *url)
{
  const char *q = strchr (url, '?');

  return q ? g_strndup (url, q - url) : g_strdup (url);
}

static gboolean
rel_matches (const char *rel,
             const char *wanted)
{
  const char *slash;

  if (rel == NULL)
    return FALSE;
  if (g_str_equal (rel, wanted))
    return TRUE;
  /* OGC's long form: http://www.opengis.net/def/rel/ogc/1.0/data */
  slash = strrchr (rel, '/');
  return g_str_has_prefix (rel, "http://www.opengis.net/def/rel/") && slash != NULL &&
         g_str_equal (slash + 1, wanted);
}

/* The href of the link with @rel, preferring JSON when the links offer several types. */
static const char *
find_link (JsonObject *object,
           const char *rel,
           const char *base_url,
           char      **resolved)
{
  JsonArray *links = qrt_json_array (object, "links");
  const char *best = NULL;
  int best_score = -1;

  *resolved = NULL;
  if (links == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *link = json_array_get_object_element (links, i);
      const char *href = qrt_json_string (link, "href");
      const char *type = qrt_json_string (link, "type");
      int score;

      if (href == NULL || !rel_matches (qrt_json_string (link, "rel"), rel))
        continue;
      score = type == NULL ? 1 : strstr (type, "geo+json") ? 3 : strstr (type, "json") ? 2 : 0;
      if (score > best_score)
        {
          best = href;
          best_score = score;
        }
    }
  if (best != NULL)
    *resolved = g_uri_resolve_relative (base_url, best, G_URI_FLAGS_ENCODED, NULL);
  return *resolved;
}

static char *
link_title_or_href (JsonObject *object,
                    const char *rel)
{
  JsonArray *links = qrt_json_array (object, "links");

  if (links == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *link = json_array_get_object_element (links, i);
      const char *title = qrt_json_string (link, "title");

      if (!rel_matches (qrt_json_string (link, "rel"), rel))
        continue;
      if (title != NULL && *title)
        return g_strdup_printf ("%s (%s)", title, qrt_json_string (link, "href"));
      return g_strdup (qrt_json_string (link, "href"));
    }
  return NULL;
}

static gboolean
read_bbox (JsonArray *array,
           QrtBBox   *bbox)
{
  guint n = array ? json_array_get_length (array) : 0;
  double v[6];

  if (n != 4 && n != 6)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
        return FALSE;
      v[i] = json_node_get_double (node);
    }
  bbox->min_x = v[0];
  bbox->min_y = v[1];
  bbox->max_x = v[n == 4 ? 2 : 3];
  bbox->max_y = v[n == 4 ? 3 : 4];
  return bbox->min_x <= bbox->max_x && bbox->min_y <= bbox->max_y;
}

/* ---- OGC API Features ---- */

static QrtCollection *
parse_oapif_collection (JsonObject *object,
                        const char *collections_url)
{
  QrtCollectionInfo info = { 0 };
  JsonObject *spatial = qrt_json_object (qrt_json_object (object, "extent"), "spatial");
  JsonArray *bboxes = qrt_json_array (spatial, "bbox");
  JsonArray *crs = qrt_json_array (object, "crs");
  const char *id = qrt_json_string (object, "id");
  char *items = NULL;
  JsonNode *count;

  if (id == NULL)
    return NULL;

  info.service = QRT_SERVICE_OGC_API_FEATURES;
  info.id = g_strdup (id);
  info.title = g_strdup (qrt_json_string (object, "title"));
  info.description = g_strdup (qrt_json_string (object, "description"));
  info.licence = link_title_or_href (object, "license");
  info.attribution = g_strdup (qrt_json_string (object, "attribution"));
  info.format = g_strdup ("GeoJSON");
  info.count = -1;
  info.size = -1;
  if ((count = json_object_get_member (object, "itemCount")) != NULL &&
      JSON_NODE_TYPE (count) == JSON_NODE_VALUE)
    info.count = json_node_get_int (count);

  if (find_link (object, "items", collections_url, &items) == NULL)
    {
      g_autofree char *path = strip_query (collections_url);
      g_autofree char *folder = g_str_has_suffix (path, "/") ? g_strdup (path)
                                                            : g_strconcat (path, "/", NULL);
      g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
      g_autofree char *relative = g_strconcat (escaped, "/items", NULL);

      items = g_uri_resolve_relative (folder, relative, G_URI_FLAGS_ENCODED, NULL);
    }
  info.url = items;

  if (bboxes != NULL && json_array_get_length (bboxes) > 0)
    {
      JsonNode *first = json_array_get_element (bboxes, 0);

      if (JSON_NODE_HOLDS_ARRAY (first))
        info.have_extent = read_bbox (json_node_get_array (first), &info.extent);
      else
        info.have_extent = read_bbox (bboxes, &info.extent);
    }

  if (crs != NULL)
    {
      GPtrArray *list = g_ptr_array_new ();

      for (guint i = 0; i < json_array_get_length (crs); i++)
        {
          JsonNode *node = json_array_get_element (crs, i);

          if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE &&
              json_node_get_value_type (node) == G_TYPE_STRING)
            g_ptr_array_add (list, g_strdup (json_node_get_string (node)));
        }
      g_ptr_array_add (list, NULL);
      info.crs = (char **) g_ptr_array_free (list, FALSE);
    }

  return qrt_collection_new_take (&info);
}

static GPtrArray *
parse_oapif_collections (JsonObject *root,
                         const char *url)
{
  JsonArray *array = qrt_json_array (root, "collections");
  GPtrArray *collections = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      QrtCollection *collection;

      if (JSON_NODE_HOLDS_OBJECT (node) &&
          (collection = parse_oapif_collection (json_node_get_object (node), url)) != NULL)
        g_ptr_array_add (collections, collection);
    }
  return collections;
}

/* ---- CKAN ---- */

static GPtrArray *
parse_ckan_results (JsonObject *root)
{
  JsonArray *results = qrt_json_array (qrt_json_object (root, "result"), "results");
  GPtrArray *collections = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; results != NULL && i < json_array_get_length (results); i++)
    {
      JsonObject *dataset = json_array_get_object_element (results, i);
      JsonArray *resources = qrt_json_array (dataset, "resources");
      const char *title = qrt_json_string (dataset, "title");
      const char *licence = qrt_json_string (dataset, "license_title");
      const char *licence_url = qrt_json_string (dataset, "license_url");
      const char *organisation = qrt_json_string (qrt_json_object (dataset, "organization"), "title");

      for (guint j = 0; resources != NULL && j < json_array_get_length (resources); j++)
        {
          JsonObject *resource = json_array_get_object_element (resources, j);
          const char *url = qrt_json_string (resource, "url");
          const char *format = format_for_name (qrt_json_string (resource, "format"));
          const char *name = qrt_json_string (resource, "name");
          QrtCollectionInfo info = { 0 };
          JsonNode *size;

          if (format == NULL && url != NULL)
            format = format_for_url (url);
          if (format == NULL || url == NULL || !g_str_has_prefix (url, "http"))
            continue;

          info.service = QRT_SERVICE_FILE;
          info.id = g_strdup (qrt_json_string (resource, "id"));
          if (info.id == NULL)
            info.id = url_basename (url);
          info.title = name != NULL && title != NULL && !g_str_equal (name, title)
                       ? g_strdup_printf ("%s – %s", title, name)
                       : g_strdup (title ? title : name);
          info.description = g_strdup (qrt_json_string (resource, "description"));
          if (info.description == NULL || *info.description == '\0')
            {
              g_free (info.description);
              info.description = g_strdup (qrt_json_string (dataset, "notes"));
            }
          info.licence = licence_url && licence
                         ? g_strdup_printf ("%s (%s)", licence, licence_url)
                         : g_strdup (licence ? licence : licence_url);
          info.attribution = g_strdup (organisation);
          info.format = g_strdup (format);
          info.url = g_strdup (url);
          info.count = -1;
          info.size = -1;
          if ((size = json_object_get_member (resource, "size")) != NULL &&
              JSON_NODE_TYPE (size) == JSON_NODE_VALUE &&
              json_node_get_value_type (size) == G_TYPE_INT64)
            info.size = json_node_get_int (size);
          g_ptr_array_add (collections, qrt_collection_new_take (&info));
        }
    }
  return collections;
}

/* ---- WFS capabilities (GMarkup: namespaces are only prefixes to strip) ---- */

typedef struct
{
  GPtrArray         *collections;
  QrtCollectionInfo *current;
  GString           *text;
  char              *title;
  char              *version;
  char              *get_feature_href;
  char              *licence;
  GPtrArray         *formats;
  gboolean           in_get_feature;
  gboolean           in_output_format;
  gboolean           in_paging;
  gboolean           paging;
  gboolean           in_service;
  gboolean           exception;
  char              *lower;
} Caps;

static const char *
local_name (const char *name)
{
  const char *colon = strrchr (name, ':');

  return colon ? colon + 1 : name;
}

static void
caps_start (GMarkupParseContext  *context,
            const char           *element,
            const char          **names,
            const char          **values,
            gpointer              data,
            GError              **error)
{
  Caps *caps = data;
  const char *name = local_name (element);

  g_string_truncate (caps->text, 0);
  if (g_str_equal (name, "WFS_Capabilities"))
    {
      for (guint i = 0; names[i]; i++)
        if (g_str_equal (names[i], "version"))
          caps->version = g_strdup (values[i]);
    }
  else if (g_str_equal (name, "ExceptionReport") || g_str_equal (name, "ServiceExceptionReport"))
    caps->exception = TRUE;
  else if (g_str_equal (name, "ServiceIdentification") || g_str_equal (name, "Service"))
    caps->in_service = TRUE;
  else if (g_str_equal (name, "FeatureType"))
    {
      caps->current = g_new0 (QrtCollectionInfo, 1);
      caps->current->service = QRT_SERVICE_WFS;
      caps->current->count = -1;
      caps->current->size = -1;
    }
  else if (g_str_equal (name, "Operation"))
    {
      caps->in_get_feature = FALSE;
      for (guint i = 0; names[i]; i++)
        if (g_str_equal (names[i], "name") && g_str_equal (values[i], "GetFeature"))
          caps->in_get_feature = TRUE;
    }
  else if (g_str_equal (name, "Parameter"))
    {
      caps->in_output_format = FALSE;
      for (guint i = 0; names[i]; i++)
        if (g_str_equal (names[i], "name") && g_ascii_strcasecmp (values[i], "outputFormat") == 0)
          caps->in_output_format = caps->in_get_feature;
    }
  else if (g_str_equal (name, "Constraint"))
    {
      caps->in_paging = FALSE;
      for (guint i = 0; names[i]; i++)
        if (g_str_equal (names[i], "name") && g_str_equal (values[i], "ImplementsResultPaging"))
          caps->in_paging = TRUE;
    }
  else if (g_str_equal (name, "Get") && caps->in_get_feature && caps->get_feature_href == NULL)
    {
      for (guint i = 0; names[i]; i++)
        if (g_str_equal (local_name (names[i]), "href"))
          caps->get_feature_href = g_strdup (values[i]);
    }
}

static void
caps_end (GMarkupParseContext  *context,
          const char           *element,
          gpointer              data,
          GError              **error)
{
  Caps *caps = data;
  const char *name = local_name (element);
  g_autofree char *text = g_strstrip (g_strdup (caps->text->str));
  QrtCollectionInfo *info = caps->current;

  if (info != NULL)
    {
      if (g_str_equal (name, "Name") && info->type_name == NULL)
        info->type_name = g_strdup (text);
      else if (g_str_equal (name, "Title") && info->title == NULL)
        info->title = g_strdup (text);
      else if (g_str_equal (name, "Abstract") && info->description == NULL)
        info->description = g_strdup (text);
      else if (g_str_equal (name, "LowerCorner"))
        {
          g_free (caps->lower);
          caps->lower = g_strdup (text);
        }
      else if (g_str_equal (name, "UpperCorner") && caps->lower != NULL)
        {
          g_auto(GStrv) lo = g_strsplit_set (caps->lower, " \t\n", -1);
          g_auto(GStrv) hi = g_strsplit_set (text, " \t\n", -1);

          if (g_strv_length (lo) >= 2 && g_strv_length (hi) >= 2)
            {
              info->extent.min_x = g_ascii_strtod (lo[0], NULL);
              info->extent.min_y = g_ascii_strtod (lo[1], NULL);
              info->extent.max_x = g_ascii_strtod (hi[0], NULL);
              info->extent.max_y = g_ascii_strtod (hi[1], NULL);
              info->have_extent = info->extent.min_x <= info->extent.max_x &&
                                  info->extent.min_y <= info->extent.max_y;
            }
        }
      else if (g_str_equal (name, "FeatureType"))
        {
          if (info->type_name != NULL)
            {
              info->id = g_strdup (local_name (info->type_name));
              g_ptr_array_add (caps->collections, qrt_collection_new_take (info));
            }
          qrt_collection_info_clear (info);
          g_free (info);
          caps->current = NULL;
        }
    }
  else if (caps->in_service && g_str_equal (name, "Title") && caps->title == NULL)
    caps->title = g_strdup (text);
  else if (caps->in_service && (g_str_equal (name, "Fees") || g_str_equal (name, "AccessConstraints")) &&
           *text && g_ascii_strcasecmp (text, "none") != 0 && caps->licence == NULL)
    caps->licence = g_strdup (text);
  else if (g_str_equal (name, "ServiceIdentification") || g_str_equal (name, "Service"))
    caps->in_service = FALSE;
  else if (g_str_equal (name, "Value") && caps->in_output_format && *text)
    g_ptr_array_add (caps->formats, g_strdup (text));
  else if ((g_str_equal (name, "DefaultValue") || g_str_equal (name, "Value")) && caps->in_paging)
    caps->paging = g_ascii_strcasecmp (text, "TRUE") == 0;
  else if (g_str_equal (name, "Parameter"))
    caps->in_output_format = FALSE;
  else if (g_str_equal (name, "Constraint"))
    caps->in_paging = FALSE;
  else if (g_str_equal (name, "Operation"))
    caps->in_get_feature = FALSE;

  g_string_truncate (caps->text, 0);
}

static void
caps_text (GMarkupParseContext  *context,
           const char           *text,
           gsize                 length,
           gpointer              data,
           GError              **error)
{
  Caps *caps = data;

  g_string_append_len (caps->text, text, length);
}

static const char *
pick_geojson_format (GPtrArray *formats)
{
  for (guint i = 0; i < formats->len; i++)
    {
      const char *f = formats->pdata[i];
      g_autofree char *folded = g_ascii_strdown (f, -1);

      if (strstr (folded, "geojson") || strstr (folded, "geo+json") ||
          g_str_equal (folded, "application/json") || g_str_equal (folded, "json"))
        return f;
    }
  return NULL;
}

static QrtCatalog *
parse_wfs_capabilities (GBytes      *bytes,
                        const char  *url,
                        GError     **error)
{
  static const GMarkupParser parser = { caps_start, caps_end, caps_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autofree char *host = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GPtrArray) collections = g_ptr_array_new_with_free_func (g_object_unref);
  Caps caps = { 0 };
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  gboolean ok;
  QrtCatalog *catalog = NULL;
  const char *geojson;

  caps.collections = collections;
  caps.text = g_string_new (NULL);
  caps.formats = g_ptr_array_new_with_free_func (g_free);
  context = g_markup_parse_context_new (&parser, 0, &caps, NULL);
  /* GMarkup refuses a DOCTYPE; WFS answers have none. An XML declaration is fine. */
  ok = data != NULL && g_markup_parse_context_parse (context, data, size, NULL) &&
       g_markup_parse_context_end_parse (context, NULL);

  {
    g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
    host = g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : url);
  }

  if (!ok || caps.version == NULL)
    {
      g_set_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                   caps.exception ? _("The WFS at %s answered with an error.")
                                  : _("The answer from %s is not a WFS capabilities document."),
                   host);
      goto out;
    }

  /* The advertised address may carry its own query (MapServer: ?map=NAME&); it stays. */
  base = g_strdup (caps.get_feature_href ? caps.get_feature_href : url);
  geojson = pick_geojson_format (caps.formats);
  for (guint i = 0; i < collections->len; i++)
    {
      QrtCollection *collection = collections->pdata[i];
      QrtCollectionInfo *info = (QrtCollectionInfo *) qrt_collection_get_info (collection);

      info->wfs_version = g_strdup (caps.version);
      info->wfs_format = g_strdup (geojson);
      info->wfs_paging = caps.paging;
      info->format = g_strdup (geojson ? "GeoJSON" : "GML");
      info->url = g_strdup (base);
      if (info->licence == NULL)
        info->licence = g_strdup (caps.licence);
    }
  catalog = qrt_catalog_new (QRT_SERVICE_WFS, url, caps.title ? caps.title : host, collections);

out:
  g_string_free (caps.text, TRUE);
  g_ptr_array_unref (caps.formats);
  g_free (caps.title);
  g_free (caps.version);
  g_free (caps.get_feature_href);
  g_free (caps.licence);
  g_free (caps.lower);
  if (caps.current != NULL)
    {
      qrt_collection_info_clear (caps.current);
      g_free (caps.current);
    }
  return catalog;
}

/* ---- Detection: OGC API, then CKAN, then WFS ---- */

typedef enum
{
  STEP_OAPIF,
  STEP_OAPIF_COLLECTIONS,
  STEP_CKAN,
  STEP_WFS,
  STEP_DONE,
} Step;

typedef struct
{
  char    *url;
  char    *query;
  char    *title;
  char    *request;   /* the URL asked in the current step */
  Step     step;
  GError  *first_error;
} Browse;

static void
browse_free (Browse *browse)
{
  g_free (browse->url);
  g_free (browse->query);
  g_free (browse->title);
  g_free (browse->request);
  g_clear_error (&browse->first_error);
  g_free (browse);
}

static void browse_next (GTask *task);

static char *
ckan_search_url (const char *url,
                 const char *query)
{
  g_autofree char *base = strip_query (url);
  char *api = strstr (base, "/api/3");
  g_autofree char *search = NULL;
  g_autofree char *with_q = NULL;

  if (api != NULL)
    *api = '\0';
  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  search = g_strconcat (base, "/api/3/action/package_search", NULL);
  with_q = qrt_url_with_query (search, "q", query ? query : "");
  return qrt_url_with_query (with_q, "rows", "100");
}

static char *
wfs_capabilities_url (const char *url)
{
  g_autofree char *a = qrt_url_with_query (url, "service", "WFS");

  return qrt_url_with_query (a, "request", "GetCapabilities");
}

static void
browse_failed_step (GTask  *task,
                    GError *error)
{
  Browse *browse = g_task_get_task_data (task);

  /* Only "this is not that kind of service" moves on to the next kind: a host that does not
   * answer, fails, cuts off or floods will do the same for every other question. */
  if (error->domain != QRT_DATA_SPACE_ERROR ||
      (error->code != QRT_DATA_SPACE_ERROR_HTTP && error->code != QRT_DATA_SPACE_ERROR_UNSUPPORTED &&
       error->code != QRT_DATA_SPACE_ERROR_BAD_RESPONSE))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (browse->first_error == NULL)
    browse->first_error = error;
  else
    g_error_free (error);

  switch (browse->step)
    {
    case STEP_OAPIF:
    case STEP_OAPIF_COLLECTIONS:
      browse->step = STEP_CKAN;
      break;
    case STEP_CKAN:
      browse->step = STEP_WFS;
      break;
    case STEP_WFS:
    case STEP_DONE:
    default:
      browse->step = STEP_DONE;
      break;
    }
  browse_next (task);
}

static void
browse_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GTask *task = data;
  Browse *browse = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(QrtCacheEntry) entry = qrt_data_space_get_finish (QRT_DATA_SPACE (source), result,
                                                              &error);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  g_autofree char *next = NULL;

  if (entry == NULL)
    {
      browse_failed_step (task, error);
      return;
    }

  if (browse->step == STEP_WFS)
    {
      QrtCatalog *catalog = parse_wfs_capabilities (entry->body, browse->request, &error);

      if (catalog == NULL)
        browse_failed_step (task, error);
      else
        {
          g_task_return_pointer (task, catalog, g_object_unref);
          g_object_unref (task);
        }
      return;
    }

  if ((root = qrt_json_parse_bytes (entry->body, browse->request, &error)) == NULL)
    {
      browse_failed_step (task, error);
      return;
    }
  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;

  if (browse->step == STEP_CKAN)
    {
      JsonNode *success = object ? json_object_get_member (object, "success") : NULL;

      if (success == NULL || JSON_NODE_TYPE (success) != JSON_NODE_VALUE ||
          !json_node_get_boolean (success))
        {
          browse_failed_step (task, g_error_new (QRT_DATA_SPACE_ERROR,
                                                 QRT_DATA_SPACE_ERROR_UNSUPPORTED, "not CKAN"));
          return;
        }
      {
        g_autoptr(GPtrArray) collections = parse_ckan_results (object);
        g_autoptr(GUri) uri = g_uri_parse (browse->url, G_URI_FLAGS_NONE, NULL);

        g_task_return_pointer (task,
                               qrt_catalog_new (QRT_SERVICE_CKAN, browse->url,
                                                uri ? g_uri_get_host (uri) : browse->url,
                                                collections),
                               g_object_unref);
        g_object_unref (task);
        return;
      }
    }

  if (object != NULL && qrt_json_array (object, "collections") != NULL)
    {
      g_autoptr(GPtrArray) collections = parse_oapif_collections (object, browse->request);
      const char *title = qrt_json_string (object, "title");

      g_task_return_pointer (task,
                             qrt_catalog_new (QRT_SERVICE_OGC_API_FEATURES, browse->url,
                                              browse->title ? browse->title
                                              : title ? title : browse->url,
                                              collections),
                             g_object_unref);
      g_object_unref (task);
      return;
    }

  if (browse->step == STEP_OAPIF && object != NULL &&
      find_link (object, "data", browse->request, &next) != NULL)
    {
      browse->title = g_strdup (qrt_json_string (object, "title"));
      browse->step = STEP_OAPIF_COLLECTIONS;
      g_free (browse->request);
      browse->request = g_steal_pointer (&next);
      browse_next (task);
      return;
    }

  if (object != NULL && g_strcmp0 (qrt_json_string (object, "type"), "FeatureCollection") == 0)
    {
      QrtCollectionInfo info = { 0 };
      GPtrArray *one = g_ptr_array_new_with_free_func (g_object_unref);
      QrtCatalog *catalog;

      info.service = QRT_SERVICE_FILE;
      info.id = url_basename (browse->url);
      info.title = g_strdup (info.id);
      info.format = g_strdup ("GeoJSON");
      info.url = g_strdup (browse->url);
      info.count = qrt_json_array (object, "features")
                   ? json_array_get_length (qrt_json_array (object, "features")) : -1;
      info.size = g_bytes_get_size (entry->body);
      g_ptr_array_add (one, qrt_collection_new_take (&info));
      catalog = qrt_catalog_new (QRT_SERVICE_FILE, browse->url, browse->url, one);
      g_ptr_array_unref (one);
      g_task_return_pointer (task, catalog, g_object_unref);
      g_object_unref (task);
      return;
    }

  browse_failed_step (task, g_error_new (QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                                         "not OGC API"));
}

static void
browse_next (GTask *task)
{
  QrtDataSpace *self = g_task_get_source_object (task);
  Browse *browse = g_task_get_task_data (task);
  QrtBodyKind kind = QRT_BODY_JSON;

  switch (browse->step)
    {
    case STEP_OAPIF:
      g_free (browse->request);
      browse->request = qrt_url_get_query (browse->url, "f")
                        ? g_strdup (browse->url)
                        : qrt_url_with_query (browse->url, "f", "json");
      break;
    case STEP_OAPIF_COLLECTIONS:
      if (qrt_url_get_query (browse->request, "f") == NULL)
        {
          char *with_f = qrt_url_with_query (browse->request, "f", "json");

          g_free (browse->request);
          browse->request = with_f;
        }
      break;
    case STEP_CKAN:
      g_free (browse->request);
      browse->request = ckan_search_url (browse->url, browse->query);
      break;
    case STEP_WFS:
      g_free (browse->request);
      browse->request = wfs_capabilities_url (browse->url);
      kind = QRT_BODY_XML;
      break;
    case STEP_DONE:
    default:
      {
        g_autoptr(GUri) uri = g_uri_parse (browse->url, G_URI_FLAGS_NONE, NULL);

        g_debug ("No service at %s; first problem: %s", browse->url,
                 browse->first_error ? browse->first_error->message : "none");
        /* Data that could not be read says more than "no service found". */
        if (g_error_matches (browse->first_error, QRT_DATA_SPACE_ERROR,
                             QRT_DATA_SPACE_ERROR_BAD_RESPONSE))
          g_task_return_error (task, g_steal_pointer (&browse->first_error));
        else
          g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                                   _("No OGC API Features, WFS or CKAN service and no data file "
                                     "Quartier reads was found at %s."),
                                   uri && g_uri_get_host (uri) ? g_uri_get_host (uri)
                                                               : browse->url);
        g_object_unref (task);
        return;
      }
    }

  qrt_data_space_get_kind_async (self, browse->request, kind, g_task_get_cancellable (task),
                                 browse_cb, task);
}

void
qrt_data_space_catalog_async (QrtDataSpace        *self,
                              const char          *url,
                              const char          *query,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Browse *browse;
  const char *format;
  g_autofree char *service = NULL;

  g_return_if_fail (QRT_IS_DATA_SPACE (self));
  g_return_if_fail (url != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_data_space_catalog_async);

  if (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                               _("“%s” is not a web address (http:// or https://)."), url);
      g_object_unref (task);
      return;
    }

  /* A file is recognised by its name and not downloaded just to list it. */
  if ((format = format_for_url (url)) != NULL)
    {
      QrtCollectionInfo info = { 0 };
      g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);

      info.service = QRT_SERVICE_FILE;
      info.id = url_basename (url);
      info.title = g_strdup (info.id);
      info.format = g_strdup (format);
      info.url = g_strdup (url);
      info.count = -1;
      info.size = -1;
      g_ptr_array_add (one, qrt_collection_new_take (&info));
      g_task_return_pointer (task, qrt_catalog_new (QRT_SERVICE_FILE, url, url, one),
                             g_object_unref);
      g_object_unref (task);
      return;
    }

  browse = g_new0 (Browse, 1);
  browse->url = g_strdup (url);
  browse->query = g_strdup (query);
  service = qrt_url_get_query (url, "service");
  if (service != NULL && g_ascii_strcasecmp (service, "WFS") == 0)
    browse->step = STEP_WFS;
  else if (strstr (url, "/api/3") != NULL)
    browse->step = STEP_CKAN;
  else
    browse->step = STEP_OAPIF;
  g_task_set_task_data (task, browse, (GDestroyNotify) browse_free);
  browse_next (task);
}

/**
 * qrt_data_space_catalog_finish:
 *
 * Returns: (transfer full): what the service offers, or %NULL with @error set.
 */
QrtCatalog *
qrt_data_space_catalog_finish (QrtDataSpace  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
