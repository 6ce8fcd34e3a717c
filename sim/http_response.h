/* An incremental HTTP/1.1 response parser for the simulator's client side.
 *
 * Bytes are fed as they arrive, split anywhere; the parser keeps the line it is
 * reading in a fixed buffer and never allocates. Lengths from the wire (Content-Length,
 * chunk sizes) only bound what is read next; nothing is allocated from them. Body
 * bytes go to a sink callback, which decides what to keep. Limits: one line at most
 * HTTP_LINE_MAX bytes, the whole head (status line, headers, trailers) at most
 * HTTP_HEAD_MAX bytes and HTTP_HEADERS_MAX fields. */
#ifndef FALCONET_SIM_HTTP_RESPONSE_H
#define FALCONET_SIM_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_LINE_MAX 4096
#define HTTP_HEAD_MAX 16384
#define HTTP_HEADERS_MAX 64
#define HTTP_LENGTH_MAX ((uint64_t)1 << 50) /* larger Content-Length / chunk sizes: bad */

/* Return values of http_response_feed and http_response_eof. Errors are negative;
 * after an error or HTTP_DONE the parser must be reset before it is fed again. */
enum http_parse {
    HTTP_MORE = 0,         /* all input consumed, response not complete yet */
    HTTP_DONE = 1,         /* response complete; *consumed says how much input it used */
    HTTP_E_SYNTAX = -1,    /* malformed status line, header, chunk framing */
    HTTP_E_TOO_LARGE = -2, /* a line, the head or the field count over its limit */
    HTTP_E_LENGTH = -3,    /* bad, conflicting or oversized Content-Length / chunk size */
    HTTP_E_TRUNCATED = -4, /* the connection ended before the response did */
    HTTP_E_SINK = -5,      /* the body sink refused more bytes */
};

/** Receives n body bytes (de-chunked). Returns 0 to go on, < 0 to stop parsing with
 * HTTP_E_SINK (the sink keeps its own reason). */
typedef int (*http_body_sink)(void *ctx, const char *data, size_t n);

struct http_response {
    /* Results, valid once the head is parsed (status != 0). */
    int status;
    bool keep_alive;        /* the connection may carry another request afterwards */
    bool chunked;           /* Transfer-Encoding: chunked */
    int64_t content_length; /* -1 when absent */
    int64_t range_first;    /* first byte of Content-Range: bytes a-b/c, else -1 */
    uint64_t body_len;      /* body bytes delivered to the sink so far */

    /* Private state. */
    http_body_sink sink;
    void *sink_ctx;
    bool no_body; /* the request was HEAD: no body whatever the head says */
    int state;
    int headers;
    uint64_t left; /* bytes left of a Content-Length body or the current chunk */
    size_t head_bytes;
    size_t line_len;
    char line[HTTP_LINE_MAX];
};

/** Prepares r for one response. sink may be NULL (the body is then discarded);
 * no_body is true when the request was HEAD. */
void http_response_init(struct http_response *r, http_body_sink sink, void *ctx, bool no_body);
/** Parses up to len bytes. *consumed is how many were used: len unless HTTP_DONE came
 * earlier (bytes after a complete response belong to no request of ours). */
int http_response_feed(struct http_response *r, const char *data, size_t len, size_t *consumed);
/** The peer closed the connection: HTTP_DONE for a body delimited by the close,
 * HTTP_E_TRUNCATED otherwise. */
int http_response_eof(struct http_response *r);
/** Short text for a negative enum http_parse value. */
const char *http_parse_error(int rc);

#endif
