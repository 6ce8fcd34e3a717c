/* JSON views of entities that more than one resource file writes. */
#ifndef FALCONET_API_MGMT_VIEWS_H
#define FALCONET_API_MGMT_VIEWS_H

#include "api/mgmt/common.h"

/** MgmtTarget; `full` adds the links of GET /targets/{id} and the DS summaries. */
void mgmt_write_target(struct jw *w, struct request *req, const struct target *t, bool full);
/** installedDistributionSet / assignedDistributionSet {id, name, version} (the seed-000
 * guide shows these on GET /targets/{id}). */
void mgmt_write_target_ds_summary(struct jw *w, struct request *req, const struct target *t);
/** Loads a target by controllerId; false after replying 404. */
bool mgmt_load_target(struct request *req, const char *controller_id, struct target *t);
/** MgmtSoftwareModuleType with its self link. */
void mgmt_write_sm_type(struct jw *w, struct request *req, const struct sm_type *t);
/** MgmtSoftwareModule with its links (self, artifacts, type, metadata). */
void mgmt_write_sm(struct jw *w, struct request *req, const struct software_module *m);
/** Loads the software module whose id is path parameter idx (soft-deleted ones
 * included, check m->deleted); false after replying 404. */
bool mgmt_load_sm(struct request *req, int idx, struct software_module *m);

/** MgmtAction; `full` adds the links and distributionSet summary of GET .../actions/{a}. */
void mgmt_write_action(struct jw *w, struct request *req, const struct action *x, bool full);
/** MgmtDistributionSet with its modules embedded (read from the store; a store failure
 * fails the writer, so the reply becomes a 500). */
void mgmt_write_ds(struct jw *w, struct request *req, const struct distribution_set *ds);
/** MgmtSoftwareModule as embedded in a distribution set (links: self). */
void mgmt_write_ds_module(struct jw *w, struct request *req, const struct software_module *m);
/** Loads a distribution set by id (soft-deleted ones too); false after replying 404. */
bool mgmt_load_ds(struct request *req, int64_t id, struct distribution_set *ds);

/** hawkBit's MgmtMaintenanceWindow {schedule, duration, timezone, nextStartAt}: the
 * stored window plus the start (ms) of the window open now or else of the next one
 * (absent when none is left). Nothing when schedule is NULL. */
void mgmt_write_maintenance_window(struct jw *w, const char *schedule, const char *duration,
                                   const char *timezone);

/** MgmtDistributionSetType with its links (self, mandatory and optional modules). */
void mgmt_write_ds_type(struct jw *w, struct request *req, const struct ds_type *t);

/* The writers above as mgmt_item_writer, for lists and create replies (targets
 * in their list form). */
void mgmt_target_item(struct jw *w, struct request *req, const void *item, void *ctx);
void mgmt_ds_item(struct jw *w, struct request *req, const void *item, void *ctx);
void mgmt_ds_module_item(struct jw *w, struct request *req, const void *item, void *ctx);
void mgmt_sm_item(struct jw *w, struct request *req, const void *item, void *ctx);
void mgmt_sm_type_item(struct jw *w, struct request *req, const void *item, void *ctx);

#endif
