/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "qrt-types.h"
#include "analysis/qrt-indicator.h"
#include "model/qrt-layer.h"

G_BEGIN_DECLS

/* What the zonal engine reads: immutable layers by name, and the project file for the
 * `where` expressions (SQLite, read-only). Safe to hand to a worker thread. */
typedef struct _QrtZonalInput QrtZonalInput;

QrtZonalInput *qrt_zonal_input_new        (const char     *project_path,
                                           const char     *districts_layer,
                                           const char     *id_field,
                                           const char     *name_field);
void           qrt_zonal_input_add_layer  (QrtZonalInput  *input,
                                           QrtLayer       *layer);
QrtZonalInput *qrt_zonal_input_from_project (QrtProject   *project,
                                           const char     *districts_layer,
                                           const char     *id_field,
                                           const char     *name_field);
void           qrt_zonal_input_free       (QrtZonalInput  *input);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtZonalInput, qrt_zonal_input_free)

/* The result: districts × indicators. Values are NaN where there is none (a ratio over zero
 * residents, an indicator that is not available); never inf. Immutable, reference counted. */
typedef struct _QrtIndicatorTable QrtIndicatorTable;

QrtIndicatorTable  *qrt_zonal_evaluate        (QrtZonalInput      *input,
                                               QrtIndicatorSet    *set,
                                               guint               n_threads,
                                               GCancellable       *cancellable,
                                               GError            **error);
void                qrt_zonal_evaluate_async  (QrtZonalInput      *input,
                                               QrtIndicatorSet    *set,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
QrtIndicatorTable  *qrt_zonal_evaluate_finish (GAsyncResult       *result,
                                               GError            **error);

QrtIndicatorTable  *qrt_indicator_table_ref           (QrtIndicatorTable *table);
void                qrt_indicator_table_unref         (QrtIndicatorTable *table);
guint               qrt_indicator_table_get_n_districts  (QrtIndicatorTable *table);
guint               qrt_indicator_table_get_n_indicators (QrtIndicatorTable *table);
const char         *qrt_indicator_table_get_district_id  (QrtIndicatorTable *table,
                                                          guint              district);
const char         *qrt_indicator_table_get_district_name (QrtIndicatorTable *table,
                                                          guint              district);
guint               qrt_indicator_table_get_district_feature (QrtIndicatorTable *table,
                                                          guint              district);
const QrtIndicator *qrt_indicator_table_get_indicator  (QrtIndicatorTable *table,
                                                        guint              indicator);
double              qrt_indicator_table_get_value      (QrtIndicatorTable *table,
                                                        guint              indicator,
                                                        guint              district);
double              qrt_indicator_table_get_total      (QrtIndicatorTable *table,
                                                        guint              indicator,
                                                        gboolean          *is_sum);
const char         *qrt_indicator_table_get_unavailable (QrtIndicatorTable *table,
                                                         guint              indicator);
guint               qrt_indicator_table_get_n_years    (QrtIndicatorTable *table,
                                                        guint              indicator);
int                 qrt_indicator_table_get_year       (QrtIndicatorTable *table,
                                                        guint              indicator,
                                                        guint              year_index);
double              qrt_indicator_table_get_series_value (QrtIndicatorTable *table,
                                                          guint              indicator,
                                                          guint              district,
                                                          guint              year_index);
int                 qrt_indicator_table_find_indicator (QrtIndicatorTable *table,
                                                        const char        *id);
char               *qrt_indicator_table_to_csv         (QrtIndicatorTable *table);
char               *qrt_indicator_table_to_json        (QrtIndicatorTable *table);
guint               qrt_zonal_get_cache_hits           (void);
void                qrt_zonal_clear_cache              (void);
void                qrt_csv_append_field               (GString           *out,
                                                        const char        *text);
char               *qrt_format_number                  (double             value,
                                                        int                decimals);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtIndicatorTable, qrt_indicator_table_unref)

G_END_DECLS
