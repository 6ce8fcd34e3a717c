/* The S3 backend's store and its HTTP requests (libcurl, SigV4 signed by libcurl),
 * shared by blob_s3.c (writing, deleting, presigning) and s3_reader.c (streaming
 * reads). */
#ifndef FALCONET_BLOB_S3_CLIENT_H
#define FALCONET_BLOB_S3_CLIENT_H

#include "blob/blob_backend.h"

#include <curl/curl.h>

#define S3_URL_MAX 1536

struct s3_store {
    struct blob_store base;
    char bucket[64];
    char origin[1024];     /* "scheme://host[:port]" of object URLs (with the bucket when
                            * virtual-hosted) */
    char root[1024];       /* the encoded path before the key: "/bucket/prefix/" or "/prefix/" */
    char bucket_url[1100]; /* the bucket itself (HeadBucket) */
    char region[64];
    char sigv4[128]; /* "aws:amz:<region>:s3" */
    char access_key[128];
    char secret_key[256]; /* never logged */
    enum blob_s3_download download;
};

/** One request's outcome. */
struct s3_response {
    long status;     /* HTTP status, 0 when no response arrived */
    char etag[128];  /* the ETag header, quotes included */
    char body[4096]; /* the start of the body (error documents, small XML replies) */
    size_t body_len;
    uint64_t content_length;
    char curl_error[CURL_ERROR_SIZE];
};

/** Writes the URL of key (a blob key; "" for the bucket itself) with an optional
 * query (NULL for none). libcurl 7.88 signs the query exactly as written, while S3
 * canonicalizes it (names sorted, every name with '=', values UriEncoded), so the
 * query must already be in that form: "uploads=", "partNumber=1&uploadId=<encoded>". */
void s3_object_url(const struct s3_store *bs, const char *key, const char *query, char *url,
                   size_t len);
/** A signed easy handle for method on url with the given extra headers (which the
 * caller frees after the transfer, with curl_slist_free_all); NULL when out of
 * memory. It keeps its connection for reuse in the calling thread's connection
 * cache, so it must be performed and cleaned up on the thread that created it. body (len bytes, may
 * be NULL for none) is sent as the request body of PUT and POST. */
CURL *s3_easy(const struct s3_store *bs, const char *method, const char *url, const void *body,
              size_t len, struct curl_slist **headers);
/** Performs method on url synchronously and fills resp. Returns 0 when a response
 * arrived (whatever its status), -1 when the transfer failed (resp->curl_error). */
int s3_request(const struct s3_store *bs, const char *method, const char *url, const void *body,
               size_t len, struct s3_response *resp);
/** Sets err from a failed request: ERR_UNAVAILABLE when S3 could not be reached or
 * answered 5xx, ERR_INTERNAL otherwise; the message names what and S3's error code. */
int s3_error(struct error *err, const char *code, const char *what, int rc,
             const struct s3_response *resp);

struct blob_reader *s3_reader_open(struct blob_store *bs, const char *key, uint64_t first,
                                   uint64_t len, struct error *err);
ssize_t s3_reader_read(struct blob_reader *r, void *buf, size_t max);
void s3_reader_close(struct blob_reader *r);

#endif
