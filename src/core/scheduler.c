#include "core/scheduler.h"

#include "auth/auth.h"
#include "core/auto_assign.h"
#include "core/last_seen.h"
#include "core/rollout.h"
#include "store/store.h"
#include "util/log.h"
#include "util/time.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* The lease outlives a few ticks, so that a busy holder keeps it; a holder that
 * died is replaced within that time. */
#define LEASE_TICKS 3

struct scheduler {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    int interval_ms, flush_ms, dynamic_check_ms;
    int64_t flushed_at; /* monotonic ms of the last last-seen flush */
    struct store *store;
    char instance[96]; /* this server's name on the scheduler lease */
    bool leading;      /* it held the lease at the last tick */
};

/* Whether this server runs the cluster-wide work this tick (always, alone on SQLite:
 * the lease is then always free or its own). */
static bool lead(struct scheduler *sch)
{
    bool granted = false;
    struct error err;
    if (store_scheduler_lease(sch->store, sch->instance, time_now_ms(),
                              (int64_t)sch->interval_ms * LEASE_TICKS, &granted, &err) < 0)
        log_warn("scheduler lease: %s", err.message);
    if (granted != sch->leading)
        log_info("scheduler %s runs rollouts and auto-assignment: %s", sch->instance,
                 granted ? "yes" : "no (another server holds the lease)");
    sch->leading = granted;
    return granted;
}

/* One round of background work: every server flushes the last-seen times of its own
 * devices; the lease holder also runs auto-assignment and rollouts. The final round
 * (at shutdown) only flushes and gives the lease up. */
static void tick(struct scheduler *sch, bool final)
{
    /* Last-seen times wait for the flush interval, like hawkBit's lazy poll
     * persistence: a device polling every few seconds is written once per interval.
     * A first contact goes out at the next tick (unknown -> registered). */
    int64_t now = time_mono_ms();
    if (final || now - sch->flushed_at >= sch->flush_ms || last_seen_first_contact_waiting()) {
        sch->flushed_at = now;
        int rc = last_seen_flush(sch->store);
        if (rc > 0)
            log_debug("flushed last-seen times of %d targets", rc);
    }
    if (final) {
        struct error err;
        if (sch->leading && store_scheduler_release(sch->store, sch->instance, &err) < 0)
            log_warn("scheduler lease: %s", err.message);
        return;
    }
    if (!lead(sch))
        return;
    auto_assign_run(sch->store);
    rollout_run(sch->store, sch->dynamic_check_ms);
}

static void *run(void *arg)
{
    struct scheduler *sch = arg;
    pthread_mutex_lock(&sch->lock);
    while (!sch->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += sch->interval_ms / 1000;
        until.tv_nsec += (long)(sch->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&sch->wake, &sch->lock, &until);
        bool final = sch->stopping;
        pthread_mutex_unlock(&sch->lock);
        tick(sch, final);
        pthread_mutex_lock(&sch->lock);
    }
    pthread_mutex_unlock(&sch->lock);
    return NULL;
}

struct scheduler *scheduler_start(const char *database_path, int interval_ms, int flush_ms,
                                  int dynamic_check_ms, struct error *err)
{
    struct scheduler *sch = calloc(1, sizeof(*sch));
    if (!sch) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    sch->flush_ms = flush_ms > 0 ? flush_ms : 1000;
    sch->interval_ms = interval_ms > 0 && interval_ms < sch->flush_ms ? interval_ms : sch->flush_ms;
    sch->flushed_at = time_mono_ms();
    sch->dynamic_check_ms = dynamic_check_ms;
    char host[64] = "host", nonce[9];
    gethostname(host, sizeof(host) - 1);
    auth_random_hex(nonce, 4);
    snprintf(sch->instance, sizeof(sch->instance), "%.63s:%ld:%s", host, (long)getpid(), nonce);
    pthread_mutex_init(&sch->lock, NULL);
    /* A monotonic clock: setting the wall clock back must not stall the ticks. */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&sch->wake, &attr);
    pthread_condattr_destroy(&attr);
    sch->store = store_open(database_path, false, err);
    if (!sch->store || pthread_create(&sch->thread, NULL, run, sch) != 0) {
        if (sch->store)
            err_set(err, ERR_INTERNAL, NULL, "cannot start the scheduler thread");
        store_close(sch->store);
        free(sch);
        return NULL;
    }
    return sch;
}

void scheduler_stop(struct scheduler *sch)
{
    if (!sch)
        return;
    pthread_mutex_lock(&sch->lock);
    sch->stopping = true;
    pthread_cond_signal(&sch->wake);
    pthread_mutex_unlock(&sch->lock);
    pthread_join(sch->thread, NULL);
    tick(sch, true); /* what arrived while stopping */
    store_close(sch->store);
    pthread_mutex_destroy(&sch->lock);
    pthread_cond_destroy(&sch->wake);
    free(sch);
}
