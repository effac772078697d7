"""Runs the TED policy only when its prediction could change the chosen action.

Why: Rasa 3.6 runs every policy for every prediction (two or three per turn) and then lets
the ensemble pick one. TED is a TensorFlow model and was a quarter of the Rasa server's CPU
time under load (py-spy), yet in this assistant most steps are decided by a rule or by the
SafetyPolicy with certainty, and then TED's output is thrown away.

TED's prediction is therefore computed on demand. The ensemble (Rasa's
`DefaultPolicyPredictionEnsemble`, unchanged) only ever sees real predictions: before it
runs, we check with the ensemble's own rules whether TED could win against the predictions
already made:

- a "no user" prediction (a form's happy path, the SafetyPolicy) overrules every prediction
  based on user input, and TED never makes one: TED cannot win;
- otherwise the best other prediction wins over TED if its confidence (after Rasa's
  exclusion of a just-rejected action) is 1.0 and its policy priority is higher than TED's:
  TED's confidences are a softmax, never above 1.0, and ties go to the higher priority.

In every other case TED runs as before. TED adds no mandatory events, so leaving out a
prediction that cannot win gives the ensemble's exact result. End-to-end TED models (trained
on user text, whose predictions overrule intent-based ones) are never deferred.
`tests/unit/patches/test_lazy_ted.py` compares whole conversations with and without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sedorum.patches.declaration import Patch

logger = logging.getLogger(__name__)

# How often TED was skipped or run (for tests and the benchmark's record).
counts = {"skipped": 0, "computed": 0}
# Read on every prediction: Rasa binds the policy method into its graph when the model loads,
# so the patch is installed before loading and switched by this flag afterwards.
state = {"enabled": True}


class DeferredPrediction:
    """TED's prediction for one step, computed only if `resolve()` is called."""

    def __init__(self, compute: Callable[[], Any], priority: int) -> None:
        self._compute = compute
        self.policy_priority = priority

    def resolve(self) -> Any:
        counts["computed"] += 1
        return self._compute()


def _rejected_index(tracker: Any, domain: Any) -> int | None:
    """Index of the action the ensemble will zero out (the last one, if it was rejected)."""
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected

    last = next((e for e in reversed(tracker.events) if isinstance(e, ActionExecutionRejected | ActionExecuted)), None)
    if isinstance(last, ActionExecutionRejected):
        return domain.index_for_action(last.action_name)
    return None


def deferred_can_win(decided: Sequence[Any], priority: int, tracker: Any, domain: Any) -> bool:
    """Could a non-"no user", non-end-to-end prediction with this priority beat `decided`?"""
    if any(p.is_no_user_prediction for p in decided):
        return False
    if any(p.is_end_to_end_prediction for p in decided):
        return False  # end-to-end predictions overrule intent-based ones such as TED's
    rejected = _rejected_index(tracker, domain)
    best: tuple[float, int] | None = None
    for prediction in decided:
        probabilities = list(prediction.probabilities)
        if rejected is not None and rejected < len(probabilities):
            probabilities[rejected] = 0.0
        confidence = (max(probabilities) if probabilities else 0.0, prediction.policy_priority)
        if best is None or confidence > best:
            best = confidence
    if best is None:
        return True
    return best[0] < 1.0 or priority > best[1]


def install(enabled: bool = True) -> None:
    """Defers TEDPolicy predictions and resolves them in the ensemble when needed (idempotent).

    Must run before the model loads; `enabled=False` keeps the patch but runs TED every time.
    """
    state["enabled"] = enabled
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.nlu.constants import TEXT

    original_predict = getattr(TEDPolicy, "_sedorum_original_predict", TEDPolicy.predict_action_probabilities)
    TEDPolicy._sedorum_original_predict = original_predict
    original_combine = getattr(
        DefaultPolicyPredictionEnsemble,
        "_sedorum_original_combine",
        DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs,
    )
    DefaultPolicyPredictionEnsemble._sedorum_original_combine = original_combine

    def predict_action_probabilities(self: TEDPolicy, tracker: Any, domain: Any, *args: Any, **kwargs: Any) -> Any:
        end_to_end = self.only_e2e or TEXT in (getattr(self, "fake_features", None) or {})
        if not state["enabled"] or self.model is None or end_to_end:
            return original_predict(self, tracker, domain, *args, **kwargs)
        return DeferredPrediction(lambda: original_predict(self, tracker, domain, *args, **kwargs), self.priority)

    def combine_predictions_from_kwargs(self: Any, tracker: Any, domain: Any, **kwargs: Any) -> Any:
        deferred = {key: value for key, value in kwargs.items() if isinstance(value, DeferredPrediction)}
        if deferred:
            decided = [value for value in kwargs.values() if isinstance(value, PolicyPrediction)]
            for key, value in deferred.items():
                if deferred_can_win(decided, value.policy_priority, tracker, domain):
                    kwargs[key] = value.resolve()
                    decided.append(kwargs[key])
                else:
                    counts["skipped"] += 1
                    del kwargs[key]
        return original_combine(self, tracker, domain, **kwargs)

    TEDPolicy.predict_action_probabilities = predict_action_probabilities
    DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs = combine_predictions_from_kwargs


def uninstall() -> None:
    """Back to running TED for every prediction."""
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
    from rasa.core.policies.ted_policy import TEDPolicy

    predict = getattr(TEDPolicy, "_sedorum_original_predict", None)
    if predict is not None:
        TEDPolicy.predict_action_probabilities = predict
    combine = getattr(DefaultPolicyPredictionEnsemble, "_sedorum_original_combine", None)
    if combine is not None:
        DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs = combine


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="lazy_ted",
        targets=(
            "rasa.core.policies.ted_policy:TEDPolicy.predict_action_probabilities",
            "rasa.core.policies.ensemble:DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs",
        ),
        why="TED (a TensorFlow model) ran for every prediction although a rule or the SafetyPolicy "
        "decides most steps with certainty; it now runs only when, by the ensemble's own rules, "
        "it could win.",
        test="tests/unit/patches/test_lazy_ted.py",
        apply=lambda context: install(enabled=context.settings.lazy_ted),
    ),
)
