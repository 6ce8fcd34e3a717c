/* Reading what requests of both APIs carry: path ids, JSON bodies, and the body
 * shapes the Management API and the device API share. Each function replies with
 * hawkBit's error and returns false when the input is bad. */
#ifndef FALCONET_API_PARAMS_H
#define FALCONET_API_PARAMS_H

#include "http/http.h"
#include "store/controller_store.h"
#include "util/json_read.h"
#include "util/json_writer.h"

/** Parses a decimal id path parameter; a malformed id is answered 404 like an unknown
 * one (as hawkBit does). */
bool api_path_id(struct request *req, int idx, const char *entity, int64_t *out);
/** Parses the JSON body (an empty body is a 400). */
bool api_parse_body(struct request *req, struct json_value **doc);

/** A confirmation answer {"confirmation": "confirmed"|"denied", "code"?, "details"?};
 * details stay borrowed from doc. */
struct confirmation_answer {
    bool confirmed;
    int64_t code; /* ACTION_STATUS_NO_CODE when absent */
    const char **details;
    size_t n_details;
};
bool api_read_confirmation(struct request *req, const struct json_value *doc,
                           struct confirmation_answer *out);
/** The optional {"initiator", "remark"} body of an auto-confirm activation; both
 * NULL when there is no body. On success the caller frees *doc (NULL without a
 * body); on failure nothing is left to free. */
bool api_read_auto_confirm(struct request *req, struct json_value **doc, const char **initiator,
                           const char **remark);
/** The members active, initiator, remark, activatedAt of an auto-confirm state. */
void api_write_auto_confirm(struct jw *w, const struct auto_confirm *ac);

#endif
