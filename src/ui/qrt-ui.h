/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void        qrt_ui_ensure_resources (void);
GdkTexture *qrt_ui_render_widget    (GtkWidget  *widget,
                                     GError    **error);

G_END_DECLS
