/* The application state handlers work with: shared (config, blob store) and per
 * HTTP worker (its own store connection). */
#ifndef FALCONET_API_APP_H
#define FALCONET_API_APP_H

#include "blob/blob.h"
#include "config/config.h"
#include "core/device_cache.h"
#include "core/set_contents.h"
#include "http/http.h"
#include "store/store.h"

struct app {
    const struct config *config;
    struct blob_store *blobs;
    /* DDI caches, NULL when off (PostgreSQL, or ddi.device_cache_entries = 0) */
    struct device_cache *devices;
    struct set_contents_cache *set_contents;
};

struct app_worker {
    struct app *app;
    struct store *store;
};

static inline struct app_worker *app_worker(struct request *req)
{
    return req->worker;
}

static inline struct store *req_store(struct request *req)
{
    return ((struct app_worker *)req->worker)->store;
}

/** Every route table of the server (Management API and DDI), NULL-terminated. */
extern const struct route *const app_routes[];

#endif
