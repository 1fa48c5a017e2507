/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "qrt-gpkg-stream.h"

/*
 * A GeoPackage feature table read with SQLite itself and handed out as Arrow record batches
 * in the form GDAL's Arrow stream has (feature id, geometry as WKB, attributes as typed
 * columns). GDAL 3.6's own GeoPackage stream is not used: it can hand out features twice (see
 * qrt-arrow-read.c). Anything not plain (a view, a date or binary column, a type this does not
 * know) is left to GDAL's feature-by-feature reader: open returns 0. A geometry blob that is
 * not a standard GeoPackage one is passed on empty, which makes the consumer step aside the
 * same way, as it does for WKB it cannot parse.
 */

typedef enum
{
  FIELD_FID,
  FIELD_GEOMETRY,
  FIELD_INT,
  FIELD_REAL,
  FIELD_TEXT,
} FieldKind;

typedef struct
{
  char      *name;
  FieldKind  kind;
  gsize      last_bytes;   /* of WKB or text in the last batch: the next one's first guess */
} Field;

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *stmt;
  Field        *fields;
  int           n_fields;
  int           batch_size;
  gboolean      done;
  char         *error;
} Stream;

/* A batch stops early past this many bytes of geometry or text in one column, so 32-bit
 * offsets hold (SQLite's largest value is a gigabyte). */
#define BATCH_BYTES (64u << 20)

/* One column of a batch while it is filled, and the Arrow array it becomes. */
typedef struct
{
  guint8            *validity;   /* bit per row; %NULL when no row is NULL */
  gpointer           values;     /* gint64, double, or gint32 offsets (rows + 1) */
  guint8            *data;       /* the bytes of WKB or text */
  gsize              data_len;
  gsize              data_cap;
  const void        *buffers[3];
  struct ArrowArray  array;
} Child;

typedef struct
{
  int                 n_children;
  Child              *children;
  struct ArrowArray **child_arrays;
  const void         *buffers[1];   /* the struct's validity: none */
} BatchData;

static const char *
field_format (FieldKind kind)
{
  switch (kind)
    {
    case FIELD_FID:
    case FIELD_INT:
      return "l";
    case FIELD_REAL:
      return "g";
    case FIELD_TEXT:
      return "u";
    case FIELD_GEOMETRY:
    default:
      return "z";
    }
}

/* The kind of a column as GDAL's GeoPackage driver would read it, FALSE for one that GDAL
 * turns into something else (dates, binary). */
static gboolean
declared_kind (const char *declared,
               FieldKind  *kind)
{
  g_autofree char *type = g_ascii_strup (declared ? declared : "", -1);
  char *paren = strchr (type, '(');
  const char *ints[] = { "INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT", "BOOLEAN", NULL };
  const char *reals[] = { "REAL", "FLOAT", "DOUBLE", NULL };

  if (paren != NULL)
    *paren = '\0';
  g_strstrip (type);
  if (g_strv_contains (ints, type))
    *kind = FIELD_INT;
  else if (g_strv_contains (reals, type))
    *kind = FIELD_REAL;
  else if (g_str_equal (type, "TEXT"))
    *kind = FIELD_TEXT;
  else
    return FALSE;
  return TRUE;
}

/* The WKB inside a standard GeoPackage geometry blob (magic, version, flags, srs id, an
 * envelope of 0, 4, 6 or 8 doubles), or %FALSE. */
static gboolean
gpkg_wkb (const guint8  *blob,
          gsize          len,
          const guint8 **wkb,
          gsize         *wkb_len)
{
  static const guint8 envelope_doubles[8] = { 0, 4, 6, 6, 8, 255, 255, 255 };
  guint8 flags;
  gsize header;

  if (len < 8 || blob[0] != 'G' || blob[1] != 'P' || blob[2] != 0)
    return FALSE;
  flags = blob[3];
  if (flags & 0x20)   /* an extended (non-standard) geometry type */
    return FALSE;
  header = 8 + 8 * (gsize) envelope_doubles[(flags >> 1) & 7];
  if (header > len)
    return FALSE;
  *wkb = blob + header;
  *wkb_len = len - header;
  return TRUE;
}

static void
child_release (struct ArrowArray *array)
{
  /* Freed with the batch; the spec only asks that a released array says so. */
  array->release = NULL;
}

static void
batch_release (struct ArrowArray *array)
{
  BatchData *batch = array->private_data;

  for (int c = 0; c < batch->n_children; c++)
    {
      Child *child = &batch->children[c];

      g_free (child->validity);
      g_free (child->values);
      g_free (child->data);
    }
  g_free (batch->children);
  g_free (batch->child_arrays);
  g_free (batch);
  array->release = NULL;
}

static void
append_bytes (Child        *child,
              const void   *bytes,
              gsize         len)
{
  if (child->data_len + len > child->data_cap)
    {
      child->data_cap = MAX (MAX (child->data_cap * 2, child->data_len + len), 4096);
      child->data = g_realloc (child->data, child->data_cap);
    }
  if (len > 0)
    memcpy (child->data + child->data_len, bytes, len);
  child->data_len += len;
}

static void
set_null (Child *child,
          int    row,
          int    batch_size)
{
  if (child->validity == NULL)
    {
      gsize size = ((gsize) batch_size + 7) / 8;

      child->validity = g_malloc (size);
      memset (child->validity, 0xff, size);
    }
  child->validity[row >> 3] &= (guint8) ~(1u << (row & 7));
  child->array.null_count++;
}

/* Column @c of row @row from the statement's current row. */
static void
fill (Stream *self,
      Child  *child,
      int     c,
      int     row)
{
  /* One sqlite3_column_*() call per value: each of them costs a call through the API's
   * error and mutex checks, the sqlite3_value_*() calls on its result do not. */
  sqlite3_value *value = sqlite3_column_value (self->stmt, c);
  FieldKind kind = self->fields[c].kind;
  gboolean null = sqlite3_value_type (value) == SQLITE_NULL;

  if (null)
    set_null (child, row, self->batch_size);

  switch (kind)
    {
    case FIELD_TEXT:
      if (!null)
        {
          const unsigned char *text = sqlite3_value_text (value);

          append_bytes (child, text, (gsize) sqlite3_value_bytes (value));
        }
      ((gint32 *) child->values)[row + 1] = (gint32) child->data_len;
      break;

    case FIELD_GEOMETRY:
      if (!null)
        {
          const guint8 *blob = sqlite3_value_blob (value);
          const guint8 *wkb;
          gsize wkb_len;

          if (blob != NULL && gpkg_wkb (blob, (gsize) sqlite3_value_bytes (value), &wkb, &wkb_len))
            append_bytes (child, wkb, wkb_len);
        }
      ((gint32 *) child->values)[row + 1] = (gint32) child->data_len;
      break;

    case FIELD_REAL:
      ((double *) child->values)[row] = null ? 0 : sqlite3_value_double (value);
      break;

    case FIELD_FID:
    case FIELD_INT:
    default:
      ((gint64 *) child->values)[row] = null ? 0 : sqlite3_value_int64 (value);
      break;
    }
}

static int
stream_get_next (struct ArrowArrayStream *stream,
                 struct ArrowArray       *out)
{
  Stream *self = stream->private_data;
  BatchData *batch;
  int rows = 0, rc = SQLITE_ROW;
  gsize bytes = 0;

  memset (out, 0, sizeof *out);
  if (self->done)
    return 0;

  batch = g_new0 (BatchData, 1);
  batch->n_children = self->n_fields;
  batch->children = g_new0 (Child, self->n_fields);
  batch->child_arrays = g_new (struct ArrowArray *, self->n_fields);
  for (int c = 0; c < self->n_fields; c++)
    {
      Child *child = &batch->children[c];
      FieldKind kind = self->fields[c].kind;

      if (kind == FIELD_GEOMETRY || kind == FIELD_TEXT)
        {
          child->values = g_new (gint32, self->batch_size + 1);
          ((gint32 *) child->values)[0] = 0;
          /* Batches are alike: room for a little more than the last one, without the copies
           * of growing from nothing. */
          child->data_cap = self->fields[c].last_bytes + self->fields[c].last_bytes / 8 + 4096;
          child->data = g_malloc (child->data_cap);
        }
      else
        child->values = g_new (gint64, self->batch_size);
    }

  while (rows < self->batch_size && bytes < BATCH_BYTES &&
         (rc = sqlite3_step (self->stmt)) == SQLITE_ROW)
    {
      for (int c = 0; c < self->n_fields; c++)
        {
          fill (self, &batch->children[c], c, rows);
          bytes = MAX (bytes, batch->children[c].data_len);
        }
      rows++;
    }

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      struct ArrowArray failed = { .private_data = batch };

      g_free (self->error);
      self->error = g_strdup (sqlite3_errmsg (self->db));
      batch_release (&failed);
      return EIO;
    }
  if (rc == SQLITE_DONE)
    self->done = TRUE;
  if (rows == 0)
    {
      struct ArrowArray empty = { .private_data = batch };

      batch_release (&empty);
      return 0;
    }

  for (int c = 0; c < self->n_fields; c++)
    {
      Child *child = &batch->children[c];
      FieldKind kind = self->fields[c].kind;

      self->fields[c].last_bytes = child->data_len;
      child->buffers[0] = child->validity;
      child->buffers[1] = child->values;
      child->buffers[2] = child->data;
      child->array.length = rows;
      child->array.n_buffers = kind == FIELD_GEOMETRY || kind == FIELD_TEXT ? 3 : 2;
      child->array.buffers = child->buffers;
      child->array.release = child_release;
      batch->child_arrays[c] = &child->array;
    }
  out->length = rows;
  out->n_buffers = 1;
  out->buffers = batch->buffers;
  out->n_children = self->n_fields;
  out->children = batch->child_arrays;
  out->private_data = batch;
  out->release = batch_release;
  return 0;
}

static void
schema_release (struct ArrowSchema *schema)
{
  for (gint64 c = 0; c < schema->n_children; c++)
    {
      g_free ((char *) schema->children[c]->name);
      g_free (schema->children[c]);
    }
  g_free (schema->children);
  schema->release = NULL;
}

static void
schema_child_release (struct ArrowSchema *schema)
{
  schema->release = NULL;
}

static int
stream_get_schema (struct ArrowArrayStream *stream,
                   struct ArrowSchema      *out)
{
  Stream *self = stream->private_data;

  memset (out, 0, sizeof *out);
  out->format = "+s";
  out->name = "";
  out->n_children = self->n_fields;
  out->children = g_new (struct ArrowSchema *, self->n_fields);
  for (int c = 0; c < self->n_fields; c++)
    {
      struct ArrowSchema *child = g_new0 (struct ArrowSchema, 1);

      child->format = field_format (self->fields[c].kind);
      child->name = g_strdup (self->fields[c].name);
      child->flags = 2;   /* ARROW_FLAG_NULLABLE */
      child->release = schema_child_release;
      out->children[c] = child;
    }
  out->release = schema_release;
  return 0;
}

static const char *
stream_get_last_error (struct ArrowArrayStream *stream)
{
  Stream *self = stream->private_data;

  return self->error;
}

static void
stream_free (Stream *self)
{
  sqlite3_finalize (self->stmt);
  sqlite3_close (self->db);
  for (int c = 0; c < self->n_fields; c++)
    g_free (self->fields[c].name);
  g_free (self->fields);
  g_free (self->error);
  g_free (self);
}

static void
stream_release (struct ArrowArrayStream *stream)
{
  stream_free (stream->private_data);
  stream->release = NULL;
}

/* The table's columns in order (the feature id first), each with its kind; FALSE if one is
 * of a kind not read here. */
static gboolean
read_fields (Stream     *self,
             const char *table,
             const char *fid_column,
             const char *geometry_column)
{
  char *sql = sqlite3_mprintf ("PRAGMA table_info(\"%w\")", table);
  sqlite3_stmt *stmt = NULL;
  GArray *fields = g_array_new (FALSE, FALSE, sizeof (Field));
  gboolean ok = TRUE, has_fid = FALSE, has_geometry = FALSE;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    ok = FALSE;
  sqlite3_free (sql);
  while (ok && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      const char *type = (const char *) sqlite3_column_text (stmt, 2);
      Field field = { NULL, FIELD_INT };

      if (name == NULL)
        ok = FALSE;
      else if (g_ascii_strcasecmp (name, fid_column) == 0 && sqlite3_column_int (stmt, 5) == 1)
        {
          field.kind = FIELD_FID;
          has_fid = TRUE;
        }
      else if (g_ascii_strcasecmp (name, geometry_column) == 0)
        {
          field.kind = FIELD_GEOMETRY;
          has_geometry = TRUE;
        }
      else if (!declared_kind (type, &field.kind))
        ok = FALSE;
      if (ok)
        {
          field.name = g_strdup (name);
          /* The feature id first, as GDAL puts it. */
          if (field.kind == FIELD_FID)
            g_array_prepend_val (fields, field);
          else
            g_array_append_val (fields, field);
        }
    }
  sqlite3_finalize (stmt);
  self->n_fields = (int) fields->len;
  self->fields = (Field *) g_array_free (fields, FALSE);
  return ok && has_fid && has_geometry;
}

/* The scan: every column, the feature id first. */
static gboolean
stream_prepare (Stream     *self,
                const char *table)
{
  GString *sql = g_string_new ("SELECT ");
  char *quoted;
  int rc;

  for (int c = 0; c < self->n_fields; c++)
    {
      quoted = sqlite3_mprintf ("%s\"%w\"", c > 0 ? ", " : "", self->fields[c].name);
      g_string_append (sql, quoted);
      sqlite3_free (quoted);
    }
  quoted = sqlite3_mprintf (" FROM \"%w\"", table);
  g_string_append (sql, quoted);
  sqlite3_free (quoted);
  rc = sqlite3_prepare_v2 (self->db, sql->str, -1, &self->stmt, NULL);
  g_string_free (sql, TRUE);
  return rc == SQLITE_OK;
}

/* A stream over @table, ready to step; %NULL when the table is not one this reader handles. */
static Stream *
stream_new (const char *path,
            const char *table,
            const char *fid_column,
            const char *geometry_column,
            int         batch_size)
{
  Stream *self = g_new0 (Stream, 1);
  sqlite3_stmt *stmt = NULL;
  gboolean is_table = FALSE;

  self->batch_size = batch_size;
  /* Each stream has its own connection, used by one thread at a time: no SQLite mutex on
   * every call (that was a third of a scan). */
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    goto fail;
  sqlite3_busy_timeout (self->db, 5000);
  /* Pages read from the mapped file rather than copied out of the page cache: a quarter of
   * a scan. SQLite maps no more than the file holds; only a file cut short by something
   * other than SQLite while it is read could fault (the cache's readers map theirs too). */
  sqlite3_exec (self->db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);

  if (sqlite3_prepare_v2 (self->db, "SELECT type FROM sqlite_master WHERE name = ?", -1,
                          &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
      is_table = sqlite3_step (stmt) == SQLITE_ROW &&
                 g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "table") == 0;
    }
  sqlite3_finalize (stmt);
  if (is_table && read_fields (self, table, fid_column, geometry_column) &&
      stream_prepare (self, table))
    return self;

fail:
  g_debug ("Table %s of %s is read feature by feature: %s", table, path,
           self->db == NULL ? "cannot open"
           : sqlite3_errcode (self->db) != SQLITE_OK ? sqlite3_errmsg (self->db)
           : "a view, or a column of a type read otherwise");
  stream_free (self);
  return NULL;
}

/**
 * qrt_gpkg_stream_open:
 * @path: a GeoPackage
 * @table: a feature table in it
 * @fid_column: its integer primary key, as GDAL names it
 * @geometry_column: its geometry column
 * @batch_size: rows per batch at most
 * @stream: (out caller-allocates): the stream, to be released by the caller
 *
 * Opens an Arrow stream over @table read with SQLite directly, in the form GDAL's
 * OGR_L_GetArrowStream() gives (the feature id first, then the columns in table order), of
 * one snapshot of the file. It may be used from one thread at a time.
 *
 * Returns: %FALSE (nothing to release) if the table is not one this reader handles: the
 *   caller then reads it feature by feature.
 */
gboolean
qrt_gpkg_stream_open (const char              *path,
                      const char              *table,
                      const char              *fid_column,
                      const char              *geometry_column,
                      int                      batch_size,
                      struct ArrowArrayStream *stream)
{
  Stream *self;

  g_return_val_if_fail (batch_size > 0, FALSE);

  g_return_val_if_fail (path != NULL && table != NULL, FALSE);

  if (fid_column == NULL || *fid_column == '\0' || geometry_column == NULL ||
      *geometry_column == '\0')
    return FALSE;
  if ((self = stream_new (path, table, fid_column, geometry_column, batch_size)) == NULL)
    return FALSE;

  memset (stream, 0, sizeof *stream);
  stream->get_schema = stream_get_schema;
  stream->get_next = stream_get_next;
  stream->get_last_error = stream_get_last_error;
  stream->release = stream_release;
  stream->private_data = self;
  return TRUE;
}
