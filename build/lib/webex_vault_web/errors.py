"""Pages for failures: every webex_vault error and every HTTP error becomes a page that says
what happened and what to do (problems.py), never a traceback or a token."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, session
from werkzeug.exceptions import HTTPException

from webex_vault import CredentialMissing, SampleError

from .extension import CREDENTIAL_ID
from .problems import BAD_FORM, Problem, problem_for
from .security import FormExpired

_log = logging.getLogger("webex_vault_web")

# What a view returns for a page: the body, the status and extra headers.
Page = tuple[str, int, dict[str, str]]


def render_problem(
    problem: Problem,
    *,
    detail: str | None = None,
    error_code: str | None = None,
    retry_after: int | None = None,
) -> Page:
    """The problem page; `detail` (the operator's one-sentence message) only in debug mode."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    page = render_template(
        "problem.html",
        problem=problem,
        detail=detail if current_app.debug else None,
        error_code=error_code,
        retry_after=retry_after,
    )
    return page, problem.status, headers


def render_unauthorized(*, ended: bool = False) -> str:
    """The page with the Authorize button; `ended`: an earlier sign-in is gone."""
    return render_template("unauthorized.html", ended=ended)


def sample_error_page(error: SampleError) -> str | Page:
    if isinstance(error, CredentialMissing):
        # Deleted elsewhere (sign-out on another instance, an operator, the idle-credential
        # pruning), or reaped by the plugin after the refresh token died.
        had_one = session.pop(CREDENTIAL_ID, None) is not None
        return render_unauthorized(ended=had_one)
    # The message is for the operator: one sentence, never a token.
    _log.warning("%s: %s", type(error).__name__, error)
    return render_problem(problem_for(error), detail=str(error))


def http_error_page(error: HTTPException) -> Page:
    if isinstance(error, FormExpired):
        return render_problem(BAD_FORM)
    return render_problem(Problem(error.code or 500, error.name, error.description or ""))


def init_app(app: Flask) -> None:
    app.register_error_handler(SampleError, sample_error_page)
    app.register_error_handler(HTTPException, http_error_page)
