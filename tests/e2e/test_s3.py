"""Artifacts in S3 (storage.url = s3://...), against a real S3-compatible server
(s3rver behind the SigV4-verifying proxy, see s3.py): uploads (one PUT, multipart),
what lands in the bucket as the AWS CLI sees it, proxied downloads with one or several
ranges, presigned redirects (tampered and expired URLs refused), deletes, cut-off
uploads, bounded memory, start-up checks, a wrong or revoked secret, object keys that
need percent-encoding, keep-alive reuse of S3 connections."""

import hashlib
import hmac
import os
import secrets
import subprocess
import time
import urllib.parse

import pytest
import requests

from falconet_e2e import (Api, Server, deploy, expect, expect_json, falconet_bin, hashes_of, link,
                          start_cut_off_upload, stream_upload, uid)
from s3 import ACCESS_KEY, BUCKET, SECRET_KEY
from test_upload_large import RssSampler

MIB = 1024 * 1024
PART = 8 * MIB  # blob_s3.c's PART_SIZE


def _start(tmp_path_factory, s3rver, download, prefix=None):
    base = tmp_path_factory.mktemp(f"falconet-s3-{download}")
    srv = Server(base / "data", base / "server.log", password="pw-" + secrets.token_hex(8))
    prefix = prefix or f"{download}-{uid()}"
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
    # Several ranges: a multipart/byteranges body, one ranged GET per part.
    r = d.dev.get(url, headers={"Range": "bytes=0-9,100-109,3000000-"})
    assert r.status_code == 206, r.status_code
    assert r.headers["Content-Type"].startswith("multipart/byteranges"), r.headers
    assert int(r.headers["Content-Length"]) == len(r.content)
    for first, last in ((0, 9), (100, 109), (3000000, size - 1)):
        head = f"Content-Range: bytes {first}-{last}/{size}\r\n\r\n".encode()
        at = r.content.index(head) + len(head)
        assert r.content[at:at + last - first + 1] == data[first:last + 1]

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
    s = start_cut_off_upload(proxy_server, sm["id"], 64 * MIB)
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
    try:
        r = stream_upload(api, sm["id"], path, "big.bin", timeout=600)
    finally:
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
    r = _run_expecting_failure(tmp_path, env)
    out = r.stdout.decode(errors="replace")
    assert r.returncode != 0
    assert "no-such-bucket" in out and "404" in out, out

    env = s3rver.server_env("x")
    env["FALCONET_STORAGE_S3_ENDPOINT"] = "http://127.0.0.1:1"
    r = _run_expecting_failure(tmp_path, env)
    out = r.stdout.decode(errors="replace")
    assert r.returncode != 0 and "not reachable" in out, out

    env = s3rver.server_env("x")
    env["FALCONET_STORAGE_URL"] = "gs://bucket"
    r = _run_expecting_failure(tmp_path, env)
    assert r.returncode != 0 and "s3://bucket" in r.stdout.decode(), r.stdout


# ---- signatures, checked by the verifying proxy (tests/s3/sigv4_proxy.py) ----

def _delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)


def test_every_s3_request_is_verified(proxy_server, s3rver):
    """A multipart upload, a download and a delete: each S3 call carries a signature
    the proxy recomputed and accepted."""
    api = Api(proxy_server)
    sm = api.create_sm("os")
    before, refused = s3rver.stats, s3rver.proxy.stats.refused
    data = os.urandom(PART + 4097)
    art = api.upload(sm["id"], "verified.bin", data)
    r = api.get(link(art, "download"), headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    expect(api.delete(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 200)
    after = s3rver.stats
    assert s3rver.proxy.stats.refused == refused, s3rver.refusals()[-3:]
    # CreateMultipartUpload + CompleteMultipartUpload, two UploadPart, HeadObject +
    # ranged GetObject, DeleteObject.
    assert _delta(before, after, "method:POST") == 2
    assert _delta(before, after, "method:PUT") == 2
    assert _delta(before, after, "method:HEAD") == 1
    assert _delta(before, after, "method:GET") == 1
    assert _delta(before, after, "method:DELETE") == 1
    assert _delta(before, after, "verified:header") == 7


def test_startup_refused_with_wrong_secret(s3rver, tmp_path):
    env = s3rver.server_env("x")
    env["FALCONET_STORAGE_S3_SECRET_KEY"] = "secret-" + secrets.token_hex(8)
    with s3rver.expect_refusals("SignatureDoesNotMatch"):
        r = _run_expecting_failure(tmp_path, env)
    out = r.stdout.decode(errors="replace")
    assert r.returncode != 0
    assert "HeadBucket answered 403" in out and "check the access and secret key" in out, out
    assert env["FALCONET_STORAGE_S3_SECRET_KEY"] not in out

    env = s3rver.server_env("x")
    env["FALCONET_STORAGE_S3_ACCESS_KEY"] = "AKIANOSUCHKEY"
    with s3rver.expect_refusals("InvalidAccessKeyId"):
        r = _run_expecting_failure(tmp_path, env)
    assert r.returncode != 0 and "HeadBucket answered 403" in r.stdout.decode(), r.stdout


def test_revoked_secret_fails_uploads_cleanly(tmp_path_factory, s3rver):
    srv = _start(tmp_path_factory, s3rver, "proxy")
    try:
        api = Api(srv)
        sm = api.create_sm("os")
        kept = os.urandom(5000)
        art = api.upload(sm["id"], "kept.bin", kept)
        keys = s3rver.keys(srv.prefix)
        s3rver.proxy.verifier.secrets[ACCESS_KEY] = "rotated-" + secrets.token_hex(8)
        try:
            with s3rver.expect_refusals("SignatureDoesNotMatch"):
                for size in (1000, PART + 10):  # one PutObject; CreateMultipartUpload
                    r = api.upload(sm["id"], f"refused-{size}.bin", os.urandom(size), status=None)
                    body = expect_json(r, 500)
                    assert body["errorCode"] == "hawkbit.server.error.artifact.uploadFailed", body
                    assert "S3 answered 403 SignatureDoesNotMatch" in body["message"], body
                r = api.get(link(art, "download"))
                assert r.status_code == 500 and "S3 answered 403" in r.json()["message"], r.text
        finally:
            s3rver.proxy.verifier.secrets[ACCESS_KEY] = SECRET_KEY
        # No row and no object for the refused uploads; the server carries on.
        rows = expect_json(api.get(f"/softwaremodules/{sm['id']}/artifacts"), 200)
        assert [a["providedFilename"] for a in rows] == ["kept.bin"]
        assert s3rver.keys(srv.prefix) == keys
        assert api.get(link(art, "download")).content == kept
        assert api.upload(sm["id"], "after.bin", b"fine")["size"] == 4
    finally:
        assert srv.stop(timeout=10) == 0, srv.log_tail()


def test_presigned_url_tampered_or_expired_is_refused(redirect_server, s3rver):
    api = Api(redirect_server)
    d = deploy(api, files=(("fw.bin", 10_000),))
    data = d.data["fw.bin"]
    r = d.dev.get(d.dev.artifact_url(d.sm["id"], "fw.bin"), allow_redirects=False)
    assert r.status_code == 302
    url = r.headers["Location"]
    verified = s3rver.stats.get("verified:query", 0)
    assert requests.get(url, timeout=30).content == data
    assert s3rver.stats["verified:query"] == verified + 1

    u = urllib.parse.urlsplit(url)
    longer = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")
    def other_last(text):  # a different last character (a fixed one may be the same)
        return text[:-1] + ("0" if text[-1] != "0" else "1")

    other_key = urllib.parse.urlunsplit(u._replace(path=other_last(u.path)))
    sig = dict(urllib.parse.parse_qsl(u.query))["X-Amz-Signature"]
    forged = url.replace(sig, other_last(sig))
    assert len({url, longer, other_key, forged}) == 4
    with s3rver.expect_refusals("SignatureDoesNotMatch"):
        for bad in (longer, other_key, forged):
            r = requests.get(bad, timeout=30)
            assert r.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in r.content

    # An hour later (the proxy's clock moved on) the URL has expired.
    s3rver.proxy.verifier.clock_offset = 3601
    try:
        with s3rver.expect_refusals("AccessDenied"):
            r = requests.get(url, timeout=30)
        assert r.status_code == 403 and b"Request has expired" in r.content, r.content
    finally:
        s3rver.proxy.verifier.clock_offset = 0
    assert requests.get(url, timeout=30).status_code == 200


ODD_PREFIX = "enc dir+plus~tilde/\u00fcnic\u00f8de %25"


@pytest.mark.parametrize("download", ["proxy", "redirect"])
def test_object_keys_needing_encoding(tmp_path_factory, s3rver, tmp_path, download):
    """A storage.url prefix with a space, '+', '~', '%' and non-ASCII letters is part of
    every object key: each request names it percent-encoded exactly as S3 canonicalizes
    it, or the proxy would refuse the signature. Artifact file names (with the same
    characters) never reach S3: objects are named by random hex keys."""
    prefix = f"{ODD_PREFIX} {uid()}"
    srv = _start(tmp_path_factory, s3rver, download, prefix=prefix)
    try:
        api = Api(srv)
        refused = s3rver.proxy.stats.refused
        d = deploy(api, files=(("fw \u00fc+~ (1).bin", PART + 1000), ("small +~.bin", 3000)))
        keys = s3rver.keys(prefix + "/")
        assert len(keys) == 2, keys
        for key in keys:
            tail = key[len(prefix) + 1:]
            assert len(tail) == 32 and all(c in "0123456789abcdef" for c in tail), key
        for name, data in d.data.items():
            url = d.dev.artifact_url(d.sm["id"], urllib.parse.quote(name))
            r = d.dev.get(url, headers={"Range": "bytes=100-199"})
            assert r.status_code == 206 and r.content == data[100:200], r.status_code
            r = d.dev.get(url)
            assert r.status_code == 200 and r.content == data
        sm = api.create_sm("os")  # unassigned, so its artifact may be deleted
        art = api.upload(sm["id"], "gone \u00fc+~.bin", b"x" * 100)
        assert len(s3rver.keys(prefix + "/")) == 3
        expect(api.delete(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 200)
        assert s3rver.keys(prefix + "/") == keys
        assert s3rver.proxy.stats.refused == refused, s3rver.refusals()[-3:]
    finally:
        assert srv.stop(timeout=10) == 0, srv.log_tail()


def test_sequential_requests_reuse_connections(proxy_server, s3rver):
    """Downloads one after the other (HeadObject + ranged GetObject each) and a
    multi-range download (a GET per part) reuse kept-alive S3 connections: a handful
    of connections for dozens of requests."""
    api = Api(proxy_server)
    sm = api.create_sm("os")
    data = os.urandom(50_000)
    art = api.upload(sm["id"], "reuse.bin", data)
    url = link(art, "download")
    before = s3rver.stats
    for i in range(20):
        r = api.get(url, headers={"Range": f"bytes={i * 100}-{i * 100 + 99}"})
        assert r.status_code == 206 and r.content == data[i * 100:i * 100 + 100]
    r = api.get(url, headers={"Range": "bytes=0-0,10-10,20-20,30-30,40-40"})
    assert r.status_code == 206 and r.content.count(b"Content-Range: bytes ") == 5
    after = s3rver.stats
    requests_made = _delta(before, after, "verified:header")
    assert requests_made == 20 * 2 + 1 + 5, requests_made
    # One per worker thread at most (plus slack for a connection the other end closed).
    assert _delta(before, after, "connections") <= 4, (before, after)
