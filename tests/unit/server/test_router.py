"""The router's start-up (sedorum/server/router.py)."""

from __future__ import annotations

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
