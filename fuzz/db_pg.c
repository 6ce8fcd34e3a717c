/* libFuzzer driver for the text helpers of src/store/db_pg.c. The first byte picks the
 * function:
 *   'r' db_pg_rewrite: apart from placeholders the text comes out unchanged (every
 *       `?N` / `?` of the input and every `$N` of the output stand for one token), and
 *       no output placeholder number exceeds the count reported;
 *   'm' db_pg_mask on the rest: no crash, output within the allocation;
 *   'p' the rest (without '@', '/', '?', whitespace) is a password in
 *       postgres://user:<password>@host/db: the masked text is exactly the URL with
 *       "***" in its place. */
#include "store/db_pg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s with every `?digits*` and `$digits+` replaced by '#'. */
static char *normalise(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out)
        abort();
    while (*s) {
        if (*s == '?' || (*s == '$' && s[1] >= '0' && s[1] <= '9')) {
            s++;
            while (*s >= '0' && *s <= '9')
                s++;
            *o++ = '#';
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static void check_rewrite(const char *sql)
{
    int n = -1;
    char *out = db_pg_rewrite(sql, &n);
    if (!out)
        return; /* a ?N out of range */
    char *a = normalise(sql), *b = normalise(out);
    if (strcmp(a, b) != 0 || n < 0)
        abort();
    for (const char *p = strchr(out, '$'); p; p = strchr(p + 1, '$'))
        if (p[1] >= '1' && p[1] <= '9' && strstr(sql, "$") == NULL && atol(p + 1) > n)
            abort();
    free(a);
    free(b);
    free(out);
}

static void check_password(const char *raw)
{
    char password[256], url[320];
    size_t n = 0;
    for (; *raw && n < sizeof(password) - 1; raw++)
        if (!strchr("@/?# \t\r\n", *raw))
            password[n++] = *raw;
    password[n] = '\0';
    if (n < 4)
        return;
    snprintf(url, sizeof(url), "postgres://user:%s@host:5432/db", password);
    char *out = db_pg_mask(url);
    if (!out || strcmp(out, "postgres://user:***@host:5432/db") != 0)
        abort();
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if (data[0] == 'r') {
        check_rewrite(s);
    } else if (data[0] == 'm') {
        char *out = db_pg_mask(s);
        if (!out || strlen(out) > strlen(s) * 2 + 15)
            abort();
        free(out);
    } else if (data[0] == 'p') {
        check_password(s);
    }
    free(s);
    return 0;
}
