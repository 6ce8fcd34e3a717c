/* /rest/v1/targets: create, list, read, update, delete, attributes. */
#include "api/mgmt/body_read.h"
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

void mgmt_target_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_target(w, req, item, false);
}

/* Reads one element of the create array into t (strings copied to the arena);
 * false after replying 400. */
static bool read_new_target(struct request *req, const struct json_value *item, void *out,
                            void *ctx)
{
    struct target *t = out;
    struct error e;
    t->request_attributes = true;
    t->target_type_id = -1;
    if (!mgmt_body_object(req, item, "target") ||
        !mgmt_body_text(req, item, "controllerId", CONTROLLER_ID_MAX_LEN, false,
                        &t->controller_id) ||
        !mgmt_body_text(req, item, "name", NAME_MAX_LEN, false, &t->name) ||
        !mgmt_body_text(req, item, "description", 512, false, &t->description) ||
        !mgmt_body_text(req, item, "securityToken", TOKEN_MAX, false, &t->security_token) ||
        !mgmt_body_text(req, item, "address", 512, false, &t->address) ||
        !mgmt_body_bool(req, item, "requestAttributes", &t->request_attributes))
        return false;
    if (json_member_int(item, "targetType", &t->target_type_id, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (!t->controller_id || !controller_id_valid(t->controller_id)) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Field 'controllerId' is required: 1 to %d printable characters without /?#%%",
                 CONTROLLER_ID_MAX_LEN);
        return false;
    }
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
static int create_target(struct store *s, struct request *req, void *item, void *ctx,
                         struct error *e)
{
    struct target *t = item;
    int64_t type_id = t->target_type_id;
    int rc = store_target_create(s, t, req->user, e);
    if (rc < 0 || type_id < 0)
        return rc;
    if ((rc = store_target_set_type(s, t->id, type_id, req->user, e)) < 0)
        return rc;
    return store_target_get_by_id(s, t->id, &req->arena, t, e);
}

static void create_targets(struct request *req)
{
    static const struct mgmt_create_ops ops = {"targets", sizeof(struct target), read_new_target,
                                               create_target, mgmt_target_item};
    mgmt_create_array(req, &ops, NULL);
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
    mgmt_reply_page(req, items, count, total, sizeof(*items), mgmt_target_item, NULL);
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
    if (!mgmt_body_object(req, doc, "target update") ||
        !mgmt_body_text(req, doc, "name", NAME_MAX_LEN, false, &t->name) ||
        !mgmt_body_text(req, doc, "description", 512, false, &t->description) ||
        !mgmt_body_text(req, doc, "securityToken", TOKEN_MAX, false, &t->security_token) ||
        !mgmt_body_text(req, doc, "address", 512, false, &t->address))
        return false;
    if (json_member_int(doc, "targetType", &t->target_type_id, &e) < 0 ||
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
    if (!*t->name || !*t->security_token) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "name and securityToken may not be empty");
        return false;
    }
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
    /* Written back only when the body sets it: the loaded one may be older than what
     * a last-seen flush writes meanwhile. */
    t.address = NULL;
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
