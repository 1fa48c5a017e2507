/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "qrt-core.h"

G_BEGIN_DECLS

#define QRT_TYPE_STYLE_DIALOG (qrt_style_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QrtStyleDialog, qrt_style_dialog, QRT, STYLE_DIALOG, AdwWindow)

QrtStyleDialog  *qrt_style_dialog_new       (GtkWindow       *parent,
                                             QrtProjectLayer *layer);
QrtProjectLayer *qrt_style_dialog_get_layer (QrtStyleDialog  *self);
const QrtStyle  *qrt_style_dialog_get_style (QrtStyleDialog  *self);
gboolean         qrt_style_dialog_get_busy  (QrtStyleDialog  *self);
gboolean         qrt_style_dialog_apply     (QrtStyleDialog  *self);

G_END_DECLS
