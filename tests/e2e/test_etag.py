"""ETag / If-None-Match on JSON GETs (hawkBit's shallow ETag filter, reference a.3)."""

import hashlib
import os
import re

from falconet_e2e import assert_error, describe, expect_json, uid


def _shallow_etag(r):
    """The ETag hawkBit's filter puts on a JSON body: "0" + MD5 hex, quoted."""
    return '"0' + hashlib.md5(r.content).hexdigest() + '"'


def _get_200(api, path, **kw):
    r = api.get(path, **kw)
    expect_json(r, 200)
    assert re.fullmatch(r'"0[0-9a-f]{32}"', r.headers.get("ETag", "")), describe(r)
    assert r.headers["ETag"] == _shallow_etag(r)
    return r


def _get_304(api, path, if_none_match):
    r = api.get(path, headers={"If-None-Match": if_none_match})
    assert r.status_code == 304, describe(r)
    assert r.content == b""
    return r


def test_json_gets_carry_the_shallow_etag(api):
    t = api.create_target()
    sm = api.create_sm("os")
    for path in ("/targets", f"/targets/{t['controllerId']}", "/softwaremodules",
                 f"/softwaremodules/{sm['id']}", "/softwaremoduletypes", "/userinfo"):
        _get_200(api, path)
    # the same body gives the same tag, whichever JSON flavour was negotiated
    a = _get_200(api, f"/targets/{t['controllerId']}")
    b = _get_200(api, f"/targets/{t['controllerId']}", headers={"Accept": "application/json"})
    assert a.headers["ETag"] == b.headers["ETag"]


def test_list_not_modified_until_the_data_changes(api):
    first = _get_200(api, "/targets")
    etag = first.headers["ETag"]
    r = _get_304(api, "/targets", etag)
    assert r.headers["ETag"] == etag
    api.create_target()
    r = _get_200(api, "/targets", headers={"If-None-Match": etag})
    assert r.headers["ETag"] != etag
    _get_304(api, "/targets", r.headers["ETag"])


def test_if_none_match_forms(api):
    cid = api.create_target(description="d1")["controllerId"]
    path = f"/targets/{cid}"
    etag = _get_200(api, path).headers["ETag"]
    _get_304(api, path, etag)
    _get_304(api, path, f'"0{"0" * 32}", {etag}')  # a list holding it
    _get_304(api, path, "W/" + etag)                # weak comparison
    _get_304(api, path, "*")
    for other in ('"0' + "0" * 32 + '"', etag.strip('"'), etag[:-2] + '"', "garbage"):
        r = api.get(path, headers={"If-None-Match": other})
        assert r.status_code == 200 and r.headers["ETag"] == etag, (other, describe(r))
        assert r.json()["controllerId"] == cid
    r = api.request("HEAD", path, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.headers["ETag"] == etag
    r = api.request("HEAD", path)
    assert r.status_code == 200 and r.headers["ETag"] == etag

    # an update changes the body, so the old tag no longer matches
    expect_json(api.put(path, json={"description": "d2"}), 200)
    r = _get_200(api, path, headers={"If-None-Match": etag})
    assert r.json()["description"] == "d2" and r.headers["ETag"] != etag


def test_only_successful_json_gets(api):
    cid = f"t-{uid()}"
    r = api.post("/targets", json=[{"controllerId": cid}], headers={"If-None-Match": "*"})
    expect_json(r, 201)
    assert "ETag" not in r.headers
    r = api.put(f"/targets/{cid}", json={"description": "x"}, headers={"If-None-Match": "*"})
    expect_json(r, 200)
    assert "ETag" not in r.headers
    r = api.get(f"/targets/nope-{uid()}", headers={"If-None-Match": "*"})
    assert_error(r, 404)
    assert "ETag" not in r.headers
    r = api.get(f"/targets/{cid}/attributes", headers={"If-None-Match": "*"})
    assert r.status_code == 204 and "ETag" not in r.headers


def test_artifact_download_keeps_its_sha1_etag(api):
    """Downloads are outside the JSON filter: their ETag is the artifact's SHA-1 and
    If-None-Match does not turn them into a 304 (as in hawkBit)."""
    sm = api.create_sm("os")
    data = os.urandom(3000)
    art = api.upload(sm["id"], "etag.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"
    sha1 = f'"{art["hashes"]["sha1"]}"'
    for header in ({}, {"If-None-Match": sha1}, {"If-None-Match": "*"}):
        r = api.get(url, headers=header)
        assert r.status_code == 200 and r.content == data, (header, describe(r))
        assert r.headers["ETag"] == sha1
    # the artifact's JSON metadata is a JSON GET like any other
    r = _get_200(api, f"/softwaremodules/{sm['id']}/artifacts/{art['id']}")
    _get_304(api, f"/softwaremodules/{sm['id']}/artifacts/{art['id']}", r.headers["ETag"])
