/* The HTTP seam: everything handlers need from a request, and nothing of
 * libmicrohttpd. Handlers receive a struct request, read what they need through
 * these functions, and end with exactly one http_reply_* call. */
#ifndef FALCONET_HTTP_HTTP_H
#define FALCONET_HTTP_HTTP_H

#include "util/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct request;
struct http_conn_state;

typedef void (*http_handler_fn)(struct request *req);

/* What a route does with a request body. */
enum route_body {
    ROUTE_BODY_NONE = 0,  /* any body is discarded */
    ROUTE_BODY_JSON,      /* buffered up to the configured limit; larger -> 413 */
    ROUTE_BODY_MULTIPART, /* streamed: file parts to upload->file_data, small fields kept */
};

/** Streaming upload callbacks of a multipart route. Each returns 0, or -1 after
 * replying with an error (the rest of the body is then discarded). */
struct upload_ops {
    /* Called once before the first byte of a file part named `field`. */
    int (*file_begin)(struct request *req, const char *field, const char *filename);
    int (*file_data)(struct request *req, const char *data, size_t size);
};

struct route {
    const char *method;  /* GET (also answers HEAD), POST, PUT, DELETE */
    const char *pattern; /* "/rest/v1/targets/{}/actions/{}": {} matches one segment */
    http_handler_fn handler;
    /* Query parameters this route accepts (NULL-terminated); any other -> 400.
     * http_any_query accepts every parameter (the device API, like hawkBit). */
    const char *const *query;
    enum route_body body;
    const struct upload_ops *upload;
    /* Runs before the body is read; returns false after replying (401 etc.). */
    bool (*authorize)(struct request *req);
};

extern const char *const http_any_query[];

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_FORM_FIELDS 8

struct request {
    struct arena arena;
    const char *method;
    const char *path;
    const struct route *route;
    const char *params[HTTP_MAX_PARAMS]; /* the {} segments of the pattern, decoded */
    void *worker;                         /* the application's per-thread state */
    const char *user;                     /* set by an authorize hook */
    void *ctx;                            /* handler-private state for streaming uploads */
    char *body;                           /* JSON routes: the body, NUL-terminated */
    size_t body_len;
    struct {
        const char *name, *value;
    } form[HTTP_MAX_FORM_FIELDS]; /* multipart routes: small non-file fields */
    int form_count;
    struct http_conn_state *state; /* private to the HTTP layer */
};

/** Query parameter value, or NULL. */
const char *http_query(struct request *req, const char *name);
/** Request header value (case-insensitive name), or NULL. */
const char *http_header(struct request *req, const char *name);
/** Multipart form field value, or NULL. */
const char *http_form(struct request *req, const char *name);
/** The peer's IP address as text. */
const char *http_peer_address(struct request *req);
/** "scheme://host[:port]" as the client sees this server: from X-Forwarded-Proto,
 * X-Forwarded-Host, X-Forwarded-Port and Host. Used to build every href. */
const char *http_base_url(struct request *req);

/** Registers fn(req) to run when the request ends, whether it completed or was cut
 * off; `completed` tells which. Used to discard half-written uploads. */
void http_on_finish(struct request *req, void (*fn)(struct request *req, bool completed));

/* ---- replies: exactly one per request ---- */
void http_add_header(struct request *req, const char *name, const char *value);
/** Takes ownership of a malloc()ed body. Content type: application/hal+json unless
 * the client asked for application/json only. A 200 to GET or HEAD also carries
 * hawkBit's shallow ETag ("0" and the MD5 hex of the body, quoted) and becomes a
 * 304 without body when If-None-Match names it (or is "*"). */
void http_reply_json(struct request *req, int status, char *body, size_t len);
void http_reply_empty(struct request *req, int status);
/** hawkBit's error body {exceptionClass, errorCode, message}. */
void http_reply_error(struct request *req, int status, const char *exception_class,
                      const char *error_code, const char *message);
/** Sends len bytes of fd from offset (sendfile where possible); takes ownership of fd. */
void http_reply_file(struct request *req, int status, int fd, uint64_t offset, uint64_t len,
                     const char *content_type);

struct byte_range;
/** 206 with a multipart/byteranges body (RFC 9110 14.6, boundary
 * THIS_STRING_SEPARATES_MULTIPART as in hawkBit): one part per range of fd, each
 * with Content-Type part_content_type and Content-Range "bytes a-b/size". ranges
 * (copied) must lie inside size and be strictly ascending, as range_parse() returns
 * them; anything else is a 500. The body is read from fd while it is sent, in
 * bounded blocks, and its Content-Length is exact. Takes ownership of fd: it is
 * closed when the reply is done, however the request ends. */
void http_reply_file_ranges(struct request *req, int fd, const struct byte_range *ranges, size_t n,
                            uint64_t size, const char *part_content_type);
/** The bytes of a resource that is not a file (an object in S3), for
 * http_reply_ranges: read(ctx, offset, left, buf, max) fills buf with 1 to max bytes
 * of the resource from offset, where left (>= max) bytes of the current range
 * remain from offset on, and returns the count, or -1 on an error (the connection
 * is then closed, the body being short). The ranges are read in order, each from
 * its first byte to its last, one call after the other. close(ctx) runs once when
 * the reply is done, however the request ends. */
struct http_range_source {
    ssize_t (*read)(void *ctx, uint64_t offset, uint64_t left, void *buf, size_t max);
    void (*close)(void *ctx);
    void *ctx;
};
/** http_reply_file_ranges for a resource read through src (taken over: closed in
 * every case). */
void http_reply_ranges(struct request *req, const struct http_range_source *src,
                       const struct byte_range *ranges, size_t n, uint64_t size,
                       const char *part_content_type);
/** Sends len bytes produced by read(ctx, buf, max) while they go out: it returns a
 * count > 0, or -1 on an error (the connection is then closed, the body being
 * short). close(ctx) runs when the reply is done, however the request ends (also
 * when read never ran, e.g. for HEAD). */
void http_reply_stream(struct request *req, int status, uint64_t len,
                       ssize_t (*read)(void *ctx, void *buf, size_t max), void (*close)(void *ctx),
                       void *ctx, const char *content_type);
/** Sends a malloc()ed byte buffer (takes ownership). */
void http_reply_bytes(struct request *req, int status, char *body, size_t len,
                      const char *content_type);
bool http_replied(struct request *req);

#endif
