/* What a db.h driver implements (internal to store/db*.c).
 *
 * A driver's connection type starts with a struct db, its statement type with a
 * struct db_stmt; db.c dispatches every db.h call through the ops table of the
 * connection. The functions have db.h's contracts. */
#ifndef FALCONET_STORE_DB_DRIVER_H
#define FALCONET_STORE_DB_DRIVER_H

#include "store/db.h"

struct db_ops {
    enum db_dialect dialect;
    bool exclusive; /* see db_exclusive() */
    void (*close)(struct db *db);
    struct db_stmt *(*prepare)(struct db *db, const char *sql, bool cached, struct error *err);
    void (*done)(struct db_stmt *st);
    void (*bind_int)(struct db_stmt *st, int idx, int64_t v);
    void (*bind_double)(struct db_stmt *st, int idx, double v);
    void (*bind_text)(struct db_stmt *st, int idx, const char *v);
    /* typed_int: the NULL stands for an integer (db_bind_opt_int) */
    void (*bind_null)(struct db_stmt *st, int idx, bool typed_int);
    int (*step)(struct db_stmt *st, struct error *err);
    int64_t (*col_int)(struct db_stmt *st, int col);
    double (*col_double)(struct db_stmt *st, int col);
    const char *(*col_text)(struct db_stmt *st, int col);
    bool (*col_is_null)(struct db_stmt *st, int col);
    int64_t (*changes)(struct db *db);
    int (*exec)(struct db *db, const char *sql, struct error *err);
    int (*begin)(struct db *db, struct error *err);
    int (*commit)(struct db *db, struct error *err);
    void (*rollback)(struct db *db);
    int (*lock_schema)(struct db *db, bool lock, struct error *err);
    /* change notices: NULL where the engine has none (db.c then does nothing) */
    int (*notify)(struct db *db, const char *channel, const char *payload, struct error *err);
    int (*listen)(struct db *db, const char *channel, bool on, struct error *err);
    int (*wait_notices)(struct db *db, int wake_fd, int timeout_ms, db_notice_fn fn, void *ctx,
                        struct error *err);
};

struct db {
    const struct db_ops *ops;
    bool untracked; /* db_track_changes(db, false) */
    bool dirty;     /* a tracked change waits for its commit */
};

/** For drivers: a statement that may have changed rows ran on db. */
void db_note_change(struct db *db);
/** For drivers: the pending changes of db are committed (publishes them to
 * db_change_generation) or rolled back (forgets them). */
void db_changes_committed(struct db *db);
void db_changes_rolled_back(struct db *db);

struct db_stmt {
    struct db *db;
};

#endif
