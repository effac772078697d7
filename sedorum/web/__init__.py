"""The project's own web surfaces, mounted on Rasa's Sanic app (same origin as socket.io).

`register_web` is the one place a new page or API is attached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sanic import Sanic

    from sedorum.settings import Settings


def register_web(app: Sanic, settings: Settings) -> None:
    from sedorum.web.insights import insights_blueprints
    from sedorum.web.shop import assets_blueprint, shop_blueprint
    from sedorum.web.staff import staff_blueprint

    app.blueprint(shop_blueprint(settings))
    app.blueprint(assets_blueprint(settings))
    app.blueprint(staff_blueprint(settings))
    for blueprint in insights_blueprints(settings):
        app.blueprint(blueprint)
