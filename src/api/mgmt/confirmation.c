/* The operator's side of the user-consent flow: confirming or denying an action
 * for a device, and a target's auto-confirmation switch. */
#include "api/mgmt/common.h"
#include "api/mgmt/views.h"

#include "core/controller.h"

#include <string.h>

/* PUT /targets/{c}/actions/{a}/confirmation {"confirmation", "code"?, "details"?} */
static void confirm_action(struct request *req)
{
    struct target t;
    int64_t action_id;
    struct json_value *doc;
    struct confirmation_answer answer;
    struct error e;
    if (!mgmt_load_target(req, req->params[0], &t) || !api_path_id(req, 1, "Action", &action_id) ||
        !api_parse_body(req, &doc))
        return;
    if (api_read_confirmation(req, doc, &answer)) {
        if (controller_confirm(req_store(req), t.id, action_id, answer.confirmed, answer.code,
                               answer.details, answer.n_details, &e) < 0)
            mgmt_fail(req, &e);
        else
            http_reply_empty(req, 200);
    }
    json_doc_free(doc);
}

static void get_auto_confirm(struct request *req)
{
    struct target t;
    struct auto_confirm ac;
    struct error e;
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    if (store_controller_get_auto_confirm(req_store(req), t.id, &req->arena, &ac, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    api_write_auto_confirm(&w, &ac);
    jw_key(&w, "_links");
    jw_obj_begin(&w);
    api_write_link(&w, req, ac.active ? "deactivate" : "activate",
                   MGMT "/targets/%s/autoConfirm/%s", t.controller_id,
                   ac.active ? "deactivate" : "activate");
    jw_obj_end(&w);
    jw_obj_end(&w);
    mgmt_reply(req, 200, &w);
}

static void activate(struct request *req)
{
    struct target t;
    const char *initiator, *remark;
    struct json_value *doc;
    struct error e;
    if (!mgmt_load_target(req, req->params[0], &t) ||
        !api_read_auto_confirm(req, &doc, &initiator, &remark))
        return;
    if (controller_auto_confirm(req_store(req), t.id, true, initiator ? initiator : req->user,
                                remark, &e) < 0)
        mgmt_fail(req, &e);
    else
        http_reply_empty(req, 200);
    json_doc_free(doc);
}

static void deactivate(struct request *req)
{
    struct target t;
    struct error e;
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    if (controller_auto_confirm(req_store(req), t.id, false, NULL, NULL, &e) < 0)
        mgmt_fail(req, &e);
    else
        http_reply_empty(req, 200);
}

const struct route mgmt_confirmation_routes[] = {
    {"PUT", MGMT "/targets/{}/actions/{}/confirmation", confirm_action, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"GET", MGMT "/targets/{}/autoConfirm", get_auto_confirm, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {"POST", MGMT "/targets/{}/autoConfirm/activate", activate, NULL, ROUTE_BODY_JSON, NULL,
     mgmt_authorize},
    {"POST", MGMT "/targets/{}/autoConfirm/deactivate", deactivate, NULL, ROUTE_BODY_NONE, NULL,
     mgmt_authorize},
    {0},
};
