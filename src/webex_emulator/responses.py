"""Webex-shaped answers: error bodies, tracking ids, and the injected faults."""

from __future__ import annotations

import http
import uuid
from collections.abc import Callable
from typing import cast

from flask import Response, current_app, g, jsonify

from webex_emulator.state import EmulatorState

# The exact 401 text of the real API (asserted by a live-API test in thrzn41/WebexTeamsAPIClient).
UNAUTHORIZED_MESSAGE = (
    "The request requires a valid access token set in the Authorization request header."
)
# What /v1/people/me answers without spark:people_read (quoted in webex/webex-js-sdk PR #4011).
MISSING_SCOPE_MESSAGE = (
    "The server understood the request, but refused to fulfill it because the access token is"
    " missing required scopes or the user is missing required roles or licenses."
)
# Webex REST errors put a generic sentence per status in "message" and the detail in
# errors[].description (the 400 sentence is the one /v1/device/authorize returns).
WEBEX_STATUS_MESSAGES = {
    400: "The request could not be understood by the server due to malformed syntax.",
    401: "Authentication credentials were missing or incorrect.",
    403: "The request is understood, but it has been refused or access is not allowed.",
    404: "The URI requested is invalid or the resource requested does not exist.",
    429: "Too many requests have been sent in a given amount of time and the request has been"
    " rate limited.",
    500: "Something went wrong on the server.",
    503: "Server is overloaded with requests. Try again later.",
}


def tracking_id() -> str:
    """One Webex-style tracking id per request, shared by the error body and the header."""
    if "tracking_id" not in g:
        g.tracking_id = f"ROUTER_{str(uuid.uuid4()).upper()}"
    value: str = g.tracking_id
    return value


def webex_error(status: int, description: str, message: str | None = None) -> Response:
    """The Webex REST error shape: {"message", "errors": [{"description"}], "trackingId"}."""
    if message is None:
        message = WEBEX_STATUS_MESSAGES.get(status) or http.HTTPStatus(status).phrase
    response = jsonify(
        message=message, errors=[{"description": description}], trackingId=tracking_id()
    )
    response.status_code = status
    return response


def token_error(status: int, error: str, description: str) -> Response:
    """A token endpoint error in the shape chosen by the error_style setting."""
    state = emulator_state()
    if state.settings.error_style == "webex":
        response = webex_error(status, description)
    else:
        response = jsonify(error=error, error_description=description)
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="webex-emulator"'
    state.count("token_errors", error)
    return response


def default_fault_error(status: int) -> str:
    if status == 401:
        return "invalid_client"
    if status in (429, 503):
        return "temporarily_unavailable"
    return "invalid_grant" if status < 500 else "server_error"


def emulator_state() -> EmulatorState:
    return cast(EmulatorState, current_app.extensions["webex_emulator"])


def apply_fault(
    endpoint: str, make_error: Callable[[int, str, str], Response], grant_id: str | None = None
) -> Response | None:
    """Take the next queued fault for endpoint (and this call's grant): hang if asked, then
    return its error response, or None when the fault only delays the call (a slow answer, not
    a failed one)."""
    state = emulator_state()
    fault = state.take_fault(endpoint, grant_id)
    if fault is None:
        return None
    if fault.hang_seconds:
        state.stop_waiting.wait(fault.hang_seconds)
    if fault.status is None:
        return None
    error = fault.error or default_fault_error(fault.status)
    response = make_error(fault.status, error, "Injected by the Webex emulator's fault API.")
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response
