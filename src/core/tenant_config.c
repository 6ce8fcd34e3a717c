#include "core/tenant_config.h"

#include "util/log.h"
#include "util/time.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_POLLING_SECONDS 30

/* Falconet ships with target-token authentication on (hawkBit: off), so a fresh
 * server is usable by devices registered through the Management API and still
 * never open to unknown devices. */
static const struct config_key keys[] = {
    {"authentication.header.enabled", CONFIG_BOOL, "false"},
    {"authentication.header.authority", CONFIG_STRING, ""},
    {"authentication.targettoken.enabled", CONFIG_BOOL, "true"},
    {"authentication.gatewaytoken.enabled", CONFIG_BOOL, "false"},
    {"authentication.gatewaytoken.key", CONFIG_STRING, ""},
    {"anonymous.download.enabled", CONFIG_BOOL, "false"},
    {"pollingTime", CONFIG_DURATION, "00:05:00"},
    {"pollingOverdueTime", CONFIG_DURATION, "00:05:00"},
    {"minPollingTime", CONFIG_DURATION, "00:00:30"},
    {"maintenanceWindowPollCount", CONFIG_INT, "3"},
    {"rollout.approval.enabled", CONFIG_BOOL, "false"},
    {"repository.actions.autoclose.enabled", CONFIG_BOOL, "false"},
    {"user.confirmation.flow.enabled", CONFIG_BOOL, "false"},
    {"batch.assignments.enabled", CONFIG_BOOL, "false"},
    {"multi.assignments.enabled", CONFIG_BOOL, "false"},
    {"implicit.lock.enabled", CONFIG_BOOL, "true"},
    {"action.cleanup.enabled", CONFIG_BOOL, "false"},
    {"action.cleanup.actionExpiry", CONFIG_INT, "2592000000"},
    {"action.cleanup.actionStatus", CONFIG_STRING, "CANCELED,ERROR"},
};

const struct config_key *tenant_config_keys(size_t *count)
{
    *count = sizeof(keys) / sizeof(keys[0]);
    return keys;
}

const struct config_key *tenant_config_key(const char *name)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static int invalid(struct error *err, const struct config_key *key, const char *why)
{
    return err_set(err, ERR_INVALID, "configValueInvalid",
                   "The given configuration value is invalid for key %s: %s", key->name, why);
}

int tenant_config_validate(const struct config_key *key, const char *value, struct error *err)
{
    switch (key->type) {
    case CONFIG_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return invalid(err, key, "expected a boolean");
        if (strcmp(key->name, "multi.assignments.enabled") == 0 && strcmp(value, "true") == 0)
            return invalid(err, key, "multi-assignment is not supported");
        return 0;
    case CONFIG_DURATION: {
        int seconds = time_parse_hms(value);
        if (seconds < 0)
            return invalid(err, key, "expected HH:MM:SS");
        if (strcmp(key->name, "pollingOverdueTime") != 0 && seconds < MIN_POLLING_SECONDS)
            return invalid(err, key, "must be at least 00:00:30");
        return 0;
    }
    case CONFIG_INT: {
        char *end;
        errno = 0;
        long long n = strtoll(value, &end, 10);
        if (errno || end == value || *end || n < 0)
            return invalid(err, key, "expected a non-negative integer");
        return 0;
    }
    case CONFIG_STRING:
        if (strlen(value) > 512)
            return invalid(err, key, "longer than 512 characters");
        return 0;
    }
    return invalid(err, key, "unknown type");
}

int tenant_config_get(struct store *s, const struct config_key *key, struct arena *a,
                      struct config_value *out, struct error *err)
{
    struct tenant_config_row row;
    int rc = store_config_get(s, key->name, a, &row, err);
    if (rc == 0) {
        out->value = row.value;
        out->global = false;
        out->audit = row.audit;
        return 0;
    }
    if (rc != -ERR_NOT_FOUND)
        return rc;
    out->value = key->default_value;
    out->global = true;
    out->audit = (struct audit){-1, -1, NULL, NULL};
    return 0;
}

bool tenant_config_bool(struct store *s, const char *name)
{
    const struct config_key *key = tenant_config_key(name);
    if (!key)
        return false;
    struct arena a;
    arena_init(&a);
    struct config_value v;
    bool result = strcmp(key->default_value, "true") == 0;
    if (tenant_config_get(s, key, &a, &v, NULL) == 0)
        result = strcmp(v.value, "true") == 0;
    arena_free(&a);
    return result;
}

/* ---- the cached snapshot ---- */

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tenant_settings settings_cache;
static int64_t settings_loaded_at = -1; /* monotonic ms; -1 = stale */

static const char *effective(struct store *s, struct arena *a, const char *name)
{
    const struct config_key *key = tenant_config_key(name);
    struct config_value v = {0};
    if (tenant_config_get(s, key, a, &v, NULL) < 0)
        return key->default_value;
    return v.value;
}

static bool effective_bool(struct store *s, struct arena *a, const char *name)
{
    return strcmp(effective(s, a, name), "true") == 0;
}

static void load_settings(struct store *s, struct tenant_settings *out)
{
    struct arena a;
    arena_init(&a);
    memset(out, 0, sizeof(*out));
    out->polling_seconds = time_parse_hms(effective(s, &a, "pollingTime"));
    out->overdue_seconds = time_parse_hms(effective(s, &a, "pollingOverdueTime"));
    out->min_polling_seconds = time_parse_hms(effective(s, &a, "minPollingTime"));
    out->window_poll_count = atoi(effective(s, &a, "maintenanceWindowPollCount"));
    if (out->window_poll_count < 1)
        out->window_poll_count = 1;
    out->targettoken_auth = effective_bool(s, &a, "authentication.targettoken.enabled");
    out->gatewaytoken_auth = effective_bool(s, &a, "authentication.gatewaytoken.enabled");
    out->header_auth = effective_bool(s, &a, "authentication.header.enabled");
    out->anonymous_download = effective_bool(s, &a, "anonymous.download.enabled");
    out->confirmation_flow = effective_bool(s, &a, "user.confirmation.flow.enabled");
    snprintf(out->gateway_key, sizeof(out->gateway_key), "%s",
             effective(s, &a, "authentication.gatewaytoken.key"));
    snprintf(out->header_authority, sizeof(out->header_authority), "%s",
             effective(s, &a, "authentication.header.authority"));
    arena_free(&a);
}

void tenant_settings_get(struct store *s, struct tenant_settings *out)
{
    int64_t now = time_mono_ms();
    pthread_mutex_lock(&settings_lock);
    if (settings_loaded_at < 0 || now - settings_loaded_at > TENANT_SETTINGS_TTL_MS) {
        load_settings(s, &settings_cache);
        settings_loaded_at = now;
    }
    *out = settings_cache;
    pthread_mutex_unlock(&settings_lock);
}

int64_t tenant_settings_overdue_ts(struct store *s)
{
    struct tenant_settings cfg;
    tenant_settings_get(s, &cfg);
    return time_now_ms() - ((int64_t)cfg.polling_seconds + cfg.overdue_seconds) * 1000;
}

void tenant_settings_forget(void)
{
    pthread_mutex_lock(&settings_lock);
    settings_loaded_at = -1;
    pthread_mutex_unlock(&settings_lock);
}

void tenant_settings_changed(struct store *s)
{
    tenant_settings_forget();
    /* Every server's copy is gone once all have answered; one that does not answer
     * re-reads its copy within the TTL anyway, so waiting that long is enough. */
    struct error err;
    if (store_announce(s, TENANT_SETTINGS_TOPIC, TENANT_SETTINGS_TTL_MS, &err) < 0)
        log_warn("tenant settings change: %s (each server re-reads them within %d ms)", err.message,
                 TENANT_SETTINGS_TTL_MS);
}
