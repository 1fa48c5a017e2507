/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

/* What every benchmark program measures with; header-only, each bench stays one program. */

static inline double
qrt_bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static inline int
qrt_bench_compare (gconstpointer a,
                   gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The value at fraction @p (0.5: the median) of @values (doubles), which it sorts. */
static inline double
qrt_bench_percentile (GArray *values,
                      double  p)
{
  g_array_sort (values, qrt_bench_compare);
  return g_array_index (values, double, (guint) MIN (values->len - 1,
                                                     floor (p * (values->len - 1) + 0.5)));
}

static inline double
qrt_bench_median (GArray *values)
{
  g_array_sort (values, qrt_bench_compare);
  return g_array_index (values, double, values->len / 2);
}

G_END_DECLS
