/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "qrt-catalog-dialog.h"
#include "qrt-ui.h"

/*
 * "Add Data from Data Space": the user gives the address of a service (or picks a known one),
 * the core finds out what it is and lists its collections (qrt_data_space_catalog_async), the
 * user searches and picks one, reads its description, licence and extent, and adds it to the
 * project — all of it, or what lies in the map's view or around the selected districts. The
 * dialog only asks; the window fetches ("add-collection"), with its progress bar and Cancel.
 */

/* Public NRW OGC API Features services that Quartier was tried with. */
static const struct
{
  const char *url;
  const char *title;
} endpoints[] = {
  { "https://ogc-api.nrw.de/lika/v1", N_("Real estate cadastre NRW: parcels and buildings") },
  { "https://ogc-api.nrw.de/inspire-lu-bplan/v1", N_("Development plans NRW") },
  { "https://ogc-api.nrw.de/inspire-lu-ble/v1", N_("Existing land use NRW") },
  { "https://ogc-api.nrw.de/inspire-us-kindergarten/v1", N_("Day-care centres NRW") },
  { "https://ogc-api.nrw.de/inspire-lc-fb/v1", N_("Field blocks NRW (land cover)") },
};

struct _QrtCatalogDialog
{
  AdwWindow           parent_instance;

  AdwWindowTitle     *window_title;
  GtkEntry           *url_entry;
  GtkMenuButton      *endpoints_button;
  GtkRevealer        *error_revealer;
  GtkLabel           *error_label;
  GtkStack           *stack;
  GtkSpinner         *spinner;
  GtkSearchEntry     *search_entry;
  GtkListView        *collection_list;
  GtkLabel           *title_label;
  GtkLabel           *description_label;
  AdwActionRow       *id_row;
  AdwActionRow       *licence_row;
  AdwActionRow       *attribution_row;
  AdwActionRow       *extent_row;
  AdwActionRow       *size_row;
  AdwComboRow        *area_row;

  QrtDataSpace       *data_space;
  QrtCatalog         *catalog;
  GtkStringFilter    *filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  GCancellable       *cancellable;    /* the connect in progress */
  char               *url;            /* the last address connected to */
  gboolean            has_selection;
};

G_DEFINE_FINAL_TYPE (QrtCatalogDialog, qrt_catalog_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_URL,
  N_PROPS
};

enum {
  ADD_COLLECTION,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static QrtCollection *
selected_collection (QrtCatalogDialog *self)
{
  return self->selection != NULL ? gtk_single_selection_get_selected_item (self->selection) : NULL;
}

static void
update_actions (QrtCatalogDialog *self)
{
  gboolean busy = self->cancellable != NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "catalog.connect",
                                 !busy && text != NULL && *text != '\0');
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "catalog.add",
                                 !busy && selected_collection (self) != NULL);
}

static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  gboolean known = text != NULL && *text != '\0';

  adw_action_row_set_subtitle (row, known ? text : _("Not given"));
}

static char *
format_extent (QrtCollection *collection)
{
  QrtBBox box;

  if (!qrt_collection_get_extent (collection, &box))
    return NULL;

  /* Translators: a WGS 84 box: west–east longitude, south–north latitude, in degrees */
  return g_strdup_printf (_("%.3f° to %.3f° E, %.3f° to %.3f° N"),
                          box.min_x, box.max_x, box.min_y, box.max_y);
}

static char *
format_size (QrtCollection *collection)
{
  gint64 count = qrt_collection_get_count (collection);
  gint64 bytes = qrt_collection_get_size (collection);
  const char *format = qrt_collection_get_format (collection);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (count >= 0)
    {
      g_autofree char *n = g_strdup_printf ("%'" G_GINT64_FORMAT, count);

      /* Translators: %s is a number */
      g_ptr_array_add (parts, g_strdup_printf (ngettext ("%s feature", "%s features",
                                                         (gulong) count), n));
    }
  if (bytes >= 0)
    g_ptr_array_add (parts, g_format_size (bytes));
  if (format != NULL && *format != '\0')
    g_ptr_array_add (parts, g_strdup (format));

  if (parts->len == 0)
    return NULL;
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

static void
show_details (QrtCatalogDialog *self)
{
  QrtCollection *collection = selected_collection (self);
  g_autofree char *extent = NULL;
  g_autofree char *size = NULL;
  const char *description;

  if (collection == NULL)
    {
      gtk_label_set_label (self->title_label, _("No collection chosen"));
      gtk_label_set_label (self->description_label, "");
      set_subtitle (self->id_row, NULL);
      set_subtitle (self->licence_row, NULL);
      set_subtitle (self->attribution_row, NULL);
      set_subtitle (self->extent_row, NULL);
      set_subtitle (self->size_row, NULL);
      update_actions (self);
      return;
    }

  extent = format_extent (collection);
  size = format_size (collection);
  description = qrt_collection_get_description (collection);

  gtk_label_set_label (self->title_label, qrt_collection_get_title (collection));
  gtk_label_set_label (self->description_label,
                       description != NULL && *description != '\0'
                         ? description : _("The service gives no description."));
  set_subtitle (self->id_row, qrt_collection_get_id (collection));
  set_subtitle (self->licence_row, qrt_collection_get_licence (collection));
  set_subtitle (self->attribution_row, qrt_collection_get_attribution (collection));
  set_subtitle (self->extent_row, extent);
  set_subtitle (self->size_row, size);
  update_actions (self);
}

static void
selection_notify_cb (QrtCatalogDialog *self)
{
  show_details (self);
}

static char *
collection_search_text (QrtCollection *collection)
{
  if (collection == NULL)
    return NULL;

  /* Title and identifier both: planners search by name, the service knows ids. */
  return g_strconcat (qrt_collection_get_title (collection), " ",
                      qrt_collection_get_id (collection), NULL);
}

static void
setup_item_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
bind_item_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  QrtCollection *collection = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  gint64 count = qrt_collection_get_count (collection);
  g_autofree char *text = NULL;

  if (count >= 0)
    {
      g_autofree char *n = g_strdup_printf ("%'" G_GINT64_FORMAT, count);

      /* Translators: a collection's id and its number of features, e.g. "flurstueck · 12,345" */
      text = g_strdup_printf (_("%s · %s"), qrt_collection_get_id (collection), n);
    }
  else
    text = g_strdup (qrt_collection_get_id (collection));

  gtk_label_set_label (GTK_LABEL (title), qrt_collection_get_title (collection));
  gtk_label_set_label (GTK_LABEL (subtitle), text);
  gtk_widget_set_tooltip_text (box, qrt_collection_get_title (collection));
}

static void
set_catalog (QrtCatalogDialog *self,
             QrtCatalog       *catalog)
{
  g_set_object (&self->catalog, catalog);
  gtk_filter_list_model_set_model (self->filtered,
                                   catalog != NULL ? qrt_catalog_get_collections (catalog)
                                                   : NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  show_details (self);
}

/* One connect in flight; a newer one or closing the dialog cancels it. */
typedef struct
{
  QrtCatalogDialog *self;
  GCancellable     *cancellable;
} Connect;

static void
connect_free (Connect *connect)
{
  g_clear_object (&connect->self);
  g_clear_object (&connect->cancellable);
  g_free (connect);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Connect, connect_free)

static void
catalog_ready_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Connect) connect = user_data;
  QrtCatalogDialog *self = connect->self;
  g_autoptr(QrtCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;

  catalog = qrt_data_space_catalog_finish (QRT_DATA_SPACE (object), result, &error);

  /* Superseded by a newer connect, or the dialog was closed: not this answer's to show. */
  if (self->cancellable != connect->cancellable ||
      g_cancellable_is_cancelled (connect->cancellable))
    return;

  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);

  if (catalog == NULL)
    {
      set_catalog (self, NULL);
      adw_window_title_set_subtitle (self->window_title, NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      qrt_catalog_dialog_show_error (self, error->message);
      update_actions (self);
      return;
    }

  set_catalog (self, catalog);
  adw_window_title_set_subtitle (self->window_title, qrt_catalog_get_title (catalog));
  gtk_stack_set_visible_child_name (self->stack, "catalog");

  if (g_list_model_get_n_items (qrt_catalog_get_collections (catalog)) == 0)
    qrt_catalog_dialog_show_error (self, _("The service offers no collections Quartier can "
                                           "read."));
  update_actions (self);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  qrt_catalog_dialog_connect (QRT_CATALOG_DIALOG (widget));
}

static void
use_endpoint_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  QrtCatalogDialog *self = QRT_CATALOG_DIALOG (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), g_variant_get_string (param, NULL));
  qrt_catalog_dialog_connect (self);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  QrtCatalogDialog *self = QRT_CATALOG_DIALOG (widget);
  QrtCollection *collection = selected_collection (self);
  QrtCatalogArea area = (QrtCatalogArea) adw_combo_row_get_selected (self->area_row);

  if (collection == NULL)
    return;

  if (area == QRT_CATALOG_AREA_SELECTION && !self->has_selection)
    {
      qrt_catalog_dialog_show_error (self, _("No districts are selected on the map. Select "
                                             "them first, or choose another area."));
      return;
    }

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  g_signal_emit (self, signals[ADD_COLLECTION], 0, collection, (int) area);
}

static void
url_changed_cb (QrtCatalogDialog *self)
{
  update_actions (self);
}

static void
qrt_catalog_dialog_dispose (GObject *object)
{
  QrtCatalogDialog *self = QRT_CATALOG_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), QRT_TYPE_CATALOG_DIALOG);

  g_clear_object (&self->selection);
  g_clear_object (&self->catalog);
  g_clear_object (&self->data_space);

  G_OBJECT_CLASS (qrt_catalog_dialog_parent_class)->dispose (object);
}

static void
qrt_catalog_dialog_finalize (GObject *object)
{
  QrtCatalogDialog *self = QRT_CATALOG_DIALOG (object);

  g_free (self->url);

  G_OBJECT_CLASS (qrt_catalog_dialog_parent_class)->finalize (object);
}

static void
qrt_catalog_dialog_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  QrtCatalogDialog *self = QRT_CATALOG_DIALOG (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_catalog_dialog_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  QrtCatalogDialog *self = QRT_CATALOG_DIALOG (object);

  switch (prop_id)
    {
    case PROP_URL:
      qrt_catalog_dialog_set_url (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_catalog_dialog_class_init (QrtCatalogDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = qrt_catalog_dialog_dispose;
  object_class->finalize = qrt_catalog_dialog_finalize;
  object_class->get_property = qrt_catalog_dialog_get_property;
  object_class->set_property = qrt_catalog_dialog_set_property;

  /* The address last connected to (not every keystroke), for GSettings. */
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QrtCatalogDialog::add-collection:
   * @collection: the collection to fetch
   * @area: a #QrtCatalogArea: what of it
   *
   * The user asked to add @collection to the project.
   */
  signals[ADD_COLLECTION] =
    g_signal_new ("add-collection", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 2, QRT_TYPE_COLLECTION, G_TYPE_INT);

  qrt_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/qrt-catalog-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, url_entry);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, endpoints_button);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, search_entry);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, collection_list);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, title_label);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, description_label);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, id_row);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, licence_row);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, attribution_row);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, extent_row);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, size_row);
  gtk_widget_class_bind_template_child (widget_class, QrtCatalogDialog, area_row);

  gtk_widget_class_install_action (widget_class, "catalog.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "catalog.use-endpoint", "s",
                                   use_endpoint_action);
  gtk_widget_class_install_action (widget_class, "catalog.add", NULL, add_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
qrt_catalog_dialog_init (QrtCatalogDialog *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkListItemFactory *factory;
  GtkExpression *expression;

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(endpoints[i].title), NULL);

      g_menu_item_set_action_and_target (item, "catalog.use-endpoint", "s", endpoints[i].url);
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->endpoints_button, G_MENU_MODEL (menu));

  /* Collections filtered by the search entry, case-insensitively, on title and id. */
  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (collection_search_text), NULL, NULL);
  self->filter = gtk_string_filter_new (expression);
  gtk_string_filter_set_match_mode (self->filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  g_object_bind_property (self->search_entry, "text", self->filter, "search",
                          G_BINDING_DEFAULT);
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->filtered));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (selection_notify_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_item_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item_cb), NULL);
  gtk_list_view_set_factory (self->collection_list, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->collection_list, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_swapped (self->url_entry, "changed", G_CALLBACK (url_changed_cb), self);
  g_signal_connect_swapped (self->url_entry, "activate",
                            G_CALLBACK (qrt_catalog_dialog_connect), self);

  show_details (self);
  update_actions (self);
}

/**
 * qrt_catalog_dialog_new:
 * @parent: the window to add the data to
 * @data_space: the client that asks the service
 *
 * Returns: (transfer none): the dialog, owned by GTK until it is closed
 */
QrtCatalogDialog *
qrt_catalog_dialog_new (GtkWindow    *parent,
                        QrtDataSpace *data_space)
{
  QrtCatalogDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (QRT_IS_DATA_SPACE (data_space), NULL);

  self = g_object_new (QRT_TYPE_CATALOG_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->data_space = g_object_ref (data_space);

  return self;
}

const char *
qrt_catalog_dialog_get_url (QrtCatalogDialog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG_DIALOG (self), NULL);

  return self->url;
}

/**
 * qrt_catalog_dialog_set_url:
 * @url: (nullable): an address to offer; not connected to yet
 */
void
qrt_catalog_dialog_set_url (QrtCatalogDialog *self,
                            const char       *url)
{
  g_return_if_fail (QRT_IS_CATALOG_DIALOG (self));

  if (g_strcmp0 (self->url, url) == 0)
    return;

  g_free (self->url);
  self->url = g_strdup (url);
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url != NULL ? url : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
}

/**
 * qrt_catalog_dialog_connect:
 *
 * Asks the service at the entry's address what it offers.
 */
void
qrt_catalog_dialog_connect (QrtCatalogDialog *self)
{
  g_autofree char *url = NULL;
  Connect *connect;

  g_return_if_fail (QRT_IS_CATALOG_DIALOG (self));

  url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));
  if (*url == '\0')
    return;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (g_strcmp0 (self->url, url) != 0)
    {
      g_free (self->url);
      self->url = g_strdup (url);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
    }

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  gtk_label_set_label (self->error_label, "");
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  update_actions (self);

  connect = g_new0 (Connect, 1);
  connect->self = g_object_ref (self);
  connect->cancellable = g_object_ref (self->cancellable);
  qrt_data_space_catalog_async (self->data_space, url, NULL, self->cancellable,
                                catalog_ready_cb, connect);
}

/**
 * qrt_catalog_dialog_set_has_selection:
 *
 * Whether districts are selected on the map, for "Selected districts".
 */
void
qrt_catalog_dialog_set_has_selection (QrtCatalogDialog *self,
                                      gboolean          has_selection)
{
  g_return_if_fail (QRT_IS_CATALOG_DIALOG (self));

  self->has_selection = has_selection;
}

/**
 * qrt_catalog_dialog_show_error:
 * @message: a translated message
 *
 * Shows @message under the address, where it stays until the next attempt.
 */
void
qrt_catalog_dialog_show_error (QrtCatalogDialog *self,
                               const char       *message)
{
  g_return_if_fail (QRT_IS_CATALOG_DIALOG (self));

  g_debug ("Data space: %s", message);
  gtk_label_set_label (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL && *message != '\0');
}

/**
 * qrt_catalog_dialog_get_error:
 *
 * Returns: (nullable): the message shown, if any
 */
const char *
qrt_catalog_dialog_get_error (QrtCatalogDialog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG_DIALOG (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->error_revealer))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

gboolean
qrt_catalog_dialog_get_busy (QrtCatalogDialog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG_DIALOG (self), FALSE);

  return self->cancellable != NULL;
}

/**
 * qrt_catalog_dialog_get_collections:
 *
 * Returns: (transfer none): the collections listed, as filtered by the search
 */
GListModel *
qrt_catalog_dialog_get_collections (QrtCatalogDialog *self)
{
  g_return_val_if_fail (QRT_IS_CATALOG_DIALOG (self), NULL);

  return G_LIST_MODEL (self->filtered);
}
