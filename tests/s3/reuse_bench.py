"""Measures what S3 connection reuse buys: a falconet on S3 (s3rver on loopback) takes
N small uploads and then N one-range downloads, one after the other, and the script
prints the time per request and, through the verifying proxy, how many TCP
connections falconet opened to S3 for them.

    /usr/bin/python3 tests/s3/reuse_bench.py --bin build/falconet [--n 200] [--via-proxy]

Direct to s3rver gives the timings; --via-proxy puts tests/s3/sigv4_proxy.py in
between (slower, Python) and counts the connections.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sigv4_proxy  # noqa: E402

BUCKET = "bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, ok, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.head(url, timeout=1).status_code in ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--via-proxy", action="store_true")
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="falconet-reuse-")
    procs = []
    try:
        s3port = free_port()
        procs.append(subprocess.Popen(
            [os.path.join(HERE, "node_modules", ".bin", "s3rver"), "-d", tmp + "/s3", "-a",
             "127.0.0.1", "-p", str(s3port), "--allow-mismatched-signatures",
             "--configure-bucket", BUCKET], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        endpoint = f"http://127.0.0.1:{s3port}"
        wait_http(f"{endpoint}/{BUCKET}", (200,))
        proxy = None
        if a.via_proxy:
            proxy = sigv4_proxy.Proxy(endpoint, "S3RVER", "S3RVER").start()
            endpoint = proxy.endpoint
        port = free_port()
        env = dict(os.environ, FALCONET_ADMIN_PASSWORD="pw", FALCONET_STORAGE_URL=f"s3://{BUCKET}/x",
                   FALCONET_STORAGE_S3_ENDPOINT=endpoint, FALCONET_STORAGE_S3_ACCESS_KEY="S3RVER",
                   FALCONET_STORAGE_S3_SECRET_KEY="S3RVER")
        procs.append(subprocess.Popen(
            [a.bin, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", tmp + "/data"],
            env=env, stdout=open(tmp + "/falconet.log", "wb"), stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}/rest/v1"
        wait_http(base + "/userinfo", (200, 401))
        s = requests.Session()
        s.auth = ("admin", "pw")
        sm = s.post(base + "/softwaremodules",
                    json=[{"name": "bench", "version": "1", "type": "os"}]).json()[0]["id"]
        data = os.urandom(a.size)
        conns0 = proxy.stats.connections if proxy else 0
        t0 = time.monotonic()
        ids = []
        for i in range(a.n):
            r = s.post(f"{base}/softwaremodules/{sm}/artifacts",
                       files={"file": (f"f{i}.bin", data)})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        t1 = time.monotonic()
        conns1 = proxy.stats.connections if proxy else 0
        for i in ids:
            r = s.get(f"{base}/softwaremodules/{sm}/artifacts/{i}/download",
                      headers={"Range": "bytes=100-199"})
            assert r.status_code == 206 and r.content == data[100:200], r.status_code
        t2 = time.monotonic()
        conns2 = proxy.stats.connections if proxy else 0
        print(f"{a.n} uploads of {a.size} B: {(t1 - t0) / a.n * 1000:.2f} ms each"
              + (f", {conns1 - conns0} S3 connections" if proxy else ""))
        print(f"{a.n} ranged downloads (HeadObject + GetObject each): "
              f"{(t2 - t1) / a.n * 1000:.2f} ms each"
              + (f", {conns2 - conns1} S3 connections" if proxy else ""))
        if proxy:
            print(f"proxy: {proxy.stats.snapshot()}")
    except Exception:
        with open(tmp + "/falconet.log", errors="replace") as f:
            print(f.read()[-3000:], file=sys.stderr)
        raise
    finally:
        for pr in reversed(procs):
            pr.terminate()
            pr.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
