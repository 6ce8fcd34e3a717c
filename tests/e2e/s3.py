"""A throwaway S3-compatible server for the end-to-end suite: s3rver (npm), installed
from tests/s3/package.json + package-lock.json into tests/s3/node_modules by `npm ci`
when it is missing.

`S3rver` starts it on a free loopback port with a temp directory, creates the bucket
(`--configure-bucket`), logs every request to a file (tests look for the multipart
calls there) and removes everything in `cleanup`. s3rver accepts the credentials
S3RVER/S3RVER; it does not verify SigV4 signatures (`--allow-mismatched-signatures`):
the presigned URLs are checked against AWS's documented example by a unit test
(tests/unit/blob/s3_sign.c) and against a Python re-computation in test_s3.py.

`aws()` runs the AWS CLI (Debian's awscli) against it, so what Falconet stored is
checked by a client other than its own.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time

import requests

from falconet_e2e import free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "s3"))
BIN = os.path.join(ROOT, "node_modules", ".bin", "s3rver")
ACCESS_KEY = SECRET_KEY = "S3RVER"
BUCKET = "falconet-e2e"


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
        self.prefixes = 0

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

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
                if requests.head(f"{self.endpoint}/{BUCKET}", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("s3rver did not come up\n" + self.log_tail())

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
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
