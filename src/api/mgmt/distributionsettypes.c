/* /rest/v1/distributionsettypes: create, list, read, update, delete, and the mandatory
 * and optional software module types of each. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/ds_type_store.h"

#include <string.h>

#define TYPE_KEY_MAX 64
#define TYPE_NAME_MAX 128
#define TYPE_DESCRIPTION_MAX 512
#define TYPE_COLOUR_MAX 16
#define DS_TYPE_ENTITY "DistributionSetType"
#define SM_TYPE_ENTITY "SoftwareModuleType"

void mgmt_write_ds_type(struct jw *w, struct request *req, const struct ds_type *t)
{
    long long id = (long long)t->id;
    jw_obj_begin(w);
    mgmt_write_audit(w, &t->audit);
    jw_kv_str(w, "name", t->name);
    jw_kv_str_opt(w, "description", t->description);
    jw_kv_str(w, "key", t->key);
    jw_kv_str_opt(w, "colour", t->colour);
    jw_kv_bool(w, "deleted", t->deleted);
    jw_kv_int(w, "id", t->id);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/distributionsettypes/%lld", id);
    api_write_link(w, req, "mandatorymodules",
                   MGMT "/distributionsettypes/%lld/mandatorymoduletypes", id);
    api_write_link(w, req, "optionalmodules", MGMT "/distributionsettypes/%lld/optionalmoduletypes",
                   id);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void ds_type_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_ds_type(w, req, item);
}

/* MgmtSoftwareModuleType as listed under a DS type. */
static void write_sm_type(struct jw *w, struct request *req, const struct sm_type *t)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &t->audit);
    jw_kv_str(w, "name", t->name);
    jw_kv_str_opt(w, "description", t->description);
    jw_kv_str(w, "key", t->key);
    jw_kv_str_opt(w, "colour", t->colour);
    jw_kv_bool(w, "deleted", t->deleted);
    jw_kv_int(w, "id", t->id);
    jw_kv_int(w, "maxAssignments", t->max_assignments);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/softwaremoduletypes/%lld", (long long)t->id);
    jw_obj_end(w);
    jw_obj_end(w);
}

static bool load_type(struct request *req, int64_t id, struct ds_type *t)
{
    struct error e;
    if (store_ds_type_get(req_store(req), id, &req->arena, t, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void reply_type(struct request *req, int status, const struct ds_type *t)
{
    struct jw w;
    jw_init(&w);
    mgmt_write_ds_type(&w, req, t);
    mgmt_reply(req, status, &w);
}

/* One element of the create array, with its module type ids. */
struct new_type {
    struct ds_type t;
    int64_t *mandatory, *optional;
    size_t n_mandatory, n_optional;
};

static bool read_new_type(struct request *req, const struct json_value *item, struct new_type *out)
{
    memset(out, 0, sizeof(*out));
    return mgmt_body_object(req, item, "distribution set type") &&
           mgmt_body_text(req, item, "key", TYPE_KEY_MAX, true, &out->t.key) &&
           mgmt_body_text(req, item, "name", TYPE_NAME_MAX, true, &out->t.name) &&
           mgmt_body_text(req, item, "description", TYPE_DESCRIPTION_MAX, false,
                          &out->t.description) &&
           mgmt_body_text(req, item, "colour", TYPE_COLOUR_MAX, false, &out->t.colour) &&
           mgmt_body_id_list(req, json_get(item, "mandatorymodules"), "mandatorymodules", true,
                             &out->mandatory, &out->n_mandatory) &&
           mgmt_body_id_list(req, json_get(item, "optionalmodules"), "optionalmodules", true,
                             &out->optional, &out->n_optional);
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
    return store_ds_type_create(s, &nt->t, nt->mandatory, nt->n_mandatory, nt->optional,
                                nt->n_optional, req->user, err);
}

static void write_type_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_ds_type(w, req, &((const struct new_type *)item)->t);
}

static void create_types(struct request *req)
{
    static const struct mgmt_create_ops ops = {"distribution set types", sizeof(struct new_type),
                                               read_type_item, store_type_item, write_type_item};
    mgmt_create_array(req, &ops, NULL);
}

static void list_types(struct request *req)
{
    struct list_query q;
    if (!mgmt_list_query(req, &q))
        return;
    struct ds_type *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_ds_type_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), ds_type_item, NULL);
}

static void get_type(struct request *req)
{
    int64_t id;
    struct ds_type t;
    if (api_path_id(req, 0, DS_TYPE_ENTITY, &id) && load_type(req, id, &t))
        reply_type(req, 200, &t);
}

static void update_type(struct request *req)
{
    int64_t id;
    struct json_value *doc;
    struct ds_type t;
    if (!api_path_id(req, 0, DS_TYPE_ENTITY, &id) || !api_parse_body(req, &doc))
        return;
    bool ok =
        load_type(req, id, &t) && mgmt_body_object(req, doc, "update") &&
        mgmt_body_text(req, doc, "description", TYPE_DESCRIPTION_MAX, false, &t.description) &&
        mgmt_body_text(req, doc, "colour", TYPE_COLOUR_MAX, false, &t.colour);
    json_doc_free(doc);
    if (!ok)
        return;
    struct error e;
    if (store_ds_type_update(req_store(req), &t, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    if (load_type(req, id, &t))
        reply_type(req, 200, &t);
}

static void delete_type(struct request *req)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, DS_TYPE_ENTITY, &id))
        return;
    if (store_ds_type_delete(req_store(req), id, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void list_elements(struct request *req, bool mandatory)
{
    int64_t id;
    struct ds_type t;
    if (!api_path_id(req, 0, DS_TYPE_ENTITY, &id) || !load_type(req, id, &t))
        return;
    struct sm_type *items;
    size_t count;
    struct error e;
    if (store_ds_type_elements(req_store(req), id, mandatory, &req->arena, &items, &count, &e) <
        0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < count; i++)
        write_sm_type(&w, req, &items[i]);
    jw_arr_end(&w);
    mgmt_reply(req, 200, &w);
}

static void get_element(struct request *req, bool mandatory)
{
    int64_t id, sm_type_id;
    struct ds_type t;
    struct sm_type smt;
    struct error e;
    if (!api_path_id(req, 0, DS_TYPE_ENTITY, &id) ||
        !api_path_id(req, 1, SM_TYPE_ENTITY, &sm_type_id) || !load_type(req, id, &t))
        return;
    if (store_ds_type_element(req_store(req), id, sm_type_id, mandatory, &req->arena, &smt, &e) <
        0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    write_sm_type(&w, req, &smt);
    mgmt_reply(req, 200, &w);
}

static void add_element(struct request *req, bool mandatory)
{
    int64_t id, sm_type_id;
    struct json_value *doc;
    if (!api_path_id(req, 0, DS_TYPE_ENTITY, &id) || !api_parse_body(req, &doc))
        return;
    bool ok =
        mgmt_body_object(req, doc, "module type reference") && mgmt_body_id(req, doc, &sm_type_id);
    json_doc_free(doc);
    if (!ok)
        return;
    struct store *s = req_store(req);
    struct error e;
    int rc = store_begin(s, &e);
    if (rc == 0 &&
        (rc = store_ds_type_add_element(s, id, sm_type_id, mandatory, req->user, &e)) < 0)
        store_rollback(s);
    if (rc == 0)
        rc = store_commit(s, &e);
    if (rc < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void remove_element(struct request *req, bool mandatory)
{
    int64_t id, sm_type_id;
    struct error e;
    if (!api_path_id(req, 0, DS_TYPE_ENTITY, &id) ||
        !api_path_id(req, 1, SM_TYPE_ENTITY, &sm_type_id))
        return;
    if (store_ds_type_remove_element(req_store(req), id, sm_type_id, mandatory, req->user, &e) <
        0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

/* The element routes exist twice, for the mandatory and the optional list. */
#define ELEMENT_HANDLERS(kind, mandatory)                                                          \
    static void list_##kind(struct request *req)                                                   \
    {                                                                                              \
        list_elements(req, mandatory);                                                             \
    }                                                                                              \
    static void get_##kind(struct request *req)                                                    \
    {                                                                                              \
        get_element(req, mandatory);                                                               \
    }                                                                                              \
    static void add_##kind(struct request *req)                                                    \
    {                                                                                              \
        add_element(req, mandatory);                                                               \
    }                                                                                              \
    static void remove_##kind(struct request *req)                                                 \
    {                                                                                              \
        remove_element(req, mandatory);                                                            \
    }

ELEMENT_HANDLERS(mandatory, true)
ELEMENT_HANDLERS(optional, false)

#define TYPE_ROUTE(method, path, fn, query, body)                                                  \
    {                                                                                              \
        method, MGMT "/distributionsettypes" path, fn, query, body, NULL, mgmt_authorize           \
    }

const struct route mgmt_ds_type_routes[] = {
    TYPE_ROUTE("GET", "", list_types, mgmt_paging_params, ROUTE_BODY_NONE),
    TYPE_ROUTE("POST", "", create_types, NULL, ROUTE_BODY_JSON),
    TYPE_ROUTE("GET", "/{}", get_type, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("PUT", "/{}", update_type, NULL, ROUTE_BODY_JSON),
    TYPE_ROUTE("DELETE", "/{}", delete_type, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("GET", "/{}/mandatorymoduletypes", list_mandatory, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("POST", "/{}/mandatorymoduletypes", add_mandatory, NULL, ROUTE_BODY_JSON),
    TYPE_ROUTE("GET", "/{}/mandatorymoduletypes/{}", get_mandatory, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("DELETE", "/{}/mandatorymoduletypes/{}", remove_mandatory, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("GET", "/{}/optionalmoduletypes", list_optional, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("POST", "/{}/optionalmoduletypes", add_optional, NULL, ROUTE_BODY_JSON),
    TYPE_ROUTE("GET", "/{}/optionalmoduletypes/{}", get_optional, NULL, ROUTE_BODY_NONE),
    TYPE_ROUTE("DELETE", "/{}/optionalmoduletypes/{}", remove_optional, NULL, ROUTE_BODY_NONE),
    {0},
};
