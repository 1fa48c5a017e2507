/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <pango/pangocairo.h>

#include "qrt-legend.h"

#define PAD 10
#define SWATCH 14
#define GAP 6
#define ROW 20

static void
paint_swatch (cairo_t         *cr,
              QrtGeometryKind  kind,
              const QrtStyle  *style,
              const QrtColor  *colour,
              double           x,
              double           y,
              double           scale)
{
  const QrtColor *fill = colour ? colour : &style->fill;
  const QrtColor *stroke = kind == QRT_GEOMETRY_LINE && colour ? colour : &style->stroke;
  double s = SWATCH * scale;

  cairo_save (cr);
  cairo_new_path (cr);
  switch (kind)
    {
    case QRT_GEOMETRY_POINT:
      cairo_arc (cr, x + s / 2, y + s / 2, MIN (s / 2, MAX (2, style->point_radius) * scale), 0,
                 2 * G_PI);
      break;
    case QRT_GEOMETRY_LINE:
      cairo_move_to (cr, x, y + s * 0.7);
      cairo_curve_to (cr, x + s * 0.4, y, x + s * 0.6, y + s, x + s, y + s * 0.3);
      break;
    case QRT_GEOMETRY_POLYGON:
    case QRT_GEOMETRY_NONE:
    default:
      cairo_rectangle (cr, x + 0.5, y + 0.5, s - 1, s - 1);
      break;
    }
  if (kind != QRT_GEOMETRY_LINE && fill->alpha > 0)
    {
      cairo_set_source_rgba (cr, fill->red, fill->green, fill->blue, fill->alpha);
      cairo_fill_preserve (cr);
    }
  cairo_set_source_rgba (cr, stroke->red, stroke->green, stroke->blue, stroke->alpha);
  cairo_set_line_width (cr, MAX (1, MIN (style->stroke_width, 4)) * scale);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static char *
format_number (double v)
{
  /* Locale-aware (a German legend reads "1.234,5"), without needless decimals. */
  if (fabs (v) >= 100 || v == floor (v))
    return g_strdup_printf ("%'.0f", v);
  return g_strdup_printf ("%'.2g", v);
}

/**
 * qrt_legend_class_range:
 * @i: a class of @style, which is categorized or graduated
 *
 * Returns: (transfer full): what class @i holds: its value, or its range of values
 */
char *
qrt_legend_class_range (const QrtStyle *style,
                        guint           i)
{
  g_autofree char *upper = NULL;
  g_autofree char *lower = NULL;

  g_return_val_if_fail (style != NULL && i < style->n_classes, NULL);

  if (style->mode != QRT_STYLE_GRADUATED)
    return g_strdup (style->classes[i].value);
  upper = format_number (style->classes[i].upper);
  if (i == 0)
    /* TRANSLATORS: a legend class: values up to this number */
    return g_strdup_printf (_("up to %s"), upper);
  lower = format_number (style->classes[i - 1].upper);
  /* TRANSLATORS: a legend class between two numbers */
  return g_strdup_printf (_("%s to %s"), lower, upper);
}

/**
 * qrt_legend_class_label:
 * @i: a class of @style, which is categorized or graduated
 *
 * Returns: (transfer full): the name the legend gives class @i: the label it was given, else
 *   its value or range
 */
char *
qrt_legend_class_label (const QrtStyle *style,
                        guint           i)
{
  g_return_val_if_fail (style != NULL && i < style->n_classes, NULL);

  if (style->classes[i].label[0] != '\0')
    return g_strdup (style->classes[i].label);
  return qrt_legend_class_range (style, i);
}

/* The row for the features no class takes, or %NULL when there are none. */
static const char *
others_label (const QrtStyle *style)
{
  if (style->mode == QRT_STYLE_SINGLE || style->n_classes == 0 || !style->others)
    return NULL;
  /* TRANSLATORS: the legend's row for the features in no class: graduated classes take
   * every number, so those have none; categorized ones have another value */
  return style->mode == QRT_STYLE_GRADUATED ? C_("legend class", "No value")
                                            : C_("legend class", "Other values");
}

/**
 * qrt_legend_entry_rows:
 *
 * Returns: how many rows the legend gives @entry: none for a hidden layer, else one, and one
 *   more per class and for the features outside the classes
 */
guint
qrt_legend_entry_rows (const QrtLegendEntry *entry)
{
  const QrtStyle *style;

  g_return_val_if_fail (entry != NULL, 0);

  style = entry->style;
  if (!style->visible)
    return 0;
  if (style->mode == QRT_STYLE_SINGLE)
    return 1;
  return 1 + style->n_classes + (others_label (style) != NULL ? 1 : 0);
}

/**
 * qrt_legend_describe:
 * @entries: (array length=n_entries): the layers, top first
 *
 * The legend in words, for those who cannot see the swatches (a screen reader): each visible
 * layer's title, with the names of its classes.
 *
 * Returns: (transfer full): e.g. "Schools; Land cover: Sealed, Forest"
 */
char *
qrt_legend_describe (const QrtLegendEntry *entries,
                     guint                 n_entries)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (entries != NULL || n_entries == 0, NULL);

  for (guint i = 0; i < n_entries; i++)
    {
      const QrtStyle *style = entries[i].style;

      if (!style->visible)
        continue;
      if (out->len > 0)
        g_string_append (out, "; ");
      g_string_append (out, entries[i].title);
      for (guint c = 0; style->mode != QRT_STYLE_SINGLE && c < style->n_classes; c++)
        {
          g_autofree char *label = qrt_legend_class_label (style, c);

          g_string_append (out, c == 0 ? ": " : ", ");
          g_string_append (out, label);
        }
      if (others_label (style) != NULL)
        g_string_append_printf (out, ", %s", others_label (style));
    }
  return g_string_free (out, FALSE);
}

static double
text (cairo_t     *cr,
      PangoLayout *layout,
      const char  *str,
      gboolean     bold,
      double       x,
      double       y,
      gboolean     draw)
{
  int w, h;

  pango_layout_set_text (layout, str, -1);
  pango_layout_set_attributes (layout, NULL);
  if (bold)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_get_pixel_size (layout, &w, &h);
  if (draw)
    {
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, layout);
    }
  return w;
}

/* One row of the legend at @x, @y: a swatch in @colour (%NULL: the style's own) and @label.
 * @width grows to the row's end and the padding after it. */
static void
row_paint (cairo_t              *cr,
           PangoLayout          *layout,
           const QrtLegendEntry *e,
           const QrtColor       *colour,
           const char           *label,
           gboolean              bold,
           double                x,
           double                y,
           double                scale,
           gboolean              draw,
           double               *width)
{
  double swatch = SWATCH * scale, after = x + swatch + GAP * scale, end;

  if (draw)
    {
      paint_swatch (cr, e->kind, e->style, colour, x, y + (ROW * scale - swatch) / 2, scale);
      cairo_set_source_rgb (cr, 0.15, 0.15, 0.17);
    }
  /* Apart from MAX(), which would draw the row again when it is the widest so far. */
  end = after + text (cr, layout, label, bold, after, y + scale, draw) + PAD * scale;
  *width = MAX (*width, end);
}

/**
 * qrt_legend_paint:
 * @cr: target; the legend is drawn with its top-left corner at the current origin
 * @scale: device pixels per CSS pixel
 * @measure_only: only compute @width and @height
 * @width: (out): width of the legend box in device pixels
 * @height: (out): height of the legend box in device pixels
 *
 * Paints a legend box: one row per layer, and one row per class of a classified layer. The
 * same code serves the window, `quartier-cli render --legend` and (later) reports.
 */
void
qrt_legend_paint (cairo_t              *cr,
                  const QrtLegendEntry *entries,
                  guint                 n_entries,
                  double                scale,
                  gboolean              measure_only,
                  double               *width,
                  double               *height)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string ("Cantarell, Sans 10");
  double pad = PAD * scale, row = ROW * scale, swatch = SWATCH * scale, gap = GAP * scale;
  double y, w = 0;

  g_return_if_fail (cr != NULL && width != NULL && height != NULL);

  pango_font_description_set_absolute_size (font, 11 * scale * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);

  /* Measure first, then draw the background and the rows. */
  for (int pass = 0; pass < (measure_only ? 1 : 2); pass++)
    {
      gboolean draw = pass == 1;

      if (draw)
        {
          cairo_save (cr);
          cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
          cairo_rectangle (cr, 0, 0, *width, *height);
          cairo_fill_preserve (cr);
          cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
          cairo_set_line_width (cr, scale);
          cairo_stroke (cr);
          cairo_restore (cr);
          cairo_set_source_rgb (cr, 0.15, 0.15, 0.17);
        }

      y = pad;
      for (guint i = 0; i < n_entries; i++)
        {
          const QrtLegendEntry *e = &entries[i];
          gboolean classed = e->style->mode != QRT_STYLE_SINGLE && e->style->n_classes > 0;
          double indent = pad + gap * 2;

          if (!e->style->visible)
            continue;
          row_paint (cr, layout, e, NULL, e->title, classed, pad, y, scale, draw, &w);
          y += row;

          for (guint c = 0; classed && c < e->style->n_classes; c++)
            {
              g_autofree char *label = qrt_legend_class_label (e->style, c);

              row_paint (cr, layout, e, &e->style->classes[c].colour, label, FALSE, indent, y,
                         scale, draw, &w);
              y += row;
            }
          /* In the style's own colours, as the renderer draws them. */
          if (classed && others_label (e->style) != NULL)
            {
              row_paint (cr, layout, e, NULL, others_label (e->style), FALSE, indent, y, scale,
                         draw, &w);
              y += row;
            }
        }
      *width = ceil (w);
      *height = ceil (y + pad - (row - swatch) / 2);
    }

  pango_font_description_free (font);
  g_object_unref (layout);
}
