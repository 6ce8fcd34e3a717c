"""Durability: a private server is stopped with SIGTERM and restarted on the same data dir."""

import os
import time

from falconet_e2e import Api, Server, expect, expect_json, hashes_of, link, uid


def test_state_survives_restart(tmp_path):
    data_dir = tmp_path / "data"
    srv = Server(data_dir, tmp_path / "server.log", password="restart-" + uid())
    srv.start()
    try:
        api = Api(srv)
        expect(api.put("/system/configs/pollingTime", json={"value": "00:02:00"}), 200)
        t = api.create_target("durable-1", name="Durable", securityToken="tok-durable")
        data = os.urandom(300_000)
        sm = api.create_sm("os", name="dur-sm", version="1")
        art = api.upload(sm["id"], "dur.bin", data)
        ds = api.create_ds("os", name="dur-ds", version="1")
        api.add_modules(ds["id"], [sm["id"]])
        aid = api.assign("durable-1", ds["id"], "forced")["assignedActions"][0]["id"]
        rc = srv.stop(timeout=10)
        assert rc == 0, f"exit code after SIGTERM: {rc}\n" + srv.log_tail()

        srv.start()
        api = Api(srv)
        assert expect_json(api.get("/system/configs/pollingTime"), 200)["value"] == "00:02:00"
        got = expect_json(api.get("/targets/durable-1"), 200)
        assert got["name"] == "Durable" and got["securityToken"] == "tok-durable"
        assert got["createdAt"] == t["createdAt"]
        assert got["updateStatus"] == "pending"
        assert link(got, "self") == f"{api.root}/targets/durable-1"  # new port, new links
        assert expect_json(api.get("/targets/durable-1/assignedDS"), 200)["id"] == ds["id"]
        a = expect_json(api.get(f"/targets/durable-1/actions/{aid}"), 200)
        assert a["status"] == "running" and a["active"] is True
        got_art = expect_json(api.get(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 200)
        assert got_art["hashes"] == hashes_of(data) and got_art["size"] == len(data)
        r = api.get(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download")
        assert r.status_code == 200 and r.content == data
        dsg = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
        assert dsg["complete"] is True and [m["id"] for m in dsg["modules"]] == [sm["id"]]
        # ids keep growing after a restart (no reuse)
        sm2 = api.create_sm("os", name="dur-sm", version="2")
        assert sm2["id"] > sm["id"]
    finally:
        rc = srv.stop(timeout=10)
    assert rc == 0, f"exit code after SIGTERM: {rc}\n" + srv.log_tail()


def test_sigterm_while_idle_connection_open(tmp_path):
    """An idle keep-alive client must not keep the server from exiting on SIGTERM (the
    connection goes to a falconet process itself, not to haproxy in cluster mode)."""
    import socket
    srv = Server(tmp_path / "data", tmp_path / "server.log", password="idle-" + uid())
    srv.start()
    s = socket.create_connection(("127.0.0.1", srv.instances[0].port))
    try:
        s.sendall(b"GET /rest/v1/userinfo HTTP/1.1\r\nHost: x\r\n")  # incomplete request
        rc = srv.stop(timeout=10)
        assert rc == 0, f"exit code after SIGTERM with an open connection: {rc}\n" + srv.log_tail()
    finally:
        s.close()


def test_second_server_on_the_same_sqlite_file_is_refused(tmp_path):
    """One server per SQLite database: the file is held exclusively, so a second
    process on the same data dir stops at once with a message, instead of sharing
    a database it cannot coordinate with (several servers share PostgreSQL)."""
    import subprocess
    from falconet_e2e import falconet_bin, free_port
    srv = Server(tmp_path / "data", tmp_path / "server.log", password="excl-" + uid())
    srv.database_url = None  # about the SQLite file: on SQLite in the PostgreSQL run too
    srv.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FALCONET_DATABASE")}
        env["FALCONET_ADMIN_PASSWORD"] = "excl-second"
        second = subprocess.run(
            [falconet_bin(), "serve", "--listen", f"127.0.0.1:{free_port()}",
             "--data-dir", str(tmp_path / "data")],
            env=env, capture_output=True, text=True, timeout=30)
        assert second.returncode != 0
        assert "in use by another process" in second.stderr, second.stderr
        assert Api(srv).get("/userinfo").status_code == 200  # the first one goes on
    finally:
        rc = srv.stop(timeout=10)
    assert rc == 0, f"exit code after SIGTERM: {rc}\n" + srv.log_tail()


def test_start_clears_abandoned_upload_files(tmp_path):
    """Upload files a crashed server left behind go at the next start; one that is
    younger than a minute (its writer may be about to lock it) stays."""
    srv = Server(tmp_path / "data", tmp_path / "server.log", password="sweep-" + uid())
    srv.env, srv.blob_dir = {}, srv.data_dir  # the local store, also on S3 runs
    uploads = tmp_path / "data" / "artifacts" / "tmp"
    os.makedirs(uploads)
    old, young = uploads / "0", uploads / "1"
    for p in (old, young):
        p.write_bytes(b"half an upload")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    srv.start()
    try:
        assert not old.exists() and young.exists()
        assert srv.log_text().count("removed unfinished uploads count=1") == 1, srv.log_tail()
    finally:
        rc = srv.stop(timeout=10)
    assert rc == 0, f"exit code after SIGTERM: {rc}\n" + srv.log_tail()
