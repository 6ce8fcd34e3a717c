"""Artifacts in S3 (storage.url = s3://...), against a real S3-compatible server
(s3rver, see s3.py): uploads (one PUT, multipart), what lands in the bucket as the AWS
CLI sees it, proxied downloads with Range, presigned redirects, deletes, cut-off
uploads, bounded memory, start-up checks."""

import base64
import hashlib
import hmac
import os
import secrets
import socket
import subprocess
import time
import urllib.parse

import pytest
import requests

from falconet_e2e import (Api, MultipartFileStream, Server, deploy, expect, expect_json,
                          falconet_bin, hashes_of, link, uid)
from s3 import ACCESS_KEY, BUCKET, SECRET_KEY
from test_upload_large import RssSampler

MIB = 1024 * 1024
PART = 8 * MIB  # blob_s3.c's PART_SIZE


def _start(tmp_path_factory, s3rver, download):
    base = tmp_path_factory.mktemp(f"falconet-s3-{download}")
    srv = Server(base / "data", base / "server.log", password="pw-" + secrets.token_hex(8))
    prefix = f"{download}-{uid()}"
    srv.env = s3rver.server_env(prefix, download=download)
    srv.prefix = prefix + "/"
    srv.start()
    return srv


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory, s3rver):
    srv = _start(tmp_path_factory, s3rver, "proxy")
    yield srv
    assert srv.stop(timeout=10) == 0, srv.log_tail()


@pytest.fixture(scope="module")
def redirect_server(tmp_path_factory, s3rver):
    srv = _start(tmp_path_factory, s3rver, "redirect")
    yield srv
    assert srv.stop(timeout=10) == 0, srv.log_tail()


def _new_object(s3rver, srv, before):
    """The one object that appeared under the server's prefix since `before`."""
    new = set(s3rver.keys(srv.prefix)) - set(before)
    assert len(new) == 1, f"expected one new object, got {sorted(new)}"
    return new.pop()


def _head(s3rver, key):
    import json
    r = s3rver.aws("s3api", "head-object", "--bucket", BUCKET, "--key", key, "--output", "json")
    return json.loads(r.stdout)


@pytest.mark.parametrize("size", [3 * MIB + 17, 2 * PART + 4 * MIB + 5],
                         ids=["single-put", "multipart"])
def test_upload_lands_in_bucket(proxy_server, s3rver, tmp_path, size):
    api = Api(proxy_server)
    sm = api.create_sm("os")
    data = os.urandom(size)
    before = s3rver.keys(proxy_server.prefix)
    log_before = len(s3rver.log_text())
    art = api.upload(sm["id"], "fw.bin", data)
    assert art["size"] == size
    assert art["hashes"] == hashes_of(data)

    key = _new_object(s3rver, proxy_server, before)
    assert _head(s3rver, key)["ContentLength"] == size
    out = tmp_path / "copy.bin"
    s3rver.aws("s3", "cp", f"s3://{BUCKET}/{key}", str(out))
    assert out.read_bytes() == data

    # The large one went up in parts, the small one in one PutObject.
    log = s3rver.log_text()[log_before:]
    parts = log.count(f"{key}?partNumber=")
    if size > PART:
        assert parts == 3 and "uploadId" in log, log[-2000:]
    else:
        assert parts == 0, log[-2000:]

    # The bytes also come back through the Management API.
    r = api.get(link(art, "download"))
    assert r.status_code == 200 and r.content == data


def test_ddi_download_and_range_through_proxy(proxy_server):
    api = Api(proxy_server)
    size = 3 * MIB + 5
    d = deploy(api, files=(("fw.bin", size),))
    data = d.data["fw.bin"]
    url = d.dev.artifact_url(d.sm["id"], "fw.bin")
    r = d.dev.get(url, allow_redirects=False)
    assert r.status_code == 200, r.text[:300]
    assert r.content == data
    assert r.headers["ETag"] == f'"{hashlib.sha1(data).hexdigest()}"'

    r = d.dev.get(url, headers={"Range": "bytes=1000-2999999"})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 1000-2999999/{size}"
    assert r.content == data[1000:3000000]
    r = d.dev.get(url, headers={"Range": "bytes=-10"})
    assert r.status_code == 206 and r.content == data[-10:]
    r = d.dev.get(url, headers={"Range": f"bytes={size}-"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{size}"
    # Several ranges: the whole body (documented), never a wrong one.
    r = d.dev.get(url, headers={"Range": "bytes=0-9,100-109"})
    assert r.status_code == 200 and r.content == data

    h = d.dev.head(url)
    assert h.status_code == 200 and int(h.headers["Content-Length"]) == size and h.content == b""


def _verify_presigned(url, secret):
    """Recomputes the SigV4 query signature of url (AWS's algorithm, in Python)."""
    u = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
    got = dict(params)["X-Amz-Signature"]
    rest = sorted((k, v) for k, v in params if k != "X-Amz-Signature")
    query = "&".join(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                     for k, v in rest)
    canonical = f"GET\n{u.path}\n{query}\nhost:{u.netloc}\n\nhost\nUNSIGNED-PAYLOAD"
    date = dict(params)["X-Amz-Date"]
    scope = dict(params)["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    assert hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest() == got, url


def test_redirect_mode_sends_devices_to_presigned_url(redirect_server, s3rver):
    api = Api(redirect_server)
    d = deploy(api, files=(("fw.bin", 2 * MIB + 3),))
    data = d.data["fw.bin"]
    r = d.dev.get(d.dev.artifact_url(d.sm["id"], "fw.bin"), allow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    location = r.headers["Location"]
    assert location.startswith(f"{s3rver.endpoint}/{BUCKET}/{redirect_server.prefix}"), location
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert q["X-Amz-Expires"] == "3600"
    assert q["X-Amz-Credential"].startswith(ACCESS_KEY + "/")
    assert q["X-Amz-Credential"].endswith("/us-east-1/s3/aws4_request")
    assert SECRET_KEY not in location.split("?")[1].replace(ACCESS_KEY, "")
    _verify_presigned(location, SECRET_KEY)
    # A plain client without credentials follows it and gets the bytes.
    got = requests.get(location, timeout=60)
    assert got.status_code == 200 and got.content == data
    # The Management API keeps serving the bytes itself.
    assert api.get(link(d.arts[0], "download")).content == data


def test_delete_removes_object(proxy_server, s3rver):
    api = Api(proxy_server)
    sm = api.create_sm("os")
    before = s3rver.keys(proxy_server.prefix)
    art = api.upload(sm["id"], "gone.bin", os.urandom(4096))
    key = _new_object(s3rver, proxy_server, before)
    expect(api.delete(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 200)
    assert key not in s3rver.keys(proxy_server.prefix)
    r = s3rver.aws("s3api", "head-object", "--bucket", BUCKET, "--key", key, check=False)
    assert r.returncode != 0


def test_cut_off_upload_leaves_no_object_and_no_row(proxy_server, s3rver):
    api = Api(proxy_server)
    sm = api.create_sm("os")
    before = s3rver.keys(proxy_server.prefix)
    log_before = len(s3rver.log_text())
    boundary = "falconetCut" + uid()
    part_head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                 f"filename=\"cut.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    auth = base64.b64encode(f"admin:{proxy_server.password}".encode()).decode()
    head = (f"POST /rest/v1/softwaremodules/{sm['id']}/artifacts HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{proxy_server.port}\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {64 * MIB}\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", proxy_server.port), timeout=30)
    s.sendall(head + part_head)
    chunk = os.urandom(MIB)
    for _ in range(PART // MIB + 4):  # past the first part: a multipart upload is under way
        s.sendall(chunk)
    time.sleep(1.0)
    s.close()

    # The abort (DELETE ?uploadId=...) is the one request naming the upload without a
    # part number. s3rver's log leaves out methods, and s3rver 3.7 answers it with 405
    # (AbortMultipartUpload is not implemented there): the request is what is checked.
    def abort_seen():
        lines = s3rver.log_text()[log_before:].splitlines()
        return [ln for ln in lines if "?uploadId=" in ln and "partNumber" not in ln]

    deadline = time.monotonic() + 10
    while not abort_seen() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = s3rver.log_text()[log_before:]
    assert "partNumber=1&uploadId=" in log, log[-2000:]
    assert abort_seen(), f"multipart upload not aborted:\n{log[-2000:]}"
    assert s3rver.keys(proxy_server.prefix) == before
    assert expect_json(api.get(f"/softwaremodules/{sm['id']}/artifacts"), 200) == []
    assert api.upload(sm["id"], "cut.bin", b"complete")["size"] == 8


def test_rss_bounded_during_200mib_upload(proxy_server, s3rver, tmp_path):
    api = Api(proxy_server)
    sm = api.create_sm("os")
    path = tmp_path / "big.bin"
    sha256 = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(50):
            block = os.urandom(4 * MIB)
            sha256.update(block)
            f.write(block)
    before = proxy_server.rss_kb()
    sampler = RssSampler(proxy_server)
    sampler.start()
    stream = MultipartFileStream(str(path), "big.bin")
    try:
        r = api.post(f"/softwaremodules/{sm['id']}/artifacts", data=stream,
                     headers={"Content-Type": stream.content_type}, timeout=600)
    finally:
        stream.close()
        peak = sampler.stop()
    art = expect_json(r, 201)
    assert art["size"] == 200 * MIB and art["hashes"]["sha256"] == sha256.hexdigest()
    growth = max(peak, proxy_server.rss_kb()) - before
    # One part buffer (8 MiB) plus the hash buffers and libcurl; never the artifact.
    assert growth < 24 * 1024, f"RSS grew by {growth // 1024} MiB during a 200 MiB upload"

    h = hashlib.sha256()
    with api.get(link(art, "download"), stream=True, timeout=600) as resp:
        assert resp.status_code == 200
        for c in resp.iter_content(MIB):
            h.update(c)
    assert h.hexdigest() == sha256.hexdigest()
    expect(api.delete(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 200)


def _run_expecting_failure(tmp_path, env):
    full = dict(os.environ, FALCONET_ADMIN_PASSWORD="pw", **env)
    return subprocess.run([falconet_bin(), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                           str(tmp_path / "data")], env=full, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=30)


def test_startup_fails_clearly_without_bucket(s3rver, tmp_path):
    env = s3rver.server_env("x")
    env["FALCONET_STORAGE_URL"] = "s3://no-such-bucket/x"
    env["FALCONET_STORAGE_S3_SECRET_KEY"] = "secret-" + secrets.token_hex(8)
    r = _run_expecting_failure(tmp_path, env)
    out = r.stdout.decode(errors="replace")
    assert r.returncode != 0
    assert "no-such-bucket" in out and "404" in out, out
    assert env["FALCONET_STORAGE_S3_SECRET_KEY"] not in out

    env = s3rver.server_env("x")
    env["FALCONET_STORAGE_S3_ENDPOINT"] = "http://127.0.0.1:1"
    r = _run_expecting_failure(tmp_path, env)
    out = r.stdout.decode(errors="replace")
    assert r.returncode != 0 and "not reachable" in out, out

    env = s3rver.server_env("x")
    env["FALCONET_STORAGE_URL"] = "gs://bucket"
    r = _run_expecting_failure(tmp_path, env)
    assert r.returncode != 0 and "s3://bucket" in r.stdout.decode(), r.stdout
