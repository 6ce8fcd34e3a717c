/* libFuzzer driver for src/config/config.c. Input starting with 'S' is
 * "section\0key\0value" for config_set(); anything else is an INI file for
 * config_load_file(), read from a memfd. The config must stay usable afterwards:
 * strings NUL-terminated, numbers within their ranges. */
#include "config/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct config *c)
{
    if (!memchr(c->listen, '\0', sizeof(c->listen)) ||
        !memchr(c->data_dir, '\0', sizeof(c->data_dir)) ||
        !memchr(c->tenant, '\0', sizeof(c->tenant)) ||
        !memchr(c->database_path, '\0', sizeof(c->database_path)) ||
        !memchr(c->artifact_dir, '\0', sizeof(c->artifact_dir)) ||
        !memchr(c->admin_password, '\0', sizeof(c->admin_password)) ||
        !memchr(c->log_level, '\0', sizeof(c->log_level)))
        abort();
    if (c->workers < 0 || c->workers > 64 || c->max_body < 1024 || c->max_body > (64u << 20) ||
        c->timeout_seconds < 1 || c->timeout_seconds > 3600 || c->max_connections < 16 ||
        c->max_artifact_size < 1 || c->max_artifact_size > (1LL << 50))
        abort();
}

static void fuzz_set(const char *data, size_t size)
{
    char *copy = malloc(size + 3);
    memcpy(copy, data, size);
    copy[size] = copy[size + 1] = copy[size + 2] = '\0';
    const char *section = copy;
    const char *key = section + strlen(section) + 1;
    if (key > copy + size)
        key = copy + size;
    const char *value = key + strlen(key) + 1;
    if (value > copy + size + 1)
        value = copy + size + 1;
    struct config c;
    struct error err;
    config_defaults(&c);
    int rc = config_set(&c, section, key, value, &err);
    if (rc != 0 && rc != -ERR_INVALID)
        abort();
    check(&c);
    free(copy);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("falconet-fuzz-config", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    struct config c;
    struct error err;
    config_defaults(&c);
    int rc = config_load_file(&c, path, 0, &err);
    if (rc != 0 && rc != -ERR_INVALID)
        abort();
    if (rc != 0 && !err.message[0])
        abort();
    check(&c);
    config_finish(&c);
    check(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 'S')
        fuzz_set((const char *)data + 1, size - 1);
    else
        fuzz_file(data, size);
    return 0;
}
