/* Artifact bytes: one interface, one backend per storage kind (a local directory,
 * blob_fs.c; an S3-compatible object store, blob_s3.c).
 *
 * Writing is two-phase so that nothing half-written is ever visible:
 *   blob_put_begin -> blob_put_write ... -> blob_put_finish (bytes durable, hashes
 *   known, still invisible) -> blob_put_commit (published under its key)
 * or blob_put_abort at any point before commit, which removes every trace. The
 * metadata row is committed only after blob_put_commit; if that fails the caller
 * deletes the blob again. "Invisible" means no row names the blob: the S3 backend
 * completes the object under its final random key in blob_put_finish (an S3 object
 * only appears once its upload is complete), so a crash between finish and the row's
 * commit can leave an unreferenced object behind, never a half-written one.
 * One store is shared by all threads. */
#ifndef FALCONET_BLOB_BLOB_H
#define FALCONET_BLOB_BLOB_H

#include "util/error.h"
#include "util/hash.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BLOB_KEY_MAX 64

struct blob_store;
struct blob_writer;
struct blob_reader;

/** A store in a local directory (created if missing); leftover temporary files
 * from an earlier crash are removed. NULL on failure. */
struct blob_store *blob_open_fs(const char *dir, struct error *err);

/** How devices get the bytes of an S3 store. */
enum blob_s3_download {
    BLOB_S3_PROXY = 0, /* the server streams them from the bucket */
    BLOB_S3_REDIRECT,  /* a 302 to a presigned GET URL of the bucket */
};

struct blob_s3_config {
    const char *url;      /* s3://bucket[/prefix] */
    const char *endpoint; /* "" = https://s3.<region>.amazonaws.com */
    const char *region;   /* "" = us-east-1 */
    const char *access_key, *secret_key;
    int path_style; /* 1: endpoint/bucket/key, 0: bucket.host/key, -1: 1 with an endpoint */
    enum blob_s3_download download;
};

/** A store in an S3 bucket (strings are copied). Checks that the bucket is reachable
 * with the credentials (HeadBucket); NULL with a message naming the bucket and
 * endpoint, never the secret, otherwise. */
struct blob_store *blob_open_s3(const struct blob_s3_config *cfg, struct error *err);
void blob_close(struct blob_store *bs);

struct blob_writer *blob_put_begin(struct blob_store *bs, struct error *err);
int blob_put_write(struct blob_writer *w, const void *data, size_t len, struct error *err);
/** Makes the bytes durable and reports their size and digests. */
int blob_put_finish(struct blob_writer *w, uint64_t *size, struct multihash_hex *hashes,
                    struct error *err);
/** Publishes the finished blob and frees the writer; key receives its name. */
int blob_put_commit(struct blob_writer *w, char key[BLOB_KEY_MAX], struct error *err);
/** Discards everything written and frees the writer. NULL is ignored. */
void blob_put_abort(struct blob_writer *w);

/** Opens a blob for reading and reports its size: ERR_GONE when it is missing. A
 * local store hands out a file descriptor the caller owns (*fd >= 0); a remote one
 * sets *fd to -1, and the bytes are then read with blob_reader_open. */
int blob_open_read(struct blob_store *bs, const char *key, int *fd, uint64_t *size,
                   struct error *err);
/** A reader of len bytes of the blob from offset first, fetched in bounded pieces
 * while they are read (nothing is fetched before the first blob_reader_read). */
struct blob_reader *blob_reader_open(struct blob_store *bs, const char *key, uint64_t first,
                                     uint64_t len, struct error *err);
/** Reads up to max bytes: the count, 0 at the end, -1 on an error (logged). */
ssize_t blob_reader_read(struct blob_reader *r, void *buf, size_t max);
/** NULL is ignored. */
void blob_reader_close(struct blob_reader *r);

/** Writes into url a URL at which anyone may GET the blob for expires_s seconds:
 * 1 when written, 0 when the store serves its bytes itself (a local store, or S3 in
 * proxy mode), negative with err set on failure. */
int blob_direct_url(struct blob_store *bs, const char *key, unsigned expires_s, char *url,
                    size_t len, struct error *err);

/** Removes a blob; a missing blob is not an error. */
int blob_delete(struct blob_store *bs, const char *key, struct error *err);

#endif
