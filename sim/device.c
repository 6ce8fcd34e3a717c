#include "device.h"

#include "util/json_read.h"
#include "util/time.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FALLBACK_SLEEP_MS 300000 /* hawkBit's default pollingTime */
#define MIN_SLEEP_MS 1000

void device_drop_flow(struct device *d)
{
    struct flow *fl = d->flow;
    if (!fl)
        return;
    for (uint32_t k = 0; k < fl->n_art; k++)
        free(fl->art[k].path);
    free(fl->art);
    free(fl->href);
    free(fl);
    d->flow = NULL;
}

/* ---- requests ------------------------------------------------------------ */

static void auth_header(struct fleet *f, uint32_t i, struct reqbuf *b)
{
    char tok[2 * TOKEN_BYTES + 1];
    switch (f->o->auth) {
    case AUTH_TARGET_TOKEN:
        fleet_token_hex(f, i, tok);
        reqbuf_printf(b, "Authorization: TargetToken %s\r\n", tok);
        break;
    case AUTH_GATEWAY_TOKEN:
        reqbuf_printf(b, "Authorization: GatewayToken %s\r\n", f->o->gateway_token);
        break;
    case AUTH_NONE:
        break;
    }
}

static void get(struct fleet *f, uint32_t i, struct reqbuf *b, const char *target, bool hal)
{
    http_request_begin(b, "GET", target, f->o->host_header);
    auth_header(f, i, b);
    if (hal)
        http_request_header(b, "Accept", "application/hal+json");
}

/* POST {execution, finished, details} to the action's link + "/feedback". */
static void feedback(struct fleet *f, uint32_t i, struct reqbuf *b, const char *execution,
                     const char *finished, const char *detail)
{
    struct flow *fl = f->dev[i].flow;
    size_t base = strcspn(fl->href, "?");
    char target[1024], body[512];
    snprintf(target, sizeof(target), "%.*s/feedback", (int)base, fl->href);
    int n = snprintf(body, sizeof(body),
                     "{\"id\":\"%" PRId64 "\",\"status\":{\"execution\":\"%s\","
                     "\"result\":{\"finished\":\"%s\"},\"details\":[\"%s\"]}}",
                     fl->action, execution, finished, detail);
    http_request_begin(b, "POST", target, f->o->host_header);
    auth_header(f, i, b);
    http_request_end(b, "application/json", body, (size_t)n);
}

/* Whether download k of device i is cut halfway: fixed per device and artifact. */
static bool cut_this(const struct fleet *f, uint32_t i, uint32_t k)
{
    uint64_t x = f->seed_hash ^ ((uint64_t)i << 20) ^ k;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (double)(x >> 11) / 9007199254740992.0 < f->o->resume_ratio;
}

static void download(struct fleet *f, uint32_t i, struct reqbuf *b, struct send_plan *plan)
{
    struct flow *fl = f->dev[i].flow;
    struct artifact_ref *a = &fl->art[fl->cur];
    get(f, i, b, a->path, false);
    if (fl->offset > 0)
        reqbuf_printf(b, "Range: bytes=%" PRIu64 "-\r\n", fl->offset);
    else if (!fl->was_cut && a->size >= 2 && cut_this(f, i, fl->cur))
        plan->cut_after = a->size / 2;
    http_request_end(b, NULL, NULL, 0);
}

void device_request(struct fleet *f, uint32_t i, struct reqbuf *b, struct send_plan *plan)
{
    struct device *d = &f->dev[i];
    char cid[CID_MAX], target[256], detail[64];
    plan->keep_body = true;
    plan->cut_after = 0;
    switch (d->phase) {
    case PH_POLL:
        plan->kind = REQ_POLL;
        fleet_controller_id(f->o, i, cid);
        snprintf(target, sizeof(target), "/%s/controller/v1/%s", f->o->tenant, cid);
        get(f, i, b, target, true);
        http_request_end(b, NULL, NULL, 0);
        return;
    case PH_DEPLOYMENT:
    case PH_CANCEL_GET:
        plan->kind = d->phase == PH_DEPLOYMENT ? REQ_DEPLOYMENT : REQ_CANCEL;
        get(f, i, b, d->flow->href, true);
        http_request_end(b, NULL, NULL, 0);
        return;
    case PH_FB_START:
        plan->kind = REQ_FEEDBACK;
        feedback(f, i, b, "proceeding", "none", "falconet-sim: update started");
        return;
    case PH_DOWNLOAD:
        plan->kind = REQ_DOWNLOAD;
        plan->keep_body = false;
        download(f, i, b, plan);
        return;
    case PH_FB_BURST:
        plan->kind = REQ_FEEDBACK;
        snprintf(detail, sizeof(detail), "falconet-sim: installing, %u steps to go",
                 (unsigned)d->burst_left);
        feedback(f, i, b, "proceeding", "none", detail);
        return;
    case PH_FB_CLOSE:
        plan->kind = REQ_FEEDBACK;
        if (d->flags & DEV_FAILS)
            feedback(f, i, b, "closed", "failure", "falconet-sim: simulated failure");
        else
            feedback(f, i, b, "closed", "success", "falconet-sim: update installed");
        return;
    case PH_CANCEL_FB:
        plan->kind = REQ_CANCEL;
        feedback(f, i, b, "closed", "success", "falconet-sim: cancelation acknowledged");
        return;
    }
}

/* ---- responses ----------------------------------------------------------- */

static int status_error(int status)
{
    if (status >= 400 && status < 500)
        return SIM_E_4XX;
    if (status >= 500 && status < 600)
        return SIM_E_5XX;
    return SIM_E_STATUS;
}

/* The request target of a link: the path and query of an absolute URL (the sim only
 * ever talks to its --server), or a path as it is. NULL when unusable. */
static char *link_target(const struct json_value *links, const char *rel)
{
    const char *href = json_as_string(json_get(json_get(links, rel), "href"));
    if (!href)
        return NULL;
    const char *scheme = strstr(href, "://");
    if (scheme)
        href = strchr(scheme + 3, '/');
    if (!href || href[0] != '/' || strlen(href) > 900)
        return NULL;
    for (const char *p = href; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 127)
            return NULL;
    return strdup(href);
}

/* The action id: the digits after the last '/' before any query. */
static int64_t action_of(const char *href)
{
    size_t end = strcspn(href, "?");
    size_t start = end;
    while (start > 0 && href[start - 1] >= '0' && href[start - 1] <= '9')
        start--;
    if (start == end || end - start > 18)
        return -1;
    return strtoll(href + start, NULL, 10);
}

static int start_flow(struct fleet *f, uint32_t i, char *href, enum phase phase)
{
    struct device *d = &f->dev[i];
    int64_t action = href ? action_of(href) : -1;
    struct flow *fl = action >= 0 ? calloc(1, sizeof(*fl)) : NULL;
    if (!fl) {
        free(href);
        return SIM_E_PARSE;
    }
    fl->action = action;
    fl->href = href;
    d->flow = fl;
    d->phase = (uint8_t)phase;
    fleet_queue_action(f, i);
    return SIM_OK;
}

static void learn_sleep(struct fleet *f, struct device *d, const struct json_value *doc)
{
    if (f->o->poll_interval_ms)
        return;
    const char *s = json_as_string(json_get(json_get(json_get(doc, "config"), "polling"), "sleep"));
    int seconds = time_parse_hms(s);
    if (seconds < 0)
        return;
    d->sleep_ms = seconds * 1000 < MIN_SLEEP_MS ? MIN_SLEEP_MS : (uint32_t)seconds * 1000;
    d->flags |= DEV_SLEEP_SET;
}

static int on_poll(struct fleet *f, uint32_t i, const struct pool_result *r)
{
    struct device *d = &f->dev[i];
    struct error e;
    struct json_value *doc = json_parse(r->body, r->body_len, &e);
    if (!doc || json_kind(doc) != JSON_OBJECT) {
        json_doc_free(doc);
        fleet_schedule_poll(f, i);
        return SIM_E_PARSE;
    }
    learn_sleep(f, d, doc);
    const struct json_value *links = json_get(doc, "_links");
    int err = SIM_OK;
    if (json_get(links, "deploymentBase"))
        err = start_flow(f, i, link_target(links, "deploymentBase"), PH_DEPLOYMENT);
    else if (json_get(links, "cancelAction"))
        err = start_flow(f, i, link_target(links, "cancelAction"), PH_CANCEL_GET);
    else
        fleet_schedule_poll(f, i);
    if (err)
        fleet_schedule_poll(f, i);
    json_doc_free(doc);
    return err;
}

/* Reads the artifacts of every chunk of a deploymentBase into the flow. */
static int read_artifacts(struct flow *fl, const struct json_value *doc)
{
    const struct json_value *chunks = json_get(json_get(doc, "deployment"), "chunks");
    size_t total = 0;
    for (size_t c = 0; c < json_array_len(chunks); c++)
        total += json_array_len(json_get(json_array_at(chunks, c), "artifacts"));
    if (total == 0)
        return SIM_OK;
    if (total > 1000 || !(fl->art = calloc(total, sizeof(*fl->art))))
        return SIM_E_PARSE;
    for (size_t c = 0; c < json_array_len(chunks); c++) {
        const struct json_value *arts = json_get(json_array_at(chunks, c), "artifacts");
        for (size_t k = 0; k < json_array_len(arts); k++) {
            const struct json_value *a = json_array_at(arts, k);
            const struct json_value *links = json_get(a, "_links");
            char *path = link_target(links, "download-http");
            if (!path)
                path = link_target(links, "download");
            const struct json_value *size = json_get(a, "size");
            if (!path || !json_is_int(size) || json_as_int(size) < 0) {
                free(path);
                return SIM_E_PARSE;
            }
            fl->art[fl->n_art++] = (struct artifact_ref){path, (uint64_t)json_as_int(size)};
        }
    }
    return SIM_OK;
}

static int on_deployment(struct fleet *f, uint32_t i, const struct pool_result *r)
{
    struct device *d = &f->dev[i];
    struct error e;
    struct json_value *doc = json_parse(r->body, r->body_len, &e);
    int err = doc ? SIM_OK : SIM_E_PARSE;
    if (doc && f->o->download)
        err = read_artifacts(d->flow, doc);
    json_doc_free(doc);
    if (err)
        return err;
    f->stats->actions_started++;
    d->phase = PH_FB_START;
    fleet_queue_action(f, i);
    return SIM_OK;
}

/* The next step after the current artifact (or after the first feedback). */
static void after_downloads(struct fleet *f, uint32_t i)
{
    struct device *d = &f->dev[i];
    d->burst_left = (uint16_t)f->o->feedback_burst;
    d->phase = d->burst_left ? PH_FB_BURST : PH_FB_CLOSE;
}

static int on_download(struct fleet *f, uint32_t i, const struct pool_result *r)
{
    struct flow *fl = f->dev[i].flow;
    struct artifact_ref *a = &fl->art[fl->cur];
    f->stats->bytes_downloaded += r->body_bytes;
    if (r->cut) {
        f->stats->downloads_cut++;
        fl->was_cut = true;
        fl->offset += r->body_bytes;
        return SIM_OK;
    }
    bool whole = r->status == 200 && fl->offset == 0;
    bool rest = r->status == 206 && fl->offset > 0 && r->range_first == (int64_t)fl->offset;
    if (!whole && !rest)
        return r->status == 206 || r->status == 200 ? SIM_E_CONTENT : status_error(r->status);
    if (fl->offset + r->body_bytes != a->size)
        return SIM_E_CONTENT;
    fl->cur++;
    fl->offset = 0;
    fl->was_cut = false;
    if (fl->cur == fl->n_art)
        after_downloads(f, i);
    return SIM_OK;
}

/* A 200 of a request inside an action: the next phase. */
static int advance(struct fleet *f, uint32_t i, const struct pool_result *r)
{
    struct device *d = &f->dev[i];
    switch (d->phase) {
    case PH_DEPLOYMENT:
        return on_deployment(f, i, r);
    case PH_FB_START:
        if (d->flow->n_art)
            d->phase = PH_DOWNLOAD;
        else
            after_downloads(f, i);
        break;
    case PH_DOWNLOAD:
        break; /* on_download decided */
    case PH_FB_BURST:
        if (--d->burst_left == 0)
            d->phase = PH_FB_CLOSE;
        break;
    case PH_FB_CLOSE:
        if (d->flags & DEV_FAILS)
            f->stats->actions_failed++;
        else
            f->stats->actions_finished++;
        device_drop_flow(d);
        d->phase = PH_POLL;
        fleet_schedule_poll(f, i);
        return SIM_OK;
    case PH_CANCEL_GET:
        d->phase = PH_CANCEL_FB;
        break;
    case PH_CANCEL_FB:
        f->stats->actions_canceled++;
        device_drop_flow(d);
        d->phase = PH_POLL;
        fleet_schedule_poll(f, i);
        return SIM_OK;
    }
    fleet_queue_action(f, i);
    return SIM_OK;
}

/* Leaves the action (error, or the action went away) and polls again later. */
static void give_up(struct fleet *f, uint32_t i)
{
    device_drop_flow(&f->dev[i]);
    f->dev[i].phase = PH_POLL;
    fleet_schedule_poll(f, i);
}

int device_result(struct fleet *f, uint32_t i, enum req_kind kind, const struct pool_result *r)
{
    struct device *d = &f->dev[i];
    int err = r->err;
    if (d->phase == PH_POLL) {
        if (!err && r->status != 200)
            err = status_error(r->status);
        if (err) {
            fleet_schedule_poll(f, i);
            return err;
        }
        return on_poll(f, i, r);
    }
    if (!err && (r->status == 404 || r->status == 410)) {
        f->stats->actions_abandoned++; /* canceled, reassigned or deleted meanwhile */
        give_up(f, i);
        return SIM_OK;
    }
    if (!err && d->phase == PH_DOWNLOAD) {
        err = on_download(f, i, r);
        if (!err) {
            fleet_queue_action(f, i);
            return SIM_OK;
        }
    } else if (!err) {
        err = r->status == 200 ? advance(f, i, r) : status_error(r->status);
    }
    if (err)
        give_up(f, i);
    return err;
}
