/* The metadata store: one handle per thread, opened on the configured backend.
 *
 * Everything above the store speaks in records (model.h) and err_kind codes; no
 * SQL and no driver type crosses this line. Entity operations are declared in
 * one header per resource (target_store.h, sm_store.h, ...). */
#ifndef FALCONET_STORE_STORE_H
#define FALCONET_STORE_STORE_H

#include "store/model.h"
#include "util/arena.h"
#include "util/error.h"

struct db;

struct store {
    struct db *db;
};

/** Opens a connection to the database named by target: a SQLite file path, or a
 * `postgres://` / `postgresql://` URL (see db_open). When `migrate` is set, also
 * applies pending migrations and seeds hawkBit's default types (do this once, from
 * the main thread, before any other connection is opened; on PostgreSQL concurrent
 * instances take turns). NULL on failure. */
struct store *store_open(const char *target, bool migrate, struct error *err);
void store_close(struct store *s);

/** Whether this process is the database's only writer (SQLite), so that an in-process
 * cache of its content stays current by watching store_change_generation(). */
bool store_exclusive(const struct store *s);
/** Grows after every committed change made through any store of this process, except
 * bookkeeping that changes nothing a device is told (last-seen times, the scheduler
 * lease). Read it before reading the data a cache entry is made of. */
uint64_t store_change_generation(void);

/* One transaction at a time per handle. */
int store_begin(struct store *s, struct error *err);
int store_commit(struct store *s, struct error *err);
void store_rollback(struct store *s);
/** Runs fn(s, a, ctx, err) in one transaction with a fresh arena: committed when fn
 * returns 0, rolled back when it fails. Returns fn's or the commit's result. */
typedef int (*store_tx_fn)(struct store *s, struct arena *a, void *ctx, struct error *err);
int store_transaction(struct store *s, store_tx_fn fn, void *ctx, struct error *err);

/* ---- users ---- */
/** Number of users (to decide whether to create the first admin). */
int64_t store_user_count(struct store *s);
int store_user_create(struct store *s, const char *username, const char *password_hash,
                      struct error *err);
/** Copies the stored hash into out (size bytes). ERR_NOT_FOUND for unknown users. */
int store_user_password_hash(struct store *s, const char *username, char *out, size_t size,
                             struct error *err);

/* ---- tenant configuration (the values of /rest/v1/system/configs) ---- */
struct tenant_config_row {
    const char *key, *value;
    struct audit audit;
};
/** ERR_NOT_FOUND when the key was never set (the default applies). */
int store_config_get(struct store *s, const char *key, struct arena *a,
                     struct tenant_config_row *out, struct error *err);
int store_config_put(struct store *s, const char *key, const char *value, const char *actor,
                     struct error *err);
int store_config_delete(struct store *s, const char *key, struct error *err);

/* ---- the scheduler lease ---- */
/** Takes or renews the lease on the cluster-wide periodic work for `holder` until
 * now_ms + hold_ms: *granted when holder has it now (it was free, had expired, or
 * was holder's already). Several servers on one database thereby run rollouts and
 * auto-assignment in one place at a time; when the holder dies, its lease expires
 * and another server takes over. */
int store_scheduler_lease(struct store *s, const char *holder, int64_t now_ms, int64_t hold_ms,
                          bool *granted, struct error *err);
/** Gives the lease up (at shutdown) so that another server takes over at once. */
int store_scheduler_release(struct store *s, const char *holder, struct error *err);

/* ---- announcements between the servers sharing a database ----
 * A server that changed something the servers keep in memory announces the topic;
 * every server listening on the database (itself included) handles it and answers.
 * PostgreSQL LISTEN/NOTIFY; on SQLite, which one process serves, nobody is told. */
/** Announces that `topic` changed and waits until every listening server has handled
 * it, at most wait_ms. Call after the change is committed, outside a transaction. 0
 * when all answered (and always on SQLite); ERR_UNAVAILABLE when some did not answer
 * in time or the announcement could not be sent. */
int store_announce(struct store *s, const char *topic, int wait_ms, struct error *err);
/** Makes this connection a listener: it hears every announcement from now on. Again
 * after a lost connection. ERR_INVALID on SQLite. */
int store_listen(struct store *s, struct error *err);
typedef void (*store_announcement_fn)(const char *topic, void *ctx);
/** Waits up to timeout_ms (-1: no limit) for announcements or until wake_fd is
 * readable; calls fn for each one heard and answers it once fn has returned. The
 * number heard (0: timeout or wake-up), or a negative err_kind: ERR_UNAVAILABLE when
 * the connection was lost (announcements may have been missed; store_listen again). */
int store_wait_announcements(struct store *s, int wake_fd, int timeout_ms, store_announcement_fn fn,
                             void *ctx, struct error *err);

#endif
