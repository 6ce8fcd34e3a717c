/* Tests src/http/byteranges.c (http_reply_file_ranges, http_reply_ranges) in
 * process: a real http_server (harness.h) serves temporary files, and a string
 * through a range source, by ranges. Checks the exact body, its Content-Length, that
 * the source is read part by part in order, and that the reply closes the file or
 * the source however the request ends. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "harness.h"
#include "http/range.h"

static const char file_content[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?";
#define FILE_SIZE (sizeof(file_content) - 1)
#define BIG_SIZE (64u << 20) /* sparse; far more than the socket buffers hold */
static char file_path[64], big_path[64];
static ino_t file_ino, big_ino;
static atomic_int last_fd = -1; /* the descriptor h_file handed to the reply */

/* ---- the application under test ---- */

static void reply_text(struct request *req, int status, const char *text)
{
    http_reply_bytes(req, status, strdup(text), strlen(text), "text/plain");
}

/* Swaps the first two ranges, which http_reply_file_ranges must refuse. */
static void swap_first_two(struct range_set *set)
{
    struct byte_range first = set->ranges[0];
    set->ranges[0] = set->ranges[1];
    set->ranges[1] = first;
}

/* Serves file_path with every range of the Range header as multipart/byteranges;
 * ?mode=twice replies before that (the file reply is then refused), ?mode=unordered
 * passes the ranges backwards (refused with 500), ?mode=big serves big_path. Either
 * way the fd must be closed. */
static void h_file(struct request *req)
{
    const char *mode = http_query(req, "mode");
    bool big = mode && strcmp(mode, "big") == 0;
    uint64_t size = big ? BIG_SIZE : FILE_SIZE;
    struct range_set set;
    if (range_parse(http_header(req, "Range"), size, &set) != RANGE_SATISFIABLE) {
        http_reply_empty(req, 416);
        return;
    }
    last_fd = open(big ? big_path : file_path, O_RDONLY | O_CLOEXEC);
    if (last_fd < 0) { /* no cmocka assertions here: this is a server thread */
        http_reply_empty(req, 500);
        return;
    }
    if (mode && strcmp(mode, "twice") == 0)
        reply_text(req, 200, "first");
    if (mode && strcmp(mode, "unordered") == 0 && set.count > 1)
        swap_first_two(&set);
    http_reply_file_ranges(req, last_fd, set.ranges, set.count, size, "text/x-test");
}

/* A source over file_content that records its reads: reads are in order, within
 * the current range, and each part's first read names the whole range. */
static struct {
    atomic_int closes, bad_calls, reads;
    uint64_t next, end;
    int fail_after; /* reads before one fails; < 0: never */
} src_state;

static ssize_t src_read(void *ctx, uint64_t offset, uint64_t left, void *buf, size_t max)
{
    if (offset == src_state.end || offset != src_state.next) /* a new part */
        src_state.end = offset + left;
    else if (offset + left != src_state.end)
        src_state.bad_calls++;
    if (max == 0 || max > left || offset + left > FILE_SIZE)
        src_state.bad_calls++;
    if (src_state.fail_after >= 0 && src_state.reads >= src_state.fail_after)
        return -1;
    src_state.reads++;
    size_t n = max > 3 ? 3 : max; /* short reads, as a remote store gives */
    memcpy(buf, file_content + offset, n);
    src_state.next = offset + n;
    return (ssize_t)n;
}

static void src_close(void *ctx)
{
    src_state.closes++;
}

/* Serves file_content through src_read with the ranges of the Range header;
 * ?fail=N makes the N+1st read fail, ?mode=unordered passes the ranges backwards. */
static void h_source(struct request *req)
{
    const char *fail = http_query(req, "fail"), *mode = http_query(req, "mode");
    struct range_set set;
    if (range_parse(http_header(req, "Range"), FILE_SIZE, &set) != RANGE_SATISFIABLE) {
        http_reply_empty(req, 416);
        return;
    }
    src_state.fail_after = fail ? atoi(fail) : -1;
    src_state.next = src_state.end = UINT64_MAX;
    if (mode && strcmp(mode, "unordered") == 0 && set.count > 1)
        swap_first_two(&set);
    struct http_range_source src = {src_read, src_close, NULL};
    http_reply_ranges(req, &src, set.ranges, set.count, FILE_SIZE, "text/x-test");
}

static const char *const file_query[] = {"mode", NULL};
static const char *const source_query[] = {"mode", "fail", NULL};

static const struct route routes[] = {
    {"GET", "/file", h_file, file_query, ROUTE_BODY_NONE, NULL, NULL},
    {"GET", "/source", h_source, source_query, ROUTE_BODY_NONE, NULL, NULL},
    {0},
};

static const struct route *const tables[] = {routes, NULL};

/* Creates a temporary file holding content, of the given size (zeros after it). */
static int make_file(char *path, size_t path_len, const char *content, off_t size, ino_t *ino)
{
    snprintf(path, path_len, "/tmp/falconet-unit-XXXXXX");
    int fd = mkstemp(path);
    struct stat st;
    if (fd < 0)
        return -1;
    bool ok = write(fd, content, strlen(content)) == (ssize_t)strlen(content) &&
              ftruncate(fd, size) == 0 && fstat(fd, &st) == 0;
    close(fd);
    if (!ok)
        return -1;
    *ino = st.st_ino;
    return 0;
}

static int group_setup(void **state)
{
    if (make_file(file_path, sizeof(file_path), file_content, FILE_SIZE, &file_ino) < 0 ||
        make_file(big_path, sizeof(big_path), "", BIG_SIZE, &big_ino) < 0)
        return -1;
    return harness_start(tables, 2, 1024);
}

static int group_teardown(void **state)
{
    harness_stop();
    unlink(file_path);
    unlink(big_path);
    return 0;
}

/* Whether fd no longer refers to a test file (closed, or reused for something else). */
static bool file_closed(int fd)
{
    struct stat st;
    return fstat(fd, &st) < 0 || (st.st_ino != file_ino && st.st_ino != big_ino);
}

/* The reply owns the fd: poll until the server has destroyed the response. */
static void assert_file_closed_soon(void)
{
    for (int i = 0; i < 200 && !file_closed(last_fd); i++)
        usleep(10 * 1000);
    assert_true(file_closed(last_fd));
}

/* ---- tests ---- */

#define PART_HEAD(first, span)                                                                     \
    first "--THIS_STRING_SEPARATES_MULTIPART\r\nContent-Type: text/x-test\r\n"                     \
          "Content-Range: bytes " span "\r\n\r\n"
#define CLOSING "\r\n--THIS_STRING_SEPARATES_MULTIPART--\r\n"

static void test_body(void **state)
{
    /* clang-format off */
    static const char want[] = PART_HEAD("", "0-3/64") "0123"
                               PART_HEAD("\r\n", "10-12/64") "abc"
                               PART_HEAD("\r\n", "62-63/64") "!?"
                               CLOSING;
    /* clang-format on */
    struct response r;
    int fd = client_connect();
    request(fd, "GET", "/file", "Range: bytes=0-3,10-12,-2\r\n", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_string_equal(header_value(&r, "Content-Type"),
                        "multipart/byteranges; boundary=THIS_STRING_SEPARATES_MULTIPART");
    assert_int_equal(r.body_len, sizeof(want) - 1);
    assert_memory_equal(r.body, want, sizeof(want) - 1);
    assert_file_closed_soon();
    /* Content-Length was exact: the connection carries the next request cleanly. */
    static const char one[] = PART_HEAD("", "5-5/64") "5" CLOSING;
    request(fd, "GET", "/file", "Range: bytes=5-5\r\n", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.body_len, sizeof(one) - 1);
    assert_memory_equal(r.body, one, sizeof(one) - 1);
    assert_false(r.closed);
    close(fd);
}

static void test_head_has_the_length(void **state)
{
    static const char want[] = PART_HEAD("", "0-63/64") "0123456789abcdefghijklmnopqrstuvwxyz"
                                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ!?" CLOSING;
    struct response r;
    assert_int_equal(once("HEAD", "/file", "Range: bytes=0-\r\n", NULL, &r), 206);
    assert_int_equal(r.body_len, 0);
    char len[32];
    snprintf(len, sizeof(len), "%zu", sizeof(want) - 1);
    assert_string_equal(header_value(&r, "Content-Length"), len);
    assert_file_closed_soon();
}

/* Keeps the last len bytes seen in tail (len bytes, zero-filled at first). */
static void push_tail(char *tail, size_t len, const char *data, size_t n)
{
    if (n >= len) {
        memcpy(tail, data + n - len, len);
        return;
    }
    memmove(tail, tail + n, len - n);
    memcpy(tail + len - n, data, n);
}

/* Reads a response to its Content-Length; returns the body length and keeps the
 * body's last tail_len bytes in tail (NUL-terminated). */
static size_t read_long_body(int fd, char *tail, size_t tail_len)
{
    char buf[65536];
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        assert_true(n > 0);
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    const char *cl = strcasestr(buf, "Content-Length:");
    assert_non_null(cl);
    size_t length = strtoull(cl + 15, NULL, 10), body = have - (size_t)(end + 4 - buf);
    memset(tail, 0, tail_len + 1);
    push_tail(tail, tail_len, end + 4, body);
    while (body < length) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        assert_true(n > 0);
        push_tail(tail, tail_len, buf, (size_t)n);
        body += (size_t)n;
    }
    return body;
}

static void test_large_parts(void **state)
{
    /* Parts that span many 64 KiB blocks. The file is zeros after its first byte. */
    static const char head1[] = PART_HEAD("", "1-300000/67108864");
    static const char head2[] = PART_HEAD("\r\n", "400000-1000000/67108864");
    int fd = client_connect();
    const char *req = "GET /file?mode=big HTTP/1.1\r\nHost: t\r\n"
                      "Range: bytes=1-300000,400000-1000000\r\n\r\n";
    send_all(fd, req, strlen(req));
    char tail[sizeof(CLOSING)];
    size_t body = read_long_body(fd, tail, sizeof(tail) - 1);
    assert_int_equal(body,
                     sizeof(head1) - 1 + 300000 + sizeof(head2) - 1 + 600001 + sizeof(CLOSING) - 1);
    assert_string_equal(tail, CLOSING);
    close(fd);
    assert_file_closed_soon();
}

static void test_fd_closed_when_refused(void **state)
{
    struct response r;
    assert_int_equal(once("GET", "/file?mode=twice", "Range: bytes=0-1,3-4\r\n", NULL, &r), 200);
    assert_string_equal(r.body, "first");
    assert_file_closed_soon();
    assert_int_equal(once("GET", "/file?mode=unordered", "Range: bytes=0-1,3-4\r\n", NULL, &r),
                     500);
    assert_file_closed_soon();
}

static void test_fd_closed_when_cut_off(void **state)
{
    int fd = client_connect();
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    last_fd = -1;
    const char *req = "GET /file?mode=big HTTP/1.1\r\nHost: t\r\n"
                      "Range: bytes=0-30000000,40000000-\r\n\r\n";
    send_all(fd, req, strlen(req));
    char buf[512];
    assert_true(recv(fd, buf, sizeof(buf), 0) > 0); /* the 206 has started */
    assert_true(last_fd >= 0);
    assert_false(file_closed(last_fd)); /* still streaming */
    close(fd);
    assert_file_closed_soon();
}

static void wait_closes(int n)
{
    for (int i = 0; i < 200 && src_state.closes < n; i++)
        usleep(10 * 1000);
    assert_int_equal(src_state.closes, n);
}

static void test_source_body(void **state)
{
    /* clang-format off */
    static const char want[] = PART_HEAD("", "0-3/64") "0123"
                               PART_HEAD("\r\n", "4-4/64") "4"
                               PART_HEAD("\r\n", "10-19/64") "abcdefghij"
                               PART_HEAD("\r\n", "62-63/64") "!?"
                               CLOSING;
    /* clang-format on */
    src_state.closes = src_state.bad_calls = src_state.reads = 0;
    struct response r;
    int fd = client_connect();
    request(fd, "GET", "/source", "Range: bytes=0-3,4-4,10-19,-2\r\n", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_string_equal(header_value(&r, "Content-Type"),
                        "multipart/byteranges; boundary=THIS_STRING_SEPARATES_MULTIPART");
    assert_int_equal(r.body_len, sizeof(want) - 1);
    assert_memory_equal(r.body, want, sizeof(want) - 1);
    assert_false(r.closed);
    close(fd);
    wait_closes(1);
    assert_int_equal(src_state.bad_calls, 0);
    assert_int_equal(src_state.reads, 2 + 1 + 4 + 1); /* 3-byte reads per part */
}

static void test_source_closed_on_error_and_refusal(void **state)
{
    src_state.closes = src_state.bad_calls = src_state.reads = 0;
    struct response r;
    /* A failing read ends the connection short of the Content-Length. */
    int fd = client_connect();
    const char *req = "GET /source?fail=2 HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9,20-29\r\n\r\n";
    send_all(fd, req, strlen(req));
    char buf[4096];
    size_t have = 0;
    ssize_t n;
    while ((n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) > 0)
        have += (size_t)n;
    buf[have] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 206"));
    const char *cl = strcasestr(buf, "Content-Length:"), *body = strstr(buf, "\r\n\r\n");
    assert_non_null(cl);
    assert_non_null(body);
    assert_true(strlen(body + 4) < strtoull(cl + 15, NULL, 10));
    close(fd);
    wait_closes(1);
    /* Ranges out of order are refused (500), and the source is closed all the same. */
    assert_int_equal(once("GET", "/source?mode=unordered", "Range: bytes=0-1,3-4\r\n", NULL, &r),
                     500);
    wait_closes(2);
    assert_int_equal(src_state.bad_calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_head_has_the_length),
        cmocka_unit_test(test_large_parts),
        cmocka_unit_test(test_fd_closed_when_refused),
        cmocka_unit_test(test_fd_closed_when_cut_off),
        cmocka_unit_test(test_source_body),
        cmocka_unit_test(test_source_closed_on_error_and_refusal),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
