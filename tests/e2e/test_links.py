"""HAL _links: absolute URLs built from Host / X-Forwarded-* headers."""

import os

from falconet_e2e import expect_json, link, multipart


def test_links_use_request_host_by_default(api):
    t = api.create_target()
    assert link(t, "self") == f"{api.base}/rest/v1/targets/{t['controllerId']}"
    assert api.base.startswith("http://127.0.0.1:")


def test_links_follow_host_header(api):
    t = api.create_target()
    cid = t["controllerId"]
    got = expect_json(api.get(f"/targets/{cid}", headers={"Host": "myhost.example:8081"}), 200)
    assert link(got, "self") == f"http://myhost.example:8081/rest/v1/targets/{cid}"
    got = expect_json(api.get(f"/targets/{cid}", headers={"Host": "plainhost"}), 200)
    assert link(got, "self") == f"http://plainhost/rest/v1/targets/{cid}"


def test_forwarded_proto_and_host(api):
    t = api.create_target()
    cid = t["controllerId"]
    h = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ota.example.com"}
    got = expect_json(api.get(f"/targets/{cid}", headers=h), 200)
    href = link(got, "self")
    assert href in (f"https://ota.example.com/rest/v1/targets/{cid}",
                    f"https://ota.example.com:443/rest/v1/targets/{cid}"), href


def test_forwarded_port(api):
    t = api.create_target()
    cid = t["controllerId"]
    h = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ota.example.com",
         "X-Forwarded-Port": "8443"}
    got = expect_json(api.get(f"/targets/{cid}", headers=h), 200)
    assert link(got, "self") == f"https://ota.example.com:8443/rest/v1/targets/{cid}"
    # a port inside X-Forwarded-Host is kept
    h = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ota.example.com:9443"}
    got = expect_json(api.get(f"/targets/{cid}", headers=h), 200)
    assert link(got, "self") == f"https://ota.example.com:9443/rest/v1/targets/{cid}"


def test_forwarded_proto_only_keeps_host(api):
    t = api.create_target()
    cid = t["controllerId"]
    got = expect_json(api.get(f"/targets/{cid}", headers={"X-Forwarded-Proto": "https",
                                                          "Host": "edge.example.net"}), 200)
    assert link(got, "self") == f"https://edge.example.net/rest/v1/targets/{cid}"


def test_forwarded_links_on_create_and_lists(api):
    h = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ota.example.com",
         "X-Forwarded-Port": "8443"}
    base = "https://ota.example.com:8443/rest/v1"
    sm = expect_json(api.post("/softwaremodules", headers=h,
                              json=[{"name": f"lnk-{os.urandom(4).hex()}", "version": "1",
                                     "type": "os"}]), 201)[0]
    assert link(sm, "self") == f"{base}/softwaremodules/{sm['id']}"
    assert link(sm, "artifacts") == f"{base}/softwaremodules/{sm['id']}/artifacts"

    body, ctype = multipart(b"abc", "l.bin")
    hh = dict(h)
    hh["Content-Type"] = ctype
    art = expect_json(api.post(f"/softwaremodules/{sm['id']}/artifacts", data=body, headers=hh), 201)
    assert link(art, "self") == f"{base}/softwaremodules/{sm['id']}/artifacts/{art['id']}"
    assert link(art, "download") == f"{base}/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"
    arts = expect_json(api.get(f"/softwaremodules/{sm['id']}/artifacts", headers=h), 200)
    assert link(arts[0], "self") == f"{base}/softwaremodules/{sm['id']}/artifacts/{art['id']}"

    ds = expect_json(api.post("/distributionsets", headers=h,
                              json=[{"name": f"lnk-{os.urandom(4).hex()}", "version": "1",
                                     "type": "os"}]), 201)[0]
    assert link(ds, "self") == f"{base}/distributionsets/{ds['id']}"
    assert link(ds, "assignedSM") == f"{base}/distributionsets/{ds['id']}/assignedSM"
    api.add_modules(ds["id"], [sm["id"]])

    t = expect_json(api.post("/targets", headers=h,
                             json=[{"controllerId": f"lnk-{os.urandom(4).hex()}"}]), 201)[0]
    cid = t["controllerId"]
    assert link(t, "self") == f"{base}/targets/{cid}"
    res = expect_json(api.post(f"/targets/{cid}/assignedDS", headers=h,
                               json={"id": ds["id"], "type": "forced"}), 200)
    aid = res["assignedActions"][0]["id"]
    assert link(res["assignedActions"][0], "self") == f"{base}/targets/{cid}/actions/{aid}"
    action = expect_json(api.get(f"/targets/{cid}/actions/{aid}", headers=h), 200)
    assert link(action, "self") == f"{base}/targets/{cid}/actions/{aid}"
    for key, val in action["_links"].items():
        assert val["href"].startswith(base + "/"), (key, val)

    page = expect_json(api.get("/targets", headers=h, params={"limit": 5}), 200)
    for item in page["content"]:
        assert link(item, "self").startswith(f"{base}/targets/")
    for path in ("/softwaremoduletypes", "/distributionsettypes", "/distributionsets",
                 "/softwaremodules"):
        page = expect_json(api.get(path, headers=h, params={"limit": 3}), 200)
        assert page["content"], path
        for item in page["content"]:
            assert link(item, "self").startswith(base + path + "/"), (path, item["_links"])


def test_target_detail_links_absolute(api):
    t = api.create_target()
    cid = t["controllerId"]
    got = expect_json(api.get(f"/targets/{cid}"), 200)
    for key, val in got["_links"].items():
        assert val["href"].startswith(f"{api.base}/rest/v1/"), (key, val)
    for name in ("assignedDS", "installedDS", "attributes", "actions"):
        assert link(got, name).startswith(f"{api.base}/rest/v1/targets/{cid}/{name}"), name
