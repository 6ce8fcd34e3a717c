"""PostgreSQL only (FALCONET_E2E_DB=postgres): a database restart under a running server.

While PostgreSQL is down every request that needs the database answers 503 with
hawkBit's error body, quickly (the driver's connect timeout is 2 s), and the server
neither hangs nor exits. Once PostgreSQL is back the same server process serves
requests again, and what it acknowledged before the restart is still there. A server
started while PostgreSQL is still down waits for it (database.connect_retry_seconds).
"""

import os
import re
import subprocess
import threading
import time

import requests

from falconet_e2e import (Api, Server, assert_error, expect, expect_json, falconet_bin, free_port,
                          single_instance, uid)

ANSWER_WITHIN_S = 5


def timed(call):
    started = time.monotonic()
    r = call()
    return r, time.monotonic() - started


def test_requests_fail_fast_while_postgres_is_down_and_recover(pg, tmp_path):
    srv = Server(tmp_path / "data", tmp_path / "server.log", password="pgdown-" + uid())
    srv.start()
    stopped = False
    try:
        api = Api(srv)
        cid = f"pg-restart-{uid()}"
        expect(api.put("/system/configs/pollingTime", json={"value": "00:03:00"}), 200)
        api.create_target(cid, name="Before the restart", securityToken="tok-" + cid)

        assert pg.stop().returncode == 0, pg.log_tail()
        stopped = True
        for call in (lambda: api.get(f"/targets/{cid}"),
                     lambda: api.get("/targets"),
                     lambda: api.post("/targets", json=[{"controllerId": cid + "-x"}]),
                     lambda: requests.get(f"{srv.base_url}/DEFAULT/controller/v1/{cid}",
                                          headers={"Authorization": "TargetToken tok-" + cid},
                                          timeout=30)):
            for _ in range(3):
                r, took = timed(call)
                assert took < ANSWER_WITHIN_S, f"answered after {took:.1f} s"
                assert_error(r, 503)
        assert srv.alive(), srv.log_tail()

        assert pg.start() is pg
        stopped = False
        deadline = time.monotonic() + 15
        while True:
            r = api.get(f"/targets/{cid}")
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            assert_error(r, 503)
            time.sleep(0.2)
        got = expect_json(r, 200)
        assert got["name"] == "Before the restart" and got["securityToken"] == "tok-" + cid
        assert expect_json(api.get("/system/configs/pollingTime"), 200)["value"] == "00:03:00"
        for _ in range(20):
            expect_json(api.get(f"/targets/{cid}"), 200)
        api.create_target(cid + "-after")
        # Every worker reconnects, not only the one that answered first. A worker whose
        # last attempt failed while the database was down waits out its reconnect
        # back-off (500 ms) first, and answers 503 until then.
        deadline = time.monotonic() + 5
        while True:
            r = requests.get(f"{srv.base_url}/DEFAULT/controller/v1/{cid}",
                             headers={"Authorization": "TargetToken tok-" + cid}, timeout=30)
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            assert_error(r, 503)
            time.sleep(0.1)
        assert r.status_code == 200, r.text
        assert srv.alive(), srv.log_tail()
    finally:
        if stopped:
            pg.start()
        rc = srv.stop(timeout=10)
    assert rc == 0, f"exit code after SIGTERM: {rc}\n" + srv.log_tail()
    log = srv.log_text()
    assert pg.password not in log, "the database password reached the server log"
    assert "database connection lost" in log and "database connection restored" in log, log[-3000:]


@single_instance("builds its own topology: two processes started together on one database")
def test_two_instances_share_one_database(pg, tmp_path):
    """Two servers started together on one empty database: one migrates while the other
    waits, both serve the same data, and their write transactions do not interleave
    (the same assignment sent to both at once creates one action)."""
    a = Server(tmp_path / "a", tmp_path / "a.log", password="pgtwo-" + uid())
    b = Server(tmp_path / "b", tmp_path / "b.log", password=a.password)
    b.database_url = a.database_url
    errors = []

    def start(srv):
        try:
            srv.start(timeout=30)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=start, args=(s,)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors, "\n".join(errors)
        api_a, api_b = Api(a), Api(b)
        cid = f"pg-two-{uid()}"
        api_a.create_target(cid)
        assert expect_json(api_b.get(f"/targets/{cid}"), 200)["controllerId"] == cid
        ds, _ = api_b.complete_ds()

        outcomes = []

        def assign(api):
            try:
                outcomes.append(api.assign(cid, ds["id"], "forced"))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=assign, args=((api_a, api_b)[n % 2],))
                   for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, "\n".join(errors)
        assert sum(o["assigned"] for o in outcomes) == 1, outcomes
        assert sum(o["alreadyAssigned"] for o in outcomes) == 7, outcomes
        actions = expect_json(api_a.get(f"/targets/{cid}/actions"), 200)
        assert actions["total"] == 1, actions

        # the same new name sent to both at once: one 201, the rest 409
        name = f"pg-dup-{uid()}"
        codes = []

        def create(api):
            codes.append(api.post("/targets", json=[{"controllerId": name}]).status_code)

        threads = [threading.Thread(target=create, args=((api_a, api_b)[n % 2],))
                   for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(codes) == [201] + [409] * 7, codes
    finally:
        rc_a, rc_b = a.stop(timeout=10), b.stop(timeout=10)
    assert rc_a == 0 and rc_b == 0, a.log_tail() + b.log_tail()
    logs = a.log_text() + b.log_text()
    assert len(re.findall(r"applied migration version=1\b", logs)) == 1, logs[-3000:]


def test_acknowledged_writes_survive_a_postgres_crash_under_load(pg, tmp_path):
    """Writers keep creating targets while PostgreSQL is killed (`pg_ctl stop -m
    immediate`: no shutdown checkpoint, WAL recovery on start) and started again: every
    create that was answered 201 is there afterwards; the others were answered 503
    (or cut off), never 500, and the server stayed up."""
    srv = Server(tmp_path / "data", tmp_path / "server.log", password="pgcrash-" + uid())
    srv.start()
    stopped = False
    acknowledged, refused, other = [], [], []
    done = threading.Event()
    tag = uid()

    def writer(n):
        api = Api(srv)
        i = 0
        while not done.is_set():
            cid = f"crash-{tag}-{n}-{i}"
            i += 1
            try:
                r = api.post("/targets", json=[{"controllerId": cid}])
            except requests.RequestException:
                other.append(cid)
                continue
            (acknowledged if r.status_code == 201 else
             refused if r.status_code == 503 else other).append((cid, r.status_code))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)
        assert pg.stop(mode="immediate").returncode == 0, pg.log_tail()
        stopped = True
        time.sleep(1.5)
        assert pg.start() is pg
        stopped = False
        time.sleep(2.0)
        done.set()
        for t in threads:
            t.join(30)
        assert srv.alive(), srv.log_tail()
        assert not [x for x in other if isinstance(x, tuple)], other  # no 500 or other codes
        assert len(acknowledged) > 20 and refused, (len(acknowledged), len(refused))
        api = Api(srv)
        missing = [cid for cid, _ in acknowledged if api.get(f"/targets/{cid}").status_code != 200]
        assert not missing, f"{len(missing)} acknowledged creates lost: {missing[:5]}"
    finally:
        done.set()
        if stopped:
            pg.start()
        rc = srv.stop(timeout=10)
    assert rc == 0, f"exit code after SIGTERM: {rc}\n" + srv.log_tail()


def test_server_started_before_postgres_comes_up_once_it_is_there(pg, tmp_path):
    """A server started while PostgreSQL is still down (systemd, compose) keeps trying
    (database.connect_retry_seconds, default 30 s; exponential backoff), logs one line
    per attempt without the password, and serves once the database is there."""
    srv = Server(tmp_path / "data", tmp_path / "server.log", password="pglate-" + uid())
    assert pg.stop().returncode == 0, pg.log_tail()
    started = []
    timer = threading.Timer(1.5, lambda: started.append(pg.start()))
    try:
        timer.start()
        srv.start(timeout=30)
        timer.join()
        assert started == [pg]
        api = Api(srv)
        cid = f"pg-late-{uid()}"
        api.create_target(cid)
        assert expect_json(api.get(f"/targets/{cid}"), 200)["controllerId"] == cid
    finally:
        timer.join()
        if not started:
            pg.start()
        rc = srv.stop(timeout=10)
    assert rc == 0, f"exit code after SIGTERM: {rc}\n" + srv.log_tail()
    log = srv.log_text()
    assert pg.password not in log, "the database password reached the server log"
    attempts = re.findall(r"database not reachable \(attempt (\d+)\), next attempt in (\d+) ms: "
                          r"cannot connect to postgres://falconet:\*\*\*@127\.0\.0\.1:", log)
    assert attempts, log[-3000:]
    # the first wait is 250 ms and each next one twice the last (one process's lines)
    first = srv.instances[0].log_text()
    waits = [int(ms) for _, ms in re.findall(r"attempt (\d+)\), next attempt in (\d+) ms", first)]
    assert waits[:3] == [250, 500, 1000][:len(waits)], waits


def test_server_without_retry_stops_at_once_when_postgres_is_down(pg, tmp_path):
    """database.connect_retry_seconds = 0: one attempt, then exit 1 with a message that
    names the address (password masked) and the setting; a short budget gives up after
    it, saying how many attempts it made."""
    url = pg.create_database()
    assert pg.stop().returncode == 0, pg.log_tail()
    runs = {}
    try:
        for retry in ("0", "1"):
            env = {k: v for k, v in os.environ.items() if not k.startswith("FALCONET_DATABASE")}
            env.update(FALCONET_DATABASE_URL=url, FALCONET_DATABASE_CONNECT_RETRY_SECONDS=retry,
                       FALCONET_ADMIN_PASSWORD="pgdown-" + uid())
            began = time.monotonic()
            r = subprocess.run([falconet_bin(), "serve", "--listen", f"127.0.0.1:{free_port()}",
                                "--data-dir", str(tmp_path / f"data-{retry}")], env=env,
                               capture_output=True, text=True, timeout=60)
            runs[retry] = (r, time.monotonic() - began)
    finally:
        pg.start()
    (once, took_once), (short, took_short) = runs["0"], runs["1"]
    for r in (once, short):
        assert r.returncode == 1, r.stdout + r.stderr
        assert pg.password not in r.stdout + r.stderr
        assert "falconet: cannot connect to postgres://falconet:***@127.0.0.1:" in r.stderr, r.stderr
    assert took_once < 5, took_once
    assert "database not reachable" not in once.stderr, once.stderr
    assert "(1 attempt; database.connect_retry_seconds = 0)" in once.stderr, once.stderr
    assert 1 <= took_short < 8, took_short
    assert "database not reachable (attempt 1), next attempt in 250 ms" in short.stderr, short.stderr
    assert re.search(r"\(\d+ attempts; database.connect_retry_seconds = 1\)", short.stderr), \
        short.stderr
