/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qrt-core.h"

static void
test_breaks (void)
{
  const double clustered[] = { 22, 1, 2, 3, 10, 11, 12, 20, 21 };
  double upper[QRT_STYLE_MAX_CLASSES];
  guint n;

  /* Jenks finds the three clusters. */
  n = qrt_classify_breaks (clustered, G_N_ELEMENTS (clustered), QRT_CLASSIFY_JENKS, 3, upper);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (upper[0], ==, 3);
  g_assert_cmpfloat (upper[1], ==, 12);
  g_assert_cmpfloat (upper[2], ==, 22);

  /* Equal intervals split the range 1..22 in thirds. */
  n = qrt_classify_breaks (clustered, G_N_ELEMENTS (clustered), QRT_CLASSIFY_EQUAL_INTERVAL, 3,
                           upper);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat_with_epsilon (upper[0], 8, 1e-12);
  g_assert_cmpfloat_with_epsilon (upper[1], 15, 1e-12);
  g_assert_cmpfloat (upper[2], ==, 22);

  /* Quantiles: three values per class. */
  n = qrt_classify_breaks (clustered, G_N_ELEMENTS (clustered), QRT_CLASSIFY_QUANTILE, 3, upper);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (upper[0], ==, 3);
  g_assert_cmpfloat (upper[1], ==, 12);

  /* Manual bounds are sorted; the last class always reaches the maximum. */
  upper[0] = 15;
  upper[1] = 5;
  n = qrt_classify_breaks (clustered, G_N_ELEMENTS (clustered), QRT_CLASSIFY_MANUAL, 2, upper);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (upper[0], ==, 5);
  g_assert_cmpfloat (upper[1], ==, 22);
}

static void
test_breaks_degenerate (void)
{
  const double same[] = { 4, 4, 4, 4 };
  double upper[QRT_STYLE_MAX_CLASSES];
  g_autofree double *many = g_new (double, 20000);

  g_assert_cmpuint (qrt_classify_breaks (same, 4, QRT_CLASSIFY_QUANTILE, 5, upper), ==, 1);
  g_assert_cmpfloat (upper[0], ==, 4);
  g_assert_cmpuint (qrt_classify_breaks (same, 0, QRT_CLASSIFY_JENKS, 5, upper), ==, 0);

  /* Jenks on a sample: two far-apart uniform blocks stay apart. */
  for (guint i = 0; i < 20000; i++)
    many[i] = i < 10000 ? i * 1e-4 : 100 + i * 1e-4;
  g_assert_cmpuint (qrt_classify_breaks (many, 20000, QRT_CLASSIFY_JENKS, 2, upper), ==, 2);
  g_assert_cmpfloat (upper[0], <, 1.0001);
  g_assert_cmpfloat (upper[1], >, 100);
}

static void
test_ramp (void)
{
  QrtColor low, high, mid;

  qrt_ramp_colour (QRT_RAMP_SEQUENTIAL, 0, &low);
  qrt_ramp_colour (QRT_RAMP_SEQUENTIAL, 1, &high);
  /* viridis: dark purple to yellow, monotonically lighter. */
  g_assert_cmpfloat_with_epsilon (low.red, 0x44 / 255.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (high.blue, 0x25 / 255.0, 1e-9);
  g_assert_cmpfloat (low.green, <, high.green);
  qrt_ramp_colour (QRT_RAMP_DIVERGING, 0.5, &mid);
  /* The diverging ramp is neutral in the middle. */
  g_assert_cmpfloat_with_epsilon (mid.red, mid.blue, 0.02);
}

static QrtLayer *
make_squares (void)
{
  g_autoptr(QrtLayerBuilder) builder = qrt_layer_builder_new ("sq", QRT_GEOMETRY_POLYGON, 3857);
  guint value = qrt_layer_builder_add_field (builder, "density", QRT_FIELD_REAL);
  guint use = qrt_layer_builder_add_field (builder, "use", QRT_FIELD_STRING);
  const char *uses[] = { "wohnen", "gewerbe", "wohnen", "park" };
  QrtBBox tile;

  qrt_tile_bbox (10, 530, 340, &tile);
  /* Four squares side by side across the tile, densities 100, 200, 300, 4000. */
  for (guint i = 0; i < 4; i++)
    {
      double w = (tile.max_x - tile.min_x) / 4;
      double x0 = tile.min_x + i * w + w * 0.1, x1 = x0 + w * 0.8;
      double y0 = tile.min_y + w, y1 = tile.max_y - w;

      qrt_layer_builder_begin_feature (builder);
      qrt_layer_builder_begin_part (builder);
      qrt_layer_builder_begin_ring (builder);
      qrt_layer_builder_add_point (builder, x0, y0);
      qrt_layer_builder_add_point (builder, x1, y0);
      qrt_layer_builder_add_point (builder, x1, y1);
      qrt_layer_builder_add_point (builder, x0, y1);
      qrt_layer_builder_add_point (builder, x0, y0);
      qrt_layer_builder_set_real (builder, value, i < 3 ? 100.0 * (i + 1) : 4000);
      qrt_layer_builder_set_string (builder, use, uses[i]);
      qrt_layer_builder_end_feature (builder);
    }
  return qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
}

static guint32
centre_pixel (QrtTileRender *renderer,
              guint          square)
{
  gsize stride;
  g_autoptr(GBytes) tile = qrt_tile_render_tile (renderer, 10, 530, 340, 256, NULL, &stride);
  const guint8 *data = g_bytes_get_data (tile, NULL);

  return *(const guint32 *) (data + 128 * stride + (32 + 64 * square) * 4) & 0xffffff;
}

static void
test_graduated (void)
{
  g_autoptr(QrtLayer) layer = make_squares ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtTileRender) renderer = NULL;
  int field = qrt_layer_find_field (layer, "density");
  QrtStyle style, back;
  g_autofree char *json = NULL;

  qrt_style_init_default (&style, QRT_GEOMETRY_POLYGON, 0);
  g_assert_true (qrt_style_make_graduated (&style, layer, "density", QRT_CLASSIFY_JENKS, 2, NULL,
                                           QRT_RAMP_SEQUENTIAL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (style.n_classes, ==, 2);
  g_assert_cmpint (qrt_style_class_of (&style, layer, field, 0), ==, 0);
  g_assert_cmpint (qrt_style_class_of (&style, layer, field, 2), ==, 0);
  g_assert_cmpint (qrt_style_class_of (&style, layer, field, 3), ==, 1);

  /* The outlier square is drawn in another colour than the other three. */
  style.classes[0].colour.alpha = style.classes[1].colour.alpha = 1;
  renderer = qrt_tile_render_new (&layer, &style, 1);
  g_assert_cmpuint (centre_pixel (renderer, 0), ==, centre_pixel (renderer, 1));
  g_assert_cmpuint (centre_pixel (renderer, 0), !=, centre_pixel (renderer, 3));

  /* Saved and read back, the classes survive. */
  json = qrt_style_to_json (&style);
  qrt_style_init_default (&back, QRT_GEOMETRY_POLYGON, 3);
  g_assert_true (qrt_style_from_json (&back, json, &error));
  g_assert_cmpint (back.mode, ==, QRT_STYLE_GRADUATED);
  g_assert_cmpstr (back.field, ==, "density");
  g_assert_cmpuint (back.n_classes, ==, 2);
  g_assert_cmpfloat (back.classes[0].upper, ==, style.classes[0].upper);

  g_assert_false (qrt_style_make_graduated (&style, layer, "use", QRT_CLASSIFY_QUANTILE, 3, NULL,
                                            QRT_RAMP_SEQUENTIAL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_categorized (void)
{
  g_autoptr(QrtLayer) layer = make_squares ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtTileRender) renderer = NULL;
  int field = qrt_layer_find_field (layer, "use");
  QrtStyle style;

  qrt_style_init_default (&style, QRT_GEOMETRY_POLYGON, 0);
  g_assert_true (qrt_style_make_categorized (&style, layer, "use", &error));
  g_assert_cmpuint (style.n_classes, ==, 3);
  /* Sorted by value: gewerbe, park, wohnen. */
  g_assert_cmpstr (style.classes[0].value, ==, "gewerbe");
  g_assert_cmpint (qrt_style_class_of (&style, layer, field, 0), ==, 2);
  g_assert_cmpint (qrt_style_class_of (&style, layer, field, 1), ==, 0);

  renderer = qrt_tile_render_new (&layer, &style, 1);
  g_assert_cmpuint (centre_pixel (renderer, 0), ==, centre_pixel (renderer, 2));
  g_assert_cmpuint (centre_pixel (renderer, 0), !=, centre_pixel (renderer, 1));
  g_assert_cmpuint (centre_pixel (renderer, 1), !=, centre_pixel (renderer, 3));

  g_assert_false (qrt_style_make_categorized (&style, layer, "nope", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* The size the legend needs for a layer of areas in @style alone. */
static void
measure_legend (const QrtStyle *style,
                double         *width,
                double         *height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);
  QrtLegendEntry entry = { "Flächen", QRT_GEOMETRY_POLYGON, style };

  qrt_legend_paint (cr, &entry, 1, 1.0, TRUE, width, height);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static double
legend_width (const QrtStyle *style)
{
  double width, height;

  measure_legend (style, &width, &height);
  return width;
}

static double
legend_height (const QrtStyle *style)
{
  double width, height;

  measure_legend (style, &width, &height);
  return height;
}

static void
test_class_labels (void)
{
  g_autoptr(QrtLayer) layer = make_squares ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *long_label = NULL;
  g_autofree char *text = NULL;
  QrtStyle style, back;
  double plain_width;

  qrt_style_init_default (&style, QRT_GEOMETRY_POLYGON, 0);
  g_assert_true (qrt_style_make_categorized (&style, layer, "use", &error));
  g_assert_cmpstr (style.classes[2].value, ==, "wohnen");
  g_assert_cmpstr (style.classes[2].label, ==, "");
  text = qrt_legend_class_label (&style, 2);
  g_assert_cmpstr (text, ==, "wohnen");
  g_clear_pointer (&text, g_free);
  plain_width = legend_width (&style);

  /* Named, the legend calls the class by its name, which takes more room here. */
  qrt_style_class_set_label (&style.classes[2], "  Wohnbauflächen (Bestand)\n");
  g_assert_cmpstr (style.classes[2].label, ==, "Wohnbauflächen (Bestand)");
  text = qrt_legend_class_label (&style, 2);
  g_assert_cmpstr (text, ==, "Wohnbauflächen (Bestand)");
  g_clear_pointer (&text, g_free);
  text = qrt_legend_class_range (&style, 2);
  g_assert_cmpstr (text, ==, "wohnen");
  g_clear_pointer (&text, g_free);
  g_assert_cmpfloat (legend_width (&style), >, plain_width + 20);
  {
    QrtStyle hidden = style;
    QrtLegendEntry entries[] = { { "Schulen", QRT_GEOMETRY_POINT, &hidden },
                                 { "Flächen", QRT_GEOMETRY_POLYGON, &style } };
    g_autofree char *words = NULL;

    /* In words too: the layers with the names of their classes, hidden layers left out. */
    hidden.mode = QRT_STYLE_SINGLE;
    words = qrt_legend_describe (entries, 2);
    g_assert_cmpstr (words, ==, "Schulen; Flächen: gewerbe, park, Wohnbauflächen (Bestand)");
    g_clear_pointer (&words, g_free);
    hidden.visible = FALSE;
    words = qrt_legend_describe (entries, 2);
    g_assert_cmpstr (words, ==, "Flächen: gewerbe, park, Wohnbauflächen (Bestand)");
  }

  /* Saved and read back; a style without names reads as none. */
  json = qrt_style_to_json (&style);
  g_assert_nonnull (strstr (json, "\"label\":\"Wohnbauflächen (Bestand)\""));
  qrt_style_init_default (&back, QRT_GEOMETRY_POLYGON, 0);
  g_assert_true (qrt_style_from_json (&back, json, &error));
  g_assert_cmpstr (back.classes[2].label, ==, "Wohnbauflächen (Bestand)");
  g_assert_cmpstr (back.classes[0].label, ==, "");
  g_assert_true (qrt_style_from_json (&back, "{\"mode\":\"categorized\",\"field\":\"use\","
                                      "\"classes\":[{\"value\":\"park\",\"label\":7}]}",
                                      &error));
  g_assert_cmpstr (back.classes[0].label, ==, "");

  /* Classing again keeps the names of values that are still there, of the same attribute. */
  back = style;
  g_assert_true (qrt_style_make_categorized (&back, layer, "use", &error));
  g_assert_cmpstr (back.classes[2].label, ==, "Wohnbauflächen (Bestand)");
  g_assert_cmpstr (back.classes[1].label, ==, "");
  g_assert_true (qrt_style_make_graduated (&back, layer, "density", QRT_CLASSIFY_JENKS, 2, NULL,
                                           QRT_RAMP_SEQUENTIAL, &error));
  g_assert_cmpstr (back.classes[0].label, ==, "");
  g_assert_cmpstr (back.classes[1].label, ==, "");

  /* Graduated classes keep their names when classed again into the same bounds. */
  qrt_style_class_set_label (&back.classes[1], "dicht");
  style = back;
  g_assert_true (qrt_style_make_graduated (&style, layer, "density", QRT_CLASSIFY_JENKS, 2, NULL,
                                           QRT_RAMP_DIVERGING, &error));
  g_assert_cmpstr (style.classes[1].label, ==, "dicht");
  text = qrt_legend_class_range (&style, 0);
  g_assert_true (g_str_has_prefix (text, "up to ") || g_str_has_prefix (text, "bis "));
  g_clear_pointer (&text, g_free);
  g_assert_true (qrt_style_make_graduated (&style, layer, "density", QRT_CLASSIFY_JENKS, 1, NULL,
                                           QRT_RAMP_DIVERGING, &error));
  g_assert_cmpstr (style.classes[0].label, ==, "");
  {
    const double two[] = { 250, 4000 }, three[] = { 250, 4000, 8000 };

    /* The last class takes all larger values: with a class added above it, it is another. */
    g_assert_true (qrt_style_make_graduated (&style, layer, "density", QRT_CLASSIFY_MANUAL, 2,
                                             two, QRT_RAMP_SEQUENTIAL, &error));
    qrt_style_class_set_label (&style.classes[1], "am dichtesten");
    g_assert_true (qrt_style_make_graduated (&style, layer, "density", QRT_CLASSIFY_MANUAL, 3,
                                             three, QRT_RAMP_SEQUENTIAL, &error));
    g_assert_cmpuint (style.n_classes, ==, 3);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpstr (style.classes[i].label, ==, "");
  }

  /* Too long a name keeps its first characters, whole, also at four bytes each (what the
   * dialog's entry allows); bytes that are not UTF-8 end it. */
  long_label = g_strnfill (QRT_STYLE_MAX_LABEL * 2, 'x');
  for (guint i = 1; i < QRT_STYLE_MAX_LABEL * 2; i += 2)
    memcpy (long_label + i - 1, "ä", 2);
  qrt_style_class_set_label (&style.classes[0], long_label);
  g_assert_true (g_utf8_validate (style.classes[0].label, -1, NULL));
  g_assert_cmpuint (g_utf8_strlen (style.classes[0].label, -1), ==, QRT_STYLE_LABEL_CHARS);
  g_clear_pointer (&long_label, g_free);
  long_label = g_strnfill (4 * (QRT_STYLE_LABEL_CHARS + 5), 'x');
  for (guint i = 0; i < QRT_STYLE_LABEL_CHARS + 5; i++)
    memcpy (long_label + 4 * i, "🌳", 4);
  qrt_style_class_set_label (&style.classes[0], long_label);
  g_assert_cmpuint (g_utf8_strlen (style.classes[0].label, -1), ==, QRT_STYLE_LABEL_CHARS);
  g_assert_cmpuint (strlen (style.classes[0].label), ==, 4 * QRT_STYLE_LABEL_CHARS);
  qrt_style_class_set_label (&style.classes[0], "   Grünzug am Fluss  ");
  g_assert_cmpstr (style.classes[0].label, ==, "Grünzug am Fluss");
  qrt_style_class_set_label (&style.classes[0], "Gr\xfcn");
  g_assert_cmpstr (style.classes[0].label, ==, "Gr");
  qrt_style_class_set_label (&style.classes[0], NULL);
  g_assert_cmpstr (style.classes[0].label, ==, "");
  g_assert_no_error (error);
}

/* Points with 18 kinds (k00 the most frequent, k17 the rarest) and a number, both missing on
 * the last two. */
static QrtLayer *
make_many_kinds (void)
{
  g_autoptr(QrtLayerBuilder) builder = qrt_layer_builder_new ("many", QRT_GEOMETRY_POINT, 25832);
  guint kind = qrt_layer_builder_add_field (builder, "kind", QRT_FIELD_STRING);
  guint number = qrt_layer_builder_add_field (builder, "number", QRT_FIELD_REAL);
  guint f = 0;

  for (guint k = 0; k < 20; k++)
    for (guint copies = 0; copies < (k < 18 ? 18 - k : 1); copies++, f++)
      {
        qrt_layer_builder_begin_feature (builder);
        qrt_layer_builder_begin_part (builder);
        qrt_layer_builder_add_point (builder, 400000 + f, 5700000);
        if (k < 18)
          {
            g_autofree char *name = g_strdup_printf ("k%02u", k);

            qrt_layer_builder_set_string (builder, kind, name);
            qrt_layer_builder_set_real (builder, number, f);
          }
        qrt_layer_builder_end_feature (builder);
      }
  return qrt_layer_builder_finish (g_steal_pointer (&builder), NULL);
}

/* Features that no class takes get a row of their own in the legend. */
static void
test_others (void)
{
  g_autoptr(QrtLayer) many = make_many_kinds ();
  g_autoptr(QrtLayer) squares = make_squares ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *words = NULL;
  QrtStyle style, back;
  QrtLegendEntry entry = { "Punkte", QRT_GEOMETRY_POINT, &style };
  int kind = qrt_layer_find_field (many, "kind");
  double with_others;

  /* Eighteen values and two without one: sixteen classes and a row for the rest. */
  qrt_style_init_default (&style, QRT_GEOMETRY_POINT, 0);
  g_assert_true (qrt_style_make_categorized (&style, many, "kind", &error));
  g_assert_cmpuint (style.n_classes, ==, QRT_STYLE_MAX_CLASSES);
  g_assert_true (style.others);
  g_assert_cmpstr (style.classes[15].value, ==, "k15");
  g_assert_cmpint (qrt_style_class_of (&style, many, kind,
                                       qrt_layer_get_n_features (many) - 3), ==, -1);
  g_assert_cmpuint (qrt_legend_entry_rows (&entry), ==, 1 + 16 + 1);
  words = qrt_legend_describe (&entry, 1);
  g_assert_true (g_str_has_suffix (words, "k15, Other values"));
  g_clear_pointer (&words, g_free);
  with_others = legend_height (&style);

  /* Not saved, but found again in the data, as a project does when opened. */
  json = qrt_style_to_json (&style);
  qrt_style_init_default (&back, QRT_GEOMETRY_POINT, 0);
  g_assert_true (qrt_style_from_json (&back, json, &error));
  g_assert_false (back.others);
  g_assert_cmpfloat (legend_height (&back), <, with_others);
  g_assert_true (qrt_style_has_others (&back, many));
  /* A layer without the attribute has no feature in any class. */
  g_assert_true (qrt_style_has_others (&back, squares));

  /* Numbers: what has none falls outside the classes. */
  g_assert_true (qrt_style_make_graduated (&style, many, "number", QRT_CLASSIFY_QUANTILE, 4,
                                           NULL, QRT_RAMP_SEQUENTIAL, &error));
  g_assert_true (style.others);
  words = qrt_legend_describe (&entry, 1);
  g_assert_true (g_str_has_suffix (words, ", No value"));
  g_clear_pointer (&words, g_free);

  /* Every feature in a class: no such row, and none after a single symbol either. */
  g_assert_true (qrt_style_make_categorized (&style, squares, "use", &error));
  g_assert_false (style.others);
  g_assert_true (qrt_style_make_graduated (&style, squares, "density", QRT_CLASSIFY_JENKS, 2,
                                           NULL, QRT_RAMP_SEQUENTIAL, &error));
  g_assert_false (style.others);
  g_assert_cmpuint (qrt_legend_entry_rows (&entry), ==, 1 + 2);
  g_assert_false (qrt_style_has_others (&style, squares));
  g_assert_true (qrt_style_has_others (&style, many));
  g_assert_true (qrt_style_from_json (&back, "{\"mode\":\"single\"}", &error));
  g_assert_false (back.others);
  g_assert_no_error (error);
}

/* The legend of one layer titled @title on white; the first class row's swatch (the middle
 * of it: 10 + 2 × 6 in, one row of 20 and 3 down from 10) and the ink of its text. */
static void
paint_class_row (const QrtStyle *style,
                 const char     *title,
                 guint          *swatch,
                 guint64        *ink)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 600, 100);
  cairo_t *cr = cairo_create (surface);
  QrtLegendEntry entry = { title, QRT_GEOMETRY_POLYGON, style };
  const guint8 *data;
  int stride;
  double width, height;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  qrt_legend_paint (cr, &entry, 1, 1.0, FALSE, &width, &height);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  *swatch = data[(10 + 20 + 3 + 7) * stride + (10 + 2 * 6 + 7) * 4];
  *ink = 0;
  for (int y = 10 + 20; y < 10 + 40; y++)
    for (int x = 10 + 2 * 6 + 14 + 6; x < 600; x++)
      *ink += 255 - data[y * stride + x * 4];
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* Every row is drawn once, the widest too: a half-transparent swatch painted twice comes out
 * twice as dark, and text drawn twice looks bold. */
static void
test_legend_once (void)
{
  QrtStyle style;
  guint swatch, swatch_narrow;
  guint64 ink, ink_narrow;

  qrt_style_init_default (&style, QRT_GEOMETRY_POLYGON, 0);
  style.mode = QRT_STYLE_CATEGORIZED;
  style.n_classes = 1;
  style.classes[0].colour = (QrtColor) { 0, 0, 0, 0.5 };
  g_strlcpy (style.classes[0].value, "wohnen", sizeof style.classes[0].value);
  qrt_style_class_set_label (&style.classes[0], "Wohnbauflächen, der längste Eintrag");

  /* The class row the widest, and then narrower than a long title. */
  paint_class_row (&style, "Flächen", &swatch, &ink);
  paint_class_row (&style, "Flächennutzung nach dem Flächennutzungsplan der Stadt, Stand 2026",
                   &swatch_narrow, &ink_narrow);
  g_assert_cmpuint (swatch, >=, 0x7c);
  g_assert_cmpuint (swatch, <=, 0x83);
  g_assert_cmpuint (swatch, ==, swatch_narrow);
  g_assert_cmpuint (ink, >, 1000);
  g_assert_cmpuint (ink, ==, ink_narrow);
}

static void
test_json_errors (void)
{
  QrtStyle style;
  g_autoptr(GError) error = NULL;

  qrt_style_init_default (&style, QRT_GEOMETRY_LINE, 0);
  g_assert_false (qrt_style_from_json (&style, "[1,2]", &error));
  g_clear_error (&error);
  g_assert_false (qrt_style_from_json (&style, "{\"mode\":\"rainbow\"}", &error));
  g_clear_error (&error);
  g_assert_false (qrt_style_from_json (&style, "{\"mode\":\"graduated\"}", &error));
  g_clear_error (&error);
  g_assert_true (qrt_style_from_json (&style, "{\"stroke-width\":1e9,\"fill\":\"#zz\"}", &error));
  g_assert_cmpfloat (style.stroke_width, ==, 50);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  qrt_core_init ();

  g_test_add_func ("/style/breaks", test_breaks);
  g_test_add_func ("/style/breaks-degenerate", test_breaks_degenerate);
  g_test_add_func ("/style/ramp", test_ramp);
  g_test_add_func ("/style/graduated", test_graduated);
  g_test_add_func ("/style/categorized", test_categorized);
  g_test_add_func ("/style/class-labels", test_class_labels);
  g_test_add_func ("/style/others", test_others);
  g_test_add_func ("/style/legend-once", test_legend_once);
  g_test_add_func ("/style/json-errors", test_json_errors);

  return g_test_run ();
}
