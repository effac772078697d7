"""The Rasa process's entry point (sedorum/server/rasa_server.py): modules it leaves out."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from sedorum.server.rasa_server import UNUSED_MODULES, leave_out_unused_modules
from sedorum.settings import PROJECT_ROOT


def test_unused_modules_are_marked_not_importable_unless_switched_off() -> None:
    modules: dict[str, Any] = {}
    assert leave_out_unused_modules({}, modules) == UNUSED_MODULES
    assert modules == {"jax": None}
    kept: dict[str, Any] = {}
    assert leave_out_unused_modules({"SEDORUM_SKIP_UNUSED_MODULES": "0"}, kept) == ()
    assert kept == {}


def test_tensorflow_loads_without_jax_in_the_rasa_process() -> None:
    code = (
        "import sys, sedorum.server.rasa_server, tensorflow as tf; "
        "print(sys.modules.get('jax'), float(tf.reduce_sum(tf.constant([1.0, 2.0]))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert done.stdout.split() == ["None", "3.0"], done.stderr[-2000:]
