"""DDI authentication (hawkbit-api.md b.1, a.0; Surprises 17).

Falconet ships with target-token authentication on (hawkBit: off); gateway-token and header
authentication are off by default.  Every test that changes a tenant key restores it.
"""

import time

import pytest

from falconet_e2e import (CFG, Device, assert_empty, deploy, expect_json, new_device,
                          tenant_configs, uid, wait_until)

GW_ENABLED = "authentication.gatewaytoken.enabled"
GW_KEY = "authentication.gatewaytoken.key"
TT_ENABLED = "authentication.targettoken.enabled"
HDR_ENABLED = "authentication.header.enabled"
HDR_AUTHORITY = "authentication.header.authority"
ANON = "anonymous.download.enabled"


def test_falconet_defaults(api):
    assert expect_json(api.get(CFG + TT_ENABLED), 200)["value"] is True
    assert expect_json(api.get(CFG + GW_ENABLED), 200)["value"] is False
    assert expect_json(api.get(CFG + HDR_ENABLED), 200)["value"] is False
    assert expect_json(api.get(CFG + ANON), 200)["value"] is False


def test_target_token_works(api):
    t, dev = new_device(api)
    body = dev.poll_body()
    assert "config" in body


def test_target_token_supplied_at_creation(api):
    tok = "my-own-token-" + uid()
    t = api.create_target(securityToken=tok)
    assert "config" in Device(api.server, t["controllerId"], tok).poll_body()


@pytest.mark.parametrize("header", [
    None,                                   # no Authorization header
    "TargetToken wrong-token",
    "targettoken {tok}",                    # scheme is case-sensitive
    "TARGETTOKEN {tok}",
    "TargetToken  {tok}",                   # exactly one space
    "TargetToken{tok}",
    "TargetToken ",
    "TargetToken {tok}x",
    "Bearer {tok}",
    "GatewayToken {tok}",                   # gateway auth is off
])
def test_bad_credentials_401_empty_body(api, header):
    t, _ = new_device(api)
    auth = header.format(tok=t["securityToken"]) if header is not None else None
    dev = Device(api.server, t["controllerId"], authorization=auth)
    assert_empty(dev.poll(), 401)
    assert_empty(dev.config_data({"a": "b"}), 401)
    assert_empty(dev.get("deploymentBase/1"), 401)


def test_token_of_another_target_401(api):
    t1, _ = new_device(api)
    t2, _ = new_device(api)
    assert_empty(Device(api.server, t1["controllerId"], t2["securityToken"]).poll(), 401)


def test_token_changed_via_mgmt(api):
    t, dev = new_device(api)
    dev.poll_body()
    new_tok = "rotated-" + uid()
    expect_json(api.put(f"/targets/{t['controllerId']}", json={"securityToken": new_tok}), 200)
    assert_empty(dev.poll(), 401)
    assert "config" in Device(api.server, t["controllerId"], new_tok).poll_body()


def test_target_token_cannot_register_unknown_id(api):
    t, _ = new_device(api)
    cid = "unknown-" + uid()
    assert_empty(Device(api.server, cid, t["securityToken"]).poll(), 401)
    assert api.get(f"/targets/{cid}").status_code == 404


def test_target_token_disabled_401(api):
    t, dev = new_device(api)
    assert dev.poll().status_code == 200
    with tenant_configs(api, {TT_ENABLED: False}):
        assert_empty(dev.poll(), 401)
    assert dev.poll().status_code == 200


def test_gateway_token_any_id_and_plug_and_play(api):
    key = "gw-" + uid()
    with tenant_configs(api, {GW_ENABLED: True, GW_KEY: key}):
        # works for a known target
        t, _ = new_device(api)
        assert "config" in Device(api.server, t["controllerId"],
                                  authorization="GatewayToken " + key).poll_body()
        # and registers an unknown one on its first poll
        cid = "pnp-" + uid()
        assert api.get(f"/targets/{cid}").status_code == 404
        body = Device(api.server, cid, authorization="GatewayToken " + key).poll_body()
        assert body["config"]["polling"]["sleep"]
        # a plug-and-play target asks for its attributes
        assert body["_links"]["configData"]["href"].endswith(
            f"/DEFAULT/controller/v1/{cid}/configData")
        got = expect_json(api.get(f"/targets/{cid}"), 200)
        assert got["controllerId"] == cid
        assert got["name"] == cid
        assert got["description"] == f"Plug and Play target: {cid}"
        assert got["updateStatus"] == "registered"
        assert got["requestAttributes"] is True
        tok = got["securityToken"]
        assert isinstance(tok, str) and len(tok) >= 16
        # wrong gateway key, wrong scheme casing
        assert_empty(Device(api.server, "pnp-" + uid(), authorization="GatewayToken x" + key)
                     .poll(), 401)
        assert_empty(Device(api.server, "pnp-" + uid(), authorization="gatewaytoken " + key)
                     .poll(), 401)
        assert_empty(Device(api.server, "pnp-" + uid(), authorization="GatewayToken  " + key)
                     .poll(), 401)
    # the generated token of the plug-and-play target works on its own
    assert "config" in Device(api.server, cid, tok).poll_body()
    # gateway auth switched off again
    assert_empty(Device(api.server, cid, authorization="GatewayToken " + key).poll(), 401)


def test_gateway_enabled_without_key_rejects_empty_token(api):
    with tenant_configs(api, {GW_ENABLED: True}):
        if expect_json(api.get(CFG + GW_KEY), 200)["value"] == "":
            assert_empty(Device(api.server, "pnp-" + uid(), authorization="GatewayToken ").poll(),
                         401)
            assert_empty(Device(api.server, "pnp-" + uid(), authorization="GatewayToken").poll(),
                         401)


def test_gateway_token_for_download(api):
    key = "gw-" + uid()
    d = deploy(api)
    name = d.arts[0]["providedFilename"]
    with tenant_configs(api, {GW_ENABLED: True, GW_KEY: key}):
        gw = Device(api.server, d.cid, authorization="GatewayToken " + key)
        r = gw.get(f"softwaremodules/{d.sm['id']}/artifacts/{name}")
        assert r.status_code == 200 and r.content == d.data[name]


def test_header_auth(api):
    authority = "A1B2C3D4" + uid()
    t, _ = new_device(api)
    cid = t["controllerId"]
    with tenant_configs(api, {HDR_ENABLED: True, HDR_AUTHORITY: authority}):
        ok = Device(api.server, cid, authorization=None,
                    headers={"X-Controller-Id": cid, "X-Authority": authority})
        assert "config" in ok.poll_body()
        # authority is compared case-insensitively
        lower = Device(api.server, cid, authorization=None,
                       headers={"X-Controller-Id": cid, "X-Authority": authority.lower()})
        assert "config" in lower.poll_body()
        # controller id in the header must equal the path id
        other = Device(api.server, cid, authorization=None,
                       headers={"X-Controller-Id": cid + "x", "X-Authority": authority})
        assert_empty(other.poll(), 401)
        wrong = Device(api.server, cid, authorization=None,
                       headers={"X-Controller-Id": cid, "X-Authority": "deadbeef"})
        assert_empty(wrong.poll(), 401)
        no_auth = Device(api.server, cid, authorization=None, headers={"X-Controller-Id": cid})
        assert_empty(no_auth.poll(), 401)
    # header auth switched off again
    assert_empty(Device(api.server, cid, authorization=None,
                        headers={"X-Controller-Id": cid, "X-Authority": authority}).poll(), 401)


def test_header_auth_authority_list(api):
    a1, a2 = "aaa" + uid(), "bbb" + uid()
    t, _ = new_device(api)
    cid = t["controllerId"]
    with tenant_configs(api, {HDR_ENABLED: True, HDR_AUTHORITY: f"{a1};{a2}"}):
        for a in (a1, a2):
            dev = Device(api.server, cid, authorization=None,
                         headers={"X-Controller-Id": cid, "X-Authority": a})
            assert dev.poll().status_code == 200, a


def test_header_auth_registers_unknown_device(api):
    authority = "cafe" + uid()
    cid = "hdr-" + uid()
    with tenant_configs(api, {HDR_ENABLED: True, HDR_AUTHORITY: authority}):
        dev = Device(api.server, cid, authorization=None,
                     headers={"X-Controller-Id": cid, "X-Authority": authority})
        assert dev.poll().status_code == 200
        got = expect_json(api.get(f"/targets/{cid}"), 200)
        assert got["updateStatus"] == "registered"
        assert got["description"] == f"Plug and Play target: {cid}"


def test_anonymous_download(api):
    d = deploy(api)
    name = d.arts[0]["providedFilename"]
    anon = Device(api.server, d.cid)          # no credentials
    path = f"softwaremodules/{d.sm['id']}/artifacts/{name}"
    assert_empty(anon.get(path), 401)
    with tenant_configs(api, {ANON: True}):
        r = anon.get(path)
        assert r.status_code == 200, r.status_code
        assert r.content == d.data[name]
        # only downloads are anonymous, not the rest of the API
        assert_empty(anon.poll(), 401)
        assert_empty(anon.get(f"deploymentBase/{d.aid}"), 401)
    assert_empty(anon.get(path), 401)


def test_401_does_not_touch_target(api):
    t, dev = new_device(api)
    cid = t["controllerId"]
    bad = Device(api.server, cid, "wrong")
    for _ in range(3):
        assert_empty(bad.poll(), 401)
    time.sleep(0.4)  # two last-seen flush periods
    got = expect_json(api.get(f"/targets/{cid}"), 200)
    assert got["updateStatus"] == "unknown"
    assert "lastControllerRequestAt" not in got
    dev.poll_body()
    wait_until(lambda: expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "registered")
