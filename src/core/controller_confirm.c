/* The user-consent flow: confirming or denying an action (device or operator)
 * and a target's auto-confirmation. */
#include "core/controller.h"
#include "core/controller_history.h"

#include "store/action_store.h"

#include <string.h>

/* ---- confirmation ---- */

struct confirm_args {
    bool confirmed;
    struct feedback fb;
};

static int confirm_fn(struct store *s, struct arena *a, const struct action *x, const void *arg,
                      struct error *err)
{
    const struct confirm_args *c = arg;
    if (!x->active)
        return err_set(err, ERR_GONE, "action.inactive", "Action %lld is closed", (long long)x->id);
    if (strcmp(x->status, ACTION_WAIT_FOR_CONFIRMATION) != 0)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "Action %lld does not wait for confirmation", (long long)x->id);
    const char *note = c->confirmed ? "Update Server: Target confirmed the action."
                                    : "Update Server: Target denied the action.";
    int rc = c->confirmed ? 0 : controller_check_quota(s, x->id, err); /* denials may repeat */
    if (rc == 0)
        rc = controller_add_entry(s, a, x->id,
                                  c->confirmed ? ACTION_RUNNING : ACTION_WAIT_FOR_CONFIRMATION,
                                  &c->fb, note, err);
    if (rc < 0 || !c->confirmed)
        return rc;
    return store_action_set_status(s, x->id, ACTION_RUNNING, true, x->controller_id, err);
}

int controller_confirm(struct store *s, int64_t target_id, int64_t action_id, bool confirmed,
                       int64_t code, const char *const *details, size_t n_details,
                       struct error *err)
{
    struct confirm_args c = {
        confirmed, {.code = code, .timestamp = -1, .details = details, .n_details = n_details}};
    return controller_with_action(s, target_id, action_id, confirm_fn, &c, err);
}

static int confirm_waiting(struct store *s, struct arena *a, int64_t target_id,
                           const char *initiator, struct error *err)
{
    struct action *open;
    size_t n;
    int rc = store_action_list_active(s, target_id, a, &open, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strcmp(open[i].status, ACTION_WAIT_FOR_CONFIRMATION) != 0)
            continue;
        const char *msg = arena_sprintf(a,
                                        "Update Server: Assignment automatically confirmed by "
                                        "initiator '%s'.",
                                        initiator ? initiator : "");
        if ((rc = controller_add_server_entry(s, a, open[i].id, ACTION_RUNNING, msg, err)) == 0)
            rc = store_action_set_status(s, open[i].id, ACTION_RUNNING, true, open[i].controller_id,
                                         err);
    }
    return rc;
}

struct auto_confirm_args {
    int64_t target_id;
    bool on;
    const char *initiator, *remark;
};

static int auto_confirm_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct auto_confirm_args *x = ctx;
    struct auto_confirm current;
    int rc = store_controller_get_auto_confirm(s, x->target_id, a, &current, err);
    if (rc < 0)
        return rc;
    if (x->on && current.active)
        return err_set(err, ERR_CONFLICT, "auto.confirmation.already.active",
                       "Auto confirmation is already active for this target");
    if ((rc = store_controller_auto_confirm(s, x->target_id, x->on, x->initiator, x->remark, err)) <
            0 ||
        !x->on)
        return rc;
    return confirm_waiting(s, a, x->target_id, x->initiator, err);
}

int controller_auto_confirm(struct store *s, int64_t target_id, bool on, const char *initiator,
                            const char *remark, struct error *err)
{
    struct auto_confirm_args x = {target_id, on, initiator, remark};
    return store_transaction(s, auto_confirm_tx, &x, err);
}
