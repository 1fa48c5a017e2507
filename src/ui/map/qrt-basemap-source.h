/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "dataspace/qrt-data-space.h"

G_BEGIN_DECLS

#define QRT_TYPE_BASEMAP_SOURCE (qrt_basemap_source_get_type ())
G_DECLARE_FINAL_TYPE (QrtBasemapSource, qrt_basemap_source, QRT, BASEMAP_SOURCE, ShumateDataSource)

QrtBasemapSource      *qrt_basemap_source_new             (QrtDataSpace     *data_space,
                                                           const QrtTileSet *tile_set);
const QrtTileSet      *qrt_basemap_source_get_tile_set    (QrtBasemapSource *self);
guint                  qrt_basemap_source_get_n_loaded    (QrtBasemapSource *self);
guint                  qrt_basemap_source_get_n_failed    (QrtBasemapSource *self);

ShumateRasterRenderer *qrt_basemap_renderer_new           (QrtDataSpace     *data_space,
                                                           const QrtTileSet *tile_set,
                                                           guint             generation);

G_END_DECLS
