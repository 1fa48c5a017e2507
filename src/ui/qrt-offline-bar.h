/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QRT_TYPE_OFFLINE_BAR (qrt_offline_bar_get_type ())
G_DECLARE_FINAL_TYPE (QrtOfflineBar, qrt_offline_bar, QRT, OFFLINE_BAR, GtkWidget)

GtkWidget *qrt_offline_bar_new          (void);
gboolean   qrt_offline_bar_get_revealed (QrtOfflineBar *self);
void       qrt_offline_bar_set_revealed (QrtOfflineBar *self,
                                         gboolean       revealed);
gboolean   qrt_offline_bar_get_manual   (QrtOfflineBar *self);
void       qrt_offline_bar_set_manual   (QrtOfflineBar *self,
                                         gboolean       manual);

G_END_DECLS
