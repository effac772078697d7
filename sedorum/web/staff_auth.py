"""Staff sessions for the console: a signed cookie, login throttling and request guards.

Why a signed cookie and not a server-side session table: one Rasa process serves the
console, and the cookie only needs to carry "who" and "until when". It is HMAC-SHA256 signed
with SEDORUM_STAFF_SECRET (or a secret generated once into the var directory), HttpOnly
(scripts cannot read it) and SameSite=Strict (other sites cannot ride on it); on top of that
every state-changing request must come from one of the deployment's own origins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.edge.security import SAFE_METHODS, same_origin

COOKIE = "sedorum_staff"
SESSION_SECONDS = 8 * 3600
SECRET_ENV = "SEDORUM_STAFF_SECRET"

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def load_secret(var_dir: Path) -> bytes:
    """SEDORUM_STAFF_SECRET, else var/staff_secret (created with mode 600 on first use)."""
    configured = os.environ.get(SECRET_ENV, "").strip()
    if configured:
        return configured.encode()
    path = var_dir / "staff_secret"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SessionSigner:
    secret: bytes
    lifetime_s: int = SESSION_SECONDS

    def issue(self, name: str, now: float | None = None) -> str:
        payload = _b64(json.dumps({"u": name, "exp": int((now or time.time()) + self.lifetime_s)}).encode())
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str | None, now: float | None = None) -> str | None:
        """The staff name in a valid, unexpired token; None otherwise."""
        if not token or token.count(".") != 1:
            return None
        payload, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str):
            return None
        if int(data.get("exp", 0)) < (now or time.time()):
            return None
        return data["u"]

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())


@dataclass
class LoginLimiter:
    """At most `limit` failed logins per client address and per name in `window_s` seconds.

    In memory: the console runs in the single Rasa process (socket.io needs one worker).
    """

    limit: int = 5
    window_s: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, *keys: str, now: float | None = None) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = now or time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                recent = self._recent(key, now)
                if len(recent) >= self.limit:
                    wait = max(wait, recent[0] + self.window_s - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str, now: float | None = None) -> None:
        now = now or time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(key, deque())
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()
        return recent


def set_session_cookie(request: Request, reply: HTTPResponse, token: str, max_age: int = SESSION_SECONDS) -> None:
    reply.cookies[COOKIE] = token
    cookie = reply.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/staff"
    cookie["max-age"] = max_age
    if request.scheme == "https":
        cookie["secure"] = True


def clear_session_cookie(request: Request, reply: HTTPResponse) -> None:
    set_session_cookie(request, reply, "", max_age=0)


@dataclass
class StaffGuard:
    """Decorators for console routes: who is logged in, and is the request from our origin."""

    signer: SessionSigner
    allowed_origins: tuple[str, ...]
    account_exists: Callable[[str], bool]

    def current_staff(self, request: Request) -> str | None:
        name = self.signer.verify(request.cookies.get(COOKIE))
        # An account removed since login loses its session at once.
        return name if name and self.account_exists(name) else None

    def api(self, handler: Handler) -> Handler:
        """JSON routes: 401 without a session, 403 for a state change from a foreign origin."""

        @wraps(handler)
        async def wrapped(request: Request, *args, **kwargs) -> HTTPResponse:
            if request.method not in SAFE_METHODS and not same_origin(request, self.allowed_origins):
                return response.json({"error": "forbidden origin"}, status=403)
            staff = self.current_staff(request)
            if staff is None:
                return response.json({"error": "login required"}, status=401)
            request.ctx.staff = staff
            return await handler(request, *args, **kwargs)

        return wrapped

    def page(self, handler: Handler) -> Handler:
        """HTML routes: redirect to the login page without a session."""

        @wraps(handler)
        async def wrapped(request: Request, *args, **kwargs) -> HTTPResponse:
            staff = self.current_staff(request)
            if staff is None:
                return response.redirect("/staff/login")
            request.ctx.staff = staff
            return await handler(request, *args, **kwargs)

        return wrapped
