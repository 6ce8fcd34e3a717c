/* Tests src/blob/s3_sign.c */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "blob/s3_sign.h"

/* AWS's worked example for query-string authentication ("Authenticating Requests:
 * Using Query Parameters (AWS Signature Version 4)", the GET object example): its
 * documented keys, date and expiry give this exact URL and signature. */
static const struct s3_presign aws_example = {
    .base = "https://examplebucket.s3.amazonaws.com",
    .path = "/test.txt",
    .region = "us-east-1",
    .access_key = "AKIAIOSFODNN7EXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    .amz_date = "20130524T000000Z",
    .expires = 86400,
};

static void test_presign_matches_aws_example(void **state)
{
    char url[2048];
    assert_int_equal(s3_presign_get(&aws_example, url, sizeof(url)), 0);
    assert_string_equal(
        url, "https://examplebucket.s3.amazonaws.com/test.txt"
             "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
             "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
             "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

/* Every input goes into the signature: change one and it changes. */
static void test_presign_signature_depends_on_each_input(void **state)
{
    char base_url[2048], url[2048];
    assert_int_equal(s3_presign_get(&aws_example, base_url, sizeof(base_url)), 0);
    const char *sig = strstr(base_url, "X-Amz-Signature=");
    struct s3_presign variants[5];
    for (int i = 0; i < 5; i++)
        variants[i] = aws_example;
    variants[0].path = "/test.txu";
    variants[1].region = "eu-west-1";
    variants[2].secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ";
    variants[3].amz_date = "20130524T000001Z";
    variants[4].base = "https://examplebucket.s3.amazonaws.com:8443";
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s3_presign_get(&variants[i], url, sizeof(url)), 0);
        assert_string_not_equal(strstr(url, "X-Amz-Signature="), sig);
    }
}

static void test_presign_refuses_bad_input_and_short_buffer(void **state)
{
    char url[2048];
    struct s3_presign p = aws_example;
    p.expires = 0;
    assert_int_equal(s3_presign_get(&p, url, sizeof(url)), -1);
    p = aws_example;
    p.expires = 604801;
    assert_int_equal(s3_presign_get(&p, url, sizeof(url)), -1);
    p = aws_example;
    p.base = "examplebucket.s3.amazonaws.com";
    assert_int_equal(s3_presign_get(&p, url, sizeof(url)), -1);
    p = aws_example;
    p.amz_date = "20130524";
    assert_int_equal(s3_presign_get(&p, url, sizeof(url)), -1);
    assert_int_equal(s3_presign_get(&aws_example, url, 100), -1);
}

static void test_uri_encode(void **state)
{
    char out[64];
    assert_int_equal(s3_uri_encode("AZaz09-._~", false, out, sizeof(out)), 10);
    assert_string_equal(out, "AZaz09-._~");
    assert_int_equal(s3_uri_encode("a b/c+d=é", false, out, sizeof(out)), 22);
    assert_string_equal(out, "a%20b%2Fc%2Bd%3D%C3%A9");
    assert_int_equal(s3_uri_encode("pre fix/sub/", true, out, sizeof(out)), 14);
    assert_string_equal(out, "pre%20fix/sub/");
    assert_int_equal(s3_uri_encode("", true, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    /* Too small: exactly one byte short of the encoding plus its NUL. */
    assert_int_equal(s3_uri_encode("a b", false, out, 5), -1);
    assert_int_equal(s3_uri_encode("a b", false, out, 6), 5);
}

static void test_amz_date(void **state)
{
    char out[17];
    s3_amz_date(1369353600, out); /* 2013-05-24 00:00:00 UTC */
    assert_string_equal(out, "20130524T000000Z");
    s3_amz_date(1700000000, out);
    assert_string_equal(out, "20231114T221320Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presign_matches_aws_example),
        cmocka_unit_test(test_presign_signature_depends_on_each_input),
        cmocka_unit_test(test_presign_refuses_bad_input_and_short_buffer),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_amz_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
