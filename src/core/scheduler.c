#include "core/scheduler.h"

#include "core/auto_assign.h"
#include "core/last_seen.h"
#include "core/rollout.h"
#include "store/store.h"
#include "util/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct scheduler {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    int interval_ms, dynamic_check_ms;
    struct store *store;
};

/* One round of background work; the final one (at shutdown) only flushes. */
static void tick(struct scheduler *sch, bool final)
{
    int rc = last_seen_flush(sch->store);
    if (rc > 0)
        log_debug("flushed last-seen times of %d targets", rc);
    if (final)
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

struct scheduler *scheduler_start(const char *database_path, int interval_ms, int dynamic_check_ms,
                                  struct error *err)
{
    struct scheduler *sch = calloc(1, sizeof(*sch));
    if (!sch) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    sch->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    sch->dynamic_check_ms = dynamic_check_ms;
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
