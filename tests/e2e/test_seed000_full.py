"""The MDM <-> hawkBit integration guide (seed 000), phases 1-7, as ONE end-to-end story.

The MDM side (Management API) does what test_seed000_flow.py checks step by step; here the
device side (DDI) is played as well: poll, deploymentBase, download, `proceeding` feedback,
reboot, poll again, final success - and the MDM then sees in_sync, the installed set and
lastControllerRequestAt.  Names are made unique; the tenant keys changed in phase 1 are restored.
"""

import hashlib
import os
import re

from falconet_e2e import (Device, assert_empty, assert_epoch_ms, expect_json, hashes_of, now_ms,
                          statuses, tenant_configs, uid, wait_until)


def _setup_until_phase4(api, suffix, bundle):
    """Phases 1 (registration) to 4 (deployment trigger) as the guide's MDM does them."""
    cid = f"device-00112233-{suffix}"
    token = f"TII-MDM-PoC-token-test-007-{suffix}"
    # Phase 1: device registration
    t = expect_json(api.post("/targets", json=[{
        "controllerId": cid, "name": "SCMD Production Device 001", "securityToken": token,
        "requestAttributes": True}]), 201)[0]
    assert t["updateStatus"] == "unknown" and t["securityToken"] == token
    # Phase 2: firmware bundle upload
    sm = expect_json(api.post("/softwaremodules", json=[{
        "name": "HOS2 OS", "version": f"2025.11.0-{suffix}", "type": "os",
        "vendor": "YourCompany", "description": "November 2025 firmware release"}]), 201)[0]
    art = api.upload(sm["id"], "encrypted-update.raucb", bundle)
    assert art["hashes"] == hashes_of(bundle) and art["size"] == len(bundle)
    # Phase 3: distribution set
    ds = expect_json(api.post("/distributionsets", json=[{
        "name": "HOS2 Release 2025.11", "version": f"2025.11.0-20251106-{suffix}", "type": "os",
        "description": "Production release for November 2025"}]), 201)[0]
    r = api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": sm["id"]}])
    assert r.status_code == 200, r.text
    # Phase 4: deployment trigger
    res = expect_json(api.post(f"/targets/{cid}/assignedDS",
                               json={"id": ds["id"], "type": "forced"}), 200)
    assert res["assigned"] == 1 and res["alreadyAssigned"] == 0
    aid = res["assignedActions"][0]["id"]
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "pending"
    return cid, token, sm, art, ds, aid


def test_seed000_phases_1_to_7(api):
    suffix = uid()
    bundle = os.urandom(300 * 1024 + 7)
    with tenant_configs(api, {"authentication.targettoken.enabled": True,
                              "pollingTime": "00:00:30"}):
        cid, token, sm, art, ds, aid = _setup_until_phase4(api, suffix, bundle)
        dev = Device(api.server, cid, token)
        started = now_ms()

        # Phase 5: the device polls and sees the update
        poll = dev.poll_body()
        assert poll["config"]["polling"]["sleep"] == "00:00:30"
        href = poll["_links"]["deploymentBase"]["href"]
        assert re.match(re.escape(f"{dev.root}/deploymentBase/{aid}?c=") + r"-?\d+$", href), href
        assert poll["_links"]["configData"]["href"] == f"{dev.root}/configData"

        # the device reports its attributes (rauc-hawkbit-updater does so when asked)
        assert_empty(dev.config_data({"hw_rev": "B2", "serial": "SN-000123"}), 200)

        # deploymentBase: the manifest with the artifact
        base = expect_json(dev.get(href), 200)
        assert base["id"] == str(aid)
        dep = base["deployment"]
        assert dep["download"] == "forced" and dep["update"] == "forced"
        (chunk,) = dep["chunks"]
        assert chunk["part"] == "os" and chunk["name"] == "HOS2 OS"
        assert chunk["version"] == f"2025.11.0-{suffix}"
        (a,) = chunk["artifacts"]
        assert a["filename"] == "encrypted-update.raucb"
        assert a["size"] == len(bundle)
        assert a["hashes"] == hashes_of(bundle)
        dl = a["_links"]["download-http"]["href"]
        assert dl == f"{dev.root}/softwaremodules/{sm['id']}/artifacts/encrypted-update.raucb"
        assert api.action(cid, aid)["status"] == "retrieved"

        # download: the whole bundle, byte for byte, and its MD5SUM
        r = dev.get(dl)
        assert r.status_code == 200 and r.content == bundle
        assert r.headers["ETag"] == f'"{hashlib.sha1(bundle).hexdigest()}"'
        md5 = hashlib.md5(bundle).hexdigest()
        r = dev.get(a["_links"]["md5sum-http"]["href"])
        assert r.status_code == 200 and r.content == f"{md5}  encrypted-update.raucb".encode()

        # installation progress: "proceeding" (the guide: progress 100)
        assert_empty(dev.feedback(aid, body={
            "id": str(aid), "status": {"execution": "proceeding",
                                       "result": {"finished": "none",
                                                  "progress": {"cnt": 100, "of": 100}},
                                       "details": ["Installing to slot B"]}}), 200)
        act = api.action(cid, aid)
        assert act["status"] == "retrieved" and act["active"] is True, act
        assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "pending"

        # Phase 6: after the reboot the device polls again: the action is still open
        poll = dev.poll_body()
        assert poll["_links"]["deploymentBase"]["href"].startswith(
            f"{dev.root}/deploymentBase/{aid}?c=")
        assert "configData" not in poll["_links"]
        # and reports the validated slot
        assert_empty(dev.feedback(aid, "closed", "success", details=["Slot B validated"]), 200)

        # Phase 7: the MDM sees the result
        act = api.action(cid, aid)
        assert act["status"] == "finished" and act["active"] is False, act
        assert act["detailStatus"] == "finished"
        hist = statuses(api, cid, aid)
        types = [h["type"] for h in hist]
        assert types[0] == "finished", types
        assert "Slot B validated" in hist[0]["messages"]
        assert "download" in types and "retrieved" in types and "running" in types, types

        def target_seen():
            t = expect_json(api.get(f"/targets/{cid}"), 200)
            return t if "lastControllerRequestAt" in t else None

        t = wait_until(target_seen, timeout=10, what="lastControllerRequestAt")
        assert t["updateStatus"] == "in_sync"
        assert_epoch_ms(t["lastControllerRequestAt"])
        assert t["lastControllerRequestAt"] >= started - 1000
        inst = t["installedDistributionSet"]
        assert (inst["id"], inst["name"], inst["version"]) == \
            (ds["id"], "HOS2 Release 2025.11", f"2025.11.0-20251106-{suffix}")
        assert expect_json(api.get(f"/targets/{cid}/installedDS"), 200)["id"] == ds["id"]
        assert expect_json(api.get(f"/targets/{cid}/assignedDS"), 200)["id"] == ds["id"]
        attrs = expect_json(api.get(f"/targets/{cid}/attributes"), 200)
        assert attrs == {"hw_rev": "B2", "serial": "SN-000123"}

        # the device's next poll: nothing to do, installedBase points at the finished action
        poll = dev.poll_body()
        assert "deploymentBase" not in poll["_links"]
        assert poll["_links"]["installedBase"]["href"] == f"{dev.root}/installedBase/{aid}"


def test_seed000_guide_shorthand_success_feedback(api):
    """The guide's phase-6 body `{status: "success", details: [...]}` is read as closed/success
    (seed000-decisions.md)."""
    suffix = uid()
    cid, token, sm, art, ds, aid = _setup_until_phase4(api, suffix, os.urandom(4096))
    dev = Device(api.server, cid, token)
    dev.deployment_body(aid)
    assert_empty(dev.feedback(aid, body={"status": "success", "details": ["Slot B validated"]}),
                 200)
    act = api.action(cid, aid)
    assert act["status"] == "finished" and act["active"] is False, act
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "in_sync"
    assert expect_json(api.get(f"/targets/{cid}/installedDS"), 200)["id"] == ds["id"]
    assert "Slot B validated" in statuses(api, cid, aid)[0]["messages"]

