"""Target filters (saved queries) and auto-assignment (hawkBit reference c.4)."""

import time


from falconet_e2e import ERR, NOT_FOUND, assert_error, assert_paged, expect_json, link, uid


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def _actions(api, cid):
    return assert_paged(expect_json(api.get(f"/targets/{cid}/actions"), 200))["content"]


def test_crud(api):
    name = f"tf-{uid()}"
    f = expect_json(api.post("/targetfilters", json={"name": name, "query": "name==kiosk*"}), 201)
    assert f["name"] == name and f["query"] == "name==kiosk*" and isinstance(f["id"], int)
    assert "autoAssignDistributionSet" not in f
    assert link(f, "self").endswith(f"/rest/v1/targetfilters/{f['id']}")
    assert expect_json(api.get(f"/targetfilters/{f['id']}"), 200)["query"] == "name==kiosk*"

    upd = expect_json(api.put(f"/targetfilters/{f['id']}", json={"name": name, "query": "name==x"}), 200)
    assert upd["query"] == "name==x"
    found = assert_paged(expect_json(api.get("/targetfilters", params={"q": f"name=={name}"}), 200))
    assert [x["id"] for x in found["content"]] == [f["id"]]

    assert_error(api.post("/targetfilters", json={"name": name, "query": "name==y"}), 409)
    assert api.delete(f"/targetfilters/{f['id']}").status_code == 200
    assert_error(api.get(f"/targetfilters/{f['id']}"), 404, NOT_FOUND)


def test_bad_bodies_create_nothing(api):
    before = api.total("/targetfilters")
    assert_error(api.post("/targetfilters", json={"name": f"tf-{uid()}", "query": "nosuch==1"}),
                 400, ERR + "rest.param.rsqlInvalidField")
    assert_error(api.post("/targetfilters", json={"name": f"tf-{uid()}", "query": "name=="}), 400,
                 ERR + "rest.param.rsqlParamSyntax")
    assert_error(api.post("/targetfilters", json={"name": f"tf-{uid()}"}), 400)
    assert_error(api.post("/targetfilters", json={"query": "name==x"}), 400)
    assert_error(api.post("/targetfilters", json=[{"name": "a", "query": "name==x"}]), 400)
    assert api.total("/targetfilters") == before


def test_auto_assignment(server, api):
    tag = uid()
    ds, _ = api.complete_ds()
    f = expect_json(api.post("/targetfilters",
                             json={"name": f"tf-{tag}", "query": f"controllerId==aa-{tag}-*"}), 201)
    assert api.get(f"/targetfilters/{f['id']}/autoAssignDS").status_code == 204
    early = api.create_target(f"aa-{tag}-1")["controllerId"]
    other = api.create_target(f"bb-{tag}-1")["controllerId"]

    body = expect_json(api.post(f"/targetfilters/{f['id']}/autoAssignDS",
                                json={"id": ds["id"], "type": "soft", "weight": 300}), 200)
    assert body["autoAssignDistributionSet"] == ds["id"]
    assert body["autoAssignActionType"] == "soft" and body["autoAssignWeight"] == 300
    assert expect_json(api.get(f"/targetfilters/{f['id']}/autoAssignDS"), 200)["id"] == ds["id"]

    acts = _wait(lambda: _actions(api, early))
    assert len(acts) == 1 and acts[0]["forceType"] == "soft" and acts[0]["weight"] == 300
    # a target created later is picked up by the next pass; a non-matching one never
    late = api.create_target(f"aa-{tag}-2")["controllerId"]
    assert _wait(lambda: _actions(api, late))
    assert _actions(api, other) == []

    # never re-targeted: cancel the early action and it stays without a new one
    aid = acts[0]["id"]
    assert api.delete(f"/targets/{early}/actions/{aid}").status_code == 200
    assert api.delete(f"/targets/{early}/actions/{aid}", params={"force": "true"}).status_code == 200
    time.sleep(1.0)
    assert [a["id"] for a in _actions(api, early)] == [aid]

    assert api.delete(f"/targetfilters/{f['id']}/autoAssignDS").status_code == 204
    assert api.get(f"/targetfilters/{f['id']}/autoAssignDS").status_code == 204
    third = api.create_target(f"aa-{tag}-3")["controllerId"]
    time.sleep(1.0)
    assert _actions(api, third) == []


def test_auto_assign_rejects_bad_requests(api):
    f = expect_json(api.post("/targetfilters", json={"name": f"tf-{uid()}", "query": "name==none"}), 201)
    ds, _ = api.complete_ds()
    assert_error(api.post(f"/targetfilters/{f['id']}/autoAssignDS",
                          json={"id": ds["id"], "type": "timeforced"}), 400)
    assert_error(api.post(f"/targetfilters/{f['id']}/autoAssignDS", json={"id": 999999999}), 404,
                 NOT_FOUND)
    incomplete = api.create_ds("os")
    assert_error(api.post(f"/targetfilters/{f['id']}/autoAssignDS", json={"id": incomplete["id"]}),
                 400)
    assert api.get(f"/targetfilters/{f['id']}/autoAssignDS").status_code == 204
