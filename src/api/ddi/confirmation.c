/* The user-consent flow (reference a.9): confirmationBase, its feedback, and the
 * target's auto-confirmation switch. */
#include "api/ddi/common.h"
#include "api/ddi/deployment_view.h"

#include "core/controller.h"
#include "util/time.h"

#include <string.h>

static bool waits(const struct action *x)
{
    return x->id >= 0 && strcmp(x->status, ACTION_WAIT_FOR_CONFIRMATION) == 0;
}

static void get_state(struct request *req)
{
    struct ddi_request *d = ddi_req(req);
    struct auto_confirm ac;
    struct error e;
    if (store_controller_get_auto_confirm(req_store(req), d->target.target_id, &req->arena, &ac,
                                          &e) < 0) {
        api_reply_error(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_key(&w, "autoConfirm");
    jw_obj_begin(&w);
    api_write_auto_confirm(&w, &ac);
    jw_obj_end(&w);
    jw_key(&w, "_links");
    jw_obj_begin(&w);
    if (ac.active)
        ddi_write_link(&w, req, "deactivateAutoConfirm", "/confirmationBase/deactivateAutoConfirm");
    else
        ddi_write_link(&w, req, "activateAutoConfirm", "/confirmationBase/activateAutoConfirm");
    const struct action *x = &d->target.action;
    if (waits(x)) {
        struct deployment_mode mode;
        controller_deployment_mode(x, time_now_ms(), &mode);
        ddi_write_link(&w, req, "confirmationBase", "/confirmationBase/%lld?c=%d", (long long)x->id,
                       mode.c);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    ddi_reply(req, &w);
}

static void get_action(struct request *req)
{
    struct action x;
    int64_t history;
    if (!ddi_history_param(req, &history) || !ddi_load_action(req, 2, &x))
        return;
    if (!x.active || !waits(&x)) {
        api_fail(req, ERR_NOT_FOUND, "repo.entityNotFound",
                 "Action %lld does not wait for confirmation", (long long)x.id);
        return;
    }
    struct jw w;
    jw_init(&w);
    if (!ddi_write_deployment(&w, req, &x, "confirmation", history)) {
        jw_free(&w);
        api_fail(req, ERR_INTERNAL, NULL, "cannot read the deployment");
        return;
    }
    ddi_reply(req, &w);
}

static void post_feedback(struct request *req)
{
    int64_t action_id;
    struct json_value *doc;
    struct confirmation_answer answer;
    struct error e;
    if (!api_path_id(req, 2, "Action", &action_id) || !ddi_parse_body(req, &doc))
        return;
    if (api_read_confirmation(req, doc, &answer)) {
        if (controller_confirm(req_store(req), ddi_req(req)->target.target_id, action_id,
                               answer.confirmed, answer.code, answer.details, answer.n_details,
                               &e) < 0)
            ddi_fail(req, &e);
        else
            http_reply_empty(req, 200);
    }
    json_doc_free(doc);
}

static void activate(struct request *req)
{
    const char *initiator, *remark;
    struct json_value *doc;
    struct error e;
    if (api_read_auto_confirm(req, &doc, &initiator, &remark)) {
        if (controller_auto_confirm(req_store(req), ddi_req(req)->target.target_id, true, initiator,
                                    remark, &e) < 0)
            api_reply_error(req, &e);
        else
            http_reply_empty(req, 200);
    }
    json_doc_free(doc);
}

static void deactivate(struct request *req)
{
    struct error e;
    if (controller_auto_confirm(req_store(req), ddi_req(req)->target.target_id, false, NULL, NULL,
                                &e) < 0)
        api_reply_error(req, &e);
    else
        http_reply_empty(req, 200);
}

const struct route ddi_confirmation_routes[] = {
    {"GET", DDI "/confirmationBase", get_state, http_any_query, ROUTE_BODY_NONE, NULL,
     ddi_authorize_registering},
    {"POST", DDI "/confirmationBase/activateAutoConfirm", activate, http_any_query, ROUTE_BODY_JSON,
     NULL, ddi_authorize},
    {"POST", DDI "/confirmationBase/deactivateAutoConfirm", deactivate, http_any_query,
     ROUTE_BODY_NONE, NULL, ddi_authorize},
    {"GET", DDI "/confirmationBase/{}", get_action, http_any_query, ROUTE_BODY_NONE, NULL,
     ddi_authorize},
    {"POST", DDI "/confirmationBase/{}/feedback", post_feedback, http_any_query, ROUTE_BODY_JSON,
     NULL, ddi_authorize},
    {0},
};
