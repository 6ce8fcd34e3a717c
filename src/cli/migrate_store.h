/* `falconet migrate-store`: copies an installation's SQLite database (and, when asked,
 * its local artifact files) into a new, empty database (PostgreSQL, or another SQLite
 * file) and a new artifact store (an S3 bucket). See docs/scale-out.md. */
#ifndef FALCONET_CLI_MIGRATE_STORE_H
#define FALCONET_CLI_MIGRATE_STORE_H

#include "util/error.h"

struct blob_store;

struct migrate_store_options {
    const char *source_db;        /* the SQLite file of the stopped server */
    const char *source_artifacts; /* its artifact directory (storage.path) */
    const char *target_db;        /* postgres:// URL (or a SQLite path): must be empty */
    /* The new artifact store; NULL keeps the artifact keys and the files where they are. */
    struct blob_store *target_blobs;
};

/** Migrates the target database to the current schema, checks that it holds no data,
 * and copies every table of the source into it in one transaction, keeping every id
 * (identity sequences then continue past the copied ids). With target_blobs, also
 * copies each artifact's bytes, checks them against the row's size and hashes, and
 * writes the new key into the copied row. The source is only read; it must not be in
 * use by a running server. Prints progress and a summary to stdout. Returns 0, or a
 * negative err_kind with *err naming the table or artifact; the target is then left
 * without data (the transaction is rolled back, copied blobs are deleted). */
int migrate_store_run(const struct migrate_store_options *o, struct error *err);

#endif
