"""A local server speaking the Docker Hub repository API on 127.0.0.1, with
fault injection, for `dredge hub crawl` tests.

Endpoints (as hub.docker.com answers them):
  GET /v2/repositories/{ns}/?page=N&page_size=M        listing of a namespace
  GET /v2/repositories/{ns}/{name}/                    one repository in full
  GET /v2/repositories/{ns}/{name}/tags/?page=N&page_size=M
  GET /v2/search/repositories/?query=Q&page=N&page_size=M
Paginated answers are {"count", "next", "previous", "results"} with "next" an
absolute URL. Unknown namespaces and repositories answer 404.

Faults are rules matched against the request path+query in order:
  server.fault(substring, kind, times=1, **kw)
kinds: "429" (headers in kw: x_retry_after_in / retry_after / retry_after_date_in /
rate_reset_in), "500", "malformed" (bad JSON), "no-results", "block" (hold the
request until server.release() or the server stops; server.blocked is set
when it arrives), "exhaust" (200 with X-RateLimit-Remaining: 0 and
X-RateLimit-Reset now+rate_reset_in). times=None means forever.
server.next_override[(ns, page)] replaces the "next" link of a listing page.
server.log records (monotonic time, path+query, status) of every request;
server.delay slows every answer down.
The server stops by itself after `lifetime` seconds."""
import email.utils
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_repo(ns, name, i=0, description=None, full_description=None, pulls=None):
    """A repository object with the fields Docker Hub returns."""
    return {
        "user": ns,
        "name": name,
        "namespace": ns,
        "repository_type": "image",
        "status": 1,
        "status_description": "active",
        "description": description if description is not None else "repo %s number %d" % (name, i),
        "is_private": False,
        "is_automated": False,
        "star_count": i % 7,
        "pull_count": pulls if pulls is not None else i * 1000,
        "last_updated": "2023-09-%02dT10:%02d:00.000000Z" % (1 + i % 28, i % 60),
        "date_registered": "2021-04-%02dT08:00:00.000000Z" % (1 + i % 28),
        "collaborator_count": 0,
        "affiliation": None,
        "hub_user": ns,
        "has_starred": False,
        "full_description": full_description if full_description is not None else
        "# %s\n\nSee [docs](https://example.org/%s) — ünïcode ✓ \"quoted\" \\ back\n" % (name, name),
        "permissions": {"read": True, "write": False, "admin": False},
        "media_types": ["application/vnd.oci.image.index.v1+json"] if i % 3 else [],
        "content_types": ["image"] if i % 3 else [],
        "categories": [],
        "storage_size": i * 12345,
    }


def make_tags(n, prefix="v"):
    return [{
        "creator": 1, "id": 1000 + k, "images": [{"architecture": "amd64", "os": "linux",
                                                   "digest": "sha256:%064x" % (k + 1)}],
        "last_updated": "2023-10-01T00:%02d:%02dZ" % (k // 60 % 60, k % 60),
        "last_updater_username": "x", "name": "%s%d" % (prefix, k), "repository": 1,
        "full_size": 1000 + k, "v2": True, "tag_status": "active",
        "tag_last_pulled": None, "tag_last_pushed": "2023-10-01T00:00:00Z",
        "media_type": "application/vnd.oci.image.index.v1+json",
        "content_type": "image", "digest": "sha256:%064x" % (k + 1)} for k in range(n)]


class _Fault:
    def __init__(self, match, kind, times, kw):
        self.match, self.kind, self.times, self.kw = match, kind, times, kw


class HubServer:
    def __init__(self, lifetime=120):
        self.namespaces = {}  # ns -> [repo]
        self.tags = {}        # (ns, name) -> [tag]
        self.listing_omits_full_description = set()  # namespaces
        self.next_override = {}
        self.faults = []
        self.log = []
        self.lock = threading.Lock()
        self.blocked = threading.Event()
        self._release = threading.Event()
        self._stopping = threading.Event()
        self.lifetime = lifetime
        self.delay = 0.0  # seconds added to every answer
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # one segment per response (no Nagle stalls)

            def log_message(self, *a):
                pass

            def do_GET(self):
                server._handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client killed mid-request is part of the tests

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.timer = threading.Timer(lifetime, self.stop)
        self.timer.daemon = True

    # --- data -----------------------------------------------------------
    def add(self, repo, tags=()):
        self.namespaces.setdefault(repo["namespace"], []).append(repo)
        self.tags[(repo["namespace"], repo["name"])] = list(tags)
        return repo

    def fault(self, match, kind, times=1, **kw):
        self.faults.append(_Fault(match, kind, times, kw))

    def release(self):
        self._release.set()

    def requests(self, substring=""):
        with self.lock:
            return [e for e in self.log if substring in e[1]]

    # --- lifecycle ------------------------------------------------------
    def start(self):
        self.thread.start()
        self.timer.start()
        return self

    def stop(self):
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._release.set()
        self.timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- protocol -------------------------------------------------------
    def _send(self, h, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _take_fault(self, target):
        with self.lock:
            for f in self.faults:
                if f.match in target and (f.times is None or f.times > 0):
                    if f.times is not None:
                        f.times -= 1
                    return f
        return None

    def _page(self, h, items, page, size, extra=None, next_url=None):
        base = h.path.split("?")[0]
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(h.path).query))
        start = (page - 1) * size
        chunk = items[start:start + size]

        def link(p):
            q2 = dict(q, page=str(p), page_size=str(size))
            return "%s%s?%s" % (self.url, base, urllib.parse.urlencode(q2))
        nxt = link(page + 1) if start + size < len(items) else None
        if next_url is not None:
            nxt = next_url
        return {"count": len(items), "next": nxt,
                "previous": link(page - 1) if page > 1 else None, "results": chunk}

    def _handle(self, h):
        target = h.path
        split = urllib.parse.urlsplit(target)
        q = dict(urllib.parse.parse_qsl(split.query))
        status = 200
        try:
            page = int(q.get("page", "1"))
            size = min(int(q.get("page_size", "10")), 100)
        except ValueError:
            page, size = 1, 10
        if self.delay:
            time.sleep(self.delay)
        f = self._take_fault(target)
        headers = {}
        if f and f.kind == "block":
            self.blocked.set()
            self._release.wait(self.lifetime)
            f = None
        if f and f.kind == "429":
            now = time.time()
            if "x_retry_after_in" in f.kw:
                headers["X-Retry-After"] = str(int(now) + f.kw["x_retry_after_in"])
            if "retry_after" in f.kw:
                headers["Retry-After"] = str(f.kw["retry_after"])
            if "retry_after_date_in" in f.kw:
                headers["Retry-After"] = email.utils.formatdate(now + f.kw["retry_after_date_in"], usegmt=True)
            if "rate_reset_in" in f.kw:
                headers["X-RateLimit-Limit"] = "180"
                headers["X-RateLimit-Remaining"] = "0"
                headers["X-RateLimit-Reset"] = str(int(now) + f.kw["rate_reset_in"])
            self._log(target, 429)
            return self._send(h, 429, {"detail": "Rate limit exceeded"}, headers)
        if f and f.kind == "500":
            self._log(target, 503)
            return self._send(h, 503, b"<html>service unavailable</html>")
        if f and f.kind == "exhaust":
            headers["X-RateLimit-Limit"] = "180"
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Reset"] = str(int(time.time()) + f.kw.get("rate_reset_in", 2))
        parts = [urllib.parse.unquote(p) for p in split.path.split("/") if p]
        body = None
        if parts[:3] == ["v2", "search", "repositories"] and len(parts) == 3:
            query = q.get("query", "")
            hits = []
            for ns in sorted(self.namespaces):
                for r in self.namespaces[ns]:
                    if query in r["name"] or query in r["description"]:
                        hits.append({
                            "repo_name": r["name"] if ns == "library" else "%s/%s" % (ns, r["name"]),
                            "short_description": r["description"],
                            "star_count": r["star_count"], "pull_count": r["pull_count"],
                            "repo_owner": "", "is_automated": False,
                            "is_official": ns == "library"})
            body = self._page(h, hits, page, size)
        elif parts[:2] == ["v2", "repositories"] and len(parts) == 3:
            ns = parts[2]
            if ns not in self.namespaces:
                status, body = 404, {"message": "object not found", "errinfo": {}}
            else:
                items = self.namespaces[ns]
                if ns in self.listing_omits_full_description:
                    items = [{k: v for k, v in r.items() if k != "full_description"} for r in items]
                body = self._page(h, items, page, size, next_url=self.next_override.get((ns, page)))
        elif parts[:2] == ["v2", "repositories"] and len(parts) in (4, 5):
            key = (parts[2], parts[3])
            repo = next((r for r in self.namespaces.get(key[0], []) if r["name"] == key[1]), None)
            if repo is None:
                status, body = 404, {"message": "object not found", "errinfo": {}}
            elif len(parts) == 4:
                body = repo
            elif parts[4] == "tags":
                body = self._page(h, self.tags.get(key, []), page, size)
            else:
                status, body = 404, {"message": "not found"}
        else:
            status, body = 404, {"message": "not found"}
        if f and f.kind == "malformed" and status == 200:
            self._log(target, status)
            return self._send(h, 200, json.dumps(body).encode()[:-7] + b"\x00garbage", headers)
        if f and f.kind == "no-results" and status == 200:
            body = {k: v for k, v in body.items() if k != "results"}
        self._log(target, status)
        self._send(h, status, body, headers)

    def _log(self, target, status):
        with self.lock:
            self.log.append((time.monotonic(), target, status))
