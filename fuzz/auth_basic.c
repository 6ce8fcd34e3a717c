/* libFuzzer driver for auth_parse_basic() and auth_secret_equal() in src/auth/auth.c.
 * The first input byte picks the size of the output buffer (1..256); the rest is the
 * Authorization header value. */
#include "auth/auth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return auth_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = (size_t)data[0] + 1;
    char *header = malloc(size);
    memcpy(header, data + 1, size - 1);
    header[size - 1] = '\0';
    char *buf = malloc(n); /* exact size: any overflow is caught by ASan */
    const char *user = NULL, *password = NULL;
    if (auth_parse_basic(header, buf, n, &user, &password)) {
        /* Both point into buf, user holds no colon, and together they fit. */
        if (user != buf || password < buf || password >= buf + n)
            abort();
        if (strchr(user, ':'))
            abort();
        if (strlen(user) + 1 + strlen(password) + 1 > n)
            abort();
        if (password != user + strlen(user) + 1)
            abort();
    }
    /* auth_secret_equal agrees with strcmp on the two halves of the header. */
    size_t len = strlen(header);
    char *left = strndup(header, len / 2);
    const char *right = header + len / 2;
    if (auth_secret_equal(left, right) != (strcmp(left, right) == 0))
        abort();
    if (!auth_secret_equal(left, left))
        abort();
    free(left);
    free(buf);
    free(header);
    return 0;
}
