/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_WINDOW (qrt_window_get_type ())
G_DECLARE_FINAL_TYPE (QrtWindow, qrt_window, QRT, WINDOW, AdwApplicationWindow)

QrtWindow  *qrt_window_new         (GtkApplication *application);
void        qrt_window_open_file   (QrtWindow      *self,
                                    GFile          *file);
void        qrt_window_open_demo   (QrtWindow      *self);
QrtProject *qrt_window_get_project (QrtWindow      *self);
gboolean    qrt_window_is_empty    (QrtWindow      *self);

G_END_DECLS
