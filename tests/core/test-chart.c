/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "qrt-core.h"

static const char *const districts[] = {
  "Altstadt", "Mühlenberg", "Oberhagen", "Niederhagen", "Bahnhofsviertel", "Lindenhof",
};

typedef struct
{
  guint8 r, g, b, a;
} Pixel;

static Pixel
pixel_at (cairo_surface_t *surface,
          double           x,
          double           y)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int ix = (int) floor (x), iy = (int) floor (y);
  guint32 p;
  Pixel px;

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (iy, <, cairo_image_surface_get_height (surface));
  cairo_surface_flush (surface);
  memcpy (&p, data + (gsize) iy * stride + 4 * ix, 4);
  px.a = p >> 24;
  px.r = (p >> 16) & 0xff;
  px.g = (p >> 8) & 0xff;
  px.b = p & 0xff;
  return px;
}

static gboolean
pixel_is (Pixel  px,
          guint8 r,
          guint8 g,
          guint8 b)
{
  return abs (px.r - r) <= 3 && abs (px.g - g) <= 3 && abs (px.b - b) <= 3 && px.a == 255;
}

static cairo_surface_t *
paint (QrtChartLayout *layout,
       int             width,
       int             height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  qrt_chart_layout_paint (layout, cr);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  return surface;
}

static QrtChart *
density_chart (void)
{
  const double density[] = { 4213, 2310, 1980, NAN, 3890, 2310 };
  const guint selected[] = { 1 };

  return qrt_chart_new_bar ("Bevölkerungsdichte", "Einw./km²", districts, density,
                            G_N_ELEMENTS (density), selected, 1, 2450, "Stadtdurchschnitt");
}

static void
test_pearson (void)
{
  /* By hand: means 3 and 4; Σdx² = 10, Σdy² = 6, Σdxdy = 6; slope 0.6, intercept 4 − 1.8,
   * r = 6 / √60. The sixth pair has no x and must not count. */
  const double xs[] = { 1, 2, 3, 4, 5, NAN };
  const double ys[] = { 2, 4, 5, 4, 5, 100 };
  const double line_x[] = { 0, 1, 2 };
  const double line_y[] = { 1, -1, -3 };
  const double flat[] = { 7, 7, 7 };
  const char *const labels[] = { "a", "b", "c", "d", "e", "f" };
  double r, slope, intercept;
  g_autoptr(QrtChart) chart = NULL;

  g_assert_true (qrt_chart_pearson (xs, ys, 6, &r, &slope, &intercept));
  g_assert_cmpfloat_with_epsilon (slope, 0.6, 1e-12);
  g_assert_cmpfloat_with_epsilon (intercept, 2.2, 1e-12);
  g_assert_cmpfloat_with_epsilon (r, 6 / sqrt (60), 1e-12);

  /* A perfect falling line. */
  g_assert_true (qrt_chart_pearson (line_x, line_y, 3, &r, &slope, &intercept));
  g_assert_cmpfloat_with_epsilon (r, -1, 1e-12);
  g_assert_cmpfloat_with_epsilon (slope, -2, 1e-12);
  g_assert_cmpfloat_with_epsilon (intercept, 1, 1e-12);

  /* y does not vary: a flat line, r undefined. x does not vary: no line. Too few pairs. */
  g_assert_true (qrt_chart_pearson (line_x, flat, 3, &r, &slope, &intercept));
  g_assert_true (isnan (r));
  g_assert_cmpfloat (slope, ==, 0);
  g_assert_cmpfloat (intercept, ==, 7);
  g_assert_false (qrt_chart_pearson (flat, line_y, 3, &r, &slope, &intercept));
  g_assert_false (qrt_chart_pearson (xs, ys, 1, &r, NULL, NULL));
  g_assert_true (isnan (r));

  /* Large values as densities are: the centred sums keep the digits. */
  {
    double bx[] = { 1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4, 1e6 + 5 };
    double by[] = { 1e6 + 2, 1e6 + 4, 1e6 + 5, 1e6 + 4, 1e6 + 5 };

    g_assert_true (qrt_chart_pearson (bx, by, 5, &r, &slope, NULL));
    g_assert_cmpfloat_with_epsilon (r, 6 / sqrt (60), 1e-9);
    g_assert_cmpfloat_with_epsilon (slope, 0.6, 1e-9);
  }

  /* The scatter chart computes the same. */
  chart = qrt_chart_new_scatter ("t", "x", NULL, "y", NULL, labels, xs, ys, 6, NULL, 0);
  g_assert_true (qrt_chart_get_regression (chart, &r, &slope, &intercept));
  g_assert_cmpfloat_with_epsilon (r, 6 / sqrt (60), 1e-12);
  g_assert_cmpfloat_with_epsilon (slope, 0.6, 1e-12);
  g_assert_cmpfloat_with_epsilon (intercept, 2.2, 1e-12);
}

static void
check_ticks (double lo,
             double hi,
             guint  max_ticks,
             double want_first,
             double want_step,
             guint  want_n)
{
  double first, step, mantissa;
  guint n = qrt_chart_nice_ticks (lo, hi, max_ticks, &first, &step);

  g_test_message ("%g..%g in %u: %g + k × %g, %u ticks", lo, hi, max_ticks, first, step, n);
  g_assert_cmpfloat_with_epsilon (first, want_first, fabs (want_step) * 1e-9);
  g_assert_cmpfloat_with_epsilon (step, want_step, want_step * 1e-9);
  g_assert_cmpuint (n, ==, want_n);

  /* Properties of every answer: the ticks cover the range, fit, and have a nice step. */
  g_assert_cmpuint (n, <=, MAX (max_ticks, lo < 0 && hi > 0 ? 3 : 2));
  if (isfinite (lo) && isfinite (hi))
    {
      g_assert_cmpfloat (first, <=, MIN (lo, hi) + step * 1e-9);
      g_assert_cmpfloat (first + (n - 1) * step, >=, MAX (lo, hi) - step * 1e-9);
    }
  mantissa = step / pow (10, floor (log10 (step) + 1e-9));
  g_assert_true (fabs (mantissa - 1) < 1e-9 || fabs (mantissa - 2) < 1e-9 ||
                 fabs (mantissa - 5) < 1e-9);
}

static void
test_nice_ticks (void)
{
  check_ticks (0, 100, 6, 0, 20, 6);
  check_ticks (0, 4213, 6, 0, 1000, 6);
  check_ticks (0.13, 0.87, 5, 0, 0.5, 3);
  check_ticks (0.13, 0.87, 6, 0, 0.2, 6);
  check_ticks (-3.7, 12.2, 8, -5, 5, 5);
  check_ticks (2015, 2040, 6, 2015, 5, 6);
  check_ticks (48120, 51390, 5, 48000, 1000, 5);
  check_ticks (12.2, -3.7, 8, -5, 5, 5);           /* ends swapped */
  check_ticks (42, 42, 5, 35, 5, 4);               /* one value: room around it */
  check_ticks (0, 0, 5, 0, 0.5, 3);                /* zero: 0 to 1 */
  check_ticks (NAN, NAN, 5, 0, 0.5, 3);            /* nothing: 0 to 1 */
  check_ticks (-8.9, 12.5, 2, -20, 20, 3);         /* across zero: zero is a tick */
  check_ticks (0, 9.5, 2, 0, 10, 2);               /* the next decade */
}

static void
test_format (void)
{
  struct lconv *lc = localeconv ();
  g_autofree char *grouped = NULL;
  g_autofree char *expected = NULL;

  /* Whatever the locale: its own separators ("1.234,5" in German, "1234.5" in C). */
  expected = g_strdup_printf ("1%s234%s5", lc->grouping && lc->grouping[0] > 0 &&
                                                lc->grouping[0] != CHAR_MAX
                                                ? lc->thousands_sep : "",
                              lc->decimal_point);
  grouped = qrt_chart_format_number (1234.5, 1);
  g_assert_cmpstr (grouped, ==, expected);

  {
    g_autofree char *nan_text = qrt_chart_format_number (NAN, 1);
    g_autofree char *inf_text = qrt_chart_format_number (-INFINITY, 1);
    g_autofree char *negative = qrt_chart_format_number (-3, 0);
    g_autofree char *negative_zero = qrt_chart_format_number (-0.04, 1);

    g_assert_cmpstr (nan_text, ==, "–");
    g_assert_cmpstr (inf_text, ==, "–");
    g_assert_cmpstr (negative, ==, "−3");
    g_assert_null (strchr (negative_zero, '-'));
    g_assert_null (strstr (negative_zero, "−"));
  }

  g_assert_cmpint (qrt_chart_decimals_for (4213), ==, 0);
  g_assert_cmpint (qrt_chart_decimals_for (100), ==, 0);
  g_assert_cmpint (qrt_chart_decimals_for (62.3), ==, 1);
  g_assert_cmpint (qrt_chart_decimals_for (-3.2), ==, 1);
  g_assert_cmpint (qrt_chart_decimals_for (0.82), ==, 2);
  g_assert_cmpint (qrt_chart_decimals_for (0.045), ==, 3);
  g_assert_cmpint (qrt_chart_decimals_for (0), ==, 0);
  g_assert_cmpint (qrt_chart_decimals_for (NAN), ==, 0);
}

static void
test_format_german (void)
{
  g_autofree char *old = g_strdup (setlocale (LC_NUMERIC, NULL));

  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") == NULL)
    {
      g_test_skip ("the de_DE.UTF-8 locale is not installed");
      return;
    }
  {
    g_autofree char *a = qrt_chart_format_number (1234.5, 1);
    g_autofree char *b = qrt_chart_format_number (4213, 0);
    g_autofree char *c = qrt_chart_format_number (0.82, 2);
    g_autofree char *d = qrt_chart_format_number (-1234567.891, 2);

    g_assert_cmpstr (a, ==, "1.234,5");
    g_assert_cmpstr (b, ==, "4.213");
    g_assert_cmpstr (c, ==, "0,82");
    g_assert_cmpstr (d, ==, "−1.234.567,89");
  }
  setlocale (LC_NUMERIC, old);
}

static void
test_bar_order (void)
{
  g_autoptr(QrtChart) chart = density_chart ();
  g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (chart, 600, 400, 1);
  /* 4213 Altstadt, 3890 Bahnhofsviertel, then the tie 2310 in input order, 1980, no value. */
  const guint expected[] = { 0, 4, 1, 5, 2, 3 };
  const guint *order;
  double last_y = -1, x, y, w, h;
  g_autofree char *tooltip = NULL;
  guint n;

  order = qrt_chart_get_order (chart, &n);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (guint k = 0; k < n; k++)
    g_assert_cmpuint (order[k], ==, expected[k]);

  /* Drawn top to bottom in that order; longer bars for larger values. */
  for (guint k = 0; k < n; k++)
    {
      g_assert_true (qrt_chart_layout_get_item_rect (layout, order[k], &x, &y, &w, &h));
      g_assert_cmpfloat (y, >, last_y);
      last_y = y;
    }
  {
    double w0, w1, w3;

    qrt_chart_layout_get_item_rect (layout, 0, NULL, NULL, &w0, NULL);
    qrt_chart_layout_get_item_rect (layout, 1, NULL, NULL, &w1, NULL);
    qrt_chart_layout_get_item_rect (layout, 3, NULL, NULL, &w3, NULL);
    g_assert_cmpfloat (w0, >, w1);
    g_assert_cmpfloat_with_epsilon (w1 / w0, 2310.0 / 4213.0, 0.01);
    /* No value: no bar, and "–" in the tooltip, never "nan". */
    g_assert_cmpfloat (w3, ==, 0);
  }
  qrt_chart_layout_get_item_rect (layout, 3, &x, &y, &w, &h);
  g_assert_cmpint (qrt_chart_layout_hit (layout, x + 40, y + h / 2, &tooltip), ==, 3);
  g_assert_cmpstr (tooltip, ==, "Niederhagen: –");

  /* Out of range. */
  g_assert_false (qrt_chart_layout_get_item_rect (layout, 6, &x, &y, &w, &h));
}

static void
test_bar_hit (void)
{
  g_autoptr(QrtChart) chart = density_chart ();
  g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (chart, 600, 400, 1);
  double x, y, w, h, px, py, pw, ph;
  char *tooltip = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (districts); i++)
    {
      if (!qrt_chart_layout_get_item_rect (layout, i, &x, &y, &w, &h))
        g_assert_not_reached ();
      g_assert_cmpint (qrt_chart_layout_hit (layout, x + w / 2, y + h / 2, NULL), ==, (int) i);
    }

  qrt_chart_layout_get_item_rect (layout, 0, &x, &y, &w, &h);
  g_assert_cmpint (qrt_chart_layout_hit (layout, x + w / 2, y + h / 2, &tooltip), ==, 0);
  /* The tests run in C.UTF-8: no digit grouping. */
  g_assert_cmpstr (tooltip, ==, "Altstadt: 4213 Einw./km²");
  g_clear_pointer (&tooltip, g_free);

  /* The title, the margin, the axis below the bars: nothing. */
  qrt_chart_layout_get_plot_area (layout, &px, &py, &pw, &ph);
  g_assert_cmpint (qrt_chart_layout_hit (layout, 2, 2, &tooltip), ==, -1);
  g_assert_null (tooltip);
  g_assert_cmpint (qrt_chart_layout_hit (layout, px + pw / 2, py + ph + 5, NULL), ==, -1);
  g_assert_cmpint (qrt_chart_layout_hit (layout, 599, 399, NULL), ==, -1);
  g_assert_cmpint (qrt_chart_layout_hit (layout, -10, y + h / 2, NULL), ==, -1);
}

static void
test_bar_pixels (void)
{
  g_autoptr(QrtChart) chart = density_chart ();
  g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (chart, 600, 400, 1);
  cairo_surface_t *surface = paint (layout, 600, 400);
  double x, y, w, h;

  /* Mühlenberg is selected, Lindenhof has the same value and is not. */
  qrt_chart_layout_get_item_rect (layout, 1, &x, &y, &w, &h);
  g_assert_true (pixel_is (pixel_at (surface, x + w / 3, y + h / 2), QRT_CHART_ACCENT_RGB));
  qrt_chart_layout_get_item_rect (layout, 5, &x, &y, &w, &h);
  g_assert_false (pixel_is (pixel_at (surface, x + w / 3, y + h / 2), QRT_CHART_ACCENT_RGB));
  g_assert_false (pixel_is (pixel_at (surface, x + w / 3, y + h / 2), 255, 255, 255));
  qrt_chart_layout_get_item_rect (layout, 0, &x, &y, &w, &h);
  g_assert_false (pixel_is (pixel_at (surface, x + w / 3, y + h / 2), QRT_CHART_ACCENT_RGB));
  /* The background is white. */
  g_assert_true (pixel_is (pixel_at (surface, 1, 399), 255, 255, 255));
  cairo_surface_destroy (surface);

  /* At twice the scale the same bar is accent-coloured at its new place. */
  {
    g_autoptr(QrtChartLayout) big = qrt_chart_layout_new (chart, 1200, 800, 2);

    surface = paint (big, 1200, 800);
    qrt_chart_layout_get_item_rect (big, 1, &x, &y, &w, &h);
    g_assert_cmpfloat (h, >, 20);
    g_assert_true (pixel_is (pixel_at (surface, x + w / 3, y + h / 2), QRT_CHART_ACCENT_RGB));
    cairo_surface_destroy (surface);
  }
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_write (void)
{
  g_autoptr(QrtChart) chart = density_chart ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "dichte.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "dichte.SVG", NULL);
  g_autofree char *txt = g_build_filename (dir, "dichte.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "dir.png", NULL);
  g_autofree char *contents = NULL;
  cairo_surface_t *surface;

  g_assert_no_error (error);

  g_assert_true (qrt_chart_write (chart, png, 640, 480, &error));
  g_assert_no_error (error);
  surface = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, 640);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, 480);
  cairo_surface_destroy (surface);
  {
    /* An export is an ordinary file, readable as the user's umask allows, not 0600. */
    GStatBuf st;
    mode_t mask = umask (022);

    umask (mask);
    g_assert_cmpint (g_stat (png, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0666 & ~mask);
  }

  /* Writing again replaces the file. */
  g_assert_true (qrt_chart_write (chart, png, 320, 200, &error));
  g_assert_no_error (error);
  surface = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, 320);
  cairo_surface_destroy (surface);

  g_assert_true (qrt_chart_write (chart, svg, 600, 400, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));

  /* Unknown extension, unwritable place: an error, and no file or temporary left behind. */
  g_assert_false (qrt_chart_write (chart, txt, 600, 400, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (qrt_chart_write (chart, missing, 600, 400, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (dir), ==, 2);

  g_unlink (png);
  g_unlink (svg);
  g_rmdir (dir);
}

static QrtChart *
population_chart (int forecast_from)
{
  int years[26];
  double values[3 * 26];
  const guint selected[] = { 0 };

  /* Three districts between 4000 and 9000 inhabitants, gently changing. */
  for (guint y = 0; y < 26; y++)
    {
      years[y] = 2015 + y;
      values[y] = 4000 + 20 * y;
      values[26 + y] = 6500 - 15 * y;
      values[52 + y] = 9000 + 5 * y;
    }
  return qrt_chart_new_series ("Bevölkerung", "Einwohner", years, 26, districts, values, 3,
                               selected, 1, forecast_from);
}

static void
test_series_forecast (void)
{
  g_autoptr(QrtChart) chart = population_chart (2026);
  g_autoptr(QrtChart) plain = population_chart (0);
  g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (chart, 600, 400, 1);
  g_autoptr(QrtChartLayout) plain_layout = qrt_chart_layout_new (plain, 600, 400, 1);
  cairo_surface_t *surface = paint (layout, 600, 400);
  cairo_surface_t *plain_surface = paint (plain_layout, 600, 400);
  double x, y, bx, by;
  Pixel band, before, none;
  g_autofree char *tooltip = NULL;
  guint n = 99;

  /* Only bar charts rank. */
  g_assert_null (qrt_chart_get_order (chart, &n));
  g_assert_cmpuint (n, ==, 0);

  /* Between two lines (5250 lies between 4000–4500 and 6125–6500), after 2026 and before. */
  g_assert_true (qrt_chart_layout_map (layout, 2038, 5250, &x, &y));
  g_assert_true (qrt_chart_layout_map (layout, 2018, 5250, &bx, &by));
  band = pixel_at (surface, x, y);
  before = pixel_at (surface, bx, by);
  none = pixel_at (plain_surface, x, y);
  g_test_message ("band %d,%d,%d; before %d,%d,%d", band.r, band.g, band.b, before.r, before.g,
                  before.b);
  g_assert_true (pixel_is (before, 255, 255, 255));
  g_assert_true (pixel_is (none, 255, 255, 255));
  g_assert_false (pixel_is (band, 255, 255, 255));
  /* A tint, not a line: light and nearly grey. */
  g_assert_cmpint (band.r, >, 220);
  g_assert_cmpint (band.g, >, 220);
  g_assert_cmpint (band.b, >, 220);
  g_assert_cmpint (abs (band.r - band.b), <, 16);

  /* The selected series is drawn in the accent colour, solid before the forecast. */
  g_assert_true (qrt_chart_layout_map (layout, 2020.5, 4000 + 20 * 5.5, &x, &y));
  g_assert_true (pixel_is (pixel_at (surface, x, y), QRT_CHART_ACCENT_RGB));

  /* Solid before the forecast, dashed after it: walk along the line, look for gaps. */
  {
    guint gaps_before = 0, gaps_after = 0;

    for (double year = 2016; year < 2039.9; year += 0.1)
      {
        gboolean on;

        qrt_chart_layout_map (layout, year, 4000 + 20 * (year - 2015), &x, &y);
        on = pixel_is (pixel_at (surface, x, y), QRT_CHART_ACCENT_RGB);
        if (year < 2025.5)
          gaps_before += !on;
        else if (year > 2026.5)
          gaps_after += !on;
      }
    g_assert_cmpuint (gaps_before, ==, 0);
    g_assert_cmpuint (gaps_after, >, 10);
  }

  /* Hovering a point of the forecast names series, year and that it is a forecast. */
  g_assert_true (qrt_chart_layout_map (layout, 2030, 6500 - 15 * 15, &x, &y));
  g_assert_cmpint (qrt_chart_layout_hit (layout, x + 2, y - 1, &tooltip), ==, 1);
  g_assert_nonnull (strstr (tooltip, "Mühlenberg"));
  g_assert_nonnull (strstr (tooltip, "2030"));
  g_assert_nonnull (strstr (tooltip, "6275"));
  g_assert_nonnull (strstr (tooltip, "forecast"));
  g_clear_pointer (&tooltip, g_free);
  g_assert_true (qrt_chart_layout_map (layout, 2020, 6500 - 15 * 5, &x, &y));
  g_assert_cmpint (qrt_chart_layout_hit (layout, x, y, &tooltip), ==, 1);
  g_assert_null (strstr (tooltip, "forecast"));
  g_assert_cmpint (qrt_chart_layout_hit (layout, x, y - 60, NULL), ==, -1);

  cairo_surface_destroy (surface);
  cairo_surface_destroy (plain_surface);
}

static QrtChart *
radar_chart (void)
{
  const char *axes[] = { "Bevölkerungsdichte", "Versiegelung", "Grünfläche je Einwohner",
                         "Anteil über 65-Jährige", "Erreichbarkeit Grundschule" };
  const char *units[] = { "Einw./km²", "%", "m²", "%", "min" };
  const double values[] = { 4213, 78.4, 6.2, 24.1, NAN };
  const double town[] = { 1890, 42.3, 21.5, 22.8, 9 };
  const double min[] = { 410, 15.1, 4.1, 14.2, 3 };
  const double max[] = { 4213, 78.4, 58.0, 31.0, 22 };

  return qrt_chart_new_radar ("Profil Altstadt", "Altstadt", axes, units, values, town, NULL,
                              min, max, G_N_ELEMENTS (axes));
}

static void
test_radar_bounds (void)
{
  g_autoptr(QrtChart) chart = radar_chart ();
  const int sizes[][2] = { { 600, 400 }, { 320, 240 }, { 900, 300 }, { 300, 700 } };
  const int margin = 40;

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int w = sizes[k][0], h = sizes[k][1];
      g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (chart, w, h, 1);
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w + 2 * margin,
                                                             h + 2 * margin);
      cairo_t *cr = cairo_create (surface);
      guint accent = 0;
      double x, y;

      cairo_translate (cr, margin, margin);
      qrt_chart_layout_paint (layout, cr);
      cairo_destroy (cr);

      for (int py = 0; py < h + 2 * margin; py++)
        for (int px = 0; px < w + 2 * margin; px++)
          {
            gboolean inside = px >= margin && px < margin + w && py >= margin && py < margin + h;
            gboolean edge = inside && (px < margin + 3 || px >= margin + w - 3 ||
                                       py < margin + 3 || py >= margin + h - 3);
            Pixel p = pixel_at (surface, px, py);

            if (!inside && p.a != 0)
              g_error ("%d×%d: drawn outside at %d,%d", w, h, px - margin, py - margin);
            if (edge && !pixel_is (p, 255, 255, 255))
              g_error ("%d×%d: drawn on the edge at %d,%d", w, h, px - margin, py - margin);
            accent += inside && pixel_is (p, QRT_CHART_ACCENT_RGB);
          }
      /* The district's vertices and outline are there: the middle of the edge between the
       * first two vertices is drawn in the accent colour. */
      g_assert_cmpuint (accent, >, 50);
      {
        double ax, ay, bx, by;

        g_assert_true (qrt_chart_layout_get_item_rect (layout, 0, &ax, &ay, NULL, NULL));
        g_assert_true (qrt_chart_layout_get_item_rect (layout, 1, &bx, &by, NULL, NULL));
        g_assert_true (pixel_is (pixel_at (surface, margin + (ax + bx) / 2 + 3.5,
                                           margin + (ay + by) / 2 + 3.5),
                                 QRT_CHART_ACCENT_RGB));
      }

      /* A vertex is hit, with its values. */
      g_assert_true (qrt_chart_layout_get_item_rect (layout, 1, &x, &y, NULL, NULL));
      {
        g_autofree char *tooltip = NULL;
        double iw, ih;

        qrt_chart_layout_get_item_rect (layout, 1, &x, &y, &iw, &ih);
        g_assert_cmpint (qrt_chart_layout_hit (layout, x + iw / 2, y + ih / 2, &tooltip), ==, 1);
        g_assert_nonnull (strstr (tooltip, "Versiegelung"));
        g_assert_nonnull (strstr (tooltip, "78.4 %"));
        g_assert_nonnull (strstr (tooltip, "42.3 %"));
      }
      cairo_surface_destroy (surface);
    }
}

static void
test_scatter (void)
{
  const double sealing[] = { 78.4, 52.1, 47.3, 41.0, 74.9, 58.6 };
  const double green[] = { 13.0, 34.7, 30.1, 29.8, 18.0, 20.7 };
  const guint selected[] = { 1 };
  g_autoptr(QrtChart) chart = qrt_chart_new_scatter ("Versiegelung und Grün", "Versiegelung", "%",
                                                     "Grünfläche", "m²", districts, sealing, green,
                                                     6, selected, 1);
  g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (chart, 600, 400, 1);
  cairo_surface_t *surface = paint (layout, 600, 400);
  g_autofree char *tooltip = NULL;
  double x, y, w, h, x0, y0, x1, y1, slope, intercept;

  /* Points sit where the axes say. */
  qrt_chart_layout_get_item_rect (layout, 4, &x, &y, &w, &h);
  g_assert_true (qrt_chart_layout_map (layout, 74.9, 18.0, &x0, &y0));
  g_assert_cmpfloat_with_epsilon (x + w / 2, x0, 0.01);
  g_assert_cmpfloat_with_epsilon (y + h / 2, y0, 0.01);

  /* The selected point is blue, the others are not. */
  qrt_chart_layout_get_item_rect (layout, 1, &x, &y, &w, &h);
  g_assert_true (pixel_is (pixel_at (surface, x + w / 2, y + h / 2), QRT_CHART_ACCENT_RGB));
  g_assert_cmpint (qrt_chart_layout_hit (layout, x + w / 2 + 2, y + h / 2, &tooltip), ==, 1);
  g_assert_nonnull (strstr (tooltip, "Mühlenberg"));
  g_assert_nonnull (strstr (tooltip, "52.1 %"));
  g_assert_nonnull (strstr (tooltip, "34.7 m²"));
  qrt_chart_layout_get_item_rect (layout, 4, &x, &y, &w, &h);
  g_assert_false (pixel_is (pixel_at (surface, x + w / 2, y + h / 2), QRT_CHART_ACCENT_RGB));

  /* The regression line passes through the mean point (dashed: look around it). */
  g_assert_true (qrt_chart_get_regression (chart, NULL, &slope, &intercept));
  g_assert_cmpfloat (slope, <, 0);
  {
    double mx = 0, darkest = 255;

    for (guint i = 0; i < 6; i++)
      mx += sealing[i] / 6;
    for (double t = -2; t <= 2; t += 0.25)
      {
        qrt_chart_layout_map (layout, mx + t, slope * (mx + t) + intercept, &x1, &y1);
        darkest = MIN (darkest, pixel_at (surface, x1, y1).g);
      }
    g_assert_cmpfloat (darkest, <, 160);
  }
  cairo_surface_destroy (surface);
}

typedef struct
{
  QrtChart *chart;
  guint8   *reference;
  gsize     size;
} ThreadJob;

static gpointer
paint_worker (gpointer data)
{
  ThreadJob *job = data;
  gboolean same = TRUE;

  for (guint k = 0; k < 8 && same; k++)
    {
      g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (job->chart, 400, 300, 1);
      cairo_surface_t *surface = paint (layout, 400, 300);

      cairo_surface_flush (surface);
      same = memcmp (cairo_image_surface_get_data (surface), job->reference, job->size) == 0;
      cairo_surface_destroy (surface);
    }
  return GINT_TO_POINTER (same);
}

static void
test_threads (void)
{
  QrtChart *charts[] = { density_chart (), population_chart (2026), radar_chart () };

  /* Layouts made and painted in several threads at once come out as in one. */
  for (guint c = 0; c < G_N_ELEMENTS (charts); c++)
    {
      g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (charts[c], 400, 300, 1);
      cairo_surface_t *surface = paint (layout, 400, 300);
      ThreadJob job;
      GThread *threads[4];

      cairo_surface_flush (surface);
      job.chart = charts[c];
      job.size = (gsize) cairo_image_surface_get_stride (surface) * 300;
      job.reference = g_memdup2 (cairo_image_surface_get_data (surface), job.size);
      for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
        threads[t] = g_thread_new ("chart", paint_worker, &job);
      for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
        g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[t])));
      g_free (job.reference);
      cairo_surface_destroy (surface);
      g_object_unref (charts[c]);
    }
}

static void
test_empty (void)
{
  const double none[] = { NAN, NAN };
  const char *const labels[] = { "Altstadt", "Mühlenberg" };
  QrtChart *charts[] = {
    qrt_chart_new_bar ("Leer", NULL, NULL, NULL, 0, NULL, 0, NAN, NULL),
    qrt_chart_new_bar ("Ohne Werte", "%", labels, none, 2, NULL, 0, NAN, NULL),
    qrt_chart_new_series ("Leer", NULL, NULL, 0, NULL, NULL, 0, NULL, 0, 0),
    qrt_chart_new_radar ("Leer", "Altstadt", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0),
    qrt_chart_new_scatter ("Leer", "x", NULL, "y", NULL, labels, none, none, 2, NULL, 0),
  };

  /* Nothing to show still lays out, paints and hit-tests; tiny sizes too. */
  for (guint c = 0; c < G_N_ELEMENTS (charts); c++)
    {
      for (guint s = 0; s < 2; s++)
        {
          double size = s == 0 ? 300 : 8;
          g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (charts[c], size, size, 1);
          cairo_surface_t *surface = paint (layout, (int) size, (int) size);

          if (c != 1)
            g_assert_cmpint (qrt_chart_layout_hit (layout, size / 2, size / 2, NULL), ==, -1);
          cairo_surface_destroy (surface);
        }
      g_object_unref (charts[c]);
    }
}

static void
test_no_values (void)
{
  const double none[] = { NAN, NAN };
  const char *const labels[] = { "Altstadt", "Mühlenberg" };
  g_autoptr(QrtChart) chart = qrt_chart_new_bar ("Ohne Werte", "%", labels, none, 2, NULL, 0,
                                                 NAN, NULL);
  g_autoptr(QrtChartLayout) layout = qrt_chart_layout_new (chart, 600, 400, 1);
  g_autofree char *tooltip = NULL;
  double x, y, w, h;

  /* Districts without values are still listed, with a dash. */
  g_assert_true (qrt_chart_layout_get_item_rect (layout, 1, &x, &y, &w, &h));
  g_assert_cmpfloat (w, ==, 0);
  g_assert_cmpint (qrt_chart_layout_hit (layout, x, y + h / 2, &tooltip), ==, 1);
  g_assert_cmpstr (tooltip, ==, "Mühlenberg: –");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  setlocale (LC_ALL, "");
  /* Tooltips are compared as text; /chart/format/german switches to German numbers itself. */
  setlocale (LC_NUMERIC, "C");
  qrt_core_init ();

  g_test_add_func ("/chart/pearson", test_pearson);
  g_test_add_func ("/chart/nice-ticks", test_nice_ticks);
  g_test_add_func ("/chart/format", test_format);
  g_test_add_func ("/chart/format/german", test_format_german);
  g_test_add_func ("/chart/bar/order", test_bar_order);
  g_test_add_func ("/chart/bar/hit", test_bar_hit);
  g_test_add_func ("/chart/bar/pixels", test_bar_pixels);
  g_test_add_func ("/chart/write", test_write);
  g_test_add_func ("/chart/series/forecast", test_series_forecast);
  g_test_add_func ("/chart/radar/bounds", test_radar_bounds);
  g_test_add_func ("/chart/scatter", test_scatter);
  g_test_add_func ("/chart/threads", test_threads);
  g_test_add_func ("/chart/empty", test_empty);
  g_test_add_func ("/chart/no-values", test_no_values);

  return g_test_run ();
}
