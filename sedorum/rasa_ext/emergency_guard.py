"""NLU components that put the deterministic emergency detector in charge of `report_emergency`.

Why: S1 must not depend on a statistical classifier alone, in either direction.
- `EmergencyGuard` (last in the pipeline): a message that the detector in
  `sedorum.safety.emergency` flags is re-labelled with full confidence, so the dialogue
  policies answer it first in every state (forms, handoff, after other topics).
- `UnconfirmedEmergencyFilter` (before the FallbackClassifier): the classifier alone does not
  send anyone to the emergency department when the detector has looked and disagrees.
  Measured on the 443 labelled messages of bench/data/emergency_labelled.yml, the
  classifier's report_emergency without the detector's was right 0 times and wrong 46 times:
  "I'm not having any trouble breathing" (0.95), "I fainted once years ago" (0.91), "my uncle
  collapsed at a wedding" (0.98) - the negated, past and absent-person signs that the
  detector sets aside on purpose and a word-based model cannot tell apart. So:
    * the message names a sign and the detector ruled it out -> not an emergency;
    * it names no sign the detector knows and the classifier is unsure (< min_confidence)
      -> not an emergency ("it's 2am, my legs keep twitching and I'm 30 weeks pregnant"
      scored 0.63, and a false "call 911" frightens the visitor who needed the pregnancy
      answer and hands a calm chat to staff);
    * it names no known sign, the classifier is sure, and the detector's meaning layer finds
      the message clearly nearer to its everyday examples (restless legs, tiredness) than to
      any emergency (`everyday_margin`) -> not an emergency: "my mum, Françoise, can't sleep
      because of her legs" scored 0.77, an unknown name tipping "my mum can't ..." over the
      line, and was sent to 999. Measured on the 1,382 labelled and generated messages in which
      the detector saw no sign: the classifier alone kept report_emergency for 57, of which 1
      was an emergency (lead +0.01, kept); a margin of 0.05 demotes 46 of the other 56;
    * otherwise, no known sign and the classifier sure -> report_emergency stays, with the reply
      kind "unconfirmed": the classifier's second chance for emergencies worded in ways the
      detector has no pattern for gets the urgent-help lines and an alert to staff, not
      "Call 999 now".
  The ranking is then read as "given that it is not an emergency": the other intents'
  probabilities are divided by (1 - p_emergency), and the FallbackClassifier decides as usual.

Both components read the detector's verdict through `detected_signs` and `sign_mentioned`,
which compute it at most once per message and keep it on the message (`emergency_signs`,
`emergency_sign_mentioned`): the detector normalises and scans the whole text, and the
second component must not pay for it again nor, in principle, see a different answer.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from sedorum.vocabulary import EMERGENCY_INTENT

UNCONFIRMED_KEY = "emergency_unconfirmed"
# The reply kind of a classifier-only emergency (sedorum/rasa_ext/safety_policy.py).
UNCONFIRMED_REPLY = "unconfirmed"
DEFAULT_MIN_CONFIDENCE = 0.7
# How much nearer to an everyday example than to any emergency example a message must be for
# the classifier's sure report_emergency to be set aside when the detector saw no sign.
DEFAULT_EVERYDAY_MARGIN = 0.05
# The detector's verdict, kept on the message (not in the parse output) so that it runs once.
VERDICT_KEY = "emergency_verdict"
# The visitor's language when it is not English (sedorum/safety/languages.yml), in the parse
# data: replies start with a line in that language.
LANGUAGE_KEY = "language"
# The kind of reply the emergency gets, kept in the parse data for the dialogue policy.
REPLY_KEY = "emergency_reply"


def verdict_of(message: Message) -> Any:
    """The emergency verdict for the message (sedorum.safety.emergency.verdict.assess).

    Computed on the first call and kept on the message; later calls, from either component,
    read it back, so the rule layer, the meaning layer and the language check run once.
    """
    verdict = message.get(VERDICT_KEY)
    if verdict is None:
        # Imported here: the detector builds its patterns on first import, which training
        # (where these components do nothing) should not pay for.
        from sedorum.safety.emergency.verdict import assess

        verdict = assess(message.get(TEXT) or "")
        message.set(VERDICT_KEY, verdict)
    return verdict


def detected_signs(message: Message) -> list[dict[str, Any]]:
    """The emergency signs that count in the message ({"sign", "category", "reply", "layer"})."""
    return list(verdict_of(message).signs)


def sign_mentioned(message: Message) -> bool:
    """True when the text names an emergency sign at all, even one the detector ruled out."""
    return bool(verdict_of(message).mentioned)


def everyday_lead_of(message: Message) -> float:
    """How much nearer the message (as the detector read it, a gloss for another language) is
    to the meaning layer's everyday examples than to its emergency examples."""
    from sedorum.safety.emergency.meaning import everyday_lead

    verdict = verdict_of(message)
    return everyday_lead(verdict.english or message.get(TEXT) or "")


def condition_on_no_emergency(ranking: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ranking without `report_emergency`, renormalised to sum to what it summed to before.

    The classifier's probabilities are a softmax over all intents: once the emergency is ruled
    out, P(intent | not emergency) = P(intent) / (1 - P(emergency)).
    """
    emergency = sum(r[PREDICTED_CONFIDENCE_KEY] for r in ranking if r[INTENT_NAME_KEY] == EMERGENCY_INTENT)
    rest = [r for r in ranking if r[INTENT_NAME_KEY] != EMERGENCY_INTENT]
    scale = 1.0 / (1.0 - emergency) if emergency < 1.0 else 1.0
    return [{**r, PREDICTED_CONFIDENCE_KEY: min(1.0, r[PREDICTED_CONFIDENCE_KEY] * scale)} for r in rest]


def should_demote(
    top: dict[str, Any] | None,
    detector_fired: bool,
    sign_mentioned: bool,
    min_confidence: float,
    everyday_lead: float | None = None,
    everyday_margin: float = DEFAULT_EVERYDAY_MARGIN,
) -> bool:
    """True when the classifier's report_emergency is not backed by the detector (see the module
    doc). `everyday_lead`: how much nearer to an everyday example than to any emergency example
    the message is (the meaning layer's `everyday_lead`), when it was asked."""
    if top is None or top.get(INTENT_NAME_KEY) != EMERGENCY_INTENT or detector_fired:
        return False
    if sign_mentioned or float(top.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < min_confidence:
        return True
    return everyday_lead is not None and everyday_lead >= everyday_margin


class _AfterTheClassifier(GraphComponent, IntentClassifier):
    """What both components share: untrained, placed after an intent classifier, config only."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = {**self.get_default_config(), **config}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Refuses a bad config when the model is built; nothing to check by default."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _AfterTheClassifier:
        cls.validate_config(config)
        return cls(config)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyGuard(_AfterTheClassifier):
    """Overrides the predicted intent when the deterministic emergency detector fires."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            verdict = verdict_of(message)
            if verdict.language != "en":
                message.set(LANGUAGE_KEY, verdict.language, add_to_output=True)
            signs = list(verdict.signs)
            if not signs:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get(INTENT_NAME_KEY) != EMERGENCY_INTENT]
            top = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
            message.set("emergency_sign", signs[0]["sign"], add_to_output=True)
            # Which reply the dialogue gives (SafetyPolicy): poisoning, crisis, emergency, urgent.
            message.set(REPLY_KEY, verdict.reply or "emergency", add_to_output=True)
            # Every reply it calls for: the dialogue gives the first, the follow-up the others.
            message.set("emergency_replies", list(verdict.replies), add_to_output=True)
            message.set("emergency_layer", verdict.layer, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnconfirmedEmergencyFilter(_AfterTheClassifier):
    """Undoes a classifier-only `report_emergency` that the detector contradicts (module doc)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_confidence": DEFAULT_MIN_CONFIDENCE, "everyday_margin": DEFAULT_EVERYDAY_MARGIN}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.min_confidence = float(self.component_config["min_confidence"])
        self.everyday_margin = float(self.component_config["everyday_margin"])

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key, default in (("min_confidence", DEFAULT_MIN_CONFIDENCE), ("everyday_margin", DEFAULT_EVERYDAY_MARGIN)):
            value = config.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"UnconfirmedEmergencyFilter: {key} must be in [0, 1], got {value!r}")

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            top = message.get(INTENT)
            if not top or top.get(INTENT_NAME_KEY) != EMERGENCY_INTENT:
                continue
            fired = bool(detected_signs(message))
            # Only asked when the detector did not fire: should_demote ignores it otherwise.
            mentioned = not fired and sign_mentioned(message)
            sure = float(top.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.min_confidence
            # The meaning layer is asked only when nothing else decides (no sign, a sure classifier).
            lead = everyday_lead_of(message) if sure and not fired and not mentioned else None
            if not should_demote(top, fired, mentioned, self.min_confidence, lead, self.everyday_margin):
                if not fired:
                    # The classifier is sure and names no sign the detector knows: the
                    # dialogue gives the urgent-help lines and alerts staff, not "Call 999 now".
                    message.set(REPLY_KEY, UNCONFIRMED_REPLY, add_to_output=True)
                continue
            ranking = condition_on_no_emergency(message.get(INTENT_RANKING_KEY) or [top])
            if not ranking:
                continue
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            # Kept in the parse data so staff and the logs can see the call that was made.
            message.set(UNCONFIRMED_KEY, round(float(top[PREDICTED_CONFIDENCE_KEY]), 4), add_to_output=True)
        return messages
