"""The pages of a signed-in visitor: / greets them with their Webex profile (GET /people/me
with the access token Vault keeps for them), /status shows how their credential is (the same
states as the operator's report: webex_vault.credential_states) and when its token expires,
with the Authorize button when only a new sign-in helps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, render_template

from webex_vault import WebexRateLimited, WebexUnauthorized, webex_people_me
from webex_vault.credential_states import EXPIRED, HEALTHY, REAUTHORIZE, classify, parse_time

from .errors import Page, render_problem, render_unauthorized
from .extension import web_app
from .problems import RATE_LIMITED, WEBEX_REJECTED_TOKEN
from .security import allow_images_from, origin

bp = Blueprint("people", __name__)


@bp.get("/")
def index() -> str | Page:
    app = web_app()
    name = app.credential_name()
    if name is None:
        return render_unauthorized()
    credential = app.credentials.credential(name)
    settings = app.settings
    try:
        person = webex_people_me(
            app.webex,
            settings.webex_api_base_url,
            credential.access_token,
            settings.http_timeout_seconds,
        )
    except WebexUnauthorized:
        app.credentials.forget(name)
        return render_problem(WEBEX_REJECTED_TOKEN)
    except WebexRateLimited as error:
        return render_problem(RATE_LIMITED, retry_after=error.retry_after)

    display_name = person.get("displayName")
    avatar = person.get("avatar") if isinstance(person.get("avatar"), str) else None
    avatar_origin = origin(avatar) if avatar else None
    if avatar_origin is None:
        avatar = None
    else:
        allow_images_from([avatar_origin])
    emails = person.get("emails")
    # The token works now; the plugin's warnings say whether it will keep working.
    health = classify(200, {"warnings": list(credential.warnings)}, datetime.now(UTC))
    return render_template(
        "authorized.html",
        display_name=display_name if isinstance(display_name, str) else "",
        email=emails[0] if isinstance(emails, list) and emails else None,
        avatar=avatar,
        health=None if health.state == HEALTHY else health,
    )


@bp.get("/status")
def status() -> str:
    app = web_app()
    name = app.credential_name()
    if name is None:
        return render_unauthorized()
    # Read now, not from the token cache: the page is there to show what Vault says.
    health = app.credentials.health(name)
    expire_time = parse_time(health.expire_time)
    return render_template(
        "status.html",
        mount=app.settings.oauthapp_mount,
        server=app.settings.oauthapp_server,
        health=health,
        expire_time=expire_time,
        expires_in=in_words(expire_time - datetime.now(UTC)) if expire_time else None,
        authorize=health.state in (REAUTHORIZE, EXPIRED),
    )


def in_words(left: timedelta) -> str:
    """How long until expiry, as the status page says it ("in 3 days", "now")."""
    seconds = int(left.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"in {seconds // size} {unit}s"
    return f"in {seconds} seconds" if seconds > 0 else "now"
