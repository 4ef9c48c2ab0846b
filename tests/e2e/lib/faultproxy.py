"""An HTTP proxy in front of a registry that injects faults per request path,
run in a thread of the test process on 127.0.0.1.

    p = FaultProxy(registry.host)
    p.add("/blobs/sha256:ab", "status", status=500)           # 500 once, then pass
    p.add("/manifests/t", "status", status=429, headers={"Retry-After": "1"})
    p.add("/blobs/sha256:ab", "cut", after=300000)            # drop the connection once
    p.add("/blobs/sha256:ab", "stall", after=1000, seconds=5) # go silent once
    p.add("/manifests/sha256:cd", "body", body=b"...", times=None)  # other bytes, always
    p.add("/blobs/", "redirect", to="http://127.0.0.1:N", times=None)
    p.add("/v2/", "basic", user="u", password="p", times=None)  # demand Basic auth

Rules match when their text is a substring of the request path; the first
live rule wins and `times` (None: forever) counts its uses. Range headers
pass through. Every request is recorded in `requests`. The proxy stops by
itself after `lifetime` seconds; call stop() in a finally."""
import base64
import http.client
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate", "host", "content-length"}


class Rule:
    def __init__(self, match, kind, times=1, **params):
        self.match = match
        self.kind = kind
        self.times = times
        self.params = params
        self.used = 0

    def live(self):
        return self.times is None or self.used < self.times


class FaultProxy:
    def __init__(self, upstream, lifetime=120):
        """upstream: "host:port" of a plain-http server."""
        self.upstream = upstream
        self.rules = []
        self.requests = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                proxy._handle(self)

            do_HEAD = do_GET
            do_PUT = do_GET
            do_POST = do_GET
            do_PATCH = do_GET
            do_DELETE = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.host = "127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.timer = threading.Timer(lifetime, self.stop)
        self.timer.daemon = True
        self.timer.start()

    def add(self, match, kind, times=1, **params):
        with self.lock:
            self.rules.append(Rule(match, kind, times, **params))

    def stop(self):
        self.timer.cancel()
        if self.httpd:
            h, self.httpd = self.httpd, None
            h.shutdown()
            h.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def seen(self, match, method="GET"):
        """Recorded requests whose path contains match."""
        with self.lock:
            return [r for r in self.requests if match in r["path"] and r["method"] == method]

    # --- serving ----------------------------------------------------------
    def _rule_for(self, path, headers):
        with self.lock:
            for r in self.rules:
                if r.match in path and r.live():
                    if r.kind == "basic":
                        want = "Basic " + base64.b64encode(
                            ("%s:%s" % (r.params["user"], r.params["password"])).encode()).decode()
                        if headers.get("Authorization") == want:
                            continue
                    r.used += 1
                    return r
        return None

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        rule = self._rule_for(h.path, h.headers)
        rec = {"method": h.command, "path": h.path, "range": h.headers.get("Range"),
               "authorization": h.headers.get("Authorization"), "time": time.time(),
               "fault": rule.kind if rule else None}
        with self.lock:
            self.requests.append(rec)
        if rule and rule.kind == "status":
            return self._reply(h, rule.params.get("status", 500), rule.params.get("headers", {}),
                               rule.params.get("body", b'{"errors":[{"code":"UNAVAILABLE",'
                                                       b'"message":"injected fault"}]}'))
        if rule and rule.kind == "basic":
            return self._reply(h, 401, {"WWW-Authenticate": 'Basic realm="faultproxy"'},
                               b'{"errors":[{"code":"UNAUTHORIZED","message":"login"}]}')
        if rule and rule.kind == "redirect":
            return self._reply(h, 307, {"Location": rule.params["to"] + h.path}, b"")
        conn = http.client.HTTPConnection(self.upstream, timeout=60)
        try:
            fwd = {k: v for k, v in h.headers.items() if k.lower() not in HOP}
            fwd["Host"] = self.upstream
            if body is not None:
                fwd["Content-Length"] = str(len(body))
            conn.request(h.command, h.path, body=body, headers=fwd)
            resp = conn.getresponse()
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
            if h.command == "HEAD":
                data = b""
                clen = resp.getheader("Content-Length")
            elif rule and rule.kind == "body":
                resp.read()
                data = rule.params["body"]
                clen = str(len(data))
            else:
                data = None
                clen = resp.getheader("Content-Length")
                if clen is None:
                    data = resp.read()
                    clen = str(len(data))
            h.send_response(resp.status)
            for k, v in headers:
                h.send_header(k, v)
            h.send_header("Content-Length", clen)
            h.end_headers()
            if h.command == "HEAD":
                return
            if data is not None:
                h.wfile.write(data)
                return
            self._stream(h, resp, int(clen), rule)
        finally:
            conn.close()

    def _stream(self, h, resp, total, rule):
        limit = rule.params.get("after", 0) if rule and rule.kind in ("cut", "stall") else None
        sent = 0
        while sent < total:
            want = 65536 if limit is None else min(65536, limit - sent)
            if want <= 0:
                break
            chunk = resp.read(want)
            if not chunk:
                break
            h.wfile.write(chunk)
            sent += len(chunk)
        if limit is None:
            return
        h.wfile.flush()
        if rule.kind == "stall":
            time.sleep(rule.params.get("seconds", 5))
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _reply(h, status, headers, body):
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        if "Content-Type" not in headers and body:
            h.send_header("Content-Type", "application/json")
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)
