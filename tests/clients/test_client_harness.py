"""The client tooling itself, without a server: a signed .swu passes SWUpdate's dry run (and
a tampered or incompatible one does not); a `rauc bundle` passes `rauc info --keyring`
(and a tampered one, or one checked against another key, does not)."""

import os

from falconet_clients import (build_rauc_bundle, build_swu, make_cert, rauc_info,
                              swupdate_dry_run)


def test_swu_is_cpio_newc_with_description_first(cert, workdir):
    swu = build_swu(workdir, cert, os.urandom(3000), os.path.join(workdir, "out", "fw.bin"))
    data = swu.data
    assert data[:6] == b"070701", "not a cpio newc archive"
    # first member name follows the 110-byte newc header
    namesize = int(data[94:102], 16)
    assert data[110:110 + namesize - 1] == b"sw-description", data[110:140]
    order = [data.find(n) for n in (b"sw-description\x00", b"sw-description.sig\x00", b"payload.bin\x00")]
    assert -1 not in order and order == sorted(order), order


def test_swu_dry_run_accepts_signed_image(cert, workdir):
    target_file = os.path.join(workdir, "out", "fw.bin")
    swu = build_swu(workdir, cert, os.urandom(4096), target_file)
    valid, rc, log = swupdate_dry_run(swu.path, cert, workdir)
    assert valid, f"dry run rejected the image (rc={rc})\n{log[-6000:]}"
    assert "Hardware compatibility verified" in log, log[-4000:]
    assert "Verified OK" in log, log[-4000:]
    assert not os.path.exists(target_file), "a dry run must not install the payload"


def test_swu_dry_run_rejects_wrong_hardware(cert, workdir):
    swu = build_swu(workdir, cert, os.urandom(1024), os.path.join(workdir, "out", "fw.bin"))
    valid, rc, log = swupdate_dry_run(swu.path, cert, workdir, hw="board:2.0")
    assert not valid, f"image accepted on hardware 2.0 (rc={rc})\n{log[-4000:]}"
    assert "not compatible with hardware" in log, log[-4000:]


def test_swu_dry_run_rejects_foreign_signer(cert, workdir):
    other = make_cert(os.path.join(workdir, "other"), cn="someone-else")
    swu = build_swu(workdir, other, os.urandom(1024), os.path.join(workdir, "out", "fw.bin"))
    valid, rc, log = swupdate_dry_run(swu.path, cert, workdir)
    assert not valid, f"image signed by another key accepted (rc={rc})\n{log[-4000:]}"


def test_swu_dry_run_rejects_tampered_payload(cert, workdir):
    payload = os.urandom(2048)
    swu = build_swu(workdir, cert, payload, os.path.join(workdir, "out", "fw.bin"))
    data = bytearray(swu.data)
    at = bytes(data).find(payload)
    assert at > 0
    data[at + 100] ^= 0xFF
    bad = os.path.join(workdir, "tampered.swu")
    with open(bad, "wb") as f:
        f.write(data)
    valid, rc, log = swupdate_dry_run(bad, cert, workdir)
    assert not valid, f"tampered payload accepted (rc={rc})\n{log[-4000:]}"


def test_rauc_bundle_verifies(cert, workdir):
    b = build_rauc_bundle(workdir, cert, compatible="falconet-board", version="2.3.4", size=256 * 1024)
    rc, out = rauc_info(b.path, cert)
    assert rc == 0, out
    assert "falconet-board" in out and "2.3.4" in out, out
    assert "Verified" in out, out
    assert b.data[:4] == b"hsqs", "a plain bundle starts with a squashfs superblock"


def test_rauc_info_rejects_other_keyring_and_tampering(cert, workdir):
    b = build_rauc_bundle(workdir, cert, size=128 * 1024)
    other = make_cert(os.path.join(workdir, "other"), cn="someone-else")
    rc, out = rauc_info(b.path, other)
    assert rc != 0, "bundle verified against a foreign keyring:\n" + out
    data = bytearray(b.data)
    data[len(data) // 3] ^= 0xFF
    bad = os.path.join(workdir, "tampered.raucb")
    with open(bad, "wb") as f:
        f.write(data)
    rc, out = rauc_info(bad, cert)
    assert rc != 0, "tampered bundle verified:\n" + out
