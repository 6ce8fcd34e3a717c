/* Tests src/http/request.c (and the server loop of src/http/server.c) in process: a
 * real http_server on a free loopback port with a small route table, spoken to over
 * plain sockets (harness.h). */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "util/hash.h"

#define MAX_BODY 1024

/* ---- the application under test ---- */

static char *dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void reply_text(struct request *req, int status, const char *text)
{
    http_reply_bytes(req, status, dup_bytes(text, strlen(text)), strlen(text), "text/plain");
}

static atomic_int hello_calls;

static void h_hello(struct request *req)
{
    hello_calls++;
    const char *name = http_query(req, "name");
    char buf[128];
    snprintf(buf, sizeof(buf), "{\"hello\":\"%s\"}", name ? name : "world");
    http_reply_json(req, 200, dup_bytes(buf, strlen(buf)), strlen(buf));
}

static void h_created(struct request *req)
{
    http_reply_json(req, 201, dup_bytes("{}", 2), 2);
}

static void h_echo(struct request *req)
{
    http_reply_bytes(req, 200, dup_bytes(req->body ? req->body : "", req->body_len), req->body_len,
                     "application/octet-stream");
}

static void h_param(struct request *req)
{
    reply_text(req, 200, req->params[0]);
}

static void h_base(struct request *req)
{
    reply_text(req, 200, http_base_url(req));
}

static void h_silent(struct request *req) {}

static void h_twice(struct request *req)
{
    reply_text(req, 201, "first");
    reply_text(req, 202, "second");
}

static void h_header(struct request *req)
{
    http_add_header(req, "X-Test", "yes");
    http_reply_empty(req, 204);
}

static bool deny(struct request *req)
{
    http_reply_error(req, 401, "Unauthorized", "hawkbit.server.error.unauthorized", "no");
    return false;
}

static const char *const hello_query[] = {"name", NULL};

static const struct route routes[] = {
    {"GET", "/hello", h_hello, hello_query, ROUTE_BODY_NONE, NULL, NULL},
    {"POST", "/hello", h_hello, NULL, ROUTE_BODY_JSON, NULL, NULL},
    {"GET", "/created", h_created, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"POST", "/echo", h_echo, NULL, ROUTE_BODY_JSON, NULL, NULL},
    {"POST", "/secure", h_echo, NULL, ROUTE_BODY_JSON, NULL, deny},
    {"GET", "/secure", h_hello, NULL, ROUTE_BODY_NONE, NULL, deny},
    {"GET", "/items/{}", h_param, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"GET", "/base", h_base, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"GET", "/silent", h_silent, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"GET", "/twice", h_twice, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {"GET", "/header", h_header, NULL, ROUTE_BODY_NONE, NULL, NULL},
    {0},
};

static const struct route *const tables[] = {routes, NULL};

static int group_setup(void **state)
{
    return harness_start(tables, 2, MAX_BODY);
}

static int group_teardown(void **state)
{
    harness_stop();
    return 0;
}

/* ---- tests ---- */

static void test_get_and_keep_alive(void **state)
{
    struct response r;
    int fd = client_connect();
    for (int i = 0; i < 3; i++) {
        request(fd, "GET", "/hello?name=x", NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"hello\":\"x\"}");
        assert_string_equal(header_value(&r, "Content-Type"), "application/hal+json");
        assert_false(r.closed);
    }
    close(fd);
}

static void test_json_content_type_negotiation(void **state)
{
    struct response r;
    once("GET", "/hello", "Accept: application/json\r\n", NULL, &r);
    assert_string_equal(header_value(&r, "Content-Type"), "application/json");
    once("GET", "/hello", "Accept: application/hal+json, application/json\r\n", NULL, &r);
    assert_string_equal(header_value(&r, "Content-Type"), "application/hal+json");
}

static void test_head(void **state)
{
    struct response r;
    assert_int_equal(once("HEAD", "/hello", NULL, NULL, &r), 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(header_value(&r, "Content-Length"), "17"); /* {"hello":"world"} */
}

static void test_routing_errors(void **state)
{
    struct response r;
    assert_int_equal(once("GET", "/nothing", NULL, NULL, &r), 404);
    assert_non_null(strstr(r.body, "hawkbit.server.error.rest.notFound"));
    assert_int_equal(once("DELETE", "/hello", NULL, NULL, &r), 405);
    assert_non_null(strstr(r.body, "methodNotAllowed"));
    assert_int_equal(once("GET", "/hello?nme=x", NULL, NULL, &r), 400);
    assert_non_null(strstr(r.body, "Unknown query parameter 'nme'"));
    assert_int_equal(once("GET", "/hello/", NULL, NULL, &r), 200);
}

static void test_path_params_are_decoded(void **state)
{
    struct response r;
    assert_int_equal(once("GET", "/items/a%20b", NULL, NULL, &r), 200);
    assert_string_equal(r.body, "a b");
    /* An encoded slash is decoded before routing: no route has that many segments. */
    assert_int_equal(once("GET", "/items/a%2Fb", NULL, NULL, &r), 404);
}

static void test_handler_replies(void **state)
{
    struct response r;
    assert_int_equal(once("GET", "/silent", NULL, NULL, &r), 500);
    assert_non_null(strstr(r.body, "no reply"));
    assert_int_equal(once("GET", "/twice", NULL, NULL, &r), 201);
    assert_string_equal(r.body, "first");
    assert_int_equal(once("GET", "/header", NULL, NULL, &r), 204);
    assert_string_equal(header_value(&r, "X-Test"), "yes");
}

static void test_json_body(void **state)
{
    struct response r;
    int fd = client_connect();
    request(fd, "POST", "/echo", NULL, "{\"a\":1}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"a\":1}");
    assert_false(r.closed);
    /* Exactly the limit is fine, and the connection stays usable. */
    char body[MAX_BODY + 2];
    memset(body, ' ', MAX_BODY);
    body[MAX_BODY] = '\0';
    request(fd, "POST", "/echo", NULL, body, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, MAX_BODY);
    request(fd, "GET", "/hello", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    close(fd);
}

static void test_chunked_body(void **state)
{
    int fd = client_connect();
    const char *req = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\n{\"a\r\n4\r\n\":2}\r\n0\r\n\r\n";
    send_all(fd, req, strlen(req));
    struct response r;
    assert_true(read_response(fd, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"a\":2}");
    close(fd);
}

/* Errors known from the headers are answered although a body is on its way
 * (MHD refuses a reply once the body has started to arrive). */
static void test_errors_before_body_are_answered(void **state)
{
    struct response r;
    assert_int_equal(once("POST", "/secure", NULL, "{\"a\":1}", &r), 401);
    assert_non_null(strstr(r.body, "hawkbit.server.error.unauthorized"));
    assert_int_equal(once("POST", "/nothing", NULL, "{}", &r), 404);
    assert_int_equal(once("PUT", "/hello", NULL, "{}", &r), 405);
    assert_int_equal(once("POST", "/echo?x=1", NULL, "{}", &r), 400);
    char body[MAX_BODY + 2];
    memset(body, ' ', MAX_BODY + 1);
    body[MAX_BODY + 1] = '\0';
    assert_int_equal(once("POST", "/echo", NULL, body, &r), 413);
    assert_non_null(strstr(r.body, "tooLarge"));
    /* Without a body the same 401 keeps the connection open. */
    int fd = client_connect();
    request(fd, "GET", "/secure", NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    assert_false(r.closed);
    request(fd, "GET", "/hello", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    close(fd);
}

static void test_error_with_body_closes_connection(void **state)
{
    struct response r;
    int fd = client_connect();
    request(fd, "POST", "/secure", NULL, "{\"a\":1}", &r);
    assert_int_equal(r.status, 401);
    assert_true(r.closed);
    close(fd);
}

static void test_expect_continue_too_large_gets_413_not_100(void **state)
{
    int fd = client_connect();
    const char *req = "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                      "Content-Length: 1000000\r\n\r\n";
    send_all(fd, req, strlen(req));
    struct response r;
    assert_true(read_response(fd, &r, false)); /* false would mean "100 Continue" came */
    assert_int_equal(r.status, 413);
    close(fd);
}

static void test_base_url(void **state)
{
    struct response r;
    once("GET", "/base", NULL, NULL, &r);
    assert_string_equal(r.body, "http://test");
    once("GET", "/base",
         "X-Forwarded-Proto: https\r\nX-Forwarded-Host: ota.example.com\r\n"
         "X-Forwarded-Port: 443\r\n",
         NULL, &r);
    assert_string_equal(r.body, "https://ota.example.com");
    once("GET", "/base", "X-Forwarded-Host: a.example, b.example\r\nX-Forwarded-Port: 8443\r\n",
         NULL, &r);
    assert_string_equal(r.body, "http://a.example:8443");
    /* Characters that do not belong in an authority are not reflected. */
    once("GET", "/base", "X-Forwarded-Host: evil.example/\"><script>\r\n", NULL, &r);
    assert_string_equal(r.body, "http://test");
    once("GET", "/base", "X-Forwarded-Proto: javascript\r\n", NULL, &r);
    assert_string_equal(r.body, "http://test");
}

#define HELLO_ETAG "\"0fbc24bcc7a1794758fc1327fcfebdaf6\"" /* MD5 of {"hello":"world"} */

static void test_etag_on_json_get(void **state)
{
    struct response r;
    assert_int_equal(once("GET", "/hello", NULL, NULL, &r), 200);
    assert_string_equal(header_value(&r, "ETag"), HELLO_ETAG);
    assert_int_equal(once("HEAD", "/hello", NULL, NULL, &r), 200);
    assert_string_equal(header_value(&r, "ETag"), HELLO_ETAG);
    char md5[33], want[40];
    assert_int_equal(hash_md5_hex("{\"hello\":\"x\"}", 13, md5), 0);
    snprintf(want, sizeof(want), "\"0%s\"", md5);
    once("GET", "/hello?name=x", NULL, NULL, &r);
    assert_string_equal(header_value(&r, "ETag"), want);
    /* Not a GET, not a 200, not JSON: no ETag. */
    assert_int_equal(once("POST", "/hello", NULL, "{}", &r), 200);
    assert_null(header_value(&r, "ETag"));
    assert_int_equal(once("GET", "/created", NULL, NULL, &r), 201);
    assert_null(header_value(&r, "ETag"));
    assert_int_equal(once("GET", "/nothing", NULL, NULL, &r), 404);
    assert_null(header_value(&r, "ETag"));
    assert_int_equal(once("GET", "/items/a", NULL, NULL, &r), 200);
    assert_null(header_value(&r, "ETag"));
}

static void expect_304(int fd, const char *method, const char *path, const char *if_none_match)
{
    char extra[256];
    snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", if_none_match);
    struct response r;
    int calls = hello_calls;
    request(fd, method, path, extra, NULL, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(header_value(&r, "ETag"), HELLO_ETAG);
    assert_false(r.closed);
    assert_int_equal(hello_calls, calls + 1); /* the handler ran all the same */
}

static void test_if_none_match(void **state)
{
    int fd = client_connect();
    expect_304(fd, "GET", "/hello", HELLO_ETAG);
    expect_304(fd, "GET", "/hello", "\"other\", " HELLO_ETAG);
    expect_304(fd, "GET", "/hello", "W/" HELLO_ETAG); /* weak comparison */
    expect_304(fd, "GET", "/hello", "*");
    expect_304(fd, "HEAD", "/hello", HELLO_ETAG);
    /* A stale tag, or a request that is not a GET: the full reply. */
    struct response r;
    request(fd, "GET", "/hello?name=x", "If-None-Match: " HELLO_ETAG "\r\n", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"hello\":\"x\"}");
    request(fd, "GET", "/hello", "If-None-Match: \"0fbc\", garbage\r\n", NULL, &r);
    assert_int_equal(r.status, 200);
    request(fd, "POST", "/hello", "If-None-Match: *\r\n", "{}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"hello\":\"world\"}");
    close(fd);
}

static void test_stop_with_idle_keep_alive_connections(void **state)
{
    /* A second server, stopped while clients hold idle keep-alive connections. */
    struct http_server_config cfg = {
        .listen = "127.0.0.1:0",
        .workers = 1,
        .max_body = MAX_BODY,
        .timeout_seconds = 60,
        .max_connections = 64,
        .routes = tables,
    };
    struct error err = {0};
    struct http_server *s2 = http_server_start(&cfg, &err);
    assert_non_null(s2);
    int saved = harness_port;
    harness_port = http_server_port(s2);
    int fds[4];
    struct response r;
    for (int i = 0; i < 4; i++) {
        fds[i] = client_connect();
        request(fds[i], "GET", "/hello", NULL, NULL, &r);
        assert_int_equal(r.status, 200);
    }
    harness_port = saved;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    http_server_stop(s2, 5000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 2.0);
    for (int i = 0; i < 4; i++)
        close(fds[i]);
}

static void test_bad_listen_address(void **state)
{
    const char *bad[] = {"nonsense",     "127.0.0.1", "127.0.0.1:99999", "300.1.1.1:80", "[::1:80",
                         "127.0.0.1:-1", NULL};
    for (const char *const *a = bad; *a; a++) {
        struct http_server_config cfg = {
            .listen = *a,
            .workers = 1,
            .max_body = MAX_BODY,
            .timeout_seconds = 5,
            .max_connections = 64,
            .routes = tables,
        };
        struct error err = {0};
        struct http_server *s = http_server_start(&cfg, &err);
        if (s) {
            http_server_stop(s, 100);
            fail_msg("listen '%s' accepted", *a);
        }
        assert_true(err.message[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_and_keep_alive),
        cmocka_unit_test(test_json_content_type_negotiation),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_routing_errors),
        cmocka_unit_test(test_path_params_are_decoded),
        cmocka_unit_test(test_handler_replies),
        cmocka_unit_test(test_json_body),
        cmocka_unit_test(test_chunked_body),
        cmocka_unit_test(test_errors_before_body_are_answered),
        cmocka_unit_test(test_error_with_body_closes_connection),
        cmocka_unit_test(test_expect_continue_too_large_gets_413_not_100),
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_etag_on_json_get),
        cmocka_unit_test(test_if_none_match),
        cmocka_unit_test(test_stop_with_idle_keep_alive_connections),
        cmocka_unit_test(test_bad_listen_address),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
