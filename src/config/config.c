#include "config/config.h"

#include "util/log.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum key_type {
    KEY_STRING,
    KEY_INT,
    KEY_SIZE,
    KEY_LOG_LEVEL,
    KEY_DATABASE_URL,
    KEY_STORAGE_URL,
    KEY_S3_DOWNLOAD,
};

struct key_spec {
    const char *section, *key;
    enum key_type type;
    size_t offset, size; /* for strings: buffer size */
    long long min, max;  /* for numbers */
};

#define STR(sec, k, field) {sec, k, KEY_STRING, offsetof(struct config, field), sizeof(((struct config *)0)->field), 0, 0}
#define INT(sec, k, field, lo, hi) {sec, k, KEY_INT, offsetof(struct config, field), 0, lo, hi}
#define SIZE(sec, k, field, lo, hi) {sec, k, KEY_SIZE, offsetof(struct config, field), 0, lo, hi}

static const struct key_spec keys[] = {
    STR("server", "listen", listen),
    STR("server", "data_dir", data_dir),
    INT("server", "workers", workers, 0, 64),
    SIZE("server", "max_body_bytes", max_body, 1024, 64LL << 20),
    INT("server", "timeout_seconds", timeout_seconds, 1, 3600),
    INT("server", "max_connections", max_connections, 16, 1000000),
    SIZE("server", "connection_memory_bytes", connection_memory, 8192, 1 << 20),
    STR("server", "tenant", tenant),
    STR("database", "path", database_path),
    {"database", "url", KEY_DATABASE_URL, offsetof(struct config, database_url),
     sizeof(((struct config *)0)->database_url), 0, 0},
    INT("database", "connect_retry_seconds", database_connect_retry_seconds, 0, 86400),
    STR("storage", "path", artifact_dir),
    SIZE("storage", "max_artifact_bytes", max_artifact_size, 1, 1LL << 50),
    {"storage", "url", KEY_STORAGE_URL, offsetof(struct config, storage_url),
     sizeof(((struct config *)0)->storage_url), 0, 0},
    STR("storage", "s3_endpoint", s3_endpoint),
    STR("storage", "s3_region", s3_region),
    STR("storage", "s3_access_key", s3_access_key),
    STR("storage", "s3_secret_key", s3_secret_key),
    INT("storage", "s3_path_style", s3_path_style, 0, 1),
    {"storage", "s3_download", KEY_S3_DOWNLOAD, offsetof(struct config, s3_download), 16, 0, 0},
    STR("admin", "password", admin_password),
    INT("ddi", "flush_interval_ms", ddi_flush_interval_ms, 50, 600000),
    INT("scheduler", "interval_ms", scheduler_interval_ms, 50, 60000),
    INT("ddi", "device_cache_entries", ddi_device_cache_entries, 0, 1 << 26),
    INT("rollout", "dynamic_check_interval_ms", rollout_dynamic_check_ms, 100, 3600000),
    {"log", "level", KEY_LOG_LEVEL, offsetof(struct config, log_level), 16, 0, 0},
};

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen, sizeof(c->listen), "0.0.0.0:8080");
    snprintf(c->data_dir, sizeof(c->data_dir), "./var");
    c->workers = 0;
    c->max_body = 1 << 20;
    c->timeout_seconds = 120;
    c->max_connections = 20000;
    c->connection_memory = 9 * 1024;
    snprintf(c->tenant, sizeof(c->tenant), "DEFAULT");
    c->max_artifact_size = 8LL << 30;
    c->database_connect_retry_seconds = 30;
    snprintf(c->log_level, sizeof(c->log_level), "info");
    c->ddi_flush_interval_ms = 10000;
    c->scheduler_interval_ms = 2000;
    c->ddi_device_cache_entries = 1 << 18;
    c->rollout_dynamic_check_ms = 60000;
    snprintf(c->s3_region, sizeof(c->s3_region), "us-east-1");
    c->s3_path_style = -1;
    snprintf(c->s3_download, sizeof(c->s3_download), "proxy");
}

static int parse_number(const char *value, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || end == value)
        return -1;
    /* Size suffixes for convenience: 10M, 2G. */
    int shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end)
        return -1;
    /* A negative or too large value would make the shift undefined (and wrap). */
    if (shift && (v < 0 || v > (LLONG_MAX >> shift)))
        return -1;
    *out = v * (1LL << shift);
    return 0;
}

int config_set(struct config *c, const char *section, const char *key, const char *value,
               struct error *err)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct key_spec *k = &keys[i];
        if (strcasecmp(k->section, section) != 0 || strcasecmp(k->key, key) != 0)
            continue;
        char *field = (char *)c + k->offset;
        long long n;
        switch (k->type) {
        case KEY_STRING:
            if (strlen(value) >= k->size)
                return err_set(err, ERR_INVALID, NULL, "%s.%s: value too long", section, key);
            snprintf(field, k->size, "%s", value);
            return 0;
        case KEY_DATABASE_URL:
            /* The value is not echoed: it may hold a password. */
            if (*value && strncmp(value, "postgres://", 11) != 0 &&
                strncmp(value, "postgresql://", 13) != 0 && strncmp(value, "sqlite:", 7) != 0)
                return err_set(err, ERR_INVALID, NULL,
                               "%s.%s: expected a postgres://, postgresql:// or sqlite: URL",
                               section, key);
            if (strlen(value) >= k->size)
                return err_set(err, ERR_INVALID, NULL, "%s.%s: value too long", section, key);
            snprintf(field, k->size, "%s", value);
            return 0;
        case KEY_STORAGE_URL:
            if (*value && (strncmp(value, "s3://", 5) != 0 || !value[5] || value[5] == '/'))
                return err_set(err, ERR_INVALID, NULL,
                               "%s.%s: expected s3://bucket or s3://bucket/prefix", section, key);
            if (strlen(value) >= k->size)
                return err_set(err, ERR_INVALID, NULL, "%s.%s: value too long", section, key);
            snprintf(field, k->size, "%s", value);
            return 0;
        case KEY_S3_DOWNLOAD:
            if (strcmp(value, "proxy") != 0 && strcmp(value, "redirect") != 0)
                return err_set(err, ERR_INVALID, NULL, "%s.%s: expected proxy or redirect",
                               section, key);
            snprintf(field, k->size, "%s", value);
            return 0;
        case KEY_LOG_LEVEL:
            if (log_level_parse(value) < 0)
                return err_set(err, ERR_INVALID, NULL,
                               "%s.%s: expected debug, info, warn or error", section, key);
            snprintf(field, k->size, "%s", value);
            return 0;
        case KEY_INT:
        case KEY_SIZE:
            if (parse_number(value, &n) < 0 || n < k->min || n > k->max)
                return err_set(err, ERR_INVALID, NULL, "%s.%s: expected a number from %lld to %lld",
                               section, key, k->min, k->max);
            if (k->type == KEY_INT)
                *(int *)field = (int)n;
            else /* every size is a long long */
                *(long long *)field = n;
            return 0;
        }
    }
    return err_set(err, ERR_INVALID, NULL, "unknown configuration key %s.%s", section, key);
}

struct ini_ctx {
    struct config *c;
    struct error *err;
    int failed;
};

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *ctx = user;
    if (ctx->failed)
        return 0;
    if (config_set(ctx->c, section, name, value, ctx->err) < 0) {
        ctx->failed = 1;
        return 0;
    }
    return 1;
}

int config_load_file(struct config *c, const char *path, int optional, struct error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (optional)
            return 1;
        return err_set(err, ERR_INVALID, NULL, "cannot open config file %s: %s", path,
                       strerror(errno));
    }
    struct ini_ctx ctx = {c, err, 0};
    int line = ini_parse_file(f, on_ini_entry, &ctx);
    fclose(f);
    if (ctx.failed) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        return err_set(err, ERR_INVALID, NULL, "%s line %d: %s", path, line, msg);
    }
    if (line != 0)
        return err_set(err, ERR_INVALID, NULL, "%s line %d: syntax error", path, line);
    return 0;
}

int config_load_env(struct config *c, struct error *err)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char name[128];
        int n = snprintf(name, sizeof(name), "FALCONET_%s_%s", keys[i].section, keys[i].key);
        for (int j = 0; j < n; j++)
            name[j] = (char)toupper((unsigned char)name[j]);
        const char *v = getenv(name);
        if (v && config_set(c, keys[i].section, keys[i].key, v, err) < 0) {
            char msg[sizeof(err->message)];
            snprintf(msg, sizeof(msg), "%s", err->message);
            return err_set(err, ERR_INVALID, NULL, "environment %s: %s", name, msg);
        }
    }
    return 0;
}

const char *config_database(const struct config *c)
{
    return c->database_url[0] ? c->database_url : c->database_path;
}

void config_finish(struct config *c)
{
    if (!c->database_path[0])
        snprintf(c->database_path, sizeof(c->database_path), "%.480s/falconet.db", c->data_dir);
    if (!c->artifact_dir[0])
        snprintf(c->artifact_dir, sizeof(c->artifact_dir), "%.480s/artifacts", c->data_dir);
}
