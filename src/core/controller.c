#include "core/controller.h"
#include "core/controller_history.h"

#include "core/deployment.h"
#include "core/maintenance.h"
#include "store/action_store.h"
#include "util/time.h"

#include <string.h>

static const char *const execution_names[] = {
    [EXEC_CLOSED] = "closed",         [EXEC_PROCEEDING] = "proceeding",
    [EXEC_CANCELED] = "canceled",     [EXEC_SCHEDULED] = "scheduled",
    [EXEC_REJECTED] = "rejected",     [EXEC_RESUMED] = "resumed",
    [EXEC_DOWNLOADED] = "downloaded", [EXEC_DOWNLOAD] = "download",
};

static const char *const result_names[] = {
    [RESULT_NONE] = "none",
    [RESULT_SUCCESS] = "success",
    [RESULT_FAILURE] = "failure",
};

bool controller_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > CONTROLLER_ID_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\')
            return false;
    }
    return true;
}

int controller_parse_execution(const char *name)
{
    for (size_t i = 0; name && i < sizeof(execution_names) / sizeof(execution_names[0]); i++)
        if (strcmp(name, execution_names[i]) == 0)
            return (int)i;
    return -1;
}

int controller_parse_result(const char *name)
{
    for (size_t i = 0; name && i < sizeof(result_names) / sizeof(result_names[0]); i++)
        if (strcmp(name, result_names[i]) == 0)
            return (int)i;
    return -1;
}

/* ---- what the device sees ---- */

void controller_deployment_mode(const struct action *x, int64_t now_ms, struct deployment_mode *out)
{
    memset(out, 0, sizeof(*out));
    const char *type = x->action_type;
    out->forced_reached =
        strcmp(type, "timeforced") == 0 && x->forced_time >= 0 && now_ms >= x->forced_time;
    if (strcmp(type, "forced") == 0 || out->forced_reached) {
        out->download = out->update = "forced";
    } else if (strcmp(type, "downloadonly") == 0) {
        out->download = "forced";
        out->update = "skip";
    } else {
        out->download = out->update = "attempt";
    }
    bool window_open = true;
    out->next_window_ms = -1;
    if (x->maintenance_schedule) {
        struct maintenance_state st;
        /* An unreadable stored window counts as lapsed, like hawkBit. */
        maintenance_state(x->maintenance_schedule, x->maintenance_duration, x->maintenance_timezone,
                          now_ms, &st);
        window_open = st.open;
        out->lapsed = st.lapsed;
        out->next_window_ms = st.next_start_ms;
        out->window = window_open ? "available" : "unavailable";
        if (!window_open)
            out->update = "skip";
    }
    /* Like hawkBit's hash of (action id, forced reached, window open): any 32-bit
     * value that differs when one of them does. */
    uint32_t h = (uint32_t)((uint64_t)x->id * 2654435761u);
    h ^= (out->forced_reached ? 0x5bd1e995u : 0) ^ (window_open ? 0 : 0x27d4eb2du);
    out->c = (int32_t)h;
}

/* ---- history entries ---- */

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

/* The messages of one entry: the device's details (the newest CONTROLLER_MAX_MESSAGES,
 * one fewer when a code message follows, each cut to CONTROLLER_MAX_MESSAGE_LEN), then
 * the server's own notes. SWUpdate sends whole log excerpts as details; keeping the
 * tail keeps the final lines, which say what went wrong. */
static const char *entry_messages(struct arena *a, const struct feedback *fb,
                                  const char *server_note)
{
    size_t room = CONTROLLER_MAX_MESSAGES - (fb->code >= 0 ? 1 : 0);
    size_t first = fb->n_details > room ? fb->n_details - room : 0;
    const char **msgs = arena_alloc(a, sizeof(char *) * (CONTROLLER_MAX_MESSAGES + 2));
    size_t n = 0;
    for (size_t i = first; i < fb->n_details; i++) {
        const char *d = fb->details[i] ? fb->details[i] : "";
        msgs[n++] = arena_strndup(a, d, utf8_cut(d, CONTROLLER_MAX_MESSAGE_LEN));
    }
    if (fb->code != ACTION_STATUS_NO_CODE)
        msgs[n++] = arena_sprintf(a, "Device reported status code: %lld", (long long)fb->code);
    if (n == 0 && server_note)
        msgs[n++] = server_note;
    return deployment_messages_json(a, msgs, n);
}

int controller_add_entry(struct store *s, struct arena *a, int64_t action_id, const char *status,
                         const struct feedback *fb, const char *server_note, struct error *err)
{
    return store_action_status_add(s, action_id, status, fb->code,
                                   entry_messages(a, fb, server_note), fb->timestamp, err);
}

int controller_add_server_entry(struct store *s, struct arena *a, int64_t action_id,
                                const char *status, const char *message, struct error *err)
{
    const char *msgs[] = {message};
    return store_action_status_add(s, action_id, status, ACTION_STATUS_NO_CODE,
                                   deployment_messages_json(a, msgs, 1), -1, err);
}

/* Whether the action, read again inside the transaction, is still open and (for a
 * deployment) not being canceled: the caller's copy may be stale by now. */
static int still_open(struct store *s, struct arena *a, const struct action *x, bool cancel,
                      bool *open, struct error *err)
{
    struct action now;
    int rc = store_action_get(s, x->target_id, x->id, a, &now, err);
    if (rc < 0)
        return rc;
    bool canceling =
        strcmp(now.status, ACTION_CANCELING) == 0 || strcmp(now.status, ACTION_CANCELED) == 0;
    *open = now.active && canceling == cancel;
    return 0;
}

static int cancel_lapsed_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct action *x = ctx;
    bool open;
    int rc = still_open(s, a, x, false, &open, err);
    if (rc < 0 || !open)
        return rc;
    rc = store_action_set_status(s, x->id, ACTION_CANCELING, true, "system", err);
    return rc < 0 ? rc
                  : controller_add_server_entry(
                        s, a, x->id, ACTION_CANCELING,
                        "Update Server: The maintenance window has lapsed; the "
                        "action is canceled.",
                        err);
}

int controller_cancel_lapsed(struct store *s, const struct action *x, struct error *err)
{
    return store_transaction(s, cancel_lapsed_tx, (void *)x, err);
}

/* ---- deployment feedback ---- */

/* The history entry a deployment feedback becomes (reference a.6). */
static const char *deployment_entry_status(const struct feedback *fb)
{
    switch (fb->execution) {
    case EXEC_CLOSED:
        return fb->result == RESULT_FAILURE ? ACTION_ERROR : ACTION_FINISHED;
    case EXEC_DOWNLOADED:
        return ACTION_DOWNLOADED;
    case EXEC_DOWNLOAD:
        return ACTION_DOWNLOAD;
    case EXEC_REJECTED:
        return ACTION_WARNING;
    case EXEC_CANCELED:
        return ACTION_CANCELED;
    case EXEC_PROCEEDING:
    case EXEC_SCHEDULED:
    case EXEC_RESUMED:
        break;
    }
    return ACTION_RUNNING;
}

static int64_t feedback_time(const struct feedback *fb)
{
    return fb->timestamp >= 0 ? fb->timestamp : -1;
}

/* The action installed its set: installed := assigned set of the action; in sync
 * when nothing else is assigned. */
static int on_finished(struct store *s, struct arena *a, const struct action *x,
                       const struct feedback *fb, struct error *err)
{
    struct target t;
    int rc = store_action_set_status(s, x->id, ACTION_FINISHED, false, x->controller_id, err);
    if (rc < 0 || (rc = store_target_get_by_id(s, x->target_id, a, &t, err)) < 0)
        return rc;
    int64_t installed_at = feedback_time(fb);
    if (installed_at < 0)
        installed_at = time_now_ms();
    const char *status =
        t.assigned_ds_id == x->ds_id ? TARGET_STATUS_IN_SYNC : TARGET_STATUS_PENDING;
    if ((rc = store_target_set_state(s, t.id, status, t.assigned_ds_id, x->ds_id, installed_at,
                                     err)) < 0)
        return rc;
    return store_controller_request_attributes(s, t.id, true, err);
}

/* The installation failed: the target is in error and nothing is assigned, unless
 * another action is still open (then the target waits for that one). */
static int on_error(struct store *s, struct arena *a, const struct action *x, struct error *err)
{
    struct target t;
    struct action *open;
    size_t n;
    int rc = store_action_set_status(s, x->id, ACTION_ERROR, false, x->controller_id, err);
    if (rc < 0 || (rc = store_target_get_by_id(s, x->target_id, a, &t, err)) < 0 ||
        (rc = store_action_list_active(s, t.id, a, &open, &n, err)) < 0)
        return rc;
    if (n > 0)
        return store_target_set_state(s, t.id, TARGET_STATUS_PENDING, open[0].ds_id,
                                      t.installed_ds_id, -1, err);
    return store_target_set_state(s, t.id, TARGET_STATUS_ERROR, -1, t.installed_ds_id, -1, err);
}

/* A download-only action ends when the device has the bytes. */
static int on_downloaded(struct store *s, struct arena *a, const struct action *x,
                         struct error *err)
{
    struct target t;
    int rc = store_action_set_status(s, x->id, ACTION_DOWNLOADED, false, x->controller_id, err);
    if (rc < 0 || (rc = store_target_get_by_id(s, x->target_id, a, &t, err)) < 0 ||
        (rc = store_target_set_state(s, t.id, TARGET_STATUS_IN_SYNC, t.assigned_ds_id,
                                     t.installed_ds_id, -1, err)) < 0)
        return rc;
    return store_controller_request_attributes(s, t.id, true, err);
}

int controller_check_quota(struct store *s, int64_t action_id, struct error *err)
{
    int64_t entries;
    int rc = store_controller_status_count(s, action_id, &entries, err);
    if (rc < 0)
        return rc;
    if (entries >= CONTROLLER_MAX_STATUS_ENTRIES)
        return err_set(err, ERR_QUOTA, "quota.tooManyEntries",
                       "Action %lld already has %d status entries", (long long)action_id,
                       CONTROLLER_MAX_STATUS_ENTRIES);
    return 0;
}

static int apply_feedback(struct store *s, struct arena *a, const struct action *x,
                          const struct feedback *fb, struct error *err)
{
    if (strcmp(x->status, ACTION_WAIT_FOR_CONFIRMATION) == 0)
        return err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                       "Action %lld waits for confirmation", (long long)x->id);
    if (!x->active)
        return err_set(err, ERR_GONE, "action.inactive", "Action %lld is closed", (long long)x->id);
    const char *entry = deployment_entry_status(fb);
    /* The quota bounds intermediate entries only: the closing report always fits. */
    bool closing = strcmp(entry, ACTION_FINISHED) == 0 || strcmp(entry, ACTION_ERROR) == 0;
    int rc = closing ? 0 : controller_check_quota(s, x->id, err);
    if (rc < 0 || (rc = controller_add_entry(s, a, x->id, entry, fb,
                                             arena_sprintf(a, "Update Server: Target reported %s",
                                                           execution_names[fb->execution]),
                                             err)) < 0)
        return rc;
    if (strcmp(entry, ACTION_FINISHED) == 0)
        return on_finished(s, a, x, fb, err);
    if (strcmp(entry, ACTION_ERROR) == 0)
        return on_error(s, a, x, err);
    if (strcmp(entry, ACTION_DOWNLOADED) == 0 && strcmp(x->action_type, "downloadonly") == 0)
        return on_downloaded(s, a, x, err);
    return 0;
}

/* Runs fn on the target's action inside one transaction. */

struct action_call {
    int64_t target_id, action_id;
    action_fn fn;
    const void *arg;
};

static int action_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct action_call *call = ctx;
    struct action x;
    int rc = store_action_get(s, call->target_id, call->action_id, a, &x, err);
    return rc < 0 ? rc : call->fn(s, a, &x, call->arg, err);
}

int controller_with_action(struct store *s, int64_t target_id, int64_t action_id, action_fn fn,
                           const void *arg, struct error *err)
{
    struct action_call call = {target_id, action_id, fn, arg};
    return store_transaction(s, action_tx, &call, err);
}

static int feedback_fn(struct store *s, struct arena *a, const struct action *x, const void *arg,
                       struct error *err)
{
    return apply_feedback(s, a, x, arg, err);
}

int controller_feedback(struct store *s, int64_t target_id, int64_t action_id,
                        const struct feedback *fb, struct error *err)
{
    return controller_with_action(s, target_id, action_id, feedback_fn, fb, err);
}

/* ---- cancel feedback ---- */

static int cancel_feedback_fn(struct store *s, struct arena *a, const struct action *x,
                              const void *arg, struct error *err)
{
    const struct feedback *fb = arg;
    bool canceling =
        strcmp(x->status, ACTION_CANCELING) == 0 || strcmp(x->status, ACTION_CANCELED) == 0;
    if (!canceling)
        return err_set(err, ERR_NOT_ALLOWED, "action.notCancelable",
                       "Action %lld is not being canceled", (long long)x->id);
    if (!x->active)
        return 0; /* a repeated acknowledgement of a finished cancelation (client retry) */
    int rc = 0;
    const char *entry = ACTION_RUNNING;
    const char *next = NULL; /* the action's new status, NULL = unchanged */
    bool closes = false;
    if (fb->execution == EXEC_CLOSED && fb->result != RESULT_FAILURE) {
        entry = next = ACTION_CANCELED;
        closes = true;
    } else if (fb->execution == EXEC_CLOSED) {
        entry = ACTION_ERROR;
        next = ACTION_RUNNING;
    } else if (fb->execution == EXEC_REJECTED) {
        entry = ACTION_CANCEL_REJECTED;
        next = ACTION_RUNNING;
    } else if (fb->execution == EXEC_CANCELED) {
        entry = ACTION_WARNING;
    }
    if (!next &&
        (rc = controller_check_quota(s, x->id, err)) < 0) /* only history-only entries count */
        return rc;
    if ((rc = controller_add_entry(s, a, x->id, entry, fb,
                                   "Update Server: Target reported cancelation", err)) < 0 ||
        (next &&
         (rc = store_action_set_status(s, x->id, next, !closes, x->controller_id, err)) < 0))
        return rc;
    return closes ? deployment_settle_target(s, a, x->target_id, err) : 0;
}

int controller_cancel_feedback(struct store *s, int64_t target_id, int64_t action_id,
                               const struct feedback *fb, struct error *err)
{
    return controller_with_action(s, target_id, action_id, cancel_feedback_fn, fb, err);
}

/* ---- reads that leave a trace ---- */

struct retrieved_args {
    const struct action *x;
    bool cancel;
};

static int retrieved_tx(struct store *s, struct arena *a, void *ctx, struct error *err)
{
    const struct retrieved_args *r = ctx;
    const char *last;
    bool open;
    int rc = still_open(s, a, r->x, r->cancel, &open, err);
    if (rc < 0 || !open)
        return rc;
    rc = store_controller_last_status(s, r->x->id, a, &last, err);
    if (rc < 0 || (last && strcmp(last, ACTION_RETRIEVED) == 0))
        return rc;
    const char *msg = r->cancel ? "Update Server: Target retrieved cancel action and should "
                                  "start now the cancelation."
                                : "Update Server: Target retrieved update action and should "
                                  "start now the download.";
    if ((rc = controller_add_server_entry(s, a, r->x->id, ACTION_RETRIEVED, msg, err)) < 0 ||
        r->cancel)
        return rc;
    return store_action_set_status(s, r->x->id, ACTION_RETRIEVED, true, r->x->controller_id, err);
}

int controller_retrieved(struct store *s, const struct action *x, bool cancel, struct error *err)
{
    /* Devices fetch their deployment again and again; once it is recorded as
     * retrieved, a read says so without taking the write lock. */
    struct arena a;
    arena_init(&a);
    const char *last;
    int rc = store_controller_last_status(s, x->id, &a, &last, err);
    bool recorded = rc == 0 && last && strcmp(last, ACTION_RETRIEVED) == 0;
    arena_free(&a);
    if (rc < 0 || recorded)
        return rc;
    struct retrieved_args r = {x, cancel};
    return store_transaction(s, retrieved_tx, &r, err);
}

int controller_downloaded(struct store *s, int64_t action_id, const char *what, struct error *err)
{
    struct arena a;
    arena_init(&a);
    /* Downloads are intermediate history: a full history keeps the closing report's
     * room instead of recording every repeated download. */
    int rc = controller_check_quota(s, action_id, err);
    if (rc == 0)
        rc = controller_add_server_entry(
            s, &a, action_id, ACTION_DOWNLOAD,
            arena_sprintf(&a, "Update Server: Target downloads %s", what), err);
    arena_free(&a);
    return rc == -ERR_QUOTA ? 0 : rc;
}
