/* Helpers shared by the Management API resources: authentication, paging, body
 * parsing and the HAL/JSON shapes every entity has. */
#ifndef FALCONET_API_MGMT_COMMON_H
#define FALCONET_API_MGMT_COMMON_H

#include "api/app.h"
#include "api/errors.h"
#include "api/links.h"
#include "api/params.h"
#include "store/model.h"
#include "util/json_read.h"
#include "util/json_writer.h"

#define MGMT "/rest/v1"

/** Query parameters of every paged collection. */
extern const char *const mgmt_paging_params[];

/** authorize hook: HTTP Basic against the user table; 401 with WWW-Authenticate. */
bool mgmt_authorize(struct request *req);

/** Reads offset/limit/sort/q with hawkBit's rules (negative offset -> 0, limit <1 ->
 * 50, >500 -> 500). false after replying 400. */
bool mgmt_list_query(struct request *req, struct list_query *q);

/** createdBy/createdAt/lastModifiedBy/lastModifiedAt. */
void mgmt_write_audit(struct jw *w, const struct audit *a);
/** Opens the paged envelope: {"content": [  — close with mgmt_end_page. */
void mgmt_begin_page(struct jw *w);
void mgmt_end_page(struct jw *w, size_t size, int64_t total);

/** Finishes the writer and replies with it. */
void mgmt_reply(struct request *req, int status, struct jw *w);
/** Replies with the error in e (store/core failures). */
void mgmt_fail(struct request *req, const struct error *e);

/* The Management API's route table fragments, one per resource file, each ended
 * by a zeroed entry; api/routes.c stitches them together. */
extern const struct route mgmt_system_routes[]; /* userinfo */
extern const struct route mgmt_target_routes[];
extern const struct route mgmt_sm_type_routes[];
extern const struct route mgmt_sm_routes[];
extern const struct route mgmt_artifact_routes[];
extern const struct route mgmt_config_routes[];
extern const struct route mgmt_assignment_routes[];
extern const struct route mgmt_action_routes[];
extern const struct route mgmt_confirmation_routes[];
extern const struct route mgmt_target_filter_routes[];
extern const struct route mgmt_rollout_routes[];
extern const struct route mgmt_target_ds_routes[]; /* GET assignedDS, installedDS */
extern const struct route mgmt_ds_routes[];
extern const struct route mgmt_ds_type_routes[];
extern const struct route mgmt_tag_routes[];            /* target and DS tags */
extern const struct route mgmt_tag_assignment_routes[]; /* {tagId}/assigned */
extern const struct route mgmt_target_type_routes[];
extern const struct route mgmt_metadata_routes[]; /* targets, modules and sets */

#endif
