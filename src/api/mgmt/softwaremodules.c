/* /rest/v1/softwaremodules: create, list, read, update, delete. Artifacts of a
 * module are in artifacts.c. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/sm_store.h"
#include "util/log.h"

#include <string.h>

/* hawkBit's column sizes for software modules. */
#define NAME_MAX_LEN 128
#define VERSION_MAX 64
#define VENDOR_MAX 256
#define DESCRIPTION_MAX 512
#define TYPE_KEY_MAX 64

void mgmt_write_sm(struct jw *w, struct request *req, const struct software_module *m)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &m->audit);
    jw_kv_str(w, "name", m->name);
    jw_kv_str_opt(w, "description", m->description);
    jw_kv_str(w, "version", m->version);
    jw_kv_str(w, "type", m->type_key);
    jw_kv_str(w, "typeName", m->type_name);
    jw_kv_str_opt(w, "vendor", m->vendor);
    jw_kv_bool(w, "encrypted", m->encrypted);
    jw_kv_bool(w, "locked", m->locked);
    jw_kv_bool(w, "deleted", m->deleted);
    jw_kv_int(w, "id", m->id);
    jw_key(w, "_links");
    jw_obj_begin(w);
    long long id = (long long)m->id;
    api_write_link(w, req, "self", MGMT "/softwaremodules/%lld", id);
    api_write_link(w, req, "artifacts", MGMT "/softwaremodules/%lld/artifacts", id);
    api_write_link(w, req, "type", MGMT "/softwaremoduletypes/%lld", (long long)m->type_id);
    api_write_link(w, req, "metadata", MGMT "/softwaremodules/%lld/metadata", id);
    jw_obj_end(w);
    jw_obj_end(w);
}

void mgmt_sm_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_sm(w, req, item);
}

bool mgmt_load_sm(struct request *req, int idx, struct software_module *m)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, idx, "SoftwareModule", &id))
        return false;
    if (store_sm_get(req_store(req), id, &req->arena, m, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

/* Reads one element of the create array into m (strings copied to the arena);
 * false after replying 400. */
static bool read_new_sm(struct request *req, const struct json_value *item, void *out, void *ctx)
{
    struct software_module *m = out;
    if (!mgmt_body_object(req, item, "software module") ||
        !mgmt_body_text(req, item, "name", NAME_MAX_LEN, true, &m->name) ||
        !mgmt_body_text(req, item, "version", VERSION_MAX, true, &m->version) ||
        !mgmt_body_text(req, item, "type", TYPE_KEY_MAX, true, &m->type_key) ||
        !mgmt_body_text(req, item, "description", DESCRIPTION_MAX, false, &m->description) ||
        !mgmt_body_text(req, item, "vendor", VENDOR_MAX, false, &m->vendor) ||
        !mgmt_body_bool(req, item, "encrypted", &m->encrypted))
        return false;
    if (m->encrypted) {
        api_fail(req, ERR_INVALID, "artifact.encryptionNotSupported",
                 "Artifact encryption is not supported by this server");
        return false;
    }
    return true;
}

/* Inserts a module and reads it back (for typeName). */
static int store_new_sm(struct store *s, struct request *req, void *item, void *ctx,
                        struct error *err)
{
    struct software_module *m = item;
    int rc = store_sm_create(s, m, req->user, err);
    return rc < 0 ? rc : store_sm_get(s, m->id, &req->arena, m, err);
}

static void create_sms(struct request *req)
{
    static const struct mgmt_create_ops ops = {"software modules", sizeof(struct software_module),
                                               read_new_sm, store_new_sm, mgmt_sm_item};
    mgmt_create_array(req, &ops, NULL);
}

static void list_sms(struct request *req)
{
    struct list_query q;
    if (!mgmt_list_query(req, &q))
        return;
    struct software_module *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_sm_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), mgmt_sm_item, NULL);
}

static void reply_sm(struct request *req, const struct software_module *m)
{
    struct jw w;
    jw_init(&w);
    mgmt_write_sm(&w, req, m);
    mgmt_reply(req, 200, &w);
}

/* GET shows a soft-deleted module too (deleted: true): hawkBit's get(id) is a plain
 * findById, only its lists filter on deleted = false. */
static void get_sm(struct request *req)
{
    struct software_module m;
    if (mgmt_load_sm(req, 0, &m))
        reply_sm(req, &m);
}

/* Applies {description, vendor, locked} (name, version and type are immutable and
 * ignored, as in hawkBit); false after replying 400. */
static bool apply_sm_update(struct request *req, struct json_value *doc, struct software_module *m)
{
    return mgmt_body_object(req, doc, "software module update") &&
           mgmt_body_text(req, doc, "description", DESCRIPTION_MAX, false, &m->description) &&
           mgmt_body_text(req, doc, "vendor", VENDOR_MAX, false, &m->vendor) &&
           mgmt_body_bool(req, doc, "locked", &m->locked);
}

static void update_sm(struct request *req)
{
    struct json_value *doc;
    struct software_module m;
    struct error e;
    if (!api_parse_body(req, &doc))
        return;
    if (!mgmt_load_sm(req, 0, &m)) {
        json_doc_free(doc);
        return;
    }
    if (m.deleted) {
        json_doc_free(doc);
        api_fail(req, ERR_NOT_FOUND, "repo.entityNotFound",
                 "SoftwareModule with given identifier {%lld} does not exist.", (long long)m.id);
        return;
    }
    bool ok = apply_sm_update(req, doc, &m);
    json_doc_free(doc);
    if (!ok)
        return;
    if (store_sm_update(req_store(req), &m, req->user, &e) < 0 ||
        store_sm_get(req_store(req), m.id, &req->arena, &m, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_sm(req, &m);
}

/* The rows go first (one transaction), then the bytes: a crash in between leaves
 * an orphan file, never a row without its file. */
static void delete_sm(struct request *req)
{
    int64_t id;
    const char **keys;
    size_t nkeys;
    struct error e;
    if (!api_path_id(req, 0, "SoftwareModule", &id))
        return;
    if (store_sm_delete(req_store(req), id, req->user, &req->arena, &keys, &nkeys, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct blob_store *blobs = app_worker(req)->app->blobs;
    for (size_t i = 0; i < nkeys; i++)
        if (blob_delete(blobs, keys[i], &e) < 0)
            log_error("software module %lld: %s", (long long)id, e.message);
    http_reply_empty(req, 200);
}

const struct route mgmt_sm_routes[] = {
    {"GET", MGMT "/softwaremodules", list_sms, mgmt_paging_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/softwaremodules", create_sms, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"GET", MGMT "/softwaremodules/{}", get_sm, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"PUT", MGMT "/softwaremodules/{}", update_sm, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"DELETE", MGMT "/softwaremodules/{}", delete_sm, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {0},
};
