/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "qrt-types.h"

G_BEGIN_DECLS

#define QRT_DEMO_DEFAULT_SEED 1

#define QRT_DEMO_ERROR (qrt_demo_error_quark ())

typedef enum
{
  QRT_DEMO_ERROR_FAILED,
} QrtDemoError;

GQuark   qrt_demo_error_quark   (void);

gboolean qrt_demo_write         (const char       *path,
                                 guint64           seed,
                                 QrtProgressFunc   progress,
                                 gpointer          progress_data,
                                 GCancellable     *cancellable,
                                 GError          **error);
char    *qrt_demo_get_default_path (void);
char    *qrt_demo_ensure_default (GCancellable    *cancellable,
                                  GError         **error);

G_END_DECLS
