"""Polls answered from memory (the device cache, on with SQLite) see every change at once.

Each test first polls a few times, so that the device is in the cache, then changes
something through the Management API or the device's own feedback and checks the very next
request, without waiting: a stale answer here would be a wrong answer.
"""

from falconet_e2e import (Device, deploy, expect, expect_json, new_device, tenant_configs, uid)

GW_ENABLED = "authentication.gatewaytoken.enabled"
GW_KEY = "authentication.gatewaytoken.key"
TT_ENABLED = "authentication.targettoken.enabled"


def warm(dev, n=3):
    for _ in range(n):
        expect(dev.poll(), 200)


def test_assignment_shows_at_the_next_poll(api):
    d = deploy(api, assign=False)
    warm(d.dev)
    assert "deploymentBase" not in d.dev.links()
    aid = api.assign(d.cid, d.ds["id"])["assignedActions"][0]["id"]
    assert f"deploymentBase/{aid}" in d.dev.links()["deploymentBase"]


def test_finished_action_turns_into_installed_base_at_once(api):
    d = deploy(api)
    warm(d.dev)
    assert "deploymentBase" in d.dev.links()
    expect(d.dev.feedback(d.aid), 200)
    links = d.dev.links()
    assert "deploymentBase" not in links, links
    assert links["installedBase"].endswith(f"/installedBase/{d.aid}"), links


def test_new_security_token_takes_effect_at_once(api):
    t, dev = new_device(api)
    warm(dev)
    fresh = "tok-" + uid() + uid()
    expect_json(api.put(f"/targets/{t['controllerId']}", json={"securityToken": fresh}), 200)
    expect(dev.poll(), 401)
    expect(Device(api.server, t["controllerId"], fresh).poll(), 200)


def test_deleted_target_is_refused_at_once(api):
    t, dev = new_device(api)
    warm(dev)
    expect(api.delete(f"/targets/{t['controllerId']}"), 200)
    expect(dev.poll(), 401)


def test_target_token_switched_off_refuses_at_once(api):
    _, dev = new_device(api)
    warm(dev)
    with tenant_configs(api, {TT_ENABLED: False}):
        expect(dev.poll(), 401)
    expect(dev.poll(), 200)


def test_gateway_key_change_refuses_the_old_key_at_once(api):
    t, _ = new_device(api)
    old, new = "gw-" + uid(), "gw-" + uid()
    with tenant_configs(api, {GW_ENABLED: True, GW_KEY: old}) as cfg:
        gw = Device(api.server, t["controllerId"], authorization="GatewayToken " + old)
        warm(gw)
        cfg.set(GW_KEY, new)
        expect(gw.poll(), 401)
        expect(Device(api.server, t["controllerId"], authorization="GatewayToken " + new).poll(), 200)


def test_config_data_sent_drops_the_link_at_once(api):
    _, dev = new_device(api)
    warm(dev)
    assert "configData" in dev.links()
    expect(dev.config_data({"hw": "rev2"}), 200)
    assert "configData" not in dev.links()


def test_cached_poll_answers_like_a_database_poll(api):
    """The same body (and ETag) whether or not the device was seen before."""
    _, dev = new_device(api)
    first = dev.poll()
    warm(dev)
    again = dev.poll()
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("ETag") == first.headers.get("ETag")


def _chunk(dev, aid):
    return d_body(dev, aid)["deployment"]["chunks"][0]


def d_body(dev, aid):
    return expect_json(dev.deployment(aid), 200)


def test_module_metadata_change_shows_in_deployment_base_at_once(api):
    """A set's chunks are kept in memory too; a metadata change retires them."""
    d = deploy(api)
    sm_path = f"/softwaremodules/{d.sm['id']}/metadata"
    for _ in range(3):
        assert "metadata" not in _chunk(d.dev, d.aid)
    expect(api.post(sm_path, json=[{"key": "hint", "value": "reboot", "targetVisible": True}]), 201)
    assert _chunk(d.dev, d.aid)["metadata"] == [{"key": "hint", "value": "reboot"}]
    expect(api.put(f"{sm_path}/hint", json={"targetVisible": False}), 200)
    assert "metadata" not in _chunk(d.dev, d.aid)


def test_devices_sharing_a_set_get_their_own_links(api):
    """The kept chunks are shared between devices; the links are each device's own."""
    d = deploy(api)
    other = api.create_target()
    aid2 = api.assign(other["controllerId"], d.ds["id"])["assignedActions"][0]["id"]
    dev2 = Device(api.server, other["controllerId"], other["securityToken"])
    for _ in range(2):
        for dev, aid in ((d.dev, d.aid), (dev2, aid2)):
            art = _chunk(dev, aid)["artifacts"][0]
            href = art["_links"]["download-http"]["href"]
            assert href.startswith(dev.root + "/softwaremodules/"), (href, dev.root)
