/* Shared between server.c and request.c only. */
#ifndef FALCONET_HTTP_INTERNAL_H
#define FALCONET_HTTP_INTERNAL_H

#include "http/http.h"
#include "http/server.h"

#include <microhttpd.h>
#include <stdatomic.h>

struct http_worker {
    struct http_server *srv;
    int index;
    struct MHD_Daemon *daemon;
    int listen_fd;
    int wake_fd; /* eventfd: wakes the loop for shutdown */
    void *app_state;
    atomic_int in_flight; /* requests between their first callback and completion */
    pthread_t thread;
    int ready; /* 1 started, -1 failed */
};

struct http_server {
    struct http_server_config cfg;
    struct http_worker *workers;
    int port;
    atomic_bool stopping;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

enum MHD_Result http_access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls);
void http_request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe);

#endif
