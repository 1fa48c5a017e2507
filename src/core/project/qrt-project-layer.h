/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "qrt-types.h"
#include "model/qrt-layer.h"
#include "draw/qrt-style.h"

G_BEGIN_DECLS

/* One entry of a project's layer list: the immutable data plus what the project says about it
 * (title, style, provenance). Lives on the main thread; workers get its QrtLayer and a copy of
 * its style. */

#define QRT_TYPE_PROJECT_LAYER (qrt_project_layer_get_type ())
G_DECLARE_FINAL_TYPE (QrtProjectLayer, qrt_project_layer, QRT, PROJECT_LAYER, GObject)

QrtProjectLayer *qrt_project_layer_new             (QrtLayer        *layer,
                                                    const char      *title,
                                                    const QrtStyle  *style);
QrtLayer        *qrt_project_layer_get_layer       (QrtProjectLayer *self);
const char      *qrt_project_layer_get_name        (QrtProjectLayer *self);
const char      *qrt_project_layer_get_title       (QrtProjectLayer *self);
const QrtStyle  *qrt_project_layer_get_style       (QrtProjectLayer *self);
gboolean         qrt_project_layer_get_visible     (QrtProjectLayer *self);
void             qrt_project_layer_set_visible     (QrtProjectLayer *self,
                                                    gboolean         visible);
const char      *qrt_project_layer_get_source      (QrtProjectLayer *self);
void             qrt_project_layer_set_source      (QrtProjectLayer *self,
                                                    const char      *source);
const char      *qrt_project_layer_get_licence     (QrtProjectLayer *self);
void             qrt_project_layer_set_licence     (QrtProjectLayer *self,
                                                    const char      *licence);
const char      *qrt_project_layer_get_attribution (QrtProjectLayer *self);
void             qrt_project_layer_set_attribution (QrtProjectLayer *self,
                                                    const char      *attribution);
const char      *qrt_project_layer_get_imported_at (QrtProjectLayer *self);
void             qrt_project_layer_set_imported_at (QrtProjectLayer *self,
                                                    const char      *imported_at);
void             qrt_project_layer_set_title       (QrtProjectLayer *self,
                                                    const char      *title);
void             qrt_project_layer_set_opacity     (QrtProjectLayer *self,
                                                    double           opacity);
void             qrt_project_layer_set_style       (QrtProjectLayer *self,
                                                    const QrtStyle  *style);
const char      *qrt_project_layer_get_icon_name   (QrtProjectLayer *self);

G_END_DECLS
