"""Target types: CRUD, compatible distribution set types, targets with a type, the
assignment rule (reference c.2, e.3, f.3, Surprise 30)."""

from falconet_e2e import (ALREADY_EXISTS, ERR, NOT_FOUND, assert_audit, assert_error,
                          assert_paged, expect, expect_json, link, uid)

INCOMPATIBLE = ERR + "target.type.incompatible"
TYPE_USED = ERR + "target.type.used"


def _ds_type_id(api, key):
    body = expect_json(api.get("/distributionsettypes", params={"q": f"key=={key}"}), 200)
    assert body["total"] == 1, body
    return body["content"][0]["id"]


def _create_type(api, ds_type_keys=(), **fields):
    key = fields.pop("key", f"tt-{uid()}")
    body = {"key": key, "name": fields.pop("name", f"Type {key}")}
    body.update(fields)
    if ds_type_keys:
        body["compatibledistributionsettypes"] = [{"id": _ds_type_id(api, k)}
                                                  for k in ds_type_keys]
    created = expect_json(api.post("/targettypes", json=[body]), 201)
    assert isinstance(created, list) and len(created) == 1, created
    return created[0]


def _compatible_keys(api, type_id):
    arr = expect_json(api.get(f"/targettypes/{type_id}/compatibledistributionsettypes"), 200)
    assert isinstance(arr, list), arr
    return sorted(t["key"] for t in arr)


def test_target_type_crud(api):
    key = f"tt-{uid()}"
    t = _create_type(api, key=key, name=f"Gateway {key}", description="d", colour="#123456")
    assert t["key"] == key and t["name"] == f"Gateway {key}"
    assert t["description"] == "d" and t["colour"] == "#123456" and t["deleted"] is False
    assert isinstance(t["id"], int)
    assert_audit(t)
    assert link(t, "self") == f"{api.root}/targettypes/{t['id']}"
    assert link(t, "compatibledistributionsettypes") == \
        f"{api.root}/targettypes/{t['id']}/compatibledistributionsettypes"

    got = expect_json(api.get(f"/targettypes/{t['id']}"), 200)
    assert got["key"] == key and got["name"] == t["name"]

    listed = assert_paged(expect_json(api.get("/targettypes", params={"q": f"key=={key}"}), 200))
    assert listed["total"] == 1 and listed["content"][0]["id"] == t["id"]
    by_name = expect_json(api.get("/targettypes", params={"q": f"name=='Gateway {key}'"}), 200)
    assert [x["id"] for x in by_name["content"]] == [t["id"]]

    upd = expect_json(api.put(f"/targettypes/{t['id']}",
                              json={"name": f"Renamed {key}", "description": "changed"}), 200)
    assert upd["name"] == f"Renamed {key}" and upd["description"] == "changed"
    assert upd["key"] == key and upd["colour"] == "#123456"

    expect(api.delete(f"/targettypes/{t['id']}"), 200)
    assert_error(api.get(f"/targettypes/{t['id']}"), 404, NOT_FOUND)
    assert_error(api.delete(f"/targettypes/{t['id']}"), 404, NOT_FOUND)


def test_target_type_key_defaults_to_name(api):
    name = f"tt-{uid()}"
    created = expect_json(api.post("/targettypes", json=[{"name": name}]), 201)
    assert created[0]["key"] == name
    assert_error(api.post("/targettypes", json=[{"key": f"k-{uid()}"}]), 400)


def test_target_type_duplicates_conflict(api):
    t = _create_type(api)
    assert_error(api.post("/targettypes", json=[{"key": t["key"], "name": f"other-{uid()}"}]),
                 409, ALREADY_EXISTS)
    assert_error(api.post("/targettypes", json=[{"key": f"other-{uid()}", "name": t["name"]}]),
                 409, ALREADY_EXISTS)
    other = _create_type(api)
    assert_error(api.put(f"/targettypes/{other['id']}", json={"name": t["name"]}), 409,
                 ALREADY_EXISTS)
    # nothing of a failed batch is kept
    fresh = f"tt-{uid()}"
    assert_error(api.post("/targettypes", json=[{"key": fresh, "name": fresh},
                                                {"key": t["key"], "name": f"x-{uid()}"}]), 409)
    assert api.get("/targettypes", params={"q": f"key=={fresh}"}).json()["total"] == 0


def test_compatible_ds_types(api):
    t = _create_type(api, ds_type_keys=("os",))
    assert _compatible_keys(api, t["id"]) == ["os"]

    expect(api.post(f"/targettypes/{t['id']}/compatibledistributionsettypes",
                    json=[{"id": _ds_type_id(api, "app")}, {"id": _ds_type_id(api, "os")}]), 200)
    assert _compatible_keys(api, t["id"]) == ["app", "os"]

    expect(api.delete(f"/targettypes/{t['id']}/compatibledistributionsettypes/"
                      f"{_ds_type_id(api, 'os')}"), 200)
    assert _compatible_keys(api, t["id"]) == ["app"]

    assert_error(api.post(f"/targettypes/{t['id']}/compatibledistributionsettypes",
                          json=[{"id": 987654321}]), 404, NOT_FOUND)
    assert _compatible_keys(api, t["id"]) == ["app"]
    assert_error(api.get("/targettypes/987654321/compatibledistributionsettypes"), 404, NOT_FOUND)
    assert_error(api.post("/targettypes", json=[{"name": f"tt-{uid()}",
                                                 "compatibledistributionsettypes":
                                                     [{"id": 987654321}]}]), 404, NOT_FOUND)


def test_target_with_type_create_update_and_remove(api):
    t = _create_type(api)
    target = api.create_target(targetType=t["id"])
    assert target["targetType"] == t["id"] and target["targetTypeName"] == t["name"]
    got = expect_json(api.get(f"/targets/{target['controllerId']}"), 200)
    assert got["targetType"] == t["id"] and got["targetTypeName"] == t["name"]
    assert link(got, "targetType") == f"{api.root}/targettypes/{t['id']}"

    # a used type cannot be deleted
    assert_error(api.delete(f"/targettypes/{t['id']}"), 409, TYPE_USED)

    other = _create_type(api)
    upd = expect_json(api.put(f"/targets/{target['controllerId']}",
                              json={"targetType": other["id"]}), 200)
    assert upd["targetType"] == other["id"] and upd["targetTypeName"] == other["name"]
    # other fields leave the type alone
    upd = expect_json(api.put(f"/targets/{target['controllerId']}", json={"description": "x"}),
                      200)
    assert upd["targetType"] == other["id"]

    upd = expect_json(api.put(f"/targets/{target['controllerId']}", json={"targetType": -1}), 200)
    assert "targetType" not in upd and "targetTypeName" not in upd
    expect(api.delete(f"/targettypes/{t['id']}"), 200)

    assert_error(api.put(f"/targets/{target['controllerId']}", json={"targetType": 987654321,
                                                                     "description": "y"}),
                 404, NOT_FOUND)
    got = expect_json(api.get(f"/targets/{target['controllerId']}"), 200)
    assert got["description"] == "x" and "targetType" not in got

    cid = f"t-{uid()}"
    assert_error(api.post("/targets", json=[{"controllerId": cid, "targetType": 987654321}]),
                 404, NOT_FOUND)
    assert_error(api.get(f"/targets/{cid}"), 404, NOT_FOUND)


def test_incompatible_assignment_is_refused(api):
    t = _create_type(api, ds_type_keys=("app",))
    target = api.create_target(targetType=t["id"])
    cid = target["controllerId"]
    ds, _ = api.complete_ds()  # type os
    body = assert_error(api.post(f"/targets/{cid}/assignedDS", json={"id": ds["id"]}), 400,
                        INCOMPATIBLE)
    assert body["exceptionClass"].endswith("IncompatibleTargetTypeException")
    assert expect_json(api.get(f"/targets/{cid}/actions"), 200)["total"] == 0
    assert api.get(f"/targets/{cid}/assignedDS").status_code == 204
    got = expect_json(api.get(f"/targets/{cid}"), 200)
    assert got["updateStatus"] == target["updateStatus"]


def test_compatible_assignment_and_untyped_targets(api):
    t = _create_type(api, ds_type_keys=("os",))
    typed = api.create_target(targetType=t["id"])
    untyped = api.create_target()
    ds, _ = api.complete_ds()
    for target in (typed, untyped):
        out = api.assign(target["controllerId"], ds["id"])
        assert out["assigned"] == 1, out
    # removing the compatibility refuses the next assignment
    expect(api.delete(f"/targettypes/{t['id']}/compatibledistributionsettypes/"
                      f"{_ds_type_id(api, 'os')}"), 200)
    ds2, _ = api.complete_ds()
    assert_error(api.post(f"/targets/{typed['controllerId']}/assignedDS", json={"id": ds2["id"]}),
                 400, INCOMPATIBLE)


def test_filter_targets_by_type(api):
    t = _create_type(api)
    mine = api.create_target(targetType=t["id"])
    api.create_target()

    def ids(q):
        body = expect_json(api.get("/targets", params={"q": q}), 200)
        return [x["controllerId"] for x in body["content"]]

    assert ids(f"targettype.key=={t['key']}") == [mine["controllerId"]]
    assert ids(f"targettype.name=='{t['name']}'") == [mine["controllerId"]]
    assert ids(f"targettype.id=={t['id']}") == [mine["controllerId"]]
    assert ids(f"targettype.key=={t['key']};id=={mine['controllerId']}") == [mine["controllerId"]]


def test_target_targettype_subresource(api):
    t = _create_type(api)
    cid = api.create_target()["controllerId"]
    expect(api.post(f"/targets/{cid}/targettype", json={"id": t["id"]}), (200, 204))
    got = expect_json(api.get(f"/targets/{cid}"), 200)
    assert got["targetType"] == t["id"] and got["targetTypeName"] == t["name"]
    assert_error(api.post(f"/targets/{cid}/targettype", json={"id": 987654321}), 404, NOT_FOUND)
    assert_error(api.post(f"/targets/{cid}/targettype", json={}), 400)
    assert_error(api.post("/targets/no-such-target/targettype", json={"id": t["id"]}), 404,
                 NOT_FOUND)
    expect(api.delete(f"/targets/{cid}/targettype"), (200, 204))
    assert "targetType" not in expect_json(api.get(f"/targets/{cid}"), 200)


def test_type_rule_on_batch_and_offline_assignments(api):
    t = _create_type(api, ds_type_keys=("app",))
    typed = api.create_target(targetType=t["id"])["controllerId"]
    untyped = api.create_target()["controllerId"]
    ds, _ = api.complete_ds()  # type os
    # one incompatible target fails the whole batch: nothing is created for the other
    assert_error(api.post(f"/distributionsets/{ds['id']}/assignedTargets",
                          json=[{"id": untyped}, {"id": typed}]), 400, INCOMPATIBLE)
    for cid in (typed, untyped):
        assert expect_json(api.get(f"/targets/{cid}/actions"), 200)["total"] == 0
    assert_error(api.post(f"/targets/{typed}/assignedDS", params={"offline": "true"},
                          json={"id": ds["id"]}), 400, INCOMPATIBLE)
    assert api.get(f"/targets/{typed}/installedDS").status_code == 204


def test_filter_selectors_head_names_and_errors(api):
    t = _create_type(api)
    mine = api.create_target(targetType=t["id"])["controllerId"]
    for q in (f"type=={t['key']}", f"type.key=={t['key']}", f"type.id=={t['id']}",
              f"type.name=='{t['name']}'"):
        body = expect_json(api.get("/targets", params={"q": q}), 200)
        assert [x["controllerId"] for x in body["content"]] == [mine], q
    assert_error(api.get("/targettypes", params={"q": "nosuch==1"}), 400,
                 ERR + "rest.param.rsqlInvalidField")
    assert_error(api.get("/targettypes", params={"sort": "nosuch:ASC"}), 400)
    body = expect_json(api.get("/targettypes", params={"sort": "id:DESC", "limit": 1}), 200)
    assert body["size"] == 1 and body["total"] >= 1
