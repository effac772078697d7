"""What a patch module declares about each replacement of third-party code.

Why its own module: every patch module declares its own patches next to the code they apply
(`PATCHES = (Patch(...),)`), and the registry collects them. Both import this module, which
imports nothing of the project but the settings, so a patch module never needs the registry.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sedorum.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from sedorum.edge.ratelimit import TokenBucketLimiter
    from sedorum.settings import Settings

# The two processes that apply patches at start-up.
RASA_SERVER = "rasa"
ACTION_SERVER = "action"


@dataclass(frozen=True)
class ApplyContext:
    """What the patches of one process need to know."""

    settings: Settings
    sender_limiter: TokenBucketLimiter | None = None


@dataclass(frozen=True)
class Patch:
    """One replacement of third-party code, declared by the module that applies it."""

    name: str
    # Every attribute the patch assigns, as "module:Owner.attribute" or "module:attribute".
    targets: tuple[str, ...]
    why: str
    test: str  # the test that holds it
    apply: Callable[[ApplyContext], None]
    processes: frozenset[str] = frozenset({RASA_SERVER})
    # Upstream code the replacement copies or recompiles, with its lines in the checked version.
    copies: str = ""
    # When False for the settings, the patch is not applied (and undone if it was).
    enabled: Callable[[Settings], bool] = field(default=lambda settings: True)
    # State that is not an attribute (logging filters, event listeners): saved and restored by
    # the registry's snapshot.
    save_extra: Callable[[], Any] | None = None
    restore_extra: Callable[[Any], None] | None = None

    @property
    def module(self) -> str:
        """The file that declares the patch (where its `apply` is written), from the project root."""
        path = Path(sys.modules[self.apply.__module__].__file__ or "")
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()

    @property
    def undo(self) -> str:
        """How the patch is undone, in words (for people reading the registry's listing)."""
        how = "the replaced attributes are put back as they were before `apply_all` (Snapshot.restore)"
        if self.restore_extra is not None:
            how += ", and its other state is restored too"
        return how
