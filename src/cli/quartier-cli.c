/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qrt-core.h"
#include "quartier-cli.h"

/*
 * quartier-cli: the core from a terminal. Every command prints one translated line on stderr
 * and exits with 1 when something is wrong with its input; it never touches an input file.
 */

/* One line on stderr, the way every command reports a problem. */
void
cli_complain (const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("quartier-cli: %s\n", message);
}

int
cli_fail (const GError *error)
{
  cli_complain ("%s", error->message);
  return 1;
}

int
cli_fail_usage (GOptionContext *context,
                const char     *message)
{
  cli_complain ("%s", message);
  g_printerr (_("Run “%s --help” for usage."), g_get_prgname ());
  g_printerr ("\n");
  (void) context;
  return 2;
}

static gboolean
parse_size (const char *text,
            int        *width,
            int        *height)
{
  g_auto(GStrv) parts = NULL;
  gint64 w, h;

  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, "x", 2);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_signed (parts[0], 10, 1, 16384, &w, NULL) ||
      !g_ascii_string_to_signed (parts[1], 10, 1, 16384, &h, NULL))
    return FALSE;
  *width = (int) w;
  *height = (int) h;
  return TRUE;
}

/* The project CRS box as Web Mercator, following its edges (a straight edge in UTM is not one
 * in Mercator, so corners alone would clip the requested area). */
static gboolean
bbox_to_mercator (const QrtBBox  *box,
                  int             epsg,
                  QrtBBox        *out,
                  GError        **error)
{
  OGRSpatialReferenceH src = OSRNewSpatialReference (NULL);
  OGRSpatialReferenceH dst = OSRNewSpatialReference (NULL);
  OGRCoordinateTransformationH ct = NULL;
  gboolean ok = FALSE;
  const int steps = 16;

  OSRSetAxisMappingStrategy (src, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy (dst, OAMS_TRADITIONAL_GIS_ORDER);
  if (OSRImportFromEPSG (src, epsg) == OGRERR_NONE && OSRImportFromEPSG (dst, 3857) == OGRERR_NONE)
    ct = OCTNewCoordinateTransformation (src, dst);

  qrt_bbox_init_empty (out);
  if (ct != NULL)
    {
      ok = TRUE;
      for (int i = 0; i <= steps && ok; i++)
        {
          double t = (double) i / steps;
          double xs[4] = { box->min_x + t * (box->max_x - box->min_x),
                           box->min_x + t * (box->max_x - box->min_x), box->min_x, box->max_x };
          double ys[4] = { box->min_y, box->max_y,
                           box->min_y + t * (box->max_y - box->min_y),
                           box->min_y + t * (box->max_y - box->min_y) };

          ok = OCTTransform (ct, 4, xs, ys, NULL);
          for (int k = 0; ok && k < 4; k++)
            qrt_bbox_extend (out, xs[k], ys[k]);
        }
    }

  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _("The box lies outside the area the project’s coordinate system EPSG:%d covers."),
                 epsg);
  if (ct)
    OCTDestroyCoordinateTransformation (ct);
  OSRDestroySpatialReference (src);
  OSRDestroySpatialReference (dst);
  return ok;
}

static gboolean
write_png_atomically (cairo_surface_t  *surface,
                      const char       *path,
                      GError          **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmp = g_build_filename (dir, tmpl, NULL);
  cairo_status_t status;
  int fd;

  fd = g_mkstemp (tmp);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Cannot write “%s”: %s"), path, g_strerror (errno));
      return FALSE;
    }
  close (fd);

  status = cairo_surface_write_to_png (surface, tmp);
  if (status != CAIRO_STATUS_SUCCESS || g_rename (tmp, path) != 0)
    {
      g_unlink (tmp);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string (status)
                                                  : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* The legend in the bottom-right corner, top layer first as a reader expects. */
static void
paint_legend (cairo_t    *cr,
              QrtProject *project,
              double      width,
              double      height,
              double      scale)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (project));
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree QrtLegendEntry *entries = g_new0 (QrtLegendEntry, MAX (1, n));
  double w, h, margin = 12 * scale;

  for (guint i = 0; i < n; i++)
    {
      QrtProjectLayer *item = g_list_model_get_item (G_LIST_MODEL (project), n - 1 - i);

      g_ptr_array_add (items, item);
      entries[i].title = qrt_project_layer_get_title (item);
      entries[i].kind = qrt_layer_get_geometry_kind (qrt_project_layer_get_layer (item));
      entries[i].style = qrt_project_layer_get_style (item);
    }

  qrt_legend_paint (cr, entries, n, scale, TRUE, &w, &h);
  cairo_save (cr);
  cairo_translate (cr, width - w - margin, height - h - margin);
  qrt_legend_paint (cr, entries, n, scale, FALSE, &w, &h);
  cairo_restore (cr);
}

static int
command_render (int    argc,
                char **argv)
{
  g_autofree char *out = NULL;
  g_autofree char *size = NULL;
  g_autofree char *bbox_text = NULL;
  double scale = 1.0;
  gboolean legend = FALSE;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("PNG file to write"), N_("FILE") },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, N_("Image size in pixels (default 1600x1000)"),
      N_("WIDTHxHEIGHT") },
    { "bbox", 'b', 0, G_OPTION_ARG_STRING, &bbox_text,
      N_("Area to show, in the project’s coordinate system (default: whole project)"),
      N_("MINX,MINY,MAXX,MAXY") },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale,
      N_("Device pixels per point: 2 draws lines as on a HiDPI screen"), N_("FACTOR") },
    { "legend", 0, 0, G_OPTION_ARG_NONE, &legend, N_("Draw a legend of the visible layers"),
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("PROJECT.gpkg — draw the project’s map"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(QrtTileRender) renderer = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  QrtBBox wanted, view;
  int width = 1600, height = 1000;
  gboolean ok;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name exactly one project file."));
  if (out == NULL)
    return cli_fail_usage (context, _("Say where to write the picture with --out FILE.png."));
  if (size != NULL && !parse_size (size, &width, &height))
    return cli_fail_usage (context, _("--size takes WIDTHxHEIGHT, for example 1600x1000."));
  if (!(scale >= 0.25 && scale <= 8))
    return cli_fail_usage (context, _("--scale takes a factor between 0.25 and 8."));

  project = qrt_project_open (argv[1], NULL, &error);
  if (project == NULL)
    return cli_fail (error);

  if (bbox_text != NULL)
    {
      QrtBBox box;

      if (!qrt_bbox_parse (bbox_text, &box))
        return cli_fail_usage (context, _("--bbox takes four numbers MINX,MINY,MAXX,MAXY with MIN < MAX."));
      if (!bbox_to_mercator (&box, qrt_project_get_epsg (project), &wanted, &error))
        return cli_fail (error);
    }
  else
    qrt_project_get_extent (project, QRT_COORDS_MERCATOR, &wanted);

  qrt_fit_view (&wanted, width, height, &view);
  renderer = qrt_project_create_renderer (project);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) (width * scale),
                                        (int) (height * scale));
  qrt_tile_render_paint_image (renderer, surface, &view, (int) (width * scale),
                               (int) (height * scale), scale, 0, NULL);
  if (legend)
    {
      cr = cairo_create (surface);
      paint_legend (cr, project, width * scale, height * scale, scale);
      cairo_destroy (cr);
    }

  ok = write_png_atomically (surface, out, &error);
  cairo_surface_destroy (surface);
  if (!ok)
    return cli_fail (error);

  g_print ("%s\n", out);
  return 0;
}

void
cli_print_progress (double   fraction,
                    gpointer user_data)
{
  if (isatty (fileno (stderr)))
    g_printerr ("\r%3d %%", (int) lround (fraction * 100));
}

static int
command_demo (int    argc,
              char **argv)
{
  g_autofree char *out = NULL;
  gint64 seed = QRT_DEMO_DEFAULT_SEED;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("GeoPackage file to write"), N_("FILE") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the generator (same seed, same town)"),
      N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("— write the synthetic demo municipality “Musterstadt”"));
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 1)
    return cli_fail_usage (context, _("The demo command takes no file argument; use --out."));
  if (out == NULL)
    return cli_fail_usage (context, _("Say where to write the demo with --out FILE.gpkg."));
  if (seed < 0)
    return cli_fail_usage (context, _("--seed takes a number of 0 or more."));

  if (!qrt_demo_write (out, (guint64) seed, cli_print_progress, NULL, NULL, &error))
    {
      if (isatty (fileno (stderr)))
        g_printerr ("\n");
      return cli_fail (error);
    }
  if (isatty (fileno (stderr)))
    g_printerr ("\r");
  g_print ("%s\n", out);
  return 0;
}

static int
command_import (int    argc,
                char **argv)
{
  g_autofree char *into = NULL;
  g_autofree char *layer = NULL;
  g_autofree char *name = NULL;
  g_autofree char *src_crs = NULL;
  g_autofree char *licence = NULL;
  g_autofree char *attribution = NULL;
  GOptionEntry entries[] = {
    { "into", 'i', 0, G_OPTION_ARG_FILENAME, &into,
      N_("Project GeoPackage to import into (created if missing)"), N_("PROJECT.gpkg") },
    { "layer", 'l', 0, G_OPTION_ARG_STRING, &layer, N_("Layer of the source to take"),
      N_("NAME") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Name of the new layer in the project"),
      N_("NAME") },
    { "src-crs", 0, 0, G_OPTION_ARG_STRING, &src_crs,
      N_("Coordinate system of the source, if it does not say or says wrong"), N_("EPSG:N") },
    { "licence", 0, 0, G_OPTION_ARG_STRING, &licence, N_("Licence of the data, e.g. dl-de/by-2-0"),
      N_("LICENCE") },
    { "attribution", 0, 0, G_OPTION_ARG_STRING, &attribution,
      N_("Attribution text the licence requires"), N_("TEXT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("SOURCE — copy a vector file’s layer into a project"));
  g_autoptr(GError) error = NULL;
  QrtImportOptions options = { 0 };
  QrtImportResult result;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name exactly one source file."));
  if (into == NULL)
    return cli_fail_usage (context, _("Say which project to import into with --into PROJECT.gpkg."));
  if (src_crs != NULL)
    {
      const char *code = g_str_has_prefix (src_crs, "EPSG:") ? src_crs + 5 : src_crs;
      gint64 epsg;

      if (!g_ascii_string_to_signed (code, 10, 1, G_MAXINT, &epsg, NULL))
        return cli_fail_usage (context, _("--src-crs takes an EPSG code, for example EPSG:25832."));
      options.source_epsg = (int) epsg;
    }
  options.layer = layer;
  options.target_name = name;
  options.licence = licence;
  options.attribution = attribution;

  if (!qrt_import_file (argv[1], into, &options, cli_print_progress, NULL, NULL, &result, &error))
    {
      if (isatty (fileno (stderr)))
        g_printerr ("\n");
      return cli_fail (error);
    }
  if (isatty (fileno (stderr)))
    g_printerr ("\r");

  /* %lld with a cast: xgettext cannot read G_GINT64_FORMAT in a message. */
  g_print (g_dngettext (GETTEXT_PACKAGE, "%s: %lld feature imported", "%s: %lld features imported",
                        (gulong) result.feature_count),
           result.layer_name, (long long) result.feature_count);
  g_print ("\n");
  if (result.repaired_count > 0)
    {
      g_print (g_dngettext (GETTEXT_PACKAGE, "%lld invalid geometry repaired",
                            "%lld invalid geometries repaired", (gulong) result.repaired_count),
               (long long) result.repaired_count);
      g_print ("\n");
    }
  if (result.empty_count + result.unusable_count > 0)
    {
      gint64 skipped = result.empty_count + result.unusable_count;

      g_print (g_dngettext (GETTEXT_PACKAGE, "%lld feature skipped (empty or unusable geometry)",
                            "%lld features skipped (empty or unusable geometry)", (gulong) skipped),
               (long long) skipped);
      g_print ("\n");
    }
  if (result.recoded_count > 0)
    {
      g_print (g_dngettext (GETTEXT_PACKAGE,
                            "%lld text value was not UTF-8 and was read as Windows-1252",
                            "%lld text values were not UTF-8 and were read as Windows-1252",
                            (gulong) result.recoded_count),
               (long long) result.recoded_count);
      g_print ("\n");
    }
  qrt_import_result_clear (&result);
  return 0;
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GError **error = user_data;

  qrt_project_save_finish (QRT_PROJECT (object), result, error);
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "");   /* "done" marker */
}

static gboolean
parse_breaks (const char *text,
              double     *bounds,
              guint      *n)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  *n = g_strv_length (parts);
  if (*n == 0 || *n > QRT_STYLE_MAX_CLASSES)
    return FALSE;
  for (guint i = 0; i < *n; i++)
    {
      char *end;

      bounds[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (bounds[i]))
        return FALSE;
    }
  return TRUE;
}

/* The class @key names: a categorized class by its value, a graduated one by its number. */
static int
find_class (const QrtStyle *style,
            const char     *key)
{
  guint64 number;

  if (style->mode == QRT_STYLE_CATEGORIZED)
    {
      for (guint i = 0; i < style->n_classes; i++)
        if (g_str_equal (style->classes[i].value, key))
          return (int) i;
    }
  else if (style->mode == QRT_STYLE_GRADUATED &&
           g_ascii_string_to_unsigned (key, 10, 1, style->n_classes, &number, NULL))
    return (int) number - 1;
  return -1;
}

/* --class-label (@colours FALSE) or --class-colour settings, CLASS=VALUE each: 0, or the
 * exit status of the first that cannot be applied. */
static int
set_classes (QrtStyle       *style,
             char          **settings,
             gboolean        colours,
             const char     *layer_name,
             GOptionContext *context)
{
  for (guint i = 0; settings != NULL && settings[i] != NULL; i++)
    {
      const char *equals = strchr (settings[i], '=');
      g_autofree char *key = NULL;
      int klass;

      if (equals == NULL)
        return cli_fail_usage (context, colours ? _("--class-colour takes CLASS=#RRGGBB[AA].")
                                                : _("--class-label takes CLASS=TEXT."));
      key = g_strndup (settings[i], (gsize) (equals - settings[i]));
      if ((klass = find_class (style, key)) < 0)
        {
          cli_complain (_("Layer “%s” has no class “%s”."), layer_name, key);
          return 1;
        }
      if (!colours)
        qrt_style_class_set_label (&style->classes[klass], equals + 1);
      else if (!qrt_color_parse (&style->classes[klass].colour, equals + 1))
        return cli_fail_usage (context, _("Colours are written #RRGGBB or #RRGGBBAA."));
    }
  return 0;
}

static int
command_style (int    argc,
               char **argv)
{
  g_autofree char *layer_name = NULL;
  g_autofree char *categorized = NULL;
  g_autofree char *graduated = NULL;
  g_autofree char *method = NULL;
  g_autofree char *breaks = NULL;
  g_autofree char *ramp = NULL;
  g_autofree char *label = NULL;
  g_autofree char *fill = NULL;
  g_autofree char *stroke = NULL;
  g_auto(GStrv) class_labels = NULL;
  g_auto(GStrv) class_colours = NULL;
  int status;
  gboolean single = FALSE, hide = FALSE, show = FALSE;
  double opacity = -1;
  int classes = 5;
  GOptionEntry entries[] = {
    { "layer", 'l', 0, G_OPTION_ARG_STRING, &layer_name, N_("Layer to style"), N_("NAME") },
    { "single", 0, 0, G_OPTION_ARG_NONE, &single, N_("One symbol for all features"), NULL },
    { "categorized", 0, 0, G_OPTION_ARG_STRING, &categorized, N_("One colour per value of FIELD"),
      N_("FIELD") },
    { "graduated", 0, 0, G_OPTION_ARG_STRING, &graduated,
      N_("Colours by classes of the numeric FIELD"), N_("FIELD") },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method,
      N_("Classes by quantile, equal (intervals), jenks (natural breaks) or manual"),
      N_("METHOD") },
    { "classes", 0, 0, G_OPTION_ARG_INT, &classes, N_("Number of classes"), N_("N") },
    { "breaks", 0, 0, G_OPTION_ARG_STRING, &breaks, N_("Upper bounds for --method manual"),
      N_("A,B,…") },
    { "ramp", 0, 0, G_OPTION_ARG_STRING, &ramp, N_("Colour ramp: sequential or diverging"),
      N_("RAMP") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("Label features with FIELD (\"\" for none)"),
      N_("FIELD") },
    { "class-label", 0, 0, G_OPTION_ARG_STRING_ARRAY, &class_labels,
      N_("Name a class in the legend: its value, or its number from 1 for graduated classes "
         "(repeatable; an empty TEXT names it by its value again)"), N_("CLASS=TEXT") },
    { "class-colour", 0, 0, G_OPTION_ARG_STRING_ARRAY, &class_colours,
      N_("Colour a class, named as for --class-label (repeatable)"), N_("CLASS=#RRGGBB[AA]") },
    { "fill", 0, 0, G_OPTION_ARG_STRING, &fill, N_("Fill colour"), N_("#RRGGBB[AA]") },
    { "stroke", 0, 0, G_OPTION_ARG_STRING, &stroke, N_("Outline colour"), N_("#RRGGBB[AA]") },
    { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity, N_("Layer opacity, 0 to 1"), N_("X") },
    { "hide", 0, 0, G_OPTION_ARG_NONE, &hide, N_("Hide the layer"), NULL },
    { "show", 0, 0, G_OPTION_ARG_NONE, &show, N_("Show the layer"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("PROJECT.gpkg — change how a layer is drawn"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  QrtProjectLayer *item;
  QrtStyle style;
  QrtClassifyMethod how = QRT_CLASSIFY_QUANTILE;
  double bounds[QRT_STYLE_MAX_CLASSES];
  guint n_bounds = 0;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name exactly one project file."));
  if (layer_name == NULL)
    return cli_fail_usage (context, _("Say which layer to style with --layer NAME."));
  if ((single ? 1 : 0) + (categorized ? 1 : 0) + (graduated ? 1 : 0) > 1)
    return cli_fail_usage (context, _("Choose one of --single, --categorized and --graduated."));
  if (method != NULL)
    {
      if (g_str_equal (method, "quantile"))
        how = QRT_CLASSIFY_QUANTILE;
      else if (g_str_equal (method, "equal"))
        how = QRT_CLASSIFY_EQUAL_INTERVAL;
      else if (g_str_equal (method, "jenks"))
        how = QRT_CLASSIFY_JENKS;
      else if (g_str_equal (method, "manual"))
        how = QRT_CLASSIFY_MANUAL;
      else
        return cli_fail_usage (context, _("--method takes quantile, equal, jenks or manual."));
    }
  if (how == QRT_CLASSIFY_MANUAL && (breaks == NULL || !parse_breaks (breaks, bounds, &n_bounds)))
    return cli_fail_usage (context, _("--method manual needs --breaks with up to 16 numbers."));
  if (classes < 1 || classes > QRT_STYLE_MAX_CLASSES)
    return cli_fail_usage (context, _("--classes takes a number from 1 to 16."));
  if (ramp != NULL && !g_str_equal (ramp, "sequential") && !g_str_equal (ramp, "diverging"))
    return cli_fail_usage (context, _("--ramp takes sequential or diverging."));

  project = qrt_project_open (argv[1], NULL, &error);
  if (project == NULL)
    return cli_fail (error);
  item = qrt_project_find_layer (project, layer_name);
  if (item == NULL)
    {
      cli_complain (_("The project has no layer “%s”."), layer_name);
      return 1;
    }

  style = *qrt_project_layer_get_style (item);
  if ((fill != NULL && !qrt_color_parse (&style.fill, fill)) ||
      (stroke != NULL && !qrt_color_parse (&style.stroke, stroke)))
    return cli_fail_usage (context, _("Colours are written #RRGGBB or #RRGGBBAA."));
  if (single)
    {
      style.mode = QRT_STYLE_SINGLE;
      style.n_classes = 0;
    }
  if (categorized != NULL && !qrt_style_make_categorized (&style, qrt_project_layer_get_layer (item),
                                                          categorized, &error))
    return cli_fail (error);
  if (graduated != NULL &&
      !qrt_style_make_graduated (&style, qrt_project_layer_get_layer (item), graduated, how,
                                 how == QRT_CLASSIFY_MANUAL ? n_bounds : (guint) classes, bounds,
                                 ramp != NULL && g_str_equal (ramp, "diverging")
                                   ? QRT_RAMP_DIVERGING : QRT_RAMP_SEQUENTIAL,
                                 &error))
    return cli_fail (error);
  if (label != NULL)
    {
      if (*label != '\0' && qrt_layer_find_field (qrt_project_layer_get_layer (item), label) < 0)
        {
          cli_complain (_("Layer “%s” has no attribute “%s”."), layer_name, label);
          return 1;
        }
      g_strlcpy (style.label_field, label, sizeof style.label_field);
    }
  if ((status = set_classes (&style, class_labels, FALSE, layer_name, context)) != 0 ||
      (status = set_classes (&style, class_colours, TRUE, layer_name, context)) != 0)
    return status;
  if (opacity >= 0)
    style.opacity = CLAMP (opacity, 0, 1);
  if (hide || show)
    style.visible = show;
  qrt_project_layer_set_style (item, &style);

  qrt_project_save_async (project, NULL, saved_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    return cli_fail (error);
  return 0;
}

/* What `indicators` and `chart` both take to compute the indicators. */
typedef struct
{
  char *definitions;
  char *districts;
  char *id_field;
  char *name_field;
} IndicatorOptions;

static void
indicator_options_clear (IndicatorOptions *o)
{
  g_free (o->definitions);
  g_free (o->districts);
  g_free (o->id_field);
  g_free (o->name_field);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IndicatorOptions, indicator_options_clear)

static void
add_indicator_options (GOptionContext   *context,
                       IndicatorOptions *o)
{
  GOptionEntry entries[] = {
    { "definitions", 'd', 0, G_OPTION_ARG_FILENAME, &o->definitions,
      N_("Indicator definitions (JSON); Quartier’s default pack if not given"), N_("FILE.json") },
    { "districts", 0, 0, G_OPTION_ARG_STRING, &o->districts, N_("Layer with the districts"),
      N_("LAYER") },
    { "id-field", 0, 0, G_OPTION_ARG_STRING, &o->id_field,
      N_("District id attribute (fid for the GeoPackage feature id)"), N_("FIELD") },
    { "name-field", 0, 0, G_OPTION_ARG_STRING, &o->name_field, N_("District name attribute"),
      N_("FIELD") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

static QrtIndicatorTable *
evaluate_indicators (const IndicatorOptions  *o,
                     const char              *path,
                     GError                 **error)
{
  g_autofree char *default_path = qrt_indicator_default_path ();
  g_autoptr(QrtIndicatorSet) set = NULL;
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(QrtZonalInput) input = NULL;

  set = qrt_indicator_set_load_file (o->definitions ? o->definitions : default_path, error);
  if (set == NULL)
    return NULL;
  project = qrt_project_open (path, NULL, error);
  if (project == NULL)
    return NULL;
  input = qrt_zonal_input_from_project (project, o->districts, o->id_field,
                                        o->name_field ? o->name_field : "name");
  return qrt_zonal_evaluate (input, set, 0, NULL, error);
}

static int
command_indicators (int    argc,
                    char **argv)
{
  g_auto(IndicatorOptions) options = { 0 };
  g_autofree char *format = NULL;
  g_auto(GStrv) only = NULL;
  GOptionEntry entries[] = {
    { "indicator", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &only,
      N_("Only this indicator (repeat for more)"), N_("ID") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, N_("Output format: csv (default) or json"),
      N_("FORMAT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("PROJECT.gpkg — compute indicators per district"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtIndicatorTable) table = NULL;
  g_autoptr(GArray) columns = g_array_new (FALSE, FALSE, sizeof (guint));

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_indicator_options (context, &options);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name exactly one project file."));
  if (format != NULL && !g_str_equal (format, "csv") && !g_str_equal (format, "json"))
    return cli_fail_usage (context, _("--format takes csv or json."));

  table = evaluate_indicators (&options, argv[1], &error);
  if (table == NULL)
    return cli_fail (error);

  for (guint j = 0; j < qrt_indicator_table_get_n_indicators (table); j++)
    {
      const char *id = qrt_indicator_table_get_indicator (table, j)->id;

      if (only == NULL || g_strv_contains ((const char * const *) only, id))
        g_array_append_val (columns, j);
    }
  for (guint k = 0; only != NULL && only[k] != NULL; k++)
    if (qrt_indicator_table_find_indicator (table, only[k]) < 0)
      {
        cli_complain (_("There is no indicator “%s”."), only[k]);
        return 1;
      }

  /* Indicators that could not be computed are named on stderr; their cells stay empty. */
  for (guint c = 0; c < columns->len; c++)
    {
      guint j = g_array_index (columns, guint, c);
      const char *why = qrt_indicator_table_get_unavailable (table, j);

      if (why != NULL)
        {
          cli_complain (_("“%s” is not available: %s"),
                      qrt_indicator_table_get_indicator (table, j)->id, why);
        }
    }

  if (format != NULL && g_str_equal (format, "json"))
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < qrt_indicator_table_get_n_districts (table); i++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "district_id");
          json_builder_add_string_value (b, qrt_indicator_table_get_district_id (table, i));
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, qrt_indicator_table_get_district_name (table, i));
          for (guint c = 0; c < columns->len; c++)
            {
              guint j = g_array_index (columns, guint, c);
              double v = qrt_indicator_table_get_value (table, j, i);

              json_builder_set_member_name (b, qrt_indicator_table_get_indicator (table, j)->id);
              if (isfinite (v))
                json_builder_add_double_value (b, v);
              else
                json_builder_add_null_value (b);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
      return 0;
    }

  {
    g_autoptr(GString) out = g_string_new ("district_id,name");

    for (guint c = 0; c < columns->len; c++)
      {
        g_string_append_c (out, ',');
        qrt_csv_append_field (out, qrt_indicator_table_get_indicator (table,
                                                          g_array_index (columns, guint, c))->id);
      }
    g_string_append_c (out, '\n');
    for (guint i = 0; i < qrt_indicator_table_get_n_districts (table); i++)
      {
        qrt_csv_append_field (out, qrt_indicator_table_get_district_id (table, i));
        g_string_append_c (out, ',');
        qrt_csv_append_field (out, qrt_indicator_table_get_district_name (table, i));
        for (guint c = 0; c < columns->len; c++)
          {
            double v = qrt_indicator_table_get_value (table, g_array_index (columns, guint, c), i);
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            g_string_append_c (out, ',');
            /* Machine-readable: a decimal point whatever the locale, empty for no value. */
            if (isfinite (v))
              g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.10g", v));
          }
        g_string_append_c (out, '\n');
      }
    fputs (out->str, stdout);
  }
  return 0;
}

static QrtChart *
build_chart (QrtIndicatorTable  *table,
             const char         *type,
             char              **ids,
             const char         *district,
             GError            **error)
{
  guint n = qrt_indicator_table_get_n_districts (table);
  g_autofree const char **names = g_new0 (const char *, n + 1);
  g_autofree int *columns = g_new0 (int, g_strv_length (ids) + 1);
  guint n_ids = g_strv_length (ids);
  int chosen = -1;

  for (guint i = 0; i < n; i++)
    {
      names[i] = qrt_indicator_table_get_district_name (table, i);
      if (district != NULL && (g_strcmp0 (names[i], district) == 0 ||
                               g_strcmp0 (qrt_indicator_table_get_district_id (table, i), district) == 0))
        chosen = (int) i;
    }
  if (district != NULL && chosen < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no district “%s”."),
                   district);
      return NULL;
    }
  for (guint k = 0; k < n_ids; k++)
    if ((columns[k] = qrt_indicator_table_find_indicator (table, ids[k])) < 0)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no indicator “%s”."),
                     ids[k]);
        return NULL;
      }

  if (g_str_equal (type, "bar"))
    {
      const QrtIndicator *def = qrt_indicator_table_get_indicator (table, columns[0]);
      g_autofree double *values = g_new (double, MAX (1, n));
      guint selected = (guint) chosen;

      for (guint i = 0; i < n; i++)
        values[i] = qrt_indicator_table_get_value (table, columns[0], i);
      return qrt_chart_new_bar (def->title, def->unit, names, values, n, &selected,
                                chosen >= 0 ? 1 : 0, def->reference, def->reference_label);
    }

  if (g_str_equal (type, "line"))
    {
      const QrtIndicator *def = qrt_indicator_table_get_indicator (table, columns[0]);
      guint n_years = qrt_indicator_table_get_n_years (table, columns[0]);
      g_autofree int *years = g_new (int, MAX (1, n_years));
      g_autofree double *values = g_new (double, MAX (1, (gsize) n * n_years));
      guint selected = (guint) chosen;

      if (n_years == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a time series."), def->id);
          return NULL;
        }
      for (guint y = 0; y < n_years; y++)
        years[y] = qrt_indicator_table_get_year (table, columns[0], y);
      for (guint i = 0; i < n; i++)
        for (guint y = 0; y < n_years; y++)
          values[(gsize) i * n_years + y] =
            qrt_indicator_table_get_series_value (table, columns[0], i, y);
      return qrt_chart_new_series (def->title, def->unit, years, n_years, names, values, n,
                                   &selected, chosen >= 0 ? 1 : 0,
                                   def->forecast_from < G_MAXINT ? def->forecast_from : 0);
    }

  if (g_str_equal (type, "scatter"))
    {
      const QrtIndicator *x = qrt_indicator_table_get_indicator (table, columns[0]);
      const QrtIndicator *y;
      g_autofree double *xs = g_new (double, MAX (1, n));
      g_autofree double *ys = g_new (double, MAX (1, n));
      g_autofree char *title = NULL;
      guint selected = (guint) chosen;

      if (n_ids != 2)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("A scatter chart needs two indicators."));
          return NULL;
        }
      y = qrt_indicator_table_get_indicator (table, columns[1]);
      for (guint i = 0; i < n; i++)
        {
          xs[i] = qrt_indicator_table_get_value (table, columns[0], i);
          ys[i] = qrt_indicator_table_get_value (table, columns[1], i);
        }
      /* TRANSLATORS: a chart title: one indicator against another */
      title = g_strdup_printf (_("%s and %s"), x->title, y->title);
      return qrt_chart_new_scatter (title, x->title, x->unit, y->title, y->unit, names, xs, ys, n,
                                    &selected, chosen >= 0 ? 1 : 0);
    }

  /* radar: the district against the mean of the districts, each axis over their range */
  {
    g_autofree const char **axes = g_new0 (const char *, n_ids + 1);
    g_autofree const char **units = g_new0 (const char *, n_ids + 1);
    g_autofree double *values = g_new (double, n_ids);
    g_autofree double *mean = g_new (double, n_ids);
    g_autofree double *lo = g_new (double, n_ids);
    g_autofree double *hi = g_new (double, n_ids);

    if (chosen < 0 || n_ids < 3)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("A radar chart needs --district and at least three indicators."));
        return NULL;
      }
    for (guint k = 0; k < n_ids; k++)
      {
        const QrtIndicator *def = qrt_indicator_table_get_indicator (table, columns[k]);
        double sum = 0;
        guint count = 0;

        axes[k] = def->title;
        units[k] = def->unit;
        lo[k] = INFINITY;
        hi[k] = -INFINITY;
        for (guint i = 0; i < n; i++)
          {
            double v = qrt_indicator_table_get_value (table, columns[k], i);

            if (!isfinite (v))
              continue;
            sum += v;
            count++;
            lo[k] = MIN (lo[k], v);
            hi[k] = MAX (hi[k], v);
          }
        mean[k] = count ? sum / count : NAN;
        values[k] = qrt_indicator_table_get_value (table, columns[k], (guint) chosen);
      }
    return qrt_chart_new_radar (names[chosen], names[chosen], axes, units, values, mean,
                                _("Town average"), lo, hi, n_ids);
  }
}

static int
command_chart (int    argc,
               char **argv)
{
  g_auto(IndicatorOptions) options = { 0 };
  g_autofree char *type = NULL;
  g_autofree char *out = NULL;
  g_autofree char *size = NULL;
  g_autofree char *district = NULL;
  g_auto(GStrv) ids = NULL;
  GOptionEntry entries[] = {
    { "indicator", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &ids,
      N_("Indicator to draw (two for a scatter, three or more for a radar)"), N_("ID") },
    { "type", 't', 0, G_OPTION_ARG_STRING, &type, N_("bar (default), line, radar or scatter"),
      N_("TYPE") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("PNG, SVG or PDF file to write"),
      N_("FILE") },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, N_("Image size in pixels (default 1200x800)"),
      N_("WIDTHxHEIGHT") },
    { "district", 0, 0, G_OPTION_ARG_STRING, &district,
      N_("District to highlight (name or id); the radar's district"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("PROJECT.gpkg — draw an indicator chart"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtIndicatorTable) table = NULL;
  g_autoptr(QrtChart) chart = NULL;
  int width = 1200, height = 800;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_indicator_options (context, &options);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name exactly one project file."));
  if (ids == NULL || out == NULL)
    return cli_fail_usage (context, _("Say what to draw with --indicator ID and where with --out FILE."));
  if (type == NULL)
    type = g_strdup ("bar");
  if (!g_str_equal (type, "bar") && !g_str_equal (type, "line") && !g_str_equal (type, "radar") &&
      !g_str_equal (type, "scatter"))
    return cli_fail_usage (context, _("--type takes bar, line, radar or scatter."));
  if (size != NULL && !parse_size (size, &width, &height))
    return cli_fail_usage (context, _("--size takes WIDTHxHEIGHT, for example 1600x1000."));

  table = evaluate_indicators (&options, argv[1], &error);
  if (table == NULL)
    return cli_fail (error);

  chart = build_chart (table, type, ids, district, &error);
  if (chart == NULL || !qrt_chart_write (chart, out, width, height, &error))
    return cli_fail (error);
  g_print ("%s\n", out);
  return 0;
}

static const char *
kind_name (QrtGeometryKind kind)
{
  switch (kind)
    {
    case QRT_GEOMETRY_POINT:
      return C_("geometry", "points");
    case QRT_GEOMETRY_LINE:
      return C_("geometry", "lines");
    case QRT_GEOMETRY_POLYGON:
      return C_("geometry", "polygons");
    case QRT_GEOMETRY_NONE:
    default:
      return C_("geometry", "none");
    }
}

static int
command_layers (int    argc,
                char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(GOptionContext) context = g_option_context_new (_("PROJECT.gpkg — list the project’s layers"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = NULL;
  guint n;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cli_fail_usage (context, error->message);
  if (argc != 2)
    return cli_fail_usage (context, _("Name exactly one project file."));

  project = qrt_project_open (argv[1], NULL, &error);
  if (project == NULL)
    return cli_fail (error);

  n = g_list_model_get_n_items (G_LIST_MODEL (project));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(QrtProjectLayer) item = g_list_model_get_item (G_LIST_MODEL (project), i);
      QrtLayer *layer = qrt_project_layer_get_layer (item);
      const QrtBBox *e = qrt_layer_get_extent (layer, QRT_COORDS_ANALYSIS);
      const char *source = qrt_project_layer_get_source (item);
      const char *licence = qrt_project_layer_get_licence (item);

      /* Tab-separated so scripts can cut it; the extent in the analysis CRS. */
      g_print ("%s\t%s\t%u\tEPSG:%d\t%.1f,%.1f,%.1f,%.1f\t%s\t%s\n",
               qrt_layer_get_name (layer), kind_name (qrt_layer_get_geometry_kind (layer)),
               qrt_layer_get_n_features (layer), qrt_layer_get_epsg (layer),
               e->min_x, e->min_y, e->max_x, e->max_y,
               source ? source : "–", licence ? licence : "–");
    }
  return 0;
}

static const struct
{
  const char  *name;
  CommandFunc  func;
  const char  *summary;
} commands[] = {
  { "chart", command_chart, N_("Draw an indicator chart into a PNG, SVG or PDF file") },
  { "cache", cli_command_cache, N_("Show, fill, export or empty the offline cache") },
  { "catalog", cli_command_catalog, N_("List what a data-space service offers") },
  { "demo", command_demo, N_("Write the synthetic demo municipality") },
  { "fetch", cli_command_fetch, N_("Download a collection from a data space into a project") },
  { "import", command_import, N_("Copy a vector file into a project") },
  { "indicators", command_indicators, N_("Compute indicators per district") },
  { "layers", command_layers, N_("List a project’s layers") },
  { "render", command_render, N_("Draw a project’s map into a PNG file") },
  { "style", command_style, N_("Change how a project’s layer is drawn") },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n\n", _("Usage: quartier-cli COMMAND [OPTION…]"));
  fprintf (stream, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-11s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("“quartier-cli COMMAND --help” describes a command’s options."));
}

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("QUARTIER_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("quartier-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  qrt_core_init ();

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strdup_printf ("quartier-cli %s", commands[i].name);

        g_set_prgname (prgname);
        return commands[i].func (argc - 1, argv + 1);
      }

  cli_complain (_("Unknown command “%s”."), argv[1]);
  print_usage (stderr);
  return 2;
}
