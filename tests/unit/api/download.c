/* Tests src/api/download.c (the Content-Disposition value; the reply itself is
 * covered end to end by tests/e2e/test_artifacts.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "api/download.h"

static void expect_disposition(const char *filename, const char *want)
{
    char buf[2048];
    api_content_disposition(buf, sizeof(buf), filename);
    assert_string_equal(buf, want);
}

static void test_token_names_stay_bare(void **state)
{
    expect_disposition("update.raucb", "attachment;filename=update.raucb");
    expect_disposition("fw_1.2-rc#3+x", "attachment;filename=fw_1.2-rc#3+x");
}

static void test_special_characters_are_quoted(void **state)
{
    expect_disposition("my file.bin", "attachment;filename=\"my file.bin\"");
    expect_disposition("semi;colon=x", "attachment;filename=\"semi;colon=x\"");
    expect_disposition("a\"b\\c", "attachment;filename=\"a\\\"b\\\\c\"");
    expect_disposition("", "attachment;filename=\"\"");
}

static void test_non_ascii_gets_an_rfc8187_parameter(void **state)
{
    expect_disposition("caf\xc3\xa9 \"q\".bin", "attachment;filename=\"caf_ \\\"q\\\".bin\";"
                                                "filename*=UTF-8''caf%C3%A9%20%22q%22.bin");
}

static void test_control_characters_never_reach_the_header(void **state)
{
    char buf[256];
    api_content_disposition(buf, sizeof(buf), "a\r\nSet-Cookie: x\x7f");
    assert_null(strpbrk(buf, "\r\n\x7f"));
}

static void test_short_buffer_truncates_safely(void **state)
{
    char buf[16];
    memset(buf, 'X', sizeof(buf));
    api_content_disposition(buf, sizeof(buf), "a-rather-long-name.bin");
    assert_int_equal(strlen(buf), sizeof(buf) - 1);
    assert_memory_equal(buf, "attachment;file", 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_names_stay_bare),
        cmocka_unit_test(test_special_characters_are_quoted),
        cmocka_unit_test(test_non_ascii_gets_an_rfc8187_parameter),
        cmocka_unit_test(test_control_characters_never_reach_the_header),
        cmocka_unit_test(test_short_buffer_truncates_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
