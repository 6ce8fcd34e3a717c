#include "core/auto_assign.h"

#include "core/deployment.h"
#include "core/tenant_config.h"
#include "store/ds_store.h"
#include "store/target_filter_store.h"
#include "store/target_store.h"
#include "util/log.h"

#include <string.h>

#define AUTO_ASSIGN_ACTOR "auto-assignment"

static int report(const struct target_filter *f, size_t assigned)
{
    if (assigned > 0)
        log_info("auto-assignment filter=%lld set=%lld targets=%zu", (long long)f->id,
                 (long long)f->auto_ds_id, assigned);
    return (int)assigned;
}

static int run_filter(struct store *s, struct arena *a, const struct target_filter *f,
                      int64_t overdue_ts)
{
    const char **ids;
    size_t n;
    struct error err;
    struct distribution_set ds;
    if (store_ds_get(s, f->auto_ds_id, a, &ds, &err) < 0 || ds.deleted || !ds.complete || !ds.valid)
        return 0; /* nothing can be assigned until the set is fixed or the filter changed */
    if (store_target_auto_assign_candidates(s, f->query, overdue_ts, f->auto_ds_id,
                                            AUTO_ASSIGN_BATCH, a, &ids, &n, &err) < 0) {
        log_warn("auto-assignment of filter %lld skipped: %s", (long long)f->id, err.message);
        return 0;
    }
    if (n == 0)
        return 0;
    struct assignment *items = arena_alloc(a, sizeof(*items) * n);
    memset(items, 0, sizeof(*items) * n);
    for (size_t i = 0; i < n; i++) {
        items[i].controller_id = ids[i];
        items[i].ds_id = f->auto_ds_id;
        items[i].type = f->auto_action_type;
        items[i].forcetime = -1;
        items[i].weight = f->auto_weight;
        items[i].confirmation_required = f->auto_confirmation_required;
    }
    struct assignment_outcome out;
    if (deployment_assign(s, items, n, AUTO_ASSIGN_ACTOR, a, &out, &err) == 0)
        return report(f, out.assigned);
    /* One bad target must not block the others for ever: assign one by one. */
    size_t assigned = 0;
    for (size_t i = 0; i < n; i++) {
        if (deployment_assign(s, &items[i], 1, AUTO_ASSIGN_ACTOR, a, &out, &err) == 0)
            assigned += out.assigned;
        else
            log_debug("auto-assignment of filter %lld skips %s: %s", (long long)f->id,
                      items[i].controller_id, err.message);
    }
    return report(f, assigned);
}

int auto_assign_run(struct store *s)
{
    struct arena a;
    arena_init(&a);
    struct target_filter *filters;
    size_t n;
    struct error err;
    int total = 0;
    int rc = store_target_filter_list_auto(s, &a, &filters, &n, &err);
    int64_t overdue = n > 0 ? tenant_settings_overdue_ts(s) : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        total += run_filter(s, &a, &filters[i], overdue);
    arena_free(&a);
    return rc < 0 ? rc : total;
}
