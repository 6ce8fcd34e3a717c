/* What a device reads about its actions: deploymentBase/{a}, cancelAction/{a},
 * installedBase/{a}, and PUT installedBase (an installation made without an
 * action). */
#include "api/ddi/common.h"
#include "api/ddi/deployment_view.h"

#include "core/controller.h"
#include "store/ds_store.h"

#include <stdio.h>
#include <string.h>

static bool is_canceling(const struct action *x)
{
    return strcmp(x->status, ACTION_CANCELING) == 0 || strcmp(x->status, ACTION_CANCELED) == 0;
}

static void not_served(struct request *req, const struct action *x, const char *why)
{
    api_fail(req, ERR_NOT_FOUND, "repo.entityNotFound", "Action %lld %s", (long long)x->id, why);
}

static void reply_deployment(struct request *req, const struct action *x, const char *key,
                             int64_t history)
{
    struct jw w;
    jw_init(&w);
    if (!ddi_write_deployment(&w, req, x, key, history)) {
        jw_free(&w);
        api_fail(req, ERR_INTERNAL, NULL, "cannot read the deployment");
        return;
    }
    ddi_reply(req, &w);
}

static void get_deployment_base(struct request *req)
{
    struct action x;
    int64_t history;
    if (!ddi_history_param(req, &history) || !ddi_load_action(req, 2, &x))
        return;
    if (is_canceling(&x) || strcmp(x.status, ACTION_WAIT_FOR_CONFIRMATION) == 0) {
        not_served(req, &x, "is not a deployment the device may run now");
        return;
    }
    struct error e;
    if (x.active) {
        if (controller_retrieved(req_store(req), &x, false, &e) < 0) {
            api_reply_error(req, &e);
            return;
        }
        if (strcmp(x.status, ACTION_RUNNING) == 0)
            x.status = ACTION_RETRIEVED;
    }
    reply_deployment(req, &x, "deployment", history);
}

static void get_installed_base(struct request *req)
{
    struct action x;
    int64_t history;
    if (!ddi_history_param(req, &history) || !ddi_load_action(req, 2, &x))
        return;
    if (x.active || is_canceling(&x)) {
        not_served(req, &x, "is not an installed deployment");
        return;
    }
    reply_deployment(req, &x, "deployment", history);
}

static void get_cancel_action(struct request *req)
{
    struct action x;
    if (!ddi_load_action(req, 2, &x))
        return;
    if (!is_canceling(&x)) {
        not_served(req, &x, "is not being canceled");
        return;
    }
    struct error e;
    if (x.active && controller_retrieved(req_store(req), &x, true, &e) < 0) {
        api_reply_error(req, &e);
        return;
    }
    const char *id = arena_sprintf(&req->arena, "%lld", (long long)x.id);
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kv_str(&w, "id", id);
    jw_key(&w, "cancelAction");
    jw_obj_begin(&w);
    jw_kv_str(&w, "stopId", id);
    jw_obj_end(&w);
    jw_obj_end(&w);
    ddi_reply(req, &w);
}

/* PUT installedBase {"name", "version"}: 201 when recorded, 200 when already so. */
static void put_installed_base(struct request *req)
{
    struct json_value *doc;
    if (!ddi_parse_body(req, &doc))
        return;
    const char *name = NULL, *version = NULL;
    struct error e;
    struct distribution_set ds;
    bool created;
    if (json_member_string(doc, "name", &name, &e) <= 0 ||
        json_member_string(doc, "version", &version, &e) <= 0)
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "name and version are required");
    else if (store_ds_find(req_store(req), name, version, &req->arena, &ds, &e) < 0 ||
             controller_installed_offline(req_store(req), ddi_req(req)->target.target_id, ds.id,
                                          &created, &e) < 0)
        api_reply_error(req, &e);
    else
        http_reply_empty(req, created ? 201 : 200);
    json_doc_free(doc);
}

const struct route ddi_deployment_routes[] = {
    {"GET", DDI "/deploymentBase/{}", get_deployment_base, http_any_query, ROUTE_BODY_NONE, NULL,
     ddi_authorize},
    {"GET", DDI "/installedBase/{}", get_installed_base, http_any_query, ROUTE_BODY_NONE, NULL,
     ddi_authorize},
    {"PUT", DDI "/installedBase", put_installed_base, http_any_query, ROUTE_BODY_JSON, NULL,
     ddi_authorize},
    {"GET", DDI "/cancelAction/{}", get_cancel_action, http_any_query, ROUTE_BODY_NONE, NULL,
     ddi_authorize},
    {0},
};
