/* Helpers shared by the files of the device side's rules (controller*.c): writing
 * status history entries under hawkBit's quota, and running a rule on one action
 * inside a transaction. Not for use outside core/controller*.c. */
#ifndef FALCONET_CORE_CONTROLLER_HISTORY_H
#define FALCONET_CORE_CONTROLLER_HISTORY_H

#include "core/controller.h"

/** An entry with the device's details and code (the newest CONTROLLER_MAX_MESSAGES,
 * each cut at CONTROLLER_MAX_MESSAGE_LEN); server_note when the device sent none. */
int controller_add_entry(struct store *s, struct arena *a, int64_t action_id, const char *status,
                         const struct feedback *fb, const char *server_note, struct error *err);
/** An entry with one server message ("Update Server: ..."). */
int controller_add_server_entry(struct store *s, struct arena *a, int64_t action_id,
                                const char *status, const char *message, struct error *err);
/** ERR_QUOTA when the action already has CONTROLLER_MAX_STATUS_ENTRIES entries. */
int controller_check_quota(struct store *s, int64_t action_id, struct error *err);

typedef int (*action_fn)(struct store *s, struct arena *a, const struct action *x, const void *arg,
                         struct error *err);
/** Runs fn on the target's action (ERR_NOT_FOUND for another target's) in one
 * transaction. */
int controller_with_action(struct store *s, int64_t target_id, int64_t action_id, action_fn fn,
                           const void *arg, struct error *err);

#endif
