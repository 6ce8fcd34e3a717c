"""Artifacts: upload, hashes, list/get, download with Range, delete, hostile input."""

import base64
import os
import socket
import time

import pytest

from falconet_e2e import (ALREADY_EXISTS, NOT_FOUND, assert_audit, assert_error, describe,
                          expect, expect_json, files_under, find_file_with_content, hashes_of,
                          link, multipart, start_cut_off_upload, uid)


@pytest.fixture
def sm(api):
    return api.create_sm("os")


def _artifacts(api, sm_id):
    body = expect_json(api.get(f"/softwaremodules/{sm_id}/artifacts"), 200)
    assert isinstance(body, list), f"artifact list must be a plain JSON array: {body}"
    return body


def test_upload_hashes_and_links(api, sm):
    data = os.urandom(100_000)
    art = api.upload(sm["id"], "encrypted-update.raucb", data)
    assert art["hashes"] == hashes_of(data)
    assert art["providedFilename"] == "encrypted-update.raucb"
    assert art["size"] == len(data)
    assert isinstance(art["id"], int)
    assert_audit(art)
    base = f"{api.root}/softwaremodules/{sm['id']}/artifacts/{art['id']}"
    assert link(art, "self") == base
    assert link(art, "download") == base + "/download"


def test_upload_with_requests_files_api(api, sm):
    """The guide's own Python client uses requests' files= (its own boundary/headers)."""
    data = os.urandom(4096)
    r = api.post(f"/softwaremodules/{sm['id']}/artifacts",
                 files={"file": ("update.raucb", data, "application/octet-stream")})
    art = expect_json(r, 201)
    assert art["providedFilename"] == "update.raucb"
    assert art["hashes"]["sha256"] == hashes_of(data)["sha256"]


def test_list_get_download(api, sm):
    d1, d2 = os.urandom(3000), os.urandom(5000)
    a1 = api.upload(sm["id"], "one.bin", d1)
    a2 = api.upload(sm["id"], "two.bin", d2)
    lst = _artifacts(api, sm["id"])
    assert sorted(a["id"] for a in lst) == sorted([a1["id"], a2["id"]])
    by_id = {a["id"]: a for a in lst}
    assert by_id[a1["id"]]["providedFilename"] == "one.bin"
    assert by_id[a2["id"]]["size"] == 5000
    assert by_id[a2["id"]]["hashes"] == hashes_of(d2)

    got = expect_json(api.get(f"/softwaremodules/{sm['id']}/artifacts/{a1['id']}"), 200)
    assert got["id"] == a1["id"] and got["hashes"] == hashes_of(d1) and got["size"] == 3000
    assert got["providedFilename"] == "one.bin"

    r = api.get(f"/softwaremodules/{sm['id']}/artifacts/{a1['id']}/download")
    assert r.status_code == 200, r.text[:200]
    assert r.content == d1
    assert int(r.headers["Content-Length"]) == len(d1)
    r = api.get(link(a2, "download"))
    assert r.status_code == 200 and r.content == d2


def test_empty_list(api, sm):
    assert _artifacts(api, sm["id"]) == []


def test_range_requests(api, sm):
    data = os.urandom(20_000)
    art = api.upload(sm["id"], "ranged.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"

    r = api.get(url, headers={"Range": "bytes=0-9"})
    assert r.status_code == 206, r.text[:200]
    assert r.content == data[:10]
    assert r.headers.get("Content-Range") == f"bytes 0-9/{len(data)}"

    r = api.get(url, headers={"Range": "bytes=1000-1999"})
    assert r.status_code == 206 and r.content == data[1000:2000]

    r = api.get(url, headers={"Range": "bytes=19990-"})
    assert r.status_code == 206 and r.content == data[19990:]

    r = api.get(url, headers={"Range": "bytes=-5"})
    assert r.status_code == 206 and r.content == data[-5:]

    r = api.get(url, headers={"Range": f"bytes={len(data) + 100}-"})
    assert r.status_code == 416, r.status_code
    assert r.headers.get("Content-Range") == f"bytes */{len(data)}"

    r = api.get(url, headers={"Range": f"bytes={len(data)}-{len(data) + 10}"})
    assert r.status_code == 416
    assert r.headers.get("Content-Range") == f"bytes */{len(data)}"


BOUNDARY = b"THIS_STRING_SEPARATES_MULTIPART"


def _byteranges(r, size):
    """Splits a multipart/byteranges body exactly as Falconet writes it (RFC 9110 14.6,
    no preamble, CRLF before every later delimiter) and returns [(first, last, bytes)].
    Parts are cut by their Content-Range lengths, not by searching the boundary."""
    assert r.status_code == 206, describe(r)
    assert r.headers["Content-Type"] == "multipart/byteranges; boundary=" + BOUNDARY.decode()
    assert "Content-Range" not in r.headers, "a multipart 206 has Content-Range per part only"
    body, pos, parts = r.content, 0, []
    while True:
        delim = (b"\r\n" if parts else b"") + b"--" + BOUNDARY
        assert body.startswith(delim, pos), (pos, body[pos:pos + 80])
        pos += len(delim)
        if body.startswith(b"--\r\n", pos):
            assert pos + 4 == len(body), "bytes after the closing delimiter"
            return parts
        assert body.startswith(b"\r\n", pos), body[pos:pos + 80]
        head_end = body.index(b"\r\n\r\n", pos)
        lines = body[pos + 2:head_end].decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines)
        assert headers["Content-Type"] == "application/octet-stream", headers
        unit, spec = headers["Content-Range"].split(" ")
        span, total = spec.split("/")
        first, last = (int(x) for x in span.split("-"))
        assert unit == "bytes" and int(total) == size and first <= last < size, headers
        pos = head_end + 4
        parts.append((first, last, body[pos:pos + last - first + 1]))
        pos += last - first + 1


def _assert_parts(r, data, want):
    assert int(r.headers["Content-Length"]) == len(r.content)
    parts = _byteranges(r, len(data))
    assert [(f, l) for f, l, _ in parts] == want
    for first, last, got in parts:
        assert got == data[first:last + 1], f"part {first}-{last} differs from the upload"


def test_multiple_ranges_multipart(api, sm):
    data = os.urandom(20_000)
    art = api.upload(sm["id"], "multi.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"

    r = api.get(url, headers={"Range": "bytes=0-9,100-199,-5"})
    _assert_parts(r, data, [(0, 9), (100, 199), (19995, 19999)])
    assert r.headers["ETag"] == f'"{art["hashes"]["sha1"]}"'
    assert r.headers["Accept-Ranges"] == "bytes"

    # adjacent ranges, an end past the size (clamped), whitespace around commas
    r = api.get(url, headers={"Range": "bytes=0-0 , 1-1,\t19990-99999"})
    _assert_parts(r, data, [(0, 0), (1, 1), (19990, 19999)])

    # the same connection still works: the body had exactly Content-Length bytes
    r = api.get(url, headers={"Range": "bytes=5-6"})
    assert r.status_code == 206 and r.content == data[5:7]

    # unsatisfiable members are dropped; one range left is a plain 206
    r = api.get(url, headers={"Range": "bytes=30000-,10-19"})
    assert r.status_code == 206, describe(r)
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert r.content == data[10:20]


def test_multiple_ranges_large_file(api, sm):
    """Parts much larger than the server's 64 KiB blocks, and many parts."""
    data = os.urandom(3 * 1024 * 1024 + 7)
    art = api.upload(sm["id"], "big-multi.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"
    r = api.get(url, headers={"Range": "bytes=1-1048576,2000000-"})
    _assert_parts(r, data, [(1, 1048576), (2000000, len(data) - 1)])
    spans = [(i * 100_000, i * 100_000 + 65_536) for i in range(16)]
    r = api.get(url, headers={"Range": "bytes=" + ",".join(f"{a}-{b}" for a, b in spans)})
    _assert_parts(r, data, spans)


@pytest.mark.parametrize("header", [
    "bytes=0-10,5-20",       # overlapping
    "bytes=0-9,9-19",        # sharing one byte
    "bytes=0-9,0-9",         # repeated
    "bytes=100-199,0-9",     # disjoint but backwards
    "bytes=-5,0-9",          # a suffix resolved before an earlier range
    "bytes=0-9,-19995",      # 0-9, then 5-19999
    "bytes=20000-",          # rauc-hawkbit-updater resuming a complete file
    "bytes=25000-",
    "bytes=20000-20010,30000-",
    "bytes=-0",
    "bytes=5-4",             # malformed bytes ranges are refused too, as hawkBit does
    "bytes=0-9,x",
    "bytes=0-9;",
    "bytes=",
])
def test_range_416(api, sm, header):
    data = os.urandom(20_000)
    art = api.upload(sm["id"], "r416.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"
    r = api.get(url, headers={"Range": header})
    assert r.status_code == 416, describe(r)
    assert r.headers.get("Content-Range") == "bytes */20000"
    assert r.content == b""


@pytest.mark.parametrize("header", ["items=0-9", "pages=1-2"])
def test_other_range_unit_serves_everything(api, sm, header):
    """RFC 9110: a Range in a unit the server does not know is ignored."""
    data = os.urandom(5000)
    art = api.upload(sm["id"], "bad-range.bin", data)
    r = api.get(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download",
                headers={"Range": header})
    assert r.status_code == 200, describe(r)
    assert r.content == data and "Content-Range" not in r.headers


def test_head_ignores_range(api, sm):
    data = os.urandom(12_345)
    art = api.upload(sm["id"], "head.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"
    for header in (None, "bytes=0-9", "bytes=0-9,20-29", "bytes=99999-"):
        r = api.request("HEAD", url, headers={"Range": header} if header else {})
        assert r.status_code == 200, (header, r.status_code)
        assert r.content == b""
        assert int(r.headers["Content-Length"]) == len(data)
        assert r.headers["Content-Type"] == "application/octet-stream"
        assert r.headers["ETag"] == f'"{art["hashes"]["sha1"]}"'
        assert "Content-Range" not in r.headers


def test_if_range(api, sm):
    data = os.urandom(10_000)
    art = api.upload(sm["id"], "ifrange.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"
    etag = f'"{art["hashes"]["sha1"]}"'
    ranges = "bytes=0-9,5000-5009"
    r = api.get(url, headers={"Range": ranges, "If-Range": etag})
    _assert_parts(r, data, [(0, 9), (5000, 5009)])
    r = api.get(url, headers={"Range": "bytes=10-19", "If-Range": etag})
    assert r.status_code == 206 and r.content == data[10:20]
    # a stale validator: the whole current file, 200
    for stale in ('"' + "0" * 40 + '"', "Thu, 01 Jan 1998 00:00:00 GMT"):
        for header in (ranges, "bytes=10-19", "bytes=0-5,3-4", "bytes=99999-"):
            r = api.get(url, headers={"Range": header, "If-Range": stale})
            assert r.status_code == 200, (stale, header, r.status_code)
            assert r.content == data and int(r.headers["Content-Length"]) == len(data)
            assert "Content-Range" not in r.headers


def test_if_match(api, sm):
    data = os.urandom(4000)
    art = api.upload(sm["id"], "ifmatch.bin", data)
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download"
    etag = f'"{art["hashes"]["sha1"]}"'
    for ok in (etag, "*", f'"other", {etag}', f"{etag},"):
        r = api.get(url, headers={"If-Match": ok})
        assert r.status_code == 200 and r.content == data, (ok, r.status_code)
    for bad in ('"' + "0" * 40 + '"', "W/" + etag, etag.strip('"'), "garbage"):
        r = api.get(url, headers={"If-Match": bad})
        assert r.status_code == 412, (bad, r.status_code)
        assert r.headers["ETag"] == etag and r.content == b""


def _open_fds_on(pid, path):
    real = os.path.realpath(path)
    hits = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            hits += os.readlink(f"/proc/{pid}/fd/{fd}") == real
        except OSError:
            pass
    return hits


def _s3_connections(pid, endpoint):
    """The established TCP connections of process pid to the S3 endpoint's port."""
    port = int(endpoint.rsplit(":", 1)[1])
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    n = 0
    with open(f"/proc/{pid}/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[3] == "01" and int(cols[2].split(":")[1], 16) == port and cols[9] in inodes:
                n += 1
    return n


def test_multipart_download_cut_off_closes_file(api, server, sm):
    """A client that goes away in the middle of a multipart/byteranges body: the file
    is closed (local store), or the part's S3 GET is dropped (S3)."""
    data = os.urandom(8 * 1024 * 1024)
    art = api.upload(sm["id"], "cut-multi.bin", data)
    s3_endpoint = server.env.get("FALCONET_STORAGE_S3_ENDPOINT")
    if s3_endpoint:
        # At most one kept-alive connection per thread that used S3: the workers (one
        # per core) and the main thread (start-up).
        blob_path = None
        limit = (os.cpu_count() or 2) + 1
    else:
        (blob_path,) = find_file_with_content(server.data_dir, data)
    auth = base64.b64encode(f"admin:{server.password}".encode()).decode()
    head = (f"GET /rest/v1/softwaremodules/{sm['id']}/artifacts/{art['id']}/download HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Basic {auth}\r\n"
            f"Range: bytes=0-3000000,4000000-\r\n\r\n").encode()
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(head)
        assert s.recv(4096).startswith(b"HTTP/1.1 206")
        s.close()
    def open_fds():  # on whichever process served the downloads
        return sum(_open_fds_on(pid, blob_path) for pid in server.pids)
    deadline = time.monotonic() + 10
    if s3_endpoint:
        def s3_connections():
            return max(_s3_connections(pid, s3_endpoint) for pid in server.pids)
        while s3_connections() > limit and time.monotonic() < deadline:
            time.sleep(0.1)
        n = s3_connections()
        assert n <= limit, f"{n} connections to S3 after cut-off downloads"
    else:
        while open_fds() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert open_fds() == 0, "the artifact stayed open after a cut-off"
    assert api.alive()
    r = api.get(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download",
                headers={"Range": "bytes=0-9,4000000-4000009"})
    _assert_parts(r, data, [(0, 9), (4000000, 4000009)])


def test_correct_checksums_accepted(api, sm):
    data = os.urandom(2048)
    h = hashes_of(data)
    art = api.upload(sm["id"], "form.bin", data,
                     fields={"md5sum": h["md5"], "sha1sum": h["sha1"], "sha256sum": h["sha256"]})
    assert art["hashes"] == h
    art = api.upload(sm["id"], "query.bin", data,
                     params={"md5sum": h["md5"], "sha1sum": h["sha1"], "sha256sum": h["sha256"]})
    assert art["hashes"] == h


@pytest.mark.parametrize("which", ["md5sum", "sha1sum", "sha256sum"])
@pytest.mark.parametrize("where", ["form", "query"])
def test_checksum_mismatch_400_nothing_stored(api, server, sm, which, where):
    data = os.urandom(4096)
    wrong = {"md5sum": "0" * 32, "sha1sum": "0" * 40, "sha256sum": "0" * 64}[which]
    before_files = files_under(server.data_dir)
    kw = {"fields": {which: wrong}} if where == "form" else {"params": {which: wrong}}
    r = api.upload(sm["id"], f"bad-{which}.bin", data, status=None, **kw)
    assert_error(r, 400)
    assert _artifacts(api, sm["id"]) == []
    time.sleep(0.2)
    new = set(files_under(server.data_dir)) - set(before_files)
    assert not new, f"files left behind by a rejected upload: {sorted(new)}"
    assert find_file_with_content(server.data_dir, data) == []
    # the module still accepts the same file with the right name afterwards
    art = api.upload(sm["id"], f"bad-{which}.bin", data)
    assert art["hashes"] == hashes_of(data)


def test_same_filename_twice_409(api, sm):
    a = api.upload(sm["id"], "same.bin", b"first content")
    r = api.upload(sm["id"], "same.bin", b"second content", status=None)
    assert_error(r, 409, ALREADY_EXISTS)
    lst = _artifacts(api, sm["id"])
    assert [x["id"] for x in lst] == [a["id"]]
    r = api.get(f"/softwaremodules/{sm['id']}/artifacts/{a['id']}/download")
    assert r.content == b"first content"
    # the same name in another module is fine
    other = api.create_sm("os")
    api.upload(other["id"], "same.bin", b"second content")


def test_missing_file_part_400(api, sm):
    body, ctype = multipart(b"data", "x.bin", field_name=b"notfile")
    r = api.post(f"/softwaremodules/{sm['id']}/artifacts", data=body,
                 headers={"Content-Type": ctype})
    assert_error(r, 400)
    r = api.post(f"/softwaremodules/{sm['id']}/artifacts", data=b"raw bytes",
                 headers={"Content-Type": "application/octet-stream"})
    assert 400 <= r.status_code < 500, r.status_code
    assert _artifacts(api, sm["id"]) == []


def test_delete_artifact(api, server, sm):
    data = os.urandom(7777)
    art = api.upload(sm["id"], "del.bin", data)
    assert find_file_with_content(server.blob_dir, data), "artifact bytes not in the store"
    url = f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"
    expect(api.delete(url), 200)
    assert_error(api.get(url), 404, NOT_FOUND)
    assert api.get(url + "/download").status_code == 404
    assert _artifacts(api, sm["id"]) == []
    assert_error(api.delete(url), 404, NOT_FOUND)
    # the bytes are gone from the store too
    time.sleep(0.2)
    assert find_file_with_content(server.blob_dir, data) == []


def test_unknown_module_and_artifact_404(api, sm):
    r = api.upload(987654321, "x.bin", b"abc", status=None)
    assert_error(r, 404, NOT_FOUND)
    assert_error(api.get("/softwaremodules/987654321/artifacts"), 404, NOT_FOUND)
    assert_error(api.get(f"/softwaremodules/{sm['id']}/artifacts/987654321"), 404, NOT_FOUND)
    assert api.get(f"/softwaremodules/{sm['id']}/artifacts/987654321/download").status_code == 404
    # an artifact id from another module is not reachable through this module
    other = api.create_sm("os")
    art = api.upload(other["id"], "o.bin", b"other")
    assert_error(api.get(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}"), 404)


def _outside_snapshot(server):
    """Files below the session base dir but outside the data dir (server logs excluded)."""
    data_dir = os.path.realpath(server.data_dir)
    own = {os.path.realpath(p) for p in server.own_files()}
    out = {}
    for p, size in files_under(server.base_dir, skip_db=False).items():
        rp = os.path.realpath(p)
        if rp.startswith(data_dir + os.sep) or rp in own:
            continue
        out[rp] = size
    return out


@pytest.mark.parametrize("kind", ["dotdot", "deep-dotdot", "absolute", "long", "nul", "slashes"])
def test_hostile_filenames_stay_in_data_dir(api, server, sm, kind):
    tag = uid()
    escape_name = f"falconet-escape-{tag}"
    names = {
        "dotdot": b"../../etc/passwd",
        "deep-dotdot": ("../" * 30 + "tmp/" + escape_name).encode(),
        "absolute": f"/tmp/{escape_name}".encode(),
        "long": b"L" * 4096,
        "nul": b"evil\x00" + escape_name.encode(),
        "slashes": f"a/b/../../../{escape_name}".encode(),
    }
    name = names[kind]
    data = f"hostile payload {tag}".encode() * 10
    passwd_stat = os.stat("/etc/passwd")
    before = _outside_snapshot(server)

    r = api.upload(sm["id"], name, data, status=None)
    assert r.status_code in (201, 400, 413), f"{kind}: {r.status_code} {r.text[:300]}"
    if r.status_code != 201:
        assert_error(r, (400, 413))

    assert api.alive(), "server stopped answering after a hostile filename"
    after = _outside_snapshot(server)
    assert set(after) == set(before), f"files appeared outside the data dir: {set(after) - set(before)}"
    assert not os.path.exists(f"/tmp/{escape_name}")
    assert not os.path.exists(f"/{escape_name}")
    st = os.stat("/etc/passwd")
    assert (st.st_mtime, st.st_size) == (passwd_stat.st_mtime, passwd_stat.st_size)
    lst = _artifacts(api, sm["id"])
    if r.status_code == 201:
        art = r.json()
        assert art["size"] == len(data) and art["hashes"] == hashes_of(data)
        assert [a["id"] for a in lst] == [art["id"]]
        dl = api.get(f"/softwaremodules/{sm['id']}/artifacts/{art['id']}/download")
        assert dl.status_code == 200 and dl.content == data
        hits = find_file_with_content(server.data_dir, data)
        assert hits, "stored artifact bytes not found under the data dir"
    else:
        assert lst == []
        assert find_file_with_content(server.data_dir, data) == []


def test_cut_off_upload_leaves_nothing(api, server, sm):
    before_files = files_under(server.data_dir)
    s = start_cut_off_upload(server, sm["id"], 10 * 1024 * 1024)
    chunk = os.urandom(64 * 1024)
    for _ in range(16):  # 1 MiB of body
        s.sendall(chunk)
    time.sleep(0.3)
    s.close()

    deadline = time.monotonic() + 5
    while True:
        time.sleep(0.5)
        new = set(files_under(server.data_dir)) - set(before_files)
        if not new or time.monotonic() > deadline:
            break
    assert not new, f"stray files after an aborted upload: {sorted(new)}"
    assert _artifacts(api, sm["id"]) == []
    # the module is still usable, also under the same filename
    art = api.upload(sm["id"], "cut.bin", b"complete")
    assert art["size"] == 8
    assert api.alive()


def test_cut_off_upload_repeated_does_not_leak_or_crash(api, server, sm):
    before_files = files_under(server.data_dir)
    auth = base64.b64encode(f"admin:{server.password}".encode()).decode()
    for i in range(5):
        boundary = "falconetCut" + uid()
        part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"cut{i}.bin\"\r\n\r\n").encode()
        head = (f"POST /rest/v1/softwaremodules/{sm['id']}/artifacts HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Basic {auth}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: 5000000\r\n\r\n").encode()
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(head + part + os.urandom(100_000 * (i + 1)))
        s.close()
    time.sleep(2)
    new = set(files_under(server.data_dir)) - set(before_files)
    assert not new, f"stray files after aborted uploads: {sorted(new)}"
    assert _artifacts(api, sm["id"]) == []
    assert api.alive()
