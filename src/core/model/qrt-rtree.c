/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qrt-bbox.h"
#include "qrt-rtree.h"

#define NODE_SIZE 16

/*
 * A packed Hilbert R-tree: items are ordered along a Hilbert curve through their centres (a
 * linear-time radix sort, stable, so the order is the same on every run) and grouped
 * NODE_SIZE at a time; upper levels group consecutive nodes of the level below. Nothing
 * changes after qrt_rtree_new(), so queries need no locking.
 */
struct _QrtRTree
{
  guint    n_items;
  guint32 *order;          /* slot -> item index */
  const QrtBBox *boxes;    /* the caller's, by item index; not copied */
  guint    n_levels;
  guint   *level_sizes;    /* level 0 groups items, the last level is the root */
  QrtBBox **levels;
};

/* Position of (x, y), each 0..65535, along the Hilbert curve of order 16. */
static guint32
hilbert_index (guint32 x,
               guint32 y)
{
  guint32 d = 0;

  for (guint32 s = 1u << 15; s > 0; s >>= 1)
    {
      guint32 rx = (x & s) > 0;
      guint32 ry = (y & s) > 0;

      d += s * s * ((3 * rx) ^ ry);
      if (ry == 0)
        {
          if (rx == 1)
            {
              x = s - 1 - x;
              y = s - 1 - y;
            }
          /* Only the low bits below s matter from here on. */
          {
            guint32 t = x;

            x = y;
            y = t;
          }
        }
      x &= s - 1;
      y &= s - 1;
    }
  return d;
}

/* Stable LSD radix sort of (key << 32 | index) pairs by their key, a byte per pass; the pairs
 * are read in sequence, which keeps the passes in cache. Ties keep the index order. */
static void
radix_sort (guint64 *pairs,
            guint    n)
{
  g_autofree guint64 *tmp = g_new (guint64, MAX (1, n));
  guint64 *from = pairs, *to = tmp;

  for (guint shift = 32; shift < 64; shift += 8)
    {
      guint count[257] = { 0 };

      for (guint i = 0; i < n; i++)
        count[((from[i] >> shift) & 0xff) + 1]++;
      for (guint b = 0; b < 256; b++)
        count[b + 1] += count[b];
      for (guint i = 0; i < n; i++)
        to[count[(from[i] >> shift) & 0xff]++] = from[i];
      {
        guint64 *t = from;

        from = to;
        to = t;
      }
    }
  /* Four passes: the result is back in @pairs. */
  g_assert (from == pairs);
}

static QrtBBox *
group_boxes (const QrtBBox *boxes,
             guint          n,
             guint         *n_groups)
{
  guint groups = (n + NODE_SIZE - 1) / NODE_SIZE;
  QrtBBox *out = g_new (QrtBBox, MAX (groups, 1));

  for (guint g = 0; g < groups; g++)
    {
      guint end = MIN (n, (g + 1) * NODE_SIZE);

      qrt_bbox_init_empty (&out[g]);
      for (guint i = g * NODE_SIZE; i < end; i++)
        qrt_bbox_union (&out[g], &boxes[i]);
    }

  *n_groups = groups;
  return out;
}

/**
 * qrt_rtree_new:
 * @boxes: (array length=n_boxes): one box per item; kept, not copied: it must outlive the tree
 * @n_boxes: number of items
 *
 * Returns: (transfer full): a packed tree over @boxes; item i is reported as index i.
 */
QrtRTree *
qrt_rtree_new (const QrtBBox *boxes,
               guint          n_boxes)
{
  QrtRTree *tree = g_new0 (QrtRTree, 1);
  g_autoptr(GPtrArray) levels = g_ptr_array_new ();
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree guint64 *pairs = g_new (guint64, MAX (n_boxes, 1));
  QrtBBox extent;
  QrtBBox *level;
  guint level_n;
  double sx, sy;

  g_return_val_if_fail (boxes != NULL || n_boxes == 0, NULL);

  qrt_bbox_init_empty (&extent);
  for (guint i = 0; i < n_boxes; i++)
    qrt_bbox_union (&extent, &boxes[i]);
  sx = extent.max_x > extent.min_x ? 65535.0 / (extent.max_x - extent.min_x) : 0;
  sy = extent.max_y > extent.min_y ? 65535.0 / (extent.max_y - extent.min_y) : 0;

  tree->n_items = n_boxes;
  tree->order = g_new (guint32, MAX (n_boxes, 1));
  for (guint i = 0; i < n_boxes; i++)
    {
      double cx = ((boxes[i].min_x + boxes[i].max_x) / 2 - extent.min_x) * sx;
      double cy = ((boxes[i].min_y + boxes[i].max_y) / 2 - extent.min_y) * sy;

      pairs[i] = (guint64) hilbert_index ((guint32) CLAMP (cx, 0, 65535),
                                          (guint32) CLAMP (cy, 0, 65535)) << 32 | i;
    }
  radix_sort (pairs, n_boxes);
  for (guint i = 0; i < n_boxes; i++)
    tree->order[i] = (guint32) pairs[i];

  tree->boxes = boxes;

  {
    /* Level 0 groups items in slot order. */
    g_autofree QrtBBox *slots = g_new (QrtBBox, MAX (n_boxes, 1));

    for (guint i = 0; i < n_boxes; i++)
      slots[i] = boxes[tree->order[i]];
    level = group_boxes (slots, n_boxes, &level_n);
  }
  g_ptr_array_add (levels, level);
  g_array_append_val (sizes, level_n);
  while (level_n > 1)
    {
      level = group_boxes (level, level_n, &level_n);
      g_ptr_array_add (levels, level);
      g_array_append_val (sizes, level_n);
    }

  tree->n_levels = levels->len;
  tree->levels = (QrtBBox **) g_ptr_array_free (g_steal_pointer (&levels), FALSE);
  tree->level_sizes = (guint *) g_array_free (g_steal_pointer (&sizes), FALSE);

  return tree;
}

void
qrt_rtree_free (QrtRTree *tree)
{
  if (tree == NULL)
    return;

  for (guint i = 0; i < tree->n_levels; i++)
    g_free (tree->levels[i]);
  g_free (tree->levels);
  g_free (tree->level_sizes);
  g_free (tree->order);
  g_free (tree);
}

static void
search_node (const QrtRTree *tree,
             guint           level,
             guint           node,
             const QrtBBox  *query,
             GArray         *hits)
{
  guint first = node * NODE_SIZE;

  if (level == 0)
    {
      guint end = MIN (tree->n_items, first + NODE_SIZE);

      for (guint i = first; i < end; i++)
        if (qrt_bbox_intersects (&tree->boxes[tree->order[i]], query))
          g_array_append_val (hits, tree->order[i]);
      return;
    }

  for (guint child = first; child < MIN (tree->level_sizes[level - 1], first + NODE_SIZE); child++)
    if (qrt_bbox_intersects (&tree->levels[level - 1][child], query))
      search_node (tree, level - 1, child, query, hits);
}

static int
compare_guint (gconstpointer a,
               gconstpointer b)
{
  guint ua = *(const guint *) a;
  guint ub = *(const guint *) b;

  return (ua > ub) - (ua < ub);
}

/**
 * qrt_rtree_query:
 * @tree: a tree
 * @query: the box to search
 *
 * Returns: (transfer full) (element-type guint): indices of the items whose box intersects
 *   @query, in ascending order, so callers keep the items' original order (drawing order).
 */
GArray *
qrt_rtree_query (const QrtRTree *tree,
                 const QrtBBox  *query)
{
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (guint));
  guint top;

  g_return_val_if_fail (tree != NULL, hits);
  g_return_val_if_fail (query != NULL, hits);

  if (tree->n_items == 0)
    return hits;

  top = tree->n_levels - 1;
  for (guint node = 0; node < tree->level_sizes[top]; node++)
    if (qrt_bbox_intersects (&tree->levels[top][node], query))
      search_node (tree, top, node, query, hits);

  g_array_sort (hits, compare_guint);
  return hits;
}

gsize
qrt_rtree_get_memsize (const QrtRTree *tree)
{
  gsize size;

  g_return_val_if_fail (tree != NULL, 0);

  size = sizeof *tree + tree->n_items * sizeof (guint32);
  for (guint i = 0; i < tree->n_levels; i++)
    size += tree->level_sizes[i] * sizeof (QrtBBox);
  return size;
}
