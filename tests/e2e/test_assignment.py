"""Deployment: assigning distribution sets to targets, actions, cancel flow."""

import datetime

from falconet_e2e import (ERR, LOCKED, NOT_FOUND, SORT_ERRORS, assert_epoch_ms, assert_error,
                          assert_paged, expect, expect_json, link, now_ms, uid)


def _actions(api, cid, **params):
    return assert_paged(expect_json(api.get(f"/targets/{cid}/actions", params=params), 200))


def _dslink(action):
    links = action.get("_links", {})
    keys = [k for k in links if "distributionset" in k.lower()]
    assert keys, f"no distribution-set link in action _links {sorted(links)}"
    return links[keys[0]]["href"]


def test_assign_single_object(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    body = api.assign(cid, ds["id"], "forced")
    assert body["alreadyAssigned"] == 0
    assert body["assigned"] == 1
    assert body["total"] == 1
    assert len(body["assignedActions"]) == 1
    action = body["assignedActions"][0]
    assert isinstance(action["id"], int)
    assert link(action, "self") == f"{api.root}/targets/{cid}/actions/{action['id']}"

    t = expect_json(api.get(f"/targets/{cid}"), 200)
    assert t["updateStatus"] == "pending"
    assigned = expect_json(api.get(f"/targets/{cid}/assignedDS"), 200)
    assert assigned["id"] == ds["id"] and assigned["name"] == ds["name"]
    assert assigned["version"] == ds["version"]
    assert api.get(f"/targets/{cid}/installedDS").status_code == 204

    acts = _actions(api, cid)
    assert acts["total"] == 1 and acts["content"][0]["id"] == action["id"]


def test_assign_array_body(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    body = expect_json(api.post(f"/targets/{cid}/assignedDS", json=[{"id": ds["id"], "type": "soft"}]),
                       200)
    assert (body["assigned"], body["alreadyAssigned"], body["total"]) == (1, 0, 1)
    aid = body["assignedActions"][0]["id"]
    assert api.action(cid, aid)["forceType"] == "soft"
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "pending"


def test_same_assignment_again_is_noop(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    first = api.assign(cid, ds["id"], "forced")
    again = api.assign(cid, ds["id"], "forced")
    assert again["alreadyAssigned"] == 1
    assert again["assigned"] == 0
    assert again["total"] == 1
    assert again["assignedActions"] == []
    acts = _actions(api, cid)
    assert acts["total"] == 1
    assert acts["content"][0]["id"] == first["assignedActions"][0]["id"]
    assert api.action(cid, first["assignedActions"][0]["id"])["status"] == "running"


def test_default_type_is_forced(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    body = api.assign(cid, ds["id"], None)
    assert api.action(cid, body["assignedActions"][0]["id"])["forceType"] == "forced"


def test_incomplete_ds_400(api):
    ds = api.create_ds("os")
    cid = api.create_target()["controllerId"]
    assert_error(api.post(f"/targets/{cid}/assignedDS", json={"id": ds["id"], "type": "forced"}), 400)
    assert _actions(api, cid)["total"] == 0
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "unknown"
    assert api.get(f"/targets/{cid}/assignedDS").status_code == 204


def test_unknown_ds_or_target_404(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    assert_error(api.post(f"/targets/{cid}/assignedDS", json={"id": 987654321, "type": "forced"}),
                 404, NOT_FOUND)
    assert_error(api.post(f"/targets/nope-{uid()}/assignedDS", json={"id": ds["id"]}), 404, NOT_FOUND)
    assert _actions(api, cid)["total"] == 0


def test_ds_locked_after_assignment_423(api):
    ds, sm = api.complete_ds()
    cid = api.create_target()["controllerId"]
    api.assign(cid, ds["id"])
    extra = api.create_sm("os")
    assert_error(api.post(f"/distributionsets/{ds['id']}/assignedSM", json=[{"id": extra["id"]}]),
                 423, LOCKED)
    got = expect_json(api.get(f"/distributionsets/{ds['id']}"), 200)
    assert [m["id"] for m in got["modules"]] == [sm["id"]]
    assert got["complete"] is True


def test_assigned_targets_endpoint(api):
    ds, _ = api.complete_ds()
    cids = [api.create_target()["controllerId"] for _ in range(2)]
    body = expect_json(api.post(f"/distributionsets/{ds['id']}/assignedTargets",
                                json=[{"id": c, "type": "soft"} for c in cids]), 200)
    assert (body["assigned"], body["alreadyAssigned"], body["total"]) == (2, 0, 2)
    assert len(body["assignedActions"]) == 2
    for a in body["assignedActions"]:
        assert link(a, "self").startswith(f"{api.root}/targets/")
    for c in cids:
        assert expect_json(api.get(f"/targets/{c}"), 200)["updateStatus"] == "pending"
        assert expect_json(api.get(f"/targets/{c}/assignedDS"), 200)["id"] == ds["id"]
        acts = _actions(api, c)
        assert acts["total"] == 1 and acts["content"][0]["forceType"] == "soft"
    lst = assert_paged(expect_json(api.get(f"/distributionsets/{ds['id']}/assignedTargets"), 200))
    assert sorted(t["controllerId"] for t in lst["content"]) == sorted(cids)
    again = expect_json(api.post(f"/distributionsets/{ds['id']}/assignedTargets",
                                 json=[{"id": cids[0], "type": "soft"}]), 200)
    assert (again["assigned"], again["alreadyAssigned"]) == (0, 1)


def test_timeforced_and_downloadonly(api):
    ds, _ = api.complete_ds()
    t1 = api.create_target()["controllerId"]
    force_at = now_ms() + 3600_000
    body = api.assign(t1, ds["id"], "timeforced", forcetime=force_at)
    a = api.action(t1, body["assignedActions"][0]["id"])
    assert a["forceType"] == "timeforced"
    assert a["forceTime"] == force_at
    t2 = api.create_target()["controllerId"]
    body = api.assign(t2, ds["id"], "downloadonly")
    a = api.action(t2, body["assignedActions"][0]["id"])
    assert a["forceType"] == "downloadonly"
    assert a["status"] == "running"


def test_invalid_assignment_type_400(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    assert_error(api.post(f"/targets/{cid}/assignedDS", json={"id": ds["id"], "type": "sometimes"}),
                 400)
    assert _actions(api, cid)["total"] == 0


def test_action_fields(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    aid = api.assign(cid, ds["id"], "forced")["assignedActions"][0]["id"]
    a = api.action(cid, aid)
    assert a["id"] == aid
    assert a["type"] == "update"
    assert a["status"] == "running"
    assert a["detailStatus"] == "running"
    assert a["active"] is True
    assert a["forceType"] == "forced"
    assert a["createdBy"] == "admin"
    assert_epoch_ms(a["createdAt"])
    assert link(a, "self") == f"{api.root}/targets/{cid}/actions/{aid}"
    assert _dslink(a) == f"{api.root}/distributionsets/{ds['id']}"
    assert_error(api.get(f"/targets/{cid}/actions/987654321"), 404, NOT_FOUND)
    # an action is only reachable under its own target
    other = api.create_target()["controllerId"]
    assert_error(api.get(f"/targets/{other}/actions/{aid}"), 404, NOT_FOUND)


def test_second_ds_cancels_first(api):
    ds1, _ = api.complete_ds()
    ds2, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    a1 = api.assign(cid, ds1["id"])["assignedActions"][0]["id"]
    a2 = api.assign(cid, ds2["id"])["assignedActions"][0]["id"]
    assert a2 > a1
    first = api.action(cid, a1)
    assert first["status"] == "canceling" and first["active"] is True
    second = api.action(cid, a2)
    assert second["status"] == "running" and second["active"] is True
    assert expect_json(api.get(f"/targets/{cid}/assignedDS"), 200)["id"] == ds2["id"]
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "pending"
    acts = _actions(api, cid)
    assert acts["total"] == 2
    assert [a["id"] for a in acts["content"]] == [a2, a1], "actions must be listed newest first"
    asc = _actions(api, cid, sort="id:ASC")
    assert [a["id"] for a in asc["content"]] == [a1, a2]


def test_action_status_history(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    aid = api.assign(cid, ds["id"])["assignedActions"][0]["id"]
    hist = assert_paged(expect_json(api.get(f"/targets/{cid}/actions/{aid}/status"), 200))
    assert hist["total"] >= 1
    oldest = hist["content"][-1]
    assert oldest["type"] == "running"
    assert isinstance(oldest["id"], int)
    assert isinstance(oldest["messages"], list)
    assert_epoch_ms(oldest["reportedAt"], "reportedAt")

    expect(api.delete(f"/targets/{cid}/actions/{aid}"), 200)
    hist = assert_paged(expect_json(api.get(f"/targets/{cid}/actions/{aid}/status"), 200))
    assert hist["total"] >= 2
    ids = [s["id"] for s in hist["content"]]
    assert ids == sorted(ids, reverse=True), "default order is newest first"
    assert hist["content"][0]["type"] == "canceling"
    desc = assert_paged(expect_json(api.get(f"/targets/{cid}/actions/{aid}/status",
                                            params={"sort": "id:DESC"}), 200))
    assert [s["id"] for s in desc["content"]] == sorted(ids, reverse=True)
    asc = assert_paged(expect_json(api.get(f"/targets/{cid}/actions/{aid}/status",
                                           params={"sort": "id:ASC"}), 200))
    assert [s["id"] for s in asc["content"]] == sorted(ids)
    one = assert_paged(expect_json(api.get(f"/targets/{cid}/actions/{aid}/status",
                                           params={"limit": 1}), 200))
    assert one["size"] == 1 and one["total"] == hist["total"]
    assert_error(api.get(f"/targets/{cid}/actions/{aid}/status", params={"sort": "bogus:ASC"}), 400,
                 SORT_ERRORS)


def test_cancel_then_force(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    aid = api.assign(cid, ds["id"])["assignedActions"][0]["id"]
    url = f"/targets/{cid}/actions/{aid}"
    expect(api.delete(url), 200)
    a = api.action(cid, aid)
    assert a["status"] == "canceling" and a["active"] is True
    # asking to cancel a canceling action again (without force) is refused
    assert_error(api.delete(url), 405)
    expect(api.delete(url, params={"force": "true"}), 200)
    a = api.action(cid, aid)
    assert a["status"] == "canceled"
    assert a["active"] is False
    # inactive now: neither cancel nor force-cancel is possible
    assert_error(api.delete(url), 405)
    assert_error(api.delete(url, params={"force": "true"}), 405)
    # with nothing active left the target no longer waits for an update
    t = expect_json(api.get(f"/targets/{cid}"), 200)
    assert t["updateStatus"] != "pending"


def test_force_cancel_of_running_action_405(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    aid = api.assign(cid, ds["id"])["assignedActions"][0]["id"]
    assert_error(api.delete(f"/targets/{cid}/actions/{aid}", params={"force": "true"}), 405)
    assert api.action(cid, aid)["status"] == "running"


def test_cancel_unknown_action_404(api):
    cid = api.create_target()["controllerId"]
    assert_error(api.delete(f"/targets/{cid}/actions/987654321"), 404, NOT_FOUND)


def test_reassign_after_cancel_creates_new_action(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    aid = api.assign(cid, ds["id"])["assignedActions"][0]["id"]
    expect(api.delete(f"/targets/{cid}/actions/{aid}"), 200)
    expect(api.delete(f"/targets/{cid}/actions/{aid}", params={"force": "true"}), 200)
    body = api.assign(cid, ds["id"])
    assert body["assigned"] == 1 and body["alreadyAssigned"] == 0
    new_id = body["assignedActions"][0]["id"]
    assert new_id != aid
    assert api.action(cid, new_id)["status"] == "running"
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "pending"


# --- maintenance windows (hawkBit reference e.7) ---

MAINTENANCE_INVALID = ERR + "maintenanceScheduleInvalid"


def _window(schedule, duration="01:00:00", timezone="+01:00"):
    return {"schedule": schedule, "duration": duration, "timezone": timezone}


def _next_saturday_2am_ms(tz_hours, duration_s):
    """hawkBit's nextStartAt for "0 0 2 ? * SAT": the first start after now - duration."""
    tz = datetime.timezone(datetime.timedelta(hours=tz_hours))
    after = datetime.datetime.now(tz) - datetime.timedelta(seconds=duration_s)
    start = after.replace(hour=2, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=(5 - start.weekday()) % 7)  # Monday = 0, Saturday = 5
    if start <= after:
        start += datetime.timedelta(days=7)
    return int(start.timestamp() * 1000)


def test_assign_with_maintenance_window(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    window = _window("0 0 2 ? * SAT")
    aid = api.assign(cid, ds["id"], "forced", maintenanceWindow=window)["assignedActions"][0]["id"]
    got = api.action(cid, aid)["maintenanceWindow"]
    assert {k: got[k] for k in ("schedule", "duration", "timezone")} == window
    assert isinstance(got["nextStartAt"], int)
    assert got["nextStartAt"] == _next_saturday_2am_ms(1, 3600)
    listed = _actions(api, cid)["content"][0]
    assert listed["maintenanceWindow"]["nextStartAt"] == got["nextStartAt"]


def test_maintenance_window_next_start_in_its_timezone(api):
    ds, _ = api.complete_ds()
    cids = [api.create_target()["controllerId"] for _ in range(2)]
    # 2098-01-01 02:00 at +01:00 is 01:00 UTC; at -05:30 it is 07:30 UTC
    body = expect_json(api.post(f"/distributionsets/{ds['id']}/assignedTargets", json=[
        {"id": cids[0], "maintenanceWindow": _window("0 0 2 1 JAN ? 2098", "02:00:00", "+01:00")},
        {"id": cids[1], "maintenanceWindow": _window("0 0 2 1 JAN ? 2098", "02:00:00", "-05:30")},
    ]), 200)
    assert body["assigned"] == 2
    starts = {cid: _actions(api, cid)["content"][0]["maintenanceWindow"]["nextStartAt"]
              for cid in cids}
    first_utc = datetime.datetime(2098, 1, 1, tzinfo=datetime.timezone.utc)
    assert starts[cids[0]] == int((first_utc + datetime.timedelta(hours=1)).timestamp() * 1000)
    assert starts[cids[1]] == int((first_utc + datetime.timedelta(hours=7, minutes=30))
                                  .timestamp() * 1000)


def test_action_without_window_has_no_maintenance_field(api):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    aid = api.assign(cid, ds["id"])["assignedActions"][0]["id"]
    assert "maintenanceWindow" not in api.action(cid, aid)


def _assert_rejected_window(api, window, message_part=None):
    ds, _ = api.complete_ds()
    cid = api.create_target()["controllerId"]
    body = assert_error(api.post(f"/targets/{cid}/assignedDS",
                                 json={"id": ds["id"], "maintenanceWindow": window}),
                        400, MAINTENANCE_INVALID)
    assert body["exceptionClass"].endswith("InvalidMaintenanceScheduleException")
    if message_part:
        assert message_part in body["message"], body
    assert _actions(api, cid)["total"] == 0
    assert expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "unknown"
    assert api.get(f"/targets/{cid}/assignedDS").status_code == 204


def test_invalid_cron_400(api):
    for schedule, part in [("0 0 2 ? * SATURDAY", "day-of-week"),
                           ("not a cron", "fields"),
                           ("0 0 2 ? *", "fields"),
                           ("0 0 25 ? * SAT", "hour"),
                           ("0 0 2 13 * FRI", "day-of-week"),
                           ("0 0 2 15W * ?", "not supported"),
                           ("", None)]:
        _assert_rejected_window(api, _window(schedule), part)


def test_invalid_duration_or_timezone_400(api):
    _assert_rejected_window(api, _window("0 0 2 ? * SAT", duration="1h"), "duration")
    _assert_rejected_window(api, _window("0 0 2 ? * SAT", duration="00:00:00"), "duration")
    _assert_rejected_window(api, _window("0 0 2 ? * SAT", timezone="Europe/Berlin"), "timezone")


def test_partial_window_400(api):
    _assert_rejected_window(api, {"schedule": "0 0 2 ? * SAT", "duration": "01:00:00"})
    _assert_rejected_window(api, {"timezone": "+00:00"})


def test_window_only_in_the_past_400(api):
    _assert_rejected_window(api, _window("0 0 2 1 1 ? 2020"), "No valid maintenance window")
    _assert_rejected_window(api, _window("0 0 0 30 2 ?"), "No valid maintenance window")


def test_one_bad_window_rejects_the_whole_request(api):
    ds, _ = api.complete_ds()
    cids = [api.create_target()["controllerId"] for _ in range(2)]
    assert_error(api.post(f"/distributionsets/{ds['id']}/assignedTargets", json=[
        {"id": cids[0], "maintenanceWindow": _window("0 0 2 ? * SAT")},
        {"id": cids[1], "maintenanceWindow": _window("0 0 2 1 1 ? 2020")},
    ]), 400, MAINTENANCE_INVALID)
    for cid in cids:
        assert _actions(api, cid)["total"] == 0
