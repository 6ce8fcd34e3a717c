/* db.h's entry points: db_open() picks the driver from the database address, every
 * other call goes through the ops table of the connection (db_driver.h). */
#include "store/db.h"

#include "store/db_driver.h"

#include <stdatomic.h>
#include <string.h>

static _Atomic uint64_t change_generation;

bool db_exclusive(const struct db *db)
{
    return db->ops->exclusive;
}

uint64_t db_change_generation(void)
{
    return atomic_load(&change_generation);
}

void db_track_changes(struct db *db, bool on)
{
    db->untracked = !on;
}

void db_note_change(struct db *db)
{
    if (!db->untracked)
        db->dirty = true;
}

void db_changes_committed(struct db *db)
{
    if (db->dirty)
        atomic_fetch_add(&change_generation, 1);
    db->dirty = false;
}

void db_changes_rolled_back(struct db *db)
{
    db->dirty = false;
}

struct db *db_open(const char *target, struct error *err)
{
    if (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0)
        return db_open_pg(target, err);
    if (strncmp(target, "sqlite:", 7) == 0)
        target += 7;
    return db_open_sqlite(target, err);
}

void db_close(struct db *db)
{
    if (db)
        db->ops->close(db);
}

enum db_dialect db_dialect(const struct db *db)
{
    return db->ops->dialect;
}

struct db_stmt *db_prepare(struct db *db, const char *sql, struct error *err)
{
    return db->ops->prepare(db, sql, true, err);
}

struct db_stmt *db_prepare_temp(struct db *db, const char *sql, struct error *err)
{
    return db->ops->prepare(db, sql, false, err);
}

void db_done(struct db_stmt *st)
{
    if (st)
        st->db->ops->done(st);
}

void db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    st->db->ops->bind_int(st, idx, v);
}

void db_bind_double(struct db_stmt *st, int idx, double v)
{
    st->db->ops->bind_double(st, idx, v);
}

void db_bind_text(struct db_stmt *st, int idx, const char *v)
{
    if (v)
        st->db->ops->bind_text(st, idx, v);
    else
        st->db->ops->bind_null(st, idx, false);
}

void db_bind_null(struct db_stmt *st, int idx)
{
    st->db->ops->bind_null(st, idx, false);
}

void db_bind_opt_int(struct db_stmt *st, int idx, int64_t v)
{
    if (v < 0)
        st->db->ops->bind_null(st, idx, true);
    else
        st->db->ops->bind_int(st, idx, v);
}

int db_step(struct db_stmt *st, struct error *err)
{
    return st->db->ops->step(st, err);
}

int db_run(struct db_stmt *st, struct error *err)
{
    int rc = db_step(st, err);
    db_done(st);
    return rc < 0 ? rc : 0;
}

int64_t db_col_int(struct db_stmt *st, int col)
{
    return st->db->ops->col_int(st, col);
}

double db_col_double(struct db_stmt *st, int col)
{
    return st->db->ops->col_double(st, col);
}

int64_t db_col_opt_int(struct db_stmt *st, int col)
{
    return st->db->ops->col_is_null(st, col) ? -1 : st->db->ops->col_int(st, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
    return st->db->ops->col_text(st, col);
}

bool db_col_is_null(struct db_stmt *st, int col)
{
    return st->db->ops->col_is_null(st, col);
}

int64_t db_changes(struct db *db)
{
    return db->ops->changes(db);
}

int db_exec(struct db *db, const char *sql, struct error *err)
{
    return db->ops->exec(db, sql, err);
}

int db_begin(struct db *db, struct error *err)
{
    return db->ops->begin(db, err);
}

int db_commit(struct db *db, struct error *err)
{
    return db->ops->commit(db, err);
}

void db_rollback(struct db *db)
{
    db->ops->rollback(db);
}

int db_lock_schema(struct db *db, bool lock, struct error *err)
{
    return db->ops->lock_schema(db, lock, err);
}

int db_notify(struct db *db, const char *channel, const char *payload, struct error *err)
{
    return db->ops->notify ? db->ops->notify(db, channel, payload, err) : 0;
}

int db_listen(struct db *db, const char *channel, bool on, struct error *err)
{
    if (!db->ops->listen)
        return err_set(err, ERR_INVALID, NULL, "this database has no change notices");
    return db->ops->listen(db, channel, on, err);
}

int db_wait_notices(struct db *db, int wake_fd, int timeout_ms, db_notice_fn fn, void *ctx,
                    struct error *err)
{
    if (!db->ops->wait_notices)
        return err_set(err, ERR_INVALID, NULL, "this database has no change notices");
    return db->ops->wait_notices(db, wake_fd, timeout_ms, fn, ctx, err);
}
