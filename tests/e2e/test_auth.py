"""Management API authentication (HTTP Basic) and /rest/v1/userinfo."""

import requests

from falconet_e2e import basic_auth_header, expect_json, uid


def _assert_401(r):
    assert r.status_code == 401, f"{r.request.method} {r.url} -> {r.status_code}: {r.text[:300]}"
    challenge = r.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Basic"), f"WWW-Authenticate header is {challenge!r}"


def test_missing_credentials_401(api):
    _assert_401(requests.get(api.root + "/userinfo", timeout=10))
    _assert_401(requests.get(api.root + "/targets", timeout=10))
    _assert_401(requests.get(api.root + "/system/configs", timeout=10))


def test_wrong_password_401(api):
    _assert_401(requests.get(api.root + "/userinfo", auth=("admin", "wrong-" + uid()), timeout=10))
    _assert_401(requests.get(api.root + "/targets", auth=("admin", api.server.password + "x"),
                             timeout=10))


def test_wrong_user_401(api):
    _assert_401(requests.get(api.root + "/userinfo", auth=("nobody", api.server.password),
                             timeout=10))


def test_malformed_authorization_headers_401(api):
    for value in ("Basic", "Basic !!!not-base64!!!", "Basic " + "YWRtaW4=",  # "admin" without colon
                  "Bearer abc.def.ghi", 'Digest username="admin"',
                  "TargetToken " + api.server.password):
        r = requests.get(api.root + "/userinfo", headers={"Authorization": value}, timeout=10)
        _assert_401(r)


def test_unauthenticated_post_creates_nothing(api):
    cid = f"unauth-{uid()}"
    r = requests.post(api.root + "/targets", json=[{"controllerId": cid}], timeout=10)
    _assert_401(r)
    r = requests.post(api.root + "/targets", json=[{"controllerId": cid}],
                      auth=("admin", "nope"), timeout=10)
    _assert_401(r)
    assert api.get(f"/targets/{cid}").status_code == 404


def test_userinfo(api):
    body = expect_json(api.get("/userinfo"), 200)
    assert body["tenant"] == "DEFAULT"
    assert body["username"] == "admin"


def test_userinfo_with_explicit_header(api):
    r = requests.get(api.root + "/userinfo",
                     headers={"Authorization": basic_auth_header("admin", api.server.password)},
                     timeout=10)
    body = expect_json(r, 200)
    assert body["username"] == "admin"
