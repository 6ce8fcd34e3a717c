/* The backend-neutral face of the blob store: each call goes to the backend's table. */
#include "blob/blob_backend.h"

#include <string.h>

bool blob_valid_key(const char *key)
{
    size_t n = strlen(key);
    return n >= 2 && n < BLOB_KEY_MAX && strspn(key, "0123456789abcdef") == n;
}

void blob_close(struct blob_store *bs)
{
    if (bs)
        bs->ops->close(bs);
}

struct blob_writer *blob_put_begin(struct blob_store *bs, struct error *err)
{
    return bs->ops->put_begin(bs, err);
}

int blob_put_write(struct blob_writer *w, const void *data, size_t len, struct error *err)
{
    return w->bs->ops->put_write(w, data, len, err);
}

int blob_put_finish(struct blob_writer *w, uint64_t *size, struct multihash_hex *hashes,
                    struct error *err)
{
    return w->bs->ops->put_finish(w, size, hashes, err);
}

int blob_put_commit(struct blob_writer *w, char key[BLOB_KEY_MAX], struct error *err)
{
    return w->bs->ops->put_commit(w, key, err);
}

void blob_put_abort(struct blob_writer *w)
{
    if (w)
        w->bs->ops->put_abort(w);
}

int blob_open_read(struct blob_store *bs, const char *key, int *fd, uint64_t *size,
                   struct error *err)
{
    *fd = -1;
    if (!blob_valid_key(key))
        return err_set(err, ERR_NOT_FOUND, "artifact.loadFailed", "invalid artifact key");
    return bs->ops->open_read(bs, key, fd, size, err);
}

struct blob_reader *blob_reader_open(struct blob_store *bs, const char *key, uint64_t first,
                                     uint64_t len, struct error *err)
{
    if (!bs->ops->reader_open || !blob_valid_key(key)) {
        err_set(err, ERR_INTERNAL, "artifact.loadFailed", "artifact cannot be streamed");
        return NULL;
    }
    return bs->ops->reader_open(bs, key, first, len, err);
}

ssize_t blob_reader_read(struct blob_reader *r, void *buf, size_t max)
{
    return r->bs->ops->reader_read(r, buf, max);
}

void blob_reader_close(struct blob_reader *r)
{
    if (r)
        r->bs->ops->reader_close(r);
}

int blob_direct_url(struct blob_store *bs, const char *key, unsigned expires_s, char *url,
                    size_t len, struct error *err)
{
    if (!bs->ops->direct_url)
        return 0;
    if (!blob_valid_key(key))
        return err_set(err, ERR_NOT_FOUND, "artifact.loadFailed", "invalid artifact key");
    return bs->ops->direct_url(bs, key, expires_s, url, len, err);
}

int blob_delete(struct blob_store *bs, const char *key, struct error *err)
{
    if (!blob_valid_key(key))
        return 0;
    return bs->ops->delete (bs, key, err);
}
