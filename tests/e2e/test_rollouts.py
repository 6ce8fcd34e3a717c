"""Rollouts (hawkBit reference c.10, d): set-based creation (ready at once), start,
the scheduler moving from group to group on the success threshold, pausing on the
error threshold, resume, and bad input."""

from falconet_e2e import (ERR, NOT_FOUND, assert_error, assert_paged, expect_json, new_device,
                          tenant_configs,
                          uid, wait_until)


def _fleet(api, n):
    tag = uid()
    devices = [new_device(api, controllerId=f"ro-{tag}-{i:03d}") for i in range(n)]
    return tag, devices


def _create(api, tag, ds_id, **extra):
    body = {"name": f"rollout-{uid()}", "distributionSetId": ds_id,
            "targetFilterQuery": f"controllerId==ro-{tag}-*"}
    body.update(extra)
    return api.post("/rollouts", json=body)


def _groups(api, rid):
    return assert_paged(expect_json(api.get(f"/rollouts/{rid}/deploygroups"), 200))["content"]


def _group_targets(api, rid, gid):
    body = expect_json(api.get(f"/rollouts/{rid}/deploygroups/{gid}/targets",
                               params={"limit": 500}), 200)
    return [t["controllerId"] for t in body["content"]]


def _report(devices_by_id, cids, finished="success"):
    for cid in cids:
        dev = devices_by_id[cid]
        href = wait_until(lambda: dev.links().get("deploymentBase"), what=f"{cid} deployment")
        aid = int(href.split("/deploymentBase/")[1].split("?")[0])
        r = dev.feedback(aid, execution="closed", finished=finished)
        assert r.status_code == 200, r.text


def _status(api, rid):
    return expect_json(api.get(f"/rollouts/{rid}"), 200)["status"]


def test_seed000_rollout_10_90(api):
    """The guide's phased rollout: 10 % then 90 %, ready in the create response."""
    tag, devices = _fleet(api, 20)
    by_id = {t["controllerId"]: d for t, d in devices}
    ds, _ = api.complete_ds()
    body = expect_json(_create(api, tag, ds["id"], groups=[
        {"name": "Phase 1", "targetPercentage": 10},
        {"name": "Phase 2", "targetPercentage": 90}],
        successCondition={"condition": "THRESHOLD", "expression": "100"}), 201)
    assert body["status"] == "ready"
    assert body["totalTargets"] == 20 and body["totalGroups"] == 2
    assert body["totalTargetsPerStatus"]["notstarted"] == 20
    rid = body["id"]
    g1, g2 = _groups(api, rid)
    assert (g1["name"], g1["totalTargets"], g2["totalTargets"]) == ("Phase 1", 2, 18)

    started = expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    assert started["status"] == "running"
    g1, g2 = _groups(api, rid)
    assert (g1["status"], g2["status"]) == ("running", "scheduled")
    first = _group_targets(api, rid, g1["id"])
    second = _group_targets(api, rid, g2["id"])
    assert "deploymentBase" in by_id[first[0]].links()
    assert "deploymentBase" not in by_id[second[0]].links()
    assert expect_json(api.get(f"/targets/{first[0]}"), 200)["updateStatus"] == "pending"

    _report(by_id, first)
    wait_until(lambda: _groups(api, rid)[1]["status"] == "running", what="phase 2 started")
    _report(by_id, second)
    wait_until(lambda: _status(api, rid) == "finished", what="rollout finished")
    counts = expect_json(api.get(f"/rollouts/{rid}"), 200)["totalTargetsPerStatus"]
    assert counts["finished"] == 20 and counts["running"] == 0
    assert expect_json(api.get(f"/targets/{second[-1]}"), 200)["updateStatus"] == "in_sync"


def test_error_threshold_pauses_and_resume_continues(api):
    tag, devices = _fleet(api, 10)
    by_id = {t["controllerId"]: d for t, d in devices}
    ds, _ = api.complete_ds()
    rid = expect_json(_create(api, tag, ds["id"], amountGroups=2,
                              successCondition={"expression": "100"},
                              errorCondition={"condition": "THRESHOLD", "expression": "20"},
                              errorAction={"action": "PAUSE"}), 201)["id"]
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    g1 = _groups(api, rid)[0]
    first = _group_targets(api, rid, g1["id"])
    assert len(first) == 5
    _report(by_id, first[:2], finished="failure")  # 40 % > 20 %
    wait_until(lambda: _status(api, rid) == "paused", what="paused on errors")
    assert _groups(api, rid)[0]["status"] == "error"
    assert _groups(api, rid)[1]["status"] == "scheduled"
    expect_json(api.post(f"/rollouts/{rid}/resume"), 200)
    wait_until(lambda: _groups(api, rid)[1]["status"] == "running", what="next group on resume")
    assert _status(api, rid) == "running"
    expect_json(api.post(f"/rollouts/{rid}/pause"), 200)
    assert _status(api, rid) == "paused"


def test_bad_rollouts_create_nothing(api):
    tag, _ = _fleet(api, 4)
    ds, _ = api.complete_ds()
    before = api.total("/rollouts")
    assert_error(_create(api, tag, ds["id"], groups=[{"name": "a", "targetPercentage": 10}]),
                 400)  # groups do not cover every target
    assert_error(_create(api, tag, ds["id"], groups=[{"name": "a", "targetPercentage": 150}]),
                 400)
    assert_error(_create(api, tag, ds["id"], groups=[{"name": "a", "targetPercentage": 100}],
                         amountGroups=2), 400)
    assert_error(_create(api, tag, 999999999), 404, NOT_FOUND)
    assert_error(_create(api, f"none-{uid()}", ds["id"]), 400)  # no target matches
    assert_error(_create(api, tag, ds["id"], targetFilterQuery="nosuch==1"), 400,
                 ERR + "rest.param.rsqlInvalidField")
    assert_error(_create(api, tag, ds["id"], successAction={"action": "JUMP"}), 400)
    assert_error(api.post("/rollouts", json={"name": "x", "distributionSetId": ds["id"]}), 400)
    assert api.total("/rollouts") == before


def test_state_errors_and_duplicates(api):
    tag, _ = _fleet(api, 2)
    ds, _ = api.complete_ds()
    body = expect_json(_create(api, tag, ds["id"]), 201)
    rid = body["id"]
    assert_error(api.post(f"/rollouts/{rid}/resume"), 400, ERR + "rollout.illegalState")
    assert_error(api.post(f"/rollouts/{rid}/pause"), 400, ERR + "rollout.illegalState")
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    assert_error(api.post(f"/rollouts/{rid}/start"), 400, ERR + "rollout.illegalState")
    assert_error(api.post("/rollouts", json={"name": body["name"], "distributionSetId": ds["id"],
                                             "targetFilterQuery": f"controllerId==ro-{tag}-*"}),
                 409)
    found = assert_paged(expect_json(api.get("/rollouts", params={"q": f"name=={body['name']}"}),
                                     200))
    assert [r["id"] for r in found["content"]] == [rid]
    assert api.delete(f"/rollouts/{rid}").status_code == 200
    assert_error(api.get(f"/rollouts/{rid}"), 404, NOT_FOUND)


def test_trigger_next_group(api):
    tag, _ = _fleet(api, 6)
    ds, _ = api.complete_ds()
    rid = expect_json(_create(api, tag, ds["id"], amountGroups=3,
                              successCondition={"expression": "100"}), 201)["id"]
    assert_error(api.post(f"/rollouts/{rid}/triggerNextGroup"), 400, ERR + "rollout.illegalState")
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    expect_json(api.post(f"/rollouts/{rid}/triggerNextGroup"), 200)
    assert [g["status"] for g in _groups(api, rid)] == ["running", "running", "scheduled"]
    expect_json(api.post(f"/rollouts/{rid}/triggerNextGroup"), 200)
    assert_error(api.post(f"/rollouts/{rid}/triggerNextGroup"), 400, ERR + "rollout.illegalState")


def test_approval_workflow(api):
    tag, _ = _fleet(api, 2)
    ds, _ = api.complete_ds()
    with tenant_configs(api, {"rollout.approval.enabled": True}):
        first = expect_json(_create(api, tag, ds["id"]), 201)
        second = expect_json(_create(api, tag, ds["id"]), 201)
    assert first["status"] == "waiting_for_approval"
    assert_error(api.post(f"/rollouts/{first['id']}/start"), 400, ERR + "rollout.illegalState")
    approved = expect_json(api.post(f"/rollouts/{first['id']}/approve",
                                    params={"remark": "checked by QA"}), 200)
    assert approved["status"] == "ready"
    assert (approved["approvalRemark"], approved["approveDecidedBy"]) == ("checked by QA", "admin")
    assert "approvalRemark" not in second
    denied = expect_json(api.post(f"/rollouts/{second['id']}/deny"), 200)
    assert denied["status"] == "approval_denied" and "approvalRemark" not in denied
    assert denied["approveDecidedBy"] == "admin"
    assert_error(api.post(f"/rollouts/{second['id']}/approve"), 400, ERR + "rollout.illegalState")
    assert expect_json(api.post(f"/rollouts/{first['id']}/start"), 200)["status"] == "running"


def test_seed000_rollout_over_1000_simulated_devices(api):
    """The guide's 10 % / 90 % rollout over 1 000 registered targets, driven by a pool
    of simulated devices that poll, read their deployment and report success."""
    import concurrent.futures

    tag, devices = _fleet_bulk(api, 1000)
    ds, _ = api.complete_ds()
    body = expect_json(_create(api, tag, ds["id"], groups=[
        {"name": "Phase 1", "targetPercentage": 10},
        {"name": "Phase 2", "targetPercentage": 90}],
        successCondition={"condition": "THRESHOLD", "expression": "95"}), 201)
    assert (body["status"], body["totalTargets"]) == ("ready", 1000)
    rid = body["id"]
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)

    def device_round(dev):
        """One poll; installs when offered. True when it reported."""
        href = dev.links().get("deploymentBase")
        if not href:
            return False
        aid = int(href.split("/deploymentBase/")[1].split("?")[0])
        assert dev.get(href).status_code == 200
        assert dev.feedback(aid, execution="closed", finished="success").status_code == 200
        return True

    reported = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(40):
            reported += sum(pool.map(device_round, devices))
            if _status(api, rid) == "finished":
                break
    assert reported == 1000
    wait_until(lambda: _status(api, rid) == "finished", what="rollout finished")
    g1, g2 = _groups(api, rid)
    assert (g1["totalTargets"], g2["totalTargets"]) == (100, 900)
    assert expect_json(api.get(f"/rollouts/{rid}"), 200)["totalTargetsPerStatus"]["finished"] == 1000


def _fleet_bulk(api, n):
    """n targets created 500 per request, with their Devices."""
    from falconet_e2e import Device
    tag = uid()
    devices = []
    for start in range(0, n, 500):
        body = [{"controllerId": f"ro-{tag}-{i:04d}"} for i in range(start, min(n, start + 500))]
        for t in expect_json(api.post("/targets", json=body), 201):
            devices.append(Device(api.server, t["controllerId"], t["securityToken"]))
    return tag, devices


def test_competing_rollouts_weights(api):
    """Two rollouts over the same targets: the newer group start cancels the older
    open action; the device sees the higher-weight action first (reference e.4)."""
    tag, devices = _fleet(api, 1)
    (target, dev), = devices
    ds_a, _ = api.complete_ds()
    ds_b, _ = api.complete_ds()
    ra = expect_json(_create(api, tag, ds_a["id"], weight=200), 201)["id"]
    rb = expect_json(_create(api, tag, ds_b["id"], weight=800), 201)["id"]
    expect_json(api.post(f"/rollouts/{ra}/start"), 200)
    expect_json(api.post(f"/rollouts/{rb}/start"), 200)
    links = dev.links()
    assert "deploymentBase" in links and "cancelAction" not in links
    aid = int(links["deploymentBase"].split("/deploymentBase/")[1].split("?")[0])
    assert api.action(target["controllerId"], aid)["weight"] == 800
    assert dev.feedback(aid, execution="closed", finished="success").status_code == 200
    # now the superseded action of rollout A is exposed, as a cancelation
    cancel = wait_until(lambda: dev.links().get("cancelAction"), what="old action canceling")
    old = int(cancel.split("/cancelAction/")[1])
    assert dev.cancel_feedback(old, execution="closed", finished="success").status_code == 200
    wait_until(lambda: _status(api, rb) == "finished", what="rollout B finished")
    t = expect_json(api.get(f"/targets/{target['controllerId']}"), 200)
    assert t["updateStatus"] == "in_sync"
    assert expect_json(api.get(f"/targets/{target['controllerId']}/installedDS"), 200)["id"] == ds_b["id"]


def test_retry_targets_the_failed_devices(api):
    tag, devices = _fleet(api, 2)
    by_id = {t["controllerId"]: d for t, d in devices}
    ok_id, bad_id = sorted(by_id)
    ds, _ = api.complete_ds()
    body = expect_json(_create(api, tag, ds["id"]), 201)
    rid = body["id"]
    assert_error(api.post(f"/rollouts/{rid}/retry"), 400, ERR + "rollout.illegalState")
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    _report(by_id, [ok_id])
    _report(by_id, [bad_id], finished="failure")
    wait_until(lambda: _status(api, rid) == "finished", what="rollout finished")
    found = assert_paged(expect_json(api.get("/targets", params={"q": f"failedrollout=={rid}"}), 200))
    assert [t["controllerId"] for t in found["content"]] == [bad_id]

    retry = expect_json(api.post(f"/rollouts/{rid}/retry"), 201)
    assert retry["name"] == body["name"] + "_retry"
    assert retry["targetFilterQuery"] == f"failedrollout=={rid}"
    assert (retry["status"], retry["totalTargets"]) == ("ready", 1)
    expect_json(api.post(f"/rollouts/{retry['id']}/start"), 200)
    assert "deploymentBase" in by_id[bad_id].links()
    assert "deploymentBase" not in by_id[ok_id].links()


def test_newer_rollout_cancels_older_scheduled_actions(api):
    """Starting a rollout cancels the not-yet-started actions another rollout scheduled
    for the same targets (reference d.2)."""
    tag, devices = _fleet(api, 4)
    ds_a, _ = api.complete_ds()
    ds_b, _ = api.complete_ds()
    ra = expect_json(_create(api, tag, ds_a["id"], amountGroups=2,
                              successCondition={"expression": "100"}), 201)["id"]
    expect_json(api.post(f"/rollouts/{ra}/start"), 200)
    assert expect_json(api.get(f"/rollouts/{ra}"), 200)["totalTargetsPerStatus"]["scheduled"] == 2
    rb = expect_json(_create(api, tag, ds_b["id"]), 201)["id"]
    expect_json(api.post(f"/rollouts/{rb}/start"), 200)
    counts = expect_json(api.get(f"/rollouts/{ra}"), 200)["totalTargetsPerStatus"]
    assert counts["scheduled"] == 0 and counts["cancelled"] == 2


def test_abort_error_action_stops_the_rest(api):
    """Falconet's ABORT error action: the rollout stops and the later groups' actions
    are canceled instead of waiting for a resume."""
    tag, devices = _fleet(api, 4)
    by_id = {t["controllerId"]: d for t, d in devices}
    ds, _ = api.complete_ds()
    rid = expect_json(_create(api, tag, ds["id"], amountGroups=2,
                              successCondition={"expression": "100"},
                              errorCondition={"expression": "10"},
                              errorAction={"action": "ABORT"}), 201)["id"]
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    first = _group_targets(api, rid, _groups(api, rid)[0]["id"])
    _report(by_id, first[:1], finished="failure")
    wait_until(lambda: _status(api, rid) == "stopped", what="rollout stopped")
    assert [g["status"] for g in _groups(api, rid)] == ["error", "finished"]
    counts = expect_json(api.get(f"/rollouts/{rid}"), 200)["totalTargetsPerStatus"]
    assert counts["cancelled"] == 2 and counts["scheduled"] == 0
    assert_error(api.post(f"/rollouts/{rid}/resume"), 400, ERR + "rollout.illegalState")


def test_random_target_order(api):
    """randomTargetOrder fills groups in random order instead of oldest first."""
    tag, devices = _fleet(api, 40)
    ds, _ = api.complete_ds()
    oldest = sorted(t["controllerId"] for t, _ in devices)[:20]
    firsts = []
    for _ in range(3):
        rid = expect_json(_create(api, tag, ds["id"], amountGroups=2, randomTargetOrder=True), 201)["id"]
        firsts.append(sorted(_group_targets(api, rid, _groups(api, rid)[0]["id"])))
        assert api.delete(f"/rollouts/{rid}").status_code == 200
    assert any(f != oldest for f in firsts)  # 3 random draws all equal to the oldest 20: ~1e-32
    plain = expect_json(_create(api, tag, ds["id"], amountGroups=2), 201)["id"]
    assert sorted(_group_targets(api, plain, _groups(api, plain)[0]["id"])) == oldest


def test_stop_and_update(api):
    tag, _ = _fleet(api, 4)
    ds, _ = api.complete_ds()
    body = expect_json(_create(api, tag, ds["id"], amountGroups=2), 201)
    rid = body["id"]
    new_name = f"renamed-{uid()}"
    upd = expect_json(api.put(f"/rollouts/{rid}", json={"name": new_name, "description": "d"}), 200)
    assert (upd["name"], upd["description"]) == (new_name, "d")
    other = expect_json(_create(api, tag, ds["id"]), 201)
    assert_error(api.put(f"/rollouts/{other['id']}", json={"name": new_name}), 409)
    assert_error(api.put(f"/rollouts/{rid}", json={"name": ""}), 400)

    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    stopped = expect_json(api.post(f"/rollouts/{rid}/stop"), 200)
    assert stopped["status"] == "stopped"
    counts = stopped["totalTargetsPerStatus"]
    assert counts["cancelled"] == 2 and counts["scheduled"] == 0 and counts["running"] == 2
    assert_error(api.post(f"/rollouts/{rid}/stop"), 400, ERR + "rollout.illegalState")
    assert_error(api.post(f"/rollouts/{rid}/resume"), 400, ERR + "rollout.illegalState")


def _register(api, cid):
    return new_device(api, controllerId=cid)


def test_dynamic_rollout_picks_up_devices_registered_after_start(api):
    """hawkBit d.5: after its static group a dynamic rollout keeps taking in matching
    devices, in groups of the template's size, also devices registered after start."""
    tag, devices = _fleet(api, 2)
    by_id = {t["controllerId"]: d for t, d in devices}
    ds, _ = api.complete_ds()
    body = expect_json(_create(api, tag, ds["id"], dynamic=True, amountGroups=1,
                               successCondition={"expression": "100"},
                               dynamicGroupTemplate={"nameSuffix": "-dyn", "targetCount": 2}), 201)
    assert body["dynamic"] is True and body["status"] == "ready"
    assert body["dynamicGroupTemplate"] == {"nameSuffix": "-dyn", "targetCount": 2}
    rid = body["id"]
    groups = _groups(api, rid)
    assert [(g["name"], g["dynamic"], g["totalTargets"]) for g in groups] == [
        ("group-1", False, 2), ("group-2-dyn", True, 0)]
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    _report(by_id, list(by_id))
    wait_until(lambda: _groups(api, rid)[1]["status"] == "running", what="dynamic group started")

    late = [_register(api, f"ro-{tag}-late{i}") for i in range(3)]
    late_by_id = {t["controllerId"]: d for t, d in late}
    wait_until(lambda: len(_groups(api, rid)) == 3 and _groups(api, rid)[1]["totalTargets"] == 2,
               what="dynamic group filled and the next one appended")
    g2, g3 = _groups(api, rid)[1:]
    members = _group_targets(api, rid, g2["id"])
    assert sorted(members) == [f"ro-{tag}-late0", f"ro-{tag}-late1"]
    assert (g3["name"], g3["dynamic"], g3["status"]) == ("group-3-dyn", True, "scheduled")
    assert expect_json(api.get(f"/targets/{members[0]}"), 200)["updateStatus"] == "pending"
    _report(late_by_id, members)
    # The full group succeeded: the third one starts and takes the last late device.
    wait_until(lambda: _groups(api, rid)[2]["totalTargets"] == 1, what="third group filled")
    assert _group_targets(api, rid, g3["id"]) == [f"ro-{tag}-late2"]
    _report(late_by_id, [f"ro-{tag}-late2"])
    # A dynamic rollout never finishes on its own; its last group keeps waiting.
    rollout = expect_json(api.get(f"/rollouts/{rid}"), 200)
    assert rollout["status"] == "running" and rollout["totalTargets"] == 5
    wait_until(lambda: expect_json(api.get(f"/rollouts/{rid}"), 200)
               ["totalTargetsPerStatus"]["finished"] == 5, what="all five finished")
    assert _status(api, rid) == "running"
    expect_json(api.post(f"/rollouts/{rid}/stop"), 200)


def test_dynamic_rollout_with_only_dynamic_groups(api):
    tag, devices = _fleet(api, 3)
    ds, _ = api.complete_ds()
    assert_error(_create(api, tag, ds["id"], dynamic=True, amountGroups=0), 400)
    assert_error(_create(api, tag, ds["id"], dynamic=True,
                         groups=[{"name": "a", "targetPercentage": 100}]), 400)
    assert_error(_create(api, tag, ds["id"], dynamic=True, amountGroups=0,
                         dynamicGroupTemplate={"targetCount": 0}), 400)
    # Matching nothing yet is fine for a dynamic rollout.
    empty = expect_json(_create(api, f"nobody-{uid()}", ds["id"], dynamic=True, amountGroups=0,
                                dynamicGroupTemplate={"targetCount": 5}), 201)
    assert empty["totalTargets"] == 0 and empty["status"] == "ready"
    body = expect_json(_create(api, tag, ds["id"], dynamic=True, amountGroups=0,
                               dynamicGroupTemplate={"targetCount": 10}), 201)
    rid = body["id"]
    assert [g["name"] for g in _groups(api, rid)] == ["group-1"]
    expect_json(api.post(f"/rollouts/{rid}/start"), 200)
    # The existing targets join the dynamic group on the scheduler's next look.
    wait_until(lambda: _groups(api, rid)[0]["totalTargets"] == 3, what="dynamic group filled")
    by_id = {t["controllerId"]: d for t, d in devices}
    assert all("deploymentBase" in d.links() for d in by_id.values())


def test_rollout_maintenance_window_reaches_every_action(api):
    tag, devices = _fleet(api, 2)
    ds, _ = api.complete_ds()
    window = {"schedule": "0 0 3 * * ?", "duration": "01:00:00", "timezone": "+00:00"}
    assert_error(_create(api, tag, ds["id"], maintenanceWindow={"schedule": "0 0 3 * * ?"}),
                 400, ERR + "maintenanceScheduleInvalid")
    assert_error(_create(api, tag, ds["id"], maintenanceWindow={**window, "schedule": "bad"}),
                 400, ERR + "maintenanceScheduleInvalid")
    body = expect_json(_create(api, tag, ds["id"], maintenanceWindow=window), 201)
    assert {k: body["maintenanceWindow"][k] for k in window} == window
    assert body["maintenanceWindow"]["nextStartAt"] > 0
    expect_json(api.post(f"/rollouts/{body['id']}/start"), 200)
    target, dev = devices[0]
    actions = expect_json(api.get(f"/targets/{target['controllerId']}/actions"), 200)["content"]
    action = expect_json(api.get(f"/targets/{target['controllerId']}/actions/{actions[0]['id']}"),
                         200)
    assert action["maintenanceWindow"]["schedule"] == window["schedule"]
    href = wait_until(lambda: dev.links().get("deploymentBase"), what="deployment link")
    deployment = expect_json(dev.get(href), 200)["deployment"]
    # 03:00-04:00 UTC: outside it the device may download but not install.
    assert deployment["maintenanceWindow"] in ("available", "unavailable")
    if deployment["maintenanceWindow"] == "unavailable":
        assert deployment["update"] == "skip"
