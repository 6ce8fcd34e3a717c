/* A real SQLite store in a temp directory, migrated and seeded with hawkBit's
 * default types, plus helpers that build targets, complete distribution sets and
 * actions through the store and core functions. Shared by the unit tests of the
 * device side (core/controller, core/deployment, core/last_seen,
 * store/controller_store); include after cmocka.h. Every helper is static inline
 * so that a test file may use any subset of them. */
#ifndef FALCONET_TESTS_STORE_FIXTURE_H
#define FALCONET_TESTS_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/deployment.h"
#include "store/action_store.h"
#include "store/db.h"
#include "store/ds_store.h"
#include "store/sm_store.h"
#include "store/target_store.h"

struct fixture {
    char dir[64], path[96];
    struct store *s;
    struct arena a;
};

static inline int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct error e;
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/falconet-ctl-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    f->s = store_open(f->path, true, &e);
    if (!f->s)
        return -1;
    arena_init(&f->a);
    *state = f;
    return 0;
}

static inline int fixture_teardown(void **state)
{
    struct fixture *f = *state;
    char side[128];
    store_close(f->s);
    arena_free(&f->a);
    unlink(f->path);
    snprintf(side, sizeof(side), "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    unlink(side);
    rmdir(f->dir);
    free(f);
    return 0;
}

static inline void fx_exec(struct fixture *f, const char *sql)
{
    assert_int_equal(db_exec(f->s->db, sql, NULL), 0);
}

static inline void fx_config(struct fixture *f, const char *key, const char *value)
{
    struct error e;
    assert_int_equal(store_config_put(f->s, key, value, "tester", &e), 0);
}

static inline int64_t fx_target(struct fixture *f, const char *controller_id)
{
    struct target t = {.controller_id = controller_id,
                       .name = controller_id,
                       .security_token = "token",
                       .request_attributes = true,
                       .update_status = TARGET_STATUS_REGISTERED};
    struct error e;
    assert_int_equal(store_target_create(f->s, &t, "tester", &e), 0);
    return t.id;
}

/* A target created through the Management API that has not polled yet. */
static inline int64_t fx_unknown_target(struct fixture *f, const char *controller_id)
{
    struct target t = {.controller_id = controller_id,
                       .name = controller_id,
                       .security_token = "token",
                       .request_attributes = true};
    struct error e;
    assert_int_equal(store_target_create(f->s, &t, "tester", &e), 0);
    assert_string_equal(t.update_status, TARGET_STATUS_UNKNOWN);
    return t.id;
}

static inline struct target fx_get_target(struct fixture *f, int64_t id)
{
    struct target t;
    struct error e;
    assert_int_equal(store_target_get_by_id(f->s, id, &f->a, &t, &e), 0);
    return t;
}

static inline int64_t fx_module(struct fixture *f, const char *type_key, const char *name)
{
    struct software_module m = {.type_key = type_key, .name = name, .version = "1.0"};
    struct error e;
    assert_int_equal(store_sm_create(f->s, &m, "tester", &e), 0);
    return m.id;
}

/* A complete "os" set holding one new os module; *sm (may be NULL) gets the module. */
static inline int64_t fx_ds_sm(struct fixture *f, const char *name, int64_t *sm)
{
    int64_t mod = fx_module(f, "os", name);
    struct distribution_set ds = {.name = name, .version = "1.0", .type_key = "os"};
    struct error e;
    assert_int_equal(store_ds_create(f->s, &ds, &mod, 1, "tester", &f->a, &e), 0);
    assert_true(ds.complete);
    if (sm)
        *sm = mod;
    return ds.id;
}

static inline int64_t fx_ds(struct fixture *f, const char *name)
{
    return fx_ds_sm(f, name, NULL);
}

/* Assigns through deployment_assign; returns the new action's id (0 when the
 * target already had the set assigned). */
static inline int64_t fx_assign_full(struct fixture *f, const struct assignment *it)
{
    struct assignment_outcome out;
    struct error e = {0};
    assert_int_equal(deployment_assign(f->s, it, 1, "tester", &f->a, &out, &e), 0);
    return out.assigned == 1 ? out.actions[0].action_id : 0;
}

static inline int64_t fx_assign_type(struct fixture *f, const char *controller_id, int64_t ds,
                                     const char *type, int64_t forcetime, int64_t weight)
{
    struct assignment it = {.controller_id = controller_id,
                            .ds_id = ds,
                            .type = type,
                            .forcetime = forcetime,
                            .weight = weight};
    return fx_assign_full(f, &it);
}

static inline int64_t fx_assign(struct fixture *f, const char *controller_id, int64_t ds)
{
    return fx_assign_type(f, controller_id, ds, NULL, -1, -1);
}

/* Creates an action row directly (no rules applied). */
static inline int64_t fx_action(struct fixture *f, int64_t target_id, int64_t ds, const char *type,
                                int64_t forced_time, int64_t weight, const char *status,
                                bool active)
{
    struct action x = {.target_id = target_id,
                       .ds_id = ds,
                       .action_type = type,
                       .forced_time = forced_time,
                       .weight = weight,
                       .status = status,
                       .active = active,
                       .rollout_id = -1,
                       .rollout_group_id = -1};
    struct error e;
    assert_int_equal(store_action_create(f->s, &x, "tester", &e), 0);
    return x.id;
}

static inline struct action fx_get_action(struct fixture *f, int64_t target_id, int64_t id)
{
    struct action x;
    struct error e;
    assert_int_equal(store_action_get(f->s, target_id, id, &f->a, &x, &e), 0);
    return x;
}

/* The action's history, newest first. */
static inline struct action_status *fx_history(struct fixture *f, int64_t action_id, size_t *n)
{
    struct list_query q = {0, 5000, NULL, NULL, 0};
    struct action_status *items;
    int64_t total;
    struct error e;
    assert_int_equal(store_action_status_list(f->s, action_id, &q, &f->a, &items, n, &total, &e),
                     0);
    assert_int_equal(total, (int64_t)*n);
    return items;
}

static inline size_t fx_history_count(struct fixture *f, int64_t action_id)
{
    size_t n;
    fx_history(f, action_id, &n);
    return n;
}

/* The newest history entry (the action must have one). */
static inline struct action_status fx_latest(struct fixture *f, int64_t action_id)
{
    size_t n;
    struct action_status *items = fx_history(f, action_id, &n);
    assert_true(n > 0);
    return items[0];
}

#endif
