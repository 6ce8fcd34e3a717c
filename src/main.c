/* falconet: command line, configuration, wiring, and the serve loop. */
#include "api/app.h"
#include "auth/auth.h"
#include "blob/blob.h"
#include "cli/migrate_store.h"
#include "config/config.h"
#include "core/change_listener.h"
#include "core/last_seen.h"
#include "core/scheduler.h"
#include "http/server.h"
#include "store/store.h"
#include "util/log.h"
#include "util/time.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Start-up attempts to reach PostgreSQL: the first wait, doubled up to the last. */
#define CONNECT_RETRY_FIRST_MS 250
#define CONNECT_RETRY_MAX_MS 5000

/* Distribution sets whose device view is kept (a fleet deploys a handful at a time). */
#define SET_CONTENTS_SLOTS 64

static const char usage[] =
    "Usage: falconet <command> [options]\n"
    "\n"
    "A hawkBit-compatible over-the-air update server.\n"
    "\n"
    "Commands:\n"
    "  serve          run the server\n"
    "  migrate-store  copy a stopped SQLite installation into PostgreSQL and/or S3\n"
    "  version        print the version\n"
    "\n"
    "Options of serve:\n"
    "  --config FILE      configuration file (default ./falconet.conf, then\n"
    "                     /etc/falconet/falconet.conf; none is needed)\n"
    "  --listen ADDR:PORT address to listen on (default 0.0.0.0:8080)\n"
    "  --data-dir DIR     directory for the database and artifacts (default ./var)\n"
    "\n"
    "Options of migrate-store (see docs/scale-out.md):\n"
    "  --config FILE        configuration file, as for serve (storage.s3_* settings)\n"
    "  --data-dir DIR       the old data directory (database and artifacts)\n"
    "  --database-path FILE the old SQLite file (default DIR/falconet.db)\n"
    "  --to-database URL    the new, empty database (postgres://...)\n"
    "  --to-storage URL     also copy the artifacts into s3://bucket[/prefix]\n"
    "\n"
    "Every configuration key can also be set as FALCONET_<SECTION>_<KEY>,\n"
    "e.g. FALCONET_SERVER_LISTEN=127.0.0.1:8080. See docs/configuration.md.\n";

struct serve_args {
    const char *config_path, *listen, *data_dir;
    /* migrate-store only */
    const char *database_path, *to_database, *to_storage;
};

static int parse_serve_args(int argc, char **argv, struct serve_args *a)
{
    bool migrate = strcmp(argv[1], "migrate-store") == 0;
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--config") == 0)
            slot = &a->config_path;
        else if (strcmp(argv[i], "--listen") == 0)
            slot = &a->listen;
        else if (strcmp(argv[i], "--data-dir") == 0)
            slot = &a->data_dir;
        else if (migrate && strcmp(argv[i], "--database-path") == 0)
            slot = &a->database_path;
        else if (migrate && strcmp(argv[i], "--to-database") == 0)
            slot = &a->to_database;
        else if (migrate && strcmp(argv[i], "--to-storage") == 0)
            slot = &a->to_storage;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "falconet: unknown or incomplete option '%s'\n\n%s", argv[i], usage);
            return -1;
        }
        *slot = argv[++i];
    }
    return 0;
}

static int load_config(const struct serve_args *a, struct config *c)
{
    struct error err;
    config_defaults(c);
    int rc;
    if (a->config_path) {
        rc = config_load_file(c, a->config_path, 0, &err);
    } else {
        rc = config_load_file(c, "./falconet.conf", 1, &err);
        if (rc == 1)
            rc = config_load_file(c, "/etc/falconet/falconet.conf", 1, &err);
        if (rc == 1)
            rc = 0;
    }
    if (rc == 0)
        rc = config_load_env(c, &err);
    if (rc == 0 && a->listen)
        rc = config_set(c, "server", "listen", a->listen, &err);
    if (rc == 0 && a->data_dir)
        rc = config_set(c, "server", "data_dir", a->data_dir, &err);
    if (rc == 0 && a->database_path)
        rc = config_set(c, "database", "path", a->database_path, &err);
    if (rc == 0 && a->to_storage)
        rc = config_set(c, "storage", "url", a->to_storage, &err);
    if (rc < 0) {
        fprintf(stderr, "falconet: configuration error: %s\n", err.message);
        return -1;
    }
    config_finish(c);
    if (c->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->workers = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
    }
    return 0;
}

/* Creates the first user on an empty database, announcing a generated password once. */
static int ensure_admin(struct store *s, const struct config *c)
{
    if (store_user_count(s) != 0)
        return 0;
    char generated[33];
    const char *password = c->admin_password;
    if (!password[0]) {
        auth_random_hex(generated, 16);
        password = generated;
    }
    char hash[AUTH_HASH_MAX];
    struct error err;
    int rc = auth_password_hash(password, hash) < 0 ? -ERR_INTERNAL
                                                     : store_user_create(s, "admin", hash, &err);
    if (rc == -ERR_EXISTS) /* another instance on the same database was first */
        return 0;
    if (rc < 0) {
        fprintf(stderr, "falconet: cannot create the admin user\n");
        return -1;
    }
    if (password == generated)
        printf("Created user 'admin' with password: %s\n"
               "(shown once; set FALCONET_ADMIN_PASSWORD before the first start to choose it)\n",
               generated);
    else
        printf("Created user 'admin' with the configured password\n");
    fflush(stdout);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Opens, migrates and seeds the database. A PostgreSQL server that cannot be reached
 * yet, as when Falconet and its database start together (systemd, compose), is tried
 * again with exponential backoff for up to database.connect_retry_seconds; every
 * failed attempt logs one line (the address with its password masked). */
static struct store *open_database(const struct config *c, struct error *err)
{
    const char *target = config_database(c);
    bool postgres =
        strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0;
    int64_t give_up = time_mono_ms() + (int64_t)c->database_connect_retry_seconds * 1000;
    int delay_ms = CONNECT_RETRY_FIRST_MS;
    for (int attempt = 1;; attempt++) {
        struct store *s = store_open(target, true, err);
        if (s || !postgres || err->kind != ERR_UNAVAILABLE)
            return s;
        int64_t left = give_up - time_mono_ms();
        if (left <= 0) {
            char why[sizeof(err->message)];
            snprintf(why, sizeof(why), "%s", err->message);
            err_set(err, ERR_UNAVAILABLE, NULL,
                    "%.180s (%d attempt%s; database.connect_retry_seconds = %d)", why, attempt,
                    attempt == 1 ? "" : "s", c->database_connect_retry_seconds);
            return NULL;
        }
        if (delay_ms > left)
            delay_ms = (int)left;
        log_warn("database not reachable (attempt %d), next attempt in %d ms: %s", attempt,
                 delay_ms, err->message);
        sleep_ms(delay_ms);
        delay_ms = delay_ms * 2 > CONNECT_RETRY_MAX_MS ? CONNECT_RETRY_MAX_MS : delay_ms * 2;
    }
}

static int mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0750) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

static void *worker_init(int index, void *app_ptr)
{
    struct app *app = app_ptr;
    struct error err;
    struct app_worker *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->app = app;
    w->store = store_open(config_database(app->config), false, &err);
    if (!w->store) {
        log_error("worker %d cannot open the database: %s", index, err.message);
        free(w);
        return NULL;
    }
    return w;
}

static void worker_fini(void *ptr)
{
    struct app_worker *w = ptr;
    if (!w)
        return;
    store_close(w->store);
    free(w);
}

/* The artifact store: S3 when storage.url names a bucket, else the local directory. */
static struct blob_store *open_blobs(const struct config *c, struct error *err)
{
    if (!c->storage_url[0])
        return blob_open_fs(c->artifact_dir, err);
    struct blob_s3_config s3 = {
        .url = c->storage_url,
        .endpoint = c->s3_endpoint,
        .region = c->s3_region,
        .access_key = c->s3_access_key,
        .secret_key = c->s3_secret_key,
        .path_style = c->s3_path_style,
        .download = strcmp(c->s3_download, "redirect") == 0 ? BLOB_S3_REDIRECT : BLOB_S3_PROXY,
    };
    return blob_open_s3(&s3, err);
}

/* How often polls were answered without the database (for tuning ddi.device_cache_entries). */
static void log_device_cache(struct device_cache *c)
{
    if (!c)
        return;
    uint64_t hits, misses;
    device_cache_stats(c, &hits, &misses);
    log_info("device cache hits=%llu misses=%llu", (unsigned long long)hits,
             (unsigned long long)misses);
}

static int serve(int argc, char **argv)
{
    int64_t started_ms = time_mono_ms();
    /* Blocks of 128 KiB and more (the last-seen buffer, large statements' results)
     * come from mmap and go back to the system when freed. By default glibc raises
     * that threshold after each such free, after which big buffers stay in the heap
     * and the process keeps the high-water mark of a burst for good. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    struct serve_args args;
    struct config cfg;
    if (parse_serve_args(argc, argv, &args) < 0 || load_config(&args, &cfg) < 0)
        return 2;
    log_set_level((enum log_level)log_level_parse(cfg.log_level));
    if (auth_init() < 0 || mkdirs(cfg.data_dir) < 0) {
        fprintf(stderr, "falconet: cannot initialise (data dir %s): %s\n", cfg.data_dir,
                strerror(errno));
        return 1;
    }
    struct error err;
    struct store *main_store = open_database(&cfg, &err);
    if (!main_store) {
        fprintf(stderr, "falconet: %s\n", err.message);
        return 1;
    }
    struct app app = {.config = &cfg};
    if (store_exclusive(main_store) && cfg.ddi_device_cache_entries > 0) {
        app.devices = device_cache_new((size_t)cfg.ddi_device_cache_entries);
        app.set_contents = set_contents_cache_new(SET_CONTENTS_SLOTS);
    }
    if (ensure_admin(main_store, &cfg) < 0 || !(app.blobs = open_blobs(&cfg, &err))) {
        if (!app.blobs)
            fprintf(stderr, "falconet: %s\n", err.message);
        store_close(main_store);
        return 1;
    }

    /* Signals are taken synchronously by this thread only; workers inherit the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct http_server_config hc = {
        .listen = cfg.listen,
        .workers = cfg.workers,
        .max_body = (size_t)cfg.max_body,
        .timeout_seconds = (unsigned)cfg.timeout_seconds,
        .max_connections = (unsigned)cfg.max_connections,
        .connection_memory = (size_t)cfg.connection_memory,
        .routes = app_routes,
        .worker_init = worker_init,
        .worker_fini = worker_fini,
        .app = &app,
    };
    /* Several servers on one database: hear what the others change. */
    struct change_listener *listener = NULL;
    bool shared = !store_exclusive(main_store);
    if (shared)
        listener = change_listener_start(config_database(&cfg), &err);
    struct scheduler *sch =
        !shared || listener
            ? scheduler_start(config_database(&cfg), cfg.scheduler_interval_ms,
                              cfg.ddi_flush_interval_ms, cfg.rollout_dynamic_check_ms, &err)
            : NULL;
    struct http_server *srv = sch ? http_server_start(&hc, &err) : NULL;
    if (!srv) {
        fprintf(stderr, "falconet: %s\n", err.message);
        scheduler_stop(sch);
        change_listener_stop(listener);
        blob_close(app.blobs);
        store_close(main_store);
        return 1;
    }
    log_info("falconet %s listening on %s port=%d workers=%d data_dir=%s started_in_ms=%lld",
             FALCONET_VERSION, cfg.listen, http_server_port(srv), cfg.workers, cfg.data_dir,
             (long long)(time_mono_ms() - started_ms));

    siginfo_t info = {0};
    while (sigwaitinfo(&sigs, &info) < 0)
        ;
    log_info("shutting down signal=%d sender_pid=%ld", info.si_signo, (long)info.si_pid);
    http_server_stop(srv, 30000);
    scheduler_stop(sch); /* after the server: the last polls' times are written too */
    change_listener_stop(listener);
    last_seen_reset();
    log_device_cache(app.devices);
    device_cache_free(app.devices);
    set_contents_cache_free(app.set_contents);
    blob_close(app.blobs);
    store_close(main_store);
    log_info("stopped");
    return 0;
}

/* falconet migrate-store: the stopped SQLite installation named by the configuration
 * (data dir, database.path, storage.path) into --to-database and --to-storage. */
static int migrate_store(int argc, char **argv)
{
    struct serve_args args;
    struct config cfg;
    if (parse_serve_args(argc, argv, &args) < 0 || load_config(&args, &cfg) < 0)
        return 2;
    if (!args.to_database || !args.to_database[0]) {
        fprintf(stderr, "falconet: migrate-store needs --to-database\n\n%s", usage);
        return 2;
    }
    if (args.to_storage && strncmp(args.to_storage, "s3://", 5) != 0) {
        fprintf(stderr, "falconet: --to-storage takes an s3://bucket[/prefix] URL\n");
        return 2;
    }
    log_set_level((enum log_level)log_level_parse(cfg.log_level));
    struct error err;
    struct migrate_store_options o = {
        .source_db = cfg.database_path,
        .source_artifacts = cfg.artifact_dir,
        .target_db = args.to_database,
    };
    if (args.to_storage && !(o.target_blobs = open_blobs(&cfg, &err))) {
        fprintf(stderr, "falconet: %s\n", err.message);
        return 1;
    }
    int rc = migrate_store_run(&o, &err);
    blob_close(o.target_blobs);
    if (rc < 0) {
        fprintf(stderr,
                "falconet: migrate-store failed: %s\n"
                "The target database holds no copied data (the copy was rolled back).\n",
                err.message);
        return 1;
    }
    printf("Done. Start the servers with database.url = the new database%s.\n",
           args.to_storage ? " and storage.url = the new bucket" : "");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("falconet %s\n", FALCONET_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "serve") == 0)
        return serve(argc, argv);
    if (strcmp(argv[1], "migrate-store") == 0)
        return migrate_store(argc, argv);
    fprintf(stderr, "falconet: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
