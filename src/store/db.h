/* The SQL driver seam below the store.
 *
 * Store code (the store/ files) is written once against this small interface in portable
 * SQL with `?` placeholders; the driver owns the connection, a per-connection cache
 * of prepared statements and the mapping of engine errors to err_kind. Two drivers
 * implement it: SQLite (db_sqlite.c, the default) and PostgreSQL (db_pg.c, which
 * rewrites `?` to `$n` at prepare time); db_open() picks one from the database
 * address and db.c dispatches to it. Each backend brings its own migrations.
 *
 * A connection is used by one thread at a time: every HTTP worker and the
 * scheduler own one each. */
#ifndef FALCONET_STORE_DB_H
#define FALCONET_STORE_DB_H

#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_step_result { DB_ROW = 1, DB_DONE = 0 };

enum db_dialect { DB_SQLITE, DB_POSTGRES };

/** Opens the database named by target: a `postgres://` or `postgresql://` URL
 * selects PostgreSQL, anything else is a SQLite file path (an optional `sqlite:`
 * prefix is dropped). NULL on failure, with *err set. */
struct db *db_open(const char *target, struct error *err);
/** Opens (creating if needed) the SQLite database at path. NULL on failure, with *err set. */
struct db *db_open_sqlite(const char *path, struct error *err);
/** Connects to PostgreSQL (a libpq URL or conninfo string). NULL on failure (ERR_UNAVAILABLE
 * when the server cannot be reached), with *err set; the message never holds the password. */
struct db *db_open_pg(const char *url, struct error *err);
void db_close(struct db *db);
enum db_dialect db_dialect(const struct db *db);

/** Prepares sql, cached by the address of the string: pass string literals only. */
struct db_stmt *db_prepare(struct db *db, const char *sql, struct error *err);
/** Prepares sql built at run time (not cached); db_done() frees it. */
struct db_stmt *db_prepare_temp(struct db *db, const char *sql, struct error *err);
/** Ends use of a statement: resets a cached one, frees a temporary one. NULL is ignored. */
void db_done(struct db_stmt *st);

/* Parameter indexes start at 1, as in SQL. */
void db_bind_int(struct db_stmt *st, int idx, int64_t v);
void db_bind_double(struct db_stmt *st, int idx, double v);
/** NULL binds SQL NULL. The text is copied. */
void db_bind_text(struct db_stmt *st, int idx, const char *v);
void db_bind_null(struct db_stmt *st, int idx);
/** Binds v, or NULL when v < 0 (the store's convention for "no id / no time"). */
void db_bind_opt_int(struct db_stmt *st, int idx, int64_t v);

/** DB_ROW, DB_DONE or a negative err_kind (ERR_EXISTS for unique violations). */
int db_step(struct db_stmt *st, struct error *err);
/** Steps a statement that returns no rows, then db_done()s it. 0 or negative err_kind. */
int db_run(struct db_stmt *st, struct error *err);

int64_t db_col_int(struct db_stmt *st, int col);
double db_col_double(struct db_stmt *st, int col);
/** -1 when the column is NULL. */
int64_t db_col_opt_int(struct db_stmt *st, int col);
/** Borrowed until the next step; NULL when the column is NULL. */
const char *db_col_text(struct db_stmt *st, int col);
bool db_col_is_null(struct db_stmt *st, int col);

/** Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t db_changes(struct db *db);

/** Executes one or more statements without results (migrations, pragmas). */
int db_exec(struct db *db, const char *sql, struct error *err);

/* Transactions. begin takes the write lock at once, so a transaction never fails
 * half-way for lock upgrade reasons, and write transactions run one at a time
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock shared by
 * every connection of every instance). Reads outside transactions do not wait.
 * Nesting is not supported. */
int db_begin(struct db *db, struct error *err);
int db_commit(struct db *db, struct error *err);
void db_rollback(struct db *db);

/* Change tracking for in-process caches of database content (the DDI device cache).
 * Only meaningful where db_exclusive(): then every change comes through this process. */

/** Whether this process is the database's only writer (SQLite: the file is opened
 * exclusively), so that db_change_generation() sees every change. */
bool db_exclusive(const struct db *db);
/** A process-wide counter that grows after every committed change made through any
 * connection of this process (after COMMIT, or after an auto-committed statement),
 * except changes made while tracking is off. A cache entry stamped with the value read
 * before its data was read is current as long as the counter has not moved. */
uint64_t db_change_generation(void);
/** Turns tracking off (false) or back on for this connection: for bookkeeping writes
 * that change nothing a cache keeps (last-seen times, the scheduler lease). */
void db_track_changes(struct db *db, bool on);

/** Takes (lock) or releases the schema lock that keeps two processes from migrating
 * at once: a session advisory lock on PostgreSQL, nothing on SQLite (a database file
 * is served by one process). */
int db_lock_schema(struct db *db, bool lock, struct error *err);

/* Change notices between processes sharing a database (PostgreSQL LISTEN/NOTIFY; a
 * SQLite file is served by one process, so there they do nothing). */

/** Sends `payload` on `channel` to every connection listening on it (this one too, if
 * it listens). Inside a transaction it is delivered at the commit, and not at all on a
 * rollback. 0 on SQLite. */
int db_notify(struct db *db, const char *channel, const char *payload, struct error *err);
/** Listens on `channel` from now on (on = true; again after a lost connection), or no
 * longer (on = false). ERR_INVALID on SQLite. */
int db_listen(struct db *db, const char *channel, bool on, struct error *err);
/** Called with each notice's channel and payload (borrowed for the call). */
typedef void (*db_notice_fn)(const char *channel, const char *payload, void *ctx);
/** Waits up to timeout_ms (-1: no limit) until a notice arrives or wake_fd (-1: none)
 * becomes readable, and hands each notice received to fn. Returns the number of
 * notices (0 after a timeout or a wake-up) or a negative err_kind: ERR_UNAVAILABLE
 * when the connection is lost (listen again), ERR_INVALID on SQLite. */
int db_wait_notices(struct db *db, int wake_fd, int timeout_ms, db_notice_fn fn, void *ctx,
                    struct error *err);

#endif
