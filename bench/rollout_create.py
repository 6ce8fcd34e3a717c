"""Time to create and start a rollout over N targets on the embedded SQLite store.

Usage: /usr/bin/python3 bench/rollout_create.py [N]   (default 100000; binary from
FALCONET_BIN or build/falconet). Starts its own server in a temp dir on 127.0.0.1,
registers N targets through the Management API (1000 per request), then creates a
10 % / 90 % rollout and starts it, and prints the timings as JSON."""
import json, os, shutil, subprocess, sys, tempfile, time, requests, socket

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("FALCONET_BIN", os.path.join(HERE, "..", "build", "falconet"))
tmp = tempfile.mkdtemp(prefix="falconet-bench-")
d = os.path.join(tmp, "var")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
env = dict(os.environ, FALCONET_ADMIN_PASSWORD="pw")
p = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", d], env=env,
                     stdout=open(os.path.join(tmp, "server.log"), "w"), stderr=subprocess.STDOUT)
base = f"http://127.0.0.1:{port}/rest/v1"; A = ("admin", "pw")
for _ in range(100):
    try:
        if requests.get(base + "/userinfo", auth=A, timeout=1).ok: break
    except Exception: time.sleep(0.1)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
t0 = time.time()
for b in range(0, N, 1000):
    r = requests.post(base + "/targets", auth=A, json=[{"controllerId": f"dev-{i:06d}"} for i in range(b, b + 1000)])
    assert r.status_code == 201, r.text[:200]
t1 = time.time()
sm = requests.post(base + "/softwaremodules", auth=A, json=[{"name": "os", "version": "1", "type": "os"}]).json()[0]
ds = requests.post(base + "/distributionsets", auth=A, json=[{"name": "ds", "version": "1", "type": "os", "modules": [{"id": sm["id"]}]}]).json()[0]
t2 = time.time()
r = requests.post(base + "/rollouts", auth=A, json={"name": "big", "distributionSetId": ds["id"], "targetFilterQuery": "controllerId==dev-*",
    "groups": [{"name": "g1", "targetPercentage": 10}, {"name": "g2", "targetPercentage": 90}]})
t3 = time.time()
assert r.status_code == 201, r.text[:300]
body = r.json(); rid = body["id"]
r2 = requests.post(base + f"/rollouts/{rid}/start", auth=A)
t4 = time.time()
assert r2.status_code == 200, r2.text[:300]
print(json.dumps({"targets": N, "create_targets_s": round(t1 - t0, 2), "rollout_create_s": round(t3 - t2, 3),
                  "status_after_create": body["status"], "totalTargets": body["totalTargets"],
                  "rollout_start_s": round(t4 - t3, 3), "status_after_start": r2.json()["status"],
                  "running": r2.json()["totalTargetsPerStatus"]["running"], "scheduled": r2.json()["totalTargetsPerStatus"]["scheduled"]}))
p.terminate(); p.wait(10)
shutil.rmtree(tmp, ignore_errors=True)
