"""DDI deployment: deploymentBase, feedback, cancel flow, installedBase, configData, artifacts.

hawkbit-api.md a.4-a.11, e.1-e.5; Surprises 1-16.
"""

import hashlib
import re
import time

import pytest

from falconet_e2e import (NOT_FOUND, NOT_READABLE, Device, assert_empty, assert_error, deploy,
                          expect, expect_json, fb, hashes_of, new_device, now_ms,
                          statuses, tenant_configs, uid)

INVALID_ATTRS = "hawkbit.server.error.repo.invalidTargetAttributes"
NOT_CANCELABLE = "hawkbit.server.error.action.notCancelable"


def _types(api, cid, aid):
    return [s["type"] for s in statuses(api, cid, aid)]


def _target(api, cid):
    return expect_json(api.get(f"/targets/{cid}"), 200)


def _assigned_ds_id(api, cid):
    r = api.get(f"/targets/{cid}/assignedDS")
    return None if r.status_code == 204 else expect_json(r, 200)["id"]


def _installed_ds_id(api, cid):
    r = api.get(f"/targets/{cid}/installedDS")
    return None if r.status_code == 204 else expect_json(r, 200)["id"]


def _404(r):
    """404 where hawkBit answers `ResponseEntity.notFound()` (state mismatch): body not checked."""
    assert r.status_code == 404, r.status_code


def _finish(d, aid=None):
    assert_empty(d.dev.feedback(aid or d.aid, "closed", "success"), 200)


# ------------------------------------------------------------------ deploymentBase body

def test_deployment_base_body(api):
    d = deploy(api, files=(("rootfs.swu", 3000), ("extra.bin", 17)))
    r = d.dev.deployment(d.aid)
    body = expect_json(r, 200)
    assert r.headers["Content-Type"].startswith("application/hal+json"), r.headers
    assert body["id"] == str(d.aid)
    assert "actionHistory" not in body
    dep = body["deployment"]
    assert dep["download"] == "forced" and dep["update"] == "forced", dep
    assert "maintenanceWindow" not in dep, "absent without a maintenance schedule"
    assert len(dep["chunks"]) == 1
    ch = dep["chunks"][0]
    assert ch["part"] == "os"
    assert ch["name"] == d.sm["name"] and ch["version"] == d.sm["version"]
    assert "encrypted" not in ch
    assert "metadata" not in ch
    arts = {a["filename"]: a for a in ch["artifacts"]}
    assert set(arts) == {"rootfs.swu", "extra.bin"}
    for name, a in arts.items():
        assert a["size"] == len(d.data[name]) and isinstance(a["size"], int)
        assert a["hashes"] == hashes_of(d.data[name])
        url = f"{d.dev.root}/softwaremodules/{d.sm['id']}/artifacts/{name}"
        assert a["_links"]["download-http"]["href"] == url
        assert a["_links"]["md5sum-http"]["href"] == url + ".MD5SUM"


@pytest.mark.parametrize("type_,download,update", [
    ("forced", "forced", "forced"),
    ("soft", "attempt", "attempt"),
    ("downloadonly", "forced", "skip"),
])
def test_download_update_per_action_type(api, type_, download, update):
    d = deploy(api, type_)
    dep = d.dev.deployment_body(d.aid)["deployment"]
    assert (dep["download"], dep["update"]) == (download, update), dep


def test_timeforced_before_and_after_forcetime(api):
    forcetime = now_ms() + 1500
    d = deploy(api, "timeforced", forcetime=forcetime)
    href_before = d.dev.links()["deploymentBase"]
    dep = d.dev.deployment_body(d.aid)["deployment"]
    assert (dep["download"], dep["update"]) == ("attempt", "attempt"), dep
    time.sleep(max(0.0, (forcetime - now_ms()) / 1000.0) + 0.1)
    dep = d.dev.deployment_body(d.aid)["deployment"]
    assert (dep["download"], dep["update"]) == ("forced", "forced"), dep
    href_after = d.dev.links()["deploymentBase"]
    # ?c= changes when the action turns forced, so the poll body (and ETag) changes
    assert href_after != href_before
    assert href_after.split("?")[0] == href_before.split("?")[0]


def test_application_module_part_is_bApp(api):
    app = api.create_sm("application", name=f"app-{uid()}", version="3.1")
    d = deploy(api, ds_type="os_app", extra_modules=[app])
    chunks = d.dev.deployment_body(d.aid)["deployment"]["chunks"]
    parts = {c["part"]: c for c in chunks}
    assert set(parts) == {"os", "bApp"}, chunks
    assert parts["bApp"]["name"] == app["name"] and parts["bApp"]["version"] == "3.1"
    assert parts["bApp"].get("artifacts", []) == []


def test_artifact_link_url_encodes_filename(api):
    d = deploy(api, files=(("fw v2.bin", 100),))
    a = d.dev.deployment_body(d.aid)["deployment"]["chunks"][0]["artifacts"][0]
    assert a["filename"] == "fw v2.bin"
    href = a["_links"]["download-http"]["href"]
    assert " " not in href, href
    assert href.startswith(f"{d.dev.root}/softwaremodules/{d.sm['id']}/artifacts/fw"), href
    r = d.dev.get(href)
    assert r.status_code == 200 and r.content == d.data["fw v2.bin"]
    r = d.dev.get(a["_links"]["md5sum-http"]["href"])
    assert r.status_code == 200 and r.content.endswith(b"  fw v2.bin")


def test_deployment_base_retrieved_side_effect(api):
    d = deploy(api)
    assert api.action(d.cid, d.aid)["status"] == "running"
    d.dev.deployment_body(d.aid)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "retrieved" and a["active"] is True, a
    assert _types(api, d.cid, d.aid)[0] == "retrieved"
    # fetching again does not add a second RETRIEVED entry in a row
    d.dev.deployment_body(d.aid)
    types = _types(api, d.cid, d.aid)
    assert types.count("retrieved") == 1, types
    # the target is still pending
    assert _target(api, d.cid)["updateStatus"] == "pending"


def test_deployment_base_unknown_or_foreign_action_404(api):
    d = deploy(api)
    other = deploy(api)
    assert_error(d.dev.deployment(other.aid), 404, NOT_FOUND)
    assert_error(d.dev.deployment(987654321), 404, NOT_FOUND)
    # the other device's action is untouched
    assert api.action(other.cid, other.aid)["status"] == "running"


def test_action_history_param(api):
    d = deploy(api)
    d.dev.deployment_body(d.aid)
    assert_empty(d.dev.feedback(d.aid, "proceeding", "none", details=["one"]), 200)
    assert_empty(d.dev.feedback(d.aid, "proceeding", "none", details=["two", "three"]), 200)
    body = d.dev.deployment_body(d.aid, actionHistory=10)
    h = body["actionHistory"]
    assert h["status"] == "RETRIEVED", h
    msgs = h["messages"]
    assert not [m for m in msgs if m.startswith("Update Server: ")], msgs
    assert sorted(msgs) == ["one", "three", "two"], msgs
    assert msgs[-1] == "one", "newest first"
    one = d.dev.deployment_body(d.aid, actionHistory=1)["actionHistory"]
    assert len(one["messages"]) == 1 and one["messages"][0] in ("two", "three"), one
    allm = d.dev.deployment_body(d.aid, actionHistory=-1)["actionHistory"]
    assert sorted(allm["messages"]) == ["one", "three", "two"], allm
    assert "actionHistory" not in d.dev.deployment_body(d.aid, actionHistory=0)


def test_action_history_omitted_without_device_messages(api):
    d = deploy(api)
    # only server messages ("Update Server: ...") so far: nothing to show
    assert "actionHistory" not in d.dev.deployment_body(d.aid, actionHistory=5)
    assert_empty(d.dev.feedback(d.aid, "download", "none", details=["fetching"]), 200)
    h = d.dev.deployment_body(d.aid, actionHistory=5)["actionHistory"]
    assert h == {"status": "RETRIEVED", "messages": ["fetching"]}, h


# ------------------------------------------------------------------ feedback mapping

@pytest.mark.parametrize("finished", ["success", "none"])
def test_closed_success_finishes(api, finished):
    d = deploy(api)
    assert_empty(d.dev.config_data({"k": "v"}), 200)
    assert "configData" not in d.dev.links()
    d.dev.deployment_body(d.aid)
    r = d.dev.feedback(d.aid, "closed", finished, details=["installed"])
    assert_empty(r, 200)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "finished" and a["active"] is False, a
    t = _target(api, d.cid)
    assert t["updateStatus"] == "in_sync", t
    assert _installed_ds_id(api, d.cid) == d.ds["id"]
    assert _assigned_ds_id(api, d.cid) == d.ds["id"]
    assert isinstance(t.get("installedAt"), int), t
    hist = statuses(api, d.cid, d.aid)
    assert hist[0]["type"] == "finished"
    assert "installed" in hist[0]["messages"]
    links = d.dev.links()
    assert links.get("configData") == f"{d.dev.root}/configData", "requestAttributes set again"
    assert links.get("installedBase") == f"{d.dev.root}/installedBase/{d.aid}"
    assert "deploymentBase" not in links


def test_closed_failure_errors(api):
    d = deploy(api)
    d.dev.deployment_body(d.aid)
    assert_empty(d.dev.feedback(d.aid, "closed", "failure", details=["bad signature"]), 200)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "error" and a["active"] is False, a
    t = _target(api, d.cid)
    assert t["updateStatus"] == "error"
    assert _assigned_ds_id(api, d.cid) is None, "assigned DS is cleared after an error"
    assert _installed_ds_id(api, d.cid) is None
    hist = statuses(api, d.cid, d.aid)
    assert hist[0]["type"] == "error" and "bad signature" in hist[0]["messages"]
    assert "deploymentBase" not in d.dev.links()
    # the same DS can be assigned again after a failure
    again = api.assign(d.cid, d.ds["id"])
    assert again["assigned"] == 1 and again["alreadyAssigned"] == 0, again


@pytest.mark.parametrize("execution,entry", [
    ("proceeding", "running"),
    ("scheduled", "running"),
    ("resumed", "running"),
    ("download", "download"),
    ("downloaded", "downloaded"),
    ("rejected", "warning"),
    ("canceled", "canceled"),
])
def test_intermediate_feedback_is_history_only(api, execution, entry):
    d = deploy(api)
    before = len(statuses(api, d.cid, d.aid))
    msg = f"{execution} {uid()}"
    assert_empty(d.dev.feedback(d.aid, execution, "none", details=[msg]), 200)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "running" and a["active"] is True, a
    hist = statuses(api, d.cid, d.aid)
    assert len(hist) == before + 1
    assert hist[0]["type"] == entry, hist[0]
    assert msg in hist[0]["messages"]
    assert _target(api, d.cid)["updateStatus"] == "pending"
    links = d.dev.links()
    assert links["deploymentBase"].startswith(f"{d.dev.root}/deploymentBase/{d.aid}?c=")


def test_downloaded_closes_downloadonly(api):
    d = deploy(api, "downloadonly")
    d.dev.deployment_body(d.aid)
    assert_empty(d.dev.config_data({"k": "v"}), 200)
    assert_empty(d.dev.feedback(d.aid, "downloaded", "none"), 200)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "downloaded" and a["active"] is False, a
    assert _target(api, d.cid)["updateStatus"] == "in_sync"
    links = d.dev.links()
    assert "deploymentBase" not in links
    assert links.get("configData") == f"{d.dev.root}/configData"
    # closed now
    assert_empty(d.dev.feedback(d.aid, "closed", "success"), 410)


def test_feedback_code_sets_last_status_code(api):
    d = deploy(api)
    assert_empty(d.dev.feedback(d.aid, "proceeding", "none", code=42, details=["x"]), 200)
    assert api.action(d.cid, d.aid)["lastStatusCode"] == 42
    assert statuses(api, d.cid, d.aid)[0]["code"] == 42
    assert_empty(d.dev.feedback(d.aid, "closed", "failure", code=-7), 200)
    assert api.action(d.cid, d.aid)["lastStatusCode"] == -7


def test_feedback_empty_details_gets_server_message(api):
    d = deploy(api)
    assert_empty(d.dev.feedback(d.aid, "proceeding", "none"), 200)
    assert_empty(d.dev.feedback(d.aid, "proceeding", "none", details=[]), 200)
    for e in statuses(api, d.cid, d.aid)[:2]:
        assert e["type"] == "running"
        assert e["messages"], "the server adds its own message when details are empty"


@pytest.mark.parametrize("body", [
    fb("proceeding", "none", id="5"),                          # legacy id as string
    fb("proceeding", "none", id=5),                            # SWUpdate: id as number
    fb("proceeding", "none", id=""),                           # configData-style empty id
    fb("proceeding", "none", time="20231231T235959"),          # rauc-hawkbit-updater
    fb("proceeding", "none", timestamp=1691065903238),
    {"id": "1", "time": "20190101T000000", "status": {
        "execution": "proceeding", "result": {"finished": "none", "progress": {"cnt": 2, "of": 5}},
        "details": ["Downloading 2 of 5"]}},
    {"status": {"execution": "proceeding", "result": {"finished": "none", "progress": {"cnt": 1}},
                "unknownInner": {"x": [1, 2]}}, "unknownTop": True, "another": None},
])
def test_feedback_lenient_parsing(api, body):
    d = deploy(api)
    if "id" in body and body["id"] not in ("", None):
        body = dict(body, id=str(d.aid) if isinstance(body["id"], str) else d.aid)
    r = d.dev.feedback(d.aid, body=body)
    assert_empty(r, 200)
    assert statuses(api, d.cid, d.aid)[0]["type"] == "running"


def test_feedback_timestamp_used_as_entry_time(api):
    d = deploy(api)
    ts = now_ms() - 3600_000
    assert_empty(d.dev.feedback(d.aid, body=fb("proceeding", "none", timestamp=ts)), 200)
    e = statuses(api, d.cid, d.aid)[0]
    assert e["timestamp"] == ts, e


def test_feedback_with_many_long_messages(api):
    d = deploy(api)
    # 50 messages per entry is hawkBit's limit; each below its 512-character message size
    lines = [f"log line {i}: " + "x" * 480 for i in range(50)]
    assert_empty(d.dev.feedback(d.aid, "proceeding", "none", details=lines), 200)
    e = statuses(api, d.cid, d.aid)[0]
    assert sorted(e["messages"]) == sorted(lines)


def test_feedback_burst(api):
    # rauc-hawkbit-updater sends dozens of feedbacks within seconds: no rate limit, no small cap
    d = deploy(api)
    for i in range(60):
        assert_empty(d.dev.feedback(d.aid, "download", "none", details=[f"chunk {i}"]), 200)
    assert len(statuses(api, d.cid, d.aid)) >= 61


@pytest.mark.parametrize("body", [
    fb("finished", "success"),                                  # invalid execution
    fb("CLOSED", "success"),                                    # enum values are lower-case
    fb("closed", "ok"),                                         # invalid finished
    {"status": {"execution": "closed"}},                        # result missing
    {"status": {"result": {"finished": "success"}}},            # execution missing
    {"status": {"execution": "closed", "result": {}}},          # finished missing
    {"timestamp": 1},                                           # status missing
    {},
    [],
    {"status": 42},
])
def test_feedback_invalid_body_400(api, body):
    d = deploy(api)
    before = len(statuses(api, d.cid, d.aid))
    assert_error(d.dev.feedback(d.aid, body=body), 400, NOT_READABLE)
    assert len(statuses(api, d.cid, d.aid)) == before
    assert api.action(d.cid, d.aid)["status"] == "running"


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b'{"status": {"execution": "closed",'])
def test_feedback_malformed_json_400(api, raw):
    d = deploy(api)
    assert_error(d.dev.feedback(d.aid, body=raw), 400, NOT_READABLE)
    assert api.action(d.cid, d.aid)["active"] is True


def test_feedback_to_closed_action_410(api):
    d = deploy(api)
    _finish(d)
    n = len(statuses(api, d.cid, d.aid))
    assert_empty(d.dev.feedback(d.aid, "closed", "success"), 410)
    assert_empty(d.dev.feedback(d.aid, "proceeding", "none", details=["late"]), 410)
    assert_empty(d.dev.feedback(d.aid, "closed", "failure"), 410)
    assert len(statuses(api, d.cid, d.aid)) == n, "a 410 stores nothing"
    assert api.action(d.cid, d.aid)["status"] == "finished"
    assert _target(api, d.cid)["updateStatus"] == "in_sync"


def test_feedback_to_foreign_or_unknown_action_404(api):
    d = deploy(api)
    other = deploy(api)
    assert_error(d.dev.feedback(other.aid, "closed", "success"), 404, NOT_FOUND)
    assert api.action(other.cid, other.aid)["status"] == "running"
    assert_error(d.dev.feedback(987654321, "closed", "success"), 404, NOT_FOUND)


# ------------------------------------------------------------------ cancel flow

def _installed_then_assigned(api):
    """A device with ds1 installed and ds2 assigned (action a2 running)."""
    d = deploy(api)
    _finish(d)
    ds2, sm2 = api.complete_ds(with_artifact=True)
    a2 = api.assign(d.cid, ds2["id"])["assignedActions"][0]["id"]
    return d, ds2, sm2, a2


def test_cancel_flow_success(api):
    d, ds2, _, a2 = _installed_then_assigned(api)
    d.dev.deployment_body(a2)
    expect(api.delete(f"/targets/{d.cid}/actions/{a2}"), 200)
    links = d.dev.links()
    assert links.get("cancelAction") == f"{d.dev.root}/cancelAction/{a2}", links
    assert "deploymentBase" not in links and "confirmationBase" not in links
    # deploymentBase is no longer served for a canceling action
    _404(d.dev.deployment(a2))
    n = len(statuses(api, d.cid, a2))
    r = d.dev.get(links["cancelAction"])
    assert expect_json(r, 200) == {"id": str(a2), "cancelAction": {"stopId": str(a2)}}
    assert api.action(d.cid, a2)["status"] == "canceling"
    hist = statuses(api, d.cid, a2)
    assert len(hist) == n + 1 and hist[0]["type"] == "retrieved", hist[0]
    assert_empty(d.dev.cancel_feedback(a2, "closed", "success"), 200)
    a = api.action(d.cid, a2)
    assert a["status"] == "canceled" and a["active"] is False, a
    assert statuses(api, d.cid, a2)[0]["type"] == "canceled"
    # target falls back to the installed DS
    assert _assigned_ds_id(api, d.cid) == d.ds["id"]
    assert _target(api, d.cid)["updateStatus"] == "in_sync"
    links = d.dev.links()
    assert not {"cancelAction", "deploymentBase"} & set(links), links
    assert links["installedBase"] == f"{d.dev.root}/installedBase/{d.aid}"
    # cancelAction is still served for a CANCELED action (hawkBit: isCancelingOrCanceled)
    assert expect_json(d.dev.get(f"cancelAction/{a2}"), 200) == \
        {"id": str(a2), "cancelAction": {"stopId": str(a2)}}
    # feedback on the now closed action
    assert_empty(d.dev.feedback(a2, "closed", "success"), 410)


def test_cancel_without_installed_ds(api):
    d = deploy(api)
    expect(api.delete(f"/targets/{d.cid}/actions/{d.aid}"), 200)
    assert_empty(d.dev.cancel_feedback(d.aid, "closed", "none"), 200)
    assert api.action(d.cid, d.aid)["status"] == "canceled"
    assert _assigned_ds_id(api, d.cid) is None
    assert _target(api, d.cid)["updateStatus"] == "in_sync"


@pytest.mark.parametrize("execution,finished,entry", [
    ("rejected", "none", "cancel_rejected"),
    ("closed", "failure", "error"),
])
def test_cancel_refused_goes_back_to_running(api, execution, finished, entry):
    d = deploy(api)
    expect(api.delete(f"/targets/{d.cid}/actions/{d.aid}"), 200)
    d.dev.get(f"cancelAction/{d.aid}")
    assert_empty(d.dev.cancel_feedback(d.aid, execution, finished), 200)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "running" and a["active"] is True, a
    assert statuses(api, d.cid, d.aid)[0]["type"] == entry
    links = d.dev.links()
    assert links["deploymentBase"].startswith(f"{d.dev.root}/deploymentBase/{d.aid}?c="), links
    assert "cancelAction" not in links
    assert _assigned_ds_id(api, d.cid) == d.ds["id"]
    # and the device can finish it
    _finish(d)
    assert api.action(d.cid, d.aid)["status"] == "finished"


def test_cancel_intermediate_feedback_history_only(api):
    d = deploy(api)
    expect(api.delete(f"/targets/{d.cid}/actions/{d.aid}"), 200)
    assert_empty(d.dev.cancel_feedback(d.aid, "proceeding", "none", details=["stopping"]), 200)
    assert api.action(d.cid, d.aid)["status"] == "canceling"
    assert_empty(d.dev.cancel_feedback(d.aid, "canceled", "none"), 200)
    assert api.action(d.cid, d.aid)["status"] == "canceling"
    assert statuses(api, d.cid, d.aid)[0]["type"] == "warning"


def test_cancel_feedback_for_running_action_405(api):
    d = deploy(api)
    assert_error(d.dev.cancel_feedback(d.aid, "closed", "success"), 405, NOT_CANCELABLE)
    assert api.action(d.cid, d.aid)["status"] == "running"
    _404(d.dev.get(f"cancelAction/{d.aid}"))
    _finish(d)
    assert_error(d.dev.cancel_feedback(d.aid, "closed", "success"), 405, NOT_CANCELABLE)


def test_cancel_foreign_action_404(api):
    d = deploy(api)
    other = deploy(api)
    expect(api.delete(f"/targets/{other.cid}/actions/{other.aid}"), 200)
    assert_error(d.dev.get(f"cancelAction/{other.aid}"), 404, NOT_FOUND)
    assert_error(d.dev.cancel_feedback(other.aid, "closed", "success"), 404, NOT_FOUND)
    assert api.action(other.cid, other.aid)["status"] == "canceling"


def test_deployment_feedback_still_accepted_while_canceling(api):
    d = deploy(api)
    expect(api.delete(f"/targets/{d.cid}/actions/{d.aid}"), 200)
    _finish(d)
    assert api.action(d.cid, d.aid)["status"] == "finished"
    assert _installed_ds_id(api, d.cid) == d.ds["id"]


def test_superseded_action_exposed_first(api):
    d = deploy(api)
    d.dev.deployment_body(d.aid)
    ds2, _ = api.complete_ds()
    a2 = api.assign(d.cid, ds2["id"])["assignedActions"][0]["id"]
    assert api.action(d.cid, d.aid)["status"] == "canceling"
    links = d.dev.links()
    assert links.get("cancelAction") == f"{d.dev.root}/cancelAction/{d.aid}", links
    assert "deploymentBase" not in links
    assert expect_json(d.dev.get(links["cancelAction"]), 200)["cancelAction"]["stopId"] == \
        str(d.aid)
    assert_empty(d.dev.cancel_feedback(d.aid, "closed", "success"), 200)
    links = d.dev.links()
    assert re.match(re.escape(f"{d.dev.root}/deploymentBase/{a2}?c=") + r"-?\d+$",
                    links.get("deploymentBase", "")), links
    assert "cancelAction" not in links
    assert _assigned_ds_id(api, d.cid) == ds2["id"]
    assert _target(api, d.cid)["updateStatus"] == "pending"


# ------------------------------------------------------------------ installedBase

def test_installed_base(api):
    d = deploy(api)
    _404(d.dev.get(f"installedBase/{d.aid}"))
    assert_empty(d.dev.feedback(d.aid, "closed", "success", details=["installed ok"]), 200)
    n = len(statuses(api, d.cid, d.aid))
    body = expect_json(d.dev.get(f"installedBase/{d.aid}"), 200)
    assert body["id"] == str(d.aid)
    ch = body["deployment"]["chunks"]
    assert len(ch) == 1 and ch[0]["part"] == "os" and ch[0]["name"] == d.sm["name"]
    name = d.arts[0]["providedFilename"]
    a = ch[0]["artifacts"][0]
    assert a["filename"] == name and a["hashes"] == hashes_of(d.data[name])
    assert "actionHistory" not in body
    h = expect_json(d.dev.get(f"installedBase/{d.aid}", params={"actionHistory": 5}), 200)
    assert h["actionHistory"]["status"] == "FINISHED"
    assert "installed ok" in h["actionHistory"]["messages"]
    assert len(statuses(api, d.cid, d.aid)) == n, "installedBase has no side effects"
    other = deploy(api)
    assert_error(other.dev.get(f"installedBase/{d.aid}"), 404, NOT_FOUND)


def test_installed_base_of_canceled_action_404(api):
    d = deploy(api)
    expect(api.delete(f"/targets/{d.cid}/actions/{d.aid}"), 200)
    _404(d.dev.get(f"installedBase/{d.aid}"))
    assert_empty(d.dev.cancel_feedback(d.aid, "closed", "success"), 200)
    _404(d.dev.get(f"installedBase/{d.aid}"))


# ------------------------------------------------------------------ configData

def _attrs(api, cid):
    r = api.get(f"/targets/{cid}/attributes")
    return {} if r.status_code == 204 else expect_json(r, 200)


def test_config_data_modes(api):
    t, dev = new_device(api)
    cid = t["controllerId"]
    assert api.get(f"/targets/{cid}/attributes").status_code == 204
    assert_empty(dev.config_data({"hw_rev": "B2", "serial": "SN-000123"}, "merge"), 200)
    assert _attrs(api, cid) == {"hw_rev": "B2", "serial": "SN-000123"}
    assert "configData" not in dev.links()
    # mode defaults to merge
    assert_empty(dev.config_data({"mac": "00:11:22:33:44:55", "serial": "SN-2"}), 200)
    assert _attrs(api, cid) == {"hw_rev": "B2", "serial": "SN-2", "mac": "00:11:22:33:44:55"}
    # null deletes a key in merge mode
    assert_empty(dev.put("configData", json={"mode": "merge", "data": {"mac": None}}), 200)
    assert _attrs(api, cid) == {"hw_rev": "B2", "serial": "SN-2"}
    assert_empty(dev.config_data({"only": "this"}, "replace"), 200)
    assert _attrs(api, cid) == {"only": "this"}
    assert_empty(dev.config_data({"only": "ignored value", "absent": "x"}, "remove"), 200)
    assert api.get(f"/targets/{cid}/attributes").status_code == 204


def test_config_data_allowed_characters(api):
    t, dev = new_device(api)
    val = "a-Z_0 9!@#$%^&*()+=[]{}|;:'\",.<>/\\?"
    assert_empty(dev.config_data({"k.1": val, "x" * 128: "y" * 128}), 200)
    assert _attrs(api, t["controllerId"]) == {"k.1": val, "x" * 128: "y" * 128}


@pytest.mark.parametrize("body,code", [
    ({"data": {}}, None),
    ({"mode": "merge", "data": {}}, None),
    ({"mode": "merge"}, None),
    ({"mode": "sideways", "data": {"a": "b"}}, NOT_READABLE),
    ({"data": {"k" * 129: "v"}}, INVALID_ATTRS),
    ({"data": {"k": "v" * 129}}, INVALID_ATTRS),
    ({"data": {"bad~key": "v"}}, INVALID_ATTRS),
    ({"data": {"k": "caf\u00e9"}}, INVALID_ATTRS),
    ({"data": {"k": "back`tick"}}, INVALID_ATTRS),
])
def test_config_data_invalid_400(api, body, code):
    t, dev = new_device(api)
    assert_error(dev.put("configData", json=body), 400, code)
    assert api.get(f"/targets/{t['controllerId']}/attributes").status_code == 204
    assert "configData" in dev.links(), "a rejected configData leaves requestAttributes set"


def test_config_data_malformed_json_400(api):
    t, dev = new_device(api)
    assert_error(dev.put("configData", data=b'{"data": {"a": ', headers={
        "Content-Type": "application/json"}), 400, NOT_READABLE)


def test_config_data_quota_429(api):
    t, dev = new_device(api)
    cid = t["controllerId"]
    hundred = {f"k{i}": str(i) for i in range(100)}
    assert_empty(dev.config_data(hundred), 200)
    assert len(_attrs(api, cid)) == 100
    assert_error(dev.config_data({"one-more": "x"}), 429)
    assert len(_attrs(api, cid)) == 100
    # replacing with <= 100 is fine; more than 100 in one request is not
    t2, dev2 = new_device(api)
    assert_error(dev2.config_data({f"k{i}": "v" for i in range(101)}), 429)
    assert api.get(f"/targets/{t2['controllerId']}/attributes").status_code == 204


def test_config_data_unknown_target_404(api):
    # (target-token auth cannot reach an unknown target; use a gateway token)
    key = "gw-" + uid()
    with tenant_configs(api, {"authentication.gatewaytoken.enabled": True,
                              "authentication.gatewaytoken.key": key}):
        dev = Device(api.server, "never-polled-" + uid(), authorization="GatewayToken " + key)
        assert_error(dev.config_data({"a": "b"}), 404, NOT_FOUND)
        assert api.get(f"/targets/{dev.cid}").status_code == 404


# ------------------------------------------------------------------ artifacts

def test_artifact_list(api):
    d = deploy(api, files=(("a.bin", 10), ("b.bin", 20)))
    r = d.dev.get(f"softwaremodules/{d.sm['id']}/artifacts")
    lst = expect_json(r, 200)
    assert isinstance(lst, list)
    by = {a["filename"]: a for a in lst}
    assert set(by) == {"a.bin", "b.bin"}
    for name, a in by.items():
        assert a["size"] == len(d.data[name])
        assert a["hashes"] == hashes_of(d.data[name])
        url = f"{d.dev.root}/softwaremodules/{d.sm['id']}/artifacts/{name}"
        assert a["_links"]["download-http"]["href"] == url
        assert a["_links"]["md5sum-http"]["href"] == url + ".MD5SUM"


def test_artifact_list_installed_module_ok_unassigned_404(api):
    d = deploy(api)
    _finish(d)
    lst = expect_json(d.dev.get(f"softwaremodules/{d.sm['id']}/artifacts"), 200)
    assert [a["filename"] for a in lst] == [d.arts[0]["providedFilename"]]
    # binary download needs an active action: installed-only is 404
    name = d.arts[0]["providedFilename"]
    _404(d.dev.get(f"softwaremodules/{d.sm['id']}/artifacts/{name}"))
    other_sm = api.create_sm("os")
    _404(d.dev.get(f"softwaremodules/{other_sm['id']}/artifacts"))
    assert_error(d.dev.get("softwaremodules/987654321/artifacts"), 404, NOT_FOUND)


def test_download_full(api):
    d = deploy(api, files=(("rootfs.swu", 5000),))
    data = d.data["rootfs.swu"]
    h = hashes_of(data)
    url = d.dev.artifact_url(d.sm["id"], "rootfs.swu")
    r = d.dev.get(url)
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["ETag"] == f'"{h["sha1"]}"'
    assert r.headers["Accept-Ranges"] == "bytes"
    assert int(r.headers["Content-Length"]) == len(data)
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment") and "rootfs.swu" in cd, cd
    assert "Last-Modified" in r.headers
    # a full download is logged as DOWNLOAD
    hist = statuses(api, d.cid, d.aid)
    dl = [e for e in hist if e["type"] == "download"]
    assert dl, [e["type"] for e in hist]
    assert any("Target downloads" in m for m in dl[0]["messages"]), dl[0]
    # the action itself is not changed by the download
    assert api.action(d.cid, d.aid)["active"] is True


def test_download_head(api):
    d = deploy(api, files=(("fw.bin", 3333),))
    r = d.dev.head(d.dev.artifact_url(d.sm["id"], "fw.bin"))
    assert r.status_code == 200
    assert r.content == b""
    assert int(r.headers["Content-Length"]) == 3333
    assert r.headers["ETag"] == f'"{hashes_of(d.data["fw.bin"])["sha1"]}"'


def test_download_ranges(api):
    d = deploy(api, files=(("fw.bin", 2048),))
    data = d.data["fw.bin"]
    url = d.dev.artifact_url(d.sm["id"], "fw.bin")
    cases = [("bytes=0-9", 0, 9), ("bytes=2040-", 2040, 2047), ("bytes=-16", 2032, 2047),
             ("bytes=100-99999", 100, 2047), ("bytes=2047-2047", 2047, 2047)]
    for rng, a, b in cases:
        r = d.dev.get(url, headers={"Range": rng})
        assert r.status_code == 206, (rng, r.status_code)
        assert r.headers["Content-Range"] == f"bytes {a}-{b}/2048", rng
        assert r.content == data[a:b + 1], rng
        assert int(r.headers["Content-Length"]) == b - a + 1


@pytest.mark.parametrize("rng", ["bytes=2048-", "bytes=5000-6000", "bytes=9-5", "bytes=abc",
                                 "bytes=1-2,0-1"])
def test_download_unsatisfiable_range_416(api, rng):
    d = deploy(api, files=(("fw.bin", 2048),))
    r = d.dev.get(d.dev.artifact_url(d.sm["id"], "fw.bin"), headers={"Range": rng})
    assert r.status_code == 416, r.status_code
    assert r.headers["Content-Range"] == "bytes */2048"


def test_download_multi_range(api):
    d = deploy(api, files=(("fw.bin", 1000),))
    data = d.data["fw.bin"]
    r = d.dev.get(d.dev.artifact_url(d.sm["id"], "fw.bin"), headers={"Range": "bytes=0-1,10-12"})
    assert r.status_code == 206
    ct = r.headers["Content-Type"]
    assert ct.startswith("multipart/byteranges"), ct
    assert "boundary=THIS_STRING_SEPARATES_MULTIPART" in ct
    body = r.content
    assert b"Content-Range: bytes 0-1/1000" in body and b"Content-Range: bytes 10-12/1000" in body
    assert data[0:2] in body and data[10:13] in body


def test_download_if_match_and_if_range(api):
    d = deploy(api, files=(("fw.bin", 1000),))
    data = d.data["fw.bin"]
    sha1 = hashes_of(data)["sha1"]
    url = d.dev.artifact_url(d.sm["id"], "fw.bin")
    assert d.dev.get(url, headers={"If-Match": '"0000"'}).status_code == 412
    r = d.dev.get(url, headers={"If-Match": f'"{sha1}"'})
    assert r.status_code == 200 and r.content == data
    r = d.dev.get(url, headers={"Range": "bytes=0-9", "If-Range": f'"{sha1}"'})
    assert r.status_code == 206 and r.content == data[:10]
    r = d.dev.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert r.status_code == 200 and r.content == data


def test_md5sum(api):
    d = deploy(api, files=(("rootfs.swu", 777),))
    md5 = hashlib.md5(d.data["rootfs.swu"]).hexdigest()
    r = d.dev.get(d.dev.artifact_url(d.sm["id"], "rootfs.swu") + ".MD5SUM")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain"), r.headers
    assert r.content == f"{md5}  rootfs.swu".encode()
    cd = r.headers.get("Content-Disposition", "")
    assert "rootfs.swu.MD5SUM" in cd, cd


def test_download_without_open_action_404(api):
    d = deploy(api)
    name = d.arts[0]["providedFilename"]
    _, stranger = new_device(api)
    path = f"softwaremodules/{d.sm['id']}/artifacts/{name}"
    _404(stranger.get(path))
    _404(stranger.get(path + ".MD5SUM"))
    _404(stranger.get(f"softwaremodules/{d.sm['id']}/artifacts"))
    # unknown file / module
    _404(d.dev.get(f"softwaremodules/{d.sm['id']}/artifacts/nope.bin"))
    _404(d.dev.get(f"softwaremodules/{d.sm['id']}/artifacts/nope.bin.MD5SUM"))
    assert_error(d.dev.get(f"softwaremodules/987654321/artifacts/{name}"), 404, NOT_FOUND)
    # nothing was logged for the refused downloads
    assert "download" not in [e["type"] for e in statuses(api, d.cid, d.aid)]


def test_download_of_canceling_action_404(api):
    d = deploy(api)
    name = d.arts[0]["providedFilename"]
    expect(api.delete(f"/targets/{d.cid}/actions/{d.aid}"), 200)
    _404(d.dev.get(f"softwaremodules/{d.sm['id']}/artifacts/{name}"))


def test_ddi_post_answers_empty_200(api):
    d = deploy(api)
    for r in (d.dev.feedback(d.aid, "proceeding", "none"),
              d.dev.config_data({"a": "b"})):
        assert_empty(r, 200)


def test_unknown_path_under_controller_404(api):
    _, dev = new_device(api)
    for p in ("nosuch", "deploymentBase", "deploymentBase/abc", "softwaremodules"):
        r = dev.get(p)
        assert r.status_code in (400, 404, 405), (p, r.status_code)
