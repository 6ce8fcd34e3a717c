"""1 GiB artifact: streamed upload with bounded server memory, correct hashes, streamed download."""

import hashlib
import os
import threading
import time

import pytest

from falconet_e2e import MultipartFileStream, expect, expect_json, link

GIB = 1024 ** 3
RSS_LIMIT_KB = 32 * 1024


class RssSampler(threading.Thread):
    def __init__(self, server, interval=0.02):
        super().__init__(daemon=True)
        self.server = server
        self.interval = interval
        self.peak = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                self.peak = max(self.peak, self.server.rss_kb())
            except (OSError, AssertionError):
                return
            time.sleep(self.interval)

    def stop(self):
        self._halt.set()
        self.join(5)
        return self.peak


def _make_file(path):
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(GIB // (4 << 20)):
            chunk = os.urandom(4 << 20)
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
            f.write(chunk)
    return {"md5": md5.hexdigest(), "sha1": sha1.hexdigest(), "sha256": sha256.hexdigest()}


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "big.raucb"
    try:
        yield path, _make_file(path)
    finally:
        if path.exists():
            path.unlink()


@pytest.mark.slow
def test_upload_and_download_1gib(api, server, big_file):
    path, local = big_file
    assert os.path.getsize(path) == GIB
    sm = api.create_sm("os")

    before = server.rss_kb()
    sampler = RssSampler(server)
    sampler.start()
    stream = MultipartFileStream(str(path), "big.raucb")
    try:
        r = api.post(f"/softwaremodules/{sm['id']}/artifacts", data=stream,
                     headers={"Content-Type": stream.content_type}, timeout=900)
    finally:
        stream.close()
        peak = sampler.stop()
    after = server.rss_kb()
    art = expect_json(r, 201)
    assert art["size"] == GIB
    assert art["hashes"] == local
    assert art["providedFilename"] == "big.raucb"
    growth = max(peak, after) - before
    assert growth < RSS_LIMIT_KB, \
        f"server RSS grew by {growth // 1024} MiB during a 1 GiB upload (before {before} kB, peak {peak} kB)"

    # streamed download: same bytes, and the server does not buffer the file either
    before = server.rss_kb()
    sampler = RssSampler(server)
    sampler.start()
    h = hashlib.sha256()
    n = 0
    try:
        with api.get(link(art, "download"), stream=True, timeout=900) as resp:
            assert resp.status_code == 200
            assert int(resp.headers["Content-Length"]) == GIB
            for chunk in resp.iter_content(1 << 20):
                h.update(chunk)
                n += len(chunk)
    finally:
        peak = sampler.stop()
    assert n == GIB
    assert h.hexdigest() == local["sha256"]
    growth = peak - before
    assert growth < RSS_LIMIT_KB, f"server RSS grew by {growth // 1024} MiB during a 1 GiB download"

    # a ranged read from the far end of the file
    with open(path, "rb") as f:
        f.seek(GIB - 100)
        tail = f.read()
    rr = api.get(link(art, "download"), headers={"Range": f"bytes={GIB - 100}-"})
    assert rr.status_code == 206 and rr.content == tail

    expect(api.delete(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 200)
