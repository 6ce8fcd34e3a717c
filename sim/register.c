#include "register.h"

#include "http_request.h"
#include "http_response.h"
#include "util/json_read.h"
#include "util/json_writer.h"

#include <errno.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1000
#define LOOKUP 250
#define REPLY_MAX (16 * 1024 * 1024)

struct mgmt {
    struct fleet *f;
    volatile sig_atomic_t *stop;
    int fd;
    bool reused;
    char auth[512];
    struct http_response resp;
    char *body;
    size_t len, cap;
    bool overflow;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int sink(void *ctx, const char *data, size_t n)
{
    struct mgmt *m = ctx;
    if (m->len + n + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->len + n + 1)
            cap *= 2;
        char *nb = cap <= REPLY_MAX ? realloc(m->body, cap) : NULL;
        if (!nb) {
            m->overflow = true;
            return -1;
        }
        m->body = nb;
        m->cap = cap;
    }
    memcpy(m->body + m->len, data, n);
    m->len += n;
    m->body[m->len] = '\0';
    return 0;
}

static void disconnect(struct mgmt *m)
{
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
    m->reused = false;
}

static int connect_server(struct mgmt *m)
{
    const struct sim_options *o = m->f->o;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(o->host, o->port, &hints, &res) != 0)
        return SIM_E_CONNECT;
    m->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {o->timeout_ms / 1000, (o->timeout_ms % 1000) * 1000};
    if (m->fd >= 0) {
        setsockopt(m->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(m->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    int rc = m->fd >= 0 ? connect(m->fd, res->ai_addr, res->ai_addrlen) : -1;
    freeaddrinfo(res);
    if (rc < 0) {
        disconnect(m);
        return SIM_E_CONNECT;
    }
    return SIM_OK;
}

static int send_all(struct mgmt *m, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(m->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR && !*m->stop)
            continue;
        if (w <= 0)
            return errno == EAGAIN ? SIM_E_TIMEOUT : SIM_E_IO;
        p += w;
        n -= (size_t)w;
    }
    return SIM_OK;
}

static int read_reply(struct mgmt *m, bool *got_bytes)
{
    char buf[65536];
    m->len = 0;
    m->overflow = false;
    if (m->body)
        m->body[0] = '\0';
    http_response_init(&m->resp, sink, m, false);
    for (;;) {
        ssize_t n = recv(m->fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR && !*m->stop)
            continue;
        if (n < 0)
            return errno == EAGAIN ? SIM_E_TIMEOUT : SIM_E_IO;
        if (n == 0)
            return http_response_eof(&m->resp) == HTTP_DONE ? SIM_OK : SIM_E_IO;
        *got_bytes = true;
        size_t used;
        int rc = http_response_feed(&m->resp, buf, (size_t)n, &used);
        if (rc == HTTP_DONE && used == (size_t)n)
            return SIM_OK;
        if (rc != HTTP_MORE)
            return SIM_E_PARSE;
    }
}

/* One request and its reply (body in m->body); returns SIM_OK or the transport error. */
static int exchange_once(struct mgmt *m, const char *head, size_t head_len, const char *body,
                         size_t body_len, bool *got_bytes)
{
    int err = m->fd < 0 ? connect_server(m) : SIM_OK;
    if (!err)
        err = send_all(m, head, head_len);
    if (!err && body_len)
        err = send_all(m, body, body_len);
    if (!err)
        err = read_reply(m, got_bytes);
    return err;
}

static int exchange(struct mgmt *m, const char *method, const char *target, const char *body,
                    size_t body_len, int *status)
{
    char head[8192];
    struct reqbuf b;
    reqbuf_init(&b, head, sizeof(head));
    http_request_begin(&b, method, target, m->f->o->host_header);
    reqbuf_printf(&b, "Authorization: Basic %s\r\nAccept: application/json\r\n", m->auth);
    if (body)
        reqbuf_printf(&b, "Content-Type: application/json\r\nContent-Length: %zu\r\n", body_len);
    reqbuf_str(&b, "\r\n");
    if (b.overflow)
        return SIM_E_PARSE;
    int64_t t0 = now_us();
    bool got_bytes = false, reused = m->reused;
    int err = exchange_once(m, head, b.len, body, body_len, &got_bytes);
    if (err && reused && !got_bytes && !*m->stop) { /* closed while idle: once more */
        disconnect(m);
        err = exchange_once(m, head, b.len, body, body_len, &got_bytes);
    }
    *status = err ? 0 : m->resp.status;
    if (err || !m->resp.keep_alive)
        disconnect(m);
    else
        m->reused = true;
    int counted = err;
    if (!err && *status >= 400 && *status != 409)
        counted = *status < 500 ? SIM_E_4XX : SIM_E_5XX;
    stats_record(m->f->stats, REQ_REGISTER, (uint64_t)(now_us() - t0), counted);
    if (err)
        fprintf(stderr, "falconet-sim: %s %s: %s\n", method, target,
                stats_err_name((enum sim_err)err));
    return err;
}

static bool expect_status(struct mgmt *m, const char *what, int status, int want)
{
    if (status == want)
        return true;
    if (status)
        fprintf(stderr, "falconet-sim: %s: HTTP %d: %.300s\n", what, status,
                m->body ? m->body : "");
    return false;
}

/* POST [{controllerId, name, securityToken}] for the listed devices. */
static int create(struct mgmt *m, const uint32_t *ids, size_t n, int *status)
{
    struct jw w;
    char cid[CID_MAX], tok[2 * TOKEN_BYTES + 1];
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t k = 0; k < n; k++) {
        fleet_controller_id(m->f->o, ids[k], cid);
        fleet_token_hex(m->f, ids[k], tok);
        jw_obj_begin(&w);
        jw_kv_str(&w, "controllerId", cid);
        jw_kv_str(&w, "name", cid);
        jw_kv_str(&w, "securityToken", tok);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    size_t len;
    char *body = jw_finish(&w, &len);
    if (!body)
        return SIM_E_PARSE;
    int err = exchange(m, "POST", "/rest/v1/targets", body, len, status);
    free(body);
    if (!err && *status == 201)
        m->f->stats->devices_registered += n;
    return err;
}

static int reset_token(struct mgmt *m, uint32_t i)
{
    char cid[CID_MAX], tok[2 * TOKEN_BYTES + 1], target[128], body[128];
    fleet_controller_id(m->f->o, i, cid);
    fleet_token_hex(m->f, i, tok);
    snprintf(target, sizeof(target), "/rest/v1/targets/%s", cid);
    int n = snprintf(body, sizeof(body), "{\"securityToken\":\"%s\"}", tok);
    int status;
    int err = exchange(m, "PUT", target, body, (size_t)n, &status);
    if (err || !expect_status(m, "resetting a target token", status, 200))
        return -1;
    m->f->stats->tokens_updated++;
    return 0;
}

/* Marks which of the devices [lo, hi) exist; resets tokens that differ. */
static int look_up(struct mgmt *m, uint32_t lo, uint32_t hi, bool *exists)
{
    char target[8192], cid[CID_MAX], tok[2 * TOKEN_BYTES + 1];
    int pos = snprintf(target, sizeof(target),
                       "/rest/v1/targets?limit=%u&q=controllerId%%3Din%%3D%%28", hi - lo);
    for (uint32_t i = lo; i < hi; i++) {
        fleet_controller_id(m->f->o, i, cid);
        pos +=
            snprintf(target + pos, sizeof(target) - (size_t)pos, "%s%s", i > lo ? "%2C" : "", cid);
    }
    snprintf(target + pos, sizeof(target) - (size_t)pos, "%%29");
    int status;
    if (exchange(m, "GET", target, NULL, 0, &status) ||
        !expect_status(m, "looking up targets", status, 200))
        return -1;
    struct error e;
    struct json_value *doc = json_parse(m->body, m->len, &e);
    const struct json_value *content = json_get(doc, "content");
    int rc = doc ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < json_array_len(content); k++) {
        const struct json_value *t = json_array_at(content, k);
        const char *id = json_as_string(json_get(t, "controllerId"));
        const char *token = json_as_string(json_get(t, "securityToken"));
        int64_t i = id ? fleet_device_index(m->f->o, id) : -1;
        if (i < lo || i >= hi || exists[i - lo])
            continue;
        exists[i - lo] = true;
        m->f->stats->devices_existing++;
        fleet_token_hex(m->f, (uint32_t)i, tok);
        if (!token || strcmp(token, tok) != 0)
            rc = reset_token(m, (uint32_t)i);
    }
    json_doc_free(doc);
    return rc;
}

/* A batch that met 409: create what is missing, LOOKUP ids at a time. */
static int resolve(struct mgmt *m, uint32_t lo, uint32_t hi)
{
    for (uint32_t s = lo; s < hi && !*m->stop; s += LOOKUP) {
        uint32_t e = hi - s < LOOKUP ? hi : s + LOOKUP, missing[LOOKUP];
        bool exists[LOOKUP] = {false};
        if (look_up(m, s, e, exists) < 0)
            return -1;
        size_t n = 0;
        for (uint32_t i = s; i < e; i++)
            if (!exists[i - s])
                missing[n++] = i;
        int status;
        if (n &&
            (create(m, missing, n, &status) || !expect_status(m, "creating targets", status, 201)))
            return -1;
    }
    return 0;
}

int register_targets(struct fleet *f, volatile sig_atomic_t *stop)
{
    struct mgmt m = {.f = f, .stop = stop, .fd = -1};
    char cred[512];
    int n = snprintf(cred, sizeof(cred), "%s:%s", f->o->mgmt_user, f->o->mgmt_password);
    if (n < 0 || (size_t)n >= sizeof(cred) / 4 * 3 - 4) {
        fprintf(stderr, "falconet-sim: Management API user or password too long\n");
        return -1;
    }
    EVP_EncodeBlock((unsigned char *)m.auth, (const unsigned char *)cred, n);
    uint32_t *ids = malloc(BATCH * sizeof(*ids));
    int rc = ids ? 0 : -1;
    for (uint32_t lo = 0; rc == 0 && lo < f->o->devices; lo += BATCH) {
        uint32_t hi = f->o->devices - lo < BATCH ? f->o->devices : lo + BATCH;
        for (uint32_t i = lo; i < hi; i++)
            ids[i - lo] = i;
        int status;
        if (*stop || create(&m, ids, hi - lo, &status))
            rc = -1;
        else if (status == 409)
            rc = resolve(&m, lo, hi);
        else if (!expect_status(&m, "creating targets", status, 201))
            rc = -1;
    }
    free(ids);
    free(m.body);
    disconnect(&m);
    return *stop ? -1 : rc;
}
