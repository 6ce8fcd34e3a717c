#include "store/store.h"

#include "store/db.h"
#include "store/migrations.h"
#include "util/log.h"
#include "util/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static int schema_version(struct db *db, struct error *err)
{
    if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", err) <
        0)
        return -1;
    struct db_stmt *st = db_prepare(db, "SELECT MAX(version) FROM schema_version", err);
    if (!st)
        return -1;
    int version = 0;
    if (db_step(st, err) == DB_ROW)
        version = (int)db_col_int(st, 0);
    db_done(st);
    return version;
}

static int apply_migrations(struct db *db, struct error *err)
{
    int count;
    const char *const *migrations =
        db_dialect(db) == DB_POSTGRES ? migrations_pg(&count) : migrations_sqlite(&count);
    int current = schema_version(db, err);
    if (current < 0)
        return -1;
    if (current > count)
        return err_set(err, ERR_INTERNAL, NULL,
                       "database schema version %d is newer than this binary (%d)", current, count);
    for (int v = current; v < count; v++) {
        if (db_begin(db, err) < 0)
            return -1;
        char record[96];
        snprintf(record, sizeof(record), "INSERT INTO schema_version VALUES (%d)", v + 1);
        if (db_exec(db, migrations[v], err) < 0 || db_exec(db, record, err) < 0 ||
            db_commit(db, err) < 0) {
            db_rollback(db);
            return -1;
        }
        log_info("applied migration version=%d", v + 1);
    }
    return 0;
}

/* hawkBit's standard tenant data (reference section g), created once. */
static const char seed_defaults_sql[] =
    "INSERT INTO sm_types (type_key, name, description, max_assignments, created_at, created_by,"
    "  last_modified_at, last_modified_by) VALUES"
    " ('os', 'OS', 'Core firmware or operating system', 1, :now, 'system', :now, 'system'),"
    " ('application', 'Application', 'Application Addons', 2147483647, :now, 'system', :now,"
    "  'system');"
    "INSERT INTO ds_types (type_key, name, description, created_at, created_by, last_modified_at,"
    "  last_modified_by) VALUES"
    " ('os', 'OS only', 'Default type with Firmware/OS only.', :now, 'system', :now, 'system'),"
    " ('app', 'App(s) only', 'Default type with app(s) only.', :now, 'system', :now, 'system'),"
    " ('os_app', 'OS with app(s)', 'Default type with Firmware/OS and optional app(s).', :now,"
    "  'system', :now, 'system');"
    "INSERT INTO ds_type_elements (ds_type_id, sm_type_id, mandatory)"
    " SELECT d.id, s.id, 1 FROM ds_types d, sm_types s WHERE d.type_key = 'os' AND s.type_key = "
    "'os'"
    " UNION ALL SELECT d.id, s.id, 1 FROM ds_types d, sm_types s"
    "  WHERE d.type_key = 'app' AND s.type_key = 'application'"
    " UNION ALL SELECT d.id, s.id, 1 FROM ds_types d, sm_types s"
    "  WHERE d.type_key = 'os_app' AND s.type_key = 'os'"
    " UNION ALL SELECT d.id, s.id, 0 FROM ds_types d, sm_types s"
    "  WHERE d.type_key = 'os_app' AND s.type_key = 'application';";

static int seed_defaults(struct db *db, struct error *err)
{
    struct db_stmt *st = db_prepare(db, "SELECT COUNT(*) FROM sm_types", err);
    if (!st)
        return -1;
    int64_t n = db_step(st, err) == DB_ROW ? db_col_int(st, 0) : -1;
    db_done(st);
    if (n != 0)
        return n < 0 ? -1 : 0;
    /* The seed is fixed text; the only variable is the timestamp, formatted here. */
    char now[24];
    snprintf(now, sizeof(now), "%lld", (long long)time_now_ms());
    size_t len = sizeof(seed_defaults_sql) + 64 * strlen(now);
    char *sql = malloc(len);
    if (!sql)
        return err_set(err, ERR_INTERNAL, NULL, "out of memory");
    char *o = sql;
    for (const char *p = seed_defaults_sql; *p;) {
        if (strncmp(p, ":now", 4) == 0) {
            o += sprintf(o, "%s", now);
            p += 4;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    int rc = db_begin(db, err);
    if (rc == 0 && (rc = db_exec(db, sql, err)) == 0)
        rc = db_commit(db, err);
    if (rc < 0)
        db_rollback(db);
    free(sql);
    return rc;
}

/* Migrations and the seed, one process at a time: a second instance starting against
 * the same database waits here, then finds both done. */
static int migrate_and_seed(struct db *db, struct error *err)
{
    if (db_lock_schema(db, true, err) < 0)
        return -1;
    int rc = apply_migrations(db, err) < 0 || seed_defaults(db, err) < 0 ? -1 : 0;
    if (db_lock_schema(db, false, rc == 0 ? err : NULL) < 0)
        rc = -1;
    return rc;
}

struct store *store_open(const char *target, bool migrate, struct error *err)
{
    struct store *s = calloc(1, sizeof(*s));
    if (!s) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    s->db = db_open(target, err);
    if (!s->db || (migrate && migrate_and_seed(s->db, err) < 0)) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    db_close(s->db);
    free(s);
}

int store_begin(struct store *s, struct error *err)
{
    return db_begin(s->db, err);
}

int store_commit(struct store *s, struct error *err)
{
    int rc = db_commit(s->db, err);
    if (rc < 0)
        db_rollback(s->db);
    return rc;
}

void store_rollback(struct store *s)
{
    db_rollback(s->db);
}

int store_transaction(struct store *s, store_tx_fn fn, void *ctx, struct error *err)
{
    struct arena a;
    arena_init(&a);
    int rc = store_begin(s, err);
    if (rc == 0) {
        rc = fn(s, &a, ctx, err);
        if (rc == 0)
            rc = store_commit(s, err);
        else
            store_rollback(s);
    }
    arena_free(&a);
    return rc;
}

int64_t store_user_count(struct store *s)
{
    struct db_stmt *st = db_prepare(s->db, "SELECT COUNT(*) FROM users", NULL);
    if (!st)
        return -1;
    int64_t n = db_step(st, NULL) == DB_ROW ? db_col_int(st, 0) : -1;
    db_done(st);
    return n;
}

int store_user_create(struct store *s, const char *username, const char *password_hash,
                      struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, username);
    db_bind_text(st, 2, password_hash);
    db_bind_int(st, 3, time_now_ms());
    return db_run(st, err);
}

int store_user_password_hash(struct store *s, const char *username, char *out, size_t size,
                             struct error *err)
{
    struct db_stmt *st =
        db_prepare(s->db, "SELECT password_hash FROM users WHERE username = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, username);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        snprintf(out, size, "%s", db_col_text(st, 0));
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, NULL, "no such user");
    }
    db_done(st);
    return rc;
}

int store_config_get(struct store *s, const char *key, struct arena *a,
                     struct tenant_config_row *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT value, created_at, created_by, last_modified_at,"
                                    " last_modified_by FROM tenant_configs WHERE key = ?",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, key);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        out->key = arena_strdup(a, key);
        out->value = arena_strdup(a, db_col_text(st, 0));
        out->audit.created_at = db_col_int(st, 1);
        out->audit.created_by = arena_strdup(a, db_col_text(st, 2));
        out->audit.last_modified_at = db_col_int(st, 3);
        out->audit.last_modified_by = arena_strdup(a, db_col_text(st, 4));
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = -ERR_NOT_FOUND;
    }
    db_done(st);
    return rc;
}

int store_config_put(struct store *s, const char *key, const char *value, const char *actor,
                     struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO tenant_configs (key, value, created_at, created_by, last_modified_at,"
        " last_modified_by) VALUES (?1, ?2, ?3, ?4, ?3, ?4)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
        " last_modified_at = excluded.last_modified_at,"
        " last_modified_by = excluded.last_modified_by",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value);
    db_bind_int(st, 3, time_now_ms());
    db_bind_text(st, 4, actor);
    return db_run(st, err);
}

int store_config_delete(struct store *s, const char *key, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, "DELETE FROM tenant_configs WHERE key = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, key);
    return db_run(st, err);
}

bool store_exclusive(const struct store *s)
{
    return db_exclusive(s->db);
}

uint64_t store_change_generation(void)
{
    return db_change_generation();
}

int store_scheduler_lease(struct store *s, const char *holder, int64_t now_ms, int64_t hold_ms,
                          bool *granted, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE scheduler_lease SET holder = ?1, expires_at = ?2 + ?3"
                                    " WHERE name = 'tick' AND (expires_at <= ?2 OR holder = ?1)",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, holder);
    db_bind_int(st, 2, now_ms);
    db_bind_int(st, 3, hold_ms);
    db_track_changes(s->db, false); /* bookkeeping, renewed every tick: see db.h */
    int rc = db_run(st, err);
    *granted = rc == 0 && db_changes(s->db) == 1;
    db_track_changes(s->db, true);
    return rc;
}

int store_scheduler_release(struct store *s, const char *holder, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db, "UPDATE scheduler_lease SET expires_at = 0 WHERE name = 'tick' AND holder = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_text(st, 1, holder);
    return db_run(st, err);
}

/* ---- announcements ----
 *
 * An announcement is a notice "<topic> <token>" on ANNOUNCE_CHANNEL. Each listening
 * server handles it and answers with the token on ACK_CHANNEL; the announcing
 * connection listens there until as many answers came as there are listeners. A
 * listener shows itself by holding a shared session advisory lock (LISTENER_LOCK),
 * which pg_locks counts and which goes away with its session. */

#define ANNOUNCE_CHANNEL "falconet_changes"
#define ACK_CHANNEL "falconet_acks"
#define LISTENER_LOCK "1180789868, 1" /* two int4 keys: "Fall", 1 */
#define TOKEN_BYTES 8

int store_listen(struct store *s, struct error *err)
{
    int rc = db_listen(s->db, ANNOUNCE_CHANNEL, true, err);
    return rc < 0 ? rc : db_exec(s->db, "SELECT pg_advisory_lock_shared(" LISTENER_LOCK ")", err);
}

/* How many sessions on this database listen for announcements: 0 with *n, or a
 * negative err_kind. */
static int listeners(struct store *s, int64_t *n, struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid = 1180789868 AND objid = 1 AND objsubid = 2"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int rc = db_step(st, err);
    *n = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_done(st);
    return rc < 0 ? rc : 0;
}

struct acks {
    const char *token;
    int64_t count;
};

static void count_ack(const char *channel, const char *payload, void *ctx)
{
    struct acks *acks = ctx;
    if (strcmp(channel, ACK_CHANNEL) == 0 && strcmp(payload, acks->token) == 0)
        acks->count++;
}

/* Sends the announcement and waits for the answers; 0 when every listener answered. */
static int announce_and_wait(struct store *s, const char *topic, const char *token, int wait_ms,
                             struct error *err)
{
    int64_t expected;
    int rc = listeners(s, &expected, err);
    char payload[128];
    snprintf(payload, sizeof(payload), "%.80s %s", topic, token);
    if (rc < 0 || (rc = db_notify(s->db, ANNOUNCE_CHANNEL, payload, err)) < 0)
        return rc;
    struct acks acks = {token, 0};
    int64_t deadline = time_mono_ms() + wait_ms;
    while (acks.count < expected) {
        int64_t left = deadline - time_mono_ms();
        if (left <= 0)
            return err_set(err, ERR_UNAVAILABLE, NULL, "%lld of %lld servers answered in %d ms",
                           (long long)acks.count, (long long)expected, wait_ms);
        if ((rc = db_wait_notices(s->db, -1, (int)left, count_ack, &acks, err)) < 0)
            return rc;
    }
    return 0;
}

static void ignore_notice(const char *channel, const char *payload, void *ctx)
{
    (void)channel, (void)payload, (void)ctx;
}

int store_announce(struct store *s, const char *topic, int wait_ms, struct error *err)
{
    if (store_exclusive(s))
        return 0;
    unsigned char raw[TOKEN_BYTES];
    char token[2 * TOKEN_BYTES + 1];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return err_set(err, ERR_INTERNAL, NULL, "no random bytes");
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    int rc = db_listen(s->db, ACK_CHANNEL, true, err);
    if (rc < 0)
        return rc;
    rc = announce_and_wait(s, topic, token, wait_ms, err);
    int unlisten = db_listen(s->db, ACK_CHANNEL, false, rc < 0 ? NULL : err);
    if (rc == 0)
        rc = unlisten;
    /* Late answers that arrived with the UNLISTEN: dropped, or they would pile up. */
    while (db_wait_notices(s->db, -1, 0, ignore_notice, NULL, NULL) > 0)
        ;
    return rc;
}

struct announcement_sink {
    struct store *store;
    store_announcement_fn fn;
    void *ctx;
};

/* Handles "<topic> <token>" and answers with the token once it is handled. */
static void on_announcement(const char *channel, const char *payload, void *ctx)
{
    struct announcement_sink *sink = ctx;
    if (strcmp(channel, ANNOUNCE_CHANNEL) != 0)
        return;
    char topic[96];
    const char *token = strchr(payload, ' ');
    size_t len = token ? (size_t)(token - payload) : strlen(payload);
    snprintf(topic, sizeof(topic), "%.*s", (int)(len < sizeof(topic) ? len : sizeof(topic) - 1),
             payload);
    sink->fn(topic, sink->ctx);
    if (token)
        db_notify(sink->store->db, ACK_CHANNEL, token + 1, NULL);
}

int store_wait_announcements(struct store *s, int wake_fd, int timeout_ms, store_announcement_fn fn,
                             void *ctx, struct error *err)
{
    struct announcement_sink sink = {s, fn, ctx};
    return db_wait_notices(s->db, wake_fd, timeout_ms, on_announcement, &sink, err);
}
