#include "core/change_listener.h"

#include "core/tenant_config.h"
#include "store/store.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RETRY_MS 1000 /* between two attempts to listen again */

struct change_listener {
    pthread_t thread;
    int wake[2]; /* a byte written to wake[1] stops the thread */
    struct store *store;
};

static void on_announcement(const char *topic, void *ctx)
{
    (void)ctx;
    if (strcmp(topic, TENANT_SETTINGS_TOPIC) == 0)
        tenant_settings_forget();
}

/* Waits up to ms for the stop request; true once it was made. */
static bool stop_requested(struct change_listener *cl, int ms)
{
    struct pollfd p = {.fd = cl->wake[0], .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

/* Forgets every copy: what was announced while nobody listened is lost. */
static void forget_all(void)
{
    tenant_settings_forget();
}

/* The connection is lost or cannot listen: logged once until it is back. */
static void not_listening(bool *interrupted, const struct error *err)
{
    if (!*interrupted)
        log_warn("not hearing the other servers' changes (%s): tenant settings are re-read "
                 "every %d ms until this is back",
                 err->message, TENANT_SETTINGS_TTL_MS);
    *interrupted = true;
    forget_all();
}

static void *run(void *arg)
{
    struct change_listener *cl = arg;
    bool listening = false, interrupted = false;
    struct error err;
    while (!stop_requested(cl, 0)) {
        if (!listening) {
            if (store_listen(cl->store, &err) < 0) {
                not_listening(&interrupted, &err);
                stop_requested(cl, RETRY_MS);
                continue;
            }
            listening = true;
            forget_all();
            if (interrupted)
                log_info("hearing the other servers' changes again");
            interrupted = false;
        }
        if (store_wait_announcements(cl->store, cl->wake[0], -1, on_announcement, NULL, &err) < 0) {
            listening = false;
            not_listening(&interrupted, &err);
            if (err.kind != ERR_UNAVAILABLE) /* not a lost connection: do not spin */
                stop_requested(cl, RETRY_MS);
        }
    }
    return NULL;
}

struct change_listener *change_listener_start(const char *database, struct error *err)
{
    struct change_listener *cl = calloc(1, sizeof(*cl));
    if (!cl) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    cl->wake[0] = cl->wake[1] = -1;
    if (pipe2(cl->wake, O_CLOEXEC) < 0) {
        err_set(err, ERR_INTERNAL, NULL, "cannot create the change listener's pipe");
    } else if ((cl->store = store_open(database, false, err))) {
        if (pthread_create(&cl->thread, NULL, run, cl) == 0)
            return cl;
        err_set(err, ERR_INTERNAL, NULL, "cannot start the change listener thread");
    }
    store_close(cl->store);
    if (cl->wake[0] >= 0) {
        close(cl->wake[0]);
        close(cl->wake[1]);
    }
    free(cl);
    return NULL;
}

void change_listener_stop(struct change_listener *cl)
{
    if (!cl)
        return;
    char byte = 1;
    while (write(cl->wake[1], &byte, 1) < 0 && errno == EINTR)
        ;
    pthread_join(cl->thread, NULL);
    store_close(cl->store);
    close(cl->wake[0]);
    close(cl->wake[1]);
    free(cl);
}
