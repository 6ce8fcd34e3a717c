/* Local-directory blob backend: <dir>/tmp holds uploads in progress, <dir>/xx/<key>
 * the published blobs, where xx is the first two characters of the random key.
 *
 * Several servers may share the directory (a network file system): an upload file is
 * flock()ed by the process writing it, and start-up removes only the upload files
 * nobody holds, i.e. those a stopped or crashed server left behind. */
#include "blob/blob_backend.h"

#include "auth/auth.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* An upload file younger than this is never swept: its writer may not have locked it
 * yet (open and flock are two calls). */
#define SWEEP_MIN_AGE_S 60

struct fs_store {
    struct blob_store base;
    char dir[PATH_MAX - 128];
};

/* Uploads arrive in pieces of a few KiB (the HTTP connection's buffer). The hasher
 * gathers them into chunks and hands each to write_chunk on a thread of its own, so
 * the receiving thread only copies. The file is written with O_DIRECT where the file
 * system allows it: whole chunks go from the hasher's buffer to the disk without a
 * copy into the page cache (on a 2-core machine that copy was the receiving thread's
 * largest cost), and a 2 GiB upload leaves no 2 GiB of dirty pages for fsync. */
#define DIRECT_ALIGN 4096

struct fs_writer {
    struct blob_writer base;
    struct fs_store *bs;
    int fd;
    bool direct;     /* fd is O_DIRECT: written in whole aligned chunks */
    int write_errno; /* why write_chunk failed */
    char tmp_path[PATH_MAX];
    struct multihash *hash;
    uint64_t size;
};

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0750) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void sweep_tmp(const char *tmp_dir)
{
    DIR *d = opendir(tmp_dir);
    if (!d)
        return;
    struct dirent *e;
    int removed = 0;
    time_t now = time(NULL);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        /* Held: another server is still receiving this upload. */
        bool abandoned = fd >= 0 && fstat(fd, &st) == 0 && now - st.st_mtime >= SWEEP_MIN_AGE_S &&
                         flock(fd, LOCK_EX | LOCK_NB) == 0;
        if (abandoned && unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
        if (fd >= 0)
            close(fd);
    }
    closedir(d);
    if (removed)
        log_info("removed unfinished uploads count=%d", removed);
}

static const struct blob_ops fs_ops;

struct blob_store *blob_open_fs(const char *dir, struct error *err)
{
    struct fs_store *bs = calloc(1, sizeof(*bs));
    if (!bs || strlen(dir) >= sizeof(bs->dir)) {
        free(bs);
        err_set(err, ERR_INVALID, NULL, "artifact directory path too long");
        return NULL;
    }
    snprintf(bs->dir, sizeof(bs->dir), "%s", dir);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s/tmp", bs->dir);
    if (mkdir_p(tmp) < 0) {
        err_set(err, ERR_INTERNAL, NULL, "cannot create %s: %s", tmp, strerror(errno));
        free(bs);
        return NULL;
    }
    sweep_tmp(tmp);
    bs->base.ops = &fs_ops;
    return &bs->base;
}

static void fs_close(struct blob_store *base)
{
    free(base);
}

static bool drop_direct(struct fs_writer *w)
{
    int flags = fcntl(w->fd, F_GETFL);
    w->direct = false;
    return flags >= 0 && fcntl(w->fd, F_SETFL, flags & ~O_DIRECT) == 0;
}

/* The hasher's sink: runs on its sink thread, in stream order. */
static int write_chunk(void *arg, const void *data, size_t len)
{
    struct fs_writer *w = arg;
    /* The stream's last chunk need not be a whole number of blocks. */
    if (w->direct && len % DIRECT_ALIGN != 0 && !drop_direct(w)) {
        w->write_errno = errno;
        return -1;
    }
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        /* A file system may refuse this direct write (alignment, a short write
         * before it): the rest goes through the page cache. */
        if (n < 0 && errno == EINVAL && w->direct && drop_direct(w))
            continue;
        if (n <= 0) {
            w->write_errno = n < 0 ? errno : ENOSPC;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_failed(struct fs_writer *w, struct error *err)
{
    return err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "cannot write upload: %s",
                   strerror(w->write_errno));
}

static struct blob_writer *fs_put_begin(struct blob_store *base, struct error *err)
{
    struct fs_store *bs = (struct fs_store *)base;
    struct fs_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        err_set(err, ERR_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    w->base.bs = base;
    w->bs = bs;
    w->hash = multihash_new_sink(write_chunk, w);
    char name[33];
    auth_random_hex(name, 16);
    snprintf(w->tmp_path, sizeof(w->tmp_path), "%s/tmp/%s", bs->dir, name);
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    /* The lock marks the upload as in progress for servers sharing the directory. */
    if (w->fd >= 0) {
        flock(w->fd, LOCK_EX | LOCK_NB);
        int flags = fcntl(w->fd, F_GETFL);
        w->direct = flags >= 0 && fcntl(w->fd, F_SETFL, flags | O_DIRECT) == 0;
    }
    if (w->fd < 0 || !w->hash) {
        err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "cannot create upload file: %s",
                w->fd < 0 ? strerror(errno) : "out of memory");
        if (w->fd >= 0) {
            close(w->fd);
            unlink(w->tmp_path);
        }
        multihash_free(w->hash);
        free(w);
        return NULL;
    }
    return &w->base;
}

static int fs_put_write(struct blob_writer *base, const void *data, size_t len, struct error *err)
{
    struct fs_writer *w = (struct fs_writer *)base;
    if (multihash_update(w->hash, data, len) < 0)
        return write_failed(w, err);
    w->size += len;
    return 0;
}

static int fs_put_finish(struct blob_writer *base, uint64_t *size, struct multihash_hex *hashes,
                         struct error *err)
{
    struct fs_writer *w = (struct fs_writer *)base;
    if (multihash_final(w->hash, hashes) < 0)
        return write_failed(w, err);
    if (fsync(w->fd) < 0)
        return err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "cannot flush upload: %s",
                       strerror(errno));
    *size = w->size;
    return 0;
}

static void free_writer(struct fs_writer *w)
{
    multihash_free(w->hash); /* first: its sink thread may still be writing to fd */
    if (w->fd >= 0)
        close(w->fd);
    free(w);
}

static void fs_put_abort(struct blob_writer *base);

static int fs_put_commit(struct blob_writer *base, char key[BLOB_KEY_MAX], struct error *err)
{
    struct fs_writer *w = (struct fs_writer *)base;
    char name[33], shard[PATH_MAX - 64], final_path[PATH_MAX];
    auth_random_hex(name, 16);
    snprintf(shard, sizeof(shard), "%.3900s/%.2s", w->bs->dir, name);
    snprintf(final_path, sizeof(final_path), "%s/%s", shard, name);
    if (mkdir_p(shard) < 0 || rename(w->tmp_path, final_path) < 0 || fsync_dir(shard) < 0) {
        int rc = err_set(err, ERR_INTERNAL, "artifact.uploadFailed", "cannot store artifact: %s",
                         strerror(errno));
        fs_put_abort(base);
        return rc;
    }
    snprintf(key, BLOB_KEY_MAX, "%s", name);
    free_writer(w);
    return 0;
}

static void fs_put_abort(struct blob_writer *base)
{
    struct fs_writer *w = (struct fs_writer *)base;
    unlink(w->tmp_path);
    free_writer(w);
}

/* blob.c has checked the key (blob_valid_key) before any of these touch a path. */
static int fs_open_read(struct blob_store *base, const char *key, int *fd, uint64_t *size,
                        struct error *err)
{
    struct fs_store *bs = (struct fs_store *)base;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%.2s/%s", bs->dir, key, key);
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return err_set(err, errno == ENOENT ? ERR_GONE : ERR_INTERNAL, "artifact.binaryDeleted",
                       "artifact binary is not available");
    struct stat stt;
    if (fstat(*fd, &stt) < 0) {
        close(*fd);
        return err_set(err, ERR_INTERNAL, "artifact.loadFailed", "cannot stat artifact");
    }
    *size = (uint64_t)stt.st_size;
    return 0;
}

static int fs_delete(struct blob_store *base, const char *key, struct error *err)
{
    struct fs_store *bs = (struct fs_store *)base;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%.2s/%s", bs->dir, key, key);
    if (unlink(path) < 0 && errno != ENOENT)
        return err_set(err, ERR_INTERNAL, "artifact.deleteFailed", "cannot delete artifact: %s",
                       strerror(errno));
    return 0;
}

static const struct blob_ops fs_ops = {
    .close = fs_close,
    .put_begin = fs_put_begin,
    .put_write = fs_put_write,
    .put_finish = fs_put_finish,
    .put_commit = fs_put_commit,
    .put_abort = fs_put_abort,
    .open_read = fs_open_read,
    .delete = fs_delete,
};
