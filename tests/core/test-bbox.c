/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-core.h"

static void
test_parse (void)
{
  QrtBBox box;

  g_assert_true (qrt_bbox_parse ("430000,5690000,437000.5,5699000", &box));
  g_assert_cmpfloat (box.min_x, ==, 430000);
  g_assert_cmpfloat (box.max_x, ==, 437000.5);
  g_assert_cmpfloat (box.max_y, ==, 5699000);
  g_assert_true (qrt_bbox_parse (" 1 , 2 , 3 , 4 ", &box));

  g_assert_false (qrt_bbox_parse ("1,2,3", &box));
  g_assert_false (qrt_bbox_parse ("1,2,3,4,5", &box));
  g_assert_false (qrt_bbox_parse ("3,2,1,4", &box));
  g_assert_false (qrt_bbox_parse ("1,2,1,4", &box));
  g_assert_false (qrt_bbox_parse ("a,2,3,4", &box));
  g_assert_false (qrt_bbox_parse ("1,2,nan,4", &box));
  g_assert_false (qrt_bbox_parse ("1,2,inf,4", &box));
  g_assert_false (qrt_bbox_parse ("", &box));
}

static void
test_union_intersects (void)
{
  QrtBBox a, b = { 5, 5, 6, 6 }, c = { 2, 2, 3, 3 };

  qrt_bbox_init_empty (&a);
  g_assert_true (qrt_bbox_is_empty (&a));
  qrt_bbox_union (&a, &c);
  g_assert_false (qrt_bbox_is_empty (&a));
  g_assert_false (qrt_bbox_intersects (&a, &b));
  qrt_bbox_extend (&a, 5, 5);
  g_assert_true (qrt_bbox_intersects (&a, &b));
  g_assert_true (qrt_bbox_contains (&a, &c));
  g_assert_false (qrt_bbox_contains (&a, &b));
  g_assert_cmpfloat (a.max_x, ==, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/bbox/parse", test_parse);
  g_test_add_func ("/bbox/union-intersects", test_union_intersects);

  return g_test_run ();
}
