"""SWUpdate 2022.12 (Debian) as a hawkBit client against a real Falconet server.

Each test sets everything up through the Management API first, so SWUpdate only needs the
poll it makes right after start-up (later polls follow the server's pollingTime, >= 30 s).
Every SWUpdate run is bounded by `timeout` and waits on the Management API, not on sleeps.
Expected behaviour is hawkBit's (reference: hawkbit-api.md a.2-a.7, e.1-e.5).
"""

import hashlib
import json
import os
import re
import time

import requests

from falconet_clients import (CuttingProxy, Swupdate, action_statuses, build_swu, entries_with, expect,
                              expect_json, new_target, status_summary, swupdate_dry_run,
                              target, uid, upload_ds, wait_for)

RUN_TIMEOUT = 50  # seconds a single SWUpdate run may take to reach the expected state
MESSAGE_CUT = 512  # longest status message kept in one piece


def _context(server, api, cid, action_id=None, sw=None):
    def ctx():
        parts = []
        if sw is not None:
            parts.append(sw.log_tail(5000))
        if action_id is not None:
            try:
                parts.append(f"--- action {action_id} status history ---\n"
                             + status_summary(action_statuses(api, cid, action_id)))
            except AssertionError as e:  # the history itself is broken: say so
                parts.append(f"--- action {action_id} status history unavailable: {e}")
        parts.append(server.log_tail(3000))
        return "\n".join(parts)
    return ctx


def _action_status(api, cid, action_id):
    return api.action(cid, action_id)["status"]


def _status_is(api, cid, action_id, wanted):
    def check():
        st = _action_status(api, cid, action_id)
        return st if st == wanted else None
    return check


def _ds_with_swu(api, cert, workdir, payload_size=64 * 1024):
    install = os.path.join(workdir, "device-" + uid(), "rootfs.img")
    swu = build_swu(workdir, cert, os.urandom(payload_size), install)
    valid, rc, log = swupdate_dry_run(swu.path, cert, workdir)
    assert valid, f"test image failed its own dry run (rc={rc})\n{log[-4000:]}"
    ds, sm, art = upload_ds(api, "update.swu", swu.data)
    return swu, ds, sm, art


def _assign(api, cid, ds_id, type_="forced"):
    body = api.assign(cid, ds_id, type_)
    assert body.get("assigned") == 1, body
    return body["assignedActions"][0]["id"]


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _first_difference(details, stored):
    """Explain how a posted details list differs from the closest stored messages list."""
    best = max(stored, key=lambda m: sum(1 for a, b in zip(m, details) if a == b), default=[])
    for i, (a, b) in enumerate(zip(details, best)):
        if a != b:
            return (f"posted feedback with {len(details)} details not stored verbatim; closest entry "
                    f"has {len(best)} messages; first difference at #{i}:\n  posted: {a!r}\n"
                    f"  stored: {b!r}")
    return (f"posted feedback with {len(details)} details not stored verbatim; closest entry has "
            f"{len(best)} messages (a prefix of the posted ones)")


def test_swupdate_full_update(api, server, cert, workdir):
    swu, ds, sm, art = _ds_with_swu(api, cert, workdir)
    assert art["hashes"]["sha256"] == hashlib.sha256(swu.data).hexdigest(), art
    t, token = new_target(api)
    cid = t["controllerId"]
    aid = _assign(api, cid, ds["id"], "forced")

    # run 1: poll, deploymentBase, download, install via rawfile, log feedback; through a
    # pass-through proxy that records exactly what SWUpdate sent
    with CuttingProxy(server.port) as proxy:
        with Swupdate(workdir, cert, proxy.base_url, cid, token=token) as sw:
            ctx = _context(server, api, cid, aid, sw)
            wait_for(lambda: entries_with(action_statuses(api, cid, aid), "running", "All Chunks Installed."),
                     RUN_TIMEOUT, "SWUpdate's 'All Chunks Installed.' feedback", interval=0.3, context=ctx,
                     abort=sw.trouble)
            wait_for(lambda: os.path.exists(swu.install_path) and _read(swu.install_path) == swu.payload,
                     10, "the installed payload", context=ctx)
        sent = proxy.requests_sent()
    assert _read(swu.install_path) == swu.payload, "installed file differs from the payload"

    entries = action_statuses(api, cid, aid)
    summary = status_summary(entries)
    assert entries_with(entries, "retrieved"), "no 'retrieved' entry after SWUpdate fetched " \
        "deploymentBase (hawkbit-api a.5)\n" + summary
    running = entries_with(entries, "running")
    for msg in ("Installing Update Chunk Artifacts.", "Installed Chunk.", "All Chunks Installed."):
        assert entries_with(running, message=msg), f"no running entry with {msg!r}\n" + summary

    # every feedback SWUpdate posted (numeric id, progress, many KB of log lines) is stored
    # as one running entry with exactly its details as messages
    posted = [json.loads(body, strict=False) for method, path, _h, body in sent
              if method == "POST" and path.endswith(f"/deploymentBase/{aid}/feedback")]
    assert len(posted) >= 4, f"only {len(posted)} feedback POSTs seen:\n" + \
        "\n".join(f"{m} {p}" for m, p, _h, _b in sent)
    stored = [e.get("messages") or [] for e in running]
    for p in posted:
        assert isinstance(p["id"], int) and p["status"]["execution"] == "proceeding", p
        details = p["status"]["details"]
        if not details:
            # SWUpdate's log thread sometimes flushes an empty batch; hawkBit then stores its
            # own "Target reported ..." message (a.6)
            assert [m for m in stored if len(m) == 1 and "Target reported" in m[0]], \
                "SWUpdate posted feedback without details; no server 'Target reported' entry\n" + summary
            continue
        # long lines: Falconet keeps the first 512 bytes (docs/ddi.md); hawkBit's
        # JpaActionStatus.addMessage splits them into 512-char pieces. Both keep order and start.
        cut = [d[:MESSAGE_CUT] for d in details]
        split = [d[i:i + MESSAGE_CUT] for d in details for i in range(0, max(len(d), 1), MESSAGE_CUT)]
        assert cut in stored or split in stored, _first_difference(cut, stored) + "\n" + summary
    device_entries = [e for e in running
                      if not any(m.startswith("Update Server: Assignment") for m in e.get("messages") or [])]
    assert len(device_entries) == len(posted), \
        f"{len(posted)} feedback POSTs but {len(device_entries)} running entries\n" + summary
    assert entries_with(entries, "download"), \
        "no 'download' entry for SWUpdate's full artifact GET (hawkbit-api a.11)\n" + summary

    a = api.action(cid, aid)
    assert a["status"] not in ("finished", "error", "canceled", "canceling"), a
    assert a.get("active") is not False, a
    tgt = wait_for(lambda: (lambda x: x if x.get("lastControllerRequestAt") else None)(target(api, cid)),
                   10, "lastControllerRequestAt on the target", context=_context(server, api, cid))
    assert tgt["updateStatus"] == "pending", tgt

    # run 2: SWUpdate restarted after the "reboot", told the update succeeded (-c 2)
    with Swupdate(workdir, cert, server.base_url, cid, token=token, confirm=2) as sw2:
        wait_for(_status_is(api, cid, aid, "finished"), RUN_TIMEOUT, f"action {aid} finished",
                 interval=0.3, context=_context(server, api, cid, aid, sw2), abort=sw2.trouble)
    a = api.action(cid, aid)
    assert a["status"] == "finished", a
    assert a.get("active") is False, a
    entries = action_statuses(api, cid, aid)
    assert entries_with(entries, "finished", "Update Installed."), status_summary(entries)

    tgt = target(api, cid)
    assert tgt["updateStatus"] == "in_sync", tgt
    installed = expect_json(api.get(f"/targets/{cid}/installedDS"), 200)
    assert installed["id"] == ds["id"], installed
    assigned = expect_json(api.get(f"/targets/{cid}/assignedDS"), 200)
    assert assigned["id"] == ds["id"], assigned
    assert _read(swu.install_path) == swu.payload


def test_swupdate_acknowledges_cancel_of_deleted_action(api, server, cert, workdir):
    swu, ds, _, _ = _ds_with_swu(api, cert, workdir, 8 * 1024)
    t, token = new_target(api)
    cid = t["controllerId"]
    aid = _assign(api, cid, ds["id"], "forced")
    expect(api.delete(f"/targets/{cid}/actions/{aid}"), (200, 204))
    assert _action_status(api, cid, aid) == "canceling"

    with Swupdate(workdir, cert, server.base_url, cid, token=token) as sw:
        wait_for(_status_is(api, cid, aid, "canceled"), RUN_TIMEOUT, f"action {aid} canceled",
                 interval=0.3, context=_context(server, api, cid, aid, sw), abort=sw.trouble)
        log = sw.log()
    assert re.search(r"cancelAction/%d\b" % aid, log), "SWUpdate never fetched the cancelAction link\n" + log[-4000:]

    a = api.action(cid, aid)
    assert a["status"] == "canceled" and a.get("active") is False, a
    entries = action_statuses(api, cid, aid)
    summary = status_summary(entries)
    assert entries_with(entries, "canceled", "cancellation acknowledged."), summary
    assert entries_with(entries, "retrieved"), "GET cancelAction should log 'retrieved' (a.7)\n" + summary
    assert not os.path.exists(swu.install_path), "a canceled update was installed"
    # nothing else active: the target falls back to its installed state (none) and is in sync (e.2)
    tgt = target(api, cid)
    assert tgt["updateStatus"] == "in_sync", tgt
    r = api.get(f"/targets/{cid}/assignedDS")
    assert r.status_code == 204, "assigned DS should fall back to the (empty) installed DS: " + r.text[:300]


def test_swupdate_acknowledges_cancel_of_superseded_action(api, server, cert, workdir):
    _, ds1, _, _ = _ds_with_swu(api, cert, workdir, 8 * 1024)
    _, ds2, _, _ = _ds_with_swu(api, cert, workdir, 8 * 1024)
    t, token = new_target(api)
    cid = t["controllerId"]
    a1 = _assign(api, cid, ds1["id"], "forced")
    a2 = _assign(api, cid, ds2["id"], "forced")
    assert _action_status(api, cid, a1) == "canceling"
    assert _action_status(api, cid, a2) == "running"

    with Swupdate(workdir, cert, server.base_url, cid, token=token) as sw:
        wait_for(_status_is(api, cid, a1, "canceled"), RUN_TIMEOUT, f"old action {a1} canceled",
                 interval=0.3, context=_context(server, api, cid, a1, sw), abort=sw.trouble)
    entries = action_statuses(api, cid, a1)
    assert entries_with(entries, "canceled", "cancellation acknowledged."), status_summary(entries)
    second = api.action(cid, a2)
    assert second["status"] not in ("canceled", "canceling", "error"), second
    assigned = expect_json(api.get(f"/targets/{cid}/assignedDS"), 200)
    assert assigned["id"] == ds2["id"], assigned


def test_swupdate_download_only_is_skipped_and_closed(api, server, cert, workdir):
    swu, ds, _, _ = _ds_with_swu(api, cert, workdir, 8 * 1024)
    t, token = new_target(api)
    cid = t["controllerId"]
    aid = _assign(api, cid, ds["id"], "downloadonly")
    assert api.action(cid, aid)["forceType"] == "downloadonly"

    # what the device is told (a.5): download forced, update skip
    ddi = f"{server.base_url}/DEFAULT/controller/v1/{cid}"
    hdr = {"Authorization": f"TargetToken {token}", "Accept": "application/json"}
    poll = expect_json(requests.get(ddi, headers=hdr, timeout=10), 200)
    href = poll["_links"]["deploymentBase"]["href"]
    dep = expect_json(requests.get(href, headers=hdr, timeout=10), 200)
    assert dep["deployment"]["update"] == "skip", dep
    assert dep["deployment"]["download"] == "forced", dep

    with Swupdate(workdir, cert, server.base_url, cid, token=token) as sw:
        ctx = _context(server, api, cid, aid, sw)
        wait_for(lambda: entries_with(action_statuses(api, cid, aid), message="Skipped Update."),
                 RUN_TIMEOUT, "SWUpdate's 'Skipped Update.' feedback", interval=0.3, context=ctx,
                 abort=sw.trouble)
    assert not os.path.exists(swu.install_path), "update: skip, but SWUpdate installed the image"

    # hawkBit (a.6): closed + success finishes the action, also for downloadonly
    entries = action_statuses(api, cid, aid)
    summary = status_summary(entries)
    assert entries_with(entries, "finished", "Skipped Update."), summary
    a = api.action(cid, aid)
    assert a["status"] == "finished" and a.get("active") is False, (a, summary)
    tgt = target(api, cid)
    assert tgt["updateStatus"] == "in_sync", tgt
    installed = expect_json(api.get(f"/targets/{cid}/installedDS"), 200)
    assert installed["id"] == ds["id"], installed


def _get_config(api, key):
    return expect_json(api.get(f"/system/configs/{key}"), 200)


def _restore_config(api, key, saved):
    if saved.get("global", False):
        expect(api.delete(f"/system/configs/{key}"), (200, 204))
    else:
        expect(api.put(f"/system/configs/{key}", json={"value": saved["value"]}), (200, 204))
    now = _get_config(api, key)
    assert now["value"] == saved["value"], (key, saved, now)


def test_swupdate_gateway_token_registers_unknown_device(api, server, cert, workdir):
    keys = ("authentication.gatewaytoken.enabled", "authentication.gatewaytoken.key")
    saved = {k: _get_config(api, k) for k in keys}
    gw = "gw" + uid() + uid()
    cid = "gw-dev-" + uid()
    assert api.get(f"/targets/{cid}").status_code == 404
    try:
        expect(api.put("/system/configs/authentication.gatewaytoken.key", json={"value": gw}), (200, 204))
        expect(api.put("/system/configs/authentication.gatewaytoken.enabled", json={"value": True}),
               (200, 204))
        with Swupdate(workdir, cert, server.base_url, cid, gateway=gw) as sw:
            ctx = _context(server, api, cid, sw=sw)

            def polled():
                r = api.get(f"/targets/{cid}")
                if r.status_code != 200:
                    return None
                body = r.json()
                return body if body.get("lastControllerRequestAt") else None
            tgt = wait_for(polled, RUN_TIMEOUT, f"plug-and-play target {cid} with a poll time",
                           interval=0.3, context=ctx, abort=sw.trouble)
        assert tgt["controllerId"] == cid, tgt
        assert tgt["updateStatus"] == "registered", tgt
        assert tgt.get("name") == cid, tgt
    finally:
        for k in keys:
            _restore_config(api, k, saved[k])
    # once disabled again, the same gateway key is refused
    r = requests.get(f"{server.base_url}/DEFAULT/controller/v1/{cid}",
                     headers={"Authorization": f"GatewayToken {gw}", "Accept": "application/json"},
                     timeout=10)
    assert r.status_code == 401, f"gateway token still accepted after restoring the configs: {r.status_code}"


def test_swupdate_wrong_target_token_is_refused(api, server, cert, workdir):
    swu, ds, _, _ = _ds_with_swu(api, cert, workdir, 8 * 1024)
    t, token = new_target(api)
    cid = t["controllerId"]
    aid = _assign(api, cid, ds["id"], "forced")
    before = action_statuses(api, cid, aid)
    wrong = "wrong" + uid()

    with Swupdate(workdir, cert, server.base_url, cid, token=wrong) as sw:
        wait_for(lambda: re.search(r"HTTP (status|error) code 401", sw.log()), 20,
                 "SWUpdate logging HTTP 401", context=_context(server, api, cid, aid, sw),
                 abort=lambda: sw.trouble(allowed=(401,)))
        log = sw.log()
    assert not re.search(r"HTTP (status|error) code 200", log), \
        "some request with the wrong token succeeded\n" + log[-4000:]
    time.sleep(1.0)  # > 2 x FALCONET_DDI_FLUSH_INTERVAL_MS: a poll would be visible by now

    tgt = target(api, cid)
    assert not tgt.get("lastControllerRequestAt"), f"a refused poll was recorded: {tgt}"
    assert "pollStatus" not in tgt, tgt
    assert tgt["updateStatus"] == "pending", tgt
    assert _action_status(api, cid, aid) == "running"
    after = action_statuses(api, cid, aid)
    assert [e["id"] for e in after] == [e["id"] for e in before], \
        "refused requests changed the action history\n" + status_summary(after)
    assert not os.path.exists(swu.install_path)

    # the same answer to a plain request: 401 with an empty body (a.0)
    r = requests.get(f"{server.base_url}/DEFAULT/controller/v1/{cid}",
                     headers={"Authorization": f"TargetToken {wrong}", "Accept": "application/json"},
                     timeout=10)
    assert r.status_code == 401 and r.content == b"", (r.status_code, r.text[:200])


def test_swupdate_config_data_becomes_target_attributes(api, server, cert, workdir):
    t, token = new_target(api)
    cid = t["controllerId"]
    assert t.get("requestAttributes") is True, t
    ident = {"hw_rev": "B2", "serial": "SN-" + uid(), "board": "falconet-test"}

    def attributes():
        r = api.get(f"/targets/{cid}/attributes")
        return r.json() if r.status_code == 200 and r.content else None

    with Swupdate(workdir, cert, server.base_url, cid, token=token, identify=ident) as sw:
        got = wait_for(lambda: (lambda a: a if a and len(a) >= len(ident) else None)(attributes()),
                       RUN_TIMEOUT, "configData from SWUpdate's identify section", interval=0.3,
                       context=_context(server, api, cid, sw=sw), abort=sw.trouble)
        log = sw.log()
    assert re.search(r"> PUT /DEFAULT/controller/v1/%s/configData " % re.escape(cid), log), log[-3000:]
    assert got == ident, got
    # hawkBit clears requestAttributes once the device sent its attributes (a.4)
    assert target(api, cid).get("requestAttributes") is False, target(api, cid)


def _range_of(head):
    m = re.search(rb"(?im)^range: *(.*)$", head)
    return m.group(1).strip() if m else None


def test_swupdate_resumes_a_cut_download(api, server, cert, workdir):
    """SWUpdate talks to the server through a proxy that drops the first artifact download
    half-way; SWUpdate resumes with `Range: bytes=N-`, the server must answer 206 with the
    rest, and the installed payload must still be byte-identical."""
    swu, ds, _, _ = _ds_with_swu(api, cert, workdir, payload_size=512 * 1024)
    t, token = new_target(api)
    cid = t["controllerId"]
    aid = _assign(api, cid, ds["id"], "forced")
    with CuttingProxy(server.port, cut_after=len(swu.data) // 2) as proxy:
        with Swupdate(workdir, cert, proxy.base_url, cid, token=token, extra=["-r", "3", "-w", "1"]) as sw:
            # wait for the installed payload, not for SWUpdate's later feedback: what is under
            # test is the server's answer to the resumed request
            wait_for(lambda: os.path.exists(swu.install_path) and _read(swu.install_path) == swu.payload,
                     RUN_TIMEOUT, "the payload installed from a resumed download", interval=0.3,
                     context=_context(server, api, cid, aid, sw), abort=sw.trouble)
        gets = [(req, st) for req, st in proxy.requests_matching(b"/artifacts/") if req.startswith(b"GET ")]
    trace = "\n".join(f"{req.splitlines()[0]!r} {_range_of(req)!r} -> {st!r}" for req, st in gets)
    assert proxy.cut_done, "the proxy never saw an artifact download to cut\n" + trace
    ranged = [(req, st) for req, st in gets if re.search(rb"(?im)^range: *bytes=[1-9][0-9]*-", req)]
    assert ranged, "SWUpdate did not resume with a Range request\n" + trace
    assert all(st is not None and b" 206 " in st + b" " for _, st in ranged), \
        "a resumed download was not answered 206\n" + trace
    assert _read(swu.install_path) == swu.payload, "installed file differs after a resumed download"


def test_swupdate_reports_failed_update(api, server, cert, workdir):
    """After a failed boot SWUpdate is restarted with -c 3 and closes the action with failure:
    action error, target error, assigned DS cleared (hawkbit-api a.6, e.2)."""
    _, ds, _, _ = _ds_with_swu(api, cert, workdir, 8 * 1024)
    t, token = new_target(api)
    cid = t["controllerId"]
    aid = _assign(api, cid, ds["id"], "forced")
    with Swupdate(workdir, cert, server.base_url, cid, token=token, confirm=3) as sw:
        wait_for(_status_is(api, cid, aid, "error"), RUN_TIMEOUT, f"action {aid} error",
                 interval=0.3, context=_context(server, api, cid, aid, sw), abort=sw.trouble)
    a = api.action(cid, aid)
    assert a.get("active") is False, a
    entries = action_statuses(api, cid, aid)
    assert entries_with(entries, "error", "Update Failed."), status_summary(entries)
    tgt = target(api, cid)
    assert tgt["updateStatus"] == "error", tgt
    assert api.get(f"/targets/{cid}/assignedDS").status_code == 204, "assigned DS not cleared after ERROR"
    assert api.get(f"/targets/{cid}/installedDS").status_code == 204
