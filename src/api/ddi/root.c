/* The device's poll (GET /{tenant}/controller/v1/{id}) and PUT configData. */
#include "api/ddi/common.h"

#include "core/controller.h"
#include "util/time.h"

#include <stdio.h>
#include <string.h>

static void format_hms(char *buf, size_t len, int seconds)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds > 86399)
        seconds = 86399;
    snprintf(buf, len, "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

/* The single action link of a poll (reference a.2 and e.4). */
static void write_action_link(struct jw *w, struct request *req, const struct action *x,
                              const struct deployment_mode *mode)
{
    if (x->id < 0)
        return;
    if (strcmp(x->status, ACTION_WAIT_FOR_CONFIRMATION) == 0)
        ddi_write_link(w, req, "confirmationBase", "/confirmationBase/%lld?c=%d", (long long)x->id,
                       mode->c);
    else if (strcmp(x->status, ACTION_CANCELING) == 0 || strcmp(x->status, ACTION_CANCELED) == 0)
        ddi_write_link(w, req, "cancelAction", "/cancelAction/%lld", (long long)x->id);
    else
        ddi_write_link(w, req, "deploymentBase", "/deploymentBase/%lld?c=%d", (long long)x->id,
                       mode->c);
}

/* Before a maintenance window opens the device polls more often, so it starts soon
 * after the window does: the time until then split into window_poll_count polls,
 * never below the minimum polling time (hawkBit's EventTimer). */
static int sleep_seconds(const struct tenant_settings *cfg, const struct action *x,
                         const struct deployment_mode *mode, int64_t now)
{
    int seconds = cfg->polling_seconds;
    if (x->id < 0 || !mode->window || mode->next_window_ms <= now ||
        strcmp(mode->window, "unavailable") != 0)
        return seconds;
    int64_t share = (mode->next_window_ms - now) / 1000 / cfg->window_poll_count;
    if (share < cfg->min_polling_seconds)
        share = cfg->min_polling_seconds;
    return share < seconds ? (int)share : seconds;
}

/* A schedule without windows left cancels its action when the device polls. */
static bool expire_lapsed(struct request *req, struct action *x, struct deployment_mode *mode,
                          int64_t now)
{
    if (x->id < 0 || !mode->lapsed || strcmp(x->status, ACTION_CANCELING) == 0)
        return true;
    struct error e;
    if (controller_cancel_lapsed(req_store(req), x, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    x->status = ACTION_CANCELING;
    controller_deployment_mode(x, now, mode);
    return true;
}

static void poll(struct request *req)
{
    struct ddi_request *d = ddi_req(req);
    struct action *x = &d->target.action;
    struct deployment_mode mode = {0};
    int64_t now = time_now_ms();
    if (x->id >= 0) {
        controller_deployment_mode(x, now, &mode);
        if (!expire_lapsed(req, x, &mode, now))
            return;
    }
    char sleep[16];
    format_hms(sleep, sizeof(sleep), sleep_seconds(&d->settings, x, &mode, now));
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_key(&w, "config");
    jw_obj_begin(&w);
    jw_key(&w, "polling");
    jw_obj_begin(&w);
    jw_kv_str(&w, "sleep", sleep);
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_key(&w, "_links");
    jw_obj_begin(&w);
    write_action_link(&w, req, x, &mode);
    if (d->target.installed_action_id > 0)
        ddi_write_link(&w, req, "installedBase", "/installedBase/%lld",
                       (long long)d->target.installed_action_id);
    if (d->target.request_attributes)
        ddi_write_link(&w, req, "configData", "/configData");
    jw_obj_end(&w);
    jw_obj_end(&w);
    ddi_reply(req, &w);
}

struct attribute_list {
    struct request *req;
    struct attribute *items;
    size_t n;
};

static int collect_attribute(const char *key, struct json_value *v, void *ctx)
{
    struct attribute_list *l = ctx;
    const char *value = json_as_string(v);
    if (!value && json_kind(v) != JSON_NULL) {
        api_fail(l->req, ERR_INVALID, "rest.body.notReadable", "configData values must be strings");
        return -1;
    }
    l->items[l->n].key = key;
    l->items[l->n].value = value;
    l->n++;
    return 0;
}

static bool parse_mode(struct request *req, const struct json_value *doc,
                       enum attributes_mode *mode)
{
    const char *name = "merge";
    struct error e;
    if (json_member_string(doc, "mode", &name, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (strcmp(name, "merge") == 0)
        *mode = ATTRIBUTES_MERGE;
    else if (strcmp(name, "replace") == 0)
        *mode = ATTRIBUTES_REPLACE;
    else if (strcmp(name, "remove") == 0)
        *mode = ATTRIBUTES_REMOVE;
    else {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "mode must be merge, replace or remove");
        return false;
    }
    return true;
}

/* Counts an object's members (json-read has no direct count). */
static int count_member(const char *key, struct json_value *v, void *ctx)
{
    (*(size_t *)ctx)++;
    return 0;
}

static void put_config_data(struct request *req)
{
    struct json_value *doc;
    if (!ddi_parse_body(req, &doc))
        return;
    enum attributes_mode mode;
    struct json_value *data = json_get(doc, "data");
    size_t members = 0;
    if (!parse_mode(req, doc, &mode))
        goto out;
    if (!data || json_kind(data) != JSON_OBJECT) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "configData needs a data object");
        goto out;
    }
    json_object_each(data, count_member, &members);
    struct attribute_list l = {
        req, arena_alloc(&req->arena, sizeof(struct attribute) * (members ? members : 1)), 0};
    if (json_object_each(data, collect_attribute, &l) < 0)
        goto out;
    struct error e;
    if (controller_config_data(req_store(req), ddi_req(req)->target.target_id, mode, l.items, l.n,
                               &e) < 0)
        api_reply_error(req, &e);
    else
        http_reply_empty(req, 200);
out:
    json_doc_free(doc);
}

const struct route ddi_root_routes[] = {
    {"GET", DDI, poll, http_any_query, ROUTE_BODY_NONE, NULL, ddi_authorize_registering},
    {"PUT", DDI "/configData", put_config_data, http_any_query, ROUTE_BODY_JSON, NULL,
     ddi_authorize},
    {0},
};
