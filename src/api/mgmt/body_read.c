#include "api/mgmt/body_read.h"

#include <string.h>

#define NOT_READABLE "rest.body.notReadable"

bool mgmt_body_array(struct request *req, const struct json_value *doc, const char *what, size_t *n)
{
    if (json_kind(doc) != JSON_ARRAY || (*n = json_array_len(doc)) == 0) {
        api_fail(req, ERR_INVALID, NOT_READABLE, "Expected a non-empty JSON array of %s", what);
        return false;
    }
    return true;
}

bool mgmt_body_object(struct request *req, const struct json_value *v, const char *what)
{
    if (json_kind(v) != JSON_OBJECT) {
        api_fail(req, ERR_INVALID, NOT_READABLE, "Each %s must be a JSON object", what);
        return false;
    }
    return true;
}

bool mgmt_body_text(struct request *req, const struct json_value *obj, const char *field,
                    size_t max, bool required, const char **out)
{
    struct error e;
    const char *v = NULL;
    if (json_member_string(obj, field, &v, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (required && (!v || !*v)) {
        api_fail(req, ERR_INVALID, NOT_READABLE, "Field '%s' is required", field);
        return false;
    }
    if (v && strlen(v) > max) {
        api_fail(req, ERR_INVALID, NOT_READABLE, "Field '%s' is longer than %zu", field, max);
        return false;
    }
    if (v)
        *out = arena_strdup(&req->arena, v);
    return true;
}

bool mgmt_body_bool(struct request *req, const struct json_value *obj, const char *field, bool *out)
{
    struct error e;
    if (json_member_bool(obj, field, out, &e) < 0) {
        api_reply_error(req, &e);
        return false;
    }
    return true;
}

bool mgmt_body_id(struct request *req, const struct json_value *obj, int64_t *id)
{
    struct error e;
    int rc = json_member_int(obj, "id", id, &e);
    if (rc < 0) {
        api_reply_error(req, &e);
        return false;
    }
    if (rc == 0) {
        api_fail(req, ERR_INVALID, NOT_READABLE, "Field 'id' is required");
        return false;
    }
    return true;
}

bool mgmt_body_id_list(struct request *req, const struct json_value *arr, const char *what,
                       bool allow_empty, int64_t **ids, size_t *n)
{
    *n = 0;
    *ids = NULL;
    if (!arr || json_kind(arr) == JSON_NULL ||
        (json_kind(arr) == JSON_ARRAY && json_array_len(arr) == 0 && allow_empty))
        return true;
    if (json_kind(arr) != JSON_ARRAY || json_array_len(arr) == 0) {
        api_fail(req, ERR_INVALID, NOT_READABLE, "'%s' must be a non-empty array of {\"id\": n}",
                 what);
        return false;
    }
    size_t len = json_array_len(arr);
    *ids = arena_alloc(&req->arena, sizeof(**ids) * len);
    for (size_t i = 0; i < len; i++) {
        const struct json_value *item = json_array_at(arr, i);
        if (json_kind(item) != JSON_OBJECT) {
            api_fail(req, ERR_INVALID, NOT_READABLE,
                     "Each element of '%s' must be an object {\"id\": n}", what);
            return false;
        }
        if (!mgmt_body_id(req, item, &(*ids)[i]))
            return false;
    }
    *n = len;
    return true;
}

int mgmt_read_maintenance_window(const struct json_value *obj, struct arena *a,
                                 const char **schedule, const char **duration,
                                 const char **timezone, struct error *err)
{
    const struct json_value *window = json_get(obj, "maintenanceWindow");
    const char *sc = NULL, *du = NULL, *tz = NULL;
    *schedule = *duration = *timezone = NULL;
    if (!window || json_kind(window) == JSON_NULL)
        return 0;
    if (json_kind(window) != JSON_OBJECT)
        return err_set(err, ERR_INVALID, NOT_READABLE, "maintenanceWindow must be an object");
    int rc;
    if ((rc = json_member_string(window, "schedule", &sc, err)) < 0 ||
        (rc = json_member_string(window, "duration", &du, err)) < 0 ||
        (rc = json_member_string(window, "timezone", &tz, err)) < 0)
        return rc;
    if (sc && du && tz && !*sc && !*du && !*tz)
        return 0;
    *schedule = arena_strdup(a, sc);
    *duration = arena_strdup(a, du);
    *timezone = arena_strdup(a, tz);
    return 0;
}
