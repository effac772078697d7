"""A web server with only the staff console's pages and APIs, for the insights benchmark.

The insights page's code is the same as in the assistant's Rasa server (sedorum.web); leaving
out the model keeps a benchmark of the page from waiting a minute for the model to load and
from sharing the two cores with it.

    python -m bench.insights_server PORT     (settings from the environment, as for the stack)
"""

from __future__ import annotations

import sys

from sanic import Sanic

from sedorum.settings import Settings
from sedorum.web.insights import insights_blueprints
from sedorum.web.shop import assets_blueprint
from sedorum.web.staff import staff_blueprint


def main(port: int) -> None:
    settings = Settings.from_env()
    app = Sanic("bench_insights")
    app.blueprint(assets_blueprint(settings))
    app.blueprint(staff_blueprint(settings))
    for blueprint in insights_blueprints(settings):
        app.blueprint(blueprint)
    app.run(host="127.0.0.1", port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
