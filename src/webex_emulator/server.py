"""The emulator as a Flask app, and behind a threaded werkzeug server on a loopback address."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.serving import WSGIRequestHandler, make_server

from webex_emulator.control import control
from webex_emulator.responses import tracking_id, webex_error
from webex_emulator.settings import EmulatorSettings
from webex_emulator.state import EmulatorState
from webex_emulator.webex_api import webex

_log = logging.getLogger("webex_emulator")

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


class _OrderedJSONProvider(DefaultJSONProvider):
    sort_keys = False  # keep the documented field order of Webex answers


def create_app(settings: EmulatorSettings, clock: Callable[[], float] = time.time) -> Flask:
    """The emulator as a WSGI app. clock lets tests move time instead of sleeping."""
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR), static_folder=None)
    app.json = _OrderedJSONProvider(app)
    app.extensions["webex_emulator"] = EmulatorState(settings, clock)
    app.register_blueprint(webex)
    app.register_blueprint(control)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _http_error(exc: HTTPException) -> Response:
    """Unknown paths and wrong methods answer in JSON, like the API they imitate."""
    status = exc.code or 500
    if request.path.startswith("/v1/"):
        response = webex_error(status, exc.description or exc.name)
        response.headers.setdefault("trackingId", tracking_id())
    else:
        response = jsonify(error=exc.description or exc.name)
        response.status_code = status
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


class RedactingRequestHandler(WSGIRequestHandler):
    """Logs method, path and status only: query strings carry codes, states and challenges."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = getattr(code, "value", code)
        _log.info("%s %s %s", self.command, urlsplit(self.path).path, status)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        # http.server puts the raw request line, query string included, into these messages.
        _log.warning("Rejected a malformed HTTP request")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        _log.info("HTTP server notice (details withheld: they may contain a query string)")


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmulatorServer:
    """The emulator behind a threaded werkzeug server on a loopback address."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], float] = time.time):
        if not is_loopback_host(settings.host):
            raise ValueError(
                f"Refusing to listen on {settings.host}: the Webex emulator is a test harness"
                " and only binds to loopback addresses such as 127.0.0.1."
            )
        self.app = create_app(settings, clock)
        self.state: EmulatorState = self.app.extensions["webex_emulator"]
        self._server = make_server(
            settings.host,
            settings.port,
            self.app,
            threaded=True,
            request_handler=RedactingRequestHandler,
        )
        self.port: int = self._server.server_port
        self.base_url = base_url(settings.host, self.port)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> None:
        # A short poll interval makes shutdown() return quickly between tests.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="webex-emulator",
            daemon=True,
        )
        self._thread.start()

    def shutdown(self) -> None:
        self.state.stop_waiting.set()  # end injected hangs so their threads finish
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


def start_in_thread(
    settings: EmulatorSettings, clock: Callable[[], float] = time.time
) -> tuple[EmulatorServer, str]:
    """Start the emulator in a daemon thread; call server.shutdown() when done."""
    server = EmulatorServer(settings, clock)
    server.start()
    return server, server.base_url
