#include "blob/s3_client.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* SHA-256 of an empty body, the payload hash of GET, HEAD and DELETE. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

void s3_object_url(const struct s3_store *bs, const char *key, const char *query, char *url,
                   size_t len)
{
    snprintf(url, len, "%s%s%s%s%s", bs->origin, bs->root, key, query ? "?" : "",
             query ? query : "");
}

static void payload_hash(const void *body, size_t len, char out[65])
{
    if (!body || !len) {
        memcpy(out, EMPTY_SHA256, 65);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(body, len, d);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

/* Keep-alive connections, DNS answers and TLS sessions are kept per thread, in a
 * curl share every handle of that thread uses: sequential S3 requests of a worker
 * (HeadObject then GetObject, the parts of an upload, the parts of a multi-range
 * download) reuse one connection instead of opening a new one each. Per thread
 * because libcurl does not support one connection cache shared by concurrent
 * threads; a handle is always created, driven and cleaned up on one thread (an HTTP
 * worker serves, and frees, its own connections' readers). The share goes with the
 * thread (curl_share_cleanup, which closes its idle connections, refuses while a
 * handle still uses it; it is then left to the process's end). */
static pthread_key_t share_key;
static pthread_once_t share_once = PTHREAD_ONCE_INIT;
static bool share_key_ok;

static void free_share(void *share)
{
    curl_share_cleanup(share);
}

static void make_share_key(void)
{
    share_key_ok = pthread_key_create(&share_key, free_share) == 0;
}

/* The calling thread's share, created on first use; NULL (no reuse) on failure. */
static CURLSH *thread_share(void)
{
    pthread_once(&share_once, make_share_key);
    if (!share_key_ok)
        return NULL;
    CURLSH *sh = pthread_getspecific(share_key);
    if (sh)
        return sh;
    sh = curl_share_init();
    if (!sh)
        return NULL;
    if (curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        pthread_setspecific(share_key, sh) != 0) {
        curl_share_cleanup(sh);
        return NULL;
    }
    return sh;
}

CURL *s3_easy(const struct s3_store *bs, const char *method, const char *url, const void *body,
              size_t len, struct curl_slist **headers)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    char hash[65], line[128];
    payload_hash(body, len, hash);
    snprintf(line, sizeof(line), "x-amz-content-sha256: %s", hash);
    /* Every header given here is signed (libcurl's SigV4 signs the whole list), so
     * only headers that are really sent belong in it: no "Expect:" to suppress
     * 100-continue — libcurl would sign an "expect" header that never goes out. */
    struct curl_slist *h = curl_slist_append(NULL, line);
    struct curl_slist *h2 =
        h && body ? curl_slist_append(h, "Content-Type: application/octet-stream") : h;
    if (!h2) {
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return NULL;
    }
    *headers = h2;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_SHARE, thread_share());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, bs->sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, bs->access_key);
    curl_easy_setopt(c, CURLOPT_PASSWORD, bs->secret_key);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *headers);
    /* libcurl adds "Expect: 100-continue" (unsigned) to bodies over 1 MiB; send the
     * body at once instead of waiting for the interim answer. */
    curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    return c;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    struct s3_response *r = user;
    size_t len = size * n, room = sizeof(r->body) - 1 - r->body_len;
    size_t take = len < room ? len : room;
    memcpy(r->body + r->body_len, data, take);
    r->body_len += take;
    r->body[r->body_len] = '\0';
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
    struct s3_response *r = user;
    size_t len = size * n;
    if (len > 5 && strncasecmp(data, "ETag:", 5) == 0) {
        const char *v = data + 5;
        size_t vlen = len - 5;
        while (vlen && (*v == ' ' || *v == '\t'))
            v++, vlen--;
        while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
            vlen--;
        if (vlen < sizeof(r->etag)) {
            memcpy(r->etag, v, vlen);
            r->etag[vlen] = '\0';
        }
    }
    return len;
}

int s3_request(const struct s3_store *bs, const char *method, const char *url, const void *body,
               size_t len, struct s3_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    struct curl_slist *headers = NULL;
    CURL *c = s3_easy(bs, method, url, body, len, &headers);
    if (!c) {
        snprintf(resp->curl_error, sizeof(resp->curl_error), "out of memory");
        return -1;
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, resp->curl_error);
    /* A stalled S3 gives up after a minute without a byte. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_off_t cl = -1;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl >= 0)
            resp->content_length = (uint64_t)cl;
    } else if (!resp->curl_error[0]) {
        snprintf(resp->curl_error, sizeof(resp->curl_error), "%s", curl_easy_strerror(rc));
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    return rc == CURLE_OK ? 0 : -1;
}

/* S3's <Code> from an error document, or "". */
static void error_code(const struct s3_response *r, char *out, size_t len)
{
    out[0] = '\0';
    const char *s = strstr(r->body, "<Code>");
    const char *e = s ? strstr(s, "</Code>") : NULL;
    if (s && e && (size_t)(e - s - 6) < len)
        snprintf(out, len, "%.*s", (int)(e - s - 6), s + 6);
}

int s3_error(struct error *err, const char *code, const char *what, int rc,
             const struct s3_response *resp)
{
    if (rc < 0)
        return err_set(err, ERR_UNAVAILABLE, code, "%s: S3 not reachable: %s", what,
                       resp->curl_error);
    char s3_code[64];
    error_code(resp, s3_code, sizeof(s3_code));
    return err_set(err, resp->status >= 500 ? ERR_UNAVAILABLE : ERR_INTERNAL, code,
                   "%s: S3 answered %ld %s", what, resp->status, s3_code);
}
