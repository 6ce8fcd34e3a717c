/* Shared by the in-process tests of src/http (request.c, byteranges.c): a real
 * http_server on a free loopback port, and a minimal HTTP/1.1 client that speaks to
 * it over plain sockets. Everything is static inline, so each test binary takes
 * what it uses. Include after cmocka.h. */
#ifndef FALCONET_TESTS_UNIT_HTTP_HARNESS_H
#define FALCONET_TESTS_UNIT_HTTP_HARNESS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/server.h"

static struct http_server *harness_srv;
static int harness_port; /* where client_connect() goes */

/* Starts harness_srv on 127.0.0.1 with the given route tables; 0 or -1. */
static inline int harness_start(const struct route *const *tables, int workers, size_t max_body)
{
    struct http_server_config cfg = {
        .listen = "127.0.0.1:0",
        .workers = workers,
        .max_body = max_body,
        .timeout_seconds = 10,
        .max_connections = 64,
        .routes = tables,
    };
    struct error err = {0};
    harness_srv = http_server_start(&cfg, &err);
    if (!harness_srv) {
        fprintf(stderr, "http_server_start: %s\n", err.message);
        return -1;
    }
    harness_port = http_server_port(harness_srv);
    return harness_port > 0 ? 0 : -1;
}

static inline void harness_stop(void)
{
    if (harness_srv)
        http_server_stop(harness_srv, 1000);
    harness_srv = NULL;
}

/* ---- a minimal HTTP/1.1 client ---- */

struct response {
    int status;
    char headers[2048];
    char body[8192];
    size_t body_len;
    bool closed; /* the server closed the connection after this response */
};

static inline int client_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)harness_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static inline void send_all(int fd, const char *data, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may close early; the response tells */
        data += w;
        n -= (size_t)w;
    }
}

static inline const char *header_value(const struct response *r, const char *name)
{
    static char value[256];
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line; line = strstr(line, "\r\n")) {
        if (line[0] == '\r')
            line += 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r");
            snprintf(value, sizeof(value), "%.*s", (int)len, v);
            return value;
        }
    }
    return NULL;
}

/* Reads one response (status line, headers, Content-Length body). Returns false when
 * the connection ended before a complete response. */
static inline bool read_response(int fd, struct response *r, bool head)
{
    memset(r, 0, sizeof(*r));
    char buf[8192];
    size_t have = 0;
    char *end = NULL;
    while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
        if (have == sizeof(buf))
            return false;
        ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);
        if (n <= 0)
            return false;
        have += (size_t)n;
    }
    if (sscanf(buf, "HTTP/1.1 %d", &r->status) != 1)
        return false;
    size_t hlen = (size_t)(end - buf);
    snprintf(r->headers, sizeof(r->headers), "%.*s", (int)hlen, buf);
    if (r->status == 100) /* an interim response: the real one follows */
        return false;
    const char *cl = header_value(r, "Content-Length");
    size_t want = head || !cl ? 0 : strtoul(cl, NULL, 10);
    size_t got = have - hlen - 4;
    if (got >= sizeof(r->body))
        return false;
    memcpy(r->body, end + 4, got);
    while (got < want) {
        ssize_t n = recv(fd, r->body + got, sizeof(r->body) - 1 - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    r->body_len = got;
    const char *conn = header_value(r, "Connection");
    if (conn && strcasecmp(conn, "close") == 0) {
        char c;
        r->closed = recv(fd, &c, 1, 0) == 0;
    }
    return true;
}

static inline void request(int fd, const char *method, const char *path, const char *extra_headers,
                           const char *body, struct response *r)
{
    char head[2048];
    int n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: test\r\n%s", method, path,
                     extra_headers ? extra_headers : "");
    if (body)
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n", strlen(body));
    n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
    send_all(fd, head, (size_t)n);
    if (body)
        send_all(fd, body, strlen(body));
    if (!read_response(fd, r, strcmp(method, "HEAD") == 0))
        fail_msg("%s %s: no complete response", method, path);
}

static inline int once(const char *method, const char *path, const char *extra, const char *body,
                       struct response *r)
{
    int fd = client_connect();
    request(fd, method, path, extra, body, r);
    close(fd);
    return r->status;
}

#endif
