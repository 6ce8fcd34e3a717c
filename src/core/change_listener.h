/* Keeps this server's in-memory copies of shared data in step with the other servers
 * on the same database: a thread with its own connection listens for the topics the
 * other servers announce (store_announce) and forgets the matching copy, so the next
 * request reads it from the database. Only servers on PostgreSQL need one. */
#ifndef FALCONET_CORE_CHANGE_LISTENER_H
#define FALCONET_CORE_CHANGE_LISTENER_H

#include "util/error.h"

struct change_listener;

/** Opens a connection to `database` (a PostgreSQL URL) and starts listening on it.
 * NULL on failure. While the connection is lost, the thread reconnects every second;
 * announcements made meanwhile are lost, so it then forgets every copy once more, and
 * the copies' own expiry (TENANT_SETTINGS_TTL_MS) bounds their age until it is back. */
struct change_listener *change_listener_start(const char *database, struct error *err);
/** Stops the thread and closes its connection. NULL is ignored. */
void change_listener_stop(struct change_listener *cl);

#endif
