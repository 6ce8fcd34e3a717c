#include "http_response.h"

#include <string.h>
#include <strings.h>

enum state {
    ST_STATUS,     /* status line */
    ST_HEADER,     /* header lines up to the empty one */
    ST_BODY_LEN,   /* Content-Length body */
    ST_BODY_CLOSE, /* body delimited by the connection close */
    ST_CHUNK_SIZE, /* chunk-size line */
    ST_CHUNK_DATA, /* chunk data */
    ST_CHUNK_END,  /* the CRLF after chunk data */
    ST_TRAILER,    /* trailer lines up to the empty one */
    ST_DONE,
};

void http_response_init(struct http_response *r, http_body_sink sink, void *ctx, bool no_body)
{
    r->status = 0;
    r->keep_alive = false;
    r->chunked = false;
    r->content_length = -1;
    r->range_first = -1;
    r->body_len = 0;
    r->sink = sink;
    r->sink_ctx = ctx;
    r->no_body = no_body;
    r->state = ST_STATUS;
    r->headers = 0;
    r->left = 0;
    r->head_bytes = 0;
    r->line_len = 0;
}

const char *http_parse_error(int rc)
{
    switch (rc) {
    case HTTP_E_SYNTAX:
        return "malformed response";
    case HTTP_E_TOO_LARGE:
        return "response head too large";
    case HTTP_E_LENGTH:
        return "bad body length";
    case HTTP_E_TRUNCATED:
        return "truncated response";
    case HTTP_E_SINK:
        return "body refused";
    default:
        return "no error";
    }
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decimal digits only, no sign, no blanks, at most HTTP_LENGTH_MAX. -1 otherwise. */
static int64_t parse_decimal(const char *s, size_t n)
{
    if (n == 0 || n > 16)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v > HTTP_LENGTH_MAX ? -1 : (int64_t)v;
}

/* "HTTP/1.x NNN[ reason]" */
static int parse_status(struct http_response *r, const char *s, size_t n)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ')
        return HTTP_E_SYNTAX;
    if (!is_digit(s[9]) || !is_digit(s[10]) || !is_digit(s[11]) || (n > 12 && s[12] != ' '))
        return HTTP_E_SYNTAX;
    r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (r->status < 100)
        return HTTP_E_SYNTAX;
    r->keep_alive = s[7] == '1';
    return 0;
}

static bool has_token(const char *v, size_t n, const char *token)
{
    size_t tl = strlen(token);
    for (size_t i = 0; i + tl <= n; i++) {
        bool starts = i == 0 || v[i - 1] == ',' || v[i - 1] == ' ' || v[i - 1] == '\t';
        bool ends = i + tl == n || v[i + tl] == ',' || v[i + tl] == ' ' || v[i + tl] == '\t';
        if (starts && ends && strncasecmp(v + i, token, tl) == 0)
            return true;
    }
    return false;
}

/* "bytes FIRST-LAST/SIZE": only FIRST is kept (the resume check). */
static void parse_content_range(struct http_response *r, const char *v, size_t n)
{
    if (n < 6 || strncasecmp(v, "bytes ", 6) != 0)
        return;
    size_t i = 6;
    while (i < n && is_digit(v[i]))
        i++;
    if (i < n && v[i] == '-')
        r->range_first = parse_decimal(v + 6, i - 6);
}

static int parse_header(struct http_response *r, const char *s, size_t n)
{
    if (n > 0 && (s[0] == ' ' || s[0] == '\t'))
        return HTTP_E_SYNTAX; /* obsolete line folding */
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s)
        return HTTP_E_SYNTAX;
    size_t name_len = (size_t)(colon - s);
    for (size_t i = 0; i < name_len; i++)
        if (s[i] <= ' ' || s[i] >= 127)
            return HTTP_E_SYNTAX;
    const char *v = colon + 1;
    size_t vn = n - name_len - 1;
    while (vn > 0 && (*v == ' ' || *v == '\t'))
        v++, vn--;
    while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
        vn--;
    if (name_len == 14 && strncasecmp(s, "content-length", 14) == 0) {
        int64_t len = parse_decimal(v, vn);
        if (len < 0 || (r->content_length >= 0 && r->content_length != len))
            return HTTP_E_LENGTH;
        r->content_length = len;
    } else if (name_len == 17 && strncasecmp(s, "transfer-encoding", 17) == 0) {
        if (vn != 7 || strncasecmp(v, "chunked", 7) != 0 || r->chunked)
            return HTTP_E_SYNTAX; /* we never ask for other codings */
        r->chunked = true;
    } else if (name_len == 10 && strncasecmp(s, "connection", 10) == 0) {
        if (has_token(v, vn, "close"))
            r->keep_alive = false;
        else if (has_token(v, vn, "keep-alive"))
            r->keep_alive = true;
    } else if (name_len == 13 && strncasecmp(s, "content-range", 13) == 0) {
        parse_content_range(r, v, vn);
    }
    return 0;
}

/* The empty line after the headers: decides how the body is delimited. */
static int end_of_head(struct http_response *r)
{
    if (r->status < 200) { /* interim response: the real one follows */
        if (r->status == 101)
            return HTTP_E_SYNTAX;
        bool keep = r->keep_alive;
        size_t used = r->head_bytes;
        http_response_init(r, r->sink, r->sink_ctx, r->no_body);
        r->keep_alive = keep;
        r->head_bytes = used;
        return 0;
    }
    if (r->chunked && r->content_length >= 0)
        return HTTP_E_LENGTH;
    if (r->no_body || r->status == 204 || r->status == 304) {
        r->state = ST_DONE;
    } else if (r->chunked) {
        r->state = ST_CHUNK_SIZE;
    } else if (r->content_length >= 0) {
        r->left = (uint64_t)r->content_length;
        r->state = r->left ? ST_BODY_LEN : ST_DONE;
    } else {
        r->keep_alive = false;
        r->state = ST_BODY_CLOSE;
    }
    return 0;
}

/* "HEX[ ][;ext]" */
static int parse_chunk_size(struct http_response *r, const char *s, size_t n)
{
    size_t i = 0;
    uint64_t v = 0;
    while (i < n && hex_value(s[i]) >= 0) {
        if (i == 13)
            return HTTP_E_LENGTH;
        v = v * 16 + (uint64_t)hex_value(s[i]);
        i++;
    }
    if (i == 0)
        return HTTP_E_SYNTAX;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < n && s[i] != ';')
        return HTTP_E_SYNTAX;
    if (v > HTTP_LENGTH_MAX)
        return HTTP_E_LENGTH;
    r->left = v;
    r->state = v ? ST_CHUNK_DATA : ST_TRAILER;
    return 0;
}

/* One complete line (without its CRLF) in the state that expected it. */
static int take_line(struct http_response *r, const char *s, size_t n)
{
    switch (r->state) {
    case ST_STATUS:
        r->state = ST_HEADER;
        return parse_status(r, s, n);
    case ST_HEADER:
        if (n == 0)
            return end_of_head(r);
        if (++r->headers > HTTP_HEADERS_MAX)
            return HTTP_E_TOO_LARGE;
        return parse_header(r, s, n);
    case ST_CHUNK_SIZE:
        return parse_chunk_size(r, s, n);
    case ST_CHUNK_END:
        if (n != 0)
            return HTTP_E_SYNTAX;
        r->state = ST_CHUNK_SIZE;
        return 0;
    case ST_TRAILER:
        if (n == 0)
            r->state = ST_DONE;
        else if (++r->headers > HTTP_HEADERS_MAX)
            return HTTP_E_TOO_LARGE;
        return 0;
    default:
        return HTTP_E_SYNTAX;
    }
}

/* Reads line bytes until LF; a complete line is handed to take_line. Chunk framing
 * lines count towards the line limit only; head and trailer lines also towards
 * HTTP_HEAD_MAX. */
static int feed_line(struct http_response *r, const char *data, size_t len, size_t *used)
{
    const char *lf = memchr(data, '\n', len);
    size_t take = lf ? (size_t)(lf - data) + 1 : len;
    *used = take;
    bool in_head = r->state == ST_STATUS || r->state == ST_HEADER || r->state == ST_TRAILER;
    if (in_head && (r->head_bytes += take) > HTTP_HEAD_MAX)
        return HTTP_E_TOO_LARGE;
    size_t body = lf ? take - 1 : take;
    if (r->line_len + body > HTTP_LINE_MAX)
        return HTTP_E_TOO_LARGE;
    memcpy(r->line + r->line_len, data, body);
    r->line_len += body;
    if (!lf)
        return 0;
    size_t n = r->line_len;
    r->line_len = 0;
    if (n > 0 && r->line[n - 1] == '\r')
        n--;
    if (memchr(r->line, '\r', n) || memchr(r->line, '\0', n))
        return HTTP_E_SYNTAX;
    return take_line(r, r->line, n);
}

static int feed_body(struct http_response *r, const char *data, size_t n)
{
    r->body_len += n;
    if (r->sink && r->sink(r->sink_ctx, data, n) < 0)
        return HTTP_E_SINK;
    return 0;
}

int http_response_feed(struct http_response *r, const char *data, size_t len, size_t *consumed)
{
    size_t pos = 0;
    int rc = 0;
    while (pos < len && r->state != ST_DONE && rc == 0) {
        size_t used;
        switch (r->state) {
        case ST_BODY_CLOSE:
            used = len - pos;
            rc = feed_body(r, data + pos, used);
            break;
        case ST_BODY_LEN:
        case ST_CHUNK_DATA:
            used = len - pos < r->left ? len - pos : (size_t)r->left;
            r->left -= used;
            rc = feed_body(r, data + pos, used);
            if (r->left == 0)
                r->state = r->state == ST_BODY_LEN ? ST_DONE : ST_CHUNK_END;
            break;
        default:
            rc = feed_line(r, data + pos, len - pos, &used);
            break;
        }
        pos += used;
    }
    *consumed = pos;
    if (rc < 0)
        return rc;
    return r->state == ST_DONE ? HTTP_DONE : HTTP_MORE;
}

int http_response_eof(struct http_response *r)
{
    if (r->state == ST_DONE || r->state == ST_BODY_CLOSE) {
        r->state = ST_DONE;
        return HTTP_DONE;
    }
    return HTTP_E_TRUNCATED;
}
