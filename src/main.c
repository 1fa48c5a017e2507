/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "qrt-application.h"
#include "qrt-core.h"

int
main (int   argc,
      char *argv[])
{
  /* Taken first: the first-paint benchmark measures from here. */
  gint64 start_time = g_get_monotonic_time ();
  g_autoptr(QrtApplication) app = NULL;
  const char *localedir;

  setlocale (LC_ALL, "");
  /* Uninstalled runs and tests point at the build's compiled catalogues. */
  localedir = g_getenv ("QUARTIER_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  qrt_core_init ();

  app = qrt_application_new (start_time);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
