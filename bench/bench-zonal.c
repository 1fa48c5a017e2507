/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrt-bench.h"
#include "qrt-core.h"

/*
 * The zonal engine against SpatiaLite on the shared benchmark municipality, in one run:
 * ../shared/bench/sql/zonal_gpkg.sql through GDAL's SQLite dialect (SpatiaLite functions on
 * GeoPackage blobs) and the same four indicators (bench/muni-indicators.json) through
 * QrtZonal. Prints both medians, the ratio, and checks that every district's values agree:
 * counts and sums exactly, the sealed share to 1e-6 relative (the SQL rounds it to 6 decimals).
 *
 *   bench-zonal MUNI.gpkg SQLFILE DEFINITIONS.json [RUNS]
 */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GArray) peer = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ours_one = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(QrtProject) project = NULL;
  g_autoptr(QrtIndicatorSet) set = NULL;
  g_autoptr(QrtIndicatorTable) table = NULL;
  g_autoptr(GHashTable) reference = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           g_free);
  int runs, mismatches = 0;
  double t_load;

  if (argc < 4)
    {
      g_printerr ("usage: bench-zonal MUNI.gpkg zonal_gpkg.sql muni-indicators.json [RUNS]\n");
      return 2;
    }
  runs = argc > 4 ? atoi (argv[4]) : 5;
  qrt_core_init ();
  if (!g_file_get_contents (argv[2], &sql, NULL, &error))
    g_error ("%s", error->message);

  for (int r = 0; r < runs; r++)
    {
      GDALDatasetH ds = GDALOpenEx (argv[1], GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
      double t0 = qrt_bench_now (), t;
      OGRLayerH result = GDALDatasetExecuteSQL (ds, sql, NULL, "SQLite");
      OGRFeatureH f;

      if (result == NULL)
        g_error ("SpatiaLite SQL failed (is libspatialite there?): %s", CPLGetLastErrorMsg ());
      while ((f = OGR_L_GetNextFeature (result)) != NULL)
        {
          if (r == 0)
            {
              double *row = g_new (double, 4);

              row[0] = OGR_F_GetFieldAsDouble (f, OGR_F_GetFieldIndex (f, "sealed_share"));
              row[1] = OGR_F_GetFieldAsDouble (f, OGR_F_GetFieldIndex (f, "buildings"));
              row[2] = OGR_F_GetFieldAsDouble (f, OGR_F_GetFieldIndex (f, "residents"));
              row[3] = OGR_F_GetFieldAsDouble (f, OGR_F_GetFieldIndex (f, "trees"));
              g_hash_table_insert (reference,
                                   g_strdup (OGR_F_GetFieldAsString (f, OGR_F_GetFieldIndex (f, "district_id"))),
                                   row);
            }
          OGR_F_Destroy (f);
        }
      t = qrt_bench_now () - t0;
      g_array_append_val (peer, t);
      GDALDatasetReleaseResultSet (ds, result);
      GDALClose (ds);
    }

  set = qrt_indicator_set_load_file (argv[3], &error);
  g_assert_no_error (error);
  {
    double t0 = qrt_bench_now ();

    project = qrt_project_open (argv[1], NULL, &error);
    g_assert_no_error (error);
    t_load = qrt_bench_now () - t0;
  }

  for (int r = 0; r < runs; r++)
    for (guint threads = 0; threads <= 1; threads++)
      {
        g_autoptr(QrtZonalInput) input = qrt_zonal_input_from_project (project, "districts", "fid",
                                                                       "name");
        double t0, t;
        QrtIndicatorTable *result;

        /* The computation is measured, not the result cache. */
        qrt_zonal_clear_cache ();
        t0 = qrt_bench_now ();
        result = qrt_zonal_evaluate (input, set, threads, NULL, &error);
        t = qrt_bench_now () - t0;
        g_assert_no_error (error);
        g_array_append_val (threads == 0 ? ours : ours_one, t);
        if (table == NULL)
          table = result;
        else
          {
            /* Same values whatever the number of threads, to the last bit. */
            for (guint j = 0; j < 4; j++)
              for (guint i = 0; i < qrt_indicator_table_get_n_districts (table); i++)
                {
                  double a = qrt_indicator_table_get_value (table, j, i);
                  double b = qrt_indicator_table_get_value (result, j, i);

                  if (memcmp (&a, &b, sizeof a) != 0)
                    mismatches++;
                }
            qrt_indicator_table_unref (result);
          }
      }

  for (guint i = 0; i < qrt_indicator_table_get_n_districts (table); i++)
    {
      const double *row = g_hash_table_lookup (reference, qrt_indicator_table_get_district_id (table, i));

      if (row == NULL)
        {
          mismatches++;
          continue;
        }
      for (guint j = 0; j < 4; j++)
        {
          double v = qrt_indicator_table_get_value (table, j, i);
          gboolean same = j == 0 ? fabs (v - row[0]) <= 1e-6 * MAX (1e-3, fabs (row[0])) + 5e-7
                                 : v == row[j];

          if (!same)
            {
              mismatches++;
              printf ("  district %s, %s: Quartier %.9g, SpatiaLite %.9g\n",
                      qrt_indicator_table_get_district_id (table, i),
                      qrt_indicator_table_get_indicator (table, j)->id, v, row[j]);
            }
        }
    }

  printf ("zonal indicators, %u districts (sealed share, buildings, residents, trees), median of %d\n",
          qrt_indicator_table_get_n_districts (table), runs);
  printf ("  SpatiaLite SQL (GDAL SQLite dialect):  %.3f s\n", qrt_bench_median (peer));
  printf ("  Quartier, all cores:                   %.3f s   %.1f× faster\n",
          qrt_bench_median (ours),
          qrt_bench_median (peer) / qrt_bench_median (ours));
  printf ("  Quartier, one thread:                  %.3f s   %.1f× faster\n",
          qrt_bench_median (ours_one),
          qrt_bench_median (peer) / qrt_bench_median (ours_one));
  printf ("  (loading the layers once: %.3f s)\n", t_load);
  printf ("  values that differ from SpatiaLite or between thread counts: %d\n", mismatches);
  return mismatches == 0 ? 0 : 1;
}
