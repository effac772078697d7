"""The demo shop pages with the chat widget (/shop/, /shop/article) and the static assets.

Two pages, so the tests can show the conversation survives navigation (the widget keeps its
socket.io session id in localStorage, which both pages share). Assets live under /assets/:
the widget bundle built from the npm registry (vendor/webchat.js, see scripts/build_web.sh)
and our own CSS and scripts. No page loads anything from another host.
"""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request

from sedorum.edge.security import secure_blueprint
from sedorum.settings import Settings

PAGES_DIR = Path(__file__).parent / "pages"
STATIC_DIR = Path(__file__).parent / "static"
PAGES = {"": "shop.html", "article": "article.html"}


def shop_blueprint(settings: Settings) -> Blueprint:
    bp = secure_blueprint(Blueprint("shop", url_prefix="/shop"))

    @bp.get("/")
    async def index(_: Request) -> response.HTTPResponse:
        return await response.file(PAGES_DIR / PAGES[""])

    @bp.get("/article")
    async def article(_: Request) -> response.HTTPResponse:
        return await response.file(PAGES_DIR / PAGES["article"])

    return bp


def assets_blueprint(settings: Settings) -> Blueprint:
    """Static files; security headers on them too (nosniff matters most for scripts)."""
    bp = secure_blueprint(Blueprint("assets", url_prefix="/assets"))
    bp.static("", str(STATIC_DIR), name="files")
    return bp
