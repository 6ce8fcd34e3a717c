"""Shared helpers for the Falconet black-box end-to-end tests.

Everything here talks to a running `falconet serve` over HTTP only; nothing
reads the server's database.  conftest.py builds the session-wide server and
hands tests an `Api` object (base URL + Basic auth + small creation helpers).
"""

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_BIN = os.path.join(REPO_ROOT, "build", "falconet")

ERR = "hawkbit.server.error."
NOT_FOUND = ERR + "repo.entityNotFound"
ALREADY_EXISTS = ERR + "repo.entityAlreadyExists"
NOT_READABLE = ERR + "rest.body.notReadable"
LOCKED = ERR + "locked"
CONFIG_KEY_INVALID = ERR + "configKeyInvalid"
CONFIG_VALUE_INVALID = ERR + "configValueInvalid"
SORT_ERRORS = (ERR + "rest.param.invalidField", ERR + "rest.param.sortParamSyntax",
               ERR + "rest.param.invalidDirection")

MAXINT = 2147483647


def falconet_bin():
    return os.environ.get("FALCONET_BIN", DEFAULT_BIN)


def uid():
    """A short unique lower-case suffix for names created by a test."""
    return uuid.uuid4().hex[:12]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def now_ms():
    return int(time.time() * 1000)


def hashes_of(data):
    return {"md5": hashlib.md5(data).hexdigest(),
            "sha1": hashlib.sha1(data).hexdigest(),
            "sha256": hashlib.sha256(data).hexdigest()}


def basic_auth_header(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------

# Set by conftest.py when the suite runs on PostgreSQL (FALCONET_E2E_DB=postgres): a
# callable that creates an empty database and returns its URL. Every Server gets its
# own, kept across its restarts, as a data dir is.
database_factory = None

# Set by conftest.py when the suite keeps artifacts in S3 (FALCONET_E2E_BLOB=s3): a
# callable returning the FALCONET_STORAGE_* variables of a fresh prefix in the test
# bucket, and the directory where that prefix's bytes end up (s3rver's store).
blob_factory = None

# Set by conftest.py from FALCONET_E2E_CLUSTER: how many falconet processes a Server
# runs by default (behind haproxy when more than one).
cluster_size = 1

def single_instance(reason):
    """Marks a test that runs its servers as one process even in cluster mode
    (FALCONET_E2E_CLUSTER), for the reason given; conftest.py reports each such test."""
    return pytest.mark.single_instance(reason=reason)


def _answers(url, password):
    """Whether GET url/rest/v1/userinfo answers 200 (and the last failure otherwise)."""
    try:
        r = requests.get(url + "/rest/v1/userinfo", auth=("admin", password), timeout=1)
        return r.status_code == 200, f"HTTP {r.status_code}: {r.text[:200]}"
    except requests.RequestException as e:
        return False, repr(e)


class Instance:
    """One `falconet serve` process on a free port (a new one at each start)."""

    def __init__(self, data_dir, log_path, password):
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.password = password
        self.port = None
        self.proc = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid

    def launch(self, env):
        """Starts the process; ready() tells when it answers."""
        binary = falconet_bin()
        if not os.access(binary, os.X_OK):
            raise AssertionError(f"falconet binary not found or not executable: {binary} "
                                 "(build it first or set FALCONET_BIN)")
        os.makedirs(self.data_dir, exist_ok=True)
        self.port = free_port()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir",
                 self.data_dir],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)

    def wait_ready(self, deadline):
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"falconet exited with {self.proc.returncode} during "
                                     "start-up\n" + self.log_tail())
            ok, last = _answers(self.base_url, self.password)
            if ok:
                return
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"falconet did not answer GET /rest/v1/userinfo in time "
                             f"(last: {last})\n" + self.log_tail())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM the process and return its exit code (None if it hung and was killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return (f"--- server log {os.path.basename(self.log_path)} (tail) ---\n"
                    + data[-n:].decode("utf-8", "replace"))
        except OSError:
            return "(no server log)"

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("VmRSS not found")


class Front:
    """haproxy from Debian in front of several instances (docs/scale-out.md): round robin
    without stickiness, so consecutive requests land on different instances; a failed
    connection is retried on another instance and a dead one is taken out by its health
    check. Its configuration and log sit next to the path given (`<path>.cfg`, `.log`)."""

    def __init__(self, path, ports, password):
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        assert os.access(haproxy, os.X_OK), "haproxy is not installed (Debian package haproxy)"
        self.port = free_port()
        self.password = password
        self.cfg_path, self.log_path = str(path) + ".cfg", str(path) + ".log"
        backends = "\n".join(f"  server s{i} 127.0.0.1:{p} check inter 200ms fall 1 rise 2"
                             for i, p in enumerate(ports))
        # tune.bufsize: requests with long headers or URLs reach the servers, whose own
        # limits the tests check; accept-invalid-http-request: so do malformed ones.
        with open(self.cfg_path, "w") as f:
            f.write(f"""global
  maxconn 4000
  tune.bufsize 65536
defaults
  mode http
  timeout connect 1s
  timeout client 120s
  timeout server 120s
  retries 3
  option redispatch
  retry-on conn-failure empty-response
  option forwardfor
  option accept-invalid-http-request
frontend front
  bind 127.0.0.1:{self.port}
  default_backend servers
backend servers
  balance roundrobin
{backends}
""")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([haproxy, "-db", "-f", self.cfg_path], stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_until(lambda: self.proc.poll() is not None or _answers(self.base_url, password)[0],
                   timeout=10, what="haproxy forwarding")
        assert self.proc.poll() is None, f"haproxy exited\n{self.log_tail()}"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(10)

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return "--- haproxy log (tail) ---\n" + f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""


class Server:
    """What a test talks to: one `falconet serve` process on a free port with its own data
    dir (and, on PostgreSQL, its own database), or, in cluster mode, several processes on
    that one database behind haproxy.

    instances: how many processes (default `cluster_size`, i.e. FALCONET_E2E_CLUSTER, else
    1). A server on SQLite (database_url None) always runs one: a SQLite file is served by
    one process. The instances share the data dir, which then holds only the artifacts
    (storage.path shared as on a network file system) or nothing (S3), and log to
    `log_path` (the first) and `log_path.1`, `.2`, ...; haproxy's files are
    `log_path.haproxy.cfg` and `.log`. `port`/`base_url` are the front's when there is one.
    start() and stop() start and stop every process (and the front); a restart gets new
    ports."""

    def __init__(self, data_dir, log_path, password, instances=None):
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.password = password
        self.instances_wanted = instances if instances is not None else cluster_size
        self.instances = []
        self.front = None
        self.database_url = database_factory() if database_factory else None
        # Extra environment for the server (FALCONET_STORAGE_* for S3); blob_dir is
        # where the artifact bytes end up on disk.
        self.env = {}
        self.blob_dir = self.data_dir
        if blob_factory:
            self.env, self.blob_dir = blob_factory()

    @property
    def port(self):
        return self.front.port if self.front else self.instances[0].port

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        """The process id of a one-process server (see pids)."""
        assert len(self.instances) == 1, "several processes: use pids"
        return self.instances[0].pid

    @property
    def pids(self):
        return [i.pid for i in self.instances]

    def process(self):
        """One falconet process of the server (the first), for tests of how a process
        itself answers broken or oversize requests: haproxy in front would answer some of
        those itself (when a server answers before the body has arrived and closes,
        haproxy cuts the client's connection instead of passing the 413 on)."""
        return self.instances[0]

    @property
    def log_paths(self):
        """Every log file of the server (instances, then haproxy's)."""
        paths = [i.log_path for i in self.instances]
        if self.front:
            paths.append(self.front.log_path)
        return paths

    def own_files(self):
        """The files the harness writes for this server outside its data dir."""
        files = self.log_paths
        if self.front:
            files.append(self.front.cfg_path)
        return files

    def environment(self):
        """The environment every process of the server starts with."""
        env = dict(os.environ)
        env["FALCONET_ADMIN_PASSWORD"] = self.password
        if self.database_url:
            env["FALCONET_DATABASE_URL"] = self.database_url
        env.update(self.env)
        # DDI "last seen" is buffered and flushed in batches; flush often so tests see it quickly
        env.setdefault("FALCONET_DDI_FLUSH_INTERVAL_MS", "200")
        env.setdefault("FALCONET_ROLLOUT_DYNAMIC_CHECK_INTERVAL_MS", "300")
        return env

    def start(self, timeout=10.0):
        n = self.instances_wanted if self.database_url else 1
        if len(self.instances) != n:
            self.instances = [Instance(self.data_dir,
                                       self.log_path if i == 0 else f"{self.log_path}.{i}",
                                       self.password) for i in range(n)]
        env = self.environment()
        # Launched together: the first migrates an empty database, the others wait for it.
        for inst in self.instances:
            inst.launch(env)
        deadline = time.monotonic() + timeout * (1 if n == 1 else 2)
        try:
            for inst in self.instances:
                inst.wait_ready(deadline)
            if n > 1:
                self.front = Front(self.log_path + ".haproxy", [i.port for i in self.instances],
                                   self.password)
        except BaseException:
            for inst in self.instances:
                inst.kill()
            raise
        return self

    def alive(self):
        return (bool(self.instances) and all(i.alive() for i in self.instances)
                and (self.front is None or self.front.alive()))

    def returncodes(self):
        return [i.proc.returncode if i.proc else None for i in self.instances]

    def stop(self, timeout=10.0):
        """SIGTERM every process and return the exit code: 0 when every one exited 0,
        else the first other code (None if one hung and was killed)."""
        codes = [i.stop(timeout) for i in self.instances]
        if self.front:
            self.front.stop()
            self.front = None
        return next((c for c in codes if c != 0), 0)

    def log_text(self):
        """Every instance's log, one after the other."""
        return "".join(i.log_text() for i in self.instances)

    def log_tail(self, n=4000):
        tails = [i.log_tail(n) for i in self.instances]
        if self.front:
            tails.append(self.front.log_tail())
        return "\n".join(tails)

    def rss_kb(self):
        """The resident memory of all processes together."""
        return sum(self.rss_kb_each())

    def rss_kb_each(self):
        """The resident memory of each process."""
        return [i.rss_kb() for i in self.instances]


# --------------------------------------------------------------------------
# Assertions
# --------------------------------------------------------------------------

def describe(r):
    body = r.text if len(r.content) < 2000 else r.text[:2000] + "..."
    return f"{r.request.method} {r.request.url} -> {r.status_code}: {body}"


def expect(r, status):
    """Assert the status code and return the decoded JSON body (None when empty)."""
    if isinstance(status, int):
        status = (status,)
    assert r.status_code in status, describe(r)
    if not r.content:
        return None
    ctype = r.headers.get("Content-Type", "")
    if "json" in ctype:
        return r.json()
    return None


def expect_json(r, status):
    if isinstance(status, int):
        status = (status,)
    assert r.status_code in status, describe(r)
    ctype = r.headers.get("Content-Type", "")
    assert "json" in ctype, f"expected a JSON content type, got {ctype!r}: " + describe(r)
    return r.json()


def assert_error(r, status, code=None):
    """Assert a hawkBit error body: exceptionClass, errorCode, message."""
    if isinstance(status, int):
        status = (status,)
    assert r.status_code in status, describe(r)
    ctype = r.headers.get("Content-Type", "")
    assert "json" in ctype, f"error without JSON body ({ctype!r}): " + describe(r)
    body = r.json()
    assert isinstance(body, dict), describe(r)
    for field in ("exceptionClass", "errorCode", "message"):
        assert isinstance(body.get(field), str) and body[field], \
            f"error body lacks {field}: " + describe(r)
    assert body["errorCode"].startswith(ERR), describe(r)
    if code is not None:
        codes = (code,) if isinstance(code, str) else tuple(code)
        assert body["errorCode"] in codes, f"expected errorCode in {codes}: " + describe(r)
    return body


def assert_epoch_ms(value, what="timestamp"):
    assert isinstance(value, int) and not isinstance(value, bool), f"{what} not an int: {value!r}"
    now = now_ms()
    # epoch ms, not seconds, and close to now (server runs on this machine)
    assert now - 3600_000 < value < now + 3600_000, f"{what} {value} is not epoch ms near {now}"


def assert_audit(entity, by="admin"):
    assert entity.get("createdBy") == by, entity
    assert entity.get("lastModifiedBy") == by, entity
    assert_epoch_ms(entity.get("createdAt"), "createdAt")
    assert_epoch_ms(entity.get("lastModifiedAt"), "lastModifiedAt")
    assert entity["lastModifiedAt"] >= entity["createdAt"], entity


def link(entity, name):
    links = entity.get("_links")
    assert isinstance(links, dict), f"no _links in {entity}"
    assert name in links, f"no _links.{name} in {links}"
    href = links[name].get("href")
    assert isinstance(href, str), links
    return href


def assert_paged(body):
    assert isinstance(body, dict), body
    assert isinstance(body.get("content"), list), body
    assert isinstance(body.get("total"), int), body
    assert body.get("size") == len(body["content"]), body
    assert body["total"] >= len(body["content"]), body
    return body


# --------------------------------------------------------------------------
# Multipart
# --------------------------------------------------------------------------

def multipart(file_bytes, filename, fields=None, boundary=None, field_name=b"file"):
    """Build a multipart/form-data body by hand so filenames can hold any bytes.

    filename: str or bytes (bytes are put on the wire unchanged).
    Returns (body, content_type).
    """
    boundary = boundary or ("falconetE2E" + uuid.uuid4().hex)
    b = boundary.encode()
    if isinstance(filename, str):
        filename = filename.encode()
    parts = []
    for k, v in (fields or {}).items():
        parts.append(b"--" + b + b"\r\nContent-Disposition: form-data; name=\"" + k.encode()
                     + b"\"\r\n\r\n" + str(v).encode() + b"\r\n")
    parts.append(b"--" + b + b"\r\nContent-Disposition: form-data; name=\"" + field_name
                 + b"\"; filename=\"" + filename + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                 + file_bytes + b"\r\n")
    parts.append(b"--" + b + b"--\r\n")
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


class MultipartFileStream:
    """A file-like multipart body that streams a file from disk (never all in memory)."""

    CHUNK = 1 << 20

    def __init__(self, path, filename, boundary=None):
        boundary = boundary or ("falconetBig" + uuid.uuid4().hex)
        self.content_type = "multipart/form-data; boundary=" + boundary
        self._pre = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                     f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
        self._post = f"\r\n--{boundary}--\r\n".encode()
        self._size = os.path.getsize(path)
        self._f = open(path, "rb")
        self._stage = 0
        self.length = len(self._pre) + self._size + len(self._post)

    def __len__(self):
        return self.length

    def read(self, n=-1):
        if self._stage == 0:
            self._stage = 1
            return self._pre
        if self._stage == 1:
            chunk = self._f.read(self.CHUNK)
            if chunk:
                return chunk
            self._stage = 2
        if self._stage == 2:
            self._stage = 3
            return self._post
        return b""

    def close(self):
        self._f.close()


# --------------------------------------------------------------------------
# Raw HTTP (for cut-off uploads and oversize bodies)
# --------------------------------------------------------------------------

def start_cut_off_upload(server, sm_id, content_length, filename="cut.bin"):
    """A socket in the middle of a multipart artifact upload announcing content_length
    bytes: the request head and the file part's head are sent; the caller sends some of
    the file and closes the socket without finishing."""
    boundary = "falconetCut" + uid()
    part_head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                 f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
    auth = base64.b64encode(f"admin:{server.password}".encode()).decode()
    head = (f"POST /rest/v1/softwaremodules/{sm_id}/artifacts HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {content_length}\r\n\r\n")
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    s.sendall((head + part_head).encode())
    return s


def stream_upload(api, sm_id, path, filename, timeout=900):
    """Uploads the file at path as a streamed multipart body (never whole in memory)."""
    stream = MultipartFileStream(str(path), filename)
    try:
        return api.post(f"/softwaremodules/{sm_id}/artifacts", data=stream,
                        headers={"Content-Type": stream.content_type}, timeout=timeout)
    finally:
        stream.close()


def raw_request(port, head, body=b"", read_timeout=10.0):
    """Send head+body on a fresh socket, half-close, read the reply.

    Tolerates the server closing early (e.g. 413 before reading the body).
    Returns (status, headers_dict_lowercase, body_bytes) or (None, {}, b"") when
    nothing readable came back.
    """
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        try:
            s.sendall(head + body)
            s.shutdown(socket.SHUT_WR)
        except OSError:  # server answered and closed before taking the whole body
            pass
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:  # reset after the reply, or timeout
            pass
    finally:
        s.close()
    if not data.startswith(b"HTTP/"):
        return None, {}, data
    head_end = data.find(b"\r\n\r\n")
    header_blob = data[:head_end] if head_end >= 0 else data
    lines = header_blob.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.strip().lower().decode()] = v.strip().decode("latin-1")
    return status, headers, (data[head_end + 4:] if head_end >= 0 else b"")


# --------------------------------------------------------------------------
# Data-dir inspection
# --------------------------------------------------------------------------

def _is_db_file(path):
    name = os.path.basename(path)
    if name.endswith(("-wal", "-shm", "-journal")):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return True


def files_under(root, skip_db=True):
    """{path: size} for every regular file under root (SQLite files skipped)."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            if skip_db and _is_db_file(p):
                continue
            try:
                out[p] = os.path.getsize(p)
            except OSError:
                pass
    return out


def find_file_with_content(root, data):
    """Paths under root whose content equals data (compares sizes first)."""
    want = hashlib.sha256(data).digest()
    hits = []
    for p, size in files_under(root).items():
        if size == len(data):
            with open(p, "rb") as f:
                if hashlib.sha256(f.read()).digest() == want:
                    hits.append(p)
    return hits


# --------------------------------------------------------------------------
# API client
# --------------------------------------------------------------------------

class Api:
    """Base URL + Basic auth + tiny helpers that create entities and assert success."""

    def __init__(self, server, user="admin", password=None):
        self.server = server
        self.base = server.base_url
        self.root = self.base + "/rest/v1"
        self.s = requests.Session()
        self.s.auth = (user, password if password is not None else server.password)

    def url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.root + path

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 60)
        return self.s.request(method, self.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def alive(self):
        r = self.get("/userinfo", timeout=10)
        return r.status_code == 200

    # -- list helpers -------------------------------------------------------
    def list_all(self, path, params=None):
        """Fetch every item of a paged collection (500 at a time)."""
        items = []
        offset = 0
        while True:
            p = dict(params or {})
            p.update(offset=offset, limit=500)
            body = assert_paged(expect_json(self.get(path, params=p), 200))
            items.extend(body["content"])
            offset += len(body["content"])
            if not body["content"] or offset >= body["total"]:
                return items

    def total(self, path):
        return assert_paged(expect_json(self.get(path, params={"limit": 1}), 200))["total"]

    # -- creation helpers ---------------------------------------------------
    def create_target(self, controller_id=None, **fields):
        body = {"controllerId": controller_id or f"t-{uid()}"}
        body.update(fields)
        created = expect_json(self.post("/targets", json=[body]), 201)
        assert isinstance(created, list) and len(created) == 1, created
        return created[0]

    def create_sm(self, type_="os", name=None, version="1.0.0", **fields):
        body = {"name": name or f"sm-{uid()}", "version": version, "type": type_}
        body.update(fields)
        created = expect_json(self.post("/softwaremodules", json=[body]), 201)
        assert isinstance(created, list) and len(created) == 1, created
        return created[0]

    def upload(self, sm_id, filename, data, fields=None, params=None, status=201):
        body, ctype = multipart(data, filename, fields)
        r = self.post(f"/softwaremodules/{sm_id}/artifacts", data=body,
                      headers={"Content-Type": ctype}, params=params)
        if status is None:
            return r
        return expect_json(r, status)

    def create_ds(self, type_="os", name=None, version="1.0.0", **fields):
        body = {"name": name or f"ds-{uid()}", "version": version, "type": type_}
        body.update(fields)
        created = expect_json(self.post("/distributionsets", json=[body]), 201)
        assert isinstance(created, list) and len(created) == 1, created
        return created[0]

    def add_modules(self, ds_id, sm_ids):
        r = self.post(f"/distributionsets/{ds_id}/assignedSM", json=[{"id": i} for i in sm_ids])
        expect(r, 200)
        return r

    def complete_ds(self, with_artifact=False):
        """An `os` DS holding one `os` module (optionally with one artifact). Returns (ds, sm)."""
        sm = self.create_sm("os")
        if with_artifact:
            self.upload(sm["id"], "fw.bin", os.urandom(1024))
        ds = self.create_ds("os")
        self.add_modules(ds["id"], [sm["id"]])
        ds = expect_json(self.get(f"/distributionsets/{ds['id']}"), 200)
        assert ds["complete"] is True, ds
        return ds, sm

    def assign(self, controller_id, ds_id, type_="forced", **extra):
        body = {"id": ds_id}
        if type_ is not None:
            body["type"] = type_
        body.update(extra)
        return expect_json(self.post(f"/targets/{controller_id}/assignedDS", json=body), 200)

    def action(self, controller_id, action_id):
        return expect_json(self.get(f"/targets/{controller_id}/actions/{action_id}"), 200)


# --------------------------------------------------------------------------
# Tenant configuration
# --------------------------------------------------------------------------

CFG = "/system/configs/"


class tenant_configs:
    """Context manager: set tenant config keys, restore the previous values on exit.

    A key that was at its default (`global: true`) is restored with DELETE, others with PUT.
    """

    def __init__(self, api, values):
        self.api = api
        self.values = dict(values)
        self.saved = {}

    def __enter__(self):
        for key, value in self.values.items():
            old = expect_json(self.api.get(CFG + key), 200)
            self.saved[key] = old
            expect(self.api.put(CFG + key, json={"value": value}), 200)
        return self

    def set(self, key, value):
        if key not in self.saved:
            self.saved[key] = expect_json(self.api.get(CFG + key), 200)
        expect(self.api.put(CFG + key, json={"value": value}), 200)

    def __exit__(self, *exc):
        for key, old in reversed(list(self.saved.items())):
            if old.get("global") is True:
                r = self.api.delete(CFG + key)
            else:
                r = self.api.put(CFG + key, json={"value": old.get("value")})
            assert r.status_code == 200, describe(r)
        return False


def wait_until(fn, timeout=10.0, interval=0.05, what="condition"):
    """Call fn until it returns something truthy; return that value or fail after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s (last: {last!r})")
        time.sleep(interval)


# --------------------------------------------------------------------------
# DDI (device side) client
# --------------------------------------------------------------------------

DDI_TENANT = "DEFAULT"


def fb(execution="closed", finished="success", details=None, code=None, **extra):
    """A DDI action feedback body."""
    status = {"execution": execution, "result": {"finished": finished}}
    if details is not None:
        status["details"] = details
    if code is not None:
        status["code"] = code
    body = {"status": status}
    body.update(extra)
    return body


class Device:
    """A device talking DDI: `/{tenant}/controller/v1/{controller_id}/...`.

    auth: "TargetToken <token>" by default when token is given; `authorization` overrides the
    whole header value (or None for no header).
    """

    _unset = object()

    def __init__(self, server, controller_id, token=None, tenant=DDI_TENANT, authorization=_unset,
                 headers=None):
        self.server = server
        self.cid = controller_id
        self.tenant = tenant
        self.base = server.base_url
        self.root = f"{self.base}/{tenant}/controller/v1/{controller_id}"
        self.s = requests.Session()
        if authorization is Device._unset:
            authorization = ("TargetToken " + token) if token is not None else None
        if authorization is not None:
            self.s.headers["Authorization"] = authorization
        if headers:
            self.s.headers.update(headers)

    def url(self, path=""):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.root + ("/" + path.lstrip("/") if path else "")

    def request(self, method, path="", **kw):
        kw.setdefault("timeout", 60)
        return self.s.request(method, self.url(path), **kw)

    def get(self, path="", **kw):
        return self.request("GET", path, **kw)

    def head(self, path="", **kw):
        return self.request("HEAD", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    # -- protocol steps ------------------------------------------------------
    def poll(self, **kw):
        return self.get("", **kw)

    def poll_body(self, **kw):
        body = expect_json(self.poll(**kw), 200)
        assert isinstance(body, dict), body
        return body

    def links(self, **kw):
        """{rel: href} of the root poll."""
        body = self.poll_body(**kw)
        return {k: v["href"] for k, v in body.get("_links", {}).items()}

    def deployment(self, action_id, **params):
        return self.get(f"deploymentBase/{action_id}", params=params or None)

    def deployment_body(self, action_id, **params):
        return expect_json(self.deployment(action_id, **params), 200)

    def feedback(self, action_id, execution="closed", finished="success", details=None, code=None,
                 body=None, **kw):
        if body is None:
            body = fb(execution, finished, details, code)
        if isinstance(body, (bytes, str)):
            kw.setdefault("headers", {})["Content-Type"] = "application/json"
            return self.post(f"deploymentBase/{action_id}/feedback", data=body, **kw)
        return self.post(f"deploymentBase/{action_id}/feedback", json=body, **kw)

    def cancel_feedback(self, action_id, execution="closed", finished="success", details=None,
                        code=None, body=None, **kw):
        if body is None:
            body = fb(execution, finished, details, code)
        return self.post(f"cancelAction/{action_id}/feedback", json=body, **kw)

    def config_data(self, data, mode=None, **kw):
        body = {"data": data}
        if mode is not None:
            body["mode"] = mode
        return self.put("configData", json=body, **kw)

    def artifact_url(self, sm_id, filename):
        return self.url(f"softwaremodules/{sm_id}/artifacts/{filename}")


def assert_empty(r, status):
    """Assert a status code with an empty body (DDI 200 replies, 401, 304, 410)."""
    if isinstance(status, int):
        status = (status,)
    assert r.status_code in status, describe(r)
    assert r.content == b"", "expected an empty body: " + describe(r)


def statuses(api, controller_id, action_id):
    """The action's status history from the Management API, newest first."""
    return api.list_all(f"/targets/{controller_id}/actions/{action_id}/status")


class Deployed:
    """What `deploy()` set up: a target with its token, a DS with modules, an assignment."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def deploy(api, type_="forced", files=(("fw.bin", 2048),), assign=True, sm_type="os",
           ds_type="os", extra_modules=(), **assign_extra):
    """Target (Mgmt-created) + `sm_type` module with `files` + DS + optional assignment.

    Returns a Deployed with cid, token, dev (Device), sm, ds, arts (list), data ({name: bytes}),
    aid (action id or None).
    """
    t = api.create_target()
    cid = t["controllerId"]
    sm = api.create_sm(sm_type, name=f"sm-{uid()}", version="1.2." + uid()[:4])
    arts, data = [], {}
    for name, size in files:
        payload = os.urandom(size)
        arts.append(api.upload(sm["id"], name, payload))
        data[name] = payload
    ds = api.create_ds(ds_type)
    api.add_modules(ds["id"], [sm["id"]] + [m["id"] for m in extra_modules])
    aid = None
    if assign:
        res = api.assign(cid, ds["id"], type_, **assign_extra)
        assert res["assigned"] == 1, res
        aid = res["assignedActions"][0]["id"]
    return Deployed(cid=cid, token=t["securityToken"], target=t,
                    dev=Device(api.server, cid, t["securityToken"]), sm=sm, ds=ds, arts=arts,
                    data=data, aid=aid)


def new_device(api, **fields):
    """A Mgmt-created target and its Device (TargetToken auth)."""
    t = api.create_target(**fields)
    return t, Device(api.server, t["controllerId"], t["securityToken"])
