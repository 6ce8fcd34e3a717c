/* S3 blob backend: objects <prefix>/<key> in one bucket of any S3-compatible store.
 *
 * An upload is hashed as it arrives and gathered into parts of PART_SIZE bytes; the
 * first full part starts a multipart upload (CreateMultipartUpload) and each full
 * part is sent with UploadPart, so a writer holds at most one part in memory
 * whatever the artifact's size. blob_put_finish sends the rest (one PutObject when
 * the artifact fits in one part, else the last part and CompleteMultipartUpload).
 * The key is random and final from the start: S3 shows an object only once its
 * upload is complete, and no row names it before blob_put_commit returns.
 * blob_put_abort aborts the multipart upload or deletes the completed object. */
#include "blob/s3_client.h"
#include "blob/s3_sign.h"

#include "auth/auth.h"
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PART_SIZE (8u << 20) /* S3 wants at least 5 MiB per part but the last */
#define FIRST_BUFFER (256u << 10)
#define MAX_PARTS 10000

struct s3_writer {
    struct blob_writer base;
    struct s3_store *bs;
    char key[33];
    struct multihash *hash;
    unsigned char *buf;
    size_t used, cap;
    uint64_t size;
    char upload_id[512]; /* URI-encoded; "" before the first part */
    char (*etags)[128];  /* of parts 1..parts */
    int parts;
    bool completed; /* the object exists */
};

static const struct blob_ops s3_ops;

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* s3://bucket[/prefix] -> bucket and prefix without slashes at either end. */
static int parse_url(const char *url, char *bucket, size_t blen, char *prefix, size_t plen)
{
    if (strncmp(url, "s3://", 5) != 0)
        return -1;
    const char *b = url + 5;
    size_t n = strcspn(b, "/");
    if (n == 0 || n >= blen)
        return -1;
    snprintf(bucket, blen, "%.*s", (int)n, b);
    const char *p = b + n;
    while (*p == '/')
        p++;
    size_t plen_in = strlen(p);
    while (plen_in && p[plen_in - 1] == '/')
        plen_in--;
    if (plen_in >= plen)
        return -1;
    snprintf(prefix, plen, "%.*s", (int)plen_in, p);
    return 0;
}

static int set_locations(struct s3_store *bs, const struct blob_s3_config *cfg, struct error *err)
{
    char prefix[512], enc[900];
    if (parse_url(cfg->url, bs->bucket, sizeof(bs->bucket), prefix, sizeof(prefix)) < 0)
        return err_set(err, ERR_INVALID, NULL,
                       "storage.url: expected s3://bucket or s3://bucket/prefix");
    if (s3_uri_encode(prefix, true, enc, sizeof(enc)) < 0)
        return err_set(err, ERR_INVALID, NULL, "storage.url: prefix too long");
    char endpoint[400];
    if (cfg->endpoint && cfg->endpoint[0])
        snprintf(endpoint, sizeof(endpoint), "%s", cfg->endpoint);
    else
        snprintf(endpoint, sizeof(endpoint), "https://s3.%s.amazonaws.com", bs->region);
    size_t elen = strlen(endpoint);
    while (elen && endpoint[elen - 1] == '/')
        endpoint[--elen] = '\0';
    const char *host = strstr(endpoint, "://");
    if (!host || strchr(host + 3, '/'))
        return err_set(err, ERR_INVALID, NULL,
                       "storage.s3_endpoint: expected scheme://host[:port], e.g. "
                       "http://127.0.0.1:9000");
    bool path_style = cfg->path_style < 0 ? cfg->endpoint && cfg->endpoint[0] : cfg->path_style;
    if (path_style) {
        snprintf(bs->origin, sizeof(bs->origin), "%s", endpoint);
        snprintf(bs->root, sizeof(bs->root), "/%s/%s%s", bs->bucket, enc, enc[0] ? "/" : "");
        snprintf(bs->bucket_url, sizeof(bs->bucket_url), "%s/%s", endpoint, bs->bucket);
    } else {
        snprintf(bs->origin, sizeof(bs->origin), "%.*s%s.%s", (int)(host + 3 - endpoint), endpoint,
                 bs->bucket, host + 3);
        snprintf(bs->root, sizeof(bs->root), "/%s%s", enc, enc[0] ? "/" : "");
        snprintf(bs->bucket_url, sizeof(bs->bucket_url), "%s/", bs->origin);
    }
    return 0;
}

/* HeadBucket: the bucket exists and the credentials may use it. */
static int check_bucket(struct s3_store *bs, struct error *err)
{
    struct s3_response r;
    int rc = s3_request(bs, "HEAD", bs->bucket_url, NULL, 0, &r);
    if (rc == 0 && r.status == 200)
        return 0;
    if (rc < 0)
        return err_set(err, ERR_UNAVAILABLE, NULL, "S3 bucket %s at %s is not reachable: %s",
                       bs->bucket, bs->origin, r.curl_error);
    return err_set(err, ERR_UNAVAILABLE, NULL, "S3 bucket %s at %s: HeadBucket answered %ld%s",
                   bs->bucket, bs->origin, r.status,
                   r.status == 404   ? " (no such bucket)"
                   : r.status == 403 ? " (access denied: check the access and secret key)"
                                     : "");
}

struct blob_store *blob_open_s3(const struct blob_s3_config *cfg, struct error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_curl);
    struct s3_store *bs = calloc(1, sizeof(*bs));
    if (!bs) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    bs->base.ops = &s3_ops;
    bs->download = cfg->download;
    snprintf(bs->region, sizeof(bs->region), "%s",
             cfg->region && cfg->region[0] ? cfg->region : "us-east-1");
    snprintf(bs->sigv4, sizeof(bs->sigv4), "aws:amz:%s:s3", bs->region);
    snprintf(bs->access_key, sizeof(bs->access_key), "%s", cfg->access_key ? cfg->access_key : "");
    snprintf(bs->secret_key, sizeof(bs->secret_key), "%s", cfg->secret_key ? cfg->secret_key : "");
    if (!bs->access_key[0] || !bs->secret_key[0]) {
        err_set(err, ERR_INVALID, NULL,
                "S3 storage needs storage.s3_access_key and storage.s3_secret_key");
        free(bs);
        return NULL;
    }
    if (set_locations(bs, cfg, err) < 0 || check_bucket(bs, err) < 0) {
        free(bs);
        return NULL;
    }
    log_info("artifact store: S3 bucket=%s objects=%s%s download=%s", bs->bucket, bs->origin,
             bs->root, bs->download == BLOB_S3_REDIRECT ? "redirect" : "proxy");
    return &bs->base;
}

static void s3_close(struct blob_store *base)
{
    struct s3_store *bs = (struct s3_store *)base;
    explicit_bzero(bs->secret_key, sizeof(bs->secret_key));
    free(bs);
}

/* ---- writing ---- */

static struct blob_writer *s3_put_begin(struct blob_store *base, struct error *err)
{
    struct s3_writer *w = calloc(1, sizeof(*w));
    if (w) {
        w->hash = multihash_new();
        w->buf = malloc(FIRST_BUFFER);
    }
    if (!w || !w->hash || !w->buf) {
        if (w) {
            multihash_free(w->hash);
            free(w->buf);
        }
        free(w);
        err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "out of memory");
        return NULL;
    }
    w->base.bs = base;
    w->bs = (struct s3_store *)base;
    w->cap = FIRST_BUFFER;
    auth_random_hex(w->key, 16);
    return &w->base;
}

static int create_upload(struct s3_writer *w, struct error *err)
{
    char url[S3_URL_MAX];
    s3_object_url(w->bs, w->key, "uploads=", url, sizeof(url));
    struct s3_response r;
    int rc = s3_request(w->bs, "POST", url, NULL, 0, &r);
    const char *s = rc == 0 && r.status == 200 ? strstr(r.body, "<UploadId>") : NULL;
    const char *e = s ? strstr(s, "</UploadId>") : NULL;
    char id[256];
    if (!e || (size_t)(e - s - 10) >= sizeof(id) || e == s + 10)
        return s3_error(err, "artifact.uploadFailed", "cannot start a multipart upload",
                        rc < 0 ? rc : 0, &r);
    snprintf(id, sizeof(id), "%.*s", (int)(e - s - 10), s + 10);
    if (s3_uri_encode(id, false, w->upload_id, sizeof(w->upload_id)) < 0)
        return err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "S3 upload id too long");
    return 0;
}

static int upload_part(struct s3_writer *w, struct error *err)
{
    if (!w->upload_id[0] && create_upload(w, err) < 0)
        return -ERR_INTERNAL;
    if (w->parts == MAX_PARTS)
        return err_set(err, ERR_TOO_LARGE, "artifact.uploadFailed",
                       "artifact too large for S3 (more than %d parts)", MAX_PARTS);
    void *grown = realloc(w->etags, (size_t)(w->parts + 1) * sizeof(w->etags[0]));
    if (!grown)
        return err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "out of memory");
    w->etags = grown;
    char url[S3_URL_MAX], query[600];
    snprintf(query, sizeof(query), "partNumber=%d&uploadId=%s", w->parts + 1, w->upload_id);
    s3_object_url(w->bs, w->key, query, url, sizeof(url));
    struct s3_response r;
    int rc = s3_request(w->bs, "PUT", url, w->buf, w->used, &r);
    if (rc < 0 || r.status != 200 || !r.etag[0])
        return s3_error(err, "artifact.uploadFailed", "cannot upload a part", rc, &r);
    snprintf(w->etags[w->parts++], sizeof(w->etags[0]), "%s", r.etag);
    w->used = 0;
    return 0;
}

static int s3_put_write(struct blob_writer *base, const void *data, size_t len, struct error *err)
{
    struct s3_writer *w = (struct s3_writer *)base;
    multihash_update(w->hash, data, len);
    const unsigned char *p = data;
    while (len > 0) {
        if (w->used == w->cap && w->cap < PART_SIZE) {
            unsigned char *grown = realloc(w->buf, w->cap * 2);
            if (!grown)
                return err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "out of memory");
            w->buf = grown;
            w->cap *= 2;
        }
        size_t n = len < w->cap - w->used ? len : w->cap - w->used;
        memcpy(w->buf + w->used, p, n);
        w->used += n;
        w->size += n;
        p += n;
        len -= n;
        if (w->used == PART_SIZE && upload_part(w, err) < 0)
            return -ERR_INTERNAL;
    }
    return 0;
}

static int complete_upload(struct s3_writer *w, struct error *err)
{
    size_t len = 64 + (size_t)w->parts * 200, used = 0;
    char *xml = malloc(len);
    if (!xml)
        return err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "out of memory");
    used += (size_t)snprintf(xml, len, "<CompleteMultipartUpload>");
    for (int i = 0; i < w->parts; i++)
        used += (size_t)snprintf(xml + used, len - used,
                                 "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1,
                                 w->etags[i]);
    used += (size_t)snprintf(xml + used, len - used, "</CompleteMultipartUpload>");
    char url[S3_URL_MAX], query[600];
    snprintf(query, sizeof(query), "uploadId=%s", w->upload_id);
    s3_object_url(w->bs, w->key, query, url, sizeof(url));
    struct s3_response r;
    int rc = s3_request(w->bs, "POST", url, xml, used, &r);
    free(xml);
    /* S3 may answer 200 and still report an error in the body. */
    if (rc < 0 || r.status != 200 || strstr(r.body, "<Error>"))
        return s3_error(err, "artifact.uploadFailed", "cannot complete the multipart upload", rc,
                        &r);
    return 0;
}

static int s3_put_finish(struct blob_writer *base, uint64_t *size, struct multihash_hex *hashes,
                         struct error *err)
{
    struct s3_writer *w = (struct s3_writer *)base;
    if (!w->upload_id[0]) {
        char url[S3_URL_MAX];
        s3_object_url(w->bs, w->key, NULL, url, sizeof(url));
        struct s3_response r;
        int rc = s3_request(w->bs, "PUT", url, w->buf, w->used, &r);
        if (rc < 0 || r.status != 200)
            return s3_error(err, "artifact.uploadFailed", "cannot store the artifact", rc, &r);
    } else if ((w->used > 0 && upload_part(w, err) < 0) || complete_upload(w, err) < 0) {
        return -ERR_INTERNAL;
    }
    w->completed = true;
    free(w->buf);
    w->buf = NULL;
    multihash_final(w->hash, hashes);
    *size = w->size;
    return 0;
}

static void free_writer(struct s3_writer *w)
{
    multihash_free(w->hash);
    free(w->buf);
    free(w->etags);
    free(w);
}

static int s3_put_commit(struct blob_writer *base, char key[BLOB_KEY_MAX], struct error *err)
{
    struct s3_writer *w = (struct s3_writer *)base;
    snprintf(key, BLOB_KEY_MAX, "%s", w->key);
    free_writer(w);
    return 0;
}

static int s3_delete(struct blob_store *base, const char *key, struct error *err);

static void s3_put_abort(struct blob_writer *base)
{
    struct s3_writer *w = (struct s3_writer *)base;
    struct error e;
    if (w->completed) {
        if (s3_delete(&w->bs->base, w->key, &e) < 0)
            log_error("cannot remove discarded upload key=%s error=\"%s\"", w->key, e.message);
    } else if (w->upload_id[0]) {
        char url[S3_URL_MAX], query[600];
        snprintf(query, sizeof(query), "uploadId=%s", w->upload_id);
        s3_object_url(w->bs, w->key, query, url, sizeof(url));
        struct s3_response r;
        int rc = s3_request(w->bs, "DELETE", url, NULL, 0, &r);
        if (rc < 0 || (r.status != 204 && r.status != 200 && r.status != 404))
            log_error("cannot abort multipart upload key=%s status=%ld %s", w->key, r.status,
                      r.curl_error);
    }
    free_writer(w);
}

/* ---- reading, direct URLs, deleting ---- */

static int s3_open_read(struct blob_store *base, const char *key, int *fd, uint64_t *size,
                        struct error *err)
{
    struct s3_store *bs = (struct s3_store *)base;
    char url[S3_URL_MAX];
    s3_object_url(bs, key, NULL, url, sizeof(url));
    struct s3_response r;
    int rc = s3_request(bs, "HEAD", url, NULL, 0, &r);
    if (rc == 0 && r.status == 404)
        return err_set(err, ERR_GONE, "artifact.binaryDeleted", "artifact binary is not available");
    if (rc < 0 || r.status != 200)
        return s3_error(err, "artifact.loadFailed", "cannot read artifact", rc, &r);
    *fd = -1;
    *size = r.content_length;
    return 0;
}

static int s3_direct_url(struct blob_store *base, const char *key, unsigned expires_s, char *url,
                         size_t len, struct error *err)
{
    struct s3_store *bs = (struct s3_store *)base;
    if (bs->download != BLOB_S3_REDIRECT)
        return 0;
    char path[S3_URL_MAX], date[17];
    snprintf(path, sizeof(path), "%s%s", bs->root, key);
    s3_amz_date(time(NULL), date);
    struct s3_presign p = {
        .base = bs->origin,
        .path = path,
        .region = bs->region,
        .access_key = bs->access_key,
        .secret_key = bs->secret_key,
        .amz_date = date,
        .expires = expires_s,
    };
    if (s3_presign_get(&p, url, len) < 0)
        return err_set(err, ERR_INTERNAL, "artifact.loadFailed", "cannot presign the download");
    return 1;
}

static int s3_delete(struct blob_store *base, const char *key, struct error *err)
{
    struct s3_store *bs = (struct s3_store *)base;
    char url[S3_URL_MAX];
    s3_object_url(bs, key, NULL, url, sizeof(url));
    struct s3_response r;
    int rc = s3_request(bs, "DELETE", url, NULL, 0, &r);
    if (rc == 0 && (r.status == 204 || r.status == 200 || r.status == 404))
        return 0;
    return s3_error(err, "artifact.deleteFailed", "cannot delete artifact", rc, &r);
}

static const struct blob_ops s3_ops = {
    .close = s3_close,
    .put_begin = s3_put_begin,
    .put_write = s3_put_write,
    .put_finish = s3_put_finish,
    .put_commit = s3_put_commit,
    .put_abort = s3_put_abort,
    .open_read = s3_open_read,
    .reader_open = s3_reader_open,
    .reader_read = s3_reader_read,
    .reader_close = s3_reader_close,
    .direct_url = s3_direct_url,
    .delete = s3_delete,
};
