"""q= filters (FIQL/RSQL, hawkBit reference f) on the Management API collections."""

import requests

from falconet_e2e import ERR, assert_error, assert_paged, expect_json, uid


def _ids(api, path, q, key="controllerId"):
    body = assert_paged(expect_json(api.get(path, params={"q": q, "limit": 500}), 200))
    assert body["total"] == len(body["content"]), body
    return sorted(item[key] for item in body["content"])


def _poll(server, cid, token):
    r = requests.get(f"{server.base_url}/DEFAULT/controller/v1/{cid}",
                     headers={"Authorization": f"TargetToken {token}"}, timeout=10)
    assert r.status_code == 200, r.text


def test_targets_by_name_status_and_attribute(server, api):
    tag = uid()
    a = api.create_target(f"fq-{tag}-a", name=f"Kiosk {tag}")
    b = api.create_target(f"fq-{tag}-b", name=f"Tablet {tag}")
    ds, _ = api.complete_ds()
    api.assign(a["controllerId"], ds["id"])
    r = requests.put(f"{server.base_url}/DEFAULT/controller/v1/{b['controllerId']}/configData",
                     json={"data": {"hwRevision": "B2"}},
                     headers={"Authorization": f"TargetToken {b['securityToken']}"}, timeout=10)
    assert r.status_code == 200, r.text

    assert _ids(api, "/targets", f"controllerId==fq-{tag}-*") == [a["controllerId"], b["controllerId"]]
    assert _ids(api, "/targets", f"name=='kiosk {tag}'") == [a["controllerId"]]
    assert _ids(api, "/targets", f"controllerId==fq-{tag}-*;updatestatus==pending") == [a["controllerId"]]
    assert _ids(api, "/targets", f"controllerId==fq-{tag}-*;attribute.hwrevision==b2") == [b["controllerId"]]
    assert _ids(api, "/targets", f"assignedds.name=={ds['name']}") == [a["controllerId"]]
    assert _ids(api, "/targets", f"controllerId=in=(fq-{tag}-a,fq-{tag}-b);name!=Kiosk*") == [b["controllerId"]]


def test_targets_by_last_request(server, api):
    t = api.create_target()
    _poll(server, t["controllerId"], t["securityToken"])
    import time
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = expect_json(api.get(f"/targets/{t['controllerId']}"), 200)
        if "lastControllerRequestAt" in got:
            break
        time.sleep(0.1)
    at = got["lastControllerRequestAt"]
    assert t["controllerId"] in _ids(api, "/targets", f"lastcontrollerrequestat=ge={at}")
    assert t["controllerId"] not in _ids(api, "/targets", f"lastcontrollerrequestat=gt={at}")
    # hawkBit's macros: it polled before now and is not overdue
    assert t["controllerId"] in _ids(api, "/targets", "lastcontrollerrequestat=le=${NOW_TS}")
    assert t["controllerId"] not in _ids(api, "/targets", "lastcontrollerrequestat=le=${OVERDUE_TS}")


def test_other_collections(api):
    sm = api.create_sm("application", name=f"fq-app-{uid()}")
    ds = api.create_ds("app", name=f"fq-ds-{uid()}")
    assert _ids(api, "/softwaremodules", f"name=={sm['name']};type==application", "id") == [sm["id"]]
    assert _ids(api, "/distributionsets", f"name=={ds['name']};type==app", "id") == [ds["id"]]
    assert _ids(api, "/softwaremoduletypes", "key==os", "key") == ["os"]
    assert _ids(api, "/distributionsettypes", "key=in=(os,app)", "key") == ["app", "os"]


def test_actions_of_a_target(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    aid = api.assign(cid, ds["id"])["assignedActions"][0]["id"]
    assert _ids(api, f"/targets/{cid}/actions", "status==running", "id") == [aid]
    assert _ids(api, f"/targets/{cid}/actions", "status==finished", "id") == []


def test_bad_filters(api):
    before = api.total("/targets")
    assert_error(api.get("/targets", params={"q": "nosuch==1"}), 400, ERR + "rest.param.rsqlInvalidField")
    for q in ("name==", "name==a;", "(name==a", "name=li=a", "name==a)", "name=in=(a,"):
        assert_error(api.get("/targets", params={"q": q}), 400, ERR + "rest.param.rsqlParamSyntax")
    assert_error(api.get("/targets", params={"q": "lastcontrollerrequestat==soon"}), 400,
                 ERR + "rest.param.rsqlParamSyntax")
    body = assert_error(api.get("/targets", params={"q": "name=='x' OR 1=1 --"}), 400)
    assert "position" in body["message"]
    assert api.get("/targets", params={"q": "name==\"x' OR '1'='1\""}).json()["total"] == 0
    assert api.total("/targets") == before
