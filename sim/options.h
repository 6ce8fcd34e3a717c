/* The command line of falconet-sim. */
#ifndef FALCONET_SIM_OPTIONS_H
#define FALCONET_SIM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum sim_auth { AUTH_TARGET_TOKEN, AUTH_GATEWAY_TOKEN, AUTH_NONE };

struct sim_options {
    /* --server http://HOST[:PORT], split up */
    char host[256];
    char port[8];
    char host_header[272]; /* HOST[:PORT] as given, for the Host header */
    const char *tenant;
    const char *prefix;
    uint32_t devices;
    enum sim_auth auth;
    const char *gateway_token;
    const char *token_seed;
    bool register_api;
    const char *mgmt_user;
    const char *mgmt_password;
    uint32_t poll_interval_ms; /* 0: the server's config.polling.sleep */
    double jitter;             /* fraction, 0..1 */
    double duration_s;         /* 0: until a signal or --max-requests */
    uint64_t max_requests;     /* 0: no limit */
    uint32_t connections;
    uint32_t timeout_ms;
    double fail_ratio;
    double resume_ratio;
    bool download;
    uint32_t feedback_burst;
    bool report_json;
    bool quiet;
};

/** Parses argv into o. Returns 0; 1 after printing the help (exit 0); -1 after
 * printing a usage error to stderr (exit 2). */
int options_parse(struct sim_options *o, int argc, char **argv);

#endif
