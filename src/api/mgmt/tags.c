/* /rest/v1/targettags and /rest/v1/distributionsettags: create, list, read, update,
 * delete (both kinds share every handler), and GET /targets/{id}/tags. Which entities
 * carry a tag is in tag_assignment.c. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/tag_store.h"

#include <string.h>

#define TAG_NAME_MAX 64
#define TAG_DESCRIPTION_MAX 512
#define TAG_COLOUR_MAX 16

static const char *collection(enum tag_kind kind)
{
    return kind == TAG_TARGET ? MGMT "/targettags" : MGMT "/distributionsettags";
}

static const char *entity(enum tag_kind kind)
{
    return kind == TAG_TARGET ? "TargetTag" : "DistributionSetTag";
}

/* MgmtTag with its links: self and the paged list of tagged entities. */
static void write_tag(struct jw *w, struct request *req, enum tag_kind kind, const struct tag *t)
{
    long long id = (long long)t->id;
    jw_obj_begin(w);
    mgmt_write_audit(w, &t->audit);
    jw_kv_str(w, "name", t->name);
    jw_kv_str_opt(w, "description", t->description);
    jw_kv_str_opt(w, "colour", t->colour);
    jw_kv_int(w, "id", t->id);
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", "%s/%lld", collection(kind), id);
    api_write_link(w, req, kind == TAG_TARGET ? "assignedTargets" : "assignedDistributionSets",
                   "%s/%lld/assigned?offset=0&limit=50", collection(kind), id);
    jw_obj_end(w);
    jw_obj_end(w);
}

static bool load_tag(struct request *req, enum tag_kind kind, int64_t id, struct tag *t)
{
    struct error e;
    if (store_tag_get(req_store(req), kind, id, &req->arena, t, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

static void reply_tag(struct request *req, int status, enum tag_kind kind, const struct tag *t)
{
    struct jw w;
    jw_init(&w);
    write_tag(&w, req, kind, t);
    mgmt_reply(req, status, &w);
}

/* name, description and colour of a create (name required) or update body. */
static bool read_tag_body(struct request *req, const struct json_value *obj, bool create,
                          struct tag *t)
{
    return mgmt_body_object(req, obj, "tag") &&
           mgmt_body_text(req, obj, "name", TAG_NAME_MAX, create, &t->name) &&
           mgmt_body_text(req, obj, "description", TAG_DESCRIPTION_MAX, false, &t->description) &&
           mgmt_body_text(req, obj, "colour", TAG_COLOUR_MAX, false, &t->colour);
}

static bool read_tag_item(struct request *req, const struct json_value *json, void *item, void *ctx)
{
    return read_tag_body(req, json, true, item);
}

static int store_tag_item(struct store *s, struct request *req, void *item, void *ctx,
                          struct error *err)
{
    return store_tag_create(s, *(const enum tag_kind *)ctx, item, req->user, err);
}

static void write_tag_item(struct jw *w, struct request *req, const void *item, void *ctx)
{
    write_tag(w, req, *(const enum tag_kind *)ctx, item);
}

static void create_tags(struct request *req, enum tag_kind kind)
{
    static const struct mgmt_create_ops ops = {"tags", sizeof(struct tag), read_tag_item,
                                               store_tag_item, write_tag_item};
    mgmt_create_array(req, &ops, &kind);
}

static void list_tags(struct request *req, enum tag_kind kind)
{
    struct list_query q;
    struct tag *items;
    size_t count;
    int64_t total;
    struct error e;
    if (!mgmt_list_query(req, &q))
        return;
    if (store_tag_list(req_store(req), kind, &q, &req->arena, &items, &count, &total, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    mgmt_reply_page(req, items, count, total, sizeof(*items), write_tag_item, &kind);
}

static void get_tag(struct request *req, enum tag_kind kind)
{
    int64_t id;
    struct tag t;
    if (api_path_id(req, 0, entity(kind), &id) && load_tag(req, kind, id, &t))
        reply_tag(req, 200, kind, &t);
}

static void update_tag(struct request *req, enum tag_kind kind)
{
    int64_t id;
    struct json_value *doc;
    struct tag t;
    struct error e;
    if (!api_path_id(req, 0, entity(kind), &id) || !api_parse_body(req, &doc))
        return;
    bool ok = load_tag(req, kind, id, &t) && read_tag_body(req, doc, false, &t);
    json_doc_free(doc);
    if (!ok)
        return;
    if (!*t.name) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Field 'name' must not be empty");
        return;
    }
    if (store_tag_update(req_store(req), kind, &t, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    if (load_tag(req, kind, id, &t))
        reply_tag(req, 200, kind, &t);
}

static void delete_tag(struct request *req, enum tag_kind kind)
{
    int64_t id;
    struct error e;
    if (!api_path_id(req, 0, entity(kind), &id))
        return;
    if (store_tag_delete(req_store(req), kind, id, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

/* GET /targets/{controllerId}/tags: a plain array of the target's tags. */
static void list_target_tags(struct request *req)
{
    struct target t;
    struct tag *items;
    size_t count;
    struct error e;
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    if (store_tag_list_of_target(req_store(req), t.id, &req->arena, &items, &count, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < count; i++)
        write_tag(&w, req, TAG_TARGET, &items[i]);
    jw_arr_end(&w);
    mgmt_reply(req, 200, &w);
}

/* Every handler exists once per kind. */
#define TAG_HANDLERS(prefix, kind)                                                                 \
    static void prefix##_create(struct request *req)                                               \
    {                                                                                              \
        create_tags(req, kind);                                                                    \
    }                                                                                              \
    static void prefix##_list(struct request *req)                                                 \
    {                                                                                              \
        list_tags(req, kind);                                                                      \
    }                                                                                              \
    static void prefix##_get(struct request *req)                                                  \
    {                                                                                              \
        get_tag(req, kind);                                                                        \
    }                                                                                              \
    static void prefix##_update(struct request *req)                                               \
    {                                                                                              \
        update_tag(req, kind);                                                                     \
    }                                                                                              \
    static void prefix##_delete(struct request *req)                                               \
    {                                                                                              \
        delete_tag(req, kind);                                                                     \
    }

TAG_HANDLERS(target_tag, TAG_TARGET)
TAG_HANDLERS(ds_tag, TAG_DS)

#define TAG_ROUTE(method, path, fn, query, body)                                                   \
    {                                                                                              \
        method, MGMT path, fn, query, body, NULL, mgmt_authorize                                   \
    }

const struct route mgmt_tag_routes[] = {
    TAG_ROUTE("GET", "/targettags", target_tag_list, mgmt_paging_params, ROUTE_BODY_NONE),
    TAG_ROUTE("POST", "/targettags", target_tag_create, NULL, ROUTE_BODY_JSON),
    TAG_ROUTE("GET", "/targettags/{}", target_tag_get, NULL, ROUTE_BODY_NONE),
    TAG_ROUTE("PUT", "/targettags/{}", target_tag_update, NULL, ROUTE_BODY_JSON),
    TAG_ROUTE("DELETE", "/targettags/{}", target_tag_delete, NULL, ROUTE_BODY_NONE),
    TAG_ROUTE("GET", "/distributionsettags", ds_tag_list, mgmt_paging_params, ROUTE_BODY_NONE),
    TAG_ROUTE("POST", "/distributionsettags", ds_tag_create, NULL, ROUTE_BODY_JSON),
    TAG_ROUTE("GET", "/distributionsettags/{}", ds_tag_get, NULL, ROUTE_BODY_NONE),
    TAG_ROUTE("PUT", "/distributionsettags/{}", ds_tag_update, NULL, ROUTE_BODY_JSON),
    TAG_ROUTE("DELETE", "/distributionsettags/{}", ds_tag_delete, NULL, ROUTE_BODY_NONE),
    TAG_ROUTE("GET", "/targets/{}/tags", list_target_tags, NULL, ROUTE_BODY_NONE),
    {0},
};
