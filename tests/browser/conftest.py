"""Browser fixtures: the web sample served by waitress in a thread, and Debian's Chromium
driven by Playwright.

The web app runs with the AppRole identity that site.yml wrote for it (stack.app_env_file), so
it talks to the real server and the real plugin, which talk to the Webex emulator.

Webex (the emulator) and the app's Vault policy only accept the redirect URL
http://localhost:5000/auth. Rather than take port 5000 (the demo's web app may hold it), the app
listens on a free port and Chromium's --host-resolver-rules sends localhost:5000 there: the
browser, Webex and Vault still see exactly the registered redirect URL.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from waitress.server import create_server

from webex_vault import Settings
from webex_vault_testing.samples import load_sample

people_me_flask = load_sample("people_me_flask")
DEFAULT_WEB_ENV_FILE = people_me_flask.DEFAULT_WEB_ENV_FILE
create_app = people_me_flask.create_app

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass
class WebApp:
    app: Flask
    settings: Settings
    port: int

    @property
    def url(self) -> str:
        """The app as the browser addresses it: the origin of the registered redirect URL."""
        parts = urlsplit(self.settings.oauthapp_redirect_url)
        return f"{parts.scheme}://{parts.netloc}"

    def credential_id(self, context) -> str | None:
        """The credential id in a browser context's session cookie (signed, not encrypted)."""
        cookies = [c for c in context.cookies() if c["name"] == "webex_vault_session"]
        if not cookies:
            return None
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        return serializer.loads(cookies[0]["value"]).get("credential_id")


@pytest.fixture(scope="session")
def web_app(stack) -> Iterator[WebApp]:
    settings = Settings.from_environment(
        # Only the settings file that the playbook wrote, plus a key: nothing from this shell.
        {
            "WEBEX_VAULT_WEB_ENV_FILE": str(stack.app_env_file),
            "FLASK_SECRET_KEY": "browser-test-" + "k" * 40,
        },
        env_file_variable="WEBEX_VAULT_WEB_ENV_FILE",
        default_env_file=DEFAULT_WEB_ENV_FILE,
    )
    assert settings.uses_approle and settings.vault_token is None
    app = create_app({"WEBEX_VAULT_SETTINGS": settings})
    # waitress, as `make web` serves it.
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield WebApp(app=app, settings=settings, port=server.effective_port)
    server.close()


@pytest.fixture(scope="session")
def browser(web_app: WebApp):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; install Debian's Chromium: apt-get install -y chromium"
        )
    from playwright.sync_api import sync_playwright

    registered = urlsplit(web_app.settings.oauthapp_redirect_url)
    host_port = f"{registered.hostname}:{registered.port or 80}"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                f"--host-resolver-rules=MAP {host_port} 127.0.0.1:{web_app.port}",
            ],
        )
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """One browser context (its own cookies) and page, with what the page reported."""

    context: object
    page: object
    screenshots: Path
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def errors_on(self, origin: str) -> list[str]:
        """Console errors of pages from `origin` (the emulator has no favicon, for one)."""
        return [error for error in self.errors if f" at {origin}/" in error]

    def screenshot(self, step: str) -> Path:
        self.shots += 1
        path = self.screenshots / f"{self.shots:02d}-{step}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def tab(browser, output_dir: Path, request) -> Iterator[Tab]:
    screenshots = output_dir / "browser" / request.node.name.replace("[", "-").rstrip("]")
    shutil.rmtree(screenshots, ignore_errors=True)
    screenshots.mkdir(parents=True)
    context = browser.new_context(viewport={"width": 900, "height": 520})
    page = context.new_page()
    tab = Tab(context=context, page=page, screenshots=screenshots)

    def on_dialog(dialog) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def on_console(message) -> None:
        if message.type == "error":
            tab.errors.append(f"{message.text} at {message.location.get('url')}")

    page.on("pageerror", lambda error: tab.errors.append(f"{error} at {page.url}"))
    page.on("console", on_console)
    yield tab
    context.close()
