/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <locale.h>

#include "qrt-core.h"
#include "qrt-test-util.h"
#include "qrt-ui.h"

G_BEGIN_DECLS

/* What every UI test program does first, in this order. */
static inline void
qrt_test_ui_init (int    *argc,
                  char ***argv)
{
  setlocale (LC_ALL, "");
  /* The isolated XDG dirs would hide the system's MIME database and icon themes, and GTK then
   * fails to recognise SVG icons; both are looked up once, here, before isolation. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* An accessibility bus started by an earlier test program in the same D-Bus session lives in
   * that program's temporary home, which is gone by now: connecting to it is a fatal critical
   * (seen in CI when the data-space tests ran before the window tests). */
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_init ();
  adw_init ();
  gtk_icon_theme_get_for_display (gdk_display_get_default ());
  qrt_core_init ();
}

typedef gboolean (*QrtTestMatch) (GtkWidget *widget, gconstpointer data);

/* The first widget under @root (itself included, depth first) that @match accepts. */
static inline GtkWidget *
qrt_test_find (GtkWidget     *root,
               QrtTestMatch   match,
               gconstpointer  data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = qrt_test_find (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static inline gboolean
qrt_test_is_type (GtkWidget     *widget,
                  gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, (GType) GPOINTER_TO_SIZE (type));
}

static inline GtkWidget *
qrt_test_find_type (GtkWidget *root,
                    GType      type)
{
  return qrt_test_find (root, qrt_test_is_type, GSIZE_TO_POINTER (type));
}

static inline gboolean
qrt_test_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @condition holds or @seconds have passed.
 * Returns: %FALSE when the time ran out */
static inline gboolean
qrt_test_wait (gboolean (*condition) (gpointer data),
               gpointer   data,
               guint      seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, qrt_test_flag_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out;
}

/* Runs the main loop until @condition holds; fails the test after @seconds. */
static inline void
qrt_test_wait_until (gboolean    (*condition) (gpointer data),
                     gpointer      data,
                     guint         seconds,
                     const char   *what)
{
  if (!qrt_test_wait (condition, data, seconds))
    g_error ("Timed out waiting for %s", what);
}

/* Lets GTK lay out and draw what was just shown. */
static inline void
qrt_test_settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, qrt_test_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* With QUARTIER_TEST_SCREENSHOTS set to a folder, the tests leave pictures of what they
 * looked at there, for people to check by eye. */
static inline void
qrt_test_screenshot (GtkWidget  *widget,
                     const char *name)
{
  const char *dir = g_getenv ("QUARTIER_TEST_SCREENSHOTS");
  g_autofree char *path = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL || *dir == '\0')
    return;

  qrt_test_settle (600);
  path = g_strdup_printf ("%s/%s.png", dir, name);
  /* A widget changed since the last frame draws nothing until the next one. */
  for (guint attempt = 0; attempt < 50 && texture == NULL; attempt++)
    {
      g_clear_error (&error);
      gtk_widget_queue_draw (widget);
      qrt_test_settle (50);
      texture = qrt_ui_render_widget (widget, &error);
    }
  g_assert_no_error (error);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

G_END_DECLS
