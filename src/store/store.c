#include "store/store.h"

#include "store/db.h"
#include "store/migrations.h"
#include "util/log.h"
#include "util/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
