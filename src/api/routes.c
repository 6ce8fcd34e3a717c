/* The server's route tables, in match order. */
#include "api/app.h"
#include "api/mgmt/common.h"

const struct route *const app_routes[] = {
    mgmt_system_routes,
    mgmt_target_routes,
    mgmt_sm_type_routes,
    mgmt_sm_routes,
    mgmt_artifact_routes,
    NULL,
};
