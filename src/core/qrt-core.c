/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdal.h>
#include <cpl_conv.h>

#include "qrt-core.h"
#include "quartier-core-resources.h"

static void
quiet_cpl_handler (CPLErr      level,
                   CPLErrorNum num,
                   const char *msg)
{
  /* GDAL errors are collected per worker with CPLGetLastErrorMsg and turned into GErrors;
   * printing them as well would put untranslated noise on the CLI's stderr. */
  if (level >= CE_Failure)
    g_debug ("GDAL error %d: %s", num, msg);
}

/**
 * qrt_core_init:
 *
 * Registers GDAL's drivers once per process. Call from main() before any worker starts.
 */
void
qrt_core_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      /* Referenced here, so a static link keeps the core's resources (the default indicators). */
      g_resources_register (qrt_core_get_resource ());
      GDALAllRegister ();
      CPLSetErrorHandler (quiet_cpl_handler);
      /* The demo and projects are local files; never let GDAL reach for the network itself. */
      CPLSetConfigOption ("GDAL_HTTP_TIMEOUT", "1");
      CPLSetConfigOption ("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", "none");
      g_once_init_leave (&once, 1);
    }
}
