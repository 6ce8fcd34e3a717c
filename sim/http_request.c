#include "http_request.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void reqbuf_init(struct reqbuf *b, char *data, size_t cap)
{
    b->data = data;
    b->len = 0;
    b->cap = cap;
    b->overflow = false;
}

void reqbuf_add(struct reqbuf *b, const char *s, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

void reqbuf_str(struct reqbuf *b, const char *s)
{
    reqbuf_add(b, s, strlen(s));
}

void reqbuf_printf(struct reqbuf *b, const char *fmt, ...)
{
    if (b->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        b->overflow = true;
        return;
    }
    b->len += (size_t)n;
}

void http_request_begin(struct reqbuf *b, const char *method, const char *target, const char *host)
{
    reqbuf_printf(b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host);
}

void http_request_header(struct reqbuf *b, const char *name, const char *value)
{
    if (strpbrk(name, "\r\n") || strpbrk(value, "\r\n")) {
        b->overflow = true;
        return;
    }
    reqbuf_printf(b, "%s: %s\r\n", name, value);
}

void http_request_end(struct reqbuf *b, const char *content_type, const char *body, size_t body_len)
{
    if (body) {
        reqbuf_printf(b, "Content-Type: %s\r\nContent-Length: %zu\r\n", content_type, body_len);
        reqbuf_add(b, "\r\n", 2);
        reqbuf_add(b, body, body_len);
    } else {
        reqbuf_add(b, "\r\n", 2);
    }
}
