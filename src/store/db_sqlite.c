/* SQLite driver for db.h: WAL mode, full durability, a statement cache per
 * connection keyed by the address of the SQL string literal. */
#include "store/db.h"

#include "store/db_driver.h"
#include "util/log.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE_SIZE 512 /* power of two; more than the store's distinct statements */

struct sqlite_stmt {
    struct db_stmt base;
    sqlite3_stmt *stmt;
    bool temporary;
};

struct sqlite_db {
    struct db base;
    sqlite3 *handle;
    struct {
        const char *sql;
        struct sqlite_stmt st;
    } cache[STMT_CACHE_SIZE];
};

static const struct db_ops sqlite_ops;

static struct sqlite_db *sdb(struct db *db)
{
    return (struct sqlite_db *)db;
}

static sqlite3_stmt *stmt_of(struct db_stmt *st)
{
    return ((struct sqlite_stmt *)st)->stmt;
}

static int map_error(struct sqlite_db *db, int rc, struct error *err)
{
    int ext = sqlite3_extended_errcode(db->handle);
    const char *msg = sqlite3_errmsg(db->handle);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return err_set(err, ERR_EXISTS, "repo.entityAlreadyExists", "%s", msg);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return err_set(err, ERR_INVALID, "repo.constraintViolation", "%s", msg);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return err_set(err, ERR_UNAVAILABLE, "repo.genericError", "database busy");
    log_error("sqlite error rc=%d msg=\"%s\"", rc, msg);
    return err_set(err, ERR_INTERNAL, "repo.genericError", "database error");
}

/* SQLite counts every allocation under one process-wide mutex unless told not to:
 * a few percent of every request, and contention between the workers. */
static pthread_once_t sqlite_configured = PTHREAD_ONCE_INIT;

static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct db *db_open_sqlite(const char *path, struct error *err)
{
    pthread_once(&sqlite_configured, configure_sqlite);
    struct sqlite_db *db = calloc(1, sizeof(*db));
    if (!db) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    db->base.ops = &sqlite_ops;
    /* unix-excl: the process holds the database file exclusively and keeps WAL's
     * index in its own memory, so a read no longer costs four fcntl() lock calls
     * (a tenth of a device poll's CPU). Connections of this process still share
     * it; another process (a second server on the same data directory) is kept out. */
    int rc = sqlite3_open_v2(path, &db->handle,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             "unix-excl");
    if (rc != SQLITE_OK) {
        err_set(err, ERR_INTERNAL, NULL, "cannot open database %s: %s", path,
                db->handle ? sqlite3_errmsg(db->handle) : "out of memory");
        db_close(&db->base);
        return NULL;
    }
    /* Opening waits less: when another process holds the file, say so soon. */
    sqlite3_busy_timeout(db->handle, 2000);
    sqlite3_extended_result_codes(db->handle, 1);
    /* synchronous=FULL: every acknowledged write survives power loss, not just a crash. */
    if (db_exec(&db->base,
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;",
                err) < 0) {
        if ((sqlite3_errcode(db->handle) & 0xff) == SQLITE_BUSY)
            err_set(err, ERR_UNAVAILABLE, NULL,
                    "database %s is in use by another process (one server per SQLite "
                    "database; several servers share a PostgreSQL database)",
                    path);
        db_close(&db->base);
        return NULL;
    }
    sqlite3_busy_timeout(db->handle, 10000);
    return &db->base;
}

static void sqlite_close(struct db *base)
{
    struct sqlite_db *db = sdb(base);
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
        if (db->cache[i].st.stmt)
            sqlite3_finalize(db->cache[i].st.stmt);
    sqlite3_close(db->handle);
    free(db);
}

static struct db_stmt *prepare_temp(struct sqlite_db *db, const char *sql, struct error *err);

static struct db_stmt *sqlite_prepare(struct db *base, const char *sql, bool cached,
                                      struct error *err)
{
    struct sqlite_db *db = sdb(base);
    if (!cached)
        return prepare_temp(db, sql, err);
    size_t slot = ((uintptr_t)sql >> 3) & (STMT_CACHE_SIZE - 1);
    for (size_t probe = 0; probe < STMT_CACHE_SIZE; probe++) {
        size_t i = (slot + probe) & (STMT_CACHE_SIZE - 1);
        if (db->cache[i].sql == sql)
            return &db->cache[i].st.base;
        if (db->cache[i].sql)
            continue;
        sqlite3_stmt *stmt;
        int rc = sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
        if (rc != SQLITE_OK) {
            map_error(db, rc, err);
            return NULL;
        }
        db->cache[i].sql = sql;
        db->cache[i].st =
            (struct sqlite_stmt){.base = {.db = base}, .stmt = stmt, .temporary = false};
        return &db->cache[i].st.base;
    }
    err_set(err, ERR_INTERNAL, NULL, "statement cache full");
    return NULL;
}

static struct db_stmt *prepare_temp(struct sqlite_db *db, const char *sql, struct error *err)
{
    struct sqlite_stmt *st = calloc(1, sizeof(*st));
    if (!st) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    int rc = sqlite3_prepare_v2(db->handle, sql, -1, &st->stmt, NULL);
    if (rc != SQLITE_OK) {
        map_error(db, rc, err);
        free(st);
        return NULL;
    }
    st->base.db = &db->base;
    st->temporary = true;
    return &st->base;
}

/* Outside a transaction a writing statement commits when it finishes or is reset. */
static void publish_autocommitted(struct sqlite_db *db)
{
    if (db->base.dirty && sqlite3_get_autocommit(db->handle))
        db_changes_committed(&db->base);
}

static void sqlite_done(struct db_stmt *base)
{
    struct sqlite_stmt *st = (struct sqlite_stmt *)base;
    struct sqlite_db *db = sdb(base->db);
    if (st->temporary) {
        sqlite3_finalize(st->stmt);
        free(st);
    } else {
        sqlite3_reset(st->stmt);
        sqlite3_clear_bindings(st->stmt);
    }
    publish_autocommitted(db);
}

static void sqlite_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    sqlite3_bind_int64(stmt_of(st), idx, v);
}

static void sqlite_bind_double(struct db_stmt *st, int idx, double v)
{
    sqlite3_bind_double(stmt_of(st), idx, v);
}

static void sqlite_bind_text(struct db_stmt *st, int idx, const char *v)
{
    sqlite3_bind_text(stmt_of(st), idx, v, -1, SQLITE_TRANSIENT);
}

static void sqlite_bind_null(struct db_stmt *st, int idx, bool typed_int)
{
    sqlite3_bind_null(stmt_of(st), idx);
}

static int sqlite_step(struct db_stmt *st, struct error *err)
{
    int rc = sqlite3_step(stmt_of(st));
    if (!sqlite3_stmt_readonly(stmt_of(st)))
        db_note_change(st->db);
    if (rc == SQLITE_DONE)
        publish_autocommitted(sdb(st->db));
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    return map_error(sdb(st->db), rc, err);
}

static int64_t sqlite_col_int(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(stmt_of(st), col);
}

static double sqlite_col_double(struct db_stmt *st, int col)
{
    return sqlite3_column_double(stmt_of(st), col);
}

static const char *sqlite_col_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(stmt_of(st), col);
}

static bool sqlite_col_is_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(stmt_of(st), col) == SQLITE_NULL;
}

static int64_t sqlite_changes(struct db *db)
{
    return sqlite3_changes64(sdb(db)->handle);
}

static int exec_sql(struct db *db, const char *sql, struct error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(sdb(db)->handle, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int out = err_set(err, ERR_INTERNAL, "repo.genericError", "%s", msg ? msg : "error");
        sqlite3_free(msg);
        return out;
    }
    return 0;
}

/* Scripts (migrations, pragmas) count as changes. */
static int sqlite_exec(struct db *db, const char *sql, struct error *err)
{
    int rc = exec_sql(db, sql, err);
    db_note_change(db);
    publish_autocommitted(sdb(db));
    return rc;
}

static int sqlite_begin(struct db *db, struct error *err)
{
    return exec_sql(db, "BEGIN IMMEDIATE", err);
}

static int sqlite_commit(struct db *db, struct error *err)
{
    int rc = exec_sql(db, "COMMIT", err);
    if (rc == 0)
        db_changes_committed(db);
    return rc;
}

static void sqlite_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(sdb(db)->handle))
        sqlite3_exec(sdb(db)->handle, "ROLLBACK", NULL, NULL, NULL);
    db_changes_rolled_back(db);
}

static int sqlite_lock_schema(struct db *db, bool lock, struct error *err)
{
    return 0;
}

static const struct db_ops sqlite_ops = {
    .dialect = DB_SQLITE,
    .exclusive = true,
    .close = sqlite_close,
    .prepare = sqlite_prepare,
    .done = sqlite_done,
    .bind_int = sqlite_bind_int,
    .bind_double = sqlite_bind_double,
    .bind_text = sqlite_bind_text,
    .bind_null = sqlite_bind_null,
    .step = sqlite_step,
    .col_int = sqlite_col_int,
    .col_double = sqlite_col_double,
    .col_text = sqlite_col_text,
    .col_is_null = sqlite_col_is_null,
    .changes = sqlite_changes,
    .exec = sqlite_exec,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .lock_schema = sqlite_lock_schema,
};
