#include "stats.h"

#include "util/json_writer.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[REQ_KINDS] = {"poll",     "deployment", "feedback",
                                                  "download", "cancel",     "register"};

static const char *const err_names[SIM_ERRS] = {
    "none", "http_4xx", "http_5xx", "status", "connect", "timeout", "parse", "io", "content"};

const char *stats_kind_name(enum req_kind k)
{
    return kind_names[k];
}

const char *stats_err_name(enum sim_err e)
{
    return err_names[e];
}

static unsigned bucket_of(uint64_t us)
{
    if (us < 16)
        return (unsigned)us;
    unsigned e = 63u - (unsigned)__builtin_clzll(us); /* >= 4 */
    unsigned idx = 16 + (e - 4) * 16 + (unsigned)((us >> (e - 4)) & 15);
    return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The middle of bucket idx, in microseconds. */
static uint64_t bucket_value(unsigned idx)
{
    if (idx < 16)
        return idx;
    unsigned e = (idx - 16) / 16 + 4, sub = (idx - 16) % 16;
    uint64_t width = (uint64_t)1 << (e - 4);
    return ((uint64_t)(16 + sub) << (e - 4)) + width / 2;
}

void stats_record(struct sim_stats *s, enum req_kind k, uint64_t latency_us, int err)
{
    struct kind_stats *ks = &s->kind[k];
    ks->count++;
    ks->hist[bucket_of(latency_us)]++;
    if (latency_us > ks->max_us)
        ks->max_us = latency_us;
    if (err) {
        ks->errors++;
        s->errors[err]++;
    }
}

uint64_t stats_quantile(const struct kind_stats *ks, double q)
{
    if (ks->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)ks->count);
    if (rank >= ks->count)
        rank = ks->count - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += ks->hist[i];
        if (seen > rank) {
            uint64_t v = bucket_value(i);
            return v > ks->max_us ? ks->max_us : v;
        }
    }
    return ks->max_us;
}

uint64_t stats_total_requests(const struct sim_stats *s)
{
    uint64_t n = 0;
    for (int k = 0; k < REQ_KINDS; k++)
        n += s->kind[k].count;
    return n;
}

uint64_t stats_total_errors(const struct sim_stats *s)
{
    uint64_t n = 0;
    for (int e = 1; e < SIM_ERRS; e++)
        n += s->errors[e];
    return n;
}

static double rate(uint64_t n, double seconds)
{
    return seconds > 0 ? (double)n / seconds : 0.0;
}

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

/* Registration happens before the simulation: its rate is over its own time. */
static double kind_seconds(int k, const struct report_info *info)
{
    return k == REQ_REGISTER ? info->registration_s : info->elapsed_s;
}

void stats_report_text(FILE *out, const struct sim_stats *s, const struct report_info *info)
{
    fprintf(out, "falconet-sim: %u devices, %u connections, %.1f s (registration %.1f s)%s\n",
            info->devices, info->connections, info->elapsed_s, info->registration_s,
            info->interrupted ? " (interrupted)" : "");
    fprintf(out, "%-11s %10s %9s %8s %9s %9s %9s %9s\n", "request", "count", "req/s", "errors",
            "p50 ms", "p90 ms", "p99 ms", "max ms");
    for (int k = 0; k < REQ_KINDS; k++) {
        const struct kind_stats *ks = &s->kind[k];
        fprintf(out, "%-11s %10llu %9.1f %8llu %9.2f %9.2f %9.2f %9.2f\n", kind_names[k],
                (unsigned long long)ks->count, rate(ks->count, kind_seconds(k, info)),
                (unsigned long long)ks->errors, ms(stats_quantile(ks, 0.5)),
                ms(stats_quantile(ks, 0.9)), ms(stats_quantile(ks, 0.99)), ms(ks->max_us));
    }
    uint64_t total = stats_total_requests(s);
    fprintf(out, "%-11s %10llu %9.1f %8llu\n", "total", (unsigned long long)total,
            rate(total, info->elapsed_s), (unsigned long long)stats_total_errors(s));
    fprintf(out, "errors:");
    for (int e = 1; e < SIM_ERRS; e++)
        fprintf(out, " %s=%llu", err_names[e], (unsigned long long)s->errors[e]);
    fprintf(out, "\nactions: started=%llu finished=%llu failed=%llu canceled=%llu abandoned=%llu\n",
            (unsigned long long)s->actions_started, (unsigned long long)s->actions_finished,
            (unsigned long long)s->actions_failed, (unsigned long long)s->actions_canceled,
            (unsigned long long)s->actions_abandoned);
    fprintf(out, "downloaded: %llu bytes (%llu downloads cut and resumed)\n",
            (unsigned long long)s->bytes_downloaded, (unsigned long long)s->downloads_cut);
    fprintf(out, "devices: registered=%llu existing=%llu tokens_updated=%llu; reconnects=%llu\n",
            (unsigned long long)s->devices_registered, (unsigned long long)s->devices_existing,
            (unsigned long long)s->tokens_updated, (unsigned long long)s->reconnects);
}

static void kv_double(struct jw *w, const char *key, double v)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.3f", v);
    jw_key(w, key);
    jw_raw(w, buf);
}

static void kv_u64(struct jw *w, const char *key, uint64_t v)
{
    jw_kv_int(w, key, (int64_t)v);
}

static void json_kinds(struct jw *w, const struct sim_stats *s, const struct report_info *info)
{
    jw_key(w, "requests");
    jw_obj_begin(w);
    for (int k = 0; k < REQ_KINDS; k++) {
        const struct kind_stats *ks = &s->kind[k];
        jw_key(w, kind_names[k]);
        jw_obj_begin(w);
        kv_u64(w, "count", ks->count);
        kv_u64(w, "errors", ks->errors);
        kv_double(w, "rate", rate(ks->count, kind_seconds(k, info)));
        jw_key(w, "latency_ms");
        jw_obj_begin(w);
        kv_double(w, "p50", ms(stats_quantile(ks, 0.5)));
        kv_double(w, "p90", ms(stats_quantile(ks, 0.9)));
        kv_double(w, "p99", ms(stats_quantile(ks, 0.99)));
        kv_double(w, "max", ms(ks->max_us));
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

void stats_report_json(FILE *out, const struct sim_stats *s, const struct report_info *info)
{
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    kv_double(&w, "elapsed_s", info->elapsed_s);
    kv_double(&w, "registration_s", info->registration_s);
    kv_u64(&w, "devices", info->devices);
    kv_u64(&w, "connections", info->connections);
    jw_kv_bool(&w, "interrupted", info->interrupted);
    json_kinds(&w, s, info);
    uint64_t total = stats_total_requests(s);
    kv_u64(&w, "requests_total", total);
    kv_double(&w, "rate_total", rate(total, info->elapsed_s));
    jw_key(&w, "errors");
    jw_obj_begin(&w);
    kv_u64(&w, "total", stats_total_errors(s));
    for (int e = 1; e < SIM_ERRS; e++)
        kv_u64(&w, err_names[e], s->errors[e]);
    jw_obj_end(&w);
    jw_key(&w, "actions");
    jw_obj_begin(&w);
    kv_u64(&w, "started", s->actions_started);
    kv_u64(&w, "finished", s->actions_finished);
    kv_u64(&w, "failed", s->actions_failed);
    kv_u64(&w, "canceled", s->actions_canceled);
    kv_u64(&w, "abandoned", s->actions_abandoned);
    jw_obj_end(&w);
    kv_u64(&w, "bytes_downloaded", s->bytes_downloaded);
    kv_u64(&w, "downloads_cut", s->downloads_cut);
    kv_u64(&w, "devices_registered", s->devices_registered);
    kv_u64(&w, "devices_existing", s->devices_existing);
    kv_u64(&w, "tokens_updated", s->tokens_updated);
    kv_u64(&w, "reconnects", s->reconnects);
    jw_obj_end(&w);
    size_t len;
    char *text = jw_finish(&w, &len);
    if (!text) {
        fprintf(out, "{}\n");
        return;
    }
    fprintf(out, "%s\n", text);
    free(text);
}

void stats_progress(FILE *out, const struct sim_stats *s, struct sim_stats *prev, double elapsed_s,
                    double interval_s, uint32_t in_flight, uint32_t queued)
{
    uint64_t total = stats_total_requests(s), before = stats_total_requests(prev);
    fprintf(out,
            "[%6.0fs] requests=%llu (%.0f/s) polls=%llu errors=%llu actions=%llu/%llu/%llu "
            "in_flight=%u queued=%u\n",
            elapsed_s, (unsigned long long)total, rate(total - before, interval_s),
            (unsigned long long)s->kind[REQ_POLL].count, (unsigned long long)stats_total_errors(s),
            (unsigned long long)s->actions_finished, (unsigned long long)s->actions_failed,
            (unsigned long long)s->actions_canceled, in_flight, queued);
    *prev = *s;
}
