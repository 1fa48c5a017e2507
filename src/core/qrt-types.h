/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _QrtBBox         QrtBBox;
typedef struct _QrtRTree        QrtRTree;
typedef struct _QrtLayer        QrtLayer;
typedef struct _QrtLayerBuilder QrtLayerBuilder;
typedef struct _QrtStyle        QrtStyle;
typedef struct _QrtTileRender   QrtTileRender;
typedef struct _QrtProject      QrtProject;
typedef struct _QrtProjectLayer QrtProjectLayer;

/**
 * QrtProgressFunc:
 * @fraction: done so far, 0 to 1
 * @user_data: closure
 *
 * Progress of long work; called from the thread doing the work, so a UI must hop to its
 * main context (g_main_context_invoke) before touching widgets.
 */
typedef void (*QrtProgressFunc) (double fraction, gpointer user_data);

G_END_DECLS
