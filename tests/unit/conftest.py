"""Fixtures for every unit test."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from sedorum.patches import Patch, Snapshot, all_patches


def _loaded(patch: Patch) -> bool:
    """True when every module the patch replaces something in is already imported."""
    return all(target.partition(":")[0] in sys.modules for target in patch.targets)


@pytest.fixture(autouse=True)
def undo_patches() -> Iterator[None]:
    """Whatever a test patches in a library, the next test gets it back as it was.

    Records the state of every declared patch target (collected by sedorum/patches/registry.py) whose
    module is loaded, and restores it after the test. Test modules import what they patch at
    the top, so it is loaded before the test starts; a module loaded only during a test cannot
    have been patched by an earlier one.
    """
    snapshot = Snapshot.take(patch for patch in all_patches() if _loaded(patch))
    yield
    snapshot.restore()
