"""A real RAUC bundle delivered to a scripted client that speaks DDI like
rauc-hawkbit-updater (clients.md): JSON Accept with charset, TargetToken header, follows the
hrefs it is given, prefers _links.download over download-http, resumes a cut download
with Range, treats 416 on `bytes=<size>-` as "complete", sends feedback bursts with
string ids and YYYYmmddTHHMMSS times, then closes with success."""

import hashlib
import os
import re
import time
from urllib.parse import urlsplit

from falconet_clients import (DdiClient, action_statuses, build_rauc_bundle, entries_with,
                              expect, expect_json, new_target, rauc_info, sha256_file,
                              status_summary, target, uid, upload_ds, wait_for)

BURST = 30


def test_rauc_style_client_full_update(api, server, cert, workdir):
    bundle = build_rauc_bundle(workdir, cert, compatible="falconet-board", version="4.5.6",
                               size=1 << 20)
    rc, info = rauc_info(bundle.path, cert)
    assert rc == 0, info
    ds, sm, art = upload_ds(api, bundle.filename, bundle.data)
    assert art["size"] == len(bundle.data), art
    t, token = new_target(api)
    cid = t["controllerId"]
    aid = api.assign(cid, ds["id"], "forced")["assignedActions"][0]["id"]

    dev = DdiClient(server.base_url, cid, token=token)
    base = urlsplit(server.base_url)

    # poll: the deploymentBase link points at this server (what the client connected to)
    poll = dev.poll()
    assert isinstance(poll.get("config", {}).get("polling", {}).get("sleep"), str), poll
    assert re.fullmatch(r"\d\d:\d\d:\d\d", poll["config"]["polling"]["sleep"]), poll
    dep_href = poll["_links"]["deploymentBase"]["href"]
    u = urlsplit(dep_href)
    assert (u.scheme, u.netloc) == (base.scheme, base.netloc), dep_href
    assert u.path.endswith(f"/deploymentBase/{aid}"), dep_href

    dep = dev.get_json(dep_href)
    assert dep["id"] == str(aid), dep
    assert dep["deployment"]["download"] == "forced" and dep["deployment"]["update"] == "forced", dep
    chunks = dep["deployment"]["chunks"]
    assert len(chunks) == 1 and chunks[0]["part"] == "os", chunks
    arts = chunks[0]["artifacts"]
    assert len(arts) == 1, arts
    a0 = arts[0]
    assert a0["filename"] == bundle.filename, a0
    assert a0["size"] == len(bundle.data) and isinstance(a0["size"], int), a0
    assert a0["hashes"]["sha1"] == hashlib.sha1(bundle.data).hexdigest(), a0
    href = dev.artifact_href(a0)  # download (https) preferred, else download-http
    hu = urlsplit(href)
    assert (hu.scheme, hu.netloc) == (base.scheme, base.netloc), href
    if base.scheme == "http":
        assert "download" not in a0["_links"], \
            f"a plain-http server should offer only the -http link variants: {a0['_links']}"

    r = dev.feedback(dep_href, "proceeding", "none", ["Starting download"], action_id=aid)
    assert r.status_code == 200, r.text[:300]

    # download, cut off half-way, resume with Range
    dest = os.path.join(workdir, "downloaded.raucb")
    size = len(bundle.data)
    h1, h2 = dev.download_resumed(href, size, dest, cut_at=size // 2)
    assert h1.get("Accept-Ranges") == "bytes", h1
    assert sha256_file(dest) == hashlib.sha256(bundle.data).hexdigest(), \
        "resumed download differs from the uploaded bundle"

    # a streamed chunk: bytes=N-M
    lo, hi = size // 4, size // 4 + 65535
    r = dev._req("GET", href, headers={"Accept": "application/octet-stream",
                                       "Range": f"bytes={lo}-{hi}"})
    assert r.status_code == 206, r.status_code
    assert r.headers.get("Content-Range") == f"bytes {lo}-{hi}/{size}", dict(r.headers)
    assert r.content == bundle.data[lo:hi + 1]

    # already complete: a start at the end must be 416 with Content-Range: bytes */size
    r = dev.range_past_end(href, size)
    assert r.status_code == 416, f"Range: bytes={size}- -> {r.status_code} (must be 416, else the updater loops)"
    assert r.headers.get("Content-Range") == f"bytes */{size}", dict(r.headers)

    rc, info = rauc_info(dest, cert)
    assert rc == 0, "rauc info rejected the downloaded bundle:\n" + info
    assert "falconet-board" in info and "4.5.6" in info, info

    # installation progress: a burst of feedback within a couple of seconds
    t0 = time.monotonic()
    codes = []
    for i in range(1, BURST + 1):
        r = dev.feedback(dep_href, "proceeding", "none", [f"Installing: {i * 100 // BURST}%"],
                         progress=(i, BURST), action_id=aid)
        codes.append(r.status_code)
    burst_s = time.monotonic() - t0
    assert codes == [200] * BURST, f"feedback burst answers: {codes}\n" + dev.trace()
    r = dev.feedback(dep_href, "closed", "success", ["Software bundle installed successfully."],
                     action_id=aid)
    assert r.status_code == 200, r.text[:300]

    a = api.action(cid, aid)
    assert a["status"] == "finished" and a.get("active") is False, a
    entries = action_statuses(api, cid, aid)
    summary = status_summary(entries)
    progress = [e for e in entries_with(entries, "running")
                if any(m.startswith("Installing: ") for m in e.get("messages") or [])]
    assert len(progress) == BURST, f"{len(progress)} of {BURST} burst entries stored " \
                                   f"(sent in {burst_s:.2f}s)\n" + summary
    assert entries_with(entries, "finished", "Software bundle installed successfully."), summary
    assert entries_with(entries, "retrieved"), summary

    tgt = target(api, cid)
    assert tgt["updateStatus"] == "in_sync", tgt
    assert expect_json(api.get(f"/targets/{cid}/installedDS"), 200)["id"] == ds["id"]
    wait_for(lambda: target(api, cid).get("lastControllerRequestAt"), 10,
             "lastControllerRequestAt after the polls")

    # a closed action takes no more feedback (a.6: 410 Gone) and is no longer offered
    r = dev.feedback(dep_href, "proceeding", "none", ["late"], action_id=aid)
    assert r.status_code == 410, f"feedback on a finished action -> {r.status_code}"
    poll = dev.poll()
    assert "deploymentBase" not in poll.get("_links", {}), poll
    assert "installedBase" in poll.get("_links", {}), poll


def test_rauc_style_client_wrong_token_401(api, server, cert, workdir):
    t, token = new_target(api)
    dev = DdiClient(server.base_url, t["controllerId"], token=token + "x")
    r = dev._req("GET", dev.root_url)
    assert r.status_code == 401 and r.content == b"", (r.status_code, r.text[:200])


def test_rauc_style_client_behind_tls_proxy_with_gateway_token(api, server, cert, workdir):
    """rauc-hawkbit-updater behind a TLS-terminating proxy, authenticated by a gateway
    token: every href it gets must carry the public scheme/host/port, and the artifact
    download works with the GatewayToken header."""
    keys = ("authentication.gatewaytoken.enabled", "authentication.gatewaytoken.key")
    saved = {k: expect_json(api.get(f"/system/configs/{k}"), 200) for k in keys}
    gw = "gw" + uid() + uid()
    bundle = build_rauc_bundle(workdir, cert, size=256 * 1024)
    ds, _, _ = upload_ds(api, bundle.filename, bundle.data)
    t, _token = new_target(api)
    cid = t["controllerId"]
    aid = api.assign(cid, ds["id"], "forced")["assignedActions"][0]["id"]
    public = "https://updates.example.net:8443"
    fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "updates.example.net",
           "X-Forwarded-Port": "8443"}
    try:
        expect(api.put("/system/configs/authentication.gatewaytoken.key", json={"value": gw}), (200, 204))
        expect(api.put("/system/configs/authentication.gatewaytoken.enabled", json={"value": True}),
               (200, 204))
        dev = DdiClient(server.base_url, cid, gateway=gw).behind_proxy(public, fwd)
        poll = dev.poll()
        for rel, link in poll["_links"].items():
            assert link["href"].startswith(public + "/"), (rel, link)
        dep_href = poll["_links"]["deploymentBase"]["href"]
        dep = dev.get_json(dep_href)
        a0 = dep["deployment"]["chunks"][0]["artifacts"][0]
        for rel, link in a0["_links"].items():
            assert link["href"].startswith(public + "/"), (rel, link)
        href = dev.artifact_href(a0)
        dest = os.path.join(workdir, "via-proxy.raucb")
        size = len(bundle.data)
        dev.download_resumed(href, size, dest, cut_at=size // 3)
        assert sha256_file(dest) == hashlib.sha256(bundle.data).hexdigest()
        r = dev.range_past_end(href, size)
        assert r.status_code == 416 and r.headers.get("Content-Range") == f"bytes */{size}", \
            (r.status_code, dict(r.headers))
        r = dev.feedback(dep_href, "closed", "success", ["installed via proxy"], action_id=aid)
        assert r.status_code == 200, r.text[:300]
    finally:
        for k in keys:
            if saved[k].get("global", False):
                expect(api.delete(f"/system/configs/{k}"), (200, 204))
            else:
                expect(api.put(f"/system/configs/{k}", json={"value": saved[k]["value"]}), (200, 204))
    a = api.action(cid, aid)
    assert a["status"] == "finished", a
    rc, info = rauc_info(dest, cert)
    assert rc == 0, info
