/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qrt-rtree.h"

#define NODE_SIZE 16

/*
 * A packed Hilbert R-tree: items are ordered along a Hilbert curve through their centres (a
 * linear-time radix sort, stable, so the order is the same on every run) and grouped
 * NODE_SIZE at a time; upper levels group consecutive nodes of the level below. Nothing
 * changes after qrt_rtree_new(), so queries need no locking.
 *
 * The two trees of a layer (analysis CRS and Web Mercator) share one order: Web Mercator is a
 * smooth, monotonic map of the analysis plane over a municipality, so a curve through one is
 * as good a curve through the other, and the sort, the dearest step, runs once.
 */
typedef struct
{
  guint32 n;
  guint32 slots[];         /* slot -> item index */
} Order;

struct _QrtRTree
{
  QrtBoxes items;          /* the caller's boxes, not copied */
  Order   *order;          /* atomically reference-counted, shared with a same-order tree */
  gboolean sorted;         /* this tree made the order */
  guint    n_levels;
  guint   *level_sizes;    /* level 0 groups items, the last level is the root */
  QrtBBox **levels;
};

/*
 * The Hilbert index of order 16 by a nibble of x and y at a time. The curve's recursion only
 * ever mirrors (both coordinates complemented) and transposes (swapped) what is left; the two
 * commute, so which of them are in force is a state of two bits, and a table gives, for a
 * state and the next four bits of x and of y, the next eight bits of the index and the new
 * state. Four lookups replace sixteen rounds of branches.
 */
enum { SWAP = 1, FLIP = 2 };

static guint16 hilbert_table[4][16][16];

static gpointer
hilbert_table_init (gpointer data)
{
  for (guint state = 0; state < 4; state++)
    for (guint x = 0; x < 16; x++)
      for (guint y = 0; y < 16; y++)
        {
          guint s = state, d = 0;

          for (int b = 3; b >= 0; b--)
            {
              guint rx = (x >> b) & 1, ry = (y >> b) & 1;

              if (s & FLIP)
                {
                  rx ^= 1;
                  ry ^= 1;
                }
              if (s & SWAP)
                {
                  guint t = rx;

                  rx = ry;
                  ry = t;
                }
              d = d << 2 | ((3 * rx) ^ ry);
              if (ry == 0)
                s ^= SWAP | (rx ? FLIP : 0);
            }
          hilbert_table[state][x][y] = (guint16) (d | s << 8);
        }
  return NULL;
}

static inline guint32
hilbert_index (guint32 x,
               guint32 y)
{
  guint32 d = 0, state = 0;

  for (int shift = 12; shift >= 0; shift -= 4)
    {
      guint e = hilbert_table[state][(x >> shift) & 15][(y >> shift) & 15];

      d = d << 8 | (e & 0xff);
      state = e >> 8;
    }
  return d;
}

/* Stable LSD radix sort of (key << 32 | index) pairs by the top bits of their key; ties keep
 * the index order. Only as many bits as tell the items apart in cells of about one node (16
 * items): finer order inside a node changes nothing. The digits are up to 11 bits wide (a
 * count table of 8 KiB stays in the first-level cache), so 200,000 items take two scatter
 * passes; the counts of every digit are made in one pass before them (they do not depend on
 * the order). */
#define RADIX_MAX_BITS 11

static void
radix_sort (guint64 *pairs,
            guint    n)
{
  /* Cells of the curve at b bits number 2^b; at most about 4 items each (a quarter node). */
  guint bits = MIN (32, g_bit_storage (n) + 2);
  guint passes = (bits + RADIX_MAX_BITS - 1) / RADIX_MAX_BITS;
  guint digit = (bits + passes - 1) / passes;
  guint mask = (1u << digit) - 1;
  /* Digits of equal width may reach a bit or two below the key into the index: sorting by
   * those keeps ties in index order all the same. */
  guint lowest = 64 - passes * digit;
  g_autofree guint *counts = g_new0 (guint, passes * ((gsize) mask + 2));
  g_autofree guint64 *tmp = g_new (guint64, MAX (1, n));
  guint64 *from = pairs, *to = tmp;

  for (guint i = 0; i < n; i++)
    for (guint p = 0; p < passes; p++)
      counts[p * (mask + 2) + ((pairs[i] >> (lowest + p * digit)) & mask) + 1]++;

  for (guint p = 0; p < passes; p++)
    {
      guint *count = counts + p * (mask + 2);
      guint shift = lowest + p * digit;

      for (guint b = 0; b <= mask; b++)
        count[b + 1] += count[b];
      for (guint i = 0; i < n; i++)
        to[count[(from[i] >> shift) & mask]++] = from[i];
      {
        guint64 *t = from;

        from = to;
        to = t;
      }
    }
  if (from != pairs)
    memcpy (pairs, from, sizeof (guint64) * n);
}

static gpointer
hilbert_table_once (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, hilbert_table_init, NULL);
}

/**
 * qrt_curve_frame_init:
 * @area: where the items lie (those outside count as on its edge: still a valid tree, only
 *   not as good a one)
 *
 * A frame for qrt_curve_key(): a bulk reader that knows the extent beforehand makes the keys
 * as items come, and the tree only sorts them.
 */
void
qrt_curve_frame_init (QrtCurveFrame *frame,
                      const QrtBBox *area)
{
  hilbert_table_once ();
  frame->min_x = area->min_x;
  frame->min_y = area->min_y;
  frame->sx = area->max_x > area->min_x ? 65535.0 / (area->max_x - area->min_x) : 0;
  frame->sy = area->max_y > area->min_y ? 65535.0 / (area->max_y - area->min_y) : 0;
}

/* The place of an item whose box is centred at (@x, @y) on the curve. */
guint32
qrt_curve_key (const QrtCurveFrame *frame,
               double               x,
               double               y)
{
  double cx = (x - frame->min_x) * frame->sx, cy = (y - frame->min_y) * frame->sy;

  return hilbert_index ((guint32) CLAMP (cx, 0, 65535), (guint32) CLAMP (cy, 0, 65535));
}

/* Sorts (key << 32 | item) @pairs into an order. */
static Order *
order_from_pairs (guint64 *pairs,
                  guint    n)
{
  Order *order = g_atomic_rc_box_alloc (sizeof (Order) + sizeof (guint32) * MAX (1, n));

  radix_sort (pairs, n);
  order->n = n;
  for (guint i = 0; i < n; i++)
    order->slots[i] = (guint32) pairs[i];
  return order;
}

static Order *
hilbert_order (const QrtBoxes *items)
{
  g_autofree guint64 *pairs = g_new (guint64, MAX (items->n, 1));
  float min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;
  float sx, sy;

  hilbert_table_once ();
  for (guint i = 0; i < items->n; i++)
    {
      const QrtBoxF *b = &items->boxes[i];

      min_x = MIN (min_x, b->min_x);
      min_y = MIN (min_y, b->min_y);
      max_x = MAX (max_x, b->max_x);
      max_y = MAX (max_y, b->max_y);
    }
  sx = max_x > min_x ? 32767.5f / (max_x - min_x) : 0;
  sy = max_y > min_y ? 32767.5f / (max_y - min_y) : 0;

  for (guint i = 0; i < items->n; i++)
    {
      const QrtBoxF *b = &items->boxes[i];
      /* Twice the centre's offset, scaled to 0..65535. */
      float cx = (b->min_x + b->max_x - 2 * min_x) * sx;
      float cy = (b->min_y + b->max_y - 2 * min_y) * sy;

      pairs[i] = (guint64) hilbert_index ((guint32) CLAMP (cx, 0, 65535),
                                          (guint32) CLAMP (cy, 0, 65535)) << 32 | i;
    }
  return order_from_pairs (pairs, items->n);
}

static QrtRTree *tree_new (const QrtBoxes *items,
                           Order          *order,
                           gboolean        sorted);

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

/* The boxes of the leaves, each over NODE_SIZE items in slot order. */
static QrtBBox *
leaf_boxes (const QrtRTree *tree,
            guint          *n_leaves)
{
  guint n = tree->items.n;
  guint leaves = (n + NODE_SIZE - 1) / NODE_SIZE;
  QrtBBox *out = g_new (QrtBBox, MAX (leaves, 1));

  for (guint g = 0; g < leaves; g++)
    {
      guint end = MIN (n, (g + 1) * NODE_SIZE);
      float min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;

      for (guint i = g * NODE_SIZE; i < end; i++)
        {
          const QrtBoxF *b = &tree->items.boxes[tree->order->slots[i]];

          min_x = MIN (min_x, b->min_x);
          min_y = MIN (min_y, b->min_y);
          max_x = MAX (max_x, b->max_x);
          max_y = MAX (max_y, b->max_y);
        }
      out[g] = (QrtBBox) { tree->items.origin_x + min_x, tree->items.origin_y + min_y,
                           tree->items.origin_x + max_x, tree->items.origin_y + max_y };
    }

  *n_leaves = leaves;
  return out;
}

/**
 * qrt_rtree_new:
 * @items: one box per item; the struct is copied, the boxes are not: they must outlive the
 *   tree
 * @same_order: (nullable): a tree over the same items in another coordinate system whose
 *   curve order to share instead of sorting again
 *
 * Returns: (transfer full): a packed tree over @items; item i is reported as index i.
 */
QrtRTree *
qrt_rtree_new (const QrtBoxes *items,
               const QrtRTree *same_order)
{
  g_return_val_if_fail (items != NULL, NULL);
  g_return_val_if_fail (items->boxes != NULL || items->n == 0, NULL);
  g_return_val_if_fail (same_order == NULL || same_order->items.n == items->n, NULL);

  return tree_new (items, same_order ? g_atomic_rc_box_acquire (same_order->order)
                                     : hilbert_order (items),
                   same_order == NULL);
}

typedef struct
{
  const QrtBoxes *items;
  Order          *order;
} TwinJob;

static gpointer
twin_run (gpointer data)
{
  TwinJob *job = data;

  return tree_new (job->items, g_atomic_rc_box_acquire (job->order), FALSE);
}

/* Above this many items the twin's boxes (a gather through the order, as long as the first
 * tree's) are grouped on a thread of their own: the tree is built while the rest of the
 * machine has nothing left to do for the layer. */
#define TWIN_THREAD_ITEMS 16384

/**
 * qrt_rtree_new_from_keys:
 * @pairs: (array) (nullable): per item in item order its curve key (qrt_curve_key())
 *   shifted up 32 bits, or'ed with the item's index; sorted in place. %NULL: the order of
 *   qrt_rtree_new(), from the boxes' centres
 * @twin_items: (nullable): the same items in another coordinate system
 * @twin: (out) (nullable): required with @twin_items: set to a tree over them in the same
 *   order (as qrt_rtree_new() with the returned tree would give), built beside the first
 *   one; else %NULL or set to %NULL
 *
 * Returns: (transfer full): a packed tree over @items in the order of the keys.
 */
QrtRTree *
qrt_rtree_new_from_keys (const QrtBoxes  *items,
                         guint64         *pairs,
                         const QrtBoxes  *twin_items,
                         QrtRTree       **twin)
{
  Order *order;
  TwinJob job;
  GThread *thread = NULL;
  QrtRTree *tree;

  g_return_val_if_fail (items != NULL, NULL);
  g_return_val_if_fail (twin_items == NULL || (twin != NULL && twin_items->n == items->n), NULL);

  order = pairs != NULL ? order_from_pairs (pairs, items->n) : hilbert_order (items);
  if (twin_items == NULL)
    {
      if (twin != NULL)
        *twin = NULL;
      return tree_new (items, order, TRUE);
    }

  job = (TwinJob) { twin_items, order };
  if (items->n > TWIN_THREAD_ITEMS)
    thread = g_thread_try_new ("qrt-rtree", twin_run, &job, NULL);
  tree = tree_new (items, order, TRUE);
  *twin = thread != NULL ? g_thread_join (thread) : twin_run (&job);
  return tree;
}

static QrtRTree *
tree_new (const QrtBoxes *items,
          Order          *order,
          gboolean        sorted)
{
  QrtRTree *tree;
  g_autoptr(GPtrArray) levels = g_ptr_array_new ();
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  QrtBBox *level;
  guint level_n;

  tree = g_new0 (QrtRTree, 1);
  tree->items = *items;
  tree->sorted = sorted;
  tree->order = order;

  level = leaf_boxes (tree, &level_n);
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
  g_atomic_rc_box_release (tree->order);
  g_free (tree);
}

typedef struct
{
  QrtBBox abs;   /* the query */
  QrtBoxF rel;   /* the same, as offsets from the items' origin, rounded outwards */
} Query;

static void
search_node (const QrtRTree *tree,
             guint           level,
             guint           node,
             const Query    *query,
             GArray         *hits)
{
  guint first = node * NODE_SIZE;

  if (level == 0)
    {
      guint end = MIN (tree->items.n, first + NODE_SIZE);
      const QrtBoxF *q = &query->rel;

      for (guint i = first; i < end; i++)
        {
          guint32 item = tree->order->slots[i];
          const QrtBoxF *b = &tree->items.boxes[item];

          if (b->min_x <= q->max_x && q->min_x <= b->max_x &&
              b->min_y <= q->max_y && q->min_y <= b->max_y)
            g_array_append_val (hits, item);
        }
      return;
    }

  for (guint child = first; child < MIN (tree->level_sizes[level - 1], first + NODE_SIZE); child++)
    if (qrt_bbox_intersects (&tree->levels[level - 1][child], &query->abs))
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

/* Puts the @hits (items below @n, each once) in ascending order. A view of a whole layer hits
 * most of its items: marking them in a bitmap of all items and reading it out is linear,
 * where a comparison sort of 200,000 hits took a tenth of the frame. */
static void
sort_hits (GArray *hits,
           guint   n)
{
  guint *v = (guint *) (gpointer) hits->data;
  g_autofree guint64 *marks = NULL;
  guint n_words = (n + 63) / 64, k = 0;

  if (hits->len < 64 || (gsize) hits->len * 256 < n)
    {
      g_array_sort (hits, compare_guint);
      return;
    }
  marks = g_new0 (guint64, n_words);
  for (guint i = 0; i < hits->len; i++)
    marks[v[i] / 64] |= G_GUINT64_CONSTANT (1) << (v[i] % 64);
  for (guint w = 0; w < n_words; w++)
    for (guint64 bits = marks[w]; bits != 0; bits &= bits - 1)
      v[k++] = w * 64 + (guint) __builtin_ctzll (bits);
}

/**
 * qrt_rtree_query:
 * @tree: a tree
 * @query: the box to search
 *
 * The boxes are compact (see #QrtBoxF), so the answer may hold an item that misses @query by
 * less than a float step; it never lacks one that hits.
 *
 * Returns: (transfer full) (element-type guint): indices of the items whose box intersects
 *   @query, in ascending order, so callers keep the items' original order (drawing order).
 */
GArray *
qrt_rtree_query (const QrtRTree *tree,
                 const QrtBBox  *query)
{
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (guint));
  Query q;
  guint top;

  g_return_val_if_fail (tree != NULL, hits);
  g_return_val_if_fail (query != NULL, hits);

  if (tree->items.n == 0)
    return hits;

  q.abs = *query;
  qrt_boxf_set (&q.rel, query, tree->items.origin_x, tree->items.origin_y);
  top = tree->n_levels - 1;
  for (guint node = 0; node < tree->level_sizes[top]; node++)
    if (qrt_bbox_intersects (&tree->levels[top][node], &q.abs))
      search_node (tree, top, node, &q, hits);

  sort_hits (hits, tree->items.n);
  return hits;
}

/**
 * qrt_rtree_get_memsize:
 *
 * Returns: bytes held by the tree; a shared order counts for the tree that sorted it.
 */
gsize
qrt_rtree_get_memsize (const QrtRTree *tree)
{
  gsize size;

  g_return_val_if_fail (tree != NULL, 0);

  size = sizeof *tree;
  if (tree->sorted)
    size += sizeof (Order) + tree->items.n * sizeof (guint32);
  for (guint i = 0; i < tree->n_levels; i++)
    size += tree->level_sizes[i] * sizeof (QrtBBox);
  return size;
}
