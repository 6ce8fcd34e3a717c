/* /rest/v1/rollouts: create, list, read, start, pause, resume, delete, and the
 * deploy groups with their targets (reference c.10, d). */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "core/rollout.h"
#include "store/target_store.h"

#include <string.h>

#define ROLLOUT_ENTITY "Rollout"

/* ---- views ---- */

static void write_counts(struct jw *w, const struct rollout_counts *k)
{
    jw_key(w, "totalTargetsPerStatus");
    jw_obj_begin(w);
    jw_kv_int(w, "running", k->running);
    jw_kv_int(w, "notstarted", k->notstarted);
    jw_kv_int(w, "scheduled", k->scheduled);
    jw_kv_int(w, "cancelled", k->cancelled);
    jw_kv_int(w, "finished", k->finished);
    jw_kv_int(w, "error", k->error);
    jw_obj_end(w);
}

static void write_rule(struct jw *w, const char *cond_key, const char *act_key,
                       const struct rollout_rule *r)
{
    jw_key(w, cond_key);
    jw_obj_begin(w);
    jw_kv_str(w, "condition", r->condition);
    jw_kv_str(w, "expression", r->expression);
    jw_obj_end(w);
    jw_key(w, act_key);
    jw_obj_begin(w);
    jw_kv_str(w, "action", r->action);
    jw_kv_str(w, "expression", r->action_expression);
    jw_obj_end(w);
}

static void write_rollout(struct jw *w, struct request *req, const struct rollout *r, bool full)
{
    long long id = (long long)r->id;
    jw_obj_begin(w);
    mgmt_write_audit(w, &r->audit);
    jw_kv_str(w, "name", r->name);
    jw_kv_str_opt(w, "description", r->description);
    jw_kv_int(w, "id", r->id);
    jw_kv_str(w, "targetFilterQuery", r->target_filter_query);
    jw_kv_int(w, "distributionSetId", r->ds_id);
    jw_kv_str(w, "status", r->status);
    jw_kv_int(w, "totalTargets", r->total_targets);
    struct rollout_counts k;
    if (full && store_rollout_counts(req_store(req), r->id, -1, &k, NULL) == 0)
        write_counts(w, &k);
    jw_kv_int(w, "totalGroups", r->total_groups);
    jw_kv_int_opt(w, "startAt", r->start_at);
    jw_kv_int_opt(w, "forcetime", r->forced_time);
    jw_kv_bool(w, "deleted", r->deleted);
    jw_kv_str(w, "type", r->action_type);
    jw_kv_int(w, "weight", r->weight);
    jw_kv_bool(w, "dynamic", r->dynamic);
    if (r->dynamic) {
        jw_key(w, "dynamicGroupTemplate");
        jw_obj_begin(w);
        jw_kv_str(w, "nameSuffix", r->dynamic_suffix ? r->dynamic_suffix : "");
        jw_kv_int(w, "targetCount", r->dynamic_target_count);
        jw_obj_end(w);
    }
    jw_kv_str_opt(w, "approvalRemark", r->approval_remark);
    jw_kv_str_opt(w, "approveDecidedBy", r->approval_decided_by);
    mgmt_write_maintenance_window(w, r->maintenance_schedule, r->maintenance_duration,
                                  r->maintenance_timezone);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/rollouts/%lld", id);
    if (full) {
        api_write_link(w, req, "start", MGMT "/rollouts/%lld/start", id);
        api_write_link(w, req, "pause", MGMT "/rollouts/%lld/pause", id);
        api_write_link(w, req, "resume", MGMT "/rollouts/%lld/resume", id);
        api_write_link(w, req, "triggerNextGroup", MGMT "/rollouts/%lld/triggerNextGroup", id);
        api_write_link(w, req, "approve", MGMT "/rollouts/%lld/approve", id);
        api_write_link(w, req, "deny", MGMT "/rollouts/%lld/deny", id);
        api_write_link(w, req, "groups", MGMT "/rollouts/%lld/deploygroups?offset=0&limit=50", id);
        api_write_link(w, req, "distributionset", MGMT "/distributionsets/%lld",
                       (long long)r->ds_id);
    }
    jw_obj_end(w);
    jw_obj_end(w);
}

static void rollout_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    write_rollout(w, req, item, false);
}

static void write_group(struct jw *w, struct request *req, const struct rollout_group *g, bool full)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &g->audit);
    jw_kv_str(w, "name", g->name);
    jw_kv_str_opt(w, "description", g->description);
    write_rule(w, "successCondition", "successAction", &g->success);
    write_rule(w, "errorCondition", "errorAction", &g->error);
    jw_kv_str_opt(w, "targetFilterQuery", g->target_filter_query);
    jw_key(w, "targetPercentage");
    jw_raw(w, arena_sprintf(&req->arena, "%.4g", g->target_percentage));
    jw_kv_int(w, "id", g->id);
    jw_kv_bool(w, "dynamic", g->dynamic);
    jw_kv_str(w, "status", g->status);
    jw_kv_int(w, "totalTargets", g->total_targets);
    struct rollout_counts k;
    if (full && store_rollout_counts(req_store(req), g->rollout_id, g->id, &k, NULL) == 0)
        write_counts(w, &k);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/rollouts/%lld/deploygroups/%lld",
                   (long long)g->rollout_id, (long long)g->id);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void group_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    write_group(w, req, item, false);
}

static void reply_rollout(struct request *req, int status, int64_t id)
{
    struct rollout r;
    struct error e;
    if (store_rollout_get(req_store(req), id, &req->arena, &r, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    write_rollout(&w, req, &r, true);
    mgmt_reply(req, status, &w);
}

/* ---- the create body ---- */

/* Reads a condition {"condition", "expression"} and its action {"action",
 * "expression"}; absent objects leave the rule's members NULL (inherited). Inside a
 * given object hawkBit's defaults apply: THRESHOLD, "100", and the default action. */
static int read_rule(const struct json_value *o, const char *cond_key, const char *act_key,
                     const char *default_action, struct rollout_rule *r, struct error *err)
{
    memset(r, 0, sizeof(*r));
    const struct json_value *cond = json_get(o, cond_key), *act = json_get(o, act_key);
    int rc = 0;
    if (cond && json_kind(cond) != JSON_NULL) {
        r->condition = "THRESHOLD";
        r->expression = "100";
        if ((rc = json_member_string(cond, "condition", &r->condition, err)) < 0 ||
            (rc = json_member_string(cond, "expression", &r->expression, err)) < 0)
            return rc;
    }
    if (act && json_kind(act) != JSON_NULL) {
        r->action = default_action;
        r->action_expression = "";
        if ((rc = json_member_string(act, "action", &r->action, err)) < 0 ||
            (rc = json_member_string(act, "expression", &r->action_expression, err)) < 0)
            return rc;
    }
    return 0;
}

static int read_rules(const struct json_value *o, struct rollout_rule *success,
                      struct rollout_rule *error, struct error *err)
{
    int rc = read_rule(o, "successCondition", "successAction", "NEXTGROUP", success, err);
    return rc < 0 ? rc : read_rule(o, "errorCondition", "errorAction", "PAUSE", error, err);
}

static int read_group_spec(const struct json_value *o, struct rollout_group_spec *g,
                           struct error *err)
{
    memset(g, 0, sizeof(*g));
    g->confirmation_required = -1;
    bool confirm;
    int rc;
    if (json_kind(o) != JSON_OBJECT)
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "Each group must be an object");
    const struct json_value *pct = json_get(o, "targetPercentage");
    if (pct && json_kind(pct) == JSON_NUMBER)
        g->target_percentage = json_as_double(pct);
    else if (pct && json_kind(pct) != JSON_NULL)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "targetPercentage must be a number");
    else
        g->target_percentage = 100;
    if ((rc = json_member_string(o, "name", &g->name, err)) < 0 ||
        (rc = json_member_string(o, "description", &g->description, err)) < 0 ||
        (rc = json_member_string(o, "targetFilterQuery", &g->target_filter_query, err)) < 0 ||
        (rc = json_member_bool(o, "confirmationRequired", &confirm, err)) < 0)
        return rc;
    if (rc > 0)
        g->confirmation_required = confirm;
    return read_rules(o, &g->success, &g->error, err);
}

/* "dynamicGroupTemplate": {"nameSuffix", "targetCount"}; read only for a dynamic
 * rollout (hawkBit ignores it otherwise). */
static int read_dynamic_template(const struct json_value *o, struct rollout *r, struct error *err)
{
    const struct json_value *t = json_get(o, "dynamicGroupTemplate");
    if (!r->dynamic || !t || json_kind(t) == JSON_NULL)
        return 0;
    if (json_kind(t) != JSON_OBJECT)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "dynamicGroupTemplate must be an object");
    int rc = json_member_string(t, "nameSuffix", &r->dynamic_suffix, err);
    if (rc >= 0 && (rc = json_member_int(t, "targetCount", &r->dynamic_target_count, err)) == 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "dynamicGroupTemplate.targetCount is required");
    return rc < 0 ? rc : 0;
}

static int read_spec(struct request *req, const struct json_value *o, struct rollout_spec *spec,
                     struct error *err)
{
    struct rollout *r = &spec->rollout;
    memset(spec, 0, sizeof(*spec));
    r->forced_time = r->start_at = -1;
    r->weight = 1000;
    r->action_type = "forced";
    spec->amount_groups = -1;
    r->dynamic_target_count = ROLLOUT_DYNAMIC_COUNT_UNSET;
    int rc;
    if (json_kind(o) != JSON_OBJECT)
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "Expected a rollout object");
    if ((rc = json_member_string(o, "name", &r->name, err)) < 0 ||
        (rc = json_member_string(o, "description", &r->description, err)) < 0 ||
        (rc = json_member_string(o, "targetFilterQuery", &r->target_filter_query, err)) < 0 ||
        (rc = json_member_int(o, "distributionSetId", &r->ds_id, err)) < 0 ||
        (rc = json_member_string(o, "type", &r->action_type, err)) < 0 ||
        (rc = json_member_int(o, "forcetime", &r->forced_time, err)) < 0 ||
        (rc = json_member_int(o, "startAt", &r->start_at, err)) < 0 ||
        (rc = json_member_int(o, "weight", &r->weight, err)) < 0 ||
        (rc = json_member_bool(o, "confirmationRequired", &r->confirmation_required, err)) < 0 ||
        (rc = json_member_bool(o, "dynamic", &r->dynamic, err)) < 0 ||
        (rc = json_member_bool(o, "randomTargetOrder", &spec->random_order, err)) < 0 ||
        (rc = json_member_int(o, "amountGroups", &spec->amount_groups, err)) < 0 ||
        (rc = read_rules(o, &spec->success, &spec->error, err)) < 0 ||
        (rc = mgmt_read_maintenance_window(o, &req->arena, &r->maintenance_schedule,
                                           &r->maintenance_duration, &r->maintenance_timezone,
                                           err)) < 0 ||
        (rc = read_dynamic_template(o, r, err)) < 0)
        return rc;
    if (!json_get(o, "distributionSetId"))
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "distributionSetId is required");
    const char *t = r->action_type;
    if (strcmp(t, "forced") && strcmp(t, "soft") && strcmp(t, "timeforced") &&
        strcmp(t, "downloadonly"))
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "Unknown action type");
    if (r->weight < 0 || r->weight > 1000)
        return err_set(err, ERR_INVALID, "rest.body.notReadable", "weight must be 0 to 1000");
    const struct json_value *groups = json_get(o, "groups");
    if (groups && json_kind(groups) == JSON_ARRAY && json_array_len(groups) > 0) {
        spec->n_groups = json_array_len(groups);
        if (spec->n_groups > ROLLOUT_MAX_GROUPS)
            return err_set(err, ERR_INVALID, "rest.body.notReadable", "Too many groups");
        spec->groups = arena_alloc(&req->arena, sizeof(*spec->groups) * spec->n_groups);
        for (size_t i = 0; i < spec->n_groups; i++)
            if ((rc = read_group_spec(json_array_at(groups, i), &spec->groups[i], err)) < 0)
                return rc;
    } else if (spec->amount_groups < 0) {
        spec->amount_groups = 1;
    }
    return 0;
}

static void create_rollout(struct request *req)
{
    struct json_value *doc;
    struct rollout_spec spec;
    struct rollout r;
    struct error e = {0};
    if (!api_parse_body(req, &doc))
        return;
    if (read_spec(req, doc, &spec, &e) < 0 ||
        rollout_create(req_store(req), &spec, req->user, &req->arena, &r, &e) < 0) {
        json_doc_free(doc);
        mgmt_fail(req, &e);
        return;
    }
    json_doc_free(doc);
    reply_rollout(req, 201, r.id);
}

/* ---- reads and state changes ---- */

static void list_rollouts(struct request *req)
{
    struct list_query q;
    struct rollout *items;
    size_t count;
    int64_t total;
    struct error e;
    if (!mgmt_list_query(req, &q))
        return;
    if (store_rollout_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), rollout_item, NULL);
}

static void get_rollout(struct request *req)
{
    int64_t id;
    if (api_path_id(req, 0, ROLLOUT_ENTITY, &id))
        reply_rollout(req, 200, id);
}

typedef int (*rollout_change_fn)(struct store *s, int64_t id, const char *actor, struct error *err);

static void change(struct request *req, rollout_change_fn fn)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, ROLLOUT_ENTITY, &id))
        return;
    if (fn(req_store(req), id, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_rollout(req, 200, id);
}

static void start_rollout(struct request *req)
{
    change(req, rollout_start);
}

static void pause_rollout(struct request *req)
{
    change(req, rollout_pause);
}

static void resume_rollout(struct request *req)
{
    change(req, rollout_resume);
}

static void trigger_next(struct request *req)
{
    change(req, rollout_trigger_next);
}

/* approve / deny with an optional ?remark= kept on the rollout. */
static void decide(struct request *req, bool approve)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, ROLLOUT_ENTITY, &id))
        return;
    if (rollout_approve(req_store(req), id, approve, http_query(req, "remark"), req->user, &e) <
        0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_rollout(req, 200, id);
}

static void approve_rollout(struct request *req)
{
    decide(req, true);
}

static void deny_rollout(struct request *req)
{
    decide(req, false);
}

static void stop_rollout(struct request *req)
{
    change(req, rollout_stop);
}

/* PUT {"name", "description"} (1.x). */
static void update_rollout(struct request *req)
{
    int64_t id;
    struct json_value *doc;
    struct error e = {0};
    if (!api_path_id(req, 0, ROLLOUT_ENTITY, &id) || !api_parse_body(req, &doc))
        return;
    const char *name = NULL, *description = NULL;
    int rc = json_kind(doc) == JSON_OBJECT
                 ? json_member_string(doc, "name", &name, &e)
                 : err_set(&e, ERR_INVALID, "rest.body.notReadable", "Expected an object");
    if (rc >= 0)
        rc = json_member_string(doc, "description", &description, &e);
    if (rc >= 0)
        rc = rollout_update(req_store(req), id, name, description, req->user, &e);
    json_doc_free(doc);
    if (rc < 0)
        mgmt_fail(req, &e);
    else
        reply_rollout(req, 200, id);
}

static void retry_rollout(struct request *req)
{
    int64_t id, new_id;
    struct error e;
    if (!api_path_id(req, 0, ROLLOUT_ENTITY, &id))
        return;
    if (rollout_retry(req_store(req), id, req->user, &req->arena, &new_id, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_rollout(req, 201, new_id);
}

static void delete_rollout(struct request *req)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, ROLLOUT_ENTITY, &id))
        return;
    if (rollout_delete(req_store(req), id, req->user, &e) < 0)
        mgmt_fail(req, &e);
    else
        http_reply_empty(req, 200);
}

static void list_groups(struct request *req)
{
    struct list_query q;
    int64_t id;
    struct rollout r;
    struct rollout_group *items;
    size_t count;
    int64_t total;
    struct error e;
    if (!api_path_id(req, 0, ROLLOUT_ENTITY, &id) || !mgmt_list_query(req, &q))
        return;
    if (store_rollout_get(req_store(req), id, &req->arena, &r, &e) < 0 ||
        store_rollout_group_list(req_store(req), id, &q, &req->arena, &items, &count, &total, &e) <
            0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), group_item, NULL);
}

static bool load_group(struct request *req, struct rollout_group *g)
{
    int64_t id, gid;
    struct error e;
    if (!api_path_id(req, 0, ROLLOUT_ENTITY, &id) || !api_path_id(req, 1, "RolloutGroup", &gid))
        return false;
    if (store_rollout_group_get(req_store(req), id, gid, &req->arena, g, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void get_group(struct request *req)
{
    struct rollout_group g;
    if (!load_group(req, &g))
        return;
    struct jw w;
    jw_init(&w);
    write_group(&w, req, &g, true);
    mgmt_reply(req, 200, &w);
}

static void list_group_targets(struct request *req)
{
    struct list_query q;
    struct rollout_group g;
    struct target *items;
    size_t count;
    int64_t total;
    struct error e;
    if (!mgmt_list_query(req, &q) || !load_group(req, &g))
        return;
    if (store_target_list_by_group(req_store(req), g.id, &q, &req->arena, &items, &count, &total,
                                   &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), mgmt_target_item, NULL);
}

static const char *const list_params[] = {"offset", "limit", "sort", "q", "representation", NULL};
static const char *const remark_params[] = {"remark", NULL};

const struct route mgmt_rollout_routes[] = {
    {"GET", MGMT "/rollouts", list_rollouts, list_params, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"POST", MGMT "/rollouts", create_rollout, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"GET", MGMT "/rollouts/{}", get_rollout, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"DELETE", MGMT "/rollouts/{}", delete_rollout, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/start", start_rollout, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/pause", pause_rollout, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/resume", resume_rollout, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"PUT", MGMT "/rollouts/{}", update_rollout, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/stop", stop_rollout, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/retry", retry_rollout, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/triggerNextGroup", trigger_next, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/approve", approve_rollout, remark_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/rollouts/{}/deny", deny_rollout, remark_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/rollouts/{}/deploygroups", list_groups, list_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/rollouts/{}/deploygroups/{}", get_group, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/rollouts/{}/deploygroups/{}/targets", list_group_targets, mgmt_paging_params,
     ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {0},
};
