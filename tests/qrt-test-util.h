/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Small helpers the test programs share; header-only so each test stays one program. */

/* Removes a test's scratch directory and everything in it. */
static inline void
qrt_test_remove_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

/* @relative inside ../shared (real open data). Marks the test skipped, saying why, and
 * returns FALSE when that folder is not beside the checkout. */
static inline gboolean
qrt_test_shared_file (const char  *relative,
                      char       **path)
{
  const char *shared = g_getenv ("QUARTIER_SHARED_DIR");

  *path = shared ? g_build_filename (shared, relative, NULL) : NULL;
  if (*path == NULL || !g_file_test (*path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("../shared/realdata is not beside this checkout");
      return FALSE;
    }
  return TRUE;
}

/* Waiting for one async call in a test: start it with qrt_test_wait_cb and &wait, then
 * qrt_test_wait_for (&wait) runs the default main loop until its callback. A wait can be
 * used again for the next call. */
typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} QrtTestWait;

static inline void
qrt_test_wait_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  QrtTestWait *wait = data;

  wait->result = g_object_ref (result);
  if (wait->loop != NULL)
    g_main_loop_quit (wait->loop);
}

/* Returns: (transfer full): the result the callback received. */
static inline GAsyncResult *
qrt_test_wait_for (QrtTestWait *wait)
{
  if (wait->result == NULL)
    {
      wait->loop = g_main_loop_new (NULL, FALSE);
      g_main_loop_run (wait->loop);
      g_clear_pointer (&wait->loop, g_main_loop_unref);
    }
  return g_steal_pointer (&wait->result);
}

G_END_DECLS
