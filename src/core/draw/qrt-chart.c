/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "qrt-chart.h"

/* Charts in two steps, so that a widget never measures text or picks ticks in its snapshot:
 * qrt_chart_layout_new() turns a chart and a size into a display list (rectangles, paths,
 * circles, text with anchors) plus hit regions, in any thread; qrt_chart_layout_paint() only
 * replays that list on a cairo_t, which may be a widget's snapshot, a PNG, an SVG or a PDF page.
 * Both QrtChart and QrtChartLayout are immutable once built, so any number of threads may lay out
 * and paint them at once. Text is measured again when painted: the target's font options may
 * differ from the measuring surface's, and anchoring at paint time keeps alignment exact. */

#define FONT_FAMILY "Cantarell, Sans"
#define PAD 16

typedef guint32 Rgba;   /* 0xRRGGBBAA */

/* A calm palette after GNOME's: dark grey text, light grid, neutral bars, GNOME blue for what
 * the user selected, Okabe–Ito vermillion for references (distinct from blue for every kind of
 * colour vision). */
#define C_BACKGROUND 0xffffffffu
#define C_TEXT       0x2f2f35ffu
#define C_DIM        0x6c6b72ffu
#define C_GRID       0xe9e8e5ffu
#define C_AXIS       0xbebdb9ffu
#define C_BAR        0xaeb3bbffu
#define C_ACCENT     0x3584e4ffu
#define C_REFERENCE  0xd55e00ffu
#define C_BAND       0xf3f1ecffu
#define C_MUTED      0xcdccc8ffu
#define C_POINT      0x8a8993e6u
#define C_AVERAGE    0x5e5c64ffu

/* Series colours: the accent first, then Okabe–Ito as in qrt-classify.c's qualitative palette
 * (without its yellow, which vanishes on white). */
static const Rgba series_palette[] = {
  0x3584e4ffu, 0xe69f00ffu, 0x009e73ffu, 0xcc79a7ffu,
  0xd55e00ffu, 0x56b4e9ffu, 0x0072b2ffu, 0x8f8a80ffu,
};

#define MAX_HIGHLIGHTED_SERIES G_N_ELEMENTS (series_palette)

struct _QrtChart
{
  GObject       parent_instance;

  QrtChartKind  kind;
  char         *title;
  char         *unit;             /* bar, series: the values'; scatter: y; radar: unused */
  char         *x_title;          /* scatter */
  char         *x_unit;           /* scatter */
  char         *y_title;          /* scatter */
  char         *name;             /* radar: the district */
  char         *reference_label;  /* bar, radar */

  guint         n;                /* bars, series, radar axes, scatter points */
  char        **labels;           /* n: districts, series names or radar axes */
  char        **units;            /* radar: one per axis, "" for none */
  double       *values;           /* bar, radar, scatter y: n; series: n × n_years */
  double       *xs;               /* scatter */
  double       *reference_values; /* radar: n, or NULL */
  double       *min;              /* radar */
  double       *max;              /* radar */
  gboolean     *selected;         /* n */
  guint        *order;            /* bar: rank → index */
  double        reference;        /* bar: NaN for none */

  int          *years;            /* series */
  guint         n_years;
  int           forecast_from;    /* series: 0 for none */

  int           decimals;         /* bar, series, scatter y */
  int           x_decimals;       /* scatter */

  gboolean      has_regression;   /* scatter */
  double        r;
  double        slope;
  double        intercept;
};

G_DEFINE_FINAL_TYPE (QrtChart, qrt_chart, G_TYPE_OBJECT)

typedef enum
{
  OP_RECT,
  OP_PATH,
  OP_CIRCLE,
  OP_TEXT,
  OP_CLIP,
  OP_UNCLIP,
} OpKind;

typedef struct
{
  double   px;
  gboolean bold;
  gboolean tabular;     /* figures of equal width, for columns of numbers */
} Font;

typedef struct
{
  OpKind  kind;
  Rgba    fill;
  Rgba    stroke;
  double  line_width;
  double  dash;         /* on length of a dash pattern, 0 for solid */
  double  x, y;         /* rect corner, circle centre, text anchor */
  double  w, h;         /* rect size; circle radius in w; text: width limit in w (0: none) */
  double  radius;       /* rect corners */
  guint   first;        /* path: points[first .. first + n_points) as x, y pairs */
  guint   n_points;
  gboolean closed;
  char   *text;
  Font    font;
  double  align_x;      /* text: the fraction of its box left of the anchor */
  double  align_y;
  gboolean wrap;        /* text: wrap at the width limit instead of ellipsizing */
  double  halo;         /* text: width of a background-coloured outline, so that lines
                         * passing under a label do not cross its letters */
} Op;

typedef struct
{
  gboolean circle;
  double   x, y, w, h;  /* rect; or centre and radius (w) */
  int      index;
  char    *tooltip;
} Hit;

struct _QrtChartLayout
{
  QrtChart *chart;
  double    width;
  double    height;
  double    scale;

  GArray   *ops;         /* Op */
  GArray   *points;      /* double, x/y pairs */
  GArray   *hits;        /* Hit */
  double   *items;       /* 4 × n_items: x, y, w, h; NaN x when an item is not drawn */
  guint     n_items;

  double    plot_x, plot_y, plot_w, plot_h;
  gboolean  mapped;      /* series, scatter: u0..u1 and v0..v1 span the plot area */
  double    u0, u1, v0, v1;
};

G_DEFINE_BOXED_TYPE (QrtChartLayout, qrt_chart_layout, qrt_chart_layout_ref,
                     qrt_chart_layout_unref)

typedef struct
{
  QrtChartLayout  *out;
  cairo_surface_t *surface;
  cairo_t         *cr;
  PangoLayout     *pango;
  double           s;
  Font             title;
  Font             label;
  Font             small;
  Font             number;
} Builder;

typedef struct
{
  double first;
  double step;
  guint  n;
  double lo;
  double hi;
  int    decimals;
} Axis;

/* Helpers */

static char **
copy_strv (const char *const *strv,
           guint              n)
{
  char **copy = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    copy[i] = g_strdup (strv != NULL && strv[i] != NULL ? strv[i] : "");
  return copy;
}

static double *
copy_doubles (const double *values,
              guint         n)
{
  double *copy = g_new (double, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    copy[i] = values != NULL ? values[i] : NAN;
  return copy;
}

static gboolean *
selection_of (const guint *selected,
              guint        n_selected,
              guint        n)
{
  gboolean *set = g_new0 (gboolean, MAX (n, 1));

  for (guint i = 0; selected != NULL && i < n_selected; i++)
    if (selected[i] < n)
      set[selected[i]] = TRUE;
  return set;
}

static double
max_abs (const double *values,
         guint         n)
{
  double m = 0;

  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      m = MAX (m, fabs (values[i]));
  return m;
}

static gboolean
has_text (const char *text)
{
  return text != NULL && text[0] != '\0';
}

/* "4.213 Einw./km²", or just the number when there is no unit. */
static char *
format_value (double      value,
              int         decimals,
              const char *unit)
{
  g_autofree char *number = qrt_chart_format_number (value, decimals);

  if (!isfinite (value) || !has_text (unit))
    return g_steal_pointer (&number);
  return g_strdup_printf ("%s %s", number, unit);
}

static char *
axis_title (const char *title,
            const char *unit)
{
  if (has_text (title) && has_text (unit))
    return g_strdup_printf ("%s (%s)", title, unit);
  return g_strdup (has_text (title) ? title : has_text (unit) ? unit : "");
}

static int
decimals_for_step (double step)
{
  return step >= 1 ? 0 : CLAMP ((int) ceil (-log10 (step) - 1e-9), 0, 6);
}

static void
axis_init (Axis   *axis,
           double  lo,
           double  hi,
           double  pixels,
           double  spacing)
{
  guint max_ticks = MAX (2, (guint) floor (pixels / spacing) + 1);

  axis->n = qrt_chart_nice_ticks (lo, hi, max_ticks, &axis->first, &axis->step);
  axis->lo = axis->first;
  axis->hi = axis->first + (axis->n - 1) * axis->step;
  axis->decimals = decimals_for_step (axis->step);
}

/* Round ends when they cost little; else an axis that ends at the data (with the headroom the
 * caller left) and has the round numbers inside as ticks: with few ticks on a small chart, round
 * ends can waste a third of the plot. */
static void
axis_init_tight (Axis   *axis,
                 double  lo,
                 double  hi,
                 double  pixels,
                 double  spacing)
{
  double first;
  guint n;

  axis_init (axis, lo, hi, pixels, spacing);
  if (!(hi > lo) || axis->hi - axis->lo <= (hi - lo) * 1.25)
    return;
  /* Fewer round numbers fit inside than around: go down the 1–2–5 steps until two do. */
  for (guint attempt = 0; attempt < 4; attempt++)
    {
      double step = axis->step;
      double mantissa = step / pow (10, floor (log10 (step) + 1e-9));

      first = ceil (lo / step - 1e-9) * step;
      n = (guint) floor ((hi - first) / step + 1e-9) + 1;
      if (n >= 2)
        {
          axis->first = first;
          axis->n = n;
          axis->lo = lo;
          axis->hi = hi;
          axis->decimals = decimals_for_step (step);
          return;
        }
      axis->step = step * (mantissa > 4 ? 0.4 : 0.5);
    }
  /* Nothing sensible inside: keep the round ends. */
  axis_init (axis, lo, hi, pixels, spacing);
}

static double
axis_tick (const Axis *axis,
           guint       i)
{
  double v = axis->first + i * axis->step;

  /* 0.30000000000000004 would print fine, but equality tests on ticks would not hold. */
  return fabs (v) < axis->step * 1e-9 ? 0 : v;
}

static double
project (double v,
         double lo,
         double hi,
         double p0,
         double p1)
{
  return hi > lo ? p0 + (v - lo) / (hi - lo) * (p1 - p0) : (p0 + p1) / 2;
}

/* Lines of odd device width sit on half pixels, or they blur over two rows. */
static double
crisp (double v,
       double width)
{
  return ((int) lround (width)) % 2 == 1 ? floor (v) + 0.5 : round (v);
}

static void
set_rgba (cairo_t *cr,
          Rgba     c)
{
  cairo_set_source_rgba (cr, (c >> 24) / 255.0, ((c >> 16) & 0xff) / 255.0,
                         ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

static Rgba
with_alpha (Rgba   c,
            double alpha)
{
  return (c & 0xffffff00u) | (guint32) lround (CLAMP (alpha, 0, 1) * 255);
}

/* Text: shared by measuring and painting, so both see the same layout */

static void
unhint_metrics (PangoLayout *pango)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  /* Hinted advance widths depend on the surface; unhinted ones are the same on an image
   * surface, in a GTK snapshot and in a PDF, so measured and painted text agree. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options (pango_layout_get_context (pango), options);
  pango_layout_context_changed (pango);
  cairo_font_options_destroy (options);
}

static void
set_text (PangoLayout *pango,
          const char  *text,
          const Font  *font,
          double       max_width,
          gboolean     wrap,
          double       align_x)
{
  PangoFontDescription *desc = pango_font_description_from_string (FONT_FAMILY);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_font_description_set_absolute_size (desc, font->px * PANGO_SCALE);
  pango_font_description_set_weight (desc, font->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (pango, desc);
  if (font->tabular)
    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  pango_layout_set_attributes (pango, attrs);
  pango_layout_set_text (pango, text, -1);
  if (max_width > 0)
    {
      pango_layout_set_width (pango, (int) (max_width * PANGO_SCALE));
      pango_layout_set_wrap (pango, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_ellipsize (pango, wrap ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
      pango_layout_set_alignment (pango, align_x > 0.6   ? PANGO_ALIGN_RIGHT
                                         : align_x > 0.4 ? PANGO_ALIGN_CENTER
                                                         : PANGO_ALIGN_LEFT);
    }
  else
    {
      pango_layout_set_width (pango, -1);
      pango_layout_set_ellipsize (pango, PANGO_ELLIPSIZE_NONE);
      pango_layout_set_alignment (pango, PANGO_ALIGN_LEFT);
    }
  pango_attr_list_unref (attrs);
  pango_font_description_free (desc);
}

static double
measure (Builder    *b,
         const char *text,
         const Font *font,
         double      max_width,
         gboolean    wrap,
         double     *height)
{
  PangoRectangle logical;

  set_text (b->pango, text, font, max_width, wrap, 0);
  pango_layout_get_pixel_extents (b->pango, NULL, &logical);
  if (height != NULL)
    *height = logical.height;
  return logical.width;
}

/* The display list */

static Op *
add_op (Builder *b,
        OpKind   kind)
{
  Op op = { 0, };

  op.kind = kind;
  g_array_append_val (b->out->ops, op);
  return &g_array_index (b->out->ops, Op, b->out->ops->len - 1);
}

static void
add_text (Builder    *b,
          const char *text,
          const Font *font,
          Rgba        colour,
          double      x,
          double      y,
          double      align_x,
          double      align_y,
          double      max_width,
          gboolean    wrap)
{
  Op *op;

  if (!has_text (text))
    return;
  op = add_op (b, OP_TEXT);
  op->text = g_strdup (text);
  op->font = *font;
  op->fill = colour;
  op->x = x;
  op->y = y;
  op->align_x = align_x;
  op->align_y = align_y;
  op->w = max_width;
  op->wrap = wrap;
}

/* A label over lines: same as add_text, with a halo. */
static void
add_label (Builder    *b,
           const char *text,
           const Font *font,
           Rgba        colour,
           double      x,
           double      y,
           double      align_x,
           double      align_y)
{
  add_text (b, text, font, colour, x, y, align_x, align_y, 0, FALSE);
  if (has_text (text))
    g_array_index (b->out->ops, Op, b->out->ops->len - 1).halo = 3 * b->s;
}

static void
add_rect (Builder *b,
          double   x,
          double   y,
          double   w,
          double   h,
          double   radius,
          Rgba     fill)
{
  Op *op = add_op (b, OP_RECT);

  op->x = x;
  op->y = y;
  op->w = w;
  op->h = h;
  op->radius = radius;
  op->fill = fill;
}

static void
add_path (Builder      *b,
          const double *xy,
          guint         n_points,
          gboolean      closed,
          Rgba          fill,
          Rgba          stroke,
          double        line_width,
          double        dash)
{
  Op *op;

  if (n_points < 2)
    return;
  op = add_op (b, OP_PATH);
  op->first = b->out->points->len / 2;
  op->n_points = n_points;
  op->closed = closed;
  op->fill = fill;
  op->stroke = stroke;
  op->line_width = line_width;
  op->dash = dash;
  g_array_append_vals (b->out->points, xy, 2 * n_points);
}

static void
add_line (Builder *b,
          double   x0,
          double   y0,
          double   x1,
          double   y1,
          Rgba     stroke,
          double   line_width,
          double   dash)
{
  double xy[4] = { x0, y0, x1, y1 };

  add_path (b, xy, 2, FALSE, 0, stroke, line_width, dash);
}

static void
add_circle (Builder *b,
            double   x,
            double   y,
            double   radius,
            Rgba     fill,
            Rgba     stroke,
            double   line_width)
{
  Op *op = add_op (b, OP_CIRCLE);

  op->x = x;
  op->y = y;
  op->w = radius;
  op->fill = fill;
  op->stroke = stroke;
  op->line_width = line_width;
}

static void
add_clip (Builder *b,
          double   x,
          double   y,
          double   w,
          double   h)
{
  Op *op = add_op (b, OP_CLIP);

  op->x = x;
  op->y = y;
  op->w = w;
  op->h = h;
}

static void
add_hit (Builder  *b,
         gboolean  circle,
         double    x,
         double    y,
         double    w,
         double    h,
         int       index,
         char     *tooltip)
{
  Hit hit = { circle, x, y, w, h, index, tooltip };

  g_array_append_val (b->out->hits, hit);
}

static void
set_item (Builder *b,
          guint    index,
          double   x,
          double   y,
          double   w,
          double   h)
{
  double *item;

  g_assert (index < b->out->n_items);
  item = b->out->items + 4 * index;
  item[0] = x;
  item[1] = y;
  item[2] = w;
  item[3] = h;
}

static void
add_empty_message (Builder *b,
                   double   top)
{
  QrtChartLayout *out = b->out;

  add_text (b, _("No values to show"), &b->label, C_DIM, out->width / 2,
            (top + out->height) / 2, 0.5, 0.5, out->width - 2 * PAD * b->s, FALSE);
}

static double
layout_title (Builder *b)
{
  QrtChartLayout *out = b->out;
  double pad = PAD * b->s, h;

  if (!has_text (out->chart->title))
    return pad;
  measure (b, out->chart->title, &b->title, out->width - 2 * pad, FALSE, &h);
  add_text (b, out->chart->title, &b->title, C_TEXT, pad, pad, 0, 0, out->width - 2 * pad,
            FALSE);
  return pad + h + 10 * b->s;
}

/* Horizontal grid lines and right-aligned labels of a value axis. */
static void
add_value_grid (Builder    *b,
                const Axis *axis,
                double      x0,
                double      x1,
                double      y_top,
                double      y_bottom)
{
  double lw = MAX (1, round (b->s));

  for (guint i = 0; i < axis->n; i++)
    {
      double v = axis_tick (axis, i);
      double y = crisp (project (v, axis->lo, axis->hi, y_bottom, y_top), lw);
      g_autofree char *text = qrt_chart_format_number (v, axis->decimals);

      if (fabs (y - y_bottom) > 1)
        add_line (b, x0, y, x1, y, C_GRID, lw, 0);
      add_text (b, text, &b->number, C_DIM, x0 - 8 * b->s, y, 1, 0.5, 0, FALSE);
    }
  add_line (b, x0, crisp (y_bottom, lw), x1, crisp (y_bottom, lw), C_AXIS, lw, 0);
}

static double
value_labels_width (Builder    *b,
                    const Axis *axis)
{
  double w = 0;

  for (guint i = 0; i < axis->n; i++)
    {
      g_autofree char *text = qrt_chart_format_number (axis_tick (axis, i), axis->decimals);

      w = MAX (w, measure (b, text, &b->number, 0, FALSE, NULL));
    }
  return w;
}

/* Bar ranking: horizontal bars, so that district names stay readable at any count. */

static void
layout_bar (Builder *b,
            double   top)
{
  QrtChartLayout *out = b->out;
  QrtChart *c = out->chart;
  double s = b->s, pad = PAD * s, lw = MAX (1, round (s));
  double lo = 0, hi = 0, line_h, tick_h, unit_h = 0, ref_h = 0, avail, band, bar_h;
  double label_w = 0, value_w = 0, plot_x, plot_right, plot_top, plot_h, zero_x;
  Font label_font = b->label, value_font = b->number, bold_font, bold_value_font;
  g_auto(GStrv) texts = g_new0 (char *, c->n + 1);
  g_autofree gboolean *labelled = g_new0 (gboolean, c->n);
  guint every;
  Axis axis;

  for (guint i = 0; i < c->n; i++)
    if (isfinite (c->values[i]))
      {
        lo = MIN (lo, c->values[i]);
        hi = MAX (hi, c->values[i]);
      }
  if (isfinite (c->reference))
    {
      lo = MIN (lo, c->reference);
      hi = MAX (hi, c->reference);
    }

  measure (b, "0", &b->number, 0, FALSE, &tick_h);
  if (has_text (c->unit))
    unit_h = tick_h + 4 * s;
  if (isfinite (c->reference))
    ref_h = tick_h + 8 * s;
  plot_top = top + ref_h;
  avail = out->height - pad - unit_h - tick_h - 6 * s - plot_top;
  band = MIN (avail / c->n, 34 * s);

  /* Many districts in little height: smaller text, then only every k-th name. */
  label_font.px = CLAMP (band * 0.8, 8.5 * s, b->label.px);
  value_font.px = MIN (value_font.px, label_font.px);
  bold_font = label_font;
  bold_font.bold = TRUE;
  bold_value_font = value_font;
  bold_value_font.bold = TRUE;
  measure (b, "Ag", &label_font, 0, FALSE, &line_h);
  every = band >= line_h * 0.9 ? 1 : (guint) ceil (line_h * 0.9 / MAX (band, 0.1));

  /* Selected districts are always named; the others where they do not touch a name. */
  for (guint rank = 0; rank < c->n; rank++)
    labelled[rank] = c->selected[c->order[rank]];
  for (guint rank = 0; rank < c->n; rank++)
    {
      gboolean room = TRUE;

      for (guint k = rank + 1 > every ? rank + 1 - every : 0; k < MIN (rank + every, c->n); k++)
        room &= !labelled[k];
      labelled[rank] |= room;
    }

  for (guint i = 0; i < c->n; i++)
    {
      texts[i] = qrt_chart_format_number (c->values[i], c->decimals);
      label_w = MAX (label_w, measure (b, c->labels[i], c->selected[i] ? &bold_font : &label_font,
                                       0, FALSE, NULL));
      value_w = MAX (value_w, measure (b, texts[i], c->selected[i] ? &bold_value_font
                                                                   : &value_font, 0, FALSE, NULL));
    }
  label_w = MIN (label_w, (out->width - 2 * pad) * 0.36);

  plot_x = pad + label_w + 10 * s + (lo < 0 ? value_w + 6 * s : 0);
  plot_right = out->width - pad - value_w - 6 * s;
  plot_h = band * c->n;
  axis_init_tight (&axis, lo, hi, plot_right - plot_x, 80 * s);

  out->plot_x = plot_x;
  out->plot_y = plot_top;
  out->plot_w = MAX (plot_right - plot_x, 1);
  out->plot_h = plot_h;
  plot_right = plot_x + out->plot_w;
  zero_x = crisp (project (0, axis.lo, axis.hi, plot_x, plot_right), lw);

  /* Grid and tick labels under the bars. */
  for (guint i = 0; i < axis.n; i++)
    {
      double v = axis_tick (&axis, i);
      double x = crisp (project (v, axis.lo, axis.hi, plot_x, plot_right), lw);
      g_autofree char *text = qrt_chart_format_number (v, axis.decimals);

      if (v != 0)
        add_line (b, x, plot_top, x, plot_top + plot_h, C_GRID, lw, 0);
      add_text (b, text, &b->number, C_DIM, x, plot_top + plot_h + 5 * s, 0.5, 0, 0, FALSE);
    }
  if (has_text (c->unit))
    add_text (b, c->unit, &b->small, C_DIM, plot_right, plot_top + plot_h + 9 * s + tick_h, 1,
              0, 0, FALSE);

  bar_h = MIN (band * 0.72, 24 * s);
  for (guint rank = 0; rank < c->n; rank++)
    {
      guint i = c->order[rank];
      double v = c->values[i], yc = plot_top + (rank + 0.5) * band;
      g_autofree char *value = format_value (v, c->decimals, c->unit);

      if (isfinite (v))
        {
          double x = project (v, axis.lo, axis.hi, plot_x, plot_right);
          double x0 = MIN (x, zero_x), w = fabs (x - zero_x);

          add_rect (b, x0, yc - bar_h / 2, w, bar_h, MIN (2.5 * s, MIN (w, bar_h) / 2),
                    c->selected[i] ? C_ACCENT : C_BAR);
          set_item (b, i, x0, yc - bar_h / 2, w, bar_h);
        }
      else
        set_item (b, i, zero_x, yc - bar_h / 2, 0, bar_h);

      /* TRANSLATORS: a tooltip: district name and its value with unit */
      add_hit (b, FALSE, pad, yc - band / 2, out->width - 2 * pad, band, i,
               g_strdup_printf (_("%s: %s"), c->labels[i], value));
    }
  add_line (b, zero_x, plot_top - 2 * s, zero_x, plot_top + plot_h, C_AXIS, lw, 0);

  if (isfinite (c->reference))
    {
      double x = crisp (project (c->reference, axis.lo, axis.hi, plot_x, plot_right), lw);
      g_autofree char *value = format_value (c->reference, c->decimals, c->unit);
      g_autofree char *text = NULL;
      double w, tx;

      if (has_text (c->reference_label))
        /* TRANSLATORS: a reference line's label: its name and value, "Stadtdurchschnitt: 1.890" */
        text = g_strdup_printf (_("%s: %s"), c->reference_label, value);
      else
        text = g_strdup (value);
      w = measure (b, text, &b->small, 0, FALSE, NULL);
      tx = CLAMP (x - w / 2, pad, out->width - pad - w);

      add_line (b, x, plot_top - 4 * s, x, plot_top + plot_h, C_REFERENCE, 1.5 * s, 4 * s);
      add_text (b, text, &b->small, C_REFERENCE, tx, plot_top - 6 * s, 0, 1, 0, FALSE);
    }

  /* Values and names last, over the reference line. A missing value is a dash at zero. */
  for (guint rank = 0; rank < c->n; rank++)
    {
      guint i = c->order[rank];
      double v = c->values[i], yc = plot_top + (rank + 0.5) * band;
      double x = isfinite (v) ? project (v, axis.lo, axis.hi, plot_x, plot_right) : zero_x;

      if (!labelled[rank])
        continue;
      add_label (b, texts[i], c->selected[i] ? &bold_value_font : &value_font,
                 c->selected[i] ? C_TEXT : C_DIM, v < 0 ? x - 5 * s : x + 5 * s, yc,
                 v < 0 ? 1 : 0, 0.5);
      add_text (b, c->labels[i], c->selected[i] ? &bold_font : &label_font,
                isfinite (v) || c->selected[i] ? C_TEXT : C_DIM, pad + label_w, yc, 1, 0.5,
                label_w, FALSE);
    }
}

/* Time series: lines over years, forecasts dashed over a shaded band. */

typedef struct
{
  double y;
  guint  series;
} EndLabel;

static int
compare_end_labels (gconstpointer a,
                    gconstpointer b)
{
  const EndLabel *la = a, *lb = b;

  return la->y < lb->y ? -1 : la->y > lb->y ? 1 : 0;
}

static void
add_series_line (Builder    *b,
                 const Axis *axis,
                 guint       series,
                 Rgba        colour,
                 double      line_width)
{
  QrtChartLayout *out = b->out;
  QrtChart *c = out->chart;
  const double *v = c->values + (gsize) series * c->n_years;
  g_autoptr(GArray) run = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean run_dashed = FALSE;

  /* Runs of segments with both ends known; a run ends at a gap or where the forecast starts. */
  for (guint i = 0; i + 1 < c->n_years; i++)
    {
      gboolean dashed = c->forecast_from != 0 && c->years[i] >= c->forecast_from;
      gboolean known = isfinite (v[i]) && isfinite (v[i + 1]);

      if (run->len > 0 && (!known || dashed != run_dashed))
        {
          add_path (b, (double *) (void *) run->data, run->len / 2, FALSE, 0, colour, line_width,
                    run_dashed ? 5 * b->s : 0);
          g_array_set_size (run, 0);
        }
      if (!known)
        continue;
      if (run->len == 0)
        {
          double xy[2] = { project (c->years[i], out->u0, out->u1, out->plot_x,
                                    out->plot_x + out->plot_w),
                           project (v[i], axis->lo, axis->hi, out->plot_y + out->plot_h,
                                    out->plot_y) };

          g_array_append_vals (run, xy, 2);
          run_dashed = dashed;
        }
      {
        double xy[2] = { project (c->years[i + 1], out->u0, out->u1, out->plot_x,
                                  out->plot_x + out->plot_w),
                         project (v[i + 1], axis->lo, axis->hi, out->plot_y + out->plot_h,
                                  out->plot_y) };

        g_array_append_vals (run, xy, 2);
      }
    }
  if (run->len > 0)
    add_path (b, (double *) (void *) run->data, run->len / 2, FALSE, 0, colour, line_width,
              run_dashed ? 5 * b->s : 0);
}

static void
layout_series (Builder *b,
               double   top)
{
  QrtChartLayout *out = b->out;
  QrtChart *c = out->chart;
  double s = b->s, pad = PAD * s, lw = MAX (1, round (s));
  double lo = INFINITY, hi = -INFINITY, tick_h, row_h, bottom, label_w = 0, right, plot_x;
  double first_year = G_MAXINT, last_year = G_MININT, line_h, year_step, year_first;
  g_autofree gboolean *highlighted = g_new0 (gboolean, MAX (c->n, 1));
  g_autofree Rgba *colours = g_new0 (Rgba, MAX (c->n, 1));
  g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (EndLabel));
  guint n_highlighted = 0;
  gboolean any_selected = FALSE;
  Axis axis, years;

  for (guint i = 0; i < c->n_years; i++)
    {
      first_year = MIN (first_year, c->years[i]);
      last_year = MAX (last_year, c->years[i]);
    }
  for (guint i = 0; i < c->n * c->n_years; i++)
    if (isfinite (c->values[i]))
      {
        lo = MIN (lo, c->values[i]);
        hi = MAX (hi, c->values[i]);
      }
  if (!isfinite (lo) || c->n_years < 2)
    {
      add_empty_message (b, top);
      return;
    }

  /* Selected series in colour over the others in grey; with no selection every series gets a
   * colour while the palette lasts, and none at all beyond that (a tangle of twenty colours
   * says nothing). */
  for (guint i = 0; i < c->n; i++)
    any_selected |= c->selected[i];
  for (guint i = 0; i < c->n; i++)
    {
      gboolean on = any_selected ? c->selected[i] : c->n <= MAX_HIGHLIGHTED_SERIES;

      highlighted[i] = on;
      if (on)
        colours[i] = series_palette[n_highlighted % MAX_HIGHLIGHTED_SERIES];
      else
        colours[i] = any_selected || c->n <= MAX_HIGHLIGHTED_SERIES
                       ? C_MUTED
                       : with_alpha (C_ACCENT, 0.45);
      n_highlighted += on;
    }

  /* A line chart need not start at zero, but values far from it look alarming when cut. */
  if (lo > 0 && lo < hi * 0.4)
    lo = 0;
  else
    lo -= (hi - lo) * 0.05;
  hi += (hi - lo) * 0.05;

  measure (b, "0", &b->number, 0, FALSE, &tick_h);
  row_h = tick_h + 8 * s;
  bottom = tick_h + 8 * s;
  out->plot_y = top + row_h + tick_h / 2;
  out->plot_h = MAX (out->height - pad - bottom - out->plot_y, 1);
  axis_init_tight (&axis, lo, hi, out->plot_h, 44 * s);

  measure (b, "Ag", &b->label, 0, FALSE, &line_h);
  for (guint i = 0; i < c->n; i++)
    if (highlighted[i])
      label_w = MAX (label_w, measure (b, c->labels[i], &b->label, 0, FALSE, NULL));
  label_w = MIN (label_w, out->width * 0.28);
  right = n_highlighted > 0 ? label_w + 22 * s : 8 * s;

  plot_x = pad + value_labels_width (b, &axis) + 8 * s;
  out->plot_x = plot_x;
  out->plot_w = MAX (out->width - pad - right - plot_x, 1);
  out->mapped = TRUE;
  out->u0 = first_year;
  out->u1 = last_year;
  out->v0 = axis.lo;
  out->v1 = axis.hi;

  /* Years: whole steps only, and the axis ends at the data, not at a round year. */
  axis_init (&years, first_year, last_year, out->plot_w, 58 * s);
  year_step = MAX (1, round (years.step));
  year_first = ceil (first_year / year_step) * year_step;

  if (c->forecast_from != 0 && c->forecast_from >= first_year && c->forecast_from < last_year)
    {
      double x = crisp (project (c->forecast_from, out->u0, out->u1, plot_x,
                                 plot_x + out->plot_w), lw);
      double w = measure (b, _("Forecast"), &b->small, 0, FALSE, NULL);
      gboolean room = x + 6 * s + w <= plot_x + out->plot_w;

      add_rect (b, x, top, plot_x + out->plot_w - x, out->plot_y + out->plot_h - top, 0, C_BAND);
      add_line (b, x, top, x, out->plot_y + out->plot_h, C_AXIS, lw, 3 * s);
      add_text (b, _("Forecast"), &b->small, C_DIM,
                room ? x + 6 * s : plot_x + out->plot_w - 4 * s, top + 3 * s, room ? 0 : 1, 0, 0,
                FALSE);
    }
  add_text (b, c->unit, &b->small, C_DIM, pad, top + 3 * s, 0, 0, 0, FALSE);
  add_value_grid (b, &axis, plot_x, plot_x + out->plot_w, out->plot_y,
                  out->plot_y + out->plot_h);
  for (double year = year_first; year <= last_year; year += year_step)
    {
      double x = crisp (project (year, out->u0, out->u1, plot_x, plot_x + out->plot_w), lw);
      g_autofree char *text = g_strdup_printf ("%d", (int) year);

      add_line (b, x, out->plot_y + out->plot_h, x, out->plot_y + out->plot_h + 4 * s, C_AXIS,
                lw, 0);
      add_text (b, text, &b->number, C_DIM, x, out->plot_y + out->plot_h + 6 * s, 0.5, 0, 0,
                FALSE);
    }

  /* Grey lines first, then the coloured ones, the first selected on top. */
  for (guint i = 0; i < c->n; i++)
    if (!highlighted[i])
      add_series_line (b, &axis, i, colours[i], 1.5 * s);
  for (guint k = c->n; k > 0; k--)
    if (highlighted[k - 1])
      add_series_line (b, &axis, k - 1, colours[k - 1], 2.5 * s);

  for (guint i = 0; i < c->n; i++)
    {
      const double *v = c->values + (gsize) i * c->n_years;
      double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
      int last = -1;

      for (guint j = 0; j < c->n_years; j++)
        {
          double x, y;
          g_autofree char *value = NULL;
          char *tooltip;
          gboolean forecast = c->forecast_from != 0 && c->years[j] > c->forecast_from;

          if (!isfinite (v[j]))
            continue;
          x = project (c->years[j], out->u0, out->u1, plot_x, plot_x + out->plot_w);
          y = project (v[j], axis.lo, axis.hi, out->plot_y + out->plot_h, out->plot_y);
          x0 = MIN (x0, x);
          x1 = MAX (x1, x);
          y0 = MIN (y0, y);
          y1 = MAX (y1, y);
          last = j;
          value = format_value (v[j], c->decimals, c->unit);
          if (forecast)
            /* TRANSLATORS: a tooltip: district, year, forecast value with unit */
            tooltip = g_strdup_printf (_("%s, %d: %s (forecast)"), c->labels[i], c->years[j],
                                       value);
          else
            /* TRANSLATORS: a tooltip: district, year, value with unit */
            tooltip = g_strdup_printf (_("%s, %d: %s"), c->labels[i], c->years[j], value);
          add_hit (b, TRUE, x, y, 7 * s, 0, i, tooltip);
        }
      if (last >= 0)
        set_item (b, i, x0, y0, x1 - x0, y1 - y0);
      if (last >= 0 && highlighted[i])
        {
          EndLabel e = { project (v[last], axis.lo, axis.hi, out->plot_y + out->plot_h,
                                  out->plot_y), i };

          g_array_append_val (ends, e);
        }
    }

  /* Names at the lines' ends, pushed apart where lines end close together. */
  g_array_sort (ends, compare_end_labels);
  for (guint k = 1; k < ends->len; k++)
    {
      EndLabel *e = &g_array_index (ends, EndLabel, k);

      e->y = MAX (e->y, g_array_index (ends, EndLabel, k - 1).y + line_h);
    }
  for (guint k = ends->len; k > 0; k--)
    {
      EndLabel *e = &g_array_index (ends, EndLabel, k - 1);
      double limit = k == ends->len ? out->height - pad - line_h / 2
                                    : g_array_index (ends, EndLabel, k).y - line_h;

      e->y = MIN (e->y, limit);
    }
  for (guint k = 0; k < ends->len; k++)
    {
      const EndLabel *e = &g_array_index (ends, EndLabel, k);
      double x = plot_x + out->plot_w + 8 * s;

      add_circle (b, x + 4 * s, e->y, 4 * s, colours[e->series], 0, 0);
      add_text (b, c->labels[e->series], &b->label, C_TEXT, x + 12 * s, e->y, 0, 0.5, label_w,
                FALSE);
    }
}

typedef struct
{
  double x, y, w, h;
} Box;

static gboolean
boxes_overlap (const Box *a,
               const Box *b)
{
  return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Radar: one district's profile against the town, each axis scaled to the districts' range. */

static double
normalised (QrtChart *c,
            guint     axis,
            double    v)
{
  if (!isfinite (v))
    return 0;
  if (!(c->max[axis] > c->min[axis]))
    return 0.5;
  return CLAMP ((v - c->min[axis]) / (c->max[axis] - c->min[axis]), 0, 1);
}

static double
label_anchor (double d)
{
  return d > 0.3 ? 0 : d < -0.3 ? 1 : 0.5;
}

/* Where the label of an axis goes: its box touches the point radius + gap out on the spoke. */
static void
radar_label_box (guint   i,
                 guint   n,
                 double  cx,
                 double  cy,
                 double  distance,
                 double  w,
                 double  h,
                 Box    *box)
{
  double a = -G_PI / 2 + 2 * G_PI * i / n, dx = cos (a), dy = sin (a);

  box->x = cx + dx * distance - label_anchor (dx) * w;
  box->y = cy + dy * distance - label_anchor (dy) * h;
  box->w = w;
  box->h = h;
}

static double
radar_radius (Builder      *b,
              const Font   *font,
              double        wrap_w,
              double        left,
              double        right,
              double        top,
              double        bottom,
              double        cy,
              double       *lw,
              double       *lh)
{
  QrtChart *c = b->out->chart;
  double cx = (left + right) / 2, gap = 8 * b->s;
  double radius = MIN (right - left, bottom - top);

  for (guint i = 0; i < c->n; i++)
    {
      double a = -G_PI / 2 + 2 * G_PI * i / c->n, dx = cos (a), dy = sin (a);

      lw[i] = measure (b, c->labels[i], font, wrap_w, TRUE, &lh[i]);
      if (dx > 0.3)
        radius = MIN (radius, (right - cx - lw[i]) / dx - gap);
      else if (dx < -0.3)
        radius = MIN (radius, (cx - left - lw[i]) / -dx - gap);
      else if (fabs (dx) > 0.05)
        radius = MIN (radius, (right - cx - lw[i] / 2) / fabs (dx) - gap);
      if (dy > 0.3)
        radius = MIN (radius, (bottom - cy - lh[i]) / dy - gap);
      else if (dy < -0.3)
        radius = MIN (radius, (cy - top - lh[i]) / -dy - gap);
      else if (fabs (dy) > 0.05)
        radius = MIN (radius, (bottom - cy - lh[i] / 2) / fabs (dy) - gap);
    }
  return MAX (radius, 20 * b->s);
}

static gboolean
radar_labels_overlap (guint         n,
                      double        cx,
                      double        cy,
                      double        distance,
                      const double *lw,
                      const double *lh)
{
  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      {
        Box bi, bj;

        radar_label_box (i, n, cx, cy, distance, lw[i], lh[i], &bi);
        radar_label_box (j, n, cx, cy, distance, lw[j], lh[j], &bj);
        if (boxes_overlap (&bi, &bj))
          return TRUE;
      }
  return FALSE;
}

static void
layout_radar (Builder *b,
              double   top)
{
  QrtChartLayout *out = b->out;
  QrtChart *c = out->chart;
  double s = b->s, pad = PAD * s, gap = 8 * s, left = pad, right = out->width - pad;
  double row_h, note_h, note_w = out->width - 2 * pad, bottom, cx, cy, radius = 0, wrap_w, x;
  double extent_top = 0, extent_bottom = 0;   /* of the unit figure, from the hub */
  g_autofree double *lw = g_new0 (double, c->n);
  g_autofree double *lh = g_new0 (double, c->n);
  g_autofree double *xy = g_new0 (double, 2 * MAX (c->n, 1));
  g_autofree char *note = NULL;
  const char *reference_label = has_text (c->reference_label) ? c->reference_label
                                                              : _("Town average");
  Font label_font = b->label;

  if (c->n == 0)
    {
      add_empty_message (b, top);
      return;
    }

  /* Legend row: the district and the town. */
  measure (b, "Ag", &b->label, 0, FALSE, &row_h);
  x = pad;
  add_rect (b, x, top + row_h / 2 - 6 * s, 12 * s, 12 * s, 2 * s, with_alpha (C_ACCENT, 0.5));
  x += 18 * s;
  add_text (b, c->name, &b->label, C_TEXT, x, top + row_h / 2, 0, 0.5, 0, FALSE);
  x += measure (b, c->name, &b->label, 0, FALSE, NULL) + 20 * s;
  if (c->reference_values != NULL)
    {
      add_line (b, x, top + row_h / 2, x + 16 * s, top + row_h / 2, C_AVERAGE, 1.5 * s, 4 * s);
      add_text (b, reference_label, &b->label, C_TEXT, x + 22 * s, top + row_h / 2, 0, 0.5, 0,
                FALSE);
    }
  top += row_h + 8 * s;

  /* How to read the axes; a small chart needs the room more (its tooltips say the values). */
  bottom = out->height - pad;
  if (out->height >= 300 * s)
    {
      note = g_strdup (_("Each axis runs from the lowest to the highest value among the "
                         "districts."));
      measure (b, note, &b->small, note_w, TRUE, &note_h);
      add_text (b, note, &b->small, C_DIM, pad, out->height - pad, 0, 1, note_w, TRUE);
      bottom -= note_h + gap;
    }

  out->plot_x = left;
  out->plot_y = top;
  out->plot_w = right - left;
  out->plot_h = MAX (bottom - top, 1);
  cx = (left + right) / 2;
  cy = (top + bottom) / 2;
  for (guint i = 0; i < c->n; i++)
    {
      double dy = sin (-G_PI / 2 + 2 * G_PI * i / c->n);

      extent_top = MIN (extent_top, dy);
      extent_bottom = MAX (extent_bottom, dy);
    }

  /* The largest radius at which every axis label fits beside its spoke; smaller type when
   * neighbouring labels would touch (many axes, little room). */
  wrap_w = CLAMP ((right - left) * 0.24, 80 * s, 170 * s);
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      label_font.px = attempt == 0 && c->n <= 8 ? b->label.px
                      : attempt <= 1            ? b->small.px
                                                : 9 * s;
      /* An odd number of spokes is not symmetric top to bottom (a triangle's base is higher
       * than its apex is far): centre the figure, not the hub. */
      cy = (top + bottom) / 2;
      for (guint k = 0; k < 3; k++)
        {
          radius = radar_radius (b, &label_font, wrap_w, left, right, top, bottom, cy, lw, lh);
          cy = (top + bottom) / 2 - radius * (extent_top + extent_bottom) / 2;
        }
      radius = radar_radius (b, &label_font, wrap_w, left, right, top, bottom, cy, lw, lh);
      if (!radar_labels_overlap (c->n, cx, cy, radius + gap, lw, lh))
        break;
    }

  /* The web: rings at quarters of each axis' range, and the spokes. */
  for (guint ring = 1; ring <= 4; ring++)
    {
      for (guint i = 0; i < c->n; i++)
        {
          double a = -G_PI / 2 + 2 * G_PI * i / c->n;

          xy[2 * i] = cx + cos (a) * radius * ring / 4;
          xy[2 * i + 1] = cy + sin (a) * radius * ring / 4;
        }
      if (c->n >= 3)
        add_path (b, xy, c->n, TRUE, 0, ring == 4 ? C_AXIS : C_GRID, MAX (1, round (s)), 0);
      else
        add_circle (b, cx, cy, radius * ring / 4, 0, ring == 4 ? C_AXIS : C_GRID,
                    MAX (1, round (s)));
    }
  for (guint i = 0; i < c->n; i++)
    {
      double a = -G_PI / 2 + 2 * G_PI * i / c->n;

      add_line (b, cx, cy, cx + cos (a) * radius, cy + sin (a) * radius, C_GRID,
                MAX (1, round (s)), 0);
    }

  if (c->reference_values != NULL)
    {
      for (guint i = 0; i < c->n; i++)
        {
          double a = -G_PI / 2 + 2 * G_PI * i / c->n;
          double t = normalised (c, i, c->reference_values[i]);

          xy[2 * i] = cx + cos (a) * radius * t;
          xy[2 * i + 1] = cy + sin (a) * radius * t;
        }
      add_path (b, xy, c->n, c->n >= 3, with_alpha (C_AVERAGE, 0.06), C_AVERAGE, 1.5 * s, 4 * s);
    }

  for (guint i = 0; i < c->n; i++)
    {
      double a = -G_PI / 2 + 2 * G_PI * i / c->n;
      double t = normalised (c, i, c->values[i]);

      xy[2 * i] = cx + cos (a) * radius * t;
      xy[2 * i + 1] = cy + sin (a) * radius * t;
    }
  add_path (b, xy, c->n, c->n >= 3, with_alpha (C_ACCENT, 0.22), C_ACCENT, 2.25 * s, 0);

  for (guint i = 0; i < c->n; i++)
    {
      double a = -G_PI / 2 + 2 * G_PI * i / c->n, dx = cos (a), dy = sin (a);
      double ax = label_anchor (dx), ay = label_anchor (dy);
      double lx = cx + dx * (radius + gap), ly = cy + dy * (radius + gap);
      int decimals = qrt_chart_decimals_for (MAX (fabs (c->min[i]), fabs (c->max[i])));
      const char *unit = c->units[i];
      g_autofree char *value = format_value (c->values[i], decimals, unit);
      char *tooltip;

      /* A missing value sits at the centre, hollow, so it does not read as the minimum. */
      add_circle (b, xy[2 * i], xy[2 * i + 1], 3.5 * s,
                  isfinite (c->values[i]) ? C_ACCENT : C_BACKGROUND,
                  isfinite (c->values[i]) ? C_BACKGROUND : C_ACCENT, 1.5 * s);
      add_text (b, c->labels[i], &label_font, C_TEXT, lx, ly, ax, ay, wrap_w, TRUE);

      if (c->reference_values != NULL)
        {
          g_autofree char *average = format_value (c->reference_values[i], decimals, unit);

          /* TRANSLATORS: a tooltip: indicator, district's value, "Town average", its value */
          tooltip = g_strdup_printf (_("%s: %s (%s: %s)"), c->labels[i], value, reference_label,
                                     average);
        }
      else
        /* TRANSLATORS: a tooltip: indicator and the district's value with unit */
        tooltip = g_strdup_printf (_("%s: %s"), c->labels[i], value);
      set_item (b, i, xy[2 * i] - 3.5 * s, xy[2 * i + 1] - 3.5 * s, 7 * s, 7 * s);
      add_hit (b, TRUE, xy[2 * i], xy[2 * i + 1], 9 * s, 0, i, g_strdup (tooltip));
      add_hit (b, FALSE, lx - ax * lw[i], ly - ay * lh[i], lw[i], lh[i], i, tooltip);
    }
}

/* Scatter: two indicators against each other, with the least-squares line and r. */

static gboolean
box_free (const Box *box,
          const Box *plot,
          GArray    *taken)
{
  if (box->x < plot->x || box->y < plot->y || box->x + box->w > plot->x + plot->w ||
      box->y + box->h > plot->y + plot->h)
    return FALSE;
  for (guint k = 0; k < taken->len; k++)
    if (boxes_overlap (box, &g_array_index (taken, Box, k)))
      return FALSE;
  return TRUE;
}

static int
compare_label_priority (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  QrtChart *c = user_data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  double ri, rj;

  /* Selected points first; then those far from the line, which are the ones worth naming. */
  if (c->selected[i] != c->selected[j])
    return c->selected[i] ? -1 : 1;
  ri = c->has_regression ? fabs (c->values[i] - (c->slope * c->xs[i] + c->intercept)) : 0;
  rj = c->has_regression ? fabs (c->values[j] - (c->slope * c->xs[j] + c->intercept)) : 0;
  if (ri != rj)
    return ri > rj ? -1 : 1;
  return i < j ? -1 : i > j;
}

static void
layout_scatter (Builder *b,
                double   top)
{
  QrtChartLayout *out = b->out;
  QrtChart *c = out->chart;
  double s = b->s, pad = PAD * s, lw = MAX (1, round (s));
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY, tick_h, row_h;
  double legend_w, title_w, bottom, plot_x, plot_y, plot_w, plot_h, data_x0, data_x1;
  g_autofree char *y_title = axis_title (c->y_title, c->unit);
  g_autofree char *x_title = axis_title (c->x_title, c->x_unit);
  g_autofree char *r_text = qrt_chart_format_number (c->r, 2);
  /* TRANSLATORS: legend of a scatter chart; %s is Pearson's r, e.g. "0,82" */
  g_autofree char *legend = g_strdup_printf (_("Regression line, r = %s"), r_text);
  g_autofree guint *order = g_new (guint, MAX (c->n, 1));
  g_autoptr(GArray) taken = g_array_new (FALSE, FALSE, sizeof (Box));
  Font bold = b->label;
  guint valid = 0;
  Axis xa, ya;
  Box plot;

  for (guint i = 0; i < c->n; i++)
    if (isfinite (c->xs[i]) && isfinite (c->values[i]))
      {
        xlo = MIN (xlo, c->xs[i]);
        xhi = MAX (xhi, c->xs[i]);
        ylo = MIN (ylo, c->values[i]);
        yhi = MAX (yhi, c->values[i]);
        valid++;
      }
  if (valid == 0)
    {
      add_empty_message (b, top);
      return;
    }

  data_x0 = xlo;
  data_x1 = xhi;

  measure (b, "0", &b->number, 0, FALSE, &tick_h);
  row_h = tick_h + 8 * s;
  legend_w = c->has_regression ? 24 * s + measure (b, legend, &b->small, 0, FALSE, NULL) : 0;
  title_w = measure (b, y_title, &b->small, 0, FALSE, NULL);
  if (c->has_regression)
    {
      /* The legend shares the y axis title's row when both fit, else it takes its own. */
      double lx = out->width - pad - legend_w;
      gboolean own_row = pad + title_w + 16 * s > lx;

      if (own_row)
        lx = has_text (y_title) ? pad : lx;
      add_line (b, lx, top + 3 * s + tick_h / 2, lx + 18 * s, top + 3 * s + tick_h / 2,
                C_AVERAGE, 1.5 * s, 5 * s);
      add_text (b, legend, &b->small, C_DIM, lx + 24 * s, top + 3 * s, 0, 0, 0, FALSE);
      if (own_row && has_text (y_title))
        top += row_h;
    }
  add_text (b, y_title, &b->small, C_DIM, pad, top + 3 * s, 0, 0, 0, FALSE);
  bottom = tick_h + 8 * s + (has_text (x_title) ? tick_h + 6 * s : 0);
  plot_y = top + row_h + tick_h / 2;
  plot_h = MAX (out->height - pad - bottom - plot_y, 1);
  /* Room around the data, so that no point sits on an axis: 4 % or a point's size. */
  {
    double d = (yhi - ylo) * MAX (0.04, 9 * s / plot_h);

    ylo -= d;
    yhi += d;
  }
  axis_init_tight (&ya, ylo, yhi, plot_h, 44 * s);
  plot_x = pad + value_labels_width (b, &ya) + 8 * s;
  plot_w = MAX (out->width - pad - plot_x, 1);
  {
    double d = (xhi - xlo) * MAX (0.04, 9 * s / plot_w);

    xlo -= d;
    xhi += d;
  }
  axis_init_tight (&xa, xlo, xhi, plot_w, 80 * s);

  out->plot_x = plot_x;
  out->plot_y = plot_y;
  out->plot_w = plot_w;
  out->plot_h = plot_h;
  out->mapped = TRUE;
  out->u0 = xa.lo;
  out->u1 = xa.hi;
  out->v0 = ya.lo;
  out->v1 = ya.hi;

  add_value_grid (b, &ya, plot_x, plot_x + plot_w, plot_y, plot_y + plot_h);
  for (guint i = 0; i < xa.n; i++)
    {
      double v = axis_tick (&xa, i);
      double x = crisp (project (v, xa.lo, xa.hi, plot_x, plot_x + plot_w), lw);
      g_autofree char *text = qrt_chart_format_number (v, xa.decimals);

      if (fabs (x - plot_x) > 1)
        add_line (b, x, plot_y, x, plot_y + plot_h, C_GRID, lw, 0);
      add_text (b, text, &b->number, C_DIM, x, plot_y + plot_h + 5 * s, 0.5, 0, 0, FALSE);
    }
  add_line (b, crisp (plot_x, lw), plot_y, crisp (plot_x, lw), plot_y + plot_h, C_AXIS, lw, 0);
  add_text (b, x_title, &b->small, C_DIM, plot_x + plot_w, out->height - pad, 1, 1, 0, FALSE);

  if (c->has_regression)
    {
      /* Over the data only: beyond it the line would be a forecast nobody asked for. */
      add_clip (b, plot_x, plot_y, plot_w, plot_h);
      add_line (b, project (data_x0, xa.lo, xa.hi, plot_x, plot_x + plot_w),
                project (c->slope * data_x0 + c->intercept, ya.lo, ya.hi, plot_y + plot_h, plot_y),
                project (data_x1, xa.lo, xa.hi, plot_x, plot_x + plot_w),
                project (c->slope * data_x1 + c->intercept, ya.lo, ya.hi, plot_y + plot_h, plot_y),
                C_AVERAGE, 1.5 * s, 5 * s);
      add_op (b, OP_UNCLIP);
    }

  plot = (Box) { plot_x, plot_y, plot_w, plot_h };
  bold.bold = TRUE;
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < c->n; i++)
      {
        double x, y, r = c->selected[i] ? 5.5 * s : 4.5 * s;

        if (c->selected[i] != (pass == 1) || !isfinite (c->xs[i]) || !isfinite (c->values[i]))
          continue;
        x = project (c->xs[i], xa.lo, xa.hi, plot_x, plot_x + plot_w);
        y = project (c->values[i], ya.lo, ya.hi, plot_y + plot_h, plot_y);
        add_circle (b, x, y, r, c->selected[i] ? C_ACCENT : C_POINT, C_BACKGROUND, 1.25 * s);
        set_item (b, i, x - r, y - r, 2 * r, 2 * r);
        {
          Box box = { x - r, y - r, 2 * r, 2 * r };
          g_autofree char *xv = format_value (c->xs[i], c->x_decimals, c->x_unit);
          g_autofree char *yv = format_value (c->values[i], c->decimals, c->unit);

          g_array_append_val (taken, box);
          add_hit (b, TRUE, x, y, 8 * s, 0, i,
                   g_strdup_printf ("%s\n%s: %s\n%s: %s", c->labels[i],
                                    has_text (c->x_title) ? c->x_title : "x", xv,
                                    has_text (c->y_title) ? c->y_title : "y", yv));
        }
      }

  /* Names where they fit: beside, above, below or diagonal to the point, never over another
   * name or point. */
  for (guint i = 0; i < c->n; i++)
    order[i] = i;
  g_qsort_with_data (order, c->n, sizeof (guint), compare_label_priority, c);
  for (guint k = 0; k < c->n && (k < 200 || c->selected[order[k]]); k++)
    {
      guint i = order[k];
      const Font *font = c->selected[i] ? &bold : &b->small;
      double x, y, w, h, r = 6 * s;

      if (!isfinite (c->xs[i]) || !isfinite (c->values[i]))
        continue;
      x = project (c->xs[i], xa.lo, xa.hi, plot_x, plot_x + plot_w);
      y = project (c->values[i], ya.lo, ya.hi, plot_y + plot_h, plot_y);
      w = measure (b, c->labels[i], font, 0, FALSE, &h);
      {
        Box candidates[10] = {
          { x + r, y - h / 2, w, h },
          { x - r - w, y - h / 2, w, h },
          { x - w / 2, y - r - h, w, h },
          { x - w / 2, y + r, w, h },
          { x - r / 2, y - r - h, w, h },
          { x - r / 2, y + r, w, h },
          { x + r * 0.85, y - r * 0.85 - h, w, h },
          { x + r * 0.85, y + r * 0.85, w, h },
          { x - r * 0.85 - w, y - r * 0.85 - h, w, h },
          { x - r * 0.85 - w, y + r * 0.85, w, h },
        };

        int placed = -1;

        for (guint m = 0; m < G_N_ELEMENTS (candidates) && placed < 0; m++)
          if (box_free (&candidates[m], &plot, taken))
            placed = m;
        /* A selected district is named even where names crowd: the halo keeps it legible. */
        if (placed < 0 && c->selected[i])
          placed = candidates[0].x + w <= plot.x + plot.w ? 0 : 1;
        if (placed >= 0)
          {
            g_array_append_val (taken, candidates[placed]);
            add_label (b, c->labels[i], font, c->selected[i] ? C_TEXT : C_DIM,
                       candidates[placed].x, candidates[placed].y, 0, 0);
          }
      }
    }
}

/* QrtChart */

static void
qrt_chart_finalize (GObject *object)
{
  QrtChart *self = QRT_CHART (object);

  g_free (self->title);
  g_free (self->unit);
  g_free (self->x_title);
  g_free (self->x_unit);
  g_free (self->y_title);
  g_free (self->name);
  g_free (self->reference_label);
  g_strfreev (self->labels);
  g_strfreev (self->units);
  g_free (self->values);
  g_free (self->xs);
  g_free (self->reference_values);
  g_free (self->min);
  g_free (self->max);
  g_free (self->selected);
  g_free (self->order);
  g_free (self->years);

  G_OBJECT_CLASS (qrt_chart_parent_class)->finalize (object);
}

static void
qrt_chart_class_init (QrtChartClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrt_chart_finalize;
}

static void
qrt_chart_init (QrtChart *self)
{
  self->reference = NAN;
  self->r = NAN;
  self->slope = NAN;
  self->intercept = NAN;
}

static QrtChart *
chart_new (QrtChartKind  kind,
           const char   *title,
           const char   *unit,
           guint         n)
{
  QrtChart *self = g_object_new (QRT_TYPE_CHART, NULL);

  self->kind = kind;
  self->title = g_strdup (title != NULL ? title : "");
  self->unit = g_strdup (unit != NULL ? unit : "");
  self->n = n;
  return self;
}

static int
compare_ranks (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const double *values = user_data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  gboolean fi = isfinite (values[i]), fj = isfinite (values[j]);

  /* Descending, districts without a value last, ties in input order. */
  if (fi != fj)
    return fi ? -1 : 1;
  if (fi && values[i] != values[j])
    return values[i] > values[j] ? -1 : 1;
  return i < j ? -1 : i > j;
}

/**
 * qrt_chart_new_bar:
 * @title: (nullable): heading
 * @unit: (nullable): unit of the values, shown on the axis and in tooltips ("Einw./km²")
 * @labels: (array length=n): district names
 * @values: (array length=n): one value per district; NaN for none, drawn as "–" and ranked last
 * @selected: (array length=n_selected) (nullable): indices into @labels drawn in the accent colour
 * @reference: a value drawn as a line across the bars (the town average, a guide value), or NaN
 * @reference_label: (nullable): its name
 *
 * A ranking: one horizontal bar per district, highest value on top.
 *
 * Returns: (transfer full): the chart
 */
QrtChart *
qrt_chart_new_bar (const char        *title,
                   const char        *unit,
                   const char *const *labels,
                   const double      *values,
                   guint              n,
                   const guint       *selected,
                   guint              n_selected,
                   double             reference,
                   const char        *reference_label)
{
  QrtChart *self;

  g_return_val_if_fail (n == 0 || (labels != NULL && values != NULL), NULL);

  self = chart_new (QRT_CHART_BAR, title, unit, n);
  self->labels = copy_strv (labels, n);
  self->values = copy_doubles (values, n);
  self->selected = selection_of (selected, n_selected, n);
  self->reference = isfinite (reference) ? reference : NAN;
  self->reference_label = g_strdup (reference_label);
  self->decimals = qrt_chart_decimals_for (MAX (max_abs (values, n),
                                                isfinite (reference) ? fabs (reference) : 0));
  self->order = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    self->order[i] = i;
  g_qsort_with_data (self->order, n, sizeof (guint), compare_ranks, self->values);
  return self;
}

/**
 * qrt_chart_new_series:
 * @title: (nullable): heading
 * @unit: (nullable): unit of the values
 * @years: (array length=n_years): the years, ascending
 * @names: (array length=n_series): one name per series (district)
 * @values: n_series × n_years values, series after series; NaN leaves a gap
 * @selected: (array length=n_selected) (nullable): series drawn in colour over the others
 * @forecast_from: the last year of observed data: later values are forecasts, drawn dashed
 *   over a shaded band; 0 for none
 *
 * Lines over years. Without a selection up to eight series get colours of their own.
 *
 * Returns: (transfer full): the chart
 */
QrtChart *
qrt_chart_new_series (const char        *title,
                      const char        *unit,
                      const int         *years,
                      guint              n_years,
                      const char *const *names,
                      const double      *values,
                      guint              n_series,
                      const guint       *selected,
                      guint              n_selected,
                      int                forecast_from)
{
  QrtChart *self;

  g_return_val_if_fail (n_years == 0 || years != NULL, NULL);
  g_return_val_if_fail (n_series == 0 || n_years == 0 || (names != NULL && values != NULL), NULL);

  self = chart_new (QRT_CHART_SERIES, title, unit, n_series);
  self->labels = copy_strv (names, n_series);
  self->values = copy_doubles (values, n_series * n_years);
  self->selected = selection_of (selected, n_selected, n_series);
  self->years = g_new (int, MAX (n_years, 1));
  for (guint i = 0; i < n_years; i++)
    self->years[i] = years[i];
  self->n_years = n_years;
  self->forecast_from = forecast_from;
  self->decimals = qrt_chart_decimals_for (max_abs (self->values, n_series * n_years));
  return self;
}

/**
 * qrt_chart_new_radar:
 * @title: (nullable): heading
 * @name: the district whose profile is drawn
 * @axes: (array length=n_axes): indicator names
 * @units: (array length=n_axes) (nullable): their units, for tooltips
 * @values: (array length=n_axes): the district's raw values; NaN for none
 * @reference: (array length=n_axes) (nullable): the town's values, drawn dashed
 * @reference_label: (nullable): their name; "Town average" if %NULL
 * @min: (array length=n_axes): each indicator's lowest value among the districts
 * @max: (array length=n_axes): and its highest; each axis runs from @min to @max
 *
 * Returns: (transfer full): the chart
 */
QrtChart *
qrt_chart_new_radar (const char        *title,
                     const char        *name,
                     const char *const *axes,
                     const char *const *units,
                     const double      *values,
                     const double      *reference,
                     const char        *reference_label,
                     const double      *min,
                     const double      *max,
                     guint              n_axes)
{
  QrtChart *self;

  g_return_val_if_fail (n_axes == 0 || (axes != NULL && values != NULL && min != NULL &&
                                        max != NULL), NULL);

  self = chart_new (QRT_CHART_RADAR, title, NULL, n_axes);
  self->name = g_strdup (name != NULL ? name : "");
  self->labels = copy_strv (axes, n_axes);
  self->units = copy_strv (units, n_axes);
  self->values = copy_doubles (values, n_axes);
  self->reference_values = reference != NULL ? copy_doubles (reference, n_axes) : NULL;
  self->reference_label = g_strdup (reference_label);
  self->min = copy_doubles (min, n_axes);
  self->max = copy_doubles (max, n_axes);
  self->selected = selection_of (NULL, 0, n_axes);
  return self;
}

/**
 * qrt_chart_new_scatter:
 * @title: (nullable): heading
 * @x_title: (nullable): the x indicator's name
 * @x_unit: (nullable): its unit
 * @y_title: (nullable): the y indicator's name
 * @y_unit: (nullable): its unit
 * @labels: (array length=n): district names
 * @xs: (array length=n): x values; a district with a NaN is left out
 * @ys: (array length=n): y values
 * @selected: (array length=n_selected) (nullable): districts drawn in the accent colour
 *
 * Pearson's r and the least-squares line are computed here and shown in the legend.
 *
 * Returns: (transfer full): the chart
 */
QrtChart *
qrt_chart_new_scatter (const char        *title,
                       const char        *x_title,
                       const char        *x_unit,
                       const char        *y_title,
                       const char        *y_unit,
                       const char *const *labels,
                       const double      *xs,
                       const double      *ys,
                       guint              n,
                       const guint       *selected,
                       guint              n_selected)
{
  QrtChart *self;

  g_return_val_if_fail (n == 0 || (labels != NULL && xs != NULL && ys != NULL), NULL);

  self = chart_new (QRT_CHART_SCATTER, title, y_unit, n);
  self->x_title = g_strdup (x_title != NULL ? x_title : "");
  self->x_unit = g_strdup (x_unit != NULL ? x_unit : "");
  self->y_title = g_strdup (y_title != NULL ? y_title : "");
  self->labels = copy_strv (labels, n);
  self->xs = copy_doubles (xs, n);
  self->values = copy_doubles (ys, n);
  self->selected = selection_of (selected, n_selected, n);
  self->x_decimals = qrt_chart_decimals_for (max_abs (self->xs, n));
  self->decimals = qrt_chart_decimals_for (max_abs (self->values, n));
  self->has_regression = qrt_chart_pearson (self->xs, self->values, n, &self->r, &self->slope,
                                            &self->intercept);
  return self;
}

QrtChartKind
qrt_chart_get_kind (QrtChart *self)
{
  g_return_val_if_fail (QRT_IS_CHART (self), QRT_CHART_BAR);

  return self->kind;
}

const char *
qrt_chart_get_title (QrtChart *self)
{
  g_return_val_if_fail (QRT_IS_CHART (self), NULL);

  return self->title;
}

/**
 * qrt_chart_get_order:
 * @n: (out) (optional): number of entries
 *
 * The ranking of a bar chart: input indices from the top bar down, those without a value last.
 *
 * Returns: (transfer none) (nullable): the order, or %NULL for other kinds of chart
 */
const guint *
qrt_chart_get_order (QrtChart *self,
                     guint    *n)
{
  g_return_val_if_fail (QRT_IS_CHART (self), NULL);

  if (n != NULL)
    *n = self->kind == QRT_CHART_BAR ? self->n : 0;
  return self->kind == QRT_CHART_BAR ? self->order : NULL;
}

/**
 * qrt_chart_get_regression:
 * @r: (out) (optional): Pearson's r, NaN if undefined
 * @slope: (out) (optional): slope of the least-squares line
 * @intercept: (out) (optional): its intercept
 *
 * Returns: %TRUE for a scatter chart whose regression line is defined
 */
gboolean
qrt_chart_get_regression (QrtChart *self,
                          double   *r,
                          double   *slope,
                          double   *intercept)
{
  g_return_val_if_fail (QRT_IS_CHART (self), FALSE);

  if (r != NULL)
    *r = self->r;
  if (slope != NULL)
    *slope = self->slope;
  if (intercept != NULL)
    *intercept = self->intercept;
  return self->kind == QRT_CHART_SCATTER && self->has_regression;
}

/* QrtChartLayout */

static void
clear_op (gpointer data)
{
  g_free (((Op *) data)->text);
}

static void
clear_hit (gpointer data)
{
  g_free (((Hit *) data)->tooltip);
}

static void
layout_clear (gpointer data)
{
  QrtChartLayout *layout = data;

  g_array_unref (layout->ops);
  g_array_unref (layout->points);
  g_array_unref (layout->hits);
  g_free (layout->items);
  g_object_unref (layout->chart);
}

/**
 * qrt_chart_layout_new:
 * @chart: the chart
 * @width: width of the target, in the units of the cairo_t it will be painted on
 * @height: its height
 * @scale: how much larger than at 1 text, lines and spacing are: 1 in a widget (GTK scales its
 *   cairo nodes for the monitor), 2 for a PNG twice the size of a 1× chart
 *
 * Measures text and places everything: ticks, bars, points, labels. Call it in a worker
 * thread; the result is immutable and may be painted and hit-tested from any thread.
 *
 * Returns: (transfer full): the layout
 */
QrtChartLayout *
qrt_chart_layout_new (QrtChart *chart,
                      double    width,
                      double    height,
                      double    scale)
{
  QrtChartLayout *out;
  Builder b = { 0, };
  double top;

  g_return_val_if_fail (QRT_IS_CHART (chart), NULL);

  out = g_atomic_rc_box_new0 (QrtChartLayout);
  out->chart = g_object_ref (chart);
  out->width = MAX (width, 1);
  out->height = MAX (height, 1);
  out->scale = scale > 0 && isfinite (scale) ? scale : 1;
  out->ops = g_array_new (FALSE, FALSE, sizeof (Op));
  g_array_set_clear_func (out->ops, clear_op);
  out->points = g_array_new (FALSE, FALSE, sizeof (double));
  out->hits = g_array_new (FALSE, FALSE, sizeof (Hit));
  g_array_set_clear_func (out->hits, clear_hit);
  out->n_items = chart->n;
  out->items = g_new (double, 4 * MAX (chart->n, 1));
  for (guint i = 0; i < 4 * chart->n; i++)
    out->items[i] = NAN;

  b.out = out;
  b.s = out->scale;
  b.surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  b.cr = cairo_create (b.surface);
  b.pango = pango_cairo_create_layout (b.cr);
  unhint_metrics (b.pango);
  b.title = (Font) { 15.5 * b.s, TRUE, FALSE };
  b.label = (Font) { 12 * b.s, FALSE, FALSE };
  b.small = (Font) { 11 * b.s, FALSE, FALSE };
  b.number = (Font) { 11 * b.s, FALSE, TRUE };

  top = layout_title (&b);
  out->plot_x = PAD * b.s;
  out->plot_y = top;
  out->plot_w = MAX (out->width - 2 * PAD * b.s, 1);
  out->plot_h = MAX (out->height - top - PAD * b.s, 1);
  if (chart->n == 0)
    add_empty_message (&b, top);
  else
    switch (chart->kind)
      {
      case QRT_CHART_BAR:
        layout_bar (&b, top);
        break;
      case QRT_CHART_SERIES:
        layout_series (&b, top);
        break;
      case QRT_CHART_RADAR:
        layout_radar (&b, top);
        break;
      case QRT_CHART_SCATTER:
        layout_scatter (&b, top);
        break;
      default:
        g_assert_not_reached ();
      }

  g_object_unref (b.pango);
  cairo_destroy (b.cr);
  cairo_surface_destroy (b.surface);
  return out;
}

QrtChartLayout *
qrt_chart_layout_ref (QrtChartLayout *layout)
{
  g_return_val_if_fail (layout != NULL, NULL);

  return g_atomic_rc_box_acquire (layout);
}

void
qrt_chart_layout_unref (QrtChartLayout *layout)
{
  g_return_if_fail (layout != NULL);

  g_atomic_rc_box_release_full (layout, layout_clear);
}

/**
 * qrt_chart_layout_get_chart:
 *
 * Returns: (transfer none): the chart this layout places
 */
QrtChart *
qrt_chart_layout_get_chart (QrtChartLayout *layout)
{
  g_return_val_if_fail (layout != NULL, NULL);

  return layout->chart;
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  if (r <= 0)
    {
      cairo_rectangle (cr, x, y, w, h);
      return;
    }
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
fill_and_stroke (cairo_t  *cr,
                 const Op *op)
{
  if (op->fill & 0xff)
    {
      set_rgba (cr, op->fill);
      if (op->stroke & 0xff)
        cairo_fill_preserve (cr);
      else
        cairo_fill (cr);
    }
  if (op->stroke & 0xff)
    {
      double dashes[2] = { op->dash, op->dash * 0.7 };

      set_rgba (cr, op->stroke);
      cairo_set_line_width (cr, op->line_width);
      cairo_set_dash (cr, dashes, op->dash > 0 ? 2 : 0, 0);
      cairo_stroke (cr);
    }
  cairo_new_path (cr);
}

/**
 * qrt_chart_layout_paint:
 * @cr: the target, with the chart's top-left corner at its origin
 *
 * Paints the chart on a white background. Only replays what the layout computed; cheap enough
 * for a widget's snapshot.
 */
void
qrt_chart_layout_paint (QrtChartLayout *layout,
                        cairo_t        *cr)
{
  const double *points;
  PangoLayout *pango;

  g_return_if_fail (layout != NULL && cr != NULL);

  points = (const double *) (const void *) layout->points->data;
  cairo_save (cr);
  set_rgba (cr, C_BACKGROUND);
  cairo_rectangle (cr, 0, 0, layout->width, layout->height);
  cairo_fill (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);

  pango = pango_cairo_create_layout (cr);
  unhint_metrics (pango);
  for (guint i = 0; i < layout->ops->len; i++)
    {
      const Op *op = &g_array_index (layout->ops, Op, i);

      switch (op->kind)
        {
        case OP_RECT:
          rounded_rect (cr, op->x, op->y, op->w, op->h, op->radius);
          fill_and_stroke (cr, op);
          break;
        case OP_PATH:
          cairo_move_to (cr, points[2 * op->first], points[2 * op->first + 1]);
          for (guint k = 1; k < op->n_points; k++)
            cairo_line_to (cr, points[2 * (op->first + k)], points[2 * (op->first + k) + 1]);
          if (op->closed)
            cairo_close_path (cr);
          fill_and_stroke (cr, op);
          break;
        case OP_CIRCLE:
          cairo_new_sub_path (cr);
          cairo_arc (cr, op->x, op->y, op->w, 0, 2 * G_PI);
          fill_and_stroke (cr, op);
          break;
        case OP_TEXT:
          {
            PangoRectangle logical;

            set_text (pango, op->text, &op->font, op->w, op->wrap, op->align_x);
            pango_layout_get_pixel_extents (pango, NULL, &logical);
            cairo_move_to (cr, op->x - op->align_x * logical.width - logical.x,
                           op->y - op->align_y * logical.height - logical.y);
            if (op->halo > 0)
              {
                cairo_save (cr);
                pango_cairo_layout_path (cr, pango);
                set_rgba (cr, C_BACKGROUND);
                cairo_set_line_width (cr, op->halo);
                cairo_set_dash (cr, NULL, 0, 0);
                cairo_stroke (cr);
                cairo_restore (cr);
                cairo_move_to (cr, op->x - op->align_x * logical.width - logical.x,
                               op->y - op->align_y * logical.height - logical.y);
              }
            set_rgba (cr, op->fill);
            pango_cairo_show_layout (cr, pango);
            cairo_new_path (cr);
          }
          break;
        case OP_CLIP:
          cairo_save (cr);
          cairo_rectangle (cr, op->x, op->y, op->w, op->h);
          cairo_clip (cr);
          break;
        case OP_UNCLIP:
          cairo_restore (cr);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_object_unref (pango);
  cairo_restore (cr);
}

/**
 * qrt_chart_layout_hit:
 * @x: position in the layout's coordinates
 * @y: position
 * @tooltip: (out) (optional) (transfer full): text for a tooltip, e.g. "Altstadt: 4.213 Einw./km²"
 *
 * What lies under a point: for bars the row of a district (bar and name), for series and
 * scatter charts the nearest data point within a few pixels, for radar charts an axis' vertex
 * or label.
 *
 * Returns: the item's index: the district (bar, scatter), the series, or the radar axis, as
 *   given to the constructor; -1 for nothing
 */
int
qrt_chart_layout_hit (QrtChartLayout  *layout,
                      double           x,
                      double           y,
                      char           **tooltip)
{
  const Hit *best = NULL;
  double best_d = INFINITY;

  g_return_val_if_fail (layout != NULL, -1);

  for (guint i = 0; i < layout->hits->len; i++)
    {
      const Hit *hit = &g_array_index (layout->hits, Hit, i);
      double d;

      if (hit->circle)
        {
          d = hypot (x - hit->x, y - hit->y);
          if (d > hit->w)
            continue;
        }
      else if (x >= hit->x && x < hit->x + hit->w && y >= hit->y && y < hit->y + hit->h)
        d = G_MAXDOUBLE;   /* a point nearby wins over a row or label */
      else
        continue;
      if (best == NULL || d < best_d)
        {
          best = hit;
          best_d = d;
        }
    }

  if (tooltip != NULL)
    *tooltip = best != NULL ? g_strdup (best->tooltip) : NULL;
  return best != NULL ? best->index : -1;
}

/**
 * qrt_chart_layout_get_item_rect:
 * @index: an item as qrt_chart_layout_hit() returns it
 *
 * Where an item was drawn: a bar's rectangle, a point's box, the box around a series' points.
 *
 * Returns: %FALSE when the item is not drawn (no value, or out of range)
 */
gboolean
qrt_chart_layout_get_item_rect (QrtChartLayout *layout,
                                guint           index,
                                double         *x,
                                double         *y,
                                double         *width,
                                double         *height)
{
  const double *item;

  g_return_val_if_fail (layout != NULL, FALSE);

  if (index >= layout->n_items || isnan (layout->items[4 * index]))
    return FALSE;
  item = layout->items + 4 * index;
  if (x != NULL)
    *x = item[0];
  if (y != NULL)
    *y = item[1];
  if (width != NULL)
    *width = item[2];
  if (height != NULL)
    *height = item[3];
  return TRUE;
}

/**
 * qrt_chart_layout_get_plot_area:
 *
 * The rectangle the data is drawn in, without titles, labels and axes.
 */
void
qrt_chart_layout_get_plot_area (QrtChartLayout *layout,
                                double         *x,
                                double         *y,
                                double         *width,
                                double         *height)
{
  g_return_if_fail (layout != NULL);

  if (x != NULL)
    *x = layout->plot_x;
  if (y != NULL)
    *y = layout->plot_y;
  if (width != NULL)
    *width = layout->plot_w;
  if (height != NULL)
    *height = layout->plot_h;
}

/**
 * qrt_chart_layout_map:
 * @u: x in data units (a year, an x value)
 * @v: y in data units
 * @x: (out): position in the layout
 * @y: (out): position
 *
 * Data to layout coordinates, for overlays such as a hover crosshair.
 *
 * Returns: %FALSE for bar and radar charts, which have no such mapping
 */
gboolean
qrt_chart_layout_map (QrtChartLayout *layout,
                      double          u,
                      double          v,
                      double         *x,
                      double         *y)
{
  g_return_val_if_fail (layout != NULL, FALSE);

  if (!layout->mapped)
    return FALSE;
  if (x != NULL)
    *x = project (u, layout->u0, layout->u1, layout->plot_x, layout->plot_x + layout->plot_w);
  if (y != NULL)
    *y = project (v, layout->v0, layout->v1, layout->plot_y + layout->plot_h, layout->plot_y);
  return TRUE;
}

/* Files */

typedef enum
{
  FORMAT_PNG,
  FORMAT_SVG,
  FORMAT_PDF,
} Format;

typedef struct
{
  GOutputStream *stream;
  GError        *error;
} Sink;

static cairo_status_t
sink_write (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  Sink *sink = closure;

  if (sink->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (sink->stream, data, length, NULL, NULL, &sink->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

/**
 * qrt_chart_write:
 * @path: a file name ending in .png, .svg or .pdf
 * @width: size in pixels (PNG) or points (SVG, PDF)
 * @height: size
 * @error: a #GError: G_IO_ERROR_NOT_SUPPORTED for another extension, or why writing failed
 *
 * Writes the chart through a temporary file beside @path that replaces it when complete
 * (g_file_replace()), so that @path is never half-written. Text and lines grow with the size
 * from 600 × 400 on, so that a chart for a 1920 × 1080 projector is as legible from the back of
 * the room as a small one on a desk.
 *
 * Returns: %TRUE on success
 */
gboolean
qrt_chart_write (QrtChart    *self,
                 const char  *path,
                 double       width,
                 double       height,
                 GError     **error)
{
  g_autofree char *lower = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GCancellable) abort = NULL;
  g_autoptr(QrtChartLayout) layout = NULL;
  g_autoptr(GError) local_error = NULL;
  Sink sink = { NULL, NULL };
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  Format format;

  g_return_val_if_fail (QRT_IS_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".png"))
    format = FORMAT_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    format = FORMAT_SVG;
  else if (g_str_has_suffix (lower, ".pdf"))
    format = FORMAT_PDF;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot save a chart as “%s”: the name must end in .png, .svg or .pdf."),
                   path);
      return FALSE;
    }

  width = CLAMP (round (width), 16, 16384);
  height = CLAMP (round (height), 16, 16384);
  layout = qrt_chart_layout_new (self, width, height,
                                 CLAMP (MIN (width / 600, height / 400), 1, 4));

  file = g_file_new_for_path (path);
  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                           &local_error);
  if (stream == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, _("Cannot write “%s”: %s"),
                   path, local_error->message);
      return FALSE;
    }
  sink.stream = G_OUTPUT_STREAM (stream);

  switch (format)
    {
    case FORMAT_SVG:
      surface = cairo_svg_surface_create_for_stream (sink_write, &sink, width, height);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
      break;
    case FORMAT_PDF:
      surface = cairo_pdf_surface_create_for_stream (sink_write, &sink, width, height);
      break;
    case FORMAT_PNG:
    default:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) width, (int) height);
      break;
    }
  cr = cairo_create (surface);
  qrt_chart_layout_paint (layout, cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS && format == FORMAT_PNG)
    status = cairo_surface_write_to_png_stream (surface, sink_write, &sink);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status == CAIRO_STATUS_SUCCESS && sink.error == NULL)
    {
      /* Closing renames the temporary file over @path. */
      if (g_output_stream_close (sink.stream, NULL, &local_error))
        return TRUE;
    }
  else
    {
      /* Closing with a cancelled cancellable drops the temporary file and keeps @path. */
      abort = g_cancellable_new ();
      g_cancellable_cancel (abort);
      g_output_stream_close (sink.stream, abort, NULL);
      if (sink.error != NULL)
        local_error = g_steal_pointer (&sink.error);
      else
        local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                           cairo_status_to_string (status));
    }
  g_clear_error (&sink.error);
  g_set_error (error, local_error->domain, local_error->code, _("Cannot write “%s”: %s"), path,
               local_error->message);
  return FALSE;
}
