/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-reversed-model.h"

/* A view of a GListModel in reverse order. A project lists its layers in drawing order,
 * bottom first; a layer panel shows the layer drawn on top first, as GIS users expect. */

struct _QrtReversedModel
{
  GObject     parent_instance;

  GListModel *model;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QrtReversedModel, qrt_reversed_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
qrt_reversed_model_get_item_type (GListModel *list)
{
  QrtReversedModel *self = QRT_REVERSED_MODEL (list);

  return g_list_model_get_item_type (self->model);
}

static guint
qrt_reversed_model_get_n_items (GListModel *list)
{
  QrtReversedModel *self = QRT_REVERSED_MODEL (list);

  return g_list_model_get_n_items (self->model);
}

static gpointer
qrt_reversed_model_get_item (GListModel *list,
                             guint       position)
{
  QrtReversedModel *self = QRT_REVERSED_MODEL (list);
  guint n_items = g_list_model_get_n_items (self->model);

  if (position >= n_items)
    return NULL;

  return g_list_model_get_item (self->model, n_items - 1 - position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = qrt_reversed_model_get_item_type;
  iface->get_n_items = qrt_reversed_model_get_n_items;
  iface->get_item = qrt_reversed_model_get_item;
}

static void
model_items_changed_cb (QrtReversedModel *self,
                        guint             position,
                        guint             removed,
                        guint             added,
                        GListModel       *model)
{
  /* The new length, so the old one is n_items - added + removed; the changed range
   * [position, position + removed) of the old list starts at old_n - position - removed. */
  guint n_items = g_list_model_get_n_items (model);
  guint old_n_items = n_items - added + removed;

  g_list_model_items_changed (G_LIST_MODEL (self),
                              old_n_items - position - removed,
                              removed, added);
}

static void
qrt_reversed_model_dispose (GObject *object)
{
  QrtReversedModel *self = QRT_REVERSED_MODEL (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, model_items_changed_cb, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (qrt_reversed_model_parent_class)->dispose (object);
}

static void
qrt_reversed_model_class_init (QrtReversedModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qrt_reversed_model_dispose;
}

static void
qrt_reversed_model_init (QrtReversedModel *self)
{
}

/**
 * qrt_reversed_model_new:
 * @model: (transfer none): the model to show in reverse
 *
 * Returns: (transfer full): a model with the items of @model, last first
 */
QrtReversedModel *
qrt_reversed_model_new (GListModel *model)
{
  QrtReversedModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (QRT_TYPE_REVERSED_MODEL, NULL);
  self->model = g_object_ref (model);
  g_signal_connect_object (model, "items-changed",
                           G_CALLBACK (model_items_changed_cb), self,
                           G_CONNECT_SWAPPED);

  return self;
}
