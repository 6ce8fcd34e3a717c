/* The simulated fleet: N devices, their schedules and the loop that drives them.
 *
 * A device is in exactly one place at a time: waiting on a timer (its next poll), in
 * a ready queue (waiting for a free connection), or in flight on a connection. Two
 * ready queues: devices in the middle of an action go first, so an update flow is
 * not stretched by the polls queued behind it. Per device: 40 bytes; the state of an
 * action (its links and artifacts) is allocated when the action starts and freed when
 * it ends. */
#ifndef FALCONET_SIM_FLEET_H
#define FALCONET_SIM_FLEET_H

#include "options.h"
#include "pool.h"
#include "stats.h"
#include "timers.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define TOKEN_BYTES 16 /* the target token is these bytes in hex: 32 characters */
#define CID_MAX 64     /* controller id buffer, prefix included */

/* What a device does next. */
enum phase {
    PH_POLL,
    PH_DEPLOYMENT, /* GET deploymentBase */
    PH_FB_START,   /* POST proceeding */
    PH_DOWNLOAD,   /* GET an artifact (Range when resuming) */
    PH_FB_BURST,   /* POST intermediate proceeding reports */
    PH_FB_CLOSE,   /* POST closed + success/failure */
    PH_CANCEL_GET, /* GET cancelAction */
    PH_CANCEL_FB,  /* POST cancelAction feedback */
};

#define DEV_FAILS 0x01     /* this device reports failure (--fail-ratio) */
#define DEV_SLEEP_SET 0x02 /* sleep_ms came from the server or --poll-interval */

struct artifact_ref {
    char *path; /* request target taken from download-http */
    uint64_t size;
};

/* One action a device is working on. */
struct flow {
    int64_t action;
    char *href; /* path (and query) of the deploymentBase or cancelAction link */
    struct artifact_ref *art;
    uint32_t n_art, cur;
    uint64_t offset; /* bytes of art[cur] already received */
    bool was_cut;    /* art[cur] was cut off once already */
};

struct device {
    uint8_t token[TOKEN_BYTES];
    struct flow *flow; /* NULL outside an action */
    uint32_t sleep_ms;
    uint32_t next; /* ready-queue link: index + 1, 0 ends the queue */
    uint16_t burst_left;
    uint8_t phase;
    uint8_t flags;
};

enum { Q_ACTION, Q_POLL, Q_COUNT };

struct fleet {
    const struct sim_options *o;
    struct sim_stats *stats;
    struct pool *pool;
    struct device *dev;
    struct timers timers;
    uint32_t q_head[Q_COUNT], q_tail[Q_COUNT]; /* index + 1, 0 = empty */
    uint32_t queued;
    int64_t start_ms;
    uint64_t sent;
    uint32_t fallback_sleep_ms; /* until a device learnt the server's sleep */
    bool spread_done;           /* every device has its first poll scheduled */
    uint64_t rng;
    uint64_t seed_hash;
    char *reqbuf; /* one request at a time is written here, then copied to a connection */
};

/** Allocates the devices and derives their ids, tokens and fail flags. NULL when out
 * of memory or when the server cannot be resolved. */
struct fleet *fleet_new(const struct sim_options *o, struct sim_stats *stats);
void fleet_free(struct fleet *f);
/** Writes controller id i ("<prefix>000042") into out (CID_MAX bytes). */
void fleet_controller_id(const struct sim_options *o, uint32_t i, char out[CID_MAX]);
/** The index of controller id cid, or -1 when it is none of this fleet's ids. */
int64_t fleet_device_index(const struct sim_options *o, const char *cid);
/** Writes the hex target token of device i (33 bytes with the NUL). */
void fleet_token_hex(const struct fleet *f, uint32_t i, char out[2 * TOKEN_BYTES + 1]);
/** Runs until the duration or the request budget is used up or *stop is set.
 * Returns the elapsed seconds. */
double fleet_run(struct fleet *f, volatile sig_atomic_t *stop);

/* For device.c: milliseconds since the start, scheduling and queueing. */
uint32_t fleet_now(const struct fleet *f);
/** The next poll of device i after its sleep (with jitter). */
void fleet_schedule_poll(struct fleet *f, uint32_t i);
/** Device i continues its action as soon as a connection is free. */
void fleet_queue_action(struct fleet *f, uint32_t i);
/** A uniform double in [0, 1) from the run's generator. */
double fleet_random(struct fleet *f);

#endif
