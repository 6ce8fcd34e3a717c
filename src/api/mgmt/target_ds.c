/* Distribution-set views on a target. */
#include "api/mgmt/views.h"

void mgmt_write_target_ds_summary(struct jw *w, struct request *req, const struct target *t)
{
    /* Filled in with the distribution set store. */
}
