/* The pure text helpers of the PostgreSQL driver (db_pg.c), declared for its unit
 * test. */
#ifndef FALCONET_STORE_DB_PG_H
#define FALCONET_STORE_DB_PG_H

/** Rewrites SQLite-style placeholders to PostgreSQL's: `?NNN` becomes `$NNN` and a
 * bare `?` gets one more than the largest number used before it (SQLite's rule), so
 * "?1 ... ?" reads "$1 ... $2". `?` inside '...' literals, "..." identifiers and
 * comments stays as it is. *nparams gets the largest number used. Returns a
 * malloc'd string, NULL when out of memory or a number is out of range
 * (1..32766). */
char *db_pg_rewrite(const char *sql, int *nparams);

/** A copy of a PostgreSQL URL or conninfo string with the password replaced by
 * "***" (both `user:password@` and `password=...`), safe to log. malloc'd; NULL
 * when out of memory. */
char *db_pg_mask(const char *target);

#endif
