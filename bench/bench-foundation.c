/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "qrt-bench.h"
#include "qrt-core.h"

/*
 * Figures for the foundation: demo generation, project load, and tile rendering at zoom 13,
 * 15 and 17 — Quartier's in-memory renderer against a reference in the same run that draws the
 * same tiles the way a file-backed renderer does (GDAL spatial filter on the GeoPackage,
 * reprojection per feature, the same cairo calls). Medians and p95 over the tiles, one thread.
 *
 *   bench-foundation [--runs N] [--tiles N] [--out DIR]
 */

typedef struct
{
  GDALDatasetH                  dataset;
  OGRLayerH                    *layers;
  OGRCoordinateTransformationH *to_mercator;
  OGRCoordinateTransformationH  to_layer;
  QrtStyle                     *styles;
  guint                         n;
} Reference;

static void
reference_path (cairo_t      *cr,
                OGRGeometryH  g,
                const QrtBBox *view,
                double        px_per_m)
{
  OGRwkbGeometryType type = wkbFlatten (OGR_G_GetGeometryType (g));
  int n = OGR_G_GetGeometryCount (g);

  if (type == wkbPoint)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, (OGR_G_GetX (g, 0) - view->min_x) * px_per_m,
                 (view->max_y - OGR_G_GetY (g, 0)) * px_per_m, 2, 0, 2 * G_PI);
      return;
    }
  if (type == wkbLineString || type == wkbLinearRing)
    {
      for (int i = 0; i < OGR_G_GetPointCount (g); i++)
        {
          double x = (OGR_G_GetX (g, i) - view->min_x) * px_per_m;
          double y = (view->max_y - OGR_G_GetY (g, i)) * px_per_m;

          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      if (type == wkbLinearRing)
        cairo_close_path (cr);
      return;
    }
  for (int i = 0; i < n; i++)
    reference_path (cr, OGR_G_GetGeometryRef (g, i), view, px_per_m);
}

static void
reference_tile (Reference *ref,
                guint      z,
                guint      x,
                guint      y)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 256, 256);
  cairo_t *cr = cairo_create (surface);
  QrtBBox view;
  double px_per_m;
  double xs[4], ys[4];

  qrt_tile_bbox (z, x, y, &view);
  px_per_m = 256 / (view.max_x - view.min_x);
  cairo_set_source_rgb (cr, QRT_BACKGROUND_RGB);
  cairo_paint (cr);

  xs[0] = view.min_x; ys[0] = view.min_y;
  xs[1] = view.max_x; ys[1] = view.min_y;
  xs[2] = view.max_x; ys[2] = view.max_y;
  xs[3] = view.min_x; ys[3] = view.max_y;
  OCTTransform (ref->to_layer, 4, xs, ys, NULL);

  for (guint i = 0; i < ref->n; i++)
    {
      OGRLayerH layer = ref->layers[i];
      const QrtStyle *style = &ref->styles[i];
      OGRFeatureH f;

      if (!style->visible || qrt_zoom_for_resolution (1 / px_per_m) < style->min_zoom)
        continue;
      OGR_L_SetSpatialFilterRect (layer, MIN (xs[0], xs[3]), MIN (ys[0], ys[1]),
                                  MAX (xs[1], xs[2]), MAX (ys[2], ys[3]));
      OGR_L_ResetReading (layer);
      cairo_new_path (cr);
      while ((f = OGR_L_GetNextFeature (layer)) != NULL)
        {
          OGRGeometryH g = OGR_F_GetGeometryRef (f);

          if (g != NULL && OGR_G_Transform (g, ref->to_mercator[i]) == OGRERR_NONE)
            reference_path (cr, g, &view, px_per_m);
          OGR_F_Destroy (f);
        }
      cairo_set_source_rgba (cr, style->fill.red, style->fill.green, style->fill.blue,
                             style->fill.alpha);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, style->stroke.red, style->stroke.green, style->stroke.blue,
                             style->stroke.alpha);
      cairo_set_line_width (cr, style->stroke_width);
      cairo_stroke (cr);
    }

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
lonlat_to_tile (double  mx,
                double  my,
                guint   z,
                guint  *tx,
                guint  *ty)
{
  double size = 2 * QRT_MERCATOR_HALF_WORLD / (1u << z);

  *tx = (guint) floor ((mx + QRT_MERCATOR_HALF_WORLD) / size);
  *ty = (guint) floor ((QRT_MERCATOR_HALF_WORLD - my) / size);
}

int
main (int    argc,
      char **argv)
{
  int runs = 3, max_tiles = 300;
  g_autofree char *out_dir = NULL;
  GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Demo generations to time", "N" },
    { "tiles", 0, 0, G_OPTION_ARG_INT, &max_tiles, "Tiles per zoom level at most", "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir, "Directory for the demo file", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— Quartier foundation benchmark");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) gen_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) load_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(QrtTileRender) renderer = NULL;
  g_autofree char *path = NULL;
  Reference ref = { 0 };
  OGRSpatialReferenceH merc, utm;
  QrtBBox extent;
  const guint zooms[] = { 13, 15, 17 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  qrt_core_init ();
  if (out_dir == NULL)
    out_dir = g_dir_make_tmp ("quartier-bench-XXXXXX", NULL);
  path = g_build_filename (out_dir, "musterstadt.gpkg", NULL);

  for (int r = 0; r < runs; r++)
    {
      double t0 = qrt_bench_now (), t;

      g_remove (path);
      if (!qrt_demo_write (path, QRT_DEMO_DEFAULT_SEED, NULL, NULL, NULL, &error))
        g_error ("demo: %s", error->message);
      t = qrt_bench_now () - t0;
      g_array_append_val (gen_times, t);
    }
  printf ("demo generation (seed %d): median %.2f s over %d runs\n", QRT_DEMO_DEFAULT_SEED,
          qrt_bench_percentile (gen_times, 0.5), runs);

  for (int r = 0; r < 3; r++)
    {
      double t0 = qrt_bench_now (), t;

      g_clear_object (&project);
      project = qrt_project_open (path, NULL, &error);
      if (project == NULL)
        g_error ("open: %s", error->message);
      t = qrt_bench_now () - t0;
      g_array_append_val (load_times, t);
    }
  printf ("project load (all layers into memory): median %.3f s\n",
          qrt_bench_percentile (load_times, 0.5));

  renderer = qrt_project_create_renderer (project);
  qrt_project_get_extent (project, QRT_COORDS_MERCATOR, &extent);

  ref.dataset = GDALOpenEx (path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  ref.n = g_list_model_get_n_items (G_LIST_MODEL (project));
  ref.layers = g_new0 (OGRLayerH, ref.n);
  ref.styles = g_new0 (QrtStyle, ref.n);
  ref.to_mercator = g_new0 (OGRCoordinateTransformationH, ref.n);
  merc = OSRNewSpatialReference (NULL);
  utm = OSRNewSpatialReference (NULL);
  OSRImportFromEPSG (merc, 3857);
  OSRImportFromEPSG (utm, qrt_project_get_epsg (project));
  OSRSetAxisMappingStrategy (merc, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy (utm, OAMS_TRADITIONAL_GIS_ORDER);
  ref.to_layer = OCTNewCoordinateTransformation (merc, utm);
  for (guint i = 0; i < ref.n; i++)
    {
      g_autoptr(QrtProjectLayer) item = g_list_model_get_item (G_LIST_MODEL (project), i);

      ref.layers[i] = GDALDatasetGetLayerByName (ref.dataset, qrt_project_layer_get_name (item));
      ref.styles[i] = *qrt_project_layer_get_style (item);
      ref.to_mercator[i] = OCTNewCoordinateTransformation (utm, merc);
    }

  printf ("\ntile rendering, 256 px, one thread (ms per tile)\n");
  printf ("%-5s %6s | %8s %8s | %8s %8s | %s\n", "zoom", "tiles", "qrt p50", "qrt p95",
          "ref p50", "ref p95", "ratio p50 ref/qrt");
  for (guint zi = 0; zi < G_N_ELEMENTS (zooms); zi++)
    {
      guint z = zooms[zi], x0, y0, x1, y1, n_tiles;
      g_autoptr(GArray) tiles = g_array_new (FALSE, FALSE, sizeof (guint) * 2);
      g_autoptr(GArray) qrt_ms = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) ref_ms = g_array_new (FALSE, FALSE, sizeof (double));
      GRand *rand = g_rand_new_with_seed (z);
      double q50, r50;

      lonlat_to_tile (extent.min_x, extent.max_y, z, &x0, &y0);
      lonlat_to_tile (extent.max_x, extent.min_y, z, &x1, &y1);
      n_tiles = (x1 - x0 + 1) * (y1 - y0 + 1);
      for (guint i = 0; i < MIN (n_tiles, (guint) max_tiles); i++)
        {
          guint t[2];
          guint k = n_tiles <= (guint) max_tiles ? i : (guint) g_rand_int_range (rand, 0, n_tiles);

          t[0] = x0 + k % (x1 - x0 + 1);
          t[1] = y0 + k / (x1 - x0 + 1);
          g_array_append_vals (tiles, t, 1);
        }
      g_rand_free (rand);

      for (guint i = 0; i < tiles->len; i++)
        {
          guint *t = &g_array_index (tiles, guint, 2 * i);
          gsize stride;
          double t0 = qrt_bench_now (), t1, t2;
          GBytes *bytes = qrt_tile_render_tile (renderer, z, t[0], t[1], 256, NULL, &stride);

          t1 = qrt_bench_now ();
          g_bytes_unref (bytes);
          reference_tile (&ref, z, t[0], t[1]);
          t2 = qrt_bench_now ();
          t1 = (t1 - t0) * 1000;
          t2 = (t2 - t0) * 1000 - t1;
          g_array_append_val (qrt_ms, t1);
          g_array_append_val (ref_ms, t2);
        }
      q50 = qrt_bench_percentile (qrt_ms, 0.5);
      r50 = qrt_bench_percentile (ref_ms, 0.5);
      printf ("%-5u %6u | %8.2f %8.2f | %8.2f %8.2f | %.1f×\n", z, tiles->len, q50,
              qrt_bench_percentile (qrt_ms, 0.95), r50, qrt_bench_percentile (ref_ms, 0.95),
              r50 / q50);
    }

  for (guint i = 0; i < ref.n; i++)
    OCTDestroyCoordinateTransformation (ref.to_mercator[i]);
  OCTDestroyCoordinateTransformation (ref.to_layer);
  OSRDestroySpatialReference (merc);
  OSRDestroySpatialReference (utm);
  GDALClose (ref.dataset);
  g_free (ref.layers);
  g_free (ref.styles);
  g_free (ref.to_mercator);
  return 0;
}
