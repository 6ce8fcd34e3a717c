/* Tests src/util/hash.c against the RFC 1321 and FIPS 180 test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "util/hash.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>

static void test_md5_hex(void **state)
{
    char out[33];
    assert_int_equal(hash_md5_hex("", 0, out), 0);
    assert_string_equal(out, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(hash_md5_hex("abc", 3, out), 0);
    assert_string_equal(out, "900150983cd24fb0d6963f7d28e17f72");
    const char *s =
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890";
    assert_int_equal(hash_md5_hex(s, strlen(s), out), 0);
    assert_string_equal(out, "57edf4a22be3c955ac49da2e2107b67a");
    /* a length, not a C string: bytes after a NUL count */
    assert_int_equal(hash_md5_hex("a\0b", 3, out), 0);
    assert_string_not_equal(out, "0cc175b9c0f1b6a831c399e269772661"); /* md5("a") */
}

static void test_multihash_in_pieces(void **state)
{
    struct multihash *h = multihash_new();
    assert_non_null(h);
    multihash_update(h, "a", 1);
    multihash_update(h, "bc", 2);
    struct multihash_hex out;
    multihash_final(h, &out);
    multihash_free(h);
    assert_string_equal(out.md5, "900150983cd24fb0d6963f7d28e17f72");
    assert_string_equal(out.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_string_equal(out.sha256,
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* FIPS 180 / RFC 1321: one million 'a', fed in uneven pieces that cross the
 * hasher's chunk boundaries. */
static void test_multihash_million_a(void **state)
{
    static const size_t pieces[] = {1, 7, 4093, 262144, 300000, 65536, 1};
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    struct multihash *h = multihash_new();
    assert_non_null(h);
    size_t off = 0;
    for (size_t i = 0; off < 1000000; i = (i + 1) % (sizeof(pieces) / sizeof(pieces[0]))) {
        size_t n = pieces[i] < 1000000 - off ? pieces[i] : 1000000 - off;
        multihash_update(h, a + off, n);
        off += n;
    }
    struct multihash_hex out;
    multihash_final(h, &out);
    multihash_free(h);
    free(a);
    assert_string_equal(out.md5, "7707d6ae4e027c70eea2a935c2296f21");
    assert_string_equal(out.sha1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    assert_string_equal(out.sha256,
                        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void expect_digest(const EVP_MD *md, const unsigned char *data, size_t len, const char *hex)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char want[2 * EVP_MAX_MD_SIZE + 1];
    assert_true(EVP_Digest(data, len, d, &n, md, NULL));
    for (unsigned int i = 0; i < n; i++)
        snprintf(want + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(hex, want);
}

/* Many times the hasher's buffer, so that its chunks are reused while the lanes
 * hash: the digests must still be those of the bytes in order. */
static void test_multihash_long_stream(void **state)
{
    size_t len = 20 * MULTIHASH_CHUNK + 12345;
    unsigned char *data = malloc(len);
    assert_non_null(data);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        data[i] = (unsigned char)x;
    }
    struct multihash *h = multihash_new();
    assert_non_null(h);
    for (size_t off = 0, step = 1; off < len; off += step, step = step * 3 % 100003 + 1)
        multihash_update(h, data + off, step < len - off ? step : len - off);
    struct multihash_hex out;
    multihash_final(h, &out);
    multihash_free(h);
    expect_digest(EVP_md5(), data, len, out.md5);
    expect_digest(EVP_sha1(), data, len, out.sha1);
    expect_digest(EVP_sha256(), data, len, out.sha256);
    free(data);
}

/* An aborted upload frees the hasher without a final: the lanes stop. */
static void test_multihash_free_without_final(void **state)
{
    static unsigned char chunk[64 * 1024];
    struct multihash *h = multihash_new();
    assert_non_null(h);
    for (int i = 0; i < 40; i++)
        multihash_update(h, chunk, sizeof(chunk));
    multihash_free(h);
    multihash_free(NULL);
}

/* A sink collecting what it is handed, optionally failing at its n-th call. */
struct collector {
    unsigned char *got;
    size_t len, cap;
    int calls, fail_at;
    bool misaligned, short_before_last; /* a broken promise of the sink interface */
    size_t last_len;
};

static int collect(void *arg, const void *data, size_t len)
{
    struct collector *c = arg;
    c->calls++;
    if (c->fail_at && c->calls == c->fail_at)
        return -5;
    if ((uintptr_t)data % 4096 != 0)
        c->misaligned = true;
    if (c->last_len && c->last_len != MULTIHASH_CHUNK)
        c->short_before_last = true; /* only the last chunk may be short */
    c->last_len = len;
    assert_true(c->len + len <= c->cap);
    memcpy(c->got + c->len, data, len);
    c->len += len;
    return 0;
}

/* The sink gets every byte once, in order, in aligned whole chunks but the last,
 * and the digests are unchanged by it. */
static void test_multihash_sink_gets_the_stream(void **state)
{
    size_t len = 3 * MULTIHASH_CHUNK + 777;
    unsigned char *data = malloc(len);
    struct collector c = {.got = malloc(len), .cap = len};
    assert_non_null(data);
    assert_non_null(c.got);
    for (size_t i = 0; i < len; i++)
        data[i] = (unsigned char)(i * 2654435761u >> 13);
    struct multihash *h = multihash_new_sink(collect, &c);
    assert_non_null(h);
    for (size_t off = 0, step = 1000; off < len; off += step, step = step * 7 % 65521 + 1)
        assert_int_equal(multihash_update(h, data + off, step < len - off ? step : len - off), 0);
    struct multihash_hex out;
    assert_int_equal(multihash_final(h, &out), 0);
    multihash_free(h);
    assert_int_equal(c.len, len);
    assert_memory_equal(c.got, data, len);
    assert_false(c.misaligned);
    assert_false(c.short_before_last);
    assert_int_equal(c.calls, 4);
    expect_digest(EVP_sha256(), data, len, out.sha256);
    expect_digest(EVP_md5(), data, len, out.md5);
    free(data);
    free(c.got);
}

/* A stream shorter than a chunk reaches the sink at the final, in one piece. */
static void test_multihash_sink_short_stream(void **state)
{
    struct collector c = {.got = malloc(16), .cap = 16};
    struct multihash *h = multihash_new_sink(collect, &c);
    assert_non_null(h);
    assert_int_equal(multihash_update(h, "abc", 3), 0);
    assert_int_equal(c.calls, 0);
    struct multihash_hex out;
    assert_int_equal(multihash_final(h, &out), 0);
    multihash_free(h);
    assert_int_equal(c.calls, 1);
    assert_memory_equal(c.got, "abc", 3);
    assert_string_equal(out.md5, "900150983cd24fb0d6963f7d28e17f72");
    free(c.got);
}

/* The sink's failure comes back from update (on a later chunk) and final, and the
 * sink is not called again after it. */
static void test_multihash_sink_failure(void **state)
{
    static unsigned char chunk[MULTIHASH_CHUNK];
    struct collector c = {.got = malloc(sizeof(chunk)), .cap = sizeof(chunk), .fail_at = 2};
    struct multihash *h = multihash_new_sink(collect, &c);
    assert_non_null(h);
    int rc = 0;
    for (int i = 0; i < 64 && rc == 0; i++)
        rc = multihash_update(h, chunk, sizeof(chunk));
    assert_int_equal(rc, -5);
    struct multihash_hex out;
    assert_int_equal(multihash_final(h, &out), -5);
    multihash_free(h);
    assert_int_equal(c.calls, 2);
    assert_int_equal(c.len, sizeof(chunk));
    free(c.got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_hex),
        cmocka_unit_test(test_multihash_in_pieces),
        cmocka_unit_test(test_multihash_million_a),
        cmocka_unit_test(test_multihash_long_stream),
        cmocka_unit_test(test_multihash_free_without_final),
        cmocka_unit_test(test_multihash_sink_gets_the_stream),
        cmocka_unit_test(test_multihash_sink_short_stream),
        cmocka_unit_test(test_multihash_sink_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
