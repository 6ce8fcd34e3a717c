/* POST deploymentBase/{a}/feedback and cancelAction/{a}/feedback.
 *
 * Parsing is lenient the way hawkBit's is: unknown members (the legacy "id" as a
 * string, number or "", "time", "progress") are ignored; only the members the rules
 * need are checked. The seed-000 guide's shorthand {"status": "success",
 * "details": [...]} is read as closed/success, and other bare execution names as
 * that execution with no result. */
#include "api/ddi/common.h"

#include "core/controller.h"

#include <string.h>

static bool bad_body(struct request *req, const char *what)
{
    api_fail(req, ERR_INVALID, "rest.body.notReadable", "Invalid feedback: %s", what);
    return false;
}

/* {"status": "success"} and friends. */
static bool parse_shorthand(struct request *req, const char *status, struct feedback *fb)
{
    if (strcmp(status, "success") == 0 || strcmp(status, "finished") == 0) {
        fb->execution = EXEC_CLOSED;
        fb->result = RESULT_SUCCESS;
        return true;
    }
    if (strcmp(status, "failure") == 0 || strcmp(status, "error") == 0) {
        fb->execution = EXEC_CLOSED;
        fb->result = RESULT_FAILURE;
        return true;
    }
    int exec = controller_parse_execution(status);
    if (exec < 0)
        return bad_body(req, "unknown status");
    fb->execution = (enum feedback_execution)exec;
    fb->result = RESULT_NONE;
    return true;
}

static bool parse_status(struct request *req, const struct json_value *status, struct feedback *fb,
                         const struct json_value **details)
{
    struct error e;
    const char *execution = NULL, *finished = NULL;
    if (json_member_string(status, "execution", &execution, &e) <= 0)
        return bad_body(req, "status.execution is required");
    int exec = controller_parse_execution(execution);
    if (exec < 0)
        return bad_body(req, "unknown status.execution");
    const struct json_value *result = json_get(status, "result");
    if (!result || json_kind(result) != JSON_OBJECT ||
        json_member_string(result, "finished", &finished, &e) <= 0)
        return bad_body(req, "status.result.finished is required");
    int res = controller_parse_result(finished);
    if (res < 0)
        return bad_body(req, "unknown status.result.finished");
    fb->execution = (enum feedback_execution)exec;
    fb->result = (enum feedback_result)res;
    if (json_member_int(status, "code", &fb->code, &e) < 0)
        return bad_body(req, "status.code must be an integer");
    *details = json_get(status, "details");
    return true;
}

/* Reads doc into fb; details stay borrowed from doc. false after replying 400. */
static bool parse_feedback(struct request *req, const struct json_value *doc, struct feedback *fb)
{
    struct error e;
    memset(fb, 0, sizeof(*fb));
    fb->code = ACTION_STATUS_NO_CODE;
    fb->timestamp = -1;
    if (json_member_int(doc, "timestamp", &fb->timestamp, &e) < 0)
        return bad_body(req, "timestamp must be epoch milliseconds");
    const struct json_value *status = json_get(doc, "status"), *details = NULL;
    if (status && json_kind(status) == JSON_STRING) {
        if (!parse_shorthand(req, json_as_string(status), fb))
            return false;
        details = json_get(doc, "details");
    } else if (status && json_kind(status) == JSON_OBJECT) {
        if (!parse_status(req, status, fb, &details))
            return false;
    } else {
        return bad_body(req, "status is required");
    }
    const char **list;
    if (!ddi_read_details(req, details, &list, &fb->n_details))
        return false;
    fb->details = list;
    return true;
}

static void post_feedback(struct request *req, bool cancel)
{
    int64_t action_id;
    struct json_value *doc;
    if (!api_path_id(req, 2, "Action", &action_id) || !ddi_parse_body(req, &doc))
        return;
    struct feedback fb;
    if (parse_feedback(req, doc, &fb)) {
        struct error e;
        int64_t target_id = ddi_req(req)->target.target_id;
        int rc = cancel ? controller_cancel_feedback(req_store(req), target_id, action_id, &fb, &e)
                        : controller_feedback(req_store(req), target_id, action_id, &fb, &e);
        if (rc < 0)
            ddi_fail(req, &e);
        else
            http_reply_empty(req, 200);
    }
    json_doc_free(doc);
}

static void deployment_feedback(struct request *req)
{
    post_feedback(req, false);
}

static void cancel_feedback(struct request *req)
{
    post_feedback(req, true);
}

const struct route ddi_feedback_routes[] = {
    {"POST", DDI "/deploymentBase/{}/feedback", deployment_feedback, http_any_query,
     ROUTE_BODY_JSON, NULL, ddi_authorize},
    {"POST", DDI "/cancelAction/{}/feedback", cancel_feedback, http_any_query, ROUTE_BODY_JSON,
     NULL, ddi_authorize},
    {0},
};
