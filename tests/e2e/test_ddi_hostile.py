"""Hostile devices: malformed and oversize bodies, forged ids, path tricks, long ids.

Every test checks the answer is a 4xx, that nothing changed (via the Management API), and
that the server keeps serving (the autouse fixture in conftest also checks the process).
"""

import json

import pytest
import requests

from falconet_e2e import (Device, deploy, expect_json, new_device, raw_request, statuses,
                          tenant_configs, uid)


def _snapshot(api, d):
    a = api.action(d.cid, d.aid)
    t = expect_json(api.get(f"/targets/{d.cid}"), 200)
    return (a["status"], a["active"], len(statuses(api, d.cid, d.aid)), t["updateStatus"])


def _alive(api, d=None):
    assert api.alive()
    if d is not None:
        assert d.dev.poll().status_code == 200


# a valid closed/success body without its two closing braces
CLOSED_OK = b'{"status": {"execution": "closed", "result": {"finished": "success"}'


@pytest.mark.parametrize("raw", [
    b"{", b"}", b"[]", b"null", b'"closed"', b"\xff\xfe\x00garbage",
    CLOSED_OK + b"}",                                   # one closing brace missing
    CLOSED_OK + b"}}}",                                 # one too many
    CLOSED_OK + b"}} trailing",
    b'{"status": {' * 5000,
    b"[" * 100000,
    b'{"status": {"execution": "closed", "result": {"finished": "success"}, '
    b'"details": "not-an-array"}}',
    b'{"status": {"execution": "closed", "result": {"finished": "success"}, "code": "abc"}}',
    b'{"status": {"execution": null, "result": {"finished": "success"}}}',
    b'{"status": {"execution": "closed", "result": {"finished": null}}}',
    b'{"status": {"execution": "closed", "result": "success"}}',
])
def test_malformed_feedback_400(api, raw):
    d = deploy(api)
    before = _snapshot(api, d)
    r = d.dev.feedback(d.aid, body=raw)
    assert r.status_code == 400, (raw[:60], r.status_code)
    assert _snapshot(api, d) == before
    _alive(api, d)


def test_feedback_wrong_content_type(api):
    d = deploy(api)
    before = _snapshot(api, d)
    body = json.dumps({"status": {"execution": "closed", "result": {"finished": "success"}}})
    r = d.dev.post(f"deploymentBase/{d.aid}/feedback", data=body,
                   headers={"Content-Type": "text/plain"})
    assert r.status_code in (400, 415), r.status_code
    assert _snapshot(api, d) == before


def test_huge_details_array(api):
    """hawkBit answers 429 to more than 50 messages; Falconet keeps the newest 50 instead
    (SWUpdate sends whole log excerpts as details), in one history entry."""
    d = deploy(api)
    before = len(statuses(api, d.cid, d.aid))
    body = {"status": {"execution": "proceeding", "result": {"finished": "none"},
                       "details": [f"m{i}" for i in range(10000)]}}
    r = d.dev.feedback(d.aid, body=body)
    assert r.status_code == 200, r.status_code
    entries = statuses(api, d.cid, d.aid)
    assert len(entries) == before + 1
    assert entries[0]["messages"] == [f"m{i}" for i in range(9950, 10000)]
    _alive(api, d)


def test_two_megabyte_feedback(api):
    d = deploy(api)
    before = _snapshot(api, d)
    body = {"status": {"execution": "proceeding", "result": {"finished": "none"},
                       "details": ["x" * (2 * 1024 * 1024)]}}
    # a falconet process's own answer (see Server.process)
    r = Device(api.server.process(), d.cid, d.token).feedback(d.aid, body=body)
    assert r.status_code in (400, 413, 429), r.status_code
    assert _snapshot(api, d) == before
    _alive(api, d)


def test_huge_declared_content_length(api):
    d = deploy(api)
    before = _snapshot(api, d)
    path = f"/DEFAULT/controller/v1/{d.cid}/deploymentBase/{d.aid}/feedback"
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: TargetToken {d.token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n").encode()
    status, _, _ = raw_request(api.server.process().port, head, b"{", read_timeout=10)
    assert status in (400, 413), status
    assert _snapshot(api, d) == before
    _alive(api, d)


def test_huge_config_data(api):
    t, dev = new_device(api)
    # a falconet process's own answer to a body over the limit (see Server.process)
    direct = Device(api.server.process(), t["controllerId"], t["securityToken"])
    r = direct.config_data({f"k{i}": "v" * 100 for i in range(20000)})
    assert r.status_code in (400, 413, 429), r.status_code
    assert api.get(f"/targets/{t['controllerId']}/attributes").status_code == 204
    assert "configData" in dev.links()


@pytest.mark.parametrize("aid", ["abc", "-1", "0", "1.5", "99999999999999999999999",
                                 "9223372036854775808", "1e3", "%20", "1;DROP", "0x10"])
def test_bad_action_ids(api, aid):
    d = deploy(api)
    before = _snapshot(api, d)
    for r in (d.dev.get(f"deploymentBase/{aid}"),
              d.dev.get(f"cancelAction/{aid}"),
              d.dev.get(f"installedBase/{aid}"),
              d.dev.get(f"confirmationBase/{aid}"),
              d.dev.post(f"deploymentBase/{aid}/feedback",
                         json={"status": {"execution": "closed", "result": {"finished": "success"}}}),
              d.dev.post(f"cancelAction/{aid}/feedback",
                         json={"status": {"execution": "closed", "result": {"finished": "success"}}})):
        assert r.status_code in (400, 404), (aid, r.request.method, r.url, r.status_code)
    assert _snapshot(api, d) == before
    _alive(api, d)


def test_other_devices_action_and_artifact(api):
    victim = deploy(api)
    attacker = deploy(api)
    before = _snapshot(api, victim)
    name = victim.arts[0]["providedFilename"]
    ok_fb = {"status": {"execution": "closed", "result": {"finished": "failure"}}}
    for r in (attacker.dev.get(f"deploymentBase/{victim.aid}"),
              attacker.dev.feedback(victim.aid, body=ok_fb),
              attacker.dev.get(f"softwaremodules/{victim.sm['id']}/artifacts"),
              attacker.dev.get(f"softwaremodules/{victim.sm['id']}/artifacts/{name}"),
              attacker.dev.get(f"softwaremodules/{victim.sm['id']}/artifacts/{name}.MD5SUM")):
        assert r.status_code == 404, (r.url, r.status_code)
        assert victim.data[name] not in r.content
    # the attacker's own token on the victim's URL
    forged = Device(api.server, victim.cid, attacker.token)
    for r in (forged.poll(), forged.get(f"deploymentBase/{victim.aid}"),
              forged.feedback(victim.aid, body=ok_fb),
              forged.get(f"softwaremodules/{victim.sm['id']}/artifacts/{name}")):
        assert r.status_code == 401, (r.url, r.status_code)
        assert r.content == b""
    assert _snapshot(api, victim) == before
    _alive(api, victim)


@pytest.mark.parametrize("trick", [
    "..%2F..%2F..%2Fetc%2Fpasswd", "..%2f{name}", "%2e%2e/%2e%2e/{name}", "{name}%00.txt",
    "{name}%00", "%00", "...", "{name}%2F..", "%2F{name}", "%2e%2e%2f{name}",
    "{name}%0d%0aX-Injected:%201", "{upper}", "{name}%20", "%20{name}", "{name}.md5sum",
])
def test_artifact_path_tricks(api, trick):
    d = deploy(api, files=(("fw.bin", 512),))
    name = "fw.bin"
    path = trick.format(name=name, upper=name.upper())
    url = f"{d.dev.root}/softwaremodules/{d.sm['id']}/artifacts/{path}"
    r = requests.get(url, headers={"Authorization": f"TargetToken {d.token}"}, timeout=30)
    assert 400 <= r.status_code < 500, (path, r.status_code)
    assert d.data[name] not in r.content
    assert b"root:" not in r.content
    assert "X-Injected" not in r.headers
    _alive(api, d)


def test_path_traversal_in_controller_segment(api):
    d = deploy(api)
    base = api.base + "/DEFAULT/controller/v1/"
    for path in (f"{d.cid}/..%2F..%2Frest%2Fv1%2Ftargets", f"..%2F{d.cid}", f"{d.cid}%2F..",
                 f"{d.cid}/../../../rest/v1/targets"):
        r = requests.get(base + path, headers={"Authorization": f"TargetToken {d.token}"},
                         timeout=30)
        assert r.status_code in (400, 401, 404), (path, r.status_code)
        assert b"securityToken" not in r.content
    _alive(api, d)


@pytest.mark.parametrize("n", [257, 300, 5000])
def test_very_long_controller_id(api, n):
    t, _ = new_device(api)
    cid = "L" * n
    r = Device(api.server, cid, t["securityToken"]).poll()
    assert r.status_code in (400, 401, 404, 414), r.status_code
    key = "gw-" + uid()
    with tenant_configs(api, {"authentication.gatewaytoken.enabled": True,
                              "authentication.gatewaytoken.key": key}):
        r = Device(api.server, cid, authorization="GatewayToken " + key).poll()
        assert r.status_code in (400, 404, 414), r.status_code
        r = Device(api.server, cid, authorization="GatewayToken " + key).config_data({"a": "b"})
        assert 400 <= r.status_code < 500, r.status_code
    assert api.get("/targets/" + cid).status_code in (400, 404, 414)
    lst = expect_json(api.get("/targets", params={"q": f"controllerId=={'L' * 20}*"}), (200, 400))
    if lst is not None and "content" in lst:
        assert lst["total"] == 0, lst
    assert api.alive()


def test_hostile_controller_ids_with_gateway(api):
    key = "gw-" + uid()
    with tenant_configs(api, {"authentication.gatewaytoken.enabled": True,
                              "authentication.gatewaytoken.key": key}):
        total = expect_json(api.get("/targets", params={"limit": 1}), 200)["total"]
        for cid in ("%00abc", "a%00b", "a%0d%0aX-Injected:%201", "%20", "a%20b", "a%2Fb",
                    "a%5Cb", "%09"):
            url = f"{api.base}/DEFAULT/controller/v1/{cid}"
            r = requests.get(url, headers={"Authorization": "GatewayToken " + key}, timeout=30)
            assert r.status_code in (400, 404), (cid, r.status_code)
            assert "X-Injected" not in r.headers
        assert expect_json(api.get("/targets", params={"limit": 1}), 200)["total"] == total
    assert api.alive()


def test_unknown_query_params_ignored(api):
    # Spring (hawkBit) ignores query parameters it does not know
    d = deploy(api)
    d.dev.deployment_body(d.aid)
    before = _snapshot(api, d)
    assert d.dev.poll(params={"bogus": "1", "c": "x"}).status_code == 200
    body = expect_json(d.dev.get(f"deploymentBase/{d.aid}", params={"bogus": "1", "c": "zz"}), 200)
    assert body["id"] == str(d.aid)
    assert _snapshot(api, d) == before


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "1.5", ""])
def test_bad_action_history_param_400(api, value):
    d = deploy(api)
    d.dev.deployment_body(d.aid)
    before = _snapshot(api, d)
    r = d.dev.get(f"deploymentBase/{d.aid}", params={"actionHistory": value})
    if value == "":
        # an empty value is the default (0)
        assert r.status_code == 200 and "actionHistory" not in r.json()
    else:
        assert r.status_code == 400, (value, r.status_code)
    assert _snapshot(api, d) == before
    _alive(api, d)


def test_feedback_on_poll_path_and_wrong_methods(api):
    d = deploy(api)
    before = _snapshot(api, d)
    fbody = {"status": {"execution": "closed", "result": {"finished": "success"}}}
    for method, path in (("PUT", f"deploymentBase/{d.aid}/feedback"),
                         ("DELETE", f"deploymentBase/{d.aid}"),
                         ("POST", f"deploymentBase/{d.aid}"),
                         ("GET", f"deploymentBase/{d.aid}/feedback"),
                         ("POST", "configData"),
                         ("PATCH", f"deploymentBase/{d.aid}/feedback")):
        r = d.dev.request(method, path, json=fbody)
        assert r.status_code in (404, 405), (method, path, r.status_code)
    assert _snapshot(api, d) == before
    _alive(api, d)


def test_many_bad_requests_then_good(api):
    d = deploy(api)
    for i in range(200):
        d.dev.feedback(d.aid, body=b"{" * (i % 7))
    assert d.dev.poll().status_code == 200
    assert d.dev.feedback(d.aid, "closed", "success").status_code == 200
    assert api.action(d.cid, d.aid)["status"] == "finished"
