/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <ogr_recordbatch.h>

G_BEGIN_DECLS

gboolean qrt_gpkg_stream_open (const char              *path,
                               const char              *table,
                               const char              *fid_column,
                               const char              *geometry_column,
                               int                      batch_size,
                               struct ArrowArrayStream *stream);

G_END_DECLS
