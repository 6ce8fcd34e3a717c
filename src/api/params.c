#include "api/params.h"

#include "api/errors.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool api_path_id(struct request *req, int idx, const char *entity, int64_t *out)
{
    const char *v = req->params[idx];
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 0) {
        api_fail(req, ERR_NOT_FOUND, "repo.entityNotFound",
                 "%s with given identifier {%.64s} does not exist.", entity, v);
        return false;
    }
    *out = n;
    return true;
}

bool api_parse_body(struct request *req, struct json_value **doc)
{
    struct error e;
    if (!req->body || req->body_len == 0) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Request body is missing");
        return false;
    }
    *doc = json_parse(req->body, req->body_len, &e);
    if (!*doc) {
        api_reply_error(req, &e);
        return false;
    }
    return true;
}

bool api_read_confirmation(struct request *req, const struct json_value *doc,
                           struct confirmation_answer *out)
{
    const char *answer = NULL;
    struct error e;
    out->code = ACTION_STATUS_NO_CODE;
    if (json_member_string(doc, "confirmation", &answer, &e) <= 0 ||
        (strcmp(answer, "confirmed") != 0 && strcmp(answer, "denied") != 0)) {
        api_fail(req, ERR_INVALID, "rest.body.notReadable",
                 "confirmation must be \"confirmed\" or \"denied\"");
        return false;
    }
    out->confirmed = strcmp(answer, "confirmed") == 0;
    if (json_member_int(doc, "code", &out->code, &e) < 0 ||
        json_string_array(json_get(doc, "details"), "details", &req->arena, &out->details,
                          &out->n_details, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    return true;
}

bool api_read_auto_confirm(struct request *req, struct json_value **doc, const char **initiator,
                           const char **remark)
{
    struct error e;
    *doc = NULL;
    *initiator = *remark = NULL;
    if (!req->body || req->body_len == 0)
        return true;
    if (!api_parse_body(req, doc))
        return false;
    if (json_member_string(*doc, "initiator", initiator, &e) < 0 ||
        json_member_string(*doc, "remark", remark, &e) < 0) {
        api_reply_error(req, &e);
        json_doc_free(*doc);
        *doc = NULL;
        return false;
    }
    return true;
}

void api_write_auto_confirm(struct jw *w, const struct auto_confirm *ac)
{
    jw_kv_bool(w, "active", ac->active);
    if (!ac->active)
        return;
    jw_kv_str_opt(w, "initiator", ac->initiator);
    jw_kv_str_opt(w, "remark", ac->remark);
    jw_kv_int_opt(w, "activatedAt", ac->activated_at);
}
