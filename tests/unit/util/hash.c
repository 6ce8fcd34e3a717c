/* Tests src/util/hash.c against the RFC 1321 and FIPS 180 test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "util/hash.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_hex),
        cmocka_unit_test(test_multihash_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
