/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "qrt-demo-private.h"

/*
 * Musterstadt's people (see qrt-demo-town.c for the plan): dwellings and residents per
 * building, the districts' population by age from 2015 to 2040, schools and day care.
 */
/* --- step: population ------------------------------------------------------------------------- */

/* Dwellings a building could hold: one floor's share of footprint per 70 m² flat. */
static int
dwelling_capacity (const QrtDemoBuilding *b)
{
  int per_floor = MAX (1, (int) floor (b->footprint * 0.78 / 70.0));

  switch (b->use)
    {
    case QRT_DEMO_USE_RESIDENTIAL:
      if (b->floors <= 2 && b->footprint < 180.0)
        return 2;            /* a house, perhaps with a granny flat */
      return MAX (2, per_floor * b->floors);
    case QRT_DEMO_USE_MIXED:
      return MAX (1, per_floor * (b->floors - 1));   /* shops on the ground floor */
    case QRT_DEMO_USE_COMMERCIAL:
    case QRT_DEMO_USE_INDUSTRIAL:
    case QRT_DEMO_USE_PUBLIC:
    case QRT_DEMO_USE_AGRICULTURAL:
    case QRT_DEMO_N_USES:
    default:
      return 0;
    }
}

/* Household sizes roughly as in a German small town (1.9 persons per household). */
static int
household_size (QrtDemoRng *rng)
{
  static const double weights[] = { 0.43, 0.35, 0.11, 0.08, 0.03 };

  return 1 + (int) _qrt_demo_rng_pick (rng, weights, G_N_ELEMENTS (weights));
}

static void
split_by_shares (gint64        total,
                 const double *shares,
                 guint         n,
                 gint64       *out)
{
  /* Largest remainder: integer parts that add up to @total exactly. */
  double sum = 0.0;
  gint64 assigned = 0;
  double remainders[16];

  g_assert (n <= G_N_ELEMENTS (remainders));

  for (guint i = 0; i < n; i++)
    sum += shares[i];
  for (guint i = 0; i < n; i++)
    {
      double exact = total * shares[i] / sum;

      out[i] = (gint64) floor (exact);
      remainders[i] = exact - out[i];
      assigned += out[i];
    }
  while (assigned < total)
    {
      guint best = 0;

      for (guint i = 1; i < n; i++)
        if (remainders[i] > remainders[best])
          best = i;
      out[best]++;
      remainders[best] = -1.0;
      assigned++;
    }
}

gboolean
_qrt_demo_step_population (QrtDemoTown *town,
                           GError     **error)
{
  /* Age structure of 2025, and how it shifts per year (percentage points): fewer children
   * and people of working age, more over 65 — the Sauerland is ageing. */
  static const double base_shares[QRT_DEMO_N_AGE_GROUPS] = {
    5.2, 10.8, 12.3, 17.0, 28.7, 17.0, 9.0,
  };
  static const double yearly_shift[QRT_DEMO_N_AGE_GROUPS] = {
    -0.015, -0.035, -0.04, -0.02, -0.08, 0.11, 0.08,
  };
  GArray *buildings = town->buildings;
  guint n_districts = town->districts->len;
  QrtDemoRng rng;
  double target_residents;
  gint64 target_dwellings, dwellings = 0, spare_total = 0;
  g_autofree gint64 *district_dwellings = g_new0 (gint64, n_districts);

  _qrt_demo_rng_init (&rng, town->seed, "population");
  target_residents = _qrt_demo_rng_range (&rng, 72000.0, 80000.0);
  target_dwellings = (gint64) (target_residents / 1.93);

  /* Every home has one dwelling; the rest of the town's dwellings go to the larger blocks
   * in proportion to their room, by largest remainder. */
  for (guint i = 0; i < buildings->len; i++)
    {
      QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);
      int capacity = dwelling_capacity (b);

      b->dwellings = capacity > 0 ? 1 : 0;
      dwellings += b->dwellings;
      spare_total += MAX (0, capacity - b->dwellings);
    }

  if (target_dwellings > dwellings && spare_total > 0)
    {
      double ratio = MIN (1.0, (double) (target_dwellings - dwellings) / spare_total);

      for (guint i = 0; i < buildings->len; i++)
        {
          QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);
          int spare = MAX (0, dwelling_capacity (b) - b->dwellings);
          double extra = spare * ratio;
          int whole = (int) floor (extra);

          /* The fraction is settled by a draw, which keeps the expected total exact. */
          if (_qrt_demo_rng_uniform (&rng) < extra - whole)
            whole++;
          b->dwellings += MIN (whole, spare);
        }
    }

  /* Keep every district's density in 300–9,000 inhabitants per km² with room to spare. */
  for (guint i = 0; i < buildings->len; i++)
    {
      QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);

      district_dwellings[b->district] += b->dwellings;
    }
  for (guint d = 0; d < n_districts; d++)
    {
      QrtDemoDistrict *district = _qrt_demo_district_at (town, d);
      double km2 = district->area / 1e6;
      gint64 low = (gint64) ceil (420.0 * km2 / 1.93);
      gint64 high = (gint64) floor (8000.0 * km2 / 1.93);
      gboolean changed = TRUE;

      while (changed && (district_dwellings[d] < low || district_dwellings[d] > high))
        {
          changed = FALSE;
          for (guint i = 0; i < buildings->len; i++)
            {
              QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);

              if (b->district != (int) d)
                continue;
              if (district_dwellings[d] < low && b->use == QRT_DEMO_USE_RESIDENTIAL)
                {
                  /* Raise a floor rather than exceed a house's room. */
                  if (b->dwellings >= dwelling_capacity (b))
                    b->floors++;
                  b->dwellings++;
                  district_dwellings[d]++;
                  changed = TRUE;
                }
              else if (district_dwellings[d] > high && b->dwellings > 1)
                {
                  b->dwellings--;
                  district_dwellings[d]--;
                  changed = TRUE;
                }
              if (district_dwellings[d] >= low && district_dwellings[d] <= high)
                break;
            }
        }
    }

  for (guint i = 0; i < buildings->len; i++)
    {
      QrtDemoBuilding *b = &g_array_index (buildings, QrtDemoBuilding, i);
      QrtDemoDistrict *district = _qrt_demo_district_at (town, b->district);

      b->residents = 0;
      for (int k = 0; k < b->dwellings; k++)
        b->residents += household_size (&rng);
      district->population[QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR] += b->residents;
    }

  /* Each district's history and forecast: a trend of its own (the villages shrink faster),
   * a little noise in the past, and an age structure that shifts towards the old. */
  for (guint d = 0; d < n_districts; d++)
    {
      QrtDemoDistrict *district = _qrt_demo_district_at (town, d);
      gint64 base = district->population[QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR];
      double shares[QRT_DEMO_N_AGE_GROUPS];
      double growth;

      _qrt_demo_rng_init_indexed (&rng, town->seed, "district-population", d);
      growth = district->rural ? _qrt_demo_rng_range (&rng, -0.009, -0.002)
                               : _qrt_demo_rng_range (&rng, -0.005, 0.004);
      for (guint g = 0; g < QRT_DEMO_N_AGE_GROUPS; g++)
        shares[g] = base_shares[g] * exp (0.08 * _qrt_demo_rng_normal (&rng));
      if (district->rural)
        {
          shares[5] *= 1.08;
          shares[6] *= 1.08;
        }

      for (int year = QRT_DEMO_FIRST_YEAR; year <= QRT_DEMO_LAST_YEAR; year++)
        {
          guint y = year - QRT_DEMO_FIRST_YEAR;
          double year_shares[QRT_DEMO_N_AGE_GROUPS];
          double noise = 1.0;
          double trend = pow (1.0 + growth, year - QRT_DEMO_BASE_YEAR);

          /* The past wobbles a little; a forecast is smooth. */
          if (year < QRT_DEMO_BASE_YEAR)
            noise += 0.004 * _qrt_demo_rng_normal (&rng);
          if (year != QRT_DEMO_BASE_YEAR)
            district->population[y] = (gint64) round (base * trend * noise);

          for (guint g = 0; g < QRT_DEMO_N_AGE_GROUPS; g++)
            year_shares[g] = MAX (0.5, shares[g] + yearly_shift[g] * (year - QRT_DEMO_BASE_YEAR));
          split_by_shares (district->population[y], year_shares, QRT_DEMO_N_AGE_GROUPS,
                           district->by_age[y]);
        }
    }

  return _qrt_demo_check_cancelled (town, error);
}

/* --- step: schools and day care --------------------------------------------------------------- */

/* The largest public building of the district that no school or Kita uses yet, or -1. */
static int
free_public_building (QrtDemoTown *town,
                      int          district,
                      gboolean    *used,
                      gboolean     any_use)
{
  int best = -1;
  double best_area = 0.0;

  for (guint i = 0; i < town->buildings->len; i++)
    {
      const QrtDemoBuilding *b = &g_array_index (town->buildings, QrtDemoBuilding, i);

      if (used[i] || (district >= 0 && b->district != district))
        continue;
      if (any_use ? b->use == QRT_DEMO_USE_INDUSTRIAL || b->use == QRT_DEMO_USE_AGRICULTURAL
                  : b->use != QRT_DEMO_USE_PUBLIC)
        continue;
      if (b->footprint > best_area)
        {
          best_area = b->footprint;
          best = (int) i;
        }
    }

  return best;
}

static gboolean
add_facility (QrtDemoTown *town,
              GArray      *facilities,
              int          district,
              gboolean    *used,
              char        *name,
              const char  *type,
              int          capacity)
{
  int b = free_public_building (town, district, used, FALSE);
  QrtDemoFacility facility;

  if (b < 0)
    b = free_public_building (town, district, used, TRUE);
  if (b < 0)
    {
      g_free (name);
      return FALSE;
    }

  used[b] = TRUE;
  facility.x = g_array_index (town->buildings, QrtDemoBuilding, b).centroid_x;
  facility.y = g_array_index (town->buildings, QrtDemoBuilding, b).centroid_y;
  facility.name = name;
  facility.type = g_strdup (type);
  facility.capacity = capacity;
  g_array_append_val (facilities, facility);

  return TRUE;
}

/* Names drawn in a shuffled order, so that no two schools are named after the same person. */
typedef struct
{
  const char * const *names;
  guint              *order;
  guint               n;
  guint               next;
} Names;

static void
names_init (Names              *names,
            const char * const *list,
            QrtDemoRng         *rng)
{
  names->names = list;
  names->n = _qrt_demo_names_count (list);
  names->order = g_new (guint, names->n);
  for (guint i = 0; i < names->n; i++)
    names->order[i] = i;
  _qrt_demo_rng_shuffle (rng, names->order, names->n);
  names->next = 0;
}

static const char *
names_take (Names *names)
{
  return names->names[names->order[names->next++ % names->n]];
}

static gint64
residents_2025 (QrtDemoTown *town,
                guint        district)
{
  guint base = QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR;

  return _qrt_demo_district_at (town, district)->population[base];
}

gboolean
_qrt_demo_step_facilities (QrtDemoTown *town,
                           GError     **error)
{
  static const char * const kita_carriers[] = {
    "Kita", "Städtische Kita", "Ev. Kita", "AWO-Kita", "Familienzentrum",
  };
  g_autofree gboolean *used = g_new0 (gboolean, town->buildings->len);
  guint base = QRT_DEMO_BASE_YEAR - QRT_DEMO_FIRST_YEAR;
  guint n_urban = town->n_urban;
  guint largest_village = n_urban;
  Names persons, kitas;
  QrtDemoRng rng;

  _qrt_demo_rng_init (&rng, town->seed, "facilities");
  names_init (&persons, _qrt_demo_person_names, &rng);
  names_init (&kitas, _qrt_demo_kita_names, &rng);

  /* Secondary schools in town; the Altstadt has the old Gymnasium. */
  add_facility (town, town->schools, 0, used, g_strdup ("Städtisches Gymnasium Musterstadt"),
                "Gymnasium", _qrt_demo_rng_int (&rng, 38, 55) * 20);
  add_facility (town, town->schools, 1 % n_urban, used,
                g_strdup_printf ("%s-Gymnasium", names_take (&persons)),
                "Gymnasium", _qrt_demo_rng_int (&rng, 35, 50) * 20);
  add_facility (town, town->schools, 2 % n_urban, used, g_strdup ("Gesamtschule Musterstadt"),
                "Gesamtschule", _qrt_demo_rng_int (&rng, 50, 65) * 20);
  add_facility (town, town->schools, 3 % n_urban, used,
                g_strdup_printf ("Realschule %s", _qrt_demo_district_at (town, 3 % n_urban)->name),
                "Realschule", _qrt_demo_rng_int (&rng, 25, 35) * 20);
  add_facility (town, town->schools, 4 % n_urban, used,
                g_strdup_printf ("%s-Schule", names_take (&persons)),
                "Förderschule", _qrt_demo_rng_int (&rng, 6, 10) * 20);
  add_facility (town, town->schools, 5 % n_urban, used, g_strdup ("Berufskolleg Musterstadt"),
                "Berufskolleg", _qrt_demo_rng_int (&rng, 15, 25) * 100);

  /* The villages share a Sekundarschule in the largest of them. */
  for (guint d = n_urban; d < town->districts->len; d++)
    if (residents_2025 (town, d) > residents_2025 (town, largest_village))
      largest_village = d;
  if (largest_village < town->districts->len)
    add_facility (town, town->schools, (int) largest_village, used,
                  g_strdup_printf ("Sekundarschule %s",
                                   _qrt_demo_district_at (town, largest_village)->name),
                  "Sekundarschule", _qrt_demo_rng_int (&rng, 20, 30) * 20);

  /* Primary schools: one per about 180 pupils (3.6 % of the residents are of primary-school
   * age), in the most populous districts; every other district sends its children to the
   * nearest of them, and the schools are sized for that. */
  {
    guint n = town->districts->len;
    g_autofree guint *by_size = g_new (guint, n);
    g_autofree int *school_of = g_new (int, n);
    g_autofree double *pupils = g_new0 (double, n);
    double total = 0.0;
    guint n_primary;

    for (guint d = 0; d < n; d++)
      {
        by_size[d] = d;
        total += residents_2025 (town, d) * 0.036;
      }
    n_primary = (guint) CLAMP (round (total / 180.0), 8.0, (double) n);

    /* Largest first; a stable insertion sort keeps ties in district order. */
    for (guint a = 1; a < n; a++)
      {
        guint moving = by_size[a];
        guint b = a;

        while (b > 0 && residents_2025 (town, by_size[b - 1]) < residents_2025 (town, moving))
          {
            by_size[b] = by_size[b - 1];
            b--;
          }
        by_size[b] = moving;
      }

    for (guint d = 0; d < n; d++)
      {
        const QrtDemoXY *here = &_qrt_demo_district_at (town, d)->seed;
        double best = G_MAXDOUBLE;

        for (guint k = 0; k < n_primary; k++)
          {
            const QrtDemoXY *there = &_qrt_demo_district_at (town, by_size[k])->seed;
            double apart = _qrt_demo_distance (here->x, here->y, there->x, there->y);

            if (apart < best)
              {
                best = apart;
                school_of[d] = (int) by_size[k];
              }
          }
        pupils[school_of[d]] += residents_2025 (town, d) * 0.036;
      }

    for (guint d = 0; d < n; d++)
      {
        QrtDemoDistrict *district = _qrt_demo_district_at (town, d);
        char *name;

        if (school_of[d] != (int) d)
          continue;
        if (_qrt_demo_rng_chance (&rng, 0.3))
          name = g_strdup_printf ("%s-Grundschule", names_take (&persons));
        else
          name = g_strdup_printf ("Grundschule %s", district->name);
        add_facility (town, town->schools, (int) d, used, name, "Grundschule",
                      (int) CLAMP (ceil (pupils[d] * 1.05 / 25.0) * 25.0, 75.0, 450.0));
      }
  }

  /* Kitas: about one place for nine in ten children under six, 20 to 25 per group. */
  for (guint d = 0; d < town->districts->len; d++)
    {
      QrtDemoDistrict *district = _qrt_demo_district_at (town, d);
      int places = (int) (district->by_age[base][0] * 0.9);
      int n = MAX (1, (int) round (places / 75.0));

      for (int k = 0; k < n; k++)
        {
          int capacity = MAX (20, (int) round ((double) places / n / 5.0) * 5);
          gboolean fresh = kitas.next < kitas.n;
          const char *theme = names_take (&kitas);
          int carrier = _qrt_demo_rng_int (&rng, 0, G_N_ELEMENTS (kita_carriers) - 1);
          char *name;

          /* Once the names run out, a Kita is called after its district. */
          if (fresh && g_str_has_prefix (theme, "St. "))
            name = g_strdup_printf ("Kath. Kita %s", theme);
          else if (fresh)
            name = g_strdup_printf ("%s %s", kita_carriers[carrier], theme);
          else
            name = g_strdup_printf ("Kita %s %d", district->name, k + 1);

          add_facility (town, town->daycare, (int) d, used, name, NULL, MIN (capacity, 150));
        }
    }

  g_free (persons.order);
  g_free (kitas.order);

  return _qrt_demo_check_cancelled (town, error);
}
