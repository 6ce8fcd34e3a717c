/* Tests src/config/config.c: defaults, INI files, environment overrides, validation. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

static const char *const env_names[] = {
    "FALCONET_SERVER_LISTEN",
    "FALCONET_SERVER_DATA_DIR",
    "FALCONET_SERVER_WORKERS",
    "FALCONET_SERVER_MAX_BODY_BYTES",
    "FALCONET_SERVER_TIMEOUT_SECONDS",
    "FALCONET_SERVER_MAX_CONNECTIONS",
    "FALCONET_SERVER_TENANT",
    "FALCONET_DATABASE_PATH",
    "FALCONET_DATABASE_CONNECT_RETRY_SECONDS",
    "FALCONET_STORAGE_PATH",
    "FALCONET_STORAGE_MAX_ARTIFACT_BYTES",
    "FALCONET_ADMIN_PASSWORD",
    "FALCONET_LOG_LEVEL",
    NULL,
};

struct fixture {
    struct config c;
    struct error err;
    char path[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    for (const char *const *n = env_names; *n; n++)
        unsetenv(*n);
    config_defaults(&f->c);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->path[0])
        unlink(f->path);
    for (const char *const *n = env_names; *n; n++)
        unsetenv(*n);
    free(f);
    return 0;
}

static const char *write_file(struct fixture *f, const char *text)
{
    snprintf(f->path, sizeof(f->path), "/tmp/falconet-config-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return f->path;
}

static void expect_set_fails(struct fixture *f, const char *section, const char *key,
                             const char *value, const char *needle)
{
    memset(&f->err, 0, sizeof(f->err));
    int rc = config_set(&f->c, section, key, value, &f->err);
    if (rc != -ERR_INVALID)
        fail_msg("%s.%s = '%s' was accepted", section, key, value);
    if (!strstr(f->err.message, needle))
        fail_msg("message '%s' lacks '%s'", f->err.message, needle);
}

static void set_ok(struct fixture *f, const char *section, const char *key, const char *value)
{
    int rc = config_set(&f->c, section, key, value, &f->err);
    if (rc != 0)
        fail_msg("%s.%s = '%s' rejected: %s", section, key, value, f->err.message);
}

static void test_defaults(void **state)
{
    struct fixture *f = *state;
    struct config *c = &f->c;
    assert_string_equal(c->listen, "0.0.0.0:8080");
    assert_string_equal(c->data_dir, "./var");
    assert_int_equal(c->workers, 0);
    assert_int_equal(c->max_body, 1 << 20);
    assert_int_equal(c->timeout_seconds, 120);
    assert_int_equal(c->max_connections, 20000);
    assert_string_equal(c->tenant, "DEFAULT");
    assert_string_equal(c->database_path, "");
    assert_string_equal(c->artifact_dir, "");
    assert_true(c->max_artifact_size == 8LL << 30);
    assert_string_equal(c->admin_password, "");
    assert_string_equal(c->log_level, "info");
    assert_int_equal(c->database_connect_retry_seconds, 30);
}

static void test_finish_derives_paths_from_data_dir(void **state)
{
    struct fixture *f = *state;
    set_ok(f, "server", "data_dir", "/srv/falconet");
    config_finish(&f->c);
    assert_string_equal(f->c.database_path, "/srv/falconet/falconet.db");
    assert_string_equal(f->c.artifact_dir, "/srv/falconet/artifacts");
}

static void test_finish_keeps_explicit_paths(void **state)
{
    struct fixture *f = *state;
    set_ok(f, "database", "path", "/db/x.db");
    set_ok(f, "storage", "path", "/blobs");
    config_finish(&f->c);
    assert_string_equal(f->c.database_path, "/db/x.db");
    assert_string_equal(f->c.artifact_dir, "/blobs");
}

static void test_file_parsing(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "; comment\n"
                                     "# another comment\n"
                                     "[server]\n"
                                     "listen = 127.0.0.1:9090\n"
                                     "workers=3\n"
                                     "max_body_bytes = 2M\n"
                                     "TIMEOUT_SECONDS = 30\n"
                                     "\n"
                                     "[Database]\n"
                                     "path = /var/lib/f.db\n"
                                     "[storage]\n"
                                     "max_artifact_bytes = 2G\n"
                                     "[log]\n"
                                     "level = debug\n");
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), 0);
    assert_string_equal(f->c.listen, "127.0.0.1:9090");
    assert_int_equal(f->c.workers, 3);
    assert_int_equal(f->c.max_body, 2 << 20);
    assert_int_equal(f->c.timeout_seconds, 30);
    assert_string_equal(f->c.database_path, "/var/lib/f.db");
    assert_true(f->c.max_artifact_size == 2LL << 30);
    assert_string_equal(f->c.log_level, "debug");
    /* Untouched keys keep their defaults. */
    assert_string_equal(f->c.tenant, "DEFAULT");
    assert_int_equal(f->c.max_connections, 20000);
}

static void test_file_unknown_key_names_key_and_line(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "[server]\nworkers = 2\nlistne = 1.2.3.4:80\nworkers = 5\n");
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, "server.listne"));
    assert_non_null(strstr(f->err.message, "line 3"));
    assert_non_null(strstr(f->err.message, path));
    /* Parsing stopped at the error. */
    assert_int_equal(f->c.workers, 2);
}

static void test_file_unknown_section(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "[sever]\nlisten = 1.2.3.4:80\n");
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, "sever.listen"));
}

static void test_file_key_outside_section(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "listen = 1.2.3.4:80\n");
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, "listen"));
    assert_string_equal(f->c.listen, "0.0.0.0:8080");
}

static void test_file_bad_value_names_key(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "[server]\n\nworkers = many\n");
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, "server.workers"));
    assert_non_null(strstr(f->err.message, "line 3"));
}

static void test_file_syntax_error(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "[server]\nworkers = 2\njust some words\n");
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, "line 3"));
    assert_non_null(strstr(f->err.message, "syntax"));
}

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    const char *missing = "/nonexistent/falconet/falconet.conf";
    assert_int_equal(config_load_file(&f->c, missing, 1, &f->err), 1);
    assert_int_equal(config_load_file(&f->c, missing, 0, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, missing));
}

static void test_empty_file(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "");
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), 0);
    assert_string_equal(f->c.listen, "0.0.0.0:8080");
}

static void test_number_ranges(void **state)
{
    struct fixture *f = *state;
    set_ok(f, "server", "workers", "0");
    set_ok(f, "server", "workers", "64");
    assert_int_equal(f->c.workers, 64);
    expect_set_fails(f, "server", "workers", "65", "server.workers");
    expect_set_fails(f, "server", "workers", "-1", "from 0 to 64");
    set_ok(f, "server", "timeout_seconds", "1");
    expect_set_fails(f, "server", "timeout_seconds", "0", "server.timeout_seconds");
    expect_set_fails(f, "server", "timeout_seconds", "3601", "server.timeout_seconds");
    expect_set_fails(f, "server", "max_connections", "15", "server.max_connections");
    set_ok(f, "server", "max_connections", "16");
    expect_set_fails(f, "server", "max_body_bytes", "1023", "server.max_body_bytes");
    set_ok(f, "server", "max_body_bytes", "1024");
    expect_set_fails(f, "storage", "max_artifact_bytes", "0", "storage.max_artifact_bytes");
    set_ok(f, "database", "connect_retry_seconds", "0");
    assert_int_equal(f->c.database_connect_retry_seconds, 0);
    set_ok(f, "database", "connect_retry_seconds", "86400");
    expect_set_fails(f, "database", "connect_retry_seconds", "-1",
                     "database.connect_retry_seconds");
    expect_set_fails(f, "database", "connect_retry_seconds", "86401", "from 0 to 86400");
}

static void test_number_syntax(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"", "abc", "1.5", "0x10", "12abc", "1 2", "5MB", "1T", "--1", "1KK", NULL};
    for (const char *const *v = bad; *v; v++)
        expect_set_fails(f, "server", "workers", *v, "server.workers");
    expect_set_fails(f, "server", "timeout_seconds", "99999999999999999999", "timeout_seconds");
    assert_int_equal(f->c.workers, 0);
}

static void test_size_suffixes(void **state)
{
    struct fixture *f = *state;
    set_ok(f, "server", "max_body_bytes", "4k");
    assert_int_equal(f->c.max_body, 4096);
    set_ok(f, "server", "max_body_bytes", "4K");
    assert_int_equal(f->c.max_body, 4096);
    set_ok(f, "server", "max_body_bytes", "3m");
    assert_int_equal(f->c.max_body, 3 << 20);
    set_ok(f, "server", "max_body_bytes", "64M");
    assert_int_equal(f->c.max_body, 64 << 20);
    expect_set_fails(f, "server", "max_body_bytes", "65M", "server.max_body_bytes");
    expect_set_fails(f, "server", "max_body_bytes", "1G", "server.max_body_bytes");
    set_ok(f, "storage", "max_artifact_bytes", "16g");
    assert_true(f->c.max_artifact_size == 16LL << 30);
    set_ok(f, "storage", "max_artifact_bytes", "1048576G"); /* 2^50, the maximum */
    assert_true(f->c.max_artifact_size == 1LL << 50);
    expect_set_fails(f, "storage", "max_artifact_bytes", "1048577G", "max_artifact_bytes");
}

static void test_size_suffix_overflow_and_negative(void **state)
{
    struct fixture *f = *state;
    /* Shifting these would overflow a long long or shift a negative value. */
    expect_set_fails(f, "storage", "max_artifact_bytes", "9223372036854775807G",
                     "max_artifact_bytes");
    expect_set_fails(f, "storage", "max_artifact_bytes", "8589934592G", "max_artifact_bytes");
    expect_set_fails(f, "storage", "max_artifact_bytes", "-1K", "max_artifact_bytes");
    expect_set_fails(f, "storage", "max_artifact_bytes", "-9223372036854775807G",
                     "max_artifact_bytes");
    assert_true(f->c.max_artifact_size == 8LL << 30);
}

static void test_strings(void **state)
{
    struct fixture *f = *state;
    char longv[600];
    memset(longv, 'x', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    expect_set_fails(f, "server", "listen", longv, "too long");
    assert_string_equal(f->c.listen, "0.0.0.0:8080");
    longv[sizeof(f->c.listen) - 1] = '\0'; /* exactly fills the buffer with its NUL */
    set_ok(f, "server", "listen", longv);
    assert_int_equal(strlen(f->c.listen), sizeof(f->c.listen) - 1);
    longv[sizeof(f->c.listen) - 1] = 'x';
    longv[sizeof(f->c.listen)] = '\0';
    expect_set_fails(f, "server", "listen", longv, "server.listen");
    set_ok(f, "admin", "password", "p@ss w0rd;#=");
    assert_string_equal(f->c.admin_password, "p@ss w0rd;#=");
}

static void test_log_level(void **state)
{
    struct fixture *f = *state;
    const char *good[] = {"debug", "info", "warn", "error", NULL};
    for (const char *const *v = good; *v; v++) {
        set_ok(f, "log", "level", *v);
        assert_string_equal(f->c.log_level, *v);
    }
    expect_set_fails(f, "log", "level", "verbose", "log.level");
    expect_set_fails(f, "log", "level", "", "log.level");
    expect_set_fails(f, "log", "level", "warning", "log.level");
    assert_string_equal(f->c.log_level, "error");
}

static void test_unknown_key_via_set(void **state)
{
    struct fixture *f = *state;
    expect_set_fails(f, "server", "nope", "1", "unknown configuration key server.nope");
    expect_set_fails(f, "nope", "listen", "1", "nope.listen");
    expect_set_fails(f, "", "", "1", "unknown");
}

static void test_keys_are_case_insensitive(void **state)
{
    struct fixture *f = *state;
    set_ok(f, "SERVER", "Listen", "10.0.0.1:1");
    assert_string_equal(f->c.listen, "10.0.0.1:1");
}

static void test_env_overrides(void **state)
{
    struct fixture *f = *state;
    setenv("FALCONET_SERVER_LISTEN", "127.0.0.1:7000", 1);
    setenv("FALCONET_SERVER_MAX_BODY_BYTES", "2M", 1);
    setenv("FALCONET_STORAGE_MAX_ARTIFACT_BYTES", "1G", 1);
    setenv("FALCONET_ADMIN_PASSWORD", "s3cret", 1);
    setenv("FALCONET_LOG_LEVEL", "warn", 1);
    setenv("FALCONET_SERVER_TENANT", "", 1);
    setenv("FALCONET_DATABASE_CONNECT_RETRY_SECONDS", "5", 1);
    assert_int_equal(config_load_env(&f->c, &f->err), 0);
    assert_int_equal(f->c.database_connect_retry_seconds, 5);
    assert_string_equal(f->c.listen, "127.0.0.1:7000");
    assert_int_equal(f->c.max_body, 2 << 20);
    assert_true(f->c.max_artifact_size == 1LL << 30);
    assert_string_equal(f->c.admin_password, "s3cret");
    assert_string_equal(f->c.log_level, "warn");
    assert_string_equal(f->c.tenant, "");
    assert_int_equal(f->c.workers, 0);
}

static void test_env_wins_over_file(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, "[server]\nlisten = 1.1.1.1:1\nworkers = 2\n");
    setenv("FALCONET_SERVER_LISTEN", "2.2.2.2:2", 1);
    assert_int_equal(config_load_file(&f->c, path, 0, &f->err), 0);
    assert_int_equal(config_load_env(&f->c, &f->err), 0);
    assert_string_equal(f->c.listen, "2.2.2.2:2");
    assert_int_equal(f->c.workers, 2);
}

static void test_env_bad_value_names_variable(void **state)
{
    struct fixture *f = *state;
    setenv("FALCONET_SERVER_WORKERS", "lots", 1);
    assert_int_equal(config_load_env(&f->c, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, "FALCONET_SERVER_WORKERS"));
    assert_non_null(strstr(f->err.message, "server.workers"));
    unsetenv("FALCONET_SERVER_WORKERS");
    setenv("FALCONET_LOG_LEVEL", "loud", 1);
    assert_int_equal(config_load_env(&f->c, &f->err), -ERR_INVALID);
    assert_non_null(strstr(f->err.message, "FALCONET_LOG_LEVEL"));
}

static void test_env_lowercase_names_are_ignored(void **state)
{
    struct fixture *f = *state;
    setenv("falconet_server_listen", "9.9.9.9:9", 1);
    assert_int_equal(config_load_env(&f->c, &f->err), 0);
    unsetenv("falconet_server_listen");
    assert_string_equal(f->c.listen, "0.0.0.0:8080");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_finish_derives_paths_from_data_dir),
        T(test_finish_keeps_explicit_paths),
        T(test_file_parsing),
        T(test_file_unknown_key_names_key_and_line),
        T(test_file_unknown_section),
        T(test_file_key_outside_section),
        T(test_file_bad_value_names_key),
        T(test_file_syntax_error),
        T(test_missing_file),
        T(test_empty_file),
        T(test_number_ranges),
        T(test_number_syntax),
        T(test_size_suffixes),
        T(test_size_suffix_overflow_and_negative),
        T(test_strings),
        T(test_log_level),
        T(test_unknown_key_via_set),
        T(test_keys_are_case_insensitive),
        T(test_env_overrides),
        T(test_env_wins_over_file),
        T(test_env_bad_value_names_variable),
        T(test_env_lowercase_names_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
