/* Which targets and distribution sets carry a tag: GET /{tagId}/assigned (paged),
 * assignment in both body generations — 0.9+/1.x plain arrays (["ctrl1", …] / [1, 2])
 * and the 0.5-era object arrays ([{"controllerId": …}] / [{"id": …}]), which are
 * answered with the tagged entities as 0.5 did — and single assign/unassign by path.
 * Unknown entities fail the whole request with 404 unless ?onNotFoundPolicy says
 * otherwise (reference c.3, c.9). */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "store/ds_store.h"
#include "store/tag_store.h"
#include "store/target_store.h"

#include <string.h>

#define CONTROLLER_ID_MAX 256
#define NOT_READABLE "rest.body.notReadable"

static const char *const policy_params[] = {"onNotFoundPolicy", NULL};

/* The entities named by an assignment body. */
struct tag_refs {
    const char **controller_ids; /* target tags */
    int64_t *ds_ids;             /* distribution set tags */
    size_t n;
    bool objects; /* the 0.5-era shape */
};

static bool load_tag(struct request *req, enum tag_kind kind, struct tag *t, int64_t *id)
{
    struct error e;
    if (!api_path_id(req, 0, kind == TAG_TARGET ? "TargetTag" : "DistributionSetTag", id))
        return false;
    if (store_tag_get(req_store(req), kind, *id, &req->arena, t, &e) < 0) {
        mgmt_fail(req, &e);
        return false;
    }
    return true;
}

/* One element: a controller id / DS id, or an object holding it. */
static bool read_ref(struct request *req, enum tag_kind kind, const struct json_value *v,
                     struct tag_refs *refs, size_t i)
{
    bool object = json_kind(v) == JSON_OBJECT;
    if (i > 0 && object != refs->objects) {
        api_fail(req, ERR_INVALID, NOT_READABLE, "Mixed element shapes in the assignment array");
        return false;
    }
    refs->objects = object;
    if (kind == TAG_DS) {
        if (object)
            return mgmt_body_id(req, v, &refs->ds_ids[i]);
        if (!json_is_int(v)) {
            api_fail(req, ERR_INVALID, NOT_READABLE,
                     "Expected an array of distribution set ids or of {\"id\": n}");
            return false;
        }
        refs->ds_ids[i] = json_as_int(v);
        return true;
    }
    const char *id = NULL;
    if (object)
        return mgmt_body_text(req, v, "controllerId", CONTROLLER_ID_MAX, true,
                              &refs->controller_ids[i]);
    id = json_as_string(v);
    if (!id || !*id || strlen(id) > CONTROLLER_ID_MAX) {
        api_fail(req, ERR_INVALID, NOT_READABLE,
                 "Expected an array of controller ids or of {\"controllerId\": id}");
        return false;
    }
    refs->controller_ids[i] = arena_strdup(&req->arena, id);
    return true;
}

/* Parses the body into refs (an empty array is allowed and changes nothing). */
static bool read_refs(struct request *req, enum tag_kind kind, struct tag_refs *refs)
{
    struct json_value *doc;
    memset(refs, 0, sizeof(*refs));
    if (!api_parse_body(req, &doc))
        return false;
    bool ok = json_kind(doc) == JSON_ARRAY;
    if (!ok)
        api_fail(req, ERR_INVALID, NOT_READABLE, "Expected a JSON array");
    refs->n = ok ? json_array_len(doc) : 0;
    refs->controller_ids = arena_alloc(&req->arena, sizeof(char *) * (refs->n + 1));
    refs->ds_ids = arena_alloc(&req->arena, sizeof(int64_t) * (refs->n + 1));
    for (size_t i = 0; ok && i < refs->n; i++)
        ok = read_ref(req, kind, json_array_at(doc, i), refs, i);
    json_doc_free(doc);
    return ok;
}

/* ?onNotFoundPolicy=FAIL (default) | ON_WHAT_FOUND_AND_FAIL | ON_WHAT_FOUND_AND_SUCCESS. */
static bool read_policy(struct request *req, enum tag_unknown *policy, bool *fail_after)
{
    const char *v = http_query(req, "onNotFoundPolicy");
    *policy = TAG_UNKNOWN_FAIL;
    *fail_after = false;
    if (!v || strcmp(v, "FAIL") == 0)
        return true;
    *policy = TAG_UNKNOWN_SKIP;
    *fail_after = strcmp(v, "ON_WHAT_FOUND_AND_FAIL") == 0;
    if (*fail_after || strcmp(v, "ON_WHAT_FOUND_AND_SUCCESS") == 0)
        return true;
    api_fail(req, ERR_INVALID, "rest.param.invalidField",
             "onNotFoundPolicy must be FAIL, ON_WHAT_FOUND_AND_FAIL or ON_WHAT_FOUND_AND_SUCCESS");
    return false;
}

/* Applies refs in one transaction. Returns 0, or a negative err_kind in *e (with
 * `unknown` > 0 and rc 0 when found ones were written and some were not found). */
static int apply_refs(struct request *req, enum tag_kind kind, int64_t tag_id,
                      const struct tag_refs *refs, bool assign, enum tag_unknown policy,
                      size_t *unknown, struct error *e)
{
    struct store *s = req_store(req);
    int rc = store_begin(s, e);
    if (rc < 0)
        return rc;
    rc = kind == TAG_TARGET
             ? store_tag_set_targets(s, tag_id, refs->controller_ids, refs->n, assign, policy,
                                     unknown, e)
             : store_tag_set_ds(s, tag_id, refs->ds_ids, refs->n, assign, policy, unknown, e);
    if (rc < 0) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

/* The 0.5-era answer: the entities named in the body, now tagged. */
static void reply_entities(struct request *req, enum tag_kind kind, const struct tag_refs *refs)
{
    struct jw w;
    struct error e;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < refs->n; i++) {
        struct target t;
        struct distribution_set ds;
        if (kind == TAG_TARGET &&
            store_target_get(req_store(req), refs->controller_ids[i], &req->arena, &t, &e) == 0)
            mgmt_write_target(&w, req, &t, false);
        else if (kind == TAG_DS &&
                 store_ds_get(req_store(req), refs->ds_ids[i], &req->arena, &ds, &e) == 0)
            mgmt_write_ds(&w, req, &ds);
    }
    jw_arr_end(&w);
    mgmt_reply(req, 200, &w);
}

static void change_many(struct request *req, enum tag_kind kind, bool assign)
{
    int64_t tag_id;
    struct tag t;
    struct tag_refs refs;
    enum tag_unknown policy;
    bool fail_after;
    size_t unknown = 0;
    struct error e;
    if (!read_policy(req, &policy, &fail_after) || !load_tag(req, kind, &t, &tag_id) ||
        !read_refs(req, kind, &refs))
        return;
    if (apply_refs(req, kind, tag_id, &refs, assign, policy, &unknown, &e) < 0 ||
        (unknown && fail_after)) {
        mgmt_fail(req, &e);
        return;
    }
    if (refs.objects && assign)
        reply_entities(req, kind, &refs);
    else
        http_reply_empty(req, 200);
}

/* POST|DELETE /{tagId}/assigned/{controllerId | dsId}. */
static void change_one(struct request *req, enum tag_kind kind, bool assign)
{
    int64_t tag_id, ds_id = 0;
    struct tag t;
    size_t unknown;
    struct error e;
    if (!load_tag(req, kind, &t, &tag_id) ||
        (kind == TAG_DS && !api_path_id(req, 1, "DistributionSet", &ds_id)))
        return;
    struct tag_refs refs = {
        .controller_ids = (const char **)&req->params[1], .ds_ids = &ds_id, .n = 1};
    if (apply_refs(req, kind, tag_id, &refs, assign, TAG_UNKNOWN_FAIL, &unknown, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    http_reply_empty(req, 200);
}

static void list_assigned(struct request *req, enum tag_kind kind)
{
    int64_t tag_id;
    struct tag t;
    struct list_query q;
    size_t count;
    int64_t total;
    struct error e;
    void *items;
    if (!load_tag(req, kind, &t, &tag_id) || !mgmt_list_query(req, &q))
        return;
    int rc = kind == TAG_TARGET
                 ? store_target_list_by_tag(req_store(req), tag_id, &q, &req->arena,
                                            (struct target **)&items, &count, &total, &e)
                 : store_ds_list_by_tag(req_store(req), tag_id, &q, &req->arena,
                                        (struct distribution_set **)&items, &count, &total, &e);
    if (rc < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    mgmt_begin_page(&w);
    for (size_t i = 0; i < count; i++) {
        if (kind == TAG_TARGET)
            mgmt_write_target(&w, req, &((struct target *)items)[i], false);
        else
            mgmt_write_ds(&w, req, &((struct distribution_set *)items)[i]);
    }
    mgmt_end_page(&w, count, total);
    mgmt_reply(req, 200, &w);
}

/* Every handler exists once per kind. */
#define ASSIGNMENT_HANDLERS(prefix, kind)                                                          \
    static void prefix##_list(struct request *req)                                                 \
    {                                                                                              \
        list_assigned(req, kind);                                                                  \
    }                                                                                              \
    static void prefix##_assign(struct request *req)                                               \
    {                                                                                              \
        change_many(req, kind, true);                                                              \
    }                                                                                              \
    static void prefix##_unassign(struct request *req)                                             \
    {                                                                                              \
        change_many(req, kind, false);                                                             \
    }                                                                                              \
    static void prefix##_assign_one(struct request *req)                                           \
    {                                                                                              \
        change_one(req, kind, true);                                                               \
    }                                                                                              \
    static void prefix##_unassign_one(struct request *req)                                         \
    {                                                                                              \
        change_one(req, kind, false);                                                              \
    }

ASSIGNMENT_HANDLERS(target_tag, TAG_TARGET)
ASSIGNMENT_HANDLERS(ds_tag, TAG_DS)

#define ROUTE(method, path, fn, query, body)                                                       \
    {                                                                                              \
        method, MGMT path, fn, query, body, NULL, mgmt_authorize                                   \
    }

const struct route mgmt_tag_assignment_routes[] = {
    ROUTE("GET", "/targettags/{}/assigned", target_tag_list, mgmt_paging_params, ROUTE_BODY_NONE),
    ROUTE("POST", "/targettags/{}/assigned", target_tag_assign, policy_params, ROUTE_BODY_JSON),
    ROUTE("PUT", "/targettags/{}/assigned", target_tag_assign, policy_params, ROUTE_BODY_JSON),
    ROUTE("DELETE", "/targettags/{}/assigned", target_tag_unassign, policy_params, ROUTE_BODY_JSON),
    ROUTE("POST", "/targettags/{}/assigned/{}", target_tag_assign_one, NULL, ROUTE_BODY_NONE),
    ROUTE("DELETE", "/targettags/{}/assigned/{}", target_tag_unassign_one, NULL, ROUTE_BODY_NONE),
    ROUTE("GET", "/distributionsettags/{}/assigned", ds_tag_list, mgmt_paging_params,
          ROUTE_BODY_NONE),
    ROUTE("POST", "/distributionsettags/{}/assigned", ds_tag_assign, policy_params,
          ROUTE_BODY_JSON),
    ROUTE("PUT", "/distributionsettags/{}/assigned", ds_tag_assign, policy_params, ROUTE_BODY_JSON),
    ROUTE("DELETE", "/distributionsettags/{}/assigned", ds_tag_unassign, policy_params,
          ROUTE_BODY_JSON),
    ROUTE("POST", "/distributionsettags/{}/assigned/{}", ds_tag_assign_one, NULL, ROUTE_BODY_NONE),
    ROUTE("DELETE", "/distributionsettags/{}/assigned/{}", ds_tag_unassign_one, NULL,
          ROUTE_BODY_NONE),
    {0},
};
