/* Artifact rows (declared in sm_store.h). */
#include "store/sm_store.h"

#include "store/db.h"
#include "util/time.h"

#include <string.h>

#define ARTIFACT_COLUMNS                                                                           \
    "id, sm_id, filename, size, md5, sha1, sha256, blob_key, deleted, created_at, created_by,"     \
    " last_modified_at, last_modified_by"

static void read_artifact(struct db_stmt *st, struct arena *a, struct artifact *art)
{
    art->id = db_col_int(st, 0);
    art->sm_id = db_col_int(st, 1);
    art->filename = arena_strdup(a, db_col_text(st, 2));
    art->size = db_col_int(st, 3);
    art->md5 = arena_strdup(a, db_col_text(st, 4));
    art->sha1 = arena_strdup(a, db_col_text(st, 5));
    art->sha256 = arena_strdup(a, db_col_text(st, 6));
    art->blob_key = arena_strdup(a, db_col_text(st, 7));
    art->deleted = db_col_int(st, 8) != 0;
    art->audit.created_at = db_col_int(st, 9);
    art->audit.created_by = arena_strdup(a, db_col_text(st, 10));
    art->audit.last_modified_at = db_col_int(st, 11);
    art->audit.last_modified_by = arena_strdup(a, db_col_text(st, 12));
}

/* The module check is part of the INSERT, so an artifact can never be attached to
 * a module deleted while its bytes were still arriving. */
int store_artifact_create(struct store *s, struct artifact *art, const char *actor,
                          struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "INSERT INTO artifacts (sm_id, filename, size, md5, sha1, sha256, blob_key, created_at,"
        " created_by, last_modified_at, last_modified_by)"
        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?9 WHERE EXISTS (SELECT 1 FROM"
        " software_modules m WHERE m.id = ?1 AND m.deleted = 0) RETURNING id",
        err);
    if (!st)
        return -ERR_INTERNAL;
    int64_t now = time_now_ms();
    db_bind_int(st, 1, art->sm_id);
    db_bind_text(st, 2, art->filename);
    db_bind_int(st, 3, art->size);
    db_bind_text(st, 4, art->md5);
    db_bind_text(st, 5, art->sha1);
    db_bind_text(st, 6, art->sha256);
    db_bind_text(st, 7, art->blob_key);
    db_bind_int(st, 8, now);
    db_bind_text(st, 9, actor);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        art->id = db_col_int(st, 0);
        art->deleted = false;
        art->audit = (struct audit){now, now, actor, actor};
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "SoftwareModule with given identifier {%lld} does not exist.",
                     (long long)art->sm_id);
    } else if (rc == -ERR_EXISTS) {
        err_set(err, ERR_EXISTS, "repo.entityAlreadyExists",
                "An artifact named {%s} already exists in software module {%lld}", art->filename,
                (long long)art->sm_id);
    }
    db_done(st);
    return rc;
}

static int get_one(struct db_stmt *st, struct arena *a, struct artifact *out, struct error *err)
{
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_artifact(st, a, out);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "Artifact with given identifier does not exist.");
    }
    db_done(st);
    return rc;
}

int store_artifact_get(struct store *s, int64_t sm_id, int64_t id, struct arena *a,
                       struct artifact *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " ARTIFACT_COLUMNS " FROM artifacts"
                                    " WHERE id = ? AND sm_id = ? AND deleted = 0",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, sm_id);
    int rc = get_one(st, a, out, err);
    if (rc == -ERR_NOT_FOUND)
        err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                "Artifact with given identifier {%lld} does not exist.", (long long)id);
    return rc;
}

int store_artifact_find(struct store *s, int64_t sm_id, const char *filename, struct arena *a,
                        struct artifact *out, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " ARTIFACT_COLUMNS " FROM artifacts"
                                    " WHERE sm_id = ? AND filename = ? AND deleted = 0",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, sm_id);
    db_bind_text(st, 2, filename);
    int rc = get_one(st, a, out, err);
    if (rc == -ERR_NOT_FOUND)
        err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                "Artifact with given identifier {%s} does not exist.", filename);
    return rc;
}

int store_artifact_list(struct store *s, int64_t sm_id, struct arena *a, struct artifact **items,
                        size_t *count, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db,
                                    "SELECT " ARTIFACT_COLUMNS " FROM artifacts"
                                    " WHERE sm_id = ? AND deleted = 0 ORDER BY id",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, sm_id);
    size_t cap = 8;
    *items = arena_alloc(a, sizeof(**items) * cap);
    *count = 0;
    int rc;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (*count == cap) {
            struct artifact *grown = arena_alloc(a, sizeof(**items) * cap * 2);
            memcpy(grown, *items, sizeof(**items) * cap);
            *items = grown;
            cap *= 2;
        }
        read_artifact(st, a, &(*items)[(*count)++]);
    }
    db_done(st);
    return rc < 0 ? rc : 0;
}

/* Soft when a distribution set holds the module (see sm_store.h), hard otherwise. */
static int delete_in_tx(struct store *s, int64_t sm_id, int64_t id, const char *actor,
                        struct arena *a, const char **blob_key, struct error *err)
{
    struct artifact art;
    int rc = store_artifact_get(s, sm_id, id, a, &art, err);
    if (rc < 0)
        return rc;
    *blob_key = art.blob_key;
    struct db_stmt *st = db_prepare(s->db,
                                    "UPDATE artifacts SET deleted = 1, last_modified_at = ?,"
                                    " last_modified_by = ? WHERE id = ? AND EXISTS (SELECT 1"
                                    " FROM ds_modules d WHERE d.sm_id = artifacts.sm_id)",
                                    err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, time_now_ms());
    db_bind_text(st, 2, actor);
    db_bind_int(st, 3, id);
    if ((rc = db_run(st, err)) < 0 || db_changes(s->db) > 0)
        return rc;
    if (!(st = db_prepare(s->db, "DELETE FROM artifacts WHERE id = ?", err)))
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return db_run(st, err);
}

int store_artifact_delete(struct store *s, int64_t sm_id, int64_t id, const char *actor,
                          struct arena *a, const char **blob_key, struct error *err)
{
    *blob_key = NULL;
    int rc = store_begin(s, err);
    if (rc < 0)
        return rc;
    if ((rc = delete_in_tx(s, sm_id, id, actor, a, blob_key, err)) < 0) {
        store_rollback(s);
        *blob_key = NULL;
        return rc;
    }
    return store_commit(s, err);
}
