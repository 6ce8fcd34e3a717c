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

/** Writes one entity of a list or create reply; ctx is the resource's own (e.g. the
 * tag kind). */
typedef void (*mgmt_item_writer)(struct jw *w, struct request *req, const void *item, void *ctx);
/** Replies 200 with the paged envelope {content, total, size} of count items
 * (item_size bytes apart). */
void mgmt_reply_page(struct request *req, const void *items, size_t count, int64_t total,
                     size_t item_size, mgmt_item_writer write, void *ctx);

/** How one resource's create endpoint reads, stores and shows an item. */
struct mgmt_create_ops {
    const char *what; /* plural noun for messages: "targets" */
    size_t item_size;
    /* Reads one array element into the zeroed item, copying what it keeps into the
     * request arena; false after replying 400. */
    bool (*read)(struct request *req, const struct json_value *json, void *item, void *ctx);
    /* Creates the item (inside the transaction) and fills in what the reply shows. */
    int (*store)(struct store *s, struct request *req, void *item, void *ctx, struct error *err);
    mgmt_item_writer write;
};
/** A whole create endpoint: a non-empty array body, every element read (the first
 * bad one answers 400), all created in one transaction (none on failure), 201 with
 * the created array. */
void mgmt_create_array(struct request *req, const struct mgmt_create_ops *ops, void *ctx);

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
