/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "model/qrt-layer.h"

G_BEGIN_DECLS

QrtLayer *qrt_gpkg_read_layer (OGRLayerH                      layer,
                               const char                    *gpkg_path,
                               QrtGeometryKind                kind,
                               OGRCoordinateTransformationH   ct,
                               int                            epsg,
                               guint                          max_workers,
                               GCancellable                  *cancellable,
                               gboolean                      *unsupported,
                               GError                       **error);

G_END_DECLS
