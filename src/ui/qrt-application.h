/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dataspace/qrt-data-space.h"

G_BEGIN_DECLS

#define QRT_TYPE_APPLICATION (qrt_application_get_type ())
G_DECLARE_FINAL_TYPE (QrtApplication, qrt_application, QRT, APPLICATION, AdwApplication)

QrtApplication *qrt_application_new            (gint64          start_time);
gint64          qrt_application_get_start_time (QrtApplication *self);
void            qrt_application_open_data_space_async  (QrtApplication      *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
QrtDataSpace   *qrt_application_open_data_space_finish (QrtApplication  *self,
                                                        GAsyncResult    *result,
                                                        GError         **error);

G_END_DECLS
