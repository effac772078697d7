"""When a process that died is started again, and when the supervisor gives up.

Why a policy object of its own, without any process in it: the rules decide whether the
assistant stays up after a crash or stops with a clear reason, and they are easy to get
subtly wrong (a restart loop that never ends, a backoff that never resets). Here they are
plain Python with the clock passed in, so tests/unit/server/test_restart_policy.py checks
each rule in microseconds; sedorum/server/supervisor.py does the process plumbing.

The rules, the same ideas as systemd's `Restart=on-failure` with `RestartSec` and
`StartLimitBurst`, and gunicorn's arbiter (software that is only ever stopped by crashing
and started by recovering: crash-only software, Candea and Fox, 2003):

- A process that died is started again after a delay that doubles with every death in a
  row: 0.5 s, 1 s, 2 s, ... at most `max_delay_s`.
- "In a row" ends once the process has run `stable_after_s` since it last became ready:
  the next death waits the first delay again.
- A process that dies before it ever became ready (at start-up) `startup_attempts` times in a
  row is in a crash loop: restarting it again will not help, so the supervisor gives up,
  says why and stops everything with a non-zero exit.
- An exit code in `fatal_exit_codes` at start-up (2: the process refused its configuration,
  say a missing model or token) is not retried at all: it never heals by itself.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RestartPolicy:
    """The numbers behind the rules (defaults: SEDORUM_RESTART_* in sedorum/settings.py)."""

    first_delay_s: float = 0.5
    max_delay_s: float = 10.0
    stable_after_s: float = 60.0
    startup_attempts: int = 5
    fatal_exit_codes: frozenset[int] = frozenset({2})

    def delay_for(self, deaths_in_a_row: int) -> float:
        """The wait before the next start after the `deaths_in_a_row`-th death in a row."""
        doublings = max(0, deaths_in_a_row - 1)
        return min(self.max_delay_s, self.first_delay_s * (2 ** min(doublings, 32)))


@dataclass(frozen=True)
class Verdict:
    """What to do with a process that just died, and the words for the log."""

    restart: bool
    delay_s: float
    cause: str  # "was killed by SIGKILL", "exited with code 1"
    at_startup: bool = False  # it died before it ever answered after this start
    give_up_reason: str = ""


def describe_exit(returncode: int) -> str:
    """A returncode as a person reads it (negative: the signal that killed the process)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


@dataclass
class ProcessRecord:
    """What the supervisor knows about one supervised process (one per name, kept across restarts)."""

    name: str
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    started_at: float | None = None
    ready_at: float | None = None
    died_at: float | None = None
    deaths_in_a_row: int = 0
    startup_failures_in_a_row: int = 0
    restarts: int = 0
    ever_ready: bool = False

    def started(self, now: float) -> None:
        if self.started_at is not None:
            self.restarts += 1
        self.started_at = now
        self.ready_at = None

    def ready(self, now: float) -> float | None:
        """Marks the process ready; returns how long it was away (death to ready), if it died before."""
        self.ready_at = now
        self.ever_ready = True
        self.startup_failures_in_a_row = 0
        away = None if self.died_at is None else now - self.died_at
        self.died_at = None
        return away

    def died(self, returncode: int, now: float) -> Verdict:
        policy = self.policy
        cause = describe_exit(returncode)
        at_startup = self.ready_at is None
        if not at_startup and self.ready_at is not None and now - self.ready_at >= policy.stable_after_s:
            self.deaths_in_a_row = 0  # it ran long enough: this death starts a new row
        self.deaths_in_a_row += 1
        self.died_at = now if self.died_at is None else self.died_at
        if at_startup:
            self.startup_failures_in_a_row += 1
            if returncode in policy.fatal_exit_codes:
                return Verdict(
                    False,
                    0.0,
                    cause,
                    True,
                    f"{self.name} {cause} at start-up: it refused its configuration, and restarting "
                    "will not change that",
                )
            if self.startup_failures_in_a_row >= policy.startup_attempts:
                return Verdict(
                    False,
                    0.0,
                    cause,
                    True,
                    f"{self.name} died at start-up {self.startup_failures_in_a_row} times in a row "
                    f"(last: {cause}): a crash loop, restarting again will not help",
                )
        self.ready_at = None
        return Verdict(True, policy.delay_for(self.deaths_in_a_row), cause, at_startup)
