/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qrt-bbox.h"

static QrtBBox *
bbox_copy (const QrtBBox *box)
{
  return g_memdup2 (box, sizeof *box);
}

G_DEFINE_BOXED_TYPE (QrtBBox, qrt_bbox, bbox_copy, g_free)

/**
 * qrt_bbox_parse:
 * @text: "minx,miny,maxx,maxy"
 * @box: (out): the parsed box
 *
 * Returns: %TRUE if @text held four finite numbers with min < max on both axes.
 */
gboolean
qrt_bbox_parse (const char *text,
                QrtBBox    *box)
{
  g_auto(GStrv) parts = NULL;
  double v[4];

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (box != NULL, FALSE);

  parts = g_strsplit (text, ",", -1);
  if (g_strv_length (parts) != 4)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      char *end = NULL;

      g_strstrip (parts[i]);
      v[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (v[i]))
        return FALSE;
    }

  if (!(v[0] < v[2] && v[1] < v[3]))
    return FALSE;

  box->min_x = v[0];
  box->min_y = v[1];
  box->max_x = v[2];
  box->max_y = v[3];
  return TRUE;
}
