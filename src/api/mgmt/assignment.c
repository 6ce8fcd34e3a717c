/* Assigning distribution sets: POST /targets/{c}/assignedDS (one object or an
 * array, `id` = set id) and POST /distributionsets/{id}/assignedTargets (array,
 * `id` = controllerId). Both answer MgmtTargetAssignmentResponseBody. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"

#include "core/deployment.h"

#include <string.h>

static const char *const assign_params[] = {"offline", NULL};

/* Reads the fields shared by both bodies (everything but `id`); false after replying. */
static bool read_options(struct request *req, struct json_value *o, struct assignment *as)
{
    struct error e;
    as->forcetime = -1;
    as->weight = -1;
    if (json_member_string(o, "type", &as->type, &e) < 0 ||
        json_member_int(o, "forcetime", &as->forcetime, &e) < 0 ||
        json_member_int(o, "weight", &as->weight, &e) < 0 ||
        json_member_bool(o, "confirmationRequired", &as->confirmation_required, &e) < 0 ||
        mgmt_read_maintenance_window(o, &req->arena, &as->maintenance_schedule,
                                     &as->maintenance_duration, &as->maintenance_timezone,
                                     &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    as->type = arena_strdup(&req->arena, as->type);
    return true;
}

/* ?offline=true records sets installed without a device round-trip. */
static bool read_offline(struct request *req, bool *offline)
{
    const char *v = http_query(req, "offline");
    *offline = v && strcmp(v, "true") == 0;
    if (v && !*offline && strcmp(v, "false") != 0) {
        api_fail(req, ERR_INVALID, "rest.param.invalidField", "offline must be true or false");
        return false;
    }
    return true;
}

static void reply_outcome(struct request *req, const struct assignment_outcome *out)
{
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kv_int(&w, "alreadyAssigned", (int64_t)out->already_assigned);
    jw_key(&w, "assignedActions");
    jw_arr_begin(&w);
    for (size_t i = 0; i < out->assigned; i++) {
        jw_obj_begin(&w);
        jw_kv_int(&w, "id", out->actions[i].action_id);
        jw_key(&w, "_links");
        jw_obj_begin(&w);
        api_write_link(&w, req, "self", MGMT "/targets/%s/actions/%lld",
                       out->actions[i].controller_id, (long long)out->actions[i].action_id);
        jw_obj_end(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kv_int(&w, "total", (int64_t)(out->assigned + out->already_assigned));
    jw_kv_int(&w, "assigned", (int64_t)out->assigned);
    jw_obj_end(&w);
    mgmt_reply(req, 200, &w);
}

static void run(struct request *req, struct assignment *items, size_t n)
{
    bool offline;
    if (!read_offline(req, &offline))
        return;
    for (size_t i = 0; i < n; i++)
        items[i].offline = offline;
    struct assignment_outcome out;
    struct error e = {0};
    if (deployment_assign(req_store(req), items, n, req->user, &req->arena, &out, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_outcome(req, &out);
}

/* Reads one element of an assignment body; `id` is a set id (by_target) or a
 * controllerId (by set). */
static bool read_item(struct request *req, struct json_value *o, bool by_target,
                      struct assignment *as)
{
    struct error e;
    memset(as, 0, sizeof(*as));
    if (json_kind(o) != JSON_OBJECT) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Each assignment must be an object");
        return false;
    }
    int rc = by_target ? json_member_int(o, "id", &as->ds_id, &e)
                       : json_member_string(o, "id", &as->controller_id, &e);
    if (rc < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (rc == 0) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Field 'id' is required");
        return false;
    }
    as->controller_id = arena_strdup(&req->arena, as->controller_id);
    return read_options(req, o, as);
}

static void assign_by_target(struct request *req)
{
    struct json_value *doc;
    if (!api_parse_body(req, &doc))
        return;
    /* hawkBit accepts a single object or an array of them here. */
    bool single = json_kind(doc) == JSON_OBJECT;
    size_t n = single ? 1 : json_array_len(doc);
    if (!single && (json_kind(doc) != JSON_ARRAY || n == 0)) {
        json_doc_free(doc);
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Expected an assignment object or a non-empty array of them");
        return;
    }
    struct assignment *items = arena_alloc(&req->arena, sizeof(*items) * n);
    for (size_t i = 0; i < n; i++) {
        if (!read_item(req, single ? doc : json_array_at(doc, i), true, &items[i])) {
            json_doc_free(doc);
            return;
        }
        items[i].controller_id = req->params[0];
    }
    json_doc_free(doc);
    run(req, items, n);
}

static void assign_by_set(struct request *req)
{
    int64_t ds_id;
    struct json_value *doc;
    if (!api_path_id(req, 0, "DistributionSet", &ds_id) || !api_parse_body(req, &doc))
        return;
    size_t n = json_array_len(doc);
    if (json_kind(doc) != JSON_ARRAY || n == 0) {
        json_doc_free(doc);
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Expected a non-empty array of {\"id\": controllerId, ...}");
        return;
    }
    struct assignment *items = arena_alloc(&req->arena, sizeof(*items) * n);
    for (size_t i = 0; i < n; i++) {
        if (!read_item(req, json_array_at(doc, i), false, &items[i])) {
            json_doc_free(doc);
            return;
        }
        items[i].ds_id = ds_id;
    }
    json_doc_free(doc);
    run(req, items, n);
}

const struct route mgmt_assignment_routes[] = {
    {"POST", MGMT "/targets/{}/assignedDS", assign_by_target, assign_params, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"POST", MGMT "/distributionsets/{}/assignedTargets", assign_by_set, assign_params,
     ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {0},
};
