/* /rest/v1/targets: create, list, read, update, delete, attributes. */
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "auth/auth.h"
#include "core/controller.h"
#include "core/tenant_config.h"
#include "store/target_store.h"
#include "store/target_type_store.h"
#include "util/time.h"

#include <string.h>

#define NAME_MAX_LEN 128
#define TOKEN_MAX 128

static void write_target_links(struct jw *w, struct request *req, const struct target *t, bool full)
{
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/targets/%s", t->controller_id);
    if (full) {
        api_write_link(w, req, "assignedDS", MGMT "/targets/%s/assignedDS", t->controller_id);
        api_write_link(w, req, "installedDS", MGMT "/targets/%s/installedDS", t->controller_id);
        api_write_link(w, req, "attributes", MGMT "/targets/%s/attributes", t->controller_id);
        api_write_link(w, req, "actions", MGMT "/targets/%s/actions?offset=0&limit=50&sort=id:DESC",
                       t->controller_id);
        if (t->target_type_id >= 0)
            api_write_link(w, req, "targetType", MGMT "/targettypes/%lld",
                           (long long)t->target_type_id);
        api_write_link(w, req, "metadata", MGMT "/targets/%s/metadata?offset=0&limit=50",
                       t->controller_id);
    }
    jw_obj_end(w);
}

/* hawkBit's MgmtPollStatus: when the device is next expected and whether it is
 * overdue (later than pollingTime + pollingOverdueTime). */
static void write_poll_status(struct jw *w, struct request *req, const struct target *t)
{
    if (t->last_request_at < 0)
        return;
    struct tenant_settings cfg;
    tenant_settings_get(req_store(req), &cfg);
    int64_t next = t->last_request_at + (int64_t)cfg.polling_seconds * 1000;
    jw_key(w, "pollStatus");
    jw_obj_begin(w);
    jw_kv_int(w, "lastRequestAt", t->last_request_at);
    jw_kv_int(w, "nextExpectedRequestAt", next);
    jw_kv_bool(w, "overdue", time_now_ms() > next + (int64_t)cfg.overdue_seconds * 1000);
    jw_obj_end(w);
}

void mgmt_write_target(struct jw *w, struct request *req, const struct target *t, bool full)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &t->audit);
    jw_kv_str(w, "name", t->name);
    jw_kv_str_opt(w, "description", t->description);
    jw_kv_str(w, "controllerId", t->controller_id);
    jw_kv_str(w, "updateStatus", t->update_status);
    jw_kv_int_opt(w, "lastControllerRequestAt", t->last_request_at);
    jw_kv_int_opt(w, "installedAt", t->installed_at);
    if (t->address) {
        jw_kv_str(w, "address", t->address);
        const char *host = strstr(t->address, "://");
        jw_kv_str(w, "ipAddress", host ? host + 3 : t->address);
    }
    write_poll_status(w, req, t);
    jw_kv_str(w, "securityToken", t->security_token);
    jw_kv_bool(w, "requestAttributes", t->request_attributes);
    if (t->target_type_id >= 0) {
        jw_kv_int(w, "targetType", t->target_type_id);
        jw_kv_str_opt(w, "targetTypeName", t->target_type_name);
    }
    jw_kv_bool(w, "autoConfirmActive", t->auto_confirm_active);
    if (full)
        mgmt_write_target_ds_summary(w, req, t);
    write_target_links(w, req, t, full);
    jw_obj_end(w);
}

static bool valid_text(struct request *req, const char *field, const char *v, size_t max)
{
    if (v && strlen(v) > max) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Field '%s' is longer than %zu", field,
                 max);
        return false;
    }
    return true;
}

/* Reads one element of the create array into t; false after replying 400. */
static bool read_new_target(struct request *req, struct json_value *item, struct target *t)
{
    struct error e;
    if (json_kind(item) != JSON_OBJECT) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Each target must be an object");
        return false;
    }
    memset(t, 0, sizeof(*t));
    t->request_attributes = true;
    t->target_type_id = -1;
    if (json_member_int(item, "targetType", &t->target_type_id, &e) < 0 ||
        json_member_string(item, "controllerId", &t->controller_id, &e) < 0 ||
        json_member_string(item, "name", &t->name, &e) < 0 ||
        json_member_string(item, "description", &t->description, &e) < 0 ||
        json_member_string(item, "securityToken", &t->security_token, &e) < 0 ||
        json_member_string(item, "address", &t->address, &e) < 0 ||
        json_member_bool(item, "requestAttributes", &t->request_attributes, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (!t->controller_id || !controller_id_valid(t->controller_id)) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Field 'controllerId' is required: 1 to %d printable characters without /?#%%",
                 CONTROLLER_ID_MAX_LEN);
        return false;
    }
    if (!valid_text(req, "name", t->name, NAME_MAX_LEN) ||
        !valid_text(req, "description", t->description, 512) ||
        !valid_text(req, "securityToken", t->security_token, TOKEN_MAX) ||
        !valid_text(req, "address", t->address, 512))
        return false;
    if (!t->name || !*t->name)
        t->name =
            arena_strndup(&req->arena, t->controller_id, strnlen(t->controller_id, NAME_MAX_LEN));
    if (!t->security_token || !*t->security_token) {
        char *token = arena_alloc(&req->arena, 33);
        auth_random_hex(token, 16);
        t->security_token = token;
    }
    return true;
}

/* Inserts t and gives it the type it asked for (none when negative). */
static int create_target(struct store *s, struct target *t, struct request *req, struct error *e)
{
    int64_t type_id = t->target_type_id;
    if (store_target_create(s, t, req->user, e) < 0)
        return -1;
    if (type_id < 0)
        return 0;
    if (store_target_set_type(s, t->id, type_id, req->user, e) < 0)
        return -1;
    return store_target_get_by_id(s, t->id, &req->arena, t, e);
}

static void create_targets(struct request *req)
{
    struct json_value *doc;
    if (!api_parse_body(req, &doc))
        return;
    size_t n = json_array_len(doc);
    if (json_kind(doc) != JSON_ARRAY || n == 0) {
        json_doc_free(doc);
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Expected a non-empty JSON array of targets");
        return;
    }
    struct target *targets = arena_alloc(&req->arena, sizeof(*targets) * n);
    for (size_t i = 0; i < n; i++)
        if (!read_new_target(req, json_array_at(doc, i), &targets[i])) {
            json_doc_free(doc);
            return;
        }
    /* Copy what the reply needs out of the document before freeing it. */
    for (size_t i = 0; i < n; i++) {
        struct target *t = &targets[i];
        t->controller_id = arena_strdup(&req->arena, t->controller_id);
        t->name = arena_strdup(&req->arena, t->name);
        t->description = arena_strdup(&req->arena, t->description);
        t->security_token = arena_strdup(&req->arena, t->security_token);
        t->address = arena_strdup(&req->arena, t->address);
    }
    json_doc_free(doc);

    struct store *s = req_store(req);
    struct error e;
    if (store_begin(s, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (create_target(s, &targets[i], req, &e) < 0) {
            store_rollback(s);
            mgmt_fail(req, &e);
            return;
        }
    if (store_commit(s, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        mgmt_write_target(&w, req, &targets[i], false);
    jw_arr_end(&w);
    mgmt_reply(req, 201, &w);
}

static void list_targets(struct request *req)
{
    struct list_query q;
    if (!mgmt_list_query(req, &q))
        return;
    struct target *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_target_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    mgmt_begin_page(&w);
    for (size_t i = 0; i < count; i++)
        mgmt_write_target(&w, req, &items[i], false);
    mgmt_end_page(&w, count, total);
    mgmt_reply(req, 200, &w);
}

bool mgmt_load_target(struct request *req, const char *controller_id, struct target *t)
{
    struct error e;
    if (store_target_get(req_store(req), controller_id, &req->arena, t, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void get_target(struct request *req)
{
    struct target t;
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    struct jw w;
    jw_init(&w);
    mgmt_write_target(&w, req, &t, true);
    mgmt_reply(req, 200, &w);
}

/* Applies the fields present in the PUT body; false after replying 400. */
static bool apply_target_update(struct request *req, struct json_value *doc, struct target *t)
{
    struct error e;
    bool request_attributes = t->request_attributes;
    int has_request = 0;
    if (json_kind(doc) != JSON_OBJECT) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Expected a JSON object");
        return false;
    }
    if (json_member_string(doc, "name", &t->name, &e) < 0 ||
        json_member_string(doc, "description", &t->description, &e) < 0 ||
        json_member_string(doc, "securityToken", &t->security_token, &e) < 0 ||
        json_member_string(doc, "address", &t->address, &e) < 0 ||
        json_member_int(doc, "targetType", &t->target_type_id, &e) < 0 ||
        (has_request = json_member_bool(doc, "requestAttributes", &request_attributes, &e)) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (has_request && !request_attributes) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "requestAttributes can only be set to true");
        return false;
    }
    t->request_attributes = request_attributes;
    if (!valid_text(req, "name", t->name, NAME_MAX_LEN) ||
        !valid_text(req, "description", t->description, 512) ||
        !valid_text(req, "securityToken", t->security_token, TOKEN_MAX) ||
        !valid_text(req, "address", t->address, 512))
        return false;
    if (!*t->name || !*t->security_token) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "name and securityToken may not be empty");
        return false;
    }
    t->name = arena_strdup(&req->arena, t->name);
    t->description = arena_strdup(&req->arena, t->description);
    t->security_token = arena_strdup(&req->arena, t->security_token);
    t->address = arena_strdup(&req->arena, t->address);
    return true;
}

struct update_args {
    const struct target *t;
    int64_t old_type;
    const char *actor;
};

/* Writes the fields and, when the body changed it, the type (`targetType: -1` removes
 * it, reference Surprise 30). */
static int update_tx(struct store *s, struct arena *a, void *ctx, struct error *e)
{
    (void)a;
    const struct update_args *u = ctx;
    int64_t type_id = u->t->target_type_id < 0 ? -1 : u->t->target_type_id;
    if (store_target_update(s, u->t, u->actor, e) < 0)
        return -1;
    if (type_id == u->old_type)
        return 0;
    return store_target_set_type(s, u->t->id, type_id, u->actor, e);
}

static void update_target(struct request *req)
{
    struct json_value *doc;
    struct target t;
    if (!api_parse_body(req, &doc))
        return;
    if (!mgmt_load_target(req, req->params[0], &t)) {
        json_doc_free(doc);
        return;
    }
    int64_t old_type = t.target_type_id;
    bool ok = apply_target_update(req, doc, &t);
    json_doc_free(doc);
    if (!ok)
        return;
    struct update_args args = {&t, old_type, req->user};
    struct error e;
    if (store_transaction(req_store(req), update_tx, &args, &e) < 0 ||
        store_target_get(req_store(req), t.controller_id, &req->arena, &t, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    mgmt_write_target(&w, req, &t, true);
    mgmt_reply(req, 200, &w);
}

static void delete_target(struct request *req)
{
    struct error e;
    if (store_target_delete(req_store(req), req->params[0], &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void get_attributes(struct request *req)
{
    struct target t;
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    struct attribute *attrs;
    size_t count;
    struct error e;
    if (store_target_attributes(req_store(req), t.id, &req->arena, &attrs, &count, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    if (count == 0) {
        http_reply_empty(req, 204);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    for (size_t i = 0; i < count; i++)
        jw_kv_str(&w, attrs[i].key, attrs[i].value);
    jw_obj_end(&w);
    mgmt_reply(req, 200, &w);
}

const struct route mgmt_target_routes[] = {
    {"GET", MGMT "/targets", list_targets, mgmt_paging_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/targets", create_targets, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"GET", MGMT "/targets/{}", get_target, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"PUT", MGMT "/targets/{}", update_target, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"DELETE", MGMT "/targets/{}", delete_target, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"GET", MGMT "/targets/{}/attributes", get_attributes, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {0},
};
