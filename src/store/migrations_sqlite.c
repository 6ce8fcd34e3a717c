/* Versioned schema of the SQLite backend, embedded in the binary.
 *
 * Append new migrations at the end; never edit one that has shipped. Each runs in
 * its own transaction together with the update of schema_version. */
#include "store/migrations.h"

static const char *const migrations[] = {
    /* 1: the hawkBit data model for the Management API and DDI. */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  password_hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"

    "CREATE TABLE tenant_configs ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"

    "CREATE TABLE sm_types ("
    "  id INTEGER PRIMARY KEY,"
    "  type_key TEXT NOT NULL, name TEXT NOT NULL, description TEXT, colour TEXT,"
    "  max_assignments INTEGER NOT NULL DEFAULT 1,"
    "  min_artifacts INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE UNIQUE INDEX sm_types_key ON sm_types(type_key) WHERE deleted = 0;"
    "CREATE UNIQUE INDEX sm_types_name ON sm_types(name) WHERE deleted = 0;"

    "CREATE TABLE ds_types ("
    "  id INTEGER PRIMARY KEY,"
    "  type_key TEXT NOT NULL, name TEXT NOT NULL, description TEXT, colour TEXT,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE UNIQUE INDEX ds_types_key ON ds_types(type_key) WHERE deleted = 0;"
    "CREATE UNIQUE INDEX ds_types_name ON ds_types(name) WHERE deleted = 0;"

    "CREATE TABLE ds_type_elements ("
    "  ds_type_id INTEGER NOT NULL REFERENCES ds_types(id) ON DELETE CASCADE,"
    "  sm_type_id INTEGER NOT NULL REFERENCES sm_types(id),"
    "  mandatory INTEGER NOT NULL,"
    "  PRIMARY KEY (ds_type_id, sm_type_id));"

    "CREATE TABLE software_modules ("
    "  id INTEGER PRIMARY KEY,"
    "  type_id INTEGER NOT NULL REFERENCES sm_types(id),"
    "  name TEXT NOT NULL, version TEXT NOT NULL, description TEXT, vendor TEXT,"
    "  encrypted INTEGER NOT NULL DEFAULT 0,"
    "  locked INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE UNIQUE INDEX software_modules_identity"
    "  ON software_modules(type_id, name, version) WHERE deleted = 0;"

    "CREATE TABLE artifacts ("
    "  id INTEGER PRIMARY KEY,"
    "  sm_id INTEGER NOT NULL REFERENCES software_modules(id),"
    "  filename TEXT NOT NULL, size INTEGER NOT NULL,"
    "  md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL,"
    "  blob_key TEXT NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE UNIQUE INDEX artifacts_filename ON artifacts(sm_id, filename) WHERE deleted = 0;"

    "CREATE TABLE distribution_sets ("
    "  id INTEGER PRIMARY KEY,"
    "  type_id INTEGER NOT NULL REFERENCES ds_types(id),"
    "  name TEXT NOT NULL, version TEXT NOT NULL, description TEXT,"
    "  required_migration_step INTEGER NOT NULL DEFAULT 0,"
    "  locked INTEGER NOT NULL DEFAULT 0,"
    "  valid INTEGER NOT NULL DEFAULT 1,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE UNIQUE INDEX distribution_sets_identity"
    "  ON distribution_sets(name, version) WHERE deleted = 0;"

    "CREATE TABLE ds_modules ("
    "  ds_id INTEGER NOT NULL REFERENCES distribution_sets(id) ON DELETE CASCADE,"
    "  sm_id INTEGER NOT NULL REFERENCES software_modules(id),"
    "  PRIMARY KEY (ds_id, sm_id));"
    "CREATE INDEX ds_modules_sm ON ds_modules(sm_id);"

    "CREATE TABLE targets ("
    "  id INTEGER PRIMARY KEY,"
    "  controller_id TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL, description TEXT,"
    "  security_token TEXT NOT NULL,"
    "  address TEXT,"
    "  update_status TEXT NOT NULL DEFAULT 'unknown',"
    "  request_attributes INTEGER NOT NULL DEFAULT 1,"
    "  assigned_ds_id INTEGER REFERENCES distribution_sets(id),"
    "  installed_ds_id INTEGER REFERENCES distribution_sets(id),"
    "  installed_at INTEGER,"
    "  last_request_at INTEGER,"
    "  target_type_id INTEGER,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE INDEX targets_assigned ON targets(assigned_ds_id);"
    "CREATE INDEX targets_installed ON targets(installed_ds_id);"

    "CREATE TABLE target_attributes ("
    "  target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
    "  attr_key TEXT NOT NULL, attr_value TEXT,"
    "  PRIMARY KEY (target_id, attr_key));"

    "CREATE TABLE actions ("
    "  id INTEGER PRIMARY KEY,"
    "  target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
    "  ds_id INTEGER NOT NULL REFERENCES distribution_sets(id),"
    "  action_type TEXT NOT NULL,"
    "  forced_time INTEGER,"
    "  weight INTEGER,"
    "  status TEXT NOT NULL,"
    "  active INTEGER NOT NULL,"
    "  maintenance_schedule TEXT, maintenance_duration TEXT, maintenance_timezone TEXT,"
    "  external_ref TEXT,"
    "  last_status_code INTEGER,"
    "  rollout_id INTEGER, rollout_group_id INTEGER,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE INDEX actions_target_active ON actions(target_id, active);"
    "CREATE INDEX actions_ds ON actions(ds_id);"

    "CREATE TABLE action_statuses ("
    "  id INTEGER PRIMARY KEY,"
    "  action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,"
    "  status TEXT NOT NULL,"
    "  code INTEGER,"
    "  messages TEXT NOT NULL DEFAULT '[]'," /* JSON array of strings */
    "  occurred_at INTEGER NOT NULL,"
    "  reported_at INTEGER NOT NULL);"
    "CREATE INDEX action_statuses_action ON action_statuses(action_id, id);",

    /* 2: the device side (DDI): auto-confirmation per target, and the poll's lookup
     * of a target's exposed action (highest weight, then oldest). */
    "ALTER TABLE targets ADD COLUMN auto_confirm_active INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE targets ADD COLUMN auto_confirm_initiator TEXT;"
    "ALTER TABLE targets ADD COLUMN auto_confirm_remark TEXT;"
    "ALTER TABLE targets ADD COLUMN auto_confirm_at INTEGER;"
    "DROP INDEX actions_target_active;"
    "CREATE INDEX actions_target_active ON actions(target_id, active, weight DESC, id);",

    /* 3: target filters (saved queries) and their auto-assignment. */
    "CREATE TABLE target_filters ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE, query TEXT NOT NULL,"
    "  auto_ds_id INTEGER REFERENCES distribution_sets(id),"
    "  auto_action_type TEXT, auto_weight INTEGER,"
    "  auto_confirmation_required INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE INDEX target_filters_auto ON target_filters(auto_ds_id);"
    "CREATE INDEX actions_target_ds ON actions(target_id, ds_id);",

    /* 4: target tags and distribution set tags (unique names), and their assignments;
     * deleting a tag or a tagged entity removes the assignment rows. */
    "CREATE TABLE target_tags ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE, description TEXT, colour TEXT,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE TABLE ds_tags ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE, description TEXT, colour TEXT,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE TABLE target_tag_assignments ("
    "  target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
    "  tag_id INTEGER NOT NULL REFERENCES target_tags(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (target_id, tag_id));"
    "CREATE INDEX target_tag_assignments_tag ON target_tag_assignments(tag_id);"
    "CREATE TABLE ds_tag_assignments ("
    "  ds_id INTEGER NOT NULL REFERENCES distribution_sets(id) ON DELETE CASCADE,"
    "  tag_id INTEGER NOT NULL REFERENCES ds_tags(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (ds_id, tag_id));"
    "CREATE INDEX ds_tag_assignments_tag ON ds_tag_assignments(tag_id);",

    /* 5: target types and the distribution set types each accepts; targets.target_type_id
     * (from migration 1) now points at them. */
    "CREATE TABLE target_types ("
    "  id INTEGER PRIMARY KEY,"
    "  type_key TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE, description TEXT, colour TEXT,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE TABLE target_type_ds_types ("
    "  target_type_id INTEGER NOT NULL REFERENCES target_types(id) ON DELETE CASCADE,"
    "  ds_type_id INTEGER NOT NULL REFERENCES ds_types(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (target_type_id, ds_type_id));"
    "CREATE INDEX targets_type ON targets(target_type_id);",

    /* 6: metadata (key/value pairs) of targets, software modules and distribution
     * sets; keys are unique per owner and go with a hard-deleted owner. */
    "CREATE TABLE target_metadata ("
    "  target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
    "  meta_key TEXT NOT NULL, meta_value TEXT,"
    "  PRIMARY KEY (target_id, meta_key));"
    "CREATE TABLE sm_metadata ("
    "  sm_id INTEGER NOT NULL REFERENCES software_modules(id) ON DELETE CASCADE,"
    "  meta_key TEXT NOT NULL, meta_value TEXT,"
    "  target_visible INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (sm_id, meta_key));"
    "CREATE TABLE ds_metadata ("
    "  ds_id INTEGER NOT NULL REFERENCES distribution_sets(id) ON DELETE CASCADE,"
    "  meta_key TEXT NOT NULL, meta_value TEXT,"
    "  PRIMARY KEY (ds_id, meta_key));",

    /* 7: rollouts, their groups and the targets of each group. */
    "CREATE TABLE rollouts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE, description TEXT,"
    "  target_filter_query TEXT NOT NULL,"
    "  ds_id INTEGER NOT NULL REFERENCES distribution_sets(id),"
    "  status TEXT NOT NULL,"
    "  action_type TEXT NOT NULL, forced_time INTEGER, weight INTEGER NOT NULL,"
    "  start_at INTEGER, confirmation_required INTEGER NOT NULL DEFAULT 0,"
    "  total_targets INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL);"
    "CREATE INDEX rollouts_status ON rollouts(status);"
    "CREATE TABLE rollout_groups ("
    "  id INTEGER PRIMARY KEY,"
    "  rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  name TEXT NOT NULL, description TEXT, target_filter_query TEXT,"
    "  target_percentage REAL NOT NULL,"
    "  status TEXT NOT NULL,"
    "  success_condition TEXT NOT NULL, success_expression TEXT NOT NULL,"
    "  success_action TEXT NOT NULL, success_action_expression TEXT NOT NULL,"
    "  error_condition TEXT NOT NULL, error_expression TEXT NOT NULL,"
    "  error_action TEXT NOT NULL, error_action_expression TEXT NOT NULL,"
    "  success_done INTEGER NOT NULL DEFAULT 0,"
    "  confirmation_required INTEGER NOT NULL DEFAULT 0,"
    "  total_targets INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  last_modified_at INTEGER NOT NULL, last_modified_by TEXT NOT NULL,"
    "  UNIQUE (rollout_id, position));"
    "CREATE TABLE rollout_group_targets ("
    "  group_id INTEGER NOT NULL REFERENCES rollout_groups(id) ON DELETE CASCADE,"
    "  target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (group_id, target_id));"
    "CREATE INDEX rollout_group_targets_target ON rollout_group_targets(target_id);"
    "CREATE INDEX actions_rollout_group ON actions(rollout_group_id, status);",

    /* 8: dynamic rollouts (a template for the groups appended while running), a
     * maintenance window copied to every action of a rollout, the approval decision. */
    "ALTER TABLE rollouts ADD COLUMN dynamic INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rollouts ADD COLUMN dynamic_suffix TEXT;"
    "ALTER TABLE rollouts ADD COLUMN dynamic_target_count INTEGER;"
    "ALTER TABLE rollouts ADD COLUMN dynamic_checked_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rollouts ADD COLUMN maintenance_schedule TEXT;"
    "ALTER TABLE rollouts ADD COLUMN maintenance_duration TEXT;"
    "ALTER TABLE rollouts ADD COLUMN maintenance_timezone TEXT;"
    "ALTER TABLE rollouts ADD COLUMN approval_remark TEXT;"
    "ALTER TABLE rollouts ADD COLUMN approval_decided_by TEXT;"
    "ALTER TABLE rollout_groups ADD COLUMN dynamic INTEGER NOT NULL DEFAULT 0;",

    /* 9: FIQL compares text case-insensitively (LOWER(col) = LOWER(?)); these let
     * `controllerId==x`, `controllerId=in=(...)` and `name==x` use an index. */
    "CREATE INDEX targets_controller_id_lower ON targets(LOWER(controller_id));"
    "CREATE INDEX targets_name_lower ON targets(LOWER(name));",

    /* 10: the lease that lets one server of several run the cluster-wide periodic
     * work (rollouts, auto-assignment) per tick. */
    "CREATE TABLE scheduler_lease ("
    "  name TEXT PRIMARY KEY, holder TEXT, expires_at INTEGER NOT NULL);"
    "INSERT INTO scheduler_lease (name, holder, expires_at) VALUES ('tick', NULL, 0);",

    /* 11: when and from where each target was last seen, apart from the wide targets
     * row: the last-seen flush rewrites every polling target's row every interval, and
     * in a narrow table that is a few bytes per target instead of the whole row (with
     * a million targets, ~40 MB of pages per flush instead of ~200 MB). */
    "CREATE TABLE target_last_seen ("
    "  target_id INTEGER PRIMARY KEY REFERENCES targets(id) ON DELETE CASCADE,"
    "  last_request_at INTEGER, address TEXT);"
    "INSERT INTO target_last_seen (target_id, last_request_at, address)"
    "  SELECT id, last_request_at, address FROM targets"
    "  WHERE last_request_at IS NOT NULL OR address IS NOT NULL;"
    "ALTER TABLE targets DROP COLUMN last_request_at;"
    "ALTER TABLE targets DROP COLUMN address;",
};

const char *const *migrations_sqlite(int *count)
{
    *count = (int)(sizeof(migrations) / sizeof(migrations[0]));
    return migrations;
}
