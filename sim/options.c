#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: falconet-sim --server http://HOST:PORT --devices N [options]\n"
    "\n"
    "Simulates N hawkBit DDI devices in one process. Options:\n"
    "  --tenant T              tenant (DEFAULT)\n"
    "  --prefix P              controller id prefix (sim-); ids are P000000, P000001, ...\n"
    "  --auth MODE             target-token (default), gateway-token or none\n"
    "  --gateway-token KEY     key for --auth gateway-token\n"
    "  --token-seed S          target tokens are hex(SHA-256(S:id))[0..32] (falconet-sim)\n"
    "  --register api|none     create the targets through the Management API first (none)\n"
    "  --mgmt-user U           Management API user (admin)\n"
    "  --mgmt-password P       its password (else $FALCONET_SIM_MGMT_PASSWORD)\n"
    "  --poll-interval SEC     poll every SEC seconds instead of the server's sleep\n"
    "  --jitter PCT            spread each sleep by +-PCT percent (10)\n"
    "  --duration SEC          end the run after SEC seconds\n"
    "  --max-requests N        end the run after N requests\n"
    "  --connections M         connections shared by all devices (256)\n"
    "  --timeout SEC           request timeout, counted as an error (30)\n"
    "  --fail-ratio R          fraction of devices reporting failure (0.0)\n"
    "  --download yes|no       download the artifacts of a deployment (yes)\n"
    "  --resume-ratio R        fraction of downloads cut halfway and resumed (0.0)\n"
    "  --feedback-burst K      intermediate proceeding reports per action (0)\n"
    "  --report text|json      final report format (text)\n"
    "  --quiet                 no progress lines every 10 s\n"
    "Exit status: 0 no request errors, 1 request errors, 2 usage error.\n";

enum {
    OPT_SERVER = 256,
    OPT_TENANT,
    OPT_DEVICES,
    OPT_PREFIX,
    OPT_AUTH,
    OPT_GATEWAY_TOKEN,
    OPT_TOKEN_SEED,
    OPT_REGISTER,
    OPT_MGMT_USER,
    OPT_MGMT_PASSWORD,
    OPT_POLL_INTERVAL,
    OPT_JITTER,
    OPT_DURATION,
    OPT_MAX_REQUESTS,
    OPT_CONNECTIONS,
    OPT_TIMEOUT,
    OPT_FAIL_RATIO,
    OPT_DOWNLOAD,
    OPT_RESUME_RATIO,
    OPT_FEEDBACK_BURST,
    OPT_REPORT,
    OPT_QUIET,
    OPT_HELP,
};

static const struct option long_options[] = {
    {"server", required_argument, NULL, OPT_SERVER},
    {"tenant", required_argument, NULL, OPT_TENANT},
    {"devices", required_argument, NULL, OPT_DEVICES},
    {"prefix", required_argument, NULL, OPT_PREFIX},
    {"auth", required_argument, NULL, OPT_AUTH},
    {"gateway-token", required_argument, NULL, OPT_GATEWAY_TOKEN},
    {"token-seed", required_argument, NULL, OPT_TOKEN_SEED},
    {"register", required_argument, NULL, OPT_REGISTER},
    {"mgmt-user", required_argument, NULL, OPT_MGMT_USER},
    {"mgmt-password", required_argument, NULL, OPT_MGMT_PASSWORD},
    {"poll-interval", required_argument, NULL, OPT_POLL_INTERVAL},
    {"jitter", required_argument, NULL, OPT_JITTER},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"max-requests", required_argument, NULL, OPT_MAX_REQUESTS},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"fail-ratio", required_argument, NULL, OPT_FAIL_RATIO},
    {"download", required_argument, NULL, OPT_DOWNLOAD},
    {"resume-ratio", required_argument, NULL, OPT_RESUME_RATIO},
    {"feedback-burst", required_argument, NULL, OPT_FEEDBACK_BURST},
    {"report", required_argument, NULL, OPT_REPORT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int bad(const char *what, const char *value)
{
    fprintf(stderr, "falconet-sim: invalid %s: '%s' (see --help)\n", what, value);
    return -1;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* http://HOST[:PORT][/]: only plain HTTP, no path (the sim talks to one server). */
static int parse_server(struct sim_options *o, const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7;
    size_t n = strcspn(h, "/");
    if (n == 0 || n >= sizeof(o->host_header) || (h[n] == '/' && h[n + 1] != '\0'))
        return -1;
    memcpy(o->host_header, h, n);
    o->host_header[n] = '\0';
    const char *host = o->host_header, *colon;
    size_t host_len;
    if (host[0] == '[') { /* [v6]:port */
        const char *close = strchr(host, ']');
        if (!close)
            return -1;
        host++;
        host_len = (size_t)(close - host);
        colon = close[1] == ':' ? close + 1 : NULL;
        if (!colon && close[1] != '\0')
            return -1;
    } else {
        colon = strrchr(host, ':');
        host_len = colon ? (size_t)(colon - host) : strlen(host);
    }
    if (host_len == 0 || host_len >= sizeof(o->host))
        return -1;
    memcpy(o->host, host, host_len);
    o->host[host_len] = '\0';
    uint64_t port = 80;
    if (colon && parse_u64(colon + 1, 1, 65535, &port) < 0)
        return -1;
    snprintf(o->port, sizeof(o->port), "%u", (unsigned)port);
    return 0;
}

/* Controller ids and tenants go into URL paths unencoded: keep them to unreserved
 * characters. */
static bool plain_name(const char *s, bool allow_empty)
{
    if (!*s)
        return allow_empty;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~", *s))
            return false;
    return true;
}

static int take(struct sim_options *o, int opt, const char *arg)
{
    uint64_t u;
    double d;
    switch (opt) {
    case OPT_SERVER:
        return parse_server(o, arg) < 0 ? bad("--server (expected http://HOST:PORT)", arg) : 0;
    case OPT_TENANT:
        o->tenant = arg;
        return plain_name(arg, false) ? 0 : bad("--tenant", arg);
    case OPT_PREFIX:
        o->prefix = arg;
        return plain_name(arg, true) && strlen(arg) <= 48 ? 0 : bad("--prefix", arg);
    case OPT_DEVICES:
        if (parse_u64(arg, 1, 10000000, &u) < 0)
            return bad("--devices (1..10000000)", arg);
        o->devices = (uint32_t)u;
        return 0;
    case OPT_AUTH:
        if (strcmp(arg, "target-token") == 0)
            o->auth = AUTH_TARGET_TOKEN;
        else if (strcmp(arg, "gateway-token") == 0)
            o->auth = AUTH_GATEWAY_TOKEN;
        else if (strcmp(arg, "none") == 0)
            o->auth = AUTH_NONE;
        else
            return bad("--auth", arg);
        return 0;
    case OPT_GATEWAY_TOKEN:
        o->gateway_token = arg;
        for (const char *c = arg; *c; c++)
            if ((unsigned char)*c < ' ' || *c == 127)
                return bad("--gateway-token", "(control character)");
        return 0;
    case OPT_TOKEN_SEED:
        o->token_seed = arg;
        return 0;
    case OPT_REGISTER:
        if (strcmp(arg, "api") != 0 && strcmp(arg, "none") != 0)
            return bad("--register", arg);
        o->register_api = strcmp(arg, "api") == 0;
        return 0;
    case OPT_MGMT_USER:
        o->mgmt_user = arg;
        return 0;
    case OPT_MGMT_PASSWORD:
        o->mgmt_password = arg;
        return 0;
    case OPT_POLL_INTERVAL:
        if (parse_double(arg, 0.01, 86400.0 * 7, &d) < 0)
            return bad("--poll-interval", arg);
        o->poll_interval_ms = (uint32_t)(d * 1000.0 + 0.5);
        return 0;
    case OPT_JITTER:
        if (parse_double(arg, 0, 100, &d) < 0)
            return bad("--jitter (0..100)", arg);
        o->jitter = d / 100.0;
        return 0;
    case OPT_DURATION:
        return parse_double(arg, 0.001, 1e9, &o->duration_s) < 0 ? bad("--duration", arg) : 0;
    case OPT_MAX_REQUESTS:
        return parse_u64(arg, 1, UINT64_MAX, &o->max_requests) < 0 ? bad("--max-requests", arg) : 0;
    case OPT_CONNECTIONS:
        if (parse_u64(arg, 1, 65536, &u) < 0)
            return bad("--connections (1..65536)", arg);
        o->connections = (uint32_t)u;
        return 0;
    case OPT_TIMEOUT:
        if (parse_double(arg, 0.001, 3600, &d) < 0)
            return bad("--timeout", arg);
        o->timeout_ms = (uint32_t)(d * 1000.0 + 0.5);
        return 0;
    case OPT_FAIL_RATIO:
        return parse_double(arg, 0, 1, &o->fail_ratio) < 0 ? bad("--fail-ratio", arg) : 0;
    case OPT_RESUME_RATIO:
        return parse_double(arg, 0, 1, &o->resume_ratio) < 0 ? bad("--resume-ratio", arg) : 0;
    case OPT_DOWNLOAD:
        if (strcmp(arg, "yes") != 0 && strcmp(arg, "no") != 0)
            return bad("--download", arg);
        o->download = strcmp(arg, "yes") == 0;
        return 0;
    case OPT_FEEDBACK_BURST:
        if (parse_u64(arg, 0, 900, &u) < 0)
            return bad("--feedback-burst (0..900)", arg);
        o->feedback_burst = (uint32_t)u;
        return 0;
    case OPT_REPORT:
        if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0)
            return bad("--report", arg);
        o->report_json = strcmp(arg, "json") == 0;
        return 0;
    case OPT_QUIET:
        o->quiet = true;
        return 0;
    default:
        return -1;
    }
}

static int check(struct sim_options *o)
{
    if (!o->host[0] || !o->devices) {
        fprintf(stderr, "falconet-sim: --server and --devices are required (see --help)\n");
        return -1;
    }
    if (o->auth == AUTH_GATEWAY_TOKEN && (!o->gateway_token || !*o->gateway_token)) {
        fprintf(stderr, "falconet-sim: --auth gateway-token needs --gateway-token KEY\n");
        return -1;
    }
    if (o->register_api && !o->mgmt_password)
        o->mgmt_password = getenv("FALCONET_SIM_MGMT_PASSWORD");
    if (o->register_api && !o->mgmt_password) {
        fprintf(stderr, "falconet-sim: --register api needs --mgmt-password "
                        "(or FALCONET_SIM_MGMT_PASSWORD)\n");
        return -1;
    }
    return 0;
}

int options_parse(struct sim_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->tenant = "DEFAULT";
    o->prefix = "sim-";
    o->auth = AUTH_TARGET_TOKEN;
    o->token_seed = "falconet-sim";
    o->mgmt_user = "admin";
    o->jitter = 0.10;
    o->connections = 256;
    o->timeout_ms = 30000;
    o->download = true;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        if (opt == 'h' || opt == OPT_HELP) {
            fputs(usage, stdout);
            return 1;
        }
        if (opt == '?' || opt == ':') {
            fprintf(stderr, "falconet-sim: unknown option or missing value: %s (see --help)\n",
                    argv[optind - 1]);
            return -1;
        }
        if (take(o, opt, optarg) < 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "falconet-sim: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return check(o);
}
