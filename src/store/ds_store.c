#include "store/ds_store.h"

#include "store/db.h"

int store_ds_get(struct store *s, int64_t id, struct arena *a, struct distribution_set *out,
                 struct error *err)
{
    struct db_stmt *st = db_prepare(
        s->db,
        "SELECT d.id, d.name, d.version, d.deleted, d.valid, t.type_key,"
        " NOT EXISTS (SELECT 1 FROM ds_type_elements e WHERE e.ds_type_id = d.type_id AND"
        "  e.mandatory = 1 AND NOT EXISTS (SELECT 1 FROM ds_modules m JOIN software_modules sm"
        "  ON sm.id = m.sm_id WHERE m.ds_id = d.id AND sm.type_id = e.sm_type_id))"
        " FROM distribution_sets d JOIN ds_types t ON t.id = d.type_id WHERE d.id = ?",
        err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    int rc = db_step(st, err);
    if (rc == DB_ROW) {
        out->id = db_col_int(st, 0);
        out->name = arena_strdup(a, db_col_text(st, 1));
        out->version = arena_strdup(a, db_col_text(st, 2));
        out->deleted = db_col_int(st, 3);
        out->valid = db_col_int(st, 4);
        out->type_key = arena_strdup(a, db_col_text(st, 5));
        out->complete = db_col_int(st, 6);
        rc = 0;
    } else if (rc == DB_DONE) {
        rc = err_set(err, ERR_NOT_FOUND, "repo.entityNotFound",
                     "DistributionSet with given identifier {%lld} does not exist.",
                     (long long)id);
    }
    db_done(st);
    return rc;
}

int store_ds_lock(struct store *s, int64_t id, struct error *err)
{
    struct db_stmt *st = db_prepare(s->db, "UPDATE distribution_sets SET locked = 1 WHERE id = ?", err);
    if (!st)
        return -ERR_INTERNAL;
    db_bind_int(st, 1, id);
    return db_run(st, err);
}
