/* /rest/v1/softwaremoduletypes: create, list, read, update, delete. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/sm_store.h"

#include <string.h>

/* hawkBit's column sizes for type entities. */
#define KEY_MAX 64
#define NAME_MAX_LEN 128
#define DESCRIPTION_MAX 512
#define COLOUR_MAX 16
#define MAX_ASSIGNMENTS_MAX 2147483647

void mgmt_write_sm_type(struct jw *w, struct request *req, const struct sm_type *t)
{
    jw_obj_begin(w);
    mgmt_write_audit(w, &t->audit);
    jw_kv_str(w, "name", t->name);
    jw_kv_str_opt(w, "description", t->description);
    jw_kv_str(w, "key", t->key);
    jw_kv_int(w, "maxAssignments", t->max_assignments);
    jw_kv_int(w, "minArtifacts", t->min_artifacts);
    jw_kv_str_opt(w, "colour", t->colour);
    jw_kv_bool(w, "deleted", t->deleted);
    jw_kv_int(w, "id", t->id);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/softwaremoduletypes/%lld", (long long)t->id);
    jw_obj_end(w);
    jw_obj_end(w);
}

void mgmt_sm_type_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    mgmt_write_sm_type(w, req, item);
}

static bool check_counts(struct request *req, const struct sm_type *t)
{
    if (t->max_assignments < 1 || t->max_assignments > MAX_ASSIGNMENTS_MAX ||
        t->min_artifacts < 0 || t->min_artifacts > MAX_ASSIGNMENTS_MAX) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "maxAssignments must be at least 1 and minArtifacts at least 0");
        return false;
    }
    return true;
}

/* Reads one element of the create array into t (strings copied to the arena);
 * false after replying 400. */
static bool read_new_type(struct request *req, const struct json_value *item, void *out, void *ctx)
{
    struct sm_type *t = out;
    struct error e;
    t->max_assignments = 1;
    if (!mgmt_body_object(req, item, "software module type") ||
        !mgmt_body_text(req, item, "key", KEY_MAX, true, &t->key) ||
        !mgmt_body_text(req, item, "name", NAME_MAX_LEN, true, &t->name) ||
        !mgmt_body_text(req, item, "description", DESCRIPTION_MAX, false, &t->description) ||
        !mgmt_body_text(req, item, "colour", COLOUR_MAX, false, &t->colour))
        return false;
    if (json_member_int(item, "maxAssignments", &t->max_assignments, &e) < 0 ||
        json_member_int(item, "minArtifacts", &t->min_artifacts, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    return check_counts(req, t);
}

static int store_new_type(struct store *s, struct request *req, void *item, void *ctx,
                          struct error *err)
{
    return store_sm_type_create(s, item, req->user, err);
}

static void create_types(struct request *req)
{
    static const struct mgmt_create_ops ops = {"software module types", sizeof(struct sm_type),
                                               read_new_type, store_new_type, mgmt_sm_type_item};
    mgmt_create_array(req, &ops, NULL);
}

static void list_types(struct request *req)
{
    struct list_query q;
    if (!mgmt_list_query(req, &q))
        return;
    struct sm_type *items;
    size_t count;
    int64_t total;
    struct error e;
    if (store_sm_type_list(req_store(req), &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), mgmt_sm_type_item, NULL);
}

static bool load_type(struct request *req, struct sm_type *t)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, "SoftwareModuleType", &id))
        return false;
    if (store_sm_type_get(req_store(req), id, &req->arena, t, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void reply_type(struct request *req, int status, const struct sm_type *t)
{
    struct jw w;
    jw_init(&w);
    mgmt_write_sm_type(&w, req, t);
    mgmt_reply(req, status, &w);
}

/* GET shows soft-deleted types too (deleted: true), as hawkBit does. */
static void get_type(struct request *req)
{
    struct sm_type t;
    if (load_type(req, &t))
        reply_type(req, 200, &t);
}

/* Applies {description, colour} (other members are ignored, as in hawkBit); false
 * after replying 400. */
static bool apply_type_update(struct request *req, struct json_value *doc, struct sm_type *t)
{
    return mgmt_body_object(req, doc, "software module type update") &&
           mgmt_body_text(req, doc, "description", DESCRIPTION_MAX, false, &t->description) &&
           mgmt_body_text(req, doc, "colour", COLOUR_MAX, false, &t->colour);
}

static void update_type(struct request *req)
{
    struct json_value *doc;
    struct sm_type t;
    if (!api_parse_body(req, &doc))
        return;
    if (!load_type(req, &t)) {
        json_doc_free(doc);
        return;
    }
    bool ok = apply_type_update(req, doc, &t);
    json_doc_free(doc);
    struct error e;
    if (!ok)
        return;
    if (store_sm_type_update(req_store(req), &t, req->user, &e) < 0 ||
        store_sm_type_get(req_store(req), t.id, &req->arena, &t, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    reply_type(req, 200, &t);
}

static void delete_type(struct request *req)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, "SoftwareModuleType", &id))
        return;
    if (store_sm_type_delete(req_store(req), id, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

const struct route mgmt_sm_type_routes[] = {
    {"GET", MGMT "/softwaremoduletypes", list_types, mgmt_paging_params, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/softwaremoduletypes", create_types, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"GET", MGMT "/softwaremoduletypes/{}", get_type, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"PUT", MGMT "/softwaremoduletypes/{}", update_type, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"DELETE", MGMT "/softwaremoduletypes/{}", delete_type, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {0},
};
