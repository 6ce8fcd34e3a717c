/* The server's route tables, in match order. */
#include "api/app.h"
#include "api/ddi/common.h"
#include "api/mgmt/common.h"

const struct route *const app_routes[] = {
    mgmt_system_routes,
    mgmt_target_routes,
    mgmt_sm_type_routes,
    mgmt_sm_routes,
    mgmt_artifact_routes,
    mgmt_config_routes,
    mgmt_assignment_routes,
    mgmt_action_routes,
    mgmt_confirmation_routes,
    mgmt_target_filter_routes,
    mgmt_rollout_routes,
    mgmt_target_ds_routes,
    mgmt_ds_routes,
    mgmt_ds_type_routes,
    mgmt_tag_routes,
    mgmt_tag_assignment_routes,
    mgmt_target_type_routes,
    mgmt_metadata_routes,
    ddi_root_routes,
    ddi_deployment_routes,
    ddi_feedback_routes,
    ddi_confirmation_routes,
    ddi_artifact_routes,
    NULL,
};
