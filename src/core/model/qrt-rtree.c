/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qrt-bbox.h"
#include "qrt-rtree.h"

#define NODE_SIZE 16

/*
 * Sort-Tile-Recursive packing: items are sorted into vertical slices by centre x, each slice
 * by centre y, and grouped NODE_SIZE at a time. Upper levels group consecutive nodes of the
 * level below, which STR has already laid out in spatial order. Nothing changes after
 * qrt_rtree_new(), so queries need no locking.
 */
struct _QrtRTree
{
  guint    n_items;
  guint32 *order;          /* slot -> item index */
  QrtBBox *item_boxes;     /* in slot order */
  guint    n_levels;
  guint   *level_sizes;    /* level 0 groups items, the last level is the root */
  QrtBBox **levels;
};

typedef struct
{
  const QrtBBox *boxes;
  gboolean       by_x;
} SortContext;

static int
compare_centres (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const SortContext *ctx = user_data;
  const QrtBBox *ba = &ctx->boxes[*(const guint32 *) a];
  const QrtBBox *bb = &ctx->boxes[*(const guint32 *) b];
  double ca = ctx->by_x ? ba->min_x + ba->max_x : ba->min_y + ba->max_y;
  double cb = ctx->by_x ? bb->min_x + bb->max_x : bb->min_y + bb->max_y;

  if (ca < cb)
    return -1;
  if (ca > cb)
    return 1;
  /* Ties by index keep the packing deterministic whatever the sort algorithm does. */
  return (int) (*(const guint32 *) a > *(const guint32 *) b) -
         (int) (*(const guint32 *) a < *(const guint32 *) b);
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
 * @boxes: (array length=n_boxes): one box per item
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
  SortContext ctx = { boxes, TRUE };
  guint n_leaves, n_slices, slice_len;
  QrtBBox *level;
  guint level_n;

  g_return_val_if_fail (boxes != NULL || n_boxes == 0, NULL);

  tree->n_items = n_boxes;
  tree->order = g_new (guint32, MAX (n_boxes, 1));
  for (guint i = 0; i < n_boxes; i++)
    tree->order[i] = i;

  n_leaves = (n_boxes + NODE_SIZE - 1) / NODE_SIZE;
  n_slices = MAX (1, (guint) ceil (sqrt ((double) n_leaves)));
  slice_len = n_slices * NODE_SIZE;

  g_qsort_with_data (tree->order, n_boxes, sizeof (guint32), compare_centres, &ctx);
  ctx.by_x = FALSE;
  for (guint s = 0; s * slice_len < n_boxes; s++)
    {
      guint start = s * slice_len;
      guint len = MIN (slice_len, n_boxes - start);

      g_qsort_with_data (tree->order + start, len, sizeof (guint32), compare_centres, &ctx);
    }

  tree->item_boxes = g_new (QrtBBox, MAX (n_boxes, 1));
  for (guint i = 0; i < n_boxes; i++)
    tree->item_boxes[i] = boxes[tree->order[i]];

  level = group_boxes (tree->item_boxes, n_boxes, &level_n);
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
  g_free (tree->item_boxes);
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
        if (qrt_bbox_intersects (&tree->item_boxes[i], query))
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

  size = sizeof *tree + tree->n_items * (sizeof (guint32) + sizeof (QrtBBox));
  for (guint i = 0; i < tree->n_levels; i++)
    size += tree->level_sizes[i] * sizeof (QrtBBox);
  return size;
}
