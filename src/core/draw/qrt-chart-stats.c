/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qrt-chart.h"

/**
 * qrt_chart_nice_ticks:
 * @lo: smallest value the axis must show
 * @hi: largest value the axis must show
 * @max_ticks: at most this many ticks (at least 2, and 3 when the range includes 0 inside:
 *   an axis across zero shows it)
 * @first: (out): the first tick, which is also where the axis starts
 * @step: (out): distance between ticks: 1, 2 or 5 times a power of ten
 *
 * Ticks a reader can add up in their head, covering @lo to @hi. The axis runs from @first to
 * @first + (n − 1) × @step. Empty and degenerate ranges (equal or non-finite ends) widen to a
 * range around the value, so the result is always usable.
 *
 * Returns: the number of ticks, n
 */
guint
qrt_chart_nice_ticks (double  lo,
                      double  hi,
                      guint   max_ticks,
                      double *first,
                      double *step)
{
  static const double nice[] = { 1, 2, 5 };
  double raw, mag, s = 1, f = 0;
  guint n = 2;
  gboolean found = FALSE;

  g_return_val_if_fail (first != NULL && step != NULL, 0);

  if (!isfinite (lo) || !isfinite (hi))
    {
      lo = isfinite (lo) ? lo : isfinite (hi) ? hi : 0;
      hi = lo;
    }
  if (lo > hi)
    {
      double t = lo;

      lo = hi;
      hi = t;
    }
  if (hi - lo <= fabs (hi) * 1e-12)
    {
      /* One value: show it with some room around it, and 0 when it is 0. */
      double d = lo == 0 ? 1 : fabs (lo) * 0.1;

      if (lo >= 0 && lo - d < 0)
        lo = 0;
      else
        lo -= d;
      hi += d;
    }
  max_ticks = MAX (max_ticks, lo < 0 && hi > 0 ? 3 : 2);

  raw = (hi - lo) / (max_ticks - 1);
  mag = pow (10, floor (log10 (raw)));
  /* The smallest 1–2–5 step at least as large as the even split whose rounded ends still fit;
   * rounding the ends outwards may need a step a decade larger. */
  for (guint decade = 0; decade < 4 && !found; decade++, mag *= 10)
    for (guint i = 0; i < G_N_ELEMENTS (nice) && !found; i++)
      {
        double last;

        s = nice[i] * mag;
        if (s < raw * (1 - 1e-9))
          continue;
        /* The tolerance keeps 0.3 / 0.1 from becoming 2.9999999 and adding a tick. */
        f = floor (lo / s + 1e-9) * s;
        last = ceil (hi / s - 1e-9) * s;
        n = (guint) lround ((last - f) / s) + 1;
        found = n <= max_ticks;
      }

  *first = f;
  *step = s;
  return MAX (n, 2);
}

/**
 * qrt_chart_pearson:
 * @xs: x values
 * @ys: y values; pairs with a non-finite member are left out
 * @n: number of pairs
 * @r: (out) (optional): Pearson's correlation coefficient, NaN when a variable does not vary
 * @slope: (out) (optional): slope of the least-squares line y = slope × x + intercept
 * @intercept: (out) (optional): its intercept
 *
 * Returns: %TRUE when the regression line is defined (two or more pairs, x varies)
 */
gboolean
qrt_chart_pearson (const double *xs,
                   const double *ys,
                   guint         n,
                   double       *r,
                   double       *slope,
                   double       *intercept)
{
  double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
  guint m = 0;

  g_return_val_if_fail (n == 0 || (xs != NULL && ys != NULL), FALSE);

  /* Two passes over centred values: the sums of products of raw densities (10⁴ and more)
   * would lose the digits that r depends on. */
  for (guint i = 0; i < n; i++)
    if (isfinite (xs[i]) && isfinite (ys[i]))
      {
        mx += xs[i];
        my += ys[i];
        m++;
      }
  if (r != NULL)
    *r = NAN;
  if (slope != NULL)
    *slope = NAN;
  if (intercept != NULL)
    *intercept = NAN;
  if (m < 2)
    return FALSE;
  mx /= m;
  my /= m;
  for (guint i = 0; i < n; i++)
    if (isfinite (xs[i]) && isfinite (ys[i]))
      {
        double dx = xs[i] - mx, dy = ys[i] - my;

        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
      }
  if (r != NULL && sxx > 0 && syy > 0)
    *r = CLAMP (sxy / sqrt (sxx * syy), -1, 1);
  if (!(sxx > 0))
    return FALSE;
  if (slope != NULL)
    *slope = sxy / sxx;
  if (intercept != NULL)
    *intercept = my - sxy / sxx * mx;
  return TRUE;
}

/**
 * qrt_chart_decimals_for:
 * @magnitude: the largest absolute value of a set that is shown with the same decimals
 *
 * Decimals that make values of this size readable without false precision: none from 100
 * on (4.213 Einw./km²), one from 1 on (62,3 %), then two significant digits (0,82; 0,045).
 */
int
qrt_chart_decimals_for (double magnitude)
{
  magnitude = fabs (magnitude);
  if (!isfinite (magnitude) || magnitude == 0 || magnitude >= 100)
    return 0;
  if (magnitude >= 1)
    return 1;
  return CLAMP (1 - (int) floor (log10 (magnitude)), 2, 6);
}

/**
 * qrt_chart_format_number:
 * @value: the number
 * @decimals: digits after the decimal separator
 *
 * Formats for the current LC_NUMERIC with digit grouping ("1.234,5" in German) and a real
 * minus sign. NaN and infinities, which a chart never shows as such, become "–".
 *
 * Returns: (transfer full): the text
 */
char *
qrt_chart_format_number (double value,
                         int    decimals)
{
  char *text;

  if (!isfinite (value))
    return g_strdup ("–");
  decimals = CLAMP (decimals, 0, 6);
  text = g_strdup_printf ("%'.*f", decimals, value);
  if (text[0] == '-')
    {
      char *rest = text + 1;

      /* "-0,0" is a rounding artefact, not a negative value. */
      if (strpbrk (rest, "123456789") == NULL)
        {
          memmove (text, rest, strlen (rest) + 1);
          return text;
        }
      {
        char *minus = g_strconcat ("−", rest, NULL);

        g_free (text);
        return minus;
      }
    }
  return text;
}
