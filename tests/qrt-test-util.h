/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

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

G_END_DECLS
