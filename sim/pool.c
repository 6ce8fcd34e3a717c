#include "pool.h"

#include "http_response.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define READS_PER_EVENT 16 /* then let other connections have a turn */
#define EVENTS_MAX 256

enum conn_state { C_CLOSED, C_CONNECTING, C_IDLE, C_BUSY };

struct conn {
    int fd;
    uint8_t state;
    bool reused;    /* has carried a complete exchange: the server may have closed it */
    bool retried;   /* the current request was already sent once more */
    bool got_bytes; /* response bytes arrived for the current request */
    bool keep_body;
    bool body_overflow;
    bool cut;
    bool want_out; /* EPOLLOUT is in the interest set */
    uint8_t kind;
    uint32_t device;
    uint64_t cut_after;
    int64_t started_us;
    size_t wlen, wpos;
    char *wbuf;
    char *body;
    size_t body_len, body_cap;
    struct http_response resp;
};

struct pool {
    const struct sim_options *o;
    struct sim_stats *stats;
    pool_done_fn done;
    void *ctx;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int epfd;
    uint32_t n, opened, in_flight;
    struct conn *conns;
    uint32_t *free_stack; /* idle or closed connections, never busy ones */
    uint32_t n_free;
    char rbuf[READ_CHUNK];
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int resolve(struct pool *p)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(p->o->host, p->o->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "falconet-sim: cannot resolve %s: %s\n", p->o->host, gai_strerror(rc));
        return -1;
    }
    memcpy(&p->addr, res->ai_addr, res->ai_addrlen);
    p->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

struct pool *pool_new(const struct sim_options *o, struct sim_stats *stats, pool_done_fn done,
                      void *ctx)
{
    struct pool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->o = o;
    p->stats = stats;
    p->done = done;
    p->ctx = ctx;
    p->n = o->connections;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    p->conns = calloc(p->n, sizeof(*p->conns));
    p->free_stack = calloc(p->n, sizeof(*p->free_stack));
    if (p->epfd < 0 || !p->conns || !p->free_stack || resolve(p) < 0) {
        pool_free(p);
        return NULL;
    }
    for (uint32_t i = 0; i < p->n; i++) {
        p->conns[i].fd = -1;
        p->free_stack[p->n_free++] = p->n - 1 - i;
    }
    return p;
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; p->conns && i < p->n; i++) {
        if (p->conns[i].fd >= 0)
            close(p->conns[i].fd);
        free(p->conns[i].wbuf);
        free(p->conns[i].body);
    }
    if (p->epfd >= 0)
        close(p->epfd);
    free(p->conns);
    free(p->free_stack);
    free(p);
}

bool pool_has_room(const struct pool *p)
{
    return p->n_free > 0;
}

uint32_t pool_in_flight(const struct pool *p)
{
    return p->in_flight;
}

static void conn_close(struct pool *p, struct conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = C_CLOSED;
    c->reused = false;
    c->want_out = false;
}

static void set_out(struct pool *p, struct conn *c, bool out)
{
    if (c->want_out == out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0),
                             .data.u32 = (uint32_t)(c - p->conns)};
    epoll_ctl(p->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = out;
}

/* Ends the current request of c: the connection goes back to the free stack (closed
 * unless it may carry another request) and the callback runs. */
static void finish(struct pool *p, struct conn *c, int err, bool keep_open)
{
    struct pool_result r = {
        .err = err,
        .status = c->resp.status,
        .body = c->keep_body && c->body ? c->body : "",
        .body_len = c->keep_body ? c->body_len : 0,
        .body_bytes = c->resp.body_len,
        .range_first = c->resp.range_first,
        .cut = c->cut,
        .latency_us = (uint64_t)(now_us() - c->started_us),
    };
    if (c->body)
        c->body[c->body_len] = '\0';
    if (keep_open && !err) {
        c->state = C_IDLE;
        c->reused = true;
    } else {
        conn_close(p, c);
    }
    p->free_stack[p->n_free++] = (uint32_t)(c - p->conns);
    p->in_flight--;
    p->done(p->ctx, c->device, c->kind, &r);
}

static int body_sink(void *ctx, const char *data, size_t n)
{
    struct conn *c = ctx;
    if (c->cut_after && c->resp.body_len >= c->cut_after &&
        (c->resp.content_length < 0 || c->resp.body_len < (uint64_t)c->resp.content_length)) {
        c->cut = true;
        return -1;
    }
    if (!c->keep_body)
        return 0;
    if (c->body_len + n + 1 > c->body_cap) {
        size_t cap = c->body_cap ? c->body_cap : 4096;
        while (cap < c->body_len + n + 1)
            cap *= 2;
        char *nb = cap <= POOL_BODY_MAX + 1 ? realloc(c->body, cap) : NULL;
        if (!nb) {
            c->body_overflow = true;
            return -1;
        }
        c->body = nb;
        c->body_cap = cap;
    }
    memcpy(c->body + c->body_len, data, n);
    c->body_len += n;
    return 0;
}

static int open_socket(struct pool *p, struct conn *c)
{
    c->fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)(c - p->conns)};
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        return -1;
    c->want_out = true;
    if (p->opened++ >= p->n)
        p->stats->reconnects++;
    if (connect(c->fd, (struct sockaddr *)&p->addr, p->addr_len) < 0 && errno != EINPROGRESS)
        return -1;
    c->state = C_CONNECTING;
    return 0;
}

static void try_write(struct pool *p, struct conn *c);

/* (Re)starts the exchange of c from its first request byte. */
static void start(struct pool *p, struct conn *c)
{
    c->wpos = 0;
    c->got_bytes = false;
    c->body_len = 0;
    c->body_overflow = false;
    c->cut = false;
    http_response_init(&c->resp, body_sink, c, false);
    if (c->state == C_CLOSED && open_socket(p, c) < 0) {
        finish(p, c, SIM_E_CONNECT, false);
        return;
    }
    if (c->state == C_IDLE) {
        c->state = C_BUSY;
        try_write(p, c);
    }
}

void pool_send(struct pool *p, uint32_t device, int kind, const char *req, size_t len,
               bool keep_body, uint64_t cut_after)
{
    struct conn *c = &p->conns[p->free_stack[--p->n_free]];
    if (!c->wbuf && !(c->wbuf = malloc(POOL_REQUEST_MAX))) {
        p->free_stack[p->n_free++] = (uint32_t)(c - p->conns);
        return;
    }
    if (len > POOL_REQUEST_MAX)
        len = POOL_REQUEST_MAX; /* callers build into a POOL_REQUEST_MAX buffer */
    memcpy(c->wbuf, req, len);
    c->wlen = len;
    c->device = device;
    c->kind = (uint8_t)kind;
    c->keep_body = keep_body;
    c->cut_after = cut_after;
    c->retried = false;
    c->started_us = now_us();
    p->in_flight++;
    start(p, c);
}

/* The server closed (or reset) a connection before answering. A connection that
 * served earlier requests may have been closed while idle: send once more. */
static void broken(struct pool *p, struct conn *c, int err)
{
    if (c->reused && !c->got_bytes && !c->retried) {
        conn_close(p, c);
        c->retried = true;
        start(p, c);
        return;
    }
    finish(p, c, err, false);
}

static void try_write(struct pool *p, struct conn *c)
{
    while (c->wpos < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->wpos, c->wlen - c->wpos, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_out(p, c, true);
            return;
        }
        if (n <= 0) {
            broken(p, c, SIM_E_IO);
            return;
        }
        c->wpos += (size_t)n;
    }
    set_out(p, c, false);
}

static void on_connected(struct pool *p, struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
        finish(p, c, SIM_E_CONNECT, false);
        return;
    }
    c->state = C_BUSY;
    try_write(p, c);
}

/* Feeds n received bytes; returns true while the exchange goes on. */
static bool take_bytes(struct pool *p, struct conn *c, const char *data, size_t n)
{
    size_t used;
    c->got_bytes = true;
    int rc = http_response_feed(&c->resp, data, n, &used);
    if (rc == HTTP_MORE)
        return true;
    if (rc == HTTP_DONE && used == n)
        finish(p, c, SIM_OK, c->resp.keep_alive);
    else if (rc == HTTP_E_SINK && c->cut)
        finish(p, c, SIM_OK, false);
    else
        finish(p, c, SIM_E_PARSE, false); /* malformed, too large, or bytes nobody asked for */
    return false;
}

static void on_readable(struct pool *p, struct conn *c)
{
    for (int i = 0; i < READS_PER_EVENT; i++) {
        ssize_t n = recv(c->fd, p->rbuf, sizeof(p->rbuf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (c->state == C_IDLE) { /* the server closed an idle connection, or sent junk */
            conn_close(p, c);
            return;
        }
        if (n > 0) {
            if (!take_bytes(p, c, p->rbuf, (size_t)n))
                return;
            continue;
        }
        if (n == 0 && c->got_bytes && http_response_eof(&c->resp) == HTTP_DONE) {
            finish(p, c, SIM_OK, false);
            return;
        }
        broken(p, c, SIM_E_IO);
        return;
    }
}

static void on_event(struct pool *p, struct conn *c, uint32_t events)
{
    if (c->state == C_CONNECTING) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            on_connected(p, c);
        return;
    }
    if (c->state == C_BUSY && (events & EPOLLOUT) && c->wpos < c->wlen) {
        try_write(p, c);
        if (c->state != C_BUSY)
            return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        on_readable(p, c);
}

void pool_run(struct pool *p, int timeout_ms)
{
    struct epoll_event ev[EVENTS_MAX];
    int n = epoll_wait(p->epfd, ev, EVENTS_MAX, timeout_ms);
    for (int i = 0; i < n; i++) {
        struct conn *c = &p->conns[ev[i].data.u32];
        if (c->fd >= 0)
            on_event(p, c, ev[i].events);
    }
}

void pool_expire(struct pool *p)
{
    int64_t limit = now_us() - (int64_t)p->o->timeout_ms * 1000;
    for (uint32_t i = 0; i < p->n; i++) {
        struct conn *c = &p->conns[i];
        if ((c->state == C_BUSY || c->state == C_CONNECTING) && c->started_us < limit)
            finish(p, c, SIM_E_TIMEOUT, false);
    }
}
