#include "fleet.h"

#include "device.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FALLBACK_SLEEP_MS 300000 /* hawkBit's default pollingTime, until the server says */
#define PROGRESS_MS 10000
#define EXPIRE_MS 250
#define GOLDEN32 0x9E3779B9u /* 2^32 / golden ratio: a low-discrepancy step */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned id_width(const struct sim_options *o)
{
    unsigned w = 1;
    for (uint32_t n = o->devices - 1; n >= 10; n /= 10)
        w++;
    return w < 6 ? 6 : w;
}

void fleet_controller_id(const struct sim_options *o, uint32_t i, char out[CID_MAX])
{
    snprintf(out, CID_MAX, "%s%0*u", o->prefix, (int)id_width(o), i);
}

int64_t fleet_device_index(const struct sim_options *o, const char *cid)
{
    size_t pl = strlen(o->prefix);
    if (strncmp(cid, o->prefix, pl) != 0 || strlen(cid + pl) != id_width(o))
        return -1;
    uint64_t v = 0;
    for (const char *p = cid + pl; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    return v < o->devices ? (int64_t)v : -1;
}

void fleet_token_hex(const struct fleet *f, uint32_t i, char out[2 * TOKEN_BYTES + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (int k = 0; k < TOKEN_BYTES; k++) {
        out[2 * k] = hex[f->dev[i].token[k] >> 4];
        out[2 * k + 1] = hex[f->dev[i].token[k] & 15];
    }
    out[2 * TOKEN_BYTES] = '\0';
}

static void sha256(const char *s, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(s, n, out, &len, EVP_sha256(), NULL);
}

/* Token: hex(SHA-256(seed ":" id)) cut to 32 characters. Fails: device i reports
 * failure when (i * GOLDEN32 + seed offset) mod 2^32 < ratio * 2^32, so that any
 * range of ids holds very nearly ratio of failing devices, the same ones every run. */
static void derive_identities(struct fleet *f)
{
    const struct sim_options *o = f->o;
    unsigned char digest[32];
    sha256(o->token_seed, strlen(o->token_seed), digest);
    memcpy(&f->seed_hash, digest, sizeof(f->seed_hash));
    uint32_t offset = (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 |
                      (uint32_t)digest[2] << 8 | digest[3];
    uint64_t threshold = (uint64_t)(o->fail_ratio * 4294967296.0);
    char buf[CID_MAX + 256], cid[CID_MAX];
    for (uint32_t i = 0; i < o->devices; i++) {
        struct device *d = &f->dev[i];
        fleet_controller_id(o, i, cid);
        int n = snprintf(buf, sizeof(buf), "%s:%s", o->token_seed, cid);
        sha256(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, digest);
        memcpy(d->token, digest, TOKEN_BYTES);
        if ((uint64_t)(uint32_t)(i * GOLDEN32 + offset) < threshold)
            d->flags |= DEV_FAILS;
        if (o->poll_interval_ms) {
            d->sleep_ms = o->poll_interval_ms;
            d->flags |= DEV_SLEEP_SET;
        }
    }
}

static void on_done(void *ctx, uint32_t i, int kind, const struct pool_result *r);

struct fleet *fleet_new(const struct sim_options *o, struct sim_stats *stats)
{
    struct fleet *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->o = o;
    f->stats = stats;
    f->dev = calloc(o->devices, sizeof(*f->dev));
    f->reqbuf = malloc(POOL_REQUEST_MAX);
    f->pool = pool_new(o, stats, on_done, f);
    if (!f->dev || !f->reqbuf || !f->pool || timers_init(&f->timers, o->devices) < 0) {
        fleet_free(f);
        return NULL;
    }
    f->fallback_sleep_ms = o->poll_interval_ms ? o->poll_interval_ms : FALLBACK_SLEEP_MS;
    f->rng = 0x853c49e6748fea9bULL ^ (uint64_t)mono_ms();
    derive_identities(f);
    return f;
}

void fleet_free(struct fleet *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; f->dev && i < f->o->devices; i++)
        device_drop_flow(&f->dev[i]);
    pool_free(f->pool);
    timers_free(&f->timers);
    free(f->dev);
    free(f->reqbuf);
    free(f);
}

uint32_t fleet_now(const struct fleet *f)
{
    return (uint32_t)(mono_ms() - f->start_ms);
}

double fleet_random(struct fleet *f)
{
    /* xorshift64* */
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return (double)((f->rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

void fleet_schedule_poll(struct fleet *f, uint32_t i)
{
    struct device *d = &f->dev[i];
    double sleep = (d->flags & DEV_SLEEP_SET) ? d->sleep_ms : f->fallback_sleep_ms;
    double delay = sleep * (1.0 + f->o->jitter * (2.0 * fleet_random(f) - 1.0));
    d->phase = PH_POLL;
    timers_push(&f->timers, fleet_now(f) + (uint32_t)delay, i);
}

static void enqueue(struct fleet *f, int q, uint32_t i)
{
    f->dev[i].next = 0;
    if (f->q_tail[q])
        f->dev[f->q_tail[q] - 1].next = i + 1;
    else
        f->q_head[q] = i + 1;
    f->q_tail[q] = i + 1;
    f->queued++;
}

static bool dequeue(struct fleet *f, uint32_t *out)
{
    for (int q = 0; q < Q_COUNT; q++) {
        if (!f->q_head[q])
            continue;
        *out = f->q_head[q] - 1;
        f->q_head[q] = f->dev[*out].next;
        if (!f->q_head[q])
            f->q_tail[q] = 0;
        f->queued--;
        return true;
    }
    return false;
}

void fleet_queue_action(struct fleet *f, uint32_t i)
{
    enqueue(f, Q_ACTION, i);
}

/* First polls of devices from..N-1, spread evenly at random over one poll interval. */
static void spread(struct fleet *f, uint32_t from)
{
    uint32_t now = fleet_now(f);
    for (uint32_t i = from; i < f->o->devices; i++)
        timers_push(&f->timers, now + (uint32_t)(fleet_random(f) * f->fallback_sleep_ms), i);
    f->spread_done = true;
}

static void on_done(void *ctx, uint32_t i, int kind, const struct pool_result *r)
{
    struct fleet *f = ctx;
    int err = device_result(f, i, (enum req_kind)kind, r);
    stats_record(f->stats, (enum req_kind)kind, r->latency_us, err);
    if (!f->spread_done && i == 0 && kind == REQ_POLL) {
        /* The first device probed the server's sleep; the others follow over it. */
        if (f->dev[0].flags & DEV_SLEEP_SET)
            f->fallback_sleep_ms = f->dev[0].sleep_ms;
        else if (!f->o->quiet)
            fprintf(stderr, "falconet-sim: the first poll told no sleep; spreading over %u s\n",
                    f->fallback_sleep_ms / 1000);
        spread(f, 1);
    }
}

static bool budget_left(const struct fleet *f)
{
    return !f->o->max_requests || f->sent < f->o->max_requests;
}

static void dispatch(struct fleet *f)
{
    uint32_t i;
    while (f->queued && pool_has_room(f->pool) && budget_left(f) && dequeue(f, &i)) {
        struct reqbuf b;
        struct send_plan plan;
        reqbuf_init(&b, f->reqbuf, POOL_REQUEST_MAX);
        device_request(f, i, &b, &plan);
        f->sent++;
        if (b.overflow) { /* a link longer than a request may be: the device gives up */
            struct pool_result r = {.err = SIM_E_PARSE, .range_first = -1};
            on_done(f, i, plan.kind, &r);
            continue;
        }
        pool_send(f->pool, i, plan.kind, b.data, b.len, plan.keep_body, plan.cut_after);
    }
}

static void take_due(struct fleet *f, uint32_t now)
{
    struct timer t;
    while (timers_pop_due(&f->timers, now, &t))
        enqueue(f, Q_POLL, t.device);
}

static int wait_ms(const struct fleet *f, uint32_t now, int64_t deadline, uint32_t next_chore)
{
    int64_t until = timers_next(&f->timers);
    if (next_chore < until)
        until = next_chore;
    if (deadline < until)
        until = deadline;
    return until <= now ? 0 : (int)(until - now);
}

double fleet_run(struct fleet *f, volatile sig_atomic_t *stop)
{
    f->start_ms = mono_ms();
    if (f->o->poll_interval_ms)
        spread(f, 0);
    else
        timers_push(&f->timers, 0, 0);
    int64_t deadline = f->o->duration_s > 0 ? (int64_t)(f->o->duration_s * 1000.0) : INT64_MAX;
    uint32_t next_expire = EXPIRE_MS, next_progress = PROGRESS_MS;
    struct sim_stats *prev = calloc(1, sizeof(*prev));
    while (!*stop) {
        uint32_t now = fleet_now(f);
        if (now >= deadline)
            break;
        take_due(f, now);
        dispatch(f);
        if (!budget_left(f) && pool_in_flight(f->pool) == 0)
            break;
        uint32_t chore = next_expire < next_progress ? next_expire : next_progress;
        int timeout = (f->queued && pool_has_room(f->pool) && budget_left(f))
                          ? 0
                          : wait_ms(f, now, deadline, chore);
        pool_run(f->pool, timeout);
        now = fleet_now(f);
        if (now >= next_expire) {
            pool_expire(f->pool);
            next_expire = now + EXPIRE_MS;
        }
        if (now >= next_progress) {
            if (!f->o->quiet && prev)
                stats_progress(stderr, f->stats, prev, now / 1000.0, PROGRESS_MS / 1000.0,
                               pool_in_flight(f->pool), f->queued);
            next_progress += PROGRESS_MS;
        }
    }
    free(prev);
    return (double)(mono_ms() - f->start_ms) / 1000.0;
}
