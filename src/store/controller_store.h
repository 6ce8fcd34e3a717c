/* What the device side (DDI) reads and writes: the one-row view a poll needs,
 * batched last-seen updates, controller attributes, auto-confirmation, the
 * action history a device may see and the artifact access check. */
#ifndef FALCONET_STORE_CONTROLLER_STORE_H
#define FALCONET_STORE_CONTROLLER_STORE_H

#include "store/store.h"
#include "store/target_store.h"

/** Everything a DDI request needs to know about its target, read in one indexed
 * query: the target, and the single active action a poll exposes (highest weight,
 * then lowest id; hawkBit reference e.4). */
struct controller_view {
    int64_t target_id;
    const char *controller_id, *security_token, *update_status;
    bool request_attributes, auto_confirm;
    int64_t assigned_ds_id, installed_ds_id;
    /* The latest finished action of the installed set, -1 when none. */
    int64_t installed_action_id;
    /* The exposed action; id -1 when the target has no active action. */
    struct action action;
};

/** ERR_NOT_FOUND when no target has this controllerId. */
int store_controller_view(struct store *s, const char *controller_id, struct arena *a,
                          struct controller_view *out, struct error *err);

/** One buffered "last seen" record: 64 bytes. The address is "http://<ip>" with the
 * IP in canonical form (inet_ntop: at most 39 characters for IPv6). */
struct last_seen {
    int64_t target_id, at_ms;
    char address[47];   /* a canonical IPv4 or IPv6 address, or "" */
    bool first_contact; /* the target was `unknown` when it polled */
};
/** Writes a batch of last-seen records in one transaction (never moving a time
 * backwards, nor replacing the address of a newer poll: several servers flush their
 * buffers independently). A record marked first_contact turns its target from unknown to
 * registered here (reference e.2), so that even a device's first poll writes
 * nothing itself. */
int store_controller_touch(struct store *s, const struct last_seen *items, size_t n,
                           struct error *err);
int store_controller_request_attributes(struct store *s, int64_t target_id, bool on,
                                        struct error *err);

enum attributes_mode { ATTRIBUTES_MERGE, ATTRIBUTES_REPLACE, ATTRIBUTES_REMOVE };
/** Applies controller attributes (value NULL deletes the key in merge/replace mode;
 * remove deletes the listed keys) and returns the resulting count in *total. Runs
 * inside the caller's transaction. */
int store_controller_attributes(struct store *s, int64_t target_id, enum attributes_mode mode,
                                const struct attribute *items, size_t n, int64_t *total,
                                struct error *err);

/** Sets or clears auto-confirmation of a target (initiator/remark may be NULL). */
int store_controller_auto_confirm(struct store *s, int64_t target_id, bool active,
                                  const char *initiator, const char *remark, struct error *err);
struct auto_confirm {
    bool active;
    const char *initiator, *remark;
    int64_t activated_at;
};
int store_controller_get_auto_confirm(struct store *s, int64_t target_id, struct arena *a,
                                      struct auto_confirm *out, struct error *err);

/** Up to `limit` history messages of an action, newest entry first, skipping the
 * server's own ("Update Server: ..."). */
int store_controller_messages(struct store *s, int64_t action_id, int64_t limit, struct arena *a,
                              const char ***items, size_t *count, struct error *err);
/** The status of the action's latest history entry (NULL when it has none). */
int store_controller_last_status(struct store *s, int64_t action_id, struct arena *a,
                                 const char **status, struct error *err);
/** Number of history entries of an action. */
int store_controller_status_count(struct store *s, int64_t action_id, int64_t *count,
                                  struct error *err);

/** The id of the target's newest active action whose set holds module sm_id and
 * that is not being canceled; with `or_installed`, a module of the installed set
 * also counts (id 0 then). ERR_NOT_FOUND when the target may not see the module. */
int store_controller_module_access(struct store *s, int64_t target_id, int64_t sm_id,
                                   bool or_installed, int64_t *action_id, struct error *err);

#endif
