/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#define QRT_CORE_INSIDE
#include "qrt-types.h"
#include "model/qrt-bbox.h"
#include "model/qrt-rtree.h"
#include "model/qrt-layer.h"
#include "model/qrt-pick.h"
#include "model/qrt-selection.h"
#include "draw/qrt-style.h"
#include "draw/qrt-classify.h"
#include "draw/qrt-legend.h"
#include "draw/qrt-chart.h"
#include "draw/qrt-tile-cache.h"
#include "draw/qrt-tile-render.h"
#include "project/qrt-project-layer.h"
#include "project/qrt-project.h"
#include "project/qrt-project-schema.h"
#include "import/qrt-import.h"
#include "cache/qrt-cache.h"
#include "dataspace/qrt-data-space.h"
#include "analysis/qrt-indicator.h"
#include "analysis/qrt-zonal.h"
#include "demo/qrt-demo.h"
#undef QRT_CORE_INSIDE

G_BEGIN_DECLS

void qrt_core_init (void);

G_END_DECLS
