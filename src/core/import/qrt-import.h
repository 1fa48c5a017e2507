/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "qrt-types.h"

G_BEGIN_DECLS

#define QRT_IMPORT_ERROR (qrt_import_error_quark ())

typedef enum
{
  QRT_IMPORT_ERROR_NOT_FOUND,
  QRT_IMPORT_ERROR_UNSUPPORTED,
  QRT_IMPORT_ERROR_NO_LAYER,
  QRT_IMPORT_ERROR_NO_CRS,
  QRT_IMPORT_ERROR_BAD_CRS,
  QRT_IMPORT_ERROR_NO_FEATURES,
  QRT_IMPORT_ERROR_READ,
  QRT_IMPORT_ERROR_WRITE,
} QrtImportError;

GQuark qrt_import_error_quark (void);

typedef struct
{
  const char *layer;        /* source layer to take; NULL: the first with geometries */
  const char *target_name;  /* name in the project; NULL: derived from the source */
  int         source_epsg;  /* 0: the CRS the file declares */
  const char *licence;      /* NULL: unknown */
  const char *attribution;
  const char *source_label; /* provenance shown to the user; NULL: the file's path */
  const char *title;        /* NULL: the source layer's name */
  const char *origin;       /* JSON kept to fetch the layer again (data space), or NULL */
  gboolean    replace;      /* replace the layer called target_name, keeping place and style */
} QrtImportOptions;

typedef struct
{
  char   *layer_name;       /* the new table in the project */
  gint64  feature_count;    /* features written */
  gint64  repaired_count;   /* invalid geometries repaired with MakeValid */
  gint64  empty_count;      /* features without a geometry, skipped */
  gint64  unusable_count;   /* non-finite or unrepairable geometries, skipped */
  gint64  recoded_count;    /* attribute values that were not UTF-8 and were read as CP1252 */
} QrtImportResult;

void     qrt_import_result_clear (QrtImportResult        *result);

gboolean qrt_import_file         (const char             *source,
                                  const char             *project_path,
                                  const QrtImportOptions *options,
                                  QrtProgressFunc         progress,
                                  gpointer                progress_data,
                                  GCancellable           *cancellable,
                                  QrtImportResult        *result,
                                  GError                **error);

void     qrt_import_file_async   (const char             *source,
                                  const char             *project_path,
                                  const QrtImportOptions *options,
                                  QrtProgressFunc         progress,
                                  gpointer                progress_data,
                                  GCancellable           *cancellable,
                                  GAsyncReadyCallback     callback,
                                  gpointer                user_data);
gboolean qrt_import_file_finish  (GAsyncResult           *result,
                                  QrtImportResult        *out_result,
                                  GError                **error);

G_END_DECLS
