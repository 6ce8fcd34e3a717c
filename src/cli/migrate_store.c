#include "cli/migrate_store.h"

#include "blob/blob.h"
#include "store/db.h"
#include "store/store.h"
#include "util/time.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every table of the schema, parents before children (the order of
 * migrations_sqlite.c, with target types moved before targets). schema_version
 * belongs to the migrations and scheduler_lease is runtime state: the target has
 * both from its own migrations, so they are not copied. A source table missing from
 * both lists stops the copy, so that a table added by a later migration is never
 * silently left behind. */
static const char *const copied_tables[] = {
    "users",
    "tenant_configs",
    "sm_types",
    "ds_types",
    "ds_type_elements",
    "software_modules",
    "artifacts",
    "distribution_sets",
    "ds_modules",
    "target_types",
    "target_type_ds_types",
    "targets",
    "target_last_seen",
    "target_attributes",
    "target_filters",
    "target_tags",
    "ds_tags",
    "target_tag_assignments",
    "ds_tag_assignments",
    "target_metadata",
    "sm_metadata",
    "ds_metadata",
    "rollouts",
    "rollout_groups",
    "rollout_group_targets",
    "actions",
    "action_statuses",
};
#define N_TABLES (sizeof(copied_tables) / sizeof(copied_tables[0]))

static const char *const own_tables[] = {"schema_version", "scheduler_lease"};

/* The types store_open seeds into every new database: replaced by the source's. */
static const char *const seeded_tables[] = {"ds_type_elements", "ds_types", "sm_types"};

/* Rows per INSERT: many, within both engines' limits on parameters per statement. */
#define MAX_PARAMS 30000
#define MAX_ROWS 1000

struct copy {
    const struct migrate_store_options *o;
    sqlite3 *src;
    struct db *dst;
    int64_t rows[N_TABLES];
    int64_t artifacts, artifacts_skipped;
    uint64_t bytes;
    char **new_keys; /* blobs written so far, deleted again on failure */
    size_t n_new_keys;
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* ---- the source ---- */

static int source_error(struct copy *c, int rc, const char *what, struct error *err)
{
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return err_set(err, ERR_UNAVAILABLE, NULL,
                       "source database %s is in use by a running server: stop it first",
                       c->o->source_db);
    return err_set(err, ERR_INTERNAL, NULL, "source database %s: %s: %s", c->o->source_db, what,
                   sqlite3_errmsg(c->src));
}

/* Opens the source read-only with the server's own locking (unix-excl), so that a
 * server still holding it makes the first read fail instead of racing it, and starts
 * one read transaction: every table is read from the same snapshot. */
static int open_source(struct copy *c, struct error *err)
{
    if (access(c->o->source_db, R_OK) < 0)
        return err_set(err, ERR_NOT_FOUND, NULL, "source database %s: %s", c->o->source_db,
                       strerror(errno));
    int rc = sqlite3_open_v2(c->o->source_db, &c->src, SQLITE_OPEN_READONLY, "unix-excl");
    if (rc != SQLITE_OK)
        return source_error(c, rc, "cannot open", err);
    sqlite3_busy_timeout(c->src, 2000);
    rc = sqlite3_exec(c->src, "BEGIN; SELECT COUNT(*) FROM sqlite_master", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : source_error(c, rc, "cannot read", err);
}

static int64_t source_int(struct copy *c, const char *sql, struct error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(c->src, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return source_error(c, rc, sql, err);
    rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? v : source_error(c, rc, sql, err);
}

/* Every table of the source is one this copy knows. */
static int check_source_tables(struct copy *c, struct error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(c->src,
                                "SELECT name FROM sqlite_master WHERE type = 'table'"
                                " AND name NOT LIKE 'sqlite_%'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return source_error(c, rc, "cannot list tables", err);
    int result = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && result == 0) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (!in_list(name, copied_tables, N_TABLES) && !in_list(name, own_tables, 2))
            result = err_set(err, ERR_INTERNAL, NULL,
                             "source table %s is unknown to migrate-store (a newer schema?)", name);
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = source_error(c, rc, "cannot list tables", err);
    sqlite3_finalize(st);
    return result;
}

/* ---- the target ---- */

static int64_t target_int(struct copy *c, const char *sql, struct error *err)
{
    struct db_stmt *st = db_prepare_temp(c->dst, sql, err);
    if (!st)
        return -1;
    int rc = db_step(st, err);
    int64_t v = rc == DB_ROW ? db_col_int(st, 0) : rc == DB_DONE ? 0 : -1;
    db_done(st);
    return v;
}

/* Same schema version on both sides, and no data in the target: only the types
 * seeded by store_open (unchanged) and its own lease row. */
static int check_target(struct copy *c, struct error *err)
{
    int64_t src_version = source_int(c, "SELECT MAX(version) FROM schema_version", err);
    int64_t dst_version = target_int(c, "SELECT MAX(version) FROM schema_version", err);
    if (src_version < 0 || dst_version < 0)
        return -ERR_INTERNAL;
    if (src_version != dst_version)
        return err_set(err, ERR_CONFLICT, NULL,
                       "source schema version %" PRId64 " differs from this binary's (%" PRId64
                       "): start the old server once with this version of falconet first",
                       src_version, dst_version);
    char sql[160];
    for (size_t i = 0; i < N_TABLES; i++) {
        const char *t = copied_tables[i];
        if (strcmp(t, "sm_types") == 0 || strcmp(t, "ds_types") == 0)
            snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE last_modified_by <> 'system'",
                     t);
        else if (strcmp(t, "ds_type_elements") == 0)
            continue;
        else
            snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", t);
        int64_t n = target_int(c, sql, err);
        if (n < 0)
            return -ERR_INTERNAL;
        if (n > 0)
            return err_set(err, ERR_CONFLICT, NULL,
                           "target database is not empty (table %s has rows): migrate-store "
                           "copies into a new, empty database only",
                           t);
    }
    return 0;
}

/* ---- artifact bytes ---- */

struct artifact_cols {
    int blob_key, size, md5, sha1, sha256, deleted;
};

static int find_col(sqlite3_stmt *st, const char *name)
{
    for (int i = 0; i < sqlite3_column_count(st); i++)
        if (strcmp(sqlite3_column_name(st, i), name) == 0)
            return i;
    return -1;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    return v ? v : "";
}

/* Streams the file of key into a new blob and checks it against the row. */
static int put_blob(struct copy *c, int fd, sqlite3_stmt *row, const struct artifact_cols *ac,
                    char key[BLOB_KEY_MAX], struct error *err)
{
    struct blob_writer *w = blob_put_begin(c->o->target_blobs, err);
    if (!w)
        return -ERR_INTERNAL;
    static char buf[1 << 20];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (blob_put_write(w, buf, (size_t)n, err) < 0) {
            blob_put_abort(w);
            return -ERR_INTERNAL;
        }
    uint64_t size;
    struct multihash_hex h;
    if (n < 0) {
        blob_put_abort(w);
        return err_set(err, ERR_INTERNAL, NULL, "read error: %s", strerror(errno));
    }
    if (blob_put_finish(w, &size, &h, err) < 0) {
        blob_put_abort(w);
        return -ERR_INTERNAL;
    }
    if (size != (uint64_t)sqlite3_column_int64(row, ac->size) ||
        strcmp(h.sha256, col_text(row, ac->sha256)) != 0 ||
        strcmp(h.sha1, col_text(row, ac->sha1)) != 0 ||
        strcmp(h.md5, col_text(row, ac->md5)) != 0) {
        blob_put_abort(w);
        return err_set(err, ERR_CONFLICT, NULL, "bytes do not match the recorded size and hashes");
    }
    if (blob_put_commit(w, key, err) < 0)
        return -ERR_INTERNAL;
    char **keys = realloc(c->new_keys, (c->n_new_keys + 1) * sizeof(*keys));
    if (!keys || !(keys[c->n_new_keys] = strdup(key))) {
        c->new_keys = keys ? keys : c->new_keys;
        blob_delete(c->o->target_blobs, key, NULL);
        return err_set(err, ERR_INTERNAL, NULL, "out of memory");
    }
    c->new_keys = keys;
    c->n_new_keys++;
    c->bytes += size;
    return 0;
}

/* Copies the bytes of the artifact row into the new store: 1 with key set, 0 when the
 * row is a deleted artifact whose bytes are gone (it keeps its old key). */
static int copy_blob(struct copy *c, sqlite3_stmt *row, const struct artifact_cols *ac,
                     char key[BLOB_KEY_MAX], struct error *err)
{
    const char *old = col_text(row, ac->blob_key);
    int64_t id = sqlite3_column_int64(row, 0);
    bool deleted = sqlite3_column_int64(row, ac->deleted) != 0;
    if (strlen(old) < 3 || strlen(old) >= BLOB_KEY_MAX ||
        strspn(old, "0123456789abcdef") != strlen(old))
        return err_set(err, ERR_INTERNAL, NULL, "artifact %" PRId64 ": invalid key '%s'", id, old);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%.2s/%s", c->o->source_artifacts, old, old);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && deleted)
        return 0;
    if (fd < 0)
        return err_set(err, ERR_NOT_FOUND, NULL, "artifact %" PRId64 " (%s): cannot open %s: %s",
                       id, col_text(row, find_col(row, "filename")), path, strerror(errno));
    int rc = put_blob(c, fd, row, ac, key, err);
    close(fd);
    if (rc < 0) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        return err_set(err, -rc, NULL, "artifact %" PRId64 " (%s, %s): %s", id,
                       col_text(row, find_col(row, "filename")), path, msg);
    }
    return 1;
}

/* ---- the rows ---- */

/* "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)" for rows rows of the source's columns. */
static char *insert_sql(const char *table, sqlite3_stmt *st, int rows)
{
    int ncols = sqlite3_column_count(st);
    size_t len = 64 + strlen(table) + (size_t)rows * ((size_t)ncols * 3 + 4);
    for (int i = 0; i < ncols; i++)
        len += strlen(sqlite3_column_name(st, i)) + 2;
    char *sql = malloc(len), *o = sql;
    if (!sql)
        return NULL;
    o += sprintf(o, "INSERT INTO %s (", table);
    for (int i = 0; i < ncols; i++)
        o += sprintf(o, "%s%s", i ? ", " : "", sqlite3_column_name(st, i));
    o += sprintf(o, ") VALUES ");
    for (int r = 0; r < rows; r++) {
        o += sprintf(o, "%s(", r ? ", " : "");
        for (int i = 0; i < ncols; i++)
            o += sprintf(o, "%s?", i ? ", " : "");
        *o++ = ')';
    }
    *o = '\0';
    return sql;
}

/* Binds the current source row at parameter base+1.., each value with its own type. */
static int bind_row(struct db_stmt *ins, int base, sqlite3_stmt *row, int key_col, const char *key)
{
    for (int i = 0; i < sqlite3_column_count(row); i++) {
        int p = base + i + 1;
        if (i == key_col) {
            db_bind_text(ins, p, key);
            continue;
        }
        switch (sqlite3_column_type(row, i)) {
        case SQLITE_INTEGER:
            db_bind_int(ins, p, sqlite3_column_int64(row, i));
            break;
        case SQLITE_FLOAT:
            db_bind_double(ins, p, sqlite3_column_double(row, i));
            break;
        case SQLITE_TEXT:
            db_bind_text(ins, p, (const char *)sqlite3_column_text(row, i));
            break;
        case SQLITE_NULL:
            db_bind_null(ins, p);
            break;
        default:
            return -1; /* the schema has no BLOB columns */
        }
    }
    return 0;
}

/* Copies one row into the open batch; the artifact's bytes first when asked. */
static int copy_row(struct copy *c, const char *table, sqlite3_stmt *row, struct db_stmt *ins,
                    int base, struct error *err)
{
    int key_col = -1;
    char key[BLOB_KEY_MAX] = "";
    if (c->o->target_blobs && strcmp(table, "artifacts") == 0) {
        struct artifact_cols ac = {find_col(row, "blob_key"), find_col(row, "size"),
                                   find_col(row, "md5"),      find_col(row, "sha1"),
                                   find_col(row, "sha256"),   find_col(row, "deleted")};
        int rc = copy_blob(c, row, &ac, key, err);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            key_col = ac.blob_key;
            c->artifacts++;
        } else {
            c->artifacts_skipped++;
        }
    }
    if (bind_row(ins, base, row, key_col, key) < 0)
        return err_set(err, ERR_INTERNAL, NULL, "table %s: a BLOB value cannot be copied", table);
    return 0;
}

static int copy_table(struct copy *c, size_t t, struct error *err)
{
    const char *table = copied_tables[t];
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
    int64_t total = source_int(c, sql, err);
    snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY rowid", table);
    sqlite3_stmt *row;
    int rc = total < 0 ? -1 : sqlite3_prepare_v2(c->src, sql, -1, &row, NULL);
    if (rc != SQLITE_OK)
        return total < 0 ? -ERR_INTERNAL : source_error(c, rc, table, err);
    int ncols = sqlite3_column_count(row);
    int per_batch = MAX_PARAMS / ncols < MAX_ROWS ? MAX_PARAMS / ncols : MAX_ROWS;
    int64_t done = 0;
    int result = 0;
    while (result == 0 && done < total) {
        int n = total - done < per_batch ? (int)(total - done) : per_batch;
        char *ins_sql = insert_sql(table, row, n);
        struct db_stmt *ins = ins_sql ? db_prepare_temp(c->dst, ins_sql, err) : NULL;
        free(ins_sql);
        if (!ins) {
            result = err_set(err, ERR_INTERNAL, NULL, "table %s: cannot prepare the insert", table);
            break;
        }
        for (int r = 0; r < n && result == 0; r++) {
            rc = sqlite3_step(row);
            if (rc != SQLITE_ROW)
                result = source_error(c, rc == SQLITE_DONE ? SQLITE_ERROR : rc, table, err);
            else
                result = copy_row(c, table, row, ins, r * ncols, err);
        }
        if (result == 0 && db_run(ins, err) < 0) {
            char msg[sizeof(err->message)];
            snprintf(msg, sizeof(msg), "%s", err->message);
            result = err_set(err, ERR_INTERNAL, NULL, "table %s: %s", table, msg);
        } else if (result < 0) {
            db_done(ins);
        }
        done += n;
    }
    sqlite3_finalize(row);
    c->rows[t] = done;
    return result;
}

/* PostgreSQL's identity columns continue after the highest copied id. */
static int bump_sequences(struct copy *c, struct error *err)
{
    if (db_dialect(c->dst) != DB_POSTGRES)
        return 0; /* SQLite's INTEGER PRIMARY KEY continues after MAX(rowid) by itself */
    for (size_t t = 0; t < N_TABLES; t++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') WHERE name = 'id'",
                 copied_tables[t]);
        if (source_int(c, sql, err) != 1)
            continue;
        snprintf(sql, sizeof(sql),
                 "SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE(MAX(id), 0) + 1,"
                 " false) FROM %s",
                 copied_tables[t], copied_tables[t]);
        if (target_int(c, sql, err) < 0)
            return -ERR_INTERNAL;
    }
    return 0;
}

static int copy_all(struct copy *c, struct error *err)
{
    if (db_begin(c->dst, err) < 0)
        return -ERR_INTERNAL;
    int rc = 0;
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        char sql[64];
        snprintf(sql, sizeof(sql), "DELETE FROM %s", seeded_tables[i]);
        rc = db_exec(c->dst, sql, err);
    }
    for (size_t t = 0; t < N_TABLES && rc == 0; t++) {
        int64_t started = time_mono_ms();
        rc = copy_table(c, t, err);
        if (rc == 0)
            printf("  %-24s %10" PRId64 " rows  %6" PRId64 " ms\n", copied_tables[t], c->rows[t],
                   time_mono_ms() - started);
        fflush(stdout);
    }
    if (rc == 0)
        rc = bump_sequences(c, err);
    if (rc == 0)
        rc = db_commit(c->dst, err);
    if (rc < 0)
        db_rollback(c->dst);
    return rc;
}

static void forget_blobs(struct copy *c, bool delete)
{
    for (size_t i = 0; i < c->n_new_keys; i++) {
        struct error e;
        if (delete &&blob_delete(c->o->target_blobs, c->new_keys[i], &e) < 0)
            fprintf(stderr, "falconet: cannot delete copied blob %s: %s\n", c->new_keys[i],
                    e.message);
        free(c->new_keys[i]);
    }
    free(c->new_keys);
}

static void print_summary(const struct copy *c, int64_t started)
{
    int64_t rows = 0;
    for (size_t t = 0; t < N_TABLES; t++)
        rows += c->rows[t];
    printf("Copied %" PRId64 " rows in %zu tables", rows, N_TABLES);
    if (c->o->target_blobs)
        printf(", %" PRId64 " artifacts (%" PRIu64 " bytes; %" PRId64
               " deleted ones without bytes skipped)",
               c->artifacts, c->bytes, c->artifacts_skipped);
    printf(" in %.1f s.\n", (double)(time_mono_ms() - started) / 1000.0);
    if (!c->o->target_blobs)
        printf("Artifacts were not copied: the new server needs the artifact directory %s\n"
               "as storage.path (shared by every server, or a copy of it).\n",
               c->o->source_artifacts);
}

int migrate_store_run(const struct migrate_store_options *o, struct error *err)
{
    int64_t started = time_mono_ms();
    struct copy c = {.o = o};
    struct store *target = NULL;
    int rc = open_source(&c, err);
    if (rc == 0)
        rc = check_source_tables(&c, err);
    if (rc == 0 && !(target = store_open(o->target_db, true, err)))
        rc = -ERR_INTERNAL;
    if (rc == 0) {
        c.dst = target->db;
        rc = check_target(&c, err);
    }
    if (rc == 0) {
        printf("Copying %s into the target database\n", o->source_db);
        rc = copy_all(&c, err);
        forget_blobs(&c, rc < 0);
    }
    if (rc == 0)
        print_summary(&c, started);
    store_close(target);
    if (c.src) {
        sqlite3_exec(c.src, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(c.src);
    }
    return rc;
}
