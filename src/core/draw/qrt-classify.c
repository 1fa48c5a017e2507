/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qrt-classify.h"

/* Jenks is quadratic in the number of values; above this it works on an even sample of the
 * sorted values, which moves breaks by less than the gap between neighbouring samples. */
#define JENKS_MAX_SAMPLE 1500

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
jenks (const double *sorted,
       guint         n,
       guint         k,
       double       *upper)
{
  g_autofree double *sum = g_new0 (double, n + 1);
  g_autofree double *sum2 = g_new0 (double, n + 1);
  g_autofree double *cost = g_new (double, (gsize) (k + 1) * (n + 1));
  g_autofree guint *cut = g_new0 (guint, (gsize) (k + 1) * (n + 1));
  guint end;

#define COST(c, i) cost[(gsize) (c) * (n + 1) + (i)]
#define CUT(c, i) cut[(gsize) (c) * (n + 1) + (i)]

  for (guint i = 0; i < n; i++)
    {
      sum[i + 1] = sum[i] + sorted[i];
      sum2[i + 1] = sum2[i] + sorted[i] * sorted[i];
    }

  /* COST(c, i): least within-class sum of squares of the first i values in c classes. */
  for (guint i = 0; i <= n; i++)
    COST (1, i) = i == 0 ? 0 : sum2[i] - sum[i] * sum[i] / i;
  for (guint c = 2; c <= k; c++)
    for (guint i = c; i <= n; i++)
      {
        double best = INFINITY;
        guint best_j = c - 1;

        for (guint j = c - 1; j < i; j++)
          {
            double s = sum[i] - sum[j], s2 = sum2[i] - sum2[j];
            double total = COST (c - 1, j) + s2 - s * s / (i - j);

            if (total < best)
              {
                best = total;
                best_j = j;
              }
          }
        COST (c, i) = best;
        CUT (c, i) = best_j;
      }

  end = n;
  for (guint c = k; c >= 1; c--)
    {
      upper[c - 1] = sorted[end - 1];
      end = c > 1 ? CUT (c, end) : 0;
    }

#undef COST
#undef CUT
}

/**
 * qrt_classify_breaks:
 * @values: (array length=n_values): finite values, any order
 * @n_classes: classes wanted, 1 to %QRT_STYLE_MAX_CLASSES
 * @upper_bounds: (inout) (array): for %QRT_CLASSIFY_MANUAL the bounds given by the user; out:
 *   the upper bound of each class, ascending, the last one the maximum
 *
 * Returns: the number of classes made; fewer than asked when values repeat.
 */
guint
qrt_classify_breaks (const double      *values,
                     guint              n_values,
                     QrtClassifyMethod  method,
                     guint              n_classes,
                     double            *upper_bounds)
{
  g_autofree double *sorted = NULL;
  guint k = CLAMP (n_classes, 1, QRT_STYLE_MAX_CLASSES);
  guint made = 0;
  double min, max;

  g_return_val_if_fail (upper_bounds != NULL, 0);
  if (n_values == 0)
    return 0;

  sorted = g_memdup2 (values, n_values * sizeof (double));
  qsort (sorted, n_values, sizeof (double), compare_double);
  min = sorted[0];
  max = sorted[n_values - 1];
  k = MIN (k, n_values);

  switch (method)
    {
    case QRT_CLASSIFY_QUANTILE:
      for (guint i = 0; i < k; i++)
        upper_bounds[i] = sorted[MAX (1, (guint) ceil ((double) (i + 1) * n_values / k)) - 1];
      break;

    case QRT_CLASSIFY_EQUAL_INTERVAL:
      for (guint i = 0; i < k; i++)
        upper_bounds[i] = min + (max - min) * (i + 1) / k;
      break;

    case QRT_CLASSIFY_JENKS:
      if (n_values > JENKS_MAX_SAMPLE)
        {
          g_autofree double *sample = g_new (double, JENKS_MAX_SAMPLE);

          for (guint i = 0; i < JENKS_MAX_SAMPLE; i++)
            sample[i] = sorted[(gsize) i * (n_values - 1) / (JENKS_MAX_SAMPLE - 1)];
          jenks (sample, JENKS_MAX_SAMPLE, k, upper_bounds);
        }
      else
        jenks (sorted, n_values, k, upper_bounds);
      break;

    case QRT_CLASSIFY_MANUAL:
      qsort (upper_bounds, k, sizeof (double), compare_double);
      break;

    default:
      g_return_val_if_reached (0);
    }

  /* The last class always reaches the maximum; equal bounds collapse into one class. */
  upper_bounds[k - 1] = MAX (upper_bounds[k - 1], max);
  for (guint i = 0; i < k; i++)
    if (made == 0 || upper_bounds[i] > upper_bounds[made - 1])
      upper_bounds[made++] = upper_bounds[i];
  return made;
}

/* viridis, and ColorBrewer PuOr: both readable with the common colour-vision deficiencies. */
static const char * const sequential[] = {
  "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30",
  "#fde725",
};
static const char * const diverging[] = {
  "#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7", "#d8daeb", "#b2abd2", "#8073ac",
  "#542788",
};
/* Okabe–Ito, then Paul Tol's muted scheme: distinguishable categories. */
static const char * const qualitative[QRT_STYLE_MAX_CLASSES] = {
  "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999",
  "#cc6677", "#332288", "#ddcc77", "#117733", "#88ccee", "#882255", "#44aa99", "#999933",
};

/**
 * qrt_ramp_colour:
 * @t: position on the ramp, 0 to 1
 */
void
qrt_ramp_colour (QrtRamp   ramp,
                 double    t,
                 QrtColor *colour)
{
  const char * const *stops = ramp == QRT_RAMP_DIVERGING ? diverging : sequential;
  guint n = 9;
  double pos = CLAMP (t, 0, 1) * (n - 1);
  guint i = MIN ((guint) floor (pos), n - 2);
  double f = pos - i;
  QrtColor a, b;

  qrt_color_parse (&a, stops[i]);
  qrt_color_parse (&b, stops[i + 1]);
  colour->red = a.red + (b.red - a.red) * f;
  colour->green = a.green + (b.green - a.green) * f;
  colour->blue = a.blue + (b.blue - a.blue) * f;
  colour->alpha = 1;
}

static int
require_field (QrtLayer    *layer,
               const char  *field,
               gboolean     numeric,
               GError     **error)
{
  int index = qrt_layer_find_field (layer, field);

  if (index < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Layer “%s” has no attribute “%s”."), qrt_layer_get_name (layer), field);
      return -1;
    }
  if (numeric && qrt_layer_get_field_type (layer, index) == QRT_FIELD_STRING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Attribute “%s” of layer “%s” holds text, not numbers."), field,
                   qrt_layer_get_name (layer));
      return -1;
    }
  return index;
}

static void
set_classed_colour (QrtStyle       *style,
                    QrtLayer       *layer,
                    QrtStyleClass  *klass,
                    const QrtColor *colour)
{
  klass->colour = *colour;
  /* Areas keep their translucency so the map below stays readable. */
  if (qrt_layer_get_geometry_kind (layer) == QRT_GEOMETRY_POLYGON)
    klass->colour.alpha = MAX (style->fill.alpha, 0.75);
}

/* Whether graduated class @i of @a holds the same values as class @j of @b: the same bounds,
 * and the first or last in both (the last also takes all larger values). */
static gboolean
same_range (const QrtStyle *a,
            guint           i,
            const QrtStyle *b,
            guint           j)
{
  if (a->classes[i].upper != b->classes[j].upper || (i == 0) != (j == 0) ||
      (i + 1 == a->n_classes) != (j + 1 == b->n_classes))
    return FALSE;
  return i == 0 || a->classes[i - 1].upper == b->classes[j - 1].upper;
}

/**
 * qrt_style_keep_labels:
 * @before: the style as it was before its classes were made again
 *
 * Gives each class of @style the label of the class of @before with the same value
 * (categorized) or the same bounds (graduated) of the same attribute: classing again,
 * after the values changed, must not lose the names a planner gave the classes.
 */
void
qrt_style_keep_labels (QrtStyle       *style,
                       const QrtStyle *before)
{
  g_return_if_fail (style != NULL && before != NULL);

  if (before->mode != style->mode || !g_str_equal (before->field, style->field))
    return;
  for (guint i = 0; i < style->n_classes; i++)
    for (guint j = 0; j < before->n_classes; j++)
      if (style->mode == QRT_STYLE_GRADUATED
            ? same_range (style, i, before, j)
            : g_str_equal (before->classes[j].value, style->classes[i].value))
        {
          memcpy (style->classes[i].label, before->classes[j].label,
                  sizeof style->classes[i].label);
          break;
        }
}

/**
 * qrt_style_make_graduated:
 * @manual_bounds: (nullable) (array): upper bounds for %QRT_CLASSIFY_MANUAL
 *
 * Classes @layer's numeric attribute @field into @n_classes coloured along @ramp.
 *
 * Returns: %FALSE with @error set if the attribute is missing, not numeric or has no values.
 */
gboolean
qrt_style_make_graduated (QrtStyle           *style,
                          QrtLayer           *layer,
                          const char         *field,
                          QrtClassifyMethod   method,
                          guint               n_classes,
                          const double       *manual_bounds,
                          QrtRamp             ramp,
                          GError            **error)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree QrtStyle *before = NULL;
  double bounds[QRT_STYLE_MAX_CLASSES];
  guint made;
  int index;

  g_return_val_if_fail (style != NULL && QRT_IS_LAYER (layer) && field != NULL, FALSE);
  g_return_val_if_fail (method != QRT_CLASSIFY_MANUAL || manual_bounds != NULL, FALSE);

  if ((index = require_field (layer, field, TRUE, error)) < 0)
    return FALSE;

  for (guint f = 0; f < qrt_layer_get_n_features (layer); f++)
    {
      double v = qrt_layer_get_real (layer, index, f);

      if (isfinite (v))
        g_array_append_val (values, v);
    }
  if (values->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Attribute “%s” of layer “%s” has no values to class."), field,
                   qrt_layer_get_name (layer));
      return FALSE;
    }

  n_classes = CLAMP (n_classes, 1, QRT_STYLE_MAX_CLASSES);
  if (method == QRT_CLASSIFY_MANUAL)
    memcpy (bounds, manual_bounds, n_classes * sizeof (double));
  made = qrt_classify_breaks ((const double *) values->data, values->len, method, n_classes,
                              bounds);

  before = g_memdup2 (style, sizeof *style);
  style->mode = QRT_STYLE_GRADUATED;
  g_strlcpy (style->field, field, sizeof style->field);
  style->n_classes = made;
  for (guint i = 0; i < made; i++)
    {
      QrtColor colour;

      memset (&style->classes[i], 0, sizeof style->classes[i]);
      qrt_ramp_colour (ramp, made > 1 ? (double) i / (made - 1) : 0.5, &colour);
      set_classed_colour (style, layer, &style->classes[i], &colour);
      style->classes[i].upper = bounds[i];
    }
  style->others = qrt_style_has_others (style, layer);
  qrt_style_keep_labels (style, before);
  return TRUE;
}

static char *
value_text (QrtLayer *layer,
            int       field,
            guint     feature)
{
  if (qrt_layer_is_null (layer, field, feature))
    return NULL;
  switch (qrt_layer_get_field_type (layer, field))
    {
    case QRT_FIELD_INTEGER:
      return g_strdup_printf ("%" G_GINT64_FORMAT, qrt_layer_get_int (layer, field, feature));
    case QRT_FIELD_REAL:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buf, sizeof buf, qrt_layer_get_real (layer, field,
                                                                                 feature)));
      }
    case QRT_FIELD_STRING:
    default:
      return g_strdup (qrt_layer_get_string (layer, field, feature));
    }
}

typedef struct
{
  const char *value;
  guint       count;
} Category;

static int
compare_categories (gconstpointer a,
                    gconstpointer b)
{
  const Category *ca = a, *cb = b;

  if (ca->count != cb->count)
    return ca->count < cb->count ? 1 : -1;
  return g_strcmp0 (ca->value, cb->value);
}

static int
compare_by_value (gconstpointer a,
                  gconstpointer b)
{
  return g_utf8_collate (((const Category *) a)->value, ((const Category *) b)->value);
}

/**
 * qrt_style_make_categorized:
 *
 * One colour per value of @field: the %QRT_STYLE_MAX_CLASSES most frequent values, sorted by
 * value; features with other values keep the style's own colour.
 *
 * Returns: %FALSE with @error set if @layer has no attribute @field.
 */
gboolean
qrt_style_make_categorized (QrtStyle    *style,
                            QrtLayer    *layer,
                            const char  *field,
                            GError     **error)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) categories = g_array_new (FALSE, FALSE, sizeof (Category));
  g_autofree QrtStyle *before = NULL;
  GHashTableIter iter;
  gpointer key, value;
  int index;

  g_return_val_if_fail (style != NULL && QRT_IS_LAYER (layer) && field != NULL, FALSE);

  if ((index = require_field (layer, field, FALSE, error)) < 0)
    return FALSE;

  for (guint f = 0; f < qrt_layer_get_n_features (layer); f++)
    {
      char *text = value_text (layer, index, f);
      guint count;

      if (text == NULL)
        continue;
      count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, text));
      g_hash_table_replace (counts, text, GUINT_TO_POINTER (count + 1));
    }

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Category c = { key, GPOINTER_TO_UINT (value) };

      /* A value longer than a class keeps would make a class that matches nothing. */
      if (strlen (key) < QRT_STYLE_MAX_TEXT)
        g_array_append_val (categories, c);
    }
  g_array_sort (categories, compare_categories);
  g_array_set_size (categories, MIN (categories->len, QRT_STYLE_MAX_CLASSES));
  g_array_sort (categories, compare_by_value);

  before = g_memdup2 (style, sizeof *style);
  style->mode = QRT_STYLE_CATEGORIZED;
  g_strlcpy (style->field, field, sizeof style->field);
  style->n_classes = categories->len;
  for (guint i = 0; i < categories->len; i++)
    {
      QrtColor colour;

      memset (&style->classes[i], 0, sizeof style->classes[i]);
      qrt_color_parse (&colour, qualitative[i]);
      set_classed_colour (style, layer, &style->classes[i], &colour);
      g_strlcpy (style->classes[i].value, g_array_index (categories, Category, i).value,
                 sizeof style->classes[i].value);
    }
  /* Features without a value, with one too long, or with one of the rarer values beyond the
   * classes, keep the style's own colour. */
  style->others = qrt_style_has_others (style, layer);
  qrt_style_keep_labels (style, before);
  return TRUE;
}

/**
 * qrt_style_has_others:
 *
 * Returns: whether some feature of @layer falls in no class of @style (what the style's
 *   `others` says after classing; the data may have changed since)
 */
gboolean
qrt_style_has_others (const QrtStyle *style,
                      QrtLayer       *layer)
{
  int field;

  g_return_val_if_fail (style != NULL && QRT_IS_LAYER (layer), FALSE);

  if (style->mode == QRT_STYLE_SINGLE || style->n_classes == 0)
    return FALSE;
  field = qrt_layer_find_field (layer, style->field);
  for (guint f = 0; f < qrt_layer_get_n_features (layer); f++)
    if (qrt_style_class_of (style, layer, field, f) < 0)
      return TRUE;
  return FALSE;
}

/**
 * qrt_style_class_of:
 * @field_index: the index of the style's field in @layer (from qrt_layer_find_field())
 *
 * Returns: the class of @feature, or -1 for none (NULL, not a number, another category).
 */
int
qrt_style_class_of (const QrtStyle *style,
                    QrtLayer       *layer,
                    int             field_index,
                    guint           feature)
{
  if (field_index < 0 || style->n_classes == 0)
    return -1;

  if (style->mode == QRT_STYLE_GRADUATED)
    {
      double v = qrt_layer_get_real (layer, field_index, feature);

      if (!isfinite (v))
        return -1;
      for (guint i = 0; i < style->n_classes; i++)
        if (v <= style->classes[i].upper)
          return (int) i;
      return (int) style->n_classes - 1;
    }

  if (style->mode == QRT_STYLE_CATEGORIZED)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      const char *text;

      /* Called for every drawn feature: no allocation on the way. */
      if (qrt_layer_is_null (layer, field_index, feature))
        return -1;
      switch (qrt_layer_get_field_type (layer, field_index))
        {
        case QRT_FIELD_INTEGER:
          g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT,
                      qrt_layer_get_int (layer, field_index, feature));
          text = buf;
          break;
        case QRT_FIELD_REAL:
          text = g_ascii_dtostr (buf, sizeof buf, qrt_layer_get_real (layer, field_index, feature));
          break;
        case QRT_FIELD_STRING:
        default:
          text = qrt_layer_get_string (layer, field_index, feature);
          break;
        }
      for (guint i = 0; i < style->n_classes; i++)
        if (g_str_equal (style->classes[i].value, text))
          return (int) i;
    }
  return -1;
}
