"""Software modules: /rest/v1/softwaremodules."""

from falconet_e2e import (ALREADY_EXISTS, NOT_FOUND, SORT_ERRORS, assert_audit, assert_error,
                          assert_paged, expect, expect_json, link, uid)


def test_create_fields(api):
    name = f"HOS2 OS {uid()}"
    created = expect_json(api.post("/softwaremodules", json=[{
        "name": name, "version": "2025.11.0", "description": "November 2025 firmware release",
        "type": "os", "vendor": "YourCompany"}]), 201)
    assert isinstance(created, list) and len(created) == 1, created
    sm = created[0]
    assert sm["name"] == name
    assert sm["version"] == "2025.11.0"
    assert sm["description"] == "November 2025 firmware release"
    assert sm["type"] == "os"
    assert sm["vendor"] == "YourCompany"
    assert isinstance(sm["id"], int) and not isinstance(sm["id"], bool)
    assert_audit(sm)
    assert link(sm, "self") == f"{api.root}/softwaremodules/{sm['id']}"
    assert link(sm, "artifacts") == f"{api.root}/softwaremodules/{sm['id']}/artifacts"


def test_create_several(api):
    n = f"multi-{uid()}"
    created = expect_json(api.post("/softwaremodules", json=[
        {"name": n, "version": "1", "type": "os"},
        {"name": n, "version": "2", "type": "os"},
        {"name": n, "version": "1", "type": "application"}]), 201)
    assert [(s["version"], s["type"]) for s in created] == [("1", "os"), ("2", "os"),
                                                            ("1", "application")]
    assert len({s["id"] for s in created}) == 3


def test_unknown_type_400(api):
    total = api.total("/softwaremodules")
    assert_error(api.post("/softwaremodules", json=[
        {"name": f"badtype-{uid()}", "version": "1", "type": "no-such-type"}]), 400)
    assert api.total("/softwaremodules") == total


def test_missing_required_fields_400(api):
    total = api.total("/softwaremodules")
    assert_error(api.post("/softwaremodules", json=[{"version": "1", "type": "os"}]), 400)
    assert_error(api.post("/softwaremodules", json=[{"name": f"nover-{uid()}", "type": "os"}]), 400)
    assert_error(api.post("/softwaremodules", json=[{"name": f"notype-{uid()}", "version": "1"}]),
                 400)
    assert api.total("/softwaremodules") == total


def test_duplicate_409(api):
    name = f"dup-{uid()}"
    first = api.create_sm("os", name=name, version="1.0")
    total = api.total("/softwaremodules")
    assert_error(api.post("/softwaremodules", json=[{"name": name, "version": "1.0", "type": "os"}]),
                 409, ALREADY_EXISTS)
    assert api.total("/softwaremodules") == total
    # same name+version with another type is a different module
    other = api.create_sm("application", name=name, version="1.0")
    assert other["id"] != first["id"]


def test_get_one_and_unknown(api):
    sm = api.create_sm("application", vendor="V", description="D")
    got = expect_json(api.get(f"/softwaremodules/{sm['id']}"), 200)
    for k in ("id", "name", "version", "type", "vendor", "description", "createdAt"):
        assert got[k] == sm[k], k
    assert link(got, "self") == f"{api.root}/softwaremodules/{sm['id']}"
    assert_error(api.get("/softwaremodules/987654321"), 404, NOT_FOUND)


def test_list(api):
    sm = api.create_sm("os")
    body = assert_paged(expect_json(api.get("/softwaremodules"), 200))
    assert body["total"] >= 1
    everything = api.list_all("/softwaremodules")
    assert sm["id"] in [s["id"] for s in everything]
    ids = [s["id"] for s in everything]
    assert ids == sorted(ids), "default sort is id ascending"
    desc = [s["id"] for s in api.list_all("/softwaremodules", {"sort": "id:DESC"})]
    assert desc == sorted(ids, reverse=True)
    assert_error(api.get("/softwaremodules", params={"sort": "nosuch:ASC"}), 400, SORT_ERRORS)
    assert_error(api.get("/softwaremodules", params={"unknownparam": "x"}), 400)


def test_update(api):
    sm = api.create_sm("os", vendor="Old", description="old")
    upd = expect_json(api.put(f"/softwaremodules/{sm['id']}",
                              json={"description": "new desc", "vendor": "New"}), 200)
    assert upd["description"] == "new desc" and upd["vendor"] == "New"
    assert upd["name"] == sm["name"] and upd["version"] == sm["version"] and upd["type"] == "os"
    assert upd["lastModifiedBy"] == "admin"
    got = expect_json(api.get(f"/softwaremodules/{sm['id']}"), 200)
    assert (got["description"], got["vendor"]) == ("new desc", "New")
    # partial: only vendor
    upd = expect_json(api.put(f"/softwaremodules/{sm['id']}", json={"vendor": "Newer"}), 200)
    assert upd["vendor"] == "Newer" and upd["description"] == "new desc"
    assert_error(api.put("/softwaremodules/987654321", json={"vendor": "x"}), 404, NOT_FOUND)


def test_delete(api):
    sm = api.create_sm("os")
    expect(api.delete(f"/softwaremodules/{sm['id']}"), 200)
    assert_error(api.get(f"/softwaremodules/{sm['id']}"), 404, NOT_FOUND)
    assert_error(api.delete(f"/softwaremodules/{sm['id']}"), 404, NOT_FOUND)
