/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_recordbatch.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrt-bench.h"
#include "qrt-core.h"

/*
 * Layer engine figures on the shared benchmark municipality (../shared/bench/gen.py):
 *   1. reading all buildings into a QrtLayer (qrt_project_open of a one-layer copy) against,
 *      in the same run, the raw read limits: ../shared/bench/readbench.c itself in its sqlite
 *      and arrow modes (its own process, its own timing: the references the layer engine's
 *      goal names), and two stricter loops in this process that leave out the opening and
 *      most of the vertex walk: GDAL's Arrow stream visiting every WKB, and plain SQLite
 *      visiting every geometry blob;
 *   2. memory of the loaded layers against the bytes of their coordinates;
 *   3. rendering 1920×1080, full extent and a 2 km window at E 435000 N 5700000, with the
 *      styles of ../shared/bench/render_qgis.py (run that beside this for the QGIS figures).
 *
 *   bench-layers MUNI.gpkg [RUNS [READBENCH]]
 *
 * READBENCH: readbench built as ../shared/bench/README.md says; without it only the stricter
 * loops are the reference.
 */

/* Every WKB of the layer through GDAL's Arrow stream, summing sizes so nothing is skipped. */
static double
arrow_read (const char *path,
            const char *layer_name)
{
  GDALDatasetH ds = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  OGRLayerH layer = GDALDatasetGetLayerByName (ds, layer_name);
  struct ArrowArrayStream stream;
  struct ArrowSchema schema;
  const char *options[] = { "INCLUDE_FID=NO", NULL };
  double t0 = qrt_bench_now ();
  guint64 bytes = 0;
  int geom = -1;

  OGR_L_GetArrowStream (layer, &stream, (char **) options);
  stream.get_schema (&stream, &schema);
  for (int i = 0; i < schema.n_children; i++)
    if (g_strcmp0 (schema.children[i]->name, OGR_L_GetGeometryColumn (layer)) == 0)
      geom = i;
  for (;;)
    {
      struct ArrowArray batch;

      if (stream.get_next (&stream, &batch) != 0 || batch.release == NULL)
        break;
      bytes += ((const gint32 *) batch.children[geom]->buffers[1])[batch.length];
      batch.release (&batch);
    }
  schema.release (&schema);
  stream.release (&stream);
  GDALClose (ds);
  g_assert (bytes > 0);
  return qrt_bench_now () - t0;
}

/* Every geometry blob through plain SQLite, reading each blob's coordinate count. */
static double
sqlite_read (const char *path,
             const char *table)
{
  sqlite3 *db;
  sqlite3_stmt *stmt;
  g_autofree char *sql = g_strdup_printf ("SELECT geom FROM \"%s\"", table);
  double t0 = qrt_bench_now ();
  guint64 vertices = 0;

  sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const guint8 *blob = sqlite3_column_blob (stmt, 0);
      int len = sqlite3_column_bytes (stmt, 0);
      int envelope = (blob[3] >> 1) & 7;
      int header = 8 + (envelope == 1 ? 32 : envelope == 2 || envelope == 3 ? 48 : envelope == 4 ? 64 : 0);
      guint32 rings, points;

      /* Polygon or MultiPolygon WKB: count the points of the first ring; enough to touch it. */
      if (len > header + 13)
        {
          const guint8 *w = blob + header;
          guint32 type;

          memcpy (&type, w + 1, 4);
          if (type == 6)
            w += 9;
          memcpy (&rings, w + 5, 4);
          memcpy (&points, w + 9, 4);
          vertices += points * (rings > 0);
        }
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert (vertices > 0);
  return qrt_bench_now () - t0;
}

/* The median of @a[i] / @b[i], two figures measured in the same round; 0 without any. */
static double
median_ratio (GArray *a,
              GArray *b)
{
  g_autoptr(GArray) ratios = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < MIN (a->len, b->len); i++)
    {
      double r = g_array_index (a, double, i) / g_array_index (b, double, i);

      g_array_append_val (ratios, r);
    }
  return ratios->len > 0 ? qrt_bench_median (ratios) : 0;
}

/* One run of readbench (MODE sqlite or arrow) on @path: the seconds it reports. */
static double
readbench (const char *program,
           const char *mode,
           const char *path)
{
  const char *argv[] = { program, mode, path, "buildings", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *seconds;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, &error) || !g_spawn_check_wait_status (status, &error))
    g_error ("%s %s: %s", program, mode, error->message);
  seconds = strstr (out, "seconds=");
  if (seconds == NULL)
    g_error ("%s %s printed no time: %s", program, mode, out);
  return g_ascii_strtod (seconds + strlen ("seconds="), NULL);
}

static void
apply_qgis_styles (QrtProject *project)
{
  /* The look of ../shared/bench/render_qgis.py: outlined districts, grey buildings,
   * land cover filled by class without outlines. */
  const char *classes[][2] = {
    { "agriculture", "#f3e6a0" }, { "forest", "#2f7d32" }, { "green", "#a6d96a" },
    { "sealed", "#d26e6e" }, { "water", "#5aa0e6" },
  };
  QrtProjectLayer *item;
  QrtStyle style;

  item = qrt_project_find_layer (project, "landcover");
  style = *qrt_project_layer_get_style (item);
  style.mode = QRT_STYLE_CATEGORIZED;
  g_strlcpy (style.field, "class", sizeof style.field);
  style.n_classes = G_N_ELEMENTS (classes);
  style.stroke.alpha = 0;
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      g_strlcpy (style.classes[i].value, classes[i][0], sizeof style.classes[i].value);
      qrt_color_parse (&style.classes[i].colour, classes[i][1]);
    }
  qrt_project_layer_set_style (item, &style);

  item = qrt_project_find_layer (project, "buildings");
  style = *qrt_project_layer_get_style (item);
  qrt_color_parse (&style.fill, "#8a8a8a");
  qrt_color_parse (&style.stroke, "#505050");
  style.stroke_width = 0.38;   /* 0.1 mm at 96 dpi */
  qrt_project_layer_set_style (item, &style);

  item = qrt_project_find_layer (project, "districts");
  style = *qrt_project_layer_get_style (item);
  style.fill.alpha = 0;
  qrt_color_parse (&style.stroke, "#202020");
  style.stroke_width = 2.27;   /* 0.6 mm */
  qrt_project_layer_set_style (item, &style);

  item = qrt_project_find_layer (project, "trees");
  if (item != NULL)
    qrt_project_layer_set_visible (item, FALSE);
}

static double
render_once (QrtTileRender *renderer,
             const QrtBBox *wanted)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1920, 1080);
  QrtBBox view;
  double t0 = qrt_bench_now (), t;

  qrt_fit_view (wanted, 1920, 1080, &view);
  qrt_tile_render_paint_image (renderer, surface, &view, 1920, 1080, 1, 0, NULL);
  t = qrt_bench_now () - t0;
  cairo_surface_destroy (surface);
  return t;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) arrow = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) plain = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) quartier = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) rb_sqlite = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) rb_arrow = g_array_new (FALSE, FALSE, sizeof (double));
  const char *readbench_program;
  g_autoptr(GArray) full = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) window = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(QrtTileRender) renderer = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *one = NULL;
  g_autofree char *cmd = NULL;
  const char *muni;
  int runs;
  double round_sqlite, round_arrow;
  gsize mem = 0, coords = 0;
  QrtBBox extent, window_box;
  double xs[2] = { 434000, 436000 }, ys[2] = { 5699437.5, 5700562.5 };

  if (argc < 2)
    {
      g_printerr ("usage: bench-layers MUNI.gpkg [RUNS [READBENCH]]\n");
      return 2;
    }
  muni = argv[1];
  runs = argc > 2 ? atoi (argv[2]) : 5;
  readbench_program = argc > 3 ? argv[3] : NULL;
  qrt_core_init ();

  /* A copy holding only the buildings, so the QrtLayer figure is that one layer. */
  dir = g_dir_make_tmp ("quartier-bench-XXXXXX", NULL);
  one = g_build_filename (dir, "buildings.gpkg", NULL);
  cmd = g_strdup_printf ("ogr2ogr -f GPKG '%s' '%s' buildings", one, muni);
  if (system (cmd) != 0)
    g_error ("ogr2ogr failed");

  for (int r = 0; r < runs; r++)
    {
      double t0, t;
      QrtProject *p;

      if (readbench_program != NULL)
        {
          t = readbench (readbench_program, "sqlite", one);
          g_array_append_val (rb_sqlite, t);
          t = readbench (readbench_program, "arrow", one);
          g_array_append_val (rb_arrow, t);
        }
      t = arrow_read (one, "buildings");
      g_array_append_val (arrow, t);
      t = sqlite_read (one, "buildings");
      g_array_append_val (plain, t);
      t0 = qrt_bench_now ();
      p = qrt_project_open (one, NULL, &error);
      t = qrt_bench_now () - t0;
      g_assert_no_error (error);
      g_array_append_val (quartier, t);
      g_object_unref (p);
    }
  /* Before any median, which sorts the figures out of their rounds. */
  round_sqlite = median_ratio (quartier, rb_sqlite);
  round_arrow = median_ratio (quartier, rb_arrow);
  printf ("200,000 buildings, median of %d runs\n", runs);
  if (readbench_program != NULL)
    {
      printf ("  readbench sqlite (own process):           %.3f s\n", qrt_bench_median (rb_sqlite));
      printf ("  readbench arrow (own process):            %.3f s\n", qrt_bench_median (rb_arrow));
    }
  printf ("  plain SQLite + blob walk, no open:        %.3f s\n", qrt_bench_median (plain));
  printf ("  GDAL Arrow stream, no open, no walk:      %.3f s\n", qrt_bench_median (arrow));
  printf ("  Quartier: file → QrtLayer (indexed):      %.3f s\n", qrt_bench_median (quartier));
  if (readbench_program != NULL)
    {
      printf ("    = %.2f× readbench sqlite, %.2f× readbench arrow\n",
              qrt_bench_median (quartier) / qrt_bench_median (rb_sqlite),
              qrt_bench_median (quartier) / qrt_bench_median (rb_arrow));
      /* This machine's speed drifts between rounds; a round's own ratio does not. */
      printf ("    median of the rounds' own ratios: %.2f× readbench sqlite, %.2f× readbench arrow\n",
              round_sqlite, round_arrow);
    }
  printf ("    = %.2f× the plain SQLite loop, %.2f× the Arrow loop\n",
          qrt_bench_median (quartier) / qrt_bench_median (plain),
          qrt_bench_median (quartier) / qrt_bench_median (arrow));

  project = qrt_project_open (muni, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (project)); i++)
    {
      g_autoptr(QrtProjectLayer) item = g_list_model_get_item (G_LIST_MODEL (project), i);
      guint n_points;

      qrt_layer_get_coords (qrt_project_layer_get_layer (item), &n_points);
      coords += n_points * 2 * sizeof (double);
      mem += qrt_layer_get_memsize (qrt_project_layer_get_layer (item));
    }
  printf ("\nmemory of all loaded layers: %.1f MiB for %.1f MiB of coordinates = %.2f×\n",
          mem / 1048576.0, coords / 1048576.0, (double) mem / coords);

  apply_qgis_styles (project);
  renderer = qrt_project_create_renderer (project);
  qrt_project_get_extent (project, QRT_COORDS_MERCATOR, &extent);
  {
    /* The 2 km window of render_qgis.py, centred on E 435000 N 5700000 (EPSG:25832). */
    OGRSpatialReferenceH utm = OSRNewSpatialReference (NULL);
    OGRSpatialReferenceH merc = OSRNewSpatialReference (NULL);
    OGRCoordinateTransformationH ct;

    OSRImportFromEPSG (utm, 25832);
    OSRImportFromEPSG (merc, 3857);
    OSRSetAxisMappingStrategy (utm, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy (merc, OAMS_TRADITIONAL_GIS_ORDER);
    ct = OCTNewCoordinateTransformation (utm, merc);
    OCTTransform (ct, 2, xs, ys, NULL);
    window_box = (QrtBBox) { xs[0], ys[0], xs[1], ys[1] };
    OCTDestroyCoordinateTransformation (ct);
    OSRDestroySpatialReference (utm);
    OSRDestroySpatialReference (merc);
  }

  render_once (renderer, &extent);   /* warm-up, as render_qgis.py does */
  for (int r = 0; r < runs; r++)
    {
      double t = render_once (renderer, &extent);

      g_array_append_val (full, t);
      t = render_once (renderer, &window_box);
      g_array_append_val (window, t);
    }
  printf ("\nrender 1920×1080, districts + buildings + land cover, all cores (median of %d)\n",
          runs);
  printf ("  full extent:  %.3f s\n", qrt_bench_median (full));
  printf ("  2 km window:  %.3f s\n", qrt_bench_median (window));
  printf ("  (QGIS: /usr/bin/python3 ../shared/bench/render_qgis.py %s OUT; see bench/README.md)\n",
          muni);

  g_unlink (one);
  g_rmdir (dir);
  return 0;
}
