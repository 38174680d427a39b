"""A list server on loopback (an ``http.server`` in a thread, with ETag and 304) and small
UT1-layout archives made by the tests."""

from __future__ import annotations

import contextlib
import hashlib
import io
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

UT1_LISTS = {
    "adult/domains": "adult-one.example\nadult-two.example\n",
    "adult/urls": "pics.example/adult\n",
    "adult/usage": "black\n",
    "games/domains": "games-one.example\ngames-two.example\ngames-three.example\n",
    "child/domains": "kids.example\n",
    "child/usage": "white\n",
}


def ut1_archive(
    lists: dict[str, str] | None = None,
    *,
    extra: list[tarfile.TarInfo] | None = None,
    prefix: str = "blacklists/",
) -> bytes:
    """A ``blacklists.tar.gz`` with ``lists`` (``category/kind`` -> text) under ``prefix``,
    plus ``extra`` members as they are (for bad archives)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in (UT1_LISTS if lists is None else lists).items():
            data = text.encode()
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            info.mtime = 1_780_000_000
            archive.addfile(info, io.BytesIO(data))
        for info in extra or []:
            archive.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return buffer.getvalue()


def tar_member(name: str, *, kind: bytes = tarfile.REGTYPE, link: str = "", size: int = 1):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = size if kind == tarfile.REGTYPE else 0
    return info


@dataclass
class Response:
    body: bytes = b""
    status: int = 200
    etag: bool = True
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ListServer:
    """What to answer per path, and the requests seen (path, If-None-Match)."""

    base: str = ""
    routes: dict[str, Response] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: bytes = b"", **kwargs: Any) -> str:
        self.routes[path] = Response(body=body, **kwargs)
        return self.url(path)


@pytest.fixture
def list_server() -> Iterator[ListServer]:
    state = ListServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            sent = self.headers.get("If-None-Match", "")
            state.seen.append((self.path, sent))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.delay:
                time.sleep(route.delay)
                self.close_connection = True
            etag = f'"{hashlib.sha256(route.body).hexdigest()[:16]}"'
            if route.status == 200 and route.etag and sent == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            if route.status != 200:
                self.send_error(route.status)
                return
            self.send_response(200)
            if route.etag:
                self.send_header("ETag", etag)
            headers = {"Content-Length": str(len(route.body)), **route.headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            body = route.body
            if "Content-Length" in route.headers:
                body = body[: int(route.headers["Content-Length"])]
            # The client may have given up (the timeout test).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def filter_dir(settings: Any, tmp_path: Path) -> Path:
    """The filter's files in the test's own folder."""
    settings.OPENAUP_FILTER_DIR = tmp_path / "filter"
    settings.OPENAUP_LIST_TIMEOUT = 5
    return tmp_path / "filter"
