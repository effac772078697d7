"""Every replacement of a third-party function: each declared by its own module, collected in registry.py."""

from sedorum.patches.declaration import ACTION_SERVER, RASA_SERVER, Patch
from sedorum.patches.registry import (
    CHECKED_VERSIONS,
    UncheckedVersionError,
    all_patches,
    apply_all,
    check_versions,
    describe,
    patches_for,
)
from sedorum.patches.snapshot import Snapshot

__all__ = [
    "ACTION_SERVER",
    "CHECKED_VERSIONS",
    "RASA_SERVER",
    "Patch",
    "Snapshot",
    "UncheckedVersionError",
    "all_patches",
    "apply_all",
    "check_versions",
    "describe",
    "patches_for",
]
