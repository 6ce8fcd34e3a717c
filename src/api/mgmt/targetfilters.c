/* /rest/v1/targetfilters: saved target queries and their auto-assigned set
 * (reference c.4). The assignment itself runs on the scheduler (core/auto_assign). */
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/target_filter_store.h"

#include <string.h>

#define FILTER_NAME_MAX 128
#define FILTER_QUERY_MAX 1024
#define FILTER_ENTITY "TargetFilterQuery"

static void write_filter(struct jw *w, struct request *req, const struct target_filter *f)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &f->audit);
    jw_kv_int(w, "id", f->id);
    jw_kv_str(w, "name", f->name);
    jw_kv_str(w, "query", f->query);
    if (f->auto_ds_id >= 0) {
        jw_kv_int(w, "autoAssignDistributionSet", f->auto_ds_id);
        jw_kv_str_opt(w, "autoAssignActionType", f->auto_action_type);
        jw_kv_int_opt(w, "autoAssignWeight", f->auto_weight);
        jw_kv_bool(w, "confirmationRequired", f->auto_confirmation_required);
    }
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/targetfilters/%lld", (long long)f->id);
    api_write_link(w, req, "autoAssignDS", MGMT "/targetfilters/%lld/autoAssignDS",
                   (long long)f->id);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void filter_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    write_filter(w, req, item);
}

static void reply_filter(struct request *req, int status, const struct target_filter *f)
{
    struct jw w;
    jw_init(&w);
    write_filter(&w, req, f);
    mgmt_reply(req, status, &w);
}

static bool load_filter(struct request *req, struct target_filter *f)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, FILTER_ENTITY, &id))
        return false;
    if (store_target_filter_get(req_store(req), id, &req->arena, f, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

/* {"name", "query"}: both required, bounded. false after replying 400. */
static bool read_body(struct request *req, struct target_filter *f)
{
    struct json_value *doc;
    struct error e = {0};
    if (!api_parse_body(req, &doc))
        return false;
    const char *name = NULL, *query = NULL;
    bool ok = json_kind(doc) == JSON_OBJECT && json_member_string(doc, "name", &name, &e) > 0 &&
              json_member_string(doc, "query", &query, &e) > 0 && *name && *query &&
              strlen(name) <= FILTER_NAME_MAX && strlen(query) <= FILTER_QUERY_MAX;
    if (ok) {
        f->name = arena_strdup(&req->arena, name);
        f->query = arena_strdup(&req->arena, query);
    } else {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Expected {\"name\": 1-%d characters, \"query\": 1-%d characters}",
                 FILTER_NAME_MAX, FILTER_QUERY_MAX);
    }
    json_doc_free(doc);
    return ok;
}

static void create_filter(struct request *req)
{
    struct target_filter f = {0};
    struct error e;
    if (!read_body(req, &f))
        return;
    if (store_target_filter_create(req_store(req), &f, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_filter(req, 201, &f);
}

static void list_filters(struct request *req)
{
    struct list_query q;
    struct target_filter *items;
    size_t count;
    int64_t total;
    struct error e;
    if (!mgmt_list_query(req, &q))
        return;
    if (store_target_filter_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), filter_item, NULL);
}

static void get_filter(struct request *req)
{
    struct target_filter f;
    if (load_filter(req, &f))
        reply_filter(req, 200, &f);
}

static void update_filter(struct request *req)
{
    struct target_filter f;
    struct error e;
    if (!load_filter(req, &f) || !read_body(req, &f))
        return;
    if (store_target_filter_update(req_store(req), &f, req->user, &e) < 0 ||
        store_target_filter_get(req_store(req), f.id, &req->arena, &f, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_filter(req, 200, &f);
}

static void delete_filter(struct request *req)
{
    struct target_filter f;
    struct error e;
    if (!load_filter(req, &f))
        return;
    if (store_target_filter_delete(req_store(req), f.id, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

/* GET autoAssignDS: the set, or 204 when the filter assigns none. */
static void get_auto_assign(struct request *req)
{
    struct target_filter f;
    struct distribution_set ds;
    if (!load_filter(req, &f))
        return;
    if (f.auto_ds_id < 0) {
        http_reply_empty(req, 204);
        return;
    }
    if (!mgmt_load_ds(req, f.auto_ds_id, &ds))
        return;
    struct jw w;
    jw_init(&w);
    mgmt_write_ds(&w, req, &ds);
    mgmt_reply(req, 200, &w);
}

/* The action type of an auto-assignment: forced (default), soft or downloadonly;
 * timeforced needs a time no filter can know (400, as hawkBit). */
static bool valid_auto_type(const char *type)
{
    return strcmp(type, "forced") == 0 || strcmp(type, "soft") == 0 ||
           strcmp(type, "downloadonly") == 0;
}

static void set_auto_assign(struct request *req)
{
    struct target_filter f;
    struct distribution_set ds;
    struct json_value *doc;
    struct error e = {0};
    if (!load_filter(req, &f) || !api_parse_body(req, &doc))
        return;
    int64_t ds_id = -1, weight = -1;
    const char *type = "forced";
    bool confirmation = false;
    bool ok = json_kind(doc) == JSON_OBJECT && json_member_int(doc, "id", &ds_id, &e) > 0 &&
              json_member_string(doc, "type", &type, &e) >= 0 &&
              json_member_int(doc, "weight", &weight, &e) >= 0 &&
              json_member_bool(doc, "confirmationRequired", &confirmation, &e) >= 0 &&
              valid_auto_type(type) && weight >= -1 && weight <= 1000;
    type = arena_strdup(&req->arena, type);
    json_doc_free(doc);
    if (!ok) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "Expected {\"id\": set id, \"type\": forced|soft|downloadonly, \"weight\": "
                 "0-1000, \"confirmationRequired\": bool}");
        return;
    }
    if (!mgmt_load_ds(req, ds_id, &ds))
        return;
    if (ds.deleted || !ds.complete || !ds.valid) {
        api_fail(req, ERR_INVALID, "distributionset.incomplete",
                 "Distribution set %lld cannot be assigned (deleted, incomplete or invalidated)",
                 (long long)ds_id);
        return;
    }
    if (store_target_filter_auto_assign(req_store(req), f.id, ds_id, type, weight, confirmation,
                                        req->user, &e) < 0 ||
        store_target_filter_get(req_store(req), f.id, &req->arena, &f, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_filter(req, 200, &f);
}

static void clear_auto_assign(struct request *req)
{
    struct target_filter f;
    struct error e;
    if (!load_filter(req, &f))
        return;
    if (store_target_filter_auto_assign(req_store(req), f.id, -1, NULL, -1, false, req->user, &e) <
        0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 204);
}

const struct route mgmt_target_filter_routes[] = {
    {"GET", MGMT "/targetfilters", list_filters, mgmt_paging_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/targetfilters", create_filter, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"GET", MGMT "/targetfilters/{}", get_filter, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"PUT", MGMT "/targetfilters/{}", update_filter, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"DELETE", MGMT "/targetfilters/{}", delete_filter, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/targetfilters/{}/autoAssignDS", get_auto_assign, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/targetfilters/{}/autoAssignDS", set_auto_assign, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/targetfilters/{}/autoAssignDS", clear_auto_assign, NULL, ROUTE_BODY_NONE,
     NULL, mgmt_authorize},
    {0},
};
