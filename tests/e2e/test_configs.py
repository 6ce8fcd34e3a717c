"""Phase 1 tenant configuration: /rest/v1/system/configs."""

import pytest

from falconet_e2e import (CONFIG_KEY_INVALID, CONFIG_VALUE_INVALID, assert_epoch_ms,
                          assert_error, expect, expect_json, uid)

KNOWN_KEYS = (
    "pollingTime",
    "pollingOverdueTime",
    "authentication.targettoken.enabled",
    "authentication.gatewaytoken.enabled",
    "authentication.gatewaytoken.key",
    "authentication.header.enabled",
    "authentication.header.authority",
)

CFG = "/system/configs/"


def _assert_overridden(body, value):
    assert body["value"] == value, body
    assert body["global"] is False, body
    assert body["lastModifiedBy"] == "admin", body
    assert body["createdBy"] == "admin", body
    assert_epoch_ms(body["lastModifiedAt"], "lastModifiedAt")
    assert_epoch_ms(body["createdAt"], "createdAt")


def test_put_targettoken_enabled_returns_value_body(api):
    key = "authentication.targettoken.enabled"
    body = expect_json(api.put(CFG + key, json={"value": True}), 200)
    _assert_overridden(body, True)
    # and it reads back the same
    body = expect_json(api.get(CFG + key), 200)
    _assert_overridden(body, True)


def test_put_polling_time(api):
    body = expect_json(api.put(CFG + "pollingTime", json={"value": "00:05:00"}), 200)
    _assert_overridden(body, "00:05:00")
    body = expect_json(api.get(CFG + "pollingTime"), 200)
    assert body["value"] == "00:05:00"
    assert body["global"] is False


def test_get_all_configs_is_object_keyed_by_name(api):
    body = expect_json(api.get("/system/configs"), 200)
    assert isinstance(body, dict), body
    for key in KNOWN_KEYS:
        assert key in body, f"{key} missing from {sorted(body)}"
        entry = body[key]
        assert isinstance(entry, dict) and "value" in entry and isinstance(entry.get("global"), bool), \
            (key, entry)
    assert isinstance(body["authentication.targettoken.enabled"]["value"], bool)
    assert isinstance(body["authentication.gatewaytoken.enabled"]["value"], bool)
    assert isinstance(body["authentication.header.enabled"]["value"], bool)
    assert isinstance(body["pollingTime"]["value"], str)
    assert isinstance(body["authentication.gatewaytoken.key"]["value"], str)


def test_get_all_reflects_a_put(api):
    token = "gw-" + uid()
    expect(api.put(CFG + "authentication.gatewaytoken.key", json={"value": token}), 200)
    body = expect_json(api.get("/system/configs"), 200)
    assert body["authentication.gatewaytoken.key"]["value"] == token
    assert body["authentication.gatewaytoken.key"]["global"] is False
    expect(api.delete(CFG + "authentication.gatewaytoken.key"), 200)


def test_delete_polling_time_reverts_to_default(api):
    body = expect_json(api.put(CFG + "pollingTime", json={"value": "00:01:30"}), 200)
    assert body["value"] == "00:01:30"
    expect(api.delete(CFG + "pollingTime"), 200)
    body = expect_json(api.get(CFG + "pollingTime"), 200)
    assert body["value"] == "00:05:00", body
    assert body["global"] is True, body
    # put it back the way the guide sets it
    expect(api.put(CFG + "pollingTime", json={"value": "00:05:00"}), 200)


def test_delete_bool_key_reverts_to_default(api):
    key = "authentication.header.enabled"
    body = expect_json(api.put(CFG + key, json={"value": True}), 200)
    assert body["value"] is True
    expect(api.delete(CFG + key), 200)
    body = expect_json(api.get(CFG + key), 200)
    assert body["value"] is False, body
    assert body["global"] is True, body


def test_delete_string_key_reverts_to_default(api):
    key = "authentication.header.authority"
    expect(api.put(CFG + key, json={"value": "abc123,def456"}), 200)
    assert expect_json(api.get(CFG + key), 200)["value"] == "abc123,def456"
    expect(api.delete(CFG + key), 200)
    body = expect_json(api.get(CFG + key), 200)
    assert body["value"] == "", body
    assert body["global"] is True, body


def test_polling_overdue_time_roundtrip(api):
    body = expect_json(api.put(CFG + "pollingOverdueTime", json={"value": "00:07:00"}), 200)
    _assert_overridden(body, "00:07:00")
    expect(api.delete(CFG + "pollingOverdueTime"), 200)
    body = expect_json(api.get(CFG + "pollingOverdueTime"), 200)
    assert body["value"] == "00:05:00" and body["global"] is True, body


def test_unknown_key_400(api):
    key = "no.such.key." + uid()
    assert_error(api.get(CFG + key), 400, CONFIG_KEY_INVALID)
    assert_error(api.put(CFG + key, json={"value": True}), 400, CONFIG_KEY_INVALID)
    body = expect_json(api.get("/system/configs"), 200)
    assert key not in body


@pytest.mark.parametrize("key,value", [
    ("pollingTime", "abc"),
    ("pollingTime", "5 minutes"),
    ("pollingTime", True),
    ("pollingOverdueTime", "99:99:99"),
    ("authentication.targettoken.enabled", "yes"),
    ("authentication.gatewaytoken.enabled", 1),
    ("authentication.header.enabled", "true-ish"),
])
def test_bad_value_400_and_value_unchanged(api, key, value):
    before = expect_json(api.get(CFG + key), 200)["value"]
    assert_error(api.put(CFG + key, json={"value": value}), 400, CONFIG_VALUE_INVALID)
    after = expect_json(api.get(CFG + key), 200)["value"]
    assert after == before


def test_put_without_value_field_400(api):
    before = expect_json(api.get(CFG + "pollingTime"), 200)["value"]
    assert_error(api.put(CFG + "pollingTime", json={"nothing": 1}), 400)
    assert expect_json(api.get(CFG + "pollingTime"), 200)["value"] == before
