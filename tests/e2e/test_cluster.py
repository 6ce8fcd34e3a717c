"""Several servers as one (PostgreSQL only, FALCONET_E2E_DB=postgres): three Falconet
processes on one database behind haproxy from Debian.

Any instance serves any request; one instance at a time holds the scheduler lease and
runs the rollouts; when that instance is killed mid-rollout another one takes the
lease over and the rollout finishes, without a target getting a second action.
"""

import base64
import os
import signal
import socket
import time

from falconet_e2e import (Api, Device, Server, expect_json, files_under, multipart, uid,
                          wait_until)

LEADER_LINE = "runs rollouts and auto-assignment: yes"


def _logs(servers):
    return [s.log_text() for s in servers]


def _leader(servers):
    """The live server holding the scheduler lease: a server logs each change of its
    lease, so the holder is the one whose last such line says yes."""
    def holder():
        leaders = []
        for s, log in zip(servers, _logs(servers)):
            said = [line for line in log.splitlines()
                    if " runs rollouts and auto-assignment: " in line]
            if said and LEADER_LINE in said[-1] and s.alive():
                leaders.append(s)
        return leaders[0] if len(leaders) == 1 else None
    return wait_until(holder, timeout=10, what="one scheduler lease holder")


def test_three_instances_behind_haproxy_survive_losing_the_leader(pg, tmp_path):
    cluster = Server(tmp_path / "data", tmp_path / "server.log", password="cluster-" + uid(),
                     instances=3)
    cluster.start(timeout=30)
    servers = cluster.instances
    front = cluster.front
    try:
        api = Api(front)

        # Any instance serves what another wrote.
        tag = uid()
        created = [api.create_target(f"cl-{tag}-{i:02d}") for i in range(12)]
        for s in servers:
            got = expect_json(Api(s).get(f"/targets/{created[5]['controllerId']}"), 200)
            assert got["securityToken"] == created[5]["securityToken"]
        devices = {t["controllerId"]: Device(front, t["controllerId"], t["securityToken"])
                   for t in created}

        # Exactly one instance leads the periodic work.
        leader = _leader(servers)
        time.sleep(1)
        assert sum(LEADER_LINE in log for log in _logs(servers)) == 1

        ds, _ = api.complete_ds()
        body = expect_json(api.post("/rollouts", json={
            "name": f"cluster-{tag}", "distributionSetId": ds["id"],
            "targetFilterQuery": f"controllerId==cl-{tag}-*", "amountGroups": 2,
            "successCondition": {"condition": "THRESHOLD", "expression": "100"}}), 201)
        rid = body["id"]
        expect_json(api.post(f"/rollouts/{rid}/start"), 200)
        groups = expect_json(api.get(f"/rollouts/{rid}/deploygroups"), 200)["content"]
        first = [t["controllerId"] for t in expect_json(
            api.get(f"/rollouts/{rid}/deploygroups/{groups[0]['id']}/targets"), 200)["content"]]
        second = sorted(set(devices) - set(first))

        def report(cids):
            for c in cids:
                dev = devices[c]
                href = wait_until(lambda: dev.links().get("deploymentBase"), timeout=20,
                                  what=f"{c} deployment")
                aid = int(href.split("/deploymentBase/")[1].split("?")[0])
                assert dev.feedback(aid, execution="closed", finished="success").status_code == 200

        # Kill the lease holder mid-rollout: another instance takes over.
        leader.proc.send_signal(signal.SIGKILL)
        leader.proc.wait(10)
        report(first)
        wait_until(lambda: expect_json(api.get(f"/rollouts/{rid}/deploygroups"), 200)
                   ["content"][1]["status"] == "running", timeout=20, what="second group started")
        successor = _leader([s for s in servers if s is not leader])
        assert successor is not leader
        report(second)
        wait_until(lambda: expect_json(api.get(f"/rollouts/{rid}"), 200)["status"] == "finished",
                   timeout=20, what="rollout finished")
        counts = expect_json(api.get(f"/rollouts/{rid}"), 200)["totalTargetsPerStatus"]
        assert counts["finished"] == 12, counts
        for c in devices:
            assert expect_json(api.get(f"/targets/{c}/actions"), 200)["total"] == 1, c
        # The rollout's progress was driven from one place at a time.
        finished_lines = sum(log.count(f"rollout {rid} finished") for log in _logs(servers))
        assert finished_lines == 1, finished_lines
    finally:
        cluster.stop(timeout=10)


def test_tenant_settings_change_is_seen_by_every_instance_at_once(pg, tmp_path):
    """Each server keeps the tenant settings in memory. A change through one server
    returns only once every other server has dropped its copy (LISTEN/NOTIFY, answered
    by each), so the very next request to any server sees it; also after PostgreSQL
    restarted under them (each listener listens again)."""
    cluster = Server(tmp_path / "data", tmp_path / "server.log", password="coh-" + uid(),
                     instances=3)
    cluster.start(timeout=30)
    servers = cluster.instances
    try:
        api = Api(cluster)
        t = api.create_target(f"coh-{uid()}")
        devices = [Device(s, t["controllerId"], t["securityToken"]) for s in servers]
        for d in devices:  # every server has the settings in memory now
            assert d.poll_body()["config"]["polling"]["sleep"] == "00:05:00"

        def change_through_each(values):
            for writer, value in zip(servers * 2, values):
                expect_json(Api(writer).put("/system/configs/pollingTime",
                                            json={"value": value}), 200)
                seen = [d.poll_body()["config"]["polling"]["sleep"] for d in devices]
                assert seen == [value] * 3, (writer.port, value, seen)

        change_through_each(["00:01:00", "00:02:00", "00:03:00"])
        # an authentication switch, and back: the next poll anywhere follows it
        expect_json(Api(servers[0]).put("/system/configs/authentication.targettoken.enabled",
                                        json={"value": False}), 200)
        assert [d.poll().status_code for d in devices] == [401] * 3
        assert Api(servers[1]).delete("/system/configs/authentication.targettoken.enabled") \
            .status_code == 200
        assert [d.poll().status_code for d in devices] == [200] * 3

        assert pg.stop().returncode == 0, pg.log_tail()
        assert pg.start() is pg
        wait_until(lambda: all(Api(s).get("/userinfo").status_code == 200
                               and d.poll().status_code == 200
                               for s, d in zip(servers, devices)),
                   timeout=20, what="every server serving again")
        wait_until(lambda: all(s.log_text().count("hearing the other servers' changes again")
                               for s in servers), timeout=10, what="every listener back")
        change_through_each(["00:04:00", "00:06:00", "00:07:00"])
    finally:
        cluster.stop(timeout=10)
    log = cluster.log_text()
    assert "servers answered" not in log, log[-3000:]  # no announcement went unanswered


def test_restarting_one_server_keeps_the_uploads_of_the_others(pg, tmp_path):
    """Servers sharing a storage.path (a network file system): one that starts clears
    the upload files crashed servers left behind, but not the uploads another server is
    still receiving."""
    cluster = Server(tmp_path / "data", tmp_path / "server.log", password="up-" + uid(),
                     instances=2)
    cluster.env, cluster.blob_dir = {}, cluster.data_dir  # local storage, also on S3 runs
    cluster.start(timeout=30)
    receiving, restarting = cluster.instances
    uploads = os.path.join(cluster.data_dir, "artifacts", "tmp")
    try:
        api = Api(receiving)
        sm = api.create_sm("os")
        data = os.urandom(3 * 1024 * 1024)
        body, ctype = multipart(data, "slow.bin")
        auth = base64.b64encode(f"admin:{cluster.password}".encode()).decode()
        head = (f"POST /rest/v1/softwaremodules/{sm['id']}/artifacts HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{receiving.port}\r\nAuthorization: Basic {auth}\r\n"
                f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n").encode()
        half = len(body) // 2
        with socket.create_connection(("127.0.0.1", receiving.port), timeout=30) as s:
            s.sendall(head + body[:half])
            wait_until(lambda: files_under(uploads), timeout=10, what="upload file created")
            assert restarting.stop(timeout=10) == 0, restarting.log_tail()
            restarting.launch(cluster.environment())
            restarting.wait_ready(time.monotonic() + 30)
            s.sendall(body[half:])
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 201"), reply[:500]
        arts = expect_json(Api(restarting).get(f"/softwaremodules/{sm['id']}/artifacts"), 200)
        r = Api(restarting).get(f"/softwaremodules/{sm['id']}/artifacts/{arts[0]['id']}/download")
        assert r.status_code == 200 and r.content == data
        assert files_under(uploads) == {}
    finally:
        cluster.stop(timeout=10)
