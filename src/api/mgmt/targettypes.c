/* /rest/v1/targettypes: create, list, read, update, delete, and the distribution set
 * types each target type accepts; /rest/v1/targets/{id}/targettype sets a target's type. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/target_type_store.h"

#include <string.h>

#define TYPE_KEY_MAX 64
#define TYPE_NAME_MAX 64
#define TYPE_DESCRIPTION_MAX 512
#define TYPE_COLOUR_MAX 16
#define TARGET_TYPE_ENTITY "TargetType"
#define DS_TYPE_ENTITY "DistributionSetType"

static void write_target_type(struct jw *w, struct request *req, const struct target_type *t)
{
    long long id = (long long)t->id;
    jw_obj_begin(w);
    mgmt_write_audit(w, &t->audit);
    jw_kv_str(w, "name", t->name);
    jw_kv_str_opt(w, "description", t->description);
    jw_kv_str(w, "key", t->key);
    jw_kv_str_opt(w, "colour", t->colour);
    jw_kv_bool(w, "deleted", false);
    jw_kv_int(w, "id", t->id);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/targettypes/%lld", id);
    api_write_link(w, req, "compatibledistributionsettypes",
                   MGMT "/targettypes/%lld/compatibledistributionsettypes", id);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void target_type_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    write_target_type(w, req, item);
}

static bool load_type(struct request *req, int64_t id, struct target_type *t)
{
    struct error e;
    if (store_target_type_get(req_store(req), id, &req->arena, t, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

/* One element of the create array, with its compatible DS type ids. */
struct new_type {
    struct target_type t;
    int64_t *ds_types;
    size_t n_ds_types;
};

/* name is required; key defaults to the name. */
static bool read_new_type(struct request *req, const struct json_value *item, struct new_type *out)
{
    memset(out, 0, sizeof(*out));
    if (!mgmt_body_object(req, item, "target type") ||
        !mgmt_body_text(req, item, "name", TYPE_NAME_MAX, true, &out->t.name) ||
        !mgmt_body_text(req, item, "key", TYPE_KEY_MAX, false, &out->t.key) ||
        !mgmt_body_text(req, item, "description", TYPE_DESCRIPTION_MAX, false,
                        &out->t.description) ||
        !mgmt_body_text(req, item, "colour", TYPE_COLOUR_MAX, false, &out->t.colour) ||
        !mgmt_body_id_list(req, json_get(item, "compatibledistributionsettypes"),
                           "compatibledistributionsettypes", true, &out->ds_types,
                           &out->n_ds_types))
        return false;
    if (!out->t.key || !*out->t.key) {
        if (strlen(out->t.name) > TYPE_KEY_MAX) {
            api_fail(req, ERR_INVALID, "rest.body.notReadable",
                     "Field 'key' is required when the name is longer than %d", TYPE_KEY_MAX);
            return false;
        }
        out->t.key = out->t.name;
    }
    return true;
}

static bool read_type_item(struct request *req, const struct json_value *json, void *item,
                           void *ctx)
{
    return read_new_type(req, json, item);
}

static int store_type_item(struct store *s, struct request *req, void *item, void *ctx,
                           struct error *err)
{
    struct new_type *nt = item;
    return store_target_type_create(s, &nt->t, nt->ds_types, nt->n_ds_types, req->user, err);
}

static void write_type_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    write_target_type(w, req, &((const struct new_type *)item)->t);
}

static void create_types(struct request *req)
{
    static const struct mgmt_create_ops ops = {"target types", sizeof(struct new_type),
                                               read_type_item, store_type_item, write_type_item};
    mgmt_create_array(req, &ops, NULL);
}

static void list_types(struct request *req)
{
    struct list_query q;
    if (!mgmt_list_query(req, &q))
        return;
    struct target_type *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_target_type_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), target_type_item, NULL);
}

static void reply_type(struct request *req, const struct target_type *t)
{
    struct jw w;
    jw_init(&w);
    write_target_type(&w, req, t);
    mgmt_reply(req, 200, &w);
}

static void get_type(struct request *req)
{
    int64_t id;
    struct target_type t;
    if (api_path_id(req, 0, TARGET_TYPE_ENTITY, &id) && load_type(req, id, &t))
        reply_type(req, &t);
}

/* PUT {name, description, colour}: absent or null members stay unchanged. */
static void update_type(struct request *req)
{
    int64_t id;
    struct json_value *doc;
    struct target_type t;
    if (!api_path_id(req, 0, TARGET_TYPE_ENTITY, &id) || !api_parse_body(req, &doc))
        return;
    bool ok =
        load_type(req, id, &t) && mgmt_body_object(req, doc, "update") &&
        mgmt_body_text(req, doc, "name", TYPE_NAME_MAX, false, &t.name) &&
        mgmt_body_text(req, doc, "description", TYPE_DESCRIPTION_MAX, false, &t.description) &&
        mgmt_body_text(req, doc, "colour", TYPE_COLOUR_MAX, false, &t.colour);
    json_doc_free(doc);
    if (!ok)
        return;
    if (!*t.name) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Field 'name' may not be empty");
        return;
    }
    struct error e;
    if (store_target_type_update(req_store(req), &t, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    if (load_type(req, id, &t))
        reply_type(req, &t);
}

static void delete_type(struct request *req)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, TARGET_TYPE_ENTITY, &id))
        return;
    if (store_target_type_delete(req_store(req), id, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void list_ds_types(struct request *req)
{
    int64_t id;
    struct target_type t;
    if (!api_path_id(req, 0, TARGET_TYPE_ENTITY, &id) || !load_type(req, id, &t))
        return;
    struct ds_type *items;
    size_t count;
    struct error e;
    if (store_target_type_ds_types(req_store(req), id, &req->arena, &items, &count, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < count; i++)
        mgmt_write_ds_type(&w, req, &items[i]);
    jw_arr_end(&w);
    mgmt_reply(req, 200, &w);
}

/* POST [{"id": dsTypeId}, ...]: all or none are added. */
static void add_ds_types(struct request *req)
{
    int64_t id;
    struct json_value *doc;
    int64_t *ids;
    size_t n;
    if (!api_path_id(req, 0, TARGET_TYPE_ENTITY, &id) || !api_parse_body(req, &doc))
        return;
    bool ok = mgmt_body_id_list(req, doc, "compatibledistributionsettypes", false, &ids, &n);
    json_doc_free(doc);
    if (!ok)
        return;
    struct store *s = req_store(req);
    struct error e;
    int rc = store_begin(s, &e);
    if (rc == 0 && (rc = store_target_type_add_ds_types(s, id, ids, n, req->user, &e)) < 0)
        store_rollback(s);
    if (rc == 0)
        rc = store_commit(s, &e);
    if (rc < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void remove_ds_type(struct request *req)
{
    int64_t id, ds_type_id;
    struct error e;
    if (!api_path_id(req, 0, TARGET_TYPE_ENTITY, &id) ||
        !api_path_id(req, 1, DS_TYPE_ENTITY, &ds_type_id))
        return;
    if (store_target_type_remove_ds_type(req_store(req), id, ds_type_id, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

/* Sets (POST {"id": typeId}) or removes (DELETE) the type of a target. */
static void set_target_type(struct request *req, bool remove)
{
    int64_t type_id = -1;
    struct json_value *doc;
    struct target t;
    if (!remove) {
        if (!api_parse_body(req, &doc))
            return;
        bool ok =
            mgmt_body_object(req, doc, "target type reference") && mgmt_body_id(req, doc, &type_id);
        json_doc_free(doc);
        if (!ok)
            return;
    }
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    struct error e;
    if (store_target_set_type(req_store(req), t.id, type_id, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void assign_target_type(struct request *req)
{
    set_target_type(req, false);
}

static void unassign_target_type(struct request *req)
{
    set_target_type(req, true);
}

#define TYPE_ROUTE(method, path, fn, query, body)                                                  \
    {                                                                                              \
        method, MGMT "/targettypes" path, fn, query, body, NULL, mgmt_authorize                    \
    }

const struct route mgmt_target_type_routes[] = {
    TYPE_ROUTE("GET", "", list_types, mgmt_paging_params, ROUTE_BODY_NONE),
    TYPE_ROUTE("POST", "", create_types, NULL, ROUTE_BODY_JSON),
    TYPE_ROUTE("GET", "/{}", get_type, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("PUT", "/{}", update_type, NULL, ROUTE_BODY_JSON),
    TYPE_ROUTE("DELETE", "/{}", delete_type, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("GET", "/{}/compatibledistributionsettypes", list_ds_types, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("POST", "/{}/compatibledistributionsettypes", add_ds_types, NULL, ROUTE_BODY_JSON),
    TYPE_ROUTE("DELETE", "/{}/compatibledistributionsettypes/{}", remove_ds_type, NULL,
               ROUTE_BODY_NONE),
    {"POST", MGMT "/targets/{}/targettype", assign_target_type, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/targets/{}/targettype", unassign_target_type, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {0},
};
