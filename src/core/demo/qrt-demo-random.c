/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "qrt-demo-private.h"

/*
 * The demo must be the same town for the same seed on every run and every machine, so it
 * cannot use g_random (its sequence is a GLib implementation detail) nor rand(). xoshiro256**
 * and splitmix64 are tiny, fast and fully specified by their published reference algorithms.
 */

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* FNV-1a over the stream name, mixed with the seed: a stable per-stream seed. */
guint64
_qrt_demo_hash_stream (guint64     seed,
                       const char *stream)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  guint64 state;

  for (const char *p = stream; *p != '\0'; p++)
    {
      h ^= (guchar) *p;
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }

  state = h ^ seed;
  return splitmix64 (&state);
}

void
_qrt_demo_rng_init_indexed (QrtDemoRng *rng,
                            guint64     seed,
                            const char *stream,
                            guint64     index)
{
  guint64 state = _qrt_demo_hash_stream (seed, stream)
                ^ (index * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  for (guint i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&state);
}

void
_qrt_demo_rng_init (QrtDemoRng *rng,
                    guint64     seed,
                    const char *stream)
{
  _qrt_demo_rng_init_indexed (rng, seed, stream, 0);
}

guint64
_qrt_demo_rng_next (QrtDemoRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);

  return result;
}

/* Uniform in [0, 1) with 53 random bits. */
double
_qrt_demo_rng_uniform (QrtDemoRng *rng)
{
  return (_qrt_demo_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

double
_qrt_demo_rng_range (QrtDemoRng *rng,
                     double      lo,
                     double      hi)
{
  return lo + (hi - lo) * _qrt_demo_rng_uniform (rng);
}

/* Uniform integer in [lo, hi], both included. */
int
_qrt_demo_rng_int (QrtDemoRng *rng,
                   int         lo,
                   int         hi)
{
  guint64 span;

  g_assert (hi >= lo);

  span = (guint64) ((gint64) hi - lo) + 1;
  return lo + (int) (_qrt_demo_rng_next (rng) % span);
}

/* Standard normal by Box–Muller; one of the pair is dropped, which keeps the state simple. */
double
_qrt_demo_rng_normal (QrtDemoRng *rng)
{
  double u1 = 1.0 - _qrt_demo_rng_uniform (rng);
  double u2 = _qrt_demo_rng_uniform (rng);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

gboolean
_qrt_demo_rng_chance (QrtDemoRng *rng,
                      double      probability)
{
  return _qrt_demo_rng_uniform (rng) < probability;
}

guint
_qrt_demo_rng_pick (QrtDemoRng   *rng,
                    const double *weights,
                    guint         n_weights)
{
  double total = 0.0;
  double r;

  for (guint i = 0; i < n_weights; i++)
    total += weights[i];

  r = _qrt_demo_rng_uniform (rng) * total;
  for (guint i = 0; i < n_weights; i++)
    {
      if (r < weights[i])
        return i;
      r -= weights[i];
    }

  return n_weights - 1;
}

/* Fisher–Yates. */
void
_qrt_demo_rng_shuffle (QrtDemoRng *rng,
                       guint      *items,
                       guint       n_items)
{
  for (guint i = n_items; i > 1; i--)
    {
      guint j = (guint) _qrt_demo_rng_int (rng, 0, (int) i - 1);
      guint tmp = items[i - 1];

      items[i - 1] = items[j];
      items[j] = tmp;
    }
}

/* --- value noise ---------------------------------------------------------------------------- */

static inline double
lattice (guint64 seed,
         gint64  ix,
         gint64  iy)
{
  guint64 state = seed ^ ((guint64) ix * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15))
                       ^ ((guint64) iy * G_GUINT64_CONSTANT (0xc2b2ae3d27d4eb4f));

  return (splitmix64 (&state) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double
smooth (double t)
{
  return t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
}

/* Smooth value noise in [0, 1] with features about one unit apart. */
double
_qrt_demo_noise2 (guint64 seed,
                  double  x,
                  double  y)
{
  double fx = floor (x);
  double fy = floor (y);
  gint64 ix = (gint64) fx;
  gint64 iy = (gint64) fy;
  double tx = smooth (x - fx);
  double ty = smooth (y - fy);
  double a = lattice (seed, ix, iy);
  double b = lattice (seed, ix + 1, iy);
  double c = lattice (seed, ix, iy + 1);
  double d = lattice (seed, ix + 1, iy + 1);
  double top = a + (b - a) * tx;
  double bottom = c + (d - c) * tx;

  return top + (bottom - top) * ty;
}

double
_qrt_demo_noise1 (guint64 seed,
                  double  x)
{
  return _qrt_demo_noise2 (seed, x, 0.5);
}

/* Fractal sum of octaves, normalised back to [0, 1]. */
double
_qrt_demo_fbm2 (guint64 seed,
                double  x,
                double  y,
                guint   octaves)
{
  double sum = 0.0;
  double norm = 0.0;
  double amplitude = 1.0;

  for (guint i = 0; i < octaves; i++)
    {
      sum += amplitude * _qrt_demo_noise2 (seed + i * 7919, x, y);
      norm += amplitude;
      amplitude *= 0.5;
      x *= 2.03;
      y *= 2.03;
    }

  return sum / norm;
}
