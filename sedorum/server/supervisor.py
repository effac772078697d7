"""Starts processes, restarts the ones that die, and stops them all on request.

Why: the assistant is several processes (Rasa processes, action server, router; in the
replica deployment also nginx), and one of them dying must not take the others down. Each
process gets a watcher thread that waits for it to answer its health URL, waits for it to
exit, asks the restart policy (sedorum/server/restart_policy.py) what to do, logs one line
that says which process, why and when it will be back, and starts it again with the same
command, environment and log file. Only two things stop everything: the caller (Ctrl-C,
the end of a test) and a crash loop at start-up, which the policy detects; then `failure`
says why and `wait()` returns it.

Used by `make run` (sedorum/server/stack.py), the replica launcher
(sedorum/server/replicas.py), the end-to-end tests and the benchmarks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sedorum.server.restart_policy import ProcessRecord, RestartPolicy
from sedorum.settings import PROJECT_ROOT

HEALTH_POLL_S = 0.25
EXIT_POLL_S = 0.2


def answers(url: str, timeout_s: float = 2.0) -> bool:
    """True when `url` answers with any status below 500 (the process is up and serving)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as reply:
            return reply.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass(frozen=True)
class ProcessSpec:
    """How to start one supervised process and how to tell that it serves."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    health_url: str | None = None  # None: ready as soon as it runs
    log_path: Path | None = None
    pass_fds: tuple[int, ...] = ()


class CrashLoop(RuntimeError):
    """A process kept dying at start-up; the message says which and why."""


@dataclass
class _Slot:
    spec: ProcessSpec
    record: ProcessRecord
    process: subprocess.Popen | None = None
    thread: threading.Thread | None = None
    ready_once: threading.Event = field(default_factory=threading.Event)


class Supervisor:
    """Keeps every process of `specs` running until `stop()`; gives up only on a crash loop."""

    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        policy: RestartPolicy | None = None,
        announce: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        policy = policy or RestartPolicy()
        self.slots = {spec.name: _Slot(spec, ProcessRecord(spec.name, policy)) for spec in specs}
        if len(self.slots) != len(specs):
            raise ValueError("every supervised process needs its own name")
        self.announce = announce or (lambda message: print(f"==> {message}", flush=True))
        self.clock = clock
        self.failure: str | None = None
        self._stopping = threading.Event()
        self._failed = threading.Event()
        self._lock = threading.Lock()

    # --- the caller's side -------------------------------------------------------------

    def start(self) -> None:
        """Starts every process in the order given, each with its watcher thread."""
        for slot in self.slots.values():
            self._spawn(slot)
            slot.thread = threading.Thread(
                target=self._watch, args=(slot,), name=f"watch-{slot.spec.name}", daemon=True
            )
            slot.thread.start()

    def wait_ready(self, timeout_s: float, names: Sequence[str] | None = None) -> None:
        """Returns once each process (or those named) has answered its health URL once.

        Raises CrashLoop when the supervisor gave up meanwhile, TimeoutError when it took too long.
        """
        deadline = time.monotonic() + timeout_s
        for name in names or list(self.slots):
            slot = self.slots[name]
            while not slot.ready_once.wait(timeout=0.2):
                if self._failed.is_set():
                    raise CrashLoop(self.failure or "a process kept dying")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} did not answer {slot.spec.health_url} within {timeout_s:.0f} s")
        if self._failed.is_set():
            raise CrashLoop(self.failure or "a process kept dying")

    def wait(self, poll_s: float = 0.5) -> str:
        """Blocks until the supervisor gives up; returns why. Ctrl-C passes through."""
        while not self._failed.wait(timeout=poll_s):
            pass
        return self.failure or "a process kept dying"

    def process(self, name: str) -> subprocess.Popen:
        """The current process of `name` (a new object after every restart)."""
        process = self.slots[name].process
        assert process is not None, name
        return process

    @property
    def processes(self) -> list[subprocess.Popen]:
        """The current processes, in start order."""
        return [slot.process for slot in self.slots.values() if slot.process is not None]

    def record(self, name: str) -> ProcessRecord:
        return self.slots[name].record

    def stop(self, grace_s: float = 10) -> None:
        """Stops every process (SIGTERM, then SIGKILL after `grace_s`); no restarts from now on."""
        self._stopping.set()
        with self._lock:
            processes = self.processes
        stop_processes(processes, grace_s)
        for slot in self.slots.values():
            if slot.thread is not None and slot.thread is not threading.current_thread():
                slot.thread.join(timeout=5)

    # --- the watcher threads -------------------------------------------------------------

    def _spawn(self, slot: _Slot) -> bool:
        """Starts the slot's process; False (and nothing started) once stopping has begun."""
        spec = slot.spec
        log = open(spec.log_path, "ab") if spec.log_path else None  # noqa: SIM115 - the child keeps it
        try:
            with self._lock:
                if self._stopping.is_set():
                    return False
                slot.process = subprocess.Popen(
                    list(spec.argv),
                    cwd=PROJECT_ROOT,
                    env=dict(spec.env),
                    stdout=log,
                    stderr=subprocess.STDOUT if log else None,
                    start_new_session=True,
                    pass_fds=spec.pass_fds,
                )
        finally:
            if log is not None:
                log.close()  # the child has its own copy
        slot.record.started(self.clock())
        return True

    def _watch(self, slot: _Slot) -> None:
        name = slot.spec.name
        while not self._stopping.is_set():
            process = slot.process
            assert process is not None
            if self._wait_until_serving(slot, process):
                away = slot.record.ready(self.clock())
                slot.ready_once.set()
                if away is not None:
                    self.announce(
                        f"{name} is back (pid {process.pid}, serving {away:.1f} s after it stopped; "
                        f"restart {slot.record.restarts})"
                    )
            returncode = self._wait_for_exit(process)
            if returncode is None or self._stopping.is_set():  # stopped on purpose
                return
            verdict = slot.record.died(returncode, self.clock())
            log = f"; see its log: {_shown(slot.spec.log_path)}" if slot.spec.log_path else ""
            if not verdict.restart:
                self._give_up(verdict.give_up_reason + log)
                return
            when = " at start-up" if verdict.at_startup else ""
            self.announce(
                f"{name} (pid {process.pid}) {verdict.cause}{when}; starting it again in {verdict.delay_s:.1f} s "
                f"(restart {slot.record.restarts + 1}; the other processes keep serving{log})"
            )
            _kill_leftovers(process)
            if self._stopping.wait(timeout=verdict.delay_s):
                return
            try:
                if not self._spawn(slot):
                    return
            except OSError as error:  # the command itself cannot be started: no restart will help
                self._give_up(f"{name} could not be started again: {error}")
                return

    def _wait_until_serving(self, slot: _Slot, process: subprocess.Popen) -> bool:
        """True once the process answers its health URL; False if it exited or we are stopping."""
        url = slot.spec.health_url
        while not self._stopping.is_set():
            if process.poll() is not None:
                return False
            if url is None or answers(url):
                return process.poll() is None
            self._stopping.wait(timeout=HEALTH_POLL_S)
        return False

    def _wait_for_exit(self, process: subprocess.Popen) -> int | None:
        while not self._stopping.is_set():
            try:
                return process.wait(timeout=EXIT_POLL_S)
            except subprocess.TimeoutExpired:
                continue
        return None

    def _give_up(self, reason: str) -> None:
        with self._lock:
            if self.failure is None:
                self.failure = reason
        self.announce(f"Giving up: {reason}.")
        self._failed.set()


def _shown(path: Path | None) -> str:
    if path is None:
        return ""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _kill_leftovers(process: subprocess.Popen) -> None:
    """Kills what is left of a dead process's group (an nginx worker, say) before its restart."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def stop_processes(processes: Sequence[subprocess.Popen], grace_s: float = 10) -> None:
    """SIGTERM to each process group, then SIGKILL to those still running after `grace_s`."""
    for proc in processes:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
