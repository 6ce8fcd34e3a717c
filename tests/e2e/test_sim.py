"""falconet-sim against the session server: registration, polling, a deployment with
failures, downloads cut and resumed, intermediate feedback, and a cancelation.

The simulator binary is expected next to FALCONET_BIN (same build directory)."""

import hashlib
import json
import os
import subprocess

from falconet_e2e import expect, expect_json, falconet_bin, uid, wait_until

SEED = "e2e-seed"


def sim_bin():
    path = os.path.join(os.path.dirname(os.path.abspath(falconet_bin())), "falconet-sim")
    assert os.access(path, os.X_OK), f"falconet-sim not found next to falconet: {path}"
    return path


def run_sim(server, *args, timeout=30):
    cmd = [sim_bin(), "--server", server.base_url, "--report", "json", "--quiet",
           "--token-seed", SEED, "--mgmt-password", server.password, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert p.returncode in (0, 1), f"rc={p.returncode}\n{p.stderr}"
    report = json.loads(p.stdout)
    return p.returncode, report, p.stderr


def cid(prefix, i):
    return f"{prefix}{i:06d}"


def failing(n, ratio, seed=SEED):
    """The devices the simulator fails: (i * 0x9E3779B9 + offset) mod 2^32 < ratio * 2^32."""
    offset = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big")
    threshold = int(ratio * 2 ** 32)
    return {i for i in range(n) if ((i * 0x9E3779B9 + offset) & 0xFFFFFFFF) < threshold}


def fleet_targets(api, prefix):
    return api.list_all("/targets", params={"q": f"controllerId=={prefix}*"})


def test_sim_register_poll_deploy_cancel(server, api):
    n = 200
    prefix = f"sim{uid()[:6]}-"
    # 1. register through the Management API and poll
    rc, rep, err = run_sim(server, "--devices", str(n), "--prefix", prefix, "--register", "api",
                           "--poll-interval", "1", "--duration", "3")
    assert rc == 0 and rep["errors"]["total"] == 0, (rep, err)
    assert rep["devices_registered"] == n and rep["devices_existing"] == 0, rep
    assert rep["requests"]["poll"]["count"] >= n, rep
    assert rep["requests"]["poll"]["errors"] == 0, rep
    assert rep["requests"]["register"]["count"] == 1, rep

    def all_seen():
        ts = fleet_targets(api, prefix)
        return len(ts) == n and all(t.get("lastControllerRequestAt") for t in ts) and ts
    targets = wait_until(all_seen, timeout=5, what="every simulated target seen")
    token = hashlib.sha256(f"{SEED}:{cid(prefix, 7)}".encode()).hexdigest()[:32]
    assert {t["controllerId"]: t["securityToken"] for t in targets}[cid(prefix, 7)] == token

    # 2. a set with two artifacts for every device, a quarter of them failing
    sm = api.create_sm("os", version="1." + uid()[:6])
    sizes = {"fw.bin": 64 * 1024 + 3, "extra.bin": 1000}
    for name, size in sizes.items():
        api.upload(sm["id"], name, os.urandom(size))
    ds = api.create_ds("os")
    api.add_modules(ds["id"], [sm["id"]])
    body = expect_json(api.post(f"/distributionsets/{ds['id']}/assignedTargets",
                                json=[{"id": cid(prefix, i)} for i in range(n)]), 200)
    assert body["assigned"] == n, body

    rc, rep, err = run_sim(server, "--devices", str(n), "--prefix", prefix, "--register", "api",
                           "--poll-interval", "1", "--duration", "4", "--fail-ratio", "0.25",
                           "--download", "yes", "--resume-ratio", "0.5", "--feedback-burst", "2")
    assert rc == 0 and rep["errors"]["total"] == 0, (rep, err)
    assert rep["devices_existing"] == n and rep["devices_registered"] == 0, rep
    fails = failing(n, 0.25)
    assert abs(len(fails) - n // 4) <= 3, len(fails)
    acts = rep["actions"]
    assert (acts["started"], acts["finished"], acts["failed"]) == (n, n - len(fails), len(fails)), rep
    # proceeding + 2 intermediate + closed per action; whole files plus resumed halves
    assert rep["requests"]["feedback"]["count"] == 4 * n, rep
    assert rep["bytes_downloaded"] == n * sum(sizes.values()), rep
    assert 0 < rep["downloads_cut"] < 2 * n, rep
    assert rep["requests"]["download"]["count"] == 2 * n + rep["downloads_cut"], rep

    status = {t["controllerId"]: t["updateStatus"] for t in fleet_targets(api, prefix)}
    want = {cid(prefix, i): ("error" if i in fails else "in_sync") for i in range(n)}
    assert status == want

    # 3. cancel a fresh assignment on three devices: they acknowledge it
    ds2, _ = api.complete_ds()
    canceled = [cid(prefix, i) for i in (1, 2, 3)]
    for c in canceled:
        aid = api.assign(c, ds2["id"])["assignedActions"][0]["id"]
        expect(api.delete(f"/targets/{c}/actions/{aid}"), (200, 204))
    rc, rep, err = run_sim(server, "--devices", str(n), "--prefix", prefix,
                           "--poll-interval", "1", "--duration", "2.5")
    assert rc == 0 and rep["errors"]["total"] == 0, (rep, err)
    assert rep["actions"]["canceled"] == 3, rep
    for c in canceled:
        acts = api.list_all(f"/targets/{c}/actions")
        assert sorted(a["status"] for a in acts) == ["canceled", "finished"] \
            or sorted(a["status"] for a in acts) == ["canceled", "error"], acts


def test_sim_usage_and_unreachable_server(server):
    p = subprocess.run([sim_bin(), "--devices", "0", "--server", server.base_url],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "--devices" in p.stderr
    p = subprocess.run([sim_bin(), "--devices", "5", "--server", "https://x"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2
    # nothing listens there: connect errors, exit status 1, still a report
    from falconet_e2e import free_port
    rc, rep, _ = run_sim(type("S", (), {"base_url": f"http://127.0.0.1:{free_port()}",
                                        "password": "x"})(),
                         "--devices", "5", "--poll-interval", "0.2", "--duration", "1")
    assert rc == 1 and rep["errors"]["connect"] > 0, rep
