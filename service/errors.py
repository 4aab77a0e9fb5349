"""One error handler, one error body.

Every failure leaves the service as ``{"ok": false, "error": "...", "status": N}`` (JSON), or as a
readable page when the client prefers HTML. Messages name the thing, the value and the fix; no stack
trace reaches a client (unexpected exceptions are logged and answered with a plain 500).

Library errors map to statuses here, in one table: a bad saved-question parameter or a bad query is
400, an evaluation failure 500 (:class:`crisiskg.errors.QueryError` caused by an ``OSError``), no
published build 503.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from crisiskg.errors import CrisisKGError, ParameterError, PublishError, QueryError
from crisiskg.service.negotiation import HTML, choose

log = logging.getLogger("crisiskg.service")


class ServiceError(Exception):
    """An HTTP failure with a status, a message for the client and optional extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class QueryTimeout(ServiceError):
    """A query ran past its time limit (503 with Retry-After)."""

    def __init__(self, seconds: float, retry_after: int):
        super().__init__(503, f"the query ran past the time limit of {seconds:g} s and was stopped; simplify it "
                              f"(a LIMIT, a more selective pattern) or retry later", {"Retry-After": str(retry_after)})


def status_of(exc: CrisisKGError) -> int:
    """The HTTP status of a library error."""
    if isinstance(exc, ParameterError):
        return 400
    if isinstance(exc, QueryError):
        return 500 if isinstance(exc.__cause__, OSError) else 400
    if isinstance(exc, PublishError):
        return 503
    return 500


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The one error body, as JSON or (when the client prefers it) an HTML page."""
    wants_html = choose(request.headers.get("Accept"), ["application/json", HTML]) == HTML
    if wants_html:
        resp = Response(render_template("error.html", status=status, message=message), status=status, mimetype=HTML)
    else:
        resp = jsonify({"ok": False, "error": message, "status": status})
        resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _short(message: str, limit: int = 4000) -> str:
    """A message of at most ``limit`` characters, cut only between lines and saying so (syntax
    errors come explained first, the engine's own words last)."""
    if len(message) <= limit:
        return message
    kept = message[:limit].rsplit("\n", 1)[0]
    return f"{kept}\n(… {len(message) - len(kept)} more characters)"


def register(app: Flask) -> None:
    """Install the handler for every exception on ``app``."""

    @app.errorhandler(Exception)
    def handle(exc: Exception) -> Any:
        if isinstance(exc, ServiceError):
            return error_response(exc.status, exc.message, exc.headers)
        if isinstance(exc, HTTPException):
            headers = {k: v for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after", "www-authenticate")}
            message = exc.description or exc.name
            if exc.code == 405:
                message = f"method {request.method} is not allowed on {request.path}; allowed: {headers.get('Allow', 'GET')}"
            elif exc.code == 404:
                message = f"nothing at {request.path}; see / for what this service offers"
            elif exc.code == 413:
                message = f"the request body is larger than the limit of {app.config.get('MAX_CONTENT_LENGTH')} bytes"
            return error_response(exc.code or 500, message, headers)
        if isinstance(exc, CrisisKGError):
            status = status_of(exc)
            if status == 500:
                log.error("evaluation failure on %s: %s", request.path, exc)
            return error_response(status, _short(str(exc)))
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal error: the request could not be answered (the server log has the details)")
