"""The plugin mirror: releases built from Go source into .local/mirror, served over HTTP."""

from __future__ import annotations

import contextlib
import functools
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from webex_vault_testing.base import MIRROR_DIR, REPO


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


def build_plugin(distribution: str, version: str | None = None, quiet: bool = False) -> None:
    """One plugin release into .local/mirror (reused when present): the distribution's pinned
    version, or the one given."""
    subprocess.run(
        [
            str(REPO / "tools" / "build-plugin.sh"),
            "--distribution",
            distribution,
            *(["--version", version] if version else []),
        ],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL if quiet else None,
    )


@contextlib.contextmanager
def plugin_mirror(distributions: list[str], quiet: bool = False) -> Iterator[str]:
    """Build each distribution's release once (reused when present) and serve .local/mirror
    over HTTP; yields the base URL."""
    for distribution in distributions:
        build_plugin(distribution, quiet=quiet)
    handler = functools.partial(_QuietHandler, directory=str(MIRROR_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="plugin-mirror")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
