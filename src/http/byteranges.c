/* The body of a multipart/byteranges reply (RFC 9110 14.6), produced while it is
 * sent: MHD asks for the next block, part headers are formatted on the fly and the
 * bytes are read into MHD's block buffer — with pread() from a file, or from a
 * caller's source (an S3 object, one ranged read per part) — so memory does not grow
 * with the file or the ranges' sizes.
 *
 * The body is a sequence of segments: for each range a part head, then the range's
 * bytes; after the last range the closing delimiter. The first head has no leading
 * CRLF (the preamble is empty); the others start with the CRLF that ends the
 * previous part's bytes:
 *
 *   --B CRLF Content-Type: T CRLF Content-Range: bytes a-b/size CRLF CRLF <bytes>
 *   CRLF --B CRLF ... <bytes>
 *   CRLF --B-- CRLF
 *
 * The boundary is hawkBit's fixed string, so that clients written against hawkBit
 * see the same bytes. It may occur inside the file; parts are delimited exactly by
 * their Content-Range lengths, which is how byte-range clients read them. */
#include "http/internal.h"
#include "http/range.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOUNDARY "THIS_STRING_SEPARATES_MULTIPART"
#define CLOSING "\r\n--" BOUNDARY "--\r\n"
#define BLOCK_SIZE (64 * 1024)
/* A part head: the content type plus at most ~150 bytes of fixed text and numbers. */
#define CONTENT_TYPE_MAX 256
#define HEAD_MAX (CONTENT_TYPE_MAX + 192)

struct part {
    struct byte_range range;
    size_t head_len;
};

struct body {
    int fd; /* the file, or -1 when the bytes come from src */
    struct http_range_source src;
    uint64_t size;  /* of the file */
    uint64_t total; /* of the body: the Content-Length */
    char content_type[CONTENT_TYPE_MAX];
    size_t n;
    struct part parts[]; /* n parts */
};

static size_t format_head(const struct body *b, size_t i, char *buf, size_t len)
{
    char range[96];
    range_content_range(range, sizeof(range), &b->parts[i].range, b->size);
    int n = snprintf(buf, len, "%s--" BOUNDARY "\r\nContent-Type: %s\r\nContent-Range: %s\r\n\r\n",
                     i == 0 ? "" : "\r\n", b->content_type, range);
    return n < 0 ? 0 : (size_t)n;
}

static uint64_t range_len(const struct byte_range *r)
{
    return r->last - r->first + 1;
}

/* Copies from the text segment `text` (length len, starting at body offset start). */
static size_t copy_text(const char *text, size_t len, uint64_t start, uint64_t pos, char *buf,
                        size_t max)
{
    size_t from = (size_t)(pos - start);
    size_t n = len - from < max ? len - from : max;
    memcpy(buf, text + from, n);
    return n;
}

/* Reads file bytes [off, off+len) into buf; a short file is an error (the
 * Content-Length is already promised). */
static ssize_t read_file(int fd, uint64_t off, char *buf, size_t len)
{
    ssize_t n;
    do
        n = pread(fd, buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    return n > 0 ? n : -1;
}

/* Fills buf from the one segment that holds body offset pos; -1 on a read error. */
static ssize_t fill_segment(const struct body *b, uint64_t pos, char *buf, size_t max)
{
    uint64_t start = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct part *p = &b->parts[i];
        if (pos < start + p->head_len) {
            char head[HEAD_MAX];
            format_head(b, i, head, sizeof(head));
            return (ssize_t)copy_text(head, p->head_len, start, pos, buf, max);
        }
        start += p->head_len;
        uint64_t len = range_len(&p->range);
        if (pos < start + len) {
            uint64_t left = start + len - pos, off = p->range.first + (pos - start);
            size_t n = left < max ? (size_t)left : max;
            if (b->fd < 0) {
                ssize_t got = b->src.read(b->src.ctx, off, left, buf, n);
                return got > 0 && (size_t)got <= n ? got : -1;
            }
            return read_file(b->fd, off, buf, n);
        }
        start += len;
    }
    return (ssize_t)copy_text(CLOSING, sizeof(CLOSING) - 1, start, pos, buf, max);
}

/* MHD's content reader: fills as much of buf as the body has left. */
static ssize_t read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
    const struct body *b = cls;
    size_t done = 0;
    while (done < max && pos + done < b->total) {
        ssize_t n = fill_segment(b, pos + done, buf + done, max - done);
        if (n < 0)
            return done > 0 ? (ssize_t)done : MHD_CONTENT_READER_END_WITH_ERROR;
        done += (size_t)n;
    }
    return done > 0 ? (ssize_t)done : MHD_CONTENT_READER_END_OF_STREAM;
}

/* MHD calls this when the response is destroyed, however the request ended. */
static void free_body(void *cls)
{
    struct body *b = cls;
    if (b->fd >= 0)
        close(b->fd);
    else
        b->src.close(b->src.ctx);
    free(b);
}

/* The ranges as range_parse() gives them: inside the file and strictly ascending,
 * which also keeps the body length from overflowing. */
static bool ranges_valid(const struct byte_range *r, size_t n, uint64_t size)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].first > r[i].last || r[i].last >= size || (i > 0 && r[i].first <= r[i - 1].last))
            return false;
    return n > 0;
}

static struct body *new_body(int fd, const struct http_range_source *src,
                             const struct byte_range *ranges, size_t n, uint64_t size,
                             const char *content_type)
{
    size_t type_len = strlen(content_type);
    if (!ranges_valid(ranges, n, size) || type_len >= CONTENT_TYPE_MAX ||
        strcspn(content_type, "\r\n") != type_len)
        return NULL;
    struct body *b = malloc(sizeof(*b) + n * sizeof(b->parts[0]));
    if (!b)
        return NULL;
    b->fd = fd;
    if (src)
        b->src = *src;
    b->size = size;
    b->n = n;
    memcpy(b->content_type, content_type, type_len + 1);
    b->total = sizeof(CLOSING) - 1;
    for (size_t i = 0; i < n; i++) {
        char head[HEAD_MAX];
        b->parts[i].range = ranges[i];
        b->parts[i].head_len = format_head(b, i, head, sizeof(head));
        b->total += b->parts[i].head_len + range_len(&ranges[i]);
    }
    return b;
}

/* The response around a body from exactly one of fd (>= 0) and src; NULL when the
 * arguments are bad or memory is short, after closing whichever was given. */
static struct MHD_Response *response(int fd, const struct http_range_source *src,
                                     const struct byte_range *ranges, size_t n, uint64_t size,
                                     const char *part_content_type)
{
    struct body *b = new_body(fd, src, ranges, n, size, part_content_type);
    struct MHD_Response *r =
        b ? MHD_create_response_from_callback(b->total, BLOCK_SIZE, read_body, b, free_body) : NULL;
    if (!r) {
        free(b);
        if (fd >= 0)
            close(fd);
        else
            src->close(src->ctx);
        return NULL;
    }
    MHD_add_response_header(r, "Content-Type", "multipart/byteranges; boundary=" BOUNDARY);
    return r;
}

struct MHD_Response *byteranges_response(int fd, const struct byte_range *ranges, size_t n,
                                         uint64_t size, const char *part_content_type)
{
    return response(fd, NULL, ranges, n, size, part_content_type);
}

struct MHD_Response *byteranges_source_response(const struct http_range_source *src,
                                                const struct byte_range *ranges, size_t n,
                                                uint64_t size, const char *part_content_type)
{
    return response(-1, src, ranges, n, size, part_content_type);
}
