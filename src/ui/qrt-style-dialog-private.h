/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "qrt-style-dialog.h"

G_BEGIN_DECLS

/* Shared with the UI tests, which drive the dialog through its widgets. Main thread. */
struct _QrtStyleDialog
{
  AdwWindow          parent_instance;

  /* Template children */
  AdwWindowTitle    *window_title;
  GtkButton         *apply_button;
  AdwPreferencesGroup *preview_group;
  GtkDrawingArea    *preview;
  GtkSpinner        *busy_spinner;
  AdwComboRow       *mode_row;
  AdwActionRow      *fill_row;
  GtkColorButton    *fill_button;
  GtkColorButton    *stroke_button;
  GtkSpinButton     *stroke_width_spin;
  AdwActionRow      *point_row;
  GtkSpinButton     *point_spin;
  GtkScale          *opacity_scale;
  AdwPreferencesGroup *classes_group;
  AdwComboRow       *field_row;
  AdwComboRow       *method_row;
  AdwActionRow      *n_classes_row;
  GtkSpinButton     *n_classes_spin;
  AdwComboRow       *ramp_row;
  AdwPreferencesGroup *bounds_group;
  AdwPreferencesGroup *names_group;
  GtkSpinButton     *min_zoom_spin;
  AdwComboRow       *label_row;

  QrtProjectLayer   *layer;
  /* The style being edited; applied to the layer only by Apply. */
  QrtStyle           style;
  /* The classes last shown for each mode and attribute ("1:use"), with their names:
   * classing again names the classes that hold the same values. */
  GHashTable        *named;
  /* Colours picked by hand for a categorized attribute's values ("use\x1fpark"): QrtColor. */
  GHashTable        *picked;

  GtkStringList     *all_fields;
  GtkStringList     *numeric_fields;
  GtkStringList     *label_fields;     /* "None", then the text fields */
  GPtrArray         *bound_spins;      /* GtkSpinButton, one per manual class */
  GPtrArray         *name_rows;        /* AdwEntryRow with a colour button, one per class */

  /* Classing runs in a worker; only the newest result counts. */
  GCancellable      *classify_cancellable;
  guint              classify_serial;
  guint              classify_timeout_id;
  char              *error;
  gboolean           loading;          /* filling the widgets: their signals change nothing */
};

G_END_DECLS
