/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-data-space-private.h"

struct _QrtCollection
{
  GObject           parent_instance;
  QrtCollectionInfo info;
};

G_DEFINE_FINAL_TYPE (QrtCollection, qrt_collection, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
qrt_collection_info_clear (QrtCollectionInfo *info)
{
  g_clear_pointer (&info->id, g_free);
  g_clear_pointer (&info->title, g_free);
  g_clear_pointer (&info->description, g_free);
  g_clear_pointer (&info->licence, g_free);
  g_clear_pointer (&info->attribution, g_free);
  g_clear_pointer (&info->format, g_free);
  g_clear_pointer (&info->url, g_free);
  g_clear_pointer (&info->crs, g_strfreev);
  g_clear_pointer (&info->type_name, g_free);
  g_clear_pointer (&info->wfs_version, g_free);
  g_clear_pointer (&info->wfs_format, g_free);
}

static void
qrt_collection_finalize (GObject *object)
{
  qrt_collection_info_clear (&QRT_COLLECTION (object)->info);
  G_OBJECT_CLASS (qrt_collection_parent_class)->finalize (object);
}

static void
qrt_collection_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QrtCollection *self = QRT_COLLECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->info.id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, qrt_collection_get_title (self));
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->info.description);
      break;
    case PROP_COUNT:
      g_value_set_int64 (value, self->info.count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_collection_class_init (QrtCollectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qrt_collection_finalize;
  object_class->get_property = qrt_collection_get_property;

  /* Read-only, for list widgets and expressions (GtkStringFilter on "title"). */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COUNT] =
    g_param_spec_int64 ("count", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrt_collection_init (QrtCollection *self)
{
  self->info.count = -1;
  self->info.size = -1;
}

/* Takes the strings of @info; @info is cleared. */
QrtCollection *
qrt_collection_new_take (QrtCollectionInfo *info)
{
  QrtCollection *self = g_object_new (QRT_TYPE_COLLECTION, NULL);

  self->info = *info;
  memset (info, 0, sizeof *info);
  return self;
}

const QrtCollectionInfo *
qrt_collection_get_info (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return &self->info;
}

QrtServiceKind
qrt_collection_get_service (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), QRT_SERVICE_UNKNOWN);
  return self->info.service;
}

const char *
qrt_collection_get_id (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return self->info.id;
}

const char *
qrt_collection_get_title (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return self->info.title != NULL && *self->info.title ? self->info.title : self->info.id;
}

const char *
qrt_collection_get_description (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return self->info.description;
}

const char *
qrt_collection_get_licence (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return self->info.licence;
}

const char *
qrt_collection_get_attribution (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return self->info.attribution;
}

const char *
qrt_collection_get_format (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return self->info.format;
}

const char *
qrt_collection_get_url (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), NULL);
  return self->info.url;
}

gint64
qrt_collection_get_count (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), -1);
  return self->info.count;
}

gint64
qrt_collection_get_size (QrtCollection *self)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), -1);
  return self->info.size;
}

gboolean
qrt_collection_get_extent (QrtCollection *self,
                           QrtBBox       *extent)
{
  g_return_val_if_fail (QRT_IS_COLLECTION (self), FALSE);
  g_return_val_if_fail (extent != NULL, FALSE);

  if (!self->info.have_extent)
    return FALSE;
  *extent = self->info.extent;
  return TRUE;
}

struct _QrtCatalog
{
  GObject         parent_instance;
  QrtServiceKind  service;
  char           *url;
  char           *title;
  GListStore     *collections;
};

G_DEFINE_FINAL_TYPE (QrtCatalog, qrt_catalog, G_TYPE_OBJECT)

static void
qrt_catalog_finalize (GObject *object)
{
  QrtCatalog *self = QRT_CATALOG (object);

  g_free (self->url);
  g_free (self->title);
  g_clear_object (&self->collections);
  G_OBJECT_CLASS (qrt_catalog_parent_class)->finalize (object);
}

static void
qrt_catalog_class_init (QrtCatalogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrt_catalog_finalize;
}

static void
qrt_catalog_init (QrtCatalog *self)
{
  self->collections = g_list_store_new (QRT_TYPE_COLLECTION);
}

QrtCatalog *
qrt_catalog_new (QrtServiceKind  service,
                 const char     *url,
                 const char     *title,
                 GPtrArray      *collections)
{
  QrtCatalog *self = g_object_new (QRT_TYPE_CATALOG, NULL);

  self->service = service;
  self->url = g_strdup (url);
  self->title = g_strdup (title);
  if (collections != NULL)
    g_list_store_splice (self->collections, 0, 0, collections->pdata, collections->len);
  return self;
}

QrtServiceKind
qrt_catalog_get_service (QrtCatalog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG (self), QRT_SERVICE_UNKNOWN);
  return self->service;
}

const char *
qrt_catalog_get_url (QrtCatalog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG (self), NULL);
  return self->url;
}

const char *
qrt_catalog_get_title (QrtCatalog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG (self), NULL);
  return self->title;
}

GListModel *
qrt_catalog_get_collections (QrtCatalog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG (self), NULL);
  return G_LIST_MODEL (self->collections);
}

/* ---- The origin of a fetched layer, kept in the project ---- */

static const char *const service_names[] = {
  [QRT_SERVICE_UNKNOWN] = "unknown",
  [QRT_SERVICE_OGC_API_FEATURES] = "ogcapi-features",
  [QRT_SERVICE_WFS] = "wfs",
  [QRT_SERVICE_CKAN] = "ckan",
  [QRT_SERVICE_FILE] = "file",
};

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

char *
qrt_collection_info_to_json (const QrtCollectionInfo *info,
                             const QrtBBox           *bbox)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  add_string (builder, "service", service_names[info->service]);
  add_string (builder, "id", info->id);
  add_string (builder, "title", info->title);
  add_string (builder, "licence", info->licence);
  add_string (builder, "attribution", info->attribution);
  add_string (builder, "format", info->format);
  add_string (builder, "url", info->url);
  add_string (builder, "type_name", info->type_name);
  add_string (builder, "wfs_version", info->wfs_version);
  add_string (builder, "wfs_format", info->wfs_format);
  json_builder_set_member_name (builder, "wfs_paging");
  json_builder_add_boolean_value (builder, info->wfs_paging);
  if (info->crs != NULL)
    {
      json_builder_set_member_name (builder, "crs");
      json_builder_begin_array (builder);
      for (guint i = 0; info->crs[i] != NULL; i++)
        json_builder_add_string_value (builder, info->crs[i]);
      json_builder_end_array (builder);
    }
  if (bbox != NULL)
    {
      json_builder_set_member_name (builder, "bbox");
      json_builder_begin_array (builder);
      json_builder_add_double_value (builder, bbox->min_x);
      json_builder_add_double_value (builder, bbox->min_y);
      json_builder_add_double_value (builder, bbox->max_x);
      json_builder_add_double_value (builder, bbox->max_y);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static char *
dup_member (JsonObject *object,
            const char *name)
{
  return g_strdup (qrt_json_string (object, name));
}

gboolean
qrt_collection_info_from_json (QrtCollectionInfo *info,
                               JsonObject        *object)
{
  const char *service = qrt_json_string (object, "service");
  JsonArray *crs = qrt_json_array (object, "crs");

  memset (info, 0, sizeof *info);
  info->count = -1;
  info->size = -1;
  for (guint i = 0; i < G_N_ELEMENTS (service_names); i++)
    if (g_strcmp0 (service, service_names[i]) == 0)
      info->service = i;
  info->id = dup_member (object, "id");
  info->title = dup_member (object, "title");
  info->licence = dup_member (object, "licence");
  info->attribution = dup_member (object, "attribution");
  info->format = dup_member (object, "format");
  info->url = dup_member (object, "url");
  info->type_name = dup_member (object, "type_name");
  info->wfs_version = dup_member (object, "wfs_version");
  info->wfs_format = dup_member (object, "wfs_format");
  info->wfs_paging = json_object_get_boolean_member_with_default (object, "wfs_paging", FALSE);
  if (crs != NULL)
    {
      info->crs = g_new0 (char *, json_array_get_length (crs) + 1);
      for (guint i = 0, n = 0; i < json_array_get_length (crs); i++)
        {
          JsonNode *node = json_array_get_element (crs, i);

          if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE &&
              json_node_get_value_type (node) == G_TYPE_STRING)
            info->crs[n++] = g_strdup (json_node_get_string (node));
        }
    }
  if (info->service == QRT_SERVICE_UNKNOWN || info->id == NULL || info->url == NULL ||
      (info->service == QRT_SERVICE_WFS && info->type_name == NULL))
    {
      qrt_collection_info_clear (info);
      return FALSE;
    }
  return TRUE;
}
