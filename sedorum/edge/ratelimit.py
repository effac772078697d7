"""Token-bucket rate limits, per client IP and per conversation (sender id).

Why token buckets: a person types at most a message every few seconds but clicks buttons in
quick bursts; a bucket allows the burst and then the sustained rate. Why in memory: the limit
must hold when Redis is down too (a limiter that fails with its store would either refuse
everyone or let everyone through). The price: each Rasa process counts on its own, so with N
replicas a client can get up to N times the limit unless the load balancer routes by client
(which socket.io's sticky sessions already require). Documented in docs/security-and-privacy.md.

The number of buckets is bounded (least recently used are dropped), so a flood of made-up
sender ids cannot grow memory without limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """`allow(key)` spends one token of `key`'s bucket; `rate_per_s <= 0` turns the limit off."""

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_per_s = rate_per_s
        self.burst = max(1, burst)
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate_per_s > 0

    def allow(self, key: str) -> tuple[bool, float]:
        """(allowed, seconds until the next token): the second value feeds Retry-After."""
        if not self.enabled:
            return True, 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                bucket = _Bucket(tokens=float(self.burst), updated=now)
            else:
                bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate_per_s)
                bucket.updated = now
            self._buckets[key] = bucket  # most recently used last
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True, 0.0
            return False, (1.0 - bucket.tokens) / self.rate_per_s


def retry_after_header(wait_s: float) -> str:
    """Whole seconds, at least 1, as HTTP's Retry-After wants."""
    return str(max(1, math.ceil(wait_s)))
