/* Matches a method and path against a table of routes. */
#ifndef FALCONET_HTTP_ROUTER_H
#define FALCONET_HTTP_ROUTER_H

#include "http/http.h"

enum route_match { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_WRONG_METHOD };

/** Finds the route for method+path in a NULL-terminated list of tables, each
 * ended by a zeroed entry. On
 * ROUTE_FOUND, *out is the route and params[] the {} segments (copied into a).
 * HEAD matches GET routes. */
enum route_match router_match(const struct route *const *tables, const char *method, const char *path,
                              struct arena *a, const struct route **out,
                              const char *params[HTTP_MAX_PARAMS]);

#endif
