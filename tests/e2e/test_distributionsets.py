"""Distribution sets: /rest/v1/distributionsets and their assigned software modules."""

from falconet_e2e import (ALREADY_EXISTS, NOT_FOUND, assert_audit, assert_error, assert_paged,
                          expect, expect_json, link, uid)


def test_create_fields(api):
    name = f"HOS2 Release {uid()}"
    created = expect_json(api.post("/distributionsets", json=[{
        "name": name, "version": "2025.11.0-20251106",
        "description": "Production release for November 2025", "type": "os"}]), 201)
    assert isinstance(created, list) and len(created) == 1, created
    ds = created[0]
    assert ds["name"] == name
    assert ds["version"] == "2025.11.0-20251106"
    assert ds["description"] == "Production release for November 2025"
    assert ds["type"] == "os"
    assert isinstance(ds["id"], int)
    assert ds["complete"] is False
    assert_audit(ds)
    assert link(ds, "self") == f"{api.root}/distributionsets/{ds['id']}"
    assert link(ds, "assignedSM") == f"{api.root}/distributionsets/{ds['id']}/assignedSM"


def test_default_type_is_os_app(api):
    created = expect_json(api.post("/distributionsets", json=[
        {"name": f"notype-{uid()}", "version": "1"}]), 201)
    assert created[0]["type"] == "os_app"


def test_duplicate_name_version_409(api):
    name = f"dup-{uid()}"
    api.create_ds("os", name=name, version="1.0")
    total = api.total("/distributionsets")
    assert_error(api.post("/distributionsets", json=[{"name": name, "version": "1.0", "type": "os"}]),
                 409, ALREADY_EXISTS)
    assert api.total("/distributionsets") == total
    other = api.create_ds("os", name=name, version="1.1")
    assert other["version"] == "1.1"


def test_missing_fields_400(api):
    total = api.total("/distributionsets")
    assert_error(api.post("/distributionsets", json=[{"version": "1", "type": "os"}]), 400)
    assert_error(api.post("/distributionsets", json=[{"name": f"nv-{uid()}", "type": "os"}]), 400)
    assert api.total("/distributionsets") == total


def test_assign_module_makes_complete(api):
    sm = api.create_sm("os", name=f"HOS2 OS {uid()}", version="2025.11.0")
    ds = api.create_ds("os")
    r = api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": sm["id"]}])
    assert r.status_code == 200, r.text[:300]
    if r.content:
        body = r.json()
        assert body["id"] == ds["id"] and body["complete"] is True
        assert [m["id"] for m in body["modules"]] == [sm["id"]]
    lst = assert_paged(expect_json(api.get(f"/distributionsets/{ds['id']}/assignedSM"), 200))
    assert lst["total"] == 1
    m = lst["content"][0]
    assert (m["id"], m["name"], m["version"], m["type"]) == (sm["id"], sm["name"], "2025.11.0", "os")
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert got["complete"] is True
    assert [x["id"] for x in got["modules"]] == [sm["id"]]
    assert got["modules"][0]["type"] == "os"
    assert got["modules"][0]["name"] == sm["name"]


def test_create_with_modules_inline(api):
    sm = api.create_sm("os")
    created = expect_json(api.post("/distributionsets", json=[{
        "name": f"inline-{uid()}", "version": "1", "type": "os", "modules": [{"id": sm["id"]}]}]), 201)
    ds = created[0]
    assert ds["complete"] is True
    assert [m["id"] for m in ds["modules"]] == [sm["id"]]


def test_os_app_completeness(api):
    app1 = api.create_sm("application")
    app2 = api.create_sm("application")
    os_sm = api.create_sm("os")
    ds = api.create_ds("os_app")
    api.add_modules(ds["id"], [app1["id"], app2["id"]])
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert got["complete"] is False, "os is mandatory for os_app"
    assert sorted(m["id"] for m in got["modules"]) == sorted([app1["id"], app2["id"]])
    api.add_modules(ds["id"], [os_sm["id"]])
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert got["complete"] is True
    assert sorted(m["id"] for m in got["modules"]) == sorted([app1["id"], app2["id"], os_sm["id"]])
    lst = assert_paged(expect_json(api.get(f"/distributionsets/{ds['id']}/assignedSM"), 200))
    assert lst["total"] == 3


def test_second_os_module_replaces_first(api):
    """maxAssignments of `os` is 1: adding another os module replaces the existing one."""
    a = api.create_sm("os")
    b = api.create_sm("os")
    ds = api.create_ds("os")
    api.add_modules(ds["id"], [a["id"]])
    api.add_modules(ds["id"], [b["id"]])
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert [m["id"] for m in got["modules"]] == [b["id"]]


def test_assign_unknown_module_404(api):
    ds = api.create_ds("os")
    assert_error(api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": 987654321}]),
                 404, NOT_FOUND)
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert got["complete"] is False and not got.get("modules")


def test_assign_to_unknown_ds_404(api):
    sm = api.create_sm("os")
    assert_error(api.post("/distributionsets/987654321/assignedSM", json=[{"id": sm["id"]}]),
                 404, NOT_FOUND)


def test_module_type_not_allowed_400(api):
    app = api.create_sm("application")
    ds = api.create_ds("os")
    assert_error(api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": app["id"]}]), 400)
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert not got.get("modules") and got["complete"] is False
    osm = api.create_sm("os")
    ds_app = api.create_ds("app")
    assert_error(api.post(f"/distributionsets/{ds_app['id']}/assignedSM", json=[{"id": osm["id"]}]),
                 400)


def test_get_list_update_delete(api):
    ds = api.create_ds("os", description="before")
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    for k in ("id", "name", "version", "type", "description", "createdAt"):
        assert got[k] == ds[k], k
    assert_error(api.get("/distributionsets/987654321"), 404, NOT_FOUND)

    everything = api.list_all("/distributionsets")
    assert ds["id"] in [d["id"] for d in everything]
    ids = [d["id"] for d in everything]
    assert ids == sorted(ids)

    upd = expect_json(api.put(f"/distributionsets/{ds['id']}", json={"description": "after"}), 200)
    assert upd["description"] == "after" and upd["name"] == ds["name"]
    assert upd["lastModifiedBy"] == "admin"
    assert expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)["description"] == "after"
    assert_error(api.put("/distributionsets/987654321", json={"description": "x"}), 404, NOT_FOUND)

    expect(api.delete(f"/distributionsets/{ds['id']}"), 200)
    assert_error(api.get(f"/distributionsets/{ds['id']}"), 404, NOT_FOUND)
    assert_error(api.delete(f"/distributionsets/{ds['id']}"), 404, NOT_FOUND)


def test_assigned_sm_paging(api):
    ds = api.create_ds("os_app")
    apps = [api.create_sm("application") for _ in range(3)]
    api.add_modules(ds["id"], [a["id"] for a in apps])
    page = assert_paged(expect_json(api.get(f"/distributionsets/{ds['id']}/assignedSM",
                                            params={"limit": 2}), 200))
    assert page["total"] == 3 and page["size"] == 2
    rest = assert_paged(expect_json(api.get(f"/distributionsets/{ds['id']}/assignedSM",
                                            params={"offset": 2, "limit": 2}), 200))
    assert rest["size"] == 1
    seen = [m["id"] for m in page["content"]] + [m["id"] for m in rest["content"]]
    assert sorted(seen) == sorted(a["id"] for a in apps)
