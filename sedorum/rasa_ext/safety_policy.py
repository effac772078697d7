"""A dialogue policy for the two things that must win over everything else.

Why a policy and not rules: S1 (emergency first) and handoff silence must hold "at every
point of a conversation" - inside forms, after any topic, while staff own the chat. Rules
need one variant per state; a policy with the highest priority whose predictions count as
"no user" predictions outranks rules, memoization, TED and active forms in one place.
It abstains (all zeros) in every other state, so normal dialogue is untouched.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.vocabulary import EMERGENCY_INTENT, HANDOFF_CLAIMED, HANDOFF_SLOT, HANDOFF_WAITING

EMERGENCY_REPLY = "utter_emergency"
# The emergency reply for each kind the NLU's EmergencyGuard names (`emergency_reply` in the
# message's parse data); an emergency the classifier alone found gets the plain one.
EMERGENCY_REPLIES: dict[str, str] = {
    "emergency": EMERGENCY_REPLY,
    "poisoning": "utter_emergency_poisoning",
    "crisis": "utter_emergency_crisis",
    "urgent": "utter_urgent_same_day",
}
EMERGENCY_FOLLOW_UP = "action_flag_emergency"
# An emergency the classifier alone heard and the detector could not confirm: the urgent-help
# lines and an alert to staff, in one action (actions/handoff.py).
UNCONFIRMED_KIND = "unconfirmed"
URGENT_HELP = "action_urgent_help"
WAITING_REPLY = "action_handoff_waiting"
# Intents the normal dialogue still handles during a handoff: a deletion request (S12) is the
# user's right whoever has the conversation.
PASS_THROUGH_INTENTS = frozenset({"delete_data"})
# The answers to "do you want me to erase this chat?" pass too, while that question is open.
DELETION_ANSWERS = frozenset({"affirm", "deny", "delete_data"})
DELETION_ASKED_SLOT = "deletion_asked"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class SafetyPolicy(Policy):
    """Emergency reply first in every state; silence (or an acknowledgement) during handoff."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (6): ties between "no user" predictions go to the higher priority.
        return {"priority": 7}

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        message = tracker.latest_message
        action = next_safety_action(
            latest_action=tracker.latest_action_name,
            latest_intent=message.intent.get("name") if message else None,
            handoff=tracker.get_slot(HANDOFF_SLOT),
            reply_kind=(message.parse_data or {}).get("emergency_reply") if message else None,
            deletion_asked=bool(tracker.get_slot(DELETION_ASKED_SLOT)),
        )
        if action is None:
            return self._prediction(self._default_predictions(domain))
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)


def next_safety_action(
    latest_action: str | None,
    latest_intent: str | None,
    handoff: str | None,
    reply_kind: str | None = None,
    deletion_asked: bool = False,
) -> str | None:
    """The action this policy insists on, or None to let the other policies decide.

    Kept as a pure function of its values so the decision table is testable on its own.
    """
    if latest_action == ACTION_LISTEN_NAME:
        if latest_intent == EMERGENCY_INTENT:
            if reply_kind == UNCONFIRMED_KIND:
                return URGENT_HELP
            return EMERGENCY_REPLIES.get(reply_kind or "emergency", EMERGENCY_REPLY)
        if latest_intent in PASS_THROUGH_INTENTS or (deletion_asked and latest_intent in DELETION_ANSWERS):
            return None
        if handoff == HANDOFF_CLAIMED:
            return ACTION_LISTEN_NAME
        if handoff == HANDOFF_WAITING:
            return WAITING_REPLY
        return None
    if latest_action in EMERGENCY_REPLIES.values():
        return EMERGENCY_FOLLOW_UP
    if latest_action in (EMERGENCY_FOLLOW_UP, WAITING_REPLY, URGENT_HELP):
        return ACTION_LISTEN_NAME
    return None
