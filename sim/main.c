/* falconet-sim: a fleet of simulated hawkBit DDI devices in one process. */
#include "fleet.h"
#include "options.h"
#include "register.h"
#include "stats.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* No SA_RESTART: a signal interrupts epoll_wait and the blocking registration. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    struct sim_options o;
    int rc = options_parse(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    catch_signals();
    struct sim_stats *stats = calloc(1, sizeof(*stats));
    struct fleet *f = stats ? fleet_new(&o, stats) : NULL;
    if (!f) {
        fprintf(stderr, "falconet-sim: cannot set up %u devices\n", o.devices);
        free(stats);
        return 1;
    }
    struct report_info info = {.devices = o.devices, .connections = o.connections};
    bool ok = true;
    if (o.register_api) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ok = register_targets(f, &stop) == 0;
        info.registration_s = seconds_since(&t0);
        if (!o.quiet)
            fprintf(stderr,
                    "falconet-sim: registration %s in %.1f s (%llu created, %llu existed)\n",
                    ok ? "done" : "failed", info.registration_s,
                    (unsigned long long)stats->devices_registered,
                    (unsigned long long)stats->devices_existing);
    }
    if (ok && !stop)
        info.elapsed_s = fleet_run(f, &stop);
    info.interrupted = stop != 0;
    if (o.report_json)
        stats_report_json(stdout, stats, &info);
    else
        stats_report_text(stdout, stats, &info);
    fflush(stdout);
    rc = (!ok || stats_total_errors(stats) > 0) ? 1 : 0;
    fleet_free(f);
    free(stats);
    return rc;
}
