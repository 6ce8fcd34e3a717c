/* What the DDI side needs to know about a device it has already authenticated,
 * kept in memory so that a poll with nothing pending costs no database read.
 *
 * An entry is found by the path's controller id and the request's whole
 * Authorization header, through a keyed 128-bit hash of both: a hit is as good as
 * the token comparison it replaces. Each entry carries the store's change
 * generation read before its data was; any later committed change (an assignment,
 * a new token, a deleted target, a tenant setting) moves the generation and retires
 * every entry at once. That is exact only where this process is the database's only
 * writer (store_exclusive(): SQLite); several servers on one PostgreSQL run
 * without it.
 *
 * Fixed memory: a set-associative table of `entries` slots of 32 bytes, allocated
 * once and touched as it fills. Thread-safe. */
#ifndef FALCONET_CORE_DEVICE_CACHE_H
#define FALCONET_CORE_DEVICE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum device_auth_kind { DEVICE_AUTH_TARGET_TOKEN = 1, DEVICE_AUTH_GATEWAY_TOKEN = 2 };

struct device_entry {
    int64_t target_id;
    int64_t installed_action_id; /* -1: none */
    bool request_attributes;
    bool open_action; /* the target has an action to show: the poll needs the database */
    enum device_auth_kind auth;
};

struct device_cache;

/** A cache of at least `entries` slots (rounded up to a power of two); NULL when
 * entries is 0 or memory is short. */
struct device_cache *device_cache_new(size_t entries);
void device_cache_free(struct device_cache *c);

/** The entry for this controller id and Authorization header if it is current at
 * `generation` (store_change_generation() now). */
bool device_cache_get(struct device_cache *c, const char *controller_id, const char *authorization,
                      uint64_t generation, struct device_entry *out);
/** Records what a database lookup that started at `generation` found. Entries whose
 * ids do not fit the compact slot are not kept. */
void device_cache_put(struct device_cache *c, const char *controller_id, const char *authorization,
                      uint64_t generation, const struct device_entry *e);

/** Hits and misses so far (for logs and benchmarks). */
void device_cache_stats(struct device_cache *c, uint64_t *hits, uint64_t *misses);

#endif
