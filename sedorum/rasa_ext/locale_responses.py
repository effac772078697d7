"""Responses with the visitor's emergency number: Rasa's response generator plus locale values.

Why a response generator: the emergency reply (S1) is a static response that the SafetyPolicy
sends before any custom action runs, so it must not depend on the action server. Rasa fills a
response's {placeholders} from slot values and the generator's keyword values; this generator
adds the locale's values (sedorum.content.locale) for every response, so `utter_emergency`,
the greeting and the handoff messages lead with the number of the conversation's locale.

The placeholders are also slots with the UK values as their initial values (domain.yml), so
a Rasa process without this generator (a test agent, `rasa shell`) still says "999", never
"{emergency_number}". Configured in endpoints.yml (`nlg: type: <this class>`).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from sedorum.content.locale import conversation_locale, default_locale, template_values
from sedorum.safety.language import ENGLISH, reply_lines

# The emergency replies and the line each gets in the visitor's language (languages.yml): an
# emergency must be understood even by a visitor who reads little English.
TRANSLATED_FIRST_LINES = {
    "utter_emergency": "emergency",
    "utter_emergency_poisoning": "poisoning",
    "utter_emergency_crisis": "crisis",
    "utter_urgent_same_day": "urgent",
}


class LocaleResponses(TemplatedNaturalLanguageGenerator):
    """Domain responses, with the emergency numbers of the conversation's locale filled in."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__(domain.responses if domain else {})
        default_locale()  # a bad SEDORUM_LOCALE stops start-up, not the first emergency

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        locale = conversation_locale(tracker.get_latest_input_channel() or output_channel, tracker.sender_id)
        values = {**template_values(locale), **kwargs}
        message = await super().generate(utter_action, tracker, output_channel, **values)
        kind = TRANSLATED_FIRST_LINES.get(utter_action)
        language = (tracker.latest_message.parse_data or {}).get("language") if tracker.latest_message else None
        if message and kind and language and language != ENGLISH:
            lines = reply_lines(str(language), (kind,), template_values(locale))
            if lines:
                # The instruction in their language first, then the English reply with every number.
                message["text"] = "\n".join([*lines[1:], lines[0], message.get("text") or ""])
        return message
