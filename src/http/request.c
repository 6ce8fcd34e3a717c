/* The libmicrohttpd access handler: per-request state, body intake (buffered JSON
 * or streamed multipart) and replies. Handlers see only http.h.
 *
 * MHD calls the handler once with headers only, then once per body chunk, then a
 * last time with no data. libmicrohttpd 0.9.75 accepts a response only on the first
 * and on the last call, never on a call that carries body data. So:
 *  - the checks that need only the headers (route, query, authorization, body
 *    limits) run on the first call; when they fail for a request that has a body,
 *    the error is queued at once, which makes MHD refuse the body and close the
 *    connection after the reply (the upload stops at once);
 *  - every other reply is queued on the last call (queuing on the first would close
 *    the keep-alive connection of body-less requests);
 *  - an error found while the body is arriving (a failed upload) is kept, the rest
 *    of the body is read and discarded, and the error goes out on the last call. A
 *    body without Content-Length is discarded up to DISCARD_MAX bytes only, then the
 *    connection is closed without a reply. */
#include "http/etag.h"
#include "http/internal.h"
#include "http/router.h"

#include "util/hash.h"
#include "util/json_writer.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FORM_VALUE_MAX 1024
#define POST_BUFFER_SIZE (64 * 1024)
#define DISCARD_MAX (1024 * 1024)

const char *const http_any_query[] = {NULL};

struct header_line {
    const char *name, *value;
    struct header_line *next;
};

struct http_conn_state {
    struct request req;
    struct http_worker *worker;
    struct MHD_Connection *conn;
    uint64_t discarded;     /* body bytes thrown away after an early reply */
    uint64_t body_seen;     /* body bytes handed to us so far */
    size_t largest_chunk;   /* the biggest body chunk so far: a full read */
    int64_t content_length; /* -1 when the body has no Content-Length */
    bool replied;           /* a response exists */
    bool queued;            /* ... and was handed to MHD */
    struct MHD_Response *response;
    int status;
    struct header_line *headers;
    size_t body_cap;
    struct MHD_PostProcessor *pp;
    bool file_open;
    uint64_t file_next_off;
    const char *base_url;
    void (*finish)(struct request *req, bool completed);
};

/* ---- accessors ---- */

const char *http_query(struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->state->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->state->conn, MHD_HEADER_KIND, name);
}

const char *http_form(struct request *req, const char *name)
{
    for (int i = 0; i < req->form_count; i++)
        if (strcmp(req->form[i].name, name) == 0)
            return req->form[i].value;
    return NULL;
}

const char *http_peer_address(struct request *req)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(req->state->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return NULL;
    char buf[INET6_ADDRSTRLEN];
    const struct sockaddr *sa = info->client_addr;
    const void *addr = sa->sa_family == AF_INET6
                           ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                           : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
    if (!inet_ntop(sa->sa_family, addr, buf, sizeof(buf)))
        return NULL;
    return arena_strdup(&req->arena, buf);
}

/* Takes the first comma-separated element of a forwarded header, trimmed, or NULL
 * when it holds characters that do not belong in a URL authority. */
static const char *first_token(struct arena *a, const char *v)
{
    if (!v)
        return NULL;
    while (*v == ' ')
        v++;
    size_t n = strcspn(v, ", ");
    if (n == 0 || n > 255)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
            return NULL;
    }
    return arena_strndup(a, v, n);
}

static bool has_port(const char *host)
{
    const char *bracket = strrchr(host, ']');
    const char *colon = strrchr(host, ':');
    return colon && (!bracket || colon > bracket);
}

const char *http_base_url(struct request *req)
{
    struct http_conn_state *st = req->state;
    if (st->base_url)
        return st->base_url;
    struct arena *a = &req->arena;
    const char *proto = first_token(a, http_header(req, "X-Forwarded-Proto"));
    if (!proto || (strcasecmp(proto, "http") != 0 && strcasecmp(proto, "https") != 0))
        proto = "http";
    const char *host = first_token(a, http_header(req, "X-Forwarded-Host"));
    if (!host)
        host = first_token(a, http_header(req, "Host"));
    if (!host)
        host = "localhost";
    const char *port = first_token(a, http_header(req, "X-Forwarded-Port"));
    if (port && strspn(port, "0123456789") == strlen(port) && !has_port(host)) {
        bool default_port = (strcasecmp(proto, "http") == 0 && strcmp(port, "80") == 0) ||
                            (strcasecmp(proto, "https") == 0 && strcmp(port, "443") == 0);
        if (!default_port)
            host = arena_sprintf(a, "%s:%s", host, port);
    }
    st->base_url = arena_sprintf(a, "%s://%s", proto, host);
    return st->base_url;
}

void http_on_finish(struct request *req, void (*fn)(struct request *req, bool completed))
{
    req->state->finish = fn;
}

/* ---- replies ---- */

void http_add_header(struct request *req, const char *name, const char *value)
{
    struct header_line *h = arena_alloc(&req->arena, sizeof(*h));
    h->name = arena_strdup(&req->arena, name);
    h->value = arena_strdup(&req->arena, value);
    h->next = req->state->headers;
    req->state->headers = h;
}

bool http_replied(struct request *req)
{
    return req->state->replied;
}

static void set_response(struct request *req, int status, struct MHD_Response *resp)
{
    struct http_conn_state *st = req->state;
    if (st->replied) {
        log_error("second reply for %s %s ignored", req->method, req->path);
        if (resp)
            MHD_destroy_response(resp);
        return;
    }
    if (!resp) {
        log_error("cannot create response");
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = 500;
    }
    st->replied = true;
    st->status = status;
    st->response = resp;
}

static const char *json_content_type(struct request *req)
{
    const char *accept = http_header(req, "Accept");
    if (accept && strstr(accept, "application/json") && !strstr(accept, "hal+json"))
        return "application/json";
    return "application/hal+json";
}

/* hawkBit runs every JSON GET through Spring's ShallowEtagHeaderFilter: the ETag is
 * the MD5 of the body with a "0" in front, inside the quotes, and a matching
 * If-None-Match (weak comparison) turns the reply into a 304. Devices poll with it,
 * so the handler still runs (the poll is recorded) and only the body is saved.
 * Adds the ETag header; returns whether the client already has this body.
 * (libmicrohttpd 0.9.75 puts "Content-Length: 0" on every 304 and offers no way to
 * leave it out; clients do not frame a 304 by it.) */
static bool add_body_etag(struct request *req, const char *body, size_t len)
{
    char md5[33], etag[40];
    if (hash_md5_hex(body, len, md5) < 0)
        return false;
    snprintf(etag, sizeof(etag), "\"0%s\"", md5);
    http_add_header(req, "ETag", etag);
    return etag_list_matches(http_header(req, "If-None-Match"), etag, true);
}

/* GET, or HEAD, which the router sends to the GET handler. */
static bool is_get(const struct request *req)
{
    return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
}

void http_reply_json(struct request *req, int status, char *body, size_t len)
{
    if (body && status == 200 && is_get(req) && !req->state->replied &&
        add_body_etag(req, body, len)) {
        free(body);
        http_reply_empty(req, 304);
        return;
    }
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE) : NULL;
    if (r)
        MHD_add_response_header(r, "Content-Type", json_content_type(req));
    set_response(req, status, r);
}

void http_reply_empty(struct request *req, int status)
{
    set_response(req, status,
                 MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
}

void http_reply_bytes(struct request *req, int status, char *body, size_t len,
                      const char *content_type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r && content_type)
        MHD_add_response_header(r, "Content-Type", content_type);
    set_response(req, status, r);
}

void http_reply_error(struct request *req, int status, const char *exception_class,
                      const char *error_code, const char *message)
{
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kv_str(&w, "exceptionClass", exception_class);
    jw_kv_str(&w, "errorCode", error_code);
    jw_kv_str(&w, "message", message);
    jw_obj_end(&w);
    size_t len;
    char *body = jw_finish(&w, &len);
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE) : NULL;
    if (r)
        MHD_add_response_header(r, "Content-Type", "application/json");
    set_response(req, status, r);
}

void http_reply_file(struct request *req, int status, int fd, uint64_t offset, uint64_t len,
                     const char *content_type)
{
    struct MHD_Response *r = MHD_create_response_from_fd_at_offset64(len, fd, offset);
    if (!r)
        close(fd);
    else if (content_type)
        MHD_add_response_header(r, "Content-Type", content_type);
    set_response(req, status, r);
}

struct stream {
    ssize_t (*read)(void *ctx, void *buf, size_t max);
    void (*close)(void *ctx);
    void *ctx;
};

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    ssize_t n = s->read(s->ctx, buf, max);
    return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void free_stream(void *cls)
{
    struct stream *s = cls;
    s->close(s->ctx);
    free(s);
}

void http_reply_stream(struct request *req, int status, uint64_t len,
                       ssize_t (*read)(void *ctx, void *buf, size_t max), void (*close)(void *ctx),
                       void *ctx, const char *content_type)
{
    struct stream *s = malloc(sizeof(*s));
    struct MHD_Response *r = NULL;
    if (s) {
        *s = (struct stream){read, close, ctx};
        r = MHD_create_response_from_callback(len, 64 * 1024, read_stream, s, free_stream);
    }
    if (!r) {
        free(s);
        close(ctx);
    } else if (content_type) {
        MHD_add_response_header(r, "Content-Type", content_type);
    }
    set_response(req, status, r);
}

void http_reply_file_ranges(struct request *req, int fd, const struct byte_range *ranges, size_t n,
                            uint64_t size, const char *part_content_type)
{
    set_response(req, 206, byteranges_response(fd, ranges, n, size, part_content_type));
}

void http_reply_ranges(struct request *req, const struct http_range_source *src,
                       const struct byte_range *ranges, size_t n, uint64_t size,
                       const char *part_content_type)
{
    set_response(req, 206, byteranges_source_response(src, ranges, n, size, part_content_type));
}

static void reply_plain_error(struct request *req, int status, const char *code, const char *msg)
{
    http_reply_error(req, status, "org.eclipse.hawkbit.rest.exception.RestException",
                     code ? code : "hawkbit.server.error.rest.body.notReadable", msg);
}

static enum MHD_Result queue(struct http_conn_state *st)
{
    if (st->queued)
        return MHD_YES;
    if (!st->replied)
        reply_plain_error(&st->req, 500, "hawkbit.server.error.repo.genericError",
                          "The handler produced no reply");
    for (struct header_line *h = st->headers; h; h = h->next)
        MHD_add_response_header(st->response, h->name, h->value);
    st->queued = true;
    enum MHD_Result rc = MHD_queue_response(st->conn, (unsigned)st->status, st->response);
    MHD_destroy_response(st->response);
    st->response = NULL;
    return rc;
}

/* ---- body intake ---- */

static enum MHD_Result collect_form_field(struct http_conn_state *st, const char *key,
                                          const char *data, uint64_t off, size_t size)
{
    struct request *req = &st->req;
    int i;
    for (i = 0; i < req->form_count; i++)
        if (strcmp(req->form[i].name, key) == 0)
            break;
    if (i == req->form_count) {
        if (req->form_count == HTTP_MAX_FORM_FIELDS) {
            reply_plain_error(req, 400, NULL, "Too many form fields");
            return MHD_NO;
        }
        req->form[i].name = arena_strdup(&req->arena, key);
        req->form[i].value = arena_strdup(&req->arena, "");
        req->form_count++;
    }
    size_t have = strlen(req->form[i].value);
    if (off != have || have + size > FORM_VALUE_MAX) {
        reply_plain_error(req, 400, NULL, "Form field too large");
        return MHD_NO;
    }
    char *v = arena_alloc(&req->arena, have + size + 1);
    memcpy(v, req->form[i].value, have);
    memcpy(v + have, data, size);
    req->form[i].value = v;
    return MHD_YES;
}

static enum MHD_Result post_iterator(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data, uint64_t off,
                                     size_t size)
{
    struct http_conn_state *st = cls;
    struct request *req = &st->req;
    const struct upload_ops *up = req->route->upload;
    if (!filename)
        return collect_form_field(st, key ? key : "", data, off, size);
    if (off == 0 && !(st->file_open && st->file_next_off == 0)) {
        st->file_open = true;
        if (up->file_begin(req, key ? key : "", filename) < 0)
            return MHD_NO;
    }
    st->file_next_off = off + size;
    if (size > 0 && up->file_data(req, data, size) < 0)
        return MHD_NO;
    return MHD_YES;
}

/* A control character (also a decoded "%00", see http_unescape) has no place in a
 * path or a query parameter: it would cut names short or reach logs and files. */
static bool has_control_char(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static bool query_allowed(const struct route *r, const char *key)
{
    if (r->query == http_any_query)
        return true;
    for (const char *const *q = r->query; q && *q; q++)
        if (strcmp(*q, key) == 0)
            return true;
    return false;
}

static enum MHD_Result check_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    struct http_conn_state *st = cls;
    if (has_control_char(key) || (value && has_control_char(value))) {
        reply_plain_error(&st->req, 400, "hawkbit.server.error.rest.param.invalidField",
                          "A query parameter contains a control character");
        return MHD_NO;
    }
    if (query_allowed(st->req.route, key))
        return MHD_YES;
    char msg[160];
    snprintf(msg, sizeof(msg), "Unknown query parameter '%.64s'", key);
    reply_plain_error(&st->req, 400, "hawkbit.server.error.rest.param.unknown", msg);
    return MHD_NO;
}

/* A JSON body may come without a Content-Type (lenient, like curl scripts), or as
 * application/json or any application/...+json, with parameters; other declared
 * types (text/plain, forms) are refused with 415 as Spring does. */
static bool json_content_type_ok(const char *ct)
{
    if (!ct || !*ct)
        return true;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return true;
    return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* Runs once, when the headers are in: query check, authorization, body limits. */
static void start_request(struct http_conn_state *st)
{
    struct request *req = &st->req;
    const struct route *r = req->route;
    MHD_get_connection_values(st->conn, MHD_GET_ARGUMENT_KIND, check_query_arg, st);
    if (st->replied)
        return;
    if (r->authorize && !r->authorize(req))
        return;
    size_t max_body = st->worker->srv->cfg.max_body;
    if (r->body == ROUTE_BODY_JSON) {
        const char *cl = http_header(req, "Content-Length");
        if (!json_content_type_ok(http_header(req, "Content-Type"))) {
            reply_plain_error(req, 415, "hawkbit.server.error.rest.contentType.notSupported",
                              "Request bodies must be application/json");
        } else if (cl && strtoull(cl, NULL, 10) > max_body) {
            reply_plain_error(req, 413, "hawkbit.server.error.rest.body.tooLarge",
                              "Request body exceeds the configured limit");
        }
    } else if (r->body == ROUTE_BODY_MULTIPART) {
        st->pp = MHD_create_post_processor(st->conn, POST_BUFFER_SIZE, post_iterator, st);
        if (!st->pp)
            reply_plain_error(req, 400, NULL, "Expected a multipart/form-data body");
    }
}

static void take_body(struct http_conn_state *st, const char *data, size_t size)
{
    struct request *req = &st->req;
    if (req->route->body == ROUTE_BODY_JSON) {
        size_t max_body = st->worker->srv->cfg.max_body;
        if (req->body_len + size > max_body) {
            reply_plain_error(req, 413, "hawkbit.server.error.rest.body.tooLarge",
                              "Request body exceeds the configured limit");
            return;
        }
        if (req->body_len + size + 1 > st->body_cap) {
            size_t cap = st->body_cap ? st->body_cap : 4096;
            while (cap < req->body_len + size + 1)
                cap *= 2;
            char *nb = realloc(req->body, cap);
            if (!nb) {
                reply_plain_error(req, 500, "hawkbit.server.error.repo.genericError",
                                  "Out of memory");
                return;
            }
            req->body = nb;
            st->body_cap = cap;
        }
        memcpy(req->body + req->body_len, data, size);
        req->body_len += size;
        req->body[req->body_len] = '\0';
    } else if (req->route->body == ROUTE_BODY_MULTIPART) {
        if (MHD_post_process(st->pp, data, size) != MHD_YES && !st->replied)
            reply_plain_error(req, 400, NULL, "Malformed multipart body");
    }
}

/* Whether the request announces a body (Content-Length > 0 or chunked). */
static bool has_body(struct http_conn_state *st)
{
    return st->content_length > 0 || http_header(&st->req, "Transfer-Encoding");
}

/* libmicrohttpd 0.9.75 with edge-triggered epoll takes a short read for "socket
 * drained". When the client's FIN was already queued behind its last bytes, no new
 * event ever comes and the request hangs until the idle timeout, keeping a
 * half-written upload alive. So after a short chunk of a body that is still
 * incomplete, peek at the socket: end-of-stream (or a reset) means the client is
 * gone, since a client that finished sending would have sent the whole body.
 * A chunk as big as the biggest so far filled MHD's read buffer, and MHD reads
 * again without waiting for an event, so it needs no peek (one syscall less per
 * few KiB of a large upload). */
static bool peer_gone(struct http_conn_state *st, size_t chunk)
{
    if (st->content_length < 0 || st->body_seen >= (uint64_t)st->content_length)
        return false;
    bool full_read = st->largest_chunk > 0 && chunk >= st->largest_chunk;
    if (chunk > st->largest_chunk)
        st->largest_chunk = chunk;
    if (full_read)
        return false;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(st->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return false;
    char c;
    ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Reads and drops body bytes that arrive after a reply; a body of unknown length
 * is cut off (MHD_NO closes the connection) after DISCARD_MAX bytes. */
static enum MHD_Result discard_body(struct http_conn_state *st, size_t size)
{
    st->discarded += size;
    if (st->content_length < 0 && st->discarded > DISCARD_MAX)
        return MHD_NO;
    return MHD_YES;
}

size_t http_unescape(void *cls, struct MHD_Connection *conn, char *text)
{
    static const char hex[] = "0123456789abcdef";
    char *out = text;
    for (const char *p = text; *p; p++) {
        const char *hi = p[0] == '%' && p[1] ? strchr(hex, tolower((unsigned char)p[1])) : NULL;
        const char *lo = hi && p[2] ? strchr(hex, tolower((unsigned char)p[2])) : NULL;
        if (!hi || !lo) {
            *out++ = *p;
            continue;
        }
        char c = (char)(((hi - hex) << 4) | (lo - hex));
        *out++ = c ? c : 0x7f; /* keep the string whole; has_control_char refuses it */
        p += 2;
    }
    *out = '\0';
    return (size_t)(out - text);
}

static void route_request(struct http_conn_state *st)
{
    struct request *req = &st->req;
    if (has_control_char(req->path)) {
        reply_plain_error(req, 400, "hawkbit.server.error.rest.param.invalidField",
                          "The request path contains a control character");
        return;
    }
    const struct route *const *routes = st->worker->srv->cfg.routes;
    enum route_match m =
        router_match(routes, req->method, req->path, &req->arena, &req->route, req->params);
    if (m == ROUTE_NO_PATH)
        reply_plain_error(req, 404, "hawkbit.server.error.rest.notFound", "No such resource");
    else if (m == ROUTE_WRONG_METHOD)
        reply_plain_error(req, 405, "hawkbit.server.error.rest.methodNotAllowed",
                          "Method not allowed for this resource");
}

enum MHD_Result http_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    struct http_worker *w = cls;
    struct http_conn_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            return MHD_NO;
        arena_init(&st->req.arena);
        st->worker = w;
        st->conn = conn;
        st->req.state = st;
        st->req.worker = w->app_state;
        st->req.method = arena_strdup(&st->req.arena, method);
        st->req.path = arena_strdup(&st->req.arena, url);
        const char *cl = http_header(&st->req, "Content-Length");
        st->content_length = cl ? (int64_t)strtoll(cl, NULL, 10) : -1;
        atomic_fetch_add(&w->in_flight, 1);
        *con_cls = st;
        route_request(st);
        if (!st->replied)
            start_request(st);
        return st->replied && has_body(st) ? queue(st) : MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        st->body_seen += size;
        if (st->replied)
            return discard_body(st, size);
        take_body(st, upload_data, size);
        return peer_gone(st, size) ? MHD_NO : MHD_YES;
    }
    if (!st->replied) {
        if (st->pp) {
            enum MHD_Result complete = MHD_destroy_post_processor(st->pp);
            st->pp = NULL;
            if (complete != MHD_YES && !st->replied)
                reply_plain_error(&st->req, 400, NULL, "Incomplete multipart body");
        }
        if (!st->replied)
            st->req.route->handler(&st->req);
    }
    return queue(st);
}

void http_request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    struct http_worker *w = cls;
    struct http_conn_state *st = *con_cls;
    if (!st)
        return;
    if (st->finish)
        st->finish(&st->req, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    if (st->pp)
        MHD_destroy_post_processor(st->pp);
    if (st->response)
        MHD_destroy_response(st->response);
    free(st->req.body);
    arena_free(&st->req.arena);
    free(st);
    *con_cls = NULL;
    atomic_fetch_sub(&w->in_flight, 1);
}
