/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-selection.h"

struct _QrtSelection
{
  GObject     parent_instance;

  char       *layer_name;
  GHashTable *features;   /* set of GUINT_TO_POINTER (feature + 1) */
};

G_DEFINE_FINAL_TYPE (QrtSelection, qrt_selection, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
qrt_selection_finalize (GObject *object)
{
  QrtSelection *self = QRT_SELECTION (object);

  g_free (self->layer_name);
  g_hash_table_unref (self->features);

  G_OBJECT_CLASS (qrt_selection_parent_class)->finalize (object);
}

static void
qrt_selection_class_init (QrtSelectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qrt_selection_finalize;

  /**
   * QrtSelection::changed:
   *
   * The selected features or their layer changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
qrt_selection_init (QrtSelection *self)
{
  self->features = g_hash_table_new (NULL, NULL);
}

QrtSelection *
qrt_selection_new (void)
{
  return g_object_new (QRT_TYPE_SELECTION, NULL);
}

/**
 * qrt_selection_get_layer_name:
 *
 * Returns: (nullable): the layer the selection is on, %NULL when nothing is selected.
 */
const char *
qrt_selection_get_layer_name (QrtSelection *self)
{
  g_return_val_if_fail (QRT_IS_SELECTION (self), NULL);
  return self->layer_name;
}

gboolean
qrt_selection_contains (QrtSelection *self,
                        const char   *layer_name,
                        guint         feature)
{
  g_return_val_if_fail (QRT_IS_SELECTION (self), FALSE);

  return g_strcmp0 (self->layer_name, layer_name) == 0 &&
         g_hash_table_contains (self->features, GUINT_TO_POINTER (feature + 1));
}

guint
qrt_selection_get_n_features (QrtSelection *self)
{
  g_return_val_if_fail (QRT_IS_SELECTION (self), 0);
  return g_hash_table_size (self->features);
}

static int
compare_guint (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return (x > y) - (x < y);
}

/**
 * qrt_selection_get_features:
 *
 * Returns: (transfer full) (element-type guint): the selected features, ascending.
 */
GArray *
qrt_selection_get_features (QrtSelection *self)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (QRT_IS_SELECTION (self), out);

  g_hash_table_iter_init (&iter, self->features);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint f = GPOINTER_TO_UINT (key) - 1;

      g_array_append_val (out, f);
    }
  g_array_sort (out, compare_guint);
  return out;
}

static void
switch_layer (QrtSelection *self,
              const char   *layer_name)
{
  if (g_strcmp0 (self->layer_name, layer_name) == 0)
    return;
  g_free (self->layer_name);
  self->layer_name = g_strdup (layer_name);
  g_hash_table_remove_all (self->features);
}

/**
 * qrt_selection_select:
 * @extend: add to the selection (shift) instead of replacing it
 *
 * Selects @features of @layer_name. Selecting on another layer starts a new selection.
 */
void
qrt_selection_select (QrtSelection *self,
                      const char   *layer_name,
                      const guint  *features,
                      guint         n_features,
                      gboolean      extend)
{
  g_return_if_fail (QRT_IS_SELECTION (self));
  g_return_if_fail (layer_name != NULL);
  g_return_if_fail (features != NULL || n_features == 0);

  if (!extend || g_strcmp0 (self->layer_name, layer_name) != 0)
    {
      switch_layer (self, NULL);
      switch_layer (self, layer_name);
    }
  for (guint i = 0; i < n_features; i++)
    g_hash_table_add (self->features, GUINT_TO_POINTER (features[i] + 1));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
qrt_selection_toggle (QrtSelection *self,
                      const char   *layer_name,
                      guint         feature)
{
  g_return_if_fail (QRT_IS_SELECTION (self));
  g_return_if_fail (layer_name != NULL);

  switch_layer (self, layer_name);
  if (!g_hash_table_remove (self->features, GUINT_TO_POINTER (feature + 1)))
    g_hash_table_add (self->features, GUINT_TO_POINTER (feature + 1));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
qrt_selection_clear (QrtSelection *self)
{
  g_return_if_fail (QRT_IS_SELECTION (self));

  if (self->layer_name == NULL && g_hash_table_size (self->features) == 0)
    return;
  switch_layer (self, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
}
