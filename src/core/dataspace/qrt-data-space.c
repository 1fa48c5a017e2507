/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "qrt-data-space-private.h"
#include "qrt-json.h"

#define MAX_REDIRECTS 5
#define MAX_ATTEMPTS  4
#define READ_CHUNK    (256 * 1024)

struct _QrtDataSpace
{
  GObject      parent_instance;
  QrtCache    *cache;
  SoupSession *session;
  gboolean     offline;
  gint64       max_document;
};

G_DEFINE_FINAL_TYPE (QrtDataSpace, qrt_data_space, G_TYPE_OBJECT)

G_DEFINE_QUARK (qrt-data-space-error-quark, qrt_data_space_error)

enum
{
  PROP_0,
  PROP_OFFLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qrt_data_space_dispose (GObject *object)
{
  QrtDataSpace *self = QRT_DATA_SPACE (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (qrt_data_space_parent_class)->dispose (object);
}

static void
qrt_data_space_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  QrtDataSpace *self = QRT_DATA_SPACE (object);

  switch (prop_id)
    {
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_data_space_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  QrtDataSpace *self = QRT_DATA_SPACE (object);

  switch (prop_id)
    {
    case PROP_OFFLINE:
      qrt_data_space_set_offline (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qrt_data_space_class_init (QrtDataSpaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qrt_data_space_dispose;
  object_class->get_property = qrt_data_space_get_property;
  object_class->set_property = qrt_data_space_set_property;

  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
qrt_data_space_init (QrtDataSpace *self)
{
  /* TLS is verified by default (GTlsDatabase of the system) and the proxy resolver is the
   * system's; both are libsoup's defaults and deliberately left alone. */
  self->session = soup_session_new_with_options ("user-agent", "Quartier/" PACKAGE_VERSION " ",
                                                 "timeout", 30,
                                                 "idle-timeout", 60,
                                                 "max-conns-per-host", 4,
                                                 NULL);
  self->max_document = 64 * 1024 * 1024;
}

/**
 * qrt_data_space_new:
 * @cache: where every body goes
 *
 * Returns: (transfer full): a client for the data space, online.
 */
QrtDataSpace *
qrt_data_space_new (QrtCache *cache)
{
  QrtDataSpace *self;

  g_return_val_if_fail (QRT_IS_CACHE (cache), NULL);

  self = g_object_new (QRT_TYPE_DATA_SPACE, NULL);
  self->cache = g_object_ref (cache);
  return self;
}

QrtCache *
qrt_data_space_get_cache (QrtDataSpace *self)
{
  g_return_val_if_fail (QRT_IS_DATA_SPACE (self), NULL);
  return self->cache;
}

gboolean
qrt_data_space_get_offline (QrtDataSpace *self)
{
  g_return_val_if_fail (QRT_IS_DATA_SPACE (self), FALSE);
  return self->offline;
}

void
qrt_data_space_set_offline (QrtDataSpace *self,
                            gboolean      offline)
{
  g_return_if_fail (QRT_IS_DATA_SPACE (self));

  offline = !!offline;
  if (self->offline == offline)
    return;
  self->offline = offline;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

void
qrt_data_space_set_limits (QrtDataSpace *self,
                           guint         timeout_seconds,
                           gint64        max_document_bytes)
{
  g_return_if_fail (QRT_IS_DATA_SPACE (self));
  g_return_if_fail (timeout_seconds > 0 && max_document_bytes > 0);

  g_object_set (self->session, "timeout", timeout_seconds, NULL);
  self->max_document = max_document_bytes;
}

void
qrt_data_space_set_tls_database (QrtDataSpace *self,
                                 GTlsDatabase *database)
{
  g_return_if_fail (QRT_IS_DATA_SPACE (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  /* Still verified, only against other roots. */
  g_object_set (self->session, "tls-database", database, NULL);
}

static gint64
body_limit (QrtDataSpace *self,
            QrtBodyKind   kind)
{
  switch (kind)
    {
    case QRT_BODY_FILE:
      return self->max_document * 8;
    case QRT_BODY_TILE:
      return MIN (self->max_document, 4 * 1024 * 1024);
    case QRT_BODY_JSON:
    case QRT_BODY_XML:
    default:
      return self->max_document;
    }
}

/* ---- URLs ---- */

static char *
display_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (url);
  return g_strdup (g_uri_get_host (uri));
}

char *
qrt_url_get_query (const char *url,
                   const char *name)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = NULL;

  if (uri == NULL || g_uri_get_query (uri) == NULL)
    return NULL;
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_CASE_INSENSITIVE,
                               NULL);
  if (params == NULL)
    return NULL;
  return g_strdup (g_hash_table_lookup (params, name));
}

/* @url with query parameter @name set to @value (replacing any of that name, case folded). */
char *
qrt_url_with_query (const char *url,
                    const char *name,
                    const char *value)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GString) query = g_string_new (NULL);
  g_autofree char *escaped = NULL;
  GUriParamsIter iter;
  char *key, *val;

  if (uri == NULL)
    return g_strdup (url);

  if (g_uri_get_query (uri) != NULL)
    {
      g_uri_params_iter_init (&iter, g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE);
      while (g_uri_params_iter_next (&iter, &key, &val, NULL))
        {
          if (g_ascii_strcasecmp (key, name) != 0)
            {
              g_autofree char *k = g_uri_escape_string (key, NULL, FALSE);
              g_autofree char *v = g_uri_escape_string (val, ":/,", FALSE);

              g_string_append_printf (query, "%s%s=%s", query->len ? "&" : "", k, v);
            }
          g_free (key);
          g_free (val);
        }
    }
  escaped = g_uri_escape_string (value, ":/,", FALSE);
  g_string_append_printf (query, "%s%s=%s", query->len ? "&" : "", name, escaped);

  {
    g_autoptr(GUri) result = g_uri_build (G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_PATH,
                                          g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                                          g_uri_get_host (uri), g_uri_get_port (uri),
                                          g_uri_get_path (uri), query->str,
                                          g_uri_get_fragment (uri));
    return g_uri_to_string (result);
  }
}

/* ---- JSON ---- */

JsonNode *
qrt_json_parse_bytes (GBytes      *bytes,
                      const char  *url,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *host = display_url (url);
  gsize size;
  const char *text = g_bytes_get_data (bytes, &size);

  if (text != NULL && !qrt_json_depth_ok (text, size, QRT_JSON_MAX_DEPTH))
    {
      g_set_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                   _("The answer from %s is nested too deeply to be read safely."), host);
      return NULL;
    }
  if (text == NULL || !json_parser_load_from_data (parser, text, size, &local_error))
    {
      g_debug ("Invalid JSON from %s: %s", url, local_error ? local_error->message : "empty");
      g_set_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                   _("The answer from %s is not valid JSON."), host);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                   _("The answer from %s is empty."), host);
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/* ---- One HTTP exchange: redirects, retries, limits ---- */

typedef struct
{
  QrtDataSpace *self;
  char         *url;           /* the one being requested now */
  char         *first_url;
  QrtBodyKind   kind;
  char         *etag;          /* conditional request */
  char         *last_modified;
  GHashTable   *visited;
  guint         redirects;
  guint         attempts;
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  gint64        expected;
  gint64        limit;
  guint         retry_source;
} Exchange;

/* What fetch_body_async returns: an unsaved cache entry plus the status. */
typedef struct
{
  guint          status;       /* 200 or 304 */
  QrtCacheEntry *entry;
} Response;

static void
exchange_free (Exchange *exchange)
{
  g_clear_handle_id (&exchange->retry_source, g_source_remove);
  g_clear_object (&exchange->self);
  g_free (exchange->url);
  g_free (exchange->first_url);
  g_free (exchange->etag);
  g_free (exchange->last_modified);
  g_clear_pointer (&exchange->visited, g_hash_table_unref);
  g_clear_object (&exchange->message);
  g_clear_object (&exchange->stream);
  g_clear_pointer (&exchange->body, g_byte_array_unref);
  g_free (exchange);
}

static void
response_free (Response *response)
{
  g_clear_pointer (&response->entry, qrt_cache_entry_free);
  g_free (response);
}

static void exchange_send (GTask *task);

static gboolean
retry_cb (gpointer data)
{
  GTask *task = data;
  Exchange *exchange = g_task_get_task_data (task);

  exchange->retry_source = 0;
  exchange_send (task);
  return G_SOURCE_REMOVE;
}

/* Schedules another attempt with exponential backoff, or FALSE when attempts are used up. */
static gboolean
exchange_retry (GTask *task,
                guint  retry_after)
{
  Exchange *exchange = g_task_get_task_data (task);
  guint delay_ms;
  GSource *source;

  if (++exchange->attempts >= MAX_ATTEMPTS || g_task_return_error_if_cancelled (task))
    return FALSE;

  delay_ms = 250u << (exchange->attempts - 1);
  if (retry_after > 0)
    delay_ms = MIN (retry_after, 10u) * 1000u;
  g_debug ("Retrying %s in %u ms", exchange->url, delay_ms);

  g_clear_object (&exchange->message);
  g_clear_object (&exchange->stream);
  g_byte_array_set_size (exchange->body, 0);

  source = g_timeout_source_new (delay_ms);
  g_source_set_callback (source, retry_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[quartier] retry");
  exchange->retry_source = g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
  return TRUE;
}

static gboolean
content_type_acceptable (QrtBodyKind  kind,
                         const char  *type,
                         GBytes      *body)
{
  gsize size;
  const char *data = g_bytes_get_data (body, &size);
  gsize i = 0;

  if (kind == QRT_BODY_FILE || kind == QRT_BODY_TILE)
    return type == NULL || !g_str_has_prefix (type, "text/html");

  if (type != NULL && *type != '\0')
    {
      if (kind == QRT_BODY_JSON)
        return strstr (type, "json") != NULL;
      return strstr (type, "xml") != NULL;
    }

  /* No content type: sniff the first character. */
  while (i < size && g_ascii_isspace (data[i]))
    i++;
  if (i == size)
    return FALSE;
  return kind == QRT_BODY_JSON ? (data[i] == '{' || data[i] == '[') : data[i] == '<';
}

static gint64
parse_max_age (const char *cache_control,
               gboolean   *no_cache)
{
  g_autoptr(GHashTable) params = NULL;
  const char *value;

  *no_cache = FALSE;
  if (cache_control == NULL)
    return -1;
  params = soup_header_parse_param_list (cache_control);
  if (g_hash_table_contains (params, "no-cache") || g_hash_table_contains (params, "no-store"))
    *no_cache = TRUE;
  if ((value = g_hash_table_lookup (params, "max-age")) != NULL)
    return g_ascii_strtoll (value, NULL, 10);
  return -1;
}

static void
exchange_complete (GTask *task)
{
  Exchange *exchange = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (exchange->message);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *host = display_url (exchange->url);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  Response *response;
  QrtCacheEntry *entry;

  if (exchange->expected >= 0 && (gint64) exchange->body->len != exchange->expected)
    {
      /* A connection cut mid-body: worth another try, like a timeout. */
      if (exchange_retry (task, 0))
        return;
      if (!g_task_had_error (task))
        g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_TRUNCATED,
                                 _("The answer from %s broke off before its end."), host);
      g_object_unref (task);
      return;
    }

  body = g_byte_array_free_to_bytes (g_steal_pointer (&exchange->body));
  exchange->body = g_byte_array_new ();
  if (!content_type_acceptable (exchange->kind, content_type, body))
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_BAD_RESPONSE,
                               content_type && g_str_has_prefix (content_type, "text/html")
                               ? _("%s sent a web page instead of data. Check the address.")
                               : _("%s sent data of an unexpected type."),
                               host);
      g_object_unref (task);
      return;
    }

  entry = g_new0 (QrtCacheEntry, 1);
  entry->url = g_strdup (exchange->first_url);
  entry->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  entry->last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
  entry->content_type = g_strdup (content_type);
  entry->fetched_at = g_get_real_time () / G_USEC_PER_SEC;
  entry->max_age = parse_max_age (soup_message_headers_get_list (headers, "Cache-Control"),
                                  &entry->no_cache);
  entry->body = g_steal_pointer (&body);

  response = g_new0 (Response, 1);
  response->status = SOUP_STATUS_OK;
  response->entry = entry;
  g_task_return_pointer (task, response, (GDestroyNotify) response_free);
  g_object_unref (task);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Exchange *exchange = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);
  g_autofree char *host = display_url (exchange->url);

  if (chunk == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (exchange_retry (task, 0))
        return;
      else if (!g_task_had_error (task))
        {
          g_debug ("Reading %s failed: %s", exchange->url, error->message);
          g_task_return_new_error (task, QRT_DATA_SPACE_ERROR,
                                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
                                   ? QRT_DATA_SPACE_ERROR_NETWORK
                                   : QRT_DATA_SPACE_ERROR_TRUNCATED,
                                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
                                   ? _("%s stopped sending data.")
                                   : _("The answer from %s broke off before its end."),
                                   host);
        }
      g_object_unref (task);
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      exchange_complete (task);
      return;
    }

  if ((gint64) (exchange->body->len + g_bytes_get_size (chunk)) > exchange->limit)
    {
      g_autofree char *limit = g_format_size (exchange->limit);

      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_TOO_LARGE,
                               _("The answer from %s is larger than %s; Quartier does not "
                                 "accept it."), host, limit);
      g_object_unref (task);
      return;
    }
  g_byte_array_append (exchange->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (exchange->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
}

static gboolean
is_transient (GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) ||
         error->domain == SOUP_SESSION_ERROR;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Exchange *exchange = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *host = display_url (exchange->url);
  SoupMessageHeaders *headers;
  guint status;

  exchange->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (exchange->stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) ||
               error->domain == G_TLS_ERROR)
        {
          g_debug ("TLS with %s failed: %s", exchange->url, error->message);
          g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_NETWORK,
                                   _("The secure connection to %s could not be verified."),
                                   host);
        }
      else if (is_transient (error) && exchange_retry (task, 0))
        return;
      else if (!g_task_had_error (task))
        {
          g_debug ("Request to %s failed: %s", exchange->url, error->message);
          g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_NETWORK,
                                   _("%s cannot be reached: %s"), host, error->message);
        }
      g_object_unref (task);
      return;
    }

  status = soup_message_get_status (exchange->message);
  headers = soup_message_get_response_headers (exchange->message);

  if (SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED)
    {
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autofree char *target = location
        ? g_uri_resolve_relative (exchange->url, location, G_URI_FLAGS_ENCODED, NULL)
        : NULL;

      if (target == NULL)
        g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_REDIRECT,
                                 _("%s redirected to an invalid address."), host);
      else if (g_str_has_prefix (exchange->url, "https:") && !g_str_has_prefix (target, "https:"))
        g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_REDIRECT,
                                 _("%s redirected from a secure to an insecure address; "
                                   "Quartier does not follow that."), host);
      else if (g_hash_table_contains (exchange->visited, target) ||
               ++exchange->redirects > MAX_REDIRECTS)
        g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_REDIRECT,
                                 _("%s redirects in a loop."), host);
      else
        {
          g_hash_table_add (exchange->visited, g_strdup (target));
          g_free (exchange->url);
          exchange->url = g_steal_pointer (&target);
          g_clear_object (&exchange->stream);
          exchange_send (task);
          return;
        }
      g_object_unref (task);
      return;
    }

  if (status == SOUP_STATUS_NOT_MODIFIED)
    {
      Response *response = g_new0 (Response, 1);
      gboolean no_cache;

      response->status = status;
      response->entry = g_new0 (QrtCacheEntry, 1);
      response->entry->url = g_strdup (exchange->first_url);
      response->entry->fetched_at = g_get_real_time () / G_USEC_PER_SEC;
      response->entry->max_age =
        parse_max_age (soup_message_headers_get_list (headers, "Cache-Control"), &no_cache);
      g_task_return_pointer (task, response, (GDestroyNotify) response_free);
      g_object_unref (task);
      return;
    }

  if (status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429)
    {
      const char *retry_after = soup_message_headers_get_one (headers, "Retry-After");

      if (exchange_retry (task, retry_after ? (guint) g_ascii_strtoull (retry_after, NULL, 10)
                                            : 0))
        return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      if (!g_task_had_error (task))
        g_task_return_new_error (task, QRT_DATA_SPACE_ERROR,
                                 status >= 500 ? QRT_DATA_SPACE_ERROR_SERVER
                                               : QRT_DATA_SPACE_ERROR_HTTP,
                                 status == SOUP_STATUS_NOT_FOUND
                                 ? _("%s does not have the requested data (error %u).")
                                 : status >= 500
                                 ? _("%s has a problem and could not answer (error %u). "
                                     "Try again later.")
                                 : _("%s refused the request (error %u)."),
                                 host, status);
      g_object_unref (task);
      return;
    }

  exchange->expected = -1;
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    exchange->expected = soup_message_headers_get_content_length (headers);
  if (exchange->expected > exchange->limit)
    {
      g_autofree char *limit = g_format_size (exchange->limit);

      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_TOO_LARGE,
                               _("The answer from %s is larger than %s; Quartier does not "
                                 "accept it."), host, limit);
      g_object_unref (task);
      return;
    }

  g_input_stream_read_bytes_async (exchange->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
}

static void
exchange_send (GTask *task)
{
  Exchange *exchange = g_task_get_task_data (task);
  SoupMessageHeaders *headers;

  g_clear_object (&exchange->message);
  exchange->message = soup_message_new ("GET", exchange->url);
  if (exchange->message == NULL)
    {
      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_UNSUPPORTED,
                               _("“%s” is not a web address Quartier can use."), exchange->url);
      g_object_unref (task);
      return;
    }
  /* Redirects are followed here, not by libsoup, to refuse https → http and count loops. */
  soup_message_add_flags (exchange->message, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (exchange->message);
  switch (exchange->kind)
    {
    case QRT_BODY_JSON:
      /* Not application/geo+json: QGIS Server answers its landing page with 400 then. */
      soup_message_headers_append (headers, "Accept", "application/json, */*;q=0.1");
      break;
    case QRT_BODY_XML:
      soup_message_headers_append (headers, "Accept", "application/xml, text/xml;q=0.9, */*;q=0.1");
      break;
    case QRT_BODY_TILE:
      soup_message_headers_append (headers, "Accept", "image/png, image/jpeg, image/*;q=0.8");
      break;
    case QRT_BODY_FILE:
    default:
      break;
    }
  if (exchange->etag != NULL)
    soup_message_headers_append (headers, "If-None-Match", exchange->etag);
  if (exchange->last_modified != NULL)
    soup_message_headers_append (headers, "If-Modified-Since", exchange->last_modified);

  soup_session_send_async (exchange->self->session, exchange->message, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), send_cb, task);
}

static void
exchange_start (QrtDataSpace        *self,
                const char          *url,
                QrtBodyKind          kind,
                const QrtCacheEntry *cached,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Exchange *exchange = g_new0 (Exchange, 1);

  g_task_set_source_tag (task, exchange_start);
  exchange->self = g_object_ref (self);
  exchange->url = g_strdup (url);
  exchange->first_url = g_strdup (url);
  exchange->kind = kind;
  exchange->limit = body_limit (self, kind);
  exchange->body = g_byte_array_new ();
  exchange->visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (exchange->visited, g_strdup (url));
  if (cached != NULL)
    {
      exchange->etag = g_strdup (cached->etag);
      exchange->last_modified = g_strdup (cached->last_modified);
    }
  g_task_set_task_data (task, exchange, (GDestroyNotify) exchange_free);
  exchange_send (task);
}

static Response *
exchange_finish (GAsyncResult  *result,
                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Through the cache ---- */

typedef struct
{
  char          *url;
  QrtBodyKind    kind;
  gboolean       revalidate;
  QrtCacheEntry *cached;
} Get;

static void
get_free (Get *get)
{
  g_free (get->url);
  g_clear_pointer (&get->cached, qrt_cache_entry_free);
  g_free (get);
}

static void
store_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  QrtDataSpace *self = source_object;
  QrtCacheEntry *entry = task_data;
  GError *error = NULL;
  QrtCacheEntry *stored;

  /* The stored entry is read back so that callers get the body's file for GDAL. */
  if (!qrt_cache_store (self->cache, entry, &error) ||
      (stored = qrt_cache_lookup (self->cache, entry->url, &error)) == NULL)
    {
      if (error == NULL)
        error = g_error_new (QRT_CACHE_ERROR, QRT_CACHE_ERROR_IO,
                             _("The download could not be kept in the cache."));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, stored, (GDestroyNotify) qrt_cache_entry_free);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  QrtCacheEntry *entry = g_task_propagate_pointer (G_TASK (result), &error);

  if (entry == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, entry, (GDestroyNotify) qrt_cache_entry_free);
}

/* TRUE when a get_async answer came from the cache without asking the server. */
gboolean
qrt_data_space_result_from_cache (GAsyncResult *result)
{
  return g_object_get_data (G_OBJECT (result), "qrt-from-network") == NULL;
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  QrtDataSpace *self = g_task_get_source_object (task);
  Get *get = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Response *response = exchange_finish (result, &error);

  if (response == NULL)
    {
      /* Nothing a planner has seen may vanish with the network: an old copy beats an error. */
      if (get->cached != NULL && g_error_matches (error, QRT_DATA_SPACE_ERROR,
                                                  QRT_DATA_SPACE_ERROR_NETWORK))
        {
          g_debug ("Using the cached copy of %s: %s", get->url, error->message);
          g_task_return_pointer (task, g_steal_pointer (&get->cached),
                                 (GDestroyNotify) qrt_cache_entry_free);
        }
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_object_set_data (G_OBJECT (task), "qrt-from-network", GINT_TO_POINTER (1));
  if (response->status == SOUP_STATUS_NOT_MODIFIED && get->cached != NULL)
    {
      if (!qrt_cache_revalidated (self->cache, get->url, response->entry->fetched_at,
                                  response->entry->max_age, &error))
        g_debug ("Cannot note the revalidation of %s: %s", get->url, error->message);
      get->cached->fetched_at = response->entry->fetched_at;
      get->cached->max_age = response->entry->max_age;
      g_task_return_pointer (task, g_steal_pointer (&get->cached),
                             (GDestroyNotify) qrt_cache_entry_free);
      response_free (response);
      return;
    }

  qrt_data_space_run_step (self, task, store_worker, g_steal_pointer (&response->entry),
                           (GDestroyNotify) qrt_cache_entry_free, stored_cb);
  response_free (response);
}

static void
lookup_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  QrtDataSpace *self = source_object;
  Get *get = task_data;
  g_autoptr(GError) error = NULL;

  get->cached = qrt_cache_lookup (self->cache, get->url, &error);
  if (error != NULL)
    g_debug ("Cache lookup of %s failed: %s", get->url, error->message);
  g_task_return_boolean (task, TRUE);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  QrtDataSpace *self = QRT_DATA_SPACE (source);
  Get *get = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (get->cached != NULL &&
      (self->offline ||
       (!get->revalidate &&
        qrt_cache_entry_is_fresh (get->cached, g_get_real_time () / G_USEC_PER_SEC))))
    {
      g_task_return_pointer (task, g_steal_pointer (&get->cached),
                             (GDestroyNotify) qrt_cache_entry_free);
      return;
    }
  if (self->offline)
    {
      g_autofree char *host = display_url (get->url);

      g_task_return_new_error (task, QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_OFFLINE,
                               _("Quartier is offline and has no copy of this data from %s."),
                               host);
      return;
    }

  exchange_start (self, get->url, get->kind, get->cached, cancellable, fetched_cb,
                  g_steal_pointer (&task));
}

void
qrt_data_space_run_step (QrtDataSpace        *self,
                         GTask               *outer,
                         GTaskThreadFunc      worker,
                         gpointer             data,
                         GDestroyNotify       data_free,
                         GAsyncReadyCallback  done)
{
  g_autoptr(GTask) step = g_task_new (self, g_task_get_cancellable (outer), done,
                                      g_object_ref (outer));

  g_task_set_source_tag (step, worker);
  g_task_set_task_data (step, data, data_free);
  g_task_run_in_thread (step, worker);
}

void
qrt_data_space_get_kind_async (QrtDataSpace        *self,
                               const char          *url,
                               QrtBodyKind          kind,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  qrt_data_space_get_full_async (self, url, kind, FALSE, cancellable, callback, user_data);
}

/* @revalidate: ask the server even when the cached copy is still fresh (a refresh). */
void
qrt_data_space_get_full_async (QrtDataSpace        *self,
                               const char          *url,
                               QrtBodyKind          kind,
                               gboolean             revalidate,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Get *get;

  g_return_if_fail (QRT_IS_DATA_SPACE (self));
  g_return_if_fail (url != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qrt_data_space_get_full_async);
  get = g_new0 (Get, 1);
  get->url = qrt_cache_normalize_url (url);
  if (get->url == NULL)
    get->url = g_strdup (url);
  get->kind = kind;
  get->revalidate = revalidate;
  g_task_set_task_data (task, get, (GDestroyNotify) get_free);

  /* The cache is SQLite and mapped files: looked up in a worker. */
  qrt_data_space_run_step (self, task, lookup_worker, get, NULL, looked_up_cb);
}

void
qrt_data_space_get_async (QrtDataSpace        *self,
                          const char          *url,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  qrt_data_space_get_kind_async (self, url, QRT_BODY_FILE, cancellable, callback, user_data);
}

/**
 * qrt_data_space_get_finish:
 *
 * Returns: (transfer full): the entry with its body, or %NULL with @error set.
 */
QrtCacheEntry *
qrt_data_space_get_finish (QrtDataSpace  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Without the cache: for tiles, which the cache keeps in its MBTiles table instead. */
void
qrt_data_space_fetch_body_async (QrtDataSpace        *self,
                                 const char          *url,
                                 QrtBodyKind          kind,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (QRT_IS_DATA_SPACE (self));

  if (self->offline)
    {
      g_task_report_new_error (self, callback, user_data, qrt_data_space_fetch_body_async,
                               QRT_DATA_SPACE_ERROR, QRT_DATA_SPACE_ERROR_OFFLINE,
                               _("Quartier is offline."));
      return;
    }
  exchange_start (self, url, kind, NULL, cancellable, callback, user_data);
}

GBytes *
qrt_data_space_fetch_body_finish (GAsyncResult  *result,
                                  GError       **error)
{
  Response *response = g_task_propagate_pointer (G_TASK (result), error);
  GBytes *bytes;

  if (response == NULL)
    return NULL;
  bytes = g_bytes_ref (response->entry->body);
  response_free (response);
  return bytes;
}
