/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "draw/qrt-classify.h"
#include "qrt-gdal-private.h"
#include "qrt-gpkg-read.h"
#include "qrt-project.h"
#include "qrt-project-layer.h"
#include "qrt-project-schema.h"

struct _QrtProject
{
  GObject     parent_instance;

  char       *path;
  GHashTable *metadata;   /* key -> value, from qrt_project */
  GPtrArray  *layers;     /* QrtProjectLayer, bottom first */
  GPtrArray  *removed;    /* names of layers removed since the last save */
  int         epsg;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrtProject, qrt_project, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (qrt-project-error-quark, qrt_project_error)

/* SQLite header: "SQLite format 3\0", page size at 16, page count at 28, application id at 68. */
#define SQLITE_HEADER_SIZE 100
#define GPKG_APPLICATION_ID 0x47504B47u   /* "GPKG" */
#define GP10_APPLICATION_ID 0x47503130u   /* "GP10", GeoPackage 1.0 */
#define GP11_APPLICATION_ID 0x47503131u   /* "GP11", GeoPackage 1.1 */

typedef struct
{
  QrtLayer *layer;
  char     *title;
  QrtStyle  style;
  gboolean  has_style;
  int       position;
  char     *source;
  char     *licence;
  char     *attribution;
  char     *imported_at;
} LoadedLayer;

static void
loaded_layer_free (LoadedLayer *loaded)
{
  g_clear_object (&loaded->layer);
  g_free (loaded->title);
  g_free (loaded->source);
  g_free (loaded->licence);
  g_free (loaded->attribution);
  g_free (loaded->imported_at);
  g_free (loaded);
}

static void
qrt_project_finalize (GObject *object)
{
  QrtProject *self = QRT_PROJECT (object);

  g_free (self->path);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->layers, g_ptr_array_unref);
  g_clear_pointer (&self->removed, g_ptr_array_unref);

  G_OBJECT_CLASS (qrt_project_parent_class)->finalize (object);
}

static void
qrt_project_class_init (QrtProjectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrt_project_finalize;
}

static void
qrt_project_init (QrtProject *self)
{
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->layers = g_ptr_array_new_with_free_func (g_object_unref);
  self->removed = g_ptr_array_new_with_free_func (g_free);
  self->epsg = QRT_EPSG_DEFAULT_ANALYSIS;
}

static GType
list_model_get_item_type (GListModel *model)
{
  return QRT_TYPE_PROJECT_LAYER;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return QRT_PROJECT (model)->layers->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  QrtProject *self = QRT_PROJECT (model);

  if (position >= self->layers->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->layers, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

/* Reading */

/* Whether the file is shorter than its header says. The page count is only valid when
 * "version-valid-for" matches the change counter. */
static gboolean
header_says_longer (const guint8 *header,
                    guint64       size)
{
  guint32 page_size = (guint32) header[16] << 8 | header[17];
  guint32 page_count = (guint32) header[28] << 24 | (guint32) header[29] << 16 |
                       (guint32) header[30] << 8 | header[31];

  if (page_size == 1)
    page_size = 65536;
  return memcmp (header + 24, header + 92, 4) == 0 && page_count > 0 &&
         size < (guint64) page_size * page_count;
}

/* The same question under a read lock. Without one, a file another program is committing
 * to can look cut short for a moment (its size taken before its header, or its header
 * written before its new pages); a read lock waits until the commit is through. */
static gboolean
cut_short_when_locked (const char *path)
{
  guint8 header[SQLITE_HEADER_SIZE];
  gboolean cut = TRUE;
  sqlite3 *db = NULL;
  GStatBuf st;
  FILE *file;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);
      if (sqlite3_exec (db, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL,
                        NULL) == SQLITE_OK &&
          (file = g_fopen (path, "rb")) != NULL)
        {
          if (fread (header, 1, sizeof header, file) == sizeof header && g_stat (path, &st) == 0)
            cut = header_says_longer (header, (guint64) st.st_size);
          fclose (file);
        }
    }
  sqlite3_close (db);
  return cut;
}

static gboolean
check_sqlite_header (const char  *path,
                     GError     **error)
{
  g_autofree char *name = g_filename_display_basename (path);
  guint8 header[SQLITE_HEADER_SIZE];
  GStatBuf st;
  guint32 app_id;
  FILE *file;
  size_t got;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_NOT_FOUND,
                   saved == ENOENT ? _("The file “%s” does not exist.")
                                   : _("The file “%s” cannot be read."),
                   name);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_NOT_GEOPACKAGE,
                   _("“%s” is not a file."), name);
      return FALSE;
    }

  file = g_fopen (path, "rb");
  if (file == NULL)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_NOT_FOUND,
                   _("The file “%s” cannot be read."), name);
      return FALSE;
    }
  got = fread (header, 1, sizeof header, file);
  fclose (file);

  if (got < sizeof header || memcmp (header, "SQLite format 3", 16) != 0)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_NOT_GEOPACKAGE,
                   _("“%s” is not a GeoPackage project."), name);
      return FALSE;
    }

  app_id = (guint32) header[68] << 24 | (guint32) header[69] << 16 |
           (guint32) header[70] << 8 | header[71];
  if (app_id != GPKG_APPLICATION_ID && app_id != GP10_APPLICATION_ID &&
      app_id != GP11_APPLICATION_ID)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_NOT_GEOPACKAGE,
                   _("“%s” is an SQLite database but not a GeoPackage."), name);
      return FALSE;
    }

  /* A file cut short (an interrupted copy or download) is shorter than its own header says. */
  if (header_says_longer (header, (guint64) st.st_size) && cut_short_when_locked (path))
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_CORRUPT,
                   _("“%s” is damaged: the file is incomplete."), name);
      return FALSE;
    }

  return TRUE;
}

static char *
dup_field (OGRFeatureH  feature,
           const char  *field)
{
  int index = OGR_F_GetFieldIndex (feature, field);

  if (index < 0 || !OGR_F_IsFieldSetAndNotNull (feature, index))
    return NULL;
  return g_strdup (OGR_F_GetFieldAsString (feature, index));
}

static void
read_metadata (QrtProject   *self,
               GDALDatasetH  dataset)
{
  OGRLayerH table = GDALDatasetGetLayerByName (dataset, "qrt_project");
  OGRFeatureH feature;

  if (table == NULL)
    return;

  OGR_L_ResetReading (table);
  while ((feature = OGR_L_GetNextFeature (table)) != NULL)
    {
      char *key = dup_field (feature, "key");
      char *value = dup_field (feature, "value");

      if (key != NULL)
        g_hash_table_replace (self->metadata, key, value ? value : g_strdup (""));
      else
        g_free (value);
      OGR_F_Destroy (feature);
    }
}

static int
parse_epsg (const char *crs)
{
  gint64 code;

  if (crs == NULL || !g_str_has_prefix (crs, "EPSG:"))
    return 0;
  code = g_ascii_strtoll (crs + 5, NULL, 10);
  return code > 0 && code < G_MAXINT ? (int) code : 0;
}

static QrtLayer *
read_layer (OGRLayerH      layer,
            const char    *path,
            int            epsg,
            GCancellable  *cancellable,
            GError       **error)
{
  const char *name = OGR_L_GetName (layer);
  QrtGeometryKind kind = qrt_ogr_layer_kind (layer);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn (layer);
  int n_fields = OGR_FD_GetFieldCount (defn);
  g_autoptr(QrtLayerBuilder) builder = NULL;
  g_auto(QrtOsrSrs) target = OSRNewSpatialReference (NULL);
  g_auto(QrtOctTransform) ct = NULL;
  OGRSpatialReferenceH source_srs = OGR_L_GetSpatialRef (layer);
  g_autofree QrtFieldType *types = g_new (QrtFieldType, MAX (1, n_fields));
  OGRFeatureH feature;
  guint count = 0;

  if (kind == QRT_GEOMETRY_NONE)
    return NULL;

  OSRSetAxisMappingStrategy (target, OAMS_TRADITIONAL_GIS_ORDER);
  OSRImportFromEPSG (target, epsg);
  if (source_srs == NULL)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_FAILED,
                   _("Layer “%s” has no coordinate system."), name);
      return NULL;
    }
  if (!OSRIsSame (source_srs, target))
    {
      g_auto(QrtOsrSrs) source = OSRClone (source_srs);

      OSRSetAxisMappingStrategy (source, OAMS_TRADITIONAL_GIS_ORDER);
      ct = OCTNewCoordinateTransformation (source, target);
      if (ct == NULL)
        {
          g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_FAILED,
                       _("Layer “%s” uses a coordinate system that cannot be converted."), name);
          return NULL;
        }
    }

  {
    gboolean unsupported = FALSE;
    QrtLayer *fast = qrt_gpkg_read_layer (layer, path, kind, ct, epsg, 0, cancellable,
                                          &unsupported, error);

    if (fast != NULL || !unsupported)
      return fast;
    g_debug ("Layer %s: not read directly, reading feature by feature", name);
    OGR_L_ResetReading (layer);
  }

  builder = qrt_layer_builder_new (name, kind, epsg);
  for (int i = 0; i < n_fields; i++)
    {
      OGRFieldDefnH field = OGR_FD_GetFieldDefn (defn, i);

      switch (OGR_Fld_GetType (field))
        {
        case OFTInteger:
        case OFTInteger64:
          types[i] = QRT_FIELD_INTEGER;
          break;
        case OFTReal:
          types[i] = QRT_FIELD_REAL;
          break;
        case OFTString:
        case OFTDate:
        case OFTTime:
        case OFTDateTime:
        case OFTBinary:
        case OFTIntegerList:
        case OFTInteger64List:
        case OFTRealList:
        case OFTStringList:
        case OFTWideString:
        case OFTWideStringList:
        default:
          types[i] = QRT_FIELD_STRING;
          break;
        }
      qrt_layer_builder_add_field (builder, OGR_Fld_GetNameRef (field), types[i]);
    }

  CPLErrorReset ();
  OGR_L_ResetReading (layer);
  while ((feature = OGR_L_GetNextFeature (layer)) != NULL)
    {
      OGRGeometryH geometry = OGR_F_GetGeometryRef (feature);

      if ((++count & 1023) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          OGR_F_Destroy (feature);
          return NULL;
        }

      if (geometry == NULL || OGR_G_IsEmpty (geometry) ||
          (ct != NULL && OGR_G_Transform (geometry, ct) != OGRERR_NONE))
        {
          OGR_F_Destroy (feature);
          continue;
        }

      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_set_fid (builder, OGR_F_GetFID (feature));
      qrt_layer_builder_add_ogr_geometry (builder, geometry);
      for (int i = 0; i < n_fields; i++)
        {
          if (!OGR_F_IsFieldSetAndNotNull (feature, i))
            continue;
          switch (types[i])
            {
            case QRT_FIELD_INTEGER:
              qrt_layer_builder_set_int (builder, i, OGR_F_GetFieldAsInteger64 (feature, i));
              break;
            case QRT_FIELD_REAL:
              qrt_layer_builder_set_real (builder, i, OGR_F_GetFieldAsDouble (feature, i));
              break;
            case QRT_FIELD_STRING:
            default:
              qrt_layer_builder_set_string (builder, i, OGR_F_GetFieldAsString (feature, i));
              break;
            }
        }
      qrt_layer_builder_end_feature (builder);
      OGR_F_Destroy (feature);
    }

  /* GetNextFeature() also returns NULL when SQLite hits a damaged page. */
  if (CPLGetLastErrorType () >= CE_Failure)
    {
      g_debug ("Reading layer %s failed: %s", name, qrt_gdal_last_error ());
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_CORRUPT,
                   _("Layer “%s” could not be read completely; the file is damaged."), name);
      return NULL;
    }

  return qrt_layer_builder_finish (g_steal_pointer (&builder), error);
}

typedef struct
{
  const char   *path;
  char         *name;
  int           index;
  int           epsg;
  GCancellable *cancellable;
  QrtLayer     *layer;    /* out */
  GError       *error;    /* out */
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  g_free (job->name);
  g_clear_object (&job->layer);
  g_clear_error (&job->error);
  g_free (job);
}

static void
read_job_run (gpointer data,
              gpointer user_data)
{
  const char *drivers[] = { "GPKG", NULL };
  ReadJob *job = data;
  g_auto(QrtGdalDataset) dataset = NULL;
  OGRLayerH layer;

  if (g_cancellable_is_cancelled (job->cancellable))
    return;
  CPLErrorReset ();
  dataset = GDALOpenEx (job->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
  layer = dataset ? GDALDatasetGetLayerByName (dataset, job->name) : NULL;
  if (layer == NULL)
    {
      g_autofree char *display = g_filename_display_basename (job->path);

      g_debug ("Cannot reopen %s for layer %s: %s", job->path, job->name, qrt_gdal_last_error ());
      g_set_error (&job->error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_CORRUPT,
                   _("“%s” is damaged and cannot be opened as a GeoPackage."), display);
      return;
    }
  job->layer = read_layer (layer, job->path, job->epsg, job->cancellable, &job->error);
}

static void
read_sources (GDALDatasetH  dataset,
              GHashTable   *loaded_by_name)
{
  OGRLayerH table = GDALDatasetGetLayerByName (dataset, "qrt_layer_sources");
  OGRLayerH styles = GDALDatasetGetLayerByName (dataset, "qrt_styles");
  OGRFeatureH feature;

  if (table != NULL)
    {
      OGR_L_ResetReading (table);
      while ((feature = OGR_L_GetNextFeature (table)) != NULL)
        {
          g_autofree char *name = dup_field (feature, "layer_name");
          LoadedLayer *loaded = name ? g_hash_table_lookup (loaded_by_name, name) : NULL;

          if (loaded != NULL)
            {
              int position = OGR_F_GetFieldIndex (feature, "position");

              g_free (loaded->title);
              loaded->title = dup_field (feature, "title");
              loaded->source = dup_field (feature, "source");
              loaded->licence = dup_field (feature, "licence");
              loaded->attribution = dup_field (feature, "attribution");
              loaded->imported_at = dup_field (feature, "imported_at");
              if (position >= 0 && OGR_F_IsFieldSetAndNotNull (feature, position))
                loaded->position = OGR_F_GetFieldAsInteger (feature, position);
            }
          OGR_F_Destroy (feature);
        }
    }

  if (styles != NULL)
    {
      OGR_L_ResetReading (styles);
      while ((feature = OGR_L_GetNextFeature (styles)) != NULL)
        {
          g_autofree char *name = dup_field (feature, "layer_name");
          g_autofree char *json = dup_field (feature, "style");
          LoadedLayer *loaded = name ? g_hash_table_lookup (loaded_by_name, name) : NULL;
          g_autoptr(GError) local_error = NULL;

          if (loaded != NULL && json != NULL)
            {
              if (qrt_style_from_json (&loaded->style, json, &local_error))
                loaded->has_style = TRUE;
              else
                g_debug ("Ignoring the broken style of layer %s: %s", name, local_error->message);
            }
          OGR_F_Destroy (feature);
        }
    }
}

static int
compare_loaded (gconstpointer a,
                gconstpointer b)
{
  const LoadedLayer *la = *(LoadedLayer * const *) a;
  const LoadedLayer *lb = *(LoadedLayer * const *) b;

  return (la->position > lb->position) - (la->position < lb->position);
}

/* Without saved positions: areas at the bottom, then lines, then points, so nothing hides. */
static int
default_position (QrtGeometryKind kind,
                  int             index)
{
  int band = kind == QRT_GEOMETRY_POLYGON ? 0 : kind == QRT_GEOMETRY_LINE ? 1 : 2;

  return 100000 + band * 10000 + index;
}

/**
 * qrt_project_open:
 * @path: a GeoPackage file
 *
 * Reads every map layer of the project into memory. Blocks: call it from a worker thread
 * (or use qrt_project_open_async()). The file is opened read-only and never modified.
 *
 * Returns: (transfer full): the project, or %NULL with @error set (QRT_PROJECT_ERROR with a
 *   translated message naming the file, or G_IO_ERROR_CANCELLED).
 */
QrtProject *
qrt_project_open (const char    *path,
                  GCancellable  *cancellable,
                  GError       **error)
{
  const char *drivers[] = { "GPKG", NULL };
  g_autoptr(QrtProject) self = NULL;
  g_auto(QrtGdalDataset) dataset = NULL;
  g_autoptr(GHashTable) by_name = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autofree char *display = NULL;
  int n_layers;

  g_return_val_if_fail (path != NULL, NULL);

  if (!check_sqlite_header (path, error))
    return NULL;

  display = g_filename_display_basename (path);
  CPLErrorReset ();
  dataset = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
  if (dataset == NULL)
    {
      g_debug ("GDAL could not open %s: %s", path, qrt_gdal_last_error ());
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_CORRUPT,
                   _("“%s” is damaged and cannot be opened as a GeoPackage."), display);
      return NULL;
    }

  self = g_object_new (QRT_TYPE_PROJECT, NULL);
  self->path = g_strdup (path);
  read_metadata (self, dataset);
  self->epsg = parse_epsg (g_hash_table_lookup (self->metadata, "crs"));
  if (self->epsg == 0)
    self->epsg = QRT_EPSG_DEFAULT_ANALYSIS;

  by_name = g_hash_table_new (g_str_hash, g_str_equal);
  loaded = g_ptr_array_new_with_free_func ((GDestroyNotify) loaded_layer_free);
  n_layers = GDALDatasetGetLayerCount (dataset);
  jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) read_job_free);
  for (int i = 0; i < n_layers; i++)
    {
      OGRLayerH layer = GDALDatasetGetLayer (dataset, i);
      ReadJob *job;

      if (layer == NULL || OGR_L_GetGeomType (layer) == wkbNone ||
          g_str_has_prefix (OGR_L_GetName (layer), "qrt_"))
        continue;
      job = g_new0 (ReadJob, 1);
      job->path = path;
      job->name = g_strdup (OGR_L_GetName (layer));
      job->index = i;
      job->epsg = self->epsg;
      job->cancellable = cancellable;
      g_ptr_array_add (jobs, job);
    }

  /* One layer per thread, each with its own dataset handle (GDAL handles are not shared
   * between threads): a project's layers load side by side. */
  if (jobs->len > 1)
    {
      GThreadPool *pool = g_thread_pool_new (read_job_run, NULL,
                                             (int) MIN (jobs->len, g_get_num_processors ()),
                                             FALSE, NULL);

      for (guint i = 0; i < jobs->len; i++)
        g_thread_pool_push (pool, g_ptr_array_index (jobs, i), NULL);
      g_thread_pool_free (pool, FALSE, TRUE);
    }
  else if (jobs->len == 1 && !g_cancellable_is_cancelled (cancellable))
    {
      /* One layer: read here through the handle already open (opening another costs
       * milliseconds of GeoPackage checks). */
      ReadJob *job = g_ptr_array_index (jobs, 0);

      job->layer = read_layer (GDALDatasetGetLayer (dataset, job->index), path, job->epsg,
                               cancellable, &job->error);
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  for (guint i = 0; i < jobs->len; i++)
    {
      ReadJob *job = g_ptr_array_index (jobs, i);
      LoadedLayer *entry;

      if (job->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&job->error));
          return NULL;
        }
      if (job->layer == NULL)
        continue;

      entry = g_new0 (LoadedLayer, 1);
      entry->layer = g_steal_pointer (&job->layer);
      entry->position = default_position (qrt_layer_get_geometry_kind (entry->layer), job->index);
      qrt_style_init_default (&entry->style, qrt_layer_get_geometry_kind (entry->layer),
                              loaded->len);
      g_ptr_array_add (loaded, entry);
      g_hash_table_insert (by_name, (gpointer) qrt_layer_get_name (entry->layer), entry);
    }

  if (loaded->len == 0)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_NO_LAYERS,
                   _("“%s” contains no map layers."), display);
      return NULL;
    }

  read_sources (dataset, by_name);
  g_ptr_array_sort (loaded, compare_loaded);
  for (guint i = 0; i < loaded->len; i++)
    {
      LoadedLayer *entry = g_ptr_array_index (loaded, i);
      QrtProjectLayer *item;

      /* From the data as it is now: a layer fetched again may have values its classes lack. */
      entry->style.others = qrt_style_has_others (&entry->style, entry->layer);
      item = qrt_project_layer_new (entry->layer, entry->title, &entry->style);

      qrt_project_layer_set_source (item, entry->source);
      qrt_project_layer_set_licence (item, entry->licence);
      qrt_project_layer_set_attribution (item, entry->attribution);
      qrt_project_layer_set_imported_at (item, entry->imported_at);
      g_ptr_array_add (self->layers, item);
    }

  return g_steal_pointer (&self);
}

static void
open_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  GError *error = NULL;
  QrtProject *project = qrt_project_open (path, cancellable, &error);

  if (project == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, project, g_object_unref);
}

/**
 * qrt_project_open_async:
 *
 * Opens @path in a worker thread; see qrt_project_open().
 */
void
qrt_project_open_async (const char          *path,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_project_open_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_worker);
}

/**
 * qrt_project_open_finish:
 *
 * Returns: (transfer full): the project, or %NULL with @error set.
 */
QrtProject *
qrt_project_open_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qrt_project_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
qrt_project_get_path (QrtProject *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT (self), NULL);
  return self->path;
}

/**
 * qrt_project_get_title:
 *
 * Returns: the project's title from its metadata, else the file name without extension.
 */
const char *
qrt_project_get_title (QrtProject *self)
{
  const char *title;

  g_return_val_if_fail (QRT_IS_PROJECT (self), NULL);

  title = g_hash_table_lookup (self->metadata, "title");
  if (title == NULL || *title == '\0')
    {
      g_autofree char *base = g_filename_display_basename (self->path);
      char *dot = strrchr (base, '.');

      if (dot != NULL && dot != base)
        *dot = '\0';
      g_hash_table_replace (self->metadata, g_strdup ("title"), g_steal_pointer (&base));
      title = g_hash_table_lookup (self->metadata, "title");
    }
  return title;
}

/**
 * qrt_project_get_metadata:
 *
 * Returns: (nullable): the value stored under @key in the project's `qrt_project` table.
 */
const char *
qrt_project_get_metadata (QrtProject *self,
                          const char *key)
{
  g_return_val_if_fail (QRT_IS_PROJECT (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->metadata, key);
}

gboolean
qrt_project_get_synthetic (QrtProject *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT (self), FALSE);
  return g_strcmp0 (g_hash_table_lookup (self->metadata, "synthetic"), "true") == 0;
}

int
qrt_project_get_epsg (QrtProject *self)
{
  g_return_val_if_fail (QRT_IS_PROJECT (self), 0);
  return self->epsg;
}

/**
 * qrt_project_get_extent:
 * @extent: (out): the union of all layers' extents in @coords
 */
void
qrt_project_get_extent (QrtProject *self,
                        QrtCoords   coords,
                        QrtBBox    *extent)
{
  g_return_if_fail (QRT_IS_PROJECT (self));
  g_return_if_fail (extent != NULL);

  qrt_bbox_init_empty (extent);
  for (guint i = 0; i < self->layers->len; i++)
    {
      QrtProjectLayer *item = g_ptr_array_index (self->layers, i);

      qrt_bbox_union (extent, qrt_layer_get_extent (qrt_project_layer_get_layer (item), coords));
    }
}

/**
 * qrt_project_find_layer:
 *
 * Returns: (transfer none) (nullable): the layer called @name.
 */
QrtProjectLayer *
qrt_project_find_layer (QrtProject *self,
                        const char *name)
{
  g_return_val_if_fail (QRT_IS_PROJECT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->layers->len; i++)
    {
      QrtProjectLayer *item = g_ptr_array_index (self->layers, i);

      if (g_strcmp0 (qrt_project_layer_get_name (item), name) == 0)
        return item;
    }
  return NULL;
}

/**
 * qrt_project_create_renderer:
 *
 * Returns: (transfer full): a renderer over the layers as they are now (styles and visibility
 *   copied); later changes need a new renderer.
 */
QrtTileRender *
qrt_project_create_renderer (QrtProject *self)
{
  g_autofree QrtLayer **layers = NULL;
  g_autofree QrtStyle *styles = NULL;

  g_return_val_if_fail (QRT_IS_PROJECT (self), NULL);

  layers = g_new (QrtLayer *, MAX (1, self->layers->len));
  styles = g_new (QrtStyle, MAX (1, self->layers->len));
  for (guint i = 0; i < self->layers->len; i++)
    {
      QrtProjectLayer *item = g_ptr_array_index (self->layers, i);

      layers[i] = qrt_project_layer_get_layer (item);
      styles[i] = *qrt_project_layer_get_style (item);
    }
  return qrt_tile_render_new (layers, styles, self->layers->len);
}

/* Changing the layer list: main thread only, like every other use of the object. */

/**
 * qrt_project_move_layer:
 * @from: current position (0 = bottom)
 * @to: new position
 *
 * Changes the drawing order; saved by the next qrt_project_save_async().
 */
void
qrt_project_move_layer (QrtProject *self,
                        guint       from,
                        guint       to)
{
  gpointer item;

  g_return_if_fail (QRT_IS_PROJECT (self));
  g_return_if_fail (from < self->layers->len && to < self->layers->len);

  if (from == to)
    return;
  item = g_ptr_array_steal_index (self->layers, from);
  g_ptr_array_insert (self->layers, (int) to, item);
  g_list_model_items_changed (G_LIST_MODEL (self), MIN (from, to), MAX (from, to) - MIN (from, to) + 1,
                              MAX (from, to) - MIN (from, to) + 1);
}

/**
 * qrt_project_remove_layer:
 *
 * Takes the layer out of the project; its table is dropped by the next save.
 */
void
qrt_project_remove_layer (QrtProject *self,
                          guint       position)
{
  QrtProjectLayer *item;

  g_return_if_fail (QRT_IS_PROJECT (self));
  g_return_if_fail (position < self->layers->len);

  item = g_ptr_array_index (self->layers, position);
  g_ptr_array_add (self->removed, g_strdup (qrt_project_layer_get_name (item)));
  g_ptr_array_remove_index (self->layers, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

typedef struct
{
  char     *name;
  char     *title;
  char     *licence;
  char     *attribution;
  QrtStyle  style;
} SavedLayer;

typedef struct
{
  char   *path;
  GArray *layers;     /* SavedLayer */
  GStrv   removed;
} Save;

static void
saved_layer_clear (SavedLayer *saved)
{
  g_free (saved->name);
  g_free (saved->title);
  g_free (saved->licence);
  g_free (saved->attribution);
}

static void
save_free (Save *save)
{
  g_free (save->path);
  g_array_unref (save->layers);
  g_strfreev (save->removed);
  g_free (save);
}

static gboolean
write_save (Save          *save,
            GCancellable  *cancellable,
            GError       **error)
{
  const char *drivers[] = { "GPKG", NULL };
  g_autofree char *display = g_filename_display_basename (save->path);
  g_auto(QrtGdalDataset) dataset = NULL;

  CPLErrorReset ();
  dataset = GDALOpenEx (save->path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, NULL, NULL);
  if (dataset == NULL)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_FAILED,
                   _("The project “%s” cannot be opened for writing."), display);
      return FALSE;
    }
  if (GDALDatasetStartTransaction (dataset, FALSE) != OGRERR_NONE)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_FAILED,
                   _("Cannot write to the project “%s”: %s"), display, qrt_gdal_last_error ());
      return FALSE;
    }

  if (!qrt_project_schema_create (dataset, error))
    goto fail;
  for (guint i = 0; save->removed[i] != NULL; i++)
    if (!qrt_project_schema_remove_layer (dataset, save->removed[i], error))
      goto fail;
  for (guint i = 0; i < save->layers->len; i++)
    {
      SavedLayer *saved = &g_array_index (save->layers, SavedLayer, i);

      if (!qrt_project_schema_update_layer (dataset, saved->name, saved->title, (int) i,
                                            saved->licence, saved->attribution, error) ||
          !qrt_project_schema_set_style (dataset, saved->name, &saved->style, error))
        goto fail;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;
  if (GDALDatasetCommitTransaction (dataset) != OGRERR_NONE)
    {
      g_set_error (error, QRT_PROJECT_ERROR, QRT_PROJECT_ERROR_FAILED,
                   _("Cannot write to the project “%s”: %s"), display, qrt_gdal_last_error ());
      return FALSE;
    }
  return TRUE;

fail:
  GDALDatasetRollbackTransaction (dataset);
  return FALSE;
}

static void
save_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (write_save (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * qrt_project_save_async:
 *
 * Writes the layer list as it is now — order, titles, styles, visibility, licence and
 * attribution, removed layers — into the project file in one transaction, in a worker thread.
 * The layer data itself is never rewritten.
 */
void
qrt_project_save_async (QrtProject          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Save *save;

  g_return_if_fail (QRT_IS_PROJECT (self));

  /* Copied here, on the main thread: the worker never touches the project object. */
  save = g_new0 (Save, 1);
  save->path = g_strdup (self->path);
  save->layers = g_array_sized_new (FALSE, TRUE, sizeof (SavedLayer), self->layers->len);
  g_array_set_clear_func (save->layers, (GDestroyNotify) saved_layer_clear);
  for (guint i = 0; i < self->layers->len; i++)
    {
      QrtProjectLayer *item = g_ptr_array_index (self->layers, i);
      SavedLayer saved = {
        g_strdup (qrt_project_layer_get_name (item)),
        g_strdup (qrt_project_layer_get_title (item)),
        g_strdup (qrt_project_layer_get_licence (item)),
        g_strdup (qrt_project_layer_get_attribution (item)),
        *qrt_project_layer_get_style (item),
      };

      g_array_append_val (save->layers, saved);
    }
  g_ptr_array_add (self->removed, NULL);
  save->removed = g_strdupv ((char **) self->removed->pdata);
  g_ptr_array_set_size (self->removed, 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_project_save_async);
  g_task_set_task_data (task, save, (GDestroyNotify) save_free);
  g_task_run_in_thread (task, save_worker);
}

gboolean
qrt_project_save_finish (QrtProject    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
