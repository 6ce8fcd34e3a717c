/* The connection pool: M keep-alive HTTP/1.1 connections to the one server, shared by
 * all simulated devices (as devices behind a gateway or NAT share its uplinks), driven
 * by one epoll instance on the caller's thread.
 *
 * A request is handed over whole (the caller wrote it with http_request.h) and ends in
 * exactly one call of the done callback, from pool_send (connect failed at once), from
 * pool_run or from pool_expire. The pool never opens more than M connections and opens
 * them lazily; a request that finds its reused connection closed by the server before
 * any byte of the response arrived is sent once more on a fresh one (not an error). */
#ifndef FALCONET_SIM_POOL_H
#define FALCONET_SIM_POOL_H

#include "options.h"
#include "stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_REQUEST_MAX 8192       /* bytes of one request */
#define POOL_BODY_MAX (1024 * 1024) /* bytes of a kept (JSON) response body */

struct pool_result {
    int err;          /* SIM_OK or an enum sim_err */
    int status;       /* HTTP status, 0 when none was read */
    const char *body; /* kept body, NUL-terminated; valid during the callback only */
    size_t body_len;
    uint64_t body_bytes; /* body bytes received, kept or not */
    int64_t range_first; /* first byte of the Content-Range, else -1 */
    bool cut;            /* the connection was cut after cut_after body bytes, as asked */
    uint64_t latency_us; /* from the first write (connect included) to the end */
};

typedef void (*pool_done_fn)(void *ctx, uint32_t device, int kind, const struct pool_result *r);

struct pool;

/** Resolves the server once. NULL (with a message on stderr) when that fails. */
struct pool *pool_new(const struct sim_options *o, struct sim_stats *stats, pool_done_fn done,
                      void *ctx);
void pool_free(struct pool *p);

/** True when a request can be sent now (an idle or a not yet opened connection). */
bool pool_has_room(const struct pool *p);
uint32_t pool_in_flight(const struct pool *p);
/** Sends len bytes of req for device. keep_body: keep the body for the callback (up
 * to POOL_BODY_MAX, more is a parse error), else discard it. cut_after > 0: close the
 * connection once that many body bytes arrived before the body is complete. Only
 * call when pool_has_room(). */
void pool_send(struct pool *p, uint32_t device, int kind, const char *req, size_t len,
               bool keep_body, uint64_t cut_after);
/** Waits up to timeout_ms for socket events and handles them. */
void pool_run(struct pool *p, int timeout_ms);
/** Fails every request older than the request timeout (SIM_E_TIMEOUT). */
void pool_expire(struct pool *p);

#endif
