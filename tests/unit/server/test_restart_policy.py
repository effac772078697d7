"""The restart rules of the supervisor (sedorum/server/restart_policy.py), with the clock passed in."""

from __future__ import annotations

import signal

from sedorum.server.restart_policy import ProcessRecord, RestartPolicy, describe_exit

POLICY = RestartPolicy(first_delay_s=0.5, max_delay_s=10.0, stable_after_s=60.0, startup_attempts=5)


def ready_process(name: str = "rasa-1", at: float = 0.0) -> ProcessRecord:
    record = ProcessRecord(name, POLICY)
    record.started(at)
    record.ready(at + 20)
    return record


def test_a_process_killed_while_serving_is_restarted_after_the_first_delay() -> None:
    record = ready_process()
    verdict = record.died(-signal.SIGKILL, now=100.0)
    assert verdict.restart and verdict.delay_s == 0.5
    assert verdict.cause == "was killed by SIGKILL" and not verdict.at_startup


def test_the_delay_doubles_with_every_death_in_a_row_up_to_the_cap() -> None:
    record = ready_process()
    delays = []
    now = 30.0
    for _ in range(8):
        verdict = record.died(1, now)
        delays.append(verdict.delay_s)
        record.started(now + verdict.delay_s)
        record.ready(now + verdict.delay_s + 5)  # back, but dies again 10 s later
        now += verdict.delay_s + 15
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]


def test_a_process_that_ran_long_enough_starts_a_new_row() -> None:
    record = ready_process()
    assert record.died(1, 30.0).delay_s == 0.5
    record.started(31.0)
    record.ready(40.0)
    assert record.died(1, 50.0).delay_s == 1.0  # 10 s after it was ready: same row
    record.started(51.0)
    record.ready(60.0)
    assert record.died(1, 60.0 + POLICY.stable_after_s).delay_s == 0.5  # ran a minute: a new row


def test_deaths_at_startup_are_retried_until_the_crash_loop_limit_then_given_up_with_the_reason() -> None:
    record = ProcessRecord("actions", POLICY)
    now = 0.0
    verdicts = []
    for _ in range(POLICY.startup_attempts):
        record.started(now)
        verdicts.append(record.died(1, now + 1))
        now += 2 + verdicts[-1].delay_s
    assert all(v.restart for v in verdicts[:-1]) and all(v.at_startup for v in verdicts)
    last = verdicts[-1]
    assert not last.restart
    assert "actions died at start-up 5 times in a row" in last.give_up_reason
    assert "exited with code 1" in last.give_up_reason and "crash loop" in last.give_up_reason


def test_becoming_ready_once_resets_the_startup_count() -> None:
    record = ProcessRecord("rasa-2", POLICY)
    for attempt in range(POLICY.startup_attempts - 1):
        record.started(float(attempt))
        assert record.died(1, attempt + 0.5).restart
    record.started(10.0)
    record.ready(30.0)
    assert record.died(-signal.SIGKILL, 40.0).restart  # dying while serving is never a crash loop
    for attempt in range(POLICY.startup_attempts - 1):
        record.started(50.0 + attempt)
        assert record.died(1, 50.5 + attempt).restart


def test_a_configuration_refusal_at_startup_is_not_retried() -> None:
    record = ProcessRecord("rasa-1", POLICY)
    record.started(0.0)
    verdict = record.died(2, 3.0)
    assert not verdict.restart
    assert "exited with code 2 at start-up" in verdict.give_up_reason


def test_exit_code_2_while_serving_is_restarted_like_any_other_death() -> None:
    record = ready_process()
    assert record.died(2, 100.0).restart


def test_the_time_away_runs_from_the_first_death_to_ready_again() -> None:
    record = ready_process()
    record.died(-signal.SIGKILL, 100.0)
    record.started(100.5)
    record.died(1, 101.0)  # fails once while coming back
    record.started(102.0)
    assert record.ready(118.0) == 18.0
    assert record.restarts == 2
    assert record.ready(119.0) is None  # not away any more


def test_exits_read_as_a_person_would_say_them() -> None:
    assert describe_exit(-signal.SIGKILL) == "was killed by SIGKILL"
    assert describe_exit(-signal.SIGSEGV) == "was killed by SIGSEGV"
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(-200) == "was killed by signal 200"
