"""Every replacement of a third-party function, declared in one registry (registry.py)."""

from sedorum.patches.registry import (
    ACTION_SERVER,
    CHECKED_VERSIONS,
    PATCHES,
    RASA_SERVER,
    Patch,
    Snapshot,
    UncheckedVersionError,
    apply_all,
    check_versions,
    describe,
)

__all__ = [
    "ACTION_SERVER",
    "CHECKED_VERSIONS",
    "PATCHES",
    "RASA_SERVER",
    "Patch",
    "Snapshot",
    "UncheckedVersionError",
    "apply_all",
    "check_versions",
    "describe",
]
