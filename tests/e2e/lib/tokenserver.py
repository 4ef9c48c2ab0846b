"""A token endpoint for registry Bearer auth (the Docker token spec), run in
a thread of the test process on 127.0.0.1.

Tokens are RS256 JWTs signed with the `openssl` CLI; the signing
certificate travels in the JWT's `x5c` header and is the registry's
`rootcertbundle`. Every request is recorded in `requests` so tests can
count them. The server shuts itself down after `lifetime` seconds."""
import base64
import json
import os
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    service = "dredge-e2e-registry"
    issuer = "dredge-e2e-token-issuer"

    def __init__(self, dirpath, users, lifetime=300, anonymous=True, field="token",
                 refresh_tokens=None):
        """users: {name: password}; anonymous: grant pull without
        credentials; field: "token", "access_token" or "both" in answers;
        refresh_tokens: {token: user} accepted by the OAuth2 POST form
        (grant_type=refresh_token), which answers with access_token."""
        self.users = dict(users)
        self.refresh_tokens = dict(refresh_tokens or {})
        self.anonymous = anonymous
        self.field = field
        self.requests = []
        self.lock = threading.Lock()
        self.key = os.path.join(dirpath, "token.key")
        self.cert = os.path.join(dirpath, "token.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=dredge-e2e-token", "-keyout", self.key, "-out", self.cert],
                       capture_output=True, check=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"],
                             capture_output=True, check=True).stdout
        self.x5c = base64.b64encode(der).decode()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                server._handle(self)

            def do_POST(self):
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.realm = "http://127.0.0.1:%d/token" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.timer = threading.Timer(lifetime, self.stop)
        self.timer.daemon = True
        self.timer.start()

    def stop(self):
        self.timer.cancel()
        if self.httpd:
            h, self.httpd = self.httpd, None
            h.shutdown()
            h.server_close()

    def token_requests(self):
        with self.lock:
            return [r for r in self.requests if r["path"] == "/token"]

    # --- tokens -----------------------------------------------------------
    def issue(self, access, subject):
        """access: [(type, name, [actions])]."""
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service, "exp": now + 600,
                  "nbf": now - 30, "iat": now, "jti": b64url(os.urandom(12)),
                  "access": [{"type": t, "name": n, "actions": a} for t, n, a in access]}
        signing = (b64url(json.dumps(header).encode()) + "." +
                   b64url(json.dumps(claims).encode())).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing,
                             capture_output=True, check=True).stdout
        return signing.decode() + "." + b64url(sig)

    def _handle(self, h):
        url = urllib.parse.urlsplit(h.path)
        q = urllib.parse.parse_qs(url.query)
        user = None
        auth = h.headers.get("Authorization", "")
        rec = {"path": url.path, "query": q, "authorization": auth, "time": time.time(),
               "method": h.command}
        if h.command == "POST":
            n = int(h.headers.get("Content-Length", "0"))
            q = urllib.parse.parse_qs(h.rfile.read(n).decode(), keep_blank_values=True)
            rec["form"] = q
        with self.lock:
            self.requests.append(rec)
        if url.path != "/token":
            return self._send(h, 404, {"error": "not found"})
        if h.command == "POST":
            if q.get("grant_type") != ["refresh_token"] or q.get("client_id") != ["dredge"]:
                return self._send(h, 400, {"error": "unsupported_grant_type"})
            user = self.refresh_tokens.get(q.get("refresh_token", [""])[0])
            if user is None:
                return self._send(h, 401, {"error": "invalid_grant"})
        elif auth.startswith("Basic "):
            try:
                u, p = base64.b64decode(auth[6:]).decode().split(":", 1)
            except Exception:
                return self._send(h, 400, {"error": "bad basic header"})
            if self.users.get(u) != p:
                return self._send(h, 401, {"errors": [{"code": "UNAUTHORIZED",
                                                       "message": "bad credentials"}]})
            user = u
        elif not self.anonymous:
            return self._send(h, 401, {"errors": [{"code": "UNAUTHORIZED",
                                                   "message": "credentials required"}]})
        if q.get("service", [""])[0] != self.service:
            return self._send(h, 400, {"error": "unknown service"})
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            actions = parts[-1].split(",")
            if user is None:
                actions = [a for a in actions if a == "pull"]
            access.append((parts[0], ":".join(parts[1:-1]), actions))
        rec["user"] = user
        rec["scopes"] = q.get("scope", [])
        tok = self.issue(access, user or "")
        body = {"expires_in": 600}
        if h.command == "POST":
            body["access_token"] = tok
        elif self.field in ("token", "both"):
            body["token"] = tok
        if h.command != "POST" and self.field in ("access_token", "both"):
            body["access_token"] = tok
        self._send(h, 200, body)

    @staticmethod
    def _send(h, status, obj):
        data = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
