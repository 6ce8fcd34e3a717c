/* The domain records the store reads and writes (hawkBit's data model).
 *
 * Strings in records returned by the store live in the arena passed to the call.
 * Optional numbers use -1 for "absent" (no id, no timestamp). */
#ifndef FALCONET_STORE_MODEL_H
#define FALCONET_STORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audit {
    int64_t created_at, last_modified_at;
    const char *created_by, *last_modified_by;
};

struct sm_type {
    int64_t id;
    const char *key, *name, *description, *colour;
    int64_t max_assignments, min_artifacts;
    bool deleted;
    struct audit audit;
};

struct ds_type {
    int64_t id;
    const char *key, *name, *description, *colour;
    bool deleted;
    struct audit audit;
};

/* A target type: the distribution set types its targets accept (target_type_store.h). */
struct target_type {
    int64_t id;
    const char *key, *name, *description, *colour;
    struct audit audit;
};

struct software_module {
    int64_t id, type_id;
    const char *type_key, *type_name;
    const char *name, *version, *description, *vendor;
    bool encrypted, locked, deleted;
    struct audit audit;
};

struct artifact {
    int64_t id, sm_id, size;
    const char *filename, *md5, *sha1, *sha256, *blob_key;
    bool deleted;
    struct audit audit;
};

struct distribution_set {
    int64_t id, type_id;
    const char *type_key, *type_name;
    const char *name, *version, *description;
    bool required_migration_step, locked, valid, deleted;
    bool complete; /* computed: every mandatory module type of its type is present */
    struct audit audit;
};

/* Target update status values, as on the wire. */
#define TARGET_STATUS_UNKNOWN "unknown"
#define TARGET_STATUS_REGISTERED "registered"
#define TARGET_STATUS_PENDING "pending"
#define TARGET_STATUS_IN_SYNC "in_sync"
#define TARGET_STATUS_ERROR "error"

struct target {
    int64_t id;
    const char *controller_id, *name, *description, *security_token, *address;
    const char *update_status;
    bool request_attributes, auto_confirm_active;
    int64_t assigned_ds_id, installed_ds_id, installed_at, last_request_at, target_type_id;
    const char *target_type_name; /* joined; NULL without a type */
    struct audit audit;
};

/* Action statuses (lower-case on the Management API). */
#define ACTION_RUNNING "running"
#define ACTION_FINISHED "finished"
#define ACTION_ERROR "error"
#define ACTION_CANCELING "canceling"
#define ACTION_CANCELED "canceled"
#define ACTION_RETRIEVED "retrieved"
#define ACTION_DOWNLOAD "download"
#define ACTION_DOWNLOADED "downloaded"
#define ACTION_SCHEDULED "scheduled"
#define ACTION_WARNING "warning"
#define ACTION_WAIT_FOR_CONFIRMATION "wait_for_confirmation"
#define ACTION_CANCEL_REJECTED "cancel_rejected"

/* The code of a status entry without one (device codes may be negative). */
#define ACTION_STATUS_NO_CODE INT64_MIN

struct action {
    int64_t id, target_id, ds_id;
    const char *controller_id; /* joined from the target */
    const char *action_type;   /* forced, soft, timeforced, downloadonly */
    const char *status;
    bool active;
    int64_t forced_time, weight, rollout_id, rollout_group_id;
    int64_t last_status_code; /* ACTION_STATUS_NO_CODE when none */
    const char *maintenance_schedule, *maintenance_duration, *maintenance_timezone;
    const char *external_ref;
    struct audit audit;
};

struct action_status {
    int64_t id, action_id;
    const char *status;
    int64_t code;              /* ACTION_STATUS_NO_CODE when absent */
    const char *messages_json; /* JSON array of strings */
    int64_t occurred_at, reported_at;
};

/* A saved target query, optionally auto-assigning a distribution set. */
struct target_filter {
    int64_t id;
    const char *name, *query;
    int64_t auto_ds_id; /* -1 = no auto-assignment */
    const char *auto_action_type;
    int64_t auto_weight; /* -1 = default */
    bool auto_confirmation_required;
    struct audit audit;
};

/* A rollout group's success or error rule: condition THRESHOLD with a percentage
 * expression, and the action taken (NEXTGROUP / PAUSE) with its expression. */
struct rollout_rule {
    const char *condition, *expression, *action, *action_expression;
};

struct rollout_group {
    int64_t id, rollout_id, position;
    const char *name, *description, *target_filter_query;
    double target_percentage;
    const char *status; /* creating, ready, scheduled, running, finished, error */
    struct rollout_rule success, error;
    bool success_done, confirmation_required;
    /* A group a dynamic rollout appended (or will fill while running); its
     * target_percentage holds the template's targetCount. */
    bool dynamic;
    int64_t total_targets;
    struct audit audit;
};

struct rollout {
    int64_t id;
    const char *name, *description, *target_filter_query;
    int64_t ds_id;
    const char *status; /* ready, starting, running, paused, finished, deleted */
    const char *action_type;
    int64_t forced_time, weight, start_at; /* -1 = absent */
    bool confirmation_required, deleted;
    int64_t total_targets, total_groups;
    /* Dynamic rollouts keep appending groups of dynamic_target_count targets named
     * "group-<n><dynamic_suffix>" for targets that match later (hawkBit d.5). */
    bool dynamic;
    const char *dynamic_suffix;
    int64_t dynamic_target_count;
    /* Falconet: a maintenance window given to every action of the rollout (NULL = none). */
    const char *maintenance_schedule, *maintenance_duration, *maintenance_timezone;
    const char *approval_remark, *approval_decided_by; /* NULL until approved/denied */
    struct audit audit;
};

/* Targets of a rollout or group by the state of their action (hawkBit's
 * totalTargetsPerStatus buckets). */
struct rollout_counts {
    int64_t notstarted, scheduled, running, finished, error, cancelled;
};

/** What a collection GET asks for: paging, a sort expression and a filter, unparsed. */
struct list_query {
    int64_t offset, limit;
    const char *sort; /* "field:ASC,field2:DESC" or NULL for the default order */
    const char *q;    /* FIQL filter or NULL */
    /* The value of the ${OVERDUE_TS} macro in q (now minus pollingTime and
     * pollingOverdueTime, epoch ms); 0 when the caller does not know it. */
    int64_t overdue_ts;
};

#endif
