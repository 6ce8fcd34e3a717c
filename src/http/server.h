/* The HTTP server: libmicrohttpd run stall-free as one daemon per worker thread,
 * each on its own SO_REUSEPORT listening socket and driven by an external epoll
 * loop (see docs/architecture.md for why MHD's internal epoll thread is avoided). */
#ifndef FALCONET_HTTP_SERVER_H
#define FALCONET_HTTP_SERVER_H

#include "http/http.h"
#include "util/error.h"

/* 9 KiB: 10 000 idle keep-alive connections stay under 128 MB beside a full device
 * cache (the whole of it is in use once a connection has served a request), and
 * request headers of up to about 8.5 KB still fit (Tomcat, under hawkBit, takes 8 KB). */
#define HTTP_DEFAULT_CONNECTION_MEMORY (9 * 1024)

struct http_server_config {
    const char *listen; /* "ADDR:PORT" or "[v6]:PORT"; port 0 picks a free one */
    int workers;
    size_t max_body;          /* JSON body limit in bytes */
    unsigned timeout_seconds; /* idle connection timeout */
    unsigned max_connections; /* per worker */
    /* Memory of one connection (request headers, read buffer): what an idle
     * keep-alive connection costs, and the largest request header block.
     * 0 = HTTP_DEFAULT_CONNECTION_MEMORY. */
    size_t connection_memory;
    const struct route *const *routes; /* NULL-terminated list of route tables */
    /* Per-worker application state, created in and owned by the worker thread. */
    void *(*worker_init)(int index, void *app);
    void (*worker_fini)(void *worker);
    void *app;
};

struct http_server;

/** Binds, starts the worker threads and returns once every worker is ready.
 * NULL with *err set on failure. */
struct http_server *http_server_start(const struct http_server_config *cfg, struct error *err);
/** The port actually bound. */
int http_server_port(const struct http_server *srv);
/** Stops accepting, lets in-flight requests finish (up to grace_ms), joins workers. */
void http_server_stop(struct http_server *srv, int grace_ms);

#endif
