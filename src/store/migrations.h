#ifndef FALCONET_STORE_MIGRATIONS_H
#define FALCONET_STORE_MIGRATIONS_H

/** The SQLite schema migrations in order; migration i brings the schema to version i+1. */
const char *const *migrations_sqlite(int *count);
/** The same schema versions for PostgreSQL, same table and column names. */
const char *const *migrations_pg(int *count);

#endif
