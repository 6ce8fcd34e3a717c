"""Targets: /rest/v1/targets (create, list/paging/sorting, get, update, delete, sub-resources)."""

from falconet_e2e import (ALREADY_EXISTS, NOT_FOUND, SORT_ERRORS, assert_audit, assert_error,
                          assert_paged, expect, expect_json, link, uid)


def test_create_target_full(api):
    cid = f"dev-{uid()}"
    body = [{"controllerId": cid, "name": "SCMD Production Device 001",
             "securityToken": "TII-MDM-PoC-token-test-007", "requestAttributes": True,
             "description": "e2e target"}]
    r = api.post("/targets", json=body)
    created = expect_json(r, 201)
    assert isinstance(created, list) and len(created) == 1, created
    t = created[0]
    assert t["controllerId"] == cid
    assert t["name"] == "SCMD Production Device 001"
    assert t["description"] == "e2e target"
    assert t["securityToken"] == "TII-MDM-PoC-token-test-007"
    assert t["requestAttributes"] is True
    assert t["updateStatus"] == "unknown"
    assert_audit(t)
    assert link(t, "self") == f"{api.root}/targets/{cid}"


def test_generated_token_and_default_name(api):
    cid = f"dev-{uid()}"
    t = api.create_target(cid)
    assert t["name"] == cid
    assert isinstance(t["securityToken"], str) and len(t["securityToken"]) >= 16, t
    other = api.create_target()
    assert other["securityToken"] != t["securityToken"]
    got = expect_json(api.get(f"/targets/{cid}"), 200)
    assert got["securityToken"] == t["securityToken"]
    assert got["name"] == cid


def test_create_several_in_one_request(api):
    ids = [f"multi-{uid()}" for _ in range(3)]
    created = expect_json(api.post("/targets", json=[{"controllerId": i} for i in ids]), 201)
    assert [t["controllerId"] for t in created] == ids
    for i in ids:
        assert expect_json(api.get(f"/targets/{i}"), 200)["controllerId"] == i


def test_duplicate_controller_id_409_nothing_created(api):
    cid = f"dup-{uid()}"
    api.create_target(cid, name="first")
    fresh = f"fresh-{uid()}"
    total_before = api.total("/targets")
    r = api.post("/targets", json=[{"controllerId": fresh}, {"controllerId": cid, "name": "second"}])
    assert_error(r, 409, ALREADY_EXISTS)
    assert api.get(f"/targets/{fresh}").status_code == 404, "partial create on 409"
    assert expect_json(api.get(f"/targets/{cid}"), 200)["name"] == "first"
    assert api.total("/targets") == total_before


def test_duplicate_within_one_request_409(api):
    cid = f"dupin-{uid()}"
    assert_error(api.post("/targets", json=[{"controllerId": cid}, {"controllerId": cid}]), 409,
                 ALREADY_EXISTS)
    assert api.get(f"/targets/{cid}").status_code == 404


def test_missing_controller_id_400(api):
    name = f"noid-{uid()}"
    total_before = api.total("/targets")
    assert_error(api.post("/targets", json=[{"name": name}]), 400)
    assert_error(api.post("/targets", json=[{"controllerId": ""}]), 400)
    assert api.total("/targets") == total_before


def test_get_unknown_404(api):
    assert_error(api.get(f"/targets/nope-{uid()}"), 404, NOT_FOUND)


def test_get_one(api):
    t = api.create_target(description="d1")
    got = expect_json(api.get(f"/targets/{t['controllerId']}"), 200)
    for k in ("controllerId", "name", "description", "securityToken", "updateStatus",
              "createdAt", "createdBy"):
        assert got[k] == t[k], k
    assert got["updateStatus"] == "unknown"
    assert link(got, "self") == f"{api.root}/targets/{t['controllerId']}"


def test_list_envelope_and_default_sort(api):
    prefix = f"lst-{uid()}-"
    ids = [prefix + s for s in ("c", "a", "e", "b", "d")]
    expect(api.post("/targets", json=[{"controllerId": i} for i in ids]), 201)
    body = assert_paged(expect_json(api.get("/targets"), 200))
    assert body["total"] >= 5
    everything = api.list_all("/targets")
    all_ids = [t["controllerId"] for t in everything]
    mine = [i for i in all_ids if i.startswith(prefix)]
    assert mine == sorted(ids), "default sort must be controllerId ascending"
    # lower-case ascii ids only are created by this suite, so the whole list is sorted too
    assert all_ids == sorted(all_ids)
    for t in everything:
        assert link(t, "self").startswith(api.root + "/targets/")


def test_sort_desc_and_by_name(api):
    prefix = f"srt-{uid()}-"
    ids = [prefix + s for s in ("1", "3", "2")]
    names = {ids[0]: "zulu", ids[1]: "alpha", ids[2]: "mike"}
    expect(api.post("/targets", json=[{"controllerId": i, "name": names[i]} for i in ids]), 201)
    desc = [t["controllerId"] for t in api.list_all("/targets", {"sort": "controllerId:DESC"})]
    assert [i for i in desc if i.startswith(prefix)] == sorted(ids, reverse=True)
    by_name = [t["controllerId"] for t in api.list_all("/targets", {"sort": "name:ASC"})]
    assert [i for i in by_name if i.startswith(prefix)] == [ids[1], ids[2], ids[0]]
    by_name_desc = [t["controllerId"] for t in api.list_all("/targets", {"sort": "name:DESC"})]
    assert [i for i in by_name_desc if i.startswith(prefix)] == [ids[0], ids[2], ids[1]]


def test_bad_sort_400(api):
    assert_error(api.get("/targets", params={"sort": "nosuchfield:ASC"}), 400, SORT_ERRORS)
    assert_error(api.get("/targets", params={"sort": "controllerId:SIDEWAYS"}), 400, SORT_ERRORS)
    assert_error(api.get("/targets", params={"sort": ":::"}), 400, SORT_ERRORS)


def test_unknown_query_parameter_400(api):
    assert_error(api.get("/targets", params={"bogus": "1"}), 400)
    assert_error(api.get("/targets", params={"page": "2"}), 400)


def test_offset_and_limit(api):
    prefix = f"pg-{uid()}-"
    expect(api.post("/targets", json=[{"controllerId": f"{prefix}{i}"} for i in range(6)]), 201)
    first = assert_paged(expect_json(api.get("/targets", params={"offset": 0, "limit": 5}), 200))
    assert first["size"] == 5 and len(first["content"]) == 5
    second = assert_paged(expect_json(api.get("/targets", params={"offset": 2, "limit": 3}), 200))
    assert second["size"] == 3
    assert [t["controllerId"] for t in second["content"]] == \
        [t["controllerId"] for t in first["content"][2:5]]
    assert second["total"] == first["total"]
    # negative offset means 0
    neg = assert_paged(expect_json(api.get("/targets", params={"offset": -5, "limit": 5}), 200))
    assert [t["controllerId"] for t in neg["content"]] == [t["controllerId"] for t in first["content"]]
    # offset past the end: empty page, total unchanged
    total = first["total"]
    past = assert_paged(expect_json(api.get("/targets", params={"offset": total + 10}), 200))
    assert past["content"] == [] and past["size"] == 0 and past["total"] == total


def test_limit_default_50_and_clamp_500(api):
    prefix = f"many-{uid()}-"
    expect(api.post("/targets", json=[{"controllerId": f"{prefix}{i:04d}"} for i in range(510)]), 201)
    default = assert_paged(expect_json(api.get("/targets"), 200))
    assert default["total"] >= 510
    assert default["size"] == 50 and len(default["content"]) == 50
    clamped = assert_paged(expect_json(api.get("/targets", params={"limit": 1000}), 200))
    assert clamped["size"] == 500 and len(clamped["content"]) == 500
    zero = assert_paged(expect_json(api.get("/targets", params={"limit": 0}), 200))
    assert zero["size"] == 50


def test_put_partial_update(api):
    t = api.create_target(name="orig-name", description="orig-desc", securityToken="tok-" + uid())
    cid = t["controllerId"]
    upd = expect_json(api.put(f"/targets/{cid}", json={"description": "new-desc"}), 200)
    assert upd["description"] == "new-desc"
    assert upd["name"] == "orig-name"
    assert upd["securityToken"] == t["securityToken"]
    assert upd["controllerId"] == cid
    assert upd["lastModifiedAt"] >= t["lastModifiedAt"]
    assert upd["lastModifiedBy"] == "admin"
    upd = expect_json(api.put(f"/targets/{cid}", json={"name": "renamed", "securityToken": "tok2"}),
                      200)
    assert upd["name"] == "renamed" and upd["securityToken"] == "tok2"
    assert upd["description"] == "new-desc"
    got = expect_json(api.get(f"/targets/{cid}"), 200)
    assert (got["name"], got["description"], got["securityToken"]) == ("renamed", "new-desc", "tok2")


def test_put_request_attributes_false_400(api):
    t = api.create_target(requestAttributes=True)
    assert_error(api.put(f"/targets/{t['controllerId']}", json={"requestAttributes": False}), 400)


def test_put_unknown_404(api):
    assert_error(api.put(f"/targets/nope-{uid()}", json={"name": "x"}), 404, NOT_FOUND)


def test_delete(api):
    t = api.create_target()
    cid = t["controllerId"]
    expect(api.delete(f"/targets/{cid}"), 200)
    assert_error(api.get(f"/targets/{cid}"), 404, NOT_FOUND)
    assert_error(api.delete(f"/targets/{cid}"), 404, NOT_FOUND)
    # the id can be reused after deletion
    again = api.create_target(cid)
    assert again["controllerId"] == cid


def test_empty_sub_resources_204(api):
    cid = api.create_target()["controllerId"]
    for sub in ("attributes", "assignedDS", "installedDS"):
        r = api.get(f"/targets/{cid}/{sub}")
        assert r.status_code == 204, f"{sub}: {r.status_code} {r.text[:200]}"
        assert r.content == b""
    body = assert_paged(expect_json(api.get(f"/targets/{cid}/actions"), 200))
    assert body["total"] == 0 and body["content"] == []


def test_sub_resources_of_unknown_target_404(api):
    cid = f"nope-{uid()}"
    for sub in ("attributes", "assignedDS", "installedDS", "actions"):
        assert_error(api.get(f"/targets/{cid}/{sub}"), 404, NOT_FOUND)
