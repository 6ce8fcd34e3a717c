/* Metadata of targets, software modules and distribution sets:
 * /rest/v1/{targets/{controllerId}|softwaremodules/{id}|distributionsets/{id}}/metadata
 * [/{key}]. The three owners share every handler; a module's entries also carry
 * targetVisible. Status codes follow hawkBit 0.x like the rest of the server: 201
 * with the created array, 200 with the entry for PUT, 200 without body for DELETE.
 * A soft-deleted module or set can still be read but no longer written (404). */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/metadata_store.h"
#include "store/target_store.h"

/* Resolves path parameter 0 to the owner's row id; false after replying 404. */
static bool load_owner(struct request *req, enum metadata_owner owner, bool writing, int64_t *id)
{
    const char *entity = "SoftwareModule";
    bool deleted = false;
    if (owner == METADATA_TARGET) {
        struct target t;
        if (!mgmt_load_target(req, req->params[0], &t))
            return false;
        *id = t.id;
    } else if (owner == METADATA_SM) {
        struct software_module m;
        if (!mgmt_load_sm(req, 0, &m))
            return false;
        *id = m.id;
        deleted = m.deleted;
    } else {
        struct distribution_set ds;
        entity = "DistributionSet";
        if (!api_path_id(req, 0, entity, id) || !mgmt_load_ds(req, *id, &ds))
            return false;
        deleted = ds.deleted;
    }
    if (writing && deleted) {
        api_fail(req, ERR_NOT_FOUND, "repo.entityNotFound",
                 "%s with given identifier {%lld} does not exist.", entity, (long long)*id);
        return false;
    }
    return true;
}

/* MgmtMetadata, or MgmtSoftwareModuleMetadata for modules. */
static void write_metadata(struct jw *w, enum metadata_owner owner, const struct metadata *m)
{
    jw_obj_begin(w);
    jw_kv_str(w, "key", m->key);
    jw_kv_str_opt(w, "value", m->value);
    if (owner == METADATA_SM)
        jw_kv_bool(w, "targetVisible", m->target_visible);
    jw_obj_end(w);
}

static void metadata_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    write_metadata(w, *(const enum metadata_owner *)ctx, item);
}

static void reply_metadata(struct request *req, enum metadata_owner owner, const struct metadata *m)
{
    struct jw w;
    jw_init(&w);
    write_metadata(&w, owner, m);
    mgmt_reply(req, 200, &w);
}

/* value (and targetVisible for modules) of a create element or a PUT body, over
 * what *m holds already; false after replying 400. */
static bool read_fields(struct request *req, enum metadata_owner owner,
                        const struct json_value *obj, struct metadata *m)
{
    if (!mgmt_body_text(req, obj, "value", METADATA_VALUE_MAX, false, &m->value))
        return false;
    return owner != METADATA_SM || mgmt_body_bool(req, obj, "targetVisible", &m->target_visible);
}

/* The create array [{key!, value, targetVisible}]; false after replying 400. */
static bool read_new_entries(struct request *req, enum metadata_owner owner,
                             struct metadata **items, size_t *n)
{
    struct json_value *doc;
    if (!api_parse_body(req, &doc))
        return false;
    bool ok = mgmt_body_array(req, doc, "metadata", n);
    *items = arena_alloc(&req->arena, sizeof(**items) * (ok ? *n : 1));
    for (size_t i = 0; ok && i < *n; i++) {
        const struct json_value *obj = json_array_at(doc, i);
        struct metadata *m = &(*items)[i];
        *m = (struct metadata){0};
        ok = mgmt_body_object(req, obj, "metadata entry") &&
             mgmt_body_text(req, obj, "key", METADATA_KEY_MAX, true, &m->key) &&
             read_fields(req, owner, obj, m);
    }
    json_doc_free(doc);
    return ok;
}

static void list_metadata(struct request *req, enum metadata_owner owner)
{
    struct list_query q;
    int64_t id, total;
    struct metadata *items;
    size_t count;
    struct error e;
    if (!mgmt_list_query(req, &q) || !load_owner(req, owner, false, &id))
        return;
    if (store_metadata_list(req_store(req), owner, id, &q, &req->arena, &items, &count, &total,
                            &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), metadata_item, &owner);
}

static void create_metadata(struct request *req, enum metadata_owner owner)
{
    struct metadata *items;
    size_t n;
    int64_t id;
    struct error e;
    if (!read_new_entries(req, owner, &items, &n) || !load_owner(req, owner, true, &id))
        return;
    if (store_metadata_create(req_store(req), owner, id, items, n, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        write_metadata(&w, owner, &items[i]);
    jw_arr_end(&w);
    mgmt_reply(req, 201, &w);
}

static void get_metadata(struct request *req, enum metadata_owner owner)
{
    int64_t id;
    struct metadata m;
    struct error e;
    if (!load_owner(req, owner, false, &id))
        return;
    if (store_metadata_get(req_store(req), owner, id, req->params[1], &req->arena, &m, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_metadata(req, owner, &m);
}

/* PUT {value, targetVisible}: members left out keep their current value. */
static void update_metadata(struct request *req, enum metadata_owner owner)
{
    struct json_value *doc;
    int64_t id;
    struct metadata m;
    struct error e;
    if (!api_parse_body(req, &doc))
        return;
    bool ok = load_owner(req, owner, true, &id);
    if (ok &&
        store_metadata_get(req_store(req), owner, id, req->params[1], &req->arena, &m, &e) < 0) {
        mgmt_fail(req, &e);
        ok = false;
    }
    ok = ok && mgmt_body_object(req, doc, "metadata update") && read_fields(req, owner, doc, &m);
    json_doc_free(doc);
    if (!ok)
        return;
    if (store_metadata_update(req_store(req), owner, id, &m, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_metadata(req, owner, &m);
}

static void delete_metadata(struct request *req, enum metadata_owner owner)
{
    int64_t id;
    struct error e;
    if (!load_owner(req, owner, true, &id))
        return;
    if (store_metadata_delete(req_store(req), owner, id, req->params[1], &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

/* One handler per owner and operation, each passing its owner on. */
#define OWNER_HANDLERS(NAME, OWNER)                                                                \
    static void list_##NAME(struct request *req)                                                   \
    {                                                                                              \
        list_metadata(req, OWNER);                                                                 \
    }                                                                                              \
    static void create_##NAME(struct request *req)                                                 \
    {                                                                                              \
        create_metadata(req, OWNER);                                                               \
    }                                                                                              \
    static void get_##NAME(struct request *req)                                                    \
    {                                                                                              \
        get_metadata(req, OWNER);                                                                  \
    }                                                                                              \
    static void update_##NAME(struct request *req)                                                 \
    {                                                                                              \
        update_metadata(req, OWNER);                                                               \
    }                                                                                              \
    static void delete_##NAME(struct request *req)                                                 \
    {                                                                                              \
        delete_metadata(req, OWNER);                                                               \
    }

OWNER_HANDLERS(target_md, METADATA_TARGET)
OWNER_HANDLERS(sm_md, METADATA_SM)
OWNER_HANDLERS(ds_md, METADATA_DS)

const struct route mgmt_metadata_routes[] = {
    {"GET", MGMT "/targets/{}/metadata", list_target_md, mgmt_paging_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/targets/{}/metadata", create_target_md, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"GET", MGMT "/targets/{}/metadata/{}", get_target_md, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"PUT", MGMT "/targets/{}/metadata/{}", update_target_md, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/targets/{}/metadata/{}", delete_target_md, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/softwaremodules/{}/metadata", list_sm_md, mgmt_paging_params, ROUTE_BODY_NONE,
     NULL, mgmt_authorize},
    {"POST", MGMT "/softwaremodules/{}/metadata", create_sm_md, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"GET", MGMT "/softwaremodules/{}/metadata/{}", get_sm_md, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"PUT", MGMT "/softwaremodules/{}/metadata/{}", update_sm_md, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/softwaremodules/{}/metadata/{}", delete_sm_md, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/distributionsets/{}/metadata", list_ds_md, mgmt_paging_params, ROUTE_BODY_NONE,
     NULL, mgmt_authorize},
    {"POST", MGMT "/distributionsets/{}/metadata", create_ds_md, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"GET", MGMT "/distributionsets/{}/metadata/{}", get_ds_md, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"PUT", MGMT "/distributionsets/{}/metadata/{}", update_ds_md, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/distributionsets/{}/metadata/{}", delete_ds_md, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {0},
};
