#include "api/download.h"

#include "api/errors.h"
#include "http/etag.h"
#include "http/range.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONTENT_TYPE "application/octet-stream"

/* ---- Content-Disposition ---- */

struct out {
    char *buf;
    size_t len, used;
};

static void put(struct out *o, char c)
{
    if (o->used + 1 < o->len) {
        o->buf[o->used++] = c;
        o->buf[o->used] = '\0';
    }
}

static void puts_out(struct out *o, const char *s)
{
    while (*s)
        put(o, *s++);
}

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 8187 attr-char. */
static bool is_attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$&+-.^_`|~", c));
}

void api_content_disposition(char *buf, size_t len, const char *filename)
{
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    puts_out(&o, "attachment;filename=");
    const unsigned char *p = (const unsigned char *)filename;
    size_t n = strlen(filename);
    bool token = n > 0, ascii = true;
    for (size_t i = 0; i < n; i++) {
        token = token && is_tchar(p[i]);
        ascii = ascii && p[i] < 0x80;
    }
    if (token) {
        puts_out(&o, filename);
        return;
    }
    put(&o, '"');
    for (size_t i = 0; i < n; i++) {
        if ((p[i] & 0xc0) == 0x80)
            continue; /* one '_' per non-ASCII character, not per byte */
        if (p[i] == '"' || p[i] == '\\')
            put(&o, '\\');
        put(&o, p[i] < 0x20 || p[i] >= 0x7f ? '_' : (char)p[i]);
    }
    put(&o, '"');
    if (ascii)
        return;
    puts_out(&o, ";filename*=UTF-8''");
    for (size_t i = 0; i < n; i++) {
        char hex[4];
        if (is_attr_char(p[i])) {
            put(&o, (char)p[i]);
            continue;
        }
        snprintf(hex, sizeof(hex), "%%%02X", p[i]);
        puts_out(&o, hex);
    }
}

/* ---- conditional requests ---- */

static void http_date(char *buf, size_t len, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* If-Range: the Range applies only when the validator is our (strong) entity tag or
 * a date no older than the artifact (RFC 9110 13.1.5). */
static bool if_range_ok(const char *header, const char *etag, time_t last_modified)
{
    if (!header)
        return true;
    if (header[0] == '"')
        return strcmp(header, etag) == 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(header, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return end && *end == '\0' && last_modified <= timegm(&tm);
}

/* ---- the reply ---- */

static void add_headers(struct request *req, const struct artifact *art, const char *etag,
                        time_t last_modified)
{
    char value[2048];
    api_content_disposition(value, sizeof(value), art->filename);
    http_add_header(req, "Content-Disposition", value);
    http_add_header(req, "ETag", etag);
    http_add_header(req, "Accept-Ranges", "bytes");
    http_date(value, sizeof(value), last_modified);
    http_add_header(req, "Last-Modified", value);
    http_add_header(req, "X-Content-Type-Options", "nosniff");
}

/* Range handling (GET only, RFC 9110 14.2); takes ownership of fd. One range keeps
 * the sendfile path; several become a multipart/byteranges body. */
static void send_range(struct request *req, int fd, uint64_t size, const char *range)
{
    struct range_set set;
    char content_range[96];
    switch (range_parse(range, size, &set)) {
    case RANGE_SATISFIABLE:
        if (set.count > 1) {
            http_reply_file_ranges(req, fd, set.ranges, set.count, size, CONTENT_TYPE);
            return;
        }
        range_content_range(content_range, sizeof(content_range), &set.ranges[0], size);
        http_add_header(req, "Content-Range", content_range);
        http_reply_file(req, 206, fd, set.ranges[0].first,
                        set.ranges[0].last - set.ranges[0].first + 1, CONTENT_TYPE);
        return;
    case RANGE_UNSATISFIABLE:
    case RANGE_REJECTED:
        close(fd);
        snprintf(content_range, sizeof(content_range), "bytes */%llu", (unsigned long long)size);
        http_add_header(req, "Content-Range", content_range);
        http_reply_empty(req, 416);
        return;
    case RANGE_IGNORE:
        http_reply_file(req, 200, fd, 0, size, CONTENT_TYPE);
        return;
    }
}

/* ---- bytes from a remote store ---- */

static ssize_t read_blob(void *ctx, void *buf, size_t max)
{
    return blob_reader_read(ctx, buf, max);
}

static void close_blob(void *ctx)
{
    blob_reader_close(ctx);
}

static void stream_blob(struct request *req, struct blob_store *bs, const char *key, int status,
                        uint64_t first, uint64_t len)
{
    struct error e;
    struct blob_reader *r = blob_reader_open(bs, key, first, len, &e);
    if (!r) {
        api_reply_error(req, &e);
        return;
    }
    http_reply_stream(req, status, len, read_blob, close_blob, r, CONTENT_TYPE);
}

/* Several ranges of a remote blob: one ranged reader per part, opened when the body
 * reaches the part and closed before the next one opens. */
struct blob_parts {
    struct blob_store *bs;
    char key[BLOB_KEY_MAX];
    struct blob_reader *r;
    uint64_t next, end; /* the open reader's next offset and the end of its range */
};

static ssize_t read_part(void *ctx, uint64_t offset, uint64_t left, void *buf, size_t max)
{
    struct blob_parts *p = ctx;
    if (!p->r || offset != p->next || p->next == p->end) {
        blob_reader_close(p->r);
        struct error e;
        p->r = blob_reader_open(p->bs, p->key, offset, left, &e);
        if (!p->r) {
            log_error("cannot read a part of artifact key=%s error=\"%s\"", p->key, e.message);
            return -1;
        }
        p->next = offset;
        p->end = offset + left;
    }
    ssize_t n = blob_reader_read(p->r, buf, max);
    if (n <= 0)
        return -1;
    p->next += (uint64_t)n;
    return n;
}

static void close_parts(void *ctx)
{
    struct blob_parts *p = ctx;
    blob_reader_close(p->r);
    free(p);
}

static void stream_parts(struct request *req, struct blob_store *bs, const char *key,
                         const struct range_set *set, uint64_t size)
{
    struct blob_parts *p = calloc(1, sizeof(*p));
    if (!p) {
        http_reply_empty(req, 500);
        return;
    }
    p->bs = bs;
    snprintf(p->key, sizeof(p->key), "%s", key);
    struct http_range_source src = {read_part, close_parts, p};
    http_reply_ranges(req, &src, set->ranges, set->count, size, CONTENT_TYPE);
}

/* The same choices as send_range for a store without file descriptors: one range is
 * streamed with a ranged read, several become a multipart/byteranges body with a
 * ranged read per part. */
static void stream_range(struct request *req, struct blob_store *bs, const char *key, uint64_t size,
                         const char *range)
{
    struct range_set set;
    char content_range[96];
    switch (range_parse(range, size, &set)) {
    case RANGE_SATISFIABLE:
        if (set.count > 1) {
            stream_parts(req, bs, key, &set, size);
            return;
        }
        range_content_range(content_range, sizeof(content_range), &set.ranges[0], size);
        http_add_header(req, "Content-Range", content_range);
        stream_blob(req, bs, key, 206, set.ranges[0].first,
                    set.ranges[0].last - set.ranges[0].first + 1);
        return;
    case RANGE_UNSATISFIABLE:
    case RANGE_REJECTED:
        snprintf(content_range, sizeof(content_range), "bytes */%llu", (unsigned long long)size);
        http_add_header(req, "Content-Range", content_range);
        http_reply_empty(req, 416);
        return;
    case RANGE_IGNORE:
        break;
    }
    stream_blob(req, bs, key, 200, 0, size);
}

/* A store that hands out URLs (S3 in redirect mode) answers 302 to a presigned GET. */
#define DIRECT_URL_SECONDS 3600

static bool redirect_to_store(struct request *req, struct blob_store *bs, const char *key)
{
    char url[4096];
    struct error e;
    int rc = blob_direct_url(bs, key, DIRECT_URL_SECONDS, url, sizeof(url), &e);
    if (rc == 0)
        return false;
    if (rc < 0) {
        api_reply_error(req, &e);
        return true;
    }
    http_add_header(req, "Location", url);
    http_add_header(req, "Cache-Control", "no-store");
    http_reply_empty(req, 302);
    return true;
}

void api_send_artifact(struct request *req, struct blob_store *bs, const struct artifact *art,
                       bool redirect)
{
    char etag[48];
    snprintf(etag, sizeof(etag), "\"%s\"", art->sha1);
    time_t last_modified = (time_t)(art->audit.created_at / 1000);
    /* If-Match compares strongly: a weak tag never matches (RFC 9110 13.1.1). */
    const char *if_match = http_header(req, "If-Match");
    if (if_match && !etag_list_matches(if_match, etag, false)) {
        http_add_header(req, "ETag", etag);
        http_reply_empty(req, 412);
        return;
    }
    if (redirect && redirect_to_store(req, bs, art->blob_key))
        return;
    int fd;
    uint64_t size;
    struct error e;
    if (blob_open_read(bs, art->blob_key, &fd, &size, &e) < 0) {
        api_reply_error(req, &e);
        return;
    }
    add_headers(req, art, etag, last_modified);
    const char *range = http_header(req, "Range");
    if (strcmp(req->method, "GET") != 0 ||
        !if_range_ok(http_header(req, "If-Range"), etag, last_modified))
        range = NULL;
    if (fd >= 0)
        send_range(req, fd, size, range);
    else
        stream_range(req, bs, art->blob_key, size, range);
}
