"""Metadata of targets, software modules and distribution sets:
/rest/v1/{targets/{c}|softwaremodules/{sm}|distributionsets/{ds}}/metadata[/{key}],
the metadata.<key> q= selector, and targetVisible module entries in DDI chunks."""

import pytest

from falconet_e2e import (ALREADY_EXISTS, NOT_FOUND, NOT_READABLE, SORT_ERRORS, assert_error,
                          assert_paged, deploy, expect, expect_json, link, uid)

OWNERS = ("target", "sm", "ds")


def make_owner(api, kind):
    """Creates an owner of this kind; returns (path below /rest/v1, entity)."""
    if kind == "target":
        t = api.create_target()
        return f"/targets/{t['controllerId']}", t
    if kind == "sm":
        sm = api.create_sm("os")
        return f"/softwaremodules/{sm['id']}", sm
    ds = api.create_ds("os")
    return f"/distributionsets/{ds['id']}", ds


@pytest.fixture(params=OWNERS)
def owner(request, api):
    path, entity = make_owner(api, request.param)
    return request.param, path, entity


def test_crud(api, owner):
    kind, path, _ = owner
    created = expect_json(api.post(f"{path}/metadata", json=[
        {"key": "colour", "value": "blue"}, {"key": "site", "value": "Berlin"}]), 201)
    assert [(m["key"], m["value"]) for m in created] == [("colour", "blue"), ("site", "Berlin")]
    if kind == "sm":
        assert all(m["targetVisible"] is False for m in created), created
    else:
        assert all("targetVisible" not in m for m in created), created

    one = expect_json(api.get(f"{path}/metadata/colour"), 200)
    assert (one["key"], one["value"]) == ("colour", "blue")

    updated = expect_json(api.put(f"{path}/metadata/colour", json={"value": "red"}), 200)
    assert (updated["key"], updated["value"]) == ("colour", "red")
    assert expect_json(api.get(f"{path}/metadata/colour"), 200)["value"] == "red"

    page = assert_paged(expect_json(api.get(f"{path}/metadata"), 200))
    assert page["total"] == 2
    assert [(m["key"], m["value"]) for m in page["content"]] == [("colour", "red"),
                                                                  ("site", "Berlin")]

    expect(api.delete(f"{path}/metadata/colour"), 200)
    assert_error(api.get(f"{path}/metadata/colour"), 404, NOT_FOUND)
    assert [m["key"] for m in api.list_all(f"{path}/metadata")] == ["site"]


def test_sm_target_visible(api):
    sm = api.create_sm("os")
    path = f"/softwaremodules/{sm['id']}/metadata"
    created = expect_json(api.post(path, json=[
        {"key": "hint", "value": "reboot", "targetVisible": True},
        {"key": "internal", "value": "x"}]), 201)
    assert [m["targetVisible"] for m in created] == [True, False]
    # A PUT without targetVisible keeps it; with it, it changes.
    m = expect_json(api.put(f"{path}/hint", json={"value": "reboot-now"}), 200)
    assert (m["value"], m["targetVisible"]) == ("reboot-now", True)
    m = expect_json(api.put(f"{path}/hint", json={"targetVisible": False}), 200)
    assert (m["value"], m["targetVisible"]) == ("reboot-now", False)
    page = expect_json(api.get(path, params={"q": "targetVisible==false"}), 200)
    assert page["total"] == 2


def test_paging_sort_and_q(api, owner):
    _, path, _ = owner
    expect(api.post(f"{path}/metadata", json=[
        {"key": f"k{i:02d}", "value": f"v{i % 3}"} for i in range(12)]), 201)
    page = assert_paged(expect_json(api.get(f"{path}/metadata",
                                            params={"offset": 10, "limit": 5}), 200))
    assert page["total"] == 12 and page["size"] == 2
    assert [m["key"] for m in page["content"]] == ["k10", "k11"]
    page = expect_json(api.get(f"{path}/metadata", params={"sort": "key:DESC", "limit": 1}), 200)
    assert page["content"][0]["key"] == "k11"
    page = expect_json(api.get(f"{path}/metadata", params={"q": "value==v1"}), 200)
    assert [m["key"] for m in page["content"]] == ["k01", "k04", "k07", "k10"]
    assert_error(api.get(f"{path}/metadata", params={"sort": "nope:ASC"}), 400, SORT_ERRORS)
    assert_error(api.get(f"{path}/metadata", params={"q": "nope==1"}), 400)


def test_duplicate_key_409(api, owner):
    _, path, _ = owner
    expect(api.post(f"{path}/metadata", json=[{"key": "dup", "value": "1"}]), 201)
    assert_error(api.post(f"{path}/metadata", json=[{"key": "dup", "value": "2"}]), 409,
                 ALREADY_EXISTS)
    # A repeated key within one request fails as a whole.
    assert_error(api.post(f"{path}/metadata", json=[{"key": "a", "value": "1"},
                                                    {"key": "a", "value": "2"}]), 409)
    assert_error(api.get(f"{path}/metadata/a"), 404, NOT_FOUND)
    assert expect_json(api.get(f"{path}/metadata/dup"), 200)["value"] == "1"


def test_unknown_key_and_owner_404(api, owner):
    kind, path, _ = owner
    assert_error(api.get(f"{path}/metadata/missing"), 404, NOT_FOUND)
    assert_error(api.put(f"{path}/metadata/missing", json={"value": "x"}), 404, NOT_FOUND)
    assert_error(api.delete(f"{path}/metadata/missing"), 404, NOT_FOUND)
    ghost = {"target": f"/targets/ghost-{uid()}", "sm": "/softwaremodules/987654321",
             "ds": "/distributionsets/987654321"}[kind]
    assert_error(api.get(f"{ghost}/metadata"), 404, NOT_FOUND)
    assert_error(api.post(f"{ghost}/metadata", json=[{"key": "k", "value": "v"}]), 404, NOT_FOUND)
    assert_error(api.get(f"{ghost}/metadata/k"), 404, NOT_FOUND)
    assert_error(api.put(f"{ghost}/metadata/k", json={"value": "v"}), 404, NOT_FOUND)
    assert_error(api.delete(f"{ghost}/metadata/k"), 404, NOT_FOUND)


@pytest.mark.parametrize("body", [
    [], {}, [{"value": "no key"}], [{"key": "", "value": "empty"}], [{"key": 5, "value": "x"}],
    [{"key": "k", "value": 5}], [{"key": "k" * 129, "value": "x"}],
    [{"key": "k", "value": "v" * 4001}], ["k"], [{"key": "ok"}, {"value": "second lacks key"}],
])
def test_bad_create_bodies_400(api, owner, body):
    _, path, _ = owner
    assert_error(api.post(f"{path}/metadata", json=body), 400, NOT_READABLE)
    assert api.total(f"{path}/metadata") == 0


def test_limits_exact(api, owner):
    _, path, _ = owner
    key, value = "k" * 128, "v" * 4000
    expect(api.post(f"{path}/metadata", json=[{"key": key, "value": value}]), 201)
    assert expect_json(api.get(f"{path}/metadata/{key}"), 200)["value"] == value


def test_quota_429(api, owner):
    _, path, _ = owner
    expect(api.post(f"{path}/metadata", json=[{"key": f"q{i:03d}"} for i in range(100)]), 201)
    assert_error(api.post(f"{path}/metadata", json=[{"key": "one-too-many"}]), 429,
                 "hawkbit.server.error.quota.tooManyEntries")
    assert api.total(f"{path}/metadata") == 100


def test_bad_put_bodies_400(api, owner):
    kind, path, _ = owner
    expect(api.post(f"{path}/metadata", json=[{"key": "k", "value": "v"}]), 201)
    assert_error(api.put(f"{path}/metadata/k", json={"value": 7}), 400, NOT_READABLE)
    assert_error(api.put(f"{path}/metadata/k", json={"value": "v" * 4001}), 400, NOT_READABLE)
    assert_error(api.put(f"{path}/metadata/k", json=["v"]), 400, NOT_READABLE)
    if kind == "sm":
        assert_error(api.put(f"{path}/metadata/k", json={"targetVisible": "yes"}), 400,
                     NOT_READABLE)
        assert_error(api.post(f"{path}/metadata", json=[{"key": "x", "targetVisible": 1}]), 400,
                     NOT_READABLE)
    assert expect_json(api.get(f"{path}/metadata/k"), 200)["value"] == "v"


def test_q_metadata_selector(api):
    tag = uid()
    collections = {}
    for kind in OWNERS:
        hit_path, hit = make_owner(api, kind)
        miss_path, _ = make_owner(api, kind)
        expect(api.post(f"{hit_path}/metadata", json=[{"key": "batch", "value": tag}]), 201)
        expect(api.post(f"{miss_path}/metadata", json=[{"key": "batch", "value": "other"}]), 201)
        collections[kind] = hit
    for kind, coll, ident in (("target", "/targets", "controllerId"),
                              ("sm", "/softwaremodules", "id"),
                              ("ds", "/distributionsets", "id")):
        found = api.list_all(coll, params={"q": f"metadata.batch=={tag}"})
        assert [e[ident] for e in found] == [collections[kind][ident]], (kind, found)
        # keys and values match case-insensitively, like every q= string
        found = api.list_all(coll, params={"q": f"metadata.BATCH=={tag.upper()}"})
        assert len(found) == 1, (kind, found)
        assert_error(api.get(coll, params={"q": "metadata==x"}), 400)


def test_links(api):
    t = api.create_target()
    full = expect_json(api.get(f"/targets/{t['controllerId']}"), 200)
    assert link(full, "metadata").startswith(f"{api.root}/targets/{t['controllerId']}/metadata")
    ds = api.create_ds("os")
    assert link(ds, "metadata").startswith(f"{api.root}/distributionsets/{ds['id']}/metadata")
    sm = api.create_sm("os")
    assert link(sm, "metadata") == f"{api.root}/softwaremodules/{sm['id']}/metadata"


def test_owner_delete_removes_metadata(api):
    t = api.create_target()
    cid = t["controllerId"]
    expect(api.post(f"/targets/{cid}/metadata", json=[{"key": "k", "value": "v"}]), 201)
    expect(api.delete(f"/targets/{cid}"), (200, 204))
    api.create_target(cid)
    assert api.total(f"/targets/{cid}/metadata") == 0
    sm = api.create_sm("os")
    expect(api.post(f"/softwaremodules/{sm['id']}/metadata", json=[{"key": "k"}]), 201)
    expect(api.delete(f"/softwaremodules/{sm['id']}"), (200, 204))
    assert_error(api.get(f"/softwaremodules/{sm['id']}/metadata"), 404, NOT_FOUND)


def test_soft_deleted_module_keeps_metadata_read_only(api):
    ds, sm = api.complete_ds()
    path = f"/softwaremodules/{sm['id']}/metadata"
    expect(api.post(path, json=[{"key": "k", "value": "v"}]), 201)
    expect(api.delete(f"/softwaremodules/{sm['id']}"), (200, 204))
    assert expect_json(api.get(f"/softwaremodules/{sm['id']}"), 200)["deleted"] is True
    assert expect_json(api.get(f"{path}/k"), 200)["value"] == "v"
    assert_error(api.post(path, json=[{"key": "k2"}]), 404, NOT_FOUND)


def test_ddi_chunk_shows_target_visible_only(api, server):
    d = deploy(api)
    d2 = deploy(api, assign=False)
    expect(api.post(f"/softwaremodules/{d.sm['id']}/metadata", json=[
        {"key": "install-hint", "value": "reboot-required", "targetVisible": True},
        {"key": "secret", "value": "internal", "targetVisible": False},
        {"key": "empty", "targetVisible": True}]), 201)
    chunks = d.dev.deployment_body(d.aid)["deployment"]["chunks"]
    assert len(chunks) == 1
    assert chunks[0]["metadata"] == [{"key": "empty", "value": ""},
                                     {"key": "install-hint", "value": "reboot-required"}]
    # A module whose entries are all hidden, or that has none, has no metadata member.
    expect(api.post(f"/softwaremodules/{d2.sm['id']}/metadata",
                    json=[{"key": "secret", "value": "x"}]), 201)
    res = api.assign(d2.cid, d2.ds["id"])
    aid = res["assignedActions"][0]["id"]
    for chunk in d2.dev.deployment_body(aid)["deployment"]["chunks"]:
        assert "metadata" not in chunk, chunk
