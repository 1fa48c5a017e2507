/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <string.h>

#include "qrt-core.h"
#include "qrt-test-util.h"

/* quartier-cli as a user runs it: a separate process, judged by exit code, stdout, stderr
 * and the files it leaves. */

static const char *cli_path;
static char *demo_path;
static char *work_dir;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_cli (Run         *run,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) cli_path);
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &run->status, &error);
  g_assert_no_error (error);
}

static int
exit_code (const Run *run)
{
  g_assert_true (WIFEXITED (run->status));
  return WEXITSTATUS (run->status);
}

static const char *
demo (void)
{
  if (demo_path == NULL)
    {
      g_auto(Run) run = { 0 };

      demo_path = g_build_filename (work_dir, "musterstadt.gpkg", NULL);
      run_cli (&run, "demo", "--out", demo_path, "--seed", "1", NULL);
      g_assert_cmpint (exit_code (&run), ==, 0);
      g_assert_true (g_file_test (demo_path, G_FILE_TEST_IS_REGULAR));
    }
  return demo_path;
}

/* Distinct colours in a PNG, and the share of pixels unlike its top-left pixel. */
static guint
count_colours (const char *png,
               int         width,
               int         height)
{
  cairo_surface_t *surface = cairo_image_surface_create_from_png (png);
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  const guint8 *data;
  int stride;

  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, width);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, height);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < height; y += 2)
    for (int x = 0; x < width; x += 2)
      g_hash_table_add (colours,
                        GUINT_TO_POINTER (*(const guint32 *) (data + y * stride + x * 4)));
  cairo_surface_destroy (surface);
  return g_hash_table_size (colours);
}

static void
test_render (void)
{
  g_autofree char *png = g_build_filename (work_dir, "map.png", NULL);
  g_autofree char *zoomed = g_build_filename (work_dir, "zoomed.png", NULL);
  g_auto(Run) run = { 0 };
  g_auto(Run) run2 = { 0 };
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gsize la, lb;

  run_cli (&run, "render", demo (), "--out", png, "--size", "400x250", NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  g_assert_cmpstr (g_strstrip (run.out), ==, png);
  /* Land cover, water, streets, buildings and districts give many colours, not a blank. */
  g_assert_cmpuint (count_colours (png, 400, 250), >, 20);

  /* A 2 km box in the town centre (EPSG:25832) gives another picture. */
  run_cli (&run2, "render", demo (), "--out", zoomed, "--size", "400x250",
           "--bbox", "432900,5694000,434900,5695300", NULL);
  g_assert_cmpint (exit_code (&run2), ==, 0);
  g_assert_cmpuint (count_colours (zoomed, 400, 250), >, 20);
  g_file_get_contents (png, &a, &la, NULL);
  g_file_get_contents (zoomed, &b, &lb, NULL);
  g_assert_false (la == lb && memcmp (a, b, la) == 0);
}

static void
test_layers (void)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "layers", demo (), NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  g_assert_nonnull (strstr (run.out, "districts\t"));
  g_assert_nonnull (strstr (run.out, "buildings\t"));
  g_assert_nonnull (strstr (run.out, "EPSG:25832"));
}

static void
assert_bad_input (const char *path,
                  const char *command)
{
  g_autofree char *png = g_build_filename (work_dir, "never.png", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len = 0, after_len = 0;
  g_auto(Run) run = { 0 };
  char *newline;

  g_file_get_contents (path, &before, &before_len, NULL);
  if (g_str_equal (command, "render"))
    run_cli (&run, "render", path, "--out", png, NULL);
  else
    run_cli (&run, command, path, NULL);

  g_assert_cmpint (exit_code (&run), ==, 1);
  /* Exactly one line on stderr, starting with the program name. */
  g_assert_true (g_str_has_prefix (run.err, "quartier-cli: "));
  newline = strchr (run.err, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  g_file_get_contents (path, &after, &after_len, NULL);
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_bad_input (void)
{
  g_autofree char *missing = g_build_filename (work_dir, "missing.gpkg", NULL);
  g_autofree char *text = g_build_filename (work_dir, "text.gpkg", NULL);
  g_autofree char *truncated = g_build_filename (work_dir, "truncated.gpkg", NULL);
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_set_contents (text, "kein GeoPackage\n", -1, NULL));
  g_assert_true (g_file_get_contents (demo (), &contents, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, len / 3, NULL));

  for (guint i = 0; i < 2; i++)
    {
      const char *command = i == 0 ? "render" : "layers";

      assert_bad_input (missing, command);
      assert_bad_input (text, command);
      assert_bad_input (truncated, command);
    }
}

/* The style of layer @name, as the project file has it now. */
static QrtStyle
saved_style (const char *path,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QrtProject) project = qrt_project_open (path, NULL, &error);
  QrtProjectLayer *layer;

  g_assert_no_error (error);
  layer = qrt_project_find_layer (project, name);
  g_assert_nonnull (layer);
  return *qrt_project_layer_get_style (layer);
}

static void
test_style (void)
{
  g_autofree char *path = g_build_filename (work_dir, "style.gpkg", NULL);
  g_autofree char *png = g_build_filename (work_dir, "legend.png", NULL);
  g_autoptr(GFile) source = g_file_new_for_path (demo ());
  g_autoptr(GFile) target = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_auto(Run) categorized = { 0 };
  g_auto(Run) named = { 0 };
  g_auto(Run) graduated = { 0 };
  g_auto(Run) no_class = { 0 };
  g_auto(Run) no_text = { 0 };
  g_auto(Run) render = { 0 };
  g_autofree char *first = NULL;
  g_autofree char *naming = NULL;
  g_autofree char *colouring = NULL;
  g_auto(Run) coloured = { 0 };
  g_auto(Run) bad_colour = { 0 };
  QrtStyle style;

  g_file_copy (source, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* The demo names its land cover classes for the legend. */
  style = saved_style (path, "landcover");
  g_assert_cmpint (style.mode, ==, QRT_STYLE_CATEGORIZED);
  g_assert_cmpstr (style.classes[0].value, ==, "sealed");
  g_assert_cmpstr (style.classes[0].label, ==, "Sealed");

  run_cli (&categorized, "style", path, "--layer", "districts", "--categorized", "name", NULL);
  g_assert_cmpint (exit_code (&categorized), ==, 0);
  style = saved_style (path, "districts");
  g_assert_cmpint (style.mode, ==, QRT_STYLE_CATEGORIZED);
  g_assert_cmpstr (style.field, ==, "name");
  g_assert_cmpuint (style.n_classes, ==, QRT_STYLE_MAX_CLASSES);
  g_assert_cmpstr (style.classes[0].label, ==, "");
  /* More districts than classes: the project, opened, knows some are in none. */
  g_assert_true (style.others);

  /* A categorized class is named by its value. */
  first = g_strdup (style.classes[0].value);
  naming = g_strdup_printf ("%s=Ortskern", first);
  run_cli (&named, "style", path, "--layer", "districts", "--class-label", naming, NULL);
  g_assert_cmpint (exit_code (&named), ==, 0);
  style = saved_style (path, "districts");
  g_assert_cmpstr (style.classes[0].value, ==, first);
  g_assert_cmpstr (style.classes[0].label, ==, "Ortskern");

  /* And coloured the same way; a colour that is none changes nothing. */
  colouring = g_strdup_printf ("%s=#336699", first);
  run_cli (&coloured, "style", path, "--layer", "districts", "--class-colour", colouring, NULL);
  g_assert_cmpint (exit_code (&coloured), ==, 0);
  g_clear_pointer (&colouring, g_free);
  colouring = g_strdup_printf ("%s=#blau", first);
  run_cli (&bad_colour, "style", path, "--layer", "districts", "--class-colour", colouring, NULL);
  g_assert_cmpint (exit_code (&bad_colour), ==, 2);
  style = saved_style (path, "districts");
  g_assert_cmpfloat_with_epsilon (style.classes[0].colour.red, 0x33 / 255.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (style.classes[0].colour.blue, 0x99 / 255.0, 1e-9);
  g_assert_cmpstr (style.classes[0].label, ==, "Ortskern");

  /* A graduated one by its number, from 1, in the same run as the classing. */
  run_cli (&graduated, "style", path, "--layer", "districts", "--graduated", "pop_2025",
           "--method", "jenks", "--classes", "4", "--class-label", "4=Am dichtesten", NULL);
  g_assert_cmpint (exit_code (&graduated), ==, 0);
  style = saved_style (path, "districts");
  g_assert_cmpint (style.mode, ==, QRT_STYLE_GRADUATED);
  g_assert_cmpuint (style.n_classes, ==, 4);
  g_assert_cmpstr (style.classes[3].label, ==, "Am dichtesten");
  g_assert_cmpstr (style.classes[0].label, ==, "");

  /* A class that is not there, or no text: an error, and the project as it was. */
  run_cli (&no_class, "style", path, "--layer", "districts", "--class-label", "5=Leer", NULL);
  g_assert_cmpint (exit_code (&no_class), ==, 1);
  g_assert_nonnull (strstr (no_class.err, "no class “5”"));
  run_cli (&no_text, "style", path, "--layer", "districts", "--class-label", "4", NULL);
  g_assert_cmpint (exit_code (&no_text), ==, 2);
  style = saved_style (path, "districts");
  g_assert_cmpuint (style.n_classes, ==, 4);
  g_assert_cmpstr (style.classes[3].label, ==, "Am dichtesten");

  run_cli (&render, "render", path, "--out", png, "--size", "600x400", "--legend", NULL);
  g_assert_cmpint (exit_code (&render), ==, 0);
  g_assert_cmpuint (count_colours (png, 600, 400), >, 20);
}

static void
test_german (void)
{
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *missing = g_build_filename (work_dir, "fehlt.gpkg", NULL);
  const char *argv[] = { cli_path, "layers", missing, NULL };
  int status;

  /* The messages follow the user's language (the test environment points QUARTIER_LOCALEDIR
   * at the build's catalogues). */
  if (g_environ_getenv (env, "QUARTIER_LOCALEDIR") == NULL)
    {
      g_test_skip ("QUARTIER_LOCALEDIR is not set");
      return;
    }
  env = g_environ_setenv (env, "LANGUAGE", "de", TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, NULL));
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 1);
  g_assert_nonnull (strstr (err, "Die Datei „fehlt.gpkg“ existiert nicht."));
}

static void
test_indicators (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) json = { 0 };
  g_auto(Run) bad = { 0 };
  g_autofree char *broken = g_build_filename (work_dir, "broken.json", NULL);
  g_auto(GStrv) lines = NULL;

  run_cli (&run, "indicators", demo (), "--id-field", "district_id", "--indicator", "residents",
           "--indicator", "sealed_share", NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "district_id,name,residents,sealed_share");
  /* One line per district (25 to 40) and a final empty one. */
  g_assert_cmpuint (g_strv_length (lines), >=, 27);
  g_assert_true (g_str_has_prefix (lines[1], "1,"));

  run_cli (&json, "indicators", demo (), "--format", "json", "--indicator", "density", NULL);
  g_assert_cmpint (exit_code (&json), ==, 0);
  g_assert_nonnull (strstr (json.out, "\"density\""));

  g_assert_true (g_file_set_contents (broken, "{\"indicators\": [{\"id\": \"x\", \"kind\": \"magic\"}]}",
                                      -1, NULL));
  run_cli (&bad, "indicators", demo (), "--definitions", broken, NULL);
  g_assert_cmpint (exit_code (&bad), ==, 1);
  g_assert_nonnull (strstr (bad.err, "“x”"));
}

static void
test_chart (void)
{
  g_autofree char *png = g_build_filename (work_dir, "ranking.png", NULL);
  g_autofree char *svg = g_build_filename (work_dir, "series.svg", NULL);
  g_autofree char *svg_text = NULL;
  g_auto(Run) bar = { 0 };
  g_auto(Run) line = { 0 };
  g_auto(Run) radar = { 0 };

  run_cli (&bar, "chart", demo (), "--indicator", "sealed_share", "--size", "600x400",
           "--district", "1", "--id-field", "district_id", "--out", png, NULL);
  g_assert_cmpint (exit_code (&bar), ==, 0);
  g_assert_cmpuint (count_colours (png, 600, 400), >, 4);

  run_cli (&line, "chart", demo (), "--type", "line", "--indicator", "population", "--out", svg,
           NULL);
  g_assert_cmpint (exit_code (&line), ==, 0);
  g_assert_true (g_file_get_contents (svg, &svg_text, NULL, NULL));
  g_assert_nonnull (strstr (svg_text, "<svg"));

  /* A radar needs a district and three indicators: one line on stderr, exit 1. */
  run_cli (&radar, "chart", demo (), "--type", "radar", "--indicator", "density", "--out", png,
           NULL);
  g_assert_cmpint (exit_code (&radar), ==, 1);
  g_assert_true (g_str_has_prefix (radar.err, "quartier-cli: "));
}

static void
test_usage (void)
{
  g_auto(Run) unknown = { 0 };
  g_auto(Run) no_out = { 0 };
  g_auto(Run) bad_size = { 0 };
  g_auto(Run) bad_bbox = { 0 };
  g_autofree char *never = g_build_filename (work_dir, "x.png", NULL);

  run_cli (&unknown, "frobnicate", NULL);
  g_assert_cmpint (exit_code (&unknown), ==, 2);
  run_cli (&no_out, "render", demo (), NULL);
  g_assert_cmpint (exit_code (&no_out), ==, 2);
  run_cli (&bad_size, "render", demo (), "--out", never, "--size", "0x10", NULL);
  g_assert_cmpint (exit_code (&bad_size), ==, 2);
  run_cli (&bad_bbox, "render", demo (), "--out", never, "--bbox", "3,2,1", NULL);
  g_assert_cmpint (exit_code (&bad_bbox), ==, 2);
  g_assert_false (g_file_test (never, G_FILE_TEST_EXISTS));
}

/* The data-space commands without a server: what they must refuse or say, and the cache. */
static void
test_data_space (void)
{
  g_autofree char *cache = g_build_filename (work_dir, "cache.sqlite", NULL);
  g_autofree char *project = g_build_filename (work_dir, "fetched.gpkg", NULL);
  g_autofree char *not_mbtiles = g_build_filename (work_dir, "area.mbtiles", NULL);
  g_auto(Run) info = { 0 };
  g_auto(Run) not_http = { 0 };
  g_auto(Run) offline = { 0 };
  g_auto(Run) bad_bbox = { 0 };
  g_auto(Run) osm = { 0 };
  g_auto(Run) bad_import = { 0 };
  g_auto(Run) no_verb = { 0 };

  run_cli (&info, "cache", "info", "--cache", cache, NULL);
  g_assert_cmpint (exit_code (&info), ==, 0);
  g_assert_nonnull (strstr (info.out, cache));
  g_assert_nonnull (strstr (info.out, "Offline areas: 0"));

  run_cli (&not_http, "catalog", "ftp://example.org/data", "--cache", cache, NULL);
  g_assert_cmpint (exit_code (&not_http), ==, 1);
  g_assert_true (g_str_has_prefix (not_http.err, "quartier-cli: "));

  /* Offline, a URL never fetched is a clear error, and no project appears. */
  run_cli (&offline, "fetch", "http://127.0.0.1:9/ogc", "--collection", "x", "--into", project,
           "--offline", "--cache", cache, NULL);
  g_assert_cmpint (exit_code (&offline), ==, 1);
  g_assert_nonnull (strstr (offline.err, "offline"));
  g_assert_false (g_file_test (project, G_FILE_TEST_EXISTS));

  run_cli (&bad_bbox, "fetch", "http://127.0.0.1:9/ogc", "--into", project, "--bbox",
           "435000,5700000,436000,5701000", "--cache", cache, NULL);
  g_assert_cmpint (exit_code (&bad_bbox), ==, 2);

  /* OpenStreetMap's tile policy: no area downloads, and nothing is added to the cache. */
  run_cli (&osm, "cache", "prefetch", "--tileset", "openstreetmap", "--bbox", "8.0,51.4,8.1,51.5",
           "--cache", cache, NULL);
  g_assert_cmpint (exit_code (&osm), ==, 1);
  g_assert_nonnull (strstr (osm.err, "OpenStreetMap"));

  g_assert_true (g_file_set_contents (not_mbtiles, "not a database", -1, NULL));
  run_cli (&bad_import, "cache", "import", not_mbtiles, "--cache", cache, NULL);
  g_assert_cmpint (exit_code (&bad_import), ==, 1);
  g_assert_nonnull (strstr (bad_import.err, "area.mbtiles"));

  run_cli (&no_verb, "cache", "--cache", cache, NULL);
  g_assert_cmpint (exit_code (&no_verb), ==, 2);

  g_clear_pointer (&info.out, g_free);
  g_clear_pointer (&info.err, g_free);
  run_cli (&info, "cache", "info", "--cache", cache, NULL);
  g_assert_nonnull (strstr (info.out, "Offline areas: 0"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* For reading back what the CLI wrote. */
  qrt_core_init ();
  /* Each run its own directory: test programs run in parallel with each other. */
  work_dir = g_dir_make_tmp ("quartier-test-XXXXXX", NULL);
  g_assert_nonnull (work_dir);
  if (argc < 2)
    g_error ("usage: test-cli PATH-TO-QUARTIER-CLI");
  cli_path = argv[1];

  g_test_add_func ("/cli/render", test_render);
  g_test_add_func ("/cli/layers", test_layers);
  g_test_add_func ("/cli/bad-input", test_bad_input);
  g_test_add_func ("/cli/style", test_style);
  g_test_add_func ("/cli/german", test_german);
  g_test_add_func ("/cli/indicators", test_indicators);
  g_test_add_func ("/cli/chart", test_chart);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/data-space", test_data_space);

  status = g_test_run ();
  qrt_test_remove_tree (work_dir);
  g_free (work_dir);
  g_free (demo_path);
  return status;
}
