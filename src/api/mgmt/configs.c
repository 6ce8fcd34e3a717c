/* /rest/v1/system/configs: the tenant configuration (0.x answers: 200 with bodies). */
#include "api/mgmt/common.h"

#include "core/tenant_config.h"
#include "store/ds_store.h"
#include "store/ds_type_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_typed_value(struct jw *w, const struct config_key *key, const char *value)
{
    switch (key->type) {
    case CONFIG_BOOL:
        jw_bool(w, strcmp(value, "true") == 0);
        break;
    case CONFIG_INT:
        jw_int(w, strtoll(value, NULL, 10));
        break;
    default:
        jw_str(w, value);
        break;
    }
}

static void write_value(struct jw *w, struct request *req, const struct config_key *key,
                        const struct config_value *v)
{
    jw_obj_begin(w);
    jw_key(w, "value");
    write_typed_value(w, key, v->value);
    jw_kv_bool(w, "global", v->global);
    if (!v->global) {
        jw_kv_int(w, "lastModifiedAt", v->audit.last_modified_at);
        jw_kv_str(w, "lastModifiedBy", v->audit.last_modified_by);
        jw_kv_int(w, "createdAt", v->audit.created_at);
        jw_kv_str(w, "createdBy", v->audit.created_by);
    }
    jw_key(w, "_links");
    jw_obj_begin(w);
    api_write_link(w, req, "self", MGMT "/system/configs/%s", key->name);
    jw_obj_end(w);
    jw_obj_end(w);
}

static const struct config_key *find_key(struct request *req, const char *name)
{
    const struct config_key *key = tenant_config_key(name);
    if (!key)
        api_fail(req, ERR_INVALID, "configKeyInvalid",
                 "The given configuration key %.128s does not exist.", name);
    return key;
}

/* Writes the members "<name>": value, ... of the given keys (all when names is
 * NULL) into an open object; false after replying with an error. */
static bool write_values(struct request *req, struct jw *w, const char *const *names, size_t n)
{
    size_t count;
    const struct config_key *keys = tenant_config_keys(&count);
    for (size_t i = 0; i < (names ? n : count); i++) {
        const struct config_key *key = names ? tenant_config_key(names[i]) : &keys[i];
        struct config_value v;
        struct error e;
        if (tenant_config_get(req_store(req), key, &req->arena, &v, &e) < 0) {
            jw_free(w);
            mgmt_fail(req, &e);
            return false;
        }
        jw_key(w, key->name);
        write_value(w, req, key, &v);
    }
    return true;
}

/* hawkBit lists the tenant's default DS type (by id) among the configs; it is
 * read-only here, used when a set is created without a type. */
static void write_default_ds_type(struct jw *w, struct request *req)
{
    struct ds_type t;
    if (store_ds_type_get_by_key(req_store(req), DS_DEFAULT_TYPE_KEY, &req->arena, &t, NULL) < 0)
        return;
    jw_key(w, "default.ds.type");
    jw_obj_begin(w);
    jw_kv_int(w, "value", t.id);
    jw_kv_bool(w, "global", true);
    jw_obj_end(w);
}

static void get_all(struct request *req)
{
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    if (!write_values(req, &w, NULL, 0))
        return;
    write_default_ds_type(&w, req);
    jw_obj_end(&w);
    mgmt_reply(req, 200, &w);
}

static void reply_one(struct request *req, const struct config_key *key)
{
    struct config_value v;
    struct error e;
    if (tenant_config_get(req_store(req), key, &req->arena, &v, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    struct jw w;
    jw_init(&w);
    write_value(&w, req, key, &v);
    mgmt_reply(req, 200, &w);
}

static void get_one(struct request *req)
{
    const struct config_key *key = find_key(req, req->params[0]);
    if (key)
        reply_one(req, key);
}

static bool has_control_chars(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            return true;
    return false;
}

/* Converts a JSON value to the key's canonical text; NULL after replying 400. */
static const char *canonical_value(struct request *req, const struct config_key *key,
                                   struct json_value *v)
{
    enum json_kind kind = v ? json_kind(v) : JSON_NULL;
    const char *text = NULL;
    if (key->type == CONFIG_BOOL && kind == JSON_BOOL)
        text = json_as_bool(v) ? "true" : "false";
    else if (key->type == CONFIG_BOOL && kind == JSON_STRING &&
             (strcmp(json_as_string(v), "true") == 0 || strcmp(json_as_string(v), "false") == 0))
        text = json_as_string(v);
    else if (key->type == CONFIG_INT && json_is_int(v))
        text = arena_sprintf(&req->arena, "%lld", (long long)json_as_int(v));
    else if ((key->type == CONFIG_STRING || key->type == CONFIG_DURATION) && kind == JSON_STRING)
        text = json_as_string(v);
    struct error e;
    if (!text) {
        api_fail(req, ERR_INVALID, "configValueInvalid",
                 "The given configuration value is invalid for key %s: wrong type", key->name);
        return NULL;
    }
    if (has_control_chars(text)) {
        api_fail(req, ERR_INVALID, "configValueInvalid",
                 "The given configuration value is invalid for key %s: control characters",
                 key->name);
        return NULL;
    }
    if (tenant_config_validate(key, text, &e) < 0) {
        mgmt_fail(req, &e);
        return NULL;
    }
    return arena_strdup(&req->arena, text);
}

static void put_one(struct request *req)
{
    const struct config_key *key = find_key(req, req->params[0]);
    struct json_value *doc;
    if (!key || !api_parse_body(req, &doc))
        return;
    const char *value = NULL;
    if (json_kind(doc) != JSON_OBJECT)
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Expected {\"value\": ...}");
    else
        value = canonical_value(req, key, json_get(doc, "value"));
    json_doc_free(doc);
    struct error e;
    if (!value)
        return;
    if (store_config_put(req_store(req), key->name, value, req->user, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    tenant_settings_changed(req_store(req));
    reply_one(req, key);
}

struct batch {
    struct request *req;
    const char **names, **values;
    size_t n;
};

static int collect_batch_entry(const char *name, struct json_value *v, void *ctx)
{
    struct batch *b = ctx;
    const struct config_key *key = find_key(b->req, name);
    if (!key)
        return -1;
    const char *value = canonical_value(b->req, key, v);
    if (!value)
        return -1;
    b->names[b->n] = key->name;
    b->values[b->n] = value;
    b->n++;
    return 0;
}

/* PUT /system/configs {"key": value, ...}: all or nothing. */
static void put_batch(struct request *req)
{
    struct json_value *doc;
    if (!api_parse_body(req, &doc))
        return;
    size_t count;
    tenant_config_keys(&count);
    struct batch b = {req, arena_alloc(&req->arena, sizeof(char *) * count * 2),
                      arena_alloc(&req->arena, sizeof(char *) * count * 2), 0};
    int rc = -1;
    if (json_kind(doc) != JSON_OBJECT)
        api_fail(req, ERR_INVALID, "rest.body.notReadable", "Expected a JSON object");
    else
        rc = json_object_each(doc, collect_batch_entry, &b);
    json_doc_free(doc);
    if (rc < 0)
        return;
    struct store *s = req_store(req);
    struct error e;
    if (store_begin(s, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    for (size_t i = 0; i < b.n; i++)
        if (store_config_put(s, b.names[i], b.values[i], req->user, &e) < 0) {
            store_rollback(s);
            mgmt_fail(req, &e);
            return;
        }
    if (store_commit(s, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    tenant_settings_changed(s);
    struct jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    if (write_values(req, &w, b.names, b.n)) {
        jw_obj_end(&w);
        mgmt_reply(req, 200, &w);
    }
}

static void delete_one(struct request *req)
{
    const struct config_key *key = find_key(req, req->params[0]);
    struct error e;
    if (!key)
        return;
    if (store_config_delete(req_store(req), key->name, &e) < 0) {
        mgmt_fail(req, &e);
        return;
    }
    tenant_settings_changed(req_store(req));
    http_reply_empty(req, 200);
}

const struct route mgmt_config_routes[] = {
    {"GET", MGMT "/system/configs", get_all, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"PUT", MGMT "/system/configs", put_batch, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"GET", MGMT "/system/configs/{}", get_one, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {"PUT", MGMT "/system/configs/{}", put_one, NULL, ROUTE_BODY_JSON, NULL, mgmt_authorize},
    {"DELETE", MGMT "/system/configs/{}", delete_one, NULL, ROUTE_BODY_NONE, NULL, mgmt_authorize},
    {0},
};
