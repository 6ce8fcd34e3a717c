/* Validating readers for Management API request bodies.
 *
 * Each reader checks one part of a parsed JSON body, copies what it keeps into the
 * request arena (so the document can be freed at once) and, on any violation, replies
 * 400 hawkbit.server.error.rest.body.notReadable and returns false. */
#ifndef FALCONET_API_MGMT_BODY_READ_H
#define FALCONET_API_MGMT_BODY_READ_H

#include "api/mgmt/common.h"

/** The non-empty top-level array of a create request; *n is its length. */
bool mgmt_body_array(struct request *req, const struct json_value *doc, const char *what,
                     size_t *n);
/** Checks that v is a JSON object. */
bool mgmt_body_object(struct request *req, const struct json_value *v, const char *what);
/** String member `field`: at most max bytes; when required, present and non-empty.
 * Absent or null leaves *out untouched; otherwise *out is an arena copy. */
bool mgmt_body_text(struct request *req, const struct json_value *obj, const char *field,
                    size_t max, bool required, const char **out);
/** Boolean member `field`; absent or null leaves *out untouched. */
bool mgmt_body_bool(struct request *req, const struct json_value *obj, const char *field,
                    bool *out);
/** hawkBit's id references: arr must be an array of {"id": integer} objects (NULL —
 * an absent member — reads as none). An empty array is refused unless allow_empty.
 * *ids is an arena array of *n ids. */
bool mgmt_body_id_list(struct request *req, const struct json_value *arr, const char *what,
                       bool allow_empty, int64_t **ids, size_t *n);
/** The integer member "id" of obj, which must be present. */
bool mgmt_body_id(struct request *req, const struct json_value *obj, int64_t *id);

/** The member "maintenanceWindow" {schedule, duration, timezone} of obj as arena
 * copies; absent, null or three empty strings (as hawkBit reads them) leave all three
 * NULL. Unlike the readers above it does not reply: -ERR_INVALID in *err. Whether the
 * window is complete and valid is core's question (maintenance_check_optional). */
int mgmt_read_maintenance_window(const struct json_value *obj, struct arena *a,
                                 const char **schedule, const char **duration,
                                 const char **timezone, struct error *err);

#endif
