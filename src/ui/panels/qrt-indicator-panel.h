/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_INDICATOR_PANEL (qrt_indicator_panel_get_type ())
G_DECLARE_FINAL_TYPE (QrtIndicatorPanel, qrt_indicator_panel, QRT, INDICATOR_PANEL, AdwBin)

GtkWidget         *qrt_indicator_panel_new           (void);
void               qrt_indicator_panel_set_project   (QrtIndicatorPanel  *self,
                                                      QrtProject         *project,
                                                      QrtSelection       *selection);
QrtIndicatorTable *qrt_indicator_panel_get_table     (QrtIndicatorPanel  *self);
gboolean           qrt_indicator_panel_is_busy       (QrtIndicatorPanel  *self);
const char        *qrt_indicator_panel_get_indicator (QrtIndicatorPanel  *self);
gboolean           qrt_indicator_panel_set_indicator (QrtIndicatorPanel  *self,
                                                      const char         *id);
void               qrt_indicator_panel_show_chart    (QrtIndicatorPanel  *self,
                                                      const char         *name);
GtkWidget         *qrt_indicator_panel_get_chart_view (QrtIndicatorPanel *self);
gboolean           qrt_indicator_panel_export_csv    (QrtIndicatorPanel  *self,
                                                      GFile              *file,
                                                      GError            **error);

G_END_DECLS
