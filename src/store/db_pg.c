/* PostgreSQL driver for db.h over libpq.
 *
 * Statements are written with SQLite's `?` placeholders; they are rewritten to `$n`
 * once, when first prepared, and cached per connection by the address of the SQL
 * literal (as the SQLite driver does). The server-side PQprepare happens at the
 * first execution, with the parameter types of that execution's bindings (integers
 * as int8, doubles as float8, text and untyped NULLs left for the server to infer),
 * so that `INSERT ... SELECT ?` and `? < 0` work as in SQLite. Values travel as text
 * and results are read as text.
 *
 * Write transactions are serialised exactly as SQLite serialises them: db_begin takes
 * a transaction-scoped advisory lock that every connection of every instance shares.
 *
 * A lost connection (server restart, network) makes the current call fail with
 * ERR_UNAVAILABLE; the next call outside a transaction reconnects (PQreset, at most
 * every RECONNECT_MS), dropping the prepared statements of the old session.
 *
 * Change notices are LISTEN/NOTIFY: db_notify is pg_notify(), db_wait_notices polls the
 * connection's socket (and the caller's wake-up descriptor) and reads what arrived. */
#include "store/db_pg.h"

#include "store/db_driver.h"
#include "util/log.h"
#include "util/time.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE_SIZE 512 /* power of two; more than the store's distinct statements */
#define RECONNECT_MS 500    /* least time between two reconnection attempts */
#define OID_INT8 20
#define OID_FLOAT8 701
/* pg_advisory_xact_lock / pg_advisory_lock keys ("Falc", "Fals"). */
#define WRITE_LOCK_KEY "1180789859"
#define SCHEMA_LOCK_KEY "1180789875"

struct pg_param {
    const char *value; /* NULL = SQL NULL; points at num or at an owned copy */
    char *owned;
    Oid type;
    char num[32];
};

struct pg_stmt {
    struct db_stmt base;
    char *sql; /* with $n placeholders */
    int nparams;
    struct pg_param *params;
    const char **values; /* per execution: the values and types as libpq takes them */
    Oid *types;
    Oid *prepared_types; /* the types of the server-side statement */
    unsigned generation; /* connection generation it was prepared in; 0 = not yet */
    char name[16];
    PGresult *res;
    int row, nrows;
    bool temporary;
};

struct pg_db {
    struct db base;
    PGconn *conn;
    char *safe_target;   /* the address with the password masked, for messages */
    unsigned generation; /* bumped by every successful (re)connection */
    unsigned next_name;
    int64_t changes;
    bool in_tx;
    bool broken;         /* the server ended the session: reconnect before the next call */
    bool lost;           /* the connection broke; logged once until it is back */
    int64_t retry_at_ms; /* no reconnection attempt before this (monotonic) */
    struct {
        const char *sql;
        struct pg_stmt st;
    } cache[STMT_CACHE_SIZE];
};

static const struct db_ops pg_ops;

static struct pg_db *pdb(struct db *db)
{
    return (struct pg_db *)db;
}

/* ---- text helpers ---- */

char *db_pg_rewrite(const char *sql, int *nparams)
{
    size_t marks = 0;
    for (const char *p = sql; *p; p++)
        marks += *p == '?';
    char *out = malloc(strlen(sql) + marks * 5 + 1), *o = out;
    if (!out)
        return NULL;
    int max = 0;
    const char *p = sql;
    while (*p) {
        if (*p == '\'' || *p == '"') { /* a literal or quoted identifier; '' and "" escape */
            char quote = *p;
            *o++ = *p++;
            while (*p && !(*p == quote && p[1] != quote)) {
                if (*p == quote)
                    *o++ = *p++;
                *o++ = *p++;
            }
            if (*p)
                *o++ = *p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            size_t n = end ? (size_t)(end + 2 - p) : strlen(p);
            memcpy(o, p, n);
            o += n, p += n;
        } else if (*p == '?') {
            long n = max + 1;
            p++;
            if (*p >= '0' && *p <= '9') {
                char *end;
                errno = 0;
                n = strtol(p, &end, 10);
                if (errno || n < 1 || n > 32766) {
                    free(out);
                    return NULL;
                }
                p = end;
            }
            if (n > max)
                max = (int)n;
            o += sprintf(o, "$%ld", n);
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    *nparams = max;
    return out;
}

/* Copies [from, to) of s to o, then "***"; returns the new end of o. */
static char *masked(char *o, const char *s, size_t from, size_t to)
{
    memcpy(o, s + from, to - from);
    memcpy(o + to - from, "***", 3);
    return o + to - from + 3;
}

char *db_pg_mask(const char *target)
{
    char *out = malloc(strlen(target) * 2 + 16), *o = out;
    if (!out)
        return NULL;
    size_t i = 0, n = strlen(target);
    const char *scheme = strstr(target, "://");
    if (scheme) { /* user:password@ before the host */
        size_t auth = (size_t)(scheme - target) + 3;
        size_t end = auth + strcspn(target + auth, "/?");
        const char *at = memrchr(target + auth, '@', end - auth);
        const char *colon = at ? memchr(target + auth, ':', (size_t)(at - target) - auth) : NULL;
        if (colon) {
            o = masked(o, target, 0, (size_t)(colon - target) + 1);
            i = (size_t)(at - target);
        }
    }
    while (i < n) { /* password=... as a URL query parameter or conninfo keyword */
        bool boundary = i == 0 || strchr("?& \t", target[i - 1]);
        if (boundary && strncmp(target + i, "password", 8) == 0) {
            size_t eq = i + 8;
            while (target[eq] == ' ')
                eq++;
            if (target[eq] == '=') {
                size_t start = eq + 1 + strspn(target + eq + 1, " ");
                o = masked(o, target, i, start);
                i = start;
                if (target[i] == '\'') {
                    for (i++; target[i] && target[i] != '\''; i++)
                        i += target[i] == '\\' && target[i + 1];
                    i += target[i] == '\'';
                } else {
                    i += strcspn(target + i, "& \t");
                }
                continue;
            }
        }
        *o++ = target[i++];
    }
    *o = '\0';
    return out;
}

/* ---- connection ---- */

static void ignore_notice(void *arg, const char *message) {}

/* The first line of libpq's message for the connection or a result. */
static void first_line(const char *msg, char *out, size_t size)
{
    snprintf(out, size, "%.*s", (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "");
}

static int unavailable(struct pg_db *db, struct error *err)
{
    if (!db->lost) {
        char why[200];
        first_line(PQerrorMessage(db->conn), why, sizeof(why));
        log_warn("database connection lost target=%s error=\"%s\"", db->safe_target, why);
        db->lost = true;
    }
    return err_set(err, ERR_UNAVAILABLE, "repo.genericError", "database unavailable");
}

/* Makes the connection usable before a call: notices a session the server ended
 * while it was idle, and reconnects a broken one outside transactions. */
static int ensure_connected(struct pg_db *db, struct error *err)
{
    if (PQstatus(db->conn) == CONNECTION_OK && !db->in_tx && !db->broken) {
        /* A server that stopped or restarted while this session was idle has sent a
         * FATAL message and closed the socket: read both now (the second read sees the
         * end of the stream), before a statement is sent into a dead session. */
        if (PQconsumeInput(db->conn))
            PQconsumeInput(db->conn);
    }
    if (PQstatus(db->conn) == CONNECTION_OK && !db->broken)
        return 0;
    if (db->in_tx) /* the transaction is gone with the session: the caller rolls back */
        return unavailable(db, err);
    int64_t now = time_mono_ms();
    if (now < db->retry_at_ms)
        return unavailable(db, err);
    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        db->retry_at_ms = time_mono_ms() + RECONNECT_MS;
        return unavailable(db, err);
    }
    db->generation++;
    db->broken = false;
    if (db->lost)
        log_info("database connection restored target=%s", db->safe_target);
    db->lost = false;
    return 0;
}

struct db *db_open_pg(const char *url, struct error *err)
{
    struct pg_db *db = calloc(1, sizeof(*db));
    if (!db || !(db->safe_target = db_pg_mask(url))) {
        free(db);
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    db->base.ops = &pg_ops;
    /* Defaults first: the address (expanded from dbname) overrides any of them. A short
     * connect timeout and TCP keepalives keep requests from hanging on a dead server. */
    /* lock_timeout: a write transaction waits for the write lock as long as SQLite's busy
     * timeout, then fails (503) */
    const char *const keys[] = {"connect_timeout",
                                "keepalives_idle",
                                "keepalives_interval",
                                "keepalives_count",
                                "application_name",
                                "options",
                                "dbname",
                                NULL};
    const char *const values[] = {"4", "10", "5", "3", "falconet", "-c lock_timeout=10s",
                                  url, NULL};
    db->conn = PQconnectdbParams(keys, values, 1);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        char why[200];
        first_line(db->conn ? PQerrorMessage(db->conn) : "out of memory", why, sizeof(why));
        err_set(err, ERR_UNAVAILABLE, NULL, "cannot connect to %s: %s", db->safe_target, why);
        db_close(&db->base);
        return NULL;
    }
    PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
    db->generation = 1;
    return &db->base;
}

static void stmt_clear(struct pg_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    for (int i = 0; i < st->nparams; i++) {
        free(st->params[i].owned);
        st->params[i] = (struct pg_param){0};
    }
}

static void stmt_free(struct pg_stmt *st)
{
    stmt_clear(st);
    free(st->sql);
    free(st->params);
    free(st->values);
    free(st->types);
    free(st->prepared_types);
}

static void pg_close(struct db *base)
{
    struct pg_db *db = pdb(base);
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
        if (db->cache[i].sql)
            stmt_free(&db->cache[i].st);
    PQfinish(db->conn);
    free(db->safe_target);
    free(db);
}

/* ---- errors ---- */

static int map_error(struct pg_db *db, const PGresult *res, struct error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[200];
    first_line(primary ? primary
               : res   ? PQresultErrorMessage(res)
                       : PQerrorMessage(db->conn),
               msg, sizeof(msg));
    if (PQstatus(db->conn) != CONNECTION_OK ||
        (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))) {
        db->broken = true;
        return unavailable(db, err);
    }
    if (state && strcmp(state, "23505") == 0)
        return err_set(err, ERR_EXISTS, "repo.entityAlreadyExists", "%s", msg);
    if (state && strncmp(state, "23", 2) == 0)
        return err_set(err, ERR_INVALID, "repo.constraintViolation", "%s", msg);
    if (state && strncmp(state, "22", 2) == 0) /* e.g. text that is not UTF-8 */
        return err_set(err, ERR_INVALID, NULL, "invalid value: %s", msg);
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                  strncmp(state, "53", 2) == 0 || strcmp(state, "55P03") == 0))
        return err_set(err, ERR_UNAVAILABLE, "repo.genericError", "database busy");
    log_error("postgresql error sqlstate=%s msg=\"%s\"", state ? state : "-", msg);
    return err_set(err, ERR_INTERNAL, "repo.genericError", "database error");
}

/* Runs sql (one or more statements) without parameters. 0 or negative err_kind. */
static int run_simple(struct pg_db *db, const char *sql, struct error *err)
{
    int rc = ensure_connected(db, err);
    if (rc < 0)
        return rc;
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        PQclear(res);
        return 0;
    }
    rc = map_error(db, res, err);
    PQclear(res);
    return rc;
}

/* ---- statements ---- */

static int stmt_init(struct pg_stmt *st, struct pg_db *db, const char *sql, bool temporary,
                     struct error *err)
{
    *st = (struct pg_stmt){.base = {.db = &db->base}, .temporary = temporary};
    if (!(st->sql = db_pg_rewrite(sql, &st->nparams)))
        return err_set(err, ERR_INTERNAL, NULL, "cannot prepare statement");
    size_t n = (size_t)st->nparams + 1;
    st->params = calloc(n, sizeof(*st->params));
    st->values = calloc(n, sizeof(*st->values));
    st->types = calloc(n, sizeof(*st->types));
    st->prepared_types = calloc(n, sizeof(*st->prepared_types));
    if (!st->params || !st->values || !st->types || !st->prepared_types) {
        stmt_free(st);
        return err_set(err, ERR_INTERNAL, NULL, "out of memory");
    }
    return 0;
}

static struct db_stmt *pg_prepare(struct db *base, const char *sql, bool cached, struct error *err)
{
    struct pg_db *db = pdb(base);
    if (!cached) {
        struct pg_stmt *st = malloc(sizeof(*st));
        if (!st) {
            err_set(err, ERR_INTERNAL, NULL, "out of memory");
            return NULL;
        }
        if (stmt_init(st, db, sql, true, err) < 0) {
            free(st);
            return NULL;
        }
        return &st->base;
    }
    size_t slot = ((uintptr_t)sql >> 3) & (STMT_CACHE_SIZE - 1);
    for (size_t probe = 0; probe < STMT_CACHE_SIZE; probe++) {
        size_t i = (slot + probe) & (STMT_CACHE_SIZE - 1);
        if (db->cache[i].sql == sql)
            return &db->cache[i].st.base;
        if (db->cache[i].sql)
            continue;
        if (stmt_init(&db->cache[i].st, db, sql, false, err) < 0)
            return NULL;
        db->cache[i].sql = sql;
        return &db->cache[i].st.base;
    }
    err_set(err, ERR_INTERNAL, NULL, "statement cache full");
    return NULL;
}

static void pg_done(struct db_stmt *base)
{
    struct pg_stmt *st = (struct pg_stmt *)base;
    if (st->temporary) {
        stmt_free(st);
        free(st);
        return;
    }
    stmt_clear(st);
}

static struct pg_param *param(struct db_stmt *base, int idx)
{
    struct pg_stmt *st = (struct pg_stmt *)base;
    if (idx < 1 || idx > st->nparams)
        return NULL;
    struct pg_param *p = &st->params[idx - 1];
    free(p->owned);
    *p = (struct pg_param){0};
    return p;
}

static void pg_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    struct pg_param *p = param(st, idx);
    if (p) {
        snprintf(p->num, sizeof(p->num), "%lld", (long long)v);
        p->value = p->num;
        p->type = OID_INT8;
    }
}

static void pg_bind_double(struct db_stmt *st, int idx, double v)
{
    struct pg_param *p = param(st, idx);
    if (p) {
        snprintf(p->num, sizeof(p->num), "%.17g", v);
        p->value = p->num;
        p->type = OID_FLOAT8;
    }
}

static void pg_bind_text(struct db_stmt *st, int idx, const char *v)
{
    struct pg_param *p = param(st, idx);
    if (p)
        p->value = p->owned = strdup(v);
}

static void pg_bind_null(struct db_stmt *st, int idx, bool typed_int)
{
    struct pg_param *p = param(st, idx);
    if (p)
        p->type = typed_int ? OID_INT8 : 0;
}

/* Whether the server-side statement takes these bindings: the same types, where an
 * untyped NULL fits any type. */
static bool types_fit(const struct pg_stmt *st, const Oid *types)
{
    for (int i = 0; i < st->nparams; i++)
        if (types[i] != st->prepared_types[i] && (types[i] != 0 || st->params[i].value))
            return false;
    return true;
}

/* PQprepare for this connection and these parameter types, unless done already. */
static int ensure_prepared(struct pg_db *db, struct pg_stmt *st, const Oid *types,
                           struct error *err)
{
    size_t types_size = (size_t)st->nparams * sizeof(*types);
    if (st->generation == db->generation && types_fit(st, types))
        return 0;
    if (st->generation == db->generation) { /* other types this time: replace it */
        char sql[32];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
        PQclear(PQexec(db->conn, sql));
    }
    snprintf(st->name, sizeof(st->name), "f%u", ++db->next_name);
    PGresult *res = PQprepare(db->conn, st->name, st->sql, st->nparams, types);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : map_error(db, res, err);
    PQclear(res);
    if (rc == 0) {
        memcpy(st->prepared_types, types, types_size);
        st->generation = db->generation;
    }
    return rc;
}

/* Sends the statement with its bindings; *res gets the result (check its status). */
static int execute(struct pg_db *db, struct pg_stmt *st, PGresult **res, struct error *err)
{
    for (int i = 0; i < st->nparams; i++) {
        st->values[i] = st->params[i].value;
        st->types[i] = st->params[i].type;
    }
    if (st->temporary) {
        *res = PQexecParams(db->conn, st->sql, st->nparams, st->types, st->values, NULL, NULL, 0);
        return 0;
    }
    int rc = ensure_prepared(db, st, st->types, err);
    if (rc == 0)
        *res = PQexecPrepared(db->conn, st->name, st->nparams, st->values, NULL, NULL, 0);
    return rc;
}

static void count_changes(struct pg_db *db, const PGresult *res)
{
    const char *tag = PQcmdStatus((PGresult *)res);
    if (strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
        strncmp(tag, "DELETE", 6) == 0)
        db->changes = strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
}

static int pg_step(struct db_stmt *base, struct error *err)
{
    struct pg_stmt *st = (struct pg_stmt *)base;
    struct pg_db *db = pdb(base->db);
    if (st->res)
        return ++st->row < st->nrows ? DB_ROW : DB_DONE;
    PGresult *res = NULL;
    ExecStatusType status = PGRES_FATAL_ERROR;
    int rc = 0;
    /* A session the server ended while this connection was idle (a PostgreSQL
     * restart) shows up on its first statement: outside a transaction that statement
     * is sent once more on a new session, so the request does not fail for it. */
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((rc = ensure_connected(db, err)) < 0 || (rc = execute(db, st, &res, err)) < 0)
            return rc;
        status = PQresultStatus(res);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
            break;
        rc = map_error(db, res, err);
        PQclear(res);
        if (!db->broken || db->in_tx || attempt > 0)
            return rc;
        db->retry_at_ms = 0;
    }
    count_changes(db, res);
    st->res = res;
    st->row = 0;
    st->nrows = status == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    return st->nrows > 0 ? DB_ROW : DB_DONE;
}

static const char *value(struct db_stmt *base, int col)
{
    struct pg_stmt *st = (struct pg_stmt *)base;
    if (!st->res || st->row >= st->nrows || PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

static int64_t pg_col_int(struct db_stmt *st, int col)
{
    const char *v = value(st, col);
    if (!v)
        return 0;
    if (*v == 't' || *v == 'f') /* a boolean expression: SQLite says 1 or 0 */
        return *v == 't';
    return strtoll(v, NULL, 10);
}

static double pg_col_double(struct db_stmt *st, int col)
{
    const char *v = value(st, col);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(struct db_stmt *st, int col)
{
    return value(st, col);
}

static bool pg_col_is_null(struct db_stmt *st, int col)
{
    return value(st, col) == NULL;
}

static int64_t pg_changes(struct db *db)
{
    return pdb(db)->changes;
}

/* ---- transactions ---- */

static int pg_exec(struct db *db, const char *sql, struct error *err)
{
    return run_simple(pdb(db), sql, err);
}

static int pg_begin(struct db *base, struct error *err)
{
    struct pg_db *db = pdb(base);
    int rc = run_simple(db, "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")", err);
    if (rc < 0 && PQstatus(db->conn) == CONNECTION_OK &&
        PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        PQclear(PQexec(db->conn, "ROLLBACK"));
    db->in_tx = rc == 0;
    return rc;
}

static int pg_commit(struct db *base, struct error *err)
{
    struct pg_db *db = pdb(base);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        db->in_tx = false;
        return unavailable(db, err);
    }
    PGresult *res = PQexec(db->conn, "COMMIT");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = map_error(db, res, err);
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) /* a failed transaction rolls back */
        rc = err_set(err, ERR_INTERNAL, "repo.genericError", "transaction rolled back");
    PQclear(res);
    db->in_tx = false;
    return rc;
}

static void pg_rollback(struct db *base)
{
    struct pg_db *db = pdb(base);
    if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        PQclear(PQexec(db->conn, "ROLLBACK"));
    db->in_tx = false;
}

static int pg_lock_schema(struct db *db, bool lock, struct error *err)
{
    return run_simple(pdb(db),
                      lock ? "SELECT pg_advisory_lock(" SCHEMA_LOCK_KEY ")"
                           : "SELECT pg_advisory_unlock(" SCHEMA_LOCK_KEY ")",
                      err);
}

/* ---- change notices ---- */

static int pg_notify(struct db *base, const char *channel, const char *payload, struct error *err)
{
    struct pg_db *db = pdb(base);
    int rc = ensure_connected(db, err);
    if (rc < 0)
        return rc;
    const char *values[] = {channel, payload};
    PGresult *res =
        PQexecParams(db->conn, "SELECT pg_notify($1, $2)", 2, NULL, values, NULL, NULL, 0);
    rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : map_error(db, res, err);
    PQclear(res);
    return rc;
}

static int pg_listen(struct db *base, const char *channel, bool on, struct error *err)
{
    struct pg_db *db = pdb(base);
    char *quoted = PQescapeIdentifier(db->conn, channel, strlen(channel));
    if (!quoted)
        return err_set(err, ERR_INTERNAL, NULL, "out of memory");
    char sql[128];
    snprintf(sql, sizeof(sql), "%s %.100s", on ? "LISTEN" : "UNLISTEN", quoted);
    PQfreemem(quoted);
    return run_simple(db, sql, err);
}

/* Hands the notices libpq has read so far to fn; returns how many. */
static int deliver_notices(struct pg_db *db, db_notice_fn fn, void *ctx)
{
    int count = 0;
    PGnotify *n;
    while ((n = PQnotifies(db->conn))) {
        fn(n->relname, n->extra, ctx);
        PQfreemem(n);
        count++;
    }
    return count;
}

static int pg_wait_notices(struct db *base, int wake_fd, int timeout_ms, db_notice_fn fn, void *ctx,
                           struct error *err)
{
    struct pg_db *db = pdb(base);
    if (PQstatus(db->conn) != CONNECTION_OK || db->broken)
        return unavailable(db, err);
    int count = deliver_notices(db, fn, ctx); /* read along with an earlier result */
    if (count > 0)
        return count;
    struct pollfd fds[2] = {{.fd = PQsocket(db->conn), .events = POLLIN},
                            {.fd = wake_fd, .events = POLLIN}};
    int ready = poll(fds, wake_fd >= 0 ? 2 : 1, timeout_ms);
    if (ready < 0 && errno != EINTR)
        return err_set(err, ERR_INTERNAL, NULL, "poll: %s", strerror(errno));
    if (ready <= 0 || !fds[0].revents)
        return 0;
    /* Readable: notices, or the end of a session the server closed. */
    if (!PQconsumeInput(db->conn) || PQstatus(db->conn) != CONNECTION_OK) {
        db->broken = true;
        return unavailable(db, err);
    }
    return deliver_notices(db, fn, ctx);
}

static const struct db_ops pg_ops = {
    .dialect = DB_POSTGRES,
    .close = pg_close,
    .prepare = pg_prepare,
    .done = pg_done,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_is_null = pg_col_is_null,
    .changes = pg_changes,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .lock_schema = pg_lock_schema,
    .notify = pg_notify,
    .listen = pg_listen,
    .wait_notices = pg_wait_notices,
};
