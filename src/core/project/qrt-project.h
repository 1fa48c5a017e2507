/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "qrt-types.h"
#include "model/qrt-layer.h"
#include "draw/qrt-tile-render.h"

G_BEGIN_DECLS

#define QRT_PROJECT_ERROR (qrt_project_error_quark ())

typedef enum
{
  QRT_PROJECT_ERROR_NOT_FOUND,
  QRT_PROJECT_ERROR_NOT_GEOPACKAGE,
  QRT_PROJECT_ERROR_CORRUPT,
  QRT_PROJECT_ERROR_NO_LAYERS,
  QRT_PROJECT_ERROR_FAILED,
} QrtProjectError;

GQuark qrt_project_error_quark (void);

/* A project: a GeoPackage file read into immutable layers. Implements GListModel of
 * QrtProjectLayer in drawing order (bottom first). Reading happens in a worker thread
 * (qrt_project_open_async); the object itself belongs to the thread that receives it. */

#define QRT_TYPE_PROJECT (qrt_project_get_type ())
G_DECLARE_FINAL_TYPE (QrtProject, qrt_project, QRT, PROJECT, GObject)

QrtProject    *qrt_project_open            (const char          *path,
                                            GCancellable        *cancellable,
                                            GError             **error);
void           qrt_project_open_async      (const char          *path,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
QrtProject    *qrt_project_open_finish     (GAsyncResult        *result,
                                            GError             **error);

const char    *qrt_project_get_path        (QrtProject          *self);
const char    *qrt_project_get_title       (QrtProject          *self);
const char    *qrt_project_get_metadata    (QrtProject          *self,
                                            const char          *key);
gboolean       qrt_project_get_synthetic   (QrtProject          *self);
int            qrt_project_get_epsg        (QrtProject          *self);
void           qrt_project_get_extent      (QrtProject          *self,
                                            QrtCoords            coords,
                                            QrtBBox             *extent);
QrtProjectLayer *qrt_project_find_layer    (QrtProject          *self,
                                            const char          *name);
QrtTileRender *qrt_project_create_renderer (QrtProject          *self);

void           qrt_project_move_layer      (QrtProject          *self,
                                            guint                from,
                                            guint                to);
void           qrt_project_remove_layer    (QrtProject          *self,
                                            guint                position);
void           qrt_project_save_async      (QrtProject          *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean       qrt_project_save_finish     (QrtProject          *self,
                                            GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
