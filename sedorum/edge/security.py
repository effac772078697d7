"""Security headers and same-origin checks shared by the project's pages and APIs.

Why one module: every page we serve (shop, console) must carry the same strict headers, and
every state-changing console request the same Origin check; a blueprint attaches both with
`secure_blueprint` instead of repeating them.

The Content-Security-Policy names no external host: the widget bundle, fonts and styles are
all served from this origin ('self' covers the socket.io WebSocket too). `style-src` allows
inline styles because the widget (React) sets style attributes and injects its CSS at run time.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def add_security_headers(response: HTTPResponse, *, no_store: bool = False) -> HTTPResponse:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def secure_blueprint(bp: Blueprint, *, no_store: bool = False) -> Blueprint:
    """Adds the security headers to every response of `bp` (pages, JSON and static files)."""

    @bp.on_response
    async def _headers(_: Request, response: HTTPResponse) -> HTTPResponse:
        return add_security_headers(response, no_store=no_store)

    return bp


def request_origin(request: Request) -> str | None:
    """The Origin header, or the origin of the Referer when a browser left Origin out."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin.rstrip("/")
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return None


def same_origin(request: Request, allowed_origins: tuple[str, ...]) -> bool:
    """True for a request from one of the deployment's own origins.

    Checked in order: the Origin header (or the Referer's origin) against the allow-list;
    then, when the browser sent `Origin: null` or none (a "no-referrer" policy makes Chromium
    do that even for same-origin POSTs), the browser's own `Sec-Fetch-Site: same-origin`.
    A request with none of these is refused: browsers always send one of them, and scripts
    that omit them can set them.
    """
    origin = request_origin(request)
    if origin is not None:
        return origin in {o.rstrip("/") for o in allowed_origins}
    return request.headers.get("sec-fetch-site", "").lower() == "same-origin"
