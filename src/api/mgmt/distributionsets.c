/* /rest/v1/distributionsets: create, list, read, update, delete; the modules of a set
 * (assignedSM) and the targets that have it assigned or installed. Assigning a set to
 * targets (POST …/assignedTargets) lives in assignment.c. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/ds_store.h"
#include "store/target_store.h"
#include "util/log.h"

#include <string.h>

#define DS_NAME_MAX 128
#define DS_VERSION_MAX 64
#define DS_DESCRIPTION_MAX 512
#define DS_TYPE_KEY_MAX 64
#define DS_ENTITY "DistributionSet"

void mgmt_write_ds_module(struct jw *w, struct request *req, const struct software_module *m)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &m->audit);
    jw_kv_str(w, "name", m->name);
    jw_kv_str_opt(w, "description", m->description);
    jw_kv_int(w, "id", m->id);
    jw_kv_str(w, "version", m->version);
    jw_kv_str(w, "type", m->type_key);
    jw_kv_str(w, "typeName", m->type_name);
    jw_kv_str_opt(w, "vendor", m->vendor);
    jw_kv_bool(w, "encrypted", m->encrypted);
    jw_kv_bool(w, "locked", m->locked);
    jw_kv_bool(w, "deleted", m->deleted);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/softwaremodules/%lld", (long long)m->id);
    jw_obj_end(w);
    jw_obj_end(w);
}

void mgmt_ds_module_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_ds_module(w, req, item);
}

static void write_ds_modules(struct jw *w, struct request *req, int64_t ds_id)
{
    struct software_module *mods;
    size_t n;
    struct error e;
    if (store_ds_modules_all(req_store(req), ds_id, &req->arena, &mods, &n, &e) < 0) {
        log_error("cannot read modules of distribution set id=%lld: %s", (long long)ds_id,
                  e.message);
        w->failed = true;
        return;
    }
    jw_key(w, "modules");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        mgmt_write_ds_module(w, req, &mods[i]);
    jw_arr_end(w);
}

static void write_ds_links(struct jw *w, struct request *req, const struct distribution_set *ds)
{
    long long id = (long long)ds->id;
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/distributionsets/%lld", id);
    api_write_link(w, req, "assignedSM", MGMT "/distributionsets/%lld/assignedSM", id);
    api_write_link(w, req, "modules", MGMT "/distributionsets/%lld/assignedSM?offset=0&limit=50",
                   id);
    api_write_link(w, req, "type", MGMT "/distributionsettypes/%lld", (long long)ds->type_id);
    api_write_link(w, req, "metadata", MGMT "/distributionsets/%lld/metadata?offset=0&limit=50",
                   id);
    jw_obj_end(w);
}

void mgmt_write_ds(struct jw *w, struct request *req, const struct distribution_set *ds)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &ds->audit);
    jw_kv_str(w, "name", ds->name);
    jw_kv_str_opt(w, "description", ds->description);
    jw_kv_int(w, "id", ds->id);
    jw_kv_str(w, "version", ds->version);
    jw_kv_str(w, "type", ds->type_key);
    jw_kv_str(w, "typeName", ds->type_name);
    jw_kv_bool(w, "complete", ds->complete);
    jw_kv_bool(w, "locked", ds->locked);
    jw_kv_bool(w, "deleted", ds->deleted);
    jw_kv_bool(w, "valid", ds->valid);
    jw_kv_bool(w, "requiredMigrationStep", ds->required_migration_step);
    write_ds_modules(w, req, ds->id);
    write_ds_links(w, req, ds);
    jw_obj_end(w);
}

void mgmt_ds_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_ds(w, req, item);
}

bool mgmt_load_ds(struct request *req, int64_t id, struct distribution_set *ds)
{
    struct error e;
    if (store_ds_get(req_store(req), id, &req->arena, ds, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void reply_ds(struct request *req, int status, const struct distribution_set *ds)
{
    struct jw w;
    jw_init(&w);
    mgmt_write_ds(&w, req, ds);
    mgmt_reply(req, status, &w);
}

/* One element of the create array, with the modules it names. */
struct new_ds {
    struct distribution_set ds;
    int64_t *modules;
    size_t n_modules;
};

/* hawkBit ≤0.5 also took one module each under "os", "runtime" and "application". */
static bool read_legacy_modules(struct request *req, const struct json_value *item,
                                struct new_ds *out)
{
    static const char *const keys[] = {"os", "runtime", "application"};
    int64_t *all = arena_alloc(&req->arena, sizeof(*all) * (out->n_modules + 3));
    if (out->n_modules)
        memcpy(all, out->modules, sizeof(*all) * out->n_modules);
    for (size_t i = 0; i < 3; i++) {
        const struct json_value *v = json_get(item, keys[i]);
        if (!v || json_kind(v) == JSON_NULL)
            continue;
        if (!mgmt_body_object(req, v, keys[i]) || !mgmt_body_id(req, v, &all[out->n_modules]))
            return false;
        out->n_modules++;
    }
    out->modules = all;
    return true;
}

static bool read_new_ds(struct request *req, const struct json_value *item, struct new_ds *out)
{
    struct distribution_set *ds = &out->ds;
    memset(out, 0, sizeof(*out));
    return mgmt_body_object(req, item, "distribution set") &&
           mgmt_body_text(req, item, "name", DS_NAME_MAX, true, &ds->name) &&
           mgmt_body_text(req, item, "version", DS_VERSION_MAX, true, &ds->version) &&
           mgmt_body_text(req, item, "description", DS_DESCRIPTION_MAX, false, &ds->description) &&
           mgmt_body_text(req, item, "type", DS_TYPE_KEY_MAX, false, &ds->type_key) &&
           mgmt_body_bool(req, item, "requiredMigrationStep", &ds->required_migration_step) &&
           mgmt_body_bool(req, item, "locked", &ds->locked) &&
           mgmt_body_id_list(req, json_get(item, "modules"), "modules", true, &out->modules,
                             &out->n_modules) &&
           read_legacy_modules(req, item, out);
}

static bool read_set_item(struct request *req, const struct json_value *json, void *item, void *ctx)
{
    return read_new_ds(req, json, item);
}

static int store_set_item(struct store *s, struct request *req, void *item, void *ctx,
                          struct error *err)
{
    struct new_ds *nd = item;
    return store_ds_create(s, &nd->ds, nd->modules, nd->n_modules, req->user, &req->arena, err);
}

static void write_set_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_ds(w, req, &((const struct new_ds *)item)->ds);
}

static void create_sets(struct request *req)
{
    static const struct mgmt_create_ops ops = {"distribution sets", sizeof(struct new_ds),
                                               read_set_item, store_set_item, write_set_item};
    mgmt_create_array(req, &ops, NULL);
}

static void list_sets(struct request *req)
{
    struct list_query q;
    if (!mgmt_list_query(req, &q))
        return;
    struct distribution_set *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_ds_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), mgmt_ds_item, NULL);
}

static void get_set(struct request *req)
{
    int64_t id;
    struct distribution_set ds;
    if (api_path_id(req, 0, DS_ENTITY, &id) && mgmt_load_ds(req, id, &ds))
        reply_ds(req, 200, &ds);
}

/* Applies the fields present in the PUT body; false after replying 400. */
static bool apply_ds_update(struct request *req, const struct json_value *doc,
                            struct distribution_set *ds)
{
    if (!mgmt_body_object(req, doc, "update") ||
        !mgmt_body_text(req, doc, "name", DS_NAME_MAX, false, &ds->name) ||
        !mgmt_body_text(req, doc, "version", DS_VERSION_MAX, false, &ds->version) ||
        !mgmt_body_text(req, doc, "description", DS_DESCRIPTION_MAX, false, &ds->description) ||
        !mgmt_body_bool(req, doc, "requiredMigrationStep", &ds->required_migration_step) ||
        !mgmt_body_bool(req, doc, "locked", &ds->locked))
        return false;
    if (!*ds->name || !*ds->version) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "name and version may not be empty");
        return false;
    }
    return true;
}

static void update_set(struct request *req)
{
    int64_t id;
    struct json_value *doc;
    struct distribution_set ds;
    if (!api_path_id(req, 0, DS_ENTITY, &id) || !api_parse_body(req, &doc))
        return;
    bool ok = mgmt_load_ds(req, id, &ds) && apply_ds_update(req, doc, &ds);
    json_doc_free(doc);
    if (!ok)
        return;
    struct store *s = req_store(req);
    struct error e;
    int rc = store_begin(s, &e);
    if (rc == 0 && (rc = store_ds_update(s, &ds, req->user, &e)) < 0)
        store_rollback(s);
    if (rc == 0)
        rc = store_commit(s, &e);
    if (rc < 0) {
        mgmt_fail(req, &e);
        return;
    }
    if (mgmt_load_ds(req, id, &ds))
        reply_ds(req, 200, &ds);
}

static void delete_set(struct request *req)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, DS_ENTITY, &id))
        return;
    if (store_ds_delete(req_store(req), id, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void list_modules(struct request *req)
{
    int64_t id;
    struct distribution_set ds;
    struct list_query q;
    if (!api_path_id(req, 0, DS_ENTITY, &id) || !mgmt_load_ds(req, id, &ds) ||
        !mgmt_list_query(req, &q))
        return;
    struct software_module *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_ds_modules(req_store(req), id, &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), mgmt_ds_module_item, NULL);
}

static void add_modules(struct request *req)
{
    int64_t id, *ids;
    size_t n;
    struct json_value *doc;
    if (!api_path_id(req, 0, DS_ENTITY, &id) || !api_parse_body(req, &doc))
        return;
    bool ok = mgmt_body_id_list(req, doc, "body", false, &ids, &n);
    json_doc_free(doc);
    if (!ok)
        return;
    struct store *s = req_store(req);
    struct error e;
    int rc = store_begin(s, &e);
    if (rc == 0 && (rc = store_ds_add_modules(s, id, ids, n, req->user, &e)) < 0)
        store_rollback(s);
    if (rc == 0)
        rc = store_commit(s, &e);
    if (rc < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct distribution_set ds;
    if (mgmt_load_ds(req, id, &ds))
        reply_ds(req, 200, &ds);
}

static void remove_module(struct request *req)
{
    int64_t id, sm_id;
    struct error e;
    if (!api_path_id(req, 0, DS_ENTITY, &id) || !api_path_id(req, 1, "SoftwareModule", &sm_id))
        return;
    if (store_ds_remove_module(req_store(req), id, sm_id, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void list_targets(struct request *req, bool installed)
{
    int64_t id;
    struct distribution_set ds;
    struct list_query q;
    if (!api_path_id(req, 0, DS_ENTITY, &id) || !mgmt_load_ds(req, id, &ds) ||
        !mgmt_list_query(req, &q))
        return;
    struct target *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_target_list_by_ds(req_store(req), id, installed, &q, &req->arena, &items, &count,
                                &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), mgmt_target_item, NULL);
}

static void list_assigned_targets(struct request *req)
{
    list_targets(req, false);
}

static void list_installed_targets(struct request *req)
{
    list_targets(req, true);
}

#define DS_ROUTE(method, path, fn, query, body)                                                    \
    {                                                                                              \
        method, MGMT "/distributionsets" path, fn, query, body, NULL, mgmt_authorize               \
    }

const struct route mgmt_ds_routes[] = {
    DS_ROUTE("GET", "", list_sets, mgmt_paging_params, ROUTE_BODY_NONE),
    DS_ROUTE("POST", "", create_sets, NULL, ROUTE_BODY_JSON),
    DS_ROUTE("GET", "/{}", get_set, NULL, ROUTE_BODY_NONE),
    DS_ROUTE("PUT", "/{}", update_set, NULL, ROUTE_BODY_JSON),
    DS_ROUTE("DELETE", "/{}", delete_set, NULL, ROUTE_BODY_NONE),
    DS_ROUTE("GET", "/{}/assignedSM", list_modules, mgmt_paging_params, ROUTE_BODY_NONE),
    DS_ROUTE("POST", "/{}/assignedSM", add_modules, NULL, ROUTE_BODY_JSON),
    DS_ROUTE("DELETE", "/{}/assignedSM/{}", remove_module, NULL, ROUTE_BODY_NONE),
    DS_ROUTE("GET", "/{}/assignedTargets", list_assigned_targets, mgmt_paging_params,
             ROUTE_BODY_NONE),
    DS_ROUTE("GET", "/{}/installedTargets", list_installed_targets, mgmt_paging_params,
             ROUTE_BODY_NONE),
    {0},
};
