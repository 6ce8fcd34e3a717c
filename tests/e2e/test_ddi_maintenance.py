"""DDI and maintenance windows: `update: skip` outside a window, faster polling before
one, and the poll canceling an action whose schedule has no window left (hawkBit e.7, a.2)."""

import time

import requests



def _device(server, api):
    """A target created through the Management API, with its generated token."""
    target = api.create_target()
    cid = target["controllerId"]
    base = f"{server.base_url}/DEFAULT/controller/v1/{cid}"
    return cid, base, {"Authorization": f"TargetToken {target['securityToken']}"}


def _poll(base, headers):
    r = requests.get(base, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _deployment(base, headers, href):
    r = requests.get(href, headers=headers, timeout=10)
    assert r.status_code == 200, (href, r.status_code, r.text)
    return r.json()["deployment"]


def test_closed_window_skips_update(server, api):
    ds, _ = api.complete_ds()
    cid, base, headers = _device(server, api)
    window = {"schedule": "0 0 3 1 1 ? 2099", "duration": "01:00:00", "timezone": "+00:00"}
    api.assign(cid, ds["id"], "forced", maintenanceWindow=window)
    body = _poll(base, headers)
    dep = _deployment(base, headers, body["_links"]["deploymentBase"]["href"])
    assert dep["download"] == "forced"
    assert dep["update"] == "skip"
    assert dep["maintenanceWindow"] == "unavailable"
    # The window is decades away: the poll interval is not shortened below pollingTime.
    assert body["config"]["polling"]["sleep"] == "00:05:00"


def test_open_window_allows_update(server, api):
    ds, _ = api.complete_ds()
    cid, base, headers = _device(server, api)
    window = {"schedule": "0 * * ? * *", "duration": "00:59:00", "timezone": "+00:00"}
    api.assign(cid, ds["id"], "soft", maintenanceWindow=window)
    body = _poll(base, headers)
    dep = _deployment(base, headers, body["_links"]["deploymentBase"]["href"])
    assert dep["update"] == "attempt"
    assert dep["maintenanceWindow"] == "available"


def test_no_window_omits_field(server, api):
    ds, _ = api.complete_ds()
    cid, base, headers = _device(server, api)
    api.assign(cid, ds["id"], "forced")
    body = _poll(base, headers)
    dep = _deployment(base, headers, body["_links"]["deploymentBase"]["href"])
    assert "maintenanceWindow" not in dep
    assert dep["update"] == "forced"


def test_polling_shortened_before_window(server, api):
    """A window one hour ahead: sleep = time until it / maintenanceWindowPollCount (3)."""
    ds, _ = api.complete_ds()
    cid, base, headers = _device(server, api)
    start = time.gmtime(time.time() + 3600)
    schedule = f"{start.tm_sec} {start.tm_min} {start.tm_hour} {start.tm_mday} {start.tm_mon} ? {start.tm_year}"
    api.assign(cid, ds["id"], "forced",
               maintenanceWindow={"schedule": schedule, "duration": "00:10:00", "timezone": "Z"})
    sleep = _poll(base, headers)["config"]["polling"]["sleep"]
    # pollingTime is 5 minutes, shorter than 60 min / 3: the default wins.
    assert sleep == "00:05:00"
    start = time.gmtime(time.time() + 600)
    schedule = f"{start.tm_sec} {start.tm_min} {start.tm_hour} {start.tm_mday} {start.tm_mon} ? {start.tm_year}"
    ds2, _ = api.complete_ds()
    api.assign(cid, ds2["id"], "forced", weight=1000,
               maintenanceWindow={"schedule": schedule, "duration": "00:10:00", "timezone": "Z"})
    # The first action is now canceling and exposed first; acknowledge it.
    first = _poll(base, headers)["_links"]["cancelAction"]["href"]
    r = requests.post(first + "/feedback", headers=headers, timeout=10,
                      json={"status": {"execution": "closed", "result": {"finished": "success"}}})
    assert r.status_code == 200, r.text
    h, m, s = (int(x) for x in _poll(base, headers)["config"]["polling"]["sleep"].split(":"))
    seconds = h * 3600 + m * 60 + s
    assert 190 <= seconds <= 200, seconds  # 600 s / 3, minus the seconds the test took


def test_lapsed_window_cancels_on_poll(server, api):
    """A schedule whose only window is a few seconds long and just ahead: once it has
    passed, the next poll turns the action into a cancelation."""
    ds, _ = api.complete_ds()
    cid, base, headers = _device(server, api)
    start = time.gmtime(time.time() + 2)
    schedule = f"{start.tm_sec} {start.tm_min} {start.tm_hour} {start.tm_mday} {start.tm_mon} ? {start.tm_year}"
    aid = api.assign(cid, ds["id"], "forced",
                     maintenanceWindow={"schedule": schedule, "duration": "00:00:01",
                                        "timezone": "Z"})["assignedActions"][0]["id"]
    assert "deploymentBase" in _poll(base, headers)["_links"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        links = _poll(base, headers)["_links"]
        if "cancelAction" in links:
            break
        time.sleep(0.5)
    assert "cancelAction" in links, links
    action = api.action(cid, aid)
    assert action["status"] == "canceling"
