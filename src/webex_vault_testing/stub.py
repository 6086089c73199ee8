"""A canned HTTP server on 127.0.0.1 for unit tests: Vault's and Webex's answers, replayed.

Each route answers (status, JSON body, headers) per (method, path); every request it saw is kept
in `seen` so a test can check what the code under test sent.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Stub:
    """An HTTP server on 127.0.0.1 that answers canned responses per (method, path)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = {}
        self.seen: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.seen.append(
                    {
                        "method": self.command,
                        "path": path,
                        "query": query,
                        "headers": dict(self.headers),
                        "body": json.loads(body) if body else None,
                    }
                )
                status, payload, headers = stub.routes.get(
                    (self.command, path), (418, {"errors": [f"no stub for {path}"]}, {})
                )
                if callable(payload):
                    payload = payload()
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            # LIST: what hvac sends to list a KV version 2 folder.
            do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def route(
        self,
        method: str,
        path: str,
        answer: tuple[int, Any] | int,
        headers: dict[str, str] | None = None,
    ) -> None:
        status, payload = answer if isinstance(answer, tuple) else (answer, None)
        self.routes[(method, path)] = (status, payload, headers or {})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
