/* A target's actions: /rest/v1/targets/{c}/actions[/{a}[/status]]. */
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "core/deployment.h"
#include "core/maintenance.h"
#include "store/action_store.h"
#include "store/ds_store.h"
#include "util/time.h"

#include <string.h>

static const char *const cancel_params[] = {"force", NULL};
static const char *const status_params[] = {"offset", "limit", "sort", NULL};

static bool is_cancel_type(const struct action *x)
{
    return strcmp(x->status, ACTION_CANCELING) == 0 || strcmp(x->status, ACTION_CANCELED) == 0;
}

/* The action's set as {id, name, version}, as the seed-000 guide shows it. */
static void write_ds_summary(struct jw *w, struct request *req, int64_t ds_id)
{
    struct distribution_set ds;
    if (store_ds_get(req_store(req), ds_id, &req->arena, &ds, NULL) < 0)
        return;
    jw_key(w, "distributionSet");
    jw_obj_begin(w);
    jw_kv_int(w, "id", ds.id);
    jw_kv_str(w, "name", ds.name);
    jw_kv_str(w, "version", ds.version);
    jw_obj_end(w);
}

void mgmt_write_maintenance_window(struct jw *w, const char *schedule, const char *duration,
                                   const char *timezone)
{
    if (!schedule)
        return;
    struct maintenance_state st;
    maintenance_state(schedule, duration, timezone, time_now_ms(), &st);
    jw_key(w, "maintenanceWindow");
    jw_obj_begin(w);
    jw_kv_str(w, "schedule", schedule);
    jw_kv_str(w, "duration", duration);
    jw_kv_str(w, "timezone", timezone);
    if (!st.lapsed)
        jw_kv_int(w, "nextStartAt", st.window_start_ms);
    jw_obj_end(w);
}

static void write_action_links(struct jw *w, struct request *req, const struct action *x, bool full)
{
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/targets/%s/actions/%lld", x->controller_id,
                   (long long)x->id);
    if (full) {
        api_write_link(w, req, "target", MGMT "/targets/%s", x->controller_id);
        api_write_link(w, req, "distributionset", MGMT "/distributionsets/%lld",
                       (long long)x->ds_id);
        api_write_link(w, req, "status",
                       MGMT "/targets/%s/actions/%lld/status?offset=0&limit=50&sort=id:DESC",
                       x->controller_id, (long long)x->id);
    }
    jw_obj_end(w);
}

void mgmt_write_action(struct jw *w, struct request *req, const struct action *x, bool full)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &x->audit);
    jw_kv_int(w, "id", x->id);
    jw_kv_str(w, "type", is_cancel_type(x) ? "cancel" : "update");
    /* 1.x detailed status; detailStatus repeats it for 0.x-era readers. */
    jw_kv_str(w, "status", x->status);
    jw_kv_str(w, "detailStatus", x->status);
    jw_kv_bool(w, "active", x->active);
    jw_kv_str(w, "forceType", x->action_type);
    if (strcmp(x->action_type, "timeforced") == 0)
        jw_kv_int_opt(w, "forceTime", x->forced_time);
    jw_kv_int_opt(w, "weight", x->weight);
    jw_kv_int_opt(w, "rollout", x->rollout_id);
    if (x->last_status_code != ACTION_STATUS_NO_CODE)
        jw_kv_int(w, "lastStatusCode", x->last_status_code);
    jw_kv_str_opt(w, "externalRef", x->external_ref);
    mgmt_write_maintenance_window(w, x->maintenance_schedule, x->maintenance_duration,
                                  x->maintenance_timezone);
    if (full)
        write_ds_summary(w, req, x->ds_id);
    write_action_links(w, req, x, full);
    jw_obj_end(w);
}

static void action_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_action(w, req, item, false);
}

static bool load_action(struct request *req, struct target *t, struct action *x)
{
    int64_t action_id;
    struct error e;
    if (!mgmt_load_target(req, req->params[0], t) || !api_path_id(req, 1, "Action", &action_id))
        return false;
    if (store_action_get(req_store(req), t->id, action_id, &req->arena, x, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void list_actions(struct request *req)
{
    struct list_query q;
    struct target t;
    if (!mgmt_list_query(req, &q) || !mgmt_load_target(req, req->params[0], &t))
        return;
    struct action *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_action_list_for_target(req_store(req), t.id, &q, &req->arena, &items, &count, &total,
                                     &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), action_item, NULL);
}

static void get_action(struct request *req)
{
    struct target t;
    struct action x;
    if (!load_action(req, &t, &x))
        return;
    struct jw w;
    jw_init(&w);
    mgmt_write_action(&w, req, &x, true);
    mgmt_reply(req, 200, &w);
}

static void cancel_action(struct request *req)
{
    struct target t;
    struct action x;
    if (!load_action(req, &t, &x))
        return;
    const char *force = http_query(req, "force");
    struct error e = {0};
    if (deployment_cancel(req_store(req), t.id, x.id, force && strcmp(force, "true") == 0,
                          req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

/* PUT {"forceType": "forced"}: the only change hawkBit allows on an action. */
static void update_action(struct request *req)
{
    struct target t;
    struct action x;
    struct json_value *doc;
    if (!api_parse_body(req, &doc))
        return;
    const char *force_type = NULL;
    struct error e = {0};
    bool ok = json_kind(doc) == JSON_OBJECT &&
              json_member_string(doc, "forceType", &force_type, &e) > 0 &&
              strcmp(force_type, "forced") == 0;
    json_doc_free(doc);
    if (!ok) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Only {\"forceType\": \"forced\"} is accepted");
        return;
    }
    if (!load_action(req, &t, &x))
        return;
    if (store_action_force(req_store(req), x.id, req->user, &e) < 0 ||
        store_action_get(req_store(req), t.id, x.id, &req->arena, &x, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    mgmt_write_action(&w, req, &x, true);
    mgmt_reply(req, 200, &w);
}

static void list_statuses(struct request *req)
{
    struct list_query q;
    struct target t;
    struct action x;
    if (!mgmt_list_query(req, &q) || !load_action(req, &t, &x))
        return;
    struct action_status *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_action_status_list(req_store(req), x.id, &q, &req->arena, &items, &count, &total,
                                 &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    mgmt_begin_page(&w);
    for (size_t i = 0; i < count; i++) {
        jw_obj_begin(&w);
        jw_kv_int(&w, "id", items[i].id);
        jw_kv_str(&w, "type", items[i].status);
        jw_key(&w, "messages");
        jw_raw(&w, items[i].messages_json);
        jw_kv_int(&w, "reportedAt", items[i].reported_at);
        jw_kv_int(&w, "timestamp", items[i].occurred_at);
        if (items[i].code != ACTION_STATUS_NO_CODE)
            jw_kv_int(&w, "code", items[i].code);
        jw_obj_end(&w);
    }
    mgmt_end_page(&w, count, total);
    mgmt_reply(req, 200, &w);
}

const struct route mgmt_action_routes[] = {
    {"GET", MGMT "/targets/{}/actions", list_actions, mgmt_paging_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/targets/{}/actions/{}", get_action, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"PUT", MGMT "/targets/{}/actions/{}", update_action, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/targets/{}/actions/{}", cancel_action, cancel_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/targets/{}/actions/{}/status", list_statuses, status_params, ROUTE_BODY_NONE,
     NULL, mgmt_authorize},
    {0},
};
