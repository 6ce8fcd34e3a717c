/* Helpers shared by the DDI (device) resources: device authentication, the
 * per-request view of the target, links and lenient body parsing. */
#ifndef FALCONET_API_DDI_COMMON_H
#define FALCONET_API_DDI_COMMON_H

#include "api/app.h"
#include "api/errors.h"
#include "api/links.h"
#include "api/params.h"
#include "core/tenant_config.h"
#include "store/controller_store.h"
#include "util/json_read.h"
#include "util/json_writer.h"

#define DDI "/{}/controller/v1/{}"

/** What an authorised DDI request knows (req->ctx of every DDI route). */
struct ddi_request {
    struct tenant_settings settings;
    /* Read from the database, or from the device cache: then only target_id,
     * installed_action_id and request_attributes are known, assigned/installed set ids
     * are -1 and action.id is -1 (routes that show the open action get a cache hit
     * only when there is none). */
    struct controller_view target;
    const char *base; /* "/<tenant>/controller/v1/<controllerId>", URL-encoded */
};

static inline struct ddi_request *ddi_req(struct request *req)
{
    return req->ctx;
}

/* authorize hooks (hawkbit-api.md b.1): TargetToken, GatewayToken or the proxy
 * headers, as the tenant configuration allows; 401 with an empty body otherwise.
 * The target must exist (404) except for the two registering routes, where a
 * gateway token or proxy header registers an unknown controller. Each records the
 * request in the last-seen buffer. */
bool ddi_authorize(struct request *req);
bool ddi_authorize_registering(struct request *req);
/** Like ddi_authorize, but anonymous.download.enabled also lets anyone in. */
bool ddi_authorize_download(struct request *req);

/** The action of this target named by path parameter idx; false after replying 404. */
bool ddi_load_action(struct request *req, int idx, struct action *x);
/** Parses a JSON object body; false after replying 400. */
bool ddi_parse_body(struct request *req, struct json_value **doc);
/** Writes "rel": {"href": "<base url>/<tenant>/controller/v1/<id><suffix>"}. */
void ddi_write_link(struct jw *w, struct request *req, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Replies with e; a closed action's 410 goes out without a body, as hawkBit's. */
void ddi_fail(struct request *req, const struct error *e);
/** Finishes the writer and replies 200 with it. */
void ddi_reply(struct request *req, struct jw *w);
/** Reads a JSON array of strings into an arena array; false after replying 400. */
bool ddi_read_details(struct request *req, const struct json_value *arr, const char ***out,
                      size_t *n);

/* Route table fragments, stitched together in api/routes.c. Like hawkBit, DDI
 * routes ignore query parameters they do not use (http_any_query). */
extern const struct route ddi_root_routes[];
extern const struct route ddi_deployment_routes[];
extern const struct route ddi_feedback_routes[];
extern const struct route ddi_confirmation_routes[];
extern const struct route ddi_artifact_routes[];

#endif
