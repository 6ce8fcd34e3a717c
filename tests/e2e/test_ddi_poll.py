"""DDI root poll `GET /{tenant}/controller/v1/{controllerId}` (hawkbit-api.md a.0-a.3, e.2, e.4)."""

import re
import time

import requests

from falconet_e2e import (DDI_TENANT, Device, assert_empty, assert_epoch_ms, deploy, expect,
                          expect_json, new_device, now_ms, tenant_configs, uid, wait_until)

ACTION_RELS = ("deploymentBase", "cancelAction", "confirmationBase")


def _c_href(dev, kind, aid):
    return re.compile(re.escape(f"{dev.root}/{kind}/{aid}") + r"\?c=-?\d+$")


def test_poll_body_shape_default_polling_time(api):
    t, dev = new_device(api)
    r = dev.poll()
    body = expect_json(r, 200)
    assert set(body) == {"config", "_links"}, body
    assert body["config"] == {"polling": {"sleep": "00:05:00"}}, body
    # a Mgmt-created target has requestAttributes=true: only the configData link
    assert body["_links"] == {"configData": {"href": f"{dev.root}/configData"}}, body


def test_poll_content_type_hal_by_default_json_on_request(api):
    _, dev = new_device(api)
    r = dev.poll(headers={"Accept": "*/*"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/hal+json"), r.headers
    r = dev.poll(headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    # rauc-hawkbit-updater's Accept header
    r = dev.poll(headers={"Accept": "application/json;charset=UTF-8"})
    assert r.status_code == 200
    assert "json" in r.headers["Content-Type"], r.headers


def test_poll_sleep_follows_tenant_polling_time(api):
    _, dev = new_device(api)
    with tenant_configs(api, {"pollingTime": "00:01:00"}):
        assert dev.poll_body()["config"]["polling"]["sleep"] == "00:01:00"
        api.put("/system/configs/pollingTime", json={"value": "01:02:03"})
        assert dev.poll_body()["config"]["polling"]["sleep"] == "01:02:03"
    assert dev.poll_body()["config"]["polling"]["sleep"] == "00:05:00"


def test_tenant_is_case_insensitive(api):
    t, dev = new_device(api)
    lower = Device(api.server, t["controllerId"], t["securityToken"], tenant="default")
    mixed = Device(api.server, t["controllerId"], t["securityToken"], tenant="Default")
    for d in (dev, lower, mixed):
        body = d.poll_body()
        assert body["config"]["polling"]["sleep"] == "00:05:00"
        href = body["_links"]["configData"]["href"]
        # the link addresses the same tenant (any casing) and the same device
        assert href.lower() == f"{dev.root}/configData".lower(), href
    assert dev.poll_body()["_links"]["configData"]["href"] == f"{dev.root}/configData"


def test_unknown_tenant_401(api):
    # hawkBit: the unknown tenant has no DDI auth mode enabled and no such target -> 401
    t, _ = new_device(api)
    other = Device(api.server, t["controllerId"], t["securityToken"], tenant="NOSUCHTENANT" + uid())
    assert_empty(other.poll(), 401)


def test_deployment_base_link_only_action_link(api):
    d = deploy(api)
    links = d.dev.links()
    assert _c_href(d.dev, "deploymentBase", d.aid).match(links["deploymentBase"]), links
    assert [k for k in links if k in ACTION_RELS] == ["deploymentBase"], links
    assert "installedBase" not in links
    # the link works verbatim
    got = expect_json(d.dev.get(links["deploymentBase"]), 200)
    assert got["id"] == str(d.aid)


def test_config_data_link_until_attributes_sent(api):
    _, dev = new_device(api)
    assert dev.links()["configData"] == f"{dev.root}/configData"
    assert_empty(dev.config_data({"hw": "B2"}), 200)
    assert "configData" not in dev.links()
    # an operator can request them again
    cid = dev.cid
    expect(api.put(f"/targets/{cid}", json={"requestAttributes": True}), 200)
    assert dev.links()["configData"] == f"{dev.root}/configData"


def test_installed_base_link_after_finished_action(api):
    d = deploy(api)
    expect_json(d.dev.deployment(d.aid), 200)
    assert_empty(d.dev.feedback(d.aid, "closed", "success"), 200)
    links = d.dev.links()
    assert links.get("installedBase") == f"{d.dev.root}/installedBase/{d.aid}", links
    assert not [k for k in links if k in ACTION_RELS], links
    # configData requested again after a successful install
    assert links.get("configData") == f"{d.dev.root}/configData", links


def test_installed_base_link_is_latest_finished_action(api):
    d = deploy(api)
    assert_empty(d.dev.feedback(d.aid, "closed", "success"), 200)
    ds2, _ = api.complete_ds()
    a2 = api.assign(d.cid, ds2["id"])["assignedActions"][0]["id"]
    links = d.dev.links()
    assert links["installedBase"] == f"{d.dev.root}/installedBase/{d.aid}"
    assert _c_href(d.dev, "deploymentBase", a2).match(links["deploymentBase"]), links
    assert_empty(d.dev.feedback(a2, "closed", "success"), 200)
    links = d.dev.links()
    assert links["installedBase"] == f"{d.dev.root}/installedBase/{a2}"
    assert "deploymentBase" not in links


def test_etag_and_if_none_match_304(api):
    _, dev = new_device(api)
    r = dev.poll()
    assert r.status_code == 200
    etag = r.headers.get("ETag")
    assert etag and re.match(r'^(W/)?"[^"]+"$', etag), r.headers
    r2 = dev.poll(headers={"If-None-Match": etag})
    assert_empty(r2, 304)
    # a different ETag gets the full body
    r3 = dev.poll(headers={"If-None-Match": '"0123456789abcdef"'})
    assert r3.status_code == 200 and r3.json() == r.json()


def test_etag_changes_with_body(api):
    d = deploy(api, assign=False)
    r = d.dev.poll()
    etag = r.headers["ETag"]
    api.assign(d.cid, d.ds["id"])
    r2 = d.dev.poll(headers={"If-None-Match": etag})
    assert r2.status_code == 200, "assignment must change the poll body and ETag"
    assert "deploymentBase" in r2.json()["_links"]
    assert r2.headers["ETag"] != etag


def test_if_none_match_poll_is_still_recorded(api):
    t, dev = new_device(api)
    etag = dev.poll().headers["ETag"]
    first = wait_until(lambda: expect_json(api.get(f"/targets/{t['controllerId']}"), 200)
                       .get("lastControllerRequestAt"), what="lastControllerRequestAt")
    time.sleep(0.05)
    assert_empty(dev.poll(headers={"If-None-Match": etag}), 304)
    wait_until(lambda: expect_json(api.get(f"/targets/{t['controllerId']}"), 200)
               .get("lastControllerRequestAt", 0) > first,
               what="lastControllerRequestAt after a 304 poll")


def test_links_follow_host_header(api):
    d = deploy(api)
    path = f"/{DDI_TENANT}/controller/v1/{d.cid}"
    links = d.dev.links(headers={"Host": "dev-gw.example:8081"})
    assert links["configData"] == f"http://dev-gw.example:8081{path}/configData"
    assert re.match(re.escape(f"http://dev-gw.example:8081{path}/deploymentBase/{d.aid}?c=")
                    + r"-?\d+$", links["deploymentBase"]), links


def test_links_follow_forwarded_headers(api):
    d = deploy(api)
    path = f"/{DDI_TENANT}/controller/v1/{d.cid}"
    h = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ota.example.com",
         "X-Forwarded-Port": "8443"}
    links = d.dev.links(headers=h)
    assert links["configData"] == f"https://ota.example.com:8443{path}/configData"
    assert links["deploymentBase"].startswith(
        f"https://ota.example.com:8443{path}/deploymentBase/{d.aid}?c="), links
    h = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ota.example.com"}
    links = d.dev.links(headers=h)
    assert links["configData"] in (f"https://ota.example.com{path}/configData",
                                   f"https://ota.example.com:443{path}/configData"), links
    # artifact links in deploymentBase follow the same rule
    body = expect_json(d.dev.get(f"deploymentBase/{d.aid}",
                                 headers={**h, "X-Forwarded-Port": "8443"}), 200)
    href = body["deployment"]["chunks"][0]["artifacts"][0]["_links"]["download-http"]["href"]
    assert href.startswith(f"https://ota.example.com:8443{path}/softwaremodules/"), href


def test_last_controller_request_at_and_poll_status(api):
    t, dev = new_device(api)
    cid = t["controllerId"]
    before = expect_json(api.get(f"/targets/{cid}"), 200)
    assert "lastControllerRequestAt" not in before
    assert "pollStatus" not in before
    start = now_ms()
    dev.poll_body()

    def seen():
        got = expect_json(api.get(f"/targets/{cid}"), 200)
        return got if "lastControllerRequestAt" in got else None

    got = wait_until(seen, timeout=10, what="lastControllerRequestAt after a poll")
    assert_epoch_ms(got["lastControllerRequestAt"])
    assert start - 1000 <= got["lastControllerRequestAt"] <= now_ms() + 1000, got
    ps = got["pollStatus"]
    assert ps["lastRequestAt"] == got["lastControllerRequestAt"], ps
    # next expected = last + pollingTime (00:05:00)
    assert ps["nextExpectedRequestAt"] == ps["lastRequestAt"] + 300_000, ps
    assert ps["overdue"] is False, ps


def test_poll_records_address(api):
    t, dev = new_device(api)
    dev.poll_body()
    got = wait_until(lambda: (lambda b: b if "address" in b else None)(
        expect_json(api.get(f"/targets/{t['controllerId']}"), 200)), what="address after poll")
    assert got["address"] == "http://127.0.0.1", got


def test_poll_address_honours_x_forwarded_for(api):
    # hawkBit tracks the client IP from X-Forwarded-For by default
    t, dev = new_device(api)
    dev.poll_body(headers={"X-Forwarded-For": "10.20.30.40"})
    got = wait_until(lambda: (lambda b: b if "address" in b else None)(
        expect_json(api.get(f"/targets/{t['controllerId']}"), 200)), what="address after poll")
    assert got["address"] == "http://10.20.30.40", got


def _address_after(api, headers):
    t, dev = new_device(api)
    dev.poll_body(headers=headers)
    return wait_until(lambda: expect_json(api.get(f"/targets/{t['controllerId']}"), 200)
                      .get("address"), what="address after poll")


def test_poll_address_from_x_forwarded_for_is_canonical_or_ignored(api):
    # the first entry of a proxy chain, written the canonical way
    assert _address_after(api, {"X-Forwarded-For": "2001:DB8:0:0::1, 10.0.0.1"}) == \
        "http://2001:db8::1"
    assert _address_after(api, {"X-Forwarded-For": "::FFFF:10.1.2.3"}) == "http://::ffff:10.1.2.3"
    # not an address: the connection's own peer address instead
    for junk in ("999.1.1.1", "not-an-ip", ":::", "1.2.3", "a" * 300):
        assert _address_after(api, {"X-Forwarded-For": junk}) == "http://127.0.0.1", junk


def test_unknown_becomes_registered_after_first_poll(api):
    t, dev = new_device(api)
    cid = t["controllerId"]
    assert t["updateStatus"] == "unknown"
    dev.poll_body()
    wait_until(lambda: expect_json(api.get(f"/targets/{cid}"), 200)["updateStatus"] == "registered",
               what="updateStatus registered")
    # a pending target stays pending when it polls
    d = deploy(api)
    d.dev.poll_body()
    assert expect_json(api.get(f"/targets/{d.cid}"), 200)["updateStatus"] == "pending"


def test_poll_unknown_target_with_target_token_401(api):
    t, _ = new_device(api)
    stranger = Device(api.server, "nobody-" + uid(), t["securityToken"])
    assert_empty(stranger.poll(), 401)


def test_poll_other_methods_not_allowed(api):
    _, dev = new_device(api)
    r = dev.request("POST", "", json={})
    assert r.status_code in (404, 405), r.status_code
    r = dev.request("DELETE", "")
    assert r.status_code in (404, 405), r.status_code
    assert requests.get(api.base + "/rest/v1/userinfo", auth=api.s.auth).status_code == 200
