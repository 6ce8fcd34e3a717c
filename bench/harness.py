"""Processes and load tools for the benchmark harness (bench/run.py).

Everything here runs on 127.0.0.1 inside one temp directory: `Falconet` (a
`falconet serve` on SQLite with a fleet of registered targets), `Nginx` (Debian's
nginx with a generated config, no system service), wrk and curl wrappers, and
the RSS / connection helpers the memory figures need.
"""

import hashlib
import importlib.util
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TENANT = "DEFAULT"
PASSWORD = "bench-admin-pw"
MIB = 1 << 20


def raise_fd_limit():
    """Soft RLIMIT_NOFILE := hard, for this process and the children it spawns."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def postgres_module():
    """The e2e suite's throwaway PostgreSQL (tests/e2e/pg.py), loaded by its path so that
    no installed module of the same name is taken instead."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e", "pg.py")
    spec = importlib.util.spec_from_file_location("falconet_e2e_pg", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def rss_parts_kb(pid):
    """VmRSS split into RssAnon (heap), RssFile (mapped files) and RssShmem, in KiB."""
    parts = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                parts[key] = int(line.split()[1])
    return parts


def median(values):
    return statistics.median(values) if values else None


def controller_id(i):
    return f"bench{i:07d}"


def target_token(i):
    return f"tok{i:07d}" + hashlib.sha1(str(i).encode()).hexdigest()[:16]


class RssSampler(threading.Thread):
    """Samples a process's VmRSS every `interval` seconds until stop(); keeps the peak."""

    def __init__(self, pid, interval=0.01):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                self.peak = max(self.peak, rss_kb(self.pid))
            except (OSError, RuntimeError):
                return
            time.sleep(self.interval)

    def stop(self):
        self._halt.set()
        self.join(5)
        return self.peak


class Falconet:
    """One `falconet serve` on a free loopback port with its own data dir."""

    def __init__(self, binary, workdir, name, env=None):
        self.binary = binary
        self.dir = os.path.join(workdir, name)
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.env = dict(os.environ, FALCONET_ADMIN_PASSWORD=PASSWORD, **(env or {}))
        self.proc = None
        self.targets = 0
        self.rss_after_register = None
        self.http = requests.Session()
        self.http.auth = ("admin", PASSWORD)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid

    def spawn(self):
        """Starts the process without waiting; returns the monotonic time just before exec."""
        os.makedirs(self.data_dir, exist_ok=True)
        log = open(self.log_path, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=raise_fd_limit)
        log.close()
        return t0

    def start(self, timeout=30):
        self.spawn()
        return self.wait_ready(timeout)

    def wait_ready(self, timeout=30):
        """Waits until the Management API answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"falconet exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                if self.http.get(self.base + "/rest/v1/userinfo", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.02)
        raise RuntimeError("falconet did not answer in time\n" + self.log_tail())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def rss_kb(self):
        return rss_kb(self.pid)

    # -- Management API ----------------------------------------------------
    def mgmt(self, method, path, expect=(200, 201), **kw):
        kw.setdefault("timeout", 600)
        r = self.http.request(method, self.base + "/rest/v1" + path, **kw)
        if r.status_code not in expect:
            raise RuntimeError(f"{method} {path} -> {r.status_code}: {r.text[:300]}")
        return r.json() if r.content and "json" in r.headers.get("Content-Type", "") else None

    def register(self, n, batch=1000):
        """Registers targets self.targets .. n-1 with deterministic ids and tokens."""
        for b in range(self.targets, n, batch):
            body = [{"controllerId": controller_id(i), "securityToken": target_token(i)}
                    for i in range(b, min(b + batch, n))]
            self.mgmt("POST", "/targets", json=body, expect=(201,))
        self.targets = max(self.targets, n)
        self.rss_after_register = rss_parts_kb(self.pid)

    def set_config(self, key, value):
        self.mgmt("PUT", f"/system/configs/{key}", json={"value": value})

    def make_ds(self, artifact_path=None, filename="bench.bin"):
        """An `os` distribution set with one module; optionally uploads an artifact into it."""
        tag = os.urandom(4).hex()
        sm = self.mgmt("POST", "/softwaremodules", json=[{"name": "sm-" + tag, "version": "1", "type": "os"}])[0]
        art = None
        if artifact_path:
            art = self.upload(sm["id"], artifact_path, filename)[0]
        ds = self.mgmt("POST", "/distributionsets", json=[{"name": "ds-" + tag, "version": "1", "type": "os",
                                                           "modules": [{"id": sm["id"]}]}])[0]
        return ds, sm, art

    def upload(self, sm_id, path, filename):
        """Streams a multipart upload with curl; returns (artifact json, seconds)."""
        url = f"{self.base}/rest/v1/softwaremodules/{sm_id}/artifacts"
        t0 = time.perf_counter()
        out = subprocess.run(["curl", "-sS", "--fail-with-body", "-u", f"admin:{PASSWORD}", "-H", "Expect:",
                              "-F", f"file=@{path};filename={filename}", url],
                             capture_output=True, check=True, timeout=3600)
        secs = time.perf_counter() - t0
        return json.loads(out.stdout), secs

    def assign(self, ds_id, indices, batch=1000):
        """Assigns the set to the given targets; returns {index: action id}."""
        actions = {}
        for b in range(0, len(indices), batch):
            chunk = indices[b:b + batch]
            out = self.mgmt("POST", f"/distributionsets/{ds_id}/assignedTargets",
                            json=[{"id": controller_id(i), "type": "forced"} for i in chunk])
            by_cid = {}
            for a in out["assignedActions"]:
                cid = a["_links"]["self"]["href"].split("/targets/")[1].split("/")[0]
                by_cid[cid] = a["id"]
            for i in chunk:
                actions[i] = by_cid[controller_id(i)]
        return actions

    # -- DDI -----------------------------------------------------------------
    def ddi_path(self, i, suffix=""):
        return f"/{TENANT}/controller/v1/{controller_id(i)}{suffix}"

    def ddi_get(self, i, suffix=""):
        return requests.get(self.base + self.ddi_path(i, suffix), timeout=30,
                            headers={"Authorization": "TargetToken " + target_token(i)})


NGINX_CONF = """daemon off;
master_process on;
worker_processes {workers};
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
worker_rlimit_nofile 65536;
events {{ worker_connections 20000; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path {dir}/tmp-body;
    proxy_temp_path {dir}/tmp-proxy;
    fastcgi_temp_path {dir}/tmp-fastcgi;
    uwsgi_temp_path {dir}/tmp-uwsgi;
    scgi_temp_path {dir}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port} reuseport;
        root {root};
    }}
}}
"""


class Nginx:
    """Debian's nginx serving `root` with a generated minimal config (no system service)."""

    def __init__(self, workdir, root, workers):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.root = root
        self.port = free_port()
        self.conf = os.path.join(self.dir, "nginx.conf")
        user = "user root;" if os.geteuid() == 0 else ""
        with open(self.conf, "w") as f:
            f.write(NGINX_CONF.format(workers=workers, user=user, dir=self.dir, port=self.port, root=root))
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen([nginx_binary(), "-p", self.dir, "-c", self.conf, "-e",
                                      os.path.join(self.dir, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     preexec_fn=raise_fd_limit)
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.01)
        raise RuntimeError("nginx did not start: " + open(os.path.join(self.dir, "error.log")).read()[-1000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        self.proc = None


def nginx_binary():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def tool_version(cmd, pattern=None):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (out.stdout + out.stderr).strip().splitlines()
    line = text[0] if text else "?"
    if pattern:
        m = re.search(pattern, line)
        line = m.group(1) if m else line
    return line


# --------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------

LUA = os.path.join(HERE, "requests.lua")


def write_request_list(path, entries):
    """One `path<TAB>authorization` line per request; wrk's Lua cycles over them."""
    with open(path, "w") as f:
        for p, auth in entries:
            f.write(f"{p}\t{auth}\n")


def wrk(base, request_list, seconds, connections, threads):
    """Runs wrk over the given request list; returns {rps, p50_ms, p99_ms, errors, non2xx}."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
           "--timeout", "10s", "-s", LUA, base, "--", request_list]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    text = out.stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if out.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({out.returncode}): {text[-500:]} {out.stderr[-500:]}")
    res = {"rps": float(m.group(1)), "non2xx": 0, "errors": 0}
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        res["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        res["errors"] = sum(int(x) for x in m.groups())
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if m:
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
            res[key] = round(float(m.group(1)) * scale, 3)
    return res


def alternate(runs, warmup, sides):
    """Runs each side's load once as warm-up, then `runs` times in alternation.

    sides: [(name, fn(seconds) -> wrk result)]. Returns {name: [results]}.
    Raises when a measured run saw a non-2xx answer or a socket error."""
    for _, fn in sides:
        fn(warmup)
    out = {name: [] for name, _ in sides}
    for _ in range(runs):
        for name, fn in sides:
            r = fn(None)
            if r["non2xx"] or r["errors"]:
                raise RuntimeError(f"{name}: {r['non2xx']} non-2xx answers, {r['errors']} socket errors")
            out[name].append(r)
    return out


def send_once(port, entries, connections=32, deadline_s=900):
    """Sends every (path, authorization) GET once over `connections` keep-alive connections.

    Returns {rps, non2xx, errors}. Used before measured loads: a target's first poll and an
    action's first deploymentBase write to the database once; the measured runs then see
    the steady state."""
    counts = {"non2xx": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline_s

    def worker(part):
        bad = err = 0
        sock = None
        for path, auth in part:
            if time.monotonic() > stop_at:
                err += 1
                break
            req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"Authorization: {auth}\r\n\r\n").encode()
            try:
                if sock is None:
                    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                bad += http_roundtrip(sock, req) // 100 != 2
            except OSError:
                err += 1
                if sock:
                    sock.close()
                sock = None
        if sock:
            sock.close()
        with lock:
            counts["non2xx"] += bad
            counts["errors"] += err

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(entries[k::connections],)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return dict(counts, rps=len(entries) / (time.perf_counter() - t0), requests=len(entries))


def sample_indices(n, k, seed=1):
    """k distinct target indices out of n, shuffled (all of them when k >= n)."""
    rnd = random.Random(seed)
    if k >= n:
        idx = list(range(n))
        rnd.shuffle(idx)
        return idx
    return rnd.sample(range(n), k)


# --------------------------------------------------------------------------
# curl downloads, idle connections, start-up probes
# --------------------------------------------------------------------------

def curl_download(url, headers=()):
    """Downloads url to /dev/null; returns (bytes/s, bytes)."""
    cmd = ["curl", "-sS", "--fail", "-o", "/dev/null", "-w", "%{speed_download} %{size_download}"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True, timeout=3600)
    speed, size = out.stdout.split()
    return float(speed), int(size)


def http_roundtrip(sock, request):
    """Sends one request on a blocking socket and reads one whole response; returns the status."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    need = int(m.group(1)) if m else 0
    while len(body) < need:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the body")
        body += chunk
    return int(head.split(b" ", 2)[1])


def poll_request(i, port):
    return (f"GET /{TENANT}/controller/v1/{controller_id(i)} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: TargetToken {target_token(i)}\r\n\r\n").encode()


def open_keepalive_connections(port, n, targets, timeout=10):
    """Opens n connections, answers one DDI poll on each, and returns the open sockets."""
    socks = []
    try:
        for k in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            socks.append(s)
            status = http_roundtrip(s, poll_request(k % targets, port))
            if status != 200:
                raise RuntimeError(f"poll on connection {k} answered {status}")
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks


def time_to_first_answer(server, request, want_status=None, timeout=30):
    """Spawns the server and busy-polls (1 ms retry) until one whole response arrives.

    Returns (seconds from just before exec to the end of that response, status)."""
    t0 = server.spawn()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
                status = http_roundtrip(s, request)
                if want_status is None or status == want_status:
                    return time.perf_counter() - t0, status
        except OSError:
            pass
        if server.proc.poll() is not None:
            raise RuntimeError("falconet exited during start-up\n" + server.log_tail())
        time.sleep(0.001)
    raise RuntimeError("no answer within the timeout")


def hash_pass(path, chunk=MIB):
    """One pass of MD5 + SHA-1 + SHA-256 over the file, 1 MiB at a time.

    Returns (seconds, {"md5", "sha1", "sha256"} hex digests)."""
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            md5.update(block)
            sha1.update(block)
            sha256.update(block)
    secs = time.perf_counter() - t0
    return secs, {"md5": md5.hexdigest(), "sha1": sha1.hexdigest(), "sha256": sha256.hexdigest()}


def make_random_file(path, size):
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 4 * MIB)
            f.write(os.urandom(n))
            left -= n
