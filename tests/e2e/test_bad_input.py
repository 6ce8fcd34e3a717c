"""Malformed, mistyped and oversize requests: 4xx in the hawkBit error format, nothing created,
and the server keeps running."""

import base64
import json

import pytest

from falconet_e2e import (NOT_READABLE, assert_error, expect_json, raw_request, uid)

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("raw", [
    b'[{"controllerId": "x"',            # truncated
    b'[{"controllerId": "x",}]',         # trailing comma
    b"[{controllerId: 'x'}]",            # not JSON
    b"",                                 # empty body
    b"null",
    b'[{"controllerId": "x"}] trailing garbage',
    b"\xff\xfe\x00garbage",
])
def test_malformed_json_targets(api, raw):
    cid = f"malformed-{uid()}"
    raw = raw.replace(b"'x'", f"'{cid}'".encode()).replace(b'"x"', f'"{cid}"'.encode())
    total = api.total("/targets")
    r = api.post("/targets", data=raw, headers=JSON)
    assert_error(r, 400, NOT_READABLE)
    assert api.total("/targets") == total
    assert api.get(f"/targets/{cid}").status_code == 404


@pytest.mark.parametrize("path,payload", [
    ("/targets", {"controllerId": "obj-not-array"}),
    ("/targets", "just a string"),
    ("/targets", 42),
    ("/targets", [["nested"]]),
    ("/targets", [{"controllerId": ["list"]}]),
    ("/targets", [{"controllerId": {"obj": 1}}]),
    ("/softwaremodules", {"name": "n", "version": "1", "type": "os"}),
    ("/softwaremodules", [{"name": ["n"], "version": "1", "type": "os"}]),
    ("/distributionsets", {"name": "n", "version": "1", "type": "os"}),
    ("/softwaremoduletypes", {"key": "k", "name": "n", "maxAssignments": 1}),
    ("/softwaremoduletypes", [{"key": "k-" + "x", "name": "n", "maxAssignments": "many"}]),
])
def test_wrong_json_types_create_nothing(api, path, payload):
    total = api.total(path)
    r = api.post(path, json=payload)
    assert_error(r, 400)
    assert api.total(path) == total


def test_string_where_int_expected(api):
    ds, sm = api.complete_ds()
    cid = api.create_target()["controllerId"]
    assert_error(api.post(f"/targets/{cid}/assignedDS", json={"id": "abc", "type": "forced"}), 400)
    assert_error(api.post(f"/targets/{cid}/assignedDS", json={"type": "forced"}), 400)
    assert_error(api.post(f"/targets/{cid}/assignedDS", json={"id": ds["id"], "forcetime": "soon",
                                                              "type": "timeforced"}), 400)
    assert api.get(f"/targets/{cid}/assignedDS").status_code == 204
    other = api.create_ds("os")
    assert_error(api.post(f"/distributionsets/{other['id']}/assignedSM", json=[{"id": "abc"}]), 400)
    assert_error(api.post(f"/distributionsets/{other['id']}/assignedSM", json={"id": sm["id"]}), 400)
    got = expect_json(api.get(f"/distributionsets/{other['id']}"), 200)
    assert not got.get("modules")


def test_malformed_json_on_put_and_configs(api):
    t = api.create_target(name="keep")
    cid = t["controllerId"]
    assert_error(api.put(f"/targets/{cid}", data=b'{"name": ', headers=JSON), 400, NOT_READABLE)
    assert_error(api.put(f"/targets/{cid}", json=["array", "not", "object"]), 400)
    assert expect_json(api.get(f"/targets/{cid}"), 200)["name"] == "keep"
    assert_error(api.put("/system/configs/pollingTime", data=b"{value:", headers=JSON), 400)


def test_non_numeric_ids_in_path(api):
    for path in ("/softwaremodules/abc", "/distributionsets/1x", "/softwaremoduletypes/-",
                 "/distributionsettypes/9999999999999999999999"):
        r = api.get(path)
        assert r.status_code in (400, 404), f"{path}: {r.status_code}"
        assert_error(r, (400, 404))


def test_non_numeric_paging_params_400(api):
    assert_error(api.get("/targets", params={"offset": "abc"}), 400)
    assert_error(api.get("/targets", params={"limit": "ten"}), 400)


def test_deeply_nested_json(api):
    total = api.total("/targets")
    body = b"[" * 200_000 + b"]" * 200_000
    r = api.post("/targets", data=body, headers=JSON)
    assert 400 <= r.status_code < 500, r.status_code
    assert_error(r, (400, 413))
    assert api.total("/targets") == total
    assert api.alive()


def _oversize_targets_body(prefix, min_size):
    items = []
    size = 2
    i = 0
    while size < min_size:
        item = {"controllerId": f"{prefix}{i:06d}", "description": "d" * 400}
        items.append(item)
        size += len(json.dumps(item)) + 2
        i += 1
    return json.dumps(items).encode(), [it["controllerId"] for it in (items[0], items[-1])]


def test_oversize_json_body(api, server):
    prefix = f"big-{uid()}-"
    body, probe_ids = _oversize_targets_body(prefix, int(1.5 * 1024 * 1024))
    assert len(body) > 1024 * 1024
    total = api.total("/targets")
    auth = base64.b64encode(f"admin:{server.password}".encode()).decode()
    port = server.process().port  # a falconet process's own answer (see Server.process)
    head = (f"POST /rest/v1/targets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Basic {auth}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    status, headers, resp = raw_request(port, head, body)
    assert status in (400, 413), f"oversize JSON answered {status}: {resp[:300]!r}"
    assert "json" in headers.get("content-type", ""), headers
    err = json.loads(resp.decode()) if "chunked" not in headers.get("transfer-encoding", "") else None
    if err is not None:
        assert err["errorCode"].startswith("hawkbit.server.error.") and err["message"]
    assert api.total("/targets") == total
    for cid in probe_ids:
        assert api.get(f"/targets/{cid}").status_code == 404


def test_unknown_path_and_method(api):
    r = api.get(f"/nosuchresource-{uid()}")
    assert r.status_code == 404
    r = api.request("PATCH", "/targets")
    assert r.status_code in (404, 405)


def test_server_survives(api):
    """Runs last in this module: after all of the above a plain GET still works."""
    body = expect_json(api.get("/userinfo"), 200)
    assert body["username"] == "admin"
    expect_json(api.get("/targets"), 200)
