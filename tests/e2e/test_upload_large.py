"""1 GiB artifact: streamed upload with bounded server memory, correct hashes, streamed download."""

import hashlib
import os
import threading
import time

import pytest

from falconet_e2e import expect, expect_json, link, stream_upload

GIB = 1024 ** 3
RSS_LIMIT_KB = 32 * 1024


class RssSampler(threading.Thread):
    """Samples the server's memory while it runs: `peak` is the highest total (stop()
    returns it); largest_growth() is the growth of the process that grew most (in
    cluster mode one process serves a transfer; the total adds the others' unrelated
    background noise)."""

    def __init__(self, server, interval=0.02):
        super().__init__(daemon=True)
        self.server = server
        self.interval = interval
        self.before = server.rss_kb_each()
        self.peaks = list(self.before)
        self.peak = 0
        self._halt = threading.Event()

    def sample(self):
        now = self.server.rss_kb_each()
        self.peaks = [max(p, n) for p, n in zip(self.peaks, now)]
        self.peak = max(self.peak, sum(now))

    def run(self):
        while not self._halt.is_set():
            try:
                self.sample()
            except (OSError, AssertionError):
                return
            time.sleep(self.interval)

    def stop(self):
        self._halt.set()
        self.join(5)
        self.sample()
        return self.peak

    def largest_growth(self):
        """(growth, before, peak) in kB of the process that grew most."""
        return max((p - b, b, p) for p, b in zip(self.peaks, self.before))


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

    sampler = RssSampler(server)
    sampler.start()
    try:
        r = stream_upload(api, sm["id"], path, "big.raucb")
    finally:
        sampler.stop()
    growth, before, peak = sampler.largest_growth()
    art = expect_json(r, 201)
    assert art["size"] == GIB
    assert art["hashes"] == local
    assert art["providedFilename"] == "big.raucb"
    assert growth < RSS_LIMIT_KB, \
        f"server RSS grew by {growth // 1024} MiB during a 1 GiB upload (before {before} kB, peak {peak} kB)"

    # streamed download: same bytes, and the server does not buffer the file either
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
        sampler.stop()
    growth, before, peak = sampler.largest_growth()
    assert n == GIB
    assert h.hexdigest() == local["sha256"]
    assert growth < RSS_LIMIT_KB, \
        f"server RSS grew by {growth // 1024} MiB during a 1 GiB download (before {before} kB, peak {peak} kB)"

    # a ranged read from the far end of the file
    with open(path, "rb") as f:
        f.seek(GIB - 100)
        tail = f.read()
    rr = api.get(link(art, "download"), headers={"Range": f"bytes={GIB - 100}-"})
    assert rr.status_code == 206 and rr.content == tail

    expect(api.delete(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 200)
