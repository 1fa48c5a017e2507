/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dataspace/qrt-data-space.h"

G_BEGIN_DECLS

#define QRT_TYPE_OFFLINE_AREAS_DIALOG (qrt_offline_areas_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QrtOfflineAreasDialog, qrt_offline_areas_dialog, QRT, OFFLINE_AREAS_DIALOG,
                      AdwWindow)

QrtOfflineAreasDialog *qrt_offline_areas_dialog_new          (GtkWindow             *parent,
                                                              QrtDataSpace          *data_space);
void                   qrt_offline_areas_dialog_set_extents  (QrtOfflineAreasDialog *self,
                                                              const QrtBBox         *view,
                                                              const QrtBBox         *selection,
                                                              double                 zoom);
void                   qrt_offline_areas_dialog_set_drawn_area (QrtOfflineAreasDialog *self,
                                                                const QrtBBox         *wgs84);
gboolean               qrt_offline_areas_dialog_get_drawn_area (QrtOfflineAreasDialog *self,
                                                                QrtBBox               *wgs84);
void                   qrt_offline_areas_dialog_set_tile_set (QrtOfflineAreasDialog *self,
                                                              const char            *tile_set_id);
void                   qrt_offline_areas_dialog_reload       (QrtOfflineAreasDialog *self);
gboolean               qrt_offline_areas_dialog_get_busy     (QrtOfflineAreasDialog *self);
guint                  qrt_offline_areas_dialog_get_n_areas  (QrtOfflineAreasDialog *self);
gint64                 qrt_offline_areas_dialog_get_estimate (QrtOfflineAreasDialog *self);

char                  *qrt_offline_areas_describe_box        (const QrtBBox         *wgs84);

G_END_DECLS
