/* What a blob backend provides: the operations of blob.h, behind one table. A
 * backend's store and writer structs begin with struct blob_store / blob_writer. */
#ifndef FALCONET_BLOB_BLOB_BACKEND_H
#define FALCONET_BLOB_BLOB_BACKEND_H

#include "blob/blob.h"

struct blob_ops {
    void (*close)(struct blob_store *bs);
    struct blob_writer *(*put_begin)(struct blob_store *bs, struct error *err);
    int (*put_write)(struct blob_writer *w, const void *data, size_t len, struct error *err);
    int (*put_finish)(struct blob_writer *w, uint64_t *size, struct multihash_hex *hashes,
                      struct error *err);
    int (*put_commit)(struct blob_writer *w, char key[BLOB_KEY_MAX], struct error *err);
    void (*put_abort)(struct blob_writer *w);
    int (*open_read)(struct blob_store *bs, const char *key, int *fd, uint64_t *size,
                     struct error *err);
    /* NULL when open_read always hands out a file descriptor. */
    struct blob_reader *(*reader_open)(struct blob_store *bs, const char *key, uint64_t first,
                                       uint64_t len, struct error *err);
    ssize_t (*reader_read)(struct blob_reader *r, void *buf, size_t max);
    void (*reader_close)(struct blob_reader *r);
    /* NULL when the store has no direct URLs. */
    int (*direct_url)(struct blob_store *bs, const char *key, unsigned expires_s, char *url,
                      size_t len, struct error *err);
    int (*delete)(struct blob_store *bs, const char *key, struct error *err);
};

struct blob_store {
    const struct blob_ops *ops;
};

struct blob_writer {
    struct blob_store *bs;
};

struct blob_reader {
    struct blob_store *bs;
};

/** Keys are the stores' own random hex names; anything else is refused before it
 * reaches a path or a URL. */
bool blob_valid_key(const char *key);

#endif
