/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <ogr_recordbatch.h>

G_BEGIN_DECLS

guint qrt_gpkg_streams_open (const char              *path,
                             const char              *table,
                             const char              *fid_column,
                             const char              *geometry_column,
                             int                      batch_size,
                             guint                    n_wanted,
                             struct ArrowArrayStream *streams);

G_END_DECLS
