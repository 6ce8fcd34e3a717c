"""The MDM <-> hawkBit integration guide (seed 000), phases 1-4 and 7, step by step.

Every management request the guide shows is sent in the guide's order with the guide's bodies
(names made unique), and the fields and status codes the guide shows are asserted - except where
seed000-decisions.md says Falconet follows hawkBit instead (re-assignment -> 200 alreadyAssigned,
action status = detailed lower-case value).  The steps share state through `flow` and run in file
order; a step whose predecessor failed fails too (it never skips).
"""

import hashlib
import os

import pytest

from falconet_e2e import (ALREADY_EXISTS, NOT_FOUND, assert_epoch_ms, assert_error, assert_paged,
                          expect_json, hashes_of, link, uid)

SUFFIX = uid()
CONTROLLER_ID = f"device-00112233-{SUFFIX}"
TOKEN = f"TII-MDM-PoC-token-test-007-{SUFFIX}"
SM_NAME = "HOS2 OS"
SM_VERSION = f"2025.11.0-{SUFFIX}"
DS_NAME = "HOS2 Release 2025.11"
DS_VERSION = f"2025.11.0-20251106-{SUFFIX}"

flow = {}


def need(*keys):
    missing = [k for k in keys if k not in flow]
    if missing:
        pytest.fail(f"an earlier step of the seed-000 flow failed (missing {missing})")
    return [flow[k] for k in keys]


# ---------------------------------------------------------------- Phase 1: system configuration

def test_1_1_enable_target_token_authentication(api):
    r = api.put("/system/configs/authentication.targettoken.enabled", json={"value": True},
                headers={"Content-Type": "application/json"})
    body = expect_json(r, 200)
    assert body["value"] is True
    assert body["global"] is False
    assert_epoch_ms(body["lastModifiedAt"])
    assert body["lastModifiedBy"] == "admin"
    assert_epoch_ms(body["createdAt"])
    assert body["createdBy"] == "admin"


def test_1_2_set_polling_interval(api):
    body = expect_json(api.put("/system/configs/pollingTime", json={"value": "00:05:00"}), 200)
    assert body["value"] == "00:05:00"
    assert body["global"] is False
    assert_epoch_ms(body["lastModifiedAt"])
    assert body["lastModifiedBy"] == "admin"
    # the development value the guide recommends is accepted as well
    body = expect_json(api.put("/system/configs/pollingTime", json={"value": "00:00:30"}), 200)
    assert body["value"] == "00:00:30"
    body = expect_json(api.put("/system/configs/pollingTime", json={"value": "00:05:00"}), 200)
    assert body["value"] == "00:05:00"


# ---------------------------------------------------------------- Phase 1: device registration

def test_2_1_register_device_target(api):
    req = [{"controllerId": CONTROLLER_ID, "name": "SCMD Production Device 001",
            "securityToken": TOKEN, "requestAttributes": True}]
    created = expect_json(api.post("/targets", json=req), 201)
    assert isinstance(created, list) and len(created) == 1
    t = created[0]
    assert t["createdBy"] == "admin"
    assert_epoch_ms(t["createdAt"])
    assert t["lastModifiedBy"] == "admin"
    assert_epoch_ms(t["lastModifiedAt"])
    assert t["name"] == "SCMD Production Device 001"
    assert t["controllerId"] == CONTROLLER_ID
    assert t["updateStatus"] == "unknown"
    assert t["securityToken"] == TOKEN
    assert t["requestAttributes"] is True
    assert link(t, "self") == f"{api.root}/targets/{CONTROLLER_ID}"
    flow["target"] = t


def test_2_1_status_codes(api):
    need("target")
    # 409: same controllerId again
    assert_error(api.post("/targets", json=[{"controllerId": CONTROLLER_ID, "securityToken": "x"}]),
                 409, ALREADY_EXISTS)
    # 400: invalid request body
    assert_error(api.post("/targets", json=[{"name": "no controller id"}]), 400)


def test_2_2_query_target_status(api):
    need("target")
    t = expect_json(api.get(f"/targets/{CONTROLLER_ID}"), 200)
    assert t["createdBy"] == "admin"
    assert_epoch_ms(t["createdAt"])
    assert_epoch_ms(t["lastModifiedAt"])
    assert t["name"] == "SCMD Production Device 001"
    assert t["controllerId"] == CONTROLLER_ID
    assert t["updateStatus"] == "unknown"
    assert t["securityToken"] == TOKEN
    assert link(t, "self") == f"{api.root}/targets/{CONTROLLER_ID}"
    assert_error(api.get(f"/targets/device-does-not-exist-{SUFFIX}"), 404, NOT_FOUND)


# ---------------------------------------------------------------- Phase 2: firmware bundle upload

def test_3_1_create_software_module(api):
    req = [{"name": SM_NAME, "version": SM_VERSION, "description": "November 2025 firmware release",
            "type": "os", "vendor": "YourCompany"}]
    created = expect_json(api.post("/softwaremodules", json=req), 201)
    assert isinstance(created, list) and len(created) == 1
    sm = created[0]
    assert sm["createdBy"] == "admin" and sm["lastModifiedBy"] == "admin"
    assert_epoch_ms(sm["createdAt"])
    assert_epoch_ms(sm["lastModifiedAt"])
    assert sm["name"] == SM_NAME
    assert sm["version"] == SM_VERSION
    assert sm["description"] == "November 2025 firmware release"
    assert sm["type"] == "os"
    assert sm["vendor"] == "YourCompany"
    assert isinstance(sm["id"], int)
    assert link(sm, "self") == f"{api.root}/softwaremodules/{sm['id']}"
    assert link(sm, "artifacts") == f"{api.root}/softwaremodules/{sm['id']}/artifacts"
    flow["sm"] = sm


def test_3_1_status_codes(api):
    need("sm")
    assert_error(api.post("/softwaremodules", json=[{"name": SM_NAME, "version": SM_VERSION,
                                                     "type": "os", "vendor": "YourCompany"}]),
                 409, ALREADY_EXISTS)
    assert_error(api.post("/softwaremodules", json=[{"name": SM_NAME, "type": "os"}]), 400)


def test_3_2_upload_artifact_raw_multipart(api):
    """The guide's raw HTTP request: boundary ----WebKitFormBoundary, filename encrypted-update.raucb."""
    (sm,) = need("sm")
    data = os.urandom(256 * 1024)
    boundary = "----WebKitFormBoundary"
    body = (f"--{boundary}\r\n"
            "Content-Disposition: form-data; name=\"file\"; filename=\"encrypted-update.raucb\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    r = api.post(f"/softwaremodules/{sm['id']}/artifacts", data=body,
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    art = expect_json(r, 201)
    assert art["createdBy"] == "admin" and art["lastModifiedBy"] == "admin"
    assert_epoch_ms(art["createdAt"])
    assert_epoch_ms(art["lastModifiedAt"])
    assert isinstance(art["id"], int)
    assert art["hashes"] == hashes_of(data)
    assert art["providedFilename"] == "encrypted-update.raucb"
    assert art["size"] == len(data)
    base = f"{api.root}/softwaremodules/{sm['id']}/artifacts/{art['id']}"
    assert link(art, "self") == base
    assert link(art, "download") == base + "/download"
    flow["artifact"] = art
    flow["artifact_data"] = data


def test_3_2_upload_artifact_curl_style(api):
    """curl -F "file=@/path/to/encrypted-update.raucb;filename=update.raucb" (second artifact)."""
    (sm,) = need("sm")
    data = os.urandom(64 * 1024)
    r = api.post(f"/softwaremodules/{sm['id']}/artifacts",
                 files={"file": ("update.raucb", data, "application/octet-stream")})
    art = expect_json(r, 201)
    assert art["providedFilename"] == "update.raucb"
    assert art["size"] == len(data)
    assert art["hashes"]["sha256"] == hashlib.sha256(data).hexdigest()
    lst = expect_json(api.get(f"/softwaremodules/{sm['id']}/artifacts"), 200)
    assert sorted(a["providedFilename"] for a in lst) == ["encrypted-update.raucb", "update.raucb"]


def test_3_2_status_codes(api):
    assert_error(api.post("/softwaremodules/987654321/artifacts",
                          files={"file": ("update.raucb", b"x", "application/octet-stream")}),
                 404, NOT_FOUND)


def test_3_2_download_matches(api):
    art, data = need("artifact", "artifact_data")
    r = api.get(link(art, "download"))
    assert r.status_code == 200
    assert r.content == data


# ---------------------------------------------------------------- Phase 3: distribution set

def test_4_1_create_distribution_set(api):
    req = [{"name": DS_NAME, "version": DS_VERSION,
            "description": "Production release for November 2025", "type": "os"}]
    created = expect_json(api.post("/distributionsets", json=req), 201)
    assert isinstance(created, list) and len(created) == 1
    ds = created[0]
    assert ds["createdBy"] == "admin" and ds["lastModifiedBy"] == "admin"
    assert_epoch_ms(ds["createdAt"])
    assert_epoch_ms(ds["lastModifiedAt"])
    assert ds["name"] == DS_NAME
    assert ds["version"] == DS_VERSION
    assert ds["description"] == "Production release for November 2025"
    assert ds["type"] == "os"
    assert isinstance(ds["id"], int)
    assert ds["complete"] is False
    assert link(ds, "self") == f"{api.root}/distributionsets/{ds['id']}"
    assert link(ds, "assignedSM") == f"{api.root}/distributionsets/{ds['id']}/assignedSM"
    flow["ds"] = ds


def test_4_1_status_codes(api):
    need("ds")
    assert_error(api.post("/distributionsets", json=[{"name": DS_NAME, "version": DS_VERSION,
                                                      "type": "os"}]), 409, ALREADY_EXISTS)
    assert_error(api.post("/distributionsets", json=[{"name": DS_NAME, "type": "os"}]), 400)


def test_4_2_assign_software_module(api):
    ds, sm = need("ds", "sm")
    r = api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": sm["id"]}])
    assert r.status_code == 200, r.text[:300]
    if r.content:
        body = r.json()
        assert body["id"] == ds["id"]
        assert body["name"] == DS_NAME and body["version"] == DS_VERSION
        assert [(m["id"], m["name"], m["version"], m["type"]) for m in body["modules"]] == \
            [(sm["id"], SM_NAME, SM_VERSION, "os")]
        assert body["complete"] is True
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert got["complete"] is True
    assert [(m["id"], m["name"], m["version"], m["type"]) for m in got["modules"]] == \
        [(sm["id"], SM_NAME, SM_VERSION, "os")]
    lst = assert_paged(expect_json(api.get(f"/distributionsets/{ds['id']}/assignedSM"), 200))
    assert [m["id"] for m in lst["content"]] == [sm["id"]]
    flow["ds_complete"] = True


def test_4_2_status_codes(api):
    ds, sm = need("ds", "sm")
    assert_error(api.post("/distributionsets/987654321/assignedSM", json=[{"id": sm["id"]}]),
                 404, NOT_FOUND)
    app = api.create_sm("application")
    # 400: type mismatch (an application module in an `os` set)
    assert_error(api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": app["id"]}]), 400)


# ---------------------------------------------------------------- Phase 4: deployment trigger

def test_5_1_deploy_to_single_device(api):
    ds, _ = need("ds", "ds_complete")
    r = api.post(f"/targets/{CONTROLLER_ID}/assignedDS", json={"id": ds["id"], "type": "forced"})
    body = expect_json(r, 200)
    assert body["alreadyAssigned"] == 0
    assert body["total"] == 1
    assert body["assigned"] == 1
    assert len(body["assignedActions"]) == 1
    action = body["assignedActions"][0]
    assert isinstance(action["id"], int)
    assert link(action, "self") == f"{api.root}/targets/{CONTROLLER_ID}/actions/{action['id']}"
    flow["action_id"] = action["id"]


def test_5_1_same_assignment_again(api):
    """Guide: 409; seed000-decisions: hawkBit's 200 with alreadyAssigned 1 and no new action."""
    ds, action_id = need("ds", "action_id")
    body = expect_json(api.post(f"/targets/{CONTROLLER_ID}/assignedDS",
                                json={"id": ds["id"], "type": "forced"}), 200)
    assert body["alreadyAssigned"] == 1 and body["assigned"] == 0 and body["total"] == 1
    assert body["assignedActions"] == []
    acts = assert_paged(expect_json(api.get(f"/targets/{CONTROLLER_ID}/actions"), 200))
    assert [a["id"] for a in acts["content"]] == [action_id]


def test_5_1_status_codes(api):
    (ds,) = need("ds")
    assert_error(api.post(f"/targets/device-does-not-exist-{SUFFIX}/assignedDS",
                          json={"id": ds["id"], "type": "forced"}), 404, NOT_FOUND)
    assert_error(api.post(f"/targets/{CONTROLLER_ID}/assignedDS",
                          json={"id": 987654321, "type": "forced"}), 404, NOT_FOUND)
    assert_error(api.post(f"/targets/{CONTROLLER_ID}/assignedDS",
                          json={"id": ds["id"], "type": "whenever"}), 400)


# ---------------------------------------------------------------- Phase 7: status monitoring

def test_7_target_status(api):
    ds, _ = need("ds", "action_id")
    t = expect_json(api.get(f"/targets/{CONTROLLER_ID}"), 200)
    # no device has polled yet, so the update is still pending
    assert t["updateStatus"] == "pending"
    assert t["controllerId"] == CONTROLLER_ID
    assert t["name"] == "SCMD Production Device 001"
    assert t["securityToken"] == TOKEN
    assert t.get("installedDistributionSet") in (None, {})
    assigned = expect_json(api.get(f"/targets/{CONTROLLER_ID}/assignedDS"), 200)
    assert assigned["id"] == ds["id"]
    assert assigned["name"] == DS_NAME
    assert assigned["version"] == DS_VERSION
    assert assigned["complete"] is True
    assert api.get(f"/targets/{CONTROLLER_ID}/installedDS").status_code == 204


def test_7_action_status(api):
    ds, action_id = need("ds", "action_id")
    a = expect_json(api.get(f"/targets/{CONTROLLER_ID}/actions/{action_id}"), 200)
    assert a["id"] == action_id
    assert a["type"] == "update"
    assert a["status"] == "running"
    assert a["detailStatus"] == "running"
    assert a["active"] is True
    assert a["forceType"] == "forced"
    assert_epoch_ms(a["createdAt"])
    assert_epoch_ms(a["lastModifiedAt"])
    assert link(a, "self") == f"{api.root}/targets/{CONTROLLER_ID}/actions/{action_id}"
    ds_links = [v["href"] for k, v in a["_links"].items() if "distributionset" in k.lower()]
    assert ds_links == [f"{api.root}/distributionsets/{ds['id']}"]


def test_7_locked_distribution_set(api):
    ds, _ = need("ds", "action_id")
    other = api.create_sm("os")
    assert_error(api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": other["id"]}]),
                 423, "hawkbit.server.error.locked")
