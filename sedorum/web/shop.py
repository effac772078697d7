"""The demo shop page with the chat widget, served at /shop/."""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request

from sedorum.server.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def shop_blueprint(settings: Settings) -> Blueprint:
    bp = Blueprint("shop", url_prefix="/shop")

    @bp.get("/")
    async def index(_: Request) -> response.HTTPResponse:
        return await response.file(STATIC_DIR / "shop.html")

    return bp
