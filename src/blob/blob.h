/* Artifact bytes: one interface, one backend per storage kind.
 *
 * Writing is two-phase so that nothing half-written is ever visible:
 *   blob_put_begin -> blob_put_write ... -> blob_put_finish (bytes durable, hashes
 *   known, still invisible) -> blob_put_commit (published under its key)
 * or blob_put_abort at any point before commit, which removes every trace. The
 * metadata row is committed only after blob_put_commit; if that fails the caller
 * deletes the blob again. One store is shared by all threads. */
#ifndef FALCONET_BLOB_BLOB_H
#define FALCONET_BLOB_BLOB_H

#include "util/error.h"
#include "util/hash.h"

#include <stdint.h>

#define BLOB_KEY_MAX 64

struct blob_store;
struct blob_writer;

/** A store in a local directory (created if missing); leftover temporary files
 * from an earlier crash are removed. NULL on failure. */
struct blob_store *blob_open_fs(const char *dir, struct error *err);
void blob_close(struct blob_store *bs);

struct blob_writer *blob_put_begin(struct blob_store *bs, struct error *err);
int blob_put_write(struct blob_writer *w, const void *data, size_t len, struct error *err);
/** Flushes the bytes to stable storage and reports their size and digests. */
int blob_put_finish(struct blob_writer *w, uint64_t *size, struct multihash_hex *hashes,
                    struct error *err);
/** Publishes the finished blob and frees the writer; key receives its name. */
int blob_put_commit(struct blob_writer *w, char key[BLOB_KEY_MAX], struct error *err);
/** Discards everything written and frees the writer. NULL is ignored. */
void blob_put_abort(struct blob_writer *w);

/** Opens a blob for reading: a file descriptor the caller owns, and its size. */
int blob_open_read(struct blob_store *bs, const char *key, int *fd, uint64_t *size,
                   struct error *err);
/** Removes a blob; a missing blob is not an error. */
int blob_delete(struct blob_store *bs, const char *key, struct error *err);

#endif
