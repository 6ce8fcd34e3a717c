"""Software module types and distribution set types (defaults + CRUD)."""

from falconet_e2e import (ALREADY_EXISTS, MAXINT, NOT_FOUND, assert_audit, assert_error,
                          assert_paged, expect, expect_json, link, uid)


def _by_key(api, path):
    items = api.list_all(path)
    return {t["key"]: t for t in items}


def test_default_software_module_types(api):
    body = assert_paged(expect_json(api.get("/softwaremoduletypes"), 200))
    assert body["total"] >= 2
    types = _by_key(api, "/softwaremoduletypes")
    assert types["os"]["name"] == "OS"
    assert types["os"]["maxAssignments"] == 1
    assert types["application"]["name"] == "Application"
    assert types["application"]["maxAssignments"] == MAXINT
    assert "runtime" not in types
    for key in ("os", "application"):
        t = types[key]
        assert isinstance(t["id"], int)
        assert link(t, "self") == f"{api.root}/softwaremoduletypes/{t['id']}"
        got = expect_json(api.get(f"/softwaremoduletypes/{t['id']}"), 200)
        assert got["key"] == key and got["maxAssignments"] == t["maxAssignments"]


def test_default_distribution_set_types(api):
    types = _by_key(api, "/distributionsettypes")
    assert {"os", "app", "os_app"} <= set(types)
    assert types["os"]["name"] == "OS only"
    assert types["app"]["name"] == "App(s) only"
    assert types["os_app"]["name"] == "OS with app(s)"
    sm_types = _by_key(api, "/softwaremoduletypes")

    def keys(ds_type_id, kind):
        arr = expect_json(api.get(f"/distributionsettypes/{ds_type_id}/{kind}"), 200)
        assert isinstance(arr, list), arr
        return sorted(t["key"] for t in arr)

    assert keys(types["os"]["id"], "mandatorymoduletypes") == ["os"]
    assert keys(types["os"]["id"], "optionalmoduletypes") == []
    assert keys(types["app"]["id"], "mandatorymoduletypes") == ["application"]
    assert keys(types["os_app"]["id"], "mandatorymoduletypes") == ["os"]
    assert keys(types["os_app"]["id"], "optionalmoduletypes") == ["application"]
    assert sm_types["os"]["id"] != sm_types["application"]["id"]
    for t in types.values():
        assert link(t, "self") == f"{api.root}/distributionsettypes/{t['id']}"


def test_sm_type_crud(api):
    key = f"fw-{uid()}"
    created = expect_json(api.post("/softwaremoduletypes", json=[
        {"key": key, "name": f"Firmware {key}", "description": "d", "colour": "#123456",
         "maxAssignments": 3}]), 201)
    assert isinstance(created, list) and len(created) == 1
    t = created[0]
    assert t["key"] == key and t["name"] == f"Firmware {key}" and t["maxAssignments"] == 3
    assert t["description"] == "d"
    assert isinstance(t["id"], int)
    assert_audit(t)
    assert link(t, "self") == f"{api.root}/softwaremoduletypes/{t['id']}"

    got = expect_json(api.get(f"/softwaremoduletypes/{t['id']}"), 200)
    assert got["key"] == key and got["maxAssignments"] == 3

    upd = expect_json(api.put(f"/softwaremoduletypes/{t['id']}",
                              json={"description": "changed", "colour": "#abcdef"}), 200)
    assert upd["description"] == "changed" and upd["colour"] == "#abcdef"
    assert upd["key"] == key
    assert expect_json(api.get(f"/softwaremoduletypes/{t['id']}"), 200)["description"] == "changed"

    # the new type can be used for a module
    sm = api.create_sm(key)
    assert sm["type"] == key
    expect(api.delete(f"/softwaremodules/{sm['id']}"), 200)

    expect(api.delete(f"/softwaremoduletypes/{t['id']}"), 200)
    assert_error(api.get(f"/softwaremoduletypes/{t['id']}"), 404, NOT_FOUND)


def test_sm_type_duplicate_key_409(api):
    key = f"dupk-{uid()}"
    expect(api.post("/softwaremoduletypes",
                    json=[{"key": key, "name": f"n1-{key}", "maxAssignments": 1}]), 201)
    assert_error(api.post("/softwaremoduletypes",
                          json=[{"key": key, "name": f"n2-{key}", "maxAssignments": 1}]),
                 409, ALREADY_EXISTS)
    assert_error(api.post("/softwaremoduletypes",
                          json=[{"key": "os", "name": f"n3-{key}", "maxAssignments": 1}]),
                 409, ALREADY_EXISTS)


def test_sm_type_missing_key_400(api):
    total = api.total("/softwaremoduletypes")
    assert_error(api.post("/softwaremoduletypes", json=[{"name": f"nokey-{uid()}",
                                                         "maxAssignments": 1}]), 400)
    assert api.total("/softwaremoduletypes") == total


def test_sm_type_unknown_404(api):
    assert_error(api.get("/softwaremoduletypes/987654321"), 404, NOT_FOUND)


def test_ds_type_crud(api):
    sm_types = _by_key(api, "/softwaremoduletypes")
    key = f"dst-{uid()}"
    created = expect_json(api.post("/distributionsettypes", json=[{
        "key": key, "name": f"DS type {key}", "description": "dd",
        "mandatorymodules": [{"id": sm_types["os"]["id"]}],
        "optionalmodules": [{"id": sm_types["application"]["id"]}]}]), 201)
    assert isinstance(created, list) and len(created) == 1
    t = created[0]
    assert t["key"] == key and t["name"] == f"DS type {key}" and t["description"] == "dd"
    assert_audit(t)
    assert link(t, "self") == f"{api.root}/distributionsettypes/{t['id']}"

    mand = expect_json(api.get(f"/distributionsettypes/{t['id']}/mandatorymoduletypes"), 200)
    assert [m["key"] for m in mand] == ["os"]
    opt = expect_json(api.get(f"/distributionsettypes/{t['id']}/optionalmoduletypes"), 200)
    assert [m["key"] for m in opt] == ["application"]

    upd = expect_json(api.put(f"/distributionsettypes/{t['id']}", json={"description": "new"}), 200)
    assert upd["description"] == "new" and upd["key"] == key

    # usable for a distribution set
    ds = api.create_ds(key)
    assert ds["type"] == key
    expect(api.delete(f"/distributionsets/{ds['id']}"), 200)

    expect(api.delete(f"/distributionsettypes/{t['id']}"), 200)
    assert_error(api.get(f"/distributionsettypes/{t['id']}"), 404, NOT_FOUND)


def test_ds_type_duplicate_key_409(api):
    assert_error(api.post("/distributionsettypes",
                          json=[{"key": "os_app", "name": f"again-{uid()}"}]), 409, ALREADY_EXISTS)


def test_ds_type_unknown_404(api):
    assert_error(api.get("/distributionsettypes/987654321"), 404, NOT_FOUND)
