/* SQLite driver for db.h: WAL mode, full durability, a statement cache per
 * connection keyed by the address of the SQL string literal. */
#include "store/db.h"

#include "util/log.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE_SIZE 512 /* power of two; more than the store's distinct statements */

struct db_stmt {
    sqlite3_stmt *stmt;
    struct db *db;
    bool temporary;
};

struct db {
    sqlite3 *handle;
    struct {
        const char *sql;
        struct db_stmt st;
    } cache[STMT_CACHE_SIZE];
};

static int map_error(struct db *db, int rc, struct error *err)
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
    struct db *db = calloc(1, sizeof(*db));
    if (!db) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
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
        db_close(db);
        return NULL;
    }
    /* Opening waits less: when another process holds the file, say so soon. */
    sqlite3_busy_timeout(db->handle, 2000);
    sqlite3_extended_result_codes(db->handle, 1);
    /* synchronous=FULL: every acknowledged write survives power loss, not just a crash. */
    if (db_exec(db,
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;",
                err) < 0) {
        if ((sqlite3_errcode(db->handle) & 0xff) == SQLITE_BUSY)
            err_set(err, ERR_UNAVAILABLE, NULL,
                    "database %s is in use by another process (one server per SQLite "
                    "database; several servers share a PostgreSQL database)",
                    path);
        db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->handle, 10000);
    return db;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
        if (db->cache[i].st.stmt)
            sqlite3_finalize(db->cache[i].st.stmt);
    sqlite3_close(db->handle);
    free(db);
}

struct db_stmt *db_prepare(struct db *db, const char *sql, struct error *err)
{
    size_t slot = ((uintptr_t)sql >> 3) & (STMT_CACHE_SIZE - 1);
    for (size_t probe = 0; probe < STMT_CACHE_SIZE; probe++) {
        size_t i = (slot + probe) & (STMT_CACHE_SIZE - 1);
        if (db->cache[i].sql == sql)
            return &db->cache[i].st;
        if (db->cache[i].sql)
            continue;
        sqlite3_stmt *stmt;
        int rc = sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
        if (rc != SQLITE_OK) {
            map_error(db, rc, err);
            return NULL;
        }
        db->cache[i].sql = sql;
        db->cache[i].st = (struct db_stmt){.stmt = stmt, .db = db, .temporary = false};
        return &db->cache[i].st;
    }
    err_set(err, ERR_INTERNAL, NULL, "statement cache full");
    return NULL;
}

struct db_stmt *db_prepare_temp(struct db *db, const char *sql, struct error *err)
{
    struct db_stmt *st = calloc(1, sizeof(*st));
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
    st->db = db;
    st->temporary = true;
    return st;
}

void db_done(struct db_stmt *st)
{
    if (!st)
        return;
    if (st->temporary) {
        sqlite3_finalize(st->stmt);
        free(st);
        return;
    }
    sqlite3_reset(st->stmt);
    sqlite3_clear_bindings(st->stmt);
}

void db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    sqlite3_bind_int64(st->stmt, idx, v);
}

void db_bind_double(struct db_stmt *st, int idx, double v)
{
    sqlite3_bind_double(st->stmt, idx, v);
}

void db_bind_text(struct db_stmt *st, int idx, const char *v)
{
    if (v)
        sqlite3_bind_text(st->stmt, idx, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st->stmt, idx);
}

void db_bind_null(struct db_stmt *st, int idx)
{
    sqlite3_bind_null(st->stmt, idx);
}

void db_bind_opt_int(struct db_stmt *st, int idx, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(st->stmt, idx);
    else
        sqlite3_bind_int64(st->stmt, idx, v);
}

int db_step(struct db_stmt *st, struct error *err)
{
    int rc = sqlite3_step(st->stmt);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    return map_error(st->db, rc, err);
}

int db_run(struct db_stmt *st, struct error *err)
{
    int rc = db_step(st, err);
    db_done(st);
    return rc < 0 ? rc : 0;
}

int64_t db_col_int(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(st->stmt, col);
}

double db_col_double(struct db_stmt *st, int col)
{
    return sqlite3_column_double(st->stmt, col);
}

int64_t db_col_opt_int(struct db_stmt *st, int col)
{
    if (sqlite3_column_type(st->stmt, col) == SQLITE_NULL)
        return -1;
    return sqlite3_column_int64(st->stmt, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->stmt, col);
}

bool db_col_is_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(st->stmt, col) == SQLITE_NULL;
}

int64_t db_changes(struct db *db)
{
    return sqlite3_changes64(db->handle);
}

int db_exec(struct db *db, const char *sql, struct error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->handle, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int out = err_set(err, ERR_INTERNAL, "repo.genericError", "%s", msg ? msg : "error");
        sqlite3_free(msg);
        return out;
    }
    return 0;
}

int db_begin(struct db *db, struct error *err)
{
    return db_exec(db, "BEGIN IMMEDIATE", err);
}

int db_commit(struct db *db, struct error *err)
{
    return db_exec(db, "COMMIT", err);
}

void db_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(db->handle))
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
}
