/* Distribution-set views on a target: GET /targets/{c}/assignedDS and …/installedDS,
 * and the DS summaries inside the target object. Assigning (POST …/assignedDS) lives
 * in assignment.c. */
#include "api/mgmt/views.h"

#include "store/ds_store.h"
#include "util/log.h"

/* Writes "key": {"id", "name", "version"} when ds_id refers to a readable set. */
static void write_summary(struct jw *w, struct request *req, const char *key, int64_t ds_id)
{
    struct distribution_set ds;
    struct error e;
    if (ds_id < 0)
        return;
    if (store_ds_get(req_store(req), ds_id, &req->arena, &ds, &e) < 0) {
        log_warn("target refers to unreadable distribution set id=%lld: %s", (long long)ds_id,
                 e.message);
        return;
    }
    jw_key(w, key);
    jw_obj_begin(w);
    jw_kv_int(w, "id", ds.id);
    jw_kv_str(w, "name", ds.name);
    jw_kv_str(w, "version", ds.version);
    jw_obj_end(w);
}

void mgmt_write_target_ds_summary(struct jw *w, struct request *req, const struct target *t)
{
    write_summary(w, req, "installedDistributionSet", t->installed_ds_id);
    write_summary(w, req, "assignedDistributionSet", t->assigned_ds_id);
}

/* 200 with the full set, or 204 when the target has none. */
static void reply_target_ds(struct request *req, bool installed)
{
    struct target t;
    struct distribution_set ds;
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    int64_t ds_id = installed ? t.installed_ds_id : t.assigned_ds_id;
    if (ds_id < 0) {
        http_reply_empty(req, 204);
        return;
    }
    if (!mgmt_load_ds(req, ds_id, &ds))
        return;
    struct jw w;
    jw_init(&w);
    mgmt_write_ds(&w, req, &ds);
    mgmt_reply(req, 200, &w);
}

static void get_assigned_ds(struct request *req)
{
    reply_target_ds(req, false);
}

static void get_installed_ds(struct request *req)
{
    reply_target_ds(req, true);
}

const struct route mgmt_target_ds_routes[] = {
    {"GET", MGMT "/targets/{}/assignedDS", get_assigned_ds, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"GET", MGMT "/targets/{}/installedDS", get_installed_ds, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {0},
};
