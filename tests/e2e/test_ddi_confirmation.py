"""DDI user-consent (confirmation) flow and auto-confirm (hawkbit-api.md a.9, e.1).

Every test switches `user.confirmation.flow.enabled` on through the `flow` fixture, which
restores the previous value afterwards.
"""

import re

import pytest

from falconet_e2e import (NOT_FOUND, assert_empty, assert_epoch_ms, assert_error, deploy, expect_json,
                          hashes_of, new_device, statuses, tenant_configs)

FLOW = "user.confirmation.flow.enabled"


@pytest.fixture
def flow(api):
    with tenant_configs(api, {FLOW: True}) as cfg:
        yield cfg


def _waiting(api, **kw):
    d = deploy(api, confirmationRequired=True, **kw)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "wait_for_confirmation" and a["active"] is True, a
    return d


def _confirm(dev, aid, confirmation="confirmed", **extra):
    body = {"confirmation": confirmation}
    body.update(extra)
    return dev.post(f"confirmationBase/{aid}/feedback", json=body)


def test_confirmation_required_waits(api, flow):
    d = _waiting(api)
    links = d.dev.links()
    assert re.match(re.escape(f"{d.dev.root}/confirmationBase/{d.aid}?c=") + r"-?\d+$",
                    links.get("confirmationBase", "")), links
    assert "deploymentBase" not in links and "cancelAction" not in links
    # a waiting action is not served as a deployment
    assert d.dev.deployment(d.aid).status_code == 404
    assert d.dev.feedback(d.aid, "closed", "success").status_code == 404
    assert api.action(d.cid, d.aid)["status"] == "wait_for_confirmation"
    assert expect_json(api.get(f"/targets/{d.cid}"), 200)["updateStatus"] == "pending"


def test_confirmation_base_action_body(api, flow):
    d = _waiting(api, type_="soft")
    href = d.dev.links()["confirmationBase"]
    body = expect_json(d.dev.get(href), 200)
    assert body["id"] == str(d.aid)
    assert "deployment" not in body
    c = body["confirmation"]
    assert (c["download"], c["update"]) == ("attempt", "attempt"), c
    assert "maintenanceWindow" not in c
    ch = c["chunks"]
    assert len(ch) == 1 and ch[0]["part"] == "os" and ch[0]["name"] == d.sm["name"]
    name = d.arts[0]["providedFilename"]
    art = ch[0]["artifacts"][0]
    assert art["filename"] == name and art["hashes"] == hashes_of(d.data[name])
    assert "actionHistory" not in body
    assert_empty(_confirm(d.dev, d.aid, "denied", details=["later please"]), 200)
    h = expect_json(d.dev.get(f"confirmationBase/{d.aid}", params={"actionHistory": 3}), 200)
    assert h["actionHistory"]["status"] == "WAIT_FOR_CONFIRMATION", h
    assert "later please" in h["actionHistory"]["messages"], h
    assert api.action(d.cid, d.aid)["status"] == "wait_for_confirmation"


def test_confirmed_runs(api, flow):
    d = _waiting(api)
    assert_empty(_confirm(d.dev, d.aid, code=20, details=["user said yes"]), 200)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "running" and a["active"] is True, a
    links = d.dev.links()
    assert links["deploymentBase"].startswith(f"{d.dev.root}/deploymentBase/{d.aid}?c="), links
    assert "confirmationBase" not in links
    assert d.dev.deployment_body(d.aid)["id"] == str(d.aid)
    # no longer waiting: confirmationBase/{a} and its feedback are 404
    assert d.dev.get(f"confirmationBase/{d.aid}").status_code == 404
    assert _confirm(d.dev, d.aid).status_code == 404
    assert_empty(d.dev.feedback(d.aid, "closed", "success"), 200)
    assert api.action(d.cid, d.aid)["status"] == "finished"
    # closed: confirmation feedback is 410
    assert_empty(_confirm(d.dev, d.aid), 410)


def test_denied_keeps_waiting(api, flow):
    d = _waiting(api)
    n = len(statuses(api, d.cid, d.aid))
    assert_empty(_confirm(d.dev, d.aid, "denied", details=["not now"]), 200)
    a = api.action(d.cid, d.aid)
    assert a["status"] == "wait_for_confirmation" and a["active"] is True, a
    assert len(statuses(api, d.cid, d.aid)) > n
    assert "confirmationBase" in d.dev.links()
    # and can still be confirmed later
    assert_empty(_confirm(d.dev, d.aid, "confirmed"), 200)
    assert api.action(d.cid, d.aid)["status"] == "running"


@pytest.mark.parametrize("body", [{}, {"confirmation": "maybe"}, {"confirmation": "CONFIRMED"},
                                  {"code": 1}])
def test_confirmation_feedback_invalid_400(api, flow, body):
    d = _waiting(api)
    assert_error(d.dev.post(f"confirmationBase/{d.aid}/feedback", json=body), 400)
    assert api.action(d.cid, d.aid)["status"] == "wait_for_confirmation"


def test_confirmation_foreign_action_404(api, flow):
    d = _waiting(api)
    other = _waiting(api)
    assert_error(d.dev.get(f"confirmationBase/{other.aid}"), 404, NOT_FOUND)
    assert _confirm(d.dev, other.aid).status_code == 404
    assert api.action(other.cid, other.aid)["status"] == "wait_for_confirmation"


def test_confirmation_not_required_runs_directly(api, flow):
    d = deploy(api, confirmationRequired=False)
    assert api.action(d.cid, d.aid)["status"] == "running"
    assert "deploymentBase" in d.dev.links()


def test_flow_disabled_ignores_confirmation_required(api):
    with tenant_configs(api, {FLOW: False}):
        d = deploy(api, confirmationRequired=True)
        assert api.action(d.cid, d.aid)["status"] == "running"


def _inactive(state):
    # hawkBit 1.x also writes "activatedAt": 0 for an inactive state
    assert state["active"] is False, state
    assert "initiator" not in state and "remark" not in state, state
    assert state.get("activatedAt", 0) == 0, state


def test_auto_confirm_state_activate_deactivate(api, flow):
    t, dev = new_device(api)
    body = expect_json(dev.get("confirmationBase"), 200)
    _inactive(body["autoConfirm"])
    links = {k: v["href"] for k, v in body["_links"].items()}
    assert links == {"activateAutoConfirm": f"{dev.root}/confirmationBase/activateAutoConfirm"}

    assert_empty(dev.post("confirmationBase/activateAutoConfirm",
                          json={"initiator": "device-ui", "remark": "always"}), 200)
    body = expect_json(dev.get("confirmationBase"), 200)
    ac = body["autoConfirm"]
    assert ac["active"] is True and ac["initiator"] == "device-ui" and ac["remark"] == "always", ac
    assert_epoch_ms(ac["activatedAt"], "activatedAt")
    links = {k: v["href"] for k, v in body["_links"].items()}
    assert links == {"deactivateAutoConfirm":
                     f"{dev.root}/confirmationBase/deactivateAutoConfirm"}, links
    # already active
    r = dev.post("confirmationBase/activateAutoConfirm", json={})
    assert r.status_code == 409, r.status_code

    # with auto-confirm an assignment needing confirmation runs directly
    ds, _ = api.complete_ds()
    aid = api.assign(t["controllerId"], ds["id"], confirmationRequired=True)[
        "assignedActions"][0]["id"]
    assert api.action(t["controllerId"], aid)["status"] == "running"

    assert_empty(dev.post("confirmationBase/deactivateAutoConfirm"), 200)
    _inactive(expect_json(dev.get("confirmationBase"), 200)["autoConfirm"])
    # activation without a body is allowed
    assert_empty(dev.post("confirmationBase/activateAutoConfirm"), 200)
    assert expect_json(dev.get("confirmationBase"), 200)["autoConfirm"]["active"] is True
    assert_empty(dev.post("confirmationBase/deactivateAutoConfirm"), 200)


def test_activate_auto_confirm_confirms_waiting_action(api, flow):
    d = _waiting(api)
    body = expect_json(d.dev.get("confirmationBase"), 200)
    _inactive(body["autoConfirm"])
    assert re.match(re.escape(f"{d.dev.root}/confirmationBase/{d.aid}?c=") + r"-?\d+$",
                    body["_links"]["confirmationBase"]["href"]), body
    assert_empty(d.dev.post("confirmationBase/activateAutoConfirm",
                            json={"initiator": "me", "remark": "go"}), 200)
    assert api.action(d.cid, d.aid)["status"] == "running"
    links = d.dev.links()
    assert "deploymentBase" in links and "confirmationBase" not in links
    body = expect_json(d.dev.get("confirmationBase"), 200)
    assert "confirmationBase" not in body["_links"]
    assert_empty(d.dev.post("confirmationBase/deactivateAutoConfirm"), 200)
