/* Tests src/auth/auth.c: Argon2id hashing, the verification cache, Basic header
 * parsing and constant-time secret comparison. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "store/store.h"

static char hash_secret[AUTH_HASH_MAX]; /* hash of "secret", made once */

static int group_setup(void **state)
{
    if (auth_init() != 0)
        return -1;
    return auth_password_hash("secret", hash_secret);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- hashing and checking ---- */

static void test_hash_is_argon2id_and_salted(void **state)
{
    char again[AUTH_HASH_MAX];
    assert_int_equal(auth_password_hash("secret", again), 0);
    assert_true(strncmp(hash_secret, "$argon2id$", 10) == 0);
    assert_true(strlen(hash_secret) < AUTH_HASH_MAX);
    assert_string_not_equal(hash_secret, again); /* a fresh salt each time */
}

static void test_check_right_and_wrong_password(void **state)
{
    auth_cache_clear();
    assert_true(auth_password_check("admin", "secret", hash_secret));
    assert_false(auth_password_check("admin", "Secret", hash_secret));
    assert_false(auth_password_check("admin", "secret ", hash_secret));
    assert_false(auth_password_check("admin", "", hash_secret));
    /* A cached success for the right password must not let a wrong one in. */
    assert_true(auth_password_check("admin", "secret", hash_secret));
    assert_false(auth_password_check("admin", "secretx", hash_secret));
}

static void test_check_against_garbage_hash(void **state)
{
    assert_false(auth_password_check("admin", "secret", ""));
    assert_false(auth_password_check("admin", "secret", "$argon2id$v=19$m=1,t=1,p=1$AAAA$BBBB"));
    assert_false(auth_password_check("admin", "secret", "plaintext-secret"));
}

static void test_cache_hit_is_fast(void **state)
{
    auth_cache_clear();
    int64_t t0 = now_us();
    assert_true(auth_password_check("admin", "secret", hash_secret));
    int64_t first = now_us() - t0;
    int64_t best = INT64_MAX;
    for (int i = 0; i < 5; i++) {
        t0 = now_us();
        assert_true(auth_password_check("admin", "secret", hash_secret));
        int64_t t = now_us() - t0;
        best = t < best ? t : best;
    }
    /* Argon2id at the interactive limits takes tens of milliseconds; a cache hit is a
     * keyed BLAKE2b, microseconds. */
    if (!(best * 20 < first && best < 5000))
        fail_msg("cache hit took %lld us, first verification %lld us", (long long)best,
                 (long long)first);
}

static void test_cache_is_bound_to_the_stored_hash(void **state)
{
    /* After a password change the stored hash differs: the old password, even if it
     * was cached, must be verified against the new hash and fail. */
    char new_hash[AUTH_HASH_MAX];
    assert_int_equal(auth_password_hash("new-secret", new_hash), 0);
    assert_true(auth_password_check("admin", "secret", hash_secret));
    assert_false(auth_password_check("admin", "secret", new_hash));
    assert_true(auth_password_check("admin", "new-secret", new_hash));
}

static void test_cache_clear_forces_verification(void **state)
{
    assert_true(auth_password_check("admin", "secret", hash_secret));
    auth_cache_clear();
    int64_t t0 = now_us();
    assert_true(auth_password_check("admin", "secret", hash_secret));
    assert_true(now_us() - t0 > 1000); /* verified again: an Argon2id run, not a lookup */
}

static void test_many_users_share_the_cache_safely(void **state)
{
    /* Different credentials land in different (or colliding) cache slots; a cached
     * success belongs to one credential and never admits another. */
    char user[32];
    for (int i = 0; i < 6; i++) {
        snprintf(user, sizeof(user), "user-%d", i);
        assert_true(auth_password_check(user, "secret", hash_secret));
    }
    for (int i = 0; i < 6; i++) {
        snprintf(user, sizeof(user), "user-%d", i);
        assert_true(auth_password_check(user, "secret", hash_secret));
        assert_false(auth_password_check(user, "wrong", hash_secret));
    }
}

static void test_with_a_real_store(void **state)
{
    char path[64] = "/tmp/falconet-auth-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct error err = {0};
    struct store *s = store_open(path, true, &err);
    if (!s)
        fail_msg("store_open: %s", err.message);
    assert_int_equal(store_user_count(s), 0);
    assert_int_equal(store_user_create(s, "admin", hash_secret, &err), 0);
    assert_int_equal(store_user_count(s), 1);
    char stored[AUTH_HASH_MAX];
    assert_int_equal(store_user_password_hash(s, "admin", stored, sizeof(stored), &err), 0);
    assert_string_equal(stored, hash_secret);
    assert_true(auth_password_check("admin", "secret", stored));
    assert_false(auth_password_check("admin", "nope", stored));
    assert_int_equal(store_user_password_hash(s, "nobody", stored, sizeof(stored), &err),
                     -ERR_NOT_FOUND);
    store_close(s);
    unlink(path);
    char side[80];
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

/* ---- Basic header parsing ---- */

static bool parse(const char *header, char *buf, size_t n, const char **user, const char **pw)
{
    *user = *pw = NULL;
    return auth_parse_basic(header, buf, n, user, pw);
}

/* "Basic " + base64 of the len bytes of raw. */
static char *basic_of(const char *raw, size_t len)
{
    size_t b64 = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *h = malloc(6 + b64);
    memcpy(h, "Basic ", 6);
    sodium_bin2base64(h + 6, b64, (const unsigned char *)raw, len, sodium_base64_VARIANT_ORIGINAL);
    return h;
}

static void test_basic_ok(void **state)
{
    char buf[256];
    const char *u, *p;
    assert_true(parse("Basic YWRtaW46c2VjcmV0", buf, sizeof(buf), &u, &p));
    assert_string_equal(u, "admin");
    assert_string_equal(p, "secret");
    assert_true(parse("basic YWRtaW46c2VjcmV0", buf, sizeof(buf), &u, &p));
    assert_true(parse("BASIC    YWRtaW46c2VjcmV0", buf, sizeof(buf), &u, &p));
    assert_string_equal(p, "secret");
}

static void test_basic_colons_and_empties(void **state)
{
    char buf[256];
    const char *u, *p;
    char *h = basic_of("user:pa:ss:", 11);
    assert_true(parse(h, buf, sizeof(buf), &u, &p));
    assert_string_equal(u, "user");
    assert_string_equal(p, "pa:ss:"); /* the first colon splits */
    free(h);
    h = basic_of(":pw", 3);
    assert_true(parse(h, buf, sizeof(buf), &u, &p));
    assert_string_equal(u, "");
    assert_string_equal(p, "pw");
    free(h);
    h = basic_of("user:", 5);
    assert_true(parse(h, buf, sizeof(buf), &u, &p));
    assert_string_equal(u, "user");
    assert_string_equal(p, "");
    free(h);
}

static void test_basic_utf8(void **state)
{
    char buf[256];
    const char *u, *p;
    const char raw[] = "j\xc3\xb6rg:p\xc3\xa4ss\xe2\x82\xac";
    char *h = basic_of(raw, strlen(raw));
    assert_true(parse(h, buf, sizeof(buf), &u, &p));
    assert_string_equal(u, "j\xc3\xb6rg");
    assert_string_equal(p, "p\xc3\xa4ss\xe2\x82\xac");
    free(h);
}

static void test_basic_rejects_other_schemes_and_junk(void **state)
{
    char buf[256];
    const char *u, *p;
    assert_false(parse(NULL, buf, sizeof(buf), &u, &p));
    assert_false(parse("", buf, sizeof(buf), &u, &p));
    assert_false(parse("Basic", buf, sizeof(buf), &u, &p));
    assert_false(parse("Basic ", buf, sizeof(buf), &u, &p));
    assert_false(parse("Basic    ", buf, sizeof(buf), &u, &p));
    assert_false(parse("BasicYWRtaW46c2VjcmV0", buf, sizeof(buf), &u, &p));
    assert_false(parse("Bearer YWRtaW46c2VjcmV0", buf, sizeof(buf), &u, &p));
    assert_false(parse("Digest username=\"admin\"", buf, sizeof(buf), &u, &p));
    assert_false(parse(" Basic YWRtaW46c2VjcmV0", buf, sizeof(buf), &u, &p));
    assert_null(u);
    assert_null(p);
}

static void test_basic_malformed_base64(void **state)
{
    char buf[256];
    const char *u, *p;
    const char *bad[] = {
        "Basic !!!!",
        "Basic YWRtaW46c2VjcmV0=",     /* padding where none belongs */
        "Basic YWRtaW46c2VjcmV",       /* truncated */
        "Basic YWRtaW46c2VjcmV0\n",    /* trailing newline */
        "Basic YWRtaW46c2VjcmV0 ",     /* trailing space */
        "Basic YWRt aW46c2VjcmV0",     /* inner space */
        "Basic YWRtaW46c2VjcmV0YQ",    /* missing padding */
        "Basic YWRtaW46c2VjcmV0YQ=",   /* short padding */
        "Basic YWRtaW46c2VjcmV0YQ===", /* too much padding */
        "Basic YWRtaW46c2Vjc-V0",      /* URL-safe alphabet */
        "Basic ====",
        "Basic =",
        NULL,
    };
    for (const char *const *h = bad; *h; h++)
        if (parse(*h, buf, sizeof(buf), &u, &p))
            fail_msg("accepted '%s' as %s / %s", *h, u, p);
}

static void test_basic_no_colon(void **state)
{
    char buf[256];
    const char *u, *p;
    char *h = basic_of("adminsecret", 11);
    assert_false(parse(h, buf, sizeof(buf), &u, &p));
    free(h);
    h = basic_of("", 0);
    assert_false(parse(h, buf, sizeof(buf), &u, &p));
    free(h);
}

static void test_basic_embedded_nul(void **state)
{
    char buf[256];
    const char *u, *p;
    char *h = basic_of("admin\0x:secret", 14);
    assert_false(parse(h, buf, sizeof(buf), &u, &p));
    free(h);
    h = basic_of("admin:sec\0ret", 13);
    assert_false(parse(h, buf, sizeof(buf), &u, &p));
    free(h);
    h = basic_of("admin:secret\0", 13);
    assert_false(parse(h, buf, sizeof(buf), &u, &p));
    free(h);
}

static void test_basic_buffer_limits(void **state)
{
    const char *u, *p;
    /* Decoded "ab:cd" is 5 bytes: a buffer of 6 holds it with its NUL, 5 does not. */
    char *h = basic_of("ab:cd", 5);
    char *buf = malloc(6);
    assert_true(parse(h, buf, 6, &u, &p));
    assert_string_equal(p, "cd");
    free(buf);
    buf = malloc(5);
    assert_false(parse(h, buf, 5, &u, &p));
    free(buf);
    buf = malloc(1);
    assert_false(parse(h, buf, 1, &u, &p));
    free(buf);
    free(h);
}

static void test_basic_very_long_input(void **state)
{
    char buf[512];
    const char *u, *p;
    size_t len = 100000;
    char *raw = malloc(len);
    memset(raw, 'a', len);
    raw[10] = ':';
    char *h = basic_of(raw, len);
    assert_false(parse(h, buf, sizeof(buf), &u, &p)); /* does not fit: refused, no overflow */
    free(h);
    /* Just fitting: 511 decoded bytes. */
    h = basic_of(raw, sizeof(buf) - 1);
    assert_true(parse(h, buf, sizeof(buf), &u, &p));
    assert_int_equal(strlen(u), 10);
    assert_int_equal(strlen(p), sizeof(buf) - 1 - 11);
    free(h);
    h = basic_of(raw, sizeof(buf));
    assert_false(parse(h, buf, sizeof(buf), &u, &p));
    free(h);
    /* Long garbage that is not base64. */
    memset(raw, '*', len - 1);
    raw[len - 1] = '\0';
    memcpy(raw, "Basic ", 6);
    assert_false(parse(raw, buf, sizeof(buf), &u, &p));
    free(raw);
}

/* ---- secrets and tokens ---- */

static void test_secret_equal(void **state)
{
    assert_true(auth_secret_equal("token-123", "token-123"));
    assert_true(auth_secret_equal("", ""));
    assert_false(auth_secret_equal("token-123", "token-124"));
    assert_false(auth_secret_equal("token-123", "token-1234"));
    assert_false(auth_secret_equal("token-123", "token-12"));
    assert_false(auth_secret_equal("", "x"));
    assert_false(auth_secret_equal("Token-123", "token-123"));
    assert_false(auth_secret_equal(NULL, "x"));
    assert_false(auth_secret_equal("x", NULL));
    assert_false(auth_secret_equal(NULL, NULL));
    char big_a[5000], big_b[5000];
    memset(big_a, 'q', sizeof(big_a) - 1);
    big_a[sizeof(big_a) - 1] = '\0';
    memcpy(big_b, big_a, sizeof(big_a));
    assert_true(auth_secret_equal(big_a, big_b));
    big_b[4000] = 'r';
    assert_false(auth_secret_equal(big_a, big_b));
}

static void test_random_hex(void **state)
{
    char a[2 * 100 + 2], b[2 * 100 + 2];
    memset(a, '#', sizeof(a));
    auth_random_hex(a, 100); /* more than one internal chunk */
    assert_int_equal(strlen(a), 200);
    assert_int_equal(strspn(a, "0123456789abcdef"), 200);
    assert_int_equal(a[201], '#'); /* nothing written past the NUL */
    auth_random_hex(b, 100);
    assert_string_not_equal(a, b);
    char one[3];
    auth_random_hex(one, 1);
    assert_int_equal(strlen(one), 2);
    char none[1] = {'#'};
    auth_random_hex(none, 0);
    assert_int_equal(none[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_argon2id_and_salted),
        cmocka_unit_test(test_check_right_and_wrong_password),
        cmocka_unit_test(test_check_against_garbage_hash),
        cmocka_unit_test(test_cache_hit_is_fast),
        cmocka_unit_test(test_cache_is_bound_to_the_stored_hash),
        cmocka_unit_test(test_cache_clear_forces_verification),
        cmocka_unit_test(test_many_users_share_the_cache_safely),
        cmocka_unit_test(test_with_a_real_store),
        cmocka_unit_test(test_basic_ok),
        cmocka_unit_test(test_basic_colons_and_empties),
        cmocka_unit_test(test_basic_utf8),
        cmocka_unit_test(test_basic_rejects_other_schemes_and_junk),
        cmocka_unit_test(test_basic_malformed_base64),
        cmocka_unit_test(test_basic_no_colon),
        cmocka_unit_test(test_basic_embedded_nul),
        cmocka_unit_test(test_basic_buffer_limits),
        cmocka_unit_test(test_basic_very_long_input),
        cmocka_unit_test(test_secret_equal),
        cmocka_unit_test(test_random_hex),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
