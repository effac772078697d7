"""The router's start-up (sedorum/server/router.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from sedorum.settings import PROJECT_ROOT


def test_the_detector_is_loaded_before_the_first_message() -> None:
    code = (
        "import sys; from sedorum.server.router import warm_up_detector; "
        "before = 'sedorum.safety.emergency' in sys.modules; seconds = warm_up_detector(); "
        "print(before, 'sedorum.safety.emergency' in sys.modules, seconds >= 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["False", "True", "True"], done.stderr[-2000:]


def test_widget_messages_wait_for_a_slot_in_order_and_hold_it_until_the_turn_is_over() -> None:
    from sedorum.server.router import SocketTurns
    from sedorum.server.routing import ROUTER_ACK_BASE, FairQueue

    async def scenario() -> tuple[list[str], list[str], dict[int, int]]:
        queue = FairQueue(1)
        sent: list[str] = []

        async def send(packet: str) -> None:
            sent.append(packet)

        turns = SocketTurns(queue, send)
        passed = [p for p in ("2", "40", '42["session_request",{"session_id":"a"}]') if not turns.from_client(p)]
        assert turns.from_client('42["user_uttered",{"message":"hi","session_id":"a"}]')
        assert turns.from_client('427["user_uttered",{"message":"thanks","session_id":"a"}]')
        await asyncio.sleep(0.05)
        assert sent == [f'42{ROUTER_ACK_BASE}["user_uttered",{{"message":"hi","session_id":"a"}}]']
        assert queue.active == 1  # held: the turn is not over
        assert not turns.from_process('42["bot_uttered",{"text":"Hello"}]')
        assert turns.from_process(f"43{ROUTER_ACK_BASE}[]")  # the router's own acknowledgement: dropped
        await asyncio.sleep(0.05)
        assert sent[1] == '427["user_uttered",{"message":"thanks","session_id":"a"}]'
        assert not turns.from_process("437[]")  # the widget's own acknowledgement: passed on
        await asyncio.sleep(0.05)
        served = dict(queue.served)
        assert queue.active == 0
        turns.close()
        return passed, sent, served

    passed, sent, served = asyncio.run(scenario())
    assert passed == ["2", "40", '42["session_request",{"session_id":"a"}]']
    assert len(sent) == 2 and served[1] == 2


def test_an_emergency_on_the_widget_takes_the_emergency_lane() -> None:
    from sedorum.server.router import SocketTurns
    from sedorum.server.routing import EMERGENCY, FairQueue

    async def scenario() -> dict[int, int]:
        queue = FairQueue(1)

        async def send(_: str) -> None:
            pass

        turns = SocketTurns(queue, send)
        turns.from_client('42["user_uttered",{"message":"I can\'t breathe and my chest hurts","session_id":"b"}]')
        await asyncio.sleep(0.05)
        turns.close()
        return dict(queue.served)

    assert asyncio.run(scenario())[EMERGENCY] == 1
