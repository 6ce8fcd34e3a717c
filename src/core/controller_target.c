/* The device side's rules about the target itself: plug-and-play registration,
 * installations reported without an action, and controller attributes. */
#include "core/controller.h"
#include "core/controller_history.h"

#include "auth/auth.h"
#include "store/action_store.h"
#include "util/time.h"

#include <string.h>

/* ---- registration and attributes ---- */

struct registration {
    const char *controller_id, *address;
};

static int register_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct registration *r = ctx;
    char token[33];
    auth_random_hex(token, 16);
    struct target t = {
        .controller_id = r->controller_id,
        .name = r->controller_id,
        .description = arena_sprintf(a, "Plug and Play target: %s", r->controller_id),
        .security_token = token,
        .address = r->address,
        .update_status = TARGET_STATUS_REGISTERED,
        .request_attributes = true,
    };
    return store_target_create(s, &t, r->controller_id, err);
}

int controller_register(struct store *s, const char *controller_id, const char *address,
                        struct error *err)
{
    struct registration r = {controller_id, address};
    int rc = store_transaction(s, register_tx, &r, err);
    return rc == -ERR_EXISTS ? 0 : rc;
}

static int record_offline(struct store *s, struct arena *a, const struct target *t, int64_t ds_id,
                          struct error *err)
{
    struct action x = {
        .target_id = t->id,
        .ds_id = ds_id,
        .action_type = "forced",
        .forced_time = -1,
        .weight = 1000,
        .status = ACTION_FINISHED,
        .active = false,
        .rollout_id = -1,
        .rollout_group_id = -1,
    };
    struct action *open;
    size_t n;
    int rc = store_action_create(s, &x, t->controller_id, err);
    if (rc < 0 ||
        (rc = controller_add_server_entry(
             s, a, x.id, ACTION_FINISHED,
             "Update Server: Target reported an installation without an "
             "action (offline update).",
             err)) < 0 ||
        (rc = store_action_list_active(s, t->id, a, &open, &n, err)) < 0)
        return rc;
    if (n > 0)
        return store_target_set_state(s, t->id, TARGET_STATUS_PENDING, t->assigned_ds_id, ds_id,
                                      time_now_ms(), err);
    return store_target_set_state(s, t->id, TARGET_STATUS_IN_SYNC, ds_id, ds_id, time_now_ms(),
                                  err);
}

struct offline_args {
    int64_t target_id, ds_id;
    bool *created;
};

static int installed_offline_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct offline_args *o = ctx;
    struct target t;
    int rc = store_target_get_by_id(s, o->target_id, a, &t, err);
    if (rc < 0 || t.installed_ds_id == o->ds_id)
        return rc;
    *o->created = true;
    return record_offline(s, a, &t, o->ds_id, err);
}

int controller_installed_offline(struct store *s, int64_t target_id, int64_t ds_id, bool *created,
                                 struct error *err)
{
    struct offline_args o = {target_id, ds_id, created};
    *created = false;
    int rc = store_transaction(s, installed_offline_tx, &o, err);
    if (rc < 0)
        *created = false;
    return rc;
}

/* hawkBit's attribute alphabet (reference a.4): ASCII letters, digits, whitespace
 * and common punctuation. */
static bool valid_attribute_text(const char *v)
{
    static const char punctuation[] = "_-!@#$%^&*()+=[]{}|;:'\",.<>/\\? \t\r\n\f\v";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++, n++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(punctuation, *p)))
            return false;
    return n <= CONTROLLER_MAX_ATTRIBUTE_LEN;
}

struct attributes_args {
    int64_t target_id;
    enum attributes_mode mode;
    const struct attribute *items;
    size_t n;
};

static int config_data_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct attributes_args *x = ctx;
    int64_t total;
    int rc = store_controller_attributes(s, x->target_id, x->mode, x->items, x->n, &total, err);
    if (rc < 0)
        return rc;
    if (total > CONTROLLER_MAX_ATTRIBUTES)
        return err_set(err, ERR_QUOTA, "quota.tooManyEntries",
                       "A target may have at most %d attributes", CONTROLLER_MAX_ATTRIBUTES);
    return store_controller_request_attributes(s, x->target_id, false, err);
}

int controller_config_data(struct store *s, int64_t target_id, enum attributes_mode mode,
                           const struct attribute *items, size_t n, struct error *err)
{
    if (n == 0)
        return err_set(err, ERR_INVALID, "rest.body.notReadable",
                       "configData needs a non-empty data object");
    for (size_t i = 0; i < n; i++)
        if (!items[i].key[0] || !valid_attribute_text(items[i].key) ||
            (items[i].value && mode != ATTRIBUTES_REMOVE && !valid_attribute_text(items[i].value)))
            return err_set(err, ERR_INVALID, "repo.invalidTargetAttributes",
                           "Attribute keys and values must be 1-%d characters of letters, "
                           "digits, whitespace and punctuation",
                           CONTROLLER_MAX_ATTRIBUTE_LEN);
    struct attributes_args args = {target_id, mode, items, n};
    return store_transaction(s, config_data_tx, &args, err);
}
