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
