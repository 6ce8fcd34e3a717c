/* The device side's rules (hawkBit's "controller management", reference a.2-a.9
 * and e.1-e.6): what a device's feedback does to its action and target, what
 * reading a deployment records, controller attributes, user confirmation and
 * auto-registration. Nothing here knows HTTP; api/ddi translates requests into
 * these calls. Every function that writes runs one transaction. */
#ifndef FALCONET_CORE_CONTROLLER_H
#define FALCONET_CORE_CONTROLLER_H

#include "store/controller_store.h"

/* hawkBit's quotas on the status history. */
#define CONTROLLER_MAX_STATUS_ENTRIES 1000 /* per action (429 beyond) */
#define CONTROLLER_MAX_MESSAGES 50         /* per entry: longer lists keep the newest */
#define CONTROLLER_MAX_MESSAGE_LEN 512     /* bytes per message: longer ones are cut */
#define CONTROLLER_MAX_ATTRIBUTES 100      /* per target (429 beyond) */
#define CONTROLLER_MAX_ATTRIBUTE_LEN 128   /* key and value */

enum feedback_execution {
    EXEC_CLOSED,
    EXEC_PROCEEDING,
    EXEC_CANCELED,
    EXEC_SCHEDULED,
    EXEC_REJECTED,
    EXEC_RESUMED,
    EXEC_DOWNLOADED,
    EXEC_DOWNLOAD,
};

enum feedback_result { RESULT_NONE, RESULT_SUCCESS, RESULT_FAILURE };

/** A device's feedback, as parsed by the API layer. */
struct feedback {
    enum feedback_execution execution;
    enum feedback_result result;
    int64_t code;      /* ACTION_STATUS_NO_CODE when absent */
    int64_t timestamp; /* epoch ms, -1 = now */
    const char *const *details;
    size_t n_details;
};

/** How a device should treat an action at a given moment (reference a.5). */
struct deployment_mode {
    const char *download, *update; /* "skip", "attempt" or "forced" */
    const char *window;            /* "available", "unavailable", NULL without schedule */
    bool forced_reached;           /* a time-forced action whose forcetime has come */
    bool lapsed;                   /* its maintenance schedule has no window left */
    int64_t next_window_ms;        /* start of the next window after now, -1 = none */
    int32_t c;                     /* the opaque ?c= of the action links */
};
/** Computes the mode of x at now_ms: type forced / soft / timeforced (forced from
 * forcetime on) / downloadonly (update skip); a closed maintenance window also
 * skips the update. c changes whenever that decision changes, so a poll's body
 * (and its ETag) changes with it. */
void controller_deployment_mode(const struct action *x, int64_t now_ms,
                                struct deployment_mode *out);

/** An action whose maintenance schedule has no window left is canceled (the
 * device must acknowledge, like any cancelation); hawkBit does this when the
 * device next polls. */
int controller_cancel_lapsed(struct store *s, const struct action *x, struct error *err);

#define CONTROLLER_ID_MAX_LEN 256
/** controllerIds end up in URLs, file names and logs: 1 to 256 printable ASCII
 * characters without blanks, '/', '?', '#', '%' or '\\'. */
bool controller_id_valid(const char *id);

/** Parses hawkBit's lower-case execution / result names; -1 when unknown. */
int controller_parse_execution(const char *name);
int controller_parse_result(const char *name);

/** Deployment feedback (reference a.6): ERR_NOT_FOUND for another target's or an
 * unknown action and for one waiting for confirmation, ERR_GONE when the action is
 * closed, ERR_QUOTA when its history is full. */
int controller_feedback(struct store *s, int64_t target_id, int64_t action_id,
                        const struct feedback *fb, struct error *err);
/** Cancel feedback: ERR_NOT_ALLOWED (405) unless the action is being canceled. */
int controller_cancel_feedback(struct store *s, int64_t target_id, int64_t action_id,
                               const struct feedback *fb, struct error *err);

/** The device read its deployment (or, with cancel = true, its cancel order):
 * records a RETRIEVED entry unless the latest one already is; a deployment read
 * also moves the action's status to retrieved. */
int controller_retrieved(struct store *s, const struct action *x, bool cancel, struct error *err);
/** A full artifact download: a DOWNLOAD entry naming what was fetched. */
int controller_downloaded(struct store *s, int64_t action_id, const char *what, struct error *err);

/** Creates a target for an unknown controller on its first authorised poll
 * (plug and play): name = controllerId, status registered, a random token,
 * attributes requested. A concurrent registration of the same id is not an error. */
int controller_register(struct store *s, const char *controller_id, const char *address,
                        struct error *err);

/** PUT installedBase: the device reports a set installed without an action
 * (hawkBit's offline assignment): a closed, finished action is recorded and the
 * set becomes installed (and assigned unless other actions are open). *created is
 * false when the set was already installed (nothing changes). */
int controller_installed_offline(struct store *s, int64_t target_id, int64_t ds_id, bool *created,
                                 struct error *err);

/** PUT configData: validates keys and values (reference a.4), applies them in
 * `mode`, enforces the per-target limit (ERR_QUOTA) and stops requesting
 * attributes. */
int controller_config_data(struct store *s, int64_t target_id, enum attributes_mode mode,
                           const struct attribute *items, size_t n, struct error *err);

/** Confirmation feedback: confirmed -> the action runs, denied -> it keeps
 * waiting. ERR_NOT_FOUND unless the action waits for confirmation, ERR_GONE when
 * it is closed. */
int controller_confirm(struct store *s, int64_t target_id, int64_t action_id, bool confirmed,
                       int64_t code, const char *const *details, size_t n_details,
                       struct error *err);
/** Turns auto-confirmation on (confirming every waiting action; ERR_CONFLICT when
 * already on) or off. */
int controller_auto_confirm(struct store *s, int64_t target_id, bool on, const char *initiator,
                            const char *remark, struct error *err);

#endif
