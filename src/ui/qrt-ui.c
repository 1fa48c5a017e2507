/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "qrt-resources.h"
#include "qrt-ui.h"

/**
 * qrt_ui_ensure_resources:
 *
 * Registers the application's GResource once. Called by every class that loads a template, so
 * that the UI tests, which make windows without a QrtApplication, find them as well.
 */
void
qrt_ui_ensure_resources (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      qrt_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

/**
 * qrt_ui_render_widget:
 * @widget: a realized, allocated widget
 * @error: return location for an error
 *
 * Draws @widget as it is on screen right now into a texture, with the renderer of its
 * window. Used for the README screenshot and by the UI tests to look at the map's pixels.
 *
 * Returns: (transfer full): the texture, or %NULL if the widget has no size or no renderer
 */
GdkTexture *
qrt_ui_render_widget (GtkWidget  *widget,
                      GError    **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  GtkNative *native;
  GskRenderer *renderer;
  int width;
  int height;
  int scale;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  native = gtk_widget_get_native (widget);
  renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;

  if (width <= 0 || height <= 0 || renderer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   "The widget %s is not shown yet", G_OBJECT_TYPE_NAME (widget));
      return NULL;
    }

  /* In device pixels, so that a HiDPI window gives a sharp picture. */
  scale = gtk_widget_get_scale_factor (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gtk_snapshot_scale (snapshot, scale, scale);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);

  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The widget %s draws nothing", G_OBJECT_TYPE_NAME (widget));
      return NULL;
    }

  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (0, 0, width * scale, height * scale));
}
