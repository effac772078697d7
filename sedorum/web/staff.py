"""The staff console: login, the live list of handoffs, claim / reply / hand back.

Pages:  GET /staff/ (console; redirects to /staff/login without a session), GET|POST
        /staff/login, POST /staff/logout.
API:    GET  /staff/api/me
        GET  /staff/api/handoffs                      waiting + claimed, with office status
        GET  /staff/api/handoffs/<id>                 handoff, transcript (tracker), audit trail
        POST /staff/api/handoffs/<id>/claim           409 if someone else has it
        POST /staff/api/handoffs/<id>/messages        {"text": ...}; only the claimer
        POST /staff/api/handoffs/<id>/release         {"close": false|true}; back to the assistant
Every API call needs the session cookie (401 otherwise); every POST must come from one of
the deployment's origins (403 otherwise). Database calls run in a worker thread so a slow
database never blocks the event loop that also serves the visitors' socket.io traffic.
"""

from __future__ import annotations

import asyncio
import html
import logging
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.edge.security import same_origin, secure_blueprint
from sedorum.handoff import accounts
from sedorum.handoff.conversation import ConversationBridge
from sedorum.handoff.hours import office_status
from sedorum.handoff.store import CLAIMED, Handoff, HandoffStore, open_store
from sedorum.settings import Settings
from sedorum.vocabulary import MAX_MESSAGE_CHARS
from sedorum.web.staff_auth import (
    LoginLimiter,
    SessionSigner,
    StaffGuard,
    clear_session_cookie,
    load_secret,
    set_session_cookie,
)

logger = logging.getLogger(__name__)
PAGES_DIR = Path(__file__).parent / "pages"


def staff_blueprint(settings: Settings) -> Blueprint:
    bp = secure_blueprint(Blueprint("staff", url_prefix="/staff"), no_store=True)
    signer = SessionSigner(load_secret(settings.var_dir))
    # Per name: 5 failures in 5 minutes; per address a little more (an office shares one IP).
    name_limiter, ip_limiter = LoginLimiter(limit=5), LoginLimiter(limit=20)

    def store() -> HandoffStore:
        return open_store()

    guard = StaffGuard(signer, settings.allowed_origins, lambda name: accounts.account_exists(name, store()))

    def bridge(request: Request) -> ConversationBridge:
        ctx = request.app.ctx
        return ConversationBridge(ctx.agent, getattr(ctx, "input_channels", None) or [])

    async def db(function: Any, *args: Any) -> Any:
        return await asyncio.to_thread(function, *args)

    # -- pages -----------------------------------------------------------------------------

    @bp.get("/")
    @guard.page
    async def console(_: Request) -> HTTPResponse:
        return await response.file(PAGES_DIR / "console.html")

    @bp.get("/login")
    async def login_page(request: Request) -> HTTPResponse:
        if guard.current_staff(request):
            return response.redirect("/staff/")
        return response.html(login_html(request.args.get("error")))

    @bp.post("/login")
    async def login(request: Request) -> HTTPResponse:
        if not same_origin(request, settings.allowed_origins):
            return response.text("Forbidden origin", status=403)
        name = (request.form.get("name") or "").strip()
        password = request.form.get("password") or ""
        ip_key, name_key = f"ip:{request.ip}", f"name:{name.lower()}"
        wait = max(ip_limiter.retry_after(ip_key), name_limiter.retry_after(name_key))
        if wait:
            reply = response.html(login_html("throttled"), status=429)
            reply.headers["Retry-After"] = str(wait)
            return reply
        if not await db(accounts.check_login, name, password, store()):
            ip_limiter.failed(ip_key)
            name_limiter.failed(name_key)
            logger.warning("Failed staff login for %r from %s", name, request.ip)
            return response.redirect("/staff/login?error=1", status=303)
        name_limiter.succeeded(name_key)
        logger.info("Staff %s logged in", name)
        reply = response.redirect("/staff/", status=303)
        set_session_cookie(request, reply, signer.issue(name))
        return reply

    @bp.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        if not same_origin(request, settings.allowed_origins):
            return response.text("Forbidden origin", status=403)
        reply = response.redirect("/staff/login", status=303)
        clear_session_cookie(request, reply)
        return reply

    # -- API -------------------------------------------------------------------------------

    @bp.get("/api/me")
    @guard.api
    async def me(request: Request) -> HTTPResponse:
        return response.json({"name": request.ctx.staff})

    @bp.get("/api/handoffs")
    @guard.api
    async def list_handoffs(_: Request) -> HTTPResponse:
        open_handoffs = await db(store().list_open)
        status = office_status()
        return response.json(
            {
                "handoffs": [h.to_json() for h in open_handoffs],
                "office": {"open": status.open, "hours": status.office_hours_text, "next_open": status.next_open_text},
            }
        )

    @bp.get("/api/handoffs/<handoff_id:int>")
    @guard.api
    async def detail(request: Request, handoff_id: int) -> HTTPResponse:
        handoff = await db(store().get, handoff_id)
        if handoff is None:
            return response.json({"error": "not found"}, status=404)
        trail = await db(store().audit_trail, handoff_id)
        transcript = await bridge(request).transcript(handoff.sender_id)
        return response.json(
            {"handoff": handoff.to_json(), "transcript": transcript, "audit": [e.to_json() for e in trail]}
        )

    @bp.post("/api/handoffs/<handoff_id:int>/claim")
    @guard.api
    async def claim(request: Request, handoff_id: int) -> HTTPResponse:
        staff = request.ctx.staff
        handoff = await db(store().get, handoff_id)
        if handoff is None:
            return response.json({"error": "not found"}, status=404)
        if not await db(store().claim, handoff_id, staff):
            current = await db(store().get, handoff_id)
            holder = current.claimed_by if current else None
            return response.json({"error": "already claimed", "claimed_by": holder}, status=409)
        try:
            await bridge(request).claim(handoff.sender_id, staff)
        except Exception:
            logger.exception("Claim of handoff %s could not update the conversation; undoing", handoff_id)
            await db(store().unclaim, handoff_id, staff)
            return response.json({"error": "conversation could not be updated"}, status=503)
        logger.info("Staff %s claimed handoff %s", staff, handoff_id)
        return response.json({"handoff": (await db(store().get, handoff_id)).to_json()})

    @bp.post("/api/handoffs/<handoff_id:int>/messages")
    @guard.api
    async def message(request: Request, handoff_id: int) -> HTTPResponse:
        staff = request.ctx.staff
        text = ((request.json or {}).get("text") if isinstance(request.json, dict) else "") or ""
        text = text.strip()
        if not text or len(text) > MAX_MESSAGE_CHARS:
            return response.json({"error": f"text must be 1-{MAX_MESSAGE_CHARS} characters"}, status=400)
        handoff = await db(store().get, handoff_id)
        refusal = _not_yours(handoff, staff)
        if refusal:
            return refusal
        assert handoff is not None
        entry = await db(store().add_message, handoff_id, staff, text)
        await bridge(request).staff_message(handoff.sender_id, staff, text)
        return response.json({"audit": entry.to_json()})

    @bp.post("/api/handoffs/<handoff_id:int>/release")
    @guard.api
    async def release(request: Request, handoff_id: int) -> HTTPResponse:
        staff = request.ctx.staff
        close = bool((request.json or {}).get("close")) if isinstance(request.json, dict) else False
        handoff = await db(store().get, handoff_id)
        if handoff is None:
            return response.json({"error": "not found"}, status=404)
        if not await db(store().release, handoff_id, staff, close):
            return response.json({"error": "not yours to hand back, or already ended"}, status=409)
        await bridge(request).hand_back(handoff.sender_id, staff, close=close)
        logger.info("Staff %s %s handoff %s", staff, "closed" if close else "handed back", handoff_id)
        ended = (await db(store().get, handoff_id)).to_json()
        if close and await db(store().erasure_pending, handoff.sender_id):
            # The visitor asked to delete their data during the emergency: done now (S12).
            await bridge(request).erase(handoff.sender_id)
            await db(store().delete_sender, handoff.sender_id)
            logger.info("Erased the conversation of handoff %s on the visitor's earlier request", handoff_id)
        return response.json({"handoff": ended})

    return bp


def _not_yours(handoff: Handoff | None, staff: str) -> HTTPResponse | None:
    if handoff is None:
        return response.json({"error": "not found"}, status=404)
    if handoff.status != CLAIMED or handoff.claimed_by != staff:
        return response.json({"error": "claim the conversation first"}, status=409)
    return None


LOGIN_ERRORS = {
    "1": "Wrong name or password.",
    "throttled": "Too many failed attempts. Please wait a few minutes and try again.",
}


def login_html(error: str | None) -> str:
    message = LOGIN_ERRORS.get(error or "")
    alert = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Staff sign-in · Sedorum support</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
</head>
<body class="login">
<main>
<h1>Sedorum support console</h1>
{alert}
<form method="post" action="/staff/login">
<label for="name">Name</label>
<input id="name" name="name" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
"""
