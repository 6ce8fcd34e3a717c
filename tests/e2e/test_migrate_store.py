"""PostgreSQL only (FALCONET_E2E_DB=postgres): `falconet migrate-store`.

A server on SQLite and a local artifact directory gets a realistic installation
through the API (targets with attributes, tags and metadata, a module with
artifacts, a distribution set, an assignment with its status history, a rollout,
tenant configs, a target filter). It is stopped, migrate-store copies it into a new
PostgreSQL database (and, in a second test, its artifacts into S3), and a server on
the new database must answer every GET with the same ids and bodies, serve the same
artifact bytes, give new entities ids above the old ones and let a device poll with
its old token. Copying into a database that holds data, or from a database a running
server holds, is refused.
"""

import json
import os
import subprocess
import time

import pytest

from falconet_e2e import (Api, Device, Server, deploy, expect, expect_json, falconet_bin,
                          find_file_with_content, hashes_of, uid, wait_until)


def sqlite_server(tmp_path, name, password):
    """A server on SQLite and local artifacts, whatever the run's backends."""
    srv = Server(tmp_path / name, tmp_path / f"{name}.log", password=password)
    srv.database_url = None
    srv.env = {}
    srv.blob_dir = srv.data_dir
    return srv


def migrate(data_dir, to_database, to_storage=None, env_extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FALCONET_DATABASE") and not k.startswith("FALCONET_STORAGE")}
    env.update(env_extra or {})
    cmd = [falconet_bin(), "migrate-store", "--data-dir", str(data_dir),
           "--to-database", to_database]
    if to_storage:
        cmd += ["--to-storage", to_storage]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def populate(api):
    """An installation touching every table; returns what the checks need."""
    expect(api.put("/system/configs/pollingTime", json={"value": "00:07:00"}), 200)
    expect(api.put("/system/configs/authentication.gatewaytoken.enabled",
                   json={"value": True}), 200)
    d = deploy(api, files=(("fw.bin", 300_000), ("notes.txt", 17)))
    expect_json(d.dev.poll(), 200)
    expect(d.dev.config_data({"hwRevision": "2", "serial": "A-" + uid()}), 200)
    expect(d.dev.feedback(d.aid, "proceeding", "none", details=["downloading"]), 200)
    expect(d.dev.feedback(d.aid, "closed", "success", details=["installed"]), 200)
    # a second device whose action stays open: it downloads from the new server
    d.open_target = api.create_target()
    d.open_aid = api.assign(d.open_target["controllerId"], d.ds["id"])["assignedActions"][0]["id"]
    tag = expect_json(api.post("/targettags", json=[{"name": "tag-" + uid(),
                                                     "colour": "#00ff00"}]), 201)[0]
    expect(api.post(f"/targettags/{tag['id']}/assigned", json=[{"controllerId": d.cid}]), 200)
    expect(api.post(f"/targets/{d.cid}/metadata", json=[{"key": "site", "value": "north"}]), 201)
    gone = api.create_target()  # a deleted target leaves a gap in the ids
    expect(api.delete(f"/targets/{gone['controllerId']}"), 200)
    fleet = uid()
    for i in range(3):
        api.create_target(f"mig-{fleet}-{i}", description=None if i else "first")
    rollout = expect_json(api.post("/rollouts", json={
        "name": "rollout-" + uid(), "distributionSetId": d.ds["id"], "amountGroups": 2,
        "targetFilterQuery": f"controllerId==mig-{fleet}-*"}), 201)
    tf = expect_json(api.post("/targetfilters", json={"name": "tf-" + uid(),
                                                      "query": "name==kiosk*"}), 201)
    return d, tag, rollout, tf


def snapshot(api, d, tag, rollout, tf):
    """The Management API's view of the installation, with the server's own address
    replaced so that two servers can be compared."""
    paths = [
        f"/targets/{d.cid}", f"/targets/{d.cid}/attributes", f"/targets/{d.cid}/actions",
        f"/targets/{d.cid}/actions/{d.aid}", f"/targets/{d.cid}/actions/{d.aid}/status",
        f"/targets/{d.cid}/metadata", f"/targets/{d.cid}/assignedDS",
        f"/targets/{d.cid}/installedDS", "/targets?limit=100&sort=id:ASC",
        f"/distributionsets/{d.ds['id']}", f"/distributionsets/{d.ds['id']}/assignedSM",
        f"/softwaremodules/{d.sm['id']}", f"/softwaremodules/{d.sm['id']}/artifacts",
        f"/targettags/{tag['id']}", f"/targettags/{tag['id']}/assigned",
        f"/rollouts/{rollout['id']}", f"/rollouts/{rollout['id']}/deploygroups",
        f"/targetfilters/{tf['id']}", "/system/configs/pollingTime",
        "/system/configs/authentication.gatewaytoken.enabled",
        "/softwaremoduletypes?sort=id:ASC", "/distributionsettypes?sort=id:ASC",
    ]
    base = api.server.base_url
    out = {}
    for p in paths:
        r = api.get(p)
        assert r.status_code == 200, (p, r.status_code, r.text)
        out[p] = r.text.replace(base, "BASE")
    return out


def settled_snapshot(api, state):
    """A snapshot once the devices' last-seen times (written in batches) are in."""
    d = state[0]
    wait_until(lambda: "lastControllerRequestAt" in api.get(f"/targets/{d.cid}").json(),
               what="the poll's time written")
    before = snapshot(api, *state)
    while True:
        time.sleep(0.3)
        again = snapshot(api, *state)
        if again == before:
            return before
        before = again


def check_migrated(new_api, before, d, tag, rollout, tf):
    after = snapshot(new_api, d, tag, rollout, tf)
    for p, body in before.items():
        assert after[p] == body, f"{p} differs after the migration"
    # the artifacts: same hashes, same bytes, to the Management API and to the device
    for art in d.arts:
        name = art["providedFilename"]
        r = new_api.get(f"/softwaremodules/{d.sm['id']}/artifacts/{art['id']}/download")
        expect(r, 200)
        got = r.content
        assert got == d.data[name]
        assert hashes_of(got)["sha256"] == art["hashes"]["sha256"]
    dev = Device(new_api.server, d.open_target["controllerId"], d.open_target["securityToken"])
    assert str(d.open_aid) in json.dumps(expect_json(dev.poll(), 200))
    r = dev.get(dev.artifact_url(d.sm["id"], "fw.bin"))
    expect(r, 200)
    assert r.content == d.data["fw.bin"]
    # the installed device polls with its old token
    expect_json(Device(new_api.server, d.cid, d.token).poll(), 200)
    # new entities get ids above the copied ones
    t = new_api.create_target()
    aid = new_api.assign(t["controllerId"], d.ds["id"])["assignedActions"][0]["id"]
    assert aid > max(d.aid, d.open_aid)
    assert new_api.create_sm("os")["id"] > d.sm["id"]
    assert new_api.create_ds("os")["id"] > d.ds["id"]
    r = expect_json(new_api.post("/targettags", json=[{"name": "new-" + uid()}]), 201)[0]
    assert r["id"] > tag["id"]
    got = expect_json(new_api.post("/rollouts", json={
        "name": "after-" + uid(), "distributionSetId": d.ds["id"],
        "targetFilterQuery": f"controllerId=={d.cid}"}), 201)
    assert got["id"] > rollout["id"]


def run_migration(pg, tmp_path, s3=None):
    password = "mig-" + uid()
    old = sqlite_server(tmp_path, "old", password)
    old.start()
    try:
        old_api = Api(old)
        state = populate(old_api)
        before = settled_snapshot(old_api, state)
        url = pg.create_database()
        busy = migrate(old.data_dir, url)  # the running server holds the SQLite file
        assert busy.returncode != 0 and "running server" in busy.stderr, busy.stderr
    finally:
        assert old.stop(timeout=10) == 0, old.log_tail()

    env, to_storage = {}, None
    if s3 is not None:
        env = s3.server_env(f"migrated-{uid()}")
        to_storage = env.pop("FALCONET_STORAGE_URL")
        check_failed_copy_leaves_target_empty(s3, old, url, to_storage, env, d=state[0])
    res = migrate(old.data_dir, url, to_storage, env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "targets" in res.stdout and "action_statuses" in res.stdout, res.stdout

    new = Server(tmp_path / "new", tmp_path / "new.log", password=password)
    new.database_url = url
    if s3 is not None:
        new.env = dict(env, FALCONET_STORAGE_URL=to_storage)
    else:
        new.env = {"FALCONET_STORAGE_PATH": os.path.join(old.data_dir, "artifacts")}
    new.start()
    try:
        check_migrated(Api(new), before, *state)
    finally:
        assert new.stop(timeout=10) == 0, new.log_tail()

    again = migrate(old.data_dir, url)
    assert again.returncode != 0 and "not empty" in again.stderr, again.stdout + again.stderr
    return res


def check_failed_copy_leaves_target_empty(s3, old, url, to_storage, env, d):
    """An artifact file that no longer matches its row (the second one: the first is
    copied by then) stops the copy, naming it;
    the target keeps no data and no copied object, and the next run can start over."""
    path, = find_file_with_content(os.path.join(old.data_dir, "artifacts"), d.data["notes.txt"])
    bad = bytearray(d.data["notes.txt"])
    bad[5] ^= 0xFF
    with open(path, "wb") as f:
        f.write(bad)
    try:
        res = migrate(old.data_dir, url, to_storage, env)
    finally:
        with open(path, "wb") as f:
            f.write(d.data["notes.txt"])
    assert res.returncode == 1, res.stdout + res.stderr
    assert "notes.txt" in res.stderr and "do not match" in res.stderr, res.stderr
    prefix = to_storage.split("/", 3)[3]
    assert s3.keys(prefix + "/") == {}


def test_migrate_sqlite_to_postgres(pg, tmp_path):
    res = run_migration(pg, tmp_path)
    assert "must" not in res.stderr
    assert "Artifacts were not copied" in res.stdout, res.stdout


def test_migrate_sqlite_to_postgres_and_s3(pg, tmp_path, request):
    try:
        s3 = request.getfixturevalue("s3rver")
    except Exception as e:  # s3rver (node) missing on this machine
        pytest.skip(f"s3rver not usable: {e}")
    res = run_migration(pg, tmp_path, s3)
    assert "2 artifacts" in res.stdout, res.stdout
