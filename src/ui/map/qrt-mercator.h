/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <math.h>

#include "qrt-core.h"

G_BEGIN_DECLS

/* Web Mercator metres (the layers' display coordinates) and the latitudes and longitudes
 * libshumate speaks, both ways. */

static inline void
qrt_mercator_to_lat_lon (double  x,
                         double  y,
                         double *latitude,
                         double *longitude)
{
  *longitude = x / QRT_MERCATOR_HALF_WORLD * 180.0;
  *latitude = atan (sinh (y / QRT_MERCATOR_HALF_WORLD * G_PI)) * 180.0 / G_PI;
}

static inline void
qrt_lat_lon_to_mercator (double  latitude,
                         double  longitude,
                         double *x,
                         double *y)
{
  *x = longitude / 180.0 * QRT_MERCATOR_HALF_WORLD;
  *y = log (tan ((90.0 + latitude) * G_PI / 360.0)) / G_PI * QRT_MERCATOR_HALF_WORLD;
}

/* Mercator metres per CSS pixel at a (fractional) zoom level of 256 px tiles. */
static inline double
qrt_mercator_metres_per_pixel (double zoom)
{
  return 2.0 * QRT_MERCATOR_HALF_WORLD / (256.0 * exp2 (zoom));
}

G_END_DECLS
