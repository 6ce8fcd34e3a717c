"""Offline assignment (?offline=true): the set is recorded as installed, no device round-trip."""

from falconet_e2e import assert_error, expect_json, ERR


def test_offline_assignment_records_installed_set(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    body = expect_json(api.post(f"/targets/{cid}/assignedDS", params={"offline": "true"},
                                json=[{"id": ds["id"]}]), 200)
    assert (body["assigned"], body["alreadyAssigned"], body["total"]) == (1, 0, 1)
    aid = body["assignedActions"][0]["id"]

    action = api.action(cid, aid)
    assert action["status"] == "finished"
    assert action["active"] is False

    t = expect_json(api.get(f"/targets/{cid}"), 200)
    assert t["updateStatus"] == "in_sync"
    assert isinstance(t["installedAt"], int)
    assert expect_json(api.get(f"/targets/{cid}/installedDS"), 200)["id"] == ds["id"]
    assert expect_json(api.get(f"/targets/{cid}/assignedDS"), 200)["id"] == ds["id"]

    again = expect_json(api.post(f"/targets/{cid}/assignedDS", params={"offline": "true"},
                                 json=[{"id": ds["id"]}]), 200)
    assert (again["assigned"], again["alreadyAssigned"]) == (0, 1)


def test_offline_assignment_by_set(api):
    ds, _ = api.complete_ds()
    cids = [api.create_target()["controllerId"] for _ in range(2)]
    body = expect_json(api.post(f"/distributionsets/{ds['id']}/assignedTargets",
                                params={"offline": "true"}, json=[{"id": c} for c in cids]), 200)
    assert body["assigned"] == 2
    for cid in cids:
        assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "in_sync"


def test_offline_parameter_must_be_boolean(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    r = api.post(f"/targets/{cid}/assignedDS", params={"offline": "yes"}, json=[{"id": ds["id"]}])
    assert_error(r, 400, ERR + "rest.param.invalidField")
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "unknown"
