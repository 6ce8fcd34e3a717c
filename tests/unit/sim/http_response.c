/* Tests sim/http_response.c: every response is also fed split at every byte (and one
 * byte at a time), so the result may not depend on how reads cut the stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_response.h"

struct sink {
    char data[1 << 16];
    size_t len;
    size_t limit; /* refuse beyond this many bytes (0: no limit) */
};

static int collect(void *ctx, const char *p, size_t n)
{
    struct sink *s = ctx;
    if ((s->limit && s->len + n > s->limit) || s->len + n > sizeof(s->data))
        return -1;
    memcpy(s->data + s->len, p, n);
    s->len += n;
    return 0;
}

struct outcome {
    int rc;
    size_t consumed; /* input used when rc == HTTP_DONE */
    int status;
    bool keep_alive;
    char body[1 << 16];
    size_t body_len;
};

/* Feeds text in pieces of at most `step` bytes, after a first piece of `first` bytes;
 * at the end of input (eof) signals the close. */
static void parse(const char *text, size_t len, size_t first, size_t step, bool eof,
                  struct outcome *out)
{
    static struct http_response r;
    static struct sink s;
    memset(&s, 0, sizeof(s));
    http_response_init(&r, collect, &s, false);
    size_t pos = 0;
    int rc = HTTP_MORE;
    while (pos < len && rc == HTTP_MORE) {
        size_t n = pos == 0 ? first : step;
        if (n > len - pos)
            n = len - pos;
        size_t used;
        rc = http_response_feed(&r, text + pos, n, &used);
        assert_true(used <= n);
        if (rc == HTTP_MORE)
            assert_int_equal(used, n);
        pos += used;
    }
    if (rc == HTTP_MORE && eof)
        rc = http_response_eof(&r);
    out->rc = rc;
    out->consumed = pos;
    out->status = r.status;
    out->keep_alive = r.keep_alive;
    memcpy(out->body, s.data, s.len);
    out->body_len = s.len;
}

/* Parses text whole, then split at every byte and byte by byte: the outcome must be
 * the same each time. Returns it. */
static struct outcome *parse_all_ways(const char *text, bool eof)
{
    static struct outcome whole, split;
    size_t len = strlen(text);
    parse(text, len, len, len, eof, &whole);
    for (size_t cut = 1; cut < len; cut++) {
        parse(text, len, cut, len, eof, &split);
        assert_int_equal(split.rc, whole.rc);
        assert_int_equal(split.status, whole.status);
        assert_int_equal(split.keep_alive, whole.keep_alive);
        assert_int_equal(split.body_len, whole.body_len);
        assert_memory_equal(split.body, whole.body, whole.body_len);
        if (whole.rc == HTTP_DONE)
            assert_int_equal(split.consumed, whole.consumed);
    }
    parse(text, len, 1, 1, eof, &split);
    assert_int_equal(split.rc, whole.rc);
    assert_int_equal(split.body_len, whole.body_len);
    return &whole;
}

static void test_content_length(void **state)
{
    struct outcome *o = parse_all_ways("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                       "Content-Length: 7\r\n\r\n{\"a\":1}",
                                       false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_int_equal(o->status, 200);
    assert_true(o->keep_alive);
    assert_int_equal(o->body_len, 7);
    assert_memory_equal(o->body, "{\"a\":1}", 7);
}

static void test_empty_bodies(void **state)
{
    struct outcome *o = parse_all_ways("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_int_equal(o->body_len, 0);
    /* 204 and 304 have no body whatever Content-Length says */
    o = parse_all_ways("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_int_equal(o->status, 304);
    o = parse_all_ways("HTTP/1.1 204 No Content\r\n\r\n", false);
    assert_int_equal(o->rc, HTTP_DONE);
}

static void test_bytes_after_response_are_not_consumed(void **state)
{
    const char *text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
    struct outcome *o = parse_all_ways(text, false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_int_equal(o->consumed, strlen(text) - 5);
}

static void test_chunked(void **state)
{
    struct outcome *o = parse_all_ways("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "5\r\nhello\r\n"
                                       "1;name=value\r\n,\r\n"
                                       "A \r\n0123456789\r\n"
                                       "0\r\nX-Trailer: yes\r\n\r\n",
                                       false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_int_equal(o->body_len, 16);
    assert_memory_equal(o->body, "hello,0123456789", 16);
    o = parse_all_ways("HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n", false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_int_equal(o->body_len, 0);
}

static void test_chunked_framing_errors(void **state)
{
    const char *bad[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZ\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse_all_ways(bad[i], true)->rc, HTTP_E_SYNTAX);
    /* a chunk size that does not fit: refused before anything is read */
    struct outcome *o = parse_all_ways(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", true);
    assert_int_equal(o->rc, HTTP_E_LENGTH);
}

static void test_bad_lengths(void **state)
{
    const char *bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse_all_ways(bad[i], true)->rc, HTTP_E_LENGTH);
    /* the same length twice is fine */
    struct outcome *o = parse_all_ways(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", false);
    assert_int_equal(o->rc, HTTP_DONE);
}

static void test_malformed_heads(void **state)
{
    const char *bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse_all_ways(bad[i], true)->rc, HTTP_E_SYNTAX);
}

static void test_oversized_heads(void **state)
{
    size_t big = HTTP_LINE_MAX + 100;
    char *text = malloc(HTTP_HEAD_MAX * 2);
    /* one header line over HTTP_LINE_MAX */
    int n = snprintf(text, 64, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(text + n, 'a', big);
    strcpy(text + n + big, "\r\n\r\n");
    assert_int_equal(parse_all_ways(text, true)->rc, HTTP_E_TOO_LARGE);
    /* many short lines: over HTTP_HEAD_MAX or HTTP_HEADERS_MAX in all */
    n = snprintf(text, 64, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < HTTP_HEADERS_MAX + 1; i++)
        n += snprintf(text + n, 64, "X-H%d: v\r\n", i);
    strcpy(text + n, "\r\n");
    assert_int_equal(parse_all_ways(text, true)->rc, HTTP_E_TOO_LARGE);
    /* a line without end stops at the limit, however it is fed */
    memset(text, 'H', HTTP_HEAD_MAX + 10);
    text[HTTP_HEAD_MAX + 10] = '\0';
    assert_int_equal(parse_all_ways(text, true)->rc, HTTP_E_TOO_LARGE);
    free(text);
}

static void test_truncated(void **state)
{
    const char *cut[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nContent-Le",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        "",
    };
    for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        struct outcome o;
        parse(cut[i], strlen(cut[i]), strlen(cut[i]) ? strlen(cut[i]) : 1, 1, true, &o);
        assert_int_equal(o.rc, HTTP_E_TRUNCATED);
    }
}

static void test_body_until_close(void **state)
{
    struct outcome *o = parse_all_ways("HTTP/1.1 200 OK\r\n\r\nall of it", true);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_false(o->keep_alive);
    assert_int_equal(o->body_len, 9);
    o = parse_all_ways("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_false(o->keep_alive);
    o = parse_all_ways("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
                       false);
    assert_true(o->keep_alive);
    o = parse_all_ways("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 1\r\n\r\nx", false);
    assert_false(o->keep_alive);
}

static void test_interim_response_skipped(void **state)
{
    struct outcome *o = parse_all_ways("HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n[]",
                                       false);
    assert_int_equal(o->rc, HTTP_DONE);
    assert_int_equal(o->status, 201);
    assert_int_equal(o->body_len, 2);
}

static void test_sink_refusal_and_content_range(void **state)
{
    static struct http_response r;
    static struct sink s;
    memset(&s, 0, sizeof(s));
    s.limit = 4;
    http_response_init(&r, collect, &s, false);
    const char *text = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-109/110\r\n"
                       "Content-Length: 10\r\n\r\n0123456789";
    size_t used;
    assert_int_equal(http_response_feed(&r, text, strlen(text), &used), HTTP_E_SINK);
    assert_int_equal(r.range_first, 100);
    assert_int_equal(r.status, 206);
    /* a HEAD reply has no body whatever its head says */
    http_response_init(&r, collect, &s, true);
    text = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    assert_int_equal(http_response_feed(&r, text, strlen(text), &used), HTTP_DONE);
    assert_int_equal(used, strlen(text));
    assert_string_equal(http_parse_error(HTTP_E_LENGTH), "bad body length");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_empty_bodies),
        cmocka_unit_test(test_bytes_after_response_are_not_consumed),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_chunked_framing_errors),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_malformed_heads),
        cmocka_unit_test(test_oversized_heads),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_body_until_close),
        cmocka_unit_test(test_interim_response_skipped),
        cmocka_unit_test(test_sink_refusal_and_content_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
