"""Target tags and distribution set tags (hawkBit reference c.3, c.9, Surprise 28)."""

import pytest

from falconet_e2e import (ALREADY_EXISTS, NOT_FOUND, NOT_READABLE, assert_audit, assert_error,
                          assert_paged, expect, expect_json, link, uid)

KINDS = ("targettags", "distributionsettags")


def _create_tag(api, kind, name=None, **fields):
    body = {"name": name or f"tag-{uid()}"}
    body.update(fields)
    created = expect_json(api.post(f"/{kind}", json=[body]), 201)
    assert isinstance(created, list) and len(created) == 1, created
    return created[0]


def _assigned(api, kind, tag_id, key, **params):
    body = assert_paged(expect_json(api.get(f"/{kind}/{tag_id}/assigned",
                                            params=dict(limit=500, **params)), 200))
    assert body["total"] == len(body["content"]), body
    return sorted(item[key] for item in body["content"])


def _ids(api, path, q, key):
    body = assert_paged(expect_json(api.get(path, params={"q": q, "limit": 500}), 200))
    return sorted(item[key] for item in body["content"])


@pytest.mark.parametrize("kind", KINDS)
def test_tag_crud(api, kind):
    name = f"crud-{uid()}"
    created = expect_json(api.post(f"/{kind}", json=[
        {"name": name, "description": "first", "colour": "#00ff00"},
        {"name": name + "-2"}]), 201)
    assert [t["name"] for t in created] == [name, name + "-2"]
    tag = created[0]
    assert tag["description"] == "first" and tag["colour"] == "#00ff00"
    assert isinstance(tag["id"], int)
    assert_audit(tag)
    assert link(tag, "self") == f"{api.root}/{kind}/{tag['id']}"
    rel = "assignedTargets" if kind == "targettags" else "assignedDistributionSets"
    assert link(tag, rel).startswith(f"{api.root}/{kind}/{tag['id']}/assigned")

    got = expect_json(api.get(f"/{kind}/{tag['id']}"), 200)
    assert got["name"] == name and got["id"] == tag["id"]

    listed = assert_paged(expect_json(api.get(f"/{kind}", params={"q": f"name=={name}*",
                                                                   "sort": "name:DESC"}), 200))
    assert [t["name"] for t in listed["content"]] == [name + "-2", name]

    updated = expect_json(api.put(f"/{kind}/{tag['id']}",
                                  json={"description": "second", "colour": "red"}), 200)
    assert updated["name"] == name and updated["description"] == "second"
    assert updated["colour"] == "red"
    renamed = expect_json(api.put(f"/{kind}/{tag['id']}", json={"name": name + "-r"}), 200)
    assert renamed["name"] == name + "-r" and renamed["description"] == "second"

    expect(api.delete(f"/{kind}/{tag['id']}"), 200)
    assert_error(api.get(f"/{kind}/{tag['id']}"), 404, NOT_FOUND)
    assert_error(api.delete(f"/{kind}/{tag['id']}"), 404, NOT_FOUND)
    assert_error(api.put(f"/{kind}/{tag['id']}", json={"name": "x"}), 404, NOT_FOUND)


@pytest.mark.parametrize("kind", KINDS)
def test_duplicate_names_conflict(api, kind):
    tag = _create_tag(api, kind)
    assert_error(api.post(f"/{kind}", json=[{"name": tag["name"]}]), 409, ALREADY_EXISTS)
    other = _create_tag(api, kind)
    assert_error(api.put(f"/{kind}/{other['id']}", json={"name": tag["name"]}), 409,
                 ALREADY_EXISTS)
    # A create array is all or nothing.
    fresh = f"dup-{uid()}"
    assert_error(api.post(f"/{kind}", json=[{"name": fresh}, {"name": tag["name"]}]), 409)
    assert _ids(api, f"/{kind}", f"name=={fresh}", "name") == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("body", [
    {}, [], [{}], [{"name": ""}], [{"name": 5}], ["x"], [{"name": "n" * 65}],
    [{"name": "ok", "colour": []}],
])
def test_bad_create_bodies(api, kind, body):
    assert_error(api.post(f"/{kind}", json=body), 400, NOT_READABLE)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_update_bodies_and_ids(api, kind):
    tag = _create_tag(api, kind)
    assert_error(api.put(f"/{kind}/{tag['id']}", json=[]), 400, NOT_READABLE)
    assert_error(api.put(f"/{kind}/{tag['id']}", json={"name": ""}), 400, NOT_READABLE)
    assert_error(api.get(f"/{kind}/999999999"), 404, NOT_FOUND)
    assert_error(api.get(f"/{kind}/abc"), 404)
    assert_error(api.get(f"/{kind}", params={"sort": "nope:ASC"}), 400)
    assert_error(api.get(f"/{kind}", params={"q": "nope==1"}), 400)


def test_target_tag_assignment_both_shapes(api):
    tag = _create_tag(api, "targettags")
    tid = tag["id"]
    u = uid()
    a, b, c = (api.create_target(f"tg-{u}-{x}")["controllerId"] for x in "abc")

    # 0.9+/1.x: a plain array of controller ids, answered without a body.
    r = api.post(f"/targettags/{tid}/assigned", json=[a, b])
    assert r.status_code == 200 and not r.content, r.text
    assert _assigned(api, "targettags", tid, "controllerId") == [a, b]
    # Re-assigning is a no-op; PUT (Oct-2025 spec) does the same.
    expect(api.put(f"/targettags/{tid}/assigned", json=[a]), 200)
    assert _assigned(api, "targettags", tid, "controllerId") == [a, b]

    # 0.5: objects, answered with the tagged targets.
    targets = expect_json(api.post(f"/targettags/{tid}/assigned", json=[{"controllerId": c}]), 200)
    assert [t["controllerId"] for t in targets] == [c]
    assert _assigned(api, "targettags", tid, "controllerId") == [a, b, c]
    assert _assigned(api, "targettags", tid, "controllerId", q=f"controllerId=={a}") == [a]

    tags = expect_json(api.get(f"/targets/{a}/tags"), 200)
    assert [t["id"] for t in tags] == [tid]

    expect(api.delete(f"/targettags/{tid}/assigned/{b}"), 200)
    assert _assigned(api, "targettags", tid, "controllerId") == [a, c]
    expect(api.delete(f"/targettags/{tid}/assigned", json=[a]), 200)
    assert _assigned(api, "targettags", tid, "controllerId") == [c]
    expect(api.delete(f"/targettags/{tid}/assigned", json=[{"controllerId": c}]), 200)
    assert _assigned(api, "targettags", tid, "controllerId") == []

    expect(api.post(f"/targettags/{tid}/assigned/{b}"), 200)
    assert _assigned(api, "targettags", tid, "controllerId") == [b]
    assert expect_json(api.get(f"/targets/{a}/tags"), 200) == []


def test_ds_tag_assignment_both_shapes(api):
    tag = _create_tag(api, "distributionsettags")
    tid = tag["id"]
    d1, d2, d3 = (api.create_ds()["id"] for _ in range(3))

    r = api.post(f"/distributionsettags/{tid}/assigned", json=[d1, d2])
    assert r.status_code == 200 and not r.content, r.text
    assert _assigned(api, "distributionsettags", tid, "id") == [d1, d2]

    sets = expect_json(api.post(f"/distributionsettags/{tid}/assigned", json=[{"id": d3}]), 200)
    assert [d["id"] for d in sets] == [d3]
    assert _assigned(api, "distributionsettags", tid, "id") == [d1, d2, d3]

    expect(api.delete(f"/distributionsettags/{tid}/assigned/{d1}"), 200)
    expect(api.delete(f"/distributionsettags/{tid}/assigned", json=[d2]), 200)
    assert _assigned(api, "distributionsettags", tid, "id") == [d3]
    expect(api.post(f"/distributionsettags/{tid}/assigned/{d1}"), 200)
    expect(api.put(f"/distributionsettags/{tid}/assigned", json=[d2]), 200)
    assert _assigned(api, "distributionsettags", tid, "id") == [d1, d2, d3]

    # A deleted set leaves the tag's list.
    expect(api.delete(f"/distributionsets/{d3}"), 200)
    assert _assigned(api, "distributionsettags", tid, "id") == [d1, d2]


def test_unknown_entities_change_nothing(api):
    ttag = _create_tag(api, "targettags")["id"]
    dtag = _create_tag(api, "distributionsettags")["id"]
    known = api.create_target()["controllerId"]
    ds = api.create_ds()["id"]
    missing = f"missing-{uid()}"

    assert_error(api.post(f"/targettags/{ttag}/assigned", json=[known, missing]), 404, NOT_FOUND)
    assert_error(api.post(f"/targettags/{ttag}/assigned", json=[{"controllerId": missing}]), 404)
    assert_error(api.post(f"/targettags/{ttag}/assigned/{missing}"), 404, NOT_FOUND)
    assert_error(api.delete(f"/targettags/{ttag}/assigned/{missing}"), 404, NOT_FOUND)
    assert _assigned(api, "targettags", ttag, "controllerId") == []

    assert_error(api.post(f"/distributionsettags/{dtag}/assigned", json=[ds, 999999999]), 404,
                 NOT_FOUND)
    assert_error(api.post(f"/distributionsettags/{dtag}/assigned/999999999"), 404, NOT_FOUND)
    assert _assigned(api, "distributionsettags", dtag, "id") == []

    # onNotFoundPolicy: assign what was found, then fail or succeed.
    assert_error(api.post(f"/targettags/{ttag}/assigned", json=[known, missing],
                          params={"onNotFoundPolicy": "ON_WHAT_FOUND_AND_FAIL"}), 404, NOT_FOUND)
    assert _assigned(api, "targettags", ttag, "controllerId") == [known]
    expect(api.delete(f"/targettags/{ttag}/assigned", json=[known, missing],
                      params={"onNotFoundPolicy": "ON_WHAT_FOUND_AND_SUCCESS"}), 200)
    assert _assigned(api, "targettags", ttag, "controllerId") == []
    assert_error(api.post(f"/targettags/{ttag}/assigned", json=[known],
                          params={"onNotFoundPolicy": "SOMETIMES"}), 400)

    # Unknown tags.
    for kind, body in (("targettags", [known]), ("distributionsettags", [ds])):
        assert_error(api.get(f"/{kind}/999999999/assigned"), 404, NOT_FOUND)
        assert_error(api.post(f"/{kind}/999999999/assigned", json=body), 404, NOT_FOUND)
        assert_error(api.delete(f"/{kind}/999999999/assigned", json=body), 404, NOT_FOUND)
    assert_error(api.post(f"/targettags/999999999/assigned/{known}"), 404, NOT_FOUND)
    assert_error(api.get(f"/targets/{missing}/tags"), 404, NOT_FOUND)


@pytest.mark.parametrize("kind,body", [
    ("targettags", {"controllerId": "x"}), ("targettags", [1]), ("targettags", [""]),
    ("targettags", [{"id": 1}]), ("targettags", ["a", {"controllerId": "b"}]),
    ("distributionsettags", ["1"]), ("distributionsettags", [1.5]),
    ("distributionsettags", [{"controllerId": "x"}]), ("distributionsettags", {"id": 1}),
])
def test_bad_assignment_bodies(api, kind, body):
    tag = _create_tag(api, kind)
    assert_error(api.post(f"/{kind}/{tag['id']}/assigned", json=body), 400, NOT_READABLE)


def test_fiql_tag_on_targets_and_sets(api):
    u = uid()
    red, blue = (_create_tag(api, "targettags", f"{c}-{u}") for c in ("red", "blue"))
    a, b, c = (api.create_target(f"fqt-{u}-{x}")["controllerId"] for x in "abc")
    expect(api.post(f"/targettags/{red['id']}/assigned", json=[a, b]), 200)
    expect(api.post(f"/targettags/{blue['id']}/assigned", json=[b]), 200)
    scope = f"controllerId==fqt-{u}-*"
    cid = "controllerId"
    assert _ids(api, "/targets", f"{scope};tag==red-{u}", cid) == [a, b]
    assert _ids(api, "/targets", f"{scope};tag==RED-{u.upper()}", cid) == [a, b]
    assert _ids(api, "/targets", f"{scope};tag.name==blue-{u}", cid) == [b]
    assert _ids(api, "/targets", f"{scope};tag!=blue-{u}", cid) == [a, c]
    assert _ids(api, "/targets", f"{scope};tag!=red-{u}", cid) == [c]
    assert _ids(api, "/targets", f"{scope};tag=in=(red-{u},blue-{u})", cid) == [a, b]
    assert _ids(api, "/targets", f"{scope};tag=out=(red-{u},blue-{u})", cid) == [c]
    assert _ids(api, "/targets", f"{scope};tag==*-{u}", cid) == [a, b]

    gold = _create_tag(api, "distributionsettags", f"gold-{u}")
    d1, d2 = (api.create_ds(name=f"fqd-{u}-{x}")["id"] for x in "12")
    expect(api.post(f"/distributionsettags/{gold['id']}/assigned", json=[d1]), 200)
    scope = f"name==fqd-{u}-*"
    assert _ids(api, "/distributionsets", f"{scope};tag==gold-{u}", "id") == [d1]
    assert _ids(api, "/distributionsets", f"{scope};tag.name==gold-{u}", "id") == [d1]
    assert _ids(api, "/distributionsets", f"{scope};tag!=gold-{u}", "id") == [d2]


def test_deleting_a_tag_removes_its_assignments(api):
    u = uid()
    tag = _create_tag(api, "targettags", f"gone-{u}")
    t = api.create_target(f"del-{u}")["controllerId"]
    expect(api.post(f"/targettags/{tag['id']}/assigned", json=[t]), 200)
    dtag = _create_tag(api, "distributionsettags", f"gone-{u}")
    ds = api.create_ds(name=f"del-{u}")["id"]
    expect(api.post(f"/distributionsettags/{dtag['id']}/assigned", json=[ds]), 200)

    expect(api.delete(f"/targettags/{tag['id']}"), 200)
    expect(api.delete(f"/distributionsettags/{dtag['id']}"), 200)
    assert expect_json(api.get(f"/targets/{t}/tags"), 200) == []
    assert _ids(api, "/targets", f"tag==gone-{u}", "controllerId") == []
    assert _ids(api, "/distributionsets", f"tag==gone-{u}", "id") == []
    # A new tag of the same name starts empty.
    again = _create_tag(api, "targettags", f"gone-{u}")
    assert _assigned(api, "targettags", again["id"], "controllerId") == []

    # Deleting a tagged target removes its assignment too.
    expect(api.post(f"/targettags/{again['id']}/assigned", json=[t]), 200)
    expect(api.delete(f"/targets/{t}"), 200)
    assert _assigned(api, "targettags", again["id"], "controllerId") == []
