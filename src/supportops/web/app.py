"""The FastAPI application: security headers, one error shape, the JSON API and the pages.

``create_app`` builds an app from a store URL and a policy (``supportops serve`` calls it).
It only reads: the routes are GET, and while ``read_only`` any other method is refused before
it reaches a route. Every response carries a strict Content-Security-Policy (the pages load
nothing but their own stylesheet), and requests must name a local host unless the server
was bound to another address (a guard against DNS rebinding).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from supportops.errors import SupportOpsError
from supportops.policy import Policy
from supportops.store import Store
from supportops.web import api, pages
from supportops.web.dashboard import BadQuery, Dashboard, NotFound, ReviewSource

log = logging.getLogger("supportops.web")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: Host names a browser uses for this machine; other Host headers are refused by default.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
READ_METHODS = ("GET", "HEAD")
STATIC = Path(__file__).parent / "static"
CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    421: "misdirected_request",
    422: "bad_query",
    500: "internal_error",
    503: "unavailable",
}


def create_app(
    store_url: str,
    policy: Policy,
    *,
    as_of: datetime | None = None,
    read_only: bool = True,
    allowed_hosts: Sequence[str] | None = LOCAL_HOSTS,
    review: ReviewSource | None = None,
) -> FastAPI:
    """The dashboard app over the store at ``store_url``, measured under ``policy`` at
    ``as_of`` (default: the latest event in the store, re-read after every import).

    ``allowed_hosts``: the Host names accepted (``None`` accepts any; for a server bound to
    a public address). ``review`` builds the weekly review document shown at ``/review``.
    """
    store = Store.open(store_url, create=False, shared=True)
    dashboard = Dashboard(store, policy, as_of=as_of, review=review)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:  # compute the figures before the first visitor waits for them
            dashboard.snapshot()
        except SupportOpsError as exc:  # e.g. an empty store: the pages say what to do
            log.warning("%s", exc)
        except Exception:  # the requests will report it; the server still answers
            log.exception("computing the dashboard failed")
        yield
        store.close()

    app = FastAPI(
        title="supportops dashboard",
        version=_version(),
        description="Read-only JSON API behind the supportops dashboard pages.",
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: serve neither
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
    )
    app.state.dashboard = dashboard
    app.state.read_only = read_only
    hosts = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        host = (request.headers.get("host") or "").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if hosts is not None and name not in hosts:
            response: Response = error_response(
                request, 421, f"this server answers for {', '.join(sorted(hosts))} only"
            )
        elif read_only and request.method not in READ_METHODS:
            response = error_response(request, 405, "the dashboard is read-only: use GET")
        else:
            response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}; see /openapi.json for the API"
        return error_response(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"loc": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg"))}
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": None, "message": "invalid request"}
        return error_response(request, 422, f"{first['loc']}: {first['message']}", details)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, exc: BadQuery) -> Response:
        return error_response(request, 422, str(exc))

    @app.exception_handler(SupportOpsError)
    async def unavailable(request: Request, exc: SupportOpsError) -> Response:
        return error_response(request, 503, str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path, exc_info=exc)
        return error_response(request, 500, "internal error; the server log has the details")

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def wants_html(request: Request) -> bool:
    """Pages answer errors with a page, the API (and anything not asking for HTML) with JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/openapi", "/static/")) or path == "/api":
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(
    request: Request,
    status: int,
    message: str,
    details: list[dict[str, Any]] | None = None,
) -> Response:
    """The one error shape: ``{"error": {"status", "code", "message", "details"}}``, or the
    same fields on an HTML page for a browser."""
    body = {
        "status": status,
        "code": CODES.get(status, "error"),
        "message": message,
        "details": details or [],
    }
    if wants_html(request):
        return pages.error_page(request, body)
    return JSONResponse({"error": body}, status_code=status)


def _version() -> str:
    from supportops import __version__

    return __version__
