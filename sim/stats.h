/* What a simulation run counts: requests per kind with a latency histogram, errors
 * by kind, action outcomes and bytes; and the end-of-run report (text or JSON). */
#ifndef FALCONET_SIM_STATS_H
#define FALCONET_SIM_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum req_kind {
    REQ_POLL,
    REQ_DEPLOYMENT,
    REQ_FEEDBACK,
    REQ_DOWNLOAD,
    REQ_CANCEL,
    REQ_REGISTER,
    REQ_KINDS
};

/* Why a request failed. Zero is no error. */
enum sim_err {
    SIM_OK = 0,
    SIM_E_4XX,     /* HTTP 4xx (except the 404/410 of an action that went away) */
    SIM_E_5XX,     /* HTTP 5xx */
    SIM_E_STATUS,  /* any other unexpected status (1xx, 3xx, 200 where 206 was due) */
    SIM_E_CONNECT, /* connect() failed */
    SIM_E_TIMEOUT, /* no complete response within the request timeout */
    SIM_E_PARSE,   /* malformed HTTP or JSON, or a body over its limit */
    SIM_E_IO,      /* the connection broke mid-response */
    SIM_E_CONTENT, /* well-formed but wrong: a download of the wrong size or range */
    SIM_ERRS
};

/* Latency histogram over microseconds: 16 exact buckets, then 16 per power of two
 * (at most 6.25 % wide), up to 2^40 us. */
#define HIST_BUCKETS (16 + 37 * 16)

struct kind_stats {
    uint64_t count;  /* completed requests, failed ones included */
    uint64_t errors; /* of which failed */
    uint64_t max_us;
    uint32_t hist[HIST_BUCKETS];
};

struct sim_stats {
    struct kind_stats kind[REQ_KINDS];
    uint64_t errors[SIM_ERRS];
    uint64_t actions_started;   /* deploymentBase read */
    uint64_t actions_finished;  /* closed + success accepted */
    uint64_t actions_failed;    /* closed + failure accepted */
    uint64_t actions_canceled;  /* cancelation acknowledged */
    uint64_t actions_abandoned; /* the action went away (404/410) mid-flow */
    uint64_t bytes_downloaded;
    uint64_t downloads_cut;      /* downloads cut off on purpose, then resumed */
    uint64_t devices_registered; /* targets created through the Management API */
    uint64_t devices_existing;   /* targets that existed already */
    uint64_t tokens_updated;     /* existing targets whose token was reset */
    uint64_t reconnects;         /* connections opened after the first M */
};

/** Records one completed request of kind k (latency in microseconds, err 0 or sim_err). */
void stats_record(struct sim_stats *s, enum req_kind k, uint64_t latency_us, int err);
/** Latency (us) at quantile q (0..1) of kind k; 0 when there are no samples. */
uint64_t stats_quantile(const struct kind_stats *ks, double q);
uint64_t stats_total_requests(const struct sim_stats *s);
uint64_t stats_total_errors(const struct sim_stats *s);
const char *stats_kind_name(enum req_kind k);
const char *stats_err_name(enum sim_err e);

struct report_info {
    double elapsed_s;      /* of the simulation, registration not included */
    double registration_s; /* of --register api */
    uint32_t devices;
    uint32_t connections;
    bool interrupted; /* ended by a signal */
};

void stats_report_text(FILE *out, const struct sim_stats *s, const struct report_info *info);
void stats_report_json(FILE *out, const struct sim_stats *s, const struct report_info *info);
/** One progress line: totals and the rates since the previous line (prev is updated). */
void stats_progress(FILE *out, const struct sim_stats *s, struct sim_stats *prev, double elapsed_s,
                    double interval_s, uint32_t in_flight, uint32_t queued);

#endif
