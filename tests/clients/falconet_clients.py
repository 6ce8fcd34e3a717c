"""Helpers for the real-device-client tests (SWUpdate suricatta, a RAUC-style DDI client).

The generic server/API helpers live in tests/e2e/falconet_e2e.py (one copy); this module
adds what the client tests need on top of them:

* `make_cert`            self-signed X.509 signer (openssl req -x509)
* `build_swu`            signed .swu (cpio newc: sw-description, sw-description.sig, payload)
                         installing the payload into a temp file with the rawfile handler
* `swupdate_dry_run`     `swupdate -c -i update.swu` with its own TMPDIR
* `Swupdate`             SWUpdate as a hawkBit client (suricatta) in the foreground, under
                         `timeout`, own TMPDIR, log captured
* `build_rauc_bundle`    a real bundle made by `rauc bundle`; `rauc_info` checks it
* `DdiClient`            a scripted DDI client that behaves like rauc-hawkbit-updater
* `wait_for`             poll a condition (Management API, files, logs) with a deadline
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import requests

_HERE = os.path.dirname(os.path.abspath(__file__))
_E2E = os.path.join(os.path.dirname(_HERE), "e2e")
if _E2E not in sys.path:
    sys.path.insert(0, _E2E)

from falconet_e2e import (Api, Server, describe, expect, expect_json, uid)  # noqa: E402,F401

TENANT = "DEFAULT"
BOARD = "board:1.0"

# executable -> Debian package that provides it (the Makefile's TEST_DEPS installs them)
TOOLS = {
    "swupdate": "swupdate",
    "cpio": "cpio",
    "rauc": "rauc",
    "mksquashfs": "squashfs-tools",
    "unsquashfs": "squashfs-tools",
    "openssl": "openssl",
    "timeout": "coreutils",
}


def require_tools(*names):
    """Fail (never skip) with a clear message when a client tool is missing."""
    missing = [n for n in (names or TOOLS) if shutil.which(n) is None]
    if missing:
        pkgs = sorted({TOOLS.get(n, n) for n in missing})
        raise AssertionError(
            f"required tool(s) not found on PATH: {', '.join(missing)}; install them with "
            f"`apt-get install -y --no-install-recommends {' '.join(pkgs)}` (or `make test-deps` as root)")


def run(cmd, cwd=None, env=None, timeout=60, input=None, check=True):
    """Run a command, capture stdout+stderr; on failure raise with the full output."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, input=input, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"timed out after {timeout}s: {cmd}\n{(e.output or b'').decode('utf-8', 'replace')}")
    if check and p.returncode != 0:
        raise AssertionError(f"command failed (rc={p.returncode}): {cmd}\n"
                             + p.stdout.decode("utf-8", "replace")[-6000:])
    return p


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def wait_for(fn, timeout, what, interval=0.2, context=None, abort=None):
    """Call fn() until it returns a truthy value; return it. On timeout raise AssertionError
    naming `what`, the last value and `context()` (e.g. client log + server log).
    abort() may return a reason to give up early (e.g. the client got an HTTP error)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        reason = abort() if abort is not None else None
        if reason:
            msg = f"gave up waiting for {what}: {reason}; last value: {last!r}"
            if context is not None:
                msg += "\n" + context()
            raise AssertionError(msg)
        if time.monotonic() >= deadline:
            msg = f"timed out after {timeout}s waiting for {what}; last value: {last!r}"
            if context is not None:
                msg += "\n" + context()
            raise AssertionError(msg)
        time.sleep(interval)


# --------------------------------------------------------------------------
# Signing material
# --------------------------------------------------------------------------

class Cert:
    def __init__(self, cert, key):
        self.cert = cert
        self.key = key


def make_cert(workdir, cn="falconet-client-test"):
    """A self-signed signer certificate + key (SWUpdate's -k and RAUC's keyring take the cert)."""
    os.makedirs(workdir, exist_ok=True)
    cert = os.path.join(workdir, "cert.pem")
    key = os.path.join(workdir, "key.pem")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "3650", "-subj", f"/CN={cn}"])
    return Cert(cert, key)


# --------------------------------------------------------------------------
# SWUpdate images
# --------------------------------------------------------------------------

class Swu:
    """A built .swu: `path`, `data` (bytes), the `payload` it installs to `install_path`."""

    def __init__(self, path, payload, install_path, version):
        self.path = path
        self.payload = payload
        self.install_path = install_path
        self.version = version
        with open(path, "rb") as f:
            self.data = f.read()

    @property
    def filename(self):
        return os.path.basename(self.path)


SW_DESCRIPTION = """software =
{{
	version = "{version}";
	description = "Falconet client test image";
	hardware-compatibility: [ "1.0" ];
	files: (
		{{
			filename = "{payload_name}";
			path = "{install_path}";
			sha256 = "{sha256}";
			properties = {{ create-destination = "true"; }};
		}}
	);
}}
"""


def build_swu(workdir, cert, payload, install_path, version="1.0.0", name="update.swu"):
    """Build a signed .swu in workdir whose rawfile entry writes `payload` to `install_path`.

    Layout (cpio newc): sw-description, sw-description.sig (CMS, DER), payload.bin.
    """
    for ch in '"\\\n':
        assert ch not in install_path, f"install path unsuitable for sw-description: {install_path!r}"
    stage = os.path.join(workdir, "swu-" + uid())
    os.makedirs(stage)
    payload_name = "payload.bin"
    with open(os.path.join(stage, payload_name), "wb") as f:
        f.write(payload)
    with open(os.path.join(stage, "sw-description"), "w") as f:
        f.write(SW_DESCRIPTION.format(version=version, payload_name=payload_name,
                                      install_path=install_path,
                                      sha256=hashlib.sha256(payload).hexdigest()))
    run(["openssl", "cms", "-sign", "-in", "sw-description", "-out", "sw-description.sig",
         "-signer", cert.cert, "-inkey", cert.key, "-outform", "DER", "-nosmimecap", "-binary"],
        cwd=stage)
    members = b"sw-description\nsw-description.sig\n" + payload_name.encode() + b"\n"
    p = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=stage, input=members,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"cpio failed (rc={p.returncode}): {p.stderr.decode('utf-8', 'replace')}")
    out = os.path.join(workdir, name)
    if os.path.exists(out):
        out = os.path.join(workdir, uid() + "-" + name)
    with open(out, "wb") as f:
        f.write(p.stdout)
    return Swu(out, payload, install_path, version)


SWUPDATE_CHECKED = ("[swupdate_verify_file] : Verified OK",
                    "[check_hw_compatibility] : Hardware compatibility verified",
                    "SWUPDATE successful !",
                    "[endupdate] : SWUpdate was successful !")


def swupdate_dry_run(swu_path, cert, workdir, hw=BOARD, attempts=3):
    """`swupdate -l 5 -H board:1.0 -k cert.pem -c -i update.swu` with its own TMPDIR.

    Returns (valid, rc, log) of the last attempt. SWUpdate 2022.12's `-c -i` is racy on this
    machine: about one run in four exits 1 right after a clean check, and under load the
    `-i` client sometimes declares success before the daemon has even read the image, then
    quits and leaves the daemon with a truncated stream ("sw-description.sig cannot be
    parsed"). So a run counts as valid only with the daemon's own evidence of a complete
    check (signature "Verified OK", "Hardware compatibility verified", "SWUPDATE
    successful") and no [ERROR] line; the exit status (0, or that racy 1) is not trusted;
    an invalid run is repeated up to `attempts` times. A bad image can never produce that
    evidence, so retrying does not let one through.
    """
    for _ in range(attempts):
        tmp = os.path.join(workdir, "tmp-dry-" + uid())
        os.makedirs(tmp)
        env = dict(os.environ, TMPDIR=tmp)
        p = run(["timeout", "-k", "5", "60", "swupdate", "-l", "5", "-H", hw, "-k", cert.cert,
                 "-c", "-i", swu_path], env=env, timeout=70, check=False)
        log = p.stdout.decode("utf-8", "replace")
        errors = [ln for ln in log.splitlines() if ln.startswith("[ERROR]")]
        valid = (p.returncode in (0, 1) and not errors
                 and all(m in log for m in SWUPDATE_CHECKED))
        if valid:
            break
    return valid, p.returncode, log


class Swupdate:
    """SWUpdate's suricatta (hawkBit client) in the foreground, for one bounded run.

    with Swupdate(...) as sw:    # starts `timeout N swupdate ... -u "..."`
        sw.wait_log("...")       # or poll the Management API with wait_for()
    The process group is SIGTERMed on exit; the log stays readable via sw.log().
    """

    def __init__(self, workdir, cert, base_url, controller_id, token=None, gateway=None,
                 confirm=None, poll=1, max_seconds=55, hw=BOARD, tenant=TENANT, extra=None,
                 identify=None):
        assert (token is None) != (gateway is None), "give exactly one of token / gateway"
        self.name = "swupdate-" + uid()
        self.dir = os.path.join(workdir, self.name)
        self.tmpdir = os.path.join(self.dir, "tmp")
        os.makedirs(self.tmpdir)
        self.log_path = os.path.join(self.dir, "swupdate.log")
        sur = ["-t", tenant, "-u", base_url, "-i", controller_id]
        sur += ["-k", token] if token is not None else ["-g", gateway]
        sur += ["-p", str(poll)]
        if confirm is not None:
            sur += ["-c", str(confirm)]
        sur += list(extra or [])
        self.suricatta_args = " ".join(sur)
        self.cmd = ["timeout", "-s", "TERM", "-k", "5", str(max_seconds),
                    "swupdate", "-l", "5", "-H", hw, "-k", cert.cert, "-u", self.suricatta_args]
        if identify:
            # configData is only sent when the config file has an `identify` section
            cfg = os.path.join(self.dir, "swupdate.cfg")
            with open(cfg, "w") as f:
                f.write("globals : {\n\tloglevel = 5;\n};\n\nidentify : (\n" + ",\n".join(
                    f'\t{{ name = "{k}"; value = "{v}"; }}' for k, v in identify.items()) + "\n);\n")
            self.cmd[self.cmd.index("swupdate") + 1:self.cmd.index("swupdate") + 1] = ["-f", cfg]
        self.max_seconds = max_seconds
        self.proc = None
        self.started = None

    def start(self):
        env = dict(os.environ, TMPDIR=self.tmpdir)
        log = open(self.log_path, "wb")
        self.started = time.monotonic()
        # own session: the whole group (timeout, swupdate and its helper processes) can be
        # signalled by this process id without touching anything else
        self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        log.close()
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
        else:
            # swupdate's helper processes may outlive an early exit of the main process
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    HTTP_ERROR = re.compile(r"Channel operation returned HTTP error code (\d+)")

    def trouble(self, allowed=()):
        """Why waiting on this run is pointless: the process ended, or the server answered one
        of SWUpdate's requests with an HTTP error (other than `allowed` codes)."""
        if self.proc is not None and self.proc.poll() is not None:
            return f"swupdate exited early (rc={self.proc.returncode})"
        for m in self.HTTP_ERROR.finditer(self.log()):
            if int(m.group(1)) not in allowed:
                return f"the server answered a SWUpdate request with HTTP {m.group(1)}"
        return None

    def elapsed(self):
        return time.monotonic() - self.started if self.started else 0.0

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=6000):
        return (f"--- swupdate log ({self.name}, {self.elapsed():.1f}s, "
                f"cmd: {' '.join(self.cmd)}) ---\n" + self.log()[-n:])

    def wait_log(self, needle, timeout=None, context=None):
        timeout = timeout if timeout is not None else self.max_seconds
        return wait_for(lambda: needle in self.log(), timeout, f"{needle!r} in the swupdate log",
                        context=context or self.log_tail)


# --------------------------------------------------------------------------
# RAUC bundles
# --------------------------------------------------------------------------

class Bundle:
    def __init__(self, path, compatible, version):
        self.path = path
        self.compatible = compatible
        self.version = version
        with open(path, "rb") as f:
            self.data = f.read()

    @property
    def filename(self):
        return os.path.basename(self.path)


def build_rauc_bundle(workdir, cert, compatible="test-board", version="1.0.0", size=1 << 20,
                      name="update.raucb"):
    """A real plain-format bundle: `rauc bundle --cert --key content update.raucb`."""
    content = os.path.join(workdir, "rauc-content-" + uid())
    os.makedirs(content)
    with open(os.path.join(content, "rootfs.img"), "wb") as f:
        f.write(os.urandom(size))
    with open(os.path.join(content, "manifest.raucm"), "w") as f:
        f.write(f"[update]\ncompatible={compatible}\nversion={version}\n\n"
                "[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n")
    out = os.path.join(workdir, name)
    if os.path.exists(out):
        out = os.path.join(workdir, uid() + "-" + name)
    run(["rauc", "bundle", f"--cert={cert.cert}", f"--key={cert.key}", content, out], timeout=120)
    return Bundle(out, compatible, version)


def rauc_info(path, cert):
    """`rauc info --keyring=cert.pem` -> (rc, output)."""
    p = run(["rauc", "info", f"--keyring={cert.cert}", path], timeout=60, check=False)
    return p.returncode, p.stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------
# A DDI client that behaves like rauc-hawkbit-updater
# --------------------------------------------------------------------------

def ddi_time():
    return time.strftime("%Y%m%dT%H%M%S", time.localtime())


class DdiClient:
    """Scripted DDI client modelled on rauc-hawkbit-updater.

    Builds only the root poll URL itself; everything else comes from the hrefs it is given,
    except the feedback URL, which is the deploymentBase href (query stripped) + /feedback.
    Every request carries `Accept: application/json;charset=UTF-8` and the Authorization
    header, and is recorded in `self.history` (method, url, status) for assertion messages.
    """

    ACCEPT = "application/json;charset=UTF-8"

    def __init__(self, base_url, controller_id, token=None, gateway=None, tenant=TENANT):
        assert (token is None) != (gateway is None)
        self.root_url = f"{base_url}/{tenant}/controller/v1/{controller_id}"
        self.auth = f"TargetToken {token}" if token is not None else f"GatewayToken {gateway}"
        self.s = requests.Session()
        self.history = []
        self.base_url = base_url
        self.proxy = None  # (public_base, forwarded headers) when behind a TLS proxy

    def behind_proxy(self, public_base, headers):
        """Emulate a TLS-terminating reverse proxy: the device uses `public_base` URLs; each
        request is sent to the real server with the proxy's forwarding headers. The root URL
        becomes public, so every later URL must come from the server's links."""
        self.proxy = (public_base.rstrip("/"), dict(headers))
        self.root_url = self.proxy[0] + self.root_url[len(self.base_url):]
        return self

    def headers(self, extra=None):
        h = {"Accept": self.ACCEPT, "Authorization": self.auth}
        h.update(extra or {})
        return h

    def _req(self, method, url, **kw):
        kw.setdefault("timeout", 30)
        extra = dict(kw.pop("headers", None) or {})
        wire_url = url
        if self.proxy is not None:
            public, fwd = self.proxy
            assert url.startswith(public + "/"), \
                f"the device was sent a URL outside the public base {public}: {url}"
            wire_url = self.base_url + url[len(public):]
            extra.update(fwd)
        r = self.s.request(method, wire_url, headers=self.headers(extra), **kw)
        self.history.append((method, url, r.status_code))
        return r

    def trace(self):
        return "--- DDI client requests ---\n" + "\n".join(f"{m} {u} -> {s}" for m, u, s in self.history)

    def get_json(self, url):
        r = self._req("GET", url)
        assert r.status_code == 200, describe(r) + "\n" + self.trace()
        ctype = r.headers.get("Content-Type", "")
        assert "json" in ctype, f"DDI reply is not JSON ({ctype!r}): " + describe(r)
        return r.json()

    def poll(self):
        return self.get_json(self.root_url)

    @staticmethod
    def feedback_url(deployment_href):
        return deployment_href.split("?", 1)[0].rstrip("/") + "/feedback"

    def feedback(self, deployment_href, execution, finished, details=None, progress=None,
                 action_id=None):
        status = {"execution": execution, "result": {"finished": finished}}
        if progress is not None:
            status["result"]["progress"] = {"cnt": progress[0], "of": progress[1]}
        if details is not None:
            status["details"] = list(details)
        body = {"id": str(action_id) if action_id is not None else "", "time": ddi_time(),
                "status": status}
        return self._req("POST", self.feedback_url(deployment_href), data=json.dumps(body),
                         headers={"Content-Type": "application/json;charset=UTF-8"})

    @staticmethod
    def artifact_href(artifact):
        links = artifact.get("_links") or {}
        for rel in ("download", "download-http"):
            href = (links.get(rel) or {}).get("href")
            if href:
                return href
        raise AssertionError(f"artifact offers neither _links.download nor _links.download-http: {artifact}")

    def download_resumed(self, href, size, dest, cut_at):
        """Download like the updater after a network cut: read `cut_at` bytes of a full GET,
        drop the connection, resume with `Range: bytes=<cut_at>-` (must be 206 with a proper
        Content-Range) and write the whole file to dest. Returns the replies' headers."""
        r = self._req("GET", href, stream=True, headers={"Accept": "application/octet-stream"})
        assert r.status_code == 200, describe(r)
        got = b""
        while len(got) < cut_at:
            chunk = r.raw.read(min(65536, cut_at - len(got)))
            if not chunk:
                break
            got += chunk
        first_headers = dict(r.headers)
        r.close()  # drop the connection mid-body
        # a fresh session: the cut connection must not be reused
        self.s.close()
        self.s = requests.Session()
        assert len(got) == cut_at, f"full GET ended after {len(got)} of {size} bytes (wanted {cut_at})"
        r2 = self._req("GET", href, headers={"Accept": "application/octet-stream",
                                              "Range": f"bytes={cut_at}-"})
        assert r2.status_code == 206, f"resume with Range: bytes={cut_at}-: " + describe(r2)
        want_cr = f"bytes {cut_at}-{size - 1}/{size}"
        assert r2.headers.get("Content-Range") == want_cr, \
            f"Content-Range {r2.headers.get('Content-Range')!r}, expected {want_cr!r}"
        assert len(r2.content) == size - cut_at, \
            f"resumed body has {len(r2.content)} bytes, expected {size - cut_at}"
        with open(dest, "wb") as f:
            f.write(got)
            f.write(r2.content)
        return first_headers, dict(r2.headers)

    def range_past_end(self, href, size):
        """`Range: bytes=<size>-` (what the updater asks when the file is already complete)."""
        return self._req("GET", href, headers={"Accept": "application/octet-stream",
                                               "Range": f"bytes={size}-"})


# --------------------------------------------------------------------------
# Management-API flows shared by the tests
# --------------------------------------------------------------------------

def upload_ds(api, artifact_name, data, sm_type="os", ds_type="os", version="1.0.0"):
    """SM (type os) + artifact upload (multipart field `file`) + DS (type os). Returns (ds, sm, art)."""
    sm = api.create_sm(sm_type, name=f"sm-{uid()}", version=version)
    art = api.upload(sm["id"], artifact_name, data)
    ds = api.create_ds(ds_type, name=f"ds-{uid()}", version=version)
    api.add_modules(ds["id"], [sm["id"]])
    return ds, sm, art


def new_target(api, token=None):
    token = token or ("tok" + uid() + uid())
    t = api.create_target(f"dev-{uid()}", securityToken=token)
    assert t.get("securityToken") == token, t
    return t, token


def action_statuses(api, controller_id, action_id):
    """All status entries of an action, oldest first."""
    items = api.list_all(f"/targets/{controller_id}/actions/{action_id}/status")
    return sorted(items, key=lambda s: s.get("id") or 0)


def status_summary(entries, width=160):
    lines = []
    for e in entries:
        msgs = e.get("messages") or []
        text = " | ".join(msgs)
        if len(text) > width:
            text = text[:width] + "..."
        lines.append(f"  #{e.get('id')} {e.get('type')} ({len(msgs)} msgs): {text}")
    return "\n".join(lines)


def entries_with(entries, type_=None, message=None):
    out = []
    for e in entries:
        if type_ is not None and e.get("type") != type_:
            continue
        if message is not None and not any(message in m for m in (e.get("messages") or [])):
            continue
        out.append(e)
    return out


def target(api, controller_id):
    return expect_json(api.get(f"/targets/{controller_id}"), 200)


# --------------------------------------------------------------------------
# A TCP proxy that cuts the first artifact download mid-body
# --------------------------------------------------------------------------

class CuttingProxy:
    """Forwards 127.0.0.1:<port> to the server; the first `GET .../artifacts/...` it sees
    gets its reply cut after `cut_after` bytes (headers included): both sockets are closed,
    as on a dropped link. Records every request head and reply status line it forwarded
    (`self.exchanges`: list of [request_head_bytes, reply_status_line_bytes])."""

    def __init__(self, upstream_port, cut_after=None, marker=b"/artifacts/"):
        import socket
        import threading
        self._socket = socket
        self._threading = threading
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.marker = marker
        self.cut_done = False
        self.exchanges = []
        self.client_streams = []  # every byte each client connection sent, in order
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._stop = False
        self._threads = []

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        t = self._threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self):
        self._stop = True
        try:
            self._listener.close()
        except OSError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requests_matching(self, needle):
        with self._lock:
            return [(req, st) for req, st in self.exchanges if needle in req]

    def requests_sent(self):
        """[(method, path, headers_lower_dict, body_bytes)] parsed from the client streams
        (Content-Length framed, which is what SWUpdate's libcurl sends)."""
        out = []
        with self._lock:
            streams = [bytes(s) for s in self.client_streams]
        for data in streams:
            pos = 0
            while pos < len(data):
                end = data.find(b"\r\n\r\n", pos)
                if end < 0:
                    break
                lines = data[pos:end].split(b"\r\n")
                method, path = lines[0].split(b" ")[:2]
                hdrs = {}
                for ln in lines[1:]:
                    if b":" in ln:
                        k, v = ln.split(b":", 1)
                        hdrs[k.strip().lower().decode()] = v.strip().decode("latin-1")
                n = int(hdrs.get("content-length", "0"))
                body = data[end + 4:end + 4 + n]
                out.append((method.decode(), path.decode(), hdrs, body))
                pos = end + 4 + n
        return out

    def _accept_loop(self):
        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            t = self._threading.Thread(target=self._serve, args=(client,), daemon=True)
            t.start()

    def _serve(self, client):
        sock = self._socket
        try:
            upstream = sock.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        except OSError:
            client.close()
            return
        state = {"cut": False, "sent": 0, "current": None, "closed": False}
        stream = bytearray()
        with self._lock:
            self.client_streams.append(stream)

        def close_both():
            state["closed"] = True
            for s in (client, upstream):
                try:
                    s.shutdown(sock.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass

        def c2u():
            try:
                while True:
                    data = client.recv(65536)
                    if not data:
                        break
                    with self._lock:
                        stream.extend(data)
                    head = data.split(b"\r\n\r\n", 1)[0]
                    if head[:4] in (b"GET ", b"HEAD", b"POST", b"PUT ") and b" HTTP/1." in head.split(b"\r\n", 1)[0]:
                        entry = [head, None]
                        with self._lock:
                            self.exchanges.append(entry)
                            state["current"] = entry
                            if (self.cut_after is not None and not self.cut_done
                                    and head.startswith(b"GET ")
                                    and self.marker in head.split(b"\r\n", 1)[0]
                                    and b"\r\nrange:" not in head.lower()):
                                self.cut_done = True
                                state["cut"] = True
                                state["sent"] = 0
                    upstream.sendall(data)
            except OSError:
                pass
            if not state["closed"]:
                try:
                    upstream.shutdown(sock.SHUT_WR)
                except OSError:
                    pass

        def u2c():
            try:
                while True:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    cur = state["current"]
                    if cur is not None and cur[1] is None and data.startswith(b"HTTP/"):
                        cur[1] = data.split(b"\r\n", 1)[0]
                    if state["cut"]:
                        room = self.cut_after - state["sent"]
                        if len(data) >= room:
                            client.sendall(data[:room])
                            close_both()
                            return
                        state["sent"] += len(data)
                    client.sendall(data)
            except OSError:
                pass
            if not state["closed"]:
                close_both()

        a = self._threading.Thread(target=c2u, daemon=True)
        a.start()
        u2c()
        a.join(5)
