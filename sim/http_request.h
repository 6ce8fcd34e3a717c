/* Writing HTTP/1.1 requests into a caller-owned fixed buffer.
 *
 * Every append is bounds-checked; running out of room sets a sticky overflow flag
 * and later appends do nothing, so callers check once at the end. */
#ifndef FALCONET_SIM_HTTP_REQUEST_H
#define FALCONET_SIM_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

struct reqbuf {
    char *data;
    size_t len, cap;
    bool overflow;
};

void reqbuf_init(struct reqbuf *b, char *data, size_t cap);
void reqbuf_add(struct reqbuf *b, const char *s, size_t n);
void reqbuf_str(struct reqbuf *b, const char *s);
void reqbuf_printf(struct reqbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** "METHOD target HTTP/1.1" plus Host. target is sent as given (already encoded). */
void http_request_begin(struct reqbuf *b, const char *method, const char *target, const char *host);
/** One header field; name and value must not contain CR or LF. */
void http_request_header(struct reqbuf *b, const char *name, const char *value);
/** Ends the head; with a body, adds Content-Type and Content-Length and the body. */
void http_request_end(struct reqbuf *b, const char *content_type, const char *body,
                      size_t body_len);

#endif
