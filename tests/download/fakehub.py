"""A local stand-in for the Hugging Face Hub, good enough for the real `huggingface_hub`
client: the model-info API, `/resolve/` with the Hub's metadata headers and a redirect to a
"CDN" (the same server under the name `localhost`, a different origin as on the real Hub),
and byte ranges. Misbehaviours are switched on per test.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

COMMIT = "3d8f1c2b9a7e6d5c4b3a29181716151413121110"
PIECE = 16 * 1024
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@dataclass
class Served:
    """One GET of file bytes: where it started and how much was sent."""

    path: str
    start: int
    sent: int
    status: int


@dataclass
class FakeHub:
    url: str = ""
    cdn_url: str = ""
    repos: dict[str, dict[str, bytes]] = field(default_factory=dict)
    commit: str = COMMIT
    # Behaviours, for one test at a time.
    drop_after: int | None = None  # close the connection after this many body bytes (once)
    corrupt: bool = False  # serve other bytes of the same length
    fail_status: int | None = None  # answer file requests with this status…
    fail_times: int | None = None  # …this many times (None: always)
    fail_api: bool = False  # the model-info API fails too
    piece_delay: float = 0.0  # pause between 16 KiB pieces (a slow connection)
    ignore_range: bool = False  # answer 200 with the whole file to a Range request
    # What happened.
    served: list[Served] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, repo: str, files: dict[str, bytes]) -> None:
        self.repos[repo] = files

    def bytes_served(self, path_suffix: str = "") -> int:
        return sum(s.sent for s in self.served if s.path.endswith(path_suffix))

    def blob(self, sha256: str) -> tuple[str, bytes] | None:
        for files in self.repos.values():
            for name, data in files.items():
                if hashlib.sha256(data).hexdigest() == sha256:
                    return name, data
        return None

    def take_failure(self) -> int | None:
        with self.lock:
            if self.fail_status is None:
                return None
            if self.fail_times is not None:
                if self.fail_times <= 0:
                    return None
                self.fail_times -= 1
            return self.fail_status


def siblings(files: dict[str, bytes], blobs: bool) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name, data in files.items():
        entry: dict[str, object] = {"rfilename": name}
        if blobs:
            entry["size"] = len(data)
            entry["blobId"] = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            if name.endswith(".gguf"):
                entry["lfs"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                "pointerSize": 135}
        out.append(entry)
    return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    @property
    def hub(self) -> FakeHub:
        return self.server.hub

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_GET(self) -> None:
        self._handle(head=False)

    def _handle(self, *, head: bool) -> None:
        try:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            if path.startswith("/api/models/"):
                self._model_info(path.removeprefix("/api/models/"), parse_qs(parts.query))
            elif path.startswith("/lfs/"):
                self._blob(path.removeprefix("/lfs/"), head=head)
            else:
                self._resolve(path, head=head)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _error(self, status: int, code: str | None, message: str,
               extra: dict[str, str] | None = None) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_response(status)
        if code:
            self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _model_info(self, rest: str, query: dict[str, list[str]]) -> None:
        self.hub.api_calls.append(self.path)
        repo, _, revision = rest.partition("/revision/")
        if self.hub.fail_api and (status := self.hub.take_failure()):
            self._error(status, None, "Internal Error")
            return
        files = self.hub.repos.get(repo)
        if files is None:
            self._error(404, "RepoNotFound", "Repository not found")
            return
        if revision and revision not in ("main", self.hub.commit):
            self._error(404, "RevisionNotFound", "Invalid rev id: " + revision)
            return
        owner = repo.split("/")[0]
        body = json.dumps({
            "_id": "66b0c0ffee0000000000beef", "id": repo, "modelId": repo, "author": owner,
            "sha": self.hub.commit, "lastModified": "2025-08-05T17:00:00.000Z",
            "private": False, "gated": False, "disabled": False, "downloads": 1234,
            "likes": 56, "tags": ["gguf", "endpoints_compatible"], "library_name": "gguf",
            "createdAt": "2025-08-05T16:00:00.000Z", "cardData": {"license": "apache-2.0"},
            "siblings": siblings(files, blobs=query.get("blobs", [""])[0].lower() == "true"),
            "spaces": [], "usedStorage": sum(len(d) for d in files.values()),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _resolve(self, path: str, *, head: bool) -> None:
        match = re.match(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$", path)
        if match is None:
            self._error(404, None, "Not Found")
            return
        files = self.hub.repos.get(match["repo"])
        if files is None:
            self._error(404, "RepoNotFound", "Repository not found")
            return
        if match["rev"] not in ("main", self.hub.commit):
            self._error(404, "RevisionNotFound", "Invalid rev id")
            return
        data = files.get(match["file"])
        if data is None:
            self._error(404, "EntryNotFound", "Entry not found",
                        {"X-Repo-Commit": self.hub.commit})
            return
        sha = hashlib.sha256(data).hexdigest()
        # As huggingface.co does for LFS files: a redirect to the CDN, carrying the metadata.
        self.send_response(302)
        self.send_header("Location", f"{self.hub.cdn_url}/lfs/{sha}?download=true")
        self.send_header("X-Repo-Commit", self.hub.commit)
        self.send_header("X-Linked-Etag", f'"{sha}"')
        self.send_header("X-Linked-Size", str(len(data)))
        self.send_header("ETag", f'W/"{hashlib.sha1(data).hexdigest()}"')
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _blob(self, rest: str, *, head: bool) -> None:
        found = self.hub.blob(rest.split("?", maxsplit=1)[0])
        if found is None:
            self._error(404, None, "Not Found")
            return
        name, data = found
        if not head and (status := self.hub.take_failure()):
            self._error(status, None, "Internal Error")
            return
        if self.hub.corrupt:
            data = bytes(b ^ 0x5A for b in data[:64]) + data[64:]
        start, status = 0, 200
        match = _RANGE.match(self.headers.get("Range", ""))
        if match and not self.hub.ignore_range:
            start, status = int(match[1]), 206
            if start >= len(data):
                self._error(416, None, "Range Not Satisfiable",
                            {"Content-Range": f"bytes */{len(data)}"})
                return
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if head:
            return
        record = Served(name, start, 0, status)
        with self.hub.lock:
            self.hub.served.append(record)
            drop, self.hub.drop_after = self.hub.drop_after, None
        for offset in range(0, len(body), PIECE):
            piece = body[offset:offset + PIECE]
            if drop is not None and record.sent + len(piece) > drop:
                piece = piece[: drop - record.sent]
                self.wfile.write(piece)
                record.sent += len(piece)
                self.wfile.flush()
                self.close_connection = True
                return  # the client sees the connection end before Content-Length bytes
            self.wfile.write(piece)
            record.sent += len(piece)
            if self.hub.piece_delay:
                self.wfile.flush()
                time.sleep(self.hub.piece_delay)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hub: FakeHub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hub = hub


class RunningHub:
    """Starts the server on an ephemeral port in a thread; `stop()` ends the thread."""

    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub
        self._server = _Server(hub)
        port = self._server.server_address[1]
        hub.url = f"http://127.0.0.1:{port}"
        hub.cdn_url = f"http://localhost:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, name="fake-hub")
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
