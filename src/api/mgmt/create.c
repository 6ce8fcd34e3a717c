/* The create endpoints of the Management API: an array of new entities in, all
 * created in one transaction (or none), the created array out with 201. */
#include "api/mgmt/body_read.h"
#include "api/mgmt/common.h"

#include <string.h>

struct create_run {
    struct request *req;
    const struct mgmt_create_ops *ops;
    void *ctx;
    char *items;
    size_t n;
};

static int store_all(struct store *s, struct arena *a, void *arg, struct error *err)
{
    struct create_run *run = arg;
    for (size_t i = 0; i < run->n; i++) {
        int rc = run->ops->store(s, run->req, run->items + i * run->ops->item_size, run->ctx, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void mgmt_create_array(struct request *req, const struct mgmt_create_ops *ops, void *ctx)
{
    struct json_value *doc;
    struct create_run run = {req, ops, ctx, NULL, 0};
    if (!api_parse_body(req, &doc))
        return;
    bool ok = mgmt_body_array(req, doc, ops->what, &run.n);
    if (ok) {
        run.items = arena_alloc(&req->arena, ops->item_size * run.n);
        memset(run.items, 0, ops->item_size * run.n);
    }
    for (size_t i = 0; ok && i < run.n; i++)
        ok = ops->read(req, json_array_at(doc, i), run.items + i * ops->item_size, ctx);
    json_doc_free(doc); /* readers copy what they keep into the request arena */
    struct error e = {0};
    if (!ok)
        return;
    if (store_transaction(req_store(req), store_all, &run, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_arr_begin(&w);
    for (size_t i = 0; i < run.n; i++)
        ops->write(&w, req, run.items + i * ops->item_size, ctx);
    jw_arr_end(&w);
    mgmt_reply(req, 201, &w);
}
