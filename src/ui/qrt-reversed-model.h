/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QRT_TYPE_REVERSED_MODEL (qrt_reversed_model_get_type ())
G_DECLARE_FINAL_TYPE (QrtReversedModel, qrt_reversed_model, QRT, REVERSED_MODEL, GObject)

QrtReversedModel *qrt_reversed_model_new (GListModel *model);

G_END_DECLS
