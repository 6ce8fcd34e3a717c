"""A throwaway S3-compatible server for the end-to-end suite: s3rver (npm), installed
from tests/s3/package.json + package-lock.json into tests/s3/node_modules by `npm ci`
when it is missing, behind a SigV4-verifying proxy.

`S3rver` starts s3rver on a free loopback port with a temp directory, creates the
bucket (`--configure-bucket`), logs every request to a file (tests look for the
multipart calls there) and removes everything in `cleanup`. s3rver accepts the
credentials S3RVER/S3RVER but does not verify signatures
(`--allow-mismatched-signatures`), so every client talks to it through
tests/s3/sigv4_proxy.py instead: `endpoint` is the proxy, which recomputes each
request's SigV4 signature (header or presigned query) with botocore and answers S3's
403 SignatureDoesNotMatch / AccessDenied on a mismatch. A refusal that no test asked
for (`expect_refusals`) fails the session at `cleanup`, which also prints how many
requests were verified.

`aws()` runs the AWS CLI (Debian's awscli) against it, so what Falconet stored is
checked by a client other than its own.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

from falconet_e2e import free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "s3"))
BIN = os.path.join(ROOT, "node_modules", ".bin", "s3rver")
ACCESS_KEY = SECRET_KEY = "S3RVER"
BUCKET = "falconet-e2e"

# Lines for the end of the pytest run (conftest.py's pytest_terminal_summary).
summary = []

sys.path.insert(0, ROOT)
import sigv4_proxy  # noqa: E402  (tests/s3/sigv4_proxy.py)


def ensure_installed():
    if os.access(BIN, os.X_OK):
        return
    npm = shutil.which("npm")
    if not npm:
        raise AssertionError("the S3 tests need node and npm to install s3rver "
                             "(apt-get install nodejs npm)")
    r = subprocess.run([npm, "ci", "--prefix", ROOT, "--no-audit", "--no-fund"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if r.returncode != 0 or not os.access(BIN, os.X_OK):
        raise AssertionError("npm ci in tests/s3 failed:\n" + r.stdout.decode(errors="replace"))


class S3rver:
    def __init__(self):
        ensure_installed()
        self.dir = tempfile.mkdtemp(prefix="falconet-s3-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "s3rver.log")
        self.port = None
        self.proc = None
        self.proxy = None
        self.prefixes = 0
        self.expected = set()  # indexes into the proxy's refusals that a test provoked

    @property
    def direct_endpoint(self):
        """s3rver itself, which checks no signature: only for readiness checks."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self):
        """The verifying proxy in front of s3rver: what every client is given."""
        return self.proxy.endpoint

    def start(self, timeout=30.0):
        os.makedirs(self.data)
        self.port = free_port()
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [BIN, "-d", self.data, "-a", "127.0.0.1", "-p", str(self.port),
             "--allow-mismatched-signatures", "--configure-bucket", BUCKET],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("s3rver exited during start-up\n" + self.log_tail())
            try:
                if requests.head(f"{self.direct_endpoint}/{BUCKET}",
                                 timeout=1).status_code == 200:
                    self.proxy = sigv4_proxy.Proxy(self.direct_endpoint, ACCESS_KEY,
                                                   SECRET_KEY).start()
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("s3rver did not come up\n" + self.log_tail())

    @property
    def stats(self):
        """The proxy's counters: verified:header / verified:query / refused:<Code> /
        method:<M> / connections."""
        return self.proxy.stats.snapshot()

    def refusals(self):
        with self.proxy.stats.lock:
            return list(self.proxy.stats.refusals)

    @contextlib.contextmanager
    def expect_refusals(self, *codes):
        """The block must make the proxy refuse at least one request, each with one of
        codes; those refusals are then expected and do not fail the session."""
        before = len(self.refusals())
        yield
        new = self.refusals()[before:]
        assert new, f"expected a refusal with {codes}, the proxy accepted everything"
        assert all(code in codes for _, _, code, _ in new), new
        self.expected.update(range(before, before + len(new)))

    def bucket_dir(self):
        return os.path.join(self.data, BUCKET)

    def server_env(self, prefix=None, download="proxy"):
        """FALCONET_* variables for a Falconet server storing under prefix."""
        return {
            "FALCONET_STORAGE_URL": f"s3://{BUCKET}/{prefix}" if prefix else f"s3://{BUCKET}",
            "FALCONET_STORAGE_S3_ENDPOINT": self.endpoint,
            "FALCONET_STORAGE_S3_ACCESS_KEY": ACCESS_KEY,
            "FALCONET_STORAGE_S3_SECRET_KEY": SECRET_KEY,
            "FALCONET_STORAGE_S3_DOWNLOAD": download,
        }

    def new_prefix(self):
        """(server env, blob dir) for a fresh prefix: one per Falconet server."""
        self.prefixes += 1
        prefix = f"srv{self.prefixes}"
        return self.server_env(prefix), os.path.join(self.bucket_dir(), prefix)

    def aws(self, *args, check=True):
        """Runs `aws --endpoint-url ... args`; returns the CompletedProcess."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                   AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_PAGER="")
        aws = "/usr/bin/aws" if os.access("/usr/bin/aws", os.X_OK) else shutil.which("aws")
        if not aws:
            raise AssertionError("the S3 tests need the AWS CLI (apt-get install awscli)")
        r = subprocess.run([aws, "--endpoint-url", self.endpoint, *args], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        if check and r.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({r.returncode}):\n"
                                 + r.stderr.decode(errors="replace"))
        return r

    def keys(self, prefix=""):
        """{key: size} of the objects under prefix, listed with the AWS CLI."""
        r = self.aws("s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix", prefix,
                     "--output", "json")
        out = r.stdout.decode().strip()
        body = json.loads(out) if out else {}
        return {o["Key"]: o["Size"] for o in body.get("Contents", [])}

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, n=3000):
        try:
            return "\n--- s3rver log (tail) ---\n" + self.log_text()[-n:]
        except OSError:
            return ""

    def cleanup(self):
        unexpected = []
        if self.proxy:
            self.proxy.stop()
            st = self.stats
            unexpected = [r for i, r in enumerate(self.refusals()) if i not in self.expected]
            summary.append(f"S3 SigV4 proxy: {st.get('verified:header', 0)} signed requests and "
                           f"{st.get('verified:query', 0)} presigned GETs verified, "
                           f"{self.proxy.stats.refused} refused ({len(self.expected)} on "
                           f"purpose), {st['connections']} client connections")
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        assert not unexpected, f"the SigV4 proxy refused requests no test expected: {unexpected}"
