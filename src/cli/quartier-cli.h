/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef int (*CommandFunc) (int argc, char **argv);

void cli_complain       (const char     *format,
                         ...) G_GNUC_PRINTF (1, 2);
int  cli_fail           (const GError   *error);
int  cli_fail_usage     (GOptionContext *context,
                         const char     *message);
void cli_print_progress (double          fraction,
                         gpointer        user_data);

int  cli_command_cache   (int argc, char **argv);
int  cli_command_catalog (int argc, char **argv);
int  cli_command_fetch   (int argc, char **argv);

G_END_DECLS
