"""Ports of the servers the tests start, shifted by SEDORUM_TEST_PORT_OFFSET (default 0).

Why: every end-to-end module starts its own stack on fixed ports so that a failure names the
server it came from; two checkouts running their suites on one machine would then fight over
the same ports. The offset moves every port of one run together (Rasa, action server, the
Rasa processes behind the router, replicas, nginx).
"""

from __future__ import annotations

import os

OFFSET = int(os.environ.get("SEDORUM_TEST_PORT_OFFSET", "0") or 0)


def port(number: int) -> int:
    """`number` moved by the run's offset."""
    return number + OFFSET
