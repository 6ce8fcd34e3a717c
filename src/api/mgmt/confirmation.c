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
    if (!mgmt_load_target(req, req->params[0], &t) || !mgmt_path_id(req, 1, "Action", &action_id) ||
        !mgmt_parse_body(req, &doc))
        return;
    const char *answer = NULL;
    int64_t code = ACTION_STATUS_NO_CODE;
    const char **details;
    size_t n;
    struct error e;
    if (json_member_string(doc, "confirmation", &answer, &e) <= 0 ||
        (strcmp(answer, "confirmed") != 0 && strcmp(answer, "denied") != 0))
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "confirmation must be \"confirmed\" or \"denied\"");
    else if (json_member_int(doc, "code", &code, &e) < 0)
        api_reply_error(req, &e);
    else if (json_string_array(json_get(doc, "details"), "details", &req->arena, &details, &n, &e) <
             0)
        api_reply_error(req, &e);
    else {
        if (controller_confirm(req_store(req), t.id, action_id, strcmp(answer, "confirmed") == 0,
                               code, details, n, &e) < 0)
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
    jw_kv_bool(&w, "active", ac.active);
    if (ac.active) {
        jw_kv_str_opt(&w, "initiator", ac.initiator);
        jw_kv_str_opt(&w, "remark", ac.remark);
        jw_kv_int_opt(&w, "activatedAt", ac.activated_at);
    }
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
    if (!mgmt_load_target(req, req->params[0], &t))
        return;
    const char *initiator = NULL, *remark = NULL;
    struct json_value *doc = NULL;
    struct error e;
    if (req->body && req->body_len > 0) { /* the body is optional */
        if (!mgmt_parse_body(req, &doc))
            return;
        if (json_member_string(doc, "initiator", &initiator, &e) < 0 ||
            json_member_string(doc, "remark", &remark, &e) < 0) {
            api_reply_error(req, &e);
            json_doc_free(doc);
            return;
        }
    }
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
