"""When last-seen times reach the database (`ddi.flush_interval_ms`, `scheduler.interval_ms`).

A poll writes nothing; its time waits in memory for the flush interval (hawkBit's lazy poll
persistence), except a device's first contact, which goes out at the next scheduler tick so
that the target turns `registered` soon. Nothing buffered is lost at shutdown.
"""

import time

from falconet_e2e import Api, Server, expect, expect_json, new_device, uid, wait_until


def test_first_contact_goes_out_at_the_next_tick_repeats_wait_for_the_interval(tmp_path):
    srv = Server(tmp_path / "data", tmp_path / "server.log", password="flush-" + uid())
    srv.env.update({"FALCONET_DDI_FLUSH_INTERVAL_MS": "600000",
                    "FALCONET_SCHEDULER_INTERVAL_MS": "200"})
    srv.start()
    try:
        api = Api(srv)
        t, dev = new_device(api)
        path = f"/targets/{t['controllerId']}"
        assert expect_json(api.get(path), 200)["updateStatus"] == "unknown"

        expect(dev.poll(), 200)
        got = wait_until(lambda: (lambda x: x if x["updateStatus"] == "registered" else None)(
            expect_json(api.get(path), 200)), timeout=5, what="registered after the first poll")
        first = got["lastControllerRequestAt"]

        time.sleep(0.05)
        expect(dev.poll(), 200)
        time.sleep(1.0)  # five scheduler ticks: a repeat poll still waits for the interval
        assert expect_json(api.get(path), 200)["lastControllerRequestAt"] == first

        srv.stop()  # the final flush writes what was buffered
        srv.start()
        later = expect_json(Api(srv).get(path), 200)["lastControllerRequestAt"]
        assert later > first, (first, later)
    finally:
        srv.stop()
