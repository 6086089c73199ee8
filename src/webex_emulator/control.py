"""The control blueprint (/_emulator/): what tests and the demo use to steer the emulator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from webex_emulator.faults import FAULT_ENDPOINTS, Fault
from webex_emulator.people import initials, person_document
from webex_emulator.records import ControlError
from webex_emulator.responses import emulator_state
from webex_emulator.settings import is_int, public_settings

control = Blueprint("control", __name__, url_prefix="/_emulator")


@control.errorhandler(ControlError)
def _control_error(exc: ControlError) -> tuple[Response, int]:
    return jsonify(error=exc.message), exc.status


def json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise ControlError("The request body must be a JSON object.")
    return body


@control.get("/health")
def health() -> Response:
    return jsonify(status="ok")


@control.route("/settings", methods=["GET", "POST"])
def settings_endpoint() -> Response:
    state = emulator_state()
    if request.method == "POST":
        try:
            state.update_settings(json_object())
        except ValueError as exc:
            raise ControlError(str(exc)) from exc
    return jsonify(public_settings(state.settings))


@control.route("/user", methods=["GET", "PUT"])
def user_endpoint() -> Response:
    state = emulator_state()
    if request.method == "PUT":
        return jsonify(person_document(state.update_current_user(json_object())))
    return jsonify(person_document(state.current_user()))


@control.route("/users", methods=["GET", "POST"])
def users_endpoint() -> Response | tuple[Response, int]:
    state = emulator_state()
    if request.method == "POST":
        return jsonify(person_document(state.add_user(json_object()))), 201
    current_id = state.current_user()["id"]
    return jsonify(
        items=[person_document(profile) for profile in state.users()], current=current_id
    )


@control.post("/login")
def login() -> Response:
    user_id = json_object().get("id")
    if not isinstance(user_id, str):
        raise ControlError('Send the person id to sign in as: {"id": "..."}.')
    return jsonify(person_document(emulator_state().sign_in(user_id)))


@control.post("/tokens/expire")
def expire_tokens() -> Response:
    body = json_object()
    token = _optional_token(body)
    expired = emulator_state().expire_tokens(body.get("kind", "all"), token)
    return jsonify(expired=expired)


@control.post("/tokens/revoke")
def revoke_tokens() -> Response:
    return jsonify(revoked=emulator_state().revoke_tokens(_optional_token(json_object())))


def _optional_token(body: Mapping[str, Any]) -> str | None:
    token = body.get("token")
    if token is not None and not isinstance(token, str):
        raise ControlError("token must be a string.")
    return token


@control.route("/faults", methods=["POST", "DELETE"])
def faults() -> Response:
    state = emulator_state()
    if request.method == "DELETE":
        state.clear_faults()
        return jsonify(queued=0)
    body = json_object()
    endpoint, fault = parse_fault(body)
    token = _optional_token(body)
    if token is not None:
        if endpoint != "access_token":
            raise ControlError("token aims a fault at a grant's refreshes: access_token only.")
        fault.grant_id = emulator_state().grant_of(token)
        if fault.grant_id is None:
            raise ControlError("No access or refresh token matches.", status=404)
    return jsonify(endpoint=endpoint, queued=state.add_fault(endpoint, fault))


def parse_fault(body: Mapping[str, Any]) -> tuple[str, Fault]:
    unknown = set(body) - {
        "endpoint",
        "count",
        "status",
        "error",
        "hang_seconds",
        "retry_after",
        "token",
    }
    if unknown:
        raise ControlError(f"Unknown fault field(s): {', '.join(sorted(unknown))}.")
    endpoint = body.get("endpoint")
    if endpoint not in FAULT_ENDPOINTS:
        raise ControlError("endpoint must be 'access_token' or 'people_me'.")
    count = body.get("count", 1)
    status = body.get("status")
    error = body.get("error")
    hang_seconds = body.get("hang_seconds", 0)
    if not is_int(count) or count < 1:
        raise ControlError("count must be a whole number, at least 1.")
    if status is not None and (not is_int(status) or not 400 <= status <= 599):
        raise ControlError("status must be an HTTP error status from 400 to 599.")
    if error is not None and not isinstance(error, str):
        raise ControlError("error must be a string such as 'invalid_grant'.")
    if not isinstance(hang_seconds, int | float) or not 0 <= hang_seconds <= 600:
        raise ControlError("hang_seconds must be a number from 0 to 600.")
    if status is None and not hang_seconds:
        raise ControlError("A fault needs a status, a hang_seconds, or both.")
    # Retry-After goes with every 429 (1 s unless told); an explicit null leaves it out, to test
    # the SDK's 15 s default.
    retry_after = body.get("retry_after", 1 if status == 429 else None)
    if retry_after is not None and (not is_int(retry_after) or retry_after < 0):
        raise ControlError("retry_after must be a whole number of seconds or null.")
    return endpoint, Fault(count, status, error, float(hang_seconds), retry_after)


@control.get("/stats")
def stats() -> Response:
    return jsonify(emulator_state().stats())


@control.post("/reset")
def reset() -> Response:
    emulator_state().reset()
    return jsonify(status="reset")


@control.get("/avatar/<person_id>")
def avatar(person_id: str) -> Response:
    profile = emulator_state().user(person_id)
    if profile is None:
        raise ControlError("No user profile has this id.", status=404)
    svg = render_template("avatar.svg", initials=initials(profile.get("displayName") or ""))
    return Response(svg, mimetype="image/svg+xml")
