"""Several servers as one (PostgreSQL only, FALCONET_E2E_DB=postgres): three Falconet
processes on one database behind haproxy from Debian.

Any instance serves any request; one instance at a time holds the scheduler lease and
runs the rollouts; when that instance is killed mid-rollout another one takes the
lease over and the rollout finishes, without a target getting a second action.
"""

import signal
import time

import pytest

from falconet_e2e import Api, Device, Server, expect_json, uid, wait_until

LEADER_LINE = "runs rollouts and auto-assignment: yes"


@pytest.fixture
def pg(postgres):
    if postgres is None:
        pytest.skip("PostgreSQL only: run with FALCONET_E2E_DB=postgres")
    return postgres


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
