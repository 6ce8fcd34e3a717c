/* JSON views of the device side shared by several DDI resources. */
#ifndef FALCONET_API_DDI_DEPLOYMENT_VIEW_H
#define FALCONET_API_DDI_DEPLOYMENT_VIEW_H

#include "api/ddi/common.h"

/** Writes {"id": "<a>", "<key>": {download, update, maintenanceWindow?, chunks},
 * "actionHistory"?} for action x; key is "deployment" or "confirmation". history
 * = the actionHistory parameter (0 = none, < 0 or > 100 = 100 messages). false
 * when the store failed (the writer is then incomplete). */
bool ddi_write_deployment(struct jw *w, struct request *req, const struct action *x,
                          const char *key, int64_t history);
/** One DdiArtifact with its download and MD5SUM links. */
void ddi_write_artifact(struct jw *w, struct request *req, const struct artifact *art);
/** Reads ?actionHistory=N; false after replying 400. */
bool ddi_history_param(struct request *req, int64_t *out);

#endif
