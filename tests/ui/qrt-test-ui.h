/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <locale.h>

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
}

G_END_DECLS
