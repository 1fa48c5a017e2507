/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_PROPERTIES_DIALOG (qrt_properties_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QrtPropertiesDialog, qrt_properties_dialog, QRT, PROPERTIES_DIALOG,
                      AdwWindow)

QrtPropertiesDialog *qrt_properties_dialog_new       (GtkWindow           *parent,
                                                      QrtProjectLayer     *layer);
QrtProjectLayer     *qrt_properties_dialog_get_layer (QrtPropertiesDialog *self);
char                *qrt_format_imported_at          (const char          *iso8601);

G_END_DECLS
