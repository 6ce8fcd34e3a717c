/* Server configuration: built-in defaults, then the config file, then environment
 * variables FALCONET_<SECTION>_<KEY>, then command-line flags. */
#ifndef FALCONET_CONFIG_CONFIG_H
#define FALCONET_CONFIG_CONFIG_H

#include "util/error.h"

#include <stddef.h>

struct config {
    char listen[128];         /* server.listen */
    char data_dir[512];       /* server.data_dir */
    int workers;              /* server.workers, 0 = one per core */
    long long max_body;       /* server.max_body_bytes: JSON request bodies */
    int timeout_seconds;      /* server.timeout_seconds: idle connections */
    int max_connections;      /* server.max_connections, per worker */
    long long connection_memory; /* server.connection_memory_bytes, per connection */
    char tenant[64];          /* server.tenant: the DDI tenant name */
    char database_path[512];  /* database.path, "" = <data_dir>/falconet.db */
    /* database.url: a postgres:// or postgresql:// URL selects PostgreSQL instead of
     * the SQLite file */
    char database_url[1024];
    /* database.connect_retry_seconds: how long start-up keeps trying to reach
     * PostgreSQL (0 = once) */
    int database_connect_retry_seconds;
    char artifact_dir[512];   /* storage.path, "" = <data_dir>/artifacts */
    long long max_artifact_size; /* storage.max_artifact_bytes */
    /* storage.url: s3://bucket[/prefix] keeps artifacts in S3 instead of storage.path */
    char storage_url[512];
    char s3_endpoint[256];    /* storage.s3_endpoint, "" = AWS */
    char s3_region[64];       /* storage.s3_region */
    char s3_access_key[128];  /* storage.s3_access_key */
    char s3_secret_key[256];  /* storage.s3_secret_key: never logged */
    int s3_path_style;        /* storage.s3_path_style: 0 or 1, -1 = 1 with an endpoint */
    char s3_download[16];     /* storage.s3_download: proxy or redirect */
    char admin_password[256]; /* admin.password: used once, when no user exists */
    char log_level[16];       /* log.level */
    int ddi_flush_interval_ms; /* ddi.flush_interval_ms: last-seen buffer flush period */
    int scheduler_interval_ms; /* scheduler.interval_ms: rollouts and auto-assignment */
    int ddi_device_cache_entries; /* ddi.device_cache_entries: 0 turns the cache off */
    /* rollout.dynamic_check_interval_ms: how often a running dynamic rollout looks
     * for new matching targets */
    int rollout_dynamic_check_ms;
};

void config_defaults(struct config *c);
/** Loads an INI file. Missing file: returns 1 if optional, error otherwise. Unknown
 * keys and bad values are errors naming the key. */
int config_load_file(struct config *c, const char *path, int optional, struct error *err);
/** Applies FALCONET_<SECTION>_<KEY> variables. */
int config_load_env(struct config *c, struct error *err);
/** Sets one key ("section.key") from text, validating it. */
int config_set(struct config *c, const char *section, const char *key, const char *value,
               struct error *err);
/** Fills derived paths (database, artifacts) from data_dir. */
void config_finish(struct config *c);
/** What store_open() connects to: database.url when set, else database.path. */
const char *config_database(const struct config *c);

#endif
