/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dataspace/qrt-data-space.h"

G_BEGIN_DECLS

/* What of a collection "Add to Project" fetches. */
typedef enum
{
  QRT_CATALOG_AREA_ALL,
  QRT_CATALOG_AREA_VIEW,
  QRT_CATALOG_AREA_SELECTION,
} QrtCatalogArea;

#define QRT_TYPE_CATALOG_DIALOG (qrt_catalog_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QrtCatalogDialog, qrt_catalog_dialog, QRT, CATALOG_DIALOG, AdwWindow)

QrtCatalogDialog *qrt_catalog_dialog_new               (GtkWindow        *parent,
                                                        QrtDataSpace     *data_space);
const char       *qrt_catalog_dialog_get_url           (QrtCatalogDialog *self);
void              qrt_catalog_dialog_set_url           (QrtCatalogDialog *self,
                                                        const char       *url);
void              qrt_catalog_dialog_connect           (QrtCatalogDialog *self);
void              qrt_catalog_dialog_set_has_selection (QrtCatalogDialog *self,
                                                        gboolean          has_selection);
void              qrt_catalog_dialog_show_error        (QrtCatalogDialog *self,
                                                        const char       *message);
const char       *qrt_catalog_dialog_get_error         (QrtCatalogDialog *self);
gboolean          qrt_catalog_dialog_get_busy          (QrtCatalogDialog *self);
GListModel       *qrt_catalog_dialog_get_collections   (QrtCatalogDialog *self);

G_END_DECLS
