"""The insights page and the review queue in the staff console, and the visitors' votes.

Pages (staff session required, else a redirect to /staff/login):
        GET /staff/insights          figures and charts for a period
        GET /staff/review            any conversation, message by message; mark misread ones
API (staff session required, else 401; POST/DELETE only from the deployment's origins):
        GET    /staff/api/insights?from=YYYY-MM-DD&to=YYYY-MM-DD
        GET    /staff/api/insights/export.csv?from=&to=       the same figures as CSV
        GET    /staff/api/review/intents
        GET    /staff/api/review/conversations?from=&to=&unsure=1&offset=
        GET    /staff/api/review/conversation?sender=ID
        POST   /staff/api/review/marks                        {"event_id": N, "intent": NAME}
        DELETE /staff/api/review/marks/<event_id>
        GET    /staff/api/review/export.yml                   marked messages as NLU training data
Visitors:
        POST   /feedback                 {"sender_id", "text", "value": "up"|"down"} from the widget

Routes live under /staff because the staff cookie is scoped to that path. Database work runs
in a worker thread: the same event loop serves the visitors' socket.io traffic.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from sedorum.edge.security import same_origin, secure_blueprint
from sedorum.handoff import accounts
from sedorum.handoff.store import open_store
from sedorum.insights import feedback, figures, review, rollup
from sedorum.insights.db import engine_for, tracker_db_url
from sedorum.insights.figures import Period
from sedorum.settings import PROJECT_ROOT, Settings
from sedorum.web.staff_auth import SessionSigner, StaffGuard, load_secret

logger = logging.getLogger(__name__)
PAGES_DIR = Path(__file__).parent / "pages"
MAX_SENDER_CHARS = 255
MAX_FEEDBACK_TEXT = 4000
T = TypeVar("T")


def refresh_interval_s() -> float:
    """SEDORUM_INSIGHTS_REFRESH_S (default 30): how often new events are counted in the background."""
    return float(os.environ.get("SEDORUM_INSIGHTS_REFRESH_S", "").strip() or 30)


class FiguresCache:
    """The figures of recently viewed periods, valid while no event is added or erased.

    The key holds the roll-up's watermark (highest event counted), the votes' version (votes
    add no event, and may be cast in another process) and a generation bumped by every
    erasure, so a cached page is never staler than the data.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.generation = 0
        self._items: dict[tuple, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.generation += 1
            self._items.clear()

    def get(self, key: tuple, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            full = (*key, self.generation)
            if full in self._items:
                return self._items[full]
        value = build()
        with self._lock:
            if len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            self._items[(*key, self.generation)] = value
        return value


class Insights:
    """The roll-up engine and cache shared by the pages, the API and the background refresher."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = FiguresCache()
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = engine_for(tracker_db_url(self.settings))
        return self._engine

    def refresh(self) -> rollup.RefreshResult:
        result = rollup.refresh(self.engine)
        if result.erased:
            self.cache.bump()
        return result

    def figures(self, period: Period) -> dict[str, Any]:
        watermark = self.refresh().watermark
        votes = feedback.version(self.engine)  # votes add no event: they key the cache themselves
        return self.cache.get((period, watermark, votes), lambda: figures.compute(self.engine, period))


async def _thread(function: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(function, *args)


def _period(request: Request) -> Period:
    return Period.parse(request.args.get("from") or None, request.args.get("to") or None)


def insights_blueprints(settings: Settings) -> list[Blueprint]:
    """The staff pages and API, and the visitors' vote endpoint, sharing one roll-up and cache."""
    insights = Insights(settings)
    return [staff_insights_blueprint(settings, insights), feedback_blueprint(settings, insights)]


def staff_insights_blueprint(settings: Settings, insights: Insights) -> Blueprint:
    bp = secure_blueprint(Blueprint("staff_insights", url_prefix="/staff"), no_store=True)
    signer = SessionSigner(load_secret(settings.var_dir))
    guard = StaffGuard(signer, settings.allowed_origins, lambda name: accounts.account_exists(name, open_store()))
    intents = review.domain_intents(PROJECT_ROOT / "domain.yml")

    @bp.get("/insights")
    @guard.page
    async def insights_page(_: Request) -> HTTPResponse:
        return await response.file(PAGES_DIR / "insights.html")

    @bp.get("/review")
    @guard.page
    async def review_page(_: Request) -> HTTPResponse:
        return await response.file(PAGES_DIR / "review.html")

    @bp.get("/api/insights")
    @guard.api
    async def insights_json(request: Request) -> HTTPResponse:
        try:
            period = _period(request)
        except ValueError as error:
            return response.json({"error": str(error)}, status=400)
        return response.json(await _thread(insights.figures, period))

    @bp.get("/api/insights/export.csv")
    @guard.api
    async def insights_csv(request: Request) -> HTTPResponse:
        try:
            period = _period(request)
        except ValueError as error:
            return response.json({"error": str(error)}, status=400)
        body = figures.to_csv(await _thread(insights.figures, period))
        name = f"insights-{period.start.isoformat()}-{period.end.isoformat()}.csv"
        return response.text(
            body,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.get("/api/review/intents")
    @guard.api
    async def review_intents(_: Request) -> HTTPResponse:
        return response.json({"intents": intents})

    @bp.get("/api/review/conversations")
    @guard.api
    async def review_list(request: Request) -> HTTPResponse:
        try:
            period = _period(request)
            offset = int(request.args.get("offset") or 0)
        except ValueError as error:
            return response.json({"error": str(error)}, status=400)
        await _thread(insights.refresh)
        rows = await _thread(
            review.list_conversations,
            insights.engine,
            period.start.isoformat(),
            period.end.isoformat(),
            request.args.get("unsure") == "1",
            offset,
        )
        return response.json({"conversations": rows, "page_size": review.PAGE_SIZE})

    @bp.get("/api/review/conversation")
    @guard.api
    async def review_detail(request: Request) -> HTTPResponse:
        sender = (request.args.get("sender") or "")[:MAX_SENDER_CHARS]
        entries = await _thread(review.conversation, insights.engine, sender)
        if entries is None:
            return response.json({"error": "not found"}, status=404)
        return response.json({"sender_id": sender, "messages": entries})

    @bp.post("/api/review/marks")
    @guard.api
    async def review_mark(request: Request) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        intent, event_id = body.get("intent"), body.get("event_id")
        if intent not in intents or not isinstance(event_id, int):
            return response.json({"error": "event_id (number) and a known intent are required"}, status=400)
        marked = await _thread(review.mark, insights.engine, event_id, intent, request.ctx.staff)
        if marked is None:
            return response.json({"error": "not a stored visitor message"}, status=404)
        logger.info("Staff %s marked message %s as %s", request.ctx.staff, event_id, intent)
        return response.json({"mark": marked})

    @bp.delete("/api/review/marks/<event_id:int>")
    @guard.api
    async def review_unmark(request: Request, event_id: int) -> HTTPResponse:
        if not await _thread(review.unmark, insights.engine, event_id):
            return response.json({"error": "not marked"}, status=404)
        return response.json({"unmarked": event_id})

    @bp.get("/api/review/export.yml")
    @guard.api
    async def review_export(_: Request) -> HTTPResponse:
        await _thread(insights.refresh)  # erased conversations' marks go first
        body = await _thread(review.export_nlu_yaml, insights.engine)
        return response.text(
            body,
            content_type="application/x-yaml; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="reviewed.yml"'},
        )

    _start_refresher(bp, insights)
    return bp


def feedback_blueprint(settings: Settings, insights: Insights) -> Blueprint:
    """The widget's thumbs up / down (no staff session: visitors vote on their own answers)."""
    bp = secure_blueprint(Blueprint("visitor_feedback"), no_store=True)

    @bp.post("/feedback")
    async def vote(request: Request) -> HTTPResponse:
        if not same_origin(request, settings.allowed_origins):
            return response.json({"error": "forbidden origin"}, status=403)
        body = request.json if isinstance(request.json, dict) else {}
        sender, text, value = body.get("sender_id"), body.get("text"), body.get("value")
        if not (isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_CHARS):
            return response.json({"error": "sender_id required"}, status=400)
        if not (isinstance(text, str) and 0 < len(text) <= MAX_FEEDBACK_TEXT) or value not in feedback.VALUES:
            return response.json({"error": "text and value (up or down) required"}, status=400)
        saved = await _thread(feedback.record, insights.engine, sender, text, value)
        if saved is None:
            return response.json({"error": "no such answer in this conversation"}, status=404)
        return response.json({"recorded": value, "answer": saved["answer"]})

    return bp


def _start_refresher(bp: Blueprint, insights: Insights) -> None:
    """Counts new events every SEDORUM_INSIGHTS_REFRESH_S seconds, so a page view finds
    little left to count."""

    async def loop() -> None:
        while True:
            try:
                await _thread(insights.refresh)
            except Exception as error:  # the database may be briefly unavailable
                logger.warning("Insights refresh failed (%s); will retry.", type(error).__name__)
            await asyncio.sleep(refresh_interval_s())

    @bp.listener("after_server_start")
    async def start(app: Sanic, _loop: Any) -> None:
        if refresh_interval_s() > 0:
            app.ctx.sedorum_insights = asyncio.get_running_loop().create_task(loop())

    @bp.listener("before_server_stop")
    async def stop(app: Sanic, _loop: Any) -> None:
        task = getattr(app.ctx, "sedorum_insights", None)
        if task is not None:
            task.cancel()
