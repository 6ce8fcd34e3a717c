"""A verifying reverse proxy for S3 SigV4: it sits in front of s3rver (which accepts any
signature) and checks every request the way S3 does before forwarding it.

For each request it recomputes the AWS Signature Version 4 from what it received —
method, path, query, the headers named in SignedHeaders, x-amz-content-sha256 — with
the known secret, using botocore's signer (Debian's awscli ships botocore), and
answers S3's XML error on any mismatch:

- header authentication (Authorization: AWS4-HMAC-SHA256 ...): credential scope
  (known access key, date = X-Amz-Date's, region, "s3", "aws4_request"), host and
  every x-amz-* header signed, X-Amz-Date within 15 minutes (RequestTimeTooSkewed),
  the signature (SignatureDoesNotMatch), and the body against x-amz-content-sha256
  (XAmzContentSHA256Mismatch);
- query authentication (presigned URLs, X-Amz-* parameters): the same scope checks,
  X-Amz-Expires (1 s to 7 days) and the expiry (AccessDenied "Request has expired"),
  and the signature over an UNSIGNED-PAYLOAD canonical request;
- no authentication at all: AccessDenied.

The canonical request is built as S3 builds it, from the decoded request: each path
segment and each query name and value is percent-decoded and encoded again with
SigV4's UriEncode, and the query is sorted. So a client that signed anything else
than what it sent, or encoded a key differently from S3, fails here as it would
against AWS.

Accepted requests are forwarded to the upstream over one keep-alive connection per
client connection and the answer relayed as it arrives. A request body is read whole
before it is forwarded only up to BUFFER_LIMIT (one upload part is 8 MiB), so its
hash can be checked before s3rver sees it; a larger body is streamed and its hash
checked at the end (a mismatch then answers 400 instead of s3rver's reply).

`stats` counts what was verified and refused, and client connections (to see
keep-alive reuse); `clock_offset` moves the proxy's clock (to test expiry).

Standalone: python3 sigv4_proxy.py --upstream http://127.0.0.1:4568 --port 4569
"""

import argparse
import collections
import datetime
import hashlib
import hmac
import http.client
import http.server
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
import uuid
import warnings
from xml.sax.saxutils import escape

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # botocore's urllib3 imports
    try:
        import awscli  # noqa: F401  (Debian's awscli makes its bundled botocore importable)
    except ImportError:
        pass
    from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

BUFFER_LIMIT = 16 * 1024 * 1024
MAX_SKEW = 15 * 60
CHUNK = 256 * 1024
HOP_BY_HOP = {"connection", "expect", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization"}
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class Refused(Exception):
    """An S3 error: status, Code, Message and extra elements for the XML body."""

    def __init__(self, status, code, message, **extra):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _uri_encode(raw, keep_slash):
    """SigV4 UriEncode of the percent-decoded text raw."""
    return urllib.parse.quote(urllib.parse.unquote_to_bytes(raw), safe="/" if keep_slash else "")


def canonical_path(raw_path):
    return _uri_encode(raw_path, True) or "/"


def query_params(raw_query):
    """[(name, value)] decoded from the raw query ('+' is a plus, as S3 reads it)."""
    out = []
    if raw_query:
        for pair in raw_query.split("&"):
            name, _, value = pair.partition("=")
            out.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
    return out


def _amz_time(text):
    try:
        return datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except (TypeError, ValueError):
        raise Refused(403, "AccessDenied", f"invalid X-Amz-Date {text!r}")


class Verifier:
    """Checks SigV4 (header or query authentication) of one received request."""

    def __init__(self, access_key, secret_key, region="us-east-1"):
        self.secrets = {access_key: secret_key}
        self.region = region
        self.clock_offset = 0.0

    def now(self):
        return time.time() + self.clock_offset

    def _scope(self, credential, amz_date):
        parts = credential.split("/")
        if len(parts) != 5:
            raise Refused(400, "AuthorizationHeaderMalformed", f"bad credential {credential!r}")
        key, date, region, service, term = parts
        if key not in self.secrets:
            raise Refused(403, "InvalidAccessKeyId",
                          "The AWS Access Key Id you provided does not exist in our records.",
                          AWSAccessKeyId=key)
        if date != amz_date[:8] or region != self.region or service != "s3" \
                or term != "aws4_request":
            raise Refused(400, "AuthorizationHeaderMalformed",
                          f"credential scope {credential!r} does not match date "
                          f"{amz_date[:8]}, region {self.region}, service s3")
        return key

    @staticmethod
    def _signed_headers(names, headers):
        """{name: [values]} of the signed headers as received; host must be one."""
        names = names.split(";")
        if names != sorted(set(names)) or "host" not in names:
            raise Refused(400, "AuthorizationHeaderMalformed",
                          f"SignedHeaders {';'.join(names)!r} unsorted or without host")
        out = {}
        for n in names:
            values = headers.get_all(n)
            if not values:
                raise Refused(403, "AccessDenied", f"signed header {n} is not in the request")
            out[n] = values
        return out

    def _compare(self, signer, request, timestamp, key, given):
        request.context["timestamp"] = timestamp
        canonical = signer.canonical_request(request)
        to_sign = signer.string_to_sign(request, canonical)
        want = signer.signature(to_sign, request)
        if not hmac.compare_digest(want, given):
            raise Refused(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature "
                          "you provided. Check your key and signing method.",
                          AWSAccessKeyId=key, StringToSign=to_sign, CanonicalRequest=canonical)

    @staticmethod
    def _request(method, path, params, signed):
        # botocore signs the headers it is given (all of them here) plus host.
        req = AWSRequest(method=method, url="http://" + signed["host"][0] + path)
        for name, values in signed.items():
            if name != "host":
                for v in values:
                    req.headers.add_header(name, v)
        req.params = dict(params)
        if len(req.params) != len(params):
            raise Refused(400, "InvalidArgument", "repeated query parameter")
        return req

    def check(self, method, target, headers):
        """Verifies one request; returns ("header"|"query", x-amz-content-sha256 or None)
        or raises Refused."""
        raw_path, _, raw_query = target.partition("?")
        params = query_params(raw_query)
        names = {n for n, _ in params}
        if "X-Amz-Signature" in names or "X-Amz-Algorithm" in names:
            self._check_query(method, raw_path, params, headers)
            return "query", None
        auth = headers.get("Authorization")
        if not auth:
            raise Refused(403, "AccessDenied", "Access Denied (no SigV4 authentication)")
        return "header", self._check_header(method, raw_path, params, headers, auth)

    def _check_header(self, method, raw_path, params, headers, auth):
        algo, _, rest = auth.partition(" ")
        fields = dict(f.strip().partition("=")[::2] for f in rest.split(","))
        if algo != "AWS4-HMAC-SHA256" or not {"Credential", "SignedHeaders", "Signature"} \
                <= fields.keys():
            raise Refused(400, "AuthorizationHeaderMalformed", f"bad Authorization {auth!r}")
        amz_date = headers.get("X-Amz-Date", "")
        when = _amz_time(amz_date)
        if abs(self.now() - when) > MAX_SKEW:
            raise Refused(403, "RequestTimeTooSkewed",
                          "The difference between the request time and the current time is "
                          "too large.", RequestTime=amz_date)
        key = self._scope(fields["Credential"], amz_date)
        signed = self._signed_headers(fields["SignedHeaders"], headers)
        unsigned = [n.lower() for n in headers.keys()
                    if n.lower().startswith("x-amz-") and n.lower() not in signed]
        if unsigned:
            raise Refused(403, "AccessDenied", "There were headers present in the request "
                          f"which were not signed: {', '.join(sorted(set(unsigned)))}")
        sha = headers.get("X-Amz-Content-SHA256")
        if not sha:
            raise Refused(400, "InvalidRequest", "Missing required header for this request: "
                          "x-amz-content-sha256")
        if sha != "UNSIGNED-PAYLOAD" and (len(sha) != 64 or sha.strip("0123456789abcdef")):
            raise Refused(400, "InvalidArgument", f"x-amz-content-sha256 {sha!r} not supported")
        signer = S3SigV4Auth(Credentials(key, self.secrets[key]), "s3", self.region)
        req = self._request(method, canonical_path(raw_path), params, signed)
        if signer.signed_headers(signer.headers_to_sign(req)) != fields["SignedHeaders"]:
            # botocore never signs expect / user-agent; a client that did is refused
            # rather than checked half.
            raise Refused(400, "AuthorizationHeaderMalformed",
                          f"cannot verify SignedHeaders {fields['SignedHeaders']!r}")
        self._compare(signer, req, amz_date, key, fields["Signature"])
        return sha

    def _check_query(self, method, raw_path, params, headers):
        q = dict(params)
        need = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                "X-Amz-SignedHeaders", "X-Amz-Signature"}
        if not need <= q.keys() or q["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
            raise Refused(400, "AuthorizationQueryParametersError",
                          f"missing or bad X-Amz-* parameters: {sorted(need - q.keys())}")
        amz_date = q["X-Amz-Date"]
        when = _amz_time(amz_date)
        try:
            expires = int(q["X-Amz-Expires"])
        except ValueError:
            expires = -1
        if not 1 <= expires <= 604800:
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Expires must be between 1 and 604800 seconds")
        key = self._scope(q["X-Amz-Credential"], amz_date)
        if when - self.now() > MAX_SKEW:
            raise Refused(403, "AccessDenied", "Request is not valid yet")
        if self.now() > when + expires:
            raise Refused(403, "AccessDenied", "Request has expired",
                          X_Amz_Expires=str(expires), Expires=amz_date)
        signed = self._signed_headers(q["X-Amz-SignedHeaders"], headers)
        rest = [(n, v) for n, v in params if n != "X-Amz-Signature"]
        signer = S3SigV4QueryAuth(Credentials(key, self.secrets[key]), "s3", self.region,
                                  expires=expires)
        req = self._request(method, canonical_path(raw_path), rest, signed)
        self._compare(signer, req, amz_date, key, q["X-Amz-Signature"])


def error_xml(e, resource):
    extra = "".join(f"<{k.replace('_', '-')}>{escape(str(v))}</{k.replace('_', '-')}>"
                    for k, v in e.extra.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{e.code}</Code>'
            f"<Message>{escape(e.message)}</Message>{extra}"
            f"<Resource>{escape(resource)}</Resource>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>").encode()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()  # "verified:header", "refused:<Code>", ...
        self.refusals = []  # (method, target, code, message), newest last
        self.connections = 0

    def add(self, what, n=1):
        with self.lock:
            self.counts[what] += n

    def snapshot(self):
        with self.lock:
            return dict(self.counts, connections=self.connections)

    @property
    def verified(self):
        with self.lock:
            return self.counts["verified:header"] + self.counts["verified:query"]

    @property
    def refused(self):
        with self.lock:
            return sum(v for k, v in self.counts.items() if k.startswith("refused:"))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sigv4-proxy"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY a kept-alive
        # connection waits for the peer's delayed ACK (40 ms) between them.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.stats.lock:
            self.server.stats.connections += 1
        self.upstream = None

    def finish(self):
        super().finish()
        if self.upstream:
            self.upstream.close()

    def log_message(self, fmt, *args):
        pass

    def _handle(self):
        srv = self.server
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return self._refuse(Refused(501, "NotImplemented", "chunked request bodies"))
        length = int(length) if length else 0
        try:
            kind, sha = srv.verifier.check(self.command, self.path, self.headers)
        except Refused as e:
            self._drain(length)
            return self._refuse(e)
        body = None
        if length <= BUFFER_LIMIT:
            body = self.rfile.read(length) if length else b""
            if sha and sha != "UNSIGNED-PAYLOAD" and hashlib.sha256(body).hexdigest() != sha:
                return self._refuse(Refused(
                    400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' "
                    "header does not match what was computed.", ClientComputedContentSHA256=sha,
                    S3ComputedContentSHA256=hashlib.sha256(body).hexdigest()))
        srv.stats.add(f"verified:{kind}")
        srv.stats.add(f"method:{self.command}")
        self._forward(body, length, sha)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle

    def _drain(self, length):
        if length > BUFFER_LIMIT:
            self.close_connection = True
            return
        while length > 0:
            got = self.rfile.read(min(length, CHUNK))
            if not got:
                break
            length -= len(got)

    def _refuse(self, e):
        srv = self.server
        srv.stats.add(f"refused:{e.code}")
        with srv.stats.lock:
            srv.stats.refusals.append((self.command, self.path, e.code, e.message))
        if srv.verbose:
            print(f"refused {self.command} {self.path}: {e}\n{e.extra}", file=sys.stderr,
                  flush=True)
        body = b"" if self.command == "HEAD" else error_xml(e, self.path.partition("?")[0])
        self.send_response(e.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _connect(self):
        if self.upstream is None:
            u = self.server.upstream
            self.upstream = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            self.upstream.connect()
            self.upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.upstream

    def _send_upstream(self, body, length, sha):
        up = self._connect()
        up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP:
                up.putheader(name, value)
        up.endheaders()
        if body is not None:
            up.send(body)
            return True
        h, left = hashlib.sha256(), length
        while left > 0:
            chunk = self.rfile.read(min(left, CHUNK))
            if not chunk:
                raise ConnectionError("client body cut short")
            h.update(chunk)
            up.send(chunk)
            left -= len(chunk)
        return sha in (None, "UNSIGNED-PAYLOAD") or h.hexdigest() == sha

    def _forward(self, body, length, sha):
        while True:
            fresh = self.upstream is None
            try:
                body_ok = self._send_upstream(body, length, sha)
                resp = self.upstream.getresponse()
                break
            except (OSError, http.client.HTTPException):
                if self.upstream:
                    self.upstream.close()
                    self.upstream = None
                # s3rver closes idle keep-alive connections after 5 s: a request that
                # met such a connection is sent again on a new one (when its body was
                # buffered and so can be sent again).
                if fresh or body is None:
                    self.close_connection = True
                    self.send_error(502, "upstream failed")
                    return
        if not body_ok:
            resp.read()
            return self._refuse(Refused(400, "XAmzContentSHA256Mismatch",
                                        "The provided 'x-amz-content-sha256' header does not "
                                        "match what was computed."))
        self._relay(resp)

    def _relay(self, resp):
        self.send_response_only(resp.status, resp.reason)
        length = resp.getheader("Content-Length")
        for name, value in resp.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        no_body = self.command == "HEAD" or resp.status in (204, 304) or resp.status < 200
        chunked = not no_body and length is None
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if no_body:
            resp.read()
            return
        while True:
            data = resp.read(CHUNK)
            if not data:
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        if resp.will_close:
            self.upstream.close()
            self.upstream = None


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream, access_key, secret_key, region="us-east-1", port=0):
        super().__init__(("127.0.0.1", port), Handler)
        self.upstream = urllib.parse.urlsplit(upstream)
        self.verifier = Verifier(access_key, secret_key, region)
        self.stats = Stats()
        self.thread = None
        self.verbose = False

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever, name="sigv4-proxy",
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


def main(argv=None):
    p = argparse.ArgumentParser(description="SigV4-verifying reverse proxy for an S3 server")
    p.add_argument("--upstream", required=True, help="http://host:port of the S3 server")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--access-key", default="S3RVER")
    p.add_argument("--secret-key", default="S3RVER")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--verbose", action="store_true", help="print every refusal")
    a = p.parse_args(argv)
    proxy = Proxy(a.upstream, a.access_key, a.secret_key, a.region, a.port)
    proxy.verbose = a.verbose
    print(f"verifying {proxy.endpoint} -> {a.upstream}", flush=True)
    try:
        proxy.serve_forever()
    except KeyboardInterrupt:
        pass
    print(proxy.stats.snapshot(), file=sys.stderr)


if __name__ == "__main__":
    main()
