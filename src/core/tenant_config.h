/* hawkBit's tenant configuration keys (/rest/v1/system/configs): their types,
 * defaults and validation, and reading the effective value of a key. */
#ifndef FALCONET_CORE_TENANT_CONFIG_H
#define FALCONET_CORE_TENANT_CONFIG_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

enum config_type { CONFIG_BOOL, CONFIG_STRING, CONFIG_DURATION, CONFIG_INT };

struct config_key {
    const char *name;
    enum config_type type;
    const char *default_value; /* canonical text: "true", "00:05:00", "3", "" */
};

/** The known keys in display order. */
const struct config_key *tenant_config_keys(size_t *count);
/** NULL for unknown names. */
const struct config_key *tenant_config_key(const char *name);

/** Checks a value's canonical text for the key (durations in range, ints in range,
 * unsupported settings). ERR_INVALID with code configValueInvalid. */
int tenant_config_validate(const struct config_key *key, const char *value, struct error *err);

/** The effective value: the stored override, or the default (global = true, audit
 * zeroed). */
struct config_value {
    const char *value;
    bool global;
    struct audit audit;
};
int tenant_config_get(struct store *s, const struct config_key *key, struct arena *a,
                      struct config_value *out, struct error *err);
/** Convenience for rules: the effective boolean value (default on store errors). */
bool tenant_config_bool(struct store *s, const char *name);

/** The settings the device side reads on every request, as one snapshot. */
struct tenant_settings {
    int polling_seconds, overdue_seconds, min_polling_seconds, window_poll_count;
    bool targettoken_auth, gatewaytoken_auth, header_auth, anonymous_download;
    bool confirmation_flow;
    char gateway_key[520], header_authority[520];
};
/** The current settings from a process-wide cache, so a poll costs no configuration
 * query. The cache is re-read from the store after tenant_settings_forget() (this
 * server or, through its change listener, another server on the same database
 * changed a value) and, as a safety net for a lost announcement, when older than
 * TENANT_SETTINGS_TTL_MS. */
#define TENANT_SETTINGS_TTL_MS 2000
void tenant_settings_get(struct store *s, struct tenant_settings *out);
/** hawkBit's ${OVERDUE_TS}: now minus pollingTime and pollingOverdueTime (epoch ms). */
int64_t tenant_settings_overdue_ts(struct store *s);
/** The announcement topic (store_announce) of a tenant configuration change. */
#define TENANT_SETTINGS_TOPIC "tenant_settings"
/** Call after a tenant configuration write is committed: forgets this server's
 * snapshot and announces the change to the other servers on the database, returning
 * once each has forgotten its own (at most TENANT_SETTINGS_TTL_MS, after which a
 * server that did not answer re-reads anyway), so that the next request to any
 * server sees the new values. */
void tenant_settings_changed(struct store *s);
/** Forgets this server's snapshot (the next read goes to the store). */
void tenant_settings_forget(void);

#endif
