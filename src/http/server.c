#include "http/internal.h"

#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_listen(const char *address, struct sockaddr_storage *ss, socklen_t *len, int port)
{
    char host[128];
    const char *colon = strrchr(address, ':');
    if (!colon || (size_t)(colon - address) >= sizeof(host))
        return -1;
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p < 0 || p > 65535)
        return -1;
    if (port >= 0)
        p = port;
    memset(ss, 0, sizeof(*ss));
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return -1;
        host[n - 1] = '\0';
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return -1;
        *len = sizeof(*a6);
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)p);
    if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &a4->sin_addr) != 1)
        return -1;
    *len = sizeof(*a4);
    return 0;
}

/* Every worker binds its own socket to the same port (SO_REUSEPORT), so the kernel
 * spreads new connections across workers without a shared accept lock. */
static int open_listener(const char *address, int port, struct error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (parse_listen(address, &ss, &len, port) < 0)
        return err_set(err, ERR_INVALID, NULL, "invalid listen address '%s' (want ADDR:PORT)",
                       address);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(err, ERR_INTERNAL, NULL, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0) {
        int e = errno;
        close(fd);
        return err_set(err, ERR_INTERNAL, NULL, "cannot listen on %s: %s", address, strerror(e));
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static unsigned connection_count(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info ? info->num_connections : 0;
}

/* The worker loop. MHD_run() drains ready connections with a zero timeout, so the
 * epoll_wait() re-entry bug of MHD's own epoll thread cannot put us to sleep with
 * requests pending. */
static int grace_ms_for_stop = 30000;

static void run_loop(struct http_worker *w, int epfd)
{
    bool quiesced = false;
    int64_t deadline_left = 0;
    for (;;) {
        if (atomic_load(&w->srv->stopping)) {
            if (!quiesced) {
                MHD_socket s = MHD_quiesce_daemon(w->daemon);
                if (s != MHD_INVALID_SOCKET)
                    close(s);
                quiesced = true;
                deadline_left = grace_ms_for_stop;
            }
            if (atomic_load(&w->in_flight) == 0 || connection_count(w->daemon) == 0 ||
                deadline_left <= 0)
                return;
        }
        MHD_UNSIGNED_LONG_LONG mhd_timeout;
        int timeout = -1;
        if (MHD_get_timeout(w->daemon, &mhd_timeout) == MHD_YES)
            timeout = mhd_timeout > 1000 ? 1000 : (int)mhd_timeout;
        if (quiesced)
            timeout = timeout < 0 || timeout > 50 ? 50 : timeout;
        /* A zero timeout means MHD has connections with work left (an upload's next
         * bytes): its own epoll_wait inside MHD_run sees them, so ours would only be
         * one more system call per few KiB of a request body. */
        struct epoll_event ev[4];
        int n = timeout == 0 && !quiesced ? 0 : epoll_wait(epfd, ev, 4, timeout);
        for (int i = 0; i < n; i++)
            if (ev[i].data.fd == w->wake_fd) {
                uint64_t v;
                if (read(w->wake_fd, &v, sizeof(v)) < 0)
                    continue;
            }
        MHD_run(w->daemon);
        if (quiesced)
            deadline_left -= timeout > 0 ? timeout : 1;
    }
}

static void *worker_main(void *arg)
{
    struct http_worker *w = arg;
    struct http_server *srv = w->srv;
    w->app_state = srv->cfg.worker_init ? srv->cfg.worker_init(w->index, srv->cfg.app) : NULL;
    if (srv->cfg.worker_init && !w->app_state)
        goto failed;
    /* With SIGPIPE blocked in this thread MHD may use sendfile() for file replies;
     * without MHD_OPTION_SIGPIPE_HANDLED_BY_APP it copies them 4 KiB at a time. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    w->daemon = MHD_start_daemon(
        MHD_USE_EPOLL, 0, NULL, NULL, http_access_handler, w, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)w->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, http_request_completed, w,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        srv->cfg.connection_memory ? srv->cfg.connection_memory
                                   : (size_t)HTTP_DEFAULT_CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.timeout_seconds, MHD_OPTION_CONNECTION_LIMIT,
        srv->cfg.max_connections, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
        MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL, MHD_OPTION_END);
    if (!w->daemon)
        goto failed;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = info->epoll_fd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, info->epoll_fd, &ev);
    ev.data.fd = w->wake_fd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, w->wake_fd, &ev);

    pthread_mutex_lock(&srv->lock);
    w->ready = 1;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);

    run_loop(w, epfd);
    MHD_stop_daemon(w->daemon);
    close(epfd);
    if (srv->cfg.worker_fini)
        srv->cfg.worker_fini(w->app_state);
    return NULL;

failed:
    if (srv->cfg.worker_fini && w->app_state)
        srv->cfg.worker_fini(w->app_state);
    pthread_mutex_lock(&srv->lock);
    w->ready = -1;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

struct http_server *http_server_start(const struct http_server_config *cfg, struct error *err)
{
    struct http_server *srv = calloc(1, sizeof(*srv));
    srv->cfg = *cfg;
    srv->workers = calloc((size_t)cfg->workers, sizeof(*srv->workers));
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->cond, NULL);
    int port = -1;
    int started = 0;
    for (int i = 0; i < cfg->workers; i++) {
        struct http_worker *w = &srv->workers[i];
        w->srv = srv;
        w->index = i;
        w->listen_fd = open_listener(cfg->listen, port, err);
        if (w->listen_fd < 0)
            goto fail;
        if (port < 0)
            port = bound_port(w->listen_fd);
        w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            close(w->listen_fd);
            err_set(err, ERR_INTERNAL, NULL, "cannot start worker thread");
            goto fail;
        }
        started++;
        pthread_mutex_lock(&srv->lock);
        while (w->ready == 0)
            pthread_cond_wait(&srv->cond, &srv->lock);
        pthread_mutex_unlock(&srv->lock);
        if (w->ready < 0) {
            err_set(err, ERR_INTERNAL, NULL, "worker %d failed to start", i);
            goto fail;
        }
    }
    srv->port = port;
    return srv;
fail:
    atomic_store(&srv->stopping, true);
    for (int i = 0; i < started; i++) {
        uint64_t one = 1;
        if (write(srv->workers[i].wake_fd, &one, sizeof(one)) < 0)
            log_warn("cannot wake worker");
        pthread_join(srv->workers[i].thread, NULL);
    }
    free(srv->workers);
    free(srv);
    return NULL;
}

int http_server_port(const struct http_server *srv)
{
    return srv->port;
}

void http_server_stop(struct http_server *srv, int grace_ms)
{
    grace_ms_for_stop = grace_ms;
    atomic_store(&srv->stopping, true);
    for (int i = 0; i < srv->cfg.workers; i++) {
        uint64_t one = 1;
        if (write(srv->workers[i].wake_fd, &one, sizeof(one)) < 0)
            log_warn("cannot wake worker %d", i);
    }
    for (int i = 0; i < srv->cfg.workers; i++) {
        pthread_join(srv->workers[i].thread, NULL);
        close(srv->workers[i].wake_fd);
    }
    pthread_mutex_destroy(&srv->lock);
    pthread_cond_destroy(&srv->cond);
    free(srv->workers);
    free(srv);
}
